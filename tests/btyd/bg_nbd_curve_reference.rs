//! BG/NBD's expectation while alive (the curve behind expected purchases, CLV and the
//! score) against an independent mpmath evaluation of the closed form
//! (`tests/reference/bgnbd_expected_if_alive.py`, 60 digits): 1e-12 relative at every
//! point; the batch of many `(x, T)` equals the per-pair call bit for bit.

use customer_value::btyd::{BgNbd, TransactionModel};

struct Point {
    model: (f64, f64, f64, f64),
    x: f64,
    age: f64,
    t: f64,
    value: f64,
}

fn points() -> Vec<Point> {
    let text = include_str!("../data/bgnbd_expected_if_alive.csv");
    text.lines()
        .skip(1)
        .map(|line| {
            let v: Vec<f64> = line.split(',').map(|f| f.parse().unwrap()).collect();
            Point {
                model: (v[0], v[1], v[2], v[3]),
                x: v[4],
                age: v[5],
                t: v[6],
                value: v[7],
            }
        })
        .collect()
}

#[test]
fn expectation_while_alive_matches_mpmath() {
    let points = points();
    assert_eq!(points.len(), 1176);
    let mut worst = 0.0_f64;
    for p in &points {
        let (r, alpha, a, b) = p.model;
        let m = BgNbd::new(r, alpha, a, b).unwrap();
        // As the score asks: the whole weekly curve at once, and the one horizon alone.
        let times: Vec<f64> = (1..=52).map(f64::from).collect();
        let curve = m.expected_if_alive_curve(&times, p.x, p.age).unwrap().unwrap();
        let at = curve[p.t as usize - 1];
        let one = m.expected_if_alive_curve(&[p.t], p.x, p.age).unwrap().unwrap()[0];
        for got in [at, one] {
            let rel = ((got - p.value) / p.value).abs();
            worst = worst.max(rel);
            assert!(
                rel < 1e-12,
                "r={r} α={alpha} a={a} b={b} x={} T={} t={}: {got:e} vs {:e} ({rel:e})",
                p.x,
                p.age,
                p.t,
                p.value
            );
        }
    }
    eprintln!("worst relative error {worst:e}");
}

#[test]
fn curves_of_many_pairs_equal_one_call_per_pair() {
    let m = BgNbd::new(0.5, 6.0, 0.8, 2.5).unwrap();
    let times: Vec<f64> = (0..=52).map(f64::from).collect();
    let mut pairs = Vec::new();
    for age in [0.0, 0.5, 3.0, 38.86, 80.0] {
        for x in [0.0, 1.0, 7.0, 30.0] {
            pairs.push((x, age));
        }
    }
    // Unsorted too: the sharing is between neighbours with the same T.
    pairs.push((2.0, 0.5));
    let curves = m.expected_if_alive_curves(&times, &pairs).unwrap();
    for (curve, &(x, age)) in curves.iter().zip(&pairs) {
        let one = m.expected_if_alive_curve(&times, x, age).unwrap().unwrap();
        let got = curve.as_ref().unwrap();
        assert_eq!(got.len(), one.len());
        for (g, o) in got.iter().zip(&one) {
            assert_eq!(g.to_bits(), o.to_bits(), "x={x} T={age}");
        }
    }
}

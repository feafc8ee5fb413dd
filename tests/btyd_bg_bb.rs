//! BG/BB on the donations data against Fader, Hardie & Shang (2010), the Fader & Hardie
//! notes and the BTYD package.

use customer_value::btyd::{BgBb, DiscreteSummaries, FitOptions};

fn donations() -> DiscreteSummaries {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/donations.csv")).unwrap();
    let (mut x, mut tx, mut n, mut w) = (vec![], vec![], vec![], vec![]);
    for line in text.lines().skip(1) {
        let v: Vec<f64> = line.split(',').map(|s| s.parse().unwrap()).collect();
        x.push(v[0] as u32);
        tx.push(v[1] as u32);
        n.push(v[2] as u32);
        w.push(v[3]);
    }
    DiscreteSummaries::from_weighted_rows(&x, &tx, &n, &w).unwrap()
}

fn published() -> BgBb {
    BgBb::new(1.2035, 0.7498, 0.6568, 2.7839).unwrap()
}

#[test]
fn fit_reproduces_fhs10() {
    let d = donations();
    assert_eq!(d.weight().iter().sum::<f64>(), 11_104.0);
    let fit = BgBb::fit(&d, &FitOptions::default()).unwrap();
    let m = fit.model;
    for (got, want) in [
        (m.alpha(), 1.2035),
        (m.beta(), 0.7498),
        (m.gamma(), 0.6568),
        (m.delta(), 2.7839),
    ] {
        assert!((got - want).abs() < 1e-3 * want, "{got} vs {want}");
    }
    assert!(
        (fit.log_likelihood - -33225.58).abs() < 0.01,
        "{}",
        fit.log_likelihood
    );
    assert!(fit.standard_errors.is_some());
}

#[test]
fn predictions_fhs10_notes_and_btyd() {
    let m = published();
    for ((x, tx), want) in [((0, 0), 0.11), ((2, 4), 0.59), ((6, 6), 0.93)] {
        let p = m.probability_alive_next(x, tx, 6).unwrap();
        assert!((p - want).abs() < 0.005, "({x}, {tx}): {p}");
    }
    let new = [
        0.4985, 0.9233, 1.2969, 1.6323, 1.9381, 2.2202, 2.4826, 2.7285, 2.9603, 3.1798, 3.3887,
    ];
    for (n, want) in (1..=11).zip(new) {
        let e = m.expected_transactions_new(n).unwrap();
        // Four decimals, computed by the notes from unrounded estimates.
        assert!((e - want).abs() < 1e-4 * want, "n = {n}: {e}");
    }
    let e = m.conditional_expected_transactions(10, 0, 0, 6).unwrap();
    assert!((e - 0.1302169).abs() < 1e-3 * 0.1302169, "{e}");
    let e = m.conditional_expected_transactions(10, 4, 5, 6).unwrap();
    assert!((e - 3.627858).abs() < 1e-3 * 3.627858, "{e}");
    // Expected donors with x repeat transactions in 6 periods, of 11,104.
    let p0 = 11_104.0 * m.probability_of_transactions(6, 0).unwrap();
    let p6 = 11_104.0 * m.probability_of_transactions(6, 6).unwrap();
    assert!((p0 - 3454.9).abs() < 0.5, "{p0}");
    assert!((p6 - 1253.1).abs() < 0.5, "{p6}");
    let total: f64 = (0..=6)
        .map(|x| m.probability_of_transactions(6, x).unwrap())
        .sum();
    assert!((total - 1.0).abs() < 1e-12);
    // Σ over all donors of the next 5 periods.
    let d = donations();
    let sum: f64 = (0..d.len())
        .map(|i| {
            d.weight()[i]
                * m.conditional_expected_transactions(5, d.frequency()[i], d.recency()[i], d.periods()[i])
                    .unwrap()
        })
        .sum();
    assert!((sum - 12_884.2).abs() < 1e-3 * 12_884.2, "{sum}");
}

#[test]
fn impossible_patterns_are_errors() {
    let m = published();
    assert!(m.probability_alive_next(3, 2, 6).is_err());
    assert!(m.probability_alive_next(0, 2, 6).is_err());
    assert!(m.probability_alive_next(2, 7, 6).is_err());
    assert!(m.probability_of_transactions(3, 4).is_err());
    assert!(DiscreteSummaries::from_weighted_rows(&[1], &[0], &[3], &[1.0]).is_err());
}

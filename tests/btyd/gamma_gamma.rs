//! Gamma-Gamma against Fader & Hardie (2013), "The Gamma-Gamma model of monetary value",
//! and CLVTools, on the 946 CDNOW sample customers with repeat purchases.

use customer_value::btyd::{FitOptions, GammaGamma, SpendSummaries};

fn spend() -> (Vec<f64>, Vec<f64>) {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/cdnow_sample_summary_with_spend.csv"
    ))
    .unwrap();
    let (mut x, mut m) = (vec![], vec![]);
    for line in text.lines().skip(1) {
        let v: Vec<f64> = line.split(',').map(|s| s.parse().unwrap()).collect();
        x.push(v[1]);
        m.push(v[4]);
    }
    (x, m)
}

#[test]
fn fit_reproduces_the_note() {
    let (x, m) = spend();
    let data = SpendSummaries::from_rows(&x, &m).unwrap();
    assert_eq!(data.weight().iter().sum::<f64>(), 946.0);
    assert_eq!(data.excluded_without_repeat(), 2357 - 946);
    let fit = GammaGamma::fit(&data, &FitOptions::default()).unwrap();
    let g = fit.model;
    for (got, want) in [(g.p(), 6.25), (g.q(), 3.74), (g.gamma(), 15.44)] {
        assert!((got - want).abs() < 0.005 * want, "{got} vs {want}");
    }
    assert!(
        (fit.log_likelihood - -4055.9177).abs() < 0.01,
        "{}",
        fit.log_likelihood
    );
    assert!(fit.standard_errors.is_some());
    // Population mean ≈ 35.17 (the note, at the unrounded estimates).
    assert!((g.population_mean_spend().unwrap() - 35.17).abs() < 0.01 * 35.17);
    // Observed mean of the 946: 35.08.
    let obs: f64 = x
        .iter()
        .zip(&m)
        .filter(|(x, _)| **x > 0.0)
        .map(|(_, m)| m)
        .sum::<f64>()
        / 946.0;
    assert!((obs - 35.08).abs() < 0.005);
}

#[test]
fn conditional_expected_spend_of_customers_1_to_10() {
    // The note's values use the unrounded mean spend (customer 1: 22.345, not 22.35).
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/cdnow_sample_summary.csv"
    ))
    .unwrap();
    let rows: Vec<Vec<f64>> = text
        .lines()
        .skip(1)
        .take(10)
        .map(|l| l.split(',').map(|s| s.parse().unwrap()).collect())
        .collect();
    let x: Vec<f64> = rows.iter().map(|r| r[1]).collect();
    let m: Vec<f64> = rows.iter().map(|r| r[4]).collect();
    let (x, m) = (&x[..], &m[..]);
    let data = SpendSummaries::from_rows(&spend().0, &spend().1).unwrap();
    let g = GammaGamma::fit(&data, &FitOptions::default()).unwrap().model;
    let got = g.conditional_expected_spend_batch(x, m).unwrap();
    let want = [
        24.65, 18.91, 35.17, 35.17, 35.17, 71.46, 18.91, 35.17, 27.28, 35.17,
    ];
    for (i, (a, b)) in got.iter().zip(want).enumerate() {
        assert!((a - b).abs() < 0.006, "customer {}: {a} vs {b}", i + 1);
    }
}

#[test]
fn bad_spend_rows_are_errors() {
    assert!(SpendSummaries::from_rows(&[1.0], &[0.0]).is_err());
    assert!(SpendSummaries::from_rows(&[1.0], &[f64::NAN]).is_err());
    assert!(SpendSummaries::from_rows(&[0.0], &[0.0]).is_err()); // nobody to fit
    assert!(SpendSummaries::from_rows(&[1.5], &[3.0]).is_err());
    let g = GammaGamma::new(6.25, 3.74, 15.44).unwrap();
    assert!(g.conditional_expected_spend(-1.0, 3.0).is_err());
    assert!(
        GammaGamma::new(6.25, 0.5, 15.44)
            .unwrap()
            .population_mean_spend()
            .is_err()
    );
}

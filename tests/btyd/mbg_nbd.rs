//! MBG/NBD against BTYDplus (CDNOW fit) and pymc-marketing (per-customer likelihood).

use customer_value::btyd::{FitOptions, MbgNbd, TransactionModel, WeightedSummaries};

#[test]
fn per_customer_likelihood_pymc_marketing() {
    let m = MbgNbd::new(0.25, 4.0, 0.80, 2.50).unwrap();
    assert!((m.log_likelihood(0.0, 0.0, 40.0).unwrap() - -0.417_928_26).abs() < 1e-7);
    assert!((m.log_likelihood(200.0, 38.0, 40.0).unwrap() - 100.7869).abs() < 1e-3);
}

#[test]
fn fit_on_cdnow_btydplus() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/cdnow_sample_summary.csv"
    ))
    .unwrap();
    let (mut x, mut tx, mut t) = (vec![], vec![], vec![]);
    for line in text.lines().skip(1) {
        let v: Vec<f64> = line.split(',').map(|s| s.parse().unwrap()).collect();
        x.push(v[1]);
        tx.push(v[2]);
        t.push(v[3]);
    }
    let data = WeightedSummaries::from_rows(&x, &tx, &t).unwrap();
    let fit = MbgNbd::fit(&data, &FitOptions::default()).unwrap();
    let m = fit.model;
    // Published to 3 decimals.
    for (got, want) in [(m.r(), 0.525), (m.alpha(), 6.183), (m.a(), 0.891), (m.b(), 1.614)] {
        assert!((got - want).abs() <= 5e-4 + 1e-9, "{got} vs {want}");
    }
    assert!(fit.standard_errors.is_some());
    // Laws: P(alive | x = 0) < 1, new-customer expectation increasing.
    assert!(m.probability_alive(0.0, 0.0, 39.0).unwrap() < 1.0);
    let e1 = m.expected_purchases_new(10.0).unwrap();
    let e2 = m.expected_purchases_new(20.0).unwrap();
    assert!(e2 > e1 && e1 > 0.0);
}

//! Retention models: the `RetentionModel` contract, checked with the public conformance
//! checker on every model the crate ships, on published survival data (Fader & Hardie
//! 2007, Table 1) and on the seed's lifetime figures.

use customer_value::Error;
use customer_value::retention::{
    ConstantRetention, EmpiricalSurvival, RetentionCurve, RetentionModel, check_retention_model,
    expected_lifetime,
};
use proptest::prelude::*;

/// (year, regular %, high-end %) from tests/data/sbg_retention.csv.
fn fh07() -> Vec<(u32, f64, f64)> {
    let text = include_str!("../data/sbg_retention.csv");
    text.lines()
        .skip(1)
        .map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            (
                f[0].parse().unwrap(),
                f[1].parse().unwrap(),
                f[2].parse().unwrap(),
            )
        })
        .collect()
}

#[test]
fn seed_002_lifetime_is_one_over_churn() {
    // 20 % churn a year: the base is replaced every 5 years.
    assert!((expected_lifetime(0.2).unwrap() - 5.0).abs() < 1e-12);
    // Retention 80 % → 90 % doubles the lifetime from 5 to 10 years.
    let before = ConstantRetention::new(0.8).unwrap().expected_lifetime().unwrap();
    let after = ConstantRetention::new(0.9).unwrap().expected_lifetime().unwrap();
    assert!((before - 5.0).abs() < 1e-12);
    assert!((after - 10.0).abs() < 1e-12);
    assert!((after / before - 2.0).abs() < 1e-12);
    // Churn 5 % per period → 20 periods, counting the current one (shared data README).
    assert!((expected_lifetime(0.05).unwrap() - 20.0).abs() < 1e-9);
    // The trait's finite-horizon lifetime tends to the same number.
    let m = ConstantRetention::new(0.8).unwrap();
    assert!((m.expected_lifetime_within(200).unwrap() - 5.0).abs() < 1e-9);
}

#[test]
fn zero_churn_has_no_finite_lifetime() {
    assert!(matches!(expected_lifetime(0.0), Err(Error::Undefined { .. })));
    assert!(matches!(
        expected_lifetime(1.5),
        Err(Error::InvalidParameter { .. })
    ));
    assert!(matches!(
        expected_lifetime(f64::NAN),
        Err(Error::InvalidParameter { .. })
    ));
}

#[test]
fn constructors_reject_bad_rates() {
    assert!(ConstantRetention::new(-0.1).is_err());
    assert!(ConstantRetention::new(1.1).is_err());
    assert!(ConstantRetention::new(f64::NAN).is_err());
    assert!(ConstantRetention::from_churn(2.0).is_err());
    assert!(RetentionCurve::new(vec![]).is_err());
    assert!(RetentionCurve::new(vec![0.5, f64::INFINITY]).is_err());
    assert!(EmpiricalSurvival::new(vec![]).is_err());
    assert!(EmpiricalSurvival::new(vec![0.9, 0.5]).is_err()); // S(0) ≠ 1
    assert!(EmpiricalSurvival::new(vec![1.0, 0.5, 0.6]).is_err()); // increases
    assert!(EmpiricalSurvival::from_counts(&[0, 0]).is_err());
    assert!(EmpiricalSurvival::from_counts(&[10, 11]).is_err());
}

#[test]
fn every_shipped_model_conforms() {
    let models: Vec<Box<dyn RetentionModel>> = vec![
        Box::new(ConstantRetention::new(0.8).unwrap()),
        Box::new(ConstantRetention::new(1.0).unwrap()),
        Box::new(ConstantRetention::new(0.0).unwrap()),
        Box::new(RetentionCurve::new(vec![0.6, 0.75, 0.85, 0.9]).unwrap()),
        Box::new(EmpiricalSurvival::from_counts(&[1000, 631, 468, 382]).unwrap()),
    ];
    for m in &models {
        check_retention_model(m.as_ref(), 500).unwrap();
    }
}

#[test]
fn conformance_checker_catches_each_breach() {
    #[derive(Debug)]
    struct F(fn(u32) -> f64);
    impl RetentionModel for F {
        fn survival(&self, t: u32) -> f64 {
            (self.0)(t)
        }
    }
    let bad = [
        F(|_| 0.9),                                               // S(0) ≠ 1
        F(|t| if t == 2 { f64::NAN } else { 1.0 }),               // NaN
        F(|t| if t == 0 { 1.0 } else { 1.2 }),                    // above 1
        F(|t| if t == 0 { 1.0 } else { -0.1 }),                   // below 0
        F(|t| if t == 3 { 0.9 } else { 0.5_f64.powi(t as i32) }), // increases
    ];
    for m in &bad {
        assert!(
            matches!(check_retention_model(m, 10), Err(Error::InvalidParameter { .. })),
            "{m:?}"
        );
    }
}

#[test]
fn empirical_curve_reproduces_fader_hardie_table_1() {
    let rows = fh07();
    assert_eq!(rows.len(), 13);
    // Percentages of 1,000 customers → counts.
    let regular: Vec<u64> = rows.iter().map(|r| (r.1 * 10.0).round() as u64).collect();
    let high: Vec<u64> = rows.iter().map(|r| (r.2 * 10.0).round() as u64).collect();
    for (counts, col) in [(&regular, 1), (&high, 2)] {
        let s = EmpiricalSurvival::from_counts(counts).unwrap();
        check_retention_model(&s, 20).unwrap();
        assert_eq!(s.horizon(), 12);
        for r in &rows {
            let pct = if col == 1 { r.1 } else { r.2 };
            assert!((s.survival(r.0) - pct / 100.0).abs() < 1e-12);
        }
        // No extrapolation beyond the data.
        assert!(s.survival(13).abs() < 1e-15);
    }
    // Year-1 retention of the regular segment: 631 of 1000; retention rises with tenure
    // (year 12: 173/183), the heterogeneity effect FH07 explain.
    let s = EmpiricalSurvival::from_counts(&regular).unwrap();
    assert!((s.retention_rate(1) - 0.631).abs() < 1e-12);
    assert!((s.retention_rate(12) - 173.0 / 183.0).abs() < 1e-12);
    assert!(s.retention_rate(12) > s.retention_rate(1));
}

#[test]
fn constant_retention_from_year_one_projects_far_too_few_survivors() {
    // FH07's point: a constant rate fitted to year 1 (63.1 %) predicts 0.631¹² ≈ 0.4 % of
    // the regular segment alive at year 12; 17.3 % actually are.
    let naive = ConstantRetention::new(0.631).unwrap();
    let projected = naive.survival(12);
    assert!((projected - 0.631_f64.powi(12)).abs() < 1e-15);
    assert!(projected < 0.005);
    assert!(projected * 30.0 < 0.173);
}

#[test]
fn curve_repeats_its_last_rate() {
    let c = RetentionCurve::new(vec![0.5, 0.8]).unwrap();
    assert!((c.survival(1) - 0.5).abs() < 1e-15);
    assert!((c.survival(2) - 0.4).abs() < 1e-15);
    assert!((c.survival(4) - 0.4 * 0.64).abs() < 1e-15);
    assert!((c.retention_rate(7) - 0.8).abs() < 1e-12);
    assert!((c.churn_rate(1) - 0.5).abs() < 1e-12);
    assert_eq!(c.survival_curve(2).unwrap().len(), 3);
}

#[test]
fn retention_rate_after_extinction_is_zero() {
    let s = EmpiricalSurvival::new(vec![1.0, 0.5, 0.0]).unwrap();
    assert!(s.retention_rate(3).abs() < 1e-15);
    assert!((s.churn_rate(3) - 1.0).abs() < 1e-15);
}

#[test]
fn models_round_trip_through_json() {
    let c = RetentionCurve::new(vec![0.6, 0.8]).unwrap();
    let back: RetentionCurve = serde_json::from_str(&serde_json::to_string(&c).unwrap()).unwrap();
    assert_eq!(back, c);
    let k = ConstantRetention::new(0.8).unwrap();
    let back: ConstantRetention = serde_json::from_str(&serde_json::to_string(&k).unwrap()).unwrap();
    assert_eq!(back, k);
}

proptest! {
    #[test]
    fn constant_retention_always_conforms(r in 0.0f64..=1.0) {
        let m = ConstantRetention::new(r).unwrap();
        prop_assert!(check_retention_model(&m, 300).is_ok());
    }

    #[test]
    fn curves_always_conform(rates in proptest::collection::vec(0.0f64..=1.0, 1..30)) {
        let m = RetentionCurve::new(rates.clone()).unwrap();
        prop_assert!(check_retention_model(&m, 60).is_ok());
        // r(t) = S(t)/S(t−1) gives back the rates while S(t−1) is not tiny.
        for (k, r) in rates.iter().enumerate() {
            let t = k as u32 + 1;
            if m.survival(t - 1) > 1e-100 {
                prop_assert!((m.retention_rate(t) - r).abs() < 1e-9);
            }
        }
    }

    #[test]
    fn empirical_from_any_non_increasing_counts_conforms(
        start in 1u64..1_000_000,
        drops in proptest::collection::vec(0.0f64..=1.0, 0..20),
    ) {
        let mut counts = vec![start];
        for d in drops {
            let last = *counts.last().unwrap();
            counts.push((last as f64 * d).floor() as u64);
        }
        let m = EmpiricalSurvival::from_counts(&counts).unwrap();
        prop_assert!(check_retention_model(&m, 40).is_ok());
    }
}

//! Shifted-beta-geometric: Fader & Hardie (2007) fits and projections, Fader & Hardie
//! (2010) DEL/DERL, the likelihood's parts, the RetentionModel contract and bad input.

use customer_value::Error;
use customer_value::retention::{
    ConstantRetention, RetentionModel, ShiftedBetaGeometric, check_retention_model,
};
use proptest::prelude::*;

/// (year, regular %, high-end %) from tests/data/sbg_retention.csv.
fn fh07() -> Vec<(u32, f64, f64)> {
    include_str!("data/sbg_retention.csv")
        .lines()
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

/// Survivors of 1,000 in years 0–7 (the paper's fitting window).
fn survivors(high_end: bool) -> Vec<u64> {
    fh07()
        .iter()
        .take(8)
        .map(|&(_, r, h)| ((if high_end { h } else { r }) * 10.0).round() as u64)
        .collect()
}

#[test]
fn regular_segment_reproduces_fader_hardie_2007() {
    let fit = ShiftedBetaGeometric::fit_survivors(&survivors(false)).unwrap();
    assert!((fit.model.alpha() - 0.7041).abs() < 1e-4, "{fit:?}");
    assert!((fit.model.beta() - 1.1820).abs() < 1e-4, "{fit:?}");
    assert!((fit.log_likelihood - -1680.265).abs() < 1e-3, "{fit:?}");
    // Year-12 projection: about 170 of 1,000 (actual 173).
    let year12 = 1000.0 * fit.model.survival(12);
    assert!((year12 - 170.0).abs() < 1.0, "{year12}");
}

#[test]
fn high_end_segment_reproduces_fader_hardie_2007() {
    let fit = ShiftedBetaGeometric::fit_survivors(&survivors(true)).unwrap();
    assert!((fit.model.alpha() - 0.6681).abs() < 1e-4, "{fit:?}");
    assert!((fit.model.beta() - 3.8061).abs() < 1e-4, "{fit:?}");
    assert!((fit.log_likelihood - -1611.158).abs() < 1e-3, "{fit:?}");
    // About 37.8 % at year 12 (actual 39.4).
    let year12 = 100.0 * fit.model.survival(12);
    assert!((year12 - 37.8).abs() < 0.1, "{year12}");
}

#[test]
fn fitting_churn_counts_equals_fitting_survivors() {
    let s = survivors(false);
    let lost: Vec<u64> = s.windows(2).map(|w| w[0] - w[1]).collect();
    let a = ShiftedBetaGeometric::fit_survivors(&s).unwrap();
    let b = ShiftedBetaGeometric::fit_churned(1000, &lost).unwrap();
    assert!((a.model.alpha() - b.model.alpha()).abs() < 1e-12);
    assert!((a.log_likelihood - b.log_likelihood).abs() < 1e-9);
}

#[test]
fn del_and_derl_reproduce_fader_hardie_2010() {
    // From the full-precision fits (the 4-decimal parameters move DEL by ~1e-4).
    let regular = ShiftedBetaGeometric::fit_survivors(&survivors(false))
        .unwrap()
        .model;
    let high = ShiftedBetaGeometric::fit_survivors(&survivors(true))
        .unwrap()
        .model;
    let del = regular.discounted_expected_lifetime(0.1).unwrap();
    let derl = regular.discounted_expected_residual_lifetime(0.1, 1).unwrap();
    assert!((del - 3.6949).abs() < 6e-5, "{del}");
    assert!((derl - 2.9644).abs() < 6e-5, "{derl}");
    let del = high.discounted_expected_lifetime(0.1).unwrap();
    let derl = high.discounted_expected_residual_lifetime(0.1, 1).unwrap();
    assert!((del - 5.9223).abs() < 6e-5, "{del}");
    assert!((derl - 5.4145).abs() < 6e-5, "{derl}");
}

#[test]
fn del_is_the_discounted_sum_of_survival() {
    let m = ShiftedBetaGeometric::new(1.7, 2.3).unwrap();
    let direct: f64 = (0..5_000).map(|t| m.survival(t) / 1.05_f64.powi(t as i32)).sum();
    assert!((m.discounted_expected_lifetime(0.05).unwrap() - direct).abs() < 1e-9);
    // d = 0 and α > 1: the undiscounted expected lifetime (α + β − 1) / (α − 1).
    assert!((m.discounted_expected_lifetime(0.0).unwrap() - 3.0 / 0.7).abs() < 1e-12);
    // DERL at n: Σ S(n + t) / S(n − 1) / (1 + d)^t.
    let n = 4;
    let direct: f64 = (0..5_000)
        .map(|t| m.survival(n + t) / m.survival(n - 1) / 1.05_f64.powi(t as i32))
        .sum();
    assert!((m.discounted_expected_residual_lifetime(0.05, n).unwrap() - direct).abs() < 1e-9);
}

#[test]
fn divergent_or_invalid_lifetimes_are_errors() {
    let m = ShiftedBetaGeometric::new(0.7041, 1.1820).unwrap();
    assert!(matches!(
        m.discounted_expected_lifetime(0.0),
        Err(Error::Undefined { .. })
    ));
    assert!(matches!(
        m.discounted_expected_lifetime(-0.1),
        Err(Error::InvalidParameter { .. })
    ));
    assert!(matches!(
        m.discounted_expected_lifetime(f64::NAN),
        Err(Error::InvalidParameter { .. })
    ));
    assert!(matches!(
        m.discounted_expected_residual_lifetime(0.1, 0),
        Err(Error::InvalidParameter { .. })
    ));
}

#[test]
fn a_constant_year_one_rate_projects_far_too_few_survivors() {
    // The paper's point: both segments, year 12.
    for high_end in [false, true] {
        let s = survivors(high_end);
        let fit = ShiftedBetaGeometric::fit_survivors(&s).unwrap();
        let constant = ConstantRetention::new(s[1] as f64 / s[0] as f64).unwrap();
        let actual = fh07()[12];
        let actual = if high_end { actual.2 } else { actual.1 } / 100.0;
        let sbg_err = (fit.model.survival(12) - actual).abs();
        let constant_err = (constant.survival(12) - actual).abs();
        assert!(constant.survival(12) < actual / 2.0);
        assert!(sbg_err < 0.02 && constant_err > 5.0 * sbg_err);
    }
}

#[test]
fn closed_forms_agree() {
    let m = ShiftedBetaGeometric::new(0.7041, 1.1820).unwrap();
    // r(t) = (β + t − 1)/(α + β + t − 1) equals S(t)/S(t − 1).
    for t in 1..50 {
        let ratio = m.survival(t) / m.survival(t - 1);
        assert!((m.retention_rate(t) - ratio).abs() < 1e-12);
        let p = m.survival(t - 1) - m.survival(t);
        assert!((m.churn_probability(t) - p).abs() < 1e-12);
    }
    assert!((m.survival(1) - 1.182 / (0.7041 + 1.182)).abs() < 1e-12);
}

#[test]
fn bad_input_is_a_typed_error() {
    assert!(matches!(
        ShiftedBetaGeometric::fit_survivors(&[]),
        Err(Error::EmptyInput { .. })
    ));
    assert!(matches!(
        ShiftedBetaGeometric::fit_survivors(&[1000]),
        Err(Error::EmptyInput { .. })
    ));
    assert!(matches!(
        ShiftedBetaGeometric::fit_survivors(&[0, 0, 0]),
        Err(Error::InvalidParameter { .. })
    ));
    assert!(matches!(
        ShiftedBetaGeometric::fit_survivors(&[1000, 600, 700]),
        Err(Error::InvalidParameter { .. })
    ));
    assert!(matches!(
        ShiftedBetaGeometric::fit_survivors(&[1000, 1000, 1000]),
        Err(Error::Undefined { .. })
    ));
    assert!(matches!(
        ShiftedBetaGeometric::fit_survivors(&[1000, 0, 0]),
        Err(Error::Undefined { .. })
    ));
    assert!(matches!(
        ShiftedBetaGeometric::fit_churned(10, &[6, 6]),
        Err(Error::InvalidParameter { .. })
    ));
    assert!(ShiftedBetaGeometric::new(0.0, 1.0).is_err());
    assert!(ShiftedBetaGeometric::new(1.0, f64::INFINITY).is_err());
    assert!(serde_json::from_str::<ShiftedBetaGeometric>(r#"{"alpha":-1.0,"beta":1.0}"#).is_err());
}

#[test]
fn json_round_trip() {
    let m = ShiftedBetaGeometric::new(0.6681, 3.8061).unwrap();
    let s = serde_json::to_string(&m).unwrap();
    assert_eq!(serde_json::from_str::<ShiftedBetaGeometric>(&s).unwrap(), m);
}

#[test]
fn long_horizons_are_cheap_and_conform() {
    let m = ShiftedBetaGeometric::new(0.7041, 1.1820).unwrap();
    check_retention_model(&m, 3_000).unwrap();
    let s = m.survival(u32::MAX);
    assert!(s > 0.0 && s < m.survival(1_000_000));
}

proptest! {
    #[test]
    fn survival_is_a_non_increasing_probability(alpha in 0.01_f64..50.0, beta in 0.01_f64..50.0) {
        let m = ShiftedBetaGeometric::new(alpha, beta).unwrap();
        prop_assert!(check_retention_model(&m, 1_200).is_ok());
    }

    #[test]
    fn log_likelihood_is_the_sum_of_its_parts(
        alpha in 0.05_f64..10.0,
        beta in 0.05_f64..10.0,
        lost in proptest::collection::vec(0_u64..200, 1..12),
        alive in 0_u64..500,
    ) {
        let m = ShiftedBetaGeometric::new(alpha, beta).unwrap();
        let parts = m.log_likelihood_parts(&lost, alive);
        prop_assert_eq!(parts.len(), lost.len() + 1);
        // Each part from first principles: n ln P(T = t), survivors ln S(n).
        for (i, &n) in lost.iter().enumerate() {
            let expect = n as f64 * m.churn_probability(i as u32 + 1).ln();
            let want = if n == 0 { 0.0 } else { expect };
            prop_assert!((parts[i] - want).abs() <= 1e-9 * (1.0 + want.abs()));
        }
        let last = alive as f64 * m.survival(lost.len() as u32).ln();
        let want = if alive == 0 { 0.0 } else { last };
        prop_assert!((parts[lost.len()] - want).abs() <= 1e-9 * (1.0 + want.abs()));
        let total: f64 = parts.iter().sum();
        prop_assert!((m.log_likelihood(&lost, alive) - total).abs() <= 1e-12 * (1.0 + total.abs()));
    }
}

#[test]
fn npv_valuation_runs_on_sbg_and_matches_del() {
    use customer_value::clv::{DiscountWeights, Timing};
    use customer_value::money;
    // The crate's NPV weights with the first margin now are S(t)/(1 + d)^t: their sum
    // over a long horizon is DEL (Fader & Hardie 2010), computed independently.
    let m = ShiftedBetaGeometric::fit_survivors(&survivors(true))
        .unwrap()
        .model;
    let w = DiscountWeights::new(&m, 0.1, 3_000, Timing::StartOfPeriod).unwrap();
    let del = m.discounted_expected_lifetime(0.1).unwrap();
    assert!((money::to_f64(w.sum()) - del).abs() < 1e-8);
    assert!((del - 5.9223).abs() < 6e-5);
}

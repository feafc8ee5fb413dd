//! Shifted-beta-geometric: Fader & Hardie (2007) fits and projections, the fits' standard
//! errors (against an independent Python fit, and the 1/√k law), Fader & Hardie (2010)
//! DEL/DERL, the likelihood's parts, the RetentionModel contract and bad input.

use customer_value::Error;
use customer_value::retention::{
    ConstantRetention, RetentionModel, ShiftedBetaGeometric, check_retention_model,
};
use proptest::prelude::*;

/// (year, regular %, high-end %) from tests/data/sbg_retention.csv.
fn fh07() -> Vec<(u32, f64, f64)> {
    include_str!("../data/sbg_retention.csv")
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

// Standard errors. No published table gives them, so the peer is an independent Python
// implementation of the paper's likelihood (numpy 2.4.6, scipy 1.17.1, numdifftools
// 0.11.2): eqs. 3–4 written with scipy.special.betaln, maximised with scipy (Nelder–Mead,
// then BFGS to gtol 1e-10), the Hessian of −LL in (α, β) from numdifftools' adaptive
// central differences, inverted with numpy.
//
//     def ll(p, active):
//         a, b = p; n = len(active) - 1
//         lost = [active[t-1] - active[t] for t in range(1, n + 1)]
//         # P(T=t) = B(a+1, b+t-1)/B(a,b);  S(t) = B(a, b+t)/B(a,b)
//         out = sum(lost[t-1] * (betaln(a+1, b+t-1) - betaln(a, b)) for t in range(1, n+1))
//         return out + active[n] * (betaln(a, b+n) - betaln(a, b))
//     r = minimize(lambda p: -ll(p, act), [1, 1], method="Nelder-Mead",
//                  options=dict(xatol=1e-12, fatol=1e-12, maxiter=20000))
//     r = minimize(lambda p: -ll(p, act), r.x, method="BFGS", options=dict(gtol=1e-10))
//     cov = np.linalg.inv(nd.Hessian(lambda p: -ll(p, act))(r.x))
//
// Output (α, β, LL; SE α, SE β, Cov(α, β)):
//
//     regular  ×1   0.7040773241 1.1820430917 −1680.265188   0.065598969  0.15247565  0.0088911943
//     regular  ×100 0.7040772832 1.1820429854 −168026.518846 0.0065598961 0.015247562 8.8911915e-05
//     high end ×1   0.6680883548 3.8060947857 −1611.158147   0.10373493   0.78553159  0.077659141
//     high end ×100 0.6680883280 3.8060945715 −161115.814739 0.010373492  0.078553149 0.00077659122

fn close(got: f64, want: f64, rel: f64) -> bool {
    (got - want).abs() <= rel * want.abs()
}

#[test]
fn standard_errors_match_an_independent_python_fit() {
    let peer = [
        (false, 1, [0.065598969, 0.15247565], 0.0088911943),
        (false, 100, [0.0065598961, 0.015247562], 8.8911915e-05),
        (true, 1, [0.10373493, 0.78553159], 0.077659141),
        (true, 100, [0.010373492, 0.078553149], 0.00077659122),
    ];
    for (high_end, k, se, cov_ab) in peer {
        let active: Vec<u64> = survivors(high_end).iter().map(|n| n * k).collect();
        let fit = ShiftedBetaGeometric::fit_survivors(&active).unwrap();
        let got = fit.standard_errors.unwrap();
        let cov = fit.covariance.unwrap();
        assert!(close(got[0], se[0], 1e-3), "{high_end} ×{k}: {fit:?}");
        assert!(close(got[1], se[1], 1e-3), "{high_end} ×{k}: {fit:?}");
        assert!(close(cov[0][1], cov_ab, 1e-3), "{high_end} ×{k}: {fit:?}");
        assert_eq!(cov[0][1], cov[1][0]);
        assert!(close(cov[0][0].sqrt(), got[0], 1e-15) && close(cov[1][1].sqrt(), got[1], 1e-15));
        assert_eq!(fit.standard_error("alpha"), Some(got[0]));
        assert_eq!(fit.standard_error("beta"), Some(got[1]));
        assert_eq!(fit.standard_error("gamma"), None);
    }
}

#[test]
fn fitting_churn_counts_gives_the_same_standard_errors() {
    let s = survivors(true);
    let lost: Vec<u64> = s.windows(2).map(|w| w[0] - w[1]).collect();
    let a = ShiftedBetaGeometric::fit_survivors(&s).unwrap();
    let b = ShiftedBetaGeometric::fit_churned(1000, &lost).unwrap();
    assert_eq!(a.standard_errors, b.standard_errors);
    assert_eq!(a.covariance, b.covariance);
}

#[test]
fn standard_errors_shrink_like_one_over_root_k() {
    // Multiplying every count by k multiplies the log-likelihood by k: same maximum,
    // information × k, so standard errors ÷ √k.
    for high_end in [false, true] {
        let base = ShiftedBetaGeometric::fit_survivors(&survivors(high_end)).unwrap();
        let [a1, b1] = base.standard_errors.unwrap();
        for (k, root) in [(4_u64, 2.0), (100, 10.0), (10_000, 100.0)] {
            let active: Vec<u64> = survivors(high_end).iter().map(|n| n * k).collect();
            let [ak, bk] = ShiftedBetaGeometric::fit_survivors(&active)
                .unwrap()
                .standard_errors
                .unwrap();
            assert!(
                close(a1 / ak, root, 0.01) && close(b1 / bk, root, 0.01),
                "×{k}: {ak} {bk}"
            );
        }
    }
}

#[test]
fn a_single_period_has_no_standard_errors() {
    // One period identifies only the mean churn α / (α + β): the likelihood is flat along
    // a ridge, the information singular. The fit lands somewhere on the ridge (or reports
    // that it drifted); it never reports NaN standard errors.
    match ShiftedBetaGeometric::fit_survivors(&[1000, 700]) {
        Ok(fit) => {
            assert!((fit.model.mean_churn() - 0.3).abs() < 1e-6, "{fit:?}");
            assert_eq!(fit.standard_errors, None, "{fit:?}");
            assert_eq!(fit.covariance, None, "{fit:?}");
            assert_eq!(fit.standard_error("alpha"), None);
        }
        Err(e) => assert!(matches!(e, Error::NonConvergence { .. }), "{e}"),
    }
}

#[test]
fn fit_json_round_trips_and_reads_reports_without_standard_errors() {
    let fit = ShiftedBetaGeometric::fit_survivors(&survivors(false)).unwrap();
    let s = serde_json::to_string(&fit).unwrap();
    assert_eq!(
        serde_json::from_str::<customer_value::retention::SbgFit>(&s).unwrap(),
        fit
    );
    // A report without standard errors still reads, with None.
    let old = r#"{"model":{"model":"sbg","format":1,"unit_days":null,"params":{"alpha":0.7041,"beta":1.182}},"log_likelihood":-1680.265,"iterations":80}"#;
    let old: customer_value::retention::SbgFit = serde_json::from_str(old).unwrap();
    assert_eq!(old.standard_errors, None);
    assert_eq!(old.covariance, None);
    // The untagged parameters of 0.1 do not say which model they are: refused.
    let untagged = r#"{"model":{"alpha":0.7041,"beta":1.182},"log_likelihood":-1680.265,"iterations":80}"#;
    assert!(serde_json::from_str::<customer_value::retention::SbgFit>(untagged).is_err());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn standard_errors_scale_with_the_cohort(
        alpha in 0.2_f64..5.0,
        beta in 0.2_f64..10.0,
        cohort in 500_u64..20_000,
        periods in 3_u32..11,
        k in 2_u64..400,
    ) {
        // Counts expected under an sBG, rounded: data with an interior maximum. Rounding
        // can push the total past the cohort, so each period loses at most those left.
        let m = ShiftedBetaGeometric::new(alpha, beta).unwrap();
        let mut left = cohort;
        let lost: Vec<u64> = (1..=periods)
            .map(|t| {
                let l = ((cohort as f64 * m.churn_probability(t)).round() as u64).min(left);
                left -= l;
                l
            })
            .collect();
        prop_assert!(lost.iter().sum::<u64>() <= cohort);
        let base = ShiftedBetaGeometric::fit_churned(cohort, &lost).unwrap();
        let scaled_lost: Vec<u64> = lost.iter().map(|n| n * k).collect();
        let scaled = ShiftedBetaGeometric::fit_churned(cohort * k, &scaled_lost).unwrap();
        let ([a1, b1], [ak, bk]) = (base.standard_errors.unwrap(), scaled.standard_errors.unwrap());
        prop_assert!(a1 > 0.0 && b1 > 0.0 && a1.is_finite() && b1.is_finite());
        let root = (k as f64).sqrt();
        prop_assert!(close(a1 / ak, root, 0.01), "{:?} {:?}", base, scaled);
        prop_assert!(close(b1 / bk, root, 0.01), "{:?} {:?}", base, scaled);
    }
}

/// S(t) = B(α, β + t)/B(α, β) far beyond the product's limit with huge α and β, where
/// ln S(t) is a small difference of numbers of size α ln β. mpmath 1.4.1, 80 digits:
///
/// ```text
/// import mpmath as mp; mp.mp.dps = 80; f = mp.mpf
/// lb = lambda a, b: mp.loggamma(a) + mp.loggamma(b) - mp.loggamma(a + b)
/// S = lambda a, b, t: mp.exp(lb(f(a), f(b) + t) - lb(f(a), f(b)))
/// ```
#[test]
fn survival_tail_with_huge_parameters_matches_mpmath() {
    for (alpha, beta, t, want) in [
        (1e12, 1e20, 100_000_000, 0.36787944301102343),
        (1e9, 1e15, 1_000_000, 0.3678796252950257),
        (1e14, 1e22, 4_000_000_000, 4.248355104996506e-18),
    ] {
        let got = ShiftedBetaGeometric::new(alpha, beta).unwrap().survival(t);
        let rel = (got - want).abs() / want;
        eprintln!("S({t}) at α {alpha:e}, β {beta:e}: rel. error {rel:e}");
        assert!(
            rel < 1e-12,
            "S({t}) at α {alpha:e}, β {beta:e}: {got:e} vs {want:e} (rel. {rel:e})"
        );
    }
}

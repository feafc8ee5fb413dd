//! Spend with covariates (issue 17, item 4): Gamma-Gamma with `γ_i = γ₀ exp(x_i·δ)` is the
//! plain model when every coefficient is 0, recovers known coefficients from simulated
//! data, and fits the apparel spend.

use customer_value::btyd::covariates::{CovariateMatrix, SpendCovariateData, SpendCovariateFit};
use customer_value::btyd::{FitOptions, GammaGamma, SpendSummaries};

use super::covariates::{Rng, apparel};

#[test]
fn covariates_spend_zero_coefficients_are_plain_gamma_gamma() {
    let a = apparel();
    let n = a.x.len();
    let cov = CovariateMatrix::from_columns(n, &[("Gender", &a.gender), ("Channel", &a.channel)]).unwrap();
    let d = SpendCovariateData::new(&a.x, &a.spend, &cov).unwrap();
    let plain_data = SpendSummaries::from_rows(&a.x, &a.spend).unwrap();
    let plain = GammaGamma::fit(&plain_data, &FitOptions::default()).unwrap();
    let mut values = plain.estimates.clone();
    values.extend([0.0, 0.0]);
    let ll = SpendCovariateFit::evaluate(&d, &values).unwrap();
    assert!(
        (ll - plain.log_likelihood).abs() < 1e-9 * ll.abs(),
        "{ll} vs {}",
        plain.log_likelihood
    );
    assert_eq!(
        d.excluded(),
        plain_data.excluded_without_repeat() + plain_data.excluded_without_positive_spend()
    );
    // The fit with covariates is at least as likely, and its zero-covariate customer is
    // the baseline.
    let fit = SpendCovariateFit::fit(&d, &FitOptions::default()).unwrap();
    assert!(fit.log_likelihood >= plain.log_likelihood - 1e-6);
    assert_eq!(
        fit.parameter_names,
        ["p", "q", "gamma", "spend.Gender", "spend.Channel"]
    );
    let se = fit.standard_errors.as_ref().expect("apparel spend SEs");
    assert!(se.iter().all(|s| s.is_finite() && *s > 0.0));
    assert_eq!(fit.customer_model(&[0.0, 0.0]).unwrap(), fit.model);
    // Customer models: γ_i = γ₀ exp(x·δ).
    let m = fit.customer_model(&[1.0, 1.0]).unwrap();
    let want = fit.model.gamma() * (fit.estimates[3] + fit.estimates[4]).exp();
    assert!((m.gamma() - want).abs() < 1e-12 * want);
    // The all-zero-coefficient fit of one customer group is the plain fit of that group.
    let zero = CovariateMatrix::from_columns(n, &[("none", &vec![0.0; n])]).unwrap();
    let dz = SpendCovariateData::new(&a.x, &a.spend, &zero).unwrap();
    let ll0 = SpendCovariateFit::evaluate(
        &dz,
        &[plain.estimates[0], plain.estimates[1], plain.estimates[2], 0.7],
    )
    .unwrap();
    assert!((ll0 - plain.log_likelihood).abs() < 1e-9 * ll0.abs());
}

#[test]
fn covariates_spend_recovers_simulated_coefficients() {
    let mut rng = Rng(20_171);
    let n = 10_000;
    let (p, q, g0) = (3.0, 6.0, 40.0);
    let delta = [0.5, -0.3];
    let (mut x, mut m, mut c1, mut c2) = (vec![], vec![], vec![], vec![]);
    for _ in 0..n {
        let a = f64::from(u8::from(rng.uniform() < 0.4));
        let b = rng.normal();
        let gi = g0 * (a * delta[0] + b * delta[1]).exp();
        let nu = rng.gamma(q, gi);
        let k = 1 + (rng.uniform() * 6.0) as usize;
        let total: f64 = (0..k).map(|_| rng.gamma(p, nu)).sum();
        x.push(k as f64);
        m.push(total / k as f64);
        c1.push(a);
        c2.push(b);
    }
    let cov = CovariateMatrix::from_columns(n, &[("a", &c1), ("b", &c2)]).unwrap();
    let d = SpendCovariateData::new(&x, &m, &cov).unwrap();
    let fit = SpendCovariateFit::fit(&d, &FitOptions::default()).unwrap();
    let se = fit.standard_errors.clone().unwrap();
    let truth = [p, q, g0, delta[0], delta[1]];
    for (i, name) in fit.parameter_names.iter().enumerate() {
        let z = (fit.estimates[i] - truth[i]) / se[i];
        assert!(
            z.abs() < 3.0,
            "{name}: {} vs {} (SE {})",
            fit.estimates[i],
            truth[i],
            se[i]
        );
    }
    let c = fit.coefficients();
    assert!(c[0].p_value.unwrap() < 1e-6 && c[1].p_value.unwrap() < 1e-6);
}

#[test]
fn covariates_spend_bad_inputs_are_errors() {
    let cov = CovariateMatrix::from_columns(2, &[("a", &[0.0, 1.0])]).unwrap();
    assert!(SpendCovariateData::new(&[1.0], &[2.0], &cov).is_err());
    assert!(SpendCovariateData::new(&[1.0, 1.5], &[2.0, 3.0], &cov).is_err());
    let d = SpendCovariateData::new(&[1.0, 2.0], &[2.0, 3.0], &cov).unwrap();
    assert!(SpendCovariateFit::fit(&d, &FitOptions::default()).is_err()); // too few customers
    assert!(SpendCovariateFit::evaluate(&d, &[1.0, 1.0, 1.0]).is_err());
}

/// The apparel spend fit against an independent scipy fit of the same likelihood
/// (`tests/reference/gamma_gamma_covariates_apparel.py` on the report's `--json` with
/// `--spend-covariates Gender,Channel`: 387 repeat customers, Nelder-Mead then BFGS).
#[test]
fn covariates_spend_apparel_matches_scipy() {
    let a = apparel();
    let n = a.x.len();
    let cov = CovariateMatrix::from_columns(n, &[("Gender", &a.gender), ("Channel", &a.channel)]).unwrap();
    let d = SpendCovariateData::new(&a.x, &a.spend, &cov).unwrap();
    assert_eq!(d.len(), 387);
    let fit = SpendCovariateFit::fit(&d, &FitOptions::default()).unwrap();
    let scipy = [
        ("p", 3.153512260290365),
        ("q", 5.588821340689724),
        ("gamma", 54.02896224475282),
        ("spend.Gender", -0.0059753575444659035),
        ("spend.Channel", 0.04037843208810149),
    ];
    for (i, (name, want)) in scipy.iter().enumerate() {
        assert_eq!(fit.parameter_names[i], *name);
        let se = fit.standard_errors.as_ref().unwrap()[i];
        assert!(
            (fit.estimates[i] - want).abs() < 1e-5 * want.abs().max(se),
            "{name}: {} vs {want}",
            fit.estimates[i]
        );
    }
    assert!((fit.log_likelihood - -1670.4354524234604).abs() < 1e-6);
}

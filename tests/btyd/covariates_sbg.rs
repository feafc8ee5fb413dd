//! sBG with covariates (issue 17, item 5; pymc-marketing's form α_i = α₀ exp(−x·γ_α),
//! β_i = β₀ exp(−x·γ_β)): the plain sBG when every coefficient is 0 (against Fader &
//! Hardie 2007's regular segment), and recovery of known coefficients from simulation.

use customer_value::btyd::FitOptions;
use customer_value::btyd::covariates::CovariateMatrix;
use customer_value::retention::{RetentionModel, SbgCovariateData, SbgCovariateFit, ShiftedBetaGeometric};

use super::covariates::Rng;

/// The regular segment (years 1–7) as customers: churned per year, 241 still active.
fn regular() -> (Vec<u32>, Vec<bool>) {
    let lost = [369u32, 163, 86, 56, 37, 27, 21];
    let (mut periods, mut churned) = (Vec::new(), Vec::new());
    for (t, &n) in lost.iter().enumerate() {
        periods.extend(std::iter::repeat_n(t as u32 + 1, n as usize));
        churned.extend(std::iter::repeat_n(true, n as usize));
    }
    periods.extend(std::iter::repeat_n(7, 241));
    churned.extend(std::iter::repeat_n(false, 241));
    (periods, churned)
}

#[test]
fn covariates_sbg_zero_coefficients_are_the_plain_sbg() {
    let (periods, churned) = regular();
    let n = periods.len();
    let x: Vec<f64> = (0..n).map(|i| (i % 3) as f64 - 1.0).collect();
    let m = CovariateMatrix::from_columns(n, &[("x", &x)]).unwrap();
    let d = SbgCovariateData::new(&periods, &churned, &m).unwrap();
    let lost = [369u64, 163, 86, 56, 37, 27, 21];
    let plain = ShiftedBetaGeometric::new(0.7041, 1.1820).unwrap();
    let ll = SbgCovariateFit::evaluate(&d, &[0.7041, 1.1820, 0.0, 0.0]).unwrap();
    let want = plain.log_likelihood(&lost, 241);
    assert!((ll - want).abs() < 1e-9 * want.abs(), "{ll} vs {want}");
    // Fader & Hardie's published fit: α 0.704, β 1.182, LL −1680.27.
    assert!((want + 1680.265).abs() < 1e-2);
    // A covariate unrelated to churn: the fit stays near the plain one and the
    // coefficients are not significant here (x cycles through −1, 0, 1 independently of
    // the churn period order).
    let fit = SbgCovariateFit::fit(&d, &FitOptions::default()).unwrap();
    assert!(fit.log_likelihood >= want - 1e-6);
    let zero = fit.customer_model(&[0.0]).unwrap();
    assert_eq!(zero, fit.model);
    let one = fit.customer_model(&[1.0]).unwrap();
    assert!((one.alpha() - fit.model.alpha() * (-fit.estimates[2]).exp()).abs() < 1e-12);
    assert!((one.beta() - fit.model.beta() * (-fit.estimates[3]).exp()).abs() < 1e-12);
    assert!(one.survival(3) > 0.0);
    assert_eq!(fit.parameter_names, ["alpha", "beta", "alpha.x", "beta.x"]);
}

#[test]
fn covariates_sbg_recovers_simulated_coefficients() {
    let mut rng = Rng(77_017);
    let n = 10_000;
    let (a0, b0, ga, gb) = (0.8, 1.5, [0.6, -0.3], [-0.4, 0.5]);
    let horizon = 10u32;
    let (mut periods, mut churned, mut c1, mut c2) = (vec![], vec![], vec![], vec![]);
    for _ in 0..n {
        let x1 = f64::from(u8::from(rng.uniform() < 0.5));
        let x2 = rng.normal();
        let a = a0 * (-(x1 * ga[0] + x2 * ga[1])).exp();
        let b = b0 * (-(x1 * gb[0] + x2 * gb[1])).exp();
        let theta = rng.beta(a, b);
        let mut t = 1;
        while t <= horizon && rng.uniform() >= theta {
            t += 1;
        }
        if t <= horizon {
            periods.push(t);
            churned.push(true);
        } else {
            periods.push(horizon);
            churned.push(false);
        }
        c1.push(x1);
        c2.push(x2);
    }
    let m = CovariateMatrix::from_columns(n, &[("x1", &c1), ("x2", &c2)]).unwrap();
    let d = SbgCovariateData::new(&periods, &churned, &m).unwrap();
    let fit = SbgCovariateFit::fit(&d, &FitOptions::default()).unwrap();
    let se = fit.standard_errors.clone().expect("SEs");
    let truth = [a0, b0, ga[0], ga[1], gb[0], gb[1]];
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
}

#[test]
fn covariates_sbg_bad_inputs_are_errors() {
    let m = CovariateMatrix::from_columns(2, &[("a", &[0.0, 1.0])]).unwrap();
    assert!(SbgCovariateData::new(&[1], &[true, false], &m).is_err());
    assert!(SbgCovariateData::new(&[1, 0], &[true, false], &m).is_err());
    let d = SbgCovariateData::new(&[1, 2], &[true, false], &m).unwrap();
    assert!(SbgCovariateFit::fit(&d, &FitOptions::default()).is_err());
    assert!(SbgCovariateFit::evaluate(&d, &[1.0, 1.0]).is_err());
    assert!(SbgCovariateFit::evaluate(&d, &[-1.0, 1.0, 0.0, 0.0]).is_err());
}

//! Intervals of covariate fits over the whole parameter vector (baseline and
//! coefficients), and saved covariate fits: on CLVTools' apparel data (Gender and Channel
//! in both processes).
//!
//! Laws checked: the covariance in `z = (ln θ₀, γ)` gives the fit's own standard errors
//! (`SE(ln θ) = SE(θ)/θ`); intervals contain the point estimate; with every customer
//! counted four times (the same estimate, a Hessian four times as large) the delta
//! method's half-widths on the logit scale halve; sampling agrees with the delta method;
//! a saved and loaded fit gives identical per-customer outputs.

use customer_value::btyd::covariates::{
    CovariateData, CovariateFit, CovariateIntervalSpec, CovariateMatrix, CovariateModel, CovariateOptions,
    covariate_intervals,
};
use customer_value::btyd::uncertainty::{IntervalLevel, Intervals, Scale};
use customer_value::btyd::{AnySavedModel, BgNbd, ParetoNbd, SavedModel, TransactionModel};

use super::covariates::{Apparel, apparel, data};

/// The apparel data `times` over; dropout covariates only with `dropout`.
fn replicated(a: &Apparel, times: usize, dropout: bool) -> CovariateData {
    let rep = |v: &[f64]| -> Vec<f64> { (0..times).flat_map(|_| v.iter().copied()).collect() };
    let n = a.x.len() * times;
    let (g, c) = (rep(&a.gender), rep(&a.channel));
    let m = CovariateMatrix::from_columns(n, &[("Gender", &g), ("Channel", &c)]).unwrap();
    let d = if dropout {
        m.clone()
    } else {
        CovariateMatrix::empty(n)
    };
    CovariateData::new(&rep(&a.x), &rep(&a.tx), &rep(&a.t), m, d).unwrap()
}

fn p_alive<M: CovariateModel>(
    fit: &CovariateFit<M>,
    d: &CovariateData,
    spec: &CovariateIntervalSpec,
) -> Intervals {
    let cov = fit.covariance(d).unwrap();
    covariate_intervals(
        fit,
        &cov,
        d,
        |m: &M, i| {
            let (x, tx, t) = d.summary(i).unwrap();
            m.probability_alive(x, tx, t)
        },
        spec,
    )
    .unwrap()
}

fn logit(p: f64) -> f64 {
    (p / (1.0 - p)).ln()
}

fn check<M: CovariateModel>(options: &CovariateOptions, dropout: bool) {
    let a = apparel();
    let d = replicated(&a, 1, dropout);
    let fit = CovariateFit::<M>::fit(&d, options).unwrap();
    // The covariance in z reproduces the fit's standard errors.
    let cov = fit.covariance(&d).unwrap();
    let se = fit.standard_errors.clone().unwrap();
    for (i, z) in se.iter().enumerate() {
        let s = cov.at(i, i).sqrt();
        let want = if i < 4 { z / fit.estimates[i] } else { *z };
        assert!(
            (s - want).abs() < 2e-3 * want,
            "{}: {s} vs {want}",
            fit.parameter_names[i]
        );
    }
    let level = IntervalLevel::new(0.9).unwrap();
    let delta = p_alive(&fit, &d, &CovariateIntervalSpec::delta(level, Scale::Logit));
    assert_eq!(delta.point.len(), 600);
    for i in 0..600 {
        assert!(
            delta.lower[i] <= delta.point[i] && delta.point[i] <= delta.upper[i],
            "customer {i}"
        );
        assert!(delta.lower[i] >= 0.0 && delta.upper[i] <= 1.0);
    }
    // Four times the data: the same estimate, half the width on the logit scale.
    let d4 = replicated(&a, 4, dropout);
    let fit4 = CovariateFit::<M>::fit(&d4, options).unwrap();
    for (e4, e) in fit4.estimates.iter().zip(&fit.estimates) {
        assert!((e4 - e).abs() < 1e-4 * e.abs().max(0.1), "{e4} vs {e}");
    }
    let delta4 = p_alive(&fit4, &d4, &CovariateIntervalSpec::delta(level, Scale::Logit));
    let mut ratios = Vec::new();
    for i in 0..600 {
        let p = delta.point[i];
        if p > 1e-6 && p < 1.0 - 1e-6 {
            let w = logit(delta.upper[i]) - logit(delta.lower[i]);
            let w4 = logit(delta4.upper[i]) - logit(delta4.lower[i]);
            ratios.push(w4 / w);
        }
    }
    assert!(ratios.len() > 300);
    for r in &ratios {
        assert!((r - 0.5).abs() < 0.01, "width ratio {r}");
    }
    // Sampling: percentile bounds close to the delta method's on average.
    let sampled = p_alive(&fit, &d, &CovariateIntervalSpec::sampling(level, 400, 7));
    assert_eq!(sampled.excluded, 0);
    let covered = (0..600)
        .filter(|&i| sampled.lower[i] <= sampled.point[i] && sampled.point[i] <= sampled.upper[i])
        .count();
    assert!(covered >= 594, "{covered}");
    let (ws, wd): (f64, f64) = (0..600)
        .map(|i| {
            (
                sampled.upper[i] - sampled.lower[i],
                delta.upper[i] - delta.lower[i],
            )
        })
        .fold((0.0, 0.0), |(a, b), (x, y)| (a + x, b + y));
    assert!((ws / wd - 1.0).abs() < 0.2, "sampling {ws} vs delta {wd}");
}

#[test]
fn pareto_nbd_intervals_cover_the_estimate_and_shrink_with_data() {
    check::<ParetoNbd>(&CovariateOptions::default(), true);
}

#[test]
fn bg_nbd_intervals_cover_the_estimate_and_shrink_with_data() {
    // Purchase covariates only: with Gender and Channel in the dropout too, BG/NBD's a
    // and b run off to infinity on this data (no finite maximum, no Hessian).
    check::<BgNbd>(&CovariateOptions::default(), false);
}

#[test]
fn saved_covariate_fit_loads_bit_for_bit() {
    let a = apparel();
    let d = data(&a);
    let opts = CovariateOptions::default()
        .with_constraint("Gender")
        .with_regularisation(0.1, 0.2)
        .unwrap();
    let fit = CovariateFit::<ParetoNbd>::fit(&d, &opts).unwrap();
    let text = fit.to_saved().to_json().unwrap();
    let any = AnySavedModel::from_json(&text).unwrap();
    assert_eq!(any.tag(), "pnbd");
    assert!(any.covariates().is_some());
    let back = CovariateFit::<ParetoNbd>::from_saved(&SavedModel::from_json(&text).unwrap()).unwrap();
    assert_eq!(back, fit);
    let ours = fit.customer_models(&d).unwrap();
    let theirs = back.customer_models(&d).unwrap();
    for (i, (m, n)) in ours.iter().zip(&theirs).enumerate() {
        let (x, tx, t) = d.summary(i).unwrap();
        assert_eq!(
            m.probability_alive(x, tx, t).unwrap().to_bits(),
            n.probability_alive(x, tx, t).unwrap().to_bits()
        );
        assert_eq!(
            m.expected_purchases(52.0, x, tx, t).unwrap().to_bits(),
            n.expected_purchases(52.0, x, tx, t).unwrap().to_bits()
        );
    }
    // A plain model's loader refuses it; a coefficient missing or extra is an error.
    assert!(serde_json::from_str::<ParetoNbd>(&text).is_err());
    let missing = text.replace("\"constrained.Gender\"", "\"constrained.Age\"");
    assert!(AnySavedModel::from_json(&missing).is_err());
    let wrong_format = text.replacen("\"format\": 2", "\"format\": 1", 1);
    assert!(AnySavedModel::from_json(&wrong_format).is_err());
}

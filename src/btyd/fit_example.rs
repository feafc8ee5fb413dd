//! A model defined from its likelihood alone, as a new model of the crate is: the
//! parameter boilerplate from `positive_parameters!`, the likelihood with its gradient,
//! and a three-line `fit`. The plain NBD (gamma-Poisson purchasing without dropout,
//! Ehrenberg 1959; BG/NBD's `b → ∞` limit) is fitted through [`Fit`] on the CDNOW sample
//! and checked against an independent mpmath fit (`tests/reference/nbd_fit.py`).
#![allow(dead_code, reason = "a test model: not every generated item is exercised")]

use super::data::WeightedSummaries;
use super::fit::{Fit, FitOptions, FitReport, Likelihood, fit};
use super::params::positive_parameters;
use crate::error::Result;
use crate::special::{digamma, ln_gamma};

positive_parameters! {
    /// The NBD model: Poisson purchasing at a rate λ ~ Gamma(r, α), no dropout.
    model Nbd, serde form NbdParams = "NbdParams", "NBD", tag "nbd",
        fitted on WeightedSummaries, likelihood likelihood;
    /// Shape of the purchase-rate gamma.
    r: "r",
    /// Rate of the purchase-rate gamma.
    alpha: "α",
}

impl Nbd {
    /// Fits from `r = 1`, `α` = Σ T / Σ x.
    pub fn fit(data: &WeightedSummaries, options: &FitOptions) -> Result<FitReport<Nbd>> {
        let start = [1.0, data.pooled_alpha_start()];
        fit(&likelihood(data), &start, options, data.len(), |v| {
            Nbd::from_values(v).map(|m| m.with_optional_unit(data.unit()))
        })
    }
}

fn likelihood(data: &WeightedSummaries) -> NbdLikelihood<'_> {
    NbdLikelihood { data }
}

/// `ln L = ln Γ(r+x) − ln Γ(r) + r ln α − (r+x) ln(α+T)` per customer.
struct NbdLikelihood<'a> {
    data: &'a WeightedSummaries,
}

impl Likelihood for NbdLikelihood<'_> {
    const NAMES: &'static [&'static str] = &Nbd::PARAMETER_NAMES;

    fn total_weight(&self) -> f64 {
        self.data.total_weight()
    }

    fn ll_grad(&self, theta: &[f64], grad: &mut [f64]) -> f64 {
        let (&[r, alpha], [g_r, g_alpha]) = (theta, grad) else {
            return f64::NAN;
        };
        let (mut ll, mut dr, mut dalpha) = (0.0, 0.0, 0.0);
        for (x, _, t, w) in self.data.rows() {
            ll += w * (ln_gamma(r + x) - ln_gamma(r) + r * alpha.ln() - (r + x) * (alpha + t).ln());
            dr += w * (digamma(r + x) - digamma(r) + alpha.ln() - (alpha + t).ln());
            dalpha += w * (r / alpha - (r + x) / (alpha + t));
        }
        (*g_r, *g_alpha) = (dr, dalpha);
        ll
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::btyd::uncertainty::{Estimable, LogCovariance, Parametric};

    /// Generic code: fits any model and reports its estimates and standard errors.
    fn fit_and_report<M: Fit>(data: &M::Data) -> Result<(Vec<f64>, Vec<f64>, f64)> {
        let fit = M::fit(data, &FitOptions::default())?;
        let se = fit.standard_errors.clone().unwrap_or_default();
        Ok((fit.estimates, se, fit.log_likelihood))
    }

    /// The CDNOW sample's `(x, t_x, T)` (columns 2 to 4).
    fn cdnow() -> WeightedSummaries {
        let text = include_str!("../../tests/data/cdnow_sample_summary.csv");
        let rows: Vec<Vec<f64>> = text
            .lines()
            .skip(1)
            .map(|l| l.split(',').skip(1).take(3).map(|v| v.parse().unwrap()).collect())
            .collect();
        let column = |j: usize| -> Vec<f64> { rows.iter().map(|r| r[j]).collect() };
        WeightedSummaries::from_rows(&column(0), &column(1), &column(2)).unwrap()
    }

    #[test]
    fn nbd_from_a_likelihood_matches_mpmath() {
        let data = cdnow();
        let (est, se, ll) = fit_and_report::<Nbd>(&data).unwrap();
        // tests/reference/nbd_fit.py (mpmath, 30 digits: Newton on the exact score).
        let (r, alpha, ll_ref) = (0.384_766_135_770_325, 12.072_022_844_899_2, -9_763.657_614_675_23);
        let (se_r, se_alpha) = (0.020_985_376_16, 0.808_723_181_8);
        assert!((est[0] / r - 1.0).abs() < 1e-6, "r {}", est[0]);
        assert!((est[1] / alpha - 1.0).abs() < 1e-6, "alpha {}", est[1]);
        assert!((ll - ll_ref).abs() < 1e-6, "LL {ll}");
        assert!((se[0] / se_r - 1.0).abs() < 1e-5, "se(r) {}", se[0]);
        assert!((se[1] / se_alpha - 1.0).abs() < 1e-5, "se(alpha) {}", se[1]);
    }

    #[test]
    fn the_generated_impls_serve_the_uncertainty_code() {
        let data = cdnow();
        let opts = FitOptions::default();
        let fit = <Nbd as Estimable>::fit_data(&data, &opts).unwrap();
        assert_eq!(fit.model.values(), fit.estimates);
        // The Hessian of the boxed likelihood gives the fit's standard errors again.
        let cov = LogCovariance::of_fit(&fit, &data, &opts).unwrap();
        assert_eq!(cov.names(), ["r", "alpha"]);
        let se = fit.standard_errors.clone().unwrap();
        for (a, b) in cov.standard_errors().iter().zip(&se) {
            assert!((a / b - 1.0).abs() < 1e-4, "{a} vs {b}");
        }
        // And the model round-trips through its saved form like the crate's own.
        let json = serde_json::to_string(&fit.model).unwrap();
        assert!(json.contains("\"nbd\""));
        let back: Nbd = serde_json::from_str(&json).unwrap();
        assert_eq!(back, fit.model);
    }

    #[test]
    fn ggom_nbd_is_estimable_through_the_generated_impls() {
        use crate::btyd::GgomNbd;
        let x: Vec<f64> = (0..200)
            .map(|i| [0.0, 1.0, 3.0, 0.0, 2.0, 6.0, 1.0, 0.0][i % 8])
            .collect();
        let tx: Vec<f64> = x
            .iter()
            .enumerate()
            .map(|(i, &x)| {
                if x > 0.0 {
                    3.0 + ((i * 11) % 30) as f64
                } else {
                    0.0
                }
            })
            .collect();
        let data = WeightedSummaries::from_rows(&x, &tx, &vec![36.0; 200]).unwrap();
        let opts = FitOptions::default().with_penalty(0.001).unwrap();
        let fit = <GgomNbd as Fit>::fit(&data, &opts).unwrap();
        assert_eq!(fit.model.values().len(), 5);
        let cov = LogCovariance::of_fit(&fit, &data, &opts).unwrap();
        assert_eq!(cov.len(), 5);
    }
}

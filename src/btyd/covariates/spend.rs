//! Spend with covariates: Gamma-Gamma whose scale rate varies with the customer,
//! `γ_i = γ₀ exp(x_i·δ)` (none of the peers has it). A customer's transaction values are
//! Gamma(p, ν_i), `ν_i ~ Gamma(q, γ_i)`, so the expected spend of a new customer is
//! `p γ_i/(q − 1)`: a positive coefficient means more spend. The likelihood is
//! [`GammaGamma`]'s at the customer's `γ_i`; the fit is maximum likelihood over
//! `(ln p, ln q, ln γ₀, δ)` with the analytic gradient, standard errors from the Hessian.
//!
//! This file owns the spend data with covariates, the likelihood and the fit; predictions
//! go through [`SpendCovariateFit::customer_model`], a plain [`GammaGamma`].

use serde::{Deserialize, Serialize};

use super::fit::Coefficient;
use super::matrix::CovariateMatrix;
use crate::btyd::coefficient_fit::{CoefficientLikelihood, Negative, coefficient_table, fit_coefficients};
use crate::btyd::{Convergence, FitOptions, GammaGamma, SpendSummaries};
use crate::error::{Error, Result};
use crate::special::{digamma, ln_gamma};

/// Repeat customers' `(x, m̄)` with their spend covariates: customers without repeats or
/// with a mean repeat spend ≤ 0 are left out and counted, as in [`SpendSummaries`].
///
/// # Examples
///
/// ```
/// use customer_value::btyd::covariates::{CovariateMatrix, SpendCovariateData};
///
/// let m = CovariateMatrix::from_columns(3, &[("offline", &[0.0, 1.0, 1.0])])?;
/// let d = SpendCovariateData::new(&[2.0, 0.0, 1.0], &[22.35, 0.0, 11.77], &m)?;
/// assert_eq!((d.len(), d.excluded()), (2, 1));
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SpendCovariateData {
    frequency: Vec<f64>,
    mean_spend: Vec<f64>,
    /// Row-major, `len × names.len()`.
    covariates: Vec<f64>,
    names: Vec<String>,
    excluded: usize,
}

impl SpendCovariateData {
    /// Validates the rows (as [`SpendSummaries::from_rows`]) and keeps the repeat
    /// customers with positive mean spend, with their covariate rows.
    ///
    /// # Errors
    ///
    /// [`Error::LengthMismatch`] unless the matrix has one row per customer; as
    /// [`SpendSummaries::from_rows`] otherwise.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::covariates::{CovariateMatrix, SpendCovariateData};
    ///
    /// let m = CovariateMatrix::from_columns(3, &[("offline", &[0.0, 1.0, 1.0])])?;
    /// // The second customer has no repeat purchase: left out and counted.
    /// let d = SpendCovariateData::new(&[2.0, 0.0, 1.0], &[22.35, 0.0, 11.77], &m)?;
    /// assert_eq!((d.len(), d.excluded(), d.names()), (2, 1, &["offline".to_owned()][..]));
    /// // A covariate row per customer, and valid rows.
    /// assert!(SpendCovariateData::new(&[2.0, 1.0], &[22.35, 11.77], &m).is_err());
    /// assert!(SpendCovariateData::new(&[2.0, 0.0, -1.0], &[22.35, 0.0, 11.77], &m).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn new(frequency: &[f64], mean_spend: &[f64], covariates: &CovariateMatrix) -> Result<Self> {
        if covariates.rows() != frequency.len() {
            return Err(Error::LengthMismatch {
                left: "frequency",
                left_len: frequency.len(),
                right: "spend covariate rows",
                right_len: covariates.rows(),
            });
        }
        // The same validation and exclusions as the plain model's data.
        SpendSummaries::from_rows(frequency, mean_spend)?;
        let mut d = SpendCovariateData {
            frequency: Vec::new(),
            mean_spend: Vec::new(),
            covariates: Vec::new(),
            names: covariates.names().to_vec(),
            excluded: 0,
        };
        for (i, (&x, &m)) in frequency.iter().zip(mean_spend).enumerate() {
            match covariates.row(i) {
                Some(row) if x >= 1.0 && m > 0.0 => {
                    d.frequency.push(x);
                    d.mean_spend.push(m);
                    d.covariates.extend_from_slice(row);
                }
                _ => d.excluded += 1,
            }
        }
        Ok(d)
    }

    /// Customers kept.
    #[must_use]
    pub fn len(&self) -> usize {
        self.frequency.len()
    }

    /// Whether no customer was kept.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.frequency.is_empty()
    }

    /// Customers left out (no repeat purchase, or a mean repeat spend ≤ 0).
    #[must_use]
    pub fn excluded(&self) -> usize {
        self.excluded
    }

    /// The covariates' names.
    #[must_use]
    pub fn names(&self) -> &[String] {
        &self.names
    }

    fn row(&self, i: usize) -> &[f64] {
        let k = self.names.len();
        self.covariates.get(i * k..(i + 1) * k).unwrap_or(&[])
    }

    /// Total log-likelihood at `z = (ln p, ln q, ln γ₀, δ)` and its gradient in `z`.
    fn ll_grad(&self, z: &[f64], grad: &mut [f64]) -> f64 {
        grad.iter_mut().for_each(|g| *g = 0.0);
        let (Some(&[lp, lq, lg]), Some(delta)) = (z.first_chunk::<3>(), z.get(3..)) else {
            return f64::NAN;
        };
        if grad.len() != z.len() || delta.len() != self.names.len() {
            return f64::NAN;
        }
        let (p, q, g0) = (lp.exp(), lq.exp(), lg.exp());
        if ![p, q, g0].iter().all(|v| v.is_finite() && *v > 0.0) {
            return f64::NAN;
        }
        let (lg_q, psi_q) = (ln_gamma(q), digamma(q));
        let mut ll = 0.0;
        for i in 0..self.len() {
            let (Some(&x), Some(&m)) = (self.frequency.get(i), self.mean_spend.get(i)) else {
                return f64::NAN;
            };
            let row = self.row(i);
            let eta: f64 = row.iter().zip(delta).map(|(a, b)| a * b).sum();
            let ln_gi = lg + eta;
            let gi = ln_gi.exp();
            let px = p * x;
            let l_den = (gi + x * m).ln();
            let (ln_m, ln_x) = (m.ln(), x.ln());
            ll += ln_gamma(px + q) - ln_gamma(px) - lg_q + q * ln_gi + (px - 1.0) * ln_m + px * ln_x
                - (px + q) * l_den;
            let psi_pxq = digamma(px + q);
            let dp = x * (psi_pxq - digamma(px) + ln_m + ln_x - l_den);
            let dq = psi_pxq - psi_q + ln_gi - l_den;
            // ∂/∂ ln γ_i, written so that it stays finite as γ_i → ∞.
            let dlg = q - (px + q) / (1.0 + x * m / gi);
            if let Some(g) = grad.get_mut(0) {
                *g += p * dp;
            }
            if let Some(g) = grad.get_mut(1) {
                *g += q * dq;
            }
            if let Some(g) = grad.get_mut(2) {
                *g += dlg;
            }
            for (g, a) in grad.iter_mut().skip(3).zip(row) {
                *g += dlg * a;
            }
        }
        ll
    }
}

/// A Gamma-Gamma spend model with covariates on the scale rate, `γ_i = γ₀ exp(x_i·δ)`:
/// the baseline (every covariate 0), the coefficients `spend.<name>`, standard errors.
///
/// # Examples
///
/// ```
/// use customer_value::btyd::covariates::{CovariateMatrix, SpendCovariateData, SpendCovariateFit};
/// use customer_value::btyd::FitOptions;
///
/// // Offline customers (1) spend about twice as much.
/// let offline: Vec<f64> = (0..300).map(|i| (i % 2) as f64).collect();
/// let x: Vec<f64> = (0..300).map(|i| 1.0 + (i % 5) as f64).collect();
/// let m: Vec<f64> = (0..300).map(|i| (20.0 + (i * 7 % 13) as f64) * (1.0 + offline[i])).collect();
/// let cov = CovariateMatrix::from_columns(300, &[("offline", &offline)])?;
/// let fit = SpendCovariateFit::fit(&SpendCovariateData::new(&x, &m, &cov)?, &FitOptions::default())?;
/// let c = &fit.coefficients()[0];
/// assert_eq!(c.name, "spend.offline");
/// assert!((c.estimate - 2f64.ln()).abs() < 0.2);
/// let offline_spend = fit.customer_model(&[1.0])?.population_mean_spend()?;
/// assert!(offline_spend > fit.model.population_mean_spend()?);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[must_use]
pub struct SpendCovariateFit {
    /// The baseline model: a customer whose covariates are all 0.
    pub model: GammaGamma,
    /// `p`, `q`, `gamma`, then `spend.<name>` per covariate.
    pub parameter_names: Vec<String>,
    /// Estimates in that order.
    pub estimates: Vec<f64>,
    /// Standard errors from the inverse Hessian of the negative log-likelihood in
    /// `(p, q, γ₀, δ)`; `None` if that Hessian is not positive definite.
    pub standard_errors: Option<Vec<f64>>,
    /// Total log-likelihood.
    pub log_likelihood: f64,
    /// BFGS iterations.
    pub iterations: usize,
    /// How the fit stopped.
    pub convergence: Convergence,
    /// Customers fitted.
    pub customers: usize,
    /// Customers left out (no repeat purchase or no positive spend).
    pub excluded: usize,
    /// The covariates' names.
    pub covariates: Vec<String>,
}

impl SpendCovariateFit {
    /// Fits by maximum likelihood with BFGS from the plain Gamma-Gamma fit (coefficients
    /// 0), or from `options.start` (`p, q, γ₀`).
    ///
    /// # Errors
    ///
    /// [`Error::NotIdentifiable`] with fewer customers than parameters;
    /// [`Error::InvalidParameter`] for `options.penalty ≠ 0` or a start of the wrong
    /// length; [`Error::NonConvergence`] if a fit does not converge.
    ///
    /// # Examples
    ///
    /// See [`SpendCovariateFit`].
    pub fn fit(data: &SpendCovariateData, options: &FitOptions) -> Result<Self> {
        let k = 3 + data.names.len();
        if data.len() < k {
            return Err(Error::NotIdentifiable {
                model: "Gamma-Gamma with covariates",
                reason: format!("{} customers cannot identify {k} parameters", data.len()),
            });
        }
        if options.penalty != 0.0 {
            return Err(Error::param(
                "penalty",
                options.penalty,
                "must be 0 in a spend covariate fit",
            ));
        }
        let start = match &options.start {
            Some(s) if s.len() == 3 => s.clone(),
            Some(s) => return Err(crate::btyd::fit::wrong_parameter_count("start", s)),
            None => {
                let plain = SpendSummaries::from_rows(&data.frequency, &data.mean_spend)?;
                GammaGamma::fit(
                    &plain,
                    &FitOptions {
                        start: None,
                        ..options.clone()
                    },
                )?
                .estimates
            }
        };
        let mut z0: Vec<f64> = start.iter().map(|v| v.ln()).collect();
        z0.resize(k, 0.0);
        let fitted = fit_coefficients(data, &Negative(data), &z0, options, "spend covariate fit")?;
        let model = GammaGamma::from_values(fitted.baseline::<SpendCovariateData>())?;
        let mut parameter_names: Vec<String> = GammaGamma::PARAMETER_NAMES
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        parameter_names.extend(data.names.iter().map(|n| format!("spend.{n}")));
        Ok(SpendCovariateFit {
            model,
            parameter_names,
            standard_errors: fitted.standard_errors,
            estimates: fitted.estimates,
            log_likelihood: fitted.log_likelihood,
            iterations: fitted.iterations,
            convergence: fitted.convergence,
            customers: data.len(),
            excluded: data.excluded,
            covariates: data.names.clone(),
        })
    }

    /// The total log-likelihood of `data` at `values` (`p, q, γ₀, δ…`), to check
    /// estimates without fitting.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for a wrong number of values, or when the likelihood
    /// is not finite there.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::covariates::{CovariateMatrix, SpendCovariateData, SpendCovariateFit};
    /// use customer_value::btyd::{GammaGamma, SpendSummaries};
    ///
    /// let cov = CovariateMatrix::from_columns(2, &[("a", &[0.0, 1.0])])?;
    /// let d = SpendCovariateData::new(&[2.0, 1.0], &[22.35, 11.77], &cov)?;
    /// let ll = SpendCovariateFit::evaluate(&d, &[6.25, 3.74, 15.44, 0.0])?;
    /// let plain = GammaGamma::new(6.25, 3.74, 15.44)?.total_log_likelihood(&SpendSummaries::from_rows(&[2.0, 1.0], &[22.35, 11.77])?)?;
    /// assert!((ll - plain).abs() < 1e-10);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn evaluate(data: &SpendCovariateData, values: &[f64]) -> Result<f64> {
        if values.len() != 3 + data.names.len() {
            return Err(crate::btyd::fit::wrong_parameter_count("values", values));
        }
        GammaGamma::from_values(values.get(..3).unwrap_or(&[]))?;
        let z: Vec<f64> = values
            .iter()
            .enumerate()
            .map(|(i, v)| if i < 3 { v.ln() } else { *v })
            .collect();
        let mut g = vec![0.0; z.len()];
        let ll = data.ll_grad(&z, &mut g);
        if ll.is_finite() {
            Ok(ll)
        } else {
            Err(Error::param(
                "values",
                format!("{values:?}"),
                "the log-likelihood is not finite there",
            ))
        }
    }

    /// The coefficients with standard errors, z and two-sided p values.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::covariates::SpendCovariateFit;
    ///
    /// // A saved fit: spend.offline = 0.5 with standard error 0.25.
    /// let fit: SpendCovariateFit = serde_json::from_str(SAVED).unwrap();
    /// let c = &fit.coefficients()[0];
    /// assert_eq!((c.name.as_str(), c.z), ("spend.offline", Some(2.0)));
    /// // Two-sided p of z = 2 under the standard normal: 0.0455.
    /// assert!((c.p_value.unwrap() - 0.045_500_263_896_358_4).abs() < 1e-10);
    /// # const SAVED: &str = r#"{"model":{"model":"gamma_gamma","format":1,"params":{"p":6.25,"q":3.74,"gamma":15.44}},"parameter_names":["p","q","gamma","spend.offline"],"estimates":[6.25,3.74,15.44,0.5],"standard_errors":[0.5,0.3,1.0,0.25],"log_likelihood":-1.0,"iterations":1,"convergence":"Gradient","customers":300,"excluded":0,"covariates":["offline"]}"#;
    /// ```
    #[must_use]
    pub fn coefficients(&self) -> Vec<Coefficient> {
        coefficient_table(
            &self.parameter_names,
            &self.estimates,
            self.standard_errors.as_deref(),
            3,
        )
    }

    /// The spend model of a customer with covariate row `row`: `γ_i = γ₀ exp(row·δ)`.
    ///
    /// # Errors
    ///
    /// [`Error::LengthMismatch`] for a row of the wrong width; [`Error::InvalidParameter`]
    /// for a non-finite value or an overflowing `γ_i`.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::covariates::SpendCovariateFit;
    ///
    /// // A saved fit: baseline (p, q, γ₀) = (6.25, 3.74, 15.44), spend.offline = 0.5.
    /// let fit: SpendCovariateFit = serde_json::from_str(SAVED).unwrap();
    /// let offline = fit.customer_model(&[1.0])?;
    /// // γ_i = γ₀ e^0.5, so the mean spend p γ_i / (q − 1) is e^0.5 times the baseline's.
    /// assert!((offline.gamma() - 15.44 * 0.5f64.exp()).abs() < 1e-12);
    /// let ratio = offline.population_mean_spend()? / fit.model.population_mean_spend()?;
    /// assert!((ratio - 0.5f64.exp()).abs() < 1e-12);
    /// assert!(fit.customer_model(&[1.0, 0.0]).is_err()); // one covariate, not two
    /// # const SAVED: &str = r#"{"model":{"model":"gamma_gamma","format":1,"params":{"p":6.25,"q":3.74,"gamma":15.44}},"parameter_names":["p","q","gamma","spend.offline"],"estimates":[6.25,3.74,15.44,0.5],"standard_errors":[0.5,0.3,1.0,0.25],"log_likelihood":-1.0,"iterations":1,"convergence":"Gradient","customers":300,"excluded":0,"covariates":["offline"]}"#;
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn customer_model(&self, row: &[f64]) -> Result<GammaGamma> {
        if row.len() != self.covariates.len() {
            return Err(Error::LengthMismatch {
                left: "the fit's spend covariates",
                left_len: self.covariates.len(),
                right: "spend covariates",
                right_len: row.len(),
            });
        }
        if let Some(v) = row.iter().find(|v| !v.is_finite()) {
            return Err(Error::param("covariate", v, "must be finite"));
        }
        let eta: f64 = row
            .iter()
            .zip(self.estimates.iter().skip(3))
            .map(|(a, b)| a * b)
            .sum();
        GammaGamma::new(self.model.p(), self.model.q(), self.model.gamma() * eta.exp())
    }
}

impl CoefficientLikelihood for SpendCovariateData {
    const BASELINE: usize = 3;
    fn ll_grad(&self, z: &[f64], grad: &mut [f64]) -> f64 {
        SpendCovariateData::ll_grad(self, z, grad)
    }
    fn customers(&self) -> f64 {
        self.len() as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gradient_matches_finite_differences() {
        let cov = CovariateMatrix::from_columns(4, &[("a", &[0.0, 1.0, 0.5, -1.0])]).unwrap();
        let d = SpendCovariateData::new(&[1.0, 2.0, 3.0, 4.0], &[10.0, 25.0, 18.0, 40.0], &cov).unwrap();
        let z = [1.2f64.ln(), 3.0f64.ln(), 15.0f64.ln(), 0.3];
        let mut g = [0.0; 4];
        d.ll_grad(&z, &mut g);
        for j in 0..4 {
            let (mut a, mut b) = (z, z);
            a[j] += 1e-6;
            b[j] -= 1e-6;
            let mut t = [0.0; 4];
            let num = (d.ll_grad(&a, &mut t) - d.ll_grad(&b, &mut t)) / 2e-6;
            assert!(
                (num - g[j]).abs() < 1e-5 * num.abs().max(1.0),
                "{j}: {num} vs {}",
                g[j]
            );
        }
    }
}

//! The sBG retention model with static covariates, pymc-marketing's form:
//! `α_i = α₀ exp(−x_i·γ_α)`, `β_i = β₀ exp(−x_i·γ_β)`, the customer's churn probability
//! θ_i ~ Beta(α_i, β_i). Per customer the data are the periods observed and whether the
//! customer churned in the last of them; the likelihood is the sBG's at the customer's
//! parameters:
//!
//! * churned in period t: `ln P(T = t) = ln α + ln Γ(β + t − 1) − ln Γ(β) − ln Γ(α + β + t) + ln Γ(α + β)`
//! * still active after n periods: `ln S(n) = ln Γ(β + n) − ln Γ(β) − ln Γ(α + β + n) + ln Γ(α + β)`
//!
//! A positive `γ_α` lowers α_i, so lowers the mean churn probability `α/(α + β)`; a
//! positive `γ_β` lowers β_i, so raises it. This file owns the data, the likelihood with
//! its analytic gradient, and the maximum-likelihood fit with Hessian standard errors;
//! predictions go through [`SbgCovariateFit::customer_model`], a plain
//! [`ShiftedBetaGeometric`].

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::ShiftedBetaGeometric;
use crate::btyd::coefficient_fit::{CoefficientLikelihood, Negative, coefficient_table, fit_coefficients};
use crate::btyd::covariates::{Coefficient, CovariateMatrix};
use crate::btyd::{Convergence, FitOptions};
use crate::error::{Error, Result};
use crate::special::{digamma, ln_gamma_diff2};

/// Customers of a contractual business with their covariates: the periods each was
/// observed and whether they churned in the last one. Identical `(periods, churned,
/// covariates)` rows are merged.
///
/// # Examples
///
/// ```
/// use customer_value::btyd::covariates::CovariateMatrix;
/// use customer_value::retention::SbgCovariateData;
///
/// let m = CovariateMatrix::from_columns(3, &[("annual", &[0.0, 1.0, 1.0])])?;
/// let d = SbgCovariateData::new(&[1, 4, 4], &[true, false, false], &m)?;
/// assert_eq!((d.customers(), d.distinct_rows()), (3, 2));
/// assert!(SbgCovariateData::new(&[0], &[true], &CovariateMatrix::empty(1)).is_err());
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SbgCovariateData {
    periods: Vec<u32>,
    churned: Vec<bool>,
    weight: Vec<f64>,
    /// Row-major, `distinct_rows × names.len()`.
    covariates: Vec<f64>,
    names: Vec<String>,
    customers: usize,
}

impl SbgCovariateData {
    /// Validates and compresses the rows: `periods[i] ≥ 1` (the periods customer i was
    /// observed; a customer who churned in period t has `periods = t`), one covariate row
    /// per customer.
    ///
    /// # Errors
    ///
    /// [`Error::LengthMismatch`]; [`Error::InvalidRow`] for a customer with 0 periods;
    /// [`Error::EmptyInput`] without customers.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::covariates::CovariateMatrix;
    /// use customer_value::retention::SbgCovariateData;
    /// use customer_value::Error;
    ///
    /// // Four customers: churned in period 1, churned in period 3, and two monthly
    /// // customers still active after 4 periods (one row, weight 2).
    /// let m = CovariateMatrix::from_columns(4, &[("monthly", &[0.0, 0.0, 1.0, 1.0])])?;
    /// let d = SbgCovariateData::new(&[1, 3, 4, 4], &[true, true, false, false], &m)?;
    /// assert_eq!((d.customers(), d.distinct_rows(), d.names()), (4, 3, &["monthly".to_owned()][..]));
    /// assert!(matches!(SbgCovariateData::new(&[1, 0, 4, 4], &[true; 4], &m), Err(Error::InvalidRow { row: 1, .. })));
    /// assert!(matches!(SbgCovariateData::new(&[1, 3], &[true, true], &m), Err(Error::LengthMismatch { .. })));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn new(periods: &[u32], churned: &[bool], covariates: &CovariateMatrix) -> Result<Self> {
        for (what, len) in [("churned", churned.len()), ("covariate rows", covariates.rows())] {
            if len != periods.len() {
                return Err(Error::LengthMismatch {
                    left: "periods",
                    left_len: periods.len(),
                    right: what,
                    right_len: len,
                });
            }
        }
        if periods.is_empty() {
            return Err(Error::EmptyInput { what: "customers" });
        }
        let mut d = SbgCovariateData {
            periods: Vec::new(),
            churned: Vec::new(),
            weight: Vec::new(),
            covariates: Vec::new(),
            names: covariates.names().to_vec(),
            customers: periods.len(),
        };
        let mut index: HashMap<Vec<u64>, usize, foldhash::fast::RandomState> = HashMap::default();
        for (i, (&n, &c)) in periods.iter().zip(churned).enumerate() {
            if n == 0 {
                return Err(Error::InvalidRow {
                    row: i as u64,
                    reason: "a customer is observed for at least one period".to_owned(),
                });
            }
            let row = covariates.row(i).unwrap_or(&[]);
            let mut key = vec![u64::from(n), u64::from(c)];
            key.extend(row.iter().map(|v| (v + 0.0).to_bits()));
            match index.get(&key) {
                Some(&k) => {
                    if let Some(w) = d.weight.get_mut(k) {
                        *w += 1.0;
                    }
                }
                None => {
                    index.insert(key, d.weight.len());
                    d.periods.push(n);
                    d.churned.push(c);
                    d.weight.push(1.0);
                    d.covariates.extend_from_slice(row);
                }
            }
        }
        Ok(d)
    }

    /// Customers.
    #[must_use]
    pub fn customers(&self) -> usize {
        self.customers
    }

    /// Distinct `(periods, churned, covariates)` rows.
    #[must_use]
    pub fn distinct_rows(&self) -> usize {
        self.weight.len()
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

    /// Total log-likelihood at `z = (ln α₀, ln β₀, γ_α, γ_β)` and its gradient in `z`.
    fn ll_grad(&self, z: &[f64], grad: &mut [f64]) -> f64 {
        grad.iter_mut().for_each(|g| *g = 0.0);
        let k = self.names.len();
        if z.len() != 2 + 2 * k || grad.len() != z.len() {
            return f64::NAN;
        }
        let (Some(&[la, lb]), Some(ga), Some(gb)) = (z.first_chunk::<2>(), z.get(2..2 + k), z.get(2 + k..))
        else {
            return f64::NAN;
        };
        let mut ll = 0.0;
        for i in 0..self.weight.len() {
            let (Some(&n), Some(&churned), Some(&w)) =
                (self.periods.get(i), self.churned.get(i), self.weight.get(i))
            else {
                return f64::NAN;
            };
            let row = self.row(i);
            let dot = |g: &[f64]| row.iter().zip(g).map(|(a, b)| a * b).sum::<f64>();
            let (a, b) = ((la - dot(ga)).exp(), (lb - dot(gb)).exp());
            if !(a.is_finite() && b.is_finite() && a > 0.0 && b > 0.0) {
                return f64::NAN;
            }
            let t = f64::from(n);
            // The four ln Γ as the mixed second difference Δ₂(β, α, ·): added up one by
            // one they cancel (β = 1e15 gave a log-likelihood of +8), Δ₂ keeps the digits.
            let (l, da, db) = if churned {
                (
                    a.ln() - (a + b + t - 1.0).ln() - ln_gamma_diff2(b, a, t - 1.0),
                    1.0 / a - digamma(a + b + t) + digamma(a + b),
                    digamma(b + t - 1.0) - digamma(b) - digamma(a + b + t) + digamma(a + b),
                )
            } else {
                (
                    -ln_gamma_diff2(b, a, t),
                    digamma(a + b) - digamma(a + b + t),
                    digamma(b + t) - digamma(b) - digamma(a + b + t) + digamma(a + b),
                )
            };
            ll += w * l;
            // ∂/∂ ln α_i and ∂/∂ ln β_i; ln α_i = ln α₀ − x·γ_α.
            let (sa, sb) = (w * a * da, w * b * db);
            if let Some(g) = grad.get_mut(0) {
                *g += sa;
            }
            if let Some(g) = grad.get_mut(1) {
                *g += sb;
            }
            for (j, x) in row.iter().enumerate() {
                if let Some(g) = grad.get_mut(2 + j) {
                    *g -= sa * x;
                }
                if let Some(g) = grad.get_mut(2 + k + j) {
                    *g -= sb * x;
                }
            }
        }
        ll
    }
}

/// An sBG fitted with covariates: the baseline model (every covariate 0), the
/// coefficients `alpha.<name>` (γ_α) and `beta.<name>` (γ_β), standard errors.
///
/// # Examples
///
/// ```
/// use customer_value::btyd::FitOptions;
/// use customer_value::btyd::covariates::CovariateMatrix;
/// use customer_value::retention::{SbgCovariateData, SbgCovariateFit};
///
/// // Fader & Hardie (2007), regular segment, as 1,000 customers and no covariates.
/// let lost = [369u32, 163, 86, 56, 37, 27, 21];
/// let (mut periods, mut churned) = (Vec::new(), Vec::new());
/// for (t, &n) in lost.iter().enumerate() {
///     periods.extend(std::iter::repeat(t as u32 + 1).take(n as usize));
///     churned.extend(std::iter::repeat(true).take(n as usize));
/// }
/// periods.extend(std::iter::repeat(7).take(241));
/// churned.extend(std::iter::repeat(false).take(241));
/// let d = SbgCovariateData::new(&periods, &churned, &CovariateMatrix::empty(1000))?;
/// let fit = SbgCovariateFit::fit(&d, &FitOptions::default())?;
/// assert!((fit.model.alpha() - 0.7041).abs() < 5e-4 && (fit.model.beta() - 1.1820).abs() < 5e-4);
/// assert!((fit.log_likelihood + 1680.265).abs() < 1e-2); // the paper's LL
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[must_use]
pub struct SbgCovariateFit {
    /// The baseline model: a customer whose covariates are all 0.
    pub model: ShiftedBetaGeometric,
    /// `alpha`, `beta`, then `alpha.<name>` and `beta.<name>` per covariate.
    pub parameter_names: Vec<String>,
    /// Estimates in that order.
    pub estimates: Vec<f64>,
    /// Standard errors from the inverse Hessian of the negative log-likelihood in
    /// `(α₀, β₀, γ_α, γ_β)`; `None` if that Hessian is not positive definite.
    pub standard_errors: Option<Vec<f64>>,
    /// Total log-likelihood.
    pub log_likelihood: f64,
    /// BFGS iterations.
    pub iterations: usize,
    /// How the fit stopped.
    pub convergence: Convergence,
    /// Customers fitted.
    pub customers: usize,
    /// The covariates' names.
    pub covariates: Vec<String>,
}

impl SbgCovariateFit {
    /// Fits by maximum likelihood (BFGS on `(ln α₀, ln β₀, γ_α, γ_β)` with the analytic
    /// gradient) from `α₀ = β₀ = 1` and coefficients 0, or from `options.start` (`α₀, β₀`).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for `options.penalty ≠ 0` or a start of the wrong
    /// length; [`Error::NotIdentifiable`] with fewer distinct rows than parameters;
    /// [`Error::NonConvergence`] if the fit does not converge (e.g. nobody churned).
    ///
    /// # Examples
    ///
    /// See [`SbgCovariateFit`].
    pub fn fit(data: &SbgCovariateData, options: &FitOptions) -> Result<Self> {
        let k = data.names.len();
        let np = 2 + 2 * k;
        if data.distinct_rows() < np {
            return Err(Error::NotIdentifiable {
                model: "sBG with covariates",
                reason: format!(
                    "{} distinct rows cannot identify {np} parameters",
                    data.distinct_rows()
                ),
            });
        }
        if options.penalty != 0.0 {
            return Err(Error::param(
                "penalty",
                options.penalty,
                "must be 0 in an sBG covariate fit",
            ));
        }
        let start = match &options.start {
            Some(s) if s.len() == 2 && s.iter().all(|v| v.is_finite() && *v > 0.0) => s.clone(),
            Some(s) => {
                return Err(Error::param(
                    "start",
                    format!("{s:?}"),
                    "must be two values α₀, β₀ > 0",
                ));
            }
            None => vec![1.0, 1.0],
        };
        let mut z0: Vec<f64> = start.iter().map(|v| v.ln()).collect();
        z0.resize(np, 0.0);
        let fitted = fit_coefficients(data, &Negative(data), &z0, options, "sBG covariate fit")?;
        let baseline = fitted.baseline::<SbgCovariateData>();
        let model = ShiftedBetaGeometric::new(
            baseline.first().copied().unwrap_or(f64::NAN),
            baseline.get(1).copied().unwrap_or(f64::NAN),
        )?;
        let mut parameter_names = vec!["alpha".to_owned(), "beta".to_owned()];
        parameter_names.extend(data.names.iter().map(|c| format!("alpha.{c}")));
        parameter_names.extend(data.names.iter().map(|c| format!("beta.{c}")));
        Ok(SbgCovariateFit {
            model,
            parameter_names,
            standard_errors: fitted.standard_errors,
            estimates: fitted.estimates,
            log_likelihood: fitted.log_likelihood,
            iterations: fitted.iterations,
            convergence: fitted.convergence,
            customers: data.customers,
            covariates: data.names.clone(),
        })
    }

    /// The total log-likelihood of `data` at `values` (`α₀, β₀, γ_α…, γ_β…`).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for a wrong number of values, non-positive `α₀, β₀`,
    /// or a likelihood that is not finite there.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::covariates::CovariateMatrix;
    /// use customer_value::retention::{SbgCovariateData, SbgCovariateFit, ShiftedBetaGeometric};
    ///
    /// let m = CovariateMatrix::from_columns(3, &[("a", &[0.0, 0.0, 0.0])])?;
    /// let d = SbgCovariateData::new(&[1, 2, 2], &[true, true, false], &m)?;
    /// let ll = SbgCovariateFit::evaluate(&d, &[1.0, 1.0, 0.3, -0.2])?;
    /// // Covariates 0: the plain sBG of 1 churned in period 1, 1 in period 2, 1 active.
    /// let plain = ShiftedBetaGeometric::new(1.0, 1.0)?.log_likelihood(&[1, 1], 1);
    /// assert!((ll - plain).abs() < 1e-12);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn evaluate(data: &SbgCovariateData, values: &[f64]) -> Result<f64> {
        if values.len() != 2 + 2 * data.names.len() {
            return Err(Error::param(
                "values",
                format!("{values:?}"),
                "must be α₀, β₀ and two coefficients per covariate",
            ));
        }
        if !values.iter().take(2).all(|v| v.is_finite() && *v > 0.0) {
            return Err(Error::param(
                "values",
                format!("{values:?}"),
                "α₀ and β₀ must be > 0",
            ));
        }
        let z: Vec<f64> = values
            .iter()
            .enumerate()
            .map(|(i, v)| if i < 2 { v.ln() } else { *v })
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
    /// use customer_value::btyd::FitOptions;
    /// use customer_value::btyd::covariates::CovariateMatrix;
    /// use customer_value::retention::{SbgCovariateData, SbgCovariateFit};
    ///
    /// // Fader & Hardie (2007), both segments of 1,000 customers, years 1–7:
    /// // `high_end` is 0 for the regular segment, 1 for the high-end one.
    /// let (mut periods, mut churned, mut high_end) = (Vec::new(), Vec::new(), Vec::new());
    /// for (segment, lost, active) in [(0.0, [369u32, 163, 86, 56, 37, 27, 21], 241), (1.0, [131, 126, 90, 60, 42, 34, 26], 491)] {
    ///     for (t, n) in lost.into_iter().enumerate() {
    ///         periods.extend(std::iter::repeat_n(t as u32 + 1, n as usize));
    ///         churned.extend(std::iter::repeat_n(true, n as usize));
    ///     }
    ///     periods.extend(std::iter::repeat_n(7, active));
    ///     churned.extend(std::iter::repeat_n(false, active));
    ///     high_end.extend(std::iter::repeat_n(segment, 1000));
    /// }
    /// let m = CovariateMatrix::from_columns(2000, &[("high_end", &high_end)])?;
    /// let fit = SbgCovariateFit::fit(&SbgCovariateData::new(&periods, &churned, &m)?, &FitOptions::default())?;
    /// let c = fit.coefficients();
    /// assert_eq!([c[0].name.as_str(), c[1].name.as_str()], ["alpha.high_end", "beta.high_end"]);
    /// // High-end customers churn less: a larger β (γ_β < 0, z ≈ −4.8); α is about the
    /// // same in both segments (its coefficient is not significant).
    /// assert!(c[1].estimate < 0.0 && c[1].p_value.unwrap() < 1e-5);
    /// assert!(c[0].p_value.unwrap() > 0.5);
    /// // Two free parameters per segment: the fit is the two segments' own fits (the paper's LLs).
    /// assert!((fit.log_likelihood - (-1680.265 - 1611.158)).abs() < 1e-2);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn coefficients(&self) -> Vec<Coefficient> {
        coefficient_table(
            &self.parameter_names,
            &self.estimates,
            self.standard_errors.as_deref(),
            2,
        )
    }

    /// The retention model of a customer with covariate row `row`.
    ///
    /// # Errors
    ///
    /// [`Error::LengthMismatch`] for a row of the wrong width; [`Error::InvalidParameter`]
    /// for a non-finite value or overflowing parameters.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::FitOptions;
    /// use customer_value::btyd::covariates::CovariateMatrix;
    /// use customer_value::retention::{SbgCovariateData, SbgCovariateFit};
    ///
    /// // Fader & Hardie (2007), both segments of 1,000 customers, years 1–7:
    /// // `high_end` is 0 for the regular segment, 1 for the high-end one.
    /// let (mut periods, mut churned, mut high_end) = (Vec::new(), Vec::new(), Vec::new());
    /// for (segment, lost, active) in [(0.0, [369u32, 163, 86, 56, 37, 27, 21], 241), (1.0, [131, 126, 90, 60, 42, 34, 26], 491)] {
    ///     for (t, n) in lost.into_iter().enumerate() {
    ///         periods.extend(std::iter::repeat_n(t as u32 + 1, n as usize));
    ///         churned.extend(std::iter::repeat_n(true, n as usize));
    ///     }
    ///     periods.extend(std::iter::repeat_n(7, active));
    ///     churned.extend(std::iter::repeat_n(false, active));
    ///     high_end.extend(std::iter::repeat_n(segment, 1000));
    /// }
    /// let m = CovariateMatrix::from_columns(2000, &[("high_end", &high_end)])?;
    /// let fit = SbgCovariateFit::fit(&SbgCovariateData::new(&periods, &churned, &m)?, &FitOptions::default())?;
    /// // The high-end customer's model is the paper's fit of that segment: α 0.6681, β 3.8061.
    /// let high = fit.customer_model(&[1.0])?;
    /// assert!((high.alpha() - 0.6681).abs() < 5e-4 && (high.beta() - 3.8061).abs() < 5e-3);
    /// let regular = fit.customer_model(&[0.0])?;
    /// assert!((regular.alpha() - 0.7041).abs() < 5e-4 && (regular.beta() - 1.1820).abs() < 5e-4);
    /// assert!(fit.customer_model(&[]).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn customer_model(&self, row: &[f64]) -> Result<ShiftedBetaGeometric> {
        let k = self.covariates.len();
        if row.len() != k {
            return Err(Error::LengthMismatch {
                left: "the fit's covariates",
                left_len: k,
                right: "covariates",
                right_len: row.len(),
            });
        }
        if let Some(v) = row.iter().find(|v| !v.is_finite()) {
            return Err(Error::param("covariate", v, "must be finite"));
        }
        let dot = |from: usize| -> f64 {
            row.iter()
                .zip(self.estimates.iter().skip(from))
                .map(|(a, b)| a * b)
                .sum()
        };
        ShiftedBetaGeometric::new(
            self.model.alpha() * (-dot(2)).exp(),
            self.model.beta() * (-dot(2 + k)).exp(),
        )
    }
}

impl CoefficientLikelihood for SbgCovariateData {
    const BASELINE: usize = 2;
    fn ll_grad(&self, z: &[f64], grad: &mut [f64]) -> f64 {
        SbgCovariateData::ll_grad(self, z, grad)
    }
    fn customers(&self) -> f64 {
        self.customers as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gradient_matches_finite_differences() {
        let m = CovariateMatrix::from_columns(5, &[("a", &[0.0, 1.0, 0.5, -1.0, 2.0])]).unwrap();
        let d = SbgCovariateData::new(&[1, 3, 2, 5, 4], &[true, false, true, true, false], &m).unwrap();
        let z = [0.7f64.ln(), 1.2f64.ln(), 0.3, -0.4];
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

//! The shifted-beta-geometric model ([`ShiftedBetaGeometric`]) as an [`Estimable`]
//! model: its data (one cohort's churn counts, [`SbgCohort`]), its log-likelihood with
//! the analytic gradient in `(α, β)`, and its maximum-likelihood fit as a [`FitReport`],
//! so that the samplers of `btyd::bayes` and the interval methods take it like the other
//! models.
//!
//! This module owns that adapter only; the model, its likelihood's definition and its fit
//! stay in `retention::sbg`.
//!
//! [`Estimable`]: super::Estimable

use serde::{Deserialize, Serialize};

use super::LogLikelihood;
use crate::btyd::{Convergence, FitReport};
use crate::error::{Error, Result};
use crate::retention::ShiftedBetaGeometric;

/// One cohort of contract customers: how many churned in each period `1, …, n`, and how
/// many are still active after period `n` (the data of Fader & Hardie 2007, and of
/// pymc-marketing's `ShiftedBetaGeoModel` for one cohort).
///
/// # Examples
///
/// ```
/// use customer_value::btyd::uncertainty::SbgCohort;
///
/// // Fader & Hardie (2007), regular segment, % surviving years 0–7 of 1,000 customers.
/// let c = SbgCohort::from_survivors(&[1000, 631, 468, 382, 326, 289, 262, 241])?;
/// assert_eq!((c.lost(), c.still_active()), (&[369, 163, 86, 56, 37, 27, 21][..], 241));
/// assert!(SbgCohort::from_survivors(&[10, 11]).is_err());
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "SbgCohortData")]
pub struct SbgCohort {
    lost: Vec<u64>,
    still_active: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SbgCohortData {
    lost: Vec<u64>,
    still_active: u64,
}

impl TryFrom<SbgCohortData> for SbgCohort {
    type Error = Error;
    fn try_from(d: SbgCohortData) -> Result<Self> {
        SbgCohort::new(d.lost, d.still_active)
    }
}

impl SbgCohort {
    /// Churned per period and still active at the end.
    ///
    /// # Errors
    ///
    /// [`Error::EmptyInput`] for no periods; [`Error::InvalidParameter`] for an empty
    /// cohort or counts whose total overflows.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::uncertainty::SbgCohort;
    ///
    /// let c = SbgCohort::new(vec![369, 163], 468)?;
    /// assert_eq!(c.cohort(), 1000);
    /// assert!(SbgCohort::new(vec![], 5).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn new(lost: Vec<u64>, still_active: u64) -> Result<Self> {
        if lost.is_empty() {
            return Err(Error::EmptyInput { what: "churn counts" });
        }
        let total = lost
            .iter()
            .try_fold(still_active, |acc, &n| acc.checked_add(n))
            .ok_or_else(|| Error::param("lost", "sum", "the cohort size overflows u64"))?;
        if total == 0 {
            return Err(Error::param("cohort", 0, "the cohort must not be empty"));
        }
        Ok(SbgCohort { lost, still_active })
    }

    /// From the numbers still active at periods `0, 1, …, n` (`active[0]` the cohort).
    ///
    /// # Errors
    ///
    /// [`Error::EmptyInput`] with fewer than two counts; [`Error::InvalidParameter`] if
    /// the first is 0 or a count exceeds the one before it.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::uncertainty::SbgCohort;
    ///
    /// // Fader & Hardie (2007), high-end segment: customers active in years 0–7.
    /// let c = SbgCohort::from_survivors(&[1000, 869, 743, 653, 593, 551, 517, 491])?;
    /// assert_eq!(c.lost(), [131, 126, 90, 60, 42, 34, 26]);
    /// assert_eq!((c.still_active(), c.cohort()), (491, 1000));
    /// assert!(SbgCohort::from_survivors(&[1000]).is_err()); // no period
    /// assert!(SbgCohort::from_survivors(&[0, 0]).is_err()); // no customer
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn from_survivors(active: &[u64]) -> Result<Self> {
        let (&first, rest) = active.split_first().ok_or(Error::EmptyInput {
            what: "survivor counts",
        })?;
        let mut lost = Vec::with_capacity(rest.len());
        let mut previous = first;
        for &n in rest {
            let l = previous.checked_sub(n).ok_or_else(|| {
                Error::param(
                    "active",
                    format_args!("{n} after {previous}"),
                    "survivor counts must be non-increasing",
                )
            })?;
            lost.push(l);
            previous = n;
        }
        SbgCohort::new(lost, previous)
    }

    /// Churned in each period.
    #[must_use]
    pub fn lost(&self) -> &[u64] {
        &self.lost
    }

    /// Still active after the last period.
    #[must_use]
    pub fn still_active(&self) -> u64 {
        self.still_active
    }

    /// Customers in the cohort.
    #[must_use]
    pub fn cohort(&self) -> u64 {
        self.lost.iter().sum::<u64>() + self.still_active
    }
}

/// The sBG log-likelihood of a cohort with its gradient in `(α, β)`:
/// `Σₜ nₜ ln P(T = t) + N ln S(n)`, `ln P(T = t) = ln S(t−1) + ln α − ln(α+β+t−1)`,
/// `ln S(t) = Σ_{j<t} ln(β+j) − ln(α+β+j)` (Fader & Hardie 2007, eq. 4 and 5).
pub(crate) struct SbgLikelihood<'a>(pub(crate) &'a SbgCohort);

impl LogLikelihood for SbgLikelihood<'_> {
    fn value_gradient(&self, theta: &[f64], grad: &mut [f64]) -> f64 {
        grad.iter_mut().for_each(|g| *g = 0.0);
        let (&[alpha, beta], Some(grad)) = (theta, grad.first_chunk_mut::<2>()) else {
            return f64::NAN;
        };
        if !theta.iter().all(|v| v.is_finite() && *v > 0.0) {
            return f64::NAN;
        }
        let ln_alpha = alpha.ln();
        let (mut ln_s, mut ds_a, mut ds_b) = (0.0, 0.0, 0.0);
        let (mut ll, mut ga, mut gb) = (0.0, 0.0, 0.0);
        for (i, &n) in self.0.lost.iter().enumerate() {
            let (renew, total) = (beta + i as f64, alpha + beta + i as f64);
            let ln_total = total.ln();
            if n > 0 {
                let n = n as f64;
                ll += n * (ln_s + ln_alpha - ln_total);
                ga += n * (ds_a + 1.0 / alpha - 1.0 / total);
                gb += n * (ds_b - 1.0 / total);
            }
            ln_s += renew.ln() - ln_total;
            ds_a -= 1.0 / total;
            ds_b += 1.0 / renew - 1.0 / total;
        }
        if self.0.still_active > 0 {
            let n = self.0.still_active as f64;
            ll += n * ln_s;
            ga += n * ds_a;
            gb += n * ds_b;
        }
        *grad = [ga, gb];
        ll
    }
    fn customers(&self) -> f64 {
        self.0.cohort() as f64
    }
    fn hessian_step(&self) -> f64 {
        1e-5
    }
}

/// The model's own maximum-likelihood fit of `cohort`, as a [`FitReport`].
pub(crate) fn fit(cohort: &SbgCohort) -> Result<FitReport<ShiftedBetaGeometric>> {
    let fit = ShiftedBetaGeometric::fit_churned(cohort.cohort(), &cohort.lost)?;
    let estimates = vec![fit.model.alpha(), fit.model.beta()];
    let mut grad = [0.0; 2];
    SbgLikelihood(cohort).value_gradient(&estimates, &mut grad);
    Ok(FitReport {
        model: fit.model,
        parameter_names: vec!["alpha".to_owned(), "beta".to_owned()],
        estimates,
        standard_errors: fit.standard_errors.map(|s| s.to_vec()),
        log_likelihood: fit.log_likelihood,
        iterations: fit.iterations,
        gradient_norm: grad.iter().fold(0.0, |m: f64, g| m.max(g.abs())) / cohort.cohort() as f64,
        convergence: Convergence::Gradient,
        customers: cohort.cohort() as f64,
        distinct_rows: cohort.lost.len() + 1,
        boundary: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const REGULAR: [u64; 8] = [1000, 631, 468, 382, 326, 289, 262, 241];

    #[test]
    fn equals_the_model_log_likelihood_with_its_gradient() {
        let c = SbgCohort::from_survivors(&REGULAR).unwrap();
        for theta in [[0.7041, 1.182], [0.2, 5.0], [3.0, 0.4]] {
            let m = ShiftedBetaGeometric::new(theta[0], theta[1]).unwrap();
            let mut g = [0.0; 2];
            let v = SbgLikelihood(&c).value_gradient(&theta, &mut g);
            let direct = m.log_likelihood(c.lost(), c.still_active());
            assert!((v - direct).abs() < 1e-10 * direct.abs(), "{v} vs {direct}");
            for j in 0..2 {
                let h = 1e-6 * theta[j];
                let (mut tp, mut tm) = (theta, theta);
                tp[j] += h;
                tm[j] -= h;
                let ll = |t: [f64; 2]| {
                    ShiftedBetaGeometric::new(t[0], t[1])
                        .unwrap()
                        .log_likelihood(c.lost(), c.still_active())
                };
                let fd = (ll(tp) - ll(tm)) / (2.0 * h);
                assert!(
                    (fd - g[j]).abs() < 1e-6 * fd.abs().max(1.0),
                    "θ{j}: {fd} vs {}",
                    g[j]
                );
            }
        }
    }

    #[test]
    fn fit_report_is_the_papers_estimate() {
        let c = SbgCohort::from_survivors(&REGULAR).unwrap();
        let f = fit(&c).unwrap();
        assert!((f.estimates[0] - 0.7041).abs() < 5e-4 && (f.estimates[1] - 1.1820).abs() < 5e-4);
        assert!(f.gradient_norm < 1e-6);
        assert!((f.customers - 1000.0).abs() < 1e-9);
    }
}

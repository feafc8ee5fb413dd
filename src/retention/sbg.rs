//! The shifted-beta-geometric (sBG) retention model of Fader & Hardie (2007).
//!
//! Each customer has a constant per-period churn probability θ; θ varies across customers
//! as Beta(α, β). The cohort's retention rate therefore *rises* with tenure — the
//! customers likely to leave leave first — which a constant retention rate cannot
//! express. This module owns the model, its maximum-likelihood fit from survivor or churn
//! counts with standard errors from the observed information (computed in
//! `sbg_information`), and the discounted expected (residual) lifetimes of Fader & Hardie
//! (2010).
//!
//! * P(T = 1) = α / (α + β); P(T = t) = (β + t − 2) / (α + β + t − 1) · P(T = t − 1)
//! * S(t) = B(α, β + t) / B(α, β); r(t) = S(t) / S(t − 1) = (β + t − 1) / (α + β + t − 1)
//! * DEL(d) = Σ_{t≥0} S(t) / (1 + d)ᵗ = ₂F₁(1, β; α + β; 1 / (1 + d))
//!
//! # Why not a constant rate
//!
//! On the paper's "regular" segment the year-1 retention rate is 63.1 %. Projecting that
//! constant rate gives 0.631¹² ≈ 0.4 % of the cohort alive at year 12; the sBG fitted on
//! years 0–7 projects about 17 % — and 17.3 % were actually still there:
//!
//! ```
//! use customer_value::retention::{ConstantRetention, RetentionModel, ShiftedBetaGeometric};
//!
//! let fit = ShiftedBetaGeometric::fit_survivors(&[1000, 631, 468, 382, 326, 289, 262, 241])?;
//! let constant = ConstantRetention::new(0.631)?;
//! let sbg_12 = 1000.0 * fit.model.survival(12);
//! let constant_12 = 1000.0 * constant.survival(12);
//! assert!((sbg_12 - 170.0).abs() < 1.0); // actual: 173
//! assert!(constant_12 < 5.0);
//! # Ok::<(), customer_value::Error>(())
//! ```
//!
//! # References
//!
//! * P. S. Fader and B. G. S. Hardie (2007), "How to project customer retention",
//!   *Journal of Interactive Marketing* 21(1), 76–90.
//! * P. S. Fader and B. G. S. Hardie (2010), "Customer-base valuation in a contractual
//!   setting: the perils of ignoring heterogeneity", *Marketing Science* 29(1), 85–93.

use serde::{Deserialize, Serialize};

use super::{RetentionModel, sbg_information};
use crate::error::{Error, Result};
use crate::special::ln_gamma_diff2;

/// Below this tenure S(t) is the exact running product; above it the product's tail is a
/// second difference of log-gammas (`special::ln_gamma_diff2`), so S(t) costs O(1) even
/// for t near `u32::MAX`.
const PRODUCT_LIMIT: u32 = 1_000;

/// The shifted-beta-geometric retention model with heterogeneity parameters α, β > 0.
///
/// # Examples
///
/// ```
/// use customer_value::retention::{check_retention_model, RetentionModel, ShiftedBetaGeometric};
///
/// // Fader & Hardie (2007), "high end" segment.
/// let m = ShiftedBetaGeometric::new(0.668, 3.806)?;
/// assert!((m.survival(1) - 3.806 / 4.474).abs() < 1e-12);
/// assert!(m.retention_rate(5) > m.retention_rate(1)); // retention rises with tenure
/// check_retention_model(&m, 100)?;
/// # Ok::<(), customer_value::Error>(())
/// ```
///
/// # Formula
///
/// Per-period churn probability θ ~ Beta(α, β); the tenure `T` of a customer is
/// geometric given θ (Fader & Hardie 2007, eqs. 3–7; Fader & Hardie 2010, eq. 3):
///
/// ```text
/// P(T = t) = B(α + 1, β + t − 1) / B(α, β)          t = 1, 2, …
/// S(t)     = B(α, β + t) / B(α, β)
/// r(t)     = S(t)/S(t − 1) = (β + t − 1)/(α + β + t − 1)
///
/// LL(α, β) = Σ_{t=1}^{τ} (n_{t−1} − n_t) ln P(T = t) + n_τ ln S(τ)
///            (n_t customers still active after t periods, observed to τ)
///
/// DEL(d) = Σ_{t≥0} S(t)/(1 + d)ᵗ = ₂F₁(1, β; α + β; 1/(1 + d))
/// ```
///
/// # References
///
/// - P. S. Fader and B. G. S. Hardie (2007), "How to project customer retention", *Journal
///   of Interactive Marketing* 21(1), 76–90.
/// - P. S. Fader and B. G. S. Hardie (2010), "Customer-base valuation in a contractual
///   setting: the perils of ignoring heterogeneity", *Marketing Science* 29(1), 85–93.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ShiftedBetaGeometric {
    alpha: f64,
    beta: f64,
}

/// Unvalidated sBG parameters, the `params` of [`ShiftedBetaGeometric`]'s saved form
/// ([`SavedModel`](crate::btyd::SavedModel)).
///
/// # Examples
///
/// ```
/// use customer_value::retention::{SbgParams, ShiftedBetaGeometric};
///
/// // Fader & Hardie (2007), regular segment; the conversion validates.
/// let m = ShiftedBetaGeometric::try_from(SbgParams { alpha: 0.704, beta: 1.182 })?;
/// assert_eq!(SbgParams::from(m).beta, 1.182);
/// assert!(ShiftedBetaGeometric::try_from(SbgParams { alpha: -1.0, beta: 1.0 }).is_err());
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SbgParams {
    /// `α` of the beta distribution of churn probabilities.
    pub alpha: f64,
    /// `β` of the beta distribution of churn probabilities.
    pub beta: f64,
}

impl Serialize for ShiftedBetaGeometric {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        crate::btyd::SavedForm::to_saved(self).serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for ShiftedBetaGeometric {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        let saved = crate::btyd::SavedModel::<SbgParams>::deserialize(deserializer)?;
        <Self as crate::btyd::SavedForm>::from_saved(&saved).map_err(serde::de::Error::custom)
    }
}

impl TryFrom<SbgParams> for ShiftedBetaGeometric {
    type Error = Error;
    fn try_from(p: SbgParams) -> Result<Self> {
        ShiftedBetaGeometric::new(p.alpha, p.beta)
    }
}

impl From<ShiftedBetaGeometric> for SbgParams {
    fn from(m: ShiftedBetaGeometric) -> Self {
        SbgParams {
            alpha: m.alpha,
            beta: m.beta,
        }
    }
}

/// The result of a maximum-likelihood fit of [`ShiftedBetaGeometric`].
///
/// The standard errors and covariance are those of α and β themselves, from the inverse
/// of the observed information at the estimate
/// ([`observed_information`](ShiftedBetaGeometric::observed_information), analytic second
/// derivatives in (α, β)). The optimiser works on (ln α, ln β), but the information is
/// taken in (α, β) directly, so no delta method is involved. Both are `None` when that
/// information is not positive definite or is numerically singular (e.g. a single period
/// of data, which identifies only α / (α + β)) — never NaN.
///
/// The struct is `#[non_exhaustive]`: it is built by the fits (and read back by serde),
/// so fields may be added without breaking callers.
///
/// # Examples
///
/// ```
/// use customer_value::retention::ShiftedBetaGeometric;
///
/// // Fader & Hardie (2007), regular segment: α̂ = 0.704, β̂ = 1.182. The paper gives no
/// // standard errors; these (0.066, 0.152) are the inverse observed information's, which an
/// // independent scipy/numdifftools fit reproduces (tests/economics/retention_sbg.rs).
/// let fit = ShiftedBetaGeometric::fit_survivors(&[1000, 631, 468, 382, 326, 289, 262, 241])?;
/// let [se_alpha, se_beta] = fit.standard_errors.expect("two periods or more identify α, β");
/// assert!((se_alpha - 0.0656).abs() < 1e-4 && (se_beta - 0.1525).abs() < 1e-4);
/// assert_eq!(fit.standard_error("beta"), Some(se_beta));
/// let cov = fit.covariance.expect("positive definite");
/// assert!((cov[0][0].sqrt() - se_alpha).abs() < 1e-15);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
#[must_use]
pub struct SbgFit {
    /// The fitted model.
    pub model: ShiftedBetaGeometric,
    /// The maximised log-likelihood.
    pub log_likelihood: f64,
    /// Optimiser iterations used.
    pub iterations: usize,
    /// Standard errors of `[α̂, β̂]`: the square roots of the covariance's diagonal.
    /// `None` if the observed information is not (numerically) positive definite.
    #[serde(default)]
    pub standard_errors: Option<[f64; 2]>,
    /// Covariance of (α̂, β̂), `[[Var α̂, Cov], [Cov, Var β̂]]`: the inverse observed
    /// information. `None` if the observed information is not (numerically) positive
    /// definite.
    #[serde(default)]
    pub covariance: Option<[[f64; 2]; 2]>,
}

impl SbgFit {
    /// The fitted model in the crate's saved format (tag `sbg`), with the standard
    /// errors and log-likelihood of the fit.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::AnySavedModel;
    /// use customer_value::retention::ShiftedBetaGeometric;
    ///
    /// let fit = ShiftedBetaGeometric::fit_survivors(&[1000, 631, 468, 382, 326])?;
    /// let json = fit.to_saved().to_json()?;
    /// let back = AnySavedModel::from_json(&json)?;
    /// assert_eq!(back.tag(), "sbg");
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn to_saved(&self) -> crate::btyd::SavedModel<SbgParams> {
        let mut saved = crate::btyd::SavedForm::to_saved(&self.model);
        saved.standard_errors = self
            .standard_errors
            .map(|[alpha, beta]| SbgParams { alpha, beta });
        saved.log_likelihood = Some(self.log_likelihood);
        saved
    }

    /// The standard error of the parameter named `"alpha"` or `"beta"` (the names
    /// [`FitReport::standard_error`](crate::btyd::FitReport::standard_error) would use),
    /// if available; `None` for any other name.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::retention::ShiftedBetaGeometric;
    ///
    /// let fit = ShiftedBetaGeometric::fit_survivors(&[1000, 631, 468, 382, 326, 289, 262, 241])?;
    /// assert!((fit.standard_error("alpha").unwrap() - 0.0656).abs() < 1e-4);
    /// assert_eq!(fit.standard_error("r"), None);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn standard_error(&self, name: &str) -> Option<f64> {
        let [alpha, beta] = self.standard_errors?;
        match name {
            "alpha" => Some(alpha),
            "beta" => Some(beta),
            _ => None,
        }
    }
}

impl ShiftedBetaGeometric {
    /// A model from its parameters (e.g. published or stored ones).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] unless both are finite and positive.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::retention::{RetentionModel, ShiftedBetaGeometric};
    ///
    /// // α = β = 1: churn probabilities uniform on [0, 1]; S(t) = B(1, 1 + t) / B(1, 1) = 1 / (1 + t).
    /// let m = ShiftedBetaGeometric::new(1.0, 1.0)?;
    /// assert!((m.survival(3) - 0.25).abs() < 1e-12);
    /// assert!(ShiftedBetaGeometric::new(0.0, 1.0).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn new(alpha: f64, beta: f64) -> Result<Self> {
        if !(alpha.is_finite() && alpha > 0.0) {
            return Err(Error::param("alpha", alpha, "must be finite and positive"));
        }
        if !(beta.is_finite() && beta > 0.0) {
            return Err(Error::param("beta", beta, "must be finite and positive"));
        }
        Ok(ShiftedBetaGeometric { alpha, beta })
    }

    /// α, the first shape parameter of the churn-probability distribution.
    #[must_use]
    pub fn alpha(&self) -> f64 {
        self.alpha
    }

    /// β, the second shape parameter.
    #[must_use]
    pub fn beta(&self) -> f64 {
        self.beta
    }

    /// Mean churn probability across customers, α / (α + β) (= P(T = 1)); computed
    /// without overflow when α + β exceeds `f64::MAX`, so it is in [0, 1] for every valid
    /// model and ≈ 1 when β ≪ α.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::retention::ShiftedBetaGeometric;
    ///
    /// // Fader & Hardie (2007), regular segment: α / (α + β) = 0.7041 / 1.8861 ≈ 0.373 (observed
    /// // year-1 churn: 36.9 %).
    /// let m = ShiftedBetaGeometric::new(0.7041, 1.1820)?;
    /// assert!((m.mean_churn() - 0.7041 / 1.8861).abs() < 1e-12);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn mean_churn(&self) -> f64 {
        share(self.alpha, self.beta)
    }

    /// P(T = t): the probability that a new customer churns in period `t` (t ≥ 1; 0 for
    /// t = 0).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::retention::ShiftedBetaGeometric;
    ///
    /// let m = ShiftedBetaGeometric::new(1.0, 1.0)?; // uniform churn probability
    /// assert!((m.churn_probability(1) - 0.5).abs() < 1e-12);
    /// assert!((m.churn_probability(2) - 1.0 / 6.0).abs() < 1e-12);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn churn_probability(&self, t: u32) -> f64 {
        if t == 0 {
            return 0.0;
        }
        // P(T = t) = S(t − 1) · (1 − r(t)) = S(t − 1) · α / (α + β + t − 1): no cancellation.
        self.survival(t - 1) * share(self.alpha, self.beta + f64::from(t) - 1.0)
    }

    /// The log-likelihood of a cohort of which `lost[t − 1]` customers churned in period
    /// t = 1, …, n and `still_active` remain after period n (Fader & Hardie 2007, eq. 5):
    /// Σₜ lostₜ · ln P(T = t) + still_active · ln S(n).
    ///
    /// [`log_likelihood_parts`](Self::log_likelihood_parts) gives the terms.
    ///
    /// Computed in log space (ln P(T = t) = ln S(t − 1) + ln α − ln(α + β + t − 1), each
    /// logarithm of a sum taken without forming the sum), so it is **finite for every valid
    /// model and every counts**: no probability underflows to 0, no α + β overflows. It
    /// is −∞ or NaN for no input.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::retention::ShiftedBetaGeometric;
    ///
    /// // Fader & Hardie (2007), regular segment, years 1–7: churned each year, 241 still active.
    /// let lost = [369, 163, 86, 56, 37, 27, 21];
    /// let m = ShiftedBetaGeometric::new(0.7041, 1.1820)?;
    /// assert!((m.log_likelihood(&lost, 241) + 1680.265).abs() < 1e-2); // the paper's LL
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn log_likelihood(&self, lost: &[u64], still_active: u64) -> f64 {
        self.log_likelihood_parts(lost, still_active).iter().sum()
    }

    /// The terms of [`log_likelihood`](Self::log_likelihood): one per period (the churned
    /// of that period), then the survivors' term. Terms with a count of 0 are 0.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::retention::ShiftedBetaGeometric;
    ///
    /// // α = β = 1: P(T = 1) = 1/2, P(T = 2) = 1/6, S(2) = 1/3 (worked by hand).
    /// let parts = ShiftedBetaGeometric::new(1.0, 1.0)?.log_likelihood_parts(&[2, 1], 3);
    /// let expected = [2.0 * 0.5_f64.ln(), (1.0_f64 / 6.0).ln(), 3.0 * (1.0_f64 / 3.0).ln()];
    /// assert!(parts.iter().zip(expected).all(|(p, e)| (p - e).abs() < 1e-12));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn log_likelihood_parts(&self, lost: &[u64], still_active: u64) -> Vec<f64> {
        let mut parts = Vec::with_capacity(lost.len() + 1);
        let ln_alpha = self.alpha.ln();
        let mut ln_survival = 0.0_f64;
        for (i, &n) in lost.iter().enumerate() {
            let renew = self.beta + i as f64;
            let ln_c = ln_sum(self.alpha, renew);
            parts.push(if n == 0 {
                0.0
            } else {
                n as f64 * (ln_survival + ln_alpha - ln_c)
            });
            ln_survival += renew.ln() - ln_c;
        }
        parts.push(if still_active == 0 {
            0.0
        } else {
            still_active as f64 * ln_survival
        });
        parts
    }

    /// Fits α, β by maximum likelihood to the number of a cohort's customers still active
    /// at periods 0, 1, …, n (`active[0]` is the cohort size).
    ///
    /// # Errors
    ///
    /// [`Error::EmptyInput`] with fewer than two counts; [`Error::InvalidParameter`] if
    /// the first count is 0 or a count exceeds the one before it; see
    /// [`fit_churned`](Self::fit_churned) for data without a finite optimum.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::retention::ShiftedBetaGeometric;
    ///
    /// // Fader & Hardie (2007), regular segment, years 0–7: α 0.704, β 1.182, LL −1680.27.
    /// let fit = ShiftedBetaGeometric::fit_survivors(&[1000, 631, 468, 382, 326, 289, 262, 241])?;
    /// assert!((fit.model.alpha() - 0.7041).abs() < 5e-4);
    /// assert!((fit.model.beta() - 1.1820).abs() < 5e-4);
    /// assert!((fit.log_likelihood + 1680.265).abs() < 1e-2);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn fit_survivors(active: &[u64]) -> Result<SbgFit> {
        let (&cohort, rest) = active.split_first().ok_or(Error::EmptyInput {
            what: "survivor counts",
        })?;
        if rest.is_empty() {
            return Err(Error::EmptyInput {
                what: "survivor counts after period 0",
            });
        }
        if cohort == 0 {
            return Err(Error::param(
                "active[0]",
                0,
                "the cohort at period 0 must not be empty",
            ));
        }
        let mut lost = Vec::with_capacity(rest.len());
        let mut previous = cohort;
        for &n in rest {
            if n > previous {
                return Err(Error::param(
                    "active",
                    format_args!("{n} after {previous}"),
                    "survivor counts must be non-increasing",
                ));
            }
            lost.push(previous - n);
            previous = n;
        }
        Self::fit_churned(cohort, &lost)
    }

    /// Fits α, β by maximum likelihood to a cohort of `cohort` customers of whom `lost[t−1]`
    /// churned in period t = 1, …, n.
    ///
    /// The optimiser is Nelder–Mead on (ln α, ln β), so the parameters stay positive; the
    /// standard errors and covariance of α̂, β̂ come from the analytic observed information
    /// in (α, β) (see [`SbgFit`]).
    ///
    /// # Errors
    ///
    /// [`Error::EmptyInput`] for no periods; [`Error::InvalidParameter`] if the cohort is
    /// 0 or more customers churn than it holds; [`Error::Undefined`] when no finite
    /// maximum exists (nobody churned, or everybody churned in period 1);
    /// [`Error::NonConvergence`] if the optimiser does not settle.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::Error;
    /// use customer_value::retention::ShiftedBetaGeometric;
    ///
    /// // The regular segment as churn counts: the same fit as `fit_survivors` on its survivors.
    /// let fit = ShiftedBetaGeometric::fit_churned(1000, &[369, 163, 86, 56, 37, 27, 21])?;
    /// assert!((fit.model.alpha() - 0.7041).abs() < 5e-4);
    /// assert!(matches!(ShiftedBetaGeometric::fit_churned(100, &[0, 0]), Err(Error::Undefined { .. })));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn fit_churned(cohort: u64, lost: &[u64]) -> Result<SbgFit> {
        if lost.is_empty() {
            return Err(Error::EmptyInput { what: "churn counts" });
        }
        if cohort == 0 {
            return Err(Error::param("cohort", 0, "the cohort must not be empty"));
        }
        let mut total: u64 = 0;
        for &n in lost {
            total = total
                .checked_add(n)
                .filter(|&t| t <= cohort)
                .ok_or_else(|| Error::param("lost", n, "more customers churned than the cohort holds"))?;
        }
        let still_active = cohort - total;
        if total == 0 {
            return Err(Error::Undefined {
                what: "sBG maximum-likelihood estimate",
                reason: "nobody churned: the likelihood grows without bound as churn → 0".into(),
            });
        }
        if lost.first() == Some(&cohort) {
            return Err(Error::Undefined {
                what: "sBG maximum-likelihood estimate",
                reason: "everybody churned in period 1: the likelihood grows as churn → 1".into(),
            });
        }
        let objective = |x: [f64; 2]| {
            let m = ShiftedBetaGeometric {
                alpha: x[0].exp(),
                beta: x[1].exp(),
            };
            let ll = m.log_likelihood(lost, still_active);
            if ll.is_finite() { -ll } else { f64::INFINITY }
        };
        let (x, value, iterations) = nelder_mead(objective, [0.0, 0.0], 0.5, 1e-11, 5_000)?;
        let model = ShiftedBetaGeometric::new(x[0].exp(), x[1].exp()).map_err(|_| Error::NonConvergence {
            what: "sBG maximum likelihood",
            iterations,
            detail: format!(
                "parameters left the representable range: ln α = {}, ln β = {}",
                x[0], x[1]
            ),
        })?;
        if x[0].abs() > 30.0 || x[1].abs() > 30.0 {
            return Err(Error::NonConvergence {
                what: "sBG maximum likelihood",
                iterations,
                detail: format!(
                    "parameters drifted to a boundary: α = {}, β = {}",
                    model.alpha, model.beta
                ),
            });
        }
        let covariance = model
            .observed_information(lost, still_active)
            .ok()
            .and_then(sbg_information::covariance);
        let standard_errors = covariance.and_then(|[[var_a, _], [_, var_b]]| {
            let se = [var_a.sqrt(), var_b.sqrt()];
            se.iter().all(|v| v.is_finite()).then_some(se)
        });
        Ok(SbgFit {
            model,
            log_likelihood: -value,
            iterations,
            standard_errors,
            covariance: covariance.filter(|_| standard_errors.is_some()),
        })
    }

    /// Discounted expected lifetime of a customer at acquisition, counting the current
    /// period undiscounted (Fader & Hardie 2010):
    /// DEL(d) = Σ_{t≥0} S(t) / (1 + d)ᵗ = ₂F₁(1, β; α + β; 1 / (1 + d)).
    ///
    /// Multiply by a constant margin per period to get the expected CLV.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] if `discount` is negative or not finite;
    /// [`Error::Undefined`] when the series diverges (d = 0 and α ≤ 1: the expected
    /// lifetime is infinite); [`Error::NonConvergence`] if a tiny positive discount needs
    /// more than ten million terms.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::retention::ShiftedBetaGeometric;
    ///
    /// // Fader & Hardie (2010): regular segment, d = 10 %: DEL 3.6949.
    /// let m = ShiftedBetaGeometric::new(0.7041, 1.1820)?;
    /// assert!((m.discounted_expected_lifetime(0.10)? - 3.6949).abs() < 1e-3);
    /// assert!(m.discounted_expected_lifetime(0.0).is_err()); // α < 1: infinite lifetime
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn discounted_expected_lifetime(&self, discount: f64) -> Result<f64> {
        hyp2f1_one(self.beta, self.alpha + self.beta, discount)
    }

    /// Discounted expected residual lifetime (Fader & Hardie 2010) of a customer who has
    /// been active for `n` periods (made n − 1 renewals) and is about to make the n-th
    /// renewal decision: Σ_{t≥0} [S(n + t) / S(n − 1)] / (1 + d)ᵗ
    /// = (β + n − 1) / (α + β + n − 1) · ₂F₁(1, β + n; α + β + n; 1 / (1 + d)).
    ///
    /// The first renewal's value is undiscounted; n = 1 gives (DEL − 1)(1 + d).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for n = 0 or a negative discount; otherwise as
    /// [`discounted_expected_lifetime`](Self::discounted_expected_lifetime).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::retention::ShiftedBetaGeometric;
    ///
    /// // Fader & Hardie (2010): high-end segment, n = 1, d = 10 %: DERL 5.4145.
    /// let m = ShiftedBetaGeometric::new(0.6681, 3.8061)?;
    /// assert!((m.discounted_expected_residual_lifetime(0.10, 1)? - 5.4145).abs() < 1e-3);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn discounted_expected_residual_lifetime(&self, discount: f64, n: u32) -> Result<f64> {
        if n == 0 {
            return Err(Error::param(
                "n",
                0,
                "the customer must have been active for at least one period",
            ));
        }
        let shift = f64::from(n) - 1.0;
        let renew = (self.beta + shift) / (self.alpha + self.beta + shift);
        Ok(renew
            * hyp2f1_one(
                self.beta + shift + 1.0,
                self.alpha + self.beta + shift + 1.0,
                discount,
            )?)
    }
}

impl RetentionModel for ShiftedBetaGeometric {
    fn survival(&self, t: u32) -> f64 {
        let (a, b) = (self.alpha, self.beta);
        let head = t.min(PRODUCT_LIMIT);
        let mut s = 1.0_f64;
        for i in 0..head {
            s *= share(b + f64::from(i), a);
        }
        if t <= PRODUCT_LIMIT {
            return s;
        }
        // ln S(t) − ln S(L) = G(L) − G(t) with G(x) = lnΓ(α + β + x) − lnΓ(β + x), which is
        // −Δ₂(β + L, α, t − L): computed as one second difference, since G(L) and G(t) are
        // each of size α ln β and their difference may be far smaller.
        let limit = f64::from(PRODUCT_LIMIT);
        let tail = -ln_gamma_diff2(b + limit, a, f64::from(t) - limit);
        (s * tail.exp()).min(s)
    }

    fn retention_rate(&self, t: u32) -> f64 {
        if t == 0 {
            return 1.0;
        }
        let k = f64::from(t) - 1.0;
        share(self.beta + k, self.alpha)
    }
}

/// ₂F₁(1, b; c; 1 / (1 + d)) = Σ_{k≥0} (b)ₖ / (c)ₖ zᵏ for 0 < b < c.
/// a / (a + b) for positive a, b, without overflow when a + b exceeds `f64::MAX`
/// (bit-identical to the plain quotient whenever the sum is finite).
fn share(a: f64, b: f64) -> f64 {
    let sum = a + b;
    if sum.is_finite() {
        a / sum
    } else if a >= b {
        1.0 / (1.0 + b / a)
    } else {
        let r = a / b;
        r / (1.0 + r)
    }
}

/// ln(a + b) for positive finite a, b, finite even when a + b overflows.
fn ln_sum(a: f64, b: f64) -> f64 {
    let (hi, lo) = if a >= b { (a, b) } else { (b, a) };
    hi.ln() + (lo / hi).ln_1p()
}

fn hyp2f1_one(b: f64, c: f64, discount: f64) -> Result<f64> {
    if !(discount.is_finite() && discount >= 0.0) {
        return Err(Error::param(
            "discount",
            discount,
            "must be finite and non-negative",
        ));
    }
    if discount == 0.0 {
        // Gauss: ₂F₁(1, b; c; 1) = (c − 1) / (c − 1 − b), finite only when c − b > 1 (α > 1).
        return if c - b > 1.0 {
            Ok((c - 1.0) / (c - 1.0 - b))
        } else {
            Err(Error::Undefined {
                what: "discounted expected lifetime",
                reason: format!(
                    "with no discounting the series diverges for α = {} ≤ 1 (infinite expected lifetime)",
                    c - b
                ),
            })
        };
    }
    let z = 1.0 / (1.0 + discount);
    const MAX_TERMS: usize = 10_000_000;
    let (mut sum, mut term) = (1.0_f64, 1.0_f64);
    for k in 0..MAX_TERMS {
        let k = k as f64;
        term *= (b + k) / (c + k) * z;
        sum += term;
        // Terms decrease geometrically (ratio < z), so the remainder is below term·z/(1−z).
        if term * z / (1.0 - z) <= 1e-15 * sum {
            return Ok(sum);
        }
    }
    Err(Error::NonConvergence {
        what: "discounted expected lifetime series",
        iterations: MAX_TERMS,
        detail: format!("last term {term:e} with discount {discount}"),
    })
}

/// Minimises `f` over ℝ² by Nelder–Mead (standard coefficients 1, 2, ½, ½), starting
/// from a simplex of side `step` around `start`. Stops when the simplex's function values
/// agree to `tol` (relative) and its points to `tol.sqrt()`.
///
/// Returns (argmin, min, iterations).
fn nelder_mead<F: Fn([f64; 2]) -> f64>(
    f: F,
    start: [f64; 2],
    step: f64,
    tol: f64,
    max_iter: usize,
) -> Result<([f64; 2], f64, usize)> {
    let mut pts = [start, [start[0] + step, start[1]], [start[0], start[1] + step]];
    let mut vals = pts.map(&f);
    for iter in 0..max_iter {
        // Sort the three vertices best → worst.
        let ([p0, p1, p2], [v0, v1, v2]) = (pts, vals);
        let mut vertices = [(p0, v0), (p1, v1), (p2, v2)];
        vertices.sort_by(|a, b| a.1.total_cmp(&b.1));
        pts = vertices.map(|(p, _)| p);
        vals = vertices.map(|(_, v)| v);
        let [best, mid, worst] = pts;
        let spread = (vals[2] - vals[0]).abs();
        let size = (worst[0] - best[0])
            .abs()
            .max((worst[1] - best[1]).abs())
            .max((mid[0] - best[0]).abs().max((mid[1] - best[1]).abs()));
        if vals[0].is_finite() && spread <= tol * (1.0 + vals[0].abs()) && size <= tol.sqrt() {
            return Ok((best, vals[0], iter));
        }
        let centroid = [(best[0] + mid[0]) / 2.0, (best[1] + mid[1]) / 2.0];
        let along = |c: f64| {
            [
                centroid[0] + c * (worst[0] - centroid[0]),
                centroid[1] + c * (worst[1] - centroid[1]),
            ]
        };
        let reflected = along(-1.0);
        let fr = f(reflected);
        if fr < vals[0] {
            let expanded = along(-2.0);
            let fe = f(expanded);
            if fe < fr {
                pts[2] = expanded;
                vals[2] = fe;
            } else {
                pts[2] = reflected;
                vals[2] = fr;
            }
        } else if fr < vals[1] {
            pts[2] = reflected;
            vals[2] = fr;
        } else {
            let (contracted, fc) = if fr < vals[2] {
                let c = along(-0.5);
                (c, f(c))
            } else {
                let c = along(0.5);
                (c, f(c))
            };
            if fc < vals[2].min(fr) {
                pts[2] = contracted;
                vals[2] = fc;
            } else {
                // Shrink towards the best vertex.
                for (p, v) in pts.iter_mut().zip(vals.iter_mut()).skip(1) {
                    *p = [best[0] + 0.5 * (p[0] - best[0]), best[1] + 0.5 * (p[1] - best[1])];
                    *v = f(*p);
                }
            }
        }
    }
    Err(Error::NonConvergence {
        what: "Nelder–Mead",
        iterations: max_iter,
        detail: format!("function values {vals:?}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tail_formula_joins_the_product() {
        let m = ShiftedBetaGeometric::new(0.7, 1.2).unwrap();
        // Direct product past the limit agrees with the Stirling tail.
        let mut s = 1.0;
        for i in 0..1500 {
            s *= (1.2 + f64::from(i)) / (1.9 + f64::from(i));
        }
        assert!((m.survival(1500) / s - 1.0).abs() < 1e-12);
        assert!(m.survival(u32::MAX) > 0.0);
        assert!(m.survival(PRODUCT_LIMIT + 1) <= m.survival(PRODUCT_LIMIT));
    }

    #[test]
    fn nelder_mead_finds_a_quadratic_minimum() {
        let (x, v, _) = nelder_mead(
            |p| (p[0] - 1.0).powi(2) + 3.0 * (p[1] + 2.0).powi(2),
            [0.0, 0.0],
            0.5,
            1e-14,
            10_000,
        )
        .unwrap();
        assert!((x[0] - 1.0).abs() < 1e-6 && (x[1] + 2.0).abs() < 1e-6 && v < 1e-12);
    }
}

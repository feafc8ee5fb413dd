//! Retention models: the survival curve S(t) a customer relationship follows.
//!
//! This module owns the [`RetentionModel`] trait — the plug point every valuation in the
//! crate reads survival through — its public conformance checker
//! [`check_retention_model`], and the model-free implementations: a constant rate
//! ([`ConstantRetention`]), a per-period rate curve ([`RetentionCurve`]) and an observed
//! survival curve ([`EmpiricalSurvival`]). Parametric and probabilistic models (the
//! shifted-beta-geometric, Kaplan–Meier, P(alive) of a buy-till-you-die model) live in their
//! own modules and implement the same trait. Nothing here touches money.
//!
//! # Writing your own model
//!
//! Implement one method, [`RetentionModel::survival`]; the rate, churn and lifetime methods
//! are derived from it. Then run [`check_retention_model`] over the horizon you will value
//! (in a unit test, or at start-up if parameters come from outside):
//!
//! ```
//! use customer_value::retention::{check_retention_model, RetentionModel};
//!
//! /// Retention that improves with tenure: r(t) = 1 − 0.5 / (t + 1).
//! #[derive(Debug)]
//! struct Loyalising;
//!
//! impl RetentionModel for Loyalising {
//!     fn survival(&self, t: u32) -> f64 {
//!         (1..=t).map(|k| 1.0 - 0.5 / f64::from(k + 1)).product()
//!     }
//! }
//!
//! check_retention_model(&Loyalising, 100)?;
//! assert!((Loyalising.retention_rate(1) - 0.75).abs() < 1e-12);
//! # Ok::<(), customer_value::Error>(())
//! ```

mod constant;
mod curve;
mod empirical;
mod kaplan_meier;
mod kaplan_meier_quantile;
mod sbg;
mod sbg_covariates;
mod sbg_information;

pub use constant::{ConstantRetention, expected_lifetime};
pub use curve::RetentionCurve;
pub use empirical::EmpiricalSurvival;
pub use kaplan_meier::{ConfidenceBand, KaplanMeier, KmStep, LifeTable, Subscription};
pub use kaplan_meier_quantile::{QuantileInterval, QuantileRule};
pub use sbg::{SbgFit, SbgParams, ShiftedBetaGeometric};
pub use sbg_covariates::{SbgCovariateData, SbgCovariateFit};

use crate::error::{Error, Result};

/// The longest horizon the curve-wide methods walk or materialise
/// ([`RetentionModel::survival_curve`], [`RetentionModel::expected_lifetime_within`],
/// [`check_retention_model`]): 10,000,000 periods (daily periods over 27,000 years; an
/// 80 MB curve). A longer horizon is refused before any work is done.
///
/// # Examples
///
/// ```
/// use customer_value::retention::{ConstantRetention, MAX_CURVE_PERIODS, RetentionModel};
///
/// let m = ConstantRetention::new(0.9)?;
/// assert_eq!(m.survival_curve(12)?.len(), 13); // S(0), …, S(12)
/// assert!(m.survival_curve(MAX_CURVE_PERIODS + 1).is_err());
/// # Ok::<(), customer_value::Error>(())
/// ```
pub const MAX_CURVE_PERIODS: u32 = 10_000_000;

/// Refuses a horizon above [`MAX_CURVE_PERIODS`].
pub(crate) fn check_curve_horizon(horizon: u32) -> Result<()> {
    if horizon > MAX_CURVE_PERIODS {
        Err(Error::param(
            "horizon",
            horizon,
            "at most retention::MAX_CURVE_PERIODS = 10,000,000 periods",
        ))
    } else {
        Ok(())
    }
}

/// A customer's survival curve: the probability S(t) that a customer acquired at period 0
/// is still a customer after `t` periods.
///
/// # Contract
///
/// * `S(0) = 1`;
/// * `0 ≤ S(t) ≤ 1` and finite for every `t`;
/// * non-increasing: `S(t) ≤ S(t − 1)`.
///
/// [`check_retention_model`] verifies all three over a horizon. The trait is object-safe:
/// valuations take `&dyn RetentionModel`, and read S(t) once per period of the horizon, so
/// a slow model costs nothing per customer. Implementations in the crate validate their
/// parameters at construction, so they never return NaN.
///
/// # Examples
///
/// ```
/// use customer_value::retention::{ConstantRetention, RetentionModel};
///
/// let model = ConstantRetention::new(0.8)?;
/// let m: &dyn RetentionModel = &model;
/// assert!((m.survival(2) - 0.64).abs() < 1e-12);
/// assert!((m.retention_rate(2) - 0.8).abs() < 1e-12);
/// assert!((m.churn_rate(2) - 0.2).abs() < 1e-12);
/// # Ok::<(), customer_value::Error>(())
/// ```
pub trait RetentionModel: std::fmt::Debug {
    /// S(t): the probability of still being a customer after `t` periods.
    fn survival(&self, t: u32) -> f64;

    /// The retention rate of period `t`, r(t) = S(t) / S(t − 1): the share of those alive
    /// at `t − 1` who are still alive at `t`. r(0) = 1; 0 once S(t − 1) is 0.
    fn retention_rate(&self, t: u32) -> f64 {
        if t == 0 {
            return 1.0;
        }
        let before = self.survival(t - 1);
        if before > 0.0 {
            self.survival(t) / before
        } else {
            0.0
        }
    }

    /// The churn rate of period `t`: 1 − r(t).
    fn churn_rate(&self, t: u32) -> f64 {
        1.0 - self.retention_rate(t)
    }

    /// S(0), …, S(`horizon`): `horizon + 1` values.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] if `horizon` exceeds [`MAX_CURVE_PERIODS`] (checked
    /// before allocating).
    fn survival_curve(&self, horizon: u32) -> Result<Vec<f64>> {
        check_curve_horizon(horizon)?;
        Ok((0..=horizon).map(|t| self.survival(t)).collect())
    }

    /// Expected number of periods alive within the first `horizon` periods, counting the
    /// current one: Σ_{t=0}^{horizon−1} S(t). For constant retention r and a long horizon
    /// this tends to 1 / (1 − r), the seed's "lifetime = 1 / churn".
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] if `horizon` exceeds [`MAX_CURVE_PERIODS`] (a work
    /// cap: the sum reads S(t) once per period).
    fn expected_lifetime_within(&self, horizon: u32) -> Result<f64> {
        check_curve_horizon(horizon)?;
        Ok((0..horizon).map(|t| self.survival(t)).sum())
    }
}

// Forward every method so a model's overrides (e.g. an exact retention rate) survive
// behind a reference or pointer.
macro_rules! forward_retention_model {
    ($($pointer:ty),+) => {$(
        impl<M: RetentionModel + ?Sized> RetentionModel for $pointer {
            fn survival(&self, t: u32) -> f64 {
                (**self).survival(t)
            }
            fn retention_rate(&self, t: u32) -> f64 {
                (**self).retention_rate(t)
            }
            fn churn_rate(&self, t: u32) -> f64 {
                (**self).churn_rate(t)
            }
            fn survival_curve(&self, horizon: u32) -> Result<Vec<f64>> {
                (**self).survival_curve(horizon)
            }
            fn expected_lifetime_within(&self, horizon: u32) -> Result<f64> {
                (**self).expected_lifetime_within(horizon)
            }
        }
    )+};
}

forward_retention_model!(&M, Box<M>, std::sync::Arc<M>);

/// Tolerance of the conformance checks, for survival computed in floating point
/// (e.g. `1 − x` of a CDF): 1e-12.
///
/// # Examples
///
/// ```
/// use customer_value::retention::{CONFORMANCE_TOLERANCE, RetentionModel, check_retention_model};
///
/// // A survival that rises by less than the tolerance (rounding) still conforms.
/// #[derive(Debug)]
/// struct Wobbly;
/// impl RetentionModel for Wobbly {
///     fn survival(&self, t: u32) -> f64 {
///         if t == 2 { 0.5 + CONFORMANCE_TOLERANCE / 2.0 } else { 1.0 / f64::from(t + 1).max(1.0) }
///     }
/// }
/// assert!(check_retention_model(&Wobbly, 10).is_ok());
/// ```
pub const CONFORMANCE_TOLERANCE: f64 = 1e-12;

/// Checks that `model` keeps the [`RetentionModel`] contract for t = 0, …, `horizon`:
/// S(0) = 1, every S(t) finite and in [0, 1], S non-increasing (each within
/// [`CONFORMANCE_TOLERANCE`]).
///
/// Run it on your own implementations in tests; the crate runs it on its own.
///
/// # Errors
///
/// [`Error::InvalidParameter`] naming the first period that breaks the contract, or for
/// a `horizon` above [`MAX_CURVE_PERIODS`].
///
/// # Examples
///
/// ```
/// use customer_value::retention::{check_retention_model, RetentionModel};
///
/// #[derive(Debug)]
/// struct Broken;
/// impl RetentionModel for Broken {
///     fn survival(&self, t: u32) -> f64 { if t == 3 { 0.9 } else { 0.5_f64.powi(t as i32) } }
/// }
/// assert!(check_retention_model(&Broken, 2).is_ok());
/// assert!(check_retention_model(&Broken, 5).is_err()); // S(3) > S(2)
/// ```
pub fn check_retention_model(model: &dyn RetentionModel, horizon: u32) -> Result<()> {
    check_curve_horizon(horizon)?;
    let s0 = model.survival(0);
    if !s0.is_finite() || (s0 - 1.0).abs() > CONFORMANCE_TOLERANCE {
        return Err(Error::param("S(0)", s0, "survival at period 0 must be 1"));
    }
    let mut previous = s0;
    for t in 1..=horizon {
        let s = model.survival(t);
        if !s.is_finite() || !(-CONFORMANCE_TOLERANCE..=1.0 + CONFORMANCE_TOLERANCE).contains(&s) {
            return Err(Error::param(
                "S(t)",
                format_args!("S({t}) = {s}"),
                "survival must be finite and in [0, 1]",
            ));
        }
        if s > previous + CONFORMANCE_TOLERANCE {
            return Err(Error::param(
                "S(t)",
                format_args!("S({t}) = {s} > S({}) = {previous}", t - 1),
                "survival must be non-increasing",
            ));
        }
        previous = s;
    }
    Ok(())
}

/// Validates a rate in [0, 1] (retention or churn) for constructors.
pub(crate) fn check_probability(name: &'static str, value: f64) -> Result<f64> {
    if value.is_finite() && (0.0..=1.0).contains(&value) {
        Ok(value)
    } else {
        Err(Error::param(
            name,
            value,
            "must be a finite probability in [0, 1]",
        ))
    }
}

//! Intervals on predictions from a maximum-likelihood fit: the delta method, parameter
//! sampling from the fit's normal approximation on the log scale, and the customer
//! bootstrap.
//!
//! All three take the same [`IntervalLevel`] and a [`Prediction`] (a vector of numbers that
//! a model yields: P(alive) per customer, expected purchases, DERT, spend, CLV, E\[X(t)\]
//! over a grid, a tracking curve) and return the same [`Intervals`] (point, lower, upper
//! per output, expanded to one row per customer where the prediction is per customer).
//!
//! | method | function | cost | what it captures |
//! |---|---|---|---|
//! | delta | [`delta_intervals`] | 2k + 1 evaluations | first-order parameter uncertainty, symmetric on the prediction's [`Scale`] |
//! | sampling | [`sampling_intervals`] | one evaluation per draw | θ ~ N(θ̂, H⁻¹) on ln θ (CLVTools' planned method), non-linear predictions |
//! | bootstrap | [`bootstrap_intervals`] | one refit per replicate | resampled customers refitted with the same options (CLVTools' `uncertainty = "boots"`) |
//!
//! Per-customer predictions are evaluated once per distinct `(x, t_x, T)` (and mean spend)
//! through [`CustomerRows`], so a million customers cost what their distinct rows cost.
//! Purchase and spend models are sampled jointly as a pair `(purchase, spend)`
//! ([`Parametric`] is implemented for pairs; [`LogCovariance::joint`] stacks the two fits'
//! covariances, which are independent because the two likelihoods share no parameter).
//!
//! This module owns the interval machinery; it does not fit (it calls the models' own fits
//! and reads their likelihoods) and does not change any point prediction.
//!
//! # Examples
//!
//! ```
//! use customer_value::btyd::uncertainty::{
//!     CustomerRows, IntervalLevel, LogCovariance, ProbabilityAlive, delta_intervals, sampling_intervals,
//! };
//! use customer_value::btyd::{BgNbd, FitOptions, WeightedSummaries};
//!
//! let (x, tx, t) = (
//!     [0.0, 1.0, 3.0, 0.0, 2.0, 5.0, 1.0, 0.0, 4.0, 2.0],
//!     [0.0, 10.0, 30.0, 0.0, 12.0, 35.0, 2.0, 0.0, 20.0, 38.0],
//!     [40.0, 40.0, 40.0, 38.0, 39.0, 40.0, 41.0, 37.0, 40.0, 39.0],
//! );
//! let data = WeightedSummaries::from_rows(&x, &tx, &t)?;
//! // Ten customers: a small penalty keeps the estimate off the boundary.
//! let options = FitOptions::default().with_penalty(0.01)?;
//! let fit = BgNbd::fit(&data, &options)?;
//! let cov = LogCovariance::of_fit(&fit, &data, &options)?;
//! let rows = CustomerRows::new(&x, &tx, &t)?;
//! let level = IntervalLevel::new(0.9)?;
//! let by_delta = delta_intervals(&fit.model, &cov, &ProbabilityAlive::new(&rows), level)?;
//! let by_draws = sampling_intervals(&fit.model, &cov, &ProbabilityAlive::new(&rows), level, 200, 7)?;
//! for out in [&by_delta, &by_draws] {
//!     assert_eq!(out.point.len(), 10);
//!     assert!(out.lower.iter().zip(&out.upper).all(|(l, u)| l <= u));
//! }
//! # Ok::<(), customer_value::Error>(())
//! ```

mod bootstrap;
mod covariance;
mod delta;
mod engine;
pub(crate) mod parametric;
mod predictions;
mod sampling;
mod sbg;

pub use bootstrap::{BootstrapSample, CustomerData, bootstrap_intervals};
pub use covariance::LogCovariance;
pub use delta::{delta_intervals, log_gradient};
pub use parametric::{Estimable, LogLikelihood, Parametric};
pub use predictions::{
    Clv, CustomerRows, Dert, ExpectedPurchases, ExpectedPurchasesNew, ExpectedSpend, Prediction,
    ProbabilityAlive, ProbabilityAliveAt, Scale, TrackingCurve,
};
pub use sampling::{sample_parameters, sampling_intervals};
pub use sbg::SbgCohort;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The central probability of an interval, strictly between 0 and 1 (0.9 gives the 5 %
/// and 95 % quantiles).
///
/// # Examples
///
/// ```
/// use customer_value::btyd::uncertainty::IntervalLevel;
///
/// let level = IntervalLevel::new(0.9)?;
/// assert!((level.lower_quantile() - 0.05).abs() < 1e-12);
/// assert!(IntervalLevel::new(1.0).is_err());
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct IntervalLevel(f64);

impl IntervalLevel {
    /// A level in `(0, 1)`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] unless `0 < level < 1`.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::uncertainty::IntervalLevel;
    ///
    /// assert_eq!(IntervalLevel::new(0.9)?.value(), 0.9);
    /// assert!(IntervalLevel::new(1.0).is_err());
    /// assert!(IntervalLevel::new(0.0).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn new(level: f64) -> Result<Self> {
        if level > 0.0 && level < 1.0 {
            Ok(IntervalLevel(level))
        } else {
            Err(Error::param("level", level, "must be strictly between 0 and 1"))
        }
    }

    /// The level.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::uncertainty::IntervalLevel;
    ///
    /// assert_eq!(IntervalLevel::new(0.95)?.value(), 0.95);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn value(self) -> f64 {
        self.0
    }

    /// `(1 − level) / 2`.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::uncertainty::IntervalLevel;
    ///
    /// assert!((IntervalLevel::new(0.9)?.lower_quantile() - 0.05).abs() < 1e-15);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn lower_quantile(self) -> f64 {
        0.5 * (1.0 - self.0)
    }

    /// `(1 + level) / 2`.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::uncertainty::IntervalLevel;
    ///
    /// assert!((IntervalLevel::new(0.9)?.upper_quantile() - 0.95).abs() < 1e-15);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn upper_quantile(self) -> f64 {
        0.5 * (1.0 + self.0)
    }

    /// The standard normal quantile `z` with `P(|Z| ≤ z) = level`.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::uncertainty::IntervalLevel;
    ///
    /// // The familiar 1.96 of a 95 % interval.
    /// assert!((IntervalLevel::new(0.95)?.z() - 1.959964).abs() < 1e-6);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn z(self) -> f64 {
        std::f64::consts::SQRT_2 * statrs::function::erf::erf_inv(self.0)
    }
}

impl TryFrom<f64> for IntervalLevel {
    type Error = Error;
    fn try_from(v: f64) -> Result<Self> {
        IntervalLevel::new(v)
    }
}

impl From<IntervalLevel> for f64 {
    fn from(l: IntervalLevel) -> f64 {
        l.0
    }
}

/// How an interval was computed.
///
/// # Examples
///
/// ```
/// use customer_value::btyd::uncertainty::IntervalMethod;
///
/// assert_eq!("bootstrap".parse::<IntervalMethod>()?, IntervalMethod::Bootstrap);
/// assert!("jackknife".parse::<IntervalMethod>().is_err());
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum IntervalMethod {
    /// [`delta_intervals`].
    Delta,
    /// [`sampling_intervals`].
    Sampling,
    /// [`bootstrap_intervals`].
    Bootstrap,
}

impl std::str::FromStr for IntervalMethod {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "delta" => Ok(IntervalMethod::Delta),
            "sampling" => Ok(IntervalMethod::Sampling),
            "bootstrap" => Ok(IntervalMethod::Bootstrap),
            other => Err(Error::param(
                "interval method",
                other,
                "must be delta, sampling or bootstrap",
            )),
        }
    }
}

/// Intervals on a prediction: the point prediction of the fitted model and the lower and
/// upper bounds at `level`, one entry per output (per customer for per-customer
/// predictions, in the caller's customer order).
///
/// For sampling and the bootstrap the bounds are percentiles of the draws (linear
/// interpolation between order statistics); for the delta method they are
/// `point ± z·sd` on the prediction's [`Scale`], mapped back.
///
/// # Examples
///
/// ```
/// use customer_value::btyd::uncertainty::{
///     CustomerRows, IntervalLevel, IntervalMethod, LogCovariance, ProbabilityAlive, delta_intervals,
/// };
/// use customer_value::btyd::{BgNbd, FitOptions, WeightedSummaries};
///
/// let (x, tx, t) = (
///     [0.0, 1.0, 3.0, 0.0, 2.0, 5.0, 1.0, 0.0, 4.0, 2.0],
///     [0.0, 10.0, 30.0, 0.0, 12.0, 35.0, 2.0, 0.0, 20.0, 38.0],
///     [40.0, 40.0, 40.0, 38.0, 39.0, 40.0, 41.0, 37.0, 40.0, 39.0],
/// );
/// let data = WeightedSummaries::from_rows(&x, &tx, &t)?;
/// let options = FitOptions::default().with_penalty(0.01)?;
/// let fit = BgNbd::fit(&data, &options)?;
/// let cov = LogCovariance::of_fit(&fit, &data, &options)?;
/// // One interval per customer, in the caller's order.
/// let rows = CustomerRows::new(&x, &tx, &t)?;
/// let iv = delta_intervals(&fit.model, &cov, &ProbabilityAlive::new(&rows), IntervalLevel::new(0.9)?)?;
/// assert_eq!((iv.point.len(), iv.method), (10, IntervalMethod::Delta));
/// // BG/NBD: a customer without repeat purchases is alive for sure (P(alive | x = 0) = 1).
/// assert_eq!((iv.point[0], iv.point[3]), (1.0, 1.0));
/// # Ok::<(), customer_value::Error>(())
/// ```
///
/// More in the [module docs](self).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Intervals {
    /// The level of the intervals.
    pub level: IntervalLevel,
    /// How they were computed.
    pub method: IntervalMethod,
    /// The fitted model's prediction.
    pub point: Vec<f64>,
    /// Lower bounds.
    pub lower: Vec<f64>,
    /// Upper bounds.
    pub upper: Vec<f64>,
    /// Parameter draws (sampling) or replicates (bootstrap) asked for; 0 for the delta
    /// method.
    pub draws: usize,
    /// Draws or replicates left out because the model could not be built or refitted
    /// there, or a prediction failed (counted once per draw and block of outputs; the
    /// intervals use the rest).
    pub excluded: usize,
}

//! Constant retention: every period the same share `r` of customers stays, S(t) = rᵗ.
//!
//! The textbook model behind the closed-form CLV of Gupta & Lehmann (2003) and the seed's
//! "lifetime = 1 / churn". Fader & Hardie (2007) show it projects too few long-run
//! survivors when customers differ; use it for quick what-ifs, not forecasts.

use serde::{Deserialize, Serialize};

use super::{RetentionModel, check_probability};
use crate::error::{Error, Result};

/// Survival S(t) = rᵗ for a constant retention rate `r`.
///
/// # Examples
///
/// ```
/// use customer_value::retention::{ConstantRetention, RetentionModel};
///
/// let m = ConstantRetention::new(0.8)?;
/// assert!((m.survival(5) - 0.327_68).abs() < 1e-12);
/// assert!((m.expected_lifetime()? - 5.0).abs() < 1e-12);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ConstantRetention {
    rate: f64,
}

impl ConstantRetention {
    /// A model with retention rate `rate` per period.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] unless `rate` is finite and in [0, 1].
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::retention::{ConstantRetention, RetentionModel};
    ///
    /// let m = ConstantRetention::new(0.9)?;
    /// assert_eq!(m.retention_rate(0), 1.0); // S(0) = 1: everyone is here at the start
    /// assert!((m.retention_rate(3) - 0.9).abs() < 1e-12);
    /// assert!(ConstantRetention::new(1.2).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn new(rate: f64) -> Result<Self> {
        Ok(ConstantRetention {
            rate: check_probability("rate", rate)?,
        })
    }

    /// The model whose churn rate per period is `churn` (retention 1 − churn).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] unless `churn` is finite and in [0, 1].
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::retention::{ConstantRetention, RetentionModel};
    ///
    /// // 20 % churn a period: 80 % retention, S(2) = 0.8² = 0.64.
    /// let m = ConstantRetention::from_churn(0.2)?;
    /// assert!((m.rate() - 0.8).abs() < 1e-12);
    /// assert!((m.survival(2) - 0.64).abs() < 1e-12);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn from_churn(churn: f64) -> Result<Self> {
        Self::new(1.0 - check_probability("churn", churn)?)
    }

    /// The retention rate r.
    #[must_use]
    pub fn rate(&self) -> f64 {
        self.rate
    }

    /// Expected lifetime in periods, counting the current one: 1 / (1 − r)
    /// (see [`expected_lifetime`]).
    ///
    /// # Errors
    ///
    /// [`Error::Undefined`] when r = 1 (nobody ever leaves).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::retention::ConstantRetention;
    ///
    /// // Retention 90 %: 1 / (1 − 0.9) = 10 periods.
    /// assert!((ConstantRetention::new(0.9)?.expected_lifetime()? - 10.0).abs() < 1e-9);
    /// assert!(ConstantRetention::new(1.0)?.expected_lifetime().is_err()); // nobody leaves
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn expected_lifetime(&self) -> Result<f64> {
        expected_lifetime(1.0 - self.rate)
    }
}

impl RetentionModel for ConstantRetention {
    fn survival(&self, t: u32) -> f64 {
        // powi takes i32; beyond that range survival has long underflowed to 0 (or stays 1).
        match i32::try_from(t) {
            Ok(t) => self.rate.powi(t),
            Err(_) if self.rate >= 1.0 => 1.0,
            Err(_) => 0.0,
        }
    }

    fn retention_rate(&self, t: u32) -> f64 {
        if t == 0 { 1.0 } else { self.rate }
    }
}

/// Expected customer lifetime in periods for a constant churn rate, counting the current
/// period: 1 / churn = Σ_{t≥0} (1 − churn)ᵗ.
///
/// The analytical-CRM brief: 20 % churn a year → 5 years; retention 80 % → 90 % doubles it to 10.
///
/// # Errors
///
/// [`Error::InvalidParameter`] unless `churn` is in [0, 1]; [`Error::Undefined`] for
/// churn 0 (infinite lifetime); [`Error::Overflow`] for a churn so small (below about
/// 5.6e-309, subnormal) that 1 / churn is not a finite `f64`.
///
/// # Examples
///
/// ```
/// use customer_value::retention::expected_lifetime;
///
/// assert!((expected_lifetime(0.2)? - 5.0).abs() < 1e-12);
/// assert!((expected_lifetime(0.1)? - 10.0).abs() < 1e-12);
/// assert!(expected_lifetime(0.0).is_err());
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn expected_lifetime(churn: f64) -> Result<f64> {
    let churn = check_probability("churn", churn)?;
    if churn > 0.0 {
        let lifetime = 1.0 / churn;
        if lifetime.is_finite() {
            Ok(lifetime)
        } else {
            Err(Error::Overflow {
                op: "expected lifetime 1 / churn",
            })
        }
    } else {
        Err(Error::Undefined {
            what: "expected lifetime",
            reason: "churn is 0: customers never leave".into(),
        })
    }
}

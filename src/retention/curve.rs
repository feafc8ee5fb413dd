//! A retention curve: one retention rate per period, S(t) = r₁·r₂·…·rₜ.
//!
//! The shape a cohort report gives ("of those still here after year 1, 62 % renewed…"),
//! and the way to say that retention improves with tenure without fitting a model.

use serde::{Deserialize, Serialize};

use super::{RetentionModel, check_probability};
use crate::error::{Error, Result};

/// Per-period retention rates r₁, …, rₙ; beyond period n the last rate repeats.
///
/// Survival is precomputed at construction, so S(t) is a lookup.
///
/// # Examples
///
/// ```
/// use customer_value::retention::{RetentionCurve, RetentionModel};
///
/// let curve = RetentionCurve::new(vec![0.6, 0.8, 0.9])?;
/// assert!((curve.survival(2) - 0.48).abs() < 1e-12);
/// assert!((curve.survival(4) - 0.6 * 0.8 * 0.9 * 0.9).abs() < 1e-12);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RetentionCurve {
    rates: Vec<f64>,
    survival: Vec<f64>,
}

impl RetentionCurve {
    /// A curve from the retention rates of periods 1, 2, …, n.
    ///
    /// # Errors
    ///
    /// [`Error::EmptyInput`] for no rates; [`Error::InvalidParameter`] for a rate outside
    /// [0, 1] or not finite.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::retention::{RetentionCurve, RetentionModel};
    ///
    /// // 60 % renew after year 1, 80 % of those after year 2; the last rate repeats.
    /// let curve = RetentionCurve::new(vec![0.6, 0.8])?;
    /// assert!((curve.retention_rate(5) - 0.8).abs() < 1e-12);
    /// assert!(RetentionCurve::new(vec![]).is_err());
    /// assert!(RetentionCurve::new(vec![0.5, 1.5]).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn new(rates: Vec<f64>) -> Result<Self> {
        if rates.is_empty() {
            return Err(Error::EmptyInput {
                what: "retention rates",
            });
        }
        let mut survival = Vec::with_capacity(rates.len() + 1);
        let mut s = 1.0;
        survival.push(s);
        for &r in &rates {
            s *= check_probability("rates", r)?;
            survival.push(s);
        }
        Ok(RetentionCurve { rates, survival })
    }

    /// The rates as given.
    #[must_use]
    pub fn rates(&self) -> &[f64] {
        &self.rates
    }
}

impl RetentionModel for RetentionCurve {
    fn survival(&self, t: u32) -> f64 {
        let t = t as usize;
        if let Some(&s) = self.survival.get(t) {
            return s;
        }
        let (last_s, last_r) = match (self.survival.last(), self.rates.last()) {
            (Some(&s), Some(&r)) => (s, r),
            _ => return 0.0,
        };
        let extra = t - (self.survival.len() - 1);
        last_s * last_r.powi(i32::try_from(extra).unwrap_or(i32::MAX))
    }
}

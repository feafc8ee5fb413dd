//! An observed survival curve: the share of a cohort still active after each period.
//!
//! Built from counts (e.g. 1,000 customers, then 631, 468, … still active) or from shares.
//! It does not extrapolate: beyond the last observed period S(t) = 0, so a valuation over a
//! longer horizon counts only what was observed. Project with a fitted model instead (the
//! shifted-beta-geometric of Fader & Hardie 2007 in the churn module).

use serde::{Deserialize, Serialize};

use super::{CONFORMANCE_TOLERANCE, RetentionModel, check_probability};
use crate::error::{Error, Result};

/// Observed survival S(0) = 1, S(1), …, S(n); S(t) = 0 for t > n.
///
/// # Examples
///
/// ```
/// use customer_value::retention::{EmpiricalSurvival, RetentionModel};
///
/// // Fader & Hardie (2007), "regular" segment, years 0–3.
/// let s = EmpiricalSurvival::from_counts(&[1000, 631, 468, 382])?;
/// assert!((s.survival(1) - 0.631).abs() < 1e-12);
/// assert!((s.retention_rate(2) - 468.0 / 631.0).abs() < 1e-12);
/// assert!(s.survival(4).abs() < 1e-12); // not observed
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmpiricalSurvival {
    survival: Vec<f64>,
}

impl EmpiricalSurvival {
    /// A curve from survival shares S(0), …, S(n).
    ///
    /// # Errors
    ///
    /// [`Error::EmptyInput`] if empty; [`Error::InvalidParameter`] if S(0) ≠ 1, a share is
    /// outside [0, 1], or the shares increase.
    ///
    /// S(0) within [`CONFORMANCE_TOLERANCE`] of 1 is stored as exactly 1, and a share that
    /// exceeds the one before it by no more than the tolerance is stored as that earlier
    /// share, so the curve is exactly non-increasing and every retention rate
    /// S(t) / S(t − 1) is in [0, 1].
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::retention::{EmpiricalSurvival, RetentionModel};
    ///
    /// // Fader & Hardie (2007), "high end" segment, years 0–3, as shares.
    /// let s = EmpiricalSurvival::new(vec![1.0, 0.869, 0.743, 0.653])?;
    /// assert!((s.retention_rate(1) - 0.869).abs() < 1e-12);
    /// assert!(EmpiricalSurvival::new(vec![0.9, 0.8]).is_err()); // S(0) must be 1
    /// assert!(EmpiricalSurvival::new(vec![1.0, 0.5, 0.6]).is_err()); // survival cannot rise
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn new(mut survival: Vec<f64>) -> Result<Self> {
        let first = *survival.first().ok_or(Error::EmptyInput {
            what: "survival curve",
        })?;
        if (first - 1.0).abs() > CONFORMANCE_TOLERANCE {
            return Err(Error::param("survival", first, "S(0) must be 1"));
        }
        if let Some(s0) = survival.first_mut() {
            *s0 = 1.0;
        }
        let mut previous = 1.0;
        for s in &mut survival {
            check_probability("survival", *s)?;
            if *s > previous + CONFORMANCE_TOLERANCE {
                return Err(Error::param("survival", *s, "survival must be non-increasing"));
            }
            *s = s.min(previous);
            previous = *s;
        }
        Ok(EmpiricalSurvival { survival })
    }

    /// A curve from the number of cohort members still active at periods 0, 1, …, n.
    ///
    /// # Errors
    ///
    /// [`Error::EmptyInput`] if empty; [`Error::InvalidParameter`] if the cohort is 0 or
    /// a count exceeds the one before it.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::retention::{EmpiricalSurvival, RetentionModel};
    ///
    /// // Fader & Hardie (2007), "regular" segment: 1,000 customers, 631 renew, then 468.
    /// let s = EmpiricalSurvival::from_counts(&[1000, 631, 468])?;
    /// assert!((s.survival(2) - 0.468).abs() < 1e-12);
    /// assert!(EmpiricalSurvival::from_counts(&[0, 0]).is_err());
    /// assert!(EmpiricalSurvival::from_counts(&[100, 120]).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn from_counts(active: &[u64]) -> Result<Self> {
        let &cohort = active.first().ok_or(Error::EmptyInput {
            what: "active counts",
        })?;
        if cohort == 0 {
            return Err(Error::param(
                "active",
                0,
                "the cohort at period 0 must not be empty",
            ));
        }
        let mut previous = cohort;
        for &n in active {
            if n > previous {
                return Err(Error::param("active", n, "active counts must be non-increasing"));
            }
            previous = n;
        }
        // u64 → f64 is exact below 2^53 customers; the ratio is correctly rounded.
        let survival = active.iter().map(|&n| n as f64 / cohort as f64).collect();
        Ok(EmpiricalSurvival { survival })
    }

    /// The observed horizon n (the last period with data).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::retention::EmpiricalSurvival;
    ///
    /// assert_eq!(EmpiricalSurvival::from_counts(&[1000, 631, 468, 382])?.horizon(), 3);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn horizon(&self) -> u32 {
        u32::try_from(self.survival.len().saturating_sub(1)).unwrap_or(u32::MAX)
    }
}

impl RetentionModel for EmpiricalSurvival {
    fn survival(&self, t: u32) -> f64 {
        self.survival.get(t as usize).copied().unwrap_or(0.0)
    }

    /// S(t) / S(t − 1), clamped to [0, 1] (the stored curve is non-increasing, so the
    /// clamp only absorbs the rounding of the division).
    fn retention_rate(&self, t: u32) -> f64 {
        if t == 0 {
            return 1.0;
        }
        let before = self.survival(t - 1);
        if before > 0.0 {
            (self.survival(t) / before).clamp(0.0, 1.0)
        } else {
            0.0
        }
    }
}

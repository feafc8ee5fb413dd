//! Converting churn between period lengths, and churn to expected lifetime.
//!
//! A 5 % monthly churn is not 60 % a year: the customers who would churn in month 2 are
//! fewer, because some already left in month 1. Under a constant rate, survival
//! compounds: annual churn = 1 − (1 − monthly)¹² = 45.964 %. Expected lifetime is
//! 1 / churn *counting the current period* (a customer acquired now is a customer for
//! this period, then each later one with probability (1 − churn)ᵗ), or (1 − churn) /
//! churn further periods after the current one. [`CurrentPeriod`] makes the choice
//! explicit; [`expected_lifetime`](crate::retention::expected_lifetime) is the counting
//! form.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::retention::{check_probability, expected_lifetime};

/// Converts a constant churn rate of one period length to another:
/// 1 − (1 − churn)^(`periods`), where `periods` is the new length in old periods
/// (12 for monthly → yearly, 1/12 for yearly → monthly).
///
/// # Errors
///
/// [`Error::InvalidParameter`] unless `churn` is in [0, 1] and `periods` is finite and
/// positive.
///
/// # Examples
///
/// ```
/// use customer_value::churn::convert_churn;
///
/// let yearly = convert_churn(0.05, 12.0)?;
/// assert!((yearly - 0.459_640).abs() < 1e-6); // not 0.60
/// assert!((convert_churn(yearly, 1.0 / 12.0)? - 0.05).abs() < 1e-12);
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn convert_churn(churn: f64, periods: f64) -> Result<f64> {
    let churn = check_probability("churn", churn)?;
    if !(periods.is_finite() && periods > 0.0) {
        return Err(Error::param(
            "periods",
            periods,
            "the new period length, in old periods, is finite and positive",
        ));
    }
    // −expm1(p·ln(1 − c)) keeps small rates accurate (1 − (1 − c)^p cancels).
    Ok(-(periods * (-churn).ln_1p()).exp_m1())
}

/// Whether a lifetime counts the period the customer is in now.
///
/// # Examples
///
/// ```
/// use customer_value::churn::{lifetime, CurrentPeriod};
///
/// // 25 % churn a year: 4 years counting this one, 3 more after it.
/// assert!((lifetime(0.25, CurrentPeriod::Counted)? - 4.0).abs() < 1e-12);
/// assert!((lifetime(0.25, CurrentPeriod::Excluded)? - 3.0).abs() < 1e-12);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CurrentPeriod {
    /// Count it: lifetime = 1 / churn (the analytical-CRM brief's "20 % churn → 5 years").
    Counted,
    /// Count only the periods after it: lifetime = (1 − churn) / churn.
    Excluded,
}

/// Expected lifetime in periods under a constant churn rate, with the current period
/// counted or not.
///
/// # Errors
///
/// [`Error::InvalidParameter`] unless `churn` is in [0, 1]; [`Error::Undefined`] for
/// churn 0 (infinite lifetime); [`Error::Overflow`] for a subnormal churn whose
/// 1 / churn is not finite.
///
/// # Examples
///
/// ```
/// use customer_value::churn::{lifetime, CurrentPeriod};
///
/// assert!((lifetime(0.2, CurrentPeriod::Counted)? - 5.0).abs() < 1e-12);
/// assert!((lifetime(0.2, CurrentPeriod::Excluded)? - 4.0).abs() < 1e-12);
/// assert!((lifetime(0.05, CurrentPeriod::Counted)? - 20.0).abs() < 1e-12);
/// assert!(lifetime(0.0, CurrentPeriod::Counted).is_err());
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn lifetime(churn: f64, current: CurrentPeriod) -> Result<f64> {
    let counted = expected_lifetime(churn)?;
    Ok(match current {
        CurrentPeriod::Counted => counted,
        CurrentPeriod::Excluded => counted - 1.0,
    })
}

/// Expected lifetime from a constant *retention* rate: 1 / (1 − retention) with the
/// current period counted (the analytical-CRM brief: 90 % retention → 10 years).
///
/// # Errors
///
/// As [`lifetime`].
///
/// # Examples
///
/// ```
/// use customer_value::churn::{lifetime_from_retention, CurrentPeriod};
///
/// assert!((lifetime_from_retention(0.9, CurrentPeriod::Counted)? - 10.0).abs() < 1e-9);
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn lifetime_from_retention(retention: f64, current: CurrentPeriod) -> Result<f64> {
    lifetime(1.0 - check_probability("retention", retention)?, current)
}

//! The profitability brief's simple CLV: average purchase value × purchases per period × retention time.

use rust_decimal::Decimal;

use super::checked;
use crate::error::{Error, Result};

/// CLV = average purchase value × purchases per period × retention time (in periods),
/// undiscounted and gross of costs — a revenue lifetime value.
///
/// # Errors
///
/// [`Error::InvalidParameter`] if the frequency or the retention time is negative;
/// [`Error::Overflow`].
///
/// # Examples
///
/// ```
/// use customer_value::clv::simple_clv;
/// use rust_decimal::Decimal;
///
/// // The profitability brief, customer A: 3 purchases a year of 4,000,000 toman, one year.
/// let a = simple_clv(Decimal::from(4_000_000), Decimal::from(3), Decimal::ONE)?;
/// assert_eq!(a, Decimal::from(12_000_000));
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn simple_clv(
    average_purchase_value: Decimal,
    purchases_per_period: Decimal,
    retention_periods: Decimal,
) -> Result<Decimal> {
    if purchases_per_period.is_sign_negative() && !purchases_per_period.is_zero() {
        return Err(Error::param(
            "purchases_per_period",
            purchases_per_period,
            "must be >= 0",
        ));
    }
    if retention_periods.is_sign_negative() && !retention_periods.is_zero() {
        return Err(Error::param(
            "retention_periods",
            retention_periods,
            "must be >= 0",
        ));
    }
    let per_period = checked::mul(average_purchase_value, purchases_per_period, "simple CLV")?;
    checked::mul(per_period, retention_periods, "simple CLV")
}

/// [`simple_clv`] minus the customer acquisition cost (the profitability brief's optional form).
///
/// # Errors
///
/// As [`simple_clv`].
///
/// # Examples
///
/// ```
/// use customer_value::clv::simple_clv_net_of_cac;
/// use rust_decimal::Decimal;
///
/// let v = simple_clv_net_of_cac(Decimal::from(50), Decimal::from(4), Decimal::from(3), Decimal::from(120))?;
/// assert_eq!(v, Decimal::from(480)); // 50 × 4 × 3 − 120
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn simple_clv_net_of_cac(
    average_purchase_value: Decimal,
    purchases_per_period: Decimal,
    retention_periods: Decimal,
    acquisition_cost: Decimal,
) -> Result<Decimal> {
    let gross = simple_clv(average_purchase_value, purchases_per_period, retention_periods)?;
    checked::sub(gross, acquisition_cost, "simple CLV net of CAC")
}

//! How much acquiring a customer may cost, and how long it takes to earn it back.

use rust_decimal::Decimal;

use crate::clv::checked;
use crate::error::{Error, Result};

/// CAC payback in periods = CAC / (revenue per period × gross margin). Unrounded
/// (fractional periods).
///
/// # Errors
///
/// [`Error::InvalidParameter`] for a gross margin outside (0, 1] or a non-positive
/// revenue per period (the CAC is never paid back); [`Error::Overflow`].
///
/// # Examples
///
/// ```
/// use customer_value::profitability::cac_payback_periods;
/// use rust_decimal::Decimal;
///
/// // CAC 1,200; 100 a month at an 80 % gross margin → 15 months.
/// let p = cac_payback_periods(Decimal::from(1_200), Decimal::from(100), Decimal::new(80, 2))?;
/// assert_eq!(p, Decimal::from(15));
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn cac_payback_periods(
    cac: Decimal,
    revenue_per_period: Decimal,
    gross_margin: Decimal,
) -> Result<Decimal> {
    if gross_margin <= Decimal::ZERO || gross_margin > Decimal::ONE {
        return Err(Error::param("gross_margin", gross_margin, "must be in (0, 1]"));
    }
    if revenue_per_period <= Decimal::ZERO {
        return Err(Error::param(
            "revenue_per_period",
            revenue_per_period,
            "must be > 0 to pay back",
        ));
    }
    let margin = checked::mul(revenue_per_period, gross_margin, "CAC payback")?;
    checked::div(cac, margin, "CAC payback")
}

/// Break-even (maximum allowable) acquisition cost of one customer: their value before
/// acquisition (e.g. [`NpvBreakdown::value_before_acquisition`](crate::clv::NpvBreakdown::value_before_acquisition)).
/// Spending more destroys value; a negative value means no acquisition spend pays.
///
/// # Examples
///
/// ```
/// use customer_value::profitability::break_even_cac;
/// use rust_decimal::Decimal;
///
/// assert_eq!(break_even_cac(Decimal::new(21241, 2)), Decimal::new(21241, 2));
/// ```
#[must_use]
pub fn break_even_cac(value_before_acquisition: Decimal) -> Decimal {
    value_before_acquisition
}

/// Break-even acquisition cost of a segment: the mean value before acquisition of its
/// customers (what the average newcomer is worth).
///
/// # Errors
///
/// [`Error::EmptyInput`] for no customers; [`Error::Overflow`].
///
/// # Examples
///
/// ```
/// use customer_value::profitability::segment_break_even_cac;
/// use rust_decimal::Decimal;
///
/// let v = [Decimal::from(300), Decimal::from(100), Decimal::from(-40)];
/// assert_eq!(segment_break_even_cac(&v)?, Decimal::from(120));
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn segment_break_even_cac(values_before_acquisition: &[Decimal]) -> Result<Decimal> {
    if values_before_acquisition.is_empty() {
        return Err(Error::EmptyInput {
            what: "segment values",
        });
    }
    let total = checked::sum(values_before_acquisition.iter().copied(), "segment value")?;
    checked::div(
        total,
        Decimal::from(values_before_acquisition.len()),
        "segment break-even CAC",
    )
}

/// The largest CAC that keeps CLV:CAC at `target_ratio` (e.g. 3 for 3:1) = CLV / ratio.
///
/// # Errors
///
/// [`Error::InvalidParameter`] for a ratio ≤ 0; [`Error::Overflow`].
///
/// # Examples
///
/// ```
/// use customer_value::profitability::cac_for_target_ratio;
/// use rust_decimal::Decimal;
///
/// assert_eq!(cac_for_target_ratio(Decimal::from(3_600), Decimal::from(3))?, Decimal::from(1_200));
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn cac_for_target_ratio(clv: Decimal, target_ratio: Decimal) -> Result<Decimal> {
    if target_ratio <= Decimal::ZERO {
        return Err(Error::param("target_ratio", target_ratio, "must be > 0"));
    }
    checked::div(clv, target_ratio, "CAC for target ratio")
}

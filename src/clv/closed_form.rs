//! Closed-form CLV for constant retention r and discount rate d (Gupta & Lehmann 2003).
//!
//! With q = r / (1 + d):
//!
//! | timing | infinite horizon | T periods |
//! |---|---|---|
//! | [`Timing::EndOfPeriod`] | m·r / (1 + d − r) | m·q·(1 − q^T) / (1 − q) |
//! | [`Timing::StartOfPeriod`] | m·(1 + d) / (1 + d − r) | m·(1 − q^T) / (1 − q) |
//!
//! The multiplier is computed in `f64` and enters money once, rounded half to even to
//! [`WEIGHT_DP`] places, exactly like [`DiscountWeights`](super::DiscountWeights).

use rust_decimal::Decimal;

use super::checked;
use super::weights::{Timing, WEIGHT_DP, check_discount};
use crate::error::{Error, Result};
use crate::money;
use crate::retention::check_probability;

/// The margin multiplier of the closed form: CLV = margin × multiplier. `horizon` `None`
/// is the infinite horizon.
///
/// # Errors
///
/// [`Error::InvalidParameter`] for a retention outside [0, 1] or a discount rate ≤ −1;
/// [`Error::Undefined`] for an infinite horizon with 1 + d − r ≤ 0 (the series diverges);
/// [`Error::Overflow`] if the multiplier is not a finite `f64` (a discount rate so close
/// to −1 that r / (1 + d) compounds past `f64::MAX` over the horizon). The multiplier is
/// computed in O(1) for every horizon.
///
/// # Examples
///
/// ```
/// use customer_value::clv::{closed_form_multiplier, Timing};
///
/// let m = closed_form_multiplier(0.8, 0.1, None, Timing::EndOfPeriod)?;
/// assert!((m - 8.0 / 3.0).abs() < 1e-12);
/// assert!(closed_form_multiplier(0.9, -0.2, None, Timing::EndOfPeriod).is_err());
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn closed_form_multiplier(
    retention: f64,
    discount: f64,
    horizon: Option<u32>,
    timing: Timing,
) -> Result<f64> {
    let r = check_probability("retention", retention)?;
    let d = check_discount(discount)?;
    let lead = match timing {
        Timing::EndOfPeriod => r,
        Timing::StartOfPeriod => 1.0 + d,
    };
    let gap = 1.0 + d - r;
    let Some(t) = horizon else {
        if gap <= 0.0 {
            return Err(Error::Undefined {
                what: "infinite-horizon CLV",
                reason: format!(
                    "1 + d - r = {gap} <= 0: discounted survival does not shrink, the sum diverges"
                ),
            });
        }
        return finite_multiplier(lead / gap);
    };
    let q = r / (1.0 + d);
    let first = match timing {
        Timing::EndOfPeriod => q,
        Timing::StartOfPeriod => 1.0,
    };
    // Near q = 1 the geometric formula loses all precision: (q^T − 1)/(q − 1) through
    // expm1/ln_1p instead (q − 1 is exact there), O(1) for any horizon.
    if (1.0 - q).abs() < 1e-9 {
        let h = q - 1.0;
        let series = if h == 0.0 {
            f64::from(t)
        } else {
            (f64::from(t) * h.ln_1p()).exp_m1() / h
        };
        return finite_multiplier(first * series);
    }
    let exponent = i32::try_from(t).unwrap_or(i32::MAX);
    finite_multiplier(first * (1.0 - q.powi(exponent)) / (1.0 - q))
}

/// Refuses a multiplier that is not finite.
fn finite_multiplier(m: f64) -> Result<f64> {
    if m.is_finite() {
        Ok(m)
    } else {
        Err(Error::Overflow {
            op: "closed-form CLV multiplier",
        })
    }
}

/// Infinite-horizon CLV of a constant margin `margin` per period with constant retention
/// and discount rate, the timing explicit. Unrounded (the weight has 12 decimals): round
/// for display with `round_dp`.
///
/// # Errors
///
/// As [`closed_form_multiplier`]; [`Error::Overflow`].
///
/// # Examples
///
/// ```
/// use customer_value::clv::{closed_form_clv, Timing};
/// use rust_decimal::Decimal;
///
/// // Gupta & Lehmann: margin 100, retention 0.8, discount 0.1.
/// let later = closed_form_clv(Decimal::from(100), 0.8, 0.1, Timing::EndOfPeriod)?;
/// let now = closed_form_clv(Decimal::from(100), 0.8, 0.1, Timing::StartOfPeriod)?;
/// assert_eq!(later.round_dp(2), Decimal::new(26667, 2));
/// assert_eq!(now.round_dp(2), Decimal::new(36667, 2));
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn closed_form_clv(margin: Decimal, retention: f64, discount: f64, timing: Timing) -> Result<Decimal> {
    let m = money::from_f64(
        closed_form_multiplier(retention, discount, None, timing)?,
        WEIGHT_DP,
    )?;
    checked::mul(margin, m, "closed-form CLV")
}

/// CLV of a constant margin over `horizon` periods with constant retention and discount
/// rate (no divergence: any d > −1 is allowed).
///
/// # Errors
///
/// As [`closed_form_multiplier`]; [`Error::Overflow`].
///
/// # Examples
///
/// ```
/// use customer_value::clv::{closed_form_clv_finite, Timing};
/// use rust_decimal::Decimal;
///
/// let v = closed_form_clv_finite(Decimal::from(100), 0.8, 0.1, 5, Timing::EndOfPeriod)?;
/// assert_eq!(v.round_dp(2), Decimal::new(21241, 2));
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn closed_form_clv_finite(
    margin: Decimal,
    retention: f64,
    discount: f64,
    horizon: u32,
    timing: Timing,
) -> Result<Decimal> {
    let m = money::from_f64(
        closed_form_multiplier(retention, discount, Some(horizon), timing)?,
        WEIGHT_DP,
    )?;
    checked::mul(margin, m, "closed-form CLV")
}

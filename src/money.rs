//! The one seam between money (`Decimal`) and statistics (`f64`).
//!
//! Money stays [`Decimal`] end to end: sums, margins and ledgers are exact. Statistical
//! models work in `f64`. Crossing between the two happens only through the functions in
//! this module, with these rules:
//!
//! * **Decimal → f64** ([`to_f64`]): the nearest `f64` (round-half-even on the binary
//!   mantissa, as `rust_decimal` converts). Exact for amounts with up to 15 significant
//!   digits, which covers any realistic currency amount.
//! * **f64 → Decimal** ([`from_f64`]): the value is rounded to `dp` decimal places with
//!   **banker's rounding** (round half to even, `RoundingStrategy::MidpointNearestEven`),
//!   the rule accountants use to avoid a systematic upward bias over many conversions.
//!   NaN and infinities are errors, never silently zero.

use rust_decimal::prelude::{FromPrimitive, ToPrimitive};
use rust_decimal::{Decimal, RoundingStrategy};

use crate::error::{Error, Result};

/// Decimal places used when the crate itself turns a model's `f64` money value into
/// [`Decimal`] and the caller did not choose: 2 (cents).
///
/// # Examples
///
/// ```
/// use customer_value::money::{DEFAULT_DP, from_f64};
/// use rust_decimal::Decimal;
///
/// assert_eq!(from_f64(12.3456, DEFAULT_DP)?, Decimal::new(1235, 2));
/// # Ok::<(), customer_value::Error>(())
/// ```
pub const DEFAULT_DP: u32 = 2;

/// The rounding rule of every f64 → Decimal conversion: half to even.
///
/// # Examples
///
/// ```
/// use customer_value::money::from_f64;
/// use rust_decimal::Decimal;
///
/// // Half to even: 0.125 → 0.12, 0.375 → 0.38 (both exact in binary).
/// assert_eq!(from_f64(0.125, 2)?, Decimal::new(12, 2));
/// assert_eq!(from_f64(0.375, 2)?, Decimal::new(38, 2));
/// # Ok::<(), customer_value::Error>(())
/// ```
pub const ROUNDING: RoundingStrategy = RoundingStrategy::MidpointNearestEven;

/// Converts money to `f64` for a statistical model (nearest representable value).
///
/// # Examples
///
/// ```
/// use customer_value::money;
/// use rust_decimal::Decimal;
///
/// assert_eq!(money::to_f64(Decimal::new(2235, 2)), 22.35);
/// ```
#[must_use]
pub fn to_f64(amount: Decimal) -> f64 {
    // `Decimal::to_f64` never fails for a finite Decimal; the fallback is unreachable but
    // keeps the function total without a panic path.
    amount.to_f64().unwrap_or(f64::NAN)
}

/// Converts a model's `f64` value to money, rounded to `dp` decimal places, half to even.
///
/// # Errors
///
/// [`Error::InvalidParameter`] if `value` is NaN or infinite, or does not fit a `Decimal`
/// (|value| ≥ 7.9e28), or `dp` > 28.
///
/// # Examples
///
/// ```
/// use customer_value::money;
/// use rust_decimal::Decimal;
///
/// assert_eq!(money::from_f64(266.666_666, 2)?, Decimal::new(26667, 2));
/// // Half to even: 0.125 → 0.12, 0.375 → 0.38 (both exact in binary).
/// assert_eq!(money::from_f64(0.125, 2)?, Decimal::new(12, 2));
/// assert_eq!(money::from_f64(0.375, 2)?, Decimal::new(38, 2));
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn from_f64(value: f64, dp: u32) -> Result<Decimal> {
    if !value.is_finite() {
        return Err(Error::param("value", value, "money must be a finite number"));
    }
    if dp > 28 {
        return Err(Error::param("dp", dp, "at most 28 decimal places"));
    }
    let d = Decimal::from_f64_retain(value)
        .or_else(|| Decimal::from_f64(value))
        .ok_or_else(|| Error::param("value", value, "outside the range of Decimal"))?;
    Ok(d.round_dp_with_strategy(dp, ROUNDING))
}

/// `a + b` exactly, or `None`: when the sum overflows, and when `Decimal` would round it
/// (an exact sum of two non-zero operands needs the larger of their scales; `checked_add`
/// silently drops decimal places once the 96-bit mantissa is full). Summing with it gives the exact sum
/// of any sequence or none, so totals do not depend on order or sharding.
#[must_use]
pub(crate) fn add_exact(a: Decimal, b: Decimal) -> Option<Decimal> {
    let sum = a.checked_add(b)?;
    // Adding zero returns the other operand as it is (Decimal keeps its scale): exact.
    (a.is_zero() || b.is_zero() || sum.scale() >= a.scale().max(b.scale())).then_some(sum)
}

/// `a − b` exactly, or `None` (as [`add_exact`]).
#[must_use]
pub(crate) fn sub_exact(a: Decimal, b: Decimal) -> Option<Decimal> {
    let difference = a.checked_sub(b)?;
    (a.is_zero() || b.is_zero() || difference.scale() >= a.scale().max(b.scale())).then_some(difference)
}

/// [`add_exact`], with [`Error::Overflow`] naming `op` for a sum that overflows or rounds.
pub(crate) fn exact_add(a: Decimal, b: Decimal, op: &'static str) -> Result<Decimal> {
    add_exact(a, b).ok_or(Error::Overflow { op })
}

/// [`sub_exact`], with [`Error::Overflow`] naming `op` for a difference that overflows or
/// rounds.
pub(crate) fn exact_sub(a: Decimal, b: Decimal, op: &'static str) -> Result<Decimal> {
    sub_exact(a, b).ok_or(Error::Overflow { op })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_sums_refuse_rounding() {
        let big = Decimal::from_i128_with_scale(79_228_162_514_264_337_593_543_950_330, 0);
        let half = Decimal::new(5, 1);
        assert!(big.checked_add(half).is_some(), "Decimal rounds silently");
        assert_eq!(add_exact(big, half), None);
        assert_eq!(sub_exact(big, half), None);
        assert_eq!(
            add_exact(Decimal::new(15, 1), Decimal::new(-15, 1)),
            Some(Decimal::ZERO)
        );
        assert_eq!(
            add_exact(Decimal::new(1, 2), Decimal::new(99, 2)),
            Some(Decimal::ONE)
        );
        assert_eq!(add_exact(Decimal::MAX, Decimal::ONE), None);
        assert_eq!(add_exact(big, Decimal::ONE), Some(big + Decimal::ONE));
        for (m, s) in [(1_i64, 0_u32), (123_456, 3), (-7, 28), (i64::MAX, 10)] {
            let a = Decimal::new(m, s);
            assert_eq!(add_exact(a, Decimal::new(3, 2)), Some(a + Decimal::new(3, 2)));
        }
    }

    #[test]
    fn round_trip_of_cents_is_exact() {
        for cents in [-100_000_i64, -1, 0, 1, 2235, 99_999_999] {
            let d = Decimal::new(cents, 2);
            assert_eq!(from_f64(to_f64(d), 2).unwrap(), d);
        }
    }

    #[test]
    fn non_finite_is_an_error() {
        assert!(from_f64(f64::INFINITY, 2).is_err());
        assert!(from_f64(f64::NAN, 2).is_err());
        assert!(from_f64(1e30, 2).is_err());
    }
}

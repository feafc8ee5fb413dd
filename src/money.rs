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
    // `rust_decimal`'s own conversion (`Decimal::as_f64`), step for step, with its two
    // 128-bit divisions by 10^scale replaced by a quotient estimated in f64 and corrected
    // exactly: the same bits (`tests/money_to_f64.rs`), a fifth of the instructions.
    let scale = amount.scale();
    let Some(&precision) = POW10.get(scale as usize) else {
        return amount.to_f64().unwrap_or(f64::NAN);
    };
    if scale == 0 {
        let m = amount.mantissa();
        return match i64::try_from(m) {
            Ok(small) => small as f64,
            Err(_) => i128_to_f64_wide(m),
        };
    }
    let neg = amount.is_sign_negative();
    let mantissa = amount.mantissa().unsigned_abs();
    if mantissa < SMALL_MANTISSA && scale <= 15 {
        // Below 2^50 the steps below give `m / 10^s` correctly rounded (one division):
        // the integral and fractional parts are exact, `value` is within 2 ulp of
        // `m / 10^s`, so `value · 10^s` is within 3 · 2^−53 · m < 1/2 of `m` and rounds
        // back to it exactly, and `m as f64` and `10^s` (s ≤ 15) are exact. The same bits.
        let precision_f64 = POW10_F64.get(scale as usize).copied().unwrap_or(f64::NAN);
        let v = (mantissa as u64 as f64) / precision_f64;
        return if neg { -v } else { v };
    }
    let Some((integral_part, frac_part)) = div_rem_small_quotient(mantissa, precision) else {
        // A quotient beyond 2^50: the plain path.
        return amount.to_f64().unwrap_or(f64::NAN);
    };
    let precision_f64 = POW10_F64.get(scale as usize).copied().unwrap_or(f64::NAN);
    let frac_f64 = u128_to_f64(frac_part) / precision_f64;
    let integral = u128_to_f64(integral_part);
    if frac_f64 == 0.0 {
        return if neg { -integral } else { integral };
    }
    let value = integral + frac_f64;
    let round_to = 10f64.powi(scale as i32);
    let rounded = round_half_away(value * round_to) / round_to;
    if neg { -rounded } else { rounded }
}

/// Mantissas below this (2^50) take the one-division path of [`to_f64`].
const SMALL_MANTISSA: u128 = 1 << 50;

/// `f64::round` (half away from zero) without its libm call: the same value for every
/// input (beyond 2^52 every `f64` is whole; below, the truncation through `i64` and the
/// remainder are exact; the sign of zero is kept).
#[inline]
fn round_half_away(y: f64) -> f64 {
    if y.is_nan() || y.abs() >= 4_503_599_627_370_496.0 {
        return y.round();
    }
    let t = (y as i64) as f64;
    let r = if (y - t).abs() >= 0.5 {
        t + 1.0_f64.copysign(y)
    } else {
        t
    };
    r.copysign(y)
}

/// `10^k` for the scales of a `Decimal` (0 to 28).
#[allow(clippy::indexing_slicing, reason = "k < 29 in a const block")]
const POW10: [u128; 29] = {
    let mut t = [1_u128; 29];
    let mut k = 1;
    while k < 29 {
        t[k] = t[k - 1] * 10;
        k += 1;
    }
    t
};

/// `10^k as f64` (correctly rounded, as `u128 as f64` rounds).
#[allow(clippy::indexing_slicing, reason = "k < 29 in a const block")]
const POW10_F64: [f64; 29] = {
    let mut t = [1.0_f64; 29];
    let mut k = 0;
    while k < 29 {
        t[k] = POW10[k] as f64;
        k += 1;
    }
    t
};

/// `u128 as f64` (round to nearest even), through the cheaper `u64` conversion when the
/// value fits (the same rounding, so the same bits).
#[inline]
fn u128_to_f64(v: u128) -> f64 {
    // Below 2^63 the signed conversion, a single instruction, gives the same value.
    match i64::try_from(v) {
        Ok(small) => small as f64,
        Err(_) => u128_to_f64_wide(v),
    }
}

// Out of line so that the compiler does not compute them on the common path too.
#[cold]
#[inline(never)]
fn u128_to_f64_wide(v: u128) -> f64 {
    v as f64
}

#[cold]
#[inline(never)]
fn i128_to_f64_wide(v: i128) -> f64 {
    v as f64
}

/// `(m / p, m % p)` for `m < 2^96`, `p ≥ 1`, when the quotient is below 2^50: the quotient
/// estimated in f64 (off by at most one there) and corrected by exact 128-bit
/// multiplication; `None` for larger quotients.
fn div_rem_small_quotient(m: u128, p: u128) -> Option<(u128, u128)> {
    const TWO_64: f64 = 18_446_744_073_709_551_616.0;
    // Only an estimate: the halves through the signed conversions (high half < 2^32,
    // low half split at 2^63 by the sign bit's weight).
    let half = |v: u128| {
        let lo = v as u64;
        ((v >> 64) as i64 as f64) * TWO_64 + ((lo >> 1) as i64 as f64) * 2.0 + (lo & 1) as i64 as f64
    };
    let (m_approx, p_approx) = (half(m), half(p));
    let estimate = m_approx / p_approx;
    if estimate.is_nan() || estimate >= 1_125_899_906_842_624.0 {
        return None;
    }
    let mut q = u128::from(estimate as i64 as u64);
    let mut qp = q.checked_mul(p)?;
    // The estimate is off by at most one: at most a step either way.
    while qp > m {
        q -= 1;
        qp -= p;
    }
    let mut r = m - qp;
    while r >= p {
        q += 1;
        r -= p;
    }
    Some((q, r))
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
    use proptest::prelude::*;

    /// `to_f64` is `rust_decimal`'s conversion bit for bit.
    fn same_as_rust_decimal(d: Decimal) {
        let ours = to_f64(d);
        let theirs = d.to_f64().unwrap_or(f64::NAN);
        assert_eq!(ours.to_bits(), theirs.to_bits(), "{d:?}: {ours:e} vs {theirs:e}");
    }

    #[test]
    fn to_f64_edges_equal_rust_decimal() {
        for scale in 0..=28 {
            for (lo, mid, hi) in [
                (0, 0, 0),
                (1, 0, 0),
                (u32::MAX, u32::MAX, u32::MAX),
                (u32::MAX, u32::MAX, 0),
                (0, 0, 1),
                (3_567_587_328, 232, 0), // 10^12
                (0x3333_3333, 0x3333_3333, 0x0aaa_aaaa),
            ] {
                for neg in [false, true] {
                    same_as_rust_decimal(Decimal::from_parts(lo, mid, hi, neg, scale));
                }
            }
            let p = POW10.get(scale as usize).copied().unwrap_or(1);
            for m in [p - 1, p, p + 1, 2 * p - 1, 2 * p, 7 * p + 3] {
                if let Ok(d) = Decimal::try_from_i128_with_scale(m as i128, scale) {
                    same_as_rust_decimal(d);
                }
            }
        }
        // Means of a few amounts, as the summaries compute them.
        for (sum, n) in [(1_000, 3), (2_235, 7), (99_999, 13), (1, 3)] {
            same_as_rust_decimal(Decimal::new(sum, 2) / Decimal::from(n));
        }
    }

    #[test]
    fn small_mantissas_equal_rust_decimal() {
        // The one-division path: every scale it takes, mantissas up to its bound.
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        for scale in 1..=16 {
            for k in 0..4_000_u64 {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let m = match k % 4 {
                    0 => state % 100_000,
                    1 => state >> 14,
                    2 => (1 << 50) - 1 - (state % 1_000),
                    _ => (1 << 50) + (state % 1_000),
                };
                for neg in [false, true] {
                    let (lo, mid) = (m as u32, (m >> 32) as u32);
                    same_as_rust_decimal(Decimal::from_parts(lo, mid, 0, neg, scale));
                }
            }
        }
    }

    #[test]
    fn round_half_away_is_f64_round() {
        let mut values = vec![
            0.0,
            -0.0,
            0.5,
            -0.5,
            1.5,
            -2.5,
            0.49999999999999994,
            4_503_599_627_370_495.5,
        ];
        values.extend([
            f64::MAX,
            f64::MIN_POSITIVE,
            4_503_599_627_370_496.0,
            1e300,
            f64::INFINITY,
        ]);
        for i in 0..20_000 {
            let v = f64::from(i) * 0.25 - 2_500.0;
            values.extend([v, v * 1.000_000_1, v / 3.0, -v * 1e10]);
        }
        for v in values {
            assert_eq!(round_half_away(v).to_bits(), v.round().to_bits(), "{v:e}");
            assert_eq!(round_half_away(-v).to_bits(), (-v).round().to_bits(), "{v:e}");
        }
        assert!(round_half_away(f64::NAN).is_nan());
    }

    proptest! {
        #[test]
        fn round_half_away_equals_round(v in any::<f64>()) {
            prop_assert!(round_half_away(v).to_bits() == v.round().to_bits() || v.is_nan());
        }

        #[test]
        fn to_f64_equals_rust_decimal(lo in any::<u32>(), mid in any::<u32>(), hi in any::<u32>(), neg in any::<bool>(), scale in 0_u32..=28, small in 0_u32..3) {
            // Small mantissas (amounts) as often as full ones.
            let (mid, hi) = match small { 0 => (0, 0), 1 => (mid % 1000, 0), _ => (mid, hi) };
            same_as_rust_decimal(Decimal::from_parts(lo, mid, hi, neg, scale));
        }

        #[test]
        fn to_f64_of_means_equals_rust_decimal(sum in -10_000_000_i64..10_000_000, n in 1_u32..500) {
            same_as_rust_decimal(Decimal::new(sum, 2) / Decimal::from(n));
        }
    }

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

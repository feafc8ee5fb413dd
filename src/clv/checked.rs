//! Checked `Decimal` arithmetic that returns [`Error::Overflow`] instead of panicking.
//!
//! `rust_decimal`'s operators panic on overflow, and its `checked_add`/`checked_sub`
//! silently drop decimal places once the 96-bit mantissa is full; money code in this
//! crate goes through these helpers so that an absurd input is a typed error naming the
//! operation. Sums and differences of money are exact or an error (`money::add_exact`),
//! so every `Ok` total is the same for every order of its terms; products round to 28
//! digits, as a product of two 28-digit decimals must, and sums of such products (present
//! values) go through the named `*_rounded` helpers.

use rust_decimal::Decimal;

use crate::error::{Error, Result};
use crate::money;

/// `a + b` exactly: [`Error::Overflow`] when the sum overflows or would be rounded.
pub(crate) fn add(a: Decimal, b: Decimal, op: &'static str) -> Result<Decimal> {
    money::add_exact(a, b).ok_or(Error::Overflow { op })
}

/// `a + b` of two values that are already rounded products (present values: an amount
/// times a 28-digit weight), where a rounding to 28 significant digits is the arithmetic's
/// own precision, not lost money: [`Error::Overflow`] only on overflow.
pub(crate) fn add_rounded(a: Decimal, b: Decimal, op: &'static str) -> Result<Decimal> {
    a.checked_add(b).ok_or(Error::Overflow { op })
}

/// `a − b` of rounded products, as [`add_rounded`].
pub(crate) fn sub_rounded(a: Decimal, b: Decimal, op: &'static str) -> Result<Decimal> {
    a.checked_sub(b).ok_or(Error::Overflow { op })
}

/// `a − b` exactly: [`Error::Overflow`] when the difference overflows or would be rounded.
pub(crate) fn sub(a: Decimal, b: Decimal, op: &'static str) -> Result<Decimal> {
    money::sub_exact(a, b).ok_or(Error::Overflow { op })
}

pub(crate) fn mul(a: Decimal, b: Decimal, op: &'static str) -> Result<Decimal> {
    a.checked_mul(b).ok_or(Error::Overflow { op })
}

/// Division; a zero divisor is the caller's business (they know what it means), so it is
/// reported as [`Error::Undefined`] with `what` = `op`.
pub(crate) fn div(a: Decimal, b: Decimal, op: &'static str) -> Result<Decimal> {
    if b.is_zero() {
        return Err(Error::Undefined {
            what: op,
            reason: "division by zero".into(),
        });
    }
    a.checked_div(b).ok_or(Error::Overflow { op })
}

pub(crate) fn sum<I: IntoIterator<Item = Decimal>>(items: I, op: &'static str) -> Result<Decimal> {
    items
        .into_iter()
        .try_fold(Decimal::ZERO, |acc, x| add(acc, x, op))
}

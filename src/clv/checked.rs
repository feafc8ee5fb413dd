//! Checked `Decimal` arithmetic that returns [`Error::Overflow`] instead of panicking.
//!
//! `rust_decimal`'s operators panic on overflow; money code in this crate goes through
//! these helpers so that an absurd input is a typed error naming the operation.

use rust_decimal::Decimal;

use crate::error::{Error, Result};

pub(crate) fn add(a: Decimal, b: Decimal, op: &'static str) -> Result<Decimal> {
    a.checked_add(b).ok_or(Error::Overflow { op })
}

pub(crate) fn sub(a: Decimal, b: Decimal, op: &'static str) -> Result<Decimal> {
    a.checked_sub(b).ok_or(Error::Overflow { op })
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

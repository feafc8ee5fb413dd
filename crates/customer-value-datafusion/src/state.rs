//! The partial state of `btyd_summary` and `btyd_holdout` for one customer: the money of
//! each purchase day, exact and mergeable, and its binary form between plan stages.
//!
//! A customer's summary depends on their rows only through, for each day, the sum and
//! count of the purchases (amount ≥ 0) and of the returns (amount < 0): the crate's
//! summaries collapse a day's purchases into one purchase period and net returns into
//! spend, with exact `Decimal` sums. So the state is that list of days — sums added
//! exactly, lists of disjoint parts of the log concatenated and re-collapsed — and the
//! summary is finished by feeding one row per day and kind to the crate's own
//! [`SummaryBuilder`](customer_value::SummaryBuilder). Its merge law (builders of
//! disjoint parts merge into the builder of the whole) is what makes any split of a
//! customer's rows across partitions give the same summary.
//!
//! Memory is one entry per distinct purchase day (44 bytes in the binary form), not per
//! row.

use rust_decimal::Decimal;

/// One day of one customer: purchases and returns, summed exactly.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Day {
    /// The day number (`PurchaseDate::day_number`).
    pub(crate) day: i32,
    /// Rows with an amount ≥ 0.
    pub(crate) buys: u32,
    /// Rows with an amount < 0.
    pub(crate) returns: u32,
    /// Sum of the purchases.
    pub(crate) bought: Decimal,
    /// Sum of the returns (≤ 0).
    pub(crate) returned: Decimal,
}

/// Bytes of one [`Day`] in the binary state.
pub(crate) const DAY_BYTES: usize = 4 + 4 + 4 + 16 + 16;

/// `a + b` exactly, or `None` (overflow, or a sum `Decimal` would round): the crate's own
/// rule for money totals, so sums do not depend on the order of rows.
fn add_exact(a: Decimal, b: Decimal) -> Option<Decimal> {
    let sum = a.checked_add(b)?;
    (a.is_zero() || b.is_zero() || sum.scale() >= a.scale().max(b.scale())).then_some(sum)
}

/// A customer's days: in order and collapsed after [`normalise`](Self::normalise).
#[derive(Debug, Clone, Default)]
pub(crate) struct Days {
    days: Vec<Day>,
    /// Entries known to be in order with distinct days (a prefix of `days`).
    sorted: usize,
}

/// The money of a customer's rows is too large for exact `Decimal` sums.
pub(crate) const OVERFLOW: &str = "a day's spend overflows exact Decimal arithmetic";

impl Days {
    /// Adds one row.
    pub(crate) fn add(&mut self, day: i32, amount: Decimal) -> Result<(), &'static str> {
        let negative = amount.is_sign_negative() && !amount.is_zero();
        if let Some(last) = self.days.last_mut()
            && last.day == day
        {
            return add_to(last, negative, amount, 1);
        }
        let mut d = Day {
            day,
            buys: 0,
            returns: 0,
            bought: Decimal::ZERO,
            returned: Decimal::ZERO,
        };
        add_to(&mut d, negative, amount, 1)?;
        self.push(d)
    }

    fn push(&mut self, d: Day) -> Result<(), &'static str> {
        let in_order = self.sorted == self.days.len() && self.days.last().is_none_or(|l| l.day < d.day);
        self.days.push(d);
        if in_order {
            self.sorted = self.days.len();
        } else if self.days.len() > 2 * self.sorted + 16 {
            // Out of order: collapse now and then, so memory stays per day, not per row.
            self.normalise()?;
        }
        Ok(())
    }

    /// Adds another part of the same customer's rows in the binary form of
    /// [`encode`](Self::encode), without collecting its days first.
    pub(crate) fn absorb_encoded(&mut self, bytes: &[u8]) -> Result<(), &'static str> {
        check_length(bytes)?;
        self.days.reserve(bytes.len() / DAY_BYTES);
        for chunk in bytes.chunks_exact(DAY_BYTES) {
            let d = decode_day(chunk)?;
            match self.days.last_mut() {
                Some(last) if last.day == d.day => merge_into(last, &d)?,
                _ => self.push(d)?,
            }
        }
        Ok(())
    }

    /// Sorts the days and collapses equal ones.
    pub(crate) fn normalise(&mut self) -> Result<(), &'static str> {
        if self.sorted == self.days.len() {
            return Ok(());
        }
        self.days.sort_by_key(|d| d.day);
        let mut out: Vec<Day> = Vec::with_capacity(self.days.len());
        for d in &self.days {
            match out.last_mut() {
                Some(last) if last.day == d.day => merge_into(last, d)?,
                _ => out.push(*d),
            }
        }
        self.days = out;
        self.sorted = self.days.len();
        Ok(())
    }

    /// The days (in order after [`normalise`](Self::normalise)).
    pub(crate) fn days(&self) -> &[Day] {
        &self.days
    }

    /// Heap bytes held.
    pub(crate) fn heap_size(&self) -> usize {
        self.days.capacity() * std::mem::size_of::<Day>()
    }

    /// The binary form: [`DAY_BYTES`] per day, little-endian.
    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        for d in &self.days {
            out.extend_from_slice(&d.day.to_le_bytes());
            out.extend_from_slice(&d.buys.to_le_bytes());
            out.extend_from_slice(&d.returns.to_le_bytes());
            out.extend_from_slice(&d.bought.serialize());
            out.extend_from_slice(&d.returned.serialize());
        }
    }
}

fn check_length(bytes: &[u8]) -> Result<(), &'static str> {
    if bytes.len().is_multiple_of(DAY_BYTES) {
        Ok(())
    } else {
        Err("a btyd state of the wrong length (not written by this crate's version?)")
    }
}

/// One [`DAY_BYTES`] chunk of a binary state.
fn decode_day(chunk: &[u8]) -> Result<Day, &'static str> {
    let malformed = "a malformed btyd state";
    let four = |at: usize| -> Result<[u8; 4], &'static str> {
        chunk
            .get(at..at + 4)
            .and_then(|b| b.try_into().ok())
            .ok_or(malformed)
    };
    let sixteen = |at: usize| -> Result<[u8; 16], &'static str> {
        chunk
            .get(at..at + 16)
            .and_then(|b| b.try_into().ok())
            .ok_or(malformed)
    };
    Ok(Day {
        day: i32::from_le_bytes(four(0)?),
        buys: u32::from_le_bytes(four(4)?),
        returns: u32::from_le_bytes(four(8)?),
        bought: Decimal::deserialize(sixteen(12)?),
        returned: Decimal::deserialize(sixteen(28)?),
    })
}

/// The days of a binary state.
#[cfg(test)]
pub(crate) fn decode(bytes: &[u8]) -> Result<Vec<Day>, &'static str> {
    check_length(bytes)?;
    bytes.chunks_exact(DAY_BYTES).map(decode_day).collect()
}

fn add_to(d: &mut Day, negative: bool, amount: Decimal, rows: u32) -> Result<(), &'static str> {
    if negative {
        d.returned = add_exact(d.returned, amount).ok_or(OVERFLOW)?;
        d.returns = d.returns.checked_add(rows).ok_or(OVERFLOW)?;
    } else {
        d.bought = add_exact(d.bought, amount).ok_or(OVERFLOW)?;
        d.buys = d.buys.checked_add(rows).ok_or(OVERFLOW)?;
    }
    Ok(())
}

fn merge_into(into: &mut Day, d: &Day) -> Result<(), &'static str> {
    if d.buys > 0 {
        add_to(into, false, d.bought, d.buys)?;
    }
    if d.returns > 0 {
        add_to(into, true, d.returned, d.returns)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_in_any_order_give_the_same_days() {
        let rows = [(5, 100), (3, 50), (5, -20), (3, 25), (9, 0), (1, -7)];
        let mut a = Days::default();
        for (day, cents) in rows {
            a.add(day, Decimal::new(cents, 2)).unwrap();
        }
        let mut b = Days::default();
        for (day, cents) in rows.iter().rev() {
            b.add(*day, Decimal::new(*cents, 2)).unwrap();
        }
        a.normalise().unwrap();
        b.normalise().unwrap();
        assert_eq!(a.days(), b.days());
        assert_eq!(a.days().len(), 4);
        let mut bytes = Vec::new();
        a.encode(&mut bytes);
        assert_eq!(decode(&bytes).unwrap(), a.days());
        assert!(decode(&bytes[1..]).is_err());
        let mut c = Days::default();
        c.absorb_encoded(&bytes).unwrap();
        c.absorb_encoded(&bytes).unwrap();
        c.normalise().unwrap();
        let mut twice = Days::default();
        for (day, cents) in rows.iter().chain(&rows) {
            twice.add(*day, Decimal::new(*cents, 2)).unwrap();
        }
        twice.normalise().unwrap();
        assert_eq!(c.days(), twice.days());
        assert!(c.absorb_encoded(&bytes[1..]).is_err());
    }
}

//! A customer's running totals in 24 bytes, for logs whose rows come in date order.
//!
//! Owns: the 24-byte `Compact` layout, the rule for which rows it takes, and turning its
//! totals into the builder's `Totals` for finishing. Relies on: `table.rs`'s half-line slot
//! shape (`HalfLine`) and the accumulator's powers of ten. Must not: take a row it cannot
//! hold exactly (it refuses it and changes nothing), round anything, or know about
//! customers, tables or windows.
//!
//! Summarising a million customers is bound by memory: every row reads and writes one
//! customer's totals at a random place in a table of a hundred megabytes. The general
//! [`Accumulator`](super::accumulator::Accumulator) fills a 64-byte cache line with a `u64`
//! key because it keeps the purchase periods themselves (so rows may come in any order and
//! builders may merge). When a customer's rows come in date order, the *count* of distinct
//! periods is all that is needed, and the totals fit half a line: the table is half the
//! size, and the per-row work has no branch on how periods are stored.
//!
//! A [`Compact`] only takes rows it can hold exactly — amounts with at most 18 decimals
//! (totals move to the larger scale, as the general path's do), while the counters fit
//! (65,535 rows and periods, 65,535 days from first to last purchase, totals of 2⁶³ − 1
//! and a first-period total of 2³¹ − 1 in the customer's smallest unit):
//!
//! * a purchase on or after the customer's latest purchase day;
//! * a return (netted into its period, as the general path does) in the first purchase
//!   period or in or after the latest one: whether it nets into the first period's spend
//!   is then known, or — after the only purchase period so far — decided by the second
//!   purchase period when it comes (returns of one such period wait in the totals).
//!
//! Any other row is refused with nothing changed, and the caller summarises that customer
//! the general way.

use rust_decimal::Decimal;

use super::accumulator::pow10;
use super::builder::Totals;
use super::table::{HalfLine, TableValue};

/// Decimal places a [`Compact`] keeps (its totals are `i64` mantissas: 10^18 < 2^63).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u8)]
enum Scale {
    S0,
    S1,
    S2,
    S3,
    S4,
    S5,
    S6,
    S7,
    S8,
    S9,
    S10,
    S11,
    S12,
    S13,
    S14,
    S15,
    S16,
    S17,
    S18,
}

/// Every [`Scale`], indexed by its number of decimals.
const SCALES: [Scale; 19] = [
    Scale::S0,
    Scale::S1,
    Scale::S2,
    Scale::S3,
    Scale::S4,
    Scale::S5,
    Scale::S6,
    Scale::S7,
    Scale::S8,
    Scale::S9,
    Scale::S10,
    Scale::S11,
    Scale::S12,
    Scale::S13,
    Scale::S14,
    Scale::S15,
    Scale::S16,
    Scale::S17,
    Scale::S18,
];

/// One customer's totals within one window, for rows in date order (see the module doc).
///
/// `Scale` has unused byte values, so an empty table slot (`None`) costs no extra byte:
/// with a `u64` key a slot is exactly half a cache line.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Compact {
    /// Net spend, as a mantissa at `scale`.
    total: i64,
    /// Earliest purchase day.
    first_day: i32,
    /// Net spend in the first purchase period, as a mantissa at `scale`, except for returns
    /// still pending (see `pending`).
    first_total: i32,
    /// Latest purchase day − `first_day`.
    last_offset: u16,
    /// Rows; 0 marks a customer handed to the general path.
    rows: u16,
    /// Distinct purchase periods.
    periods: u16,
    /// While the customer has one purchase period: 0, or the period (− the first) of the
    /// returns after it, `total − first_total`. Whether they net into the first period
    /// depends on the second purchase period: they do if they come before it, or if there
    /// is none.
    pending: u8,
    scale: Scale,
}

impl TableValue for Compact {
    type Align = HalfLine;
}

// A `u64` key and its totals fill half a cache line (the slot of a table of `Compact`s).
const _: () = assert!(std::mem::size_of::<Option<(u64, Compact)>>() == 32);

impl Compact {
    /// A customer handed to the general path: holds nothing, takes no row.
    pub(crate) const GENERAL: Compact = Compact {
        total: 0,
        first_day: 0,
        first_total: 0,
        last_offset: 0,
        rows: 0,
        periods: 0,
        pending: 0,
        scale: Scale::S0,
    };

    /// Whether the customer was handed to the general path.
    #[inline]
    pub(crate) fn is_general(&self) -> bool {
        self.rows == 0
    }

    /// A new customer's totals from their first row, if it is a purchase a `Compact` holds.
    #[inline(always)]
    pub(crate) fn starting_with(day: i32, amount: Decimal) -> Option<Self> {
        if amount.is_sign_negative() {
            return None;
        }
        let scale = *SCALES.get(amount.scale() as usize)?;
        let first_total = i32::try_from(amount.mantissa()).ok()?;
        Some(Compact {
            total: i64::from(first_total),
            first_day: day,
            first_total,
            last_offset: 0,
            rows: 1,
            periods: 1,
            pending: 0,
            scale,
        })
    }

    /// Adds a row; `false`, with nothing changed, for a row a `Compact` does not hold (see
    /// the module doc) or a customer already handed to the general path.
    ///
    /// `period_of` maps a day to its period (the spec's [`Period`](crate::Period)).
    #[inline(always)]
    pub(crate) fn add(&mut self, period_of: impl Fn(i32) -> i32, day: i32, amount: Decimal) -> bool {
        self.try_add(period_of, day, amount).is_some()
    }

    #[inline(always)]
    fn try_add(&mut self, period_of: impl Fn(i32) -> i32, day: i32, amount: Decimal) -> Option<()> {
        if self.is_general() {
            return None;
        }
        // Totals move to the larger of the two scales, as the general path's do.
        let (mut scale, amount_scale) = (self.scale as u32, amount.scale());
        let (mut held_total, mut held_first) = (self.total, self.first_total);
        if amount_scale > scale {
            let k = pow10(amount_scale - scale)?;
            held_total = held_total.checked_mul(k)?;
            held_first = held_first.checked_mul(i32::try_from(k).ok()?)?;
            scale = amount_scale;
        }
        let m = i64::try_from(amount.mantissa()).ok()?;
        let m = m.checked_mul(pow10(scale - amount_scale)?)?;
        let rows = self.rows.checked_add(1)?;
        let total = held_total.checked_add(m)?;
        let last_day = self.first_day + i32::from(self.last_offset);
        let (period, first, last) = (period_of(day), period_of(self.first_day), period_of(last_day));
        let mut next = Compact {
            total,
            first_total: held_first,
            rows,
            scale: *SCALES.get(scale as usize)?,
            ..*self
        };
        if amount.is_sign_negative() {
            // A return (a negative zero is a purchase for the general path: refused).
            if amount.is_zero() {
                return None;
            }
            if period == first {
                next.first_total = held_first.checked_add(i32::try_from(m).ok()?)?;
            } else if period < last {
                // Between purchase periods: first or repeat depends on the second period.
                return None;
            } else if self.periods == 1 {
                // After the only purchase period: pending until a second one (if any).
                let offset = u8::try_from(i64::from(period) - i64::from(first)).ok()?;
                if self.pending != 0 && self.pending != offset {
                    return None;
                }
                next.pending = offset;
            }
            // Else on or after the latest purchase period, so in a repeat period: the
            // total has it.
        } else {
            if day < last_day {
                return None;
            }
            next.last_offset = u16::try_from(i64::from(day) - i64::from(self.first_day)).ok()?;
            if period == last {
                if period == first {
                    next.first_total = held_first.checked_add(i32::try_from(m).ok()?)?;
                }
            } else {
                next.periods = self.periods.checked_add(1)?;
                if self.periods == 1 {
                    // The second purchase period: returns pending before it were in the
                    // first period's.
                    let pending_period = i64::from(first) + i64::from(self.pending);
                    if self.pending != 0 && pending_period < i64::from(period) {
                        next.first_total = i32::try_from(held_total).ok()?;
                    }
                    next.pending = 0;
                }
            }
        }
        *self = next;
        Some(())
    }

    /// The totals, as `Decimal`s at the customer's scale (exact: the mantissas are those
    /// the general path would hold).
    pub(crate) fn totals(&self) -> Totals {
        let scale = self.scale as u32;
        Totals {
            first_day: self.first_day,
            last_day: self.first_day + i32::from(self.last_offset),
            rows: u64::from(self.rows),
            purchase_periods: u32::from(self.periods),
            total: Decimal::new(self.total, scale),
            // With one purchase period, pending returns net into it.
            first_total: Decimal::new(
                if self.periods == 1 {
                    self.total
                } else {
                    i64::from(self.first_total)
                },
                scale,
            ),
        }
    }

    /// The latest purchase day.
    #[inline]
    pub(crate) fn last_day(&self) -> i32 {
        self.first_day + i32::from(self.last_offset)
    }

    /// Rows taken (0 for a customer handed to the general path).
    pub(crate) fn rows(&self) -> u64 {
        u64::from(self.rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(s: &str) -> Decimal {
        s.parse().unwrap_or_default()
    }

    #[test]
    fn a_u64_slot_is_half_a_line() {
        assert_eq!(std::mem::size_of::<Compact>(), 24);
    }

    #[test]
    fn in_order_rows_are_counted_by_period() {
        let mut c = Compact::starting_with(10, dec("1.50")).unwrap();
        let day = |d| d;
        assert!(c.add(day, 10, dec("2"))); // same day: first period grows, scaled up
        assert!(c.add(day, 12, dec("0.25")));
        assert!(c.add(day, 12, dec("0")));
        let t = c.totals();
        assert_eq!(
            (t.first_day, t.last_day, t.rows, t.purchase_periods),
            (10, 12, 4, 2)
        );
        assert_eq!(t.total, dec("3.75"));
        assert_eq!(t.total.scale(), 2);
        assert_eq!(t.first_total, dec("3.50"));
    }

    #[test]
    fn returns_net_into_the_first_period_unless_a_purchase_period_comes_before_them() {
        let day = |d| d;
        // A return after the only purchase period, then none: it nets into the first.
        let mut c = Compact::starting_with(10, dec("10")).unwrap();
        assert!(c.add(day, 12, dec("-4")));
        let t = c.totals();
        assert_eq!(
            (t.total, t.first_total, t.rows, t.purchase_periods),
            (dec("6"), dec("6"), 2, 1)
        );
        // A second purchase period after the return: the return was in the first period's.
        let mut after = c;
        assert!(after.add(day, 13, dec("5")));
        assert_eq!(
            (after.totals().total, after.totals().first_total),
            (dec("11"), dec("6"))
        );
        // A second purchase period on the return's day (the row came later): repeat.
        let mut same = c;
        assert!(same.add(day, 12, dec("5")));
        assert_eq!(
            (same.totals().total, same.totals().first_total),
            (dec("11"), dec("10"))
        );
        // A second purchase period before the return's (a row out of order): repeat.
        let mut before = c;
        assert!(before.add(day, 11, dec("5")));
        assert_eq!(
            (before.totals().total, before.totals().first_total),
            (dec("11"), dec("10"))
        );
        // Returns in two later periods before a second purchase: not held.
        assert!(!c.clone().add(day, 13, dec("-1")));
        assert!(c.add(day, 12, dec("-1")));
        // In the first period: always the first period's.
        let mut c = Compact::starting_with(10, dec("10")).unwrap();
        assert!(c.add(day, 20, dec("1")));
        assert!(c.add(day, 10, dec("-3")));
        assert!(c.add(day, 25, dec("-2"))); // after the latest purchase: repeat
        assert!(!c.clone().add(day, 15, dec("-2"))); // between the two: not held
        let t = c.totals();
        assert_eq!(
            (t.total, t.first_total, t.rows, t.purchase_periods),
            (dec("6"), dec("7"), 4, 2)
        );
    }

    #[test]
    fn more_decimals_move_the_totals_to_the_larger_scale() {
        let day = |d| d;
        let mut c = Compact::starting_with(10, dec("1.5")).unwrap();
        assert!(c.add(day, 12, dec("-0.25")));
        assert!(c.add(day, 13, dec("2.125")));
        let t = c.totals();
        assert_eq!(
            (t.total.to_string(), t.first_total.to_string()),
            ("3.375".into(), "1.250".into())
        );
    }

    #[test]
    fn refused_rows_change_nothing() {
        let mut c = Compact::starting_with(10, dec("1.5")).unwrap();
        let before = c.totals();
        let day = |d| d;
        for (d, a) in [
            (9, "1"),                     // before the latest day
            (10 + 65_536, "1"),           // too far from the first day
            (10, "214748364.6"),          // first-period total past i32
            (11, "922337203685477580.8"), // total past i64
        ] {
            assert!(!c.add(day, d, dec(a)), "{d} {a}");
            let now = c.totals();
            assert_eq!(
                (
                    now.total,
                    now.first_total,
                    now.rows,
                    now.last_day,
                    now.purchase_periods
                ),
                (
                    before.total,
                    before.first_total,
                    before.rows,
                    before.last_day,
                    before.purchase_periods
                )
            );
        }
        let mut negative_zero = Decimal::ZERO;
        negative_zero.set_sign_negative(true);
        assert!(!c.add(day, 11, negative_zero));
        assert!(!c.add(day, 9, dec("-1"))); // a return before the first purchase
        assert!(Compact::starting_with(1, negative_zero).is_none());
        assert!(!Compact::GENERAL.clone().add(day, 1, dec("1")));
        assert!(Compact::starting_with(1, dec("-1")).is_none());
        assert!(Compact::starting_with(1, dec("2147483648")).is_none());
        assert!(Compact::starting_with(1, dec("0.0000000000000000001")).is_none());
    }

    #[test]
    fn counters_stop_at_their_width() {
        let mut c = Compact::starting_with(0, dec("1")).unwrap();
        for d in 1..u16::MAX as i32 {
            assert!(c.add(|d| d, d, dec("1")));
        }
        assert_eq!(c.totals().purchase_periods, 65_535);
        assert!(!c.add(|d| d, 65_535, dec("1")));
    }
}

//! A customer's running totals in 24 bytes, for logs whose rows come in date order.
//!
//! Summarising a million customers is bound by memory: every row reads and writes one
//! customer's totals at a random place in a table of a hundred megabytes. The general
//! [`Accumulator`](super::accumulator::Accumulator) fills a 64-byte cache line with a `u64`
//! key because it keeps the purchase periods themselves (so rows may come in any order and
//! builders may merge). When a customer's rows come in date order, the *count* of distinct
//! periods is all that is needed, and the totals fit half a line: the table is half the
//! size, and the per-row work has no branch on how periods are stored.
//!
//! A [`Compact`] only takes rows it can hold exactly: a purchase (not a return) on or after
//! the customer's latest day, with at most the customer's number of decimals, while the
//! counters fit (65,535 rows and periods, 65,535 days from first to last purchase, a
//! first-period total of 2³² − 1 in the customer's smallest unit). Any other row is refused
//! with nothing changed, and the caller summarises that customer the general way.

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
    /// Total spend, as a mantissa at `scale`.
    total: i64,
    /// Earliest purchase day.
    first_day: i32,
    /// Spend in the first purchase period, as a mantissa at `scale`.
    first_total: u32,
    /// Latest purchase day − `first_day`.
    last_offset: u16,
    /// Rows; 0 marks a customer handed to the general path.
    rows: u16,
    /// Distinct purchase periods.
    periods: u16,
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
        let first_total = u32::try_from(amount.mantissa()).ok()?;
        Some(Compact {
            total: i64::from(first_total),
            first_day: day,
            first_total,
            last_offset: 0,
            rows: 1,
            periods: 1,
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
        let (scale, amount_scale) = (self.scale as u32, amount.scale());
        if amount.is_sign_negative() || amount_scale > scale || self.is_general() {
            return None;
        }
        let last_day = self.first_day + i32::from(self.last_offset);
        let last_offset = u16::try_from(i64::from(day) - i64::from(self.first_day)).ok()?;
        if day < last_day {
            return None;
        }
        let m = i64::try_from(amount.mantissa()).ok()?;
        let m = m.checked_mul(pow10(scale - amount_scale)?)?;
        let rows = self.rows.checked_add(1)?;
        let total = self.total.checked_add(m)?;
        let (period, last) = (period_of(day), period_of(last_day));
        let mut first_total = self.first_total;
        let mut periods = self.periods;
        if period == last {
            if period == period_of(self.first_day) {
                first_total = u32::try_from(i64::from(first_total) + m).ok()?;
            }
        } else {
            periods = periods.checked_add(1)?;
        }
        *self = Compact {
            total,
            first_total,
            last_offset,
            rows,
            periods,
            ..*self
        };
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
            first_total: Decimal::new(i64::from(self.first_total), scale),
        }
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
    fn refused_rows_change_nothing() {
        let mut c = Compact::starting_with(10, dec("1.5")).unwrap();
        let before = c.totals();
        let day = |d| d;
        for (d, a) in [
            (9, "1"),                     // before the latest day
            (11, "-1"),                   // a return
            (11, "0.01"),                 // more decimals than the customer's
            (10 + 65_536, "1"),           // too far from the first day
            (10, "429496729.6"),          // first-period total past u32
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
        assert!(Compact::starting_with(1, negative_zero).is_none());
        assert!(!Compact::GENERAL.clone().add(day, 1, dec("1")));
        assert!(Compact::starting_with(1, dec("-1")).is_none());
        assert!(Compact::starting_with(1, dec("4294967296")).is_none());
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

//! One customer's running totals within one window, laid out for the hot loop.
//!
//! Owns: the per-customer state of the general route and its row paths (the inlined fast
//! path for rows in date order, the general path for the rest). Relies on: `side.rs` (the
//! append-only log of period blocks and the extras) and `merge.rs` (merging two customers'
//! states). Must not: grow past one cache line with a `u64` key, look anything up at random
//! per row (what does not fit is appended to the side log), or let the path a row took
//! change a result.
//!
//! Summarising a large log is bound by memory latency: every row touches one customer's
//! accumulator at a random place in a table of millions. So the accumulator is small (one
//! 64-byte cache line with a `u64` key), every row touches only it, and whatever must be
//! remembered beyond it is *appended* to a side log, never looked up at random:
//!
//! * **Distinct purchase periods**: the first one (implicit in `first_day`) plus up to
//!   [`INLINE_PERIODS`] others as 16-bit offsets — most customers of most logs never need
//!   more. Beyond that a 64-period window over the block of the latest purchase stays
//!   inline; when a purchase moves past it, the window's bits are appended to the side log
//!   and counted. Rows in date order (as logs usually are) thus never read anything but the
//!   accumulator. A row older than the window is appended too and marks the customer
//!   *dirty*: its count is rebuilt from the log when the builder finishes.
//! * **Money**: two `i64` mantissas at a shared decimal scale, exact and far cheaper than
//!   `Decimal` additions; on overflow or more than 18 decimal places the totals move to
//!   `Decimal` in the customer's [`Extra`].
//! * **Returns** are kept in the customer's [`Extra`] with their period.
//!
//! Memory stays proportional to customers: the log holds at most one entry per 64-period
//! block a customer bought in (fewer than the rows), and extras exist only for customers
//! with returns or huge amounts. Results are identical whichever path a customer takes.

mod merge;
mod side;

use side::Extra;
pub(crate) use side::Side;

use rust_decimal::Decimal;

use crate::money::add_exact;

/// Purchase periods kept inline besides the first.
pub(crate) const INLINE_PERIODS: usize = 7;
const SLOW_MONEY: u8 = u8::MAX;
const NO_ID: u32 = u32::MAX;
/// Largest scale the fast path keeps (10^18 < i64::MAX).
const MAX_FAST_SCALE: u32 = 18;

/// Why a row or a merge could not be applied.
pub(crate) type Failure = &'static str;

const OVERFLOW: Failure =
    "spend total overflows Decimal or cannot be represented exactly (more than 28 significant digits)";
const TOO_MANY_ROWS: Failure = "more than 4,294,967,295 rows for one customer";

// An accumulator and a `u64` key fill one 64-byte cache line (the table's slot); a new field
// or more inline periods must not break that.
const _: () = assert!(std::mem::size_of::<(u64, Accumulator)>() <= 64);

/// One customer's running totals within one window (calibration or holdout).
#[derive(Debug, Clone)]
pub(crate) struct Accumulator {
    /// Earliest and latest purchase day (`i32::MAX`/`i32::MIN` without a purchase).
    pub(crate) first_day: i32,
    pub(crate) last_day: i32,
    /// Rows of this customer in this window, returns included.
    pub(crate) rows: u32,
    /// This customer's id in the side log and extras, or `NO_ID` while it needs none.
    id: u32,
    /// Total spend and non-negative spend in the first purchase period, as mantissas at
    /// `scale` (unless `scale == SLOW_MONEY`, then in the extra's `money`).
    total: i64,
    first_total: i64,
    scale: u8,
    /// The distinct purchase periods.
    periods: Periods,
}

/// Where an accumulator keeps its distinct purchase periods.
#[derive(Debug, Clone, Copy)]
enum Periods {
    /// The first period (the period of `first_day`) and `len` others, as offsets from it.
    Inline { len: u8, offsets: [u16; INLINE_PERIODS] },
    /// `bits`: the purchase periods in the 64-period block of the latest purchase
    /// (`align64(period(last_day))`); `flushed`: how many periods went to the side log
    /// before. Unless `dirty`, the two never overlap and their sum is the count.
    Window { bits: u64, flushed: u32, dirty: bool },
}

/// What a non-negative row does to the first-period total.
enum First {
    /// The row is in a later period.
    Keep,
    /// The row is in the first period.
    Add,
    /// The row is in a new, earlier first period.
    Reset,
}

impl Accumulator {
    pub(crate) fn new() -> Self {
        Accumulator {
            first_day: i32::MAX,
            last_day: i32::MIN,
            rows: 0,
            id: NO_ID,
            total: 0,
            first_total: 0,
            scale: 0,
            periods: Periods::Inline {
                len: 0,
                offsets: [0; INLINE_PERIODS],
            },
        }
    }

    /// Whether the customer has a purchase (not only returns) in the window.
    pub(crate) fn has_purchase(&self) -> bool {
        self.first_day != i32::MAX
    }

    /// Adds one row, or fails and leaves the accumulator as it was.
    ///
    /// `period_of` maps a day to its period (the spec's [`Period`](crate::Period)).
    #[inline(always)]
    pub(crate) fn add(
        &mut self,
        side: &mut Side,
        period_of: impl Fn(i32) -> i32,
        day: i32,
        amount: Decimal,
    ) -> Result<(), Failure> {
        if self.add_in_order(side, &period_of, day, amount).is_some() {
            return Ok(());
        }
        self.add_general(side, period_of, day, amount)
    }

    /// A new customer's accumulator from their first row, when it is a purchase whose
    /// amount fits the fast path (`None` otherwise: start from [`new`](Self::new) and
    /// [`add`](Self::add)).
    #[inline(always)]
    pub(crate) fn starting_with(day: i32, amount: Decimal) -> Option<Self> {
        let scale = amount.scale();
        if amount.is_sign_negative() || scale > MAX_FAST_SCALE {
            return None;
        }
        let m = i64::try_from(amount.mantissa()).ok()?;
        Some(Accumulator {
            first_day: day,
            last_day: day,
            rows: 1,
            id: NO_ID,
            total: m,
            first_total: m,
            scale: scale as u8,
            periods: Periods::Inline {
                len: 0,
                offsets: [0; INLINE_PERIODS],
            },
        })
    }

    /// The common row, without calls or the side log: a purchase with at most the running
    /// number of decimals on or after the latest purchase day, whose period fits inline or in the
    /// current window. `None`, with nothing changed, for any other row.
    #[inline(always)]
    fn add_in_order(
        &mut self,
        side: &mut Side,
        period_of: &impl Fn(i32) -> i32,
        day: i32,
        amount: Decimal,
    ) -> Option<()> {
        // `SLOW_MONEY` is no Decimal scale, so slow money never passes.
        let (scale, amount_scale) = (u32::from(self.scale), amount.scale());
        if !self.has_purchase() || day < self.last_day || amount.is_sign_negative() || amount_scale > scale {
            return None;
        }
        // Amounts written with fewer decimals ("7.1" among "7.15") are scaled up; `pow10`
        // of `SLOW_MONEY - s` does not exist, so slow money never passes.
        let m = i64::try_from(amount.mantissa()).ok()?;
        let m = if amount_scale < scale {
            m.checked_mul(pow10(scale - amount_scale)?)?
        } else {
            m
        };
        let rows = self.rows.checked_add(1)?;
        let total = self.total.checked_add(m)?;
        let (period, last) = (period_of(day), period_of(self.last_day));
        let mut first_total = self.first_total;
        if period == last {
            if period == period_of(self.first_day) {
                first_total = first_total.checked_add(m)?;
            }
        } else {
            // A later period (days in order give periods in order): record it, or give up
            // before changing anything.
            match &mut self.periods {
                Periods::Inline { len, offsets } => {
                    let offset =
                        u16::try_from(i64::from(period) - i64::from(period_of(self.first_day))).ok()?;
                    let slot = offsets.get_mut(usize::from(*len))?;
                    *slot = offset;
                    *len += 1;
                }
                Periods::Window { bits, flushed, .. } => {
                    let (block, base) = (align64(period), align64(last));
                    if block != base {
                        // Moving forward: the finished block goes to the log (a window
                        // always has an id).
                        if self.id == NO_ID {
                            return None;
                        }
                        side.push(self.id, base, *bits);
                        *flushed = flushed.saturating_add(bits.count_ones());
                        *bits = 0;
                    }
                    *bits |= 1u64 << (period - block);
                }
            }
        }
        (self.rows, self.total, self.first_total, self.last_day) = (rows, total, first_total, day);
        Some(())
    }

    /// Any row: returns, earlier days, new scales, spills to the side log.
    #[inline(never)]
    fn add_general(
        &mut self,
        side: &mut Side,
        period_of: impl Fn(i32) -> i32,
        day: i32,
        amount: Decimal,
    ) -> Result<(), Failure> {
        let rows = self.rows.checked_add(1).ok_or(TOO_MANY_ROWS)?;
        let period = period_of(day);
        if amount.is_sign_negative() && !amount.is_zero() {
            self.add_money(side, amount, First::Keep)?;
            self.extra_mut(side)?.returns.push((period, amount));
            self.rows = rows;
            return Ok(());
        }
        let purchased = self.has_purchase();
        let first = if purchased {
            period_of(self.first_day)
        } else {
            i32::MAX
        };
        let last = if purchased {
            period_of(self.last_day)
        } else {
            i32::MIN
        };
        let op = match period.cmp(&first) {
            std::cmp::Ordering::Greater => First::Keep,
            std::cmp::Ordering::Equal => First::Add,
            std::cmp::Ordering::Less => First::Reset,
        };
        // Ids are the only fallible part of the period update; take one first so that a
        // failure leaves everything unchanged.
        if self.id == NO_ID && self.needs_id_for(first, period) {
            self.id = side.new_id()?;
        }
        self.add_money(side, amount, op)?;
        self.insert_period(side, first, last, period);
        self.first_day = self.first_day.min(day);
        self.last_day = self.last_day.max(day);
        self.rows = rows;
        Ok(())
    }

    /// Whether inserting `period` may write to the side log (conservatively: a full inline
    /// list, an earlier first period, or an offset near the 16-bit limit).
    fn needs_id_for(&self, first: i32, period: i32) -> bool {
        match self.periods {
            Periods::Window { .. } => true,
            Periods::Inline { len, .. } => {
                first != i32::MAX
                    && period != first
                    && (usize::from(len) >= INLINE_PERIODS
                        || period < first
                        || i64::from(period) - i64::from(first) > i64::from(u16::MAX))
            }
        }
    }

    /// Inserts `period` given the current first and last purchase periods (`i32::MAX` /
    /// `i32::MIN` without a purchase). Needs `self.id` when it spills (see `needs_id_for`).
    fn insert_period(&mut self, side: &mut Side, first: i32, last: i32, period: i32) {
        let id = self.id;
        match &mut self.periods {
            Periods::Window { bits, flushed, dirty } => {
                let base = align64(last);
                let block = align64(period);
                let bit = 1u64 << (period - block);
                if block == base {
                    *bits |= bit;
                } else if block > base {
                    // Moving forward in time: the finished block goes to the log.
                    side.push(id, base, *bits);
                    *flushed = flushed.saturating_add(bits.count_ones());
                    *bits = bit;
                } else {
                    side.push_overlapping(id, block, bit);
                    *dirty = true;
                }
            }
            Periods::Inline { len, offsets } => {
                if first == i32::MAX || period == first {
                    return; // the first purchase period is implicit
                }
                let n = usize::from(*len);
                let inline = offsets.get(..n).unwrap_or_default();
                if period > first {
                    if let Ok(offset) = u16::try_from(i64::from(period) - i64::from(first)) {
                        if inline.contains(&offset) {
                            return;
                        }
                        if let Some(slot) = offsets.get_mut(n) {
                            *slot = offset;
                            *len += 1;
                            return;
                        }
                    }
                } else {
                    // A new first period: the old first becomes an offset, the others shift.
                    let shift = i64::from(first) - i64::from(period);
                    let shifted: Option<Vec<u16>> = std::iter::once(0)
                        .chain(inline.iter().copied())
                        .map(|o| u16::try_from(i64::from(o) + shift).ok())
                        .collect();
                    if let Some(shifted) = shifted.filter(|v| v.len() <= INLINE_PERIODS) {
                        for (slot, o) in offsets.iter_mut().zip(&shifted) {
                            *slot = *o;
                        }
                        *len = shifted.len() as u8;
                        return;
                    }
                }
                // Does not fit inline: a window over the latest block, the rest to the log.
                // One log entry per older block (distinct periods, so the count is exact).
                // The first period, the inline ones and the new one, on the stack (this runs
                // once per customer outgrowing the inline list: no allocation).
                let mut all = [period; INLINE_PERIODS + 2];
                let mut n_all = 0;
                for (slot, p) in all.iter_mut().zip(self.inline_periods(first)) {
                    *slot = p;
                    n_all += 1;
                }
                let all = all.get_mut(..=n_all).unwrap_or_default();
                all.sort_unstable();
                let latest = align64(all.last().copied().unwrap_or(period));
                let mut bits = 0u64;
                let mut flushed = 0u32;
                let mut older: Option<(i32, u64)> = None;
                for &mut p in all {
                    let block = align64(p);
                    let bit = 1u64 << (p - block);
                    if block == latest {
                        bits |= bit;
                        continue;
                    }
                    flushed += 1;
                    older = match older {
                        Some((b, acc)) if b == block => Some((b, acc | bit)),
                        Some((b, acc)) => {
                            side.push(id, b, acc);
                            Some((block, bit))
                        }
                        None => Some((block, bit)),
                    };
                }
                if let Some((b, acc)) = older {
                    side.push(id, b, acc);
                }
                self.periods = Periods::Window {
                    bits,
                    flushed,
                    dirty: false,
                };
            }
        }
    }

    /// The inline purchase periods (first included) given the first period; nothing in the
    /// window state.
    fn inline_periods(&self, first: i32) -> impl Iterator<Item = i32> + '_ {
        let offsets: &[u16] = match &self.periods {
            Periods::Inline { len, offsets } => offsets.get(..usize::from(*len)).unwrap_or_default(),
            Periods::Window { .. } => &[],
        };
        let first = matches!(self.periods, Periods::Inline { .. }).then_some(first);
        first.into_iter().chain(
            offsets
                .iter()
                .map(move |&o| first.unwrap_or(0).saturating_add(i32::from(o))),
        )
    }

    /// Whether [`period_count`](Self::period_count) and
    /// [`second_period`](Self::second_period) need this customer's blocks from the log: a
    /// dirty window, or a window with returns (which need the second period).
    pub(crate) fn needs_blocks(&self, side: &Side) -> Option<u32> {
        match self.periods {
            Periods::Window { dirty: true, .. } => Some(self.id),
            Periods::Window { .. } if !self.returns(side).is_empty() => Some(self.id),
            _ => None,
        }
    }

    /// The full set of periods as sorted `(base, bits)` blocks, from the customer's logged
    /// blocks and the window.
    fn all_blocks(&self, logged: &[(i32, u64)], period_of: impl Fn(i32) -> i32) -> Vec<(i32, u64)> {
        let mut blocks = logged.to_vec();
        if let Periods::Window { bits, .. } = self.periods {
            let base = align64(period_of(self.last_day));
            match blocks.binary_search_by_key(&base, |&(b, _)| b) {
                Ok(i) => {
                    if let Some(b) = blocks.get_mut(i) {
                        b.1 |= bits;
                    }
                }
                Err(i) => blocks.insert(i, (base, bits)),
            }
        }
        blocks
    }

    /// Number of distinct purchase periods; `logged` are this customer's blocks from the
    /// log when [`needs_blocks`](Self::needs_blocks) asked for them.
    pub(crate) fn period_count(&self, logged: Option<&[(i32, u64)]>, period_of: impl Fn(i32) -> i32) -> u32 {
        if !self.has_purchase() {
            return 0;
        }
        match (self.periods, logged) {
            (Periods::Inline { len, .. }, _) => 1 + u32::from(len),
            (Periods::Window { dirty: true, .. }, Some(logged)) => self
                .all_blocks(logged, period_of)
                .iter()
                .map(|(_, b)| b.count_ones())
                .sum(),
            (Periods::Window { bits, flushed, .. }, _) => flushed.saturating_add(bits.count_ones()),
        }
    }

    /// The second-smallest purchase period, if any.
    pub(crate) fn second_period(
        &self,
        logged: Option<&[(i32, u64)]>,
        first: i32,
        period_of: impl Fn(i32) -> i32,
    ) -> Option<i32> {
        match &self.periods {
            Periods::Inline { len, offsets } => {
                let min = offsets
                    .get(..usize::from(*len))
                    .unwrap_or_default()
                    .iter()
                    .min()?;
                Some(first.saturating_add(i32::from(*min)))
            }
            Periods::Window { .. } => {
                let blocks = self.all_blocks(logged.unwrap_or_default(), period_of);
                let mut seen = 0;
                for (base, mut bits) in blocks {
                    while bits != 0 {
                        let p = base.saturating_add(bits.trailing_zeros() as i32);
                        seen += 1;
                        if seen == 2 {
                            return Some(p);
                        }
                        bits &= bits - 1;
                    }
                }
                None
            }
        }
    }

    /// Total and first-period spend.
    pub(crate) fn money(&self, side: &Side) -> (Decimal, Decimal) {
        if self.scale == SLOW_MONEY {
            self.extra_ref(side)
                .map_or((Decimal::ZERO, Decimal::ZERO), |e| e.money)
        } else {
            let s = u32::from(self.scale);
            (Decimal::new(self.total, s), Decimal::new(self.first_total, s))
        }
    }

    /// The returns netted into this accumulator.
    pub(crate) fn returns<'a>(&self, side: &'a Side) -> &'a [(i32, Decimal)] {
        self.extra_ref(side).map_or(&[], |e| e.returns.as_slice())
    }

    /// This customer's id, as the log knows it now (`None` without one).
    #[cfg(test)]
    pub(crate) fn canonical_id(&self, side: &Side) -> Option<u32> {
        (self.id != NO_ID).then(|| side.canonical(self.id))
    }

    fn add_money(&mut self, side: &mut Side, amount: Decimal, op: First) -> Result<(), Failure> {
        if self.scale != SLOW_MONEY {
            if let Some((total, first, scale)) =
                fast_add(self.total, self.first_total, self.scale, amount, &op)
            {
                (self.total, self.first_total, self.scale) = (total, first, scale);
                return Ok(());
            }
        }
        let (total, first) = self.money(side);
        // Exact adds: Decimal's `checked_add` rounds once the mantissa is full, which
        // would make totals depend on row order and sharding.
        let total = add_exact(total, amount).ok_or(OVERFLOW)?;
        let first = match op {
            First::Keep => first,
            First::Add => add_exact(first, amount).ok_or(OVERFLOW)?,
            First::Reset => amount,
        };
        self.extra_mut(side)?.money = (total, first);
        self.scale = SLOW_MONEY;
        Ok(())
    }

    fn extra_ref<'a>(&self, side: &'a Side) -> Option<&'a Extra> {
        if self.id == NO_ID {
            None
        } else {
            side.extras.get(&self.id)
        }
    }

    fn extra_mut<'a>(&mut self, side: &'a mut Side) -> Result<&'a mut Extra, Failure> {
        if self.id == NO_ID {
            self.id = side.new_id()?;
        }
        Ok(side.extras.entry(self.id).or_default())
    }
}

/// Adds `amount` on the fast path; `None` when it does not fit (then nothing changed).
#[inline]
fn fast_add(total: i64, first: i64, scale: u8, amount: Decimal, op: &First) -> Option<(i64, i64, u8)> {
    let a_scale = amount.scale();
    if a_scale > MAX_FAST_SCALE {
        return None;
    }
    let mut scale = u32::from(scale);
    let (mut total, mut first) = (total, first);
    let mut m = i64::try_from(amount.mantissa()).ok()?;
    if a_scale > scale {
        let k = pow10(a_scale - scale)?;
        total = total.checked_mul(k)?;
        first = first.checked_mul(k)?;
        scale = a_scale;
    } else if a_scale < scale {
        m = m.checked_mul(pow10(scale - a_scale)?)?;
    }
    total = total.checked_add(m)?;
    first = match op {
        First::Keep => first,
        First::Add => first.checked_add(m)?,
        First::Reset => m,
    };
    Some((total, first, scale as u8))
}

#[inline]
fn align64(p: i32) -> i32 {
    p.div_euclid(64) * 64
}

/// Powers of ten that fit an `i64`.
#[allow(clippy::indexing_slicing)] // const table: indices are in range by construction
const POW10: [i64; 19] = {
    let mut t = [1i64; 19];
    let mut i = 1;
    while i < 19 {
        t[i] = t[i - 1] * 10;
        i += 1;
    }
    t
};

#[inline]
pub(crate) fn pow10(k: u32) -> Option<i64> {
    POW10.get(k as usize).copied()
}

#[cfg(test)]
mod tests {
    use super::side::MIN_COMPACT;
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    fn day(p: i32) -> i32 {
        p
    }

    fn count(acc: &Accumulator, side: &Side) -> (u32, Option<i32>) {
        let blocks = acc.canonical_id(side).map(|id| side.blocks_of(&[id]));
        let logged = blocks.as_ref().and_then(|b| b.values().next().map(Vec::as_slice));
        let first = day(acc.first_day);
        (
            acc.period_count(logged, day),
            acc.second_period(logged, first, day),
        )
    }

    #[test]
    fn out_of_order_rows_are_compacted_and_still_counted() {
        // Days in descending order: every row after the spill is older than the window.
        let mut side = Side::default();
        let mut acc = Accumulator::new();
        let days: Vec<i32> = (0..300_000).rev().map(|i| i % 100_000).collect();
        for &d in &days {
            acc.add(&mut side, day, d, Decimal::ONE).unwrap();
        }
        assert!(
            side.log.len() <= 2 * (100_000 / 64 + 2) + MIN_COMPACT,
            "{}",
            side.log.len()
        );
        let (n, second) = count(&acc, &side);
        assert_eq!(n, 100_000);
        assert_eq!(second, Some(1));
    }

    proptest! {
        /// The fast path and the Decimal path agree on any sequence of amounts.
        #[test]
        fn money_is_exact(amounts in proptest::collection::vec((any::<i64>(), 0u32..28, 0i32..40), 1..30)) {
            let mut side = Side::default();
            let mut acc = Accumulator::new();
            let mut total = Decimal::ZERO;
            for (m, s, d) in amounts {
                let a = Decimal::new(m, s).abs();
                let before = total;
                match acc.add(&mut side, day, d, a) {
                    Ok(()) => total = total.checked_add(a).unwrap(),
                    Err(_) => prop_assert_eq!(total, before),
                }
                prop_assert_eq!(acc.money(&side).0, total);
            }
        }

        /// Periods inline, in a window and logged count the same as a set, in any order.
        #[test]
        fn periods_are_a_set(days in proptest::collection::vec(-70_000i32..70_000, 1..60), sorted in any::<bool>()) {
            let mut days = days;
            if sorted { days.sort_unstable(); }
            let mut side = Side::default();
            let mut acc = Accumulator::new();
            for &d in &days {
                acc.add(&mut side, day, d, Decimal::ONE).unwrap();
            }
            let distinct: BTreeSet<i32> = days.iter().copied().collect();
            let (n, second) = count(&acc, &side);
            prop_assert_eq!(n as usize, distinct.len());
            prop_assert_eq!(second, distinct.iter().nth(1).copied());
        }

        /// Merging two accumulators counts the union.
        #[test]
        fn merge_counts_the_union(a in proptest::collection::vec(0i32..400, 1..30), b in proptest::collection::vec(0i32..400, 1..30)) {
            let mut side_a = Side::default();
            let mut acc_a = Accumulator::new();
            for &d in &a { acc_a.add(&mut side_a, day, d, Decimal::ONE).unwrap(); }
            let mut side_b = Side::default();
            let mut acc_b = Accumulator::new();
            for &d in &b { acc_b.add(&mut side_b, day, d, Decimal::ONE).unwrap(); }
            let offset = side_a.absorb(side_b).unwrap();
            acc_a.merge(&mut side_a, day, acc_b, offset).unwrap();
            let distinct: BTreeSet<i32> = a.iter().chain(&b).copied().collect();
            let (n, second) = count(&acc_a, &side_a);
            prop_assert_eq!(n as usize, distinct.len());
            prop_assert_eq!(second, distinct.iter().nth(1).copied());
            prop_assert_eq!(acc_a.money(&side_a).0, Decimal::from(a.len() + b.len()));
        }
    }
}

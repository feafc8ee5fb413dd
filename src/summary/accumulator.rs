//! One customer's running totals within one window, laid out for the hot loop.
//!
//! Summarising a large log is bound by memory latency: every row touches one customer's
//! accumulator at a random place in a table of millions. So the accumulator is small
//! (under one cache line with a `u64` key) and holds the common case inline:
//!
//! * the distinct purchase periods as the first one plus up to [`INLINE_PERIODS`] others,
//!   as 16-bit offsets — most customers of most logs never need more; beyond that, a
//!   64-period window over the latest periods stays inline while older periods move to a
//!   bitmap, so a frequent buyer's rows (in date order, as logs usually are) still touch
//!   only the accumulator;
//! * money as two `i64` mantissas at a shared decimal scale, exact and an order of
//!   magnitude cheaper than `Decimal` additions.
//!
//! Everything rare lives in an [`Extra`] record in a side arena, reached through an index:
//! a full [`PeriodSet`] bitmap once a customer has more periods, `Decimal` totals once the
//! mantissas would overflow or need more than 18 decimal places, and the list of returns.
//! Results are identical either way; only the speed differs.

use rust_decimal::Decimal;

use super::period_set::PeriodSet;

/// Purchase periods kept inline besides the first.
pub(crate) const INLINE_PERIODS: usize = 5;
const SLOW_MONEY: u8 = u8::MAX;
const NO_EXTRA: u32 = u32::MAX;
/// Largest scale the fast path keeps (10^18 < i64::MAX).
const MAX_FAST_SCALE: u32 = 18;

/// Why a row or a merge could not be applied.
pub(crate) type Failure = &'static str;

const SPAN_TOO_WIDE: Failure = "this customer's purchases span more than 1,048,576 periods";
const OVERFLOW: Failure = "spend total overflows Decimal";

/// The rare, larger parts of an accumulator.
#[derive(Debug, Clone, Default)]
pub(crate) struct Extra {
    /// Every purchase period, once there are more than fit inline.
    periods: PeriodSet,
    /// Total and first-period spend, once they left the fast path.
    money: (Decimal, Decimal),
    /// Netted negative rows: (period, amount).
    pub(crate) returns: Vec<(i32, Decimal)>,
}

/// One customer's running totals within one window (calibration or holdout).
#[derive(Debug, Clone)]
pub(crate) struct Accumulator {
    /// Earliest and latest purchase day (`i32::MAX`/`i32::MIN` without a purchase).
    pub(crate) first_day: i32,
    pub(crate) last_day: i32,
    /// Rows of this customer in this window, returns included.
    pub(crate) rows: u32,
    /// Index of this accumulator's [`Extra`] in the builder's arena, or `NO_EXTRA`.
    extra: u32,
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
    /// The first period (implicit: the period of `first_day`) and `len` others, as offsets
    /// from it.
    Inline { len: u8, offsets: [u16; INLINE_PERIODS] },
    /// Periods `base .. base + 64` (`base` a multiple of 64) in `bits`; every other period in
    /// the extra's bitmap. The full set is the union of both.
    Window { base: i32, bits: u64 },
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
            extra: NO_EXTRA,
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
    #[inline]
    pub(crate) fn add(
        &mut self,
        arena: &mut Vec<Extra>,
        period_of: impl Fn(i32) -> i32,
        day: i32,
        amount: Decimal,
    ) -> Result<(), Failure> {
        let rows = self
            .rows
            .checked_add(1)
            .ok_or("more than 4,294,967,295 rows for one customer")?;
        let period = period_of(day);
        if amount.is_sign_negative() && !amount.is_zero() {
            self.add_money(arena, amount, First::Keep)?;
            self.extra_mut(arena).returns.push((period, amount));
            self.rows = rows;
            return Ok(());
        }
        let first = if self.has_purchase() {
            period_of(self.first_day)
        } else {
            i32::MAX
        };
        let op = match period.cmp(&first) {
            std::cmp::Ordering::Greater => First::Keep,
            std::cmp::Ordering::Equal => First::Add,
            std::cmp::Ordering::Less => First::Reset,
        };
        // Money first: it can fail, and the period set must then stay unchanged.
        let saved = (self.total, self.first_total, self.scale);
        let saved_money = if self.scale == SLOW_MONEY {
            self.extra_ref(arena).map(|e| e.money)
        } else {
            None
        };
        self.add_money(arena, amount, op)?;
        if let Err(e) = self.insert_period(arena, first, period) {
            (self.total, self.first_total, self.scale) = saved;
            if let (Some(m), Some(x)) = (saved_money, self.extra_mut_opt(arena)) {
                x.money = m;
            }
            return Err(e);
        }
        self.first_day = self.first_day.min(day);
        self.last_day = self.last_day.max(day);
        self.rows = rows;
        Ok(())
    }

    /// Inserts `period` into the purchase periods whose first is `first` (`i32::MAX` if none).
    fn insert_period(&mut self, arena: &mut Vec<Extra>, first: i32, period: i32) -> Result<(), Failure> {
        let (len, offsets) = match &mut self.periods {
            Periods::Window { base, bits } => {
                let word_base = align64(period);
                let bit = 1u64 << (period - word_base);
                if word_base == *base || *bits == 0 {
                    *base = word_base;
                    *bits |= bit;
                    return Ok(());
                }
                let (old_base, old_bits) = (*base, *bits);
                let set = &mut self.extra_mut(arena).periods;
                if word_base > old_base {
                    // Moving forward in time: the old window joins the bitmap.
                    // (If the check fails after the flush, the union is unchanged.)
                    set.or_word(old_base, old_bits).map_err(|_| SPAN_TOO_WIDE)?;
                    set.check_span(word_base).map_err(|_| SPAN_TOO_WIDE)?;
                    self.periods = Periods::Window {
                        base: word_base,
                        bits: bit,
                    };
                    return Ok(());
                }
                return set.insert(period).map_err(|_| SPAN_TOO_WIDE);
            }
            Periods::Inline { len, offsets } => (len, offsets),
        };
        if first == i32::MAX || period == first {
            return Ok(()); // the first purchase period is implicit
        }
        let n = usize::from(*len);
        if period > first {
            if let Ok(offset) = u16::try_from(i64::from(period) - i64::from(first)) {
                if offsets.get(..n).unwrap_or_default().contains(&offset) {
                    return Ok(());
                }
                if let Some(slot) = offsets.get_mut(n) {
                    *slot = offset;
                    *len += 1;
                    return Ok(());
                }
            }
        } else {
            // A new first period: the old first becomes an offset, the others shift.
            let shift = i64::from(first) - i64::from(period);
            let shifted: Option<Vec<u16>> = std::iter::once(0)
                .chain(offsets.get(..n).unwrap_or_default().iter().copied())
                .map(|o| u16::try_from(i64::from(o) + shift).ok())
                .collect();
            if let Some(shifted) = shifted.filter(|v| v.len() <= INLINE_PERIODS) {
                for (slot, o) in offsets.iter_mut().zip(&shifted) {
                    *slot = *o;
                }
                *len = shifted.len() as u8;
                return Ok(());
            }
        }
        // Does not fit inline: every period so far to the bitmap, the new one in a window.
        let mut set = PeriodSet::default();
        for p in self.inline_periods(first) {
            set.insert(p).map_err(|_| SPAN_TOO_WIDE)?;
        }
        let word_base = align64(period);
        set.check_span(word_base).map_err(|_| SPAN_TOO_WIDE)?;
        self.extra_mut(arena).periods = set;
        self.periods = Periods::Window {
            base: word_base,
            bits: 1u64 << (period - word_base),
        };
        Ok(())
    }

    /// The inline purchase periods (first included) given the first period; nothing for
    /// the window state.
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

    /// The full set of purchase periods (window state: bitmap and window together).
    fn full_set(&self, arena: &[Extra], first: i32) -> Result<PeriodSet, Failure> {
        let mut set = match self.periods {
            Periods::Window { .. } => self
                .extra_ref(arena)
                .map(|e| e.periods.clone())
                .unwrap_or_default(),
            Periods::Inline { .. } => PeriodSet::default(),
        };
        self.collect_periods(arena, first, &mut set)?;
        Ok(set)
    }

    /// Number of distinct purchase periods.
    pub(crate) fn period_count(&self, arena: &[Extra]) -> u32 {
        if !self.has_purchase() {
            return 0;
        }
        match self.periods {
            Periods::Inline { len, .. } => 1 + u32::from(len),
            Periods::Window { base, bits } => {
                let set = self.extra_ref(arena).map(|e| &e.periods);
                let in_set = set.map_or(0, |s| s.len());
                let overlap = set.map_or(0, |s| s.word_at(base));
                in_set + (bits & !overlap).count_ones()
            }
        }
    }

    /// The second-smallest purchase period, if any.
    pub(crate) fn second_period(&self, arena: &[Extra], first: i32) -> Option<i32> {
        match &self.periods {
            Periods::Inline { len, offsets } => {
                let min = offsets
                    .get(..usize::from(*len))
                    .unwrap_or_default()
                    .iter()
                    .min()?;
                Some(first.saturating_add(i32::from(*min)))
            }
            Periods::Window { .. } => self.full_set(arena, first).ok()?.nth(1),
        }
    }

    /// Total and first-period spend.
    pub(crate) fn money(&self, arena: &[Extra]) -> (Decimal, Decimal) {
        if self.scale == SLOW_MONEY {
            self.extra_ref(arena)
                .map_or((Decimal::ZERO, Decimal::ZERO), |e| e.money)
        } else {
            let s = u32::from(self.scale);
            (Decimal::new(self.total, s), Decimal::new(self.first_total, s))
        }
    }

    /// The returns netted into this accumulator.
    pub(crate) fn returns<'a>(&self, arena: &'a [Extra]) -> &'a [(i32, Decimal)] {
        self.extra_ref(arena).map_or(&[], |e| e.returns.as_slice())
    }

    fn add_money(&mut self, arena: &mut Vec<Extra>, amount: Decimal, op: First) -> Result<(), Failure> {
        if self.scale != SLOW_MONEY {
            if let Some((total, first, scale)) =
                fast_add(self.total, self.first_total, self.scale, amount, &op)
            {
                (self.total, self.first_total, self.scale) = (total, first, scale);
                return Ok(());
            }
            let money = self.money(arena);
            self.extra_mut(arena).money = money;
            self.scale = SLOW_MONEY;
        }
        let extra = self.extra_mut(arena);
        let (total, first) = extra.money;
        let total = total.checked_add(amount).ok_or(OVERFLOW)?;
        let first = match op {
            First::Keep => first,
            First::Add => first.checked_add(amount).ok_or(OVERFLOW)?,
            First::Reset => amount,
        };
        extra.money = (total, first);
        Ok(())
    }

    /// Folds `other` (whose extra lives in `other_arena`) into `self`.
    pub(crate) fn merge(
        &mut self,
        arena: &mut Vec<Extra>,
        period_of: impl Fn(i32) -> i32 + Copy,
        other: &Accumulator,
        other_arena: &[Extra],
    ) -> Result<(), Failure> {
        let rows = self
            .rows
            .checked_add(other.rows)
            .ok_or("more than 4,294,967,295 rows for one customer")?;
        // Money: other's total, and other's first-period spend where its first period wins.
        let (o_total, o_first) = other.money(other_arena);
        let (total, first) = self.money(arena);
        let self_first = if self.has_purchase() {
            period_of(self.first_day)
        } else {
            i32::MAX
        };
        let other_first = if other.has_purchase() {
            period_of(other.first_day)
        } else {
            i32::MAX
        };
        let total = total.checked_add(o_total).ok_or(OVERFLOW)?;
        let first = match other_first.cmp(&self_first) {
            std::cmp::Ordering::Less => o_first,
            std::cmp::Ordering::Equal => first.checked_add(o_first).ok_or(OVERFLOW)?,
            std::cmp::Ordering::Greater => first,
        };
        // Periods: every period of other, inserted one by one (or word-wise for bitmaps).
        let mut periods = PeriodSet::default();
        if self.has_purchase() {
            self.collect_periods(arena, self_first, &mut periods)?;
        }
        if other.has_purchase() {
            other.collect_periods(other_arena, other_first, &mut periods)?;
        }
        let returns: Vec<(i32, Decimal)> = other.returns(other_arena).to_vec();

        // Commit.
        self.set_money(arena, total, first);
        let new_first = self_first.min(other_first);
        self.first_day = self.first_day.min(other.first_day);
        self.last_day = self.last_day.max(other.last_day);
        self.rows = rows;
        if new_first != i32::MAX {
            self.set_periods(arena, new_first, periods);
        }
        if !returns.is_empty() {
            self.extra_mut(arena).returns.extend(returns);
        }
        Ok(())
    }

    /// Adds this accumulator's periods to `into` (the window state adds its bitmap too).
    fn collect_periods(&self, arena: &[Extra], first: i32, into: &mut PeriodSet) -> Result<(), Failure> {
        match self.periods {
            Periods::Window { base, bits } => {
                if let Some(e) = self.extra_ref(arena) {
                    into.union(&e.periods).map_err(|_| SPAN_TOO_WIDE)?;
                }
                into.or_word(base, bits).map_err(|_| SPAN_TOO_WIDE)?;
            }
            Periods::Inline { .. } => {
                for p in self.inline_periods(first) {
                    into.insert(p).map_err(|_| SPAN_TOO_WIDE)?;
                }
            }
        }
        Ok(())
    }

    /// Stores money exactly, on the fast path when it fits.
    fn set_money(&mut self, arena: &mut Vec<Extra>, total: Decimal, first: Decimal) {
        let scale = total.scale().max(first.scale());
        let fits = |d: Decimal| {
            let k = 10i128.checked_pow(scale - d.scale())?;
            i64::try_from(d.mantissa().checked_mul(k)?).ok()
        };
        match (scale <= MAX_FAST_SCALE, fits(total), fits(first)) {
            (true, Some(t), Some(f)) => {
                (self.total, self.first_total, self.scale) = (t, f, scale as u8);
            }
            _ => {
                self.extra_mut(arena).money = (total, first);
                self.scale = SLOW_MONEY;
            }
        }
    }

    /// Stores the purchase periods `set` (whose smallest is `first`), inline when they fit.
    fn set_periods(&mut self, arena: &mut Vec<Extra>, first: i32, set: PeriodSet) {
        let count = set.len() as usize;
        if count <= INLINE_PERIODS + 1 {
            let mut offsets = [0u16; INLINE_PERIODS];
            let mut ok = true;
            for (k, slot) in offsets.iter_mut().enumerate().take(count.saturating_sub(1)) {
                match set
                    .nth(k as u32 + 1)
                    .map(|p| u16::try_from(i64::from(p) - i64::from(first)))
                {
                    Some(Ok(o)) => *slot = o,
                    _ => ok = false,
                }
            }
            if ok {
                self.periods = Periods::Inline {
                    len: count.saturating_sub(1) as u8,
                    offsets,
                };
                if let Some(e) = self.extra_mut_opt(arena) {
                    e.periods = PeriodSet::default();
                }
                return;
            }
        }
        self.extra_mut(arena).periods = set;
        self.periods = Periods::Window { base: 0, bits: 0 };
    }

    /// Moves this accumulator's extra (from `from`) into `arena`, for merging builders.
    pub(crate) fn adopt(&mut self, from: &mut [Extra], arena: &mut Vec<Extra>) {
        if let Some(e) = from.get_mut(self.extra as usize) {
            arena.push(std::mem::take(e));
            self.extra = (arena.len() - 1) as u32;
        } else {
            self.extra = NO_EXTRA;
        }
    }

    fn extra_ref<'a>(&self, arena: &'a [Extra]) -> Option<&'a Extra> {
        arena.get(self.extra as usize)
    }

    fn extra_mut_opt<'a>(&self, arena: &'a mut [Extra]) -> Option<&'a mut Extra> {
        arena.get_mut(self.extra as usize)
    }

    fn extra_mut<'a>(&mut self, arena: &'a mut Vec<Extra>) -> &'a mut Extra {
        let i = self.extra as usize;
        if i < arena.len() {
            return &mut arena[i];
        }
        let n = arena.len();
        self.extra = u32::try_from(n).unwrap_or(NO_EXTRA);
        arena.push(Extra::default());
        &mut arena[n]
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
    if a_scale > scale {
        let k = pow10(a_scale - scale)?;
        total = total.checked_mul(k)?;
        first = first.checked_mul(k)?;
        scale = a_scale;
    }
    let m = i64::try_from(amount.mantissa())
        .ok()?
        .checked_mul(pow10(scale - a_scale)?)?;
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

#[inline]
fn pow10(k: u32) -> Option<i64> {
    10i64.checked_pow(k)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day(p: i32) -> i32 {
        p
    }

    #[test]
    fn an_accumulator_and_a_u64_key_fit_one_cache_line() {
        assert!(std::mem::size_of::<(u64, Accumulator)>() <= 64);
    }

    proptest! {
        /// The fast path and the Decimal path agree on any sequence of amounts.
        #[test]
        fn money_is_exact(amounts in proptest::collection::vec((any::<i64>(), 0u32..28, 0i32..40), 1..30)) {
            let mut arena = Vec::new();
            let mut acc = Accumulator::new();
            let mut total = Decimal::ZERO;
            let mut ok = true;
            for (m, s, d) in amounts {
                let a = Decimal::new(m, s).abs();
                let before = total;
                match acc.add(&mut arena, day, d, a) {
                    Ok(()) => total = total.checked_add(a).unwrap(),
                    Err(_) => { ok = false; prop_assert_eq!(total, before); }
                }
                prop_assert_eq!(acc.money(&arena).0, total);
            }
            let _ = ok;
        }

        /// Periods inline and spilled count the same as a set.
        #[test]
        fn periods_are_a_set(days in proptest::collection::vec(-70_000i32..70_000, 1..40)) {
            let mut arena = Vec::new();
            let mut acc = Accumulator::new();
            for &d in &days {
                acc.add(&mut arena, day, d, Decimal::ONE).unwrap();
            }
            let distinct: std::collections::BTreeSet<i32> = days.iter().copied().collect();
            prop_assert_eq!(acc.period_count(&arena) as usize, distinct.len());
            let first = *distinct.iter().next().unwrap();
            prop_assert_eq!(acc.second_period(&arena, first), distinct.iter().nth(1).copied());
        }
    }
}

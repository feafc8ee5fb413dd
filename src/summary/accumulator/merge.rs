//! Merging two accumulators of one customer (builders over disjoint parts of a log).
//!
//! Owns: the union of two customers' periods, money and returns, exactly as if one
//! accumulator had seen both parts' rows. Relies on: the other side's ids already shifted
//! into this side ([`Side::absorb`]). Must not: depend on which part came first (the merge
//! law in `tests/summary/laws.rs`).

use rust_decimal::Decimal;

use crate::money::add_exact;

use super::side::Side;
use super::{
    Accumulator, Failure, INLINE_PERIODS, MAX_FAST_SCALE, NO_ID, OVERFLOW, Periods, SLOW_MONEY,
    TOO_MANY_ROWS, align64,
};

impl Accumulator {
    /// Folds `other` (whose ids were shifted by `offset` when its side was absorbed into
    /// `side`) into `self`.
    pub(crate) fn merge(
        &mut self,
        side: &mut Side,
        period_of: impl Fn(i32) -> i32 + Copy,
        mut other: Accumulator,
        offset: u32,
    ) -> Result<(), Failure> {
        if other.id != NO_ID {
            other.id += offset;
        }
        let rows = self.rows.checked_add(other.rows).ok_or(TOO_MANY_ROWS)?;
        let (o_total, o_first) = other.money(side);
        let (total, first) = self.money(side);
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
        let total = add_exact(total, o_total).ok_or(OVERFLOW)?;
        let first = match other_first.cmp(&self_first) {
            std::cmp::Ordering::Less => o_first,
            std::cmp::Ordering::Equal => add_exact(first, o_first).ok_or(OVERFLOW)?,
            std::cmp::Ordering::Greater => first,
        };
        if self.id == NO_ID {
            self.id = side.new_id()?;
        }
        let id = self.id;

        // Periods: both inline and the union fits → inline; otherwise everything goes to
        // the log under `id` and the window restarts empty and dirty.
        let mut union: Vec<i32> = Vec::new();
        let mut spill = false;
        for acc in [&*self, &other] {
            if !acc.has_purchase() {
                continue;
            }
            match acc.periods {
                Periods::Inline { .. } => union.extend(acc.inline_periods(period_of(acc.first_day))),
                Periods::Window { .. } => spill = true,
            }
        }
        union.sort_unstable();
        union.dedup();
        let new_first_day = self.first_day.min(other.first_day);
        let new_first = union.first().copied();
        let inline = match (spill, new_first) {
            (false, Some(f)) if union.len() <= INLINE_PERIODS + 1 => {
                let offsets: Option<Vec<u16>> = union
                    .iter()
                    .skip(1)
                    .map(|&p| u16::try_from(i64::from(p) - i64::from(f)).ok())
                    .collect();
                offsets.map(|o| {
                    let mut arr = [0u16; INLINE_PERIODS];
                    for (slot, v) in arr.iter_mut().zip(&o) {
                        *slot = *v;
                    }
                    Periods::Inline {
                        len: o.len() as u8,
                        offsets: arr,
                    }
                })
            }
            (false, None) => Some(self.periods),
            _ => None,
        };
        let periods = match inline {
            Some(p) => p,
            None => {
                for acc in [&*self, &other] {
                    if !acc.has_purchase() {
                        continue;
                    }
                    match acc.periods {
                        Periods::Inline { .. } => {
                            for p in acc.inline_periods(period_of(acc.first_day)) {
                                side.push_overlapping(id, align64(p), 1u64 << (p - align64(p)));
                            }
                        }
                        Periods::Window { bits, .. } => {
                            side.push_overlapping(id, align64(period_of(acc.last_day)), bits)
                        }
                    }
                }
                if other.id != NO_ID && other.id != id {
                    side.alias.insert(other.id, id);
                }
                Periods::Window {
                    bits: 0,
                    flushed: 0,
                    dirty: true,
                }
            }
        };
        // Other's extra (returns, slow money) joins ours.
        let other_returns = if other.id == NO_ID {
            Vec::new()
        } else {
            side.extras
                .remove(&other.id)
                .map(|e| e.returns)
                .unwrap_or_default()
        };

        self.set_money(side, total, first)?;
        self.periods = periods;
        self.first_day = new_first_day;
        self.last_day = self.last_day.max(other.last_day);
        self.rows = rows;
        if !other_returns.is_empty() {
            self.extra_mut(side)?.returns.extend(other_returns);
        }
        Ok(())
    }

    /// Shifts this accumulator's id after its side was absorbed with `offset`.
    pub(crate) fn shift_id(&mut self, offset: u32) {
        if self.id != NO_ID {
            self.id += offset;
        }
    }

    /// Stores money exactly, on the fast path when it fits.
    fn set_money(&mut self, side: &mut Side, total: Decimal, first: Decimal) -> Result<(), Failure> {
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
                self.extra_mut(side)?.money = (total, first);
                self.scale = SLOW_MONEY;
            }
        }
        Ok(())
    }
}

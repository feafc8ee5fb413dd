//! Finishing, shared by both routes: per-customer totals into [`CustomerSummary`]s, in
//! key order.
//!
//! Owns: the definitions of the output fields from a customer's totals (frequency,
//! recency, age, the two means, the holdout) and the netting of returns into the first
//! purchase period. Relies on: [`Means`] for exact `Decimal` means. Must not: depend on
//! the route a customer took (the in-order route builds [`Totals`] from a `Compact`, the
//! general one from an [`Accumulator`]; the same totals give the same summary).

use std::collections::HashMap;
use std::fmt::Debug;
use std::hash::Hash;

use rust_decimal::Decimal;

use super::accumulator::{Accumulator, Side};
use super::exact::{Means, difference};
use super::hints::vec_with_huge_pages;
use super::table::{CustomerTable, TableValue};
use super::{CustomerSummary, HoldoutSummary, SummaryReport, SummarySpec};
use crate::error::{Error, Result};
use crate::time::DayDates;

pub(super) type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// Calls `f` on every customer of `table` in ascending key order.
///
/// Small keys (8 bytes or less: integers, most ids) are sorted as `(key, slot)` pairs,
/// 16 bytes each, and the accumulators read in place (fetched a few customers ahead, as
/// the order is random in the table); larger keys, whose clones may allocate, move out of
/// the table with their accumulators and sort those.
pub(super) fn in_key_order<K: Ord + Clone + Hash, V: TableValue>(
    table: CustomerTable<K, V>,
    mut f: impl FnMut(K, &V) -> Result<()>,
) -> Result<()> {
    if std::mem::size_of::<K>() <= 8 {
        let mut order: Vec<(K, usize)> = vec_with_huge_pages(table.len());
        order.extend(table.indexed().map(|(i, k, _)| (k.clone(), i)));
        order.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        const AHEAD: usize = 32;
        for (n, (key, i)) in order.iter().enumerate() {
            if let Some(&(_, ahead)) = order.get(n + AHEAD) {
                table.prefetch_slot(ahead);
            }
            if let Some(acc) = table.at(*i) {
                f(key.clone(), acc)?;
            }
        }
    } else {
        let mut entries: Vec<(K, V)> = table.into_entries().collect();
        entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        for (key, acc) in entries {
            f(key, &acc)?;
        }
    }
    Ok(())
}

/// The blocks a customer's count needs, if it needs any.
pub(super) fn logged_blocks<'a>(
    acc: &Accumulator,
    side: &Side,
    blocks: &'a FastMap<u32, Vec<(i32, u64)>>,
) -> Option<&'a [(i32, u64)]> {
    acc.needs_blocks(side)
        .and_then(|id| blocks.get(&id))
        .map(Vec::as_slice)
}

/// The error of an overflowing summary operation (built only when it happens: a summary is
/// made a million times a run).
#[cold]
fn overflow(op: &'static str) -> Error {
    Error::Overflow { op }
}

/// A customer's calibration summary from their accumulator (which has a purchase).
pub(super) fn summarise_one<K: Debug>(
    maker: &mut SummaryMaker,
    customer: K,
    acc: &Accumulator,
    side: &Side,
    logged: Option<&[(i32, u64)]>,
    report: &mut SummaryReport,
) -> Result<CustomerSummary<K>> {
    let spec = maker.spec;
    let period_of = |d: i32| spec.period.index(d);
    let overflow = || Error::Overflow {
        op: "netting returns into first-period spend",
    };
    let purchase_periods = acc.period_count(logged, period_of);
    let first_period = spec.period.index(acc.first_day);
    let (total, mut first_total) = acc.money(side);
    let returns = acc.returns(side);
    if !returns.is_empty() {
        let second_period = acc.second_period(logged, first_period, period_of);
        for &(period, amount) in returns {
            if period < first_period {
                report.returns_before_first_purchase += 1;
            }
            // A return belongs to the latest purchase period on or before it.
            if second_period.is_none_or(|second| period < second) {
                first_total = crate::money::add_exact(first_total, amount).ok_or_else(overflow)?;
            }
        }
    }
    let totals = Totals {
        first_day: acc.first_day,
        last_day: acc.last_day,
        rows: u64::from(acc.rows),
        purchase_periods,
        total,
        first_total,
    };
    maker.summary(customer, &totals, report)
}

/// One customer's net totals in one window, returns netted in.
#[derive(Debug, Clone, Copy)]
pub(super) struct Totals {
    pub(super) first_day: i32,
    pub(super) last_day: i32,
    pub(super) rows: u64,
    pub(super) purchase_periods: u32,
    /// Net spend.
    pub(super) total: Decimal,
    /// Net spend in the first purchase period.
    pub(super) first_total: Decimal,
}

/// Builds customers' summaries from their totals: the spec, its summary end as a day
/// number, the dates of the days met so far (see [`DayDates`]) and the reciprocals of the
/// counts means were taken over (see [`Means`]).
pub(super) struct SummaryMaker {
    pub(super) spec: SummarySpec,
    summary_end_day: i32,
    dates: DayDates,
    means: Means,
}

impl SummaryMaker {
    pub(super) fn new(spec: SummarySpec, summary_end_day: i32) -> Self {
        SummaryMaker {
            spec,
            summary_end_day,
            dates: DayDates::default(),
            means: Means::default(),
        }
    }

    /// A customer's calibration summary from their totals (with at least one purchase
    /// period); counts a customer netting below zero in `report`.
    pub(super) fn summary<K>(
        &mut self,
        customer: K,
        t: &Totals,
        report: &mut SummaryReport,
    ) -> Result<CustomerSummary<K>> {
        let frequency = t.purchase_periods.saturating_sub(1);
        let repeat_total = difference(t.total, t.first_total)
            .ok_or_else(|| overflow("netting returns into first-period spend"))?;
        if t.first_total.is_sign_negative() && !t.first_total.is_zero()
            || frequency > 0 && repeat_total.is_sign_negative() && !repeat_total.is_zero()
        {
            report.customers_netting_negative += 1;
        }
        let monetary_value = self.mean_or_zero(repeat_total, frequency, "mean repeat spend")?;
        let mean_spend = self.mean_or_zero(t.total, t.purchase_periods, "mean spend")?;
        Ok(CustomerSummary {
            customer,
            frequency,
            recency: self.spec.periods_between(t.first_day, t.last_day),
            age: self.spec.periods_between(t.first_day, self.summary_end_day),
            monetary_value,
            total_spend: t.total,
            mean_spend,
            first_purchase: self.dates.date(t.first_day),
            last_purchase: self.dates.date(t.last_day),
            rows: t.rows,
            holdout: None,
        })
    }

    /// `total / n` (exact, see [`Means`]), zero for `n = 0`; `op` names the mean in an
    /// overflow error.
    fn mean_or_zero(&mut self, total: Decimal, n: u32, op: &'static str) -> Result<Decimal> {
        if n == 0 {
            return Ok(Decimal::ZERO);
        }
        self.means.mean(total, n).ok_or_else(|| overflow(op))
    }

    /// A customer's holdout summary from the holdout's purchase periods, net spend and
    /// rows.
    pub(super) fn holdout(
        &mut self,
        frequency: u32,
        total: Decimal,
        rows: u64,
        duration: f64,
    ) -> Result<HoldoutSummary> {
        let monetary_value = self.mean_or_zero(total, frequency, "mean holdout spend")?;
        Ok(HoldoutSummary {
            frequency,
            monetary_value,
            total_spend: total,
            duration,
            rows,
        })
    }
}

pub(super) fn attach_holdout<K>(
    maker: &mut SummaryMaker,
    mut summary: CustomerSummary<K>,
    hold: Option<&Accumulator>,
    side: &Side,
    logged: Option<&[(i32, u64)]>,
    duration: f64,
) -> Result<CustomerSummary<K>> {
    let period = maker.spec.period;
    let period_of = |d: i32| period.index(d);
    let h = match hold {
        None => maker.holdout(0, Decimal::ZERO, 0, duration)?,
        Some(acc) => {
            let (total, _) = acc.money(side);
            maker.holdout(
                acc.period_count(logged, period_of),
                total,
                u64::from(acc.rows),
                duration,
            )?
        }
    };
    summary.holdout = Some(h);
    Ok(summary)
}

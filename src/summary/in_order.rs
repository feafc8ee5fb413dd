//! [`summarise_columns`](super::summarise_columns)' fast path: customers whose rows come in
//! date order are summarised from 24-byte [`Compact`] totals, the others the general way.
//!
//! Most logs are written in date order, so most customers' rows arrive in date order. One
//! pass puts every customer in a table of [`Compact`]s (half the size of the general
//! builder's table, with a simpler update per row). A customer with a row a `Compact`
//! cannot hold (out of date order, a return, more decimals than before, a counter past its
//! width) is marked *general* there and then; after the pass, the rows of the general
//! customers (all of them, from the start of the log) go through a general
//! [`SummaryBuilder`], and the two sorted outputs are interleaved. Row counts come from the
//! one pass over every row; the per-customer counts from whichever path summarised the
//! customer. The result is identical to the general builder's on the whole log — the
//! property tests compare the two on arbitrary logs.
//!
//! Under [`NegativeAmounts::Reject`] a negative row, or more than a quarter of the customers
//! turning general (an unordered log: the pass would not pay), hands the whole log to the
//! general builder instead.

use std::collections::HashSet;
use std::fmt::Debug;
use std::hash::Hash;

use rust_decimal::Decimal;

use super::builder::{holdout_from_totals, in_key_order, summary_from_totals};
use super::compact::Compact;
use super::hints::vec_prefaulted;
use super::pipeline::{self, RowSink};
use super::table::{CustomerTable, Entry};
use super::{CustomerSummary, NegativeAmounts, Summaries, SummaryBuilder, SummaryReport, SummarySpec};
use crate::error::Result;
use crate::time::PurchaseDate;
use crate::transaction::TransactionColumns;

pub(super) type FastSet<K> = HashSet<K, foldhash::fast::RandomState>;

/// General customers from which the pass gives up, if they are also more than a quarter
/// of the customers.
const GIVE_UP_MIN_GENERAL: usize = 4096;

/// Summarises the rows of `log` whose key hash (with `hasher`) `keep` accepts, as a fresh
/// [`SummaryBuilder`] hashing with `hasher` would (its `finish_part`: no customer is no
/// error here). `spec` must be valid.
pub(super) fn summarise<K, D>(
    spec: SummarySpec,
    log: TransactionColumns<'_, K, D>,
    hasher: foldhash::fast::RandomState,
    keep: impl Fn(u64) -> bool + Copy,
) -> Result<Summaries<K>>
where
    K: Eq + Hash + Ord + Clone + Debug,
    D: PurchaseDate,
{
    let mut pass = Pass::new(spec, log, hasher.clone());
    pipeline::presize(&mut pass.calibration, log.customers(), keep);
    let mut builder = SummaryBuilder::with_hasher(spec, hasher)?;
    if pipeline::run(&mut pass, log.customers(), log.dates(), keep).is_err() {
        builder.extend_filtered(log, keep)?;
        return builder.finish_part();
    }
    let general = if pass.general.is_empty() {
        None
    } else {
        builder.extend_only(log, &pass.general, &pass.general_hashes)?;
        Some(builder.finish_part()?)
    };
    let mut summaries = pass.finish()?;
    if let Some(general) = general {
        let mut report = general.report;
        // The pass counted every row; the builder only those of its customers again.
        (
            report.rows,
            report.rows_after_observation_end,
            report.negative_rows_excluded,
            report.negative_rows_netted,
        ) = (0, 0, 0, 0);
        summaries.report.add(&report);
        let compact = std::mem::take(&mut summaries.customers);
        summaries.customers = interleave(compact, general.customers);
    }
    Ok(summaries)
}

/// The one pass over the log.
struct Pass<'l, K> {
    spec: SummarySpec,
    summary_end_day: i32,
    observation_end_day: i32,
    calibration: CustomerTable<K, Compact>,
    holdout: CustomerTable<K, Compact>,
    customers: &'l [K],
    amounts: &'l [Decimal],
    /// Row counts so far (the per-customer counts are filled in by `finish`).
    report: SummaryReport,
    /// The customers handed to the general builder, and their hashes (a cheap first
    /// filter when their rows are picked out).
    general: FastSet<K>,
    general_hashes: FastSet<u64>,
}

impl<'l, K> Pass<'l, K> {
    fn new<D>(
        spec: SummarySpec,
        log: TransactionColumns<'l, K, D>,
        hasher: foldhash::fast::RandomState,
    ) -> Self {
        Pass {
            spec,
            summary_end_day: spec.summary_end().day_number(),
            observation_end_day: spec.observation_end.day_number(),
            calibration: CustomerTable::with_hasher(hasher.clone()),
            holdout: CustomerTable::with_hasher(hasher),
            customers: log.customers(),
            amounts: log.amounts(),
            report: SummaryReport::default(),
            general: FastSet::default(),
            general_hashes: FastSet::default(),
        }
    }
}

/// Why the pass stopped: the whole log goes to the general builder.
struct GiveUp;

impl<K: Eq + Hash + Clone> RowSink<K> for Pass<'_, K> {
    type Stop = GiveUp;
    type Value = Compact;

    #[inline]
    fn table_for(&self, day: i32) -> &CustomerTable<K, Compact> {
        if day <= self.summary_end_day {
            &self.calibration
        } else {
            &self.holdout
        }
    }

    #[inline]
    fn take(&mut self, row: usize, hash: u64, day: i32) -> std::result::Result<(), GiveUp> {
        let (Some(customer), Some(&amount)) = (self.customers.get(row), self.amounts.get(row)) else {
            return Ok(());
        };
        self.report.rows += 1;
        if day > self.observation_end_day {
            self.report.rows_after_observation_end += 1;
            return Ok(());
        }
        if amount.is_sign_negative() && !amount.is_zero() {
            match self.spec.negative_amounts {
                NegativeAmounts::Net => self.report.negative_rows_netted += 1,
                NegativeAmounts::Exclude => {
                    self.report.negative_rows_excluded += 1;
                    return Ok(());
                }
                // The general builder reports the row (or an earlier failing one).
                NegativeAmounts::Reject => return Err(GiveUp),
            }
        }
        let period = self.spec.period;
        let period_of = |d: i32| period.index(d);
        let table = if day <= self.summary_end_day {
            &mut self.calibration
        } else {
            &mut self.holdout
        };
        let kept = match table.entry(hash, customer) {
            Entry::Occupied(c) => {
                if c.is_general() || c.add(period_of, day, amount) {
                    return Ok(());
                }
                *c = Compact::GENERAL;
                false
            }
            Entry::Vacant(vacant) => match Compact::starting_with(day, amount) {
                Some(c) => {
                    vacant.insert(customer.clone(), c);
                    true
                }
                None => {
                    vacant.insert(customer.clone(), Compact::GENERAL);
                    false
                }
            },
            Entry::Full => return Err(GiveUp),
        };
        if !kept {
            self.general.insert(customer.clone());
            self.general_hashes.insert(hash);
            let customers = self.calibration.len() + self.holdout.len();
            if self.general.len() >= GIVE_UP_MIN_GENERAL && self.general.len() > customers / 4 {
                return Err(GiveUp);
            }
        }
        Ok(())
    }
}

impl<K: Eq + Hash + Ord + Clone + Debug> Pass<'_, K> {
    /// The summaries of the customers the pass kept, sorted by key, with the report of
    /// every row and of those customers.
    fn finish(self) -> Result<Summaries<K>> {
        let Pass {
            spec,
            summary_end_day,
            calibration,
            holdout,
            mut report,
            general,
            ..
        } = self;
        let is_general = |key: &K| !general.is_empty() && general.contains(key);
        let holdout_duration = spec.holdout_duration();
        let mut customers: Vec<CustomerSummary<K>> = vec_prefaulted(calibration.len());
        // Holdout customers met in the calibration window, and their rows.
        let (mut met, mut met_rows) = (0usize, 0u64);
        in_key_order(calibration, |key, c| {
            if c.is_general() || is_general(&key) {
                return Ok(());
            }
            let hold = holdout.get(&key);
            let hold_rows = hold.map_or(0, Compact::rows);
            if hold.is_some() {
                met += 1;
                met_rows += hold_rows;
            }
            let mut summary = summary_from_totals(&spec, summary_end_day, key, &c.totals(), &mut report)?;
            if let Some(duration) = holdout_duration {
                let h = match hold {
                    Some(h) => {
                        let t = h.totals();
                        holdout_from_totals(t.purchase_periods, t.total, t.rows, duration)?
                    }
                    None => holdout_from_totals(0, Decimal::ZERO, 0, duration)?,
                };
                summary.holdout = Some(h);
            }
            report.rows_summarised += c.rows() + hold_rows;
            customers.push(summary);
            Ok(())
        })?;
        // Customers first seen in the holdout (lifetimes drops them), kept ones only.
        let (mut hold_customers, mut hold_rows) = (0usize, 0u64);
        for (_, key, h) in holdout.indexed() {
            if !h.is_general() && !is_general(key) {
                hold_customers += 1;
                hold_rows += h.rows();
            }
        }
        report.customers_first_seen_in_holdout += (hold_customers - met) as u64;
        report.rows_of_excluded_customers += hold_rows - met_rows;
        report.customers = customers.len() as u64;
        Ok(Summaries {
            spec,
            customers,
            report,
        })
    }
}

/// Interleaves two vectors sorted by (distinct) customer keys into one sorted vector.
fn interleave<K: Ord>(a: Vec<CustomerSummary<K>>, b: Vec<CustomerSummary<K>>) -> Vec<CustomerSummary<K>> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut a, mut b) = (a.into_iter().peekable(), b.into_iter().peekable());
    loop {
        let next = match (a.peek(), b.peek()) {
            (Some(x), Some(y)) => {
                if x.customer <= y.customer {
                    a.next()
                } else {
                    b.next()
                }
            }
            (Some(_), None) => a.next(),
            (None, _) => b.next(),
        };
        match next {
            Some(s) => out.push(s),
            None => return out,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn pass_over(spec: SummarySpec, rows: &[(&'static str, u32, &str)]) -> FastSet<&'static str> {
        let d = |day| NaiveDate::from_ymd_opt(2024, 1, day).unwrap_or_default();
        let customers: Vec<&str> = rows.iter().map(|r| r.0).collect();
        let dates: Vec<NaiveDate> = rows.iter().map(|r| d(r.1)).collect();
        let amounts: Vec<Decimal> = rows.iter().map(|r| r.2.parse().unwrap_or_default()).collect();
        let log = TransactionColumns::new(&customers, &dates, &amounts).unwrap_or_else(|e| panic!("{e}"));
        let mut pass = Pass::new(spec, log, foldhash::fast::RandomState::default());
        assert!(pipeline::run(&mut pass, log.customers(), log.dates(), |_| true).is_ok());
        pass.general
    }

    #[test]
    fn only_customers_a_compact_cannot_hold_go_general() {
        let end = NaiveDate::from_ymd_opt(2024, 1, 31).unwrap_or_default();
        let general = pass_over(
            SummarySpec::new(end),
            &[
                ("in order", 1, "10.00"),
                ("return", 1, "10"),
                ("out of order", 2, "1"),
                ("more decimals", 2, "1.5"),
                ("fewer decimals", 2, "1.25"),
                ("in order", 1, "2.00"),
                ("return", 3, "-1"),
                ("out of order", 1, "1"),
                ("more decimals", 3, "1.55"),
                ("fewer decimals", 3, "1"),
                ("in order", 5, "3"),
                ("one row", 1, "1"),
            ],
        );
        let mut names: Vec<&str> = general.into_iter().collect();
        names.sort_unstable();
        assert_eq!(names, ["more decimals", "out of order", "return"]);
    }

    #[test]
    fn excluded_returns_leave_a_customer_compact() {
        let end = NaiveDate::from_ymd_opt(2024, 1, 31).unwrap_or_default();
        let spec = SummarySpec::new(end).with_negative_amounts(NegativeAmounts::Exclude);
        assert!(pass_over(spec, &[("a", 1, "10"), ("a", 2, "-5"), ("a", 3, "1")]).is_empty());
    }
}

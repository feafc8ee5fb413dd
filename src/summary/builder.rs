//! The general route, and the **readable reference path** of the summary core:
//! [`SummaryBuilder`] takes rows in any order, in any number of calls, and merges. Start
//! here; every other route (the in-order pass of `in_order.rs`, the parallel split) must
//! give bit-identical results to this builder fed the same rows, and the property tests
//! hold both to a plain `BTreeMap` oracle written from the definitions
//! (`tests/summary/oracle.rs`).
//!
//! Owns: row admission ([`RowCounts`]), the two windows, merge, and finishing totals into
//! summaries ([`SummaryMaker`], shared with the in-order route). Relies on:
//! `accumulator/` (one customer's state), `table.rs` and `pipeline.rs` (where states live,
//! the prefetching row loop), `exact.rs` (exact means). Must not: keep anything per row
//! (memory is one accumulator per customer and window, plus the side log), or let the
//! order of rows or the split into shards change a result. (Splitting this file was
//! measured at +4 % instructions on the in-order route, from inlining: keep it whole.)
use std::borrow::Borrow;
use std::collections::HashMap;
use std::fmt::Debug;
use std::hash::Hash;

use rust_decimal::Decimal;

use super::accumulator::{Accumulator, Side};
use super::exact::{Means, difference};
use super::hints::{vec_prefaulted, vec_with_huge_pages};
use super::in_order::FastSet;
use super::pipeline::{self, RowSink};
use super::table::{CustomerTable, Entry, TableValue};
use super::{CustomerSummary, HoldoutSummary, Summaries, SummaryReport, SummarySpec};
use crate::error::{Error, Result};
use crate::summary::NegativeAmounts;
use crate::time::{DayDates, PurchaseDate};
use crate::transaction::{Transaction, TransactionColumns};

type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// The accumulators of one window (calibration or holdout) and what they share.
#[derive(Debug, Clone)]
struct Window<K> {
    map: CustomerTable<K>,
    side: Side,
}

impl<K> Window<K> {
    /// An empty window whose table hashes with `hasher` (both windows of a builder share
    /// one, so a row is hashed once whichever window it falls in).
    fn with_hasher(hasher: foldhash::fast::RandomState) -> Self {
        Window {
            map: CustomerTable::with_hasher(hasher),
            side: Side::default(),
        }
    }
}

/// Row counters of a builder; all add up under merge.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct RowCounts {
    pub(super) rows: u64,
    after_end: u64,
    negative_excluded: u64,
    negative_netted: u64,
}

/// What happens to a row before it reaches a customer.
pub(super) enum Admission {
    /// It updates its customer.
    Take,
    /// It is counted and left out (after the observation end, or an excluded negative).
    Skip,
    /// A negative amount under [`NegativeAmounts::Reject`].
    Reject,
}

impl RowCounts {
    /// Counts a row and decides whether it reaches its customer (the same rules on every
    /// route).
    #[inline]
    pub(super) fn admit(
        &mut self,
        spec: &SummarySpec,
        observation_end_day: i32,
        day: i32,
        amount: Decimal,
    ) -> Admission {
        self.rows += 1;
        if day > observation_end_day {
            self.after_end += 1;
            return Admission::Skip;
        }
        if amount.is_sign_negative() && !amount.is_zero() {
            match spec.negative_amounts {
                NegativeAmounts::Net => self.negative_netted += 1,
                NegativeAmounts::Exclude => {
                    self.negative_excluded += 1;
                    return Admission::Skip;
                }
                NegativeAmounts::Reject => return Admission::Reject,
            }
        }
        Admission::Take
    }

    /// A report with these row counts (the per-customer counts still zero).
    pub(super) fn report(&self) -> SummaryReport {
        SummaryReport {
            rows: self.rows,
            rows_after_observation_end: self.after_end,
            negative_rows_excluded: self.negative_excluded,
            negative_rows_netted: self.negative_netted,
            ..SummaryReport::default()
        }
    }
}

/// The customer table found no free slot (an internal invariant: it grows first).
pub(super) const TABLE_FULL: &str = "internal error: the customer table found no free slot";

/// Builds customer summaries from a transaction log in one pass, in memory proportional to
/// the number of customers.
///
/// Rows may arrive in any order and in any number of calls. Builders over disjoint parts
/// of one log [`merge`](Self::merge) into the builder of the whole log.
///
/// # Examples
///
/// ```
/// use chrono::NaiveDate;
/// use customer_value::{SummaryBuilder, SummarySpec};
/// use rust_decimal::Decimal;
///
/// let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
/// let mut shard_a = SummaryBuilder::new(SummarySpec::new(d(6, 30)))?;
/// let mut shard_b = SummaryBuilder::new(SummarySpec::new(d(6, 30)))?;
/// shard_a.push(&"ana", d(1, 10), Decimal::new(30, 0))?;
/// shard_b.push(&"ana", d(3, 1), Decimal::new(50, 0))?;
/// shard_b.push(&"ana", d(3, 1), Decimal::new(10, 0))?; // same day: one purchase of 60
/// shard_a.merge(shard_b)?;
/// let summaries = shard_a.finish()?;
/// let ana = &summaries.customers[0];
/// assert_eq!((ana.frequency, ana.recency, ana.age), (1, 51.0, 172.0));
/// assert_eq!(ana.monetary_value, Decimal::new(60, 0));
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct SummaryBuilder<K> {
    spec: SummarySpec,
    summary_end_day: i32,
    observation_end_day: i32,
    calibration: Window<K>,
    holdout: Window<K>,
    counts: RowCounts,
}

impl<K> SummaryBuilder<K>
where
    K: Eq + Hash + Ord + Clone + Debug,
{
    /// An empty builder for `spec`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] if the spec is invalid (see [`SummarySpec::validate`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use customer_value::SummaryBuilder;
    /// use customer_value::SummarySpec;
    ///
    /// let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
    /// let bad = SummarySpec::new(d(1, 31)).with_calibration_end(d(2, 1));
    /// assert!(SummaryBuilder::<u64>::new(bad).is_err());
    /// ```
    pub fn new(spec: SummarySpec) -> Result<Self> {
        Self::with_hasher(spec, foldhash::fast::RandomState::default())
    }

    /// An empty builder whose tables hash with `hasher` (the in-order route's pass and its
    /// builder for general customers share one, so a key's hash is computed alike).
    pub(crate) fn with_hasher(spec: SummarySpec, hasher: foldhash::fast::RandomState) -> Result<Self> {
        spec.validate()?;
        Ok(SummaryBuilder {
            spec,
            summary_end_day: spec.summary_end().day_number(),
            observation_end_day: spec.observation_end.day_number(),
            calibration: Window::with_hasher(hasher.clone()),
            holdout: Window::with_hasher(hasher),
            counts: RowCounts::default(),
        })
    }

    /// An empty builder with room for `customers` customers in the calibration window, so
    /// the table does not grow while rows arrive (worth it when the number is known).
    ///
    /// # Errors
    ///
    /// As [`new`](Self::new).
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use customer_value::{SummaryBuilder, SummarySpec};
    ///
    /// let spec = SummarySpec::new(NaiveDate::from_ymd_opt(2024, 6, 30).unwrap());
    /// let builder = SummaryBuilder::<u64>::with_capacity(spec, 100_000)?;
    /// assert_eq!(builder.rows(), 0);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn with_capacity(spec: SummarySpec, customers: usize) -> Result<Self> {
        let mut b = Self::new(spec)?;
        b.calibration.map.reserve(customers);
        Ok(b)
    }

    /// The settings this builder summarises with.
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use customer_value::{SummaryBuilder, SummarySpec, TimeUnit};
    ///
    /// let spec = SummarySpec::new(NaiveDate::from_ymd_opt(2024, 6, 30).unwrap()).with_unit(TimeUnit::WEEK);
    /// let builder = SummaryBuilder::<u64>::new(spec)?;
    /// assert_eq!(builder.spec().unit, TimeUnit::WEEK);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn spec(&self) -> &SummarySpec {
        &self.spec
    }

    /// Rows pushed so far (including excluded ones).
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use customer_value::{SummaryBuilder, SummarySpec};
    /// use rust_decimal::Decimal;
    ///
    /// let d = |m| NaiveDate::from_ymd_opt(2024, m, 1).unwrap();
    /// let mut builder = SummaryBuilder::new(SummarySpec::new(d(6)))?;
    /// builder.push(&1_u64, d(1), Decimal::ONE)?;
    /// builder.push(&1_u64, d(7), Decimal::ONE)?; // after the end: counted
    /// assert_eq!(builder.rows(), 2);
    /// assert_eq!(builder.finish()?.report.rows_after_observation_end, 1);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn rows(&self) -> u64 {
        self.counts.rows
    }

    /// Adds one row.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidRow`] (with the row's 0-based position among the rows this builder
    /// has seen) if the amount is negative under [`NegativeAmounts::Reject`], if a running
    /// total overflows `Decimal`, or one customer has more than 2^32 − 1 rows. The builder
    /// is unchanged by a failed row, except that it is counted.
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use customer_value::{SummaryBuilder, SummarySpec};
    /// use rust_decimal::Decimal;
    ///
    /// let d = |day| NaiveDate::from_ymd_opt(2024, 1, day).unwrap();
    /// let mut builder = SummaryBuilder::new(SummarySpec::new(d(10)))?;
    /// builder.push(&7_u64, d(1), Decimal::TEN)?;
    /// builder.push(&7_u64, d(20), Decimal::TEN)?; // after the observation end: counted, left out
    /// let s = builder.finish()?;
    /// assert_eq!((s.report.rows, s.report.rows_after_observation_end), (2, 1));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[inline]
    pub fn push<D: PurchaseDate>(&mut self, customer: &K, date: D, amount: Decimal) -> Result<()> {
        self.push_day(customer, date.day_number(), amount)
    }

    #[inline]
    fn push_day(&mut self, customer: &K, day: i32, amount: Decimal) -> Result<()> {
        self.push_day_at(self.counts.rows, customer, day, amount)
    }

    /// Adds one row whose position (for errors) is `row`.
    #[inline]
    fn push_day_at(&mut self, row: u64, customer: &K, day: i32, amount: Decimal) -> Result<()> {
        let hash = self.calibration.map.hash(customer);
        self.push_hashed(row, customer, hash, day, amount)
    }

    /// Adds one row whose key hashes (with the tables' hasher) to `hash`.
    #[inline]
    fn push_hashed(&mut self, row: u64, customer: &K, hash: u64, day: i32, amount: Decimal) -> Result<()> {
        match self
            .counts
            .admit(&self.spec, self.observation_end_day, day, amount)
        {
            Admission::Take => {}
            Admission::Skip => return Ok(()),
            Admission::Reject => {
                return Err(Error::InvalidRow {
                    row,
                    reason: format!("negative amount {amount} for customer {customer:?}"),
                });
            }
        }
        let period = self.spec.period;
        let window = if day <= self.summary_end_day {
            &mut self.calibration
        } else {
            &mut self.holdout
        };
        let period_of = |d: i32| period.index(d);
        let result = match window.map.entry(hash, customer) {
            Entry::Occupied(acc) => acc.add(&mut window.side, period_of, day, amount),
            Entry::Vacant(vacant) => match Accumulator::starting_with(day, amount) {
                Some(acc) => {
                    vacant.insert(customer.clone(), acc);
                    Ok(())
                }
                None => {
                    let mut acc = Accumulator::new();
                    let r = acc.add(&mut window.side, period_of, day, amount);
                    if r.is_ok() {
                        vacant.insert(customer.clone(), acc);
                    }
                    r
                }
            },
            Entry::Full => Err(TABLE_FULL),
        };
        result.map_err(|reason| Error::InvalidRow {
            row,
            reason: format!("customer {customer:?}: {reason}"),
        })
    }

    /// Adds every record of an iterator (owned records or references).
    ///
    /// # Errors
    ///
    /// As [`push`](Self::push), at the first failing row.
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use customer_value::{SummaryBuilder, SummarySpec, Transaction};
    /// use rust_decimal::Decimal;
    ///
    /// let d = |day| NaiveDate::from_ymd_opt(2024, 1, day).unwrap();
    /// let log = [Transaction::new("a", d(1), Decimal::ONE), Transaction::new("a", d(8), Decimal::TWO)];
    /// let mut builder = SummaryBuilder::new(SummarySpec::new(d(31)))?;
    /// builder.extend(&log)?; // references or owned records
    /// let a = &builder.finish()?.customers[0];
    /// assert_eq!((a.frequency, a.recency, a.age), (1, 7.0, 30.0));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn extend<I, T, D>(&mut self, records: I) -> Result<()>
    where
        I: IntoIterator<Item = T>,
        T: Borrow<Transaction<K, D>>,
        D: PurchaseDate,
    {
        for t in records {
            let t = t.borrow();
            self.push_day(&t.customer, t.date.day_number(), t.amount)?;
        }
        Ok(())
    }

    /// Adds every row of a columnar log.
    ///
    /// # Errors
    ///
    /// As [`push`](Self::push), at the first failing row.
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use customer_value::{SummaryBuilder, SummarySpec, TransactionLog};
    /// use rust_decimal::Decimal;
    ///
    /// let d = |day| NaiveDate::from_ymd_opt(2024, 1, day).unwrap();
    /// let mut log = TransactionLog::default();
    /// log.push(1_u32, d(1), Decimal::TEN);
    /// log.push(2_u32, d(5), Decimal::ONE);
    /// let mut builder = SummaryBuilder::new(SummarySpec::new(d(31)))?;
    /// builder.extend_columns(log.columns())?;
    /// assert_eq!(builder.finish()?.report.customers, 2);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn extend_columns<D: PurchaseDate>(&mut self, log: TransactionColumns<'_, K, D>) -> Result<()> {
        pipeline::presize(&mut self.calibration.map, log.customers(), |_, _| true);
        self.extend_selected(log, false, None, |_, _| true)
    }

    /// Adds the rows of `log` whose key (and its hash) `keep` accepts and, if `only` is given, whose
    /// customer is in it, in order (through the prefetch pipeline, see `pipeline.rs`).
    /// Errors name a row by its position in `log` if `log_positions`, else among the rows
    /// this builder has seen.
    #[inline]
    fn extend_selected<D: PurchaseDate>(
        &mut self,
        log: TransactionColumns<'_, K, D>,
        log_positions: bool,
        only: Option<&FastSet<K>>,
        keep: impl Fn(&K, u64) -> bool,
    ) -> Result<()> {
        let (customers, amounts) = (log.customers(), log.amounts());
        let mut sink = BuilderSink {
            builder: self,
            customers,
            amounts,
            log_positions,
            only,
        };
        pipeline::run(&mut sink, customers, log.dates(), keep)
    }

    /// Adds the rows of `log` whose customer is in `only` (the in-order path's general
    /// customers), naming rows in errors by their position in `log`. `may_be_in` is a
    /// cheap first test of a key's hash (with this builder's hasher): false only for keys
    /// not in `only`. The table is not pre-sized (few customers, and an estimate would
    /// cost one more pass over the keys).
    pub(super) fn extend_only<D: PurchaseDate>(
        &mut self,
        log: TransactionColumns<'_, K, D>,
        only: &FastSet<K>,
        may_be_in: impl Fn(u64) -> bool,
    ) -> Result<()> {
        self.extend_selected(log, true, Some(only), |_, hash| may_be_in(hash))
    }

    /// The window a day falls in.
    #[inline]
    fn window(&self, day: i32) -> &Window<K> {
        if day <= self.summary_end_day {
            &self.calibration
        } else {
            &self.holdout
        }
    }

    /// Folds another builder (over a disjoint part of the same log) into this one.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] if the two builders have different specs;
    /// [`Error::InvalidCustomer`] if a merged total overflows `Decimal`.
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use customer_value::{SummaryBuilder, SummarySpec};
    ///
    /// let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
    /// let mut a = SummaryBuilder::<u32>::new(SummarySpec::new(d(6, 30)))?;
    /// let b = SummaryBuilder::<u32>::new(SummarySpec::new(d(7, 31)))?;
    /// assert!(a.merge(b).is_err()); // different specs
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn merge(&mut self, other: SummaryBuilder<K>) -> Result<()> {
        if other.spec != self.spec {
            return Err(Error::param(
                "other",
                "a builder with another spec",
                "only builders with identical specs merge",
            ));
        }
        let period = self.spec.period;
        merge_windows(&mut self.calibration, other.calibration, period)?;
        merge_windows(&mut self.holdout, other.holdout, period)?;
        let (a, b) = (&mut self.counts, other.counts);
        a.rows += b.rows;
        a.after_end += b.after_end;
        a.negative_excluded += b.negative_excluded;
        a.negative_netted += b.negative_netted;
        Ok(())
    }

    /// Finishes into per-customer summaries, sorted by customer key, with the report of
    /// everything excluded.
    ///
    /// Customers with no purchase in the calibration window (only returns, or a first
    /// purchase in the holdout, as lifetimes drops them) are left out and counted.
    ///
    /// # Errors
    ///
    /// [`Error::EmptyInput`] if no customer has a purchase in the calibration window (an
    /// empty log, or every row after the end); [`Error::Overflow`] if a spend total
    /// overflows `Decimal` while netting.
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use customer_value::{Error, SummaryBuilder, SummarySpec};
    /// use rust_decimal::Decimal;
    ///
    /// let d = |day| NaiveDate::from_ymd_opt(2024, 1, day).unwrap();
    /// let mut builder = SummaryBuilder::new(SummarySpec::new(d(31)))?;
    /// builder.push(&1_u32, d(3), Decimal::TEN)?;
    /// builder.push(&2_u32, d(4), -Decimal::TEN)?; // only a return: not a customer yet
    /// let s = builder.finish()?;
    /// assert_eq!((s.report.customers, s.report.customers_without_purchase), (1, 1));
    /// let empty = SummaryBuilder::<u32>::new(SummarySpec::new(d(31)))?;
    /// assert!(matches!(empty.finish(), Err(Error::EmptyInput { .. })));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn finish(self) -> Result<Summaries<K>> {
        self.finish_part()?.with_customers()
    }

    /// Adds the rows of `log` whose key (and its hash) `keep` accepts, naming rows in errors by their
    /// position in `log` (the parallel path's partitions, the in-order path's fallback).
    pub(super) fn extend_filtered<D: PurchaseDate>(
        &mut self,
        log: TransactionColumns<'_, K, D>,
        keep: impl Fn(&K, u64) -> bool + Copy,
    ) -> Result<()> {
        pipeline::presize(&mut self.calibration.map, log.customers(), keep);
        self.extend_selected(log, true, None, keep)
    }

    /// [`finish`](Self::finish) that accepts an empty result (a partition may be empty).
    pub(crate) fn finish_part(self) -> Result<Summaries<K>> {
        let SummaryBuilder {
            spec,
            summary_end_day,
            holdout,
            calibration,
            counts,
            ..
        } = self;
        let mut report = counts.report();
        let holdout_duration = spec.holdout_duration();
        // Customers whose period count needs their blocks from the side log.
        let needed = |side: &Side, accs: &mut dyn Iterator<Item = &Accumulator>| -> Vec<u32> {
            if side.may_need_blocks() {
                accs.filter_map(|a| a.needs_blocks(side)).collect()
            } else {
                Vec::new()
            }
        };
        let cal_blocks = calibration
            .side
            .blocks_of(&needed(&calibration.side, &mut calibration.map.values()));
        let hold_blocks = holdout
            .side
            .blocks_of(&needed(&holdout.side, &mut holdout.map.values()));
        let mut customers = vec_prefaulted(calibration.map.len());
        // Holdout customers met in the calibration window, and their rows.
        let (mut met, mut met_rows) = (0usize, 0u64);
        let mut maker = SummaryMaker::new(spec, summary_end_day);
        in_key_order(calibration.map, |key, acc| {
            let hold = holdout.map.get(&key);
            let hold_rows = hold.map_or(0, |h| u64::from(h.rows));
            if hold.is_some() {
                met += 1;
                met_rows += hold_rows;
            }
            if !acc.has_purchase() {
                report.customers_without_purchase += 1;
                report.rows_of_excluded_customers += u64::from(acc.rows) + hold_rows;
                return Ok(());
            }
            let logged = logged_blocks(acc, &calibration.side, &cal_blocks);
            let summary = summarise_one(&mut maker, key, acc, &calibration.side, logged, &mut report)?;
            let summary = match holdout_duration {
                Some(duration) => {
                    let logged = hold.and_then(|h| logged_blocks(h, &holdout.side, &hold_blocks));
                    attach_holdout(&mut maker, summary, hold, &holdout.side, logged, duration)?
                }
                None => summary,
            };
            report.rows_summarised += u64::from(acc.rows) + hold_rows;
            customers.push(summary);
            Ok(())
        })?;
        let hold_rows: u64 = holdout.map.values().map(|a| u64::from(a.rows)).sum();
        report.count_holdout_only((holdout.map.len(), hold_rows), (met, met_rows));
        report.customers = customers.len() as u64;
        Ok(Summaries {
            spec,
            customers,
            report,
        })
    }
}

/// A builder taking the rows of one columnar log from the pipeline.
struct BuilderSink<'b, 'l, K> {
    builder: &'b mut SummaryBuilder<K>,
    customers: &'l [K],
    amounts: &'l [Decimal],
    /// Whether errors name rows by their position in the log (else among the rows the
    /// builder has seen).
    log_positions: bool,
    /// Only the rows of these customers, if given.
    only: Option<&'l FastSet<K>>,
}

impl<K: Eq + Hash + Ord + Clone + Debug> RowSink<K> for BuilderSink<'_, '_, K> {
    type Stop = Error;
    type Value = Accumulator;

    #[inline]
    fn table_for(&self, day: i32) -> &CustomerTable<K> {
        &self.builder.window(day).map
    }

    #[inline]
    fn take(&mut self, row: usize, hash: u64, day: i32) -> Result<()> {
        if let (Some(c), Some(a)) = (self.customers.get(row), self.amounts.get(row)) {
            if self.only.is_some_and(|only| !only.contains(c)) {
                return Ok(());
            }
            let position = if self.log_positions {
                row as u64
            } else {
                self.builder.counts.rows
            };
            self.builder.push_hashed(position, c, hash, day, *a)?;
        }
        Ok(())
    }
}

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

fn merge_windows<K: Eq + Hash + Debug>(
    into: &mut Window<K>,
    from: Window<K>,
    period: crate::Period,
) -> Result<()> {
    let Window { map, side } = from;
    let offset = into.side.absorb(side).map_err(|reason| Error::InvalidParameter {
        name: "other",
        value: "a builder".into(),
        reason,
    })?;
    into.map.reserve(map.len());
    let period_of = move |d: i32| period.index(d);
    for (key, mut acc) in map.into_entries() {
        let hash = into.map.hash(&key);
        match into.map.entry(hash, &key) {
            Entry::Occupied(a) => a
                .merge(&mut into.side, period_of, acc, offset)
                .map_err(|reason| Error::InvalidCustomer {
                    customer: format!("{key:?}"),
                    reason: reason.to_string(),
                })?,
            Entry::Vacant(vacant) => {
                acc.shift_id(offset);
                vacant.insert(key, acc);
            }
            Entry::Full => {
                return Err(Error::InvalidCustomer {
                    customer: format!("{key:?}"),
                    reason: TABLE_FULL.to_string(),
                });
            }
        }
    }
    Ok(())
}

/// The blocks a customer's count needs, if it needs any.
fn logged_blocks<'a>(
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
fn summarise_one<K: Debug>(
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

fn attach_holdout<K>(
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

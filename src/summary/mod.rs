//! Per-customer summaries of a transaction log: the input of every model.
//!
//! The summary is lifetimes' recency–frequency–monetary summary, so numbers compare one to
//! one with the peers:
//!
//! * purchases in the same [`Period`](crate::Period) (a day by default) collapse into one;
//! * `frequency` = distinct purchase periods − 1 (repeat purchases);
//! * `recency` = time from the first to the last purchase period;
//! * `age` (the papers' `T`) = time from the first purchase period to the end of the window;
//! * `monetary_value` = mean spend of the repeat purchase periods (0 without repeats).
//!
//! Times are in the spec's [`TimeUnit`](crate::TimeUnit). With a calibration end, each
//! customer also gets a [`HoldoutSummary`] of the window after it.
//!
//! This module owns building (one pass, mergeable: [`SummaryBuilder`]), the result types
//! and the columnar view the models' batch functions read ([`SummaryColumns`]). It does not
//! parse files (see [`io`](crate::io)) or fit anything.

mod accumulator;
mod builder;
mod columns;
mod compact;
mod exact;
mod hints;
mod in_order;
mod pipeline;
mod spec;
mod table;

pub use builder::SummaryBuilder;
pub use columns::{HoldoutColumns, SummaryColumns};
pub use hints::{kernel_memory_hints, set_kernel_memory_hints};
pub use spec::{NegativeAmounts, SummarySpec};

use std::borrow::Borrow;
use std::fmt::Debug;
use std::hash::Hash;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::time::PurchaseDate;
use crate::transaction::{Transaction, TransactionColumns};

/// One customer's summary over the calibration window (the whole observation without a
/// calibration end).
///
/// # Examples
///
/// ```
/// use chrono::NaiveDate;
/// use customer_value::{summarise, SummarySpec, TimeUnit, Transaction};
/// use rust_decimal::Decimal;
///
/// let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
/// // Customer 1 of the CDNOW sample, calibration window only.
/// let log = [
///     Transaction::new(1_u32, d(1997, 1, 1), Decimal::new(2933, 2)),
///     Transaction::new(1, d(1997, 1, 18), Decimal::new(2973, 2)),
///     Transaction::new(1, d(1997, 8, 2), Decimal::new(1496, 2)),
/// ];
/// let spec = SummarySpec::new(d(1997, 9, 30)).with_unit(TimeUnit::WEEK);
/// let s = &summarise(spec, &log)?.customers[0];
/// assert_eq!(s.frequency, 2);
/// assert!((s.recency - 30.428_571_4).abs() < 1e-6);
/// assert!((s.age - 38.857_142_9).abs() < 1e-6);
/// assert_eq!(s.monetary_value, Decimal::new(22345, 3));
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomerSummary<K> {
    /// The customer's key.
    pub customer: K,
    /// Repeat purchases: distinct purchase periods − 1 (the papers' `x`).
    pub frequency: u32,
    /// Time from the first to the last purchase period, in the unit: the BTYD papers'
    /// `t_x`. **Not** RFM recency (time *since* the last purchase, `age − recency`), which
    /// is [`RfmValues::recency`](crate::segment::RfmValues::recency). The models take it as
    /// [`History::recency`](crate::btyd::History::recency) (`History::try_from(&summary)`).
    pub recency: f64,
    /// Time from the first purchase period to the end of the window, in the unit (`T`).
    #[serde(rename = "T")]
    pub age: f64,
    /// Mean spend of the repeat purchase periods; 0 without repeats.
    pub monetary_value: Decimal,
    /// Net spend over the window, first purchase and returns included.
    pub total_spend: Decimal,
    /// `total_spend` / purchase periods: mean spend counting the first purchase
    /// (segmentation's convention).
    pub mean_spend: Decimal,
    /// Day of the first purchase in the window.
    pub first_purchase: NaiveDate,
    /// Day of the last purchase in the window.
    pub last_purchase: NaiveDate,
    /// Raw rows of this customer in the window (returns included).
    pub rows: u64,
    /// The holdout window, when the spec has a calibration end.
    pub holdout: Option<HoldoutSummary>,
}

impl<K> CustomerSummary<K> {
    /// Distinct purchase periods, first purchase included (`frequency + 1`).
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use customer_value::{summarise, SummarySpec, Transaction};
    /// use rust_decimal::Decimal;
    ///
    /// let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
    /// // Two rows on 1 March are one purchase period (a day by default).
    /// let log = [
    ///     Transaction::new(1_u32, d(3, 1), Decimal::TEN),
    ///     Transaction::new(1, d(3, 1), Decimal::ONE),
    ///     Transaction::new(1, d(3, 9), Decimal::TEN),
    /// ];
    /// let s = &summarise(SummarySpec::new(d(3, 31)), &log)?.customers[0];
    /// assert_eq!((s.rows, s.frequency, s.purchase_periods()), (3, 1, 2));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn purchase_periods(&self) -> u64 {
        u64::from(self.frequency) + 1
    }
}

/// A customer's activity after the calibration end, up to the observation end.
///
/// # Examples
///
/// ```
/// use chrono::NaiveDate;
/// use customer_value::{summarise, SummarySpec, Transaction};
/// use rust_decimal::Decimal;
///
/// let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
/// let log = [
///     Transaction::new(1_u32, d(1, 5), Decimal::TEN),
///     Transaction::new(1, d(2, 10), Decimal::new(25, 0)), // holdout
///     Transaction::new(1, d(2, 20), Decimal::new(15, 0)), // holdout
/// ];
/// let spec = SummarySpec::new(d(3, 31)).with_calibration_end(d(1, 31));
/// let s = &summarise(spec, &log)?.customers[0];
/// assert_eq!(s.frequency, 0); // calibration only
/// let h = s.holdout.as_ref().unwrap();
/// assert_eq!((h.frequency, h.total_spend, h.monetary_value), (2, Decimal::new(40, 0), Decimal::new(20, 0)));
/// assert_eq!(h.duration, 60.0); // 1 February to 31 March, in days
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HoldoutSummary {
    /// Distinct purchase periods in the holdout (every one counts: the customer is known).
    pub frequency: u32,
    /// Mean spend of the holdout purchase periods; 0 without any. (lifetimes averages raw
    /// rows here, unlike its calibration value; periods are used for both here.)
    pub monetary_value: Decimal,
    /// Net spend in the holdout, returns included.
    pub total_spend: Decimal,
    /// Length of the holdout in the unit (the same for every customer).
    pub duration: f64,
    /// Raw rows of this customer in the holdout.
    pub rows: u64,
}

/// What a summary run read, used and left out. Nothing is dropped silently:
/// `rows = rows_summarised + rows_after_observation_end + negative_rows_excluded +
/// rows_of_excluded_customers`.
///
/// # Examples
///
/// ```
/// use chrono::NaiveDate;
/// use customer_value::{summarise, SummarySpec, Transaction};
/// use rust_decimal::Decimal;
///
/// let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
/// let log = [
///     Transaction::new(1_u32, d(1, 5), Decimal::TEN),
///     Transaction::new(1, d(1, 7), Decimal::new(-3, 0)), // a return, netted
///     Transaction::new(2, d(1, 9), Decimal::new(-5, 0)), // only a return: no purchase
///     Transaction::new(3, d(4, 2), Decimal::ONE),        // after the observation end
/// ];
/// let r = summarise(SummarySpec::new(d(3, 31)), &log)?.report;
/// assert_eq!((r.rows, r.rows_summarised, r.rows_after_observation_end), (4, 2, 1));
/// assert_eq!((r.customers, r.customers_without_purchase, r.rows_of_excluded_customers), (1, 1, 1));
/// // Nothing is dropped silently.
/// assert_eq!(r.rows, r.rows_summarised + r.rows_after_observation_end
///     + r.negative_rows_excluded + r.rows_of_excluded_customers);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SummaryReport {
    /// Rows given.
    pub rows: u64,
    /// Rows that went into an output customer's summary.
    pub rows_summarised: u64,
    /// Rows dated after the observation end (excluded).
    pub rows_after_observation_end: u64,
    /// Negative rows skipped under [`NegativeAmounts::Exclude`].
    pub negative_rows_excluded: u64,
    /// Negative rows netted into spend under [`NegativeAmounts::Net`].
    pub negative_rows_netted: u64,
    /// Netted returns dated before the customer's first purchase in the window.
    pub returns_before_first_purchase: u64,
    /// Rows of customers left out of the output (see the two counts below).
    pub rows_of_excluded_customers: u64,
    /// Customers in the output.
    pub customers: u64,
    /// Customers with rows in the calibration window but no purchase (only returns).
    pub customers_without_purchase: u64,
    /// Customers whose first purchase is in the holdout window (left out, as lifetimes).
    pub customers_first_seen_in_holdout: u64,
    /// Output customers whose first-period spend or repeat spend nets below zero.
    pub customers_netting_negative: u64,
}

impl SummaryReport {
    /// Counts the holdout customers not met in the calibration window (lifetimes drops
    /// them) and their rows: `(customers, rows)` of the whole holdout window less those of
    /// the customers `met` there.
    pub(crate) fn count_holdout_only(&mut self, holdout: (usize, u64), met: (usize, u64)) {
        self.customers_first_seen_in_holdout += (holdout.0 - met.0) as u64;
        self.rows_of_excluded_customers += holdout.1 - met.1;
    }

    /// Adds another report's counts (of a disjoint part of the same log).
    pub(crate) fn add(&mut self, o: &SummaryReport) {
        self.rows += o.rows;
        self.rows_summarised += o.rows_summarised;
        self.rows_after_observation_end += o.rows_after_observation_end;
        self.negative_rows_excluded += o.negative_rows_excluded;
        self.negative_rows_netted += o.negative_rows_netted;
        self.returns_before_first_purchase += o.returns_before_first_purchase;
        self.rows_of_excluded_customers += o.rows_of_excluded_customers;
        self.customers += o.customers;
        self.customers_without_purchase += o.customers_without_purchase;
        self.customers_first_seen_in_holdout += o.customers_first_seen_in_holdout;
        self.customers_netting_negative += o.customers_netting_negative;
    }
}

/// Summaries of a whole log: one per customer, sorted by key, with the spec and the report.
///
/// # Examples
///
/// ```
/// use chrono::NaiveDate;
/// use customer_value::{summarise, SummarySpec, Transaction};
/// use rust_decimal::Decimal;
///
/// let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
/// let log = [
///     Transaction::new("zoe", d(1, 5), Decimal::TEN),
///     Transaction::new("al", d(1, 9), Decimal::ONE),
/// ];
/// let s = summarise(SummarySpec::new(d(3, 31)), &log)?;
/// let keys: Vec<_> = s.customers.iter().map(|c| c.customer).collect();
/// assert_eq!(keys, ["al", "zoe"]); // ascending key order, whatever the log's
/// assert_eq!(s.report.customers, 2);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summaries<K> {
    /// The settings used.
    pub spec: SummarySpec,
    /// One summary per customer, in ascending key order.
    pub customers: Vec<CustomerSummary<K>>,
    /// What was read, used and excluded.
    pub report: SummaryReport,
}

impl<K> Summaries<K> {
    /// `self`, or [`Error::EmptyInput`](crate::Error::EmptyInput) without a customer (no
    /// purchase in the calibration window).
    pub(crate) fn with_customers(self) -> Result<Self> {
        if self.customers.is_empty() {
            return Err(crate::Error::EmptyInput {
                what: "customers with a purchase in the calibration window",
            });
        }
        Ok(self)
    }
}

impl<K: Ord + Clone> Summaries<K> {
    /// The summary of `customer`, by binary search.
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use customer_value::{summarise, SummarySpec, Transaction};
    /// use rust_decimal::Decimal;
    ///
    /// let day = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
    /// let log = [Transaction::new(7_u64, day, Decimal::ONE)];
    /// let s = summarise(SummarySpec::new(day), &log)?;
    /// assert_eq!(s.get(&7).map(|c| c.frequency), Some(0));
    /// assert!(s.get(&8).is_none());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn get(&self, customer: &K) -> Option<&CustomerSummary<K>> {
        self.customers
            .binary_search_by(|c| c.customer.cmp(customer))
            .ok()
            .and_then(|i| self.customers.get(i))
    }

    /// The struct-of-arrays view the models' batch functions take.
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use customer_value::{summarise, SummarySpec, TimeUnit, Transaction};
    /// use rust_decimal::Decimal;
    ///
    /// let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
    /// let log = [
    ///     Transaction::new(1_u32, d(1, 1), Decimal::TEN),
    ///     Transaction::new(1, d(1, 15), Decimal::new(20, 0)),
    ///     Transaction::new(2, d(2, 1), Decimal::ONE),
    /// ];
    /// let spec = SummarySpec::new(d(3, 31)).with_unit(TimeUnit::WEEK);
    /// let cols = summarise(spec, &log)?.columns();
    /// assert_eq!(cols.len(), 2);
    /// assert_eq!(cols.frequency, [1.0, 0.0]);
    /// assert_eq!(cols.recency[0], 2.0); // 14 days in weeks
    /// assert_eq!(cols.monetary_value, [20.0, 0.0]);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn columns(&self) -> SummaryColumns<K> {
        SummaryColumns::from_summaries(&self.customers).with_unit(self.spec.unit)
    }
}

/// Summarises a log given as records (owned or borrowed) in one call.
///
/// # Errors
///
/// As [`SummaryBuilder::push`] and [`SummaryBuilder::finish`].
///
/// # Examples
///
/// ```
/// use chrono::NaiveDate;
/// use customer_value::{summarise, SummarySpec, Transaction};
/// use rust_decimal::Decimal;
///
/// let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
/// let log = vec![
///     Transaction::new(1_u32, d(1, 1), Decimal::new(1999, 2)),
///     Transaction::new(1, d(1, 8), Decimal::new(2999, 2)),
/// ];
/// // Owned or borrowed records, in any order.
/// let owned = summarise(SummarySpec::new(d(1, 31)), log.clone().into_iter().rev())?;
/// let borrowed = summarise(SummarySpec::new(d(1, 31)), &log)?;
/// assert_eq!(owned, borrowed);
/// assert_eq!(borrowed.customers[0].monetary_value, Decimal::new(2999, 2));
/// // No purchase in the window is an error, not an empty result.
/// assert!(summarise(SummarySpec::new(d(1, 31)), Vec::<Transaction<u32, NaiveDate>>::new()).is_err());
/// # Ok::<(), customer_value::Error>(())
/// ```
///
/// More in [`CustomerSummary`].
pub fn summarise<K, I, T, D>(spec: SummarySpec, records: I) -> Result<Summaries<K>>
where
    K: Eq + Hash + Ord + Clone + Debug,
    I: IntoIterator<Item = T>,
    T: Borrow<Transaction<K, D>>,
    D: PurchaseDate,
{
    let mut builder = SummaryBuilder::new(spec)?;
    builder.extend(records)?;
    builder.finish()
}

/// Summarises a columnar log in one call: the fastest path, with exactly the result of a
/// [`SummaryBuilder`] fed the same rows.
///
/// Customers whose rows come in date order (in a log written in date order, nearly all of
/// them) are summarised from 24-byte totals that keep only the count of their purchase
/// periods, half the memory traffic of the builder's. A customer with a purchase out of
/// date order, a return between two of their purchase periods or as their first row, or
/// totals past the compact widths (a first-period spend of 2³¹ − 1 in the smallest unit,
/// e.g. 21,474,836.47 at two decimals; 65,535 rows) is summarised the general way, from
/// all of their rows, after the pass. A log where that holds for many (out of date order)
/// goes to the general builder as a whole, at the cost of the pass so far. See
/// `docs/architecture.md` and, for what each shape of log costs, `docs/benchmarks.md`.
///
/// # Errors
///
/// As [`SummaryBuilder::push`] (rows named by their position in `log`) and
/// [`SummaryBuilder::finish`].
///
/// # Examples
///
/// ```
/// use chrono::NaiveDate;
/// use customer_value::{summarise_columns, SummarySpec, TransactionColumns};
/// use rust_decimal::Decimal;
///
/// let d = |day| NaiveDate::from_ymd_opt(2024, 1, day).unwrap();
/// let (ids, dates, amounts) = ([1_u64, 2, 1], [d(1), d(2), d(8)], [Decimal::TEN; 3]);
/// let s = summarise_columns(SummarySpec::new(d(31)), TransactionColumns::new(&ids, &dates, &amounts)?)?;
/// assert_eq!(s.customers.len(), 2);
/// assert_eq!(s.customers[0].frequency, 1);
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn summarise_columns<K, D>(spec: SummarySpec, log: TransactionColumns<'_, K, D>) -> Result<Summaries<K>>
where
    K: Eq + Hash + Ord + Clone + Debug,
    D: PurchaseDate,
{
    spec.validate()?;
    in_order::summarise(spec, log, foldhash::fast::RandomState::default(), |_, _| true)?.with_customers()
}

/// Summarises a columnar log on all rayon threads (feature `parallel`).
///
/// Customers are split into one range of keys per thread (cut at quantiles of a sample of
/// the rows, so each range holds about as many rows); every thread reads the whole log and
/// summarises its own customers (by [`summarise_columns`]' route: compact totals for
/// customers in date order), so no accumulator is shared or merged, and the ranges'
/// sorted outputs are joined end to end. The result is identical to
/// [`summarise_columns`], including the row positions in errors (when several rows fail,
/// which one is reported may differ).
///
/// # Errors
///
/// As [`summarise_columns`].
///
/// # Examples
///
/// ```
/// use chrono::NaiveDate;
/// use customer_value::{summarise_columns, summarise_columns_parallel, SummarySpec, TransactionColumns};
/// use rust_decimal::Decimal;
///
/// let d = |day| NaiveDate::from_ymd_opt(2024, 1, day).unwrap();
/// let ids: Vec<u64> = (0..1000).map(|i| i % 37).collect();
/// let dates: Vec<_> = (0..1000).map(|i| d(1 + (i % 28) as u32)).collect();
/// let amounts = vec![Decimal::ONE; 1000];
/// let log = TransactionColumns::new(&ids, &dates, &amounts)?;
/// let spec = SummarySpec::new(d(31));
/// assert_eq!(summarise_columns_parallel(spec, log)?, summarise_columns(spec, log)?);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[cfg(feature = "parallel")]
#[cfg_attr(docsrs, doc(cfg(feature = "parallel")))]
pub fn summarise_columns_parallel<K, D>(
    spec: SummarySpec,
    log: TransactionColumns<'_, K, D>,
) -> Result<Summaries<K>>
where
    K: Eq + Hash + Ord + Clone + Debug + Send + Sync,
    D: PurchaseDate + Sync,
{
    use rayon::prelude::*;
    spec.validate()?;
    let splitters = key_splitters(log.customers(), rayon::current_num_threads().max(1));
    let hasher = foldhash::fast::RandomState::default();
    let results: Vec<Result<Summaries<K>>> = (0..=splitters.len())
        .into_par_iter()
        .map(|part| {
            // Part `i` holds the keys from splitter `i − 1` (inclusive) to splitter `i`.
            let mine = |key: &K, _hash: u64| splitters.partition_point(|s| s <= key) == part;
            in_order::summarise(spec, log, hasher.clone(), mine)
        })
        .collect();
    let mut report = SummaryReport::default();
    let mut customers: Vec<CustomerSummary<K>> = Vec::new();
    for r in results {
        let mut part = r?;
        report.add(&part.report);
        // The parts are ranges of keys in order: joined end to end, they stay sorted.
        if customers.is_empty() {
            customers = part.customers;
        } else {
            customers.append(&mut part.customers);
        }
    }
    Summaries {
        spec,
        customers,
        report,
    }
    .with_customers()
}

/// Keys that cut a log into `parts` ranges of about equal rows: quantiles of the keys of
/// up to 4,096 rows spread evenly over the log (sorted, deduplicated; fewer for a log of
/// few keys, none for one part). Range `i` runs from key `i − 1` (inclusive) to key `i`.
#[cfg(feature = "parallel")]
fn key_splitters<K: Ord + Clone>(customers: &[K], parts: usize) -> Vec<K> {
    const SAMPLE: usize = 4096;
    if parts <= 1 || customers.is_empty() {
        return Vec::new();
    }
    let step = customers.len().div_ceil(SAMPLE);
    let mut sample: Vec<&K> = customers.iter().step_by(step).collect();
    sample.sort_unstable();
    let mut splitters: Vec<K> = (1..parts)
        .filter_map(|i| sample.get(i * sample.len() / parts).map(|&k| k.clone()))
        .collect();
    splitters.dedup();
    splitters
}

#[cfg(all(test, feature = "parallel"))]
mod tests {
    use super::key_splitters;

    #[test]
    fn splitters_cut_the_rows_into_ranges_of_about_equal_rows() {
        let keys: Vec<u64> = (0..100_000u64).map(|i| (i * 7919) % 1000).collect();
        let s = key_splitters(&keys, 4);
        assert_eq!(s.len(), 3);
        assert!(s.windows(2).all(|w| w[0] < w[1]));
        for part in 0..=s.len() {
            let rows = keys
                .iter()
                .filter(|k| s.partition_point(|x| x <= *k) == part)
                .count();
            assert!((20_000..30_000).contains(&rows), "part {part}: {rows} rows");
        }
    }

    #[test]
    fn splitters_of_one_part_few_keys_or_no_rows() {
        assert!(key_splitters(&[1u8, 2, 3], 1).is_empty());
        assert!(key_splitters::<u8>(&[], 4).is_empty());
        // One key: at most one splitter; the rows all fall in one range.
        assert!(key_splitters(&[7u8; 1000], 8).len() <= 1);
        let s = key_splitters(&["b".to_string(), "a".to_string(), "c".to_string()], 2);
        assert_eq!(s, vec!["b".to_string()]);
    }
}

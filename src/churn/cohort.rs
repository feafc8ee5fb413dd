//! Acquisition cohorts from a transaction log: who is still buying k periods after their
//! first purchase.
//!
//! Customers are grouped by the period of their first purchase (week, calendar month, a
//! fixed number of days, or custom boundaries); each cohort's row holds, for k = 0, 1, …
//! periods since acquisition, the customers active in period k, those active in k *or
//! later*, and the net revenue of period k. A cell whose period has not finished by the
//! as-of date is `None` — empty, not zero — so a half-observed month never reads as a
//! collapse in retention. Transactions after the as-of date are left out and counted.
//!
//! The build is linear in the log: one hash lookup per row, a counting sort by customer,
//! and a per-customer scan — no per-row allocation (the cell counting lives in `cells`).
//!
//! Tables are mergeable ([`CohortTable::merge`], in `merge`): shard a log *by customer*
//! (each customer's whole history in one shard), build one table per shard with the same
//! spec, and the merged table equals the table of the whole log. Shards that split one
//! customer's rows cannot be merged exactly: that customer would be acquired in each.

mod cells;
mod merge;

use std::fmt;
use std::hash::Hash;

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use self::cells::{Cells, cells_general, cells_masked};
use crate::error::{Error, Result};
use crate::time::{Period, PurchaseDate, date_of_day};
use crate::transaction::TransactionColumns;

/// How acquisition dates are grouped into cohorts (and how k is counted).
///
/// # Examples
///
/// ```
/// use chrono::NaiveDate;
/// use customer_value::churn::{CohortPeriod, CohortSpec, CohortTable};
/// use customer_value::TransactionLog;
/// use rust_decimal::Decimal;
///
/// let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
/// let mut log = TransactionLog::default();
/// log.push(1_u32, d(1, 1), Decimal::TEN); // a Monday
/// log.push(2_u32, d(1, 7), Decimal::TEN); // the Sunday of the same week
/// log.push(3_u32, d(1, 8), Decimal::TEN);
/// let weekly = CohortTable::build(&CohortSpec::new(CohortPeriod::Week, d(1, 31))?, log.columns())?;
/// assert_eq!(weekly.cohorts.iter().map(|c| c.size).collect::<Vec<_>>(), [2, 1]);
/// let monthly = CohortTable::build(&CohortSpec::new(CohortPeriod::Month, d(1, 31))?, log.columns())?;
/// assert_eq!(monthly.cohorts.len(), 1);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum CohortPeriod {
    /// Monday-to-Sunday weeks.
    Week,
    /// Calendar months.
    Month,
    /// Periods of a fixed number of days from an anchor ([`Period::every`]).
    Every(Period),
    /// Custom periods `[b₀, b₁), [b₁, b₂), …` between strictly increasing boundaries; every
    /// transaction up to the as-of date must fall inside them.
    Boundaries(Vec<NaiveDate>),
}

/// What a cohort table is built from: the grouping and the as-of date (inclusive: the
/// last day whose data is complete).
///
/// # Examples
///
/// ```
/// use chrono::NaiveDate;
/// use customer_value::churn::{CohortPeriod, CohortSpec};
///
/// let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
/// let spec = CohortSpec::new(CohortPeriod::Month, d(6, 30))?;
/// assert_eq!(spec.as_of, d(6, 30));
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CohortSpec {
    /// The grouping.
    pub period: CohortPeriod,
    /// The last day of observed data; later transactions are excluded and counted.
    pub as_of: NaiveDate,
}

impl CohortSpec {
    /// A spec; custom boundaries must be strictly increasing (at least two).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for fewer than two boundaries or boundaries that are
    /// unsorted or repeated (an empty period).
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use customer_value::churn::{CohortPeriod, CohortSpec};
    ///
    /// let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
    /// let quarters = CohortPeriod::Boundaries(vec![d(1, 1), d(4, 1), d(7, 1)]);
    /// assert!(CohortSpec::new(quarters, d(6, 30)).is_ok());
    /// let unsorted = CohortPeriod::Boundaries(vec![d(4, 1), d(1, 1)]);
    /// assert!(CohortSpec::new(unsorted, d(6, 30)).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn new(period: CohortPeriod, as_of: NaiveDate) -> Result<Self> {
        if let CohortPeriod::Boundaries(b) = &period {
            if b.len() < 2 {
                return Err(Error::param(
                    "boundaries",
                    b.len(),
                    "custom periods need at least two boundaries",
                ));
            }
            if let Some((earlier, later)) = b.iter().zip(b.iter().skip(1)).find(|(x, y)| x >= y) {
                return Err(Error::param(
                    "boundaries",
                    format_args!("{earlier} then {later}"),
                    "boundaries must be strictly increasing (no unsorted or empty periods)",
                ));
            }
        }
        Ok(CohortSpec { period, as_of })
    }
}

/// Maps day numbers to period indices and back.
pub(super) struct Buckets<'a> {
    period: &'a CohortPeriod,
    boundaries: Vec<i64>,
    // Last month looked up: (first day, first day of next month, index).
    month_cache: (i64, i64, i64),
}

impl<'a> Buckets<'a> {
    pub(super) fn new(period: &'a CohortPeriod) -> Self {
        let boundaries = match period {
            CohortPeriod::Boundaries(b) => b.iter().map(|d| i64::from(d.day_number())).collect(),
            _ => Vec::new(),
        };
        Buckets {
            period,
            boundaries,
            month_cache: (1, 0, 0),
        }
    }

    pub(super) fn index(&mut self, day: i32) -> Option<i64> {
        match self.period {
            CohortPeriod::Week => Some(i64::from(Period::WEEK.index(day))),
            CohortPeriod::Every(p) => Some(i64::from(p.index(day))),
            CohortPeriod::Month => {
                let d = i64::from(day);
                let (lo, hi, idx) = self.month_cache;
                if (lo..hi).contains(&d) {
                    return Some(idx);
                }
                let date = date_of_day(day);
                let idx = i64::from(date.year()) * 12 + i64::from(date.month0());
                self.month_cache = (self.start(idx), self.start(idx + 1), idx);
                Some(idx)
            }
            CohortPeriod::Boundaries(_) => {
                let d = i64::from(day);
                let i = self.boundaries.partition_point(|&b| b <= d);
                (i >= 1 && i < self.boundaries.len()).then(|| i as i64 - 1)
            }
        }
    }

    /// The period holding `as_of`, or the last custom period when `as_of` lies outside
    /// the custom boundaries.
    pub(super) fn last_period(&mut self, as_of: i32) -> i64 {
        match self.index(as_of) {
            Some(p) => p,
            None => (self.boundaries.len() as i64 - 2).max(0),
        }
    }

    /// First day number of period `idx`.
    pub(super) fn start(&self, idx: i64) -> i64 {
        match self.period {
            CohortPeriod::Week => Period::WEEK.start_day(idx as i32),
            CohortPeriod::Every(p) => p.start_day(idx as i32),
            CohortPeriod::Month => {
                let (y, m) = (idx.div_euclid(12), idx.rem_euclid(12));
                i32::try_from(y)
                    .ok()
                    .and_then(|y| NaiveDate::from_ymd_opt(y, m as u32 + 1, 1))
                    .map_or(i64::MAX, |d| i64::from(d.day_number()))
            }
            CohortPeriod::Boundaries(_) => usize::try_from(idx)
                .ok()
                .and_then(|i| self.boundaries.get(i).copied())
                .unwrap_or(i64::MAX),
        }
    }
}

/// One acquisition cohort's row. Index k of each vector is k periods after acquisition;
/// `None` marks a period not finished by the as-of date.
///
/// # Examples
///
/// ```
/// use chrono::NaiveDate;
/// use customer_value::churn::{CohortPeriod, CohortSpec, CohortTable};
/// use customer_value::TransactionLog;
/// use rust_decimal::Decimal;
///
/// let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
/// let mut log = TransactionLog::default();
/// log.push(1_u32, d(1, 5), Decimal::from(40));
/// log.push(2_u32, d(1, 9), Decimal::from(60));
/// log.push(1_u32, d(3, 2), Decimal::from(30)); // skips February
/// let table = CohortTable::build(&CohortSpec::new(CohortPeriod::Month, d(3, 31))?, log.columns())?;
/// let jan = &table.cohorts[0];
/// assert_eq!(jan.active, [Some(2), Some(0), Some(1)]);
/// assert_eq!(jan.active_or_later, [Some(2), Some(1), Some(1)]); // still there in February
/// assert_eq!(jan.revenue[2], Some(Decimal::from(30)));
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cohort {
    /// First day of the acquisition period.
    pub start: NaiveDate,
    /// Customers whose first purchase fell in the acquisition period.
    pub size: u64,
    /// Customers with a purchase in period k.
    pub active: Vec<Option<u64>>,
    /// Customers with a purchase in period k or any later period up to the as-of date
    /// (purchases in the unfinished last period count: they show the customer is still
    /// there).
    pub active_or_later: Vec<Option<u64>>,
    /// Net revenue (purchases minus returns) in period k.
    pub revenue: Vec<Option<Decimal>>,
}

impl Cohort {
    /// Share of the cohort active in period k: `active[k] / size`.
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use customer_value::churn::{CohortPeriod, CohortSpec, CohortTable};
    /// use customer_value::TransactionLog;
    /// use rust_decimal::Decimal;
    ///
    /// let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
    /// let mut log = TransactionLog::default();
    /// for c in 1_u32..=4 {
    ///     log.push(c, d(1, 5), Decimal::TEN);
    /// }
    /// log.push(1_u32, d(2, 5), Decimal::TEN);
    /// let table = CohortTable::build(&CohortSpec::new(CohortPeriod::Month, d(2, 29))?, log.columns())?;
    /// assert_eq!(table.cohorts[0].retention(1), Some(0.25));
    /// assert_eq!(table.cohorts[0].retention(5), None); // beyond the table
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn retention(&self, k: usize) -> Option<f64> {
        let n = (*self.active.get(k)?)?;
        (self.size > 0).then(|| n as f64 / self.size as f64)
    }

    /// Share of the cohort active in period k or later.
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use customer_value::churn::{CohortPeriod, CohortSpec, CohortTable};
    /// use customer_value::TransactionLog;
    /// use rust_decimal::Decimal;
    ///
    /// let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
    /// let mut log = TransactionLog::default();
    /// log.push(1_u32, d(1, 5), Decimal::TEN);
    /// log.push(2_u32, d(1, 5), Decimal::TEN);
    /// log.push(1_u32, d(3, 5), Decimal::TEN);
    /// let jan = CohortTable::build(&CohortSpec::new(CohortPeriod::Month, d(3, 31))?, log.columns())?.cohorts.remove(0);
    /// assert_eq!((jan.retention(1), jan.retention_or_later(1)), (Some(0.0), Some(0.5)));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn retention_or_later(&self, k: usize) -> Option<f64> {
        let n = (*self.active_or_later.get(k)?)?;
        (self.size > 0).then(|| n as f64 / self.size as f64)
    }

    /// Revenue retention: revenue of period k / revenue of the acquisition period; `None`
    /// if either is missing or the first is not positive.
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use customer_value::churn::{CohortPeriod, CohortSpec, CohortTable};
    /// use customer_value::TransactionLog;
    /// use rust_decimal::Decimal;
    ///
    /// let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
    /// let mut log = TransactionLog::default();
    /// log.push(1_u32, d(1, 5), Decimal::from(100));
    /// log.push(1_u32, d(2, 5), Decimal::from(120)); // expansion
    /// let jan = CohortTable::build(&CohortSpec::new(CohortPeriod::Month, d(2, 29))?, log.columns())?.cohorts.remove(0);
    /// assert_eq!(jan.revenue_retention(1), Some(1.2));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn revenue_retention(&self, k: usize) -> Option<f64> {
        let first = (*self.revenue.first()?)?;
        let now = (*self.revenue.get(k)?)?;
        (first > Decimal::ZERO).then(|| crate::money::to_f64(now) / crate::money::to_f64(first))
    }
}

/// Which retention a curve or a printed table shows.
///
/// # Examples
///
/// ```
/// use chrono::NaiveDate;
/// use customer_value::churn::{CohortMetric, CohortPeriod, CohortSpec, CohortTable};
/// use customer_value::TransactionLog;
/// use rust_decimal::Decimal;
///
/// let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
/// let mut log = TransactionLog::default();
/// log.push(1_u32, d(1, 5), Decimal::TEN);
/// log.push(2_u32, d(1, 5), Decimal::TEN);
/// log.push(1_u32, d(2, 5), Decimal::TEN);
/// let table = CohortTable::build(&CohortSpec::new(CohortPeriod::Month, d(2, 29))?, log.columns())?;
/// assert!(table.display(CohortMetric::Active).to_string().contains("50.0"));
/// assert!(table.display(CohortMetric::Revenue).to_string().contains("100.0"));
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CohortMetric {
    /// Active in period k ([`Cohort::retention`]).
    Active,
    /// Active in period k or later ([`Cohort::retention_or_later`]).
    ActiveOrLater,
    /// Revenue of period k over revenue of period 0 ([`Cohort::revenue_retention`]).
    Revenue,
}

/// Acquisition cohorts × periods since acquisition.
///
/// Customers are grouped by the period of their first purchase; each [`Cohort`] row holds,
/// for k = 0, 1, … periods since acquisition, the customers active in period k, those
/// active in k or later, and the net revenue of period k. A cell whose period has not
/// finished by the as-of date is `None` — empty, not zero — so a half-observed month never
/// reads as a collapse in retention. Transactions after the as-of date are left out and
/// counted in [`rows_after_as_of`](Self::rows_after_as_of). The build is linear in the log;
/// tables of shards split *by customer* add up with [`merge`](Self::merge).
///
/// # Examples
///
/// ```
/// use chrono::NaiveDate;
/// use customer_value::churn::{CohortPeriod, CohortSpec, CohortTable};
/// use customer_value::TransactionLog;
/// use rust_decimal::Decimal;
///
/// let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
/// let mut log = TransactionLog::default();
/// log.push(1_u32, d(1, 5), Decimal::TEN);
/// log.push(2_u32, d(1, 20), Decimal::TEN);
/// log.push(1_u32, d(2, 3), Decimal::TEN); // customer 1 returns in month 1
/// let spec = CohortSpec::new(CohortPeriod::Month, d(2, 15))?;
/// let table = CohortTable::build(&spec, log.columns())?;
/// let jan = &table.cohorts[0];
/// assert_eq!(jan.size, 2);
/// assert_eq!(jan.active, vec![Some(2), None]); // February is not over on Feb 15
/// assert_eq!(jan.retention(1), None);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CohortTable {
    /// The grouping and as-of date the table was built with.
    pub spec: CohortSpec,
    /// Cohorts with at least one customer, oldest first.
    pub cohorts: Vec<Cohort>,
    /// Transactions used.
    pub rows_used: u64,
    /// Transactions dated after the as-of date, left out.
    pub rows_after_as_of: u64,
}

/// Refuses a table of more than [`CohortTable::MAX_CELLS`] cells.
pub(super) fn check_cells(cells: u64, cohorts: usize) -> Result<()> {
    if cells > CohortTable::MAX_CELLS {
        Err(Error::param(
            "periods",
            format_args!(
                "{cells} cells in {cohorts} cohorts (about {} MB)",
                cells.saturating_mul(84) >> 20
            ),
            "a cohort table holds at most CohortTable::MAX_CELLS = 10,000,000 cells: use a coarser period or a later first purchase",
        ))
    } else {
        Ok(())
    }
}

impl CohortTable {
    /// The most cells a table holds: 10,000,000 (about 84 bytes each while building:
    /// under 1 GB). [`build`](Self::build) and [`merge`](Self::merge) refuse more.
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use customer_value::churn::{CohortPeriod, CohortSpec, CohortTable};
    /// use customer_value::{Period, TransactionLog};
    /// use rust_decimal::Decimal;
    ///
    /// let mut log = TransactionLog::default();
    /// log.push(1_u32, NaiveDate::from_ymd_opt(1700, 1, 1).unwrap(), Decimal::TEN);
    /// log.push(2_u32, NaiveDate::from_ymd_opt(1700, 1, 2).unwrap(), Decimal::TEN);
    /// // Daily cohorts over 324 years (118,000 periods): refused before anything is allocated.
    /// let daily = CohortPeriod::Every(Period::every(1, NaiveDate::from_ymd_opt(1700, 1, 1).unwrap())?);
    /// let spec = CohortSpec::new(daily, NaiveDate::from_ymd_opt(2024, 1, 1).unwrap())?;
    /// assert!(CohortTable::build(&spec, log.columns()).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub const MAX_CELLS: u64 = 10_000_000;

    /// Builds the table from a log (any order).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidRow`] for a transaction outside custom boundaries (up to the as-of
    /// date); [`Error::Overflow`] if a revenue sum overflows or `Decimal` could hold it
    /// only rounded (so every table is exact, whatever the row order or sharding);
    /// [`Error::InvalidParameter`]
    /// if the log has more than 2³² − 1 customers, the table spans more than
    /// 100,000 periods, or its cells (one per non-empty cohort and period from its
    /// acquisition to the as-of date) exceed [`MAX_CELLS`](Self::MAX_CELLS) = 10⁷ — checked
    /// before the table is allocated; the error states the number of cells needed (e.g.
    /// 3,000 daily cohorts over 270 years need about 3 × 10⁸: use a coarser period).
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use customer_value::churn::{CohortPeriod, CohortSpec, CohortTable};
    /// use customer_value::TransactionLog;
    /// use rust_decimal::Decimal;
    ///
    /// let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
    /// let mut log = TransactionLog::default();
    /// log.push(1_u32, d(1, 5), Decimal::TEN);
    /// log.push(1_u32, d(4, 5), Decimal::TEN); // after the as-of date
    /// let table = CohortTable::build(&CohortSpec::new(CohortPeriod::Month, d(3, 31))?, log.columns())?;
    /// assert_eq!((table.rows_used, table.rows_after_as_of), (1, 1));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn build<K, D>(spec: &CohortSpec, log: TransactionColumns<'_, K, D>) -> Result<Self>
    where
        K: Eq + Hash + Clone,
        D: PurchaseDate,
    {
        let as_of = spec.as_of.day_number();
        let mut buckets = Buckets::new(&spec.period);
        let last_period = buckets.last_period(as_of);
        // Most tables span at most 128 periods (ten years of months, two of weeks): one
        // activity bitmask per customer then replaces the per-row grouping.
        let cells = match cells_masked(&mut buckets, last_period, as_of, &log)? {
            Some(cells) => cells,
            None => cells_general(&mut buckets, last_period, as_of, &log)?,
        };
        let Cells {
            min_first,
            size,
            active,
            last_seen,
            revenue,
            rows_after_as_of,
        } = cells;
        let span = size.len();
        // Period p is finished when its last day is on or before the as-of date.
        let complete: Vec<bool> = (0..span)
            .map(|i| buckets.start(min_first + i as i64 + 1) <= i64::from(as_of) + 1)
            .collect();
        let mut cohorts = Vec::new();
        for (c, ((&size, active), (last_seen, revenue))) in size
            .iter()
            .zip(&active)
            .zip(last_seen.iter().zip(&revenue))
            .enumerate()
        {
            if size == 0 {
                continue;
            }
            let done = |k: usize| complete.get(c + k).copied().unwrap_or(false);
            let mut or_later = vec![None; active.len()];
            let mut running = 0;
            for (k, cell) in or_later.iter_mut().enumerate().rev() {
                running += last_seen.get(k).copied().unwrap_or(0);
                *cell = done(k).then_some(running);
            }
            cohorts.push(Cohort {
                start: date_of_day(i32::try_from(buckets.start(min_first + c as i64)).unwrap_or(0)),
                size,
                active: active
                    .iter()
                    .enumerate()
                    .map(|(k, &n)| done(k).then_some(n))
                    .collect(),
                active_or_later: or_later,
                revenue: revenue
                    .iter()
                    .enumerate()
                    .map(|(k, &r)| done(k).then_some(r))
                    .collect(),
            });
        }
        Ok(CohortTable {
            spec: spec.clone(),
            cohorts,
            rows_used: log.len() as u64 - rows_after_as_of,
            rows_after_as_of,
        })
    }

    /// The average retention curve over cohorts: for each k, Σ active / Σ size over the
    /// cohorts whose period k is finished (weighted by cohort size; for
    /// [`CohortMetric::Revenue`], Σ revenue of period k / Σ revenue of period 0 over the
    /// same cohorts). `None` where no cohort has finished period k.
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use customer_value::churn::{CohortMetric, CohortPeriod, CohortSpec, CohortTable};
    /// use customer_value::TransactionLog;
    /// use rust_decimal::Decimal;
    ///
    /// let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
    /// let mut log = TransactionLog::default();
    /// for (c, m) in [(1_u32, 1), (2, 1), (1, 2), (3, 2), (4, 2), (3, 3)] {
    ///     log.push(c, d(m, 10), Decimal::ONE);
    /// }
    /// let table = CohortTable::build(&CohortSpec::new(CohortPeriod::Month, d(3, 31))?, log.columns())?;
    /// let curve = table.average_curve(CohortMetric::Active);
    /// // k = 1: January 1 of 2, February 1 of 2 → 2 of 4.
    /// assert_eq!(curve[1], Some(0.5));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn average_curve(&self, metric: CohortMetric) -> Vec<Option<f64>> {
        let width = self.cohorts.iter().map(|c| c.active.len()).max().unwrap_or(0);
        (0..width)
            .map(|k| {
                let (mut num, mut den) = (0.0, 0.0);
                for c in &self.cohorts {
                    match metric {
                        CohortMetric::Active | CohortMetric::ActiveOrLater => {
                            let cells = if metric == CohortMetric::Active {
                                &c.active
                            } else {
                                &c.active_or_later
                            };
                            if let Some(Some(n)) = cells.get(k) {
                                num += *n as f64;
                                den += c.size as f64;
                            }
                        }
                        CohortMetric::Revenue => {
                            if let (Some(Some(r)), Some(Some(r0))) = (c.revenue.get(k), c.revenue.first()) {
                                num += crate::money::to_f64(*r);
                                den += crate::money::to_f64(*r0);
                            }
                        }
                    }
                }
                (den > 0.0).then(|| num / den)
            })
            .collect()
    }

    /// A printable view of the table for `metric` (percentages, one row per cohort).
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use customer_value::churn::{CohortMetric, CohortPeriod, CohortSpec, CohortTable};
    /// use customer_value::TransactionLog;
    /// use rust_decimal::Decimal;
    ///
    /// let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
    /// let mut log = TransactionLog::default();
    /// log.push(1_u32, d(1, 5), Decimal::TEN);
    /// let table = CohortTable::build(&CohortSpec::new(CohortPeriod::Month, d(1, 31))?, log.columns())?;
    /// let text = table.display(CohortMetric::Active).to_string();
    /// assert!(text.starts_with("cohort"));
    /// assert!(text.contains("2024-01-01"));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn display(&self, metric: CohortMetric) -> CohortDisplay<'_> {
        CohortDisplay { table: self, metric }
    }
}

/// Text rendering of a [`CohortTable`] (from [`CohortTable::display`]): cohort start,
/// size, then the metric in percent for k = 0, 1, …; unfinished cells are blank.
///
/// # Examples
///
/// ```
/// use chrono::NaiveDate;
/// use customer_value::churn::{CohortMetric, CohortPeriod, CohortSpec, CohortTable};
/// use customer_value::TransactionLog;
/// use rust_decimal::Decimal;
///
/// let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
/// let mut log = TransactionLog::default();
/// log.push(1_u32, d(1, 5), Decimal::TEN);
/// log.push(1_u32, d(2, 5), Decimal::TEN);
/// let table = CohortTable::build(&CohortSpec::new(CohortPeriod::Month, d(2, 29))?, log.columns())?;
/// let shown = format!("{}", table.display(CohortMetric::ActiveOrLater));
/// assert_eq!(shown.lines().count(), 2); // header and one cohort
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct CohortDisplay<'a> {
    table: &'a CohortTable,
    metric: CohortMetric,
}

impl fmt::Display for CohortDisplay<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let width = self
            .table
            .cohorts
            .iter()
            .map(|c| c.active.len())
            .max()
            .unwrap_or(0);
        write!(f, "{:<10} {:>7}", "cohort", "size")?;
        for k in 0..width {
            write!(f, " {:>6}", format!("k={k}"))?;
        }
        writeln!(f)?;
        for c in &self.table.cohorts {
            write!(f, "{:<10} {:>7}", c.start.to_string(), c.size)?;
            for k in 0..width {
                let v = match self.metric {
                    CohortMetric::Active => c.retention(k),
                    CohortMetric::ActiveOrLater => c.retention_or_later(k),
                    CohortMetric::Revenue => c.revenue_retention(k),
                };
                match v {
                    Some(v) => write!(f, " {:>6.1}", 100.0 * v)?,
                    None => write!(f, " {:>6}", "")?,
                }
            }
            writeln!(f)?;
        }
        Ok(())
    }
}

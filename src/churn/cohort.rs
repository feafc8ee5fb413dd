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
//! and a per-customer scan — no per-row allocation.

use std::fmt;
use std::hash::Hash;

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::time::{Period, PurchaseDate, date_of_day};
use crate::transaction::TransactionColumns;

/// How acquisition dates are grouped into cohorts (and how k is counted).
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
    #[must_use]
    pub fn retention(&self, k: usize) -> Option<f64> {
        let n = (*self.active.get(k)?)?;
        (self.size > 0).then(|| n as f64 / self.size as f64)
    }

    /// Share of the cohort active in period k or later.
    #[must_use]
    pub fn retention_or_later(&self, k: usize) -> Option<f64> {
        let n = (*self.active_or_later.get(k)?)?;
        (self.size > 0).then(|| n as f64 / self.size as f64)
    }

    /// Revenue retention: revenue of period k / revenue of the acquisition period; `None`
    /// if either is missing or the first is not positive.
    #[must_use]
    pub fn revenue_retention(&self, k: usize) -> Option<f64> {
        let first = (*self.revenue.first()?)?;
        let now = (*self.revenue.get(k)?)?;
        (first > Decimal::ZERO).then(|| crate::money::to_f64(now) / crate::money::to_f64(first))
    }
}

/// Which retention a curve or a printed table shows.
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
/// counted in [`rows_after_as_of`](Self::rows_after_as_of). The build is linear in the log.
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

impl CohortTable {
    /// Builds the table from a log (any order).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidRow`] for a transaction outside custom boundaries (up to the as-of
    /// date); [`Error::Overflow`] if a revenue sum overflows; [`Error::InvalidParameter`]
    /// if the log has more than 2³² − 1 customers or the table spans more than
    /// 100,000 periods.
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
    #[must_use]
    pub fn display(&self, metric: CohortMetric) -> CohortDisplay<'_> {
        CohortDisplay { table: self, metric }
    }
}

/// The raw cells of a table: cohort c is acquisition period `min_first + c`; its rows
/// have one cell per period from acquisition to the last period.
struct Cells {
    min_first: i64,
    size: Vec<u64>,
    active: Vec<Vec<u64>>,
    /// Customers whose last active period is k.
    last_seen: Vec<Vec<u64>>,
    revenue: Vec<Vec<Decimal>>,
    rows_after_as_of: u64,
}

impl Cells {
    fn new(min_first: i64, last_period: i64, size: Vec<u64>, rows_after_as_of: u64) -> Result<Self> {
        let span = last_period - min_first + 1;
        if !(1..=100_000).contains(&span) || size.len() as i64 != span {
            return Err(Error::param(
                "periods",
                span,
                "a cohort table spans 1 to 100,000 periods",
            ));
        }
        // Triangular: cohort c has span − c cells (none for empty cohorts).
        let widths: Vec<usize> = size
            .iter()
            .enumerate()
            .map(|(c, &n)| if n > 0 { span as usize - c } else { 0 })
            .collect();
        Ok(Cells {
            min_first,
            active: widths.iter().map(|&w| vec![0; w]).collect(),
            last_seen: widths.iter().map(|&w| vec![0; w]).collect(),
            revenue: widths.iter().map(|&w| vec![Decimal::ZERO; w]).collect(),
            size,
            rows_after_as_of,
        })
    }

    fn add_revenue(&mut self, c: usize, k: usize, amount: Decimal) -> Result<()> {
        if let Some(cell) = self.revenue.get_mut(c).and_then(|r| r.get_mut(k)) {
            *cell = cell
                .checked_add(amount)
                .ok_or(Error::Overflow { op: "cohort revenue" })?;
        }
        Ok(())
    }
}

/// Adds one to cell `i` (always in range: callers index cells they sized themselves).
#[inline]
fn bump(cells: &mut [u64], i: usize) {
    if let Some(cell) = cells.get_mut(i) {
        *cell += 1;
    }
}

fn outside(row: usize, day: i32) -> Error {
    Error::InvalidRow {
        row: row as u64,
        reason: format!("{} is outside the custom cohort periods", date_of_day(day)),
    }
}

/// Fast path: each customer's active periods as a bitmask, bit b = `last_period − b`.
/// `None` when some activity lies 128 or more periods before the last one.
fn cells_masked<K: Eq + Hash + Clone, D: PurchaseDate>(
    buckets: &mut Buckets<'_>,
    last_period: i64,
    as_of: i32,
    log: &TransactionColumns<'_, K, D>,
) -> Result<Option<Cells>> {
    const NONE: u8 = u8::MAX;
    // Owned keys (cloned once per customer): comparing borrowed keys would read the key
    // column at random, which costs more than the clone.
    let mut masks: foldhash::HashMap<K, (u32, u128)> = foldhash::HashMap::default();
    let mut rows: Vec<(u32, u8)> = Vec::with_capacity(log.len());
    let mut rows_after_as_of = 0_u64;
    for (row, (customer, date)) in log.customers().iter().zip(log.dates()).enumerate() {
        let day = date.day_number();
        if day > as_of {
            rows_after_as_of += 1;
            rows.push((0, NONE));
            continue;
        }
        let period = buckets.index(day).ok_or_else(|| outside(row, day))?;
        let back = last_period - period;
        if !(0..128).contains(&back) {
            return Ok(None);
        }
        let bit = 1_u128 << back;
        let id = match masks.get_mut(customer) {
            Some(entry) => {
                entry.1 |= bit;
                entry.0
            }
            None => {
                let id = masks.len() as u32;
                masks.insert(customer.clone(), (id, bit));
                id
            }
        };
        rows.push((id, back as u8));
    }
    if masks.len() >= u32::MAX as usize {
        return Err(Error::param(
            "customers",
            masks.len(),
            "at most 2^32 − 2 customers",
        ));
    }
    // Oldest bit of each customer = acquisition period, counted back from the last.
    let mut first_back = vec![0_u8; masks.len()];
    let mut oldest = 0;
    for &(id, mask) in masks.values() {
        let b = 127 - mask.leading_zeros() as u8;
        if let Some(slot) = first_back.get_mut(id as usize) {
            *slot = b;
        }
        oldest = oldest.max(b);
    }
    if masks.is_empty() {
        return Ok(Some(Cells::new(
            last_period,
            last_period,
            vec![0],
            rows_after_as_of,
        )?));
    }
    let min_first = last_period - i64::from(oldest);
    let cohort = |b: u8| usize::from(oldest - b);
    let mut size = vec![0_u64; usize::from(oldest) + 1];
    for &b in &first_back {
        bump(&mut size, cohort(b));
    }
    let mut cells = Cells::new(min_first, last_period, size, rows_after_as_of)?;
    for &(_, mask) in masks.values() {
        let first = 127 - mask.leading_zeros();
        let c = cohort(first as u8);
        let (Some(active), Some(last_seen)) = (cells.active.get_mut(c), cells.last_seen.get_mut(c)) else {
            continue;
        };
        let mut m = mask;
        while m != 0 {
            let b = m.trailing_zeros();
            bump(active, (first - b) as usize);
            m &= m - 1;
        }
        bump(last_seen, (first - mask.trailing_zeros()) as usize);
    }
    drop(masks);
    for (&(id, back), amount) in rows.iter().zip(log.amounts()) {
        if back == NONE {
            continue;
        }
        let Some(&first) = first_back.get(id as usize) else {
            continue;
        };
        cells.add_revenue(cohort(first), usize::from(first - back), *amount)?;
    }
    Ok(Some(cells))
}

/// General path: rows grouped by customer with a counting sort, distinct periods found
/// with a reusable bitmap.
fn cells_general<K: Eq + Hash + Clone, D: PurchaseDate>(
    buckets: &mut Buckets<'_>,
    last_period: i64,
    as_of: i32,
    log: &TransactionColumns<'_, K, D>,
) -> Result<Cells> {
    let mut ids: foldhash::HashMap<K, u32> = foldhash::HashMap::default();
    let mut first: Vec<i64> = Vec::new();
    let mut rows: Vec<(u32, i64)> = Vec::with_capacity(log.len());
    let mut rows_after_as_of = 0_u64;
    for (row, (customer, date)) in log.customers().iter().zip(log.dates()).enumerate() {
        let day = date.day_number();
        if day > as_of {
            rows_after_as_of += 1;
            rows.push((u32::MAX, 0));
            continue;
        }
        let period = buckets.index(day).ok_or_else(|| outside(row, day))?;
        let id = match ids.get(customer) {
            Some(&id) => id,
            None => {
                let id = first.len() as u32;
                ids.insert(customer.clone(), id);
                first.push(period);
                id
            }
        };
        if first.len() >= u32::MAX as usize {
            return Err(Error::param(
                "customers",
                first.len(),
                "at most 2^32 − 2 customers",
            ));
        }
        if let Some(f) = first.get_mut(id as usize) {
            *f = (*f).min(period);
        }
        rows.push((id, period));
    }
    drop(ids);
    let min_first = first.iter().copied().min().unwrap_or(last_period);
    let span = last_period - min_first + 1;
    if !(1..=100_000).contains(&span) {
        return Err(Error::param(
            "periods",
            span,
            "a cohort table spans 1 to 100,000 periods",
        ));
    }
    let cohort_of = |first: i64| -> usize { (first - min_first) as usize };
    let mut size = vec![0_u64; span as usize];
    for &f in &first {
        bump(&mut size, cohort_of(f));
    }
    let mut cells = Cells::new(min_first, last_period, size, rows_after_as_of)?;

    // Revenue per cell, and each row's offset grouped by customer (counting sort):
    // customer `id`'s offsets are `offsets[start_of[id]..start_of[id + 1]]`.
    let mut start_of = vec![0_usize; first.len() + 1];
    for &(id, _) in &rows {
        if id != u32::MAX {
            if let Some(n) = start_of.get_mut(id as usize + 1) {
                *n += 1;
            }
        }
    }
    let mut total = 0;
    for start in &mut start_of {
        total += *start;
        *start = total;
    }
    let mut fill = start_of.clone();
    let mut offsets = vec![0_u32; rows.len() - rows_after_as_of as usize];
    for (&(id, period), amount) in rows.iter().zip(log.amounts()) {
        if id == u32::MAX {
            continue;
        }
        let (Some(&f), Some(slot)) = (first.get(id as usize), fill.get_mut(id as usize)) else {
            continue;
        };
        let k = (period - f) as usize;
        cells.add_revenue(cohort_of(f), k, *amount)?;
        if let Some(offset) = offsets.get_mut(*slot) {
            *offset = k as u32;
        }
        *slot += 1;
    }
    drop(rows);

    let mut seen = vec![false; span as usize];
    for (&f, bounds) in first.iter().zip(start_of.windows(2)) {
        let c = cohort_of(f);
        let (&[lo, hi], Some(active), Some(last_seen)) =
            (bounds, cells.active.get_mut(c), cells.last_seen.get_mut(c))
        else {
            continue;
        };
        let mine = offsets.get(lo..hi).unwrap_or(&[]);
        let mut last = 0;
        for &k in mine {
            let k = k as usize;
            if let Some(s) = seen.get_mut(k) {
                if !*s {
                    *s = true;
                    bump(active, k);
                    last = last.max(k);
                }
            }
        }
        for &k in mine {
            if let Some(s) = seen.get_mut(k as usize) {
                *s = false;
            }
        }
        bump(last_seen, last);
    }
    Ok(cells)
}

/// Text rendering of a [`CohortTable`] (from [`CohortTable::display`]): cohort start,
/// size, then the metric in percent for k = 0, 1, …; unfinished cells are blank.
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

//! Non-contractual churn by inactivity: a customer lapses after a window without
//! purchases, and may return.
//!
//! Where nobody cancels (retail, apps), "churn" is an operational definition: a customer
//! is **lapsed** on day t when their last purchase on or before t is more than `window`
//! days earlier (t − last > window). Each gap longer than the window is one lapse (on day
//! last + window + 1) and, if they bought again, one return (on the purchase day). This
//! module owns that rule, the per-customer status at the as-of date and the lapse and
//! return counts per calendar period. For a model-based view — P(alive) from a
//! buy-till-you-die model — see [`rank_at_risk`](super::rank_at_risk).

use std::hash::Hash;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::cohort::{Buckets, CohortPeriod};
use crate::error::{Error, Result};
use crate::time::{PurchaseDate, date_of_day};
use crate::transaction::TransactionColumns;

/// One customer's activity status at the as-of date.
///
/// # Examples
///
/// ```
/// use chrono::NaiveDate;
/// use customer_value::churn::{lapse_report, CohortPeriod};
/// use customer_value::TransactionLog;
/// use rust_decimal::Decimal;
///
/// let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
/// let mut log = TransactionLog::default();
/// log.push("ann", d(1, 1), Decimal::ONE);
/// log.push("ann", d(3, 15), Decimal::ONE);
/// let ann = &lapse_report(log.columns(), 30, d(4, 30), CohortPeriod::Month)?.customers[0];
/// // 15 March to 30 April: 16 + 30 = 46 days, more than the 30-day window.
/// assert_eq!((ann.last_purchase, ann.days_inactive, ann.lapsed), (d(3, 15), 46, true));
/// assert_eq!(ann.lapses, 2); // the 74-day gap, and the current one
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerActivity<K> {
    /// The customer.
    pub customer: K,
    /// First purchase.
    pub first_purchase: NaiveDate,
    /// Last purchase on or before the as-of date.
    pub last_purchase: NaiveDate,
    /// Days from the last purchase to the as-of date.
    pub days_inactive: u32,
    /// Whether `days_inactive` exceeds the window.
    pub lapsed: bool,
    /// Lapses so far (gaps longer than the window, including a current one).
    pub lapses: u32,
}

/// Lapse and return counts of one calendar period.
///
/// # Examples
///
/// ```
/// use chrono::NaiveDate;
/// use customer_value::churn::{lapse_report, CohortPeriod};
/// use customer_value::TransactionLog;
/// use rust_decimal::Decimal;
///
/// let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
/// let mut log = TransactionLog::default();
/// log.push("ann", d(1, 1), Decimal::ONE); // lapses on 1 February (day 1 + 30 + 1)
/// log.push("ann", d(3, 15), Decimal::ONE); // returns in March
/// log.push("cat", d(3, 20), Decimal::ONE);
/// let r = lapse_report(log.columns(), 30, d(3, 31), CohortPeriod::Month)?;
/// let [jan, feb, mar] = [r.periods[0], r.periods[1], r.periods[2]];
/// assert_eq!((jan.start, jan.active_at_end), (d(1, 1), 1));
/// assert_eq!((feb.lapsed, feb.lapsed_at_end, feb.active_at_end), (1, 1, 0));
/// assert_eq!((mar.returned, mar.lapsed_at_end, mar.active_at_end), (1, 0, 2));
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LapsePeriod {
    /// First day of the period.
    pub start: NaiveDate,
    /// Customers who lapsed during the period.
    pub lapsed: u64,
    /// Lapsed customers who bought again during the period.
    pub returned: u64,
    /// Customers lapsed at the end of the period (or at the as-of date for the last one).
    pub lapsed_at_end: u64,
    /// Customers acquired so far and not lapsed at the end of the period.
    pub active_at_end: u64,
}

/// Lapse status of every customer and per-period counts.
///
/// # Examples
///
/// ```
/// use chrono::NaiveDate;
/// use customer_value::churn::{lapse_report, CohortPeriod};
/// use customer_value::TransactionLog;
/// use rust_decimal::Decimal;
///
/// let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
/// let mut log = TransactionLog::default();
/// log.push(1_u32, d(1, 10), Decimal::ONE);
/// log.push(2_u32, d(4, 20), Decimal::ONE);
/// log.push(2_u32, d(5, 2), Decimal::ONE); // after the as-of date: left out, counted
/// let r = lapse_report(log.columns(), 30, d(4, 30), CohortPeriod::Week)?;
/// assert_eq!((r.window_days, r.as_of, r.rows_after_as_of), (30, d(4, 30), 1));
/// assert_eq!(r.customers.len(), 2);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LapseReport<K> {
    /// The inactivity window in days.
    pub window_days: u32,
    /// The as-of date (inclusive).
    pub as_of: NaiveDate,
    /// One entry per customer with a purchase on or before the as-of date, in order of
    /// first appearance in the log.
    pub customers: Vec<CustomerActivity<K>>,
    /// Calendar periods from the first purchase's to the as-of date's.
    pub periods: Vec<LapsePeriod>,
    /// Transactions dated after the as-of date, left out.
    pub rows_after_as_of: u64,
}

impl<K> LapseReport<K> {
    /// Customers lapsed at the as-of date.
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use customer_value::churn::{lapse_report, CohortPeriod};
    /// use customer_value::TransactionLog;
    /// use rust_decimal::Decimal;
    ///
    /// let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
    /// let mut log = TransactionLog::default();
    /// log.push("old", d(1, 10), Decimal::ONE); // 111 days before the as-of date
    /// log.push("new", d(4, 20), Decimal::ONE); // 10 days
    /// log.push("edge", d(3, 31), Decimal::ONE); // exactly 30 days: not more than the window
    /// let r = lapse_report(log.columns(), 30, d(4, 30), CohortPeriod::Month)?;
    /// assert_eq!(r.lapsed(), 1);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn lapsed(&self) -> u64 {
        self.customers.iter().filter(|c| c.lapsed).count() as u64
    }

    /// Share of customers lapsed at the as-of date; `None` without customers.
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use customer_value::churn::{lapse_report, CohortPeriod};
    /// use customer_value::TransactionLog;
    /// use rust_decimal::Decimal;
    ///
    /// let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
    /// let mut log = TransactionLog::default();
    /// for (c, day) in [(1_u8, d(1, 10)), (2, d(4, 20)), (3, d(4, 25)), (4, d(2, 1))] {
    ///     log.push(c, day, Decimal::ONE);
    /// }
    /// let r = lapse_report(log.columns(), 30, d(4, 30), CohortPeriod::Month)?;
    /// assert_eq!(r.lapsed_share(), Some(0.5)); // customers 1 and 4 of four
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn lapsed_share(&self) -> Option<f64> {
        let n = self.customers.len();
        (n > 0).then(|| self.lapsed() as f64 / n as f64)
    }
}

/// The most calendar periods one [`lapse_report`] spans: 1,000,000 (daily periods over
/// 2,700 years; 48 MB of counts). A longer report is refused before it is walked.
///
/// # Examples
///
/// ```
/// use chrono::NaiveDate;
/// use customer_value::churn::{lapse_report, CohortPeriod, MAX_LAPSE_PERIODS};
/// use customer_value::{Error, Period, TransactionLog};
/// use rust_decimal::Decimal;
///
/// // Daily periods from year 1 to year 3000: about 1.1 million, over the limit.
/// let (first, as_of) = (NaiveDate::from_ymd_opt(1, 1, 1).unwrap(), NaiveDate::from_ymd_opt(3000, 1, 1).unwrap());
/// let mut log = TransactionLog::default();
/// log.push(1_u8, first, Decimal::ONE);
/// assert!(MAX_LAPSE_PERIODS < 1_100_000);
/// let err = lapse_report(log.columns(), 30, as_of, CohortPeriod::Every(Period::DAY)).unwrap_err();
/// assert!(matches!(err, Error::InvalidParameter { .. }));
/// ```
pub const MAX_LAPSE_PERIODS: u64 = 1_000_000;

/// Lapse status and per-period lapse counts of a log, for an inactivity window of
/// `window_days` days, counting periods by `period` (week, month, …).
///
/// A customer is lapsed on day t when their last purchase on or before t is more than
/// `window_days` earlier. Each gap longer than the window is one lapse (on day
/// last + window + 1) and, if they bought again, one return (on that purchase day).
/// Transactions after `as_of` are left out and counted.
///
/// # Errors
///
/// [`Error::InvalidParameter`] for a window of 0 days or invalid custom boundaries, or
/// naming `period` when the report would span more than [`MAX_LAPSE_PERIODS`] periods
/// (checked before the periods are walked: a daily period over a log reaching across
/// millennia); [`Error::InvalidRow`] for a transaction outside custom boundaries.
///
/// # Examples
///
/// ```
/// use chrono::NaiveDate;
/// use customer_value::churn::{lapse_report, CohortPeriod};
/// use customer_value::TransactionLog;
/// use rust_decimal::Decimal;
///
/// let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
/// let mut log = TransactionLog::default();
/// log.push("ann", d(1, 1), Decimal::ONE);
/// log.push("ann", d(3, 15), Decimal::ONE); // returns after a 74-day gap
/// log.push("bob", d(1, 10), Decimal::ONE); // never again
/// let r = lapse_report(log.columns(), 30, d(4, 30), CohortPeriod::Month)?;
/// assert_eq!(r.lapsed(), 2); // ann's last purchase is 46 days old too
/// assert_eq!(r.customers[0].lapses, 2);
/// // Ann lapses on Feb 1 and Apr 15, returns on Mar 15; Bob lapses on Feb 10.
/// assert_eq!(r.periods[1].lapsed, 2);
/// assert_eq!(r.periods[2].returned, 1);
/// assert_eq!((r.periods[3].lapsed_at_end, r.periods[3].active_at_end), (2, 0));
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn lapse_report<K, D>(
    log: TransactionColumns<'_, K, D>,
    window_days: u32,
    as_of: NaiveDate,
    period: CohortPeriod,
) -> Result<LapseReport<K>>
where
    K: Eq + Hash + Clone,
    D: PurchaseDate,
{
    if window_days == 0 {
        return Err(Error::param(
            "window_days",
            0,
            "the inactivity window is at least one day",
        ));
    }
    let spec = super::cohort::CohortSpec::new(period, as_of)?;
    let mut buckets = Buckets::new(&spec.period);
    let as_of_day = as_of.day_number();

    // Group purchase days by customer (dense ids in order of first appearance).
    // Keys by value, not `&K`: a reference key costs a second random read (into the log)
    // per row, which was most of a report's time.
    let mut ids: foldhash::HashMap<K, u32> = foldhash::HashMap::default();
    let mut keys: Vec<&K> = Vec::new();
    let mut rows: Vec<(u32, i32)> = Vec::with_capacity(log.len());
    let mut rows_after_as_of = 0;
    for (row, (customer, date)) in log.customers().iter().zip(log.dates()).enumerate() {
        let day = date.day_number();
        if day > as_of_day {
            rows_after_as_of += 1;
            continue;
        }
        if buckets.index(day).is_none() {
            return Err(Error::InvalidRow {
                row: row as u64,
                reason: format!("{} is outside the custom periods", date_of_day(day)),
            });
        }
        let id = match ids.get(customer) {
            Some(&id) => id,
            None => {
                let id = keys.len() as u32;
                ids.insert(customer.clone(), id);
                keys.push(customer);
                id
            }
        };
        rows.push((id, day));
    }
    // Each customer's purchases in time order.
    let rows = by_customer_then_day(&rows, keys.len());

    let window = i64::from(window_days);
    let mut events: Vec<(i32, i8)> = Vec::new(); // (day, +1 lapse / −1 return / 0 acquisition)
    let mut customers = Vec::with_capacity(keys.len());
    for group in rows.chunk_by(|a, b| a.0 == b.0) {
        let (Some(&(id, first)), Some(&(_, last))) = (group.first(), group.last()) else {
            continue;
        };
        let Some(&customer) = keys.get(id as usize) else {
            continue;
        };
        events.push((first, 0));
        let mut lapses = 0;
        for (&(_, p), &(_, n)) in group.iter().zip(group.iter().skip(1)) {
            let (p, n) = (i64::from(p), i64::from(n));
            if n - p > window + 1 {
                lapses += 1;
                events.push(((p + window + 1) as i32, 1));
                events.push((n as i32, -1));
            }
        }
        let inactive = i64::from(as_of_day) - i64::from(last);
        let lapsed = inactive > window;
        if lapsed {
            lapses += 1;
            events.push(((i64::from(last) + window + 1) as i32, 1));
        }
        customers.push(CustomerActivity {
            customer: customer.clone(),
            first_purchase: date_of_day(first),
            last_purchase: date_of_day(last),
            days_inactive: u32::try_from(inactive).unwrap_or(u32::MAX),
            lapsed,
            lapses,
        });
    }
    events.sort_unstable();

    let mut periods = Vec::new();
    if let Some(&(first_day, _)) = events.first() {
        let last_period = buckets.last_period(as_of_day);
        let first_period = buckets.index(first_day).unwrap_or(last_period);
        let span = last_period.saturating_sub(first_period).saturating_add(1);
        if u64::try_from(span).is_ok_and(|n| n > MAX_LAPSE_PERIODS) {
            return Err(Error::param(
                "period",
                format_args!("{span} periods from {} to {as_of}", date_of_day(first_day)),
                "a lapse report spans at most churn::MAX_LAPSE_PERIODS = 1,000,000 periods: use a coarser period",
            ));
        }
        let mut ev = events.iter().peekable();
        let (mut lapsed_now, mut acquired) = (0_u64, 0_u64);
        for p in first_period..=last_period {
            let end = buckets.start(p + 1);
            let (mut lapsed, mut returned) = (0, 0);
            while let Some(&&(day, kind)) = ev.peek() {
                if i64::from(day) >= end {
                    break;
                }
                match kind {
                    1 => lapsed += 1,
                    -1 => returned += 1,
                    _ => acquired += 1,
                }
                ev.next();
            }
            lapsed_now = lapsed_now + lapsed - returned;
            periods.push(LapsePeriod {
                start: date_of_day(i32::try_from(buckets.start(p)).unwrap_or(0)),
                lapsed,
                returned,
                lapsed_at_end: lapsed_now,
                active_at_end: acquired - lapsed_now,
            });
        }
    }
    Ok(LapseReport {
        window_days,
        as_of,
        customers,
        periods,
        rows_after_as_of,
    })
}

/// `rows` sorted by (customer id, day) without repeats, in linear time: a counting sort
/// by id (ids are dense, `0..customers`), then each customer's few days sorted in place
/// (usually already in order). A global sort of ten million pairs cost most of a report.
fn by_customer_then_day(rows: &[(u32, i32)], customers: usize) -> Vec<(u32, i32)> {
    // starts[k] = first position of customer k once the counts are summed.
    let mut starts = vec![0_usize; customers + 1];
    for &(id, _) in rows {
        if let Some(count) = starts.get_mut(id as usize + 1) {
            *count += 1;
        }
    }
    let mut total = 0;
    for start in &mut starts {
        total += *start;
        *start = total;
    }
    let mut sorted = vec![(0_u32, 0_i32); rows.len()];
    let mut next = starts.clone();
    for &(id, day) in rows {
        if let Some(position) = next.get_mut(id as usize) {
            if let Some(slot) = sorted.get_mut(*position) {
                *slot = (id, day);
            }
            *position += 1;
        }
    }
    for bounds in starts.windows(2) {
        if let [from, to] = *bounds {
            if let Some(group) = sorted.get_mut(from..to) {
                if !group.is_sorted() {
                    group.sort_unstable();
                }
            }
        }
    }
    sorted.dedup();
    sorted
}

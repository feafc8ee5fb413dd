//! Customer churn rates of one period, under each convention the SaaS tools use.
//!
//! The same month can honestly be reported as 8 %, 8.3 %, 9.2 %, 9.5 % or 10 % churn: the
//! conventions differ in who is in the denominator and whether customers who joined
//! during the period count. This module owns the period's counts ([`ChurnCounts`],
//! mergeable across shards) and the named conventions ([`ChurnMethod`]); it never picks
//! one silently.
//!
//! The running example (the reference table of the crate): 100 customers at the start of
//! a 30-day month; 8 of them churn on day 15; 20 join on day 10 and 2 of those churn on
//! day 20.
//!
//! | method | formula | value |
//! |---|---|---|
//! | [`NetCustomerChange`](ChurnMethod::NetCustomerChange) | (start − end) / start | −10 % (not churn) |
//! | [`Simple`](ChurnMethod::Simple) | lost / start | 10 % |
//! | [`ChartMogul`](ChurnMethod::ChartMogul) | lost of the start cohort / start | 8 % |
//! | [`Stripe`](ChurnMethod::Stripe) | lost / (start + new) | 8.333 % |
//! | [`AverageBase`](ChurnMethod::AverageBase) | lost / ((start + end) / 2) | 9.524 % |
//! | [`CustomerDays`](ChurnMethod::CustomerDays) | lost / customer-days × period days | 9.202 % |

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::retention::Subscription;
use crate::time::PurchaseDate;

/// A churn-rate convention. Each variant documents its formula and its value on the
/// reference month: 100 customers at the start of a 30-day month; 8 of them churn on day
/// 15; 20 join on day 10 and 2 of those churn on day 20.
///
/// | method | formula | value |
/// |---|---|---|
/// | [`NetCustomerChange`](ChurnMethod::NetCustomerChange) | (start − end) / start | −10 % (not churn) |
/// | [`Simple`](ChurnMethod::Simple) | lost / start | 10 % |
/// | [`ChartMogul`](ChurnMethod::ChartMogul) | lost of the start cohort / start | 8 % |
/// | [`Stripe`](ChurnMethod::Stripe) | lost / (start + new) | 8.333 % |
/// | [`AverageBase`](ChurnMethod::AverageBase) | lost / ((start + end) / 2) | 9.524 % |
/// | [`CustomerDays`](ChurnMethod::CustomerDays) | lost / customer-days × period days | 9.202 % |
///
/// # Examples
///
/// ```
/// use customer_value::churn::{ChurnCounts, ChurnMethod};
///
/// // The module's reference period: 100 at start, 20 new, 8 + 2 lost, 3,260 customer-days of 30.
/// let c = ChurnCounts::new(100, 20, 8, 2)?.with_exposure(3260, 30)?;
/// let pct = |m| (c.rate(m).unwrap() * 1000.0).round() / 10.0;
/// assert_eq!(pct(ChurnMethod::ChartMogul), 8.0);
/// assert_eq!(pct(ChurnMethod::AverageBase), 9.5);
/// assert_eq!(pct(ChurnMethod::CustomerDays), 9.2);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum ChurnMethod {
    /// (start − end) / start — the CLV-and-churn brief's "simplest form". **Not a churn rate**: it is the
    /// net change of the customer count with the sign flipped, and goes negative (−10 % in
    /// the reference example) as soon as acquisition outpaces losses, hiding every loss.
    NetCustomerChange,
    /// lost / start, counting every customer lost in the period, including those who
    /// joined during it (10 %). Can exceed 1 when many joiners leave.
    Simple,
    /// Lost customers *of the start cohort* / start: customers who joined and left in the
    /// same period are excluded from both sides (ChartMogul's customer churn rate; 8 %).
    ChartMogul,
    /// lost / (start + new): everyone who was a customer at any time in the period is in
    /// the denominator (Stripe Billing's convention; 8.333 %).
    Stripe,
    /// lost / ((start + end) / 2), the average base (9.524 %).
    AverageBase,
    /// lost / customer-days of exposure × days in the period: a rate per period of
    /// exposure that weighs each customer by the time they could have churned (9.202 %).
    /// Needs [`ChurnCounts::customer_days`].
    CustomerDays,
}

impl ChurnMethod {
    /// Every method, in the order of the module's table.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::churn::{ChurnCounts, ChurnMethod};
    ///
    /// let c = ChurnCounts::new(100, 20, 8, 2)?.with_exposure(3260, 30)?;
    /// // Every method has a value for this period; only two of them are shares.
    /// assert!(ChurnMethod::ALL.iter().all(|&m| c.rate(m).is_some()));
    /// assert_eq!(ChurnMethod::ALL.iter().filter(|m| m.is_share()).count(), 2);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub const ALL: [ChurnMethod; 6] = [
        ChurnMethod::NetCustomerChange,
        ChurnMethod::Simple,
        ChurnMethod::ChartMogul,
        ChurnMethod::Stripe,
        ChurnMethod::AverageBase,
        ChurnMethod::CustomerDays,
    ];

    /// Whether the value is a share of a population, so that retention = 1 − churn.
    /// True for [`ChartMogul`](Self::ChartMogul) and [`Stripe`](Self::Stripe), whose
    /// numerators are subsets of their denominators; the others are ratios that can leave
    /// [0, 1].
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::churn::ChurnMethod;
    ///
    /// assert!(ChurnMethod::Stripe.is_share());
    /// assert!(!ChurnMethod::AverageBase.is_share()); // lost / average base can exceed 1
    /// ```
    #[must_use]
    pub fn is_share(self) -> bool {
        matches!(self, ChurnMethod::ChartMogul | ChurnMethod::Stripe)
    }
}

/// The counts of one period that every churn convention is computed from.
///
/// Build it directly, or from subscriptions with
/// [`from_subscriptions`](Self::from_subscriptions). Counts of disjoint sets of customers
/// (shards) add with [`merge`](Self::merge).
///
/// # Examples
///
/// ```
/// use customer_value::churn::{ChurnCounts, ChurnMethod};
///
/// // 100 at start; 8 of them leave; 20 join, 2 of whom leave; 3,260 customer-days in 30 days.
/// let c = ChurnCounts::new(100, 20, 8, 2)?.with_exposure(3260, 30)?;
/// assert_eq!(c.end(), 110);
/// assert!((c.rate(ChurnMethod::Stripe).unwrap() - 10.0 / 120.0).abs() < 1e-15);
/// assert!((c.rate(ChurnMethod::NetCustomerChange).unwrap() + 0.10).abs() < 1e-15);
/// assert!(c.retention(ChurnMethod::NetCustomerChange).is_none()); // not a churn rate
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ChurnCounts {
    /// Customers at the start of the period.
    pub start: u64,
    /// Customers who joined during the period.
    pub new: u64,
    /// Customers of the start cohort lost during the period.
    pub lost_from_start: u64,
    /// Customers who joined and were lost within the period.
    pub lost_from_new: u64,
    /// Σ over customers of the days they were customers within the period (0 if unknown).
    pub customer_days: u64,
    /// Length of the period in days (0 if unknown).
    pub period_days: u32,
}

impl ChurnCounts {
    /// Counts of a period, without exposure.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] if more customers are lost than a group holds.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::churn::ChurnCounts;
    ///
    /// assert_eq!(ChurnCounts::new(100, 20, 8, 2)?.lost(), 10);
    /// assert!(ChurnCounts::new(100, 20, 101, 0).is_err()); // more lost than there were
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn new(start: u64, new: u64, lost_from_start: u64, lost_from_new: u64) -> Result<Self> {
        if lost_from_start > start {
            return Err(Error::param(
                "lost_from_start",
                lost_from_start,
                "cannot exceed the customers at start",
            ));
        }
        if lost_from_new > new {
            return Err(Error::param(
                "lost_from_new",
                lost_from_new,
                "cannot exceed the customers who joined",
            ));
        }
        Ok(ChurnCounts {
            start,
            new,
            lost_from_start,
            lost_from_new,
            customer_days: 0,
            period_days: 0,
        })
    }

    /// Adds the exposure needed by [`ChurnMethod::CustomerDays`].
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] if `period_days` is 0 or `customer_days` exceeds
    /// (start + new) × period_days.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::churn::{ChurnCounts, ChurnMethod};
    ///
    /// let c = ChurnCounts::new(100, 20, 8, 2)?;
    /// assert_eq!(c.rate(ChurnMethod::CustomerDays), None); // exposure unknown
    /// let c = c.with_exposure(3260, 30)?;
    /// assert!((c.rate(ChurnMethod::CustomerDays).unwrap() - 10.0 / 3260.0 * 30.0).abs() < 1e-15);
    /// assert!(ChurnCounts::new(1, 0, 0, 0)?.with_exposure(31, 30).is_err()); // more days than possible
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn with_exposure(mut self, customer_days: u64, period_days: u32) -> Result<Self> {
        if period_days == 0 {
            return Err(Error::param("period_days", 0, "a period is at least one day"));
        }
        let cap = (u128::from(self.start) + u128::from(self.new)) * u128::from(period_days);
        if u128::from(customer_days) > cap {
            return Err(Error::param(
                "customer_days",
                customer_days,
                "more exposure than (start + new) customers × period days",
            ));
        }
        self.customer_days = customer_days;
        self.period_days = period_days;
        Ok(self)
    }

    /// Counts the period `[period_start, period_end)` from subscriptions (start day, optional
    /// end day — the first day no longer a customer). A subscription is a customer on the
    /// days `start ≤ day < end`; one that starts and ends within the period counts as new
    /// and lost (a same-day cancellation with 0 customer-days); exposure is the
    /// customer-days inside the period. Subscriptions that ended by `period_start` or
    /// start on or after `period_end` are not part of the period.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for an empty or reversed period; [`Error::InvalidRow`]
    /// for a subscription that ends before it starts.
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use customer_value::churn::{ChurnCounts, ChurnMethod};
    /// use customer_value::retention::Subscription;
    ///
    /// let d = |day| NaiveDate::from_ymd_opt(2024, 4, day).unwrap();
    /// let before = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
    /// let subs = [
    ///     Subscription::new(before, None)?,          // stays
    ///     Subscription::new(before, Some(d(16)))?,   // lost on day 15 (0-based)
    ///     Subscription::new(d(11), None)?,           // joins on day 10
    /// ];
    /// let c = ChurnCounts::from_subscriptions(&subs, d(1), NaiveDate::from_ymd_opt(2024, 5, 1).unwrap())?;
    /// assert_eq!((c.start, c.new, c.lost_from_start), (2, 1, 1));
    /// assert_eq!(c.customer_days, 30 + 15 + 20);
    /// assert!((c.rate(ChurnMethod::Simple).unwrap() - 0.5).abs() < 1e-15);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn from_subscriptions<D: PurchaseDate>(
        subscriptions: &[Subscription],
        period_start: D,
        period_end: D,
    ) -> Result<Self> {
        let (p0, p1) = (
            i64::from(period_start.day_number()),
            i64::from(period_end.day_number()),
        );
        if p1 <= p0 {
            return Err(Error::param(
                "period_end",
                p1 - p0,
                "the period must end after it starts (length in days shown)",
            ));
        }
        let mut c = ChurnCounts {
            period_days: u32::try_from(p1 - p0).unwrap_or(u32::MAX),
            ..ChurnCounts::default()
        };
        for (row, s) in subscriptions.iter().enumerate() {
            let start = i64::from(s.start.day_number());
            let end = s.end.map(|e| i64::from(e.day_number()));
            if let Some(end) = end
                && end < start
            {
                return Err(Error::InvalidRow {
                    row: row as u64,
                    reason: format!("ends before it starts ({} → {:?})", s.start, s.end),
                });
            }
            let end_or_open = end.unwrap_or(i64::MAX);
            if start >= p1 || end_or_open <= p0 {
                continue; // never a customer within the period
            }
            let lost = end_or_open < p1;
            if start <= p0 {
                c.start += 1;
                c.lost_from_start += u64::from(lost);
            } else {
                c.new += 1;
                c.lost_from_new += u64::from(lost);
            }
            let days = end_or_open.min(p1) - start.max(p0);
            c.customer_days += days.unsigned_abs();
        }
        Ok(c)
    }

    /// Adds the counts of another shard of customers for the same period.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] if the period lengths differ (both known);
    /// [`Error::Overflow`] if a count overflows. `self` is unchanged by a failed merge.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::churn::{ChurnCounts, ChurnMethod};
    ///
    /// let mut east = ChurnCounts::new(60, 10, 5, 1)?;
    /// let west = ChurnCounts::new(40, 10, 3, 1)?;
    /// east.merge(&west)?;
    /// assert_eq!(east, ChurnCounts::new(100, 20, 8, 2)?);
    /// assert!((east.rate(ChurnMethod::Stripe).unwrap() - 10.0 / 120.0).abs() < 1e-15);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn merge(&mut self, other: &ChurnCounts) -> Result<()> {
        if self.period_days != 0 && other.period_days != 0 && self.period_days != other.period_days {
            return Err(Error::param(
                "period_days",
                other.period_days,
                "shards of one period must have the same length",
            ));
        }
        let add = |a: u64, b: u64| {
            a.checked_add(b).ok_or(Error::Overflow {
                op: "churn count merge",
            })
        };
        // Every sum first, so that an overflow leaves `self` unchanged.
        let merged = ChurnCounts {
            start: add(self.start, other.start)?,
            new: add(self.new, other.new)?,
            lost_from_start: add(self.lost_from_start, other.lost_from_start)?,
            lost_from_new: add(self.lost_from_new, other.lost_from_new)?,
            customer_days: add(self.customer_days, other.customer_days)?,
            period_days: self.period_days.max(other.period_days),
        };
        *self = merged;
        Ok(())
    }

    /// Customers lost in the period (from the start cohort and from the joiners).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::churn::ChurnCounts;
    ///
    /// assert_eq!(ChurnCounts::new(100, 20, 8, 2)?.lost(), 10);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn lost(&self) -> u64 {
        self.lost_from_start.saturating_add(self.lost_from_new)
    }

    /// Customers at the end: start + new − lost.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::churn::ChurnCounts;
    ///
    /// assert_eq!(ChurnCounts::new(100, 20, 8, 2)?.end(), 110); // 100 + 20 − 10
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn end(&self) -> u64 {
        // new ≥ lost_from_new and start ≥ lost_from_start are constructor invariants; the
        // saturating form keeps hand-built values panic-free.
        self.start.saturating_add(self.new).saturating_sub(self.lost())
    }

    /// The period's churn under `method`, or `None` when its denominator is 0 (or the
    /// exposure is unknown for [`ChurnMethod::CustomerDays`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::churn::{ChurnCounts, ChurnMethod};
    ///
    /// let c = ChurnCounts::new(100, 20, 8, 2)?;
    /// assert_eq!(c.rate(ChurnMethod::ChartMogul), Some(0.08));
    /// assert_eq!(ChurnCounts::new(0, 0, 0, 0)?.rate(ChurnMethod::ChartMogul), None); // 0 / 0
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn rate(&self, method: ChurnMethod) -> Option<f64> {
        let ratio = |num: f64, den: f64| (den > 0.0).then(|| num / den);
        let (start, new, lost) = (self.start as f64, self.new as f64, self.lost() as f64);
        match method {
            ChurnMethod::NetCustomerChange => ratio(start - self.end() as f64, start),
            ChurnMethod::Simple => ratio(lost, start),
            ChurnMethod::ChartMogul => ratio(self.lost_from_start as f64, start),
            ChurnMethod::Stripe => ratio(lost, start + new),
            ChurnMethod::AverageBase => ratio(lost, (start + self.end() as f64) / 2.0),
            ChurnMethod::CustomerDays => ratio(lost * f64::from(self.period_days), self.customer_days as f64),
        }
    }

    /// Retention = 1 − churn, for the methods where that holds
    /// ([`ChurnMethod::is_share`]); `None` otherwise or for a zero denominator.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::churn::{ChurnCounts, ChurnMethod};
    ///
    /// let c = ChurnCounts::new(100, 20, 8, 2)?;
    /// assert_eq!(c.retention(ChurnMethod::ChartMogul), Some(0.92));
    /// assert_eq!(c.retention(ChurnMethod::AverageBase), None); // not a share
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn retention(&self, method: ChurnMethod) -> Option<f64> {
        if method.is_share() {
            self.rate(method).map(|c| 1.0 - c)
        } else {
            None
        }
    }
}

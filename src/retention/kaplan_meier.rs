//! Kaplan–Meier survival from subscriptions: start, optional end, right-censored.
//!
//! This module owns the life table (events and censorings per duration — mergeable, so
//! shards of a large book count separately), the product-limit estimate Ŝ(t) with
//! Greenwood standard errors, pointwise confidence bands, the median and the restricted
//! mean lifetime. Durations are whole periods (days, weeks, months of a fixed length), so
//! the estimate is a [`RetentionModel`]. The median and quantiles under R's midpoint
//! convention live in `kaplan_meier_quantile` ([`KaplanMeier::quantile_with`]).
//!
//! Conventions (those of R's `survival::survfit` and `lifelines`):
//!
//! * at a tied time, events happen before censorings (a censored customer is at risk at
//!   its censoring time);
//! * Ŝ(t) includes the events *at* t (right-continuous);
//! * Greenwood: Var Ŝ(t) = Ŝ(t)² Σ_{tᵢ≤t} dᵢ / (nᵢ (nᵢ − dᵢ)).
//!
//! Reference: E. L. Kaplan and P. Meier (1958), "Nonparametric estimation from incomplete
//! observations", *JASA* 53, 457–481; M. Greenwood (1926), "The natural duration of
//! cancer". The 6-MP arm of Freireich et al. (1963) reproduces in
//! `tests/economics/retention_kaplan_meier.rs`.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::RetentionModel;
use crate::error::{Error, Result};
use crate::time::PurchaseDate;

/// One subscription: its start and, if it has ended, its end.
///
/// # Examples
///
/// ```
/// use chrono::NaiveDate;
/// use customer_value::retention::Subscription;
///
/// let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
/// let s = Subscription::new(d(1, 1), Some(d(3, 15)))?;
/// assert!(Subscription::new(d(3, 1), Some(d(1, 1))).is_err()); // ends before it starts
/// # let _ = s;
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Subscription {
    /// First day of the subscription.
    pub start: NaiveDate,
    /// The cancellation date, if it has ended: the first day it is no longer active.
    pub end: Option<NaiveDate>,
}

impl Subscription {
    /// A subscription; `end` must not precede `start`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] if `end < start`.
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use customer_value::retention::Subscription;
    ///
    /// let day = NaiveDate::from_ymd_opt(2024, 5, 1).unwrap();
    /// // Cancelled on the day it started: allowed (it churns in period 1).
    /// assert_eq!(Subscription::new(day, Some(day))?.end, Some(day));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn new(start: NaiveDate, end: Option<NaiveDate>) -> Result<Self> {
        if let Some(e) = end
            && e < start
        {
            return Err(Error::param(
                "end",
                format_args!("{e} (start {start})"),
                "a subscription cannot end before it starts",
            ));
        }
        Ok(Subscription { start, end })
    }
}

/// Events and censorings per duration (in periods): the sufficient statistics of
/// Kaplan–Meier. Built row by row or from subscriptions; [`merge`](Self::merge) adds two
/// tables, so shards of a book can be counted in parallel.
///
/// # Examples
///
/// ```
/// use customer_value::retention::LifeTable;
///
/// let mut a = LifeTable::default();
/// a.record(3, true)?;
/// let mut b = LifeTable::default();
/// b.record(5, false)?;
/// a.merge(&b)?;
/// assert_eq!(a.subjects(), 2);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LifeTable {
    /// duration → (events, censored).
    counts: BTreeMap<u32, (u64, u64)>,
}

impl LifeTable {
    /// Records one lifetime of `duration` periods that ended in churn (`ended = true`) or
    /// is still running / unobserved beyond it (`ended = false`, right-censored).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for a churn at duration 0: S(0) = 1 means every
    /// customer is a customer for at least part of period 1 (see
    /// [`KaplanMeier::from_subscriptions`] for how dates map to periods).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::retention::LifeTable;
    ///
    /// let mut table = LifeTable::default();
    /// table.record(2, true)?; // churned in period 2
    /// table.record(2, false)?; // still a customer after 2 periods (censored)
    /// assert_eq!(table.rows().collect::<Vec<_>>(), [(2, 1, 1)]);
    /// assert!(table.record(0, true).is_err()); // a churn at duration 0 breaks S(0) = 1
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn record(&mut self, duration: u32, ended: bool) -> Result<()> {
        if ended && duration == 0 {
            return Err(Error::param(
                "duration",
                0,
                "a churn at duration 0 breaks S(0) = 1; count it as churn in period 1",
            ));
        }
        let (d, c) = self.counts.get(&duration).copied().unwrap_or((0, 0));
        let cell = if ended {
            (d.checked_add(1), Some(c))
        } else {
            (Some(d), c.checked_add(1))
        };
        match cell {
            (Some(d), Some(c)) => {
                self.counts.insert(duration, (d, c));
                Ok(())
            }
            _ => Err(Error::Overflow {
                op: "life-table count",
            }),
        }
    }

    /// Adds another table's counts to this one.
    ///
    /// # Errors
    ///
    /// [`Error::Overflow`] if a count or the total number of subjects of the merged table
    /// would exceed `u64::MAX`; the table is then left unchanged.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::retention::LifeTable;
    ///
    /// let (mut north, mut south) = (LifeTable::default(), LifeTable::default());
    /// north.record(3, true)?;
    /// south.record(3, true)?;
    /// south.record(7, false)?;
    /// north.merge(&south)?;
    /// assert_eq!(north.rows().collect::<Vec<_>>(), [(3, 2, 0), (7, 0, 1)]);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn merge(&mut self, other: &LifeTable) -> Result<()> {
        let overflow = || Error::Overflow {
            op: "life-table merge",
        };
        let total = self.checked_subjects().ok_or_else(overflow)?;
        other
            .checked_subjects()
            .and_then(|o| total.checked_add(o))
            .ok_or_else(overflow)?;
        let mut merged = Vec::with_capacity(other.counts.len());
        for (&t, &(d, c)) in &other.counts {
            let (md, mc) = self.counts.get(&t).copied().unwrap_or((0, 0));
            merged.push((
                t,
                (
                    md.checked_add(d).ok_or_else(overflow)?,
                    mc.checked_add(c).ok_or_else(overflow)?,
                ),
            ));
        }
        self.counts.extend(merged);
        Ok(())
    }

    /// The number of lifetimes, or `None` if it exceeds `u64::MAX` (possible only for a
    /// table deserialised from outside).
    fn checked_subjects(&self) -> Option<u64> {
        self.counts
            .values()
            .try_fold(0_u64, |n, &(d, c)| n.checked_add(d)?.checked_add(c))
    }

    /// Number of lifetimes recorded (saturating at `u64::MAX` for a deserialised table
    /// whose counts sum beyond it; [`KaplanMeier::from_life_table`] refuses such a table).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::retention::LifeTable;
    ///
    /// let mut table = LifeTable::default();
    /// table.record(1, true)?;
    /// table.record(4, false)?;
    /// assert_eq!((table.subjects(), table.events()), (2, 1));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn subjects(&self) -> u64 {
        self.checked_subjects().unwrap_or(u64::MAX)
    }

    /// Number of churn events recorded (saturating at `u64::MAX`, as
    /// [`subjects`](Self::subjects)).
    #[must_use]
    pub fn events(&self) -> u64 {
        self.counts.values().fold(0_u64, |n, &(d, _)| n.saturating_add(d))
    }

    /// (duration, events, censored) rows in increasing duration.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::retention::LifeTable;
    ///
    /// let mut table = LifeTable::default();
    /// for (d, ended) in [(5, false), (2, true), (5, true)] {
    ///     table.record(d, ended)?;
    /// }
    /// // (duration, events, censored), shortest first.
    /// assert_eq!(table.rows().collect::<Vec<_>>(), [(2, 1, 0), (5, 1, 1)]);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn rows(&self) -> impl Iterator<Item = (u32, u64, u64)> + '_ {
        self.counts.iter().map(|(&t, &(d, c))| (t, d, c))
    }
}

/// The kind of pointwise confidence interval around Ŝ(t).
///
/// # Examples
///
/// ```
/// use customer_value::retention::{ConfidenceBand, KaplanMeier};
///
/// // Ŝ(1) = 0.75 with Greenwood SE 0.2165 (by hand: 0.75² · 1 / (4 · 3) = 0.046875).
/// let km = KaplanMeier::from_durations([(1, true), (2, false), (3, true), (4, false)])?;
/// let z = 1.959964;
/// let (plain_lo, plain_hi) = km.confidence_interval(1, z, ConfidenceBand::Plain)?;
/// assert!((plain_lo - (0.75 - z * 0.046875_f64.sqrt())).abs() < 1e-12);
/// assert_eq!(plain_hi, 1.0); // 0.75 + 0.42 is clipped
/// let (_, log_hi) = km.confidence_interval(1, z, ConfidenceBand::Log)?;
/// let (_, loglog_hi) = km.confidence_interval(1, z, ConfidenceBand::default())?;
/// assert!(log_hi == 1.0 && loglog_hi < 1.0); // only log-log stays inside (0, 1)
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub enum ConfidenceBand {
    /// Ŝ ± z·SE, clipped to [0, 1].
    Plain,
    /// On log Ŝ (R `survfit`'s default, `conf.type = "log"`), upper end clipped to 1.
    Log,
    /// On log(−log Ŝ) (the "exponential Greenwood" of lifelines and Stata); stays
    /// inside (0, 1) without clipping.
    #[default]
    LogLog,
}

/// One step of the Kaplan–Meier curve: a duration with at least one event.
///
/// # Examples
///
/// ```
/// use customer_value::retention::KaplanMeier;
///
/// let km = KaplanMeier::from_durations([(1, true), (2, false), (3, true), (4, false)])?;
/// let step = km.steps()[1];
/// // At 3: two at risk (the censored 2 is gone), one churns: Ŝ = 0.75 · (1 − 1/2).
/// assert_eq!((step.time, step.at_risk, step.events), (3, 2, 1));
/// assert!((step.survival - 0.375).abs() < 1e-12);
/// assert!((step.greenwood_sum - (1.0 / 12.0 + 1.0 / 2.0)).abs() < 1e-12);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct KmStep {
    /// The duration (periods).
    pub time: u32,
    /// Customers at risk just before `time` (duration ≥ `time`).
    pub at_risk: u64,
    /// Churn events at `time`.
    pub events: u64,
    /// Ŝ(`time`), including these events.
    pub survival: f64,
    /// Greenwood standard error of Ŝ(`time`).
    pub std_error: f64,
    /// Σ dᵢ / (nᵢ (nᵢ − dᵢ)) up to `time` (the Greenwood sum; infinite once Ŝ = 0).
    pub greenwood_sum: f64,
}

/// A Kaplan–Meier survival estimate.
///
/// # Examples
///
/// ```
/// use customer_value::retention::{check_retention_model, KaplanMeier, RetentionModel};
///
/// // (duration, churned?) — the 6-MP arm of the Freireich leukaemia trial, in weeks.
/// let data = [(6, true), (6, true), (6, true), (6, false), (7, true), (9, false),
///     (10, true), (10, false), (11, false), (13, true), (16, true), (17, false),
///     (19, false), (20, false), (22, true), (23, true), (25, false), (32, false),
///     (32, false), (34, false), (35, false)];
/// let km = KaplanMeier::from_durations(data)?;
/// assert!((km.survival(6) - 0.8571).abs() < 1e-4);
/// assert!((km.std_error(6) - 0.0764).abs() < 1e-4);
/// assert!((km.survival(23) - 0.4482).abs() < 1e-4);
/// assert_eq!(km.median(), Some(23));
/// check_retention_model(&km, 40)?;
/// # Ok::<(), customer_value::Error>(())
/// ```
///
/// # Formula
///
/// With `dᵢ` churn events among `nᵢ` customers at risk at the distinct event times `tᵢ`
/// (Kaplan & Meier 1958; Greenwood 1926; Kalbfleisch & Prentice 2002, §4.1):
///
/// ```text
/// Ŝ(t) = Π_{tᵢ ≤ t} (1 − dᵢ/nᵢ)
///
/// Var Ŝ(t) = Ŝ(t)² Σ_{tᵢ ≤ t} dᵢ / (nᵢ (nᵢ − dᵢ))                      (Greenwood)
///
/// plain band:    Ŝ ± z SE
/// log band:      Ŝ · exp(± z SE/Ŝ)
/// log-log band:  from Ŝ^{exp(w)} to Ŝ^{exp(−w)}, w = z SE / (Ŝ |ln Ŝ|)   (the default)
///
/// median = min { t : Ŝ(t) ≤ 1/2 };   restricted mean to τ = ∫₀^τ Ŝ(u) du
/// ```
///
/// # References
///
/// - E. L. Kaplan and P. Meier (1958), "Nonparametric estimation from incomplete
///   observations", *Journal of the American Statistical Association* 53(282), 457–481.
/// - M. Greenwood (1926), "The natural duration of cancer", *Reports on Public Health and
///   Medical Subjects* 33, His Majesty's Stationery Office, London.
/// - J. D. Kalbfleisch and R. L. Prentice (2002), *The Statistical Analysis of Failure Time
///   Data*, 2nd ed., Wiley.
///
/// Serialised as its [`LifeTable`], so a stored estimate is rebuilt bit for bit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "LifeTable", into = "LifeTable")]
pub struct KaplanMeier {
    table: LifeTable,
    steps: Vec<KmStep>,
    subjects: u64,
    max_duration: u32,
}

impl KaplanMeier {
    /// The estimate from a life table.
    ///
    /// # Errors
    ///
    /// [`Error::EmptyInput`] for an empty table; [`Error::InvalidParameter`] for churn
    /// events at duration 0 (possible only in a table deserialised from outside);
    /// [`Error::Overflow`] if the table's subjects sum beyond `u64::MAX` (likewise).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::retention::{KaplanMeier, LifeTable, RetentionModel};
    ///
    /// let mut table = LifeTable::default();
    /// table.record(1, true)?;
    /// table.record(2, false)?;
    /// let km = KaplanMeier::from_life_table(&table)?;
    /// assert!((km.survival(1) - 0.5).abs() < 1e-12);
    /// assert!(KaplanMeier::from_life_table(&LifeTable::default()).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn from_life_table(table: &LifeTable) -> Result<Self> {
        if table.counts.get(&0).is_some_and(|&(d, _)| d > 0) {
            return Err(Error::param(
                "duration",
                0,
                "a churn at duration 0 breaks S(0) = 1",
            ));
        }
        let subjects = table.checked_subjects().ok_or(Error::Overflow {
            op: "life-table subjects",
        })?;
        if subjects == 0 {
            return Err(Error::EmptyInput { what: "life table" });
        }
        let mut at_risk = subjects;
        let (mut s, mut greenwood) = (1.0_f64, 0.0_f64);
        let mut steps = Vec::new();
        let mut max_duration = 0;
        for (time, events, censored) in table.rows() {
            max_duration = time;
            if events > 0 {
                let (n, d) = (at_risk as f64, events as f64);
                s *= 1.0 - d / n;
                greenwood = if events < at_risk {
                    greenwood + d / (n * (n - d))
                } else {
                    f64::INFINITY
                };
                let std_error = if s > 0.0 { s * greenwood.sqrt() } else { 0.0 };
                steps.push(KmStep {
                    time,
                    at_risk,
                    events,
                    survival: s,
                    std_error,
                    greenwood_sum: greenwood,
                });
            }
            at_risk = at_risk.saturating_sub(events.saturating_add(censored));
        }
        Ok(KaplanMeier {
            table: table.clone(),
            steps,
            subjects,
            max_duration,
        })
    }

    /// The estimate from (duration in periods, churned?) pairs.
    ///
    /// # Errors
    ///
    /// [`Error::EmptyInput`] for no pairs; [`Error::InvalidRow`] for a churn at duration 0.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::Error;
    /// use customer_value::retention::{KaplanMeier, RetentionModel};
    ///
    /// // Four customers: churn at 1, censored at 2, churn at 3, censored at 4.
    /// // Ŝ(1) = 3/4, Ŝ(3) = 3/4 · 1/2 = 0.375 (product-limit by hand).
    /// let km = KaplanMeier::from_durations([(1, true), (2, false), (3, true), (4, false)])?;
    /// assert!((km.survival(2) - 0.75).abs() < 1e-12 && (km.survival(3) - 0.375).abs() < 1e-12);
    /// let bad = KaplanMeier::from_durations([(2, true), (0, true)]);
    /// assert!(matches!(bad, Err(Error::InvalidRow { row: 1, .. })));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn from_durations<I: IntoIterator<Item = (u32, bool)>>(lifetimes: I) -> Result<Self> {
        let mut table = LifeTable::default();
        for (row, (duration, ended)) in lifetimes.into_iter().enumerate() {
            table.record(duration, ended).map_err(|e| Error::InvalidRow {
                row: row as u64,
                reason: e.to_string(),
            })?;
        }
        Self::from_life_table(&table)
    }

    /// The life table of subscriptions observed up to `as_of` (inclusive), in periods of
    /// `period_days` days.
    ///
    /// A subscription that ended after `d` days churned in period ⌈d / period_days⌉ (at
    /// least 1: it was a customer when it started). One still running, or ending after
    /// `as_of`, is censored at ⌊(as_of − start) / period_days⌋ whole periods survived.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for `period_days` = 0; [`Error::InvalidRow`] for a
    /// subscription that starts after `as_of` or ends before it starts.
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use customer_value::retention::{KaplanMeier, Subscription};
    ///
    /// let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
    /// let subs = [
    ///     Subscription::new(d(1, 1), Some(d(2, 15)))?, // 45 days: churned in period ⌈45/30⌉ = 2
    ///     Subscription::new(d(1, 1), None)?,           // 181 days to 30 June: censored at ⌊181/30⌋ = 6
    /// ];
    /// let table = KaplanMeier::life_table(&subs, d(6, 30), 30)?;
    /// assert_eq!(table.rows().collect::<Vec<_>>(), [(2, 1, 0), (6, 0, 1)]);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn life_table(
        subscriptions: &[Subscription],
        as_of: NaiveDate,
        period_days: u32,
    ) -> Result<LifeTable> {
        if period_days == 0 {
            return Err(Error::param("period_days", 0, "a period is at least one day"));
        }
        let (len, as_of_day) = (i64::from(period_days), i64::from(as_of.day_number()));
        let mut table = LifeTable::default();
        for (row, s) in subscriptions.iter().enumerate() {
            let start = i64::from(s.start.day_number());
            let bad = |reason: String| Error::InvalidRow {
                row: row as u64,
                reason,
            };
            if start > as_of_day {
                return Err(bad(format!("starts {} after the as-of date {as_of}", s.start)));
            }
            let (duration, ended) = match s.end.map(|e| i64::from(e.day_number())) {
                Some(end) if end < start => {
                    return Err(bad(format!("ends before it starts ({} → {:?})", s.start, s.end)));
                }
                Some(end) if end <= as_of_day => (((end - start + len - 1) / len).max(1), true),
                _ => ((as_of_day - start) / len, false),
            };
            // Spans are below 2^32 days × 1, so this never saturates in practice.
            let duration = u32::try_from(duration).unwrap_or(u32::MAX);
            table.record(duration, ended)?;
        }
        Ok(table)
    }

    /// The estimate from subscriptions observed up to `as_of` (see
    /// [`life_table`](Self::life_table) for the period convention).
    ///
    /// # Errors
    ///
    /// As [`life_table`](Self::life_table), and [`Error::EmptyInput`] for none.
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use customer_value::retention::{KaplanMeier, RetentionModel, Subscription};
    ///
    /// let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
    /// let subs = [
    ///     Subscription::new(d(1, 1), Some(d(2, 15)))?, // churned in month 2
    ///     Subscription::new(d(1, 1), None)?,           // still active
    /// ];
    /// let km = KaplanMeier::from_subscriptions(&subs, d(6, 30), 30)?;
    /// assert!((km.survival(1) - 1.0).abs() < 1e-12);
    /// assert!((km.survival(2) - 0.5).abs() < 1e-12);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn from_subscriptions(
        subscriptions: &[Subscription],
        as_of: NaiveDate,
        period_days: u32,
    ) -> Result<Self> {
        Self::from_life_table(&Self::life_table(subscriptions, as_of, period_days)?)
    }

    /// The steps of the curve (durations with events), in increasing time.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::retention::KaplanMeier;
    ///
    /// let km = KaplanMeier::from_durations([(1, true), (2, false), (3, true), (4, false)])?;
    /// let times: Vec<u32> = km.steps().iter().map(|s| s.time).collect();
    /// assert_eq!(times, [1, 3]); // censorings make no step
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn steps(&self) -> &[KmStep] {
        &self.steps
    }

    /// The life table the estimate is built from.
    #[must_use]
    pub fn life_table_counts(&self) -> &LifeTable {
        &self.table
    }

    /// Number of subscriptions the estimate is built from.
    #[must_use]
    pub fn subjects(&self) -> u64 {
        self.subjects
    }

    /// The longest duration observed (event or censoring); beyond it Ŝ is carried flat.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::retention::KaplanMeier;
    ///
    /// let km = KaplanMeier::from_durations([(1, true), (9, false)])?;
    /// assert_eq!((km.subjects(), km.max_duration()), (2, 9));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn max_duration(&self) -> u32 {
        self.max_duration
    }

    fn step_at(&self, t: u32) -> Option<&KmStep> {
        let i = self.steps.partition_point(|s| s.time <= t);
        i.checked_sub(1).and_then(|i| self.steps.get(i))
    }

    /// Greenwood standard error of Ŝ(t) (0 before the first event).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::retention::KaplanMeier;
    ///
    /// // Greenwood at 1: Ŝ² · d / (n (n − d)) = 0.75² / 12, by hand.
    /// let km = KaplanMeier::from_durations([(1, true), (2, false), (3, true), (4, false)])?;
    /// assert!((km.std_error(1) - (0.5625_f64 / 12.0).sqrt()).abs() < 1e-12);
    /// assert_eq!(km.std_error(0), 0.0);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn std_error(&self, t: u32) -> f64 {
        self.step_at(t).map_or(0.0, |s| s.std_error)
    }

    /// Pointwise confidence interval (lower, upper) for S(t) at normal quantile `z`
    /// (1.959964 for 95 %).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] unless `z` is finite and positive.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::retention::{ConfidenceBand, KaplanMeier, RetentionModel};
    ///
    /// let km = KaplanMeier::from_durations([(1, true), (2, false), (3, true), (4, false)])?;
    /// let (lo, hi) = km.confidence_interval(1, 1.959964, ConfidenceBand::LogLog)?;
    /// assert!(lo < km.survival(1) && km.survival(1) < hi && hi < 1.0);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn confidence_interval(&self, t: u32, z: f64, band: ConfidenceBand) -> Result<(f64, f64)> {
        if !(z.is_finite() && z > 0.0) {
            return Err(Error::param("z", z, "a normal quantile is finite and positive"));
        }
        let Some(step) = self.step_at(t) else {
            return Ok((1.0, 1.0));
        };
        let (s, se, v) = (step.survival, step.std_error, step.greenwood_sum);
        if s <= 0.0 || !v.is_finite() {
            return Ok((0.0, 0.0));
        }
        Ok(match band {
            ConfidenceBand::Plain => ((s - z * se).max(0.0), (s + z * se).min(1.0)),
            ConfidenceBand::Log => {
                let w = z * v.sqrt();
                (s * (-w).exp(), (s * w.exp()).min(1.0))
            }
            ConfidenceBand::LogLog => {
                if s >= 1.0 {
                    return Ok((1.0, 1.0));
                }
                let w = z * v.sqrt() / s.ln().abs();
                (s.powf(w.exp()), s.powf((-w).exp()))
            }
        })
    }

    /// The median lifetime: the first duration at which Ŝ(t) ≤ 0.5, or `None` if the
    /// curve never gets there (more than half are still customers at the last event).
    ///
    /// This is the first-crossing rule of lifelines; R's `survival` reports the midpoint
    /// of a flat stretch at exactly 0.5 instead — see
    /// [`median_with`](Self::median_with) and [`QuantileRule`](super::QuantileRule).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::retention::KaplanMeier;
    ///
    /// // Ŝ = 0.75 after period 1, 0.375 after period 3: first at or below 0.5 at 3.
    /// let km = KaplanMeier::from_durations([(1, true), (2, false), (3, true), (4, false)])?;
    /// assert_eq!(km.median(), Some(3));
    /// assert_eq!(KaplanMeier::from_durations([(1, true), (5, false), (5, false)])?.median(), None);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn median(&self) -> Option<u32> {
        self.quantile(0.5)
    }

    /// The first duration at which Ŝ(t) ≤ 1 − `p` (the p-quantile of lifetime), or `None`
    /// if not reached or `p` is outside (0, 1).
    ///
    /// The first-crossing rule; for R's midpoint rule see
    /// [`quantile_with`](Self::quantile_with).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::retention::KaplanMeier;
    ///
    /// let km = KaplanMeier::from_durations([(1, true), (2, false), (3, true), (4, false)])?;
    /// assert_eq!(km.quantile(0.25), Some(1)); // Ŝ(1) = 0.75 ≤ 1 − 0.25
    /// assert_eq!(km.quantile(0.7), None); // Ŝ never gets to 0.3
    /// assert_eq!(km.quantile(1.5), None);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn quantile(&self, p: f64) -> Option<u32> {
        if !(p > 0.0 && p < 1.0) {
            return None;
        }
        // A tiny tolerance so that an exact 0.5 computed as 0.5000000000000001 counts.
        self.steps
            .iter()
            .find(|s| s.survival <= 1.0 - p + 1e-12)
            .map(|s| s.time)
    }

    /// Restricted mean lifetime up to `tau` periods: ∫₀^τ Ŝ(t) dt, the area under the
    /// step curve (the expected number of periods alive within the first τ).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] if `tau` exceeds the longest observed duration (the
    /// curve is unknown there).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::retention::KaplanMeier;
    ///
    /// // Area under Ŝ to 4: 1 · 1 + 0.75 · 2 + 0.375 · 1 = 2.875 periods (by hand).
    /// let km = KaplanMeier::from_durations([(1, true), (2, false), (3, true), (4, false)])?;
    /// assert!((km.restricted_mean(4)? - 2.875).abs() < 1e-12);
    /// assert!(km.restricted_mean(5).is_err()); // beyond follow-up
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn restricted_mean(&self, tau: u32) -> Result<f64> {
        if tau > self.max_duration {
            return Err(Error::param(
                "tau",
                tau,
                "beyond the longest observed duration the curve is unknown",
            ));
        }
        let (mut area, mut last_t, mut last_s) = (0.0, 0_u32, 1.0);
        for step in self.steps.iter().take_while(|s| s.time <= tau) {
            area += last_s * f64::from(step.time - last_t);
            last_t = step.time;
            last_s = step.survival;
        }
        Ok(area + last_s * f64::from(tau - last_t))
    }
}

impl TryFrom<LifeTable> for KaplanMeier {
    type Error = Error;
    fn try_from(table: LifeTable) -> Result<Self> {
        KaplanMeier::from_life_table(&table)
    }
}

impl From<KaplanMeier> for LifeTable {
    fn from(km: KaplanMeier) -> Self {
        km.table
    }
}

impl RetentionModel for KaplanMeier {
    /// Ŝ(t); carried flat beyond the last event (Kaplan–Meier does not extrapolate, and
    /// the estimate is undefined past the longest follow-up — value only within it).
    fn survival(&self, t: u32) -> f64 {
        self.step_at(t).map_or(1.0, |s| s.survival)
    }
}

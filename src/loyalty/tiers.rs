//! Tiers: ordered thresholds on a qualifying value, and the rules that move a member up
//! (at once) and down (only at reviews).
//!
//! # Thresholds
//!
//! Tiers are listed lowest first with strictly increasing thresholds, the lowest being 0.
//! A value `v` qualifies for the highest tier whose threshold `t` satisfies **`v >= t`**;
//! values below 0 (net spend after refunds) fall in the lowest tier. So the thresholds
//! partition every possible value.
//!
//! # Qualification
//!
//! The qualifying value is one [`QualificationBasis`] (points earned, spend, purchases,
//! visits = distinct purchase days, or the balance) over one [`QualificationWindow`]
//! (lifetime, rolling days or months ending on the evaluation day, or the calendar
//! month/quarter/year containing it). Points earned and spend are net of refunds;
//! purchase and visit counts are not reduced by refunds.
//!
//! # Moves
//!
//! * **Upgrade** at once, after any event or day start that lifts the value over a
//!   higher threshold.
//! * **Downgrade** only at a review ([`ReviewSchedule`]): at the start of a review day the
//!   value *as of the day before* is compared with the thresholds. Below the current
//!   tier's, the member is downgraded — after `grace_days` if set (requalifying during the
//!   grace period cancels it) and by at most one tier if `one_tier_per_review` (soft
//!   landing).
//! * A **manual tier** is a floor: the member is never below it while it is set.

use chrono::{Datelike, Days, Months, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::program::{CalendarPeriod, Points};
use crate::error::{Error, Result};

/// One tier.
///
/// # Examples
///
/// ```
/// use customer_value::loyalty::{QualificationBasis, QualificationWindow, ReviewSchedule, Tier, TierSpec};
/// use rust_decimal::Decimal;
///
/// let spec = TierSpec::new(vec![("member", 0), ("vip", 500)], QualificationBasis::Spend,
///     QualificationWindow::Lifetime, ReviewSchedule::Never)?;
/// assert_eq!(spec.tiers[1], Tier { name: "vip".into(), threshold: Decimal::from(500) });
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tier {
    /// Its name (unique).
    pub name: String,
    /// The lowest qualifying value (`>=`).
    pub threshold: Decimal,
}

/// What is measured to qualify for a tier.
///
/// # Examples
///
/// ```
/// use chrono::NaiveDate;
/// use customer_value::loyalty::*;
/// use rust_decimal::Decimal;
///
/// // Two purchases on one day: two purchases, but one visit.
/// let d = NaiveDate::from_ymd_opt(2024, 3, 1).unwrap();
/// let value = |basis| -> customer_value::Result<Decimal> {
///     let mut spec = ProgramSpec::default();
///     spec.tiers = Some(TierSpec::new(vec![("member", 0), ("regular", 10)], basis,
///         QualificationWindow::Lifetime, ReviewSchedule::Never)?);
///     let program = spec.build()?;
///     let mut acct = Account::new(d);
///     acct.apply(&program, &Event::purchase(d, 1, Decimal::from(30)))?;
///     acct.apply(&program, &Event::purchase(d, 2, Decimal::from(20)))?;
///     Ok(acct.progress(&program)?.value)
/// };
/// assert_eq!(value(QualificationBasis::Purchases)?, Decimal::from(2));
/// assert_eq!(value(QualificationBasis::Visits)?, Decimal::ONE);
/// assert_eq!(value(QualificationBasis::Spend)?, Decimal::from(50));
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum QualificationBasis {
    /// Points earned (net of clawbacks), whatever was spent since.
    PointsEarned,
    /// Purchase amount (net of refunds).
    Spend,
    /// Number of purchases.
    Purchases,
    /// Number of distinct days with a purchase.
    Visits,
    /// Current points balance (the window is ignored).
    Balance,
}

/// Over which time the basis is measured, ending on the evaluation day.
///
/// # Examples
///
/// ```
/// use chrono::NaiveDate;
/// use customer_value::loyalty::*;
/// use rust_decimal::Decimal;
///
/// // 800 spent on 1 January, measured on 15 February.
/// let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
/// let value = |window| -> customer_value::Result<Decimal> {
///     let mut spec = ProgramSpec::default();
///     spec.tiers = Some(TierSpec::new(vec![("member", 0), ("gold", 1000)], QualificationBasis::Spend,
///         window, ReviewSchedule::Never)?);
///     let program = spec.build()?;
///     let mut acct = Account::new(d(1, 1));
///     acct.apply(&program, &Event::purchase(d(1, 1), 1, Decimal::from(800)))?;
///     acct.advance_to(&program, d(2, 15))?;
///     Ok(acct.progress(&program)?.value)
/// };
/// assert_eq!(value(QualificationWindow::Lifetime)?, Decimal::from(800));
/// assert_eq!(value(QualificationWindow::RollingDays { days: 30 })?, Decimal::ZERO);
/// assert_eq!(value(QualificationWindow::RollingMonths { months: 2 })?, Decimal::from(800));
/// assert_eq!(value(QualificationWindow::Calendar { period: CalendarPeriod::Year })?, Decimal::from(800));
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum QualificationWindow {
    /// Since enrolment.
    Lifetime,
    /// The last `days` days, the evaluation day included.
    RollingDays {
        /// Window length (≥ 1).
        days: u32,
    },
    /// Days after the same date `months` months earlier (clamped), to the evaluation day.
    RollingMonths {
        /// Window length (≥ 1).
        months: u32,
    },
    /// The calendar period containing the evaluation day, up to it.
    Calendar {
        /// Month, quarter or year.
        period: CalendarPeriod,
    },
}

/// When downgrades are considered.
///
/// # Examples
///
/// ```
/// use chrono::NaiveDate;
/// use customer_value::loyalty::*;
/// use rust_decimal::Decimal;
///
/// // Gold needs 1,000 of spend in the calendar month; reviews on the 1st of each month.
/// let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
/// let mut spec = ProgramSpec::default();
/// spec.tiers = Some(TierSpec::new(vec![("silver", 0), ("gold", 1000)], QualificationBasis::Spend,
///     QualificationWindow::Calendar { period: CalendarPeriod::Month },
///     ReviewSchedule::PeriodEnd { period: CalendarPeriod::Month })?);
/// let program = spec.build()?;
/// let mut acct = Account::new(d(1, 1));
/// acct.apply(&program, &Event::purchase(d(1, 10), 1, Decimal::from(1200)))?; // gold at once
/// acct.advance_to(&program, d(2, 1))?; // reviews January (1,200): stays gold
/// assert_eq!(acct.tier_index(), Some(1));
/// acct.advance_to(&program, d(3, 1))?; // reviews February (0): down to silver
/// assert_eq!(acct.tier_index(), Some(0));
/// let last = acct.tier_history().last().copied().unwrap();
/// assert_eq!((last.date, last.from, last.to, last.reason), (d(3, 1), 1, 0, ChangeReason::Review));
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum ReviewSchedule {
    /// Never: tiers only go up.
    Never,
    /// On the first day of every calendar period (reviewing the period that just ended).
    PeriodEnd {
        /// Month, quarter or year.
        period: CalendarPeriod,
    },
    /// Every year on the enrolment date (29 February clamps to 28 February).
    Anniversary,
    /// Every `days` days after enrolment.
    EveryDays {
        /// Interval (≥ 1).
        days: u32,
    },
}

/// A tier structure.
///
/// # Examples
///
/// ```
/// use customer_value::loyalty::{QualificationBasis, QualificationWindow, ReviewSchedule, TierSpec};
/// use rust_decimal::Decimal;
///
/// let spec = TierSpec::new(
///     vec![("silver", 0), ("gold", 1000), ("platinum", 5000)],
///     QualificationBasis::PointsEarned,
///     QualificationWindow::Lifetime,
///     ReviewSchedule::Never,
/// )?;
/// assert_eq!(spec.tier_for(Decimal::from(999)), 0);
/// assert_eq!(spec.tier_for(Decimal::from(1000)), 1); // `>=`
/// assert_eq!(spec.tier_for(Decimal::from(-5)), 0);
///
/// let bad = TierSpec::new(vec![("a", 0), ("b", 10), ("c", 10)], QualificationBasis::Spend,
///     QualificationWindow::Lifetime, ReviewSchedule::Never);
/// assert_eq!(bad.unwrap_err().to_string(),
///     "invalid definition: tier `c`: threshold 10 must be above the previous tier's 10");
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TierSpec {
    /// Tiers, lowest first.
    pub tiers: Vec<Tier>,
    /// What is measured.
    pub basis: QualificationBasis,
    /// Over which window.
    pub window: QualificationWindow,
    /// When downgrades are considered.
    pub review: ReviewSchedule,
    /// Days after a failed review before the downgrade takes effect.
    #[serde(default)]
    pub grace_days: u32,
    /// Drop at most one tier per review.
    #[serde(default)]
    pub one_tier_per_review: bool,
}

impl TierSpec {
    /// A validated spec from `(name, threshold)` pairs, no grace, no soft landing.
    ///
    /// # Errors
    ///
    /// As [`TierSpec::validate`].
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::loyalty::{QualificationBasis, QualificationWindow, ReviewSchedule, TierSpec};
    ///
    /// // The lowest tier starts at 0, so every value has a tier.
    /// let no_floor = TierSpec::new(vec![("silver", 100), ("gold", 1000)], QualificationBasis::Spend,
    ///     QualificationWindow::Lifetime, ReviewSchedule::Never);
    /// assert!(no_floor.is_err());
    /// let spec = TierSpec::new(vec![("silver", 0), ("gold", 1000)], QualificationBasis::Spend,
    ///     QualificationWindow::Lifetime, ReviewSchedule::Anniversary)?;
    /// assert_eq!((spec.grace_days, spec.one_tier_per_review), (0, false));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn new<N: Into<String>, T: Into<Decimal>>(
        tiers: Vec<(N, T)>,
        basis: QualificationBasis,
        window: QualificationWindow,
        review: ReviewSchedule,
    ) -> Result<Self> {
        let spec = TierSpec {
            tiers: tiers
                .into_iter()
                .map(|(n, t)| Tier {
                    name: n.into(),
                    threshold: t.into(),
                })
                .collect(),
            basis,
            window,
            review,
            grace_days: 0,
            one_tier_per_review: false,
        };
        spec.validate()?;
        Ok(spec)
    }

    /// Checks the structure.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidDefinition`] naming the tier: no tiers, more than 255, a lowest
    /// threshold other than 0, a threshold not above the previous one, an empty or
    /// duplicate name; a zero-length window or review interval.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::loyalty::{QualificationBasis, QualificationWindow, ReviewSchedule, TierSpec};
    ///
    /// let mut spec = TierSpec::new(vec![("silver", 0), ("gold", 1000)], QualificationBasis::Spend,
    ///     QualificationWindow::Lifetime, ReviewSchedule::Never)?;
    /// spec.grace_days = 30; // public fields may be edited, then checked again
    /// assert!(spec.validate().is_ok());
    /// spec.window = QualificationWindow::RollingDays { days: 0 };
    /// assert!(spec.validate().is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn validate(&self) -> Result<()> {
        let first = self
            .tiers
            .first()
            .ok_or_else(|| Error::definition("tiers", "at least one tier is needed"))?;
        if self.tiers.len() > usize::from(u8::MAX) {
            return Err(Error::definition("tiers", "at most 255 tiers"));
        }
        if !first.threshold.is_zero() {
            return Err(Error::definition(
                format!("tier `{}`", first.name),
                format!("the lowest tier's threshold must be 0, got {}", first.threshold),
            ));
        }
        for (i, t) in self.tiers.iter().enumerate() {
            let item = format!("tier `{}`", t.name);
            if t.name.is_empty() {
                return Err(Error::definition(format!("tier #{i}"), "every tier needs a name"));
            }
            if self.tiers.iter().take(i).any(|p| p.name == t.name) {
                return Err(Error::definition(item, "duplicate tier name"));
            }
            if let Some(prev) = i.checked_sub(1).and_then(|p| self.tiers.get(p)) {
                if t.threshold <= prev.threshold {
                    return Err(Error::definition(
                        item,
                        format!(
                            "threshold {} must be above the previous tier's {}",
                            t.threshold, prev.threshold
                        ),
                    ));
                }
            }
        }
        match self.window {
            QualificationWindow::RollingDays { days: 0 }
            | QualificationWindow::RollingMonths { months: 0 } => {
                return Err(Error::definition(
                    "tier window",
                    "a rolling window must be at least 1 long",
                ));
            }
            _ => {}
        }
        if let ReviewSchedule::EveryDays { days: 0 } = self.review {
            return Err(Error::definition(
                "tier review",
                "the review interval must be at least 1 day",
            ));
        }
        Ok(())
    }

    /// The tier (index, 0 = lowest) a value qualifies for: the highest with
    /// `value >= threshold`.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::loyalty::{QualificationBasis, QualificationWindow, ReviewSchedule, TierSpec};
    /// use rust_decimal::Decimal;
    ///
    /// let spec = TierSpec::new(vec![("silver", 0), ("gold", 1000), ("platinum", 5000)], QualificationBasis::Spend,
    ///     QualificationWindow::Lifetime, ReviewSchedule::Never)?;
    /// assert_eq!(spec.tier_for(Decimal::from(5000)), 2);
    /// assert_eq!(spec.tier_for(Decimal::new(99999, 2)), 0); // 999.99
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn tier_for(&self, value: Decimal) -> usize {
        self.tiers
            .partition_point(|t| t.threshold <= value)
            .saturating_sub(1)
    }

    /// Name of tier `index`.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::loyalty::{QualificationBasis, QualificationWindow, ReviewSchedule, TierSpec};
    ///
    /// let spec = TierSpec::new(vec![("silver", 0), ("gold", 1000)], QualificationBasis::Spend,
    ///     QualificationWindow::Lifetime, ReviewSchedule::Never)?;
    /// assert_eq!((spec.name(1), spec.name(2)), (Some("gold"), None));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn name(&self, index: usize) -> Option<&str> {
        self.tiers.get(index).map(|t| t.name.as_str())
    }

    /// The first review day strictly after `after`, for a member enrolled on `enrolled`.
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use customer_value::loyalty::{CalendarPeriod, QualificationBasis, QualificationWindow, ReviewSchedule, TierSpec};
    ///
    /// let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
    /// let with = |review| TierSpec::new(vec![("silver", 0), ("gold", 1000)], QualificationBasis::Spend,
    ///     QualificationWindow::Lifetime, review);
    /// let monthly = with(ReviewSchedule::PeriodEnd { period: CalendarPeriod::Month })?;
    /// assert_eq!(monthly.next_review(d(2023, 6, 10), d(2024, 3, 15)), Some(d(2024, 4, 1)));
    /// let yearly = with(ReviewSchedule::Anniversary)?;
    /// assert_eq!(yearly.next_review(d(2023, 6, 10), d(2024, 1, 1)), Some(d(2024, 6, 10)));
    /// assert_eq!(with(ReviewSchedule::Never)?.next_review(d(2023, 6, 10), d(2024, 1, 1)), None);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn next_review(&self, enrolled: NaiveDate, after: NaiveDate) -> Option<NaiveDate> {
        match self.review {
            ReviewSchedule::Never => None,
            ReviewSchedule::PeriodEnd { period } => period.next_start(after),
            ReviewSchedule::Anniversary => {
                let mut years = after.years_since(enrolled).unwrap_or(0).max(1);
                loop {
                    let d = enrolled.checked_add_months(Months::new(years.checked_mul(12)?))?;
                    if d > after {
                        return Some(d);
                    }
                    years = years.checked_add(1)?;
                }
            }
            ReviewSchedule::EveryDays { days } => {
                let n = i64::from(days.max(1));
                let elapsed = (after - enrolled).num_days().max(0);
                let k = elapsed / n + 1;
                enrolled.checked_add_days(Days::new(u64::try_from(k.checked_mul(n)?).ok()?))
            }
        }
    }

    fn window_start(&self, as_of: NaiveDate) -> Option<NaiveDate> {
        match self.window {
            QualificationWindow::Lifetime => None,
            QualificationWindow::RollingDays { days } => {
                as_of.checked_sub_days(Days::new(u64::from(days).saturating_sub(1)))
            }
            QualificationWindow::RollingMonths { months } => as_of
                .checked_sub_months(Months::new(months))
                .and_then(|d| d.succ_opt()),
            QualificationWindow::Calendar { period } => Some(period.start(as_of)),
        }
    }
}

/// How a tier change came about.
///
/// # Examples
///
/// ```
/// use chrono::NaiveDate;
/// use customer_value::loyalty::*;
/// use rust_decimal::Decimal;
///
/// let d = NaiveDate::from_ymd_opt(2024, 3, 1).unwrap();
/// let mut spec = ProgramSpec::default();
/// spec.tiers = Some(TierSpec::new(vec![("silver", 0), ("gold", 100)], QualificationBasis::Spend,
///     QualificationWindow::Lifetime, ReviewSchedule::Never)?);
/// let program = spec.build()?;
/// let mut acct = Account::new(d);
/// acct.apply(&program, &Event::purchase(d, 1, Decimal::from(150)))?;
/// assert_eq!(acct.tier_history()[0].reason, ChangeReason::Qualified);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeReason {
    /// The qualifying value crossed a higher threshold.
    Qualified,
    /// A review (or the end of its grace period) found the value below the tier.
    Review,
    /// A manual tier was set.
    Manual,
}

/// One tier change of one member.
///
/// # Examples
///
/// ```
/// use chrono::NaiveDate;
/// use customer_value::loyalty::*;
/// use rust_decimal::Decimal;
///
/// let d = |day| NaiveDate::from_ymd_opt(2024, 3, day).unwrap();
/// let mut spec = ProgramSpec::default();
/// spec.tiers = Some(TierSpec::new(vec![("silver", 0), ("gold", 100), ("platinum", 500)],
///     QualificationBasis::Spend, QualificationWindow::Lifetime, ReviewSchedule::Never)?);
/// let program = spec.build()?;
/// let mut acct = Account::new(d(1));
/// acct.apply(&program, &Event::purchase(d(5), 1, Decimal::from(600)))?; // straight to platinum
/// let change = acct.tier_history()[0];
/// assert_eq!((change.date, change.from, change.to), (d(5), 0, 2));
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TierChange {
    /// The day it took effect.
    pub date: NaiveDate,
    /// Tier before.
    pub from: usize,
    /// Tier after.
    pub to: usize,
    /// Why.
    pub reason: ChangeReason,
}

/// Where a member stands against the next tier.
///
/// # Examples
///
/// ```
/// use chrono::NaiveDate;
/// use customer_value::loyalty::*;
/// use rust_decimal::Decimal;
///
/// let d = NaiveDate::from_ymd_opt(2024, 3, 1).unwrap();
/// let mut spec = ProgramSpec::default();
/// spec.tiers = Some(TierSpec::new(vec![("silver", 0), ("gold", 1000)], QualificationBasis::Spend,
///     QualificationWindow::Lifetime, ReviewSchedule::Never)?);
/// let program = spec.build()?;
/// let mut acct = Account::new(d);
/// acct.apply(&program, &Event::purchase(d, 1, Decimal::from(400)))?;
/// let p = acct.progress(&program)?;
/// assert_eq!((p.tier, p.value), (0, Decimal::from(400)));
/// assert_eq!((p.next, p.remaining), (Some((1, Decimal::from(1000))), Decimal::from(600)));
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TierProgress {
    /// Current tier index.
    pub tier: usize,
    /// The qualifying value now.
    pub value: Decimal,
    /// The next tier's index and threshold (`None` at the top).
    pub next: Option<(usize, Decimal)>,
    /// How much more value the next tier needs (0 at the top).
    pub remaining: Decimal,
}

/// A member's tier and what it needs to decide moves.
///
/// # Examples
///
/// ```
/// use chrono::NaiveDate;
/// use customer_value::loyalty::*;
/// use rust_decimal::Decimal;
///
/// let d = NaiveDate::from_ymd_opt(2024, 3, 1).unwrap();
/// let mut spec = ProgramSpec::default();
/// spec.tiers = Some(TierSpec::new(vec![("silver", 0), ("gold", 100)], QualificationBasis::Spend,
///     QualificationWindow::Lifetime, ReviewSchedule::Never)?);
/// let program = spec.build()?;
/// let mut acct = Account::new(d);
/// acct.apply(&program, &Event::purchase(d, 1, Decimal::from(150)))?;
/// let state = acct.tier.as_ref().expect("the program has tiers");
/// assert_eq!((state.current, state.manual, state.history.len()), (1, None, 1));
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TierState {
    /// Current tier index (0 = lowest).
    pub current: usize,
    /// Manually assigned floor, if any.
    pub manual: Option<usize>,
    /// Every change, in order.
    pub history: Vec<TierChange>,
    /// Next review day.
    pub next_review: Option<NaiveDate>,
    /// Day a pending downgrade takes effect (end of grace), if one is pending.
    pub grace_until: Option<NaiveDate>,
    lifetime: Decimal,
    window: Vec<(NaiveDate, Decimal)>,
    /// Σ of `window`, kept so the hot path never re-sums it.
    #[serde(default)]
    window_sum: Decimal,
    last_visit: Option<NaiveDate>,
}

impl TierState {
    pub(crate) fn new(spec: &TierSpec, enrolled: NaiveDate) -> Self {
        TierState {
            current: 0,
            manual: None,
            history: Vec::new(),
            next_review: spec.next_review(enrolled, enrolled),
            grace_until: None,
            lifetime: Decimal::ZERO,
            window: Vec::new(),
            window_sum: Decimal::ZERO,
            last_visit: None,
        }
    }

    /// [`TierState::new`] in place, keeping the buffers (bulk runs).
    pub(crate) fn reset(&mut self, spec: &TierSpec, enrolled: NaiveDate) {
        self.current = 0;
        self.manual = None;
        self.history.clear();
        self.next_review = spec.next_review(enrolled, enrolled);
        self.grace_until = None;
        self.lifetime = Decimal::ZERO;
        self.window.clear();
        self.window_sum = Decimal::ZERO;
        self.last_visit = None;
    }

    /// Records a contribution to the qualifying value: `points` (earned, negative for
    /// clawbacks), `spend` (negative for refunds) and whether it was a purchase.
    pub(crate) fn record(
        &mut self,
        spec: &TierSpec,
        date: NaiveDate,
        points: Points,
        spend: Decimal,
        purchase: bool,
    ) -> Result<()> {
        let v = match spec.basis {
            QualificationBasis::PointsEarned => Decimal::from(points),
            QualificationBasis::Spend => spend,
            QualificationBasis::Purchases => Decimal::from(u8::from(purchase)),
            QualificationBasis::Visits => {
                let new_day = purchase && self.last_visit != Some(date);
                if purchase {
                    self.last_visit = Some(date);
                }
                Decimal::from(u8::from(new_day))
            }
            QualificationBasis::Balance => return Ok(()),
        };
        if v.is_zero() {
            return Ok(());
        }
        match spec.window {
            QualificationWindow::Lifetime => {
                self.lifetime = self.lifetime.checked_add(v).ok_or(Error::Overflow {
                    op: "tier qualifying value",
                })?;
            }
            _ => {
                self.window_sum = self.window_sum.checked_add(v).ok_or(Error::Overflow {
                    op: "tier qualifying value",
                })?;
                match self.window.last_mut() {
                    Some((d, acc)) if *d == date => {
                        *acc = acc.checked_add(v).ok_or(Error::Overflow {
                            op: "tier qualifying value",
                        })?;
                    }
                    _ => self.window.push((date, v)),
                }
            }
        }
        Ok(())
    }

    /// The qualifying value on `as_of` (end of day), given the balance then.
    ///
    /// # Errors
    ///
    /// [`Error::Overflow`].
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use customer_value::loyalty::*;
    /// use rust_decimal::Decimal;
    ///
    /// let d = |day| NaiveDate::from_ymd_opt(2024, 3, day).unwrap();
    /// let mut spec = ProgramSpec::default();
    /// spec.tiers = Some(TierSpec::new(vec![("silver", 0), ("gold", 100)], QualificationBasis::Spend,
    ///     QualificationWindow::RollingDays { days: 7 }, ReviewSchedule::Never)?);
    /// let program = spec.build()?;
    /// let mut acct = Account::new(d(1));
    /// acct.apply(&program, &Event::purchase(d(1), 1, Decimal::from(150)))?;
    /// let (tiers, state) = (program.tiers.as_ref().unwrap(), acct.tier.as_ref().unwrap());
    /// assert_eq!(state.value(tiers, d(7), 0)?, Decimal::from(150)); // 1–7 March: 7 days
    /// assert_eq!(state.value(tiers, d(8), 0)?, Decimal::ZERO); // the purchase left the window
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn value(&self, spec: &TierSpec, as_of: NaiveDate, balance: Points) -> Result<Decimal> {
        if spec.basis == QualificationBasis::Balance {
            return Ok(Decimal::from(balance));
        }
        let Some(start) = spec.window_start(as_of) else {
            return Ok(self.lifetime);
        };
        self.window
            .iter()
            .filter(|(d, _)| *d >= start && *d <= as_of)
            .try_fold(Decimal::ZERO, |a, (_, v)| a.checked_add(*v))
            .ok_or(Error::Overflow {
                op: "tier qualifying value",
            })
    }

    /// The value on `as_of` when every recorded contribution is on or before `as_of` and
    /// queries never go back in time (the account's case): drops contributions that left
    /// the window and returns the running sum.
    fn current_value(&mut self, spec: &TierSpec, as_of: NaiveDate, balance: Points) -> Result<Decimal> {
        if spec.basis == QualificationBasis::Balance {
            return Ok(Decimal::from(balance));
        }
        if spec.window == QualificationWindow::Lifetime {
            return Ok(self.lifetime);
        }
        // Nothing can leave the window while its oldest day is recent enough: computing
        // the window's start (calendar month arithmetic) is then skipped.
        if self
            .window
            .first()
            .is_none_or(|(d, _)| surely_in_window(spec.window, *d, as_of))
        {
            return Ok(self.window_sum);
        }
        let Some(start) = spec.window_start(as_of) else {
            return Ok(self.lifetime);
        };
        let gone = self.window.partition_point(|(d, _)| *d < start);
        if gone > 0 {
            for (_, v) in self.window.drain(..gone) {
                self.window_sum = self.window_sum.checked_sub(v).ok_or(Error::Overflow {
                    op: "tier qualifying value",
                })?;
            }
        }
        Ok(self.window_sum)
    }

    fn change(&mut self, date: NaiveDate, to: usize, reason: ChangeReason) {
        if to != self.current {
            self.history.push(TierChange {
                date,
                from: self.current,
                to,
                reason,
            });
            self.current = to;
        }
    }

    /// The day something is due (a review or the end of a grace period).
    pub(crate) fn next_due(&self) -> Option<NaiveDate> {
        match (self.next_review, self.grace_until) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    fn downgrade_target(&self, spec: &TierSpec, value: Decimal) -> usize {
        let mut target = spec.tier_for(value).max(self.manual.unwrap_or(0));
        if spec.one_tier_per_review {
            target = target.max(self.current.saturating_sub(1));
        }
        target
    }

    /// Start of `date`: reviews and grace deadlines due, on the value as of the day before
    /// (`balance` is the balance at the end of that day).
    pub(crate) fn start_day(
        &mut self,
        spec: &TierSpec,
        enrolled: NaiveDate,
        date: NaiveDate,
        balance: Points,
    ) -> Result<()> {
        let before = date.pred_opt().unwrap_or(date);
        let value = self.current_value(spec, before, balance)?;
        if self.next_review.is_some_and(|r| r <= date) {
            self.next_review = spec.next_review(enrolled, date);
            let target = self.downgrade_target(spec, value);
            if target < self.current {
                if spec.grace_days == 0 {
                    self.change(date, target, ChangeReason::Review);
                } else if self.grace_until.is_none() {
                    self.grace_until = date.checked_add_days(Days::new(u64::from(spec.grace_days)));
                }
            } else {
                self.grace_until = None;
            }
        }
        if self.grace_until.is_some_and(|g| g <= date) {
            self.grace_until = None;
            let target = self.downgrade_target(spec, value);
            if target < self.current {
                self.change(date, target, ChangeReason::Review);
            }
        }
        Ok(())
    }

    /// Upgrades if the value on `date` qualifies for a higher tier.
    pub(crate) fn upgrade(&mut self, spec: &TierSpec, date: NaiveDate, balance: Points) -> Result<()> {
        let value = self.current_value(spec, date, balance)?;
        // Thresholds increase: below the next tier's, no higher tier qualifies.
        if spec
            .tiers
            .get(self.current + 1)
            .is_none_or(|next| value < next.threshold)
        {
            return Ok(());
        }
        let target = spec.tier_for(value);
        if target > self.current {
            self.grace_until = None;
            self.change(date, target, ChangeReason::Qualified);
        }
        Ok(())
    }

    /// Sets (or with `None` clears) the manual floor on `date`; raises the tier to it.
    pub(crate) fn set_manual(&mut self, date: NaiveDate, tier: Option<usize>) {
        self.manual = tier;
        if let Some(t) = tier {
            if t > self.current {
                self.change(date, t, ChangeReason::Manual);
            }
        }
    }

    /// Progress to the next tier on `as_of`.
    ///
    /// # Errors
    ///
    /// [`Error::Overflow`].
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use customer_value::loyalty::*;
    /// use rust_decimal::Decimal;
    ///
    /// let d = NaiveDate::from_ymd_opt(2024, 3, 1).unwrap();
    /// let mut spec = ProgramSpec::default();
    /// spec.tiers = Some(TierSpec::new(vec![("silver", 0), ("gold", 100)], QualificationBasis::Spend,
    ///     QualificationWindow::Lifetime, ReviewSchedule::Never)?);
    /// let program = spec.build()?;
    /// let mut acct = Account::new(d);
    /// acct.apply(&program, &Event::purchase(d, 1, Decimal::from(150)))?;
    /// let p = acct.tier.as_ref().unwrap().progress(program.tiers.as_ref().unwrap(), d, 0)?;
    /// assert_eq!((p.tier, p.next, p.remaining), (1, None, Decimal::ZERO)); // at the top
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn progress(&self, spec: &TierSpec, as_of: NaiveDate, balance: Points) -> Result<TierProgress> {
        let value = self.value(spec, as_of, balance)?;
        let next = spec
            .tiers
            .get(self.current + 1)
            .map(|t| (self.current + 1, t.threshold));
        let remaining = match next {
            Some((_, t)) => t
                .checked_sub(value)
                .ok_or(Error::Overflow { op: "tier progress" })?
                .max(Decimal::ZERO),
            None => Decimal::ZERO,
        };
        Ok(TierProgress {
            tier: self.current,
            value,
            next,
            remaining,
        })
    }
}

/// Whether a contribution on `day` is certainly still in the window ending on `as_of`
/// (`day ≤ as_of`), judged from day counts alone. `false` means "compute the start".
fn surely_in_window(window: QualificationWindow, day: NaiveDate, as_of: NaiveDate) -> bool {
    // Day numbers: cheaper than `as_of - day`, which builds a checked `TimeDelta`.
    let age = i64::from(as_of.num_days_from_ce()) - i64::from(day.num_days_from_ce());
    // Far from chrono's first day, the window's start is a date (never `None`).
    let years_from_min = i64::from(day.year()) - i64::from(NaiveDate::MIN.year());
    match window {
        QualificationWindow::Lifetime => true,
        QualificationWindow::RollingDays { days } => {
            age < i64::from(days) && years_from_min > i64::from(days) / 365 + 2
        }
        // `months` calendar months back (clamped) span at least 365 days per 12 months
        // and 28 per remaining month, so the window covers at least that many last days.
        QualificationWindow::RollingMonths { months } => {
            let (years, rest) = (i64::from(months / 12), i64::from(months % 12));
            age < 365 * years + 28 * rest && years_from_min > years + 2
        }
        // The calendar period containing `as_of` starts on or before the 1st of its month.
        QualificationWindow::Calendar { .. } => {
            age >= 0 && day.month() == as_of.month() && day.year() == as_of.year()
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Days, NaiveDate};
    use proptest::prelude::*;

    use super::{QualificationWindow, TierSpec, surely_in_window};
    use crate::loyalty::{CalendarPeriod, QualificationBasis, ReviewSchedule};

    fn window(kind: u8, n: u32) -> QualificationWindow {
        match kind % 6 {
            0 => QualificationWindow::Lifetime,
            1 => QualificationWindow::RollingDays { days: n },
            2 => QualificationWindow::RollingMonths { months: n },
            3 => QualificationWindow::Calendar {
                period: CalendarPeriod::Month,
            },
            4 => QualificationWindow::Calendar {
                period: CalendarPeriod::Quarter,
            },
            _ => QualificationWindow::Calendar {
                period: CalendarPeriod::Year,
            },
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(5000))]

        /// The shortcut never keeps a day the window's start would drop.
        #[test]
        fn surely_in_window_implies_in_window(
            kind in 0_u8..6, n in 1_u32..40, start in 0_u64..3000, age in 0_u64..1300,
        ) {
            let w = window(kind, n);
            let mut spec = TierSpec::new(vec![("a", 0)], QualificationBasis::Spend, w, ReviewSchedule::Never).unwrap();
            spec.window = w;
            let day = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap().checked_add_days(Days::new(start)).unwrap();
            let as_of = day.checked_add_days(Days::new(age)).unwrap();
            if surely_in_window(w, day, as_of) {
                prop_assert!(spec.window_start(as_of).is_none_or(|s| day >= s), "{w:?} {day} {as_of}");
            }
        }
    }

    #[test]
    fn surely_in_window_near_chrono_minimum_defers() {
        let w = QualificationWindow::RollingDays { days: 10 };
        let first = NaiveDate::MIN;
        assert!(!surely_in_window(w, first, first));
    }
}

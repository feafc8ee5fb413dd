//! Program definitions as plain data: earning rules, multipliers, caps, expiry, clawback
//! and tiers, validated once into a [`Program`].
//!
//! A [`ProgramSpec`] is the unchecked description (public fields, serde, `Default`);
//! [`ProgramSpec::check`] validates it into a [`Program`], the only thing the engine
//! accepts. Deserialising a `Program` runs the same check, so a JSON file is validated on
//! load and the error names the offending rule, multiplier or tier
//! ([`Error::InvalidDefinition`]). This module owns no state: the per-customer state is
//! an [`Account`](super::Account).

use chrono::{Datelike, Months, NaiveDate};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use super::tiers::TierSpec;
use crate::error::{Error, Result};

/// Points are whole numbers; all point arithmetic is checked.
///
/// # Examples
///
/// ```
/// use customer_value::loyalty::{earn, Award, EarningRule, EventType, Points, ProgramSpec};
/// use rust_decimal::Decimal;
///
/// let mut spec = ProgramSpec::default();
/// spec.rules.push(EarningRule::new("visit", EventType::Purchase, Award::Fixed { points: 10 }));
/// let day = chrono::NaiveDate::from_ymd_opt(2024, 3, 1).unwrap();
/// let points: Points = earn(&spec.build()?, EventType::Purchase, day, Decimal::from(5), 1, None)?.points;
/// assert_eq!(points.checked_mul(3), Some(30)); // point arithmetic is checked
/// # Ok::<(), customer_value::Error>(())
/// ```
pub type Points = i64;

/// How an order's exact (fractional) points become whole points.
///
/// Applied **once per order**, to the sum of every rule's contribution after multipliers,
/// never per rule or per line: 2 rules worth 0.6 points each give 1 point under
/// [`Floor`](RoundingMode::Floor), not 0. The same mode rounds the points clawed back by a
/// partial refund. `Floor` and `TowardZero` differ only for negative values.
///
/// # Examples
///
/// ```
/// use customer_value::loyalty::{earn, Award, EarningRule, EventType, ProgramSpec, RoundingMode};
/// use rust_decimal::Decimal;
///
/// // Two rules of 3 points per 5 spent: 0.6 + 0.6 on a purchase of 1, rounded once.
/// let mut spec = ProgramSpec::default();
/// for id in ["a", "b"] {
///     spec.rules.push(EarningRule::new(id, EventType::Purchase, Award::PerAmount { points: 3, per: Decimal::from(5) }));
/// }
/// let day = chrono::NaiveDate::from_ymd_opt(2024, 3, 1).unwrap();
/// let e = earn(&spec.clone().build()?, EventType::Purchase, day, Decimal::ONE, 1, None)?;
/// assert_eq!((e.raw, e.points), (Decimal::new(12, 1), 1)); // ⌊1.2⌋, not 0 + 0
/// spec.rounding = RoundingMode::HalfUp;
/// assert_eq!(earn(&spec.build()?, EventType::Purchase, day, Decimal::ONE, 1, None)?.points, 1);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum RoundingMode {
    /// Round down (toward −∞): 10.9 → 10, −0.5 → −1. The usual "1 point per whole euro".
    #[default]
    Floor,
    /// Truncate toward zero: 10.9 → 10, −0.5 → 0.
    TowardZero,
    /// Nearest, halves away from zero: 10.5 → 11.
    HalfUp,
    /// Nearest, halves to even (banker's rounding): 10.5 → 10, 11.5 → 12.
    HalfEven,
}

impl RoundingMode {
    /// Rounds `raw` to whole points.
    ///
    /// # Errors
    ///
    /// [`Error::Overflow`] if the result does not fit [`Points`].
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::loyalty::RoundingMode;
    /// use rust_decimal::Decimal;
    ///
    /// let x = Decimal::new(105, 1); // 10.5
    /// assert_eq!(RoundingMode::Floor.round(x)?, 10);
    /// assert_eq!(RoundingMode::HalfUp.round(x)?, 11);
    /// assert_eq!(RoundingMode::HalfEven.round(x)?, 10);
    /// assert_eq!(RoundingMode::TowardZero.round(-x)?, -10);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn round(self, raw: Decimal) -> Result<Points> {
        let strategy = match self {
            RoundingMode::Floor => RoundingStrategy::ToNegativeInfinity,
            RoundingMode::TowardZero => RoundingStrategy::ToZero,
            RoundingMode::HalfUp => RoundingStrategy::MidpointAwayFromZero,
            RoundingMode::HalfEven => RoundingStrategy::MidpointNearestEven,
        };
        let r = raw.round_dp_with_strategy(0, strategy);
        i64::try_from(r).map_err(|_| Error::Overflow {
            op: "points rounding",
        })
    }
}

/// What happened, for earning rules and multipliers to match on.
///
/// Purchases come from [`EventKind::Purchase`](super::EventKind::Purchase); the others
/// from [`EventKind::Activity`](super::EventKind::Activity): the partnership and gamified
/// programs of the loyalty brief are earning rules on these.
///
/// # Examples
///
/// ```
/// use customer_value::loyalty::{earn, Award, EarningRule, EventType, ProgramSpec};
/// use rust_decimal::Decimal;
///
/// // A referral programme: 500 points per referred customer, nothing for purchases.
/// let mut spec = ProgramSpec::default();
/// spec.rules.push(EarningRule::new("refer", EventType::Referral, Award::Fixed { points: 500 }));
/// let program = spec.build()?;
/// let day = chrono::NaiveDate::from_ymd_opt(2024, 3, 1).unwrap();
/// assert_eq!(earn(&program, EventType::Referral, day, Decimal::ZERO, 0, None)?.points, 500);
/// assert_eq!(earn(&program, EventType::Purchase, day, Decimal::from(80), 1, None)?.points, 0);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum EventType {
    /// A purchase (an order) with this program's business.
    Purchase,
    /// The customer referred a new customer.
    Referral,
    /// A purchase with a partner business.
    PartnerPurchase,
    /// A completed challenge or game step.
    Challenge,
    /// A product review or survey answer.
    Review,
    /// A caller-defined event, numbered.
    Other(u16),
}

/// How many points a matching event earns, before multipliers.
///
/// # Examples
///
/// ```
/// use customer_value::loyalty::{earn, Award, EarningRule, EventType, ProgramSpec};
/// use rust_decimal::Decimal;
///
/// let day = chrono::NaiveDate::from_ymd_opt(2024, 3, 1).unwrap();
/// let points = |award| -> customer_value::Result<i64> {
///     let mut spec = ProgramSpec::default();
///     spec.rules.push(EarningRule::new("r", EventType::Purchase, award));
///     // A purchase of 60 with 3 items.
///     Ok(earn(&spec.build()?, EventType::Purchase, day, Decimal::from(60), 3, None)?.points)
/// };
/// assert_eq!(points(Award::Fixed { points: 5 })?, 5);
/// assert_eq!(points(Award::PerAmount { points: 10, per: Decimal::from(25) })?, 24); // 60 / 25 × 10
/// assert_eq!(points(Award::PerUnit { points: 2 })?, 6);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Award {
    /// A fixed number of points per event (per order, per referral...).
    Fixed {
        /// Points per event.
        points: Points,
    },
    /// `points` for every `per` of the event amount, pro rata (rounded per order, see
    /// [`RoundingMode`]): `{points: 1, per: 1}` is one point per currency unit.
    PerAmount {
        /// Points per `per`.
        points: Points,
        /// The currency amount that earns `points`; positive.
        per: Decimal,
    },
    /// Points per unit (item) of the event.
    PerUnit {
        /// Points per unit.
        points: Points,
    },
}

/// One earning rule.
///
/// Rules run in ascending [`priority`](EarningRule::priority) (ties in declaration order);
/// a matching rule with [`stop_after`](EarningRule::stop_after) ends the evaluation for
/// that event. A rule matches when the event type is [`on`](EarningRule::on), the date is
/// inside `[from, to]` (inclusive, open ends allowed) and the amount reaches
/// [`min_amount`](EarningRule::min_amount).
///
/// # Examples
///
/// ```
/// use chrono::NaiveDate;
/// use customer_value::loyalty::{earn, Award, EarningRule, EventType, ProgramSpec};
/// use rust_decimal::Decimal;
///
/// // 50 bonus points on orders of 100 or more, evaluated first and ending the evaluation.
/// let mut bonus = EarningRule::new("big-basket", EventType::Purchase, Award::Fixed { points: 50 });
/// (bonus.priority, bonus.stop_after, bonus.min_amount) = (-1, true, Some(Decimal::from(100)));
/// let mut spec = ProgramSpec::default();
/// spec.rules.push(EarningRule::new("euro", EventType::Purchase, Award::PerAmount { points: 1, per: Decimal::ONE }));
/// spec.rules.push(bonus);
/// let program = spec.build()?;
/// let day = NaiveDate::from_ymd_opt(2024, 3, 1).unwrap();
/// assert_eq!(earn(&program, EventType::Purchase, day, Decimal::from(120), 1, None)?.points, 50);
/// assert_eq!(earn(&program, EventType::Purchase, day, Decimal::from(80), 1, None)?.points, 80);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EarningRule {
    /// A name, used in error messages and reports.
    pub id: String,
    /// The event type it applies to.
    pub on: EventType,
    /// How many points.
    pub award: Award,
    /// Evaluation order: lower first.
    #[serde(default)]
    pub priority: i32,
    /// Stop evaluating further rules after this one matched.
    #[serde(default)]
    pub stop_after: bool,
    /// The rule applies only if the event amount is at least this.
    #[serde(default)]
    pub min_amount: Option<Decimal>,
    /// At most this many points from this rule per event (after multipliers).
    #[serde(default)]
    pub cap_per_event: Option<Points>,
    /// Whether tier and campaign [`Multiplier`]s apply to this rule.
    #[serde(default = "yes")]
    pub multiplied: bool,
    /// First day the rule is in force.
    #[serde(default)]
    pub from: Option<NaiveDate>,
    /// Last day the rule is in force.
    #[serde(default)]
    pub to: Option<NaiveDate>,
}

fn yes() -> bool {
    true
}

impl EarningRule {
    /// A rule on `on` with default options (priority 0, no caps, multiplied, always on).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::loyalty::{Award, EarningRule, EventType};
    /// use rust_decimal::Decimal;
    ///
    /// let r = EarningRule::new("base", EventType::Purchase, Award::PerAmount { points: 1, per: Decimal::ONE });
    /// assert!(r.multiplied);
    /// ```
    #[must_use]
    pub fn new(id: impl Into<String>, on: EventType, award: Award) -> Self {
        EarningRule {
            id: id.into(),
            on,
            award,
            priority: 0,
            stop_after: false,
            min_amount: None,
            cap_per_event: None,
            multiplied: true,
            from: None,
            to: None,
        }
    }

    pub(crate) fn in_force(&self, date: NaiveDate) -> bool {
        self.from.is_none_or(|f| date >= f) && self.to.is_none_or(|t| date <= t)
    }
}

/// A factor on the points of multiplied rules, for a tier and/or a campaign window.
///
/// Every multiplier that matches an event applies, and they multiply together (a gold
/// member in a double-points week earns base × 1.5 × 2).
///
/// # Examples
///
/// ```
/// use chrono::NaiveDate;
/// use customer_value::loyalty::{earn, Award, EarningRule, EventType, Multiplier, ProgramSpec};
/// use rust_decimal::Decimal;
///
/// let d = |day| NaiveDate::from_ymd_opt(2024, 11, day).unwrap();
/// let mut spec = ProgramSpec::default();
/// spec.rules.push(EarningRule::new("euro", EventType::Purchase, Award::PerAmount { points: 1, per: Decimal::ONE }));
/// spec.multipliers.push(Multiplier {
///     id: "black-friday".into(),
///     factor: Decimal::TWO,
///     tier: None,
///     from: Some(d(29)),
///     to: Some(d(30)),
///     events: vec![], // every event type
/// });
/// let program = spec.build()?;
/// assert_eq!(earn(&program, EventType::Purchase, d(29), Decimal::from(40), 1, None)?.points, 80);
/// assert_eq!(earn(&program, EventType::Purchase, d(28), Decimal::from(40), 1, None)?.points, 40);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Multiplier {
    /// A name, used in error messages.
    pub id: String,
    /// The factor; positive.
    pub factor: Decimal,
    /// Only for members of this tier (by name), if set.
    #[serde(default)]
    pub tier: Option<String>,
    /// First day of the campaign window, if any.
    #[serde(default)]
    pub from: Option<NaiveDate>,
    /// Last day of the campaign window, if any.
    #[serde(default)]
    pub to: Option<NaiveDate>,
    /// Event types it applies to; empty means all.
    #[serde(default)]
    pub events: Vec<EventType>,
}

/// A calendar period: month, quarter or year.
///
/// # Examples
///
/// ```
/// use chrono::NaiveDate;
/// use customer_value::loyalty::CalendarPeriod;
///
/// let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
/// assert_eq!(CalendarPeriod::Month.start(d(2, 29)), d(2, 1));
/// assert_eq!(CalendarPeriod::Quarter.start(d(12, 31)), d(10, 1));
/// assert_eq!(CalendarPeriod::Year.start(d(7, 4)), d(1, 1));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CalendarPeriod {
    /// A calendar month.
    Month,
    /// A calendar quarter (Jan–Mar, ...).
    Quarter,
    /// A calendar year.
    Year,
}

impl CalendarPeriod {
    /// First day of the period containing `date`.
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use customer_value::loyalty::CalendarPeriod;
    ///
    /// let d = NaiveDate::from_ymd_opt(2024, 8, 17).unwrap();
    /// assert_eq!(CalendarPeriod::Quarter.start(d), NaiveDate::from_ymd_opt(2024, 7, 1).unwrap());
    /// ```
    #[must_use]
    pub fn start(self, date: NaiveDate) -> NaiveDate {
        let month = match self {
            CalendarPeriod::Month => date.month(),
            CalendarPeriod::Quarter => (date.month0() / 3) * 3 + 1,
            CalendarPeriod::Year => 1,
        };
        // Day 1 of a month of a valid year always exists.
        NaiveDate::from_ymd_opt(date.year(), month, 1).unwrap_or(date)
    }

    /// First day of the period after the one containing `date` (`None` past chrono's range).
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use customer_value::loyalty::CalendarPeriod;
    ///
    /// let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
    /// assert_eq!(CalendarPeriod::Month.next_start(d(2024, 12, 15)), Some(d(2025, 1, 1)));
    /// assert_eq!(CalendarPeriod::Quarter.next_start(d(2024, 2, 29)), Some(d(2024, 4, 1)));
    /// assert_eq!(CalendarPeriod::Year.next_start(NaiveDate::MAX), None);
    /// ```
    #[must_use]
    pub fn next_start(self, date: NaiveDate) -> Option<NaiveDate> {
        let months = match self {
            CalendarPeriod::Month => 1,
            CalendarPeriod::Quarter => 3,
            CalendarPeriod::Year => 12,
        };
        self.start(date).checked_add_months(Months::new(months))
    }
}

/// At most `points` earned per calendar period (redemptions do not count).
///
/// # Examples
///
/// ```
/// use chrono::NaiveDate;
/// use customer_value::loyalty::{Account, Award, CalendarPeriod, EarningRule, Event, EventType, PeriodCap, ProgramSpec};
/// use rust_decimal::Decimal;
///
/// let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
/// let mut spec = ProgramSpec::default();
/// spec.rules.push(EarningRule::new("euro", EventType::Purchase, Award::PerAmount { points: 1, per: Decimal::ONE }));
/// spec.period_cap = Some(PeriodCap { period: CalendarPeriod::Month, points: 100 });
/// let program = spec.build()?;
/// let mut acct = Account::new(d(1, 1));
/// acct.apply(&program, &Event::purchase(d(1, 5), 1, Decimal::from(80)))?;
/// acct.apply(&program, &Event::purchase(d(1, 20), 2, Decimal::from(80)))?; // only 20 more in January
/// assert_eq!(acct.balance(), 100);
/// acct.apply(&program, &Event::purchase(d(2, 1), 3, Decimal::from(80)))?; // a new month
/// assert_eq!(acct.balance(), 180);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeriodCap {
    /// The period.
    pub period: CalendarPeriod,
    /// The most points that can be earned in one period; ≥ 0 (0 earns nothing).
    pub points: Points,
}

/// When points expire. The clock starts on the day a lot becomes **available** (its
/// earning day, or the end of the pending delay).
///
/// Expiry dates are the first day the points are gone: a lot available on 2024-01-31
/// under `AfterMonths { months: 1 }` expires on 2024-02-29 (calendar months clamp to the
/// month's end) and can be spent up to and including 2024-02-28.
///
/// # Examples
///
/// ```
/// use chrono::NaiveDate;
/// use customer_value::loyalty::Expiry;
///
/// // Points earned on 10 March 2024 under each rule: the first day they are gone.
/// let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
/// let earned = d(2024, 3, 10);
/// assert_eq!(Expiry::AfterDays { days: 90 }.expires(earned)?, Some(d(2024, 6, 8)));
/// assert_eq!(Expiry::AfterMonths { months: 12 }.expires(earned)?, Some(d(2025, 3, 10)));
/// assert_eq!(Expiry::EndOfMonth { months: 2 }.expires(earned)?, Some(d(2024, 6, 1)));
/// assert_eq!(Expiry::EndOfYear { years: 0 }.expires(earned)?, Some(d(2025, 1, 1)));
/// assert_eq!(Expiry::default(), Expiry::Never);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Expiry {
    /// Points never expire.
    #[default]
    Never,
    /// Gone `days` days after becoming available (≥ 1).
    AfterDays {
        /// Days of validity.
        days: u32,
    },
    /// Gone `months` calendar months after becoming available (≥ 1), clamped to month end.
    AfterMonths {
        /// Months of validity.
        months: u32,
    },
    /// Valid to the end of the month `months` months after the month they became
    /// available in (`months: 0`: end of that same month).
    EndOfMonth {
        /// Extra whole months.
        months: u32,
    },
    /// Valid to the end of the calendar year `years` after the one they became available
    /// in (`years: 0`: 31 December of that year).
    EndOfYear {
        /// Extra whole years.
        years: u32,
    },
}

impl Expiry {
    /// The first day points that became available on `available` are gone (`None`: never).
    ///
    /// # Errors
    ///
    /// [`Error::Overflow`] if the date is beyond chrono's calendar.
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use customer_value::loyalty::Expiry;
    ///
    /// let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
    /// assert_eq!(Expiry::AfterMonths { months: 1 }.expires(d(2024, 1, 31))?, Some(d(2024, 2, 29)));
    /// assert_eq!(Expiry::EndOfMonth { months: 0 }.expires(d(2024, 1, 31))?, Some(d(2024, 2, 1)));
    /// assert_eq!(Expiry::EndOfYear { years: 1 }.expires(d(2024, 6, 1))?, Some(d(2026, 1, 1)));
    /// assert_eq!(Expiry::Never.expires(d(2024, 6, 1))?, None);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn expires(self, available: NaiveDate) -> Result<Option<NaiveDate>> {
        let overflow = || Error::Overflow { op: "expiry date" };
        Ok(match self {
            Expiry::Never => None,
            Expiry::AfterDays { days } => Some(
                available
                    .checked_add_days(chrono::Days::new(u64::from(days)))
                    .ok_or_else(overflow)?,
            ),
            Expiry::AfterMonths { months } => Some(
                available
                    .checked_add_months(Months::new(months))
                    .ok_or_else(overflow)?,
            ),
            Expiry::EndOfMonth { months } => Some(
                CalendarPeriod::Month
                    .start(available)
                    .checked_add_months(Months::new(months.checked_add(1).ok_or_else(overflow)?))
                    .ok_or_else(overflow)?,
            ),
            Expiry::EndOfYear { years } => {
                let y = i32::try_from(years)
                    .ok()
                    .and_then(|y| available.year().checked_add(y)?.checked_add(1))
                    .ok_or_else(overflow)?;
                Some(NaiveDate::from_ymd_opt(y, 1, 1).ok_or_else(overflow)?)
            }
        })
    }
}

/// What a refund does when the refunded order's points were already spent.
///
/// In every policy the points still unspent in the order's own lot are taken back first
/// (a pending lot is cancelled).
///
/// # Examples
///
/// ```
/// use chrono::NaiveDate;
/// use customer_value::loyalty::{Account, Award, ClawbackPolicy, EarningRule, Event, EventType, ProgramSpec};
/// use rust_decimal::Decimal;
///
/// // 100 points earned on order 1 and spent at once; then order 1 is refunded.
/// let d = |day| NaiveDate::from_ymd_opt(2024, 3, day).unwrap();
/// let balance_after_refund = |policy| -> customer_value::Result<i64> {
///     let mut spec = ProgramSpec::default();
///     spec.rules.push(EarningRule::new("euro", EventType::Purchase, Award::PerAmount { points: 1, per: Decimal::ONE }));
///     spec.clawback = policy;
///     let program = spec.build()?;
///     let mut acct = Account::new(d(1));
///     acct.apply(&program, &Event::purchase(d(2), 1, Decimal::from(100)))?;
///     acct.apply(&program, &Event::redeem(d(3), 100))?;
///     acct.apply(&program, &Event::refund(d(4), 1))?;
///     Ok(acct.balance())
/// };
/// assert_eq!(balance_after_refund(ClawbackPolicy::AllowNegative)?, -100); // a debt
/// assert_eq!(balance_after_refund(ClawbackPolicy::CapAtBalance)?, 0);
/// assert_eq!(balance_after_refund(ClawbackPolicy::OrderPointsOnly)?, 0);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ClawbackPolicy {
    /// Take the rest from other lots (earliest expiring first); what is still missing
    /// becomes a debt: the balance goes negative and future points repay it first.
    #[default]
    AllowNegative,
    /// Take the rest from other lots, never below zero; what is missing is forgiven.
    CapAtBalance,
    /// Take only what is left of the order's own lot; the rest is forgiven.
    OrderPointsOnly,
}

/// An unchecked program description: plain data, serde, `Default`.
///
/// # Examples
///
/// ```
/// use customer_value::loyalty::{Award, EarningRule, EventType, ProgramSpec};
/// use rust_decimal::Decimal;
///
/// let mut spec = ProgramSpec::default();
/// spec.rules.push(EarningRule::new("base", EventType::Purchase, Award::PerAmount { points: 1, per: Decimal::ONE }));
/// let program = spec.build()?;
/// assert_eq!(program.rules.len(), 1);
///
/// let mut bad = ProgramSpec::default();
/// bad.rules.push(EarningRule::new("broken", EventType::Purchase, Award::PerAmount { points: 1, per: Decimal::ZERO }));
/// assert_eq!(
///     bad.build().unwrap_err().to_string(),
///     "invalid definition: rule `broken`: `per` must be positive, got 0"
/// );
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ProgramSpec {
    /// The program's name.
    #[serde(default)]
    pub name: String,
    /// Earning rules.
    #[serde(default)]
    pub rules: Vec<EarningRule>,
    /// Tier and campaign multipliers.
    #[serde(default)]
    pub multipliers: Vec<Multiplier>,
    /// Rounding of each event's points.
    #[serde(default)]
    pub rounding: RoundingMode,
    /// At most this many points per event, all rules together.
    #[serde(default)]
    pub cap_per_event: Option<Points>,
    /// At most this many points per calendar period.
    #[serde(default)]
    pub period_cap: Option<PeriodCap>,
    /// Days before earned points become available (0: at once).
    #[serde(default)]
    pub pending_days: u32,
    /// When points expire.
    #[serde(default)]
    pub expiry: Expiry,
    /// What refunds do to spent points.
    #[serde(default)]
    pub clawback: ClawbackPolicy,
    /// Money value of one point when redeemed (for liability), ≥ 0.
    #[serde(default)]
    pub point_value: Decimal,
    /// Tiers, if the program has them.
    #[serde(default)]
    pub tiers: Option<TierSpec>,
}

/// A validated program: a [`ProgramSpec`] that passed [`ProgramSpec::check`].
///
/// Dereferences to its spec for reading. Deserialising validates; serialising writes the
/// spec.
///
/// # Examples
///
/// ```
/// use customer_value::loyalty::{Award, EarningRule, EventType, ProgramSpec};
/// use customer_value::Program;
/// use rust_decimal::Decimal;
///
/// let mut spec = ProgramSpec::default();
/// spec.name = "cafe".into();
/// spec.rules.push(EarningRule::new("base", EventType::Purchase, Award::PerAmount { points: 1, per: Decimal::ONE }));
/// let program = Program::try_from(spec)?; // the same as `spec.build()`
/// assert_eq!(program.name, "cafe"); // reads through to the spec
/// // Deserialising validates too: a zero `per` is refused on load.
/// let bad = r#"{"rules": [{"id": "x", "on": "purchase", "award": {"type": "per_amount", "points": 1, "per": "0"}}]}"#;
/// assert!(serde_json::from_str::<Program>(bad).is_err());
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "ProgramSpec", into = "ProgramSpec")]
pub struct Program {
    spec: ProgramSpec,
    /// Rule indices in evaluation order.
    pub(crate) order: Vec<usize>,
    /// Tier index of each multiplier that names one.
    pub(crate) multiplier_tiers: Vec<Option<usize>>,
}

impl std::ops::Deref for Program {
    type Target = ProgramSpec;
    fn deref(&self) -> &ProgramSpec {
        &self.spec
    }
}

impl TryFrom<ProgramSpec> for Program {
    type Error = Error;
    fn try_from(spec: ProgramSpec) -> Result<Self> {
        spec.build()
    }
}

impl From<Program> for ProgramSpec {
    fn from(p: Program) -> Self {
        p.spec
    }
}

impl Program {
    /// A program from its JSON form (the serde form of [`ProgramSpec`]), validated.
    ///
    /// # Errors
    ///
    /// [`Error::Parse`] with the line for text that is not JSON or not a program's
    /// shape (unknown fields included); the validation errors of
    /// [`ProgramSpec::check`] (naming the rule, multiplier or tier at fault) for a
    /// program that parses but does not hold together.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::Program;
    ///
    /// // One point per dollar.
    /// let p = Program::from_json(r#"{
    ///     "name": "cafe",
    ///     "rules": [{"id": "base", "on": "purchase",
    ///                "award": {"type": "per_amount", "points": 1, "per": "1"}}]
    /// }"#)?;
    /// assert_eq!(p.rules.len(), 1);
    /// assert_eq!(Program::from_json(&p.to_json())?, p);
    /// let err = Program::from_json("{\n  \"nmae\": \"cafe\"\n}").unwrap_err();
    /// assert!(matches!(err, customer_value::Error::Parse { line: 2, .. }), "{err}");
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn from_json(text: &str) -> Result<Program> {
        let spec: ProgramSpec = serde_json::from_str(text).map_err(|e| Error::Parse {
            line: e.line() as u64,
            reason: format!("loyalty program: {e}"),
        })?;
        spec.build()
    }

    /// A program read as JSON from `reader` (a file, say), as [`from_json`](Self::from_json).
    ///
    /// # Errors
    ///
    /// As [`from_json`](Self::from_json); [`Error::Parse`] also for a read error.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::Program;
    ///
    /// // Any `std::io::Read`: a file, a socket, or bytes in memory.
    /// let json = br#"{"name": "cafe", "rules": [{"id": "visit", "on": "purchase", "award": {"type": "fixed", "points": 10}}]}"#;
    /// let program = Program::from_json_reader(&json[..])?;
    /// assert_eq!(program.rules[0].id, "visit");
    /// assert!(Program::from_json_reader(&b"{"[..]).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn from_json_reader<R: std::io::Read>(reader: R) -> Result<Program> {
        let spec: ProgramSpec = serde_json::from_reader(reader).map_err(|e| Error::Parse {
            line: e.line() as u64,
            reason: format!("loyalty program: {e}"),
        })?;
        spec.build()
    }

    /// The program's JSON form, pretty-printed; [`from_json`](Self::from_json) reads it back
    /// to an equal program.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::Program;
    ///
    /// let program = Program::from_json(r#"{"name": "cafe", "pending_days": 14}"#)?;
    /// let json = program.to_json();
    /// assert!(json.contains("\"pending_days\": 14"));
    /// assert_eq!(Program::from_json(&json)?, program);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn to_json(&self) -> String {
        // A ProgramSpec is strings, numbers, enums and Decimals (as strings): its
        // serialisation cannot fail; an empty string would fail `from_json` loudly.
        serde_json::to_string_pretty(&self.spec).unwrap_or_default()
    }

    /// The spec it was built from.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::Program;
    ///
    /// let program = Program::from_json(r#"{"name": "cafe"}"#)?;
    /// let mut spec = program.spec().clone(); // edit a copy, then validate it again
    /// spec.pending_days = 7;
    /// assert_eq!(spec.build()?.pending_days, 7);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn spec(&self) -> &ProgramSpec {
        &self.spec
    }

    /// Index of the tier named `name`, if the program has tiers and one is so named.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::loyalty::{ProgramSpec, QualificationBasis, QualificationWindow, ReviewSchedule, TierSpec};
    ///
    /// let mut spec = ProgramSpec::default();
    /// spec.tiers = Some(TierSpec::new(vec![("silver", 0), ("gold", 1000)], QualificationBasis::PointsEarned,
    ///     QualificationWindow::Lifetime, ReviewSchedule::Never)?);
    /// let program = spec.build()?;
    /// assert_eq!((program.tier_index("gold"), program.tier_index("bronze")), (Some(1), None));
    /// assert_eq!(ProgramSpec::default().build()?.tier_index("gold"), None); // no tiers
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn tier_index(&self, name: &str) -> Option<usize> {
        self.spec
            .tiers
            .as_ref()?
            .tiers
            .iter()
            .position(|t| t.name == name)
    }
}

fn window_ok(item: &str, from: Option<NaiveDate>, to: Option<NaiveDate>) -> Result<()> {
    if let (Some(f), Some(t)) = (from, to) {
        if f > t {
            return Err(Error::definition(
                item,
                format!("window starts {f} after it ends {t}"),
            ));
        }
    }
    Ok(())
}

impl ProgramSpec {
    /// The old name of [`build`](Self::build).
    ///
    /// # Errors
    ///
    /// As [`build`](Self::build).
    ///
    /// # Examples
    ///
    /// ```
    /// # #![allow(deprecated)]
    /// assert!(customer_value::loyalty::ProgramSpec::default().check().is_ok());
    /// ```
    #[deprecated(
        since = "0.2.0",
        note = "renamed `build`: it returns the `Program`, not a verdict"
    )]
    pub fn check(self) -> Result<Program> {
        self.build()
    }

    /// Builds the [`Program`] this description defines, validating it on the way (the
    /// `ProgramSpec` → `Program` step of the crate's check/validate convention,
    /// `docs/design.md`).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidDefinition`] naming the part: a rule with an empty or duplicate id,
    /// negative points, a non-positive `per`, a negative minimum amount or cap, an
    /// inverted window; a multiplier with a non-positive factor or an unknown tier; a
    /// negative cap; an expiry of 0 days or months; a negative point value; tiers
    /// that fail [`TierSpec::validate`].
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::loyalty::{Award, EarningRule, EventType, ProgramSpec};
    ///
    /// let mut spec = ProgramSpec::default();
    /// spec.rules.push(EarningRule::new("visit", EventType::Purchase, Award::Fixed { points: 10 }));
    /// spec.rules.push(EarningRule::new("visit", EventType::Review, Award::Fixed { points: 5 }));
    /// let err = spec.build().unwrap_err();
    /// assert_eq!(err.to_string(), "invalid definition: rule `visit`: duplicate rule id");
    /// ```
    pub fn build(self) -> Result<Program> {
        let mut seen = std::collections::HashSet::new();
        for r in &self.rules {
            let item = format!("rule `{}`", r.id);
            if r.id.is_empty() {
                return Err(Error::definition("rule ``", "every rule needs an id"));
            }
            if !seen.insert(r.id.as_str()) {
                return Err(Error::definition(item, "duplicate rule id"));
            }
            let points = match r.award {
                Award::Fixed { points } | Award::PerUnit { points } => points,
                Award::PerAmount { points, per } => {
                    if per <= Decimal::ZERO {
                        return Err(Error::definition(
                            item,
                            format!("`per` must be positive, got {per}"),
                        ));
                    }
                    points
                }
            };
            if points < 0 {
                return Err(Error::definition(
                    item,
                    format!("points must be ≥ 0, got {points}"),
                ));
            }
            if r.min_amount.is_some_and(|m| m < Decimal::ZERO) {
                return Err(Error::definition(item, "`min_amount` must be ≥ 0"));
            }
            if r.cap_per_event.is_some_and(|c| c < 0) {
                return Err(Error::definition(item, "`cap_per_event` must be ≥ 0"));
            }
            window_ok(&item, r.from, r.to)?;
        }
        let tier_names: Vec<&str> = self
            .tiers
            .as_ref()
            .map(|t| t.tiers.iter().map(|t| t.name.as_str()).collect())
            .unwrap_or_default();
        let mut multiplier_tiers = Vec::with_capacity(self.multipliers.len());
        for m in &self.multipliers {
            let item = format!("multiplier `{}`", m.id);
            if m.factor <= Decimal::ZERO {
                return Err(Error::definition(
                    item,
                    format!("factor must be positive, got {}", m.factor),
                ));
            }
            window_ok(&item, m.from, m.to)?;
            multiplier_tiers.push(match &m.tier {
                None => None,
                Some(name) => Some(
                    tier_names
                        .iter()
                        .position(|t| t == name)
                        .ok_or_else(|| Error::definition(item, format!("unknown tier `{name}`")))?,
                ),
            });
        }
        if self.cap_per_event.is_some_and(|c| c < 0) {
            return Err(Error::definition("program", "`cap_per_event` must be ≥ 0"));
        }
        if self.period_cap.is_some_and(|c| c.points < 0) {
            return Err(Error::definition("program", "`period_cap.points` must be ≥ 0"));
        }
        match self.expiry {
            Expiry::AfterDays { days: 0 } | Expiry::AfterMonths { months: 0 } => {
                return Err(Error::definition(
                    "expiry",
                    "validity must be at least 1 day or month",
                ));
            }
            _ => {}
        }
        if self.point_value < Decimal::ZERO {
            return Err(Error::definition("program", "`point_value` must be ≥ 0"));
        }
        if let Some(t) = &self.tiers {
            t.validate()?;
        }
        let mut order: Vec<usize> = (0..self.rules.len()).collect();
        // Stable: ties keep declaration order.
        order.sort_by_key(|&i| self.rules.get(i).map_or(0, |r| r.priority));
        Ok(Program {
            spec: self,
            order,
            multiplier_tiers,
        })
    }
}

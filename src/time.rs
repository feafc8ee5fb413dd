//! Calendar time: purchase dates, the periods purchases collapse into, and the time unit
//! models count in.
//!
//! Two settings that the peers conflate are kept apart here:
//!
//! * a [`Period`] is the calendar bucket within which several purchases count as **one**
//!   purchase (a day by default, as in the papers);
//! * a [`TimeUnit`] is the unit in which recency, age `T` and holdout durations are
//!   **expressed** (days, weeks, or any number of days).
//!
//! The papers' CDNOW convention is "collapse by day, count in weeks": `Period::DAY` with
//! `TimeUnit::WEEK`. Internally every date is a day number (days since 0001-01-01, chrono's
//! `num_days_from_ce`), so no time zone or clock is involved after the date is known.

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// A timestamp a purchase can carry. Implemented for [`NaiveDate`], [`NaiveDateTime`] and
/// [`DateTime<Utc>`]; date-times are placed on their (UTC) calendar day.
///
/// # Examples
///
/// ```
/// use chrono::{NaiveDate, TimeZone, Utc};
/// use customer_value::PurchaseDate;
///
/// let d = NaiveDate::from_ymd_opt(1997, 1, 1).unwrap();
/// let t = Utc.with_ymd_and_hms(1997, 1, 1, 23, 59, 0).unwrap();
/// assert_eq!(d.day_number(), t.day_number());
/// ```
pub trait PurchaseDate: Copy {
    /// Days since 0001-01-01 (which is day 1), proleptic Gregorian calendar.
    fn day_number(&self) -> i32;
}

impl PurchaseDate for NaiveDate {
    #[inline]
    fn day_number(&self) -> i32 {
        self.num_days_from_ce()
    }
}

impl PurchaseDate for NaiveDateTime {
    #[inline]
    fn day_number(&self) -> i32 {
        self.date().num_days_from_ce()
    }
}

impl PurchaseDate for DateTime<Utc> {
    #[inline]
    fn day_number(&self) -> i32 {
        self.date_naive().num_days_from_ce()
    }
}

/// The date of a day number (inverse of [`PurchaseDate::day_number`]).
///
/// Day numbers produced from valid dates always convert back; the fallback to
/// `NaiveDate::MIN` only keeps the function total.
#[must_use]
pub(crate) fn date_of_day(day: i32) -> NaiveDate {
    NaiveDate::from_num_days_from_ce_opt(day).unwrap_or(NaiveDate::MIN)
}

/// [`date_of_day`] with memory: finishing a million summaries converts two days per
/// customer, mostly from a span of a few thousand days, so each day's date is computed
/// once (within a window of at most [`DayDates::MAX_SPAN`] days; others are converted
/// each time).
#[derive(Debug, Default)]
pub(crate) struct DayDates {
    /// The day of `dates[0]`.
    first: i64,
    dates: Vec<NaiveDate>,
}

impl DayDates {
    /// The widest window of days kept (256 KiB of dates).
    const MAX_SPAN: i64 = 1 << 16;

    /// The date of day number `day`.
    #[inline]
    pub(crate) fn date(&mut self, day: i32) -> NaiveDate {
        let at = usize::try_from(i64::from(day) - self.first).ok();
        match at.and_then(|i| self.dates.get(i)) {
            Some(&date) => date,
            None => self.widen_to(day),
        }
    }

    /// Widens the window to `day` (at least doubling it, so that days met one by one cost
    /// amortised constant time), unless it would exceed [`Self::MAX_SPAN`].
    #[cold]
    fn widen_to(&mut self, day: i32) -> NaiveDate {
        let day = i64::from(day);
        let (first, len) = (self.first, self.dates.len() as i64);
        let grow = len.max(1024);
        let (from, to) = if len == 0 {
            (day - grow / 2, day + grow / 2)
        } else if day < first {
            ((first - grow).min(day), first + len - 1)
        } else {
            (first, (first + len - 1 + grow).max(day))
        };
        let from = from.max(i64::from(i32::MIN));
        let to = to.min(i64::from(i32::MAX));
        if to - from >= Self::MAX_SPAN {
            return date_of_day(i32::try_from(day).unwrap_or(i32::MIN));
        }
        let days = (from..=to).filter_map(|d| i32::try_from(d).ok());
        self.dates = days.map(date_of_day).collect();
        self.first = from;
        self.date(i32::try_from(day).unwrap_or(i32::MIN))
    }
}

/// The calendar bucket within which purchases collapse into one (lifetimes' `freq`).
///
/// A period is `length` days long; periods are aligned to an anchor day. [`Period::DAY`]
/// is one calendar day; [`Period::WEEK`] is a Monday-to-Sunday week (ISO weeks, the same
/// buckets as pandas' `W`/`W-SUN` periods that lifetimes uses).
///
/// # Examples
///
/// ```
/// use chrono::NaiveDate;
/// use customer_value::Period;
///
/// let fortnight = Period::every(14, NaiveDate::from_ymd_opt(2024, 1, 1).unwrap())?;
/// assert_eq!(fortnight.length_days(), 14);
/// assert!(Period::every(0, NaiveDate::MIN).is_err());
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "PeriodRepr", into = "PeriodRepr")]
pub struct Period {
    length: i32,
    anchor: i32,
}

#[derive(Serialize, Deserialize)]
struct PeriodRepr {
    length_days: u32,
    anchor: NaiveDate,
}

impl TryFrom<PeriodRepr> for Period {
    type Error = Error;
    fn try_from(r: PeriodRepr) -> Result<Self> {
        Period::every(r.length_days, r.anchor)
    }
}

impl From<Period> for PeriodRepr {
    fn from(p: Period) -> Self {
        PeriodRepr {
            length_days: p.length.unsigned_abs(),
            anchor: date_of_day(p.anchor),
        }
    }
}

impl Period {
    /// One calendar day.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::Period;
    /// assert_eq!(Period::DAY.length_days(), 1);
    /// assert_eq!(Period::default(), Period::DAY);
    /// ```
    pub const DAY: Period = Period { length: 1, anchor: 1 };
    /// A Monday-to-Sunday week (0001-01-01, day 1, was a Monday).
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use customer_value::Period;
    /// // The same buckets as seven-day periods anchored on any Monday (2024-01-01 was one).
    /// let mondays = Period::every(7, NaiveDate::from_ymd_opt(2024, 1, 1).unwrap())?;
    /// assert_eq!(Period::WEEK.length_days(), mondays.length_days());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub const WEEK: Period = Period { length: 7, anchor: 1 };

    /// Periods of `length_days` days, the first starting on `anchor`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] if `length_days` is 0 or above 36,500 (a century).
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use customer_value::{Error, Period};
    ///
    /// let start = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
    /// assert_eq!(Period::every(28, start)?.length_days(), 28);
    /// assert!(matches!(Period::every(36_501, start), Err(Error::InvalidParameter { .. })));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn every(length_days: u32, anchor: NaiveDate) -> Result<Self> {
        if length_days == 0 || length_days > 36_500 {
            return Err(Error::param(
                "length_days",
                length_days,
                "a period is 1 to 36,500 days long",
            ));
        }
        Ok(Period {
            length: length_days as i32,
            anchor: anchor.day_number(),
        })
    }

    /// Length of the period in days.
    ///
    /// ```
    /// use customer_value::Period;
    ///
    /// assert_eq!((Period::DAY.length_days(), Period::WEEK.length_days()), (1, 7));
    /// let fortnight = Period::every(14, chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap())?;
    /// assert_eq!(fortnight.length_days(), 14);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn length_days(self) -> u32 {
        self.length.unsigned_abs()
    }

    /// Index of the period holding day number `day`.
    #[inline]
    #[must_use]
    pub(crate) fn index(self, day: i32) -> i32 {
        if self.length == 1 {
            day
        } else {
            (day - self.anchor).div_euclid(self.length)
        }
    }

    /// First day number of period `index`.
    #[inline]
    #[must_use]
    pub(crate) fn start_day(self, index: i32) -> i64 {
        if self.length == 1 {
            i64::from(index)
        } else {
            i64::from(self.anchor) + i64::from(index) * i64::from(self.length)
        }
    }
}

impl Default for Period {
    fn default() -> Self {
        Period::DAY
    }
}

/// The unit in which recency, age `T` and durations are expressed, as a number of days.
///
/// Model parameters are per unit: a BG/NBD `alpha` fitted in weeks is not the one fitted
/// in days. Keeping the unit in the types avoids lifetimes' hidden `freq` multiplier table.
///
/// # Examples
///
/// ```
/// use customer_value::TimeUnit;
///
/// assert_eq!(TimeUnit::WEEK.days(), 7.0);
/// let month = TimeUnit::from_days(365.25 / 12.0)?;
/// assert!((month.convert_days(365.25) - 12.0).abs() < 1e-12);
/// assert!(TimeUnit::from_days(0.0).is_err());
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct TimeUnit {
    days: f64,
}

impl TryFrom<f64> for TimeUnit {
    type Error = Error;
    fn try_from(days: f64) -> Result<Self> {
        TimeUnit::from_days(days)
    }
}

impl From<TimeUnit> for f64 {
    fn from(u: TimeUnit) -> f64 {
        u.days
    }
}

impl TimeUnit {
    /// One day.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::TimeUnit;
    /// assert_eq!(TimeUnit::DAY.convert_days(10.0), 10.0);
    /// assert_eq!(TimeUnit::default(), TimeUnit::DAY);
    /// ```
    pub const DAY: TimeUnit = TimeUnit { days: 1.0 };
    /// Seven days (the papers' unit for CDNOW).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::TimeUnit;
    /// // CDNOW's calibration period, 1997-01-01 to 1997-09-30, is 272 days: 38.857 weeks.
    /// assert!((TimeUnit::WEEK.convert_days(272.0) - 38.857_142_857).abs() < 1e-9);
    /// ```
    pub const WEEK: TimeUnit = TimeUnit { days: 7.0 };
    /// An average Gregorian-Julian month: 365.25 / 12 = 30.4375 days. Calendar months
    /// differ (28–31 days); a model in this unit treats time as continuous, so "one month
    /// ahead" means 30.4375 days ahead whatever the date.
    ///
    /// ```
    /// use customer_value::TimeUnit;
    /// assert_eq!(TimeUnit::MONTH.days(), 30.4375);
    /// assert_eq!(TimeUnit::MONTH.convert_days(365.25), 12.0);
    /// ```
    pub const MONTH: TimeUnit = TimeUnit { days: 30.4375 };
    /// A Julian year: 365.25 days (twelve [`MONTH`](Self::MONTH)s).
    ///
    /// ```
    /// use customer_value::TimeUnit;
    /// assert_eq!(TimeUnit::YEAR.days(), 365.25);
    /// assert_eq!(TimeUnit::YEAR.days(), 12.0 * TimeUnit::MONTH.days());
    /// ```
    pub const YEAR: TimeUnit = TimeUnit { days: 365.25 };

    /// The shortest unit accepted: 1e-6 days (86.4 ms). Every day span a date can have
    /// (under 2·10⁸ days) is then below 2·10¹⁴ units: recency, age and durations stay
    /// finite and keep their precision.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::TimeUnit;
    /// assert!(TimeUnit::from_days(TimeUnit::MIN_DAYS).is_ok());
    /// assert!(TimeUnit::from_days(TimeUnit::MIN_DAYS / 2.0).is_err());
    /// ```
    pub const MIN_DAYS: f64 = 1e-6;
    /// The longest unit accepted: 1e6 days (about 2,700 years).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::TimeUnit;
    /// assert!(TimeUnit::from_days(TimeUnit::MAX_DAYS).is_ok());
    /// assert!(TimeUnit::from_days(f64::INFINITY).is_err());
    /// ```
    pub const MAX_DAYS: f64 = 1e6;

    /// A unit of `days` days (may be fractional, e.g. 365.25 / 12 for months).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] unless `days` is finite and within
    /// [[`MIN_DAYS`](Self::MIN_DAYS), [`MAX_DAYS`](Self::MAX_DAYS)] = [1e-6, 1e6]: a
    /// subnormal or tiny unit would turn day spans into infinite times, a huge one into
    /// subnormal ones.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::TimeUnit;
    ///
    /// let fortnight = TimeUnit::from_days(14.0)?;
    /// assert_eq!(fortnight.convert_days(70.0), 5.0);
    /// assert!(TimeUnit::from_days(f64::NAN).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn from_days(days: f64) -> Result<Self> {
        if days.is_finite() && (Self::MIN_DAYS..=Self::MAX_DAYS).contains(&days) {
            Ok(TimeUnit { days })
        } else {
            Err(Error::param(
                "days",
                days,
                "a time unit is a finite number of days in [TimeUnit::MIN_DAYS, TimeUnit::MAX_DAYS] = [1e-6, 1e6]",
            ))
        }
    }

    /// Length of the unit in days.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::TimeUnit;
    ///
    /// assert_eq!(TimeUnit::WEEK.days(), 7.0);
    /// assert_eq!(TimeUnit::from_days(14.0)?.days(), 14.0);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn days(self) -> f64 {
        self.days
    }

    /// A number of days expressed in this unit.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::TimeUnit;
    /// assert_eq!(TimeUnit::WEEK.convert_days(3.5), 0.5);
    /// ```
    #[must_use]
    pub fn convert_days(self, days: f64) -> f64 {
        days / self.days
    }
}

impl Default for TimeUnit {
    fn default() -> Self {
        TimeUnit::DAY
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn day_dates_remember_what_date_of_day_gives() {
        let mut dates = DayDates::default();
        let ascending = 729_000..731_000;
        let descending = (700_000..729_000).rev().step_by(7);
        let far = [
            i32::MIN,
            -1,
            0,
            1,
            i32::MAX,
            3_652_059,
            3_652_060,
            800_000,
            729_500,
        ];
        for day in ascending.chain(descending).chain(far) {
            assert_eq!(dates.date(day), date_of_day(day), "day {day}");
        }
        // The window stays bounded.
        assert!(dates.dates.len() as i64 <= DayDates::MAX_SPAN);
    }

    proptest! {
        #[test]
        fn day_dates_match_date_of_day(days in prop::collection::vec(prop_oneof![any::<i32>(), 700_000i32..800_000], 0..200)) {
            let mut dates = DayDates::default();
            for day in days {
                prop_assert_eq!(dates.date(day), date_of_day(day));
            }
        }
    }

    #[test]
    fn weeks_start_on_monday() {
        // 2024-01-01 is a Monday, 2024-01-07 a Sunday.
        let w = Period::WEEK;
        let mon = w.index(d(2024, 1, 1).day_number());
        assert_eq!(w.index(d(2024, 1, 7).day_number()), mon);
        assert_eq!(w.index(d(2024, 1, 8).day_number()), mon + 1);
        assert_eq!(w.index(d(2023, 12, 31).day_number()), mon - 1);
        assert_eq!(date_of_day(w.start_day(mon) as i32), d(2024, 1, 1));
    }

    #[test]
    fn custom_periods_are_anchored() {
        let p = Period::every(14, d(2024, 1, 3)).unwrap();
        let i = p.index(d(2024, 1, 3).day_number());
        assert_eq!(p.index(d(2024, 1, 16).day_number()), i);
        assert_eq!(p.index(d(2024, 1, 17).day_number()), i + 1);
        assert_eq!(p.index(d(2024, 1, 2).day_number()), i - 1);
    }

    #[test]
    fn serde_round_trip_validates() {
        let p = Period::every(3, d(2020, 2, 29)).unwrap();
        let s = serde_json::to_string(&p).unwrap();
        assert_eq!(serde_json::from_str::<Period>(&s).unwrap(), p);
        assert!(serde_json::from_str::<Period>(r#"{"length_days":0,"anchor":"2020-01-01"}"#).is_err());
        assert!(serde_json::from_str::<TimeUnit>("-1.0").is_err());
        assert_eq!(serde_json::from_str::<TimeUnit>("7.0").unwrap(), TimeUnit::WEEK);
    }
}

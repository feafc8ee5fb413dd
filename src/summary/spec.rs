//! What a summary is computed over: observation (and calibration) end, collapse period,
//! time unit, and the policy for negative amounts.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::time::{Period, PurchaseDate, TimeUnit};

/// What to do with rows whose amount is negative (returns, refunds, chargebacks).
///
/// # Examples
///
/// ```
/// use customer_value::NegativeAmounts;
///
/// assert_eq!(NegativeAmounts::default(), NegativeAmounts::Net);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NegativeAmounts {
    /// Net the amount into spend (default). A negative row never makes a period a purchase
    /// period (a return is not a purchase); it is netted into the latest purchase period on
    /// or before its date, or into the first purchase period if it precedes every purchase
    /// (counted in [`SummaryReport::returns_before_first_purchase`]). Customers whose
    /// first-period spend or repeat spend nets below zero are counted in
    /// [`SummaryReport::customers_netting_negative`].
    ///
    /// [`SummaryReport::returns_before_first_purchase`]: crate::SummaryReport::returns_before_first_purchase
    /// [`SummaryReport::customers_netting_negative`]: crate::SummaryReport::customers_netting_negative
    #[default]
    Net,
    /// Skip the row and count it in [`SummaryReport::negative_rows_excluded`].
    ///
    /// [`SummaryReport::negative_rows_excluded`]: crate::SummaryReport::negative_rows_excluded
    Exclude,
    /// Fail with [`Error::InvalidRow`] at the first negative row.
    Reject,
}

/// The settings of a summary: when observation ends, an optional calibration end that
/// splits the log into calibration and holdout, the collapse period, the time unit and the
/// negative-amount policy.
///
/// Ends are inclusive dates: every purchase on the end day counts.
///
/// # Examples
///
/// The papers' CDNOW setting: calibration to 1997-09-30, holdout to 1998-06-30, purchases
/// collapse by day, times in weeks.
///
/// ```
/// use chrono::NaiveDate;
/// use customer_value::{SummarySpec, TimeUnit};
///
/// let spec = SummarySpec::new(NaiveDate::from_ymd_opt(1998, 6, 30).unwrap())
///     .with_calibration_end(NaiveDate::from_ymd_opt(1997, 9, 30).unwrap())
///     .with_unit(TimeUnit::WEEK);
/// spec.validate()?;
/// assert_eq!(spec.holdout_duration(), Some(39.0));
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SummarySpec {
    /// Last day of observation (inclusive). Rows after it are excluded and counted.
    pub observation_end: NaiveDate,
    /// Last day of calibration (inclusive), strictly before `observation_end`; rows after it
    /// form the holdout. `None`: no holdout.
    pub calibration_end: Option<NaiveDate>,
    /// The bucket within which purchases collapse into one.
    pub period: Period,
    /// The unit of recency, age and durations.
    pub unit: TimeUnit,
    /// What to do with negative amounts.
    pub negative_amounts: NegativeAmounts,
}

impl SummarySpec {
    /// Observation to `observation_end`, no holdout, daily periods, times in days,
    /// negative amounts netted.
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use customer_value::{NegativeAmounts, Period, SummarySpec, TimeUnit};
    ///
    /// let spec = SummarySpec::new(NaiveDate::from_ymd_opt(2024, 6, 30).unwrap());
    /// assert_eq!((spec.period, spec.unit), (Period::DAY, TimeUnit::DAY));
    /// assert_eq!((spec.calibration_end, spec.negative_amounts), (None, NegativeAmounts::Net));
    /// ```
    #[must_use]
    pub fn new(observation_end: NaiveDate) -> Self {
        SummarySpec {
            observation_end,
            calibration_end: None,
            period: Period::DAY,
            unit: TimeUnit::DAY,
            negative_amounts: NegativeAmounts::Net,
        }
    }

    /// Splits the log at `calibration_end` (inclusive) into calibration and holdout.
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use customer_value::SummarySpec;
    ///
    /// let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
    /// let spec = SummarySpec::new(d(6, 30)).with_calibration_end(d(3, 31));
    /// // The holdout runs from the calibration end's day to the observation end's: 91 days.
    /// assert_eq!(spec.holdout_duration(), Some(91.0));
    /// ```
    #[must_use]
    pub fn with_calibration_end(mut self, calibration_end: NaiveDate) -> Self {
        self.calibration_end = Some(calibration_end);
        self
    }

    /// Sets the collapse period.
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use customer_value::{Period, SummarySpec, TimeUnit};
    ///
    /// let d = |day| NaiveDate::from_ymd_opt(2024, 1, day).unwrap();
    /// // Calibration ends Wednesday 3 January, observation Monday 15 January: the holdout is
    /// // 12 days, but counted from week start (Mon 1 Jan) to week start (Mon 15 Jan) it is 2 weeks.
    /// let daily = SummarySpec::new(d(15)).with_calibration_end(d(3)).with_unit(TimeUnit::WEEK);
    /// let weekly = daily.with_period(Period::WEEK);
    /// assert_eq!(daily.holdout_duration(), Some(12.0 / 7.0));
    /// assert_eq!(weekly.holdout_duration(), Some(2.0));
    /// ```
    #[must_use]
    pub fn with_period(mut self, period: Period) -> Self {
        self.period = period;
        self
    }

    /// Sets the time unit.
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use customer_value::{SummarySpec, TimeUnit};
    ///
    /// let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
    /// let spec = SummarySpec::new(d(1, 29)).with_calibration_end(d(1, 1)).with_unit(TimeUnit::WEEK);
    /// assert_eq!(spec.holdout_duration(), Some(4.0)); // 28 days
    /// ```
    #[must_use]
    pub fn with_unit(mut self, unit: TimeUnit) -> Self {
        self.unit = unit;
        self
    }

    /// Sets the negative-amount policy.
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use customer_value::{Error, NegativeAmounts, SummaryBuilder, SummarySpec};
    /// use rust_decimal::Decimal;
    ///
    /// let day = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
    /// let spec = SummarySpec::new(day).with_negative_amounts(NegativeAmounts::Reject);
    /// let mut builder = SummaryBuilder::new(spec)?;
    /// builder.push(&1_u32, day, Decimal::TEN)?;
    /// let err = builder.push(&1_u32, day, Decimal::NEGATIVE_ONE).unwrap_err();
    /// assert!(matches!(err, Error::InvalidRow { row: 1, .. }));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn with_negative_amounts(mut self, policy: NegativeAmounts) -> Self {
        self.negative_amounts = policy;
        self
    }

    /// Checks the settings.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] if the calibration end is not strictly before the
    /// observation end.
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use customer_value::SummarySpec;
    ///
    /// let end = NaiveDate::from_ymd_opt(2024, 6, 30).unwrap();
    /// assert!(SummarySpec::new(end).validate().is_ok());
    /// // A calibration end on (or after) the observation end leaves no holdout.
    /// assert!(SummarySpec::new(end).with_calibration_end(end).validate().is_err());
    /// ```
    pub fn validate(&self) -> Result<()> {
        if let Some(cal) = self.calibration_end {
            if cal >= self.observation_end {
                return Err(Error::param(
                    "calibration_end",
                    cal,
                    "the calibration end must be strictly before the observation end",
                ));
            }
        }
        Ok(())
    }

    /// The end of the window the calibration summary covers: the calibration end if set,
    /// else the observation end.
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use customer_value::SummarySpec;
    ///
    /// let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
    /// assert_eq!(SummarySpec::new(d(6, 30)).summary_end(), d(6, 30));
    /// assert_eq!(SummarySpec::new(d(6, 30)).with_calibration_end(d(3, 31)).summary_end(), d(3, 31));
    /// ```
    #[must_use]
    pub fn summary_end(&self) -> NaiveDate {
        self.calibration_end.unwrap_or(self.observation_end)
    }

    /// Length of the holdout in the time unit (lifetimes' `duration_holdout`): periods from
    /// the calibration end's period to the observation end's period. `None` without holdout.
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use customer_value::SummarySpec;
    ///
    /// assert_eq!(SummarySpec::new(NaiveDate::from_ymd_opt(2024, 6, 30).unwrap()).holdout_duration(), None);
    /// ```
    #[must_use]
    pub fn holdout_duration(&self) -> Option<f64> {
        let cal = self.calibration_end?;
        Some(self.periods_between(cal.day_number(), self.observation_end.day_number()))
    }

    /// Time in the unit from the start of the period of `from_day` to the start of the
    /// period of `to_day`.
    #[inline]
    pub(crate) fn periods_between(&self, from_day: i32, to_day: i32) -> f64 {
        let p = self.period;
        let days = p.start_day(p.index(to_day)) - p.start_day(p.index(from_day));
        self.unit.convert_days(days as f64)
    }
}

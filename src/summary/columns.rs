//! The struct-of-arrays view of many customers' summaries, as `f64` columns for the
//! models' batch functions.
//!
//! This is where monetary values cross from `Decimal` to `f64`, through
//! [`money::to_f64`](crate::money::to_f64) (nearest value).

use serde::{Deserialize, Serialize};

use super::CustomerSummary;
use crate::error::{Error, Result};
use crate::money;
use crate::time::TimeUnit;

/// Many customers' summaries as parallel columns (`x`, `t_x`, `T`, `m` in the papers'
/// notation), ready for vectorised model evaluation.
///
/// # Examples
///
/// ```
/// use customer_value::SummaryColumns;
///
/// let cols = SummaryColumns::from_parts(
///     vec!["a", "b"],
///     vec![2.0, 0.0],
///     vec![30.43, 0.0],
///     vec![38.86, 38.86],
///     vec![22.35, 0.0],
/// )?;
/// assert_eq!(cols.len(), 2);
/// // t_x > T is not a summary.
/// assert!(SummaryColumns::from_parts(vec![1], vec![1.0], vec![5.0], vec![4.0], vec![1.0]).is_err());
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SummaryColumns<K> {
    /// Customer keys.
    pub customers: Vec<K>,
    /// Repeat purchases `x`.
    pub frequency: Vec<f64>,
    /// Recency `t_x`, in the unit.
    pub recency: Vec<f64>,
    /// Age `T`, in the unit.
    pub age: Vec<f64>,
    /// Mean repeat spend `m` (0 without repeats), as f64.
    pub monetary_value: Vec<f64>,
    /// Holdout columns, when the summaries have a holdout.
    pub holdout: Option<HoldoutColumns>,
    /// The time unit of recency, age and durations, when known ([`Summaries::columns`]
    /// sets the spec's; [`from_parts`](Self::from_parts) leaves it unset): the unit a
    /// model fitted on these columns records.
    ///
    /// [`Summaries::columns`]: crate::Summaries::columns
    #[serde(default)]
    pub unit: Option<TimeUnit>,
}

/// Holdout columns, parallel to the calibration columns.
///
/// # Examples
///
/// ```
/// use chrono::NaiveDate;
/// use customer_value::{summarise, SummarySpec, Transaction};
/// use rust_decimal::Decimal;
///
/// let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
/// let log = [Transaction::new(1_u8, d(1, 1), Decimal::TEN), Transaction::new(1, d(2, 5), Decimal::TWO)];
/// let spec = SummarySpec::new(d(2, 29)).with_calibration_end(d(1, 31));
/// let holdout = summarise(spec, &log)?.columns().holdout.expect("the spec has a holdout");
/// assert_eq!((holdout.frequency[0], holdout.monetary_value[0], holdout.duration[0]), (1.0, 2.0, 29.0));
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HoldoutColumns {
    /// Purchase periods in the holdout.
    pub frequency: Vec<f64>,
    /// Mean spend of holdout purchase periods, as f64.
    pub monetary_value: Vec<f64>,
    /// Length of the holdout, in the unit.
    pub duration: Vec<f64>,
}

impl<K: Clone> SummaryColumns<K> {
    /// Columns from summaries (holdout columns only if every summary has a holdout).
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use customer_value::{summarise, SummaryColumns, SummarySpec, Transaction};
    /// use rust_decimal::Decimal;
    ///
    /// let d = |day| NaiveDate::from_ymd_opt(2024, 1, day).unwrap();
    /// let log = [Transaction::new(1_u8, d(1), Decimal::TEN), Transaction::new(1, d(8), Decimal::new(25, 1))];
    /// let s = summarise(SummarySpec::new(d(15)), &log)?;
    /// let cols = SummaryColumns::from_summaries(&s.customers);
    /// assert_eq!((cols.frequency[0], cols.recency[0], cols.age[0], cols.monetary_value[0]), (1.0, 7.0, 14.0, 2.5));
    /// assert_eq!(cols.unit, None); // `Summaries::columns` also records the spec's unit
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn from_summaries(summaries: &[CustomerSummary<K>]) -> Self {
        let n = summaries.len();
        let mut cols = SummaryColumns {
            customers: Vec::with_capacity(n),
            frequency: Vec::with_capacity(n),
            recency: Vec::with_capacity(n),
            age: Vec::with_capacity(n),
            monetary_value: Vec::with_capacity(n),
            holdout: None,
            unit: None,
        };
        let mut hold = HoldoutColumns {
            frequency: Vec::with_capacity(n),
            monetary_value: Vec::with_capacity(n),
            duration: Vec::with_capacity(n),
        };
        let mut all_holdout = true;
        for s in summaries {
            cols.customers.push(s.customer.clone());
            cols.frequency.push(f64::from(s.frequency));
            cols.recency.push(s.recency);
            cols.age.push(s.age);
            cols.monetary_value.push(money::to_f64(s.monetary_value));
            match &s.holdout {
                Some(h) if all_holdout => {
                    hold.frequency.push(f64::from(h.frequency));
                    hold.monetary_value.push(money::to_f64(h.monetary_value));
                    hold.duration.push(h.duration);
                }
                _ => all_holdout = false,
            }
        }
        if all_holdout && n > 0 {
            cols.holdout = Some(hold);
        }
        cols
    }
}

impl<K> SummaryColumns<K> {
    /// Columns from raw vectors (summaries computed elsewhere), validated.
    ///
    /// # Errors
    ///
    /// [`Error::LengthMismatch`] if the columns differ in length; [`Error::InvalidRow`] for
    /// the first row that is not a summary: a value that is not finite, a negative
    /// frequency, recency or age, `recency > age`, a fractional frequency, or
    /// `frequency = 0` with `recency ≠ 0`. A negative monetary value (returns netted in) is
    /// accepted.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::{Error, SummaryColumns};
    ///
    /// // A fractional frequency is not a count of repeat purchases.
    /// let err = SummaryColumns::from_parts(vec!["a"], vec![1.5], vec![3.0], vec![9.0], vec![10.0]).unwrap_err();
    /// assert!(matches!(err, Error::InvalidRow { row: 0, .. }));
    /// let err = SummaryColumns::from_parts(vec!["a", "b"], vec![1.0], vec![3.0], vec![9.0], vec![10.0]).unwrap_err();
    /// assert!(matches!(err, Error::LengthMismatch { right: "frequency", .. }));
    /// ```
    pub fn from_parts(
        customers: Vec<K>,
        frequency: Vec<f64>,
        recency: Vec<f64>,
        age: Vec<f64>,
        monetary_value: Vec<f64>,
    ) -> Result<Self> {
        let n = customers.len();
        for (name, len) in [
            ("frequency", frequency.len()),
            ("recency", recency.len()),
            ("age", age.len()),
            ("monetary_value", monetary_value.len()),
        ] {
            if len != n {
                return Err(Error::LengthMismatch {
                    left: "customers",
                    left_len: n,
                    right: name,
                    right_len: len,
                });
            }
        }
        let cols = SummaryColumns {
            customers,
            frequency,
            recency,
            age,
            monetary_value,
            holdout: None,
            unit: None,
        };
        cols.validate()?;
        Ok(cols)
    }

    /// The same columns, declared to be in `unit`.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::{SummaryColumns, TimeUnit};
    ///
    /// let cols = SummaryColumns::from_parts(vec![1], vec![2.0], vec![30.43], vec![38.86], vec![22.35])?;
    /// assert_eq!(cols.with_unit(TimeUnit::WEEK).unit, Some(TimeUnit::WEEK));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn with_unit(mut self, unit: TimeUnit) -> Self {
        self.unit = Some(unit);
        self
    }

    /// Number of customers.
    #[must_use]
    pub fn len(&self) -> usize {
        self.customers.len()
    }

    /// Whether there are no customers.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.customers.is_empty()
    }

    /// Checks every row is a valid summary (see [`from_parts`](Self::from_parts)).
    ///
    /// # Errors
    ///
    /// As [`from_parts`](Self::from_parts).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::SummaryColumns;
    ///
    /// let mut cols = SummaryColumns::from_parts(vec![1, 2], vec![2.0, 0.0], vec![30.43, 0.0], vec![38.86, 38.86], vec![22.35, 0.0])?;
    /// cols.recency[1] = 5.0; // a recency without a repeat purchase
    /// assert!(cols.validate().is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn validate(&self) -> Result<()> {
        let rows = self
            .frequency
            .iter()
            .zip(&self.recency)
            .zip(&self.age)
            .zip(&self.monetary_value);
        for (i, (((&x, &tx), &t), &m)) in rows.enumerate() {
            let bad = |reason: &str| Error::InvalidRow {
                row: i as u64,
                reason: format!("x = {x}, t_x = {tx}, T = {t}, m = {m}: {reason}"),
            };
            if ![x, tx, t, m].iter().all(|v| v.is_finite()) {
                return Err(bad("values must be finite"));
            }
            if x < 0.0 || tx < 0.0 || t < 0.0 {
                return Err(bad("frequency, recency and age must be non-negative"));
            }
            if x.fract() != 0.0 {
                return Err(bad("frequency must be a whole number"));
            }
            if tx > t {
                return Err(bad("recency must not exceed age"));
            }
            if x == 0.0 && tx != 0.0 {
                return Err(bad("recency must be 0 without repeat purchases"));
            }
        }
        Ok(())
    }
}

//! [`History`]: one customer's validated purchase history `(x, t_x, T)` as the models read it,
//! the typed way into [`TransactionModel`](super::TransactionModel).
//!
//! Owns the row type and its conversions from the summary rows; the checks themselves are
//! `data::check_summary`, shared with the positional and batch paths.

use serde::{Deserialize, Serialize};

use super::data::{SummarySlices, check_summary};
use crate::error::{Error, Result};
use crate::summary::CustomerSummary;

/// One customer's purchase history in the BTYD papers' terms: `frequency` x (repeat
/// purchases), `recency` t_x (time from the **first** purchase to the last one) and `age` T
/// (time from the first purchase to the end of the window), in the unit of the summaries.
///
/// The recency here is the papers' t_x, as in
/// [`CustomerSummary::recency`](crate::summary::CustomerSummary::recency); it is **not**
/// RFM recency, the time *since* the last purchase
/// ([`RfmValues::recency`](crate::segment::RfmValues::recency), `T − t_x`).
///
/// Built only through [`new`](Self::new) (or serde, or a summary row), so every value is a
/// valid summary: finite, ≥ 0, `t_x ≤ T`, and `t_x = 0` when `x = 0`. The frequency is a
/// whole number by type, so a frequency swapped with a time does not compile, and a
/// recency swapped with the age fails unless the two are equal. Pass it to the
/// `*_for` methods of [`TransactionModel`](super::TransactionModel).
///
/// # Examples
///
/// ```
/// use customer_value::Error;
/// use customer_value::btyd::{BgNbd, History, TransactionModel};
///
/// let model = BgNbd::new(0.2425945, 4.4136019, 0.7929199, 2.4258881)?;
/// let customer = History::new(2, 30.43, 38.86)?;
/// let alive = model.probability_alive_for(customer)?;
/// assert!((alive - 0.7263).abs() < 1e-3);
/// // Recency and age swapped: caught when the row is built, naming the field.
/// let swapped = History::new(2, 38.86, 30.43).unwrap_err();
/// assert!(matches!(swapped, Error::InvalidParameter { name: "recency", .. }));
/// # Ok::<(), customer_value::Error>(())
/// ```
///
/// A time where the frequency goes does not compile:
///
/// ```compile_fail
/// use customer_value::btyd::History;
/// let _ = History::new(30.43, 2.0, 38.86);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "HistoryFields", into = "HistoryFields")]
pub struct History {
    frequency: u32,
    recency: f64,
    age: f64,
}

/// The serialised form of [`History`]; deserialising validates through [`History::new`].
#[derive(Serialize, Deserialize)]
struct HistoryFields {
    frequency: u32,
    recency: f64,
    #[serde(alias = "T")]
    age: f64,
}

impl TryFrom<HistoryFields> for History {
    type Error = Error;

    fn try_from(f: HistoryFields) -> Result<Self> {
        History::new(f.frequency, f.recency, f.age)
    }
}

impl From<History> for HistoryFields {
    fn from(h: History) -> Self {
        HistoryFields {
            frequency: h.frequency,
            recency: h.recency,
            age: h.age,
        }
    }
}

impl History {
    /// A validated history: `frequency` repeat purchases, `recency` t_x and `age` T.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] naming the field (`"recency"` or `"age"`) that is not
    /// finite, negative, a recency beyond the age, or a recency other than 0 without
    /// repeat purchases.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::Error;
    /// use customer_value::btyd::History;
    ///
    /// let h = History::new(2, 30.43, 38.86)?;
    /// assert_eq!((h.frequency(), h.recency(), h.age()), (2, 30.43, 38.86));
    /// assert!(matches!(History::new(0, 5.0, 38.86), Err(Error::InvalidParameter { name: "recency", .. })));
    /// assert!(matches!(History::new(1, 0.0, f64::NAN), Err(Error::InvalidParameter { name: "age", .. })));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn new(frequency: u32, recency: f64, age: f64) -> Result<Self> {
        check_summary(f64::from(frequency), recency, age)?;
        Ok(History {
            frequency,
            recency,
            age,
        })
    }

    /// A history from the models' `f64` columns (whole `frequency`), as the positional and
    /// batch methods take them.
    ///
    /// # Errors
    ///
    /// As [`new`](Self::new), and [`Error::InvalidParameter`] naming `"frequency"` when it
    /// is not a whole number in `0..=u32::MAX`.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::History;
    ///
    /// assert_eq!(History::from_f64(2.0, 30.43, 38.86)?, History::new(2, 30.43, 38.86)?);
    /// assert!(History::from_f64(2.5, 30.43, 38.86).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn from_f64(frequency: f64, recency: f64, age: f64) -> Result<Self> {
        check_summary(frequency, recency, age)?;
        if frequency > f64::from(u32::MAX) {
            return Err(Error::param("frequency", frequency, "must not exceed u32::MAX"));
        }
        // Whole and in range (checked above), so the cast is exact.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let x = frequency as u32;
        Ok(History {
            frequency: x,
            recency,
            age,
        })
    }

    /// Repeat purchases, the papers' x.
    ///
    /// ```
    /// # use customer_value::btyd::History;
    /// assert_eq!(History::new(2, 30.43, 38.86)?.frequency(), 2);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn frequency(&self) -> u32 {
        self.frequency
    }

    /// Time from the first purchase to the last, the papers' t_x (not RFM recency).
    ///
    /// ```
    /// # use customer_value::btyd::History;
    /// assert_eq!(History::new(2, 30.43, 38.86)?.recency(), 30.43);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn recency(&self) -> f64 {
        self.recency
    }

    /// Time from the first purchase to the end of the window, the papers' T.
    ///
    /// ```
    /// # use customer_value::btyd::History;
    /// assert_eq!(History::new(2, 30.43, 38.86)?.age(), 38.86);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn age(&self) -> f64 {
        self.age
    }

    /// Time since the last purchase, `T − t_x`: RFM's recency
    /// ([`RfmValues::recency`](crate::segment::RfmValues::recency)).
    ///
    /// ```
    /// # use customer_value::btyd::History;
    /// assert!((History::new(2, 30.43, 38.86)?.time_since_last_purchase() - 8.43).abs() < 1e-12);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn time_since_last_purchase(&self) -> f64 {
        self.age - self.recency
    }

    /// `(x, t_x, T)` as the positional methods take them.
    ///
    /// ```
    /// # use customer_value::btyd::History;
    /// assert_eq!(History::new(2, 30.43, 38.86)?.to_f64s(), (2.0, 30.43, 38.86));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn to_f64s(&self) -> (f64, f64, f64) {
        (f64::from(self.frequency), self.recency, self.age)
    }
}

/// The calibration `(frequency, recency, age)` of a summary row.
///
/// ```
/// use chrono::NaiveDate;
/// use customer_value::btyd::History;
/// use customer_value::{summarise, SummarySpec, TimeUnit, Transaction};
/// use rust_decimal::Decimal;
///
/// let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
/// let log = [Transaction::new(1_u32, d(1, 1), Decimal::TEN), Transaction::new(1, d(1, 11), Decimal::TEN)];
/// let summaries = summarise(SummarySpec::new(d(3, 31)).with_unit(TimeUnit::DAY), &log)?;
/// let h = History::try_from(&summaries.customers[0])?;
/// assert_eq!((h.frequency(), h.recency(), h.age()), (1, 10.0, 90.0));
/// # Ok::<(), customer_value::Error>(())
/// ```
impl<K> TryFrom<&CustomerSummary<K>> for History {
    type Error = Error;

    fn try_from(s: &CustomerSummary<K>) -> Result<Self> {
        History::new(s.frequency, s.recency, s.age)
    }
}

impl SummarySlices<'_> {
    /// Row `i` as a [`History`]; `None` past the end.
    ///
    /// # Errors
    ///
    /// Inside the `Some`: as [`History::from_f64`], for an invalid row.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::{History, SummarySlices};
    ///
    /// let rows = SummarySlices::new(&[2.0, 0.0], &[30.43, 0.0], &[38.86, 38.86])?;
    /// assert_eq!(rows.history(0).transpose()?, Some(History::new(2, 30.43, 38.86)?));
    /// assert!(rows.history(2).is_none());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn history(&self, i: usize) -> Option<Result<History>> {
        let (x, tx, t) = self.row(i)?;
        Some(History::from_f64(x, tx, t))
    }

    /// Every row as a [`History`], in order.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::SummarySlices;
    ///
    /// let rows = SummarySlices::new(&[2.0, 0.0], &[30.43, 0.0], &[38.86, 38.86])?;
    /// let all = rows.histories().collect::<Result<Vec<_>, _>>()?;
    /// assert_eq!(all[1].frequency(), 0);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn histories(&self) -> impl Iterator<Item = Result<History>> + '_ {
        (0..self.len()).filter_map(|i| self.history(i))
    }
}

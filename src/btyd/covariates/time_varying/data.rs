//! Customers on the covariate grid: birth (calendar time), repeat purchase times and age,
//! with their purchase and dropout covariate tables, validated together.

use serde::{Deserialize, Serialize};

use super::table::TimeVaryingCovariates;
use crate::error::{Error, Result};

/// One customer: first purchase at calendar time `birth` (periods from the grid's origin),
/// repeat purchases at `purchases` (customer time, since the first purchase, in
/// `(0, age]`), observed until customer time `age` (the model's `T`).
///
/// # Examples
///
/// ```
/// use customer_value::btyd::covariates::time_varying::TvCustomer;
/// let c = TvCustomer::new(0.0, vec![3.5, 10.0], 52.0)?;
/// assert_eq!((c.frequency(), c.recency()), (2.0, 10.0));
/// assert!(TvCustomer::new(0.0, vec![60.0], 52.0).is_err());
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TvCustomer {
    birth: f64,
    purchases: Vec<f64>,
    age: f64,
}

impl TvCustomer {
    /// Validates `birth ≥ 0`, `age > 0`, purchases in `(0, age]` (sorted here).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`].
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::covariates::time_varying::TvCustomer;
    ///
    /// // First purchase 2.5 periods after the grid's origin, repeats (in any order) at
    /// // customer times 10 and 3.5, observed for 52 periods.
    /// let c = TvCustomer::new(2.5, vec![10.0, 3.5], 52.0)?;
    /// assert_eq!((c.birth(), c.purchases(), c.age()), (2.5, &[3.5, 10.0][..], 52.0));
    /// assert_eq!((c.frequency(), c.recency()), (2.0, 10.0)); // x and t_x
    /// assert_eq!(TvCustomer::new(0.0, vec![], 52.0)?.recency(), 0.0);
    /// // A purchase at customer time 0 is the first purchase, not a repeat.
    /// assert!(TvCustomer::new(0.0, vec![0.0], 52.0).is_err());
    /// assert!(TvCustomer::new(-1.0, vec![], 52.0).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn new(birth: f64, mut purchases: Vec<f64>, age: f64) -> Result<Self> {
        if !(birth.is_finite() && birth >= 0.0) {
            return Err(Error::param("birth", birth, "must be finite and ≥ 0"));
        }
        if !(age.is_finite() && age > 0.0) {
            return Err(Error::param("age", age, "must be finite and > 0"));
        }
        if let Some(t) = purchases
            .iter()
            .find(|t| !(t.is_finite() && **t > 0.0 && **t <= age))
        {
            return Err(Error::param("purchase time", t, "must be in (0, age]"));
        }
        purchases.sort_by(f64::total_cmp);
        Ok(TvCustomer {
            birth,
            purchases,
            age,
        })
    }
    /// Calendar time of the first purchase.
    #[must_use]
    pub fn birth(&self) -> f64 {
        self.birth
    }
    /// Repeat purchase times (customer time), sorted.
    #[must_use]
    pub fn purchases(&self) -> &[f64] {
        &self.purchases
    }
    /// `T`.
    #[must_use]
    pub fn age(&self) -> f64 {
        self.age
    }
    /// `x`, the repeat purchases.
    #[must_use]
    pub fn frequency(&self) -> f64 {
        self.purchases.len() as f64
    }
    /// `t_x`, the last repeat purchase (0 without).
    #[must_use]
    pub fn recency(&self) -> f64 {
        self.purchases.last().copied().unwrap_or(0.0)
    }
}

/// Customers with their time-varying covariates, one table per process (row `i` of both
/// belongs to customer `i`; the tables may share columns). Each table must cover every
/// customer's `[birth, birth + age]`; rows after that are ignored by the likelihood.
///
/// # Examples
///
/// ```
/// use customer_value::btyd::covariates::time_varying::{TimeVaryingCovariates, TimeVaryingData, TvCustomer};
///
/// let t = TimeVaryingCovariates::new(vec!["season".into()], 1, 4, vec![0.0, 1.0, 1.0, 0.0])?;
/// let c = TvCustomer::new(0.5, vec![1.2], 3.0)?;
/// let data = TimeVaryingData::new(vec![c.clone()], t.clone(), t.clone())?;
/// assert_eq!(data.len(), 1);
/// // Calendar time 0.5 + 4.0 is past the grid's 4 periods.
/// assert!(TimeVaryingData::new(vec![TvCustomer::new(0.5, vec![], 4.0)?], t.clone(), t).is_err());
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimeVaryingData {
    pub(super) customers: Vec<TvCustomer>,
    pub(super) purchase: TimeVaryingCovariates,
    pub(super) dropout: TimeVaryingCovariates,
}

impl TimeVaryingData {
    /// Validates that both tables have a row per customer and cover each customer's
    /// observation period.
    ///
    /// # Errors
    ///
    /// [`Error::EmptyInput`], [`Error::LengthMismatch`], [`Error::InvalidRow`] naming the
    /// first customer whose period the grid does not cover.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::covariates::time_varying::{TimeVaryingCovariates, TimeVaryingData, TvCustomer};
    /// use customer_value::Error;
    ///
    /// // Two customers on a grid of 4 periods: a season flag on purchases, no dropout covariates.
    /// let season = TimeVaryingCovariates::new(vec!["season".into()], 2, 4, vec![0.0, 1.0, 1.0, 0.0, 0.0, 1.0, 1.0, 0.0])?;
    /// let none = TimeVaryingCovariates::empty(2, 4);
    /// let customers = vec![TvCustomer::new(0.0, vec![1.5], 3.0)?, TvCustomer::new(1.0, vec![], 2.5)?];
    /// let data = TimeVaryingData::new(customers.clone(), season.clone(), none.clone())?;
    /// assert_eq!((data.len(), data.purchase().names()), (2, &["season".to_owned()][..]));
    /// assert_eq!(data.customers()[1].birth(), 1.0);
    /// // One customer for tables of two.
    /// assert!(matches!(TimeVaryingData::new(customers[..1].to_vec(), season.clone(), none.clone()), Err(Error::LengthMismatch { .. })));
    /// // The second customer's period ends at calendar time 1 + 3.5, past the grid.
    /// let late = vec![customers[0].clone(), TvCustomer::new(1.0, vec![], 3.5)?];
    /// assert!(matches!(TimeVaryingData::new(late, season, none), Err(Error::InvalidRow { row: 1, .. })));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn new(
        customers: Vec<TvCustomer>,
        purchase: TimeVaryingCovariates,
        dropout: TimeVaryingCovariates,
    ) -> Result<Self> {
        if customers.is_empty() {
            return Err(Error::EmptyInput { what: "customers" });
        }
        for (what, t) in [
            ("purchase covariate customers", &purchase),
            ("dropout covariate customers", &dropout),
        ] {
            if t.customers() != customers.len() {
                return Err(Error::LengthMismatch {
                    left: "customers",
                    left_len: customers.len(),
                    right: what,
                    right_len: t.customers(),
                });
            }
        }
        let periods = purchase.periods().min(dropout.periods());
        for (i, c) in customers.iter().enumerate() {
            if last_period(c.birth, c.age) >= periods {
                return Err(Error::InvalidRow {
                    row: i as u64,
                    reason: format!(
                        "calendar time {} (birth + age) is past the covariate grid's {periods} periods",
                        c.birth + c.age
                    ),
                });
            }
        }
        Ok(TimeVaryingData {
            customers,
            purchase,
            dropout,
        })
    }
    /// Customers.
    #[must_use]
    pub fn len(&self) -> usize {
        self.customers.len()
    }
    /// Never true for a constructed value.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.customers.is_empty()
    }
    /// The customers.
    #[must_use]
    pub fn customers(&self) -> &[TvCustomer] {
        &self.customers
    }
    /// The purchase covariates.
    #[must_use]
    pub fn purchase(&self) -> &TimeVaryingCovariates {
        &self.purchase
    }
    /// The dropout covariates.
    #[must_use]
    pub fn dropout(&self) -> &TimeVaryingCovariates {
        &self.dropout
    }
}

/// The period holding calendar time `birth + tau`, where an interval ending exactly on a
/// boundary belongs to the period before it.
pub(super) fn last_period(birth: f64, tau: f64) -> usize {
    let e = birth + tau;
    let k = e.ceil() - 1.0;
    k.max(birth.floor()).max(0.0) as usize
}

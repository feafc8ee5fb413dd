//! Summaries with their customers' covariates, validated together, and the grouping of
//! customers that share a covariate row (the likelihood's unit of work).

use serde::Serialize;

use super::matrix::CovariateMatrix;
use crate::btyd::WeightedSummaries;
use crate::btyd::data::{check_summary, row_error};
use crate::error::{Error, Result};
use crate::time::TimeUnit;

/// Per-customer summaries `(x, t_x, T)` with a covariate matrix for the purchase process
/// and one for the dropout process (either may have no columns, and they may share
/// columns). Row `i` of both matrices belongs to customer `i`.
///
/// # Examples
///
/// ```
/// use customer_value::btyd::covariates::{CovariateData, CovariateMatrix};
///
/// let x = CovariateMatrix::from_columns(3, &[("offline", &[0.0, 1.0, 1.0])])?;
/// let data = CovariateData::new(&[0.0, 2.0, 1.0], &[0.0, 5.0, 3.0], &[10.0, 10.0, 9.0], x.clone(), x)?;
/// assert_eq!(data.len(), 3);
/// assert!(CovariateData::new(&[0.0], &[0.0], &[1.0], CovariateMatrix::empty(2), CovariateMatrix::empty(1)).is_err());
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CovariateData {
    frequency: Vec<f64>,
    recency: Vec<f64>,
    age: Vec<f64>,
    purchase: CovariateMatrix,
    dropout: CovariateMatrix,
    unit: Option<TimeUnit>,
}

impl CovariateData {
    /// Validates the summaries (as the models do: whole `x ≥ 0`, `0 ≤ t_x ≤ T`, `t_x = 0`
    /// when `x = 0`) and that both matrices have one row per customer.
    ///
    /// # Errors
    ///
    /// [`Error::LengthMismatch`]; [`Error::InvalidRow`] for the first bad summary;
    /// [`Error::EmptyInput`] without customers.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::covariates::{CovariateData, CovariateMatrix};
    ///
    /// let m = CovariateMatrix::from_columns(3, &[("offline", &[1.0, 0.0, 1.0])])?;
    /// let data = CovariateData::new(&[0.0, 2.0, 1.0], &[0.0, 20.0, 5.0], &[40.0, 40.0, 30.0], m.clone(), m.clone())?;
    /// assert_eq!(data.summary(1), Some((2.0, 20.0, 40.0)));
    /// // t_x > T is refused, naming the row.
    /// assert!(CovariateData::new(&[1.0], &[50.0], &[40.0], CovariateMatrix::empty(1), CovariateMatrix::empty(1)).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn new(
        frequency: &[f64],
        recency: &[f64],
        age: &[f64],
        purchase: CovariateMatrix,
        dropout: CovariateMatrix,
    ) -> Result<Self> {
        let n = frequency.len();
        for (name, len) in [
            ("recency", recency.len()),
            ("age", age.len()),
            ("purchase covariate rows", purchase.rows()),
            ("dropout covariate rows", dropout.rows()),
        ] {
            if len != n {
                return Err(Error::LengthMismatch {
                    left: "frequency",
                    left_len: n,
                    right: name,
                    right_len: len,
                });
            }
        }
        if n == 0 {
            return Err(Error::EmptyInput { what: "customers" });
        }
        for (i, ((&x, &tx), &t)) in frequency.iter().zip(recency).zip(age).enumerate() {
            check_summary(x, tx, t).map_err(|e| row_error(i, e))?;
        }
        Ok(CovariateData {
            frequency: frequency.to_vec(),
            recency: recency.to_vec(),
            age: age.to_vec(),
            purchase,
            dropout,
            unit: None,
        })
    }

    /// Records the time unit of recency and age (fits carry it to their models).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::TimeUnit;
    /// use customer_value::btyd::covariates::{CovariateData, CovariateMatrix};
    ///
    /// let data = CovariateData::new(&[1.0], &[5.0], &[40.0], CovariateMatrix::empty(1), CovariateMatrix::empty(1))?;
    /// assert_eq!(data.with_unit(TimeUnit::WEEK).unit(), Some(TimeUnit::WEEK));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn with_unit(mut self, unit: TimeUnit) -> Self {
        self.unit = Some(unit);
        self
    }

    /// The time unit, when known.
    #[must_use]
    pub fn unit(&self) -> Option<TimeUnit> {
        self.unit
    }

    /// Customers.
    #[must_use]
    pub fn len(&self) -> usize {
        self.frequency.len()
    }

    /// Whether there are no customers (never true for a constructed value).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.frequency.is_empty()
    }

    /// The purchase-process covariates.
    #[must_use]
    pub fn purchase(&self) -> &CovariateMatrix {
        &self.purchase
    }

    /// The dropout-process covariates.
    #[must_use]
    pub fn dropout(&self) -> &CovariateMatrix {
        &self.dropout
    }

    /// Customer `i`'s summary `(x, t_x, T)`, `None` past the end.
    ///
    /// ```
    /// use customer_value::btyd::covariates::{CovariateData, CovariateMatrix};
    ///
    /// let m = CovariateMatrix::from_columns(2, &[("offline", &[0.0, 1.0])])?;
    /// let data = CovariateData::new(&[0.0, 2.0], &[0.0, 30.43], &[38.86, 38.86], m, CovariateMatrix::empty(2))?;
    /// assert_eq!(data.summary(1), Some((2.0, 30.43, 38.86)));
    /// assert_eq!(data.summary(2), None);
    /// assert_eq!(data.summaries().0, [0.0, 2.0]); // the columns, in the customers' order
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn summary(&self, i: usize) -> Option<(f64, f64, f64)> {
        Some((*self.frequency.get(i)?, *self.recency.get(i)?, *self.age.get(i)?))
    }

    /// The summaries as parallel columns `(x, t_x, T)`.
    #[must_use]
    pub fn summaries(&self) -> (&[f64], &[f64], &[f64]) {
        (&self.frequency, &self.recency, &self.age)
    }

    /// All customers' summaries, compressed, without covariates (the pooled model's data).
    pub(super) fn pooled(&self) -> Result<WeightedSummaries> {
        let w = WeightedSummaries::from_rows(&self.frequency, &self.recency, &self.age)?;
        Ok(match self.unit {
            Some(u) => w.with_unit(u),
            None => w,
        })
    }

    /// Customers grouped by their covariate rows (purchase, dropout), each group's
    /// summaries compressed: the likelihood is evaluated once per distinct
    /// `(x, t_x, T, covariates)`. Groups come in order of their first customer.
    pub(super) fn groups(&self) -> Result<Vec<CovariateGroup>> {
        let mut index: std::collections::HashMap<Vec<u64>, usize, foldhash::fast::RandomState> =
            std::collections::HashMap::default();
        let mut members: Vec<Vec<usize>> = Vec::new();
        let mut key = Vec::with_capacity(self.purchase.columns() + self.dropout.columns());
        for i in 0..self.len() {
            key.clear();
            let (p, d) = (
                self.purchase.row(i).unwrap_or(&[]),
                self.dropout.row(i).unwrap_or(&[]),
            );
            // +0.0 and −0.0 are one covariate value.
            key.extend(p.iter().chain(d).map(|v| (v + 0.0).to_bits()));
            match index.get(&key) {
                Some(&g) => {
                    if let Some(m) = members.get_mut(g) {
                        m.push(i);
                    }
                }
                None => {
                    index.insert(key.clone(), members.len());
                    members.push(vec![i]);
                }
            }
        }
        members
            .into_iter()
            .map(|rows| {
                let first = rows.first().copied().unwrap_or(0);
                let pick = |col: &[f64]| {
                    rows.iter()
                        .filter_map(|&i| col.get(i).copied())
                        .collect::<Vec<f64>>()
                };
                let data = WeightedSummaries::from_rows(
                    &pick(&self.frequency),
                    &pick(&self.recency),
                    &pick(&self.age),
                )?;
                Ok(CovariateGroup {
                    purchase: self.purchase.row(first).unwrap_or(&[]).to_vec(),
                    dropout: self.dropout.row(first).unwrap_or(&[]).to_vec(),
                    data,
                })
            })
            .collect()
    }
}

/// Customers sharing one covariate row.
#[derive(Debug)]
pub(super) struct CovariateGroup {
    pub(super) purchase: Vec<f64>,
    pub(super) dropout: Vec<f64>,
    pub(super) data: WeightedSummaries,
}

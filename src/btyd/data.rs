//! Validated recency–frequency rows for the models, compressed into weighted distinct rows
//! (the sufficient statistics of every model here).
//!
//! Fitting reads a [`WeightedSummaries`]; a million customers cost what their distinct
//! `(x, t_x, T)` triples cost. Predictions read [`SummarySlices`], a borrowed view that
//! [`SummaryColumns`] converts into.

use serde::Serialize;

use crate::error::{Error, Result};
use crate::summary::SummaryColumns;
use crate::time::TimeUnit;

/// Checks one `(x, t_x, T)` summary: finite, non-negative, whole `x`, `t_x ≤ T`, and
/// `t_x = 0` when `x = 0`.
///
/// # Errors
///
/// [`Error::InvalidParameter`] naming the offending value.
#[inline]
#[allow(
    clippy::float_cmp,
    reason = "a whole `x` is one that survives the round trip exactly"
)]
pub(crate) fn check_summary(x: f64, t_x: f64, age: f64) -> Result<()> {
    // The common case in a few comparisons (NaN fails every one of them); `x as i64`
    // is exact below 2^52, where a whole `x` is one that survives the round trip (and
    // the signed conversions are single instructions).
    if (0.0..=4_503_599_627_370_496.0).contains(&x)
        && (x as i64) as f64 == x
        && 0.0 <= t_x
        && t_x <= age
        && age < f64::INFINITY
        && (x != 0.0 || t_x == 0.0)
    {
        return Ok(());
    }
    check_summary_slow(x, t_x, age)
}

#[cold]
fn check_summary_slow(x: f64, t_x: f64, age: f64) -> Result<()> {
    if !x.is_finite() || x < 0.0 || x.fract() != 0.0 {
        return Err(Error::param("frequency", x, "must be a finite whole number ≥ 0"));
    }
    if !t_x.is_finite() || t_x < 0.0 {
        return Err(Error::param("recency", t_x, "must be finite and ≥ 0"));
    }
    if !age.is_finite() || age < 0.0 {
        return Err(Error::param("age", age, "must be finite and ≥ 0"));
    }
    if t_x > age {
        return Err(Error::param("recency", t_x, "must not exceed age T"));
    }
    if x == 0.0 && t_x != 0.0 {
        return Err(Error::param("recency", t_x, "must be 0 when frequency is 0"));
    }
    Ok(())
}

/// Checks a horizon `t ≥ 0`, finite.
pub(crate) fn check_horizon(t: f64) -> Result<()> {
    if t.is_finite() && t >= 0.0 {
        Ok(())
    } else {
        Err(Error::param("t", t, "horizon must be finite and ≥ 0"))
    }
}

pub(crate) fn row_error(i: usize, e: Error) -> Error {
    Error::InvalidRow {
        row: i as u64,
        reason: e.to_string(),
    }
}

/// Distinct `(x, t_x, T)` rows with the number of customers (weight) of each, sorted by
/// `x` then `t_x` then `T`. Built by [`from_rows`](Self::from_rows) or from
/// [`SummaryColumns`]; rows are validated on the way in.
///
/// # Examples
///
/// ```
/// use customer_value::btyd::WeightedSummaries;
///
/// let w = WeightedSummaries::from_rows(&[2.0, 0.0, 0.0], &[30.43, 0.0, 0.0], &[38.86, 38.86, 38.86])?;
/// assert_eq!(w.len(), 2); // the two (0, 0, 38.86) customers became one row of weight 2
/// assert_eq!(w.total_weight(), 3.0);
/// # Ok::<(), customer_value::Error>(())
/// ```
///
/// The fields are private so that every value has passed validation; serialise it for
/// inspection, rebuild it through the constructors.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WeightedSummaries {
    frequency: Vec<f64>,
    recency: Vec<f64>,
    age: Vec<f64>,
    weight: Vec<f64>,
    /// The time unit of recency and age, when known.
    unit: Option<TimeUnit>,
}

impl WeightedSummaries {
    /// Compresses rows of single customers.
    ///
    /// # Errors
    ///
    /// [`Error::LengthMismatch`]; [`Error::InvalidRow`] for the first invalid row;
    /// [`Error::EmptyInput`] without rows.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::Error;
    /// use customer_value::btyd::WeightedSummaries;
    ///
    /// // Rows come back sorted by x, then t_x, then T.
    /// let w = WeightedSummaries::from_rows(&[3.0, 0.0, 1.0], &[20.0, 0.0, 5.0], &[30.0, 30.0, 30.0])?;
    /// assert_eq!(w.frequency(), [0.0, 1.0, 3.0]);
    /// // t_x > T is not a summary: the error names the row.
    /// let bad = WeightedSummaries::from_rows(&[1.0], &[31.0], &[30.0]);
    /// assert!(matches!(bad, Err(Error::InvalidRow { row: 0, .. })));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn from_rows(frequency: &[f64], recency: &[f64], age: &[f64]) -> Result<Self> {
        let ones = vec![1.0; frequency.len()];
        Self::from_weighted_rows(frequency, recency, age, &ones)
    }

    /// Compresses rows that already carry weights (e.g. the donation data's pattern counts).
    ///
    /// # Errors
    ///
    /// As [`from_rows`](Self::from_rows); also [`Error::InvalidRow`] for a weight that is not
    /// finite and positive.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::WeightedSummaries;
    ///
    /// // Two patterns counted in advance: 1,000 customers who never returned, 250 with 2 repeats.
    /// let w = WeightedSummaries::from_weighted_rows(&[0.0, 2.0], &[0.0, 8.0], &[10.0, 10.0], &[1000.0, 250.0])?;
    /// assert_eq!((w.len(), w.total_weight()), (2, 1250.0));
    /// assert!(WeightedSummaries::from_weighted_rows(&[0.0], &[0.0], &[10.0], &[0.0]).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn from_weighted_rows(
        frequency: &[f64],
        recency: &[f64],
        age: &[f64],
        weight: &[f64],
    ) -> Result<Self> {
        let n = frequency.len();
        for (name, len) in [
            ("recency", recency.len()),
            ("age", age.len()),
            ("weight", weight.len()),
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
            return Err(Error::EmptyInput { what: "summaries" });
        }
        let mut rows = Vec::with_capacity(n);
        // The lengths are equal (checked above), so the zip visits every row.
        let columns = frequency.iter().zip(recency).zip(age).zip(weight);
        for (i, (((&x, &tx), &t), &w)) in columns.enumerate() {
            check_summary(x, tx, t).map_err(|e| row_error(i, e))?;
            if !(w.is_finite() && w > 0.0) {
                return Err(row_error(i, Error::param("weight", w, "must be finite and > 0")));
            }
            rows.push((x, tx, t, w));
        }
        rows.sort_unstable_by(|a, b| {
            a.0.total_cmp(&b.0)
                .then(a.1.total_cmp(&b.1))
                .then(a.2.total_cmp(&b.2))
        });
        let mut out = WeightedSummaries {
            frequency: Vec::new(),
            recency: Vec::new(),
            age: Vec::new(),
            weight: Vec::new(),
            unit: None,
        };
        let mut last: Option<(f64, f64, f64)> = None;
        for (x, tx, t, w) in rows {
            let same = last.is_some_and(|(lx, ltx, lt)| {
                lx.to_bits() == x.to_bits() && ltx.to_bits() == tx.to_bits() && lt.to_bits() == t.to_bits()
            });
            match out.weight.last_mut() {
                Some(lw) if same => *lw += w,
                _ => {
                    out.frequency.push(x);
                    out.recency.push(tx);
                    out.age.push(t);
                    out.weight.push(w);
                    last = Some((x, tx, t));
                }
            }
        }
        Ok(out)
    }

    /// Compresses the calibration columns of [`SummaryColumns`].
    ///
    /// # Errors
    ///
    /// As [`from_rows`](Self::from_rows).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::{SummaryColumns, TimeUnit};
    /// use customer_value::btyd::WeightedSummaries;
    ///
    /// let cols = SummaryColumns::from_parts(vec!["a", "b", "c"], vec![2.0, 0.0, 0.0], vec![30.43, 0.0, 0.0],
    ///     vec![38.86, 38.86, 38.86], vec![22.35, 0.0, 0.0])?.with_unit(TimeUnit::WEEK);
    /// let w = WeightedSummaries::from_columns(&cols)?;
    /// assert_eq!((w.len(), w.weight()), (2, &[2.0, 1.0][..]));
    /// assert_eq!(w.unit(), Some(TimeUnit::WEEK)); // the columns' unit is kept
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn from_columns<K>(columns: &SummaryColumns<K>) -> Result<Self> {
        let mut w = Self::from_rows(&columns.frequency, &columns.recency, &columns.age)?;
        w.unit = columns.unit;
        Ok(w)
    }

    /// The same rows, declared to be in `unit` (a model fitted on them records it).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::TimeUnit;
    /// use customer_value::btyd::WeightedSummaries;
    ///
    /// let w = WeightedSummaries::from_rows(&[1.0], &[3.0], &[5.0])?.with_unit(TimeUnit::WEEK);
    /// assert_eq!(w.unit(), Some(TimeUnit::WEEK));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn with_unit(mut self, unit: TimeUnit) -> Self {
        self.unit = Some(unit);
        self
    }

    /// The time unit of recency and age, when known (from [`SummaryColumns::unit`] or
    /// [`with_unit`](Self::with_unit)).
    #[must_use]
    pub fn unit(&self) -> Option<TimeUnit> {
        self.unit
    }

    /// [`Error::NotIdentifiable`] unless the rows can identify a purchase model of
    /// `parameters` parameters: someone repeats a purchase, and there are at least as
    /// many distinct rows as parameters.
    pub(crate) fn check_identifiable(&self, model: &'static str, parameters: usize) -> Result<()> {
        if !self.rows().any(|(x, _, _, _)| x > 0.0) {
            return Err(Error::NotIdentifiable {
                model,
                reason: format!(
                    "no customer repeats a purchase ({} customers, all with x = 0): the purchase rate and the dropout are not separable",
                    self.total_weight()
                ),
            });
        }
        if self.len() < parameters {
            return Err(Error::NotIdentifiable {
                model,
                reason: format!(
                    "{} distinct (x, t_x, T) rows cannot identify {parameters} parameters",
                    self.len()
                ),
            });
        }
        Ok(())
    }

    /// Repeat purchases `x` of each distinct row.
    #[must_use]
    pub fn frequency(&self) -> &[f64] {
        &self.frequency
    }

    /// Recency `t_x` of each distinct row.
    #[must_use]
    pub fn recency(&self) -> &[f64] {
        &self.recency
    }

    /// Age `T` of each distinct row.
    #[must_use]
    pub fn age(&self) -> &[f64] {
        &self.age
    }

    /// Customers with each distinct row (positive, not necessarily whole).
    ///
    /// ```
    /// use customer_value::btyd::WeightedSummaries;
    ///
    /// // Three customers, two of them with the same (x, t_x, T): two rows.
    /// let d = WeightedSummaries::from_rows(&[0.0, 2.0, 0.0], &[0.0, 30.43, 0.0], &[38.86; 3])?;
    /// assert_eq!(d.len(), 2);
    /// let rows: Vec<(f64, f64)> = d.frequency().iter().copied().zip(d.weight().iter().copied()).collect();
    /// assert!(rows.contains(&(0.0, 2.0)) && rows.contains(&(2.0, 1.0)));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn weight(&self) -> &[f64] {
        &self.weight
    }

    /// Distinct rows.
    #[must_use]
    pub fn len(&self) -> usize {
        self.weight.len()
    }

    /// Whether there are no rows (never true for a constructed value).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.weight.is_empty()
    }

    /// Customers represented (Σ weights).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::WeightedSummaries;
    ///
    /// let w = WeightedSummaries::from_weighted_rows(&[0.0, 0.0], &[0.0, 0.0], &[5.0, 5.0], &[1.5, 2.5])?;
    /// assert_eq!((w.len(), w.total_weight()), (1, 4.0));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn total_weight(&self) -> f64 {
        self.weight.iter().sum()
    }

    /// Σ T / Σ x over the customers (1 without purchases): a start for the purchase-rate
    /// scale α at which `r = 1` gives the pooled purchase rate.
    pub(crate) fn pooled_alpha_start(&self) -> f64 {
        let sx: f64 = self.rows().map(|(x, _, _, w)| w * x).sum();
        let st: f64 = self.rows().map(|(_, _, t, w)| w * t).sum();
        if sx > 0.0 && st > 0.0 { st / sx } else { 1.0 }
    }

    /// Rows as tuples `(x, t_x, T, weight)`.
    pub(crate) fn rows(&self) -> impl Iterator<Item = (f64, f64, f64, f64)> + '_ {
        self.frequency
            .iter()
            .zip(&self.recency)
            .zip(&self.age)
            .zip(&self.weight)
            .map(|(((&x, &tx), &t), &w)| (x, tx, t, w))
    }
}

/// A borrowed columnar view of `(x, t_x, T)` for batch predictions.
///
/// # Examples
///
/// ```
/// use customer_value::btyd::SummarySlices;
///
/// let rows = SummarySlices::new(&[2.0, 0.0], &[30.43, 0.0], &[38.86, 38.86])?;
/// assert_eq!(rows.len(), 2);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct SummarySlices<'a> {
    frequency: &'a [f64],
    recency: &'a [f64],
    age: &'a [f64],
}

impl<'a> SummarySlices<'a> {
    /// A view of three parallel columns.
    ///
    /// # Errors
    ///
    /// [`Error::LengthMismatch`] if the lengths differ. Rows are checked when used.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::Error;
    /// use customer_value::btyd::SummarySlices;
    ///
    /// let err = SummarySlices::new(&[1.0, 2.0], &[3.0, 4.0], &[5.0]).unwrap_err();
    /// assert!(matches!(err, Error::LengthMismatch { right: "age", right_len: 1, .. }));
    /// // Rows are checked when a model uses them, not here.
    /// assert!(SummarySlices::new(&[1.0], &[9.0], &[5.0]).is_ok());
    /// ```
    pub fn new(frequency: &'a [f64], recency: &'a [f64], age: &'a [f64]) -> Result<Self> {
        for (name, len) in [("recency", recency.len()), ("age", age.len())] {
            if len != frequency.len() {
                return Err(Error::LengthMismatch {
                    left: "frequency",
                    left_len: frequency.len(),
                    right: name,
                    right_len: len,
                });
            }
        }
        Ok(SummarySlices {
            frequency,
            recency,
            age,
        })
    }

    /// Row `i` as `(x, t_x, T)`, unchecked; `None` past the end.
    pub(crate) fn row(&self, i: usize) -> Option<(f64, f64, f64)> {
        Some((*self.frequency.get(i)?, *self.recency.get(i)?, *self.age.get(i)?))
    }

    /// Rows.
    #[must_use]
    pub fn len(&self) -> usize {
        self.frequency.len()
    }

    /// Whether there are no rows.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.frequency.is_empty()
    }

    /// Rows `range` (empty where the range falls outside).
    #[cfg(feature = "parallel")]
    pub(crate) fn range(&self, range: std::ops::Range<usize>) -> SummarySlices<'a> {
        match (
            self.frequency.get(range.clone()),
            self.recency.get(range.clone()),
            self.age.get(range),
        ) {
            (Some(frequency), Some(recency), Some(age)) => SummarySlices {
                frequency,
                recency,
                age,
            },
            _ => SummarySlices {
                frequency: &[],
                recency: &[],
                age: &[],
            },
        }
    }

    /// Maps each row through `f`, turning a row's error into [`Error::InvalidRow`].
    pub(crate) fn map<F>(&self, f: F) -> Result<Vec<f64>>
    where
        F: Fn(f64, f64, f64) -> Result<f64> + Sync,
    {
        self.map_indexed(|_, x, tx, t| f(x, tx, t))
    }

    /// [`map_indexed`](Self::map_indexed) with a state per worker (one for the serial
    /// pass, one per rayon job with the `parallel` feature), made by `init`: memos of
    /// values that repeat between rows.
    pub(crate) fn map_indexed_with<S, I, F>(&self, init: I, f: F) -> Result<Vec<f64>>
    where
        I: Fn() -> S + Sync + Send,
        F: Fn(&mut S, usize, f64, f64, f64) -> Result<f64> + Sync,
    {
        let one = |state: &mut S, (i, ((&x, &tx), &t)): (usize, ((&f64, &f64), &f64))| -> Result<f64> {
            f(state, i, x, tx, t).map_err(|e| row_error(i, e))
        };
        #[cfg(feature = "parallel")]
        {
            use rayon::prelude::*;
            self.frequency
                .par_iter()
                .zip(self.recency)
                .zip(self.age)
                .enumerate()
                .with_min_len(4096)
                .map_init(init, one)
                .collect()
        }
        #[cfg(not(feature = "parallel"))]
        {
            let mut state = init();
            self.frequency
                .iter()
                .zip(self.recency)
                .zip(self.age)
                .enumerate()
                .map(|row| one(&mut state, row))
                .collect()
        }
    }

    /// Visits each row in order (serially), stopping at the first error.
    pub(crate) fn for_each(&self, mut f: impl FnMut(usize, f64, f64, f64) -> Result<()>) -> Result<()> {
        for (i, ((&x, &tx), &t)) in self.frequency.iter().zip(self.recency).zip(self.age).enumerate() {
            f(i, x, tx, t)?;
        }
        Ok(())
    }

    /// Maps `(row, x, t_x, T)` tuples through `f` (in parallel with the `parallel`
    /// feature); an error names the tuple's row.
    pub(crate) fn map_tuples<F>(tuples: &[(usize, f64, f64, f64)], f: F) -> Result<Vec<f64>>
    where
        F: Fn(f64, f64, f64) -> Result<f64> + Sync,
    {
        let one = |&(row, x, tx, t): &(usize, f64, f64, f64)| f(x, tx, t).map_err(|e| row_error(row, e));
        #[cfg(feature = "parallel")]
        {
            use rayon::prelude::*;
            tuples.par_iter().map(one).collect()
        }
        #[cfg(not(feature = "parallel"))]
        {
            tuples.iter().map(one).collect()
        }
    }

    /// Each row's own result of `f` (in parallel with the `parallel` feature): one row's
    /// failure does not stop the others.
    pub(crate) fn each_result<F>(&self, f: F) -> Vec<Result<f64>>
    where
        F: Fn(f64, f64, f64) -> Result<f64> + Sync,
    {
        let one = |((&x, &tx), &t): ((&f64, &f64), &f64)| f(x, tx, t);
        #[cfg(feature = "parallel")]
        {
            use rayon::prelude::*;
            self.frequency
                .par_iter()
                .zip(self.recency)
                .zip(self.age)
                .map(one)
                .collect()
        }
        #[cfg(not(feature = "parallel"))]
        {
            self.frequency
                .iter()
                .zip(self.recency)
                .zip(self.age)
                .map(one)
                .collect()
        }
    }

    /// As [`map`](Self::map), with the row index.
    pub(crate) fn map_indexed<F>(&self, f: F) -> Result<Vec<f64>>
    where
        F: Fn(usize, f64, f64, f64) -> Result<f64> + Sync,
    {
        let one = |(i, ((&x, &tx), &t)): (usize, ((&f64, &f64), &f64))| -> Result<f64> {
            f(i, x, tx, t).map_err(|e| row_error(i, e))
        };
        #[cfg(feature = "parallel")]
        {
            use rayon::prelude::*;
            self.frequency
                .par_iter()
                .zip(self.recency)
                .zip(self.age)
                .enumerate()
                .map(one)
                .collect()
        }
        #[cfg(not(feature = "parallel"))]
        {
            self.frequency
                .iter()
                .zip(self.recency)
                .zip(self.age)
                .enumerate()
                .map(one)
                .collect()
        }
    }
}

impl<'a> SummarySlices<'a> {
    /// The first rows of three columns, as many as the shortest has.
    pub(crate) fn truncated(frequency: &'a [f64], recency: &'a [f64], age: &'a [f64]) -> Self {
        let n = frequency.len().min(recency.len()).min(age.len());
        SummarySlices {
            frequency: frequency.get(..n).unwrap_or_default(),
            recency: recency.get(..n).unwrap_or_default(),
            age: age.get(..n).unwrap_or_default(),
        }
    }
}

impl<'a, K> From<&'a SummaryColumns<K>> for SummarySlices<'a> {
    fn from(c: &'a SummaryColumns<K>) -> Self {
        // SummaryColumns' constructors keep the columns the same length; `min` keeps this
        // total even for a hand-built value.
        SummarySlices::truncated(&c.frequency, &c.recency, &c.age)
    }
}

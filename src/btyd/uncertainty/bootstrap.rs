//! CLVTools' customer bootstrap: resample customers with replacement, refit with the same
//! options, predict, and take percentiles.

use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64Mcg;

use super::engine::percentile_intervals;
use super::{IntervalLevel, IntervalMethod, Intervals, Parametric, Prediction};
use crate::btyd::{SpendSummaries, WeightedSummaries};
use crate::error::{Error, Result};
use crate::time::TimeUnit;

/// The customers a bootstrap resamples: one `(x, t_x, T)` per customer and, for spend
/// models, each one's mean repeat spend.
///
/// # Examples
///
/// ```
/// use customer_value::btyd::uncertainty::CustomerData;
///
/// let x = [0.0, 2.0];
/// assert!(CustomerData::new(&x, &[0.0, 30.4], &[38.9, 38.9], None).is_ok());
/// assert!(CustomerData::new(&x, &[0.0], &[38.9, 38.9], None).is_err()); // lengths differ
/// assert!(CustomerData::new(&[], &[], &[], None).is_err()); // nothing to resample
/// ```
///
/// A whole bootstrap: [`bootstrap_intervals`].
#[derive(Debug, Clone, Copy)]
pub struct CustomerData<'a> {
    frequency: &'a [f64],
    recency: &'a [f64],
    age: &'a [f64],
    mean_spend: Option<&'a [f64]>,
    unit: Option<TimeUnit>,
}

impl<'a> CustomerData<'a> {
    /// Customers' columns (the rows are validated when a replicate builds its summaries).
    ///
    /// # Errors
    ///
    /// [`Error::LengthMismatch`]; [`Error::EmptyInput`].
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::uncertainty::CustomerData;
    ///
    /// // With each customer's mean repeat spend, for a Gamma-Gamma refit.
    /// let data = CustomerData::new(&[0.0, 2.0], &[0.0, 30.4], &[38.9, 38.9], Some(&[0.0, 25.5]))?;
    /// assert!(CustomerData::new(&[0.0, 2.0], &[0.0, 30.4], &[38.9, 38.9], Some(&[1.0])).is_err());
    /// # let _ = data;
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn new(
        frequency: &'a [f64],
        recency: &'a [f64],
        age: &'a [f64],
        mean_spend: Option<&'a [f64]>,
    ) -> Result<Self> {
        let n = frequency.len();
        let lens = [
            ("recency", recency.len()),
            ("age", age.len()),
            ("mean_spend", mean_spend.map_or(n, <[f64]>::len)),
        ];
        for (name, len) in lens {
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
        Ok(CustomerData {
            frequency,
            recency,
            age,
            mean_spend,
            unit: None,
        })
    }

    /// The time unit of recency and age (set on each replicate's summaries, so refitted
    /// models carry it).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::uncertainty::{
    ///     CustomerData, CustomerRows, IntervalLevel, ProbabilityAlive, bootstrap_intervals,
    /// };
    /// use customer_value::btyd::{BgNbd, FitOptions, WeightedSummaries};
    /// use customer_value::TimeUnit;
    ///
    /// let x = [0.0, 1.0, 3.0, 0.0, 2.0, 5.0, 1.0, 0.0, 4.0, 2.0, 0.0, 1.0];
    /// let tx = [0.0, 10.0, 30.0, 0.0, 12.0, 35.0, 2.0, 0.0, 20.0, 38.0, 0.0, 25.0];
    /// let t = [40.0, 40.0, 40.0, 38.0, 39.0, 40.0, 41.0, 37.0, 40.0, 39.0, 36.0, 40.0];
    /// let options = FitOptions::default().with_penalty(0.01)?;
    /// let fit = BgNbd::fit(&WeightedSummaries::from_rows(&x, &tx, &t)?.with_unit(TimeUnit::WEEK), &options)?;
    /// let data = CustomerData::new(&x, &tx, &t, None)?.with_unit(TimeUnit::WEEK);
    /// let refit = |s: &customer_value::btyd::uncertainty::BootstrapSample| {
    ///     assert_eq!(s.unit, Some(TimeUnit::WEEK)); // every replicate knows its unit
    ///     Ok(BgNbd::fit(&s.summaries()?, &options)?.model)
    /// };
    /// let rows = CustomerRows::new(&x, &tx, &t)?;
    /// bootstrap_intervals(&fit.model, data, refit, &ProbabilityAlive::new(&rows), IntervalLevel::new(0.9)?, 5, 1)?;
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn with_unit(mut self, unit: TimeUnit) -> Self {
        self.unit = Some(unit);
        self
    }

    /// One replicate: `n` customers drawn with replacement.
    fn resample(&self, rng: &mut Pcg64Mcg) -> BootstrapSample {
        let n = self.frequency.len();
        let mut counts = vec![0_u32; n];
        for _ in 0..n {
            if let Some(c) = counts.get_mut(rng.random_range(0..n)) {
                *c += 1;
            }
        }
        let mut s = BootstrapSample {
            frequency: Vec::new(),
            recency: Vec::new(),
            age: Vec::new(),
            mean_spend: Vec::new(),
            weight: Vec::new(),
            unit: self.unit,
        };
        for (i, &c) in counts.iter().enumerate() {
            if c == 0 {
                continue;
            }
            let at = |v: &[f64]| v.get(i).copied().unwrap_or(f64::NAN);
            s.frequency.push(at(self.frequency));
            s.recency.push(at(self.recency));
            s.age.push(at(self.age));
            s.mean_spend.push(self.mean_spend.map_or(0.0, at));
            s.weight.push(f64::from(c));
        }
        s
    }
}

/// One bootstrap replicate: the customers drawn (each once) with the number of times
/// each was drawn, from which the refit builds its data.
///
/// # Examples
///
/// A replicate reaches the caller inside the refit of [`bootstrap_intervals`]:
///
/// ```
/// use customer_value::btyd::uncertainty::{
///     BootstrapSample, CustomerData, CustomerRows, IntervalLevel, ProbabilityAlive, bootstrap_intervals,
/// };
/// use customer_value::btyd::{BgNbd, FitOptions, WeightedSummaries};
///
/// let x = [0.0, 1.0, 3.0, 0.0, 2.0, 5.0, 1.0, 0.0, 4.0, 2.0, 0.0, 1.0];
/// let tx = [0.0, 10.0, 30.0, 0.0, 12.0, 35.0, 2.0, 0.0, 20.0, 38.0, 0.0, 25.0];
/// let t = [40.0, 40.0, 40.0, 38.0, 39.0, 40.0, 41.0, 37.0, 40.0, 39.0, 36.0, 40.0];
/// let options = FitOptions::default().with_penalty(0.01)?;
/// let fit = BgNbd::fit(&WeightedSummaries::from_rows(&x, &tx, &t)?, &options)?;
/// let refit = |s: &BootstrapSample| {
///     // As many customers drawn as there are (12), each distinct one listed once.
///     assert_eq!(s.weight.iter().sum::<f64>(), 12.0);
///     assert!(s.frequency.len() <= 12 && s.weight.iter().all(|&w| w >= 1.0));
///     Ok(BgNbd::fit(&s.summaries()?, &options)?.model)
/// };
/// let rows = CustomerRows::new(&x, &tx, &t)?;
/// let iv = bootstrap_intervals(
///     &fit.model, CustomerData::new(&x, &tx, &t, None)?, refit,
///     &ProbabilityAlive::new(&rows), IntervalLevel::new(0.9)?, 10, 3,
/// )?;
/// assert_eq!(iv.draws, 10);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct BootstrapSample {
    /// Frequencies of the customers drawn.
    pub frequency: Vec<f64>,
    /// Their recencies.
    pub recency: Vec<f64>,
    /// Their ages.
    pub age: Vec<f64>,
    /// Their mean repeat spends (0 without spend data).
    pub mean_spend: Vec<f64>,
    /// How many times each was drawn.
    pub weight: Vec<f64>,
    /// The time unit, when known.
    pub unit: Option<TimeUnit>,
}

impl BootstrapSample {
    /// The replicate's weighted summaries (what a transaction model fits on).
    ///
    /// # Errors
    ///
    /// As [`WeightedSummaries::from_weighted_rows`].
    ///
    /// # Examples
    ///
    /// See [`BootstrapSample`]: the refit there fits on `s.summaries()?`.
    pub fn summaries(&self) -> Result<WeightedSummaries> {
        let w =
            WeightedSummaries::from_weighted_rows(&self.frequency, &self.recency, &self.age, &self.weight)?;
        Ok(match self.unit {
            Some(u) => w.with_unit(u),
            None => w,
        })
    }

    /// The replicate's spend summaries (what Gamma-Gamma fits on), each customer repeated
    /// as often as drawn.
    ///
    /// # Errors
    ///
    /// As [`SpendSummaries::from_rows`].
    ///
    /// # Examples
    ///
    /// A bootstrap of Gamma-Gamma's expected spend per customer:
    ///
    /// ```
    /// use customer_value::btyd::uncertainty::{
    ///     CustomerData, CustomerRows, ExpectedSpend, IntervalLevel, bootstrap_intervals,
    /// };
    /// use customer_value::btyd::{FitOptions, GammaGamma, SpendSummaries};
    ///
    /// let x = [1.0, 2.0, 3.0, 1.0, 4.0, 2.0, 5.0, 1.0, 2.0, 3.0];
    /// let tx = [10.0, 20.0, 30.0, 5.0, 35.0, 12.0, 38.0, 2.0, 25.0, 31.0];
    /// let t = [40.0; 10];
    /// let spend = [20.0, 35.0, 28.0, 15.0, 50.0, 22.0, 31.0, 18.0, 40.0, 26.0];
    /// let options = FitOptions::default().with_penalty(0.01)?;
    /// let fit = GammaGamma::fit(&SpendSummaries::from_rows(&x, &spend)?, &options)?;
    /// let rows = CustomerRows::with_spend(&x, &tx, &t, &spend)?;
    /// let iv = bootstrap_intervals(
    ///     &fit.model,
    ///     CustomerData::new(&x, &tx, &t, Some(&spend))?,
    ///     |s| Ok(GammaGamma::fit(&s.spend_summaries()?, &options)?.model),
    ///     &ExpectedSpend::new(&rows),
    ///     IntervalLevel::new(0.9)?,
    ///     20,
    ///     5,
    /// )?;
    /// assert!(iv.lower.iter().zip(&iv.upper).all(|(l, u)| 0.0 < *l && l <= u));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn spend_summaries(&self) -> Result<SpendSummaries> {
        let (mut x, mut m) = (Vec::new(), Vec::new());
        for ((&xi, &mi), &w) in self.frequency.iter().zip(&self.mean_spend).zip(&self.weight) {
            for _ in 0..(w as usize) {
                x.push(xi);
                m.push(mi);
            }
        }
        SpendSummaries::from_rows(&x, &m)
    }
}

/// Bootstrap percentile intervals: `replicates` resamples of the customers (with
/// replacement, as many as there are), each refitted by `refit` (which should fit with
/// the options of the original fit), and `pred` evaluated for every customer under each
/// refitted model; the point is `point`'s prediction (the original fit). Replicate `b`
/// draws from its own generator seeded by `seed` and `b`, so the result does not depend
/// on the number of threads (replicates run in parallel with the `parallel` feature).
///
/// CLVTools predicts, in each replicate, only the customers drawn and pools per
/// customer; here every customer is predicted under every refitted model, which gives
/// each customer `replicates` values (not ~63 % of them) from the same distribution of
/// refitted parameters. A replicate whose refit fails (a resample without repeat buyers,
/// a fit that does not converge) is left out and counted in
/// [`Intervals::excluded`].
///
/// # Errors
///
/// [`Error::InvalidParameter`] for `replicates = 0`; [`Error::Undefined`] if every
/// replicate failed; the point prediction's errors.
///
/// # Examples
///
/// ```
/// use customer_value::btyd::uncertainty::{
///     CustomerData, CustomerRows, IntervalLevel, ProbabilityAlive, bootstrap_intervals,
/// };
/// use customer_value::btyd::{BgNbd, FitOptions, WeightedSummaries};
///
/// let x = [0.0, 1.0, 3.0, 0.0, 2.0, 5.0, 1.0, 0.0, 4.0, 2.0, 0.0, 1.0];
/// let tx = [0.0, 10.0, 30.0, 0.0, 12.0, 35.0, 2.0, 0.0, 20.0, 38.0, 0.0, 25.0];
/// let t = [40.0, 40.0, 40.0, 38.0, 39.0, 40.0, 41.0, 37.0, 40.0, 39.0, 36.0, 40.0];
/// let options = FitOptions::default().with_penalty(0.01)?;
/// let fit = BgNbd::fit(&WeightedSummaries::from_rows(&x, &tx, &t)?, &options)?;
/// let rows = CustomerRows::new(&x, &tx, &t)?;
/// let iv = bootstrap_intervals(
///     &fit.model,
///     CustomerData::new(&x, &tx, &t, None)?,
///     |s| Ok(BgNbd::fit(&s.summaries()?, &options)?.model),
///     &ProbabilityAlive::new(&rows),
///     IntervalLevel::new(0.9)?,
///     20,
///     1,
/// )?;
/// assert_eq!(iv.lower.len(), 12);
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn bootstrap_intervals<M, P, F>(
    point: &M,
    data: CustomerData<'_>,
    refit: F,
    pred: &P,
    level: IntervalLevel,
    replicates: usize,
    seed: u64,
) -> Result<Intervals>
where
    M: Parametric,
    P: Prediction<M> + ?Sized,
    F: Fn(&BootstrapSample) -> Result<M> + Sync,
{
    if replicates == 0 {
        return Err(Error::param("replicates", 0, "must be at least 1"));
    }
    let one = |b: usize| {
        let mut rng = Pcg64Mcg::seed_from_u64(replicate_seed(seed, b));
        refit(&data.resample(&mut rng)).ok()
    };
    #[cfg(feature = "parallel")]
    let fitted: Vec<Option<M>> = {
        use rayon::prelude::*;
        (0..replicates).into_par_iter().map(one).collect()
    };
    #[cfg(not(feature = "parallel"))]
    let fitted: Vec<Option<M>> = (0..replicates).map(one).collect();
    let models: Vec<M> = fitted.into_iter().flatten().collect();
    let excluded = replicates - models.len();
    percentile_intervals(point, &models, excluded, pred, level, IntervalMethod::Bootstrap)
}

/// Replicate `b`'s seed: `seed` mixed with `b` by a golden-ratio multiply.
fn replicate_seed(seed: u64, b: usize) -> u64 {
    seed ^ (b as u64).wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

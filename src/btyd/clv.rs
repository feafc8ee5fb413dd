//! Customer lifetime value from a fitted transaction model: the discounted expected margin
//! over a horizon.
//!
//! The time unit and the discount rate are part of the types, so no hidden "freq" table
//! decides what a week or a month is: a [`ClvSpec`] states the unit the model was fitted
//! in, the horizon and step in that unit, and a [`DiscountRate`] that carries its own
//! period. A weekly model with a 10 % annual rate is written exactly so.

use serde::{Deserialize, Serialize};

use std::collections::HashMap;

use super::data::{SummarySlices, check_horizon, check_summary, row_error};
use super::{GammaGamma, History, TransactionModel};
use crate::error::{Error, Result};
use crate::special::PairIndex;
use crate::time::TimeUnit;

/// A discount rate per period of stated length: money at the end of one `period` is worth
/// `1/(1 + rate)` now.
///
/// # Examples
///
/// ```
/// use customer_value::TimeUnit;
/// use customer_value::btyd::DiscountRate;
///
/// let annual = DiscountRate::new(0.10, TimeUnit::from_days(365.0)?)?;
/// // One year of weeks: 365/7 weeks discount by exactly 1/1.1.
/// let f = annual.factor(365.0 / 7.0, TimeUnit::WEEK);
/// assert!((f - 1.0 / 1.1).abs() < 1e-12);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DiscountRate {
    rate: f64,
    period: TimeUnit,
}

impl DiscountRate {
    /// `rate` per `period`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] unless `rate` is finite and ≥ 0.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::TimeUnit;
    /// use customer_value::btyd::DiscountRate;
    ///
    /// let year = TimeUnit::from_days(365.0)?;
    /// assert!(DiscountRate::new(0.1, year).is_ok());
    /// assert!(DiscountRate::new(-0.1, year).is_err());
    /// assert!(DiscountRate::new(f64::NAN, year).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn new(rate: f64, period: TimeUnit) -> Result<Self> {
        if !(rate.is_finite() && rate >= 0.0) {
            return Err(Error::param(
                "rate",
                rate,
                "a discount rate must be finite and ≥ 0",
            ));
        }
        Ok(DiscountRate { rate, period })
    }

    /// No discounting.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::TimeUnit;
    /// use customer_value::btyd::DiscountRate;
    ///
    /// let none = DiscountRate::zero();
    /// assert_eq!(none.rate(), 0.0);
    /// assert_eq!(none.factor(1000.0, TimeUnit::WEEK), 1.0);
    /// ```
    #[must_use]
    pub fn zero() -> Self {
        DiscountRate {
            rate: 0.0,
            period: TimeUnit::DAY,
        }
    }

    /// The rate per period.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::TimeUnit;
    /// use customer_value::btyd::DiscountRate;
    ///
    /// let d = DiscountRate::new(0.12, TimeUnit::from_days(365.0)?)?;
    /// assert_eq!(d.rate(), 0.12);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn rate(&self) -> f64 {
        self.rate
    }

    /// The period the rate is for.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::TimeUnit;
    /// use customer_value::btyd::DiscountRate;
    ///
    /// let d = DiscountRate::new(0.01, TimeUnit::from_days(30.0)?)?;
    /// assert_eq!(d.period().days(), 30.0);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn period(&self) -> TimeUnit {
        self.period
    }

    /// The equivalent continuous rate per `unit`: `ln(1 + rate) · unit/period` (DERT's δ).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::TimeUnit;
    /// use customer_value::btyd::DiscountRate;
    ///
    /// let d = DiscountRate::new(0.15, TimeUnit::from_days(365.0)?)?;
    /// assert!((d.continuous_rate(TimeUnit::WEEK) - 1.15f64.ln() * 7.0 / 365.0).abs() < 1e-15);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn continuous_rate(&self, unit: TimeUnit) -> f64 {
        self.rate.ln_1p() * unit.days() / self.period.days()
    }

    /// Discount factor `(1 + rate)^(−time·unit/period)` for `time` measured in `unit`.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::TimeUnit;
    /// use customer_value::btyd::DiscountRate;
    ///
    /// let annual = DiscountRate::new(0.21, TimeUnit::from_days(364.0)?)?;
    /// // 26 weeks is half of the 364-day year: 1.21^(−1/2) = 1/1.1.
    /// assert!((annual.factor(26.0, TimeUnit::WEEK) - 1.0 / 1.1).abs() < 1e-12);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn factor(&self, time: f64, unit: TimeUnit) -> f64 {
        let periods = time * unit.days() / self.period.days();
        (-periods * self.rate.ln_1p()).exp()
    }
}

/// What one purchase is worth.
///
/// # Examples
///
/// ```
/// use customer_value::btyd::{GammaGamma, Margin};
///
/// let flat = Margin::PerPurchase(12.5);
/// let spend = GammaGamma::new(6.25, 3.74, 15.44)?;
/// let share = Margin::FractionOfSpend { fraction: 0.3, spend: &spend };
/// assert!(matches!(flat, Margin::PerPurchase(m) if m == 12.5));
/// assert!(matches!(share, Margin::FractionOfSpend { fraction, .. } if fraction == 0.3));
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum Margin<'a> {
    /// A fixed margin per purchase, in currency units.
    PerPurchase(f64),
    /// A fraction of the customer's expected spend per purchase under a Gamma-Gamma model
    /// (the customer's mean repeat spend is then required).
    FractionOfSpend {
        /// Margin as a fraction of revenue, in `[0, 1]` usually (any finite value allowed).
        fraction: f64,
        /// The spend model.
        spend: &'a GammaGamma,
    },
}

impl Margin<'_> {
    fn per_purchase(&self, frequency: f64, mean_spend: f64) -> Result<f64> {
        match *self {
            Margin::PerPurchase(m) if m.is_finite() => Ok(m),
            Margin::PerPurchase(m) => Err(Error::param("margin", m, "must be finite")),
            Margin::FractionOfSpend { fraction, spend } => {
                if !fraction.is_finite() {
                    return Err(Error::param("fraction", fraction, "must be finite"));
                }
                Ok(fraction * spend.conditional_expected_spend(frequency, mean_spend)?)
            }
        }
    }
}

/// Horizon, step and discounting of a CLV computation, in a stated time unit.
///
/// The customers' summaries are always in the model's unit. When the model carries a unit
/// ([`TransactionModel::unit`], set by every fit) and the spec's differs, [`expected_clv`] and
/// [`clv_batch`] first convert the horizon and step exactly into the model's unit
/// ([`in_unit`](Self::in_unit)): a daily model asked for 52 weeks values 364 days. A model
/// without a unit takes the spec's times as they are.
///
/// Expected purchases are taken per step, `E(t_i) − E(t_{i−1})` with `t_i = i·step`, and
/// each step's margin is discounted at its end (as lifetimes' `customer_lifetime_value`
/// does per month); the last step is shortened to end at the horizon.
///
/// # Examples
///
/// ```
/// use customer_value::TimeUnit;
/// use customer_value::btyd::{ClvSpec, DiscountRate};
///
/// // Model fitted in weeks; one year ahead, monthly steps (52/12 weeks), 1 % a month.
/// let month = TimeUnit::from_days(365.25 / 12.0)?;
/// let spec = ClvSpec::new(TimeUnit::WEEK, 52.0, DiscountRate::new(0.01, month)?)?.with_step(52.0 / 12.0)?;
/// assert_eq!(spec.steps(), 12);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ClvSpec {
    /// The unit of `horizon` and `step` (and of the model's times, for a model without
    /// a unit of its own).
    pub unit: TimeUnit,
    /// Horizon in that unit.
    pub horizon: f64,
    /// Step in that unit (default 1).
    pub step: f64,
    /// Discounting.
    pub discount: DiscountRate,
}

impl ClvSpec {
    /// A spec with steps of one unit.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] unless `horizon` is finite and ≥ 0.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::TimeUnit;
    /// use customer_value::btyd::{ClvSpec, DiscountRate};
    ///
    /// let spec = ClvSpec::new(TimeUnit::WEEK, 52.0, DiscountRate::zero())?;
    /// assert_eq!((spec.horizon, spec.step, spec.steps()), (52.0, 1.0, 52));
    /// assert!(ClvSpec::new(TimeUnit::WEEK, -1.0, DiscountRate::zero()).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn new(unit: TimeUnit, horizon: f64, discount: DiscountRate) -> Result<Self> {
        if !(horizon.is_finite() && horizon >= 0.0) {
            return Err(Error::param("horizon", horizon, "must be finite and ≥ 0"));
        }
        Ok(ClvSpec {
            unit,
            horizon,
            step: 1.0,
            discount,
        })
    }

    /// Sets the step.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] unless `step` is finite, > 0, and gives at most [`MAX_STEPS`](Self::MAX_STEPS) steps.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::TimeUnit;
    /// use customer_value::btyd::{ClvSpec, DiscountRate};
    ///
    /// let spec = ClvSpec::new(TimeUnit::WEEK, 52.0, DiscountRate::zero())?.with_step(4.0)?;
    /// assert_eq!(spec.steps(), 13);
    /// let fine = ClvSpec::new(TimeUnit::WEEK, 52.0, DiscountRate::zero())?.with_step(1e-3);
    /// assert!(fine.is_err()); // 52,000 steps is more than ClvSpec::MAX_STEPS
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn with_step(mut self, step: f64) -> Result<Self> {
        if !(step.is_finite() && step > 0.0) || self.horizon / step > Self::MAX_STEPS as f64 {
            return Err(Error::param(
                "step",
                step,
                "must be finite, > 0 and give at most ClvSpec::MAX_STEPS (10,000) steps",
            ));
        }
        self.step = step;
        Ok(self)
    }

    /// The same spec with horizon and step expressed in `unit` (the same spans of days;
    /// the discounting is unchanged, as the rate carries its own period).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] if the converted horizon or step is not finite.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::TimeUnit;
    /// use customer_value::btyd::{ClvSpec, DiscountRate};
    ///
    /// let weeks = ClvSpec::new(TimeUnit::WEEK, 52.0, DiscountRate::zero())?;
    /// let days = weeks.in_unit(TimeUnit::DAY)?;
    /// assert_eq!((days.horizon, days.step, days.steps()), (364.0, 7.0, 52));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn in_unit(&self, unit: TimeUnit) -> Result<Self> {
        if unit == self.unit {
            return Ok(*self);
        }
        let factor = self.unit.days() / unit.days();
        let (horizon, step) = (self.horizon * factor, self.step * factor);
        if !(horizon.is_finite() && step.is_finite() && step > 0.0) {
            return Err(Error::param(
                "unit",
                unit.days(),
                "the horizon or step is not finite in this unit",
            ));
        }
        Ok(ClvSpec {
            unit,
            horizon,
            step,
            discount: self.discount,
        })
    }

    /// The spec in `model`'s unit when it has one (see the type's docs).
    fn for_model(&self, model: &dyn TransactionModel) -> Result<Self> {
        match model.unit() {
            Some(unit) => self.in_unit(unit),
            None => Ok(*self),
        }
    }

    /// Number of steps (the last may be shorter).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::TimeUnit;
    /// use customer_value::btyd::{ClvSpec, DiscountRate};
    ///
    /// // 10 weeks in steps of 4: 4, 8 and a last, shorter step to 10.
    /// let spec = ClvSpec::new(TimeUnit::WEEK, 10.0, DiscountRate::zero())?.with_step(4.0)?;
    /// assert_eq!(spec.steps(), 3);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn steps(&self) -> usize {
        // Tolerate rounding so that 52 / (52/12) is 12 steps, not 13.
        let n = self.horizon / self.step;
        let r = n.round();
        (if (n - r).abs() < 1e-9 { r } else { n.ceil() }) as usize
    }

    /// The most steps a spec may have: each step is a point of every customer's curve, so the
    /// work of a CLV is steps × distinct customers (10,000: 27 years of days, 192 of weeks).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::TimeUnit;
    /// use customer_value::btyd::{ClvSpec, DiscountRate};
    ///
    /// let max = ClvSpec::MAX_STEPS as f64;
    /// assert!(ClvSpec::new(TimeUnit::DAY, max, DiscountRate::zero())?.with_step(1.0).is_ok());
    /// assert!(ClvSpec::new(TimeUnit::DAY, max + 1.0, DiscountRate::zero())?.with_step(1.0).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub const MAX_STEPS: usize = 10_000;

    /// Step end times `t_1 … t_n` (the last is the horizon).
    pub(crate) fn times(&self) -> Result<Vec<f64>> {
        let n = self.steps();
        if n > Self::MAX_STEPS {
            return Err(Error::param(
                "horizon",
                self.horizon,
                "gives more than ClvSpec::MAX_STEPS (10,000) steps: use a longer step (with_step)",
            ));
        }
        Ok((1..=n)
            .map(|i| {
                if i == n {
                    self.horizon
                } else {
                    i as f64 * self.step
                }
            })
            .collect())
    }
}

/// The expected lifetime value of one customer, an `f64` statistic (the exact-money
/// valuations of a known relationship are the [`clv`](crate::clv) module):
/// `Σᵢ margin · (E(tᵢ) − E(tᵢ₋₁)) · discount(tᵢ)` over the steps of `spec`, for the
/// customer's [`History`] and mean repeat spend `m̄` (ignored with [`Margin::PerPurchase`]).
///
/// # Errors
///
/// [`Error::InvalidParameter`] for an invalid margin; [`Error::Undefined`] naming the
/// customer's summary when the value is not finite (a margin of 1e300 times the discounted
/// purchases overflows `f64`); numerical errors of the model.
///
/// # Examples
///
/// ```
/// use customer_value::TimeUnit;
/// use customer_value::btyd::{expected_clv, BgNbd, ClvSpec, DiscountRate, GammaGamma, History, Margin};
///
/// let model = BgNbd::new(0.2425945, 4.4136019, 0.7929199, 2.4258881)?;
/// let spend = GammaGamma::new(6.25, 3.74, 15.44)?;
/// let spec = ClvSpec::new(TimeUnit::WEEK, 52.0, DiscountRate::new(0.10, TimeUnit::from_days(365.0)?)?)?;
/// let margin = Margin::FractionOfSpend { fraction: 0.3, spend: &spend };
/// let v = expected_clv(&model, margin, &spec, History::new(2, 30.43, 38.86)?, 22.35)?;
/// assert!(v > 0.0);
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn expected_clv(
    model: &dyn TransactionModel,
    margin: Margin<'_>,
    spec: &ClvSpec,
    customer: History,
    mean_spend: f64,
) -> Result<f64> {
    let (frequency, recency, age) = customer.to_f64s();
    expected_clv_unchecked(model, margin, spec, frequency, recency, age, mean_spend)
}

/// [`expected_clv`] of a summary given as `(x, t_x, T)`, under its old name.
///
/// # Errors
///
/// As [`expected_clv`], and [`Error::InvalidParameter`] for an invalid summary.
///
/// # Examples
///
/// ```
/// # #![allow(deprecated)]
/// use customer_value::TimeUnit;
/// use customer_value::btyd::{clv, BgNbd, ClvSpec, DiscountRate, Margin};
///
/// let model = BgNbd::new(0.2425945, 4.4136019, 0.7929199, 2.4258881)?;
/// let spec = ClvSpec::new(TimeUnit::WEEK, 52.0, DiscountRate::zero())?;
/// assert!(clv(&model, Margin::PerPurchase(1.0), &spec, 2.0, 30.43, 38.86, 0.0)? > 0.0);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[deprecated(
    since = "0.2.0",
    note = "renamed `expected_clv`, which takes a `History`; `clv` is also the exact-money module"
)]
pub fn clv(
    model: &dyn TransactionModel,
    margin: Margin<'_>,
    spec: &ClvSpec,
    frequency: f64,
    recency: f64,
    age: f64,
    mean_spend: f64,
) -> Result<f64> {
    check_summary(frequency, recency, age)?;
    expected_clv_unchecked(model, margin, spec, frequency, recency, age, mean_spend)
}

/// [`expected_clv`] of a summary already checked.
pub(crate) fn expected_clv_unchecked(
    model: &dyn TransactionModel,
    margin: Margin<'_>,
    spec: &ClvSpec,
    frequency: f64,
    recency: f64,
    age: f64,
    mean_spend: f64,
) -> Result<f64> {
    let spec = &spec.for_model(model)?;
    let per = margin.per_purchase(frequency, mean_spend)?;
    let d = discounted_purchases(model, spec, &spec.times()?, frequency, recency, age)?;
    finite_clv(per * d, per, d).map_err(|reason| Error::Undefined {
        what: "CLV",
        reason: format!("{reason} for the customer with x = {frequency}, t_x = {recency}, T = {age}"),
    })
}

/// `per · d` when it is finite; otherwise why not (the margin times the discounted
/// purchases overflows `f64`, e.g. a margin of 1e300).
fn finite_clv(v: f64, per: f64, d: f64) -> std::result::Result<f64, String> {
    if v.is_finite() {
        Ok(v)
    } else {
        Err(format!(
            "margin {per:e} × discounted purchases {d:e} is not finite (beyond f64)"
        ))
    }
}

/// [`finite_clv`] for a row of a batch: [`Error::Undefined`], which the batch reports as
/// [`Error::InvalidRow`] naming the row.
fn finite_clv_row(per: f64, d: f64) -> Result<f64> {
    finite_clv(per * d, per, d).map_err(|reason| Error::Undefined { what: "CLV", reason })
}

/// `Σᵢ (E(tᵢ) − E(tᵢ₋₁)) · discount(tᵢ)`: the margin-free part of CLV.
fn discounted_purchases(
    model: &dyn TransactionModel,
    spec: &ClvSpec,
    times: &[f64],
    frequency: f64,
    recency: f64,
    age: f64,
) -> Result<f64> {
    let curve = model.expected_purchases_curve(times, frequency, recency, age)?;
    let mut prev = 0.0;
    let mut total = 0.0;
    for (t, e) in times.iter().zip(curve) {
        total += (e - prev) * spec.discount.factor(*t, spec.unit);
        prev = e;
    }
    Ok(total)
}

/// [`expected_clv`] over many customers (in parallel with the `parallel` feature). For models whose
/// expectation factors as P(alive) · E[Y(t) | alive]
/// ([`TransactionModel::expected_if_alive_curve`], all built-in models), the
/// discounted curve is computed once per distinct `(x, T)` and scaled by each customer's
/// P(alive); otherwise once per distinct `(x, t_x, T)`. The margin is per customer.
///
/// # Errors
///
/// [`Error::LengthMismatch`] if `mean_spend` does not match `rows`; [`Error::InvalidRow`]
/// naming the first row that failed, including a row whose value is not finite (a margin
/// of 1e300 times its discounted purchases: the reason says so).
///
/// # Examples
///
/// ```
/// use customer_value::TimeUnit;
/// use customer_value::btyd::{
///     BgNbd, ClvSpec, DiscountRate, GammaGamma, History, Margin, SummarySlices, clv_batch, expected_clv,
/// };
///
/// let model = BgNbd::new(0.2425945, 4.4136019, 0.7929199, 2.4258881)?;
/// let spend = GammaGamma::new(6.25, 3.74, 15.44)?;
/// let margin = Margin::FractionOfSpend { fraction: 0.3, spend: &spend };
/// let spec = ClvSpec::new(TimeUnit::WEEK, 52.0, DiscountRate::new(0.1, TimeUnit::YEAR)?)?;
/// let (x, tx, t, m) = ([2.0, 0.0, 2.0], [30.43, 0.0, 30.43], [38.86; 3], [22.35, 0.0, 22.35]);
/// let values = clv_batch(&model, margin, &spec, SummarySlices::new(&x, &tx, &t)?, &m)?;
/// // The batch gives each customer what the single call gives (equal rows, equal values).
/// let one = expected_clv(&model, margin, &spec, History::new(2, 30.43, 38.86)?, 22.35)?;
/// assert!((values[0] - one).abs() < 1e-9 * one);
/// assert_eq!(values[0], values[2]);
/// // A mean spend per row is required.
/// assert!(clv_batch(&model, margin, &spec, SummarySlices::new(&x, &tx, &t)?, &m[..2]).is_err());
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn clv_batch(
    model: &dyn TransactionModel,
    margin: Margin<'_>,
    spec: &ClvSpec,
    rows: SummarySlices<'_>,
    mean_spend: &[f64],
) -> Result<Vec<f64>> {
    if mean_spend.len() != rows.len() {
        return Err(Error::LengthMismatch {
            left: "rows",
            left_len: rows.len(),
            right: "mean_spend",
            right_len: mean_spend.len(),
        });
    }
    let spec = &spec.for_model(model)?;
    let times = spec.times()?;
    if let Some(v) = factored_clv_batch(model, margin, spec, &times, rows, mean_spend) {
        return v;
    }
    // Distinct triples first (validated on the way), then one curve per triple.
    let mut index: HashMap<[u64; 3], usize> = HashMap::new();
    let mut distinct: Vec<(usize, f64, f64, f64)> = Vec::new();
    let mut slot = Vec::with_capacity(rows.len());
    rows.for_each(|i, x, tx, t| {
        check_summary(x, tx, t).map_err(|e| row_error(i, e))?;
        let key = [x.to_bits(), tx.to_bits(), t.to_bits()];
        let k = *index.entry(key).or_insert_with(|| {
            distinct.push((i, x, tx, t));
            distinct.len() - 1
        });
        slot.push(k);
        Ok(())
    })?;
    let sums = SummarySlices::map_tuples(&distinct, |x, tx, t| {
        discounted_purchases(model, spec, &times, x, tx, t)
    })?;
    rows.map_indexed(|i, x, _, _| {
        let m = mean_spend.get(i).copied().unwrap_or(0.0);
        let k = slot.get(i).copied().unwrap_or(0);
        let d = sums.get(k).copied().unwrap_or(0.0);
        finite_clv_row(margin.per_purchase(x, m)?, d)
    })
}

/// `clv_batch` for models whose expectation is `P(alive) · g(t; x, T)`
/// ([`TransactionModel::expected_if_alive_curve`]): one discounted curve of `g` per
/// distinct `(x, T)`, then each customer's P(alive). `None` if the model does not factor.
fn factored_clv_batch(
    model: &dyn TransactionModel,
    margin: Margin<'_>,
    spec: &ClvSpec,
    times: &[f64],
    rows: SummarySlices<'_>,
    mean_spend: &[f64],
) -> Option<Result<Vec<f64>>> {
    let (distinct, slot) = match group_by_frequency_age(rows) {
        Ok(v) => v,
        Err(e) => return Some(Err(e)),
    };
    let &(_, x0, _, t0) = distinct.first()?;
    // Models that do not factor say so for every customer; ask once.
    model.expected_if_alive_curve(&[], x0, t0)?.ok()?;
    let sums = SummarySlices::map_tuples(&distinct, |x, _, t| {
        let curve = model.expected_if_alive_curve(times, x, t).unwrap_or_else(|| {
            Err(Error::Undefined {
                what: "expectation while alive",
                reason: "the model stopped factoring".to_owned(),
            })
        })?;
        let mut prev = 0.0;
        let mut total = 0.0;
        for (t, e) in times.iter().zip(curve) {
            total += (e - prev) * spec.discount.factor(*t, spec.unit);
            prev = e;
        }
        Ok(total)
    });
    let sums = match sums {
        Ok(s) => s,
        Err(e) => return Some(Err(e)),
    };
    let alive = match shared_probability_alive(model, rows) {
        Ok(a) => a,
        Err(e) => return Some(Err(e)),
    };
    Some(rows.map_indexed(|i, x, tx, t| {
        let m = mean_spend.get(i).copied().unwrap_or(0.0);
        let k = slot.get(i).copied().unwrap_or(0);
        let d = sums.get(k).copied().unwrap_or(0.0);
        let per = margin.per_purchase(x, m)?;
        finite_clv_row(
            per,
            probability_alive_of(model, alive.as_deref(), i, x, tx, t)? * d,
        )
    }))
}

/// Every row's P(alive) from the model's batch path, if the model shares work between
/// customers ([`TransactionModel::shares_probability_alive`]); `None` to ask per row.
fn shared_probability_alive<M: TransactionModel + ?Sized>(
    model: &M,
    rows: SummarySlices<'_>,
) -> Result<Option<Vec<f64>>> {
    if model.shares_probability_alive() {
        model.probability_alive_batch(rows).map(Some)
    } else {
        Ok(None)
    }
}

/// Row `i`'s P(alive): from the shared batch if there is one, else from the model.
fn probability_alive_of<M: TransactionModel + ?Sized>(
    model: &M,
    shared: Option<&[f64]>,
    i: usize,
    x: f64,
    tx: f64,
    t: f64,
) -> Result<f64> {
    match shared.and_then(|a| a.get(i)) {
        Some(&p) => Ok(p),
        None => model.probability_alive(x, tx, t),
    }
}

/// `(row, x, t_x, T)`.
type RowTuple = (usize, f64, f64, f64);

/// Distinct `(x, T)` pairs of validated rows, as `(first row, x, 0, T)` tuples, and each
/// row's pair.
pub(crate) fn group_by_frequency_age(rows: SummarySlices<'_>) -> Result<(Vec<RowTuple>, Vec<usize>)> {
    group_rows(rows, 0, |_, t| Some(t))
}

/// Distinct `(x, τ)` pairs of validated rows, `τ = pick(t_x, T)`, as `(first row, x, 0, τ)`
/// tuples, and each row's pair (`usize::MAX` for rows `pick` skips). Rows are validated in
/// order, so an invalid row is reported as the first one. Row numbers (in errors and
/// tuples) start at `first_row` (for a chunk of a larger batch).
pub(super) fn group_rows(
    rows: SummarySlices<'_>,
    first_row: usize,
    pick: impl Fn(f64, f64) -> Option<f64>,
) -> Result<(Vec<RowTuple>, Vec<usize>)> {
    let mut index = PairIndex::with_capacity(1024);
    let mut distinct: Vec<(usize, f64, f64, f64)> = Vec::new();
    let mut slot = Vec::with_capacity(rows.len());
    rows.for_each(|i, x, tx, t| {
        let row = first_row + i;
        check_summary(x, tx, t).map_err(|e| row_error(row, e))?;
        slot.push(group_slot(&mut index, &mut distinct, row, x, pick(tx, t))?);
        Ok(())
    })?;
    Ok((distinct, slot))
}

/// The group of row `row` (frequency `x`, picked time `tau`) in `distinct`, added on its
/// first sight; `usize::MAX` when the pick gave no time.
#[inline]
fn group_slot(
    index: &mut PairIndex,
    distinct: &mut Vec<RowTuple>,
    row: usize,
    x: f64,
    tau: Option<f64>,
) -> Result<usize> {
    let Some(tau) = tau else {
        return Ok(usize::MAX);
    };
    let k = index
        .id((x.to_bits(), tau.to_bits()))
        .ok_or_else(|| Error::Undefined {
            what: "grouping by (x, T)",
            reason: "more than 2^32 − 1 distinct pairs".to_owned(),
        })?;
    if k == distinct.len() {
        distinct.push((row, x, 0.0, tau));
    }
    Ok(k)
}

/// [`group_rows`] by two picks in one pass (one validation per row): the two results of
/// calling it with each.
pub(super) fn group_rows_twice(
    rows: SummarySlices<'_>,
    first_row: usize,
    picks: [&dyn Fn(f64, f64) -> Option<f64>; 2],
) -> Result<[(Vec<RowTuple>, Vec<usize>); 2]> {
    let mut index = [PairIndex::with_capacity(1024), PairIndex::with_capacity(1024)];
    let mut out: [(Vec<RowTuple>, Vec<usize>); 2] = [
        (Vec::new(), Vec::with_capacity(rows.len())),
        (Vec::new(), Vec::with_capacity(rows.len())),
    ];
    rows.for_each(|i, x, tx, t| {
        let row = first_row + i;
        check_summary(x, tx, t).map_err(|e| row_error(row, e))?;
        for ((pick, index), (distinct, slot)) in picks.iter().zip(&mut index).zip(&mut out) {
            slot.push(group_slot(index, distinct, row, x, pick(tx, t))?);
        }
        Ok(())
    })?;
    Ok(out)
}

/// `expected_purchases_batch` for models whose expectation factors as
/// `P(alive) · g(t; x, T)`: `g` once per distinct `(x, T)`. `None` if the model does not
/// factor.
pub(super) fn factored_expected_batch<M: TransactionModel + ?Sized>(
    model: &M,
    t: f64,
    rows: SummarySlices<'_>,
) -> Option<Result<Vec<f64>>> {
    if let Err(e) = check_horizon(t) {
        return Some(Err(e));
    }
    let (distinct, slot) = match group_by_frequency_age(rows) {
        Ok(v) => v,
        Err(e) => return Some(Err(e)),
    };
    let &(_, x0, _, t0) = distinct.first()?;
    model.expected_if_alive_curve(&[], x0, t0)?.ok()?;
    let g = SummarySlices::map_tuples(&distinct, |x, _, age| {
        let curve = model.expected_if_alive_curve(&[t], x, age).unwrap_or_else(|| {
            Err(Error::Undefined {
                what: "expectation while alive",
                reason: "the model stopped factoring".to_owned(),
            })
        })?;
        Ok(curve.first().copied().unwrap_or(0.0))
    });
    let g = match g {
        Ok(g) => g,
        Err(e) => return Some(Err(e)),
    };
    let alive = match shared_probability_alive(model, rows) {
        Ok(a) => a,
        Err(e) => return Some(Err(e)),
    };
    Some(rows.map_indexed(|i, x, tx, age| {
        let e = g.get(slot.get(i).copied().unwrap_or(0)).copied().unwrap_or(0.0);
        let v = probability_alive_of(model, alive.as_deref(), i, x, tx, age)? * e;
        if v.is_finite() {
            Ok(v.max(0.0))
        } else {
            Err(Error::Undefined {
                what: "conditional expectation",
                reason: format!("not finite for x = {x}, t_x = {tx}, T = {age}"),
            })
        }
    }))
}

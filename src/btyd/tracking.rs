//! Tracking a customer base over calendar time: the expected cumulative number of repeat
//! transactions of all customers, from their acquisition times (BTYD's
//! `ExpectedCumulativeTransactions`), its per-period increments (BTYD's
//! `dc.CumulativeToIncremental`), and [`Tracking`], the actual and expected curves side by
//! side, cumulative and per period, that the tracking charts draw.

use serde::{Deserialize, Serialize};

use super::TransactionModel;
use crate::error::{Error, Result};
use crate::time::TimeUnit;

/// Expected cumulative repeat transactions of the whole base at each of `times`:
/// `Σᵢ E[X(τ − bᵢ)]` over customers acquired at `bᵢ < τ`, with `E[X(t)]` the model's
/// new-customer expectation. Times and births share the model's unit and origin.
/// Customers acquired at the same time are evaluated once, and so is each distinct gap
/// `τ − b` (daily births and daily times share their gaps).
///
/// The work is one addition per (distinct birth, time) pair with `b < τ` and one model
/// evaluation per distinct gap; both are bounded ([`MAX_TRACKING_PAIRS`],
/// [`MAX_TRACKING_EVALUATIONS`]) so that long daily grids are refused, not left running.
///
/// # Errors
///
/// [`Error::InvalidParameter`] for a non-finite birth or time, or (naming `times`) when
/// the pairs exceed [`MAX_TRACKING_PAIRS`] (counted before any model call) or the
/// distinct gaps exceed [`MAX_TRACKING_EVALUATIONS`] (also counted first);
/// [`Error::EmptyInput`] without births; [`Error::Undefined`] if a total is not finite; numerical errors of the model.
///
/// # Examples
///
/// ```
/// use customer_value::btyd::{BgNbd, cumulative_expected_repeat_transactions};
///
/// let m = BgNbd::new(0.2425945, 4.4136019, 0.7929199, 2.4258881)?;
/// // Two customers acquired at week 0, one at week 1.
/// let curve = cumulative_expected_repeat_transactions(&m, &[0.0, 0.0, 1.0], &[1.0, 2.0])?;
/// assert!(curve[0] > 0.0 && curve[1] > curve[0]);
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn cumulative_expected_repeat_transactions(
    model: &dyn TransactionModel,
    births: &[f64],
    times: &[f64],
) -> Result<Vec<f64>> {
    if births.is_empty() {
        return Err(Error::EmptyInput { what: "births" });
    }
    if let Some(b) = births.iter().find(|b| !b.is_finite()) {
        return Err(Error::param("births", b, "must be finite"));
    }
    if let Some(t) = times.iter().find(|t| !t.is_finite()) {
        return Err(Error::param("times", t, "must be finite"));
    }
    let mut sorted = births.to_vec();
    sorted.sort_unstable_by(f64::total_cmp);
    let mut cohorts: Vec<(f64, f64)> = Vec::new();
    for b in sorted {
        match cohorts.last_mut() {
            Some((lb, n)) if lb.to_bits() == b.to_bits() => *n += 1.0,
            _ => cohorts.push((b, 1.0)),
        }
    }
    let pairs: u64 = times
        .iter()
        .map(|&tau| cohorts.partition_point(|(b, _)| *b < tau) as u64)
        .sum();
    if pairs > MAX_TRACKING_PAIRS {
        return Err(Error::param(
            "times",
            format!(
                "{} times × {} distinct births ({pairs} pairs)",
                times.len(),
                cohorts.len()
            ),
            "at most btyd::MAX_TRACKING_PAIRS (10^7) (birth, time) pairs: use fewer times or coarser births",
        ));
    }
    // Every distinct gap τ − b, counted (and refused beyond the limit) before any model
    // call, then evaluated once each.
    let mut memo: std::collections::HashMap<u64, usize> = std::collections::HashMap::new();
    let mut gaps: Vec<f64> = Vec::new();
    for &tau in times {
        for &(b, _) in cohorts.iter().take_while(|(b, _)| *b < tau) {
            let gap = tau - b;
            memo.entry(gap.to_bits()).or_insert_with(|| {
                gaps.push(gap);
                gaps.len() - 1
            });
            if gaps.len() > MAX_TRACKING_EVALUATIONS {
                return Err(Error::param(
                    "times",
                    times.len(),
                    "more than btyd::MAX_TRACKING_EVALUATIONS (20,000) distinct gaps between births and times",
                ));
            }
        }
    }
    // In first-use order, so that an error names the same gap every run.
    let values = gaps
        .iter()
        .map(|&g| model.expected_purchases_new(g))
        .collect::<Result<Vec<f64>>>()?;
    times
        .iter()
        .map(|&tau| {
            let mut total = 0.0;
            for &(b, n) in cohorts.iter().take_while(|(b, _)| *b < tau) {
                let e = memo.get(&(tau - b).to_bits()).and_then(|&k| values.get(k));
                total += n * e.copied().unwrap_or(f64::NAN);
            }
            if total.is_finite() {
                Ok(total)
            } else {
                Err(Error::Undefined {
                    what: "expected cumulative repeat transactions",
                    reason: format!("the total at time {tau} is not finite"),
                })
            }
        })
        .collect()
}

/// The most (distinct birth, time) pairs [`cumulative_expected_repeat_transactions`] adds
/// up (10⁷: a fraction of a second of hash look-ups).
///
/// # Examples
///
/// ```
/// use customer_value::btyd::{BgNbd, MAX_TRACKING_PAIRS, cumulative_expected_repeat_transactions};
///
/// let m = BgNbd::new(0.243, 4.414, 0.793, 2.426)?;
/// // 4,000 distinct births × 4,000 times = 1.6·10⁷ pairs: refused before any model call.
/// let births: Vec<f64> = (0..4000).map(|i| f64::from(i) * 0.01).collect();
/// let times: Vec<f64> = (1..=4000).map(|i| 40.0 + f64::from(i)).collect();
/// assert!(4000 * 4000 > MAX_TRACKING_PAIRS);
/// assert!(cumulative_expected_repeat_transactions(&m, &births, &times).is_err());
/// # Ok::<(), customer_value::Error>(())
/// ```
pub const MAX_TRACKING_PAIRS: u64 = 10_000_000;

/// The most distinct gaps `τ − b` [`cumulative_expected_repeat_transactions`] asks the
/// model for (2·10⁴ expectations, counted before the first: a few milliseconds at ordinary
/// parameters; daily births and daily times over 55 years have 2·10⁴ gaps).
///
/// # Examples
///
/// ```
/// use customer_value::btyd::{BgNbd, MAX_TRACKING_EVALUATIONS, cumulative_expected_repeat_transactions};
///
/// let m = BgNbd::new(0.243, 4.414, 0.793, 2.426)?;
/// // Daily births over a year and daily times over 40 years share few gaps: allowed.
/// let births: Vec<f64> = (0..365).map(f64::from).collect();
/// let times: Vec<f64> = (1..=365 * 40).map(f64::from).collect();
/// assert!(times.len() < MAX_TRACKING_EVALUATIONS);
/// assert!(cumulative_expected_repeat_transactions(&m, &births, &times[..1000]).is_ok());
/// # Ok::<(), customer_value::Error>(())
/// ```
pub const MAX_TRACKING_EVALUATIONS: usize = 20_000;

/// Acquisition times from ages `T` at a common calibration end: `bᵢ = max T − Tᵢ`, so the
/// earliest customer is acquired at 0 (BTYD's convention).
///
/// # Errors
///
/// [`Error::EmptyInput`] without ages; [`Error::InvalidParameter`] for a negative or
/// non-finite age.
///
/// # Examples
///
/// ```
/// use customer_value::btyd::births_from_ages;
///
/// assert_eq!(births_from_ages(&[38.0, 36.5, 38.0])?, vec![0.0, 1.5, 0.0]);
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn births_from_ages(ages: &[f64]) -> Result<Vec<f64>> {
    if ages.is_empty() {
        return Err(Error::EmptyInput { what: "ages" });
    }
    if let Some(a) = ages.iter().find(|a| !(a.is_finite() && **a >= 0.0)) {
        return Err(Error::param("age", a, "must be finite and ≥ 0"));
    }
    let max = ages.iter().copied().fold(0.0, f64::max);
    Ok(ages.iter().map(|a| max - a).collect())
}

/// Expected repeat transactions of the whole base in each period `(τₖ₋₁, τₖ]` of `times`
/// (the first period from 0): the differences of
/// [`cumulative_expected_repeat_transactions`], which they sum back to (BTYD's
/// `dc.CumulativeToIncremental` of `ExpectedCumulativeTransactions`).
///
/// # Errors
///
/// As [`cumulative_expected_repeat_transactions`]; [`Error::InvalidParameter`] (naming
/// `times`) for times that do not increase.
///
/// # Examples
///
/// ```
/// use customer_value::btyd::{BgNbd, cumulative_expected_repeat_transactions, incremental_expected_repeat_transactions};
///
/// let m = BgNbd::new(0.2425945, 4.4136019, 0.7929199, 2.4258881)?;
/// let (births, weeks) = ([0.0, 0.0, 1.0], [1.0, 2.0, 3.0]);
/// let per_week = incremental_expected_repeat_transactions(&m, &births, &weeks)?;
/// let cumulative = cumulative_expected_repeat_transactions(&m, &births, &weeks)?;
/// assert!((per_week.iter().sum::<f64>() - cumulative[2]).abs() < 1e-12);
/// assert!(per_week.iter().all(|&w| w > 0.0));
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn incremental_expected_repeat_transactions(
    model: &dyn TransactionModel,
    births: &[f64],
    times: &[f64],
) -> Result<Vec<f64>> {
    check_increasing(times)?;
    Ok(differences(&cumulative_expected_repeat_transactions(
        model, births, times,
    )?))
}

fn check_increasing(times: &[f64]) -> Result<()> {
    match times.windows(2).find(|w| w.first() >= w.get(1)) {
        Some(w) => Err(Error::param("times", format!("{w:?}"), "must increase")),
        None => Ok(()),
    }
}

/// `[c₀, c₁ − c₀, c₂ − c₁, …]`.
fn differences(cumulative: &[f64]) -> Vec<f64> {
    let mut prev = 0.0;
    cumulative
        .iter()
        .map(|&c| {
            let step = c - prev;
            prev = c;
            step
        })
        .collect()
}

/// One time of a tracking curve: cumulative counts up to `time`.
///
/// # Examples
///
/// ```
/// use customer_value::btyd::TrackingPoint;
///
/// let p = TrackingPoint { time: 20.0, actual: 1359.0, expected: 1312.458 };
/// assert!(p.actual > p.expected);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TrackingPoint {
    /// Time since the first customer's first purchase, in the curve's unit.
    pub time: f64,
    /// Actual cumulative repeat purchases up to `time`.
    pub actual: f64,
    /// The model's expected cumulative repeat purchases up to `time`
    /// ([`cumulative_expected_repeat_transactions`]).
    pub expected: f64,
}

/// One period of a tracking curve: repeat purchases in the period that ends at `time`
/// (after the previous point's time; the first period starts at 0).
///
/// # Examples
///
/// ```
/// use customer_value::btyd::{Tracking, TrackingPoint};
/// use customer_value::TimeUnit;
///
/// let p = |time, actual, expected| TrackingPoint { time, actual, expected };
/// let curve = Tracking::new(TimeUnit::WEEK, None, vec![p(1.0, 3.0, 2.5), p(2.0, 7.0, 6.0)])?;
/// let second = curve.increments()[1];
/// assert_eq!((second.time, second.actual, second.expected), (2.0, 4.0, 3.5));
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TrackingStep {
    /// End of the period, in the curve's unit.
    pub time: f64,
    /// Actual repeat purchases in the period.
    pub actual: f64,
    /// The model's expected repeat purchases in the period.
    pub expected: f64,
}

/// Actual and expected cumulative repeat purchases of a customer base over calendar time,
/// with the end of the calibration period: what the tracking charts draw, cumulative
/// ([`points`](Self::points)) and per period ([`increments`](Self::increments)).
///
/// # Examples
///
/// ```
/// use customer_value::btyd::{Tracking, TrackingPoint};
/// use customer_value::TimeUnit;
///
/// let p = |time, actual, expected| TrackingPoint { time, actual, expected };
/// let curve = Tracking::new(TimeUnit::WEEK, Some(2.0), vec![p(1.0, 3.0, 2.5), p(2.0, 7.0, 6.0), p(3.0, 9.0, 9.5)])?;
/// let steps = curve.increments();
/// assert_eq!(steps.iter().map(|s| s.actual).sum::<f64>(), 9.0); // back to the last cumulative count
/// assert_eq!(steps[2].expected, 3.5);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tracking {
    /// Unit of the times.
    pub unit: TimeUnit,
    /// End of the calibration period (same origin as the times), if there is a holdout.
    pub calibration_end: Option<f64>,
    /// Increasing times.
    pub points: Vec<TrackingPoint>,
}

impl Tracking {
    /// A checked curve.
    ///
    /// # Errors
    ///
    /// [`Error::EmptyInput`] without points; [`Error::InvalidRow`] for a non-finite or
    /// negative value, or times that do not increase; [`Error::InvalidParameter`] for a
    /// non-finite calibration end.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::{Tracking, TrackingPoint};
    /// use customer_value::{Error, TimeUnit};
    ///
    /// let p = |time| TrackingPoint { time, actual: 1.0, expected: 1.0 };
    /// assert!(Tracking::new(TimeUnit::WEEK, None, vec![p(1.0), p(2.0)]).is_ok());
    /// let backwards = Tracking::new(TimeUnit::WEEK, None, vec![p(2.0), p(1.0)]);
    /// assert!(matches!(backwards, Err(Error::InvalidRow { row: 1, .. })));
    /// ```
    pub fn new(unit: TimeUnit, calibration_end: Option<f64>, points: Vec<TrackingPoint>) -> Result<Self> {
        if points.is_empty() {
            return Err(Error::EmptyInput {
                what: "tracking points",
            });
        }
        let mut last = f64::NEG_INFINITY;
        for (row, p) in points.iter().enumerate() {
            let ok = [p.time, p.actual, p.expected]
                .iter()
                .all(|v| v.is_finite() && *v >= 0.0);
            if !ok || p.time <= last {
                return Err(Error::InvalidRow {
                    row: row as u64,
                    reason: format!(
                        "tracking point ({}, {}, {}): values must be finite and ≥ 0, times increasing",
                        p.time, p.actual, p.expected
                    ),
                });
            }
            last = p.time;
        }
        if let Some(c) = calibration_end {
            if !c.is_finite() {
                return Err(Error::param("calibration_end", c, "must be finite"));
            }
        }
        Ok(Tracking {
            unit,
            calibration_end,
            points,
        })
    }

    /// The model's curve beside actual cumulative counts: the expected values are
    /// [`cumulative_expected_repeat_transactions`] of `model` for customers acquired at
    /// `births`, at each `actual` point's time.
    ///
    /// # Errors
    ///
    /// As [`new`](Self::new) and [`cumulative_expected_repeat_transactions`].
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::{BgNbd, Tracking};
    /// use customer_value::TimeUnit;
    ///
    /// let m = BgNbd::new(0.2425945, 4.4136019, 0.7929199, 2.4258881)?;
    /// let actual = [(1.0, 0.0), (2.0, 1.0), (3.0, 1.0)]; // (week, cumulative repeat purchases)
    /// let curve = Tracking::with_model(&m, &[0.0, 0.0, 1.0], &actual, TimeUnit::WEEK, Some(2.0))?;
    /// assert_eq!(curve.points.len(), 3);
    /// assert!(curve.increments().iter().all(|s| s.expected > 0.0));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn with_model(
        model: &dyn TransactionModel,
        births: &[f64],
        actual: &[(f64, f64)],
        unit: TimeUnit,
        calibration_end: Option<f64>,
    ) -> Result<Self> {
        let times: Vec<f64> = actual.iter().map(|a| a.0).collect();
        check_increasing(&times)?;
        let expected = cumulative_expected_repeat_transactions(model, births, &times)?;
        let points = actual
            .iter()
            .zip(expected)
            .map(|(&(time, actual), expected)| TrackingPoint {
                time,
                actual,
                expected,
            })
            .collect();
        Self::new(unit, calibration_end, points)
    }

    /// Actual and expected repeat purchases per period: the differences of the cumulative
    /// curve, the first period counted from 0. They sum back to the last point.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::{Tracking, TrackingPoint};
    /// use customer_value::TimeUnit;
    ///
    /// let p = |time, actual, expected| TrackingPoint { time, actual, expected };
    /// let curve = Tracking::new(TimeUnit::WEEK, None, vec![p(1.0, 2.0, 1.5), p(2.0, 5.0, 3.5)])?;
    /// let steps = curve.increments();
    /// assert_eq!((steps[0].actual, steps[0].expected), (2.0, 1.5)); // the first period counts from 0
    /// assert_eq!((steps[1].actual, steps[1].expected), (3.0, 2.0));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn increments(&self) -> Vec<TrackingStep> {
        let mut prev = (0.0, 0.0);
        self.points
            .iter()
            .map(|p| {
                let step = TrackingStep {
                    time: p.time,
                    actual: p.actual - prev.0,
                    expected: p.expected - prev.1,
                };
                prev = (p.actual, p.expected);
                step
            })
            .collect()
    }

    /// `(time, actual, expected)` per period, as [`increments`](Self::increments).
    ///
    /// # Examples
    ///
    /// ```
    /// # #![allow(deprecated)]
    /// use customer_value::btyd::{Tracking, TrackingPoint};
    /// use customer_value::TimeUnit;
    ///
    /// let p = |time, actual, expected| TrackingPoint { time, actual, expected };
    /// let curve = Tracking::new(TimeUnit::WEEK, None, vec![p(1.0, 2.0, 1.5), p(2.0, 5.0, 3.5)])?;
    /// assert_eq!(curve.incremental()[1], (2.0, 3.0, 2.0));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[deprecated(since = "0.2.0", note = "use `increments`, which names its fields")]
    #[must_use]
    pub fn incremental(&self) -> Vec<(f64, f64, f64)> {
        self.increments()
            .into_iter()
            .map(|s| (s.time, s.actual, s.expected))
            .collect()
    }
}

//! Holdout evaluation: per-customer predicted versus actual purchases after the
//! calibration period, summarised as MAE, RMSE, aggregate error, the
//! mean-by-calibration-frequency table of Fader, Hardie & Lee (2005, Figure 4) and the
//! mean-by-calibration-recency table of BTYD's `bgnbd.PlotRecVsConditionalExpectedFrequency`.
//! Rows may be compressed (one row per distinct pattern, weighted by its customers).
//! It owns no model: the predictions come in already computed.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Customers grouped by calibration frequency, with mean predicted and actual holdout
/// purchases.
///
/// # Examples
///
/// ```
/// use customer_value::btyd::HoldoutEvaluation;
///
/// let eval = HoldoutEvaluation::new(&[0.0, 0.0, 2.0], &[0.1, 0.3, 1.5], &[0.0, 1.0, 2.0], 2)?;
/// let zero = &eval.by_frequency[0];
/// assert_eq!((zero.frequency, zero.customers), (0, 2));
/// assert!((zero.mean_predicted - 0.2).abs() < 1e-12 && (zero.mean_actual - 0.5).abs() < 1e-12);
/// assert!(eval.by_frequency[2].open_ended); // "2+"
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FrequencyBin {
    /// Calibration frequency of the bin (the lower bound of the last, open bin).
    pub frequency: u32,
    /// Whether this is the open-ended last bin (`frequency` or more).
    pub open_ended: bool,
    /// Customers in the bin.
    pub customers: usize,
    /// Mean predicted holdout purchases.
    pub mean_predicted: f64,
    /// Mean actual holdout purchases.
    pub mean_actual: f64,
}

/// Customers grouped by calibration recency `t_x` (the time of the last calibration
/// purchase, measured from the first), with mean predicted and actual holdout purchases.
///
/// The bins are BTYD's (`bgnbd.PlotRecVsConditionalExpectedFrequency`): whole units of
/// the summaries' time unit, `[k, k + 1)` for `k = 0, 1, …, n − 2` and the open bin
/// `[n − 1, ∞)`, with `n = ⌈max t_x⌉` (at least 1). Customers without a repeat purchase
/// (`t_x = 0`) are in the first bin. Empty bins are kept with zero customers and zero
/// means.
///
/// The means are over customers. BTYD first averages the customers of each distinct
/// recency and then averages those averages within the bin (so a bin's mean weights a
/// lone customer at `t_x = 3.14` like 200 customers at `t_x = 3.0`); its bin sizes are the
/// same as these, its means are not. BTYD also assigns bins on `t_x` rounded to 3
/// decimals; these bins use `t_x` as given.
///
/// # Examples
///
/// ```
/// use customer_value::btyd::{HoldoutEvaluation, HoldoutRow};
///
/// let row = |frequency, recency, predicted, actual| HoldoutRow { frequency, recency, predicted, actual, weight: 1.0 };
/// let rows = [row(0.0, 0.0, 0.2, 0.0), row(1.0, 0.5, 0.4, 1.0), row(3.0, 2.5, 1.9, 2.0)];
/// let eval = HoldoutEvaluation::from_rows(&rows, 7)?;
/// // ⌈2.5⌉ = 3 bins: [0, 1), [1, 2), [2, ∞).
/// assert_eq!(eval.by_recency.len(), 3);
/// assert_eq!(eval.by_recency[0].customers, 2);
/// assert!((eval.by_recency[0].mean_predicted - 0.3).abs() < 1e-12);
/// assert_eq!(eval.by_recency[1].customers, 0);
/// assert!(eval.by_recency[2].open_ended);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecencyBin {
    /// Lower bound of the bin, in the summaries' time unit (a whole number).
    pub from: f64,
    /// Whether this is the open-ended last bin (`from` or more); otherwise the bin ends
    /// before `from + 1`.
    pub open_ended: bool,
    /// Customers in the bin.
    pub customers: usize,
    /// Mean predicted holdout purchases.
    pub mean_predicted: f64,
    /// Mean actual holdout purchases.
    pub mean_actual: f64,
}

/// One customer, or one pattern shared by `weight` customers, for
/// [`HoldoutEvaluation::from_rows`].
///
/// # Examples
///
/// ```
/// use customer_value::btyd::{HoldoutEvaluation, HoldoutRow};
///
/// // 1,411 CDNOW customers never came back in calibration; one row stands for all of them.
/// let never = HoldoutRow { frequency: 0.0, recency: 0.0, predicted: 0.2251, actual: 0.2367, weight: 1411.0 };
/// let eval = HoldoutEvaluation::from_rows(&[never], 7)?;
/// assert_eq!(eval.customers, 1411);
/// assert!((eval.actual_total - 0.2367 * 1411.0).abs() < 1e-9);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct HoldoutRow {
    /// Calibration frequency `x` (repeat purchases, a whole number).
    pub frequency: f64,
    /// Calibration recency `t_x`: time of the last calibration purchase after the first.
    pub recency: f64,
    /// The model's expected holdout purchases for one customer of the row.
    pub predicted: f64,
    /// Actual holdout purchases of one customer of the row. Compress on the holdout count
    /// too (rows of `(x, t_x, T, x*)`) for MAE and RMSE equal to the per-customer ones; a
    /// row that pools different counts into their mean keeps totals and bin means but
    /// understates MAE and RMSE.
    pub actual: f64,
    /// Customers the row stands for: a whole number ≥ 1.
    pub weight: f64,
}

/// Accuracy of holdout predictions.
///
/// # Examples
///
/// ```
/// use customer_value::btyd::HoldoutEvaluation;
///
/// let eval = HoldoutEvaluation::new(&[0.0, 1.0, 9.0], &[0.2, 0.6, 5.0], &[0.0, 1.0, 6.0], 7)?;
/// assert!((eval.mae - (0.2 + 0.4 + 1.0) / 3.0).abs() < 1e-12);
/// assert_eq!(eval.by_frequency.len(), 8); // 0, 1, …, 6 and 7+
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct HoldoutEvaluation {
    /// Customers evaluated.
    pub customers: usize,
    /// Mean absolute error per customer.
    pub mae: f64,
    /// Root mean squared error per customer.
    pub rmse: f64,
    /// Σ predicted.
    pub predicted_total: f64,
    /// Σ actual.
    pub actual_total: f64,
    /// `100 (Σ predicted − Σ actual) / Σ actual` (`None` when nobody bought, or when the
    /// actual total is so small beside the predicted one that the percentage is beyond `f64`).
    pub aggregate_error_pct: Option<f64>,
    /// Bins `0, 1, …, top − 1` and `top+`; empty bins are kept with zero customers and
    /// zero means.
    pub by_frequency: Vec<FrequencyBin>,
    /// Bins by calibration recency ([`RecencyBin`] states the rule); empty from
    /// [`new`](Self::new), which is not given recencies.
    #[serde(default)]
    pub by_recency: Vec<RecencyBin>,
}

/// Running sums of one bin.
#[derive(Clone, Copy, Default)]
struct Sums {
    customers: f64,
    predicted: f64,
    actual: f64,
}

impl Sums {
    fn add(&mut self, w: f64, p: f64, a: f64) {
        self.customers += w;
        self.predicted += w * p;
        self.actual += w * a;
    }

    /// (customers, mean predicted, mean actual); zero means for an empty bin.
    fn means(self) -> (usize, f64, f64) {
        if self.customers > 0.0 {
            (
                self.customers as usize,
                self.predicted / self.customers,
                self.actual / self.customers,
            )
        } else {
            (0, 0.0, 0.0)
        }
    }
}

/// Weights above 2⁵³ are not whole-number exact in `f64`.
const MAX_WEIGHT: f64 = 9_007_199_254_740_992.0;

impl HoldoutEvaluation {
    /// The largest `top` [`new`](Self::new) accepts: the table has `top + 1` bins, so `top`
    /// sizes an allocation (10⁶ bins, about 40 MB). [`from_rows`](Self::from_rows) also
    /// refuses more recency bins than this.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::HoldoutEvaluation;
    ///
    /// let ok = HoldoutEvaluation::new(&[0.0], &[0.2], &[0.0], HoldoutEvaluation::MAX_TOP);
    /// assert!(ok.is_ok());
    /// assert!(HoldoutEvaluation::new(&[0.0], &[0.2], &[0.0], HoldoutEvaluation::MAX_TOP + 1).is_err());
    /// ```
    pub const MAX_TOP: u32 = 1_000_000;

    /// Evaluates per-customer predictions against actual holdout purchases; `top` is the
    /// first frequency pooled into the open bin (the papers use 7). Without recencies,
    /// [`by_recency`](Self::by_recency) stays empty: use [`from_rows`](Self::from_rows)
    /// for it.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for `top` above [`MAX_TOP`](Self::MAX_TOP), checked
    /// before anything is allocated; [`Error::LengthMismatch`]; [`Error::EmptyInput`];
    /// [`Error::InvalidRow`] for a non-finite or negative value or a fractional calibration
    /// frequency; [`Error::Overflow`] if a total of predicted or actual purchases is not
    /// finite (values near `f64::MAX`).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::HoldoutEvaluation;
    ///
    /// let e = HoldoutEvaluation::new(&[0.0, 2.0, 5.0], &[0.3, 1.5, 4.0], &[0.0, 2.0, 3.0], 3)?;
    /// assert_eq!(e.by_frequency.len(), 4); // 0, 1, 2 and 3+
    /// assert_eq!(e.by_frequency[3].customers, 1);
    /// assert!((e.aggregate_error_pct.unwrap() - 100.0 * (5.8 - 5.0) / 5.0).abs() < 1e-12);
    /// assert!(e.by_recency.is_empty());
    /// assert!(HoldoutEvaluation::new(&[0.5], &[0.3], &[0.0], 3).is_err()); // fractional frequency
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn new(calibration_frequency: &[f64], predicted: &[f64], actual: &[f64], top: u32) -> Result<Self> {
        let n = calibration_frequency.len();
        for (name, len) in [("predicted", predicted.len()), ("actual", actual.len())] {
            if len != n {
                return Err(Error::LengthMismatch {
                    left: "calibration_frequency",
                    left_len: n,
                    right: name,
                    right_len: len,
                });
            }
        }
        let rows: Vec<HoldoutRow> = calibration_frequency
            .iter()
            .zip(predicted)
            .zip(actual)
            .map(|((&frequency, &predicted), &actual)| HoldoutRow {
                frequency,
                recency: 0.0,
                predicted,
                actual,
                weight: 1.0,
            })
            .collect();
        Self::evaluate(&rows, top, false)
    }

    /// Evaluates rows that may each stand for several customers (`weight` of them), with
    /// the recency table. The result is the one of the expanded rows, one per customer:
    /// means, MAE and RMSE are weighted by customers, totals count every customer.
    ///
    /// # Errors
    ///
    /// As [`new`](Self::new), with a row's recency also required finite and ≥ 0 and its
    /// weight a whole number in 1..=2⁵³ ([`Error::InvalidRow`]);
    /// [`Error::InvalidParameter`] (naming `recency`) if `⌈max t_x⌉` exceeds
    /// [`MAX_TOP`](Self::MAX_TOP) recency bins; [`Error::Overflow`] if the weights total
    /// 2⁵³ or more (customer counts past it are not exact in `f64`).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::{HoldoutEvaluation, HoldoutRow};
    ///
    /// let row = |frequency, recency, predicted, actual, weight| HoldoutRow { frequency, recency, predicted, actual, weight };
    /// // Three customers, the first two with the same pattern, compressed into one row.
    /// let compressed = HoldoutEvaluation::from_rows(&[row(0.0, 0.0, 0.2, 0.0, 2.0), row(2.0, 4.5, 1.2, 3.0, 1.0)], 7)?;
    /// let expanded = HoldoutEvaluation::from_rows(
    ///     &[row(0.0, 0.0, 0.2, 0.0, 1.0), row(0.0, 0.0, 0.2, 0.0, 1.0), row(2.0, 4.5, 1.2, 3.0, 1.0)], 7)?;
    /// assert_eq!(compressed.customers, 3);
    /// assert!((compressed.mae - expanded.mae).abs() < 1e-12);
    /// assert!((compressed.mae - (0.2 + 0.2 + 1.8) / 3.0).abs() < 1e-12);
    /// assert_eq!(compressed.by_recency.len(), 5); // ⌈4.5⌉ bins
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn from_rows(rows: &[HoldoutRow], top: u32) -> Result<Self> {
        Self::evaluate(rows, top, true)
    }

    fn evaluate(rows: &[HoldoutRow], top: u32, with_recency: bool) -> Result<Self> {
        if top > Self::MAX_TOP {
            return Err(Error::param(
                "top",
                top,
                "at most HoldoutEvaluation::MAX_TOP (1,000,000) frequency bins",
            ));
        }
        if rows.is_empty() {
            return Err(Error::EmptyInput {
                what: "holdout customers",
            });
        }
        for (i, r) in rows.iter().enumerate() {
            let values = [r.frequency, r.recency, r.predicted, r.actual];
            let w = r.weight;
            if !values.iter().all(|v| v.is_finite() && *v >= 0.0)
                || r.frequency.fract() != 0.0
                || !(1.0..=MAX_WEIGHT).contains(&w)
                || w.fract() != 0.0
            {
                return Err(Error::InvalidRow {
                    row: i as u64,
                    reason: format!(
                        "frequency {}, recency {}, predicted {}, actual {}, weight {w}: must be finite, ≥ 0, \
                         whole frequency, whole weight ≥ 1",
                        r.frequency, r.recency, r.predicted, r.actual
                    ),
                });
            }
        }
        // BTYD's recency bins: ⌈max t_x⌉ unit-wide bins, the last one open.
        let recency_bins = if with_recency {
            let max = rows.iter().map(|r| r.recency).fold(0.0, f64::max).ceil();
            if max > f64::from(Self::MAX_TOP) {
                return Err(Error::param(
                    "recency",
                    max,
                    "at most HoldoutEvaluation::MAX_TOP (1,000,000) recency bins: use a coarser time unit",
                ));
            }
            (max as usize).max(1)
        } else {
            0
        };
        let bins = top as usize + 1;
        let mut by_x = vec![Sums::default(); bins];
        let mut by_tx = vec![Sums::default(); recency_bins];
        let (mut customers, mut abs, mut sq, mut tp, mut ta) = (0.0, 0.0, 0.0, 0.0, 0.0);
        for r in rows {
            let (w, p, a) = (r.weight, r.predicted, r.actual);
            let bin = if r.frequency >= f64::from(top) {
                top as usize
            } else {
                r.frequency as usize
            };
            if let Some(s) = by_x.get_mut(bin) {
                s.add(w, p, a);
            }
            // The float-to-int cast saturates; `min` puts the top values in the open bin.
            let rbin = (r.recency.floor() as usize).min(recency_bins.saturating_sub(1));
            if let Some(s) = by_tx.get_mut(rbin) {
                s.add(w, p, a);
            }
            customers += w;
            abs += w * (p - a).abs();
            sq += w * (p - a) * (p - a);
            tp += w * p;
            ta += w * a;
        }
        if ![abs, sq, tp, ta].iter().all(|v| v.is_finite()) || customers >= MAX_WEIGHT {
            return Err(Error::Overflow {
                op: "holdout evaluation: totals of predicted and actual purchases beyond f64",
            });
        }
        let by_frequency = by_x
            .iter()
            .enumerate()
            .map(|(b, s)| {
                let (c, mp, ma) = s.means();
                FrequencyBin {
                    frequency: b as u32,
                    open_ended: b == top as usize,
                    customers: c,
                    mean_predicted: mp,
                    mean_actual: ma,
                }
            })
            .collect();
        let by_recency = by_tx
            .iter()
            .enumerate()
            .map(|(b, s)| {
                let (c, mp, ma) = s.means();
                RecencyBin {
                    from: b as f64,
                    open_ended: b + 1 == recency_bins,
                    customers: c,
                    mean_predicted: mp,
                    mean_actual: ma,
                }
            })
            .collect();
        Ok(HoldoutEvaluation {
            customers: customers as usize,
            mae: abs / customers,
            rmse: (sq / customers).sqrt(),
            predicted_total: tp,
            actual_total: ta,
            aggregate_error_pct: Some(100.0 * (tp - ta) / ta).filter(|p| ta > 0.0 && p.is_finite()),
            by_frequency,
            by_recency,
        })
    }
}

//! Holdout evaluation: per-customer predicted versus actual purchases after the
//! calibration period, summarised as MAE, RMSE, aggregate error and the
//! mean-by-calibration-frequency table of Fader, Hardie & Lee (2005, Figure 4).

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Customers grouped by calibration frequency, with mean predicted and actual holdout
/// purchases.
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
    /// `100 (Σ predicted − Σ actual) / Σ actual` (`None` when nobody bought).
    pub aggregate_error_pct: Option<f64>,
    /// Bins `0, 1, …, top − 1` and `top+`; empty bins are kept with zero customers and
    /// zero means.
    pub by_frequency: Vec<FrequencyBin>,
}

impl HoldoutEvaluation {
    /// The largest `top` [`new`](Self::new) accepts: the table has `top + 1` bins, so `top`
    /// sizes an allocation (10⁶ bins, about 40 MB).
    pub const MAX_TOP: u32 = 1_000_000;

    /// Evaluates per-customer predictions against actual holdout purchases; `top` is the
    /// first frequency pooled into the open bin (the papers use 7).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for `top` above [`MAX_TOP`](Self::MAX_TOP), checked
    /// before anything is allocated; [`Error::LengthMismatch`]; [`Error::EmptyInput`];
    /// [`Error::InvalidRow`] for a non-finite or negative value or a fractional calibration
    /// frequency; [`Error::Overflow`] if a total of predicted or actual purchases is not
    /// finite (values near `f64::MAX`).
    pub fn new(calibration_frequency: &[f64], predicted: &[f64], actual: &[f64], top: u32) -> Result<Self> {
        if top > Self::MAX_TOP {
            return Err(Error::param(
                "top",
                top,
                "at most HoldoutEvaluation::MAX_TOP (1,000,000) frequency bins",
            ));
        }
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
        if n == 0 {
            return Err(Error::EmptyInput {
                what: "holdout customers",
            });
        }
        let bins = top as usize + 1;
        let mut count = vec![0usize; bins];
        let mut sum_p = vec![0.0; bins];
        let mut sum_a = vec![0.0; bins];
        let (mut abs, mut sq, mut tp, mut ta) = (0.0, 0.0, 0.0, 0.0);
        for (i, ((&x, &p), &a)) in calibration_frequency
            .iter()
            .zip(predicted)
            .zip(actual)
            .enumerate()
        {
            if ![x, p, a].iter().all(|v| v.is_finite() && *v >= 0.0) || x.fract() != 0.0 {
                return Err(Error::InvalidRow {
                    row: i as u64,
                    reason: format!(
                        "frequency {x}, predicted {p}, actual {a}: must be finite, ≥ 0, whole frequency"
                    ),
                });
            }
            let bin = if x >= f64::from(top) {
                top as usize
            } else {
                x as usize
            };
            if let (Some(c), Some(sp), Some(sa)) =
                (count.get_mut(bin), sum_p.get_mut(bin), sum_a.get_mut(bin))
            {
                *c += 1;
                *sp += p;
                *sa += a;
            }
            abs += (p - a).abs();
            sq += (p - a) * (p - a);
            tp += p;
            ta += a;
        }
        if ![abs, sq, tp, ta].iter().all(|v| v.is_finite()) {
            return Err(Error::Overflow {
                op: "holdout evaluation: totals of predicted and actual purchases beyond f64",
            });
        }
        let nf = n as f64;
        let by_frequency = (0..bins)
            .map(|b| {
                let c = count.get(b).copied().unwrap_or(0);
                let mean = |s: &[f64]| {
                    if c == 0 {
                        0.0
                    } else {
                        s.get(b).copied().unwrap_or(0.0) / c as f64
                    }
                };
                FrequencyBin {
                    frequency: b as u32,
                    open_ended: b == top as usize,
                    customers: c,
                    mean_predicted: mean(&sum_p),
                    mean_actual: mean(&sum_a),
                }
            })
            .collect();
        Ok(HoldoutEvaluation {
            customers: n,
            mae: abs / nf,
            rmse: (sq / nf).sqrt(),
            predicted_total: tp,
            actual_total: ta,
            aggregate_error_pct: (ta > 0.0).then(|| 100.0 * (tp - ta) / ta),
            by_frequency,
        })
    }
}

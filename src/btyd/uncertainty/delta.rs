//! The delta method: `Var g(θ̂) ≈ ∇gᵀ Σ ∇g` with `Σ = Cov(ln θ̂)` and the gradient in
//! `ln θ` by central differences.

use std::ops::Range;

use super::engine::{Block, assemble, map_blocks};
use super::{IntervalLevel, IntervalMethod, Intervals, LogCovariance, Parametric, Prediction, Scale};
use crate::error::{Error, Result};

/// The step in `ln θ` of the central differences (a relative step of 1e-5 in θ): the
/// truncation error is O(h²) ≈ 1e-10 relative and the rounding error of predictions
/// accurate to ~1e-13 is ~1e-8 relative.
pub const DEFAULT_LOG_STEP: f64 = 1e-5;

/// The gradient of each output of `pred` with respect to `ln θ`, by central differences
/// with step `step` in `ln θ`: one vector per parameter, each with one entry per output
/// (distinct rows, not expanded to customers).
///
/// # Errors
///
/// [`Error::InvalidParameter`] unless `step` is finite and > 0; the model's and the
/// prediction's errors.
///
/// # Examples
///
/// ```
/// use customer_value::btyd::uncertainty::{CustomerRows, ProbabilityAlive, log_gradient};
/// use customer_value::btyd::BgNbd;
///
/// let m = BgNbd::new(0.2425945, 4.4136019, 0.7929199, 2.4258881)?;
/// let rows = CustomerRows::new(&[2.0], &[30.43], &[38.86])?;
/// let g = log_gradient(&m, &ProbabilityAlive::new(&rows), 1e-5)?;
/// // P(alive) = 1/(1 + a/(b+x−1) ((α+T)/(α+t_x))^{r+x}) falls as a grows.
/// assert!(g[2][0] < 0.0);
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn log_gradient<M: Parametric, P: Prediction<M> + ?Sized>(
    model: &M,
    pred: &P,
    step: f64,
) -> Result<Vec<Vec<f64>>> {
    if !(step.is_finite() && step > 0.0) {
        return Err(Error::param("step", step, "must be finite and > 0"));
    }
    let models = shifted_models(model, step)?;
    let blocks = map_blocks(pred.outputs(), |range| block_gradient(&models, pred, range, step))?;
    let k = models.len();
    let mut out = vec![Vec::with_capacity(pred.outputs()); k];
    for b in blocks {
        for (o, g) in out.iter_mut().zip(b) {
            o.extend(g);
        }
    }
    Ok(out)
}

/// The models at `ln θ ± step` along each coordinate, in pairs.
fn shifted_models<M: Parametric>(model: &M, step: f64) -> Result<Vec<(M, M)>> {
    let u: Vec<f64> = model.values().iter().map(|v| v.ln()).collect();
    (0..u.len())
        .map(|j| {
            let at = |d: f64| {
                let v: Vec<f64> = u
                    .iter()
                    .enumerate()
                    .map(|(i, ui)| if i == j { (ui + d).exp() } else { ui.exp() })
                    .collect();
                model.with_values(&v)
            };
            Ok((at(step)?, at(-step)?))
        })
        .collect()
}

fn block_gradient<M, P: Prediction<M> + ?Sized>(
    models: &[(M, M)],
    pred: &P,
    range: Range<usize>,
    step: f64,
) -> Result<Vec<Vec<f64>>> {
    let len = range.len();
    let (mut p, mut m) = (vec![0.0; len], vec![0.0; len]);
    models
        .iter()
        .map(|(plus, minus)| {
            pred.evaluate(plus, range.clone(), &mut p)?;
            pred.evaluate(minus, range.clone(), &mut m)?;
            Ok(p.iter().zip(&m).map(|(a, b)| (a - b) / (2.0 * step)).collect())
        })
        .collect()
}

/// Delta-method intervals of `pred` at the fitted `model`, with the fit's covariance
/// `cov` ([`LogCovariance::of_fit`], or [`LogCovariance::joint`] for a pair): the
/// interval is `± z·sd` on the prediction's [`Scale`] (log for expectations, logit for
/// probabilities), mapped back, so bounds stay in range. Where the prediction sits on the
/// edge of its scale (P(alive) = 1 for a customer with no repeat purchase under BG/NBD)
/// the interval is symmetric on the natural scale, clipped.
///
/// # Errors
///
/// [`Error::LengthMismatch`] if `cov` does not have the model's parameter count; the
/// model's and the prediction's errors (the delta method needs every output at the
/// estimate and its neighbours).
///
/// # Examples
///
/// ```
/// use customer_value::btyd::uncertainty::{
///     CustomerRows, ExpectedPurchases, IntervalLevel, IntervalMethod, LogCovariance, delta_intervals,
/// };
/// use customer_value::btyd::{BgNbd, FitOptions, WeightedSummaries};
///
/// let (x, tx, t) = (
///     [0.0, 1.0, 3.0, 0.0, 2.0, 5.0, 1.0, 0.0, 4.0, 2.0],
///     [0.0, 10.0, 30.0, 0.0, 12.0, 35.0, 2.0, 0.0, 20.0, 38.0],
///     [40.0, 40.0, 40.0, 38.0, 39.0, 40.0, 41.0, 37.0, 40.0, 39.0],
/// );
/// let data = WeightedSummaries::from_rows(&x, &tx, &t)?;
/// let options = FitOptions::default().with_penalty(0.01)?;
/// let fit = BgNbd::fit(&data, &options)?;
/// let cov = LogCovariance::of_fit(&fit, &data, &options)?;
/// let rows = CustomerRows::new(&x, &tx, &t)?;
/// let iv = delta_intervals(&fit.model, &cov, &ExpectedPurchases::new(&rows, 10.0), IntervalLevel::new(0.9)?)?;
/// assert_eq!((iv.method, iv.draws, iv.excluded), (IntervalMethod::Delta, 0, 0));
/// // Symmetric on the log scale: the point is the geometric mean of the bounds.
/// for ((l, p), u) in iv.lower.iter().zip(&iv.point).zip(&iv.upper) {
///     assert!(0.0 < *l && l <= p && p <= u);
///     assert!(((l * u).sqrt() - p).abs() < 1e-9 * p);
/// }
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn delta_intervals<M: Parametric, P: Prediction<M> + ?Sized>(
    model: &M,
    cov: &LogCovariance,
    pred: &P,
    level: IntervalLevel,
) -> Result<Intervals> {
    let k = model.values().len();
    if cov.len() != k {
        return Err(Error::LengthMismatch {
            left: "covariance",
            left_len: cov.len(),
            right: "model parameters",
            right_len: k,
        });
    }
    let models = shifted_models(model, DEFAULT_LOG_STEP)?;
    let z = level.z();
    let scale = pred.scale();
    let blocks = map_blocks(pred.outputs(), |range| {
        let mut point = vec![0.0; range.len()];
        pred.evaluate(model, range.clone(), &mut point)?;
        let grad = block_gradient(&models, pred, range, DEFAULT_LOG_STEP)?;
        let mut g = vec![0.0; k];
        let (mut lower, mut upper) = (Vec::with_capacity(point.len()), Vec::with_capacity(point.len()));
        for (i, &v) in point.iter().enumerate() {
            for (gj, col) in g.iter_mut().zip(&grad) {
                *gj = col.get(i).copied().unwrap_or(0.0);
            }
            let sd = cov.quadratic_form(&g).max(0.0).sqrt();
            let (lo, hi) = bounds(v, sd, z, scale);
            lower.push(lo);
            upper.push(hi);
        }
        Ok(Block {
            point,
            lower,
            upper,
            excluded: 0,
        })
    })?;
    Ok(assemble(
        blocks,
        pred.customers(),
        level,
        IntervalMethod::Delta,
        0,
        0,
    ))
}

/// `v ± z sd` on `scale`, mapped back.
fn bounds(v: f64, sd: f64, z: f64, scale: Scale) -> (f64, f64) {
    match scale {
        Scale::Log if v > 0.0 => {
            let s = z * sd / v;
            (v * (-s).exp(), v * s.exp())
        }
        Scale::Log => ((v - z * sd).max(0.0), v + z * sd),
        Scale::Logit if v > 0.0 && v < 1.0 => {
            let l = (v / (1.0 - v)).ln();
            let s = z * sd / (v * (1.0 - v));
            let back = |x: f64| 1.0 / (1.0 + (-x).exp());
            (back(l - s), back(l + s))
        }
        Scale::Logit => ((v - z * sd).clamp(0.0, 1.0), (v + z * sd).clamp(0.0, 1.0)),
        Scale::Identity => (v - z * sd, v + z * sd),
    }
}

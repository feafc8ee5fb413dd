//! Lorenz curves: cumulative share of value against cumulative share of customers,
//! customers taken from the least to the most valuable.
//!
//! The unweighted curve of one value per customer is [`Concentration::lorenz`]; this file
//! owns the point type, the weighted curve (a value per unit of weight, e.g. mean spend
//! of a group of `w` customers) and the Gini coefficient read off any curve.
//!
//! [`Concentration::lorenz`]: super::Concentration::lorenz

use serde::{Deserialize, Serialize};

use super::rank::canon;
use super::{check_finite, pow2_scale, sum};
use crate::error::{Error, Result};

/// One point of a Lorenz curve.
///
/// # Examples
///
/// ```
/// use customer_value::segment::lorenz_curve_weighted;
///
/// // Nine customers spending 10 and one spending 100: the bottom 90 % hold 90 / 190 of spend.
/// let curve = lorenz_curve_weighted(&[10.0, 100.0], &[9.0, 1.0])?;
/// assert_eq!((curve[0].population, curve[0].value), (0.0, 0.0));
/// assert!((curve[1].population - 0.9).abs() < 1e-12 && (curve[1].value - 90.0 / 190.0).abs() < 1e-12);
/// assert_eq!((curve[2].population, curve[2].value), (1.0, 1.0));
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LorenzPoint {
    /// Cumulative share of customers (or weight), in `[0, 1]`.
    pub population: f64,
    /// Cumulative share of value held by them.
    pub value: f64,
}

/// The Lorenz curve of values with weights: observation `i` stands for `weights[i]` units
/// of population, each holding `values[i]`. Points start at `(0, 0)`, end at `(1, 1)` and
/// come one per observation with positive weight, in ascending order of value (equal
/// values lie on one straight segment, so their order does not matter).
///
/// # Errors
///
/// [`Error::EmptyInput`]; [`Error::LengthMismatch`]; [`Error::InvalidRow`] for a NaN or
/// infinite value or weight, or a negative weight; [`Error::Undefined`] if the weights or
/// the weighted total are not positive. Values and weights are scaled by exact powers of
/// two before multiplying and summing, so any finite inputs give finite points.
///
/// # Examples
///
/// ```
/// use customer_value::segment::{gini_from_lorenz, lorenz_curve_weighted};
///
/// // Two groups: 3 customers spending 10 each, 1 spending 70.
/// let curve = lorenz_curve_weighted(&[70.0, 10.0], &[1.0, 3.0])?;
/// assert_eq!(curve.len(), 3);
/// assert!((curve[1].population - 0.75).abs() < 1e-12);
/// assert!((curve[1].value - 0.3).abs() < 1e-12);
/// // Same Gini as the four customers listed one by one.
/// let g = gini_from_lorenz(&curve)?;
/// let direct = customer_value::segment::gini(&[10.0, 10.0, 10.0, 70.0], Default::default())?;
/// assert!((g - direct.population).abs() < 1e-12);
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn lorenz_curve_weighted(values: &[f64], weights: &[f64]) -> Result<Vec<LorenzPoint>> {
    if values.len() != weights.len() {
        return Err(Error::LengthMismatch {
            left: "values",
            left_len: values.len(),
            right: "weights",
            right_len: weights.len(),
        });
    }
    check_finite(values, "Lorenz values")?;
    check_finite(weights, "Lorenz weights")?;
    if let Some(i) = weights.iter().position(|&w| w < 0.0) {
        return Err(Error::InvalidRow {
            row: i as u64,
            reason: "weights must not be negative".into(),
        });
    }
    // Exact power-of-two scalings of values and weights: every share is unchanged, and no
    // product or running sum can overflow.
    let (vs, ws) = (
        pow2_scale(values.iter().copied()),
        pow2_scale(weights.iter().copied()),
    );
    let total_weight = sum(weights.iter().map(|&w| w * ws));
    let total_value = sum(values.iter().zip(weights).map(|(&v, &w)| (v * vs) * (w * ws)));
    if total_weight <= 0.0 || total_value <= 0.0 || !total_value.is_finite() {
        return Err(Error::Undefined {
            what: "Lorenz curve",
            reason: "total weight and total value must be positive".into(),
        });
    }
    let mut order: Vec<(f64, f64)> = values
        .iter()
        .zip(weights)
        .filter(|(_, w)| **w > 0.0)
        .map(|(&v, &w)| (canon(v * vs), w * ws))
        .collect();
    order.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
    let mut points = Vec::with_capacity(order.len() + 1);
    points.push(LorenzPoint {
        population: 0.0,
        value: 0.0,
    });
    let (mut cw, mut cv) = (0.0, 0.0);
    for (v, w) in order {
        cw += w;
        cv += v * w;
        points.push(LorenzPoint {
            population: cw / total_weight,
            value: cv / total_value,
        });
    }
    // Pin the end exactly to (1, 1) against accumulated rounding.
    if let Some(last) = points.last_mut() {
        *last = LorenzPoint {
            population: 1.0,
            value: 1.0,
        };
    }
    Ok(points)
}

/// The Gini coefficient as twice the area between the diagonal and a Lorenz curve
/// (trapezoids): `G = 1 − Σ (p_k − p_{k−1}) (L_k + L_{k−1})`. On the full curve of one
/// point per customer this equals the population Gini.
///
/// # Errors
///
/// [`Error::EmptyInput`] for fewer than two points; [`Error::InvalidRow`] if a point is
/// not finite or the population shares decrease; [`Error::Overflow`] if the area is not a
/// finite `f64` (points of magnitude near `f64::MAX`, not shares). Every `Ok` is finite.
///
/// # Examples
///
/// See [`lorenz_curve_weighted`].
///
/// ```
/// use customer_value::segment::{gini_from_lorenz, lorenz_curve_weighted};
///
/// // Nine 10s and one 100: Gini 0.4263158 (R `ineq`).
/// let curve = lorenz_curve_weighted(&[10.0, 100.0], &[9.0, 1.0])?;
/// assert!((gini_from_lorenz(&curve)? - 0.426_315_8).abs() < 1e-7);
/// assert!(gini_from_lorenz(&curve[..1]).is_err()); // a curve needs two points
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn gini_from_lorenz(points: &[LorenzPoint]) -> Result<f64> {
    if points.len() < 2 {
        return Err(Error::EmptyInput {
            what: "Lorenz curve (at least two points)",
        });
    }
    for (i, w) in points.windows(2).enumerate() {
        if let [a, b] = w {
            if !(b.population.is_finite() && b.value.is_finite()) || b.population < a.population {
                return Err(Error::InvalidRow {
                    row: i as u64 + 1,
                    reason: "Lorenz points must be finite with non-decreasing population share".into(),
                });
            }
        }
    }
    let area2 = sum(points.windows(2).map(|w| match w {
        [a, b] => (b.population - a.population) * (b.value + a.value),
        _ => 0.0,
    }));
    let g = 1.0 - area2;
    if g.is_finite() {
        Ok(g)
    } else {
        Err(Error::Overflow {
            op: "Gini from a Lorenz curve",
        })
    }
}

/// The population Gini coefficient of values with weights, in one call: observation `i`
/// stands for `weights[i]` units of population each holding `values[i]` (a group's mean
/// spend and its size, say). Equal to `G = Σᵢ Σⱼ wᵢ wⱼ |xᵢ − xⱼ| / (2 W² μ)` and to the
/// unweighted Gini of the observations repeated by whole-number weights.
///
/// # Errors
///
/// As [`lorenz_curve_weighted`].
///
/// # Examples
///
/// ```
/// use customer_value::segment::{gini, gini_weighted};
///
/// // 3 customers spending 10 each and 1 spending 70, as two weighted groups.
/// let g = gini_weighted(&[70.0, 10.0], &[1.0, 3.0])?;
/// let listed = gini(&[10.0, 10.0, 10.0, 70.0], Default::default())?;
/// assert!((g - listed.population).abs() < 1e-12);
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn gini_weighted(values: &[f64], weights: &[f64]) -> Result<f64> {
    gini_from_lorenz(&lorenz_curve_weighted(values, weights)?)
}

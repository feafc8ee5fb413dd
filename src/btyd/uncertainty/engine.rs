//! The shared machinery of the three methods: outputs in blocks (in parallel with the
//! `parallel` feature), percentiles of draws, expansion to customers.

use std::ops::Range;

use super::{IntervalLevel, IntervalMethod, Intervals, Prediction};
use crate::error::{Error, Result};

/// Outputs per block: the draws × block matrix of one block stays in cache.
const BLOCK: usize = 512;

/// `f` over consecutive blocks of `0..n`, in order.
pub(super) fn map_blocks<T: Send>(n: usize, f: impl Fn(Range<usize>) -> Result<T> + Sync) -> Result<Vec<T>> {
    let blocks = n.div_ceil(BLOCK);
    let range = |b: usize| b * BLOCK..((b + 1) * BLOCK).min(n);
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        (0..blocks).into_par_iter().map(|b| f(range(b))).collect()
    }
    #[cfg(not(feature = "parallel"))]
    {
        (0..blocks).map(|b| f(range(b))).collect()
    }
}

/// One block's results.
pub(super) struct Block {
    pub point: Vec<f64>,
    pub lower: Vec<f64>,
    pub upper: Vec<f64>,
    pub excluded: usize,
}

/// Concatenates blocks and expands per-customer outputs.
pub(super) fn assemble(
    blocks: Vec<Block>,
    customers: Option<&[u32]>,
    level: IntervalLevel,
    method: IntervalMethod,
    draws: usize,
    excluded_models: usize,
) -> Intervals {
    let (mut point, mut lower, mut upper, mut excluded) =
        (Vec::new(), Vec::new(), Vec::new(), excluded_models);
    for b in blocks {
        point.extend(b.point);
        lower.extend(b.lower);
        upper.extend(b.upper);
        excluded += b.excluded;
    }
    if let Some(index) = customers {
        let expand = |v: &[f64]| -> Vec<f64> {
            index
                .iter()
                .map(|&i| v.get(i as usize).copied().unwrap_or(f64::NAN))
                .collect()
        };
        point = expand(&point);
        lower = expand(&lower);
        upper = expand(&upper);
    }
    Intervals {
        level,
        method,
        point,
        lower,
        upper,
        draws,
        excluded,
    }
}

/// Percentile intervals of `pred` over the models `draws` (`excluded_models` already left
/// out), with the point prediction of `point`.
pub(super) fn percentile_intervals<M: Sync, P: Prediction<M> + ?Sized>(
    point: &M,
    draws: &[M],
    excluded_models: usize,
    pred: &P,
    level: IntervalLevel,
    method: IntervalMethod,
) -> Result<Intervals> {
    let requested = draws.len() + excluded_models;
    if draws.is_empty() {
        return Err(Error::Undefined {
            what: "percentile intervals",
            reason: format!("none of the {requested} draws gave a model"),
        });
    }
    let blocks = map_blocks(pred.outputs(), |range| {
        let len = range.len();
        let mut p = vec![0.0; len];
        pred.evaluate(point, range.clone(), &mut p)?;
        let mut values = vec![0.0; draws.len() * len];
        let mut ok = vec![false; draws.len()];
        for ((m, chunk), ok) in draws.iter().zip(values.chunks_exact_mut(len.max(1))).zip(&mut ok) {
            *ok = pred.evaluate(m, range.clone(), chunk).is_ok() && chunk.iter().all(|v| v.is_finite());
        }
        let good = ok.iter().filter(|o| **o).count();
        if good == 0 {
            return Err(Error::Undefined {
                what: "percentile intervals",
                reason: format!("the prediction failed for every draw on outputs {range:?}"),
            });
        }
        let mut column = Vec::with_capacity(good);
        let (mut lower, mut upper) = (Vec::with_capacity(len), Vec::with_capacity(len));
        for i in 0..len {
            column.clear();
            column.extend(
                values
                    .chunks_exact(len.max(1))
                    .zip(&ok)
                    .filter(|(_, o)| **o)
                    .filter_map(|(c, _)| c.get(i).copied()),
            );
            let (lo, hi) = quantile_pair(&mut column, level.lower_quantile(), level.upper_quantile());
            lower.push(lo);
            upper.push(hi);
        }
        Ok(Block {
            point: p,
            lower,
            upper,
            excluded: draws.len() - good,
        })
    })?;
    Ok(assemble(
        blocks,
        pred.customers(),
        level,
        method,
        requested,
        excluded_models,
    ))
}

/// The `p`- and `q`-quantiles (`p < q`) of `v` (non-empty, finite), linear interpolation
/// between order statistics (Hyndman & Fan type 7, numpy's default). Reorders `v`.
pub(super) fn quantile_pair(v: &mut [f64], p: f64, q: f64) -> (f64, f64) {
    let lo = quantile(v, p);
    let hi = quantile(v, q);
    (lo, hi)
}

fn quantile(v: &mut [f64], p: f64) -> f64 {
    let n = v.len();
    if n == 0 {
        return f64::NAN;
    }
    let h = (n - 1) as f64 * p;
    let k = (h.floor() as usize).min(n - 1);
    let (_, at, right) = v.select_nth_unstable_by(k, f64::total_cmp);
    let x_k = *at;
    let frac = h - k as f64;
    if frac > 0.0 {
        let next = right.iter().copied().fold(f64::INFINITY, f64::min);
        x_k + frac * (next - x_k)
    } else {
        x_k
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_match_numpy_type_7() {
        // numpy.quantile([3, 1, 4, 1, 5, 9, 2, 6], [0.05, 0.95]) = [1.0, 7.95]
        let mut v = [3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0];
        let (lo, hi) = quantile_pair(&mut v, 0.05, 0.95);
        assert!((lo - 1.0).abs() < 1e-12 && (hi - 7.95).abs() < 1e-12, "{lo} {hi}");
        let mut one = [2.5];
        assert_eq!(quantile_pair(&mut one, 0.05, 0.95), (2.5, 2.5));
    }
}

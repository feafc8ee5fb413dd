//! Work [`score`](super::score) shares between customers, for models whose predictions
//! factor as `P(alive) · f(x, T)` ([`TransactionModel::expected_if_alive_curve`] and
//! [`TransactionModel::survival_if_alive`]): the customers are grouped by `(x, T)` once,
//! P(alive) is taken once per customer (from the caller), and each distinct `(x, T)` gets
//! one pass computing the discounted CLV curve, the expectation at the horizon (the
//! curve's last point), the survival to the horizon and the holdout expectation. The
//! values are those of the separate batch calls (`expected_purchases_batch`,
//! `clv_batch`, `probability_alive_at`) bit for bit: the same functions on the same
//! arguments, only called fewer times.

use crate::btyd::{ClvSpec, SummarySlices, TransactionModel, group_by_frequency_age};
use crate::error::{Error, Result};

/// The per-customer columns computed through shared work; each is `Err` when one of its
/// distinct `(x, T)` failed (the caller then recomputes that column row by row and flags
/// the failing customers).
pub(super) struct SharedColumns {
    pub(super) expected: Result<Vec<f64>>,
    pub(super) discounted: Result<Vec<f64>>,
    /// `None` when the model's P(alive at the horizon) does not factor.
    pub(super) alive_at: Option<Result<Vec<f64>>>,
    /// `None` without a holdout.
    pub(super) holdout: Option<Result<Vec<f64>>>,
}

/// One distinct `(x, T)`'s values.
struct PerPair {
    discounted: Result<f64>,
    expected: Result<f64>,
    survival: Option<Result<f64>>,
    holdout: Option<Result<f64>>,
}

/// The shared columns, or `None` when the model does not factor its expectation (then the
/// per-call batch paths are used). `alive` is every row's P(alive), all finite.
pub(super) fn shared_columns(
    model: &dyn TransactionModel,
    rows: SummarySlices<'_>,
    alive: &[f64],
    clv: &ClvSpec,
    holdout: Option<f64>,
) -> Option<SharedColumns> {
    let (distinct, slot) = group_by_frequency_age(rows).ok()?;
    let &(_, x0, _, t0) = distinct.first()?;
    model.expected_if_alive_curve(&[], x0, t0)?.ok()?;
    let times = clv.times().ok()?;
    let discount: Vec<f64> = times.iter().map(|&t| clv.discount.factor(t, clv.unit)).collect();
    let horizon = clv.horizon;
    // The survival factor is the model's for every customer or for none: ask once.
    let survival_factors = model.survival_if_alive(horizon, x0, t0).is_some();
    let last_is_horizon = times.last() == Some(&horizon);
    // The pairs sorted by T, so that the models share their per-T work between neighbours
    // (by their bits, the order of values ≥ 0; the pairs are distinct, so the order is
    // unique).
    let mut keyed: Vec<(u64, u64, usize)> = distinct
        .iter()
        .enumerate()
        .map(|(k, &(_, x, _, t))| (t.to_bits(), x.to_bits(), k))
        .collect();
    keyed.sort_unstable();
    let pairs: Vec<(f64, f64)> = keyed
        .iter()
        .map(|&(t, x, _)| (f64::from_bits(x), f64::from_bits(t)))
        .collect();
    let chunk = |pairs: &[(f64, f64)]| -> Vec<PerPair> {
        let curves = model.expected_if_alive_curves(&times, pairs);
        let at = |t: f64| model.expected_if_alive_curves(&[t], pairs);
        let at_horizon = if last_is_horizon { None } else { at(horizon) };
        let at_holdout = holdout.and_then(at);
        pairs
            .iter()
            .enumerate()
            .map(|(j, &(x, age))| {
                let curve = curves.as_ref().and_then(|c| c.get(j));
                let (discounted, last) = match curve {
                    Some(Ok(curve)) => {
                        let mut prev = 0.0;
                        let mut total = 0.0;
                        for (d, e) in discount.iter().zip(curve) {
                            total += (e - prev) * d;
                            prev = *e;
                        }
                        (Ok(total), curve.last().copied())
                    }
                    Some(Err(e)) => (
                        Err(Error::Undefined {
                            what: "expectation while alive",
                            reason: e.to_string(),
                        }),
                        None,
                    ),
                    None => (stopped(), None),
                };
                let expected = match (last, &at_horizon) {
                    (Some(v), _) if last_is_horizon => Ok(v),
                    (_, Some(one)) => first_of(one.get(j)),
                    _ => single(model, horizon, x, age),
                };
                PerPair {
                    discounted,
                    expected,
                    survival: survival_factors
                        .then(|| model.survival_if_alive(horizon, x, age).unwrap_or_else(stopped)),
                    holdout: holdout.map(|d| match &at_holdout {
                        Some(one) => first_of(one.get(j)),
                        None => single(model, d, x, age),
                    }),
                }
            })
            .collect()
    };
    let sorted = map_chunks(&pairs, chunk);
    if sorted.len() != distinct.len() {
        return None;
    }
    // Per pair, a failed value as NaN: the caller then recomputes that column row by row
    // (as for any non-finite value), with each row's error.
    let value = |v: Option<&Result<f64>>| match v {
        Some(Ok(v)) => *v,
        _ => f64::NAN,
    };
    // Back in the distinct pairs' order.
    let m = distinct.len();
    let (mut pair_expected, mut pair_discounted) = (vec![f64::NAN; m], vec![f64::NAN; m]);
    let (mut pair_survival, mut pair_holdout) = (vec![f64::NAN; m], vec![f64::NAN; m]);
    for (&(_, _, k), p) in keyed.iter().zip(&sorted) {
        for (column, v) in [
            (&mut pair_expected, Some(&p.expected)),
            (&mut pair_discounted, Some(&p.discounted)),
            (&mut pair_survival, p.survival.as_ref()),
            (&mut pair_holdout, p.holdout.as_ref()),
        ] {
            if let Some(slot) = column.get_mut(k) {
                *slot = value(v);
            }
        }
    }
    // As `factored_expected_batch` and `clv_batch` with a margin of 1 per purchase.
    let expectation = |a: f64, g: f64| {
        let v = a * g;
        if v.is_finite() { v.max(0.0) } else { f64::NAN }
    };
    let n = rows.len();
    let (mut expected, mut discounted) = (Vec::with_capacity(n), Vec::with_capacity(n));
    let mut alive_at = Vec::with_capacity(if survival_factors { n } else { 0 });
    let mut holdout_expected = Vec::with_capacity(if holdout.is_some() { n } else { 0 });
    for (i, &a) in alive.iter().enumerate().take(n) {
        let k = slot.get(i).copied().unwrap_or(usize::MAX);
        let at = |v: &[f64]| v.get(k).copied().unwrap_or(f64::NAN);
        expected.push(expectation(a, at(&pair_expected)));
        discounted.push(a * at(&pair_discounted));
        if survival_factors {
            alive_at.push((a * at(&pair_survival)).clamp(0.0, 1.0));
        }
        if holdout.is_some() {
            holdout_expected.push(expectation(a, at(&pair_holdout)));
        }
    }
    Some(SharedColumns {
        expected: Ok(expected),
        discounted: Ok(discounted),
        alive_at: survival_factors.then_some(Ok(alive_at)),
        holdout: holdout.map(|_| Ok(holdout_expected)),
    })
}

/// The expectation while alive at one horizon (as `factored_expected_batch` asks it).
fn single(model: &dyn TransactionModel, t: f64, x: f64, age: f64) -> Result<f64> {
    let curve = model
        .expected_if_alive_curve(&[t], x, age)
        .unwrap_or_else(stopped)?;
    Ok(curve.first().copied().unwrap_or(0.0))
}

fn stopped<T>() -> Result<T> {
    Err(Error::Undefined {
        what: "expectation while alive",
        reason: "the model stopped factoring".to_owned(),
    })
}

/// The first value of one pair's curve at a single horizon (as `single`).
fn first_of(curve: Option<&Result<Vec<f64>>>) -> Result<f64> {
    match curve {
        Some(Ok(v)) => Ok(v.first().copied().unwrap_or(0.0)),
        Some(Err(e)) => Err(Error::Undefined {
            what: "expectation while alive",
            reason: e.to_string(),
        }),
        None => stopped(),
    }
}

/// Pairs per chunk of [`map_chunks`]: enough to share the per-T work, small enough to
/// spread over the threads.
const CHUNK: usize = 512;

/// `f` over chunks of the pairs, in parallel with the `parallel` feature, the results
/// concatenated in order.
fn map_chunks<F>(pairs: &[(f64, f64)], f: F) -> Vec<PerPair>
where
    F: Fn(&[(f64, f64)]) -> Vec<PerPair> + Sync + Send,
{
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        pairs.par_chunks(CHUNK).flat_map_iter(f).collect()
    }
    #[cfg(not(feature = "parallel"))]
    {
        pairs.chunks(CHUNK).flat_map(f).collect()
    }
}

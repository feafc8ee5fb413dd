//! The BG/NBD log-likelihood and gradient for the sampler, grouped by what each term
//! depends on: `ln(α + T)` and `1/(α + T)` once per distinct `T`, `ln(α + t_x)` and
//! `1/(α + t_x)` once per distinct `t_x`, the gamma, beta and digamma terms once per
//! distinct `x` (weighted by the group's total weight), and per row only the mixing of the
//! "alive" and "dropped out after `t_x`" terms (one `exp`, one `ln_1p`, one division).
//!
//! It evaluates the same function as the model's own likelihood (the one
//! [`BgNbd::fit`](crate::btyd::BgNbd::fit) maximises; equal to 1e-10, tested) in fewer
//! operations: on CDNOW's 1,016 distinct rows there are 84 distinct `T` and 257 distinct
//! `t_x` (256 among the repeat buyers), so the row loop needs no logarithm of its own. NUTS evaluates it tens of
//! thousands of times per fit.
//!
//! This module owns that evaluator only; the likelihood's definition stays in
//! `btyd::bg_nbd`.

use super::super::WeightedSummaries;
use super::super::uncertainty::LogLikelihood;
use crate::special::{digamma, ln_beta, ln_gamma};

/// One distinct `x`: its total weight and where its rows are.
#[derive(Debug, Clone)]
struct XGroup {
    x: f64,
    weight: f64,
    rows: std::ops::Range<usize>,
}

/// The BG/NBD likelihood of weighted rows, grouped by `x`, `T` and `t_x`.
#[derive(Debug, Clone)]
pub(crate) struct GroupedBgNbd {
    /// Distinct `T` values.
    ages: Vec<f64>,
    /// Distinct `t_x` values of the rows with `x > 0`.
    recencies: Vec<f64>,
    groups: Vec<XGroup>,
    /// Per row of a group with `x > 0`: (index into `ages`, index into `recencies`,
    /// weight); for `x = 0`: (index into `ages`, unused, weight).
    rows: Vec<(u32, u32, f64)>,
    total_weight: f64,
    /// Indices did not fit in `u32`, or a value was not finite: every evaluation is NaN.
    unusable: bool,
}

fn distinct_sorted(values: impl Iterator<Item = f64>) -> Vec<f64> {
    let mut v: Vec<f64> = values.collect();
    v.sort_by(f64::total_cmp);
    v.dedup_by(|a, b| a.to_bits() == b.to_bits());
    v
}

fn index_of(sorted: &[f64], v: f64) -> Option<u32> {
    let i = sorted.partition_point(|s| s.total_cmp(&v).is_lt());
    (sorted.get(i).map(|s| s.to_bits()) == Some(v.to_bits()))
        .then_some(i)
        .and_then(|i| u32::try_from(i).ok())
}

impl GroupedBgNbd {
    pub(crate) fn new(data: &WeightedSummaries) -> Self {
        let ages = distinct_sorted(data.rows().map(|(_, _, t, _)| t));
        let recencies = distinct_sorted(data.rows().filter(|r| r.0 > 0.0).map(|(_, tx, _, _)| tx));
        let mut all: Vec<(f64, f64, f64, f64)> = data.rows().collect();
        all.sort_by(|p, q| p.0.total_cmp(&q.0));
        let mut groups: Vec<XGroup> = Vec::new();
        let mut rows = Vec::with_capacity(all.len());
        let mut unusable = false;
        for chunk in all.chunk_by(|p, q| p.0.to_bits() == q.0.to_bits()) {
            let Some(&(x, ..)) = chunk.first() else {
                continue;
            };
            let start = rows.len();
            for &(_, tx, t, w) in chunk {
                let it = index_of(&ages, t);
                let ir = if x > 0.0 {
                    index_of(&recencies, tx)
                } else {
                    Some(0)
                };
                match (it, ir) {
                    (Some(it), Some(ir)) => rows.push((it, ir, w)),
                    _ => unusable = true,
                }
            }
            groups.push(XGroup {
                x,
                weight: chunk.iter().map(|r| r.3).sum(),
                rows: start..rows.len(),
            });
        }
        GroupedBgNbd {
            ages,
            recencies,
            groups,
            rows,
            total_weight: data.total_weight(),
            unusable,
        }
    }

    /// Total log-likelihood and its gradient in `(r, α, a, b)`; NaN (and a zero gradient)
    /// outside the domain.
    pub(crate) fn ll_grad(&self, theta: &[f64], grad: &mut [f64]) -> f64 {
        grad.iter_mut().for_each(|g| *g = 0.0);
        let (&[r, alpha, a, b], Some(grad)) = (theta, grad.first_chunk_mut::<4>()) else {
            return f64::NAN;
        };
        if self.unusable || !theta.iter().all(|v| v.is_finite() && *v > 0.0) {
            return f64::NAN;
        }
        let by_age: Vec<(f64, f64)> = self
            .ages
            .iter()
            .map(|t| ((alpha + t).ln(), 1.0 / (alpha + t)))
            .collect();
        let by_recency: Vec<(f64, f64)> = self
            .recencies
            .iter()
            .map(|t| ((alpha + t).ln(), 1.0 / (alpha + t)))
            .collect();
        let ln_alpha = alpha.ln();
        let (lg_r, psi_r) = (ln_gamma(r), digamma(r));
        let (lb_ab, psi_ab, psi_b) = (ln_beta(a, b), digamma(a + b), digamma(b));
        let ln_a = a.ln();
        let mut ll = 0.0;
        let [mut gr, mut gal, mut ga, mut gb] = [0.0; 4];
        for g in &self.groups {
            let x = g.x;
            let psi_abx = digamma(a + b + x);
            let common = ln_gamma(r + x) - lg_r + r * ln_alpha + ln_beta(a, b + x) - lb_ab;
            ll += g.weight * common;
            gr += g.weight * (digamma(r + x) - psi_r + ln_alpha);
            gal += g.weight * r / alpha;
            ga += g.weight * (psi_ab - psi_abx);
            gb += g.weight * (digamma(b + x) - psi_abx - psi_b + psi_ab);
            let Some(rows) = self.rows.get(g.rows.clone()) else {
                return f64::NAN;
            };
            let rx = r + x;
            if x > 0.0 {
                let bx1 = b + x - 1.0;
                let ln_ratio = ln_a - bx1.ln();
                let (mut s_ll, mut s_r, mut s_al, mut s_w2) = (0.0, 0.0, 0.0, 0.0);
                for &(it, ir, w) in rows {
                    let (Some(&(l_t, i_t)), Some(&(l_tx, i_tx))) =
                        (by_age.get(it as usize), by_recency.get(ir as usize))
                    else {
                        return f64::NAN;
                    };
                    // ln(e^{d1} + e^{d2}) with d1 = −(r+x) ln(α+T), d2 = ln(a/(b+x−1)) − (r+x) ln(α+t_x).
                    let d1 = -rx * l_t;
                    let z = ln_ratio - rx * l_tx - d1;
                    let e = (-z.abs()).exp();
                    let inv = 1.0 / (1.0 + e);
                    let w2 = if z > 0.0 { inv } else { e * inv };
                    let w1 = 1.0 - w2;
                    s_ll += w * (d1 + z.max(0.0) + e.ln_1p());
                    s_r += w * (w1 * l_t + w2 * l_tx);
                    s_al += w * (w1 * i_t + w2 * i_tx);
                    s_w2 += w * w2;
                }
                ll += s_ll;
                gr -= s_r;
                gal -= rx * s_al;
                ga += s_w2 / a;
                gb -= s_w2 / bx1;
            } else {
                let (mut s_l, mut s_i) = (0.0, 0.0);
                for &(it, _, w) in rows {
                    let Some(&(l_t, i_t)) = by_age.get(it as usize) else {
                        return f64::NAN;
                    };
                    s_l += w * l_t;
                    s_i += w * i_t;
                }
                ll -= rx * s_l;
                gr -= s_l;
                gal -= rx * s_i;
            }
        }
        *grad = [gr, gal, ga, gb];
        ll
    }
}

impl LogLikelihood for GroupedBgNbd {
    fn value_gradient(&self, theta: &[f64], grad: &mut [f64]) -> f64 {
        self.ll_grad(theta, grad)
    }
    fn customers(&self) -> f64 {
        self.total_weight
    }
    fn hessian_step(&self) -> f64 {
        1e-5
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::btyd::BgNbd;
    use crate::btyd::uncertainty::Estimable;

    fn data() -> WeightedSummaries {
        WeightedSummaries::from_weighted_rows(
            &[0.0, 1.0, 3.0, 0.0, 2.0, 26.0, 1.0, 1.0, 3.0],
            &[0.0, 10.0, 30.0, 0.0, 12.0, 30.857, 2.0, 10.0, 12.0],
            &[40.0, 40.0, 40.0, 38.0, 39.0, 31.0, 41.0, 39.0, 40.0],
            &[30.0, 2.0, 1.0, 5.0, 1.5, 1.0, 1.0, 3.0, 2.0],
        )
        .unwrap()
    }

    #[test]
    fn equals_the_model_likelihood_and_gradient() {
        let d = data();
        let grouped = GroupedBgNbd::new(&d);
        let model = BgNbd::log_likelihood(&d);
        for theta in [
            [0.2425, 4.414, 0.793, 2.426],
            [0.3, 4.2, 0.8, 2.6],
            [2.0, 0.5, 5.0, 0.3],
            [0.01, 100.0, 0.05, 40.0],
        ] {
            let (mut g1, mut g2) = ([0.0; 4], [0.0; 4]);
            let v1 = grouped.ll_grad(&theta, &mut g1);
            let v2 = model.value_gradient(&theta, &mut g2);
            assert!((v1 - v2).abs() <= 1e-10 * v2.abs().max(1.0), "{v1} vs {v2}");
            for j in 0..4 {
                assert!(
                    (g1[j] - g2[j]).abs() <= 1e-10 * g2[j].abs().max(1.0),
                    "{theta:?} θ{j}: {} vs {}",
                    g1[j],
                    g2[j]
                );
            }
        }
    }

    /// CDNOW (2,357 customers, 1,016 distinct rows, 84 distinct T, 256 distinct t_x of
    /// repeat buyers) around the MLE and far from it.
    #[test]
    fn equals_the_model_on_cdnow() {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/cdnow_sample_summary.csv"
        ))
        .unwrap();
        let (mut x, mut tx, mut t) = (vec![], vec![], vec![]);
        for line in text.lines().skip(1) {
            let f: Vec<f64> = line.split(',').map(|v| v.parse().unwrap()).collect();
            x.push(f[1]);
            tx.push(f[2]);
            t.push(f[3]);
        }
        let d = WeightedSummaries::from_rows(&x, &tx, &t).unwrap();
        let grouped = GroupedBgNbd::new(&d);
        assert_eq!(
            (d.len(), grouped.ages.len(), grouped.recencies.len()),
            (1016, 84, 256)
        );
        let model = BgNbd::log_likelihood(&d);
        for theta in [
            [0.2425, 4.414, 0.793, 2.426],
            [0.5, 8.0, 0.3, 6.0],
            [0.1, 2.0, 2.0, 1.0],
        ] {
            let (mut g1, mut g2) = ([0.0; 4], [0.0; 4]);
            let v1 = grouped.ll_grad(&theta, &mut g1);
            let v2 = model.value_gradient(&theta, &mut g2);
            assert!((v1 - v2).abs() <= 1e-10 * v2.abs(), "{v1} vs {v2}");
            for j in 0..4 {
                assert!(
                    (g1[j] - g2[j]).abs() <= 1e-10 * g2[j].abs().max(1.0),
                    "θ{j}: {} vs {}",
                    g1[j],
                    g2[j]
                );
            }
        }
    }

    #[test]
    fn outside_the_domain_is_nan() {
        let g = GroupedBgNbd::new(&data());
        let mut grad = [1.0; 4];
        assert!(g.ll_grad(&[0.0, 1.0, 1.0, 1.0], &mut grad).is_nan());
        assert!(g.ll_grad(&[1.0, f64::INFINITY, 1.0, 1.0], &mut grad).is_nan());
        assert!(g.ll_grad(&[1.0, 1.0, 1.0], &mut grad).is_nan());
        assert!(grad.iter().all(|g| g.to_bits() == 0));
    }
}

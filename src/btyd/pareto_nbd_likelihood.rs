//! The Pareto/NBD log-likelihood and its analytic gradient over many weighted rows, as the
//! fit needs them: fast, because a million customers share few distinct `(x, τ)` pairs.
//!
//! The "died between `t_x` and `T`" term needs `A₀ = G_x(t_x) − G_x(T)` with
//! `G_x(τ) = ∫_τ^∞ (α+u)^{−(r+x)} (β+u)^{−(s+1)} du` (Fader & Hardie 2005 note, eq. 19,
//! before it is written with ₂F₁). For each distinct `x`, the distinct `τ` values (every
//! `t_x` and `T` of its rows) are sorted; `G_x` at the largest is one ₂F₁, and below it `G_x`
//! is accumulated, in log space, from the integrals between consecutive `τ`s by
//! Gauss–Legendre quadrature on sub-intervals short enough (relative to `α + u`, `β + u`
//! and the integrand's decay rate) for the rule to be exact to rounding. Differentiating
//! under the integral sign gives the gradient from the same nodes, so one pass yields value
//! and gradient; only the one ₂F₁ tail per `x` is differentiated by central differences.
//!
//! The likelihood is evaluated one `x` at a time: its keys' `G_x` first, then its rows,
//! which look their two keys up among that `x`'s keys only.
//!
//! For a dropout shape `s ≥` [`SCALED_MIN_S`] (up to the exponential-dropout limit
//! `s, β → ∞` with `s/β` fixed) every term is written relative to `β^s`: `(β/(β+τ))^s` as
//! `exp(−s ln1p(τ/β))`, and `G̃_x(τ) = β^{s+1} G_x(τ)`, whose integrand
//! `(α+u)^{−(r+x)} (1+u/β)^{−(s+1)}` is then of order one. The ₂F₁ would take a parameter
//! `r+s+x` in the hundreds of millions and an argument within `(α+τ)/β` of 1 (rounded to
//! 10⁻⁸ relative), and `s ln β − s ln(β+τ)` would cancel ten digits; the tail at the largest
//! `τ` is instead the same Gauss–Legendre quadrature carried to infinity (the integrand
//! decays at least like `e^{−(s+1)u/(β+u)}`), with its gradient from the same nodes.
//!
//! On the 1,000,000-customer synthetic summary (638,427 distinct rows but 50,027 distinct
//! `(x, τ)`) this replaces 11.5 million ₂F₁ evaluations per BFGS step (two per row, nine
//! likelihoods for a numerical gradient) by ~50,000 short quadratures.

use std::ops::Range;

use super::data::WeightedSummaries;
use crate::special::{digamma, ln_gamma, ln_hyp2f1};

/// The dropout shape from which the likelihood and the predictions work relative to `β^s`
/// and integrate the tail of `G̃_x` rather than call ₂F₁ (see the module docs). The ₂F₁
/// form loses digits as `s` grows (1e-10 in `ln G` at `s = 10`, 1e-6 at `s = 100`, for
/// `β ≈ 300 s`); from here the integrand decays at least like `u^{−(r+x+6)}`, so that the
/// quadrature's tail beyond `e^{−60}` of its start is below 1e-20 and it stays exact for
/// any larger `s` and `β`. Both sides agree to 1e-10 at the switch (tested).
pub(super) const SCALED_MIN_S: f64 = 5.0;

/// 8-point Gauss–Legendre nodes and weights on [−1, 1] (positive half).
const GL_X: [f64; 4] = [
    0.183_434_642_495_649_8,
    0.525_532_409_916_329,
    0.796_666_477_413_626_7,
    0.960_289_856_497_536_3,
];
const GL_W: [f64; 4] = [
    0.362_683_783_378_362,
    0.313_706_645_877_887_3,
    0.222_381_034_453_374_5,
    0.101_228_536_290_376_3,
];

/// The rows, regrouped by `x`, each pointing at two distinct `(x, τ)` keys of its group.
#[derive(Debug)]
pub(super) struct ParetoGrid {
    /// Per distinct x, in ascending order.
    groups: Vec<Group>,
    /// τ of each key (sorted ascending within a group).
    tau: Vec<f64>,
    /// Per row, grouped as `groups` says: (key of t_x, key of T, weight), keys counted
    /// from the first key of the row's group.
    rows: Vec<(usize, usize, f64)>,
    /// The most keys of any group (the likelihood's scratch space).
    max_keys: usize,
}

/// One distinct `x`: where its keys are in `ParetoGrid::tau` and its rows in
/// `ParetoGrid::rows`.
#[derive(Debug)]
struct Group {
    x: f64,
    keys: Range<usize>,
    rows: Range<usize>,
}

/// Per key, the quantities the rows of its group read.
#[derive(Debug, Clone, Copy, Default)]
struct Key {
    tau: f64,
    /// `ln(α + τ)`.
    ln_a: f64,
    /// `ln(β + τ)`, or `ln(1 + τ/β)` when scaled.
    ln_b: f64,
    /// `ln G_x(τ)`, or `ln G̃_x(τ)` when scaled.
    ln_g: f64,
    /// Its gradient in `(r, α, s, β)`.
    d_g: [f64; 4],
}

/// Splits the first `n` values off the front of `rest` (all of it if it is shorter).
fn take_front<'a>(rest: &mut &'a [f64], n: usize) -> &'a [f64] {
    let (front, back) = rest.split_at_checked(n).unwrap_or((rest, &[]));
    *rest = back;
    front
}

/// `ln(eᵃ + eᵇ)` and the share `eᵃ / (eᵃ + eᵇ)` of its first term, from one `exp` and
/// one `ln_1p` (the likelihood's inner loops need both); NaN if either is NaN or both are
/// −∞.
#[inline]
fn log_add_exp_weight(a: f64, b: f64) -> (f64, f64) {
    if a >= b {
        let e = (b - a).exp();
        (a + e.ln_1p(), 1.0 / (1.0 + e))
    } else {
        let e = (a - b).exp();
        (b + e.ln_1p(), e / (1.0 + e))
    }
}

impl ParetoGrid {
    pub(super) fn new(data: &WeightedSummaries) -> Self {
        let (mut ftx, mut ft, mut fw) = (data.recency(), data.age(), data.weight());
        let mut groups = Vec::new();
        let mut tau = Vec::new();
        let mut rows = Vec::with_capacity(data.len());
        // Rows are sorted by x.
        for xs in data.frequency().chunk_by(|a, b| a.to_bits() == b.to_bits()) {
            let Some(&x) = xs.first() else {
                continue;
            };
            let (gtx, gt, gw) = (
                take_front(&mut ftx, xs.len()),
                take_front(&mut ft, xs.len()),
                take_front(&mut fw, xs.len()),
            );
            let mut taus: Vec<f64> = gtx.iter().chain(gt).copied().collect();
            taus.sort_by(f64::total_cmp);
            taus.dedup_by(|a, b| a.to_bits() == b.to_bits());
            let find = |v: f64| taus.partition_point(|t| *t < v);
            let first_row = rows.len();
            rows.extend(
                gtx.iter()
                    .zip(gt)
                    .zip(gw)
                    .map(|((&tx, &t), &w)| (find(tx), find(t), w)),
            );
            let first_key = tau.len();
            tau.extend_from_slice(&taus);
            groups.push(Group {
                x,
                keys: first_key..tau.len(),
                rows: first_row..rows.len(),
            });
        }
        let max_keys = groups.iter().map(|g| g.keys.len()).max().unwrap_or(0);
        ParetoGrid {
            groups,
            tau,
            rows,
            max_keys,
        }
    }

    /// Total weighted log-likelihood and its gradient in `(r, α, s, β)`; NaN if a ₂F₁
    /// fails or the parameters are not positive.
    pub(super) fn ll_grad(&self, theta: &[f64], grad: &mut [f64]) -> f64 {
        let &[r, alpha, s, beta] = theta else {
            return f64::NAN;
        };
        let Some(grad) = grad.first_chunk_mut::<4>() else {
            return f64::NAN;
        };
        if !theta.iter().all(|v| v.is_finite() && *v > 0.0) {
            return f64::NAN;
        }
        let theta = [r, alpha, s, beta];
        let scaled = s >= SCALED_MIN_S;
        let (lg_r, psi_r) = (ln_gamma(r), digamma(r));
        let ln_a = alpha.ln();
        // Relative to β^s the common factor has no β part.
        let ln_b = if scaled { 0.0 } else { beta.ln() };
        let inv_s = 1.0 / s;
        // ∂ ln(s) (or ln(s/β) when scaled) / ∂θ of the died term's factor.
        let d_ln_s = [0.0, 0.0, inv_s, if scaled { -1.0 / beta } else { 0.0 }];
        let ln_factor = if scaled { (s / beta).ln() } else { s.ln() };
        let mut scratch = vec![Key::default(); self.max_keys];
        let mut ll = 0.0;
        let mut g = [0.0; 4];
        for group in &self.groups {
            let x = group.x;
            let (Some(taus), Some(keys), Some(rows)) = (
                self.tau.get(group.keys.clone()),
                scratch.get_mut(..group.keys.len()),
                self.rows.get(group.rows.clone()),
            ) else {
                return f64::NAN;
            };
            for (key, &t) in keys.iter_mut().zip(taus) {
                key.tau = t;
                key.ln_a = (alpha + t).ln();
                key.ln_b = if scaled {
                    (t / beta).ln_1p()
                } else {
                    (beta + t).ln()
                };
            }
            let Some(()) = fill_group(&theta, x, keys, scaled) else {
                return f64::NAN;
            };
            let c = ln_gamma(r + x) - lg_r + r * ln_a + s * ln_b;
            let dc_r = digamma(r + x) - psi_r + ln_a;
            for &(ka, kb, w) in rows {
                let (Some(at_tx), Some(at_t)) = (keys.get(ka), keys.get(kb)) else {
                    return f64::NAN;
                };
                let (t, la_t, lb_t) = (at_t.tau, at_t.ln_a, at_t.ln_b);
                let alive = -(r + x) * la_t - s * lb_t;
                let d_beta = if scaled {
                    (s / beta) * (t / (beta + t))
                } else {
                    -s / (beta + t)
                };
                let d_alive = [-la_t, -(r + x) / (alpha + t), -lb_t, d_beta];
                let total = if ka == kb {
                    for (gj, da) in g.iter_mut().zip(d_alive) {
                        *gj += w * da;
                    }
                    alive
                } else {
                    let (l1, l2) = (at_tx.ln_g, at_t.ln_g);
                    // ρ = G(T)/G(t_x) < 1; 1 − ρ from expm1 (ρ itself only weighs a
                    // gradient, where its absolute error of one ulp is nothing).
                    let rho_m1 = (l2 - l1).exp_m1();
                    if rho_m1.is_nan() || rho_m1 >= 0.0 {
                        return f64::NAN;
                    }
                    let rho = 1.0 + rho_m1;
                    let died = ln_factor + l1 + (-rho_m1).ln();
                    let (total, p) = log_add_exp_weight(alive, died);
                    let parts = g.iter_mut().zip(d_alive).zip(at_tx.d_g).zip(at_t.d_g);
                    for ((((gj, dl), da), db), ds) in parts.zip(d_ln_s) {
                        let d_died = (da - rho * db) / (1.0 - rho) + ds;
                        *gj += w * (p * dl + (1.0 - p) * d_died);
                    }
                    total
                };
                ll += w * (c + total);
                let [g_r, g_alpha, g_s, g_beta] = &mut g;
                *g_r += w * dc_r;
                *g_alpha += w * r / alpha;
                if !scaled {
                    *g_s += w * ln_b;
                    *g_beta += w * s / beta;
                }
            }
        }
        *grad = g;
        ll
    }
}

/// `ln G_x(τ)` (`ln G̃_x(τ)` if `scaled`) and its gradient for the keys of one `x` (their
/// `tau` set, sorted).
fn fill_group(theta: &[f64; 4], x: f64, keys: &mut [Key], scaled: bool) -> Option<()> {
    let (last, below) = keys.split_last_mut()?;
    let mut upper = last.tau;
    let (mut next, mut d) = if scaled {
        ln_scaled_tail(theta, x, upper)?
    } else {
        (ln_tail(theta, x, upper)?, ln_tail_gradient(theta, x, upper)?)
    };
    last.ln_g = next;
    last.d_g = d;
    for key in below.iter_mut().rev() {
        let (li, di) = if scaled {
            ln_segment::<true>(theta, x, key.tau, upper)
        } else {
            ln_segment::<false>(theta, x, key.tau, upper)
        };
        let (now, w) = log_add_exp_weight(next, li);
        for (dj, dij) in d.iter_mut().zip(di) {
            *dj = w * *dj + (1.0 - w) * dij;
        }
        key.ln_g = now;
        key.d_g = d;
        next = now;
        upper = key.tau;
    }
    Some(())
}

/// `θ` with its `j`th component replaced by `v`.
fn with_component(theta: &[f64; 4], j: usize, v: f64) -> [f64; 4] {
    let mut t = *theta;
    if let Some(c) = t.get_mut(j) {
        *c = v;
    }
    t
}

/// `∂ ln G_x(τ) / ∂θ` of the ₂F₁ tail, by central differences.
fn ln_tail_gradient(theta: &[f64; 4], x: f64, tau: f64) -> Option<[f64; 4]> {
    let mut d = [0.0; 4];
    for (j, (dj, &tj)) in d.iter_mut().zip(theta).enumerate() {
        let h = 6e-6 * tj;
        let fp = ln_tail(&with_component(theta, j, tj + h), x, tau)?;
        let fm = ln_tail(&with_component(theta, j, tj - h), x, tau)?;
        *dj = (fp - fm) / (2.0 * h);
    }
    Some(d)
}

/// `ln G_x(τ)` through ₂F₁ (the larger of α, β keeps its argument in [0, 1)).
fn ln_tail(theta: &[f64; 4], x: f64, tau: f64) -> Option<f64> {
    let [r, alpha, s, beta] = *theta;
    let c = r + s + x;
    let (big, small, b2) = if alpha >= beta {
        (alpha, beta, s + 1.0)
    } else {
        (beta, alpha, r + x)
    };
    let f = ln_hyp2f1(c, b2, c + 1.0, (big - small) / (big + tau)).ok()?;
    let v = f.ln - c * (big + tau).ln() - c.ln();
    v.is_finite().then_some(v)
}

/// The 4-point rule is used for a whole (remaining) interval no longer than this fraction of
/// the distance to the integrand's singularities and than [`SHORT_DECAY`] / (its
/// log-derivative at the start): there its relative error is below 2e-15 (checked against
/// the 16-point rule over `r + x` in [0.1, 300], `α, β` in [0.01, 1000], starts in
/// [0.001, 300]), as the 8-point rule's on its own steps.
const SHORT_FRACTION: f64 = 1.0 / 32.0;
/// See [`SHORT_FRACTION`].
const SHORT_DECAY: f64 = 0.1;

/// 4-point Gauss–Legendre nodes and weights on [−1, 1] (positive half).
const GL4_X: [f64; 2] = [0.339_981_043_584_856_3, 0.861_136_311_594_052_6];
const GL4_W: [f64; 2] = [0.652_145_154_862_546_1, 0.347_854_845_137_453_9];

/// The 4 Gauss–Legendre `(node, weight)` pairs on `[mid − half, mid + half]`.
#[inline]
fn gauss_legendre_4_nodes(mid: f64, half: f64) -> [(f64, f64); 4] {
    let [x0, x1] = GL4_X;
    let [w0, w1] = GL4_W;
    [
        (mid - half * x0, w0),
        (mid - half * x1, w1),
        (mid + half * x0, w0),
        (mid + half * x1, w1),
    ]
}

/// The 8 Gauss–Legendre `(node, weight)` pairs on `[mid − half, mid + half]`: those left of
/// `mid`, then those right of it.
#[inline]
fn gauss_legendre_nodes(mid: f64, half: f64) -> [(f64, f64); 8] {
    let [x0, x1, x2, x3] = GL_X;
    let [w0, w1, w2, w3] = GL_W;
    [
        (mid - half * x0, w0),
        (mid - half * x1, w1),
        (mid - half * x2, w2),
        (mid - half * x3, w3),
        (mid + half * x0, w0),
        (mid + half * x1, w1),
        (mid + half * x2, w2),
        (mid + half * x3, w3),
    ]
}

/// `ln G̃_x(τ) = ln ∫_τ^∞ (α+u)^{−(r+x)} (1+u/β)^{−(s+1)} du` and its gradient, by
/// [`ln_segment`] carried to infinity: for `s ≥` [`SCALED_MIN_S`] the integrand has fallen
/// below `e^{−60}` of its value at `τ` within a few dozen sub-intervals. `None` if the
/// value is not finite.
pub(super) fn ln_scaled_tail(theta: &[f64; 4], x: f64, tau: f64) -> Option<(f64, [f64; 4])> {
    let (v, d) = ln_segment::<true>(theta, x, tau, f64::INFINITY);
    (v.is_finite() && d.iter().all(|g| g.is_finite())).then_some((v, d))
}

/// `ln ∫_a^b f` and `∂ ln ∫_a^b f / ∂θ` for `f(u) = (α+u)^{−(r+x)} (β+u)^{−(s+1)}` (or, if
/// `SCALED`, `β^{s+1} f(u) = (α+u)^{−(r+x)} (1+u/β)^{−(s+1)}`), by 8-point Gauss–Legendre
/// on sub-intervals no longer than half the distance to the integrand's singularities
/// (`u = −α`, `−β`) and than 1.5 / (its log-derivative), so the rule's error is below
/// rounding; values are scaled by `f(a)`. `b` may be `+∞` if `f` decays fast enough.
fn ln_segment<const SCALED: bool>(theta: &[f64; 4], x: f64, a: f64, b: f64) -> (f64, [f64; 4]) {
    let [r, alpha, s, beta] = *theta;
    let (p, q) = (r + x, s + 1.0);
    let (aa, ba) = (alpha + a, beta + a);
    // ln_ba is ln(β + a), or ln(1 + a/β) when scaled; ln(β+node) − ln(β+a) is the same.
    let (ln_aa, ln_ba) = (aa.ln(), if SCALED { (a / beta).ln_1p() } else { ba.ln() });
    let ln_fa = -p * ln_aa - q * ln_ba;
    let mut sum = 0.0;
    let [mut d_r, mut d_alpha, mut d_s, mut d_beta] = [0.0; 4];
    let mut u = a;
    while u < b {
        let (au, bu) = (alpha + u, beta + u);
        let rate = p / au + q / bu;
        // What is left is short enough for the 4-point rule (the keys of a daily log are
        // a day apart): its nodes are those of one step.
        let rest = b - u;
        let short = rest <= SHORT_FRACTION * au.min(bu) && rest * rate <= SHORT_DECAY;
        let hmax = (0.5 * au.min(bu)).min(1.5 / rate);
        let h = if short { rest } else { hmax.min(rest) };
        if u + h <= u || h.is_nan() {
            // No progress possible in f64 (absurd ages): let the fit see "outside the domain".
            return (f64::NAN, [f64::NAN; 4]);
        }
        let mid = u + 0.5 * h;
        let nodes = gauss_legendre_nodes(mid, 0.5 * h);
        let nodes = if short {
            &gauss_legendre_4_nodes(mid, 0.5 * h)[..]
        } else {
            &nodes[..]
        };
        for &(node, wt) in nodes {
            let (la, lb) = (((node - a) / aa).ln_1p(), ((node - a) / ba).ln_1p());
            let e = wt * 0.5 * h * (-p * la - q * lb).exp();
            sum += e;
            // ln(α + node) = ln(α + a) + la, saving two logarithms per node.
            d_r -= e * (ln_aa + la);
            d_alpha -= e * p / (alpha + node);
            d_s -= e * (ln_ba + lb);
            d_beta += if SCALED {
                e * (q / beta) * (node / (beta + node))
            } else {
                -e * q / (beta + node)
            };
        }
        u += h;
        // Beyond e^-60 of f(a) the rest cannot matter (asked only when there is a rest).
        if u < b && -p * ((u - a) / aa).ln_1p() - q * ((u - a) / ba).ln_1p() < -60.0 {
            break;
        }
    }
    (ln_fa + sum.ln(), [d_r, d_alpha, d_s, d_beta].map(|v| v / sum))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::btyd::{ParetoNbd, TransactionModel};

    fn data() -> WeightedSummaries {
        WeightedSummaries::from_weighted_rows(
            &[0.0, 0.0, 1.0, 1.0, 3.0, 3.0, 7.0, 40.0, 200.0],
            &[0.0, 0.0, 2.0, 30.0, 12.0, 12.0, 38.0, 20.0, 39.0],
            &[39.0, 10.0, 39.0, 31.0, 39.0, 13.5, 39.0, 36.0, 39.0],
            &[50.0, 3.0, 10.0, 4.0, 2.0, 1.0, 1.0, 1.0, 1.0],
        )
        .unwrap()
    }

    #[test]
    fn value_matches_the_row_by_row_likelihood() {
        let d = data();
        let grid = ParetoGrid::new(&d);
        for theta in [
            [0.55, 10.58, 0.61, 11.67],
            [0.84, 3.77, 0.69, 35.2],
            [2.0, 40.0, 0.3, 1.5],
        ] {
            let m = ParetoNbd::new(theta[0], theta[1], theta[2], theta[3]).unwrap();
            let direct: f64 = d
                .rows()
                .map(|(x, tx, t, w)| w * m.log_likelihood(x, tx, t).unwrap())
                .sum();
            let mut g = [0.0; 4];
            let v = grid.ll_grad(&theta, &mut g);
            assert!((v - direct).abs() < 1e-9 * direct.abs(), "{v} vs {direct}");
        }
    }

    /// Towards the exponential-dropout limit, and either side of the switch to the scaled
    /// form (`s` one ulp below [`SCALED_MIN_S`] and at it).
    const SCALED: [[f64; 4]; 6] = [
        [2.0, 1.5, 4.6e8, 1.6e11],
        [0.5534, 10.58, 1e4, 2e5],
        [1.0, 1.0, 1e15, 3e16],
        [0.84, 3.77, 40.0, 2e3],
        [0.55, 10.58, SCALED_MIN_S, 300.0],
        [0.55, 10.58, 4.999_999_999_999_999, 300.0],
    ];

    #[test]
    fn scaled_value_matches_the_row_by_row_likelihood() {
        let d = data();
        let grid = ParetoGrid::new(&d);
        for theta in SCALED {
            let m = ParetoNbd::new(theta[0], theta[1], theta[2], theta[3]).unwrap();
            let direct: f64 = d
                .rows()
                .map(|(x, tx, t, w)| w * m.log_likelihood(x, tx, t).unwrap())
                .sum();
            let mut g = [0.0; 4];
            let v = grid.ll_grad(&theta, &mut g);
            assert!(
                (v - direct).abs() < 1e-13 * direct.abs(),
                "{theta:?}: {v} vs {direct}"
            );
        }
    }

    #[test]
    fn no_jump_at_the_switch() {
        let d = data();
        let grid = ParetoGrid::new(&d);
        for (r, alpha, mu) in [(0.55, 10.58, 1.0 / 60.0), (2.0, 1.5, 0.003), (0.84, 3.77, 0.5)] {
            let below = [r, alpha, SCALED_MIN_S.next_down(), SCALED_MIN_S.next_down() / mu];
            let at = [r, alpha, SCALED_MIN_S, SCALED_MIN_S / mu];
            let (mut gb, mut ga) = ([0.0; 4], [0.0; 4]);
            let (vb, va) = (grid.ll_grad(&below, &mut gb), grid.ll_grad(&at, &mut ga));
            assert!((vb - va).abs() < 1e-11 * va.abs(), "{vb} vs {va}");
            // The ₂F₁ side differentiates its tail numerically (~1e-9 relative).
            for j in 0..4 {
                assert!(
                    (gb[j] - ga[j]).abs() < 1e-7 * ga[j].abs().max(1.0),
                    "θ{j}: {} vs {}",
                    gb[j],
                    ga[j]
                );
            }
        }
    }

    #[test]
    fn gradient_matches_finite_differences() {
        let d = data();
        let grid = ParetoGrid::new(&d);
        let ordinary = [
            [0.55, 10.58, 0.61, 11.67],
            [0.84, 3.77, 0.69, 35.2],
            [2.0, 40.0, 0.3, 1.5],
        ];
        for theta in ordinary.into_iter().chain(SCALED) {
            let mut g = [0.0; 4];
            grid.ll_grad(&theta, &mut g);
            let mut scratch = [0.0; 4];
            for j in 0..4 {
                let h = 1e-5 * theta[j];
                let (mut tp, mut tm) = (theta, theta);
                tp[j] += h;
                tm[j] -= h;
                let fd = (grid.ll_grad(&tp, &mut scratch) - grid.ll_grad(&tm, &mut scratch)) / (2.0 * h);
                // Compared as elasticities θ ∂ℓ/∂θ: near the limit ∂ℓ/∂s and ∂ℓ/∂β are
                // tiny (ℓ depends on s/β), their elasticities large and opposite.
                let (e, efd) = (theta[j] * g[j], theta[j] * fd);
                assert!(
                    (e - efd).abs() < 1e-6 * efd.abs().max(1.0),
                    "{theta:?} θ{j}: {} vs {fd}",
                    g[j]
                );
            }
        }
    }
}

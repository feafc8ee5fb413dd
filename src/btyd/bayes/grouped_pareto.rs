//! The Pareto/NBD log-likelihood and gradient for the sampler, with the quadrature shared
//! across `x`.
//!
//! The "died between `t_x` and `T`" term is `s·A₀` with
//! `A₀ = ∫_{t_x}^{T} f_x(u) du`, `f_x(u) = (α+u)^{−(r+x)} (β+u)^{−(s+1)}` (Fader & Hardie
//! 2005 note, eq. 19, before it is written with ₂F₁). The model's own evaluator
//! (`pareto_nbd_likelihood.rs`, what [`ParetoNbd::fit`](crate::btyd::ParetoNbd::fit)
//! maximises) works in logs, one `x` at a time: per distinct `(x, τ)` it integrates from the
//! next `τ` of the same `x` by 8-point Gauss–Legendre (two logarithms and one exponential
//! per node) and needs a ₂F₁ tail per `x`. Here:
//!
//! - the nodes are shared by every `x`: one grid over the union of all `τ` (on CDNOW 269
//!   values, against 943 distinct `(x, τ)`), with `ln(α+u)`, `ln(β+u)` and one exponential
//!   per node; for the `x` whose rows span a sub-interval, `f_x(u)/f_x(τ_ref)` follows from
//!   its neighbour's by one multiplication by `(α+τ_ref)/(α+u)` (per unit step in `x`);
//! - the values are linear, relative to `f_x(τ_ref)` at the largest `τ`, so that `A₀` is a
//!   difference of two prefix sums per `x` and needs no tail (no ₂F₁ at all);
//! - sub-intervals whose log-integrand varies by at most 0.3 and which lie within a tenth
//!   of their distance to the singularities take 4 Gauss–Legendre nodes (relative error
//!   below 1e-13), the others 8, as the model's;
//! - per row: one exponential (the "alive" term), one logarithm and one division.
//!
//! Where this form could overflow (`(α+τ_ref)/(α+τ)` raised to `r+x` beyond `e^600`), for
//! a dropout shape `s ≥ 5` (the model's scaled regime, near the exponential-dropout limit)
//! and wherever it does not give a finite value, the evaluation is the model's own. It
//! equals the model's log-likelihood and gradient to 1e-10 (tested on CDNOW and on hostile
//! rows); NUTS evaluates it tens of thousands of times per fit.

use super::super::WeightedSummaries;
use super::super::pareto_nbd_likelihood::{ParetoGrid, SCALED_MIN_S};
use super::super::uncertainty::LogLikelihood;
use crate::special::{digamma, ln_gamma};

/// 8-point Gauss–Legendre nodes and weights on [−1, 1] (positive half).
const GL8_X: [f64; 4] = [
    0.183_434_642_495_649_8,
    0.525_532_409_916_329,
    0.796_666_477_413_626_7,
    0.960_289_856_497_536_3,
];
const GL8_W: [f64; 4] = [
    0.362_683_783_378_362,
    0.313_706_645_877_887_3,
    0.222_381_034_453_374_5,
    0.101_228_536_290_376_3,
];
/// 4-point Gauss–Legendre nodes and weights on [−1, 1] (positive half).
const GL4_X: [f64; 2] = [0.339_981_043_584_856_3, 0.861_136_311_594_052_6];
const GL4_W: [f64; 2] = [0.652_145_154_862_546_1, 0.347_854_845_137_453_9];

/// The largest exponent of `f_x(u)/f_x(τ_ref)` this form accepts (`e^600 ≈ 4e260`).
const MAX_EXPONENT: f64 = 600.0;

/// One distinct `x` among the rows.
#[derive(Debug, Clone)]
struct Group {
    x: f64,
    /// Its rows' `t_x` and `T` span the grid indices `lo..=hi` (`0..=0` if no row died).
    lo: usize,
    hi: usize,
    /// The smallest `t_x` or `T` of its rows (the overflow check).
    tau_min: f64,
    rows: std::ops::Range<usize>,
}

/// One row: grid indices of `t_x` and `T` (equal if the died term is zero), their key
/// slots (the distinct `(x, τ)` of rows that died, numbered across groups), index into
/// `ages`, weight.
#[derive(Debug, Clone, Copy)]
struct Row {
    k_tx: u32,
    k_t: u32,
    slot_tx: u32,
    slot_t: u32,
    age: u32,
    w: f64,
}

/// No key slot (the grid index is not a `t_x` or `T` of the group's rows that died).
const NO_SLOT: u32 = u32::MAX;

/// The Pareto/NBD likelihood of weighted rows on one quadrature grid shared across `x`.
#[derive(Debug)]
pub(crate) struct GroupedParetoNbd {
    /// The model's own evaluator of each group's rows: the fallback.
    models: Vec<ParetoGrid>,
    /// The union of `t_x` and `T` over the rows with `t_x < T`, sorted.
    grid: Vec<f64>,
    /// Per grid segment `[grid[k], grid[k+1]]`, the groups whose rows span it, ascending
    /// in `x`, each with the key slot of `(x, grid[k])` (or [`NO_SLOT`]).
    active: Vec<(u32, u32)>,
    /// Per segment, its range in `active`.
    segments: Vec<std::ops::Range<usize>>,
    /// Distinct `T`.
    ages: Vec<f64>,
    groups: Vec<Group>,
    rows: Vec<Row>,
    /// Distinct `(x, τ)` keys of the rows that died.
    keys: usize,
    /// The largest `τ` (`t_x` or `T`): the reference of the linear values.
    tau_ref: f64,
    total_weight: f64,
    /// The grouping failed (indices beyond `u32`, values not found): always the model's.
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

/// Accumulated `∫ e`, `∫ e ln(α+u)`, `∫ e/(α+u)`, `∫ e ln(β+u)`, `∫ e/(β+u)` with
/// `e = f_x(u)/f_x(τ_ref)`.
type Moments = [f64; 5];

impl GroupedParetoNbd {
    pub(crate) fn new(data: &WeightedSummaries) -> Self {
        let died = |tx: f64, t: f64| tx < t;
        let grid = distinct_sorted(
            data.rows()
                .filter(|r| died(r.1, r.2))
                .flat_map(|(_, tx, t, _)| [tx, t]),
        );
        let ages = distinct_sorted(data.rows().map(|r| r.2));
        let tau_ref = data.rows().map(|(_, tx, t, _)| tx.max(t)).fold(0.0_f64, f64::max);
        let mut unusable = false;
        let mut all: Vec<(f64, f64, f64, f64)> = data.rows().collect();
        all.sort_by(|p, q| p.0.total_cmp(&q.0));
        let (mut groups, mut rows) = (Vec::new(), Vec::with_capacity(all.len()));
        let mut models = Vec::new();
        for chunk in all.chunk_by(|p, q| p.0.to_bits() == q.0.to_bits()) {
            let Some(&(x, ..)) = chunk.first() else {
                continue;
            };
            let column = |f: fn(&(f64, f64, f64, f64)) -> f64| chunk.iter().map(f).collect::<Vec<f64>>();
            match WeightedSummaries::from_weighted_rows(
                &column(|r| r.0),
                &column(|r| r.1),
                &column(|r| r.2),
                &column(|r| r.3),
            ) {
                Ok(d) => models.push(ParetoGrid::new(&d)),
                Err(_) => unusable = true,
            }
            let start = rows.len();
            let (mut lo, mut hi) = (usize::MAX, 0);
            let mut tau_min = f64::INFINITY;
            for &(_, tx, t, w) in chunk {
                tau_min = tau_min.min(tx).min(t);
                let age = index_of(&ages, t);
                let (k_tx, k_t) = if died(tx, t) {
                    (index_of(&grid, tx), index_of(&grid, t))
                } else {
                    (Some(0), Some(0))
                };
                match (k_tx, k_t, age) {
                    (Some(k_tx), Some(k_t), Some(age)) => {
                        if k_tx < k_t {
                            lo = lo.min(k_tx as usize);
                            hi = hi.max(k_t as usize);
                        }
                        rows.push(Row {
                            k_tx,
                            k_t,
                            slot_tx: NO_SLOT,
                            slot_t: NO_SLOT,
                            age,
                            w,
                        });
                    }
                    _ => unusable = true,
                }
            }
            if lo > hi {
                (lo, hi) = (0, 0);
            }
            groups.push(Group {
                x,
                lo,
                hi,
                tau_min,
                rows: start..rows.len(),
            });
        }
        // Key slots: per group, the distinct grid indices of its died rows' t_x and T.
        let mut slot_of: Vec<std::collections::BTreeMap<u32, u32>> = Vec::with_capacity(groups.len());
        let mut keys = 0u32;
        for g in &groups {
            let mut map = std::collections::BTreeMap::new();
            for row in rows.get(g.rows.clone()).unwrap_or(&[]) {
                if row.k_tx < row.k_t {
                    map.insert(row.k_tx, 0);
                    map.insert(row.k_t, 0);
                }
            }
            for v in map.values_mut() {
                *v = keys;
                keys = keys.saturating_add(1);
            }
            slot_of.push(map);
        }
        if keys == u32::MAX {
            unusable = true;
        }
        for (g, map) in groups.iter().zip(&slot_of) {
            for row in rows.get_mut(g.rows.clone()).unwrap_or(&mut []) {
                if row.k_tx < row.k_t {
                    row.slot_tx = map.get(&row.k_tx).copied().unwrap_or(NO_SLOT);
                    row.slot_t = map.get(&row.k_t).copied().unwrap_or(NO_SLOT);
                }
            }
        }
        let mut active = Vec::new();
        let mut segments = Vec::with_capacity(grid.len().saturating_sub(1));
        for k in 0..grid.len().saturating_sub(1) {
            let start = active.len();
            for (i, g) in groups.iter().enumerate() {
                if g.lo <= k && k < g.hi {
                    let slot = u32::try_from(k)
                        .ok()
                        .and_then(|k| slot_of.get(i)?.get(&k).copied())
                        .unwrap_or(NO_SLOT);
                    match u32::try_from(i) {
                        Ok(i) => active.push((i, slot)),
                        Err(_) => unusable = true,
                    }
                }
            }
            segments.push(start..active.len());
        }
        GroupedParetoNbd {
            models,
            grid,
            active,
            segments,
            ages,
            groups,
            rows,
            keys: keys as usize,
            tau_ref,
            total_weight: data.total_weight(),
            unusable,
        }
    }

    /// Total log-likelihood and its gradient in `(r, α, s, β)`; NaN (and a zero gradient)
    /// outside the domain.
    pub(crate) fn ll_grad(&self, theta: &[f64], grad: &mut [f64]) -> f64 {
        grad.iter_mut().for_each(|g| *g = 0.0);
        let v = match self.shared_groups(theta) {
            Some(ok) => self
                .shared(theta, &ok, grad)
                .unwrap_or_else(|| self.by_the_model(theta, grad)),
            None => self.by_the_model(theta, grad),
        };
        if !v.is_finite() {
            grad.iter_mut().for_each(|g| *g = 0.0);
        }
        v
    }

    /// The model's own evaluation, group by group.
    fn by_the_model(&self, theta: &[f64], grad: &mut [f64]) -> f64 {
        if self.unusable || self.models.len() != self.groups.len() {
            return f64::NAN;
        }
        let mut part = vec![0.0; grad.len()];
        grad.iter_mut().for_each(|g| *g = 0.0);
        let mut ll = 0.0;
        for m in &self.models {
            ll += m.ll_grad(theta, &mut part);
            for (g, p) in grad.iter_mut().zip(&part) {
                *g += p;
            }
        }
        ll
    }

    /// Which groups the shared grid evaluates at `theta` (the others are the model's):
    /// those whose values relative to `f_x(τ_ref)` stay below `e^600`. `None` where no
    /// group is: outside the domain, or a dropout shape in the model's scaled regime.
    fn shared_groups(&self, theta: &[f64]) -> Option<Vec<bool>> {
        let &[r, alpha, s, beta] = theta else {
            return None;
        };
        if self.unusable || !theta.iter().all(|v| v.is_finite() && *v > 0.0) || s >= SCALED_MIN_S {
            return None;
        }
        let q = s + 1.0;
        let (ref_a, ref_b) = (alpha + self.tau_ref, beta + self.tau_ref);
        let (ln_ref_a, ln_ref_b) = (ref_a.ln(), ref_b.ln());
        // Sums over at most τ_ref of values at most e^{(r+x) ln((α+τ_ref)/(α+τ_min)) + …},
        // the "alive" term times β + τ_ref.
        let slack = ref_b.ln().max(0.0) + self.tau_ref.ln_1p();
        Some(
            self.groups
                .iter()
                .map(|g| {
                    let e = (r + g.x) * (ln_ref_a - (alpha + g.tau_min).ln())
                        + q * (ln_ref_b - (beta + g.tau_min).ln());
                    e + slack <= MAX_EXPONENT
                })
                .collect(),
        )
    }

    /// The evaluation with the shared grid for the groups `ok` marks, the model's for the
    /// others; `None` if a value is not finite.
    fn shared(&self, theta: &[f64], ok: &[bool], grad: &mut [f64]) -> Option<f64> {
        let (&[r, alpha, s, beta], Some(grad)) = (theta, grad.first_chunk_mut::<4>()) else {
            return None;
        };
        let q = s + 1.0;
        let ref_b = beta + self.tau_ref;
        let (ln_ref_a, ln_ref_b) = ((alpha + self.tau_ref).ln(), ref_b.ln());
        let prefix = self.prefix_sums(theta, ok, ln_ref_a, ln_ref_b)?;
        let by_age: Vec<[f64; 4]> = self
            .ages
            .iter()
            .map(|t| {
                [
                    (alpha + t).ln(),
                    1.0 / (alpha + t),
                    (beta + t).ln(),
                    1.0 / (beta + t),
                ]
            })
            .collect();
        let (lg_r, psi_r) = (ln_gamma(r), digamma(r));
        let (ln_alpha, ln_beta) = (alpha.ln(), beta.ln());
        let mut ll = 0.0;
        let mut g = [0.0; 4];
        let mut part = [0.0; 4];
        for ((group, &shared), model) in self.groups.iter().zip(ok).zip(&self.models) {
            if !shared {
                ll += model.ll_grad(theta, &mut part);
                for (gj, pj) in g.iter_mut().zip(part) {
                    *gj += pj;
                }
                continue;
            }
            let x = group.x;
            let p = r + x;
            let common = ln_gamma(p) - lg_r + r * ln_alpha + s * ln_beta - p * ln_ref_a - q * ln_ref_b;
            let d_common = [digamma(p) - psi_r + ln_alpha, r / alpha, ln_beta, s / beta];
            let (mut s_ll, mut s_w) = (0.0, 0.0);
            let mut s_g = [0.0; 4];
            let at = |slot: u32| prefix.get(slot as usize);
            for row in self.rows.get(group.rows.clone())? {
                let &[la, ia, lb, ib] = by_age.get(row.age as usize)?;
                let alive = (p * (ln_ref_a - la) + s * (ln_ref_b - lb)).exp() * ref_b;
                let mut num = [-la * alive, -p * ia * alive, -lb * alive, -s * ib * alive];
                let mut total = alive;
                if row.k_tx < row.k_t {
                    let (m_tx, m_t) = (at(row.slot_tx)?, at(row.slot_t)?);
                    let mut d: Moments = *m_tx;
                    for (dj, tj) in d.iter_mut().zip(m_t) {
                        *dj -= tj;
                    }
                    let a0 = d[0];
                    total += s * a0;
                    num[0] -= s * d[1];
                    num[1] -= s * p * d[2];
                    num[2] += a0 - s * d[3];
                    num[3] -= s * q * d[4];
                }
                let inv = 1.0 / total;
                s_ll += row.w * total.ln();
                s_w += row.w;
                for (sj, nj) in s_g.iter_mut().zip(num) {
                    *sj += row.w * nj * inv;
                }
            }
            ll += s_w * common + s_ll;
            for ((gj, dc), sj) in g.iter_mut().zip(d_common).zip(s_g) {
                *gj += s_w * dc + sj;
            }
        }
        if !(ll.is_finite() && g.iter().all(|v| v.is_finite())) {
            return None;
        }
        *grad = g;
        Some(ll)
    }

    /// Per key slot of the groups `ok` marks, the moments of `∫_τ^{τ_hi}` (`τ_hi` the
    /// group's largest `τ`, whose own moments are zero) over the shared nodes; `None` if
    /// the quadrature cannot progress.
    fn prefix_sums(&self, theta: &[f64], ok: &[bool], ln_ref_a: f64, ln_ref_b: f64) -> Option<Vec<Moments>> {
        let &[r, alpha, s, beta] = theta else {
            return None;
        };
        let q = s + 1.0;
        let ref_a = alpha + self.tau_ref;
        let mut at_keys = vec![[0.0; 5]; self.keys];
        // Per group, the moments from its top down to the current grid index.
        let mut running = vec![[0.0; 5]; self.groups.len()];
        // Per active group of a segment: its running sums' index, key slot, step in x
        // from the previous one, and the segment's moments.
        let mut acc: Vec<(usize, u32, Step, Moments)> = Vec::new();
        for (k, range) in self.segments.iter().enumerate().rev() {
            acc.clear();
            let mut x_prev = 0.0;
            for &(i, slot) in self.active.get(range.clone())? {
                if *ok.get(i as usize)? {
                    let x = self.groups.get(i as usize)?.x;
                    acc.push((i as usize, slot, Step::of(x - x_prev), [0.0; 5]));
                    x_prev = x;
                }
            }
            if acc.is_empty() {
                continue;
            }
            let (&a, &b) = (self.grid.get(k)?, self.grid.get(k + 1)?);
            let p_max = r + x_prev;
            let mut node = |u: f64, wt: f64| {
                let (au, bu) = (alpha + u, beta + u);
                let (la, lb) = (au.ln(), bu.ln());
                let (ia, ib) = (1.0 / au, 1.0 / bu);
                let y = ref_a * ia;
                // f_x(u)/f_x(τ_ref) from x = 0 upwards: one multiplication per unit of x.
                let mut e = wt * (r * (ln_ref_a - la) + q * (ln_ref_b - lb)).exp();
                for (_, _, step, m) in acc.iter_mut() {
                    e = step.apply(e, y);
                    m[0] += e;
                    m[1] += e * la;
                    m[2] += e * ia;
                    m[3] += e * lb;
                    m[4] += e * ib;
                }
            };
            let mut u = a;
            while u < b {
                let (au, bu) = (alpha + u, beta + u);
                let rate = p_max / au + q / bu;
                let near = au.min(bu);
                if b - u <= (0.1 * near).min(0.3 / rate) {
                    let (mid, half) = (0.5 * (u + b), 0.5 * (b - u));
                    for (xk, wk) in GL4_X.into_iter().zip(GL4_W) {
                        node(mid - half * xk, wk * half);
                        node(mid + half * xk, wk * half);
                    }
                    break;
                }
                let h = (0.5 * near).min(1.5 / rate).min(b - u);
                if u + h <= u || h.is_nan() {
                    return None;
                }
                let (mid, half) = (u + 0.5 * h, 0.5 * h);
                for (xk, wk) in GL8_X.into_iter().zip(GL8_W) {
                    node(mid - half * xk, wk * half);
                    node(mid + half * xk, wk * half);
                }
                u += h;
            }
            for &(i, slot, _, m) in &acc {
                let sum = running.get_mut(i)?;
                for (sj, mj) in sum.iter_mut().zip(m) {
                    *sj += mj;
                }
                if slot != NO_SLOT {
                    *at_keys.get_mut(slot as usize)? = *sum;
                }
            }
        }
        Some(at_keys)
    }
}

/// `y^dx`, the factor from one group's `f_x(u)/f_x(τ_ref)` to the next one's.
#[derive(Debug, Clone, Copy)]
enum Step {
    Zero,
    One,
    /// A whole number of units (counts): repeated squaring.
    Whole(i32),
    Real(f64),
}

impl Step {
    fn of(dx: f64) -> Step {
        if dx == 0.0 {
            Step::Zero
        } else if dx.fract() == 0.0 && (1.0..=1024.0).contains(&dx) {
            match dx as i32 {
                1 => Step::One,
                n => Step::Whole(n),
            }
        } else {
            Step::Real(dx)
        }
    }

    #[inline]
    fn apply(self, e: f64, y: f64) -> f64 {
        match self {
            Step::Zero => e,
            Step::One => e * y,
            Step::Whole(n) => e * y.powi(n),
            Step::Real(d) => e * y.powf(d),
        }
    }
}

impl LogLikelihood for GroupedParetoNbd {
    fn value_gradient(&self, theta: &[f64], grad: &mut [f64]) -> f64 {
        self.ll_grad(theta, grad)
    }
    fn customers(&self) -> f64 {
        self.total_weight
    }
    fn hessian_step(&self) -> f64 {
        1e-4
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::btyd::ParetoNbd;
    use crate::btyd::uncertainty::Estimable;

    fn cdnow() -> WeightedSummaries {
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
        WeightedSummaries::from_rows(&x, &tx, &t).unwrap()
    }

    /// Value and gradient against the model's evaluator (`ParetoNbd::log_likelihood`, the
    /// one the fit maximises); `shared`: how many groups the shared grid must evaluate.
    fn check(d: &WeightedSummaries, thetas: &[[f64; 4]], shared: usize) {
        let grouped = GroupedParetoNbd::new(d);
        let model = ParetoNbd::log_likelihood(d);
        for theta in thetas {
            let (mut g1, mut g2) = ([0.0; 4], [0.0; 4]);
            let v1 = grouped.ll_grad(theta, &mut g1);
            let v2 = model.value_gradient(theta, &mut g2);
            let on_grid = grouped
                .shared_groups(theta)
                .map_or(0, |ok| ok.iter().filter(|b| **b).count());
            assert_eq!(on_grid, shared, "{theta:?}");
            assert!(
                (v1 - v2).abs() <= 1e-10 * v2.abs().max(1.0),
                "{theta:?}: {v1} vs {v2}"
            );
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

    /// CDNOW (2,357 customers, 1,016 distinct rows) at the MLE, the BTYD vignette's
    /// values, and far from them in every direction the posterior could wander.
    #[test]
    fn equals_the_model_on_cdnow() {
        let d = cdnow();
        let g = GroupedParetoNbd::new(&d);
        assert_eq!((g.groups.len(), g.grid.len()), (23, 269));
        check(
            &d,
            &[
                [0.5534, 10.5802, 0.6061, 11.6562],
                [0.55, 10.58, 0.61, 11.67],
                [0.3, 4.0, 0.2, 30.0],
                [1.5, 30.0, 2.0, 3.0],
                [0.05, 0.2, 0.05, 0.3],
                [5.0, 100.0, 4.9, 100.0],
                [0.6, 11.0, 0.01, 1e-3],
                [0.6, 1e-3, 0.6, 11.0],
            ],
            23,
        );
        // The model's scaled regime (s ≥ 5): its own evaluation.
        check(&d, &[[0.55, 10.58, 6.0, 600.0], [0.55, 10.58, 1e4, 2e5]], 0);
    }

    /// Hostile rows: a huge `x`, `t_x = T`, `t_x` a thousandth below `T`, a tiny age, far
    /// apart ages, fractional and large weights.
    #[test]
    fn equals_the_model_on_hostile_rows() {
        let d = WeightedSummaries::from_weighted_rows(
            &[0.0, 0.0, 1.0, 1.0, 3.0, 3.0, 7.0, 40.0, 200.0, 2.0, 5.0, 0.0],
            &[
                0.0, 0.0, 2.0, 30.0, 12.0, 12.0, 38.0, 20.0, 39.0, 1e3, 35.999, 0.0,
            ],
            &[
                39.0, 10.0, 39.0, 31.0, 39.0, 13.5, 39.0, 36.0, 39.0, 2e3, 36.0, 1e-3,
            ],
            &[50.0, 3.0, 10.0, 4.0, 2.0, 1.0, 1.0, 1.0, 1.0, 0.25, 1e6, 7.0],
        )
        .unwrap();
        check(
            &d,
            &[
                [0.55, 10.58, 0.61, 11.67],
                [0.84, 3.77, 0.69, 35.2],
                [2.0, 40.0, 0.3, 1.5],
                [0.5, 0.01, 0.5, 1.0],
            ],
            // x = 200 at T = 39 against τ_ref = 2,000 would overflow the linear form
            // ((α+2000)/(α+39))^200 > e^600: that group is the model's, the 7 others are
            // on the shared grid.
            7,
        );
    }

    #[test]
    fn outside_the_domain_is_nan() {
        let g = GroupedParetoNbd::new(&cdnow());
        let mut grad = [1.0; 4];
        assert!(g.ll_grad(&[0.0, 1.0, 1.0, 1.0], &mut grad).is_nan());
        assert!(g.ll_grad(&[1.0, f64::INFINITY, 1.0, 1.0], &mut grad).is_nan());
        assert!(g.ll_grad(&[1.0, 1.0, 1.0], &mut grad).is_nan());
        assert!(grad.iter().all(|g| g.to_bits() == 0));
    }
}

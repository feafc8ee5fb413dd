//! The time-varying log-likelihood summed over the customer groups of [`Prepared`], with
//! its analytic gradient in the natural parameters (`docs/time-varying-covariates.md`,
//! "Gradient"). The quadrature nodes depend on the data and on the piece counts only, so
//! the gradient is the exact derivative of the computed likelihood (piece counts held).

use super::groups::{Group, Prepared};
use super::model::{GL, TvModel, lse, pieces};
use crate::special::{digamma, ln_gamma};

/// Row `k` of a flat `rows × w` buffer (empty when out of range or `w = 0`).
fn row(v: &[f64], w: usize, k: usize) -> &[f64] {
    v.get(k * w..(k + 1) * w).unwrap_or(&[])
}

fn row_mut(v: &mut [f64], w: usize, k: usize) -> &mut [f64] {
    v.get_mut(k * w..(k + 1) * w).unwrap_or(&mut [])
}

fn dot(g: &[f64], x: &[f64]) -> f64 {
    g.iter().zip(x).map(|(a, b)| a * b).sum()
}

/// `out += f · x`.
fn axpy(out: &mut [f64], f: f64, x: &[f64]) {
    for (o, v) in out.iter_mut().zip(x) {
        *o += f * v;
    }
}

/// One run at given parameters: bounds, factors and the cumulative exposures at its start.
#[derive(Debug, Clone, Copy, Default)]
struct RunF {
    t0: f64,
    t1: f64,
    /// Purchase factor `exp(γ_p·x_p)`.
    a: f64,
    /// Pareto/NBD: `exp(γ_d·x_d)`; BG/NBD: `exp(γ_a·x_d)`.
    c: f64,
    /// BG/NBD: `exp(γ_b·x_d)`.
    d: f64,
    /// `A(t0)`, `C(t0)`.
    a0: f64,
    c0: f64,
}

/// Buffers reused across groups.
#[derive(Debug, Default)]
struct Scratch {
    runs: Vec<RunF>,
    /// `∂A(t_k)/∂γ_p` at each run start and at `T` (`(runs + 1) × np`).
    da0: Vec<f64>,
    /// `∂C(t_k)/∂γ_d` likewise (Pareto/NBD).
    dc0: Vec<f64>,
    /// Gradients of the common term and the two likelihood parts.
    g: Vec<f64>,
    g1: Vec<f64>,
    g2: Vec<f64>,
    /// `∂A(t_x)/∂γ_p`, `∂C(t_x)/∂γ_d`.
    dax: Vec<f64>,
    dcx: Vec<f64>,
}

impl Scratch {
    /// Factors and cumulative exposures of `g`'s runs; `gd` the Pareto dropout or BG `γ_a`
    /// coefficients, `gb` BG's `γ_b` (empty for Pareto/NBD).
    fn fill(&mut self, g: &Group, np: usize, nd: usize, coef: [&[f64]; 3], pareto: bool) {
        let [gp, gd, gb] = coef;
        let nr = g.runs.len();
        self.runs.clear();
        self.da0.clear();
        self.da0.resize((nr + 1) * np, 0.0);
        self.dc0.clear();
        self.dc0.resize((nr + 1) * nd, 0.0);
        let (mut ca, mut cc) = (0.0, 0.0);
        for (k, &(t0, t1)) in g.runs.iter().enumerate() {
            let (xp, xd) = (row(&g.xp, np, k), row(&g.xd, nd, k));
            let a = dot(gp, xp).exp();
            let c = dot(gd, xd).exp();
            let d = if pareto { 1.0 } else { dot(gb, xd).exp() };
            self.runs.push(RunF {
                t0,
                t1,
                a,
                c,
                d,
                a0: ca,
                c0: cc,
            });
            let len = t1 - t0;
            ca += a * len;
            cc += c * len;
            let (lo, hi) = self.da0.split_at_mut((k + 1) * np);
            let (prev, next) = (row(lo, np, k), row_mut(hi, np, 0));
            for ((n, p), x) in next.iter_mut().zip(prev).zip(xp) {
                *n = p + a * len * x;
            }
            if pareto {
                let (lo, hi) = self.dc0.split_at_mut((k + 1) * nd);
                let (prev, next) = (row(lo, nd, k), row_mut(hi, nd, 0));
                for ((n, p), x) in next.iter_mut().zip(prev).zip(xd) {
                    *n = p + c * len * x;
                }
            }
        }
        self.runs.push(RunF {
            t0: g.t,
            t1: g.t,
            a0: ca,
            c0: cc,
            ..RunF::default()
        });
    }

    /// The run holding `t_x` and `(A(t_x), C(t_x))`, with their derivatives in `dax`, `dcx`.
    fn at_tx(&mut self, g: &Group, np: usize, nd: usize) -> (usize, f64, f64) {
        let nr = g.runs.len();
        let kx = g
            .runs
            .iter()
            .position(|r| g.tx <= r.1)
            .unwrap_or(nr.saturating_sub(1));
        let rf = self.runs.get(kx).copied().unwrap_or_default();
        let u = g.tx - rf.t0;
        self.dax.clear();
        self.dax.extend_from_slice(row(&self.da0, np, kx));
        axpy(&mut self.dax, rf.a * u, row(&g.xp, np, kx));
        self.dcx.clear();
        self.dcx.extend_from_slice(row(&self.dc0, nd, kx));
        self.dcx.resize(nd, 0.0);
        axpy(&mut self.dcx, rf.c * u, row(&g.xd, nd, kx));
        (kx, rf.a0 + rf.a * u, rf.c0 + rf.c * u)
    }

    /// Writes the common term's gradient into `g` and returns the term:
    /// `lnΓ(r + x) − lnΓ(r) + r ln α + γ_p·Σ x_p(t_j)`.
    fn common(&mut self, grp: &Group, r: f64, alpha: f64, gp: &[f64]) -> f64 {
        let m = r + grp.x;
        self.g.iter_mut().for_each(|v| *v = 0.0);
        if let Some([gr, ga]) = self.g.first_chunk_mut::<2>() {
            *gr = digamma(m) - digamma(r) + alpha.ln();
            *ga = r / alpha;
        }
        if let Some(out) = self.g.get_mut(4..) {
            axpy(out, 1.0, &grp.sxp);
        }
        ln_gamma(m) - ln_gamma(r) + r * alpha.ln() + dot(gp, &grp.sxp)
    }

    /// `g += w1·g1 + w2·g2` (the derivative of `common + lse(l1, l2)`).
    fn combine(&mut self, l1: f64, l2: f64) -> f64 {
        let l = lse(l1, l2);
        let (w1, w2) = ((l1 - l).exp(), (l2 - l).exp());
        for ((o, a), b) in self.g.iter_mut().zip(&self.g1).zip(&self.g2) {
            *o += w1 * a + if w2 > 0.0 { w2 * b } else { 0.0 };
        }
        l
    }
}

/// Total log-likelihood (each group times its weight) at natural-scale values `v`
/// (baseline, purchase coefficients, dropout coefficients), with its gradient in `grad`
/// (same length as `v`). NaN when `v` is outside the domain or a term is not finite.
pub(super) fn total(prep: &Prepared, model: TvModel, v: &[f64], grad: &mut [f64]) -> f64 {
    grad.iter_mut().for_each(|g| *g = 0.0);
    let (np, nd) = (prep.np, prep.nd);
    let nk = 4 + np + nd * usize::from(model == TvModel::BgNbd) + nd;
    let Some(&theta) = v.first_chunk::<4>() else {
        return f64::NAN;
    };
    if v.len() != nk || grad.len() != nk || theta.iter().any(|t| !(t.is_finite() && *t > 0.0)) {
        return f64::NAN;
    }
    let gp = v.get(4..4 + np).unwrap_or(&[]);
    let gd = v.get(4 + np..4 + np + nd).unwrap_or(&[]);
    let gb = v.get(4 + np + nd..).unwrap_or(&[]);
    let mut sc = Scratch {
        g: vec![0.0; nk],
        g1: vec![0.0; nk],
        g2: vec![0.0; nk],
        ..Scratch::default()
    };
    let mut ll = 0.0;
    for grp in &prep.groups {
        let l = match model {
            TvModel::ParetoNbd => pareto(grp, np, nd, theta, gp, gd, &mut sc),
            TvModel::BgNbd => bg(grp, np, nd, theta, [gp, gd, gb], &mut sc),
        };
        if !l.is_finite() || sc.g.iter().any(|g| !g.is_finite()) {
            return f64::NAN;
        }
        ll += grp.weight * l;
        axpy(grad, grp.weight, &sc.g);
    }
    ll
}

/// Quadrature sums over one run of the Pareto/NBD integral
/// `∫ c·(P/p₀)^{−m}·(Q/q₀)^{−(s+1)}`, `P = α + A(u)`, `Q = β + C(u)`.
#[derive(Debug, Default, Clone, Copy)]
struct Sums {
    f: f64,
    ln_p: f64,
    ln_q: f64,
    /// `∫ f/P`, `∫ f·(u − t0)/P`, `∫ f/Q`, `∫ f·(u − t0)/Q`.
    p1: f64,
    pu: f64,
    q1: f64,
    qu: f64,
}

#[allow(clippy::too_many_arguments)]
fn pareto(grp: &Group, np: usize, nd: usize, th: [f64; 4], gp: &[f64], gd: &[f64], sc: &mut Scratch) -> f64 {
    let [r, alpha, s, beta] = th;
    let m = r + grp.x;
    sc.fill(grp, np, nd, [gp, gd, &[]], true);
    let nr = grp.runs.len();
    let end = sc.runs.get(nr).copied().unwrap_or_default();
    let (at, ct) = (end.a0, end.c0);
    let (kx, ax, cx) = sc.at_tx(grp, np, nd);
    let common = sc.common(grp, r, alpha, gp);
    // l1 = −m ln(α + A_T) + s ln β − s ln(β + C_T).
    let (pt, qt) = (alpha + at, beta + ct);
    let l1 = -m * pt.ln() + s * (beta / qt).ln();
    sc.g1.iter_mut().for_each(|v| *v = 0.0);
    sc.g2.iter_mut().for_each(|v| *v = 0.0);
    if let Some([g_r, g_a, g_s, g_b]) = sc.g1.first_chunk_mut::<4>() {
        *g_r = -pt.ln();
        *g_a = -m / pt;
        *g_s = (beta / qt).ln();
        *g_b = s / beta - s / qt;
    }
    if let Some(out) = sc.g1.get_mut(4..4 + np) {
        axpy(out, -m / pt, row(&sc.da0, np, nr));
    }
    if let Some(out) = sc.g1.get_mut(4 + np..) {
        axpy(out, -s / qt, row(&sc.dc0, nd, nr));
    }
    // l2 = ln s + s ln β − m ln p₀ − (s + 1) ln q₀ + ln J.
    let (p0, q0) = (alpha + ax, beta + cx);
    let mut j_total = 0.0;
    let (mut s_lnp, mut s_lnq, mut s_p1, mut s_q1) = (0.0, 0.0, 0.0, 0.0);
    for (k, rf) in sc.runs.iter().enumerate().take(nr).skip(kx) {
        let u0 = rf.t0.max(grp.tx);
        let len = rf.t1 - u0;
        if len <= 0.0 {
            continue;
        }
        let off = u0 - rf.t0;
        let pa = alpha + rf.a0 + rf.a * off;
        let qa = beta + rf.c0 + rf.c * off;
        let var = m * (rf.a * len / pa).ln_1p() + (s + 1.0) * (rf.c * len / qa).ln_1p();
        let n = pieces(var);
        let h = len / n as f64;
        let mut sm = Sums::default();
        for piece in 0..n {
            let mid = (piece as f64 + 0.5) * h;
            for (xg, wg) in GL {
                let u = mid + 0.5 * h * xg;
                let (p, q) = (pa + rf.a * u, qa + rf.c * u);
                let (lp, lq) = (p.ln(), q.ln());
                let f = 0.5 * h * wg * rf.c * (-m * (lp - p0.ln()) - (s + 1.0) * (lq - q0.ln())).exp();
                let du = off + u;
                sm.f += f;
                sm.ln_p += f * lp;
                sm.ln_q += f * lq;
                sm.p1 += f / p;
                sm.pu += f * du / p;
                sm.q1 += f / q;
                sm.qu += f * du / q;
            }
        }
        j_total += sm.f;
        s_lnp += sm.ln_p;
        s_lnq += sm.ln_q;
        s_p1 += sm.p1;
        s_q1 += sm.q1;
        // ∂/∂γ_p: −m ∫ f·∂P/P with ∂P = ∂A(t0) + a·x_p·(u − t0); ∂/∂γ_d: ∫ f·(x_d −
        // (s + 1)·∂Q/Q), ∂Q = ∂C(t0) + c·x_d·(u − t0).
        let (xp, xd) = (row(&grp.xp, np, k), row(&grp.xd, nd, k));
        if let Some(out) = sc.g2.get_mut(4..4 + np) {
            axpy(out, -m * sm.p1, row(&sc.da0, np, k));
            axpy(out, -m * rf.a * sm.pu, xp);
        }
        if let Some(out) = sc.g2.get_mut(4 + np..) {
            axpy(out, sm.f - (s + 1.0) * rf.c * sm.qu, xd);
            axpy(out, -(s + 1.0) * sm.q1, row(&sc.dc0, nd, k));
        }
    }
    let l2 = if j_total > 0.0 {
        s.ln() + s * beta.ln() - m * p0.ln() - (s + 1.0) * q0.ln() + j_total.ln()
    } else {
        f64::NEG_INFINITY
    };
    if j_total > 0.0 {
        sc.g2.iter_mut().skip(4).for_each(|v| *v /= j_total);
        if let Some([g_r, g_a, g_s, g_b]) = sc.g2.first_chunk_mut::<4>() {
            *g_r = -s_lnp / j_total;
            *g_a = -m * s_p1 / j_total;
            *g_s = 1.0 / s + beta.ln() - s_lnq / j_total;
            *g_b = s / beta - (s + 1.0) * s_q1 / j_total;
        }
    }
    common + sc.combine(l1, l2)
}

fn bg(grp: &Group, np: usize, nd: usize, th: [f64; 4], coef: [&[f64]; 3], sc: &mut Scratch) -> f64 {
    let [r, alpha, a, b] = th;
    let [gp, ga, gb] = coef;
    let m = r + grp.x;
    sc.fill(grp, np, nd, [gp, ga, gb], false);
    let nr = grp.runs.len();
    let at = sc.runs.get(nr).map_or(0.0, |e| e.a0);
    let (_, ax, _) = sc.at_tx(grp, np, nd);
    let common = sc.common(grp, r, alpha, gp);
    sc.g1.iter_mut().for_each(|v| *v = 0.0);
    sc.g2.iter_mut().for_each(|v| *v = 0.0);
    // Survival through the repeat purchases (into g1) and dropout at the last (g2):
    // indices 2 (a), 3 (b), then γ_a, γ_b.
    let (ia, ib) = (4 + np, 4 + np + nd);
    let mut ln_surv = 0.0;
    let mut ln_drop = f64::NEG_INFINITY;
    let x = grp.purchases.len();
    for (j, &run) in grp.purchases.iter().enumerate() {
        let rf = sc.runs.get(run).copied().unwrap_or_default();
        let xd = row(&grp.xd, nd, run);
        let (aj, bj, jj) = (a * rf.c, b * rf.d, j as f64);
        let den = aj + bj + jj;
        if j + 1 == x {
            ln_drop = ln_surv + (aj / den).ln();
            sc.g2.clone_from(&sc.g1);
            if let Some([da, db]) = sc.g2.get_mut(2..4).and_then(|s| s.first_chunk_mut::<2>()) {
                *da += 1.0 / a - rf.c / den;
                *db -= rf.d / den;
            }
            if let Some(out) = sc.g2.get_mut(ia..ib) {
                axpy(out, 1.0 - aj / den, xd);
            }
            if let Some(out) = sc.g2.get_mut(ib..) {
                axpy(out, -bj / den, xd);
            }
        }
        ln_surv += ((bj + jj) / den).ln();
        if let Some([da, db]) = sc.g1.get_mut(2..4).and_then(|s| s.first_chunk_mut::<2>()) {
            *da -= rf.c / den;
            *db += rf.d / (bj + jj) - rf.d / den;
        }
        if let Some(out) = sc.g1.get_mut(ia..ib) {
            axpy(out, -aj / den, xd);
        }
        if let Some(out) = sc.g1.get_mut(ib..) {
            axpy(out, bj / (bj + jj) - bj / den, xd);
        }
    }
    let (pt, px) = (alpha + at, alpha + ax);
    let l1 = ln_surv - m * pt.ln();
    let l2 = ln_drop - m * px.ln();
    if let Some([g_r, g_a]) = sc.g1.first_chunk_mut::<2>() {
        *g_r = -pt.ln();
        *g_a = -m / pt;
    }
    if let Some(out) = sc.g1.get_mut(4..4 + np) {
        axpy(out, -m / pt, row(&sc.da0, np, nr));
    }
    if x > 0 {
        if let Some([g_r, g_a]) = sc.g2.first_chunk_mut::<2>() {
            *g_r = -px.ln();
            *g_a = -m / px;
        }
        if let Some(out) = sc.g2.get_mut(4..4 + np) {
            axpy(out, -m / px, &sc.dax);
        }
    }
    common + sc.combine(l1, l2)
}

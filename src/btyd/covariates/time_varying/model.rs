//! The per-customer mathematics (see `docs/time-varying-covariates.md`): the covariate
//! path of a customer at given coefficients, and on it the Pareto/NBD and BG/NBD
//! log-likelihoods, P(alive), conditional expected transactions and DECT.

use serde::{Deserialize, Serialize};

use super::data::{TimeVaryingData, TvCustomer, last_period};
use super::table::TimeVaryingCovariates;
use crate::error::{Error, Result};
use crate::special::ln_gamma;

/// Which transaction model carries the time-varying covariates.
///
/// # Examples
///
/// ```
/// use customer_value::btyd::covariates::time_varying::TvModel;
/// assert_eq!(TvModel::ParetoNbd.baseline_names(), ["r", "alpha", "s", "beta"]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TvModel {
    /// Pareto/NBD (Bachmann, Meierer & Näf 2021): purchase rate `λ·exp(γ_p·x_p(t))`,
    /// dropout rate `μ·exp(γ_d·x_d(t))`.
    ParetoNbd,
    /// BG/NBD: purchase rate `λ·exp(γ_p·x_p(t))`; dropout at the `j`-th repeat purchase
    /// with hazard `a_j / (a_j + b_j + j − 1)`, `a_j = a·exp(γ_a·x_d)`, `b_j = b·exp(γ_b·x_d)`
    /// at that purchase's period.
    BgNbd,
}

impl TvModel {
    /// The four baseline parameters' names.
    ///
    /// ```
    /// use customer_value::btyd::covariates::time_varying::TvModel;
    ///
    /// assert_eq!(TvModel::ParetoNbd.baseline_names(), ["r", "alpha", "s", "beta"]);
    /// assert_eq!(TvModel::BgNbd.baseline_names(), ["r", "alpha", "a", "b"]);
    /// ```
    #[must_use]
    pub fn baseline_names(self) -> [&'static str; 4] {
        match self {
            TvModel::ParetoNbd => ["r", "alpha", "s", "beta"],
            TvModel::BgNbd => ["r", "alpha", "a", "b"],
        }
    }
    /// Coefficient prefixes of the dropout process.
    pub(super) fn dropout_prefixes(self) -> &'static [&'static str] {
        match self {
            TvModel::ParetoNbd => &["dropout"],
            TvModel::BgNbd => &["dropout_a", "dropout_b"],
        }
    }
}

/// Baseline parameters and coefficients, split.
#[derive(Debug, Clone, Copy)]
pub(super) struct Params<'a> {
    pub(super) model: TvModel,
    pub(super) theta: [f64; 4],
    pub(super) gp: &'a [f64],
    /// Pareto/NBD: γ_d; BG/NBD: γ_a then γ_b (each `dropout columns` long).
    pub(super) gd: &'a [f64],
}

/// One piece of customer time within one period.
#[derive(Debug, Clone, Copy)]
struct Seg {
    t0: f64,
    t1: f64,
    /// Purchase factor `exp(γ_p·x_p)`.
    a: f64,
    /// Pareto: dropout factor; BG: `exp(γ_a·x_d)`.
    c: f64,
    /// BG: `exp(γ_b·x_d)`.
    d: f64,
    /// `A(t0)`, `C(t0)`.
    a0: f64,
    c0: f64,
}

fn dot(g: &[f64], x: &[f64]) -> f64 {
    g.iter().zip(x).map(|(a, b)| a * b).sum()
}

/// The factors in calendar period `k` of customer `i`.
fn factors(p: &Params, data: &TimeVaryingData, i: usize, k: usize) -> (f64, f64, f64) {
    let xp = data.purchase.row(i, k).unwrap_or(&[]);
    let xd = data.dropout.row(i, k).unwrap_or(&[]);
    let nd = data.dropout.columns();
    let a = dot(p.gp, xp).exp();
    let (c, d) = match p.model {
        TvModel::ParetoNbd => (dot(p.gd, xd).exp(), 1.0),
        TvModel::BgNbd => (
            dot(p.gd.get(..nd).unwrap_or(&[]), xd).exp(),
            dot(p.gd.get(nd..).unwrap_or(&[]), xd).exp(),
        ),
    };
    (a, c, d)
}

/// The period holding customer time `t` (a purchase exactly on a boundary opens the next
/// period), clamped to the customer's last observed one.
fn period_at(c: &TvCustomer, t: f64, last: usize) -> usize {
    ((c.birth() + t).floor().max(0.0) as usize).min(last)
}

/// The customer's path from customer time 0 to `to`, split at period boundaries.
fn path(p: &Params, data: &TimeVaryingData, i: usize, to: f64) -> Vec<Seg> {
    let Some(c) = data.customers.get(i) else {
        return Vec::new();
    };
    let b = c.birth();
    let mut segs = Vec::new();
    let (mut t, mut ca, mut cc) = (0.0, 0.0, 0.0);
    let mut k = b.floor().max(0.0) as usize;
    while t < to {
        let t1 = ((k + 1) as f64 - b).min(to);
        let (a, cf, d) = factors(p, data, i, k);
        segs.push(Seg {
            t0: t,
            t1,
            a,
            c: cf,
            d,
            a0: ca,
            c0: cc,
        });
        ca += a * (t1 - t);
        cc += cf * (t1 - t);
        t = t1;
        k += 1;
    }
    segs
}

/// `(A(t), C(t))` on a path.
fn cum(segs: &[Seg], t: f64) -> (f64, f64) {
    match segs.iter().find(|s| t <= s.t1) {
        Some(s) => (s.a0 + s.a * (t - s.t0), s.c0 + s.c * (t - s.t0)),
        None => segs.last().map_or((0.0, 0.0), |s| {
            (s.a0 + s.a * (s.t1 - s.t0), s.c0 + s.c * (s.t1 - s.t0))
        }),
    }
}

/// Gauss–Legendre, 5 nodes on [−1, 1].
pub(super) const GL: [(f64, f64); 5] = [
    (0.0, 0.568_888_888_888_888_9),
    (-0.538_469_310_105_683_1, 0.478_628_670_499_366_5),
    (0.538_469_310_105_683_1, 0.478_628_670_499_366_5),
    (-0.906_179_845_938_664, 0.236_926_885_056_189_1),
    (0.906_179_845_938_664, 0.236_926_885_056_189_1),
];

/// `∫_{u0}^{u1} f`, with `n` equal pieces of 5-point Gauss–Legendre.
fn gauss(u0: f64, u1: f64, n: usize, mut f: impl FnMut(f64) -> f64) -> f64 {
    let h = (u1 - u0) / n as f64;
    let mut s = 0.0;
    for j in 0..n {
        let mid = u0 + (j as f64 + 0.5) * h;
        for (x, w) in GL {
            s += w * f(mid + 0.5 * h * x);
        }
    }
    0.5 * h * s
}

/// Pieces so that the integrand's logarithm changes by at most ¼ on each.
pub(super) fn pieces(variation: f64) -> usize {
    ((variation * 4.0).ceil() as usize).clamp(1, 4096)
}

pub(super) fn lse(a: f64, b: f64) -> f64 {
    let m = a.max(b);
    if m == f64::NEG_INFINITY {
        m
    } else {
        m + ((a - m).exp() + (b - m).exp()).ln()
    }
}

/// The two parts of a customer's likelihood on the log scale, `(alive at T, not alive)`,
/// and the common term; LL = common + lse(parts).
fn parts(p: &Params, data: &TimeVaryingData, i: usize) -> Option<(f64, f64, f64, Vec<Seg>)> {
    let c = data.customers.get(i)?;
    let [r, alpha, s3, s4] = p.theta;
    let x = c.frequency();
    let (tx, t) = (c.recency(), c.age());
    let m = r + x;
    let segs = path(p, data, i, t);
    let last = last_period(c.birth(), t);
    let start = segs.first()?.t0;
    let mut ln_a_sum = 0.0;
    let mut purchase_segs = Vec::with_capacity(c.purchases().len());
    for &tj in c.purchases() {
        let k = period_at(c, tj, last);
        let kk = k.saturating_sub(c.birth().floor().max(0.0) as usize);
        let sg = segs.get(kk).or(segs.last())?;
        ln_a_sum += sg.a.ln();
        purchase_segs.push(*sg);
    }
    let _ = start;
    let common = ln_gamma(m) - ln_gamma(r) + r * alpha.ln() + ln_a_sum;
    let (at, ct) = cum(&segs, t);
    let (ax, cx) = cum(&segs, tx);
    match p.model {
        TvModel::ParetoNbd => {
            let (s, beta) = (s3, s4);
            let l1 = -m * (alpha + at).ln() + s * (beta / (beta + ct)).ln();
            let (p0, q0) = (alpha + ax, beta + cx);
            let mut integral = 0.0;
            for sg in segs.iter().filter(|sg| sg.t1 > tx) {
                let u0 = sg.t0.max(tx);
                let pa = alpha + sg.a0 + sg.a * (u0 - sg.t0);
                let qa = beta + sg.c0 + sg.c * (u0 - sg.t0);
                let len = sg.t1 - u0;
                let var = m * (sg.a * len / pa).ln_1p() + (s + 1.0) * (sg.c * len / qa).ln_1p();
                integral += gauss(0.0, len, pieces(var), |u| {
                    sg.c * (-m * ((pa + sg.a * u) / p0).ln() - (s + 1.0) * ((qa + sg.c * u) / q0).ln()).exp()
                });
            }
            let l2 = if integral > 0.0 {
                s.ln() + s * beta.ln() - m * p0.ln() - (s + 1.0) * q0.ln() + integral.ln()
            } else {
                f64::NEG_INFINITY
            };
            Some((common, l1, l2, segs))
        }
        TvModel::BgNbd => {
            let (a, b) = (s3, s4);
            let mut ln_surv = 0.0;
            let mut ln_drop = f64::NEG_INFINITY;
            for (j, sg) in purchase_segs.iter().enumerate() {
                let (aj, bj) = (a * sg.c, b * sg.d);
                let denom = aj + bj + j as f64;
                if j + 1 == purchase_segs.len() {
                    ln_drop = ln_surv + (aj / denom).ln();
                }
                ln_surv += ((bj + j as f64) / denom).ln();
            }
            let l1 = ln_surv - m * (alpha + at).ln();
            let l2 = ln_drop - m * (alpha + ax).ln();
            Some((common, l1, l2, segs))
        }
    }
}

/// Customer `i`'s log-likelihood (NaN when not finite).
pub(super) fn log_likelihood(p: &Params, data: &TimeVaryingData, i: usize) -> f64 {
    match parts(p, data, i) {
        Some((c, l1, l2, _)) => {
            let v = c + lse(l1, l2);
            if v.is_finite() { v } else { f64::NAN }
        }
        None => f64::NAN,
    }
}

/// P(alive at T).
pub(super) fn probability_alive(p: &Params, data: &TimeVaryingData, i: usize) -> Result<f64> {
    let (_, l1, l2, _) = parts(p, data, i).ok_or_else(|| Error::param("customer", i, "out of range"))?;
    let v = (l1 - lse(l1, l2)).exp();
    if v.is_finite() {
        Ok(v)
    } else {
        Err(undefined("P(alive)"))
    }
}

fn undefined(what: &'static str) -> Error {
    Error::Undefined {
        what,
        reason: "not finite at these parameters".into(),
    }
}

/// Expected repeat purchases in customer time `(T, T + window]`, discounted continuously at
/// `delta` per unit (0: undiscounted), given the customer's history; the covariate table
/// must cover the window.
pub(super) fn expected(p: &Params, data: &TimeVaryingData, i: usize, window: f64, delta: f64) -> Result<f64> {
    let c = data
        .customers
        .get(i)
        .ok_or_else(|| Error::param("customer", i, "out of range"))?;
    if !(window.is_finite() && window >= 0.0) {
        return Err(Error::param("window", window, "must be finite and ≥ 0"));
    }
    if !(delta.is_finite() && delta >= 0.0) {
        return Err(Error::param("discount rate", delta, "must be finite and ≥ 0"));
    }
    if window == 0.0 {
        return Ok(0.0);
    }
    let t = c.age();
    let periods = data.purchase.periods().min(data.dropout.periods());
    if last_period(c.birth(), t + window) >= periods {
        return Err(Error::InvalidRow {
            row: i as u64,
            reason: format!(
                "the window ends at calendar time {}, past the covariate grid's {periods} periods",
                c.birth() + t + window
            ),
        });
    }
    let alive = probability_alive(p, data, i)?;
    let segs = path(p, data, i, t + window);
    let (at, ct) = cum(&segs, t);
    let [r, alpha, s3, s4] = p.theta;
    let x = c.frequency();
    let future = segs.iter().filter(|s| s.t1 > t);
    let v = match p.model {
        TvModel::ParetoNbd => {
            let (s, beta) = (s3, s4);
            let q0 = beta + ct;
            let mut integral = 0.0;
            for sg in future {
                let u0 = sg.t0.max(t);
                let qa = beta + sg.c0 + sg.c * (u0 - sg.t0);
                let len = sg.t1 - u0;
                let var = s * (sg.c * len / qa).ln_1p() + delta * len;
                integral += gauss(0.0, len, pieces(var), |u| {
                    sg.a * (-delta * (u0 + u - t) - s * ((qa + sg.c * u) / q0).ln()).exp()
                });
            }
            alive * (r + x) / (alpha + at) * integral
        }
        TvModel::BgNbd => {
            let segs: Vec<Seg> = future.copied().collect();
            alive * bg_window(r + x, alpha + at, x, s3, s4, &segs, t, delta)?
        }
    };
    if v.is_finite() {
        Ok(v)
    } else {
        Err(undefined("expected transactions"))
    }
}

/// BG/NBD: expected (discounted) purchases of an alive customer over the window's
/// segments, by a recursion over periods on the number of purchases made so far `n`
/// (λ's posterior given `n` is Gamma(shape + n, rate + exposure), so each period's count
/// is negative binomial; the `j`-th purchase's dropout hazard uses its period's factors).
/// Discounting uses each period's midpoint.
#[allow(clippy::too_many_arguments)]
fn bg_window(shape: f64, rate: f64, x: f64, a: f64, b: f64, segs: &[Seg], t: f64, delta: f64) -> Result<f64> {
    let mut total = 0.0;
    bg_window_each(shape, rate, x, a, b, segs, t, delta, |_, v| total = v)?;
    Ok(total)
}

/// [`bg_window`], calling `each(k, total so far)` after segment `k`.
#[allow(clippy::too_many_arguments)]
fn bg_window_each(
    shape: f64,
    rate: f64,
    x: f64,
    a: f64,
    b: f64,
    segs: &[Seg],
    t: f64,
    delta: f64,
    mut each: impl FnMut(usize, f64),
) -> Result<()> {
    const TAIL: f64 = 1e-14;
    const MAX: usize = 20_000;
    let mut pi = vec![1.0];
    let mut rate = rate;
    let mut total = 0.0;
    for (k, sg) in segs.iter().enumerate() {
        let u0 = sg.t0.max(t);
        let e = sg.a * (sg.t1 - u0);
        let q = rate / (rate + e);
        let disc = (-delta * (0.5 * (u0 + sg.t1) - t)).exp();
        let (aj, bj) = (a * sg.c, b * sg.d);
        let mut next = vec![0.0; pi.len()];
        let mut seg_exp = 0.0;
        for (n, &w) in pi.iter().enumerate() {
            if w < 1e-300 {
                continue;
            }
            let sh = shape + n as f64;
            let mut pmf = (sh * q.ln()).exp();
            let mut cdf = pmf;
            let mut surv = 1.0; // Π_{l<j} (1 − h)
            if let Some(v) = next.get_mut(n) {
                *v += w * pmf;
            }
            let mut j = 1usize;
            loop {
                let tail = 1.0 - cdf; // P(J ≥ j)
                if tail <= TAIL || j > MAX {
                    break;
                }
                seg_exp += w * tail * surv;
                let g = x + (n + j) as f64; // the purchase's global index
                let h = aj / (aj + bj + g - 1.0);
                surv *= 1.0 - h;
                pmf *= (sh + j as f64 - 1.0) / j as f64 * (1.0 - q);
                cdf += pmf;
                if next.len() <= n + j {
                    next.resize(n + j + 1, 0.0);
                }
                if let Some(v) = next.get_mut(n + j) {
                    *v += w * pmf * surv;
                }
                j += 1;
            }
            if j > MAX {
                return Err(Error::NonConvergence {
                    what: "BG/NBD window recursion",
                    iterations: j,
                    detail: "more than 20,000 purchases in one period".into(),
                });
            }
        }
        while next.last().is_some_and(|v| *v < 1e-300) && next.len() > 1 {
            next.pop();
        }
        total += disc * seg_exp;
        each(k, total);
        pi = next;
        rate += e;
    }
    Ok(())
}

/// Undiscounted expected repeat purchases of customer `i` in `(T, T + w]` for each `w` of
/// `times` (ascending, finite, ≥ 0) in one pass along the path: the window's periods cut
/// at the times, each piece integrated as [`expected`] integrates a period (so the values
/// equal `expected` at each time up to the quadrature of the cut pieces).
pub(super) fn expected_curve(
    p: &Params,
    data: &TimeVaryingData,
    i: usize,
    times: &[f64],
) -> Result<Vec<f64>> {
    let c = data
        .customers
        .get(i)
        .ok_or_else(|| Error::param("customer", i, "out of range"))?;
    if let Some(w) = times.iter().find(|w| !(w.is_finite() && **w >= 0.0)) {
        return Err(Error::param("window", w, "must be finite and ≥ 0"));
    }
    if times.windows(2).any(|w| matches!(w, [a, b] if b < a)) {
        return Err(Error::param("times", format!("{times:?}"), "must be ascending"));
    }
    let Some(&last) = times.last() else {
        return Ok(Vec::new());
    };
    if last == 0.0 {
        return Ok(vec![0.0; times.len()]);
    }
    let t = c.age();
    let periods = data.purchase.periods().min(data.dropout.periods());
    if last_period(c.birth(), t + last) >= periods {
        return Err(Error::InvalidRow {
            row: i as u64,
            reason: format!(
                "the window ends at calendar time {}, past the covariate grid's {periods} periods",
                c.birth() + t + last
            ),
        });
    }
    let alive = probability_alive(p, data, i)?;
    let segs = path(p, data, i, t + last);
    let (at, ct) = cum(&segs, t);
    // The window's pieces: each future period, cut at the times.
    let mut cuts: Vec<Seg> = Vec::new();
    for sg in segs.iter().filter(|s| s.t1 > t) {
        let mut start = sg.t0.max(t);
        for &w in times {
            let b = t + w;
            if b > start && b < sg.t1 {
                cuts.push(sub(sg, start, b));
                start = b;
            }
        }
        cuts.push(sub(sg, start, sg.t1));
    }
    // The running total after each piece, read at the pieces ending at the times.
    let mut totals = Vec::with_capacity(cuts.len());
    let [r, alpha, s3, s4] = p.theta;
    let x = c.frequency();
    match p.model {
        TvModel::ParetoNbd => {
            let (s, beta) = (s3, s4);
            let q0 = beta + ct;
            let mut integral = 0.0;
            for sg in &cuts {
                let (qa, len) = (beta + sg.c0, sg.t1 - sg.t0);
                let var = s * (sg.c * len / qa).ln_1p();
                integral += gauss(0.0, len, pieces(var), |u| {
                    sg.a * (-s * ((qa + sg.c * u) / q0).ln()).exp()
                });
                totals.push(alive * (r + x) / (alpha + at) * integral);
            }
        }
        TvModel::BgNbd => {
            totals.resize(cuts.len(), 0.0);
            bg_window_each(r + x, alpha + at, x, s3, s4, &cuts, t, 0.0, |k, v| {
                if let Some(slot) = totals.get_mut(k) {
                    *slot = alive * v;
                }
            })?;
        }
    }
    let mut out = Vec::with_capacity(times.len());
    let mut k = 0;
    for &w in times {
        let b = t + w;
        while cuts.get(k).is_some_and(|sg| sg.t1 < b - 1e-12 * b.abs().max(1.0)) {
            k += 1;
        }
        let v = if w == 0.0 {
            0.0
        } else {
            totals.get(k).copied().unwrap_or(f64::NAN)
        };
        if !v.is_finite() {
            return Err(undefined("expected transactions"));
        }
        out.push(v);
    }
    Ok(out)
}

/// The part `[u0, u1]` of a segment, with its cumulative exposures at `u0`.
fn sub(sg: &Seg, u0: f64, u1: f64) -> Seg {
    Seg {
        t0: u0,
        t1: u1,
        a0: sg.a0 + sg.a * (u0 - sg.t0),
        c0: sg.c0 + sg.c * (u0 - sg.t0),
        ..*sg
    }
}

/// Columns of the tables in order (for the fit's names).
pub(super) fn names(t: &TimeVaryingCovariates) -> &[String] {
    t.names()
}

//! The Gamma-Gompertz/NBD model (Bemmaor & Glady 2012, "Modeling purchasing behavior with
//! sudden 'death': a flexible customer lifetime model", *Management Science* 58(5)).
//!
//! While active a customer buys at Poisson rate λ ~ Gamma(r, α); the lifetime is Gompertz
//! with a common shape `b` and an individual scale η ~ Gamma(s, β), so that
//! `S(t) = (β / (β + e^{bt} − 1))^s`. As `b → 0` with `β/b` fixed this is the Pareto/NBD.
//!
//! The likelihood of `(x, t_x, T)` is
//! `Γ(r+x)α^r/Γ(r) · [(α+T)^{−(r+x)} S(T) + ∫_{t_x}^T (α+y)^{−(r+x)} f(y) dy]` with the
//! lifetime density `f(y) = s b e^{by} β^s (β + e^{by} − 1)^{−(s+1)}`. The integral is
//! done by composite 16-point Gauss–Legendre quadrature in `u = ln(α+y)` (the purchase
//! factor is then `e^{−(r+x)u}`), on panels short enough that each factor of the
//! integrand changes by at most `e^{1.5}` across one (checked against mpmath to 1e-12 in
//! `tests/reference/ggom_nbd.py`); the gradient comes from the same nodes,
//! differentiating under the integral sign.
//!
//! Predictions: given alive at `T`, λ ~ Gamma(r+x, α+T) and η ~ Gamma(s, β + e^{bT} − 1)
//! independently, so `E[X(T, T+t)] = P(alive) (r+x)/(α+T) ∫_T^{T+t} S(u | T) du` with
//! `S(u | T) = ((β + e^{bT} − 1)/(β + e^{bu} − 1))^s` (the conditional expectation derived
//! from the model itself, as CLVTools ≥ 0.11 computes it after Adler's correction); the
//! time integrals are done by the same quadrature. DERT is the trait's default, by
//! quadrature over the conditional expectation.

use super::data::{WeightedSummaries, check_horizon, check_summary};
use super::fit::{FitOptions, FitReport, Likelihood, fit_with_fallback};
use super::params::positive_parameters;
use super::{ParetoNbd, TransactionModel};
use crate::error::{Error, Result};
use crate::special::{digamma, ln_gamma, log_add_exp};
use crate::time::TimeUnit;

positive_parameters! {
    /// A GGom/NBD model with validated parameters `r, α` (purchase rate), `b` (Gompertz
    /// shape, per unit of time) and `s, β` (the Gompertz scale's gamma).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::{GgomNbd, ParetoNbd, TransactionModel};
    ///
    /// // Tiny b: the Pareto/NBD with β_pnbd = β / b.
    /// let g = GgomNbd::new(0.55, 10.58, 1e-7, 0.61, 11.67e-7)?;
    /// let p = ParetoNbd::new(0.55, 10.58, 0.61, 11.67)?;
    /// let (a, b) = (g.probability_alive(2.0, 30.43, 38.86)?, p.probability_alive(2.0, 30.43, 38.86)?);
    /// assert!((a - b).abs() < 1e-5);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    ///
    /// # Formula
    ///
    /// Purchases Poisson(λ), λ ~ Gamma(r, α); Gompertz lifetime with shape `b` and scale
    /// η ~ Gamma(s, β) (Bemmaor & Glady 2012, eqs. 3–9):
    ///
    /// ```text
    /// S(t) = (β / (β + e^{b t} − 1))ˢ,      f(t) = s b e^{b t} βˢ / (β + e^{b t} − 1)^{s+1}
    ///
    /// L(r, α, b, s, β | x, t_x, T) = Γ(r + x) αʳ / Γ(r)
    ///     · [ (α + T)^{−(r+x)} S(T) + ∫_{t_x}^{T} (α + y)^{−(r+x)} f(y) dy ]
    ///
    /// P(alive | x, t_x, T) = Γ(r + x) αʳ / Γ(r) · (α + T)^{−(r+x)} S(T) / L
    ///
    /// E[X(t)] = r/α · ∫₀ᵗ S(u) du
    ///
    /// E[Y(t) | x, t_x, T] = P(alive) · (r + x)/(α + T) · ∫_T^{T+t} S(u)/S(T) du
    /// ```
    ///
    /// As `b → 0` with `β/b` fixed it is the Pareto/NBD.
    ///
    /// # References
    ///
    /// - A. C. Bemmaor and N. Glady (2012), "Modeling purchasing behavior with sudden 'death':
    ///   a flexible customer lifetime model", *Management Science* 58(5), 1012–1021.
    model GgomNbd, serde form GgomNbdParams = "GgomNbdParams", "GGom/NBD", tag "ggomnbd",
        fitted on WeightedSummaries, likelihood likelihood;
    /// Shape of the purchase-rate gamma.
    r: "r",
    /// Rate of the purchase-rate gamma.
    alpha: "α",
    /// Gompertz shape (per unit of time).
    b: "b",
    /// Shape of the Gompertz scale's gamma.
    s: "s",
    /// Rate of the Gompertz scale's gamma.
    beta: "β",
}

/// 16-point Gauss–Legendre nodes and weights on [−1, 1] (positive half).
const GL_X: [f64; 8] = [
    0.095_012_509_837_637_44,
    0.281_603_550_779_258_9,
    0.458_016_777_657_227_4,
    0.617_876_244_402_643_7,
    0.755_404_408_355_003,
    0.865_631_202_387_831_8,
    0.944_575_023_073_232_6,
    0.989_400_934_991_649_9,
];
const GL_W: [f64; 8] = [
    0.189_450_610_455_068_5,
    0.182_603_415_044_923_6,
    0.169_156_519_395_002_5,
    0.149_595_988_816_576_7,
    0.124_628_971_255_533_9,
    0.095_158_511_682_492_8,
    0.062_253_523_938_647_9,
    0.027_152_459_411_754_1,
];

/// The most panels one integral is split into.
const MAX_PANELS: usize = 4096;

/// Visits the nodes of composite 16-point Gauss–Legendre on `[lo, hi]` in `m` equal
/// panels: `g(node, ln weight)`.
fn ln_integral(lo: f64, hi: f64, m: usize, mut g: impl FnMut(f64, f64)) {
    let h = (hi - lo) / m as f64;
    for k in 0..m {
        let mid = lo + (k as f64 + 0.5) * h;
        for (x, w) in GL_X.iter().zip(GL_W) {
            for sgn in [-1.0, 1.0] {
                g(mid + sgn * x * 0.5 * h, (w * 0.5 * h).ln());
            }
        }
    }
}

/// Panels for a factor that changes by `change` (in logs) across the interval.
fn panels(change: f64) -> usize {
    if !change.is_finite() {
        return MAX_PANELS;
    }
    // Truncation is intended: a count from a finite, clamped, positive value.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let m = (change.abs() / 1.5).ceil().clamp(1.0, MAX_PANELS as f64) as usize;
    m
}

/// `ln(β + e^{by} − 1)` without cancellation for small `by`.
fn ln_gomp(beta: f64, b: f64, y: f64) -> f64 {
    (beta + (b * y).exp_m1()).ln()
}

impl GgomNbd {
    fn theta(&self) -> [f64; 5] {
        [self.r, self.alpha, self.b, self.s, self.beta]
    }

    /// Fits by maximum likelihood (analytic gradient). The start is the Pareto/NBD fit
    /// mapped to its GGom/NBD neighbourhood (`b` small, `β = β_pnbd b`), with a second
    /// start `(1, α, 0.1, 1, 1)` if that fails.
    ///
    /// # Errors
    ///
    /// [`Error::NonConvergence`] if no start converges; [`Error::InvalidParameter`] for
    /// bad options.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::{FitOptions, GgomNbd, WeightedSummaries};
    ///
    /// let x: Vec<f64> = (0..200).map(|i| [0.0, 1.0, 3.0, 0.0, 2.0, 6.0, 1.0, 0.0][i % 8]).collect();
    /// let tx: Vec<f64> = x.iter().enumerate().map(|(i, &x)| if x > 0.0 { 3.0 + ((i * 11) % 30) as f64 } else { 0.0 }).collect();
    /// let data = WeightedSummaries::from_rows(&x, &tx, &vec![36.0; 200])?;
    /// let fit = GgomNbd::fit(&data, &FitOptions::default().with_penalty(0.001)?)?;
    /// assert!(fit.log_likelihood < 0.0);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn fit(data: &WeightedSummaries, options: &FitOptions) -> Result<FitReport<GgomNbd>> {
        data.check_identifiable("GGom/NBD", GgomNbd::PARAMETER_NAMES.len())?;
        let lik = GgomLikelihood { data };
        let alpha0 = data.pooled_alpha_start();
        let mean_age = data.rows().map(|(_, _, t, w)| w * t).sum::<f64>() / data.total_weight();
        let mean_age = if mean_age > 0.0 { mean_age } else { 1.0 };
        let b0 = 0.1 / mean_age;
        let start = match ParetoNbd::fit(
            data,
            &FitOptions {
                start: None,
                ..options.clone()
            },
        ) {
            Ok(p) => {
                let m = p.model;
                vec![m.r(), m.alpha(), b0, m.s(), m.beta() * b0]
            }
            Err(_) => vec![1.0, alpha0, b0, 1.0, 1.0],
        };
        fit_with_fallback(
            &lik,
            &start,
            &[1.0, alpha0, b0, 1.0, 1.0],
            options,
            data.len(),
            |v| GgomNbd::from_values(v).map(|m| m.with_optional_unit(data.unit())),
        )
    }

    /// Total log-likelihood of weighted rows.
    ///
    /// # Errors
    ///
    /// [`Error::Undefined`] when the value is not finite, as the other models'
    /// `total_log_likelihood`.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::{GgomNbd, WeightedSummaries};
    ///
    /// let g = GgomNbd::new(0.55, 10.58, 1e-7, 0.61, 11.67e-7)?;
    /// // A weight of 2 counts a row twice: the same as listing it twice.
    /// let twice = WeightedSummaries::from_rows(&[2.0, 2.0, 0.0], &[30.43, 30.43, 0.0], &[38.86, 38.86, 38.86])?;
    /// let weighted = WeightedSummaries::from_weighted_rows(&[2.0, 0.0], &[30.43, 0.0], &[38.86, 38.86], &[2.0, 1.0])?;
    /// let (a, b) = (g.total_log_likelihood(&twice)?, g.total_log_likelihood(&weighted)?);
    /// assert!(a < 0.0 && (a - b).abs() < 1e-12 * a.abs());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn total_log_likelihood(&self, data: &WeightedSummaries) -> Result<f64> {
        let mut g = [0.0; 5];
        let ll = GgomLikelihood { data }.ll_grad(&self.theta(), &mut g);
        super::finite_log_likelihood(ll, "GGom/NBD log-likelihood")
    }

    /// Survival while alive at `from`: `S(to | from) = ((β + e^{b·from} − 1)/(β + e^{b·to} − 1))^s`.
    fn survival_from(&self, from: f64, to: f64) -> f64 {
        (self.s * (ln_gomp_wide(self.beta, self.b, from) - ln_gomp_wide(self.beta, self.b, to))).exp()
    }

    /// `∫_from^{from+t} S(u | from) du`, non-decreasing in `t` by construction.
    ///
    /// The panels are laid from `from` on a grid that does not depend on `t`: each one
    /// as long as it can be (doubling) while `ln S` falls by at most 1.5 across it, so that
    /// 16-point Gauss–Legendre is exact to rounding on it. The value at `t` is the sum of
    /// the whole panels below `t` plus the part of the panel holding `t`, that part held to
    /// `[0, whole panel]` (the integrand is positive): two horizons in different panels are
    /// ordered exactly, two in one panel by the rule's accuracy. Beyond `S < e^{−800}` the
    /// rest is dropped (below `f64`'s smallest number). Before, the panels were equal
    /// divisions of `[from, from+t]`, capped at 4,096: nearby horizons got different
    /// panels, and at horizons far beyond the lifetimes (1e204) the cap left the
    /// survival's fall unresolved, so the expectation fell with the horizon.
    ///
    /// # Errors
    ///
    /// [`Error::NonConvergence`] if the survival falls too steeply for 4,096 panels,
    /// [`Error::Undefined`] if `b·from` overflows: never a value that breaks the law.
    fn alive_time(&self, from: f64, t: f64) -> Result<f64> {
        if t.is_nan() || t <= 0.0 {
            return Ok(0.0);
        }
        let (beta, b, s) = (self.beta, self.b, self.s);
        let g0 = ln_gomp_wide(beta, b, from);
        let stuck = |iterations: usize, detail: String| Error::NonConvergence {
            what: "GGom/NBD expected purchases (time alive)",
            iterations,
            detail,
        };
        if !g0.is_finite() {
            return Err(Error::Undefined {
                what: "GGom/NBD expected purchases (time alive)",
                reason: format!("ln(β + e^(b·T) − 1) is not finite at T = {from}"),
            });
        }
        // ln S(from + τ | from), ≤ 0 (held there against rounding).
        let ln_s = |tau: f64| (-s * (ln_gomp_wide(beta, b, from + tau) - g0)).min(0.0);
        let panel = |lo: f64, hi: f64| {
            let mut sum = 0.0;
            ln_integral(lo, hi, 1, |tau, lw| sum += (lw + ln_s(tau)).exp());
            sum
        };
        // The first try: ln S falls by 1.5 at the hazard at `from`, s·b/q with
        // q = (β + e^{b·from} − 1)/e^{b·from} (between β and 1).
        let hazard = s * b * (b * from - g0).exp();
        // (A hazard that overflows starts at the smallest panel, one that underflows at the
        // longest; the halving and doubling below find the panel either way.)
        let h0 = 1.5 / hazard;
        let mut h = if h0 > 0.0 {
            h0.min(ALIVE_MAX_PANEL)
        } else {
            f64::MIN_POSITIVE
        };
        let (mut tau, mut ln_left, mut total, mut tries) = (0.0_f64, 0.0_f64, 0.0_f64, 0_usize);
        for panels in 0..MAX_PANELS {
            if ln_left < ALIVE_LN_FLOOR {
                return Ok(total);
            }
            let (right, ln_right) = loop {
                tries += 1;
                if tries > 64 * MAX_PANELS {
                    return Err(stuck(
                        panels,
                        format!("no panel of ≤ 1.5 in ln S found at τ = {tau}"),
                    ));
                }
                let right = tau + h;
                if right <= tau {
                    h = (2.0 * h).min(ALIVE_MAX_PANEL);
                    continue;
                }
                let ln_right = ln_s(right);
                if ln_left - ln_right <= 1.5 {
                    break (right, ln_right);
                }
                h *= 0.5;
            };
            let whole = panel(tau, right);
            if right >= t {
                let part = if right <= t { whole } else { panel(tau, t) };
                return Ok(total + part.max(0.0).min(whole));
            }
            total += whole;
            tau = right;
            ln_left = ln_right;
            h = (2.0 * h).min(ALIVE_MAX_PANEL);
        }
        Err(stuck(
            MAX_PANELS,
            format!("{MAX_PANELS} panels reach τ = {tau} of t = {t}"),
        ))
    }
}

/// `alive_time`: the longest panel, and the `ln S` below which the rest is dropped.
const ALIVE_MAX_PANEL: f64 = 1e300;
const ALIVE_LN_FLOOR: f64 = -800.0;

/// [`ln_gomp`] also where `e^{by}` overflows: `by + ln(1 + (β − 1) e^{−by})` beyond
/// `by = 700` (the same value below).
fn ln_gomp_wide(beta: f64, b: f64, y: f64) -> f64 {
    let by = b * y;
    if by > 700.0 {
        by + ((beta - 1.0) * (-by).exp()).ln_1p()
    } else {
        ln_gomp(beta, b, y)
    }
}

/// Log-likelihood of one row with its gradient in `(r, α, b, s, β)`, and the log of the
/// alive part's share (for P(alive)).
fn row(theta: &[f64; 5], x: f64, tx: f64, t: f64, grad: &mut [f64; 5]) -> (f64, f64) {
    let [r, alpha, b, s, beta] = *theta;
    let rx = r + x;
    let common = ln_gamma(rx) - ln_gamma(r) + r * alpha.ln();
    let d_common = [digamma(rx) - digamma(r) + alpha.ln(), r / alpha, 0.0, 0.0, 0.0];
    // Alive through T.
    let g_t = ln_gomp(beta, b, t);
    let e_t = (b * t).exp();
    let alive = -rx * (alpha + t).ln() + s * (beta.ln() - g_t);
    let d_alive = [
        -(alpha + t).ln(),
        -rx / (alpha + t),
        -s * t * e_t / (beta + e_t - 1.0),
        beta.ln() - g_t,
        s / beta - s / (beta + e_t - 1.0),
    ];
    if tx >= t {
        *grad = std::array::from_fn(|k| {
            d_common.get(k).copied().unwrap_or(0.0) + d_alive.get(k).copied().unwrap_or(0.0)
        });
        return (common + alive, 0.0);
    }
    // Died in (t_x, T]: ∫ in u = ln(α + y), dy = e^u du.
    let (lo, hi) = ((alpha + tx).ln(), (alpha + t).ln());
    let change = ((rx - 1.0).abs() * (hi - lo))
        .max((s + 1.0) * (g_t - ln_gomp(beta, b, tx)).abs())
        .max(b * (t - tx));
    let m = panels(change);
    let (ln_s, ln_b, ln_beta) = (s.ln(), b.ln(), beta.ln());
    // A running log-sum-exp over the nodes (rescaled when a larger term comes), with the
    // gradient as the weighted mean of the nodes' log-derivatives in y-space (the change
    // of variables only places the nodes).
    let mut max = f64::NEG_INFINITY;
    let mut sum = 0.0;
    let mut dsum = [0.0; 5];
    ln_integral(lo, hi, m, |u, lw| {
        let y = (u.exp() - alpha).max(tx).min(t);
        let ey = (b * y).exp();
        let gy = ln_gomp(beta, b, y);
        let q = 1.0 / (beta + ey - 1.0);
        let l = lw + (1.0 - rx) * u + ln_s + ln_b + b * y + s * ln_beta - (s + 1.0) * gy;
        let d = [
            -u,
            -rx / (alpha + y),
            1.0 / b + y - (s + 1.0) * y * ey * q,
            1.0 / s + ln_beta - gy,
            s / beta - (s + 1.0) * q,
        ];
        if l > max {
            let scale = (max - l).exp();
            sum *= scale;
            dsum.iter_mut().for_each(|v| *v *= scale);
            max = l;
        }
        let w = (l - max).exp();
        sum += w;
        for (ds, dk) in dsum.iter_mut().zip(d) {
            *ds += w * dk;
        }
    });
    let died = max + sum.ln();
    let d_died: [f64; 5] = std::array::from_fn(|k| dsum.get(k).copied().unwrap_or(0.0) / sum);
    let total = log_add_exp(alive, died);
    let p = (alive - total).exp();
    *grad = std::array::from_fn(|k| {
        let get = |a: &[f64; 5]| a.get(k).copied().unwrap_or(0.0);
        get(&d_common) + p * get(&d_alive) + (1.0 - p) * get(&d_died)
    });
    (common + total, alive - total)
}

/// The fit's likelihood of `data`, for the Hessians and samplers of
/// [`uncertainty`](super::uncertainty).
pub(super) fn likelihood(data: &WeightedSummaries) -> impl Likelihood + '_ {
    GgomLikelihood { data }
}

/// The GGom/NBD likelihood of weighted rows (lent to the covariate fit,
/// `covariates/ggom.rs`).
pub(crate) struct GgomLikelihood<'a> {
    pub(crate) data: &'a WeightedSummaries,
}

impl Likelihood for GgomLikelihood<'_> {
    const NAMES: &'static [&'static str] = &GgomNbd::PARAMETER_NAMES;

    fn limiting_model(moves: &[(usize, super::fit::Limit)]) -> Option<&'static str> {
        use super::fit::Limit;
        match moves {
            [(2, Limit::Zero), (4, Limit::Zero)] => Some("the Pareto/NBD (b → 0 with β / b fixed)"),
            [(0, Limit::Infinity), (1, Limit::Infinity)] => {
                Some("Poisson purchasing at one rate for all (lambda = r / alpha)")
            }
            _ => None,
        }
    }

    fn total_weight(&self) -> f64 {
        self.data.total_weight()
    }

    fn ll_grad(&self, theta: &[f64], grad: &mut [f64]) -> f64 {
        grad.iter_mut().for_each(|g| *g = 0.0);
        let Some(th) = theta.first_chunk::<5>() else {
            return f64::NAN;
        };
        if !th.iter().all(|v| v.is_finite() && *v > 0.0) {
            return f64::NAN;
        }
        let mut ll = 0.0;
        let mut g = [0.0; 5];
        for (x, tx, t, w) in self.data.rows() {
            let (l, _) = row(th, x, tx, t, &mut g);
            if !l.is_finite() {
                return f64::NAN;
            }
            ll += w * l;
            for (gk, dk) in grad.iter_mut().zip(g) {
                *gk += w * dk;
            }
        }
        ll
    }
}

impl TransactionModel for GgomNbd {
    fn name(&self) -> &'static str {
        "ggomnbd"
    }

    fn parameters(&self) -> Vec<(&'static str, f64)> {
        self.parameter_values()
    }

    fn unit(&self) -> Option<TimeUnit> {
        self.unit
    }

    /// `(r/α) ∫₀ᵗ S(u) du`.
    fn expected_purchases_new(&self, t: f64) -> Result<f64> {
        check_horizon(t)?;
        finite(
            self.r / self.alpha * self.alive_time(0.0, t)?,
            "GGom/NBD expected purchases",
        )
    }

    fn expected_purchases(&self, t: f64, frequency: f64, recency: f64, age: f64) -> Result<f64> {
        check_horizon(t)?;
        let p = self.probability_alive(frequency, recency, age)?;
        let v = p * (self.r + frequency) / (self.alpha + age) * self.alive_time(age, t)?;
        finite(v, "GGom/NBD conditional expectation")
    }

    /// P(alive) once, then the budgeted
    /// [`expected_if_alive_curve`](TransactionModel::expected_if_alive_curve): the same
    /// product as [`expected_purchases`](TransactionModel::expected_purchases) at each point.
    fn expected_purchases_curve(
        &self,
        times: &[f64],
        frequency: f64,
        recency: f64,
        age: f64,
    ) -> Result<Vec<f64>> {
        let p = self.probability_alive(frequency, recency, age)?;
        let budget = super::WorkBudget::start(times.len());
        times
            .iter()
            .enumerate()
            .map(|(done, &t)| {
                check_horizon(t)?;
                budget.check(done, "GGom/NBD expectation curve")?;
                let v = p * (self.r + frequency) / (self.alpha + age) * self.alive_time(age, t)?;
                finite(v, "GGom/NBD conditional expectation")
            })
            .collect()
    }

    /// Held to the [`CURVE_TIME_BUDGET`](super::CURVE_TIME_BUDGET): each point is a
    /// quadrature of up to 4,096 panels, so 520 points at extreme parameters took seconds.
    fn expected_if_alive_curve(&self, times: &[f64], frequency: f64, age: f64) -> Option<Result<Vec<f64>>> {
        let budget = super::WorkBudget::start(times.len());
        Some(
            times
                .iter()
                .enumerate()
                .map(|(done, &t)| {
                    check_horizon(t)?;
                    budget.check(done, "GGom/NBD expectation curve")?;
                    finite(
                        (self.r + frequency) / (self.alpha + age) * self.alive_time(age, t)?,
                        "GGom/NBD conditional expectation",
                    )
                })
                .collect(),
        )
    }

    fn probability_alive(&self, frequency: f64, recency: f64, age: f64) -> Result<f64> {
        check_summary(frequency, recency, age)?;
        let mut g = [0.0; 5];
        let (l, ln_share) = row(&self.theta(), frequency, recency, age, &mut g);
        if !l.is_finite() || !ln_share.is_finite() {
            return Err(Error::Undefined {
                what: "GGom/NBD P(alive)",
                reason: format!(
                    "the likelihood is not finite for x = {frequency}, t_x = {recency}, T = {age}"
                ),
            });
        }
        Ok(ln_share.exp().clamp(0.0, 1.0))
    }

    fn probability_alive_at(&self, t: f64, frequency: f64, recency: f64, age: f64) -> Result<f64> {
        check_horizon(t)?;
        let p = self.probability_alive(frequency, recency, age)?;
        Ok((p * self.survival_from(age, age + t)).clamp(0.0, 1.0))
    }

    fn log_likelihood(&self, frequency: f64, recency: f64, age: f64) -> Result<f64> {
        check_summary(frequency, recency, age)?;
        let mut g = [0.0; 5];
        let (l, _) = row(&self.theta(), frequency, recency, age, &mut g);
        if l.is_finite() {
            Ok(l)
        } else {
            Err(Error::Undefined {
                what: "GGom/NBD log-likelihood",
                reason: format!("not finite for x = {frequency}, t_x = {recency}, T = {age}"),
            })
        }
    }
}

/// A finite expectation, ≥ 0.
fn finite(v: f64, what: &'static str) -> Result<f64> {
    if v.is_finite() {
        Ok(v.max(0.0))
    } else {
        Err(Error::Undefined {
            what,
            reason: "not finite at these parameters".to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gradient_matches_finite_differences() {
        let theta = [0.7, 9.0, 0.04, 0.9, 0.5];
        for (x, tx, t) in [
            (0.0, 0.0, 38.0),
            (3.0, 20.0, 38.0),
            (9.0, 37.0, 38.0),
            (1.0, 38.0, 38.0),
        ] {
            let mut g = [0.0; 5];
            row(&theta, x, tx, t, &mut g);
            let mut scratch = [0.0; 5];
            for j in 0..5 {
                let h = 1e-6 * theta[j];
                let (mut p, mut m) = (theta, theta);
                p[j] += h;
                m[j] -= h;
                let fd = (row(&p, x, tx, t, &mut scratch).0 - row(&m, x, tx, t, &mut scratch).0) / (2.0 * h);
                assert!(
                    (fd - g[j]).abs() < 1e-6 * (1.0 + fd.abs()),
                    "{x} {tx} {t} param {j}: {fd} vs {}",
                    g[j]
                );
            }
        }
    }
}

//! The BG/NBD model (Fader, Hardie & Lee 2005, "Counting your customers the easy way: an
//! alternative to the Pareto/NBD model", *Marketing Science* 24(2)).
//!
//! While active, a customer buys at Poisson rate λ ~ Gamma(r, α); after each purchase
//! they drop out with probability p ~ Beta(a, b). This file owns the parameters, the
//! likelihood and its gradient, the fit and the predictions.

use super::beta_geometric::{BetaGeometricLikelihood, fit_beta_geometric};
use super::data::{SummarySlices, WeightedSummaries, check_horizon, check_summary};
use super::fit::{FitOptions, FitReport, Likelihood, total_log_likelihood};
use super::params::{positive_parameters, rescalable_unit};
use super::{TransactionModel, logistic_of_neg};
use crate::error::{Error, Result};
use crate::special::{Memo, integrate_unit, ln_beta, ln_gamma, ln_hyp2f1};
use crate::time::TimeUnit;

/// The longest BG/NBD (and MBG/NBD) horizon, in multiples of `α + T`, whose expectation
/// is computed: beyond it the closed form's `1 − z` and the quadrature's chord lose the
/// digits (see `expected_if_alive`).
const MAX_HORIZON_RATIO: f64 = 1e10;

positive_parameters! {
    /// A BG/NBD model with validated parameters `r, α` (purchase rate heterogeneity) and
    /// `a, b` (dropout probability heterogeneity).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::{BgNbd, TransactionModel};
    ///
    /// // Fader, Hardie & Lee (2005), CDNOW, weeks.
    /// let m = BgNbd::new(0.2425945, 4.4136019, 0.7929199, 2.4258881)?;
    /// // Customer with x = 2, t_x = 30.43, T = 38.86: next 39 weeks (FHL05: 1.226).
    /// let e = m.expected_purchases(39.0, 2.0, 30.43, 38.86)?;
    /// assert!((e - 1.226).abs() < 1e-3);
    /// // One-time buyers are always "alive" under BG/NBD (see below).
    /// assert_eq!(m.probability_alive(0.0, 0.0, 38.86)?, 1.0);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    ///
    /// # P(alive) of a customer without repeat purchases is 1
    ///
    /// BG/NBD lets a customer drop out only right after a purchase, so a customer with
    /// `x = 0` has never had the chance: `P(alive | x = 0) = 1` whatever `T`, and such
    /// customers are never ranked "at risk" (Fader, Hardie & Lee 2005, eq. 11; lifetimes
    /// gives the same). Their expected purchases still fall with `T` (the purchase rate is
    /// learnt from the silence). When one-time buyers should age out, use [`MbgNbd`]
    /// (Batislam, Denizel & Filiztekin 2007), which also allows a drop-out at the first
    /// purchase, or [`ParetoNbd`].
    ///
    /// [`MbgNbd`]: super::MbgNbd
    /// [`ParetoNbd`]: super::ParetoNbd
    ///
    /// # Formula
    ///
    /// For a customer with `x` repeat purchases, the last at `t_x`, observed for `T`
    /// (Fader, Hardie & Lee 2005, eqs. 6, 9, 10 and 11; `δ = 1` if `x > 0`, else 0):
    ///
    /// ```text
    /// L(r, α, a, b | x, t_x, T) = B(a, b + x)/B(a, b) · Γ(r + x) αʳ / (Γ(r) (α + T)^{r+x})
    ///                           + δ · B(a + 1, b + x − 1)/B(a, b) · Γ(r + x) αʳ / (Γ(r) (α + t_x)^{r+x})
    ///
    /// E[X(t)] = (a + b − 1)/(a − 1) · [1 − (α/(α + t))ʳ ₂F₁(r, b; a + b − 1; t/(α + t))]
    ///
    /// P(alive | x, t_x, T) = 1 / (1 + δ · a/(b + x − 1) · ((α + T)/(α + t_x))^{r+x})
    ///
    /// E[Y(t) | x, t_x, T] = (a + b + x − 1)/(a − 1)
    ///     · [1 − ((α + T)/(α + T + t))^{r+x} ₂F₁(r + x, b + x; a + b + x − 1; t/(α + T + t))]
    ///     · P(alive | x, t_x, T)
    /// ```
    ///
    /// The likelihood is evaluated in logs (log-sum-exp of the two terms) and ₂F₁ by
    /// `special::ln_hyp2f1`.
    ///
    /// # References
    ///
    /// - P. S. Fader, B. G. S. Hardie and K. L. Lee (2005), "'Counting your customers' the easy
    ///   way: an alternative to the Pareto/NBD model", *Marketing Science* 24(2), 275–284.
    /// - P. S. Fader, B. G. S. Hardie and K. L. Lee (2008), "Computing P(alive) using the BG/NBD
    ///   model", note 021, brucehardie.com.
    model BgNbd, serde form BgNbdParams = "BgNbdParams", "BG/NBD", tag "bgnbd",
        fitted on WeightedSummaries, likelihood likelihood,
        sampled by crate::btyd::uncertainty::parametric::bg_nbd_sampling;
    /// Shape of the purchase-rate gamma.
    r: "r",
    /// Rate (scale in time units) of the purchase-rate gamma.
    alpha: "α",
    /// Dropout beta `a`.
    a: "a",
    /// Dropout beta `b`.
    b: "b",
}

rescalable_unit!(BgNbd; rates alpha; all r, alpha, a, b);

impl BgNbd {
    /// Fits by maximum likelihood.
    ///
    /// Identical rows are already merged in `data`. The default start is `r = 1`,
    /// `α` = Σ T / Σ x (so that `r/α` is the pooled purchase rate), `a = b = 1`; if BFGS
    /// fails from there, a second start `(0.5, α, 0.5, 2)` is tried before giving up.
    ///
    /// # Errors
    ///
    /// [`Error::NonConvergence`] if no start converges (never a model at its start
    /// values); [`Error::InvalidParameter`] for bad options.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::{BgNbd, FitOptions, WeightedSummaries};
    ///
    /// let data = WeightedSummaries::from_rows(
    ///     &[0.0, 1.0, 3.0, 0.0, 2.0, 5.0, 1.0, 0.0],
    ///     &[0.0, 10.0, 30.0, 0.0, 12.0, 35.0, 2.0, 0.0],
    ///     &[40.0, 40.0, 40.0, 38.0, 39.0, 40.0, 41.0, 37.0],
    /// )?;
    /// let fit = BgNbd::fit(&data, &FitOptions::default())?;
    /// assert!(fit.log_likelihood < 0.0);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn fit(data: &WeightedSummaries, options: &FitOptions) -> Result<FitReport<BgNbd>> {
        fit_beta_geometric::<false, _>(data, options, "BG/NBD", |v| {
            BgNbd::from_values(v).map(|m| m.with_optional_unit(data.unit()))
        })
    }

    /// Total log-likelihood of weighted rows.
    ///
    /// # Errors
    ///
    /// [`Error::Undefined`] when the value is not finite (−∞ where a row's likelihood
    /// underflows, NaN where a term cannot be computed, at parameters far from any fit).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::{FitOptions, BgNbd, WeightedSummaries};
    ///
    /// let data = WeightedSummaries::from_rows(&[0.0, 1.0, 3.0, 0.0, 2.0, 5.0], &[0.0, 10.0, 30.0, 0.0, 12.0, 35.0], &[40.0, 40.0, 40.0, 38.0, 39.0, 40.0])?;
    /// let fit = BgNbd::fit(&data, &FitOptions::default())?;
    /// // The fitted model's total is the log-likelihood its fit reports.
    /// assert!((fit.model.total_log_likelihood(&data)? - fit.log_likelihood).abs() < 1e-9 * fit.log_likelihood.abs());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn total_log_likelihood(&self, data: &WeightedSummaries) -> Result<f64> {
        let theta = [self.r, self.alpha, self.a, self.b];
        total_log_likelihood(&BgNbdLikelihood { data }, &theta, "BG/NBD log-likelihood")
    }

    /// P(X(t) = n) for a customer just acquired (FHL05 eq. 8). The tail sum of the paper's
    /// second term is the negative binomial survival function, evaluated as a regularised
    /// incomplete beta function so that it does not cancel.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for a negative or non-finite `t`.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::BgNbd;
    ///
    /// let m = BgNbd::new(0.2425945, 4.4136019, 0.7929199, 2.4258881)?;
    /// // (α/(α+39))^r; BTYD prints 0.5737864 from its own, slightly different estimates.
    /// assert!((m.probability_of_purchases(39.0, 0)? - 0.574307).abs() < 1e-6);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn probability_of_purchases(&self, t: f64, n: u32) -> Result<f64> {
        check_horizon(t)?;
        let BgNbd { r, alpha, a, b, .. } = *self;
        let nf = f64::from(n);
        if t == 0.0 {
            return Ok(if n == 0 { 1.0 } else { 0.0 });
        }
        let lp = (alpha / (alpha + t)).ln();
        let lq = (t / (alpha + t)).ln();
        let first = ln_beta(a, b + nf) - ln_beta(a, b) + ln_gamma(r + nf) - ln_gamma(r) - ln_gamma(nf + 1.0)
            + r * lp
            + nf * lq;
        let mut p = first.exp();
        if n > 0 {
            let tail = statrs::function::beta::checked_beta_reg(nf, r, t / (alpha + t)).map_err(|e| {
                Error::Undefined {
                    what: "BG/NBD P(X(t) = n)",
                    reason: e.to_string(),
                }
            })?;
            p += (ln_beta(a + 1.0, b + nf - 1.0) - ln_beta(a, b)).exp() * tail;
        }
        Ok(p.clamp(0.0, 1.0))
    }

    /// The expectation in `(T, T+t]` of a customer known to be alive after `x` purchases:
    /// with the posterior `λ ~ Gamma(r+x, α+T)` and `p ~ Beta(a, b+x)` it is
    /// `E_p[(1 − ((α+T)/(α+T+pt))^{r+x}) / p]`, which FHL05 write as
    /// `(a+b+x−1)/(a−1) · [1 − ((α+T)/(α+T+t))^{r+x} ₂F₁(r+x, b+x; a+b+x−1; t/(α+T+t))]`.
    ///
    /// The closed form is used except where it is singular (`a = 1`, `a+b+x = 1`) or its
    /// ₂F₁ cannot be summed (all parameters large and `t ≫ α+T`); there the integral over
    /// `p` is taken by tanh-sinh quadrature, which has no such singularities.
    pub(super) fn expected_if_alive(&self, t: f64, x: f64, age: f64) -> Result<f64> {
        const GAP: f64 = 1e-4;
        if let Some(p) = self.degenerate_dropout(x) {
            return Ok(self.alive_integrand(p, t, x, age));
        }
        let BgNbd { a, b, .. } = *self;
        let c = a + b + x - 1.0;
        // z = t/(α+T+t) keeps 1 − z only to about ε·t/(α+T) relative, and the quadrature's
        // chord g(0) = (r+x)t/(α+T) dwarfs the result: beyond t = 10¹⁰ (α+T) both lost their
        // digits (the CDNOW fit's E[X(10^20)] came out 15 % low, E[X(10^40)] as 0).
        if t > MAX_HORIZON_RATIO * (self.alpha + age) {
            return Err(Error::param(
                "t",
                t,
                "a BG/NBD horizon beyond 10^10 × (α + T) is not computed accurately",
            ));
        }
        if (a - 1.0).abs() >= GAP && c.abs() >= GAP {
            if let Ok((v, false)) = self.closed_form_checked(t, x, age) {
                // 0 ≤ E[Y | alive] ≤ E[λ] t: outside, the ₂F₁ has lost its digits.
                if (0.0..=self.no_dropout_bound(t, x, age)).contains(&v) {
                    return Ok(v);
                }
            }
        }
        self.expected_by_quadrature(t, x, age)
    }

    /// Where the dropout probability's posterior Beta(a, b+x) is a point mass to 1e-12, that
    /// point: its mean when it is a spike of relative width 1/√min(a, b+x) (both above
    /// 1e12), 0 when `a < 1e-15 · min(1, b+x)` (all but a fraction ~a·ln(·) ≤ 1e-12 of its mass sits at
    /// p ≈ 0). There E[g(p)] = g(p̄) to 1e-12, while the ₂F₁ (slow, and inaccurate at such
    /// parameters) and the quadrature (which cannot find the spike) are not needed.
    fn degenerate_dropout(&self, x: f64) -> Option<f64> {
        let (a, bx) = (self.a, self.b + x);
        if a.min(bx) > 1e12 {
            Some(a / (a + bx))
        } else if a < 1e-15 * bx.min(1.0) {
            // (With b+x small too, Beta(a, b+x) puts mass a/(a+b+x) near p = 1.)
            Some(0.0)
        } else {
            None
        }
    }

    /// `g(p) = (1 − (A/(A+pt))^{r+x}) / p`, `A = α+T`, with its limit `(r+x) t/A` at p → 0.
    ///
    /// The two-term expansion in `u = pt/A` is used only where `u` itself is small (it is
    /// p = 0's limit); at a tiny `r + x` with `u` not small it fell below 0 as `t` grew
    /// (MBG/NBD at `r = 5e-232`: `class7_mbgnbd_spike_dropout_tiny_rate_expectation_does_not_fall`),
    /// where `−expm1(−(r+x) ln(1+u)) / p` is exact.
    fn alive_integrand(&self, p: f64, t: f64, x: f64, age: f64) -> f64 {
        let (rx, big_a) = (self.r + x, self.alpha + age);
        let u = p * t / big_a;
        if u < 1e-8 && rx * u < 1e-8 {
            rx * t / big_a * (1.0 - 0.5 * (rx + 1.0) * u)
        } else {
            -(-rx * u.ln_1p()).exp_m1() / p
        }
    }

    /// `(r + x) t / (α + T)` (with a margin of 1e-9): the expectation without dropout,
    /// an upper bound of the expectation while alive.
    fn no_dropout_bound(&self, t: f64, x: f64, age: f64) -> f64 {
        (self.r + x) * t / (self.alpha + age) * (1.0 + 1e-9)
    }

    fn expected_by_quadrature(&self, t: f64, x: f64, age: f64) -> Result<f64> {
        let BgNbd { r, alpha, a, b, .. } = *self;
        let (rx, big_a, bx) = (r + x, alpha + age, b + x);
        if let Some(p) = self.degenerate_dropout(x) {
            return Ok(self.alive_integrand(p, t, x, age));
        }
        let ln_beta_ab = ln_beta(a, bx);
        // g(p) = (1 − (A/(A+pt))^R)/p, finite at both ends. Where the Beta(a, b+x) density
        // has a pole (a < 1 at 0, b+x < 1 at 1) the end value of g is subtracted through a
        // chord whose Beta mean is exact, leaving an integrand that vanishes there. (Not
        // where there is no pole: g(0) = R t/A can dwarf the result.)
        let g = |p: f64| {
            let u = p * t / big_a;
            if u < 1e-10 {
                // Series: the closed form underflows to 0/p.
                rx * t / big_a * (1.0 - 0.5 * (rx + 1.0) * u)
            } else {
                -(-rx * u.ln_1p()).exp_m1() / p
            }
        };
        let g0 = if a < 1.0 { rx * t / big_a } else { 0.0 };
        let g1 = if bx < 1.0 { g(1.0) } else { 0.0 };
        let mean_chord = g0 * bx / (a + bx) + g1 * a / (a + bx);
        let rest = integrate_unit(
            |p, q| {
                let d = g(p) - (g0 * q + g1 * p);
                if d == 0.0 {
                    return 0.0;
                }
                // In logs: the density alone overflows for subnormal p.
                d.signum() * (d.abs().ln() + (a - 1.0) * p.ln() + (bx - 1.0) * q.ln() - ln_beta_ab).exp()
            },
            1e-10,
            1e-13 * mean_chord.abs(),
        )?;
        Ok(mean_chord + rest)
    }

    /// [`expected_if_alive`](Self::expected_if_alive) at many horizons at once (CLV's
    /// curve). Euler's transformation turns the closed form's
    /// `(A/(A+t))^{r+x} ₂F₁(r+x, b+x; c; z)`, `z = t/(A+t)`, `A = α+T`, `c = a+b+x−1`, into
    /// `(1−z)^{a−1} ₂F₁(a+b−1−r, a−1; c; z)`, whose series coefficients do not depend on
    /// `t`: they are computed once and summed at every horizon (Horner's rule, all
    /// horizons in one sweep over the coefficients), and the bracket `1 − (1−z)^{a−1} f`
    /// is taken as `(1 − (1−z)^{a−1}) − (1−z)^{a−1} (f − 1)`, without a log or
    /// exponential per horizon (checked against mpmath to 1e-12,
    /// `tests/btyd/bg_nbd_curve_reference.rs`). `None` (the caller then
    /// takes the per-horizon path) where that path would not use the closed form, where
    /// `z > 0.9`, or where the series loses more than three digits to cancellation.
    ///
    /// `powers` are `((1 + t/A)^{−(a−1)}, 1 − (1 + t/A)^{−(a−1)})` at each of `times`
    /// ([`horizon_powers`](Self::horizon_powers)), which depend on `T` alone: a batch computes them once per
    /// distinct `T`.
    fn expected_if_alive_series(
        &self,
        times: &[f64],
        x: f64,
        age: f64,
        powers: &[(f64, f64)],
    ) -> Option<Vec<f64>> {
        const GAP: f64 = 1e-4;
        let BgNbd { r, alpha, a, b, .. } = *self;
        let c = a + b + x - 1.0;
        if (a - 1.0).abs() < GAP || c.abs() < GAP {
            return None;
        }
        let big_a = alpha + age;
        let t_max = times.iter().fold(0.0_f64, |m, t| m.max(*t));
        let z_max = t_max / (big_a + t_max);
        if z_max.is_nan() || z_max > 0.9 {
            return None;
        }
        let (p, q) = (a + b - 1.0 - r, a - 1.0);
        // Coefficients until the terms at z_max are negligible and decreasing.
        let mut coef = Vec::with_capacity(64);
        coef.push(1.0_f64);
        let (mut k, mut zk, mut sum_max, mut abs_max) = (1.0_f64, 1.0_f64, 1.0_f64, 1.0_f64);
        let mut mono = 0;
        loop {
            let n = coef.len() - 1;
            let nf = n as f64;
            let ratio = (p + nf) * (q + nf) / ((c + nf) * (nf + 1.0));
            if (ratio * z_max).abs() >= 1.0 {
                mono = n + 1;
            }
            k *= ratio;
            zk *= z_max;
            if !k.is_finite() || coef.len() > 5000 {
                return None;
            }
            coef.push(k);
            sum_max += k * zk;
            abs_max += (k * zk).abs();
            if n + 1 > mono && ((k * zk).abs() <= 1e-18 * sum_max.abs() || k == 0.0) {
                break;
            }
        }
        if sum_max.is_nan() || sum_max <= 0.0 || abs_max > 1e3 * sum_max {
            return None;
        }
        let factor = c / (a - 1.0);
        if powers.len() != times.len() {
            return None;
        }
        // f − 1 at every horizon in one sweep over the coefficients (Horner's rule, all
        // horizons side by side), summed without its leading 1: the bracket below needs
        // f − 1, not f.
        let zs: Vec<f64> = times.iter().map(|&t| t / (big_a + t)).collect();
        let mut acc = vec![0.0_f64; times.len()];
        for &k in coef.get(1..).unwrap_or(&[]).iter().rev() {
            for (v, &z) in acc.iter_mut().zip(&zs) {
                *v = *v * z + k;
            }
        }
        let mut out = Vec::with_capacity(times.len());
        for (((&t, &(power, one_minus_power)), &z), &h) in times.iter().zip(powers).zip(&zs).zip(&acc) {
            if t == 0.0 {
                out.push(0.0);
                continue;
            }
            let f1 = h * z;
            if f1.is_nan() || f1 <= -1.0 {
                return None;
            }
            // 1 − (1 + t/A)^{−q} f = (1 − (1 + t/A)^{−q}) − (1 + t/A)^{−q} (f − 1).
            let scaled = power * f1;
            let bracket = one_minus_power - scaled;
            let floor = 1e-6 * (one_minus_power.abs() + scaled.abs());
            if bracket
                .abs()
                .partial_cmp(&floor)
                .is_none_or(std::cmp::Ordering::is_lt)
            {
                // The two parts cancel: left to the per-horizon path.
                return None;
            }
            let v = factor * bracket;
            if !(0.0..=self.no_dropout_bound(t, x, age)).contains(&v) {
                return None;
            }
            out.push(v);
        }
        Some(out)
    }

    /// E[Y(t) | alive at T] at each of `times` (validated by the caller): the
    /// `t`-independent series where it applies, else [`expected_if_alive`](Self::expected_if_alive)
    /// per horizon. Every BG/NBD prediction path goes through here.
    fn if_alive_at(&self, times: &[f64], x: f64, age: f64) -> Result<Vec<f64>> {
        self.if_alive_at_with(times, x, age, &self.horizon_powers(times, age))
    }

    /// [`if_alive_at`](Self::if_alive_at) with the [`horizon_powers`](Self::horizon_powers) of `T` given.
    fn if_alive_at_with(&self, times: &[f64], x: f64, age: f64, powers: &[(f64, f64)]) -> Result<Vec<f64>> {
        let v = self.if_alive_at_unchecked(times, x, age, powers)?;
        match v.iter().find(|e| !e.is_finite()) {
            // A quadrature's last-digit negative is 0: the expectation is ≥ 0.
            None => Ok(v.into_iter().map(|e| e.max(0.0)).collect()),
            Some(e) => Err(Error::Undefined {
                what: "BG/NBD expectation while alive",
                reason: format!("{e} for x = {x}, T = {age} (a purchase rate (r+x)/(α+T) beyond f64)"),
            }),
        }
    }

    fn if_alive_at_unchecked(
        &self,
        times: &[f64],
        x: f64,
        age: f64,
        powers: &[(f64, f64)],
    ) -> Result<Vec<f64>> {
        if let Some(p) = self.degenerate_dropout(x) {
            return Ok(times
                .iter()
                .map(|&t| {
                    if t == 0.0 {
                        0.0
                    } else {
                        self.alive_integrand(p, t, x, age)
                    }
                })
                .collect());
        }
        if let Some(v) = self.expected_if_alive_series(times, x, age, powers) {
            return Ok(v);
        }
        let budget = super::WorkBudget::start(times.len());
        times
            .iter()
            .enumerate()
            .map(|(done, &t)| {
                budget.check(done, "BG/NBD expectation curve")?;
                if t == 0.0 {
                    return Ok(0.0);
                }
                self.expected_if_alive(t, x, age)
            })
            .collect()
    }

    #[cfg(test)]
    fn expected_closed_form(&self, t: f64, x: f64, age: f64) -> Result<f64> {
        self.closed_form_checked(t, x, age).map(|(v, _)| v)
    }

    /// The closed form and whether it lost digits to cancellation.
    fn closed_form_checked(&self, t: f64, x: f64, age: f64) -> Result<(f64, bool)> {
        let BgNbd { r, alpha, a, b, .. } = *self;
        let c = a + b + x - 1.0;
        let f = ln_hyp2f1(r + x, b + x, c, t / (alpha + age + t))?;
        let ln_power = -(r + x) * (t / (alpha + age)).ln_1p();
        let ln_term = ln_power + f.ln;
        // `1 − e^{ln_term}` with ln_term the small difference of two large logs loses
        // their digits (large x, huge b, t ≪ α + T): the quadrature has no such
        // cancellation. ln ₂F₁ itself is accurate to ~1e-16 absolute, so a bracket below
        // 1e-6 is left to the quadrature too.
        let cancels =
            f.sign > 0.0 && (ln_term.abs() < 1e-6 || ln_term.abs() < 1e-4 * (ln_power.abs() + f.ln.abs()));
        let bracket = if f.sign > 0.0 {
            -ln_term.exp_m1()
        } else {
            1.0 + ln_term.exp()
        };
        let v = c / (a - 1.0) * bracket;
        if v.is_finite() {
            Ok((v, cancels))
        } else {
            Err(Error::Undefined {
                what: "BG/NBD closed-form expectation",
                reason: "overflow".to_owned(),
            })
        }
    }

    /// P(no dropout in `(T, T+t]` | alive at `T`) = `E[e^{−λpt}]` under the posterior
    /// λ ~ Gamma(r+x, α+T), p ~ Beta(a, b'), which is
    /// `(A/(A+t))^R ₂F₁(R, b'; a+b'; t/(A+t))` with `R = r+x`, `A = α+T` (Euler's integral
    /// and Pfaff's transformation; all parameters positive, so the series has no
    /// cancellation). `b'` is `b + x` for BG/NBD and `b + x + 1` for MBG/NBD.
    pub(super) fn survival_if_alive(&self, t: f64, x: f64, age: f64) -> Result<f64> {
        let BgNbd { r, alpha, a, b, .. } = *self;
        let (rx, big_a, bx) = (r + x, alpha + age, b + x);
        if let Some(p) = self.degenerate_dropout(x) {
            // E[(A/(A+pt))^R] at the point mass.
            return Ok((-rx * (p * t / big_a).ln_1p()).exp().clamp(0.0, 1.0));
        }
        let f = ln_hyp2f1(rx, bx, a + bx, t / (big_a + t))?;
        let s = (f.ln - rx * (t / big_a).ln_1p()).exp();
        if s.is_finite() && s < 0.99 {
            return Ok(s.max(0.0));
        }
        // Near 1 the value is the complement of a small number the ₂F₁ rounds (and which
        // could then rise with t): 1 − S = E[p g(p)] = a/(a+b') · E_{Beta(a+1, b')}[g(p)],
        // g the expectation-while-alive integrand, taken by that model's guarded path.
        let complement = BgNbd::new(r, alpha, a + 1.0, b)?.expected_if_alive(t, x, age)? * (a / (a + bx));
        if complement.is_finite() {
            Ok((1.0 - complement).clamp(0.0, 1.0))
        } else {
            Ok(s.clamp(0.0, 1.0))
        }
    }

    /// `((1 + t/A)^{−(a−1)}, 1 − (1 + t/A)^{−(a−1)})` at each of `times`, `A = α + T`:
    /// the part of the expectation curve that depends on `T` alone.
    fn horizon_powers(&self, times: &[f64], age: f64) -> Vec<(f64, f64)> {
        let (q, big_a) = (self.a - 1.0, self.alpha + age);
        times
            .iter()
            .map(|&t| {
                let ln_power = -q * (t / big_a).ln_1p();
                (ln_power.exp(), -ln_power.exp_m1())
            })
            .collect()
    }

    fn ln_odds_dead(&self, x: f64, t_x: f64, age: f64) -> f64 {
        self.ln_odds_dead_with(x, t_x, age, f64::ln)
    }

    /// [`ln_odds_dead`](Self::ln_odds_dead) with the logs of `a`, `b + x − 1`, `α + T` and
    /// `α + t_x` taken by `ln` (a memo in the batch: the same bits).
    fn ln_odds_dead_with(&self, x: f64, t_x: f64, age: f64, mut ln: impl FnMut(f64) -> f64) -> f64 {
        if x == 0.0 {
            return f64::NEG_INFINITY;
        }
        let BgNbd { r, alpha, a, b, .. } = *self;
        ln(a) - ln(b + x - 1.0) + (r + x) * (ln(alpha + age) - ln(alpha + t_x))
    }
}

fn finite_non_negative(v: f64, what: &'static str) -> Result<f64> {
    if v.is_finite() {
        Ok(v.max(0.0))
    } else {
        Err(Error::Undefined {
            what,
            reason: format!("the value {v} is not finite"),
        })
    }
}

impl TransactionModel for BgNbd {
    fn name(&self) -> &'static str {
        "bgnbd"
    }

    fn parameters(&self) -> Vec<(&'static str, f64)> {
        self.parameter_values()
    }

    fn unit(&self) -> Option<TimeUnit> {
        self.unit
    }

    /// FHL05 eq. 9.
    fn expected_purchases_new(&self, t: f64) -> Result<f64> {
        check_horizon(t)?;
        let e = self.if_alive_at(&[t], 0.0, 0.0)?;
        finite_non_negative(e.first().copied().unwrap_or(0.0), "BG/NBD E[X(t)]")
    }

    /// FHL05 eq. 10: P(alive) times [`expected_if_alive_curve`](Self::expected_if_alive_curve)
    /// at one horizon, so that the single-customer and batch paths agree to the bit.
    fn expected_purchases(&self, t: f64, frequency: f64, recency: f64, age: f64) -> Result<f64> {
        check_horizon(t)?;
        check_summary(frequency, recency, age)?;
        let alive = self.probability_alive(frequency, recency, age)?;
        let e = self.if_alive_at(&[t], frequency, age)?;
        finite_non_negative(
            alive * e.first().copied().unwrap_or(0.0),
            "BG/NBD conditional expectation",
        )
    }

    /// P(alive) times [`expected_if_alive_curve`](Self::expected_if_alive_curve): the same
    /// numbers as `clv_batch` takes.
    fn expected_purchases_curve(
        &self,
        times: &[f64],
        frequency: f64,
        recency: f64,
        age: f64,
    ) -> Result<Vec<f64>> {
        times.iter().try_for_each(|&t| check_horizon(t))?;
        check_summary(frequency, recency, age)?;
        let alive = self.probability_alive(frequency, recency, age)?;
        self.if_alive_at(times, frequency, age)?
            .into_iter()
            .map(|e| finite_non_negative(alive * e, "BG/NBD conditional expectation"))
            .collect()
    }

    /// FHL05 eq. 10 without its P(alive) factor.
    fn expected_if_alive_curve(&self, times: &[f64], frequency: f64, age: f64) -> Option<Result<Vec<f64>>> {
        if let Err(e) = times.iter().try_for_each(|&t| check_horizon(t)) {
            return Some(Err(e));
        }
        Some(self.if_alive_at(times, frequency, age))
    }

    /// The curves of pairs with the same `T` (consecutive pairs, in a batch sorted by `T`)
    /// share their powers `(1 + t/(α+T))^{−(a−1)}`.
    fn expected_if_alive_curves(&self, times: &[f64], pairs: &[(f64, f64)]) -> Option<Vec<Result<Vec<f64>>>> {
        if times.iter().any(|&t| check_horizon(t).is_err()) {
            return Some(
                pairs
                    .iter()
                    .map(|&(x, age)| {
                        self.expected_if_alive_curve(times, x, age)
                            .unwrap_or_else(|| Ok(Vec::new()))
                    })
                    .collect(),
            );
        }
        let mut powers: Vec<(f64, f64)> = Vec::new();
        let mut powers_of: Option<u64> = None;
        Some(
            pairs
                .iter()
                .map(|&(x, age)| {
                    if powers_of != Some(age.to_bits()) {
                        powers = self.horizon_powers(times, age);
                        powers_of = Some(age.to_bits());
                    }
                    self.if_alive_at_with(times, x, age, &powers)
                })
                .collect(),
        )
    }

    /// `1 / (1 + δ_{x>0} a/(b+x−1) ((α+T)/(α+t_x))^{r+x})` (Fader, Hardie & Lee 2008 note
    /// "Computing P(alive) using the BG/NBD model").
    fn probability_alive(&self, frequency: f64, recency: f64, age: f64) -> Result<f64> {
        check_summary(frequency, recency, age)?;
        Ok(logistic_of_neg(self.ln_odds_dead(frequency, recency, age)))
    }

    /// [`probability_alive`](TransactionModel::probability_alive) of each row, the logs
    /// of `b + x − 1`, `α + T` and `α + t_x` memoised (they take few distinct values):
    /// the same bits, a fraction of the work.
    fn probability_alive_batch(&self, rows: SummarySlices<'_>) -> Result<Vec<f64>> {
        rows.map_indexed_with(
            || Memo::new(f64::ln),
            |ln, _, x, tx, age| {
                check_summary(x, tx, age)?;
                Ok(logistic_of_neg(self.ln_odds_dead_with(x, tx, age, |v| ln.get(v))))
            },
        )
    }

    fn probability_alive_at(&self, t: f64, frequency: f64, recency: f64, age: f64) -> Result<f64> {
        check_horizon(t)?;
        let p = self.probability_alive(frequency, recency, age)?;
        Ok(p * self.survival_if_alive(t, frequency, age)?)
    }

    /// The factor of [`probability_alive_at`](TransactionModel::probability_alive_at) after
    /// P(alive) (the inherent `survival_if_alive`).
    fn survival_if_alive(&self, t: f64, frequency: f64, age: f64) -> Option<Result<f64>> {
        Some(check_horizon(t).and_then(|()| BgNbd::survival_if_alive(self, t, frequency, age)))
    }

    fn log_likelihood(&self, frequency: f64, recency: f64, age: f64) -> Result<f64> {
        let data = WeightedSummaries::from_rows(&[frequency], &[recency], &[age])?;
        self.total_log_likelihood(&data)
    }
}

/// The fit's likelihood of `data` (total log-likelihood and its analytic gradient in θ),
/// for the Hessians and samplers of [`uncertainty`](super::uncertainty).
pub(super) fn likelihood(data: &WeightedSummaries) -> impl Likelihood + '_ {
    BgNbdLikelihood { data }
}

/// The BG/NBD likelihood over weighted rows sorted by `x` (the beta-geometric family's,
/// without MBG/NBD's drop-out at the first purchase).
pub(super) type BgNbdLikelihood<'a> = BetaGeometricLikelihood<'a, false>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_customer_likelihood_pymc_marketing_values() {
        let m = BgNbd::new(0.25, 4.0, 0.80, 2.50).unwrap();
        assert!((m.log_likelihood(0.0, 0.0, 40.0).unwrap() - -0.599_473_82).abs() < 1e-7);
        assert!((m.log_likelihood(200.0, 38.0, 40.0).unwrap() - 100.7957).abs() < 1e-3);
    }

    #[test]
    fn quadrature_and_closed_form_agree() {
        // Across the singular bands (a = 1, a + b + x = 1) the value is continuous.
        for (r, alpha, a, b) in [
            (0.24, 4.4, 1.0, 2.4),
            (0.24, 4.4, 0.6, 0.4),
            (2.0, 0.5, 0.3, 5.0),
            (0.5, 3.0, 40.0, 60.0),
        ] {
            let m = BgNbd::new(r, alpha, a, b).unwrap();
            for (t, x, age) in [(39.0, 0.0, 0.0), (52.0, 3.0, 30.0), (1000.0, 10.0, 40.0)] {
                let quad = m.expected_if_alive(t, x, age).unwrap();
                let near = if (a - 1.0).abs() < 1e-3 {
                    let lo = BgNbd::new(r, alpha, a - 1e-3, b)
                        .unwrap()
                        .expected_closed_form(t, x, age)
                        .unwrap();
                    let hi = BgNbd::new(r, alpha, a + 1e-3, b)
                        .unwrap()
                        .expected_closed_form(t, x, age)
                        .unwrap();
                    0.5 * (lo + hi)
                } else if (a + b + x - 1.0).abs() < 1e-3 {
                    let lo = BgNbd::new(r, alpha, a, b - 1e-3)
                        .unwrap()
                        .expected_closed_form(t, x, age)
                        .unwrap();
                    let hi = BgNbd::new(r, alpha, a, b + 1e-3)
                        .unwrap()
                        .expected_closed_form(t, x, age)
                        .unwrap();
                    0.5 * (lo + hi)
                } else {
                    m.expected_closed_form(t, x, age).unwrap()
                };
                // The mean of a ± 1e-3 is itself off by O(1e-6) (curvature).
                assert!(
                    (quad - near).abs() < 1e-5 * near.abs(),
                    "{r} {alpha} {a} {b} {t} {x} {age}: {quad} vs {near}"
                );
            }
        }
    }

    #[test]
    fn quadrature_matches_closed_form_where_both_apply() {
        let m = BgNbd::new(0.2425945, 4.4136019, 0.7929199, 2.4258881).unwrap();
        for (t, x, age) in [
            (39.0, 0.0, 0.0),
            (39.0, 2.0, 38.86),
            (52.0, 26.0, 31.0),
            (2000.0, 5.0, 10.0),
        ] {
            let closed = m.expected_closed_form(t, x, age).unwrap();
            let quad = m.expected_by_quadrature(t, x, age).unwrap();
            assert!((closed - quad).abs() < 1e-9 * closed, "{closed} vs {quad}");
        }
    }

    #[test]
    fn invalid_parameters_are_errors() {
        assert!(BgNbd::new(0.0, 1.0, 1.0, 1.0).is_err());
        assert!(BgNbd::new(1.0, f64::NAN, 1.0, 1.0).is_err());
        assert!(BgNbd::new(1.0, 1.0, -1.0, 1.0).is_err());
        assert!(BgNbd::new(1.0, 1.0, 1.0, f64::INFINITY).is_err());
    }
}

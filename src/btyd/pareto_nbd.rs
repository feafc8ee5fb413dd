//! The Pareto/NBD model (Schmittlein, Morrison & Colombo 1987, "Counting your customers:
//! who are they and what will they do next?", *Management Science* 33(1)), in the
//! formulation of Fader & Hardie's note "A note on deriving the Pareto/NBD model and
//! related expressions" (2005).
//!
//! While active, a customer buys at Poisson rate λ ~ Gamma(r, α) and lives an exponential
//! lifetime of rate μ ~ Gamma(s, β). This file owns the parameters, the likelihood (in
//! log space, through ₂F₁), the fit and the predictions.
//!
//! Towards the exponential-dropout limit (`s, β → ∞` with `s/β` fixed, where a fit on long
//! daily logs can end) the ₂F₁ and `s ln β − s ln(β+T)` lose up to ten digits; from
//! `s ≥ 5` every term is taken relative to `β^s` (`(β/(β+τ))^s = exp(−s ln1p(τ/β))`) and
//! the "died" integral's tail by quadrature (`pareto_nbd_likelihood.rs`), so that the
//! likelihood and every prediction stay exact to ~1e-13 for any `s, β` (checked against
//! mpmath in `tests/btyd/pareto_boundary.rs`).

use super::clv::{DiscountRate, group_rows_twice};
use super::data::{SummarySlices, WeightedSummaries, check_horizon, check_summary};
use super::fit::{FitOptions, FitReport, Likelihood, Limit, fit_with_fallback, paired_limit};
use super::params::{positive_parameters, rescalable_unit};
use super::pareto_nbd_likelihood::{ParetoGrid, SCALED_MIN_S, ln_scaled_tail};
use super::{TransactionModel, logistic_of_neg};
use crate::error::{Error, Result};
use crate::special::{Memo, integrate_unit, ln_gamma, ln_hyp2f1, log_add_exp};
use crate::time::TimeUnit;

/// Rows from which `probability_alive_batch` splits the work between threads (feature
/// `parallel`): below it one grouping pass is cheaper than the duplicated ₂F₁ terms.
#[cfg(feature = "parallel")]
const PARALLEL_ALIVE_MIN_ROWS: usize = 1 << 17;

positive_parameters! {
    /// A Pareto/NBD model with validated parameters `r, α` (purchase rate) and `s, β`
    /// (dropout rate).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::{ParetoNbd, TransactionModel};
    ///
    /// // BTYD vignette parameters, CDNOW, weeks; customer 1516 (x = 26, t_x = 30.857, T = 31).
    /// let m = ParetoNbd::new(0.5534, 10.5802, 0.6061, 11.6562)?;
    /// assert!((m.expected_purchases(52.0, 26.0, 30.857, 31.0)? - 25.45647).abs() < 0.01);
    /// assert!((m.probability_alive(26.0, 30.857, 31.0)? - 0.997874).abs() < 1e-3);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    ///
    /// # Formula
    ///
    /// Purchases Poisson(λ), λ ~ Gamma(r, α); lifetime exponential(μ), μ ~ Gamma(s, β)
    /// (Fader & Hardie 2005 note, eqs. 17–22, and Schmittlein, Morrison & Colombo 1987):
    ///
    /// ```text
    /// L(r, α, s, β | x, t_x, T) = Γ(r + x) αʳ βˢ / Γ(r)
    ///     · [ 1/((α + T)^{r+x} (β + T)ˢ) + s/(r + s + x) · A₀ ]
    ///
    /// for α ≥ β:  A₀ = ₂F₁(r+s+x, s+1; r+s+x+1; (α−β)/(α+t_x)) / (α + t_x)^{r+s+x}
    ///                − ₂F₁(r+s+x, s+1; r+s+x+1; (α−β)/(α+T))   / (α + T)^{r+s+x}
    /// for α < β:  A₀ = ₂F₁(r+s+x, r+x; r+s+x+1; (β−α)/(β+t_x)) / (β + t_x)^{r+s+x}
    ///                − ₂F₁(r+s+x, r+x; r+s+x+1; (β−α)/(β+T))   / (β + T)^{r+s+x}
    ///
    /// P(alive | x, t_x, T) = 1 / (1 + s/(r + s + x) · (α + T)^{r+x} (β + T)ˢ A₀)
    ///
    /// E[X(t)] = r β / (α (s − 1)) · [1 − (β/(β + t))^{s−1}]
    ///
    /// E[Y(t) | x, t_x, T] = (r + x)(β + T) / ((α + T)(s − 1))
    ///     · [1 − ((β + T)/(β + T + t))^{s−1}] · P(alive | x, t_x, T)
    /// ```
    ///
    /// (`s = 1` takes the limit `ln(1 + t/β)` forms.)
    ///
    /// # References
    ///
    /// - D. C. Schmittlein, D. G. Morrison and R. Colombo (1987), "Counting your customers: who
    ///   are they and what will they do next?", *Management Science* 33(1), 1–24.
    /// - P. S. Fader and B. G. S. Hardie (2005), "A note on deriving the Pareto/NBD model and
    ///   related expressions", note 009, brucehardie.com.
    model ParetoNbd, serde form ParetoNbdParams = "ParetoNbdParams", "Pareto/NBD", tag "pnbd",
        fitted on WeightedSummaries, likelihood likelihood,
        sampled by crate::btyd::uncertainty::parametric::pareto_nbd_sampling;
    /// Shape of the purchase-rate gamma.
    r: "r",
    /// Rate of the purchase-rate gamma.
    alpha: "α",
    /// Shape of the dropout-rate gamma.
    s: "s",
    /// Rate of the dropout-rate gamma.
    beta: "β",
}

rescalable_unit!(ParetoNbd; rates alpha, beta; all r, alpha, s, beta);

impl ParetoNbd {
    /// Fits by maximum likelihood with an analytic gradient: the likelihood is evaluated
    /// once per distinct `(x, τ)` rather than per row (see `pareto_nbd_likelihood.rs`), so
    /// a million customers fit in about two seconds. The default start is `r = s = 1`, `α` = Σ T / Σ x,
    /// `β` = mean `T`, with a second start `(0.5, α, 0.5, β)` if the first fails.
    ///
    /// # Errors
    ///
    /// [`Error::NonConvergence`] if no start converges; [`Error::InvalidParameter`] for
    /// bad options.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::{History, ParetoNbd, TransactionModel, WeightedSummaries};
    ///
    /// let (x, tx, t) = ([0.0, 1.0, 3.0], [0.0, 10.0, 30.0], [40.0, 38.0, 39.0]);
    /// let data = WeightedSummaries::from_rows(&x, &tx, &t)?;
    /// let model = ParetoNbd::new(0.55, 10.58, 0.61, 11.67)?;
    /// // The total is the sum of the customers' own log-likelihoods.
    /// let mut sum = 0.0;
    /// for i in 0..3 {
    ///     sum += model.log_likelihood_for(History::new(x[i] as u32, tx[i], t[i])?)?;
    /// }
    /// assert!((model.total_log_likelihood(&data)? - sum).abs() < 1e-9 * sum.abs());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn fit(data: &WeightedSummaries, options: &FitOptions) -> Result<FitReport<ParetoNbd>> {
        data.check_identifiable("Pareto/NBD", ParetoNbd::PARAMETER_NAMES.len())?;
        let lik = ParetoNbdLikelihood {
            data,
            grid: ParetoGrid::new(data),
        };
        let alpha0 = data.pooled_alpha_start();
        let total_age: f64 = data.rows().map(|(_, _, t, w)| w * t).sum();
        let beta0 = if total_age > 0.0 {
            total_age / data.total_weight()
        } else {
            1.0
        };
        let n = data.len();
        fit_with_fallback(
            &lik,
            &[1.0, alpha0, 1.0, beta0],
            &[0.5, alpha0, 0.5, beta0],
            options,
            n,
            |v| ParetoNbd::from_values(v).map(|m| m.with_optional_unit(data.unit())),
        )
    }

    /// Whether the terms are taken relative to `β^s`, with the tails by quadrature (large
    /// `s`; see the module docs).
    fn scaled(&self) -> bool {
        self.s >= SCALED_MIN_S
    }

    /// The dropout part `s ln β` of the common factor `Γ(r+x)α^r β^s/Γ(r)`, zero when the
    /// terms are relative to `β^s`.
    fn ln_common_dropout(&self) -> f64 {
        if self.scaled() {
            0.0
        } else {
            self.s * self.beta.ln()
        }
    }

    /// Total log-likelihood of weighted rows.
    ///
    /// # Errors
    ///
    /// [`Error::Undefined`] when the value is not finite (−∞ where a row's likelihood
    /// underflows, NaN where a term cannot be computed or a ₂F₁ fails, at parameters far from any fit).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::{FitOptions, ParetoNbd, WeightedSummaries};
    ///
    /// let data = WeightedSummaries::from_rows(&[0.0, 1.0, 3.0, 0.0, 2.0, 5.0], &[0.0, 10.0, 30.0, 0.0, 12.0, 35.0], &[40.0, 40.0, 40.0, 38.0, 39.0, 40.0])?;
    /// let fit = ParetoNbd::fit(&data, &FitOptions::default())?;
    /// // The fitted model's total is the log-likelihood its fit reports.
    /// assert!((fit.model.total_log_likelihood(&data)? - fit.log_likelihood).abs() < 1e-9 * fit.log_likelihood.abs());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn total_log_likelihood(&self, data: &WeightedSummaries) -> Result<f64> {
        let ll = ParetoNbdLikelihood::value(data, &[self.r, self.alpha, self.s, self.beta]);
        super::finite_log_likelihood(ll, "Pareto/NBD log-likelihood")
    }

    /// `ln A₀ + ln(s/(r+s+x))`: the log of the "died between t_x and T" part of the
    /// likelihood without the common factor Γ(r+x)α^r β^s/Γ(r) (with `β^s` when scaled).
    fn ln_died_part(&self, x: f64, t_x: f64, age: f64) -> Result<f64> {
        if t_x >= age {
            return Ok(f64::NEG_INFINITY);
        }
        Ok(self.ln_died_from_parts(x, self.ln_part(x, t_x)?, self.ln_part(x, age)?))
    }

    /// One of the two terms of `A₀` at `τ = t_x` or `τ = T`:
    /// `ln ₂F₁(c, b₂; c+1; (big−small)/(big+τ)) − c ln(big+τ)` with `c = r+s+x` and the larger
    /// of α, β as `big` (which keeps the ₂F₁ argument in [0, 1)); when scaled, `ln G̃_x(τ)`
    /// by quadrature instead. It depends on `(x, τ)` only, so a batch computes it once per
    /// distinct pair.
    fn ln_part(&self, x: f64, tau: f64) -> Result<f64> {
        let ParetoNbd {
            r, alpha, s, beta, ..
        } = *self;
        if self.scaled() {
            return ln_scaled_tail(&[r, alpha, s, beta], x, tau)
                .map(|(v, _)| v)
                .ok_or_else(|| Error::Undefined {
                    what: "Pareto/NBD dropout integral",
                    reason: format!("not finite for x = {x}, τ = {tau}"),
                });
        }
        let c = r + s + x;
        let (big, small, b2) = if alpha >= beta {
            (alpha, beta, s + 1.0)
        } else {
            (beta, alpha, r + x)
        };
        let f = ln_hyp2f1(c, b2, c + 1.0, (big - small) / (big + tau))?;
        Ok(f.ln - c * (big + tau).ln())
    }

    /// `ln A₀ + ln(s/c)` from the parts at `t_x` (`l1`) and `T` (`l2`).
    fn ln_died_from_parts(&self, x: f64, l1: f64, l2: f64) -> f64 {
        self.ln_died_with_factor(l1, l2, self.ln_died_factor(x))
    }

    /// The log of the factor of [`ln_died_from_parts`](Self::ln_died_from_parts):
    /// s β^s G = (s/β) G̃ when scaled; s/(r+s+x) times the ₂F₁ parts otherwise.
    fn ln_died_factor(&self, x: f64) -> f64 {
        let factor = if self.scaled() {
            self.s / self.beta
        } else {
            self.s / (self.r + self.s + x)
        };
        factor.ln()
    }

    /// [`ln_died_from_parts`](Self::ln_died_from_parts) with its factor's log given.
    fn ln_died_with_factor(&self, l1: f64, l2: f64, ln_factor: f64) -> f64 {
        // A₀ = e^{l1} − e^{l2} > 0 (the integrand is positive on (t_x, T)).
        if l2 >= l1 {
            return f64::NEG_INFINITY;
        }
        l1 + (-(l2 - l1).exp_m1()).ln() + ln_factor
    }

    /// P(alive) of `rows` (numbered from `first_row` in errors), each ₂F₁ term once per
    /// distinct `(x, t_x)` and `(x, T)` among them; bit-identical to the per-customer value.
    fn alive_sharing_terms(&self, rows: SummarySlices<'_>, first_row: usize) -> Result<Vec<f64>> {
        let died = |t_x: f64, age: f64| t_x < age;
        let [(at_recency, recency_slot), (at_age, age_slot)] = group_rows_twice(
            rows,
            first_row,
            [&|t_x, age| died(t_x, age).then_some(t_x), &|t_x, age| {
                died(t_x, age).then_some(age)
            }],
        )?;
        let part = |x: f64, _: f64, tau: f64| self.ln_part(x, tau);
        let l1 = SummarySlices::map_tuples(&at_recency, part)?;
        let l2 = SummarySlices::map_tuples(&at_age, part)?;
        let part_of =
            |slots: &[usize], values: &[f64], i: usize| slots.get(i).and_then(|&k| values.get(k)).copied();
        // The logs that depend on x alone or T alone, memoised (few distinct values).
        let memos = || {
            (
                Memo::new(|x| self.ln_died_factor(x)),
                Memo::new(|age| self.ln_alive_logs(age)),
            )
        };
        rows.map_indexed_with(memos, |(ln_factor, ln_age), i, x, tx, age| {
            let ln_died = match (part_of(&recency_slot, &l1, i), part_of(&age_slot, &l2, i)) {
                (Some(l1), Some(l2)) => self.ln_died_with_factor(l1, l2, ln_factor.get(x)),
                _ => f64::NEG_INFINITY, // t_x = T
            };
            alive_from_ln_odds(ln_died - self.ln_alive_from_logs(x, ln_age.get(age)), x, tx, age)
        })
    }

    /// `ln((α+T)^{−(r+x)} (β+T)^{−s})`, or with `(β/(β+T))^s` when scaled.
    fn ln_alive_part(&self, x: f64, age: f64) -> f64 {
        self.ln_alive_from_logs(x, self.ln_alive_logs(age))
    }

    /// The logs of [`ln_alive_part`](Self::ln_alive_part), which depend on `T` alone:
    /// `ln(α+T)` and the dropout part.
    fn ln_alive_logs(&self, age: f64) -> (f64, f64) {
        let dropout = if self.scaled() {
            (age / self.beta).ln_1p()
        } else {
            (self.beta + age).ln()
        };
        ((self.alpha + age).ln(), dropout)
    }

    fn ln_alive_from_logs(&self, x: f64, (ln_alpha_age, dropout): (f64, f64)) -> f64 {
        -(self.r + x) * ln_alpha_age - self.s * dropout
    }

    fn ln_likelihood_row(&self, x: f64, t_x: f64, age: f64, common: f64) -> Result<f64> {
        Ok(common + log_add_exp(self.ln_alive_part(x, age), self.ln_died_part(x, t_x, age)?))
    }

    /// `(r+x)(β+T)/((α+T)(s−1)) · [1 − ((β+T)/(β+T+t))^{s−1}]`, the expectation while
    /// alive, written with `expm1` so that `s = 1` (its limit `ln((β+T+t)/(β+T))`) needs no
    /// special case, and with `ln1p(t/(β+T))` so that a huge `β` loses no digits.
    /// [`Error::Undefined`] where it is not finite (`α` so small that the purchase rate
    /// `(r+x)/(α+T)` overflows).
    fn expected_if_alive(&self, t: f64, x: f64, age: f64) -> Result<f64> {
        self.expected_from_dropout_part(t, x, age, self.purchase_rate(x, age), self.dropout_part(t, age))
    }

    /// `(r+x)/(α+T)`, the posterior mean purchase rate.
    fn purchase_rate(&self, x: f64, age: f64) -> f64 {
        (self.r + x) / (self.alpha + age)
    }

    /// `(β+T) · [1 − ((β+T)/(β+T+t))^{s−1}]/(s−1)`, the part of
    /// [`expected_if_alive`](Self::expected_if_alive) that depends on `T` alone.
    fn dropout_part(&self, t: f64, age: f64) -> f64 {
        let ParetoNbd { s, beta, .. } = *self;
        let l = (t / (beta + age)).ln_1p();
        let k = s - 1.0;
        let factor = if (k * l).abs() < 1e-300 {
            l
        } else {
            -(-k * l).exp_m1() / k
        };
        // (β+T)·factor ≈ (1 − e^{−μt})/μ stays finite even for β near f64's limit.
        (beta + age) * factor
    }

    /// [`expected_if_alive`](Self::expected_if_alive) from its [`dropout_part`](Self::dropout_part)
    /// and the [`purchase_rate`](Self::purchase_rate).
    fn expected_from_dropout_part(&self, t: f64, x: f64, age: f64, rate: f64, part: f64) -> Result<f64> {
        let v = rate * part;
        if v.is_finite() {
            Ok(v.max(0.0))
        } else {
            Err(Error::Undefined {
                what: "Pareto/NBD expectation while alive",
                reason: format!("not finite for t = {t}, x = {x}, T = {age}"),
            })
        }
    }
}

impl TransactionModel for ParetoNbd {
    fn name(&self) -> &'static str {
        "pnbd"
    }

    fn parameters(&self) -> Vec<(&'static str, f64)> {
        self.parameter_values()
    }

    fn unit(&self) -> Option<TimeUnit> {
        self.unit
    }

    /// `rβ/(α(s−1)) [1 − (β/(β+t))^{s−1}]`.
    fn expected_purchases_new(&self, t: f64) -> Result<f64> {
        check_horizon(t)?;
        self.expected_if_alive(t, 0.0, 0.0)
    }

    fn expected_purchases(&self, t: f64, frequency: f64, recency: f64, age: f64) -> Result<f64> {
        check_horizon(t)?;
        let alive = self.probability_alive(frequency, recency, age)?;
        let v = alive * self.expected_if_alive(t, frequency, age)?;
        if v.is_finite() {
            Ok(v.max(0.0))
        } else {
            Err(Error::Undefined {
                what: "Pareto/NBD conditional expectation",
                reason: format!("not finite for x = {frequency}, t_x = {recency}, T = {age}"),
            })
        }
    }

    fn expected_purchases_curve(
        &self,
        times: &[f64],
        frequency: f64,
        recency: f64,
        age: f64,
    ) -> Result<Vec<f64>> {
        let alive = self.probability_alive(frequency, recency, age)?;
        times
            .iter()
            .map(|&t| {
                check_horizon(t)?;
                Ok((alive * self.expected_if_alive(t, frequency, age)?).max(0.0))
            })
            .collect()
    }

    fn expected_if_alive_curve(&self, times: &[f64], frequency: f64, age: f64) -> Option<Result<Vec<f64>>> {
        Some(
            times
                .iter()
                .map(|&t| {
                    check_horizon(t)?;
                    self.expected_if_alive(t, frequency, age)
                })
                .collect(),
        )
    }

    /// Pairs with the same `T` (consecutive pairs, in a batch sorted by `T`) share the
    /// part of the expectation that depends on `T` alone: one multiplication per pair and
    /// horizon.
    fn expected_if_alive_curves(&self, times: &[f64], pairs: &[(f64, f64)]) -> Option<Vec<Result<Vec<f64>>>> {
        if times.iter().any(|&t| check_horizon(t).is_err()) {
            // Each pair's own error.
            return pairs
                .iter()
                .map(|&(x, age)| self.expected_if_alive_curve(times, x, age))
                .collect();
        }
        let mut parts: Vec<f64> = Vec::new();
        let mut parts_of: Option<u64> = None;
        Some(
            pairs
                .iter()
                .map(|&(x, age)| {
                    if parts_of != Some(age.to_bits()) {
                        parts = times.iter().map(|&t| self.dropout_part(t, age)).collect();
                        parts_of = Some(age.to_bits());
                    }
                    let rate = self.purchase_rate(x, age);
                    let curve: Vec<f64> = parts.iter().map(|&part| rate * part).collect();
                    if curve.iter().all(|v| v.is_finite()) {
                        Ok(curve.into_iter().map(|v| v.max(0.0)).collect())
                    } else {
                        // The failing horizon's own error.
                        times
                            .iter()
                            .zip(&parts)
                            .map(|(&t, &part)| self.expected_from_dropout_part(t, x, age, rate, part))
                            .collect()
                    }
                })
                .collect(),
        )
    }

    /// `P(alive) · ((β+T)/(β+T+t))^s`: given alive at `T`, the dropout rate's posterior is
    /// Gamma(s, β+T).
    fn probability_alive_at(&self, t: f64, frequency: f64, recency: f64, age: f64) -> Result<f64> {
        check_horizon(t)?;
        let p = self.probability_alive(frequency, recency, age)?;
        let b = self.beta + age;
        Ok((p * (-self.s * (t / b).ln_1p()).exp()).clamp(0.0, 1.0))
    }

    /// `((β+T)/(β+T+t))^s`, the factor of
    /// [`probability_alive_at`](TransactionModel::probability_alive_at) after P(alive).
    fn survival_if_alive(&self, t: f64, _frequency: f64, age: f64) -> Option<Result<f64>> {
        Some(check_horizon(t).map(|()| (-self.s * (t / (self.beta + age)).ln_1p()).exp()))
    }

    /// `1 / (1 + (s/(r+s+x)) (α+T)^{r+x} (β+T)^s A₀)`, all in logs.
    fn probability_alive(&self, frequency: f64, recency: f64, age: f64) -> Result<f64> {
        check_summary(frequency, recency, age)?;
        let ln_odds = self.ln_died_part(frequency, recency, age)? - self.ln_alive_part(frequency, age);
        alive_from_ln_odds(ln_odds, frequency, recency, age)
    }

    /// `true`: [`probability_alive_batch`](TransactionModel::probability_alive_batch) shares
    /// its ₂F₁ terms between customers.
    fn shares_probability_alive(&self) -> bool {
        true
    }

    /// As the per-customer [`probability_alive`](TransactionModel::probability_alive), with
    /// the same values bit for bit, but each of the two ₂F₁ terms is computed once per
    /// distinct `(x, t_x)` and `(x, T)` rather than per customer (customers of one log share
    /// most of them: the million customers of the benchmark have about 42,000 distinct
    /// `(x, T)`). Should a ₂F₁ fail, the error names the first row of the failing `(x, τ)`
    /// group, which may come after a row the per-customer path would have named.
    fn probability_alive_batch(&self, rows: SummarySlices<'_>) -> Result<Vec<f64>> {
        // Grouping is a serial pass of hash lookups; on many rows each thread groups (and
        // computes the ₂F₁ terms of) its own contiguous share instead. Chunks come back in
        // order, so an error still names the first invalid row.
        #[cfg(feature = "parallel")]
        {
            use rayon::prelude::*;
            let parts = rayon::current_num_threads();
            if parts > 1 && rows.len() >= PARALLEL_ALIVE_MIN_ROWS {
                let size = rows.len().div_ceil(parts);
                let chunks: Vec<Result<Vec<f64>>> = (0..parts)
                    .into_par_iter()
                    .map(|k| {
                        let start = (k * size).min(rows.len());
                        let end = (start + size).min(rows.len());
                        self.alive_sharing_terms(rows.range(start..end), start)
                    })
                    .collect();
                let mut out = Vec::with_capacity(rows.len());
                for chunk in chunks {
                    out.extend(chunk?);
                }
                return Ok(out);
            }
        }
        self.alive_sharing_terms(rows, 0)
    }

    /// Discounted expected residual transactions (Fader, Hardie & Lee 2005, "RFM and CLV:
    /// using iso-value curves for customer base analysis", *JMR* 42(4), eq. 2): the
    /// present value, at continuous discounting, of all future purchases,
    /// `P(alive) · (r+x)/(α+T) · E[1/(δ + μ)]` with `μ ~ Gamma(s, β+T)` the posterior
    /// dropout rate and `δ` the continuous rate per model unit. The paper writes
    /// `E[1/(δ+μ)]` with the confluent hypergeometric function `Ψ(s, s; δ(β+T))`; here it is
    /// `(1/δ)∫₀¹ (1 − ln v/(δ(β+T)))^{−s} dv`, integrated by tanh-sinh quadrature.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for an invalid summary or a zero discount rate (DERT is
    /// then infinite when `s ≤ 1`); [`Error::NonConvergence`] if the quadrature fails.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::TimeUnit;
    /// use customer_value::btyd::{DiscountRate, ParetoNbd, TransactionModel};
    ///
    /// let m = ParetoNbd::new(0.55315, 10.57633, 0.60625, 11.67150)?;
    /// let d = DiscountRate::new(0.15, TimeUnit::from_days(365.0)?)?;
    /// let dert = m.dert(d, TimeUnit::WEEK, 2.0, 30.43, 38.86)?;
    /// assert!((dert - 6.51076).abs() < 1e-4);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    fn dert(
        &self,
        discount: DiscountRate,
        unit: TimeUnit,
        frequency: f64,
        recency: f64,
        age: f64,
    ) -> Result<f64> {
        super::check_model_unit(self.unit, unit)?;
        let delta = super::dert_rate(discount, unit)?;
        let alive = self.probability_alive(frequency, recency, age)?;
        let b = self.beta + age;
        let s = self.s;
        // (1 + y/(δb))^{−s} as exp(−s ln1p(·)): a huge s (with b) keeps every digit.
        let integral = integrate_unit(
            |_, q| (-s * (-(-q).ln_1p() / (delta * b)).ln_1p()).exp(),
            1e-11,
            0.0,
        )?;
        super::finite_dert(
            alive * (self.r + frequency) / (self.alpha + age) * integral / delta,
            frequency,
            recency,
            age,
        )
    }

    fn log_likelihood(&self, frequency: f64, recency: f64, age: f64) -> Result<f64> {
        check_summary(frequency, recency, age)?;
        let ParetoNbd { r, alpha, .. } = *self;
        let common = ln_gamma(r + frequency) - ln_gamma(r) + r * alpha.ln() + self.ln_common_dropout();
        super::finite_log_likelihood(
            self.ln_likelihood_row(frequency, recency, age, common)?,
            "Pareto/NBD log-likelihood",
        )
    }
}

/// The fit's likelihood of `data` (total log-likelihood and its analytic gradient in θ),
/// for the Hessians and samplers of [`uncertainty`](super::uncertainty).
pub(super) fn likelihood(data: &WeightedSummaries) -> impl Likelihood + '_ {
    ParetoNbdLikelihood {
        data,
        grid: ParetoGrid::new(data),
    }
}

struct ParetoNbdLikelihood<'a> {
    data: &'a WeightedSummaries,
    grid: ParetoGrid,
}

impl ParetoNbdLikelihood<'_> {
    /// Total log-likelihood; NaN outside the domain or if a ₂F₁ fails (the line search
    /// then steps back).
    fn value(data: &WeightedSummaries, theta: &[f64]) -> f64 {
        let &[r, alpha, s, beta] = theta else {
            return f64::NAN;
        };
        let Ok(m) = ParetoNbd::new(r, alpha, s, beta) else {
            return f64::NAN;
        };
        let base = r * alpha.ln() + m.ln_common_dropout() - ln_gamma(r);
        let mut ll = 0.0;
        let mut cur_x = f64::NAN;
        let mut common = 0.0;
        for (x, tx, t, w) in data.rows() {
            if x.to_bits() != cur_x.to_bits() {
                cur_x = x;
                common = base + ln_gamma(r + x);
            }
            match m.ln_likelihood_row(x, tx, t, common) {
                Ok(v) => ll += w * v,
                Err(_) => return f64::NAN,
            }
        }
        ll
    }
}

impl Likelihood for ParetoNbdLikelihood<'_> {
    fn limiting_model(moves: &[(usize, Limit)]) -> Option<&'static str> {
        paired_limit(
            moves,
            "Poisson purchasing at one rate for all (lambda = r / alpha)",
            "exponential dropout at one rate for all (mu = s / beta)",
            "no dropout: the NBD model",
        )
    }

    const NAMES: &'static [&'static str] = &ParetoNbd::PARAMETER_NAMES;
    const HESSIAN_STEP: f64 = 1e-4;

    fn total_weight(&self) -> f64 {
        self.data.total_weight()
    }

    fn ll_grad(&self, theta: &[f64], grad: &mut [f64]) -> f64 {
        self.grid.ll_grad(theta, grad)
    }
}

/// P(alive) from its log-odds `ln(died part / alive part)`, the same on the single and batch
/// paths; `Undefined` naming the customer where the odds are NaN (both parts infinite, as
/// at `r = 1e308` or a subnormal `s`: P(alive) was NaN, found by the adversarial
/// `btyd typed` area at `CASES=50`).
fn alive_from_ln_odds(ln_odds: f64, x: f64, tx: f64, age: f64) -> Result<f64> {
    if ln_odds.is_nan() {
        return Err(Error::Undefined {
            what: "Pareto/NBD P(alive)",
            reason: format!("the odds of dying are ∞/∞ or NaN for x = {x}, t_x = {tx}, T = {age}"),
        });
    }
    Ok(logistic_of_neg(ln_odds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn likelihood_matches_direct_integration() {
        // L = Γ(r+x)α^r β^s/Γ(r) [ (α+T)^{−(r+x)}(β+T)^{−s} + s ∫_{t_x}^T (α+τ)^{−(r+x)}(β+τ)^{−(s+1)} dτ ].
        for (r, alpha, s, beta) in [(0.55, 10.58, 0.61, 11.67), (0.55, 12.0, 0.61, 3.0)] {
            let m = ParetoNbd::new(r, alpha, s, beta).unwrap();
            let (x, tx, t) = (3.0_f64, 12.0_f64, 39.0_f64);
            let n = 200_000;
            let h = (t - tx) / f64::from(n);
            let integral: f64 = (0..n)
                .map(|i| {
                    let tau = tx + (f64::from(i) + 0.5) * h;
                    (alpha + tau).powf(-(r + x)) * (beta + tau).powf(-(s + 1.0)) * h
                })
                .sum();
            let lead = ln_gamma(r + x) - ln_gamma(r) + r * alpha.ln() + s * beta.ln();
            let direct = lead + ((alpha + t).powf(-(r + x)) * (beta + t).powf(-s) + s * integral).ln();
            let got = m.log_likelihood(x, tx, t).unwrap();
            assert!((got - direct).abs() < 1e-8, "{got} vs {direct}");
        }
    }
}

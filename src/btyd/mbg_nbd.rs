//! The MBG/NBD model (Batislam, Denizel & Filiztekin 2007, "Empirical validation and
//! comparison of models for customer base analysis", *Int. J. Research in Marketing*
//! 24(3)).
//!
//! As BG/NBD, but a customer may also drop out right after the first purchase, so that
//! customers without repeat purchases are not all alive (BG/NBD's P(alive | x = 0) = 1).
//! Predictions reuse BG/NBD's: the dropout posterior is Beta(a, b + x + 1) instead of
//! Beta(a, b + x).

use super::data::{WeightedSummaries, check_horizon, check_summary};
use super::fit::{FitOptions, FitReport, Likelihood, Limit, fit_with_fallback};
use super::params::{positive_parameters, rescalable_unit};
use super::{BgNbd, TransactionModel, logistic_of_neg};
use crate::error::{Error, Result};
use crate::special::{digamma, ln_beta, ln_gamma, log_add_exp};
use crate::time::TimeUnit;

positive_parameters! {
    /// An MBG/NBD model with validated parameters `r, α, a, b`.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::{MbgNbd, TransactionModel};
    ///
    /// let m = MbgNbd::new(0.525, 6.183, 0.891, 1.614)?;
    /// // Unlike BG/NBD, a customer without repeat purchases may be gone.
    /// assert!(m.probability_alive(0.0, 0.0, 39.0)? < 1.0);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    ///
    /// # Formula
    ///
    /// As BG/NBD, but a customer may also drop out right after the first purchase (Batislam,
    /// Denizel & Filiztekin 2007, eqs. 6–9); there is no `δ`, so one-time buyers age out:
    ///
    /// ```text
    /// L(r, α, a, b | x, t_x, T) = B(a, b + x + 1)/B(a, b) · Γ(r + x) αʳ / (Γ(r) (α + T)^{r+x})
    ///                           + B(a + 1, b + x)/B(a, b) · Γ(r + x) αʳ / (Γ(r) (α + t_x)^{r+x})
    ///
    /// E[X(t)] = b/(a − 1) · [1 − (α/(α + t))ʳ ₂F₁(r, b + 1; a + b; t/(α + t))]
    ///
    /// P(alive | x, t_x, T) = 1 / (1 + a/(b + x) · ((α + T)/(α + t_x))^{r+x})
    ///
    /// E[Y(t) | x, t_x, T] = (a + b + x)/(a − 1)
    ///     · [1 − ((α + T)/(α + T + t))^{r+x} ₂F₁(r + x, b + x + 1; a + b + x; t/(α + T + t))]
    ///     · P(alive | x, t_x, T)
    /// ```
    ///
    /// # References
    ///
    /// - E. P. Batislam, M. Denizel and A. Filiztekin (2007), "Empirical validation and
    ///   comparison of models for customer base analysis", *International Journal of Research
    ///   in Marketing* 24(3), 201–209.
    /// - C. Hoppe and U. Wagner (2007), "Customer base analysis: the case for a central variant
    ///   of the Betageometric/NBD model", *Marketing – Journal of Research and Management* 3(2),
    ///   75–90 (the same model, derived independently).
    model MbgNbd, serde form MbgNbdParams = "MbgNbdParams", "MBG/NBD", tag "mbgnbd";
    /// Shape of the purchase-rate gamma.
    r: "r",
    /// Rate of the purchase-rate gamma.
    alpha: "α",
    /// Dropout beta `a`.
    a: "a",
    /// Dropout beta `b`.
    b: "b",
}

rescalable_unit!(MbgNbd; rates alpha; all r, alpha, a, b);

impl MbgNbd {
    /// Fits by maximum likelihood (analytic gradient), from the same starts as
    /// [`BgNbd::fit`].
    ///
    /// # Errors
    ///
    /// [`Error::NonConvergence`] if no start converges; [`Error::InvalidParameter`] for
    /// bad options.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::{FitOptions, MbgNbd, WeightedSummaries};
    ///
    /// let data = WeightedSummaries::from_rows(
    ///     &[0.0, 1.0, 3.0, 0.0, 2.0, 5.0, 1.0, 0.0],
    ///     &[0.0, 10.0, 30.0, 0.0, 12.0, 35.0, 2.0, 0.0],
    ///     &[40.0, 40.0, 40.0, 38.0, 39.0, 40.0, 41.0, 37.0],
    /// )?;
    /// let fit = MbgNbd::fit(&data, &FitOptions::default())?;
    /// assert!(fit.log_likelihood < 0.0);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn fit(data: &WeightedSummaries, options: &FitOptions) -> Result<FitReport<MbgNbd>> {
        data.check_identifiable("MBG/NBD", MbgNbd::PARAMETER_NAMES.len())?;
        let lik = MbgNbdLikelihood { data };
        let alpha0 = data.pooled_alpha_start();
        let n = data.len();
        fit_with_fallback(
            &lik,
            &[1.0, alpha0, 1.0, 1.0],
            &[0.5, alpha0, 0.5, 2.0],
            options,
            n,
            |v| MbgNbd::from_values(v).map(|m| m.with_optional_unit(data.unit())),
        )
    }

    /// Total log-likelihood of weighted rows.
    ///
    /// # Errors
    ///
    /// [`Error::Undefined`] when the value is not finite (−∞ where a row's likelihood
    /// underflows, NaN where a term cannot be computed, at parameters far from any fit).
    pub fn total_log_likelihood(&self, data: &WeightedSummaries) -> Result<f64> {
        let mut g = [0.0; 4];
        let ll = MbgNbdLikelihood { data }.ll_grad(&[self.r, self.alpha, self.a, self.b], &mut g);
        super::finite_log_likelihood(ll, "MBG/NBD log-likelihood")
    }

    /// The BG/NBD whose alive-customer predictions are this model's (`b → b + 1`).
    fn shifted(&self) -> Result<BgNbd> {
        BgNbd::new(self.r, self.alpha, self.a, self.b + 1.0)
    }
}

impl TransactionModel for MbgNbd {
    fn name(&self) -> &'static str {
        "mbgnbd"
    }

    fn parameters(&self) -> Vec<(&'static str, f64)> {
        self.parameter_values()
    }

    fn unit(&self) -> Option<TimeUnit> {
        self.unit
    }

    /// `b/(a−1) [1 − (α/(α+t))^r ₂F₁(r, b+1; a+b; t/(α+t))]`: the chance `b/(a+b)` of
    /// surviving the first purchase times the alive expectation.
    fn expected_purchases_new(&self, t: f64) -> Result<f64> {
        check_horizon(t)?;
        let alive = self.shifted()?.expected_if_alive(t, 0.0, 0.0)?;
        Ok((self.b / (self.a + self.b) * alive).max(0.0))
    }

    fn expected_if_alive_curve(&self, times: &[f64], frequency: f64, age: f64) -> Option<Result<Vec<f64>>> {
        let shifted = match self.shifted() {
            Ok(m) => m,
            Err(e) => return Some(Err(e)),
        };
        let budget = super::WorkBudget::start(times.len());
        Some(
            times
                .iter()
                .enumerate()
                .map(|(done, &t)| {
                    check_horizon(t)?;
                    budget.check(done, "MBG/NBD expectation curve")?;
                    let e = shifted.expected_if_alive(t, frequency, age)?;
                    if e.is_finite() {
                        Ok(e.max(0.0))
                    } else {
                        Err(Error::Undefined {
                            what: "MBG/NBD expectation while alive",
                            reason: format!("{e} for x = {frequency}, T = {age}"),
                        })
                    }
                })
                .collect(),
        )
    }

    /// P(alive) times [`expected_if_alive_curve`](Self::expected_if_alive_curve) (held to
    /// the [`CURVE_TIME_BUDGET`](super::CURVE_TIME_BUDGET)).
    fn expected_purchases_curve(
        &self,
        times: &[f64],
        frequency: f64,
        recency: f64,
        age: f64,
    ) -> Result<Vec<f64>> {
        let p = self.probability_alive(frequency, recency, age)?;
        let curve = self
            .expected_if_alive_curve(times, frequency, age)
            .unwrap_or_else(|| Ok(Vec::new()))?;
        curve
            .into_iter()
            .map(|e| {
                let v = p * e;
                if v.is_finite() {
                    Ok(v.max(0.0))
                } else {
                    Err(Error::Undefined {
                        what: "MBG/NBD conditional expectation",
                        reason: "not finite".to_owned(),
                    })
                }
            })
            .collect()
    }

    fn expected_purchases(&self, t: f64, frequency: f64, recency: f64, age: f64) -> Result<f64> {
        check_horizon(t)?;
        let p = self.probability_alive(frequency, recency, age)?;
        let e = p * self.shifted()?.expected_if_alive(t, frequency, age)?;
        if e.is_finite() {
            Ok(e.max(0.0))
        } else {
            Err(Error::Undefined {
                what: "MBG/NBD conditional expectation",
                reason: "not finite".to_owned(),
            })
        }
    }

    /// `1 / (1 + a/(b+x) ((α+T)/(α+t_x))^{r+x})`.
    fn probability_alive(&self, frequency: f64, recency: f64, age: f64) -> Result<f64> {
        check_summary(frequency, recency, age)?;
        let MbgNbd { r, alpha, a, b, .. } = *self;
        let x = frequency;
        let l = a.ln() - (b + x).ln() + (r + x) * ((alpha + age).ln() - (alpha + recency).ln());
        Ok(logistic_of_neg(l))
    }

    fn probability_alive_at(&self, t: f64, frequency: f64, recency: f64, age: f64) -> Result<f64> {
        check_horizon(t)?;
        let p = self.probability_alive(frequency, recency, age)?;
        Ok(p * self.shifted()?.survival_if_alive(t, frequency, age)?)
    }

    /// The factor of [`probability_alive_at`](TransactionModel::probability_alive_at) after
    /// P(alive): BG/NBD's with `b + 1`.
    fn survival_if_alive(&self, t: f64, frequency: f64, age: f64) -> Option<Result<f64>> {
        Some(check_horizon(t).and_then(|()| self.shifted()?.survival_if_alive(t, frequency, age)))
    }

    fn log_likelihood(&self, frequency: f64, recency: f64, age: f64) -> Result<f64> {
        let data = WeightedSummaries::from_rows(&[frequency], &[recency], &[age])?;
        self.total_log_likelihood(&data)
    }
}

/// L = Γ(r+x)α^r/Γ(r) · [B(a, b+x+1)/B(a,b) (α+T)^{−(r+x)} + B(a+1, b+x)/B(a,b) (α+t_x)^{−(r+x)}].
/// The fit's likelihood of `data` (total log-likelihood and its analytic gradient in θ),
/// for the Hessians and samplers of [`uncertainty`](super::uncertainty).
pub(super) fn likelihood(data: &WeightedSummaries) -> impl Likelihood + '_ {
    MbgNbdLikelihood { data }
}

pub(super) struct MbgNbdLikelihood<'a> {
    pub(super) data: &'a WeightedSummaries,
}

impl Likelihood for MbgNbdLikelihood<'_> {
    fn limiting_model(moves: &[(usize, Limit)]) -> Option<&'static str> {
        super::bg_nbd::beta_geometric_limit(moves)
    }

    const NAMES: &'static [&'static str] = &MbgNbd::PARAMETER_NAMES;

    fn total_weight(&self) -> f64 {
        self.data.total_weight()
    }

    fn ll_grad(&self, theta: &[f64], grad: &mut [f64]) -> f64 {
        let &[r, alpha, a, b] = theta else {
            return f64::NAN;
        };
        grad.iter_mut().for_each(|g| *g = 0.0);
        if !theta.iter().all(|v| v.is_finite() && *v > 0.0) {
            return f64::NAN;
        }
        let ln_alpha = alpha.ln();
        let (lg_r, psi_r) = (ln_gamma(r), digamma(r));
        let (lb_ab, psi_ab, psi_b) = (ln_beta(a, b), digamma(a + b), digamma(b));
        let ln_a = a.ln();
        let (mut ll, mut gr, mut gal, mut ga, mut gb) = (0.0, 0.0, 0.0, 0.0, 0.0);
        let mut cur_x = f64::NAN;
        let (mut common, mut dc, mut ln_ratio, mut bx) = (0.0, [0.0; 4], 0.0, 0.0);
        for (x, tx, t, w) in self.data.rows() {
            if x.to_bits() != cur_x.to_bits() {
                cur_x = x;
                let psi_abx1 = digamma(a + b + x + 1.0);
                common = ln_gamma(r + x) - lg_r + r * ln_alpha + ln_beta(a, b + x + 1.0) - lb_ab;
                dc = [
                    digamma(r + x) - psi_r + ln_alpha,
                    r / alpha,
                    psi_ab - psi_abx1,
                    digamma(b + x + 1.0) - psi_abx1 - psi_b + psi_ab,
                ];
                bx = b + x;
                ln_ratio = ln_a - bx.ln();
            }
            let rx = r + x;
            let (l_t, l_tx) = ((alpha + t).ln(), (alpha + tx).ln());
            let d1 = -rx * l_t;
            let d2 = ln_ratio - rx * l_tx;
            let u = log_add_exp(d1, d2);
            let w2 = (d2 - u).exp();
            let w1 = 1.0 - w2;
            ll += w * (common + u);
            gr += w * (dc[0] - w1 * l_t - w2 * l_tx);
            gal += w * (dc[1] - rx * (w1 / (alpha + t) + w2 / (alpha + tx)));
            ga += w * (dc[2] + w2 / a);
            gb += w * (dc[3] - w2 / bx);
        }
        grad.copy_from_slice(&[gr, gal, ga, gb]);
        ll
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gradient_matches_finite_differences() {
        let data = WeightedSummaries::from_rows(
            &[0.0, 1.0, 3.0, 0.0, 2.0, 26.0, 1.0],
            &[0.0, 10.0, 30.0, 0.0, 12.0, 30.857, 2.0],
            &[40.0, 40.0, 40.0, 38.0, 39.0, 31.0, 41.0],
        )
        .unwrap();
        let lik = MbgNbdLikelihood { data: &data };
        let theta = [0.5, 6.2, 0.9, 1.6];
        let mut g = [0.0; 4];
        lik.ll_grad(&theta, &mut g);
        for j in 0..4 {
            let h = 1e-6 * theta[j];
            let (mut tp, mut tm) = (theta, theta);
            tp[j] += h;
            tm[j] -= h;
            let mut s = [0.0; 4];
            let fd = (lik.ll_grad(&tp, &mut s) - lik.ll_grad(&tm, &mut s)) / (2.0 * h);
            assert!(
                (fd - g[j]).abs() < 1e-6 * fd.abs().max(1.0),
                "{j}: {fd} vs {}",
                g[j]
            );
        }
    }
}

//! The MBG/NBD model (Batislam, Denizel & Filiztekin 2007, "Empirical validation and
//! comparison of models for customer base analysis", *Int. J. Research in Marketing*
//! 24(3)).
//!
//! As BG/NBD, but a customer may also drop out right after the first purchase, so that
//! customers without repeat purchases are not all alive (BG/NBD's P(alive | x = 0) = 1).
//! Predictions reuse BG/NBD's: the dropout posterior is Beta(a, b + x + 1) instead of
//! Beta(a, b + x).

use super::beta_geometric::{BetaGeometricLikelihood, fit_beta_geometric};
use super::data::{WeightedSummaries, check_horizon, check_summary};
use super::fit::{FitOptions, FitReport, Likelihood, total_log_likelihood};
use super::params::{positive_parameters, rescalable_unit};
use super::{BgNbd, TransactionModel, logistic_of_neg};
use crate::error::{Error, Result};
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
    model MbgNbd, serde form MbgNbdParams = "MbgNbdParams", "MBG/NBD", tag "mbgnbd",
        fitted on WeightedSummaries, likelihood likelihood;
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
        fit_beta_geometric::<true, _>(data, options, "MBG/NBD", |v| {
            MbgNbd::from_values(v).map(|m| m.with_optional_unit(data.unit()))
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
    /// use customer_value::btyd::{FitOptions, MbgNbd, WeightedSummaries};
    ///
    /// let data = WeightedSummaries::from_rows(&[0.0, 1.0, 3.0, 0.0, 2.0, 5.0], &[0.0, 10.0, 30.0, 0.0, 12.0, 35.0], &[40.0, 40.0, 40.0, 38.0, 39.0, 40.0])?;
    /// let fit = MbgNbd::fit(&data, &FitOptions::default())?;
    /// // The fitted model's total is the log-likelihood its fit reports.
    /// assert!((fit.model.total_log_likelihood(&data)? - fit.log_likelihood).abs() < 1e-9 * fit.log_likelihood.abs());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn total_log_likelihood(&self, data: &WeightedSummaries) -> Result<f64> {
        let theta = [self.r, self.alpha, self.a, self.b];
        total_log_likelihood(&MbgNbdLikelihood { data }, &theta, "MBG/NBD log-likelihood")
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

/// The MBG/NBD likelihood: the beta-geometric family's with the drop-out at the first
/// purchase.
pub(super) type MbgNbdLikelihood<'a> = BetaGeometricLikelihood<'a, true>;

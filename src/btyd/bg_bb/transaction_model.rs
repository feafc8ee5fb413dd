//! BG/BB as a [`TransactionModel`]: the trait's `f64` times read as whole numbers of
//! transaction opportunities.

use super::{BgBb, check_pattern, finite, probability};
use crate::btyd::{DiscountRate, TransactionModel, dert_rate};
use crate::error::{Error, Result};
use crate::special::ln_hyp2f1;
use crate::time::TimeUnit;

/// `v` as a count of opportunities: finite, whole, ≥ 0 and within `u32`; otherwise an
/// [`Error::InvalidParameter`] naming `name`. Never rounds.
fn whole(name: &'static str, v: f64) -> Result<u32> {
    if v.is_finite() && v >= 0.0 && v.fract() == 0.0 && v <= f64::from(u32::MAX) {
        // Whole and in range (checked above), so the cast is exact.
        Ok(v as u32)
    } else {
        Err(Error::param(
            name,
            v,
            "BG/BB counts whole transaction opportunities: a whole number from 0 to 4294967295",
        ))
    }
}

/// `(x, t_x, n)` from the trait's `(frequency, recency, age)`, each whole, then checked as
/// a pattern (`x ≤ t_x ≤ n`, `x = 0 ⇔ t_x = 0`).
fn pattern(frequency: f64, recency: f64, age: f64) -> Result<(u32, u32, u32)> {
    let x = whole("frequency", frequency)?;
    let t_x = whole("recency", recency)?;
    let n = whole("age", age)?;
    check_pattern(x, t_x, n)?;
    Ok((x, t_x, n))
}

/// Whole horizons, in order.
fn horizons(times: &[f64]) -> Result<Vec<u32>> {
    times.iter().map(|&t| whole("t", t)).collect()
}

/// BG/BB through the crate's plug point, so that [`expected_clv`](crate::btyd::expected_clv),
/// [`clv_batch`](crate::btyd::clv_batch), DERT and
/// [`survival_curve`](crate::btyd::survival_curve) take it.
///
/// The trait's summary `(frequency, recency, age)` is the pattern `(x, t_x, n)` and its
/// times are numbers of transaction opportunities, so every argument must be a whole
/// number from 0 to `u32::MAX`: anything else (2.5, −1, NaN) is an
/// [`Error::InvalidParameter`] naming `t`, `frequency`, `recency` or `age`, never rounded.
/// Impossible patterns are rejected as by the inherent methods. The mapping:
///
/// | trait method | BG/BB quantity |
/// |---|---|
/// | `expected_purchases_new(t)` | [`BgBb::expected_transactions_new`]`(t)`: transactions in opportunities `1 … t` of a new customer |
/// | `expected_purchases(t, x, t_x, n)` | [`BgBb::conditional_expected_transactions`]: transactions in opportunities `n + 1 … n + t` |
/// | `probability_alive(x, t_x, n)` | P(alive at opportunity `n`), the end of observation `T` = [`BgBb::probability_alive_at`] with `m = 0` (not [`BgBb::probability_alive_next`], which is P(alive at `n + 1`), FHS10's Table 6) |
/// | `probability_alive_at(t, x, t_x, n)` | P(alive at opportunity `n + t`) = [`BgBb::probability_alive_at`] with `m = t` |
/// | `log_likelihood(x, t_x, n)` | [`BgBb::log_likelihood`] (FHS10 eq. 5) |
/// | `expected_if_alive_curve` | `(α+x)/(α+β+n) Σ_{k=1}^{t} B(γ, δ+n+k)/B(γ, δ+n)`: the conditional expectation is P(alive at `n`) times this, free of `t_x`, so [`clv_batch`](crate::btyd::clv_batch) computes one curve per `(x, n)` |
/// | `dert(discount, unit, …)` | FHS10's DERT closed form (see the method) |
///
/// A [`ClvSpec`](crate::btyd::ClvSpec) for BG/BB therefore needs a whole horizon and a
/// whole step, with `unit` the length of one opportunity. BG/BB reports
/// [`discrete_time`](TransactionModel::discrete_time) `true`, so the public
/// [`check_transaction_model`](crate::btyd::check_transaction_model) runs its
/// discrete-time grid on it (whole horizons, summaries with `x ≤ t_x ≤ n`) and requires a
/// fractional horizon to be refused; BG/BB passes it (`tests/btyd/bg_bb.rs`).
///
/// Costs do not grow with the numbers: the expectations are closed forms in `t`, and
/// P(alive), the log-likelihood and DERT sum the likelihood's death terms in sublinear
/// time, so any `u32` pattern and horizon is answered in milliseconds at most.
///
/// The inherent methods `probability_alive_at` and `log_likelihood` take `u32` and win
/// method lookup on a `BgBb` value; call the trait's versions through
/// `&dyn TransactionModel` or `TransactionModel::probability_alive_at(&model, …)`.
///
/// # Examples
///
/// ```
/// use customer_value::TimeUnit;
/// use customer_value::btyd::{expected_clv, BgBb, ClvSpec, DiscountRate, History, Margin, TransactionModel};
///
/// let model = BgBb::new(1.2035, 0.7498, 0.6568, 2.7839)?; // FHS10, donations
/// let year = TimeUnit::from_days(365.0)?; // one opportunity a year
/// // Next 5 years of a donor with (x, t_x, n) = (4, 5, 6), 50 per gift, 10 % a year.
/// let spec = ClvSpec::new(year, 5.0, DiscountRate::new(0.10, year)?)?;
/// let v = expected_clv(&model, Margin::PerPurchase(50.0), &spec, History::new(4, 5.0, 6.0)?, 0.0)?;
/// assert!((v - 77.790265288).abs() < 1e-6); // lifetimes 0.11.3, see tests/btyd/bg_bb.rs
/// // Trait and inherent methods agree; half an opportunity is an error.
/// let dyn_model: &dyn TransactionModel = &model;
/// assert_eq!(dyn_model.probability_alive_at(1.0, 4.0, 5.0, 6.0)?, model.probability_alive_next(4, 5, 6)?);
/// assert!(dyn_model.probability_alive_at(0.5, 4.0, 5.0, 6.0).is_err());
/// # Ok::<(), customer_value::Error>(())
/// ```
impl TransactionModel for BgBb {
    fn name(&self) -> &'static str {
        "bgbb"
    }

    fn discrete_time(&self) -> bool {
        true
    }

    fn parameters(&self) -> Vec<(&'static str, f64)> {
        self.parameter_values()
    }

    fn unit(&self) -> Option<TimeUnit> {
        self.unit
    }

    /// FHS10 eq. 7: transactions in opportunities `1 … t`.
    fn expected_purchases_new(&self, t: f64) -> Result<f64> {
        self.expected_transactions_new(whole("t", t)?)
    }

    /// FHS10 eq. 13: transactions in opportunities `n + 1 … n + t`.
    fn expected_purchases(&self, t: f64, frequency: f64, recency: f64, age: f64) -> Result<f64> {
        let t = whole("t", t)?;
        let (x, t_x, n) = pattern(frequency, recency, age)?;
        self.conditional_expected_transactions(t, x, t_x, n)
    }

    /// P(alive at opportunity `n`), the end of observation.
    fn probability_alive(&self, frequency: f64, recency: f64, age: f64) -> Result<f64> {
        let (x, t_x, n) = pattern(frequency, recency, age)?;
        BgBb::probability_alive_at(self, 0, x, t_x, n)
    }

    /// P(alive at opportunity `n + t`).
    fn probability_alive_at(&self, t: f64, frequency: f64, recency: f64, age: f64) -> Result<f64> {
        let t = whole("t", t)?;
        let (x, t_x, n) = pattern(frequency, recency, age)?;
        BgBb::probability_alive_at(self, t, x, t_x, n)
    }

    fn log_likelihood(&self, frequency: f64, recency: f64, age: f64) -> Result<f64> {
        let (x, t_x, n) = pattern(frequency, recency, age)?;
        BgBb::log_likelihood(self, x, t_x, n)
    }

    /// P(alive at `n`) once, times the expectation while alive in one pass over the
    /// horizons (equal to the pointwise method bit for bit).
    fn expected_purchases_curve(
        &self,
        times: &[f64],
        frequency: f64,
        recency: f64,
        age: f64,
    ) -> Result<Vec<f64>> {
        let times = horizons(times)?;
        let (x, t_x, n) = pattern(frequency, recency, age)?;
        let alive = BgBb::probability_alive_at(self, 0, x, t_x, n)?;
        times
            .into_iter()
            .map(|t| {
                finite(
                    alive * self.expected_if_alive_at(t, x, n),
                    "BG/BB expected transactions",
                )
            })
            .collect()
    }

    fn expected_if_alive_curve(&self, times: &[f64], frequency: f64, age: f64) -> Option<Result<Vec<f64>>> {
        let checked = || {
            let times = horizons(times)?;
            let x = whole("frequency", frequency)?;
            let n = whole("age", age)?;
            if x > n {
                return Err(Error::param("frequency", x, "cannot exceed the opportunities n"));
            }
            self.check_scale(n)?;
            times
                .into_iter()
                .map(|t| {
                    finite(
                        self.expected_if_alive_at(t, x, n),
                        "BG/BB expected transactions while alive",
                    )
                })
                .collect()
        };
        Some(checked())
    }

    /// FHS10's closed form: with `v = e^{−δ}` (`δ` the continuous rate of `discount` per
    /// `unit`, the length of one opportunity, so `v = 1/(1 + d)` for a rate `d` per
    /// opportunity), each opportunity `n + k` discounted by `v^k`,
    ///
    /// `DERT = B(α+x+1, β+n−x)/B(α, β) · B(γ, δ+n+1)/B(γ, δ) · v ·
    /// ₂F₁(1, δ+n+1; γ+δ+n+1; v) / L(x, t_x, n)`,
    ///
    /// computed as P(alive at `n`) · (α+x)/(α+β+n) · (δ+n)/(γ+δ+n) · v · ₂F₁(…), the
    /// betas over the likelihood's survival term.
    ///
    /// Errors as the trait says, and [`Error::Undefined`] if the discount is so small that
    /// `v` rounds to 1.
    fn dert(
        &self,
        discount: DiscountRate,
        unit: TimeUnit,
        frequency: f64,
        recency: f64,
        age: f64,
    ) -> Result<f64> {
        super::super::check_model_unit(self.unit, unit)?;
        let rate = dert_rate(discount, unit)?;
        let (x, t_x, n) = pattern(frequency, recency, age)?;
        self.check_scale(n)?;
        let alive = probability(self.alive_probability(0, x, t_x, n)?, "BG/BB P(alive)")?;
        let (xf, nf) = (f64::from(x), f64::from(n));
        let p_mean = 1.0 / (1.0 + (self.beta() + (nf - xf)) / (self.alpha() + xf));
        let survive = 1.0 / (1.0 + self.gamma() / (self.delta() + nf));
        let series = ln_hyp2f1(
            1.0,
            self.delta() + nf + 1.0,
            self.gamma() + self.delta() + nf + 1.0,
            (-rate).exp(),
        )?;
        finite(alive * p_mean * survive * (series.ln - rate).exp(), "BG/BB DERT")
    }
}

//! The BG/BB model of discrete-time, non-contractual repeat transactions (Fader, Hardie &
//! Shang 2010, "Customer-base analysis in a discrete-time noncontractual setting",
//! *Marketing Science* 29(6); FHS10 below).
//!
//! After an initial transaction at opportunity 0, a customer has `n` transaction
//! opportunities (annual donation drives, weekly shows, …). While alive, they transact at
//! each with probability p ~ Beta(α, β); at the start of each opportunity a living customer
//! dies with probability θ ~ Beta(γ, δ). A summary is `(x, t_x, n)`: transactions, the
//! opportunity of the last one (0 without any), and the number of opportunities.
//!
//! * Data: [`DiscreteSummaries`] (validated patterns with weights, `summaries.rs`).
//! * Fit: [`BgBb::fit`] by maximum likelihood (FHS10 eq. 5, in logs).
//! * Predictions per pattern, in whole opportunities (`u32`): P(alive at `n + m`)
//!   ([`BgBb::probability_alive_at`]; `m = 1` is [`BgBb::probability_alive_next`]),
//!   conditional and new-customer expectations, P(X(n) = x).
//! * [`TransactionModel`](super::TransactionModel) (`transaction_model.rs`): the same
//!   predictions through the crate's `f64` plug point, so CLV, DERT and survival curves
//!   take a BG/BB model. Times there count opportunities and must be whole numbers; a
//!   fractional or negative value is an error naming the argument, never rounded.
//!
//! Everything is computed in logs, with log-betas that stay accurate when one argument is
//! large (long horizons); probabilities are clamped only against a rounding excess over 1.
//!
//! # Examples
//!
//! ```
//! use customer_value::btyd::{BgBb, TransactionModel};
//!
//! let m = BgBb::new(1.2035, 0.7498, 0.6568, 2.7839)?; // FHS10, donations
//! // A donor who gave in 4 of 6 years, last in year 5: alive now, next year, in 5 years.
//! let now = m.probability_alive_at(0, 4, 5, 6)?;
//! let later = m.probability_alive_at(5, 4, 5, 6)?;
//! assert!(later < m.probability_alive_next(4, 5, 6)? && m.probability_alive_next(4, 5, 6)? < now);
//! // The same model as a `dyn TransactionModel`: times are whole opportunities.
//! let model: &dyn TransactionModel = &m;
//! assert_eq!(model.probability_alive(4.0, 5.0, 6.0)?, now);
//! assert!(model.expected_purchases(2.5, 4.0, 5.0, 6.0).is_err());
//! # Ok::<(), customer_value::Error>(())
//! ```

use serde::{Deserialize, Serialize};

use super::check_positive;
use super::fit::{FitOptions, FitReport, Likelihood, fit, wrong_parameter_count};
use crate::error::{Error, Result};
use crate::special::{ln_gamma, log_add_exp};

mod summaries;
mod transaction_model;

pub use summaries::DiscreteSummaries;
use summaries::check_pattern;

/// A BG/BB model with validated parameters `α, β` (transaction probability) and `γ, δ`
/// (dropout probability).
///
/// # Examples
///
/// ```
/// use customer_value::btyd::BgBb;
///
/// // FHS10, donations data.
/// let m = BgBb::new(1.2035, 0.7498, 0.6568, 2.7839)?;
/// assert!((m.expected_transactions_new(1)? - 0.4985).abs() < 1e-4);
/// assert!((m.probability_alive_next(6, 6, 6)? - 0.93).abs() < 0.005);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "BgBbParams", into = "BgBbParams")]
pub struct BgBb {
    alpha: f64,
    beta: f64,
    gamma: f64,
    delta: f64,
}

/// Unvalidated BG/BB parameters, the serde form of [`BgBb`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BgBbParams {
    /// Transaction beta `α`.
    pub alpha: f64,
    /// Transaction beta `β`.
    pub beta: f64,
    /// Dropout beta `γ`.
    pub gamma: f64,
    /// Dropout beta `δ`.
    pub delta: f64,
}

impl TryFrom<BgBbParams> for BgBb {
    type Error = Error;
    fn try_from(p: BgBbParams) -> Result<Self> {
        BgBb::new(p.alpha, p.beta, p.gamma, p.delta)
    }
}

impl From<BgBb> for BgBbParams {
    fn from(m: BgBb) -> Self {
        BgBbParams {
            alpha: m.alpha,
            beta: m.beta,
            gamma: m.gamma,
            delta: m.delta,
        }
    }
}

impl BgBb {
    /// Parameter names in the order of [`FitReport::estimates`].
    pub const PARAMETER_NAMES: [&'static str; 4] = ["alpha", "beta", "gamma", "delta"];

    /// A model from parameters.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] unless every parameter is finite and > 0.
    pub fn new(alpha: f64, beta: f64, gamma: f64, delta: f64) -> Result<Self> {
        check_positive("alpha", alpha)?;
        check_positive("beta", beta)?;
        check_positive("gamma", gamma)?;
        check_positive("delta", delta)?;
        Ok(BgBb {
            alpha,
            beta,
            gamma,
            delta,
        })
    }

    /// `α`.
    #[must_use]
    pub fn alpha(&self) -> f64 {
        self.alpha
    }
    /// `β`.
    #[must_use]
    pub fn beta(&self) -> f64 {
        self.beta
    }
    /// `γ`.
    #[must_use]
    pub fn gamma(&self) -> f64 {
        self.gamma
    }
    /// `δ`.
    #[must_use]
    pub fn delta(&self) -> f64 {
        self.delta
    }

    /// Fits by maximum likelihood (central-difference gradient) from `(1, 1, 1, 1)`.
    ///
    /// # Errors
    ///
    /// [`Error::NonConvergence`]; [`Error::InvalidParameter`] for bad options.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::{BgBb, DiscreteSummaries, FitOptions};
    ///
    /// let d = DiscreteSummaries::from_weighted_rows(&[0, 1, 2, 3], &[0, 2, 3, 3], &[3, 3, 3, 3], &[50.0, 20.0, 15.0, 15.0])?;
    /// let fit = BgBb::fit(&d, &FitOptions::default())?;
    /// assert!(fit.log_likelihood < 0.0);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn fit(data: &DiscreteSummaries, options: &FitOptions) -> Result<FitReport<BgBb>> {
        fit(
            &BgBbLikelihood { data },
            &[1.0, 1.0, 1.0, 1.0],
            options,
            data.len(),
            |t| match *t {
                [alpha, beta, gamma, delta] => BgBb::new(alpha, beta, gamma, delta),
                _ => Err(wrong_parameter_count("parameters", t)),
            },
        )
    }

    /// Total log-likelihood of the patterns.
    #[must_use]
    pub fn total_log_likelihood(&self, data: &DiscreteSummaries) -> f64 {
        BgBbLikelihood { data }.value(self)
    }

    /// `ln[B(γ, δ + s)/B(γ, δ)]`: ln P(a customer has survived the dropout process through
    /// opportunity `s`) = ln E[(1 − θ)^s].
    fn ln_survival(&self, s: f64) -> f64 {
        ln_beta_wide(self.gamma, self.delta + s) - ln_beta_wide(self.gamma, self.delta)
    }

    /// `ln[B(α + x, β + n − x)/B(α, β)]` = ln E[p^x (1 − p)^{n−x}].
    fn ln_transactions(&self, x: u32, n: u32) -> f64 {
        let (xf, nf) = (f64::from(x), f64::from(n));
        ln_beta_wide(self.alpha + xf, self.beta + nf - xf) - ln_beta_wide(self.alpha, self.beta)
    }

    /// ln P(x transactions in n opportunities and alive at opportunity `n + k`): the
    /// likelihood's survival term with `(1 − θ)^{n+k}`, the common part of the
    /// predictions.
    fn ln_alive_joint(&self, x: u32, n: u32, k: u32) -> f64 {
        self.ln_transactions(x, n) + self.ln_survival(f64::from(n) + f64::from(k))
    }

    /// ln L(x, t_x, n) (FHS10 eq. 5), in logs: alive through `n` (the `k = 0` joint), or
    /// dead after opportunity `t_x + i`, `i = 0 … n − t_x − 1`.
    fn ln_likelihood_row(&self, x: u32, t_x: u32, n: u32) -> f64 {
        let BgBb {
            alpha,
            beta,
            gamma,
            delta,
        } = *self;
        let (xf, txf) = (f64::from(x), f64::from(t_x));
        let lb_ab = ln_beta_wide(alpha, beta);
        let lb_gd = ln_beta_wide(gamma, delta);
        let mut ll = self.ln_alive_joint(x, n, 0);
        for i in 0..(n - t_x) {
            let i = f64::from(i);
            let term = ln_beta_wide(alpha + xf, beta + txf - xf + i) - lb_ab
                + ln_beta_wide(gamma + 1.0, delta + txf + i)
                - lb_gd;
            ll = log_add_exp(ll, term);
        }
        ll
    }

    /// The customer's log-likelihood.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for an impossible pattern.
    pub fn log_likelihood(&self, frequency: u32, recency: u32, periods: u32) -> Result<f64> {
        check_pattern(frequency, recency, periods)?;
        Ok(self.ln_likelihood_row(frequency, recency, periods))
    }

    /// Probability that the customer is alive at opportunity `n + m`, given `x`
    /// transactions in `n` opportunities, the last at `t_x` (lifetimes'
    /// `BetaGeoBetaBinomFitter.conditional_probability_alive(m, x, t_x, n)`).
    ///
    /// "Alive at opportunity `s`" means not yet dropped out there: in FHS10 a living
    /// customer dies at the start of each opportunity with probability θ, so alive at `s`
    /// is `(1 − θ)^s` and such a customer transacts at `s` with probability `p`. The
    /// likelihood's survival term with `(1 − θ)^{n+m}`, mixed over the two betas and
    /// divided by the likelihood (FHS10 eq. 5), gives
    ///
    /// `P = B(α+x, β+n−x)/B(α, β) · B(γ, δ+n+m)/B(γ, δ) / L(α, β, γ, δ | x, t_x, n)`.
    ///
    /// * `m = 0`: alive at the last observed opportunity `n`, the end of observation (the
    ///   [`TransactionModel::probability_alive`](super::TransactionModel::probability_alive)
    ///   of this model). It is exactly 1 when `t_x = n`: a customer who transacted at `n`
    ///   was alive there.
    /// * `m = 1`: alive at the next opportunity `n + 1`, FHS10 eq. 11;
    ///   [`probability_alive_next`](Self::probability_alive_next) is this method at
    ///   `m = 1`, bit for bit.
    ///
    /// The probability falls with `m` by the factor `(δ+n+m)/(γ+δ+n+m)` per opportunity.
    /// It is computed in logs, with log-betas that stay accurate for `n + m` up to
    /// `u32::MAX`; only a rounding excess over 1 is clamped.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for an impossible pattern (as the other predictions:
    /// `x ≤ t_x ≤ n`, `x = 0 ⇔ t_x = 0`).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::BgBb;
    ///
    /// let m = BgBb::new(1.2035, 0.7498, 0.6568, 2.7839)?;
    /// // A donor who gave in 2 of 6 years, last in year 4 (lifetimes 0.11.3).
    /// assert!((m.probability_alive_at(0, 2, 4, 6)? - 0.6337364089).abs() < 1e-9);
    /// assert!((m.probability_alive_at(5, 2, 4, 6)? - 0.4692272170).abs() < 1e-9);
    /// assert_eq!(m.probability_alive_at(1, 2, 4, 6)?, m.probability_alive_next(2, 4, 6)?);
    /// // Who gave in the last year was alive then.
    /// assert_eq!(m.probability_alive_at(0, 6, 6, 6)?, 1.0);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn probability_alive_at(&self, m: u32, frequency: u32, recency: u32, periods: u32) -> Result<f64> {
        check_pattern(frequency, recency, periods)?;
        let l = self.ln_likelihood_row(frequency, recency, periods);
        probability(self.ln_alive_joint(frequency, periods, m) - l, "BG/BB P(alive)")
    }

    /// Probability that the customer is alive at the next opportunity `n + 1` (FHS10
    /// eq. 11): [`probability_alive_at`](Self::probability_alive_at) with `m = 1`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for an impossible pattern.
    pub fn probability_alive_next(&self, frequency: u32, recency: u32, periods: u32) -> Result<f64> {
        self.probability_alive_at(1, frequency, recency, periods)
    }

    /// Expected transactions in the next `horizon` opportunities, `(n, n + horizon]`
    /// (FHS10 eq. 13, summed period by period so that γ = 1 needs no limit; the cost is
    /// linear in `horizon`).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for an impossible pattern.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::BgBb;
    ///
    /// let m = BgBb::new(1.2035, 0.7498, 0.6568, 2.7839)?;
    /// // BTYD: (x, t_x, n) = (4, 5, 6), next 10 periods: 3.627858.
    /// assert!((m.conditional_expected_transactions(10, 4, 5, 6)? - 3.627858).abs() < 1e-3);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn conditional_expected_transactions(
        &self,
        horizon: u32,
        frequency: u32,
        recency: u32,
        periods: u32,
    ) -> Result<f64> {
        let alive = self.probability_alive_at(0, frequency, recency, periods)?;
        let if_alive = self.expected_if_alive(&[horizon], frequency, periods);
        Ok(alive * if_alive.first().copied().unwrap_or(0.0))
    }

    /// E[transactions in `(n, n + t]` | alive at `n`, `x` in `n`] for each `t` of `horizons`
    /// (any order): `(α+x)/(α+β+n) · Σ_{k=1}^{t} B(γ, δ+n+k)/B(γ, δ+n)`, free of `t_x`.
    /// One pass up to the largest horizon. Needs `x ≤ n`.
    fn expected_if_alive(&self, horizons: &[u32], x: u32, n: u32) -> Vec<f64> {
        let (xf, nf) = (f64::from(x), f64::from(n));
        let p_mean = (self.alpha + xf) / (self.alpha + self.beta + nf);
        let base = self.ln_survival(nf);
        let mut order: Vec<(u32, usize)> = horizons.iter().copied().zip(0..).collect();
        order.sort_unstable();
        let mut out = vec![0.0; horizons.len()];
        let (mut k, mut total) = (0_u32, 0.0_f64);
        for (t, i) in order {
            while k < t {
                k += 1;
                total += (self.ln_survival(nf + f64::from(k)) - base).exp();
            }
            if let Some(o) = out.get_mut(i) {
                *o = p_mean * total;
            }
        }
        out
    }

    /// Expected transactions of a new customer in the first `periods` opportunities after
    /// the initial one: `α/(α+β) Σ_{k=1}^{n} B(γ, δ+k)/B(γ, δ)` (FHS10 eq. 7).
    ///
    /// # Errors
    ///
    /// None in practice; `Result` for symmetry with the other predictions.
    pub fn expected_transactions_new(&self, periods: u32) -> Result<f64> {
        Ok(self
            .expected_if_alive(&[periods], 0, 0)
            .first()
            .copied()
            .unwrap_or(0.0))
    }

    /// P(X(n) = x) for a new customer (FHS10 eq. 8).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] if `x > n`.
    pub fn probability_of_transactions(&self, periods: u32, x: u32) -> Result<f64> {
        if x > periods {
            return Err(Error::param("x", x, "cannot exceed the opportunities n"));
        }
        let (xf, nf) = (f64::from(x), f64::from(periods));
        let ln_choose = |n: f64, k: f64| ln_gamma(n + 1.0) - ln_gamma(k + 1.0) - ln_gamma(n - k + 1.0);
        let lb_ab = ln_beta_wide(self.alpha, self.beta);
        let lb_gd = ln_beta_wide(self.gamma, self.delta);
        let mut lp = ln_choose(nf, xf) + self.ln_alive_joint(x, periods, 0);
        for i in x..periods {
            let i = f64::from(i);
            let term = ln_choose(i, xf) + ln_beta_wide(self.alpha + xf, self.beta + i - xf) - lb_ab
                + ln_beta_wide(self.gamma + 1.0, self.delta + i)
                - lb_gd;
            lp = log_add_exp(lp, term);
        }
        Ok(lp.exp().clamp(0.0, 1.0))
    }
}

/// `e^ln` as a probability: a rounding excess over 1 is clamped, a non-finite value is an
/// error naming `what`.
fn probability(ln: f64, what: &'static str) -> Result<f64> {
    let p = ln.exp();
    if p.is_finite() {
        Ok(p.min(1.0))
    } else {
        Err(Error::Undefined {
            what,
            reason: format!("log-probability {ln} is not finite"),
        })
    }
}

/// `ln Γ(z) − ln Γ(z + s)` for `0 < s ≤ z`, without the cancellation of the two large
/// log-gammas: for `z ≥ 100` from Stirling's series,
/// `−s ln z − (z + s − ½) ln(1 + s/z) + s + c(z) − c(z + s)` with
/// `c(z) = 1/(12z) − 1/(360z³) + 1/(1260z⁵)` (truncation error below 10⁻¹⁷); directly
/// below 100, where `ln Γ` is small enough.
fn ln_gamma_ratio(z: f64, s: f64) -> f64 {
    if z < 100.0 {
        return ln_gamma(z) - ln_gamma(z + s);
    }
    let c = |z: f64| {
        let r = z.recip();
        let r2 = r * r;
        r * (1.0 / 12.0 - r2 * (1.0 / 360.0 - r2 / 1260.0))
    };
    -s * z.ln() - (z + s - 0.5) * (s / z).ln_1p() + s + (c(z) - c(z + s))
}

/// `ln B(a, b)` for `a, b > 0` that stays accurate when one argument is large:
/// `ln Γ(lo) + [ln Γ(hi) − ln Γ(hi + lo)]` with the bracket from [`ln_gamma_ratio`]. The
/// plain `ln Γ(a) + ln Γ(b) − ln Γ(a + b)` loses about `ε · b ln b` (10⁻⁵ at `b = 10⁹`),
/// enough to put P(alive at `n + m`) wrong in the fifth digit and make it rise with `m`.
fn ln_beta_wide(a: f64, b: f64) -> f64 {
    let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
    ln_gamma(lo) + ln_gamma_ratio(hi, lo)
}

struct BgBbLikelihood<'a> {
    data: &'a DiscreteSummaries,
}

impl BgBbLikelihood<'_> {
    fn value(&self, m: &BgBb) -> f64 {
        let d = self.data;
        d.frequency()
            .iter()
            .zip(d.recency())
            .zip(d.periods())
            .zip(d.weight())
            .map(|(((&x, &tx), &n), &w)| w * m.ln_likelihood_row(x, tx, n))
            .sum()
    }
}

impl Likelihood for BgBbLikelihood<'_> {
    const NAMES: &'static [&'static str] = &BgBb::PARAMETER_NAMES;
    const HESSIAN_STEP: f64 = 1e-3;

    fn total_weight(&self) -> f64 {
        self.data.weight().iter().sum()
    }

    fn ll_grad(&self, theta: &[f64], grad: &mut [f64]) -> f64 {
        let eval = |t: &[f64]| match t {
            &[a, b, g, d] => BgBb::new(a, b, g, d).map_or(f64::NAN, |m| self.value(&m)),
            _ => f64::NAN,
        };
        let f = eval(theta);
        let mut tp = theta.to_vec();
        for (j, (g, &t)) in grad.iter_mut().zip(theta).enumerate() {
            let h = 1e-6 * t;
            set_coordinate(&mut tp, j, t + h);
            let fp = eval(&tp);
            set_coordinate(&mut tp, j, t - h);
            let fm = eval(&tp);
            set_coordinate(&mut tp, j, t);
            *g = (fp - fm) / (2.0 * h);
        }
        f
    }
}

/// Sets coordinate `j` of `point` (a copy of θ, so `j` is always in range).
fn set_coordinate(point: &mut [f64], j: usize, value: f64) {
    if let Some(c) = point.get_mut(j) {
        *c = value;
    }
}

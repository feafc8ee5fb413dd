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
//! Accuracy and cost (`sums.rs`): every beta-function ratio is a mixed second difference
//! of ln Γ (`special::ln_gamma_diff2`), and P(alive) is
//! `e^{−Δ₂} / (1 + Σ D_i/A)` with the large common factor A cancelled analytically, so
//! values keep about 14 digits (and 1 − P its own digits) for α, β up to 10³⁰⁰ and
//! histories up to `u32::MAX` opportunities. The sums over the death time are summed in
//! sublinear time (at most a few thousand term evaluations, however long the history;
//! `special::ln_sum_unimodal`), and the expectation while alive is a closed form,
//! O(1) in the horizon. A result that is not finite (parameters so large that their sums
//! overflow) is an [`Error`], never NaN.
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

use super::fit::{FitOptions, FitReport, Likelihood, Limit, fit, paired_limit};
use super::params::positive_parameters;
use crate::error::{Error, Result};

mod summaries;
mod sums;
mod transaction_model;

pub use summaries::DiscreteSummaries;
use summaries::check_pattern;

positive_parameters! {
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
    ///
    /// # Formula
    ///
    /// For `x` transactions in `n` opportunities, the last at `t_x` (Fader, Hardie & Shang 2010,
    /// eqs. 5, 8, 10 and 13):
    ///
    /// ```text
    /// L(α, β, γ, δ | x, t_x, n) = B(α + x, β + n − x)/B(α, β) · B(γ, δ + n)/B(γ, δ)
    ///     + Σ_{i=0}^{n−t_x−1} B(α + x, β + t_x − x + i)/B(α, β) · B(γ + 1, δ + t_x + i)/B(γ, δ)
    ///
    /// P(alive at n + 1 | x, t_x, n) = B(α + x, β + n − x)/B(α, β) · B(γ, δ + n + 1)/B(γ, δ) / L
    ///
    /// E[X(n)] = α/(α + β) · δ/(γ − 1) · [1 − Γ(γ + δ) Γ(1 + δ + n) / (Γ(γ + δ + n) Γ(1 + δ))]
    ///
    /// E[X(n, n + n*) | x, t_x, n] = 1/L · B(α + x + 1, β + n − x)/B(α, β) · δ/(γ − 1)
    ///     · Γ(γ + δ)/Γ(1 + δ) · [Γ(1 + δ + n)/Γ(γ + δ + n) − Γ(1 + δ + n + n*)/Γ(γ + δ + n + n*)]
    /// ```
    ///
    /// # References
    ///
    /// - P. S. Fader, B. G. S. Hardie and J. Shang (2010), "Customer-base analysis in a
    ///   discrete-time noncontractual setting", *Marketing Science* 29(6), 1086–1108.
    model BgBb, serde form BgBbParams = "BgBbParams", "BG/BB", tag "bgbb",
        fitted on DiscreteSummaries, likelihood likelihood;
    /// Transaction beta `α`.
    alpha: "α",
    /// Transaction beta `β`.
    beta: "β",
    /// Dropout beta `γ`.
    gamma: "γ",
    /// Dropout beta `δ`.
    delta: "δ",
}

impl BgBb {
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
            BgBb::from_values,
        )
    }

    /// Total log-likelihood of the patterns ([`log_likelihood`](Self::log_likelihood)
    /// checks one pattern).
    ///
    /// # Errors
    ///
    /// [`Error::Undefined`] when the value is not finite (−∞ where a row's likelihood
    /// underflows, NaN where a term cannot be computed, at parameters far from any fit).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::{BgBb, DiscreteSummaries};
    ///
    /// let m = BgBb::new(1.2035, 0.7498, 0.6568, 2.7839)?;
    /// let data = DiscreteSummaries::from_weighted_rows(&[0, 6], &[0, 6], &[6, 6], &[3464.0, 1203.0])?;
    /// // The weighted sum of the patterns' log-likelihoods.
    /// let by_hand = 3464.0 * m.log_likelihood(0, 0, 6)? + 1203.0 * m.log_likelihood(6, 6, 6)?;
    /// assert!((m.total_log_likelihood(&data)? - by_hand).abs() < 1e-9 * by_hand.abs());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn total_log_likelihood(&self, data: &DiscreteSummaries) -> Result<f64> {
        super::finite_log_likelihood(BgBbLikelihood { data }.value(self), "BG/BB log-likelihood")
    }

    /// The customer's log-likelihood (FHS10 eq. 5).
    ///
    /// Cost: sublinear in `n − t_x` (a few thousand term evaluations at most, even at
    /// `n = u32::MAX`).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for an impossible pattern; [`Error::Undefined`] if the
    /// value is not finite (parameters whose sums overflow `f64`).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::BgBb;
    ///
    /// let m = BgBb::new(1.2035, 0.7498, 0.6568, 2.7839)?;
    /// // Six transactions in six opportunities: only alive-throughout contributes,
    /// // B(α+6, β)/B(α, β) · B(γ, δ+6)/B(γ, δ).
    /// assert!(m.log_likelihood(6, 6, 6)? < 0.0);
    /// assert!(m.log_likelihood(3, 7, 6).is_err()); // the last transaction after the last opportunity
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn log_likelihood(&self, frequency: u32, recency: u32, periods: u32) -> Result<f64> {
        check_pattern(frequency, recency, periods)?;
        self.check_scale(periods)?;
        finite(
            self.ln_likelihood_row(frequency, recency, periods)?,
            "BG/BB log-likelihood",
        )
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
    /// It is computed as `e^{−Δ₂} / (1 + Σ_i D_i/A)`, the likelihood's terms over the
    /// survival term, so no large common factor is divided out numerically: about 14
    /// digits, and as many in `1 − P`, for `n + m` up to `u32::MAX` and α, β up to 10³⁰⁰.
    /// Cost: sublinear in `n − t_x`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for an impossible pattern (as the other predictions:
    /// `x ≤ t_x ≤ n`, `x = 0 ⇔ t_x = 0`); [`Error::Undefined`] if the value is not
    /// finite.
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
        self.check_scale(periods.saturating_add(m))?;
        probability(
            self.alive_probability(m, frequency, recency, periods)?,
            "BG/BB P(alive)",
        )
    }

    /// Probability that the customer is alive at the next opportunity `n + 1` (FHS10
    /// eq. 11): [`probability_alive_at`](Self::probability_alive_at) with `m = 1`.
    ///
    /// # Errors
    ///
    /// As [`probability_alive_at`](Self::probability_alive_at).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::BgBb;
    ///
    /// // Fader, Hardie & Shang (2010), Table 6 (two decimals).
    /// let m = BgBb::new(1.2035, 0.7498, 0.6568, 2.7839)?;
    /// assert!((m.probability_alive_next(0, 0, 6)? - 0.11).abs() < 5e-3);
    /// assert!((m.probability_alive_next(2, 4, 6)? - 0.59).abs() < 5e-3);
    /// assert!((m.probability_alive_next(6, 6, 6)? - 0.93).abs() < 5e-3);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn probability_alive_next(&self, frequency: u32, recency: u32, periods: u32) -> Result<f64> {
        self.probability_alive_at(1, frequency, recency, periods)
    }

    /// Expected transactions in the next `horizon` opportunities, `(n, n + horizon]`
    /// (FHS10 eq. 13): P(alive at `n`) times the expectation while alive, which is a
    /// closed form (also at γ = 1, where FHS10's expression is 0/0), so the cost does not
    /// grow with `horizon`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for an impossible pattern; [`Error::Undefined`] if the
    /// value is not finite.
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
        finite(
            alive * self.expected_if_alive_at(horizon, frequency, periods),
            "BG/BB expected transactions",
        )
    }

    /// Expected transactions of a new customer in the first `periods` opportunities after
    /// the initial one: `α/(α+β) Σ_{k=1}^{n} B(γ, δ+k)/B(γ, δ)` (FHS10 eq. 7), in closed
    /// form (O(1) in `periods`).
    ///
    /// # Errors
    ///
    /// [`Error::Undefined`] if the value is not finite (parameters whose sums overflow
    /// `f64`).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::BgBb;
    ///
    /// // Fader & Hardie's note on the donations data: 0.4985 after 1 period, 3.3887 after 11.
    /// let m = BgBb::new(1.2035, 0.7498, 0.6568, 2.7839)?;
    /// assert!((m.expected_transactions_new(1)? - 0.4985).abs() < 1e-4);
    /// assert!((m.expected_transactions_new(11)? - 3.3887).abs() < 1e-4 * 3.3887);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn expected_transactions_new(&self, periods: u32) -> Result<f64> {
        self.check_scale(periods)?;
        finite(
            self.expected_if_alive_at(periods, 0, 0),
            "BG/BB expected transactions of a new customer",
        )
    }

    /// P(X(n) = x) for a new customer (FHS10 eq. 8). Cost: sublinear in `n − x`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] if `x > n`; [`Error::Undefined`] if the value is not
    /// finite.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::BgBb;
    ///
    /// // 3,454.9 of the 11,104 donors expected with no repeat donation in 6 years (FHS10).
    /// let m = BgBb::new(1.2035, 0.7498, 0.6568, 2.7839)?;
    /// assert!((11104.0 * m.probability_of_transactions(6, 0)? - 3454.9).abs() < 0.5);
    /// let total: f64 = (0..=6).map(|x| m.probability_of_transactions(6, x).unwrap()).sum();
    /// assert!((total - 1.0).abs() < 1e-12);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn probability_of_transactions(&self, periods: u32, x: u32) -> Result<f64> {
        if x > periods {
            return Err(Error::param("x", x, "cannot exceed the opportunities n"));
        }
        self.check_scale(periods)?;
        probability(
            self.ln_transactions_probability(periods, x)?.exp(),
            "BG/BB P(X(n) = x)",
        )
    }
}

/// A finite `value`, or an [`Error::Undefined`] naming `what`.
fn finite(value: f64, what: &'static str) -> Result<f64> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(Error::Undefined {
            what,
            reason: format!("the value {value} is not finite"),
        })
    }
}

/// `p` as a probability: a rounding excess over 1 is clamped, a value that is not finite
/// or negative is an error naming `what`.
fn probability(p: f64, what: &'static str) -> Result<f64> {
    if p.is_finite() && p >= 0.0 {
        Ok(p.min(1.0))
    } else {
        Err(Error::Undefined {
            what,
            reason: format!("the probability {p} is not finite"),
        })
    }
}

/// The fit's likelihood of `data` (total log-likelihood and its analytic gradient in θ),
/// for the Hessians and samplers of [`uncertainty`](super::uncertainty).
pub(super) fn likelihood(data: &DiscreteSummaries) -> impl Likelihood + '_ {
    BgBbLikelihood { data }
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
            .map(|(((&x, &tx), &n), &w)| w * m.ln_likelihood_row(x, tx, n).unwrap_or(f64::NAN))
            .sum()
    }
}

impl Likelihood for BgBbLikelihood<'_> {
    fn limiting_model(moves: &[(usize, Limit)]) -> Option<&'static str> {
        paired_limit(
            moves,
            "one transaction probability for all (p = alpha / (alpha + beta))",
            "one dropout probability for all (theta = gamma / (gamma + delta))",
            "no dropout: the beta-binomial model",
        )
    }

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

//! The BG/BB model of discrete-time, non-contractual repeat transactions (Fader, Hardie &
//! Shang 2010, "Customer-base analysis in a discrete-time noncontractual setting",
//! *Marketing Science* 29(6)).
//!
//! At each of `n` transaction opportunities an alive customer transacts with probability
//! p ~ Beta(α, β), and before each later opportunity dies with probability θ ~ Beta(γ, δ).
//! A summary is `(x, t_x, n)`: transactions, the opportunity of the last one, and the
//! number of opportunities. This file owns its data, parameters, fit and predictions.

use serde::{Deserialize, Serialize};

use super::check_positive;
use super::fit::{FitOptions, FitReport, Likelihood, fit, wrong_parameter_count};
use crate::error::{Error, Result};
use crate::special::{ln_beta, ln_gamma, log_add_exp};

/// Distinct `(x, t_x, n)` patterns with the number of customers of each.
///
/// # Examples
///
/// ```
/// use customer_value::btyd::DiscreteSummaries;
///
/// let d = DiscreteSummaries::from_weighted_rows(&[0, 1, 1], &[0, 1, 1], &[6, 6, 6], &[3464.0, 1091.0, 1.0])?;
/// assert_eq!(d.len(), 2);
/// # Ok::<(), customer_value::Error>(())
/// ```
///
/// Fields are private so that every value has passed validation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DiscreteSummaries {
    frequency: Vec<u32>,
    recency: Vec<u32>,
    periods: Vec<u32>,
    weight: Vec<f64>,
}

/// Checks `x ≤ t_x ≤ n` and `x = 0 ⇔ t_x = 0`.
fn check_pattern(x: u32, t_x: u32, n: u32) -> Result<()> {
    if t_x > n {
        return Err(Error::param(
            "recency",
            t_x,
            "must not exceed the opportunities n",
        ));
    }
    if x > t_x {
        return Err(Error::param("frequency", x, "cannot exceed the recency t_x"));
    }
    if (x == 0) != (t_x == 0) {
        return Err(Error::param("recency", t_x, "is 0 exactly when frequency is 0"));
    }
    Ok(())
}

impl DiscreteSummaries {
    /// Patterns with weights; identical patterns are merged.
    ///
    /// # Errors
    ///
    /// [`Error::LengthMismatch`]; [`Error::EmptyInput`]; [`Error::InvalidRow`] for an
    /// impossible pattern or a weight that is not finite and > 0.
    pub fn from_weighted_rows(
        frequency: &[u32],
        recency: &[u32],
        periods: &[u32],
        weight: &[f64],
    ) -> Result<Self> {
        let n = frequency.len();
        for (name, len) in [
            ("recency", recency.len()),
            ("periods", periods.len()),
            ("weight", weight.len()),
        ] {
            if len != n {
                return Err(Error::LengthMismatch {
                    left: "frequency",
                    left_len: n,
                    right: name,
                    right_len: len,
                });
            }
        }
        if n == 0 {
            return Err(Error::EmptyInput {
                what: "discrete summaries",
            });
        }
        let mut rows = Vec::with_capacity(n);
        // The lengths are equal (checked above), so the zip visits every row.
        let columns = frequency.iter().zip(recency).zip(periods).zip(weight);
        for (i, (((&x, &tx), &p), &w)) in columns.enumerate() {
            let bad = |e: Error| Error::InvalidRow {
                row: i as u64,
                reason: e.to_string(),
            };
            check_pattern(x, tx, p).map_err(bad)?;
            if !(w.is_finite() && w > 0.0) {
                return Err(bad(Error::param("weight", w, "must be finite and > 0")));
            }
            rows.push((x, tx, p, w));
        }
        rows.sort_unstable_by_key(|r| (r.0, r.1, r.2));
        let mut out = DiscreteSummaries {
            frequency: Vec::new(),
            recency: Vec::new(),
            periods: Vec::new(),
            weight: Vec::new(),
        };
        for (x, tx, p, w) in rows {
            let same = out.frequency.last() == Some(&x)
                && out.recency.last() == Some(&tx)
                && out.periods.last() == Some(&p);
            match out.weight.last_mut() {
                Some(lw) if same => *lw += w,
                _ => {
                    out.frequency.push(x);
                    out.recency.push(tx);
                    out.periods.push(p);
                    out.weight.push(w);
                }
            }
        }
        Ok(out)
    }

    /// Transactions `x` of each pattern.
    #[must_use]
    pub fn frequency(&self) -> &[u32] {
        &self.frequency
    }

    /// Opportunity of the last transaction `t_x` (0 without any) of each pattern.
    #[must_use]
    pub fn recency(&self) -> &[u32] {
        &self.recency
    }

    /// Opportunities `n` of each pattern.
    #[must_use]
    pub fn periods(&self) -> &[u32] {
        &self.periods
    }

    /// Customers with each pattern.
    #[must_use]
    pub fn weight(&self) -> &[f64] {
        &self.weight
    }

    /// Distinct patterns.
    #[must_use]
    pub fn len(&self) -> usize {
        self.weight.len()
    }

    /// Whether there are none (never true for a constructed value).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.weight.is_empty()
    }
}

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

    /// ln L(x, t_x, n) (FHS10 eq. 5), in logs.
    fn ln_likelihood_row(&self, x: u32, t_x: u32, n: u32) -> f64 {
        let BgBb {
            alpha,
            beta,
            gamma,
            delta,
        } = *self;
        let (xf, txf, nf) = (f64::from(x), f64::from(t_x), f64::from(n));
        let lb_ab = ln_beta(alpha, beta);
        let lb_gd = ln_beta(gamma, delta);
        let mut ll = ln_beta(alpha + xf, beta + nf - xf) - lb_ab + ln_beta(gamma, delta + nf) - lb_gd;
        for i in 0..(n - t_x) {
            let i = f64::from(i);
            let term = ln_beta(alpha + xf, beta + txf - xf + i) - lb_ab
                + ln_beta(gamma + 1.0, delta + txf + i)
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

    /// ln P(alive at opportunity `n + k` and the data), the common part of the
    /// predictions.
    fn ln_alive_joint(&self, x: u32, n: u32, k: u32) -> f64 {
        let (xf, nf) = (f64::from(x), f64::from(n));
        ln_beta(self.alpha + xf, self.beta + nf - xf) - ln_beta(self.alpha, self.beta)
            + ln_beta(self.gamma, self.delta + nf + f64::from(k))
            - ln_beta(self.gamma, self.delta)
    }

    /// Probability that the customer is alive at the next opportunity `n + 1` (FHS10
    /// eq. 11).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for an impossible pattern.
    pub fn probability_alive_next(&self, frequency: u32, recency: u32, periods: u32) -> Result<f64> {
        check_pattern(frequency, recency, periods)?;
        let l = self.ln_likelihood_row(frequency, recency, periods);
        Ok((self.ln_alive_joint(frequency, periods, 1) - l)
            .exp()
            .clamp(0.0, 1.0))
    }

    /// Expected transactions in the next `horizon` opportunities, `(n, n + horizon]`
    /// (FHS10 eq. 13, summed period by period so that γ = 1 needs no limit).
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
        check_pattern(frequency, recency, periods)?;
        let l = self.ln_likelihood_row(frequency, recency, periods);
        let (xf, nf) = (f64::from(frequency), f64::from(periods));
        let p_mean = (self.alpha + xf) / (self.alpha + self.beta + nf);
        let total: f64 = (1..=horizon)
            .map(|k| (self.ln_alive_joint(frequency, periods, k) - l).exp())
            .sum();
        Ok(p_mean * total)
    }

    /// Expected transactions of a new customer in the first `periods` opportunities after
    /// the initial one: `α/(α+β) Σ_{k=1}^{n} B(γ, δ+k)/B(γ, δ)` (FHS10 eq. 7).
    ///
    /// # Errors
    ///
    /// None in practice; `Result` for symmetry with the other predictions.
    pub fn expected_transactions_new(&self, periods: u32) -> Result<f64> {
        let lb = ln_beta(self.gamma, self.delta);
        let total: f64 = (1..=periods)
            .map(|k| (ln_beta(self.gamma, self.delta + f64::from(k)) - lb).exp())
            .sum();
        Ok(self.alpha / (self.alpha + self.beta) * total)
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
        let lb_ab = ln_beta(self.alpha, self.beta);
        let lb_gd = ln_beta(self.gamma, self.delta);
        let mut lp = ln_choose(nf, xf) + ln_beta(self.alpha + xf, self.beta + nf - xf) - lb_ab
            + ln_beta(self.gamma, self.delta + nf)
            - lb_gd;
        for i in x..periods {
            let i = f64::from(i);
            let term = ln_choose(i, xf) + ln_beta(self.alpha + xf, self.beta + i - xf) - lb_ab
                + ln_beta(self.gamma + 1.0, self.delta + i)
                - lb_gd;
            lp = log_add_exp(lp, term);
        }
        Ok(lp.exp().clamp(0.0, 1.0))
    }
}

struct BgBbLikelihood<'a> {
    data: &'a DiscreteSummaries,
}

impl BgBbLikelihood<'_> {
    fn value(&self, m: &BgBb) -> f64 {
        let d = self.data;
        d.frequency
            .iter()
            .zip(&d.recency)
            .zip(&d.periods)
            .zip(&d.weight)
            .map(|(((&x, &tx), &n), &w)| w * m.ln_likelihood_row(x, tx, n))
            .sum()
    }
}

impl Likelihood for BgBbLikelihood<'_> {
    const NAMES: &'static [&'static str] = &BgBb::PARAMETER_NAMES;
    const HESSIAN_STEP: f64 = 1e-3;

    fn total_weight(&self) -> f64 {
        self.data.weight.iter().sum()
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

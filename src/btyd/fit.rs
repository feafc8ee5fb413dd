//! Maximum-likelihood fitting shared by the models: options, the report, the public
//! [`Fit`] trait ("fit on rows → report"), and the harness that runs BFGS in
//! log-parameter space and takes standard errors from the Hessian.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::special::{Objective, invert_spd, minimize};

/// Settings of a maximum-likelihood fit.
///
/// The objective is the mean negative log-likelihood per customer plus
/// `penalty · Σ θᵢ²` (the L2 penalty lifetimes calls `penalizer_coef`), minimised over
/// `ln θ`.
///
/// # Examples
///
/// ```
/// use customer_value::btyd::FitOptions;
///
/// let opts = FitOptions::default().with_penalty(0.001)?;
/// assert!(opts.max_iterations > 0);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FitOptions {
    /// L2 penalty coefficient on the parameters (0 = plain maximum likelihood).
    pub penalty: f64,
    /// BFGS iteration cap; reaching it is [`Error::NonConvergence`].
    pub max_iterations: usize,
    /// Stop when the largest gradient component (per customer, log-parameters) is at most
    /// `tolerance · max(1, |objective|)`.
    pub tolerance: f64,
    /// Starting parameters in the model's order (e.g. `r, α, a, b`); `None` = the model's
    /// data-based default.
    pub start: Option<Vec<f64>>,
}

impl Default for FitOptions {
    fn default() -> Self {
        FitOptions {
            penalty: 0.0,
            max_iterations: 500,
            tolerance: 1e-8,
            start: None,
        }
    }
}

impl FitOptions {
    /// Sets the L2 penalty.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] unless `penalty` is finite and ≥ 0.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::FitOptions;
    ///
    /// assert_eq!(FitOptions::default().with_penalty(0.01)?.penalty, 0.01);
    /// assert!(FitOptions::default().with_penalty(-1.0).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn with_penalty(mut self, penalty: f64) -> Result<Self> {
        if !(penalty.is_finite() && penalty >= 0.0) {
            return Err(Error::param("penalty", penalty, "must be finite and ≥ 0"));
        }
        self.penalty = penalty;
        Ok(self)
    }

    /// Sets the starting parameters (in the model's order).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] unless every value is finite and > 0.
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
    /// // BG/NBD's order is r, alpha, a, b (`BgNbd::PARAMETER_NAMES`).
    /// let opts = FitOptions::default().with_start(&[0.5, 10.0, 0.5, 2.0])?;
    /// let fit = BgNbd::fit(&data, &opts)?;
    /// assert_eq!(fit.parameter_names, BgNbd::PARAMETER_NAMES);
    /// assert!(FitOptions::default().with_start(&[1.0, 0.0]).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn with_start(mut self, start: &[f64]) -> Result<Self> {
        if let Some(v) = start.iter().find(|v| !(v.is_finite() && **v > 0.0)) {
            return Err(Error::param(
                "start",
                v,
                "starting parameters must be finite and > 0",
            ));
        }
        self.start = Some(start.to_vec());
        Ok(self)
    }

    fn validate(&self) -> Result<()> {
        if !(self.penalty.is_finite() && self.penalty >= 0.0) {
            return Err(Error::param("penalty", self.penalty, "must be finite and ≥ 0"));
        }
        if !(self.tolerance.is_finite() && self.tolerance > 0.0) {
            return Err(Error::param(
                "tolerance",
                self.tolerance,
                "must be finite and > 0",
            ));
        }
        Ok(())
    }
}

/// How a successful fit stopped.
///
/// # Examples
///
/// ```
/// use customer_value::btyd::{BgNbd, Convergence, FitOptions, WeightedSummaries};
///
/// let data = WeightedSummaries::from_rows(
///     &[0.0, 1.0, 3.0, 0.0, 2.0, 5.0, 1.0, 0.0],
///     &[0.0, 10.0, 30.0, 0.0, 12.0, 35.0, 2.0, 0.0],
///     &[40.0, 40.0, 40.0, 38.0, 39.0, 40.0, 41.0, 37.0],
/// )?;
/// let fit = BgNbd::fit(&data, &FitOptions::default())?;
/// // Either way the fit converged: a failed fit is an error, not a report.
/// assert!(matches!(fit.convergence, Convergence::Gradient | Convergence::PrecisionLimited));
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Convergence {
    /// The gradient fell below the tolerance.
    Gradient,
    /// Rounding stopped the line search within 1000× the tolerance: a stationary point to
    /// the precision the likelihood is computed with.
    PrecisionLimited,
}

/// The result of a maximum-likelihood fit. A fit that did not converge is an error, so a
/// report always describes a converged fit.
///
/// # Examples
///
/// BG/NBD on the CDNOW sample (2,357 customers, weeks), against Fader, Hardie & Lee
/// (2005): r 0.243, α 4.414, a 0.793, b 2.426, log-likelihood −9582.43; standard errors as
/// lifetimes reports them (r 0.0126, α 0.378, a 0.186, b 0.705).
///
/// ```
/// use customer_value::btyd::{BgNbd, FitOptions, WeightedSummaries};
///
/// let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/cdnow_sample_summary.csv"))?;
/// let (mut x, mut tx, mut t) = (Vec::new(), Vec::new(), Vec::new());
/// for line in text.lines().skip(1) {
///     let f: Vec<f64> = line.split(',').map(|v| v.parse().unwrap()).collect();
///     (x.push(f[1]), tx.push(f[2]), t.push(f[3]));
/// }
/// let data = WeightedSummaries::from_rows(&x, &tx, &t)?;
/// let fit = BgNbd::fit(&data, &FitOptions::default())?;
/// assert_eq!(fit.parameter_names, ["r", "alpha", "a", "b"]);
/// assert_eq!(fit.estimates, [fit.model.r(), fit.model.alpha(), fit.model.a(), fit.model.b()]);
/// for (got, paper) in fit.estimates.iter().zip([0.243, 4.414, 0.793, 2.426]) {
///     assert!((got - paper).abs() < 5e-4);
/// }
/// assert!((fit.log_likelihood + 9582.429).abs() < 1e-2);
/// let se = fit.standard_errors.as_deref().unwrap();
/// for (got, lifetimes) in se.iter().zip([0.012557, 0.378221, 0.185719, 0.705345]) {
///     assert!((got / lifetimes - 1.0).abs() < 0.01);
/// }
/// // Customers (Σ weights) and the distinct (x, t_x, T) rows the likelihood summed over.
/// assert_eq!((fit.customers, fit.distinct_rows), (2357.0, 1016));
/// assert!(fit.boundary.is_empty()); // an interior optimum
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[must_use]
pub struct FitReport<M> {
    /// The fitted model.
    pub model: M,
    /// Parameter names, in the order of `estimates` and `standard_errors`.
    pub parameter_names: Vec<String>,
    /// The estimates, in that order.
    pub estimates: Vec<f64>,
    /// Standard errors from the inverse Hessian of the (penalised) negative log-likelihood
    /// at the estimate; `None` if that Hessian is not positive definite.
    pub standard_errors: Option<Vec<f64>>,
    /// Total log-likelihood over all customers (without the penalty).
    pub log_likelihood: f64,
    /// BFGS iterations.
    pub iterations: usize,
    /// Largest gradient component at the end (mean objective, log-parameters).
    pub gradient_norm: f64,
    /// How the fit stopped.
    pub convergence: Convergence,
    /// Customers fitted (Σ weights).
    pub customers: f64,
    /// Distinct `(x, t_x, T)` rows the likelihood was evaluated on.
    pub distinct_rows: usize,
    /// Directions in which the likelihood stays flat to the edge of the parameter space
    /// (a parameter, or two together, running to 0 or ∞): the data are fitted as well by
    /// a limiting model, and the estimates of those parameters are only where the
    /// optimiser stopped. Empty for an interior optimum. Checked when a standard error is
    /// missing or larger than its estimate.
    #[serde(default)]
    pub boundary: Vec<Boundary>,
}

/// Where a boundary direction leads.
///
/// # Examples
///
/// ```
/// use customer_value::btyd::{Boundary, Limit};
///
/// let b = Boundary { parameters: vec![("a".into(), Limit::Zero)], limiting_model: None };
/// assert_eq!(b.to_string(), "a → 0");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Limit {
    /// The parameter runs to infinity.
    Infinity,
    /// The parameter runs to zero.
    Zero,
}

/// One direction of [`FitReport::boundary`]: parameters that can be moved a thousandfold
/// (together, in the stated directions) without lowering the log-likelihood by more than
/// the fit can tell apart.
///
/// # Examples
///
/// ```
/// use customer_value::btyd::{Boundary, Limit};
///
/// let b = Boundary {
///     parameters: vec![("s".into(), Limit::Infinity), ("beta".into(), Limit::Infinity)],
///     limiting_model: Some("exponential dropout with one rate for all, mu = s / beta".into()),
/// };
/// assert_eq!(b.to_string(), "s → ∞, beta → ∞ (exponential dropout with one rate for all, mu = s / beta)");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Boundary {
    /// The parameters and where each runs.
    pub parameters: Vec<(String, Limit)>,
    /// The model the limit is, when the model knows it.
    pub limiting_model: Option<String>,
}

impl std::fmt::Display for Boundary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, (name, limit)) in self.parameters.iter().enumerate() {
            let to = match limit {
                Limit::Infinity => "∞",
                Limit::Zero => "0",
            };
            write!(f, "{}{name} → {to}", if i > 0 { ", " } else { "" })?;
        }
        if let Some(m) = &self.limiting_model {
            write!(f, " ({m})")?;
        }
        Ok(())
    }
}

impl<M> FitReport<M> {
    /// The standard error of the named parameter, if available.
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
    /// // `Some` exactly when the Hessian gave standard errors; unknown names give `None`.
    /// assert_eq!(fit.standard_error("r").is_some(), fit.standard_errors.is_some());
    /// assert_eq!(fit.standard_error("no such parameter"), None);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn standard_error(&self, name: &str) -> Option<f64> {
        let i = self.parameter_names.iter().position(|n| n == name)?;
        self.standard_errors.as_ref()?.get(i).copied()
    }
}

/// A model fitted by maximum likelihood on its rows: `data` in, a [`FitReport`] out.
///
/// [`TransactionModel`](super::TransactionModel) says what a fitted model predicts; `Fit`
/// says how one is fitted, so that code can fit "some model" without naming it (choose by
/// log-likelihood, refit on bootstrap samples, compare). Every model the crate fits by
/// maximum likelihood implements it, on its own data type: [`BgNbd`](super::BgNbd),
/// [`MbgNbd`](super::MbgNbd), [`ParetoNbd`](super::ParetoNbd) and
/// [`GgomNbd`](super::GgomNbd) on [`WeightedSummaries`](super::WeightedSummaries),
/// [`BgBb`](super::BgBb) on [`DiscreteSummaries`](super::DiscreteSummaries),
/// [`GammaGamma`](super::GammaGamma) on [`SpendSummaries`](super::SpendSummaries). Each
/// model's inherent `Model::fit` is the same function (its docs say how it starts and when
/// it gives up).
///
/// A model of one's own implements it too (the trait is open). `Fit` is not object-safe:
/// it makes the model, so there is no value to dispatch on; generic code takes `M: Fit`.
///
/// # Errors
///
/// A fit that does not converge is [`Error::NonConvergence`], never a report of a model
/// at its start values; data that cannot identify the parameters
/// [`Error::NotIdentifiable`]; bad options [`Error::InvalidParameter`].
///
/// # Examples
///
/// ```
/// use customer_value::btyd::{BgNbd, Fit, FitOptions, MbgNbd, ParetoNbd, WeightedSummaries};
///
/// /// One line per fit: the code is the same for every model.
/// fn fit_and_report<M: Fit>(name: &str, data: &M::Data) -> customer_value::Result<(f64, String)> {
///     let fit = M::fit(data, &FitOptions::default().with_penalty(0.001)?)?;
///     let params: Vec<String> = fit
///         .parameter_names
///         .iter()
///         .zip(&fit.estimates)
///         .map(|(n, v)| format!("{n} = {v:.3}"))
///         .collect();
///     Ok((fit.log_likelihood, format!("{name}: LL {:.2}, {}", fit.log_likelihood, params.join(", "))))
/// }
///
/// let data = WeightedSummaries::from_rows(
///     &[0.0, 1.0, 3.0, 0.0, 2.0, 5.0, 1.0, 0.0, 4.0, 2.0],
///     &[0.0, 10.0, 30.0, 0.0, 12.0, 35.0, 2.0, 0.0, 38.0, 20.0],
///     &[40.0, 40.0, 40.0, 38.0, 39.0, 40.0, 41.0, 37.0, 40.0, 39.0],
/// )?;
/// let reports = [
///     fit_and_report::<BgNbd>("BG/NBD", &data)?,
///     fit_and_report::<MbgNbd>("MBG/NBD", &data)?,
///     fit_and_report::<ParetoNbd>("Pareto/NBD", &data)?,
/// ];
/// for (ll, line) in &reports {
///     assert!(*ll < 0.0 && line.contains("r = "));
/// }
/// // The trait's fit is the model's own.
/// let direct = BgNbd::fit(&data, &FitOptions::default().with_penalty(0.001)?)?;
/// assert_eq!(reports[0].0.to_bits(), direct.log_likelihood.to_bits());
/// # Ok::<(), customer_value::Error>(())
/// ```
pub trait Fit: Sized {
    /// The rows the model is fitted on.
    type Data;
    /// The maximum-likelihood fit of `data` under `options`.
    ///
    /// # Errors
    ///
    /// See [the trait](Fit#errors).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::{Fit, FitOptions, GammaGamma, SpendSummaries};
    ///
    /// let data = SpendSummaries::from_rows(&[1.0, 2.0, 3.0, 1.0, 5.0], &[20.0, 35.5, 18.0, 60.0, 28.0])?;
    /// let fit = <GammaGamma as Fit>::fit(&data, &FitOptions::default())?;
    /// assert_eq!(fit.parameter_names, GammaGamma::PARAMETER_NAMES);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    fn fit(data: &Self::Data, options: &FitOptions) -> Result<FitReport<Self>>;
}

/// What a model provides to the harness.
pub(crate) trait Likelihood {
    /// Parameter names in order.
    const NAMES: &'static [&'static str];
    /// Total weighted log-likelihood at `theta` (natural scale), writing its gradient
    /// with respect to `theta` into `grad`. Non-finite means "outside the domain".
    fn ll_grad(&self, theta: &[f64], grad: &mut [f64]) -> f64;
    /// Total weight.
    fn total_weight(&self) -> f64;
    /// Relative step of the finite-difference Hessian (larger when the gradient itself is
    /// numerical, so that its noise does not dominate).
    const HESSIAN_STEP: f64 = 1e-5;
    /// The model a boundary direction leads to, by parameter indices and limits (`None`:
    /// not named).
    fn limiting_model(moves: &[(usize, Limit)]) -> Option<&'static str> {
        let _ = moves;
        None
    }
}

/// The total log-likelihood of `lik` at `theta`, an [`Error::Undefined`] of `what` when it
/// is not finite (what the models' `total_log_likelihood` return).
pub(crate) fn total_log_likelihood(lik: &impl Likelihood, theta: &[f64], what: &'static str) -> Result<f64> {
    let mut grad = vec![0.0; theta.len()];
    super::finite_log_likelihood(lik.ll_grad(theta, &mut grad), what)
}

/// [`Likelihood::limiting_model`] of a purchase model whose parameters 0, 1 are the
/// purchase heterogeneity pair and 2, 3 the dropout pair (BG/NBD, MBG/NBD, Pareto/NBD,
/// BG/BB): both of a pair to ∞ is one value for all (`one_purchase`, `one_dropout`); the
/// dropout's second parameter to ∞, or its first to 0, is no dropout (`no_dropout`).
pub(crate) fn paired_limit(
    moves: &[(usize, Limit)],
    one_purchase: &'static str,
    one_dropout: &'static str,
    no_dropout: &'static str,
) -> Option<&'static str> {
    match moves {
        [(0, Limit::Infinity), (1, Limit::Infinity)] => Some(one_purchase),
        [(2, Limit::Infinity), (3, Limit::Infinity)] => Some(one_dropout),
        [(3, Limit::Infinity)] | [(2, Limit::Zero)] => Some(no_dropout),
        _ => None,
    }
}

/// How a minimisation that stopped at gradient norm `grad_norm` with objective `value`
/// converged, for the tolerance `tolerance · max(1, |value|)`.
pub(crate) fn convergence(grad_norm: f64, value: f64, tolerance: f64) -> Convergence {
    if grad_norm <= tolerance * value.abs().max(1.0) {
        Convergence::Gradient
    } else {
        Convergence::PrecisionLimited
    }
}

struct LogSpace<'a, L: Likelihood> {
    lik: &'a L,
    penalty: f64,
    n: f64,
}

impl<L: Likelihood> Objective for LogSpace<'_, L> {
    fn value_grad(&self, x: &[f64], grad: &mut [f64]) -> f64 {
        let theta: Vec<f64> = x.iter().map(|v| v.exp()).collect();
        let ll = self.lik.ll_grad(&theta, grad);
        let mut f = -ll / self.n;
        for ((g, t), _) in grad.iter_mut().zip(&theta).zip(x) {
            // d/d ln θ = θ d/dθ; the penalty adds 2 λ θ².
            *g = -*g / self.n * t + 2.0 * self.penalty * t * t;
            f += self.penalty * t * t;
        }
        if f.is_finite() { f } else { f64::INFINITY }
    }
}

/// The error for a parameter vector whose length is not the model's parameter count (the
/// fit always hands the builders the model's own count, so their fallback arm never runs).
pub(crate) fn wrong_parameter_count(name: &'static str, values: &[f64]) -> Error {
    Error::param(name, format!("{values:?}"), "needs one value per model parameter")
}

/// [`fit`] from `start`, and once more from `fallback` when that does not converge and the
/// caller set no start of their own (the two-start rule of the transaction models).
pub(crate) fn fit_with_fallback<L: Likelihood, M>(
    lik: &L,
    start: &[f64],
    fallback: &[f64],
    opts: &FitOptions,
    distinct_rows: usize,
    build: impl Fn(&[f64]) -> Result<M>,
) -> Result<FitReport<M>> {
    match fit(lik, start, opts, distinct_rows, &build) {
        Err(Error::NonConvergence { .. }) if opts.start.is_none() => {
            fit(lik, fallback, opts, distinct_rows, build)
        }
        other => other,
    }
}

/// Fits by BFGS over `ln θ` from `start`, then takes standard errors from a central
/// finite-difference Hessian of the analytic gradient.
pub(crate) fn fit<L: Likelihood, M>(
    lik: &L,
    start: &[f64],
    opts: &FitOptions,
    distinct_rows: usize,
    build: impl Fn(&[f64]) -> Result<M>,
) -> Result<FitReport<M>> {
    opts.validate()?;
    let start = match &opts.start {
        Some(s) if s.len() == L::NAMES.len() => s.clone(),
        Some(s) => return Err(wrong_parameter_count("start", s)),
        None => start.to_vec(),
    };
    let n = lik.total_weight();
    let obj = LogSpace {
        lik,
        penalty: opts.penalty,
        n,
    };
    let x0: Vec<f64> = start.iter().map(|v| v.ln()).collect();
    let min = minimize(&obj, &x0, opts.tolerance, opts.max_iterations)?;
    if min.iterations == 0 && opts.start.is_none() {
        // Never a model at its default start values: a likelihood flat there says the
        // data do not move the parameters (a fallback start may still).
        return Err(Error::NonConvergence {
            what: "maximum-likelihood fit",
            iterations: 0,
            detail:
                "the gradient vanished at the start values: the data do not determine the parameters there"
                    .to_owned(),
        });
    }
    let theta: Vec<f64> = min.x.iter().map(|v| v.exp()).collect();
    let model = build(&theta)?;
    let mut grad = vec![0.0; theta.len()];
    let log_likelihood = lik.ll_grad(&theta, &mut grad);
    if !log_likelihood.is_finite() {
        return Err(Error::NonConvergence {
            what: "maximum-likelihood fit",
            iterations: min.iterations,
            detail: format!("the log-likelihood at the estimate {theta:?} is not finite"),
        });
    }
    let standard_errors = standard_errors(lik, &theta, opts.penalty);
    let weak = standard_errors
        .as_ref()
        .is_none_or(|se| se.iter().zip(&theta).any(|(s, t)| *s > *t));
    // A parameter that travelled a factor of 10 or more from its start may be on its way
    // to a limit the optimiser stopped short of.
    let far = theta
        .iter()
        .zip(&start)
        .any(|(t, s)| (t / s).ln().abs() > std::f64::consts::LN_10);
    let boundary = if weak || far {
        boundary_directions(lik, &start, &theta, log_likelihood)
    } else {
        Vec::new()
    };
    Ok(FitReport {
        model,
        parameter_names: L::NAMES.iter().map(|s| (*s).to_owned()).collect(),
        estimates: theta,
        standard_errors,
        log_likelihood,
        iterations: min.iterations,
        gradient_norm: min.grad_norm,
        convergence: convergence(min.grad_norm, min.value, opts.tolerance),
        customers: n,
        distinct_rows,
        boundary,
    })
}

/// How far a boundary probe moves each parameter (a factor of 1000, in log space).
const BOUNDARY_STEP: f64 = 6.907_755_278_982_137;

/// The directions of [`FitReport::boundary`] at the estimate `theta` (log-likelihood
/// `ll`), reached from `start`: each parameter alone, then each pair whose members are not
/// flat alone, moved a thousandfold along the way the optimiser travelled (a parameter
/// that grew from its start towards ∞, one that shrank towards 0) or back the opposite
/// way. A move that keeps the log-likelihood within `max(0.01, 1e-10 |ll|)` of `ll` (or
/// raises it) is flat: a plateau reaching that far means the optimum lies at the limit,
/// whatever finite point the optimiser stopped at. (Both ways are probed because the
/// likelihood far out towards the limit may be less accurate than the plateau is flat.)
fn boundary_directions<L: Likelihood>(lik: &L, start: &[f64], theta: &[f64], ll: f64) -> Vec<Boundary> {
    let k = theta.len();
    let tolerance = (1e-10 * ll.abs()).max(0.01);
    let mut grad = vec![0.0; k];
    let mut moved = vec![0.0; k];
    let travel: Vec<Limit> = theta
        .iter()
        .zip(start)
        .map(|(t, s)| if t >= s { Limit::Infinity } else { Limit::Zero })
        .collect();
    // Flat along the travel (`sign` = 1) or against it (`sign` = −1).
    let mut flat = |params: &[usize], sign: f64| {
        moved.copy_from_slice(theta);
        for &i in params {
            let step = match travel.get(i) {
                Some(Limit::Zero) => -BOUNDARY_STEP,
                _ => BOUNDARY_STEP,
            };
            if let Some(v) = moved.get_mut(i) {
                *v *= (sign * step).exp();
            }
        }
        let l = lik.ll_grad(&moved, &mut grad);
        l.is_finite() && l >= ll - tolerance
    };
    let mut found: Vec<Vec<usize>> = Vec::new();
    for i in 0..k {
        if flat(&[i], 1.0) || flat(&[i], -1.0) {
            found.push(vec![i]);
        }
    }
    let alone = |i: usize, found: &[Vec<usize>]| found.iter().any(|m| m.as_slice() == [i]);
    for i in 0..k {
        for j in i + 1..k {
            if !alone(i, &found) && !alone(j, &found) && (flat(&[i, j], 1.0) || flat(&[i, j], -1.0)) {
                found.push(vec![i, j]);
            }
        }
    }
    let found: Vec<Vec<(usize, Limit)>> = found
        .into_iter()
        .map(|params| {
            params
                .into_iter()
                .map(|i| (i, travel.get(i).copied().unwrap_or(Limit::Infinity)))
                .collect()
        })
        .collect();
    found
        .into_iter()
        .map(|moves| Boundary {
            parameters: moves
                .iter()
                .map(|&(i, limit)| (L::NAMES.get(i).copied().unwrap_or("?").to_owned(), limit))
                .collect(),
            limiting_model: L::limiting_model(&moves).map(str::to_owned),
        })
        .collect()
}

/// √diag(H⁻¹) with H the Hessian of −LL + N λ Σθ² in θ, by central differences of the
/// analytic gradient.
pub(crate) fn standard_errors<L: Likelihood>(lik: &L, theta: &[f64], penalty: f64) -> Option<Vec<f64>> {
    let k = theta.len();
    let n = lik.total_weight();
    // Row j of `ht` is column j of H: the central difference of the gradient along θ_j.
    let mut ht = vec![0.0; k * k];
    let mut tp = vec![0.0; k];
    let mut tm = vec![0.0; k];
    let mut gp = vec![0.0; k];
    let mut gm = vec![0.0; k];
    for (j, (ht_j, &theta_j)) in ht.chunks_exact_mut(k.max(1)).zip(theta).enumerate() {
        let step = L::HESSIAN_STEP * theta_j;
        perturb(theta, j, step, &mut tp);
        perturb(theta, j, -step, &mut tm);
        lik.ll_grad(&tp, &mut gp);
        lik.ll_grad(&tm, &mut gm);
        for (i, (h_ij, (p, m))) in ht_j.iter_mut().zip(gp.iter().zip(&gm)).enumerate() {
            *h_ij = -(p - m) / (2.0 * step);
            if i == j {
                *h_ij += 2.0 * n * penalty;
            }
        }
    }
    let h = symmetrized(&ht, k);
    let inv = invert_spd(&h, k)?;
    // The diagonal of a k × k row-major matrix is every (k + 1)-th entry from the first.
    let se: Vec<f64> = inv.iter().step_by(k + 1).map(|v| v.sqrt()).collect();
    se.iter().all(|v| v.is_finite()).then_some(se)
}

/// `out ← θ` with `delta` added to coordinate `j`.
fn perturb(theta: &[f64], j: usize, delta: f64, out: &mut [f64]) {
    for (i, (o, &t)) in out.iter_mut().zip(theta).enumerate() {
        *o = if i == j { t + delta } else { t };
    }
}

/// (M + Mᵀ)/2 off the diagonal, M's own diagonal on it, for a row-major `k × k` matrix.
fn symmetrized(m: &[f64], k: usize) -> Vec<f64> {
    let mut out = vec![0.0; m.len()];
    let width = k.max(1);
    for (i, (out_i, m_i)) in out.chunks_exact_mut(width).zip(m.chunks_exact(width)).enumerate() {
        // Column i of M, top to bottom, pairs M[i][j] with M[j][i].
        let m_col_i = m.iter().skip(i).step_by(width);
        for (j, (o, (&a, &b))) in out_i.iter_mut().zip(m_i.iter().zip(m_col_i)).enumerate() {
            *o = if i == j { a } else { 0.5 * (a + b) };
        }
    }
    out
}

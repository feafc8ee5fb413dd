//! Buy-till-you-die models of non-contractual purchasing, fitted by maximum likelihood,
//! with the predictions CLV needs.
//!
//! | model | file | parameters | source |
//! |---|---|---|---|
//! | [`BgNbd`] | `bg_nbd.rs` | r, α, a, b | Fader, Hardie & Lee (2005), *Marketing Science* |
//! | [`ParetoNbd`] | `pareto_nbd.rs` | r, α, s, β | Schmittlein, Morrison & Colombo (1987); Fader & Hardie (2005) note |
//! | [`MbgNbd`] | `mbg_nbd.rs` | r, α, a, b | Batislam, Denizel & Filiztekin (2007), *IJRM* |
//! | [`BgBb`] (discrete time) | `bg_bb.rs` | α, β, γ, δ | Fader, Hardie & Shang (2010), *Marketing Science* |
//! | [`GgomNbd`] | `ggom_nbd.rs` | r, α, b, s, β | Bemmaor & Glady (2012), *Management Science* |
//! | [`GammaGamma`] (spend) | `gamma_gamma.rs` | p, q, γ | Fader, Hardie & Lee (2005), *JMR*; Fader & Hardie (2013) note |
//!
//! Data flow: [`SummaryColumns`](crate::SummaryColumns) (or raw slices) →
//! [`WeightedSummaries`] (validated, identical rows merged: a million customers cost what
//! their distinct `(x, t_x, T)` cost) → `Model::fit` → [`FitReport`] (estimates, standard
//! errors from the Hessian, log-likelihood, iterations, how it converged; a fit that does
//! not converge is an [`Error::NonConvergence`], never a model at its start values) →
//! predictions per customer or in bulk through the [`TransactionModel`] trait, which
//! [`expected_clv`], [`cumulative_expected_repeat_transactions`] and other modules take as
//! `&dyn TransactionModel`. A model of one's own implements the trait and is checked by
//! [`check_transaction_model`].
//!
//! Times are in whatever unit the summaries were built in (the CDNOW papers use weeks); a
//! model fitted in weeks predicts for horizons in weeks, and [`ClvSpec`] and
//! [`DiscountRate`] say their units explicitly. Parameters are plain serde data,
//! validated when built or loaded.
//!
//! # Accuracy
//!
//! Likelihoods are evaluated in log space; the Pareto/NBD and BG/NBD expressions use a
//! Gauss hypergeometric ₂F₁ checked against 1,400 high-precision values, and where BG/NBD's
//! closed form is singular (a = 1, a + b + x = 1) or its ₂F₁ cannot be summed, the
//! expectation is integrated over the dropout probability instead. Every published CDNOW
//! and donations value the crate's tests assert is reproduced to 1e-3 relative or better
//! (log-likelihoods to 0.01).

#[cfg(feature = "bayes")]
#[cfg_attr(docsrs, doc(cfg(feature = "bayes")))]
pub mod bayes;
mod beta_geometric;
mod bg_bb;
mod bg_nbd;
mod clv;
pub(crate) mod coefficient_fit;
mod conformance;
pub mod covariates;
mod data;
mod fit;
#[cfg(test)]
mod fit_example;
mod gamma_gamma;
mod ggom_nbd;
mod history;
mod holdout;
mod mbg_nbd;
mod params;
mod pareto_nbd;
mod pareto_nbd_likelihood;
mod saved;
mod survival;
mod tracking;
pub mod uncertainty;

pub use bg_bb::{BgBb, BgBbParams, DiscreteSummaries};
pub use bg_nbd::{BgNbd, BgNbdParams};
#[allow(deprecated)]
pub use clv::clv;
pub(crate) use clv::group_by_frequency_age;
pub use clv::{ClvSpec, DiscountRate, Margin, clv_batch, expected_clv};
pub use conformance::check_transaction_model;
pub use data::{SummarySlices, WeightedSummaries};
pub use fit::{Boundary, Convergence, Fit, FitOptions, FitReport, Limit};
pub use gamma_gamma::{GammaGamma, GammaGammaParams, SpendSummaries};
pub use ggom_nbd::{GgomNbd, GgomNbdParams};
pub use history::History;
pub use holdout::{FrequencyBin, HoldoutEvaluation, HoldoutRow, RecencyBin};
pub use mbg_nbd::{MbgNbd, MbgNbdParams};
pub use pareto_nbd::{ParetoNbd, ParetoNbdParams};
pub use saved::{AnySavedModel, SAVED_COVARIATE_FORMAT, SAVED_MODEL_FORMAT, SavedForm, SavedModel};
pub use survival::{MAX_SURVIVAL_PERIODS, survival_curve};
pub use tracking::{
    MAX_TRACKING_EVALUATIONS, MAX_TRACKING_PAIRS, births_from_ages, cumulative_expected_repeat_transactions,
};
pub use tracking::{Tracking, TrackingPoint, TrackingStep, incremental_expected_repeat_transactions};

use crate::error::{Error, Result};
use crate::time::TimeUnit;

/// What a fitted transaction (purchase-count) model predicts. Object-safe: CLV, DERT,
/// tracking and survival curves take `&dyn TransactionModel`; its
/// P(alive) feeds churn flags ([`churn::rank_at_risk`](crate::churn::rank_at_risk)) and
/// segments. A model of one's own plugs in by implementing the four required
/// per-customer methods.
///
/// **The way in is the typed `*_for` methods**, which take a validated [`History`]
/// (`probability_alive_for`, `expected_purchases_for`, `dert_for`, …): a history is checked
/// once when built and its fields cannot be swapped silently. The positional methods
/// `(t, frequency, recency, age)` they call are what an implementation provides, and stay
/// for callers that hold raw columns; the `*_batch` methods over [`SummarySlices`] are the
/// fast path for many customers.
///
/// Contract (checked for the built-in models by the crate's property tests, and for any
/// implementation by [`check_transaction_model`]): probabilities
/// are in `[0, 1]`; expectations are finite, ≥ 0 and non-decreasing in the horizon `t`; bad
/// summaries (`t_x > T`, `x = 0` with `t_x ≠ 0`, negative or non-finite values) are errors,
/// never NaN. Horizons are in the model's time unit.
///
/// # Examples
///
/// ```
/// use customer_value::btyd::{BgNbd, History, SummarySlices, TransactionModel};
///
/// let model: Box<dyn TransactionModel> = Box::new(BgNbd::new(0.2425945, 4.4136019, 0.7929199, 2.4258881)?);
/// let customer = History::new(2, 30.43, 38.86)?;
/// assert!(model.probability_alive_for(customer)? < 1.0);
/// // Many customers at once: the batch path over columns.
/// let rows = SummarySlices::new(&[2.0, 0.0], &[30.43, 0.0], &[38.86, 38.86])?;
/// let alive = model.probability_alive_batch(rows)?;
/// assert!(alive[0] < 1.0 && alive[1] == 1.0);
/// # Ok::<(), customer_value::Error>(())
/// ```
pub trait TransactionModel: std::fmt::Debug + Send + Sync {
    /// A short name (`"bgnbd"`, `"pnbd"`, …).
    fn name(&self) -> &'static str;

    /// Parameters by name, in the model's order.
    fn parameters(&self) -> Vec<(&'static str, f64)>;

    /// The time unit the parameters are in, when the model knows it (fits record the unit
    /// of their summaries). [`expected_clv`] and [`clv_batch`] then convert a [`ClvSpec`] in
    /// another unit exactly, and [`dert`](Self::dert) refuses a different unit. `None`
    /// (the default, and models built by `new` without a unit): times are taken to be in
    /// the caller's unit.
    fn unit(&self) -> Option<TimeUnit> {
        None
    }

    /// Expected purchases in `(0, t]` of a customer just acquired, `E[X(t)]`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for a negative or non-finite `t`; a numerical failure
    /// ([`Error::NonConvergence`], [`Error::Undefined`]) rather than a wrong number.
    fn expected_purchases_new(&self, t: f64) -> Result<f64>;

    /// Expected purchases in `(T, T + t]` of a customer with summary `(x, t_x, T)`.
    ///
    /// # Errors
    ///
    /// As [`expected_purchases_new`](Self::expected_purchases_new), plus
    /// [`Error::InvalidParameter`] for an invalid summary.
    fn expected_purchases(&self, t: f64, frequency: f64, recency: f64, age: f64) -> Result<f64>;

    /// Probability that the customer is still active at `T`. Under BG/NBD it is 1 for a
    /// customer without repeat purchases (`x = 0`), by the model's design: see
    /// [`BgNbd`](crate::btyd::BgNbd#palive-of-a-customer-without-repeat-purchases-is-1).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for an invalid summary.
    fn probability_alive(&self, frequency: f64, recency: f64, age: f64) -> Result<f64>;

    /// Probability that the customer is still active at `T + t` (`t = 0`: now).
    ///
    /// Provided so that models without a closed form stay implementable; the default is
    /// [`Error::Undefined`]. The built-in models all override it.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for an invalid summary or horizon; the default
    /// implementation's [`Error::Undefined`].
    fn probability_alive_at(&self, t: f64, frequency: f64, recency: f64, age: f64) -> Result<f64> {
        let _ = (t, frequency, recency, age);
        Err(Error::Undefined {
            what: "P(alive at T + t)",
            reason: format!("not provided by the {} model", self.name()),
        })
    }

    /// The customer's log-likelihood.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for an invalid summary.
    fn log_likelihood(&self, frequency: f64, recency: f64, age: f64) -> Result<f64>;

    /// [`expected_purchases`](Self::expected_purchases) at several horizons for one
    /// customer (CLV's cumulative curve). Models override it when the dependence on the
    /// customer factors out (Pareto/NBD: P(alive) once, then a closed form in `t`).
    ///
    /// # Errors
    ///
    /// As [`expected_purchases`](Self::expected_purchases).
    fn expected_purchases_curve(
        &self,
        times: &[f64],
        frequency: f64,
        recency: f64,
        age: f64,
    ) -> Result<Vec<f64>> {
        times
            .iter()
            .map(|&t| self.expected_purchases(t, frequency, recency, age))
            .collect()
    }

    /// `E[Y(t) | alive at T]` at several horizons, for models whose conditional expectation
    /// factors as `P(alive at T) · E[Y(t) | alive at T]` with the second factor free of the
    /// recency `t_x` (every built-in model). [`clv_batch`] then computes
    /// one discounted curve per distinct `(x, T)` instead of one per distinct
    /// `(x, t_x, T)`, and multiplies by each customer's P(alive). `None`, the default,
    /// means "does not factor".
    ///
    /// # Errors
    ///
    /// Inside the `Some`: as [`expected_purchases`](Self::expected_purchases).
    fn expected_if_alive_curve(&self, times: &[f64], frequency: f64, age: f64) -> Option<Result<Vec<f64>>> {
        let _ = (times, frequency, age);
        None
    }

    /// [`expected_if_alive_curve`](Self::expected_if_alive_curve) for each `(x, T)` of
    /// `pairs`, in their order; `None` when the model does not factor. The default calls
    /// it once per pair; BG/NBD and Pareto/NBD share between pairs the work that depends
    /// on `T` alone (pairs sorted by `T` share the most), with the per-pair values bit
    /// for bit. [`score`](crate::score::score) takes its curves from here.
    ///
    /// # Errors
    ///
    /// Inside the `Some`, per pair: as
    /// [`expected_if_alive_curve`](Self::expected_if_alive_curve).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::{BgNbd, TransactionModel};
    ///
    /// let m = BgNbd::new(0.2425945, 4.4136019, 0.7929199, 2.4258881)?;
    /// let times = [13.0, 26.0, 52.0];
    /// let pairs = [(0.0, 30.0), (2.0, 30.0), (2.0, 38.86)];
    /// let curves = m.expected_if_alive_curves(&times, &pairs).expect("BG/NBD factors");
    /// for (curve, &(x, age)) in curves.iter().zip(&pairs) {
    ///     let one = m.expected_if_alive_curve(&times, x, age).expect("factors")?;
    ///     assert_eq!(curve.as_ref().unwrap(), &one);
    /// }
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    fn expected_if_alive_curves(&self, times: &[f64], pairs: &[(f64, f64)]) -> Option<Vec<Result<Vec<f64>>>> {
        pairs
            .iter()
            .map(|&(x, age)| self.expected_if_alive_curve(times, x, age))
            .collect()
    }

    /// `P(alive at T + t | alive at T)`, for models whose
    /// [`probability_alive_at`](Self::probability_alive_at) factors as
    /// `P(alive at T) · P(alive at T + t | alive at T)` with the second factor free of the
    /// recency `t_x` (BG/NBD, MBG/NBD, Pareto/NBD): [`score`](crate::score::score) then
    /// computes it once per distinct `(x, T)` and multiplies by each customer's P(alive).
    /// `None`, the default, means "does not factor".
    ///
    /// # Errors
    ///
    /// Inside the `Some`: as [`probability_alive_at`](Self::probability_alive_at).
    fn survival_if_alive(&self, t: f64, frequency: f64, age: f64) -> Option<Result<f64>> {
        let _ = (t, frequency, age);
        None
    }

    /// Discounted expected residual transactions: the present value of all future
    /// purchases, `DERT = ∫₀^∞ e^{−δτ} dE[Y(τ)] = ∫₀¹ E[Y(−ln v / δ)] dv` with `δ` the
    /// continuous rate of `discount` per `unit` (the model's time unit). The default
    /// integrates the conditional expectation by tanh-sinh quadrature; models with a
    /// closed form override it (Pareto/NBD: Fader, Hardie & Lee 2005, *JMR*). Multiply by
    /// the margin per purchase for a lifetime value without horizon.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for a zero discount rate (DERT may be infinite) or an
    /// invalid summary; [`Error::NonConvergence`] if the quadrature does not settle, or
    /// when the default implementation has spent its work budget (one second of
    /// integrand evaluations per customer, [`DERT_TIME_BUDGET`]) at extreme parameters;
    /// the model's own errors.
    fn dert(
        &self,
        discount: DiscountRate,
        unit: TimeUnit,
        frequency: f64,
        recency: f64,
        age: f64,
    ) -> Result<f64> {
        check_model_unit(self.unit(), unit)?;
        let delta = dert_rate(discount, unit)?;
        self.probability_alive(frequency, recency, age)?;
        let failure = std::cell::RefCell::new(None);
        let start = std::time::Instant::now();
        let evaluations = std::cell::Cell::new(0_usize);
        let v = crate::special::integrate_unit(
            |v, q| {
                if failure.borrow().is_some() {
                    return f64::NAN;
                }
                evaluations.set(evaluations.get() + 1);
                if start.elapsed() > DERT_TIME_BUDGET {
                    failure.replace(Some(Error::NonConvergence {
                        what: "DERT quadrature",
                        iterations: evaluations.get(),
                        detail: format!("work budget of {DERT_TIME_BUDGET:?} exhausted"),
                    }));
                    return f64::NAN;
                }
                // −ln v, accurate near v = 1 through q = 1 − v.
                let l = if v > 0.5 { -(-q).ln_1p() } else { -v.ln() };
                match self.expected_purchases(l / delta, frequency, recency, age) {
                    Ok(e) => e,
                    Err(e) => {
                        failure.replace(Some(e));
                        f64::NAN
                    }
                }
            },
            1e-10,
            0.0,
        );
        if let Some(e) = failure.into_inner() {
            return Err(e);
        }
        finite_dert(v?, frequency, recency, age)
    }

    /// [`expected_purchases`](Self::expected_purchases) over many customers (in parallel
    /// with the `parallel` feature). When the model provides
    /// [`expected_if_alive_curve`](Self::expected_if_alive_curve), the expectation while
    /// alive is computed once per distinct `(x, T)` and scaled by each row's P(alive).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidRow`] naming the first row that failed.
    fn expected_purchases_batch(&self, t: f64, rows: SummarySlices<'_>) -> Result<Vec<f64>> {
        // Models that factor through `expected_if_alive_curve` pay once per distinct (x, T).
        if let Some(v) = clv::factored_expected_batch(self, t, rows) {
            return v;
        }
        rows.map(|x, tx, age| self.expected_purchases(t, x, tx, age))
    }

    /// [`probability_alive`](Self::probability_alive) over many customers.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidRow`] naming the first row that failed.
    fn probability_alive_batch(&self, rows: SummarySlices<'_>) -> Result<Vec<f64>> {
        rows.map(|x, tx, age| self.probability_alive(x, tx, age))
    }

    /// Whether [`probability_alive_batch`](Self::probability_alive_batch) shares work between
    /// customers, so that the batch helpers
    /// ([`expected_purchases_batch`](Self::expected_purchases_batch),
    /// [`clv_batch`]) call it once instead of
    /// [`probability_alive`](Self::probability_alive) per customer. `false` by default: a
    /// closed form is cheaper inline than in a separate pass. Pareto/NBD says `true` (two
    /// ₂F₁ per customer, shared between customers with equal `(x, t_x)` or `(x, T)`).
    fn shares_probability_alive(&self) -> bool {
        false
    }

    /// P(alive at T) of a customer: the typed way into
    /// [`probability_alive`](Self::probability_alive).
    ///
    /// # Errors
    ///
    /// As [`probability_alive`](Self::probability_alive).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::{BgNbd, History, TransactionModel};
    ///
    /// let model = BgNbd::new(0.2425945, 4.4136019, 0.7929199, 2.4258881)?;
    /// let p = model.probability_alive_for(History::new(2, 30.43, 38.86)?)?;
    /// assert!((p - 0.7263).abs() < 1e-3);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    fn probability_alive_for(&self, customer: History) -> Result<f64> {
        let (x, tx, age) = customer.to_f64s();
        self.probability_alive(x, tx, age)
    }

    /// P(alive at T + t) of a customer: the typed way into
    /// [`probability_alive_at`](Self::probability_alive_at).
    ///
    /// # Errors
    ///
    /// As [`probability_alive_at`](Self::probability_alive_at).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::{BgNbd, History, TransactionModel};
    ///
    /// let model = BgNbd::new(0.2425945, 4.4136019, 0.7929199, 2.4258881)?;
    /// let customer = History::new(2, 30.43, 38.86)?;
    /// let (now, later) = (model.probability_alive_at_for(0.0, customer)?, model.probability_alive_at_for(52.0, customer)?);
    /// assert!(later < now);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    fn probability_alive_at_for(&self, t: f64, customer: History) -> Result<f64> {
        let (x, tx, age) = customer.to_f64s();
        self.probability_alive_at(t, x, tx, age)
    }

    /// Expected purchases in `(T, T + t]` of a customer: the typed way into
    /// [`expected_purchases`](Self::expected_purchases).
    ///
    /// # Errors
    ///
    /// As [`expected_purchases`](Self::expected_purchases).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::{BgNbd, History, TransactionModel};
    ///
    /// // Fader, Hardie & Lee (2005): 1.226 purchases in the next 39 weeks.
    /// let model = BgNbd::new(0.2425945, 4.4136019, 0.7929199, 2.4258881)?;
    /// let e = model.expected_purchases_for(39.0, History::new(2, 30.43, 38.86)?)?;
    /// assert!((e - 1.226).abs() < 1e-3);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    fn expected_purchases_for(&self, t: f64, customer: History) -> Result<f64> {
        let (x, tx, age) = customer.to_f64s();
        self.expected_purchases(t, x, tx, age)
    }

    /// [`expected_purchases_for`](Self::expected_purchases_for) at several horizons: the
    /// typed way into [`expected_purchases_curve`](Self::expected_purchases_curve).
    ///
    /// # Errors
    ///
    /// As [`expected_purchases`](Self::expected_purchases).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::{BgNbd, History, TransactionModel};
    ///
    /// let model = BgNbd::new(0.2425945, 4.4136019, 0.7929199, 2.4258881)?;
    /// let curve = model.expected_purchases_curve_for(&[13.0, 26.0, 39.0], History::new(2, 30.43, 38.86)?)?;
    /// assert!(curve[0] < curve[1] && curve[1] < curve[2]);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    fn expected_purchases_curve_for(&self, times: &[f64], customer: History) -> Result<Vec<f64>> {
        let (x, tx, age) = customer.to_f64s();
        self.expected_purchases_curve(times, x, tx, age)
    }

    /// A customer's log-likelihood: the typed way into
    /// [`log_likelihood`](Self::log_likelihood).
    ///
    /// # Errors
    ///
    /// As [`log_likelihood`](Self::log_likelihood).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::{BgNbd, History, TransactionModel};
    ///
    /// let model = BgNbd::new(0.2425945, 4.4136019, 0.7929199, 2.4258881)?;
    /// assert!(model.log_likelihood_for(History::new(2, 30.43, 38.86)?)? < 0.0);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    fn log_likelihood_for(&self, customer: History) -> Result<f64> {
        let (x, tx, age) = customer.to_f64s();
        self.log_likelihood(x, tx, age)
    }

    /// A customer's discounted expected residual transactions: the typed way into
    /// [`dert`](Self::dert).
    ///
    /// # Errors
    ///
    /// As [`dert`](Self::dert).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::TimeUnit;
    /// use customer_value::btyd::{DiscountRate, History, ParetoNbd, TransactionModel};
    ///
    /// let model = ParetoNbd::new(0.5534, 10.5802, 0.6061, 11.6562)?;
    /// let rate = DiscountRate::new(0.15, TimeUnit::YEAR)?;
    /// let d = model.dert_for(rate, TimeUnit::WEEK, History::new(2, 30.43, 38.86)?)?;
    /// assert!(d > 0.0);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    fn dert_for(&self, discount: DiscountRate, unit: TimeUnit, customer: History) -> Result<f64> {
        let (x, tx, age) = customer.to_f64s();
        self.dert(discount, unit, x, tx, age)
    }

    /// Whether the model counts time in whole transaction opportunities (BG/BB), so that
    /// horizons and summaries must be whole numbers. `false` by default (continuous time).
    /// [`check_transaction_model`] then checks the laws on whole-number grids, and that a
    /// fractional horizon is refused.
    fn discrete_time(&self) -> bool {
        false
    }
}

/// The work bound of the default [`TransactionModel::dert`]: once its quadrature has
/// evaluated the expectation for this long for one customer it stops with
/// [`Error::NonConvergence`] instead of running on (extreme parameters, e.g. MBG/NBD with
/// `a = 1e-280`, `b = 1e248`, made each evaluation slow and the integral take minutes).
pub const DERT_TIME_BUDGET: std::time::Duration = std::time::Duration::from_secs(1);

/// The work bound of a curve (CLV's expectations at every step, tracking's gaps): after a
/// base allowance of one second ([`CURVE_TIME_BUDGET`]) a curve may spend on average
/// [`CURVE_TIME_PER_POINT`] per point computed so far (52 weekly steps: about 1 s; the
/// 10,000 of `ClvSpec::MAX_STEPS`: 11 s); beyond that it stops with
/// [`Error::NonConvergence`]. Ordinary parameters need microseconds per point; only extreme
/// ones (each point a slow quadrature) reach it.
pub const CURVE_TIME_BUDGET: std::time::Duration = std::time::Duration::from_secs(1);

/// The average time per point a curve may take beyond [`CURVE_TIME_BUDGET`].
pub const CURVE_TIME_PER_POINT: std::time::Duration = std::time::Duration::from_millis(1);

/// A running [`CURVE_TIME_BUDGET`] check; free (no clock) for a single point.
pub(crate) struct WorkBudget(Option<std::time::Instant>);

impl WorkBudget {
    /// The budget of a curve of `points` points ([`CURVE_TIME_PER_POINT`] each).
    pub(crate) fn start(points: usize) -> Self {
        WorkBudget((points > 1).then(std::time::Instant::now))
    }

    /// [`Error::NonConvergence`] once `done` points have taken more than the budget.
    pub(crate) fn check(&self, done: usize, what: &'static str) -> Result<()> {
        let Some(start) = self.0 else {
            return Ok(());
        };
        let allowed =
            CURVE_TIME_BUDGET + CURVE_TIME_PER_POINT.saturating_mul(u32::try_from(done).unwrap_or(u32::MAX));
        if start.elapsed() > allowed {
            return Err(Error::NonConvergence {
                what,
                iterations: done,
                detail: format!(
                    "work budget exhausted ({allowed:?} for {done} points: btyd::CURVE_TIME_BUDGET + CURVE_TIME_PER_POINT each)"
                ),
            });
        }
        Ok(())
    }
}

/// The model's unit, when it has one, must be `given` (DERT's `unit` argument says which
/// unit the model's times are in; a mismatch is a caller's mistake, not a conversion).
pub(crate) fn check_model_unit(model: Option<TimeUnit>, given: TimeUnit) -> Result<()> {
    match model {
        Some(m) if m != given => Err(Error::UnitMismatch {
            what: "the model",
            expected_days: m.days(),
            given_what: "the argument `unit`",
            given_days: given.days(),
        }),
        _ => Ok(()),
    }
}

/// The continuous discount rate per model unit DERT integrates with; it must be positive
/// (DERT may be infinite without discounting).
pub(crate) fn dert_rate(discount: DiscountRate, unit: TimeUnit) -> Result<f64> {
    let delta = discount.continuous_rate(unit);
    if delta > 0.0 && delta.is_finite() {
        Ok(delta)
    } else {
        Err(Error::param(
            "discount",
            discount.rate(),
            "DERT needs a positive discount rate",
        ))
    }
}

/// A DERT, or [`Error::Undefined`] naming the customer's summary when it is not finite.
pub(crate) fn finite_dert(v: f64, frequency: f64, recency: f64, age: f64) -> Result<f64> {
    if v.is_finite() {
        Ok(v.max(0.0))
    } else {
        Err(Error::Undefined {
            what: "DERT",
            reason: format!("{v} for the customer with x = {frequency}, t_x = {recency}, T = {age}"),
        })
    }
}

/// A total log-likelihood, or [`Error::Undefined`] naming `what` when it is not finite.
pub(crate) fn finite_log_likelihood(ll: f64, what: &'static str) -> Result<f64> {
    if ll.is_finite() {
        Ok(ll)
    } else {
        Err(Error::Undefined {
            what,
            reason: format!("the value is {ll} at these parameters"),
        })
    }
}

pub(crate) fn check_positive(name: &'static str, v: f64) -> Result<()> {
    if v.is_finite() && v > 0.0 {
        Ok(())
    } else {
        Err(Error::param(name, v, "must be finite and > 0"))
    }
}

/// `1 / (1 + e^l)` without overflow.
pub(crate) fn logistic_of_neg(l: f64) -> f64 {
    if l > 0.0 {
        let e = (-l).exp();
        e / (1.0 + e)
    } else {
        1.0 / (1.0 + l.exp())
    }
}

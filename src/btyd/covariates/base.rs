//! Which models take covariates, and how: each names the baseline parameters covariates
//! scale ("links") and lends its own likelihood and gradient (the code in `pareto_nbd*.rs`,
//! `bg_nbd.rs`, `mbg_nbd.rs`, not a copy) for a group of customers sharing parameters.

use crate::btyd::bg_nbd::BgNbdLikelihood;
use crate::btyd::fit::Likelihood;
use crate::btyd::mbg_nbd::MbgNbdLikelihood;
use crate::btyd::pareto_nbd_likelihood::ParetoGrid;
use crate::btyd::{BgNbd, FitOptions, FitReport, MbgNbd, ParetoNbd, TransactionModel, WeightedSummaries};
use crate::error::Result;
use crate::time::TimeUnit;

/// Which covariate set a link reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Process {
    Purchase,
    Dropout,
}

/// One baseline parameter scaled by covariates: `θ_i[base] = θ₀[base] · exp(sign · x_i · γ)`.
#[derive(Debug, Clone, Copy)]
pub struct Link {
    pub(super) base: usize,
    pub(super) sign: f64,
    pub(super) process: Process,
    /// The coefficient names' prefix (`purchase`, `dropout`, `dropout_a`, …).
    pub(super) prefix: &'static str,
}

/// A model's per-group precomputation (opaque outside the crate).
#[derive(Debug)]
pub struct Prepared(Inner);

#[derive(Debug)]
enum Inner {
    None,
    Pareto(Box<ParetoGrid>),
}

/// A transaction model that takes static covariates: Pareto/NBD, BG/NBD, MBG/NBD. Sealed:
/// its methods are the crate's.
///
/// # Examples
///
/// Code written once for any of the models, here a customer's P(alive) under a fit:
///
/// ```
/// use customer_value::btyd::covariates::{CovariateFit, CovariateModel};
/// use customer_value::btyd::{BgNbd, History, ParetoNbd, TransactionModel};
///
/// fn p_alive<M: CovariateModel>(fit: &CovariateFit<M>, row: &[f64], h: History) -> customer_value::Result<f64> {
///     fit.customer_model(row, &[])?.probability_alive_for(h)
/// }
///
/// // Two saved fits with a purchase coefficient 0.5 on `a`: α_i = α₀ e^(−0.5 a).
/// let pnbd: CovariateFit<ParetoNbd> = serde_json::from_str(PNBD).unwrap();
/// let bgnbd: CovariateFit<BgNbd> = serde_json::from_str(BGNBD).unwrap();
/// let h = History::new(2, 5.0, 10.0)?;
/// let direct = ParetoNbd::new(1.0, 2.0 * (-0.5f64).exp(), 1.0, 3.0)?.probability_alive_for(h)?;
/// assert!((p_alive(&pnbd, &[1.0], h)? - direct).abs() < 1e-12);
/// let direct = BgNbd::new(0.24, 4.41 * (-0.5f64).exp(), 0.79, 2.43)?.probability_alive_for(h)?;
/// assert!((p_alive(&bgnbd, &[1.0], h)? - direct).abs() < 1e-12);
/// # const PNBD: &str = r#"{"model":{"model":"pnbd","format":1,"params":{"r":1.0,"alpha":2.0,"s":1.0,"beta":3.0}},"parameter_names":["r","alpha","s","beta","purchase.a"],"estimates":[1.0,2.0,1.0,3.0,0.5],"standard_errors":null,"log_likelihood":-1.0,"objective":0.5,"iterations":1,"gradient_norm":0.0,"convergence":"Gradient","customers":2.0,"distinct_rows":2,"covariate_groups":2,"purchase_covariates":["a"],"dropout_covariates":[],"options":{"fit":{"penalty":0.0,"max_iterations":500,"tolerance":1e-8,"start":null},"lambda_purchase":0.0,"lambda_dropout":0.0,"constrained":[],"shared_dropout":false}}"#;
/// # const BGNBD: &str = r#"{"model":{"model":"bgnbd","format":1,"params":{"r":0.24,"alpha":4.41,"a":0.79,"b":2.43}},"parameter_names":["r","alpha","a","b","purchase.a"],"estimates":[0.24,4.41,0.79,2.43,0.5],"standard_errors":null,"log_likelihood":-1.0,"objective":0.5,"iterations":1,"gradient_norm":0.0,"convergence":"Gradient","customers":2.0,"distinct_rows":2,"covariate_groups":2,"purchase_covariates":["a"],"dropout_covariates":[],"options":{"fit":{"penalty":0.0,"max_iterations":500,"tolerance":1e-8,"start":null},"lambda_purchase":0.0,"lambda_dropout":0.0,"constrained":[],"shared_dropout":false}}"#;
/// # Ok::<(), customer_value::Error>(())
/// ```
pub trait CovariateModel: private::Base {}

impl CovariateModel for ParetoNbd {}
impl CovariateModel for BgNbd {}
impl CovariateModel for MbgNbd {}

pub(super) mod private {
    use super::*;

    /// What the covariate fit needs of a model.
    pub trait Base: TransactionModel + Clone + Sized + 'static {
        /// The model's four parameters, by name.
        const NAMES: [&'static str; 4];
        /// Its links, in order.
        const LINKS: &'static [Link];
        /// Builds the precomputation of a group (Pareto/NBD's grid of `(x, τ)` keys).
        fn prepare(data: &WeightedSummaries) -> Prepared;
        /// The group's total log-likelihood at `theta`, its gradient in `theta` into `grad`.
        fn ll_grad(prep: &Prepared, data: &WeightedSummaries, theta: &[f64], grad: &mut [f64]) -> f64;
        /// The model without covariates fitted to all customers (the start of the fit).
        fn pooled_fit(data: &WeightedSummaries, options: &FitOptions) -> Result<FitReport<Self>>;
        /// The model from its four parameters, in `unit`.
        fn build(values: &[f64], unit: Option<TimeUnit>) -> Result<Self>;
        /// Its four parameters.
        fn values(&self) -> [f64; 4];
    }
}

const PNBD_LINKS: &[Link] = &[
    Link {
        base: 1,
        sign: -1.0,
        process: Process::Purchase,
        prefix: "purchase",
    },
    Link {
        base: 3,
        sign: -1.0,
        process: Process::Dropout,
        prefix: "dropout",
    },
];

const BG_LINKS: &[Link] = &[
    Link {
        base: 1,
        sign: -1.0,
        process: Process::Purchase,
        prefix: "purchase",
    },
    Link {
        base: 2,
        sign: 1.0,
        process: Process::Dropout,
        prefix: "dropout_a",
    },
    Link {
        base: 3,
        sign: 1.0,
        process: Process::Dropout,
        prefix: "dropout_b",
    },
];

impl private::Base for ParetoNbd {
    const NAMES: [&'static str; 4] = ParetoNbd::PARAMETER_NAMES;
    const LINKS: &'static [Link] = PNBD_LINKS;
    fn prepare(data: &WeightedSummaries) -> Prepared {
        Prepared(Inner::Pareto(Box::new(ParetoGrid::new(data))))
    }
    fn ll_grad(prep: &Prepared, data: &WeightedSummaries, theta: &[f64], grad: &mut [f64]) -> f64 {
        match &prep.0 {
            Inner::Pareto(grid) => grid.ll_grad(theta, grad),
            // Never built for Pareto/NBD; the grid is then made on the spot.
            Inner::None => ParetoGrid::new(data).ll_grad(theta, grad),
        }
    }
    fn pooled_fit(data: &WeightedSummaries, options: &FitOptions) -> Result<FitReport<Self>> {
        ParetoNbd::fit(data, options)
    }
    fn build(values: &[f64], unit: Option<TimeUnit>) -> Result<Self> {
        ParetoNbd::from_values(values).map(|m| m.with_optional_unit(unit))
    }
    fn values(&self) -> [f64; 4] {
        [self.r(), self.alpha(), self.s(), self.beta()]
    }
}

impl private::Base for BgNbd {
    const NAMES: [&'static str; 4] = BgNbd::PARAMETER_NAMES;
    const LINKS: &'static [Link] = BG_LINKS;
    fn prepare(_: &WeightedSummaries) -> Prepared {
        Prepared(Inner::None)
    }
    fn ll_grad(_: &Prepared, data: &WeightedSummaries, theta: &[f64], grad: &mut [f64]) -> f64 {
        BgNbdLikelihood { data }.ll_grad(theta, grad)
    }
    fn pooled_fit(data: &WeightedSummaries, options: &FitOptions) -> Result<FitReport<Self>> {
        BgNbd::fit(data, options)
    }
    fn build(values: &[f64], unit: Option<TimeUnit>) -> Result<Self> {
        BgNbd::from_values(values).map(|m| m.with_optional_unit(unit))
    }
    fn values(&self) -> [f64; 4] {
        [self.r(), self.alpha(), self.a(), self.b()]
    }
}

impl private::Base for MbgNbd {
    const NAMES: [&'static str; 4] = MbgNbd::PARAMETER_NAMES;
    const LINKS: &'static [Link] = BG_LINKS;
    fn prepare(_: &WeightedSummaries) -> Prepared {
        Prepared(Inner::None)
    }
    fn ll_grad(_: &Prepared, data: &WeightedSummaries, theta: &[f64], grad: &mut [f64]) -> f64 {
        MbgNbdLikelihood { data }.ll_grad(theta, grad)
    }
    fn pooled_fit(data: &WeightedSummaries, options: &FitOptions) -> Result<FitReport<Self>> {
        MbgNbd::fit(data, options)
    }
    fn build(values: &[f64], unit: Option<TimeUnit>) -> Result<Self> {
        MbgNbd::from_values(values).map(|m| m.with_optional_unit(unit))
    }
    fn values(&self) -> [f64; 4] {
        [self.r(), self.alpha(), self.a(), self.b()]
    }
}

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

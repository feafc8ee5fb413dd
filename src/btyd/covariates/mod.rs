//! Static covariates for the transaction models Pareto/NBD, BG/NBD and MBG/NBD: each
//! customer's parameters are the baseline's scaled by their covariates, and the
//! likelihood is the model's own at those parameters.
//!
//! | model | purchase | dropout |
//! |---|---|---|
//! | Pareto/NBD | `α_i = α₀ exp(−x_i·γ_p)` | `β_i = β₀ exp(−x_i·γ_d)` |
//! | BG/NBD, MBG/NBD | `α_i = α₀ exp(−x_i·γ_p)` | `a_i = a₀ exp(x_i·γ_a)`, `b_i = b₀ exp(x_i·γ_b)` |
//!
//! (CLVTools' parametrisation for Pareto/NBD; for BG/NBD its single dropout vector is
//! [`CovariateOptions::shared_dropout`], pymc-marketing's two vectors the default.) A
//! positive purchase coefficient means more purchases; a positive Pareto/NBD dropout
//! coefficient means a higher dropout rate.
//!
//! Data flow: [`CovariateMatrix`] (validated: finite, unique names) per process →
//! [`CovariateData`] (the summaries with one covariate row per customer) →
//! [`CovariateFit::fit`] with [`CovariateOptions`] (L2 regularisation per process,
//! coefficients constrained equal across the processes) → estimates with standard
//! errors, z and p values ([`CovariateFit::coefficients`]), AIC and BIC, and
//! [`LikelihoodRatioTest`] between nested fits → [`CovariateFit::customer_model`], a plain
//! [`ParetoNbd`](crate::btyd::ParetoNbd)/[`BgNbd`](crate::btyd::BgNbd)/[`MbgNbd`](crate::btyd::MbgNbd)
//! with the customer's parameters, so P(alive), expected purchases, CLV, DERT and
//! tracking go through [`TransactionModel`](crate::btyd::TransactionModel) unchanged.
//!
//! The likelihood is evaluated once per distinct covariate row (customers sharing it
//! share parameters), with the model's own weighted likelihood and analytic gradient over
//! that group's distinct `(x, t_x, T)`, chained to the coefficients; so binary or
//! categorical covariates cost a few model likelihoods, while continuous covariates make
//! every customer a group of one.
//!
//! Saved: [`CovariateFit::to_saved`] / [`CovariateFit::from_saved`] (format 2 of the
//! saved-model format, with a [`SavedCovariates`] block; `saved.rs`). Intervals over the
//! whole parameter vector, coefficients included: [`CovariateFit::covariance`] and
//! [`covariate_intervals`] (`intervals.rs`).
//!
//! GGom/NBD: [`GgomCovariateFit`] (CLVTools' `ggomnbd` with static covariates:
//! `α_i = α₀ exp(−x·γ_p)`, `β_i = β₀ exp(−x·γ_d)`; `ggom.rs`).
//!
//! Spend: [`SpendCovariateFit`], Gamma-Gamma with `γ_i = γ₀ exp(x_i·δ)` on
//! [`SpendCovariateData`] (`spend.rs`).
//!
//! This module must not copy a model's formulas: it reaches them through
//! `base.rs`, which lends each model's likelihood code.

mod base;
mod compare;
mod data;
mod fit;
mod ggom;
mod intervals;
mod likelihood;
mod matrix;
mod options;
mod saved;
mod spend;
pub mod time_varying;

pub use base::CovariateModel;
pub use compare::LikelihoodRatioTest;
pub use data::CovariateData;
pub use fit::{Coefficient, CovariateFit};
pub use ggom::GgomCovariateFit;
pub use intervals::{CovariateIntervalSpec, covariate_intervals};
pub use matrix::CovariateMatrix;
pub use options::CovariateOptions;
pub(crate) use saved::CovariateLoad;
pub use saved::SavedCovariates;
pub use spend::{SpendCovariateData, SpendCovariateFit};

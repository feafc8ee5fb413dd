//! Time-varying covariates for Pareto/NBD and BG/NBD: covariates piecewise constant on the
//! unit grid, per customer and period ([`TimeVaryingCovariates`], read from CSV by
//! [`TimeVaryingTable`]), customers placed on that grid ([`TvCustomer`],
//! [`TimeVaryingData`]), and the fit ([`TimeVaryingFit`]) with P(alive), conditional
//! expected transactions over a future window with future covariates, and DECT.
//!
//! Pareto/NBD follows Bachmann, Meierer & Näf (2021, Marketing Science 40(4)); BG/NBD is
//! derived in `docs/time-varying-covariates.md`. With every coefficient 0 both are the
//! models without covariates; with covariates constant per customer, the static
//! covariate models of [`super`].

mod data;
mod fit;
mod gradient;
mod groups;
mod model;
mod score;
mod table;

pub use data::{TimeVaryingData, TvCustomer};
pub use fit::TimeVaryingFit;
pub use model::TvModel;
pub use table::{TimeVaryingCovariates, TimeVaryingTable};

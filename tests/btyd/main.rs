//! The BTYD models: published values, peers, laws, units, CLV and tracking.
//!
//! One test binary per area (each file a module) keeps `cargo test` from linking
//! dozens of binaries.

mod api;
#[cfg(feature = "bayes")]
mod bayes;
mod bg_bb;
mod bg_nbd;
mod bg_nbd_curve_reference;
mod clv;
mod clv_batch;
mod covariates;
mod covariates_ggom;
mod covariates_intervals;
mod covariates_predict;
mod covariates_sbg;
mod covariates_spend;
mod covariates_time_varying;
mod gamma_gamma;
mod ggom_nbd;
mod history;
mod mbg_nbd;
mod pareto_boundary;
mod pareto_nbd;
mod properties;
mod real_logs;
mod score_shared;
mod survival;
mod tracking;
mod uncertainty;

//! Accounting customer lifetime value in exact money.
//!
//! This module owns the CLV formulas of the seed documents and of Gupta & Lehmann (2003):
//!
//! * [`simple_clv`]: average purchase value × purchases per period × retention time
//!   (the profitability brief), optionally net of acquisition cost;
//! * [`Relationship`]: the CLV-components brief's four components — acquisition cost, revenue stream, cost
//!   stream, relationship length — valued as a net present value,
//!   CLV = −acquisition + Σₜ (revenueₜ − costₜ)·S(t)/(1 + d)ᵗ, with S(t) from any
//!   [`RetentionModel`](crate::retention::RetentionModel);
//! * [`closed_form_clv`] and [`closed_form_clv_finite`]: the constant-retention closed
//!   forms, with the margin timing an explicit [`Timing`];
//! * [`ValueComponents`]: the CLV-and-churn brief's base, growth, networking and learning potential;
//! * [`PortfolioSummary`]: customer equity and the distribution of values;
//! * [`bulk_clv`]: millions of customers from columns.
//!
//! Survival and discounting enter money in one place only, [`DiscountWeights`] (see its
//! module docs for the conversion and rounding rule). Probabilistic CLV (BG/NBD with
//! Gamma-Gamma) is elsewhere; it plugs in here through a retention model.
//!
//! # References
//!
//! * S. Gupta, D. R. Lehmann (2003), "Customers as assets", *Journal of Interactive
//!   Marketing* 17(1) — the closed form m·r/(1 + d − r).
//! * V. Kumar, J. A. Petersen, R. P. Leone (2010), "Driving profitability by encouraging
//!   customer referrals: who, when, and how", *Journal of Marketing* 74(5) — customer
//!   referral value.

mod bulk;
pub(crate) mod checked;
mod closed_form;
mod components;
mod npv;
mod portfolio;
mod simple;
mod weights;

#[cfg(feature = "parallel")]
#[cfg_attr(docsrs, doc(cfg(feature = "parallel")))]
pub use bulk::bulk_clv_parallel;
pub use bulk::{ClvColumns, bulk_clv};
pub use closed_form::{closed_form_clv, closed_form_clv_finite, closed_form_multiplier};
pub use components::{Referral, ValueComponents, base_potential, base_potential_by_customer, referral_value};
pub use npv::{NpvBreakdown, Relationship};
pub use portfolio::{PortfolioSummary, top_customers};
pub use simple::{simple_clv, simple_clv_net_of_cac};
pub use weights::{DiscountWeights, MAX_HORIZON, Timing, WEIGHT_DP};

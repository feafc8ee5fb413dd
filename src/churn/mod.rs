//! Churn and retention measurement: rates, revenue churn, conversions, cohorts, lapses
//! and model-based risk.
//!
//! This module *measures* churn from data; the models that *project* retention
//! (shifted-beta-geometric, Kaplan–Meier, constant, empirical) live in
//! [`retention`](crate::retention) and implement [`RetentionModel`](crate::RetentionModel),
//! so every valuation in the crate runs on any of them.
//!
//! | question | item |
//! |---|---|
//! | What was last month's churn — under which convention? | [`ChurnCounts`], [`ChurnMethod`] |
//! | How much recurring revenue did we keep? | [`RevenueBridge`] (GRR, NRR, gross/net revenue churn) |
//! | Monthly → yearly churn; churn → lifetime | [`convert_churn`], [`lifetime`] |
//! | Do later cohorts retain better? | [`CohortTable`] |
//! | Who has stopped buying (no contract)? | [`lapse_report`] |
//! | Who is probably gone, and what do we lose? | [`rank_at_risk`] |
//! | What share of a cohort will be left in year 12? | [`ShiftedBetaGeometric`](crate::retention::ShiftedBetaGeometric) |
//! | Survival from subscriptions with censoring | [`KaplanMeier`](crate::retention::KaplanMeier) |
//!
//! Zero denominators give `None` (rates) or a typed error (lifetimes), never NaN.
//!
//! ```
//! use customer_value::churn::{convert_churn, ChurnCounts, ChurnMethod};
//!
//! let month = ChurnCounts::new(100, 20, 8, 2)?.with_exposure(3260, 30)?;
//! for method in ChurnMethod::ALL {
//!     println!("{method:?}: {:.3} %", 100.0 * month.rate(method).unwrap());
//! }
//! let stripe = month.rate(ChurnMethod::Stripe).unwrap();
//! assert!((stripe - 0.083_333).abs() < 1e-6);
//! assert!(convert_churn(stripe, 12.0)? < 12.0 * stripe);
//! # Ok::<(), customer_value::Error>(())
//! ```

mod activity;
mod at_risk;
mod cohort;
mod conversions;
mod rates;
mod revenue;

pub use activity::{CustomerActivity, LapsePeriod, LapseReport, MAX_LAPSE_PERIODS, lapse_report};
pub use at_risk::{AtRisk, AtRiskReport, rank_at_risk};
pub use cohort::{Cohort, CohortDisplay, CohortMetric, CohortPeriod, CohortSpec, CohortTable};
pub use conversions::{CurrentPeriod, convert_churn, lifetime, lifetime_from_retention};
pub use rates::{ChurnCounts, ChurnMethod};
pub use revenue::{CustomerRevenue, RevenueBridge, RevenueMovements};

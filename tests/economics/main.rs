//! Accounting CLV, profitability, churn, retention, segmentation and satisfaction.
//!
//! One test binary per area (each file a module) keeps `cargo test` from linking
//! dozens of binaries.

mod churn_cohorts;
mod churn_rates;
mod clv_accounting;
mod profitability;
mod retention_kaplan_meier;
mod retention_models;
mod retention_sbg;
mod satisfaction;
mod segment_errors;
mod segment_properties;
mod segment_published;

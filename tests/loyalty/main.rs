//! Loyalty programs: earning, ledger, tiers, bulk runs and their laws.
//!
//! One test binary per area (each file a module) keeps `cargo test` from linking
//! dozens of binaries.

mod bulk;
mod ledger;
mod programs;
mod properties;
mod tiers;

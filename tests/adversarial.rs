//! The adversarial suite: every public entry point outside `btyd` (CSV readers, summaries,
//! retention, churn, segmentation, profitability and accounting CLV, loyalty,
//! satisfaction) and the `clv_report` example, driven by seeded generated and mutated
//! inputs. Each call runs under `catch_unwind`; the suite counts cases, typed errors by
//! variant, panics and `Ok` values that break a promise (a NaN or an infinity, a
//! probability outside [0, 1], a negative expectation, shares that do not sum to 100 %,
//! rows a report does not account for), and fails on any panic or broken promise.
//!
//! `CASES=<n>` scales every area (default 1: a few thousand cases in all, seconds in the
//! debug profile). The full run, about 1.2 million cases, prints the table recorded in
//! `docs/robustness.md`:
//!
//! ```text
//! CASES=5 cargo test --release --all-features --test adversarial -- --nocapture --test-threads 2
//! ```
//!
//! `SEED=<n>` changes the seed (default 1): every failure prints the seed and the case so it
//! can be replayed.

mod adversarial {
    pub mod btyd_evaluation;
    pub mod btyd_typed;
    pub mod churn;
    pub mod clv_report;
    pub mod covariates;
    pub mod csv;
    pub mod harness;
    pub mod loyalty;
    pub mod loyalty_values;
    pub mod profitability;
    pub mod regressions;
    pub mod retention;
    pub mod rng;
    pub mod satisfaction;
    pub mod segment;
    pub mod summary;
}

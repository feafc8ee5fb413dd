//! customer-value's BTYD summaries, fits and scores as Apache DataFusion SQL functions.
//!
//! One call, [`register`], adds to a [`SessionContext`]:
//!
//! * the aggregates `btyd_summary(date, amount, calibration_end, unit_days)` and
//!   `btyd_holdout(date, amount, calibration_end, observation_end, unit_days)`
//!   ([`summary`]): a customer's summary from their rows, with an exact partial state that
//!   merges across partitions (and machines) into the same result whatever the split;
//! * the scalars `btyd_p_alive`, `btyd_expected_purchases`, `btyd_dert`, `btyd_clv` and
//!   `gamma_gamma_expected_spend` ([`score`]): predictions from literal parameters;
//!
//! and [`fit_bg_nbd`] (and the others in [`fit`]) fit the crate's models on the compressed
//! `GROUP BY frequency, recency, T` the engine computes.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> datafusion::common::Result<()> {
//! use datafusion::prelude::SessionContext;
//!
//! let ctx = SessionContext::new();
//! customer_value_datafusion::register(&ctx);
//! let df = ctx.sql(
//!     "WITH log(customer_id, date, amount) AS (VALUES
//!          (1, DATE '1997-01-01', 29.33), (1, DATE '1997-01-18', 29.73), (1, DATE '1997-08-02', 14.96),
//!          (2, DATE '1997-01-01', 63.34))
//!      SELECT customer_id, s['frequency'] AS x, s['recency'] AS t_x, s['T'] AS t,
//!             btyd_p_alive('bgnbd', 0.2425945, 4.4136019, 0.7929199, 2.4258881,
//!                          s['frequency'], s['recency'], s['T']) AS p_alive
//!      FROM (SELECT customer_id, btyd_summary(date, amount, DATE '1997-09-30', 7) AS s
//!            FROM log GROUP BY customer_id)
//!      ORDER BY customer_id",
//! ).await?;
//! let batches = df.collect().await?;
//! assert_eq!(batches.iter().map(|b| b.num_rows()).sum::<usize>(), 2);
//! # Ok(())
//! # }
//! ```
//!
//! The crate is a workspace companion of `customer-value`: DataFusion's build (minutes,
//! a gigabyte of target) stays out of the core, whose Arrow support (feature `arrow`)
//! this crate uses for reading columns, so SQL and Rust read a log alike.

#![deny(missing_docs, missing_debug_implementations)]
#![forbid(unsafe_code)]

#[cfg(feature = "ballista")]
pub mod ballista;
pub mod fit;
pub mod report;
pub mod score;
mod state;
pub mod summary;

pub use fit::{
    fit_bg_nbd, fit_gamma_gamma, fit_mbg_nbd, fit_pareto_nbd, spend_summaries, weighted_summaries,
};

use datafusion::prelude::SessionContext;

/// Registers every function of the crate on `ctx`: the aggregates `btyd_summary` and
/// `btyd_holdout`, the scalars `btyd_p_alive`, `btyd_expected_purchases`, `btyd_dert`,
/// `btyd_clv` and `gamma_gamma_expected_spend`.
///
/// # Examples
///
/// See the [crate docs](crate).
pub fn register(ctx: &SessionContext) {
    ctx.register_udaf(summary::btyd_summary());
    ctx.register_udaf(summary::btyd_holdout());
    ctx.register_udf(score::btyd_p_alive());
    ctx.register_udf(score::btyd_expected_purchases());
    ctx.register_udf(score::btyd_dert());
    ctx.register_udf(score::btyd_clv());
    ctx.register_udf(score::gamma_gamma_expected_spend());
}

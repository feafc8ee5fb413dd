//! The crate's functions on a Ballista cluster (feature `ballista`): a client context whose
//! scheduler and executors know `btyd_summary`, `btyd_holdout` and the scoring scalars.
//!
//! Ballista executors deserialise each task's plan against their own function registry,
//! and its codec writes a UDF or UDAF by name; the functions hold no state beyond their
//! name (parameters, windows and units are literal arguments, serialised as ordinary
//! values), so registering them on the session state the scheduler and executors are
//! built from is all it takes — no custom codec.

use ::ballista::prelude::{SessionConfigExt, SessionContextExt};
use datafusion::common::Result;
use datafusion::execution::SessionStateBuilder;
use datafusion::prelude::{SessionConfig, SessionContext};

/// A Ballista standalone cluster (scheduler and one executor with `executor_slots` task
/// slots, in this process, on local ports) and a client context on it, every function of
/// the crate registered on all three; queries are planned in `partitions` partitions.
///
/// # Errors
///
/// A DataFusion configuration error when the scheduler or the executor does not start.
///
/// # Examples
///
/// ```no_run
/// # #[tokio::main]
/// # async fn main() -> datafusion::common::Result<()> {
/// let ctx = customer_value_datafusion::ballista::standalone(4, 2).await?;
/// let df = ctx.sql("SELECT btyd_p_alive('bgnbd', 0.24, 4.41, 0.79, 2.43, 2.0, 30.43, 38.86)").await?;
/// df.show().await?;
/// # Ok(())
/// # }
/// ```
pub async fn standalone(partitions: usize, executor_slots: usize) -> Result<SessionContext> {
    let config = SessionConfig::new_with_ballista()
        .with_target_partitions(partitions.max(1))
        .with_ballista_standalone_parallelism(executor_slots.max(1));
    let state = SessionStateBuilder::new()
        .with_config(config)
        .with_default_features()
        .build();
    let local = SessionContext::new_with_state(state);
    crate::register(&local);
    let ctx = SessionContext::standalone_with_state(local.state()).await?;
    // The client plans the queries: it needs the functions too (the state carries them,
    // registering again is harmless).
    crate::register(&ctx);
    Ok(ctx)
}

//! Fitting from SQL: the compressing `GROUP BY x, t_x, T` runs in the engine (on every
//! partition, then merged), and only the compressed table — one row per distinct
//! summary, tens of thousands for millions of customers — comes back to be fitted here by
//! the crate's own fitters.
//!
//! The input is a [`DataFrame`] with the columns `frequency`, `recency` and `T` (and
//! `monetary_value` for the spend model), e.g. the flattened `btyd_summary` struct.

use customer_value::TimeUnit;
use customer_value::btyd::{
    BgNbd, FitOptions, FitReport, GammaGamma, MbgNbd, ParetoNbd, SpendSummaries, WeightedSummaries,
};
use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::datatypes::{DataType, Float64Type};
use datafusion::common::{Result, exec_err};
use datafusion::dataframe::DataFrame;
use datafusion::functions_aggregate::expr_fn::count;
use datafusion::prelude::{cast, col, lit};

use crate::summary::external;

/// The columns of `batches` named `names`, as `f64`.
fn floats(batches: &[RecordBatch], names: &[&str]) -> Result<Vec<Vec<f64>>> {
    let mut out = vec![Vec::new(); names.len()];
    for b in batches {
        for (name, column) in names.iter().zip(out.iter_mut()) {
            let Some(a) = b.column_by_name(name) else {
                return exec_err!("no column `{name}`");
            };
            let a = datafusion::arrow::compute::cast(a, &DataType::Float64)?;
            let f = a.as_primitive::<Float64Type>();
            if f.null_count() > 0 {
                return exec_err!("null values in `{name}`");
            }
            column.extend_from_slice(f.values());
        }
    }
    Ok(out)
}

/// The compressed summaries of `summaries`: `SELECT frequency, recency, "T", count(*)
/// GROUP BY 1, 2, 3` run by the engine, then [`WeightedSummaries::from_weighted_rows`],
/// which sorts the rows — so the fit does not depend on how the engine partitioned them,
/// and equals a fit on [`WeightedSummaries::from_columns`] of the same customers bit for
/// bit.
///
/// # Errors
///
/// A DataFusion error from the query; the crate's errors (an invalid summary row, no rows)
/// as `DataFusionError::External`.
///
/// # Examples
///
/// See [`fit_bg_nbd`].
pub async fn weighted_summaries(summaries: DataFrame, unit: TimeUnit) -> Result<WeightedSummaries> {
    let grouped = summaries.aggregate(
        vec![col("frequency"), col("recency"), col("\"T\"")],
        vec![cast(count(lit(1)), DataType::Float64).alias("weight")],
    )?;
    let batches = grouped.collect().await?;
    let c = floats(&batches, &["frequency", "recency", "T", "weight"])?;
    let [x, tx, t, w] = c.as_slice() else {
        return exec_err!("internal: four columns expected");
    };
    Ok(WeightedSummaries::from_weighted_rows(x, tx, t, w)
        .map_err(external)?
        .with_unit(unit))
}

/// The spend model's data from `summaries` (`frequency`, `monetary_value`): `GROUP BY`
/// the pair with `count(*)` in the engine, then [`SpendSummaries::from_weighted_rows`],
/// which sorts and merges the groups — so the fit equals one on
/// [`SpendSummaries::from_rows`] of the customers' rows bit for bit, whatever the
/// partitioning, and only the distinct pairs come back from the engine.
///
/// # Errors
///
/// As [`weighted_summaries`].
pub async fn spend_summaries(summaries: DataFrame) -> Result<SpendSummaries> {
    let grouped = summaries.aggregate(
        vec![col("frequency"), col("monetary_value")],
        vec![cast(count(lit(1)), DataType::Float64).alias("weight")],
    )?;
    let batches = grouped.collect().await?;
    let c = floats(&batches, &["frequency", "monetary_value", "weight"])?;
    let [x, m, w] = c.as_slice() else {
        return exec_err!("internal: three columns expected");
    };
    SpendSummaries::from_weighted_rows(x, m, w).map_err(external)
}

/// Fits BG/NBD on the compressed summaries of `summaries` (see [`weighted_summaries`]).
///
/// # Errors
///
/// As [`weighted_summaries`] and [`BgNbd::fit`].
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> datafusion::common::Result<()> {
/// use customer_value::TimeUnit;
/// use customer_value::btyd::FitOptions;
/// use datafusion::prelude::SessionContext;
///
/// let ctx = SessionContext::new();
/// let summaries = ctx
///     .sql("SELECT * FROM (VALUES (2.0, 30.43, 38.86), (0.0, 0.0, 38.86), (1.0, 5.0, 30.0), (3.0, 20.0, 25.0), (0.0, 0.0, 10.0)) AS s(frequency, recency, \"T\")")
///     .await?;
/// let fit = customer_value_datafusion::fit_bg_nbd(summaries, TimeUnit::WEEK, &FitOptions::default()).await?;
/// assert!(fit.log_likelihood.is_finite());
/// # Ok(())
/// # }
/// ```
pub async fn fit_bg_nbd(
    summaries: DataFrame,
    unit: TimeUnit,
    options: &FitOptions,
) -> Result<FitReport<BgNbd>> {
    BgNbd::fit(&weighted_summaries(summaries, unit).await?, options).map_err(external)
}

/// Fits Pareto/NBD on the compressed summaries of `summaries` (see [`weighted_summaries`]).
///
/// # Errors
///
/// As [`weighted_summaries`] and [`ParetoNbd::fit`].
pub async fn fit_pareto_nbd(
    summaries: DataFrame,
    unit: TimeUnit,
    options: &FitOptions,
) -> Result<FitReport<ParetoNbd>> {
    ParetoNbd::fit(&weighted_summaries(summaries, unit).await?, options).map_err(external)
}

/// Fits MBG/NBD on the compressed summaries of `summaries` (see [`weighted_summaries`]).
///
/// # Errors
///
/// As [`weighted_summaries`] and [`MbgNbd::fit`].
pub async fn fit_mbg_nbd(
    summaries: DataFrame,
    unit: TimeUnit,
    options: &FitOptions,
) -> Result<FitReport<MbgNbd>> {
    MbgNbd::fit(&weighted_summaries(summaries, unit).await?, options).map_err(external)
}

/// Fits Gamma-Gamma on the repeat customers of `summaries` (see [`spend_summaries`]).
///
/// # Errors
///
/// As [`spend_summaries`] and [`GammaGamma::fit`].
pub async fn fit_gamma_gamma(summaries: DataFrame, options: &FitOptions) -> Result<FitReport<GammaGamma>> {
    GammaGamma::fit(&spend_summaries(summaries).await?, options).map_err(external)
}

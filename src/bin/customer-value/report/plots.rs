//! `--plots DIR` (feature `plot`): the report's charts as SVG files in a folder. The
//! names are part of the contract (README.md): add charts, never rename one. A chart that
//! cannot be drawn for these data (no holdout, a model without a closed form) is named on
//! standard error with the reason; the others are still written.

use std::hash::Hash;
use std::path::Path;

use chrono::NaiveDate;
use customer_value::btyd::HoldoutEvaluation;
use customer_value::churn::{CohortMetric, CohortPeriod, CohortSpec, CohortTable};
use customer_value::plot::btyd::{
    MatrixGrid, TrackingCurve, TrackingPoint, calibration_vs_holdout, calibration_vs_holdout_by_recency,
    clv_distribution, dropout_density, frequency_recency_matrix, p_alive_matrix, period_transactions,
    tracking_cumulative, tracking_incremental, transaction_rate_density,
};
use customer_value::plot::{PlotOptions, segment, write_svg};
use customer_value::segment::{Concentration, segment_overview};
use customer_value::{PurchaseDate, Summaries, TransactionColumns, money};

use super::models::{Models, Predictions};
use super::text::tracking;
use super::{AnyError, Options};

/// The files written, and the charts skipped with the reason.
pub type Written = (Vec<String>, Vec<(String, String)>);

/// Writes the charts into `dir` (created if missing); returns the files written and the
/// charts skipped with their reasons.
pub fn write_plots<K, D>(
    o: &Options,
    dir: &str,
    s: &Summaries<K>,
    log: TransactionColumns<'_, K, D>,
    models: &Models,
    predictions: Result<&Predictions<'_, K>, &String>,
) -> Result<Written, AnyError>
where
    K: std::fmt::Debug + Eq + Hash + Ord + Clone,
    D: PurchaseDate,
{
    std::fs::create_dir_all(dir).map_err(|e| format!("--plots {dir}: {e}"))?;
    let opts = PlotOptions::default();
    let mut written = Vec::new();
    let mut skipped = Vec::new();
    let mut put = |name: &str, svg: Result<String, AnyError>| -> Result<(), AnyError> {
        match svg {
            Ok(svg) => {
                let path = Path::new(dir).join(name);
                write_svg(&path, &svg).map_err(|e| format!("{}: {e}", path.display()))?;
                written.push(path.display().to_string());
            }
            Err(e) => skipped.push((name.to_owned(), e.to_string())),
        }
        Ok(())
    };
    let no_model = |e: &String| -> AnyError { format!("no purchase model ({e})").into() };

    // Tracking: the report's own table, every 4 weeks (28 days).
    let curve = predictions
        .map_err(no_model)
        .and_then(|p| tracking_curve(o, s, log, p));
    put(
        "tracking_cumulative.svg",
        curve
            .as_ref()
            .map_err(|e| e.to_string().into())
            .and_then(|c| Ok(tracking_cumulative(c, &opts)?)),
    )?;
    put(
        "tracking_incremental.svg",
        curve
            .as_ref()
            .map_err(|e| e.to_string().into())
            .and_then(|c| Ok(tracking_incremental(c, &opts)?)),
    )?;
    let holdout: Result<&HoldoutEvaluation, AnyError> = predictions.map_err(no_model).and_then(|p| {
        p.holdout
            .as_ref()
            .ok_or_else(|| "no holdout period (--calibration-end)".into())
    });
    put(
        "calibration_vs_holdout.svg",
        holdout.and_then(|h| Ok(calibration_vs_holdout(h, &opts)?)),
    )?;
    put(
        "calibration_vs_holdout_recency.svg",
        predictions.map_err(no_model).and_then(|p| {
            if p.holdout.is_none() {
                return Err("no holdout period (--calibration-end)".into());
            }
            Ok(calibration_vs_holdout_by_recency(&p.table, 10, &opts)?)
        }),
    )?;
    let model = predictions.map_err(no_model).map(|p| p.purchase.model.as_ref());
    put(
        "period_transactions.svg",
        model
            .as_ref()
            .map_err(|e| e.to_string().into())
            .and_then(|m| Ok(period_transactions(s, *m, 7, &opts)?)),
    )?;
    let grid = MatrixGrid::from_summaries(s);
    put(
        "frequency_recency.svg",
        match (&model, &grid) {
            (Ok(m), Ok(g)) => frequency_recency_matrix(*m, g, o.horizon(), &opts).map_err(Into::into),
            (Err(e), _) => Err(e.to_string().into()),
            (_, Err(e)) => Err(e.to_string().into()),
        },
    )?;
    put(
        "p_alive_matrix.svg",
        match (&model, &grid) {
            (Ok(m), Ok(g)) => p_alive_matrix(*m, g, &opts).map_err(Into::into),
            (Err(e), _) => Err(e.to_string().into()),
            (_, Err(e)) => Err(e.to_string().into()),
        },
    )?;
    put(
        "heterogeneity_rate.svg",
        model
            .as_ref()
            .map_err(|e| e.to_string().into())
            .and_then(|m| Ok(transaction_rate_density(*m, &opts)?)),
    )?;
    put(
        "heterogeneity_dropout.svg",
        model
            .as_ref()
            .map_err(|e| e.to_string().into())
            .and_then(|m| Ok(dropout_density(*m, &opts)?)),
    )?;
    put(
        "clv_distribution.svg",
        predictions.map_err(no_model).and_then(|p| {
            if models.spend.is_err() {
                return Err("no spend model, so no CLV".into());
            }
            Ok(clv_distribution(&p.table, &opts)?)
        }),
    )?;
    // Concentration and segments of calibration spend, as in the text report.
    let spend: Vec<f64> = s.customers.iter().map(|c| money::to_f64(c.total_spend)).collect();
    put(
        "lorenz.svg",
        Concentration::new(&spend)
            .map_err(Into::into)
            .and_then(|c| Ok(segment::lorenz(&c, &opts)?)),
    )?;
    put(
        "rfm_segments.svg",
        segment_overview(&s.customers)
            .map_err(Into::into)
            .and_then(|ov| Ok(segment::rfm_segments(&ov, &opts)?)),
    )?;
    put(
        "cohort_retention.svg",
        CohortSpec::new(CohortPeriod::Month, s.spec.observation_end)
            .and_then(|spec| CohortTable::build(&spec, log))
            .map_err(Into::into)
            .and_then(|t| {
                Ok(customer_value::plot::retention::cohort_retention(
                    &t,
                    CohortMetric::Active,
                    &opts,
                )?)
            }),
    )?;
    Ok((written, skipped))
}

fn tracking_curve<K, D>(
    o: &Options,
    s: &Summaries<K>,
    log: TransactionColumns<'_, K, D>,
    p: &Predictions<'_, K>,
) -> Result<TrackingCurve, AnyError>
where
    K: Eq + Hash + Ord + Clone,
    D: PurchaseDate,
{
    let step = if o.unit == customer_value::TimeUnit::WEEK {
        4.0
    } else {
        28.0
    };
    let rows = tracking(
        s,
        log,
        p.purchase.model.as_ref(),
        p.purchase.covariates.as_ref().map(|(g, _)| g),
        step,
    )?;
    let origin = s.customers.iter().map(|c| c.first_purchase).min();
    let calibration_end = match (o.calibration_end, origin) {
        (Some(cal), Some(first)) => Some(days_between(first, cal) / o.unit.days()),
        _ => None,
    };
    let points = rows
        .into_iter()
        .map(|(time, expected, actual)| TrackingPoint {
            time,
            actual: actual as f64,
            expected,
        })
        .collect();
    Ok(TrackingCurve::new(o.unit, calibration_end, points)?)
}

fn days_between(a: NaiveDate, b: NaiveDate) -> f64 {
    (b - a).num_days() as f64
}

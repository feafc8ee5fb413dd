//! The main job as SQL (the `sql_report` example): a Parquet or CSV log in, the
//! per-customer table of `clv_report --json` out — summaries by `btyd_summary` and
//! `btyd_holdout`, the fits on the compressed `GROUP BY`, the scores by the scalar
//! functions.
//!
//! Each step is one SQL statement ([`ReportSql`] holds them, so a user can run them in any
//! engine that has the functions, a Ballista cluster included); only the compressed
//! summaries and the fitted parameters pass through this process.

use chrono::NaiveDate;
use customer_value::btyd::{FitOptions, GammaGamma, TransactionModel};
use customer_value::{SummarySpec, TimeUnit};
use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::datatypes::{DataType, Float64Type, UInt32Type};
use datafusion::common::{Result, exec_err};
use datafusion::prelude::{CsvReadOptions, ParquetReadOptions, SessionContext};
use serde::Serialize;
use serde_json::{Value, json};

use crate::summary::external;

/// The purchase models of the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Model {
    /// BG/NBD (`bgnbd`).
    BgNbd,
    /// Pareto/NBD (`pnbd`).
    Pnbd,
    /// MBG/NBD (`mbgnbd`).
    MbgNbd,
}

impl Model {
    /// The name the SQL functions take.
    #[must_use]
    pub fn sql_name(self) -> &'static str {
        match self {
            Model::BgNbd => "bgnbd",
            Model::Pnbd => "pnbd",
            Model::MbgNbd => "mbgnbd",
        }
    }
}

/// The settings of a report (the flags of `clv_report` it shares).
#[derive(Debug, Clone, PartialEq)]
pub struct ReportOptions {
    /// The log: `.parquet` (columns `customer_id`, `date`, `amount` of any type the
    /// functions read), or CSV with a header (`customer_id`, `date` as `YYYY-MM-DD` or
    /// `YYYYMMDD`, `amount`).
    pub transactions: String,
    /// The calibration end (none: no holdout).
    pub calibration_end: Option<NaiveDate>,
    /// The observation end (none: the last date in the log).
    pub observation_end: Option<NaiveDate>,
    /// The time unit.
    pub unit: TimeUnit,
    /// The purchase model.
    pub model: Model,
    /// The CLV horizon in units (none: 52 weeks or 365 days).
    pub horizon: Option<f64>,
    /// The annual discount rate.
    pub discount_rate: f64,
    /// The fraction of spend kept.
    pub margin: f64,
}

impl ReportOptions {
    /// `clv_report`'s defaults for `transactions`: weeks, BG/NBD, one year, 10 %, margin 1.
    #[must_use]
    pub fn new(transactions: impl Into<String>) -> Self {
        ReportOptions {
            transactions: transactions.into(),
            calibration_end: None,
            observation_end: None,
            unit: TimeUnit::WEEK,
            model: Model::BgNbd,
            horizon: None,
            discount_rate: 0.10,
            margin: 1.0,
        }
    }

    /// The horizon in units.
    #[must_use]
    pub fn horizon(&self) -> f64 {
        self.horizon
            .unwrap_or(if self.unit == TimeUnit::WEEK { 52.0 } else { 365.0 })
    }
}

/// The SQL of a report's steps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportSql {
    /// The per-customer summaries (a view named `summaries`).
    pub summaries: String,
    /// The scores, given the fitted parameters (over `summaries`).
    pub scores: String,
}

/// Registers the log of `o` as the table `log` (customer_id, date, amount), CSV columns
/// typed as the crate's reader types them: numeric customer ids as numbers (else text),
/// dates as `DATE`, amounts as text read exactly.
async fn register_log(ctx: &SessionContext, o: &ReportOptions) -> Result<()> {
    let path = o.transactions.as_str();
    if path.ends_with(".parquet") {
        ctx.register_parquet("raw", path, ParquetReadOptions::default())
            .await?;
        ctx.sql("CREATE VIEW log AS SELECT customer_id, date, amount FROM raw")
            .await?;
        return Ok(());
    }
    let text = datafusion::arrow::datatypes::Schema::new(vec![
        datafusion::arrow::datatypes::Field::new("customer_id", DataType::Utf8, false),
        datafusion::arrow::datatypes::Field::new("date", DataType::Utf8, false),
        datafusion::arrow::datatypes::Field::new("amount", DataType::Utf8, false),
    ]);
    let extension = std::path::Path::new(path)
        .extension()
        .and_then(|e| e.to_str())
        .map_or(String::new(), |e| format!(".{e}"));
    ctx.register_csv(
        "raw",
        path,
        CsvReadOptions::new().schema(&text).file_extension(&extension),
    )
    .await?;
    let numeric = ctx
        .sql("SELECT count(*) FROM raw WHERE try_cast(customer_id AS BIGINT UNSIGNED) IS NULL")
        .await?
        .collect()
        .await?;
    let non_numeric = numeric
        .first()
        .and_then(|b| {
            b.column(0)
                .as_primitive_opt::<datafusion::arrow::datatypes::Int64Type>()
        })
        .map_or(1, |c| c.value(0));
    let customer = if non_numeric == 0 {
        "CAST(customer_id AS BIGINT UNSIGNED)"
    } else {
        "customer_id"
    };
    ctx.sql(&format!(
        "CREATE VIEW log AS SELECT {customer} AS customer_id, CAST(date AS DATE) AS date, amount FROM raw"
    ))
    .await?;
    Ok(())
}

fn date_sql(d: NaiveDate) -> String {
    format!("DATE '{}'", d.format("%Y-%m-%d"))
}

/// The summaries statement of `spec`.
#[must_use]
pub fn summaries_sql(spec: &SummarySpec) -> String {
    let u = spec.unit.days();
    let cal = spec.calibration_end.unwrap_or(spec.observation_end);
    let (holdout, holdout_columns) = match spec.calibration_end {
        Some(c) => (
            format!(
                ", btyd_holdout(date, amount, {}, {}, {u:?}) AS h",
                date_sql(c),
                date_sql(spec.observation_end)
            ),
            "h['frequency'] AS frequency_holdout, h['duration'] AS duration_holdout",
        ),
        None => (
            String::new(),
            "CAST(NULL AS INT UNSIGNED) AS frequency_holdout, CAST(NULL AS DOUBLE) AS duration_holdout",
        ),
    };
    format!(
        "SELECT customer_id, s['frequency'] AS frequency, s['recency'] AS recency, s['T'] AS \"T\", \
         s['monetary_value'] AS monetary_value, {holdout_columns} \
         FROM (SELECT customer_id, btyd_summary(date, amount, {}, {u:?}) AS s{holdout} \
               FROM log GROUP BY customer_id) \
         WHERE s IS NOT NULL",
        date_sql(cal)
    )
}

/// The scores statement: the scalar functions with the fitted parameters as literals.
#[must_use]
pub fn scores_sql(
    o: &ReportOptions,
    purchase: &dyn TransactionModel,
    spend: &GammaGamma,
    holdout_duration: Option<f64>,
) -> String {
    let params: Vec<String> = purchase
        .parameters()
        .iter()
        .map(|(_, v)| format!("{v:?}"))
        .collect();
    let model = format!("'{}', {}", o.model.sql_name(), params.join(", "));
    let xs = "frequency, recency, \"T\"";
    let holdout = match holdout_duration {
        Some(d) => format!("btyd_expected_purchases({model}, {d:?}, {xs})"),
        None => "CAST(NULL AS DOUBLE)".to_owned(),
    };
    let (p, q, g) = (spend.p(), spend.q(), spend.gamma());
    format!(
        "SELECT *, btyd_clv({model}, {h:?}, {r:?}, {u:?}, {xs}, {margin:?} * expected_spend) AS clv \
         FROM (SELECT *, btyd_p_alive({model}, {xs}) AS p_alive, {holdout} AS expected_purchases_holdout, \
               gamma_gamma_expected_spend({p:?}, {q:?}, {g:?}, frequency, monetary_value) AS expected_spend \
               FROM summaries) \
         ORDER BY customer_id",
        h = o.horizon(),
        r = o.discount_rate,
        u = o.unit.days(),
        margin = o.margin,
    )
}

/// The last date of the log (its observation end by default).
async fn last_date(ctx: &SessionContext) -> Result<NaiveDate> {
    let b = ctx.sql("SELECT max(date) FROM log").await?.collect().await?;
    let day = b
        .first()
        .and_then(|b| {
            b.column(0)
                .as_primitive_opt::<datafusion::arrow::datatypes::Date32Type>()
        })
        .filter(|c| c.is_valid(0))
        .map(|c| c.value(0));
    match day.and_then(|d| NaiveDate::from_num_days_from_ce_opt(d + customer_value::arrow::EPOCH_DAY_NUMBER))
    {
        Some(d) => Ok(d),
        None => exec_err!("the log has no dates"),
    }
}

/// Runs the report of `o` on `ctx` (the functions registered here) and returns the JSON
/// document: `model`, `spend_model`, `sql` and `customers` — one object per customer with
/// `clv_report --json`'s fields `customer_id`, `frequency`, `recency`, `T`,
/// `monetary_value`, `frequency_holdout`, `duration_holdout`, `p_alive`,
/// `expected_purchases_holdout`, `expected_spend` and `clv`.
///
/// # Errors
///
/// A DataFusion error for an unreadable log or a failed query; the crate's errors (bad
/// rows, a fit that fails) as `DataFusionError::External`.
pub async fn run_report(ctx: &SessionContext, o: &ReportOptions) -> Result<Value> {
    crate::register(ctx);
    register_log(ctx, o).await?;
    let observation_end = match o.observation_end {
        Some(d) => d,
        None => last_date(ctx).await?,
    };
    let mut spec = SummarySpec::new(observation_end).with_unit(o.unit);
    if let Some(c) = o.calibration_end {
        spec = spec.with_calibration_end(c);
    }
    spec.validate().map_err(external)?;
    let summaries_sql = summaries_sql(&spec);
    // Materialised once: the fits and the scores both read it.
    let summaries = ctx.sql(&summaries_sql).await?.cache().await?;
    ctx.register_table("summaries", summaries.clone().into_view())?;
    let options = FitOptions::default();
    let purchase: Box<dyn TransactionModel> = match o.model {
        Model::BgNbd => Box::new(
            crate::fit_bg_nbd(summaries.clone(), o.unit, &options)
                .await?
                .model,
        ),
        Model::Pnbd => Box::new(
            crate::fit_pareto_nbd(summaries.clone(), o.unit, &options)
                .await?
                .model,
        ),
        Model::MbgNbd => Box::new(
            crate::fit_mbg_nbd(summaries.clone(), o.unit, &options)
                .await?
                .model,
        ),
    };
    let spend = crate::fit_gamma_gamma(summaries, &options).await?.model;
    let scores_sql = scores_sql(o, purchase.as_ref(), &spend, spec.holdout_duration());
    let batches = ctx.sql(&scores_sql).await?.collect().await?;
    let mut customers = Vec::new();
    for b in &batches {
        customers.extend(customer_rows(b)?);
    }
    let params: serde_json::Map<String, Value> = purchase
        .parameters()
        .into_iter()
        .map(|(n, v)| (n.to_owned(), json!(v)))
        .collect();
    Ok(json!({
        "observation_end": spec.observation_end,
        "calibration_end": spec.calibration_end,
        "unit_days": o.unit.days(),
        "model": { "name": purchase.name(), "params": params },
        "spend_model": { "name": "gamma_gamma", "params": { "p": spend.p(), "q": spend.q(), "gamma": spend.gamma() } },
        "sql": { "summaries": summaries_sql, "scores": scores_sql },
        "customers": customers,
    }))
}

/// The customers of a scores batch as JSON objects.
fn customer_rows(b: &RecordBatch) -> Result<Vec<Value>> {
    let column = |name: &str| {
        b.column_by_name(name)
            .ok_or_else(|| external(format!("internal: no column {name}")))
    };
    let floats = |name: &str| -> Result<Vec<Option<f64>>> {
        let a = datafusion::arrow::compute::cast(column(name)?, &DataType::Float64)?;
        Ok(a.as_primitive::<Float64Type>().iter().collect())
    };
    let counts = |name: &str| -> Result<Vec<Option<u32>>> {
        let a = datafusion::arrow::compute::cast(column(name)?, &DataType::UInt32)?;
        Ok(a.as_primitive::<UInt32Type>().iter().collect())
    };
    let ids = column("customer_id")?;
    let id = |i: usize| -> Value {
        match ids.data_type() {
            DataType::UInt64 => json!(
                ids.as_primitive::<datafusion::arrow::datatypes::UInt64Type>()
                    .value(i)
            ),
            DataType::Int64 => json!(
                ids.as_primitive::<datafusion::arrow::datatypes::Int64Type>()
                    .value(i)
            ),
            _ => datafusion::arrow::util::display::array_value_to_string(ids, i)
                .map_or(Value::Null, Value::String),
        }
    };
    let (x, xh) = (counts("frequency")?, counts("frequency_holdout")?);
    let [tx, t, m, dh, pa, eh, es, clv] = [
        "recency",
        "T",
        "monetary_value",
        "duration_holdout",
        "p_alive",
        "expected_purchases_holdout",
        "expected_spend",
        "clv",
    ]
    .map(floats);
    let (tx, t, m, dh, pa, eh, es, clv) = (tx?, t?, m?, dh?, pa?, eh?, es?, clv?);
    let at = |v: &[Option<f64>], i: usize| v.get(i).copied().flatten();
    Ok((0..b.num_rows())
        .map(|i| {
            json!({
                "customer_id": id(i),
                "frequency": x.get(i).copied().flatten(),
                "recency": at(&tx, i),
                "T": at(&t, i),
                "monetary_value": at(&m, i),
                "frequency_holdout": xh.get(i).copied().flatten(),
                "duration_holdout": at(&dh, i),
                "p_alive": at(&pa, i),
                "expected_purchases_holdout": at(&eh, i),
                "expected_spend": at(&es, i),
                "clv": at(&clv, i),
            })
        })
        .collect())
}

//! `sql_report` (the main job as SQL) equals `clv_report --json` on the same log: the
//! summaries exactly, the model outputs to 1e-9 relative — on the CSV and on a Parquet
//! copy of it (dates as Date32, amounts as Decimal128).
//!
//! `clv_report` is run through its own code: the report module shared by the example and
//! the command, included here as the example includes it.

#[allow(dead_code, unexpected_cfgs, clippy::all)]
#[path = "../../../src/bin/customer-value/report/mod.rs"]
mod report;

use chrono::NaiveDate;
use customer_value::TimeUnit;
use customer_value_datafusion::report::{Model, ReportOptions, run_report};
use datafusion::dataframe::DataFrameWriteOptions;
use datafusion::prelude::{CsvReadOptions, SessionContext};
use serde_json::Value;

const SAMPLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../data/cdnow_sample_transactions.csv"
);

fn clv_report(path: &str, model: report::ModelChoice, cal: NaiveDate, obs: NaiveDate) -> Value {
    let mut o = report::Options::new(Some(path.to_owned()));
    o.calibration_end = Some(cal);
    o.observation_end = Some(obs);
    o.unit = TimeUnit::WEEK;
    o.model = model;
    o.output = report::Output::Json;
    let mut out = Vec::new();
    report::run_to(&o, &mut out).unwrap();
    serde_json::from_slice(&out).unwrap()
}

async fn sql_report(path: &str, model: Model, cal: NaiveDate, obs: NaiveDate) -> Value {
    let mut o = ReportOptions::new(path);
    o.calibration_end = Some(cal);
    o.observation_end = Some(obs);
    o.model = model;
    run_report(&SessionContext::new(), &o).await.unwrap()
}

fn close(a: &Value, b: &Value, what: &str, id: &Value) {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => {
            let scale = x.abs().max(y.abs()).max(1e-300);
            assert!((x - y).abs() / scale <= 1e-9, "customer {id} {what}: {x} vs {y}");
        }
        _ => assert_eq!(a, b, "customer {id} {what}"),
    }
}

fn compare(want: &Value, got: &Value) {
    let (w, g) = (
        want["customers"].as_array().unwrap(),
        got["customers"].as_array().unwrap(),
    );
    assert_eq!(w.len(), g.len());
    // Every customer is scored (no comparison of nulls with nulls).
    for field in ["p_alive", "expected_purchases_holdout", "expected_spend", "clv"] {
        assert!(g.iter().all(|c| c[field].is_f64()), "{field} missing");
    }
    for (w, g) in w.iter().zip(g) {
        let id = &w["customer_id"];
        for exact in [
            "customer_id",
            "frequency",
            "recency",
            "T",
            "monetary_value",
            "frequency_holdout",
            "duration_holdout",
        ] {
            assert_eq!(w[exact], g[exact], "customer {id} {exact}");
        }
        for model in ["p_alive", "expected_purchases_holdout", "expected_spend", "clv"] {
            close(&w[model], &g[model], model, id);
        }
    }
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

#[tokio::test]
async fn sql_report_equals_clv_report_on_the_cdnow_sample() {
    let (cal, obs) = (d(1997, 9, 30), d(1998, 6, 30));
    let want = clv_report(SAMPLE, report::ModelChoice::BetaGeometric, cal, obs);
    let got = sql_report(SAMPLE, Model::BgNbd, cal, obs).await;
    assert_eq!(got["customers"].as_array().unwrap().len(), 2357);
    compare(&want, &got);

    // The same log as Parquet, with typed columns.
    let ctx = SessionContext::new();
    let parquet = std::env::temp_dir().join(format!("cv-df-sample-{}.parquet", std::process::id()));
    let parquet = parquet.to_str().unwrap().to_owned();
    ctx.register_csv("csv", SAMPLE, CsvReadOptions::new())
        .await
        .unwrap();
    ctx.sql(
        "SELECT CAST(customer_id AS BIGINT UNSIGNED) AS customer_id, CAST(date AS DATE) AS date, \
             CAST(amount AS DECIMAL(12, 2)) AS amount FROM csv",
    )
    .await
    .unwrap()
    .write_parquet(
        &parquet,
        DataFrameWriteOptions::new().with_single_file_output(true),
        None,
    )
    .await
    .unwrap();
    let got = sql_report(&parquet, Model::BgNbd, cal, obs).await;
    compare(&want, &got);
    let _ = std::fs::remove_file(&parquet);
}

#[tokio::test]
async fn sql_report_equals_clv_report_with_pareto_and_mbg_nbd() {
    let (cal, obs) = (d(1997, 9, 30), d(1998, 6, 30));
    for (choice, model) in [
        (report::ModelChoice::Pareto, Model::Pnbd),
        (report::ModelChoice::ModifiedBetaGeometric, Model::MbgNbd),
    ] {
        let want = clv_report(SAMPLE, choice, cal, obs);
        let got = sql_report(SAMPLE, model, cal, obs).await;
        compare(&want, &got);
    }
}

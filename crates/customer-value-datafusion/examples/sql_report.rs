//! The main job as SQL on Apache DataFusion: a Parquet or CSV log in, the per-customer
//! value table of `clv_report --json` out.
//!
//! ```text
//! cargo run -p customer-value-datafusion --example sql_report -- --json
//! cargo run -p customer-value-datafusion --example sql_report -- --transactions log.parquet \
//!     --calibration-end 1997-09-30 --observation-end 1998-06-30 --unit week --model pnbd --json
//! ```
//!
//! The flags are `clv_report`'s (`--transactions`, `--calibration-end`,
//! `--observation-end`, `--unit`, `--model`, `--horizon`, `--discount-rate`, `--margin`,
//! `--json`), and so are the per-customer JSON fields. The SQL of each step is printed
//! with the text report and included in the JSON document (`sql`).

use std::process::ExitCode;

use chrono::NaiveDate;
use customer_value::TimeUnit;
use customer_value_datafusion::report::{Model, ReportOptions, run_report};
use datafusion::prelude::SessionContext;

const USAGE: &str = "usage: sql_report [--transactions FILE.parquet|FILE.csv] [--calibration-end YYYY-MM-DD]
                  [--observation-end YYYY-MM-DD] [--unit day|week] [--model bgnbd|pnbd|mbgnbd]
                  [--horizon N] [--discount-rate R] [--margin F] [--json]

With no --transactions, runs on the bundled CDNOW sample (calibration end 1997-09-30,
observation end 1998-06-30, weeks).";

const BUNDLED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../data/cdnow_sample_transactions.csv"
);

fn parse_args(args: impl Iterator<Item = String>) -> Result<(ReportOptions, bool), String> {
    let mut o = ReportOptions::new(BUNDLED);
    let (mut json, mut named) = (false, false);
    let mut args = args.peekable();
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--transactions" => {
                o.transactions = value()?;
                named = true;
            }
            "--calibration-end" => o.calibration_end = Some(parse_date(&value()?)?),
            "--observation-end" => o.observation_end = Some(parse_date(&value()?)?),
            "--unit" => {
                o.unit = match value()?.as_str() {
                    "day" => TimeUnit::DAY,
                    "week" => TimeUnit::WEEK,
                    other => return Err(format!("--unit must be day or week, not `{other}`")),
                }
            }
            "--model" => {
                o.model = match value()?.as_str() {
                    "bgnbd" => Model::BgNbd,
                    "pnbd" => Model::Pnbd,
                    "mbgnbd" => Model::MbgNbd,
                    other => return Err(format!("--model must be bgnbd, pnbd or mbgnbd, not `{other}`")),
                }
            }
            "--horizon" => o.horizon = Some(number(&flag, &value()?)?),
            "--discount-rate" => o.discount_rate = number(&flag, &value()?)?,
            "--margin" => o.margin = number(&flag, &value()?)?,
            "--json" => json = true,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    if !named {
        o.calibration_end = o.calibration_end.or(NaiveDate::from_ymd_opt(1997, 9, 30));
        o.observation_end = o.observation_end.or(NaiveDate::from_ymd_opt(1998, 6, 30));
    }
    Ok((o, json))
}

fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| format!("`{s}` is not a date YYYY-MM-DD"))
}

fn number(flag: &str, s: &str) -> Result<f64, String> {
    s.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| format!("{flag}: `{s}` is not a number"))
}

#[tokio::main]
async fn main() -> ExitCode {
    let (options, json) = match parse_args(std::env::args().skip(1)) {
        Ok(o) => o,
        Err(msg) => {
            if !msg.is_empty() {
                eprintln!("sql_report: {msg}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let ctx = SessionContext::new();
    let doc = match run_report(&ctx, &options).await {
        Ok(d) => d,
        Err(e) => {
            eprintln!("sql_report: {}: {e}", options.transactions);
            return ExitCode::FAILURE;
        }
    };
    if json {
        println!("{doc}");
        return ExitCode::SUCCESS;
    }
    let customers = doc["customers"].as_array().map_or(&[][..], Vec::as_slice);
    let total: f64 = customers.iter().filter_map(|c| c["clv"].as_f64()).sum();
    println!(
        "sql_report: {} ({} customers)",
        options.transactions,
        customers.len()
    );
    println!("model: {}  spend model: {}", doc["model"], doc["spend_model"]);
    println!(
        "summaries SQL:\n  {}",
        doc["sql"]["summaries"].as_str().unwrap_or_default()
    );
    println!(
        "scores SQL:\n  {}",
        doc["sql"]["scores"].as_str().unwrap_or_default()
    );
    println!("total CLV over the horizon: {total:.2}");
    println!("customer_id  frequency  recency  T  p_alive  expected_spend  clv");
    for c in customers.iter().take(10) {
        println!(
            "{}  {}  {:.2}  {:.2}  {:.4}  {:.2}  {:.2}",
            c["customer_id"],
            c["frequency"],
            c["recency"].as_f64().unwrap_or(f64::NAN),
            c["T"].as_f64().unwrap_or(f64::NAN),
            c["p_alive"].as_f64().unwrap_or(f64::NAN),
            c["expected_spend"].as_f64().unwrap_or(f64::NAN),
            c["clv"].as_f64().unwrap_or(f64::NAN),
        );
    }
    ExitCode::SUCCESS
}

//! The main job's SQL on a Ballista standalone cluster (scheduler and executor in this
//! process), compared with the same SQL on plain DataFusion.
//!
//! ```text
//! cargo run -p customer-value-datafusion --features ballista --example ballista_standalone
//! cargo run -p customer-value-datafusion --features ballista --example ballista_standalone -- log.parquet
//! ```
//!
//! Runs `sql_report`'s statements (summaries by `btyd_summary`/`btyd_holdout`, the fits
//! on the compressed `GROUP BY`, the scores by the scalar functions) on the bundled CDNOW
//! sample (or the given log; calibration end 1997-09-30, observation end 1998-06-30,
//! weeks, BG/NBD), and prints how many customers agree: the summaries exactly, the model
//! outputs to 1e-9 relative.

use std::process::ExitCode;
use std::time::Instant;

use chrono::NaiveDate;
use customer_value_datafusion::report::{Model, ReportOptions, run_report};
use datafusion::prelude::SessionContext;
use serde_json::Value;

const BUNDLED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../data/cdnow_sample_transactions.csv"
);

const EXACT: [&str; 7] = [
    "customer_id",
    "frequency",
    "recency",
    "T",
    "monetary_value",
    "frequency_holdout",
    "duration_holdout",
];
const MODEL: [&str; 4] = ["p_alive", "expected_purchases_holdout", "expected_spend", "clv"];

/// The customers on which the two tables disagree (field by field), or a shape error.
fn differences(want: &Value, got: &Value) -> Result<Vec<String>, String> {
    let (Some(w), Some(g)) = (want["customers"].as_array(), got["customers"].as_array()) else {
        return Err("no customer table".to_owned());
    };
    if w.len() != g.len() {
        return Err(format!(
            "{} customers on DataFusion, {} on Ballista",
            w.len(),
            g.len()
        ));
    }
    let mut out = Vec::new();
    for (a, b) in w.iter().zip(g) {
        let id = &a["customer_id"];
        for f in EXACT {
            if a[f] != b[f] {
                out.push(format!("customer {id} {f}: {} vs {}", a[f], b[f]));
            }
        }
        for f in MODEL {
            let same = match (a[f].as_f64(), b[f].as_f64()) {
                (Some(x), Some(y)) => (x - y).abs() <= 1e-9 * x.abs().max(y.abs()).max(1e-300),
                _ => a[f] == b[f],
            };
            if !same {
                out.push(format!("customer {id} {f}: {} vs {}", a[f], b[f]));
            }
        }
    }
    Ok(out)
}

async fn run(path: &str) -> Result<(), String> {
    let mut o = ReportOptions::new(path);
    o.calibration_end = NaiveDate::from_ymd_opt(1997, 9, 30);
    o.observation_end = NaiveDate::from_ymd_opt(1998, 6, 30);
    o.model = Model::BgNbd;

    let start = Instant::now();
    let plain = run_report(&SessionContext::new(), &o)
        .await
        .map_err(|e| format!("DataFusion: {e}"))?;
    let plain_time = start.elapsed();

    let start = Instant::now();
    let ctx = customer_value_datafusion::ballista::standalone(4, 2)
        .await
        .map_err(|e| format!("Ballista standalone cluster: {e}"))?;
    let cluster_start = start.elapsed();
    let start = Instant::now();
    let on_ballista = run_report(&ctx, &o).await.map_err(|e| format!("Ballista: {e}"))?;
    let ballista_time = start.elapsed();

    let customers = plain["customers"].as_array().map_or(0, Vec::len);
    println!("log: {path}");
    println!("DataFusion: {customers} customers in {plain_time:.2?}");
    println!(
        "Ballista standalone (4 partitions, 2 executor slots): cluster up in {cluster_start:.2?}, report in {ballista_time:.2?}"
    );
    println!("model on DataFusion: {}", plain["model"]);
    println!("model on Ballista:   {}", on_ballista["model"]);
    let diff = differences(&plain, &on_ballista)?;
    if diff.is_empty() {
        println!(
            "all {customers} customers agree: {} exactly, {} to 1e-9 relative",
            EXACT.join(", "),
            MODEL.join(", ")
        );
        Ok(())
    } else {
        for d in diff.iter().take(10) {
            println!("{d}");
        }
        Err(format!("{} differences", diff.len()))
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let path = std::env::args().nth(1).unwrap_or_else(|| BUNDLED.to_owned());
    match run(&path).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ballista_standalone: {e}");
            ExitCode::FAILURE
        }
    }
}

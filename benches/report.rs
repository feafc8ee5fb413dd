//! The main job end to end and the scoring call alone.
//!
//! * `main_job/json_1e6`: what `clv_report --json` does on 1,000,000 rows of 100,000
//!   customers — read the CSV file, calibration/holdout summaries (calibration end
//!   2023-06-30), BG/NBD and Gamma-Gamma fits with standard errors, the value table
//!   (P(alive), expected purchases, CLV), the JSON written (to a sink). The peer's
//!   `synthetic_1e6.csv` when `CV_BENCH_DATA` points at the harness's data folder, else the
//!   generated rows written to a temporary file.
//! * `main_job/text_1e6`: the text report (adds tracking, churn and segments).
//! * `score/bgnbd`, `score/pnbd`: `score::score` alone on the summaries of that log;
//!   `score/bgnbd_1e6`, `score/pnbd_1e6` on the 852,737 calibration customers of
//!   10,000,000 rows (`synthetic_1e7.csv`). Without the `parallel` feature: one core.

mod common;

#[allow(dead_code, reason = "the bench calls only `run_to` of the shared report")]
#[path = "../src/bin/customer-value/report/mod.rs"]
mod report;

use std::hint::black_box;

use chrono::NaiveDate;
use criterion::{Criterion, criterion_group, criterion_main};
use customer_value::btyd::{BgNbd, DiscountRate, FitOptions, ParetoNbd, WeightedSummaries};
use customer_value::score::{ScoreSpec, score};
use customer_value::{SummarySpec, TimeUnit, summarise_columns};

fn log_file() -> std::path::PathBuf {
    if let Some(dir) = std::env::var_os("CV_BENCH_DATA") {
        let path = std::path::Path::new(&dir).join("synthetic_1e6.csv");
        if path.exists() {
            return path;
        }
    }
    let path = std::env::temp_dir().join(format!("customer-value-bench-{}.csv", std::process::id()));
    std::fs::write(&path, common::csv_text(&common::synthetic(1_000_000, 20_240_607))).unwrap();
    path
}

fn options(path: &std::path::Path, output: report::Output) -> report::Options {
    let mut o = report::Options::new(Some(path.display().to_string()));
    o.calibration_end = NaiveDate::from_ymd_opt(2023, 6, 30);
    o.output = output;
    o
}

fn bench_main_job(c: &mut Criterion) {
    customer_value::summary::set_kernel_memory_hints(true);
    let path = log_file();
    let mut group = c.benchmark_group("main_job");
    group.sample_size(10);
    for (name, output) in [
        ("json_1e6", report::Output::Json),
        ("text_1e6", report::Output::Text),
    ] {
        let o = options(&path, output);
        group.bench_function(name, |b| {
            b.iter(|| report::run_to(black_box(&o), &mut std::io::sink()).unwrap())
        });
    }
    group.finish();

    let text = std::fs::read(&path).unwrap();
    let log = customer_value::io::read_transactions_csv::<u64, _>(text.as_slice()).unwrap();
    let spec = SummarySpec::new(NaiveDate::from_ymd_opt(2023, 12, 31).unwrap())
        .with_calibration_end(NaiveDate::from_ymd_opt(2023, 6, 30).unwrap())
        .with_unit(TimeUnit::WEEK);
    let s = summarise_columns(spec, log.columns()).unwrap();
    let data = WeightedSummaries::from_columns(&s.columns()).unwrap();
    let bg = BgNbd::fit(&data, &FitOptions::default()).unwrap().model;
    let pn = ParetoNbd::fit(&data, &FitOptions::default()).unwrap().model;
    let year = TimeUnit::from_days(365.0).unwrap();
    let spec = ScoreSpec::new(TimeUnit::WEEK, 52.0, DiscountRate::new(0.1, year).unwrap())
        .unwrap()
        .with_value_per_purchase(10.0)
        .unwrap();
    let mut group = c.benchmark_group("score");
    group.sample_size(10);
    group.bench_function("bgnbd", |b| {
        b.iter(|| score(black_box(&s), &bg, None, &spec).unwrap())
    });
    group.bench_function("pnbd", |b| {
        b.iter(|| score(black_box(&s), &pn, None, &spec).unwrap())
    });
    group.finish();
    if std::env::var_os("CV_BENCH_DATA").is_none() {
        std::fs::remove_file(&path).ok();
    }
    bench_score_1e6(c, &spec);
}

/// `score/*_1e6`: the scoring call on the calibration customers of 10,000,000 rows
/// (852,737 customers of the peer's `synthetic_1e7.csv` when `CV_BENCH_DATA` points at the
/// harness's data folder, else the generated rows).
fn bench_score_1e6(c: &mut Criterion, spec: &ScoreSpec) {
    let log = std::env::var_os("CV_BENCH_DATA")
        .map(|dir| std::path::Path::new(&dir).join("synthetic_1e7.csv"))
        .filter(|p| p.exists())
        .map(|p| {
            let text = std::fs::read(p).unwrap();
            customer_value::io::read_transactions_csv::<u64, _>(text.as_slice()).unwrap()
        })
        .unwrap_or_else(|| {
            let text = common::csv_text(&common::synthetic(10_000_000, 20_240_607));
            customer_value::io::read_transactions_csv::<u64, _>(text.as_slice()).unwrap()
        });
    let summary = SummarySpec::new(NaiveDate::from_ymd_opt(2023, 12, 31).unwrap())
        .with_calibration_end(NaiveDate::from_ymd_opt(2023, 6, 30).unwrap())
        .with_unit(TimeUnit::WEEK);
    let s = summarise_columns(summary, log.columns()).unwrap();
    drop(log);
    let data = WeightedSummaries::from_columns(&s.columns()).unwrap();
    let bg = BgNbd::fit(&data, &FitOptions::default()).unwrap().model;
    let pn = ParetoNbd::fit(&data, &FitOptions::default()).unwrap().model;
    let mut group = c.benchmark_group("score");
    group.sample_size(10);
    group.bench_function("bgnbd_1e6", |b| {
        b.iter(|| score(black_box(&s), &bg, None, spec).unwrap())
    });
    group.bench_function("pnbd_1e6", |b| {
        b.iter(|| score(black_box(&s), &pn, None, spec).unwrap())
    });
    group.finish();
}

criterion_group!(benches, bench_main_job);
criterion_main!(benches);

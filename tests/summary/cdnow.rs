//! Reproduces lifetimes' calibration/holdout summary of the CDNOW sample (the golden file
//! `data/cdnow_sample_summary.csv`, see `data/README.md`) from the raw log.

use std::fs::File;
use std::io::BufReader;
use std::path::PathBuf;

use chrono::NaiveDate;
use customer_value::io::read_transactions_csv;
use customer_value::{SummarySpec, TimeUnit, summarise_columns};
use rust_decimal::prelude::ToPrimitive;

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data").join(name)
}

struct Golden {
    id: u64,
    frequency: u32,
    recency: f64,
    t: f64,
    monetary: f64,
    frequency_holdout: u32,
    duration_holdout: f64,
}

fn golden() -> Vec<Golden> {
    let text = std::fs::read_to_string(data("cdnow_sample_summary.csv")).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "customer_id,frequency,recency,T,monetary_value,frequency_holdout,duration_holdout"
    );
    lines
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            Golden {
                id: f[0].parse().unwrap(),
                frequency: f[1].parse::<f64>().unwrap() as u32,
                recency: f[2].parse().unwrap(),
                t: f[3].parse().unwrap(),
                monetary: f[4].parse().unwrap(),
                frequency_holdout: f[5].parse::<f64>().unwrap() as u32,
                duration_holdout: f[6].parse().unwrap(),
            }
        })
        .collect()
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

#[test]
fn cdnow_calibration_holdout_matches_lifetimes() {
    let file = BufReader::new(File::open(data("cdnow_sample_transactions.csv")).unwrap());
    let log = read_transactions_csv::<u64, _>(file).unwrap();
    assert_eq!(log.len(), 6919);

    let spec = SummarySpec::new(d(1998, 6, 30))
        .with_calibration_end(d(1997, 9, 30))
        .with_unit(TimeUnit::WEEK);
    let s = summarise_columns(spec, log.columns()).unwrap();
    let golden = golden();
    assert_eq!(s.customers.len(), golden.len());
    assert_eq!(s.customers.len(), 2357);

    let sum_freq: u32 = s.customers.iter().map(|c| c.frequency).sum();
    let sum_hold: u32 = s
        .customers
        .iter()
        .map(|c| c.holdout.as_ref().unwrap().frequency)
        .sum();
    let zeros = s.customers.iter().filter(|c| c.frequency == 0).count();
    assert_eq!(sum_freq, 2457);
    assert_eq!(sum_hold, 1882);
    assert_eq!(zeros, 1411);

    for (c, g) in s.customers.iter().zip(&golden) {
        assert_eq!(c.customer, g.id);
        assert_eq!(c.frequency, g.frequency, "customer {}", g.id);
        assert!((c.recency - g.recency).abs() < 1e-6, "customer {} recency", g.id);
        assert!((c.age - g.t).abs() < 1e-6, "customer {} T", g.id);
        let m = c.monetary_value.to_f64().unwrap();
        assert!(
            (m - g.monetary).abs() < 1e-6,
            "customer {} monetary {m} vs {}",
            g.id,
            g.monetary
        );
        let h = c.holdout.as_ref().unwrap();
        assert_eq!(h.frequency, g.frequency_holdout, "customer {} holdout", g.id);
        assert!((h.duration - g.duration_holdout).abs() < 1e-12);
    }

    // Every row is accounted for: the sample ends on the observation end, and every
    // customer first bought in 1997 Q1, so nothing is excluded.
    let r = s.report;
    assert_eq!(r.rows, 6919);
    assert_eq!(r.rows_summarised, 6919);
    assert_eq!(r.rows_after_observation_end + r.rows_of_excluded_customers, 0);
    assert_eq!(r.customers, 2357);
}

#[test]
fn columns_view_matches_summaries() {
    let file = BufReader::new(File::open(data("cdnow_sample_transactions.csv")).unwrap());
    let log = read_transactions_csv::<u64, _>(file).unwrap();
    let spec = SummarySpec::new(d(1998, 6, 30))
        .with_calibration_end(d(1997, 9, 30))
        .with_unit(TimeUnit::WEEK);
    let s = summarise_columns(spec, log.columns()).unwrap();
    let cols = s.columns();
    cols.validate().unwrap();
    assert_eq!(cols.len(), 2357);
    let hold = cols.holdout.as_ref().unwrap();
    assert!((hold.frequency.iter().sum::<f64>() - 1882.0).abs() < 1e-9);
    assert!((cols.frequency.iter().sum::<f64>() - 2457.0).abs() < 1e-9);
}

/// The whole observation without holdout, as the peer harness measured it with lifetimes'
/// `summary_data_from_transaction_data` (docs/bench/lifetimes-2026-11-22.jsonl): 2,357
/// customers, Σfrequency 4,339.
#[test]
fn cdnow_full_observation_matches_lifetimes() {
    let file = BufReader::new(File::open(data("cdnow_sample_transactions.csv")).unwrap());
    let log = read_transactions_csv::<u64, _>(file).unwrap();
    let spec = SummarySpec::new(d(1998, 6, 30)).with_unit(TimeUnit::WEEK);
    let s = summarise_columns(spec, log.columns()).unwrap();
    assert_eq!(s.customers.len(), 2357);
    assert_eq!(s.customers.iter().map(|c| c.frequency).sum::<u32>(), 4339);
}

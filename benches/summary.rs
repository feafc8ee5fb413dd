//! Summaries from 1e6 and 1e7 synthetic rows (u64 keys), single-threaded and, with the
//! `parallel` feature, on all cores. Rows per second = elements per second in the report.

mod common;

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use customer_value::{SummarySpec, TimeUnit, TransactionColumns, summarise_columns};

/// lifetimes' `calibration_and_holdout_data` workload: the CDNOW sample, parsed once.
fn bench_cdnow(c: &mut Criterion) {
    customer_value::summary::set_kernel_memory_hints(true);
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/cdnow_sample_transactions.csv");
    let file = std::io::BufReader::new(std::fs::File::open(path).unwrap());
    let log = customer_value::io::read_transactions_csv::<u64, _>(file).unwrap();
    let d = |y, m, day| chrono::NaiveDate::from_ymd_opt(y, m, day).unwrap();
    let spec = SummarySpec::new(d(1998, 6, 30))
        .with_calibration_end(d(1997, 9, 30))
        .with_unit(TimeUnit::WEEK);
    let mut group = c.benchmark_group("summary");
    group.throughput(Throughput::Elements(log.len() as u64));
    group.bench_function("cdnow_calibration_holdout", |b| {
        b.iter(|| summarise_columns(spec, black_box(log.columns())).unwrap())
    });
    group.finish();
}

fn bench_summaries(c: &mut Criterion) {
    customer_value::summary::set_kernel_memory_hints(true);
    let mut group = c.benchmark_group("summary");
    group.sample_size(10);
    let spec = SummarySpec::new(common::end()).with_unit(TimeUnit::WEEK);
    for (label, rows, seed) in [("1e6", 1_000_000, 20_240_607), ("1e7", 10_000_000, 20_240_608)] {
        let (log, source) = match common::peer_file(label) {
            Some(log) => (log, "peer_file"),
            None => (common::synthetic(rows, seed), "generated"),
        };
        let cols = TransactionColumns::new(&log.customers, &log.dates, &log.amounts).unwrap();
        group.throughput(Throughput::Elements(cols.len() as u64));
        let id = format!("{label}_{source}");
        group.bench_with_input(BenchmarkId::new("single_thread", &id), &cols, |b, cols| {
            b.iter(|| summarise_columns(spec, black_box(*cols)).unwrap())
        });
        #[cfg(feature = "parallel")]
        group.bench_with_input(BenchmarkId::new("parallel", &id), &cols, |b, cols| {
            b.iter(|| customer_value::summarise_columns_parallel(spec, black_box(*cols)).unwrap())
        });
    }
    group.finish();
}

/// `summarise_columns` (compact in-order route, general customers the general way) beside
/// the general `SummaryBuilder` on three shapes of the same 1e6 generated rows: in date
/// order, in date order with a return in one row in seven of a third of the customers, and
/// shuffled (the route gives up early and hands the log to the general builder).
fn bench_routes(c: &mut Criterion) {
    customer_value::summary::set_kernel_memory_hints(true);
    let mut group = c.benchmark_group("summary_routes");
    group.sample_size(10);
    let spec = SummarySpec::new(common::end()).with_unit(TimeUnit::WEEK);
    let ordered = common::synthetic(1_000_000, 20_240_607);
    let mut returns = common::synthetic(1_000_000, 20_240_607);
    for (i, (c, a)) in returns
        .customers
        .iter()
        .zip(returns.amounts.iter_mut())
        .enumerate()
    {
        if c % 3 == 0 && i % 7 == 0 {
            *a = -*a;
        }
    }
    let mut shuffled = common::synthetic(1_000_000, 20_240_607);
    let mut rng = common::Rng::new(7);
    for i in (1..shuffled.customers.len()).rev() {
        let j = (rng.next_u64() % (i as u64 + 1)) as usize;
        shuffled.customers.swap(i, j);
        shuffled.dates.swap(i, j);
        shuffled.amounts.swap(i, j);
    }
    group.throughput(Throughput::Elements(1_000_000));
    for (shape, log) in [
        ("date_ordered", &ordered),
        ("with_returns", &returns),
        ("shuffled", &shuffled),
    ] {
        let cols = TransactionColumns::new(&log.customers, &log.dates, &log.amounts).unwrap();
        group.bench_with_input(BenchmarkId::new("summarise_columns", shape), &cols, |b, cols| {
            b.iter(|| summarise_columns(spec, black_box(*cols)).unwrap())
        });
        group.bench_with_input(BenchmarkId::new("general_builder", shape), &cols, |b, cols| {
            b.iter(|| {
                let mut builder = customer_value::SummaryBuilder::new(spec).unwrap();
                builder.extend_columns(black_box(*cols)).unwrap();
                builder.finish().unwrap()
            })
        });
    }
    group.finish();
}

/// `read_transactions_csv` on 1e6 and 1e7 rows of CSV text held in memory (the peer's file
/// when `CV_BENCH_DATA` is set, else the generated rows written out the same way), beside
/// pandas' `read_csv` in the peer harness; and the generated rows with
/// `YYYY-MM-DD HH:MM:SS` date-times (`read_timestamps`).
fn bench_csv(c: &mut Criterion) {
    let mut group = c.benchmark_group("csv");
    group.sample_size(10);
    for (label, rows, seed) in [("1e6", 1_000_000, 20_240_607), ("1e7", 10_000_000, 20_240_608)] {
        let peer = std::env::var_os("CV_BENCH_DATA").and_then(|dir| {
            std::fs::read(std::path::Path::new(&dir).join(format!("synthetic_{label}.csv"))).ok()
        });
        let log = common::synthetic(rows, seed);
        let (text, source) = match peer {
            Some(text) => (text, "peer_file"),
            None => (common::csv_text(&log), "generated"),
        };
        group.throughput(Throughput::Elements(rows as u64));
        // The same rows with `YYYY-MM-DD HH:MM:SS` date-times (generated in both cases).
        let stamps = common::csv_timestamp_text(&log);
        drop(log);
        group.bench_with_input(BenchmarkId::new("read_timestamps", label), &stamps, |b, text| {
            b.iter(|| {
                customer_value::io::read_transactions_csv::<u64, _>(black_box(text.as_slice())).unwrap()
            })
        });
        drop(stamps);
        group.bench_with_input(
            BenchmarkId::new("read", format!("{label}_{source}")),
            &text,
            |b, text| {
                b.iter(|| {
                    customer_value::io::read_transactions_csv::<u64, _>(black_box(text.as_slice())).unwrap()
                })
            },
        );
        #[cfg(feature = "parallel")]
        group.bench_with_input(
            BenchmarkId::new("read_parallel", format!("{label}_{source}")),
            &text,
            |b, text| {
                b.iter(|| customer_value::io::read_transactions_csv_parallel::<u64>(black_box(text)).unwrap())
            },
        );
    }
    group.finish();
}

criterion_group!(benches, bench_cdnow, bench_summaries, bench_routes, bench_csv);
criterion_main!(benches);

//! Churn at scale: monthly and weekly cohort tables and the 90-day lapse report from 1e7
//! synthetic transactions, and Kaplan–Meier over 1e6 subscriptions (life table +
//! estimate). Rows per second =
//! elements per second in the report.

mod common;

use std::hint::black_box;

use chrono::{Duration, NaiveDate};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use customer_value::TransactionColumns;
use customer_value::churn::{CohortPeriod, CohortSpec, CohortTable, lapse_report};
use customer_value::retention::{KaplanMeier, ShiftedBetaGeometric, Subscription};

fn bench_cohorts(c: &mut Criterion) {
    let mut group = c.benchmark_group("churn_cohorts");
    group.sample_size(10);
    let log = common::peer_file("1e7").unwrap_or_else(|| common::synthetic(10_000_000, 20_240_608));
    let cols = TransactionColumns::new(&log.customers, &log.dates, &log.amounts).unwrap();
    group.throughput(Throughput::Elements(cols.len() as u64));
    for (name, period) in [("month", CohortPeriod::Month), ("week", CohortPeriod::Week)] {
        let spec = CohortSpec::new(period, common::end()).unwrap();
        group.bench_with_input(BenchmarkId::new("cohort_table_1e7", name), &cols, |b, cols| {
            b.iter(|| CohortTable::build(&spec, black_box(*cols)).unwrap())
        });
    }
    group.bench_with_input(
        BenchmarkId::new("lapse_report_1e7", "90_days_month"),
        &cols,
        |b, cols| b.iter(|| lapse_report(black_box(*cols), 90, common::end(), CohortPeriod::Month).unwrap()),
    );
    group.finish();
}

/// 1e6 subscriptions started over two years with geometric lifetimes of heterogeneous
/// monthly churn (Beta-distributed, as the sBG assumes), observed at a fixed date.
fn subscriptions(n: usize) -> (Vec<Subscription>, NaiveDate) {
    let mut rng = common::Rng::new(7);
    let first = NaiveDate::from_ymd_opt(2022, 1, 1).unwrap();
    let as_of = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
    let subs = (0..n)
        .map(|_| {
            let start = first + Duration::days((rng.uniform() * 700.0) as i64);
            let (a, b) = (rng.gamma(0.7), rng.gamma(1.2));
            let churn = (a / (a + b)).clamp(1e-6, 1.0 - 1e-9);
            let months = (rng.uniform().ln() / (1.0 - churn).ln()).ceil().max(1.0);
            let end = start + Duration::days((months * 30.0).min(100_000.0) as i64);
            Subscription::new(start, (end <= as_of).then_some(end)).unwrap()
        })
        .collect();
    (subs, as_of)
}

fn bench_survival(c: &mut Criterion) {
    let mut group = c.benchmark_group("churn_survival");
    group.sample_size(10);
    let (subs, as_of) = subscriptions(1_000_000);
    group.throughput(Throughput::Elements(subs.len() as u64));
    group.bench_function("kaplan_meier_1e6_subscriptions", |b| {
        b.iter(|| KaplanMeier::from_subscriptions(black_box(&subs), as_of, 30).unwrap())
    });
    group.throughput(Throughput::Elements(1));
    group.bench_function("sbg_fit_fh07_regular", |b| {
        b.iter(|| {
            ShiftedBetaGeometric::fit_survivors(black_box(&[1000, 631, 468, 382, 326, 289, 262, 241]))
                .unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, bench_cohorts, bench_survival);
criterion_main!(benches);

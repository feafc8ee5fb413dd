//! BTYD at scale: fits on a 1,000,000-customer summary, conditional expectation + P(alive)
//! over 10,000,000 customers, CLV over 1,000,000.
//!
//! The summary is simulated here from the process of `common::synthetic` (purchases at a
//! Gamma(0.8) rate while alive, Gamma(0.7, 1/250) death rates, births over the first 640 of
//! 730 days, daily resolution, weeks), with a fixed seed; with `CV_BENCH_DATA` pointing at
//! the peer harness's data folder, it is instead summarised from its `synthetic_1e7.csv`
//! (observation end 2023-12-31, weeks), the file lifetimes was timed on.

mod common;

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use customer_value::btyd::{
    BgNbd, ClvSpec, DiscountRate, FitOptions, Margin, ParetoNbd, SummarySlices, TransactionModel,
    WeightedSummaries, clv_batch,
};
use customer_value::{SummarySpec, TimeUnit, TransactionColumns, summarise_columns};

/// `(x, t_x, T)` columns of one million customers.
fn summary() -> (Vec<f64>, Vec<f64>, Vec<f64>, &'static str) {
    if let Some(log) = common::peer_file("1e7") {
        let cols = TransactionColumns::new(&log.customers, &log.dates, &log.amounts).unwrap();
        let s = summarise_columns(SummarySpec::new(common::end()).with_unit(TimeUnit::WEEK), cols).unwrap();
        let x = s.customers.iter().map(|c| f64::from(c.frequency)).collect();
        let tx = s.customers.iter().map(|c| c.recency).collect();
        let t = s.customers.iter().map(|c| c.age).collect();
        return (x, tx, t, "peer_file");
    }
    let n = 1_000_000;
    let mut rng = common::Rng::new(20_261_122);
    let (mut x, mut tx, mut t) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    let mut days = Vec::new();
    for _ in 0..n {
        let birth = (rng.next_u64() % 640) as f64;
        // The log generator spreads 9 repeat rows per customer over λ·lifetime; 0.05/day
        // matches its mean repeat count.
        let lam = rng.gamma(0.8) * 0.05;
        let mu = rng.gamma(0.7) / 250.0;
        let span = (-rng.uniform().ln() / mu).min(729.0 - birth);
        days.clear();
        let mut clock = -rng.uniform().ln() / lam;
        while clock < span {
            days.push(clock.floor());
            clock += -rng.uniform().ln() / lam;
        }
        days.dedup();
        days.retain(|d| *d > 0.0);
        x.push(days.len() as f64);
        tx.push(days.last().map_or(0.0, |d| d / 7.0));
        t.push((729.0 - birth) / 7.0);
    }
    (x, tx, t, "generated")
}

fn bench(c: &mut Criterion) {
    customer_value::summary::set_kernel_memory_hints(true);
    let (x, tx, t, source) = summary();
    let data = WeightedSummaries::from_rows(&x, &tx, &t).unwrap();
    eprintln!(
        "{source}: {} customers, {} distinct (x, t_x, T)",
        x.len(),
        data.len()
    );
    let opts = FitOptions::default();
    let mut group = c.benchmark_group("btyd_1m");
    group.sample_size(10);
    group.bench_function(format!("compress_1m_{source}"), |b| {
        b.iter(|| black_box(WeightedSummaries::from_rows(&x, &tx, &t).unwrap()))
    });
    group.bench_function(format!("bgnbd_fit_1m_{source} (fit + SEs)"), |b| {
        b.iter(|| black_box(BgNbd::fit(&data, &opts).unwrap()))
    });
    group.bench_function(format!("pnbd_fit_1m_{source} (fit + SEs)"), |b| {
        b.iter(|| black_box(ParetoNbd::fit(&data, &opts).unwrap()))
    });
    // lifetimes' estimates on the peer file.
    let bg = BgNbd::new(0.5528832, 2.4027351, 0.4426078, 5.9786684).unwrap();
    let spec = ClvSpec::new(
        TimeUnit::WEEK,
        52.0,
        DiscountRate::new(0.10, TimeUnit::from_days(365.0).unwrap()).unwrap(),
    )
    .unwrap();
    let rows = SummarySlices::new(&x, &tx, &t).unwrap();
    let ones = vec![1.0; x.len()];
    group.bench_function(format!("bgnbd_clv_52w_1m_{source}"), |b| {
        b.iter(|| black_box(clv_batch(&bg, Margin::PerPurchase(1.0), &spec, rows, &ones).unwrap()))
    });
    let pn = ParetoNbd::new(0.8368878, 3.7707881, 0.6932415, 35.1849822).unwrap();
    group.bench_function(format!("pnbd_clv_52w_1m_{source}"), |b| {
        b.iter(|| black_box(clv_batch(&pn, Margin::PerPurchase(1.0), &spec, rows, &ones).unwrap()))
    });
    group.finish();

    // Ten million customers: the million repeated.
    let (bx, btx, bt): (Vec<f64>, Vec<f64>, Vec<f64>) = (
        x.iter().cycle().take(10 * x.len()).copied().collect(),
        tx.iter().cycle().take(10 * x.len()).copied().collect(),
        t.iter().cycle().take(10 * x.len()).copied().collect(),
    );
    let rows = SummarySlices::new(&bx, &btx, &bt).unwrap();
    let mut group = c.benchmark_group("btyd_10m");
    group.sample_size(10);
    let threads = if cfg!(feature = "parallel") {
        "parallel"
    } else {
        "single_thread"
    };
    for (name, model) in [("bgnbd", &bg as &dyn TransactionModel), ("pnbd", &pn)] {
        group.bench_function(
            format!("{name}_expected_39w_and_p_alive_10m_{source}_{threads}"),
            |b| {
                b.iter(|| {
                    let e = model.expected_purchases_batch(39.0, rows).unwrap();
                    let p = model.probability_alive_batch(rows).unwrap();
                    black_box((e, p))
                })
            },
        );
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

//! Charts of a million customers (feature `plot`): the P(alive) matrix (one pass over the
//! summaries for the grid, then 40 × 40 model cells) and the CLV distribution (40
//! log-spaced bins) of 1,000,000 customers. The bar: ≤ 1 s each and an SVG under
//! 2 MB; the sizes are printed once before the timings.
//!
//! The customers are the summaries of the synthetic 1e6-row log (100,000 customers)
//! repeated ten times with new keys, scored with fitted BG/NBD and Gamma-Gamma models.

mod common;

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use customer_value::btyd::{BgNbd, DiscountRate, FitOptions, GammaGamma, SpendSummaries, WeightedSummaries};
use customer_value::plot::PlotOptions;
use customer_value::plot::btyd::{MatrixGrid, clv_distribution, p_alive_matrix};
use customer_value::score::{ScoreSpec, score};
use customer_value::{Summaries, SummarySpec, TimeUnit, summarise_columns};

fn million() -> Summaries<u64> {
    let log = common::synthetic(1_000_000, 20_240_607);
    let spec = SummarySpec::new(common::end()).with_unit(TimeUnit::WEEK);
    let cols = customer_value::TransactionColumns::new(&log.customers, &log.dates, &log.amounts).unwrap();
    let base = summarise_columns(spec, cols).unwrap();
    let mut s = base.clone();
    s.customers = (0..10_u64)
        .flat_map(|copy| {
            base.customers.iter().map(move |c| {
                let mut c = c.clone();
                c.customer += copy * 10_000_000;
                c
            })
        })
        .collect();
    s.customers.sort_by_key(|c| c.customer);
    assert_eq!(s.customers.len(), 1_000_000);
    s
}

fn bench(c: &mut Criterion) {
    let s = million();
    let cols = s.columns();
    let options = FitOptions::default();
    let model = BgNbd::fit(&WeightedSummaries::from_columns(&cols).unwrap(), &options)
        .unwrap()
        .model;
    let spend = GammaGamma::fit(
        &SpendSummaries::from_rows(&cols.frequency, &cols.monetary_value).unwrap(),
        &options,
    )
    .unwrap()
    .model;
    let year = TimeUnit::from_days(365.0).unwrap();
    let spec = ScoreSpec::new(TimeUnit::WEEK, 52.0, DiscountRate::new(0.1, year).unwrap()).unwrap();
    let table = score(&s, &model, Some(&spend), &spec).unwrap();
    let o = PlotOptions::default();

    let grid = MatrixGrid::from_summaries(&s).unwrap();
    let matrix = p_alive_matrix(&model, &grid, &o).unwrap();
    let clv = clv_distribution(&table, &o).unwrap();
    eprintln!(
        "plot: 1,000,000 customers: P(alive) matrix SVG {} bytes, CLV distribution SVG {} bytes",
        matrix.len(),
        clv.len()
    );
    assert!(matrix.len() < 2_000_000 && clv.len() < 2_000_000);

    let mut g = c.benchmark_group("plot");
    g.sample_size(10);
    g.bench_function("p_alive_matrix_1e6", |b| {
        b.iter(|| {
            let grid = MatrixGrid::from_summaries(black_box(&s)).unwrap();
            black_box(p_alive_matrix(&model, &grid, &o).unwrap())
        })
    });
    g.bench_function("clv_distribution_1e6", |b| {
        b.iter(|| black_box(clv_distribution(black_box(&table), &o).unwrap()))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

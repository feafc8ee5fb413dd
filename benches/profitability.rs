//! Bulk CLV and profitability of 1,000,000 customers over a 10-period horizon, exact Decimal.
//!
//! Run: `cargo bench --bench profitability` (add `--features parallel` for the rayon paths).

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use customer_value::clv::{ClvColumns, DiscountWeights, Timing, bulk_clv};
use customer_value::profitability::net_profit_columns;
use customer_value::retention::RetentionCurve;
use rust_decimal::Decimal;

const N: usize = 1_000_000;

struct Inputs {
    revenue: Vec<Decimal>,
    cost: Vec<Decimal>,
    acquisition: Vec<Decimal>,
    growth: Vec<Decimal>,
}

fn inputs() -> Inputs {
    // Deterministic spread of cent amounts (no RNG dependency).
    let revenue = (0..N)
        .map(|i| Decimal::new(5_000 + (i as i64 * 7_919) % 200_000, 2))
        .collect();
    let cost = (0..N)
        .map(|i| Decimal::new(1_000 + (i as i64 * 104_729) % 50_000, 2))
        .collect();
    let acquisition = (0..N)
        .map(|i| Decimal::new((i as i64 * 1_299_709) % 30_000, 2))
        .collect();
    let growth = (0..N).map(|i| Decimal::new((i as i64 % 101) - 50, 3)).collect();
    Inputs {
        revenue,
        cost,
        acquisition,
        growth,
    }
}

fn bench(c: &mut Criterion) {
    let x = inputs();
    let curve = RetentionCurve::new(vec![0.6, 0.75, 0.85, 0.9]).unwrap();
    let w = DiscountWeights::new(&curve, 0.1, 10, Timing::EndOfPeriod).unwrap();
    let flat = ClvColumns::new(&x.revenue, &x.cost, &x.acquisition).unwrap();
    let grown = flat.with_growth(&x.growth).unwrap();

    let mut g = c.benchmark_group("profitability_1m");
    g.sample_size(10);
    g.bench_function("clv_flat_margin_10_periods", |b| {
        b.iter(|| bulk_clv(black_box(flat), &w).unwrap())
    });
    g.bench_function("clv_growing_revenue_10_periods", |b| {
        b.iter(|| bulk_clv(black_box(grown), &w).unwrap())
    });
    g.bench_function("net_profit", |b| {
        b.iter(|| net_profit_columns(black_box(&x.revenue), &x.cost).unwrap())
    });
    #[cfg(feature = "parallel")]
    {
        use customer_value::clv::bulk_clv_parallel;
        use customer_value::profitability::net_profit_columns_parallel;
        g.bench_function("clv_flat_margin_10_periods_parallel", |b| {
            b.iter(|| bulk_clv_parallel(black_box(flat), &w).unwrap())
        });
        g.bench_function("clv_growing_revenue_10_periods_parallel", |b| {
            b.iter(|| bulk_clv_parallel(black_box(grown), &w).unwrap())
        });
        g.bench_function("net_profit_parallel", |b| {
            b.iter(|| net_profit_columns_parallel(black_box(&x.revenue), &x.cost).unwrap())
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

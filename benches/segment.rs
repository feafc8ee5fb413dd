//! Segmentation at the scale of a large customer base: Gini, ABC classes, top share and
//! RFM scores of 10,000,000 customers on one core.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use customer_value::segment::{
    AbcCuts, Concentration, NegativeValues, RfmValues, abc_classes, gini, rfm_scores, top_share,
};

const N: usize = 10_000_000;

/// Deterministic skewed data: spend ≈ log-normal (cents), frequency small integers with
/// many ties, recency in whole days.
fn data() -> RfmValues {
    let mut s = 0x9E37_79B9_7F4A_7C15_u64;
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (s >> 11) as f64 / (1_u64 << 53) as f64
    };
    let mut recency = Vec::with_capacity(N);
    let mut frequency = Vec::with_capacity(N);
    let mut monetary = Vec::with_capacity(N);
    for _ in 0..N {
        let (u1, u2) = (next().max(1e-300), next());
        let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
        monetary.push(((3.5 + 1.2 * z).exp() * 100.0).round() / 100.0);
        frequency.push((-next().max(1e-300).ln() * 2.0).floor() + 1.0);
        recency.push((next() * 540.0).floor());
    }
    RfmValues::new(recency, frequency, monetary).expect("finite data")
}

fn bench(c: &mut Criterion) {
    let rfm = data();
    let spend = &rfm.monetary;
    let mut g = c.benchmark_group("segment_10M");
    g.sample_size(10);
    g.bench_function("gini", |b| {
        b.iter(|| gini(black_box(spend), NegativeValues::Error))
    });
    g.bench_function("abc_classes", |b| {
        b.iter(|| abc_classes(black_box(spend), &AbcCuts::default()))
    });
    g.bench_function("rfm_scores_5", |b| b.iter(|| rfm_scores(black_box(&rfm), 5)));
    g.bench_function("top_share_20pct", |b| b.iter(|| top_share(black_box(spend), 0.2)));
    g.bench_function("concentration_new", |b| {
        b.iter(|| Concentration::new(black_box(spend)))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

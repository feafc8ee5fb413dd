//! BTYD model benchmarks on the CDNOW sample (2,357 customers, weeks).

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use customer_value::btyd::{BgNbd, FitOptions, SummarySlices, TransactionModel, WeightedSummaries};

fn cdnow() -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/cdnow_sample_summary.csv"
    ))
    .expect("tests/data/cdnow_sample_summary.csv");
    let (mut x, mut tx, mut t) = (vec![], vec![], vec![]);
    for line in text.lines().skip(1) {
        let v: Vec<f64> = line.split(',').map(|s| s.parse().unwrap_or(0.0)).collect();
        x.push(v[1]);
        tx.push(v[2]);
        t.push(v[3]);
    }
    (x, tx, t)
}

fn bench(c: &mut Criterion) {
    let (x, tx, t) = cdnow();
    c.bench_function("bgnbd_fit_cdnow (compress + fit + SEs)", |b| {
        b.iter(|| {
            let data = WeightedSummaries::from_rows(&x, &tx, &t).unwrap();
            black_box(BgNbd::fit(&data, &FitOptions::default()).unwrap())
        })
    });
    let m = BgNbd::new(0.2425945, 4.4136019, 0.7929199, 2.4258881).unwrap();
    let rows = SummarySlices::new(&x, &tx, &t).unwrap();
    c.bench_function("bgnbd_conditional_expected_39w_cdnow", |b| {
        b.iter(|| black_box(m.expected_purchases_batch(39.0, rows).unwrap()))
    });
    c.bench_function("bgnbd_p_alive_cdnow", |b| {
        b.iter(|| black_box(m.probability_alive_batch(rows).unwrap()))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);

//! BTYD model benchmarks on the CDNOW sample (2,357 customers, weeks).

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use customer_value::TimeUnit;
use customer_value::btyd::{
    BgNbd, ClvSpec, DiscountRate, FitOptions, GammaGamma, Margin, MbgNbd, ParetoNbd, SummarySlices,
    TransactionModel, WeightedSummaries, clv_batch,
};

fn cdnow() -> (Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>) {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/cdnow_sample_summary.csv"
    ))
    .expect("tests/data/cdnow_sample_summary.csv");
    let (mut x, mut tx, mut t, mut m) = (vec![], vec![], vec![], vec![]);
    for line in text.lines().skip(1) {
        let v: Vec<f64> = line.split(',').map(|s| s.parse().unwrap_or(0.0)).collect();
        x.push(v[1]);
        tx.push(v[2]);
        t.push(v[3]);
        m.push(v[4]);
    }
    (x, tx, t, m)
}

fn bench(c: &mut Criterion) {
    let (x, tx, t, mon) = cdnow();
    let opts = FitOptions::default();
    c.bench_function("bgnbd_fit_cdnow (compress + fit + SEs)", |b| {
        b.iter(|| {
            let data = WeightedSummaries::from_rows(&x, &tx, &t).unwrap();
            black_box(BgNbd::fit(&data, &opts).unwrap())
        })
    });
    c.bench_function("mbgnbd_fit_cdnow (compress + fit + SEs)", |b| {
        b.iter(|| {
            let data = WeightedSummaries::from_rows(&x, &tx, &t).unwrap();
            black_box(MbgNbd::fit(&data, &opts).unwrap())
        })
    });
    c.bench_function("pnbd_fit_cdnow (compress + fit + SEs)", |b| {
        b.iter(|| {
            let data = WeightedSummaries::from_rows(&x, &tx, &t).unwrap();
            black_box(ParetoNbd::fit(&data, &opts).unwrap())
        })
    });
    // One million rows: the CDNOW sample repeated (same distinct triples).
    let reps = 1_000_000 / x.len() + 1;
    let (bx, btx, bt): (Vec<f64>, Vec<f64>, Vec<f64>) = (
        x.iter().cycle().take(reps * x.len()).copied().collect(),
        tx.iter().cycle().take(reps * x.len()).copied().collect(),
        t.iter().cycle().take(reps * x.len()).copied().collect(),
    );
    let mut group = c.benchmark_group("million");
    group.sample_size(10);
    group.bench_function("bgnbd_fit_1m_rows (compress + fit + SEs)", |b| {
        b.iter(|| {
            let data = WeightedSummaries::from_rows(&bx, &btx, &bt).unwrap();
            black_box(BgNbd::fit(&data, &opts).unwrap())
        })
    });
    group.finish();

    let bg = BgNbd::new(0.2425945, 4.4136019, 0.7929199, 2.4258881).unwrap();
    let pn = ParetoNbd::new(0.55315, 10.57633, 0.60625, 11.67150).unwrap();
    let rows = SummarySlices::new(&x, &tx, &t).unwrap();
    c.bench_function("bgnbd_conditional_expected_39w_cdnow", |b| {
        b.iter(|| black_box(bg.expected_purchases_batch(39.0, rows).unwrap()))
    });
    c.bench_function("bgnbd_p_alive_cdnow", |b| {
        b.iter(|| black_box(bg.probability_alive_batch(rows).unwrap()))
    });
    c.bench_function("pnbd_conditional_expected_39w_cdnow", |b| {
        b.iter(|| black_box(pn.expected_purchases_batch(39.0, rows).unwrap()))
    });
    let gg = GammaGamma::new(6.25, 3.74, 15.44).unwrap();
    let margin = Margin::FractionOfSpend {
        fraction: 0.3,
        spend: &gg,
    };
    let spec = ClvSpec::new(
        TimeUnit::WEEK,
        52.0,
        DiscountRate::new(0.1, TimeUnit::from_days(365.0).unwrap()).unwrap(),
    )
    .unwrap();
    c.bench_function("clv_52_weekly_steps_bgnbd_cdnow", |b| {
        b.iter(|| black_box(clv_batch(&bg, margin, &spec, rows, &mon).unwrap()))
    });
    c.bench_function("clv_52_weekly_steps_pnbd_cdnow", |b| {
        b.iter(|| black_box(clv_batch(&pn, margin, &spec, rows, &mon).unwrap()))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);

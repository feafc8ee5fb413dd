//! The SQL functions at scale: `btyd_summary` over 10 million rows of Parquet (a million
//! customers, ten rows each, in date order as logs are written), and scoring 10 million
//! customers with the scalar functions (summaries of a daily log in weeks: T and t_x are
//! whole days / 7, so there are ~6,500 distinct (x, T) — the work the models share).
//!
//! `cargo bench -p customer-value-datafusion --bench sql` (release). The Parquet file is
//! written once to the system's temporary directory.

use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use datafusion::arrow::array::{
    ArrayRef, Date32Array, Decimal128Array, Float64Array, Int64Array, RecordBatch,
};
use datafusion::dataframe::DataFrameWriteOptions;
use datafusion::datasource::MemTable;
use datafusion::prelude::{ParquetReadOptions, SessionContext};
use tokio::runtime::Runtime;

const ROWS: usize = 10_000_000;
const CUSTOMERS: usize = 1_000_000;
const BATCH: usize = 65_536;

fn lcg(state: &mut u64) -> u64 {
    *state = state
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(1_442_695_040_888_963_407);
    *state >> 33
}

/// Ten million rows: row i belongs to customer (i · 7919) mod 1e6, dated in order over 540
/// days, amounts 1.00 to 200.00.
fn log_batches() -> Vec<RecordBatch> {
    let mut state = 42;
    (0..ROWS)
        .step_by(BATCH)
        .map(|start| {
            let rows = start..(start + BATCH).min(ROWS);
            let ids = Int64Array::from_iter_values(rows.clone().map(|i| ((i * 7919) % CUSTOMERS) as i64));
            let days = Date32Array::from_iter_values(rows.clone().map(|i| 9862 + (i * 540 / ROWS) as i32));
            let cents: Vec<i128> = rows.map(|_| i128::from(lcg(&mut state) % 19_900 + 100)).collect();
            let amounts = Decimal128Array::from(cents)
                .with_precision_and_scale(12, 2)
                .unwrap();
            RecordBatch::try_from_iter([
                ("customer_id", Arc::new(ids) as ArrayRef),
                ("date", Arc::new(days) as ArrayRef),
                ("amount", Arc::new(amounts) as ArrayRef),
            ])
            .unwrap()
        })
        .collect()
}

fn parquet_file(rt: &Runtime) -> String {
    let path = std::env::temp_dir().join("customer-value-datafusion-bench-1e7.parquet");
    let path = path.to_str().unwrap().to_owned();
    if !std::path::Path::new(&path).exists() {
        rt.block_on(async {
            let ctx = SessionContext::new();
            let batches = log_batches();
            let table = MemTable::try_new(batches[0].schema(), vec![batches]).unwrap();
            ctx.read_table(Arc::new(table))
                .unwrap()
                .write_parquet(
                    &path,
                    DataFrameWriteOptions::new().with_single_file_output(true),
                    None,
                )
                .await
                .unwrap();
        });
    }
    path
}

fn summary(c: &mut Criterion) {
    let rt = Runtime::new().unwrap();
    let path = parquet_file(&rt);
    let ctx = SessionContext::new();
    customer_value_datafusion::register(&ctx);
    rt.block_on(ctx.register_parquet("log", &path, ParquetReadOptions::default()))
        .unwrap();
    let sql = "SELECT count(*), sum(s['frequency']), sum(s['recency']) FROM \
               (SELECT customer_id, btyd_summary(date, amount, DATE '1998-06-30', 7) AS s FROM log GROUP BY customer_id)";
    let mut g = c.benchmark_group("sql");
    g.sample_size(10);
    g.bench_function("btyd_summary_1e7_rows_parquet", |b| {
        b.iter(|| black_box(rt.block_on(async { ctx.sql(sql).await.unwrap().collect().await.unwrap() })))
    });
    g.finish();
}

fn scoring(c: &mut Criterion) {
    let rt = Runtime::new().unwrap();
    let ctx = SessionContext::new();
    customer_value_datafusion::register(&ctx);
    let mut state = 7;
    let partitions: Vec<Vec<RecordBatch>> = (0..2)
        .map(|_| {
            (0..ROWS / 2)
                .step_by(BATCH)
                .map(|_| {
                    let mut x = Vec::with_capacity(BATCH);
                    let mut tx = Vec::with_capacity(BATCH);
                    let mut t = Vec::with_capacity(BATCH);
                    let mut m = Vec::with_capacity(BATCH);
                    for _ in 0..BATCH {
                        // Summaries of a daily log in weeks, as `btyd_summary` makes them:
                        // T and t_x are whole days / 7 (540 days of first purchases).
                        let age_days = 1 + lcg(&mut state) % 540;
                        let age = age_days as f64 / 7.0;
                        let freq = (lcg(&mut state) % 12) as f64;
                        let rec = if freq == 0.0 {
                            0.0
                        } else {
                            (lcg(&mut state) % (age_days + 1)) as f64 / 7.0
                        };
                        x.push(freq);
                        tx.push(rec);
                        t.push(age);
                        m.push(if freq == 0.0 {
                            0.0
                        } else {
                            5.0 + (lcg(&mut state) % 10_000) as f64 / 100.0
                        });
                    }
                    RecordBatch::try_from_iter([
                        ("frequency", Arc::new(Float64Array::from(x)) as ArrayRef),
                        ("recency", Arc::new(Float64Array::from(tx)) as ArrayRef),
                        ("T", Arc::new(Float64Array::from(t)) as ArrayRef),
                        ("monetary_value", Arc::new(Float64Array::from(m)) as ArrayRef),
                    ])
                    .unwrap()
                })
                .collect()
        })
        .collect();
    let table = MemTable::try_new(partitions[0][0].schema(), partitions).unwrap();
    ctx.register_table("summaries", Arc::new(table)).unwrap();
    let model = "'bgnbd', 0.2425945, 4.4136019, 0.7929199, 2.4258881";
    let xs = "frequency, recency, \"T\"";
    let score = format!(
        "SELECT sum(btyd_p_alive({model}, {xs})), sum(btyd_expected_purchases({model}, 52.0, {xs})), \
         sum(gamma_gamma_expected_spend(6.25, 3.74, 15.44, frequency, monetary_value)) FROM summaries"
    );
    let clv = format!(
        "SELECT sum(btyd_clv({model}, 52.0, 0.1, 7.0, {xs}, gamma_gamma_expected_spend(6.25, 3.74, 15.44, frequency, monetary_value))) FROM summaries"
    );
    let mut g = c.benchmark_group("sql");
    g.sample_size(10);
    g.bench_function("score_1e7_customers_p_alive_expected_purchases_spend", |b| {
        b.iter(|| black_box(rt.block_on(async { ctx.sql(&score).await.unwrap().collect().await.unwrap() })))
    });
    g.bench_function("clv_1e7_customers_52_weeks", |b| {
        b.iter(|| black_box(rt.block_on(async { ctx.sql(&clv).await.unwrap().collect().await.unwrap() })))
    });
    g.finish();
}

criterion_group!(benches, summary, scoring);
criterion_main!(benches);

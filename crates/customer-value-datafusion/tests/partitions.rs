//! `btyd_summary` and `btyd_holdout` give the crate's summaries exactly, whatever the
//! partitioning: 1, 4 and 16 partitions with each customer's rows spread over several of
//! them, small batches, rows out of date order, returns and zero amounts — and the
//! skip-partial-aggregation path (raw rows turned into states) too.

use std::sync::Arc;

use chrono::NaiveDate;
use customer_value::{SummarySpec, TimeUnit, TransactionColumns, money, summarise_columns};
use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, Date32Array, Decimal128Array, Int64Array, RecordBatch,
};
use datafusion::arrow::datatypes::{Date32Type, Float64Type, Int64Type, UInt32Type};
use datafusion::datasource::MemTable;
use datafusion::prelude::{SessionConfig, SessionContext};
use rust_decimal::Decimal;

const EPOCH: i32 = customer_value::arrow::EPOCH_DAY_NUMBER;

/// A log of 300 customers, 6,000 rows, in no order: a small LCG so it is the same every run.
fn log() -> (Vec<i64>, Vec<i32>, Vec<i64>) {
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = |m: u64| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) % m
    };
    let (mut ids, mut days, mut cents) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..6000 {
        ids.push(next(300) as i64);
        days.push(9862 + next(540) as i32); // 1997-01-01 + up to 540 days
        let c = match next(20) {
            0 => -(next(3000) as i64), // a return
            1 => 0,
            _ => next(20_000) as i64 + 1,
        };
        cents.push(c);
    }
    (ids, days, cents)
}

fn batch(ids: &[i64], days: &[i32], cents: &[i64]) -> RecordBatch {
    let amounts = Decimal128Array::from(cents.iter().map(|&c| i128::from(c)).collect::<Vec<_>>())
        .with_precision_and_scale(12, 2)
        .unwrap();
    RecordBatch::try_from_iter([
        (
            "customer_id",
            Arc::new(Int64Array::from(ids.to_vec())) as ArrayRef,
        ),
        ("date", Arc::new(Date32Array::from(days.to_vec())) as ArrayRef),
        ("amount", Arc::new(amounts) as ArrayRef),
    ])
    .unwrap()
}

/// The log cut into `parts` partitions (row i goes to partition i mod parts, so every
/// customer is spread over all of them) of batches of 97 rows.
fn partitions(parts: usize) -> Vec<Vec<RecordBatch>> {
    let (ids, days, cents) = log();
    (0..parts)
        .map(|p| {
            let rows: Vec<usize> = (p..ids.len()).step_by(parts).collect();
            rows.chunks(97)
                .map(|c| {
                    let pick = |v: &[i64]| c.iter().map(|&i| v[i]).collect::<Vec<_>>();
                    batch(
                        &pick(&ids),
                        &c.iter().map(|&i| days[i]).collect::<Vec<_>>(),
                        &pick(&cents),
                    )
                })
                .collect()
        })
        .collect()
}

const SQL: &str = "SELECT customer_id, s['frequency'] AS x, s['recency'] AS tx, s['T'] AS t, \
    s['monetary_value'] AS m, s['first_purchase'] AS first, s['total_spend'] AS total, \
    h['frequency'] AS hx, h['monetary_value'] AS hm, h['total_spend'] AS htotal, h['duration'] AS hd \
    FROM (SELECT customer_id, btyd_summary(date, amount, DATE '1997-09-30', 7) AS s, \
                 btyd_holdout(date, amount, DATE '1997-09-30', DATE '1998-03-31', 7) AS h \
          FROM log GROUP BY customer_id) WHERE s IS NOT NULL ORDER BY customer_id";

async fn run(parts: usize, skip_partial: bool) -> Vec<RecordBatch> {
    let mut config = SessionConfig::new()
        .with_target_partitions(parts)
        .with_batch_size(64);
    if skip_partial {
        config = config
            .set_usize(
                "datafusion.execution.skip_partial_aggregation_probe_rows_threshold",
                10,
            )
            .set_str(
                "datafusion.execution.skip_partial_aggregation_probe_ratio_threshold",
                "0.0",
            );
    }
    let ctx = SessionContext::new_with_config(config);
    customer_value_datafusion::register(&ctx);
    let p = partitions(parts);
    let schema = p[0][0].schema();
    ctx.register_table("log", Arc::new(MemTable::try_new(schema, p).unwrap()))
        .unwrap();
    ctx.sql(SQL).await.unwrap().collect().await.unwrap()
}

fn expected() -> customer_value::Summaries<i64> {
    let (ids, days, cents) = log();
    let dates: Vec<NaiveDate> = days
        .iter()
        .map(|&d| NaiveDate::from_num_days_from_ce_opt(d + EPOCH).unwrap())
        .collect();
    let amounts: Vec<Decimal> = cents.iter().map(|&c| Decimal::new(c, 2)).collect();
    let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
    let spec = SummarySpec::new(d(1998, 3, 31))
        .with_calibration_end(d(1997, 9, 30))
        .with_unit(TimeUnit::WEEK);
    summarise_columns(spec, TransactionColumns::new(&ids, &dates, &amounts).unwrap()).unwrap()
}

fn check(batches: &[RecordBatch]) {
    let want = expected();
    let mut got = 0;
    for b in batches {
        let f = |name: &str| b.column_by_name(name).unwrap().clone();
        let (ids, x, hx) = (f("customer_id"), f("x"), f("hx"));
        let floats = |name: &str| f(name).as_primitive::<Float64Type>().clone();
        let (tx, t, m, total, hm, htotal, hd) = (
            floats("tx"),
            floats("t"),
            floats("m"),
            floats("total"),
            floats("hm"),
            floats("htotal"),
            floats("hd"),
        );
        let first = f("first");
        for i in 0..b.num_rows() {
            let c = &want.customers[got];
            let h = c.holdout.as_ref().unwrap();
            assert_eq!(ids.as_primitive::<Int64Type>().value(i), c.customer);
            assert_eq!(x.as_primitive::<UInt32Type>().value(i), c.frequency);
            assert_eq!(tx.value(i).to_bits(), c.recency.to_bits());
            assert_eq!(t.value(i).to_bits(), c.age.to_bits());
            assert_eq!(m.value(i).to_bits(), money::to_f64(c.monetary_value).to_bits());
            assert_eq!(total.value(i).to_bits(), money::to_f64(c.total_spend).to_bits());
            assert_eq!(
                first.as_primitive::<Date32Type>().value(i) + EPOCH,
                customer_value::PurchaseDate::day_number(&c.first_purchase)
            );
            assert_eq!(hx.as_primitive::<UInt32Type>().value(i), h.frequency);
            assert_eq!(hm.value(i).to_bits(), money::to_f64(h.monetary_value).to_bits());
            assert_eq!(htotal.value(i).to_bits(), money::to_f64(h.total_spend).to_bits());
            assert_eq!(hd.value(i).to_bits(), h.duration.to_bits());
            assert!(!x.is_null(i));
            got += 1;
        }
    }
    assert_eq!(got, want.customers.len());
    assert!(got > 250, "{got} customers");
}

#[tokio::test]
async fn one_partition_gives_the_crates_summaries() {
    check(&run(1, false).await);
}

#[tokio::test]
async fn four_partitions_give_the_same() {
    check(&run(4, false).await);
}

#[tokio::test]
async fn sixteen_partitions_give_the_same() {
    check(&run(16, false).await);
}

#[tokio::test]
async fn skipping_partial_aggregation_gives_the_same() {
    check(&run(4, true).await);
}

#[tokio::test]
async fn a_null_amount_is_an_error_not_a_skipped_row() {
    let ctx = SessionContext::new();
    customer_value_datafusion::register(&ctx);
    let r = ctx
        .sql("SELECT btyd_summary(d, a, DATE '1997-09-30', 7) FROM (VALUES (DATE '1997-01-01', CAST(NULL AS DOUBLE))) AS t(d, a)")
        .await
        .unwrap()
        .collect()
        .await;
    let e = r.unwrap_err().to_string();
    assert!(e.contains("null amount"), "{e}");
    let r = ctx
        .sql("SELECT btyd_summary(d, 1.0, d, 7) FROM (VALUES (DATE '1997-01-01')) AS t(d)")
        .await;
    let e = match r {
        Ok(df) => df.collect().await.unwrap_err().to_string(),
        Err(e) => e.to_string(),
    };
    assert!(e.contains("literal"), "{e}");
}

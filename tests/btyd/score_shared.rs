//! `score` shares work between customers (one grouping by `(x, T)`, P(alive) once, one pass
//! per distinct `(x, T)` for the CLV curve, the expectation at the horizon, the survival to
//! the horizon and the holdout expectation). Its columns must be, bit for bit, what the
//! separate public calls give: `probability_alive_batch`, `expected_purchases_batch`,
//! `clv_batch` (margin 1 per purchase), `probability_alive_at` per customer.

use chrono::NaiveDate;
use customer_value::btyd::{
    BgNbd, ClvSpec, DiscountRate, Margin, MbgNbd, ParetoNbd, SummarySlices, TransactionModel, clv_batch,
};
use customer_value::score::{ScoreSpec, score};
use customer_value::{Summaries, SummarySpec, TimeUnit, io, summarise_columns};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn cdnow() -> Summaries<u64> {
    let text = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/data/cdnow_sample_transactions.csv"
    ))
    .unwrap();
    let log = io::read_transactions_csv::<u64, _>(text.as_slice()).unwrap();
    let spec = SummarySpec::new(d(1998, 6, 30))
        .with_calibration_end(d(1997, 9, 30))
        .with_unit(TimeUnit::WEEK);
    summarise_columns(spec, log.columns()).unwrap()
}

fn same_as_separate_calls(model: &dyn TransactionModel, horizon: f64, step: f64) {
    let s = cdnow();
    let year = TimeUnit::from_days(365.0).unwrap();
    let discount = DiscountRate::new(0.1, year).unwrap();
    let spec = ScoreSpec::new(TimeUnit::WEEK, horizon, discount)
        .unwrap()
        .with_step(step)
        .unwrap()
        .with_value_per_purchase(1.0)
        .unwrap();
    let table = score(&s, model, None, &spec).unwrap();
    let cols = s.columns();
    let rows = SummarySlices::from(&cols);
    let alive = model.probability_alive_batch(rows).unwrap();
    let expected = model.expected_purchases_batch(horizon, rows).unwrap();
    let clv_spec = ClvSpec::new(TimeUnit::WEEK, horizon, discount)
        .unwrap()
        .with_step(step)
        .unwrap();
    let zeros = vec![0.0; rows.len()];
    let discounted = clv_batch(model, Margin::PerPurchase(1.0), &clv_spec, rows, &zeros).unwrap();
    let holdout = cols.holdout.as_ref().unwrap();
    let duration = holdout.duration[0];
    let expected_holdout = model.expected_purchases_batch(duration, rows).unwrap();
    assert_eq!(table.report.purchase_model_failed, 0);
    for (i, row) in table.rows.iter().enumerate() {
        let (x, tx, t) = (cols.frequency[i], cols.recency[i], cols.age[i]);
        assert_eq!(row.p_alive, Some(alive[i]), "{} row {i}", model.name());
        assert_eq!(
            row.expected_purchases,
            Some(expected[i]),
            "{} row {i}",
            model.name()
        );
        assert_eq!(
            row.discounted_purchases,
            Some(discounted[i]),
            "{} row {i}",
            model.name()
        );
        assert_eq!(row.clv, Some(discounted[i]), "{} row {i}", model.name());
        assert_eq!(
            row.p_alive_at_horizon,
            Some(model.probability_alive_at(horizon, x, tx, t).unwrap()),
            "{} row {i}",
            model.name()
        );
        assert_eq!(
            row.expected_holdout_purchases,
            Some(expected_holdout[i]),
            "{} row {i}",
            model.name()
        );
    }
}

fn bgnbd() -> BgNbd {
    BgNbd::new(0.2425945, 4.4136019, 0.7929199, 2.4258881)
        .unwrap()
        .with_unit(TimeUnit::WEEK)
}

#[test]
fn bgnbd_columns_equal_the_separate_calls() {
    same_as_separate_calls(&bgnbd(), 52.0, 1.0);
    // Months of 52/12 weeks; and 10 years, where the ₂F₁ arguments come near 1.
    same_as_separate_calls(&bgnbd(), 52.0, 52.0 / 12.0);
    same_as_separate_calls(&bgnbd(), 520.0, 4.0);
}

#[test]
fn mbgnbd_columns_equal_the_separate_calls() {
    let m = MbgNbd::new(0.2425945, 4.4136019, 0.7929199, 2.4258881)
        .unwrap()
        .with_unit(TimeUnit::WEEK);
    same_as_separate_calls(&m, 52.0, 1.0);
    same_as_separate_calls(&m, 520.0, 4.0);
}

#[test]
fn pareto_nbd_columns_equal_the_separate_calls() {
    let m = ParetoNbd::new(0.5534, 10.5802, 0.6061, 11.6562)
        .unwrap()
        .with_unit(TimeUnit::WEEK);
    same_as_separate_calls(&m, 52.0, 1.0);
    same_as_separate_calls(&m, 39.0, 5.0);
}

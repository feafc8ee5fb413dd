//! Tracking and holdout evaluation on the CDNOW sample against the BTYD vignette.

use customer_value::btyd::{
    BgNbd, HoldoutEvaluation, ParetoNbd, SummarySlices, TransactionModel, births_from_ages,
    cumulative_expected_repeat_transactions,
};

fn cdnow() -> Vec<Vec<f64>> {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/cdnow_sample_summary.csv"
    ))
    .unwrap();
    text.lines()
        .skip(1)
        .map(|l| l.split(',').map(|s| s.parse().unwrap()).collect())
        .collect()
}

fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs()
}

#[test]
fn cumulative_repeat_transactions_weeks_20_to_25() {
    let rows = cdnow();
    let ages: Vec<f64> = rows.iter().map(|r| r[3]).collect();
    let births = births_from_ages(&ages).unwrap();
    let weeks = [20.0, 21.0, 22.0, 23.0, 24.0, 25.0];
    // BTYD computes these with its own estimates (4th-digit differences), hence 1e-3.
    let bg = BgNbd::new(0.2425945, 4.4136019, 0.7929199, 2.4258881).unwrap();
    let got = cumulative_expected_repeat_transactions(&bg, &births, &weeks).unwrap();
    let want = [1312.458, 1387.346, 1460.392, 1531.713, 1601.418, 1669.6];
    for (g, w) in got.iter().zip(want) {
        assert!(rel(*g, w) < 1e-3, "{g} vs {w}");
    }
    let pn = ParetoNbd::new(0.5534, 10.5802, 0.6061, 11.6562).unwrap();
    let got = cumulative_expected_repeat_transactions(&pn, &births, &weeks).unwrap();
    let want = [1308.856, 1385.275, 1459.923, 1532.906, 1604.32, 1674.253];
    for (g, w) in got.iter().zip(want) {
        assert!(rel(*g, w) < 1e-3, "{g} vs {w}");
    }
}

#[test]
fn holdout_table_btyd() {
    let rows = cdnow();
    let col = |j: usize| rows.iter().map(|r| r[j]).collect::<Vec<f64>>();
    let (x, tx, t, xh) = (col(1), col(2), col(3), col(5));
    let m = BgNbd::new(0.2425945, 4.4136019, 0.7929199, 2.4258881).unwrap();
    let pred = m
        .expected_purchases_batch(39.0, SummarySlices::new(&x, &tx, &t).unwrap())
        .unwrap();
    let eval = HoldoutEvaluation::new(&x, &pred, &xh, 7).unwrap();
    let expected = [0.2251, 0.5231, 1.0441, 1.5203, 2.1638, 2.6538, 3.5040, 6.1570];
    let actual = [0.2367, 0.6970, 1.3925, 1.5600, 2.5323, 2.9474, 3.8621, 6.3594];
    for (bin, (e, a)) in eval.by_frequency.iter().zip(expected.iter().zip(actual)) {
        assert!(rel(bin.mean_predicted, *e) < 1e-3, "{bin:?}");
        assert!((bin.mean_actual - a).abs() < 6e-5, "{bin:?}");
    }
    assert_eq!(eval.customers, 2357);
    assert!((eval.actual_total - 1882.0).abs() < 1e-9);
    assert!(eval.mae > 0.0 && eval.rmse >= eval.mae);
    let pct = eval.aggregate_error_pct.unwrap();
    assert!(
        (pct - 100.0 * (pred.iter().sum::<f64>() - 1882.0) / 1882.0).abs() < 1e-9,
        "{pct}"
    );
    assert!(HoldoutEvaluation::new(&x[..3], &pred, &xh, 7).is_err());
}

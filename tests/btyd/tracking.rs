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

fn reference_csv(name: &str) -> Vec<Vec<f64>> {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(|s| s.parse().unwrap()).collect())
        .collect()
}

/// The recency table on CDNOW against the independent script (tests/reference/
/// holdout_tracking_cdnow.py): BTYD's bins, customer-weighted means; compressed rows give
/// the same table as one row per customer.
#[test]
fn holdout_by_recency_cdnow_reference() {
    use customer_value::btyd::{HoldoutRow, WeightedSummaries};
    let rows = cdnow();
    let col = |j: usize| rows.iter().map(|r| r[j]).collect::<Vec<f64>>();
    let (x, tx, t, xh) = (col(1), col(2), col(3), col(5));
    let m = BgNbd::new(0.2425945, 4.4136019, 0.7929199, 2.4258881).unwrap();
    let pred = m
        .expected_purchases_batch(39.0, SummarySlices::new(&x, &tx, &t).unwrap())
        .unwrap();
    let per_customer: Vec<HoldoutRow> = (0..x.len())
        .map(|i| HoldoutRow {
            frequency: x[i],
            recency: tx[i],
            predicted: pred[i],
            actual: xh[i],
            weight: 1.0,
        })
        .collect();
    let eval = HoldoutEvaluation::from_rows(&per_customer, 7).unwrap();
    let want = reference_csv("cdnow_holdout_by_recency.csv");
    assert_eq!(eval.by_recency.len(), want.len());
    assert_eq!(eval.by_recency.len(), 39);
    for (bin, w) in eval.by_recency.iter().zip(&want) {
        assert_eq!(bin.from, w[0]);
        assert_eq!(bin.customers as f64, w[1], "{bin:?}");
        assert!((bin.mean_predicted - w[2]).abs() < 1e-7, "{bin:?} vs {w:?}");
        assert!((bin.mean_actual - w[3]).abs() < 1e-9, "{bin:?} vs {w:?}");
    }
    assert!(eval.by_recency.last().unwrap().open_ended);
    assert_eq!(eval.by_recency.iter().map(|b| b.customers).sum::<usize>(), 2357);
    // The frequency table and totals do not depend on the constructor.
    let plain = HoldoutEvaluation::new(&x, &pred, &xh, 7).unwrap();
    assert_eq!(plain.by_frequency, eval.by_frequency);
    assert!(plain.by_recency.is_empty());

    // Compressed: customers sharing (x, t_x, T) share the prediction; their actual
    // holdout counts are pooled as a mean over the row's weight.
    let w = WeightedSummaries::from_rows(&x, &tx, &t).unwrap();
    let mut actual_sum = std::collections::HashMap::new();
    for i in 0..x.len() {
        *actual_sum
            .entry((x[i].to_bits(), tx[i].to_bits(), t[i].to_bits()))
            .or_insert(0.0) += xh[i];
    }
    let compressed: Vec<HoldoutRow> = (0..w.len())
        .map(|k| {
            let (fx, ftx, ft, wt) = (w.frequency()[k], w.recency()[k], w.age()[k], w.weight()[k]);
            HoldoutRow {
                frequency: fx,
                recency: ftx,
                predicted: m.expected_purchases(39.0, fx, ftx, ft).unwrap(),
                actual: actual_sum[&(fx.to_bits(), ftx.to_bits(), ft.to_bits())] / wt,
                weight: wt,
            }
        })
        .collect();
    assert!(compressed.len() < x.len()); // the 1,411 one-time buyers share few rows
    let ce = HoldoutEvaluation::from_rows(&compressed, 7).unwrap();
    assert_eq!(ce.customers, 2357);
    assert!((ce.actual_total - 1882.0).abs() < 1e-9);
    for (a, b) in ce.by_recency.iter().zip(&eval.by_recency) {
        assert_eq!(a.customers, b.customers);
        assert!((a.mean_actual - b.mean_actual).abs() < 1e-12);
        assert!((a.mean_predicted - b.mean_predicted).abs() < 1e-9);
    }
    // Pooling different holdout counts into a mean loses spread: errors can only shrink.
    assert!(ce.mae <= eval.mae && ce.rmse <= eval.rmse);

    // Compressed on (x, t_x, T, holdout count) nothing is lost: errors agree too.
    let mut patterns: std::collections::BTreeMap<[u64; 4], f64> = std::collections::BTreeMap::new();
    for i in 0..x.len() {
        *patterns
            .entry([x[i].to_bits(), tx[i].to_bits(), t[i].to_bits(), xh[i].to_bits()])
            .or_insert(0.0) += 1.0;
    }
    let lossless: Vec<HoldoutRow> = patterns
        .iter()
        .map(|(k, &wt)| {
            let [fx, ftx, ft, fa] = k.map(f64::from_bits);
            HoldoutRow {
                frequency: fx,
                recency: ftx,
                predicted: m.expected_purchases(39.0, fx, ftx, ft).unwrap(),
                actual: fa,
                weight: wt,
            }
        })
        .collect();
    let le = HoldoutEvaluation::from_rows(&lossless, 7).unwrap();
    assert!(lossless.len() < x.len());
    assert!((le.mae - eval.mae).abs() < 1e-12 && (le.rmse - eval.rmse).abs() < 1e-12);
    assert!((le.predicted_total - eval.predicted_total).abs() < 1e-9);
}

/// Weekly expected repeat transactions on CDNOW against the independent script (whose
/// weeks 20–25 cumulative values are BTYD's published ones); increments sum to the curve.
#[test]
fn tracking_increments_cdnow_reference() {
    use customer_value::TimeUnit;
    use customer_value::btyd::{Tracking, incremental_expected_repeat_transactions};
    let rows = cdnow();
    let ages: Vec<f64> = rows.iter().map(|r| r[3]).collect();
    let births = births_from_ages(&ages).unwrap();
    let weeks: Vec<f64> = (1..=78).map(f64::from).collect();
    let bg = BgNbd::new(0.2425945, 4.4136019, 0.7929199, 2.4258881).unwrap();
    let inc = incremental_expected_repeat_transactions(&bg, &births, &weeks).unwrap();
    let cum = cumulative_expected_repeat_transactions(&bg, &births, &weeks).unwrap();
    let want = reference_csv("cdnow_tracking_increments.csv");
    for ((i, c), w) in inc.iter().zip(&cum).zip(&want) {
        assert!(rel(*c, w[1]) < 1e-9, "week {}: {c} vs {}", w[0], w[1]);
        assert!(rel(*i, w[2]) < 1e-8, "week {}: {i} vs {}", w[0], w[2]);
    }
    let mut running = 0.0;
    for (i, c) in inc.iter().zip(&cum) {
        running += i;
        assert!((running - c).abs() < 1e-9 * c.max(1.0));
    }
    // The library's tracking type carries the same increments beside the actual ones.
    let actual: Vec<(f64, f64)> = weeks.iter().map(|&w| (w, 10.0 * w)).collect();
    let tracking = Tracking::with_model(&bg, &births, &actual, TimeUnit::WEEK, Some(39.0)).unwrap();
    let steps = tracking.increments();
    assert_eq!(steps.len(), 78);
    for (s, i) in steps.iter().zip(&inc) {
        assert!((s.expected - i).abs() < 1e-9 && (s.actual - 10.0).abs() < 1e-12);
    }
    assert!(incremental_expected_repeat_transactions(&bg, &births, &[2.0, 1.0]).is_err());
}

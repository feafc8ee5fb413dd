//! Holdout evaluation from weighted rows (its frequency and recency bins), tracking curves
//! and their per-period increments, and the incremental expected repeat transactions, from
//! hostile rows. Every customer of an `Ok` evaluation is in exactly one frequency bin and
//! one recency bin; bin means and errors are finite and ≥ 0; increments sum back to the
//! last cumulative point; expected increments are finite and ≥ 0.

use customer_value::TimeUnit;
use customer_value::btyd::{
    BgNbd, HoldoutEvaluation, HoldoutRow, ParetoNbd, Tracking, TrackingPoint, TransactionModel,
    incremental_expected_repeat_transactions,
};

use super::harness::Tally;
use super::rng::{Rng, scale};

fn value(rng: &mut Rng) -> f64 {
    match rng.below(6) {
        0 => rng.f64(),
        1 => rng.pick(&[0.0, 5e-324, 1e-300, 1e300, 1e15, 0.5]),
        _ => rng.below(400) as f64 / 10.0,
    }
}

fn row(rng: &mut Rng) -> HoldoutRow {
    let frequency = if rng.chance(6) {
        value(rng)
    } else {
        rng.below(20) as f64
    };
    let weight = match rng.below(6) {
        0 => rng.f64(),
        1 => rng.pick(&[1.0, 9_007_199_254_740_992.0, 1e15, 0.0, 2.5]),
        _ => (1 + rng.below(5)) as f64,
    };
    HoldoutRow {
        frequency,
        recency: value(rng),
        predicted: value(rng),
        actual: if rng.chance(3) {
            rng.below(10) as f64
        } else {
            value(rng)
        },
        weight,
    }
}

#[test]
fn btyd_holdout_from_rows_accounts_for_every_customer() {
    let mut t = Tally::new("holdout rows");
    let mut rng = Rng::new(51);
    for case in 0..1_500 * scale() {
        let rows: Vec<HoldoutRow> = (0..rng.usize(8)).map(|_| row(&mut rng)).collect();
        let top = rng.pick(&[0, 1, 3, 7, 50, 1_000_001, u32::MAX]);
        let what = format!("case {case}: from_rows({rows:?}, {top})");
        let Some(e) = t.call(|| what.clone(), || HoldoutEvaluation::from_rows(&rows, top)) else {
            continue;
        };
        let total: f64 = rows.iter().map(|r| r.weight).sum();
        t.promise(e.customers as f64 == total, || {
            format!("{what}: {} customers, rows weigh {total}", e.customers)
        });
        for (name, v) in [
            ("mae", e.mae),
            ("rmse", e.rmse),
            ("predicted_total", e.predicted_total),
            ("actual_total", e.actual_total),
        ] {
            t.finite(v, || format!("{what}: {name}"));
            t.promise(v >= 0.0, || format!("{what}: {name} = {v} < 0"));
        }
        if let Some(a) = e.aggregate_error_pct {
            t.finite(a, || format!("{what}: aggregate_error_pct"));
        }
        t.promise(e.by_frequency.len() == top as usize + 1, || {
            format!("{what}: {} frequency bins for top {top}", e.by_frequency.len())
        });
        let in_x: usize = e.by_frequency.iter().map(|b| b.customers).sum();
        let in_tx: usize = e.by_recency.iter().map(|b| b.customers).sum();
        t.promise(in_x == e.customers && in_tx == e.customers, || {
            format!(
                "{what}: {} customers, {in_x} in frequency bins, {in_tx} in recency bins",
                e.customers
            )
        });
        t.promise(e.by_recency.last().is_some_and(|b| b.open_ended), || {
            format!("{what}: the last recency bin is not open")
        });
        t.promise(
            e.by_recency.iter().filter(|b| b.open_ended).count() == 1
                && e.by_frequency.iter().filter(|b| b.open_ended).count() == 1,
            || format!("{what}: not exactly one open bin each"),
        );
        for (i, b) in e.by_recency.iter().enumerate() {
            t.promise(b.from == i as f64, || {
                format!("{what}: recency bin {i} from {}", b.from)
            });
            t.promise(
                b.mean_predicted.is_finite()
                    && b.mean_actual.is_finite()
                    && b.mean_predicted >= 0.0
                    && b.mean_actual >= 0.0,
                || format!("{what}: recency bin {b:?}"),
            );
        }
        for b in &e.by_frequency {
            t.promise(
                b.mean_predicted.is_finite()
                    && b.mean_actual.is_finite()
                    && b.mean_predicted >= 0.0
                    && b.mean_actual >= 0.0,
                || format!("{what}: frequency bin {b:?}"),
            );
        }
        // Weight w is the same as w copies of the row.
        if rows.iter().all(|r| r.weight <= 4.0) && !rows.is_empty() {
            let expanded: Vec<HoldoutRow> = rows
                .iter()
                .flat_map(|r| std::iter::repeat_n(HoldoutRow { weight: 1.0, ..*r }, r.weight as usize))
                .collect();
            if let Some(x) = t.call(
                || format!("{what}: expanded"),
                || HoldoutEvaluation::from_rows(&expanded, top),
            ) {
                let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * (1.0 + a.abs().max(b.abs()));
                t.promise(x.customers == e.customers && close(x.mae, e.mae), || {
                    format!("{what}: expanded rows give mae {} vs {}", x.mae, e.mae)
                });
                let same_bins = x
                    .by_recency
                    .iter()
                    .zip(&e.by_recency)
                    .all(|(a, b)| a.customers == b.customers);
                t.promise(same_bins && x.by_recency.len() == e.by_recency.len(), || {
                    format!("{what}: expanded rows give other recency bins")
                });
            }
        }
    }
    t.finish();
}

#[test]
fn btyd_tracking_increments_sum_back_to_the_curve() {
    let mut t = Tally::new("tracking");
    let mut rng = Rng::new(52);
    for case in 0..1_500 * scale() {
        let n = rng.usize(7);
        let mut time = 0.0;
        let (mut actual, mut expected) = (0.0, 0.0);
        let points: Vec<TrackingPoint> = (0..n)
            .map(|_| {
                time = if rng.chance(10) {
                    value(&mut rng)
                } else {
                    time + (1 + rng.below(5)) as f64
                };
                // Mostly cumulative (non-decreasing), sometimes not.
                if rng.chance(8) {
                    actual = value(&mut rng);
                    expected = value(&mut rng);
                } else {
                    actual += rng.below(50) as f64;
                    expected += rng.below(5000) as f64 / 100.0;
                }
                TrackingPoint {
                    time,
                    actual,
                    expected,
                }
            })
            .collect();
        let end = rng.pick(&[None, Some(2.0), Some(f64::NAN), Some(-1.0), Some(1e300)]);
        let what = format!("case {case}: Tracking::new({end:?}, {points:?})");
        let Some(c) = t.call(
            || what.clone(),
            || Tracking::new(TimeUnit::WEEK, end, points.clone()),
        ) else {
            continue;
        };
        let steps = c.increments();
        t.promise(steps.len() == c.points.len(), || {
            format!("{what}: {} steps", steps.len())
        });
        let (sa, se): (f64, f64) = (
            steps.iter().map(|s| s.actual).sum(),
            steps.iter().map(|s| s.expected).sum(),
        );
        let last = c.points.last().copied();
        let scale_of =
            |pts: &[TrackingPoint], f: fn(&TrackingPoint) -> f64| pts.iter().map(f).fold(1.0, f64::max);
        let (ma, me) = (
            scale_of(&c.points, |p| p.actual),
            scale_of(&c.points, |p| p.expected),
        );
        t.promise(
            last.is_some_and(|l| {
                (sa - l.actual).abs() <= 1e-12 * ma * n as f64
                    && (se - l.expected).abs() <= 1e-12 * me * n as f64
            }),
            || format!("{what}: increments sum to ({sa}, {se}), last point {last:?}"),
        );
        for (s, p) in steps.iter().zip(&c.points) {
            t.promise(
                s.time == p.time && s.actual.is_finite() && s.expected.is_finite(),
                || format!("{what}: step {s:?}"),
            );
        }
        // The curve's JSON reads back to the same curve.
        if let Some(json) = t.call(|| format!("{what}: to_json"), || serde_json::to_string(&c)) {
            let back = t.call(
                || format!("{what}: from_json"),
                || serde_json::from_str::<Tracking>(&json),
            );
            t.promise(
                back.as_ref() == Some(&c) || c.calibration_end.is_some_and(|e| !e.is_finite()),
                || format!("{what}: {json} read back as {back:?}"),
            );
        }
    }
    t.finish();
}

#[test]
fn btyd_incremental_expected_repeat_transactions_are_finite_and_non_negative() {
    let mut t = Tally::new("incremental");
    let mut rng = Rng::new(53);
    let models: Vec<Box<dyn TransactionModel>> = vec![
        Box::new(BgNbd::new(0.2425945, 4.4136019, 0.7929199, 2.4258881).unwrap()),
        Box::new(ParetoNbd::new(0.55, 10.58, 0.61, 11.67).unwrap()),
        Box::new(BgNbd::new(1e-300, 1e300, 5e-324, 1e300).unwrap()),
    ];
    for case in 0..300 * scale() {
        let m = &models[rng.usize(models.len())];
        let births: Vec<f64> = (0..rng.usize(6)).map(|_| value(&mut rng)).collect();
        let mut times: Vec<f64> = (0..rng.usize(6)).map(|_| value(&mut rng)).collect();
        if rng.chance(4) {
            times.push(rng.pick(&[1e300, 1e15, f64::INFINITY, f64::NAN]));
        }
        if !rng.chance(5) {
            times.sort_by(f64::total_cmp);
            times.dedup();
        }
        let what = format!("case {case}: {} births {births:?} times {times:?}", m.name());
        let Some(inc) = t.call(
            || what.clone(),
            || incremental_expected_repeat_transactions(m.as_ref(), &births, &times),
        ) else {
            continue;
        };
        t.promise(inc.len() == times.len(), || {
            format!("{what}: {} increments", inc.len())
        });
        t.promise(
            inc.iter().all(|v| v.is_finite() && *v >= -1e-9 * (1.0 + v.abs())),
            || format!("{what}: increments {inc:?}"),
        );
    }
    t.finish();
}

//! Kaplan–Meier: the 6-MP arm of the Freireich et al. (1963) leukaemia trial (values as in
//! R `survival::survfit` / Kleinbaum & Klein), subscriptions with dates, merge law,
//! confidence bands, median and quantiles under lifelines' and R's conventions, restricted
//! mean, and bad input.

use chrono::NaiveDate;
use customer_value::Error;
use customer_value::retention::{
    ConfidenceBand, KaplanMeier, LifeTable, QuantileRule, RetentionModel, Subscription, check_retention_model,
};
use proptest::prelude::*;

/// 6,6,6,6+,7,9+,10,10+,11+,13,16,17+,19+,20+,22,23,25+,32+,32+,34+,35+ (weeks; + censored).
fn six_mp() -> Vec<(u32, bool)> {
    vec![
        (6, true),
        (6, true),
        (6, true),
        (6, false),
        (7, true),
        (9, false),
        (10, true),
        (10, false),
        (11, false),
        (13, true),
        (16, true),
        (17, false),
        (19, false),
        (20, false),
        (22, true),
        (23, true),
        (25, false),
        (32, false),
        (32, false),
        (34, false),
        (35, false),
    ]
}

#[test]
fn six_mp_reproduces_the_published_curve() {
    let km = KaplanMeier::from_durations(six_mp()).unwrap();
    let expected = [
        (6, 0.8571),
        (7, 0.8067),
        (10, 0.7529),
        (13, 0.6902),
        (16, 0.6275),
        (22, 0.5378),
        (23, 0.4482),
    ];
    for (t, s) in expected {
        assert!((km.survival(t) - s).abs() < 5e-5, "S({t}) = {}", km.survival(t));
    }
    assert!((km.std_error(6) - 0.0764).abs() < 5e-5);
    assert!((km.std_error(23) - 0.1346).abs() < 5e-5);
    // Flat between events, 1 before the first.
    assert!((km.survival(5) - 1.0).abs() < 1e-15);
    assert!((km.survival(9) - km.survival(7)).abs() < 1e-15);
    assert_eq!(km.steps().len(), 7);
    assert_eq!(km.steps()[0].at_risk, 21);
    assert_eq!(km.median(), Some(23));
    check_retention_model(&km, 100).unwrap();
}

#[test]
fn six_mp_confidence_bands() {
    let km = KaplanMeier::from_durations(six_mp()).unwrap();
    // Plain band at t = 6: 0.8571 ± 1.96 × 0.0764 (R conf.type = "plain": 0.7075, 1).
    let (lo, hi) = km
        .confidence_interval(6, 1.959964, ConfidenceBand::Plain)
        .unwrap();
    assert!((lo - (0.857143 - 1.959964 * 0.076360)).abs() < 1e-4 && (hi - 1.0).abs() < 1e-12);
    // R's default "log" band at t = 23: exp(ln 0.4482 ± 1.96·√V).
    let (lo, hi) = km.confidence_interval(23, 1.959964, ConfidenceBand::Log).unwrap();
    let s = km.survival(23);
    let w = 1.959964 * km.std_error(23) / s;
    assert!((lo - s * (-w).exp()).abs() < 1e-12 && (hi - (s * w.exp()).min(1.0)).abs() < 1e-12);
    // Log-log band stays inside (0, 1) and contains the estimate.
    for t in [6, 10, 23] {
        let (lo, hi) = km
            .confidence_interval(t, 1.959964, ConfidenceBand::LogLog)
            .unwrap();
        assert!(0.0 < lo && lo < km.survival(t) && km.survival(t) < hi && hi < 1.0);
    }
    assert!(
        km.confidence_interval(6, f64::NAN, ConfidenceBand::Plain)
            .is_err()
    );
}

#[test]
fn restricted_mean_is_the_area_under_the_steps() {
    let km = KaplanMeier::from_durations(six_mp()).unwrap();
    // By hand: 6 × 1 + 1 × S(6) + 3 × S(7) + 3 × S(10) + 3 × S(13) + 6 × S(16) + 1 × S(22) + 12 × S(23).
    let s = |t| km.survival(t);
    let by_hand = 6.0 + s(6) + 3.0 * s(7) + 3.0 * s(10) + 3.0 * s(13) + 6.0 * s(16) + s(22) + 12.0 * s(23);
    assert!((km.restricted_mean(35).unwrap() - by_hand).abs() < 1e-12);
    assert!((km.restricted_mean(6).unwrap() - 6.0).abs() < 1e-12);
    assert!(matches!(
        km.restricted_mean(36),
        Err(Error::InvalidParameter { .. })
    ));
    // Discrete time: the RMST to τ equals the trait's lifetime within τ.
    assert!((km.restricted_mean(30).unwrap() - km.expected_lifetime_within(30).unwrap()).abs() < 1e-12);
}

// Medians and quantiles where Ŝ sits exactly at the level on a flat stretch.
//
// lifelines 0.30.3 (first crossing), from this script:
//
//     import warnings; warnings.simplefilter("ignore")
//     from lifelines import KaplanMeierFitter
//     sets = {"flat_then_event": [(2,1),(2,1),(3,0),(5,1)],
//             "flat_to_end":     [(2,1),(2,1),(3,0),(6,0)],
//             "quartile_flat":   [(1,1)]*6 + [(2,0)]*2 + [(3,1)]*6 + [(5,0)]*10,
//             "one_to_100":      [(t,1) for t in range(1,101)],
//             "six_mp":          <the 21 rows of six_mp()>}
//     for name, d in sets.items():
//         k = KaplanMeierFitter().fit([t for t,_ in d], [e for _,e in d])
//         print(name, k.median_survival_time_, k.percentile(0.75))
//
//     flat_then_event 2.0 2.0 | flat_to_end 2.0 2.0 | quartile_flat 3.0 1.0
//     one_to_100 50.0 25.0    | six_mp 23.0 13.0
//
// (lifelines' `percentile(q)` is the time at which Ŝ = q, so its 0.75 is our p = 0.25.)
//
// R survival (3.8-11 source; R is not installable here, so these are derived by hand from
// `findq` in R/quantile.survfit.R — the quantile is where the CDF 1 − Ŝ meets p; if a
// level equals p within √ε the answer is the mean of that jump time and the next one, or
// of it and the last follow-up time when it is the last level — and from `minmin` in
// R/print.survfit.R for the printed median, which uses the same midpoint except at the
// end of the curve, where it prints the jump time):
//
//     flat_then_event  median: CDF 0.5 on [2, 5)          → (2 + 5)/2  = 3.5
//     flat_to_end      median: CDF 0.5 from 2 to the end  → (2 + 6)/2  = 4 (print: 2)
//     quartile_flat    25 %:   CDF 0.25 on [1, 3)         → (1 + 3)/2  = 2; median 3
//     one_to_100       median: (50 + 51)/2 = 50.5; 25 %: (25 + 26)/2 = 25.5 — the example
//                      in print.survfit.R's comment (Ŝ(50) = 0.5 + 1.1e-16 in R)
//     six_mp           median 23 (Ŝ jumps 0.538 → 0.448), 25 %: 13 — no ties

fn quartile_flat() -> Vec<(u32, bool)> {
    let mut rows = vec![(1, true); 6];
    rows.extend([(2, false); 2]);
    rows.extend([(3, true); 6]);
    rows.extend([(5, false); 10]);
    rows
}

#[test]
fn a_flat_stretch_at_one_half_splits_the_conventions() {
    let km = KaplanMeier::from_durations([(2, true), (2, true), (3, false), (5, true)]).unwrap();
    assert_eq!(km.survival(3), 0.5);
    assert_eq!(km.median_with(QuantileRule::FirstCrossing), Some(2.0)); // lifelines
    assert_eq!(km.median_with(QuantileRule::Midpoint), Some(3.5)); // R
    assert_eq!(km.median(), Some(2)); // unchanged
    // Ŝ = 0.5 is not a tie for the 25 % quantile (level 0.75): both give 2 (lifelines 2).
    for rule in [QuantileRule::FirstCrossing, QuantileRule::Midpoint] {
        assert_eq!(km.quantile_with(0.25, rule), Some(2.0));
    }
}

#[test]
fn a_flat_stretch_to_the_end_of_follow_up_takes_the_last_duration() {
    let km = KaplanMeier::from_durations([(2, true), (2, true), (3, false), (6, false)]).unwrap();
    assert_eq!(km.median_with(QuantileRule::FirstCrossing), Some(2.0)); // lifelines
    assert_eq!(km.median_with(QuantileRule::Midpoint), Some(4.0)); // R quantile.survfit
}

#[test]
fn quantiles_follow_the_same_rule() {
    let km = KaplanMeier::from_durations(quartile_flat()).unwrap();
    assert_eq!(km.survival(2), 0.75);
    assert_eq!(km.quantile_with(0.25, QuantileRule::FirstCrossing), Some(1.0)); // lifelines
    assert_eq!(km.quantile_with(0.25, QuantileRule::Midpoint), Some(2.0)); // R
    // The median crosses 0.5 (0.75 → 0.46875) without equality: 3 for both (lifelines 3).
    assert_eq!(km.median_with(QuantileRule::FirstCrossing), Some(3.0));
    assert_eq!(km.median_with(QuantileRule::Midpoint), Some(3.0));
    // Never below 0.46875: no 60 % quantile under either rule.
    assert_eq!(km.quantile_with(0.6, QuantileRule::Midpoint), None);
    assert_eq!(km.quantile_with(0.6, QuantileRule::FirstCrossing), None);
}

#[test]
fn a_tie_lost_to_rounding_still_counts() {
    // R's own example: survfit(Surv(1:100) ~ 1) has Ŝ(50) = 0.5 up to rounding.
    let km = KaplanMeier::from_durations((1..=100).map(|t| (t, true))).unwrap();
    assert_eq!(km.median_with(QuantileRule::Midpoint), Some(50.5)); // R
    assert_eq!(km.median_with(QuantileRule::FirstCrossing), Some(50.0)); // lifelines
    assert_eq!(km.quantile_with(0.25, QuantileRule::Midpoint), Some(25.5)); // R
    assert_eq!(km.quantile_with(0.25, QuantileRule::FirstCrossing), Some(25.0)); // lifelines
}

#[test]
fn without_a_tie_both_rules_give_the_published_six_mp_median() {
    let km = KaplanMeier::from_durations(six_mp()).unwrap();
    for rule in [QuantileRule::FirstCrossing, QuantileRule::Midpoint] {
        assert_eq!(km.median_with(rule), Some(23.0)); // R and lifelines: 23
        assert_eq!(km.quantile_with(0.25, rule), Some(13.0)); // R and lifelines: 13
        // Ŝ never drops below 0.448: no 60 % quantile; p outside (0, 1) has none.
        for p in [0.6, 0.0, 1.0, -0.5, f64::NAN] {
            assert_eq!(km.quantile_with(p, rule), None, "{p}");
        }
    }
}

#[test]
fn quantile_rule_json_round_trip() {
    for rule in [QuantileRule::FirstCrossing, QuantileRule::Midpoint] {
        let s = serde_json::to_string(&rule).unwrap();
        assert_eq!(serde_json::from_str::<QuantileRule>(&s).unwrap(), rule);
    }
    assert_eq!(QuantileRule::default(), QuantileRule::FirstCrossing);
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

#[test]
fn subscriptions_map_to_periods() {
    let as_of = d(2024, 12, 31);
    let subs = [
        Subscription::new(d(2024, 1, 1), Some(d(2024, 1, 1))).unwrap(), // same day: churn in period 1
        Subscription::new(d(2024, 1, 1), Some(d(2024, 1, 31))).unwrap(), // 30 days: period 1
        Subscription::new(d(2024, 1, 1), Some(d(2024, 2, 1))).unwrap(), // 31 days: period 2
        Subscription::new(d(2024, 1, 1), Some(d(2025, 3, 1))).unwrap(), // ends after as-of: censored
        Subscription::new(d(2024, 12, 1), None).unwrap(),               // 30 days: censored at 1
    ];
    let table = KaplanMeier::life_table(&subs, as_of, 30).unwrap();
    let rows: Vec<_> = table.rows().collect();
    assert_eq!(rows, vec![(1, 2, 1), (2, 1, 0), (12, 0, 1)]);
}

#[test]
fn bad_input_is_a_typed_error() {
    assert!(matches!(
        Subscription::new(d(2024, 2, 1), Some(d(2024, 1, 1))),
        Err(Error::InvalidParameter { .. })
    ));
    // Built without the constructor: still caught, with the row.
    let bad = [
        Subscription {
            start: d(2024, 1, 1),
            end: None,
        },
        Subscription {
            start: d(2024, 2, 1),
            end: Some(d(2024, 1, 1)),
        },
    ];
    assert!(matches!(
        KaplanMeier::from_subscriptions(&bad, d(2024, 6, 1), 30),
        Err(Error::InvalidRow { row: 1, .. })
    ));
    let future = [Subscription {
        start: d(2025, 1, 1),
        end: None,
    }];
    assert!(matches!(
        KaplanMeier::from_subscriptions(&future, d(2024, 6, 1), 30),
        Err(Error::InvalidRow { row: 0, .. })
    ));
    assert!(KaplanMeier::from_subscriptions(&[], d(2024, 6, 1), 30).is_err());
    assert!(KaplanMeier::from_subscriptions(&future, d(2026, 6, 1), 0).is_err());
    assert!(matches!(
        KaplanMeier::from_durations([(3, true), (0, true)]),
        Err(Error::InvalidRow { row: 1, .. })
    ));
    assert!(matches!(
        KaplanMeier::from_durations([]),
        Err(Error::EmptyInput { .. })
    ));
}

#[test]
fn everybody_churning_ends_at_zero() {
    let km = KaplanMeier::from_durations([(1, true), (2, true)]).unwrap();
    assert!((km.survival(1) - 0.5).abs() < 1e-15);
    assert!(km.survival(2).abs() < 1e-15);
    assert_eq!(
        km.confidence_interval(2, 1.96, ConfidenceBand::LogLog).unwrap(),
        (0.0, 0.0)
    );
    check_retention_model(&km, 5).unwrap();
}

#[test]
fn json_round_trip() {
    let km = KaplanMeier::from_durations(six_mp()).unwrap();
    let s = serde_json::to_string(&km).unwrap();
    assert_eq!(serde_json::from_str::<KaplanMeier>(&s).unwrap(), km);
}

proptest! {
    #[test]
    fn survival_is_a_non_increasing_probability(
        rows in proptest::collection::vec((1_u32..60, any::<bool>()), 1..200)
    ) {
        let km = KaplanMeier::from_durations(rows).unwrap();
        prop_assert!(check_retention_model(&km, 70).is_ok());
        for s in km.steps() {
            prop_assert!(s.std_error >= 0.0 && s.std_error.is_finite());
        }
    }

    #[test]
    fn shards_merge_to_the_whole_and_order_does_not_matter(
        rows in proptest::collection::vec((1_u32..60, any::<bool>()), 1..200),
        cut in 0_usize..200,
    ) {
        let cut = cut.min(rows.len());
        let mut whole = LifeTable::default();
        for &(t, e) in &rows { whole.record(t, e).unwrap(); }
        let (mut a, mut b) = (LifeTable::default(), LifeTable::default());
        for &(t, e) in &rows[..cut] { a.record(t, e).unwrap(); }
        for &(t, e) in &rows[cut..] { b.record(t, e).unwrap(); }
        a.merge(&b).unwrap();
        prop_assert_eq!(&a, &whole);
        let mut reversed = rows.clone();
        reversed.reverse();
        prop_assert_eq!(
            KaplanMeier::from_durations(reversed).unwrap(),
            KaplanMeier::from_life_table(&whole).unwrap()
        );
    }

    #[test]
    fn the_midpoint_rule_stays_within_the_tied_stretch(
        rows in proptest::collection::vec((1_u32..30, any::<bool>()), 1..60),
        p in 0.01_f64..0.99,
    ) {
        let km = KaplanMeier::from_durations(rows).unwrap();
        let first = km.quantile_with(p, QuantileRule::FirstCrossing);
        prop_assert_eq!(first, km.quantile(p).map(f64::from));
        let mid = km.quantile_with(p, QuantileRule::Midpoint);
        prop_assert_eq!(first.is_some(), mid.is_some());
        if let (Some(first), Some(mid)) = (first, mid) {
            // At or after the first crossing, never past the next event (or the last
            // follow-up), and equal to it unless Ŝ there is 1 − p.
            let step = km.steps().iter().find(|s| f64::from(s.time) == first).unwrap();
            let next = km
                .steps()
                .iter()
                .find(|s| f64::from(s.time) > first)
                .map_or(km.max_duration(), |s| s.time);
            prop_assert!(first <= mid && mid <= f64::from(next));
            if (step.survival - (1.0 - p)).abs() > 1e-8 {
                prop_assert_eq!(mid, first);
            }
        }
    }

    #[test]
    fn at_each_level_of_the_curve_the_midpoint_rule_splits_the_stretch(
        rows in proptest::collection::vec((1_u32..30, any::<bool>()), 1..60),
    ) {
        let km = KaplanMeier::from_durations(rows).unwrap();
        let steps = km.steps();
        for (i, step) in steps.iter().enumerate() {
            // p = 1 − Ŝ(tᵢ): a tie on [tᵢ, tᵢ₊₁) (the last follow-up after the last step).
            let p = 1.0 - step.survival;
            if !(p > 0.0 && p < 1.0) {
                continue;
            }
            let next = steps.get(i + 1).map_or(km.max_duration(), |s| s.time);
            let t = f64::from(step.time);
            prop_assert_eq!(km.quantile_with(p, QuantileRule::FirstCrossing), Some(t));
            prop_assert_eq!(
                km.quantile_with(p, QuantileRule::Midpoint),
                Some((t + f64::from(next)) / 2.0)
            );
        }
    }
}

/// Quantiles with confidence limits against R `survival` 3.x's `quantile.survfit`
/// (`tests/reference/km_quantile_ci.R`; R's default z = qnorm(0.975), midpoint rule).
#[test]
fn quantile_intervals_match_r_survival() {
    use customer_value::retention::{ConfidenceBand, QuantileRule};
    let aml_time = [
        9, 13, 13, 18, 23, 28, 31, 34, 45, 48, 161, 5, 5, 8, 8, 12, 16, 23, 27, 30, 33, 43, 45,
    ];
    let aml_status = [
        1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1,
    ];
    let random_time = [
        10, 19, 28, 7, 2, 15, 26, 22, 8, 24, 3, 24, 8, 22, 15, 8, 27, 26, 12, 19, 20, 8, 18, 15, 6, 16, 22,
        27, 21, 4, 11, 6, 26, 23, 2, 4, 6, 24, 11, 8, 28, 17, 27, 14, 4, 25, 3, 13, 21, 24, 9, 21, 22, 8, 13,
        15, 9, 2, 12, 21, 8, 26, 24, 10, 14, 26, 8, 27, 16, 18, 23, 5, 6, 3, 21, 9, 16, 30, 23, 8, 28, 16,
        18, 18, 8, 29, 6, 10, 13, 30, 24, 7, 25, 25, 24, 22, 12, 6, 4, 16, 17, 11, 13, 12, 23, 28, 23, 18, 1,
        17, 1, 12, 11, 16, 2, 9, 26, 17, 8, 9, 27, 9, 22, 20, 14, 11, 24, 20, 29, 28, 22, 24, 8, 25, 18, 3,
        18, 13, 18, 21, 11, 23, 2, 20, 2, 18, 8, 5, 17, 21, 16, 9, 28, 15, 22, 11, 8, 11, 13, 26, 12, 30, 29,
        2, 20, 1, 22, 13, 4, 10, 7, 12, 13, 7, 28, 26, 19, 4, 10, 17, 27, 6, 26, 12, 14, 26, 29, 26, 11, 9,
        8, 1, 11, 10, 18, 12, 3, 24, 15, 5,
    ];
    let random_status = [
        0, 0, 1, 1, 1, 1, 1, 0, 0, 1, 0, 1, 1, 0, 0, 0, 1, 1, 0, 1, 0, 1, 1, 1, 1, 1, 0, 0, 0, 1, 1, 0, 0, 1,
        0, 1, 1, 0, 1, 1, 1, 1, 0, 1, 1, 1, 0, 1, 0, 1, 1, 1, 0, 1, 1, 0, 1, 1, 0, 0, 1, 1, 0, 1, 1, 0, 1, 1,
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 0, 1, 1, 0, 1, 0, 0, 0, 0, 1,
        1, 0, 1, 0, 1, 1, 1, 0, 0, 1, 0, 1, 1, 0, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 0, 1, 1, 1,
        0, 1, 0, 1, 1, 1, 1, 1, 0, 0, 0, 1, 0, 0, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1,
        1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 1, 0, 1, 1, 0, 1, 0, 1, 1,
    ];
    let km = |t: &[u32], s: &[u8]| {
        KaplanMeier::from_durations(t.iter().zip(s).map(|(&t, &s)| (t, s == 1))).unwrap()
    };
    let maintained = km(&aml_time[..11], &aml_status[..11]);
    let all = km(&aml_time, &aml_status);
    let random = km(&random_time, &random_status);
    const NA: Option<f64> = None;
    let v = |x: u32| Some(f64::from(x));
    // (curve, band, [(quantile, lower, upper) at p = 0.25, 0.5, 0.75]) as R prints them.
    let cases = [
        (
            &maintained,
            ConfidenceBand::Log,
            [(v(18), v(13), NA), (v(31), v(18), NA), (v(48), v(34), NA)],
        ),
        (
            &maintained,
            ConfidenceBand::LogLog,
            [(v(18), v(9), v(34)), (v(31), v(13), NA), (v(48), v(31), NA)],
        ),
        (
            &maintained,
            ConfidenceBand::Plain,
            [(v(18), v(9), v(34)), (v(31), v(18), v(48)), (v(48), v(31), NA)],
        ),
        (
            &all,
            ConfidenceBand::Log,
            [(v(12), v(8), v(30)), (v(27), v(18), v(48)), (v(43), v(31), NA)],
        ),
        (
            &all,
            ConfidenceBand::LogLog,
            [(v(12), v(5), v(23)), (v(27), v(13), v(34)), (v(43), v(30), NA)],
        ),
        (
            &all,
            ConfidenceBand::Plain,
            [(v(12), v(8), v(27)), (v(27), v(18), v(34)), (v(43), v(30), v(48))],
        ),
        (
            &random,
            ConfidenceBand::Log,
            [(v(11), v(9), v(13)), (v(19), v(16), v(23)), (v(26), v(24), v(28))],
        ),
        (
            &random,
            ConfidenceBand::LogLog,
            [(v(11), v(9), v(13)), (v(19), v(16), v(22)), (v(26), v(24), v(28))],
        ),
        (
            &random,
            ConfidenceBand::Plain,
            [(v(11), v(9), v(13)), (v(19), v(16), v(22)), (v(26), v(24), v(27))],
        ),
    ];
    let z = 1.959_963_984_540_054;
    for (i, (curve, band, expected)) in cases.iter().enumerate() {
        for (p, &(q, lo, hi)) in [0.25, 0.5, 0.75].into_iter().zip(expected) {
            let got = curve
                .quantile_interval(p, z, *band, QuantileRule::Midpoint)
                .unwrap();
            assert_eq!(
                (got.estimate, got.lower, got.upper),
                (q, lo, hi),
                "case {i} {band:?} p = {p}"
            );
        }
    }
    let m = all
        .median_interval(z, ConfidenceBand::Log, QuantileRule::Midpoint)
        .unwrap();
    assert_eq!((m.p, m.estimate), (0.5, Some(27.0)));
    assert!(
        all.quantile_interval(1.0, z, ConfidenceBand::Log, QuantileRule::Midpoint)
            .is_err()
    );
    assert!(
        all.quantile_interval(0.5, f64::NAN, ConfidenceBand::Log, QuantileRule::Midpoint)
            .is_err()
    );
}

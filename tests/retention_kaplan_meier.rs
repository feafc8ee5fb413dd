//! Kaplan–Meier: the 6-MP arm of the Freireich et al. (1963) leukaemia trial (values as in
//! R `survival::survfit` / Kleinbaum & Klein), subscriptions with dates, merge law,
//! confidence bands, median, restricted mean, and bad input.

use chrono::NaiveDate;
use customer_value::Error;
use customer_value::retention::{
    ConfidenceBand, KaplanMeier, LifeTable, RetentionModel, Subscription, check_retention_model,
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
    assert!((km.restricted_mean(30).unwrap() - km.expected_lifetime_within(30)).abs() < 1e-12);
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
        a.merge(&b);
        prop_assert_eq!(&a, &whole);
        let mut reversed = rows.clone();
        reversed.reverse();
        prop_assert_eq!(
            KaplanMeier::from_durations(reversed).unwrap(),
            KaplanMeier::from_life_table(&whole).unwrap()
        );
    }
}

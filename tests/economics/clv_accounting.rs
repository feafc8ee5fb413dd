//! Accounting CLV: Gupta & Lehmann's closed forms (margin 100, retention 0.8, discount
//! 0.1 → 266.67 / 366.67 / 212.41 over 5 periods, as listed in the shared data README),
//! the relationship NPV of seed 000, seed 003's value components, portfolio summaries,
//! bulk valuation, and the laws CLV must obey.

use customer_value::Error;
use customer_value::RevenueStream;
use customer_value::clv::{
    ClvColumns, DiscountWeights, PortfolioSummary, Referral, Relationship, Timing, ValueComponents,
    base_potential, bulk_clv, closed_form_clv, closed_form_clv_finite, closed_form_multiplier,
    referral_value, simple_clv, simple_clv_net_of_cac, top_customers,
};
use customer_value::cost::{Activity, ActivityCost, CostModel, FixedCost, ProportionalCost};
use customer_value::retention::{ConstantRetention, EmpiricalSurvival, RetentionCurve, RetentionModel};
use proptest::prelude::*;
use rust_decimal::Decimal;

fn d(x: i64) -> Decimal {
    Decimal::from(x)
}
fn cents(x: i64) -> Decimal {
    Decimal::new(x, 2)
}

#[test]
fn gupta_lehmann_closed_forms() {
    let m = d(100);
    assert_eq!(
        closed_form_clv(m, 0.8, 0.1, Timing::EndOfPeriod)
            .unwrap()
            .round_dp(2),
        cents(26667)
    );
    assert_eq!(
        closed_form_clv(m, 0.8, 0.1, Timing::StartOfPeriod)
            .unwrap()
            .round_dp(2),
        cents(36667)
    );
    assert_eq!(
        closed_form_clv_finite(m, 0.8, 0.1, 5, Timing::EndOfPeriod)
            .unwrap()
            .round_dp(2),
        cents(21241)
    );
}

#[test]
fn summed_npv_reproduces_212_41() {
    let r = ConstantRetention::new(0.8).unwrap();
    let rel = Relationship::new(
        Decimal::ZERO,
        RevenueStream::Constant(d(100)),
        RevenueStream::Constant(d(0)),
    );
    let v = rel.value(&r, 0.1, 5, Timing::EndOfPeriod).unwrap();
    assert_eq!(v.clv.round_dp(2), cents(21241));
    // Long horizons approach the infinite closed forms.
    let v = rel.value(&r, 0.1, 400, Timing::EndOfPeriod).unwrap();
    assert_eq!(v.clv.round_dp(2), cents(26667));
    let v = rel.value(&r, 0.1, 400, Timing::StartOfPeriod).unwrap();
    assert_eq!(v.clv.round_dp(2), cents(36667));
}

#[test]
fn divergent_series_is_an_error() {
    // 1 + d − r ≤ 0: retention 0.95 with a negative discount rate of −10 %.
    for timing in [Timing::EndOfPeriod, Timing::StartOfPeriod] {
        let e = closed_form_clv(d(100), 0.95, -0.1, timing).unwrap_err();
        assert!(matches!(e, Error::Undefined { .. }), "{e}");
        assert!(matches!(
            closed_form_clv(d(100), 1.0, 0.0, timing),
            Err(Error::Undefined { .. })
        ));
    }
    // A finite horizon is fine (and equals the plain sum: r = 1, d = 0 → T margins).
    assert_eq!(
        closed_form_clv_finite(d(100), 1.0, 0.0, 7, Timing::EndOfPeriod).unwrap(),
        d(700)
    );
    assert!(matches!(
        closed_form_clv(d(1), 0.5, -1.0, Timing::EndOfPeriod),
        Err(Error::InvalidParameter { .. })
    ));
    assert!(matches!(
        closed_form_clv(d(1), f64::NAN, 0.1, Timing::EndOfPeriod),
        Err(Error::InvalidParameter { .. })
    ));
}

#[test]
fn simple_clv_of_the_seed() {
    // Seed 001: A buys 3 times a year for 4,000,000 toman; B once for 6,000,000.
    assert_eq!(simple_clv(d(4_000_000), d(3), d(1)).unwrap(), d(12_000_000));
    assert_eq!(simple_clv(d(6_000_000), d(1), d(1)).unwrap(), d(6_000_000));
    assert_eq!(
        simple_clv_net_of_cac(d(4_000_000), d(3), d(1), d(1_000_000)).unwrap(),
        d(11_000_000)
    );
    assert!(simple_clv(d(1), d(-1), d(1)).is_err());
    assert!(matches!(
        simple_clv(Decimal::MAX, d(2), d(1)),
        Err(Error::Overflow { .. })
    ));
}

#[test]
fn npv_breakdown_is_exact_and_uses_the_cost_model() {
    let abc = ActivityCost::new()
        .with_acquisition(d(40))
        .with_per_order(d(3))
        .with_per_delivery(d(5));
    let plan = vec![Activity::new(d(120)).with_orders(2).with_deliveries(2); 6];
    let rel = Relationship::from_activities(&abc, &plan).unwrap();
    let curve = RetentionCurve::new(vec![0.6, 0.8, 0.9]).unwrap();
    let v = rel.value(&curve, 0.08, 6, Timing::EndOfPeriod).unwrap();
    assert_eq!(
        v.clv,
        v.discounted_revenue - v.discounted_cost - v.acquisition_cost
    );
    assert_eq!(v.value_before_acquisition().unwrap() - v.acquisition_cost, v.clv);
    // Margin 120 − 16 = 104 a period: the NPV equals 104 × Σ weights − 40 exactly.
    let w = DiscountWeights::new(&curve, 0.08, 6, Timing::EndOfPeriod).unwrap();
    assert_eq!(v.clv, d(104) * w.sum() - d(40));
}

#[test]
fn growing_revenue_and_series() {
    let s = RevenueStream::growing(d(100), cents(5)).unwrap();
    assert_eq!(
        s.amounts(3).unwrap(),
        vec![d(100), d(105), Decimal::new(11025, 2)]
    );
    assert!(RevenueStream::growing(d(1), d(-1)).is_err());
    assert!(matches!(
        RevenueStream::growing(Decimal::MAX, d(1)).unwrap().amounts(3),
        Err(Error::Overflow { .. })
    ));
    let w = DiscountWeights::new(&ConstantRetention::new(1.0).unwrap(), 0.0, 3, Timing::EndOfPeriod).unwrap();
    assert_eq!(w.present_value(&[d(1), d(2), d(3)]).unwrap(), d(6));
    assert!(matches!(
        w.present_value(&[d(1); 4]),
        Err(Error::LengthMismatch { .. })
    ));
}

#[test]
fn weights_reject_a_model_that_breaks_the_contract() {
    #[derive(Debug)]
    struct Nan;
    impl RetentionModel for Nan {
        fn survival(&self, t: u32) -> f64 {
            if t < 2 { 1.0 } else { f64::NAN }
        }
    }
    assert!(matches!(
        DiscountWeights::new(&Nan, 0.1, 5, Timing::EndOfPeriod),
        Err(Error::InvalidParameter { .. })
    ));
    assert!(DiscountWeights::new(&Nan, f64::INFINITY, 1, Timing::EndOfPeriod).is_err());
}

#[test]
fn empirical_curve_values_only_the_observed_years() {
    let s = EmpiricalSurvival::from_counts(&[1000, 631, 468, 382]).unwrap();
    let w = DiscountWeights::new(&s, 0.0, 10, Timing::EndOfPeriod).unwrap();
    // 0.631 + 0.468 + 0.382, nothing after year 3.
    assert_eq!(w.sum(), Decimal::new(1481, 3));
}

#[test]
fn value_components_sum_to_the_total() {
    // Base: seed 001 customer A's year — 12,000,000 revenue, 1,000,000 costs.
    let base = base_potential(
        &[Activity::new(d(12_000_000)).with_orders(3)],
        &FixedCost::new(d(400_000), d(600_000)),
    )
    .unwrap();
    assert_eq!(base, d(11_000_000));
    // Growth: future margins growing 10 % a year, valued at retention 0.8 and d = 0.1.
    let w = DiscountWeights::new(&ConstantRetention::new(0.8).unwrap(), 0.1, 5, Timing::EndOfPeriod).unwrap();
    let growth = w
        .present_value(
            &RevenueStream::growing(d(1_000_000), cents(10))
                .unwrap()
                .amounts(5)
                .unwrap(),
        )
        .unwrap();
    let networking = referral_value(&[
        Referral::new(d(2_000_000), true).with_reward(d(100_000)),
        Referral::new(d(3_000_000), false).with_acquisition_saving(d(250_000)),
    ])
    .unwrap();
    assert_eq!(networking, d(2_150_000));
    let v = ValueComponents::new(base, growth, networking, d(500_000));
    assert_eq!(v.total().unwrap(), base + growth + networking + d(500_000));
}

#[test]
fn portfolio_of_values() {
    let values: Vec<Decimal> = [5, 1, 1, 1, 1, 1, 1, 1, 1, 80].into_iter().map(d).collect();
    let p = PortfolioSummary::new(&values).unwrap();
    assert_eq!(p.equity, d(93));
    assert_eq!(p.mean, Decimal::new(93, 1));
    assert_eq!(p.median, d(1));
    assert_eq!(p.max, d(80));
    assert_eq!(p.q3, d(1));
    // Top 20 % (2 customers: 80 and 5) hold 85 of 93.
    assert!((p.top_fifth_share - 85.0 / 93.0).abs() < 1e-12);
    assert!(PortfolioSummary::new(&[]).is_err());
    let ids: Vec<usize> = (0..values.len()).collect();
    assert_eq!(
        top_customers(&ids, &values, 2).unwrap(),
        vec![(9, d(80)), (0, d(5))]
    );
    assert!(top_customers(&ids[..3], &values, 2).is_err());
}

#[test]
fn bulk_matches_one_by_one() {
    let curve = RetentionCurve::new(vec![0.7, 0.85, 0.9]).unwrap();
    let w = DiscountWeights::new(&curve, 0.1, 10, Timing::EndOfPeriod).unwrap();
    let rev: Vec<Decimal> = (0..50).map(|i| cents(10_000 + 137 * i)).collect();
    let cost: Vec<Decimal> = (0..50).map(|i| cents(3_000 + 11 * i)).collect();
    let acq: Vec<Decimal> = (0..50).map(|i| cents(500 * i)).collect();
    let growth: Vec<Decimal> = (0..50).map(|i| Decimal::new(i - 20, 3)).collect();
    let flat = bulk_clv(ClvColumns::new(&rev, &cost, &acq).unwrap(), &w).unwrap();
    let grown = bulk_clv(
        ClvColumns::new(&rev, &cost, &acq)
            .unwrap()
            .with_growth(&growth)
            .unwrap(),
        &w,
    )
    .unwrap();
    for i in 0..50 {
        let one = Relationship::new(
            acq[i],
            RevenueStream::Constant(rev[i]),
            RevenueStream::Constant(cost[i]),
        );
        assert_eq!(flat[i], one.npv(&w).unwrap().clv);
        let g = Relationship::new(
            acq[i],
            RevenueStream::growing(rev[i], growth[i]).unwrap(),
            RevenueStream::Constant(cost[i]),
        );
        assert_eq!(grown[i], g.npv(&w).unwrap().clv);
    }
    let huge = [Decimal::MAX];
    let neg = [Decimal::MIN];
    let zero = [Decimal::ZERO];
    assert!(matches!(
        bulk_clv(ClvColumns::new(&huge, &neg, &zero).unwrap(), &w),
        Err(Error::InvalidRow { row: 0, .. })
    ));
}

#[test]
fn proportional_cost_gives_the_margin() {
    let m = ProportionalCost::from_margin(cents(80)).unwrap();
    assert_eq!(m.margin(&Activity::new(d(100))).unwrap(), d(80));
    assert!(ProportionalCost::from_margin(cents(120)).is_err());
}

fn npv(margin: Decimal, r: f64, disc: f64, horizon: u32, timing: Timing) -> Decimal {
    let w = DiscountWeights::new(&ConstantRetention::new(r).unwrap(), disc, horizon, timing).unwrap();
    w.present_value_constant(margin).unwrap()
}

fn timing() -> impl Strategy<Value = Timing> {
    prop_oneof![Just(Timing::EndOfPeriod), Just(Timing::StartOfPeriod)]
}

proptest! {
    #[test]
    fn finite_horizon_converges_to_the_closed_form(
        m in 1i64..1_000_000, r in 0.0f64..0.95, disc in 0.01f64..0.5, timing in timing(),
    ) {
        let margin = cents(m);
        let closed = closed_form_clv(margin, r, disc, timing).unwrap();
        let mut previous_gap = None;
        for horizon in [10u32, 50, 200, 2000] {
            let gap = (closed - npv(margin, r, disc, horizon, timing)).abs();
            // Non-increasing up to the weights' rounding (≤ 5e-13 per period and unit margin).
            let slack = margin * Decimal::new(1, 9);
            if let Some(p) = previous_gap { prop_assert!(gap <= p + slack); }
            previous_gap = Some(gap);
        }
        // At 2000 periods the tail is negligible: within the weights' rounding (≤ 1e-6 here).
        prop_assert!(previous_gap.unwrap() < Decimal::new(1, 4));
        // And the finite closed form agrees with the summed weights.
        let finite = closed_form_clv_finite(margin, r, disc, 10, timing).unwrap();
        prop_assert!((finite - npv(margin, r, disc, 10, timing)).abs() < Decimal::new(1, 4));
    }

    #[test]
    fn clv_is_monotone_in_retention_and_discount(
        m in 1i64..1_000_000, r1 in 0.0f64..0.99, r2 in 0.0f64..0.99,
        d1 in 0.0f64..0.5, d2 in 0.0f64..0.5, horizon in 1u32..40, timing in timing(),
    ) {
        let margin = cents(m);
        let (rl, rh) = if r1 <= r2 { (r1, r2) } else { (r2, r1) };
        let (dl, dh) = if d1 <= d2 { (d1, d2) } else { (d2, d1) };
        prop_assert!(npv(margin, rl, dl, horizon, timing) <= npv(margin, rh, dl, horizon, timing));
        prop_assert!(npv(margin, rl, dl, horizon, timing) >= npv(margin, rl, dh, horizon, timing));
        prop_assert!(closed_form_clv(margin, rl, dl, timing).unwrap() <= closed_form_clv(margin, rh, dl, timing).unwrap());
        prop_assert!(closed_form_clv(margin, rl, dl, timing).unwrap() >= closed_form_clv(margin, rl, dh, timing).unwrap());
    }

    #[test]
    fn clv_is_linear_in_margin(
        a in -1_000_000i64..1_000_000, b in -1_000_000i64..1_000_000, k in -50i64..50,
        r in 0.0f64..0.99, disc in 0.0f64..0.5, horizon in 1u32..30,
    ) {
        // Exact: the same Decimal weights multiply every margin.
        let w = DiscountWeights::new(&ConstantRetention::new(r).unwrap(), disc, horizon, Timing::EndOfPeriod).unwrap();
        let rel = |m: Decimal| Relationship::new(Decimal::ZERO, RevenueStream::Constant(m), RevenueStream::Constant(Decimal::ZERO)).npv(&w).unwrap().clv;
        prop_assert_eq!(rel(cents(a) + cents(b)), rel(cents(a)) + rel(cents(b)));
        prop_assert_eq!(rel(cents(a) * d(k)), rel(cents(a)) * d(k));
    }

    #[test]
    fn components_always_sum_to_the_total(
        parts in proptest::collection::vec(-1_000_000_000i64..1_000_000_000, 4),
    ) {
        let v = ValueComponents::new(cents(parts[0]), cents(parts[1]), cents(parts[2]), cents(parts[3]));
        let total = v.total().unwrap();
        prop_assert_eq!(total - v.learning - v.networking - v.growth, v.base);
        prop_assert_eq!(total, parts.iter().map(|&p| cents(p)).sum::<Decimal>());
    }

    #[test]
    fn npv_parts_add_up(
        rev in proptest::collection::vec(0i64..10_000_000, 1..12),
        cost in proptest::collection::vec(0i64..10_000_000, 1..12),
        acq in 0i64..1_000_000, r in 0.0f64..1.0, disc in 0.0f64..0.3,
    ) {
        let rel = Relationship::new(
            cents(acq),
            RevenueStream::Series(rev.iter().map(|&x| cents(x)).collect()),
            RevenueStream::Series(cost.iter().map(|&x| cents(x)).collect()),
        );
        let v = rel.value(&ConstantRetention::new(r).unwrap(), disc, 12, Timing::EndOfPeriod).unwrap();
        prop_assert_eq!(v.clv + v.acquisition_cost + v.discounted_cost, v.discounted_revenue);
    }
}

#[test]
fn closed_form_multiplier_near_q_equal_one_is_stable() {
    // r/(1+d) = 1 exactly: the finite sum is T·first term.
    let m = closed_form_multiplier(1.0, 0.0, Some(12), Timing::StartOfPeriod).unwrap();
    assert!((m - 12.0).abs() < 1e-12);
}

#[test]
fn a_series_longer_than_the_horizon_is_not_silently_cut() {
    let w = DiscountWeights::new(&ConstantRetention::new(0.9).unwrap(), 0.1, 3, Timing::EndOfPeriod).unwrap();
    let rel = Relationship::new(
        Decimal::ZERO,
        RevenueStream::Series(vec![d(1); 4]),
        RevenueStream::Constant(d(0)),
    );
    assert!(matches!(
        rel.npv(&w),
        Err(Error::LengthMismatch {
            left_len: 4,
            right_len: 3,
            ..
        })
    ));
    // Shorter series end: the relationship earns nothing after them.
    let short = Relationship::new(
        Decimal::ZERO,
        RevenueStream::Series(vec![d(1); 2]),
        RevenueStream::Constant(d(0)),
    );
    assert_eq!(
        short.npv(&w).unwrap().discounted_revenue,
        w.weights()[0] + w.weights()[1]
    );
}

#[test]
fn data_types_round_trip_through_json() {
    let rel = Relationship::new(
        d(5),
        RevenueStream::growing(d(100), cents(3)).unwrap(),
        RevenueStream::Series(vec![d(1)]),
    );
    let back: Relationship = serde_json::from_str(&serde_json::to_string(&rel).unwrap()).unwrap();
    assert_eq!(back, rel);
    let w = DiscountWeights::new(
        &RetentionCurve::new(vec![0.5, 0.9]).unwrap(),
        0.1,
        4,
        Timing::StartOfPeriod,
    )
    .unwrap();
    let back: DiscountWeights = serde_json::from_str(&serde_json::to_string(&w).unwrap()).unwrap();
    assert_eq!(back, w);
    let v = rel.npv(&w).unwrap();
    let back: customer_value::NpvBreakdown =
        serde_json::from_str(&serde_json::to_string(&v).unwrap()).unwrap();
    assert_eq!(back, v);
    let abc = ActivityCost::new().with_per_order(cents(250));
    let back: ActivityCost = serde_json::from_str(&serde_json::to_string(&abc).unwrap()).unwrap();
    assert_eq!(back, abc);
    let p = PortfolioSummary::new(&[d(1), d(2)]).unwrap();
    let back: PortfolioSummary = serde_json::from_str(&serde_json::to_string(&p).unwrap()).unwrap();
    assert_eq!(back, p);
}

#[test]
fn start_of_period_first_weight_is_one() {
    // Timing is explicit: with StartOfPeriod the first margin is neither discounted nor
    // survival-weighted.
    let w = DiscountWeights::new(
        &ConstantRetention::new(0.8).unwrap(),
        0.1,
        2,
        Timing::StartOfPeriod,
    )
    .unwrap();
    assert_eq!(w.weights()[0], Decimal::ONE);
    assert_eq!(w.timing(), Timing::StartOfPeriod);
    let e = DiscountWeights::new(&ConstantRetention::new(0.8).unwrap(), 0.1, 1, Timing::EndOfPeriod).unwrap();
    // 0.8 / 1.1 to 12 places, half to even.
    assert_eq!(e.weights()[0], Decimal::new(727_272_727_273, 12));
}

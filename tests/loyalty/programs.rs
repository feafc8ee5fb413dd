//! Money figures (IFRS 15, liability, breakage) and each program kind of seed 004.

use chrono::NaiveDate;
use customer_value::loyalty::{
    Account, Award, Breakage, Cadence, EarningRule, Event, EventKind, EventType, Expiry, LoyaltyScoring,
    Outcome, PaidMembership, PledgeBasis, ProgramSpec, QualificationBasis, QualificationWindow,
    ReviewSchedule, ScoreInputs, ScoreWeights, TierCut, TierSpec, ValuePledge, ifrs15_allocation,
    ifrs15_revenue, liability, regularity,
};
use customer_value::segment::RfmValues;
use rust_decimal::Decimal;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

#[test]
fn ifrs15_kpmg_example_allocates_8842_30_to_the_points() {
    let a = ifrs15_allocation(dec("100000"), dec("100000"), 10_000, Decimal::ONE, dec("0.97")).unwrap();
    assert_eq!(a.points.round_dp(2), dec("8842.30"));
    assert_eq!(a.goods.round_dp(2), dec("91157.70"));
    assert_eq!(a.goods + a.points, dec("100000"));
}

#[test]
fn ifrs15_illustrative_example_52() {
    // IFRS 15 IE52: 8,676 to the points; 4,110 recognised in year 1; 3,493 in year 2 after
    // the expectation rises from 9,500 to 9,700 points.
    let a = ifrs15_allocation(dec("100000"), dec("100000"), 10_000, Decimal::ONE, dec("0.95")).unwrap();
    assert_eq!(a.points.round_dp(0), dec("8676"));
    let y1 = ifrs15_revenue(a.points, 4_500, 9_500).unwrap().round_dp(0);
    let y2 = ifrs15_revenue(a.points, 8_500, 9_700).unwrap().round_dp(0);
    assert_eq!((y1, y2 - y1), (dec("4110"), dec("3493")));
    assert_eq!(ifrs15_revenue(a.points, 20_000, 9_700).unwrap(), a.points);
    assert!(ifrs15_allocation(dec("1"), dec("0"), 0, Decimal::ONE, dec("0.5")).is_err());
    assert!(liability(10, Decimal::ONE, dec("1.5")).is_err());
}

#[test]
fn liability_and_breakage_from_a_ledger() {
    let mut spec = ProgramSpec::default();
    spec.rules.push(EarningRule::new(
        "fixed",
        EventType::Purchase,
        Award::Fixed { points: 100 },
    ));
    spec.expiry = Expiry::EndOfMonth { months: 0 };
    spec.point_value = dec("0.01");
    let p = spec.build().unwrap();
    let mut a = Account::new(d(2024, 1, 1));
    a.apply(&p, &Event::purchase(d(2024, 1, 5), 1, Decimal::ONE))
        .unwrap();
    a.apply(&p, &Event::redeem(d(2024, 1, 20), 75)).unwrap();
    a.apply(&p, &Event::purchase(d(2024, 2, 1), 2, Decimal::ONE))
        .unwrap();
    let t = a.ledger.totals();
    assert_eq!((t.spent, t.expired, t.outstanding), (75, 25, 100));
    let b = Breakage::from_totals(&t);
    assert_eq!(b.rate(), Some(dec("0.25")));
    let l = liability(t.outstanding, p.point_value, b.expected_redemption().unwrap()).unwrap();
    assert_eq!(l, dec("0.75"));
}

/// Points (per purchase and per amount) and spend-based rules: covered in
/// `loyalty_ledger.rs`. Here: partnership and gamified programs are event rules.
#[test]
fn partnership_and_gamified_programs() {
    let mut spec = ProgramSpec::default();
    spec.rules.push(EarningRule::new(
        "partner",
        EventType::PartnerPurchase,
        Award::PerAmount {
            points: 1,
            per: dec("2"),
        },
    ));
    spec.rules.push(EarningRule::new(
        "challenge",
        EventType::Challenge,
        Award::Fixed { points: 250 },
    ));
    spec.rules.push(EarningRule::new(
        "referral",
        EventType::Referral,
        Award::Fixed { points: 500 },
    ));
    let p = spec.build().unwrap();
    let mut a = Account::new(d(2024, 1, 1));
    let partner = Event {
        date: d(2024, 1, 2),
        kind: EventKind::Activity {
            event: EventType::PartnerPurchase,
            amount: dec("85"),
            units: 1,
        },
    };
    assert!(matches!(
        a.apply(&p, &partner).unwrap(),
        Outcome::Earned { points: 42, .. }
    ));
    a.apply(&p, &Event::activity(d(2024, 1, 3), EventType::Challenge))
        .unwrap();
    a.apply(&p, &Event::activity(d(2024, 1, 4), EventType::Referral))
        .unwrap();
    // An event nobody rewards earns nothing and creates no lot.
    assert!(matches!(
        a.apply(&p, &Event::activity(d(2024, 1, 5), EventType::Review))
            .unwrap(),
        Outcome::Earned {
            lot: None,
            points: 0,
            ..
        }
    ));
    assert_eq!(a.balance(), 792);
}

#[test]
fn tier_based_and_hybrid_programs() {
    // Hybrid: points per amount, tiers on points earned, gold earns 1.5×.
    let text = std::fs::read_to_string("tests/data/loyalty_program.json").unwrap();
    let p: customer_value::Program = serde_json::from_str(&text).unwrap();
    let mut a = Account::new(d(2024, 1, 1));
    a.apply(&p, &Event::purchase(d(2024, 1, 1), 1, dec("999")))
        .unwrap(); // 999 + 50
    assert_eq!(a.tier_index(), Some(1));
    let out = a
        .apply(&p, &Event::purchase(d(2024, 1, 2), 2, dec("10")))
        .unwrap();
    assert!(matches!(out, Outcome::Earned { points: 15, .. }), "{out:?}");
    // Black Friday ×3 on top of gold ×1.5.
    let out = a
        .apply(&p, &Event::purchase(d(2024, 11, 29), 3, dec("10")))
        .unwrap();
    assert!(matches!(out, Outcome::Earned { points: 45, .. }), "{out:?}");
}

#[test]
fn paid_membership_and_value_based_programs() {
    let m = PaidMembership {
        members: 2_000,
        fee: dec("9.99"),
        benefit_cost: dec("6.50"),
        incremental_margin: dec("4.00"),
        fixed_cost: dec("5000"),
    };
    // 19,980 + 8,000 − 13,000 − 5,000 = 9,980 on a cost of 18,000.
    assert_eq!(m.net_gain().unwrap(), dec("9980.00"));
    assert_eq!(m.roi().unwrap(), Some(dec("0.55444")));
    // Seed 004: 5,000 donated for every 50,000 spent.
    let pledge = ValuePledge::new(dec("50000"), dec("5000"), PledgeBasis::Cumulative).unwrap();
    assert_eq!(pledge.accrue(&[dec("49999.99")]).unwrap(), Decimal::ZERO);
    assert_eq!(
        pledge.accrue(&[dec("49999.99"), dec("0.01")]).unwrap(),
        dec("5000")
    );
    assert_eq!(pledge.accrue(&[dec("150000")]).unwrap(), dec("15000"));
    assert!(ValuePledge::new(Decimal::ZERO, Decimal::ONE, PledgeBasis::PerOrder).is_err());
}

#[test]
fn tier_structure_on_spend_is_the_spend_based_program() {
    let t = TierSpec::new(
        vec![("member", 0), ("vip", 1000)],
        QualificationBasis::Spend,
        QualificationWindow::Lifetime,
        ReviewSchedule::Never,
    )
    .unwrap();
    let mut spec = ProgramSpec::default();
    spec.tiers = Some(t);
    let p = spec.build().unwrap();
    let mut a = Account::new(d(2024, 1, 1));
    a.apply(&p, &Event::purchase(d(2024, 1, 1), 1, dec("1000")))
        .unwrap();
    assert_eq!(a.tier_index(), Some(1));
    a.apply(&p, &Event::partial_refund(d(2024, 1, 2), 1, dec("0.01")))
        .unwrap();
    // Upgrades are immediate; the refund only matters at the next review (none here).
    assert_eq!(a.tier_index(), Some(1));
}

#[test]
fn loyalty_scores_restaurant_cadence_and_tiers() {
    let as_of = d(2024, 12, 31);
    // Seed 004: a restaurant expects about one visit a month (6 per six months).
    let monthly: Vec<NaiveDate> = (0..12).map(|k| d(2024, 12 - k, 15)).collect();
    assert!((regularity(&monthly, as_of, Cadence::RESTAURANT, 2).unwrap() - 1.0).abs() < 1e-12);
    let quarterly: Vec<NaiveDate> = (0..4).map(|k| d(2024, 12 - 3 * k, 15)).collect();
    assert!((regularity(&quarterly, as_of, Cadence::RESTAURANT, 2).unwrap() - 2.0 / 6.0).abs() < 1e-12);
    let inputs = ScoreInputs {
        rfm: RfmValues::new(
            vec![16.0, 16.0, 200.0],
            vec![12.0, 4.0, 1.0],
            vec![600.0, 300.0, 40.0],
        )
        .unwrap(),
        tenure: vec![350.0, 350.0, 200.0],
        regularity: vec![1.0, 1.0 / 3.0, 0.0],
        p_alive: Some(vec![0.95, 0.8, 0.2]),
        clv: None,
    };
    let s = LoyaltyScoring {
        weights: ScoreWeights::default(),
        bins: 3,
        cut: TierCut::Thresholds(vec![0.0, 0.4, 0.8]),
    }
    .score(&inputs)
    .unwrap();
    assert!(s.scores.iter().all(|x| (0.0..=1.0).contains(x)));
    assert!(s.scores[0] > s.scores[1] && s.scores[1] > s.scores[2]);
    assert_eq!(s.tiers[0], 2);
    assert_eq!(s.tiers[2], 0);
    let bad = ScoreInputs {
        regularity: vec![1.5, 0.0, 0.0],
        ..inputs
    };
    assert!(
        LoyaltyScoring {
            weights: ScoreWeights::default(),
            bins: 3,
            cut: TierCut::Quantiles(vec![0.5])
        }
        .score(&bad)
        .is_err()
    );
}

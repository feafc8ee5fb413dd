//! The points ledger: earning, spending order, expiry, pending lots and refunds — with a
//! test for each bug open-source loyalty engines have shipped here.

use chrono::NaiveDate;
use customer_value::Error;
use customer_value::loyalty::{
    Account, Award, CalendarPeriod, ClawbackPolicy, EarningRule, EntryKind, Event, EventType, Expiry,
    Multiplier, Outcome, PeriodCap, Program, ProgramSpec, Rejection, RoundingMode,
};
use rust_decimal::Decimal;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

/// One point per currency unit, floor; optional expiry and clawback policy.
fn per_unit(expiry: Expiry, clawback: ClawbackPolicy) -> Program {
    let mut spec = ProgramSpec::default();
    spec.rules.push(EarningRule::new(
        "base",
        EventType::Purchase,
        Award::PerAmount {
            points: 1,
            per: Decimal::ONE,
        },
    ));
    spec.expiry = expiry;
    spec.clawback = clawback;
    spec.build().unwrap()
}

#[test]
fn spending_draws_earliest_expiring_lots_and_records_them() {
    let p = per_unit(Expiry::AfterDays { days: 90 }, ClawbackPolicy::AllowNegative);
    let mut a = Account::new(d(2024, 1, 1));
    a.apply(&p, &Event::purchase(d(2024, 1, 1), 1, dec("100")))
        .unwrap(); // lot 0, expires Mar 31
    a.apply(&p, &Event::purchase(d(2024, 2, 1), 2, dec("50")))
        .unwrap(); // lot 1, expires May 1
    let out = a.apply(&p, &Event::redeem(d(2024, 3, 1), 120)).unwrap();
    let Outcome::Redeemed(draws) = out else {
        panic!("{out:?}")
    };
    assert_eq!(
        draws.iter().map(|x| (x.lot, x.points)).collect::<Vec<_>>(),
        vec![(0, 100), (1, 20)]
    );
    assert_eq!(a.balance(), 30);
    a.check().unwrap();
}

#[test]
fn never_expiring_lots_are_spent_last() {
    let mut spec = ProgramSpec::default();
    spec.rules.push(EarningRule::new(
        "base",
        EventType::Purchase,
        Award::Fixed { points: 10 },
    ));
    let p = spec.build().unwrap();
    let mut a = Account::new(d(2024, 1, 1));
    // A manual credit never expires under Expiry::Never either; make one lot expire by hand
    // through the ledger to check the ordering rule itself.
    a.ledger
        .add_lot(
            customer_value::loyalty::LotSource::Adjustment,
            d(2024, 1, 1),
            d(2024, 1, 1),
            None,
            10,
        )
        .unwrap();
    a.ledger
        .add_lot(
            customer_value::loyalty::LotSource::Adjustment,
            d(2024, 1, 2),
            d(2024, 1, 2),
            Some(d(2025, 1, 1)),
            10,
        )
        .unwrap();
    let Outcome::Redeemed(draws) = a.apply(&p, &Event::redeem(d(2024, 1, 3), 5)).unwrap() else {
        panic!()
    };
    assert_eq!(draws[0].lot, 1);
}

/// Bug: a lot expired twice (e.g. once by a nightly job and again when the balance was
/// recomputed), so expiry removed more points than the lot held.
#[test]
fn a_lot_expires_exactly_once() {
    let p = per_unit(Expiry::AfterDays { days: 30 }, ClawbackPolicy::AllowNegative);
    let mut a = Account::new(d(2024, 1, 1));
    a.apply(&p, &Event::purchase(d(2024, 1, 1), 1, dec("100")))
        .unwrap();
    a.apply(&p, &Event::redeem(d(2024, 1, 10), 40)).unwrap();
    a.advance_to(&p, d(2024, 1, 31)).unwrap();
    a.advance_to(&p, d(2024, 1, 31)).unwrap();
    a.advance_to(&p, d(2024, 6, 30)).unwrap();
    a.apply(&p, &Event::purchase(d(2024, 7, 1), 2, dec("5"))).unwrap();
    let t = a.ledger.totals();
    assert_eq!(t.expired, 60, "only the unspent 60 expire");
    let expiries = a
        .ledger
        .entries
        .iter()
        .filter(|e| e.kind == EntryKind::Expire)
        .count();
    assert_eq!(expiries, 1);
    assert_eq!(a.balance(), 5);
    a.check().unwrap();
}

/// Bug: redemptions drew from lots past their expiry date when no expiry job had run yet.
#[test]
fn expired_lots_cannot_be_spent() {
    let p = per_unit(Expiry::AfterDays { days: 30 }, ClawbackPolicy::AllowNegative);
    let mut a = Account::new(d(2024, 1, 1));
    a.apply(&p, &Event::purchase(d(2024, 1, 1), 1, dec("100")))
        .unwrap();
    // Expiry date is 2024-01-31: spendable through the 30th, gone on the 31st.
    let on_expiry = a.apply(&p, &Event::redeem(d(2024, 1, 31), 10)).unwrap();
    assert_eq!(
        on_expiry,
        Outcome::Rejected(Rejection::InsufficientPoints {
            requested: 10,
            balance: 0
        })
    );
    let mut b = Account::new(d(2024, 1, 1));
    b.apply(&p, &Event::purchase(d(2024, 1, 1), 1, dec("100")))
        .unwrap();
    assert!(matches!(
        b.apply(&p, &Event::redeem(d(2024, 1, 30), 100)).unwrap(),
        Outcome::Redeemed(_)
    ));
    // Using the ledger directly without a day start still refuses the expired lot.
    let mut l = customer_value::loyalty::Ledger::default();
    l.add_lot(
        customer_value::loyalty::LotSource::Adjustment,
        d(2024, 1, 1),
        d(2024, 1, 1),
        Some(d(2024, 1, 31)),
        100,
    )
    .unwrap();
    assert!(l.spend(d(2024, 2, 5), 1).is_err());
}

/// Same day: a lot expiring today is gone before the day's events; points earned today
/// can be spent today. The order is documented in `loyalty::Account`.
#[test]
fn same_day_expire_earn_spend_order() {
    let p = per_unit(Expiry::AfterDays { days: 30 }, ClawbackPolicy::AllowNegative);
    let mut a = Account::new(d(2024, 1, 1));
    a.apply(&p, &Event::purchase(d(2024, 1, 1), 1, dec("100")))
        .unwrap(); // expires Jan 31
    a.apply(&p, &Event::purchase(d(2024, 1, 31), 2, dec("30")))
        .unwrap();
    let Outcome::Redeemed(draws) = a.apply(&p, &Event::redeem(d(2024, 1, 31), 30)).unwrap() else {
        panic!()
    };
    assert_eq!(draws.len(), 1);
    assert_eq!((draws[0].lot, draws[0].points), (1, 30));
    assert_eq!(a.ledger.totals().expired, 100);
    // Spend before earn on the same day: only what is there.
    let out = a.apply(&p, &Event::redeem(d(2024, 1, 31), 1)).unwrap();
    assert!(matches!(
        out,
        Outcome::Rejected(Rejection::InsufficientPoints { .. })
    ));
    a.check().unwrap();
}

/// Bug: refunding an order whose points were already spent either failed, or silently
/// left the points with the customer.
#[test]
fn refund_after_spend_under_each_policy() {
    let run = |policy| {
        let p = per_unit(Expiry::Never, policy);
        let mut a = Account::new(d(2024, 1, 1));
        a.apply(&p, &Event::purchase(d(2024, 1, 1), 1, dec("100")))
            .unwrap();
        a.apply(&p, &Event::purchase(d(2024, 1, 2), 2, dec("30")))
            .unwrap();
        a.apply(&p, &Event::redeem(d(2024, 1, 3), 120)).unwrap(); // 100 from lot 0, 20 from lot 1
        let out = a.apply(&p, &Event::refund(d(2024, 1, 4), 1)).unwrap();
        a.check().unwrap();
        (a, out, p)
    };
    let (mut a, out, p) = run(ClawbackPolicy::AllowNegative);
    assert_eq!(
        out,
        Outcome::Refunded {
            draws: vec![customer_value::loyalty::Draw { lot: 1, points: 10 }],
            forgiven: 0,
            debt: 90
        }
    );
    assert_eq!(a.balance(), -90);
    // Later points repay the debt first.
    a.apply(&p, &Event::purchase(d(2024, 2, 1), 3, dec("100")))
        .unwrap();
    assert_eq!(a.balance(), 10);
    assert_eq!(a.ledger.debt, 0);
    a.check().unwrap();

    let (a, out, _) = run(ClawbackPolicy::CapAtBalance);
    assert!(matches!(
        out,
        Outcome::Refunded {
            forgiven: 90,
            debt: 0,
            ..
        }
    ));
    assert_eq!(a.balance(), 0);

    let (a, out, _) = run(ClawbackPolicy::OrderPointsOnly);
    assert!(matches!(
        out,
        Outcome::Refunded {
            forgiven: 100,
            debt: 0,
            ..
        }
    ));
    assert_eq!(a.balance(), 10);
}

#[test]
fn refunds_reject_unknown_and_excess_and_partial_refunds_add_up() {
    let p = per_unit(Expiry::Never, ClawbackPolicy::AllowNegative);
    let mut a = Account::new(d(2024, 1, 1));
    a.apply(&p, &Event::purchase(d(2024, 1, 1), 7, dec("99.99")))
        .unwrap(); // 99 points
    assert_eq!(
        a.apply(&p, &Event::refund(d(2024, 1, 2), 8)).unwrap(),
        Outcome::Rejected(Rejection::UnknownOrder(8))
    );
    // Three partial refunds of a third each claw back exactly the order's 99 points.
    for _ in 0..3 {
        a.apply(&p, &Event::partial_refund(d(2024, 1, 3), 7, dec("33.33")))
            .unwrap();
    }
    assert_eq!(a.balance(), 0);
    assert_eq!(
        a.apply(&p, &Event::partial_refund(d(2024, 1, 3), 7, dec("0.01")))
            .unwrap(),
        Outcome::Rejected(Rejection::RefundExceedsOrder(7))
    );
    assert_eq!(a.ledger.totals().clawed_back, 99);
    // A second full refund finds nothing left.
    assert_eq!(
        a.apply(&p, &Event::refund(d(2024, 1, 4), 7)).unwrap(),
        Outcome::Refunded {
            draws: vec![],
            forgiven: 0,
            debt: 0
        }
    );
    assert_eq!(a.rejected, 2);
    a.check().unwrap();
}

#[test]
fn pending_lots_activate_after_the_delay_and_refunds_cancel_them() {
    let mut spec = ProgramSpec::default();
    spec.rules.push(EarningRule::new(
        "base",
        EventType::Purchase,
        Award::Fixed { points: 50 },
    ));
    spec.pending_days = 14;
    spec.expiry = Expiry::AfterDays { days: 30 };
    let p = spec.build().unwrap();
    let mut a = Account::new(d(2024, 1, 1));
    a.apply(&p, &Event::purchase(d(2024, 1, 1), 1, dec("10")))
        .unwrap();
    a.apply(&p, &Event::purchase(d(2024, 1, 2), 2, dec("10")))
        .unwrap();
    assert_eq!((a.balance(), a.ledger.pending()), (0, 100));
    a.apply(&p, &Event::refund(d(2024, 1, 5), 2)).unwrap();
    assert_eq!(a.ledger.pending(), 50);
    a.advance_to(&p, d(2024, 1, 14)).unwrap();
    assert_eq!(a.balance(), 0);
    a.advance_to(&p, d(2024, 1, 15)).unwrap();
    assert_eq!(a.balance(), 50);
    // Expiry counts from activation: Jan 15 + 30 days = Feb 14.
    assert_eq!(a.ledger.lots[0].expires, Some(d(2024, 2, 14)));
    assert_eq!(a.ledger.balance_at(d(2024, 1, 14)).unwrap(), 0);
    assert_eq!(a.ledger.balance_at(d(2024, 1, 15)).unwrap(), 50);
    a.advance_to(&p, d(2024, 2, 14)).unwrap();
    assert_eq!(a.balance(), 0);
    assert_eq!(a.ledger.balance_at(d(2024, 2, 13)).unwrap(), 50);
    a.check().unwrap();
}

#[test]
fn expiry_kinds() {
    let cases = [
        (
            Expiry::AfterMonths { months: 1 },
            d(2024, 1, 31),
            Some(d(2024, 2, 29)),
        ),
        (
            Expiry::AfterMonths { months: 1 },
            d(2023, 1, 31),
            Some(d(2023, 2, 28)),
        ),
        (
            Expiry::AfterMonths { months: 12 },
            d(2024, 2, 29),
            Some(d(2025, 2, 28)),
        ),
        (
            Expiry::AfterDays { days: 365 },
            d(2024, 1, 1),
            Some(d(2024, 12, 31)),
        ),
        (
            Expiry::EndOfMonth { months: 0 },
            d(2024, 1, 1),
            Some(d(2024, 2, 1)),
        ),
        (
            Expiry::EndOfMonth { months: 2 },
            d(2024, 12, 15),
            Some(d(2025, 3, 1)),
        ),
        (
            Expiry::EndOfYear { years: 0 },
            d(2024, 12, 31),
            Some(d(2025, 1, 1)),
        ),
        (Expiry::Never, d(2024, 1, 1), None),
    ];
    for (e, from, want) in cases {
        assert_eq!(e.expires(from).unwrap(), want, "{e:?} from {from}");
    }
    let mut spec = ProgramSpec::default();
    spec.expiry = Expiry::AfterDays { days: 0 };
    assert!(matches!(spec.build(), Err(Error::InvalidDefinition { .. })));
}

#[test]
fn rounding_is_applied_once_per_order() {
    let program = |mode| {
        let mut spec = ProgramSpec::default();
        spec.rounding = mode;
        for id in ["a", "b"] {
            spec.rules.push(EarningRule::new(
                id,
                EventType::Purchase,
                Award::PerAmount {
                    points: 1,
                    per: Decimal::from(10),
                },
            ));
        }
        spec.build().unwrap()
    };
    let earned = |mode, amount: &str| {
        let mut a = Account::new(d(2024, 1, 1));
        match a
            .apply(&program(mode), &Event::purchase(d(2024, 1, 1), 1, dec(amount)))
            .unwrap()
        {
            Outcome::Earned { points, .. } => points,
            o => panic!("{o:?}"),
        }
    };
    // Two rules of 0.6 each: 1.2 → 1 once, not 0 + 0.
    assert_eq!(earned(RoundingMode::Floor, "6"), 1);
    // 52.5 → 2 × 5.25 = 10.5 points.
    assert_eq!(earned(RoundingMode::Floor, "52.5"), 10);
    assert_eq!(earned(RoundingMode::TowardZero, "52.5"), 10);
    assert_eq!(earned(RoundingMode::HalfUp, "52.5"), 11);
    assert_eq!(earned(RoundingMode::HalfEven, "52.5"), 10);
    assert_eq!(earned(RoundingMode::HalfEven, "57.5"), 12);
}

#[test]
fn priorities_stop_after_minimums_multipliers_and_caps() {
    let mut spec = ProgramSpec::default();
    let mut big = EarningRule::new("big-basket", EventType::Purchase, Award::Fixed { points: 100 });
    big.min_amount = Some(dec("200"));
    big.stop_after = true;
    big.priority = -1;
    big.multiplied = false;
    spec.rules.push(EarningRule::new(
        "base",
        EventType::Purchase,
        Award::PerAmount {
            points: 1,
            per: Decimal::ONE,
        },
    ));
    spec.rules.push(big);
    let mut referral = EarningRule::new("referral", EventType::Referral, Award::Fixed { points: 500 });
    referral.cap_per_event = Some(300);
    spec.rules.push(referral);
    spec.multipliers.push(Multiplier {
        id: "double-march".into(),
        factor: Decimal::TWO,
        tier: None,
        from: Some(d(2024, 3, 1)),
        to: Some(d(2024, 3, 31)),
        events: vec![EventType::Purchase],
    });
    spec.cap_per_event = Some(250);
    spec.period_cap = Some(PeriodCap {
        period: CalendarPeriod::Month,
        points: 400,
    });
    let p = spec.build().unwrap();
    let mut a = Account::new(d(2024, 1, 1));
    let pts = |o: Outcome| match o {
        Outcome::Earned { points, .. } => points,
        o => panic!("{o:?}"),
    };
    // Big basket: the priority −1 rule runs first and stops: 100, not 100 + 250.
    assert_eq!(
        pts(a
            .apply(&p, &Event::purchase(d(2024, 2, 1), 1, dec("250")))
            .unwrap()),
        100
    );
    // Below the minimum: base rule only.
    assert_eq!(
        pts(a
            .apply(&p, &Event::purchase(d(2024, 2, 2), 2, dec("150")))
            .unwrap()),
        150
    );
    // Campaign ×2 in March: 2 × 120 = 240.
    assert_eq!(
        pts(a
            .apply(&p, &Event::purchase(d(2024, 3, 1), 3, dec("120")))
            .unwrap()),
        240
    );
    // Per-event cap 250 on 2 × 190 = 380.
    let out = a
        .apply(&p, &Event::purchase(d(2024, 3, 2), 4, dec("190")))
        .unwrap();
    // 240 already earned in March: the monthly cap 400 leaves 160.
    assert_eq!(
        out,
        Outcome::Earned {
            lot: Some(3),
            points: 160,
            capped: 220
        }
    );
    // The month cap resets in April; rule cap 300 on the 500-point referral.
    assert_eq!(
        pts(a
            .apply(&p, &Event::activity(d(2024, 4, 1), EventType::Referral))
            .unwrap()),
        250
    );
    a.check().unwrap();
}

#[test]
fn events_out_of_order_are_errors() {
    let p = per_unit(Expiry::Never, ClawbackPolicy::AllowNegative);
    let mut a = Account::new(d(2024, 1, 1));
    a.apply(&p, &Event::purchase(d(2024, 2, 1), 1, dec("1"))).unwrap();
    let err = a
        .apply(&p, &Event::purchase(d(2024, 1, 31), 2, dec("1")))
        .unwrap_err();
    assert!(matches!(err, Error::InvalidParameter { name: "date", .. }));
    assert!(a.apply(&p, &Event::redeem(d(2024, 2, 1), 0)).is_err());
}

#[test]
fn programs_load_from_json_and_name_the_bad_rule() {
    let text = std::fs::read_to_string("tests/data/loyalty_program.json").unwrap();
    let p: Program = serde_json::from_str(&text).unwrap();
    assert_eq!(p.rules.len(), 4);
    assert_eq!(p.tier_index("gold"), Some(1));
    let back: Program = serde_json::from_str(&serde_json::to_string(&p).unwrap()).unwrap();
    assert_eq!(back, p);

    let bad = text.replace("\"factor\": \"1.5\"", "\"factor\": \"-1\"");
    let err = serde_json::from_str::<Program>(&bad).unwrap_err().to_string();
    assert!(
        err.contains("multiplier `gold-bonus`: factor must be positive"),
        "{err}"
    );
    let bad = text.replace("\"threshold\": \"5000\"", "\"threshold\": \"500\"");
    let err = serde_json::from_str::<Program>(&bad).unwrap_err().to_string();
    assert!(
        err.contains("tier `platinum`: threshold 500 must be above"),
        "{err}"
    );
    let bad = text.replace("\"tier\": \"gold\"", "\"tier\": \"diamond\"");
    let err = serde_json::from_str::<Program>(&bad).unwrap_err().to_string();
    assert!(err.contains("unknown tier `diamond`"), "{err}");

    // Program::from_json: the same program; typed errors.
    assert_eq!(Program::from_json(&text).unwrap(), p);
    assert_eq!(Program::from_json(&p.to_json()).unwrap(), p);
    assert_eq!(Program::from_json_reader(text.as_bytes()).unwrap(), p);
    let err = Program::from_json(&bad).unwrap_err();
    assert!(!matches!(err, customer_value::Error::Parse { .. }), "{err}");
    assert!(err.to_string().contains("unknown tier `diamond`"), "{err}");
    let line = text.lines().position(|l| l.contains("\"pending_days\"")).unwrap() as u64 + 1;
    let typo = text.replace("\"pending_days\"", "\"pending_dayz\"");
    assert!(
        matches!(Program::from_json(&typo), Err(customer_value::Error::Parse { line: l, .. }) if l == line)
    );
}

//! Tiers: `>=` thresholds at, below and above every boundary; immediate upgrades;
//! downgrades only at reviews, with grace, soft landing and manual floors; bulk tiers.

use chrono::NaiveDate;
use customer_value::loyalty::{
    Account, Award, CalendarPeriod, ChangeReason, EarningRule, Event, EventKind, EventType, Program,
    ProgramSpec, QualificationBasis, QualificationWindow, ReviewSchedule, TierSpec, run_bulk,
};
use rust_decimal::Decimal;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn program(tiers: TierSpec) -> Program {
    let mut spec = ProgramSpec::default();
    spec.rules.push(EarningRule::new(
        "base",
        EventType::Purchase,
        Award::PerAmount {
            points: 1,
            per: Decimal::ONE,
        },
    ));
    spec.tiers = Some(tiers);
    spec.build().unwrap()
}

fn spend_tiers(window: QualificationWindow, review: ReviewSchedule) -> TierSpec {
    TierSpec::new(
        vec![
            ("bronze", 0),
            ("silver", 500),
            ("gold", 2000),
            ("platinum", 10000),
        ],
        QualificationBasis::Spend,
        window,
        review,
    )
    .unwrap()
}

#[test]
fn thresholds_at_below_and_above_each_boundary() {
    let spec = spend_tiers(QualificationWindow::Lifetime, ReviewSchedule::Never);
    for (i, t) in spec.tiers.iter().enumerate() {
        assert_eq!(spec.tier_for(t.threshold), i, "at {}", t.threshold);
        assert_eq!(
            spec.tier_for(t.threshold + Decimal::ONE),
            i,
            "above {}",
            t.threshold
        );
        assert_eq!(
            spec.tier_for(t.threshold - Decimal::ONE),
            i.saturating_sub(1),
            "below {}",
            t.threshold
        );
        let cent = Decimal::new(1, 2);
        assert_eq!(spec.tier_for(t.threshold - cent), i.saturating_sub(1));
    }
    // Through an account, for each basis: exactly at the threshold upgrades.
    for basis in [
        QualificationBasis::Spend,
        QualificationBasis::PointsEarned,
        QualificationBasis::Balance,
    ] {
        let mut t = spend_tiers(QualificationWindow::Lifetime, ReviewSchedule::Never);
        t.basis = basis;
        let p = program(t);
        let mut a = Account::new(d(2024, 1, 1));
        a.apply(&p, &Event::purchase(d(2024, 1, 1), 1, Decimal::from(499)))
            .unwrap();
        assert_eq!(a.tier_index(), Some(0), "{basis:?}");
        a.apply(&p, &Event::purchase(d(2024, 1, 2), 2, Decimal::from(1)))
            .unwrap();
        assert_eq!(a.tier_index(), Some(1), "{basis:?}");
        a.apply(&p, &Event::purchase(d(2024, 1, 3), 3, Decimal::from(1501)))
            .unwrap();
        assert_eq!(a.tier_index(), Some(2), "{basis:?} one above");
    }
}

#[test]
fn bad_tier_structures_are_named() {
    let err = |tiers: Vec<(&str, i64)>| {
        TierSpec::new(
            tiers,
            QualificationBasis::Spend,
            QualificationWindow::Lifetime,
            ReviewSchedule::Never,
        )
        .unwrap_err()
        .to_string()
    };
    assert!(err(vec![]).contains("at least one tier"));
    assert!(err(vec![("base", 10)]).contains("tier `base`: the lowest tier's threshold must be 0"));
    assert!(err(vec![("a", 0), ("b", 50), ("c", 40)]).contains("tier `c`"));
    assert!(err(vec![("a", 0), ("a", 50)]).contains("tier `a`: duplicate"));
}

#[test]
fn visits_and_purchases_count_differently() {
    let mut t = spend_tiers(QualificationWindow::Lifetime, ReviewSchedule::Never);
    t.tiers[1].threshold = Decimal::from(2);
    t.tiers[2].threshold = Decimal::from(3);
    t.tiers[3].threshold = Decimal::from(4);
    for (basis, want) in [
        (QualificationBasis::Purchases, 3),
        (QualificationBasis::Visits, 1),
    ] {
        t.basis = basis;
        let p = program(t.clone());
        let mut a = Account::new(d(2024, 1, 1));
        for o in 0..4 {
            a.apply(
                &p,
                &Event::purchase(d(2024, 1, if o < 3 { 1 } else { 2 }), o, Decimal::ONE),
            )
            .unwrap();
        }
        assert_eq!(a.tier_index(), Some(want), "{basis:?}");
    }
}

#[test]
fn downgrades_wait_for_the_review_and_upgrades_do_not() {
    let p = program(spend_tiers(
        QualificationWindow::Calendar {
            period: CalendarPeriod::Year,
        },
        ReviewSchedule::PeriodEnd {
            period: CalendarPeriod::Year,
        },
    ));
    let mut a = Account::new(d(2023, 3, 1));
    a.apply(&p, &Event::purchase(d(2023, 3, 1), 1, Decimal::from(2500)))
        .unwrap();
    assert_eq!(a.tier_index(), Some(2));
    // A new calendar year: the qualifying value is 0 but no review before 2025-01-01?
    // No: the review on 2024-01-01 looks at 2023 (2,500 ≥ gold) and keeps gold.
    a.advance_to(&p, d(2024, 12, 31)).unwrap();
    assert_eq!(a.tier_index(), Some(2));
    // The review on 2025-01-01 sees 2024's spend of 0: bronze.
    a.advance_to(&p, d(2025, 1, 1)).unwrap();
    assert_eq!(a.tier_index(), Some(0));
    let h = a.tier_history();
    assert_eq!(h.len(), 2);
    assert_eq!(
        (h[0].to, h[0].reason, h[0].date),
        (2, ChangeReason::Qualified, d(2023, 3, 1))
    );
    assert_eq!(
        (h[1].to, h[1].reason, h[1].date),
        (0, ChangeReason::Review, d(2025, 1, 1))
    );
}

#[test]
fn grace_period_soft_landing_and_manual_floor() {
    let mut t = spend_tiers(
        QualificationWindow::RollingDays { days: 365 },
        ReviewSchedule::EveryDays { days: 90 },
    );
    t.grace_days = 30;
    t.one_tier_per_review = true;
    let p = program(t);
    let mut a = Account::new(d(2024, 1, 1));
    a.apply(&p, &Event::purchase(d(2024, 1, 1), 1, Decimal::from(12_000)))
        .unwrap();
    assert_eq!(a.tier_index(), Some(3));
    // Reviews every 90 days keep platinum while the purchase is in the 365-day window.
    a.advance_to(&p, d(2024, 12, 30)).unwrap();
    assert_eq!(a.tier_index(), Some(3));
    // Review of 2024-12-26 (day 360) still sees it; the one of 2025-03-26 does not:
    // grace to 2025-04-25, then one tier down only.
    a.advance_to(&p, d(2025, 4, 24)).unwrap();
    assert_eq!(a.tier_index(), Some(3));
    assert_eq!(a.tier.as_ref().unwrap().grace_until, Some(d(2025, 4, 25)));
    a.advance_to(&p, d(2025, 4, 25)).unwrap();
    assert_eq!(a.tier_index(), Some(2));
    // Requalifying during a grace period cancels the downgrade.
    a.advance_to(&p, d(2025, 6, 25)).unwrap(); // review 2025-06-24 → grace to 07-24
    assert!(a.tier.as_ref().unwrap().grace_until.is_some());
    a.apply(&p, &Event::purchase(d(2025, 7, 1), 2, Decimal::from(2000)))
        .unwrap();
    a.advance_to(&p, d(2025, 8, 1)).unwrap();
    assert_eq!(a.tier_index(), Some(2));
    // A manual floor: silver at least, whatever the reviews say.
    let mut b = Account::new(d(2024, 1, 1));
    b.apply(
        &p,
        &Event {
            date: d(2024, 1, 1),
            kind: EventKind::SetTier { tier: Some(1) },
        },
    )
    .unwrap();
    assert_eq!(b.tier_index(), Some(1));
    b.advance_to(&p, d(2026, 1, 1)).unwrap();
    assert_eq!(b.tier_index(), Some(1));
    assert_eq!(b.tier_history()[0].reason, ChangeReason::Manual);
}

#[test]
fn review_schedules() {
    let mut t = spend_tiers(QualificationWindow::Lifetime, ReviewSchedule::Anniversary);
    assert_eq!(
        t.next_review(d(2024, 2, 29), d(2024, 2, 29)),
        Some(d(2025, 2, 28))
    );
    assert_eq!(t.next_review(d(2024, 2, 29), d(2025, 3, 1)), Some(d(2026, 2, 28)));
    t.review = ReviewSchedule::EveryDays { days: 10 };
    assert_eq!(t.next_review(d(2024, 1, 1), d(2024, 1, 11)), Some(d(2024, 1, 21)));
    t.review = ReviewSchedule::PeriodEnd {
        period: CalendarPeriod::Quarter,
    };
    assert_eq!(t.next_review(d(2024, 1, 1), d(2024, 3, 31)), Some(d(2024, 4, 1)));
    t.review = ReviewSchedule::Never;
    assert_eq!(t.next_review(d(2024, 1, 1), d(2024, 3, 31)), None);
}

#[test]
fn progress_and_bulk_distribution() {
    let p = program(spend_tiers(QualificationWindow::Lifetime, ReviewSchedule::Never));
    let mut a = Account::new(d(2024, 1, 1));
    a.apply(&p, &Event::purchase(d(2024, 1, 1), 1, Decimal::from(1200)))
        .unwrap();
    let pr = a.progress(&p).unwrap();
    assert_eq!(
        (pr.tier, pr.next, pr.remaining),
        (1, Some((2, Decimal::from(2000))), Decimal::from(800))
    );

    let customers = [1_u32, 2, 3, 1, 4];
    let events = [
        Event::purchase(d(2024, 1, 1), 1, Decimal::from(400)),
        Event::purchase(d(2024, 1, 1), 1, Decimal::from(600)),
        Event::purchase(d(2024, 1, 1), 1, Decimal::from(2100)),
        Event::purchase(d(2024, 1, 2), 2, Decimal::from(100)),
        Event::purchase(d(2025, 1, 2), 1, Decimal::from(100_000)),
    ];
    let run = run_bulk(&p, &customers, &events, d(2024, 12, 31)).unwrap();
    assert_eq!(run.tiers, vec![1, 1, 2, 0]);
    assert_eq!(run.after_as_of, 1);
    let dist = run.tier_counts(&p);
    assert_eq!(
        dist.iter().map(|(_, c)| *c).collect::<Vec<_>>(),
        vec![1, 2, 1, 0],
        "{dist:?}"
    );
}

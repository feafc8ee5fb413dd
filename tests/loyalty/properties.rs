//! Laws of the ledger and tiers over random histories.

use chrono::{Days, NaiveDate};
use customer_value::loyalty::{
    Account, Award, ClawbackPolicy, EarningRule, Event, EventKind, EventType, Expiry, Program, ProgramSpec,
    QualificationBasis, QualificationWindow, ReviewSchedule, TierSpec,
};
use proptest::prelude::*;
use rust_decimal::Decimal;

fn program(policy: ClawbackPolicy, expiry: Expiry, pending: u32) -> Program {
    let mut spec = ProgramSpec::default();
    spec.rules.push(EarningRule::new(
        "base",
        EventType::Purchase,
        Award::PerAmount {
            points: 1,
            per: Decimal::ONE,
        },
    ));
    spec.rules.push(EarningRule::new(
        "challenge",
        EventType::Challenge,
        Award::Fixed { points: 25 },
    ));
    spec.expiry = expiry;
    spec.clawback = policy;
    spec.pending_days = pending;
    spec.tiers = Some(
        TierSpec::new(
            vec![("a", 0), ("b", 100), ("c", 400)],
            QualificationBasis::PointsEarned,
            QualificationWindow::RollingDays { days: 90 },
            ReviewSchedule::EveryDays { days: 30 },
        )
        .unwrap(),
    );
    spec.build().unwrap()
}

fn history() -> impl Strategy<Value = Vec<Event>> {
    let start = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
    prop::collection::vec((0_u64..20, 0_u8..5, 1_i64..300, 0_u64..12), 1..40).prop_map(move |raw| {
        let mut day = 0;
        let mut orders = 0_u64;
        raw.into_iter()
            .map(|(gap, kind, x, pick)| {
                day += gap;
                let date = start + Days::new(day);
                let kind = match kind {
                    0 | 1 => {
                        orders += 1;
                        EventKind::Purchase {
                            order: orders,
                            amount: Decimal::new(x * 100 + 37, 2),
                            units: 1,
                        }
                    }
                    2 => EventKind::Redeem { points: x },
                    3 => EventKind::Refund {
                        order: pick.min(orders),
                        amount: None,
                    },
                    _ => EventKind::Activity {
                        event: EventType::Challenge,
                        amount: Decimal::ZERO,
                        units: 0,
                    },
                };
                Event { date, kind }
            })
            .collect()
    })
}

fn policies() -> impl Strategy<Value = (ClawbackPolicy, Expiry, u32)> {
    (
        prop_oneof![
            Just(ClawbackPolicy::AllowNegative),
            Just(ClawbackPolicy::CapAtBalance),
            Just(ClawbackPolicy::OrderPointsOnly)
        ],
        prop_oneof![
            Just(Expiry::Never),
            Just(Expiry::AfterDays { days: 45 }),
            Just(Expiry::AfterMonths { months: 2 }),
            Just(Expiry::EndOfMonth { months: 0 })
        ],
        0_u32..10,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Replaying in one pass, or in two halves with the state serialised in between, gives
    /// the same account.
    #[test]
    fn one_pass_equals_two_halves((policy, expiry, pending) in policies(), events in history(), cut in 0_usize..40) {
        let p = program(policy, expiry, pending);
        let start = events[0].date;
        let mut one = Account::new(start);
        for e in &events {
            one.apply(&p, e).unwrap();
        }
        let cut = cut.min(events.len());
        let mut first = Account::new(start);
        for e in &events[..cut] {
            first.apply(&p, e).unwrap();
        }
        let mut two: Account = serde_json::from_str(&serde_json::to_string(&first).unwrap()).unwrap();
        for e in &events[cut..] {
            two.apply(&p, e).unwrap();
        }
        prop_assert_eq!(one, two);
    }

    /// The invariants hold after every event; the balance is negative only under the
    /// policy that allows it; no point is both spent and expired (each lot's accounts add
    /// up to its points, and an expired lot has nothing left).
    #[test]
    fn invariants_hold_throughout((policy, expiry, pending) in policies(), events in history()) {
        let p = program(policy, expiry, pending);
        let mut a = Account::new(events[0].date);
        for e in &events {
            a.apply(&p, e).unwrap();
            a.check().unwrap();
            if policy != ClawbackPolicy::AllowNegative {
                prop_assert!(a.balance() >= 0);
            }
            for lot in &a.ledger.lots {
                prop_assert!(lot.balances());
                if lot.expired > 0 {
                    prop_assert_eq!(lot.remaining, 0);
                }
            }
            prop_assert_eq!(a.ledger.balance_at(e.date).unwrap(), a.balance());
        }
    }

    /// Tier thresholds partition every value: exactly one tier holds it, and `>=` decides.
    #[test]
    fn thresholds_partition_values(mut t in prop::collection::btree_set(1_i64..10_000, 0..6), v in -100_i64..20_000) {
        t.insert(0);
        let tiers: Vec<(String, i64)> = t.iter().enumerate().map(|(i, &x)| (format!("t{i}"), x)).collect();
        let spec = TierSpec::new(tiers, QualificationBasis::Spend, QualificationWindow::Lifetime, ReviewSchedule::Never).unwrap();
        let value = Decimal::from(v);
        let holding: Vec<usize> = (0..spec.tiers.len())
            .filter(|&i| {
                let lo = if i == 0 { Decimal::MIN } else { spec.tiers[i].threshold };
                let hi = spec.tiers.get(i + 1).map(|n| n.threshold);
                value >= lo && hi.is_none_or(|h| value < h)
            })
            .collect();
        prop_assert_eq!(holding, vec![spec.tier_for(value)]);
    }
}

//! `run_bulk` equals replaying each member alone through a fresh [`Account`], whatever the
//! layout of the log (interleaved, grouped by member, unsorted dates): the grouping
//! shortcuts and the buffer reuse of the bulk path change nothing.

use chrono::{Days, NaiveDate};
use customer_value::Program;
use customer_value::loyalty::{Account, Event, EventKind, LedgerTotals, run_bulk};
use proptest::prelude::*;
use rust_decimal::Decimal;

fn program() -> Program {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/loyalty_program.json"
    ))
    .unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Each member replayed alone: (balance, tier, totals, rejected, late), in order of first
/// appearance.
fn reference(
    program: &Program,
    customers: &[u8],
    events: &[Event],
    as_of: NaiveDate,
) -> Vec<(i64, u8, LedgerTotals, u64, u64)> {
    let mut seen: Vec<u8> = Vec::new();
    for c in customers {
        if !seen.contains(c) {
            seen.push(*c);
        }
    }
    seen.iter()
        .map(|m| {
            let mut mine: Vec<Event> = customers
                .iter()
                .zip(events)
                .filter(|(c, _)| *c == m)
                .map(|(_, e)| *e)
                .collect();
            mine.sort_by_key(|e| e.date);
            let mut acct = Account::without_journal(mine[0].date.min(as_of));
            let mut late = 0;
            for e in &mine {
                if e.date > as_of {
                    late += 1;
                } else {
                    acct.apply(program, e).unwrap();
                }
            }
            acct.advance_to(program, as_of).unwrap();
            let tier = acct.tier_index().map_or(0, |t| u8::try_from(t).unwrap());
            (acct.balance(), tier, acct.ledger.totals(), acct.rejected, late)
        })
        .collect()
}

fn event(day: u64, kind: u8, order: u64, cents: i64, points: i64) -> Event {
    let date = NaiveDate::from_ymd_opt(2023, 1, 1)
        .unwrap()
        .checked_add_days(Days::new(day))
        .unwrap();
    let kind = match kind % 6 {
        0 => EventKind::Redeem { points },
        1 => EventKind::Refund { order, amount: None },
        2 => EventKind::Refund {
            order,
            amount: Some(Decimal::new(cents / 3 + 1, 2)),
        },
        _ => EventKind::Purchase {
            order,
            amount: Decimal::new(cents, 2),
            units: 1,
        },
    };
    Event { date, kind }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(150))]

    #[test]
    fn bulk_equals_members_replayed_alone(
        log in proptest::collection::vec(
            (0_u8..6, 0_u64..800, 0_u8..6, 0_u64..6, 0_i64..400_000, 1_i64..3000), 1..80),
        grouped in any::<bool>(),
    ) {
        let program = program();
        let as_of = NaiveDate::from_ymd_opt(2024, 12, 31).unwrap();
        let mut log = log;
        if grouped {
            log.sort_by_key(|r| r.0); // stable: each member's events keep their order
        }
        let customers: Vec<u8> = log.iter().map(|r| r.0).collect();
        let events: Vec<Event> = log.iter().map(|&(_, d, k, o, c, p)| event(d, k, o, c, p)).collect();
        let run = run_bulk(&program, &customers, &events, as_of).unwrap();
        let want = reference(&program, &customers, &events, as_of);
        prop_assert_eq!(run.customers.len(), want.len());
        let mut totals = LedgerTotals::default();
        for (i, w) in want.iter().enumerate() {
            prop_assert_eq!(run.balances[i], w.0);
            prop_assert_eq!(run.tiers[i], w.1);
            totals.merge(&w.2);
        }
        prop_assert_eq!(run.totals, totals);
        prop_assert_eq!(run.rejected, want.iter().map(|w| w.3).sum::<u64>());
        prop_assert_eq!(run.after_as_of, want.iter().map(|w| w.4).sum::<u64>());
    }
}

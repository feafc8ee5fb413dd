//! `run_bulk` equals replaying each member alone through a fresh [`Account`], whatever the
//! layout of the log (interleaved, grouped by member, unsorted dates): the grouping
//! shortcuts and the buffer reuse of the bulk path change nothing.

use std::collections::BTreeMap;

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
fn reference<K: Ord + Copy>(
    program: &Program,
    customers: &[K],
    events: &[Event],
    as_of: NaiveDate,
) -> Vec<(i64, u8, LedgerTotals, u64, u64)> {
    let mut seen: Vec<K> = Vec::new();
    let mut by_member: BTreeMap<K, Vec<Event>> = BTreeMap::new();
    for (c, e) in customers.iter().zip(events) {
        by_member
            .entry(*c)
            .or_insert_with(|| {
                seen.push(*c);
                Vec::new()
            })
            .push(*e);
    }
    seen.iter()
        .map(|m| {
            let mut mine = by_member[m].clone();
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

fn check<K: Ord + Copy + std::hash::Hash + Sync + std::fmt::Debug>(customers: &[K], events: &[Event]) {
    let program = program();
    let as_of = NaiveDate::from_ymd_opt(2024, 12, 31).unwrap();
    let run = run_bulk(&program, customers, events, as_of).unwrap();
    let want = reference(&program, customers, events, as_of);
    assert_eq!(run.customers.len(), want.len());
    let mut totals = LedgerTotals::default();
    for (i, w) in want.iter().enumerate() {
        assert_eq!((run.balances[i], run.tiers[i]), (w.0, w.1), "member {i}");
        totals.merge(&w.2);
    }
    assert_eq!(run.totals, totals);
    assert_eq!(run.rejected, want.iter().map(|w| w.3).sum::<u64>());
    assert_eq!(run.after_as_of, want.iter().map(|w| w.4).sum::<u64>());
}

/// More members than one replay chunk, interleaved and then grouped.
#[test]
fn bulk_across_chunks_equals_members_replayed_alone() {
    let n = 10_000_u32;
    let (mut customers, mut events) = (Vec::new(), Vec::new());
    for round in 0..4_u64 {
        for c in 0..n {
            let x = u64::from(c) * 7919 + round * 104_729;
            customers.push(c);
            events.push(event(
                x % 700,
                (x % 5) as u8 + u8::from(round == 0) * 3,
                round,
                (x % 90_000) as i64 + 100,
                (x % 400) as i64 + 1,
            ));
        }
    }
    check(&customers, &events);
    let mut pairs: Vec<(u32, Event)> = customers.into_iter().zip(events).collect();
    pairs.sort_by_key(|p| p.0);
    let (customers, events): (Vec<u32>, Vec<Event>) = pairs.into_iter().unzip();
    check(&customers, &events);
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
        let mut log = log;
        if grouped {
            log.sort_by_key(|r| r.0); // stable: each member's events keep their order
        }
        let customers: Vec<u8> = log.iter().map(|r| r.0).collect();
        let events: Vec<Event> = log.iter().map(|&(_, d, k, o, c, p)| event(d, k, o, c, p)).collect();
        check(&customers, &events);
    }
}

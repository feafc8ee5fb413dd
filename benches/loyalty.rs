//! Bulk loyalty run: balances and tiers of 1,000,000 members from 10,000,000 events
//! (8 purchases, a redemption and a refund each), under a hybrid points + tiers program
//! with 12-month expiry and yearly tier reviews.

use std::hint::black_box;

use chrono::{Days, NaiveDate};
use criterion::{Criterion, criterion_group, criterion_main};
use customer_value::Program;
use customer_value::loyalty::{Event, EventKind, run_bulk};
use rust_decimal::Decimal;

const MEMBERS: u32 = 1_000_000;

/// `LOYALTY_MEMBERS` overrides the member count for quick local runs.
fn members() -> u32 {
    std::env::var("LOYALTY_MEMBERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(MEMBERS)
}
const PER_MEMBER: u32 = 10;

fn program() -> Program {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/loyalty_program.json"
    ))
    .expect("fixture");
    serde_json::from_str(&text).expect("valid program")
}

fn log() -> (Vec<u32>, Vec<Event>) {
    let start = NaiveDate::from_ymd_opt(2023, 1, 1).expect("date");
    let n = (members() * PER_MEMBER) as usize;
    let (mut customers, mut events) = (Vec::with_capacity(n), Vec::with_capacity(n));
    // A cheap deterministic generator (xorshift) keeps the bench free of extra deps.
    let mut state = 0x9E37_79B9_7F4A_7C15_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for c in 0..members() {
        let mut day = next() % 60;
        for k in 0..PER_MEMBER {
            day += next() % 70;
            let date = start.checked_add_days(Days::new(day)).expect("date");
            let kind = match k {
                8 => EventKind::Redeem { points: 50 },
                9 => EventKind::Refund {
                    order: 3,
                    amount: None,
                },
                _ => EventKind::Purchase {
                    order: u64::from(k),
                    amount: Decimal::new(i64::try_from(next() % 30_000).expect("small") + 500, 2),
                    units: 1,
                },
            };
            customers.push(c);
            events.push(Event { date, kind });
        }
    }
    (customers, events)
}

fn bench(c: &mut Criterion) {
    let program = program();
    let (customers, events) = log();
    let as_of = NaiveDate::from_ymd_opt(2024, 12, 31).expect("date");
    let mut g = c.benchmark_group("loyalty");
    g.sample_size(10);
    g.bench_function("bulk_1m_members_10m_events", |b| {
        b.iter(|| {
            run_bulk(
                black_box(&program),
                black_box(&customers),
                black_box(&events),
                as_of,
            )
            .expect("run")
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

//! Loyalty: programs from randomly mutated JSON (bytes, and values swapped for hostile
//! numbers, dates and names), and random operation sequences on accounts (purchases,
//! refunds of known and unknown orders, partial refunds, redemptions, adjustments at the
//! `Points` limits, tier overrides, days out of order). A program that loads round-trips
//! through JSON; after every event the account passes its own check, its balance at the
//! day equals its balance, lots balance, a capped policy never goes negative, and a failed
//! event leaves the account as if only the days up to its date had passed.

use chrono::NaiveDate;
use customer_value::loyalty::{Account, ClawbackPolicy, Event, EventKind, EventType, Program};
use rust_decimal::Decimal;

use super::harness::Tally;
use super::rng::{Rng, scale};

const SAMPLE: &str = include_str!("../data/loyalty_program.json");

const HOSTILE: [&str; 20] = [
    "0",
    "-1",
    "1e400",
    "-0",
    "9223372036854775807",
    "-9223372036854775808",
    "18446744073709551616",
    "\"NaN\"",
    "\"79228162514264337593543950335\"",
    "\"-79228162514264337593543950335\"",
    "\"0.0000000000000000000000000001\"",
    "null",
    "true",
    "\"\"",
    "\"2024-02-30\"",
    "\"9999-12-31\"",
    "\"+262143-12-31\"",
    "[]",
    "{}",
    "4294967296",
];

/// Replaces one JSON value (a number, a string or a literal) with a hostile one.
fn swap_value(rng: &mut Rng, text: &str) -> String {
    let bytes = text.as_bytes();
    let starts: Vec<usize> = (1..bytes.len())
        .filter(|&i| {
            matches!(bytes[i - 1], b':' | b'[' | b',' | b' ')
                && (bytes[i].is_ascii_digit()
                    || bytes[i] == b'"'
                    || bytes[i] == b'-'
                    || bytes[i] == b't'
                    || bytes[i] == b'f')
        })
        .collect();
    if starts.is_empty() {
        return text.to_string();
    }
    let s = starts[rng.usize(starts.len())];
    let mut e = s + 1;
    if bytes[s] == b'"' {
        while e < bytes.len() && bytes[e] != b'"' {
            e += 1;
        }
        e = (e + 1).min(bytes.len());
    } else {
        while e < bytes.len() && !matches!(bytes[e], b',' | b'}' | b']' | b' ' | b'\n') {
            e += 1;
        }
    }
    format!("{}{}{}", &text[..s], rng.pick(&HOSTILE), &text[e..])
}

fn mutate(rng: &mut Rng, text: &str) -> String {
    let mut s = text.to_string();
    for _ in 0..1 + rng.below(3) {
        s = match rng.below(5) {
            0..=2 => swap_value(rng, &s),
            3 => {
                let mut b = s.into_bytes();
                let i = rng.usize(b.len().max(1));
                if i < b.len() {
                    b[i] = rng.next() as u8;
                }
                String::from_utf8_lossy(&b).to_string()
            }
            _ => {
                let cut = rng.usize(s.len() + 1);
                s.get(..cut).unwrap_or(&s).to_string()
            }
        };
    }
    s
}

#[test]
fn loyalty_programs_from_mutated_json() {
    let mut t = Tally::new("loyalty json");
    let mut rng = Rng::new(71);
    for case in 0..3_000 * scale() {
        let text = mutate(&mut rng, SAMPLE);
        let w = || format!("case {case}: {text}");
        let direct = t.call(w, || Program::from_json(&text));
        if let Some(p) = t.call(w, || serde_json::from_str::<Program>(&text)) {
            t.promise(direct.as_ref() == Some(&p), || {
                format!("{}: Program::from_json differs from serde", w())
            });
            let back = t.call(w, || {
                serde_json::to_string(&p).and_then(|j| serde_json::from_str::<Program>(&j))
            });
            t.promise(back.as_ref() == Some(&p), || {
                format!("{}: does not round-trip", w())
            });
            run(&mut t, &mut rng, &p, case, 20, false);
        }
    }
    t.finish();
}

fn points(rng: &mut Rng) -> i64 {
    match rng.below(4) {
        0 => rng.pick(&[0, -1, i64::MAX, i64::MIN, i64::MAX / 2, 1]),
        _ => rng.below(5000) as i64,
    }
}

/// A random event at or after `day` (sometimes before it).
fn event(rng: &mut Rng, day: NaiveDate, orders: u64) -> Event {
    let date = if rng.chance(15) {
        day.pred_opt().unwrap_or(day)
    } else {
        rng.date_near(day, 40)
    };
    let amount = if rng.chance(6) { rng.decimal() } else { rng.money() };
    let order = rng.below(orders + 2);
    let kind = match rng.below(8) {
        0..=2 => EventKind::Purchase {
            order,
            amount,
            units: rng.u32() % 5,
        },
        3 => EventKind::Refund {
            order,
            amount: if rng.chance(2) { None } else { Some(amount) },
        },
        4 => EventKind::Redeem { points: points(rng) },
        5 => EventKind::Activity {
            event: rng.pick(&[
                EventType::Referral,
                EventType::PartnerPurchase,
                EventType::Review,
                EventType::Other(7),
            ]),
            amount,
            units: rng.u32() % 3,
        },
        6 => EventKind::Adjust {
            points: if rng.chance(2) {
                points(rng)
            } else {
                points(rng).saturating_neg()
            },
        },
        _ => EventKind::SetTier {
            tier: if rng.chance(2) {
                None
            } else {
                Some(rng.below(5) as u8)
            },
        },
    };
    Event { date, kind }
}

/// `far`: also advance to year 9999 (a mutated program may review daily: 3 million days).
fn run(t: &mut Tally, rng: &mut Rng, p: &Program, case: usize, steps: usize, far: bool) {
    let start = if rng.chance(10) {
        rng.date()
    } else {
        rng.date_near(NaiveDate::from_ymd_opt(2024, 1, 1).unwrap(), 400)
    };
    let mut a = if rng.chance(2) {
        Account::new(start)
    } else {
        Account::without_journal(start)
    };
    let mut day = start;
    for step in 0..steps {
        let e = event(rng, day, step as u64);
        let before = a.clone();
        let w = || format!("case {case} step {step}: {e:?} on {before:?}");
        let r = t.call(w, || a.apply(p, &e));
        if r.is_some() {
            day = day.max(e.date);
        } else {
            let mut expected = before.clone();
            let advanced = expected.advance_to(p, e.date);
            t.promise(
                a == expected || advanced.is_err() || a == before,
                || format!("case {case} step {step}: a failed {e:?} changed the account beyond its days: {a:?} vs {expected:?}"),
            );
        }
        t.promise(a.check().is_ok(), || {
            format!(
                "case {case} step {step}: {e:?} breaks the account's check: {:?}",
                a.check()
            )
        });
        if p.clawback != ClawbackPolicy::AllowNegative
            && !matches!(e.kind, EventKind::Adjust { .. })
            && before.balance() >= 0
        {
            t.promise(a.balance() >= 0, || {
                format!(
                    "case {case} step {step}: balance {} under {:?} after {e:?}",
                    a.balance(),
                    p.clawback
                )
            });
        }
        t.promise(a.ledger.lots.iter().all(|l| l.balances()), || {
            format!("case {case} step {step}: a lot does not balance")
        });
        if let Some(b) = t.call(
            || format!("case {case} step {step}: balance_at"),
            || a.ledger.balance_at(a.clock),
        ) {
            t.promise(b == a.balance(), || {
                format!("case {case} step {step}: balance_at {b} vs {}", a.balance())
            });
        }
    }
    let far = if far {
        rng.pick(&[
            day,
            NaiveDate::from_ymd_opt(9999, 12, 31).unwrap(),
            NaiveDate::MAX,
        ])
    } else {
        let near = rng.date_near(day, 3650);
        rng.pick(&[day, near, NaiveDate::MAX])
    };
    let before = a.clone();
    if t.call(
        || format!("case {case}: advance_to {far}"),
        || a.advance_to(p, far),
    )
    .is_none()
    {
        t.promise(
            (far - before.clock).num_days() <= Account::MAX_ADVANCE_DAYS || a == before,
            || format!("case {case}: a refused advance_to {far} changed the account"),
        );
    }
    t.promise(a.check().is_ok(), || {
        format!("case {case}: advance_to {far} breaks the check")
    });
    t.call(|| format!("case {case}: progress"), || a.progress(p));
    // Every awarded point is somewhere (or the totals are beyond `Points` and say so).
    if let Some(x) = t.call(
        || format!("case {case}: checked_totals"),
        || a.ledger.checked_totals(),
    ) {
        let parts = [
            x.spent,
            x.expired,
            x.clawed_back,
            x.repaid_debt,
            x.outstanding,
            x.pending,
        ]
        .iter()
        .try_fold(0_i64, |s, v| s.checked_add(*v));
        t.promise(parts == Some(x.earned) && a.ledger.totals() == x, || {
            format!("case {case}: totals {x:?} do not add up")
        });
    }
}

#[test]
fn loyalty_accounts_under_random_operations() {
    let mut t = Tally::new("loyalty ops");
    let mut rng = Rng::new(72);
    let sample: Program = serde_json::from_str(SAMPLE).expect("the sample program loads");
    let variants: Vec<Program> = ["allow_negative", "cap_at_balance", "order_points_only"]
        .iter()
        .flat_map(|c| {
            let base = SAMPLE.replace("\"allow_negative\"", &format!("\"{c}\""));
            [
                base.clone(),
                base.replace("\"pending_days\": 0", "\"pending_days\": 14"),
            ]
        })
        .filter_map(|j| serde_json::from_str(&j).ok())
        .collect();
    assert_eq!(variants.len(), 6);
    for case in 0..300 * scale() {
        let p = if rng.chance(7) {
            &sample
        } else {
            &variants[rng.usize(variants.len())]
        };
        run(&mut t, &mut rng, p, case, 40, true);
    }
    let _ = Decimal::ZERO;
    t.finish();
}

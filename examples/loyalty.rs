//! A hybrid points + tiers program run over the CDNOW sample log (1997-01 … 1998-06):
//! tier distribution, points liability and breakage, the IFRS 15 split of the revenue,
//! and the NPS of a small survey.
//!
//! Run: `cargo run --release --example loyalty`

use std::fs::File;
use std::io::BufReader;

use chrono::NaiveDate;
use customer_value::loyalty::{Breakage, Event, ifrs15_allocation, liability, run_bulk};
use customer_value::satisfaction::Nps;
use customer_value::{Program, Result, io::read_transactions_csv};
use rust_decimal::Decimal;

fn main() -> Result<()> {
    let root = env!("CARGO_MANIFEST_DIR");
    // 1 point per dollar, +50 on orders of 100+, gold ×1.5, platinum ×2; 12-month expiry;
    // tiers on points earned over a rolling 12 months, reviewed each 1 January.
    let program = Program::from_json_reader(BufReader::new(File::open(format!(
        "{root}/tests/data/loyalty_program.json"
    ))?))?;
    let log = read_transactions_csv::<u64, _>(BufReader::new(File::open(format!(
        "{root}/data/cdnow_sample_transactions.csv"
    ))?))?;

    // Each purchase row is an order.
    let (mut customers, mut events) = (Vec::new(), Vec::new());
    for (order, (c, date, amount)) in log.columns().iter().enumerate() {
        customers.push(*c);
        events.push(Event::purchase(*date, order as u64, *amount));
    }
    let as_of = NaiveDate::from_ymd_opt(1998, 6, 30).unwrap_or_default();
    let earn_only = run_bulk(&program, &customers, &events, as_of)?;

    // Redemptions: one attempt of 100 points a day after each purchase; refused ones are
    // counted, not dropped.
    let mut with_spend_c = Vec::with_capacity(customers.len() * 2);
    let mut with_spend_e = Vec::with_capacity(events.len() * 2);
    for (c, e) in customers.iter().zip(&events) {
        with_spend_c.push(*c);
        with_spend_e.push(*e);
        if let Some(next) = e.date.succ_opt() {
            with_spend_c.push(*c);
            with_spend_e.push(Event::redeem(next, 100));
        }
    }
    let run = run_bulk(&program, &with_spend_c, &with_spend_e, as_of)?;

    println!(
        "{} — {} members, {} purchases, as of {as_of}",
        program.name,
        run.customers.len(),
        log.len()
    );
    println!("\nTier distribution (points earned in the last 12 months):");
    for (name, n) in run.tier_counts(&program) {
        println!(
            "  {name:<10} {n:>6}  ({:>5.1} %)",
            100.0 * n as f64 / run.customers.len() as f64
        );
    }
    let t = run.totals;
    println!(
        "\nPoints: earned {}, redeemed {}, expired {}, outstanding {} ({} redemptions refused)",
        t.earned, t.spent, t.expired, t.outstanding, run.rejected
    );
    let breakage = Breakage::from_totals(&t);
    let expected = breakage.expected_redemption().unwrap_or(Decimal::ONE);
    println!(
        "Breakage (expired / resolved): {:.2} %; without redemptions it would be {:.2} %",
        breakage.rate().unwrap_or_default() * Decimal::from(100),
        Breakage::from_totals(&earn_only.totals)
            .rate()
            .unwrap_or_default()
            * Decimal::from(100)
    );
    let l = liability(t.outstanding, program.point_value, expected)?;
    println!(
        "Liability: {} points × {} × {:.4} expected redemption = {:.2}",
        t.outstanding, program.point_value, expected, l
    );

    let revenue: Decimal = log.columns().amounts().iter().sum();
    let split = ifrs15_allocation(revenue, revenue, t.earned, program.point_value, expected)?;
    println!(
        "IFRS 15: of {revenue:.2} revenue, {:.2} is allocated to the points and deferred until redeemed",
        split.points
    );

    // A small survey (0–10): 100 promoters, 40 passives, 60 detractors.
    let mut answers = vec![10_u8; 60];
    answers.extend([9; 40]);
    answers.extend([8; 25]);
    answers.extend([7; 15]);
    answers.extend([5; 30]);
    answers.extend([2; 30]);
    if let Some(nps) = Nps::from_answers(&answers)? {
        let (lo, hi) = nps.interval(1.96)?;
        println!(
            "\nNPS from {} answers: {:.1} (SE {:.2}; 95 % CI {lo:.1} … {hi:.1})",
            answers.len(),
            nps.score,
            nps.standard_error
        );
    }
    Ok(())
}

//! A hybrid points + tiers program run over the CDNOW sample log (1997-01 … 1998-06):
//! tier distribution, points liability and breakage, the IFRS 15 split of the revenue,
//! and the NPS of a small survey.
//!
//! Run: `cargo run --release --example loyalty`; with `-- --plots DIR` (and
//! `--features plot`) it also writes `tier_distribution.svg`, `points_liability.svg` and
//! `breakage.svg` (month-end snapshots) there.

use std::fs::File;
use std::io::BufReader;

#[cfg(feature = "plot")]
use chrono::Datelike;
use chrono::NaiveDate;
use customer_value::loyalty::{Breakage, Event, ifrs15_allocation, liability, run_bulk};
use customer_value::satisfaction::Nps;
use customer_value::{Program, Result, io::read_transactions_csv};
use rust_decimal::Decimal;

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let plots = match args.as_slice() {
        [] => None,
        [flag, dir] if flag == "--plots" && cfg!(feature = "plot") => Some(dir.clone()),
        [flag, _] if flag == "--plots" => {
            eprintln!(
                "loyalty: --plots needs the feature `plot`: cargo run --features plot --example loyalty -- --plots DIR"
            );
            return std::process::ExitCode::from(2);
        }
        _ => {
            eprintln!("usage: loyalty [--plots DIR]");
            return std::process::ExitCode::from(2);
        }
    };
    match run(plots.as_deref()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("loyalty: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run(plots: Option<&str>) -> Result<()> {
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
    #[cfg(feature = "plot")]
    if let Some(dir) = plots {
        write_plots(dir, &program, &with_spend_c, &with_spend_e, as_of)?;
    }
    #[cfg(not(feature = "plot"))]
    let _ = plots;

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

/// Month-end snapshots of the programme (one bulk run as of each month end) drawn as the
/// tier distribution, the liability and the breakage over time.
#[cfg(feature = "plot")]
fn write_plots(
    dir: &str,
    program: &Program,
    customers: &[u64],
    events: &[Event],
    as_of: NaiveDate,
) -> Result<()> {
    use customer_value::plot::{PlotOptions, loyalty, write_svg};

    let first = events.iter().map(|e| e.date).min().unwrap_or(as_of);
    let (mut tiers, mut points) = (Vec::new(), Vec::new());
    let mut month = NaiveDate::from_ymd_opt(first.year_ce().1 as i32, first.month(), 1).unwrap_or(first);
    while month <= as_of {
        let next = month.checked_add_months(chrono::Months::new(1)).unwrap_or(as_of);
        let end = next.pred_opt().unwrap_or(next).min(as_of);
        let r = run_bulk(program, customers, events, end)?;
        tiers.push(loyalty::TierSnapshot {
            date: end,
            counts: r.tier_counts(program),
        });
        points.push(loyalty::PointsSnapshot {
            date: end,
            totals: r.totals,
        });
        month = next;
    }
    std::fs::create_dir_all(dir)?;
    let dir = std::path::Path::new(dir);
    let o = PlotOptions::default();
    write_svg(
        dir.join("tier_distribution.svg"),
        &loyalty::tier_distribution(&tiers, &o)?,
    )?;
    write_svg(
        dir.join("points_liability.svg"),
        &loyalty::points_liability(&points, program.point_value, &o)?,
    )?;
    write_svg(
        dir.join("breakage.svg"),
        &loyalty::breakage_over_time(&points, &o)?,
    )?;
    eprintln!("loyalty: wrote 3 charts to {}", dir.display());
    Ok(())
}

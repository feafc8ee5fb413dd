//! Retention projections and cohort tables.
//!
//! Run from the repository root: `cargo run --example retention`.
//!
//! 1. Fader & Hardie (2007): fit the shifted-beta-geometric model (with standard errors
//!    from the observed information) to years 0–7 of two customer segments, project years
//!    8–12, and compare with the actual survivors and with the projection of a constant
//!    retention rate fitted to year 1 — the paper's point: the constant rate projects far
//!    too few long-run survivors.
//! 2. Discounted expected (residual) lifetime (Fader & Hardie 2010) at d = 10 %.
//! 3. The CDNOW sample's monthly acquisition cohorts, retention and lapses.
//!
//! With `-- --plots DIR` (and `--features plot`) it also writes the charts there:
//! `sbg_regular.svg`, `sbg_high_end.svg`, `kaplan_meier.svg` (the Freireich leukaemia
//! trial's two arms) and `cohort_retention.svg`.

use std::fs::File;
use std::io::BufReader;

use chrono::NaiveDate;
use customer_value::churn::{CohortMetric, CohortPeriod, CohortSpec, CohortTable, lapse_report};
use customer_value::io::read_transactions_csv;
use customer_value::retention::{ConstantRetention, RetentionModel, ShiftedBetaGeometric};

/// Table 1 of Fader & Hardie (2007): % of 1,000 customers surviving in years 0–12.
const REGULAR: [f64; 13] = [
    100.0, 63.1, 46.8, 38.2, 32.6, 28.9, 26.2, 24.1, 22.3, 20.7, 19.4, 18.3, 17.3,
];
const HIGH_END: [f64; 13] = [
    100.0, 86.9, 74.3, 65.3, 59.3, 55.1, 51.7, 49.1, 46.8, 44.5, 42.7, 40.9, 39.4,
];

/// `--plots DIR`: where to write the charts (feature `plot`), if asked.
fn plots_dir() -> Result<Option<String>, String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [] => Ok(None),
        [flag, dir] if flag == "--plots" => {
            if cfg!(feature = "plot") {
                Ok(Some(dir.clone()))
            } else {
                Err("--plots needs the feature `plot`: cargo run --features plot --example retention -- --plots DIR".to_owned())
            }
        }
        _ => Err("usage: retention [--plots DIR]".to_owned()),
    }
}

fn segment(name: &str, pct: &[f64; 13], plots: Option<&str>) -> Result<(), Box<dyn std::error::Error>> {
    // Fit on years 0–7 only, as the paper does.
    let survivors: Vec<u64> = pct[..8].iter().map(|p| (p * 10.0).round() as u64).collect();
    let fit = ShiftedBetaGeometric::fit_survivors(&survivors)?;
    #[cfg(feature = "plot")]
    if let Some(dir) = plots {
        use customer_value::plot::{PlotOptions, retention::sbg_projection, write_svg};
        let all: Vec<u64> = pct.iter().map(|p| (p * 10.0).round() as u64).collect();
        let file = format!("sbg_{}.svg", name.to_lowercase().replace(' ', "_"));
        let o =
            PlotOptions::default().with_title(format!("{name} customers: sBG fitted to years 0-7 vs actual"));
        write_svg(
            std::path::Path::new(dir).join(file),
            &sbg_projection(&fit, &all, 7, "years", &o)?,
        )?;
    }
    #[cfg(not(feature = "plot"))]
    let _ = plots;
    let constant = ConstantRetention::new(pct[1] / pct[0])?;
    let se = |name| {
        fit.standard_error(name)
            .map_or("n/a".to_owned(), |v| format!("{v:.4}"))
    };
    println!(
        "{name}: alpha {:.4} (SE {}), beta {:.4} (SE {}), log-likelihood {:.3}",
        fit.model.alpha(),
        se("alpha"),
        fit.model.beta(),
        se("beta"),
        fit.log_likelihood
    );
    println!("  year   actual %   sBG %   constant %   sBG retention");
    for (year, actual) in pct.iter().enumerate() {
        let t = year as u32;
        let marker = if year == 7 { "  <- end of fit" } else { "" };
        println!(
            "  {year:>4} {actual:>10.1} {:>7.1} {:>12.1} {:>15.3}{marker}",
            100.0 * fit.model.survival(t),
            100.0 * constant.survival(t),
            fit.model.retention_rate(t),
        );
    }
    println!(
        "  DEL(d = 10%) {:.4}, DERL(n = 1, d = 10%) {:.4}\n",
        fit.model.discounted_expected_lifetime(0.10)?,
        fit.model.discounted_expected_residual_lifetime(0.10, 1)?
    );
    Ok(())
}

fn main() -> std::process::ExitCode {
    let plots = match plots_dir() {
        Ok(p) => p,
        Err(msg) => {
            eprintln!("retention: {msg}");
            return std::process::ExitCode::from(2);
        }
    };
    match run(plots.as_deref()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("retention: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run(plots: Option<&str>) -> Result<(), Box<dyn std::error::Error>> {
    if let Some(dir) = plots {
        std::fs::create_dir_all(dir)?;
    }
    println!("Fader & Hardie (2007): sBG fitted to years 0-7 vs a constant year-1 retention rate\n");
    segment("Regular", &REGULAR, plots)?;
    segment("High end", &HIGH_END, plots)?;

    let file = File::open("data/cdnow_sample_transactions.csv")?;
    let log = read_transactions_csv::<u64, _>(BufReader::new(file))?;
    let as_of = NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("bad date")?;
    let table = CohortTable::build(&CohortSpec::new(CohortPeriod::Month, as_of)?, log.columns())?;
    println!("CDNOW monthly acquisition cohorts: % of each cohort buying k months after acquisition");
    print!("{}", table.display(CohortMetric::Active));
    println!("\n% buying in month k or later");
    print!("{}", table.display(CohortMetric::ActiveOrLater));
    let curve = table.average_curve(CohortMetric::Active);
    let shown: Vec<String> = curve
        .iter()
        .take(7)
        .map(|r| r.map_or("-".into(), |r| format!("{:.1}", 100.0 * r)))
        .collect();
    println!("\nWeighted average, k = 0..6: {}", shown.join(", "));

    #[cfg(feature = "plot")]
    if let Some(dir) = plots {
        write_plots(dir, &table)?;
    }

    let lapses = lapse_report(log.columns(), 180, as_of, CohortPeriod::Month)?;
    println!(
        "\nNo purchase for more than 180 days at {as_of}: {} of {} customers ({:.1} %)",
        lapses.lapsed(),
        lapses.customers.len(),
        100.0 * lapses.lapsed_share().unwrap_or(0.0)
    );
    Ok(())
}

/// The Kaplan–Meier chart of the Freireich leukaemia trial (weeks in remission; `false`
/// = censored) and the CDNOW cohort heatmap.
#[cfg(feature = "plot")]
fn write_plots(dir: &str, table: &CohortTable) -> Result<(), Box<dyn std::error::Error>> {
    use customer_value::KaplanMeier;
    use customer_value::plot::{PlotOptions, retention, write_svg};
    use customer_value::retention::ConfidenceBand;

    let six_mp = [
        (6, true),
        (6, true),
        (6, true),
        (6, false),
        (7, true),
        (9, false),
        (10, true),
        (10, false),
        (11, false),
        (13, true),
        (16, true),
        (17, false),
        (19, false),
        (20, false),
        (22, true),
        (23, true),
        (25, false),
        (32, false),
        (32, false),
        (34, false),
        (35, false),
    ];
    let placebo = [
        1, 1, 2, 2, 3, 4, 4, 5, 5, 8, 8, 8, 8, 11, 11, 12, 12, 15, 17, 22, 23,
    ]
    .map(|t| (t, true));
    let (a, b) = (
        KaplanMeier::from_durations(six_mp)?,
        KaplanMeier::from_durations(placebo)?,
    );
    let o = PlotOptions::default().with_title("Freireich trial: remission by arm (Kaplan–Meier, 95 % bands)");
    let dir = std::path::Path::new(dir);
    write_svg(
        dir.join("kaplan_meier.svg"),
        &retention::kaplan_meier(
            &[("6-MP", &a), ("Placebo", &b)],
            1.96,
            ConfidenceBand::LogLog,
            "weeks",
            &o,
        )?,
    )?;
    write_svg(
        dir.join("cohort_retention.svg"),
        &retention::cohort_retention(table, CohortMetric::Active, &PlotOptions::default())?,
    )?;
    eprintln!("retention: wrote 4 charts to {}", dir.display());
    Ok(())
}

//! The crate's main job, end to end: a transaction log in, a customer-value report out.
//!
//! ```text
//! cargo run --example clv_report                       # the bundled CDNOW sample
//! cargo run --example clv_report -- --json             # the same, as one JSON object
//! cargo run --example clv_report -- --transactions my.csv --calibration-end 2024-06-30 \
//!     --observation-end 2024-12-31 --unit day
//! ```
//!
//! The flags and the JSON fields are a public contract, documented in README.md
//! ("The `clv_report` example"): tools outside the repository read them. Add fields; never
//! rename or remove one.

use std::fs::File;
use std::io::{BufReader, Write};
use std::process::ExitCode;

use chrono::NaiveDate;
use customer_value::io::read_transactions_csv;
use customer_value::segment::segment_overview;
use customer_value::{CustomerSummary, Summaries, SummarySpec, TimeUnit, money, summarise_columns};
use serde_json::{Value, json};

const BUNDLED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/cdnow_sample_transactions.csv");
const USAGE: &str = "usage: clv_report [--transactions FILE.csv] [--calibration-end YYYY-MM-DD]
                  [--observation-end YYYY-MM-DD] [--unit day|week] [--json]

With no --transactions, runs on the bundled CDNOW sample (calibration end 1997-09-30,
observation end 1998-06-30, weeks). The CSV needs a header with customer_id,date,amount.
Without --observation-end, observation ends on the last date in the file; without
--calibration-end, there is no holdout (holdout fields are null in JSON).";

/// Parsed command line.
#[derive(Debug)]
struct Options {
    transactions: Option<String>,
    calibration_end: Option<NaiveDate>,
    observation_end: Option<NaiveDate>,
    unit: TimeUnit,
    json: bool,
}

fn parse_args(args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut o = Options {
        transactions: None,
        calibration_end: None,
        observation_end: None,
        unit: TimeUnit::WEEK,
        json: false,
    };
    let mut args = args.peekable();
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--transactions" => o.transactions = Some(value()?),
            "--calibration-end" => o.calibration_end = Some(parse_date(&value()?)?),
            "--observation-end" => o.observation_end = Some(parse_date(&value()?)?),
            "--unit" => {
                o.unit = match value()?.as_str() {
                    "day" => TimeUnit::DAY,
                    "week" => TimeUnit::WEEK,
                    other => return Err(format!("--unit must be day or week, not `{other}`")),
                }
            }
            "--json" => o.json = true,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    if o.transactions.is_none() {
        o.calibration_end = o.calibration_end.or(NaiveDate::from_ymd_opt(1997, 9, 30));
        o.observation_end = o.observation_end.or(NaiveDate::from_ymd_opt(1998, 6, 30));
    }
    Ok(o)
}

fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| format!("`{s}` is not a date YYYY-MM-DD"))
}

fn main() -> ExitCode {
    let options = match parse_args(std::env::args().skip(1)) {
        Ok(o) => o,
        Err(msg) => {
            if !msg.is_empty() {
                eprintln!("clv_report: {msg}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if is_broken_pipe(e.as_ref()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("clv_report: {e}");
            ExitCode::FAILURE
        }
    }
}

/// A reader that stopped reading (`| head`) is not a failure of the report.
fn is_broken_pipe(e: &(dyn std::error::Error + 'static)) -> bool {
    let kind = e
        .downcast_ref::<std::io::Error>()
        .map(std::io::Error::kind)
        .or_else(|| {
            e.downcast_ref::<serde_json::Error>()
                .and_then(serde_json::Error::io_error_kind)
        });
    kind == Some(std::io::ErrorKind::BrokenPipe)
}

fn run(o: &Options) -> Result<(), Box<dyn std::error::Error>> {
    let path = o.transactions.as_deref().unwrap_or(BUNDLED);
    let file = File::open(path).map_err(|e| format!("{path}: {e}"))?;
    let log = read_transactions_csv::<String, _>(BufReader::new(file)).map_err(|e| format!("{path}: {e}"))?;
    let last_date = log.columns().dates().iter().max().copied();
    let observation_end = o
        .observation_end
        .or(last_date)
        .ok_or_else(|| format!("{path}: no transactions"))?;
    let mut spec = SummarySpec::new(observation_end).with_unit(o.unit);
    if let Some(cal) = o.calibration_end {
        spec = spec.with_calibration_end(cal);
    }

    // Numeric ids (as in CDNOW) sort and print as numbers; anything else as text.
    let numeric: Option<Vec<u64>> = log.columns().customers().iter().map(|c| c.parse().ok()).collect();
    match numeric {
        Some(ids) => {
            let cols = log.columns();
            let view = customer_value::TransactionColumns::new(&ids, cols.dates(), cols.amounts())?;
            report(o, path, &summarise_columns(spec, view)?, |id| json!(id))
        }
        None => report(o, path, &summarise_columns(spec, log.columns())?, |id| json!(id)),
    }
}

fn report<K: std::fmt::Debug>(
    o: &Options,
    path: &str,
    s: &Summaries<K>,
    id: impl Fn(&K) -> Value,
) -> Result<(), Box<dyn std::error::Error>> {
    if o.json {
        let mut out = std::io::stdout().lock();
        serde_json::to_writer(&mut out, &json_report(s, &id))?;
        writeln!(out)?;
    } else {
        print_text(path, s)?;
    }
    Ok(())
}

/// The `--json` document: the contract in README.md.
fn json_report<K>(s: &Summaries<K>, id: &impl Fn(&K) -> Value) -> Value {
    let customers: Vec<Value> = s
        .customers
        .iter()
        .map(|c| {
            let h = c.holdout.as_ref();
            json!({
                "customer_id": id(&c.customer),
                "frequency": c.frequency,
                "recency": c.recency,
                "T": c.age,
                "monetary_value": money::to_f64(c.monetary_value),
                "frequency_holdout": h.map(|h| h.frequency),
                "duration_holdout": h.map(|h| h.duration),
            })
        })
        .collect();
    json!({
        "observation_end": s.spec.observation_end,
        "calibration_end": s.spec.calibration_end,
        "unit_days": s.spec.unit.days(),
        "summary_report": s.report,
        "customers": customers,
    })
}

/// Appends one formatted line to a `String` (the report is written in one go, so a closed
/// pipe is an error to report, not a panic).
macro_rules! out {
    ($t:expr, $($arg:tt)*) => {{
        $t.push_str(&format!($($arg)*));
        $t.push('\n');
    }};
}

fn print_text<K: std::fmt::Debug>(path: &str, s: &Summaries<K>) -> Result<(), Box<dyn std::error::Error>> {
    let mut t = String::new();
    let unit = if s.spec.unit == TimeUnit::WEEK {
        "weeks"
    } else {
        "days"
    };
    let c = &s.customers;
    let n = c.len() as f64;
    let r = &s.report;
    out!(t, "Customer-value report for {path}");
    match s.spec.calibration_end {
        Some(cal) => out!(
            t,
            "calibration to {cal}, holdout to {} ({} {unit})",
            s.spec.observation_end,
            s.spec.holdout_duration().unwrap_or(0.0)
        ),
        None => out!(t, "observation to {}", s.spec.observation_end),
    }
    out!(t, "");
    out!(t, "rows read              {:>10}", r.rows);
    out!(t, "rows summarised        {:>10}", r.rows_summarised);
    out!(t, "rows after the end     {:>10}", r.rows_after_observation_end);
    out!(t, "returns netted         {:>10}", r.negative_rows_netted);
    out!(t, "customers              {:>10}", r.customers);
    out!(
        t,
        "customers left out     {:>10}  (first seen in holdout {}, returns only {})",
        r.customers_first_seen_in_holdout + r.customers_without_purchase,
        r.customers_first_seen_in_holdout,
        r.customers_without_purchase
    );
    out!(t, "");
    let sum = |f: &dyn Fn(&CustomerSummary<K>) -> f64| c.iter().map(f).sum::<f64>();
    let repeat = c.iter().filter(|x| x.frequency > 0).count();
    out!(t, "Calibration summary (papers' x, t_x, T; times in {unit})");
    out!(
        t,
        "  repeat purchases Σx        {:>10}",
        sum(&|x| f64::from(x.frequency))
    );
    out!(t, "  one-time buyers (x = 0)    {:>10}", c.len() - repeat);
    out!(
        t,
        "  mean x                     {:>10.4}",
        sum(&|x| f64::from(x.frequency)) / n
    );
    out!(
        t,
        "  mean t_x                   {:>10.4}",
        sum(&|x| x.recency) / n
    );
    out!(t, "  mean T                     {:>10.4}", sum(&|x| x.age) / n);
    let spend: f64 = c
        .iter()
        .filter(|x| x.frequency > 0)
        .map(|x| money::to_f64(x.monetary_value))
        .sum();
    if repeat > 0 {
        out!(t, "  mean repeat spend (x > 0)  {:>10.2}", spend / repeat as f64);
    }
    if s.spec.calibration_end.is_some() {
        let holdout: u32 = c
            .iter()
            .filter_map(|x| x.holdout.as_ref())
            .map(|h| h.frequency)
            .sum();
        out!(t, "  holdout purchases          {holdout:>10}");
    }
    out!(t, "");
    match segment_overview(c) {
        Ok(o) => {
            out!(t, "Concentration of calibration spend");
            out!(
                t,
                "  top 20 % of customers bring {:.1} % of spend",
                100.0 * o.top20_share
            );
            out!(
                t,
                "  {} customers ({:.1} %) make 80 % of spend; Gini {:.4}",
                o.customers_for_80.customers,
                100.0 * o.customers_for_80.customer_share,
                o.gini.population
            );
            out!(t, "");
            out!(t, "RFM segments (5 levels, standard map)");
            for (name, count) in o.segment_counts {
                out!(t, "  {name:<20} {count:>8}");
            }
        }
        Err(e) => out!(t, "(no concentration figures: {e})"),
    }
    std::io::stdout().lock().write_all(t.as_bytes())?;
    Ok(())
}

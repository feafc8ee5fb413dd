//! `customer-value`: the crate's main job as an installable command (feature `cli`).
//!
//! ```text
//! cargo install customer-value --features cli
//! customer-value report --transactions orders.csv --calibration-end 2024-06-30
//! customer-value fit --transactions orders.csv --calibration-end 2024-06-30 > model.json
//! customer-value score --model model.json --transactions orders.csv > scores.csv
//! customer-value summarise --transactions orders.csv --unit day > summaries.csv
//! ```
//!
//! Exit status: 0 on success, 1 on bad data (the message names the file and line), 2 on
//! bad arguments. The report itself is shared with the `clv_report` example
//! (`report/`).

mod report;

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand, ValueEnum};
use customer_value::TimeUnit;
use customer_value::btyd::uncertainty::IntervalMethod;
use customer_value::io::{CalendarZone, CsvOptions};
use customer_value::score::ScoreSpec;
use report::{IntervalOptions, ModelChoice, Options, Output, annual};

const EXAMPLES: &str = "Examples:
  customer-value report --transactions orders.csv --calibration-end 2024-06-30 --observation-end 2024-12-31
  customer-value report --transactions export.csv --customer-column email --date-column created_at \\
      --amount-column total --time-zone Europe/Berlin --json > report.json
  customer-value fit --transactions orders.csv --calibration-end 2024-06-30 --model pnbd > model.json
  customer-value score --model model.json --transactions orders.csv --horizon 26 > scores.csv
  customer-value summarise --transactions orders.csv --unit day > summaries.csv";

/// Customer lifetime value from a transaction log: buy-till-you-die models, CLV, churn
/// and segments.
#[derive(Debug, Parser)]
#[command(name = "customer-value", version, after_help = EXAMPLES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// No progress messages on stderr (they are shown only when stderr is a terminal).
    #[arg(long, short, global = true)]
    quiet: bool,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// The customer-value report (what the `clv_report` example prints, same flags).
    #[command(after_help = "Examples:
  customer-value report --transactions orders.csv --calibration-end 2024-06-30 --observation-end 2024-12-31
  customer-value report --transactions orders.csv --model pnbd --horizon 104 --json > report.json
  customer-value report --transactions orders.csv --load-model model.json --csv > table.csv")]
    Report(ReportArgs),
    /// Fit the purchase and spend models and write them as a model file (JSON).
    #[command(after_help = "Examples:
  customer-value fit --transactions orders.csv --calibration-end 2024-06-30 > model.json
  customer-value fit --transactions orders.csv --model pnbd --unit day -o model.json")]
    Fit(FitArgs),
    /// Score customers with a saved model file: the per-customer value table.
    #[command(after_help = "Examples:
  customer-value score --model model.json --transactions orders.csv > scores.csv
  customer-value score --model model.json --transactions orders.csv --format jsonl --horizon 26
  customer-value score --model covariate-model.json --covariates customers.csv --transactions orders.csv")]
    Score(ScoreArgs),
    /// Per-customer summaries (x, t_x, T, spend) as CSV.
    #[command(after_help = "Examples:
  customer-value summarise --transactions orders.csv > summaries.csv
  customer-value summarise --transactions orders.csv --calibration-end 2024-06-30 --unit day")]
    Summarise(LogArgs),
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum UnitArg {
    Day,
    Week,
    /// 365.25 / 12 = 30.4375 days.
    Month,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ModelArg {
    /// BG/NBD (Fader, Hardie & Lee 2005).
    #[value(alias = "bg-nbd")]
    Bgnbd,
    /// Pareto/NBD (Schmittlein, Morrison & Colombo 1987).
    #[value(aliases = ["pareto-nbd", "paretonbd", "pareto", "p-nbd"])]
    Pnbd,
    /// MBG/NBD (Batislam, Denizel & Filiztekin 2007).
    #[value(alias = "mbg-nbd")]
    Mbgnbd,
    /// GGom/NBD (Bemmaor & Glady 2012).
    #[value(alias = "ggom-nbd")]
    Ggomnbd,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum TableFormat {
    Csv,
    Jsonl,
}

/// Where the log is and how it is written, and the windows to summarise.
#[derive(Debug, Args)]
struct LogArgs {
    /// The transaction log (CSV with a header).
    #[arg(long, value_name = "FILE")]
    transactions: PathBuf,
    /// End of the calibration window; later purchases are the holdout.
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
    calibration_end: Option<NaiveDate>,
    /// End of observation (default: the last date in the file).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
    observation_end: Option<NaiveDate>,
    /// The unit of recency, T, durations, the horizon and the model's parameters.
    #[arg(long, value_enum, default_value = "week")]
    unit: UnitArg,
    /// The customer column's name.
    #[arg(long, value_name = "NAME", default_value = "customer_id")]
    customer_column: String,
    /// The date column's name.
    #[arg(long, value_name = "NAME", default_value = "date")]
    date_column: String,
    /// The amount column's name.
    #[arg(
        long,
        value_name = "NAME",
        default_value = "amount",
        conflicts_with = "no_amount"
    )]
    amount_column: String,
    /// The file has no amount column: purchase counts only (no spend model, no CLV).
    #[arg(long)]
    no_amount: bool,
    /// A strftime format for the date column (default: ISO dates and date-times, YYYYMMDD).
    #[arg(long, value_name = "FMT")]
    date_format: Option<String>,
    /// UTC, a fixed offset (+05:30) or an IANA name: instants go on that zone's day.
    #[arg(long, value_name = "TZ", value_parser = parse_zone)]
    time_zone: Option<CalendarZone>,
    /// Compare customer ids in lower case (`Ana@Example.com` is `ana@example.com`); without
    /// it ids are exact and the report counts those that differ only in case.
    #[arg(long)]
    fold_case_ids: bool,
}

/// The horizon, discounting and margin of CLV.
#[derive(Debug, Args)]
struct ValueArgs {
    /// CLV horizon in units (default one year: 52 weeks or 365 days).
    #[arg(long, value_name = "N", value_parser = positive)]
    horizon: Option<f64>,
    /// Annual discount rate.
    #[arg(long, value_name = "R", default_value_t = 0.10, value_parser = non_negative)]
    discount_rate: f64,
    /// Fraction of expected spend kept as margin.
    #[arg(long, value_name = "F", default_value_t = 1.0, value_parser = finite)]
    margin: f64,
}

#[derive(Debug, Args)]
struct ReportArgs {
    #[command(flatten)]
    log: LogArgs,
    #[command(flatten)]
    value: ValueArgs,
    /// The purchase model to fit.
    #[arg(long, value_enum, default_value = "bgnbd")]
    model: ModelArg,
    /// The report as one JSON object.
    #[arg(long, conflicts_with_all = ["csv", "jsonl"])]
    json: bool,
    /// The per-customer value table as CSV.
    #[arg(long, conflicts_with = "jsonl")]
    csv: bool,
    /// The per-customer value table as JSON Lines.
    #[arg(long)]
    jsonl: bool,
    /// Write the fitted models to FILE.
    #[arg(long, value_name = "FILE")]
    save_model: Option<PathBuf>,
    /// Score with the models in FILE instead of fitting.
    #[arg(long, value_name = "FILE", conflicts_with = "save_model")]
    load_model: Option<PathBuf>,
    /// Write the report's charts as SVG files into DIR (needs the feature `plot`).
    #[arg(long, value_name = "DIR")]
    plots: Option<PathBuf>,
    /// The amounts' currency (ISO 4217, e.g. USD), printed beside every money figure.
    #[arg(long, value_name = "CODE", value_parser = report::currency)]
    currency: Option<String>,
    #[command(flatten)]
    uncertainty: UncertaintyArgs,
    #[command(flatten)]
    covariates: Box<CovariateFlags>,
}

/// Static or time-varying covariates of the purchase model.
#[derive(Debug, Args)]
struct CovariateFlags {
    /// Static covariates: a CSV whose first column is the customer (as in the log), then
    /// numeric columns.
    #[arg(long, value_name = "FILE.csv")]
    covariates: Option<PathBuf>,
    /// Time-varying covariates (--model pnbd or bgnbd): a CSV of customer, period start
    /// date (YYYY-MM-DD), then numeric columns; one row per customer and period of a
    /// regular grid of the unit (weekly rows for --unit week), covering the calibration
    /// window and the predictions (horizon, holdout).
    #[arg(long, value_name = "FILE.csv", conflicts_with = "covariates")]
    time_varying_covariates: Option<PathBuf>,
    /// Covariates of the purchase process.
    #[arg(long, value_name = "A,B")]
    purchase_covariates: Option<String>,
    /// Covariates of the dropout process.
    #[arg(long, value_name = "A,B")]
    dropout_covariates: Option<String>,
    /// One coefficient for this covariate in both processes (repeatable).
    #[arg(long, value_name = "A", requires = "covariates")]
    constrain: Vec<String>,
    /// L2 regularisation of the purchase and dropout coefficients.
    #[arg(long, value_name = "L_PURCHASE,L_DROPOUT", requires = "covariates")]
    regularise: Option<String>,
    /// Covariates of the spend model's scale (Gamma-Gamma, γ_i = γ₀ exp(x_i·δ)).
    #[arg(long, value_name = "A,B", requires = "covariates")]
    spend_covariates: Option<String>,
}

/// Intervals and Bayesian fits of the report.
#[derive(Debug, Args)]
struct UncertaintyArgs {
    /// Per-customer intervals at LEVEL (e.g. 0.9) in --json: p_alive_lower/upper,
    /// expected_purchases_holdout_lower/upper, clv_lower/upper.
    #[arg(long, value_name = "LEVEL", value_parser = positive)]
    intervals: Option<f64>,
    /// How the intervals are computed.
    #[arg(long, value_enum, default_value = "sampling", requires = "intervals")]
    interval_method: IntervalMethodArg,
    /// Parameter draws (sampling, default 200), bootstrap replicates (default 100) or
    /// posterior draws per chain (--bayes, default 1000).
    #[arg(long, value_name = "N")]
    draws: Option<usize>,
    /// Seed of the random draws.
    #[arg(long, value_name = "S", default_value_t = 0)]
    seed: u64,
    /// Fit the purchase model by NUTS with pymc-marketing's default priors (feature bayes).
    #[arg(long)]
    bayes: bool,
    /// Chains of --bayes.
    #[arg(long, value_name = "N", default_value_t = 4, requires = "bayes")]
    chains: usize,
    /// Tuning iterations per chain of --bayes.
    #[arg(long, value_name = "N", default_value_t = 1000, requires = "bayes")]
    tune: usize,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum IntervalMethodArg {
    Delta,
    Sampling,
    Bootstrap,
}

#[derive(Debug, Args)]
struct FitArgs {
    #[command(flatten)]
    log: LogArgs,
    /// The purchase model to fit.
    #[arg(long, value_enum, default_value = "bgnbd")]
    model: ModelArg,
    /// Write the model file here instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct ScoreArgs {
    #[command(flatten)]
    log: LogArgs,
    #[command(flatten)]
    value: ValueArgs,
    /// The model file (from `fit` or `report --save-model`).
    #[arg(long, value_name = "FILE")]
    model: PathBuf,
    /// The table's format.
    #[arg(long, value_enum, default_value = "csv")]
    format: TableFormat,
    /// The customers' covariates, for a model saved with covariates (`report
    /// --covariates … --save-model`): a CSV whose first column is the customer, then the
    /// model's covariate columns. Customers missing from it are flagged and counted.
    #[arg(long, value_name = "FILE.csv")]
    covariates: Option<PathBuf>,
    /// The customers' time-varying covariates, for a model saved with them (`report
    /// --time-varying-covariates … --save-model`): customer, period start date, then the
    /// model's covariate columns, covering the calibration window and the predictions.
    #[arg(long, value_name = "FILE.csv", conflicts_with = "covariates")]
    time_varying_covariates: Option<PathBuf>,
}

fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| format!("`{s}` is not a date YYYY-MM-DD"))
}

fn parse_zone(s: &str) -> Result<CalendarZone, String> {
    s.parse().map_err(|e: customer_value::Error| e.to_string())
}

fn number(s: &str, ok: impl Fn(f64) -> bool, what: &str) -> Result<f64, String> {
    s.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && ok(*v))
        .ok_or_else(|| format!("`{s}` is not {what}"))
}

fn positive(s: &str) -> Result<f64, String> {
    number(s, |v| v > 0.0, "a finite number > 0")
}

fn non_negative(s: &str) -> Result<f64, String> {
    number(s, |v| v >= 0.0, "a finite number ≥ 0")
}

fn finite(s: &str) -> Result<f64, String> {
    number(s, |_| true, "a finite number")
}

/// The shared options from the log arguments.
fn options(log: LogArgs, quiet: bool) -> Result<Options, String> {
    let mut read = CsvOptions::default()
        .customer_column(log.customer_column)
        .date_column(log.date_column);
    read = if log.no_amount {
        read.without_amount()
    } else {
        read.amount_column(log.amount_column)
    };
    if let Some(f) = log.date_format {
        read = read.date_format(&f).map_err(|e| format!("--date-format: {e}"))?;
    }
    if let Some(zone) = log.time_zone {
        read = read.time_zone(zone);
    }
    let mut o = Options::new(Some(log.transactions.display().to_string()));
    o.calibration_end = log.calibration_end;
    o.observation_end = log.observation_end;
    o.unit = match log.unit {
        UnitArg::Day => TimeUnit::DAY,
        UnitArg::Week => TimeUnit::WEEK,
        UnitArg::Month => TimeUnit::MONTH,
    };
    o.progress = !quiet && std::io::stderr().is_terminal();
    o.fold_case_ids = log.fold_case_ids;
    o.read = read;
    Ok(o)
}

fn model_choice(m: ModelArg) -> ModelChoice {
    match m {
        ModelArg::Bgnbd => ModelChoice::BetaGeometric,
        ModelArg::Pnbd => ModelChoice::Pareto,
        ModelArg::Mbgnbd => ModelChoice::ModifiedBetaGeometric,
        ModelArg::Ggomnbd => ModelChoice::GammaGompertz,
    }
}

fn with_value(mut o: Options, v: ValueArgs) -> Result<Options, String> {
    o.horizon = v.horizon;
    o.discount_rate = v.discount_rate;
    o.margin = v.margin;
    ScoreSpec::new(o.unit, o.horizon(), annual(o.discount_rate)?).map_err(|e| format!("--horizon: {e}"))?;
    Ok(o)
}

fn parse(cli: Cli) -> Result<Options, String> {
    let quiet = cli.quiet;
    Ok(match cli.command {
        Command::Report(a) => {
            let mut o = with_value(options(a.log, quiet)?, a.value)?;
            o.model = model_choice(a.model);
            o.output = match (a.json, a.csv, a.jsonl) {
                (true, _, _) => Output::Json,
                (_, true, _) => Output::Csv,
                (_, _, true) => Output::JsonLines,
                _ => Output::Text,
            };
            o.save_model = a.save_model.map(|p| p.display().to_string());
            o.load_model = a.load_model.map(|p| p.display().to_string());
            o.plots = a.plots.map(|p| p.display().to_string());
            o.currency = a.currency;
            if o.plots.is_some() && !cfg!(feature = "plot") {
                return Err(report::PLOTS_NEED_FEATURE.to_owned());
            }
            let u = a.uncertainty;
            o.intervals = u.intervals.map(|level| IntervalOptions {
                level,
                method: match u.interval_method {
                    IntervalMethodArg::Delta => IntervalMethod::Delta,
                    IntervalMethodArg::Sampling => IntervalMethod::Sampling,
                    IntervalMethodArg::Bootstrap => IntervalMethod::Bootstrap,
                },
            });
            o.draws = u.draws;
            o.seed = u.seed;
            o.bayes = u.bayes;
            o.chains = u.chains;
            o.tune = u.tune;
            report::check_uncertainty(&o)?;
            let c = *a.covariates;
            if c.covariates.is_none() && c.time_varying_covariates.is_none() {
                if c.purchase_covariates.is_some() || c.dropout_covariates.is_some() {
                    return Err("--purchase-covariates and --dropout-covariates need --covariates FILE.csv or --time-varying-covariates FILE.csv".to_owned());
                }
            } else {
                let file = c.covariates.map(|f| f.display().to_string()).unwrap_or_default();
                let list =
                    |flag: &str, v: Option<String>| v.map_or(Ok(Vec::new()), |v| report::names(flag, &v));
                let mut constrain = Vec::new();
                for v in &c.constrain {
                    constrain.extend(report::names("--constrain", v)?);
                }
                o.covariates = Some(report::CovariateArgs {
                    file,
                    purchase: list("--purchase-covariates", c.purchase_covariates)?,
                    dropout: list("--dropout-covariates", c.dropout_covariates)?,
                    constrain,
                    regularise: c.regularise.as_deref().map(report::lambdas).transpose()?,
                    spend: list("--spend-covariates", c.spend_covariates)?,
                    time_varying: c.time_varying_covariates.map(|f| f.display().to_string()),
                });
            }
            report::check_covariates(&o)?;
            o
        }
        Command::Fit(a) => {
            let mut o = options(a.log, quiet)?;
            o.model = model_choice(a.model);
            o.output = Output::ModelFile;
            o.save_model = a.output.map(|p| p.display().to_string());
            o
        }
        Command::Score(a) => {
            let mut o = with_value(options(a.log, quiet)?, a.value)?;
            o.load_model = Some(a.model.display().to_string());
            o.covariates = a.covariates.map(|f| report::CovariateArgs {
                file: f.display().to_string(),
                ..report::CovariateArgs::default()
            });
            if let Some(f) = a.time_varying_covariates {
                o.covariates = Some(report::CovariateArgs {
                    time_varying: Some(f.display().to_string()),
                    ..report::CovariateArgs::default()
                });
            }
            o.output = match a.format {
                TableFormat::Csv => Output::Csv,
                TableFormat::Jsonl => Output::JsonLines,
            };
            o
        }
        Command::Summarise(log) => {
            let mut o = options(log, quiet)?;
            o.output = Output::Summaries;
            o
        }
    })
}

fn main() -> ExitCode {
    // A batch job that owns its process: the kernel memory hints are worth having.
    customer_value::summary::set_kernel_memory_hints(true);
    // clap exits with status 2 (and its message) on bad arguments.
    let cli = Cli::parse();
    let to_file = matches!(&cli.command, Command::Fit(FitArgs { output: Some(_), .. }));
    let options = match parse(cli) {
        Ok(o) => o,
        Err(msg) => {
            eprintln!("customer-value: {msg}");
            return ExitCode::from(2);
        }
    };
    match report::run(&options) {
        Ok(()) => {
            if to_file && options.progress {
                eprintln!(
                    "customer-value: wrote {}",
                    options.save_model.as_deref().unwrap_or("")
                );
            }
            ExitCode::SUCCESS
        }
        Err(e) if report::is_broken_pipe(e.as_ref()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("customer-value: {e}");
            ExitCode::FAILURE
        }
    }
}

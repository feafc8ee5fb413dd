//! The main job, shared by the `clv_report` example and the `customer-value report`
//! command: a transaction log in, a customer-value report out (text, JSON or the
//! per-customer CSV). Both programs parse their own arguments into [`Options`] and call
//! [`run`]; the flags and JSON fields are the contract in README.md.
//!
//! Files: `models.rs` fits, loads and saves the models and scores the customers;
//! `text.rs` writes the text report; `json.rs` the JSON document.

mod covariates;
mod intervals;
mod json;
mod models;
#[cfg(feature = "plot")]
mod plots;
mod summaries;
mod text;
mod time_varying;

use std::hash::Hash;
use std::io::Write;

use chrono::NaiveDate;
use customer_value::btyd::DiscountRate;
use customer_value::io::CsvOptions;
use customer_value::{PurchaseDate, Summaries, SummarySpec, TimeUnit, TransactionColumns, TransactionLog};
use serde::Serialize;

// The parsers use these; the `report` bench, which includes this module, does not.
#[allow(unused_imports)]
pub use covariates::{CovariateArgs, check as check_covariates, lambdas, names};
pub use intervals::IntervalOptions;
use json::write_json;
use models::{model_file, models, predict};
use text::{churn_summary, text_report, tracking};

/// The bundled CDNOW sample, read when no file is named.
pub const BUNDLED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/cdnow_sample_transactions.csv");

/// The message of `--plots` in a build without the feature `plot` (exit status 2).
pub const PLOTS_NEED_FEATURE: &str = "--plots needs the feature `plot`: build with `--features plot` \
     (e.g. `cargo run --features plot --example clv_report -- --plots DIR`)";

/// Any error of a run (its message is printed as is).
pub type AnyError = Box<dyn std::error::Error>;

/// What a run writes to standard output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    /// The text report.
    Text,
    /// The JSON document (`--json`).
    Json,
    /// The per-customer value table as CSV (`--csv`, `score`).
    Csv,
    /// The per-customer value table as JSON Lines (`score --format jsonl`).
    JsonLines,
    /// The per-customer summaries as CSV (`summarise`).
    Summaries,
    /// The fitted models as a model file (`fit`).
    ModelFile,
}

/// The purchase models the report can fit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ModelChoice {
    BetaGeometric,
    Pareto,
    ModifiedBetaGeometric,
    /// GGom/NBD (`--model ggomnbd`).
    GammaGompertz,
}

/// Parsed command line.
#[derive(Debug)]
pub struct Options {
    pub transactions: Option<String>,
    pub calibration_end: Option<NaiveDate>,
    pub observation_end: Option<NaiveDate>,
    pub unit: TimeUnit,
    pub output: Output,
    pub progress: bool,
    pub model: ModelChoice,
    pub horizon: Option<f64>,
    pub discount_rate: f64,
    pub margin: f64,
    /// `--currency CODE`: the unit of the amount column, printed beside every money figure
    /// (`None`: the text says the amounts are in the amount column's unit).
    pub currency: Option<String>,
    /// `--fold-case-ids`: customer ids compared in lower case (`Ana@X.com` is `ana@x.com`);
    /// fields are already trimmed by the reader.
    pub fold_case_ids: bool,
    /// Customer ids of the log that differ from another only in letter case, counted by
    /// [`run_to`] after reading (before `--fold-case-ids` merges them).
    pub case_variants: std::sync::OnceLock<CaseVariants>,
    pub read: CsvOptions,
    pub save_model: Option<String>,
    pub load_model: Option<String>,
    /// `--plots DIR` (feature `plot`): write the charts there as SVG.
    pub plots: Option<String>,
    /// `--intervals LEVEL` with `--interval-method`.
    pub intervals: Option<IntervalOptions>,
    /// `--bayes`: fit the purchase model by NUTS (feature `bayes`).
    pub bayes: bool,
    /// `--chains` of `--bayes`.
    pub chains: usize,
    /// `--tune` of `--bayes`.
    pub tune: usize,
    /// `--draws`: parameter draws, bootstrap replicates or posterior draws per chain.
    pub draws: Option<usize>,
    /// `--seed` of the random draws.
    pub seed: u64,
    /// `--covariates FILE.csv` with its column choices and fit settings.
    pub covariates: Option<CovariateArgs>,
}

impl Options {
    /// The defaults of every flag: the bundled sample (or `transactions`), weeks, BG/NBD,
    /// one year, 10 % a year, the whole spend, the text report.
    pub fn new(transactions: Option<String>) -> Self {
        Options {
            transactions,
            calibration_end: None,
            observation_end: None,
            unit: TimeUnit::WEEK,
            output: Output::Text,
            progress: false,
            model: ModelChoice::BetaGeometric,
            horizon: None,
            discount_rate: 0.10,
            margin: 1.0,
            currency: None,
            fold_case_ids: false,
            case_variants: std::sync::OnceLock::new(),
            read: CsvOptions::default(),
            save_model: None,
            load_model: None,
            plots: None,
            intervals: None,
            bayes: false,
            chains: 4,
            tune: 1000,
            draws: None,
            seed: 0,
            covariates: None,
        }
    }

    /// The CLV horizon in units (default one year).
    pub fn horizon(&self) -> f64 {
        self.horizon.unwrap_or(if self.unit == TimeUnit::WEEK {
            52.0
        } else if self.unit == TimeUnit::MONTH {
            12.0
        } else {
            365.0
        })
    }

    /// The unit's name in the text report.
    pub fn unit_name(&self) -> &'static str {
        if self.unit == TimeUnit::WEEK {
            "weeks"
        } else if self.unit == TimeUnit::MONTH {
            "months"
        } else {
            "days"
        }
    }
}

/// Customer ids that differ from another id of the log only in letter case
/// (`Ana@Example.com` beside `ana@example.com`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseVariants {
    /// Distinct ids less distinct lower-cased ids: the customers `--fold-case-ids` merges.
    pub merged: u64,
    /// One id that has a variant, for the message.
    pub example: Option<String>,
}

impl Options {
    /// The currency of the amounts for the text report: ` USD` after a figure with
    /// `--currency USD`, nothing without.
    pub fn money_suffix(&self) -> String {
        self.currency.as_ref().map_or(String::new(), |c| format!(" {c}"))
    }
}

/// A `--model` name: `bgnbd`, `pnbd`, `mbgnbd`, `ggomnbd`, or the hyphenated spellings
/// `bg-nbd`, `pareto-nbd` (also `pareto`, `p-nbd`), `mbg-nbd`, `ggom-nbd`.
#[allow(
    dead_code,
    reason = "the example's parser; the command's clap enum has the same aliases"
)]
pub fn model_choice(name: &str) -> Option<ModelChoice> {
    Some(match name {
        "bgnbd" | "bg-nbd" => ModelChoice::BetaGeometric,
        "pnbd" | "pareto-nbd" | "paretonbd" | "pareto" | "p-nbd" => ModelChoice::Pareto,
        "mbgnbd" | "mbg-nbd" => ModelChoice::ModifiedBetaGeometric,
        "ggomnbd" | "ggom-nbd" => ModelChoice::GammaGompertz,
        _ => return None,
    })
}

/// A `--currency` code: three ASCII letters (ISO 4217, e.g. `USD`, `eur`), upper-cased.
pub fn currency(code: &str) -> Result<String, String> {
    let c = code.trim();
    if c.len() == 3 && c.bytes().all(|b| b.is_ascii_alphabetic()) {
        Ok(c.to_ascii_uppercase())
    } else {
        Err(format!(
            "--currency: `{code}` is not a currency code (three letters, ISO 4217: USD, EUR, …)"
        ))
    }
}

/// Counts the ids of `customers` that differ from another only in letter case.
fn case_variants(customers: &[String]) -> CaseVariants {
    let mut distinct: std::collections::HashSet<&str, foldhash::fast::RandomState> =
        std::collections::HashSet::default();
    for c in customers {
        distinct.insert(c.as_str());
    }
    let mut lower: std::collections::HashMap<String, &str, foldhash::fast::RandomState> =
        std::collections::HashMap::default();
    let mut example = None;
    for &c in &distinct {
        if let Some(other) = lower.insert(c.to_lowercase(), c) {
            if example.is_none() {
                example = Some(format!("`{other}` and `{c}`"));
            }
        }
    }
    CaseVariants {
        merged: (distinct.len() - lower.len()) as u64,
        example,
    }
}

/// The log with every customer id in lower case (`--fold-case-ids`).
fn fold_case(log: &TransactionLog<String>) -> TransactionLog<String> {
    let mut folded = TransactionLog::with_capacity(log.len());
    for (c, d, a) in log.columns().iter() {
        folded.push(c.to_lowercase(), *d, *a);
    }
    folded
}

/// The default observation end: the last purchase (a row whose amount is not negative).
/// Returns dated after it do not extend the window (they are counted as rows after the
/// end); a log of returns only ends on its last row.
fn last_purchase_date<K, D: PurchaseDate + Copy>(log: TransactionColumns<'_, K, D>) -> Option<D> {
    let is_return = |a: &rust_decimal::Decimal| a.is_sign_negative() && !a.is_zero();
    let dates = log.dates().iter().zip(log.amounts());
    dates
        .clone()
        .filter(|(_, a)| !is_return(a))
        .map(|(d, _)| *d)
        .max_by_key(|d| d.day_number())
        .or_else(|| dates.map(|(d, _)| *d).max_by_key(|d| d.day_number()))
}

/// The checks the two parsers share: `--bayes` needs its feature, `--intervals` fitted
/// models, the interval level must be in (0, 1).
pub fn check_uncertainty(o: &Options) -> Result<(), String> {
    if o.bayes && !cfg!(feature = "bayes") {
        return Err("--bayes needs the `bayes` feature (e.g. cargo run --example clv_report --features bayes -- --bayes)".to_owned());
    }
    if let Some(iv) = &o.intervals {
        if !(iv.level > 0.0 && iv.level < 1.0) {
            return Err(format!(
                "--intervals: {} is not strictly between 0 and 1",
                iv.level
            ));
        }
        if o.load_model.is_some() {
            return Err("--intervals needs models fitted on the data (not --load-model)".to_owned());
        }
    }
    if o.chains == 0 || o.chains > 64 {
        return Err("--chains must be between 1 and 64".to_owned());
    }
    if o.draws == Some(0) || (o.bayes && o.draws.is_some_and(|d| d < 4)) {
        return Err("--draws must be at least 1 (4 with --bayes)".to_owned());
    }
    Ok(())
}

/// An annual discount rate.
pub fn annual(rate: f64) -> Result<DiscountRate, String> {
    let year = TimeUnit::from_days(365.0).map_err(|e| e.to_string())?;
    DiscountRate::new(rate, year).map_err(|e| format!("--discount-rate: {e}"))
}

/// A reader that stopped reading (`| head`) is not a failure of the report.
pub fn is_broken_pipe(e: &(dyn std::error::Error + 'static)) -> bool {
    let kind = e
        .downcast_ref::<std::io::Error>()
        .map(std::io::Error::kind)
        .or_else(|| {
            e.downcast_ref::<customer_value::Error>().and_then(|e| match e {
                customer_value::Error::Io(io) => Some(io.kind()),
                _ => None,
            })
        })
        .or_else(|| {
            e.downcast_ref::<serde_json::Error>()
                .and_then(serde_json::Error::io_error_kind)
        });
    kind == Some(std::io::ErrorKind::BrokenPipe)
}

/// The log in `text` with keys of type `K`.
fn read_as<K: std::str::FromStr + Send>(
    o: &Options,
    text: &[u8],
) -> customer_value::Result<TransactionLog<K>> {
    // With `parallel`, parsed on all cores (same log, same errors).
    #[cfg(feature = "parallel")]
    let log = customer_value::io::read_transactions_csv_parallel_with::<K>(text, &o.read);
    #[cfg(not(feature = "parallel"))]
    let log = customer_value::io::read_transactions_csv_with::<K, _>(text, &o.read);
    log
}

/// The reader's message with the command-line flags in place of the library setters it
/// names (`CsvOptions::customer_column` is `--customer-column` to a user of the report).
fn with_flag_names(message: &str) -> String {
    [
        ("CsvOptions::customer_column", "--customer-column"),
        ("CsvOptions::date_column", "--date-column"),
        ("CsvOptions::amount_column", "--amount-column"),
        ("CsvOptions::without_amount", "--no-amount"),
    ]
    .iter()
    .fold(message.to_owned(), |m, (from, to)| m.replace(from, to))
}

/// Runs the report of `o`, writing it to standard output.
///
/// # Errors
///
/// A message naming the file (and line) for bad data or a failed write.
pub fn run(o: &Options) -> Result<(), AnyError> {
    run_to(o, &mut std::io::stdout().lock())
}

/// [`run`], writing to `out`.
///
/// # Errors
///
/// As [`run`].
pub fn run_to(o: &Options, out: &mut dyn Write) -> Result<(), AnyError> {
    let path = o.transactions.as_deref().unwrap_or(BUNDLED);
    let text = std::fs::read(path).map_err(|e| format!("{path}: {e}"))?;
    // Numeric ids (as in CDNOW) sort and print as numbers, and cost no allocation per row;
    // anything else is text. A log that fails as numbers is read again as text, whose
    // error (if any) is the one reported.
    match read_as::<u64>(o, &text) {
        Ok(log) => {
            drop(text);
            summarise_and_report(o, path, &log, out)
        }
        Err(_) => {
            let log = read_as::<String>(o, &text)
                .map_err(|e| format!("{path}: {}", with_flag_names(&e.to_string())))?;
            drop(text);
            let variants = case_variants(log.columns().customers());
            let fold = o.fold_case_ids && variants.merged > 0;
            let _ = o.case_variants.set(variants);
            if fold {
                let log = fold_case(&log);
                summarise_and_report(o, path, &log, out)
            } else {
                summarise_and_report(o, path, &log, out)
            }
        }
    }
}

fn summarise_and_report<K>(
    o: &Options,
    path: &str,
    log: &TransactionLog<K>,
    out: &mut dyn Write,
) -> Result<(), AnyError>
where
    K: std::fmt::Debug + std::fmt::Display + Serialize + Eq + Hash + Ord + Clone + Send + Sync + 'static,
{
    if o.progress {
        eprintln!("customer-value: read {} rows from {path}", log.len());
    }
    let last_date = last_purchase_date(log.columns());
    let observation_end = o
        .observation_end
        .or(last_date)
        .ok_or_else(|| format!("{path}: no transactions"))?;
    let mut spec = SummarySpec::new(observation_end).with_unit(o.unit);
    if let Some(cal) = o.calibration_end {
        spec = spec.with_calibration_end(cal);
    }
    #[cfg(feature = "parallel")]
    let s = customer_value::summarise_columns_parallel(spec, log.columns());
    #[cfg(not(feature = "parallel"))]
    let s = customer_value::summarise_columns(spec, log.columns());
    let s = s.map_err(|e| format!("{path}: {e}"))?;
    progress_summaries(o, &s);
    report(o, path, log.columns(), &s, out)
}

fn progress_summaries<K>(o: &Options, s: &Summaries<K>) {
    if o.progress {
        eprintln!("customer-value: summarised {} customers", s.customers.len());
    }
}

fn report<K, D>(
    o: &Options,
    path: &str,
    log: TransactionColumns<'_, K, D>,
    s: &Summaries<K>,
    mut stdout: &mut dyn Write,
) -> Result<(), AnyError>
where
    K: std::fmt::Debug + std::fmt::Display + Serialize + Eq + Hash + Ord + Clone + 'static,
    D: PurchaseDate,
{
    if o.output == Output::Summaries {
        return summaries::write_csv(s, &mut stdout);
    }
    let models = models(o, s, log)?;
    if o.progress {
        if let Ok(m) = &models.purchase {
            match m.iterations {
                Some(n) => eprintln!(
                    "customer-value: purchase model {} fitted in {n} iterations",
                    m.model.name()
                ),
                None => eprintln!("customer-value: purchase model {} ready", m.model.name()),
            }
        }
    }
    if o.output == Output::ModelFile {
        // With a file named (`fit -o`), `models` has written it.
        if o.save_model.is_none() {
            let file = model_file(&models).map_err(|e| format!("no model to write: {e}"))?;
            stdout.write_all((serde_json::to_string_pretty(&file)? + "\n").as_bytes())?;
        }
        return Ok(());
    }
    let predictions = predict(o, s, &models)?;
    #[cfg(feature = "plot")]
    if let Some(dir) = &o.plots {
        let (written, skipped) = plots::write_plots(o, dir, s, log, &models, predictions.as_ref())?;
        eprintln!("customer-value: wrote {} charts to {dir}", written.len());
        for (name, why) in skipped {
            eprintln!("customer-value: {name} not written: {why}");
        }
    }
    match o.output {
        Output::Csv | Output::JsonLines => {
            let p = predictions.as_ref().map_err(|e| format!("no model: {e}"))?;
            if o.output == Output::Csv {
                p.table.write_csv(stdout)?;
            } else {
                p.table.write_json_lines(stdout)?;
            }
        }
        Output::Json => {
            let spend = models.spend.as_ref().ok().map(|(g, _)| g);
            let draws = models.purchase.as_ref().ok().and_then(|p| p.draws.as_ref());
            let bounds = match (&predictions, o.load_model.is_some()) {
                (Ok(_), false) => intervals::intervals(o, s, models.purchase.as_ref().ok(), spend, draws)?,
                _ => None,
            };
            write_json(o, s, &models, predictions.as_ref(), bounds.as_ref(), stdout)?
        }
        _ => {
            // Tracking needs each customer's unconditional expectation along their
            // covariate path: not there yet for time-varying covariates.
            let tracked = predictions
                .as_ref()
                .ok()
                .filter(|p| p.purchase.time_varying.is_none())
                .map(|p| {
                    tracking(
                        s,
                        log,
                        p.purchase.model.as_ref(),
                        p.purchase.covariates.as_ref().map(|(g, _)| g),
                        if o.unit == TimeUnit::WEEK { 4.0 } else { 28.0 },
                    )
                });
            let mut text = text_report(o, path, s, &models, &predictions, tracked)?;
            text.push_str(&churn_summary(
                s,
                log,
                predictions.as_ref().ok(),
                &o.money_suffix(),
            )?);
            stdout.write_all(text.as_bytes())?;
        }
    }
    Ok(())
}

//! The crate's main job, end to end: a transaction log in, a customer-value report out.
//!
//! ```text
//! cargo run --example clv_report                       # the bundled CDNOW sample
//! cargo run --example clv_report -- --json             # the same, as one JSON object
//! cargo run --example clv_report -- --model pnbd --horizon 104 --discount-rate 0.08
//! cargo run --example clv_report -- --transactions my.csv --calibration-end 2024-06-30 \
//!     --observation-end 2024-12-31 --unit day
//! cargo run --example clv_report -- --transactions orders.csv --customer-column email \
//!     --date-column created_at --amount-column total --time-zone +01:00 --save-model m.json
//! ```
//!
//! Steps: read the CSV → calibration/holdout summaries → fit (or load) a purchase model
//! (BG/NBD, Pareto/NBD or MBG/NBD) and the Gamma-Gamma spend model on the calibration
//! period → the per-customer value table of `customer_value::score` (P(alive), expected
//! purchases, expected spend, CLV, flags for what could not be computed) → holdout
//! accuracy, tracking of cumulative repeat purchases, churn, Pareto and RFM segments.
//!
//! The flags and the JSON fields are a public contract, documented in README.md
//! ("The `clv_report` example"): tools outside the repository read them. Add fields; never
//! rename or remove one.

use std::collections::{BTreeSet, HashMap};
use std::hash::Hash;
use std::io::Write;
use std::process::ExitCode;

use chrono::NaiveDate;
use customer_value::btyd::{
    AnySavedModel, BgNbd, Boundary, DiscountRate, FitOptions, FitReport, GammaGamma, HoldoutEvaluation,
    MbgNbd, ParetoNbd, SavedForm, SpendSummaries, TransactionModel, WeightedSummaries, births_from_ages,
    cumulative_expected_repeat_transactions,
};
use customer_value::churn::{CohortPeriod, lapse_report, rank_at_risk};
use customer_value::io::{CalendarZone, CsvOptions};
use customer_value::score::{ScoreSpec, ScoreTable, score};
use customer_value::segment::segment_overview;
use customer_value::{
    PurchaseDate, Summaries, SummarySpec, TimeUnit, TransactionColumns, TransactionLog, money,
    summarise_columns,
};
use serde::Serialize;
use serde_json::{Map, Value, json};

/// Appends one formatted line to a `String` (the report is written in one go, so a closed
/// pipe is an error to report, not a panic).
macro_rules! out {
    ($t:expr, $($arg:tt)*) => {{
        $t.push_str(&format!($($arg)*));
        $t.push('\n');
    }};
}

const BUNDLED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/cdnow_sample_transactions.csv");
const USAGE: &str = "usage: clv_report [--transactions FILE.csv] [--calibration-end YYYY-MM-DD]
                  [--observation-end YYYY-MM-DD] [--unit day|week] [--json | --csv]
                  [--model bgnbd|pnbd|mbgnbd] [--horizon N] [--discount-rate R] [--margin F]
                  [--customer-column NAME] [--date-column NAME]
                  [--amount-column NAME | --no-amount] [--date-format FMT] [--time-zone TZ]
                  [--save-model FILE] [--load-model FILE]

With no --transactions, runs on the bundled CDNOW sample (calibration end 1997-09-30,
observation end 1998-06-30, weeks). The CSV needs a header naming the customer, date and
amount columns (customer_id, date, amount unless set with the --*-column flags).
Without --observation-end, observation ends on the last date in the file; without
--calibration-end, there is no holdout (holdout fields are null in JSON).
--horizon: CLV horizon in units (default one year: 52 weeks or 365 days);
--discount-rate: annual rate (default 0.10); --margin: fraction of spend kept (default 1).
--no-amount: the file has no amount column (purchase counts only: no spend model, no CLV).
--date-format: a strftime format for the date column (default: YYYY-MM-DD, YYYYMMDD,
  date-times with optional fraction and offset, RFC 3339).
--time-zone: UTC (default), a fixed offset (+05:30) or an IANA name (feature tz): instants
  are placed on that zone's calendar day.
--save-model FILE: write the fitted purchase and spend models (tagged JSON);
--load-model FILE: score with saved models instead of fitting (converted exactly to --unit).
--csv: the per-customer value table as CSV on stdout.";

/// The purchase models the report can fit.
#[derive(Debug, Clone, Copy, PartialEq)]
enum ModelChoice {
    BetaGeometric,
    Pareto,
    ModifiedBetaGeometric,
}

/// Parsed command line.
#[derive(Debug)]
struct Options {
    transactions: Option<String>,
    calibration_end: Option<NaiveDate>,
    observation_end: Option<NaiveDate>,
    unit: TimeUnit,
    json: bool,
    csv: bool,
    model: ModelChoice,
    horizon: Option<f64>,
    discount_rate: f64,
    margin: f64,
    read: CsvOptions,
    save_model: Option<String>,
    load_model: Option<String>,
}

impl Options {
    fn horizon(&self) -> f64 {
        self.horizon
            .unwrap_or(if self.unit == TimeUnit::WEEK { 52.0 } else { 365.0 })
    }

    fn unit_name(&self) -> &'static str {
        if self.unit == TimeUnit::WEEK {
            "weeks"
        } else {
            "days"
        }
    }
}

fn parse_args(args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut o = Options {
        transactions: None,
        calibration_end: None,
        observation_end: None,
        unit: TimeUnit::WEEK,
        json: false,
        csv: false,
        model: ModelChoice::BetaGeometric,
        horizon: None,
        discount_rate: 0.10,
        margin: 1.0,
        read: CsvOptions::default(),
        save_model: None,
        load_model: None,
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
            "--csv" => o.csv = true,
            "--model" => {
                o.model = match value()?.as_str() {
                    "bgnbd" => ModelChoice::BetaGeometric,
                    "pnbd" => ModelChoice::Pareto,
                    "mbgnbd" => ModelChoice::ModifiedBetaGeometric,
                    other => return Err(format!("--model must be bgnbd, pnbd or mbgnbd, not `{other}`")),
                }
            }
            "--horizon" => o.horizon = Some(parse_number(&flag, &value()?, |v| v > 0.0)?),
            "--discount-rate" => o.discount_rate = parse_number(&flag, &value()?, |v| v >= 0.0)?,
            "--margin" => o.margin = parse_number(&flag, &value()?, |_| true)?,
            "--customer-column" => o.read = o.read.clone().customer_column(value()?),
            "--date-column" => o.read = o.read.clone().date_column(value()?),
            "--amount-column" => o.read = o.read.clone().amount_column(value()?),
            "--no-amount" => o.read = o.read.clone().without_amount(),
            "--date-format" => {
                o.read = o
                    .read
                    .clone()
                    .date_format(&value()?)
                    .map_err(|e| format!("--date-format: {e}"))?;
            }
            "--time-zone" => {
                let zone: CalendarZone = value()?.parse().map_err(|e| format!("--time-zone: {e}"))?;
                o.read = o.read.clone().time_zone(zone);
            }
            "--save-model" => o.save_model = Some(value()?),
            "--load-model" => o.load_model = Some(value()?),
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    if o.json && o.csv {
        return Err("--json and --csv are two outputs: choose one".to_owned());
    }
    // The horizon and discounting must make a valid spec (no 1e12-step grid).
    ScoreSpec::new(o.unit, o.horizon(), annual(o.discount_rate)?).map_err(|e| format!("--horizon: {e}"))?;
    if o.transactions.is_none() {
        o.calibration_end = o.calibration_end.or(NaiveDate::from_ymd_opt(1997, 9, 30));
        o.observation_end = o.observation_end.or(NaiveDate::from_ymd_opt(1998, 6, 30));
    }
    Ok(o)
}

fn annual(rate: f64) -> Result<DiscountRate, String> {
    let year = TimeUnit::from_days(365.0).map_err(|e| e.to_string())?;
    DiscountRate::new(rate, year).map_err(|e| format!("--discount-rate: {e}"))
}

fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| format!("`{s}` is not a date YYYY-MM-DD"))
}

fn parse_number(flag: &str, s: &str, ok: impl Fn(f64) -> bool) -> Result<f64, String> {
    s.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && ok(*v))
        .ok_or_else(|| format!("{flag}: `{s}` is not a valid number here"))
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

type AnyError = Box<dyn std::error::Error>;

/// Rows of the tracking table: time, expected and actual cumulative repeat purchases.
type Tracking = Vec<(f64, f64, u64)>;

fn read_log(o: &Options, path: &str) -> Result<TransactionLog<String>, AnyError> {
    // With `parallel`, the file is read whole and parsed on all cores (same log, same errors).
    #[cfg(feature = "parallel")]
    let log = {
        let text = std::fs::read(path).map_err(|e| format!("{path}: {e}"))?;
        customer_value::io::read_transactions_csv_parallel_with::<String>(&text, &o.read)
            .map_err(|e| format!("{path}: {e}"))?
    };
    #[cfg(not(feature = "parallel"))]
    let log = {
        let file = std::fs::File::open(path).map_err(|e| format!("{path}: {e}"))?;
        customer_value::io::read_transactions_csv_with::<String, _>(std::io::BufReader::new(file), &o.read)
            .map_err(|e| format!("{path}: {e}"))?
    };
    Ok(log)
}

fn run(o: &Options) -> Result<(), AnyError> {
    let path = o.transactions.as_deref().unwrap_or(BUNDLED);
    let log = read_log(o, path)?;
    let last_date = log.columns().dates().iter().max().copied();
    let observation_end = o
        .observation_end
        .or(last_date)
        .ok_or_else(|| format!("{path}: no transactions"))?;
    let mut spec = SummarySpec::new(observation_end).with_unit(o.unit);
    if let Some(cal) = o.calibration_end {
        spec = spec.with_calibration_end(cal);
    }
    let summarise_err = |e: customer_value::Error| format!("{path}: {e}");

    // Numeric ids (as in CDNOW) sort and print as numbers; anything else as text.
    let numeric: Option<Vec<u64>> = log.columns().customers().iter().map(|c| c.parse().ok()).collect();
    match numeric {
        Some(ids) => {
            let cols = log.columns();
            let view = TransactionColumns::new(&ids, cols.dates(), cols.amounts())?;
            let s = summarise_columns(spec, view).map_err(summarise_err)?;
            report(o, path, view, &s)
        }
        None => {
            let s = summarise_columns(spec, log.columns()).map_err(summarise_err)?;
            report(o, path, log.columns(), &s)
        }
    }
}

/// A purchase model (fitted or loaded) with what the report prints of it.
struct PurchaseModel {
    model: Box<dyn TransactionModel>,
    /// The saved form (of the fit, or as loaded).
    saved: Value,
    names: Vec<String>,
    estimates: Vec<f64>,
    standard_errors: Option<Vec<f64>>,
    log_likelihood: Option<f64>,
    iterations: Option<usize>,
    boundary: Vec<Boundary>,
}

impl PurchaseModel {
    fn from_fit<M>(r: FitReport<M>) -> Result<Self, AnyError>
    where
        M: TransactionModel + SavedForm + 'static,
        M::Params: Serialize,
    {
        Ok(PurchaseModel {
            saved: serde_json::to_value(r.to_saved())?,
            names: r.parameter_names.clone(),
            estimates: r.estimates.clone(),
            standard_errors: r.standard_errors.clone(),
            log_likelihood: Some(r.log_likelihood),
            iterations: Some(r.iterations),
            boundary: r.boundary.clone(),
            model: Box::new(r.model),
        })
    }

    /// A loaded purchase model, re-expressed exactly in `unit`.
    fn from_saved(saved: &AnySavedModel, unit: TimeUnit, file: &str) -> Result<Self, AnyError> {
        let in_unit = |u: Option<TimeUnit>| -> Result<TimeUnit, AnyError> {
            u.ok_or_else(|| {
                format!("{file}: the saved purchase model has no time unit (unit_days null)").into()
            })
        };
        let mismatch = |from: TimeUnit| -> AnyError {
            format!(
                "{file}: the saved model is in units of {} days and cannot be converted to --unit ({} days)",
                from.days(),
                unit.days()
            )
            .into()
        };
        let model: Box<dyn TransactionModel> = match saved {
            AnySavedModel::BgNbd(s) => {
                let m = BgNbd::from_saved(s)?;
                in_unit(m.unit())?;
                Box::new(m.in_unit(unit)?)
            }
            AnySavedModel::ParetoNbd(s) => {
                let m = ParetoNbd::from_saved(s)?;
                in_unit(m.unit())?;
                Box::new(m.in_unit(unit)?)
            }
            AnySavedModel::MbgNbd(s) => {
                let m = MbgNbd::from_saved(s)?;
                in_unit(m.unit())?;
                Box::new(m.in_unit(unit)?)
            }
            other => {
                let m = other.transaction_model()?;
                let from = in_unit(m.unit())?;
                if from != unit {
                    return Err(mismatch(from));
                }
                m
            }
        };
        let value = serde_json::to_value(saved)?;
        let se = value.get("standard_errors").and_then(Value::as_object).cloned();
        let (names, estimates): (Vec<String>, Vec<f64>) = model
            .parameters()
            .into_iter()
            .map(|(n, v)| (n.to_owned(), v))
            .unzip();
        // Standard errors are the fit's, in the saved unit: shown only when no conversion
        // changed the parameters.
        let standard_errors = se
            .filter(|_| model.unit().map(TimeUnit::days) == value.get("unit_days").and_then(Value::as_f64))
            .map(|se| {
                names
                    .iter()
                    .map(|n| se.get(n).and_then(Value::as_f64).unwrap_or(f64::NAN))
                    .collect()
            });
        Ok(PurchaseModel {
            saved: value.clone(),
            names,
            estimates,
            standard_errors,
            log_likelihood: value.get("log_likelihood").and_then(Value::as_f64),
            iterations: None,
            boundary: saved.boundary().to_vec(),
            model,
        })
    }
}

/// The models of a run, and what went wrong with them.
struct Models {
    purchase: Result<PurchaseModel, String>,
    spend: Result<(GammaGamma, Value), String>,
    /// Repeat customers left out of the spend fit for a mean repeat spend ≤ 0.
    spend_excluded: usize,
}

/// Fits the models on the calibration summaries, or loads them from `--load-model`.
fn models<K: Clone + Ord>(o: &Options, s: &Summaries<K>) -> Result<Models, AnyError> {
    if let Some(file) = &o.load_model {
        let text = std::fs::read_to_string(file).map_err(|e| format!("{file}: {e}"))?;
        let value: Value = serde_json::from_str(&text).map_err(|e| format!("{file}: {e}"))?;
        // A model file of the report (both models), or one saved model.
        let (purchase, spend) = match (value.get("purchase_model"), value.get("spend_model")) {
            (Some(p), s) => (p.clone(), s.cloned().filter(|s| !s.is_null())),
            (None, _) => (value, None),
        };
        let purchase = AnySavedModel::from_json(&purchase.to_string()).map_err(|e| format!("{file}: {e}"))?;
        let purchase = PurchaseModel::from_saved(&purchase, o.unit, file)?;
        let spend = match spend {
            Some(v) => {
                let saved = AnySavedModel::from_json(&v.to_string()).map_err(|e| format!("{file}: {e}"))?;
                Ok((saved.spend_model().map_err(|e| format!("{file}: {e}"))?, v))
            }
            None => Err(format!("{file} holds no spend model")),
        };
        return Ok(Models {
            purchase: Ok(purchase),
            spend,
            spend_excluded: 0,
        });
    }
    let cols = s.columns();
    let options = FitOptions::default();
    let purchase = WeightedSummaries::from_columns(&cols)
        .map_err(|e| e.to_string())
        .and_then(|data| {
            let fitted = match o.model {
                ModelChoice::BetaGeometric => BgNbd::fit(&data, &options).map(PurchaseModel::from_fit),
                ModelChoice::Pareto => ParetoNbd::fit(&data, &options).map(PurchaseModel::from_fit),
                ModelChoice::ModifiedBetaGeometric => {
                    MbgNbd::fit(&data, &options).map(PurchaseModel::from_fit)
                }
            };
            match fitted {
                Ok(Ok(m)) => Ok(m),
                Ok(Err(e)) => Err(e.to_string()),
                Err(e) => Err(e.to_string()),
            }
        });
    let (spend, spend_excluded) = if o.read.has_amount() {
        match SpendSummaries::from_rows(&cols.frequency, &cols.monetary_value) {
            Ok(data) => {
                let excluded = data.excluded_without_positive_spend();
                let fit = GammaGamma::fit(&data, &options)
                    .map_err(|e| e.to_string())
                    .and_then(|r| {
                        let saved = serde_json::to_value(r.to_saved()).map_err(|e| e.to_string())?;
                        Ok((r.model, saved))
                    });
                (fit, excluded)
            }
            Err(e) => (Err(e.to_string()), 0),
        }
    } else {
        (Err("no amount column (--no-amount)".to_owned()), 0)
    };
    if let Some(file) = &o.save_model {
        let p = purchase
            .as_ref()
            .map_err(|e| format!("--save-model {file}: no purchase model to save ({e})"))?;
        let doc = json!({
            "format": 1,
            "purchase_model": p.saved,
            "spend_model": spend.as_ref().ok().map(|(_, v)| v),
        });
        std::fs::write(file, serde_json::to_string_pretty(&doc)? + "\n")
            .map_err(|e| format!("{file}: {e}"))?;
    }
    Ok(Models {
        purchase,
        spend,
        spend_excluded,
    })
}

/// Everything predicted for the report.
struct Predictions<'m, K> {
    purchase: &'m PurchaseModel,
    table: ScoreTable<K>,
    holdout: Option<HoldoutEvaluation>,
}

/// The value table of every customer, or why there is none (the purchase model failed).
fn predict<'m, K: Clone + Ord + std::fmt::Debug>(
    o: &Options,
    s: &Summaries<K>,
    m: &'m Models,
) -> Result<Result<Predictions<'m, K>, String>, AnyError> {
    let purchase = match &m.purchase {
        Ok(p) => p,
        Err(e) => return Ok(Err(e.clone())),
    };
    let spec = ScoreSpec::new(o.unit, o.horizon(), annual(o.discount_rate)?)?.with_margin(o.margin)?;
    let spend = m.spend.as_ref().ok().map(|(g, _)| g);
    let table = match score(s, purchase.model.as_ref(), spend, &spec) {
        Ok(t) => t,
        Err(e) => return Ok(Err(e.to_string())),
    };
    let holdout = holdout_evaluation(&table);
    Ok(Ok(Predictions {
        purchase,
        table,
        holdout,
    }))
}

/// Holdout accuracy over the customers with an expected holdout count.
fn holdout_evaluation<K>(t: &ScoreTable<K>) -> Option<HoldoutEvaluation> {
    let mut x = Vec::with_capacity(t.rows.len());
    let mut expected = Vec::with_capacity(t.rows.len());
    let mut actual = Vec::with_capacity(t.rows.len());
    for r in &t.rows {
        if let (Some(e), Some(a)) = (r.expected_holdout_purchases, r.holdout_purchases) {
            x.push(f64::from(r.frequency));
            expected.push(e);
            actual.push(f64::from(a));
        }
    }
    HoldoutEvaluation::new(&x, &expected, &actual, 7).ok()
}

/// Expected and actual cumulative repeat purchases of the summarised customers, every
/// `step` units from the first purchase of the base to the observation end.
fn tracking<K: Eq + Hash + Ord + Clone, D: PurchaseDate>(
    s: &Summaries<K>,
    log: TransactionColumns<'_, K, D>,
    model: &dyn TransactionModel,
    step: f64,
) -> Result<Tracking, AnyError> {
    let ages: Vec<f64> = s.customers.iter().map(|c| c.age).collect();
    let births = births_from_ages(&ages)?;
    let unit_days = s.spec.unit.days();
    let origin = s
        .customers
        .iter()
        .map(|c| c.first_purchase.day_number())
        .min()
        .unwrap_or(0);
    let end = s.spec.observation_end.day_number();
    let span = f64::from(end - origin) / unit_days;
    let times: Vec<f64> = (1..)
        .map(|k| k as f64 * step)
        .take_while(|&t| t <= span + 1e-9)
        .collect();
    let expected = cumulative_expected_repeat_transactions(model, &births, &times)?;

    // Actual: distinct purchase days after each known customer's first, by time.
    let known: HashMap<&K, i32> = s
        .customers
        .iter()
        .map(|c| (&c.customer, c.first_purchase.day_number()))
        .collect();
    let mut days: BTreeSet<(&K, i32)> = BTreeSet::new();
    for ((c, d), a) in log.customers().iter().zip(log.dates()).zip(log.amounts()) {
        let day = d.day_number();
        if let Some(&first) = known.get(c) {
            if day > first && day <= end && !a.is_sign_negative() {
                days.insert((c, day));
            }
        }
    }
    let mut offsets: Vec<f64> = days
        .iter()
        .map(|&(_, d)| f64::from(d - origin) / unit_days)
        .collect();
    offsets.sort_by(f64::total_cmp);
    Ok(times
        .iter()
        .zip(expected)
        .map(|(&t, e)| (t, e, offsets.partition_point(|&o| o < t) as u64))
        .collect())
}

fn report<K, D>(
    o: &Options,
    path: &str,
    log: TransactionColumns<'_, K, D>,
    s: &Summaries<K>,
) -> Result<(), AnyError>
where
    K: std::fmt::Debug + std::fmt::Display + Serialize + Eq + Hash + Ord + Clone,
    D: PurchaseDate,
{
    let models = models(o, s)?;
    let predictions = predict(o, s, &models)?;
    let stdout = std::io::stdout().lock();
    if o.csv {
        let p = predictions.as_ref().map_err(|e| format!("no model: {e}"))?;
        p.table.write_csv(stdout)?;
    } else if o.json {
        write_json(o, s, &models, predictions.as_ref(), stdout)?;
    } else {
        let tracked = predictions.as_ref().ok().map(|p| {
            tracking(
                s,
                log,
                p.purchase.model.as_ref(),
                if o.unit == TimeUnit::WEEK { 4.0 } else { 28.0 },
            )
        });
        let mut text = text_report(o, path, s, &models, &predictions, tracked)?;
        text.push_str(&churn_summary(s, log, predictions.as_ref().ok())?);
        let mut stdout = stdout;
        stdout.write_all(text.as_bytes())?;
    }
    Ok(())
}

/// One customer of the `--json` document (the contract in README.md).
#[derive(Serialize)]
struct CustomerJson<'a, K> {
    customer_id: &'a K,
    frequency: u32,
    recency: f64,
    #[serde(rename = "T")]
    age: f64,
    monetary_value: f64,
    frequency_holdout: Option<u32>,
    duration_holdout: Option<f64>,
    expected_purchases_holdout: Option<f64>,
    p_alive: Option<f64>,
    expected_spend: Option<f64>,
    clv: Option<f64>,
    p_alive_at_horizon: Option<f64>,
    expected_purchases: Option<f64>,
    flags: &'a [customer_value::score::ScoreFlag],
}

/// The `--json` document, streamed: the top-level fields, then one customer at a time.
fn write_json<K: Serialize>(
    o: &Options,
    s: &Summaries<K>,
    m: &Models,
    p: Result<&Predictions<'_, K>, &String>,
    out: impl Write,
) -> Result<(), AnyError> {
    let mut out = std::io::BufWriter::with_capacity(1 << 16, out);
    let model = m.purchase.as_ref().ok().map(|f| {
        let by_name = |values: &[f64]| -> Map<String, Value> {
            f.names
                .iter()
                .zip(values)
                .map(|(n, v)| (n.clone(), json!(v)))
                .collect()
        };
        json!({
            "name": f.model.name(),
            "params": by_name(&f.estimates),
            "standard_errors": f.standard_errors.as_deref().map(by_name),
            "log_likelihood": f.log_likelihood,
            "unit_days": f.model.unit().map(TimeUnit::days),
            "boundary": f.boundary,
        })
    });
    let spend_model = m.spend.as_ref().ok().map(
        |(g, _)| json!({ "name": "gamma_gamma", "params": { "p": g.p(), "q": g.q(), "gamma": g.gamma() } }),
    );
    let head = json!({
        "observation_end": s.spec.observation_end,
        "calibration_end": s.spec.calibration_end,
        "unit_days": s.spec.unit.days(),
        "summary_report": s.report,
        "model": model,
        "model_error": p.err(),
        "spend_model": spend_model,
        "spend_model_error": m.spend.as_ref().err(),
        "spend_model_excluded_customers": m.spend_excluded,
        "score_report": p.ok().map(|p| &p.table.report),
        "clv_settings": {
            "horizon": p.ok().map(|_| o.horizon()),
            "discount_rate_annual": o.discount_rate,
            "margin": o.margin,
        },
    });
    // The head object without its closing brace, then the customers array.
    let head = serde_json::to_string(&head)?;
    out.write_all(head.strip_suffix('}').unwrap_or(&head).as_bytes())?;
    out.write_all(b",\"customers\":[")?;
    let rows = p.ok().map(|p| &p.table.rows);
    for (i, c) in s.customers.iter().enumerate() {
        let row = rows.and_then(|r| r.get(i));
        let h = c.holdout.as_ref();
        let customer = CustomerJson {
            customer_id: &c.customer,
            frequency: c.frequency,
            recency: c.recency,
            age: c.age,
            monetary_value: money::to_f64(c.monetary_value),
            frequency_holdout: h.map(|h| h.frequency),
            duration_holdout: h.map(|h| h.duration),
            expected_purchases_holdout: row.and_then(|r| r.expected_holdout_purchases),
            p_alive: row.and_then(|r| r.p_alive),
            expected_spend: row.and_then(|r| r.expected_spend),
            clv: row.and_then(|r| r.clv),
            p_alive_at_horizon: row.and_then(|r| r.p_alive_at_horizon),
            expected_purchases: row.and_then(|r| r.expected_purchases),
            flags: row.map_or(&[], |r| r.flags.as_slice()),
        };
        if i > 0 {
            out.write_all(b",")?;
        }
        serde_json::to_writer(&mut out, &customer)?;
    }
    out.write_all(b"]}\n")?;
    out.flush()?;
    Ok(())
}

/// Lapsed customers at the calibration end (no purchase for 26 weeks) and the customers
/// the model says are about to leave, ranked by the CLV that would be lost.
fn churn_summary<K, D>(
    s: &Summaries<K>,
    log: TransactionColumns<'_, K, D>,
    p: Option<&Predictions<'_, K>>,
) -> Result<String, AnyError>
where
    K: std::fmt::Debug + Eq + Hash + Ord + Clone,
    D: PurchaseDate,
{
    const WINDOW_DAYS: u32 = 182;
    const THRESHOLD: f64 = 0.5;
    let mut t = String::new();
    let as_of = s.spec.summary_end();
    let lapses = lapse_report(log, WINDOW_DAYS, as_of, CohortPeriod::Month)?;
    out!(t, "");
    out!(t, "Churn at {as_of}");
    out!(
        t,
        "  lapsed (no purchase in {WINDOW_DAYS} days): {} of {} customers",
        lapses.lapsed(),
        lapses.customers.len()
    );
    if let Some(p) = p {
        // Value at risk: (1 − P(alive)) × CLV, over the customers with both.
        let (mut ids, mut alive, mut clv) = (Vec::new(), Vec::new(), Vec::new());
        for r in &p.table.rows {
            if let (Some(a), Some(v)) = (r.p_alive, r.clv) {
                ids.push(r.customer.clone());
                alive.push(a);
                clv.push(v);
            }
        }
        if !ids.is_empty() {
            let risk = rank_at_risk(&ids, &alive, &clv, THRESHOLD)?;
            out!(
                t,
                "  at risk (P(alive) < {THRESHOLD}): {} customers, CLV at risk {:.2}",
                risk.at_risk.len(),
                risk.total_value_at_risk
            );
            for c in risk.at_risk.iter().take(5) {
                out!(
                    t,
                    "    customer {:?}: P(alive) {:.3}, CLV {:.2}, at risk {:.2}",
                    c.customer,
                    c.p_alive,
                    c.value_if_alive,
                    c.value_at_risk
                );
            }
        }
    }
    Ok(t)
}

fn text_report<K: std::fmt::Debug>(
    o: &Options,
    path: &str,
    s: &Summaries<K>,
    m: &Models,
    predictions: &Result<Predictions<'_, K>, String>,
    tracked: Option<Result<Tracking, AnyError>>,
) -> Result<String, AnyError> {
    let mut t = String::new();
    let unit = o.unit_name();
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
    let repeat = c.iter().filter(|x| x.frequency > 0).count();
    let sum_x: f64 = c.iter().map(|x| f64::from(x.frequency)).sum();
    out!(t, "Calibration summary (papers' x, t_x, T; times in {unit})");
    out!(t, "  repeat purchases Σx        {sum_x:>10}");
    out!(t, "  one-time buyers (x = 0)    {:>10}", c.len() - repeat);
    out!(t, "  mean x                     {:>10.4}", sum_x / n);
    out!(
        t,
        "  mean t_x                   {:>10.4}",
        c.iter().map(|x| x.recency).sum::<f64>() / n
    );
    out!(
        t,
        "  mean T                     {:>10.4}",
        c.iter().map(|x| x.age).sum::<f64>() / n
    );
    let spend: f64 = c
        .iter()
        .filter(|x| x.frequency > 0)
        .map(|x| money::to_f64(x.monetary_value))
        .sum();
    if repeat > 0 && o.read.has_amount() {
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

    match predictions {
        Err(e) => out!(t, "(no model: {e})\n"),
        Ok(p) => {
            let f = p.purchase;
            let source = match (&o.load_model, f.iterations) {
                (Some(file), _) => format!("loaded from {file}"),
                (None, Some(i)) => format!("{i} iterations"),
                (None, None) => String::new(),
            };
            let ll = f
                .log_likelihood
                .map_or(String::new(), |l| format!("log-likelihood {l:.3}, "));
            out!(
                t,
                "Purchase model {} on the calibration period ({ll}{source})",
                f.model.name()
            );
            for (i, (name, v)) in f.names.iter().zip(&f.estimates).enumerate() {
                let se = f.standard_errors.as_ref().and_then(|s| s.get(i));
                match se {
                    Some(se) => out!(t, "  {name:>6} = {v:>10.6}   (SE {se:.6})"),
                    None => out!(t, "  {name:>6} = {v:>10.6}"),
                }
            }
            for b in &f.boundary {
                out!(
                    t,
                    "  on the boundary: {b}: those estimates are where the optimiser stopped"
                );
            }
            match &m.spend {
                Ok((g, _)) => out!(
                    t,
                    "Spend model Gamma-Gamma: p = {:.4}, q = {:.4}, gamma = {:.4}",
                    g.p(),
                    g.q(),
                    g.gamma()
                ),
                Err(e) => out!(t, "Spend model Gamma-Gamma: not fitted ({e})"),
            }
            if m.spend_excluded > 0 {
                out!(
                    t,
                    "  {} repeat customers with mean repeat spend ≤ 0 left out of the spend fit",
                    m.spend_excluded
                );
            }
            out!(t, "");
            if let Some(h) = &p.holdout {
                out!(t, "Holdout accuracy ({} customers)", h.customers);
                out!(t, "  MAE {:.4}, RMSE {:.4}", h.mae, h.rmse);
                out!(
                    t,
                    "  purchases: expected {:.1}, actual {:.0}{}",
                    h.predicted_total,
                    h.actual_total,
                    h.aggregate_error_pct
                        .map_or(String::new(), |e| format!(" ({e:+.1} %)"))
                );
                out!(
                    t,
                    "  {:>5} {:>9} {:>10} {:>8}",
                    "x",
                    "customers",
                    "expected",
                    "actual"
                );
                for b in &h.by_frequency {
                    let label = format!("{}{}", b.frequency, if b.open_ended { "+" } else { "" });
                    out!(
                        t,
                        "  {label:>5} {:>9} {:>10.4} {:>8.4}",
                        b.customers,
                        b.mean_predicted,
                        b.mean_actual
                    );
                }
                out!(t, "");
            }
            if let Some(Ok(rows)) = &tracked {
                out!(
                    t,
                    "Tracking: cumulative repeat purchases since the first purchase of the base"
                );
                out!(t, "  {:>8} {:>10} {:>8}", unit, "expected", "actual");
                for (time, e, a) in rows {
                    out!(t, "  {time:>8.0} {e:>10.1} {a:>8}");
                }
                out!(t, "");
            }
            let rows = &p.table.rows;
            let alive = rows.iter().filter(|r| r.p_alive.is_some_and(|a| a < 0.5)).count();
            out!(t, "P(alive) below 50 %: {alive} customers");
            let report = &p.table.report;
            let with_clv: Vec<(usize, f64)> = rows
                .iter()
                .enumerate()
                .filter_map(|(i, r)| r.clv.map(|v| (i, v)))
                .collect();
            if !with_clv.is_empty() {
                let total: f64 = with_clv.iter().map(|(_, v)| v).sum();
                out!(
                    t,
                    "CLV over {} {unit}, {:.0} % a year discount, margin {:.0} % of spend: total {:.2}, mean {:.2} ({} customers)",
                    o.horizon(),
                    100.0 * o.discount_rate,
                    100.0 * o.margin,
                    total,
                    total / with_clv.len() as f64,
                    with_clv.len()
                );
                let mut top = with_clv;
                top.sort_by(|a, b| b.1.total_cmp(&a.1));
                for (i, v) in top.into_iter().take(5) {
                    if let Some(cust) = c.get(i) {
                        out!(
                            t,
                            "  customer {:?}: CLV {v:.2}, P(alive) {:.3}",
                            cust.customer,
                            rows.get(i).and_then(|r| r.p_alive).unwrap_or(f64::NAN)
                        );
                    }
                }
            }
            let without = report.customers - report.with_clv;
            if without > 0 {
                out!(
                    t,
                    "No CLV for {without} customers: repeat spend ≤ 0 {}, no spend model {}, purchase model failed {}, spend model failed {}, not finite {}",
                    report.no_positive_repeat_spend,
                    report.no_spend_model,
                    report.purchase_model_failed,
                    report.spend_model_failed,
                    report.clv_failed
                );
                for e in &report.first_errors {
                    out!(t, "  first failure: {e}");
                }
                for (cust, row) in c.iter().zip(rows).filter(|(_, r)| r.clv.is_none()).take(3) {
                    let flags: Vec<String> = row.flags.iter().map(|f| format!("{f:?}")).collect();
                    out!(t, "  e.g. customer {:?}: {}", cust.customer, flags.join(", "));
                }
            }
            out!(t, "");
        }
    }

    if o.read.has_amount() {
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
    }
    Ok(t)
}

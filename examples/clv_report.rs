//! The crate's main job, end to end: a transaction log in, a customer-value report out.
//!
//! ```text
//! cargo run --example clv_report                       # the bundled CDNOW sample
//! cargo run --example clv_report -- --json             # the same, as one JSON object
//! cargo run --example clv_report -- --model pnbd --horizon 104 --discount-rate 0.08
//! cargo run --example clv_report -- --transactions my.csv --calibration-end 2024-06-30 \
//!     --observation-end 2024-12-31 --unit day
//! ```
//!
//! Steps: read the CSV → calibration/holdout summaries → fit a purchase model (BG/NBD,
//! Pareto/NBD or MBG/NBD) and the Gamma-Gamma spend model on the calibration period →
//! P(alive), expected holdout purchases, expected spend and CLV per customer → holdout
//! accuracy, tracking of cumulative repeat purchases, Pareto and RFM segments.
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
    BgNbd, ClvSpec, DiscountRate, FitOptions, FitReport, GammaGamma, HoldoutEvaluation, Margin, MbgNbd,
    ParetoNbd, SpendSummaries, SummarySlices, TransactionModel, WeightedSummaries, births_from_ages,
    clv_batch, cumulative_expected_repeat_transactions,
};
use customer_value::churn::{CohortPeriod, lapse_report, rank_at_risk};
use customer_value::segment::segment_overview;
use customer_value::{
    PurchaseDate, Summaries, SummaryColumns, SummarySpec, TimeUnit, TransactionColumns, money,
    summarise_columns,
};
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
                  [--observation-end YYYY-MM-DD] [--unit day|week] [--json]
                  [--model bgnbd|pnbd|mbgnbd] [--horizon N] [--discount-rate R] [--margin F]

With no --transactions, runs on the bundled CDNOW sample (calibration end 1997-09-30,
observation end 1998-06-30, weeks). The CSV needs a header with customer_id,date,amount.
Without --observation-end, observation ends on the last date in the file; without
--calibration-end, there is no holdout (holdout fields are null in JSON).
--horizon: CLV horizon in units (default one year: 52 weeks or 365 days);
--discount-rate: annual rate (default 0.10); --margin: fraction of spend kept (default 1).";

/// The purchase models the report can fit.
#[derive(Debug, Clone, Copy, PartialEq)]
enum ModelChoice {
    BetaGeometric,
    Pareto,
    ModifiedBetaGeometric,
}

impl ModelChoice {
    fn cli_name(self) -> &'static str {
        match self {
            ModelChoice::BetaGeometric => "bgnbd",
            ModelChoice::Pareto => "pnbd",
            ModelChoice::ModifiedBetaGeometric => "mbgnbd",
        }
    }
}

/// Parsed command line.
#[derive(Debug)]
struct Options {
    transactions: Option<String>,
    calibration_end: Option<NaiveDate>,
    observation_end: Option<NaiveDate>,
    unit: TimeUnit,
    json: bool,
    model: ModelChoice,
    horizon: Option<f64>,
    discount_rate: f64,
    margin: f64,
}

fn parse_args(args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut o = Options {
        transactions: None,
        calibration_end: None,
        observation_end: None,
        unit: TimeUnit::WEEK,
        json: false,
        model: ModelChoice::BetaGeometric,
        horizon: None,
        discount_rate: 0.10,
        margin: 1.0,
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
            e.downcast_ref::<serde_json::Error>()
                .and_then(serde_json::Error::io_error_kind)
        });
    kind == Some(std::io::ErrorKind::BrokenPipe)
}

type AnyError = Box<dyn std::error::Error>;

/// Rows of the tracking table: time, expected and actual cumulative repeat purchases.
type Tracking = Vec<(f64, f64, u64)>;

fn run(o: &Options) -> Result<(), AnyError> {
    let path = o.transactions.as_deref().unwrap_or(BUNDLED);
    // With `parallel`, the file is read whole and parsed on all cores (same log, same errors).
    #[cfg(feature = "parallel")]
    let log = {
        let text = std::fs::read(path).map_err(|e| format!("{path}: {e}"))?;
        customer_value::io::read_transactions_csv_parallel::<String>(&text)
            .map_err(|e| format!("{path}: {e}"))?
    };
    #[cfg(not(feature = "parallel"))]
    let log = {
        let file = std::fs::File::open(path).map_err(|e| format!("{path}: {e}"))?;
        customer_value::io::read_transactions_csv::<String, _>(std::io::BufReader::new(file))
            .map_err(|e| format!("{path}: {e}"))?
    };
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
            let view = TransactionColumns::new(&ids, cols.dates(), cols.amounts())?;
            report(o, path, view, &summarise_columns(spec, view)?, |id| json!(id))
        }
        None => report(
            o,
            path,
            log.columns(),
            &summarise_columns(spec, log.columns())?,
            |id| json!(id),
        ),
    }
}

/// A fitted purchase model with what the report prints of its fit.
struct FittedModel {
    model: Box<dyn TransactionModel>,
    names: Vec<String>,
    estimates: Vec<f64>,
    standard_errors: Option<Vec<f64>>,
    log_likelihood: f64,
    iterations: usize,
}

impl FittedModel {
    fn from_report<M: TransactionModel + 'static>(r: FitReport<M>) -> Self {
        FittedModel {
            names: r.parameter_names,
            estimates: r.estimates,
            standard_errors: r.standard_errors,
            log_likelihood: r.log_likelihood,
            iterations: r.iterations,
            model: Box::new(r.model),
        }
    }
}

/// Per-customer model outputs (parallel to the summaries) and the base-level evaluations.
struct Predictions {
    fitted: FittedModel,
    spend: Result<GammaGamma, String>,
    p_alive: Vec<f64>,
    expected_holdout: Option<Vec<f64>>,
    expected_spend: Option<Vec<f64>>,
    clv: Option<Vec<f64>>,
    holdout: Option<HoldoutEvaluation>,
    horizon: f64,
}

fn fit_and_predict<K: Clone>(o: &Options, cols: &SummaryColumns<K>) -> Result<Predictions, AnyError> {
    let data = WeightedSummaries::from_columns(cols)?;
    let options = FitOptions::default();
    let fitted = match o.model {
        ModelChoice::BetaGeometric => FittedModel::from_report(BgNbd::fit(&data, &options)?),
        ModelChoice::Pareto => FittedModel::from_report(ParetoNbd::fit(&data, &options)?),
        ModelChoice::ModifiedBetaGeometric => FittedModel::from_report(MbgNbd::fit(&data, &options)?),
    };
    let rows = SummarySlices::from(cols);
    let model = fitted.model.as_ref();
    let p_alive = model.probability_alive_batch(rows)?;

    // Holdout: expected purchases over each customer's holdout duration, and accuracy.
    let (expected_holdout, holdout) = match &cols.holdout {
        Some(h) => {
            let expected = cols
                .frequency
                .iter()
                .zip(&cols.recency)
                .zip(&cols.age)
                .zip(&h.duration)
                .map(|(((&x, &tx), &t), &d)| model.expected_purchases(d, x, tx, t))
                .collect::<Result<Vec<f64>, _>>()?;
            let eval = HoldoutEvaluation::new(&cols.frequency, &expected, &h.frequency, 7)?;
            (Some(expected), Some(eval))
        }
        None => (None, None),
    };

    // Spend: Gamma-Gamma on the repeat customers with positive mean spend (a customer
    // whose returns net their repeat spend to ≤ 0 is treated as having no repeat spend).
    let spend_x: Vec<f64> = cols
        .frequency
        .iter()
        .zip(&cols.monetary_value)
        .map(|(&x, &m)| if m > 0.0 { x } else { 0.0 })
        .collect();
    let spend = SpendSummaries::from_rows(&spend_x, &cols.monetary_value)
        .and_then(|s| GammaGamma::fit(&s, &options))
        .map(|r| r.model)
        .map_err(|e| e.to_string());
    let horizon = o
        .horizon
        .unwrap_or(if o.unit == TimeUnit::WEEK { 52.0 } else { 365.0 });
    let (expected_spend, clv) = match &spend {
        Ok(gg) => {
            let expected = gg.conditional_expected_spend_batch(&spend_x, &cols.monetary_value)?;
            let year = TimeUnit::from_days(365.0)?;
            let spec = ClvSpec::new(o.unit, horizon, DiscountRate::new(o.discount_rate, year)?)?;
            let margin = Margin::FractionOfSpend {
                fraction: o.margin,
                spend: gg,
            };
            let slices = SummarySlices::new(&spend_x, &cols.recency, &cols.age).unwrap_or(rows);
            let clv = clv_batch(model, margin, &spec, slices, &cols.monetary_value)?;
            (Some(expected), Some(clv))
        }
        Err(_) => (None, None),
    };
    Ok(Predictions {
        fitted,
        spend,
        p_alive,
        expected_holdout,
        expected_spend,
        clv,
        holdout,
        horizon,
    })
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
    id: impl Fn(&K) -> Value,
) -> Result<(), AnyError>
where
    K: std::fmt::Debug + Eq + Hash + Ord + Clone,
    D: PurchaseDate,
{
    let cols = s.columns();
    let predictions = fit_and_predict(o, &cols);
    if o.json {
        let mut out = std::io::stdout().lock();
        serde_json::to_writer(&mut out, &json_report(o, s, predictions.as_ref().ok(), &id))?;
        writeln!(out)?;
    } else {
        let tracked = match &predictions {
            Ok(p) => Some(tracking(
                s,
                log,
                p.fitted.model.as_ref(),
                if o.unit == TimeUnit::WEEK { 4.0 } else { 28.0 },
            )),
            Err(_) => None,
        };
        let mut text = text_report(o, path, s, &predictions, tracked)?;
        text.push_str(&churn_summary(s, log, predictions.as_ref().ok())?);
        std::io::stdout().lock().write_all(text.as_bytes())?;
    }
    Ok(())
}

/// The `--json` document: the contract in README.md.
fn json_report<K>(
    o: &Options,
    s: &Summaries<K>,
    p: Option<&Predictions>,
    id: &impl Fn(&K) -> Value,
) -> Value {
    let at = |v: Option<&Vec<f64>>, i: usize| v.and_then(|v| v.get(i)).copied();
    let customers: Vec<Value> = s
        .customers
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let h = c.holdout.as_ref();
            json!({
                "customer_id": id(&c.customer),
                "frequency": c.frequency,
                "recency": c.recency,
                "T": c.age,
                "monetary_value": money::to_f64(c.monetary_value),
                "frequency_holdout": h.map(|h| h.frequency),
                "duration_holdout": h.map(|h| h.duration),
                "expected_purchases_holdout": at(p.and_then(|p| p.expected_holdout.as_ref()), i),
                "p_alive": at(p.map(|p| &p.p_alive), i),
                "expected_spend": at(p.and_then(|p| p.expected_spend.as_ref()), i),
                "clv": at(p.and_then(|p| p.clv.as_ref()), i),
            })
        })
        .collect();
    let model = p.map(|p| {
        let f = &p.fitted;
        let by_name = |values: &[f64]| -> Map<String, Value> {
            f.names
                .iter()
                .zip(values)
                .map(|(n, v)| (n.clone(), json!(v)))
                .collect()
        };
        json!({
            "name": o.model.cli_name(),
            "params": by_name(&f.estimates),
            "standard_errors": f.standard_errors.as_deref().map(by_name),
            "log_likelihood": f.log_likelihood,
        })
    });
    let spend_model = p
        .and_then(|p| p.spend.as_ref().ok())
        .map(|g| json!({ "name": "gamma_gamma", "params": { "p": g.p(), "q": g.q(), "gamma": g.gamma() } }));
    json!({
        "observation_end": s.spec.observation_end,
        "calibration_end": s.spec.calibration_end,
        "unit_days": s.spec.unit.days(),
        "summary_report": s.report,
        "model": model,
        "spend_model": spend_model,
        "clv_settings": {
            "horizon": p.map(|p| p.horizon),
            "discount_rate_annual": o.discount_rate,
            "margin": o.margin,
        },
        "customers": customers,
    })
}

/// Lapsed customers at the calibration end (no purchase for 26 weeks) and the customers
/// the model says are about to leave, ranked by the CLV that would be lost.
fn churn_summary<K, D>(
    s: &Summaries<K>,
    log: TransactionColumns<'_, K, D>,
    p: Option<&Predictions>,
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
        if let Some(clv) = &p.clv {
            let ids: Vec<K> = s.customers.iter().map(|c| c.customer.clone()).collect();
            // Value at risk: (1 − P(alive)) × CLV, the customers worth keeping who may leave.
            let risk = rank_at_risk(&ids, &p.p_alive, clv, THRESHOLD)?;
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
    predictions: &Result<Predictions, AnyError>,
    tracked: Option<Result<Tracking, AnyError>>,
) -> Result<String, AnyError> {
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
    let sum = |f: &dyn Fn(usize) -> f64| (0..c.len()).map(f).sum::<f64>();
    let repeat = c.iter().filter(|x| x.frequency > 0).count();
    let x_of = |i: usize| c.get(i).map_or(0.0, |x| f64::from(x.frequency));
    out!(t, "Calibration summary (papers' x, t_x, T; times in {unit})");
    out!(t, "  repeat purchases Σx        {:>10}", sum(&x_of));
    out!(t, "  one-time buyers (x = 0)    {:>10}", c.len() - repeat);
    out!(t, "  mean x                     {:>10.4}", sum(&x_of) / n);
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

    match predictions {
        Err(e) => out!(t, "(no model: {e})\n"),
        Ok(p) => {
            let f = &p.fitted;
            out!(
                t,
                "Purchase model {} on the calibration period (log-likelihood {:.3}, {} iterations)",
                f.model.name(),
                f.log_likelihood,
                f.iterations
            );
            for (i, (name, v)) in f.names.iter().zip(&f.estimates).enumerate() {
                let se = f.standard_errors.as_ref().and_then(|s| s.get(i));
                match se {
                    Some(se) => out!(t, "  {name:>6} = {v:>10.6}   (SE {se:.6})"),
                    None => out!(t, "  {name:>6} = {v:>10.6}"),
                }
            }
            match &p.spend {
                Ok(g) => out!(
                    t,
                    "Spend model Gamma-Gamma: p = {:.4}, q = {:.4}, gamma = {:.4}",
                    g.p(),
                    g.q(),
                    g.gamma()
                ),
                Err(e) => out!(t, "Spend model Gamma-Gamma: not fitted ({e})"),
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
            let alive = p.p_alive.iter().filter(|&&a| a < 0.5).count();
            out!(t, "P(alive) below 50 %: {alive} customers");
            if let Some(clv) = &p.clv {
                let total: f64 = clv.iter().sum();
                out!(
                    t,
                    "CLV over {} {unit}, {:.0} % a year discount, margin {:.0} % of spend: total {:.2}, mean {:.2}",
                    p.horizon,
                    100.0 * o.discount_rate,
                    100.0 * o.margin,
                    total,
                    total / n
                );
                let mut top: Vec<(usize, f64)> = clv.iter().copied().enumerate().collect();
                top.sort_by(|a, b| b.1.total_cmp(&a.1));
                for (i, v) in top.into_iter().take(5) {
                    if let Some(cust) = c.get(i) {
                        out!(
                            t,
                            "  customer {:?}: CLV {v:.2}, P(alive) {:.3}",
                            cust.customer,
                            p.p_alive.get(i).copied().unwrap_or(f64::NAN)
                        );
                    }
                }
            }
            out!(t, "");
        }
    }

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
    Ok(t)
}

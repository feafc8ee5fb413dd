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
//! This file parses the arguments; the report itself is shared with the installable
//! command (`customer-value report`, feature `cli`) in `src/bin/customer-value/report/`.
//! The flags and the JSON fields are a public contract, documented in README.md
//! ("The `clv_report` example"): tools outside the repository read them. Add fields; never
//! rename or remove one.

#[path = "../src/bin/customer-value/report/mod.rs"]
mod report;

use std::process::ExitCode;

use chrono::NaiveDate;
use customer_value::TimeUnit;
use customer_value::btyd::uncertainty::IntervalMethod;
use customer_value::io::CalendarZone;
use customer_value::score::ScoreSpec;
use report::{IntervalOptions, Options, Output, annual};

const USAGE: &str = "usage: clv_report [--transactions FILE.csv] [--calibration-end YYYY-MM-DD]
                  [--observation-end YYYY-MM-DD] [--unit day|week|month] [--json | --csv | --jsonl]
                  [--model bgnbd|pnbd|mbgnbd|ggomnbd] [--horizon N] [--discount-rate R] [--margin F]
                  [--currency CODE] [--fold-case-ids]
                  [--customer-column NAME] [--date-column NAME]
                  [--amount-column NAME | --no-amount] [--date-format FMT] [--time-zone TZ]
                  [--save-model FILE] [--load-model FILE] [--plots DIR]
                  [--intervals LEVEL] [--interval-method delta|sampling|bootstrap]
                  [--draws N] [--seed S] [--bayes] [--chains N] [--tune N]
                  [--covariates FILE.csv | --time-varying-covariates FILE.csv]
                  [--purchase-covariates A,B] [--dropout-covariates A,B] [--constrain A]
                  [--regularise L_PURCHASE,L_DROPOUT] [--spend-covariates A,B]

With no --transactions, runs on the bundled CDNOW sample (calibration end 1997-09-30,
observation end 1998-06-30, weeks). The CSV needs a header naming the customer, date and
amount columns (customer_id, date, amount unless set with the --*-column flags).
Without --calibration-end, there is no holdout (holdout fields are null in JSON).
--horizon: CLV horizon in units (default one year: 52 weeks or 365 days);
--discount-rate: annual rate (default 0.10); --margin: fraction of spend kept (default 1).
--model also takes bg-nbd, pareto-nbd, mbg-nbd, ggom-nbd.
--currency CODE: the amounts' currency (ISO 4217, e.g. USD), printed beside every money
  figure and in the JSON `clv_settings.currency`.
--fold-case-ids: customer ids compared in lower case (`Ana@Example.com` is `ana@example.com`);
  without it ids are exact and the report counts ids that differ only in case.
Without --observation-end, observation ends on the last purchase: returns dated later are
  counted as rows after the end and do not stretch the window.
--no-amount: the file has no amount column (purchase counts only: no spend model, no CLV).
--date-format: a strftime format for the date column (default: YYYY-MM-DD, YYYYMMDD,
  date-times with optional fraction and offset, RFC 3339).
--time-zone: UTC (default), a fixed offset (+05:30) or an IANA name (feature tz): instants
  are placed on that zone's calendar day.
--save-model FILE: write the fitted purchase and spend models (tagged JSON);
--load-model FILE: score with saved models instead of fitting (converted exactly to --unit).
--csv, --jsonl: the per-customer value table as CSV or JSON Lines on stdout.
--plots DIR: also write the charts as SVG files into DIR (tracking_cumulative.svg, …;
  needs `--features plot`).
--intervals LEVEL (e.g. 0.9): per-customer bounds in --json (p_alive_lower/upper,
  expected_purchases_holdout_lower/upper, clv_lower/upper) by --interval-method
  (default sampling: --draws parameter draws, default 200; bootstrap: --draws refits,
  default 100; delta), reproducible with --seed (default 0).
--bayes: fit the purchase model by NUTS with pymc-marketing's default priors (feature
  bayes); --chains (4), --tune (1000), --draws (1000 per chain); the JSON model gains
  `posterior` and `params` are the posterior means; --intervals then come from the draws.
--covariates FILE.csv: static covariates (first column the customer as in the log, then
  numeric columns) for --model bgnbd, pnbd or mbgnbd; choose the columns with
  --purchase-covariates A,B and/or --dropout-covariates A,B; --constrain A (one
  coefficient for both processes), --regularise L_PURCHASE,L_DROPOUT (L2). The JSON model
  gains `purchase.<name>`, `dropout.<name>`, `constrained.<name>` in params and
  standard_errors, and a `covariates` block; customers missing from the file are flagged
  `missing_covariates` and counted. --spend-covariates A,B: Gamma-Gamma with the scale
  gamma_i = gamma0 exp(x_i·delta); `spend_model.params` gains `spend.<name>`.
  With --save-model the model file holds the covariate fit (format 2); --load-model FILE
  --covariates FILE.csv scores with it (the covariates are the saved model's: no column
  flags), as does `customer-value score --model FILE --covariates FILE.csv`.
--time-varying-covariates FILE.csv: covariates that change over time, for --model pnbd or
  bgnbd (Pareto/NBD as Bachmann, Meierer & Naef 2021; BG/NBD derived in
  docs/time-varying-covariates.md): columns customer, period start date (YYYY-MM-DD), then
  numbers; one row per customer and period of a regular grid whose step is the unit (weekly
  rows for --unit week, daily for --unit day), covering every customer's calibration
  period and the predictions (calibration end + the horizon and the holdout: add future
  rows). Choose the columns with --purchase-covariates A,B and/or --dropout-covariates A,B
  (BG/NBD: `dropout_a.<name>`, `dropout_b.<name>`). Coefficients join the model's params
  and standard_errors; P(alive), expected purchases, CLV and the holdout use each
  customer's own covariate path. --save-model writes the fit; --load-model FILE
  --time-varying-covariates FILE.csv (and `customer-value score`) score with it. Not with
  --covariates, --spend-covariates, --constrain, --regularise, --bayes, --intervals or
  --plots yet (exit 2).";

fn parse_args(args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut o = Options::new(None);
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
                    "month" => TimeUnit::MONTH,
                    other => return Err(format!("--unit must be day, week or month, not `{other}`")),
                }
            }
            "--json" => o.output = choose(o.output, Output::Json)?,
            "--csv" => o.output = choose(o.output, Output::Csv)?,
            "--jsonl" => o.output = choose(o.output, Output::JsonLines)?,
            "--model" => {
                let name = value()?;
                o.model = report::model_choice(&name).ok_or_else(|| {
                    format!("--model must be bgnbd, pnbd, mbgnbd or ggomnbd (or bg-nbd, pareto-nbd, mbg-nbd, ggom-nbd), not `{name}`")
                })?;
            }
            "--currency" => o.currency = Some(report::currency(&value()?)?),
            "--fold-case-ids" => o.fold_case_ids = true,
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
            "--plots" => {
                o.plots = Some(value()?);
                if !cfg!(feature = "plot") {
                    return Err(report::PLOTS_NEED_FEATURE.to_owned());
                }
            }
            "--intervals" => {
                let level = parse_number(&flag, &value()?, |v| v > 0.0 && v < 1.0)?;
                let method = o.intervals.map_or(IntervalMethod::Sampling, |i| i.method);
                o.intervals = Some(IntervalOptions { level, method });
            }
            "--interval-method" => {
                let method: IntervalMethod =
                    value()?.parse().map_err(|e| format!("--interval-method: {e}"))?;
                let level = o.intervals.map_or(f64::NAN, |i| i.level);
                o.intervals = Some(IntervalOptions { level, method });
            }
            "--draws" => o.draws = Some(parse_count(&flag, &value()?)?),
            "--seed" => {
                o.seed = value()?
                    .parse()
                    .map_err(|_| format!("{flag} needs a whole number ≥ 0"))?
            }
            "--bayes" => o.bayes = true,
            "--chains" => o.chains = parse_count(&flag, &value()?)?,
            "--tune" => {
                o.tune = value()?
                    .parse()
                    .map_err(|_| format!("{flag} needs a whole number ≥ 0"))?
            }
            "--covariates" => covariates(&mut o).file = value()?,
            "--time-varying-covariates" => covariates(&mut o).time_varying = Some(value()?),
            "--purchase-covariates" => covariates(&mut o).purchase = report::names(&flag, &value()?)?,
            "--dropout-covariates" => covariates(&mut o).dropout = report::names(&flag, &value()?)?,
            "--constrain" => {
                let v = report::names(&flag, &value()?)?;
                covariates(&mut o).constrain.extend(v);
            }
            "--regularise" => covariates(&mut o).regularise = Some(report::lambdas(&value()?)?),
            "--spend-covariates" => covariates(&mut o).spend = report::names(&flag, &value()?)?,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    // The horizon and discounting must make a valid spec (no 1e12-step grid).
    ScoreSpec::new(o.unit, o.horizon(), annual(o.discount_rate)?).map_err(|e| format!("--horizon: {e}"))?;
    if o.intervals.is_some_and(|i| i.level.is_nan()) {
        return Err("--interval-method needs --intervals LEVEL".to_owned());
    }
    report::check_uncertainty(&o)?;
    if o.covariates
        .as_ref()
        .is_some_and(|c| c.file.is_empty() && c.time_varying.is_none())
    {
        return Err("--purchase-covariates, --dropout-covariates, --constrain, --regularise and --spend-covariates need --covariates FILE.csv (or, the first two, --time-varying-covariates FILE.csv)".to_owned());
    }
    report::check_covariates(&o)?;
    if o.transactions.is_none() {
        o.calibration_end = o.calibration_end.or(NaiveDate::from_ymd_opt(1997, 9, 30));
        o.observation_end = o.observation_end.or(NaiveDate::from_ymd_opt(1998, 6, 30));
    }
    Ok(o)
}

/// The covariate settings, created by the first covariate flag.
fn covariates(o: &mut Options) -> &mut report::CovariateArgs {
    o.covariates.get_or_insert_with(report::CovariateArgs::default)
}

/// `--json`, `--csv` and `--jsonl` are different outputs: one may be chosen.
fn choose(current: Output, wanted: Output) -> Result<Output, String> {
    if current == Output::Text || current == wanted {
        Ok(wanted)
    } else {
        Err("--json, --csv and --jsonl are different outputs: choose one".to_owned())
    }
}

fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| format!("`{s}` is not a date YYYY-MM-DD"))
}

fn parse_count(flag: &str, s: &str) -> Result<usize, String> {
    s.parse::<usize>()
        .ok()
        .filter(|v| *v > 0)
        .ok_or_else(|| format!("{flag}: `{s}` is not a whole number ≥ 1"))
}

fn parse_number(flag: &str, s: &str, ok: impl Fn(f64) -> bool) -> Result<f64, String> {
    s.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && ok(*v))
        .ok_or_else(|| format!("{flag}: `{s}` is not a valid number here"))
}

fn main() -> ExitCode {
    // A batch job that owns its process: the kernel memory hints are worth having.
    customer_value::summary::set_kernel_memory_hints(true);
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
    match report::run(&options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if report::is_broken_pipe(e.as_ref()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("clv_report: {e}");
            ExitCode::FAILURE
        }
    }
}

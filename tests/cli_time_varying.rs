//! `report --time-varying-covariates FILE.csv` through the command (feature `cli`), on
//! CLVTools' apparel data: the report's fit and per-customer values are the library's
//! `TimeVaryingFit` on customers built independently here from the log; with covariates
//! constant per customer it is CLVTools' published static fit and scores as the static
//! covariate report; bad files stop the run with exit 1 naming the file (and line);
//! combinations not available are refused with exit 2.
#![cfg(feature = "cli")]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Command, Output};

use chrono::NaiveDate;
use customer_value::btyd::FitOptions;
use customer_value::btyd::covariates::time_varying::{
    TimeVaryingCovariates, TimeVaryingData, TimeVaryingFit, TvCustomer, TvModel,
};
use serde_json::Value;

const TRANS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/apparel/apparelTrans.csv");
const COV: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/apparel/apparelStaticCov.csv"
);
/// Weekly periods written to the test files: 2005-01-02 … (104 calibration weeks, a
/// 52-week holdout, a 52-week horizon).
const PERIODS: usize = 160;

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_customer-value"))
        .args(args)
        .output()
        .unwrap()
}

fn json(args: &[&str]) -> Value {
    let out = run(args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn scratch(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("customer-value-tv-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// The report's arguments on the apparel log: calibration to 2006-12-31 (T = 104 weeks
/// for every customer), holdout to 2007-12-30 (52 weeks).
fn log_args() -> Vec<String> {
    [
        "report",
        "--transactions",
        TRANS,
        "--customer-column",
        "Id",
        "--date-column",
        "Date",
        "--amount-column",
        "Price",
        "--calibration-end",
        "2006-12-31",
        "--observation-end",
        "2007-12-30",
        "--json",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect()
}

/// Gender and Channel of the 600 customers, in id order.
fn static_covariates() -> Vec<(u32, f64, f64)> {
    std::fs::read_to_string(COV)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (
                f[0].parse().unwrap(),
                f[1].parse().unwrap(),
                f[2].parse().unwrap(),
            )
        })
        .collect()
}

/// A season flag: weeks 44–51 of each 52-week year (autumn and Christmas).
fn season(k: usize) -> f64 {
    f64::from(u8::from(k % 52 >= 44))
}

/// The time-varying file: `Id, Cov.Date, High.Season, Gender, Channel`, one row per
/// customer and week (`season_scale` 0: every column constant per customer).
fn tv_csv(periods: usize, season_scale: f64) -> String {
    let origin = NaiveDate::from_ymd_opt(2005, 1, 2).unwrap();
    let mut s = String::from("Id,Cov.Date,High.Season,Gender,Channel\n");
    for (id, g, c) in static_covariates() {
        for k in 0..periods {
            let d = origin + chrono::Days::new(7 * k as u64);
            s.push_str(&format!("{id},{d},{},{g},{c}\n", season_scale * season(k)));
        }
    }
    s
}

/// The apparel customers built here from the log, independently of the command: weeks
/// from 2005-01-02, purchases collapsed by day, estimation end 2006-12-31; with the
/// table of `tv_csv`.
fn library_data(periods: usize, season_scale: f64, columns: &[&str]) -> TimeVaryingData {
    library_data_with(periods, &|k| season_scale * season(k), columns)
}

/// [`library_data`] with the season column `season_at(period)`.
fn library_data_with(periods: usize, season_at: &dyn Fn(usize) -> f64, columns: &[&str]) -> TimeVaryingData {
    let origin = NaiveDate::from_ymd_opt(2005, 1, 2).unwrap();
    let end = NaiveDate::from_ymd_opt(2006, 12, 31).unwrap();
    let mut days: BTreeMap<u32, Vec<NaiveDate>> = BTreeMap::new();
    for line in std::fs::read_to_string(TRANS).unwrap().lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let d = NaiveDate::parse_from_str(f[1], "%Y-%m-%d").unwrap();
        days.entry(f[0].parse().unwrap()).or_default().push(d);
    }
    let weeks = |a: NaiveDate, b: NaiveDate| (b - a).num_days() as f64 / 7.0;
    let customers: Vec<TvCustomer> = days
        .into_values()
        .map(|mut d| {
            d.sort();
            d.dedup();
            let buys = d[1..]
                .iter()
                .filter(|v| **v <= end)
                .map(|v| weeks(d[0], *v))
                .collect();
            TvCustomer::new(weeks(origin, d[0]), buys, weeks(d[0], end)).unwrap()
        })
        .collect();
    let cov = static_covariates();
    let mut v = Vec::new();
    for &(_, g, c) in &cov {
        for k in 0..periods {
            v.extend([season_at(k), g, c]);
        }
    }
    let names = vec!["High.Season".into(), "Gender".into(), "Channel".into()];
    let t = TimeVaryingCovariates::new(names, cov.len(), periods, v)
        .unwrap()
        .select(columns)
        .unwrap();
    TimeVaryingData::new(customers, t.clone(), t).unwrap()
}

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * b.abs().max(1e-12)
}

#[test]
fn time_varying_report_is_the_library_fit_on_the_same_customers() {
    let file = scratch("season.csv", &tv_csv(PERIODS, 1.0));
    let mut args = log_args();
    let cols = "High.Season,Gender,Channel";
    args.extend(
        [
            "--model",
            "pnbd",
            "--time-varying-covariates",
            file.to_str().unwrap(),
            "--purchase-covariates",
            cols,
            "--dropout-covariates",
            cols,
        ]
        .map(String::from),
    );
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let report = json(&args);

    let data = library_data(PERIODS, 1.0, &["High.Season", "Gender", "Channel"]);
    let fit = TimeVaryingFit::fit(TvModel::ParetoNbd, &data, &FitOptions::default()).unwrap();
    let model = &report["model"];
    assert_eq!(model["name"], "pnbd");
    for (i, name) in fit.parameter_names.iter().enumerate() {
        let got = model["params"][name].as_f64().unwrap();
        assert!(
            close(got, fit.estimates[i], 1e-9),
            "{name}: {got} vs {}",
            fit.estimates[i]
        );
        let se = model["standard_errors"][name].as_f64().unwrap();
        assert!(
            close(se, fit.standard_errors.as_ref().unwrap()[i], 1e-6),
            "{name} SE"
        );
    }
    assert!(model["params"]["purchase.High.Season"].is_number());
    assert!(model["params"]["dropout.Channel"].is_number());
    assert!((model["log_likelihood"].as_f64().unwrap() - fit.log_likelihood).abs() < 1e-6);
    let block = &report["covariates"];
    assert_eq!(block["time_varying"], true);
    assert_eq!(block["customers_missing"], 0);
    assert_eq!(block["customers_fitted"], 600);
    assert_eq!(block["coefficients"].as_array().unwrap().len(), 6);

    // Every customer's values are the library's on its own covariate path (the rows are
    // in id order, as the library data).
    let customers = report["customers"].as_array().unwrap();
    assert_eq!(customers.len(), 600);
    for (i, c) in customers.iter().enumerate() {
        let want_alive = fit.probability_alive(&data, i).unwrap();
        let want_52 = fit.expected_transactions(&data, i, 52.0).unwrap();
        let want_holdout = fit.expected_transactions(&data, i, 52.0).unwrap();
        let got = |k: &str| c[k].as_f64().unwrap();
        assert!(close(got("p_alive"), want_alive, 1e-12), "customer {i}");
        assert!(close(got("expected_purchases"), want_52, 1e-12), "customer {i}");
        assert!(close(got("expected_purchases_holdout"), want_holdout, 1e-12));
        assert!(got("clv") > 0.0 && c["flags"].as_array().unwrap().is_empty());
    }
    // The future periods' covariates are used: with the season switched off after the
    // calibration end (week 104) P(alive) is the same, and the horizon's expectation moves
    // with the sign of the season's purchase coefficient.
    let no_future_season = library_data_with(
        PERIODS,
        &|k| if k < 104 { season(k) } else { 0.0 },
        &["High.Season", "Gender", "Channel"],
    );
    let season_coef = fit.estimate("purchase.High.Season").unwrap();
    for i in [0, 99, 599] {
        let (a, b) = (
            fit.probability_alive(&data, i).unwrap(),
            fit.probability_alive(&no_future_season, i).unwrap(),
        );
        assert_eq!(a, b);
        let (with, without) = (
            fit.expected_transactions(&data, i, 52.0).unwrap(),
            fit.expected_transactions(&no_future_season, i, 52.0).unwrap(),
        );
        assert_eq!(with > without, season_coef > 0.0, "{with} vs {without}");
    }
}

#[test]
fn constant_time_varying_covariates_are_clvtools_static_fit_and_score_as_the_static_report() {
    let file = scratch("constant.csv", &tv_csv(PERIODS, 0.0));
    let both = [
        "--purchase-covariates",
        "Gender,Channel",
        "--dropout-covariates",
        "Gender,Channel",
    ];
    let mut tv = log_args();
    tv.extend(
        [
            "--model",
            "pnbd",
            "--time-varying-covariates",
            file.to_str().unwrap(),
        ]
        .map(String::from),
    );
    tv.extend(both.map(String::from));
    let tv: Vec<&str> = tv.iter().map(String::as_str).collect();
    let tv = json(&tv);
    let mut st = log_args();
    st.extend(["--model", "pnbd", "--covariates", COV].map(String::from));
    st.extend(both.map(String::from));
    let st: Vec<&str> = st.iter().map(String::as_str).collect();
    let st = json(&st);

    // CLVTools' published static fit (../shared/data/apparel/README.md): estimates to
    // 1e-3 relative (or a hundredth of the SE along the flat s–β direction, as the
    // library's tests), the log-likelihood to 0.01.
    let published = [
        ("r", 1.8378, 0.3455),
        ("alpha", 92.9123, 16.9670),
        ("s", 0.5920, 0.2609),
        ("beta", 49.6227, 36.2509),
        ("purchase.Gender", 0.2859, 0.1041),
        ("purchase.Channel", 0.6241, 0.1050),
        ("dropout.Gender", -0.6430, 0.2955),
        ("dropout.Channel", 0.7907, 0.3059),
    ];
    for (name, est, se) in published {
        let e = tv["model"]["params"][name].as_f64().unwrap();
        assert!(
            (e - est).abs() <= 1e-3 * est.abs() || (e - est).abs() <= 0.01 * se,
            "{name}: {e} vs {est}"
        );
        let s = tv["model"]["standard_errors"][name].as_f64().unwrap();
        assert!((s - se).abs() <= 1e-2 * se, "{name}: SE {s} vs {se}");
    }
    let ll = tv["model"]["log_likelihood"].as_f64().unwrap();
    assert!((ll + 5821.0627).abs() < 0.01, "{ll}");
    assert!((ll - st["model"]["log_likelihood"].as_f64().unwrap()).abs() < 1e-3);

    // Per customer, the static report's values (closed forms) to the fits' agreement.
    let (a, b) = (
        tv["customers"].as_array().unwrap(),
        st["customers"].as_array().unwrap(),
    );
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(b) {
        assert_eq!(x["customer_id"], y["customer_id"]);
        for k in [
            "p_alive",
            "expected_purchases",
            "expected_purchases_holdout",
            "clv",
        ] {
            let (u, v) = (x[k].as_f64().unwrap(), y[k].as_f64().unwrap());
            assert!(close(u, v, 2e-4), "customer {}: {k} {u} vs {v}", x["customer_id"]);
        }
        assert_eq!(x["expected_spend"], y["expected_spend"]);
    }
}

#[test]
fn customers_missing_from_the_time_varying_file_are_flagged_and_counted() {
    // The file without customers 1–10 (the first 10 × PERIODS rows after the header).
    let text = tv_csv(PERIODS, 1.0);
    let kept: String = text
        .lines()
        .enumerate()
        .filter(|(i, _)| *i == 0 || *i > 10 * PERIODS)
        .map(|(_, l)| format!("{l}\n"))
        .collect();
    let file = scratch("missing.csv", &kept);
    let mut args = log_args();
    args.extend(
        [
            "--time-varying-covariates",
            file.to_str().unwrap(),
            "--purchase-covariates",
            "High.Season",
        ]
        .map(String::from),
    );
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let report = json(&args);
    assert_eq!(report["model"]["name"], "bgnbd");
    assert_eq!(report["covariates"]["customers_missing"], 10);
    assert_eq!(report["covariates"]["customers_fitted"], 590);
    assert_eq!(report["score_report"]["missing_covariates"], 10);
    let c = report["customers"].as_array().unwrap();
    assert_eq!(c[0]["flags"], serde_json::json!(["missing_covariates"]));
    assert!(c[0]["p_alive"].is_null() && c[0]["clv"].is_null());
    assert!(c[10]["p_alive"].as_f64().unwrap() > 0.0 && c[10]["clv"].as_f64().unwrap() > 0.0);
}

#[track_caller]
fn fails_with(status: i32, extra: &[&str], file_text: Option<&str>, wanted: &[&str]) {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let file = scratch(&format!("bad-{n}.csv"), file_text.unwrap_or(""));
    let mut args = log_args();
    if file_text.is_some() {
        args.extend(["--time-varying-covariates".to_owned(), file.display().to_string()]);
    }
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run(&args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(status), "{args:?}: {err}");
    // A loaded model's errors name the model file instead.
    if status == 1 && file_text.is_some() && !extra.contains(&"--load-model") {
        assert!(
            err.contains(&file.display().to_string()),
            "{args:?}: the file not named in {err}"
        );
    }
    for w in wanted {
        assert!(err.contains(w), "{args:?}: `{w}` not in {err}");
    }
}

#[test]
fn bad_time_varying_files_stop_the_run_naming_the_file_and_line() {
    let good = tv_csv(PERIODS, 1.0);
    let pick = ["--purchase-covariates", "High.Season"];
    let lines: Vec<&str> = good.lines().collect();
    let with = |i: usize, line: &str| {
        let mut v = lines.clone();
        v[i] = line;
        v.join("\n") + "\n"
    };
    // A value that is not a number, on line 3 of the file.
    fails_with(
        1,
        &pick,
        Some(&with(2, "1,2005-01-09,high,0,0")),
        &["line 3", "high"],
    );
    // An overlap: customer 1's second row for the first week (line 3).
    fails_with(
        1,
        &pick,
        Some(&with(2, "1,2005-01-02,0,0,0")),
        &["line 3", "second row", "2005-01-02"],
    );
    // A gap: customer 1 has no row for the week of 2005-01-09.
    let gap: String = lines
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != 2)
        .map(|(_, l)| format!("{l}\n"))
        .collect();
    fails_with(
        1,
        &pick,
        Some(&gap),
        &["customer 1", "no row for the period starting 2005-01-09"],
    );
    // A date off the weekly grid.
    fails_with(
        1,
        &pick,
        Some(&with(2, "1,2005-01-10,0,0,0")),
        &["line 3", "regular grid"],
    );
    // Periods ending before the calibration end, or before the predictions do.
    fails_with(
        1,
        &pick,
        Some(&tv_csv(100, 1.0)),
        &["before the calibration window", "2006-12-31"],
    );
    fails_with(
        1,
        &pick,
        Some(&tv_csv(140, 1.0)),
        &["need covariates up to", "--horizon"],
    );
    // Daily rows with --unit week; a column the file does not have.
    let daily = "Id,Date,A\n1,2005-01-02,0\n1,2005-01-03,1\n";
    fails_with(
        1,
        &["--purchase-covariates", "A"],
        Some(daily),
        &["1 days apart", "7 days"],
    );
    fails_with(
        1,
        &["--purchase-covariates", "Promo"],
        Some(&good),
        &["no column `Promo`", "High.Season"],
    );
}

#[test]
fn combinations_not_available_with_time_varying_covariates_are_refused() {
    let good = tv_csv(PERIODS, 1.0);
    let pick = ["--purchase-covariates", "High.Season"];
    for (extra, wanted) in [
        (&["--model", "mbgnbd"][..], "--model mbgnbd or ggomnbd"),
        (&["--model", "ggomnbd"][..], "--model mbgnbd or ggomnbd"),
        (&["--intervals", "0.9"][..], "--intervals"),
        (&["--unit", "month"][..], "--unit month"),
    ] {
        fails_with(2, &[&pick[..], extra].concat(), Some(&good), &[wanted]);
    }
    // No column chosen; both kinds of covariate file (clap's conflict).
    fails_with(
        2,
        &[],
        Some(&good),
        &["--purchase-covariates and/or --dropout-covariates"],
    );
    fails_with(
        2,
        &[&pick[..], &["--covariates", COV]].concat(),
        Some(&good),
        &["--covariates"],
    );
    // The column choice without a covariate file.
    fails_with(2, &pick, None, &["--time-varying-covariates FILE.csv"]);
}

#[test]
fn saved_time_varying_models_score_as_the_fit() {
    let cov = scratch("saved-season.csv", &tv_csv(PERIODS, 1.0));
    let cov = cov.to_str().unwrap();
    let model = scratch("tv-model.json", "");
    let model = model.to_str().unwrap();
    let mut fit = log_args();
    fit.extend(
        [
            "--model",
            "pnbd",
            "--time-varying-covariates",
            cov,
            "--purchase-covariates",
            "High.Season,Channel",
            "--dropout-covariates",
            "Gender",
            "--save-model",
            model,
        ]
        .map(String::from),
    );
    let fit_args: Vec<&str> = fit.iter().map(String::as_str).collect();
    let fitted = json(&fit_args);
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(model).unwrap()).unwrap();
    assert_eq!(saved["purchase_model"]["model"], "time_varying");
    assert_eq!(saved["purchase_model"]["unit_days"], 7.0);
    assert_eq!(
        saved["purchase_model"]["fit"]["purchase_covariates"],
        serde_json::json!(["High.Season", "Channel"])
    );

    // `report --load-model` with the covariate file: the fit's values, not refitted.
    let mut load = log_args();
    load.extend(["--load-model", model, "--time-varying-covariates", cov].map(String::from));
    let load: Vec<&str> = load.iter().map(String::as_str).collect();
    let loaded = json(&load);
    assert_eq!(fitted["model"]["params"], loaded["model"]["params"]);
    assert_eq!(
        fitted["model"]["standard_errors"],
        loaded["model"]["standard_errors"]
    );
    assert_eq!(loaded["covariates"]["loaded"], true);
    for (x, y) in fitted["customers"]
        .as_array()
        .unwrap()
        .iter()
        .zip(loaded["customers"].as_array().unwrap())
    {
        for k in [
            "p_alive",
            "expected_purchases",
            "expected_purchases_holdout",
            "clv",
            "flags",
        ] {
            assert_eq!(x[k], y[k], "customer {}: {k}", x["customer_id"]);
        }
    }

    // `score` writes the fit's CSV table.
    let mut csv = fit.clone();
    csv.retain(|a| a != "--json");
    let at = csv.iter().position(|a| a == "--save-model").unwrap();
    csv.drain(at..at + 2);
    csv.push("--csv".to_owned());
    let csv: Vec<&str> = csv.iter().map(String::as_str).collect();
    let table = run(&csv);
    assert!(
        table.status.success(),
        "{}",
        String::from_utf8_lossy(&table.stderr)
    );
    let score = run(&[
        "score",
        "--model",
        model,
        "--time-varying-covariates",
        cov,
        "--transactions",
        TRANS,
        "--customer-column",
        "Id",
        "--date-column",
        "Date",
        "--amount-column",
        "Price",
        "--calibration-end",
        "2006-12-31",
        "--observation-end",
        "2007-12-30",
    ]);
    assert!(
        score.status.success(),
        "{}",
        String::from_utf8_lossy(&score.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&score.stdout),
        String::from_utf8_lossy(&table.stdout)
    );

    // The saved model without its covariates, a plain model with them, column flags with
    // a loaded model, another unit.
    fails_with(
        1,
        &["--load-model", model],
        None,
        &["time-varying covariates", "--time-varying-covariates FILE.csv"],
    );
    let plain = scratch("plain-model.json", "");
    let plain = plain.to_str().unwrap();
    let mut p = log_args();
    p.extend(["--save-model", plain].map(String::from));
    let p: Vec<&str> = p.iter().map(String::as_str).collect();
    json(&p);
    let good = std::fs::read_to_string(cov).unwrap();
    fails_with(
        1,
        &["--load-model", plain],
        Some(&good),
        &["no time-varying covariates"],
    );
    fails_with(
        2,
        &["--load-model", model, "--purchase-covariates", "Gender"],
        Some(&good),
        &["the saved model's"],
    );
    let daily = "Id,Date,A\n1,2005-01-02,0\n";
    fails_with(
        1,
        &["--load-model", model, "--unit", "day"],
        Some(daily),
        &["units of 7 days", "--unit (1 days)"],
    );
}

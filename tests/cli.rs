//! The installable command (`customer-value`, feature `cli`) on logs shaped like real
//! exports, end to end: what a user gets (values against lifetimes 0.11.3, counts, flags,
//! errors and exit statuses). The reference values and their commands are in
//! `tests/data/README.md`.
#![cfg(feature = "cli")]

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;

fn data(name: &str) -> String {
    format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"))
}

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

fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs()
}

/// A scratch file of this test run.
fn scratch(name: &str, text: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("customer-value-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn customer(report: &Value, id: u64) -> &Value {
    report["customers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["customer_id"] == id)
        .unwrap()
}

const MASTER: [&str; 5] = [
    "--calibration-end",
    "1997-09-30",
    "--observation-end",
    "1998-06-30",
    "--json",
];

/// The issue's case: the full CDNOW log has 80 rows of $0. One customer's $0 repeat
/// purchase no longer removes everyone's model; the fits are lifetimes'.
#[test]
fn the_cdnow_master_log_with_zero_amounts_has_a_model_and_values() {
    let file = data("cdnow_master_transactions.csv");
    let mut args = vec!["report", "--transactions", &file];
    args.extend(MASTER);
    let r = json(&args);
    assert_eq!(r["model_error"], Value::Null);
    assert_eq!(r["summary_report"]["customers"], 23570);
    let p = &r["model"]["params"];
    for (name, lifetimes) in [
        ("r", 0.251624011424104),
        ("alpha", 4.788945170327031),
        ("a", 0.7234330357288045),
        ("b", 2.1610869813723355),
    ] {
        assert!(
            rel(p[name].as_f64().unwrap(), lifetimes) < 1e-5,
            "{name}: {}",
            p[name]
        );
    }
    let g = &r["spend_model"]["params"];
    for (name, lifetimes) in [
        ("p", 6.2753585928372715),
        ("q", 3.6244502103908856),
        ("gamma", 14.983688961947642),
    ] {
        assert!(
            rel(g[name].as_f64().unwrap(), lifetimes) < 1e-4,
            "{name}: {}",
            g[name]
        );
    }
    assert_eq!(r["spend_model_excluded_customers"], 1);
    assert_eq!(r["score_report"]["no_positive_repeat_spend"], 1);
    assert_eq!(r["score_report"]["with_clv"], 23569);
    // The $0 customer keeps P(alive) and expected purchases, and says why it has no CLV.
    let zero = customer(&r, 10244);
    assert!(rel(zero["p_alive"].as_f64().unwrap(), 0.3208327895751198) < 1e-5);
    assert!(
        rel(
            zero["expected_purchases_holdout"].as_f64().unwrap(),
            0.34419155465739176
        ) < 1e-5
    );
    assert_eq!(zero["clv"], Value::Null);
    assert_eq!(zero["flags"], serde_json::json!(["no_positive_repeat_spend"]));
    let other = customer(&r, 22279);
    assert!(rel(other["p_alive"].as_f64().unwrap(), 0.4116899536933847) < 1e-5);
    assert!(
        rel(
            other["expected_purchases_holdout"].as_f64().unwrap(),
            4.198463798922385
        ) < 1e-5
    );
    assert!(other["clv"].as_f64().unwrap() > 0.0);
}

/// lifetimes' own example export: header `date,id`, pandas timestamps, no amounts.
#[test]
fn the_lifetimes_example_export_reads_and_fits_as_lifetimes() {
    let file = data("lifetimes_example_transactions.csv");
    let r = json(&[
        "report",
        "--transactions",
        &file,
        "--customer-column",
        "id",
        "--no-amount",
        "--unit",
        "day",
        "--observation-end",
        "2014-12-31",
        "--json",
    ]);
    assert_eq!(r["summary_report"]["rows"], 15273);
    assert_eq!(r["summary_report"]["customers"], 5000);
    let p = &r["model"]["params"];
    for (name, lifetimes) in [
        ("r", 0.16385090187267434),
        ("alpha", 1.8642807702257846),
        ("a", 1.8503430954149536),
        ("b", 3.181058796120065),
    ] {
        assert!(
            rel(p[name].as_f64().unwrap(), lifetimes) < 1e-5,
            "{name}: {}",
            p[name]
        );
    }
    assert_eq!(r["spend_model"], Value::Null);
    assert_eq!(r["score_report"]["no_spend_model"], 5000);
    assert_eq!(customer(&r, 0)["p_alive"], 1.0);
}

/// A shop export as spreadsheets and databases write it: BOM, CRLF, quoted names with
/// commas, timestamps with offsets, same-day duplicates, a $0 purchase, a return, blank
/// lines.
#[test]
fn a_shop_export_with_every_oddity_gives_counted_results() {
    let text = "\u{feff}order,\"email\",created_at,total\r\n\
        1001,\"a@x.com\",2024-01-03 10:00:00+00,19.99\r\n\
        1002,\"a@x.com\",2024-01-03 18:00:00+00,5.00\r\n\
        1003,\"a@x.com\",2024-02-10T09:30:00Z,0.00\r\n\
        \r\n\
        1004,\"b, the \"\"big\"\" one\",2024-01-05 23:30:00-05:00,120.00\r\n\
        1005,\"b, the \"\"big\"\" one\",2024-03-01 12:00:00-05:00,80.00\r\n\
        1006,\"b, the \"\"big\"\" one\",2024-03-01 13:00:00-05:00,-80.00\r\n\
        1007,c@x.com,2024-01-20 08:00:00+00,42.50\r\n\
        1008,c@x.com,2024-04-02 08:00:00+00,17.25\r\n\
        1009,c@x.com,2024-05-15 08:00:00+00,33.00\r\n";
    let file = scratch("shop.csv", text.as_bytes());
    let file = file.to_str().unwrap();
    let base = [
        "summarise",
        "--transactions",
        file,
        "--customer-column",
        "email",
        "--date-column",
        "created_at",
        "--amount-column",
        "total",
        "--observation-end",
        "2024-06-30",
        "--unit",
        "day",
    ];
    let out = run(&base);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let csv = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 4, "{csv}");
    // a@x.com: two purchases on 2024-01-03 are one purchase day; the $0 purchase counts.
    assert!(
        lines[1].starts_with("a@x.com,1,38,179,0.00,24.99,"),
        "{}",
        lines[1]
    );
    // The quoted customer, with its comma and quotes, written back quoted; its return
    // nets the repeat spend to 0. 23:30 at −05:00 is 2024-01-06 in UTC.
    assert!(
        lines[2].starts_with("\"b, the \"\"big\"\" one\",1,55,176,0.00,120.00,60.00,2024-01-06,"),
        "{}",
        lines[2]
    );
    assert!(
        lines[3].starts_with("c@x.com,2,116,162,25.1250,92.75,"),
        "{}",
        lines[3]
    );
    // In New York's calendar the late order stays on 2024-01-05.
    let mut ny = base.to_vec();
    ny.extend(["--time-zone", "America/New_York"]);
    let csv = String::from_utf8(run(&ny).stdout).unwrap();
    assert!(
        csv.contains("\"b, the \"\"big\"\" one\",1,56,177,0.00,120.00,60.00,2024-01-05"),
        "{csv}"
    );
}

#[test]
fn a_log_where_nobody_repeats_reports_why_there_is_no_model() {
    let file = scratch(
        "once.csv",
        b"customer_id,date,amount\n1,2024-01-01,10\n2,2024-01-02,20\n3,2024-01-05,5\n",
    );
    let r = json(&["report", "--transactions", file.to_str().unwrap(), "--json"]);
    let why = r["model_error"].as_str().unwrap();
    assert!(why.contains("no customer repeats"), "{why}");
    assert_eq!(r["model"], Value::Null);
    assert_eq!(r["customers"].as_array().unwrap().len(), 3);
    // One customer is no model either; the text report says so and exits 0.
    let one = scratch(
        "one.csv",
        b"customer_id,date,amount\n1,2024-01-01,10\n1,2024-01-02,20\n",
    );
    let out = run(&["report", "--transactions", one.to_str().unwrap()]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("(no model: BG/NBD cannot be fitted"));
}

/// A model fitted in weeks and saved scores a daily run exactly as the weekly run does.
#[test]
fn a_saved_weekly_model_scores_in_days_exactly() {
    let file = data("cdnow_master_transactions.csv");
    let model = std::env::temp_dir().join(format!("customer-value-cli-model-{}.json", std::process::id()));
    let model = model.to_str().unwrap();
    let window = [
        "--calibration-end",
        "1997-09-30",
        "--observation-end",
        "1998-06-30",
    ];
    let mut fit = vec!["fit", "--transactions", &file, "--model", "pnbd", "-o", model];
    fit.extend(window);
    assert!(run(&fit).status.success());
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(model).unwrap()).unwrap();
    assert_eq!(saved["purchase_model"]["model"], "pnbd");
    assert_eq!(saved["purchase_model"]["unit_days"], 7.0);
    let score = |unit: &str, horizon: &str| {
        let mut a = vec![
            "score",
            "--model",
            model,
            "--transactions",
            &file,
            "--unit",
            unit,
            "--horizon",
            horizon,
        ];
        a.extend(window);
        a.extend(["--format", "jsonl"]);
        let out = run(&a);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap())
            .collect::<Vec<_>>()
    };
    let (weeks, days) = (score("week", "52"), score("day", "364"));
    assert_eq!(weeks.len(), 23570);
    for (w, d) in weeks.iter().zip(&days) {
        for field in [
            "p_alive",
            "p_alive_at_horizon",
            "expected_purchases",
            "expected_holdout_purchases",
        ] {
            let (a, b) = (w[field].as_f64().unwrap(), d[field].as_f64().unwrap());
            assert!((a - b).abs() <= 1e-9 * a.abs().max(1e-3), "{field}: {a} vs {b}");
        }
    }
    std::fs::remove_file(model).ok();
}

#[test]
fn exit_statuses_say_whose_fault_it_is() {
    let bad = scratch(
        "bad.csv",
        b"customer_id,date,amount\n1,2024-01-01,10\n1,2024-13-01,5\n",
    );
    let out = run(&["report", "--transactions", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let msg = String::from_utf8_lossy(&out.stderr);
    assert!(msg.contains("bad.csv: line 3:"), "{msg}");
    for args in [
        vec!["report"],
        vec!["report", "--transactions", "x.csv", "--unit", "fortnight"],
        vec!["report", "--transactions", "x.csv", "--horizon", "1e12"],
        vec!["report", "--transactions", "x.csv", "--horizon", "NaN"],
        vec!["report", "--transactions", "x.csv", "--json", "--csv"],
        vec!["score", "--transactions", "x.csv"],
        vec!["frobnicate"],
    ] {
        let out = run(&args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let missing = run(&["summarise", "--transactions", "/nonexistent/x.csv"]);
    assert_eq!(missing.status.code(), Some(1));
}

/// A margin so large that CLV overflows: a flag on every row, never a bare null.
#[test]
fn an_overflowing_clv_is_flagged() {
    let file = format!(
        "{}/data/cdnow_sample_transactions.csv",
        env!("CARGO_MANIFEST_DIR")
    );
    let r = json(&["report", "--transactions", &file, "--margin", "1e308", "--json"]);
    for c in r["customers"].as_array().unwrap() {
        if c["clv"].is_null() {
            assert!(
                c["flags"].as_array().unwrap().iter().any(|f| f == "clv_failed"),
                "{c}"
            );
        }
    }
    assert_eq!(r["score_report"]["clv_failed"], 2357);
    // The report says why: the first CLV error, naming the customer.
    let why = r["score_report"]["first_errors"].as_array().unwrap();
    assert!(
        why.iter()
            .any(|e| e.as_str().unwrap().contains("CLV is not finite")),
        "{why:?}"
    );
}

/// Every flag with hostile values: the command exits 0, 1 or 2 with a message — never
/// 101 or a signal — and a JSON report never holds a NaN or an infinity (serde_json would
/// write `null`; the flags say why a value is missing).
#[test]
fn hostile_flag_values_exit_cleanly() {
    let file = format!(
        "{}/data/cdnow_sample_transactions.csv",
        env!("CARGO_MANIFEST_DIR")
    );
    let values = [
        "0",
        "-1",
        "1e-300",
        "1e300",
        "NaN",
        "inf",
        "",
        "x",
        "9999",
        "1997-02-30",
        "1e308",
        "-1e308",
        "1e12",
    ];
    let flags = [
        "--horizon",
        "--discount-rate",
        "--margin",
        "--calibration-end",
        "--observation-end",
        "--time-zone",
        "--date-format",
        "--customer-column",
        "--unit",
        "--model",
        "--load-model",
    ];
    for flag in flags {
        for value in values {
            let out = run(&["report", "--transactions", &file, flag, value, "--json"]);
            let code = out.status.code();
            assert!(
                matches!(code, Some(0..=2)),
                "{flag} {value}: {code:?} {}",
                String::from_utf8_lossy(&out.stderr)
            );
            if code == Some(0) {
                let r: Value = serde_json::from_slice(&out.stdout).unwrap();
                for c in r["customers"].as_array().unwrap() {
                    if r["model_error"].is_null() && c["clv"].is_null() {
                        let flags = c["flags"].as_array().unwrap();
                        assert!(!flags.is_empty(), "{flag} {value}: {c}");
                        // A failed CLV comes with the reason of the first failure.
                        if flags.iter().any(|f| f == "clv_failed") {
                            let why = r["score_report"]["first_errors"].as_array().unwrap();
                            assert!(!why.is_empty(), "{flag} {value}: no reason for {c}");
                        }
                    }
                }
            } else {
                assert!(!out.stderr.is_empty(), "{flag} {value}: no message");
            }
        }
    }
}

/// Progress on stderr: rows read, customers, fit iterations when stderr is a terminal
/// (a pseudo-terminal from `script`); nothing when it is not, or with `--quiet`.
#[test]
fn progress_only_on_a_terminal_and_not_with_quiet() {
    let file = data("cdnow_master_transactions.csv");
    let mut args = vec!["fit", "--transactions", file.as_str()];
    args.extend(&MASTER[..4]);
    let piped = run(&args);
    assert!(piped.status.success());
    assert!(
        piped.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&piped.stderr)
    );
    let has_script = Command::new("script")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_script {
        eprintln!("no `script` command: the terminal half is skipped");
        return;
    }
    let out_file = scratch("progress-model.json", b"");
    let on_terminal = |extra: &str| -> String {
        let command = format!(
            "{} {} {extra} > {}",
            env!("CARGO_BIN_EXE_customer-value"),
            args.join(" "),
            out_file.display()
        );
        let out = Command::new("script")
            .args(["-qec", &command, "/dev/null"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let shown = on_terminal("");
    for what in [
        "read 69659 rows",
        "summarised 23570 customers",
        "bgnbd fitted in",
        "spend model fitted in",
    ] {
        assert!(shown.contains(what), "{what}: {shown}");
    }
    assert!(!on_terminal("--quiet").contains("customer-value:"));
}

/// The apparel log and its covariates (CLVTools' data, `tests/data/apparel/`).
fn apparel_args<'a>(covariates: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut v = vec![
        "report",
        "--transactions",
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/apparel/apparelTrans.csv"),
        "--customer-column",
        "Id",
        "--date-column",
        "Date",
        "--amount-column",
        "Price",
        "--calibration-end",
        "2006-12-31",
        "--covariates",
        covariates,
        "--json",
    ];
    v.extend_from_slice(extra);
    v
}

const APPAREL_COV: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/apparel/apparelStaticCov.csv"
);

/// The library's covariate fit of the apparel calibration summaries.
fn apparel_library_fit<M: customer_value::btyd::covariates::CovariateModel>(
    options: &customer_value::btyd::covariates::CovariateOptions,
) -> customer_value::btyd::covariates::CovariateFit<M> {
    use customer_value::btyd::covariates::{CovariateData, CovariateFit, CovariateMatrix};
    use customer_value::io::{CsvOptions, read_transactions_csv_with};
    use customer_value::{SummarySpec, TimeUnit, summarise_columns};
    let text = std::fs::read(data("apparel/apparelTrans.csv")).unwrap();
    let read = CsvOptions::default()
        .customer_column("Id")
        .date_column("Date")
        .amount_column("Price");
    let log = read_transactions_csv_with::<u64, _>(text.as_slice(), &read).unwrap();
    let last = *log.columns().dates().iter().max().unwrap();
    let cal = chrono::NaiveDate::from_ymd_opt(2006, 12, 31).unwrap();
    let spec = SummarySpec::new(last)
        .with_calibration_end(cal)
        .with_unit(TimeUnit::WEEK);
    let s = summarise_columns(spec, log.columns()).unwrap();
    let cov = std::fs::read_to_string(APPAREL_COV).unwrap();
    let by_id: std::collections::HashMap<u64, (f64, f64)> = cov
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (
                f[0].parse().unwrap(),
                (f[1].parse().unwrap(), f[2].parse().unwrap()),
            )
        })
        .collect();
    let n = s.customers.len();
    let g: Vec<f64> = s.customers.iter().map(|c| by_id[&c.customer].0).collect();
    let ch: Vec<f64> = s.customers.iter().map(|c| by_id[&c.customer].1).collect();
    let m = CovariateMatrix::from_columns(n, &[("Gender", &g), ("Channel", &ch)]).unwrap();
    let cols = s.columns();
    let d = CovariateData::new(&cols.frequency, &cols.recency, &cols.age, m.clone(), m)
        .unwrap()
        .with_unit(TimeUnit::WEEK);
    CovariateFit::<M>::fit(&d, options).unwrap()
}

#[track_caller]
fn same_fit<M: customer_value::btyd::covariates::CovariateModel>(
    report: &Value,
    fit: &customer_value::btyd::covariates::CovariateFit<M>,
) {
    let params = &report["model"]["params"];
    let se = &report["model"]["standard_errors"];
    assert_eq!(params.as_object().unwrap().len(), fit.parameter_names.len());
    for (i, name) in fit.parameter_names.iter().enumerate() {
        let got = params[name].as_f64().unwrap_or_else(|| panic!("{name} missing"));
        assert!(
            rel(got, fit.estimates[i]) < 1e-9,
            "{name}: {got} vs {}",
            fit.estimates[i]
        );
        let got = se[name].as_f64().unwrap();
        let want = fit.standard_errors.as_ref().unwrap()[i];
        assert!(rel(got, want) < 1e-9, "SE {name}: {got} vs {want}");
    }
    assert!((report["model"]["log_likelihood"].as_f64().unwrap() - fit.log_likelihood).abs() < 1e-9);
}

#[test]
fn covariates_on_apparel_give_the_library_fit() {
    use customer_value::btyd::covariates::CovariateOptions;
    use customer_value::btyd::{BgNbd, ParetoNbd};
    let both = [
        "--purchase-covariates",
        "Gender,Channel",
        "--dropout-covariates",
        "Gender,Channel",
    ];
    let r = json(&apparel_args(
        APPAREL_COV,
        &[&["--model", "pnbd"][..], &both[..]].concat(),
    ));
    let fit = apparel_library_fit::<ParetoNbd>(&CovariateOptions::default());
    same_fit(&r, &fit);
    // CLVTools' published log-likelihood of this fit (tests/data/apparel).
    assert!((fit.log_likelihood - -5821.0627).abs() < 0.01);
    assert!(r["model"]["params"]["purchase.Gender"].is_f64());
    assert!(r["model"]["params"]["dropout.Channel"].is_f64());
    assert_eq!(r["covariates"]["customers_missing"], 0);
    assert_eq!(r["covariates"]["covariate_groups"], 4);
    assert_eq!(r["score_report"]["with_clv"], 600);

    // Constrained and regularised, BG/NBD (one dropout vector, as CLVTools).
    let extra = [
        &[
            "--model",
            "bgnbd",
            "--constrain",
            "Gender",
            "--regularise",
            "0.1,0.2",
        ][..],
        &both[..],
    ]
    .concat();
    let r = json(&apparel_args(APPAREL_COV, &extra));
    let opts = CovariateOptions::default()
        .with_regularisation(0.1, 0.2)
        .unwrap()
        .with_constraint("Gender")
        .with_shared_dropout();
    let fit = apparel_library_fit::<BgNbd>(&opts);
    same_fit(&r, &fit);
    assert!(r["model"]["params"]["constrained.Gender"].is_f64());
    assert!(r["model"]["params"].get("purchase.Gender").is_none());
}

#[test]
fn covariates_missing_customers_are_flagged_and_counted() {
    let cov = std::fs::read_to_string(APPAREL_COV).unwrap();
    // Customers 1 and 2 are not in the file; a customer not in the log is.
    let kept: String = cov
        .lines()
        .enumerate()
        .filter(|(i, _)| *i == 0 || *i > 2)
        .map(|(_, l)| format!("{l}\n"))
        .collect::<String>()
        + "999999,1,1\n";
    let file = scratch("apparel-cov-missing.csv", kept.as_bytes());
    let r = json(&apparel_args(
        file.to_str().unwrap(),
        &["--purchase-covariates", "Channel"],
    ));
    assert_eq!(r["covariates"]["customers_missing"], 2);
    assert_eq!(r["covariates"]["file_rows_unused"], 1);
    assert_eq!(r["covariates"]["customers_fitted"], 598.0);
    assert_eq!(r["score_report"]["missing_covariates"], 2);
    let c1 = customer(&r, 1);
    assert_eq!(c1["flags"], serde_json::json!(["missing_covariates"]));
    assert!(c1["p_alive"].is_null());
    assert!(customer(&r, 3)["p_alive"].is_f64());
    assert_eq!(r["customers"].as_array().unwrap().len(), 600);
}

#[test]
fn covariates_bad_file_or_flags_are_errors() {
    let bad = scratch("apparel-cov-bad.csv", b"Id,Gender,Channel\n1,0,0\n2,x,1\n");
    let out = run(&apparel_args(
        bad.to_str().unwrap(),
        &["--purchase-covariates", "Gender"],
    ));
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("apparel-cov-bad.csv: line 3: column `Gender`: `x` is not a number"),
        "{err}"
    );
    let out = run(&apparel_args(APPAREL_COV, &["--purchase-covariates", "Age"]));
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no column `Age`"));
    // Usage errors (exit 2): no column chosen, a constraint outside both sets.
    assert_eq!(run(&apparel_args(APPAREL_COV, &[])).status.code(), Some(2));
    let out = run(&apparel_args(
        APPAREL_COV,
        &["--purchase-covariates", "Gender", "--constrain", "Gender"],
    ));
    assert_eq!(out.status.code(), Some(2));
    let out = run(&apparel_args(
        APPAREL_COV,
        &["--purchase-covariates", "Gender", "--regularise", "0.1"],
    ));
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn covariates_spend_model_gains_coefficients() {
    use customer_value::btyd::FitOptions;
    use customer_value::btyd::covariates::{CovariateMatrix, SpendCovariateData, SpendCovariateFit};
    let r = json(&apparel_args(
        APPAREL_COV,
        &[
            "--purchase-covariates",
            "Channel",
            "--spend-covariates",
            "Gender,Channel",
        ],
    ));
    let sm = &r["spend_model"];
    // The library fit on the report's own summaries (frequency and mean repeat spend).
    let cov: std::collections::HashMap<u64, (f64, f64)> = std::fs::read_to_string(APPAREL_COV)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (
                f[0].parse().unwrap(),
                (f[1].parse().unwrap(), f[2].parse().unwrap()),
            )
        })
        .collect();
    let cs = r["customers"].as_array().unwrap();
    let x: Vec<f64> = cs.iter().map(|c| c["frequency"].as_f64().unwrap()).collect();
    let m: Vec<f64> = cs.iter().map(|c| c["monetary_value"].as_f64().unwrap()).collect();
    let id = |c: &Value| c["customer_id"].as_u64().unwrap();
    let g: Vec<f64> = cs.iter().map(|c| cov[&id(c)].0).collect();
    let ch: Vec<f64> = cs.iter().map(|c| cov[&id(c)].1).collect();
    let mat = CovariateMatrix::from_columns(cs.len(), &[("Gender", &g), ("Channel", &ch)]).unwrap();
    let fit = SpendCovariateFit::fit(
        &SpendCovariateData::new(&x, &m, &mat).unwrap(),
        &FitOptions::default(),
    )
    .unwrap();
    for (i, name) in fit.parameter_names.iter().enumerate() {
        assert!(
            rel(sm["params"][name].as_f64().unwrap(), fit.estimates[i]) < 1e-9,
            "{name}"
        );
        let se = fit.standard_errors.as_ref().unwrap()[i];
        assert!(
            rel(sm["standard_errors"][name].as_f64().unwrap(), se) < 1e-9,
            "SE {name}"
        );
    }
    // Each customer's expected spend is their own model's.
    let c = cs
        .iter()
        .find(|c| c["frequency"] == 0 && cov[&id(c)] == (1.0, 1.0))
        .unwrap();
    let own = fit
        .customer_model(&[1.0, 1.0])
        .unwrap()
        .population_mean_spend()
        .unwrap();
    assert!(rel(c["expected_spend"].as_f64().unwrap(), own) < 1e-12);
    assert_eq!(r["score_report"]["with_clv"], 600);
    // It needs --covariates (a usage error otherwise).
    let mut plain = apparel_args(APPAREL_COV, &[]);
    plain.retain(|a| *a != "--covariates" && *a != APPAREL_COV);
    plain.extend(["--spend-covariates", "Gender"]);
    assert_eq!(run(&plain).status.code(), Some(2));
}

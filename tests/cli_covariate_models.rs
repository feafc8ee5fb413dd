//! Covariate models through the command (feature `cli`): `report --covariates …
//! --save-model`, then `report --load-model` and `score --model` with the covariate file
//! give the same per-customer values as the fit; customers missing from the file are
//! flagged and counted; ids are matched as the log's reader parses them (`001` is
//! customer 1 in a numeric log); old (format 1) files still load.
#![cfg(feature = "cli")]

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_customer-value"))
        .args(args)
        .output()
        .unwrap()
}

fn ok(args: &[&str]) -> Vec<u8> {
    let out = run(args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn json(args: &[&str]) -> Value {
    serde_json::from_slice(&ok(args)).unwrap()
}

fn scratch(name: &str, text: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("customer-value-covmodels-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

const TRANS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/apparel/apparelTrans.csv");
const COV: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/apparel/apparelStaticCov.csv"
);

fn log_args(command: &str) -> Vec<&str> {
    vec![
        command,
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
    ]
}

/// The per-customer columns that must agree exactly between fit and loaded model.
const COLUMNS: [&str; 5] = [
    "p_alive",
    "expected_purchases_holdout",
    "expected_purchases_horizon",
    "expected_spend",
    "clv",
];

#[track_caller]
fn same_customers(a: &Value, b: &Value) {
    let (a, b) = (
        a["customers"].as_array().unwrap(),
        b["customers"].as_array().unwrap(),
    );
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(b) {
        assert_eq!(x["customer_id"], y["customer_id"]);
        for c in COLUMNS {
            assert_eq!(x[c], y[c], "customer {}: {c}", x["customer_id"]);
        }
        assert_eq!(x["flags"], y["flags"]);
    }
}

fn round_trip(model: &str, extra: &[&str]) {
    let file = scratch(&format!("{model}-model.json"), b"");
    let file = file.to_str().unwrap();
    let mut fit_args = log_args("report");
    fit_args.extend([
        "--model",
        model,
        "--covariates",
        COV,
        "--json",
        "--save-model",
        file,
    ]);
    fit_args.extend(extra);
    let fitted = json(&fit_args);
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    let p = &saved["purchase_model"];
    assert_eq!(p["format"], 2);
    assert!(p["covariates"]["coefficients"].as_object().unwrap().len() >= 2);
    assert_eq!(
        p["covariates"]["purchase"],
        serde_json::json!(["Gender", "Channel"])
    );

    let mut load = log_args("report");
    load.extend(["--load-model", file, "--covariates", COV, "--json"]);
    let loaded = json(&load);
    same_customers(&fitted, &loaded);
    assert_eq!(fitted["model"]["params"], loaded["model"]["params"]);
    assert_eq!(loaded["covariates"]["customers_missing"], 0);

    // `score` with the covariate file: the same table as the fit's CSV.
    let mut score = log_args("score");
    score.extend(["--model", file, "--covariates", COV]);
    let scored = ok(&score);
    let mut csv = fit_args.clone();
    csv.retain(|a| *a != "--json");
    let pos = csv.iter().position(|a| *a == "--save-model").unwrap();
    csv.drain(pos..pos + 2);
    csv.push("--csv");
    assert_eq!(
        String::from_utf8_lossy(&scored),
        String::from_utf8_lossy(&ok(&csv))
    );
}

#[test]
fn saved_covariate_models_score_as_the_fit() {
    let both = [
        "--purchase-covariates",
        "Gender,Channel",
        "--dropout-covariates",
        "Gender,Channel",
    ];
    round_trip("pnbd", &both);
    let constrained = [&both[..], &["--constrain", "Gender", "--regularise", "0.1,0.2"]].concat();
    round_trip("bgnbd", &constrained);
    let spend = [&both[..], &["--spend-covariates", "Channel"]].concat();
    round_trip("mbgnbd", &spend);
}

#[test]
fn loaded_covariate_model_flags_missing_customers_and_matches_numeric_ids() {
    let file = scratch("pnbd-missing.json", b"");
    let file = file.to_str().unwrap();
    let mut fit_args = log_args("report");
    fit_args.extend([
        "--model",
        "pnbd",
        "--covariates",
        COV,
        "--purchase-covariates",
        "Channel",
        "--json",
        "--save-model",
        file,
    ]);
    let fitted = json(&fit_args);
    // Ids written with leading zeros, customers 1 and 2 left out, one not in the log.
    let text = std::fs::read_to_string(COV).unwrap();
    let mut padded = String::new();
    for (i, line) in text.lines().enumerate() {
        if i == 0 {
            padded.push_str(line);
        } else if i > 2 {
            let (id, rest) = line.split_once(',').unwrap();
            padded.push_str(&format!("{:0>5},{rest}", id));
        } else {
            continue;
        }
        padded.push('\n');
    }
    padded.push_str("999999,1,1\n");
    let cov = scratch("padded.csv", padded.as_bytes());
    let mut load = log_args("report");
    load.extend([
        "--load-model",
        file,
        "--covariates",
        cov.to_str().unwrap(),
        "--json",
    ]);
    let loaded = json(&load);
    assert_eq!(loaded["covariates"]["customers_missing"], 2);
    assert_eq!(loaded["covariates"]["file_rows_unused"], 1);
    assert_eq!(loaded["score_report"]["missing_covariates"], 2);
    let cs = loaded["customers"].as_array().unwrap();
    let one = cs.iter().find(|c| c["customer_id"] == 1).unwrap();
    assert_eq!(one["flags"], serde_json::json!(["missing_covariates"]));
    let three = cs.iter().find(|c| c["customer_id"] == 3).unwrap();
    let want = fitted["customers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["customer_id"] == 3)
        .unwrap();
    assert_eq!(three["p_alive"], want["p_alive"]);
    // `0001` and `1` in one file are the same customer of a numeric log: an error.
    let dup = scratch("dup.csv", b"Id,Gender,Channel\n1,0,1\n0001,1,1\n");
    let mut bad = log_args("report");
    bad.extend([
        "--load-model",
        file,
        "--covariates",
        dup.to_str().unwrap(),
        "--json",
    ]);
    let out = run(&bad);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("same customer 1"));
}

#[test]
fn covariate_and_plain_model_files_are_not_confused() {
    let file = scratch("cov.json", b"");
    let file = file.to_str().unwrap();
    let mut fit_args = log_args("report");
    fit_args.extend([
        "--covariates",
        COV,
        "--purchase-covariates",
        "Channel",
        "--json",
        "--save-model",
        file,
    ]);
    json(&fit_args);
    // Without the covariate file: refused, not scored as the baseline.
    let mut load = log_args("score");
    load.extend(["--model", file]);
    let out = run(&load);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--covariates"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A plain (format 1) model still loads; with a covariate file it is refused.
    let plain = scratch("plain.json", b"");
    let plain = plain.to_str().unwrap();
    let mut fit = log_args("fit");
    fit.extend(["-o", plain]);
    ok(&fit);
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(plain).unwrap()).unwrap();
    assert_eq!(saved["purchase_model"]["format"], 1);
    let mut score = log_args("score");
    score.extend(["--model", plain]);
    ok(&score);
    score.extend(["--covariates", COV]);
    assert_eq!(run(&score).status.code(), Some(1));
    // Choosing columns with a loaded model is a usage error.
    let mut both = log_args("report");
    both.extend([
        "--load-model",
        file,
        "--covariates",
        COV,
        "--purchase-covariates",
        "Gender",
    ]);
    assert_eq!(run(&both).status.code(), Some(2));
}

#[test]
fn intervals_with_covariates_contain_the_estimate() {
    for (model, method) in [("pnbd", "delta"), ("bgnbd", "sampling")] {
        let mut args = log_args("report");
        args.extend([
            "--model",
            model,
            "--covariates",
            COV,
            "--purchase-covariates",
            "Gender,Channel",
            "--json",
            "--intervals",
            "0.9",
            "--interval-method",
            method,
            "--draws",
            "100",
        ]);
        if model == "pnbd" {
            args.extend(["--dropout-covariates", "Gender,Channel"]);
        }
        let r = json(&args);
        assert_eq!(r["intervals"]["method"], method);
        let names = r["intervals"]["parameters"].as_array().unwrap();
        assert!(names.iter().any(|n| n == "purchase.Gender"));
        for c in r["customers"].as_array().unwrap() {
            for (lo, v, hi) in [
                ("p_alive_lower", "p_alive", "p_alive_upper"),
                ("clv_lower", "clv", "clv_upper"),
            ] {
                let (l, x, h) = (
                    c[lo].as_f64().unwrap(),
                    c[v].as_f64().unwrap(),
                    c[hi].as_f64().unwrap(),
                );
                if method == "delta" {
                    assert!(l <= x && x <= h, "{}: {l} {x} {h}", c["customer_id"]);
                } else {
                    assert!(l <= h);
                }
            }
        }
    }
}

#[test]
fn ggom_nbd_with_covariates_fits_saves_and_loads() {
    let file = scratch("ggom-model.json", b"");
    let file = file.to_str().unwrap();
    let mut fit_args = log_args("report");
    fit_args.extend([
        "--model",
        "ggomnbd",
        "--covariates",
        COV,
        "--purchase-covariates",
        "Channel",
        "--dropout-covariates",
        "Channel",
        "--json",
        "--save-model",
        file,
    ]);
    let fitted = json(&fit_args);
    assert_eq!(fitted["model"]["name"], "ggomnbd");
    for k in ["b", "purchase.Channel", "dropout.Channel"] {
        assert!(fitted["model"]["params"][k].is_f64(), "{k}");
        assert!(fitted["model"]["standard_errors"][k].is_f64(), "SE {k}");
    }
    let mut load = log_args("report");
    load.extend(["--load-model", file, "--covariates", COV, "--json"]);
    let loaded = json(&load);
    same_customers(&fitted, &loaded);
}

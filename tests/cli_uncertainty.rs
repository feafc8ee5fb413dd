//! `customer-value report --intervals` and `--bayes` (feature `cli`): the added JSON
//! fields, their reproducibility, and the exit status without the `bayes` feature.
#![cfg(feature = "cli")]

use std::process::{Command, Output};

use serde_json::Value;

const LOG: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/cdnow_sample_transactions.csv");

fn run(extra: &[&str]) -> Output {
    let mut args = vec![
        "report",
        "--transactions",
        LOG,
        "--calibration-end",
        "1997-09-30",
        "--observation-end",
        "1998-06-30",
        "--json",
    ];
    args.extend_from_slice(extra);
    Command::new(env!("CARGO_BIN_EXE_customer-value"))
        .args(&args)
        .output()
        .unwrap()
}

fn json(extra: &[&str]) -> Value {
    let out = run(extra);
    assert!(
        out.status.success(),
        "{extra:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn intervals_bracket_the_point_values_and_repeat_with_the_seed() {
    let plain = json(&[]);
    assert!(plain["customers"][0].get("p_alive_lower").is_none());
    assert!(plain.get("intervals").is_none());
    for method in ["sampling", "delta"] {
        let a = json(&["--intervals", "0.9", "--interval-method", method, "--seed", "4"]);
        assert_eq!(a["intervals"]["method"], method);
        let customers = a["customers"].as_array().unwrap();
        assert_eq!(customers.len(), 2357);
        for c in customers {
            for (point, lo, hi) in [
                ("p_alive", "p_alive_lower", "p_alive_upper"),
                (
                    "expected_purchases_holdout",
                    "expected_purchases_holdout_lower",
                    "expected_purchases_holdout_upper",
                ),
                ("clv", "clv_lower", "clv_upper"),
            ] {
                let (p, l, u) = (
                    c[point].as_f64().unwrap(),
                    c[lo].as_f64().unwrap(),
                    c[hi].as_f64().unwrap(),
                );
                assert!(l <= p + 1e-9 && p <= u + 1e-9, "{method} {point}: {l} {p} {u}");
            }
            // The existing fields are those of the plain report.
        }
        assert_eq!(customers[5]["clv"], plain["customers"][5]["clv"]);
        if method == "sampling" {
            assert_eq!(a, json(&["--intervals", "0.9", "--seed", "4"]));
        }
    }
}

#[test]
fn bayes_without_its_feature_exits_with_status_2() {
    if cfg!(feature = "bayes") {
        let doc = json(&["--bayes", "--draws", "200", "--tune", "200", "--chains", "2"]);
        let post = &doc["model"]["posterior"];
        assert!(post["r_hat"]["r"].as_f64().unwrap() < 1.05);
        assert_eq!(doc["model"]["params"]["r"], post["mean"]["r"]);
    } else {
        let out = run(&["--bayes"]);
        assert_eq!(out.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&out.stderr).contains("`bayes` feature"));
    }
}

//! The main example, `clv_report`, as a user meets it: mutated CSV files (truncated lines,
//! wrong or missing columns, binary garbage, huge numbers) and random argument lists. The
//! built example binary runs directly (found beside this test's binary; built with cargo
//! if absent). Every run exits 0, 1 (bad data: a message naming the file) or 2 (bad
//! arguments: a message) — never 101 or a signal — and a JSON report parses (no NaN), with
//! a flag on every customer whose CLV is missing while the models were fitted.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use super::harness::Tally;
use super::rng::{Rng, scale};

/// The example binary of this test's profile.
fn example() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    let profile_dir = exe.parent().and_then(Path::parent).expect("target/<profile>");
    let bin = profile_dir
        .join("examples")
        .join(format!("clv_report{}", std::env::consts::EXE_SUFFIX));
    if !bin.exists() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut c = Command::new(cargo);
        c.args(["build", "--example", "clv_report", "--all-features"])
            .current_dir(env!("CARGO_MANIFEST_DIR"));
        if profile_dir.ends_with("release") {
            c.arg("--release");
        }
        assert!(
            c.status().expect("cargo runs").success(),
            "cannot build the clv_report example"
        );
    }
    bin
}

/// The first `rows` rows of the bundled CDNOW sample.
fn sample(rows: usize) -> String {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/data/cdnow_sample_transactions.csv"
    ))
    .expect("sample");
    text.lines().take(rows + 1).map(|l| format!("{l}\n")).collect()
}

fn mutate_csv(rng: &mut Rng, text: &str) -> Vec<u8> {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    for _ in 0..1 + rng.below(3) {
        let i = rng.usize(lines.len());
        let line = lines[i].clone();
        lines[i] = match rng.below(9) {
            0 => line[..rng.usize(line.len() + 1)].to_string(),
            1 => format!("{line},extra,columns"),
            2 => line.replace(',', ";"),
            3 => format!(
                "{},{}",
                line.split(',').next().unwrap_or(""),
                rng.pick(&[
                    "1e308",
                    "99999999999999999999999999999999",
                    "-79228162514264337593543950335",
                    "NaN",
                    "0.0000000000000000000000000001"
                ])
            ),
            4 => {
                let mut parts: Vec<&str> = line.split(',').collect();
                let big = rng.pick(&[
                    "9999-12-31",
                    "0000-01-01",
                    "1997-02-30",
                    "+262143-01-01",
                    "18446744073709551616",
                ]);
                if parts.len() > 1 {
                    parts[1] = big;
                }
                parts.join(",")
            }
            5 => "customer_id,when,amount".to_string(),
            6 => String::from_utf8_lossy(&rng.bytes(30)).to_string(),
            7 => format!("{},1997-03-01,79228162514264337593543950335", rng.u64()),
            _ => String::new(),
        };
    }
    let mut out = lines.join(if rng.chance(3) { "\r\n" } else { "\n" }).into_bytes();
    if rng.chance(8) {
        out.extend(rng.bytes(40));
    }
    out
}

fn args(rng: &mut Rng, file: &str, model_file: &str) -> Vec<String> {
    const VALUES: [&str; 25] = [
        "0",
        "-1",
        "1",
        "52",
        "1e-300",
        "1e300",
        "1e12",
        "NaN",
        "inf",
        "",
        "x",
        "9999",
        "10000",
        "10001",
        "1997-02-30",
        "1997-06-30",
        "1997-03-31",
        "0.1",
        "day",
        "week",
        "pnbd",
        "+05:30",
        "USD",
        "eur",
        "US$",
    ];
    const FLAGS: [&str; 17] = [
        "--horizon",
        "--discount-rate",
        "--margin",
        "--calibration-end",
        "--observation-end",
        "--time-zone",
        "--date-format",
        "--customer-column",
        "--date-column",
        "--amount-column",
        "--unit",
        "--model",
        "--load-model",
        "--save-model",
        "--currency",
        "--fold-case-ids",
        "--frobnicate",
    ];
    // Half the lists use only valid flags and values, so that runs reach the report.
    const GOOD: [(&str, &[&str]); 8] = [
        ("--horizon", &["1", "52", "520", "10000"]),
        ("--discount-rate", &["0", "0.1", "0.5"]),
        ("--margin", &["0.3", "1", "1e300"]),
        ("--calibration-end", &["1997-03-31", "1997-06-30"]),
        ("--unit", &["day", "week"]),
        (
            "--model",
            &["bgnbd", "pnbd", "mbgnbd", "bg-nbd", "pareto-nbd", "mbg-nbd"],
        ),
        ("--time-zone", &["UTC", "+05:30"]),
        ("--currency", &["USD", "eur"]),
    ];
    let mut a = vec!["--transactions".to_string(), file.to_string()];
    if rng.chance(2) {
        for _ in 0..rng.usize(4) {
            let (flag, values) = rng.pick(&GOOD);
            a.push(flag.to_string());
            a.push(rng.pick(values).to_string());
        }
        if rng.chance(3) {
            a.push("--fold-case-ids".into());
        }
        a.push(rng.pick(&["--json", "--csv", "--jsonl"]).to_string());
        return a;
    }
    for _ in 0..rng.usize(4) {
        let flag = rng.pick(&FLAGS);
        a.push(flag.to_string());
        match flag {
            "--load-model" | "--save-model" => a.push(model_file.to_string()),
            "--model" => a.push(
                rng.pick(&["bgnbd", "pnbd", "mbgnbd", "pareto-nbd", "bg-nbd", "bgbb", ""])
                    .to_string(),
            ),
            "--fold-case-ids" => {}
            _ if rng.chance(10) => {}
            _ => a.push(rng.pick(&VALUES).to_string()),
        }
    }
    if rng.chance(4) {
        a.push("--no-amount".into());
    }
    a.push(
        rng.pick(&["--json", "--json", "--csv", "--jsonl", ""])
            .to_string(),
    );
    a.retain(|s| !s.is_empty() || rng.chance(2));
    a
}

#[test]
fn clv_report_exits_0_1_or_2_with_a_message() {
    let bin = example();
    let mut t = Tally::new("clv_report");
    let mut rng = Rng::new(91);
    let dir = std::env::temp_dir().join(format!("cv-adversarial-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    let base = sample(250);
    // Fewer example runs than library cases: each is a process with a fit.
    for case in 0..150 * scale().min(10) {
        let file = dir.join(format!("log{}.csv", case % 4));
        let text = if rng.chance(6) {
            base.clone().into_bytes()
        } else {
            mutate_csv(&mut rng, &base)
        };
        std::fs::write(&file, &text).expect("scratch file");
        let model_file = dir.join("model.json");
        let a = args(&mut rng, &file.to_string_lossy(), &model_file.to_string_lossy());
        let w = || format!("case {case}: clv_report {}", a.join(" "));
        let Some(out) = t.call(w, || Command::new(&bin).args(&a).output()) else {
            continue;
        };
        let code = out.status.code();
        if let Some(c @ 1..=2) = code {
            // Counted as what the run was refused for, not as an `Ok`.
            t.ok -= 1;
            *t.errors.entry(format!("exit {c}")).or_default() += 1;
        }
        let stderr = String::from_utf8_lossy(&out.stderr);
        t.promise(matches!(code, Some(0..=2)), || {
            format!("{}: exit {code:?}: {stderr}", w())
        });
        if code != Some(0) {
            t.promise(!stderr.trim().is_empty(), || {
                format!("{}: exit {code:?} without a message", w())
            });
        }
        let uses_model_file = a.iter().any(|s| s == "--load-model" || s == "--save-model");
        if code == Some(1) && !uses_model_file {
            let name = file.to_string_lossy();
            t.promise(stderr.contains(name.as_ref()), || {
                format!("{}: exit 1 without the file's name: {stderr}", w())
            });
        }
        if code == Some(0) && a.iter().any(|s| s == "--json") {
            check_json(&mut t, &w, &out.stdout);
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    t.finish();
}

/// A `--json` report parses (no NaN); every value the table promises is a number or the
/// customer carries a flag saying why not; probabilities are in [0, 1], expectations ≥ 0.
fn check_json(t: &mut Tally, w: &dyn Fn() -> String, stdout: &[u8]) {
    let r = match serde_json::from_slice::<Value>(stdout) {
        Err(e) => return t.promise(false, || format!("{}: JSON does not parse: {e}", w())),
        Ok(r) => r,
    };
    let models = r["model_error"].is_null()
        && r["spend_model_error"].is_null()
        && !r["model"].is_null()
        && !r["spend_model"].is_null();
    for c in r["customers"].as_array().into_iter().flatten() {
        let flags = c["flags"].as_array().map_or(0, Vec::len);
        for key in [
            "clv",
            "p_alive",
            "expected_spend",
            "p_alive_at_horizon",
            "expected_purchases",
        ] {
            if models && c[key].is_null() {
                t.promise(flags > 0, || format!("{}: null {key} without a flag: {c}", w()));
            }
        }
        for key in ["p_alive", "p_alive_at_horizon"] {
            if let Some(p) = c[key].as_f64() {
                t.probability(p, || format!("{}: {key} of {c}", w()));
            }
        }
        if let Some(e) = c["expected_purchases"].as_f64() {
            t.promise(e >= 0.0, || format!("{}: expected_purchases of {c}", w()));
        }
    }
}

/// The installable command (`customer-value`, feature `cli`): built beside this test when the
/// feature is on (`--all-features`), skipped otherwise.
const COMMAND: Option<&str> = option_env!("CARGO_BIN_EXE_customer-value");

/// A random `customer-value` command line: a subcommand (or none, or an unknown one), then
/// valid and hostile flags and values.
fn command_args(rng: &mut Rng, file: &str, model_file: &str, out_file: &str) -> Vec<String> {
    const SUB: [&str; 6] = ["report", "report", "fit", "score", "summarise", "frobnicate"];
    const VALUES: [&str; 24] = [
        "0",
        "-1",
        "1",
        "52",
        "1e-300",
        "1e300",
        "1e12",
        "NaN",
        "inf",
        "",
        "x",
        "10000",
        "1997-02-30",
        "1997-06-30",
        "1997-03-31",
        "0.1",
        "day",
        "week",
        "month",
        "pnbd",
        "pareto-nbd",
        "+05:30",
        "USD",
        "csv",
    ];
    const FLAGS: [&str; 24] = [
        "--horizon",
        "--discount-rate",
        "--margin",
        "--calibration-end",
        "--observation-end",
        "--time-zone",
        "--date-format",
        "--customer-column",
        "--date-column",
        "--amount-column",
        "--unit",
        "--model",
        "--currency",
        "--format",
        "--intervals",
        "--draws",
        "--seed",
        "--covariates",
        "--load-model",
        "--save-model",
        "--fold-case-ids",
        "--no-amount",
        "--quiet",
        "--frobnicate",
    ];
    let sub = rng.pick(&SUB);
    let mut a = vec![sub.to_string(), "--transactions".to_string(), file.to_string()];
    if sub == "score" && rng.below(5) > 0 {
        a.extend(["--model".to_string(), model_file.to_string()]);
    }
    if sub == "fit" && rng.chance(2) {
        a.extend(["-o".to_string(), out_file.to_string()]);
    }
    let good = rng.chance(2);
    for _ in 0..rng.usize(4) {
        if good {
            let (flag, values): (&str, &[&str]) = rng.pick(&[
                ("--horizon", &["1", "52", "520"][..]),
                ("--calibration-end", &["1997-03-31", "1997-06-30"][..]),
                ("--unit", &["day", "week", "month"][..]),
                ("--currency", &["USD", "eur"][..]),
                ("--fold-case-ids", &[][..]),
            ]);
            if matches!(sub, "fit" | "summarise") && matches!(flag, "--horizon" | "--currency") {
                continue;
            }
            a.push(flag.to_string());
            if !values.is_empty() {
                a.push(rng.pick(values).to_string());
            }
            continue;
        }
        let flag = rng.pick(&FLAGS);
        a.push(flag.to_string());
        match flag {
            "--fold-case-ids" | "--no-amount" | "--quiet" => {}
            "--load-model" | "--save-model" | "--covariates" => a.push(model_file.to_string()),
            "--model" if sub == "score" => a.push(model_file.to_string()),
            _ if rng.chance(10) => {}
            _ => a.push(rng.pick(&VALUES).to_string()),
        }
    }
    if sub == "report" {
        a.push(
            rng.pick(&["--json", "--json", "--csv", "--jsonl", ""])
                .to_string(),
        );
    }
    a.retain(|s| !s.is_empty() || rng.chance(2));
    a
}

#[test]
fn customer_value_command_exits_0_1_or_2_with_a_message() {
    let Some(bin) = COMMAND else {
        eprintln!("customer-value: not built (feature cli off), skipped");
        return;
    };
    let mut t = Tally::new("customer-value");
    let mut rng = Rng::new(92);
    let dir = std::env::temp_dir().join(format!("cv-adversarial-cmd-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    let base = sample(250);
    let sample_file = dir.join("sample.csv");
    std::fs::write(&sample_file, &base).expect("scratch file");
    let good_model = dir.join("good-model.json");
    let fitted = Command::new(bin)
        .args(["fit", "--transactions"])
        .arg(&sample_file)
        .arg("-o")
        .arg(&good_model)
        .output()
        .expect("customer-value runs");
    assert!(fitted.status.success(), "fit on the sample: {fitted:?}");
    let model_text = std::fs::read(&good_model).expect("model file");
    for case in 0..100 * scale().min(10) {
        let file = dir.join(format!("log{}.csv", case % 4));
        let text = if rng.chance(6) {
            base.clone().into_bytes()
        } else {
            mutate_csv(&mut rng, &base)
        };
        std::fs::write(&file, &text).expect("scratch file");
        // The model file: the fitted one, mutated bytes of it, or a CSV log.
        let model_file = dir.join("model.json");
        let model = match rng.below(4) {
            0 | 1 => model_text.clone(),
            2 => {
                let mut m = model_text.clone();
                for _ in 0..1 + rng.usize(3) {
                    let i = rng.usize(m.len());
                    m[i] = rng.pick(b"0123456789-+.eE\"{}[],:nul \xff");
                }
                m
            }
            _ => text.clone(),
        };
        std::fs::write(&model_file, &model).expect("scratch file");
        let out_file = dir.join("out.json");
        let a = command_args(
            &mut rng,
            &file.to_string_lossy(),
            &model_file.to_string_lossy(),
            &out_file.to_string_lossy(),
        );
        let w = || format!("case {case}: customer-value {}", a.join(" "));
        let Some(out) = t.call(w, || Command::new(bin).args(&a).output()) else {
            continue;
        };
        let code = out.status.code();
        if let Some(c @ 1..=2) = code {
            t.ok -= 1;
            *t.errors.entry(format!("exit {c}")).or_default() += 1;
        }
        let stderr = String::from_utf8_lossy(&out.stderr);
        t.promise(matches!(code, Some(0..=2)), || {
            format!("{}: exit {code:?}: {stderr}", w())
        });
        if code != Some(0) {
            t.promise(!stderr.trim().is_empty(), || {
                format!("{}: exit {code:?} without a message", w())
            });
        }
        let stdout = String::from_utf8_lossy(&out.stdout);
        if code == Some(0) {
            // A field of the CSV tables (or a JSON number) that is not finite.
            let bad = stdout
                .split([',', '\n', ':', '{', '}', '[', ']'])
                .any(|f| matches!(f.trim(), "NaN" | "inf" | "-inf" | "nan"));
            t.promise(!bad, || format!("{}: NaN or inf in the output", w()));
        }
        if code == Some(0) && a.iter().any(|s| s == "--json") {
            check_json(&mut t, &w, &out.stdout);
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    t.finish();
}

/// The `--json` report of the example on `csv` with `extra` flags.
fn example_json(csv: &str, extra: &[&str]) -> Value {
    let dir = std::env::temp_dir().join(format!("cv-report-regression-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    static RUN: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let run = RUN.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let file = dir.join(format!("log-{run}.csv"));
    std::fs::write(&file, csv).expect("scratch file");
    let out = Command::new(example())
        .arg("--transactions")
        .arg(&file)
        .args(extra)
        .arg("--json")
        .output()
        .expect("clv_report runs");
    assert!(
        out.status.success(),
        "{extra:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON")
}

/// A shop export's shape: an email typed in two cases, a refund dated after the last order.
const MESSY: &str = "customer_id,date,amount
ana@example.com,2024-01-02,10.00
Ana@Example.com,2024-02-03,20.00
ana@example.com,2024-03-04,5.00
bo@example.com,2024-01-15,7.00
bo@example.com,2024-02-20,9.00
chen@example.com,2024-01-20,12.00
chen@example.com,2024-03-10,4.00
chen@example.com,2024-05-30,-4.00
";

#[test]
fn report_refund_after_the_last_order_does_not_move_the_observation_end() {
    let r = example_json(MESSY, &[]);
    assert_eq!(
        r["observation_end"], "2024-03-10",
        "the last purchase, not the refund"
    );
    assert_eq!(r["summary_report"]["rows_after_observation_end"], 1);
    // Asked for, the window reaches the refund.
    let r = example_json(MESSY, &["--observation-end", "2024-05-30"]);
    assert_eq!(r["observation_end"], "2024-05-30");
    assert_eq!(r["summary_report"]["rows_after_observation_end"], 0);
}

#[test]
fn report_fold_case_ids_merges_email_case_variants_and_counts_them() {
    let exact = example_json(MESSY, &[]);
    assert_eq!(
        exact["summary_report"]["customers"], 4,
        "ids are exact by default"
    );
    assert_eq!(exact["customer_id_case_variants"], 1);
    assert_eq!(exact["fold_case_ids"], false);
    let folded = example_json(MESSY, &["--fold-case-ids"]);
    assert_eq!(folded["summary_report"]["customers"], 3);
    assert_eq!(folded["customer_id_case_variants"], 1);
    assert_eq!(folded["fold_case_ids"], true);
    let ana = folded["customers"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["customer_id"] == "ana@example.com"))
        .expect("ana in lower case");
    assert_eq!(ana["frequency"], 2, "three orders on three days: two repeats");
}

#[test]
fn report_currency_is_printed_beside_money_and_in_json() {
    let r = example_json(MESSY, &["--currency", "usd"]);
    assert_eq!(r["clv_settings"]["currency"], "USD");
    assert!(example_json(MESSY, &[])["clv_settings"]["currency"].is_null());
    let out = Command::new(example())
        .args(["--currency", "EUR"])
        .output()
        .expect("clv_report runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("amounts in EUR"), "{text}");
    let clv = text
        .lines()
        .find(|l| l.starts_with("CLV over"))
        .expect("CLV line");
    assert!(clv.contains(" EUR, mean ") && clv.contains(" EUR ("), "{clv}");
    let bad = Command::new(example())
        .args(["--currency", "US$"])
        .output()
        .expect("clv_report runs");
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn report_model_accepts_hyphenated_names() {
    let base = sample(250);
    for (alias, name) in [
        ("bg-nbd", "bgnbd"),
        ("pareto-nbd", "pnbd"),
        ("mbg-nbd", "mbgnbd"),
        ("ggom-nbd", "ggomnbd"),
    ] {
        let a = example_json(&base, &["--model", alias]);
        let b = example_json(&base, &["--model", name]);
        assert_eq!(a["model"], b["model"], "{alias}");
        assert!(a["model"]["name"].is_string(), "{alias}: {}", a["model_error"]);
    }
    if let Some(bin) = COMMAND {
        let out = Command::new(bin)
            .args(["fit", "--model", "pareto-nbd", "--transactions"])
            .arg(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/data/cdnow_sample_transactions.csv"
            ))
            .output()
            .expect("customer-value runs");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
}

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
    const VALUES: [&str; 22] = [
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
    ];
    const FLAGS: [&str; 15] = [
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
        "--frobnicate",
    ];
    // Half the lists use only valid flags and values, so that runs reach the report.
    const GOOD: [(&str, &[&str]); 7] = [
        ("--horizon", &["1", "52", "520", "10000"]),
        ("--discount-rate", &["0", "0.1", "0.5"]),
        ("--margin", &["0.3", "1", "1e300"]),
        ("--calibration-end", &["1997-03-31", "1997-06-30"]),
        ("--unit", &["day", "week"]),
        ("--model", &["bgnbd", "pnbd", "mbgnbd"]),
        ("--time-zone", &["UTC", "+05:30"]),
    ];
    let mut a = vec!["--transactions".to_string(), file.to_string()];
    if rng.chance(2) {
        for _ in 0..rng.usize(4) {
            let (flag, values) = rng.pick(&GOOD);
            a.push(flag.to_string());
            a.push(rng.pick(values).to_string());
        }
        a.push(rng.pick(&["--json", "--csv", "--jsonl"]).to_string());
        return a;
    }
    for _ in 0..rng.usize(4) {
        let flag = rng.pick(&FLAGS);
        a.push(flag.to_string());
        match flag {
            "--load-model" | "--save-model" => a.push(model_file.to_string()),
            "--model" => a.push(rng.pick(&["bgnbd", "pnbd", "mbgnbd", "bgbb", ""]).to_string()),
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
            match serde_json::from_slice::<Value>(&out.stdout) {
                Err(e) => t.promise(false, || format!("{}: JSON does not parse: {e}", w())),
                Ok(r) => {
                    let models = r["model_error"].is_null()
                        && r["spend_model_error"].is_null()
                        && !r["model"].is_null()
                        && !r["spend_model"].is_null();
                    for c in r["customers"].as_array().into_iter().flatten() {
                        let flags = c["flags"].as_array().map_or(0, Vec::len);
                        if models && c["clv"].is_null() {
                            t.promise(flags > 0, || format!("{}: null clv without a flag: {c}", w()));
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
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    t.finish();
}

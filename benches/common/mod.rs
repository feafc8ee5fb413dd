//! Synthetic transaction logs for the benchmarks, and the peer's files when present.
//!
//! The generator follows the process of `gen_synth.py` in the project's peer harness
//! (Pareto/NBD-like: 730 days from 2022-01-01, one first purchase per customer in the first
//! 640 days, Gamma(0.8) purchase rates, Gamma(0.7, 1/250) death rates, log-normal amounts
//! with 2 decimals, rows sorted by date), with a fixed seed and a self-contained PRNG, so
//! the rows are statistically the same but not byte-identical to numpy's stream. Set
//! `CV_BENCH_DATA` to the harness's data folder to benchmark on its exact files instead.
#![allow(dead_code)]

use chrono::NaiveDate;
use rust_decimal::Decimal;

/// SplitMix64: tiny, fast, good enough for benchmark data.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in (0, 1).
    pub fn uniform(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }
    pub fn normal(&mut self) -> f64 {
        let (u, v) = (self.uniform(), self.uniform());
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }
    /// Gamma(shape, 1) by Marsaglia & Tsang (boosted for shape < 1).
    pub fn gamma(&mut self, shape: f64) -> f64 {
        if shape < 1.0 {
            return self.gamma(shape + 1.0) * self.uniform().powf(1.0 / shape);
        }
        let d = shape - 1.0 / 3.0;
        let c = 1.0 / (9.0 * d).sqrt();
        loop {
            let x = self.normal();
            let v = (1.0 + c * x).powi(3);
            if v > 0.0 && self.uniform().ln() < 0.5 * x * x + d - d * v + d * v.ln() {
                return d * v;
            }
        }
    }
}

pub struct Log {
    pub customers: Vec<u64>,
    pub dates: Vec<NaiveDate>,
    pub amounts: Vec<Decimal>,
}

pub const END: (i32, u32, u32) = (2023, 12, 31);

pub fn end() -> NaiveDate {
    NaiveDate::from_ymd_opt(END.0, END.1, END.2).unwrap()
}

/// `rows` transactions over `rows / 10` customers.
pub fn synthetic(rows: usize, seed: u64) -> Log {
    let n_cust = rows / 10;
    let mut rng = Rng::new(seed);
    let start = NaiveDate::from_ymd_opt(2022, 1, 1).unwrap();
    let mut birth = Vec::with_capacity(n_cust);
    let mut span = Vec::with_capacity(n_cust);
    let mut m = Vec::with_capacity(n_cust);
    let mut cum = Vec::with_capacity(n_cust);
    let mut total = 0.0;
    for _ in 0..n_cust {
        let b = (rng.next_u64() % 640) as f64;
        let lam = rng.gamma(0.8);
        let mu = rng.gamma(0.7) / 250.0;
        let life = -rng.uniform().ln() / mu;
        let s = life.min(729.0 - b);
        birth.push(b);
        span.push(s);
        m.push(3.2 + 0.5 * rng.normal());
        total += lam * s;
        cum.push(total);
    }
    let mut rows_v: Vec<(u32, u64, i64)> = Vec::with_capacity(rows);
    for c in 0..n_cust {
        rows_v.push((birth[c] as u32, c as u64, cents(&mut rng, m[c])));
    }
    for _ in n_cust..rows {
        let u = rng.uniform() * total;
        let c = cum.partition_point(|&w| w <= u).min(n_cust - 1);
        let day = (birth[c] + rng.uniform() * span[c]).floor() as u32;
        rows_v.push((day, c as u64, cents(&mut rng, m[c])));
    }
    rows_v.sort_unstable();
    let days: Vec<NaiveDate> = (0..730).map(|d| start + chrono::Duration::days(d)).collect();
    Log {
        customers: rows_v.iter().map(|r| r.1 + 1).collect(),
        dates: rows_v.iter().map(|r| days[r.0 as usize]).collect(),
        amounts: rows_v.iter().map(|r| Decimal::new(r.2, 2)).collect(),
    }
}

fn cents(rng: &mut Rng, m: f64) -> i64 {
    ((m + 0.6 * rng.normal()).exp() * 100.0).round().max(1.0) as i64
}

/// The harness's `synthetic_<label>.csv`, if `CV_BENCH_DATA` points at it.
/// The log as `customer_id,date,amount` CSV text, as the peer harness writes it.
pub fn csv_text(log: &Log) -> Vec<u8> {
    use std::io::Write;
    let mut out = Vec::with_capacity(log.customers.len() * 24);
    let _ = writeln!(out, "customer_id,date,amount");
    for ((c, d), a) in log.customers.iter().zip(&log.dates).zip(&log.amounts) {
        let _ = writeln!(out, "{c},{d},{a}");
    }
    out
}

/// The log as CSV with `YYYY-MM-DD HH:MM:SS` date-times (pandas' and Postgres' naive
/// timestamp spelling): a deterministic time of day per row, so few rows repeat the
/// previous row's text.
pub fn csv_timestamp_text(log: &Log) -> Vec<u8> {
    use std::io::Write;
    let mut out = Vec::with_capacity(log.customers.len() * 33);
    let _ = writeln!(out, "customer_id,date,amount");
    for (i, ((c, d), a)) in log.customers.iter().zip(&log.dates).zip(&log.amounts).enumerate() {
        let s = (i * 7_919) % 86_400;
        let _ = writeln!(
            out,
            "{c},{d} {:02}:{:02}:{:02},{a}",
            s / 3_600,
            s / 60 % 60,
            s % 60
        );
    }
    out
}

pub fn peer_file(label: &str) -> Option<Log> {
    let dir = std::env::var_os("CV_BENCH_DATA")?;
    let path = std::path::Path::new(&dir).join(format!("synthetic_{label}.csv"));
    let file = std::io::BufReader::new(std::fs::File::open(path).ok()?);
    let log = customer_value::io::read_transactions_csv::<u64, _>(file).ok()?;
    let cols = log.columns();
    Some(Log {
        customers: cols.customers().to_vec(),
        dates: cols.dates().to_vec(),
        amounts: cols.amounts().to_vec(),
    })
}

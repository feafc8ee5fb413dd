//! Static-covariate fits: Pareto/NBD on CLVTools' apparel data (600 customers, Gender and
//! Channel in both processes), and BG/NBD and Pareto/NBD on 1,000,000 simulated customers
//! with 4 binary covariates in both processes (16 covariate groups).

mod common;

use std::hint::black_box;

use criterion::{Criterion, criterion_group};
use customer_value::btyd::covariates::{CovariateData, CovariateFit, CovariateMatrix, CovariateOptions};
use customer_value::btyd::{BgNbd, ParetoNbd};

/// The apparel summaries (weeks, estimation end 2006-12-31, purchases by day) with Gender
/// and Channel.
fn apparel() -> CovariateData {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/apparel/");
    let trans = std::fs::read_to_string(format!("{dir}apparelTrans.csv")).unwrap();
    let mut days: std::collections::BTreeMap<u32, Vec<chrono::NaiveDate>> = Default::default();
    for line in trans.lines().skip(1) {
        let mut f = line.split(',');
        let id: u32 = f.next().unwrap().parse().unwrap();
        let d = chrono::NaiveDate::parse_from_str(f.next().unwrap(), "%Y-%m-%d").unwrap();
        days.entry(id).or_default().push(d);
    }
    let end = chrono::NaiveDate::from_ymd_opt(2006, 12, 31).unwrap();
    let (mut x, mut tx, mut t) = (vec![], vec![], vec![]);
    for (_, mut d) in days {
        d.sort();
        d.dedup();
        let first = d[0];
        d.retain(|v| *v <= end);
        x.push((d.len() - 1) as f64);
        tx.push((*d.last().unwrap() - first).num_days() as f64 / 7.0);
        t.push((end - first).num_days() as f64 / 7.0);
    }
    let cov = std::fs::read_to_string(format!("{dir}apparelStaticCov.csv")).unwrap();
    let (mut g, mut c) = (vec![], vec![]);
    for line in cov.lines().skip(1) {
        let f: Vec<f64> = line.split(',').map(|v| v.parse().unwrap()).collect();
        g.push(f[1]);
        c.push(f[2]);
    }
    let m = CovariateMatrix::from_columns(x.len(), &[("Gender", &g), ("Channel", &c)]).unwrap();
    CovariateData::new(&x, &tx, &t, m.clone(), m).unwrap()
}

/// One million customers, 4 binary covariates, Pareto/NBD process in weeks (rates
/// scaled by the covariates), observed 104 weeks from births over the first 90.
fn million() -> CovariateData {
    let n = 1_000_000;
    let mut rng = common::Rng::new(20_261_207);
    let mut cols: Vec<Vec<f64>> = (0..4).map(|_| Vec::with_capacity(n)).collect();
    let (mut x, mut tx, mut t) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    let (gp, gd) = ([0.3, -0.2, 0.1, 0.4], [-0.3, 0.2, 0.25, -0.1]);
    for _ in 0..n {
        let c: Vec<f64> = (0..4).map(|_| f64::from(u8::from(rng.uniform() < 0.5))).collect();
        let ep: f64 = c.iter().zip(gp).map(|(c, g)| c * g).sum();
        let ed: f64 = c.iter().zip(gd).map(|(c, g)| c * g).sum();
        for (col, v) in cols.iter_mut().zip(&c) {
            col.push(*v);
        }
        let age = 14.0 + (rng.uniform() * 90.0 * 7.0).floor() / 7.0;
        let lam = rng.gamma(0.8) / 5.0 * ep.exp();
        let mu = rng.gamma(0.7) / 40.0 * ed.exp();
        let life = (-rng.uniform().ln() / mu).min(age);
        let (mut k, mut last, mut clock) = (0.0, 0.0, 0.0);
        loop {
            clock += -rng.uniform().ln() / lam;
            if clock > life {
                break;
            }
            k += 1.0;
            last = clock;
        }
        // Whole days, as a daily log gives them.
        x.push(k);
        tx.push((last * 7.0).floor() / 7.0);
        t.push(age);
    }
    let names = ["c1", "c2", "c3", "c4"];
    let columns: Vec<(&str, &[f64])> = names
        .iter()
        .copied()
        .zip(cols.iter().map(Vec::as_slice))
        .collect();
    let m = CovariateMatrix::from_columns(n, &columns).unwrap();
    CovariateData::new(&x, &tx, &t, m.clone(), m).unwrap()
}

fn bench(c: &mut Criterion) {
    let opts = CovariateOptions::default();
    let small = apparel();
    c.bench_function("covariates/pnbd_fit_apparel", |b| {
        b.iter(|| CovariateFit::<ParetoNbd>::fit(black_box(&small), &opts).unwrap())
    });
    let big = million();
    let mut group = c.benchmark_group("covariates_1e6");
    group.sample_size(10);
    group.bench_function("bgnbd_fit_4_covariates", |b| {
        b.iter(|| CovariateFit::<BgNbd>::fit(black_box(&big), &opts).unwrap())
    });
    group.bench_function("pnbd_fit_4_covariates", |b| {
        b.iter(|| CovariateFit::<ParetoNbd>::fit(black_box(&big), &opts).unwrap())
    });
    group.finish();
}

/// Apparel with CLVTools' weekly covariates (High.Season, Gender, Channel in both
/// processes; 600 customers × 313 weeks) from `/work/shared/data/apparel/apparelDynCov.csv`
/// (or `$APPAREL_DYNCOV`), read with the public loader.
fn apparel_time_varying() -> Option<customer_value::btyd::covariates::time_varying::TimeVaryingData> {
    use customer_value::btyd::covariates::time_varying::{TimeVaryingData, TimeVaryingTable, TvCustomer};
    let path = std::env::var("APPAREL_DYNCOV")
        .unwrap_or_else(|_| "/work/shared/data/apparel/apparelDynCov.csv".into());
    let table = TimeVaryingTable::from_csv(&std::fs::read_to_string(path).ok()?).ok()?;
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/apparel/");
    let trans = std::fs::read_to_string(format!("{dir}apparelTrans.csv")).ok()?;
    let mut days: std::collections::BTreeMap<String, Vec<chrono::NaiveDate>> = Default::default();
    for line in trans.lines().skip(1) {
        let mut f = line.split(',');
        let id = f.next()?.to_owned();
        let d = chrono::NaiveDate::parse_from_str(f.next()?, "%Y-%m-%d").ok()?;
        days.entry(id).or_default().push(d);
    }
    let end = chrono::NaiveDate::from_ymd_opt(2006, 12, 31)?;
    let customers = table
        .ids
        .iter()
        .map(|id| {
            let mut d = days.get(id).cloned().unwrap_or_default();
            d.sort();
            d.dedup();
            let first = d[0];
            let w = |v: chrono::NaiveDate| (v - first).num_days() as f64 / 7.0;
            let buys = d.iter().skip(1).filter(|v| **v <= end).map(|v| w(*v)).collect();
            TvCustomer::new(table.period_of(first), buys, w(end)).unwrap()
        })
        .collect();
    TimeVaryingData::new(customers, table.covariates.clone(), table.covariates).ok()
}

fn bench_time_varying(c: &mut Criterion) {
    use customer_value::btyd::covariates::time_varying::{TimeVaryingFit, TvModel};
    let Some(data) = apparel_time_varying() else {
        eprintln!("apparelDynCov.csv not found: skipping the time-varying benches");
        return;
    };
    let mut group = c.benchmark_group("covariates_time_varying");
    group.sample_size(10);
    let opts = customer_value::btyd::FitOptions::default();
    group.bench_function("pnbd_fit_apparel_313_weeks", |b| {
        b.iter(|| TimeVaryingFit::fit(TvModel::ParetoNbd, black_box(&data), &opts).unwrap())
    });
    let mut v = vec![1.8, 90.0, 0.6, 50.0];
    v.extend([0.1; 6]);
    group.bench_function("pnbd_log_likelihood_apparel", |b| {
        b.iter(|| TimeVaryingFit::evaluate(TvModel::ParetoNbd, black_box(&data), &v).unwrap())
    });
    group.bench_function("pnbd_log_likelihood_gradient_apparel", |b| {
        b.iter(|| TimeVaryingFit::log_likelihood_gradient(TvModel::ParetoNbd, black_box(&data), &v).unwrap())
    });
    group.bench_function("bgnbd_fit_apparel_313_weeks", |b| {
        b.iter(|| TimeVaryingFit::fit(TvModel::BgNbd, black_box(&data), &opts).unwrap())
    });
    group.finish();
}

criterion_group!(benches, bench, bench_time_varying);

/// `CV_COVARIATES_ONCE=apparel|bgnbd_1e6|pnbd_1e6` runs that one fit once and prints its
/// wall time (for `valgrind --tool=callgrind` and `/usr/bin/time`); otherwise criterion.
fn main() {
    if let Ok(which) = std::env::var("CV_COVARIATES_ONCE") {
        let opts = CovariateOptions::default();
        let data = if which == "apparel" { apparel() } else { million() };
        let start = std::time::Instant::now();
        let (ll, iterations) = match which.as_str() {
            "apparel" | "pnbd_1e6" => {
                let f = CovariateFit::<ParetoNbd>::fit(&data, &opts).unwrap();
                (f.log_likelihood, f.iterations)
            }
            "bgnbd_1e6" => {
                let f = CovariateFit::<BgNbd>::fit(&data, &opts).unwrap();
                (f.log_likelihood, f.iterations)
            }
            other => panic!("CV_COVARIATES_ONCE={other}: apparel, bgnbd_1e6 or pnbd_1e6"),
        };
        println!(
            "{which}: {:.3?} (LL {ll:.6}, {iterations} iterations)",
            start.elapsed()
        );
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}

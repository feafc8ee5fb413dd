//! Counting: cases, `Ok`s, typed errors by variant, panics and broken promises, per area.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::fmt::Debug;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Mutex, Once};

thread_local! {
    static QUIET: Cell<bool> = const { Cell::new(false) };
}

/// Panics inside [`Tally::call`] are counted, not printed; others print as usual.
fn install_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET.with(Cell::get) {
                default(info);
            }
        }));
    });
}

/// One area's counts.
#[derive(Debug)]
pub struct Tally {
    area: &'static str,
    pub cases: u64,
    pub ok: u64,
    pub errors: BTreeMap<String, u64>,
    pub panics: u64,
    pub broken: u64,
    examples: Vec<String>,
    started: std::time::Instant,
}

/// The variant name of an error (`InvalidParameter`, `Parse`, …), from its `Debug`.
pub fn variant(e: &impl Debug) -> String {
    let s = format!("{e:?}");
    match s
        .split(|c: char| !c.is_alphanumeric() && c != '_')
        .next()
        .unwrap_or("")
    {
        // serde_json's error type is `Error`; io's is `Os`/`Custom`/`Kind`.
        "Error" => "Json".to_string(),
        "" => "other".to_string(),
        v => v.to_string(),
    }
}

impl Tally {
    pub fn new(area: &'static str) -> Self {
        install_hook();
        Tally {
            area,
            cases: 0,
            ok: 0,
            errors: BTreeMap::new(),
            panics: 0,
            broken: 0,
            examples: Vec::new(),
            started: std::time::Instant::now(),
        }
    }

    fn example(&mut self, s: String) {
        if self.examples.len() < 25 {
            self.examples.push(s);
        }
    }

    /// Runs one case under `catch_unwind`: `Some(value)` for an `Ok`, `None` for a typed
    /// error (counted by variant) or a panic (counted, with `what` and the message).
    pub fn call<T, E: Debug>(
        &mut self,
        what: impl Fn() -> String,
        f: impl FnOnce() -> Result<T, E>,
    ) -> Option<T> {
        self.cases += 1;
        QUIET.with(|q| q.set(true));
        let r = catch_unwind(AssertUnwindSafe(f));
        QUIET.with(|q| q.set(false));
        match r {
            Ok(Ok(v)) => {
                self.ok += 1;
                Some(v)
            }
            Ok(Err(e)) => {
                *self.errors.entry(variant(&e)).or_default() += 1;
                None
            }
            Err(payload) => {
                self.panics += 1;
                let msg = payload
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                let w = what();
                self.example(format!("PANIC {w}: {msg}"));
                None
            }
        }
    }

    /// A call that returns a plain value (no `Result`).
    pub fn call_plain<T>(&mut self, what: impl Fn() -> String, f: impl FnOnce() -> T) -> Option<T> {
        self.call(what, || Ok::<T, ()>(f()))
    }

    /// A promise about an `Ok` value: counts a broken promise with `what` if `holds` is false.
    pub fn promise(&mut self, holds: bool, what: impl FnOnce() -> String) {
        if !holds {
            self.broken += 1;
            let w = what();
            self.example(format!("BROKEN {w}"));
        }
    }

    /// `x` is finite.
    pub fn finite(&mut self, x: f64, what: impl FnOnce() -> String) {
        self.promise(x.is_finite(), || format!("{} = {x} is not finite", what()));
    }

    /// `p` is a probability.
    pub fn probability(&mut self, p: f64, what: impl FnOnce() -> String) {
        self.promise((0.0..=1.0).contains(&p), || {
            format!("{} = {p} is not in [0, 1]", what())
        });
    }

    /// Shares (fractions) sum to 1 within `tol` relative to Σ |share| (at least 1): values
    /// that nearly cancel (1e300, −1e300, 1) have shares of ±1e300 whose `f64` sum is exact
    /// only to that magnitude's rounding.
    pub fn shares_sum_to_one(&mut self, shares: &[f64], tol: f64, what: impl FnOnce() -> String) {
        let (mut s, mut c) = (0.0_f64, 0.0_f64);
        for &v in shares {
            let t = s + v;
            c += if s.abs() >= v.abs() {
                (s - t) + v
            } else {
                (v - t) + s
            };
            s = t;
        }
        let s = s + c;
        let scale = shares.iter().map(|v| v.abs()).sum::<f64>().max(1.0);
        self.promise(shares.is_empty() || (s - 1.0).abs() <= tol * scale, || {
            format!("{}: shares sum to {s}", what())
        });
    }

    /// Prints the area's row and fails on any panic or broken promise.
    pub fn finish(self) {
        static PRINT: Mutex<()> = Mutex::new(());
        let errors: u64 = self.errors.values().sum();
        let by_variant: Vec<String> = self.errors.iter().map(|(k, v)| format!("{k} {v}")).collect();
        {
            let _g = PRINT.lock().unwrap_or_else(|e| e.into_inner());
            println!(
                "| {:<14} | {:>9} | {:>9} | {:>9} | {:>6} | {:>6} | {:>6.1} | {} |",
                self.area,
                self.cases,
                self.ok,
                errors,
                self.panics,
                self.broken,
                self.started.elapsed().as_secs_f64(),
                by_variant.join(", ")
            );
            for e in &self.examples {
                eprintln!("  {}: {e}", self.area);
            }
        }
        assert!(
            self.panics == 0 && self.broken == 0,
            "{}: {} panics, {} broken promises (seed {}): {:#?}",
            self.area,
            self.panics,
            self.broken,
            super::rng::seed(),
            self.examples
        );
    }
}

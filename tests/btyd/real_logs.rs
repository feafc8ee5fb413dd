//! The path a user walks from a real export to a trusted number: units that travel with
//! the models, the saved-model format, fits that admit when they fail, and the value table
//! on logs with $0 purchases and returns.
//!
//! Outside numbers: the daily and weekly fits of one log must agree with each other (the
//! likelihood is scale-equivariant: a model in days is the same model in weeks with its
//! rates × 7), and with the published weekly CDNOW fit (Fader, Hardie & Lee 2005:
//! r = 0.243, α = 4.414, a = 0.793, b = 2.426 in weeks, so α = 30.90 in days).

use chrono::NaiveDate;
use customer_value::btyd::{
    AnySavedModel, BgBb, BgNbd, ClvSpec, DiscountRate, FitOptions, GammaGamma, History, Limit, Margin,
    MbgNbd, ParetoNbd, SavedForm, SavedModel, SpendSummaries, SummarySlices, TransactionModel,
    WeightedSummaries, expected_clv,
};
use customer_value::retention::ShiftedBetaGeometric;
use customer_value::score::{ScoreFlag, ScoreSpec, score};
use customer_value::{
    Error, Summaries, SummarySpec, TimeUnit, Transaction, io, summarise, summarise_columns,
};
use proptest::prelude::*;
use rust_decimal::Decimal;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn cdnow(unit: TimeUnit) -> Summaries<u64> {
    let text = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/data/cdnow_sample_transactions.csv"
    ))
    .unwrap();
    let log = io::read_transactions_csv::<u64, _>(text.as_slice()).unwrap();
    let spec = SummarySpec::new(d(1998, 6, 30))
        .with_calibration_end(d(1997, 9, 30))
        .with_unit(unit);
    summarise_columns(spec, log.columns()).unwrap()
}

fn year() -> TimeUnit {
    TimeUnit::from_days(365.0).unwrap()
}

fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs().max(1e-300)
}

// ---- Units travel -------------------------------------------------------------------

#[test]
fn fits_record_the_unit_of_their_summaries() {
    let days = WeightedSummaries::from_columns(&cdnow(TimeUnit::DAY).columns()).unwrap();
    let fit = BgNbd::fit(&days, &FitOptions::default()).unwrap();
    assert_eq!(fit.model.unit(), Some(TimeUnit::DAY));
    assert_eq!(TransactionModel::unit(&fit.model), Some(TimeUnit::DAY));
    // The published weekly rate α = 4.414 is 30.90 per day.
    assert!(
        rel(fit.model.alpha(), 4.4136 * 7.0) < 2e-3,
        "{}",
        fit.model.alpha()
    );
    // Raw rows know no unit, and neither does their model.
    let raw = WeightedSummaries::from_rows(days.frequency(), days.recency(), days.age()).unwrap();
    assert_eq!(
        BgNbd::fit(&raw, &FitOptions::default()).unwrap().model.unit(),
        None
    );
}

/// A daily and a weekly fit of the same log give the same P(alive), expected purchases
/// and CLV, for every continuous-time model.
#[test]
fn daily_and_weekly_fits_of_one_log_agree() {
    let (days, weeks) = (cdnow(TimeUnit::DAY), cdnow(TimeUnit::WEEK));
    let (wd, ww) = (
        WeightedSummaries::from_columns(&days.columns()).unwrap(),
        WeightedSummaries::from_columns(&weeks.columns()).unwrap(),
    );
    let o = FitOptions::default();
    let pairs: Vec<(Box<dyn TransactionModel>, Box<dyn TransactionModel>)> = vec![
        (
            Box::new(BgNbd::fit(&wd, &o).unwrap().model),
            Box::new(BgNbd::fit(&ww, &o).unwrap().model),
        ),
        (
            Box::new(MbgNbd::fit(&wd, &o).unwrap().model),
            Box::new(MbgNbd::fit(&ww, &o).unwrap().model),
        ),
        (
            Box::new(ParetoNbd::fit(&wd, &o).unwrap().model),
            Box::new(ParetoNbd::fit(&ww, &o).unwrap().model),
        ),
    ];
    let spec = ScoreSpec::new(TimeUnit::WEEK, 52.0, DiscountRate::new(0.1, year()).unwrap())
        .unwrap()
        .with_value_per_purchase(10.0)
        .unwrap();
    for (daily, weekly) in &pairs {
        let a = score(&days, daily.as_ref(), None, &spec).unwrap();
        let b = score(&weeks, weekly.as_ref(), None, &spec).unwrap();
        assert_eq!(a.report.with_clv, 2357);
        for (x, y) in a.rows.iter().zip(&b.rows) {
            let (pa, pb) = (x.p_alive.unwrap(), y.p_alive.unwrap());
            assert!((pa - pb).abs() < 2e-5, "{}: P(alive) {pa} vs {pb}", daily.name());
            let (ea, eb) = (x.expected_purchases.unwrap(), y.expected_purchases.unwrap());
            assert!(
                (ea - eb).abs() < 1e-4 * eb.max(1.0),
                "{}: E {ea} vs {eb}",
                daily.name()
            );
            let (ca, cb) = (x.clv.unwrap(), y.clv.unwrap());
            assert!(
                (ca - cb).abs() < 1e-3 * cb.max(1.0),
                "{}: CLV {ca} vs {cb}",
                daily.name()
            );
        }
    }
}

/// `TimeUnit::MONTH` (30.4375 days): a monthly fit is the weekly fit rescaled (α by
/// 7 / 30.4375, the shape parameters unchanged) and scores the same.
#[test]
fn monthly_and_weekly_fits_of_one_log_agree() {
    let (months, weeks) = (cdnow(TimeUnit::MONTH), cdnow(TimeUnit::WEEK));
    let o = FitOptions::default();
    let fm = BgNbd::fit(&WeightedSummaries::from_columns(&months.columns()).unwrap(), &o).unwrap();
    let fw = BgNbd::fit(&WeightedSummaries::from_columns(&weeks.columns()).unwrap(), &o).unwrap();
    assert_eq!(fm.model.unit(), Some(TimeUnit::MONTH));
    let (m, w) = (&fm.model, &fw.model);
    let rel = |a: f64, b: f64| ((a - b) / b).abs();
    assert!(
        rel(m.alpha(), w.alpha() * 7.0 / 30.4375) < 1e-4,
        "{} vs {}",
        m.alpha(),
        w.alpha()
    );
    for (a, b) in [(m.r(), w.r()), (m.a(), w.a()), (m.b(), w.b())] {
        assert!(rel(a, b) < 1e-4, "{a} vs {b}");
    }
    let spec = ScoreSpec::new(TimeUnit::YEAR, 1.0, DiscountRate::new(0.1, year()).unwrap())
        .unwrap()
        .with_value_per_purchase(10.0)
        .unwrap();
    let a = score(&months, &fm.model, None, &spec).unwrap();
    let b = score(&weeks, &fw.model, None, &spec).unwrap();
    for (x, y) in a.rows.iter().zip(&b.rows) {
        let (pa, pb) = (x.p_alive.unwrap(), y.p_alive.unwrap());
        assert!((pa - pb).abs() < 2e-5, "P(alive) {pa} vs {pb}");
        let (ca, cb) = (x.clv.unwrap(), y.clv.unwrap());
        assert!((ca - cb).abs() < 1e-3 * cb.max(1.0), "CLV {ca} vs {cb}");
    }
}

/// The reported case: a BG/NBD in days and a weekly `ClvSpec` value 52 weeks (364 days),
/// not 52 days.
#[test]
fn a_weekly_clv_spec_on_a_daily_model_values_weeks() {
    let weekly = BgNbd::new(0.2425945, 4.4136019, 0.7929199, 2.4258881)
        .unwrap()
        .with_unit(TimeUnit::WEEK);
    let daily = weekly.in_unit(TimeUnit::DAY).unwrap();
    let discount = DiscountRate::new(0.1, year()).unwrap();
    let per = Margin::PerPurchase(1.0);
    let spec_weeks = ClvSpec::new(TimeUnit::WEEK, 52.0, discount).unwrap();
    // Customer 1 of CDNOW: x = 2, t_x = 30.43 weeks, T = 38.86 weeks.
    let (x, tx, t) = (2.0, 30.428_571_4, 38.857_142_9);
    let v_weekly = History::from_f64(x, tx, t)
        .and_then(|h| expected_clv(&weekly, per, &spec_weeks, h, 0.0))
        .unwrap();
    let v_daily = History::from_f64(x, tx * 7.0, t * 7.0)
        .and_then(|h| expected_clv(&daily, per, &spec_weeks, h, 0.0))
        .unwrap();
    let spec_days = ClvSpec::new(TimeUnit::DAY, 364.0, discount)
        .unwrap()
        .with_step(7.0)
        .unwrap();
    let v_days = History::from_f64(x, tx * 7.0, t * 7.0)
        .and_then(|h| expected_clv(&daily, per, &spec_days, h, 0.0))
        .unwrap();
    assert!(rel(v_daily, v_weekly) < 1e-10, "{v_daily} vs {v_weekly}");
    assert!(rel(v_days, v_weekly) < 1e-10, "{v_days} vs {v_weekly}");
    // A model without a unit takes the spec's times as they are: 52 days is far less.
    let unitless = BgNbd::new(daily.r(), daily.alpha(), daily.a(), daily.b()).unwrap();
    let v_52_days = History::from_f64(x, tx * 7.0, t * 7.0)
        .and_then(|h| expected_clv(&unitless, per, &spec_weeks, h, 0.0))
        .unwrap();
    assert!(v_52_days < 0.3 * v_weekly, "{v_52_days} vs {v_weekly}");
}

#[test]
fn dert_refuses_a_unit_other_than_the_models() {
    let m = ParetoNbd::new(0.5534, 10.5802, 0.6061, 11.6562)
        .unwrap()
        .with_unit(TimeUnit::WEEK);
    let discount = DiscountRate::new(0.1, year()).unwrap();
    assert!(m.dert(discount, TimeUnit::WEEK, 2.0, 30.43, 38.86).is_ok());
    let err = m.dert(discount, TimeUnit::DAY, 2.0, 30.43, 38.86).unwrap_err();
    assert!(
        matches!(err, Error::UnitMismatch { expected_days, given_days, .. } if expected_days == 7.0 && given_days == 1.0),
        "{err}"
    );
    let bg = BgNbd::new(0.24, 4.41, 0.79, 2.43)
        .unwrap()
        .with_unit(TimeUnit::DAY);
    assert!(matches!(
        bg.dert(discount, TimeUnit::WEEK, 2.0, 30.43, 38.86),
        Err(Error::UnitMismatch { .. })
    ));
}

#[test]
fn score_refuses_a_model_in_another_unit() {
    let weeks = cdnow(TimeUnit::WEEK);
    let daily = BgNbd::new(0.24, 30.9, 0.79, 2.43)
        .unwrap()
        .with_unit(TimeUnit::DAY);
    let spec = ScoreSpec::new(TimeUnit::WEEK, 52.0, DiscountRate::zero()).unwrap();
    assert!(matches!(
        score(&weeks, &daily, None, &spec),
        Err(Error::UnitMismatch { .. })
    ));
    let weekly = daily.in_unit(TimeUnit::WEEK).unwrap();
    assert!(score(&weeks, &weekly, None, &spec).is_ok());
}

proptest! {
    /// `in_unit` is exact: a model re-expressed in weeks predicts at `t` weeks what the
    /// daily model predicts at `7 t` days.
    #[test]
    fn in_unit_preserves_every_prediction(
        r in 0.05f64..5.0, alpha in 0.5f64..100.0, a in 0.1f64..5.0, b in 0.1f64..5.0,
        x in 0u32..20, frac in 0.0f64..1.0, age in 1.0f64..100.0, t in 0.5f64..60.0,
    ) {
        let tx = if x == 0 { 0.0 } else { frac * age };
        let x = f64::from(x);
        let models: Vec<Box<dyn TransactionModel>> = vec![
            Box::new(BgNbd::new(r, alpha, a, b).unwrap().with_unit(TimeUnit::DAY)),
            Box::new(MbgNbd::new(r, alpha, a, b).unwrap().with_unit(TimeUnit::DAY)),
            Box::new(ParetoNbd::new(r, alpha, a, b * 10.0).unwrap().with_unit(TimeUnit::DAY)),
        ];
        let weekly: Vec<Box<dyn TransactionModel>> = vec![
            Box::new(BgNbd::new(r, alpha, a, b).unwrap().with_unit(TimeUnit::DAY).in_unit(TimeUnit::WEEK).unwrap()),
            Box::new(MbgNbd::new(r, alpha, a, b).unwrap().with_unit(TimeUnit::DAY).in_unit(TimeUnit::WEEK).unwrap()),
            Box::new(ParetoNbd::new(r, alpha, a, b * 10.0).unwrap().with_unit(TimeUnit::DAY).in_unit(TimeUnit::WEEK).unwrap()),
        ];
        for (day, week) in models.iter().zip(&weekly) {
            prop_assert_eq!(week.unit(), Some(TimeUnit::WEEK));
            let pd = day.probability_alive(x, 7.0 * tx, 7.0 * age).unwrap();
            let pw = week.probability_alive(x, tx, age).unwrap();
            prop_assert!((pd - pw).abs() < 1e-9, "{}: {} vs {}", day.name(), pd, pw);
            let ed = day.expected_purchases(7.0 * t, x, 7.0 * tx, 7.0 * age).unwrap();
            let ew = week.expected_purchases(t, x, tx, age).unwrap();
            prop_assert!((ed - ew).abs() < 1e-9 * ed.max(1.0), "{}: {} vs {}", day.name(), ed, ew);
            let nd = day.expected_purchases_new(7.0 * t).unwrap();
            let nw = week.expected_purchases_new(t).unwrap();
            prop_assert!((nd - nw).abs() < 1e-9 * nd.max(1.0), "{}: {} vs {}", day.name(), nd, nw);
        }
    }

    /// Every model's saved form round-trips bit-exactly through JSON text, and a model
    /// never loads under another model's type.
    #[test]
    fn saved_models_round_trip_bit_exactly(
        p in proptest::collection::vec(1e-6f64..1e6, 4), unit in prop_oneof![Just(None), (0.001f64..400.0).prop_map(Some)],
    ) {
        let unit = unit.map(|d| TimeUnit::from_days(d).unwrap());
        let with = |m: BgNbd| match unit { Some(u) => m.with_unit(u), None => m };
        let bg = with(BgNbd::new(p[0], p[1], p[2], p[3]).unwrap());
        let text = serde_json::to_string(&bg).unwrap();
        let back: BgNbd = serde_json::from_str(&text).unwrap();
        prop_assert_eq!(back, bg);
        for (x, y) in [(back.r(), bg.r()), (back.alpha(), bg.alpha()), (back.a(), bg.a()), (back.b(), bg.b())] {
            prop_assert_eq!(x.to_bits(), y.to_bits());
        }
        prop_assert!(serde_json::from_str::<MbgNbd>(&text).is_err());
        prop_assert!(serde_json::from_str::<ParetoNbd>(&text).is_err());
        let pn = ParetoNbd::new(p[0], p[1], p[2], p[3]).unwrap();
        prop_assert_eq!(serde_json::from_str::<ParetoNbd>(&serde_json::to_string(&pn).unwrap()).unwrap(), pn);
        let mb = MbgNbd::new(p[0], p[1], p[2], p[3]).unwrap();
        prop_assert_eq!(serde_json::from_str::<MbgNbd>(&serde_json::to_string(&mb).unwrap()).unwrap(), mb);
        let bb = BgBb::new(p[0], p[1], p[2], p[3]).unwrap();
        prop_assert_eq!(serde_json::from_str::<BgBb>(&serde_json::to_string(&bb).unwrap()).unwrap(), bb);
        let gg = GammaGamma::new(p[0], p[1], p[2]).unwrap();
        prop_assert_eq!(serde_json::from_str::<GammaGamma>(&serde_json::to_string(&gg).unwrap()).unwrap(), gg);
        let sbg = ShiftedBetaGeometric::new(p[0], p[1]).unwrap();
        prop_assert_eq!(serde_json::from_str::<ShiftedBetaGeometric>(&serde_json::to_string(&sbg).unwrap()).unwrap(), sbg);
        let any = AnySavedModel::from_json(&text).unwrap();
        prop_assert_eq!(any.tag(), "bgnbd");
        prop_assert_eq!(serde_json::from_str::<BgNbd>(&any.to_json().unwrap()).unwrap(), bg);
    }
}

// ---- One saved-model format ---------------------------------------------------------

#[test]
fn a_fit_saves_with_its_standard_errors_and_loads_back() {
    let data = WeightedSummaries::from_columns(&cdnow(TimeUnit::WEEK).columns()).unwrap();
    let fit = BgNbd::fit(&data, &FitOptions::default()).unwrap();
    let json = fit.to_saved().to_json().unwrap();
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["model"], "bgnbd");
    assert_eq!(v["format"], 1);
    assert_eq!(v["unit_days"], 7.0);
    assert_eq!(v["customers"], 2357.0);
    assert_eq!(v["params"]["alpha"].as_f64(), Some(fit.model.alpha()));
    assert_eq!(v["standard_errors"]["r"].as_f64(), fit.standard_error("r"));
    assert_eq!(v["log_likelihood"].as_f64(), Some(fit.log_likelihood));
    let saved = SavedModel::from_json(&json).unwrap();
    assert_eq!(BgNbd::from_saved(&saved).unwrap(), fit.model);
    let any = AnySavedModel::from_json(&json).unwrap();
    let m = any.transaction_model().unwrap();
    assert_eq!(m.unit(), Some(TimeUnit::WEEK));
    assert!(
        (m.probability_alive(2.0, 30.43, 38.86).unwrap()
            - fit.model.probability_alive(2.0, 30.43, 38.86).unwrap())
        .abs()
            == 0.0
    );
}

#[test]
fn saved_models_that_lie_are_refused() {
    let bg = r#"{"model":"bgnbd","format":1,"unit_days":7.0,"params":{"r":0.2425945,"alpha":4.4136019,"a":0.7929199,"b":2.4258881}}"#;
    assert!(serde_json::from_str::<BgNbd>(bg).is_ok());
    let cases = [
        // The tag says BG/NBD: not an MBG/NBD (P(alive) would be 0.290 instead of 0.263).
        (bg.to_owned(), "mbgnbd"),
        (bg.replace("\"format\":1", "\"format\":2"), "bgnbd"),
        (
            bg.replace("\"b\":2.4258881", "\"b\":2.4258881,\"c\":1.0"),
            "bgnbd",
        ),
        (
            bg.replace("\"unit_days\":7.0", "\"unit_days\":7.0,\"extra\":true"),
            "bgnbd",
        ),
        (bg.replace("\"unit_days\":7.0", "\"unit_days\":-7.0"), "bgnbd"),
        (bg.replace("\"r\":0.2425945", "\"r\":-0.2"), "bgnbd"),
        (bg.replace("\"bgnbd\"", "\"lifetimes\""), "any"),
        // The untagged parameters of the first release say nothing about the model.
        (
            r#"{"r":0.2425945,"alpha":4.4136019,"a":0.7929199,"b":2.4258881}"#.to_owned(),
            "bgnbd",
        ),
    ];
    for (text, as_what) in cases {
        let refused = match as_what {
            "mbgnbd" => serde_json::from_str::<MbgNbd>(&text).is_err(),
            "any" => AnySavedModel::from_json(&text).is_err(),
            _ => serde_json::from_str::<BgNbd>(&text).is_err() && AnySavedModel::from_json(&text).is_err(),
        };
        assert!(refused, "{text} loaded as {as_what}");
    }
    let e = AnySavedModel::from_json(&bg.replace("\"bgnbd\"", "\"lifetimes\"")).unwrap_err();
    assert!(e.to_string().contains("unknown model tag"), "{e}");
    let spend = GammaGamma::new(6.25, 3.74, 15.44).unwrap().to_saved();
    let spend = AnySavedModel::from_json(&spend.to_json().unwrap()).unwrap();
    assert!(spend.transaction_model().is_err());
    assert!(spend.spend_model().is_ok());
}

// ---- Fits that admit failure --------------------------------------------------------

#[test]
fn nobody_repeats_is_an_error_not_the_start_values() {
    let data = WeightedSummaries::from_rows(&[0.0; 5], &[0.0; 5], &[10.0, 20.0, 30.0, 40.0, 50.0]).unwrap();
    for e in [
        BgNbd::fit(&data, &FitOptions::default()).map(|_| ()).unwrap_err(),
        MbgNbd::fit(&data, &FitOptions::default())
            .map(|_| ())
            .unwrap_err(),
        ParetoNbd::fit(&data, &FitOptions::default())
            .map(|_| ())
            .unwrap_err(),
    ] {
        assert!(
            matches!(&e, Error::NotIdentifiable { reason, .. } if reason.contains("no customer repeats")),
            "{e}"
        );
    }
}

#[test]
fn one_customer_is_an_error() {
    let data = WeightedSummaries::from_rows(&[40.0], &[1e-10], &[1e-10]).unwrap();
    for e in [
        BgNbd::fit(&data, &FitOptions::default()).map(|_| ()).unwrap_err(),
        ParetoNbd::fit(&data, &FitOptions::default())
            .map(|_| ())
            .unwrap_err(),
    ] {
        assert!(
            matches!(&e, Error::NotIdentifiable { reason, .. } if reason.contains("1 distinct")),
            "{e}"
        );
    }
    let spend = SpendSummaries::from_rows(&[2.0], &[10.0]).unwrap();
    assert!(matches!(
        GammaGamma::fit(&spend, &FitOptions::default()),
        Err(Error::NotIdentifiable { .. })
    ));
}

/// A small seeded generator (xorshift64*), so the tests need no RNG crate.
struct Rng(u64);

impl Rng {
    fn uniform(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
    }
    fn exponential(&mut self, rate: f64) -> f64 {
        -(1.0 - self.uniform()).ln() / rate
    }
}

/// Customers who buy about daily (rates λ ~ Gamma(2, 1.5), in days) for lifetimes spread
/// evenly over 200–600 days, observed for three to four years: their lifetimes vary far
/// less than exponential ones do, so the Pareto/NBD fits them best with no heterogeneity
/// in the dropout rate at all — the limit s, β → ∞ with s/β fixed.
fn even_lifetime_summaries(customers: usize) -> WeightedSummaries {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let (mut x, mut tx, mut t) = (vec![], vec![], vec![]);
    for i in 0..customers {
        let age = 1460.0 - (i % 365) as f64;
        let lambda = rng.exponential(1.5) + rng.exponential(1.5);
        let life = 200.0 + 400.0 * rng.uniform();
        let (mut n, mut last, mut clock) = (0.0, 0.0, rng.exponential(lambda));
        while clock < life {
            n += 1.0;
            last = clock;
            clock += rng.exponential(lambda);
        }
        x.push(n);
        tx.push(if n > 0.0 { last } else { 0.0 });
        t.push(age);
    }
    WeightedSummaries::from_rows(&x, &tx, &t).unwrap()
}

#[test]
fn a_pareto_nbd_optimum_on_the_boundary_is_reported() {
    let data = even_lifetime_summaries(200);
    let fit = match ParetoNbd::fit(&data, &FitOptions::default()) {
        Ok(f) => f,
        Err(e) => panic!("{e}: {} distinct rows", data.len()),
    };
    let found = fit.boundary.iter().find(|b| {
        b.parameters
            == vec![
                ("s".to_owned(), Limit::Infinity),
                ("beta".to_owned(), Limit::Infinity),
            ]
    });
    let b = found.unwrap_or_else(|| panic!("no (s, beta) boundary in {:?} at {:?}", fit.boundary, fit.model));
    assert!(
        b.limiting_model
            .as_deref()
            .unwrap_or("")
            .contains("exponential dropout"),
        "{b}"
    );
    assert!(fit.model.s() > 1e4 && fit.model.beta() > 1e6, "{:?}", fit.model);
    // The saved form says so too.
    let saved: serde_json::Value = serde_json::from_str(&fit.to_saved().to_json().unwrap()).unwrap();
    assert_eq!(saved["boundary"][0]["parameters"][0][0], "s");
}

#[test]
fn an_interior_optimum_reports_no_boundary() {
    let data = WeightedSummaries::from_columns(&cdnow(TimeUnit::WEEK).columns()).unwrap();
    for boundary in [
        BgNbd::fit(&data, &FitOptions::default()).unwrap().boundary,
        ParetoNbd::fit(&data, &FitOptions::default()).unwrap().boundary,
        MbgNbd::fit(&data, &FitOptions::default()).unwrap().boundary,
    ] {
        assert!(boundary.is_empty(), "{boundary:?}");
    }
}

// ---- Zero and odd amounts are data ---------------------------------------------------

/// A log with a $0 repeat purchase, a customer whose return nets the repeat spend to 0,
/// and ordinary customers: the $0 customers are purchases for the purchase model, outside
/// the spend model, flagged and counted; nobody else loses a value.
#[test]
fn zero_amount_purchases_cost_no_one_else_their_values() {
    let t = |c: u64, day: NaiveDate, cents: i64| Transaction::new(c, day, Decimal::new(cents, 2));
    let mut log = vec![
        // Customer 1: a $0 repeat purchase (CDNOW has 80 such rows).
        t(1, d(2024, 1, 3), 1500),
        t(1, d(2024, 2, 10), 0),
        // Customer 2: a repeat purchase returned in full.
        t(2, d(2024, 1, 5), 2000),
        t(2, d(2024, 3, 1), 1200),
        t(2, d(2024, 3, 1), -1200),
    ];
    let mut rng = Rng(42);
    for c in 3..400u64 {
        let first = d(2024, 1, 1) + chrono::Days::new(c % 60);
        log.push(t(c, first, 1000 + (c as i64 % 37) * 100));
        let mut day = first;
        for _ in 0..(c % 5) {
            day = day + chrono::Days::new(1 + (rng.uniform() * 40.0) as u64);
            if day <= d(2024, 6, 30) {
                log.push(t(c, day, 500 + (rng.uniform() * 5000.0) as i64));
            }
        }
    }
    let summaries = summarise(SummarySpec::new(d(2024, 6, 30)).with_unit(TimeUnit::WEEK), &log).unwrap();
    assert_eq!(summaries.get(&1).unwrap().frequency, 1);
    assert_eq!(summaries.get(&1).unwrap().monetary_value, Decimal::ZERO);
    let cols = summaries.columns();
    let purchases = BgNbd::fit(
        &WeightedSummaries::from_columns(&cols).unwrap(),
        &FitOptions::default(),
    )
    .unwrap()
    .model;
    let spend_data = SpendSummaries::from_rows(&cols.frequency, &cols.monetary_value).unwrap();
    assert_eq!(spend_data.excluded_without_positive_spend(), 2);
    let spend = GammaGamma::fit(&spend_data, &FitOptions::default())
        .unwrap()
        .model;
    let spec = ScoreSpec::new(TimeUnit::WEEK, 52.0, DiscountRate::new(0.1, year()).unwrap()).unwrap();
    let table = score(&summaries, &purchases, Some(&spend), &spec).unwrap();
    assert_eq!(table.report.customers, 399);
    assert_eq!(table.report.no_positive_repeat_spend, 2);
    assert_eq!(table.report.with_clv, 397);
    for row in &table.rows {
        assert!(
            row.p_alive.is_some() && row.expected_purchases.is_some(),
            "{row:?}"
        );
        if row.customer <= 2 {
            assert_eq!(row.flags, vec![ScoreFlag::NoPositiveRepeatSpend]);
            assert_eq!((row.expected_spend, row.clv), (None, None));
        } else {
            assert!(
                row.flags.is_empty() && row.clv.is_some_and(|v| v > 0.0),
                "{row:?}"
            );
        }
    }
    // P(alive) of the $0 customer is the purchase model's, as for any x = 1 customer.
    let one = summaries.get(&1).unwrap();
    let p = purchases.probability_alive(1.0, one.recency, one.age).unwrap();
    assert_eq!(table.rows[0].p_alive, Some(p));
}

/// With the `parallel` feature the table is the same, value for value, as the
/// per-customer functions called one by one.
#[test]
fn the_table_does_not_depend_on_threads() {
    let s = cdnow(TimeUnit::WEEK);
    let m = ParetoNbd::new(0.5534, 10.5802, 0.6061, 11.6562)
        .unwrap()
        .with_unit(TimeUnit::WEEK);
    let discount = DiscountRate::new(0.15, year()).unwrap();
    let spec = ScoreSpec::new(TimeUnit::WEEK, 39.0, discount)
        .unwrap()
        .with_dert();
    let a = score(&s, &m, None, &spec).unwrap();
    for (row, c) in a.rows.iter().zip(&s.customers) {
        let x = f64::from(c.frequency);
        assert_eq!(
            row.p_alive,
            Some(m.probability_alive(x, c.recency, c.age).unwrap())
        );
        let e = m.expected_purchases(39.0, x, c.recency, c.age).unwrap();
        assert!((row.expected_purchases.unwrap() - e).abs() <= 1e-12 * e.max(1.0));
        assert_eq!(
            row.dert,
            Some(m.dert(discount, TimeUnit::WEEK, x, c.recency, c.age).unwrap())
        );
        assert_eq!(row.flags, vec![ScoreFlag::NoSpendModel]);
    }
    // DERT without discounting is infinite: refused up front, not flagged per customer.
    let undiscounted = ScoreSpec::new(TimeUnit::WEEK, 39.0, DiscountRate::zero())
        .unwrap()
        .with_dert();
    assert!(matches!(
        score(&s, &m, None, &undiscounted),
        Err(Error::InvalidParameter { .. })
    ));
    let cols = s.columns();
    assert_eq!(SummarySlices::from(&cols).len(), a.rows.len());
}

//! The bug classes the peers' trackers report, one named test each: what went wrong in
//! lifetimes, CLVTools or pymc-marketing, and the promise this crate keeps instead. BTYD
//! models are used through their public API only. Numbers come from outside the code:
//! the published CDNOW fits (Fader, Hardie & Lee 2005; BTYD), model identities (BG/NBD's
//! P(alive | x = 0) = 1, unit invariance) and hand-computed summaries.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::NaiveDate;
use customer_value::btyd::{
    BgNbd, ClvSpec, DiscountRate, FitOptions, GammaGamma, History, Margin, MbgNbd, ParetoNbd, SummarySlices,
    TransactionModel, WeightedSummaries, clv_batch, expected_clv,
};
use customer_value::loyalty::{
    Account, Award, ClawbackPolicy, EarningRule, Event, EventType, Expiry, Program, ProgramSpec,
    QualificationBasis, QualificationWindow, ReviewSchedule, TierSpec,
};
use customer_value::{Error, SummarySpec, TimeUnit, Transaction, summarise};
use rust_decimal::Decimal;

/// Counts live and peak heap bytes, so a test can bound what a call allocates.
struct Counting;
static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn cdnow() -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/cdnow_sample_summary.csv"
    ))
    .unwrap();
    let (mut x, mut tx, mut t) = (vec![], vec![], vec![]);
    for line in text.lines().skip(1) {
        let v: Vec<f64> = line.split(',').map(|s| s.parse().unwrap()).collect();
        x.push(v[1]);
        tx.push(v[2]);
        t.push(v[3]);
    }
    (x, tx, t)
}

fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs().max(1e-300)
}

/// lifetimes' `BetaGeoFitter`/`ParetoNBDFitter` fail with scipy's "Desired error not
/// necessarily achieved due to precision loss" (lifetimes' tracker, searched for "precision loss": the BFGS
/// line search cannot improve a likelihood computed to finite precision, typically on
/// unscaled times in days). Here the fits converge — to the gradient tolerance or to a
/// stationary point at the likelihood's precision (`Convergence::PrecisionLimited`) — in
/// weeks and in days alike, at the published CDNOW optimum.
#[test]
fn bfgs_precision_loss_convergence_failure() {
    let (x, tx, t) = cdnow();
    let weeks = WeightedSummaries::from_rows(&x, &tx, &t).unwrap();
    let fit = BgNbd::fit(&weeks, &FitOptions::default()).unwrap();
    // Fader, Hardie & Lee (2005): r 0.243, α 4.414, a 0.793, b 2.426, LL −9582.4.
    let e = &fit.estimates;
    assert!(
        rel(e[0], 0.2425945) < 1e-3 && rel(e[1], 4.4136019) < 1e-3,
        "{e:?}"
    );
    assert!(
        rel(e[2], 0.7929199) < 1e-3 && rel(e[3], 2.4258881) < 1e-3,
        "{e:?}"
    );
    assert!(
        (fit.log_likelihood + 9582.4292).abs() < 1e-2,
        "{}",
        fit.log_likelihood
    );
    // The same customers in days (× 7): the rate parameter scales, the shapes do not.
    let days = |v: &[f64]| v.iter().map(|a| a * 7.0).collect::<Vec<_>>();
    let in_days = WeightedSummaries::from_rows(&x, &days(&tx), &days(&t)).unwrap();
    let fd = BgNbd::fit(&in_days, &FitOptions::default()).unwrap();
    let d = &fd.estimates;
    assert!(
        rel(d[0], e[0]) < 1e-3 && rel(d[1], 7.0 * e[1]) < 1e-3,
        "{d:?} vs {e:?}"
    );
    assert!(rel(d[2], e[2]) < 1e-3 && rel(d[3], e[3]) < 1e-3, "{d:?} vs {e:?}");
    // Pareto/NBD (BTYD's CDNOW fit: r 0.5534, α 10.58, s 0.6061, β 11.67, LL −9595.0).
    let p = ParetoNbd::fit(&weeks, &FitOptions::default()).unwrap();
    assert!(
        rel(p.estimates[0], 0.5534) < 5e-3 && rel(p.estimates[1], 10.5802) < 5e-3,
        "{:?}",
        p.estimates
    );
    assert!((p.log_likelihood + 9594.98).abs() < 0.05, "{}", p.log_likelihood);
}

/// lifetimes' Pareto/NBD overflows for heavy buyers (lifetimes' tracker: `OverflowError`
/// or NaN from `conditional_probability_alive` and `conditional_expected_number_of_purchases_up_to_time`
/// once x is in the hundreds, as the hypergeometric terms exceed `f64`). Here x up to 10⁶
/// gives P(alive) in [0, 1] and finite expectations that grow with the horizon.
#[test]
fn pareto_nbd_overflow_for_heavy_buyers() {
    let m = ParetoNbd::new(0.5534, 10.5802, 0.6061, 11.6562).unwrap();
    for x in [200.0, 1_000.0, 1e4, 1e5, 1e6] {
        for (tx, t) in [(38.0, 38.86), (38.86, 38.86), (10.0, 38.86), (0.5, 38.86)] {
            let p = m.probability_alive(x, tx, t).unwrap();
            assert!((0.0..=1.0).contains(&p), "x {x}, t_x {tx}: P(alive) {p}");
            let mut prev = 0.0;
            for h in [1.0, 39.0, 520.0] {
                let e = m.expected_purchases(h, x, tx, t).unwrap();
                assert!(
                    e.is_finite() && e >= prev,
                    "x {x}, t_x {tx}, horizon {h}: {e} after {prev}"
                );
                prev = e;
            }
        }
        // A heavy buyer seen at the end of the window is alive.
        assert!(m.probability_alive(x, 38.86, 38.86).unwrap() > 0.99);
    }
}

/// pymc-marketing and lifetimes return a negative expected spend — hence a negative CLV —
/// when the Gamma-Gamma `q` is below 1 (pymc-marketing's tracker; lifetimes'
/// `conditional_expected_average_profit` has no check): the mean p·γ/(q − 1) does not
/// exist for q ≤ 1, and the conditional mean p(γ + x·m̄)/(p·x + q − 1) is negative or
/// infinite while p·x + q ≤ 1. Here both are errors, never a negative or infinite value.
#[test]
fn gamma_gamma_q_below_one_negative_clv() {
    let g = GammaGamma::new(0.5, 0.5, 1.0).unwrap();
    assert!(g.population_mean_spend().is_err());
    // p·x + q − 1 = 0 at x = 1: the conditional mean does not exist.
    let e = g.conditional_expected_spend(1.0, 10.0);
    assert!(e.as_ref().map_or(true, |v| v.is_finite() && *v > 0.0), "{e:?}");
    // x = 2: p·x + q − 1 = 0.5 > 0, the mean exists and is positive: 0.5 (1 + 20) / 0.5 = 21.
    let v = g.conditional_expected_spend(2.0, 10.0).unwrap();
    assert!(rel(v, 21.0) < 1e-12, "{v}");
    // The CLV built on it is never negative.
    let model = BgNbd::new(0.2425945, 4.4136019, 0.7929199, 2.4258881).unwrap();
    let spec = ClvSpec::new(
        TimeUnit::WEEK,
        52.0,
        DiscountRate::new(0.1, TimeUnit::from_days(365.0).unwrap()).unwrap(),
    )
    .unwrap();
    for (x, m) in [(1.0, 10.0), (0.0, 0.0), (2.0, 10.0)] {
        let r = History::from_f64(x, 20.0, 38.86).and_then(|h| {
            expected_clv(
                &model,
                Margin::FractionOfSpend {
                    fraction: 1.0,
                    spend: &g,
                },
                &spec,
                h,
                m,
            )
        });
        assert!(
            r.as_ref().map_or(true, |v| v.is_finite() && *v >= 0.0),
            "x {x}: {r:?}"
        );
    }
}

/// lifetimes' `customer_lifetime_value` takes `time` in months and `freq` as the unit of
/// the fit, and a mismatch silently mis-scales every value (lifetimes' tracker;
/// CLVTools documents the same trap for `prediction.end`). Here a model carries its unit:
/// a daily spec on a weekly model is converted exactly (a daily model re-expressed from
/// the weekly one gives the same CLV), and a model without a unit cannot be mixed up.
#[test]
fn clv_unit_confusion_daily_model_weekly_spec() {
    let weekly = BgNbd::new(0.2425945, 4.4136019, 0.7929199, 2.4258881)
        .unwrap()
        .with_unit(TimeUnit::WEEK);
    let daily = weekly.in_unit(TimeUnit::DAY).unwrap();
    let year = TimeUnit::from_days(365.0).unwrap();
    let disc = DiscountRate::new(0.1, year).unwrap();
    let spec_weeks = ClvSpec::new(TimeUnit::WEEK, 52.0, disc).unwrap();
    let spec_days = ClvSpec::new(TimeUnit::DAY, 364.0, disc)
        .unwrap()
        .with_step(7.0)
        .unwrap();
    let m = Margin::PerPurchase(10.0);
    let (x, tx, t) = (2.0, 30.43, 38.86);
    let w = History::from_f64(x, tx, t)
        .and_then(|h| expected_clv(&weekly, m, &spec_weeks, h, 0.0))
        .unwrap();
    // A weekly model, a daily spec (one step per week).
    let wd = History::from_f64(x, tx, t)
        .and_then(|h| expected_clv(&weekly, m, &spec_days, h, 0.0))
        .unwrap();
    // A daily model (summaries in days), a weekly spec.
    let dw = History::from_f64(x, 7.0 * tx, 7.0 * t)
        .and_then(|h| expected_clv(&daily, m, &spec_weeks, h, 0.0))
        .unwrap();
    assert!(rel(wd, w) < 1e-9 && rel(dw, w) < 1e-9, "{w} {wd} {dw}");
    // Ten purchases a year at most for this customer: the value is on the weekly scale,
    // not 7× it.
    assert!(w > 0.0 && w < 10.0 * 52.0, "{w}");
}

/// BG/NBD assumes dropout happens only right after a purchase, so a customer who never
/// repeated is alive for sure: P(alive | x = 0) = 1 (Fader, Hardie & Lee 2005; lifetimes
/// users report it as a bug on its tracker, and pymc-marketing documents it). The
/// crate keeps the model's answer exactly, and MBG/NBD and Pareto/NBD — which allow
/// dropout before the first repeat — give less than 1.
#[test]
fn p_alive_of_one_time_buyers() {
    let bg = BgNbd::new(0.2425945, 4.4136019, 0.7929199, 2.4258881).unwrap();
    for t in [0.0, 1.0, 38.86, 78.0, 1e4] {
        assert_eq!(bg.probability_alive(0.0, 0.0, t).unwrap(), 1.0, "T = {t}");
    }
    let mbg = MbgNbd::new(0.2425945, 4.4136019, 0.7929199, 2.4258881).unwrap();
    let pnbd = ParetoNbd::new(0.5534, 10.5802, 0.6061, 11.6562).unwrap();
    for m in [&mbg as &dyn TransactionModel, &pnbd] {
        let p = m.probability_alive(0.0, 0.0, 38.86).unwrap();
        assert!(p > 0.0 && p < 1.0, "{}: {p}", m.name());
    }
}

/// lifetimes' `calibration_and_holdout_data` has been off by one at the period boundary
/// (lifetimes' tracker: a purchase on the calibration end day counted in the holdout, and
/// `duration_holdout` one period short for weekly frequencies). Here both ends are
/// inclusive days: a purchase on the calibration end is calibration, the next day is
/// holdout, and the holdout lasts exactly observation end − calibration end.
#[test]
fn calibration_holdout_split_off_by_one_at_period_boundary() {
    let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
    let (cal, obs) = (d(3, 31), d(6, 30));
    let log = [
        Transaction::new(1_u32, d(1, 1), Decimal::ONE),
        Transaction::new(1, cal, Decimal::TWO), // on the calibration end: calibration
        Transaction::new(1, d(4, 1), Decimal::TEN), // the next day: holdout
        Transaction::new(1, obs, Decimal::TEN), // on the observation end: holdout
        Transaction::new(2, d(4, 1), Decimal::ONE), // first seen in the holdout: left out, counted
    ];
    let s = summarise(SummarySpec::new(obs).with_calibration_end(cal), &log).unwrap();
    let c = s.get(&1).unwrap();
    assert_eq!(c.frequency, 1);
    assert_eq!(c.recency, 90.0); // Jan 1 → Mar 31, 2024 (a leap year): 90 days
    assert_eq!(c.age, 90.0);
    let h = c.holdout.as_ref().unwrap();
    assert_eq!(h.frequency, 2);
    assert_eq!(h.duration, 91.0); // Mar 31 → Jun 30
    assert_eq!(s.report.customers_first_seen_in_holdout, 1);
    assert_eq!(
        s.report.rows,
        s.report.rows_summarised + s.report.rows_of_excluded_customers
    );
    // A calibration end that is not before the observation end is an error, not an empty holdout.
    assert!(matches!(
        summarise(SummarySpec::new(obs).with_calibration_end(obs), &log),
        Err(Error::InvalidParameter { .. })
    ));
}

/// pymc-marketing's predictions materialise customers × draws × time grids (pymc-marketing's tracker:
/// out-of-memory on `expected_purchases` and CLV over long horizons), and lifetimes'
/// plots do the same per customer. Here batch CLV over 100,000 customers and a 10,000-step
/// grid works per distinct summary: the heap never holds anything like customers × grid
/// (8 GB as `f64`).
#[test]
fn predictions_allocate_per_customer_times_grid() {
    let n = 100_000;
    let (x, tx, t): (Vec<f64>, Vec<f64>, Vec<f64>) = (0..n)
        .map(|i| (f64::from(i % 3), f64::from(i % 3) * 5.0, 38.86))
        .fold((vec![], vec![], vec![]), |mut a, r| {
            a.0.push(r.0);
            a.1.push(r.1);
            a.2.push(r.2);
            a
        });
    let spend = vec![20.0; n as usize];
    let model = BgNbd::new(0.2425945, 4.4136019, 0.7929199, 2.4258881).unwrap();
    let spec = ClvSpec::new(
        TimeUnit::WEEK,
        10_000.0,
        DiscountRate::new(0.1, TimeUnit::from_days(365.0).unwrap()).unwrap(),
    )
    .unwrap();
    let rows = SummarySlices::new(&x, &tx, &t).unwrap();
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let v = clv_batch(&model, Margin::PerPurchase(1.0), &spec, rows, &spend).unwrap();
    let peak = PEAK.load(Ordering::Relaxed) - before;
    assert_eq!(v.len(), n as usize);
    assert!(v.iter().all(|c| c.is_finite() && *c >= 0.0));
    assert!(peak < 64 << 20, "peak heap {peak} bytes");
    let e = model.expected_purchases_batch(1e9, rows).unwrap();
    assert!(e.iter().all(|v| v.is_finite() && *v >= 0.0));
}

fn program(clawback: ClawbackPolicy, expiry: Expiry) -> Program {
    let mut spec = ProgramSpec::default();
    spec.rules.push(EarningRule::new(
        "base",
        EventType::Purchase,
        Award::PerAmount {
            points: 1,
            per: Decimal::ONE,
        },
    ));
    spec.expiry = expiry;
    spec.clawback = clawback;
    spec.tiers = Some(
        TierSpec::new(
            vec![("base", 0), ("gold", 100)],
            QualificationBasis::PointsEarned,
            QualificationWindow::RollingDays { days: 365 },
            ReviewSchedule::EveryDays { days: 1 },
        )
        .unwrap(),
    );
    spec.build().unwrap()
}

/// Loyalty engines expire a lot twice when the expiry job reruns or two expiry rules
/// overlap (the double-expiry bug of points ledgers: the balance goes negative, breakage
/// is counted twice). Here a lot expires once: advancing past its expiry again, or
/// applying an event on the same day, expires nothing more.
#[test]
fn loyalty_double_expiry() {
    let p = program(ClawbackPolicy::AllowNegative, Expiry::AfterDays { days: 30 });
    let d0 = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
    let mut a = Account::new(d0);
    a.apply(&p, &Event::purchase(d0, 1, Decimal::from(100))).unwrap();
    let later = NaiveDate::from_ymd_opt(2024, 3, 1).unwrap();
    a.advance_to(&p, later).unwrap();
    a.advance_to(&p, later).unwrap();
    a.advance_to(&p, NaiveDate::from_ymd_opt(2024, 6, 1).unwrap())
        .unwrap();
    let totals = a.ledger.totals();
    assert_eq!(
        (totals.earned, totals.expired, a.balance()),
        (100, 100, 0),
        "{totals:?}"
    );
    a.check().unwrap();
}

/// A refund after the order's points were spent (Shopify and loyalty-engine reports:
/// points clawed back twice, or the balance silently going negative under a policy that
/// forbids it). Each clawback policy does what it says, exactly once.
#[test]
fn loyalty_refund_after_spend() {
    let d0 = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
    let d1 = NaiveDate::from_ymd_opt(2024, 1, 2).unwrap();
    let d2 = NaiveDate::from_ymd_opt(2024, 1, 3).unwrap();
    // Earn 100, spend 80, refund the order: 20 come back from its lot, 80 are missing.
    for (policy, balance) in [
        (ClawbackPolicy::AllowNegative, -80),
        (ClawbackPolicy::CapAtBalance, 0),
        (ClawbackPolicy::OrderPointsOnly, 0),
    ] {
        let p = program(policy, Expiry::Never);
        let mut a = Account::new(d0);
        a.apply(&p, &Event::purchase(d0, 7, Decimal::from(100))).unwrap();
        a.apply(&p, &Event::redeem(d1, 80)).unwrap();
        a.apply(&p, &Event::refund(d2, 7)).unwrap();
        assert_eq!(a.balance(), balance, "{policy:?}");
        // A second refund of the same order takes nothing more.
        a.apply(&p, &Event::refund(d2, 7)).unwrap();
        assert_eq!(a.balance(), balance, "{policy:?} after a repeated refund");
        a.check().unwrap();
    }
}

/// Tier thresholds are inclusive: a member at exactly the threshold is in the tier (the
/// classic `>` versus `>=` bug of tier engines), one point below is not.
#[test]
fn loyalty_tier_boundary_at_exactly_the_threshold() {
    let p = program(ClawbackPolicy::AllowNegative, Expiry::Never);
    let tiers = p.tiers.as_ref().unwrap();
    assert_eq!(tiers.tier_for(Decimal::from(100)), 1);
    assert_eq!(tiers.tier_for(Decimal::new(9999, 2)), 0);
    assert_eq!(tiers.tier_for(Decimal::ZERO), 0);
    // Through an account: earning exactly 100 points reaches gold at the next review.
    let d0 = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
    for (amount, tier) in [(100, Some(1)), (99, Some(0))] {
        let mut a = Account::new(d0);
        a.apply(&p, &Event::purchase(d0, 1, Decimal::from(amount)))
            .unwrap();
        a.advance_to(&p, NaiveDate::from_ymd_opt(2024, 1, 3).unwrap())
            .unwrap();
        assert_eq!(a.tier_index(), tier, "{amount} points");
    }
}

//! Regression tests for the failure classes an adversarial harness found: one named test
//! per class, then a seeded generator loop per family of functions that throws extreme
//! values and asserts no panic, and that every `Ok` is finite and within its promise.
//!
//! `CASES=<n>` sets the number of generated cases per loop (default 300).

use std::panic::{AssertUnwindSafe, catch_unwind};

use customer_value::Error;
use customer_value::RevenueStream;
use customer_value::clv::{DiscountWeights, MAX_HORIZON, Timing, closed_form_multiplier};
use customer_value::retention::{
    ConstantRetention, EmpiricalSurvival, MAX_CURVE_PERIODS, RetentionModel, ShiftedBetaGeometric,
    expected_lifetime,
};
use rust_decimal::Decimal;

/// Cases per generator loop: `CASES` from the environment, 300 by default.
fn cases() -> usize {
    std::env::var("CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300)
}

/// A small xorshift64* generator: reproducible, no RNG crate.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }
    /// An extreme or ordinary `f64`: huge, tiny, subnormal, boundary or plain.
    fn f64(&mut self) -> f64 {
        const SPECIAL: [f64; 16] = [
            0.0,
            1.0,
            -1.0,
            0.5,
            1e308,
            -1e308,
            f64::MAX,
            f64::MIN_POSITIVE,
            5e-324,
            1e-300,
            1e-9,
            1.0 - 1e-16,
            1e15,
            -0.999_999_999,
            2.0,
            1e154,
        ];
        match self.below(3) {
            0 => SPECIAL[self.below(SPECIAL.len() as u64) as usize],
            1 => f64::from_bits(self.next()),
            _ => (self.below(2_000_001) as f64 - 1_000_000.0) / 1000.0,
        }
    }
    /// A probability-like `f64`, mostly in [0, 1], sometimes just outside.
    fn prob(&mut self) -> f64 {
        match self.below(4) {
            0 => self.f64(),
            1 => [0.0, 1.0, 5e-324, 1.0 - 1e-16, 1e-300][self.below(5) as usize],
            _ => self.below(1_000_001) as f64 / 1e6,
        }
    }
    fn u32(&mut self) -> u32 {
        match self.below(3) {
            0 => u32::MAX - self.below(3) as u32,
            1 => self.below(1_000) as u32,
            _ => self.next() as u32,
        }
    }
}

/// Runs `f`, failing the test (with the case) if it panics.
fn no_panic<T>(what: &str, case: usize, f: impl FnOnce() -> T) -> T {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(v) => v,
        Err(_) => panic!("{what}: panicked on case {case}"),
    }
}

fn is_param(e: &Error, wanted: &str) -> bool {
    matches!(e, Error::InvalidParameter { name, .. } if *name == wanted)
}

// ---------------------------------------------------------------------------------------
// Class 1: allocation sized by a caller's number.
// ---------------------------------------------------------------------------------------

#[test]
fn class1_allocation_discount_weights_u32_max_is_an_error() {
    let r = ConstantRetention::new(0.9).unwrap();
    let e = DiscountWeights::new(&r, 0.1, u32::MAX, Timing::EndOfPeriod).unwrap_err();
    assert!(is_param(&e, "horizon"), "{e}");
    assert!(DiscountWeights::new(&r, 0.1, MAX_HORIZON + 1, Timing::EndOfPeriod).is_err());
    let e = RevenueStream::Constant(Decimal::ONE)
        .amounts(u32::MAX)
        .unwrap_err();
    assert!(is_param(&e, "horizon"), "{e}");
    assert!(
        RevenueStream::Series(vec![])
            .amounts(RevenueStream::MAX_PERIODS + 1)
            .is_err()
    );
    assert_eq!(RevenueStream::Constant(Decimal::ONE).amounts(3).unwrap().len(), 3);
    let e = r.survival_curve(u32::MAX).unwrap_err();
    assert!(is_param(&e, "horizon"), "{e}");
    assert!(r.expected_lifetime_within(MAX_CURVE_PERIODS + 1).is_err());
    assert!(customer_value::check_retention_model(&r, u32::MAX).is_err());
}

// ---------------------------------------------------------------------------------------
// Class 2: quadratic grids.
// ---------------------------------------------------------------------------------------

#[test]
fn class2_quadratic_daily_cohorts_over_270_years_are_refused_before_allocating() {
    use chrono::{Days, NaiveDate};
    use customer_value::TransactionLog;
    use customer_value::churn::{CohortPeriod, CohortSpec, CohortTable};
    use customer_value::time::Period;
    let start = NaiveDate::from_ymd_opt(1750, 1, 1).unwrap();
    let mut log = TransactionLog::default();
    for c in 0..3_000_u32 {
        log.push(c, start + Days::new(u64::from(c) * 11), Decimal::ONE);
    }
    let as_of = NaiveDate::from_ymd_opt(2019, 12, 31).unwrap();
    let spec = CohortSpec::new(CohortPeriod::Every(Period::DAY), as_of).unwrap();
    let t0 = std::time::Instant::now();
    let e = CohortTable::build(&spec, log.columns()).unwrap_err();
    assert!(
        matches!(e, Error::InvalidParameter { name: "periods", .. }),
        "{e}"
    );
    assert!(e.to_string().contains("cells"), "{e}");
    assert!(t0.elapsed().as_secs() < 5);
    // A month grid of the same log fits.
    let spec = CohortSpec::new(CohortPeriod::Month, as_of).unwrap();
    let t = CohortTable::build(&spec, log.columns()).unwrap();
    let cells: usize = t.cohorts.iter().map(|c| c.active.len()).sum();
    assert!(cells as u64 <= CohortTable::MAX_CELLS);
}

// ---------------------------------------------------------------------------------------
// Class 3: hangs.
// ---------------------------------------------------------------------------------------

#[test]
fn class3_hang_lapse_report_and_regularity_answer_in_bounded_time() {
    use chrono::{Days, NaiveDate};
    use customer_value::TransactionLog;
    use customer_value::churn::{CohortPeriod, lapse_report};
    use customer_value::loyalty::{Cadence, regularity};
    use customer_value::time::Period;
    let t0 = std::time::Instant::now();
    let mut log = TransactionLog::default();
    log.push(1_u32, NaiveDate::MIN, Decimal::ONE);
    log.push(2_u32, NaiveDate::from_ymd_opt(2000, 1, 1).unwrap(), Decimal::ONE);
    let as_of = NaiveDate::MAX;
    let e = lapse_report(log.columns(), 30, as_of, CohortPeriod::Every(Period::DAY)).unwrap_err();
    assert!(matches!(e, Error::InvalidParameter { name: "period", .. }), "{e}");
    let r = lapse_report(
        log.columns(),
        30,
        NaiveDate::from_ymd_opt(2001, 1, 1).unwrap(),
        CohortPeriod::Month,
    );
    assert!(r.is_err(), "months from the year -262143 are too many as well");
    let as_of = NaiveDate::from_ymd_opt(2024, 12, 31).unwrap();
    let visits: Vec<_> = (0..13).map(|k| as_of - Days::new(30 * k)).collect();
    let r = regularity(&visits, as_of, Cadence::RESTAURANT, u32::MAX).unwrap();
    assert!(r > 0.0 && r < 1e-8);
    assert_eq!(regularity(&visits, as_of, Cadence::RESTAURANT, 2).unwrap(), 1.0);
    assert_eq!(
        regularity(&visits[..3], as_of, Cadence::RESTAURANT, 2).unwrap(),
        0.25
    );
    assert!(t0.elapsed().as_secs() < 5, "took {:?}", t0.elapsed());
}

// ---------------------------------------------------------------------------------------
// Class 4: non-finite values returned as `Ok`.
// ---------------------------------------------------------------------------------------

#[test]
fn class4_non_finite_closed_form_and_lifetime_are_errors() {
    // r / (1 + d) = 1e9: q^T overflows.
    let e = closed_form_multiplier(1.0, -0.999_999_999, Some(1_000), Timing::EndOfPeriod).unwrap_err();
    assert!(matches!(e, Error::Overflow { .. }), "{e}");
    // Near q = 1 over u32::MAX periods: answered at once, finite.
    let m = closed_form_multiplier(1.0, 0.0, Some(u32::MAX), Timing::StartOfPeriod).unwrap();
    assert_eq!(m, f64::from(u32::MAX));
    let m = closed_form_multiplier(0.999_999_999_9, 0.0, Some(u32::MAX), Timing::EndOfPeriod).unwrap();
    assert!(m.is_finite() && m > 0.0);
    assert!(matches!(expected_lifetime(5e-324), Err(Error::Overflow { .. })));
}

#[test]
fn class4_non_finite_time_unit_is_refused() {
    use customer_value::TimeUnit;
    for days in [
        5e-324,
        f64::MIN_POSITIVE,
        1e-7,
        1e7,
        f64::MAX,
        0.0,
        -1.0,
        f64::NAN,
    ] {
        assert!(
            matches!(
                TimeUnit::from_days(days),
                Err(Error::InvalidParameter { name: "days", .. })
            ),
            "{days}"
        );
    }
    assert!(TimeUnit::from_days(TimeUnit::MIN_DAYS).is_ok());
    assert!(TimeUnit::from_days(TimeUnit::MAX_DAYS).is_ok());
    assert!(serde_json::from_str::<TimeUnit>("5e-324").is_err());
}

#[test]
fn class4_non_finite_concentration_gini_lorenz_csi_at_risk_are_finite_or_errors() {
    use customer_value::churn::rank_at_risk;
    use customer_value::satisfaction::{CsiItem, csi};
    use customer_value::segment::{
        Concentration, LorenzPoint, NegativeValues, gini, gini_from_lorenz, lorenz_curve_weighted, top_share,
    };
    let huge = vec![1e308; 10];
    // The Gini of equal values is 0 however large they are.
    assert_eq!(gini(&huge, NegativeValues::Error).unwrap().population, 0.0);
    let mut v = vec![1e306; 9];
    v.push(1.7e308);
    let g = gini(&v, NegativeValues::Error).unwrap();
    assert!(
        g.population.is_finite() && (0.0..=1.0).contains(&g.population),
        "{g:?}"
    );
    // A total beyond f64::MAX is refused, not returned as inf or NaN.
    assert!(matches!(Concentration::new(&huge), Err(Error::Overflow { .. })));
    let mixed = [1e308, -1e308, 1e308];
    assert!(matches!(Concentration::new(&mixed), Err(Error::Overflow { .. })));
    let share = top_share(&mixed, 0.67).unwrap();
    assert!(share.is_finite(), "{share}");
    let c = Concentration::new(&v).unwrap();
    let gc = c.gini();
    assert!(gc.population.is_finite() && (gc.population - g.population).abs() < 1e-12);
    assert!(c.quantile_table(1_000_000_000).is_err());
    for row in c.quantile_table(3).unwrap() {
        assert!(row.share.is_finite() && row.cumulative_share.is_finite());
    }
    let curve = lorenz_curve_weighted(&[1e308, 1e308], &[1e308, 1.0]).unwrap();
    assert!(
        curve
            .iter()
            .all(|p| p.population.is_finite() && p.value.is_finite())
    );
    let pts = [
        LorenzPoint {
            population: 0.0,
            value: 0.0,
        },
        LorenzPoint {
            population: 1e308,
            value: 1e308,
        },
        LorenzPoint {
            population: 1.7e308,
            value: 1.7e308,
        },
    ];
    assert!(matches!(gini_from_lorenz(&pts), Err(Error::Overflow { .. })));
    let items = [
        CsiItem {
            importance: 1e308,
            satisfaction: 5.0,
        },
        CsiItem {
            importance: 1e308,
            satisfaction: 1.0,
        },
    ];
    assert_eq!(csi(&items, 5).unwrap(), Some(50.0));
    let e = rank_at_risk(&[1, 2], &[0.0, 0.0], &[1e308, 1e308], 0.5).unwrap_err();
    assert!(matches!(e, Error::Overflow { .. }), "{e}");
    let r = rank_at_risk(&[1, 2, 3], &[0.0, 0.0, 0.0], &[1e308, 1e308, -1e308], 0.5).unwrap();
    assert_eq!(r.total_value_at_risk, 1e308);
}

#[test]
fn class4_non_finite_loyalty_score_with_huge_weights_stays_in_unit_interval() {
    use customer_value::loyalty::{LoyaltyScoring, ScoreInputs, ScoreWeights, TierCut};
    use customer_value::segment::RfmValues;
    let inputs = ScoreInputs {
        rfm: RfmValues::new(
            vec![16.0, 16.0, 200.0],
            vec![12.0, 4.0, 1.0],
            vec![600.0, 300.0, 40.0],
        )
        .unwrap(),
        tenure: vec![350.0, 350.0, 200.0],
        regularity: vec![1.0, 1.0 / 3.0, 0.0],
        p_alive: Some(vec![0.95, 0.8, 0.2]),
        clv: None,
    };
    let mut weights = ScoreWeights::default();
    weights.recency = f64::MAX;
    weights.frequency = f64::MAX;
    weights.monetary = 1e308;
    weights.p_alive = 1e308;
    let s = LoyaltyScoring {
        weights,
        bins: 3,
        cut: TierCut::Thresholds(vec![0.0, 0.5]),
    }
    .score(&inputs)
    .unwrap();
    assert!(s.scores.iter().all(|x| (0.0..=1.0).contains(x)), "{:?}", s.scores);
    assert!(s.scores[0] > s.scores[2]);
}

// ---------------------------------------------------------------------------------------
// Class 5: integer overflow.
// ---------------------------------------------------------------------------------------

#[test]
fn class5_overflow_life_table_merge_is_an_error() {
    use customer_value::retention::{KaplanMeier, LifeTable};
    let mut a = LifeTable::default();
    a.record(3, true).unwrap();
    // A table with u64::MAX censored subjects, as a deserialised shard could carry.
    let big: LifeTable = serde_json::from_str(&format!("{{\"counts\":{{\"5\":[0,{}]}}}}", u64::MAX)).unwrap();
    let before = a.clone();
    assert!(matches!(a.merge(&big), Err(Error::Overflow { .. })));
    assert_eq!(a, before, "a refused merge leaves the table unchanged");
    let mut b = big.clone();
    assert!(matches!(b.merge(&big), Err(Error::Overflow { .. })));
    // Two cells that each fit but whose subjects do not.
    let two: LifeTable = serde_json::from_str(&format!(
        "{{\"counts\":{{\"5\":[0,{m}],\"6\":[0,{m}]}}}}",
        m = u64::MAX / 2 + 1
    ))
    .unwrap();
    assert!(matches!(
        KaplanMeier::from_life_table(&two),
        Err(Error::Overflow { .. })
    ));
    assert!(KaplanMeier::from_life_table(&big).is_ok());
}

#[test]
fn class5_overflow_ledger_and_account_refuse_lots_beyond_the_balance() {
    use chrono::NaiveDate;
    use customer_value::loyalty::{
        Account, Award, EarningRule, Event, EventType, Ledger, LotSource, ProgramSpec,
    };
    let day = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
    let mut ledger = Ledger::default();
    ledger
        .add_lot(LotSource::Adjustment, day, day, None, i64::MAX - 1)
        .unwrap();
    let before = ledger.clone();
    let e = ledger
        .add_lot(LotSource::Adjustment, day, day, None, 2)
        .unwrap_err();
    assert!(matches!(e, Error::Overflow { .. }), "{e}");
    assert_eq!(ledger, before);
    ledger.check().unwrap();
    // Pending points count too.
    let later = NaiveDate::from_ymd_opt(2024, 2, 1).unwrap();
    assert!(
        ledger
            .add_lot(LotSource::Adjustment, day, later, None, 5)
            .is_err()
    );
    ledger.check().unwrap();

    let mut spec = ProgramSpec::default();
    spec.rules.push(EarningRule::new(
        "unit",
        EventType::Purchase,
        Award::PerAmount {
            points: 1,
            per: Decimal::ONE,
        },
    ));
    let program = spec.build().unwrap();
    let mut acct = Account::new(day);
    let huge = Decimal::from(i64::MAX / 2 + 10);
    acct.apply(&program, &Event::purchase(day, 1, huge)).unwrap();
    let before = acct.clone();
    let e = acct.apply(&program, &Event::purchase(day, 2, huge)).unwrap_err();
    assert!(matches!(e, Error::Overflow { .. }), "{e}");
    assert_eq!(acct, before);
    acct.check().unwrap();
    assert_eq!(acct.balance(), i64::MAX / 2 + 10);
}

// ---------------------------------------------------------------------------------------
// Class 6: money that silently loses digits.
// ---------------------------------------------------------------------------------------

/// 2⁹⁵: a 29-digit integer amount, where one more decimal place does not fit a Decimal.
fn near_limit() -> Decimal {
    Decimal::from_i128_with_scale(39_614_081_257_132_168_796_771_975_168, 0)
}

#[test]
fn class6_money_near_the_decimal_limit_is_exact_or_refused_in_every_order() {
    use chrono::NaiveDate;
    use customer_value::{SummaryBuilder, SummarySpec, Transaction};
    let d = |day| NaiveDate::from_ymd_opt(2024, 1, day).unwrap();
    let spec = SummarySpec::new(d(31));
    let try_build = |rows: &[Transaction<u8>]| -> customer_value::Result<SummaryBuilder<u8>> {
        let mut b = SummaryBuilder::new(spec)?;
        b.extend(rows)?;
        Ok(b)
    };
    let build = |rows: &[Transaction<u8>]| try_build(rows).unwrap();
    // 2⁹⁵ + 0.5 needs 30 significant digits: every order and every split refuses it.
    let rows = [
        Transaction::new(1_u8, d(1), near_limit()),
        Transaction::new(1_u8, d(2), Decimal::new(5, 1)),
        Transaction::new(1_u8, d(3), Decimal::ONE),
    ];
    let orders: [[usize; 3]; 3] = [[0, 1, 2], [2, 1, 0], [1, 0, 2]];
    for order in orders {
        let rows: Vec<_> = order.iter().map(|&i| rows[i].clone()).collect();
        let whole = SummaryBuilder::new(spec).and_then(|mut b| {
            b.extend(&rows)?;
            b.finish()
        });
        assert!(whole.is_err(), "{order:?}: {whole:?}");
        let merged = try_build(&rows[..1]).and_then(|mut left| {
            left.merge(try_build(&rows[1..])?)?;
            left.finish()
        });
        assert!(merged.is_err(), "{order:?}: {merged:?}");
    }
    // Sums that fit are identical in every order and split.
    let rows = [
        Transaction::new(1_u8, d(1), near_limit()),
        Transaction::new(1_u8, d(2), Decimal::from(7)),
        Transaction::new(1_u8, d(3), Decimal::from(-3)),
    ];
    let reference = format!("{:?}", build(&rows).finish().unwrap());
    for order in orders {
        let rows: Vec<_> = order.iter().map(|&i| rows[i].clone()).collect();
        assert_eq!(format!("{:?}", build(&rows).finish().unwrap()), reference);
        let mut left = build(&rows[..2]);
        left.merge(build(&rows[2..])).unwrap();
        assert_eq!(format!("{:?}", left.finish().unwrap()), reference);
    }
}

#[test]
fn class6_money_revenue_bridge_from_customers_always_balances() {
    use customer_value::churn::{CustomerRevenue, RevenueBridge};
    let row = |start, end| CustomerRevenue {
        start,
        end,
        previously_active: false,
    };
    let x = Decimal::MAX;
    let r = RevenueBridge::from_customers(&[row(x, Decimal::new(5, 1))]);
    assert!(matches!(r, Err(Error::Overflow { .. })), "{r:?}");
    let r = RevenueBridge::from_customers(&[
        row(near_limit(), Decimal::ONE),
        row(Decimal::ZERO, Decimal::new(25, 2)),
    ]);
    match r {
        Ok(b) => b.check().unwrap(),
        Err(e) => assert!(matches!(e, Error::Overflow { .. }), "{e}"),
    }
}

#[test]
fn generated_money_bridges_and_summaries_hold_their_laws() {
    use chrono::NaiveDate;
    use customer_value::churn::{CustomerRevenue, RevenueBridge};
    use customer_value::{SummaryBuilder, SummarySpec, Transaction};
    let mut rng = Rng::new(6);
    let money = |rng: &mut Rng| -> Decimal {
        match rng.below(4) {
            0 => near_limit() / Decimal::from(1 + rng.below(4)),
            1 => Decimal::from_i128_with_scale(i128::from(rng.next() >> 20), rng.below(29) as u32),
            2 => Decimal::new(rng.below(100_000) as i64, 2),
            _ => Decimal::from(rng.below(10)),
        }
    };
    let d = |k: u64| NaiveDate::from_ymd_opt(2024, 1, 1 + (k % 28) as u32).unwrap();
    for case in 0..cases() {
        let customers: Vec<_> = (0..1 + rng.below(5))
            .map(|_| CustomerRevenue {
                start: if rng.below(3) == 0 {
                    Decimal::ZERO
                } else {
                    money(&mut rng)
                },
                end: if rng.below(3) == 0 {
                    Decimal::ZERO
                } else {
                    money(&mut rng)
                },
                previously_active: rng.below(2) == 0,
            })
            .collect();
        if let Ok(b) = no_panic("from_customers", case, || {
            RevenueBridge::from_customers(&customers)
        }) {
            b.check()
                .unwrap_or_else(|e| panic!("case {case}: {e} for {customers:?}"));
        }
        let rows: Vec<Transaction<u8>> = (0..1 + rng.below(6))
            .map(|k| {
                let a = money(&mut rng);
                let a = if rng.below(4) == 0 { -a } else { a };
                Transaction::new(rng.below(2) as u8, d(k + rng.below(3)), a)
            })
            .collect();
        let spec = SummarySpec::new(d(27));
        let run = |rows: &[Transaction<u8>]| -> customer_value::Result<String> {
            let mut b = SummaryBuilder::new(spec)?;
            b.extend(rows)?;
            Ok(format!("{:?}", b.finish()?.customers))
        };
        let forward = no_panic("summary", case, || run(&rows));
        let mut reversed = rows.clone();
        reversed.reverse();
        let backward = no_panic("summary", case, || run(&reversed));
        if let (Ok(a), Ok(b)) = (&forward, &backward) {
            assert_eq!(a, b, "case {case}: order changed an Ok result: {rows:?}");
        }
        let cut = rng.below(rows.len() as u64 + 1) as usize;
        let merged = no_panic("summary merge", case, || -> customer_value::Result<String> {
            let mut l = SummaryBuilder::new(spec)?;
            l.extend(&rows[..cut])?;
            let mut r = SummaryBuilder::new(spec)?;
            r.extend(&rows[cut..])?;
            l.merge(r)?;
            Ok(format!("{:?}", l.finish()?.customers))
        });
        if let (Ok(a), Ok(b)) = (&forward, &merged) {
            assert_eq!(a, b, "case {case}: a split changed an Ok result: {rows:?}");
        }
    }
}

#[test]
fn generated_segment_inputs_give_finite_shares_or_errors() {
    use customer_value::churn::rank_at_risk;
    use customer_value::satisfaction::{CsiItem, csi};
    use customer_value::segment::{
        Concentration, NegativeValues, abc_classes, gini, lorenz_curve_weighted, top_share,
    };
    let mut rng = Rng::new(4);
    for case in 0..cases() {
        let n = 1 + rng.below(12) as usize;
        let v: Vec<f64> = (0..n).map(|_| rng.f64()).collect();
        let w: Vec<f64> = (0..n).map(|_| rng.f64().abs()).collect();
        let p = rng.prob();
        no_panic("segment", case, || {
            for policy in [
                NegativeValues::Raw,
                NegativeValues::SetToZero,
                NegativeValues::Shift,
                NegativeValues::RaffinettiSilettiVernizzi,
            ] {
                if let Ok(g) = gini(&v, policy) {
                    assert!(g.population.is_finite(), "case {case}: {g:?} of {v:?}");
                    if policy != NegativeValues::Raw {
                        assert!(
                            (-1e-9..=1.0 + 1e-9).contains(&g.population),
                            "case {case}: {g:?} of {v:?} ({policy:?})"
                        );
                    }
                }
            }
            if let Ok(c) = Concentration::new(&v) {
                assert!(c.gini().population.is_finite(), "case {case}: {v:?}");
                if let Ok(s) = c.top_share(p.clamp(0.0, 1.0)) {
                    assert!(s.is_finite());
                }
                if let Ok(t) = c.quantile_table(1 + rng.below(20) as usize) {
                    for row in &t {
                        assert!(
                            row.share.is_finite()
                                && row.cumulative_share.is_finite()
                                && row.value.is_finite()
                        );
                    }
                    let last = t.last().map_or(1.0, |r| r.cumulative_share);
                    assert!(
                        (last - 1.0).abs() < 1e-6,
                        "case {case}: cumulative {last} for {v:?}"
                    );
                }
                assert!(c.lorenz(0).iter().all(|p| p.value.is_finite()));
            }
            if let Ok(s) = top_share(&v, p) {
                assert!(s.is_finite(), "case {case}: top share {s} of {v:?}");
            }
            if let Ok(curve) = lorenz_curve_weighted(&v, &w) {
                assert!(
                    curve
                        .iter()
                        .all(|p| p.population.is_finite() && p.value.is_finite()),
                    "case {case}"
                );
            }
            if let Ok(a) = abc_classes(&v, &Default::default()) {
                assert!(a.share.iter().all(|s| s.is_finite()), "case {case}: {a:?}");
                let total: f64 = a.share.iter().sum();
                assert!((total - 1.0).abs() < 1e-6, "case {case}: shares sum to {total}");
            }
            let items: Vec<CsiItem> = v
                .iter()
                .zip(&w)
                .map(|(&s, &i)| CsiItem {
                    importance: i,
                    satisfaction: 1.0 + (s.abs() % 4.0),
                })
                .collect();
            if let Ok(Some(x)) = csi(&items, 5) {
                assert!((0.0..=100.0).contains(&x), "case {case}: CSI {x}");
            }
            let keys: Vec<usize> = (0..n).collect();
            let probs: Vec<f64> = w.iter().map(|x| x.fract().abs()).collect();
            if let Ok(r) = rank_at_risk(&keys, &probs, &v, 1.0) {
                assert!(r.total_value_at_risk.is_finite());
            }
        });
    }
}

// ---------------------------------------------------------------------------------------
// Class 7: retention rates above 1, sBG mean churn.
// ---------------------------------------------------------------------------------------

#[test]
fn class7_empirical_retention_rates_stay_within_one() {
    let s = EmpiricalSurvival::new(vec![1.0, 1e-13, 1.5e-13, 0.0]).unwrap();
    for t in 0..5 {
        let r = s.retention_rate(t);
        assert!((0.0..=1.0).contains(&r), "r({t}) = {r}");
    }
    let s = EmpiricalSurvival::new(vec![1.0 - 1e-13, 1.0 - 1e-14]).unwrap();
    assert_eq!(s.survival(0), 1.0);
}

#[test]
fn class7_sbg_mean_churn_is_stable_for_huge_shapes() {
    let m = ShiftedBetaGeometric::new(f64::MAX, 1.0).unwrap();
    assert_eq!(m.mean_churn(), 1.0);
    let m = ShiftedBetaGeometric::new(1.5e308, 1.5e308).unwrap();
    assert_eq!(m.mean_churn(), 0.5);
    assert_eq!(m.retention_rate(1), 0.5);
    assert!((m.survival(3) - 0.125).abs() < 1e-15);
    assert!(m.log_likelihood(&[3, 2], 5).is_finite());
    let tiny = ShiftedBetaGeometric::new(5e-324, 5e-324).unwrap();
    assert!(tiny.log_likelihood(&[3, 2], 5).is_finite());
    assert!(matches!(
        tiny.observed_information(&[3, 2], 5),
        Err(Error::Overflow { .. })
    ));
}

// ---------------------------------------------------------------------------------------
// Generator loops.
// ---------------------------------------------------------------------------------------

#[test]
fn generated_retention_and_clv_inputs_never_panic_nor_return_non_finite() {
    let mut rng = Rng::new(1);
    for case in 0..cases() {
        let (r, d) = (rng.prob(), rng.f64());
        let horizon = if rng.below(2) == 0 { Some(rng.u32()) } else { None };
        let timing = if rng.below(2) == 0 {
            Timing::EndOfPeriod
        } else {
            Timing::StartOfPeriod
        };
        if let Ok(m) = no_panic("closed_form_multiplier", case, || {
            closed_form_multiplier(r, d, horizon, timing)
        }) {
            assert!(
                m.is_finite(),
                "case {case}: multiplier {m} for r {r}, d {d}, T {horizon:?}"
            );
        }
        if let Ok(l) = no_panic("expected_lifetime", case, || expected_lifetime(r)) {
            assert!(l.is_finite() && l >= 1.0, "case {case}: lifetime {l}");
        }
        let (a, b) = (rng.f64().abs(), rng.f64().abs());
        if let Ok(m) = ShiftedBetaGeometric::new(a, b) {
            let t = rng.below(2_000) as u32;
            no_panic("sBG", case, || {
                let mc = m.mean_churn();
                assert!(
                    (0.0..=1.0).contains(&mc),
                    "case {case}: mean churn {mc} for {a}, {b}"
                );
                for v in [m.survival(t), m.retention_rate(t), m.churn_probability(t)] {
                    assert!((0.0..=1.0).contains(&v), "case {case}: {v} for {a}, {b}, t {t}");
                }
                let lost = [rng.next() >> 1, rng.below(100), rng.below(3)];
                let alive = rng.next() >> 1;
                let ll = m.log_likelihood(&lost, alive);
                assert!(ll.is_finite() && ll <= 1e-9, "case {case}: LL {ll} for {a}, {b}");
                if let Ok(info) = m.observed_information(&lost, alive) {
                    assert!(info.iter().flatten().all(|v| v.is_finite()));
                }
            });
        }
        if let Ok(c) = ConstantRetention::new(r) {
            // Mostly short horizons (fast), sometimes just past the limits.
            let h = match rng.below(4) {
                0 => MAX_HORIZON + 1 + rng.below(3) as u32,
                1 => u32::MAX,
                _ => rng.below(500) as u32,
            };
            if let Ok(w) = no_panic("DiscountWeights", case, || DiscountWeights::new(&c, d, h, timing)) {
                assert!(w.weights().len() <= MAX_HORIZON as usize);
            }
            let h = if h > MAX_HORIZON { MAX_CURVE_PERIODS + 1 } else { h };
            if let Ok(v) = no_panic("expected_lifetime_within", case, || c.expected_lifetime_within(h)) {
                assert!(v.is_finite() && v >= 0.0);
            }
        }
        let shares: Vec<f64> = (0..rng.below(6)).map(|_| rng.prob()).collect();
        if let Ok(s) = no_panic("EmpiricalSurvival", case, || {
            EmpiricalSurvival::new(shares.clone())
        }) {
            for t in 0..8 {
                let v = s.retention_rate(t);
                assert!((0.0..=1.0).contains(&v), "case {case}: rate {v} of {shares:?}");
            }
        }
    }
}

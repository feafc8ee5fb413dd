//! One named regression test per bug the suite found (the generator input, minimised).

use chrono::NaiveDate;
use customer_value::churn::{ChurnCounts, CohortPeriod, CohortSpec, CohortTable};
use customer_value::loyalty::{Account, Event, Program};
use customer_value::profitability::{
    ClassThresholds, CustomerCosts, CustomerProfitability, net_profit_columns, rank_by_profit,
};
use customer_value::segment::{AbcCuts, Concentration, NegativeValues, abc_classes, gini, top_share};
use customer_value::{Error, TransactionLog};
use rust_decimal::Decimal;

/// `ChurnCounts::merge` added its counts one by one and returned `Overflow` half-way,
/// leaving `start` merged and the rest not: a state no period has.
#[test]
fn churn_counts_merge_that_overflows_leaves_the_counts_unchanged() {
    let mut a = ChurnCounts::new(5, u64::MAX - 1, 1, 0).unwrap();
    let b = ChurnCounts::new(3, 2, 0, 0).unwrap();
    let before = a;
    assert!(matches!(a.merge(&b), Err(Error::Overflow { .. })));
    assert_eq!(a, before);
}

/// Cohort revenue cells summed with `Decimal::checked_add`, which rounds once the mantissa
/// is full: 39614081257132168796771975168 + 844.50 kept no cents, so the table depended on
/// the row order and on how the log was sharded.
#[test]
fn cohort_revenue_that_decimal_would_round_is_an_error() {
    let d = NaiveDate::from_ymd_opt(2024, 1, 5).unwrap();
    let mut log = TransactionLog::default();
    log.push(
        1_u32,
        d,
        Decimal::from_i128_with_scale(39_614_081_257_132_168_796_771_975_168, 0),
    );
    log.push(2, d, Decimal::new(84_450, 2));
    let spec = CohortSpec::new(CohortPeriod::Month, NaiveDate::from_ymd_opt(2024, 3, 1).unwrap()).unwrap();
    assert!(matches!(
        CohortTable::build(&spec, log.columns()),
        Err(Error::Overflow { .. })
    ));
    // Sums that fit stay exact.
    let mut ok = TransactionLog::default();
    ok.push(1_u32, d, Decimal::new(1050, 2));
    ok.push(2, d, Decimal::new(-25, 1));
    let t = CohortTable::build(&spec, ok.columns()).unwrap();
    assert_eq!(t.cohorts[0].revenue[0], Some(Decimal::new(800, 2)));
}

/// `rank_by_profit` totals, customer costs and net profits rounded their last digit near
/// the `Decimal` limit (the total of a ranking differed from the same sum in input order).
#[test]
fn profit_totals_that_decimal_would_round_are_errors() {
    let big = Decimal::from_i128_with_scale(39_614_081_257_132_168_796_771_975_168, 0);
    let profits = [big, Decimal::new(62_129, 2)];
    let th = ClassThresholds::new(Decimal::ZERO, Decimal::ONE).unwrap();
    assert!(matches!(
        rank_by_profit(&[1, 2], &profits, th),
        Err(Error::Overflow { .. })
    ));
    assert!(net_profit_columns(&[big], &[Decimal::new(5, 1)]).is_err());
    let cp = CustomerProfitability::new(
        big,
        CustomerCosts::new(Decimal::new(5, 1), Decimal::ZERO, Decimal::ZERO, Decimal::ZERO),
    );
    assert!(matches!(cp.net_profit(), Err(Error::Overflow { .. })));
    // Exact sums are unchanged.
    let r = rank_by_profit(&[1, 2], &[Decimal::new(1050, 2), Decimal::new(-25, 1)], th).unwrap();
    assert_eq!(r.total_profit, Decimal::new(800, 2));
}

/// A positive total tiny beside the values (1e300 − 1e300 + 1e-300) gave shares, Lorenz
/// points and a Gini of ±∞ from `Concentration` and `abc_classes`; under
/// `NegativeValues::Raw`, `gini` returned a corrected coefficient of +∞.
#[test]
fn shares_of_a_total_tiny_beside_the_values_are_an_overflow_error() {
    let v = [1e300, -1e300, 1e-300];
    assert!(matches!(Concentration::new(&v), Err(Error::Overflow { .. })));
    assert!(matches!(
        abc_classes(&v, &AbcCuts::default()),
        Err(Error::Overflow { .. })
    ));
    // Found at CASES=5: the free function's total of 1 − 1 + 5e-324 gave a share of +∞.
    assert!(matches!(
        top_share(&[1.0, -1.0, 5e-324], 0.4),
        Err(Error::Overflow { .. })
    ));
    // The top 40 % of three customers: the best (2) and a fifth of the next (1), of 2.5.
    assert!((top_share(&[1.0, -0.5, 2.0], 0.4).unwrap() - 2.2 / 2.5).abs() < 1e-12);
    let w = [
        -0.0,
        986.959,
        2.2250738585072014e-308,
        86.89,
        -5.719138383778515e-15,
        -482.842,
        1.7976931348623157e308,
        -405.637,
        250.721,
        -1.7976931348623157e308,
        -431.916,
    ];
    assert!(matches!(
        gini(&w, NegativeValues::Raw),
        Err(Error::Overflow { .. })
    ));
    // Ordinary values are unchanged (Inequality.jl's example).
    let g = gini(
        &[8.0, 5.0, 1.0, 3.0, 5.0, 6.0, 7.0, 6.0, 3.0],
        NegativeValues::Raw,
    )
    .unwrap();
    assert!((g.population - 0.2373737).abs() < 1e-7);
    assert!(Concentration::new(&[1.0, -0.5, 2.0]).is_ok());
}

/// `Account::advance_to` processed every due day up to the date: with a daily tier review,
/// advancing to `NaiveDate::MAX` (year 262,142) took 20 s in a release build. Now a
/// span beyond `Account::MAX_ADVANCE_DAYS` is refused before any work, the account
/// unchanged; the span of years 0 to 9999 is still accepted.
#[test]
fn advancing_an_account_by_a_quarter_million_years_is_refused_at_once() {
    let text = include_str!("../data/loyalty_program.json").replace(
        r#"{ "type": "period_end", "period": "year" }"#,
        r#"{ "type": "every_days", "days": 1 }"#,
    );
    let p: Program = serde_json::from_str(&text).unwrap();
    let d0 = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
    let mut a = Account::new(d0);
    a.apply(&p, &Event::purchase(d0, 1, Decimal::from(100))).unwrap();
    let before = a.clone();
    let t0 = std::time::Instant::now();
    assert!(matches!(
        a.advance_to(&p, NaiveDate::MAX),
        Err(Error::InvalidParameter { name: "date", .. })
    ));
    assert!(matches!(
        a.apply(&p, &Event::purchase(NaiveDate::MAX, 2, Decimal::ONE)),
        Err(Error::InvalidParameter { .. })
    ));
    assert!(t0.elapsed().as_secs() < 1);
    assert_eq!(a, before);
    let limit = d0 + chrono::Days::new(Account::MAX_ADVANCE_DAYS as u64 + 1);
    assert!(a.advance_to(&p, limit).is_err());
    a.advance_to(&p, NaiveDate::from_ymd_opt(2030, 1, 1).unwrap())
        .unwrap();
    a.check().unwrap();
}

/// BG/NBD's expectation at horizons of 10^12 × (α + T) and beyond came out wrong (the
/// CDNOW fit's E[X(10^20)] 15 % low against mpmath's 50599.94, E[X(10^40)] as 0 against
/// 7.012e8), so the cumulative tracking curve fell back to 0: now a typed error, while
/// ordinary horizons keep mpmath's values.
#[test]
fn bg_nbd_expectation_at_astronomical_horizons_is_an_error_not_a_wrong_number() {
    use customer_value::btyd::{BgNbd, MbgNbd, TransactionModel, incremental_expected_repeat_transactions};
    let m = BgNbd::new(0.2425945, 4.4136019, 0.7929199, 2.4258881).unwrap();
    // mpmath (dps 250): (a+b−1)/(a−1) [1 − (α/(α+t))^r ₂F₁(r, b; a+b−1; t/(α+t))].
    for (t, want) in [(1e6, 53.5130356911605), (1e9, 256.264675178111)] {
        let e = m.expected_purchases(t, 0.0, 0.0, 0.0).unwrap();
        assert!((e - want).abs() < 1e-7 * want, "E[X({t})] = {e}, mpmath {want}");
    }
    for t in [1e20, 1e40, 6.9e73] {
        assert!(matches!(
            m.expected_purchases(t, 0.0, 0.0, 0.0),
            Err(Error::InvalidParameter { name: "t", .. })
        ));
    }
    let mbg = MbgNbd::new(0.2425945, 4.4136019, 0.7929199, 2.4258881).unwrap();
    assert!(mbg.expected_purchases(1e40, 0.0, 0.0, 0.0).is_err());
    // The suite's case: a decreasing cumulative curve (a negative last increment).
    let r = incremental_expected_repeat_transactions(
        &m,
        &[32.0, 1e300],
        &[28.4, 38.9, 39.1, 6.893_555_396_666_635e73],
    );
    assert!(r.is_err(), "{r:?}");
}

/// The aggregate error of a holdout whose actual total is subnormal was +inf.
#[test]
fn holdout_aggregate_error_beyond_f64_is_none_not_infinite() {
    use customer_value::btyd::{HoldoutEvaluation, HoldoutRow};
    let row = HoldoutRow {
        frequency: 3.0,
        recency: 23.3,
        predicted: 35.4,
        actual: 5e-324,
        weight: 4.0,
    };
    let e = HoldoutEvaluation::from_rows(&[row], 0).unwrap();
    assert_eq!(e.aggregate_error_pct, None);
    let ok = HoldoutEvaluation::from_rows(&[HoldoutRow { actual: 2.0, ..row }], 0).unwrap();
    assert!((ok.aggregate_error_pct.unwrap() - 100.0 * (35.4 - 2.0) / 2.0).abs() < 1e-9);
}

/// Spend rows of 2^53 customers each: the excluded counts added as `usize` (a panic in a
/// debug build past 2^64, a silently rounded `f64` count past 2^53) and the weights of
/// one pattern merged in `f64` beyond 2^53. Now `Overflow`; counts that fit stay exact.
#[test]
fn spend_rows_whose_customer_counts_pass_two_to_the_53_are_an_overflow_error() {
    use customer_value::btyd::SpendSummaries;
    let big = 9_007_199_254_740_992.0;
    let n = 2049;
    let (x, m, w) = (vec![0.0; n], vec![10.0; n], vec![big; n]);
    assert!(matches!(
        SpendSummaries::from_weighted_rows(&x, &m, &w),
        Err(Error::Overflow { .. })
    ));
    // One kept pattern weighing 2^53 + 2.
    assert!(matches!(
        SpendSummaries::from_weighted_rows(&[2.0, 2.0], &[10.0, 10.0], &[big, 2.0]),
        Err(Error::Overflow { .. })
    ));
    let s = SpendSummaries::from_weighted_rows(
        &[1.0, 0.0, 4.0, 1.0],
        &[1e-300, 34.95, 999.323, -5.0],
        &[3.0, big - 8.0, 2.0, 2.0],
    )
    .unwrap();
    assert_eq!(s.weight().iter().sum::<f64>(), 5.0);
    assert_eq!(s.excluded_without_repeat(), (1_u64 << 53) as usize - 8);
    assert_eq!(s.excluded_without_positive_spend(), 2);
}

/// sBG with covariates summed four ln Γ of β ≈ 1e15: they cancelled to a log-likelihood of
/// +8 for one customer observed 8 periods (a probability of e^8). Now the mixed second
/// difference; the value matches mpmath's.
#[test]
fn sbg_covariate_log_likelihood_at_huge_beta_is_a_log_probability() {
    use customer_value::btyd::covariates::CovariateMatrix;
    use customer_value::retention::{SbgCovariateData, SbgCovariateFit, ShiftedBetaGeometric};
    let d = SbgCovariateData::new(&[8], &[false], &CovariateMatrix::empty(1)).unwrap();
    let ll = SbgCovariateFit::evaluate(&d, &[0.1, 1e15]).unwrap();
    // mpmath: lnΓ(β+8) − lnΓ(β) − lnΓ(α+β+8) + lnΓ(α+β) = −7.999999999999972e-16 (α=0.1, β=1e15).
    assert!(
        ll <= 0.0 && (ll - -7.999_999_999_999_972e-16).abs() < 1e-20,
        "{ll}"
    );
    let plain = ShiftedBetaGeometric::new(0.1, 1e15)
        .unwrap()
        .log_likelihood(&[0; 8], 1);
    assert!((ll - plain).abs() < 1e-14, "{ll} vs {plain}"); // the plain sBG rounds it to 0
    let churned = SbgCovariateData::new(&[3], &[true], &CovariateMatrix::empty(1)).unwrap();
    let l = SbgCovariateFit::evaluate(&churned, &[0.1, 1e15]).unwrap();
    // mpmath: ln α + lnΓ(β+2) − lnΓ(β) − lnΓ(α+β+3) + lnΓ(α+β) = −36.841361487904733.
    assert!((l - -36.841_361_487_904_733).abs() < 1e-9, "{l}");
}

#[test]
fn ledger_totals_past_points_max_are_an_overflow_error_not_a_saturated_sum() {
    use customer_value::loyalty::{Ledger, LotSource, Points};
    let d = |day| NaiveDate::from_ymd_opt(2024, 1, day).unwrap();
    let mut ledger = Ledger::default();
    ledger
        .add_lot(LotSource::Adjustment, d(1), d(1), None, Points::MAX)
        .unwrap();
    ledger.spend(d(2), Points::MAX).unwrap();
    ledger
        .add_lot(LotSource::Adjustment, d(3), d(3), None, 5)
        .unwrap();
    // The saturated sum says 2^63 − 1 were awarded although 2^63 + 4 were.
    let t = ledger.totals();
    assert_eq!((t.earned, t.spent, t.outstanding), (Points::MAX, Points::MAX, 5));
    assert!(matches!(ledger.checked_totals(), Err(Error::Overflow { .. })));
    ledger.check().unwrap();
}

#[test]
fn breakage_rate_of_a_negative_count_is_none_not_above_one() {
    use customer_value::loyalty::Breakage;
    // Found by the loyalty values area: 5 / (−1 + 5) = 1.25.
    assert_eq!(
        Breakage {
            redeemed: -1,
            expired: 5
        }
        .rate(),
        None
    );
    assert_eq!(
        Breakage {
            redeemed: -1,
            expired: 5
        }
        .expected_redemption(),
        None
    );
    assert_eq!(
        Breakage {
            redeemed: 0,
            expired: 5
        }
        .rate(),
        Some(Decimal::ONE)
    );
}

#[test]
fn ifrs15_allocation_never_gives_goods_a_negative_share() {
    use customer_value::loyalty::ifrs15_allocation;
    // Found by the loyalty values area (CASES=5): goods SSP 0, a tiny points SSP; the
    // division rounded the points' share 1.5e-9 above the price.
    let price = Decimal::new(19187, 2);
    let a = ifrs15_allocation(
        price,
        Decimal::ZERO,
        24_842,
        Decimal::new(82322, 2),
        Decimal::new(1, 28),
    )
    .unwrap();
    assert_eq!((a.points, a.goods), (price, Decimal::ZERO));
    assert!(a.goods >= Decimal::ZERO && a.goods + a.points == price);
}

#[test]
fn holdout_rows_whose_weights_total_two_to_the_53_are_an_overflow_error() {
    use customer_value::btyd::{HoldoutEvaluation, HoldoutRow};
    // Found by the holdout rows area (CASES=5): 2^53 + 1 customers summed to 2^53 in f64,
    // so the recency bins counted one customer more than the total.
    let row = |frequency, recency, weight| HoldoutRow {
        frequency,
        recency,
        predicted: 1.0,
        actual: 1.0,
        weight,
    };
    let rows = [row(9.0, 12.6, 9_007_199_254_740_992.0), row(0.0, 37.6, 1.0)];
    assert!(matches!(
        HoldoutEvaluation::from_rows(&rows, 0),
        Err(Error::Overflow { .. })
    ));
    let rows = [row(9.0, 12.6, 9_007_199_254_740_990.0), row(0.0, 37.6, 1.0)];
    let h = HoldoutEvaluation::from_rows(&rows, 0).unwrap();
    assert_eq!(h.customers, 9_007_199_254_740_991);
}

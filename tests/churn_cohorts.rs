//! Cohort tables, inactivity lapses and the at-risk ranking: hand-checked small logs, the
//! CDNOW sample cross-checked against lifetimes' calibration/holdout summary, laws
//! (cells in [0, 1], order invariance) and bad input.

use chrono::NaiveDate;
use customer_value::churn::{
    CohortMetric, CohortPeriod, CohortSpec, CohortTable, lapse_report, rank_at_risk,
};
use customer_value::io::read_transactions_csv;
use customer_value::{Error, Period, TransactionLog};
use proptest::prelude::*;
use rust_decimal::Decimal;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn cdnow() -> TransactionLog<u64> {
    read_transactions_csv(&include_bytes!("../data/cdnow_sample_transactions.csv")[..]).unwrap()
}

#[test]
fn cdnow_quarterly_cohort_matches_the_holdout_summary() {
    // One acquisition period (1997 Q1, all 2,357 customers), then the rest of the
    // calibration window, then the 39-week holdout of lifetimes' summary.
    let spec = CohortSpec::new(
        CohortPeriod::Boundaries(vec![d(1997, 1, 1), d(1997, 4, 1), d(1997, 10, 1), d(1998, 7, 1)]),
        d(1998, 6, 30),
    )
    .unwrap();
    let log = cdnow();
    let t = CohortTable::build(&spec, log.columns()).unwrap();
    assert_eq!(t.cohorts.len(), 1);
    let q1 = &t.cohorts[0];
    assert_eq!(q1.size, 2357);
    assert_eq!(q1.active[0], Some(2357));
    // 684 customers have frequency_holdout > 0 in data/cdnow_sample_summary.csv.
    assert_eq!(q1.active[2], Some(684));
    assert_eq!(t.rows_used, 6919);
    // Revenue cells add up to the log's total.
    let total: Decimal = log.columns().amounts().iter().sum();
    let cells: Decimal = q1.revenue.iter().map(|r| r.unwrap()).sum();
    assert_eq!(cells, total);
}

#[test]
fn cdnow_monthly_cohorts() {
    let spec = CohortSpec::new(CohortPeriod::Month, d(1998, 6, 30)).unwrap();
    let t = CohortTable::build(&spec, cdnow().columns()).unwrap();
    // Customers first bought in Q1 1997: three cohorts, 18 months of data.
    assert_eq!(t.cohorts.len(), 3);
    assert_eq!(t.cohorts.iter().map(|c| c.size).sum::<u64>(), 2357);
    assert_eq!(t.cohorts[0].active.len(), 18);
    assert_eq!(t.cohorts[2].active.len(), 16);
    assert!(t.cohorts.iter().all(|c| c.active.iter().all(Option::is_some)));
    // Cut mid-month: June 1998 is unfinished, so its cells are empty, not zero.
    let mid = CohortTable::build(
        &CohortSpec::new(CohortPeriod::Month, d(1998, 6, 15)).unwrap(),
        cdnow().columns(),
    )
    .unwrap();
    assert_eq!(mid.cohorts[0].active[17], None);
    assert_eq!(mid.cohorts[0].active[16], t.cohorts[0].active[16]);
    assert!(mid.rows_after_as_of > 0);
    assert_eq!(mid.rows_used + mid.rows_after_as_of, 6919);
    let curve = t.average_curve(CohortMetric::Active);
    assert_eq!(curve[0], Some(1.0));
    assert!(curve.iter().flatten().all(|&r| (0.0..=1.0).contains(&r)));
    let text = t.display(CohortMetric::Active).to_string();
    assert!(text.starts_with("cohort"));
    assert_eq!(text.lines().count(), 4);
}

#[test]
fn small_log_by_hand() {
    // Weekly cohorts; 2024-01-01 is a Monday.
    let mut log = TransactionLog::default();
    let rows = [
        (1_u32, d(2024, 1, 1), 10),
        (1, d(2024, 1, 3), 5),
        (2, d(2024, 1, 7), 20),
        (1, d(2024, 1, 15), 7),
        (3, d(2024, 1, 9), 4),
        (2, d(2024, 1, 22), 1),
        (3, d(2024, 1, 23), 2),
    ];
    for (c, day, a) in rows {
        log.push(c, day, Decimal::from(a));
    }
    let spec = CohortSpec::new(CohortPeriod::Week, d(2024, 1, 24)).unwrap();
    let t = CohortTable::build(&spec, log.columns()).unwrap();
    let w1 = &t.cohorts[0];
    assert_eq!(w1.start, d(2024, 1, 1));
    assert_eq!(w1.size, 2);
    // k = 0..3; week 4 (Jan 22–28) is unfinished on Jan 24.
    assert_eq!(w1.active, vec![Some(2), Some(0), Some(1), None]);
    // "k or later" counts purchases up to the as-of date, including the unfinished week
    // (customer 2 bought on Jan 22).
    assert_eq!(w1.active_or_later, vec![Some(2), Some(2), Some(2), None]);
    assert_eq!(
        w1.revenue,
        vec![
            Some(Decimal::from(35)),
            Some(Decimal::ZERO),
            Some(Decimal::from(7)),
            None
        ]
    );
    assert_eq!(w1.retention(2), Some(0.5));
    assert_eq!(w1.retention_or_later(1), Some(1.0));
    assert_eq!(w1.revenue_retention(2), Some(0.2));
    let w2 = &t.cohorts[1];
    assert_eq!((w2.start, w2.size), (d(2024, 1, 8), 1));
    assert_eq!(w2.active, vec![Some(1), Some(0), None]);
    // Average over finished cells: k = 1 → (0 + 0) / 3; k = 2 → 1 / 2 (week-2 cohort unfinished).
    let curve = t.average_curve(CohortMetric::Active);
    assert_eq!(curve, vec![Some(1.0), Some(0.0), Some(0.5), None]);
    // Custom fixed-length periods: fortnights from Jan 1.
    let spec = CohortSpec::new(
        CohortPeriod::Every(Period::every(14, d(2024, 1, 1)).unwrap()),
        d(2024, 1, 28),
    )
    .unwrap();
    let t = CohortTable::build(&spec, log.columns()).unwrap();
    assert_eq!(t.cohorts[0].size, 3);
    assert_eq!(t.cohorts[0].active, vec![Some(3), Some(3)]);
}

#[test]
fn bad_specs_and_rows_are_typed_errors() {
    let unsorted = CohortSpec::new(
        CohortPeriod::Boundaries(vec![d(2024, 2, 1), d(2024, 1, 1)]),
        d(2024, 3, 1),
    );
    assert!(matches!(unsorted, Err(Error::InvalidParameter { .. })));
    let empty_period = CohortSpec::new(
        CohortPeriod::Boundaries(vec![d(2024, 1, 1), d(2024, 1, 1), d(2024, 2, 1)]),
        d(2024, 3, 1),
    );
    assert!(matches!(empty_period, Err(Error::InvalidParameter { .. })));
    assert!(CohortSpec::new(CohortPeriod::Boundaries(vec![d(2024, 1, 1)]), d(2024, 3, 1)).is_err());
    let spec = CohortSpec::new(
        CohortPeriod::Boundaries(vec![d(2024, 1, 1), d(2024, 2, 1)]),
        d(2024, 3, 1),
    )
    .unwrap();
    let mut log = TransactionLog::default();
    log.push(1_u32, d(2024, 1, 5), Decimal::ONE);
    log.push(1_u32, d(2023, 12, 5), Decimal::ONE);
    assert!(matches!(
        CohortTable::build(&spec, log.columns()),
        Err(Error::InvalidRow { row: 1, .. })
    ));
    // An empty log is an empty table, not an error.
    let empty: TransactionLog<u32> = TransactionLog::default();
    let t = CohortTable::build(
        &CohortSpec::new(CohortPeriod::Month, d(2024, 1, 1)).unwrap(),
        empty.columns(),
    )
    .unwrap();
    assert!(t.cohorts.is_empty());
    assert!(lapse_report(log.columns(), 0, d(2024, 3, 1), CohortPeriod::Month).is_err());
}

#[test]
fn lapses_on_cdnow() {
    // 90-day window at the end of the data: lapsed iff 1998-06-30 − last purchase > 90
    // days, i.e. the last purchase was before 1998-04-01.
    let log = cdnow();
    let r = lapse_report(log.columns(), 90, d(1998, 6, 30), CohortPeriod::Month).unwrap();
    assert_eq!(r.customers.len(), 2357);
    let recent = r
        .customers
        .iter()
        .filter(|c| c.last_purchase >= d(1998, 4, 1))
        .count() as u64;
    assert_eq!(r.lapsed(), 2357 - recent);
    let last = r.periods.last().unwrap();
    assert_eq!(last.lapsed_at_end, r.lapsed());
    assert_eq!(last.active_at_end, recent);
    // Every lapse is counted once; returns never exceed lapses.
    let lapses: u64 = r.periods.iter().map(|p| p.lapsed).sum();
    let returns: u64 = r.periods.iter().map(|p| p.returned).sum();
    assert_eq!(
        lapses,
        r.customers.iter().map(|c| u64::from(c.lapses)).sum::<u64>()
    );
    assert_eq!(lapses - returns, r.lapsed());
}

#[test]
fn at_risk_ranking() {
    let ids = [10_u32, 11, 12, 13, 14];
    let p = [0.2, 0.9, 0.2, 0.05, 0.49];
    let v = [100.0, 1000.0, 100.0, 20.0, 1000.0];
    let r = rank_at_risk(&ids, &p, &v, 0.5).unwrap();
    let order: Vec<u32> = r.at_risk.iter().map(|a| a.customer).collect();
    assert_eq!(order, vec![14, 10, 12, 13]); // 510, 80, 80 (input order), 19
    assert_eq!(r.scored, 5);
    assert!((r.total_value_at_risk - (510.0 + 80.0 + 80.0 + 19.0)).abs() < 1e-9);
    assert!(matches!(
        rank_at_risk(&ids, &p[..4], &v, 0.5),
        Err(Error::LengthMismatch { .. })
    ));
    assert!(matches!(
        rank_at_risk(&ids, &[0.1, 0.2, 1.5, 0.1, 0.1], &v, 0.5),
        Err(Error::InvalidRow { row: 2, .. })
    ));
    assert!(matches!(
        rank_at_risk(&ids, &p, &[1.0, 1.0, f64::NAN, 1.0, 1.0], 0.5),
        Err(Error::InvalidRow { row: 2, .. })
    ));
    assert!(rank_at_risk(&ids, &p, &v, f64::NAN).is_err());
}

fn arb_log() -> impl Strategy<Value = Vec<(u8, i64, i64)>> {
    proptest::collection::vec((0_u8..20, 0_i64..200, -500_i64..5000), 0..150)
}

proptest! {
    #[test]
    fn cells_are_shares_and_order_does_not_matter(rows in arb_log(), as_of in 0_i64..220) {
        let base = d(2024, 1, 1);
        let build = |rows: &[(u8, i64, i64)]| {
            let mut log = TransactionLog::default();
            for &(c, day, a) in rows {
                log.push(c, base + chrono::Duration::days(day), Decimal::new(a, 2));
            }
            let spec = CohortSpec::new(CohortPeriod::Week, base + chrono::Duration::days(as_of)).unwrap();
            CohortTable::build(&spec, log.columns()).unwrap()
        };
        let t = build(&rows);
        let mut reversed = rows.clone();
        reversed.reverse();
        prop_assert_eq!(&build(&reversed), &t);
        // A customer 1,000 days earlier pushes the table past 128 periods, onto the
        // general (non-bitmask) path: the other cohorts must not change.
        let mut long = rows.clone();
        long.push((99, -1000, 1));
        let wide = build(&long);
        if !t.cohorts.is_empty() {
            prop_assert_eq!(&wide.cohorts[1..], &t.cohorts[..]);
        }
        for c in &t.cohorts {
            let mut previous = c.size;
            for k in 0..c.active.len() {
                if let Some(r) = c.retention(k) { prop_assert!((0.0..=1.0).contains(&r)); }
                if let (Some(a), Some(l)) = (c.active[k], c.active_or_later[k]) {
                    prop_assert!(a <= l && l <= previous);
                    previous = l;
                }
            }
        }
        for metric in [CohortMetric::Active, CohortMetric::ActiveOrLater] {
            prop_assert!(t.average_curve(metric).iter().flatten().all(|r| (0.0..=1.0).contains(r)));
        }
    }

    #[test]
    fn lapse_report_ignores_order(rows in arb_log(), window in 1_u32..60) {
        let base = d(2024, 1, 1);
        let build = |rows: &[(u8, i64, i64)]| {
            let mut log = TransactionLog::default();
            for &(c, day, a) in rows {
                log.push(c, base + chrono::Duration::days(day), Decimal::new(a, 2));
            }
            let mut r = lapse_report(log.columns(), window, d(2024, 7, 1), CohortPeriod::Month).unwrap();
            r.customers.sort_by_key(|c| c.customer);
            r
        };
        let r = build(&rows);
        let mut reversed = rows.clone();
        reversed.reverse();
        prop_assert_eq!(build(&reversed), r.clone());
        if let Some(last) = r.periods.last() {
            prop_assert_eq!(last.lapsed_at_end + last.active_at_end, r.customers.len() as u64);
        }
    }
}

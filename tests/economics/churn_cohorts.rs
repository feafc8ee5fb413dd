//! Cohort tables, inactivity lapses and the at-risk ranking: hand-checked small logs, the
//! CDNOW sample cross-checked against lifetimes' calibration/holdout summary and a pandas
//! cohort table, laws (cells in [0, 1], order invariance, merge of customer shards = the
//! whole log) and bad input.

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
    read_transactions_csv(&include_bytes!("../../data/cdnow_sample_transactions.csv")[..]).unwrap()
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

/// The CDNOW sample's monthly cohort table, by pandas 3.1.1 (customers grouped by the month
/// of their first purchase; distinct buyers and summed `Decimal` amounts per month since):
///
/// ```python
/// import pandas as pd; from decimal import Decimal
/// df = pd.read_csv("data/cdnow_sample_transactions.csv", parse_dates=["date"], dtype={"amount": str})
/// df["amount"] = df["amount"].map(Decimal)
/// df["month"] = df["date"].dt.to_period("M")
/// df["cohort"] = df.groupby("customer_id")["month"].transform("min")
/// df["k"] = (df["month"] - df["cohort"]).map(lambda x: x.n)
/// print(df.groupby("cohort")["customer_id"].nunique())
/// print(df.groupby(["cohort", "k"])["customer_id"].nunique().unstack(fill_value=0))
/// print(df.groupby(["cohort", "k"])["amount"].apply(lambda s: sum(s, Decimal(0))).unstack())
/// ```
const PANDAS_SIZE: [u64; 3] = [781, 857, 719];
const PANDAS_ACTIVE: [&[u64]; 3] = [
    &[
        781, 124, 95, 70, 65, 77, 65, 53, 52, 45, 62, 59, 45, 47, 63, 37, 37, 33,
    ],
    &[
        857, 134, 110, 75, 77, 75, 61, 61, 74, 70, 59, 57, 59, 70, 56, 59, 60,
    ],
    &[719, 87, 84, 78, 63, 64, 55, 57, 73, 65, 47, 51, 78, 32, 38, 45],
];
const PANDAS_REVENUE_JAN: [&str; 18] = [
    "28592.70", "7003.73", "4241.64", "3755.36", "3833.25", "3547.50", "3172.31", "2313.48", "2292.67",
    "2252.57", "3124.26", "3281.14", "2141.80", "2061.44", "2809.23", "1615.13", "1477.02", "1327.56",
];

#[test]
fn cdnow_sharded_by_customer_merges_to_the_pandas_table() {
    let log = cdnow();
    let spec = CohortSpec::new(CohortPeriod::Month, d(1998, 6, 30)).unwrap();
    let cols = log.columns();
    let shard = |s: u64| {
        let mut part = TransactionLog::default();
        for ((&c, &day), &a) in cols.customers().iter().zip(cols.dates()).zip(cols.amounts()) {
            if c % 3 == s {
                part.push(c, day, a);
            }
        }
        CohortTable::build(&spec, part.columns()).unwrap()
    };
    let mut t = shard(2);
    t.merge(&shard(0)).unwrap();
    t.merge(&shard(1)).unwrap();
    assert_eq!(t, CohortTable::build(&spec, cols).unwrap());
    assert_eq!(t.rows_used, 6919);
    for (c, (&size, &active)) in t.cohorts.iter().zip(PANDAS_SIZE.iter().zip(&PANDAS_ACTIVE)) {
        assert_eq!(c.size, size);
        assert_eq!(c.active, active.iter().map(|&n| Some(n)).collect::<Vec<_>>());
    }
    let jan: Vec<Option<Decimal>> = PANDAS_REVENUE_JAN
        .iter()
        .map(|r| Some(r.parse().unwrap()))
        .collect();
    assert_eq!(t.cohorts[0].revenue, jan);
}

/// Weekly table of three customers, two of them acquired in the first week.
fn three_customers(as_of: NaiveDate) -> (CohortTable, CohortTable) {
    let spec = CohortSpec::new(CohortPeriod::Week, as_of).unwrap();
    let (mut a, mut b) = (TransactionLog::default(), TransactionLog::default());
    a.push(1_u32, d(2024, 1, 1), Decimal::TEN);
    a.push(1, d(2024, 1, 10), Decimal::ONE);
    b.push(2, d(2024, 1, 3), Decimal::TWO);
    b.push(3, d(2024, 1, 9), Decimal::ONE);
    (
        CohortTable::build(&spec, a.columns()).unwrap(),
        CohortTable::build(&spec, b.columns()).unwrap(),
    )
}

#[test]
fn merge_adds_aligned_cohorts_and_keeps_the_others() {
    // 2024-01-01 is a Monday; on Jan 17 weeks 1 and 2 are finished, week 3 is not.
    let (mut a, b) = three_customers(d(2024, 1, 17));
    a.merge(&b).unwrap();
    assert_eq!(a.cohorts.len(), 2);
    let w1 = &a.cohorts[0];
    assert_eq!((w1.start, w1.size), (d(2024, 1, 1), 2));
    assert_eq!(w1.active, vec![Some(2), Some(1), None]);
    assert_eq!(w1.active_or_later, vec![Some(2), Some(1), None]);
    assert_eq!(
        w1.revenue,
        vec![Some(Decimal::from(12)), Some(Decimal::ONE), None]
    );
    let w2 = &a.cohorts[1]; // only in b
    assert_eq!(
        (w2.start, w2.size, w2.active.clone()),
        (d(2024, 1, 8), 1, vec![Some(1), None])
    );
    assert_eq!((a.rows_used, a.rows_after_as_of), (4, 0));
}

#[test]
fn merge_errors_are_typed_and_leave_self_unchanged() {
    let (a, b) = three_customers(d(2024, 1, 17));
    let other_param = |r: Result<(), Error>| matches!(r, Err(Error::InvalidParameter { name: "other", .. }));
    let fails = |other: &CohortTable, check: &dyn Fn(Result<(), Error>) -> bool| {
        let mut t = a.clone();
        assert!(check(t.merge(other)));
        assert_eq!(t, a);
    };
    // Another as-of date, another period.
    fails(&three_customers(d(2024, 1, 18)).1, &other_param);
    let mut weekly_as_monthly = b.clone();
    weekly_as_monthly.spec = CohortSpec::new(CohortPeriod::Month, d(2024, 1, 17)).unwrap();
    fails(&weekly_as_monthly, &other_param);
    // Week 3 is unfinished on Jan 17 in `a`; a table claiming it finished cannot be merged.
    let mut finished = b.clone();
    finished.cohorts[0].active[2] = Some(0);
    fails(&finished, &other_param);
    let mut unfinished = b.clone();
    unfinished.cohorts[0].revenue[0] = None;
    fails(&unfinished, &other_param);
    // A row of another length for the same start.
    let mut longer = b.clone();
    longer.cohorts[0].active_or_later.push(None);
    fails(&longer, &other_param);
    // Unsorted or repeated cohorts.
    let mut unsorted = b.clone();
    unsorted.cohorts.reverse();
    fails(&unsorted, &|r| {
        matches!(r, Err(Error::InvalidParameter { name: "cohorts", .. }))
    });
    // Overflowing counts and revenue.
    let overflow = |r: Result<(), Error>| matches!(r, Err(Error::Overflow { .. }));
    let mut huge = b.clone();
    huge.cohorts[0].size = u64::MAX;
    fails(&huge, &overflow);
    let mut rich = b.clone();
    rich.cohorts[0].revenue[0] = Some(Decimal::MAX);
    fails(&rich, &overflow);
    let mut rows = b.clone();
    rows.rows_used = u64::MAX;
    fails(&rows, &overflow);
}

#[test]
fn a_customer_split_between_shards_is_acquired_twice() {
    // The documented limitation: shards must not split a customer's rows. Customer 1
    // buys in January and March; split by date, the March shard sees a new customer.
    let spec = CohortSpec::new(CohortPeriod::Month, d(2024, 3, 31)).unwrap();
    let (mut jan, mut mar, mut whole) = (
        TransactionLog::default(),
        TransactionLog::default(),
        TransactionLog::default(),
    );
    jan.push(1_u32, d(2024, 1, 5), Decimal::ONE);
    mar.push(1_u32, d(2024, 3, 5), Decimal::ONE);
    whole.push(1_u32, d(2024, 1, 5), Decimal::ONE);
    whole.push(1_u32, d(2024, 3, 5), Decimal::ONE);
    let mut t = CohortTable::build(&spec, jan.columns()).unwrap();
    t.merge(&CohortTable::build(&spec, mar.columns()).unwrap())
        .unwrap();
    let right = CohortTable::build(&spec, whole.columns()).unwrap();
    assert_eq!(right.cohorts.len(), 1);
    assert_eq!(right.cohorts[0].active, vec![Some(1), Some(0), Some(1)]);
    assert_eq!(t.cohorts.iter().map(|c| c.size).sum::<u64>(), 2);
    assert_ne!(t, right);
}

/// A small log — customers 0..8, days 0..150 from Monday 2024-01-01, amounts of mixed
/// scales with returns — and the shard (of three) of each customer.
fn arb_sharded_log() -> impl Strategy<Value = (Vec<(u8, i64, Decimal)>, Vec<usize>)> {
    (
        proptest::collection::vec(
            (0_u8..8, 0_i64..150, -500_i64..5000, 0_u32..3)
                .prop_map(|(c, day, m, scale)| (c, day, Decimal::new(m, scale))),
            0..60,
        ),
        proptest::collection::vec(0_usize..3, 8),
    )
}

proptest! {
    #[test]
    fn merge_of_customer_shards_is_the_whole_table(
        (rows, shard_of) in arb_sharded_log(),
        shards in 2_usize..=3,
        order in Just(vec![0_usize, 1, 2]).prop_shuffle(),
        as_of in 0_i64..170,
        cuts in proptest::collection::btree_set(1_i64..150, 0..6),
        every in 1_u32..40,
    ) {
        let base = d(2024, 1, 1);
        let day = |n: i64| base + chrono::Duration::days(n);
        let mut boundaries = vec![base];
        boundaries.extend(cuts.iter().map(|&c| day(c)));
        boundaries.push(day(160));
        let periods = [
            CohortPeriod::Month,
            CohortPeriod::Week,
            CohortPeriod::Boundaries(boundaries),
            CohortPeriod::Every(Period::every(every, day(3)).unwrap()),
        ];
        let order: Vec<usize> = order.into_iter().filter(|&s| s < shards).collect();
        for period in periods {
            let spec = CohortSpec::new(period, day(as_of)).unwrap();
            let build = |keep: &dyn Fn(u8) -> bool| {
                let mut log = TransactionLog::default();
                for &(c, n, a) in rows.iter().filter(|r| keep(r.0)) {
                    log.push(c, day(n), a);
                }
                CohortTable::build(&spec, log.columns()).unwrap()
            };
            let whole = build(&|_| true);
            let tables: Vec<CohortTable> =
                (0..shards).map(|s| build(&|c| shard_of[usize::from(c)] % shards == s)).collect();
            // Left fold in a shuffled order.
            let mut folded = tables[order[0]].clone();
            for &s in &order[1..] {
                folded.merge(&tables[s]).unwrap();
            }
            prop_assert_eq!(&folded, &whole);
            // The first shard merged into the merge of the others.
            let mut rest = tables[order[1]].clone();
            for &s in &order[2..] {
                rest.merge(&tables[s]).unwrap();
            }
            let mut tree = tables[order[0]].clone();
            tree.merge(&rest).unwrap();
            prop_assert_eq!(&tree, &whole);
            // The table of no customer is the identity.
            let mut empty = build(&|_| false);
            empty.merge(&whole).unwrap();
            prop_assert_eq!(&empty, &whole);
        }
    }
}

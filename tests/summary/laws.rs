//! Property laws of the summary builder: merge of partial builders equals the whole,
//! order does not matter, results equal a naive reference implementation of the
//! definitions, and arbitrary input never panics.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use customer_value::{
    Error, NegativeAmounts, Period, PurchaseDate, SummaryBuilder, SummarySpec, TimeUnit, Transaction,
    summarise,
};
use proptest::prelude::*;
use rust_decimal::Decimal;

pub(crate) fn base() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 1, 1).unwrap()
}

pub(crate) fn day(offset: i64) -> NaiveDate {
    base() + chrono::Duration::days(offset)
}

/// Small logs over few customers and a few months, returns included, amounts of mixed
/// scales and, now and then, large enough to leave the fast integer path.
pub(crate) fn log_strategy() -> impl Strategy<Value = Vec<Transaction<u8>>> {
    (1u8..12).prop_flat_map(|customers| {
        proptest::collection::vec(
            (
                0..customers,
                0i64..200,
                -5_000i64..50_000,
                0u32..4,
                prop_oneof![9 => Just(1i64), 1 => Just(1_000_000_000_000_000i64)],
            )
                .prop_map(|(c, off, mantissa, scale, big)| {
                    let amount = Decimal::new(mantissa, scale) * Decimal::from(big);
                    Transaction::new(c, day(off), amount)
                }),
            0..80,
        )
    })
}

pub(crate) fn spec_strategy() -> impl Strategy<Value = SummarySpec> {
    (
        100i64..220,
        proptest::option::of(20i64..100),
        prop_oneof![Just(Period::DAY), Just(Period::WEEK)],
        prop_oneof![Just(TimeUnit::DAY), Just(TimeUnit::WEEK)],
        prop_oneof![Just(NegativeAmounts::Net), Just(NegativeAmounts::Exclude)],
    )
        .prop_map(|(end, cal, period, unit, neg)| {
            let mut s = SummarySpec::new(day(end))
                .with_period(period)
                .with_unit(unit)
                .with_negative_amounts(neg);
            if let Some(c) = cal {
                s = s.with_calibration_end(day(c.min(end - 1)));
            }
            s
        })
}

pub(crate) fn build(spec: SummarySpec, rows: &[Transaction<u8>]) -> SummaryBuilder<u8> {
    let mut b = SummaryBuilder::new(spec).unwrap();
    b.extend(rows).unwrap();
    b
}

/// `summarise_columns` and `summarise` (record by record) of `rows`, as `Debug` text: equal
/// text means equal summaries, report and errors, decimal scales included.
fn columns_and_records(spec: SummarySpec, rows: &[Transaction<u8>]) -> (String, String) {
    let (customers, dates, amounts) = columns_of(rows);
    let log = customer_value::TransactionColumns::new(&customers, &dates, &amounts).unwrap();
    let by_columns = customer_value::summarise_columns(spec, log);
    (format!("{by_columns:?}"), format!("{:?}", summarise(spec, rows)))
}

/// Naive reference: group rows by customer and period, straight from the definitions,
/// for logs without negative amounts.
/// The log's three columns (customer, date, amount), for the columnar paths.
pub(crate) fn columns_of<K: Clone>(rows: &[Transaction<K>]) -> (Vec<K>, Vec<NaiveDate>, Vec<Decimal>) {
    (
        rows.iter().map(|t| t.customer.clone()).collect(),
        rows.iter().map(|t| t.date).collect(),
        rows.iter().map(|t| t.amount).collect(),
    )
}

fn reference(spec: &SummarySpec, rows: &[Transaction<u8>]) -> BTreeMap<u8, (u32, f64, f64, Decimal, u32)> {
    let end = spec.summary_end().day_number();
    let obs = spec.observation_end.day_number();
    let len = i64::from(spec.period.length_days());
    let start_of = |d: i32| {
        // Both periods used here are anchored on 0001-01-01 (day 1).
        (i64::from(d) - 1).div_euclid(len) * len + 1
    };
    let mut cal: BTreeMap<u8, BTreeMap<i64, Decimal>> = BTreeMap::new();
    let mut hold: BTreeMap<u8, BTreeSet<i64>> = BTreeMap::new();
    for t in rows {
        let d = t.date.day_number();
        if d <= end {
            *cal.entry(t.customer).or_default().entry(start_of(d)).or_default() += t.amount;
        } else if d <= obs {
            hold.entry(t.customer).or_default().insert(start_of(d));
        }
    }
    let unit = spec.unit.days();
    cal.into_iter()
        .map(|(c, periods)| {
            let first = *periods.keys().next().unwrap();
            let last = *periods.keys().next_back().unwrap();
            let x = periods.len() as u32 - 1;
            let repeat: Decimal = periods.values().skip(1).copied().sum();
            let m = if x == 0 {
                Decimal::ZERO
            } else {
                repeat / Decimal::from(x)
            };
            let recency = (last - first) as f64 / unit;
            let age = (start_of(end) - first) as f64 / unit;
            let h = hold.get(&c).map_or(0, |s| s.len() as u32);
            (c, (x, recency, age, m, h))
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn merge_of_any_split_equals_the_whole(
        spec in spec_strategy(),
        rows in log_strategy(),
        mask in proptest::collection::vec(any::<bool>(), 80),
    ) {
        let (left, right): (Vec<_>, Vec<_>) = rows
            .iter()
            .cloned()
            .enumerate()
            .partition(|(i, _)| mask[*i]);
        let left: Vec<_> = left.into_iter().map(|(_, t)| t).collect();
        let right: Vec<_> = right.into_iter().map(|(_, t)| t).collect();
        let mut merged = build(spec, &left);
        merged.merge(build(spec, &right)).unwrap();
        let whole = build(spec, &rows).finish();
        match (merged.finish(), whole) {
            (Ok(a), Ok(b)) => prop_assert_eq!(a, b),
            (Err(Error::EmptyInput { .. }), Err(Error::EmptyInput { .. })) => {}
            (a, b) => prop_assert!(false, "merged {:?} vs whole {:?}", a.err(), b.err()),
        }
    }

    #[test]
    fn order_does_not_matter(spec in spec_strategy(), rows in log_strategy(), seed in any::<u64>()) {
        let mut shuffled = rows.clone();
        // A deterministic Fisher–Yates shuffle driven by the seed.
        let mut state = seed | 1;
        for i in (1..shuffled.len()).rev() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            shuffled.swap(i, (state % (i as u64 + 1)) as usize);
        }
        let a = summarise(spec, &rows).ok();
        let b = summarise(spec, &shuffled).ok();
        prop_assert_eq!(a, b);
    }

    #[test]
    fn equals_the_naive_definition(spec in spec_strategy(), rows in log_strategy()) {
        let rows: Vec<_> = rows.into_iter().map(|mut t| { t.amount = t.amount.abs(); t }).collect();
        let expected = reference(&spec, &rows);
        match summarise(spec, &rows) {
            Ok(s) => {
                prop_assert_eq!(s.customers.len(), expected.len());
                for c in &s.customers {
                    let (x, recency, age, m, h) = expected[&c.customer];
                    prop_assert_eq!(c.frequency, x);
                    prop_assert!((c.recency - recency).abs() < 1e-12);
                    prop_assert!((c.age - age).abs() < 1e-12);
                    prop_assert_eq!(c.monetary_value, m);
                    prop_assert!(c.recency <= c.age);
                    if spec.calibration_end.is_some() {
                        prop_assert_eq!(c.holdout.as_ref().unwrap().frequency, h);
                    }
                }
                let r = s.report;
                prop_assert_eq!(
                    r.rows,
                    r.rows_summarised + r.rows_after_observation_end + r.negative_rows_excluded
                        + r.rows_of_excluded_customers
                );
            }
            Err(e) => {
                let empty = matches!(e, Error::EmptyInput { .. });
                prop_assert!(empty);
                prop_assert!(expected.is_empty());
            }
        }
    }

    #[test]
    fn rows_are_always_accounted_for(spec in spec_strategy(), rows in log_strategy()) {
        if let Ok(s) = summarise(spec, &rows) {
            let r = s.report;
            prop_assert_eq!(r.rows, rows.len() as u64);
            prop_assert_eq!(
                r.rows,
                r.rows_summarised + r.rows_after_observation_end + r.negative_rows_excluded
                    + r.rows_of_excluded_customers
            );
        }
    }

    /// Any dates (the whole chrono range), any amounts (up to Decimal's limits), any policy:
    /// a result or a typed error, never a panic.
    #[test]
    fn arbitrary_input_never_panics(
        rows in proptest::collection::vec(
            (any::<u8>(), -3_000_000i32..3_000_000, any::<i64>(), 0u32..29),
            0..40,
        ),
        end in -3_000_000i32..3_000_000,
        cal in proptest::option::of(-3_000_000i32..3_000_000),
        reject in any::<bool>(),
        period_len in 1u32..40,
    ) {
        let date = |n: i32| NaiveDate::from_num_days_from_ce_opt(n).unwrap_or(NaiveDate::MIN);
        let mut spec = SummarySpec::new(date(end))
            .with_period(Period::every(period_len, date(17)).unwrap())
            .with_negative_amounts(if reject { NegativeAmounts::Reject } else { NegativeAmounts::Net });
        if let Some(c) = cal {
            spec = spec.with_calibration_end(date(c));
        }
        let Ok(mut b) = SummaryBuilder::new(spec) else { return Ok(()); };
        for (c, d, mantissa, scale) in rows {
            let amount = Decimal::new(mantissa, scale)
                .checked_mul(Decimal::from(1_000_000_000_000_u64))
                .unwrap_or(Decimal::MAX);
            let _ = b.push(&c, date(d), amount);
        }
        let _ = b.finish();
    }
}

#[cfg(feature = "parallel")]
proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// The parallel path (one range of keys per thread) gives exactly the sequential result.
    #[test]
    fn parallel_equals_sequential(spec in spec_strategy(), rows in log_strategy()) {
        let (customers, dates, amounts) = columns_of(&rows);
        let log = customer_value::TransactionColumns::new(&customers, &dates, &amounts).unwrap();
        let a = customer_value::summarise_columns(spec, log).ok();
        let b = customer_value::summarise_columns_parallel(spec, log).ok();
        prop_assert_eq!(a, b);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// The columnar path (pipelined, prefetching) gives exactly the record-by-record result,
    /// errors included.
    #[test]
    fn columns_equal_records(spec in spec_strategy(), rows in log_strategy()) {
        let (by_columns, by_records) = columns_and_records(spec, &rows);
        prop_assert_eq!(by_columns, by_records);
    }
}

/// Date-ordered logs whose amounts share one scale, one row in four a return: most
/// customers stay on the compact in-order route, returns before, between and after their
/// purchase periods included.
fn date_ordered_log_strategy() -> impl Strategy<Value = Vec<Transaction<u8>>> {
    (1u8..6).prop_flat_map(|customers| {
        proptest::collection::vec(
            (0..customers, 0i64..120, -3_000i64..9_000)
                .prop_map(|(c, off, cents)| Transaction::new(c, day(off), Decimal::new(cents, 2))),
            0..60,
        )
        .prop_map(|mut rows| {
            rows.sort_by_key(|t| t.date);
            rows
        })
    })
}

fn spec_with_reject_strategy() -> impl Strategy<Value = SummarySpec> {
    (spec_strategy(), prop::bool::weighted(0.2)).prop_map(|(spec, reject)| {
        if reject {
            spec.with_negative_amounts(NegativeAmounts::Reject)
        } else {
            spec
        }
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Logs in date order (as most logs are written) take the columnar path's compact
    /// in-order route (mixed decimal scales, returns, big amounts: some customers leave it
    /// for the general builder). Either way: exactly the record-by-record result,
    /// errors, report and decimal scales included, and the same on all threads.
    #[test]
    fn date_ordered_columns_equal_records(spec in spec_with_reject_strategy(), mut rows in log_strategy()) {
        rows.sort_by_key(|t| t.date);
        let (by_columns, by_records) = columns_and_records(spec, &rows);
        prop_assert_eq!(&by_columns, &by_records);
        #[cfg(feature = "parallel")]
        {
            let (customers, dates, amounts) = columns_of(&rows);
            let log = customer_value::TransactionColumns::new(&customers, &dates, &amounts).unwrap();
            prop_assert_eq!(
                format!("{:?}", customer_value::summarise_columns_parallel(spec, log).ok()),
                format!("{:?}", summarise(spec, &rows).ok())
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// The compact route's netting of returns (first period or repeat, decided when the
    /// second purchase period comes) is the general builder's.
    #[test]
    fn date_ordered_returns_net_as_on_the_general_path(spec in spec_strategy(), rows in date_ordered_log_strategy()) {
        let (by_columns, by_records) = columns_and_records(spec, &rows);
        prop_assert_eq!(by_columns, by_records);
    }
}

/// A log large enough for the customer table to grow many times while rows are in flight
/// (every path: records, columns, merged shards, parallel), in shuffled order with returns
/// and mixed scales, all equal.
#[test]
fn a_large_shuffled_log_gives_the_same_summaries_on_every_path() {
    let mut state = 0x9E37_79B9_7F4A_7C15_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let rows: Vec<Transaction<u64>> = (0..200_000)
        .map(|_| {
            let r = next();
            let customer = r % 40_000;
            let offset = ((r >> 16) % 400) as i64;
            let cents = ((r >> 32) % 20_000) as i64 - 1_000;
            let scale = ((r >> 60) % 3) as u32;
            Transaction::new(customer, day(offset), Decimal::new(cents, scale))
        })
        .collect();
    let spec = SummarySpec::new(day(380))
        .with_calibration_end(day(250))
        .with_unit(TimeUnit::WEEK);
    let by_records = summarise(spec, &rows).unwrap();
    let (customers, dates, amounts) = columns_of(&rows);
    let log = customer_value::TransactionColumns::new(&customers, &dates, &amounts).unwrap();
    let by_columns = customer_value::summarise_columns(spec, log).unwrap();
    assert_eq!(by_columns, by_records);
    let (left, right) = rows.split_at(77_777);
    let mut a = SummaryBuilder::new(spec).unwrap();
    a.extend(left).unwrap();
    let mut b = SummaryBuilder::new(spec).unwrap();
    b.extend(right).unwrap();
    a.merge(b).unwrap();
    assert_eq!(a.finish().unwrap(), by_records);
    #[cfg(feature = "parallel")]
    assert_eq!(
        customer_value::summarise_columns_parallel(spec, log).unwrap(),
        by_records
    );
    let r = by_records.report;
    assert_eq!(
        r.rows,
        r.rows_summarised
            + r.rows_after_observation_end
            + r.negative_rows_excluded
            + r.rows_of_excluded_customers
    );
    assert!(r.customers > 35_000 && r.customers_first_seen_in_holdout > 0);
}

/// The same log in date order, with returns and an amount with a third decimal now and
/// then, on the compact in-order route (a few customers on the general one): every path
/// equal.
#[test]
fn a_large_date_ordered_log_with_some_returns_gives_the_same_summaries_on_every_path() {
    let mut state = 0x2545_F491_4F6C_DD1D_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut rows: Vec<Transaction<u64>> = (0..200_000)
        .map(|_| {
            let r = next();
            let customer = r % 40_000;
            let offset = ((r >> 16) % 400) as i64;
            // One row in 500 a return, one in 500 with a third decimal.
            let (cents, scale) = match (r >> 32) % 500 {
                0 => (-500, 2),
                1 => (12_345, 3),
                _ => (((r >> 40) % 20_000) as i64 + 1, 2),
            };
            Transaction::new(customer, day(offset), Decimal::new(cents, scale))
        })
        .collect();
    rows.sort_by_key(|t| t.date);
    for spec in [
        SummarySpec::new(day(380))
            .with_calibration_end(day(250))
            .with_unit(TimeUnit::WEEK),
        SummarySpec::new(day(300)).with_period(Period::WEEK),
    ] {
        let by_records = summarise(spec, &rows).unwrap();
        let (customers, dates, amounts) = columns_of(&rows);
        let log = customer_value::TransactionColumns::new(&customers, &dates, &amounts).unwrap();
        let by_columns = customer_value::summarise_columns(spec, log).unwrap();
        assert_eq!(format!("{by_columns:?}"), format!("{by_records:?}"));
        #[cfg(feature = "parallel")]
        assert_eq!(
            format!(
                "{:?}",
                customer_value::summarise_columns_parallel(spec, log).unwrap()
            ),
            format!("{by_records:?}")
        );
        assert!(by_records.report.negative_rows_netted > 0);
    }
}

//! The property-test oracle of the summary core: a plain `BTreeMap` summary of a log,
//! written from the definitions (lifetimes' semantics, `src/summary/mod.rs`) with no
//! code from the crate's builders, and laws that both routes (`SummaryBuilder`, merged
//! builders, `summarise_columns`' in-order route) equal it field by field, holdout and
//! report included, returns and both negative-amount policies included.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use customer_value::{
    CustomerSummary, Error, NegativeAmounts, Period, PurchaseDate, Summaries, SummarySpec, Transaction,
    TransactionColumns, summarise, summarise_columns,
};
use proptest::prelude::*;
use rust_decimal::Decimal;

use super::laws::{build, columns_of, log_strategy, spec_strategy};

/// What the oracle expects of one output customer.
#[derive(Debug, Clone, PartialEq)]
struct Expected {
    frequency: u32,
    recency: f64,
    age: f64,
    monetary_value: Decimal,
    total_spend: Decimal,
    mean_spend: Decimal,
    first_purchase: NaiveDate,
    last_purchase: NaiveDate,
    rows: u64,
    /// (frequency, monetary value, total spend, duration, rows)
    holdout: Option<(u32, Decimal, Decimal, f64, u64)>,
}

/// The oracle's report, field by field as `SummaryReport`.
#[derive(Debug, Clone, Default, PartialEq)]
struct ExpectedReport {
    rows: u64,
    rows_summarised: u64,
    rows_after_observation_end: u64,
    negative_rows_excluded: u64,
    negative_rows_netted: u64,
    returns_before_first_purchase: u64,
    rows_of_excluded_customers: u64,
    customers: u64,
    customers_without_purchase: u64,
    customers_first_seen_in_holdout: u64,
    customers_netting_negative: u64,
}

/// One customer's admitted rows in one window.
#[derive(Debug, Default)]
struct Rows {
    /// Purchase spend by period start (zero amounts are purchases).
    purchases: BTreeMap<i64, Decimal>,
    /// Purchase days.
    days: BTreeSet<NaiveDate>,
    /// Returns: (period start, amount).
    returns: Vec<(i64, Decimal)>,
    rows: u64,
}

impl Rows {
    fn total(&self) -> Decimal {
        self.purchases.values().copied().sum::<Decimal>() + self.returns.iter().map(|r| r.1).sum::<Decimal>()
    }
}

/// The oracle. Periods are `Period::DAY` or `Period::WEEK` (both anchored on day 1 of the
/// proleptic calendar, 0001-01-01), negative amounts `Net` or `Exclude`.
fn oracle(spec: &SummarySpec, log: &[Transaction<u8>]) -> (BTreeMap<u8, Expected>, ExpectedReport) {
    let len = i64::from(spec.period.length_days());
    let start_of = |d: NaiveDate| (i64::from(d.day_number()) - 1).div_euclid(len) * len + 1;
    let unit = spec.unit.days();
    let summary_end = spec.calibration_end.unwrap_or(spec.observation_end);
    let mut report = ExpectedReport::default();
    let mut cal: BTreeMap<u8, Rows> = BTreeMap::new();
    let mut hold: BTreeMap<u8, Rows> = BTreeMap::new();
    for t in log {
        report.rows += 1;
        if t.date > spec.observation_end {
            report.rows_after_observation_end += 1;
            continue;
        }
        let negative = t.amount < Decimal::ZERO;
        if negative {
            match spec.negative_amounts {
                NegativeAmounts::Exclude => {
                    report.negative_rows_excluded += 1;
                    continue;
                }
                _ => report.negative_rows_netted += 1,
            }
        }
        let window = if t.date <= summary_end {
            &mut cal
        } else {
            &mut hold
        };
        let r = window.entry(t.customer).or_default();
        r.rows += 1;
        if negative {
            r.returns.push((start_of(t.date), t.amount));
        } else {
            *r.purchases.entry(start_of(t.date)).or_default() += t.amount;
            r.days.insert(t.date);
        }
    }
    let duration = spec
        .calibration_end
        .map(|c| (start_of(spec.observation_end) - start_of(c)) as f64 / unit);
    let mut out = BTreeMap::new();
    for (&c, r) in &cal {
        let h = hold.get(&c);
        let hold_rows = h.map_or(0, |h| h.rows);
        if r.purchases.is_empty() {
            report.customers_without_purchase += 1;
            report.rows_of_excluded_customers += r.rows + hold_rows;
            continue;
        }
        let periods: Vec<i64> = r.purchases.keys().copied().collect();
        let (first, last) = (periods[0], periods[periods.len() - 1]);
        // A return nets into the latest purchase period on or before it (the first one
        // when it comes before every purchase).
        let mut first_total = r.purchases[&first];
        for &(p, amount) in &r.returns {
            if p < first {
                report.returns_before_first_purchase += 1;
            }
            if periods.get(1).is_none_or(|&second| p < second) {
                first_total += amount;
            }
        }
        let total = r.total();
        let frequency = periods.len() as u32 - 1;
        let repeat = total - first_total;
        if first_total < Decimal::ZERO || frequency > 0 && repeat < Decimal::ZERO {
            report.customers_netting_negative += 1;
        }
        let holdout = duration.map(|d| match h {
            None => (0, Decimal::ZERO, Decimal::ZERO, d, 0),
            Some(h) => {
                let (n, total) = (h.purchases.len() as u32, h.total());
                let m = if n == 0 {
                    Decimal::ZERO
                } else {
                    total / Decimal::from(n)
                };
                (n, m, total, d, h.rows)
            }
        });
        report.rows_summarised += r.rows + hold_rows;
        out.insert(
            c,
            Expected {
                frequency,
                recency: (last - first) as f64 / unit,
                age: (start_of(summary_end) - first) as f64 / unit,
                monetary_value: if frequency == 0 {
                    Decimal::ZERO
                } else {
                    repeat / Decimal::from(frequency)
                },
                total_spend: total,
                mean_spend: total / Decimal::from(frequency + 1),
                first_purchase: *r.days.first().unwrap(),
                last_purchase: *r.days.last().unwrap(),
                rows: r.rows,
                holdout,
            },
        );
    }
    for (c, h) in &hold {
        if !cal.contains_key(c) {
            report.customers_first_seen_in_holdout += 1;
            report.rows_of_excluded_customers += h.rows;
        }
    }
    report.customers = out.len() as u64;
    (out, report)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-12
}

/// `got` (a route's result) against the oracle, field by field.
fn check(
    got: Result<Summaries<u8>, Error>,
    spec: &SummarySpec,
    log: &[Transaction<u8>],
) -> Result<(), TestCaseError> {
    let (expected, report) = oracle(spec, log);
    let s = match got {
        Ok(s) => s,
        Err(Error::EmptyInput { .. }) => {
            prop_assert!(expected.is_empty());
            return Ok(());
        }
        Err(e) => return Err(TestCaseError::fail(format!("unexpected error {e}"))),
    };
    prop_assert_eq!(s.customers.len(), expected.len());
    for c in &s.customers {
        let e = &expected[&c.customer];
        let CustomerSummary {
            frequency,
            recency,
            age,
            monetary_value,
            total_spend,
            mean_spend,
            first_purchase,
            last_purchase,
            rows,
            holdout,
            ..
        } = c;
        prop_assert_eq!(*frequency, e.frequency);
        prop_assert!(close(*recency, e.recency) && close(*age, e.age), "{c:?} vs {e:?}");
        prop_assert_eq!(*monetary_value, e.monetary_value);
        prop_assert_eq!(*total_spend, e.total_spend);
        prop_assert_eq!(*mean_spend, e.mean_spend);
        prop_assert_eq!(
            (*first_purchase, *last_purchase, *rows),
            (e.first_purchase, e.last_purchase, e.rows)
        );
        match (holdout, &e.holdout) {
            (None, None) => {}
            (Some(h), Some((n, m, total, d, rows))) => {
                prop_assert_eq!(
                    (h.frequency, h.monetary_value, h.total_spend, h.rows),
                    (*n, *m, *total, *rows)
                );
                prop_assert!(close(h.duration, *d));
            }
            (h, e) => prop_assert!(false, "holdout {h:?} vs {e:?}"),
        }
    }
    let r = s.report;
    let got = ExpectedReport {
        rows: r.rows,
        rows_summarised: r.rows_summarised,
        rows_after_observation_end: r.rows_after_observation_end,
        negative_rows_excluded: r.negative_rows_excluded,
        negative_rows_netted: r.negative_rows_netted,
        returns_before_first_purchase: r.returns_before_first_purchase,
        rows_of_excluded_customers: r.rows_of_excluded_customers,
        customers: r.customers,
        customers_without_purchase: r.customers_without_purchase,
        customers_first_seen_in_holdout: r.customers_first_seen_in_holdout,
        customers_netting_negative: r.customers_netting_negative,
    };
    prop_assert_eq!(got, report);
    Ok(())
}

fn by_columns(spec: SummarySpec, log: &[Transaction<u8>]) -> Result<Summaries<u8>, Error> {
    let (customers, dates, amounts) = columns_of(log);
    summarise_columns(spec, TransactionColumns::new(&customers, &dates, &amounts)?)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// The general route, row by row.
    #[test]
    fn the_builder_equals_the_oracle(spec in spec_strategy(), log in log_strategy()) {
        check(summarise(spec, &log), &spec, &log)?;
    }

    /// The general route over two shards of any split, merged.
    #[test]
    fn merged_builders_equal_the_oracle(
        spec in spec_strategy(),
        log in log_strategy(),
        mask in proptest::collection::vec(any::<bool>(), 80),
    ) {
        let (left, right): (Vec<_>, Vec<_>) = log.iter().cloned().enumerate().partition(|(i, _)| mask[*i]);
        let strip = |v: Vec<(usize, Transaction<u8>)>| v.into_iter().map(|(_, t)| t).collect::<Vec<_>>();
        let mut merged = build(spec, &strip(left));
        merged.merge(build(spec, &strip(right))).unwrap();
        check(merged.finish(), &spec, &log)?;
    }

    /// The columnar route on any log (out of date order: mostly the general builder).
    #[test]
    fn columns_equal_the_oracle(spec in spec_strategy(), log in log_strategy()) {
        check(by_columns(spec, &log), &spec, &log)?;
    }

    /// The columnar route on logs in date order: the compact in-order route, returns
    /// before, between and after purchase periods included.
    #[test]
    fn the_in_order_route_equals_the_oracle(spec in spec_strategy(), mut log in log_strategy()) {
        log.sort_by_key(|t| t.date);
        check(by_columns(spec, &log), &spec, &log)?;
        #[cfg(feature = "parallel")]
        {
            let (customers, dates, amounts) = columns_of(&log);
            let cols = TransactionColumns::new(&customers, &dates, &amounts).unwrap();
            check(customer_value::summarise_columns_parallel(spec, cols), &spec, &log)?;
        }
    }
}

/// The oracle itself, on a hand-checked log: a return between two purchase periods nets
/// into the first, a holdout purchase, a customer seen first in the holdout.
#[test]
fn the_oracle_on_a_hand_checked_log() {
    let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
    let t = |c, date, cents| Transaction::new(c, date, Decimal::new(cents, 2));
    let log = [
        t(1, d(1, 1), 1000),
        t(1, d(1, 3), -200),
        t(1, d(1, 8), 500),
        t(1, d(2, 2), 700),
        t(2, d(2, 5), 100),
    ];
    let spec = SummarySpec::new(d(2, 29))
        .with_calibration_end(d(1, 31))
        .with_period(Period::DAY);
    let (out, report) = oracle(&spec, &log);
    let one = &out[&1];
    assert_eq!((one.frequency, one.recency, one.age), (1, 7.0, 30.0));
    assert_eq!(one.total_spend, Decimal::new(1300, 2));
    assert_eq!(one.monetary_value, Decimal::new(500, 2));
    assert_eq!(
        one.holdout,
        Some((1, Decimal::new(700, 2), Decimal::new(700, 2), 29.0, 1))
    );
    assert_eq!((report.customers, report.customers_first_seen_in_holdout), (1, 1));
    check(summarise(spec, &log), &spec, &log).unwrap();
}

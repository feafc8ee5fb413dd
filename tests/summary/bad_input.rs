//! Each documented decision about bad or awkward input, one test each.

use chrono::NaiveDate;
use customer_value::{
    Error, NegativeAmounts, SummaryBuilder, SummarySpec, Transaction, TransactionColumns, summarise,
};
use rust_decimal::Decimal;

fn d(m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, m, day).unwrap()
}

fn t(c: u32, m: u32, day: u32, amount: i64) -> Transaction<u32> {
    Transaction::new(c, d(m, day), Decimal::from(amount))
}

#[test]
fn returns_net_into_their_purchase_period_and_never_count_as_purchases() {
    let log = [
        t(1, 1, 1, 100),
        t(1, 1, 1, -30), // same day as the first purchase: first period nets to 70
        t(1, 2, 1, 50),
        t(1, 2, 3, -20), // no purchase that day: nets into the latest purchase period (Feb 1)
        t(1, 3, 1, 40),
    ];
    let s = summarise(SummarySpec::new(d(3, 31)), &log).unwrap();
    let c = &s.customers[0];
    assert_eq!(c.frequency, 2, "a return day is not a purchase");
    assert_eq!(c.monetary_value, Decimal::from(35)); // (50 - 20 + 40) / 2
    assert_eq!(c.total_spend, Decimal::from(140));
    assert_eq!(s.report.negative_rows_netted, 2);
    assert_eq!(s.report.customers_netting_negative, 0);
    assert_eq!(s.report.rows_summarised, 5);
}

#[test]
fn a_period_netting_below_zero_is_reported() {
    let log = [
        t(1, 1, 1, 10),
        t(1, 1, 1, -25),
        t(2, 1, 1, 10),
        t(2, 1, 5, 5),
        t(2, 1, 6, -50),
    ];
    let s = summarise(SummarySpec::new(d(1, 31)), &log).unwrap();
    assert_eq!(s.report.customers_netting_negative, 2);
    assert_eq!(s.customers[1].monetary_value, Decimal::from(-45));
}

#[test]
fn a_return_before_the_first_purchase_is_counted() {
    let log = [t(1, 1, 1, -5), t(1, 1, 10, 20), t(1, 1, 20, 30)];
    let s = summarise(SummarySpec::new(d(1, 31)), &log).unwrap();
    assert_eq!(s.report.returns_before_first_purchase, 1);
    let c = &s.customers[0];
    assert_eq!(c.first_purchase, d(1, 10));
    assert_eq!(c.monetary_value, Decimal::from(30));
    assert_eq!(c.total_spend, Decimal::from(45));
}

#[test]
fn a_customer_with_only_returns_is_excluded_and_counted() {
    let log = [t(1, 1, 1, 10), t(2, 1, 2, -10)];
    let s = summarise(SummarySpec::new(d(1, 31)), &log).unwrap();
    assert_eq!(s.customers.len(), 1);
    assert_eq!(s.report.customers_without_purchase, 1);
    assert_eq!(s.report.rows_of_excluded_customers, 1);
}

#[test]
fn negative_amounts_can_be_excluded_or_rejected() {
    let log = [t(1, 1, 1, 10), t(1, 1, 2, -10), t(1, 1, 3, 10)];
    let spec = SummarySpec::new(d(1, 31)).with_negative_amounts(NegativeAmounts::Exclude);
    let s = summarise(spec, &log).unwrap();
    assert_eq!(s.report.negative_rows_excluded, 1);
    assert_eq!(s.customers[0].total_spend, Decimal::from(20));

    let spec = SummarySpec::new(d(1, 31)).with_negative_amounts(NegativeAmounts::Reject);
    match summarise(spec, &log) {
        Err(Error::InvalidRow { row, reason }) => {
            assert_eq!(row, 1);
            assert!(reason.contains("negative amount -10"), "{reason}");
        }
        other => panic!("expected InvalidRow, got {other:?}"),
    }
}

#[test]
fn rows_after_the_observation_end_are_excluded_and_counted() {
    let log = [t(1, 1, 1, 10), t(1, 2, 1, 10), t(2, 3, 1, 10)];
    let s = summarise(SummarySpec::new(d(1, 31)), &log).unwrap();
    assert_eq!(s.customers.len(), 1, "customer 2 first bought after the end");
    assert_eq!(s.customers[0].frequency, 0);
    assert_eq!(s.report.rows_after_observation_end, 2);
}

#[test]
fn customers_first_seen_in_the_holdout_are_excluded_and_counted() {
    let log = [t(1, 1, 1, 10), t(1, 2, 10, 10), t(2, 2, 15, 10), t(2, 2, 16, 10)];
    let spec = SummarySpec::new(d(2, 29)).with_calibration_end(d(1, 31));
    let s = summarise(spec, &log).unwrap();
    assert_eq!(s.customers.len(), 1);
    assert_eq!(s.customers[0].holdout.as_ref().unwrap().frequency, 1);
    assert_eq!(s.report.customers_first_seen_in_holdout, 1);
    assert_eq!(s.report.rows_of_excluded_customers, 2);
}

#[test]
fn calibration_end_must_precede_observation_end() {
    for cal in [d(2, 1), d(1, 31)] {
        let spec = SummarySpec::new(d(1, 31)).with_calibration_end(cal);
        let err = SummaryBuilder::<u32>::new(spec).unwrap_err();
        assert!(
            matches!(
                err,
                Error::InvalidParameter {
                    name: "calibration_end",
                    ..
                }
            ),
            "{err}"
        );
    }
}

#[test]
fn an_empty_log_is_an_error() {
    let log: [Transaction<u32>; 0] = [];
    let err = summarise(SummarySpec::new(d(1, 31)), &log).unwrap_err();
    assert!(matches!(err, Error::EmptyInput { .. }));
    // So is a log whose rows are all after the end.
    let err = summarise(SummarySpec::new(d(1, 31)), &[t(1, 2, 1, 1)]).unwrap_err();
    assert!(matches!(err, Error::EmptyInput { .. }));
}

#[test]
fn duplicate_rows_are_kept_and_summed_as_lifetimes_does() {
    let log = [t(1, 1, 1, 10), t(1, 1, 5, 7), t(1, 1, 5, 7)];
    let s = summarise(SummarySpec::new(d(1, 31)), &log).unwrap();
    let c = &s.customers[0];
    assert_eq!(c.frequency, 1, "the same day is one purchase");
    assert_eq!(c.monetary_value, Decimal::from(14));
    assert_eq!(c.rows, 3, "the raw rows stay visible");
}

#[test]
fn decimal_overflow_is_a_row_error_not_a_panic() {
    let mut b = SummaryBuilder::new(SummarySpec::new(d(1, 31))).unwrap();
    b.push(&1_u32, d(1, 1), Decimal::MAX).unwrap();
    let err = b.push(&1_u32, d(1, 2), Decimal::MAX).unwrap_err();
    assert!(matches!(err, Error::InvalidRow { row: 1, .. }), "{err}");
    // The failed row left the builder as it was.
    let s = b.finish().unwrap();
    assert_eq!(s.customers[0].frequency, 0);
    assert_eq!(s.customers[0].total_spend, Decimal::MAX);
}

#[test]
fn columns_of_different_lengths_are_an_error() {
    let err = TransactionColumns::new(&[1_u32, 2], &[d(1, 1)], &[Decimal::ONE]).unwrap_err();
    assert!(matches!(
        err,
        Error::LengthMismatch {
            left_len: 2,
            right_len: 1,
            ..
        }
    ));
}

#[test]
fn builders_with_different_specs_do_not_merge() {
    let mut a = SummaryBuilder::<u32>::new(SummarySpec::new(d(1, 31))).unwrap();
    let b = SummaryBuilder::<u32>::new(SummarySpec::new(d(1, 30))).unwrap();
    assert!(matches!(
        a.merge(b),
        Err(Error::InvalidParameter { name: "other", .. })
    ));
}

#[test]
fn string_keys_and_date_times_work() {
    use chrono::{TimeZone, Utc};
    let log = [
        Transaction::new(
            "ana".to_string(),
            Utc.with_ymd_and_hms(2024, 1, 1, 23, 0, 0).unwrap(),
            Decimal::ONE,
        ),
        Transaction::new(
            "ana".to_string(),
            Utc.with_ymd_and_hms(2024, 1, 1, 8, 0, 0).unwrap(),
            Decimal::ONE,
        ),
        Transaction::new(
            "ana".to_string(),
            Utc.with_ymd_and_hms(2024, 1, 3, 0, 0, 0).unwrap(),
            Decimal::ONE,
        ),
    ];
    let s = summarise(SummarySpec::new(d(1, 31)), &log).unwrap();
    assert_eq!(s.customers[0].customer, "ana");
    assert_eq!(s.customers[0].frequency, 1);
    assert_eq!(s.customers[0].recency, 2.0);
}

//! The CSV reader on the shapes real exports have: lifetimes' example file, shop and
//! payment exports, Postgres `timestamptz` text, spreadsheets' day-first dates, RFC 4180
//! quoting; and each error with its line and the start of its message.

use chrono::NaiveDate;
use customer_value::io::{CalendarZone, CsvOptions, read_transactions_csv, read_transactions_csv_with};
use rust_decimal::Decimal;
use std::str::FromStr;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn zone(text: &str) -> CalendarZone {
    text.parse().unwrap()
}

fn dates(text: &str, options: &CsvOptions) -> Vec<NaiveDate> {
    read_transactions_csv_with::<String, _>(text.as_bytes(), options)
        .unwrap()
        .columns()
        .dates()
        .to_vec()
}

/// The message of the reader's error on `text`, which must be a parse error at `line`.
fn error(text: &[u8], options: &CsvOptions, line: u64) -> String {
    match read_transactions_csv_with::<u64, _>(text, options) {
        Err(customer_value::Error::Parse { line: at, reason }) => {
            assert_eq!(at, line, "{reason}");
            reason
        }
        other => panic!("expected a parse error at line {line}, got {other:?}"),
    }
}

fn assert_starts(message: &str, start: &str) {
    assert!(
        message.starts_with(start),
        "`{message}` does not start with `{start}`"
    );
}

/// lifetimes' `datasets/example_transactions.csv`: `date,id`, midnight date-times, no
/// amount column.
#[test]
fn lifetimes_example_transactions() {
    let text = "date,id\n2014-03-08 00:00:00,0\n2014-05-21 00:00:00,1\n2014-03-14 00:00:00,2\n2014-04-09 00:00:00,2\n";
    let options = CsvOptions::default().customer_column("id").without_amount();
    let log = read_transactions_csv_with::<u64, _>(text.as_bytes(), &options).unwrap();
    assert_eq!(log.columns().customers(), [0, 1, 2, 2]);
    assert_eq!(
        log.columns().dates(),
        [
            day(2014, 3, 8),
            day(2014, 5, 21),
            day(2014, 3, 14),
            day(2014, 4, 9)
        ]
    );
    assert_eq!(log.columns().amounts(), [Decimal::ZERO; 4]);
    // Without `without_amount`, the missing column is named, with the way out.
    let e = error(text.as_bytes(), &CsvOptions::default().customer_column("id"), 1);
    assert_starts(
        &e,
        "header `date,id` has no `amount` column (columns: date, id); set the amount column name",
    );
    assert!(e.contains("without_amount"), "{e}");
}

#[test]
fn shop_export_with_other_column_names() {
    let text = "customer,created_at,total\nann,2023-05-22 13:34:41,19.99\nbob,2023-05-23T08:00:00.5,-5\n";
    let options = CsvOptions::default()
        .customer_column("customer")
        .date_column("created_at")
        .amount_column("total");
    let log = read_transactions_csv_with::<String, _>(text.as_bytes(), &options).unwrap();
    assert_eq!(log.columns().customers(), ["ann".to_string(), "bob".to_string()]);
    assert_eq!(log.columns().dates(), [day(2023, 5, 22), day(2023, 5, 23)]);
    assert_eq!(
        log.columns().amounts(),
        [Decimal::new(1999, 2), Decimal::new(-5, 0)]
    );
    // Names match loosely when nothing matches exactly.
    let loose = "Customer , CREATED_AT,Total\nann,2023-05-22,1\n";
    assert_eq!(dates(loose, &options), [day(2023, 5, 22)]);
    // Messages name the column as the header writes it.
    let e = read_transactions_csv_with::<String, _>(
        "Customer,CREATED_AT,Total\nann,2023-05-22,x\n".as_bytes(),
        &options,
    )
    .unwrap_err()
    .to_string();
    assert_starts(&e, "line 2: amount `x` (column `Total`) is not a decimal number");
}

/// Postgres writes `timestamptz` as `2023-05-22 23:34:41.123+00`.
#[test]
fn postgres_timestamptz_in_a_fixed_offset() {
    let text = "customer_id,date,amount\n1,2023-05-22 23:34:41.123+00,1\n2,2023-05-22 18:00:00+05:30,1\n";
    let india = CsvOptions::default().time_zone(zone("+05:30"));
    assert_eq!(dates(text, &india), [day(2023, 5, 23), day(2023, 5, 22)]);
    assert_eq!(
        dates(text, &CsvOptions::default()),
        [day(2023, 5, 22), day(2023, 5, 22)]
    );
}

#[cfg(feature = "tz")]
#[test]
fn postgres_timestamptz_in_new_york() {
    let text = "customer_id,date,amount\n1,2023-05-22 23:34:41.123+00,1\n1,2023-05-23 03:59:59+00,1\n1,2023-05-23 04:00:00+00,1\n";
    let options = CsvOptions::default().time_zone(zone("America/New_York"));
    // EDT is UTC-4: midnight in New York is 04:00 UTC.
    assert_eq!(
        dates(text, &options),
        [day(2023, 5, 22), day(2023, 5, 22), day(2023, 5, 23)]
    );
    // In winter (EST, UTC-5) the day starts an hour later in UTC.
    let winter = "customer_id,date,amount\n1,2024-01-10T04:30:00Z,1\n1,2024-01-10T05:00:00Z,1\n";
    assert_eq!(dates(winter, &options), [day(2024, 1, 9), day(2024, 1, 10)]);
}

#[test]
fn an_instant_across_the_zones_day_boundary() {
    let text = "customer_id,date,amount\n1,2024-03-01T02:30:00Z,1\n";
    assert_eq!(
        dates(text, &CsvOptions::default().time_zone(zone("-05:00"))),
        [day(2024, 2, 29)]
    );
    assert_eq!(dates(text, &CsvOptions::default()), [day(2024, 3, 1)]);
    // Shopify's spelling: a space, then `-0400`.
    let shopify = "customer_id,date,amount\n1,2023-05-22 21:34:41 -0400,1\n";
    assert_eq!(dates(shopify, &CsvOptions::default()), [day(2023, 5, 23)]);
    assert_eq!(
        dates(shopify, &CsvOptions::default().time_zone(zone("-0400"))),
        [day(2023, 5, 22)]
    );
}

/// Stripe writes UTC times without an offset.
#[test]
fn naive_utc_times_on_a_tokyo_calendar() {
    let text = "customer_id,date,amount\n1,2024-01-01 14:59:59,1\n1,2024-01-01 15:00:00,1\n1,2024-01-01,1\n";
    let tokyo = CsvOptions::default().time_zone(zone("+09:00"));
    // Naive times are in the calendar zone unless told otherwise: the date as written.
    assert_eq!(dates(text, &tokyo), [day(2024, 1, 1); 3]);
    let stripe = tokyo.naive_times_in(CalendarZone::Utc);
    // A date alone is the day as written, whatever the zones.
    assert_eq!(
        dates(text, &stripe),
        [day(2024, 1, 1), day(2024, 1, 2), day(2024, 1, 1)]
    );
}

#[cfg(feature = "tz")]
#[test]
fn naive_new_york_times_on_a_utc_calendar_across_daylight_saving() {
    let options = CsvOptions::default().naive_times_in(zone("America/New_York"));
    let text = "customer_id,date,amount\n\
                1,2024-03-09 19:30:00,1\n\
                1,2024-03-10 02:30:00,1\n\
                1,2024-11-03 01:30:00,1\n\
                1,2024-11-03 19:30:00,1\n";
    // 19:30 EST = 00:30 UTC the next day; the skipped 02:30 is taken at 07:00 UTC; the
    // ambiguous 01:30 at its first instant (EDT, 05:30 UTC); 19:30 EST = 00:30 UTC.
    assert_eq!(
        dates(text, &options),
        [
            day(2024, 3, 10),
            day(2024, 3, 10),
            day(2024, 11, 3),
            day(2024, 11, 4)
        ]
    );
}

#[test]
fn strftime_formats() {
    let day_first = CsvOptions::default().date_format("%d/%m/%Y").unwrap();
    let text = "customer_id,date,amount\n1,31/01/2024,1\n1,01/02/2024,1\n";
    assert_eq!(dates(text, &day_first), [day(2024, 1, 31), day(2024, 2, 1)]);
    // Only that format: the ISO spelling is refused.
    let e = error(b"customer_id,date,amount\n1,2024-01-31,1\n", &day_first, 2);
    assert_starts(
        &e,
        "date `2024-01-31` (column `date`) does not match the date format `%d/%m/%Y`",
    );

    let us = CsvOptions::default().date_format("%m/%d/%Y %H:%M").unwrap();
    let text = "customer_id,date,amount\n1,01/31/2024 23:30,1\n";
    assert_eq!(dates(text, &us), [day(2024, 1, 31)]);
    let us_in_utc = us.time_zone(zone("+01:00")).naive_times_in(CalendarZone::Utc);
    assert_eq!(dates(text, &us_in_utc), [day(2024, 2, 1)]);

    let with_offset = CsvOptions::default().date_format("%d.%m.%Y %H:%M %z").unwrap();
    assert_eq!(
        dates(
            "customer_id,date,amount\n1,31.01.2024 23:30 -0100,1\n",
            &with_offset
        ),
        [day(2024, 2, 1)]
    );

    for bad in ["%Q", "%", "", "  "] {
        assert!(
            matches!(
                CsvOptions::default().date_format(bad),
                Err(customer_value::Error::InvalidParameter {
                    name: "date_format",
                    ..
                })
            ),
            "{bad:?}"
        );
    }
}

#[test]
fn crlf_bom_quotes_and_blank_lines() {
    let text = "\u{feff}customer_id,date,amount,note\r\n\
                \r\n\
                \"Smith, Ann\",2024-01-05,\"1,5\",x\r\n\
                \"say \"\"hi\"\"\", \"2024-01-06\" ,  12.50 ,\"a, \"\"b\"\"\"\r\n\
                \r\n\
                plain,20240107,-3,\r\n";
    let e = read_transactions_csv::<String, _>(text.as_bytes())
        .unwrap_err()
        .to_string();
    // `1,5` inside quotes is one field: a thousands separator, refused.
    assert_starts(
        &e,
        "line 3: amount `1,5` (column `amount`) is not a decimal number",
    );
    let text = text.replace("\"1,5\"", "\"1.5\"");
    let log = read_transactions_csv::<String, _>(text.as_bytes()).unwrap();
    assert_eq!(
        log.columns().customers(),
        [
            "Smith, Ann".to_string(),
            "say \"hi\"".to_string(),
            "plain".to_string()
        ]
    );
    assert_eq!(
        log.columns().dates(),
        [day(2024, 1, 5), day(2024, 1, 6), day(2024, 1, 7)]
    );
    assert_eq!(
        log.columns().amounts(),
        [Decimal::new(15, 1), Decimal::new(1250, 2), Decimal::new(-3, 0)]
    );
}

#[test]
fn a_newline_inside_quotes() {
    let text = "customer_id,date,amount,note\n1,2024-01-05,1,\"two\nlines\"\n\"3\",2024-01-06,2,\"x\r\ny\"\n4,2024-01-07,3,\n";
    let log = read_transactions_csv::<u64, _>(text.as_bytes()).unwrap();
    assert_eq!(log.columns().customers(), [1, 3, 4]);
    // The key itself may span lines (a String key keeps the line break).
    let text = "name,date,amount\n\"Ann\nSmith\",2024-01-05,1\n";
    let options = CsvOptions::default().customer_column("name");
    let log = read_transactions_csv_with::<String, _>(text.as_bytes(), &options).unwrap();
    assert_eq!(log.columns().customers(), ["Ann\nSmith".to_string()]);
    // Errors name the line where the record starts, and count the lines inside quotes.
    let text = b"customer_id,date,amount,note\n1,2024-01-05,1,\"a\nb\nc\"\n1,2024-02-30,1,\"d\ne\"\n1,2024-01-01,1,x\n";
    let e = error(text, &CsvOptions::default(), 5);
    assert_starts(&e, "date `2024-02-30` (column `date`) is not a date");
    let text = b"customer_id,date,amount,note\n1,2024-01-05,1,\"a\nb\nc\"\n1,2024-01-01,1,x\n1,x,1,\n";
    error(text, &CsvOptions::default(), 6);
    // A quote never closed runs to the end; the error is at its record's first line.
    let e = error(
        b"customer_id,date,amount\n1,2024-01-01,1\n1,2024-01-01,\"1\n2,2024-01-01,1\n",
        &CsvOptions::default(),
        3,
    );
    assert_starts(&e, "field 3 opens a quote that is not closed");
}

#[test]
fn each_error_names_its_line() {
    let d = CsvOptions::default();
    let e = error(b"date,id\n2014-03-08,0\n", &d, 1);
    assert_starts(
        &e,
        "header `date,id` has no `customer_id` column (columns: date, id); set the customer column name",
    );
    let e = error(b"customer_id,amount\n", &d, 1);
    assert_starts(
        &e,
        "header `customer_id,amount` has no `date` column (columns: customer_id, amount); set the date column name",
    );
    let e = error(
        b"customer_id,date,amount,Amount\n",
        &d.clone().amount_column("AMOUNT"),
        1,
    );
    assert_starts(
        &e,
        "header `customer_id,date,amount,Amount` has 2 columns matching `AMOUNT`",
    );

    let body = |rows: &str| format!("customer_id,date,amount\n1,2024-01-01,1\n\n{rows}\n");
    let cases = [
        (
            "1,2023-02-30,1",
            "date `2023-02-30` (column `date`) is not a date: expected YYYY-MM-DD, YYYYMMDD",
        ),
        (
            "1,2023-05-22 25:00:00,1",
            "date `2023-05-22 25:00:00` (column `date`) is not a date",
        ),
        (
            "1,2023-05-22T10:00:00+24:00,1",
            "date `2023-05-22T10:00:00+24:00` (column `date`) is not a date",
        ),
        (
            "1,05/22/2023,1",
            "date `05/22/2023` (column `date`) is not a date",
        ),
        ("1,,1", "date `` (column `date`) is not a date"),
        (
            "1,2024-01-01,1e3",
            "amount `1e3` (column `amount`) is not a decimal number",
        ),
        (
            "1,2024-01-01,NaN",
            "amount `NaN` (column `amount`) is not a decimal number",
        ),
        (
            "1,2024-01-01,inf",
            "amount `inf` (column `amount`) is not a decimal number",
        ),
        (
            "1,2024-01-01,$5",
            "amount `$5` (column `amount`) is not a decimal number",
        ),
        (
            "1,2024-01-01,",
            "amount `` (column `amount`) is empty: every row needs an amount",
        ),
        (
            "1,2024-01-01,12345678901234567890123456789.5",
            "amount `12345678901234567890123456789.5` (column `amount`) has more digits than a Decimal holds exactly",
        ),
        ("1,2024-01-01", "expected at least 3 fields, found 2"),
        (
            "x,2024-01-01,1",
            "customer `x` (column `customer_id`) cannot be parsed",
        ),
    ];
    for (row, start) in cases {
        let e = error(body(row).as_bytes(), &d, 4);
        assert_starts(&e, start);
    }
    // `Decimal::from_str` would round the over-precise amount; the reader refuses it.
    assert!(Decimal::from_str("12345678901234567890123456789.5").is_ok());

    let mut bad = b"customer_id,date,amount\n1,2024-01-01,1\n".to_vec();
    bad.extend_from_slice(b"1,2024-01-0\xff,1\n");
    let e = error(&bad, &d, 3);
    assert_starts(&e, "not UTF-8 text in column `date`");
    let e = error(b"customer_id,date,amount\n1,2024-01-01,\xff\n", &d, 2);
    assert_starts(&e, "not UTF-8 text in column `amount`");
    let e = error(b"", &d, 1);
    assert_starts(&e, "empty input");
}

#[test]
fn zone_names_need_feature_tz_or_an_offset() {
    assert_eq!(zone("Z"), CalendarZone::Utc);
    assert_eq!(zone(" utc "), CalendarZone::Utc);
    let named = "Europe/Berlin".parse::<CalendarZone>();
    #[cfg(feature = "tz")]
    assert_eq!(named.unwrap(), CalendarZone::Iana(chrono_tz::Europe::Berlin));
    #[cfg(not(feature = "tz"))]
    {
        let e = named.unwrap_err();
        assert!(matches!(
            e,
            customer_value::Error::InvalidParameter { name: "zone", .. }
        ));
        assert!(e.to_string().contains("feature `tz`"), "{e}");
    }
}

#[cfg(feature = "parallel")]
mod parallel {
    use customer_value::io::{
        CsvOptions, read_transactions_csv_parallel, read_transactions_csv_parallel_with,
        read_transactions_csv_with,
    };
    use proptest::prelude::*;

    /// One row of a generated CSV with a note column: quoted fields with commas, doubled
    /// quotes and line breaks, blank lines, broken rows, unclosed quotes.
    fn row() -> impl Strategy<Value = String> {
        prop_oneof![
            6 => (0u32..50, 0u32..800, -500i64..50_000, 0u32..5).prop_map(|(c, day, cents, style)| {
                let date = chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap() + chrono::Days::new(u64::from(day));
                let amount = rust_decimal::Decimal::new(cents, 2);
                match style {
                    0 => format!("{c},{date},{amount},"),
                    1 => format!("\"{c}\",\"{date} 10:00:00\",\"{amount}\",\"a, \"\"b\"\"\"\r"),
                    2 => format!("{c},{date}T23:30:00-02:00,{amount},\"line\nbreak\""),
                    3 => format!("{c},{date},{amount},\"\n\n\""),
                    _ => format!("{c}, {} ,{amount},x", date.format("%Y%m%d")),
                }
            }),
            1 => prop_oneof![Just(String::new()), Just("   ".to_owned()), Just("\r".to_owned())],
            1 => prop_oneof![
                Just("1,2020-02-30,1,".to_owned()),
                Just("1,\"2020-01-01\"x,1,".to_owned()),
                Just("1,2020-01-01,1e3,\"a\nb\"".to_owned()),
                Just("1,2020-01-01".to_owned()),
                Just("1,2020-01-01,1,\"unclosed".to_owned()),
                Just("1,2020-01-01,1,a\"b".to_owned()),
            ],
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        /// With quotes, line breaks inside them and errors anywhere: the parallel reader
        /// gives the sequential reader's log, or its first error with the same line.
        #[test]
        fn parallel_equals_sequential_with_quotes(
            rows in proptest::collection::vec(row(), 0..300),
            final_newline in any::<bool>(),
            naive_utc in any::<bool>(),
        ) {
            let mut text = String::from("customer_id,date,amount,note\n");
            text.push_str(&rows.join("\n"));
            if final_newline {
                text.push('\n');
            }
            let mut options = CsvOptions::default().time_zone("+05:30".parse().unwrap());
            if naive_utc {
                options = options.naive_times_in(customer_value::io::CalendarZone::Utc);
            }
            let sequential = read_transactions_csv_with::<u64, _>(text.as_bytes(), &options).map_err(|e| e.to_string());
            let parallel = read_transactions_csv_parallel_with::<u64>(text.as_bytes(), &options).map_err(|e| e.to_string());
            prop_assert_eq!(parallel, sequential);
        }
    }

    #[test]
    fn a_big_quoted_text_is_cut_at_record_ends() {
        let mut text = String::from("customer_id,date,amount,note\n");
        for i in 0..20_000 {
            text.push_str(&format!("{i},2024-01-01,1,\"a\n,b\"\n"));
        }
        let sequential =
            read_transactions_csv_with::<u64, _>(text.as_bytes(), &CsvOptions::default()).unwrap();
        assert_eq!(sequential.len(), 20_000);
        assert_eq!(
            read_transactions_csv_parallel::<u64>(text.as_bytes()).unwrap(),
            sequential
        );
        text.push_str("1,2024-01-01,x,\n");
        let e = read_transactions_csv_parallel::<u64>(text.as_bytes())
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("line 40002: amount `x`"), "{e}");
    }
}

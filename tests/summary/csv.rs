//! The CSV reader: the parallel reader is the sequential one, row for row and error for
//! error; the CDNOW sample reads whole. (Its values are checked end to end by
//! `tests/summary/cdnow.rs`, which reproduces lifetimes' summary from this reader's log.)

use customer_value::io::read_transactions_csv;
#[cfg(feature = "parallel")]
use proptest::prelude::*;

/// One row of a generated CSV: mostly valid, sometimes blank, sometimes broken.
#[cfg(feature = "parallel")]
fn row() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => (0u32..50, 0u32..800, -500i64..50_000, 0u32..3).prop_map(|(c, day, cents, style)| {
            let date = chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap() + chrono::Days::new(u64::from(day));
            let amount = rust_decimal::Decimal::new(cents, 2);
            match style {
                0 => format!("{c},{date},{amount}"),
                1 => format!("\"{c}\",{},{amount}\r", date.format("%Y%m%d")),
                _ => format!("{c}, {date} ,{amount},extra"),
            }
        }),
        1 => prop_oneof![Just(String::new()), Just("   ".to_owned()), Just("\r".to_owned())],
        1 => prop_oneof![
            Just("1,,5".to_owned()),
            Just("1, ,5".to_owned()),
            Just("1,\"\",5".to_owned()),
            Just("x,2020-01-01,1".to_owned()),
            Just("1,2020-02-30,1".to_owned()),
            Just("1,2020-01-01,1e3".to_owned()),
            Just("1,2020-01-01".to_owned()),
        ],
    ]
}

#[cfg(feature = "parallel")]
proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Cut into pieces at any line ends, read on many threads, joined in order: the same
    /// log as the sequential reader, or the same first error with the same line.
    #[test]
    #[cfg(feature = "parallel")]
    fn parallel_reader_equals_sequential(rows in proptest::collection::vec(row(), 0..400), final_newline in any::<bool>()) {
        use customer_value::io::read_transactions_csv_parallel;
        let mut text = String::from("customer_id,date,amount\n");
        text.push_str(&rows.join("\n"));
        if final_newline {
            text.push('\n');
        }
        let sequential = read_transactions_csv::<u64, _>(text.as_bytes()).map_err(|e| e.to_string());
        let parallel = read_transactions_csv_parallel::<u64>(text.as_bytes()).map_err(|e| e.to_string());
        prop_assert_eq!(parallel, sequential);
    }
}

#[test]
#[cfg(feature = "parallel")]
fn parallel_reader_handles_header_only_and_empty_text() {
    use customer_value::io::read_transactions_csv_parallel;
    assert!(read_transactions_csv_parallel::<u64>(b"").is_err());
    assert_eq!(
        read_transactions_csv_parallel::<u64>(b"customer_id,date,amount")
            .unwrap()
            .len(),
        0
    );
    assert_eq!(
        read_transactions_csv_parallel::<u64>(b"\xef\xbb\xbfamount,date,customer_id\r\n")
            .unwrap()
            .len(),
        0
    );
}

/// The CDNOW sample (6,919 rows) reads the same either way and gives lifetimes' row count.
#[test]
fn cdnow_sample_reads_whole() {
    let text = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/data/cdnow_sample_transactions.csv"
    ))
    .unwrap();
    let log = read_transactions_csv::<u64, _>(text.as_slice()).unwrap();
    assert_eq!(log.len(), 6_919);
    #[cfg(feature = "parallel")]
    assert_eq!(
        customer_value::io::read_transactions_csv_parallel::<u64>(&text).unwrap(),
        log
    );
}

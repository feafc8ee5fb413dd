//! Unit and property tests of the CSV reader's parts (records, dates, amounts, zones).

use std::str::FromStr;

use chrono::{FixedOffset, NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;

use super::amount::parse_amount;
use super::date::{Stamp, default_stamp};
#[cfg(feature = "parallel")]
use super::read::split_at_record_ends;
#[cfg(feature = "parallel")]
use super::record::next_record;
use super::record::split_quoted;
use super::*;
use chrono::DateTime;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

#[test]
fn columns_in_any_order_quotes_and_blank_lines() {
    let text = "\u{feff}amount,\"customer_id\",date,extra\n\n\"3.50\",\"ab\",2024-02-29T23:30:00-01:00,x\n";
    let log = read_transactions_csv::<String, _>(text.as_bytes()).unwrap();
    assert_eq!(log.columns().customers(), ["ab".to_string()]);
    assert_eq!(log.columns().dates(), [day(2024, 3, 1)]);
    assert_eq!(log.columns().amounts(), [Decimal::new(350, 2)]);
}

#[test]
fn errors_name_the_line() {
    let cases = [
        ("", "line 1: empty input"),
        (
            "id,date,amount\n",
            "line 1: header `id,date,amount` has no `customer_id` column",
        ),
        (
            "customer_id,date,amount\n1,2024-01-01,1\n1,2024-01-01\n",
            "line 3: expected at least 3 fields",
        ),
        (
            "customer_id,date,amount\nx,2024-01-01,1\n",
            "line 2: customer `x`",
        ),
        (
            "customer_id,date,amount\n1,2024-01-01,1e3\n",
            "line 2: amount `1e3`",
        ),
        // An empty date is an error on any row, the first included (the reader
        // remembers the previous row's date; nothing must match before there is one).
        ("customer_id,date,amount\n1,,1\n", "line 2: date ``"),
        (
            "customer_id,date,amount\n1,2024-01-01,1\n1,\"\",1\n",
            "line 3: date ``",
        ),
        (
            "customer_id,date,date,amount\n",
            "line 1: header `customer_id,date,date,amount` has 2 columns",
        ),
        (
            "customer_id,Date,DATE,amount\n",
            "line 1: header `customer_id,Date,DATE,amount` has 2 columns",
        ),
        (
            "customer_id,date,amount\n1,\"2024-01-01\"x,1\n",
            "line 2: field 2 has text after its closing quote",
        ),
        (
            "customer_id,date,amount\n1,2024-01-01,1\n\n1,\"2024\n01-01,1\n",
            "line 4: field 2 opens a quote",
        ),
    ];
    for (text, start) in cases {
        let e = read_transactions_csv::<u64, _>(text.as_bytes())
            .unwrap_err()
            .to_string();
        assert!(e.starts_with(start), "{e} does not start with {start}");
    }
    let same = CsvOptions::default().date_column("customer_id");
    let e = read_transactions_csv_with::<u64, _>("customer_id,amount\n".as_bytes(), &same).unwrap_err();
    assert!(
        e.to_string().starts_with("line 1: column `customer_id` is both"),
        "{e}"
    );
}

#[test]
fn exact_names_win_over_loose_ones() {
    let text = "Date,date,customer_id,amount\n2024-01-01,2024-02-02,1,1\n";
    let log = read_transactions_csv::<u64, _>(text.as_bytes()).unwrap();
    assert_eq!(log.columns().dates(), [day(2024, 2, 2)]);
    let loose = CsvOptions::default().customer_column(" CUSTOMER_ID ");
    let log = read_transactions_csv_with::<u64, _>(text.as_bytes(), &loose).unwrap();
    assert_eq!(log.len(), 1);
}

#[test]
fn crlf_endings_and_bad_utf8_name_the_line() {
    let log =
        read_transactions_csv::<u64, _>(&b"customer_id,date,amount\r\n7,19970101,1.50\r\n"[..]).unwrap();
    assert_eq!(log.columns().amounts(), [Decimal::new(150, 2)]);
    let e =
        read_transactions_csv::<u64, _>(&b"customer_id,date,amount\n1,2024-01-01,1\n\xff,2024-01-01,1\n"[..])
            .unwrap_err()
            .to_string();
    assert!(
        e.starts_with("line 3: not UTF-8 text in column `customer_id`"),
        "{e}"
    );
    // A field the reader does not use may hold anything.
    let log =
        read_transactions_csv::<u64, _>(&b"customer_id,date,amount,note\n1,2024-01-01,1,\xff\n"[..]).unwrap();
    assert_eq!(log.len(), 1);
}

#[test]
fn quoted_fields_unescape() {
    let mut scratch = Vec::new();
    let mut ranges = Vec::new();
    split_quoted(b" \"a,\"\"b\"\" \" , c\"d ,\"\"", &mut scratch, &mut ranges).unwrap();
    let fields: Vec<&[u8]> = ranges.iter().map(|r| &scratch[r.clone()]).collect();
    assert_eq!(fields, [&b"a,\"b\" "[..], b" c\"d ", b""]);
}

#[test]
fn amounts_are_exact_or_refused() {
    // `Decimal::from_str` rounds what does not fit; the reader must not.
    let long = "12345678901234567890123456789.5";
    assert!(Decimal::from_str(long).is_ok());
    assert!(parse_amount(long.as_bytes()).is_err());
    for bad in [
        "1e3", "NaN", "inf", "1,000", "1_000", "$5", "5.", ".5", "", "-", "+.5", "1.2.3",
    ] {
        assert!(parse_amount(bad.as_bytes()).is_err(), "{bad}");
    }
    assert_eq!(parse_amount(b"+5").unwrap(), Decimal::new(5, 0));
    assert_eq!(
        parse_amount(b"1234567890123456789012.345678")
            .unwrap()
            .to_string(),
        "1234567890123456789012.345678"
    );
}

#[test]
fn zones_parse_and_print() {
    let fixed = |s: i32| CalendarZone::Fixed(FixedOffset::east_opt(s).unwrap());
    for (text, zone) in [
        ("UTC", CalendarZone::Utc),
        ("z", CalendarZone::Utc),
        ("+05:30", fixed(19_800)),
        ("-0800", fixed(-28_800)),
        ("+05", fixed(18_000)),
    ] {
        assert_eq!(text.parse::<CalendarZone>().unwrap(), zone, "{text}");
    }
    for bad in ["+24:00", "+05:60", "+5", "05:00", ""] {
        assert!(bad.parse::<CalendarZone>().is_err(), "{bad}");
    }
    for seconds in [-18_000, 3_661, -3_661, 0, 86_340, -86_340] {
        assert_eq!(
            fixed(seconds).to_string().parse::<CalendarZone>().unwrap(),
            fixed(seconds)
        );
    }
    let json = serde_json::to_string(&fixed(-18_000)).unwrap();
    assert_eq!(json, "\"-05:00\"");
    assert_eq!(
        serde_json::from_str::<CalendarZone>(&json).unwrap(),
        fixed(-18_000)
    );
    #[cfg(not(feature = "tz"))]
    {
        let e = "America/New_York"
            .parse::<CalendarZone>()
            .unwrap_err()
            .to_string();
        assert!(e.contains("feature `tz`"), "{e}");
    }
    #[cfg(feature = "tz")]
    {
        let zone: CalendarZone = "America/New_York".parse().unwrap();
        assert_eq!(zone, CalendarZone::Iana(chrono_tz::America::New_York));
        assert_eq!(serde_json::to_string(&zone).unwrap(), "\"America/New_York\"");
    }
}

#[cfg(feature = "tz")]
#[test]
fn daylight_saving_edges_take_the_earliest_instant() {
    let ny = CalendarZone::Iana(chrono_tz::America::New_York);
    let at = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap();
    // Skipped: 02:30 on 2024-03-10 does not exist; the change is at 07:00 UTC.
    assert_eq!(
        ny.instant_of(&at("2024-03-10 02:30:00")),
        Some(at("2024-03-10 07:00:00"))
    );
    // Ambiguous: 01:30 on 2024-11-03 happens twice; the first is 05:30 UTC.
    assert_eq!(
        ny.instant_of(&at("2024-11-03 01:30:00")),
        Some(at("2024-11-03 05:30:00"))
    );
    // Samoa skipped 2011-12-30 whole: the first instant after is its midnight of the 31st.
    let apia = CalendarZone::Iana(chrono_tz::Pacific::Apia);
    let utc = apia.instant_of(&at("2011-12-30 12:00:00")).unwrap();
    assert_eq!(apia.day_of(&utc), Some(day(2011, 12, 31)));
}

proptest::proptest! {
    /// The direct amount reader gives exactly `Decimal::from_str`'s value (mantissa,
    /// scale and sign) on what it accepts, and accepts every `[-+]digits[.digits]`
    /// that `Decimal::from_str_exact` reads.
    #[test]
    fn plain_amounts_equal_decimal_from_str(
        sign in proptest::sample::select(vec!["", "-", "+"]),
        whole in "[0-9]{0,30}",
        dot in proptest::bool::ANY,
        fraction in "[0-9]{0,10}",
    ) {
        let text = format!("{sign}{whole}{}{fraction}", if dot { "." } else { "" });
        let ours = parse_amount(text.as_bytes()).ok().map(|d| d.serialize());
        let body = text.strip_prefix(['-', '+']).unwrap_or(&text);
        let digits = |d: &str| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit());
        let shape = match body.split_once('.') {
            Some((w, f)) => digits(w) && digits(f),
            None => digits(body),
        };
        let theirs = Decimal::from_str_exact(&text).ok().filter(|_| shape).map(|d| d.serialize());
        proptest::prop_assert_eq!(ours, theirs, "{}", text);
        if let Some(ours) = ours {
            proptest::prop_assert_eq!(Some(ours), Decimal::from_str(&text).ok().map(|d| d.serialize()));
        }
    }

    /// The direct date reader agrees with chrono's format parser on both date spellings.
    #[test]
    fn plain_dates_equal_chrono(y in 0u32..10_000, m in 0u32..14, d in 0u32..33) {
        for (text, format) in [
            (format!("{y:04}-{m:02}-{d:02}"), "%Y-%m-%d"),
            (format!("{y:04}{m:02}{d:02}"), "%Y%m%d"),
        ] {
            proptest::prop_assert_eq!(
                default_stamp(text.as_bytes()),
                NaiveDate::parse_from_str(&text, format).ok().map(Stamp::Date),
                "{}", text
            );
        }
    }

    /// The direct date-time reader agrees with chrono on every built-in shape: the
    /// same text rewritten as RFC 3339 (with an offset) or as `%Y-%m-%dT%H:%M:%S%.f`.
    #[test]
    fn timestamps_equal_chrono(
        y in 1u32..10_000, m in 1u32..13, d in 1u32..32,
        h in 0u32..25, mi in 0u32..61, s in 0u32..62,
        fraction in "[0-9]{0,10}",
        separator in proptest::sample::select(vec![" ", "T"]),
        offset in proptest::option::of((proptest::bool::ANY, 0u32..25, 0u32..61)),
        style in 0usize..5,
        space in proptest::bool::ANY,
    ) {
        let date = format!("{y:04}-{m:02}-{d:02}");
        let time = format!("{h:02}:{mi:02}:{s:02}");
        let dot = if fraction.is_empty() { String::new() } else { format!(".{fraction}") };
        let ours_text;
        let canonical;
        match offset {
            None => {
                ours_text = format!("{date}{separator}{time}{dot}");
                canonical = NaiveDateTime::parse_from_str(&format!("{date}T{time}{dot}"), "%Y-%m-%dT%H:%M:%S%.f")
                    .ok().filter(|_| fraction.len() <= 9).map(Stamp::Naive);
            }
            Some((east, oh, om)) => {
                let sign = if east { '+' } else { '-' };
                let written = match style {
                    0 => format!("{sign}{oh:02}:{om:02}"),
                    1 => format!("{sign}{oh:02}{om:02}"),
                    2 => format!("{sign}{oh:02}"),
                    3 => "Z".to_owned(),
                    _ => "UTC".to_owned(),
                };
                let (oh, om) = match style { 2 => (oh, 0), 3 | 4 => (0, 0), _ => (oh, om) };
                ours_text = format!("{date}{separator}{time}{dot}{}{written}", if space { " " } else { "" });
                canonical = DateTime::parse_from_rfc3339(&format!("{date}T{time}{dot}{sign}{oh:02}:{om:02}"))
                    .ok()
                    .filter(|_| fraction.len() <= 9 && oh <= 23)
                    .map(|t| Stamp::Instant(t.naive_utc()));
            }
        }
        proptest::prop_assert_eq!(default_stamp(ours_text.as_bytes()), canonical, "{}", ours_text);
    }

    /// Record ends found by the scan are where the record reader ends records.
    #[test]
    #[cfg(feature = "parallel")]
    fn record_scan_cuts_between_records(text in "[a\",\n ]{0,60}", pieces in 1usize..6) {
        let parts = split_at_record_ends(text.as_bytes(), pieces);
        proptest::prop_assert_eq!(parts.concat(), text.as_bytes());
        let mut whole = Vec::new();
        let mut reader = text.as_bytes();
        let mut buffer = Vec::new();
        while next_record(&mut reader, &mut buffer).unwrap().is_some() {
            whole.push(buffer.clone());
        }
        let mut pieced = Vec::new();
        for mut part in parts {
            while next_record(&mut part, &mut buffer).unwrap().is_some() {
                pieced.push(buffer.clone());
            }
        }
        proptest::prop_assert_eq!(pieced, whole);
    }
}

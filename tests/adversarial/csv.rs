//! The CSV readers: generated exports with every accepted oddity (BOM, CRLF, quotes, blank
//! lines, extra columns, years 0 and 9999) read back exactly; hostile amounts and dates
//! refused with the line named; random and mutated bytes (non-UTF-8, truncation, stray
//! quotes) give a log or a typed error, the same from the sequential and parallel readers.

use chrono::{Datelike, NaiveDate};
use customer_value::Error;
use customer_value::io::{CalendarZone, CsvOptions, read_transactions_csv, read_transactions_csv_with};
use rust_decimal::Decimal;

use super::harness::Tally;
use super::rng::{Rng, scale};

/// A generated export and the rows it must read as.
struct Export {
    text: Vec<u8>,
    rows: Vec<(u64, NaiveDate, Decimal)>,
}

fn date_text(rng: &mut Rng, d: NaiveDate) -> String {
    let (y, m, day) = (d.year(), d.month(), d.day());
    match rng.below(6) {
        0 => format!("{y:04}{m:02}{day:02}"),
        1 => format!(
            "{y:04}-{m:02}-{day:02} {:02}:{:02}:{:02}",
            rng.below(24),
            rng.below(60),
            rng.below(60)
        ),
        2 => format!(
            "{y:04}-{m:02}-{day:02}T{:02}:{:02}:{:02}.{}Z",
            rng.below(24),
            rng.below(60),
            rng.below(60),
            rng.below(1000)
        ),
        3 => format!("{y:04}-{m:02}-{day:02} 12:00:00+00"),
        _ => format!("{y:04}-{m:02}-{day:02}"),
    }
}

fn amount(rng: &mut Rng) -> Decimal {
    match rng.below(5) {
        // At most 28 significant digits: always exact in a Decimal.
        0 => {
            let digits = 1 + rng.below(28) as u32;
            let m = ((rng.next() as i128).wrapping_mul(rng.next() as i128) % 10_i128.pow(digits)).abs();
            Decimal::from_i128_with_scale(
                if rng.chance(4) { -m } else { m },
                rng.below(u64::from(digits) + 1) as u32,
            )
        }
        1 => rng.pick(&[
            Decimal::ZERO,
            Decimal::MAX,
            Decimal::MIN,
            Decimal::new(1, 28),
            Decimal::new(-5, 1),
        ]),
        _ => rng.money(),
    }
}

fn quoted(rng: &mut Rng, field: &str) -> String {
    match rng.below(5) {
        0 => format!("\"{field}\""),
        1 => format!("\" {field} \""),
        2 => format!(" {field}"),
        _ => field.to_string(),
    }
}

fn export(rng: &mut Rng, max_rows: usize) -> Export {
    let nl = if rng.chance(2) { "\r\n" } else { "\n" };
    let mut text = String::new();
    if rng.chance(3) {
        text.push('\u{feff}');
    }
    // Column order and one extra column holding commas, quotes and a line break.
    let mut cols = ["customer_id", "date", "amount", "note"];
    for i in (1..cols.len()).rev() {
        cols.swap(i, rng.usize(i + 1));
    }
    text.push_str(&cols.join(","));
    text.push_str(nl);
    let n = rng.usize(max_rows + 1);
    let mut rows = Vec::new();
    for _ in 0..n {
        while rng.chance(8) {
            text.push_str(nl);
        }
        let c = rng.u64();
        let d = rng.csv_date();
        let a = amount(rng);
        let note_lines = if rng.chance(6) { 1 } else { 0 };
        let fields: Vec<String> = cols
            .iter()
            .map(|col| match *col {
                "customer_id" => quoted(rng, &c.to_string()),
                "date" => {
                    let dt = date_text(rng, d);
                    quoted(rng, &dt)
                }
                "amount" => quoted(rng, &a.to_string()),
                _ if note_lines == 1 => "\"a, \"\"quoted\"\"\nnote\"".to_string(),
                _ => "plain".to_string(),
            })
            .collect();
        text.push_str(&fields.join(","));
        rows.push((c, d, a));
        if rng.chance(10) && rows.len() == n {
            break; // the last record without a line end
        }
        text.push_str(nl);
    }
    Export {
        text: text.into_bytes(),
        rows,
    }
}

fn read_u64(text: &[u8]) -> customer_value::Result<Vec<(u64, NaiveDate, Decimal)>> {
    let log = read_transactions_csv::<u64, _>(text)?;
    Ok(log.columns().iter().map(|(c, d, a)| (*c, *d, *a)).collect())
}

/// Clean generated exports read back exactly, from both readers.
#[test]
fn csv_generated_exports_read_back_exactly() {
    let mut t = Tally::new("csv exact");
    let mut rng = Rng::new(11);
    for case in 0..3_000 * scale() {
        let e = export(&mut rng, 12);
        let text = e.text.clone();
        let what = || format!("case {case}: {:?}", String::from_utf8_lossy(&text));
        if let Some(rows) = t.call(what, || read_u64(&e.text)) {
            t.promise(rows == e.rows, || {
                format!("case {case}: read {rows:?}, wrote {:?}", e.rows)
            });
        }
        #[cfg(feature = "parallel")]
        {
            let par = t.call(what, || {
                customer_value::io::read_transactions_csv_parallel::<u64>(&e.text)
            });
            if let Some(par) = par {
                let par: Vec<_> = par.columns().iter().map(|(c, d, a)| (*c, *d, *a)).collect();
                t.promise(par == e.rows, || format!("case {case}: parallel read {par:?}"));
            }
        }
    }
    t.finish();
}

/// Amounts and dates that are not money or not days: a `Parse` error naming the row's line.
#[test]
fn csv_hostile_fields_are_refused_on_their_line() {
    const AMOUNTS: [&str; 16] = [
        "1e5",
        "1E-2",
        "NaN",
        "nan",
        "inf",
        "-inf",
        "Infinity",
        "1,000.00",
        "$5",
        "12345678901234567890123456789.5",
        "79228162514264337593543950336",
        "-79228162514264337593543950336",
        "0x10",
        "--1",
        "1.2.3",
        "",
    ];
    const DATES: [&str; 14] = [
        "2023-02-30",
        "2023-13-01",
        "2023-00-10",
        "2023-04-31",
        "1900-02-29",
        "20230230",
        "99999-01-01",
        "-0001-01-01",
        "2023-1-1",
        "",
        "2023-01-01T25:00:00",
        "2023-01-01 10:00:00+25:00",
        "2023-01-01X",
        "today",
    ];
    let mut t = Tally::new("csv hostile");
    let mut rng = Rng::new(12);
    for case in 0..3_000 * scale() {
        let mut e = export(&mut rng, 6);
        if e.rows.is_empty() {
            continue;
        }
        // Rewrite one row with a hostile field: a simple export with known lines.
        let k = rng.usize(e.rows.len());
        let bad_amount = rng.chance(2);
        let (amount, date) = if bad_amount {
            (rng.pick(&AMOUNTS).to_string(), "2024-01-01".to_string())
        } else {
            ("1.00".to_string(), rng.pick(&DATES).to_string())
        };
        let mut text = String::from("customer_id,date,amount\n");
        for (i, (c, d, a)) in e.rows.iter().enumerate() {
            if i == k {
                text.push_str(&format!("{c},\"{date}\",\"{amount}\"\n"));
            } else {
                text.push_str(&format!("{c},{d},{a}\n"));
            }
        }
        e.text = text.into_bytes();
        let line = k as u64 + 2;
        let shown = String::from_utf8_lossy(&e.text).to_string();
        match std::panic::catch_unwind(|| read_u64(&e.text)) {
            Ok(Err(Error::Parse { line: l, .. })) if l == line => {
                t.call(String::new, || {
                    Err::<(), _>(Error::Parse {
                        line: l,
                        reason: String::new(),
                    })
                });
            }
            other => {
                let r = t.call(|| format!("case {case}: {shown:?}"), || read_u64(&e.text));
                t.promise(false, || {
                    format!(
                        "case {case}: expected a Parse error on line {line}, got {:?} / {r:?} for {shown:?}",
                        other.map(|r| r.map(|v| v.len()))
                    )
                });
            }
        }
    }
    t.finish();
}

/// Hostile tokens spliced into exports, and random byte mutations.
fn mutate(rng: &mut Rng, text: &mut Vec<u8>) {
    const TOKENS: [&[u8]; 18] = [
        b"1e308",
        b"NaN",
        b"-inf",
        b"99999999999999999999999999999.5",
        b"0000-01-01",
        b"9999-12-31",
        b"2023-02-30",
        b"\"",
        b"\"\"",
        b",",
        b"\r",
        b"\n",
        b"\xef\xbb\xbf",
        b"\xff\xfe",
        b"\x00",
        b"-0.0",
        b"18446744073709551616",
        b"+99:99",
    ];
    for _ in 0..1 + rng.below(4) {
        let at = rng.usize(text.len() + 1);
        match rng.below(7) {
            0 if !text.is_empty() => {
                let i = rng.usize(text.len());
                text[i] ^= 1 << rng.below(8);
            }
            1 => text.insert(at, rng.next() as u8),
            2 => {
                let end = (at + rng.usize(8)).min(text.len());
                text.drain(at..end);
            }
            3 => text.truncate(at),
            4 => {
                let tok = rng.pick(&TOKENS);
                text.splice(at..at, tok.iter().copied());
            }
            5 => {
                let end = (at + rng.usize(40)).min(text.len());
                let copy: Vec<u8> = text[at..end].to_vec();
                text.splice(at..at, copy);
            }
            _ => {
                let b = rng.bytes(16);
                text.splice(at..at, b);
            }
        }
    }
}

#[test]
fn csv_mutated_and_random_bytes_give_a_log_or_a_typed_error() {
    let mut t = Tally::new("csv mutated");
    let mut rng = Rng::new(13);
    for case in 0..4_000 * scale() {
        let mut text = if rng.chance(8) {
            let mut b = b"customer_id,date,amount\n".to_vec();
            b.extend(rng.bytes(200));
            b
        } else {
            export(&mut rng, 8).text
        };
        mutate(&mut rng, &mut text);
        let shown = String::from_utf8_lossy(&text).to_string();
        let what = || format!("case {case}: {shown:?}");
        let a = t.call(what, || read_u64(&text));
        let s = t.call(what, || {
            read_transactions_csv::<String, _>(&text[..]).map(|l| l.len())
        });
        if let Some(rows) = &a {
            t.promise(s == Some(rows.len()), || {
                format!(
                    "case {case}: u64 keys read {} rows, String keys {s:?}",
                    rows.len()
                )
            });
        }
        #[cfg(feature = "parallel")]
        {
            let seq = read_u64(&text).map_err(|e| e.to_string());
            let par = t.call(what, || {
                Ok::<_, ()>(
                    customer_value::io::read_transactions_csv_parallel::<u64>(&text)
                        .map(|l| {
                            l.columns()
                                .iter()
                                .map(|(c, d, a)| (*c, *d, *a))
                                .collect::<Vec<_>>()
                        })
                        .map_err(|e| e.to_string()),
                )
            });
            if let Some(par) = par {
                t.promise(par == seq, || {
                    format!("case {case}: parallel {par:?} vs sequential {seq:?} on {shown:?}")
                });
            }
        }
    }
    t.finish();
}

/// Random column names, strftime formats and calendar zones over generated exports.
#[test]
fn csv_random_options_give_a_log_or_a_typed_error() {
    const FORMATS: [&str; 12] = [
        "%Y-%m-%d",
        "%d/%m/%Y",
        "%Y%m%d",
        "%s",
        "%Y-%m-%d %H:%M:%S",
        "%+",
        "%Y-%j",
        "%",
        "%Q",
        "%Y-%m-%d%z",
        "%.f",
        "%G-W%V-%u",
    ];
    const ZONES: [&str; 10] = [
        "UTC",
        "+14:00",
        "-12:00",
        "+05:30",
        "-0400",
        "+23:59:59",
        "Z",
        "Europe/Berlin",
        "Pacific/Kiritimati",
        "+24:00",
    ];
    let mut t = Tally::new("csv options");
    let mut rng = Rng::new(14);
    for case in 0..1_500 * scale() {
        let mut text = export(&mut rng, 6).text;
        if rng.chance(2) {
            mutate(&mut rng, &mut text);
        }
        let fmt: String = if rng.chance(3) {
            String::from_utf8_lossy(&rng.bytes(8)).to_string()
        } else {
            rng.pick(&FORMATS).to_string()
        };
        let zone = rng.pick(&ZONES);
        let what = || {
            format!(
                "case {case}: format {fmt:?}, zone {zone}, {:?}",
                String::from_utf8_lossy(&text)
            )
        };
        let zone: Option<CalendarZone> = t.call(what, || zone.parse::<CalendarZone>());
        let mut options = CsvOptions::default();
        if rng.chance(2) {
            options = match t.call(what, || options.clone().date_format(&fmt)) {
                Some(o) => o,
                None => continue,
            };
        }
        if let Some(z) = zone {
            options = options.time_zone(z);
            if rng.chance(2) {
                options = options.naive_times_in(rng.pick(&[CalendarZone::Utc, z]));
            }
        }
        if rng.chance(5) {
            options = options.without_amount();
        }
        if rng.chance(8) {
            options = options.customer_column(String::from_utf8_lossy(&rng.bytes(4)).to_string());
        }
        t.call(what, || {
            read_transactions_csv_with::<String, _>(&text[..], &options).map(|l| l.len())
        });
    }
    t.finish();
}

//! Reading transaction logs from CSV text (`customer_id,date,amount`), with errors that
//! name the line.
//!
//! A deliberately small reader, no dependency: comma-separated fields, optionally wrapped
//! in double quotes (no embedded commas or quotes), a header row naming the columns in any
//! order (extra columns are ignored), blank lines skipped. Dates are `YYYY-MM-DD`,
//! `YYYYMMDD` (CDNOW's raw format) or an RFC 3339 date-time (placed on its UTC day).
//! Amounts are decimal numbers (`12.5`, `-3`, `1e3` is refused: money is not written so).
//! For anything richer, parse with the `csv` crate and push rows into a
//! [`SummaryBuilder`](crate::SummaryBuilder).
//!
//! Speed: one reused byte buffer per line, no allocation per row, and the common
//! spellings (`YYYY-MM-DD`, `YYYYMMDD`, `[-]digits[.digits]`, a date equal to the previous
//! row's) read directly; every other spelling goes through chrono's and rust_decimal's
//! parsers, with the same results (property tests hold the direct readers to them).

use std::io::BufRead;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate};
use rust_decimal::Decimal;

use crate::error::{Error, Result};
use crate::transaction::TransactionLog;

/// Reads a `customer_id,date,amount` CSV into a columnar log.
///
/// The customer key is parsed with `K::from_str` (use `String` for any key, `u64` for
/// numeric ones).
///
/// # Errors
///
/// [`Error::Parse`] naming the 1-based line (the header is line 1) of the first malformed
/// row or a header that lacks one of the three columns; [`Error::Io`] if reading fails.
///
/// # Examples
///
/// ```
/// use customer_value::io::read_transactions_csv;
///
/// let text = "customer_id,date,amount\n1,1997-01-01,29.33\n1,19970118,29.73\n";
/// let log = read_transactions_csv::<u64, _>(text.as_bytes())?;
/// assert_eq!(log.len(), 2);
///
/// let bad = "customer_id,date,amount\n1,1997-13-01,1\n";
/// let err = read_transactions_csv::<u64, _>(bad.as_bytes()).unwrap_err();
/// assert_eq!(err.to_string(), "line 2: date `1997-13-01` is not YYYY-MM-DD, YYYYMMDD or RFC 3339");
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn read_transactions_csv<K, R>(mut reader: R) -> Result<TransactionLog<K>>
where
    K: FromStr,
    R: BufRead,
{
    // One byte buffer reused for every line (no allocation per row).
    let mut buffer = Vec::with_capacity(256);
    if !next_line(&mut reader, &mut buffer)? {
        return Err(empty_input());
    }
    let layout = Layout::of(utf8(&buffer, 1)?)?;
    let mut log = TransactionLog::default();
    read_rows(reader, &layout, 2, &mut log)?;
    Ok(log)
}

/// [`read_transactions_csv`] over CSV text already in memory, parsed on all cores
/// (feature `parallel`): the rows are cut into one piece per thread at line ends, each
/// piece is read as by `read_transactions_csv`, and the pieces join in their order, so
/// the log — and the first error, with its line — is exactly the sequential reader's.
///
/// # Errors
///
/// As [`read_transactions_csv`].
///
/// # Examples
///
/// ```
/// use customer_value::io::{read_transactions_csv, read_transactions_csv_parallel};
///
/// let text = "customer_id,date,amount\n1,1997-01-01,29.33\n2,1997-01-02,5\n";
/// let log = read_transactions_csv_parallel::<u64>(text.as_bytes())?;
/// assert_eq!(log, read_transactions_csv::<u64, _>(text.as_bytes())?);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[cfg(feature = "parallel")]
pub fn read_transactions_csv_parallel<K>(text: &[u8]) -> Result<TransactionLog<K>>
where
    K: FromStr + Send,
{
    use rayon::prelude::*;
    // Reading the header line from the slice advances `body` past it.
    let (mut body, mut header) = (text, Vec::new());
    if !next_line(&mut body, &mut header)? {
        return Err(empty_input());
    }
    let layout = Layout::of(utf8(&header, 1)?)?;
    let pieces = split_at_line_ends(body, rayon::current_num_threads().max(1) * 4);
    // Line numbers: each piece starts after the lines of those before it.
    let lines: Vec<u64> = pieces
        .par_iter()
        .map(|p| p.iter().filter(|&&b| b == b'\n').count() as u64)
        .collect();
    let firsts = lines.iter().scan(2u64, |next, &n| {
        let first = *next;
        *next += n;
        Some(first)
    });
    let parts: Vec<((&[u8], u64), u64)> = pieces
        .into_iter()
        .zip(firsts)
        .zip(lines.iter().copied())
        .collect();
    // Each piece's log sized for its lines (but never for more rows than its bytes can
    // hold: a valid row takes at least 13), the joined one for the rows read: no regrowth
    // copies, and no reservation that blank lines could inflate.
    let logs: Vec<Result<TransactionLog<K>>> = parts
        .into_par_iter()
        .map(|((piece, first_line), n)| {
            let rows = usize::try_from(n).unwrap_or(0).min(piece.len() / 13) + 1;
            let mut log = TransactionLog::with_capacity(rows);
            read_rows(piece, &layout, first_line, &mut log).map(|()| log)
        })
        .collect();
    let logs = logs.into_iter().collect::<Result<Vec<_>>>()?;
    let mut log = TransactionLog::with_capacity(logs.iter().map(TransactionLog::len).sum());
    for mut part in logs {
        log.append(&mut part);
    }
    Ok(log)
}

/// `text` cut into about `pieces` parts of similar size, each ending just after a line
/// end (the last one at the end of `text`).
#[cfg(feature = "parallel")]
fn split_at_line_ends(text: &[u8], pieces: usize) -> Vec<&[u8]> {
    let target = text.len().div_ceil(pieces).max(1);
    let mut out = Vec::with_capacity(pieces);
    let mut rest = text;
    while !rest.is_empty() {
        let cut = rest
            .get(target..)
            .and_then(|after| after.iter().position(|&b| b == b'\n'))
            .map_or(rest.len(), |i| target + i + 1);
        let (piece, tail) = rest.split_at(cut.min(rest.len()));
        out.push(piece);
        rest = tail;
    }
    out
}

fn empty_input() -> Error {
    Error::Parse {
        line: 1,
        reason: "empty input: expected a header `customer_id,date,amount`".into(),
    }
}

/// Where the three columns are, from the header row.
struct Layout {
    customer: usize,
    date: usize,
    amount: usize,
    /// Fields a row needs (the last of the three, plus one).
    width: usize,
}

impl Layout {
    fn of(header: &str) -> Result<Layout> {
        let names: Vec<&str> = header
            .trim_start_matches('\u{feff}')
            .split(',')
            .map(unquote)
            .collect();
        let column = |name: &str| {
            names
                .iter()
                .position(|n| n.eq_ignore_ascii_case(name))
                .ok_or_else(|| Error::Parse {
                    line: 1,
                    reason: format!("header `{header}` has no `{name}` column"),
                })
        };
        let (customer, date, amount) = (column("customer_id")?, column("date")?, column("amount")?);
        Ok(Layout {
            customer,
            date,
            amount,
            width: customer.max(date).max(amount) + 1,
        })
    }
}

/// Reads the rows of `reader` (no header) into `log`; the first row is line `first_line`.
fn read_rows<K: FromStr>(
    mut reader: impl BufRead,
    layout: &Layout,
    first_line: u64,
    log: &mut TransactionLog<K>,
) -> Result<()> {
    let mut buffer = Vec::with_capacity(256);
    // Logs usually come in date order: the previous row's date text and value.
    let mut last_date: Option<(String, NaiveDate)> = None;
    let mut line_no = first_line;
    while next_line(&mut reader, &mut buffer)? {
        let line = utf8(&buffer, line_no)?;
        let here = line_no;
        line_no += 1;
        if line.trim().is_empty() {
            continue;
        }
        let err = |reason: String| Error::Parse { line: here, reason };
        let (mut customer, mut date, mut amount, mut fields) = (None, None, None, 0);
        for (i, field) in line.split(',').enumerate() {
            fields = i + 1;
            if i == layout.customer {
                customer = Some(unquote(field));
            }
            if i == layout.date {
                date = Some(unquote(field));
            }
            if i == layout.amount {
                amount = Some(unquote(field));
            }
            if fields == layout.width {
                break;
            }
        }
        let (Some(c), Some(d), Some(a)) = (customer, date, amount) else {
            return Err(err(format!(
                "expected at least {} fields, found {fields}",
                layout.width
            )));
        };
        let customer = K::from_str(c).map_err(|_| err(format!("customer_id `{c}` cannot be parsed")))?;
        let date = match &mut last_date {
            Some((text, date)) if text == d => *date,
            cached => {
                let date = parse_date(d)
                    .ok_or_else(|| err(format!("date `{d}` is not YYYY-MM-DD, YYYYMMDD or RFC 3339")))?;
                // Reuse the cached text's buffer: no allocation per row on unsorted logs.
                match cached {
                    Some((text, previous)) => {
                        text.clear();
                        text.push_str(d);
                        *previous = date;
                    }
                    None => *cached = Some((d.to_owned(), date)),
                }
                date
            }
        };
        let amount = parse_amount(a).ok_or_else(|| err(format!("amount `{a}` is not a decimal number")))?;
        log.push(customer, date, amount);
    }
    Ok(())
}

/// Reads the next line into `buffer` without its line ending; `false` at the end.
fn next_line(reader: &mut impl BufRead, buffer: &mut Vec<u8>) -> Result<bool> {
    buffer.clear();
    if reader.read_until(b'\n', buffer)? == 0 {
        return Ok(false);
    }
    if buffer.last() == Some(&b'\n') {
        buffer.pop();
        if buffer.last() == Some(&b'\r') {
            buffer.pop();
        }
    }
    Ok(true)
}

fn utf8(bytes: &[u8], line: u64) -> Result<&str> {
    std::str::from_utf8(bytes).map_err(|e| Error::Parse {
        line,
        reason: format!("not UTF-8 text ({e})"),
    })
}

fn unquote(field: &str) -> &str {
    let f = field.trim();
    f.strip_prefix('"').and_then(|f| f.strip_suffix('"')).unwrap_or(f)
}

/// Parses `YYYY-MM-DD`, `YYYYMMDD` or an RFC 3339 date-time (its UTC date).
fn parse_date(s: &str) -> Option<NaiveDate> {
    if let Some(date) = plain_date(s) {
        return Some(date);
    }
    if s.len() == 10 {
        return NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
    }
    if s.len() == 8 && s.bytes().all(|b| b.is_ascii_digit()) {
        return NaiveDate::parse_from_str(s, "%Y%m%d").ok();
    }
    DateTime::parse_from_rfc3339(s).ok().map(|t| t.naive_utc().date())
}

/// The common spellings `YYYY-MM-DD` and `YYYYMMDD` with exactly those digits, read
/// directly (chrono's format parser costs more than the rest of a row); `None` sends
/// anything else, and invalid dates, to chrono's parser and its verdict.
fn plain_date(s: &str) -> Option<NaiveDate> {
    let digits = |b: &[u8]| {
        b.iter().try_fold(0u32, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    let (y, m, d) = match *s.as_bytes() {
        [y0, y1, y2, y3, b'-', m0, m1, b'-', d0, d1] | [y0, y1, y2, y3, m0, m1, d0, d1] => {
            (digits(&[y0, y1, y2, y3])?, digits(&[m0, m1])?, digits(&[d0, d1])?)
        }
        _ => return None,
    };
    NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, m, d)
}

/// A decimal amount: `[-]digits[.digits]` read directly into the same `Decimal` that
/// `Decimal::from_str` gives (mantissa and scale as written); anything else — signs,
/// underscores, more than 18 digits, a negative zero — goes to `Decimal::from_str`.
/// Exponents (`1e3`) are refused: money is not written so.
fn parse_amount(s: &str) -> Option<Decimal> {
    if let Some(amount) = plain_amount(s) {
        return Some(amount);
    }
    if s.contains(['e', 'E']) {
        return None;
    }
    Decimal::from_str(s).ok()
}

fn plain_amount(s: &str) -> Option<Decimal> {
    let (negative, body) = match s.as_bytes().split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, s.as_bytes()),
    };
    let (whole, fraction) = match body.iter().position(|&c| c == b'.') {
        Some(dot) => (body.get(..dot)?, body.get(dot + 1..)?),
        None => (body, &[][..]),
    };
    if whole.is_empty()
        || (fraction.is_empty() && whole.len() < body.len())
        || whole.len() + fraction.len() > 18
    {
        return None;
    }
    let mantissa = whole.iter().chain(fraction).try_fold(0i64, |n, &c| {
        c.is_ascii_digit().then(|| n * 10 + i64::from(c - b'0'))
    })?;
    if negative && mantissa == 0 {
        return None;
    }
    let scale = u32::try_from(fraction.len()).ok()?;
    Some(Decimal::new(if negative { -mantissa } else { mantissa }, scale))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_in_any_order_quotes_and_blank_lines() {
        let text =
            "\u{feff}amount,\"customer_id\",date,extra\n\n\"3.50\",\"ab\",2024-02-29T23:30:00-01:00,x\n";
        let log = read_transactions_csv::<String, _>(text.as_bytes()).unwrap();
        assert_eq!(log.columns().customers(), ["ab".to_string()]);
        assert_eq!(
            log.columns().dates(),
            [NaiveDate::from_ymd_opt(2024, 3, 1).unwrap()]
        );
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
                "line 2: customer_id `x`",
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
        ];
        for (text, start) in cases {
            let e = read_transactions_csv::<u64, _>(text.as_bytes())
                .unwrap_err()
                .to_string();
            assert!(e.starts_with(start), "{e} does not start with {start}");
        }
    }

    #[test]
    fn crlf_endings_and_bad_utf8_name_the_line() {
        let log =
            read_transactions_csv::<u64, _>(&b"customer_id,date,amount\r\n7,19970101,1.50\r\n"[..]).unwrap();
        assert_eq!(log.columns().amounts(), [Decimal::new(150, 2)]);
        let e = read_transactions_csv::<u64, _>(
            &b"customer_id,date,amount\n1,2024-01-01,1\n\xff,2024-01-01,1\n"[..],
        )
        .unwrap_err()
        .to_string();
        assert!(e.starts_with("line 3: not UTF-8"), "{e}");
    }

    proptest::proptest! {
        /// The direct amount reader gives exactly `Decimal::from_str`'s value (mantissa,
        /// scale and sign), and defers to it for everything else.
        #[test]
        fn plain_amounts_equal_decimal_from_str(
            sign in proptest::sample::select(vec!["", "-", "+"]),
            whole in "[0-9]{0,20}",
            dot in proptest::bool::ANY,
            fraction in "[0-9]{0,10}",
        ) {
            let text = format!("{sign}{whole}{}{fraction}", if dot { "." } else { "" });
            let ours = parse_amount(&text).map(|d| d.serialize());
            let theirs = Decimal::from_str(&text).ok().map(|d| d.serialize());
            proptest::prop_assert_eq!(ours, theirs, "{}", text);
        }

        /// The direct date reader agrees with chrono's format parser on both spellings.
        #[test]
        fn plain_dates_equal_chrono(y in 0u32..10_000, m in 0u32..14, d in 0u32..33) {
            for (text, format) in [
                (format!("{y:04}-{m:02}-{d:02}"), "%Y-%m-%d"),
                (format!("{y:04}{m:02}{d:02}"), "%Y%m%d"),
            ] {
                proptest::prop_assert_eq!(
                    parse_date(&text),
                    NaiveDate::parse_from_str(&text, format).ok(),
                    "{}", text
                );
            }
        }
    }
}

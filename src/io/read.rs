//! The readers: [`read_transactions_csv`] and its variants (options, parallel), and the
//! row loop that fills a [`TransactionLog`](crate::TransactionLog) one record at a time.

use std::io::BufRead;
use std::str::FromStr;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::error::{Error, Result};
use crate::transaction::TransactionLog;

use super::amount::parse_amount;
use super::options::CsvOptions;
use super::plan::{Plan, pick};
#[cfg(feature = "parallel")]
use super::record::{Scan, step};
use super::record::{next_record, split_quoted};

/// Reads a `customer_id,date,amount` CSV into a columnar log: [`read_transactions_csv_with`]
/// with the default [`CsvOptions`].
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
/// assert!(err.to_string().starts_with("line 2: date `1997-13-01` (column `date`) is not a date"));
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn read_transactions_csv<K, R>(reader: R) -> Result<TransactionLog<K>>
where
    K: FromStr,
    R: BufRead,
{
    read_transactions_csv_with(reader, &CsvOptions::default())
}

/// Reads a CSV export into a columnar log, as `options` say (see the [module docs](crate::io)
/// for what is accepted and which calendar day a row falls on).
///
/// # Errors
///
/// [`Error::Parse`] naming the 1-based line (the header is line 1; for a record with line
/// breaks inside quotes, the line where it starts) of the first malformed row, or a header
/// that lacks a column or has two matching one; [`Error::Io`] if reading fails.
///
/// # Examples
///
/// ```
/// use customer_value::io::{read_transactions_csv_with, CsvOptions};
///
/// let options = CsvOptions::default().customer_column("Customer").amount_column("Total");
/// let text = "\u{feff}Customer,date,Total\r\n\"Smith, Ann\",2024-01-05,\"12.50\"\r\n\r\n";
/// let log = read_transactions_csv_with::<String, _>(text.as_bytes(), &options)?;
/// assert_eq!(log.columns().customers(), ["Smith, Ann".to_string()]);
///
/// let err = read_transactions_csv_with::<u64, _>("date,id\n".as_bytes(), &CsvOptions::default()).unwrap_err();
/// assert!(err.to_string().starts_with("line 1: header `date,id` has no `customer_id` column (columns: date, id)"));
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn read_transactions_csv_with<K, R>(mut reader: R, options: &CsvOptions) -> Result<TransactionLog<K>>
where
    K: FromStr,
    R: BufRead,
{
    let mut buffer = Vec::with_capacity(256);
    let Some(header_lines) = next_record(&mut reader, &mut buffer)? else {
        return Err(empty_input(options));
    };
    let plan = Plan::new(&buffer, options)?;
    let mut log = TransactionLog::default();
    read_rows(reader, &plan, 1 + header_lines, &mut log)?;
    Ok(log)
}

/// [`read_transactions_csv`] over CSV text already in memory, parsed on all cores
/// (feature `parallel`): [`read_transactions_csv_parallel_with`] with the default options.
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
#[cfg_attr(docsrs, doc(cfg(feature = "parallel")))]
pub fn read_transactions_csv_parallel<K>(text: &[u8]) -> Result<TransactionLog<K>>
where
    K: FromStr + Send,
{
    read_transactions_csv_parallel_with(text, &CsvOptions::default())
}

/// [`read_transactions_csv_with`] over CSV text already in memory, parsed on all cores
/// (feature `parallel`): the rows are cut into one piece per thread at record ends (line
/// ends outside quotes), each piece is read as by `read_transactions_csv_with`, and the
/// pieces join in their order, so the log — and the first error, with its line — is exactly
/// the sequential reader's. Text without a quote character is cut at any line end; text
/// with one is first scanned once, on one thread, for where its records end.
///
/// # Errors
///
/// As [`read_transactions_csv_with`].
///
/// # Examples
///
/// ```
/// use customer_value::io::{read_transactions_csv_parallel_with, read_transactions_csv_with, CsvOptions};
///
/// let options = CsvOptions::default().customer_column("name");
/// let text = "name,date,amount\n\"two\nlines\",1997-01-01,29.33\nb,1997-01-02,5\n";
/// let log = read_transactions_csv_parallel_with::<String>(text.as_bytes(), &options)?;
/// assert_eq!(log, read_transactions_csv_with::<String, _>(text.as_bytes(), &options)?);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[cfg(feature = "parallel")]
#[cfg_attr(docsrs, doc(cfg(feature = "parallel")))]
pub fn read_transactions_csv_parallel_with<K>(text: &[u8], options: &CsvOptions) -> Result<TransactionLog<K>>
where
    K: FromStr + Send,
{
    use rayon::prelude::*;
    // Reading the header record from the slice advances `body` past it.
    let (mut body, mut header) = (text, Vec::new());
    let Some(header_lines) = next_record(&mut body, &mut header)? else {
        return Err(empty_input(options));
    };
    let plan = Plan::new(&header, options)?;
    let pieces = split_at_record_ends(body, rayon::current_num_threads().max(1) * 4);
    // Line numbers: each piece starts after the lines of those before it.
    let lines: Vec<u64> = pieces
        .par_iter()
        .map(|p| p.iter().filter(|&&b| b == b'\n').count() as u64)
        .collect();
    let firsts = lines.iter().scan(1 + header_lines, |next, &n| {
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
    // hold: a valid row takes at least 11), the joined one for the rows read: no regrowth
    // copies, and no reservation that blank lines could inflate.
    let logs: Vec<Result<TransactionLog<K>>> = parts
        .into_par_iter()
        .map(|((piece, first_line), n)| {
            let rows = usize::try_from(n).unwrap_or(0).min(piece.len() / 11) + 1;
            let mut log = TransactionLog::with_capacity(rows);
            read_rows(piece, &plan, first_line, &mut log).map(|()| log)
        })
        .collect();
    let logs = logs.into_iter().collect::<Result<Vec<_>>>()?;
    let mut log = TransactionLog::with_capacity(logs.iter().map(TransactionLog::len).sum());
    for mut part in logs {
        log.append(&mut part);
    }
    Ok(log)
}

/// `text` cut into about `pieces` parts of similar size, each ending just after a record
/// end (the last one at the end of `text`). Without a quote character every line end is
/// one; with one, a scan of the quoting state (the record reader's) finds them.
#[cfg(feature = "parallel")]
pub(super) fn split_at_record_ends(text: &[u8], pieces: usize) -> Vec<&[u8]> {
    let target = text.len().div_ceil(pieces).max(1);
    let mut out = Vec::with_capacity(pieces);
    let mut rest = text;
    if !text.contains(&b'"') {
        while !rest.is_empty() {
            let cut = rest
                .get(target..)
                .and_then(|after| after.iter().position(|&b| b == b'\n'))
                .map_or(rest.len(), |i| target + i + 1);
            let (piece, tail) = rest.split_at(cut.min(rest.len()));
            out.push(piece);
            rest = tail;
        }
        return out;
    }
    let (mut state, mut start) = (Scan::FieldStart, 0usize);
    for (i, &b) in text.iter().enumerate() {
        state = step(state, b);
        if b == b'\n' && state == Scan::FieldStart && i + 1 - start >= target {
            let (piece, tail) = rest.split_at((i + 1 - start).min(rest.len()));
            out.push(piece);
            rest = tail;
            start = i + 1;
        }
    }
    if !rest.is_empty() {
        out.push(rest);
    }
    out
}

pub(super) fn empty_input(options: &CsvOptions) -> Error {
    let mut names = vec![options.customer.as_str(), options.date.as_str()];
    names.extend(options.amount.as_deref());
    Error::Parse {
        line: 1,
        reason: format!(
            "empty input: expected a header naming the columns {}",
            names.join(", ")
        ),
    }
}

/// Reads the rows of `reader` (no header) into `log`; the first row is line `first_line`.
pub(super) fn read_rows<K: FromStr>(
    mut reader: impl BufRead,
    plan: &Plan<'_>,
    first_line: u64,
    log: &mut TransactionLog<K>,
) -> Result<()> {
    let mut buffer = Vec::with_capacity(256);
    // Unescaped fields of a record with quotes, and where each one is in `scratch`.
    let (mut scratch, mut ranges) = (Vec::new(), Vec::new());
    // Logs usually come in date order: the previous row's date text and day.
    let mut last_date: Option<(Vec<u8>, NaiveDate)> = None;
    let mut line_no = first_line;
    while let Some(lines) = next_record(&mut reader, &mut buffer)? {
        let here = line_no;
        line_no += lines;
        if buffer.trim_ascii().is_empty() {
            continue;
        }
        let err = |reason: String| Error::Parse { line: here, reason };
        let mut picked = [None; 3];
        let fields = if buffer.contains(&b'"') {
            split_quoted(&buffer, &mut scratch, &mut ranges).map_err(err)?;
            pick(
                ranges.iter().map(|r| scratch.get(r.clone()).unwrap_or_default()),
                plan,
                &mut picked,
            )
        } else {
            pick(buffer.split(|&b| b == b','), plan, &mut picked)
        };
        let [Some(c), Some(d), a] = picked else {
            return Err(err(format!(
                "expected at least {} fields, found {fields}",
                plan.width
            )));
        };
        let column = |name: &str, e: std::str::Utf8Error| format!("not UTF-8 text in column `{name}` ({e})");
        let c = std::str::from_utf8(c).map_err(|e| err(column(&plan.names[0], e)))?;
        let customer = K::from_str(c).map_err(|_| {
            err(format!(
                "customer `{c}` (column `{}`) cannot be parsed as the key type",
                plan.names[0]
            ))
        })?;
        let date = match &mut last_date {
            Some((text, day)) if text.as_slice() == d => *day,
            cached => {
                let day = plan.day(d).map_err(err)?;
                // Reuse the cached text's buffer: no allocation per row on unsorted logs.
                match cached {
                    Some((text, previous)) => {
                        text.clear();
                        text.extend_from_slice(d);
                        *previous = day;
                    }
                    None => *cached = Some((d.to_vec(), day)),
                }
                day
            }
        };
        let amount = match a {
            Some(a) => parse_amount(a).map_err(|why| {
                let name = &plan.names[2];
                err(match std::str::from_utf8(a) {
                    Ok(text) => format!("amount `{text}` (column `{name}`) {why}"),
                    Err(e) => column(name, e),
                })
            })?,
            _ => Decimal::ZERO,
        };
        log.push(customer, date, amount);
    }
    Ok(())
}

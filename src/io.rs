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
pub fn read_transactions_csv<K, R>(reader: R) -> Result<TransactionLog<K>>
where
    K: FromStr,
    R: BufRead,
{
    let mut lines = reader.lines();
    let header = match lines.next() {
        Some(line) => line?,
        None => {
            return Err(Error::Parse {
                line: 1,
                reason: "empty input: expected a header `customer_id,date,amount`".into(),
            });
        }
    };
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
    let (ci, di, ai) = (column("customer_id")?, column("date")?, column("amount")?);
    let width = ci.max(di).max(ai) + 1;

    let mut log = TransactionLog::default();
    for (i, line) in lines.enumerate() {
        let line_no = i as u64 + 2;
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split(',').map(unquote).collect();
        let err = |reason: String| Error::Parse {
            line: line_no,
            reason,
        };
        let (Some(c), Some(d), Some(a)) = (fields.get(ci), fields.get(di), fields.get(ai)) else {
            return Err(err(format!(
                "expected at least {width} fields, found {}",
                fields.len()
            )));
        };
        let customer = K::from_str(c).map_err(|_| err(format!("customer_id `{c}` cannot be parsed")))?;
        let date = parse_date(d)
            .ok_or_else(|| err(format!("date `{d}` is not YYYY-MM-DD, YYYYMMDD or RFC 3339")))?;
        let not_decimal = || err(format!("amount `{a}` is not a decimal number"));
        if a.contains(['e', 'E']) {
            return Err(not_decimal());
        }
        let amount = Decimal::from_str(a).map_err(|_| not_decimal())?;
        log.push(customer, date, amount);
    }
    Ok(log)
}

fn unquote(field: &str) -> &str {
    let f = field.trim();
    f.strip_prefix('"').and_then(|f| f.strip_suffix('"')).unwrap_or(f)
}

/// Parses `YYYY-MM-DD`, `YYYYMMDD` or an RFC 3339 date-time (its UTC date).
fn parse_date(s: &str) -> Option<NaiveDate> {
    if s.len() == 10 {
        return NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
    }
    if s.len() == 8 && s.bytes().all(|b| b.is_ascii_digit()) {
        return NaiveDate::parse_from_str(s, "%Y%m%d").ok();
    }
    DateTime::parse_from_rfc3339(s).ok().map(|t| t.naive_utc().date())
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
        ];
        for (text, start) in cases {
            let e = read_transactions_csv::<u64, _>(text.as_bytes())
                .unwrap_err()
                .to_string();
            assert!(e.starts_with(start), "{e} does not start with {start}");
        }
    }
}

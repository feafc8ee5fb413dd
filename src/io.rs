//! Reading transaction logs from CSV text as real exports write it, with errors that name
//! the line.
//!
//! One reader, configured by [`CsvOptions`]; [`read_transactions_csv`] is it with the
//! default options (columns `customer_id`, `date`, `amount`, calendar days in UTC).
//!
//! # What is accepted
//!
//! - **CSV as RFC 4180 writes it**: a header row naming the columns in any order (extra
//!   columns are ignored), comma-separated fields, optionally in double quotes; quoted
//!   fields may hold commas, doubled quotes (`""` for `"`) and line breaks (an error in such
//!   a record names the line where the record starts). LF or CRLF line ends, a UTF-8 byte
//!   order mark, blank lines (skipped). Every field the reader uses is trimmed of
//!   surrounding whitespace, inside quotes too. A row with fewer fields than the columns
//!   need is an error; a field the reader uses must be UTF-8 (the others are not looked at).
//! - **Header names**: a column is found by its exact name, else by its name compared
//!   ASCII-case-insensitively after trimming; two columns matching one name are an error,
//!   and so is a missing column (the message lists the header's columns and says which
//!   [`CsvOptions`] method sets the name).
//! - **Dates**, with no [`CsvOptions::date_format`]: `YYYY-MM-DD`, `YYYYMMDD`, or a date and
//!   a time `YYYY-MM-DD HH:MM:SS` / `YYYY-MM-DDTHH:MM:SS`, optionally with fractional seconds
//!   (`.f`, one to nine digits) and an offset (`Z`, `UTC`, `±HH`, `±HH:MM` or `±HHMM`, with or
//!   without a space before it): the shapes pandas, Postgres, Shopify, Stripe and RFC 3339
//!   write. With a `date_format`, only that format (a chrono strftime format, for a date or a
//!   date-time). Anything else — an impossible date such as `2023-02-30`, an empty field —
//!   is an error that names the column and the accepted spellings.
//! - **Amounts**: `[-+]digits[.digits]`, exactly as written (`12.50` keeps its scale).
//!   Exponents, `NaN`, `inf`, thousands separators and currency symbols are refused (money
//!   is not written so), and so is any amount a `Decimal` cannot hold exactly (more than 28
//!   or 29 significant digits): it is an error, never rounded. With
//!   [`CsvOptions::without_amount`] there is no amount column and every amount is zero
//!   (purchase counts only).
//!
//! # Which calendar day
//!
//! A log holds calendar days ([`NaiveDate`]); [`CsvOptions::time_zone`] says whose calendar
//! ([`CalendarZone::Utc`] by default).
//!
//! - A **date** alone is that day, as written.
//! - An **instant** (a date-time with an offset, e.g. RFC 3339, `…Z`, Postgres `timestamptz`
//!   text `2023-05-22 23:34:41.123+00`) is placed on the day it falls on in the calendar
//!   zone: `2024-03-01T02:30:00Z` in `-05:00` is 2024-02-29.
//! - A **naive date-time** (no offset) is a wall-clock time in
//!   [`CsvOptions::naive_times_in`], which by default is the calendar zone itself, so its
//!   date is the date as written. When it differs (Stripe writes UTC without an offset), the
//!   time is converted to the calendar zone. A wall-clock time that a daylight-saving change
//!   makes ambiguous is taken at the earlier of its two instants; one that it skips is taken
//!   at the earliest valid instant after it (the moment of the change).
//!
//! For anything richer, parse with the `csv` crate and push rows into a
//! [`SummaryBuilder`](crate::SummaryBuilder).
//!
//! # Speed
//!
//! One reused byte buffer per record, no allocation per row; a line without a quote
//! character is split directly; the common spellings (`YYYY-MM-DD`, `YYYYMMDD`, the
//! date-time shapes above, `[-]digits[.digits]`, a date equal to the previous row's) are read
//! directly, with the same results as chrono's and rust_decimal's parsers (property tests
//! hold the direct readers to them).

use std::fmt;
use std::io::BufRead;
use std::ops::Range;
use std::str::FromStr;

use chrono::format::{Item, Parsed, StrftimeItems};
use chrono::{FixedOffset, NaiveDate, NaiveDateTime, NaiveTime};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::transaction::TransactionLog;

/// Whose calendar the days of a log are in (see the [module docs](self) for the rule).
///
/// Parses from text: `UTC` or `Z`; a fixed offset `+05:30`, `-0800`, `+05` (or `+05:30:15`,
/// as an offset with seconds prints); or, with the
/// crate feature `tz`, an IANA zone name such as `America/New_York`. It serialises as that
/// text.
///
/// # Examples
///
/// ```
/// use customer_value::io::CalendarZone;
///
/// assert_eq!("UTC".parse::<CalendarZone>()?, CalendarZone::Utc);
/// let india: CalendarZone = "+05:30".parse()?;
/// assert_eq!(india, CalendarZone::Fixed(chrono::FixedOffset::east_opt(19_800).unwrap()));
/// assert_eq!(india.to_string(), "+05:30");
/// assert!("+25:00".parse::<CalendarZone>().is_err());
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
#[non_exhaustive]
pub enum CalendarZone {
    /// Coordinated Universal Time (the default).
    #[default]
    Utc,
    /// A fixed offset from UTC, e.g. `+05:30`.
    Fixed(FixedOffset),
    /// An IANA time zone, with its daylight-saving rules (feature `tz`).
    #[cfg(feature = "tz")]
    Iana(chrono_tz::Tz),
}

impl fmt::Display for CalendarZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CalendarZone::Utc => f.write_str("UTC"),
            CalendarZone::Fixed(offset) => write!(f, "{offset}"),
            #[cfg(feature = "tz")]
            CalendarZone::Iana(tz) => f.write_str(tz.name()),
        }
    }
}

impl FromStr for CalendarZone {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        let text = s.trim();
        if text.eq_ignore_ascii_case("utc") || text.eq_ignore_ascii_case("z") {
            return Ok(CalendarZone::Utc);
        }
        if text.starts_with(['+', '-']) {
            // `±HH:MM:SS` too, as `FixedOffset` prints an offset with seconds (so every
            // zone's text parses back).
            let seconds = match *text.as_bytes() {
                [ref hh_mm @ .., b':', s0, s1] if hh_mm.len() == 6 => {
                    let s = two(s0, s1)
                        .filter(|&s| s < 60)
                        .and_then(|s| i32::try_from(s).ok());
                    offset_seconds(hh_mm)
                        .zip(s)
                        .map(|(hm, s)| if text.starts_with('-') { hm - s } else { hm + s })
                }
                _ => offset_seconds(text.as_bytes()),
            };
            return seconds
                .and_then(FixedOffset::east_opt)
                .map(CalendarZone::Fixed)
                .ok_or_else(|| {
                    Error::param(
                        "zone",
                        text,
                        "not an offset: expected ±HH, ±HH:MM or ±HHMM, at most 23:59",
                    )
                });
        }
        #[cfg(feature = "tz")]
        {
            text.parse::<chrono_tz::Tz>()
                .map(CalendarZone::Iana)
                .map_err(|_| {
                    Error::param(
                        "zone",
                        text,
                        "not UTC, an offset (±HH:MM) or an IANA time zone name",
                    )
                })
        }
        #[cfg(not(feature = "tz"))]
        {
            Err(Error::param(
                "zone",
                text,
                "IANA time zone names need the crate feature `tz`: build with feature `tz`, or give a fixed offset such as -05:00",
            ))
        }
    }
}

impl TryFrom<String> for CalendarZone {
    type Error = Error;

    fn try_from(text: String) -> Result<Self> {
        text.parse()
    }
}

impl From<CalendarZone> for String {
    fn from(zone: CalendarZone) -> String {
        zone.to_string()
    }
}

impl CalendarZone {
    /// The zone's offset from UTC at the instant `utc` (only an IANA zone's depends on it).
    #[cfg_attr(not(feature = "tz"), allow(unused_variables))]
    fn offset_at(self, utc: &NaiveDateTime) -> FixedOffset {
        match self {
            CalendarZone::Utc => chrono::Offset::fix(&chrono::Utc),
            CalendarZone::Fixed(offset) => offset,
            #[cfg(feature = "tz")]
            CalendarZone::Iana(tz) => {
                use chrono::{Offset, TimeZone};
                tz.offset_from_utc_datetime(utc).fix()
            }
        }
    }

    /// The calendar day of the instant `utc` in this zone.
    fn day_of(self, utc: &NaiveDateTime) -> Option<NaiveDate> {
        match self {
            CalendarZone::Utc => Some(utc.date()),
            _ => utc.checked_add_offset(self.offset_at(utc)).map(|t| t.date()),
        }
    }

    /// The instant (as UTC) of the wall-clock time `local` in this zone: the earlier one of
    /// an ambiguous time, the earliest valid one after a skipped time.
    fn instant_of(self, local: &NaiveDateTime) -> Option<NaiveDateTime> {
        match self {
            CalendarZone::Utc => Some(*local),
            CalendarZone::Fixed(offset) => local.checked_sub_offset(offset),
            #[cfg(feature = "tz")]
            CalendarZone::Iana(tz) => {
                use chrono::{LocalResult, TimeZone};
                match tz.from_local_datetime(local) {
                    LocalResult::Single(t) => Some(t.naive_utc()),
                    LocalResult::Ambiguous(a, b) => Some(a.naive_utc().min(b.naive_utc())),
                    LocalResult::None => self.first_instant_not_before(local),
                }
            }
        }
    }

    /// The earliest instant whose wall-clock time in this zone is at or after `local` (a
    /// time a daylight-saving change skips): a binary search over the two days around it,
    /// to the second (transitions fall on whole seconds).
    #[cfg(feature = "tz")]
    fn first_instant_not_before(self, local: &NaiveDateTime) -> Option<NaiveDateTime> {
        let wall = |u: i64| {
            let utc = chrono::DateTime::from_timestamp(u, 0)?.naive_utc();
            utc.checked_add_offset(self.offset_at(&utc))
        };
        let at = local.and_utc().timestamp();
        let (mut lo, mut hi) = (at.checked_sub(2 * 86_400)?, at.checked_add(2 * 86_400)?);
        if wall(hi)? < *local {
            return None;
        }
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if wall(mid)? >= *local {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        chrono::DateTime::from_timestamp(hi, 0).map(|t| t.naive_utc())
    }
}

/// How to read a CSV export: column names, date format, time zones.
///
/// The default reads `customer_id,date,amount` with the built-in date spellings on UTC
/// days, as [`read_transactions_csv`] does. Each builder method returns the changed
/// options.
///
/// # Examples
///
/// ```
/// use customer_value::io::{read_transactions_csv_with, CsvOptions};
///
/// // lifetimes' example_transactions.csv: `date,id`, no amount column.
/// let text = "date,id\n2014-03-08 00:00:00,0\n2014-05-21 00:00:00,1\n";
/// let options = CsvOptions::default().customer_column("id").without_amount();
/// let log = read_transactions_csv_with::<u64, _>(text.as_bytes(), &options)?;
/// assert_eq!(log.len(), 2);
/// assert!(log.columns().amounts().iter().all(|a| a.is_zero()));
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct CsvOptions {
    customer: String,
    date: String,
    /// `None`: no amount column.
    amount: Option<String>,
    date_format: Option<String>,
    zone: CalendarZone,
    /// `None`: the calendar zone.
    naive_zone: Option<CalendarZone>,
}

impl Default for CsvOptions {
    fn default() -> Self {
        CsvOptions {
            customer: "customer_id".into(),
            date: "date".into(),
            amount: Some("amount".into()),
            date_format: None,
            zone: CalendarZone::Utc,
            naive_zone: None,
        }
    }
}

impl CsvOptions {
    /// The name of the customer column (default `customer_id`).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::io::{read_transactions_csv_with, CsvOptions};
    ///
    /// let options = CsvOptions::default().customer_column("customer").date_column("created_at").amount_column("total");
    /// let text = "customer,created_at,total\nann,2023-05-22 13:34:41,9.99\n";
    /// let log = read_transactions_csv_with::<String, _>(text.as_bytes(), &options)?;
    /// assert_eq!(log.columns().customers(), ["ann".to_string()]);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn customer_column(mut self, name: impl Into<String>) -> Self {
        self.customer = name.into();
        self
    }

    /// The name of the date column (default `date`).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::io::CsvOptions;
    ///
    /// let options = CsvOptions::default().date_column("created_at");
    /// assert_ne!(options, CsvOptions::default());
    /// ```
    #[must_use]
    pub fn date_column(mut self, name: impl Into<String>) -> Self {
        self.date = name.into();
        self
    }

    /// The name of the amount column (default `amount`); undoes [`without_amount`](Self::without_amount).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::io::CsvOptions;
    ///
    /// let options = CsvOptions::default().without_amount().amount_column("total");
    /// assert!(options.has_amount());
    /// ```
    #[must_use]
    pub fn amount_column(mut self, name: impl Into<String>) -> Self {
        self.amount = Some(name.into());
        self
    }

    /// No amount column: every row's amount is `Decimal::ZERO` (purchase counts only).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::io::CsvOptions;
    ///
    /// assert!(!CsvOptions::default().without_amount().has_amount());
    /// ```
    #[must_use]
    pub fn without_amount(mut self) -> Self {
        self.amount = None;
        self
    }

    /// Whether the options read an amount column.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::io::CsvOptions;
    ///
    /// assert!(CsvOptions::default().has_amount());
    /// ```
    #[must_use]
    pub fn has_amount(&self) -> bool {
        self.amount.is_some()
    }

    /// Reads dates only in this chrono strftime `format`, instead of the built-in
    /// spellings. The format may describe a date (`%d/%m/%Y`), a naive date-time
    /// (`%m/%d/%Y %H:%M`) or an instant (with `%z`, `%:z` or `%s`); the module's time-zone
    /// rule applies to what it describes.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] if chrono refuses the format (an unknown or unfinished
    /// `%` specifier) or it is empty.
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use customer_value::io::{read_transactions_csv_with, CsvOptions};
    ///
    /// let options = CsvOptions::default().date_format("%d/%m/%Y")?;
    /// let text = "customer_id,date,amount\n1,31/01/2024,5\n";
    /// let log = read_transactions_csv_with::<u64, _>(text.as_bytes(), &options)?;
    /// assert_eq!(log.columns().dates(), [NaiveDate::from_ymd_opt(2024, 1, 31).unwrap()]);
    /// assert!(CsvOptions::default().date_format("%Y-%Q").is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn date_format(mut self, format: &str) -> Result<Self> {
        if format.trim().is_empty() {
            return Err(Error::param(
                "date_format",
                format,
                "an empty format reads no date",
            ));
        }
        StrftimeItems::new(format)
            .parse()
            .map_err(|_| Error::param("date_format", format, "not a chrono strftime format"))?;
        self.date_format = Some(format.to_owned());
        Ok(self)
    }

    /// Whose calendar the log's days are in (default [`CalendarZone::Utc`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use customer_value::io::{read_transactions_csv_with, CsvOptions};
    ///
    /// let options = CsvOptions::default().time_zone("-05:00".parse()?);
    /// let text = "customer_id,date,amount\n1,2024-03-01T02:30:00Z,5\n";
    /// let log = read_transactions_csv_with::<u64, _>(text.as_bytes(), &options)?;
    /// assert_eq!(log.columns().dates(), [NaiveDate::from_ymd_opt(2024, 2, 29).unwrap()]);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn time_zone(mut self, zone: CalendarZone) -> Self {
        self.zone = zone;
        self
    }

    /// The zone whose wall clock date-times without an offset are written in (default:
    /// the calendar zone, so their date is the date as written).
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use customer_value::io::{read_transactions_csv_with, CalendarZone, CsvOptions};
    ///
    /// // Stripe writes UTC without an offset; days in Tokyo's calendar.
    /// let options = CsvOptions::default().time_zone("+09:00".parse()?).naive_times_in(CalendarZone::Utc);
    /// let text = "customer_id,date,amount\n1,2024-01-01 20:00:00,5\n";
    /// let log = read_transactions_csv_with::<u64, _>(text.as_bytes(), &options)?;
    /// assert_eq!(log.columns().dates(), [NaiveDate::from_ymd_opt(2024, 1, 2).unwrap()]);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn naive_times_in(mut self, zone: CalendarZone) -> Self {
        self.naive_zone = Some(zone);
        self
    }
}

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

/// Reads a CSV export into a columnar log, as `options` say (see the [module docs](self)
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
fn split_at_record_ends(text: &[u8], pieces: usize) -> Vec<&[u8]> {
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

fn empty_input(options: &CsvOptions) -> Error {
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

/// What the header and the options say: where the columns are and how to read dates.
struct Plan<'o> {
    options: &'o CsvOptions,
    customer: usize,
    date: usize,
    amount: Option<usize>,
    /// Fields a row needs (the last of the columns, plus one).
    width: usize,
    /// The three columns' names as the header writes them (for messages; the amount's is
    /// empty without an amount column).
    names: [String; 3],
    /// The compiled `date_format`, if any.
    format: Option<Vec<Item<'static>>>,
    /// The zone naive date-times are converted from, when it is not the calendar zone.
    naive_from: Option<CalendarZone>,
}

impl<'o> Plan<'o> {
    fn new(record: &[u8], options: &'o CsvOptions) -> Result<Plan<'o>> {
        let err = |reason: String| Error::Parse { line: 1, reason };
        let record = record.strip_prefix(b"\xef\xbb\xbf").unwrap_or(record);
        let header = String::from_utf8_lossy(record);
        let header = header.trim();
        let (mut scratch, mut ranges) = (Vec::new(), Vec::new());
        let fields: Vec<&[u8]> = if record.contains(&b'"') {
            split_quoted(record, &mut scratch, &mut ranges).map_err(&err)?;
            ranges
                .iter()
                .map(|r| scratch.get(r.clone()).unwrap_or_default())
                .collect()
        } else {
            record.split(|&b| b == b',').collect()
        };
        let names: Vec<String> = fields
            .iter()
            .map(|f| String::from_utf8_lossy(f.trim_ascii()).into_owned())
            .collect();
        let columns = names.join(", ");
        let find = |wanted: &str, role: &str, setter: &str| -> Result<usize> {
            let exact: Vec<usize> = (0..names.len())
                .filter(|&i| names.get(i).is_some_and(|n| n == wanted))
                .collect();
            let matches = if exact.is_empty() {
                let loose = wanted.trim();
                (0..names.len())
                    .filter(|&i| names.get(i).is_some_and(|n| n.eq_ignore_ascii_case(loose)))
                    .collect()
            } else {
                exact
            };
            match matches.as_slice() {
                [one] => Ok(*one),
                [] => {
                    let amount_hint = if role == "amount" {
                        ", or CsvOptions::without_amount if there is none"
                    } else {
                        ""
                    };
                    Err(err(format!(
                        "header `{header}` has no `{wanted}` column (columns: {columns}); set the {role} column name with CsvOptions::{setter}{amount_hint}"
                    )))
                }
                many => Err(err(format!(
                    "header `{header}` has {} columns matching `{wanted}` (columns: {columns}); rename one, or set the {role} column name with CsvOptions::{setter}",
                    many.len()
                ))),
            }
        };
        let customer = find(&options.customer, "customer", "customer_column")?;
        let date = find(&options.date, "date", "date_column")?;
        let amount = match &options.amount {
            Some(name) => Some(find(name, "amount", "amount_column")?),
            None => None,
        };
        let shared = |a: usize, b: usize, roles: &str| {
            if a == b {
                let name = names.get(a).map_or("", String::as_str);
                return Err(err(format!(
                    "column `{name}` is both the {roles} column; name different columns"
                )));
            }
            Ok(())
        };
        shared(customer, date, "customer and the date")?;
        if let Some(amount) = amount {
            shared(customer, amount, "customer and the amount")?;
            shared(date, amount, "date and the amount")?;
        }
        let format = match &options.date_format {
            Some(f) => Some(
                StrftimeItems::new(f)
                    .parse_to_owned()
                    .map_err(|_| Error::param("date_format", f, "not a chrono strftime format"))?,
            ),
            None => None,
        };
        let naive_from = options.naive_zone.filter(|z| *z != options.zone);
        let name = |i: Option<usize>| i.and_then(|i| names.get(i)).cloned().unwrap_or_default();
        let names = [name(Some(customer)), name(Some(date)), name(amount)];
        Ok(Plan {
            options,
            customer,
            date,
            amount,
            width: customer.max(date).max(amount.unwrap_or(0)) + 1,
            names,
            format,
            naive_from,
        })
    }

    /// The calendar day of a date field (already trimmed), or why not.
    fn day(&self, field: &[u8]) -> std::result::Result<NaiveDate, String> {
        let [_, column, _] = &self.names;
        let text =
            std::str::from_utf8(field).map_err(|e| format!("not UTF-8 text in column `{column}` ({e})"))?;
        let stamp = match &self.format {
            None => default_stamp(field).ok_or_else(|| {
                format!(
                    "date `{text}` (column `{column}`) is not a date: expected YYYY-MM-DD, YYYYMMDD, or \
                     YYYY-MM-DD HH:MM:SS (or T for the space) with optional .fraction and offset Z, ±HH, ±HH:MM or ±HHMM"
                )
            })?,
            Some(items) => formatted_stamp(text, items).ok_or_else(|| {
                format!(
                    "date `{text}` (column `{column}`) does not match the date format `{}`",
                    self.options.date_format.as_deref().unwrap_or_default()
                )
            })?,
        };
        let zone = self.options.zone;
        let day = match stamp {
            Stamp::Date(day) => Some(day),
            Stamp::Naive(local) => match self.naive_from {
                None => Some(local.date()),
                Some(from) => from.instant_of(&local).and_then(|utc| zone.day_of(&utc)),
            },
            Stamp::Instant(utc) => zone.day_of(&utc),
        };
        day.ok_or_else(|| format!("date `{text}` (column `{column}`) has no calendar day in {zone}"))
    }
}

/// A date field, read.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Stamp {
    /// A date alone.
    Date(NaiveDate),
    /// A wall-clock date-time without an offset.
    Naive(NaiveDateTime),
    /// An instant, as UTC.
    Instant(NaiveDateTime),
}

/// Reads the rows of `reader` (no header) into `log`; the first row is line `first_line`.
fn read_rows<K: FromStr>(
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

/// The trimmed customer, date and amount fields of a record into `picked` (`None` for a
/// missing one, and for the amount when there is no amount column); returns the number of
/// fields looked at (all of them, when the record is too short).
fn pick<'a>(
    fields: impl Iterator<Item = &'a [u8]>,
    plan: &Plan<'_>,
    picked: &mut [Option<&'a [u8]>; 3],
) -> usize {
    let mut count = 0;
    for (i, field) in fields.enumerate() {
        count = i + 1;
        if i == plan.customer {
            picked[0] = Some(field.trim_ascii());
        }
        if i == plan.date {
            picked[1] = Some(field.trim_ascii());
        }
        if Some(i) == plan.amount {
            picked[2] = Some(field.trim_ascii());
        }
        if count == plan.width {
            break;
        }
    }
    if count < plan.width {
        picked[0] = None;
    }
    count
}

/// Reads the next record into `buffer` without its final line ending: one line, or more
/// when a quoted field holds line breaks (kept). Returns the number of lines it spans,
/// `None` at the end. An unclosed quote runs to the end of the input.
fn next_record(reader: &mut impl BufRead, buffer: &mut Vec<u8>) -> Result<Option<u64>> {
    buffer.clear();
    if reader.read_until(b'\n', buffer)? == 0 {
        return Ok(None);
    }
    let mut lines = 1;
    if buffer.contains(&b'"') {
        let mut state = buffer.iter().fold(Scan::FieldStart, |s, &b| step(s, b));
        while state == Scan::Quoted {
            let before = buffer.len();
            if reader.read_until(b'\n', buffer)? == 0 {
                break;
            }
            lines += 1;
            state = buffer
                .get(before..)
                .unwrap_or_default()
                .iter()
                .fold(state, |s, &b| step(s, b));
        }
    }
    if buffer.last() == Some(&b'\n') {
        buffer.pop();
        if buffer.last() == Some(&b'\r') {
            buffer.pop();
        }
    }
    Ok(Some(lines))
}

/// Where a scan of CSV text is, for finding record ends (RFC 4180; a quote opens a field
/// only as its first character after whitespace, elsewhere it is text).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scan {
    /// At the start of a field (or of a record): only whitespace so far.
    FieldStart,
    /// Inside a field without quotes.
    Unquoted,
    /// Inside quotes: commas and line ends are text.
    Quoted,
    /// Just after a quote inside quotes: a second quote is an escaped quote, anything else
    /// closes the field.
    QuoteSeen,
    /// After a field's closing quote (only whitespace may follow before the comma).
    Closed,
}

/// One byte of the scan. A line end outside quotes ends the record (back to `FieldStart`).
fn step(state: Scan, b: u8) -> Scan {
    match (state, b) {
        (Scan::Quoted, b'"') => Scan::QuoteSeen,
        (Scan::Quoted, _) | (Scan::QuoteSeen, b'"') => Scan::Quoted,
        (_, b',' | b'\n') => Scan::FieldStart,
        (Scan::FieldStart, b'"') => Scan::Quoted,
        (Scan::FieldStart, c) if c.is_ascii_whitespace() => Scan::FieldStart,
        (Scan::FieldStart | Scan::Unquoted, _) => Scan::Unquoted,
        (Scan::QuoteSeen | Scan::Closed, _) => Scan::Closed,
    }
}

/// Splits a record holding quote characters into its fields, unescaped: their bytes go to
/// `scratch`, one range per field to `ranges`.
fn split_quoted(
    record: &[u8],
    scratch: &mut Vec<u8>,
    ranges: &mut Vec<Range<usize>>,
) -> std::result::Result<(), String> {
    scratch.clear();
    ranges.clear();
    let (mut state, mut start) = (Scan::FieldStart, 0);
    for &b in record {
        let next = step(state, b);
        match (state, next) {
            (_, Scan::FieldStart) if b == b',' && state != Scan::Quoted => {
                ranges.push(start..scratch.len());
                start = scratch.len();
            }
            // The opening quote: leading whitespace is not part of the field.
            (Scan::FieldStart, Scan::Quoted) => scratch.truncate(start),
            (Scan::Quoted, Scan::QuoteSeen) => {}
            (Scan::QuoteSeen, Scan::Quoted) => scratch.push(b'"'),
            (Scan::QuoteSeen | Scan::Closed, Scan::Closed) => {
                if !b.is_ascii_whitespace() {
                    return Err(format!(
                        "field {} has text after its closing quote (a quote inside a quoted field is written \"\")",
                        ranges.len() + 1
                    ));
                }
            }
            _ => scratch.push(b),
        }
        state = next;
    }
    if state == Scan::Quoted {
        return Err(format!(
            "field {} opens a quote that is not closed (the record starts on this line)",
            ranges.len() + 1
        ));
    }
    ranges.push(start..scratch.len());
    Ok(())
}

/// Two ASCII digits as a number.
fn two(a: u8, b: u8) -> Option<u32> {
    (a.is_ascii_digit() && b.is_ascii_digit()).then(|| u32::from(a - b'0') * 10 + u32::from(b - b'0'))
}

fn ymd(y: [u8; 4], m: [u8; 2], d: [u8; 2]) -> Option<NaiveDate> {
    let year = two(y[0], y[1])? * 100 + two(y[2], y[3])?;
    NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, two(m[0], m[1])?, two(d[0], d[1])?)
}

/// An offset `±HH`, `±HH:MM` or `±HHMM` (at most 23:59) in seconds east of UTC.
fn offset_seconds(s: &[u8]) -> Option<i32> {
    let (sign, h0, h1, minutes) = match *s {
        [sign @ (b'+' | b'-'), h0, h1, ref rest @ ..] => (sign, h0, h1, rest),
        _ => return None,
    };
    let minutes = match *minutes {
        [] => 0,
        [b':', m0, m1] | [m0, m1] => two(m0, m1)?,
        _ => return None,
    };
    let hours = two(h0, h1)?;
    if hours > 23 || minutes > 59 {
        return None;
    }
    let seconds = i32::try_from(hours * 3600 + minutes * 60).ok()?;
    Some(if sign == b'-' { -seconds } else { seconds })
}

/// The built-in spellings, read directly: `YYYYMMDD`, `YYYY-MM-DD`, and `YYYY-MM-DD`
/// followed by ` ` or `T`, `HH:MM:SS`, optional `.f{1,9}`, an optional offset (`Z`, `UTC`,
/// `±HH`, `±HH:MM`, `±HHMM`, optionally after a space). Impossible dates and times are
/// `None`; second 60 is a leap second, as chrono reads it.
fn default_stamp(s: &[u8]) -> Option<Stamp> {
    let (date, rest) = match *s {
        [y0, y1, y2, y3, m0, m1, d0, d1] => {
            return ymd([y0, y1, y2, y3], [m0, m1], [d0, d1]).map(Stamp::Date);
        }
        [y0, y1, y2, y3, b'-', m0, m1, b'-', d0, d1, ref rest @ ..] => {
            (ymd([y0, y1, y2, y3], [m0, m1], [d0, d1])?, rest)
        }
        _ => return None,
    };
    let (h, mi, sec, rest) = match *rest {
        [] => return Some(Stamp::Date(date)),
        [
            b' ' | b'T' | b't',
            h0,
            h1,
            b':',
            m0,
            m1,
            b':',
            s0,
            s1,
            ref rest @ ..,
        ] => (two(h0, h1)?, two(m0, m1)?, two(s0, s1)?, rest),
        _ => return None,
    };
    let (nano, rest) = match rest {
        [b'.', fraction @ ..] => {
            let n = fraction.iter().take_while(|b| b.is_ascii_digit()).count();
            if n == 0 || n > 9 {
                return None;
            }
            let (digits, rest) = fraction.split_at(n);
            let value = digits.iter().fold(0u32, |v, &c| v * 10 + u32::from(c - b'0'));
            (value * 10u32.pow(9 - u32::try_from(n).ok()?), rest)
        }
        _ => (0, rest),
    };
    let time = if sec == 60 {
        NaiveTime::from_hms_nano_opt(h, mi, 59, 1_000_000_000 + nano)?
    } else {
        NaiveTime::from_hms_nano_opt(h, mi, sec, nano)?
    };
    let local = date.and_time(time);
    let offset = match rest {
        [] => return Some(Stamp::Naive(local)),
        [b' ', rest @ ..] | rest => rest,
    };
    let seconds = match offset {
        b"Z" | b"z" | b"UTC" => 0,
        _ => offset_seconds(offset)?,
    };
    local
        .checked_sub_offset(FixedOffset::east_opt(seconds)?)
        .map(Stamp::Instant)
}

/// A date field in a caller's strftime format: an instant if the format gives an offset
/// or a Unix timestamp, a naive date-time if it gives an hour, else a date.
fn formatted_stamp(text: &str, items: &[Item<'static>]) -> Option<Stamp> {
    let mut parsed = Parsed::new();
    chrono::format::parse(&mut parsed, text, items.iter()).ok()?;
    if parsed.offset().is_some() {
        return parsed.to_datetime().ok().map(|t| Stamp::Instant(t.naive_utc()));
    }
    if parsed.timestamp().is_some() {
        return parsed.to_naive_datetime_with_offset(0).ok().map(Stamp::Instant);
    }
    if parsed.hour_div_12().is_some() || parsed.hour_mod_12().is_some() {
        return parsed.to_naive_datetime_with_offset(0).ok().map(Stamp::Naive);
    }
    parsed.to_naive_date().ok().map(Stamp::Date)
}

/// A decimal amount `[-+]digits[.digits]`, exactly: read directly into the same `Decimal`
/// that `Decimal::from_str` gives (mantissa and scale as written) when it has at most 18
/// digits, else by `Decimal::from_str_exact`, which refuses what would be rounded. The
/// error says why, after the amount's text.
fn parse_amount(s: &[u8]) -> std::result::Result<Decimal, &'static str> {
    if let Some(amount) = plain_amount(s) {
        return Ok(amount);
    }
    let body = match s {
        [b'-' | b'+', rest @ ..] => rest,
        _ => s,
    };
    let (whole, fraction) = match body.iter().position(|&c| c == b'.') {
        Some(dot) => (body.get(..dot).unwrap_or_default(), body.get(dot + 1..)),
        None => (body, None),
    };
    let digits = |d: &[u8]| !d.is_empty() && d.iter().all(u8::is_ascii_digit);
    if !digits(whole) || fraction.is_some_and(|f| !digits(f)) {
        return Err(
            "is not a decimal number: expected [-+]digits[.digits] (no exponent, thousands separator or currency symbol)",
        );
    }
    let text = std::str::from_utf8(s).map_err(|_| "is not a decimal number")?;
    Decimal::from_str_exact(text)
        .map_err(|_| "has more digits than a Decimal holds exactly (28 or 29 significant digits)")
}

/// `[-]digits[.digits]` with at most 18 digits, read directly; `None` for anything else,
/// and for a negative zero (whose sign `Decimal::from_str` keeps).
fn plain_amount(s: &[u8]) -> Option<Decimal> {
    let (negative, body) = match s.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, s),
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
    use chrono::DateTime;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn columns_in_any_order_quotes_and_blank_lines() {
        let text =
            "\u{feff}amount,\"customer_id\",date,extra\n\n\"3.50\",\"ab\",2024-02-29T23:30:00-01:00,x\n";
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
        let e = read_transactions_csv::<u64, _>(
            &b"customer_id,date,amount\n1,2024-01-01,1\n\xff,2024-01-01,1\n"[..],
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.starts_with("line 3: not UTF-8 text in column `customer_id`"),
            "{e}"
        );
        // A field the reader does not use may hold anything.
        let log =
            read_transactions_csv::<u64, _>(&b"customer_id,date,amount,note\n1,2024-01-01,1,\xff\n"[..])
                .unwrap();
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
}

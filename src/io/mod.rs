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
//! A log holds calendar days ([`NaiveDate`](chrono::NaiveDate)); [`CsvOptions::time_zone`] says whose calendar
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

mod amount;
mod date;
mod options;
mod plan;
mod read;
mod record;
#[cfg(test)]
mod tests;
mod zone;

pub use options::CsvOptions;
pub use read::{read_transactions_csv, read_transactions_csv_with};
#[cfg(feature = "parallel")]
#[cfg_attr(docsrs, doc(cfg(feature = "parallel")))]
pub use read::{read_transactions_csv_parallel, read_transactions_csv_parallel_with};
pub use zone::CalendarZone;

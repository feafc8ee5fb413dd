//! Record/column mapping: the [`Plan`] a header and the options give (which field is
//! which column, the compiled date format, the zone conversion), and picking a row's
//! three fields.

use chrono::NaiveDate;
use chrono::format::{Item, StrftimeItems};

use crate::error::{Error, Result};

use super::date::{Stamp, default_stamp, formatted_stamp};
use super::options::CsvOptions;
use super::record::split_quoted;
use super::zone::CalendarZone;

/// What the header and the options say: where the columns are and how to read dates.
pub(super) struct Plan<'o> {
    pub(super) options: &'o CsvOptions,
    pub(super) customer: usize,
    pub(super) date: usize,
    pub(super) amount: Option<usize>,
    /// Fields a row needs (the last of the columns, plus one).
    pub(super) width: usize,
    /// The three columns' names as the header writes them (for messages; the amount's is
    /// empty without an amount column).
    pub(super) names: [String; 3],
    /// The compiled `date_format`, if any.
    pub(super) format: Option<Vec<Item<'static>>>,
    /// The zone naive date-times are converted from, when it is not the calendar zone.
    pub(super) naive_from: Option<CalendarZone>,
}

impl<'o> Plan<'o> {
    pub(super) fn new(record: &[u8], options: &'o CsvOptions) -> Result<Plan<'o>> {
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
    pub(super) fn day(&self, field: &[u8]) -> std::result::Result<NaiveDate, String> {
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

/// The trimmed customer, date and amount fields of a record into `picked` (`None` for a
/// missing one, and for the amount when there is no amount column); returns the number of
/// fields looked at (all of them, when the record is too short).
pub(super) fn pick<'a>(
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

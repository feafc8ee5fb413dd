//! Apache Arrow in and out (feature `arrow`): transaction logs from `RecordBatch`es, the
//! per-customer value table as a `RecordBatch`.
//!
//! This module owns the one seam between Arrow's column types and the crate's: customer
//! keys (`Int64`, `UInt64`, `Utf8`, `LargeUtf8`, `Utf8View`), purchase dates (`Date32`,
//! `Date64`, `Timestamp` of any unit, with or without a time zone) and amounts
//! (`Decimal128`, `Float64`, or text). [`ArrowTransactions`] reads them into the columns
//! [`summarise_columns`](crate::summarise_columns) takes, borrowing the customer column
//! where its type allows (integer keys of one batch without nulls, string keys as `&str`);
//! dates and amounts are converted (to `NaiveDate` and `Decimal`), once. The companion
//! crate `customer-value-datafusion` converts through the same functions
//! ([`purchase_days`], [`decimal_amounts`]), so SQL and Rust read a column alike.
//!
//! It does not read files: Parquet, CSV and the rest are a query engine's job (see the
//! companion crate and `docs/design.md`).

use std::borrow::Cow;
use std::str::FromStr;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Date64Type, Decimal128Type, Float64Type, Int64Type, TimestampMicrosecondType,
    TimestampMillisecondType, TimestampNanosecondType, TimestampSecondType, UInt64Type,
};
use arrow_array::{Array, ArrayRef, Float64Array, RecordBatch, StringArray, UInt32Array, UInt64Array};
use arrow_schema::{DataType, Field, Schema, TimeUnit as ArrowTimeUnit};
use chrono::{DateTime, NaiveDate};
use rust_decimal::Decimal;

use crate::error::{Error, Result};
use crate::score::{CustomerScore, ScoreTable};
use crate::summary::{Summaries, SummarySpec};
use crate::transaction::TransactionColumns;

/// Day number (days since 0001-01-01, [`PurchaseDate::day_number`]) of 1970-01-01, Arrow's
/// epoch.
///
/// # Examples
///
/// ```
/// use chrono::NaiveDate;
/// use customer_value::PurchaseDate;
/// use customer_value::arrow::EPOCH_DAY_NUMBER;
///
/// let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap();
/// assert_eq!(epoch.day_number(), EPOCH_DAY_NUMBER);
/// // An Arrow `Date32` value is days since the epoch: 10,000 is 1997-05-19.
/// let d = NaiveDate::from_ymd_opt(1997, 5, 19).unwrap();
/// assert_eq!(d.day_number() - EPOCH_DAY_NUMBER, 10_000);
/// ```
///
/// [`PurchaseDate::day_number`]: crate::PurchaseDate::day_number
pub const EPOCH_DAY_NUMBER: i32 = 719_163;

/// The names of the customer, date and amount columns of a log's batches.
///
/// # Examples
///
/// ```
/// use customer_value::arrow::LogColumns;
///
/// let names = LogColumns::default().customer("email").amount("total");
/// assert_eq!(names.date, "date");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LogColumns {
    /// The customer key column (default `customer_id`).
    pub customer: String,
    /// The purchase date column (default `date`).
    pub date: String,
    /// The amount column (default `amount`).
    pub amount: String,
}

impl Default for LogColumns {
    fn default() -> Self {
        LogColumns {
            customer: "customer_id".to_owned(),
            date: "date".to_owned(),
            amount: "amount".to_owned(),
        }
    }
}

impl LogColumns {
    /// Names the customer column.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::arrow::LogColumns;
    ///
    /// let names = LogColumns::default().customer("member_id");
    /// assert_eq!((names.customer.as_str(), names.date.as_str()), ("member_id", "date"));
    /// ```
    #[must_use]
    pub fn customer(mut self, name: impl Into<String>) -> Self {
        self.customer = name.into();
        self
    }

    /// Names the date column.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::arrow::LogColumns;
    ///
    /// assert_eq!(LogColumns::default().date("ordered_at").date, "ordered_at");
    /// ```
    #[must_use]
    pub fn date(mut self, name: impl Into<String>) -> Self {
        self.date = name.into();
        self
    }

    /// Names the amount column.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::arrow::LogColumns;
    ///
    /// assert_eq!(LogColumns::default().amount("net_total").amount, "net_total");
    /// ```
    #[must_use]
    pub fn amount(mut self, name: impl Into<String>) -> Self {
        self.amount = name.into();
        self
    }
}

/// A customer key type readable from an Arrow column: `i64` (`Int64`), `u64` (`UInt64`),
/// `&str` (borrowed from `Utf8`, `LargeUtf8` or `Utf8View`) and `String` (the same, owned).
///
/// Integer keys of a single batch without nulls are borrowed, not copied.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use arrow_array::{ArrayRef, Int64Array, StringArray};
/// use customer_value::arrow::ArrowKey;
///
/// let ids: ArrayRef = Arc::new(Int64Array::from(vec![7, 8]));
/// let keys = <i64 as ArrowKey>::keys(&[&ids])?;
/// assert!(matches!(keys, std::borrow::Cow::Borrowed(&[7, 8])));
/// let names: ArrayRef = Arc::new(StringArray::from(vec![Some("ana"), None]));
/// let err = <&str as ArrowKey>::keys(&[&names]).unwrap_err();
/// assert!(matches!(err, customer_value::Error::InvalidRow { row: 1, .. })); // a null key
/// assert!(<u64 as ArrowKey>::keys(&[&ids]).is_err()); // Int64 is not UInt64
/// # Ok::<(), customer_value::Error>(())
/// ```
pub trait ArrowKey<'a>: Sized + Clone + 'a {
    /// The keys of `arrays` (one per batch) in order.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidDefinition`] for a column of another type; [`Error::InvalidRow`]
    /// for a null key (rows counted across the batches).
    fn keys(arrays: &[&'a ArrayRef]) -> Result<Cow<'a, [Self]>>;
}

fn type_error(what: &str, data_type: &DataType, expected: &str) -> Error {
    Error::definition(
        what,
        format!("an Arrow column of type {data_type}, expected {expected}"),
    )
}

fn null_error(row: usize, what: &str) -> Error {
    Error::InvalidRow {
        row: row as u64,
        reason: format!("null {what}"),
    }
}

/// The first null's row in `arrays` (counted across them), if any.
fn first_null(arrays: &[&ArrayRef]) -> Option<usize> {
    let mut offset = 0;
    for a in arrays {
        if a.null_count() > 0 {
            if let Some(i) = (0..a.len()).find(|&i| a.is_null(i)) {
                return Some(offset + i);
            }
        }
        offset += a.len();
    }
    None
}

macro_rules! integer_key {
    ($t:ty, $arrow:ty, $name:literal) => {
        impl<'a> ArrowKey<'a> for $t {
            fn keys(arrays: &[&'a ArrayRef]) -> Result<Cow<'a, [$t]>> {
                if let Some(row) = first_null(arrays) {
                    return Err(null_error(row, "customer"));
                }
                let mut columns = Vec::with_capacity(arrays.len());
                for a in arrays {
                    let p = a
                        .as_primitive_opt::<$arrow>()
                        .ok_or_else(|| type_error("customer", a.data_type(), $name))?;
                    columns.push(p.values().as_ref());
                }
                match columns.as_slice() {
                    [one] => Ok(Cow::Borrowed(*one)),
                    many => Ok(Cow::Owned(many.concat())),
                }
            }
        }
    };
}

integer_key!(i64, Int64Type, "Int64");
integer_key!(u64, UInt64Type, "UInt64");

impl<'a> ArrowKey<'a> for &'a str {
    fn keys(arrays: &[&'a ArrayRef]) -> Result<Cow<'a, [&'a str]>> {
        if let Some(row) = first_null(arrays) {
            return Err(null_error(row, "customer"));
        }
        let mut keys = Vec::with_capacity(arrays.iter().map(|a| a.len()).sum());
        for a in arrays {
            match a.data_type() {
                DataType::Utf8 => keys.extend(a.as_string::<i32>().iter().flatten()),
                DataType::LargeUtf8 => keys.extend(a.as_string::<i64>().iter().flatten()),
                DataType::Utf8View => keys.extend(a.as_string_view().iter().flatten()),
                other => return Err(type_error("customer", other, "Utf8, LargeUtf8 or Utf8View")),
            }
        }
        Ok(Cow::Owned(keys))
    }
}

impl<'a> ArrowKey<'a> for String {
    fn keys(arrays: &[&'a ArrayRef]) -> Result<Cow<'a, [String]>> {
        let borrowed = <&str as ArrowKey>::keys(arrays)?;
        Ok(Cow::Owned(borrowed.iter().map(|s| (*s).to_owned()).collect()))
    }
}

/// The calendar days (as [`PurchaseDate::day_number`]s) of a date column: `Date32`,
/// `Date64`, or `Timestamp` of any unit — placed on the calendar day of the column's time
/// zone (UTC without one; a fixed offset such as `+05:30`, or with the crate's `tz`
/// feature an IANA name such as `America/New_York`).
///
/// # Errors
///
/// [`Error::InvalidDefinition`] for another type or an unknown time zone;
/// [`Error::InvalidRow`] for a null or a value outside chrono's dates (`first_row` is
/// added to the row numbers).
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use arrow_array::{ArrayRef, Date32Array, TimestampSecondArray};
/// use customer_value::arrow::{purchase_days, EPOCH_DAY_NUMBER};
///
/// let dates: ArrayRef = Arc::new(Date32Array::from(vec![0, 1]));
/// assert_eq!(purchase_days(&dates, 0)?, vec![EPOCH_DAY_NUMBER, EPOCH_DAY_NUMBER + 1]);
/// // 1970-01-01 23:00 UTC is already the 2nd in UTC+02:00.
/// let instants: ArrayRef = Arc::new(TimestampSecondArray::from(vec![82_800]).with_timezone("+02:00"));
/// assert_eq!(purchase_days(&instants, 0)?, vec![EPOCH_DAY_NUMBER + 1]);
/// # Ok::<(), customer_value::Error>(())
/// ```
///
/// [`PurchaseDate::day_number`]: crate::PurchaseDate::day_number
pub fn purchase_days(array: &ArrayRef, first_row: usize) -> Result<Vec<i32>> {
    if let Some(row) = first_null(&[array]) {
        return Err(null_error(first_row + row, "date"));
    }
    let out_of_range = |i: usize| Error::InvalidRow {
        row: (first_row + i) as u64,
        reason: "date outside the supported range".to_owned(),
    };
    let days_since_epoch = |i: usize, d: i64| -> Result<i32> {
        d.checked_add(i64::from(EPOCH_DAY_NUMBER))
            .and_then(|d| i32::try_from(d).ok())
            .filter(|&d| NaiveDate::from_num_days_from_ce_opt(d).is_some())
            .ok_or_else(|| out_of_range(i))
    };
    match array.data_type() {
        DataType::Date32 => array
            .as_primitive::<Date32Type>()
            .values()
            .iter()
            .enumerate()
            .map(|(i, &d)| days_since_epoch(i, i64::from(d)))
            .collect(),
        DataType::Date64 => array
            .as_primitive::<Date64Type>()
            .values()
            .iter()
            .enumerate()
            .map(|(i, &ms)| days_since_epoch(i, ms.div_euclid(86_400_000)))
            .collect(),
        DataType::Timestamp(unit, tz) => {
            let values = match unit {
                ArrowTimeUnit::Second => array.as_primitive::<TimestampSecondType>().values(),
                ArrowTimeUnit::Millisecond => array.as_primitive::<TimestampMillisecondType>().values(),
                ArrowTimeUnit::Microsecond => array.as_primitive::<TimestampMicrosecondType>().values(),
                ArrowTimeUnit::Nanosecond => array.as_primitive::<TimestampNanosecondType>().values(),
            };
            let per_second: i64 = match unit {
                ArrowTimeUnit::Second => 1,
                ArrowTimeUnit::Millisecond => 1_000,
                ArrowTimeUnit::Microsecond => 1_000_000,
                ArrowTimeUnit::Nanosecond => 1_000_000_000,
            };
            match tz.as_deref() {
                None | Some("UTC" | "utc" | "Z" | "Etc/UTC" | "+00:00" | "+0000" | "+00") => values
                    .iter()
                    .enumerate()
                    .map(|(i, &v)| days_since_epoch(i, v.div_euclid(per_second * 86_400)))
                    .collect(),
                Some(name) => {
                    let zone = arrow_array::timezone::Tz::from_str(name).map_err(|e| {
                        Error::definition(
                            "date",
                            format!("time zone `{name}`: {e} (IANA names need the `tz` feature)"),
                        )
                    })?;
                    values
                        .iter()
                        .enumerate()
                        .map(|(i, &v)| {
                            let secs = v.div_euclid(per_second);
                            let nanos = v.rem_euclid(per_second) * (1_000_000_000 / per_second);
                            let utc = DateTime::from_timestamp(secs, u32::try_from(nanos).unwrap_or(0))
                                .ok_or_else(|| out_of_range(i))?;
                            Ok(crate::PurchaseDate::day_number(
                                &utc.with_timezone(&zone).date_naive(),
                            ))
                        })
                        .collect()
                }
            }
        }
        other => Err(type_error("date", other, "Date32, Date64 or Timestamp")),
    }
}

/// The amounts of an amount column as exact money: `Decimal128` (mantissa and scale as
/// stored), `Float64` (the shortest decimal that reads back as the same `f64`, so a value
/// written from `29.33` is `29.33`), or text (`Utf8`, read as the crate's CSV reader reads
/// it: exactly, or an error).
///
/// # Errors
///
/// [`Error::InvalidDefinition`] for another type; [`Error::InvalidRow`] for a null, a
/// non-finite float, text that is not a number, or a value `Decimal` cannot hold exactly
/// (more than 28 decimal places or 96 bits) — `first_row` is added to the row numbers.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use arrow_array::{ArrayRef, Decimal128Array, Float64Array};
/// use customer_value::arrow::decimal_amounts;
/// use rust_decimal::Decimal;
///
/// let cents: ArrayRef = Arc::new(Decimal128Array::from(vec![2933_i128]).with_precision_and_scale(10, 2).unwrap());
/// let floats: ArrayRef = Arc::new(Float64Array::from(vec![29.33]));
/// assert_eq!(decimal_amounts(&cents, 0)?, vec![Decimal::new(2933, 2)]);
/// assert_eq!(decimal_amounts(&floats, 0)?, vec![Decimal::new(2933, 2)]);
/// assert!(decimal_amounts(&(Arc::new(Float64Array::from(vec![f64::NAN])) as ArrayRef), 0).is_err());
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn decimal_amounts(array: &ArrayRef, first_row: usize) -> Result<Vec<Decimal>> {
    if let Some(row) = first_null(&[array]) {
        return Err(null_error(first_row + row, "amount"));
    }
    let bad = |i: usize, reason: String| Error::InvalidRow {
        row: (first_row + i) as u64,
        reason,
    };
    match array.data_type() {
        DataType::Decimal128(_, scale) => {
            let scale = u32::try_from(*scale)
                .map_err(|_| Error::definition("amount", format!("Decimal128 of negative scale {scale}")))?;
            array
                .as_primitive::<Decimal128Type>()
                .values()
                .iter()
                .enumerate()
                .map(|(i, &v)| {
                    Decimal::try_from_i128_with_scale(v, scale)
                        .map_err(|e| bad(i, format!("amount {v}e-{scale}: {e}")))
                })
                .collect()
        }
        DataType::Float64 => array
            .as_primitive::<Float64Type>()
            .values()
            .iter()
            .enumerate()
            .map(|(i, &v)| float_amount(v).ok_or_else(|| bad(i, format!("amount {v} is not exact money"))))
            .collect(),
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => {
            let text: Vec<Option<&str>> = match array.data_type() {
                DataType::Utf8 => array.as_string::<i32>().iter().collect(),
                DataType::LargeUtf8 => array.as_string::<i64>().iter().collect(),
                _ => array.as_string_view().iter().collect(),
            };
            text.into_iter()
                .enumerate()
                .map(|(i, s)| {
                    let s = s.unwrap_or_default().trim();
                    Decimal::from_str_exact(s)
                        .map(positive_zero)
                        .map_err(|e| bad(i, format!("amount `{s}`: {e}")))
                })
                .collect()
        }
        other => Err(type_error("amount", other, "Decimal128, Float64 or Utf8")),
    }
}

/// The shortest decimal that reads back as `v` (Rust's `Display` of `f64`), as `Decimal`.
fn float_amount(v: f64) -> Option<Decimal> {
    if !v.is_finite() {
        return None;
    }
    Decimal::from_str_exact(&v.to_string()).ok().map(positive_zero)
}

/// `d`, with a negative zero (`-0`, `-0.00`) made positive as the CSV reader does.
fn positive_zero(mut d: Decimal) -> Decimal {
    if d.is_zero() {
        d.set_sign_positive(true);
    }
    d
}

/// A transaction log read from Arrow batches: the customer column (borrowed where
/// [`ArrowKey`] allows), dates and exact amounts, ready for
/// [`summarise_columns`](crate::summarise_columns).
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use arrow_array::{ArrayRef, Date32Array, Decimal128Array, Int64Array, RecordBatch};
/// use customer_value::arrow::{ArrowTransactions, LogColumns};
/// use customer_value::{summarise_columns, SummarySpec};
///
/// let batch = RecordBatch::try_from_iter([
///     ("customer_id", Arc::new(Int64Array::from(vec![7, 7, 8])) as ArrayRef),
///     ("date", Arc::new(Date32Array::from(vec![10_000, 10_007, 10_003])) as ArrayRef),
///     ("amount", Arc::new(Decimal128Array::from(vec![1000, 2550, 99]).with_precision_and_scale(12, 2).unwrap()) as ArrayRef),
/// ]).unwrap();
/// let batches = [batch];
/// let log = ArrowTransactions::<i64>::from_batches(&batches, &LogColumns::default())?;
/// assert!(log.customers_borrowed()); // one batch of Int64 keys: not copied
/// let end = chrono::NaiveDate::from_ymd_opt(1997, 6, 30).unwrap();
/// let s = summarise_columns(SummarySpec::new(end), log.columns()?)?;
/// assert_eq!(s.customers.len(), 2);
/// assert_eq!(s.customers[0].frequency, 1);
/// assert_eq!(s.customers[0].monetary_value, rust_decimal::Decimal::new(2550, 2));
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct ArrowTransactions<'a, K: Clone> {
    customers: Cow<'a, [K]>,
    dates: Vec<NaiveDate>,
    amounts: Vec<Decimal>,
}

impl<'a, K: ArrowKey<'a>> ArrowTransactions<'a, K> {
    /// Reads the named columns of `batches` (in order, as one log).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidDefinition`] for a missing column or one of an unsupported type;
    /// [`Error::InvalidRow`] for a null or unreadable value (rows counted across the
    /// batches), as [`purchase_days`] and [`decimal_amounts`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use arrow_array::{ArrayRef, Date32Array, Float64Array, RecordBatch, UInt64Array};
    /// use customer_value::arrow::{ArrowTransactions, LogColumns};
    ///
    /// let batch = |ids: Vec<u64>, days: Vec<i32>| RecordBatch::try_from_iter([
    ///     ("id", Arc::new(UInt64Array::from(ids)) as ArrayRef),
    ///     ("date", Arc::new(Date32Array::from(days)) as ArrayRef),
    ///     ("amount", Arc::new(Float64Array::from(vec![9.99, 0.1])) as ArrayRef),
    /// ]).unwrap();
    /// let batches = [batch(vec![1, 2], vec![10_000, 10_001]), batch(vec![1, 3], vec![10_002, 10_003])];
    /// let names = LogColumns::default().customer("id");
    /// let log = ArrowTransactions::<u64>::from_batches(&batches, &names)?;
    /// assert_eq!(log.len(), 4); // the batches in order, as one log
    /// assert!(!log.customers_borrowed()); // keys of two batches are copied into one column
    /// // A missing column is an error that names it.
    /// assert!(ArrowTransactions::<u64>::from_batches(&batches, &LogColumns::default()).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn from_batches(batches: &'a [RecordBatch], names: &LogColumns) -> Result<Self> {
        let column = |b: &'a RecordBatch, name: &str| -> Result<&'a ArrayRef> {
            b.column_by_name(name)
                .ok_or_else(|| Error::definition(name, "no such column in the batch"))
        };
        let keys: Vec<&ArrayRef> = batches
            .iter()
            .map(|b| column(b, &names.customer))
            .collect::<Result<_>>()?;
        let customers = K::keys(&keys)?;
        let rows = customers.len();
        let mut dates = Vec::with_capacity(rows);
        let mut amounts = Vec::with_capacity(rows);
        let mut first_row = 0;
        for b in batches {
            let days = purchase_days(column(b, &names.date)?, first_row)?;
            dates.extend(days.into_iter().map(crate::time::date_of_day));
            amounts.extend(decimal_amounts(column(b, &names.amount)?, first_row)?);
            first_row += b.num_rows();
        }
        Ok(ArrowTransactions {
            customers,
            dates,
            amounts,
        })
    }
}

impl<K: Clone> ArrowTransactions<'_, K> {
    /// The log as the columns the summaries take.
    ///
    /// # Errors
    ///
    /// [`Error::LengthMismatch`] never in practice (the three columns are read from the
    /// same rows); kept for [`TransactionColumns::new`]'s contract.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use arrow_array::{ArrayRef, Date32Array, RecordBatch, StringArray};
    /// use customer_value::arrow::{ArrowTransactions, LogColumns};
    ///
    /// let batch = RecordBatch::try_from_iter([
    ///     ("customer_id", Arc::new(StringArray::from(vec!["ana", "bo"])) as ArrayRef),
    ///     ("date", Arc::new(Date32Array::from(vec![0, 1])) as ArrayRef),
    ///     ("amount", Arc::new(StringArray::from(vec!["12.50", "-0.00"])) as ArrayRef),
    /// ]).unwrap();
    /// let batches = [batch];
    /// let log = ArrowTransactions::<&str>::from_batches(&batches, &LogColumns::default())?;
    /// let cols = log.columns()?;
    /// assert_eq!(cols.customers(), ["ana", "bo"]);
    /// assert_eq!(cols.dates()[1], chrono::NaiveDate::from_ymd_opt(1970, 1, 2).unwrap());
    /// assert_eq!(cols.amounts()[0].to_string(), "12.50"); // exact, scale kept
    /// assert!(cols.amounts()[1].is_sign_positive()); // -0.00 read as 0.00
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn columns(&self) -> Result<TransactionColumns<'_, K>> {
        TransactionColumns::new(&self.customers, &self.dates, &self.amounts)
    }

    /// Whether the customer column is borrowed from the batch (not copied).
    ///
    /// # Examples
    ///
    /// See [`ArrowTransactions`] (one batch of `Int64` keys: borrowed) and
    /// [`from_batches`](Self::from_batches) (two batches: copied).
    #[must_use]
    pub fn customers_borrowed(&self) -> bool {
        matches!(self.customers, Cow::Borrowed(_))
    }

    /// Number of rows.
    #[must_use]
    pub fn len(&self) -> usize {
        self.customers.len()
    }

    /// Whether there are no rows.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.customers.is_empty()
    }
}

/// Summarises a log given as Arrow batches in one call ([`ArrowTransactions`], then
/// [`summarise_columns`](crate::summarise_columns)).
///
/// # Errors
///
/// As [`ArrowTransactions::from_batches`] and [`summarise_columns`](crate::summarise_columns).
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use arrow_array::{ArrayRef, Float64Array, RecordBatch, StringArray, TimestampMillisecondArray};
/// use customer_value::arrow::{summarise_batches, LogColumns};
/// use customer_value::SummarySpec;
///
/// let batch = RecordBatch::try_from_iter([
///     ("customer_id", Arc::new(StringArray::from(vec!["ana", "ana"])) as ArrayRef),
///     ("date", Arc::new(TimestampMillisecondArray::from(vec![0, 86_400_000 * 7]).with_timezone("UTC")) as ArrayRef),
///     ("amount", Arc::new(Float64Array::from(vec![10.0, 12.5])) as ArrayRef),
/// ]).unwrap();
/// let end = chrono::NaiveDate::from_ymd_opt(1970, 1, 31).unwrap();
/// let batches = [batch];
/// let s = summarise_batches::<&str>(SummarySpec::new(end), &batches, &LogColumns::default())?;
/// assert_eq!((s.customers[0].customer, s.customers[0].frequency, s.customers[0].recency), ("ana", 1, 7.0));
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn summarise_batches<'a, K>(
    spec: SummarySpec,
    batches: &'a [RecordBatch],
    names: &LogColumns,
) -> Result<Summaries<K>>
where
    K: ArrowKey<'a> + Eq + std::hash::Hash + Ord + std::fmt::Debug,
{
    let log = ArrowTransactions::<K>::from_batches(batches, names)?;
    crate::summarise_columns(spec, log.columns()?)
}

/// A customer key type writable as an Arrow column (`i64`, `u64`, `u32`, `String`, `&str`).
///
/// # Examples
///
/// ```
/// use arrow_array::Array;
/// use arrow_schema::DataType;
/// use customer_value::arrow::ToArrowKey;
///
/// let keys = ["ana".to_owned(), "bo".to_owned()];
/// let column = String::column(keys.iter());
/// assert_eq!((column.data_type(), column.len()), (&DataType::Utf8, 2));
/// assert_eq!(u32::column([1_u32, 2, 3].iter()).data_type(), &DataType::UInt32);
/// ```
pub trait ToArrowKey {
    /// The column of `keys`.
    fn column<'k>(keys: impl Iterator<Item = &'k Self>) -> ArrayRef
    where
        Self: 'k;
}

macro_rules! to_arrow_key {
    ($t:ty, $array:ty) => {
        impl ToArrowKey for $t {
            fn column<'k>(keys: impl Iterator<Item = &'k Self>) -> ArrayRef {
                Arc::new(<$array>::from_iter_values(keys.copied()))
            }
        }
    };
}

to_arrow_key!(i64, arrow_array::Int64Array);
to_arrow_key!(u64, UInt64Array);
to_arrow_key!(u32, UInt32Array);

impl ToArrowKey for String {
    fn column<'k>(keys: impl Iterator<Item = &'k Self>) -> ArrayRef {
        Arc::new(StringArray::from_iter_values(keys))
    }
}

impl ToArrowKey for &str {
    fn column<'k>(keys: impl Iterator<Item = &'k Self>) -> ArrayRef
    where
        Self: 'k,
    {
        Arc::new(StringArray::from_iter_values(keys.copied()))
    }
}

impl<K: ToArrowKey> ScoreTable<K> {
    /// The table as one `RecordBatch`, columns named as [`CSV_HEADER`](crate::score::CSV_HEADER)
    /// (`customer`, `frequency` UInt32, the times and values Float64 — null where the row has
    /// none —, `holdout_purchases` UInt32, `flags` Utf8 joined by `;`).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidDefinition`] if Arrow refuses the batch (an internal invariant).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::{BgNbd, DiscountRate};
    /// use customer_value::score::{ScoreSpec, score_columns};
    /// use customer_value::{SummaryColumns, TimeUnit};
    ///
    /// let cols = SummaryColumns::from_parts(vec![1_u64, 2], vec![2.0, 0.0], vec![30.43, 0.0], vec![38.86, 38.86], vec![22.35, 0.0])?;
    /// let model = BgNbd::new(0.2425945, 4.4136019, 0.7929199, 2.4258881)?;
    /// let spec = ScoreSpec::new(TimeUnit::WEEK, 52.0, DiscountRate::zero())?;
    /// let batch = score_columns(&cols, &model, None, &spec, TimeUnit::WEEK)?.to_record_batch()?;
    /// assert_eq!(batch.num_rows(), 2);
    /// assert_eq!(batch.schema().field(5).name(), "p_alive");
    /// assert_eq!(batch.column_by_name("clv").unwrap().null_count(), 2); // no spend model
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn to_record_batch(&self) -> Result<RecordBatch> {
        let rows = &self.rows;
        let f64s = |f: fn(&CustomerScore<K>) -> Option<f64>| -> ArrayRef {
            Arc::new(rows.iter().map(f).collect::<Float64Array>())
        };
        let customer = K::column(rows.iter().map(|r| &r.customer));
        let flags: StringArray = rows
            .iter()
            .map(|r| {
                let names: Vec<String> = r
                    .flags
                    .iter()
                    .filter_map(|f| serde_json::to_value(f).ok()?.as_str().map(str::to_owned))
                    .collect();
                Some(names.join(";"))
            })
            .collect();
        let columns: Vec<(&str, ArrayRef, bool)> = vec![
            ("customer", customer, false),
            (
                "frequency",
                Arc::new(UInt32Array::from_iter_values(rows.iter().map(|r| r.frequency))),
                false,
            ),
            ("recency", f64s(|r| Some(r.recency)), false),
            ("T", f64s(|r| Some(r.age)), false),
            ("monetary_value", f64s(|r| Some(r.monetary_value)), false),
            ("p_alive", f64s(|r| r.p_alive), true),
            ("p_alive_at_horizon", f64s(|r| r.p_alive_at_horizon), true),
            ("expected_purchases", f64s(|r| r.expected_purchases), true),
            ("dert", f64s(|r| r.dert), true),
            ("expected_spend", f64s(|r| r.expected_spend), true),
            ("discounted_purchases", f64s(|r| r.discounted_purchases), true),
            ("clv", f64s(|r| r.clv), true),
            (
                "expected_holdout_purchases",
                f64s(|r| r.expected_holdout_purchases),
                true,
            ),
            (
                "holdout_purchases",
                Arc::new(rows.iter().map(|r| r.holdout_purchases).collect::<UInt32Array>()),
                true,
            ),
            ("flags", Arc::new(flags), false),
        ];
        let schema = Schema::new(
            columns
                .iter()
                .map(|(name, a, nullable)| Field::new(*name, a.data_type().clone(), *nullable))
                .collect::<Vec<_>>(),
        );
        RecordBatch::try_new(Arc::new(schema), columns.into_iter().map(|(_, a, _)| a).collect())
            .map_err(|e| Error::definition("score table batch", e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{Date32Array, Decimal128Array, Int64Array, TimestampNanosecondArray};

    fn batch(ids: Vec<i64>, days: Vec<i32>, cents: Vec<i128>) -> RecordBatch {
        RecordBatch::try_from_iter([
            ("customer_id", Arc::new(Int64Array::from(ids)) as ArrayRef),
            ("date", Arc::new(Date32Array::from(days)) as ArrayRef),
            (
                "amount",
                Arc::new(
                    Decimal128Array::from(cents)
                        .with_precision_and_scale(12, 2)
                        .unwrap(),
                ) as ArrayRef,
            ),
        ])
        .unwrap()
    }

    #[test]
    fn batches_summarise_as_one_log() {
        let one = batch(
            vec![1, 2, 1, 1],
            vec![9800, 9801, 9810, 9810],
            vec![100, 200, 300, 50],
        );
        let split = [
            batch(vec![1, 2], vec![9800, 9801], vec![100, 200]),
            batch(vec![1, 1], vec![9810, 9810], vec![300, 50]),
        ];
        let spec = SummarySpec::new(NaiveDate::from_ymd_opt(1997, 12, 31).unwrap());
        let names = LogColumns::default();
        let a = summarise_batches::<i64>(spec, std::slice::from_ref(&one), &names).unwrap();
        let b = summarise_batches::<i64>(spec, &split, &names).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.customers[0].monetary_value, Decimal::new(350, 2));
        let log = ArrowTransactions::<i64>::from_batches(&split, &names).unwrap();
        assert!(!log.customers_borrowed());
    }

    #[test]
    fn nulls_and_wrong_types_are_errors_naming_the_row() {
        let ids: ArrayRef = Arc::new(Int64Array::from(vec![Some(1), None]));
        let b = RecordBatch::try_from_iter([
            ("customer_id", ids),
            ("date", Arc::new(Date32Array::from(vec![1, 2])) as ArrayRef),
            ("amount", Arc::new(Float64Array::from(vec![1.0, 2.0])) as ArrayRef),
        ])
        .unwrap();
        let names = LogColumns::default();
        let batches = [b];
        let e = ArrowTransactions::<i64>::from_batches(&batches, &names).unwrap_err();
        assert!(matches!(e, Error::InvalidRow { row: 1, .. }), "{e}");
        let e = ArrowTransactions::<u64>::from_batches(&batches, &names).unwrap_err();
        assert!(
            matches!(e, Error::InvalidRow { .. } | Error::InvalidDefinition { .. }),
            "{e}"
        );
        let e = ArrowTransactions::<i64>::from_batches(&batches, &names.clone().date("when")).unwrap_err();
        assert!(
            matches!(e, Error::InvalidRow { .. } | Error::InvalidDefinition { .. }),
            "{e}"
        );
    }

    #[test]
    fn timestamps_fall_on_the_zones_day() {
        // 1997-01-01T23:30:00Z in nanoseconds.
        let t = (9862_i64 * 86_400 + 23 * 3600 + 1800) * 1_000_000_000;
        let utc: ArrayRef = Arc::new(TimestampNanosecondArray::from(vec![t, -1]));
        assert_eq!(
            purchase_days(&utc, 0).unwrap(),
            vec![EPOCH_DAY_NUMBER + 9862, EPOCH_DAY_NUMBER - 1]
        );
        let east: ArrayRef = Arc::new(TimestampNanosecondArray::from(vec![t]).with_timezone("+01:00"));
        assert_eq!(purchase_days(&east, 0).unwrap(), vec![EPOCH_DAY_NUMBER + 9863]);
        let west: ArrayRef = Arc::new(TimestampNanosecondArray::from(vec![t]).with_timezone("-01:00"));
        assert_eq!(purchase_days(&west, 0).unwrap(), vec![EPOCH_DAY_NUMBER + 9862]);
    }

    #[test]
    fn float_amounts_are_their_shortest_decimal() {
        for (v, d) in [
            (29.33, Decimal::new(2933, 2)),
            (0.1, Decimal::new(1, 1)),
            (-5.0, Decimal::new(-5, 0)),
        ] {
            assert_eq!(float_amount(v), Some(d));
        }
        assert_eq!(float_amount(f64::INFINITY), None);
        assert_eq!(float_amount(1e300), None);
    }
}

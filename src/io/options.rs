//! [`CsvOptions`]: column names, the date format, the calendar zones and whether there is
//! an amount column; validated builder steps, read by the reader's plan.

use chrono::format::StrftimeItems;

use crate::error::{Error, Result};

use super::zone::CalendarZone;

/// How to read a CSV export: column names, date format, time zones.
///
/// The default reads `customer_id,date,amount` with the built-in date spellings on UTC
/// days, as [`read_transactions_csv`](super::read_transactions_csv) does. Each builder method returns the changed
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
    pub(super) customer: String,
    pub(super) date: String,
    /// `None`: no amount column.
    pub(super) amount: Option<String>,
    pub(super) date_format: Option<String>,
    pub(super) zone: CalendarZone,
    /// `None`: the calendar zone.
    pub(super) naive_zone: Option<CalendarZone>,
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

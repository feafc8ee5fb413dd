//! Purchase records: one row of a transaction log, and a borrowed columnar view of many.
//!
//! A log can reach the crate as an iterator of [`Transaction`] records or as three parallel
//! slices ([`TransactionColumns`]) — the shape Arrow, Polars or a database cursor hand out —
//! without copying. Customer keys are any `Eq + Hash + Ord + Clone` type (`u64`, `String`,
//! a newtype of your own).

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// One purchase (or, with a negative amount, a return) of one customer.
///
/// `D` is the timestamp type: [`NaiveDate`] (default), `NaiveDateTime` or `DateTime<Utc>`.
///
/// # Examples
///
/// ```
/// use chrono::NaiveDate;
/// use customer_value::Transaction;
/// use rust_decimal::Decimal;
///
/// let t = Transaction::new(42_u64, NaiveDate::from_ymd_opt(1997, 1, 1).unwrap(), Decimal::new(2933, 2));
/// assert_eq!(t.amount.to_string(), "29.33");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Transaction<K, D = NaiveDate> {
    /// The customer's key.
    pub customer: K,
    /// When the purchase happened.
    pub date: D,
    /// The amount, in the log's currency. Negative for a return.
    pub amount: Decimal,
}

impl<K, D> Transaction<K, D> {
    /// A record from its three fields.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::Transaction;
    /// use rust_decimal::Decimal;
    ///
    /// // A return: negative amount. The date type is any `PurchaseDate` (here a `NaiveDate`).
    /// let day = chrono::NaiveDate::from_ymd_opt(2024, 3, 1).unwrap();
    /// let refund = Transaction::new("c-7", day, Decimal::new(-1250, 2));
    /// assert!(refund.amount.is_sign_negative());
    /// ```
    pub fn new(customer: K, date: D, amount: Decimal) -> Self {
        Transaction {
            customer,
            date,
            amount,
        }
    }
}

/// A log as three parallel borrowed columns of equal length.
///
/// # Examples
///
/// ```
/// use chrono::NaiveDate;
/// use customer_value::TransactionColumns;
/// use rust_decimal::Decimal;
///
/// let ids = [1_u64, 1, 2];
/// let day = NaiveDate::from_ymd_opt(2024, 5, 1).unwrap();
/// let dates = [day, day, day];
/// let amounts = [Decimal::ONE; 3];
/// let log = TransactionColumns::new(&ids, &dates, &amounts)?;
/// assert_eq!(log.len(), 3);
/// assert!(TransactionColumns::new(&ids[..2], &dates, &amounts).is_err());
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug)]
pub struct TransactionColumns<'a, K, D = NaiveDate> {
    customers: &'a [K],
    dates: &'a [D],
    amounts: &'a [Decimal],
}

// Manual impls: a borrowed view is `Copy` whatever the key and date types are.
impl<K, D> Clone for TransactionColumns<'_, K, D> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<K, D> Copy for TransactionColumns<'_, K, D> {}

impl<'a, K, D> TransactionColumns<'a, K, D> {
    /// Wraps three columns.
    ///
    /// # Errors
    ///
    /// [`Error::LengthMismatch`] if the columns differ in length.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::{Error, TransactionColumns};
    /// use rust_decimal::Decimal;
    ///
    /// let day = chrono::NaiveDate::from_ymd_opt(2024, 3, 1).unwrap();
    /// let err = TransactionColumns::new(&[1_u32, 2], &[day, day], &[Decimal::ONE]).unwrap_err();
    /// assert!(matches!(err, Error::LengthMismatch { right: "amounts", right_len: 1, .. }));
    /// ```
    pub fn new(customers: &'a [K], dates: &'a [D], amounts: &'a [Decimal]) -> Result<Self> {
        if customers.len() != dates.len() {
            return Err(Error::LengthMismatch {
                left: "customers",
                left_len: customers.len(),
                right: "dates",
                right_len: dates.len(),
            });
        }
        if customers.len() != amounts.len() {
            return Err(Error::LengthMismatch {
                left: "customers",
                left_len: customers.len(),
                right: "amounts",
                right_len: amounts.len(),
            });
        }
        Ok(TransactionColumns {
            customers,
            dates,
            amounts,
        })
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

    /// The customer column.
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use customer_value::TransactionColumns;
    /// use rust_decimal::Decimal;
    ///
    /// let day = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
    /// let (ids, dates, amounts) = ([7_u64, 8], [day, day], [Decimal::ONE, Decimal::TEN]);
    /// let log = TransactionColumns::new(&ids, &dates, &amounts)?;
    /// // The columns are borrowed, not copied.
    /// assert!(std::ptr::eq(log.customers(), &ids[..]));
    /// assert_eq!((log.dates()[1], log.amounts()[1]), (day, Decimal::TEN));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn customers(&self) -> &'a [K] {
        self.customers
    }

    /// The date column.
    #[must_use]
    pub fn dates(&self) -> &'a [D] {
        self.dates
    }

    /// The amount column.
    #[must_use]
    pub fn amounts(&self) -> &'a [Decimal] {
        self.amounts
    }

    /// The rows `range` of the log, as a view of the same shape (for sharding).
    ///
    /// Out-of-range bounds are clamped to the log's length.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::TransactionColumns;
    /// use rust_decimal::Decimal;
    ///
    /// let day = chrono::NaiveDate::from_ymd_opt(2024, 3, 1).unwrap();
    /// let (ids, dates, amounts) = ([1_u32, 2, 3], [day; 3], [Decimal::ONE; 3]);
    /// let log = TransactionColumns::new(&ids, &dates, &amounts)?;
    /// assert_eq!(log.slice(1..3).customers(), [2, 3]);
    /// assert_eq!(log.slice(2..99).len(), 1); // clamped to the log's end
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn slice(&self, range: std::ops::Range<usize>) -> Self {
        let end = range.end.min(self.len());
        let start = range.start.min(end);
        TransactionColumns {
            customers: self.customers.get(start..end).unwrap_or_default(),
            dates: self.dates.get(start..end).unwrap_or_default(),
            amounts: self.amounts.get(start..end).unwrap_or_default(),
        }
    }

    /// Iterates over `(customer, date, amount)` rows by reference.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::TransactionColumns;
    /// use rust_decimal::Decimal;
    ///
    /// let day = chrono::NaiveDate::from_ymd_opt(2024, 3, 1).unwrap();
    /// let (ids, dates, amounts) = ([1_u32, 2, 1], [day; 3], [Decimal::ONE, Decimal::TEN, Decimal::TWO]);
    /// let log = TransactionColumns::new(&ids, &dates, &amounts)?;
    /// let customer_1: Decimal = log.iter().filter(|(c, _, _)| **c == 1).map(|(_, _, a)| *a).sum();
    /// assert_eq!(customer_1, Decimal::from(3));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = (&'a K, &'a D, &'a Decimal)> + 'a {
        self.customers
            .iter()
            .zip(self.dates)
            .zip(self.amounts)
            .map(|((c, d), a)| (c, d, a))
    }
}

/// An owned transaction log stored as columns (the shape [`TransactionColumns`] borrows).
///
/// # Examples
///
/// ```
/// use chrono::NaiveDate;
/// use customer_value::{summarise_columns, SummarySpec, TransactionLog};
/// use rust_decimal::Decimal;
///
/// let day = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
/// let mut log = TransactionLog::default();
/// log.push(1_u64, day, Decimal::TEN);
/// let s = summarise_columns(SummarySpec::new(day), log.columns())?;
/// assert_eq!(s.customers.len(), 1);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TransactionLog<K, D = NaiveDate> {
    customers: Vec<K>,
    dates: Vec<D>,
    amounts: Vec<Decimal>,
}

impl<K, D> Default for TransactionLog<K, D> {
    fn default() -> Self {
        TransactionLog {
            customers: Vec::new(),
            dates: Vec::new(),
            amounts: Vec::new(),
        }
    }
}

impl<K, D> TransactionLog<K, D> {
    /// An empty log with room for `rows` rows.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::TransactionLog;
    ///
    /// let log = TransactionLog::<u64>::with_capacity(1_000);
    /// assert!(log.is_empty());
    /// ```
    #[must_use]
    pub fn with_capacity(rows: usize) -> Self {
        TransactionLog {
            customers: Vec::with_capacity(rows),
            dates: Vec::with_capacity(rows),
            amounts: Vec::with_capacity(rows),
        }
    }

    /// Appends one row.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::TransactionLog;
    /// use rust_decimal::Decimal;
    ///
    /// let day = chrono::NaiveDate::from_ymd_opt(2024, 3, 1).unwrap();
    /// let mut log = TransactionLog::default();
    /// log.push("alice".to_string(), day, Decimal::new(1999, 2));
    /// assert_eq!(log.columns().amounts(), [Decimal::new(1999, 2)]);
    /// ```
    pub fn push(&mut self, customer: K, date: D, amount: Decimal) {
        self.customers.push(customer);
        self.dates.push(date);
        self.amounts.push(amount);
    }

    /// Moves every row of `other` to the end of this log, leaving `other` empty (as
    /// [`Vec::append`]): logs read in pieces join without copying row by row.
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use customer_value::TransactionLog;
    /// use rust_decimal::Decimal;
    ///
    /// let day = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
    /// let (mut a, mut b) = (TransactionLog::default(), TransactionLog::default());
    /// a.push(1_u64, day, Decimal::ONE);
    /// b.push(2_u64, day, Decimal::TEN);
    /// a.append(&mut b);
    /// assert_eq!((a.len(), b.len()), (2, 0));
    /// assert_eq!(a.columns().customers(), [1, 2]);
    /// ```
    pub fn append(&mut self, other: &mut Self) {
        self.customers.append(&mut other.customers);
        self.dates.append(&mut other.dates);
        self.amounts.append(&mut other.amounts);
    }

    /// Number of rows.
    #[must_use]
    pub fn len(&self) -> usize {
        self.customers.len()
    }

    /// Whether the log has no rows.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.customers.is_empty()
    }

    /// The borrowed columnar view.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::{Transaction, TransactionLog};
    /// use rust_decimal::Decimal;
    ///
    /// let day = chrono::NaiveDate::from_ymd_opt(2024, 3, 1).unwrap();
    /// // A log also collects from an iterator of records.
    /// let log: TransactionLog<u8> = (1..=3).map(|c| Transaction::new(c, day, Decimal::ONE)).collect();
    /// assert_eq!(log.columns().customers(), [1, 2, 3]);
    /// assert_eq!(log.columns().dates(), [day; 3]);
    /// ```
    #[must_use]
    pub fn columns(&self) -> TransactionColumns<'_, K, D> {
        // The three vectors only ever grow together, so their lengths agree.
        TransactionColumns {
            customers: &self.customers,
            dates: &self.dates,
            amounts: &self.amounts,
        }
    }
}

impl<K, D> FromIterator<Transaction<K, D>> for TransactionLog<K, D> {
    fn from_iter<I: IntoIterator<Item = Transaction<K, D>>>(iter: I) -> Self {
        let mut log = TransactionLog::default();
        for t in iter {
            log.push(t.customer, t.date, t.amount);
        }
        log
    }
}

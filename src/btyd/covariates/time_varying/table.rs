//! The time-varying covariate table (customers × periods × named columns, piecewise
//! constant on the unit grid) and its CSV loader (`customer, period start date, columns`).

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::btyd::covariates::CovariateMatrix;
use crate::error::{Error, Result};

/// Covariates per customer and period: period `k` covers calendar time `[k, k + 1)` in the
/// model's time unit, counted from the grid's origin. Values are finite.
///
/// # Examples
///
/// ```
/// use customer_value::btyd::covariates::time_varying::TimeVaryingCovariates;
///
/// // Two customers, three periods, one column (a season flag).
/// let t = TimeVaryingCovariates::new(vec!["season".into()], 2, 3, vec![0.0, 1.0, 0.0, 0.0, 1.0, 0.0])?;
/// assert_eq!(t.value(1, 1, 0), Some(1.0));
/// assert!(TimeVaryingCovariates::new(vec!["season".into()], 2, 3, vec![0.0; 5]).is_err());
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimeVaryingCovariates {
    customers: usize,
    periods: usize,
    /// One row per (customer, period): row `customer · periods + period`.
    matrix: CovariateMatrix,
}

impl TimeVaryingCovariates {
    /// Validates the shape (`customers · periods · names.len()` values), finiteness and
    /// unique, non-empty names (the checks of [`CovariateMatrix::new`], whose rows here
    /// are the (customer, period) cells, `customer · periods + period`).
    ///
    /// # Errors
    ///
    /// As [`CovariateMatrix::new`]: [`Error::LengthMismatch`], [`Error::InvalidDefinition`]
    /// for a duplicate or empty name, [`Error::InvalidRow`] for a non-finite value;
    /// [`Error::Overflow`] if `customers · periods` overflows.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::covariates::time_varying::TimeVaryingCovariates;
    ///
    /// // Values customer by customer, period by period, column by column:
    /// // customer 0 (season, price) = (0, 9.5), (1, 9.0); customer 1 = (0, 10.0), (1, 8.5).
    /// let t = TimeVaryingCovariates::new(vec!["season".into(), "price".into()], 2, 2, vec![0.0, 9.5, 1.0, 9.0, 0.0, 10.0, 1.0, 8.5])?;
    /// assert_eq!((t.customers(), t.periods(), t.columns()), (2, 2, 2));
    /// assert_eq!(t.row(1, 1), Some(&[1.0, 8.5][..]));
    /// assert!(TimeVaryingCovariates::new(vec!["season".into()], 1, 2, vec![0.0, f64::NAN]).is_err());
    /// assert!(TimeVaryingCovariates::new(vec!["a".into(), "a".into()], 1, 1, vec![0.0, 1.0]).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn new(names: Vec<String>, customers: usize, periods: usize, values: Vec<f64>) -> Result<Self> {
        let cells = customers.checked_mul(periods).ok_or(Error::Overflow {
            op: "customers × periods",
        })?;
        Ok(TimeVaryingCovariates {
            customers,
            periods,
            matrix: CovariateMatrix::new(names, cells, values)?,
        })
    }

    /// No columns, `customers × periods` (a process without covariates).
    ///
    /// ```
    /// use customer_value::btyd::covariates::time_varying::TimeVaryingCovariates;
    /// assert_eq!(TimeVaryingCovariates::empty(3, 10).columns(), 0);
    /// ```
    #[must_use]
    pub fn empty(customers: usize, periods: usize) -> Self {
        TimeVaryingCovariates {
            customers,
            periods,
            matrix: CovariateMatrix::empty(customers.saturating_mul(periods)),
        }
    }

    /// The same values with only the named columns, in that order.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidDefinition`] for a name not in the table.
    ///
    /// ```
    /// use customer_value::btyd::covariates::time_varying::TimeVaryingCovariates;
    /// let t = TimeVaryingCovariates::new(vec!["a".into(), "b".into()], 1, 2, vec![1.0, 2.0, 3.0, 4.0])?;
    /// assert_eq!(t.select(&["b"])?.value(0, 1, 0), Some(4.0));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn select(&self, names: &[&str]) -> Result<Self> {
        Ok(TimeVaryingCovariates {
            customers: self.customers,
            periods: self.periods,
            matrix: self.matrix.select(names)?,
        })
    }

    /// Column names.
    #[must_use]
    pub fn names(&self) -> &[String] {
        self.matrix.names()
    }
    /// Columns.
    #[must_use]
    pub fn columns(&self) -> usize {
        self.matrix.columns()
    }
    /// Customers.
    #[must_use]
    pub fn customers(&self) -> usize {
        self.customers
    }
    /// Periods on the grid.
    #[must_use]
    pub fn periods(&self) -> usize {
        self.periods
    }

    /// The row of customer `i` in period `k` (`None` past either end).
    ///
    /// ```
    /// use customer_value::btyd::covariates::time_varying::TimeVaryingCovariates;
    ///
    /// let t = TimeVaryingCovariates::new(vec!["season".into()], 1, 3, vec![0.0, 1.0, 0.0])?;
    /// assert_eq!(t.row(0, 1), Some(&[1.0][..]));
    /// assert_eq!(t.value(0, 1, 0), Some(1.0));
    /// assert_eq!((t.row(0, 3), t.row(1, 0)), (None, None));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn row(&self, i: usize, k: usize) -> Option<&[f64]> {
        if i >= self.customers || k >= self.periods {
            return None;
        }
        self.matrix.row(i * self.periods + k)
    }

    /// One value.
    #[must_use]
    pub fn value(&self, i: usize, k: usize, j: usize) -> Option<f64> {
        self.row(i, k)?.get(j).copied()
    }
}

#[derive(Deserialize)]
struct Raw {
    customers: usize,
    periods: usize,
    matrix: CovariateMatrix,
}

impl<'de> Deserialize<'de> for TimeVaryingCovariates {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let raw = Raw::deserialize(d)?;
        if raw.customers.checked_mul(raw.periods) != Some(raw.matrix.rows()) {
            return Err(serde::de::Error::custom(
                "time-varying covariates: the matrix does not have customers × periods rows",
            ));
        }
        Ok(TimeVaryingCovariates {
            customers: raw.customers,
            periods: raw.periods,
            matrix: raw.matrix,
        })
    }
}

/// A time-varying covariate table read from CSV, with the customers' keys and the date grid
/// (`origin` + `k · period_days` starts period `k`).
///
/// # Examples
///
/// ```
/// use customer_value::btyd::covariates::time_varying::TimeVaryingTable;
///
/// let csv = "Id,Date,High.Season,Channel\n1,2005-01-02,0,1\n1,2005-01-09,1,1\n2,2005-01-02,0,0\n2,2005-01-09,1,0\n";
/// let t = TimeVaryingTable::from_csv(csv)?;
/// assert_eq!(t.ids, ["1", "2"]);
/// assert_eq!(t.period_days, 7);
/// assert_eq!(t.covariates.value(0, 1, 1), Some(1.0));
/// let day = chrono::NaiveDate::from_ymd_opt(2005, 1, 12).unwrap();
/// assert!((t.period_of(day) - 10.0 / 7.0).abs() < 1e-12);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimeVaryingTable {
    /// Customer keys, in order of first appearance (row `i` of `covariates`).
    pub ids: Vec<String>,
    /// Start of period 0.
    pub origin: NaiveDate,
    /// Days per period (7 for weekly covariates).
    pub period_days: i64,
    /// The values.
    pub covariates: TimeVaryingCovariates,
}

impl TimeVaryingTable {
    /// Parses `customer, period start date (YYYY-MM-DD), covariate columns…` with a header.
    /// Every customer must have a row for every period of one regular grid (the same
    /// dates, equally spaced); rows may come in any order.
    ///
    /// # Errors
    ///
    /// [`Error::Parse`] (with the line) for a malformed line, number or date, a customer's
    /// second row for a period (an overlap) or a period start off the regular grid;
    /// [`Error::InvalidCustomer`] for a customer missing a period (a gap);
    /// [`Error::EmptyInput`] without rows; [`Error::InvalidDefinition`] for fewer than 3
    /// columns.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::covariates::time_varying::TimeVaryingTable;
    /// use customer_value::Error;
    ///
    /// // Weekly rows (CLVTools' layout), in any order; quoted headers are unquoted.
    /// let csv = "\"Id\",\"Cov.Date\",\"Marketing\"\n\
    ///            b,2005-01-09,2\nb,2005-01-02,0\na,2005-01-02,1\na,2005-01-09,0\n";
    /// let t = TimeVaryingTable::from_csv(csv)?;
    /// assert_eq!((t.ids.as_slice(), t.period_days), (&["b".to_owned(), "a".to_owned()][..], 7));
    /// assert_eq!(t.origin, chrono::NaiveDate::from_ymd_opt(2005, 1, 2).unwrap());
    /// assert_eq!(t.covariates.names(), ["Marketing"]);
    /// assert_eq!(t.covariates.value(0, 1, 0), Some(2.0)); // b in the week of 9 January
    /// // Customer a without the second week.
    /// let gap = "Id,Date,Marketing\nb,2005-01-02,0\nb,2005-01-09,2\na,2005-01-02,1\n";
    /// assert!(matches!(TimeVaryingTable::from_csv(gap), Err(Error::InvalidCustomer { .. })));
    /// // A malformed number, with its line.
    /// assert!(matches!(TimeVaryingTable::from_csv("Id,Date,M\na,2005-01-02,x\n"), Err(Error::Parse { line: 2, .. })));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn from_csv(text: &str) -> Result<Self> {
        let mut lines = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty());
        let (_, header) = lines.next().ok_or(Error::EmptyInput {
            what: "covariate CSV",
        })?;
        let head: Vec<String> = header
            .trim_start_matches('\u{feff}')
            .split(',')
            .map(|s| unquote(s).to_owned())
            .collect();
        let names: Vec<String> = head.get(2..).unwrap_or(&[]).to_vec();
        if names.is_empty() {
            return Err(Error::definition(
                "time-varying covariate CSV",
                "needs the columns customer, period start date and at least one covariate",
            ));
        }
        let mut rows: Vec<(usize, NaiveDate, Vec<f64>, u64)> = Vec::new();
        let mut ids: Vec<String> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        for (n, line) in lines {
            let line_no = n as u64 + 1;
            let f: Vec<&str> = line.split(',').map(unquote).collect();
            if f.len() != head.len() {
                return Err(Error::Parse {
                    line: line_no,
                    reason: format!("{} fields, the header has {}", f.len(), head.len()),
                });
            }
            let (Some(id), Some(date)) = (f.first(), f.get(1)) else {
                continue;
            };
            let date = NaiveDate::parse_from_str(date, "%Y-%m-%d").map_err(|e| Error::Parse {
                line: line_no,
                reason: format!("date `{date}`: {e}"),
            })?;
            let values = f
                .get(2..)
                .unwrap_or(&[])
                .iter()
                .map(|v| {
                    v.parse::<f64>()
                        .ok()
                        .filter(|x| x.is_finite())
                        .ok_or_else(|| Error::Parse {
                            line: line_no,
                            reason: format!("covariate `{v}` is not a finite number"),
                        })
                })
                .collect::<Result<Vec<f64>>>()?;
            let c = *index.entry((*id).to_owned()).or_insert_with(|| {
                ids.push((*id).to_owned());
                ids.len() - 1
            });
            rows.push((c, date, values, line_no));
        }
        let mut dates: Vec<NaiveDate> = rows.iter().map(|r| r.1).collect();
        dates.sort_unstable();
        dates.dedup();
        let (Some(&origin), Some(&second)) = (dates.first(), dates.get(1).or(dates.first())) else {
            return Err(Error::EmptyInput {
                what: "covariate rows",
            });
        };
        let step = (second - origin).num_days().max(1);
        for w in dates.windows(2) {
            if let [a, b] = w
                && (*b - *a).num_days() != step
            {
                let line = rows.iter().find(|r| r.1 == *b).map_or(0, |r| r.3);
                return Err(Error::Parse {
                    line,
                    reason: format!(
                        "period start {b}: the periods are not a regular grid ({a} to {b} is not {step} days, the first step)"
                    ),
                });
            }
        }
        let periods = dates.len();
        let cols = names.len();
        let mut values = vec![0.0; ids.len() * periods * cols];
        let mut seen = vec![false; ids.len() * periods];
        for (c, date, v, line) in rows {
            let k = ((date - origin).num_days() / step) as usize;
            let cell = c * periods + k;
            if seen.get(cell).copied().unwrap_or(true) {
                return Err(Error::Parse {
                    line,
                    reason: format!(
                        "customer `{}`: a second row for the period starting {date}",
                        ids.get(c).map_or("", String::as_str)
                    ),
                });
            }
            if let Some(s) = seen.get_mut(cell) {
                *s = true;
            }
            if let Some(dst) = values.get_mut(cell * cols..(cell + 1) * cols) {
                dst.copy_from_slice(&v);
            }
        }
        if let Some(cell) = seen.iter().position(|s| !s) {
            return Err(Error::InvalidCustomer {
                customer: ids.get(cell / periods).cloned().unwrap_or_default(),
                reason: format!(
                    "no row for the period starting {} (every customer needs a row for every period of the grid)",
                    origin + chrono::Days::new((cell % periods) as u64 * step as u64)
                ),
            });
        }
        let covariates = TimeVaryingCovariates::new(names, ids.len(), periods, values)?;
        Ok(TimeVaryingTable {
            ids,
            origin,
            period_days: step,
            covariates,
        })
    }

    /// Calendar time of `date` on the grid, in periods from the origin (fractional).
    #[must_use]
    pub fn period_of(&self, date: NaiveDate) -> f64 {
        (date - self.origin).num_days() as f64 / self.period_days as f64
    }
}

fn unquote(s: &str) -> &str {
    let s = s.trim();
    s.strip_prefix('"').and_then(|t| t.strip_suffix('"')).unwrap_or(s)
}

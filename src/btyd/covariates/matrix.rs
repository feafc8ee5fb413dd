//! The covariate matrix: customers × named numeric columns, validated once (finite
//! values, unique non-empty names, one row per customer). It owns no model logic.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Customers × named covariate columns (row-major), one row per customer in the order of
/// the summaries they describe. Every value is finite and the names are unique and
/// non-empty; a matrix with no columns (the process has no covariates) is allowed.
///
/// # Examples
///
/// ```
/// use customer_value::btyd::covariates::CovariateMatrix;
///
/// let m = CovariateMatrix::from_columns(3, &[("gender", &[0.0, 1.0, 1.0]), ("channel", &[1.0, 0.0, 1.0])])?;
/// assert_eq!(m.names(), ["gender", "channel"]);
/// assert_eq!(m.row(1), Some(&[1.0, 0.0][..]));
/// assert!(CovariateMatrix::from_columns(1, &[("a", &[f64::NAN])]).is_err());
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CovariateMatrix {
    names: Vec<String>,
    rows: usize,
    values: Vec<f64>,
}

impl CovariateMatrix {
    /// A matrix of `rows` customers and no columns.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::covariates::CovariateMatrix;
    ///
    /// let m = CovariateMatrix::empty(4);
    /// assert_eq!((m.rows(), m.columns()), (4, 0));
    /// ```
    #[must_use]
    pub fn empty(rows: usize) -> Self {
        CovariateMatrix {
            names: Vec::new(),
            rows,
            values: Vec::new(),
        }
    }

    /// A matrix from row-major `values` (`rows × names.len()`).
    ///
    /// # Errors
    ///
    /// [`Error::LengthMismatch`] if `values` is not `rows × names.len()` long;
    /// [`Error::InvalidDefinition`] for an empty or repeated name;
    /// [`Error::InvalidRow`] naming the first customer with a non-finite value.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::covariates::CovariateMatrix;
    ///
    /// let m = CovariateMatrix::new(vec!["a".into(), "b".into()], 2, vec![1.0, 2.0, 3.0, 4.0])?;
    /// assert_eq!(m.value(1, 0), Some(3.0));
    /// assert!(CovariateMatrix::new(vec!["a".into(), "a".into()], 1, vec![1.0, 2.0]).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn new(names: Vec<String>, rows: usize, values: Vec<f64>) -> Result<Self> {
        let k = names.len();
        let expected = rows.checked_mul(k).ok_or(Error::Overflow {
            op: "rows × columns"
        })?;
        if values.len() != expected {
            return Err(Error::LengthMismatch {
                left: "rows × covariate names",
                left_len: expected,
                right: "covariate values",
                right_len: values.len(),
            });
        }
        for (i, name) in names.iter().enumerate() {
            if name.trim().is_empty() {
                return Err(Error::definition(format!("covariate {i}"), "the name is empty"));
            }
            if names.iter().take(i).any(|n| n == name) {
                return Err(Error::definition(
                    format!("covariate `{name}`"),
                    "the name is given twice",
                ));
            }
        }
        if let Some(bad) = values.iter().position(|v| !v.is_finite()) {
            let (row, col) = (bad / k.max(1), bad % k.max(1));
            return Err(Error::InvalidRow {
                row: row as u64,
                reason: format!(
                    "covariate `{}` is {}, not a finite number",
                    names.get(col).map_or("?", String::as_str),
                    values.get(bad).copied().unwrap_or(f64::NAN)
                ),
            });
        }
        Ok(CovariateMatrix { names, rows, values })
    }

    /// A matrix from named columns of `rows` values each.
    ///
    /// # Errors
    ///
    /// [`Error::LengthMismatch`] for a column that is not `rows` long; otherwise as
    /// [`new`](Self::new).
    ///
    /// # Examples
    ///
    /// See [`CovariateMatrix`].
    pub fn from_columns(rows: usize, columns: &[(&str, &[f64])]) -> Result<Self> {
        let k = columns.len();
        let mut values = vec![
            0.0;
            rows.checked_mul(k).ok_or(Error::Overflow {
                op: "rows × columns"
            })?
        ];
        for (j, (_, col)) in columns.iter().enumerate() {
            if col.len() != rows {
                return Err(Error::LengthMismatch {
                    left: "customers",
                    left_len: rows,
                    right: "a covariate column",
                    right_len: col.len(),
                });
            }
            for (dst, &v) in values.iter_mut().skip(j).step_by(k).zip(col.iter()) {
                *dst = v;
            }
        }
        Self::new(
            columns.iter().map(|(n, _)| (*n).to_owned()).collect(),
            rows,
            values,
        )
    }

    /// The columns named `names`, in that order (e.g. the purchase set of a wider table).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidDefinition`] for a name the matrix does not have, or one asked for
    /// twice.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::covariates::CovariateMatrix;
    ///
    /// let m = CovariateMatrix::from_columns(2, &[("a", &[1.0, 2.0]), ("b", &[3.0, 4.0])])?;
    /// let b = m.select(&["b"])?;
    /// assert_eq!(b.row(1), Some(&[4.0][..]));
    /// assert!(m.select(&["c"]).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn select(&self, names: &[&str]) -> Result<Self> {
        let idx: Vec<usize> = names
            .iter()
            .map(|n| {
                self.names
                    .iter()
                    .position(|m| m == n)
                    .ok_or_else(|| Error::definition(format!("covariate `{n}`"), "no such column"))
            })
            .collect::<Result<_>>()?;
        let k = self.columns();
        let mut values = Vec::with_capacity(self.rows * idx.len());
        for row in self.values.chunks_exact(k.max(1)).take(self.rows) {
            values.extend(idx.iter().map(|&j| row.get(j).copied().unwrap_or(0.0)));
        }
        if k == 0 {
            values.clear();
        }
        Self::new(names.iter().map(|n| (*n).to_owned()).collect(), self.rows, values)
    }

    /// Column names, in order.
    #[must_use]
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Customers (rows).
    #[must_use]
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Columns.
    #[must_use]
    pub fn columns(&self) -> usize {
        self.names.len()
    }

    /// Customer `i`'s row (an empty slice without columns), `None` past the end.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::covariates::CovariateMatrix;
    ///
    /// let m = CovariateMatrix::from_columns(2, &[("a", &[1.0, 2.0]), ("b", &[3.0, 4.0])])?;
    /// assert_eq!(m.row(1), Some(&[2.0, 4.0][..]));
    /// assert_eq!(m.row(2), None);
    /// assert_eq!(CovariateMatrix::empty(2).row(1), Some(&[][..]));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn row(&self, i: usize) -> Option<&[f64]> {
        if i >= self.rows {
            return None;
        }
        let k = self.columns();
        self.values.get(i * k..(i + 1) * k)
    }

    /// Customer `i`'s value of column `j`, `None` past either end.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::covariates::CovariateMatrix;
    ///
    /// let m = CovariateMatrix::from_columns(2, &[("a", &[1.0, 2.0]), ("b", &[3.0, 4.0])])?;
    /// assert_eq!(m.value(0, 1), Some(3.0));
    /// assert_eq!((m.value(0, 2), m.value(2, 0)), (None, None));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn value(&self, i: usize, j: usize) -> Option<f64> {
        if j >= self.columns() {
            return None;
        }
        self.row(i).and_then(|r| r.get(j).copied())
    }
}

#[derive(Deserialize)]
struct Raw {
    names: Vec<String>,
    rows: usize,
    values: Vec<f64>,
}

impl<'de> Deserialize<'de> for CovariateMatrix {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let raw = Raw::deserialize(d)?;
        CovariateMatrix::new(raw.names, raw.rows, raw.values).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation() {
        assert!(CovariateMatrix::new(vec![" ".into()], 1, vec![1.0]).is_err());
        assert!(CovariateMatrix::new(vec!["a".into()], 2, vec![1.0]).is_err());
        let e = CovariateMatrix::new(
            vec!["a".into(), "b".into()],
            2,
            vec![1.0, 2.0, 3.0, f64::INFINITY],
        );
        assert!(matches!(e, Err(Error::InvalidRow { row: 1, .. })));
        let m = CovariateMatrix::empty(3);
        assert_eq!(m.row(2), Some(&[][..]));
        assert_eq!(m.row(3), None);
        let json =
            serde_json::to_string(&CovariateMatrix::from_columns(1, &[("a", &[2.0])]).unwrap()).unwrap();
        let back: CovariateMatrix = serde_json::from_str(&json).unwrap();
        assert_eq!(back.value(0, 0), Some(2.0));
        assert!(serde_json::from_str::<CovariateMatrix>(r#"{"names":["a"],"rows":1,"values":[]}"#).is_err());
    }
}

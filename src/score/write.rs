//! The value table written out row by row through a buffered writer: CSV (RFC 4180, a
//! header, empty cells for missing values, flags joined by `;`) and JSON Lines (one
//! object per customer). Neither builds a document of every customer in memory.

use std::fmt::Display;
use std::io::{BufWriter, Write};

use serde::Serialize;

use super::{CustomerScore, ScoreFlag, ScoreTable};
use crate::error::{Error, Result};

/// The CSV header of [`ScoreTable::write_csv`]: the fields of [`CustomerScore`], in order.
///
/// ```
/// use customer_value::score::CSV_HEADER;
///
/// assert_eq!(CSV_HEADER.split(',').count(), 15);
/// assert!(CSV_HEADER.starts_with("customer,frequency,recency,T,monetary_value,p_alive,"));
/// ```
pub const CSV_HEADER: &str = "customer,frequency,recency,T,monetary_value,p_alive,p_alive_at_horizon,\
expected_purchases,dert,expected_spend,discounted_purchases,clv,expected_holdout_purchases,holdout_purchases,flags";

impl<K> ScoreTable<K> {
    /// Writes the table as CSV with [`CSV_HEADER`]: numbers in Rust's shortest
    /// round-trip form, missing values as empty cells, the customer quoted when it holds a
    /// comma, quote or line break.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] if writing fails.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::{BgNbd, DiscountRate};
    /// use customer_value::score::{CSV_HEADER, ScoreSpec, score_columns};
    /// use customer_value::{SummaryColumns, TimeUnit};
    ///
    /// let cols = SummaryColumns::from_parts(vec!["Smith, J.", "b"], vec![2.0, 0.0], vec![30.43, 0.0], vec![38.86, 38.86], vec![22.35, 0.0])?;
    /// let model = BgNbd::new(0.2425945, 4.4136019, 0.7929199, 2.4258881)?;
    /// let spec = ScoreSpec::new(TimeUnit::WEEK, 52.0, DiscountRate::zero())?;
    /// let mut out = Vec::new();
    /// score_columns(&cols, &model, None, &spec, TimeUnit::WEEK)?.write_csv(&mut out)?;
    /// let csv = String::from_utf8(out).unwrap();
    /// let lines: Vec<&str> = csv.lines().collect();
    /// assert_eq!((lines.len(), lines[0]), (3, CSV_HEADER));
    /// // The comma in the name is quoted; no spend model: the money cells are empty.
    /// assert!(lines[1].starts_with("\"Smith, J.\",2,30.43,38.86,22.35,"));
    /// assert!(lines[1].ends_with(",no_spend_model"));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn write_csv<W: Write>(&self, writer: W) -> Result<()>
    where
        K: Display,
    {
        let mut w = BufWriter::with_capacity(1 << 16, writer);
        writeln!(w, "{CSV_HEADER}")?;
        let mut key = String::new();
        for row in &self.rows {
            key.clear();
            std::fmt::Write::write_fmt(&mut key, format_args!("{}", row.customer))
                .map_err(|e| Error::Io(std::io::Error::other(e)))?;
            write_csv_field(&mut w, &key)?;
            write_row_values(&mut w, row)?;
        }
        w.flush()?;
        Ok(())
    }

    /// Writes the table as JSON Lines: one [`CustomerScore`] object per line.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] if writing fails.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::{BgNbd, DiscountRate};
    /// use customer_value::score::{ScoreSpec, score_columns};
    /// use customer_value::{SummaryColumns, TimeUnit};
    ///
    /// let cols = SummaryColumns::from_parts(vec![1_u64], vec![2.0], vec![30.43], vec![38.86], vec![22.35])?;
    /// let model = BgNbd::new(0.2425945, 4.4136019, 0.7929199, 2.4258881)?;
    /// let spec = ScoreSpec::new(TimeUnit::WEEK, 52.0, DiscountRate::zero())?;
    /// let mut out = Vec::new();
    /// score_columns(&cols, &model, None, &spec, TimeUnit::WEEK)?.write_json_lines(&mut out)?;
    /// let line = String::from_utf8(out).unwrap();
    /// assert!(line.starts_with(r#"{"customer":1,"frequency":2,"#));
    /// assert!(line.trim_end().ends_with(r#""flags":["no_spend_model"]}"#));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn write_json_lines<W: Write>(&self, writer: W) -> Result<()>
    where
        K: Serialize,
    {
        let mut w = BufWriter::with_capacity(1 << 16, writer);
        for row in &self.rows {
            serde_json::to_writer(&mut w, row).map_err(|e| Error::Io(std::io::Error::other(e)))?;
            w.write_all(b"\n")?;
        }
        w.flush()?;
        Ok(())
    }
}

/// The cells after the customer, and the line end.
fn write_row_values<K>(w: &mut impl Write, row: &CustomerScore<K>) -> Result<()> {
    write!(
        w,
        ",{},{},{},{}",
        row.frequency, row.recency, row.age, row.monetary_value
    )?;
    for v in [
        row.p_alive,
        row.p_alive_at_horizon,
        row.expected_purchases,
        row.dert,
        row.expected_spend,
        row.discounted_purchases,
        row.clv,
        row.expected_holdout_purchases,
    ] {
        match v {
            Some(v) => write!(w, ",{v}")?,
            None => w.write_all(b",")?,
        }
    }
    match row.holdout_purchases {
        Some(h) => write!(w, ",{h},")?,
        None => w.write_all(b",,")?,
    }
    for (i, flag) in row.flags.iter().enumerate() {
        if i > 0 {
            w.write_all(b";")?;
        }
        w.write_all(flag_name(*flag).as_bytes())?;
    }
    w.write_all(b"\n")?;
    Ok(())
}

/// The flag's name as serde writes it.
fn flag_name(flag: ScoreFlag) -> &'static str {
    match flag {
        ScoreFlag::PurchaseModelFailed => "purchase_model_failed",
        ScoreFlag::NoPositiveRepeatSpend => "no_positive_repeat_spend",
        ScoreFlag::SpendModelFailed => "spend_model_failed",
        ScoreFlag::NoSpendModel => "no_spend_model",
        ScoreFlag::AliveAtHorizonFailed => "alive_at_horizon_failed",
        ScoreFlag::DertFailed => "dert_failed",
        ScoreFlag::ClvFailed => "clv_failed",
        ScoreFlag::MissingCovariates => "missing_covariates",
    }
}

/// One CSV field, quoted (quotes doubled) when it holds a comma, quote or line break.
fn write_csv_field(w: &mut impl Write, field: &str) -> Result<()> {
    if field.contains([',', '"', '\n', '\r']) {
        write!(w, "\"{}\"", field.replace('"', "\"\""))?;
    } else {
        w.write_all(field.as_bytes())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flag_names_are_serde_names() {
        for flag in [
            ScoreFlag::PurchaseModelFailed,
            ScoreFlag::NoPositiveRepeatSpend,
            ScoreFlag::SpendModelFailed,
            ScoreFlag::NoSpendModel,
            ScoreFlag::AliveAtHorizonFailed,
            ScoreFlag::DertFailed,
            ScoreFlag::ClvFailed,
        ] {
            assert_eq!(
                serde_json::to_string(&flag).unwrap(),
                format!("\"{}\"", flag_name(flag))
            );
        }
    }

    #[test]
    fn fields_with_separators_are_quoted() {
        let mut out = Vec::new();
        write_csv_field(&mut out, "a,\"b\"").unwrap();
        write_csv_field(&mut out, "plain").unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "\"a,\"\"b\"\"\"plain");
    }
}

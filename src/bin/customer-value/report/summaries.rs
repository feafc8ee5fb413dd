//! The per-customer summaries as CSV (`customer-value summarise`): the papers' `x`, `t_x`,
//! `T` and the spend figures of each customer, with the holdout columns when there is one.

use std::io::{BufWriter, Write};

use customer_value::Summaries;

use super::AnyError;

/// The header of the summaries CSV.
const HEADER: &str = "customer_id,frequency,recency,T,monetary_value,total_spend,mean_spend,first_purchase,\
last_purchase,rows,frequency_holdout,monetary_value_holdout,duration_holdout";

/// Writes one line per customer, streamed through a buffer.
pub fn write_csv<K: std::fmt::Display>(s: &Summaries<K>, out: impl Write) -> Result<(), AnyError> {
    let mut w = BufWriter::with_capacity(1 << 16, out);
    writeln!(w, "{HEADER}")?;
    for c in &s.customers {
        let key = c.customer.to_string();
        if key.contains([',', '"', '\n', '\r']) {
            write!(w, "\"{}\"", key.replace('"', "\"\""))?;
        } else {
            w.write_all(key.as_bytes())?;
        }
        write!(
            w,
            ",{},{},{},{},{},{},{},{},{}",
            c.frequency,
            c.recency,
            c.age,
            c.monetary_value,
            c.total_spend,
            c.mean_spend,
            c.first_purchase,
            c.last_purchase,
            c.rows
        )?;
        match &c.holdout {
            Some(h) => writeln!(w, ",{},{},{}", h.frequency, h.monetary_value, h.duration)?,
            None => writeln!(w, ",,,")?,
        }
    }
    w.flush()?;
    Ok(())
}

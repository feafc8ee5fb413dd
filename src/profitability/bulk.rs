//! Net profit of millions of customers from columns.

use rust_decimal::Decimal;

use crate::error::{Error, Result};

fn check(revenue: &[Decimal], costs: &[Decimal]) -> Result<()> {
    if revenue.len() == costs.len() {
        Ok(())
    } else {
        Err(Error::LengthMismatch {
            left: "revenue",
            left_len: revenue.len(),
            right: "costs",
            right_len: costs.len(),
        })
    }
}

fn row_error(i: usize) -> Error {
    Error::InvalidRow {
        row: i as u64,
        reason: "net profit overflows Decimal or could only be held rounded".into(),
    }
}

/// Net profit = revenue − costs for every customer (costs already summed per customer).
///
/// # Errors
///
/// [`Error::LengthMismatch`]; [`Error::InvalidRow`] for the first row that overflows.
///
/// # Examples
///
/// ```
/// use customer_value::profitability::net_profit_columns;
/// use rust_decimal::Decimal;
///
/// let net = net_profit_columns(&[Decimal::from(12_000_000), Decimal::from(6_000_000)],
///                              &[Decimal::from(1_000_000), Decimal::from(2_000_000)])?;
/// assert_eq!(net, vec![Decimal::from(11_000_000), Decimal::from(4_000_000)]);
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn net_profit_columns(revenue: &[Decimal], costs: &[Decimal]) -> Result<Vec<Decimal>> {
    check(revenue, costs)?;
    revenue
        .iter()
        .zip(costs)
        .enumerate()
        .map(|(i, (r, c))| crate::money::sub_exact(*r, *c).ok_or_else(|| row_error(i)))
        .collect()
}

/// [`net_profit_columns`] on all rayon threads.
///
/// # Errors
///
/// As [`net_profit_columns`] (the reported row is one overflowing row).
///
/// # Examples
///
/// ```
/// use customer_value::profitability::{net_profit_columns, net_profit_columns_parallel};
/// use rust_decimal::Decimal;
///
/// let r = vec![Decimal::from(10); 100];
/// let c = vec![Decimal::from(3); 100];
/// assert_eq!(net_profit_columns_parallel(&r, &c)?, net_profit_columns(&r, &c)?);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[cfg(feature = "parallel")]
#[cfg_attr(docsrs, doc(cfg(feature = "parallel")))]
pub fn net_profit_columns_parallel(revenue: &[Decimal], costs: &[Decimal]) -> Result<Vec<Decimal>> {
    use rayon::prelude::*;
    check(revenue, costs)?;
    revenue
        .par_iter()
        .zip(costs)
        .enumerate()
        .map(|(i, (r, c))| crate::money::sub_exact(*r, *c).ok_or_else(|| row_error(i)))
        .collect()
}

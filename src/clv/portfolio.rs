//! A customer base valued as a portfolio: customer equity (Σ CLV), its mean and
//! distribution, and the most valuable customers.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::checked;
use crate::error::{Error, Result};
use crate::money;

/// Customer equity and the distribution of customer values.
///
/// Quantiles are exact values of the sample by nearest rank (the ⌈p·n⌉-th smallest), the
/// median the mean of the two middle values for even n.
///
/// # Examples
///
/// ```
/// use customer_value::clv::PortfolioSummary;
/// use rust_decimal::Decimal;
///
/// let values: Vec<Decimal> = [100, -20, 40, 300, 80].into_iter().map(Decimal::from).collect();
/// let p = PortfolioSummary::new(&values)?;
/// assert_eq!(p.equity, Decimal::from(500));
/// assert_eq!(p.mean, Decimal::from(100));
/// assert_eq!(p.median, Decimal::from(80));
/// assert_eq!(p.negative, 1);
/// assert!((p.top_fifth_share - 0.6).abs() < 1e-12); // 300 of 500: the Pareto check
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PortfolioSummary {
    /// Number of customers.
    pub customers: usize,
    /// Customer equity: the sum of all values.
    pub equity: Decimal,
    /// Mean value (equity / customers), unrounded.
    pub mean: Decimal,
    /// Smallest value.
    pub min: Decimal,
    /// First quartile (nearest rank).
    pub q1: Decimal,
    /// Median.
    pub median: Decimal,
    /// Third quartile (nearest rank).
    pub q3: Decimal,
    /// Largest value.
    pub max: Decimal,
    /// Customers with a negative value.
    pub negative: usize,
    /// Share of equity held by the top 20 % of customers (⌈n/5⌉ of them), as `f64`; NaN-free:
    /// 0 when equity is 0. The analytical-CRM brief's Pareto principle expects about 0.8.
    pub top_fifth_share: f64,
}

impl PortfolioSummary {
    /// Summarises `values` (one per customer, any order).
    ///
    /// # Errors
    ///
    /// [`Error::EmptyInput`] for no values; [`Error::Overflow`].
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::clv::PortfolioSummary;
    /// use rust_decimal::Decimal;
    ///
    /// // Even n: the median is the mean of the middle two; quartiles by nearest rank (⌈n/4⌉-th
    /// // and ⌈3n/4⌉-th); the top fifth is ⌈4/5⌉ = 1 customer.
    /// let p = PortfolioSummary::new(&[10, 40, 20, 30].map(Decimal::from))?;
    /// let d = Decimal::from;
    /// assert_eq!((p.min, p.q1, p.median, p.q3, p.max), (d(10), d(10), d(25), d(30), d(40)));
    /// assert!((p.top_fifth_share - 0.4).abs() < 1e-12);
    /// assert!(PortfolioSummary::new(&[]).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn new(values: &[Decimal]) -> Result<Self> {
        if values.is_empty() {
            return Err(Error::EmptyInput {
                what: "customer values",
            });
        }
        let n = values.len();
        let mut sorted = values.to_vec();
        sorted.sort_unstable();
        let equity = checked::sum(sorted.iter().copied(), "customer equity")?;
        let mean = checked::div(equity, Decimal::from(n), "mean customer value")?;
        let rank = |p_num: usize, p_den: usize| -> Decimal {
            let k = (n * p_num).div_ceil(p_den).max(1);
            sorted.get(k - 1).copied().unwrap_or_default()
        };
        let median = if n % 2 == 1 {
            sorted.get(n / 2).copied().unwrap_or_default()
        } else {
            let lo = sorted.get(n / 2 - 1).copied().unwrap_or_default();
            let hi = sorted.get(n / 2).copied().unwrap_or_default();
            checked::div(checked::add(lo, hi, "median")?, Decimal::TWO, "median")?
        };
        let top = n.div_ceil(5);
        let top_sum = checked::sum(sorted.iter().rev().take(top).copied(), "top customers")?;
        let top_fifth_share = if equity.is_zero() {
            0.0
        } else {
            money::to_f64(top_sum) / money::to_f64(equity)
        };
        Ok(PortfolioSummary {
            customers: n,
            equity,
            mean,
            min: sorted.first().copied().unwrap_or_default(),
            q1: rank(1, 4),
            median,
            q3: rank(3, 4),
            max: sorted.last().copied().unwrap_or_default(),
            negative: sorted
                .iter()
                .filter(|v| v.is_sign_negative() && !v.is_zero())
                .count(),
            top_fifth_share,
        })
    }
}

/// The `n` most valuable customers, highest first; ties keep input order.
///
/// # Errors
///
/// [`Error::LengthMismatch`] if `customers` and `values` differ in length.
///
/// # Examples
///
/// ```
/// use customer_value::clv::top_customers;
/// use rust_decimal::Decimal;
///
/// let top = top_customers(&["a", "b", "c"], &[Decimal::from(5), Decimal::from(9), Decimal::from(5)], 2)?;
/// assert_eq!(top, vec![("b", Decimal::from(9)), ("a", Decimal::from(5))]);
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn top_customers<K: Clone>(customers: &[K], values: &[Decimal], n: usize) -> Result<Vec<(K, Decimal)>> {
    if customers.len() != values.len() {
        return Err(Error::LengthMismatch {
            left: "customers",
            left_len: customers.len(),
            right: "values",
            right_len: values.len(),
        });
    }
    let mut order: Vec<usize> = (0..values.len()).collect();
    // Stable sort: equal values keep input order, so the result does not depend on luck.
    order.sort_by_key(|&i| std::cmp::Reverse(values.get(i)));
    Ok(order
        .into_iter()
        .take(n)
        .filter_map(|i| Some((customers.get(i)?.clone(), *values.get(i)?)))
        .collect())
}

//! The whale curve (Kaplan & Cooper 1998): cumulative profit of customers sorted from the
//! most to the least profitable, as a share of total profit.
//!
//! Because the loss-making tail gives profit back, the curve rises above 100 % (often to
//! 150–300 %) and falls back to 100 % at the last customer: the hump is the "whale". The
//! percentages only mean something when total profit is positive, so they are `None`
//! otherwise; the money figures (peak profit, profit destroyed by the tail) are always
//! exact `Decimal`s.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::money;

/// One point of a whale curve.
///
/// # Examples
///
/// ```
/// use customer_value::segment::WhaleCurve;
/// use rust_decimal::Decimal;
///
/// let profits: Vec<Decimal> = [120, 80, 30, 0, -20, -60].into_iter().map(Decimal::from).collect();
/// let top = WhaleCurve::new(&profits)?.points(2)?[1]; // the top half: 120 + 80 + 30
/// assert_eq!((top.customers, top.cumulative_profit), (3, Decimal::from(230)));
/// assert_eq!(top.customer_share, 0.5);
/// assert_eq!(top.percent_of_total, Some(230.0 / 150.0 * 100.0)); // above 100 %: the tail loses
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct WhalePoint {
    /// Customers counted so far (the most profitable first).
    pub customers: usize,
    /// `customers / n`.
    pub customer_share: f64,
    /// Their cumulative profit.
    pub cumulative_profit: Decimal,
    /// Cumulative profit as a percentage of total profit; `None` unless total profit is
    /// positive.
    pub percent_of_total: Option<f64>,
}

/// A whale curve over customer profits.
///
/// # Examples
///
/// ```
/// use customer_value::segment::WhaleCurve;
/// use rust_decimal::Decimal;
///
/// let profits: Vec<Decimal> = [120, 80, 30, 0, -20, -60].into_iter().map(Decimal::from).collect();
/// let whale = WhaleCurve::new(&profits)?;
/// assert_eq!(whale.total_profit, Decimal::from(150));
/// assert_eq!(whale.peak_profit, Decimal::from(230)); // after the 3 profitable customers
/// assert_eq!(whale.peak_customers, 3);
/// assert_eq!(whale.peak_percent, Some(230.0 / 150.0 * 100.0));
/// assert_eq!(whale.loss_customers, 2);
/// assert_eq!(whale.profit_destroyed, Decimal::from(80));
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WhaleCurve {
    /// Profits sorted descending.
    pub sorted: Vec<Decimal>,
    /// Total profit.
    pub total_profit: Decimal,
    /// The highest cumulative profit (the top of the hump; 0 if no customer is
    /// profitable).
    pub peak_profit: Decimal,
    /// Customers up to the peak: the first (smallest) count that reaches it, so
    /// zero-profit customers are not counted in.
    pub peak_customers: usize,
    /// `peak_customers / n`.
    pub peak_customer_share: f64,
    /// Peak as a percentage of total profit; `None` unless total profit is positive.
    pub peak_percent: Option<f64>,
    /// Customers with negative profit.
    pub loss_customers: usize,
    /// Customers with exactly zero profit.
    pub zero_customers: usize,
    /// Profit the loss-making tail destroys (the absolute sum of negative profits).
    pub profit_destroyed: Decimal,
}

impl WhaleCurve {
    /// Sorts the profits and measures the curve.
    ///
    /// # Errors
    ///
    /// [`Error::EmptyInput`] for no profits; [`Error::Overflow`] if a sum overflows.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::segment::WhaleCurve;
    /// use rust_decimal::Decimal;
    ///
    /// let whale = WhaleCurve::new(&[Decimal::from(-5), Decimal::from(10)])?;
    /// assert_eq!(whale.sorted, [Decimal::from(10), Decimal::from(-5)]); // most profitable first
    /// assert_eq!(whale.peak_percent, Some(200.0)); // the peak, 10, is twice the total, 5
    /// assert!(WhaleCurve::new(&[]).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn new(profits: &[Decimal]) -> Result<Self> {
        if profits.is_empty() {
            return Err(Error::EmptyInput {
                what: "whale curve profits",
            });
        }
        let mut sorted = profits.to_vec();
        sorted.sort_unstable_by(|a, b| b.cmp(a));
        let overflow = || Error::Overflow {
            op: "whale curve cumulative profit",
        };
        let mut cumulative = Decimal::ZERO;
        let (mut peak, mut peak_at) = (Decimal::ZERO, 0_usize);
        let mut destroyed = Decimal::ZERO;
        for (i, &p) in sorted.iter().enumerate() {
            cumulative = cumulative.checked_add(p).ok_or_else(overflow)?;
            if cumulative > peak {
                peak = cumulative;
                peak_at = i + 1;
            }
            if p < Decimal::ZERO {
                destroyed = destroyed.checked_sub(p).ok_or_else(overflow)?;
            }
        }
        let n = sorted.len();
        let positive_total = cumulative > Decimal::ZERO;
        Ok(WhaleCurve {
            total_profit: cumulative,
            peak_profit: peak,
            peak_customers: peak_at,
            peak_customer_share: peak_at as f64 / n as f64,
            peak_percent: positive_total.then(|| percent(peak, cumulative)),
            loss_customers: sorted.iter().filter(|p| **p < Decimal::ZERO).count(),
            zero_customers: sorted.iter().filter(|p| p.is_zero()).count(),
            profit_destroyed: destroyed,
            sorted,
        })
    }

    /// Number of customers.
    #[must_use]
    pub fn len(&self) -> usize {
        self.sorted.len()
    }

    /// Always `false` (construction refuses empty input).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.sorted.is_empty()
    }

    /// The curve at `points + 1` evenly spaced customer counts (rounded down), or at every
    /// customer when `points` is 0 or at least `n`. Starts at 0 customers, ends at all.
    ///
    /// # Errors
    ///
    /// [`Error::Overflow`] if a sum overflows (not possible once `new` succeeded, kept for
    /// totality).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::segment::WhaleCurve;
    /// use rust_decimal::Decimal;
    ///
    /// let profits: Vec<Decimal> = [40, 30, 20, 10].into_iter().map(Decimal::from).collect();
    /// let whale = WhaleCurve::new(&profits)?;
    /// let counts: Vec<usize> = whale.points(2)?.iter().map(|p| p.customers).collect();
    /// assert_eq!(counts, [0, 2, 4]); // 0, n/2, n
    /// let cumulative: Vec<Decimal> = whale.points(0)?.iter().map(|p| p.cumulative_profit).collect();
    /// assert_eq!(cumulative, [0, 40, 70, 90, 100].map(Decimal::from)); // every customer
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn points(&self, points: usize) -> Result<Vec<WhalePoint>> {
        let n = self.len();
        let counts: Vec<usize> = if points == 0 || points >= n {
            (0..=n).collect()
        } else {
            (0..=points)
                .map(|j| (j as u128 * n as u128 / points as u128) as usize)
                .collect()
        };
        let positive_total = self.total_profit > Decimal::ZERO;
        let mut out = Vec::with_capacity(counts.len());
        let mut cumulative = Decimal::ZERO;
        let mut done = 0;
        for k in counts {
            for p in self.sorted.get(done..k).unwrap_or(&[]) {
                cumulative = cumulative.checked_add(*p).ok_or(Error::Overflow {
                    op: "whale curve points",
                })?;
            }
            done = k;
            out.push(WhalePoint {
                customers: k,
                customer_share: k as f64 / n as f64,
                cumulative_profit: cumulative,
                percent_of_total: positive_total.then(|| percent(cumulative, self.total_profit)),
            });
        }
        Ok(out)
    }
}

fn percent(part: Decimal, total: Decimal) -> f64 {
    money::to_f64(part) / money::to_f64(total) * 100.0
}

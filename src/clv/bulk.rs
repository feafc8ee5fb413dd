//! CLV of millions of customers from columns, sharing one set of discount weights.
//!
//! Per customer and period the work is one checked `Decimal` multiply-add; survival and
//! discounting are computed once per valuation ([`DiscountWeights`]).

use rust_decimal::Decimal;

use super::weights::DiscountWeights;
use crate::error::{Error, Result};

/// Per-customer inputs as borrowed parallel columns (Arrow / Polars / database cursors).
///
/// `growth` (optional) is each customer's revenue growth rate per period: revenue of
/// period k is revenue × (1 + g)^(k−1), costs stay flat.
///
/// # Examples
///
/// ```
/// use customer_value::clv::ClvColumns;
/// use rust_decimal::Decimal;
///
/// let rev = [Decimal::from(150); 3];
/// let cost = [Decimal::from(50); 3];
/// let acq = [Decimal::ZERO; 3];
/// assert!(ClvColumns::new(&rev, &cost, &acq).is_ok());
/// assert!(ClvColumns::new(&rev, &cost[..2], &acq).is_err());
/// ```
#[derive(Debug, Clone, Copy)]
pub struct ClvColumns<'a> {
    revenue: &'a [Decimal],
    cost: &'a [Decimal],
    acquisition_cost: &'a [Decimal],
    growth: Option<&'a [Decimal]>,
}

fn same_len(left: &'static str, l: usize, right: &'static str, r: usize) -> Result<()> {
    if l == r {
        Ok(())
    } else {
        Err(Error::LengthMismatch {
            left,
            left_len: l,
            right,
            right_len: r,
        })
    }
}

impl<'a> ClvColumns<'a> {
    /// Revenue and cost per period and acquisition cost, one row per customer.
    ///
    /// # Errors
    ///
    /// [`Error::LengthMismatch`].
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::clv::{bulk_clv, ClvColumns, DiscountWeights, Timing};
    /// use customer_value::retention::ConstantRetention;
    /// use rust_decimal::Decimal;
    ///
    /// // One customer, margin 100 a period: Gupta & Lehmann's 212.41 over 5 periods at
    /// // retention 0.8 and discount 10 %, less 50 to acquire.
    /// let w = DiscountWeights::new(&ConstantRetention::new(0.8)?, 0.1, 5, Timing::EndOfPeriod)?;
    /// let (rev, cost, acq) = ([Decimal::from(100)], [Decimal::ZERO], [Decimal::from(50)]);
    /// let clv = bulk_clv(ClvColumns::new(&rev, &cost, &acq)?, &w)?;
    /// assert_eq!(clv[0].round_dp(2), Decimal::new(16241, 2));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn new(revenue: &'a [Decimal], cost: &'a [Decimal], acquisition_cost: &'a [Decimal]) -> Result<Self> {
        same_len("revenue", revenue.len(), "cost", cost.len())?;
        same_len(
            "revenue",
            revenue.len(),
            "acquisition_cost",
            acquisition_cost.len(),
        )?;
        Ok(ClvColumns {
            revenue,
            cost,
            acquisition_cost,
            growth: None,
        })
    }

    /// Adds a growth-rate column.
    ///
    /// # Errors
    ///
    /// [`Error::LengthMismatch`].
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::clv::{bulk_clv, ClvColumns, DiscountWeights, Timing};
    /// use customer_value::retention::ConstantRetention;
    /// use rust_decimal::Decimal;
    ///
    /// // Revenue 150 growing 10 % a period, cost 50, retention 0.8, discount 10 %, 5 periods:
    /// // Σ 150·1.1^(k−1)·0.8^k/1.1^k = 366.72 and Σ 50·(0.8/1.1)^k = 106.2049 (exact
    /// // fractions), so the CLV is 260.52.
    /// let w = DiscountWeights::new(&ConstantRetention::new(0.8)?, 0.1, 5, Timing::EndOfPeriod)?;
    /// let (rev, cost, acq, growth) = ([Decimal::from(150)], [Decimal::from(50)], [Decimal::ZERO], [Decimal::new(1, 1)]);
    /// let clv = bulk_clv(ClvColumns::new(&rev, &cost, &acq)?.with_growth(&growth)?, &w)?;
    /// assert_eq!(clv[0].round_dp(2), Decimal::new(26052, 2));
    /// assert!(ClvColumns::new(&rev, &cost, &acq)?.with_growth(&[]).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn with_growth(mut self, growth: &'a [Decimal]) -> Result<Self> {
        same_len("revenue", self.revenue.len(), "growth", growth.len())?;
        self.growth = Some(growth);
        Ok(self)
    }

    /// Number of customers.
    #[must_use]
    pub fn len(&self) -> usize {
        self.revenue.len()
    }

    /// Whether there are no customers.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.revenue.is_empty()
    }

    fn row(&self, i: usize, weights: &DiscountWeights) -> Option<Decimal> {
        let rev = *self.revenue.get(i)?;
        let cost = *self.cost.get(i)?;
        let acq = *self.acquisition_cost.get(i)?;
        // The same operations in the same order as `Relationship::npv` with a constant (or
        // growing) revenue stream and a constant cost stream, so both agree to the last digit.
        let discounted_cost = cost.checked_mul(weights.sum())?;
        let discounted_revenue = match self.growth.and_then(|g| g.get(i)) {
            None => rev.checked_mul(weights.sum())?,
            Some(g) => {
                if *g <= Decimal::NEGATIVE_ONE {
                    return None;
                }
                let factor = Decimal::ONE.checked_add(*g)?;
                let mut r = rev;
                let mut total = Decimal::ZERO;
                for (k, w) in weights.weights().iter().enumerate() {
                    if k > 0 {
                        r = r.checked_mul(factor)?;
                    }
                    total = total.checked_add(r.checked_mul(*w)?)?;
                }
                total
            }
        };
        discounted_revenue.checked_sub(discounted_cost)?.checked_sub(acq)
    }
}

fn row_error(i: usize) -> Error {
    Error::InvalidRow {
        row: i as u64,
        reason: "CLV overflows Decimal, or growth rate <= -1".into(),
    }
}

/// CLV of every customer: Σₖ revenueₖ·wₖ − Σₖ cost·wₖ − acquisition.
///
/// Each value equals, to the last digit, [`Relationship::npv`](super::Relationship::npv)
/// of the same customer (constant or growing revenue, constant cost).
///
/// # Errors
///
/// [`Error::InvalidRow`] naming the first customer whose value overflows or whose growth
/// rate is ≤ −1.
///
/// # Examples
///
/// ```
/// use customer_value::clv::{bulk_clv, ClvColumns, DiscountWeights, Timing};
/// use customer_value::retention::ConstantRetention;
/// use rust_decimal::Decimal;
///
/// let w = DiscountWeights::new(&ConstantRetention::new(0.8)?, 0.1, 5, Timing::EndOfPeriod)?;
/// let rev = [Decimal::from(150), Decimal::from(300)];
/// let cost = [Decimal::from(50), Decimal::from(100)];
/// let acq = [Decimal::ZERO, Decimal::from(25)];
/// let clv = bulk_clv(ClvColumns::new(&rev, &cost, &acq)?, &w)?;
/// assert_eq!(clv[0].round_dp(2), Decimal::new(21241, 2));
/// assert_eq!(clv[1].round_dp(2), Decimal::new(39982, 2)); // 2 × 212.41 − 25
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn bulk_clv(columns: ClvColumns<'_>, weights: &DiscountWeights) -> Result<Vec<Decimal>> {
    (0..columns.len())
        .map(|i| columns.row(i, weights).ok_or_else(|| row_error(i)))
        .collect()
}

/// [`bulk_clv`] on all rayon threads; the same values in the same order.
///
/// # Errors
///
/// As [`bulk_clv`] (the reported row is one overflowing row, not necessarily the first).
///
/// # Examples
///
/// ```
/// use customer_value::clv::{bulk_clv, bulk_clv_parallel, ClvColumns, DiscountWeights, Timing};
/// use customer_value::retention::ConstantRetention;
/// use rust_decimal::Decimal;
///
/// let w = DiscountWeights::new(&ConstantRetention::new(0.8)?, 0.1, 10, Timing::EndOfPeriod)?;
/// let rev = vec![Decimal::from(150); 1000];
/// let cost = vec![Decimal::from(50); 1000];
/// let acq = vec![Decimal::ZERO; 1000];
/// let cols = ClvColumns::new(&rev, &cost, &acq)?;
/// assert_eq!(bulk_clv_parallel(cols, &w)?, bulk_clv(cols, &w)?);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[cfg(feature = "parallel")]
#[cfg_attr(docsrs, doc(cfg(feature = "parallel")))]
pub fn bulk_clv_parallel(columns: ClvColumns<'_>, weights: &DiscountWeights) -> Result<Vec<Decimal>> {
    use rayon::prelude::*;
    (0..columns.len())
        .into_par_iter()
        .map(|i| columns.row(i, weights).ok_or_else(|| row_error(i)))
        .collect()
}

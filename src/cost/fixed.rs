//! A fixed cost model: a flat acquisition cost and a flat cost per period.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{Activity, CostModel};
use crate::error::Result;

/// Acquisition once, then the same serving cost every period whatever the activity.
///
/// # Examples
///
/// ```
/// use customer_value::cost::{Activity, CostModel, FixedCost};
/// use rust_decimal::Decimal;
///
/// // The profitability brief, customer B: 2,000,000 toman a year to acquire and retain.
/// let b = FixedCost::new(Decimal::ZERO, Decimal::from(2_000_000));
/// assert_eq!(b.margin(&Activity::new(Decimal::from(6_000_000)))?, Decimal::from(4_000_000));
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FixedCost {
    /// One-off acquisition cost.
    pub acquisition: Decimal,
    /// Serving cost per period.
    pub per_period: Decimal,
}

impl FixedCost {
    /// A model from its two amounts.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::cost::{Activity, CostModel, FixedCost};
    /// use rust_decimal::Decimal;
    ///
    /// let m = FixedCost::new(Decimal::from(300), Decimal::from(12));
    /// // The serving cost does not depend on the activity.
    /// assert_eq!(m.period_cost(&Activity::new(Decimal::ZERO).with_orders(9))?, Decimal::from(12));
    /// assert_eq!(m.acquisition_cost()?, Decimal::from(300));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn new(acquisition: Decimal, per_period: Decimal) -> Self {
        FixedCost {
            acquisition,
            per_period,
        }
    }
}

impl CostModel for FixedCost {
    fn acquisition_cost(&self) -> Result<Decimal> {
        Ok(self.acquisition)
    }

    fn serving_cost(&self, _activity: &Activity) -> Result<Decimal> {
        Ok(self.per_period)
    }
}

//! Costs proportional to revenue: cost of goods at a gross margin, and bad debt as a risk.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{Activity, CostModel};
use crate::clv::checked;
use crate::error::{Error, Result};

fn check_share(name: &'static str, share: Decimal) -> Result<Decimal> {
    if share >= Decimal::ZERO && share <= Decimal::ONE {
        Ok(share)
    } else {
        Err(Error::param(name, share, "must be in [0, 1]"))
    }
}

/// Serving cost = revenue × (1 − gross margin).
///
/// # Examples
///
/// ```
/// use customer_value::cost::{Activity, CostModel, ProportionalCost};
/// use rust_decimal::Decimal;
///
/// let m = ProportionalCost::from_margin(Decimal::new(80, 2))?; // 80 % gross margin
/// assert_eq!(m.margin(&Activity::new(Decimal::from(100)))?, Decimal::from(80));
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProportionalCost {
    cost_share: Decimal,
    acquisition: Decimal,
}

impl ProportionalCost {
    /// Costs that take `cost_share` of revenue (0.2 = 20 %).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] unless `cost_share` is in [0, 1].
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::cost::{Activity, CostModel, ProportionalCost};
    /// use rust_decimal::Decimal;
    ///
    /// let cogs = ProportionalCost::new(Decimal::new(35, 2))?; // 35 % of revenue
    /// assert_eq!(cogs.serving_cost(&Activity::new(Decimal::from(200)))?, Decimal::from(70));
    /// assert!(ProportionalCost::new(Decimal::new(12, 1)).is_err()); // 120 %
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn new(cost_share: Decimal) -> Result<Self> {
        Ok(ProportionalCost {
            cost_share: check_share("cost_share", cost_share)?,
            acquisition: Decimal::ZERO,
        })
    }

    /// Costs leaving a gross margin of `margin` (0.8 = 80 %): cost share 1 − margin.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] unless `margin` is in [0, 1].
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::cost::ProportionalCost;
    /// use rust_decimal::Decimal;
    ///
    /// assert_eq!(ProportionalCost::from_margin(Decimal::new(80, 2))?.cost_share(), Decimal::new(20, 2));
    /// assert!(ProportionalCost::from_margin(-Decimal::ONE).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn from_margin(margin: Decimal) -> Result<Self> {
        Self::new(Decimal::ONE - check_share("margin", margin)?)
    }

    /// Adds a one-off acquisition cost.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::cost::{CostModel, ProportionalCost};
    /// use rust_decimal::Decimal;
    ///
    /// let m = ProportionalCost::from_margin(Decimal::new(80, 2))?.with_acquisition(Decimal::from(1_200));
    /// assert_eq!(m.acquisition_cost()?, Decimal::from(1_200));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn with_acquisition(mut self, acquisition: Decimal) -> Self {
        self.acquisition = acquisition;
        self
    }

    /// The share of revenue spent.
    #[must_use]
    pub fn cost_share(&self) -> Decimal {
        self.cost_share
    }
}

impl CostModel for ProportionalCost {
    fn acquisition_cost(&self) -> Result<Decimal> {
        Ok(self.acquisition)
    }

    fn serving_cost(&self, activity: &Activity) -> Result<Decimal> {
        checked::mul(activity.revenue, self.cost_share, "proportional cost")
    }
}

/// Risk cost = revenue × bad-debt rate (the profitability brief's "risk and loss costs").
///
/// Serving cost is zero: add it to a serving model with [`CostSum`](super::CostSum).
///
/// # Examples
///
/// ```
/// use customer_value::cost::{Activity, BadDebt, CostModel};
/// use rust_decimal::Decimal;
///
/// let risk = BadDebt::new(Decimal::new(2, 2))?; // 2 % of revenue is never paid
/// assert_eq!(risk.risk_cost(&Activity::new(Decimal::from(1_000)))?, Decimal::from(20));
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BadDebt {
    rate: Decimal,
}

impl BadDebt {
    /// Bad debt at `rate` of revenue.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] unless `rate` is in [0, 1].
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::cost::BadDebt;
    /// use rust_decimal::Decimal;
    ///
    /// assert_eq!(BadDebt::new(Decimal::new(15, 3))?.rate(), Decimal::new(15, 3)); // 1.5 %
    /// assert!(BadDebt::new(Decimal::from(2)).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn new(rate: Decimal) -> Result<Self> {
        Ok(BadDebt {
            rate: check_share("rate", rate)?,
        })
    }

    /// The bad-debt rate.
    #[must_use]
    pub fn rate(&self) -> Decimal {
        self.rate
    }
}

impl CostModel for BadDebt {
    fn serving_cost(&self, _activity: &Activity) -> Result<Decimal> {
        Ok(Decimal::ZERO)
    }

    fn risk_cost(&self, activity: &Activity) -> Result<Decimal> {
        checked::mul(activity.revenue, self.rate, "bad debt")
    }
}

//! One customer's profitability: revenue, attributable costs, risk costs, and the ratios.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::clv::checked;
use crate::error::{Error, Result};
use crate::money::{exact_add, exact_sub};

/// Costs attributable to one customer (the profitability brief's list).
///
/// # Examples
///
/// ```
/// use customer_value::profitability::CustomerCosts;
/// use rust_decimal::Decimal;
///
/// let c = CustomerCosts { support: Decimal::from(30), ..CustomerCosts::acquisition_and_retention(Decimal::from(100), Decimal::from(20)) };
/// assert_eq!(c.total()?, Decimal::from(150));
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerCosts {
    /// Winning the customer: ads, discounts, first offers.
    pub acquisition: Decimal,
    /// Keeping the customer: loyalty offers, retention campaigns.
    pub retention: Decimal,
    /// After-sales service and support.
    pub support: Decimal,
    /// Any other customer-specific cost (delivery, returns handling, cost of goods).
    pub other: Decimal,
}

impl CustomerCosts {
    /// All four cost lines.
    #[must_use]
    pub fn new(acquisition: Decimal, retention: Decimal, support: Decimal, other: Decimal) -> Self {
        CustomerCosts {
            acquisition,
            retention,
            support,
            other,
        }
    }

    /// Acquisition and retention only (the seed's worked example).
    #[must_use]
    pub fn acquisition_and_retention(acquisition: Decimal, retention: Decimal) -> Self {
        CustomerCosts {
            acquisition,
            retention,
            ..CustomerCosts::default()
        }
    }

    /// The sum of the four lines.
    ///
    /// # Errors
    ///
    /// [`Error::Overflow`] if the result overflows or `Decimal` could hold it only rounded.
    pub fn total(&self) -> Result<Decimal> {
        [self.acquisition, self.retention, self.support, self.other]
            .into_iter()
            .try_fold(Decimal::ZERO, |a, x| exact_add(a, x, "customer costs"))
    }
}

/// Revenue, costs and risk costs of one customer over a period of account.
///
/// # Examples
///
/// ```
/// use customer_value::profitability::{CustomerCosts, CustomerProfitability};
/// use rust_decimal::Decimal;
///
/// let p = CustomerProfitability::new(Decimal::from(1_000), CustomerCosts::new(
///     Decimal::from(100), Decimal::from(50), Decimal::from(50), Decimal::from(400),
/// ))
/// .with_bad_debt(Decimal::new(2, 2))?; // 2 % of revenue lost to bad debt
/// assert_eq!(p.net_profit()?, Decimal::from(400));
/// assert_eq!(p.margin_percent()?, Decimal::from(40));
/// assert_eq!(p.risk_adjusted_net_revenue()?, Decimal::from(380));
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CustomerProfitability {
    /// Revenue from the customer.
    pub revenue: Decimal,
    /// Costs attributable to the customer.
    pub costs: CustomerCosts,
    /// Risk and loss costs (bad debt, fraud), kept apart from `costs`.
    pub risk_costs: Decimal,
}

impl CustomerProfitability {
    /// A customer's revenue and costs, no risk costs.
    #[must_use]
    pub fn new(revenue: Decimal, costs: CustomerCosts) -> Self {
        CustomerProfitability {
            revenue,
            costs,
            risk_costs: Decimal::ZERO,
        }
    }

    /// Revenue = purchases × average purchase value (the profitability brief: 3 × 4,000,000).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for a negative purchase count; [`Error::Overflow`].
    pub fn from_purchases(purchases: Decimal, average_value: Decimal, costs: CustomerCosts) -> Result<Self> {
        if purchases.is_sign_negative() && !purchases.is_zero() {
            return Err(Error::param("purchases", purchases, "must be >= 0"));
        }
        Ok(Self::new(
            checked::mul(purchases, average_value, "revenue")?,
            costs,
        ))
    }

    /// Sets the risk costs.
    #[must_use]
    pub fn with_risk_costs(mut self, risk_costs: Decimal) -> Self {
        self.risk_costs = risk_costs;
        self
    }

    /// Sets the risk costs to `rate` × revenue (a bad-debt rate).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] unless `rate` is in [0, 1]; [`Error::Overflow`].
    pub fn with_bad_debt(self, rate: Decimal) -> Result<Self> {
        if rate < Decimal::ZERO || rate > Decimal::ONE {
            return Err(Error::param("rate", rate, "bad-debt rate must be in [0, 1]"));
        }
        Ok(self.with_risk_costs(checked::mul(self.revenue, rate, "bad debt")?))
    }

    /// Net customer profitability = revenue − attributable costs (risk costs excluded).
    ///
    /// # Errors
    ///
    /// [`Error::Overflow`] if the result overflows or `Decimal` could hold it only rounded.
    pub fn net_profit(&self) -> Result<Decimal> {
        exact_sub(self.revenue, self.costs.total()?, "net profit")
    }

    /// Customer profit margin in percent = 100 × net profit / revenue (the seed prints
    /// the inverse). Unrounded.
    ///
    /// # Errors
    ///
    /// [`Error::Undefined`] for zero revenue; [`Error::Overflow`].
    pub fn margin_percent(&self) -> Result<Decimal> {
        if self.revenue.is_zero() {
            return Err(Error::Undefined {
                what: "profit margin",
                reason: "revenue is 0".into(),
            });
        }
        checked::div(
            checked::mul(Decimal::ONE_HUNDRED, self.net_profit()?, "margin")?,
            self.revenue,
            "margin",
        )
    }

    /// Risk-adjusted net revenue = revenue − (customer costs + risk costs).
    ///
    /// # Errors
    ///
    /// [`Error::Overflow`] if the result overflows or `Decimal` could hold it only rounded.
    pub fn risk_adjusted_net_revenue(&self) -> Result<Decimal> {
        let all = exact_add(self.costs.total()?, self.risk_costs, "customer and risk costs")?;
        exact_sub(self.revenue, all, "risk-adjusted net revenue")
    }
}

/// CLV:CAC = CLV / CAC (the seed prints CAC / CLV; above 1 the customer returns more
/// than they cost, 3 is the usual healthy floor). `clv` is the value before acquisition.
///
/// # Errors
///
/// [`Error::Undefined`] for a zero CAC; [`Error::InvalidParameter`] for a negative CAC;
/// [`Error::Overflow`].
///
/// # Examples
///
/// ```
/// use customer_value::profitability::clv_to_cac;
/// use rust_decimal::Decimal;
///
/// assert_eq!(clv_to_cac(Decimal::from(3_600), Decimal::from(1_200))?, Decimal::from(3));
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn clv_to_cac(clv: Decimal, cac: Decimal) -> Result<Decimal> {
    if cac.is_sign_negative() && !cac.is_zero() {
        return Err(Error::param("cac", cac, "acquisition cost must be >= 0"));
    }
    if cac.is_zero() {
        return Err(Error::Undefined {
            what: "CLV:CAC",
            reason: "acquisition cost is 0".into(),
        });
    }
    checked::div(clv, cac, "CLV:CAC")
}

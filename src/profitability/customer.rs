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
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::profitability::CustomerCosts;
    /// use rust_decimal::Decimal;
    ///
    /// let c = CustomerCosts::new(Decimal::from(100), Decimal::from(50), Decimal::from(25), Decimal::from(10));
    /// assert_eq!((c.acquisition, c.other), (Decimal::from(100), Decimal::from(10)));
    /// assert_eq!(c.total()?, Decimal::from(185));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
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
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::profitability::CustomerCosts;
    /// use rust_decimal::Decimal;
    ///
    /// let c = CustomerCosts::acquisition_and_retention(Decimal::from(100), Decimal::from(20));
    /// assert_eq!((c.support, c.other), (Decimal::ZERO, Decimal::ZERO));
    /// assert_eq!(c.total()?, Decimal::from(120));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
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
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::profitability::CustomerCosts;
    /// use rust_decimal::Decimal;
    ///
    /// let c = CustomerCosts::acquisition_and_retention(Decimal::new(1050, 2), Decimal::new(25, 2));
    /// assert_eq!(c.total()?, Decimal::new(1075, 2)); // exact: 10.50 + 0.25
    /// assert!(CustomerCosts::acquisition_and_retention(Decimal::MAX, Decimal::ONE).total().is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
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
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::profitability::{CustomerCosts, CustomerProfitability};
    /// use rust_decimal::Decimal;
    ///
    /// let p = CustomerProfitability::new(Decimal::from(500), CustomerCosts::acquisition_and_retention(Decimal::from(100), Decimal::from(50)));
    /// assert_eq!(p.risk_costs, Decimal::ZERO);
    /// assert_eq!(p.net_profit()?, Decimal::from(350));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
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
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::profitability::{CustomerCosts, CustomerProfitability};
    /// use rust_decimal::Decimal;
    ///
    /// let costs = CustomerCosts::acquisition_and_retention(Decimal::from(1_000_000), Decimal::from(500_000));
    /// let p = CustomerProfitability::from_purchases(Decimal::from(3), Decimal::from(4_000_000), costs)?;
    /// assert_eq!(p.revenue, Decimal::from(12_000_000));
    /// assert_eq!(p.net_profit()?, Decimal::from(10_500_000));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
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
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::profitability::{CustomerCosts, CustomerProfitability};
    /// use rust_decimal::Decimal;
    ///
    /// let p = CustomerProfitability::new(Decimal::from(500), CustomerCosts::acquisition_and_retention(Decimal::from(100), Decimal::ZERO))
    ///     .with_risk_costs(Decimal::from(40)); // a chargeback
    /// assert_eq!(p.net_profit()?, Decimal::from(400)); // risk is kept apart...
    /// assert_eq!(p.risk_adjusted_net_revenue()?, Decimal::from(360)); // ...and subtracted here
    /// # Ok::<(), customer_value::Error>(())
    /// ```
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
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::profitability::{CustomerCosts, CustomerProfitability};
    /// use rust_decimal::Decimal;
    ///
    /// let base = CustomerProfitability::new(Decimal::from(1_000), CustomerCosts::acquisition_and_retention(Decimal::ZERO, Decimal::ZERO));
    /// assert_eq!(base.clone().with_bad_debt(Decimal::new(5, 2))?.risk_costs, Decimal::from(50));
    /// assert!(base.with_bad_debt(Decimal::from(2)).is_err()); // a rate above 100 %
    /// # Ok::<(), customer_value::Error>(())
    /// ```
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
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::profitability::{CustomerCosts, CustomerProfitability};
    /// use rust_decimal::Decimal;
    ///
    /// let p = CustomerProfitability::new(Decimal::from(80), CustomerCosts::acquisition_and_retention(Decimal::from(100), Decimal::ZERO));
    /// assert_eq!(p.net_profit()?, Decimal::from(-20)); // a loss is negative, not an error
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn net_profit(&self) -> Result<Decimal> {
        exact_sub(self.revenue, self.costs.total()?, "net profit")
    }

    /// Customer profit margin in percent = 100 × net profit / revenue (the seed prints
    /// the inverse). Unrounded.
    ///
    /// # Errors
    ///
    /// [`Error::Undefined`] for zero revenue; [`Error::Overflow`].
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::profitability::{CustomerCosts, CustomerProfitability};
    /// use rust_decimal::Decimal;
    ///
    /// let p = CustomerProfitability::new(Decimal::from(400), CustomerCosts::acquisition_and_retention(Decimal::from(300), Decimal::ZERO));
    /// assert_eq!(p.margin_percent()?, Decimal::from(25));
    /// let nothing = CustomerProfitability::new(Decimal::ZERO, CustomerCosts::acquisition_and_retention(Decimal::ONE, Decimal::ZERO));
    /// assert!(nothing.margin_percent().is_err()); // no revenue, no margin
    /// # Ok::<(), customer_value::Error>(())
    /// ```
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
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::profitability::{CustomerCosts, CustomerProfitability};
    /// use rust_decimal::Decimal;
    ///
    /// let p = CustomerProfitability::new(Decimal::from(1_000), CustomerCosts::acquisition_and_retention(Decimal::from(200), Decimal::ZERO))
    ///     .with_risk_costs(Decimal::from(30));
    /// assert_eq!(p.risk_adjusted_net_revenue()?, Decimal::from(770));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
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

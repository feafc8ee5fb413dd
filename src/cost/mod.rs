//! Cost models: what a customer costs to win and to serve.
//!
//! This module owns the [`CostModel`] trait — the plug point through which profitability
//! and CLV read costs — the per-period [`Activity`] it prices, and the implementations:
//! [`FixedCost`] (a flat amount per period), [`ProportionalCost`] (a share of revenue, i.e.
//! a gross margin), [`ActivityCost`] (activity-based cost-to-serve: drivers × rates, seed
//! 002's "cost of serving per customer and per group", with [`cost_to_serve_by_group`]),
//! [`BadDebt`] (a risk cost) and [`CostSum`] (several models added up). All money is exact
//! `Decimal` with checked arithmetic.
//!
//! # Writing your own model
//!
//! Implement [`CostModel::serving_cost`]; override [`CostModel::acquisition_cost`] and
//! [`CostModel::risk_cost`] if your model has them (they default to zero):
//!
//! ```
//! use customer_value::cost::{Activity, CostModel};
//! use customer_value::Result;
//! use rust_decimal::Decimal;
//!
//! /// Free shipping above 50, else 4.90 per order.
//! #[derive(Debug)]
//! struct Shipping;
//! impl CostModel for Shipping {
//!     fn serving_cost(&self, a: &Activity) -> Result<Decimal> {
//!         let per_order = if a.orders > 0 && a.revenue / Decimal::from(a.orders) >= Decimal::from(50) {
//!             Decimal::ZERO
//!         } else {
//!             Decimal::new(490, 2)
//!         };
//!         Ok(per_order * Decimal::from(a.orders))
//!     }
//! }
//! let a = Activity::new(Decimal::from(60)).with_orders(2);
//! assert_eq!(Shipping.period_cost(&a)?, Decimal::new(980, 2));
//! # Ok::<(), customer_value::Error>(())
//! ```

mod activity;
mod fixed;
mod proportional;
mod sum;

pub use activity::{ActivityCost, GroupCost, cost_to_serve_by_group};
pub use fixed::FixedCost;
pub use proportional::{BadDebt, ProportionalCost};
pub use sum::CostSum;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::clv::checked;
use crate::error::Result;

/// What one customer did in one period: the cost drivers a [`CostModel`] prices.
///
/// # Examples
///
/// ```
/// use customer_value::cost::Activity;
/// use rust_decimal::Decimal;
///
/// let a = Activity::new(Decimal::from(12_000_000)).with_orders(3).with_support_tickets(1);
/// assert_eq!(a.orders, 3);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Activity {
    /// Revenue in the period.
    pub revenue: Decimal,
    /// Orders placed.
    pub orders: u64,
    /// Deliveries made.
    pub deliveries: u64,
    /// Support tickets opened.
    pub support_tickets: u64,
    /// Returns processed.
    pub returns: u64,
}

impl Activity {
    /// A period with `revenue` and no counted activity.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::cost::Activity;
    /// use rust_decimal::Decimal;
    ///
    /// let a = Activity::new(Decimal::from(250));
    /// assert_eq!((a.revenue, a.orders, a.deliveries, a.support_tickets, a.returns), (Decimal::from(250), 0, 0, 0, 0));
    /// ```
    #[must_use]
    pub fn new(revenue: Decimal) -> Self {
        Activity {
            revenue,
            ..Activity::default()
        }
    }

    /// Sets the number of orders.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::cost::{Activity, ActivityCost, CostModel};
    /// use rust_decimal::Decimal;
    ///
    /// // Three orders picked at 2.50 each.
    /// let picking = ActivityCost::new().with_per_order(Decimal::new(250, 2));
    /// assert_eq!(picking.serving_cost(&Activity::new(Decimal::from(90)).with_orders(3))?, Decimal::new(750, 2));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn with_orders(mut self, orders: u64) -> Self {
        self.orders = orders;
        self
    }

    /// Sets the number of deliveries.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::cost::Activity;
    /// use rust_decimal::Decimal;
    ///
    /// // Two orders shipped in three parcels.
    /// let a = Activity::new(Decimal::from(90)).with_orders(2).with_deliveries(3);
    /// assert_eq!((a.orders, a.deliveries), (2, 3));
    /// ```
    #[must_use]
    pub fn with_deliveries(mut self, deliveries: u64) -> Self {
        self.deliveries = deliveries;
        self
    }

    /// Sets the number of support tickets.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::cost::{Activity, ActivityCost, CostModel};
    /// use rust_decimal::Decimal;
    ///
    /// let support = ActivityCost::new().with_per_support_ticket(Decimal::from(15));
    /// assert_eq!(support.serving_cost(&Activity::new(Decimal::ZERO).with_support_tickets(2))?, Decimal::from(30));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn with_support_tickets(mut self, tickets: u64) -> Self {
        self.support_tickets = tickets;
        self
    }

    /// Sets the number of returns.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::cost::{Activity, ActivityCost, CostModel};
    /// use rust_decimal::Decimal;
    ///
    /// let returns = ActivityCost::new().with_per_return(Decimal::from(9));
    /// assert_eq!(returns.serving_cost(&Activity::new(Decimal::from(40)).with_returns(1))?, Decimal::from(9));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn with_returns(mut self, returns: u64) -> Self {
        self.returns = returns;
        self
    }
}

/// What a customer costs: once to acquire, then each period to serve, plus risk.
///
/// Object-safe: valuations and [`CostSum`] take `&dyn CostModel`. All methods return
/// `Result` so a model can report overflow or a bad input instead of panicking.
///
/// # Examples
///
/// ```
/// use customer_value::cost::{Activity, CostModel, FixedCost};
/// use rust_decimal::Decimal;
///
/// let m = FixedCost::new(Decimal::from(1_000), Decimal::from(100));
/// let a = Activity::new(Decimal::from(5_000));
/// assert_eq!(m.acquisition_cost()?, Decimal::from(1_000));
/// assert_eq!(m.period_cost(&a)?, Decimal::from(100));
/// assert_eq!(m.margin(&a)?, Decimal::from(4_900));
/// # Ok::<(), customer_value::Error>(())
/// ```
pub trait CostModel: std::fmt::Debug {
    /// One-off cost of winning the customer (ads, first-order discounts). Default 0.
    ///
    /// # Errors
    ///
    /// Model-specific; [`Error::Overflow`](crate::Error::Overflow) in the crate's models.
    fn acquisition_cost(&self) -> Result<Decimal> {
        Ok(Decimal::ZERO)
    }

    /// Cost of serving the customer in one period with this activity (goods, delivery,
    /// support, retention offers).
    ///
    /// # Errors
    ///
    /// Model-specific; [`Error::Overflow`](crate::Error::Overflow) in the crate's models.
    fn serving_cost(&self, activity: &Activity) -> Result<Decimal>;

    /// Expected loss in the period (bad debt, fraud). Default 0.
    ///
    /// # Errors
    ///
    /// Model-specific; [`Error::Overflow`](crate::Error::Overflow) in the crate's models.
    fn risk_cost(&self, activity: &Activity) -> Result<Decimal> {
        let _ = activity;
        Ok(Decimal::ZERO)
    }

    /// Serving plus risk cost of the period.
    ///
    /// # Errors
    ///
    /// As the two methods; [`Error::Overflow`](crate::Error::Overflow) for the sum.
    fn period_cost(&self, activity: &Activity) -> Result<Decimal> {
        checked::add(
            self.serving_cost(activity)?,
            self.risk_cost(activity)?,
            "period cost",
        )
    }

    /// Revenue minus period cost: the period's contribution margin.
    ///
    /// # Errors
    ///
    /// As [`period_cost`](CostModel::period_cost).
    fn margin(&self, activity: &Activity) -> Result<Decimal> {
        checked::sub(activity.revenue, self.period_cost(activity)?, "period margin")
    }
}

// Forward every method so overrides survive behind a reference or box.
impl<M: CostModel + ?Sized> CostModel for &M {
    fn acquisition_cost(&self) -> Result<Decimal> {
        (**self).acquisition_cost()
    }
    fn serving_cost(&self, activity: &Activity) -> Result<Decimal> {
        (**self).serving_cost(activity)
    }
    fn risk_cost(&self, activity: &Activity) -> Result<Decimal> {
        (**self).risk_cost(activity)
    }
    fn period_cost(&self, activity: &Activity) -> Result<Decimal> {
        (**self).period_cost(activity)
    }
    fn margin(&self, activity: &Activity) -> Result<Decimal> {
        (**self).margin(activity)
    }
}

impl<M: CostModel + ?Sized> CostModel for Box<M> {
    fn acquisition_cost(&self) -> Result<Decimal> {
        (**self).acquisition_cost()
    }
    fn serving_cost(&self, activity: &Activity) -> Result<Decimal> {
        (**self).serving_cost(activity)
    }
    fn risk_cost(&self, activity: &Activity) -> Result<Decimal> {
        (**self).risk_cost(activity)
    }
    fn period_cost(&self, activity: &Activity) -> Result<Decimal> {
        (**self).period_cost(activity)
    }
    fn margin(&self, activity: &Activity) -> Result<Decimal> {
        (**self).margin(activity)
    }
}

//! Activity-based cost-to-serve: cost drivers (orders, deliveries, support tickets,
//! returns) priced at rates, per customer and per group (the analytical-CRM brief).
//!
//! Two customers with the same revenue can cost very different amounts to serve; pricing
//! the activities that consume resources (Kaplan & Cooper's activity-based costing) is what
//! separates them.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{Activity, CostModel};
use crate::clv::checked;
use crate::error::{Error, Result};

/// Serving cost = per period + Σ driver count × rate.
///
/// # Examples
///
/// ```
/// use customer_value::cost::{Activity, ActivityCost, CostModel};
/// use rust_decimal::Decimal;
///
/// let abc = ActivityCost::new()
///     .with_per_order(Decimal::new(250, 2))
///     .with_per_delivery(Decimal::from(6))
///     .with_per_support_ticket(Decimal::from(15))
///     .with_per_return(Decimal::from(9));
/// let a = Activity::new(Decimal::from(300)).with_orders(4).with_deliveries(4).with_support_tickets(1).with_returns(1);
/// assert_eq!(abc.serving_cost(&a)?, Decimal::from(58)); // 10 + 24 + 15 + 9
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ActivityCost {
    /// One-off acquisition cost.
    pub acquisition: Decimal,
    /// Fixed cost per period (account management).
    pub per_period: Decimal,
    /// Cost per order (picking, payment fees).
    pub per_order: Decimal,
    /// Cost per delivery.
    pub per_delivery: Decimal,
    /// Cost per support ticket.
    pub per_support_ticket: Decimal,
    /// Cost per return (handling, refurbishing).
    pub per_return: Decimal,
}

macro_rules! setter {
    ($(#[$doc:meta] $name:ident => $field:ident),* $(,)?) => {
        $(#[$doc] #[must_use] pub fn $name(mut self, rate: Decimal) -> Self { self.$field = rate; self })*
    };
}

impl ActivityCost {
    /// A model that costs nothing; add rates with the `with_*` methods.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::cost::{Activity, ActivityCost, CostModel};
    /// use rust_decimal::Decimal;
    ///
    /// let free = ActivityCost::new();
    /// assert_eq!(free.period_cost(&Activity::new(Decimal::from(80)).with_orders(4))?, Decimal::ZERO);
    /// let managed = ActivityCost::new().with_per_period(Decimal::from(20)).with_acquisition(Decimal::from(150));
    /// assert_eq!((managed.acquisition_cost()?, managed.serving_cost(&Activity::default())?), (Decimal::from(150), Decimal::from(20)));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn new() -> Self {
        ActivityCost::default()
    }

    setter! {
        /// Sets the acquisition cost.
        with_acquisition => acquisition,
        /// Sets the fixed cost per period.
        with_per_period => per_period,
        /// Sets the cost per order.
        with_per_order => per_order,
        /// Sets the cost per delivery.
        with_per_delivery => per_delivery,
        /// Sets the cost per support ticket.
        with_per_support_ticket => per_support_ticket,
        /// Sets the cost per return.
        with_per_return => per_return,
    }
}

impl CostModel for ActivityCost {
    fn acquisition_cost(&self) -> Result<Decimal> {
        Ok(self.acquisition)
    }

    fn serving_cost(&self, a: &Activity) -> Result<Decimal> {
        const OP: &str = "activity-based cost";
        let drivers = [
            (a.orders, self.per_order),
            (a.deliveries, self.per_delivery),
            (a.support_tickets, self.per_support_ticket),
            (a.returns, self.per_return),
        ];
        drivers.iter().try_fold(self.per_period, |acc, &(count, rate)| {
            checked::add(acc, checked::mul(Decimal::from(count), rate, OP)?, OP)
        })
    }
}

/// Cost to serve of one group of customers.
///
/// # Examples
///
/// ```
/// use customer_value::cost::{cost_to_serve_by_group, Activity, FixedCost};
/// use rust_decimal::Decimal;
///
/// // Three customers of two regions, each costing 10 a period to serve.
/// let model = FixedCost::new(Decimal::ZERO, Decimal::TEN);
/// let acts = [Activity::new(Decimal::from(25)), Activity::new(Decimal::from(5)), Activity::new(Decimal::from(40))];
/// let (_, groups) = cost_to_serve_by_group(&model, &["south", "north", "south"], &acts)?;
/// let south = &groups[1]; // groups come in group order: "north", "south"
/// assert_eq!((south.group, south.customers, south.revenue), ("south", 2, Decimal::from(65)));
/// assert_eq!((south.cost, south.cost_per_customer, south.margin), (Decimal::from(20), Decimal::TEN, Decimal::from(45)));
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupCost<G> {
    /// The group.
    pub group: G,
    /// Customers (rows) in the group.
    pub customers: u64,
    /// Total revenue of the group.
    pub revenue: Decimal,
    /// Total serving + risk cost of the group.
    pub cost: Decimal,
    /// Cost per customer (cost / customers), unrounded.
    pub cost_per_customer: Decimal,
    /// Revenue − cost.
    pub margin: Decimal,
}

/// Cost to serve per customer and per group (the analytical-CRM brief): prices each customer's activity
/// with `model` and totals by group, in group order.
///
/// Returns the per-customer costs (in input order) and the per-group totals.
///
/// # Errors
///
/// [`Error::LengthMismatch`] if `groups` and `activities` differ in length;
/// [`Error::Overflow`]; whatever `model` returns.
///
/// # Examples
///
/// ```
/// use customer_value::cost::{cost_to_serve_by_group, Activity, ActivityCost};
/// use rust_decimal::Decimal;
///
/// let abc = ActivityCost::new().with_per_order(Decimal::from(2)).with_per_support_ticket(Decimal::from(10));
/// let acts = [
///     Activity::new(Decimal::from(100)).with_orders(5),
///     Activity::new(Decimal::from(100)).with_orders(1).with_support_tickets(4),
///     Activity::new(Decimal::from(50)).with_orders(2),
/// ];
/// let (per_customer, groups) = cost_to_serve_by_group(&abc, &["online", "phone", "online"], &acts)?;
/// assert_eq!(per_customer, vec![Decimal::from(10), Decimal::from(42), Decimal::from(4)]);
/// assert_eq!(groups[0].group, "online");
/// assert_eq!(groups[0].cost_per_customer, Decimal::from(7));
/// assert_eq!(groups[1].margin, Decimal::from(58));
/// # Ok::<(), customer_value::Error>(())
/// ```
#[allow(clippy::type_complexity)]
pub fn cost_to_serve_by_group<G: Ord + Clone>(
    model: &dyn CostModel,
    groups: &[G],
    activities: &[Activity],
) -> Result<(Vec<Decimal>, Vec<GroupCost<G>>)> {
    if groups.len() != activities.len() {
        return Err(Error::LengthMismatch {
            left: "groups",
            left_len: groups.len(),
            right: "activities",
            right_len: activities.len(),
        });
    }
    let mut per_customer = Vec::with_capacity(activities.len());
    let mut totals: BTreeMap<G, (u64, Decimal, Decimal)> = BTreeMap::new();
    for (g, a) in groups.iter().zip(activities) {
        let cost = model.period_cost(a)?;
        per_customer.push(cost);
        let entry = totals
            .entry(g.clone())
            .or_insert((0, Decimal::ZERO, Decimal::ZERO));
        entry.0 += 1;
        entry.1 = checked::add(entry.1, a.revenue, "group revenue")?;
        entry.2 = checked::add(entry.2, cost, "group cost")?;
    }
    let groups = totals
        .into_iter()
        .map(|(group, (customers, revenue, cost))| {
            Ok(GroupCost {
                group,
                customers,
                revenue,
                cost,
                cost_per_customer: checked::div(cost, Decimal::from(customers), "cost per customer")?,
                margin: checked::sub(revenue, cost, "group margin")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((per_customer, groups))
}

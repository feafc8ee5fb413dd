//! A sum of cost models: e.g. cost of goods + activity-based cost-to-serve + bad debt.

use rust_decimal::Decimal;

use super::{Activity, CostModel};
use crate::clv::checked;
use crate::error::Result;

/// Several cost models whose costs add up.
///
/// # Examples
///
/// ```
/// use customer_value::cost::{Activity, BadDebt, CostModel, CostSum, FixedCost, ProportionalCost};
/// use rust_decimal::Decimal;
///
/// let model = CostSum::new()
///     .with(ProportionalCost::from_margin(Decimal::new(80, 2))?)
///     .with(FixedCost::new(Decimal::from(50), Decimal::from(5)))
///     .with(BadDebt::new(Decimal::new(1, 2))?);
/// let a = Activity::new(Decimal::from(100));
/// assert_eq!(model.acquisition_cost()?, Decimal::from(50));
/// assert_eq!(model.period_cost(&a)?, Decimal::from(26)); // 20 + 5 + 1
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Default)]
pub struct CostSum {
    parts: Vec<Box<dyn CostModel + Send + Sync>>,
}

impl CostSum {
    /// An empty sum (costs nothing).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::cost::{Activity, CostModel, CostSum};
    /// use rust_decimal::Decimal;
    ///
    /// let nothing = CostSum::new();
    /// assert!(nothing.is_empty());
    /// assert_eq!(nothing.period_cost(&Activity::new(Decimal::from(100)))?, Decimal::ZERO);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn new() -> Self {
        CostSum::default()
    }

    /// Adds a model.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::cost::{Activity, CostModel, CostSum, FixedCost};
    /// use rust_decimal::Decimal;
    ///
    /// let two_fees = CostSum::new()
    ///     .with(FixedCost::new(Decimal::ZERO, Decimal::from(3)))
    ///     .with(FixedCost::new(Decimal::ZERO, Decimal::from(4)));
    /// assert_eq!(two_fees.serving_cost(&Activity::new(Decimal::TEN))?, Decimal::from(7));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn with(mut self, model: impl CostModel + Send + Sync + 'static) -> Self {
        self.parts.push(Box::new(model));
        self
    }

    /// Adds a boxed model.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::cost::{Activity, BadDebt, CostModel, CostSum, ProportionalCost};
    /// use rust_decimal::Decimal;
    ///
    /// // Models chosen at run time, e.g. from configuration.
    /// let chosen: Vec<Box<dyn CostModel + Send + Sync>> =
    ///     vec![Box::new(ProportionalCost::new(Decimal::new(30, 2))?), Box::new(BadDebt::new(Decimal::new(2, 2))?)];
    /// let mut sum = CostSum::new();
    /// for model in chosen {
    ///     sum.push(model);
    /// }
    /// assert_eq!(sum.period_cost(&Activity::new(Decimal::from(100)))?, Decimal::from(32)); // 30 + 2
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn push(&mut self, model: Box<dyn CostModel + Send + Sync>) {
        self.parts.push(model);
    }

    /// Number of models in the sum.
    #[must_use]
    pub fn len(&self) -> usize {
        self.parts.len()
    }

    /// Whether the sum has no models.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.parts.is_empty()
    }
}

impl CostModel for CostSum {
    fn acquisition_cost(&self) -> Result<Decimal> {
        self.parts.iter().try_fold(Decimal::ZERO, |acc, m| {
            checked::add(acc, m.acquisition_cost()?, "sum of acquisition costs")
        })
    }

    fn serving_cost(&self, activity: &Activity) -> Result<Decimal> {
        self.parts.iter().try_fold(Decimal::ZERO, |acc, m| {
            checked::add(acc, m.serving_cost(activity)?, "sum of serving costs")
        })
    }

    fn risk_cost(&self, activity: &Activity) -> Result<Decimal> {
        self.parts.iter().try_fold(Decimal::ZERO, |acc, m| {
            checked::add(acc, m.risk_cost(activity)?, "sum of risk costs")
        })
    }
}

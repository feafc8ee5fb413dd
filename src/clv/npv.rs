//! The CLV-components brief's relationship value: the net present value of acquisition cost, revenue
//! stream and cost stream over the relationship's expected length.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::checked;
use super::weights::{DiscountWeights, Timing};
use crate::cost::{Activity, CostModel};
use crate::error::Result;
use crate::retention::RetentionModel;
use crate::revenue::RevenueStream;

/// A customer relationship by the CLV-components brief's four components; the fourth, relationship
/// length, is the retention model and horizon it is valued with.
///
/// # Examples
///
/// ```
/// use customer_value::clv::{Relationship, Timing};
/// use customer_value::retention::ConstantRetention;
/// use customer_value::RevenueStream;
/// use rust_decimal::Decimal;
///
/// let rel = Relationship::new(
///     Decimal::from(50),
///     RevenueStream::Constant(Decimal::from(150)),
///     RevenueStream::Constant(Decimal::from(50)),
/// );
/// let v = rel.value(&ConstantRetention::new(0.8)?, 0.1, 5, Timing::EndOfPeriod)?;
/// assert_eq!(v.clv.round_dp(2), Decimal::new(16241, 2)); // 212.41 − 50
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Relationship {
    /// One-off cost of winning the customer, paid at time 0 (not discounted, not
    /// survival-weighted).
    pub acquisition_cost: Decimal,
    /// Revenue of periods 1, 2, ….
    pub revenue: RevenueStream,
    /// Cost of serving the customer in periods 1, 2, ….
    pub cost: RevenueStream,
}

/// The parts of a relationship's NPV; `clv = discounted_revenue − discounted_cost −
/// acquisition_cost` exactly.
///
/// # Examples
///
/// ```
/// use customer_value::clv::{Relationship, Timing};
/// use customer_value::retention::ConstantRetention;
/// use customer_value::RevenueStream;
/// use rust_decimal::Decimal;
///
/// // No churn and no discounting: three periods of 150 revenue and 50 cost, 50 to acquire.
/// let rel = Relationship::new(
///     Decimal::from(50),
///     RevenueStream::Constant(Decimal::from(150)),
///     RevenueStream::Constant(Decimal::from(50)),
/// );
/// let v = rel.value(&ConstantRetention::new(1.0)?, 0.0, 3, Timing::EndOfPeriod)?;
/// assert_eq!((v.discounted_revenue, v.discounted_cost), (Decimal::from(450), Decimal::from(150)));
/// assert_eq!(v.clv, v.discounted_revenue - v.discounted_cost - v.acquisition_cost);
/// assert_eq!(v.clv, Decimal::from(250));
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct NpvBreakdown {
    /// Acquisition cost (time 0).
    pub acquisition_cost: Decimal,
    /// Σ revenueₖ · wₖ.
    pub discounted_revenue: Decimal,
    /// Σ costₖ · wₖ.
    pub discounted_cost: Decimal,
    /// The customer lifetime value.
    pub clv: Decimal,
}

impl NpvBreakdown {
    /// Value before acquisition: discounted revenue − discounted cost, the most it is
    /// worth paying to acquire the customer (break-even CAC).
    ///
    /// # Errors
    ///
    /// [`Error::Overflow`](crate::Error::Overflow).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::clv::{Relationship, Timing};
    /// use customer_value::retention::ConstantRetention;
    /// use customer_value::RevenueStream;
    /// use rust_decimal::Decimal;
    ///
    /// let rel = Relationship::new(
    ///     Decimal::from(50),
    ///     RevenueStream::Constant(Decimal::from(150)),
    ///     RevenueStream::Constant(Decimal::from(50)),
    /// );
    /// let v = rel.value(&ConstantRetention::new(1.0)?, 0.0, 3, Timing::EndOfPeriod)?;
    /// // 450 − 150: paying up to 300 to win this customer breaks even.
    /// assert_eq!(v.value_before_acquisition()?, Decimal::from(300));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn value_before_acquisition(&self) -> Result<Decimal> {
        checked::sub_rounded(
            self.discounted_revenue,
            self.discounted_cost,
            "value before acquisition",
        )
    }
}

impl Relationship {
    /// A relationship from its acquisition cost and revenue and cost streams.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::clv::Relationship;
    /// use customer_value::RevenueStream;
    /// use rust_decimal::Decimal;
    ///
    /// // Revenue growing 5 % a period from 100, a flat serving cost of 20.
    /// let rel = Relationship::new(
    ///     Decimal::from(40),
    ///     RevenueStream::Growing { first: Decimal::from(100), rate: Decimal::new(5, 2) },
    ///     RevenueStream::Constant(Decimal::from(20)),
    /// );
    /// assert_eq!(rel.acquisition_cost, Decimal::from(40));
    /// ```
    #[must_use]
    pub fn new(acquisition_cost: Decimal, revenue: RevenueStream, cost: RevenueStream) -> Self {
        Relationship {
            acquisition_cost,
            revenue,
            cost,
        }
    }

    /// A relationship whose costs come from a [`CostModel`] pricing a planned activity per
    /// period (revenue of the period included); acquisition cost from the model too.
    ///
    /// # Errors
    ///
    /// Whatever the model returns.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::clv::Relationship;
    /// use customer_value::cost::{Activity, ActivityCost};
    /// use customer_value::RevenueStream;
    /// use rust_decimal::Decimal;
    ///
    /// let abc = ActivityCost::new().with_acquisition(Decimal::from(30)).with_per_order(Decimal::from(4));
    /// let plan = vec![Activity::new(Decimal::from(100)).with_orders(2); 3];
    /// let rel = Relationship::from_activities(&abc, &plan)?;
    /// assert_eq!(rel.cost, RevenueStream::Series(vec![Decimal::from(8); 3]));
    /// assert_eq!(rel.acquisition_cost, Decimal::from(30));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn from_activities(model: &dyn CostModel, activities: &[Activity]) -> Result<Self> {
        let revenue = activities.iter().map(|a| a.revenue).collect();
        let cost = activities
            .iter()
            .map(|a| model.period_cost(a))
            .collect::<Result<Vec<_>>>()?;
        Ok(Relationship {
            acquisition_cost: model.acquisition_cost()?,
            revenue: RevenueStream::Series(revenue),
            cost: RevenueStream::Series(cost),
        })
    }

    /// The NPV with precomputed weights (share them across customers).
    ///
    /// # Errors
    ///
    /// [`Error::Overflow`](crate::Error::Overflow); errors of the streams.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::clv::{DiscountWeights, Relationship, Timing};
    /// use customer_value::retention::ConstantRetention;
    /// use customer_value::RevenueStream;
    /// use rust_decimal::Decimal;
    ///
    /// // One set of weights (retention × discount) for a whole book of customers.
    /// let retention = ConstantRetention::new(0.8)?;
    /// let weights = DiscountWeights::new(&retention, 0.1, 10, Timing::EndOfPeriod)?;
    /// let book = [(50, 150, 50), (20, 60, 25)].map(|(acq, rev, cost)| {
    ///     Relationship::new(
    ///         Decimal::from(acq),
    ///         RevenueStream::Constant(Decimal::from(rev)),
    ///         RevenueStream::Constant(Decimal::from(cost)),
    ///     )
    /// });
    /// for rel in &book {
    ///     assert_eq!(rel.npv(&weights)?, rel.value(&retention, 0.1, 10, Timing::EndOfPeriod)?);
    /// }
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn npv(&self, weights: &DiscountWeights) -> Result<NpvBreakdown> {
        let discounted_revenue = weights.present_value_of(&self.revenue)?;
        let discounted_cost = weights.present_value_of(&self.cost)?;
        // Present values are rounded products: their difference may round too.
        let before = checked::sub_rounded(discounted_revenue, discounted_cost, "CLV")?;
        Ok(NpvBreakdown {
            acquisition_cost: self.acquisition_cost,
            discounted_revenue,
            discounted_cost,
            clv: checked::sub_rounded(before, self.acquisition_cost, "CLV")?,
        })
    }

    /// The NPV over `horizon` periods with survival from `retention` and discount rate
    /// `discount` per period.
    ///
    /// # Errors
    ///
    /// As [`DiscountWeights::new`] and [`npv`](Self::npv).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::clv::{Relationship, Timing};
    /// use customer_value::retention::ConstantRetention;
    /// use customer_value::RevenueStream;
    /// use rust_decimal::Decimal;
    ///
    /// let rel = Relationship::new(
    ///     Decimal::ZERO,
    ///     RevenueStream::Constant(Decimal::from(100)),
    ///     RevenueStream::Constant(Decimal::ZERO),
    /// );
    /// let retention = ConstantRetention::new(0.9)?;
    /// let short = rel.value(&retention, 0.1, 5, Timing::EndOfPeriod)?;
    /// let long = rel.value(&retention, 0.1, 50, Timing::EndOfPeriod)?;
    /// assert!(short.clv < long.clv);
    /// // Without discounting the value grows; with a discount rate it is worth less.
    /// assert!(rel.value(&retention, 0.0, 5, Timing::EndOfPeriod)?.clv > short.clv);
    /// assert!(rel.value(&retention, f64::NAN, 5, Timing::EndOfPeriod).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn value(
        &self,
        retention: &dyn RetentionModel,
        discount: f64,
        horizon: u32,
        timing: Timing,
    ) -> Result<NpvBreakdown> {
        self.npv(&DiscountWeights::new(retention, discount, horizon, timing)?)
    }
}

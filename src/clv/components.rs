//! The CLV-and-churn brief's components of customer value: base, growth, networking and learning
//! potential, as an exact breakdown that sums to the total.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::checked;
use crate::cost::{Activity, CostModel};
use crate::error::{Error, Result};
use crate::transaction::TransactionColumns;

/// A customer's value split into the CLV-and-churn brief's four potentials.
///
/// * `base` — realised: past revenue − all past costs ([`base_potential`]);
/// * `growth` — future: the present value of the coming margins, e.g. from a growing
///   [`RevenueStream`](crate::RevenueStream) valued with
///   [`DiscountWeights`](super::DiscountWeights) or a [`Relationship`](super::Relationship);
/// * `networking` — referrals ([`referral_value`]);
/// * `learning` — knowledge the firm gains, valued by the caller.
///
/// # Examples
///
/// ```
/// use customer_value::clv::ValueComponents;
/// use rust_decimal::Decimal;
///
/// let v = ValueComponents { base: Decimal::from(300), growth: Decimal::new(21241, 2), ..Default::default() };
/// assert_eq!(v.total()?, Decimal::new(51241, 2));
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValueComponents {
    /// Past revenue − past costs.
    pub base: Decimal,
    /// Present value of future margins.
    pub growth: Decimal,
    /// Value of referrals.
    pub networking: Decimal,
    /// Caller-valued learning.
    pub learning: Decimal,
}

impl ValueComponents {
    /// A breakdown from its four parts.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::clv::ValueComponents;
    /// use rust_decimal::Decimal;
    ///
    /// let v = ValueComponents::new(Decimal::from(300), Decimal::from(200), Decimal::from(40), Decimal::ZERO);
    /// assert_eq!(v.networking, Decimal::from(40));
    /// assert_eq!(v.total()?, Decimal::from(540));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn new(base: Decimal, growth: Decimal, networking: Decimal, learning: Decimal) -> Self {
        ValueComponents {
            base,
            growth,
            networking,
            learning,
        }
    }

    /// base + growth + networking + learning, exact.
    ///
    /// # Errors
    ///
    /// [`Error::Overflow`].
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::clv::ValueComponents;
    /// use rust_decimal::Decimal;
    ///
    /// // A customer who has cost more than they brought so far can still be worth keeping.
    /// let v = ValueComponents { base: Decimal::from(-120), growth: Decimal::from(300), ..Default::default() };
    /// assert_eq!(v.total()?, Decimal::from(180));
    /// let huge = ValueComponents { base: Decimal::MAX, growth: Decimal::MAX, ..Default::default() };
    /// assert!(huge.total().is_err()); // overflow is an error, not a wrap
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn total(&self) -> Result<Decimal> {
        checked::sum(
            [self.base, self.growth, self.networking, self.learning],
            "value components",
        )
    }
}

/// Base potential of one customer: Σ past revenue − (acquisition cost + Σ period costs),
/// each past period priced by `model`.
///
/// # Errors
///
/// [`Error::Overflow`]; whatever `model` returns.
///
/// # Examples
///
/// ```
/// use customer_value::clv::base_potential;
/// use customer_value::cost::{Activity, FixedCost};
/// use rust_decimal::Decimal;
///
/// // The profitability brief, customer A over one year: 12,000,000 revenue, 1,000,000 to acquire and retain.
/// let model = FixedCost::new(Decimal::from(400_000), Decimal::from(600_000));
/// let year = [Activity::new(Decimal::from(12_000_000)).with_orders(3)];
/// assert_eq!(base_potential(&year, &model)?, Decimal::from(11_000_000));
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn base_potential(past: &[Activity], model: &dyn CostModel) -> Result<Decimal> {
    past.iter().try_fold(
        checked::sub(Decimal::ZERO, model.acquisition_cost()?, "base potential")?,
        |acc, a| checked::add(acc, model.margin(a)?, "base potential"),
    )
}

/// Base potential of every customer of a transaction log: each customer's whole history
/// is one [`Activity`] (revenue = Σ amounts, orders = rows ≥ 0, returns = rows < 0)
/// priced by `model`, minus its acquisition cost. Customers in key order.
///
/// # Errors
///
/// [`Error::Overflow`] (as [`Error::InvalidRow`] naming the row for the revenue sums);
/// whatever `model` returns.
///
/// # Examples
///
/// ```
/// use chrono::NaiveDate;
/// use customer_value::clv::base_potential_by_customer;
/// use customer_value::cost::ActivityCost;
/// use customer_value::TransactionColumns;
/// use rust_decimal::Decimal;
///
/// let day = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
/// let ids = [1_u32, 2, 1];
/// let amounts = [Decimal::from(100), Decimal::from(40), Decimal::from(-20)];
/// let days = [day; 3];
/// let log = TransactionColumns::new(&ids, &days, &amounts)?;
/// let abc = ActivityCost::new().with_per_order(Decimal::from(5)).with_per_return(Decimal::from(8));
/// let base = base_potential_by_customer(&log, &abc)?;
/// assert_eq!(base, vec![(1, Decimal::from(67)), (2, Decimal::from(35))]);
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn base_potential_by_customer<K: Ord + Clone, D>(
    log: &TransactionColumns<'_, K, D>,
    model: &dyn CostModel,
) -> Result<Vec<(K, Decimal)>> {
    let mut per: BTreeMap<K, Activity> = BTreeMap::new();
    for (row, (k, _, amount)) in log.iter().enumerate() {
        let a = per.entry(k.clone()).or_default();
        a.revenue = a.revenue.checked_add(*amount).ok_or_else(|| Error::InvalidRow {
            row: row as u64,
            reason: "customer revenue overflows Decimal".into(),
        })?;
        if amount.is_sign_negative() && !amount.is_zero() {
            a.returns += 1;
        } else {
            a.orders += 1;
        }
    }
    per.into_iter()
        .map(|(k, a)| Ok((k, base_potential(&[a], model)?)))
        .collect()
}

/// One referred customer, for the referrer's networking potential.
///
/// In the spirit of Kumar, Petersen & Leone's customer referral value (CRV): a referral
/// is worth the margin of a customer who would not have come otherwise, plus the
/// acquisition cost the firm saved, minus the reward it paid for it. Amounts are present
/// values (pass the referred customer's CLV before acquisition as `margin`).
///
/// # Examples
///
/// ```
/// use customer_value::clv::Referral;
/// use rust_decimal::Decimal;
///
/// let r = Referral::new(Decimal::from(400), true).with_acquisition_saving(Decimal::from(60));
/// assert_eq!(r.value()?, Decimal::from(460));
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Referral {
    /// Present value of the referred customer's margins.
    pub margin: Decimal,
    /// Whether the customer came only because of the referral (Kumar's "would not have
    /// joined otherwise"); if not, only the acquisition saving counts.
    pub incremental: bool,
    /// Acquisition cost the firm did not spend because of the referral.
    pub acquisition_saving: Decimal,
    /// Reward paid to the referrer.
    pub reward: Decimal,
}

impl Referral {
    /// A referral of a customer worth `margin`.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::clv::Referral;
    /// use rust_decimal::Decimal;
    ///
    /// // A friend who would have joined anyway: the margin does not count.
    /// let r = Referral::new(Decimal::from(400), false);
    /// assert_eq!(r.value()?, Decimal::ZERO);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn new(margin: Decimal, incremental: bool) -> Self {
        Referral {
            margin,
            incremental,
            ..Referral::default()
        }
    }

    /// Sets the acquisition saving.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::clv::Referral;
    /// use rust_decimal::Decimal;
    ///
    /// let r = Referral::new(Decimal::from(400), false).with_acquisition_saving(Decimal::from(60));
    /// assert_eq!(r.value()?, Decimal::from(60)); // only the saving counts
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn with_acquisition_saving(mut self, saving: Decimal) -> Self {
        self.acquisition_saving = saving;
        self
    }

    /// Sets the reward paid.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::clv::Referral;
    /// use rust_decimal::Decimal;
    ///
    /// let r = Referral::new(Decimal::from(400), true).with_reward(Decimal::from(25));
    /// assert_eq!(r.value()?, Decimal::from(375));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn with_reward(mut self, reward: Decimal) -> Self {
        self.reward = reward;
        self
    }

    /// (margin if incremental) + acquisition saving − reward.
    ///
    /// # Errors
    ///
    /// [`Error::Overflow`].
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::clv::Referral;
    /// use rust_decimal::Decimal;
    ///
    /// // 400 + 60 − 25, by the formula above.
    /// let r = Referral::new(Decimal::from(400), true)
    ///     .with_acquisition_saving(Decimal::from(60))
    ///     .with_reward(Decimal::from(25));
    /// assert_eq!(r.value()?, Decimal::from(435));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn value(&self) -> Result<Decimal> {
        let margin = if self.incremental {
            self.margin
        } else {
            Decimal::ZERO
        };
        checked::sub(
            checked::add(margin, self.acquisition_saving, "referral value")?,
            self.reward,
            "referral value",
        )
    }
}

/// Networking potential: the sum of the referrals' values.
///
/// # Errors
///
/// [`Error::Overflow`].
///
/// # Examples
///
/// ```
/// use customer_value::clv::{referral_value, Referral};
/// use rust_decimal::Decimal;
///
/// let refs = [
///     Referral::new(Decimal::from(400), true).with_reward(Decimal::from(20)),
///     Referral::new(Decimal::from(900), false).with_acquisition_saving(Decimal::from(60)),
/// ];
/// assert_eq!(referral_value(&refs)?, Decimal::from(440));
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn referral_value(referrals: &[Referral]) -> Result<Decimal> {
    referrals.iter().try_fold(Decimal::ZERO, |acc, r| {
        checked::add(acc, r.value()?, "referral value")
    })
}

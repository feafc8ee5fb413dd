//! Program economics for two of the loyalty brief's program kinds: paid membership (fee, benefit
//! cost, members' incremental margin → ROI) and value-based programs (a donation per
//! amount spent → accrual report).

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

fn overflow() -> Error {
    Error::Overflow {
        op: "program economics",
    }
}

/// A paid membership over one period.
///
/// ROI = (fees + incremental margin − benefit cost − fixed cost) / (benefit cost + fixed
/// cost): the return on what the program costs to run.
///
/// # Examples
///
/// ```
/// use customer_value::loyalty::PaidMembership;
/// use rust_decimal::Decimal;
///
/// let m = PaidMembership {
///     members: 1_000,
///     fee: Decimal::from(10),                  // per member per period
///     benefit_cost: Decimal::from(12),         // per member
///     incremental_margin: Decimal::from(8),    // extra margin per member vs non-members
///     fixed_cost: Decimal::from(2_000),
/// };
/// assert_eq!(m.net_gain()?, Decimal::from(4_000)); // 10,000 + 8,000 − 12,000 − 2,000
/// assert_eq!(m.roi()?, Some(Decimal::new(28_571, 5))); // 4,000 / 14,000
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaidMembership {
    /// Paying members.
    pub members: u64,
    /// Fee per member.
    pub fee: Decimal,
    /// Cost of the benefits per member.
    pub benefit_cost: Decimal,
    /// Members' incremental margin per member (over comparable non-members).
    pub incremental_margin: Decimal,
    /// Fixed cost of running the program.
    pub fixed_cost: Decimal,
}

impl PaidMembership {
    fn cost(&self) -> Result<Decimal> {
        Decimal::from(self.members)
            .checked_mul(self.benefit_cost)
            .and_then(|c| c.checked_add(self.fixed_cost))
            .ok_or_else(overflow)
    }

    /// Fees + incremental margin − costs.
    ///
    /// # Errors
    ///
    /// [`Error::Overflow`].
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::loyalty::PaidMembership;
    /// use rust_decimal::Decimal;
    ///
    /// // 200 members paying 5 whose benefits cost 9 each and who bring no extra margin: a loss.
    /// let m = PaidMembership { members: 200, fee: Decimal::from(5), benefit_cost: Decimal::from(9),
    ///     incremental_margin: Decimal::ZERO, fixed_cost: Decimal::from(500) };
    /// assert_eq!(m.net_gain()?, Decimal::from(-1_300)); // 1,000 − 1,800 − 500
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn net_gain(&self) -> Result<Decimal> {
        let n = Decimal::from(self.members);
        n.checked_mul(self.fee)
            .and_then(|f| f.checked_add(n.checked_mul(self.incremental_margin)?))
            .and_then(|g| g.checked_sub(self.cost().ok()?))
            .ok_or_else(overflow)
    }

    /// Net gain / cost, rounded to 5 decimal places; `None` if the program costs nothing.
    ///
    /// # Errors
    ///
    /// [`Error::Overflow`].
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::loyalty::PaidMembership;
    /// use rust_decimal::Decimal;
    ///
    /// let m = PaidMembership { members: 200, fee: Decimal::from(5), benefit_cost: Decimal::from(9),
    ///     incremental_margin: Decimal::ZERO, fixed_cost: Decimal::from(500) };
    /// assert_eq!(m.roi()?, Some(Decimal::new(-56_522, 5))); // −1,300 / 2,300 = −0.565217…
    /// let free = PaidMembership { benefit_cost: Decimal::ZERO, fixed_cost: Decimal::ZERO, ..m };
    /// assert_eq!(free.roi()?, None); // nothing spent: no return to speak of
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn roi(&self) -> Result<Option<Decimal>> {
        let cost = self.cost()?;
        if cost.is_zero() {
            return Ok(None);
        }
        Ok(Some(
            self.net_gain()?
                .checked_div(cost)
                .ok_or_else(overflow)?
                .round_dp(5),
        ))
    }
}

/// Whether a value pledge counts each order alone or a customer's cumulative spend.
///
/// # Examples
///
/// ```
/// use customer_value::loyalty::{PledgeBasis, ValuePledge};
/// use rust_decimal::Decimal;
///
/// // The variant docs' case: two orders of 30,000 against a 5,000-per-50,000 pledge.
/// let orders = [Decimal::from(30_000); 2];
/// let cumulative = ValuePledge::new(Decimal::from(50_000), Decimal::from(5_000), PledgeBasis::Cumulative)?;
/// let per_order = ValuePledge::new(Decimal::from(50_000), Decimal::from(5_000), PledgeBasis::PerOrder)?;
/// assert_eq!((cumulative.accrue(&orders)?, per_order.accrue(&orders)?), (Decimal::from(5_000), Decimal::ZERO));
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PledgeBasis {
    /// Cumulative spend: 30,000 then 30,000 reach one 50,000 step.
    #[default]
    Cumulative,
    /// Each order alone: 30,000 then 30,000 reach none.
    PerOrder,
}

/// A value-based program: `donation` for every full `per_spend` spent (the loyalty brief: 5,000
/// for every 50,000).
///
/// # Examples
///
/// ```
/// use customer_value::loyalty::{PledgeBasis, ValuePledge};
/// use rust_decimal::Decimal;
///
/// let pledge = ValuePledge::new(Decimal::from(50_000), Decimal::from(5_000), PledgeBasis::Cumulative)?;
/// let orders = [Decimal::from(30_000), Decimal::from(30_000), Decimal::from(45_000)];
/// assert_eq!(pledge.accrue(&orders)?, Decimal::from(10_000)); // 105,000 → 2 steps
/// let per_order = ValuePledge { basis: PledgeBasis::PerOrder, ..pledge };
/// assert_eq!(per_order.accrue(&orders)?, Decimal::ZERO);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValuePledge {
    /// The spend that triggers one donation; positive.
    pub per_spend: Decimal,
    /// The donation per step; ≥ 0.
    pub donation: Decimal,
    /// How spend is counted.
    pub basis: PledgeBasis,
}

impl ValuePledge {
    /// A validated pledge.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] unless `per_spend > 0` and `donation ≥ 0`.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::loyalty::{PledgeBasis, ValuePledge};
    /// use rust_decimal::Decimal;
    ///
    /// assert!(ValuePledge::new(Decimal::ZERO, Decimal::ONE, PledgeBasis::default()).is_err());
    /// assert!(ValuePledge::new(Decimal::TEN, -Decimal::ONE, PledgeBasis::default()).is_err());
    /// ```
    pub fn new(per_spend: Decimal, donation: Decimal, basis: PledgeBasis) -> Result<Self> {
        if per_spend <= Decimal::ZERO {
            return Err(Error::param("per_spend", per_spend, "must be positive"));
        }
        if donation < Decimal::ZERO {
            return Err(Error::param("donation", donation, "must be ≥ 0"));
        }
        Ok(ValuePledge {
            per_spend,
            donation,
            basis,
        })
    }

    /// Donations accrued on one customer's order amounts (negative amounts reduce a
    /// cumulative total; ignored per order).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] if `per_spend ≤ 0`; [`Error::Overflow`].
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::loyalty::{PledgeBasis, ValuePledge};
    /// use rust_decimal::Decimal;
    ///
    /// // A refund of 20,000 takes 110,000 of spend back below two full steps of 50,000.
    /// let pledge = ValuePledge::new(Decimal::from(50_000), Decimal::from(5_000), PledgeBasis::Cumulative)?;
    /// let orders = [Decimal::from(60_000), Decimal::from(50_000), Decimal::from(-20_000)];
    /// assert_eq!(pledge.accrue(&orders)?, Decimal::from(5_000)); // ⌊90,000 / 50,000⌋ = 1
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn accrue(&self, orders: &[Decimal]) -> Result<Decimal> {
        if self.per_spend <= Decimal::ZERO {
            return Err(Error::param("per_spend", self.per_spend, "must be positive"));
        }
        let steps = |x: Decimal| -> Result<Decimal> {
            Ok(x.checked_div(self.per_spend)
                .ok_or_else(overflow)?
                .floor()
                .max(Decimal::ZERO))
        };
        let n = match self.basis {
            PledgeBasis::Cumulative => steps(
                orders
                    .iter()
                    .try_fold(Decimal::ZERO, |a, &o| a.checked_add(o))
                    .ok_or_else(overflow)?,
            )?,
            PledgeBasis::PerOrder => orders
                .iter()
                .map(|&o| steps(o))
                .try_fold(Decimal::ZERO, |a, s| a.checked_add(s?).ok_or_else(overflow))?,
        };
        n.checked_mul(self.donation).ok_or_else(overflow)
    }
}

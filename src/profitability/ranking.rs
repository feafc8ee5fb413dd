//! Ranking a customer base by profit and classifying it (the profitability brief's "prioritise"):
//! profitable, marginal, loss-making, and what the loss-makers cost.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::money::{exact_add, exact_sub};

/// A customer's profitability class.
///
/// # Examples
///
/// ```
/// use customer_value::profitability::{ClassThresholds, ProfitClass};
/// use rust_decimal::Decimal;
///
/// // The default thresholds: negative is loss-making, nothing is marginal.
/// let t = ClassThresholds::default();
/// assert_eq!(t.classify(Decimal::new(-1, 2)), ProfitClass::LossMaking);
/// assert_eq!(t.classify(Decimal::ZERO), ProfitClass::Profitable);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ProfitClass {
    /// Net profit at or above the marginal threshold.
    Profitable,
    /// Net profit between the loss and the marginal thresholds.
    Marginal,
    /// Net profit below the loss threshold (by default: negative).
    LossMaking,
}

/// Where the classes start: net < `loss_below` is loss-making, net < `marginal_below`
/// marginal, anything else profitable.
///
/// # Examples
///
/// ```
/// use customer_value::profitability::{ClassThresholds, ProfitClass};
/// use rust_decimal::Decimal;
///
/// let t = ClassThresholds::new(Decimal::ZERO, Decimal::from(100))?;
/// assert_eq!(t.classify(Decimal::from(-1)), ProfitClass::LossMaking);
/// assert_eq!(t.classify(Decimal::from(40)), ProfitClass::Marginal);
/// assert_eq!(t.classify(Decimal::from(100)), ProfitClass::Profitable);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassThresholds {
    loss_below: Decimal,
    marginal_below: Decimal,
}

impl ClassThresholds {
    /// Thresholds with `loss_below ≤ marginal_below`. The default is (0, 0): negative is
    /// loss-making, nothing is marginal.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] if `loss_below > marginal_below`.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::profitability::ClassThresholds;
    /// use rust_decimal::Decimal;
    ///
    /// assert!(ClassThresholds::new(Decimal::from(-50), Decimal::from(50)).is_ok());
    /// assert!(ClassThresholds::new(Decimal::from(50), Decimal::from(-50)).is_err());
    /// ```
    pub fn new(loss_below: Decimal, marginal_below: Decimal) -> Result<Self> {
        if loss_below > marginal_below {
            return Err(Error::param(
                "loss_below",
                loss_below,
                "must not exceed marginal_below",
            ));
        }
        Ok(ClassThresholds {
            loss_below,
            marginal_below,
        })
    }

    /// The class of a net profit.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::profitability::{ClassThresholds, ProfitClass};
    /// use rust_decimal::Decimal;
    ///
    /// let t = ClassThresholds::new(Decimal::from(-20), Decimal::from(20))?;
    /// assert_eq!(t.classify(Decimal::from(-20)), ProfitClass::Marginal); // the bound belongs above
    /// assert_eq!(t.classify(Decimal::from(-21)), ProfitClass::LossMaking);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn classify(&self, net_profit: Decimal) -> ProfitClass {
        if net_profit < self.loss_below {
            ProfitClass::LossMaking
        } else if net_profit < self.marginal_below {
            ProfitClass::Marginal
        } else {
            ProfitClass::Profitable
        }
    }
}

/// One customer in a ranking.
///
/// # Examples
///
/// ```
/// use customer_value::profitability::{rank_by_profit, ClassThresholds, ProfitClass};
/// use rust_decimal::Decimal;
///
/// let r = rank_by_profit(&["a", "b"], &[Decimal::from(-5), Decimal::from(5)], ClassThresholds::default())?;
/// let top = &r.customers[0];
/// assert_eq!((top.rank, top.customer, top.class), (1, "b", ProfitClass::Profitable));
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RankedCustomer<K> {
    /// 1-based rank, 1 = most profitable. Ties get consecutive ranks in input order.
    pub rank: usize,
    /// The customer.
    pub customer: K,
    /// Net profit.
    pub net_profit: Decimal,
    /// Class by the thresholds.
    pub class: ProfitClass,
}

/// A customer base ranked by net profit, with class counts and the profit the
/// loss-making customers destroy.
///
/// # Examples
///
/// ```
/// use customer_value::profitability::{rank_by_profit, ClassThresholds};
/// use rust_decimal::Decimal;
///
/// let nets = [Decimal::from(300), Decimal::from(-100), Decimal::from(50)];
/// let r = rank_by_profit(&[1, 2, 3], &nets, ClassThresholds::default())?;
/// // Without the one loss-maker the base would make 350 instead of 250.
/// assert_eq!((r.total_profit, r.profit_without_loss_makers, r.profit_destroyed),
///     (Decimal::from(250), Decimal::from(350), Decimal::from(100)));
/// assert_eq!((r.profitable, r.marginal, r.loss_making), (2, 0, 1));
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ProfitabilityRanking<K> {
    /// Customers, most profitable first.
    pub customers: Vec<RankedCustomer<K>>,
    /// Number of profitable customers.
    pub profitable: usize,
    /// Number of marginal customers.
    pub marginal: usize,
    /// Number of loss-making customers.
    pub loss_making: usize,
    /// Σ net profit of all customers.
    pub total_profit: Decimal,
    /// Σ net profit of the customers that are not loss-making: the profit the base would
    /// make without the loss-makers.
    pub profit_without_loss_makers: Decimal,
    /// −Σ net profit of the loss-making customers (≥ 0 with the default thresholds).
    pub profit_destroyed: Decimal,
}

impl<K> ProfitabilityRanking<K> {
    /// Share of customers that are loss-making, in [0, 1]; 0 for an empty base.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::profitability::{rank_by_profit, ClassThresholds};
    /// use rust_decimal::Decimal;
    ///
    /// let nets = [Decimal::from(10), Decimal::from(-1), Decimal::from(-2), Decimal::from(3)];
    /// let r = rank_by_profit(&[1, 2, 3, 4], &nets, ClassThresholds::default())?;
    /// assert_eq!(r.loss_making_share(), 0.5);
    /// let empty = rank_by_profit::<u32>(&[], &[], ClassThresholds::default())?;
    /// assert_eq!(empty.loss_making_share(), 0.0);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn loss_making_share(&self) -> f64 {
        if self.customers.is_empty() {
            0.0
        } else {
            self.loss_making as f64 / self.customers.len() as f64
        }
    }
}

/// Ranks customers by net profit (highest first, stable for ties) and classifies them.
///
/// # Errors
///
/// [`Error::LengthMismatch`] if the columns differ in length; [`Error::Overflow`] if a
/// total overflows or `Decimal` could hold it only rounded (totals are exact, in any order).
///
/// # Examples
///
/// ```
/// use customer_value::profitability::{rank_by_profit, ClassThresholds, ProfitClass};
/// use rust_decimal::Decimal;
///
/// let nets = [Decimal::from(50), Decimal::from(-30), Decimal::from(500), Decimal::from(-10)];
/// let r = rank_by_profit(&[1, 2, 3, 4], &nets, ClassThresholds::new(Decimal::ZERO, Decimal::from(100))?)?;
/// assert_eq!(r.customers[0].customer, 3);
/// assert_eq!(r.customers[1].class, ProfitClass::Marginal);
/// assert_eq!(r.loss_making, 2);
/// assert_eq!(r.profit_destroyed, Decimal::from(40));
/// assert_eq!(r.total_profit, Decimal::from(510));
/// assert!((r.loss_making_share() - 0.5).abs() < 1e-12);
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn rank_by_profit<K: Clone>(
    customers: &[K],
    net_profit: &[Decimal],
    thresholds: ClassThresholds,
) -> Result<ProfitabilityRanking<K>> {
    if customers.len() != net_profit.len() {
        return Err(Error::LengthMismatch {
            left: "customers",
            left_len: customers.len(),
            right: "net_profit",
            right_len: net_profit.len(),
        });
    }
    let mut pairs: Vec<(&K, Decimal)> = customers.iter().zip(net_profit.iter().copied()).collect();
    pairs.sort_by_key(|p| std::cmp::Reverse(p.1));
    let (mut profitable, mut marginal, mut loss_making) = (0, 0, 0);
    let (mut total, mut kept, mut destroyed) = (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO);
    let mut ranked = Vec::with_capacity(pairs.len());
    for (i, (k, net)) in pairs.into_iter().enumerate() {
        let class = thresholds.classify(net);
        // Exact sums or an error: a rounded total would depend on the order of the rows.
        total = exact_add(total, net, "total profit")?;
        match class {
            ProfitClass::Profitable => profitable += 1,
            ProfitClass::Marginal => marginal += 1,
            ProfitClass::LossMaking => loss_making += 1,
        }
        if class == ProfitClass::LossMaking {
            destroyed = exact_sub(destroyed, net, "profit destroyed")?;
        } else {
            kept = exact_add(kept, net, "profit without loss-makers")?;
        }
        ranked.push(RankedCustomer {
            rank: i + 1,
            customer: k.clone(),
            net_profit: net,
            class,
        });
    }
    Ok(ProfitabilityRanking {
        customers: ranked,
        profitable,
        marginal,
        loss_making,
        total_profit: total,
        profit_without_loss_makers: kept,
        profit_destroyed: destroyed,
    })
}

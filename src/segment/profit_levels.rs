//! Profitability segments: customers classed by profit level with the caller's thresholds
//! (the "customer pyramid" of Zeithaml, Rust & Lemon 2001: platinum, gold, iron, lead),
//! and ranked by profit.
//!
//! Profit is money (`Decimal`), typically net customer profitability = revenue − costs
//! attributed to the customer (acquisition, service, support).

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::money;

/// A level: customers with profit at least `min_profit` (and below the level above).
///
/// # Examples
///
/// ```
/// use customer_value::segment::{ProfitLevel, ProfitLevels};
/// use rust_decimal::Decimal;
///
/// let levels = ProfitLevels::new(
///     vec![ProfitLevel::new("Keep", Decimal::from(100)), ProfitLevel::new("Grow", Decimal::ZERO)],
///     "Fix",
/// )?;
/// assert_eq!(levels.name(levels.level_of(Decimal::from(100))), Some("Keep")); // thresholds are inclusive
/// assert_eq!(levels.name(levels.level_of(Decimal::from(-1))), Some("Fix"));
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfitLevel {
    /// Level name.
    pub name: String,
    /// Lowest profit in the level.
    pub min_profit: Decimal,
}

impl ProfitLevel {
    /// A level.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::segment::ProfitLevel;
    /// use rust_decimal::Decimal;
    ///
    /// let gold = ProfitLevel::new("Gold", Decimal::from(1_000));
    /// assert_eq!((gold.name.as_str(), gold.min_profit), ("Gold", Decimal::from(1_000)));
    /// ```
    #[must_use]
    pub fn new(name: impl Into<String>, min_profit: Decimal) -> Self {
        ProfitLevel {
            name: name.into(),
            min_profit,
        }
    }
}

/// Validated profit levels, from the most profitable down, plus a name for customers
/// below the lowest threshold.
///
/// # Examples
///
/// ```
/// use customer_value::segment::ProfitLevels;
/// use rust_decimal::Decimal;
///
/// // Seed example: A earns 3 × 4,000,000 and costs 1,000,000; B earns 6,000,000 and
/// // costs 2,000,000. A is the more profitable customer despite the smaller basket.
/// let a = Decimal::from(3 * 4_000_000) - Decimal::from(1_000_000);
/// let b = Decimal::from(6_000_000) - Decimal::from(2_000_000);
/// let c = Decimal::from(-250_000);
/// let pyramid = ProfitLevels::customer_pyramid(Decimal::from(10_000_000), Decimal::from(1_000_000))?;
/// let classes = pyramid.classify(&[b, a, c])?;
/// let names: Vec<&str> = classes.level.iter().map(|&l| pyramid.name(l).unwrap()).collect();
/// assert_eq!(names, ["Gold", "Platinum", "Lead"]);
/// assert_eq!(classes.rank, vec![2, 1, 3]);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfitLevels {
    levels: Vec<ProfitLevel>,
    below: String,
}

/// Totals of one level.
///
/// # Examples
///
/// ```
/// use customer_value::segment::ProfitLevels;
/// use rust_decimal::Decimal;
///
/// let pyramid = ProfitLevels::customer_pyramid(Decimal::from(1_000), Decimal::from(100))?;
/// let profits = [1_500, 200, 300, -100].map(Decimal::from);
/// let rows = pyramid.classify(&profits)?.rows;
/// let gold = &rows[1];
/// assert_eq!((gold.level.as_str(), gold.customers, gold.profit), ("Gold", 2, Decimal::from(500)));
/// assert_eq!(gold.profit_share, Some(500.0 / 1_900.0));
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProfitLevelRow {
    /// Level name.
    pub level: String,
    /// Customers in the level.
    pub customers: usize,
    /// Their total profit.
    pub profit: Decimal,
    /// Share of total profit; `None` unless total profit is positive.
    pub profit_share: Option<f64>,
}

/// Levels and ranks of every customer.
///
/// # Examples
///
/// ```
/// use customer_value::segment::ProfitLevels;
/// use rust_decimal::Decimal;
///
/// let pyramid = ProfitLevels::customer_pyramid(Decimal::from(1_000), Decimal::from(100))?;
/// let c = pyramid.classify(&[300, 1_500, 300, -100].map(Decimal::from))?;
/// assert_eq!(c.level, [1, 0, 1, 3]); // Gold, Platinum, Gold, Lead
/// assert_eq!(c.rank, [2, 1, 2, 4]); // ties share the best rank
/// assert_eq!(c.order, [1, 0, 2, 3]);
/// assert_eq!(c.total_profit, Decimal::from(2_000));
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProfitClassification {
    /// Level index of each customer, in input order (0 = the most profitable level; the
    /// last index is the "below" level).
    pub level: Vec<usize>,
    /// Profit rank of each customer: 1 = most profitable; equal profits share the best
    /// rank ("1224" ranking), so ranks do not depend on input order.
    pub rank: Vec<usize>,
    /// Customer indices from the most to the least profitable (ties in input order).
    pub order: Vec<usize>,
    /// Per-level totals, levels in order, the "below" level last.
    pub rows: Vec<ProfitLevelRow>,
    /// Total profit.
    pub total_profit: Decimal,
}

impl ProfitLevels {
    /// Levels with strictly decreasing thresholds and distinct, non-empty names.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] if there are no levels, thresholds do not strictly
    /// decrease, or names are empty or repeated.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::segment::{ProfitLevel, ProfitLevels};
    /// use rust_decimal::Decimal;
    ///
    /// let up = vec![ProfitLevel::new("Low", Decimal::ZERO), ProfitLevel::new("High", Decimal::TEN)];
    /// assert!(ProfitLevels::new(up, "Loss").is_err()); // thresholds must decrease
    /// let same = vec![ProfitLevel::new("A", Decimal::TEN)];
    /// assert!(ProfitLevels::new(same, "A").is_err()); // names must be distinct
    /// ```
    pub fn new(levels: Vec<ProfitLevel>, below: impl Into<String>) -> Result<Self> {
        let below = below.into();
        if levels.is_empty() {
            return Err(Error::param("levels", 0, "at least one profit level"));
        }
        if levels
            .windows(2)
            .any(|w| matches!(w, [a, b] if a.min_profit <= b.min_profit))
        {
            let mins: Vec<String> = levels.iter().map(|l| l.min_profit.to_string()).collect();
            return Err(Error::param(
                "levels",
                mins.join(","),
                "thresholds must strictly decrease",
            ));
        }
        let mut names: Vec<&str> = levels.iter().map(|l| l.name.as_str()).collect();
        names.push(&below);
        for (i, n) in names.iter().enumerate() {
            if n.trim().is_empty() || names.iter().take(i).any(|o| o == n) {
                return Err(Error::param(
                    "levels",
                    *n,
                    "level names must be non-empty and distinct",
                ));
            }
        }
        Ok(ProfitLevels { levels, below })
    }

    /// The customer pyramid: Platinum (profit ≥ `platinum_min`), Gold (≥ `gold_min`), Iron
    /// (≥ 0) and Lead (loss-making).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] unless `platinum_min > gold_min > 0`.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::segment::ProfitLevels;
    /// use rust_decimal::Decimal;
    ///
    /// let pyramid = ProfitLevels::customer_pyramid(Decimal::from(1_000), Decimal::from(100))?;
    /// let names: Vec<_> = (0..pyramid.len()).filter_map(|i| pyramid.name(i)).collect();
    /// assert_eq!(names, ["Platinum", "Gold", "Iron", "Lead"]);
    /// assert!(ProfitLevels::customer_pyramid(Decimal::from(100), Decimal::from(1_000)).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn customer_pyramid(platinum_min: Decimal, gold_min: Decimal) -> Result<Self> {
        Self::new(
            vec![
                ProfitLevel::new("Platinum", platinum_min),
                ProfitLevel::new("Gold", gold_min),
                ProfitLevel::new("Iron", Decimal::ZERO),
            ],
            "Lead",
        )
    }

    /// Number of levels, the "below" level included.
    #[must_use]
    pub fn len(&self) -> usize {
        self.levels.len() + 1
    }

    /// Always `false`: there is at least one level and the "below" level.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Name of level `i` (the last index is the "below" level).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::segment::ProfitLevels;
    /// use rust_decimal::Decimal;
    ///
    /// let pyramid = ProfitLevels::customer_pyramid(Decimal::from(1_000), Decimal::from(100))?;
    /// assert_eq!((pyramid.name(3), pyramid.name(4)), (Some("Lead"), None));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn name(&self, i: usize) -> Option<&str> {
        match self.levels.get(i) {
            Some(l) => Some(&l.name),
            None if i == self.levels.len() => Some(&self.below),
            None => None,
        }
    }

    /// Level index of one profit.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::segment::ProfitLevels;
    /// use rust_decimal::Decimal;
    ///
    /// let pyramid = ProfitLevels::customer_pyramid(Decimal::from(1_000), Decimal::from(100))?;
    /// assert_eq!(pyramid.level_of(Decimal::ZERO), 2); // Iron: break-even counts as profitable
    /// assert_eq!(pyramid.level_of(Decimal::new(-1, 2)), 3); // Lead
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn level_of(&self, profit: Decimal) -> usize {
        self.levels
            .iter()
            .position(|l| profit >= l.min_profit)
            .unwrap_or(self.levels.len())
    }

    /// Classes and ranks customers by profit.
    ///
    /// # Errors
    ///
    /// [`Error::EmptyInput`] for no profits; [`Error::Overflow`] if a total overflows.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::segment::ProfitLevels;
    /// use rust_decimal::Decimal;
    ///
    /// let pyramid = ProfitLevels::customer_pyramid(Decimal::from(1_000), Decimal::from(100))?;
    /// let c = pyramid.classify(&[50, -20].map(Decimal::from))?;
    /// assert_eq!(c.rows.len(), 4); // every level, empty ones included
    /// assert_eq!(c.rows[3].profit, Decimal::from(-20));
    /// assert_eq!(c.rows[2].profit_share, Some(50.0 / 30.0));
    /// assert!(pyramid.classify(&[]).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn classify(&self, profits: &[Decimal]) -> Result<ProfitClassification> {
        if profits.is_empty() {
            return Err(Error::EmptyInput { what: "profits" });
        }
        let overflow = || Error::Overflow {
            op: "profit level totals",
        };
        let level: Vec<usize> = profits.iter().map(|&p| self.level_of(p)).collect();
        let mut order: Vec<usize> = (0..profits.len()).collect();
        order.sort_by(|&a, &b| profits.get(b).cmp(&profits.get(a)).then(a.cmp(&b)));
        let mut rank = vec![0_usize; profits.len()];
        let mut previous: Option<(Decimal, usize)> = None;
        for (pos, &i) in order.iter().enumerate() {
            let p = profits.get(i).copied().unwrap_or_default();
            let r = match previous {
                Some((q, r)) if q == p => r,
                _ => pos + 1,
            };
            previous = Some((p, r));
            if let Some(slot) = rank.get_mut(i) {
                *slot = r;
            }
        }
        let mut customers = vec![0_usize; self.len()];
        let mut totals = vec![Decimal::ZERO; self.len()];
        let mut total = Decimal::ZERO;
        for (&l, &p) in level.iter().zip(profits) {
            if let (Some(c), Some(t)) = (customers.get_mut(l), totals.get_mut(l)) {
                *c += 1;
                *t = t.checked_add(p).ok_or_else(overflow)?;
            }
            total = total.checked_add(p).ok_or_else(overflow)?;
        }
        let rows = (0..self.len())
            .map(|l| {
                let profit = totals.get(l).copied().unwrap_or_default();
                ProfitLevelRow {
                    level: self.name(l).unwrap_or_default().to_string(),
                    customers: customers.get(l).copied().unwrap_or(0),
                    profit,
                    profit_share: (total > Decimal::ZERO)
                        .then(|| money::to_f64(profit) / money::to_f64(total)),
                }
            })
            .collect();
        Ok(ProfitClassification {
            level,
            rank,
            order,
            rows,
            total_profit: total,
        })
    }
}

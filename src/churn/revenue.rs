//! Revenue churn: the recurring-revenue bridge between two periods and the rates read
//! from it (gross and net revenue churn, GRR, NRR), in exact [`Decimal`].
//!
//! Each customer's revenue in the earlier and later period falls in one movement:
//!
//! | earlier | later | movement |
//! |---|---|---|
//! | > 0 | 0 | churned (the earlier amount) |
//! | > 0 | smaller | contraction (the difference) |
//! | > 0 | larger | expansion (the difference) |
//! | 0 | > 0, customer before | reactivation |
//! | 0 | > 0, never a customer | new |
//!
//! and the bridge start + new + expansion + reactivation − contraction − churned = end
//! holds exactly; [`RevenueBridge::new`] refuses figures that break it. Rates follow
//! ChartMogul's definitions: gross = (churned + contraction) / start; net = (churned +
//! contraction − expansion − reactivation) / start (negative when expansion wins — "net
//! negative churn"); GRR = 1 − gross; NRR = 1 − net.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// One customer's recurring revenue in the earlier and the later period.
///
/// # Examples
///
/// ```
/// use customer_value::churn::{CustomerRevenue, RevenueBridge};
/// use rust_decimal::Decimal;
///
/// // A customer who paid 40, nothing, then 40 again is a reactivation, not a new customer.
/// let back = CustomerRevenue { start: Decimal::ZERO, end: Decimal::from(40), previously_active: true };
/// let b = RevenueBridge::from_customers(&[back])?;
/// assert_eq!((b.reactivation, b.new), (Decimal::from(40), Decimal::ZERO));
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerRevenue {
    /// Revenue in the earlier period (≥ 0).
    pub start: Decimal,
    /// Revenue in the later period (≥ 0).
    pub end: Decimal,
    /// Whether the customer had paid before the earlier period (so revenue from 0 is a
    /// reactivation, not a new customer).
    pub previously_active: bool,
}

/// The revenue bridge of one period: where the change from start to end came from.
///
/// start + new + expansion + reactivation − contraction − churned = end, exactly.
/// Rates follow ChartMogul: gross revenue churn = (churned + contraction) / start; net =
/// (churned + contraction − expansion − reactivation) / start (negative when expansion
/// wins — "net negative churn"); GRR = 1 − gross; NRR = 1 − net.
///
/// # Examples
///
/// ```
/// use customer_value::churn::RevenueBridge;
/// use rust_decimal::Decimal;
///
/// // ChartMogul's example: start MRR 100, churned 10, contraction 10, expansion 10.
/// let d = Decimal::from;
/// let b = RevenueBridge::new(d(100), d(0), d(10), d(0), d(10), d(10), d(90))?;
/// assert_eq!(b.gross_revenue_churn(), Some(Decimal::new(20, 2)));
/// assert_eq!(b.net_revenue_churn(), Some(Decimal::new(10, 2)));
/// assert_eq!(b.gross_revenue_retention(), Some(Decimal::new(80, 2)));
/// assert_eq!(b.net_revenue_retention(), Some(Decimal::new(90, 2)));
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RevenueBridge {
    /// Revenue in the earlier period.
    pub start: Decimal,
    /// Revenue of customers new in the later period.
    pub new: Decimal,
    /// Increases of continuing customers.
    pub expansion: Decimal,
    /// Revenue of returning customers who paid nothing in the earlier period.
    pub reactivation: Decimal,
    /// Decreases of continuing customers (positive number).
    pub contraction: Decimal,
    /// Earlier revenue of customers who pay nothing in the later period.
    pub churned: Decimal,
    /// Revenue in the later period.
    pub end: Decimal,
}

/// The movements of a [`RevenueBridge`] by name, without the later period's revenue
/// (which [`RevenueBridge::from_movements`] computes). All figures are non-negative.
///
/// # Examples
///
/// ```
/// use customer_value::churn::{RevenueBridge, RevenueMovements};
/// use rust_decimal::Decimal;
///
/// let d = Decimal::from;
/// let m = RevenueMovements { start: d(100), new: d(30), churned: d(15), ..Default::default() };
/// assert_eq!(RevenueBridge::from_movements(m)?.end, d(115)); // 100 + 30 − 15
/// // Movements cannot take revenue below zero.
/// let too_much = RevenueMovements { start: d(10), churned: d(20), ..Default::default() };
/// assert!(RevenueBridge::from_movements(too_much).is_err());
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RevenueMovements {
    /// Revenue in the earlier period.
    pub start: Decimal,
    /// Revenue of customers new in the later period.
    pub new: Decimal,
    /// Increases of continuing customers.
    pub expansion: Decimal,
    /// Revenue of returning customers who paid nothing in the earlier period.
    pub reactivation: Decimal,
    /// Decreases of continuing customers (positive number).
    pub contraction: Decimal,
    /// Earlier revenue of customers who pay nothing in the later period.
    pub churned: Decimal,
}

/// An exact sum: `Decimal` would round a sum that needs more than 28 significant digits,
/// and a rounded figure breaks the bridge identity.
fn add(a: Decimal, b: Decimal) -> Result<Decimal> {
    crate::money::add_exact(a, b).ok_or(Error::Overflow {
        op: "revenue bridge sum (overflow, or not exactly representable in Decimal)",
    })
}

fn sub(a: Decimal, b: Decimal) -> Result<Decimal> {
    crate::money::sub_exact(a, b).ok_or(Error::Overflow {
        op: "revenue bridge sum (overflow, or not exactly representable in Decimal)",
    })
}

impl RevenueBridge {
    /// A bridge from its seven figures, checked.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] if a figure is negative or start + new + expansion +
    /// reactivation − contraction − churned ≠ end (exactly), or churned + contraction > start
    /// (more lost than there was); [`Error::Overflow`] if the
    /// sum overflows or `Decimal` could only represent it rounded (more than 28
    /// significant digits at the figures' largest scale).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::churn::RevenueBridge;
    /// use rust_decimal::Decimal;
    ///
    /// let d = Decimal::from;
    /// // start, new, expansion, reactivation, contraction, churned, end
    /// assert!(RevenueBridge::new(d(100), d(20), d(5), d(0), d(5), d(10), d(110)).is_ok());
    /// assert!(RevenueBridge::new(d(100), d(20), d(5), d(0), d(5), d(10), d(111)).is_err()); // 110 ≠ 111
    /// assert!(RevenueBridge::new(d(100), d(-1), d(0), d(0), d(0), d(0), d(99)).is_err()); // negative
    /// ```
    pub fn new(
        start: Decimal,
        new: Decimal,
        expansion: Decimal,
        reactivation: Decimal,
        contraction: Decimal,
        churned: Decimal,
        end: Decimal,
    ) -> Result<Self> {
        let b = RevenueBridge {
            start,
            new,
            expansion,
            reactivation,
            contraction,
            churned,
            end,
        };
        b.check()?;
        Ok(b)
    }

    /// A bridge from its named movements, the later period's revenue computed exactly (so
    /// the identity holds by construction).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] if a figure is negative or the movements would take
    /// revenue below zero; [`Error::Overflow`] as [`new`](Self::new).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::churn::{RevenueBridge, RevenueMovements};
    /// use rust_decimal::Decimal;
    ///
    /// // ChartMogul's example, by name: start MRR 100, churned 10, contraction 10,
    /// // expansion 10.
    /// let d = Decimal::from;
    /// let b = RevenueBridge::from_movements(RevenueMovements {
    ///     start: d(100),
    ///     churned: d(10),
    ///     contraction: d(10),
    ///     expansion: d(10),
    ///     ..RevenueMovements::default()
    /// })?;
    /// assert_eq!(b.end, d(90));
    /// assert_eq!(b.net_revenue_retention(), Some(Decimal::new(90, 2)));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn from_movements(m: RevenueMovements) -> Result<Self> {
        let up = add(add(add(m.start, m.new)?, m.expansion)?, m.reactivation)?;
        let end = sub(up, add(m.contraction, m.churned)?)?;
        Self::new(
            m.start,
            m.new,
            m.expansion,
            m.reactivation,
            m.contraction,
            m.churned,
            end,
        )
    }

    /// This bridge if it passes [`check`](Self::check): for a bridge written as a struct
    /// literal with named fields.
    ///
    /// # Errors
    ///
    /// As [`new`](Self::new).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::churn::RevenueBridge;
    /// use rust_decimal::Decimal;
    ///
    /// let d = Decimal::from;
    /// let b = RevenueBridge { start: d(100), new: d(5), churned: d(10), end: d(95), ..RevenueBridge::default() }
    ///     .checked()?;
    /// assert_eq!(b.gross_revenue_churn(), Some(Decimal::new(10, 2)));
    /// // A figure that breaks the identity is named.
    /// let bad = RevenueBridge { start: d(100), end: d(90), ..RevenueBridge::default() }.checked();
    /// assert!(bad.unwrap_err().to_string().contains("end"));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn checked(self) -> Result<Self> {
        self.check()?;
        Ok(self)
    }

    /// Checks signs and the bridge identity.
    ///
    /// # Errors
    ///
    /// As [`new`](Self::new).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::churn::RevenueBridge;
    /// use rust_decimal::Decimal;
    ///
    /// let d = Decimal::from;
    /// let mut b = RevenueBridge::new(d(100), d(0), d(0), d(0), d(0), d(10), d(90))?;
    /// assert!(b.check().is_ok());
    /// b.end = d(95); // edited by hand: the identity no longer holds
    /// assert!(b.check().is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn check(&self) -> Result<()> {
        let figures = [
            ("start", self.start),
            ("new", self.new),
            ("expansion", self.expansion),
            ("reactivation", self.reactivation),
            ("contraction", self.contraction),
            ("churned", self.churned),
            ("end", self.end),
        ];
        for (name, v) in figures {
            if v.is_sign_negative() && !v.is_zero() {
                return Err(Error::param(name, v, "bridge figures are non-negative amounts"));
            }
        }
        let up = add(
            add(add(self.start, self.new)?, self.expansion)?,
            self.reactivation,
        )?;
        let down = add(self.contraction, self.churned)?;
        if down > self.start {
            return Err(Error::param(
                "churned + contraction",
                down,
                "revenue lost from the earlier period cannot exceed start",
            ));
        }
        let implied = sub(up, down)?;
        if implied != self.end {
            return Err(Error::param(
                "end",
                format_args!("{} (bridge gives {implied})", self.end),
                "start + new + expansion + reactivation − contraction − churned must equal end",
            ));
        }
        Ok(())
    }

    /// The bridge of a set of customers, each classified by its revenue in the two
    /// periods: > 0 → 0 churned; > 0 → smaller contraction; > 0 → larger expansion;
    /// 0 → > 0 reactivation if `previously_active`, else new.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidRow`] for a negative amount; [`Error::Overflow`] if a sum overflows
    /// or could only be represented rounded (sums are exact, so every `Ok` bridge passes
    /// [`check`](Self::check)).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::churn::{CustomerRevenue, RevenueBridge};
    /// use rust_decimal::Decimal;
    ///
    /// let row = |start: i64, end: i64, previously_active| CustomerRevenue {
    ///     start: Decimal::from(start), end: Decimal::from(end), previously_active,
    /// };
    /// let b = RevenueBridge::from_customers(&[
    ///     row(50, 60, false), // expansion 10
    ///     row(30, 20, false), // contraction 10
    ///     row(20, 0, false),  // churned 20
    ///     row(0, 15, true),   // reactivation 15
    ///     row(0, 5, false),   // new 5
    /// ])?;
    /// assert_eq!((b.start, b.end), (Decimal::from(100), Decimal::from(100)));
    /// assert_eq!(b.net_revenue_churn(), Some(Decimal::new(5, 2)));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn from_customers(customers: &[CustomerRevenue]) -> Result<Self> {
        let mut b = RevenueBridge::default();
        for (row, c) in customers.iter().enumerate() {
            if c.start.is_sign_negative() && !c.start.is_zero()
                || c.end.is_sign_negative() && !c.end.is_zero()
            {
                return Err(Error::InvalidRow {
                    row: row as u64,
                    reason: format!("negative revenue ({} → {})", c.start, c.end),
                });
            }
            b.start = add(b.start, c.start)?;
            b.end = add(b.end, c.end)?;
            if c.start.is_zero() {
                if c.previously_active {
                    b.reactivation = add(b.reactivation, c.end)?;
                } else {
                    b.new = add(b.new, c.end)?;
                }
            } else if c.end.is_zero() {
                b.churned = add(b.churned, c.start)?;
            } else if c.end > c.start {
                b.expansion = add(b.expansion, sub(c.end, c.start)?)?;
            } else {
                b.contraction = add(b.contraction, sub(c.start, c.end)?)?;
            }
        }
        // The classification makes the identity hold by construction; checking it keeps
        // that promise honest.
        b.check()?;
        Ok(b)
    }

    /// Adds the bridge of another, disjoint set of customers of the same periods.
    ///
    /// # Errors
    ///
    /// [`Error::Overflow`] if a sum overflows or could only be represented rounded; the
    /// bridge is then unchanged.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::churn::{CustomerRevenue, RevenueBridge};
    /// use rust_decimal::Decimal;
    ///
    /// let row = |start: i64, end: i64| CustomerRevenue { start: Decimal::from(start), end: Decimal::from(end), previously_active: false };
    /// // Two shards of one customer base, bridged separately, then added.
    /// let mut eu = RevenueBridge::from_customers(&[row(50, 60), row(20, 0)])?;
    /// let us = RevenueBridge::from_customers(&[row(30, 20)])?;
    /// eu.merge(&us)?;
    /// assert_eq!(eu, RevenueBridge::from_customers(&[row(50, 60), row(20, 0), row(30, 20)])?);
    /// assert!(eu.check().is_ok());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn merge(&mut self, other: &RevenueBridge) -> Result<()> {
        *self = RevenueBridge {
            start: add(self.start, other.start)?,
            new: add(self.new, other.new)?,
            expansion: add(self.expansion, other.expansion)?,
            reactivation: add(self.reactivation, other.reactivation)?,
            contraction: add(self.contraction, other.contraction)?,
            churned: add(self.churned, other.churned)?,
            end: add(self.end, other.end)?,
        };
        Ok(())
    }

    fn over_start(&self, numerator: Option<Decimal>) -> Option<Decimal> {
        if self.start.is_zero() {
            return None;
        }
        numerator?.checked_div(self.start)
    }

    /// (churned + contraction) / start; `None` if start is 0.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::churn::RevenueBridge;
    /// use rust_decimal::Decimal;
    ///
    /// let d = Decimal::from;
    /// // (churned 10 + contraction 10) / start 100; expansion does not offset gross churn.
    /// let b = RevenueBridge::new(d(100), d(0), d(30), d(0), d(10), d(10), d(110))?;
    /// assert_eq!(b.gross_revenue_churn(), Some(Decimal::new(20, 2)));
    /// assert_eq!(RevenueBridge::default().gross_revenue_churn(), None); // start 0
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn gross_revenue_churn(&self) -> Option<Decimal> {
        self.over_start(self.churned.checked_add(self.contraction))
    }

    /// (churned + contraction − expansion − reactivation) / start; negative when the
    /// base grows on its own; `None` if start is 0.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::churn::RevenueBridge;
    /// use rust_decimal::Decimal;
    ///
    /// let d = Decimal::from;
    /// // Net negative churn: (10 + 10 − 30 − 0) / 100 = −0.10.
    /// let b = RevenueBridge::new(d(100), d(0), d(30), d(0), d(10), d(10), d(110))?;
    /// assert_eq!(b.net_revenue_churn(), Some(Decimal::new(-10, 2)));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn net_revenue_churn(&self) -> Option<Decimal> {
        let lost = self.churned.checked_add(self.contraction)?;
        let won = self.expansion.checked_add(self.reactivation)?;
        self.over_start(lost.checked_sub(won))
    }

    /// Gross revenue retention, 1 − gross revenue churn: in [0, 1] for every checked
    /// bridge ([`check`](Self::check) refuses churned + contraction > start).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::churn::RevenueBridge;
    /// use rust_decimal::Decimal;
    ///
    /// let d = Decimal::from;
    /// let b = RevenueBridge::new(d(100), d(0), d(30), d(0), d(10), d(10), d(110))?;
    /// assert_eq!(b.gross_revenue_retention(), Some(Decimal::new(80, 2))); // 1 − 0.20
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn gross_revenue_retention(&self) -> Option<Decimal> {
        Decimal::ONE.checked_sub(self.gross_revenue_churn()?)
    }

    /// Net revenue retention, 1 − net revenue churn (above 1 with net expansion).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::churn::RevenueBridge;
    /// use rust_decimal::Decimal;
    ///
    /// let d = Decimal::from;
    /// let b = RevenueBridge::new(d(100), d(0), d(30), d(0), d(10), d(10), d(110))?;
    /// assert_eq!(b.net_revenue_retention(), Some(Decimal::new(110, 2))); // 1 − (−0.10)
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn net_revenue_retention(&self) -> Option<Decimal> {
        Decimal::ONE.checked_sub(self.net_revenue_churn()?)
    }

    /// Net revenue retention counting expansion but not reactivation:
    /// (start + expansion − contraction − churned) / start (the investor-deck NRR of the
    /// customers present at start).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::churn::RevenueBridge;
    /// use rust_decimal::Decimal;
    ///
    /// let d = Decimal::from;
    /// // Reactivation 15 counts in NRR (1.05) but not here: (100 + 10 − 10 − 10) / 100 = 0.90.
    /// let b = RevenueBridge::new(d(100), d(0), d(10), d(15), d(10), d(10), d(105))?;
    /// assert_eq!(b.net_revenue_retention(), Some(Decimal::new(105, 2)));
    /// assert_eq!(b.net_revenue_retention_excluding_reactivation(), Some(Decimal::new(90, 2)));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn net_revenue_retention_excluding_reactivation(&self) -> Option<Decimal> {
        let kept = self
            .start
            .checked_add(self.expansion)?
            .checked_sub(self.contraction)?
            .checked_sub(self.churned)?;
        self.over_start(Some(kept))
    }
}

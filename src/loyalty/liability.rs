//! The money side of points: liability for outstanding points, breakage, and the IFRS 15
//! allocation of a sale between the goods and the points it earns.
//!
//! All money is [`Decimal`] with checked arithmetic; rates are `Decimal` fractions in
//! [0, 1].

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::ledger::LedgerTotals;
use super::program::Points;
use crate::error::{Error, Result};

fn rate_ok(name: &'static str, r: Decimal) -> Result<()> {
    if r < Decimal::ZERO || r > Decimal::ONE {
        return Err(Error::param(name, r, "a rate in [0, 1]"));
    }
    Ok(())
}

fn overflow() -> Error {
    Error::Overflow {
        op: "points liability",
    }
}

/// Liability for outstanding points: `points × value per point × expected redemption`.
///
/// # Errors
///
/// [`Error::InvalidParameter`] for negative points or value, or a rate outside [0, 1];
/// [`Error::Overflow`].
///
/// # Examples
///
/// ```
/// use customer_value::loyalty::liability;
/// use rust_decimal::Decimal;
///
/// // 1,000,000 points worth 0.01 each, 80 % expected to be redeemed.
/// let l = liability(1_000_000, Decimal::new(1, 2), Decimal::new(80, 2))?;
/// assert_eq!(l, Decimal::from(8000));
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn liability(outstanding: Points, point_value: Decimal, expected_redemption: Decimal) -> Result<Decimal> {
    if outstanding < 0 {
        return Err(Error::param("outstanding", outstanding, "points must be ≥ 0"));
    }
    if point_value < Decimal::ZERO {
        return Err(Error::param("point_value", point_value, "must be ≥ 0"));
    }
    rate_ok("expected_redemption", expected_redemption)?;
    Decimal::from(outstanding)
        .checked_mul(point_value)
        .and_then(|x| x.checked_mul(expected_redemption))
        .ok_or_else(overflow)
}

/// Points that reached an end: redeemed or expired, and the breakage they imply.
///
/// The breakage rate is the expired share of resolved points,
/// `expired / (redeemed + expired)`; the expected redemption rate of outstanding points
/// is its complement. Clawed-back points are neither.
///
/// # Examples
///
/// ```
/// use customer_value::loyalty::{liability, Breakage};
/// use rust_decimal::Decimal;
///
/// // 300 of 10,000 resolved points expired: breakage 3 %, so 97 % of the 50,000 points
/// // outstanding are expected back, at 0.01 each.
/// let b = Breakage { redeemed: 9_700, expired: 300 };
/// let expected = b.expected_redemption().expect("points have resolved");
/// assert_eq!(liability(50_000, Decimal::new(1, 2), expected)?, Decimal::from(485));
/// assert_eq!(Breakage { redeemed: 0, expired: 0 }.rate(), None);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Breakage {
    /// Points redeemed.
    pub redeemed: Points,
    /// Points expired.
    pub expired: Points,
}

impl Breakage {
    /// From ledger totals (one account's or a base's).
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use customer_value::loyalty::{Account, Award, Breakage, EarningRule, Event, EventType, Expiry, ProgramSpec};
    /// use rust_decimal::Decimal;
    ///
    /// // 100 points, 30 redeemed, the other 70 expire after a month: breakage 70 %.
    /// let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
    /// let mut spec = ProgramSpec::default();
    /// spec.rules.push(EarningRule::new("euro", EventType::Purchase, Award::PerAmount { points: 1, per: Decimal::ONE }));
    /// spec.expiry = Expiry::AfterMonths { months: 1 };
    /// let program = spec.build()?;
    /// let mut acct = Account::new(d(1, 1));
    /// acct.apply(&program, &Event::purchase(d(1, 10), 1, Decimal::from(100)))?;
    /// acct.apply(&program, &Event::redeem(d(1, 20), 30))?;
    /// acct.advance_to(&program, d(3, 1))?;
    /// let b = Breakage::from_totals(&acct.ledger.totals());
    /// assert_eq!((b.redeemed, b.expired), (30, 70));
    /// assert_eq!(b.rate(), Some(Decimal::new(70, 2)));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn from_totals(t: &LedgerTotals) -> Self {
        Breakage {
            redeemed: t.spent,
            expired: t.expired,
        }
    }

    /// `expired / (redeemed + expired)`, a rate in [0, 1]; `None` if no point has resolved
    /// yet, or a count is negative (counts built by hand: a ledger's are never negative;
    /// `redeemed: -1, expired: 5` once gave a rate of 1.25).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::loyalty::Breakage;
    /// use rust_decimal::Decimal;
    ///
    /// let b = Breakage { redeemed: 9_700, expired: 300 };
    /// assert_eq!(b.rate(), Some(Decimal::new(3, 2)));
    /// assert_eq!(b.expected_redemption(), Some(Decimal::new(97, 2)));
    /// assert_eq!(Breakage { redeemed: -1, expired: 5 }.rate(), None);
    /// ```
    #[must_use]
    pub fn rate(&self) -> Option<Decimal> {
        let total = self.redeemed.checked_add(self.expired)?;
        if total <= 0 || self.expired < 0 || self.redeemed < 0 {
            return None;
        }
        Decimal::from(self.expired).checked_div(Decimal::from(total))
    }

    /// `1 − rate`.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::loyalty::Breakage;
    /// use rust_decimal::Decimal;
    ///
    /// assert_eq!(Breakage { redeemed: 3, expired: 1 }.expected_redemption(), Some(Decimal::new(75, 2)));
    /// ```
    #[must_use]
    pub fn expected_redemption(&self) -> Option<Decimal> {
        self.rate().map(|r| Decimal::ONE - r)
    }
}

/// A sale's price split between the goods and the points (IFRS 15 ¶73–80: relative
/// stand-alone selling prices).
///
/// # Examples
///
/// ```
/// use customer_value::loyalty::ifrs15_allocation;
/// use rust_decimal::Decimal;
///
/// // KPMG's IFRS 15 example: 100,000 of sales earning 10,000 points of 1, 97 % expected to
/// // be redeemed. Points SSP 9,700; points get 100,000 × 9,700 / 109,700 = 8,842.30.
/// let a = ifrs15_allocation(Decimal::from(100_000), Decimal::from(100_000), 10_000, Decimal::ONE, Decimal::new(97, 2))?;
/// assert_eq!(a.points_ssp, Decimal::from(9_700));
/// assert_eq!(a.points.round_dp(2), Decimal::new(884_230, 2));
/// assert_eq!(a.goods + a.points, Decimal::from(100_000));
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ifrs15Allocation {
    /// Stand-alone selling price of the points: points × value × expected redemption.
    pub points_ssp: Decimal,
    /// Revenue allocated to the goods (recognised at the sale).
    pub goods: Decimal,
    /// Revenue allocated to the points (a contract liability until redeemed).
    pub points: Decimal,
}

/// Allocates `price` between goods with stand-alone selling price `goods_ssp` and
/// `points` points worth `point_value` each, `expected_redemption` of which are expected
/// to be redeemed. Exact (unrounded) values; `goods + points = price`.
///
/// # Errors
///
/// [`Error::InvalidParameter`] for a negative price, SSP, points or value, a rate outside
/// [0, 1], or zero total SSP; [`Error::Overflow`].
///
/// # Examples
///
/// KPMG's example: sales of 100,000, 10,000 points of 1 each, 97 % expected redemption.
///
/// ```
/// use customer_value::loyalty::ifrs15_allocation;
/// use rust_decimal::Decimal;
///
/// let a = ifrs15_allocation(Decimal::from(100_000), Decimal::from(100_000), 10_000,
///     Decimal::ONE, Decimal::new(97, 2))?;
/// assert_eq!(a.points_ssp, Decimal::from(9_700));
/// assert_eq!(a.points.round_dp(2), Decimal::new(884_230, 2));
/// assert_eq!(a.goods + a.points, Decimal::from(100_000));
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn ifrs15_allocation(
    price: Decimal,
    goods_ssp: Decimal,
    points: Points,
    point_value: Decimal,
    expected_redemption: Decimal,
) -> Result<Ifrs15Allocation> {
    if price < Decimal::ZERO || goods_ssp < Decimal::ZERO {
        return Err(Error::param("price", price, "price and goods SSP must be ≥ 0"));
    }
    let points_ssp = liability(points, point_value, expected_redemption)?;
    let total = goods_ssp.checked_add(points_ssp).ok_or_else(overflow)?;
    if total.is_zero() {
        return Err(Error::param(
            "goods_ssp",
            goods_ssp,
            "total stand-alone selling price must be positive",
        ));
    }
    let to_points = price
        .checked_mul(points_ssp)
        .and_then(|x| x.checked_div(total))
        .ok_or_else(overflow)?
        // points_ssp ≤ total, so the share is at most the price; the 28-digit division can
        // round past it (goods SSP 0: price × s / s came out 1.5e-9 above the price).
        .min(price);
    Ok(Ifrs15Allocation {
        points_ssp,
        goods: price.checked_sub(to_points).ok_or_else(overflow)?,
        points: to_points,
    })
}

/// Cumulative revenue recognised on points allocated `allocated`, once
/// `redeemed_to_date` of the `expected_total` points expected to be redeemed have been
/// (IFRS 15 IE Example 52): `allocated × redeemed / expected`, at most `allocated`.
/// Revenue of a period is the difference of two cumulative figures, with the
/// expectation current at each date.
///
/// # Errors
///
/// [`Error::InvalidParameter`] for negative inputs or `expected_total = 0`;
/// [`Error::Overflow`].
///
/// # Examples
///
/// IFRS 15 IE Example 52: 10,000 points, 9,500 then 9,700 expected to be redeemed.
///
/// ```
/// use customer_value::loyalty::{ifrs15_allocation, ifrs15_revenue};
/// use rust_decimal::Decimal;
///
/// let a = ifrs15_allocation(Decimal::from(100_000), Decimal::from(100_000), 10_000, Decimal::ONE, Decimal::new(95, 2))?;
/// assert_eq!(a.points.round_dp(0), Decimal::from(8_676));
/// let year1 = ifrs15_revenue(a.points, 4_500, 9_500)?;
/// let year2 = ifrs15_revenue(a.points, 8_500, 9_700)?;
/// assert_eq!(year1.round_dp(0), Decimal::from(4_110));
/// assert_eq!(year2.round_dp(0) - year1.round_dp(0), Decimal::from(3_493));
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn ifrs15_revenue(
    allocated: Decimal,
    redeemed_to_date: Points,
    expected_total: Points,
) -> Result<Decimal> {
    if allocated < Decimal::ZERO || redeemed_to_date < 0 {
        return Err(Error::param(
            "allocated",
            allocated,
            "allocation and redemptions must be ≥ 0",
        ));
    }
    if expected_total <= 0 {
        return Err(Error::param("expected_total", expected_total, "must be positive"));
    }
    let r = allocated
        .checked_mul(Decimal::from(redeemed_to_date))
        .and_then(|x| x.checked_div(Decimal::from(expected_total)))
        .ok_or_else(overflow)?;
    Ok(r.min(allocated))
}

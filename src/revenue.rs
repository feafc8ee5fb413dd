//! Per-period money streams: what a customer pays (or costs) in periods 1, 2, 3, ….
//!
//! The CLV-components brief's "revenue stream" and "cost stream" are both a [`RevenueStream`]: a constant
//! amount, an amount growing at a rate, or an explicit series. Amounts are exact `Decimal`;
//! growth compounds in `Decimal` with checked multiplication.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::clv::checked;
use crate::error::{Error, Result};

/// The amount of each period 1, 2, 3, … of a relationship.
///
/// # Examples
///
/// ```
/// use customer_value::RevenueStream;
/// use rust_decimal::Decimal;
///
/// let s = RevenueStream::growing(Decimal::from(100), Decimal::new(10, 2))?; // +10 % a period
/// assert_eq!(s.amounts(3)?, vec![Decimal::from(100), Decimal::from(110), Decimal::from(121)]);
/// let series = RevenueStream::Series(vec![Decimal::from(5), Decimal::from(7)]);
/// assert_eq!(series.amounts(3)?, vec![Decimal::from(5), Decimal::from(7), Decimal::ZERO]);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum RevenueStream {
    /// The same amount every period.
    Constant(Decimal),
    /// `first` in period 1, then multiplied by (1 + `rate`) each period.
    Growing {
        /// Amount of period 1.
        first: Decimal,
        /// Growth rate per period (0.05 = +5 %); > −1.
        rate: Decimal,
    },
    /// Explicit amounts of periods 1, 2, …; 0 after the series ends.
    Series(Vec<Decimal>),
}

impl RevenueStream {
    /// The longest horizon [`amounts`](Self::amounts) materialises: 1,000,000 periods
    /// (16 MB), the same as [`clv::MAX_HORIZON`](crate::clv::MAX_HORIZON).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::RevenueStream;
    /// use rust_decimal::Decimal;
    ///
    /// let s = RevenueStream::Constant(Decimal::ONE);
    /// assert_eq!(s.amounts(RevenueStream::MAX_PERIODS)?.len(), 1_000_000);
    /// assert!(s.amounts(RevenueStream::MAX_PERIODS + 1).is_err()); // refused before allocating
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub const MAX_PERIODS: u32 = 1_000_000;

    /// A stream growing at `rate` per period from `first`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] if `rate` ≤ −1.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::RevenueStream;
    /// use rust_decimal::Decimal;
    ///
    /// // Shrinking by 50 % a period is allowed; −100 % or worse is not a growth rate.
    /// let halving = RevenueStream::growing(Decimal::from(80), Decimal::new(-5, 1))?;
    /// assert_eq!(halving.amounts(3)?, [80, 40, 20].map(Decimal::from));
    /// assert!(RevenueStream::growing(Decimal::from(80), Decimal::NEGATIVE_ONE).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn growing(first: Decimal, rate: Decimal) -> Result<Self> {
        if rate <= Decimal::NEGATIVE_ONE {
            return Err(Error::param("rate", rate, "growth rate must be > -1"));
        }
        Ok(RevenueStream::Growing { first, rate })
    }

    /// The amounts of periods 1..=`horizon`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for a growth rate ≤ −1 (constructed directly) or a
    /// `horizon` above [`MAX_PERIODS`](Self::MAX_PERIODS) (checked before allocating);
    /// [`Error::Overflow`] if compounding overflows.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::RevenueStream;
    /// use rust_decimal::Decimal;
    ///
    /// assert_eq!(RevenueStream::Constant(Decimal::TEN).amounts(2)?, [Decimal::TEN; 2]);
    /// // Growth compounds exactly: 100 × 1.05² = 110.25.
    /// let s = RevenueStream::growing(Decimal::from(100), Decimal::new(5, 2))?;
    /// assert_eq!(s.amounts(3)?[2], Decimal::new(11025, 2));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn amounts(&self, horizon: u32) -> Result<Vec<Decimal>> {
        if horizon > Self::MAX_PERIODS {
            return Err(Error::param(
                "horizon",
                horizon,
                "at most RevenueStream::MAX_PERIODS = 1,000,000 periods",
            ));
        }
        let n = horizon as usize;
        match self {
            RevenueStream::Constant(a) => Ok(vec![*a; n]),
            RevenueStream::Growing { first, rate } => {
                if *rate <= Decimal::NEGATIVE_ONE {
                    return Err(Error::param("rate", rate, "growth rate must be > -1"));
                }
                let factor = checked::add(Decimal::ONE, *rate, "growth factor")?;
                let mut out = Vec::with_capacity(n);
                let mut a = *first;
                for k in 0..n {
                    if k > 0 {
                        a = checked::mul(a, factor, "revenue growth")?;
                    }
                    out.push(a);
                }
                Ok(out)
            }
            RevenueStream::Series(s) => Ok((0..n)
                .map(|k| s.get(k).copied().unwrap_or(Decimal::ZERO))
                .collect()),
        }
    }
}

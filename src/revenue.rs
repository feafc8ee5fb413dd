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
    pub const MAX_PERIODS: u32 = 1_000_000;

    /// A stream growing at `rate` per period from `first`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] if `rate` ≤ −1.
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

//! The one place where survival and discounting meet money: per-period weights.
//!
//! Survival probabilities S(t) come from a [`RetentionModel`] as `f64`; the discount rate
//! `d` is an `f64` rate. For each period k = 1, …, T of a horizon the weight
//!
//! * [`Timing::EndOfPeriod`]: w_k = S(k) / (1 + d)ᵏ (period k's margin arrives at its end,
//!   if the customer survived it);
//! * [`Timing::StartOfPeriod`]: w_k = S(k − 1) / (1 + d)ᵏ⁻¹ (the first margin arrives now);
//!
//! is computed in `f64` and converted to `Decimal` **once**, through
//! [`money::from_f64`](crate::money::from_f64), rounded half to even to [`WEIGHT_DP`] = 12
//! decimal places. Every valuation then multiplies exact money by these exact weights and
//! sums in exact, checked `Decimal`. The rounding error of a weight is at most 5·10⁻¹³, so a
//! CLV over T periods with margins up to M is off by at most T·M·5·10⁻¹³ plus the `f64`
//! error of the weight itself (relative ~10⁻¹⁵): under a cent for M < 10⁹ and T < 1,000.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::money;
use crate::retention::RetentionModel;
use crate::revenue::RevenueStream;

/// Decimal places of every survival × discount weight: 12.
///
/// # Examples
///
/// ```
/// use customer_value::clv::{DiscountWeights, Timing, WEIGHT_DP};
/// use customer_value::retention::ConstantRetention;
///
/// let w = DiscountWeights::new(&ConstantRetention::new(0.8)?, 0.1, 3, Timing::EndOfPeriod)?;
/// assert!(w.weights().iter().all(|x| x.scale() <= WEIGHT_DP));
/// # Ok::<(), customer_value::Error>(())
/// ```
pub const WEIGHT_DP: u32 = 12;

/// The longest horizon [`DiscountWeights::new`] accepts: 1,000,000 periods (16 MB of
/// weights; daily periods over 2,700 years). A longer horizon is refused before anything
/// is allocated.
///
/// # Examples
///
/// ```
/// use customer_value::clv::{DiscountWeights, MAX_HORIZON, Timing};
/// use customer_value::retention::ConstantRetention;
///
/// let r = ConstantRetention::new(0.8)?;
/// assert!(DiscountWeights::new(&r, 0.1, MAX_HORIZON + 1, Timing::EndOfPeriod).is_err());
/// # Ok::<(), customer_value::Error>(())
/// ```
pub const MAX_HORIZON: u32 = 1_000_000;

/// When within a period its margin is received.
///
/// The two conventions differ by a factor (1 + d)/r in the closed form, so the crate never
/// picks one silently.
///
/// # Examples
///
/// ```
/// use customer_value::clv::{DiscountWeights, Timing};
/// use customer_value::retention::ConstantRetention;
/// use rust_decimal::Decimal;
///
/// let r = ConstantRetention::new(0.8)?;
/// let end = DiscountWeights::new(&r, 0.1, 1, Timing::EndOfPeriod)?;
/// let start = DiscountWeights::new(&r, 0.1, 1, Timing::StartOfPeriod)?;
/// // One period: 0.8 / 1.1 at the end, the full margin at the start.
/// assert_eq!(end.weights()[0].round_dp(6), Decimal::new(727273, 6));
/// assert_eq!(start.weights()[0], Decimal::ONE);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Timing {
    /// The first margin comes after one period (Gupta & Lehmann 2003: m·r/(1 + d − r)).
    EndOfPeriod,
    /// The first margin comes now, before any churn (m·(1 + d)/(1 + d − r)).
    StartOfPeriod,
}

/// Validates a discount rate: finite and > −1.
pub(crate) fn check_discount(discount: f64) -> Result<f64> {
    if discount.is_finite() && discount > -1.0 {
        Ok(discount)
    } else {
        Err(Error::param(
            "discount",
            discount,
            "discount rate must be finite and > -1",
        ))
    }
}

/// The `f64` weight of period `k` (1-based), before conversion; validates survival.
pub(crate) fn weight_f64(
    retention: &dyn RetentionModel,
    discount: f64,
    timing: Timing,
    k: u32,
) -> Result<f64> {
    let (t, exponent) = match timing {
        Timing::EndOfPeriod => (k, k),
        Timing::StartOfPeriod => (k.saturating_sub(1), k.saturating_sub(1)),
    };
    let s = retention.survival(t);
    if !s.is_finite() || !(0.0..=1.0).contains(&s) {
        return Err(Error::param(
            "retention",
            format_args!("S({t}) = {s}"),
            "the retention model returned a survival outside [0, 1]",
        ));
    }
    let factor = (1.0 + discount).powf(-f64::from(exponent));
    Ok(s * factor)
}

/// Per-period weights w₁, …, w_T of a valuation: survival × discount factor, as exact
/// `Decimal` (see the module docs for the rule).
///
/// Computed once and shared by every customer valued with the same retention model,
/// discount rate and horizon: the bulk functions cost one multiply-add per customer and
/// period.
///
/// # Examples
///
/// ```
/// use customer_value::clv::{DiscountWeights, Timing};
/// use customer_value::retention::ConstantRetention;
/// use rust_decimal::Decimal;
///
/// let r = ConstantRetention::new(0.8)?;
/// let w = DiscountWeights::new(&r, 0.1, 5, Timing::EndOfPeriod)?;
/// // 100 × Σ (0.8/1.1)ᵏ over 5 periods = 212.41 (Gupta & Lehmann's setting).
/// let v = w.present_value_constant(Decimal::from(100))?;
/// assert_eq!(v.round_dp(2), Decimal::new(21241, 2));
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DiscountWeights {
    weights: Vec<Decimal>,
    sum: Decimal,
    timing: Timing,
}

impl DiscountWeights {
    /// Weights for periods 1..=`horizon`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] if `discount` ≤ −1 or not finite, the model returns
    /// a survival outside [0, 1] or NaN, or `horizon` exceeds [`MAX_HORIZON`];
    /// [`Error::Overflow`] if the weights' sum overflows.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::clv::{DiscountWeights, Timing};
    /// use customer_value::retention::ConstantRetention;
    ///
    /// let r = ConstantRetention::new(0.8)?;
    /// let w = DiscountWeights::new(&r, 0.1, 10, Timing::EndOfPeriod)?;
    /// assert_eq!(w.horizon(), 10);
    /// assert!(DiscountWeights::new(&r, -1.0, 10, Timing::EndOfPeriod).is_err()); // discount ≤ −1
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn new(retention: &dyn RetentionModel, discount: f64, horizon: u32, timing: Timing) -> Result<Self> {
        let discount = check_discount(discount)?;
        if horizon > MAX_HORIZON {
            return Err(Error::param(
                "horizon",
                horizon,
                "at most MAX_HORIZON = 1,000,000 periods",
            ));
        }
        let weights = (1..=horizon)
            .map(|k| money::from_f64(weight_f64(retention, discount, timing, k)?, WEIGHT_DP))
            .collect::<Result<Vec<_>>>()?;
        let sum = super::checked::sum(weights.iter().copied(), "discount weights")?;
        Ok(DiscountWeights { weights, sum, timing })
    }

    /// w₁, …, w_T.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::clv::{DiscountWeights, Timing};
    /// use customer_value::retention::ConstantRetention;
    ///
    /// let w = DiscountWeights::new(&ConstantRetention::new(0.8)?, 0.1, 5, Timing::EndOfPeriod)?;
    /// assert_eq!(w.weights().len(), 5);
    /// assert!(w.weights().windows(2).all(|p| p[1] < p[0])); // survival × discount falls
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn weights(&self) -> &[Decimal] {
        &self.weights
    }

    /// The horizon T.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::clv::{DiscountWeights, Timing};
    /// use customer_value::retention::ConstantRetention;
    ///
    /// let w = DiscountWeights::new(&ConstantRetention::new(0.8)?, 0.1, 12, Timing::StartOfPeriod)?;
    /// assert_eq!(w.horizon(), 12);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn horizon(&self) -> usize {
        self.weights.len()
    }

    /// Σ wₖ: the present value of 1 per period (an annuity factor with survival).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::clv::{DiscountWeights, Timing};
    /// use customer_value::retention::ConstantRetention;
    /// use rust_decimal::Decimal;
    ///
    /// // With no churn and no discount, 1 per period over 4 periods is worth 4.
    /// let w = DiscountWeights::new(&ConstantRetention::new(1.0)?, 0.0, 4, Timing::EndOfPeriod)?;
    /// assert_eq!(w.sum(), Decimal::from(4));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn sum(&self) -> Decimal {
        self.sum
    }

    /// The timing convention the weights were built with.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::clv::{DiscountWeights, Timing};
    /// use customer_value::retention::ConstantRetention;
    ///
    /// let w = DiscountWeights::new(&ConstantRetention::new(0.8)?, 0.1, 3, Timing::StartOfPeriod)?;
    /// assert_eq!(w.timing(), Timing::StartOfPeriod);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn timing(&self) -> Timing {
        self.timing
    }

    /// Σ amountₖ · wₖ for amounts of periods 1, 2, …; a shorter series counts as 0 after
    /// its end, extra amounts beyond the horizon are reported as an error.
    ///
    /// # Errors
    ///
    /// [`Error::LengthMismatch`] if `amounts` is longer than the horizon;
    /// [`Error::Overflow`].
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::clv::{DiscountWeights, Timing};
    /// use customer_value::retention::ConstantRetention;
    /// use rust_decimal::Decimal;
    ///
    /// let w = DiscountWeights::new(&ConstantRetention::new(1.0)?, 0.0, 3, Timing::EndOfPeriod)?;
    /// assert_eq!(w.present_value(&[Decimal::from(10), Decimal::from(20)])?, Decimal::from(30)); // 0 after the end
    /// assert!(w.present_value(&[Decimal::ONE; 4]).is_err()); // longer than the horizon
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn present_value(&self, amounts: &[Decimal]) -> Result<Decimal> {
        if amounts.len() > self.weights.len() {
            return Err(Error::LengthMismatch {
                left: "amounts",
                left_len: amounts.len(),
                right: "horizon",
                right_len: self.weights.len(),
            });
        }
        let mut total = Decimal::ZERO;
        for (a, w) in amounts.iter().zip(&self.weights) {
            // Products of an amount and a 28-digit weight are rounded already.
            total = super::checked::add_rounded(
                total,
                super::checked::mul(*a, *w, "present value")?,
                "present value",
            )?;
        }
        Ok(total)
    }

    /// The present value of a stream over the horizon: `amount · Σ wₖ` for a constant
    /// stream, Σ amountₖ · wₖ otherwise.
    ///
    /// # Errors
    ///
    /// [`Error::LengthMismatch`] if a [`RevenueStream::Series`] is longer than the horizon
    /// (its tail would be dropped: cut it yourself if you mean to);
    /// [`Error::Overflow`]; errors of [`RevenueStream::amounts`].
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::clv::{DiscountWeights, Timing};
    /// use customer_value::retention::ConstantRetention;
    /// use customer_value::RevenueStream;
    /// use rust_decimal::Decimal;
    ///
    /// let w = DiscountWeights::new(&ConstantRetention::new(1.0)?, 0.0, 3, Timing::EndOfPeriod)?;
    /// // 100, 110, 121 with 10 % growth.
    /// let growing = RevenueStream::growing(Decimal::from(100), Decimal::new(1, 1))?;
    /// assert_eq!(w.present_value_of(&growing)?, Decimal::from(331));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn present_value_of(&self, stream: &RevenueStream) -> Result<Decimal> {
        match stream {
            RevenueStream::Constant(a) => self.present_value_constant(*a),
            RevenueStream::Series(s) => self.present_value(s),
            other => {
                let horizon = u32::try_from(self.weights.len())
                    .map_err(|_| Error::param("horizon", self.weights.len(), "at most u32::MAX periods"))?;
                self.present_value(&other.amounts(horizon)?)
            }
        }
    }

    /// The present value of the same `amount` every period: amount · Σ wₖ.
    ///
    /// # Errors
    ///
    /// [`Error::Overflow`].
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::clv::{DiscountWeights, Timing};
    /// use customer_value::retention::ConstantRetention;
    /// use rust_decimal::Decimal;
    ///
    /// let w = DiscountWeights::new(&ConstantRetention::new(0.8)?, 0.1, 5, Timing::EndOfPeriod)?;
    /// let pv = w.present_value_constant(Decimal::from(100))?;
    /// assert_eq!(pv, (Decimal::from(100) * w.sum()).round_dp(pv.scale()));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn present_value_constant(&self, amount: Decimal) -> Result<Decimal> {
        super::checked::mul(amount, self.sum, "present value")
    }
}

//! A fitted purchase model's view of one customer's future as a
//! [`RetentionModel`](crate::RetentionModel): the bridge from the probabilistic models to the
//! accounting valuations in [`clv`](crate::clv).

use super::TransactionModel;
use crate::error::{Error, Result};
use crate::retention::EmpiricalSurvival;

/// The most periods [`survival_curve`] computes: each is a P(alive at T + t) (a ₂F₁ or a
/// quadrature), and `periods` sizes the curve's allocation (10,000: 27 years of days).
///
/// # Examples
///
/// ```
/// use customer_value::btyd::{BgNbd, MAX_SURVIVAL_PERIODS, survival_curve};
///
/// let m = BgNbd::new(0.2425945, 4.4136019, 0.7929199, 2.4258881)?;
/// assert!(survival_curve(&m, 2.0, 30.43, 38.86, 1.0, 52).is_ok());
/// assert!(survival_curve(&m, 2.0, 30.43, 38.86, 1.0, MAX_SURVIVAL_PERIODS + 1).is_err());
/// # Ok::<(), customer_value::Error>(())
/// ```
pub const MAX_SURVIVAL_PERIODS: u32 = 10_000;

/// The survival curve of a customer who is alive now, under `model`: S(k) = P(alive at
/// T + k·`period` | alive at T) for k = 0 … `periods`, as an [`EmpiricalSurvival`] (so
/// S = 0 beyond `periods`; choose the horizon of the valuation).
///
/// `period` is in the model's time unit (e.g. 4.348 weeks for a month with a model fitted in
/// weeks). Multiply values by P(alive now) ([`TransactionModel::probability_alive`]) for the
/// unconditional curve.
///
/// # Errors
///
/// [`Error::InvalidParameter`] for an invalid summary, a `period` that is not finite and
/// positive, or `periods` = 0 or above [`MAX_SURVIVAL_PERIODS`] (checked before
/// anything is allocated or computed); [`Error::Undefined`] if the model gives P(alive now) = 0 or has
/// no [`probability_alive_at`](TransactionModel::probability_alive_at); the model's
/// numerical errors.
///
/// # Examples
///
/// CDNOW customer 1516 (x = 26, t_x = 30.857, T = 31 weeks) under the published BG/NBD
/// parameters, valued monthly over a year with the accounting NPV:
///
/// ```
/// use customer_value::btyd::{survival_curve, BgNbd};
/// use customer_value::clv::{Relationship, Timing};
/// use customer_value::{check_retention_model, RetentionModel, RevenueStream};
/// use rust_decimal::Decimal;
///
/// let model = BgNbd::new(0.2425945, 4.4136019, 0.7929199, 2.4258881)?;
/// let s = survival_curve(&model, 26.0, 30.857, 31.0, 52.0 / 12.0, 12)?;
/// check_retention_model(&s, 12)?;
/// assert!(s.survival(12) < s.survival(1) && s.survival(1) < 1.0);
/// let monthly = Relationship::new(
///     Decimal::ZERO,
///     RevenueStream::Constant(Decimal::from(100)),
///     RevenueStream::Constant(Decimal::from(60)),
/// );
/// let value = monthly.value(&s, 0.01, 12, Timing::EndOfPeriod)?;
/// assert!(value.clv > Decimal::ZERO);
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn survival_curve(
    model: &dyn TransactionModel,
    frequency: f64,
    recency: f64,
    age: f64,
    period: f64,
    periods: u32,
) -> Result<EmpiricalSurvival> {
    if !(period.is_finite() && period > 0.0) {
        return Err(Error::param(
            "period",
            period,
            "a period is a positive, finite time",
        ));
    }
    if periods == 0 || periods > MAX_SURVIVAL_PERIODS {
        return Err(Error::param(
            "periods",
            periods,
            "at least one period, at most btyd::MAX_SURVIVAL_PERIODS (10,000)",
        ));
    }
    let now = model.probability_alive(frequency, recency, age)?;
    if now <= 0.0 {
        return Err(Error::Undefined {
            what: "survival of a customer alive now",
            reason: format!("the model gives P(alive) = {now}"),
        });
    }
    let mut curve = Vec::with_capacity(periods as usize + 1);
    curve.push(1.0);
    let mut previous = 1.0_f64;
    for k in 1..=periods {
        let at = model.probability_alive_at(f64::from(k) * period, frequency, recency, age)?;
        // Ratios of two rounded probabilities may exceed the previous value by an ulp.
        let s = (at / now).clamp(0.0, previous);
        curve.push(s);
        previous = s;
    }
    EmpiricalSurvival::new(curve)
}

//! Tracking a customer base over calendar time: the expected cumulative number of repeat
//! transactions of all customers, from their acquisition times (BTYD's
//! `ExpectedCumulativeTransactions`), to plot beside the actual counts.

use super::TransactionModel;
use crate::error::{Error, Result};

/// Expected cumulative repeat transactions of the whole base at each of `times`:
/// `Σᵢ E[X(τ − bᵢ)]` over customers acquired at `bᵢ < τ`, with `E[X(t)]` the model's
/// new-customer expectation. Times and births share the model's unit and origin.
/// Customers acquired at the same time are evaluated once.
///
/// # Errors
///
/// [`Error::InvalidParameter`] for a non-finite birth or time; [`Error::EmptyInput`]
/// without births; numerical errors of the model.
///
/// # Examples
///
/// ```
/// use customer_value::btyd::{BgNbd, cumulative_expected_repeat_transactions};
///
/// let m = BgNbd::new(0.2425945, 4.4136019, 0.7929199, 2.4258881)?;
/// // Two customers acquired at week 0, one at week 1.
/// let curve = cumulative_expected_repeat_transactions(&m, &[0.0, 0.0, 1.0], &[1.0, 2.0])?;
/// assert!(curve[0] > 0.0 && curve[1] > curve[0]);
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn cumulative_expected_repeat_transactions(
    model: &dyn TransactionModel,
    births: &[f64],
    times: &[f64],
) -> Result<Vec<f64>> {
    if births.is_empty() {
        return Err(Error::EmptyInput { what: "births" });
    }
    if let Some(b) = births.iter().find(|b| !b.is_finite()) {
        return Err(Error::param("births", b, "must be finite"));
    }
    if let Some(t) = times.iter().find(|t| !t.is_finite()) {
        return Err(Error::param("times", t, "must be finite"));
    }
    let mut sorted = births.to_vec();
    sorted.sort_unstable_by(f64::total_cmp);
    let mut cohorts: Vec<(f64, f64)> = Vec::new();
    for b in sorted {
        match cohorts.last_mut() {
            Some((lb, n)) if lb.to_bits() == b.to_bits() => *n += 1.0,
            _ => cohorts.push((b, 1.0)),
        }
    }
    times
        .iter()
        .map(|&tau| {
            cohorts
                .iter()
                .take_while(|(b, _)| *b < tau)
                .map(|&(b, n)| model.expected_purchases_new(tau - b).map(|e| n * e))
                .sum()
        })
        .collect()
}

/// Acquisition times from ages `T` at a common calibration end: `bᵢ = max T − Tᵢ`, so the
/// earliest customer is acquired at 0 (BTYD's convention).
///
/// # Errors
///
/// [`Error::EmptyInput`] without ages; [`Error::InvalidParameter`] for a negative or
/// non-finite age.
///
/// # Examples
///
/// ```
/// use customer_value::btyd::births_from_ages;
///
/// assert_eq!(births_from_ages(&[38.0, 36.5, 38.0])?, vec![0.0, 1.5, 0.0]);
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn births_from_ages(ages: &[f64]) -> Result<Vec<f64>> {
    if ages.is_empty() {
        return Err(Error::EmptyInput { what: "ages" });
    }
    if let Some(a) = ages.iter().find(|a| !(a.is_finite() && **a >= 0.0)) {
        return Err(Error::param("age", a, "must be finite and ≥ 0"));
    }
    let max = ages.iter().copied().fold(0.0, f64::max);
    Ok(ages.iter().map(|a| max - a).collect())
}

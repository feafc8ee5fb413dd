//! Tracking a customer base over calendar time: the expected cumulative number of repeat
//! transactions of all customers, from their acquisition times (BTYD's
//! `ExpectedCumulativeTransactions`), to plot beside the actual counts.

use super::TransactionModel;
use crate::error::{Error, Result};

/// Expected cumulative repeat transactions of the whole base at each of `times`:
/// `Σᵢ E[X(τ − bᵢ)]` over customers acquired at `bᵢ < τ`, with `E[X(t)]` the model's
/// new-customer expectation. Times and births share the model's unit and origin.
/// Customers acquired at the same time are evaluated once, and so is each distinct gap
/// `τ − b` (daily births and daily times share their gaps).
///
/// The work is one addition per (distinct birth, time) pair with `b < τ` and one model
/// evaluation per distinct gap; both are bounded ([`MAX_TRACKING_PAIRS`],
/// [`MAX_TRACKING_EVALUATIONS`]) so that long daily grids are refused, not left running.
///
/// # Errors
///
/// [`Error::InvalidParameter`] for a non-finite birth or time, or (naming `times`) when
/// the pairs exceed [`MAX_TRACKING_PAIRS`] (counted before any model call) or the
/// distinct gaps exceed [`MAX_TRACKING_EVALUATIONS`] (also counted first);
/// [`Error::EmptyInput`] without births; [`Error::Undefined`] if a total is not finite; numerical errors of the model.
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
    let pairs: u64 = times
        .iter()
        .map(|&tau| cohorts.partition_point(|(b, _)| *b < tau) as u64)
        .sum();
    if pairs > MAX_TRACKING_PAIRS {
        return Err(Error::param(
            "times",
            format!(
                "{} times × {} distinct births ({pairs} pairs)",
                times.len(),
                cohorts.len()
            ),
            "at most btyd::MAX_TRACKING_PAIRS (10^7) (birth, time) pairs: use fewer times or coarser births",
        ));
    }
    // Every distinct gap τ − b, counted (and refused beyond the limit) before any model
    // call, then evaluated once each.
    let mut memo: std::collections::HashMap<u64, usize> = std::collections::HashMap::new();
    let mut gaps: Vec<f64> = Vec::new();
    for &tau in times {
        for &(b, _) in cohorts.iter().take_while(|(b, _)| *b < tau) {
            let gap = tau - b;
            memo.entry(gap.to_bits()).or_insert_with(|| {
                gaps.push(gap);
                gaps.len() - 1
            });
            if gaps.len() > MAX_TRACKING_EVALUATIONS {
                return Err(Error::param(
                    "times",
                    times.len(),
                    "more than btyd::MAX_TRACKING_EVALUATIONS (20,000) distinct gaps between births and times",
                ));
            }
        }
    }
    // In first-use order, so that an error names the same gap every run.
    let values = gaps
        .iter()
        .map(|&g| model.expected_purchases_new(g))
        .collect::<Result<Vec<f64>>>()?;
    times
        .iter()
        .map(|&tau| {
            let mut total = 0.0;
            for &(b, n) in cohorts.iter().take_while(|(b, _)| *b < tau) {
                let e = memo.get(&(tau - b).to_bits()).and_then(|&k| values.get(k));
                total += n * e.copied().unwrap_or(f64::NAN);
            }
            if total.is_finite() {
                Ok(total)
            } else {
                Err(Error::Undefined {
                    what: "expected cumulative repeat transactions",
                    reason: format!("the total at time {tau} is not finite"),
                })
            }
        })
        .collect()
}

/// The most (distinct birth, time) pairs [`cumulative_expected_repeat_transactions`] adds
/// up (10⁷: a fraction of a second of hash look-ups).
pub const MAX_TRACKING_PAIRS: u64 = 10_000_000;

/// The most distinct gaps `τ − b` [`cumulative_expected_repeat_transactions`] asks the
/// model for (2·10⁴ expectations, counted before the first: a few milliseconds at ordinary
/// parameters; daily births and daily times over 55 years have 2·10⁴ gaps).
pub const MAX_TRACKING_EVALUATIONS: usize = 20_000;

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

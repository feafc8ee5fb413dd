//! A public conformance check for [`TransactionModel`] implementations, so that a model of
//! one's own is held to the laws the built-in models are tested against.

use super::TransactionModel;
use crate::error::{Error, Result};

const CONTINUOUS_HORIZONS: [f64; 6] = [0.0, 0.5, 1.0, 10.0, 52.0, 520.0];
const DISCRETE_HORIZONS: [f64; 6] = [0.0, 1.0, 2.0, 10.0, 52.0, 520.0];
/// `(x, t_x, T)`: new, one-off, early lapse, loyal, frequent and heavy buyers.
const CONTINUOUS_SUMMARIES: [(f64, f64, f64); 6] = [
    (0.0, 0.0, 0.0),
    (0.0, 0.0, 40.0),
    (1.0, 5.0, 40.0),
    (3.0, 40.0, 40.0),
    (25.0, 20.0, 39.0),
    (200.0, 38.0, 40.0),
];
/// The same kinds of customer where a purchase takes a whole opportunity (`x ≤ t_x`).
const DISCRETE_SUMMARIES: [(f64, f64, f64); 6] = [
    (0.0, 0.0, 0.0),
    (0.0, 0.0, 40.0),
    (1.0, 5.0, 40.0),
    (3.0, 40.0, 40.0),
    (20.0, 25.0, 39.0),
    (38.0, 38.0, 40.0),
];

/// Checks `model` on a grid of summaries and horizons: probabilities in `[0, 1]`;
/// expectations finite, ≥ 0, zero at `t = 0` and non-decreasing in `t`; P(alive at T + t),
/// where provided, equal to P(alive) at `t = 0` and non-increasing; the curve method
/// agreeing with the pointwise one; invalid summaries rejected with an error. Models in
/// [discrete time](TransactionModel::discrete_time) are checked on whole horizons and
/// summaries with `x ≤ t_x ≤ n`, and must refuse fractional times. Where the model
/// factors its expectation ([`expected_if_alive_curve`](TransactionModel::expected_if_alive_curve)),
/// P(alive) times that curve must equal the conditional expectation; where it factors
/// P(alive at T + t) ([`survival_if_alive`](TransactionModel::survival_if_alive)), likewise.
///
/// # Errors
///
/// [`Error::Undefined`] describing the first violated law (or the model's own error).
///
/// # Examples
///
/// ```
/// use customer_value::btyd::{BgBb, BgNbd, ParetoNbd, check_transaction_model};
///
/// check_transaction_model(&BgNbd::new(0.2425945, 4.4136019, 0.7929199, 2.4258881)?)?;
/// check_transaction_model(&ParetoNbd::new(0.55315, 10.57633, 0.60625, 11.67150)?)?;
/// check_transaction_model(&BgBb::new(1.2035, 0.7498, 0.6568, 2.7839)?)?;
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn check_transaction_model(model: &dyn TransactionModel) -> Result<()> {
    let fail = |reason: String| Error::Undefined {
        what: "TransactionModel conformance",
        reason: format!("{}: {reason}", model.name()),
    };
    let (horizons, summaries) = if model.discrete_time() {
        let (x, tx, n) = (1.0, 5.0, 40.0);
        if model.expected_purchases_new(0.5).is_ok()
            || model.expected_purchases(0.5, x, tx, n).is_ok()
            || model.probability_alive_at(0.5, x, tx, n).is_ok()
            || model.expected_purchases_curve(&[1.0, 0.5], x, tx, n).is_ok()
            || model.probability_alive(x, tx, n + 0.5).is_ok()
        {
            return Err(fail("a fractional time accepted in discrete time".to_owned()));
        }
        (DISCRETE_HORIZONS, DISCRETE_SUMMARIES)
    } else {
        (CONTINUOUS_HORIZONS, CONTINUOUS_SUMMARIES)
    };
    let mut last = 0.0;
    for &t in &horizons {
        let e = model.expected_purchases_new(t)?;
        if !(e.is_finite() && e >= 0.0) || e < last * (1.0 - 1e-12) {
            return Err(fail(format!("E[X({t})] = {e} after {last}")));
        }
        if t == 0.0 && e != 0.0 {
            return Err(fail(format!("E[X(0)] = {e}, not 0")));
        }
        last = e;
    }
    for &(x, tx, age) in &summaries {
        let p = model.probability_alive(x, tx, age)?;
        if !(0.0..=1.0).contains(&p) {
            return Err(fail(format!("P(alive | {x}, {tx}, {age}) = {p}")));
        }
        if !model.log_likelihood(x, tx, age)?.is_finite() {
            return Err(fail(format!("log-likelihood of ({x}, {tx}, {age}) not finite")));
        }
        // P(alive at T + t): optional, but when provided it starts at P(alive) and falls.
        if let Ok(p0) = model.probability_alive_at(0.0, x, tx, age) {
            if (p0 - p).abs() > 1e-12 {
                return Err(fail(format!("P(alive at T) = {p0} ≠ P(alive) = {p}")));
            }
            let mut prev = p0;
            for &t in &horizons {
                let pt = model.probability_alive_at(t, x, tx, age)?;
                if !(0.0..=1.0).contains(&pt) || pt > prev * (1.0 + 1e-12) {
                    return Err(fail(format!("P(alive at T + {t}) = {pt} after {prev}")));
                }
                prev = pt;
            }
        }
        let curve = model.expected_purchases_curve(&horizons, x, tx, age)?;
        let mut last = 0.0;
        for (&t, &c) in horizons.iter().zip(&curve) {
            let e = model.expected_purchases(t, x, tx, age)?;
            if !(e.is_finite() && e >= 0.0) || e < last * (1.0 - 1e-12) {
                return Err(fail(format!("E[Y({t}) | {x}, {tx}, {age}] = {e} after {last}")));
            }
            if (c - e).abs() > 1e-9 * e.abs().max(1e-300) {
                return Err(fail(format!("curve {c} ≠ pointwise {e} at t = {t}")));
            }
            last = e;
        }
        // A model that factors its expectation must factor it exactly: `clv_batch` relies
        // on P(alive) × E[Y(t) | alive] = E[Y(t)].
        if let Some(if_alive) = model.expected_if_alive_curve(&horizons, x, age) {
            for ((&t, &a), &e) in horizons.iter().zip(&if_alive?).zip(&curve) {
                if !a.is_finite() || (p * a - e).abs() > 1e-9 * e.abs().max(1e-300) {
                    return Err(fail(format!(
                        "P(alive) {p} × E[Y({t}) | alive] {a} ≠ E[Y({t})] {e} for ({x}, {tx}, {age})"
                    )));
                }
            }
        }
        // Likewise P(alive) × P(alive at T + t | alive at T) = P(alive at T + t) (`score`).
        for &t in &horizons {
            if let Some(s) = model.survival_if_alive(t, x, age) {
                let (s, at) = (s?, model.probability_alive_at(t, x, tx, age)?);
                if !s.is_finite() || ((p * s).clamp(0.0, 1.0) - at).abs() > 1e-9 * at.abs().max(1e-300) {
                    return Err(fail(format!(
                        "P(alive) {p} × survival {s} ≠ P(alive at T + {t}) {at} for ({x}, {tx}, {age})"
                    )));
                }
            }
        }
    }
    for (x, tx, age) in [
        (1.0, 5.0, 4.0),
        (0.0, 1.0, 4.0),
        (-1.0, 0.0, 4.0),
        (1.5, 1.0, 4.0),
        (1.0, f64::NAN, 4.0),
    ] {
        if model.probability_alive(x, tx, age).is_ok() || model.expected_purchases(1.0, x, tx, age).is_ok() {
            return Err(fail(format!("invalid summary ({x}, {tx}, {age}) accepted")));
        }
    }
    if model.expected_purchases_new(-1.0).is_ok() || model.expected_purchases_new(f64::NAN).is_ok() {
        return Err(fail("invalid horizon accepted".to_owned()));
    }
    Ok(())
}

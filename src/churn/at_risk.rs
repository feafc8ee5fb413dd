//! Model-based churn risk: the customers a model thinks are probably gone, ranked by
//! the value that goes with them — the analytical-CRM brief's "customers about to leave".
//!
//! Input is three parallel slices — keys, P(alive) and the value each customer would
//! bring *if alive* (e.g. a conditional CLV) — so any model can feed it: the
//! buy-till-you-die models' P(alive), a classifier's score, a survival model. A customer
//! is at risk when P(alive) < threshold; the **value at risk** is the expected lost value
//! (1 − P(alive)) × value. The ranking is by value at risk, highest first (ties by input
//! position), so retention budgets go where expected losses are largest rather than
//! where P(alive) is merely lowest.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// One at-risk customer.
///
/// # Examples
///
/// ```
/// use customer_value::churn::rank_at_risk;
///
/// let r = rank_at_risk(&["b"], &[0.3], &[1000.0], 0.5)?;
/// let b = &r.at_risk[0];
/// assert_eq!((b.customer, b.p_alive, b.value_if_alive), ("b", 0.3, 1000.0));
/// assert!((b.value_at_risk - 700.0).abs() < 1e-9); // (1 − 0.3) × 1000
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AtRisk<K> {
    /// The customer.
    pub customer: K,
    /// The model's probability that the customer is still active.
    pub p_alive: f64,
    /// The customer's value if alive.
    pub value_if_alive: f64,
    /// Expected lost value, (1 − `p_alive`) × `value_if_alive`.
    pub value_at_risk: f64,
}

/// The ranked at-risk customers and what was scored.
///
/// # Examples
///
/// ```
/// use customer_value::churn::rank_at_risk;
///
/// let r = rank_at_risk(&[1, 2, 3], &[0.95, 0.30, 0.10], &[500.0, 1000.0, 50.0], 0.5)?;
/// assert_eq!((r.threshold, r.scored, r.at_risk.len()), (0.5, 3, 2));
/// assert!((r.total_value_at_risk - 745.0).abs() < 1e-9); // 700 + 45
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AtRiskReport<K> {
    /// The P(alive) threshold used.
    pub threshold: f64,
    /// Customers scored.
    pub scored: u64,
    /// Customers with P(alive) below the threshold, by value at risk, highest first.
    pub at_risk: Vec<AtRisk<K>>,
    /// Σ value at risk over the at-risk customers.
    pub total_value_at_risk: f64,
}

/// Ranks the customers whose P(alive) is below `threshold` by value at risk.
///
/// # Errors
///
/// [`Error::LengthMismatch`] if the slices differ in length; [`Error::InvalidParameter`]
/// unless `threshold` is in [0, 1]; [`Error::InvalidRow`] for a P(alive) outside [0, 1]
/// or a value that is not finite; [`Error::Overflow`] if the total value at risk exceeds
/// `f64::MAX` (partial sums are scaled, so only a total that is itself not representable
/// is refused).
///
/// # Examples
///
/// ```
/// use customer_value::churn::rank_at_risk;
///
/// let ids = ["a", "b", "c", "d"];
/// let p_alive = [0.95, 0.30, 0.10, 0.40];
/// let clv = [500.0, 1000.0, 50.0, 400.0];
/// let r = rank_at_risk(&ids, &p_alive, &clv, 0.5)?;
/// let order: Vec<_> = r.at_risk.iter().map(|c| c.customer).collect();
/// assert_eq!(order, ["b", "d", "c"]); // 700, 240, 45 at risk; "a" is safe
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn rank_at_risk<K: Clone>(
    customers: &[K],
    p_alive: &[f64],
    value_if_alive: &[f64],
    threshold: f64,
) -> Result<AtRiskReport<K>> {
    if customers.len() != p_alive.len() {
        return Err(Error::LengthMismatch {
            left: "customers",
            left_len: customers.len(),
            right: "p_alive",
            right_len: p_alive.len(),
        });
    }
    if customers.len() != value_if_alive.len() {
        return Err(Error::LengthMismatch {
            left: "customers",
            left_len: customers.len(),
            right: "value_if_alive",
            right_len: value_if_alive.len(),
        });
    }
    if !(0.0..=1.0).contains(&threshold) {
        return Err(Error::param("threshold", threshold, "a probability in [0, 1]"));
    }
    let mut at_risk = Vec::new();
    for (row, ((c, &p), &v)) in customers.iter().zip(p_alive).zip(value_if_alive).enumerate() {
        if !(0.0..=1.0).contains(&p) {
            return Err(Error::InvalidRow {
                row: row as u64,
                reason: format!("P(alive) = {p} is not a probability"),
            });
        }
        if !v.is_finite() {
            return Err(Error::InvalidRow {
                row: row as u64,
                reason: format!("value {v} is not finite"),
            });
        }
        if p < threshold {
            at_risk.push(AtRisk {
                customer: c.clone(),
                p_alive: p,
                value_if_alive: v,
                value_at_risk: (1.0 - p) * v,
            });
        }
    }
    // Stable sort: equal values keep input order.
    at_risk.sort_by(|a, b| b.value_at_risk.total_cmp(&a.value_at_risk));
    // Exact power-of-two scaling keeps every partial sum finite; only a total beyond
    // f64::MAX itself is refused.
    let scale = crate::segment::pow2_scale(at_risk.iter().map(|a| a.value_at_risk));
    let total_value_at_risk = crate::segment::sum(at_risk.iter().map(|a| a.value_at_risk * scale)) / scale;
    if !total_value_at_risk.is_finite() {
        return Err(Error::Overflow {
            op: "total value at risk (beyond f64::MAX)",
        });
    }
    Ok(AtRiskReport {
        threshold,
        scored: customers.len() as u64,
        at_risk,
        total_value_at_risk,
    })
}

//! Satisfaction indices from survey answers: NPS, CSAT and an importance-weighted CSI.
//!
//! * **NPS** (Reichheld 2003): answers 0–10 to "how likely are you to recommend us";
//!   promoters answer 9–10, detractors 0–6 (fixed edges); NPS = 100 × (promoters −
//!   detractors) / answers, in [−100, 100]. Its standard error treats each answer as +1,
//!   0 or −1: `SE = 100 × √((p + d − (p − d)²) / n)` with `p`, `d` the shares.
//! * **CSAT**: the share of answers in the top boxes of a 1..=k scale (e.g. 4–5 of 5), or
//!   the mean answer.
//! * **CSI**: Σ importanceᵢ × satisfactionᵢ / Σ importanceᵢ over attributes, rescaled to
//!   0–100 from the satisfaction scale.
//!
//! No answers give `None`; answers outside the scale are an [`Error::InvalidRow`] naming
//! the position, never dropped.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// An NPS with its counts and sampling error.
///
/// The score is 100 × (promoters − detractors) / n; its standard error
/// 100 × √((p + d − (p − d)²) / n), with p and d the promoter and detractor shares.
///
/// # Examples
///
/// ```
/// use customer_value::satisfaction::Nps;
///
/// // 100 promoters, 40 passives, 60 detractors: NPS 20, SE 6.16. By hand: p = 0.5,
/// // d = 0.3, √((0.8 − 0.04) / 200) = 0.061644.
/// let nps = Nps::from_counts(100, 40, 60).expect("200 answers");
/// assert!((nps.score - 20.0).abs() < 1e-12);
/// assert!((nps.standard_error - 6.1644).abs() < 1e-4);
/// assert_eq!(Nps::from_counts(0, 0, 0), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Nps {
    /// Answers 9–10.
    pub promoters: u64,
    /// Answers 7–8.
    pub passives: u64,
    /// Answers 0–6.
    pub detractors: u64,
    /// The score, −100..=100.
    pub score: f64,
    /// Its standard error (same units).
    pub standard_error: f64,
}

impl Nps {
    /// NPS from counts; `None` if there are none.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::satisfaction::Nps;
    ///
    /// let nps = Nps::from_counts(100, 40, 60).unwrap();
    /// assert!((nps.score - 20.0).abs() < 1e-12);
    /// assert!((nps.standard_error - 6.16).abs() < 0.005);
    /// ```
    #[must_use]
    pub fn from_counts(promoters: u64, passives: u64, detractors: u64) -> Option<Nps> {
        let n = promoters.checked_add(passives)?.checked_add(detractors)?;
        if n == 0 {
            return None;
        }
        let nf = n as f64;
        let (p, d) = (promoters as f64 / nf, detractors as f64 / nf);
        let var = ((p + d) - (p - d) * (p - d)).max(0.0) / nf;
        Some(Nps {
            promoters,
            passives,
            detractors,
            score: 100.0 * (p - d),
            standard_error: 100.0 * var.sqrt(),
        })
    }

    /// NPS from 0–10 answers; `Ok(None)` for no answers.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidRow`] for an answer above 10, naming its position.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::satisfaction::Nps;
    ///
    /// let nps = Nps::from_answers(&[10, 9, 8, 3])?.unwrap();
    /// assert!((nps.score - 25.0).abs() < 1e-12);
    /// assert!(Nps::from_answers(&[])?.is_none());
    /// assert!(Nps::from_answers(&[11]).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn from_answers(answers: &[u8]) -> Result<Option<Nps>> {
        let (mut p, mut m, mut d) = (0_u64, 0_u64, 0_u64);
        for (i, &a) in answers.iter().enumerate() {
            match a {
                9..=10 => p += 1,
                7..=8 => m += 1,
                0..=6 => d += 1,
                _ => {
                    return Err(Error::InvalidRow {
                        row: i as u64,
                        reason: format!("NPS answer {a} is outside 0..=10"),
                    });
                }
            }
        }
        Ok(Nps::from_counts(p, m, d))
    }

    /// A normal-approximation confidence interval `score ± z × SE`, clamped to
    /// [−100, 100] (`z` = 1.96 for 95 %).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] unless `z` is finite and positive.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::satisfaction::Nps;
    ///
    /// let (lo, hi) = Nps::from_counts(100, 40, 60).unwrap().interval(1.96)?;
    /// assert!((lo - 7.92).abs() < 0.01 && (hi - 32.08).abs() < 0.01);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn interval(&self, z: f64) -> Result<(f64, f64)> {
        if !(z.is_finite() && z > 0.0) {
            return Err(Error::param("z", z, "a positive finite normal quantile"));
        }
        let h = z * self.standard_error;
        Ok(((self.score - h).max(-100.0), (self.score + h).min(100.0)))
    }
}

/// CSAT as the share (in %) of answers on a `1..=scale` scale in the top `top_boxes`
/// boxes; `Ok(None)` for no answers.
///
/// # Errors
///
/// [`Error::InvalidParameter`] unless `2 ≤ scale` and `1 ≤ top_boxes < scale`;
/// [`Error::InvalidRow`] for an answer outside `1..=scale`.
///
/// # Examples
///
/// ```
/// use customer_value::satisfaction::csat_top_box;
///
/// // 74 of 107 answers are 4 or 5 on a five-point scale: 69.16 %.
/// let mut answers = vec![5_u8; 40];
/// answers.extend([4; 34]);
/// answers.extend([3; 20]);
/// answers.extend([1; 13]);
/// let csat = csat_top_box(&answers, 5, 2)?.unwrap();
/// assert!((csat - 69.16).abs() < 0.005);
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn csat_top_box(answers: &[u8], scale: u8, top_boxes: u8) -> Result<Option<f64>> {
    if scale < 2 {
        return Err(Error::param("scale", scale, "at least a 2-point scale"));
    }
    if top_boxes == 0 || top_boxes >= scale {
        return Err(Error::param("top_boxes", top_boxes, "between 1 and scale − 1"));
    }
    check_scale(answers, scale)?;
    if answers.is_empty() {
        return Ok(None);
    }
    let cut = scale - top_boxes + 1;
    let top = answers.iter().filter(|&&a| a >= cut).count();
    Ok(Some(100.0 * top as f64 / answers.len() as f64))
}

/// CSAT as the mean answer on a `1..=scale` scale; `Ok(None)` for no answers.
///
/// # Errors
///
/// [`Error::InvalidParameter`] if `scale < 2`; [`Error::InvalidRow`] for an answer
/// outside `1..=scale`.
///
/// # Examples
///
/// ```
/// use customer_value::satisfaction::csat_mean;
/// assert_eq!(csat_mean(&[5, 4, 3], 5)?, Some(4.0));
/// assert!(csat_mean(&[0], 5).is_err());
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn csat_mean(answers: &[u8], scale: u8) -> Result<Option<f64>> {
    if scale < 2 {
        return Err(Error::param("scale", scale, "at least a 2-point scale"));
    }
    check_scale(answers, scale)?;
    if answers.is_empty() {
        return Ok(None);
    }
    Ok(Some(
        answers.iter().map(|&a| f64::from(a)).sum::<f64>() / answers.len() as f64,
    ))
}

fn check_scale(answers: &[u8], scale: u8) -> Result<()> {
    match answers.iter().position(|&a| a == 0 || a > scale) {
        Some(i) => Err(Error::InvalidRow {
            row: i as u64,
            reason: format!(
                "answer {} is outside 1..={scale}",
                answers.get(i).copied().unwrap_or(0)
            ),
        }),
        None => Ok(()),
    }
}

/// One attribute of a CSI survey: how important it is and how satisfied customers are.
///
/// # Examples
///
/// ```
/// use customer_value::satisfaction::{csi, CsiItem};
///
/// // One attribute, mean satisfaction 3 on a 1..=5 scale: halfway, 50.
/// let delivery = CsiItem { importance: 2.0, satisfaction: 3.0 };
/// assert_eq!(csi(&[delivery], 5)?, Some(50.0));
/// assert!(csi(&[CsiItem { importance: 1.0, satisfaction: 6.0 }], 5).is_err()); // off the scale
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CsiItem {
    /// Importance weight, ≥ 0 (e.g. mean importance rating).
    pub importance: f64,
    /// Mean satisfaction on the `1..=scale` scale.
    pub satisfaction: f64,
}

/// Importance-weighted customer satisfaction index on 0–100:
/// `100 × (Σ wᵢ sᵢ / Σ wᵢ − 1) / (scale − 1)`. `Ok(None)` for no items.
///
/// # Errors
///
/// [`Error::InvalidParameter`] if `scale < 2` or every importance is 0;
/// [`Error::InvalidRow`] for a negative or non-finite importance, or a satisfaction
/// outside `[1, scale]`. Any finite importances give an index in [0, 100] (they are
/// scaled by an exact power of two before summing).
///
/// # Examples
///
/// ```
/// use customer_value::satisfaction::{csi, CsiItem};
///
/// let items = [
///     CsiItem { importance: 3.0, satisfaction: 5.0 },
///     CsiItem { importance: 1.0, satisfaction: 1.0 },
/// ];
/// // Weighted mean 4 on a 1..=5 scale → 75.
/// assert_eq!(csi(&items, 5)?, Some(75.0));
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn csi(items: &[CsiItem], scale: u8) -> Result<Option<f64>> {
    if scale < 2 {
        return Err(Error::param("scale", scale, "at least a 2-point scale"));
    }
    if items.is_empty() {
        return Ok(None);
    }
    let top = f64::from(scale);
    let (mut w, mut ws) = (0.0, 0.0);
    for (i, it) in items.iter().enumerate() {
        if !(it.importance.is_finite() && it.importance >= 0.0) {
            return Err(Error::InvalidRow {
                row: i as u64,
                reason: format!("importance {} must be finite and ≥ 0", it.importance),
            });
        }
        if !(it.satisfaction.is_finite() && (1.0..=top).contains(&it.satisfaction)) {
            return Err(Error::InvalidRow {
                row: i as u64,
                reason: format!("satisfaction {} is outside 1..={scale}", it.satisfaction),
            });
        }
    }
    // Importances scaled by an exact power of two: the weighted mean is unchanged and the
    // sums stay finite for any finite importances (1e308, many of them).
    let scale = crate::segment::pow2_scale(items.iter().map(|it| it.importance));
    for it in items {
        let importance = it.importance * scale;
        w += importance;
        ws += importance * it.satisfaction;
    }
    if w <= 0.0 {
        return Err(Error::param("importance", w, "at least one positive importance"));
    }
    // The weighted mean lies in [1, scale]; the clamp only absorbs rounding.
    Ok(Some((100.0 * (ws / w - 1.0) / (top - 1.0)).clamp(0.0, 100.0)))
}

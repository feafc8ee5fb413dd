//! BG/BB input: validated `(x, t_x, n)` patterns with weights.

use serde::Serialize;

use crate::error::{Error, Result};

/// Distinct `(x, t_x, n)` patterns with the number of customers of each.
///
/// # Examples
///
/// ```
/// use customer_value::btyd::DiscreteSummaries;
///
/// let d = DiscreteSummaries::from_weighted_rows(&[0, 1, 1], &[0, 1, 1], &[6, 6, 6], &[3464.0, 1091.0, 1.0])?;
/// assert_eq!(d.len(), 2);
/// # Ok::<(), customer_value::Error>(())
/// ```
///
/// Fields are private so that every value has passed validation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DiscreteSummaries {
    frequency: Vec<u32>,
    recency: Vec<u32>,
    periods: Vec<u32>,
    weight: Vec<f64>,
}

/// Checks `x ≤ t_x ≤ n` and `x = 0 ⇔ t_x = 0`.
pub(super) fn check_pattern(x: u32, t_x: u32, n: u32) -> Result<()> {
    if t_x > n {
        return Err(Error::param(
            "recency",
            t_x,
            "must not exceed the opportunities n",
        ));
    }
    if x > t_x {
        return Err(Error::param("frequency", x, "cannot exceed the recency t_x"));
    }
    if (x == 0) != (t_x == 0) {
        return Err(Error::param("recency", t_x, "is 0 exactly when frequency is 0"));
    }
    Ok(())
}

impl DiscreteSummaries {
    /// Patterns with weights; identical patterns are merged.
    ///
    /// # Errors
    ///
    /// [`Error::LengthMismatch`]; [`Error::EmptyInput`]; [`Error::InvalidRow`] for an
    /// impossible pattern or a weight that is not finite and > 0.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::DiscreteSummaries;
    ///
    /// // Three of the 22 patterns of the donation data (Fader, Hardie & Shang 2010; n = 6 years).
    /// let d = DiscreteSummaries::from_weighted_rows(&[6, 0, 1], &[6, 0, 1], &[6, 6, 6], &[1203.0, 3464.0, 1091.0])?;
    /// assert_eq!(d.frequency(), [0, 1, 6]); // sorted by (x, t_x, n)
    /// assert_eq!(d.weight(), [3464.0, 1091.0, 1203.0]);
    /// // x ≤ t_x ≤ n: two donations cannot fall in the first year alone.
    /// assert!(DiscreteSummaries::from_weighted_rows(&[2], &[1], &[6], &[1.0]).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn from_weighted_rows(
        frequency: &[u32],
        recency: &[u32],
        periods: &[u32],
        weight: &[f64],
    ) -> Result<Self> {
        let n = frequency.len();
        for (name, len) in [
            ("recency", recency.len()),
            ("periods", periods.len()),
            ("weight", weight.len()),
        ] {
            if len != n {
                return Err(Error::LengthMismatch {
                    left: "frequency",
                    left_len: n,
                    right: name,
                    right_len: len,
                });
            }
        }
        if n == 0 {
            return Err(Error::EmptyInput {
                what: "discrete summaries",
            });
        }
        let mut rows = Vec::with_capacity(n);
        // The lengths are equal (checked above), so the zip visits every row.
        let columns = frequency.iter().zip(recency).zip(periods).zip(weight);
        for (i, (((&x, &tx), &p), &w)) in columns.enumerate() {
            let bad = |e: Error| Error::InvalidRow {
                row: i as u64,
                reason: e.to_string(),
            };
            check_pattern(x, tx, p).map_err(bad)?;
            if !(w.is_finite() && w > 0.0) {
                return Err(bad(Error::param("weight", w, "must be finite and > 0")));
            }
            rows.push((x, tx, p, w));
        }
        rows.sort_unstable_by_key(|r| (r.0, r.1, r.2));
        let mut out = DiscreteSummaries {
            frequency: Vec::new(),
            recency: Vec::new(),
            periods: Vec::new(),
            weight: Vec::new(),
        };
        for (x, tx, p, w) in rows {
            let same = out.frequency.last() == Some(&x)
                && out.recency.last() == Some(&tx)
                && out.periods.last() == Some(&p);
            match out.weight.last_mut() {
                Some(lw) if same => *lw += w,
                _ => {
                    out.frequency.push(x);
                    out.recency.push(tx);
                    out.periods.push(p);
                    out.weight.push(w);
                }
            }
        }
        Ok(out)
    }

    /// Transactions `x` of each pattern.
    #[must_use]
    pub fn frequency(&self) -> &[u32] {
        &self.frequency
    }

    /// Opportunity of the last transaction `t_x` (0 without any) of each pattern.
    #[must_use]
    pub fn recency(&self) -> &[u32] {
        &self.recency
    }

    /// Opportunities `n` of each pattern.
    #[must_use]
    pub fn periods(&self) -> &[u32] {
        &self.periods
    }

    /// Customers with each pattern.
    ///
    /// ```
    /// use customer_value::btyd::DiscreteSummaries;
    ///
    /// // Two rows of the same pattern (x = 1, t_x = 1, n = 6) are one, with their weights added.
    /// let d = DiscreteSummaries::from_weighted_rows(&[0, 1, 1], &[0, 1, 1], &[6, 6, 6], &[3464.0, 1091.0, 1.0])?;
    /// let i = d.frequency().iter().position(|&x| x == 1).unwrap();
    /// assert_eq!((d.recency()[i], d.periods()[i], d.weight()[i]), (1, 6, 1092.0));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn weight(&self) -> &[f64] {
        &self.weight
    }

    /// Distinct patterns.
    #[must_use]
    pub fn len(&self) -> usize {
        self.weight.len()
    }

    /// Whether there are none (never true for a constructed value).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.weight.is_empty()
    }
}

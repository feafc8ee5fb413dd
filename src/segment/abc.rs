//! ABC (Pareto) classes: customers ranked by value and cut where the cumulative share of
//! value crosses given points (default 80 % / 95 %: A brings the first 80 % of value, B the
//! next 15 %, C the last 5 %).
//!
//! # Boundary and tie rule
//!
//! Customers are taken from the most valuable down, **tied values as one block**. A block
//! belongs to the first class whose cut point the value *before* it has not yet reached:
//! with cut points `c_1 < c_2 < …`, a block is in class `k` (0 = A) when exactly `k` cut
//! points satisfy `c_j · total ≤ value of all more valuable customers` (with a relative
//! rounding slack of 1e-12, so a cut hit exactly counts as reached). So the customer
//! who crosses a cut point stays in the class being filled (class A is the smallest set
//! of top customers reaching 80 %, as [`Concentration::customers_for_share`]), and equal
//! values always share a class: the result does not depend on input order. A class can be
//! empty when one block jumps over a whole class.
//!
//! [`Concentration::customers_for_share`]: super::Concentration::customers_for_share

use serde::{Deserialize, Serialize};

use super::rank::{canon, sort_f64};
use super::{check_finite, sum};
use crate::error::{Error, Result};

/// Cumulative cut points of value share between ABC classes: strictly increasing, in
/// `(0, 1]`. `k` cut points make `k + 1` classes.
///
/// # Examples
///
/// ```
/// use customer_value::segment::AbcCuts;
///
/// assert_eq!(AbcCuts::default().cuts(), &[0.80, 0.95]);
/// assert!(AbcCuts::new(vec![0.7, 0.9, 0.99]).is_ok());
/// assert!(AbcCuts::new(vec![0.95, 0.80]).is_err()); // out of order
/// assert!(AbcCuts::new(vec![0.0, 0.5]).is_err()); // outside (0, 1]
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AbcCuts {
    cuts: Vec<f64>,
}

impl Default for AbcCuts {
    /// 80 / 15 / 5 % of value.
    fn default() -> Self {
        AbcCuts {
            cuts: vec![0.80, 0.95],
        }
    }
}

impl AbcCuts {
    /// Validated cut points.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] if there are none or more than 25, one is outside
    /// `(0, 1]` or not finite, or they are not strictly increasing.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::segment::AbcCuts;
    ///
    /// let cuts = AbcCuts::new(vec![0.5, 0.8, 0.95])?; // A, B, C, D
    /// assert_eq!(cuts.classes(), 4);
    /// assert!(AbcCuts::new(vec![0.8, 0.5]).is_err()); // not increasing
    /// assert!(AbcCuts::new(vec![1.5]).is_err()); // outside (0, 1]
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn new(cuts: Vec<f64>) -> Result<Self> {
        if cuts.is_empty() || cuts.len() > 25 {
            return Err(Error::param(
                "cuts",
                format!("{cuts:?}"),
                "between 1 and 25 cut points",
            ));
        }
        if cuts.iter().any(|&c| !(c > 0.0 && c <= 1.0)) {
            return Err(Error::param(
                "cuts",
                format!("{cuts:?}"),
                "cut points must be in (0, 1]",
            ));
        }
        if cuts.windows(2).any(|w| matches!(w, [a, b] if a >= b)) {
            return Err(Error::param(
                "cuts",
                format!("{cuts:?}"),
                "cut points must be strictly increasing",
            ));
        }
        Ok(AbcCuts { cuts })
    }

    /// The cut points.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::segment::AbcCuts;
    ///
    /// assert_eq!(AbcCuts::default().cuts(), [0.8, 0.95]); // the usual 80 / 15 / 5 split
    /// ```
    #[must_use]
    pub fn cuts(&self) -> &[f64] {
        &self.cuts
    }

    /// Number of classes (`cuts + 1`).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::segment::AbcCuts;
    ///
    /// assert_eq!(AbcCuts::default().classes(), 3);
    /// ```
    #[must_use]
    pub fn classes(&self) -> usize {
        self.cuts.len() + 1
    }

    /// The letter of class `k` (0 → 'A').
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::segment::AbcCuts;
    ///
    /// assert_eq!((AbcCuts::label(0), AbcCuts::label(2)), ('A', 'C'));
    /// ```
    #[must_use]
    pub fn label(k: u8) -> char {
        char::from(b'A'.saturating_add(k))
    }
}

/// ABC classes of every customer, with per-class totals.
///
/// # Examples
///
/// ```
/// use customer_value::segment::{abc_classes, AbcCuts};
///
/// let abc = abc_classes(&[80.0, 15.0, 5.0], &AbcCuts::default())?; // 80 %, 95 %, 100 %
/// assert_eq!(abc.classes, [0, 1, 2]);
/// assert_eq!(abc.counts, [1, 1, 1]);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AbcClasses {
    /// Class of each customer, in input order (0 = A).
    pub classes: Vec<u8>,
    /// Customers per class.
    pub counts: Vec<usize>,
    /// Total value per class.
    pub value: Vec<f64>,
    /// Share of the total value per class.
    pub share: Vec<f64>,
    /// Smallest value in each class (`None` if empty).
    pub min_value: Vec<Option<f64>>,
}

/// Classes customers by cumulative share of value (see the module docs for the boundary
/// and tie rule). Negative values are allowed (they fall in the last class); the total
/// must be positive.
///
/// # Errors
///
/// [`Error::EmptyInput`]; [`Error::InvalidRow`] for a NaN or infinite value;
/// [`Error::Undefined`] if the total is not positive; [`Error::Overflow`] if Σ |value|
/// exceeds `f64::MAX` (a class total could not be finite) or Σ |value| / total exceeds
/// `f64::MAX` / 4 (a positive total tiny beside the values: shares would be ±∞).
///
/// # Examples
///
/// ```
/// use customer_value::segment::{abc_classes, AbcCuts};
///
/// let spend = [500.0, 20.0, 300.0, 100.0, 50.0, 20.0, 10.0];
/// let abc = abc_classes(&spend, &AbcCuts::default())?;
/// // 500 + 300 = 800 of 1000 is exactly 80 %: A stops there; 100 + 50 reach 95 %.
/// assert_eq!(abc.classes, vec![0, 2, 0, 1, 1, 2, 2]);
/// assert_eq!(abc.counts, vec![2, 2, 3]);
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn abc_classes(values: &[f64], cuts: &AbcCuts) -> Result<AbcClasses> {
    check_finite(values, "ABC values")?;
    super::check_abs_sum(values, "ABC classes: the sum of |values| exceeds f64::MAX")?;
    let total = sum(values.iter().copied());
    if total <= 0.0 || !total.is_finite() {
        return Err(Error::Undefined {
            what: "ABC classes",
            reason: format!("the total value is {total}; shares need a positive total"),
        });
    }
    super::check_share_range(
        values,
        total,
        "ABC classes: the total is too small beside the values for finite shares",
    )?;
    let mut sorted: Vec<f64> = values.iter().map(|&v| canon(v)).collect();
    sort_f64(&mut sorted);
    let classes_n = cuts.classes();
    let mut min_value: Vec<Option<f64>> = vec![None; classes_n];
    let (mut before, mut comp) = (0.0_f64, 0.0_f64);
    let mut i = sorted.len();
    while i > 0 {
        let v = sorted.get(i - 1).copied().unwrap_or(0.0);
        let mut j = i - 1;
        while j > 0 && sorted.get(j - 1).is_some_and(|&w| w.total_cmp(&v).is_eq()) {
            j -= 1;
        }
        let class = cuts
            .cuts
            .iter()
            .filter(|&&c| c * total * (1.0 - 1e-12) <= before + comp)
            .count();
        if let Some(slot) = min_value.get_mut(class) {
            *slot = Some(v);
        }
        for _ in j..i {
            let t = before + v;
            comp += if before.abs() >= v.abs() {
                (before - t) + v
            } else {
                (v - t) + before
            };
            before = t;
        }
        i = j;
    }
    drop(sorted);
    let class_of = |v: f64| -> u8 {
        let v = canon(v);
        min_value
            .iter()
            .position(|m| m.is_some_and(|m| v >= m))
            .unwrap_or(classes_n - 1) as u8
    };
    let classes: Vec<u8> = values.iter().map(|&v| class_of(v)).collect();
    let mut counts = vec![0_usize; classes_n];
    let mut value = vec![0.0_f64; classes_n];
    for (&c, &v) in classes.iter().zip(values) {
        if let (Some(n), Some(s)) = (counts.get_mut(usize::from(c)), value.get_mut(usize::from(c))) {
            *n += 1;
            *s += v;
        }
    }
    let share = value.iter().map(|v| v / total).collect();
    Ok(AbcClasses {
        classes,
        counts,
        value,
        share,
        min_value,
    })
}

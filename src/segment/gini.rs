//! The Gini coefficient of customer value, with an explicit policy for negative values.
//!
//! With values sorted ascending `x_(1) ≤ … ≤ x_(n)`, the mean absolute difference gives
//! `ΣΣ|x_i − x_j| = 2 Σ_i (2i − n − 1) x_(i)`, so one sort is the whole cost:
//!
//! * population Gini `G = ΣΣ|x_i − x_j| / (2 n² μ)`;
//! * small-sample corrected `G · n / (n − 1)` (R `ineq::Gini(corr = TRUE)`), which reaches
//!   1 when one customer holds everything.
//!
//! Profits and net spend can be negative, and then `G` is no longer in `[0, 1]`. The
//! caller chooses what to do ([`NegativeValues`]).

use serde::{Deserialize, Serialize};

use super::rank::sorted_ascending;
use super::{check_finite, pow2_scale, sum};
use crate::error::{Error, Result};

/// What [`gini`] does with negative values.
///
/// # Examples
///
/// ```
/// use customer_value::segment::{NegativeValues, gini};
///
/// let net = [-10.0, 10.0, 20.0, 30.0];
/// assert!(gini(&net, NegativeValues::Error).is_err());
/// let zeroed = gini(&net, NegativeValues::SetToZero)?;
/// assert_eq!(zeroed.negatives, 1);
/// let rsv = gini(&net, NegativeValues::RaffinettiSilettiVernizzi)?;
/// assert!((0.0..=1.0).contains(&rsv.population));
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum NegativeValues {
    /// Refuse them: [`Error::InvalidRow`] naming the first negative value.
    #[default]
    Error,
    /// Use the formula as is. The result can exceed 1 (and is undefined if the mean is
    /// not positive).
    Raw,
    /// Treat negative values as zero (customers who destroyed value held none).
    SetToZero,
    /// If any value is negative, subtract the minimum so the smallest value is zero (values
    /// that are all non-negative are left alone). The Gini is then that of a
    /// different distribution, and depends on the size of the worst loss.
    Shift,
    /// Raffinetti, Siletti & Vernizzi (2015): divide by `2 n (T⁺ + T⁻)`, where `T⁺` is the
    /// sum of positive and `T⁻` the absolute sum of negative values. Stays in `[0, 1]`.
    RaffinettiSilettiVernizzi,
}

/// A Gini coefficient.
///
/// # Examples
///
/// ```
/// use customer_value::segment::{NegativeValues, gini};
///
/// let g = gini(&[1.0, 2.0, 3.0, 4.0], NegativeValues::Error)?;
/// // Σ|xᵢ − xⱼ| / (2 n² x̄) = 20 / 80 = 0.25; corrected × 4/3.
/// assert!((g.population - 0.25).abs() < 1e-12);
/// assert!((g.corrected.unwrap() - 1.0 / 3.0).abs() < 1e-12);
/// assert_eq!((g.n, g.negatives), (4, 0));
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Gini {
    /// Population Gini (denominator `n²`).
    pub population: f64,
    /// Small-sample corrected Gini, `population · n / (n − 1)`; `None` for one customer.
    pub corrected: Option<f64>,
    /// Number of values.
    pub n: usize,
    /// How many values were negative (and handled by the policy).
    pub negatives: usize,
}

/// The Gini coefficient of `values` under a [`NegativeValues`] policy.
///
/// # Errors
///
/// [`Error::EmptyInput`] for no values; [`Error::InvalidRow`] for a NaN or infinite value,
/// or a negative value under [`NegativeValues::Error`]; [`Error::Undefined`] when the
/// denominator is zero (all values zero, or equal after [`NegativeValues::Shift`]) or,
/// under [`NegativeValues::Raw`], when the mean is not positive; [`Error::Overflow`] under
/// [`NegativeValues::Raw`] when the mean is so small beside the spread that the
/// coefficient (or its corrected form) exceeds `f64::MAX`. Values are scaled by
/// an exact power of two before summing, so any finite values (1e308, many of them) give a
/// finite coefficient.
///
/// # Examples
///
/// ```
/// use customer_value::segment::{gini, NegativeValues};
///
/// // Julia Inequality.jl documentation.
/// let g = gini(&[8.0, 5.0, 1.0, 3.0, 5.0, 6.0, 7.0, 6.0, 3.0], NegativeValues::Error)?;
/// assert!((g.population - 0.2373737).abs() < 1e-7);
///
/// // Negative values: Raffinetti, Siletti & Vernizzi keep the index in [0, 1].
/// let v = [-10.0, -1.0, 0.0, 5.0, 100.0];
/// let g = gini(&v, NegativeValues::RaffinettiSilettiVernizzi)?;
/// assert!((g.population - 0.7793103).abs() < 1e-7);
/// assert!(gini(&v, NegativeValues::Error).is_err());
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn gini(values: &[f64], negatives: NegativeValues) -> Result<Gini> {
    check_finite(values, "gini values")?;
    let negative_count = values.iter().filter(|&&v| v < 0.0).count();
    if negative_count > 0 && negatives == NegativeValues::Error {
        let row = values.iter().position(|&v| v < 0.0).unwrap_or(0);
        return Err(Error::InvalidRow {
            row: row as u64,
            reason: "negative value; choose a NegativeValues policy other than Error".into(),
        });
    }
    let mut sorted = sorted_ascending(values);
    if negatives == NegativeValues::SetToZero {
        for v in sorted.iter_mut().take_while(|v| **v < 0.0) {
            *v = 0.0;
        }
    }
    // Exact power-of-two scaling: the ratio below is unchanged, no sum can overflow.
    let scale = pow2_scale(sorted.iter().copied());
    for v in &mut sorted {
        *v *= scale;
    }
    let n = sorted.len();
    let nf = n as f64;
    // Σ (2i − n − 1) x_(i), i 1-based: half of ΣΣ|x_i − x_j|; invariant to a shift.
    let s = sum(sorted
        .iter()
        .enumerate()
        .map(|(i, &x)| (2.0 * (i as f64 + 1.0) - nf - 1.0) * x));
    let denominator = match negatives {
        NegativeValues::Shift => {
            let min = sorted.first().copied().unwrap_or(0.0).min(0.0);
            nf * sum(sorted.iter().map(|&x| x - min))
        }
        NegativeValues::RaffinettiSilettiVernizzi => nf * sum(sorted.iter().map(|x| x.abs())),
        _ => nf * sum(sorted.iter().copied()),
    };
    if negatives == NegativeValues::Raw && denominator <= 0.0 {
        return Err(Error::Undefined {
            what: "Gini coefficient",
            reason: "the mean value is not positive".into(),
        });
    }
    if denominator <= 0.0 || !denominator.is_finite() {
        return Err(Error::Undefined {
            what: "Gini coefficient",
            reason: "all values are zero (or equal after shifting): there is no total to share".into(),
        });
    }
    let mut population = s / denominator;
    // Rounding can leave a tiny negative for equal values; the exact value is 0.
    if population.abs() < 1e-15 {
        population = 0.0;
    }
    let corrected = (n > 1).then(|| population * nf / (nf - 1.0));
    // Under `Raw`, a positive mean tiny beside the spread (1e308 and −1e308 nearly
    // cancelling) makes the coefficient itself exceed `f64::MAX`.
    if !population.is_finite() || corrected.is_some_and(|c| !c.is_finite()) {
        return Err(Error::Overflow {
            op: "Gini coefficient",
        });
    }
    Ok(Gini {
        population,
        corrected,
        n,
        negatives: negative_count,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() < 5e-8, "{a} vs {b}");
    }

    #[test]
    fn published_values() {
        // R ineq: nine 10s and one 100.
        let mut v = vec![10.0; 9];
        v.push(100.0);
        let g = gini(&v, NegativeValues::Error).unwrap();
        close(g.population, 0.4263158);
        close(g.corrected.unwrap(), 0.4736842);
        // microdf / GiniWegNeg, with negatives.
        let v = [-10.0, -1.0, 0.0, 5.0, 100.0];
        close(gini(&v, NegativeValues::Raw).unwrap().population, 0.9617021);
        close(gini(&v, NegativeValues::SetToZero).unwrap().population, 0.7809524);
        close(gini(&v, NegativeValues::Shift).unwrap().population, 0.6277778);
        close(
            gini(&v, NegativeValues::RaffinettiSilettiVernizzi)
                .unwrap()
                .population,
            0.7793103,
        );
    }

    #[test]
    fn degenerate_inputs_are_errors() {
        assert!(matches!(
            gini(&[], NegativeValues::Error),
            Err(Error::EmptyInput { .. })
        ));
        assert!(matches!(
            gini(&[0.0, 0.0], NegativeValues::Error),
            Err(Error::Undefined { .. })
        ));
        assert!(matches!(
            gini(&[1.0, f64::NAN], NegativeValues::Error),
            Err(Error::InvalidRow { row: 1, .. })
        ));
        assert!(matches!(
            gini(&[-3.0, -3.0], NegativeValues::Shift),
            Err(Error::Undefined { .. })
        ));
        assert!(gini(&[3.0, 3.0], NegativeValues::Shift).unwrap().population.abs() < 1e-15);
        assert!(matches!(
            gini(&[-3.0, 1.0], NegativeValues::Raw),
            Err(Error::Undefined { .. })
        ));
        let one = gini(&[5.0], NegativeValues::Error).unwrap();
        assert_eq!(one.corrected, None);
        assert!(one.population.abs() < 1e-15);
    }
}

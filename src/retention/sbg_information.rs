//! The observed information of the shifted-beta-geometric likelihood, and the standard
//! errors and covariance of a fit taken from it.
//!
//! The sBG log-likelihood factorises over periods into conditional churn decisions: of
//! the nᵢ customers at risk in period i + 1 (i = 0, …, n − 1), Lᵢ churn with probability
//! α / cᵢ and the other nᵢ − Lᵢ renew with probability (β + i) / cᵢ, where cᵢ = α + β + i:
//!
//! LL = Σᵢ Lᵢ ln(α / cᵢ) + (nᵢ − Lᵢ) ln((β + i) / cᵢ).
//!
//! Its second derivatives are therefore exact finite sums — no digamma, no finite
//! differences. With D = Σᵢ Lᵢ the customers who churned, the observed information
//! I = −∇² LL in (α, β) is
//!
//! * I_αα = D / α² − Σᵢ nᵢ / cᵢ²
//! * I_αβ = −Σᵢ nᵢ / cᵢ²
//! * I_ββ = Σᵢ (nᵢ − Lᵢ) / (β + i)² − Σᵢ nᵢ / cᵢ²
//!
//! and at the maximum-likelihood estimate the covariance of (α̂, β̂) is I⁻¹.

use super::ShiftedBetaGeometric;
use crate::error::{Error, Result};
use crate::special::invert_spd;

/// The information counts as singular when its determinant is below this share of the
/// product of its diagonal, i.e. when the estimates' correlation exceeds
/// |ρ| > 1 − 5·10⁻¹¹: there the determinant is lost to rounding (a single period, for
/// instance, identifies only α / (α + β), and the exact determinant is 0).
const SINGULAR_DETERMINANT: f64 = 1e-10;

impl ShiftedBetaGeometric {
    /// The observed information −∇² LL at this model's (α, β), for a cohort of which
    /// `lost[t − 1]` customers churned in period t = 1, …, n and `still_active` remain:
    /// the negative Hessian of [`log_likelihood`](Self::log_likelihood) with respect to
    /// α and β themselves (not their logarithms), as `[[I_αα, I_αβ], [I_αβ, I_ββ]]`.
    ///
    /// The second derivatives are analytic, exact sums over the periods: with nᵢ customers
    /// at risk in period i + 1, Lᵢ of them churning, D = Σ Lᵢ and cᵢ = α + β + i,
    /// I_αα = D / α² − Σ nᵢ / cᵢ², I_αβ = −Σ nᵢ / cᵢ² and
    /// I_ββ = Σ (nᵢ − Lᵢ) / (β + i)² − Σ nᵢ / cᵢ².
    /// At the maximum-likelihood estimate its inverse is the covariance that
    /// [`SbgFit::covariance`](super::SbgFit::covariance) reports.
    ///
    /// # Errors
    ///
    /// [`Error::Overflow`] if an entry is not a finite `f64`: a shape parameter so small
    /// (α² or (β + i)² underflowing, e.g. α < 1e-154) or counts so large that D / α² or
    /// Σ nᵢ / cᵢ² overflows. Every `Ok` matrix is finite.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::retention::ShiftedBetaGeometric;
    ///
    /// // One period identifies only the mean churn α / (α + β): the information is
    /// // singular, its determinant 0 up to rounding.
    /// let m = ShiftedBetaGeometric::new(1.0, 3.0)?;
    /// let [[aa, ab], [_, bb]] = m.observed_information(&[25], 75)?;
    /// assert!((aa * bb - ab * ab).abs() < 1e-9 * aa * bb);
    /// // Two periods identify both parameters.
    /// let [[aa, ab], [_, bb]] = m.observed_information(&[25, 15], 60)?;
    /// assert!(aa > 0.0 && aa * bb - ab * ab > 0.0);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn observed_information(&self, lost: &[u64], still_active: u64) -> Result<[[f64; 2]; 2]> {
        let (alpha, beta) = (self.alpha(), self.beta());
        // Walk the periods from the last one back, so that the number at risk is a sum
        // (survivors + later churners) and never a difference.
        let mut at_risk = still_active as f64;
        let (mut churned, mut both, mut renew) = (0.0_f64, 0.0_f64, 0.0_f64);
        for (i, &l) in lost.iter().enumerate().rev() {
            let (l, i) = (l as f64, i as f64);
            let renewed = at_risk;
            at_risk += l;
            churned += l;
            let c = alpha + beta + i;
            both += at_risk / (c * c);
            renew += renewed / ((beta + i) * (beta + i));
        }
        let cross = -both;
        let information = [[churned / (alpha * alpha) - both, cross], [cross, renew - both]];
        if information.iter().flatten().all(|v| v.is_finite()) {
            Ok(information)
        } else {
            Err(Error::Overflow {
                op: "sBG observed information",
            })
        }
    }
}

/// The covariance I⁻¹ of a positive-definite 2 × 2 information matrix, or `None` if it is
/// not positive definite, numerically singular (see [`SINGULAR_DETERMINANT`]), or not
/// finite.
pub(super) fn covariance(information: [[f64; 2]; 2]) -> Option<[[f64; 2]; 2]> {
    let [[aa, ab], [ba, bb]] = information;
    if !(aa > 0.0 && bb > 0.0 && aa * bb - ab * ba > SINGULAR_DETERMINANT * aa * bb) {
        return None;
    }
    let inv = invert_spd(&[aa, ab, ba, bb], 2)?;
    match inv.as_slice() {
        &[v_a, c_ab, c_ba, v_b] if [v_a, c_ab, c_ba, v_b].iter().all(|v| v.is_finite()) => {
            Some([[v_a, 0.5 * (c_ab + c_ba)], [0.5 * (c_ab + c_ba), v_b]])
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn information_is_minus_the_second_differences_of_the_log_likelihood() {
        let (lost, alive) = ([369_u64, 163, 86, 56, 37, 27, 21], 241_u64);
        let (a, b) = (0.7, 1.2);
        let ll = |da: f64, db: f64| {
            ShiftedBetaGeometric::new(a + da, b + db)
                .unwrap()
                .log_likelihood(&lost, alive)
        };
        let h = 1e-4;
        let f0 = ll(0.0, 0.0);
        let aa = -(ll(h, 0.0) - 2.0 * f0 + ll(-h, 0.0)) / (h * h);
        let bb = -(ll(0.0, h) - 2.0 * f0 + ll(0.0, -h)) / (h * h);
        let ab = -(ll(h, h) - ll(h, -h) - ll(-h, h) + ll(-h, -h)) / (4.0 * h * h);
        let info = ShiftedBetaGeometric::new(a, b)
            .unwrap()
            .observed_information(&lost, alive)
            .unwrap();
        for (got, want) in [
            (info[0][0], aa),
            (info[0][1], ab),
            (info[1][0], ab),
            (info[1][1], bb),
        ] {
            assert!((got - want).abs() < 1e-5 * want.abs(), "{got} vs {want}");
        }
    }

    #[test]
    fn covariance_refuses_what_is_not_positive_definite() {
        assert!(covariance([[1.0, 2.0], [2.0, 1.0]]).is_none()); // indefinite
        assert!(covariance([[-1.0, 0.0], [0.0, 1.0]]).is_none());
        assert!(covariance([[1.0, 1.0], [1.0, 1.0]]).is_none()); // singular
        assert!(covariance([[f64::NAN, 0.0], [0.0, 1.0]]).is_none());
        assert!(covariance([[f64::INFINITY, 0.0], [0.0, 1.0]]).is_none());
        let c = covariance([[4.0, 1.0], [1.0, 2.0]]).unwrap();
        // [[4, 1], [1, 2]]⁻¹ = [[2, −1], [−1, 4]] / 7.
        let want = [[2.0 / 7.0, -1.0 / 7.0], [-1.0 / 7.0, 4.0 / 7.0]];
        for (row, want_row) in c.iter().zip(&want) {
            for (got, want) in row.iter().zip(want_row) {
                assert!((got - want).abs() < 1e-15);
            }
        }
    }
}

//! Comparing nested fits: the likelihood-ratio test. (AIC and BIC are methods of the
//! fits.)

use serde::{Deserialize, Serialize};
use statrs::distribution::{ChiSquared, ContinuousCDF};

use crate::error::{Error, Result};

/// A likelihood-ratio test of a restricted model against the full model it is nested in:
/// `χ² = 2 (LL_full − LL_restricted)` on `df = k_full − k_restricted` degrees of freedom.
///
/// # Examples
///
/// ```
/// use customer_value::btyd::covariates::LikelihoodRatioTest;
///
/// // CLVTools' apparel fits: Gender constrained across the processes against the full fit.
/// let t = LikelihoodRatioTest::new(-5826.5342, 7, -5821.0627, 8)?;
/// assert!((t.statistic - 10.943).abs() < 1e-3 && t.df == 1);
/// assert!((t.p_value - 0.0009396).abs() < 1e-6);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LikelihoodRatioTest {
    /// `2 (LL_full − LL_restricted)`, floored at 0 (a restricted fit that the optimiser
    /// left a hair above the full one).
    pub statistic: f64,
    /// Degrees of freedom: the difference in estimated parameters.
    pub df: usize,
    /// `P(χ²_df ≥ statistic)`.
    pub p_value: f64,
}

impl LikelihoodRatioTest {
    /// The test from the two fits' log-likelihoods and parameter counts.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] unless the full model has more parameters than the
    /// restricted one and both log-likelihoods are finite.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::covariates::LikelihoodRatioTest;
    ///
    /// // Two more parameters raise the log-likelihood by 3: statistic 6 on 2 df, p = e^{−3}.
    /// let t = LikelihoodRatioTest::new(-1000.0, 4, -997.0, 6)?;
    /// assert_eq!((t.statistic, t.df), (6.0, 2));
    /// assert!((t.p_value - (-3.0_f64).exp()).abs() < 1e-9);
    /// assert!(LikelihoodRatioTest::new(-1000.0, 6, -997.0, 4).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn new(restricted_ll: f64, restricted_k: usize, full_ll: f64, full_k: usize) -> Result<Self> {
        if full_k <= restricted_k {
            return Err(Error::param(
                "full_k",
                full_k,
                "the full model must have more parameters than the restricted one",
            ));
        }
        for (name, v) in [("restricted_ll", restricted_ll), ("full_ll", full_ll)] {
            if !v.is_finite() {
                return Err(Error::param(name, v, "must be finite"));
            }
        }
        let df = full_k - restricted_k;
        let statistic = (2.0 * (full_ll - restricted_ll)).max(0.0);
        let chi = ChiSquared::new(df as f64).map_err(|_| Error::param("df", df, "must be > 0"))?;
        Ok(LikelihoodRatioTest {
            statistic,
            df,
            p_value: chi.sf(statistic),
        })
    }
}

//! The Gamma-Gamma model of spend per transaction (Fader, Hardie & Lee 2005, "RFM and CLV:
//! using iso-value curves for customer base analysis", *J. Marketing Research*; Fader &
//! Hardie 2013 note "The Gamma-Gamma model of monetary value").
//!
//! A customer's transaction values are Gamma(p, ν) with ν ~ Gamma(q, γ) across customers;
//! only customers with repeat purchases (x ≥ 1) inform it. This file owns the parameters,
//! the spend data, the fit and the spend predictions.

use serde::Serialize;

use super::fit::{FitOptions, FitReport, Likelihood, Limit, fit};
use super::params::positive_parameters;
use crate::error::{Error, Result};
use crate::special::{digamma, ln_gamma};

/// Repeat customers' `(x, m̄)` pairs — number of repeat transactions and their mean value —
/// with weights; identical pairs merged.
///
/// # Examples
///
/// ```
/// use customer_value::btyd::SpendSummaries;
///
/// let s = SpendSummaries::from_rows(&[2.0, 0.0, 1.0], &[22.35, 0.0, 11.77])?;
/// assert_eq!(s.len(), 2);
/// assert_eq!(s.excluded_without_repeat(), 1); // x = 0 tells nothing about spend
/// # Ok::<(), customer_value::Error>(())
/// ```
///
/// Fields are private so that every value has passed validation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SpendSummaries {
    frequency: Vec<f64>,
    mean_spend: Vec<f64>,
    weight: Vec<f64>,
    excluded_without_repeat: usize,
    excluded_without_positive_spend: usize,
}

/// 2^53: every whole count up to it is exact in `f64`.
const MAX_COUNT: f64 = 9_007_199_254_740_992.0;

/// `a + b` customers, `None` beyond 2^53 (where an `f64` weight would round).
fn checked_count(a: usize, b: usize) -> Option<usize> {
    a.checked_add(b).filter(|&s| s as f64 <= MAX_COUNT)
}

impl SpendSummaries {
    /// Pairs of single customers; rows with `x = 0` are counted in
    /// [`excluded_without_repeat`](Self::excluded_without_repeat), repeat customers whose
    /// mean repeat spend is ≤ 0 (zero-amount purchases, returns netting the spend away) in
    /// [`excluded_without_positive_spend`](Self::excluded_without_positive_spend): the
    /// model's spend is positive, so they are data about purchases, not about spend.
    ///
    /// # Errors
    ///
    /// [`Error::LengthMismatch`]; [`Error::InvalidRow`] for a frequency that is not a
    /// whole number ≥ 0, or a mean spend that is not finite;
    /// [`Error::EmptyInput`] when no customer has a repeat purchase with positive spend.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::SpendSummaries;
    ///
    /// // A one-time buyer and a repeat buyer whose returns cancelled the spend are counted, not used.
    /// let s = SpendSummaries::from_rows(&[2.0, 0.0, 3.0, 2.0], &[22.35, 0.0, 0.0, 22.35])?;
    /// assert_eq!((s.len(), s.weight()[0]), (1, 2.0));
    /// assert_eq!((s.excluded_without_repeat(), s.excluded_without_positive_spend()), (1, 1));
    /// assert!(SpendSummaries::from_rows(&[0.0], &[0.0]).is_err()); // nothing to fit
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn from_rows(frequency: &[f64], mean_spend: &[f64]) -> Result<Self> {
        Self::collect(frequency, mean_spend, std::iter::repeat(1.0))
    }

    /// Compressed pairs with their customer counts, e.g. `GROUP BY frequency,
    /// monetary_value` with `count(*)` from a query engine: the same value as
    /// [`from_rows`](Self::from_rows) on the rows repeated `weight` times (exclusions
    /// counted in customers), without expanding them.
    ///
    /// # Errors
    ///
    /// As [`from_rows`](Self::from_rows); [`Error::LengthMismatch`] for `weight`;
    /// [`Error::InvalidRow`] for a weight that is not a whole number ≥ 1 (at most 2⁵³);
    /// [`Error::Overflow`] when the customers of one kept pattern, or of one excluded
    /// group, add up to more than 2⁵³ (beyond, an `f64` count would lose customers).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::SpendSummaries;
    ///
    /// let grouped = SpendSummaries::from_weighted_rows(&[2.0, 0.0, 1.0], &[22.35, 0.0, 11.77], &[3.0, 5.0, 1.0])?;
    /// let rows = SpendSummaries::from_rows(
    ///     &[2.0, 2.0, 2.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0],
    ///     &[22.35, 22.35, 22.35, 0.0, 0.0, 0.0, 0.0, 0.0, 11.77],
    /// )?;
    /// assert_eq!(grouped, rows);
    /// assert_eq!(grouped.excluded_without_repeat(), 5);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn from_weighted_rows(frequency: &[f64], mean_spend: &[f64], weight: &[f64]) -> Result<Self> {
        if frequency.len() != weight.len() {
            return Err(Error::LengthMismatch {
                left: "frequency",
                left_len: frequency.len(),
                right: "weight",
                right_len: weight.len(),
            });
        }
        const MAX: f64 = MAX_COUNT;
        if let Some((i, &w)) = weight
            .iter()
            .enumerate()
            .find(|&(_, &w)| !(w.is_finite() && (1.0..=MAX).contains(&w) && w.fract() == 0.0))
        {
            return Err(Error::InvalidRow {
                row: i as u64,
                reason: format!("weight = {w}: must be a whole number of customers ≥ 1"),
            });
        }
        Self::collect(frequency, mean_spend, weight.iter().copied())
    }

    /// Validates, sorts and merges `(x, m̄, weight)` rows; weights are whole numbers ≥ 1.
    fn collect(frequency: &[f64], mean_spend: &[f64], weight: impl Iterator<Item = f64>) -> Result<Self> {
        if frequency.len() != mean_spend.len() {
            return Err(Error::LengthMismatch {
                left: "frequency",
                left_len: frequency.len(),
                right: "mean_spend",
                right_len: mean_spend.len(),
            });
        }
        let mut rows = Vec::with_capacity(frequency.len());
        let (mut excluded, mut not_positive) = (0, 0);
        for (i, ((&x, &m), w)) in frequency.iter().zip(mean_spend).zip(weight).enumerate() {
            let bad = |reason: &str| Error::InvalidRow {
                row: i as u64,
                reason: format!("x = {x}, mean spend = {m}: {reason}"),
            };
            if !x.is_finite() || x < 0.0 || x.fract() != 0.0 {
                return Err(bad("frequency must be a whole number ≥ 0"));
            }
            // A whole number in [1, 2^53] (checked by the callers): the cast is exact.
            let customers = w as usize;
            let overflow = Error::Overflow {
                op: "spend summaries: more than 2^53 customers in one count",
            };
            if x == 0.0 {
                excluded = checked_count(excluded, customers).ok_or(overflow)?;
                continue;
            }
            if !m.is_finite() {
                return Err(bad("a repeat customer's mean spend must be finite"));
            }
            if m <= 0.0 {
                not_positive = checked_count(not_positive, customers).ok_or(overflow)?;
                continue;
            }
            rows.push((x, m, w));
        }
        if rows.is_empty() {
            return Err(Error::EmptyInput {
                what: "customers with repeat purchases of positive mean spend",
            });
        }
        rows.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
        let mut out = SpendSummaries {
            frequency: Vec::new(),
            mean_spend: Vec::new(),
            weight: Vec::new(),
            excluded_without_repeat: excluded,
            excluded_without_positive_spend: not_positive,
        };
        for (x, m, w) in rows {
            let same = out.frequency.last().is_some_and(|lx| lx.to_bits() == x.to_bits())
                && out
                    .mean_spend
                    .last()
                    .is_some_and(|lm| lm.to_bits() == m.to_bits());
            match out.weight.last_mut() {
                // Whole counts up to 2^53 add exactly in f64; beyond, a customer would be lost.
                Some(lw) if same && *lw + w <= MAX_COUNT => *lw += w,
                Some(_) if same => {
                    return Err(Error::Overflow {
                        op: "spend summaries: more than 2^53 customers in one count",
                    });
                }
                _ => {
                    out.frequency.push(x);
                    out.mean_spend.push(m);
                    out.weight.push(w);
                }
            }
        }
        Ok(out)
    }

    /// Repeat transactions `x ≥ 1` of each distinct pair.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::SpendSummaries;
    ///
    /// let s = SpendSummaries::from_rows(&[3.0, 1.0, 3.0], &[10.0, 8.0, 10.0])?;
    /// assert_eq!(s.frequency(), [1.0, 3.0]); // distinct pairs, sorted
    /// assert_eq!(s.mean_spend(), [8.0, 10.0]);
    /// assert_eq!(s.weight(), [1.0, 2.0]);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn frequency(&self) -> &[f64] {
        &self.frequency
    }

    /// Mean transaction value `m̄ > 0` of each distinct pair.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::SpendSummaries;
    ///
    /// let s = SpendSummaries::from_rows(&[1.0, 1.0], &[8.0, 12.0])?;
    /// assert_eq!(s.mean_spend(), [8.0, 12.0]);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn mean_spend(&self) -> &[f64] {
        &self.mean_spend
    }

    /// Customers with each pair.
    ///
    /// ```
    /// use customer_value::btyd::SpendSummaries;
    ///
    /// // Two customers with the same (x, m̄) are one pair of weight 2.
    /// let s = SpendSummaries::from_rows(&[2.0, 2.0, 1.0], &[22.35, 22.35, 11.77])?;
    /// assert_eq!(s.len(), 2);
    /// assert_eq!(s.weight().iter().sum::<f64>(), 3.0);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn weight(&self) -> &[f64] {
        &self.weight
    }

    /// Rows given with `x = 0`, left out of the fit (counted, not dropped silently).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::SpendSummaries;
    ///
    /// let s = SpendSummaries::from_rows(&[0.0, 0.0, 1.0], &[0.0, 0.0, 9.0])?;
    /// assert_eq!(s.excluded_without_repeat(), 2);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn excluded_without_repeat(&self) -> usize {
        self.excluded_without_repeat
    }

    /// Rows given with `x > 0` and a mean spend ≤ 0, left out of the fit (counted).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::SpendSummaries;
    ///
    /// let s = SpendSummaries::from_rows(&[2.0, 1.0], &[-3.0, 9.0])?; // net of returns
    /// assert_eq!(s.excluded_without_positive_spend(), 1);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn excluded_without_positive_spend(&self) -> usize {
        self.excluded_without_positive_spend
    }

    /// Distinct pairs.
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

positive_parameters! {
    /// The Gamma-Gamma spend model with validated parameters `p, q, γ`.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::GammaGamma;
    ///
    /// // Fader & Hardie (2013), CDNOW.
    /// let gg = GammaGamma::new(6.25, 3.74, 15.44)?;
    /// assert!((gg.population_mean_spend()? - 35.22).abs() < 0.01);
    /// // Customer 1: x = 2, m̄ = 22.345 → 24.65 in the note (unrounded estimates).
    /// assert!((gg.conditional_expected_spend(2.0, 22.345)? - 24.65).abs() < 0.02);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    ///
    /// # Formula
    ///
    /// A customer's transaction values are Gamma(p, ν), ν ~ Gamma(q, γ). For the mean `z̄` of
    /// `x ≥ 1` repeat transactions (Fader, Hardie & Lee 2005b, eqs. 2–5; Fader & Hardie 2013,
    /// eqs. 1–5):
    ///
    /// ```text
    /// f(z̄ | p, q, γ, x) = Γ(p x + q) / (Γ(p x) Γ(q)) · γ^q z̄^{p x − 1} x^{p x} / (γ + x z̄)^{p x + q}
    ///
    /// E[Z] = γ p / (q − 1)                                         (q > 1)
    ///
    /// E[Z | z̄, x] = p (γ + x z̄) / (p x + q − 1)
    ///             = (q − 1)/(p x + q − 1) · γ p/(q − 1) + p x/(p x + q − 1) · z̄
    /// ```
    ///
    /// The conditional mean is a weighted average of the population mean and the customer's
    /// own mean, the weight on the latter growing with `x`.
    ///
    /// # References
    ///
    /// - P. S. Fader, B. G. S. Hardie and K. L. Lee (2005b), "RFM and CLV: using iso-value
    ///   curves for customer base analysis", *Journal of Marketing Research* 42(4), 415–430.
    /// - P. S. Fader and B. G. S. Hardie (2013), "The Gamma-Gamma model of monetary value",
    ///   note 025, brucehardie.com.
    model GammaGamma, serde form GammaGammaParams = "GammaGammaParams", "Gamma-Gamma", tag "gamma_gamma",
        fitted on SpendSummaries, likelihood likelihood;
    /// Shape of the per-transaction gamma.
    p: "p",
    /// Shape of the across-customer gamma of the scale.
    q: "q",
    /// Rate of the across-customer gamma.
    gamma: "γ",
}

impl GammaGamma {
    /// Fits by maximum likelihood from the start `(1, 1, 1)`, or `options.start`.
    ///
    /// # Errors
    ///
    /// [`Error::NonConvergence`] if the fit does not converge; [`Error::InvalidParameter`]
    /// for bad options.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::{FitOptions, GammaGamma, SpendSummaries};
    ///
    /// let data = SpendSummaries::from_rows(&[1.0, 2.0, 3.0, 1.0, 5.0], &[20.0, 35.5, 18.0, 60.0, 28.0])?;
    /// let fit = GammaGamma::fit(&data, &FitOptions::default())?;
    /// assert!(fit.log_likelihood.is_finite());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn fit(data: &SpendSummaries, options: &FitOptions) -> Result<FitReport<GammaGamma>> {
        if data.len() < GammaGamma::PARAMETER_NAMES.len() {
            return Err(Error::NotIdentifiable {
                model: "Gamma-Gamma",
                reason: format!(
                    "{} distinct (x, mean spend) pairs cannot identify 3 parameters",
                    data.len()
                ),
            });
        }
        fit(
            &GammaGammaLikelihood { data },
            &[1.0, 1.0, 1.0],
            options,
            data.len(),
            GammaGamma::from_values,
        )
    }

    /// Total log-likelihood of the spend data.
    ///
    /// # Errors
    ///
    /// [`Error::Undefined`] when the value is not finite (−∞ where a row's likelihood
    /// underflows, NaN where a term cannot be computed, at parameters far from any fit).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::{GammaGamma, SpendSummaries};
    ///
    /// let data = SpendSummaries::from_rows(&[1.0, 2.0, 4.0, 1.0], &[20.0, 35.0, 30.0, 60.0])?;
    /// let near = GammaGamma::new(6.25, 3.74, 15.44)?.total_log_likelihood(&data)?;
    /// let far = GammaGamma::new(6.25, 3.74, 1544.0)?.total_log_likelihood(&data)?;
    /// assert!(near.is_finite() && near > far);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn total_log_likelihood(&self, data: &SpendSummaries) -> Result<f64> {
        let mut g = [0.0; 3];
        let ll = GammaGammaLikelihood { data }.ll_grad(&[self.p, self.q, self.gamma], &mut g);
        super::finite_log_likelihood(ll, "Gamma-Gamma log-likelihood")
    }

    /// Expected spend per transaction of a new customer, `γp/(q − 1)`.
    ///
    /// # Errors
    ///
    /// [`Error::Undefined`] for `q ≤ 1` (the mean is infinite).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::GammaGamma;
    ///
    /// // CDNOW (Fader & Hardie 2013): γp/(q − 1) ≈ 35.2.
    /// let m = GammaGamma::new(6.25, 3.74, 15.44)?.population_mean_spend()?;
    /// assert!((m - 15.44 * 6.25 / 2.74).abs() < 1e-12);
    /// assert!(GammaGamma::new(6.25, 0.9, 15.44)?.population_mean_spend().is_err()); // q ≤ 1
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn population_mean_spend(&self) -> Result<f64> {
        if self.q <= 1.0 {
            return Err(Error::Undefined {
                what: "Gamma-Gamma population mean spend",
                reason: format!("q = {} ≤ 1", self.q),
            });
        }
        Ok(self.gamma * self.p / (self.q - 1.0))
    }

    /// Expected spend per transaction of a customer with `x` repeat transactions of mean
    /// value `m̄`: `p(γ + x m̄)/(p x + q − 1)`, a weighted mean of the population mean and
    /// `m̄`. With `x = 0` this is the population mean.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for a negative, fractional or non-finite `x` or a
    /// negative or non-finite `m̄`; [`Error::Undefined`] when `p x + q ≤ 1` or the value is beyond `f64`.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::GammaGamma;
    ///
    /// let gg = GammaGamma::new(6.25, 3.74, 15.44)?;
    /// // CDNOW customers 1 and 2 (Fader & Hardie 2013: 24.65 and 18.91, from unrounded parameters).
    /// assert!((gg.conditional_expected_spend(2.0, 22.345)? - 24.65).abs() < 1e-2);
    /// assert!((gg.conditional_expected_spend(1.0, 11.77)? - 18.91).abs() < 1e-2);
    /// assert!((gg.conditional_expected_spend(0.0, 0.0)? - gg.population_mean_spend()?).abs() < 1e-12);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn conditional_expected_spend(&self, frequency: f64, mean_spend: f64) -> Result<f64> {
        if !frequency.is_finite() || frequency < 0.0 || frequency.fract() != 0.0 {
            return Err(Error::param("frequency", frequency, "must be a whole number ≥ 0"));
        }
        if !(mean_spend.is_finite() && mean_spend >= 0.0) {
            return Err(Error::param("mean_spend", mean_spend, "must be finite and ≥ 0"));
        }
        let denom = self.p * frequency + self.q - 1.0;
        if denom <= 0.0 {
            return Err(Error::Undefined {
                what: "Gamma-Gamma conditional expected spend",
                reason: format!("p x + q − 1 = {denom} ≤ 0"),
            });
        }
        // (p/d)·γ + (p x/d)·m̄, d = p x + q − 1: the weights of the prior mean and of the
        // customer's own mean, so that no intermediate overflows where the result is
        // finite (p x/d ≤ 1 for q ≥ 1).
        let k = self.p / denom;
        let v = k * self.gamma + (k * frequency) * mean_spend;
        if v.is_finite() {
            Ok(v)
        } else {
            Err(Error::Undefined {
                what: "Gamma-Gamma conditional expected spend",
                reason: format!("not finite (beyond f64) for x = {frequency}, mean spend {mean_spend}"),
            })
        }
    }

    /// [`conditional_expected_spend`](Self::conditional_expected_spend) over columns.
    ///
    /// # Errors
    ///
    /// [`Error::LengthMismatch`]; [`Error::InvalidRow`] naming the first row that failed.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::GammaGamma;
    ///
    /// let gg = GammaGamma::new(6.25, 3.74, 15.44)?;
    /// let v = gg.conditional_expected_spend_batch(&[2.0, 0.0], &[22.345, 0.0])?;
    /// assert_eq!(v[0], gg.conditional_expected_spend(2.0, 22.345)?);
    /// assert!(gg.conditional_expected_spend_batch(&[1.0], &[]).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn conditional_expected_spend_batch(
        &self,
        frequency: &[f64],
        mean_spend: &[f64],
    ) -> Result<Vec<f64>> {
        if frequency.len() != mean_spend.len() {
            return Err(Error::LengthMismatch {
                left: "frequency",
                left_len: frequency.len(),
                right: "mean_spend",
                right_len: mean_spend.len(),
            });
        }
        frequency
            .iter()
            .zip(mean_spend)
            .enumerate()
            .map(|(i, (&x, &m))| {
                self.conditional_expected_spend(x, m)
                    .map_err(|e| Error::InvalidRow {
                        row: i as u64,
                        reason: e.to_string(),
                    })
            })
            .collect()
    }
}

/// The fit's likelihood of `data` (total log-likelihood and its analytic gradient in θ),
/// for the Hessians and samplers of [`uncertainty`](super::uncertainty).
pub(super) fn likelihood(data: &SpendSummaries) -> impl Likelihood + '_ {
    GammaGammaLikelihood { data }
}

struct GammaGammaLikelihood<'a> {
    data: &'a SpendSummaries,
}

impl Likelihood for GammaGammaLikelihood<'_> {
    fn limiting_model(moves: &[(usize, Limit)]) -> Option<&'static str> {
        match moves {
            [(0, Limit::Infinity), (2, Limit::Zero)] => {
                Some("no spread of a customer's spends around their own mean (p → ∞)")
            }
            [(1, Limit::Infinity), (2, Limit::Infinity)] => {
                Some("one mean spend for all customers (q, gamma → ∞)")
            }
            _ => None,
        }
    }

    const NAMES: &'static [&'static str] = &GammaGamma::PARAMETER_NAMES;

    fn total_weight(&self) -> f64 {
        self.data.weight.iter().sum()
    }

    /// f(m̄ | p, q, γ, x) = Γ(px+q)/(Γ(px)Γ(q)) γ^q m̄^{px−1} x^{px} / (γ + x m̄)^{px+q}.
    fn ll_grad(&self, theta: &[f64], grad: &mut [f64]) -> f64 {
        let &[p, q, gamma] = theta else {
            return f64::NAN;
        };
        grad.iter_mut().for_each(|g| *g = 0.0);
        if !theta.iter().all(|v| v.is_finite() && *v > 0.0) {
            return f64::NAN;
        }
        let (lg_q, psi_q, ln_g) = (ln_gamma(q), digamma(q), gamma.ln());
        let (mut ll, mut gp, mut gq, mut gg) = (0.0, 0.0, 0.0, 0.0);
        let d = self.data;
        for ((&x, &m), &w) in d.frequency.iter().zip(&d.mean_spend).zip(&d.weight) {
            let px = p * x;
            let l_den = (gamma + x * m).ln();
            let (ln_m, ln_x) = (m.ln(), x.ln());
            ll += w
                * (ln_gamma(px + q) - ln_gamma(px) - lg_q + q * ln_g + (px - 1.0) * ln_m + px * ln_x
                    - (px + q) * l_den);
            let psi_pxq = digamma(px + q);
            gp += w * x * (psi_pxq - digamma(px) + ln_m + ln_x - l_den);
            gq += w * (psi_pxq - psi_q + ln_g - l_den);
            gg += w * (q / gamma - (px + q) / (gamma + x * m));
        }
        grad.copy_from_slice(&[gp, gq, gg]);
        ll
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weighted_rows_fit_as_the_expanded_rows() {
        let x = [1.0, 2.0, 0.0, 3.0, 1.0, 5.0, 2.0, 1.0];
        let m = [20.0, 35.5, 0.0, 18.0, 60.0, 28.0, 41.0, -2.0];
        let w = [3.0, 1.0, 3.0, 2.0, 1.0, 1.0, 2.0, 2.0];
        let (mut xs, mut ms) = (Vec::new(), Vec::new());
        for ((&x, &m), &w) in x.iter().zip(&m).zip(&w) {
            for _ in 0..w as usize {
                xs.push(x);
                ms.push(m);
            }
        }
        let grouped = SpendSummaries::from_weighted_rows(&x, &m, &w).unwrap();
        let rows = SpendSummaries::from_rows(&xs, &ms).unwrap();
        assert_eq!(grouped, rows);
        assert_eq!(
            (
                grouped.excluded_without_repeat(),
                grouped.excluded_without_positive_spend()
            ),
            (3, 2)
        );
        let options = FitOptions::default();
        match (
            GammaGamma::fit(&grouped, &options),
            GammaGamma::fit(&rows, &options),
        ) {
            (Ok(a), Ok(b)) => {
                assert_eq!(a.estimates, b.estimates);
                assert_eq!(a.log_likelihood.to_bits(), b.log_likelihood.to_bits());
            }
            (a, b) => assert_eq!(format!("{:?}", a.err()), format!("{:?}", b.err())),
        }
        for bad in [0.0, 1.5, -1.0, f64::NAN, f64::INFINITY] {
            assert!(SpendSummaries::from_weighted_rows(&[1.0], &[10.0], &[bad]).is_err());
        }
        assert!(SpendSummaries::from_weighted_rows(&[1.0], &[10.0], &[]).is_err());
    }

    #[test]
    fn gradient_matches_finite_differences() {
        let data = SpendSummaries::from_rows(&[1.0, 2.0, 7.0, 3.0], &[20.0, 35.5, 18.0, 60.0]).unwrap();
        let lik = GammaGammaLikelihood { data: &data };
        let theta = [6.0, 3.5, 15.0];
        let mut g = [0.0; 3];
        lik.ll_grad(&theta, &mut g);
        for j in 0..3 {
            let h = 1e-6 * theta[j];
            let (mut tp, mut tm) = (theta, theta);
            tp[j] += h;
            tm[j] -= h;
            let mut s = [0.0; 3];
            let fd = (lik.ll_grad(&tp, &mut s) - lik.ll_grad(&tm, &mut s)) / (2.0 * h);
            assert!(
                (fd - g[j]).abs() < 1e-6 * fd.abs().max(1.0),
                "{j}: {fd} vs {}",
                g[j]
            );
        }
    }
}

//! Priors as plain data: one distribution per parameter, and the mean–concentration form
//! of a pair of beta parameters (`a = φκ`, `b = (1 − φ)κ`), with pymc-marketing 1.3's
//! defaults.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::special::ln_gamma;

/// The prior of one positive parameter (densities on the natural scale).
///
/// # Examples
///
/// ```
/// use customer_value::btyd::bayes::ParameterPrior;
///
/// let p: ParameterPrior = serde_json::from_str(r#"{"weibull":{"shape":2.0,"scale":10.0}}"#).unwrap();
/// assert_eq!(p, ParameterPrior::Weibull { shape: 2.0, scale: 10.0 });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum ParameterPrior {
    /// Improper flat density on `(0, ∞)` (PyMC's `HalfFlat`).
    Flat,
    /// Weibull with shape `k` and scale `λ`: `k/λ (θ/λ)^{k−1} e^{−(θ/λ)^k}`.
    Weibull {
        /// Shape `k`.
        shape: f64,
        /// Scale `λ`.
        scale: f64,
    },
    /// Gamma with shape and rate.
    Gamma {
        /// Shape.
        shape: f64,
        /// Rate.
        rate: f64,
    },
    /// Half-normal with scale `σ`.
    HalfNormal {
        /// Scale.
        sigma: f64,
    },
    /// Log-normal: `ln θ ~ N(μ, σ²)`.
    LogNormal {
        /// Mean of `ln θ`.
        mu: f64,
        /// Standard deviation of `ln θ`.
        sigma: f64,
    },
}

impl ParameterPrior {
    fn check(&self) -> Result<()> {
        let pos = |name: &'static str, v: f64| {
            if v.is_finite() && v > 0.0 {
                Ok(())
            } else {
                Err(Error::param(name, v, "prior parameters must be finite and > 0"))
            }
        };
        match *self {
            ParameterPrior::Flat => Ok(()),
            ParameterPrior::Weibull { shape, scale } => pos("shape", shape).and(pos("scale", scale)),
            ParameterPrior::Gamma { shape, rate } => pos("shape", shape).and(pos("rate", rate)),
            ParameterPrior::HalfNormal { sigma } => pos("sigma", sigma),
            ParameterPrior::LogNormal { mu, sigma } => {
                if mu.is_finite() {
                    pos("sigma", sigma)
                } else {
                    Err(Error::param("mu", mu, "must be finite"))
                }
            }
        }
    }

    /// `ln p(θ)` and `d ln p / dθ`.
    fn ln_density(&self, t: f64) -> (f64, f64) {
        match *self {
            ParameterPrior::Flat => (0.0, 0.0),
            ParameterPrior::Weibull { shape: k, scale: l } => {
                let z = (t / l).powf(k);
                (
                    (k / l).ln() + (k - 1.0) * (t / l).ln() - z,
                    (k - 1.0) / t - k * z / t,
                )
            }
            ParameterPrior::Gamma { shape: a, rate: b } => (
                a * b.ln() - ln_gamma(a) + (a - 1.0) * t.ln() - b * t,
                (a - 1.0) / t - b,
            ),
            ParameterPrior::HalfNormal { sigma: s } => (
                0.5 * (2.0 / std::f64::consts::PI).ln() - s.ln() - 0.5 * (t / s).powi(2),
                -t / (s * s),
            ),
            ParameterPrior::LogNormal { mu, sigma: s } => {
                let z = (t.ln() - mu) / s;
                (
                    -t.ln() - s.ln() - 0.5 * (2.0 * std::f64::consts::PI).ln() - 0.5 * z * z,
                    -1.0 / t - z / (s * t),
                )
            }
        }
    }
}

/// The joint prior of a model's parameters: one [`ParameterPrior`] per parameter, except
/// that a pair of beta parameters may instead take pymc-marketing's mean–concentration
/// form `a = φκ, b = (1 − φ)κ` with `φ ~ Uniform(0, 1)` and `κ ~ Pareto(scale, shape)`
/// (density `1{a+b ≥ scale} · shape · scale^shape / (a+b)^{shape+2}` on `(a, b)`, the
/// Jacobian `1/κ` included).
///
/// The defaults are pymc-marketing 1.3's (`default_model_config` of each model):
///
/// | model | prior |
/// |---|---|
/// | BG/NBD, MBG/NBD | `r ~ Weibull(2, 1)`, `α ~ Weibull(2, 10)`, `(a, b)`: `φ ~ U(0, 1)`, `κ ~ Pareto(1, 1)` |
/// | Pareto/NBD | `r, s ~ Weibull(2, 1)`, `α, β ~ Weibull(2, 10)` |
/// | BG/BB | `(α, β)` and `(γ, δ)` each `φ ~ U(0, 1)`, `κ ~ Pareto(1, 1)` |
/// | Gamma-Gamma | `p, q, γ` flat (`HalfFlat`) |
/// | sBG | `(α, β)`: `φ ~ U(0, 1)`, `κ ~ Pareto(1, 1)` |
///
/// # Examples
///
/// ```
/// use customer_value::btyd::bayes::{ParameterPrior, Priors};
///
/// let p = Priors::bg_nbd();
/// assert_eq!(p.parameters[0], ParameterPrior::Weibull { shape: 2.0, scale: 1.0 });
/// let back: Priors = serde_json::from_str(&serde_json::to_string(&p).unwrap()).unwrap();
/// assert_eq!(back, p);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Priors {
    /// One prior per parameter, in the model's order (ignored for the members of a pair).
    pub parameters: Vec<ParameterPrior>,
    /// Pairs of parameter indices in mean–concentration form.
    #[serde(default)]
    pub pairs: Vec<ConcentrationPair>,
}

/// A pair `(a, b) = (φκ, (1 − φ)κ)` with `φ ~ Uniform(0, 1)`, `κ ~ Pareto(scale, shape)`.
///
/// # Examples
///
/// A tighter prior on the concentration of BG/NBD's `(a, b)` than pymc-marketing's
/// default [`default_for`](Self::default_for):
///
/// ```
/// use customer_value::btyd::bayes::{ConcentrationPair, Priors};
///
/// let mut priors = Priors::bg_nbd();
/// priors.pairs = vec![ConcentrationPair { first: 2, second: 3, scale: 1.0, shape: 3.0 }];
/// // The same pair as it is written in a saved priors file.
/// let pair: ConcentrationPair = serde_json::from_str(r#"{"first":2,"second":3,"scale":1.0,"shape":3.0}"#).unwrap();
/// assert_eq!(priors.pairs, [pair]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConcentrationPair {
    /// Index of `a`.
    pub first: usize,
    /// Index of `b`.
    pub second: usize,
    /// Pareto scale (lower bound of `κ`).
    pub scale: f64,
    /// Pareto shape.
    pub shape: f64,
}

impl ConcentrationPair {
    /// pymc-marketing's default: `κ ~ Pareto(1, 1)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::bayes::{ConcentrationPair, ParameterPrior, Priors};
    ///
    /// // BG/NBD's a and b (indices 2 and 3) as mean φ and concentration κ ~ Pareto(1, 1).
    /// let pair = ConcentrationPair::default_for(2, 3);
    /// assert_eq!((pair.scale, pair.shape), (1.0, 1.0));
    /// assert_eq!(Priors::bg_nbd().pairs, vec![pair]);
    /// # let _ = ParameterPrior::Flat;
    /// ```
    #[must_use]
    pub fn default_for(first: usize, second: usize) -> Self {
        ConcentrationPair {
            first,
            second,
            scale: 1.0,
            shape: 1.0,
        }
    }
}

impl Priors {
    /// Flat priors on `k` parameters (the posterior is the normalised likelihood).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::bayes::{ConcentrationPair, ParameterPrior, Priors};
    ///
    /// let p = Priors::flat(4);
    /// assert_eq!(p.parameters, vec![ParameterPrior::Flat; 4]);
    /// assert!(p.pairs.is_empty());
    /// # let _ = ConcentrationPair::default_for(0, 1);
    /// ```
    #[must_use]
    pub fn flat(k: usize) -> Self {
        Priors {
            parameters: vec![ParameterPrior::Flat; k],
            pairs: Vec::new(),
        }
    }

    /// Independent priors, one per parameter in the model's order.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::bayes::{ParameterPrior, Priors};
    ///
    /// let p = Priors::independent(vec![ParameterPrior::HalfNormal { sigma: 5.0 }; 3]);
    /// assert!(p.pairs.is_empty());
    /// ```
    #[must_use]
    pub fn independent(parameters: Vec<ParameterPrior>) -> Self {
        Priors {
            parameters,
            pairs: Vec::new(),
        }
    }

    /// pymc-marketing 1.3's BG/NBD (and MBG/NBD) default.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::bayes::{ConcentrationPair, ParameterPrior, Priors};
    ///
    /// // r ~ Weibull(2, 1), α ~ Weibull(2, 10); a and b through (φ, κ).
    /// let p = Priors::bg_nbd();
    /// assert_eq!(p.parameters[0], ParameterPrior::Weibull { shape: 2.0, scale: 1.0 });
    /// assert_eq!(p.pairs, vec![ConcentrationPair::default_for(2, 3)]);
    /// ```
    #[must_use]
    pub fn bg_nbd() -> Self {
        Priors {
            parameters: vec![
                ParameterPrior::Weibull {
                    shape: 2.0,
                    scale: 1.0,
                },
                ParameterPrior::Weibull {
                    shape: 2.0,
                    scale: 10.0,
                },
                ParameterPrior::Flat,
                ParameterPrior::Flat,
            ],
            pairs: vec![ConcentrationPair::default_for(2, 3)],
        }
    }

    /// pymc-marketing 1.3's Pareto/NBD default.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::bayes::{ConcentrationPair, ParameterPrior, Priors};
    ///
    /// // r, s ~ Weibull(2, 1); α, β ~ Weibull(2, 10); no pairs.
    /// let p = Priors::pareto_nbd();
    /// assert_eq!(p.parameters[3], ParameterPrior::Weibull { shape: 2.0, scale: 10.0 });
    /// assert!(p.pairs.is_empty());
    /// # let _ = ConcentrationPair::default_for(0, 1);
    /// ```
    #[must_use]
    pub fn pareto_nbd() -> Self {
        let w = |scale| ParameterPrior::Weibull { shape: 2.0, scale };
        Priors {
            parameters: vec![w(1.0), w(10.0), w(1.0), w(10.0)],
            pairs: Vec::new(),
        }
    }

    /// pymc-marketing 1.3's BG/BB default.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::bayes::{ConcentrationPair, ParameterPrior, Priors};
    ///
    /// // (α, β) and (γ, δ) each as mean and concentration.
    /// let p = Priors::bg_bb();
    /// assert_eq!(p.pairs, vec![ConcentrationPair::default_for(0, 1), ConcentrationPair::default_for(2, 3)]);
    /// assert_eq!(p.parameters, vec![ParameterPrior::Flat; 4]);
    /// ```
    #[must_use]
    pub fn bg_bb() -> Self {
        Priors {
            parameters: vec![ParameterPrior::Flat; 4],
            pairs: vec![
                ConcentrationPair::default_for(0, 1),
                ConcentrationPair::default_for(2, 3),
            ],
        }
    }

    /// pymc-marketing 1.3's sBG (`ShiftedBetaGeoModel`) default: `α = φκ`, `β = (1 − φ)κ`
    /// with `φ ~ Uniform(0, 1)` and `κ ~ Pareto(1, 1)` (its `default_model_config`,
    /// one cohort).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::bayes::{ConcentrationPair, Priors};
    ///
    /// assert_eq!(Priors::sbg().pairs, vec![ConcentrationPair::default_for(0, 1)]);
    /// ```
    #[must_use]
    pub fn sbg() -> Self {
        Priors {
            parameters: vec![ParameterPrior::Flat; 2],
            pairs: vec![ConcentrationPair::default_for(0, 1)],
        }
    }

    /// Checks the priors against a model with `k` parameters.
    pub(crate) fn check(&self, k: usize) -> Result<()> {
        if self.parameters.len() != k {
            return Err(Error::LengthMismatch {
                left: "priors",
                left_len: self.parameters.len(),
                right: "model parameters",
                right_len: k,
            });
        }
        self.parameters.iter().try_for_each(ParameterPrior::check)?;
        for p in &self.pairs {
            if p.first >= k || p.second >= k || p.first == p.second {
                return Err(Error::param(
                    "pairs",
                    format!("({}, {})", p.first, p.second),
                    "must name two different parameters of the model",
                ));
            }
            for (n, v) in [("scale", p.scale), ("shape", p.shape)] {
                if !(v.is_finite() && v > 0.0) {
                    return Err(Error::param(n, v, "Pareto parameters must be finite and > 0"));
                }
            }
        }
        Ok(())
    }

    /// `ln p(θ)`, adding `d ln p / dθ` into `grad`; −∞ outside the support.
    pub(crate) fn ln_density(&self, theta: &[f64], grad: &mut [f64]) -> f64 {
        let in_pair = |i: usize| self.pairs.iter().any(|p| p.first == i || p.second == i);
        let mut lp = 0.0;
        for (i, ((prior, &t), g)) in self.parameters.iter().zip(theta).zip(grad.iter_mut()).enumerate() {
            if in_pair(i) {
                continue;
            }
            let (v, d) = prior.ln_density(t);
            lp += v;
            *g += d;
        }
        for p in &self.pairs {
            let (Some(&a), Some(&b)) = (theta.get(p.first), theta.get(p.second)) else {
                return f64::NAN;
            };
            let kappa = a + b;
            if kappa < p.scale {
                return f64::NEG_INFINITY;
            }
            lp += p.shape.ln() + p.shape * p.scale.ln() - (p.shape + 2.0) * kappa.ln();
            let d = -(p.shape + 2.0) / kappa;
            for i in [p.first, p.second] {
                if let Some(g) = grad.get_mut(i) {
                    *g += d;
                }
            }
        }
        lp
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn densities_match_closed_forms_and_their_gradients() {
        // scipy.stats.weibull_min(2, scale=10).logpdf(3.0) = -2.6014...: ln(0.2 · 0.3) − 0.09.
        let (v, _) = ParameterPrior::Weibull {
            shape: 2.0,
            scale: 10.0,
        }
        .ln_density(3.0);
        assert!((v - ((0.2_f64 * 0.3).ln() - 0.09)).abs() < 1e-12);
        for prior in [
            ParameterPrior::Weibull {
                shape: 2.0,
                scale: 10.0,
            },
            ParameterPrior::Gamma {
                shape: 2.5,
                rate: 0.7,
            },
            ParameterPrior::HalfNormal { sigma: 3.0 },
            ParameterPrior::LogNormal { mu: 0.3, sigma: 1.2 },
        ] {
            let t = 1.7;
            let (_, d) = prior.ln_density(t);
            let h = 1e-6;
            let fd = (prior.ln_density(t + h).0 - prior.ln_density(t - h).0) / (2.0 * h);
            assert!((fd - d).abs() < 1e-6, "{prior:?}: {fd} vs {d}");
        }
        // Gamma(2.5, 0.7) at 1.7: scipy.stats.gamma(2.5, scale=1/0.7).logpdf(1.7).
        let (v, _) = ParameterPrior::Gamma {
            shape: 2.5,
            rate: 0.7,
        }
        .ln_density(1.7);
        let by_hand = 2.5 * 0.7_f64.ln() - ln_gamma(2.5) + 1.5 * 1.7_f64.ln() - 0.7 * 1.7;
        assert!((v - by_hand).abs() < 1e-12);
    }

    #[test]
    fn the_concentration_pair_integrates_to_one() {
        // ∫∫ 1{a+b≥1} (a+b)^{-3} da db = ∫_1^∞ κ · κ^{-3} dκ = 1.
        let p = Priors::bg_nbd();
        let mut g = [0.0; 4];
        let v =
            p.ln_density(&[1.0, 1.0, 0.5, 1.5], &mut g) - p.ln_density(&[1.0, 1.0, 0.5, 1.5], &mut [0.0; 4]);
        assert!(v.abs() < 1e-12);
        let at = |a: f64, b: f64| p.ln_density(&[1.0, 1.0, a, b], &mut [0.0; 4]);
        assert!((at(0.5, 1.5) - at(1.0, 1.0)).abs() < 1e-12); // depends on a + b only
        assert!(at(0.2, 0.3) == f64::NEG_INFINITY);
        assert!(p.check(4).is_ok() && p.check(3).is_err());
    }
}

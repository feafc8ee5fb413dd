//! The covariance of a fit's estimate on the log scale, `Cov(ln θ̂) = H⁻¹` with `H` the
//! Hessian of the (penalised) negative log-likelihood in `ln θ`.

use serde::{Deserialize, Serialize};

use super::parametric::Estimable;
use crate::btyd::{FitOptions, FitReport};
use crate::error::{Error, Result};
use crate::special::invert_spd;

/// The normal approximation of a fit on the log scale: `ln θ ~ N(ln θ̂, Σ)`, `Σ` the
/// inverse Hessian of the negative log-likelihood (plus the fit's penalty) in `ln θ`, by
/// central differences of the model's analytic gradient (the same Hessian the fit's
/// standard errors come from, in other coordinates: `SE(θᵢ) ≈ θᵢ √Σᵢᵢ`).
///
/// # Examples
///
/// ```
/// use customer_value::btyd::uncertainty::LogCovariance;
/// use customer_value::btyd::{BgNbd, FitOptions, WeightedSummaries};
///
/// let data = WeightedSummaries::from_rows(
///     &[0.0, 1.0, 3.0, 0.0, 2.0, 5.0, 1.0, 0.0, 4.0, 2.0],
///     &[0.0, 10.0, 30.0, 0.0, 12.0, 35.0, 2.0, 0.0, 20.0, 38.0],
///     &[40.0, 40.0, 40.0, 38.0, 39.0, 40.0, 41.0, 37.0, 40.0, 39.0],
/// )?;
/// let options = FitOptions::default().with_penalty(0.01)?; // ten customers: keep off the boundary
/// let fit = BgNbd::fit(&data, &options)?;
/// let cov = LogCovariance::of_fit(&fit, &data, &options)?;
/// let se = cov.standard_errors();
/// let fit_se = fit.standard_errors.clone().unwrap();
/// assert!(se.iter().zip(&fit_se).all(|(a, b)| (a - b).abs() < 1e-3 * b));
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogCovariance {
    names: Vec<String>,
    log_estimates: Vec<f64>,
    matrix: Vec<f64>,
}

impl LogCovariance {
    /// From the fit's estimate, the data it was fitted on and the options it was fitted
    /// with (for the penalty).
    ///
    /// # Errors
    ///
    /// [`Error::Undefined`] when the Hessian is not positive definite (a boundary
    /// estimate: see [`FitReport::boundary`]).
    ///
    /// # Examples
    ///
    /// ```
    /// # use customer_value::btyd::uncertainty::LogCovariance;
    /// # use customer_value::btyd::{BgNbd, FitOptions, WeightedSummaries};
    /// # let data = WeightedSummaries::from_rows(
    /// #     &[0.0, 1.0, 3.0, 0.0, 2.0, 5.0, 1.0, 0.0, 4.0, 2.0],
    /// #     &[0.0, 10.0, 30.0, 0.0, 12.0, 35.0, 2.0, 0.0, 20.0, 38.0],
    /// #     &[40.0, 40.0, 40.0, 38.0, 39.0, 40.0, 41.0, 37.0, 40.0, 39.0],
    /// # )?;
    /// # let options = FitOptions::default().with_penalty(0.01)?;
    /// # let fit = BgNbd::fit(&data, &options)?;
    /// // `data`, `options` and `fit`: the ten-customer BG/NBD fit of the type's example.
    /// let cov = LogCovariance::of_fit(&fit, &data, &options)?;
    /// assert_eq!(cov.len(), 4); // r, α, a, b
    /// assert!((cov.log_estimates()[0] - fit.model.r().ln()).abs() < 1e-12);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn of_fit<M: Estimable>(fit: &FitReport<M>, data: &M::Data, options: &FitOptions) -> Result<Self> {
        Self::of_model(&fit.model, data, options)
    }

    /// [`of_fit`](Self::of_fit) at the parameters of `model` (a fit's estimate, e.g.
    /// loaded from a file, refitted on the same data with `options`).
    ///
    /// # Errors
    ///
    /// As [`of_fit`](Self::of_fit).
    ///
    /// # Examples
    ///
    /// ```
    /// # use customer_value::btyd::uncertainty::LogCovariance;
    /// # use customer_value::btyd::{BgNbd, FitOptions, WeightedSummaries};
    /// # let data = WeightedSummaries::from_rows(
    /// #     &[0.0, 1.0, 3.0, 0.0, 2.0, 5.0, 1.0, 0.0, 4.0, 2.0],
    /// #     &[0.0, 10.0, 30.0, 0.0, 12.0, 35.0, 2.0, 0.0, 20.0, 38.0],
    /// #     &[40.0, 40.0, 40.0, 38.0, 39.0, 40.0, 41.0, 37.0, 40.0, 39.0],
    /// # )?;
    /// # let options = FitOptions::default().with_penalty(0.01)?;
    /// # let fit = BgNbd::fit(&data, &options)?;
    /// // `data`, `options` and `fit`: the ten-customer BG/NBD fit of the type's example.
    /// // The same covariance from the model alone (e.g. loaded from a saved file).
    /// let a = LogCovariance::of_fit(&fit, &data, &options)?;
    /// let b = LogCovariance::of_model(&fit.model, &data, &options)?;
    /// assert!(a.matrix().iter().zip(b.matrix()).all(|(x, y)| (x - y).abs() < 1e-9 * x.abs().max(1.0)));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn of_model<M: Estimable>(model: &M, data: &M::Data, options: &FitOptions) -> Result<Self> {
        let lik = M::log_likelihood(data);
        let theta = &model.values();
        let k = theta.len();
        let n = lik.customers();
        let h = lik.hessian_step();
        let u: Vec<f64> = theta.iter().map(|t| t.ln()).collect();
        // Gradient of the log-likelihood in u = ln θ: θᵢ ∂ℓ/∂θᵢ.
        let log_grad = |u: &[f64], out: &mut [f64]| {
            let th: Vec<f64> = u.iter().map(|v| v.exp()).collect();
            let mut g = vec![0.0; k];
            lik.value_gradient(&th, &mut g);
            for ((o, gi), ti) in out.iter_mut().zip(&g).zip(&th) {
                *o = gi * ti;
            }
        };
        let mut rows = vec![0.0; k * k];
        let (mut gp, mut gm) = (vec![0.0; k], vec![0.0; k]);
        let mut up = u.clone();
        for (j, row) in rows.chunks_exact_mut(k.max(1)).enumerate() {
            let Some(uj) = u.get(j).copied() else { break };
            set(&mut up, j, uj + h);
            log_grad(&up, &mut gp);
            set(&mut up, j, uj - h);
            log_grad(&up, &mut gm);
            set(&mut up, j, uj);
            for (i, (r, (p, m))) in row.iter_mut().zip(gp.iter().zip(&gm)).enumerate() {
                *r = -(p - m) / (2.0 * h);
                if i == j {
                    let t = theta.get(j).copied().unwrap_or(0.0);
                    *r += 4.0 * n * options.penalty * t * t;
                }
            }
        }
        let sym: Vec<f64> = (0..k * k)
            .map(|ij| {
                let (i, j) = (ij / k, ij % k);
                let a = rows.get(i * k + j).copied().unwrap_or(f64::NAN);
                let b = rows.get(j * k + i).copied().unwrap_or(f64::NAN);
                0.5 * (a + b)
            })
            .collect();
        let matrix = invert_spd(&sym, k)
            .filter(|m| m.iter().all(|v| v.is_finite()))
            .ok_or_else(|| Error::Undefined {
                what: "covariance of the fit",
                reason: "the Hessian at the estimate is not positive definite (a boundary estimate?)"
                    .to_owned(),
            })?;
        Ok(LogCovariance {
            names: model.names().iter().map(|n| (*n).to_owned()).collect(),
            log_estimates: u,
            matrix,
        })
    }

    /// A covariance from its parts: names, `ln θ̂` and the row-major `k × k` matrix.
    ///
    /// # Errors
    ///
    /// [`Error::LengthMismatch`] for inconsistent lengths; [`Error::InvalidParameter`] for
    /// a non-finite value, an asymmetric matrix or one that is not positive
    /// semi-definite (no Cholesky factor).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::uncertainty::LogCovariance;
    ///
    /// let c = LogCovariance::from_parts(vec!["r".into()], vec![0.0], vec![0.01])?;
    /// assert!((c.standard_errors()[0] - 0.1).abs() < 1e-12);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn from_parts(names: Vec<String>, log_estimates: Vec<f64>, matrix: Vec<f64>) -> Result<Self> {
        let k = log_estimates.len();
        if names.len() != k {
            return Err(Error::LengthMismatch {
                left: "names",
                left_len: names.len(),
                right: "log_estimates",
                right_len: k,
            });
        }
        if matrix.len() != k * k {
            return Err(Error::LengthMismatch {
                left: "matrix",
                left_len: matrix.len(),
                right: "log_estimates squared",
                right_len: k * k,
            });
        }
        if let Some(v) = log_estimates.iter().chain(&matrix).find(|v| !v.is_finite()) {
            return Err(Error::param("covariance", v, "values must be finite"));
        }
        let c = LogCovariance {
            names,
            log_estimates,
            matrix,
        };
        for i in 0..k {
            for j in 0..i {
                if (c.at(i, j) - c.at(j, i)).abs() > 1e-12 * (c.at(i, i) * c.at(j, j)).sqrt().max(1e-300) {
                    return Err(Error::param("covariance", c.at(i, j), "matrix must be symmetric"));
                }
            }
        }
        c.cholesky()?;
        Ok(c)
    }

    /// The two fits side by side (block diagonal): the covariance of a pair
    /// `(purchase, spend)`, whose likelihoods share no parameter.
    ///
    /// # Examples
    ///
    /// ```
    /// # use customer_value::btyd::uncertainty::LogCovariance;
    /// # use customer_value::btyd::{BgNbd, FitOptions, WeightedSummaries};
    /// # let data = WeightedSummaries::from_rows(
    /// #     &[0.0, 1.0, 3.0, 0.0, 2.0, 5.0, 1.0, 0.0, 4.0, 2.0],
    /// #     &[0.0, 10.0, 30.0, 0.0, 12.0, 35.0, 2.0, 0.0, 20.0, 38.0],
    /// #     &[40.0, 40.0, 40.0, 38.0, 39.0, 40.0, 41.0, 37.0, 40.0, 39.0],
    /// # )?;
    /// # let options = FitOptions::default().with_penalty(0.01)?;
    /// # let fit = BgNbd::fit(&data, &options)?;
    /// // `data`, `options` and `fit`: the ten-customer BG/NBD fit of the type's example.
    /// let cov = LogCovariance::of_fit(&fit, &data, &options)?;
    /// let pair = LogCovariance::joint(&cov, &cov);
    /// assert_eq!(pair.len(), 8);
    /// assert_eq!(pair.at(0, 4), 0.0); // no parameter shared across the blocks
    /// assert_eq!(pair.at(5, 5), cov.at(1, 1));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn joint(first: &LogCovariance, second: &LogCovariance) -> LogCovariance {
        let (k1, k2) = (first.len(), second.len());
        let k = k1 + k2;
        let mut matrix = vec![0.0; k * k];
        for (ij, m) in matrix.iter_mut().enumerate() {
            let (i, j) = (ij / k, ij % k);
            *m = match (i < k1, j < k1) {
                (true, true) => first.at(i, j),
                (false, false) => second.at(i - k1, j - k1),
                _ => 0.0,
            };
        }
        let mut names = first.names.clone();
        names.extend(second.names.iter().cloned());
        let mut log_estimates = first.log_estimates.clone();
        log_estimates.extend(&second.log_estimates);
        LogCovariance {
            names,
            log_estimates,
            matrix,
        }
    }

    /// Number of parameters.
    #[must_use]
    pub fn len(&self) -> usize {
        self.log_estimates.len()
    }

    /// Whether there are no parameters.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.log_estimates.is_empty()
    }

    /// Parameter names.
    ///
    /// # Examples
    ///
    /// ```
    /// # use customer_value::btyd::uncertainty::LogCovariance;
    /// # use customer_value::btyd::{BgNbd, FitOptions, WeightedSummaries};
    /// # let data = WeightedSummaries::from_rows(
    /// #     &[0.0, 1.0, 3.0, 0.0, 2.0, 5.0, 1.0, 0.0, 4.0, 2.0],
    /// #     &[0.0, 10.0, 30.0, 0.0, 12.0, 35.0, 2.0, 0.0, 20.0, 38.0],
    /// #     &[40.0, 40.0, 40.0, 38.0, 39.0, 40.0, 41.0, 37.0, 40.0, 39.0],
    /// # )?;
    /// # let options = FitOptions::default().with_penalty(0.01)?;
    /// # let fit = BgNbd::fit(&data, &options)?;
    /// // `data`, `options` and `fit`: the ten-customer BG/NBD fit of the type's example.
    /// let cov = LogCovariance::of_fit(&fit, &data, &options)?;
    /// assert_eq!(cov.names().len(), cov.len());
    /// assert_eq!(cov.names()[0], "r");
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// `ln θ̂`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use customer_value::btyd::uncertainty::LogCovariance;
    /// # use customer_value::btyd::{BgNbd, FitOptions, WeightedSummaries};
    /// # let data = WeightedSummaries::from_rows(
    /// #     &[0.0, 1.0, 3.0, 0.0, 2.0, 5.0, 1.0, 0.0, 4.0, 2.0],
    /// #     &[0.0, 10.0, 30.0, 0.0, 12.0, 35.0, 2.0, 0.0, 20.0, 38.0],
    /// #     &[40.0, 40.0, 40.0, 38.0, 39.0, 40.0, 41.0, 37.0, 40.0, 39.0],
    /// # )?;
    /// # let options = FitOptions::default().with_penalty(0.01)?;
    /// # let fit = BgNbd::fit(&data, &options)?;
    /// // `data`, `options` and `fit`: the ten-customer BG/NBD fit of the type's example.
    /// let cov = LogCovariance::of_fit(&fit, &data, &options)?;
    /// let back: Vec<f64> = cov.log_estimates().iter().map(|l| l.exp()).collect();
    /// assert!((back[1] - fit.model.alpha()).abs() < 1e-9 * fit.model.alpha());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn log_estimates(&self) -> &[f64] {
        &self.log_estimates
    }

    /// The row-major `k × k` matrix `Σ = Cov(ln θ̂)`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use customer_value::btyd::uncertainty::LogCovariance;
    /// # use customer_value::btyd::{BgNbd, FitOptions, WeightedSummaries};
    /// # let data = WeightedSummaries::from_rows(
    /// #     &[0.0, 1.0, 3.0, 0.0, 2.0, 5.0, 1.0, 0.0, 4.0, 2.0],
    /// #     &[0.0, 10.0, 30.0, 0.0, 12.0, 35.0, 2.0, 0.0, 20.0, 38.0],
    /// #     &[40.0, 40.0, 40.0, 38.0, 39.0, 40.0, 41.0, 37.0, 40.0, 39.0],
    /// # )?;
    /// # let options = FitOptions::default().with_penalty(0.01)?;
    /// # let fit = BgNbd::fit(&data, &options)?;
    /// // `data`, `options` and `fit`: the ten-customer BG/NBD fit of the type's example.
    /// let cov = LogCovariance::of_fit(&fit, &data, &options)?;
    /// let (k, m) = (cov.len(), cov.matrix());
    /// assert_eq!(m.len(), k * k);
    /// assert!((0..k).all(|i| (0..k).all(|j| (m[i * k + j] - m[j * k + i]).abs() <= 1e-9 * m[i * k + i].max(m[j * k + j])))); // symmetric
    /// assert!((0..k).all(|i| m[i * k + i] > 0.0));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn matrix(&self) -> &[f64] {
        &self.matrix
    }

    /// Entry `(i, j)` of Σ (0 outside).
    ///
    /// # Examples
    ///
    /// ```
    /// # use customer_value::btyd::uncertainty::LogCovariance;
    /// # use customer_value::btyd::{BgNbd, FitOptions, WeightedSummaries};
    /// # let data = WeightedSummaries::from_rows(
    /// #     &[0.0, 1.0, 3.0, 0.0, 2.0, 5.0, 1.0, 0.0, 4.0, 2.0],
    /// #     &[0.0, 10.0, 30.0, 0.0, 12.0, 35.0, 2.0, 0.0, 20.0, 38.0],
    /// #     &[40.0, 40.0, 40.0, 38.0, 39.0, 40.0, 41.0, 37.0, 40.0, 39.0],
    /// # )?;
    /// # let options = FitOptions::default().with_penalty(0.01)?;
    /// # let fit = BgNbd::fit(&data, &options)?;
    /// // `data`, `options` and `fit`: the ten-customer BG/NBD fit of the type's example.
    /// let cov = LogCovariance::of_fit(&fit, &data, &options)?;
    /// assert_eq!(cov.at(1, 2), cov.matrix()[cov.len() + 2]);
    /// assert_eq!(cov.at(9, 9), 0.0); // outside
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn at(&self, i: usize, j: usize) -> f64 {
        let k = self.len();
        if i >= k || j >= k {
            return 0.0;
        }
        self.matrix.get(i * k + j).copied().unwrap_or(0.0)
    }

    /// Natural-scale standard errors by the delta method, `θ̂ᵢ √Σᵢᵢ`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use customer_value::btyd::uncertainty::LogCovariance;
    /// # use customer_value::btyd::{BgNbd, FitOptions, WeightedSummaries};
    /// # let data = WeightedSummaries::from_rows(
    /// #     &[0.0, 1.0, 3.0, 0.0, 2.0, 5.0, 1.0, 0.0, 4.0, 2.0],
    /// #     &[0.0, 10.0, 30.0, 0.0, 12.0, 35.0, 2.0, 0.0, 20.0, 38.0],
    /// #     &[40.0, 40.0, 40.0, 38.0, 39.0, 40.0, 41.0, 37.0, 40.0, 39.0],
    /// # )?;
    /// # let options = FitOptions::default().with_penalty(0.01)?;
    /// # let fit = BgNbd::fit(&data, &options)?;
    /// // `data`, `options` and `fit`: the ten-customer BG/NBD fit of the type's example.
    /// let cov = LogCovariance::of_fit(&fit, &data, &options)?;
    /// let se = cov.standard_errors();
    /// // θ̂ √Σᵢᵢ for r.
    /// assert!((se[0] - fit.model.r() * cov.at(0, 0).sqrt()).abs() < 1e-15);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn standard_errors(&self) -> Vec<f64> {
        (0..self.len())
            .zip(&self.log_estimates)
            .map(|(i, u)| u.exp() * self.at(i, i).sqrt())
            .collect()
    }

    /// `uᵀ Σ u`.
    pub(crate) fn quadratic_form(&self, u: &[f64]) -> f64 {
        let mut s = 0.0;
        for (i, ui) in u.iter().enumerate() {
            for (j, uj) in u.iter().enumerate() {
                s += ui * self.at(i, j) * uj;
            }
        }
        s
    }

    /// The lower Cholesky factor `L` (row-major), `L Lᵀ = Σ`; a zero pivot (a parameter
    /// held fixed) gives a zero column.
    pub(crate) fn cholesky(&self) -> Result<Vec<f64>> {
        let k = self.len();
        let mut l = vec![0.0; k * k];
        for i in 0..k {
            for j in 0..=i {
                let mut s = self.at(i, j);
                for m in 0..j {
                    s -= get(&l, i * k + m) * get(&l, j * k + m);
                }
                let v = if i == j {
                    let tol = 1e-12 * self.at(i, i).abs().max(1e-300);
                    if s < -tol {
                        return Err(Error::param(
                            "covariance",
                            s,
                            "matrix must be positive semi-definite",
                        ));
                    }
                    s.max(0.0).sqrt()
                } else {
                    let d = get(&l, j * k + j);
                    if d > 0.0 { s / d } else { 0.0 }
                };
                if let Some(slot) = l.get_mut(i * k + j) {
                    *slot = v;
                }
            }
        }
        Ok(l)
    }
}

fn get(v: &[f64], i: usize) -> f64 {
    v.get(i).copied().unwrap_or(0.0)
}

fn set(v: &mut [f64], i: usize, x: f64) {
    if let Some(s) = v.get_mut(i) {
        *s = x;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cholesky_reproduces_the_matrix() {
        let c = LogCovariance::from_parts(
            vec!["a".into(), "b".into(), "c".into()],
            vec![0.0; 3],
            vec![4.0, 2.0, 0.4, 2.0, 3.0, 0.5, 0.4, 0.5, 1.0],
        )
        .unwrap();
        let l = c.cholesky().unwrap();
        for i in 0..3 {
            for j in 0..3 {
                let s: f64 = (0..3).map(|m| l[i * 3 + m] * l[j * 3 + m]).sum();
                assert!((s - c.at(i, j)).abs() < 1e-12);
            }
        }
        assert!(LogCovariance::from_parts(vec!["a".into()], vec![0.0], vec![-1.0]).is_err());
        assert!(
            LogCovariance::from_parts(
                vec!["a".into(), "b".into()],
                vec![0.0; 2],
                vec![1.0, 0.5, 0.4, 1.0]
            )
            .is_err()
        );
    }

    #[test]
    fn joint_is_block_diagonal() {
        let a = LogCovariance::from_parts(vec!["a".into()], vec![1.0], vec![0.5]).unwrap();
        let b = LogCovariance::from_parts(
            vec!["b".into(), "c".into()],
            vec![2.0, 3.0],
            vec![1.0, 0.2, 0.2, 2.0],
        )
        .unwrap();
        let j = LogCovariance::joint(&a, &b);
        assert_eq!(j.len(), 3);
        assert_eq!(j.names(), ["a", "b", "c"]);
        assert!(
            (j.at(0, 0) - 0.5).abs() < 1e-15 && j.at(0, 1).abs() < 1e-15 && (j.at(2, 1) - 0.2).abs() < 1e-15
        );
    }
}

//! Intervals on the per-customer predictions of a covariate fit, over the whole parameter
//! vector `z = (ln θ₀, γ)` — the baseline parameters on the log scale and the
//! coefficients as they are (free in sign): the covariance of `ẑ` from the Hessian of the
//! (penalised) negative log-likelihood ([`CovariateFit::covariance`]), then the delta
//! method (`Var g(ẑ) ≈ ∇gᵀ Σ ∇g`, gradient by central differences in `z`, the interval
//! symmetric on the prediction's [`Scale`]) or sampling (`z ~ N(ẑ, Σ)`, percentile
//! bounds) in [`covariate_intervals`].
//!
//! This module owns the covariance in `z` and the two methods for covariate fits; the
//! interval types and scales are `btyd::uncertainty`'s. It must not copy a prediction:
//! each customer's prediction is the caller's function of the customer's own model
//! ([`CovariateFit::customer_model`]).

use rand::SeedableRng;
use rand_distr::{Distribution, StandardNormal};
use rand_pcg::Pcg64Mcg;

use super::base::CovariateModel;
use super::data::CovariateData;
use super::fit::CovariateFit;
use super::likelihood::CovariateLikelihood;
use super::options::Layout;
use crate::btyd::uncertainty::{IntervalLevel, IntervalMethod, Intervals, LogCovariance, Scale};
use crate::error::{Error, Result};
use crate::special::invert_spd;

/// The step in `z` of the central differences of the delta method (as
/// `uncertainty::DEFAULT_LOG_STEP`).
const STEP: f64 = 1e-5;

/// The step in `z` of the finite-difference Hessian of the analytic gradient.
const HESSIAN_STEP: f64 = 1e-4;

impl<M: CovariateModel> CovariateFit<M> {
    /// The covariance of the estimate in `z = (ln θ₀, γ)` — the baseline parameters on the
    /// log scale, the coefficients as they are — as the inverse Hessian of
    /// `−LL + N Σλγ²` in `z` at the estimate (central differences of the analytic
    /// gradient), named as [`parameter_names`](Self::parameter_names). Its
    /// `log_estimates` are `ẑ` (so the coefficients' entries are the coefficients, not
    /// their logs), and its [`standard_errors`](LogCovariance::standard_errors) are
    /// natural-scale for the first four only: a coefficient's standard error is
    /// `cov.at(i, i).sqrt()`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidDefinition`] if `data`'s covariate columns are not the fit's;
    /// [`Error::Undefined`] if the likelihood is not finite near the estimate or the
    /// Hessian is not positive definite.
    ///
    /// # Examples
    ///
    /// See [`covariate_intervals`].
    pub fn covariance(&self, data: &CovariateData) -> Result<LogCovariance> {
        if data.purchase().names() != self.purchase_covariates.as_slice()
            || data.dropout().names() != self.dropout_covariates.as_slice()
        {
            return Err(Error::definition(
                "covariates",
                "the data's covariate columns are not the fit's (names and order)",
            ));
        }
        let layout = layout_of(self)?;
        let lik = CovariateLikelihood::<M>::new(data.groups()?, layout);
        let z = self.z();
        let k = z.len();
        let undefined = |reason: &str| Error::Undefined {
            what: "covariance of a covariate fit",
            reason: reason.to_owned(),
        };
        let grad_at = |u: &[f64], out: &mut [f64]| -> bool {
            let ll = lik.ll_grad(u, out);
            for (i, o) in out.iter_mut().enumerate() {
                let pen = match (i.checked_sub(4), u.get(i)) {
                    (Some(j), Some(v)) => 2.0 * lik.n * lik.layout.lambda.get(j).copied().unwrap_or(0.0) * v,
                    _ => 0.0,
                };
                *o = -*o + pen;
            }
            ll.is_finite()
        };
        let mut h = vec![0.0; k * k];
        let (mut gp, mut gm) = (vec![0.0; k], vec![0.0; k]);
        let mut u = z.clone();
        for j in 0..k {
            let v = z.get(j).copied().unwrap_or(0.0);
            if let Some(uj) = u.get_mut(j) {
                *uj = v + HESSIAN_STEP;
            }
            let ok_p = grad_at(&u, &mut gp);
            if let Some(uj) = u.get_mut(j) {
                *uj = v - HESSIAN_STEP;
            }
            let ok_m = grad_at(&u, &mut gm);
            if let Some(uj) = u.get_mut(j) {
                *uj = v;
            }
            if !(ok_p && ok_m) {
                return Err(undefined("the log-likelihood is not finite near the estimate"));
            }
            for (i, (p, m)) in gp.iter().zip(&gm).enumerate() {
                if let Some(hij) = h.get_mut(i * k + j) {
                    *hij = (p - m) / (2.0 * HESSIAN_STEP);
                }
            }
        }
        for i in 0..k {
            for j in i + 1..k {
                let s = 0.5
                    * (h.get(i * k + j).copied().unwrap_or(0.0) + h.get(j * k + i).copied().unwrap_or(0.0));
                if let Some(x) = h.get_mut(i * k + j) {
                    *x = s;
                }
                if let Some(x) = h.get_mut(j * k + i) {
                    *x = s;
                }
            }
        }
        let inv = invert_spd(&h, k).ok_or_else(|| undefined("the Hessian is not positive definite"))?;
        // Symmetrise the rounding of the inverse, which from_parts checks.
        let mut sym = inv.clone();
        for i in 0..k {
            for j in 0..k {
                if let Some(x) = sym.get_mut(i * k + j) {
                    *x = 0.5
                        * (inv.get(i * k + j).copied().unwrap_or(0.0)
                            + inv.get(j * k + i).copied().unwrap_or(0.0));
                }
            }
        }
        LogCovariance::from_parts(self.parameter_names.clone(), z, sym)
    }

    /// The estimate as `z = (ln θ₀, γ)`.
    fn z(&self) -> Vec<f64> {
        self.estimates
            .iter()
            .enumerate()
            .map(|(i, v)| if i < 4 { v.ln() } else { *v })
            .collect()
    }

    /// The fit with its estimate moved to `z`.
    fn at(&self, z: &[f64]) -> Result<Self> {
        let theta: Vec<f64> = z.iter().take(4).map(|v| v.exp()).collect();
        let mut out = self.clone();
        out.model = M::build(&theta, self.model.unit())?;
        out.estimates = theta;
        out.estimates.extend(z.iter().skip(4));
        Ok(out)
    }
}

fn layout_of<M: CovariateModel>(fit: &CovariateFit<M>) -> Result<Layout> {
    let o = &fit.options;
    Layout::new(
        M::LINKS,
        &fit.purchase_covariates,
        &fit.dropout_covariates,
        &o.constrained,
        o.shared_dropout,
        (o.lambda_purchase, o.lambda_dropout),
    )
}

/// What [`covariate_intervals`] computes and how.
///
/// # Examples
///
/// See [`covariate_intervals`].
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct CovariateIntervalSpec {
    /// The level of the intervals.
    pub level: IntervalLevel,
    /// [`IntervalMethod::Delta`] or [`IntervalMethod::Sampling`] (the bootstrap is not
    /// available for covariate fits).
    pub method: IntervalMethod,
    /// The scale on which a delta-method interval is symmetric.
    pub scale: Scale,
    /// Parameter draws of sampling.
    pub draws: usize,
    /// Seed of the draws.
    pub seed: u64,
}

impl CovariateIntervalSpec {
    /// The delta method at `level` on `scale`.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::covariates::CovariateIntervalSpec;
    /// use customer_value::btyd::uncertainty::{IntervalLevel, IntervalMethod, Scale};
    ///
    /// // 90 % intervals on P(alive), symmetric on the logit scale (so within [0, 1]).
    /// let spec = CovariateIntervalSpec::delta(IntervalLevel::new(0.9)?, Scale::Logit);
    /// assert_eq!((spec.method, spec.scale), (IntervalMethod::Delta, Scale::Logit));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn delta(level: IntervalLevel, scale: Scale) -> Self {
        CovariateIntervalSpec {
            level,
            method: IntervalMethod::Delta,
            scale,
            draws: 0,
            seed: 0,
        }
    }

    /// Sampling `draws` parameter vectors with `seed`.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::covariates::CovariateIntervalSpec;
    /// use customer_value::btyd::uncertainty::{IntervalLevel, IntervalMethod};
    ///
    /// let spec = CovariateIntervalSpec::sampling(IntervalLevel::new(0.95)?, 500, 7);
    /// assert_eq!((spec.method, spec.draws, spec.seed), (IntervalMethod::Sampling, 500, 7));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn sampling(level: IntervalLevel, draws: usize, seed: u64) -> Self {
        CovariateIntervalSpec {
            level,
            method: IntervalMethod::Sampling,
            scale: Scale::Identity,
            draws,
            seed,
        }
    }
}

/// Intervals on a per-customer prediction of a covariate fit: `predict(model, i)` is
/// customer `i`'s prediction from the customer's own model (built from row `i` of
/// `data`'s covariates), one output per customer of `data`, uncertainty over the whole
/// parameter vector (`cov`, from [`CovariateFit::covariance`]).
///
/// # Errors
///
/// [`Error::InvalidParameter`] for the bootstrap, 0 draws, or a covariance of another
/// size; [`Error::InvalidDefinition`] if `data`'s covariate columns are not the fit's;
/// the point prediction's errors (and, for the delta method, its neighbours'); for
/// sampling, [`Error::Undefined`] if every draw fails.
///
/// # Examples
///
/// ```
/// use customer_value::btyd::covariates::{covariate_intervals, CovariateData, CovariateFit, CovariateIntervalSpec, CovariateMatrix, CovariateOptions};
/// use customer_value::btyd::uncertainty::{IntervalLevel, Scale};
/// use customer_value::btyd::{ParetoNbd, TransactionModel};
///
/// let offline: Vec<f64> = (0..400).map(|i| (i % 2) as f64).collect();
/// let x: Vec<f64> = (0..400).map(|i| [0.0, 1.0, 0.0, 4.0, 1.0, 7.0, 0.0, 2.0][i % 8]).collect();
/// let tx: Vec<f64> = x.iter().enumerate().map(|(i, &x)| if x > 0.0 { 2.0 + ((i * 13) % 37) as f64 } else { 0.0 }).collect();
/// let age = vec![40.0; 400];
/// let m = CovariateMatrix::from_columns(400, &[("offline", &offline)])?;
/// let data = CovariateData::new(&x, &tx, &age, m.clone(), m)?;
/// let fit = CovariateFit::<ParetoNbd>::fit(&data, &CovariateOptions::default())?;
/// let cov = fit.covariance(&data)?;
/// let spec = CovariateIntervalSpec::delta(IntervalLevel::new(0.9)?, Scale::Logit);
/// let iv = covariate_intervals(&fit, &cov, &data, |m: &ParetoNbd, i| {
///     let (x, tx, t) = data.summary(i).unwrap_or_default();
///     m.probability_alive(x, tx, t)
/// }, &spec)?;
/// assert!(iv.lower.iter().zip(&iv.point).zip(&iv.upper).all(|((l, p), u)| l <= p && p <= u));
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn covariate_intervals<M, F>(
    fit: &CovariateFit<M>,
    cov: &LogCovariance,
    data: &CovariateData,
    predict: F,
    spec: &CovariateIntervalSpec,
) -> Result<Intervals>
where
    M: CovariateModel,
    F: Fn(&M, usize) -> Result<f64>,
{
    if data.purchase().names() != fit.purchase_covariates.as_slice()
        || data.dropout().names() != fit.dropout_covariates.as_slice()
    {
        return Err(Error::definition(
            "covariates",
            "the data's covariate columns are not the fit's (names and order)",
        ));
    }
    let z = fit.z();
    let k = z.len();
    if cov.len() != k {
        return Err(Error::LengthMismatch {
            left: "covariance",
            left_len: cov.len(),
            right: "fit parameters",
            right_len: k,
        });
    }
    let eval = |z: &[f64]| -> Result<Vec<f64>> {
        let f = fit.at(z)?;
        // One model per distinct covariate row.
        let mut models: std::collections::HashMap<Vec<u64>, M> = std::collections::HashMap::new();
        (0..data.len())
            .map(|i| {
                let p = data.purchase().row(i).unwrap_or(&[]);
                let d = data.dropout().row(i).unwrap_or(&[]);
                let key: Vec<u64> = p.iter().chain(d).map(|v| v.to_bits()).collect();
                let m = match models.get(&key) {
                    Some(m) => m.clone(),
                    None => {
                        let m = f.customer_model(p, d)?;
                        models.insert(key, m.clone());
                        m
                    }
                };
                predict(&m, i).map_err(|e| crate::btyd::data::row_error(i, e))
            })
            .collect()
    };
    let point = eval(&z)?;
    let (lower, upper, draws, excluded) = match spec.method {
        IntervalMethod::Delta => {
            let mut grads = Vec::with_capacity(k);
            let mut u = z.clone();
            for j in 0..k {
                let v = z.get(j).copied().unwrap_or(0.0);
                if let Some(uj) = u.get_mut(j) {
                    *uj = v + STEP;
                }
                let plus = eval(&u)?;
                if let Some(uj) = u.get_mut(j) {
                    *uj = v - STEP;
                }
                let minus = eval(&u)?;
                if let Some(uj) = u.get_mut(j) {
                    *uj = v;
                }
                grads.push(
                    plus.iter()
                        .zip(&minus)
                        .map(|(a, b)| (a - b) / (2.0 * STEP))
                        .collect::<Vec<f64>>(),
                );
            }
            let zq = spec.level.z();
            let mut g = vec![0.0; k];
            let (mut lo, mut hi) = (Vec::with_capacity(point.len()), Vec::with_capacity(point.len()));
            for (i, &v) in point.iter().enumerate() {
                for (gj, col) in g.iter_mut().zip(&grads) {
                    *gj = col.get(i).copied().unwrap_or(0.0);
                }
                let sd = cov.quadratic_form(&g).max(0.0).sqrt();
                let (l, h) = bounds(v, sd, zq, spec.scale);
                lo.push(l);
                hi.push(h);
            }
            (lo, hi, 0, 0)
        }
        IntervalMethod::Sampling => {
            if spec.draws == 0 {
                return Err(Error::param("draws", 0, "must be at least 1"));
            }
            let l = cov.cholesky()?;
            let mut rng = Pcg64Mcg::seed_from_u64(spec.seed);
            let mut e = vec![0.0; k];
            let mut u = vec![0.0; k];
            let mut samples: Vec<Vec<f64>> = vec![Vec::with_capacity(spec.draws); point.len()];
            let mut excluded = 0;
            for _ in 0..spec.draws {
                for ei in &mut e {
                    *ei = StandardNormal.sample(&mut rng);
                }
                for (i, (ui, zi)) in u.iter_mut().zip(&z).enumerate() {
                    let row = l.get(i * k..(i + 1) * k).unwrap_or(&[]);
                    *ui = zi + row.iter().zip(&e).map(|(a, b)| a * b).sum::<f64>();
                }
                match eval(&u) {
                    Ok(v) if v.iter().all(|x| x.is_finite()) => {
                        for (s, x) in samples.iter_mut().zip(v) {
                            s.push(x);
                        }
                    }
                    _ => excluded += 1,
                }
            }
            if excluded == spec.draws {
                return Err(Error::Undefined {
                    what: "covariate intervals",
                    reason: format!("the prediction failed for all {} draws", spec.draws),
                });
            }
            let (p, q) = (spec.level.lower_quantile(), spec.level.upper_quantile());
            let (lo, hi) = samples
                .iter_mut()
                .map(|s| (quantile(s, p), quantile(s, q)))
                .unzip();
            (lo, hi, spec.draws, excluded)
        }
        _ => {
            return Err(Error::param(
                "method",
                format!("{:?}", spec.method),
                "covariate fits take the delta method or sampling",
            ));
        }
    };
    Ok(Intervals {
        level: spec.level,
        method: spec.method,
        point,
        lower,
        upper,
        draws,
        excluded,
    })
}

/// `v ± z·sd` on `scale`, mapped back (as the delta method of `btyd::uncertainty`).
fn bounds(v: f64, sd: f64, z: f64, scale: Scale) -> (f64, f64) {
    match scale {
        Scale::Log if v > 0.0 => {
            let s = z * sd / v;
            (v * (-s).exp(), v * s.exp())
        }
        Scale::Log => ((v - z * sd).max(0.0), v + z * sd),
        Scale::Logit if v > 0.0 && v < 1.0 => {
            let l = (v / (1.0 - v)).ln();
            let s = z * sd / (v * (1.0 - v));
            let back = |x: f64| 1.0 / (1.0 + (-x).exp());
            (back(l - s), back(l + s))
        }
        Scale::Logit => ((v - z * sd).clamp(0.0, 1.0), (v + z * sd).clamp(0.0, 1.0)),
        _ => (v - z * sd, v + z * sd),
    }
}

/// The `p` quantile (linear interpolation between order statistics, numpy's default).
fn quantile(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        return f64::NAN;
    }
    let h = (n - 1) as f64 * p;
    let k = (h.floor() as usize).min(n - 1);
    let lo = v.get(k).copied().unwrap_or(f64::NAN);
    let hi = v.get(k + 1).copied().unwrap_or(lo);
    lo + (h - k as f64) * (hi - lo)
}

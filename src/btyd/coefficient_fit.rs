//! The harness of the covariate fits (static transaction covariates, spend covariates,
//! sBG covariates): BFGS over `z = (ln θ₀, γ)` — the baseline model's parameters on the
//! log scale, the regression coefficients as they are — then standard errors from a
//! finite-difference Hessian in `(θ₀, γ)` and the coefficient table with z and p values.
//! A likelihood that assembles its Hessian itself (the static transaction covariates: per
//! covariate group, [`CoefficientLikelihood::neg_hessian`]) gives the standard errors from
//! that, and BFGS starts from its inverse at the start point.
//! The plain models' harness is [`fit`](super::fit::fit); this one differs in the mixed
//! scale and in having no boundary probes.
//!
//! Must not: know a model (each covariate fit brings its likelihood, starts, names and
//! the model it builds from `θ₀`).

use super::covariates::Coefficient;
use super::fit::{Convergence, FitOptions, convergence};
use crate::error::{Error, Result};
use crate::special::{Objective, invert_spd, minimize_from};

/// A covariate model's log-likelihood in `z = (ln θ₀, γ)`.
pub(crate) trait CoefficientLikelihood {
    /// How many leading entries of `z` are log-scale baseline parameters.
    const BASELINE: usize;
    /// Total log-likelihood at `z`, writing `∂/∂z` into `grad`; not finite outside the
    /// domain.
    fn ll_grad(&self, z: &[f64], grad: &mut [f64]) -> f64;
    /// Customers the likelihood sums over (the objective is per customer).
    fn customers(&self) -> f64;
    /// The L2 penalties `λ` of the coefficients (`N λ γ²` each in the Hessian), `None`
    /// for an unpenalised fit.
    fn coefficient_penalties(&self) -> Option<&[f64]> {
        None
    }
    /// Whether [`neg_hessian`](Self::neg_hessian) assembles the Hessian (cheaper than the
    /// `2k` gradients of central differences in `(θ₀, γ)`).
    const ASSEMBLED_HESSIAN: bool = false;
    /// The Hessian of `−LL` (no penalty) in `(θ₀, γ)` at natural-scale `u`, row-major;
    /// `None` where it cannot be had. Only asked when
    /// [`ASSEMBLED_HESSIAN`](Self::ASSEMBLED_HESSIAN).
    fn neg_hessian(&self, _u: &[f64]) -> Option<Vec<f64>> {
        None
    }
}

/// `−LL/N`, the objective of an unpenalised covariate fit.
pub(crate) struct Negative<'a, L>(pub(crate) &'a L);

impl<L: CoefficientLikelihood> Objective for Negative<'_, L> {
    fn value_grad(&self, z: &[f64], grad: &mut [f64]) -> f64 {
        let n = self.0.customers();
        let ll = self.0.ll_grad(z, grad);
        if !ll.is_finite() {
            return f64::INFINITY;
        }
        for g in grad.iter_mut() {
            *g = -*g / n;
        }
        -ll / n
    }
}

/// Where a covariate fit stopped.
pub(crate) struct CoefficientFit {
    /// `(θ₀, γ)`: the baseline back on its natural scale, then the coefficients.
    pub(crate) estimates: Vec<f64>,
    /// `√diag(H⁻¹)` in `(θ₀, γ)`, `None` if the Hessian is not positive definite.
    pub(crate) standard_errors: Option<Vec<f64>>,
    /// Total log-likelihood at the estimate (without a penalty).
    pub(crate) log_likelihood: f64,
    /// The minimised objective.
    pub(crate) objective: f64,
    /// BFGS iterations.
    pub(crate) iterations: usize,
    /// Largest gradient component of the objective at the end.
    pub(crate) gradient_norm: f64,
    /// How the fit stopped.
    pub(crate) convergence: Convergence,
}

impl CoefficientFit {
    /// The baseline parameters `θ₀` (natural scale).
    pub(crate) fn baseline<L: CoefficientLikelihood>(&self) -> &[f64] {
        self.estimates.get(..L::BASELINE).unwrap_or(&[])
    }
}

/// Minimises `objective` (the likelihood's, possibly penalised) from `z0` by BFGS; a
/// log-likelihood that is not finite at the minimum is [`Error::NonConvergence`] of
/// `what`.
pub(crate) fn fit_coefficients<L: CoefficientLikelihood>(
    lik: &L,
    objective: &impl Objective,
    z0: &[f64],
    options: &FitOptions,
    what: &'static str,
) -> Result<CoefficientFit> {
    let h0 = start_inverse_hessian(lik, z0);
    let min = minimize_from(
        objective,
        z0,
        h0.as_deref(),
        options.tolerance,
        options.max_iterations,
    )?;
    let mut grad = vec![0.0; min.x.len()];
    let log_likelihood = lik.ll_grad(&min.x, &mut grad);
    if !log_likelihood.is_finite() {
        return Err(Error::NonConvergence {
            what,
            iterations: min.iterations,
            detail: format!("the log-likelihood at the estimate {:?} is not finite", min.x),
        });
    }
    let estimates: Vec<f64> = min
        .x
        .iter()
        .enumerate()
        .map(|(i, v)| if i < L::BASELINE { v.exp() } else { *v })
        .collect();
    let standard_errors = standard_errors(lik, &estimates);
    Ok(CoefficientFit {
        standard_errors,
        estimates,
        log_likelihood,
        objective: min.value,
        iterations: min.iterations,
        gradient_norm: min.grad_norm,
        convergence: convergence(min.grad_norm, min.value, options.tolerance),
    })
}

/// The inverse Hessian in `z` of the objective `−LL/N + Σλγ²` at `z0`, from the
/// likelihood's assembled Hessian, to start BFGS with (the start is the model fitted
/// without covariates, where BFGS would otherwise spend its first steps learning it);
/// `None` if the likelihood has no assembled Hessian or it is not positive definite there.
fn start_inverse_hessian<L: CoefficientLikelihood>(lik: &L, z0: &[f64]) -> Option<Vec<f64>> {
    if !L::ASSEMBLED_HESSIAN {
        return None;
    }
    let k = z0.len();
    let base = L::BASELINE;
    let n = lik.customers();
    let u: Vec<f64> = z0
        .iter()
        .enumerate()
        .map(|(i, v)| if i < base { v.exp() } else { *v })
        .collect();
    let mut grad = vec![0.0; k];
    if !lik.ll_grad(z0, &mut grad).is_finite() {
        return None;
    }
    let hu = lik.neg_hessian(&u)?;
    // ∂²/∂zᵢ∂zⱼ = dᵢ dⱼ ∂²/∂uᵢ∂uⱼ + δᵢⱼ dᵢ ∂/∂uᵢ, with dᵢ = uᵢ on the log scale (1 else).
    let d = |i: usize| if i < base { u.get(i).copied() } else { Some(1.0) };
    let mut hz = vec![0.0; k * k];
    for i in 0..k {
        for j in 0..k {
            let mut v = d(i)? * d(j)? * hu.get(i * k + j)?;
            if i == j && i < base {
                v -= grad.get(i)?;
            }
            *hz.get_mut(i * k + j)? = v / n;
        }
    }
    if let Some(lambda) = lik.coefficient_penalties() {
        for (i, l) in lambda.iter().enumerate() {
            *hz.get_mut((base + i) * (k + 1))? += 2.0 * l;
        }
    }
    for i in 0..k {
        for j in i + 1..k {
            let s = 0.5 * (hz.get(i * k + j)? + hz.get(j * k + i)?);
            *hz.get_mut(i * k + j)? = s;
            *hz.get_mut(j * k + i)? = s;
        }
    }
    invert_spd(&hz, k)
}

/// √diag(H⁻¹), H the Hessian of `−LL + N Σλγ²` in `(θ₀, γ)` (natural scale): the
/// likelihood's own when it assembles one, else by central differences of the analytic
/// gradient.
pub(crate) fn standard_errors<L: CoefficientLikelihood>(lik: &L, estimates: &[f64]) -> Option<Vec<f64>> {
    let k = estimates.len();
    let mut h = if L::ASSEMBLED_HESSIAN {
        let mut h = lik.neg_hessian(estimates)?;
        if h.len() != k * k {
            return None;
        }
        if let Some(lambda) = lik.coefficient_penalties() {
            let n = lik.customers();
            for (i, l) in lambda.iter().enumerate() {
                *h.get_mut((L::BASELINE + i) * (k + 1))? += 2.0 * n * l;
            }
        }
        h
    } else {
        difference_hessian(lik, estimates)?
    };
    for i in 0..k {
        for j in i + 1..k {
            let s = 0.5 * (h.get(i * k + j)? + h.get(j * k + i)?);
            *h.get_mut(i * k + j)? = s;
            *h.get_mut(j * k + i)? = s;
        }
    }
    let inv = invert_spd(&h, k)?;
    let se: Vec<f64> = inv.iter().step_by(k + 1).map(|v| v.sqrt()).collect();
    se.iter().all(|v| v.is_finite()).then_some(se)
}

/// The Hessian of `−LL + N Σλγ²` in `(θ₀, γ)` by central differences of the analytic
/// gradient (not symmetrised).
fn difference_hessian<L: CoefficientLikelihood>(lik: &L, estimates: &[f64]) -> Option<Vec<f64>> {
    let k = estimates.len();
    let base = L::BASELINE;
    let n = lik.customers();
    let penalties = lik.coefficient_penalties();
    // The gradient of −LL + N Σλγ² in (θ₀, γ) at natural-scale values u.
    let grad_at = |u: &[f64], out: &mut [f64]| -> bool {
        let z: Vec<f64> = u
            .iter()
            .enumerate()
            .map(|(i, v)| if i < base { v.ln() } else { *v })
            .collect();
        let ll = lik.ll_grad(&z, out);
        for (i, (o, v)) in out.iter_mut().zip(u).enumerate() {
            *o = if i < base {
                -*o / v
            } else if let Some(lambda) = penalties {
                -*o + 2.0 * n * lambda.get(i - base).copied().unwrap_or(0.0) * v
            } else {
                -*o
            };
        }
        ll.is_finite()
    };
    let mut h = vec![0.0; k * k];
    let (mut gp, mut gm) = (vec![0.0; k], vec![0.0; k]);
    let mut u = estimates.to_vec();
    for j in 0..k {
        let v = *estimates.get(j)?;
        let step = if j < base {
            1e-4 * v
        } else {
            1e-4 * v.abs().max(0.1)
        };
        *u.get_mut(j)? = v + step;
        let ok_p = grad_at(&u, &mut gp);
        *u.get_mut(j)? = v - step;
        let ok_m = grad_at(&u, &mut gm);
        *u.get_mut(j)? = v;
        if !(ok_p && ok_m) {
            return None;
        }
        for (i, (p, m)) in gp.iter().zip(&gm).enumerate() {
            *h.get_mut(i * k + j)? = (p - m) / (2.0 * step);
        }
    }
    Some(h)
}

/// The coefficients (every estimate after the first `baseline`) with standard errors, z
/// and two-sided p values under the standard normal.
pub(crate) fn coefficient_table(
    names: &[String],
    estimates: &[f64],
    standard_errors: Option<&[f64]>,
    baseline: usize,
) -> Vec<Coefficient> {
    names
        .iter()
        .zip(estimates)
        .enumerate()
        .skip(baseline)
        .map(|(i, (name, &estimate))| {
            let se = standard_errors.and_then(|s| s.get(i).copied());
            let z = se.filter(|s| *s > 0.0).map(|s| estimate / s);
            Coefficient {
                name: name.clone(),
                estimate,
                standard_error: se,
                z,
                p_value: z.map(|z| statrs::function::erf::erfc(z.abs() / std::f64::consts::SQRT_2)),
            }
        })
        .collect()
}

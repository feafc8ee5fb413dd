//! GGom/NBD (Bemmaor & Glady 2012) with static covariates, as CLVTools' `ggomnbd`
//! parametrises them: the purchase rate's gamma scale `α_i = α₀ exp(−x_p·γ_p)` and the
//! Gompertz scale's gamma rate `β_i = β₀ exp(−x_d·γ_d)`; `r`, `b` and `s` are shared.
//! (CLVTools `ggomnbd_staticcov_alpha_i` / `_beta_i`; a positive dropout coefficient
//! means a smaller β, i.e. a shorter lifetime, as for Pareto/NBD.) With every covariate
//! 0 the customer's model is the plain [`GgomNbd`].
//!
//! The likelihood is evaluated once per distinct covariate row with [`GgomNbd`]'s own
//! weighted likelihood and analytic gradient (its quadrature, not a copy), chained to the
//! coefficients; the coefficient layout, L2 regularisation and constraints are those of
//! [`CovariateOptions`] (Pareto/NBD's links: GGom/NBD scales the same two gamma
//! parameters). Standard errors from the Hessian of the analytic gradient.
//!
//! This module owns the GGom/NBD covariate fit; the model's formulas stay in
//! `btyd/ggom_nbd.rs`.

use serde::{Deserialize, Serialize};

use super::base::private::Base;
use super::data::{CovariateData, CovariateGroup};
use super::fit::Coefficient;
use super::options::{CovariateOptions, Layout};
use crate::btyd::fit::Likelihood;
use crate::btyd::ggom_nbd::GgomLikelihood;
use crate::btyd::{Convergence, FitOptions, GgomNbd, ParetoNbd};
use crate::error::{Error, Result};
use crate::special::{Objective, invert_spd, minimize};

/// Where each Pareto/NBD-style link (`[r, α, s, β]`) sits in GGom/NBD's `[r, α, b, s, β]`.
const GGOM_INDEX: [usize; 4] = [0, 1, 3, 4];

/// A fitted GGom/NBD with static covariates: the baseline model (every covariate 0), the
/// coefficients with Hessian standard errors, and how the fit went; each customer's own
/// model ([`customer_model`](Self::customer_model)) is a plain [`GgomNbd`], so P(alive),
/// expected purchases, CLV and scoring go through
/// [`TransactionModel`](crate::btyd::TransactionModel) unchanged.
///
/// # Examples
///
/// ```
/// use customer_value::btyd::covariates::{CovariateData, CovariateMatrix, CovariateOptions, GgomCovariateFit};
/// use customer_value::btyd::TransactionModel;
///
/// let offline: Vec<f64> = (0..300).map(|i| (i % 2) as f64).collect();
/// let x: Vec<f64> = (0..300).map(|i| [0.0, 1.0, 0.0, 4.0, 1.0, 7.0, 0.0, 2.0][i % 8] * (1.0 + offline[i])).collect();
/// // A third of the repeat buyers stop early (a dropout process to fit), the rest buy on.
/// let tx: Vec<f64> = x.iter().enumerate().map(|(i, &x)| match (x > 0.0, i % 3) {
///     (false, _) => 0.0,
///     (true, 0) => 1.0 + (i % 5) as f64,
///     (true, _) => 20.0 + ((i * 13) % 20) as f64,
/// }).collect();
/// let m = CovariateMatrix::from_columns(300, &[("offline", &offline)])?;
/// let data = CovariateData::new(&x, &tx, &vec![40.0; 300], m, CovariateMatrix::empty(300))?;
/// let fit = GgomCovariateFit::fit(&data, &CovariateOptions::default())?;
/// let c = &fit.coefficients()[0];
/// assert_eq!(c.name, "purchase.offline");
/// assert!(c.estimate > 0.0);
/// let offline_customer = fit.customer_model(&[1.0], &[])?;
/// assert!(offline_customer.expected_purchases_new(10.0)? > fit.model.expected_purchases_new(10.0)?);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[must_use]
pub struct GgomCovariateFit {
    /// The baseline model: a customer whose covariates are all 0.
    pub model: GgomNbd,
    /// `r, alpha, b, s, beta`, then the coefficients' names.
    pub parameter_names: Vec<String>,
    /// Estimates in that order.
    pub estimates: Vec<f64>,
    /// Standard errors (natural scale for the baseline: `θ·SE(ln θ)`), from the inverse
    /// Hessian of `−LL + N Σλγ²` in `(ln θ₀, γ)`; `None` if it is not positive definite.
    pub standard_errors: Option<Vec<f64>>,
    /// Total log-likelihood (without the penalty).
    pub log_likelihood: f64,
    /// The minimised objective `−LL/N + Σλγ²`.
    pub objective: f64,
    /// BFGS iterations (after the start fit without covariates).
    pub iterations: usize,
    /// Largest gradient component of the objective at the end.
    pub gradient_norm: f64,
    /// How the fit stopped.
    pub convergence: Convergence,
    /// Customers fitted.
    pub customers: f64,
    /// Distinct covariate rows.
    pub covariate_groups: usize,
    /// The purchase covariates' names.
    pub purchase_covariates: Vec<String>,
    /// The dropout covariates' names.
    pub dropout_covariates: Vec<String>,
    /// The options the fit ran with (`shared_dropout` has no effect: one dropout vector).
    pub options: CovariateOptions,
}

struct GgomCovLikelihood {
    groups: Vec<CovariateGroup>,
    layout: Layout,
    n: f64,
}

impl GgomCovLikelihood {
    /// Total log-likelihood at `z = (ln r, ln α, ln b, ln s, ln β, γ)`, gradient in `z`.
    fn ll_grad(&self, z: &[f64], grad: &mut [f64]) -> f64 {
        grad.iter_mut().for_each(|g| *g = 0.0);
        let (Some(ln0), Some(gamma)) = (z.first_chunk::<5>(), z.get(5..)) else {
            return f64::NAN;
        };
        let [r, a, b, s, beta] = ln0.map(f64::exp);
        let mut ll = 0.0;
        let mut g5 = [0.0; 5];
        for group in &self.groups {
            let t4 = self
                .layout
                .customer_theta(&[r, a, s, beta], gamma, &group.purchase, &group.dropout);
            let theta = [t4[0], t4[1], b, t4[2], t4[3]];
            let l = GgomLikelihood { data: &group.data }.ll_grad(&theta, &mut g5);
            if !l.is_finite() {
                return f64::NAN;
            }
            ll += l;
            let d: [f64; 5] = std::array::from_fn(|k| {
                g5.get(k).copied().unwrap_or(0.0) * theta.get(k).copied().unwrap_or(0.0)
            });
            for (gz, dk) in grad.iter_mut().zip(d) {
                *gz += dk;
            }
            for slot in &self.layout.slots {
                let x = match slot.process {
                    super::base::Process::Purchase => group.purchase.get(slot.column),
                    super::base::Process::Dropout => group.dropout.get(slot.column),
                };
                let at = GGOM_INDEX.get(slot.base).and_then(|k| d.get(*k));
                if let (Some(x), Some(dk), Some(gz)) = (x, at, grad.get_mut(5 + slot.free)) {
                    *gz += dk * slot.sign * x;
                }
            }
        }
        ll
    }

    fn penalty(&self, z: &[f64]) -> f64 {
        z.get(5..)
            .unwrap_or(&[])
            .iter()
            .zip(&self.layout.lambda)
            .map(|(g, l)| l * g * g)
            .sum()
    }
}

struct Penalised<'a>(&'a GgomCovLikelihood);

impl Objective for Penalised<'_> {
    fn value_grad(&self, z: &[f64], grad: &mut [f64]) -> f64 {
        let lik = self.0;
        let ll = lik.ll_grad(z, grad);
        if !ll.is_finite() {
            return f64::INFINITY;
        }
        for g in grad.iter_mut() {
            *g = -*g / lik.n;
        }
        let gamma = z.get(5..).unwrap_or(&[]);
        for ((g, gm), l) in grad.iter_mut().skip(5).zip(gamma).zip(&lik.layout.lambda) {
            *g += 2.0 * l * gm;
        }
        let f = -ll / lik.n + lik.penalty(z);
        if f.is_finite() { f } else { f64::INFINITY }
    }
}

fn layout(purchase: &[String], dropout: &[String], options: &CovariateOptions) -> Result<Layout> {
    Layout::new(
        <ParetoNbd as Base>::LINKS,
        purchase,
        dropout,
        &options.constrained,
        false,
        (options.lambda_purchase, options.lambda_dropout),
    )
}

impl GgomCovariateFit {
    /// Fits by maximum (penalised) likelihood: BFGS with the analytic gradient from the
    /// GGom/NBD fitted without covariates (coefficients 0), or from `options.fit.start`
    /// (`r, α, b, s, β`).
    ///
    /// # Errors
    ///
    /// As [`CovariateFit::fit`](super::CovariateFit::fit).
    ///
    /// # Examples
    ///
    /// See [`GgomCovariateFit`].
    pub fn fit(data: &CovariateData, options: &CovariateOptions) -> Result<Self> {
        options.validate()?;
        let layout = layout(data.purchase().names(), data.dropout().names(), options)?;
        let groups = data.groups()?;
        let n = groups.iter().map(|g| g.data.total_weight()).sum();
        let lik = GgomCovLikelihood { groups, layout, n };
        let start: Vec<f64> = match &options.fit.start {
            Some(s) if s.len() == 5 => s.clone(),
            Some(s) => return Err(crate::btyd::fit::wrong_parameter_count("start", s)),
            None => {
                let opts = FitOptions {
                    start: None,
                    penalty: 0.0,
                    ..options.fit.clone()
                };
                GgomNbd::fit(&data.pooled()?, &opts)?.estimates
            }
        };
        let k = lik.layout.names.len();
        let mut z0: Vec<f64> = start.iter().map(|v| v.ln()).collect();
        z0.resize(5 + k, 0.0);
        let min = minimize(
            &Penalised(&lik),
            &z0,
            options.fit.tolerance,
            options.fit.max_iterations,
        )?;
        let theta0: Vec<f64> = min.x.iter().take(5).map(|v| v.exp()).collect();
        let model = GgomNbd::from_values(&theta0)?.with_optional_unit(data.unit());
        let mut grad = vec![0.0; min.x.len()];
        let log_likelihood = lik.ll_grad(&min.x, &mut grad);
        if !log_likelihood.is_finite() {
            return Err(Error::NonConvergence {
                what: "GGom/NBD covariate fit",
                iterations: min.iterations,
                detail: format!("the log-likelihood at the estimate {:?} is not finite", min.x),
            });
        }
        let standard_errors = standard_errors(&lik, &min.x);
        let mut estimates = theta0;
        estimates.extend(min.x.iter().skip(5));
        let target = options.fit.tolerance * min.value.abs().max(1.0);
        let mut parameter_names: Vec<String> =
            GgomNbd::PARAMETER_NAMES.iter().map(|s| (*s).to_owned()).collect();
        parameter_names.extend(lik.layout.names.iter().cloned());
        Ok(GgomCovariateFit {
            model,
            parameter_names,
            estimates,
            standard_errors,
            log_likelihood,
            objective: min.value,
            iterations: min.iterations,
            gradient_norm: min.grad_norm,
            convergence: if min.grad_norm <= target {
                Convergence::Gradient
            } else {
                Convergence::PrecisionLimited
            },
            customers: lik.n,
            covariate_groups: lik.groups.len(),
            purchase_covariates: data.purchase().names().to_vec(),
            dropout_covariates: data.dropout().names().to_vec(),
            options: options.clone(),
        })
    }

    /// The total log-likelihood and the objective of `data` at given values (`r, α, b, s,
    /// β`, then the coefficients in the order a fit with these covariates and `options`
    /// names them).
    ///
    /// # Errors
    ///
    /// As [`CovariateFit::evaluate`](super::CovariateFit::evaluate).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::covariates::{CovariateData, CovariateMatrix, CovariateOptions, GgomCovariateFit};
    /// use customer_value::btyd::{GgomNbd, TransactionModel};
    ///
    /// let m = CovariateMatrix::from_columns(2, &[("a", &[0.0, 0.0])])?;
    /// let data = CovariateData::new(&[0.0, 2.0], &[0.0, 5.0], &[10.0, 10.0], m.clone(), m)?;
    /// let (ll, _) = GgomCovariateFit::evaluate(&data, &CovariateOptions::default(), &[1.0, 2.0, 0.1, 1.0, 3.0, 0.5, -0.5])?;
    /// let plain = GgomNbd::new(1.0, 2.0, 0.1, 1.0, 3.0)?;
    /// let direct = plain.log_likelihood(0.0, 0.0, 10.0)? + plain.log_likelihood(2.0, 5.0, 10.0)?;
    /// assert!((ll - direct).abs() < 1e-9); // covariates all 0: the plain model
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn evaluate(data: &CovariateData, options: &CovariateOptions, values: &[f64]) -> Result<(f64, f64)> {
        options.validate()?;
        let layout = layout(data.purchase().names(), data.dropout().names(), options)?;
        if values.len() != 5 + layout.names.len() {
            return Err(crate::btyd::fit::wrong_parameter_count("values", values));
        }
        GgomNbd::from_values(values.get(..5).unwrap_or(&[]))?;
        let groups = data.groups()?;
        let n = groups.iter().map(|g| g.data.total_weight()).sum();
        let lik = GgomCovLikelihood { groups, layout, n };
        let z: Vec<f64> = values
            .iter()
            .enumerate()
            .map(|(i, v)| if i < 5 { v.ln() } else { *v })
            .collect();
        let mut grad = vec![0.0; z.len()];
        let ll = lik.ll_grad(&z, &mut grad);
        if !ll.is_finite() {
            return Err(Error::param(
                "values",
                format!("{values:?}"),
                "the log-likelihood is not finite there",
            ));
        }
        Ok((ll, -ll / lik.n + lik.penalty(&z)))
    }

    /// The coefficients with standard errors, z and two-sided p values.
    ///
    /// # Examples
    ///
    /// See [`GgomCovariateFit`].
    #[must_use]
    pub fn coefficients(&self) -> Vec<Coefficient> {
        self.parameter_names
            .iter()
            .zip(&self.estimates)
            .enumerate()
            .skip(5)
            .map(|(i, (name, &estimate))| {
                let se = self.standard_errors.as_ref().and_then(|s| s.get(i).copied());
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

    /// The estimate of the named parameter (`r`, `alpha`, `b`, `s`, `beta`,
    /// `purchase.<name>`, …).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::covariates::GgomCovariateFit;
    ///
    /// // A fit read back from its saved form: baseline (r, α, b, s, β) = (1, 2, 0.1, 1, 3),
    /// // purchase coefficient 0.5 on `a`.
    /// let fit: GgomCovariateFit = serde_json::from_str(SAVED).unwrap();
    /// assert_eq!(fit.estimate("b"), Some(0.1));
    /// assert_eq!(fit.estimate("purchase.a"), Some(0.5));
    /// assert_eq!(fit.estimate("purchase.unknown"), None);
    /// # const SAVED: &str = r#"{"model":{"model":"ggomnbd","format":1,"unit_days":null,"params":{"r":1.0,"alpha":2.0,"b":0.1,"s":1.0,"beta":3.0}},"parameter_names":["r","alpha","b","s","beta","purchase.a"],"estimates":[1.0,2.0,0.1,1.0,3.0,0.5],"standard_errors":[0.1,0.2,0.01,0.1,0.3,0.25],"log_likelihood":-1.0,"objective":0.5,"iterations":1,"gradient_norm":0.0,"convergence":"Gradient","customers":2.0,"covariate_groups":2,"purchase_covariates":["a"],"dropout_covariates":[],"options":{"fit":{"penalty":0.0,"max_iterations":500,"tolerance":1e-8,"start":null},"lambda_purchase":0.0,"lambda_dropout":0.0,"constrained":[],"shared_dropout":false}}"#;
    /// ```
    #[must_use]
    pub fn estimate(&self, name: &str) -> Option<f64> {
        let i = self.parameter_names.iter().position(|n| n == name)?;
        self.estimates.get(i).copied()
    }

    /// The standard error of the named parameter (`None` also when the fit has no standard
    /// errors: a Hessian that is not positive definite).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::covariates::GgomCovariateFit;
    ///
    /// // A saved fit whose purchase coefficient 0.5 on `a` has standard error 0.25.
    /// let mut fit: GgomCovariateFit = serde_json::from_str(SAVED).unwrap();
    /// assert_eq!(fit.standard_error("purchase.a"), Some(0.25));
    /// // z = 0.5 / 0.25 = 2: two-sided p = 2 (1 − Φ(2)) = 0.0455.
    /// let c = &fit.coefficients()[0];
    /// assert!((c.p_value.unwrap() - 0.045_500_263_896_358_4).abs() < 1e-10);
    /// fit.standard_errors = None;
    /// assert_eq!(fit.standard_error("purchase.a"), None);
    /// # const SAVED: &str = r#"{"model":{"model":"ggomnbd","format":1,"unit_days":null,"params":{"r":1.0,"alpha":2.0,"b":0.1,"s":1.0,"beta":3.0}},"parameter_names":["r","alpha","b","s","beta","purchase.a"],"estimates":[1.0,2.0,0.1,1.0,3.0,0.5],"standard_errors":[0.1,0.2,0.01,0.1,0.3,0.25],"log_likelihood":-1.0,"objective":0.5,"iterations":1,"gradient_norm":0.0,"convergence":"Gradient","customers":2.0,"covariate_groups":2,"purchase_covariates":["a"],"dropout_covariates":[],"options":{"fit":{"penalty":0.0,"max_iterations":500,"tolerance":1e-8,"start":null},"lambda_purchase":0.0,"lambda_dropout":0.0,"constrained":[],"shared_dropout":false}}"#;
    /// ```
    #[must_use]
    pub fn standard_error(&self, name: &str) -> Option<f64> {
        let i = self.parameter_names.iter().position(|n| n == name)?;
        self.standard_errors.as_ref()?.get(i).copied()
    }

    /// Akaike's information criterion, `2k − 2 LL`.
    ///
    /// ```
    /// use customer_value::btyd::covariates::GgomCovariateFit;
    ///
    /// // A saved fit: 6 parameters (5 baseline, 1 coefficient), LL −100 on 50 customers.
    /// let fit: GgomCovariateFit = serde_json::from_str(SAVED).unwrap();
    /// assert_eq!(fit.aic(), 2.0 * 6.0 + 200.0);
    /// # const SAVED: &str = r#"{"model":{"model":"ggomnbd","format":1,"unit_days":null,"params":{"r":1.0,"alpha":2.0,"b":0.1,"s":1.0,"beta":3.0}},"parameter_names":["r","alpha","b","s","beta","purchase.a"],"estimates":[1.0,2.0,0.1,1.0,3.0,0.5],"standard_errors":null,"log_likelihood":-100.0,"objective":0.5,"iterations":1,"gradient_norm":0.0,"convergence":"Gradient","customers":50.0,"covariate_groups":2,"purchase_covariates":["a"],"dropout_covariates":[],"options":{"fit":{"penalty":0.0,"max_iterations":500,"tolerance":1e-8,"start":null},"lambda_purchase":0.0,"lambda_dropout":0.0,"constrained":[],"shared_dropout":false}}"#;
    /// ```
    #[must_use]
    pub fn aic(&self) -> f64 {
        2.0 * self.estimates.len() as f64 - 2.0 * self.log_likelihood
    }

    /// The Bayesian information criterion, `k ln N − 2 LL`.
    ///
    /// ```
    /// use customer_value::btyd::covariates::GgomCovariateFit;
    ///
    /// // A saved fit: 6 parameters, LL −100 on N = 50 customers.
    /// let fit: GgomCovariateFit = serde_json::from_str(SAVED).unwrap();
    /// assert!((fit.bic() - (6.0 * 50f64.ln() + 200.0)).abs() < 1e-12);
    /// # const SAVED: &str = r#"{"model":{"model":"ggomnbd","format":1,"unit_days":null,"params":{"r":1.0,"alpha":2.0,"b":0.1,"s":1.0,"beta":3.0}},"parameter_names":["r","alpha","b","s","beta","purchase.a"],"estimates":[1.0,2.0,0.1,1.0,3.0,0.5],"standard_errors":null,"log_likelihood":-100.0,"objective":0.5,"iterations":1,"gradient_norm":0.0,"convergence":"Gradient","customers":50.0,"covariate_groups":2,"purchase_covariates":["a"],"dropout_covariates":[],"options":{"fit":{"penalty":0.0,"max_iterations":500,"tolerance":1e-8,"start":null},"lambda_purchase":0.0,"lambda_dropout":0.0,"constrained":[],"shared_dropout":false}}"#;
    /// ```
    #[must_use]
    pub fn bic(&self) -> f64 {
        self.estimates.len() as f64 * self.customers.ln() - 2.0 * self.log_likelihood
    }

    /// The model of a customer with covariate rows `purchase` and `dropout`:
    /// `α_i = α₀ exp(−x_p·γ_p)`, `β_i = β₀ exp(−x_d·γ_d)`.
    ///
    /// # Errors
    ///
    /// [`Error::LengthMismatch`] for rows of the wrong width; [`Error::InvalidParameter`]
    /// for a non-finite value or overflowing parameters.
    ///
    /// # Examples
    ///
    /// See [`GgomCovariateFit`].
    pub fn customer_model(&self, purchase: &[f64], dropout: &[f64]) -> Result<GgomNbd> {
        for (what, row, names) in [
            ("purchase covariates", purchase, &self.purchase_covariates),
            ("dropout covariates", dropout, &self.dropout_covariates),
        ] {
            if row.len() != names.len() {
                return Err(Error::LengthMismatch {
                    left: "the fit's covariates",
                    left_len: names.len(),
                    right: what,
                    right_len: row.len(),
                });
            }
            if let Some(v) = row.iter().find(|v| !v.is_finite()) {
                return Err(Error::param("covariate", v, "must be finite"));
            }
        }
        let layout = layout(&self.purchase_covariates, &self.dropout_covariates, &self.options)?;
        let m = &self.model;
        let t4 = layout.customer_theta(
            &[m.r(), m.alpha(), m.s(), m.beta()],
            self.estimates.get(5..).unwrap_or(&[]),
            purchase,
            dropout,
        );
        Ok(GgomNbd::new(t4[0], t4[1], m.b(), t4[2], t4[3])?.with_optional_unit(m.unit()))
    }
}

/// `θ·SE(ln θ)` for the baseline and `SE(γ)` for the coefficients, from the inverse
/// Hessian in `z` of `−LL + N Σλγ²` (central differences of the analytic gradient).
fn standard_errors(lik: &GgomCovLikelihood, z: &[f64]) -> Option<Vec<f64>> {
    let k = z.len();
    let grad_at = |u: &[f64], out: &mut [f64]| -> bool {
        let ll = lik.ll_grad(u, out);
        for (i, o) in out.iter_mut().enumerate() {
            let pen = match (i.checked_sub(5), u.get(i)) {
                (Some(j), Some(v)) => 2.0 * lik.n * lik.layout.lambda.get(j).copied().unwrap_or(0.0) * v,
                _ => 0.0,
            };
            *o = -*o + pen;
        }
        ll.is_finite()
    };
    let step = 1e-4;
    let mut h = vec![0.0; k * k];
    let (mut gp, mut gm) = (vec![0.0; k], vec![0.0; k]);
    let mut u = z.to_vec();
    for j in 0..k {
        let v = *z.get(j)?;
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
    for i in 0..k {
        for j in i + 1..k {
            let s = 0.5 * (h.get(i * k + j)? + h.get(j * k + i)?);
            *h.get_mut(i * k + j)? = s;
            *h.get_mut(j * k + i)? = s;
        }
    }
    let inv = invert_spd(&h, k)?;
    let se: Vec<f64> = inv
        .iter()
        .step_by(k + 1)
        .zip(z)
        .enumerate()
        .map(|(i, (v, zi))| if i < 5 { zi.exp() * v.sqrt() } else { v.sqrt() })
        .collect();
    se.iter().all(|v| v.is_finite()).then_some(se)
}

#[cfg(test)]
mod tests {
    use super::super::CovariateMatrix;
    use super::*;

    #[test]
    fn gradient_matches_finite_differences() {
        let x = [0.0, 1.0, 3.0, 0.0, 2.0, 5.0, 1.0, 0.0, 7.0, 2.0];
        let tx = [0.0, 10.0, 30.0, 0.0, 12.0, 35.0, 2.0, 0.0, 39.0, 20.5];
        let t = [40.0, 40.0, 40.0, 38.0, 39.0, 40.0, 41.0, 37.0, 40.0, 33.0];
        let c1 = [0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.5];
        let c2 = [0.3, -1.0, 2.0, 0.0, 1.5, 0.2, -0.7, 1.1, 0.0, 0.4];
        let p = CovariateMatrix::from_columns(10, &[("c1", &c1), ("c2", &c2)]).unwrap();
        let d = CovariateMatrix::from_columns(10, &[("c2", &c2)]).unwrap();
        let data = CovariateData::new(&x, &tx, &t, p, d).unwrap();
        let options = CovariateOptions::default().with_constraint("c2");
        let layout = layout(data.purchase().names(), data.dropout().names(), &options).unwrap();
        let groups = data.groups().unwrap();
        let lik = GgomCovLikelihood {
            groups,
            layout,
            n: 10.0,
        };
        let z = [
            0.6f64.ln(),
            8.0f64.ln(),
            0.05f64.ln(),
            0.7f64.ln(),
            2.0f64.ln(),
            0.3,
            -0.2,
        ];
        let mut g = vec![0.0; z.len()];
        let ll = lik.ll_grad(&z, &mut g);
        assert!(ll.is_finite());
        let mut scratch = vec![0.0; z.len()];
        for j in 0..z.len() {
            let h = 1e-6;
            let (mut zp, mut zm) = (z.to_vec(), z.to_vec());
            zp[j] += h;
            zm[j] -= h;
            let fd = (lik.ll_grad(&zp, &mut scratch) - lik.ll_grad(&zm, &mut scratch)) / (2.0 * h);
            assert!(
                (fd - g[j]).abs() < 1e-5 * (1.0 + fd.abs()),
                "{j}: {fd} vs {}",
                g[j]
            );
        }
    }
}

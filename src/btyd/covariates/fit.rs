//! The covariate fit: BFGS over the baseline parameters (log scale) and the coefficients,
//! standard errors from the Hessian, z and p values, AIC and BIC, and the fitted model's
//! per-customer models (through which every prediction goes).

use serde::{Deserialize, Serialize};

use super::base::CovariateModel;
use super::base::private::Base;
use super::data::CovariateData;
use super::likelihood::{CovariateLikelihood, Penalised};
use super::options::{CovariateOptions, Layout};
use crate::btyd::coefficient_fit::{CoefficientLikelihood, coefficient_table, fit_coefficients};
use crate::btyd::{Convergence, FitOptions};
use crate::error::{Error, Result};

/// One coefficient of a covariate fit with its Wald statistics.
///
/// # Examples
///
/// See [`CovariateFit::coefficients`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Coefficient {
    /// `purchase.<name>`, `dropout.<name>`, `dropout_a.<name>`, `dropout_b.<name>` or
    /// `constrained.<name>`.
    pub name: String,
    /// The estimate.
    pub estimate: f64,
    /// Its standard error (`None` when the Hessian is not positive definite).
    pub standard_error: Option<f64>,
    /// `estimate / standard_error`.
    pub z: Option<f64>,
    /// Two-sided p value of `z` under the standard normal.
    pub p_value: Option<f64>,
}

/// A fitted transaction model with static covariates: the baseline model (every covariate
/// 0), the coefficients, and how the fit went. Each customer's own model —
/// [`customer_model`](Self::customer_model), a plain [`ParetoNbd`](crate::btyd::ParetoNbd),
/// [`BgNbd`](crate::btyd::BgNbd) or [`MbgNbd`](crate::btyd::MbgNbd) with the customer's
/// parameters — gives P(alive), expected purchases, CLV, scoring and tracking unchanged.
///
/// # Examples
///
/// ```
/// use customer_value::btyd::covariates::{CovariateData, CovariateFit, CovariateMatrix, CovariateOptions};
/// use customer_value::btyd::{BgNbd, TransactionModel};
///
/// // Offline customers (1) buy more often than online ones (0).
/// let offline: Vec<f64> = (0..400).map(|i| (i % 2) as f64).collect();
/// let x: Vec<f64> = (0..400).map(|i| [0.0, 1.0, 0.0, 4.0, 1.0, 7.0, 0.0, 2.0][i % 8]).collect();
/// let tx: Vec<f64> = x.iter().enumerate().map(|(i, &x)| if x > 0.0 { 2.0 + ((i * 13) % 37) as f64 } else { 0.0 }).collect();
/// let age = vec![40.0; 400];
/// let m = CovariateMatrix::from_columns(400, &[("offline", &offline)])?;
/// let data = CovariateData::new(&x, &tx, &age, m, CovariateMatrix::empty(400))?;
/// let fit = CovariateFit::<BgNbd>::fit(&data, &CovariateOptions::default())?;
/// let c = &fit.coefficients()[0];
/// assert_eq!(c.name, "purchase.offline");
/// assert!(c.estimate > 0.0);
/// let offline_customer = fit.customer_model(&[1.0], &[])?;
/// assert!(offline_customer.expected_purchases_new(10.0)? > fit.model.expected_purchases_new(10.0)?);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[must_use]
pub struct CovariateFit<M> {
    /// The baseline model: a customer whose covariates are all 0.
    pub model: M,
    /// The baseline's four parameter names, then the coefficients'.
    pub parameter_names: Vec<String>,
    /// Estimates in that order.
    pub estimates: Vec<f64>,
    /// Standard errors from the inverse Hessian of the (penalised) negative
    /// log-likelihood in the baseline parameters and coefficients; `None` if that Hessian
    /// is not positive definite.
    pub standard_errors: Option<Vec<f64>>,
    /// Total log-likelihood (without the penalty).
    pub log_likelihood: f64,
    /// The minimised objective `−LL/N + λ_p Σγ_p² + λ_d Σγ_d²`.
    pub objective: f64,
    /// BFGS iterations.
    pub iterations: usize,
    /// Largest gradient component of the objective at the end.
    pub gradient_norm: f64,
    /// How the fit stopped.
    pub convergence: Convergence,
    /// Customers fitted.
    pub customers: f64,
    /// Distinct `(x, t_x, T, covariates)` rows the likelihood was evaluated on.
    pub distinct_rows: usize,
    /// Distinct covariate rows.
    pub covariate_groups: usize,
    /// The purchase covariates' names, in the data's column order.
    pub purchase_covariates: Vec<String>,
    /// The dropout covariates' names.
    pub dropout_covariates: Vec<String>,
    /// The options the fit ran with (λ, constraints, shared dropout vector).
    pub options: CovariateOptions,
}

impl<M: CovariateModel> CovariateFit<M> {
    /// Fits by maximum (penalised) likelihood: BFGS with the analytic gradient from the
    /// baseline model fitted without covariates (coefficients 0), or from
    /// `options.fit.start`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for bad options; [`Error::InvalidDefinition`] for a
    /// constraint naming a covariate not in both sets; [`Error::NonConvergence`] if the
    /// fit (or the start fit without covariates) does not converge.
    ///
    /// # Examples
    ///
    /// See [`CovariateFit`].
    pub fn fit(data: &CovariateData, options: &CovariateOptions) -> Result<Self> {
        options.validate()?;
        let layout = Self::layout_for(data.purchase().names(), data.dropout().names(), options)?;
        let k = layout.names.len();
        let lik = CovariateLikelihood::<M>::new(data.groups()?, layout);
        let start: Vec<f64> = match &options.fit.start {
            Some(s) if s.len() == 4 => s.clone(),
            Some(s) => return Err(crate::btyd::fit::wrong_parameter_count("start", s)),
            None => {
                let pooled = data.pooled()?;
                let opts = FitOptions {
                    start: None,
                    penalty: 0.0,
                    ..options.fit.clone()
                };
                M::pooled_fit(&pooled, &opts)?.estimates
            }
        };
        let mut z0: Vec<f64> = start.iter().map(|v| v.ln()).collect();
        z0.resize(4 + k, 0.0);
        let objective = Penalised(&lik);
        let fitted = fit_coefficients(&lik, &objective, &z0, &options.fit, "covariate fit")?;
        let model = M::build(fitted.baseline::<CovariateLikelihood<M>>(), data.unit())?;
        let mut parameter_names: Vec<String> = M::NAMES.iter().map(|s| (*s).to_owned()).collect();
        parameter_names.extend(lik.layout.names.iter().cloned());
        Ok(CovariateFit {
            model,
            parameter_names,
            estimates: fitted.estimates,
            standard_errors: fitted.standard_errors,
            log_likelihood: fitted.log_likelihood,
            objective: fitted.objective,
            iterations: fitted.iterations,
            gradient_norm: fitted.gradient_norm,
            convergence: fitted.convergence,
            customers: lik.n,
            distinct_rows: lik.distinct_rows(),
            covariate_groups: lik.groups.len(),
            purchase_covariates: data.purchase().names().to_vec(),
            dropout_covariates: data.dropout().names().to_vec(),
            options: options.clone(),
        })
    }

    /// The total log-likelihood and the objective (`−LL/N + Σλγ²`) of `data` at given
    /// baseline parameters and coefficients (in [`parameter_names`](Self::parameter_names)
    /// order, as a fit with the same covariates and `options` would name them): to check
    /// published estimates without fitting.
    ///
    /// # Errors
    ///
    /// As [`fit`](Self::fit) for the layout; [`Error::InvalidParameter`] for a wrong
    /// number of values or a likelihood that is not finite there.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::covariates::{CovariateData, CovariateFit, CovariateMatrix, CovariateOptions};
    /// use customer_value::btyd::{ParetoNbd, TransactionModel};
    ///
    /// let m = CovariateMatrix::from_columns(2, &[("a", &[0.0, 0.0])])?;
    /// let data = CovariateData::new(&[0.0, 2.0], &[0.0, 5.0], &[10.0, 10.0], m.clone(), m)?;
    /// let (ll, _) = CovariateFit::<ParetoNbd>::evaluate(&data, &CovariateOptions::default(), &[1.0, 2.0, 1.0, 3.0, 0.5, -0.5])?;
    /// let plain = ParetoNbd::new(1.0, 2.0, 1.0, 3.0)?;
    /// let direct = plain.log_likelihood(0.0, 0.0, 10.0)? + plain.log_likelihood(2.0, 5.0, 10.0)?;
    /// assert!((ll - direct).abs() < 1e-9); // covariates all 0: the plain model
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn evaluate(data: &CovariateData, options: &CovariateOptions, values: &[f64]) -> Result<(f64, f64)> {
        options.validate()?;
        let layout = Self::layout_for(data.purchase().names(), data.dropout().names(), options)?;
        if values.len() != 4 + layout.names.len() {
            return Err(crate::btyd::fit::wrong_parameter_count("values", values));
        }
        M::build(values.get(..4).unwrap_or(&[]), None)?;
        let lik = CovariateLikelihood::<M>::new(data.groups()?, layout);
        let z: Vec<f64> = values
            .iter()
            .enumerate()
            .map(|(i, v)| if i < 4 { v.ln() } else { *v })
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

    fn layout_for(purchase: &[String], dropout: &[String], options: &CovariateOptions) -> Result<Layout> {
        Layout::new(
            M::LINKS,
            purchase,
            dropout,
            &options.constrained,
            options.shared_dropout,
            (options.lambda_purchase, options.lambda_dropout),
        )
    }

    fn layout(&self) -> Result<Layout> {
        Self::layout_for(&self.purchase_covariates, &self.dropout_covariates, &self.options)
    }

    /// The coefficients (every estimate after the baseline's four) with standard errors,
    /// z and two-sided p values.
    ///
    /// # Examples
    ///
    /// See [`CovariateFit`].
    #[must_use]
    pub fn coefficients(&self) -> Vec<Coefficient> {
        coefficient_table(
            &self.parameter_names,
            &self.estimates,
            self.standard_errors.as_deref(),
            4,
        )
    }

    /// The estimate of the named parameter (`r`, `purchase.gender`, …).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::BgNbd;
    /// use customer_value::btyd::covariates::{CovariateData, CovariateFit, CovariateMatrix, CovariateOptions};
    ///
    /// let offline: Vec<f64> = (0..400).map(|i| (i % 2) as f64).collect();
    /// let x: Vec<f64> = (0..400).map(|i| [0.0, 1.0, 0.0, 4.0, 1.0, 7.0, 0.0, 2.0][i % 8]).collect();
    /// let tx: Vec<f64> = x.iter().enumerate().map(|(i, &x)| if x > 0.0 { 2.0 + ((i * 13) % 37) as f64 } else { 0.0 }).collect();
    /// let m = CovariateMatrix::from_columns(400, &[("offline", &offline)])?;
    /// let data = CovariateData::new(&x, &tx, &vec![40.0; 400], m, CovariateMatrix::empty(400))?;
    /// let fit = CovariateFit::<BgNbd>::fit(&data, &CovariateOptions::default())?;
    /// assert!(fit.estimate("purchase.offline").is_some_and(|g| g > 0.0));
    /// assert_eq!(fit.estimate("purchase.unknown"), None);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn estimate(&self, name: &str) -> Option<f64> {
        let i = self.parameter_names.iter().position(|n| n == name)?;
        self.estimates.get(i).copied()
    }

    /// The standard error of the named parameter.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::BgNbd;
    /// use customer_value::btyd::covariates::{CovariateData, CovariateFit, CovariateMatrix, CovariateOptions};
    ///
    /// let offline: Vec<f64> = (0..400).map(|i| (i % 2) as f64).collect();
    /// let x: Vec<f64> = (0..400).map(|i| [0.0, 1.0, 0.0, 4.0, 1.0, 7.0, 0.0, 2.0][i % 8]).collect();
    /// let tx: Vec<f64> = x.iter().enumerate().map(|(i, &x)| if x > 0.0 { 2.0 + ((i * 13) % 37) as f64 } else { 0.0 }).collect();
    /// let m = CovariateMatrix::from_columns(400, &[("offline", &offline)])?;
    /// let data = CovariateData::new(&x, &tx, &vec![40.0; 400], m, CovariateMatrix::empty(400))?;
    /// let fit = CovariateFit::<BgNbd>::fit(&data, &CovariateOptions::default())?;
    /// let se = fit.standard_error("purchase.offline").expect("a positive definite Hessian");
    /// assert!(se > 0.0 && se.is_finite());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn standard_error(&self, name: &str) -> Option<f64> {
        let i = self.parameter_names.iter().position(|n| n == name)?;
        self.standard_errors.as_ref()?.get(i).copied()
    }

    /// Estimated parameters (baseline and coefficients).
    #[must_use]
    pub fn parameter_count(&self) -> usize {
        self.estimates.len()
    }

    /// Akaike's information criterion, `2k − 2 LL`.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::BgNbd;
    /// use customer_value::btyd::covariates::{CovariateData, CovariateFit, CovariateMatrix, CovariateOptions};
    ///
    /// let offline: Vec<f64> = (0..400).map(|i| (i % 2) as f64).collect();
    /// let x: Vec<f64> = (0..400).map(|i| [0.0, 1.0, 0.0, 4.0, 1.0, 7.0, 0.0, 2.0][i % 8]).collect();
    /// let tx: Vec<f64> = x.iter().enumerate().map(|(i, &x)| if x > 0.0 { 2.0 + ((i * 13) % 37) as f64 } else { 0.0 }).collect();
    /// let m = CovariateMatrix::from_columns(400, &[("offline", &offline)])?;
    /// let data = CovariateData::new(&x, &tx, &vec![40.0; 400], m, CovariateMatrix::empty(400))?;
    /// let fit = CovariateFit::<BgNbd>::fit(&data, &CovariateOptions::default())?;
    /// // Four baseline parameters and one coefficient.
    /// assert_eq!(fit.parameter_count(), 5);
    /// assert!((fit.aic() - (10.0 - 2.0 * fit.log_likelihood)).abs() < 1e-9);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn aic(&self) -> f64 {
        2.0 * self.parameter_count() as f64 - 2.0 * self.log_likelihood
    }

    /// The Bayesian (Schwarz) information criterion, `k ln N − 2 LL` with N customers.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::BgNbd;
    /// use customer_value::btyd::covariates::{CovariateData, CovariateFit, CovariateMatrix, CovariateOptions};
    ///
    /// let offline: Vec<f64> = (0..400).map(|i| (i % 2) as f64).collect();
    /// let x: Vec<f64> = (0..400).map(|i| [0.0, 1.0, 0.0, 4.0, 1.0, 7.0, 0.0, 2.0][i % 8]).collect();
    /// let tx: Vec<f64> = x.iter().enumerate().map(|(i, &x)| if x > 0.0 { 2.0 + ((i * 13) % 37) as f64 } else { 0.0 }).collect();
    /// let m = CovariateMatrix::from_columns(400, &[("offline", &offline)])?;
    /// let data = CovariateData::new(&x, &tx, &vec![40.0; 400], m, CovariateMatrix::empty(400))?;
    /// let fit = CovariateFit::<BgNbd>::fit(&data, &CovariateOptions::default())?;
    /// assert!((fit.bic() - (5.0 * 400_f64.ln() - 2.0 * fit.log_likelihood)).abs() < 1e-9);
    /// // With 400 customers ln N > 2, so BIC penalises the parameters more than AIC.
    /// assert!(fit.bic() > fit.aic());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn bic(&self) -> f64 {
        self.parameter_count() as f64 * self.customers.ln() - 2.0 * self.log_likelihood
    }

    /// The model of a customer with covariate rows `purchase` and `dropout` (in the fit's
    /// column order): the baseline model with the customer's own parameters, e.g. for
    /// Pareto/NBD `α_i = α₀ exp(−x_p·γ_p)`, `β_i = β₀ exp(−x_d·γ_d)`.
    ///
    /// # Errors
    ///
    /// [`Error::LengthMismatch`] for rows of the wrong width; [`Error::InvalidParameter`]
    /// for a non-finite value or when the customer's parameters overflow.
    ///
    /// # Examples
    ///
    /// See [`CovariateFit`].
    pub fn customer_model(&self, purchase: &[f64], dropout: &[f64]) -> Result<M> {
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
        let layout = self.layout()?;
        let theta0 = self.model.values();
        let theta = layout.customer_theta(&theta0, self.estimates.get(4..).unwrap_or(&[]), purchase, dropout);
        M::build(&theta, self.model.unit())
    }

    /// Every customer's model, in the data's order.
    ///
    /// # Errors
    ///
    /// As [`customer_model`](Self::customer_model), as [`Error::InvalidRow`] naming the
    /// customer; [`Error::InvalidDefinition`] if the data's covariate names differ from
    /// the fit's.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::covariates::{CovariateData, CovariateFit, CovariateMatrix};
    /// use customer_value::btyd::{ParetoNbd, TransactionModel};
    ///
    /// let m = CovariateMatrix::from_columns(2, &[("a", &[0.0, 1.0])])?;
    /// let data = CovariateData::new(&[0.0, 2.0], &[0.0, 5.0], &[10.0, 10.0], m.clone(), m)?;
    /// # let fit: CovariateFit<ParetoNbd> = serde_json::from_str(r#"{"model":{"model":"pnbd","format":1,"params":{"r":1.0,"alpha":2.0,"s":1.0,"beta":3.0}},"parameter_names":["r","alpha","s","beta","purchase.a","dropout.a"],"estimates":[1.0,2.0,1.0,3.0,0.5,0.0],"standard_errors":null,"log_likelihood":-1.0,"objective":0.5,"iterations":1,"gradient_norm":0.0,"convergence":"Gradient","customers":2.0,"distinct_rows":2,"covariate_groups":2,"purchase_covariates":["a"],"dropout_covariates":["a"],"options":{"fit":{"penalty":0.0,"max_iterations":500,"tolerance":1e-8,"start":null},"lambda_purchase":0.0,"lambda_dropout":0.0,"constrained":[],"shared_dropout":false}}"#).unwrap();
    /// let models = fit.customer_models(&data)?;
    /// assert!((models[1].alpha() - 2.0 * (-0.5f64).exp()).abs() < 1e-12);
    /// let alive: Vec<f64> = models.iter().zip([(0.0, 0.0), (2.0, 5.0)]).map(|(m, (x, tx))| m.probability_alive(x, tx, 10.0)).collect::<Result<_, _>>()?;
    /// assert_eq!(alive.len(), 2);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn customer_models(&self, data: &CovariateData) -> Result<Vec<M>> {
        if data.purchase().names() != self.purchase_covariates.as_slice()
            || data.dropout().names() != self.dropout_covariates.as_slice()
        {
            return Err(Error::definition(
                "covariates",
                "the data's covariate columns are not the fit's (names and order)",
            ));
        }
        (0..data.len())
            .map(|i| {
                let p = data.purchase().row(i).unwrap_or(&[]);
                let d = data.dropout().row(i).unwrap_or(&[]);
                self.customer_model(p, d)
                    .map_err(|e| crate::btyd::data::row_error(i, e))
            })
            .collect()
    }
}

impl<M: Base> CoefficientLikelihood for CovariateLikelihood<M> {
    const BASELINE: usize = 4;
    fn ll_grad(&self, z: &[f64], grad: &mut [f64]) -> f64 {
        CovariateLikelihood::ll_grad(self, z, grad)
    }
    fn customers(&self) -> f64 {
        self.n
    }
    fn coefficient_penalties(&self) -> Option<&[f64]> {
        Some(&self.layout.lambda)
    }
    const ASSEMBLED_HESSIAN: bool = true;
    fn neg_hessian(&self, u: &[f64]) -> Option<Vec<f64>> {
        CovariateLikelihood::neg_hessian(self, u)
    }
}

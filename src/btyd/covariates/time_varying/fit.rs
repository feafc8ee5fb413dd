//! The time-varying covariate fit: BFGS over the baseline parameters (log scale) and the
//! coefficients, standard errors from the Hessian, and the fitted model's predictions.

use serde::{Deserialize, Serialize};

use super::data::TimeVaryingData;
use super::gradient;
use super::groups::Prepared;
use super::model::{self, Params, TvModel};
use crate::btyd::{BgNbd, Convergence, FitOptions, ParetoNbd, WeightedSummaries};
use crate::error::{Error, Result};
use crate::special::{Objective, invert_spd, minimize};

/// A transaction model fitted with time-varying covariates.
///
/// # Examples
///
/// (Compiled, not run in doctests: a fit takes seconds; the tests in
/// `tests/btyd/covariates_time_varying.rs` run fits.)
///
/// ```no_run
/// use customer_value::btyd::covariates::time_varying::{TimeVaryingCovariates, TimeVaryingData, TimeVaryingFit, TvCustomer, TvModel};
/// use customer_value::btyd::FitOptions;
///
/// // 60 customers, 30 periods; a season flag on odd periods raises the purchase rate.
/// let (n, periods) = (60, 30);
/// let season: Vec<f64> = (0..n * periods).map(|k| (k % periods % 2) as f64).collect();
/// let table = TimeVaryingCovariates::new(vec!["season".into()], n, periods, season)?;
/// let customers = (0..n)
///     .map(|i| {
///         let buys: Vec<f64> = (0..(i % 7)).map(|j| 1.5 + 2.0 * j as f64 + (i % 3) as f64).filter(|t| *t <= 25.0).collect();
///         TvCustomer::new(0.0, buys, 25.0)
///     })
///     .collect::<Result<Vec<_>, _>>()?;
/// let data = TimeVaryingData::new(customers, table, TimeVaryingCovariates::empty(n, periods))?;
/// let fit = TimeVaryingFit::fit(TvModel::ParetoNbd, &data, &FitOptions::default())?;
/// assert_eq!(fit.parameter_names[4], "purchase.season");
/// let p = fit.probability_alive(&data, 0)?;
/// assert!((0.0..=1.0).contains(&p));
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[must_use]
pub struct TimeVaryingFit {
    /// The model.
    pub model: TvModel,
    /// The four baseline names, then `purchase.<name>`, then `dropout.<name>` (Pareto/NBD)
    /// or `dropout_a.<name>`, `dropout_b.<name>` (BG/NBD).
    pub parameter_names: Vec<String>,
    /// Estimates in that order.
    pub estimates: Vec<f64>,
    /// Standard errors from the inverse Hessian of −LL (natural scale); `None` if that
    /// Hessian is not positive definite.
    pub standard_errors: Option<Vec<f64>>,
    /// Total log-likelihood at the estimate.
    pub log_likelihood: f64,
    /// BFGS iterations.
    pub iterations: usize,
    /// How the fit stopped.
    pub convergence: Convergence,
    /// Customers fitted.
    pub customers: usize,
    /// Purchase covariate names.
    pub purchase_covariates: Vec<String>,
    /// Dropout covariate names.
    pub dropout_covariates: Vec<String>,
}

struct Lik<'a> {
    model: TvModel,
    prep: &'a Prepared,
    customers: usize,
    k: usize,
}

impl Lik<'_> {
    /// Total LL at natural-scale values `v` (baseline, coefficients), its gradient in
    /// `grad`; NaN outside the domain.
    fn total_grad(&self, v: &[f64], grad: &mut [f64]) -> f64 {
        gradient::total(self.prep, self.model, v, grad)
    }

    fn total(&self, v: &[f64]) -> f64 {
        let mut g = vec![0.0; self.k];
        self.total_grad(v, &mut g)
    }
}

fn natural(z: &[f64]) -> Vec<f64> {
    z.iter()
        .enumerate()
        .map(|(i, v)| if i < 4 { v.exp() } else { *v })
        .collect()
}

/// −LL/N in the optimiser's coordinates (log baseline, coefficients), with the analytic
/// gradient by the chain rule.
struct Neg<'a>(&'a Lik<'a>);

impl Objective for Neg<'_> {
    fn value_grad(&self, z: &[f64], grad: &mut [f64]) -> f64 {
        let n = self.0.customers as f64;
        let v = natural(z);
        let ll = self.0.total_grad(&v, grad);
        if !ll.is_finite() {
            return f64::INFINITY;
        }
        for (i, (g, x)) in grad.iter_mut().zip(&v).enumerate() {
            *g *= -if i < 4 { *x } else { 1.0 } / n;
        }
        -ll / n
    }
}

impl TimeVaryingFit {
    /// Fits by maximum likelihood from the model fitted without covariates (coefficients
    /// 0), or from `options.start` (four baseline values). The gradient is by central
    /// differences of the likelihood.
    ///
    /// # Errors
    ///
    /// [`Error::NonConvergence`] if the fit does not converge; the start fit's errors.
    ///
    /// # Examples
    ///
    /// See [`TimeVaryingFit`].
    pub fn fit(model: TvModel, data: &TimeVaryingData, options: &FitOptions) -> Result<Self> {
        let start = match &options.start {
            Some(s) if s.len() == 4 => s.clone(),
            Some(s) => return Err(crate::btyd::fit::wrong_parameter_count("start", s)),
            None => {
                let (x, tx, t): (Vec<f64>, Vec<f64>, Vec<f64>) = (
                    data.customers.iter().map(|c| c.frequency()).collect(),
                    data.customers.iter().map(|c| c.recency()).collect(),
                    data.customers.iter().map(|c| c.age()).collect(),
                );
                let w = WeightedSummaries::from_rows(&x, &tx, &t)?;
                let o = FitOptions {
                    start: None,
                    penalty: 0.0,
                    ..options.clone()
                };
                match model {
                    TvModel::ParetoNbd => ParetoNbd::fit(&w, &o)?.estimates,
                    TvModel::BgNbd => BgNbd::fit(&w, &o)?.estimates,
                }
            }
        };
        let names = Self::names(model, data);
        let prep = Prepared::new(data);
        let lik = Lik {
            model,
            prep: &prep,
            customers: data.len(),
            k: names.len(),
        };
        let mut z0: Vec<f64> = start.iter().map(|v| v.ln()).collect();
        z0.resize(names.len(), 0.0);
        let min = minimize(&Neg(&lik), &z0, options.tolerance, options.max_iterations)?;
        let estimates = natural(&min.x);
        let log_likelihood = lik.total(&estimates);
        if !log_likelihood.is_finite() {
            return Err(Error::NonConvergence {
                what: "time-varying covariate fit",
                iterations: min.iterations,
                detail: "the log-likelihood at the estimate is not finite".into(),
            });
        }
        let target = options.tolerance * min.value.abs().max(1.0);
        Ok(TimeVaryingFit {
            model,
            parameter_names: names,
            standard_errors: standard_errors(&lik, &estimates),
            estimates,
            log_likelihood,
            iterations: min.iterations,
            convergence: if min.grad_norm <= target {
                Convergence::Gradient
            } else {
                Convergence::PrecisionLimited
            },
            customers: data.len(),
            purchase_covariates: data.purchase.names().to_vec(),
            dropout_covariates: data.dropout.names().to_vec(),
        })
    }

    fn names(model: TvModel, data: &TimeVaryingData) -> Vec<String> {
        let mut names: Vec<String> = model.baseline_names().iter().map(|s| (*s).to_owned()).collect();
        names.extend(
            model::names(&data.purchase)
                .iter()
                .map(|n| format!("purchase.{n}")),
        );
        for pre in model.dropout_prefixes() {
            names.extend(model::names(&data.dropout).iter().map(|n| format!("{pre}.{n}")));
        }
        names
    }

    /// The total log-likelihood at given values (baseline, then coefficients in the order
    /// a fit would name them) and its analytic gradient, as the fit uses them: customers
    /// with the same covariate path and history are evaluated once, and runs of periods
    /// with equal covariates are integrated as one piece.
    ///
    /// # Errors
    ///
    /// As [`evaluate`](Self::evaluate).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::covariates::time_varying::{TimeVaryingCovariates, TimeVaryingData, TimeVaryingFit, TvCustomer, TvModel};
    ///
    /// let t = TimeVaryingCovariates::new(vec!["season".into()], 1, 12, (0..12).map(|k| (k % 2) as f64).collect())?;
    /// let data = TimeVaryingData::new(vec![TvCustomer::new(0.0, vec![2.5, 7.0], 10.0)?], t.clone(), t)?;
    /// let v = [1.0, 2.0, 0.8, 3.0, 0.3, -0.2];
    /// let (ll, grad) = TimeVaryingFit::log_likelihood_gradient(TvModel::ParetoNbd, &data, &v)?;
    /// assert!((ll - TimeVaryingFit::evaluate(TvModel::ParetoNbd, &data, &v)?[0]).abs() < 1e-9);
    /// assert_eq!(grad.len(), v.len());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn log_likelihood_gradient(
        model: TvModel,
        data: &TimeVaryingData,
        values: &[f64],
    ) -> Result<(f64, Vec<f64>)> {
        let names = Self::names(model, data);
        if values.len() != names.len() {
            return Err(crate::btyd::fit::wrong_parameter_count("values", values));
        }
        params(model, data.purchase.columns(), values)?;
        let mut grad = vec![0.0; values.len()];
        let ll = gradient::total(&Prepared::new(data), model, values, &mut grad);
        if ll.is_finite() && grad.iter().all(|g| g.is_finite()) {
            Ok((ll, grad))
        } else {
            Err(Error::param(
                "values",
                format!("{values:?}"),
                "the log-likelihood is not finite there",
            ))
        }
    }

    /// Each customer's log-likelihood at given values (in the order a fit would name them:
    /// baseline, purchase coefficients, dropout coefficients).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for a wrong count, a non-positive baseline value or a
    /// likelihood that is not finite.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::covariates::time_varying::{TimeVaryingCovariates, TimeVaryingData, TimeVaryingFit, TvCustomer, TvModel};
    /// use customer_value::btyd::{ParetoNbd, TransactionModel};
    ///
    /// let t = TimeVaryingCovariates::new(vec!["season".into()], 1, 12, (0..12).map(|k| (k % 2) as f64).collect())?;
    /// let data = TimeVaryingData::new(vec![TvCustomer::new(0.0, vec![2.5, 7.0], 10.0)?], t.clone(), t)?;
    /// let ll = TimeVaryingFit::evaluate(TvModel::ParetoNbd, &data, &[1.0, 2.0, 0.8, 3.0, 0.0, 0.0])?;
    /// let plain = ParetoNbd::new(1.0, 2.0, 0.8, 3.0)?.log_likelihood(2.0, 7.0, 10.0)?;
    /// assert!((ll[0] - plain).abs() < 1e-9); // coefficients 0: the model without covariates
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn evaluate(model: TvModel, data: &TimeVaryingData, values: &[f64]) -> Result<Vec<f64>> {
        let names = Self::names(model, data);
        if values.len() != names.len() {
            return Err(crate::btyd::fit::wrong_parameter_count("values", values));
        }
        let p = params(model, data.purchase.columns(), values)?;
        (0..data.len())
            .map(|i| {
                let v = model::log_likelihood(&p, data, i);
                if v.is_finite() {
                    Ok(v)
                } else {
                    Err(Error::param(
                        "values",
                        format!("{values:?}"),
                        "the log-likelihood is not finite there",
                    ))
                }
            })
            .collect()
    }

    /// A fit object at given values (baseline, then coefficients in the order a fit
    /// would name them) with the log-likelihood of `data` there: for predictions from
    /// published or known parameters.
    ///
    /// # Errors
    ///
    /// As [`evaluate`](Self::evaluate).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::covariates::time_varying::{TimeVaryingCovariates, TimeVaryingData, TimeVaryingFit, TvCustomer, TvModel};
    /// let t = TimeVaryingCovariates::empty(1, 12);
    /// let data = TimeVaryingData::new(vec![TvCustomer::new(0.0, vec![2.5], 10.0)?], t.clone(), t)?;
    /// let fit = TimeVaryingFit::fit_from_values(TvModel::BgNbd, &data, &[1.0, 2.0, 0.8, 3.0])?;
    /// assert!(fit.probability_alive(&data, 0)? > 0.0);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn fit_from_values(model: TvModel, data: &TimeVaryingData, values: &[f64]) -> Result<Self> {
        let ll = Self::evaluate(model, data, values)?;
        Ok(TimeVaryingFit {
            model,
            parameter_names: Self::names(model, data),
            estimates: values.to_vec(),
            standard_errors: None,
            log_likelihood: ll.iter().sum(),
            iterations: 0,
            convergence: Convergence::Gradient,
            customers: data.len(),
            purchase_covariates: data.purchase.names().to_vec(),
            dropout_covariates: data.dropout.names().to_vec(),
        })
    }

    fn params(&self) -> Result<Params<'_>> {
        params(self.model, self.purchase_covariates.len(), &self.estimates)
    }

    fn check(&self, data: &TimeVaryingData) -> Result<()> {
        if data.purchase.names() != self.purchase_covariates.as_slice()
            || data.dropout.names() != self.dropout_covariates.as_slice()
        {
            return Err(Error::definition(
                "covariates",
                "the data's covariate columns are not the fit's (names and order)",
            ));
        }
        Ok(())
    }

    /// P(alive at T) of customer `i` of `data` (the fitted data or new data with the
    /// fit's covariate columns).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidDefinition`] for other columns; [`Error::InvalidParameter`] for
    /// `i` out of range; [`Error::Undefined`] if not finite.
    ///
    /// # Examples
    ///
    /// See [`TimeVaryingFit`].
    pub fn probability_alive(&self, data: &TimeVaryingData, i: usize) -> Result<f64> {
        self.check(data)?;
        model::probability_alive(&self.params()?, data, i)
    }

    /// Expected repeat purchases of customer `i` in `(T, T + window]`, using the table's
    /// covariates for those future periods (the table must reach that far).
    ///
    /// # Errors
    ///
    /// As [`probability_alive`](Self::probability_alive); [`Error::InvalidRow`] if the
    /// grid ends before the window does; [`Error::InvalidParameter`] for a negative window.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::covariates::time_varying::{TimeVaryingCovariates, TimeVaryingData, TimeVaryingFit, TvCustomer};
    /// # let fit: TimeVaryingFit = serde_json::from_str(r#"{"model":"ParetoNbd","parameter_names":["r","alpha","s","beta","purchase.season"],"estimates":[1.0,2.0,0.8,3.0,0.5],"standard_errors":null,"log_likelihood":-1.0,"iterations":1,"convergence":"Gradient","customers":1,"purchase_covariates":["season"],"dropout_covariates":[]}"#).unwrap();
    /// let t = TimeVaryingCovariates::new(vec!["season".into()], 1, 20, (0..20).map(|k| (k % 2) as f64).collect())?;
    /// let data = TimeVaryingData::new(vec![TvCustomer::new(0.0, vec![2.5, 7.0], 10.0)?], t, TimeVaryingCovariates::empty(1, 20))?;
    /// let e = fit.expected_transactions(&data, 0, 5.0)?;
    /// assert!(e > 0.0 && e < fit.expected_transactions(&data, 0, 8.0)?);
    /// assert_eq!(fit.expected_transactions(&data, 0, 0.0)?, 0.0);
    /// assert!(fit.expected_transactions(&data, 0, 15.0).is_err()); // past the grid
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn expected_transactions(&self, data: &TimeVaryingData, i: usize, window: f64) -> Result<f64> {
        self.check(data)?;
        model::expected(&self.params()?, data, i, window, 0.0)
    }

    /// [`expected_transactions`](Self::expected_transactions) at several windows (ascending)
    /// in one pass along the customer's path: the cumulative curve of CLV's steps. Equal
    /// to the one-window values up to the quadrature of the periods cut at the windows'
    /// ends.
    ///
    /// # Errors
    ///
    /// As [`expected_transactions`](Self::expected_transactions); windows not ascending.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::covariates::time_varying::{TimeVaryingCovariates, TimeVaryingData, TimeVaryingFit, TvCustomer, TvModel};
    /// let t = TimeVaryingCovariates::new(vec!["season".into()], 1, 30, (0..30).map(|k| (k % 2) as f64).collect())?;
    /// let data = TimeVaryingData::new(vec![TvCustomer::new(0.3, vec![2.5, 7.0], 10.0)?], t.clone(), t)?;
    /// for model in [TvModel::ParetoNbd, TvModel::BgNbd] {
    ///     let fit = TimeVaryingFit::fit_from_values(model, &data, &[1.0, 2.0, 0.8, 3.0, 0.4, -0.2, 0.3][..(if model == TvModel::BgNbd { 7 } else { 6 })])?;
    ///     let curve = fit.expected_transactions_curve(&data, 0, &[0.0, 2.5, 7.0, 12.0])?;
    ///     for (w, v) in [0.0, 2.5, 7.0, 12.0].iter().zip(&curve) {
    ///         assert!((v - fit.expected_transactions(&data, 0, *w)?).abs() < 1e-9);
    ///     }
    /// }
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn expected_transactions_curve(
        &self,
        data: &TimeVaryingData,
        i: usize,
        windows: &[f64],
    ) -> Result<Vec<f64>> {
        self.check(data)?;
        model::expected_curve(&self.params()?, data, i, windows)
    }

    /// Discounted expected transactions over `(T, T + horizon]` with continuous discount
    /// rate `delta` per unit: `∫ e^{−δ(u−T)} dE[N(T, u)]` (BG/NBD: each period's purchases
    /// discounted at its midpoint, a relative error below `(δ·1)²/8`).
    ///
    /// # Errors
    ///
    /// As [`expected_transactions`](Self::expected_transactions); a negative `delta`.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::covariates::time_varying::{TimeVaryingCovariates, TimeVaryingData, TimeVaryingFit, TvCustomer};
    /// # let fit: TimeVaryingFit = serde_json::from_str(r#"{"model":"BgNbd","parameter_names":["r","alpha","a","b","purchase.season"],"estimates":[1.0,2.0,0.8,3.0,0.5],"standard_errors":null,"log_likelihood":-1.0,"iterations":1,"convergence":"Gradient","customers":1,"purchase_covariates":["season"],"dropout_covariates":[]}"#).unwrap();
    /// let t = TimeVaryingCovariates::new(vec!["season".into()], 1, 20, (0..20).map(|k| (k % 2) as f64).collect())?;
    /// let data = TimeVaryingData::new(vec![TvCustomer::new(0.0, vec![2.5, 7.0], 10.0)?], t, TimeVaryingCovariates::empty(1, 20))?;
    /// let d = fit.discounted_expected_transactions(&data, 0, 8.0, 0.01)?;
    /// assert!(d > 0.0 && d < fit.expected_transactions(&data, 0, 8.0)?);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn discounted_expected_transactions(
        &self,
        data: &TimeVaryingData,
        i: usize,
        horizon: f64,
        delta: f64,
    ) -> Result<f64> {
        self.check(data)?;
        model::expected(&self.params()?, data, i, horizon, delta)
    }

    /// The standard error of the named parameter.
    ///
    /// ```
    /// # let fit: customer_value::btyd::covariates::time_varying::TimeVaryingFit = serde_json::from_str(r#"{"model":"BgNbd","parameter_names":["r","alpha","a","b"],"estimates":[1.0,2.0,0.8,3.0],"standard_errors":[0.1,0.2,0.3,0.4],"log_likelihood":-1.0,"iterations":1,"convergence":"Gradient","customers":1,"purchase_covariates":[],"dropout_covariates":[]}"#).unwrap();
    /// assert_eq!(fit.standard_error("a"), Some(0.3));
    /// assert_eq!(fit.estimate("b"), Some(3.0));
    /// ```
    #[must_use]
    pub fn standard_error(&self, name: &str) -> Option<f64> {
        let i = self.parameter_names.iter().position(|n| n == name)?;
        self.standard_errors.as_ref()?.get(i).copied()
    }

    /// The estimate of the named parameter (`r`, `alpha`, …, `purchase.<name>`, …).
    ///
    /// ```
    /// # let fit: customer_value::btyd::covariates::time_varying::TimeVaryingFit = serde_json::from_str(r#"{"model":"ParetoNbd","parameter_names":["r","alpha","s","beta","purchase.season"],"estimates":[1.0,2.0,0.8,3.0,0.4],"standard_errors":null,"log_likelihood":-1.0,"iterations":1,"convergence":"Gradient","customers":1,"purchase_covariates":["season"],"dropout_covariates":[]}"#).unwrap();
    /// // A saved Pareto/NBD fit (hidden) with a season effect of 0.4 on purchases.
    /// assert_eq!(fit.estimate("purchase.season"), Some(0.4));
    /// assert_eq!((fit.estimate("beta"), fit.estimate("dropout.season")), (Some(3.0), None));
    /// ```
    #[must_use]
    pub fn estimate(&self, name: &str) -> Option<f64> {
        let i = self.parameter_names.iter().position(|n| n == name)?;
        self.estimates.get(i).copied()
    }
}

fn params(model: TvModel, np: usize, values: &[f64]) -> Result<Params<'_>> {
    let theta = *values
        .first_chunk::<4>()
        .ok_or_else(|| crate::btyd::fit::wrong_parameter_count("values", values))?;
    if let Some(t) = theta.iter().find(|t| !(t.is_finite() && **t > 0.0)) {
        return Err(Error::param("baseline parameter", t, "must be finite and > 0"));
    }
    if let Some(t) = values.iter().find(|t| !t.is_finite()) {
        return Err(Error::param("coefficient", t, "must be finite"));
    }
    let rest = values.get(4..).unwrap_or(&[]);
    Ok(Params {
        model,
        theta,
        gp: rest.get(..np).unwrap_or(&[]),
        gd: rest.get(np..).unwrap_or(&[]),
    })
}

/// √diag(H⁻¹), H the Hessian of −LL in the natural parameters, by central differences of
/// the analytic gradient (symmetrised).
fn standard_errors(lik: &Lik, v: &[f64]) -> Option<Vec<f64>> {
    let k = v.len();
    let mut h = vec![0.0; k * k];
    let (mut gp, mut gm) = (vec![0.0; k], vec![0.0; k]);
    let mut u = v.to_vec();
    for j in 0..k {
        let x = *v.get(j)?;
        let step = if j < 4 { 1e-5 * x } else { 1e-5 * x.abs().max(0.1) };
        *u.get_mut(j)? = x + step;
        let fp = lik.total_grad(&u, &mut gp);
        *u.get_mut(j)? = x - step;
        let fm = lik.total_grad(&u, &mut gm);
        *u.get_mut(j)? = x;
        if !(fp.is_finite() && fm.is_finite()) {
            return None;
        }
        for (i, (a, b)) in gp.iter().zip(&gm).enumerate() {
            *h.get_mut(i * k + j)? = -(a - b) / (2.0 * step);
        }
    }
    for i in 0..k {
        for j in (i + 1)..k {
            let m = 0.5 * (h.get(i * k + j)? + h.get(j * k + i)?);
            *h.get_mut(i * k + j)? = m;
            *h.get_mut(j * k + i)? = m;
        }
    }
    let inv = invert_spd(&h, k)?;
    let se: Vec<f64> = inv.iter().step_by(k + 1).map(|x| x.sqrt()).collect();
    se.iter().all(|x| x.is_finite()).then_some(se)
}

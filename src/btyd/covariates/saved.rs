//! Covariate fits in the saved-model format: the baseline model's saved form (format
//! [`SAVED_COVARIATE_FORMAT`]) with a [`SavedCovariates`] block holding the covariate names,
//! the coefficients by name, their standard errors and how the fit went.
//!
//! ```json
//! {"model": "pnbd", "format": 2, "unit_days": 7.0,
//!  "params": {"r": 1.8378, "alpha": 92.9123, "s": 0.5920, "beta": 49.6227},
//!  "log_likelihood": -5821.0627, "customers": 600.0,
//!  "covariates": {"purchase": ["Gender", "Channel"], "dropout": ["Gender", "Channel"],
//!                 "coefficients": {"purchase.Gender": 0.2859, "dropout.Gender": -0.6430, …},
//!                 "options": {…}, "objective": 9.70, "iterations": 31, …}}
//! ```
//!
//! Loading checks that the coefficients are exactly the ones the covariate names and
//! options imply (none missing, none extra) and rebuilds the fit bit for bit, so a loaded
//! fit scores every customer as the saved one did. A plain model's loader refuses such a
//! file (its predictions without the covariates would be silently wrong). This module
//! owns the block and the conversions; the format's top level is `btyd/saved.rs`'s.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::base::CovariateModel;
use super::fit::CovariateFit;
use super::ggom::GgomCovariateFit;
use super::options::{CovariateOptions, Layout};
use super::spend::SpendCovariateFit;
use crate::btyd::{
    BgBb, BgNbd, Convergence, GammaGamma, GgomNbd, MbgNbd, ParetoNbd, SAVED_COVARIATE_FORMAT,
    SAVED_MODEL_FORMAT, SavedForm, SavedModel,
};
use crate::error::{Error, Result};
use crate::retention::ShiftedBetaGeometric;

/// The covariate block of a saved model with covariates (see [`SavedModel::covariates`]).
///
/// A transaction model (Pareto/NBD, BG/NBD, MBG/NBD, GGom/NBD) names `purchase` and
/// `dropout` covariates; a spend model (Gamma-Gamma) names `spend` covariates. The fit
/// statistics are optional: a file written by hand may leave them out (a loaded fit then
/// reports 0 iterations, a gradient norm of 0 and [`Convergence::Gradient`]).
///
/// # Examples
///
/// ```
/// use customer_value::btyd::covariates::{CovariateData, CovariateFit, CovariateMatrix, CovariateOptions};
/// use customer_value::btyd::{AnySavedModel, BgNbd, SavedModel};
///
/// let offline: Vec<f64> = (0..200).map(|i| (i % 2) as f64).collect();
/// let x: Vec<f64> = (0..200).map(|i| [0.0, 1.0, 0.0, 4.0, 1.0, 7.0, 0.0, 2.0][i % 8]).collect();
/// let tx: Vec<f64> = x.iter().enumerate().map(|(i, &x)| if x > 0.0 { 2.0 + ((i * 13) % 37) as f64 } else { 0.0 }).collect();
/// let m = CovariateMatrix::from_columns(200, &[("offline", &offline)])?;
/// let data = CovariateData::new(&x, &tx, &vec![40.0; 200], m, CovariateMatrix::empty(200))?;
/// let fit = CovariateFit::<BgNbd>::fit(&data, &CovariateOptions::default())?;
/// let text = fit.to_saved().to_json()?;
/// let any = AnySavedModel::from_json(&text)?;
/// assert_eq!(any.covariates().map(|c| c.purchase.clone()), Some(vec!["offline".to_owned()]));
/// // A covariate model is not a plain model: scoring it without covariates is refused.
/// assert!(any.transaction_model().is_err());
/// let back = CovariateFit::<BgNbd>::from_saved(&SavedModel::from_json(&text)?)?;
/// assert_eq!(back, fit);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct SavedCovariates {
    /// The purchase covariates' names, in the fit's column order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub purchase: Vec<String>,
    /// The dropout covariates' names.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dropout: Vec<String>,
    /// The spend covariates' names (Gamma-Gamma).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub spend: Vec<String>,
    /// The coefficients by name (`purchase.<name>`, `dropout.<name>`, `dropout_a.<name>`,
    /// `dropout_b.<name>`, `constrained.<name>`, `spend.<name>`).
    pub coefficients: BTreeMap<String, f64>,
    /// Their standard errors (absent when the Hessian was not positive definite).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub standard_errors: Option<BTreeMap<String, f64>>,
    /// The options of a transaction model's fit (λ, constraints, shared dropout vector);
    /// absent: the defaults.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<CovariateOptions>,
    /// The minimised objective `−LL/N + Σλγ²` (transaction models).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub objective: Option<f64>,
    /// BFGS iterations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iterations: Option<usize>,
    /// Largest gradient component at the end of the fit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gradient_norm: Option<f64>,
    /// How the fit stopped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub convergence: Option<Convergence>,
    /// Distinct `(x, t_x, T, covariates)` rows of the fit (transaction models).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distinct_rows: Option<usize>,
    /// Distinct covariate rows of the fit (transaction models).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub covariate_groups: Option<usize>,
    /// Customers left out of a spend fit (no repeat purchase or no positive spend).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub excluded: Option<usize>,
}

impl SavedCovariates {
    /// The values of `names` from `map`, in that order; every name present, nothing else.
    fn ordered(map: &BTreeMap<String, f64>, names: &[String], what: &str) -> Result<Vec<f64>> {
        if let Some(extra) = map.keys().find(|k| !names.contains(k)) {
            return Err(Error::definition(
                format!("saved model covariates: {what} `{extra}`"),
                format!("not a coefficient of this model (it has {})", names.join(", ")),
            ));
        }
        names
            .iter()
            .map(|n| {
                map.get(n).copied().ok_or_else(|| {
                    Error::definition(
                        format!("saved model covariates: {what}"),
                        format!("`{n}` is missing"),
                    )
                })
            })
            .collect()
    }
}

/// The standard errors as the saved parameter struct (first `k`) and the coefficients' map.
fn split_errors<P>(
    standard_errors: Option<&[f64]>,
    k: usize,
    names: &[String],
    params: impl Fn(&[f64]) -> Option<P>,
) -> (Option<P>, Option<BTreeMap<String, f64>>) {
    let Some(se) = standard_errors else {
        return (None, None);
    };
    let base = se.get(..k).and_then(&params);
    let coef = names
        .iter()
        .zip(se.iter().skip(k))
        .map(|(n, v)| (n.clone(), *v))
        .collect();
    (base, Some(coef))
}

/// The baseline's standard errors from the saved parameter struct, by the model's
/// parameter names.
fn base_errors<P: Serialize>(saved: Option<&P>, names: &[&str]) -> Result<Option<Vec<f64>>> {
    let Some(p) = saved else {
        return Ok(None);
    };
    let v = serde_json::to_value(p).map_err(|e| Error::definition("saved model", e.to_string()))?;
    names
        .iter()
        .map(|n| {
            v.get(*n).and_then(serde_json::Value::as_f64).ok_or_else(|| {
                Error::definition(
                    "saved model standard_errors",
                    format!("no finite value for `{n}`"),
                )
            })
        })
        .collect::<Result<Vec<f64>>>()
        .map(Some)
}

/// The saved model as the plain baseline's (format 1, no block), and the block.
fn baseline<P: Clone>(saved: &SavedModel<P>) -> Result<(SavedModel<P>, &SavedCovariates)> {
    let block = saved.covariates.as_ref().ok_or_else(|| {
        Error::definition(
            format!("saved model `{}`", saved.model),
            "no `covariates` block: a model without covariates (load it with from_saved of the model)",
        )
    })?;
    if saved.format != SAVED_COVARIATE_FORMAT {
        return Err(Error::definition(
            format!("saved model `{}`", saved.model),
            format!(
                "a model with covariates must be format {SAVED_COVARIATE_FORMAT}, not {}",
                saved.format
            ),
        ));
    }
    let mut plain = saved.clone();
    plain.covariates = None;
    plain.format = SAVED_MODEL_FORMAT;
    Ok((plain, block))
}

/// What every covariate fit writes: its estimates (`k` baseline parameters, then the
/// coefficients named `names`), their standard errors, the log-likelihood and customers.
struct Estimates<'a> {
    k: usize,
    names: &'a [String],
    estimates: &'a [f64],
    standard_errors: Option<&'a [f64]>,
    log_likelihood: f64,
    customers: f64,
}

impl Estimates<'_> {
    /// `saved` (the baseline's plain form) as format [`SAVED_COVARIATE_FORMAT`] with the
    /// baseline's standard errors, the log-likelihood, the customers and `block`, whose
    /// coefficients and their standard errors are filled in here.
    fn write<P>(
        &self,
        mut saved: SavedModel<P>,
        params: impl Fn(&[f64]) -> Option<P>,
        mut block: SavedCovariates,
    ) -> SavedModel<P> {
        let (base, coef) = split_errors(self.standard_errors, self.k, self.names, params);
        saved.format = SAVED_COVARIATE_FORMAT;
        saved.standard_errors = base;
        saved.log_likelihood = Some(self.log_likelihood);
        saved.customers = Some(self.customers);
        block.coefficients = self
            .names
            .iter()
            .cloned()
            .zip(self.estimates.iter().skip(self.k).copied())
            .collect();
        block.standard_errors = coef;
        saved.covariates = Some(block);
        saved
    }
}

/// A block with the names and fit statistics but no coefficients yet (see
/// [`Estimates::write`]).
fn empty_block() -> SavedCovariates {
    SavedCovariates {
        purchase: Vec::new(),
        dropout: Vec::new(),
        spend: Vec::new(),
        coefficients: BTreeMap::new(),
        standard_errors: None,
        options: None,
        objective: None,
        iterations: None,
        gradient_norm: None,
        convergence: None,
        distinct_rows: None,
        covariate_groups: None,
        excluded: None,
    }
}

/// What every covariate fit reads back: the coefficients in the order of `names` (all
/// present, nothing else, finite), and the standard errors of the baseline (by
/// `base_names`) and of the coefficients, both or neither.
fn read_coefficients<P: Serialize>(
    saved: &SavedModel<P>,
    block: &SavedCovariates,
    names: &[String],
    base_names: &[&str],
) -> Result<(Vec<f64>, Option<Vec<f64>>)> {
    let coefficients = SavedCovariates::ordered(&block.coefficients, names, "coefficient")?;
    if let Some(v) = coefficients.iter().find(|v| !v.is_finite()) {
        return Err(Error::param("coefficient", v, "must be finite"));
    }
    let standard_errors = match (
        base_errors(saved.standard_errors.as_ref(), base_names)?,
        &block.standard_errors,
    ) {
        (Some(mut b), Some(c)) => {
            b.extend(SavedCovariates::ordered(c, names, "standard error")?);
            Some(b)
        }
        (None, None) => None,
        _ => {
            return Err(Error::definition(
                format!("saved model `{}`", saved.model),
                "standard errors are given for the baseline or the coefficients but not both",
            ));
        }
    };
    Ok((coefficients, standard_errors))
}

/// The saved `log_likelihood` or `customers` a covariate fit needs.
fn needed<P>(saved: &SavedModel<P>, value: Option<f64>, what: &str) -> Result<f64> {
    value.ok_or_else(|| {
        Error::definition(
            format!("saved model `{}`", saved.model),
            format!("a covariate fit needs its `{what}`"),
        )
    })
}

/// The objective `−LL/N + Σλγ²` of a file that leaves it out.
fn objective_of(log_likelihood: f64, customers: f64, coefficients: &[f64], lambda: &[f64]) -> f64 {
    -log_likelihood / customers
        + coefficients
            .iter()
            .zip(lambda)
            .map(|(g, l)| l * g * g)
            .sum::<f64>()
}

impl<M: CovariateModel + SavedForm> CovariateFit<M>
where
    M::Params: Clone + Serialize,
{
    /// The fit in the saved format ([`SAVED_COVARIATE_FORMAT`]): the baseline model's
    /// saved form with its standard errors, log-likelihood and customers, and a
    /// [`SavedCovariates`] block with the covariate names, the coefficients and the fit's
    /// options and statistics.
    ///
    /// # Examples
    ///
    /// See [`SavedCovariates`].
    #[must_use]
    pub fn to_saved(&self) -> SavedModel<M::Params> {
        let estimates = Estimates {
            k: 4,
            names: self.parameter_names.get(4..).unwrap_or(&[]),
            estimates: &self.estimates,
            standard_errors: self.standard_errors.as_deref(),
            log_likelihood: self.log_likelihood,
            customers: self.customers,
        };
        let block = SavedCovariates {
            purchase: self.purchase_covariates.clone(),
            dropout: self.dropout_covariates.clone(),
            options: Some(self.options.clone()),
            objective: Some(self.objective),
            iterations: Some(self.iterations),
            gradient_norm: Some(self.gradient_norm),
            convergence: Some(self.convergence),
            distinct_rows: Some(self.distinct_rows),
            covariate_groups: Some(self.covariate_groups),
            ..empty_block()
        };
        estimates.write(self.model.to_saved(), M::params_from_values, block)
    }

    /// The fit from its saved form: the baseline validated as by the model's
    /// [`SavedForm::from_saved`], the coefficients checked against the layout the names
    /// and options imply.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidDefinition`] for another model's tag, a format other than
    /// [`SAVED_COVARIATE_FORMAT`], no covariate block, spend covariates, missing or extra
    /// coefficients, a missing log-likelihood or customer count, or a non-finite
    /// coefficient; [`Error::InvalidParameter`] for invalid baseline parameters or options.
    ///
    /// # Examples
    ///
    /// See [`SavedCovariates`].
    pub fn from_saved(saved: &SavedModel<M::Params>) -> Result<Self> {
        let (plain, block) = baseline(saved)?;
        let model = M::from_saved(&plain)?;
        if !block.spend.is_empty() {
            return Err(Error::definition(
                format!("saved model `{}` covariates", saved.model),
                "`spend` covariates belong to a Gamma-Gamma model",
            ));
        }
        let options = block.options.clone().unwrap_or_default();
        options.validate()?;
        let layout = Layout::new(
            M::LINKS,
            &block.purchase,
            &block.dropout,
            &options.constrained,
            options.shared_dropout,
            (options.lambda_purchase, options.lambda_dropout),
        )?;
        let (coefficients, standard_errors) = read_coefficients(saved, block, &layout.names, &M::NAMES)?;
        let mut parameter_names: Vec<String> = M::NAMES.iter().map(|s| (*s).to_owned()).collect();
        parameter_names.extend(layout.names.iter().cloned());
        let mut estimates = model.values().to_vec();
        estimates.extend(&coefficients);
        let log_likelihood = needed(saved, saved.log_likelihood, "log_likelihood")?;
        let customers = needed(saved, saved.customers, "customers")?;
        Ok(CovariateFit {
            model,
            parameter_names,
            estimates,
            standard_errors,
            log_likelihood,
            // Absent: recomputed from the log-likelihood and the penalty.
            objective: block
                .objective
                .unwrap_or_else(|| objective_of(log_likelihood, customers, &coefficients, &layout.lambda)),
            iterations: block.iterations.unwrap_or(0),
            gradient_norm: block.gradient_norm.unwrap_or(0.0),
            convergence: block.convergence.unwrap_or(Convergence::Gradient),
            customers,
            distinct_rows: block.distinct_rows.unwrap_or(0),
            covariate_groups: block.covariate_groups.unwrap_or(0),
            purchase_covariates: block.purchase.clone(),
            dropout_covariates: block.dropout.clone(),
            options,
        })
    }
}

impl SpendCovariateFit {
    /// The fit in the saved format ([`SAVED_COVARIATE_FORMAT`]): the baseline
    /// Gamma-Gamma's saved form with a [`SavedCovariates`] block naming the `spend`
    /// covariates and their coefficients.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::covariates::{CovariateMatrix, SpendCovariateData, SpendCovariateFit};
    /// use customer_value::btyd::{FitOptions, SavedModel};
    ///
    /// let offline: Vec<f64> = (0..300).map(|i| (i % 2) as f64).collect();
    /// let x: Vec<f64> = (0..300).map(|i| 1.0 + (i % 5) as f64).collect();
    /// let m: Vec<f64> = (0..300).map(|i| (20.0 + (i * 7 % 13) as f64) * (1.0 + offline[i])).collect();
    /// let s = CovariateMatrix::from_columns(300, &[("offline", &offline)])?;
    /// let fit = SpendCovariateFit::fit(&SpendCovariateData::new(&x, &m, &s)?, &FitOptions::default())?;
    /// let text = fit.to_saved().to_json()?;
    /// assert_eq!(SpendCovariateFit::from_saved(&SavedModel::from_json(&text)?)?, fit);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn to_saved(&self) -> SavedModel<<GammaGamma as SavedForm>::Params> {
        let estimates = Estimates {
            k: 3,
            names: self.parameter_names.get(3..).unwrap_or(&[]),
            estimates: &self.estimates,
            standard_errors: self.standard_errors.as_deref(),
            log_likelihood: self.log_likelihood,
            customers: self.customers as f64,
        };
        let block = SavedCovariates {
            spend: self.covariates.clone(),
            iterations: Some(self.iterations),
            convergence: Some(self.convergence),
            excluded: Some(self.excluded),
            ..empty_block()
        };
        estimates.write(self.model.to_saved(), GammaGamma::params_from_values, block)
    }

    /// The fit from its saved form.
    ///
    /// # Errors
    ///
    /// As [`CovariateFit::from_saved`]; purchase or dropout covariates are an error here.
    ///
    /// # Examples
    ///
    /// See [`to_saved`](Self::to_saved).
    pub fn from_saved(saved: &SavedModel<<GammaGamma as SavedForm>::Params>) -> Result<Self> {
        let (plain, block) = baseline(saved)?;
        let model = GammaGamma::from_saved(&plain)?;
        if !(block.purchase.is_empty() && block.dropout.is_empty()) || block.options.is_some() {
            return Err(Error::definition(
                "saved model `gamma_gamma` covariates",
                "a spend model takes `spend` covariates only",
            ));
        }
        let names: Vec<String> = block.spend.iter().map(|n| format!("spend.{n}")).collect();
        let (coefficients, standard_errors) =
            read_coefficients(saved, block, &names, &GammaGamma::PARAMETER_NAMES)?;
        let mut parameter_names: Vec<String> = GammaGamma::PARAMETER_NAMES
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        parameter_names.extend(names.iter().cloned());
        let mut estimates = vec![model.p(), model.q(), model.gamma()];
        estimates.extend(&coefficients);
        let count = |v: Option<f64>, what: &str| -> Result<usize> {
            v.filter(|c| c.fract() == 0.0 && *c >= 0.0)
                .map(|c| c as usize)
                .ok_or_else(|| {
                    Error::definition(
                        "saved model `gamma_gamma`",
                        format!("a spend covariate fit needs `{what}` (a whole number)"),
                    )
                })
        };
        Ok(SpendCovariateFit {
            model,
            parameter_names,
            estimates,
            standard_errors,
            log_likelihood: saved.log_likelihood.ok_or_else(|| {
                Error::definition(
                    "saved model `gamma_gamma`",
                    "a spend covariate fit needs its `log_likelihood`",
                )
            })?,
            iterations: block.iterations.unwrap_or(0),
            convergence: block.convergence.unwrap_or(Convergence::Gradient),
            customers: count(saved.customers, "customers")?,
            excluded: block.excluded.unwrap_or(0),
            covariates: block.spend.clone(),
        })
    }
}

impl GgomCovariateFit {
    /// The fit in the saved format ([`SAVED_COVARIATE_FORMAT`]), as
    /// [`CovariateFit::to_saved`].
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::covariates::{CovariateData, CovariateMatrix, CovariateOptions, GgomCovariateFit};
    /// use customer_value::btyd::SavedModel;
    ///
    /// let offline: Vec<f64> = (0..200).map(|i| (i % 2) as f64).collect();
    /// let x: Vec<f64> = (0..200).map(|i| [0.0, 1.0, 0.0, 4.0, 1.0, 7.0, 0.0, 2.0][i % 8] * (1.0 + offline[i])).collect();
    /// let tx: Vec<f64> = x.iter().enumerate().map(|(i, &x)| if x > 0.0 { 2.0 + ((i * 13) % 37) as f64 } else { 0.0 }).collect();
    /// let m = CovariateMatrix::from_columns(200, &[("offline", &offline)])?;
    /// let data = CovariateData::new(&x, &tx, &vec![40.0; 200], m, CovariateMatrix::empty(200))?;
    /// let fit = GgomCovariateFit::fit(&data, &CovariateOptions::default())?;
    /// let text = fit.to_saved().to_json()?;
    /// assert_eq!(GgomCovariateFit::from_saved(&SavedModel::from_json(&text)?)?, fit);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn to_saved(&self) -> SavedModel<<GgomNbd as SavedForm>::Params> {
        let estimates = Estimates {
            k: 5,
            names: self.parameter_names.get(5..).unwrap_or(&[]),
            estimates: &self.estimates,
            standard_errors: self.standard_errors.as_deref(),
            log_likelihood: self.log_likelihood,
            customers: self.customers,
        };
        let block = SavedCovariates {
            purchase: self.purchase_covariates.clone(),
            dropout: self.dropout_covariates.clone(),
            options: Some(self.options.clone()),
            objective: Some(self.objective),
            iterations: Some(self.iterations),
            gradient_norm: Some(self.gradient_norm),
            convergence: Some(self.convergence),
            covariate_groups: Some(self.covariate_groups),
            ..empty_block()
        };
        estimates.write(self.model.to_saved(), GgomNbd::params_from_values, block)
    }

    /// The fit from its saved form.
    ///
    /// # Errors
    ///
    /// As [`CovariateFit::from_saved`].
    ///
    /// # Examples
    ///
    /// See [`to_saved`](Self::to_saved).
    pub fn from_saved(saved: &SavedModel<<GgomNbd as SavedForm>::Params>) -> Result<Self> {
        let (plain, block) = baseline(saved)?;
        let model = GgomNbd::from_saved(&plain)?;
        if !block.spend.is_empty() {
            return Err(Error::definition(
                "saved model `ggomnbd` covariates",
                "`spend` covariates belong to a Gamma-Gamma model",
            ));
        }
        let options = block.options.clone().unwrap_or_default();
        options.validate()?;
        let layout = Layout::new(
            <ParetoNbd as super::base::private::Base>::LINKS,
            &block.purchase,
            &block.dropout,
            &options.constrained,
            false,
            (options.lambda_purchase, options.lambda_dropout),
        )?;
        let (coefficients, standard_errors) =
            read_coefficients(saved, block, &layout.names, &GgomNbd::PARAMETER_NAMES)?;
        let mut parameter_names: Vec<String> =
            GgomNbd::PARAMETER_NAMES.iter().map(|s| (*s).to_owned()).collect();
        parameter_names.extend(layout.names.iter().cloned());
        let mut estimates = vec![model.r(), model.alpha(), model.b(), model.s(), model.beta()];
        estimates.extend(&coefficients);
        let log_likelihood = needed(saved, saved.log_likelihood, "log_likelihood")?;
        let customers = needed(saved, saved.customers, "customers")?;
        Ok(GgomCovariateFit {
            model,
            parameter_names,
            estimates,
            standard_errors,
            log_likelihood,
            objective: block
                .objective
                .unwrap_or_else(|| objective_of(log_likelihood, customers, &coefficients, &layout.lambda)),
            iterations: block.iterations.unwrap_or(0),
            gradient_norm: block.gradient_norm.unwrap_or(0.0),
            convergence: block.convergence.unwrap_or(Convergence::Gradient),
            customers,
            covariate_groups: block.covariate_groups.unwrap_or(0),
            purchase_covariates: block.purchase.clone(),
            dropout_covariates: block.dropout.clone(),
            options,
        })
    }
}

/// How the any-model loader validates a saved model with covariates of each kind.
pub(crate) trait CovariateLoad: SavedForm {
    /// Validates `saved` (which has a covariate block) by loading it as its covariate fit.
    fn check_covariates(saved: &SavedModel<Self::Params>) -> Result<()> {
        Err(Error::definition(
            format!("saved model `{}`", saved.model),
            format!("{} models take no covariates", Self::LABEL),
        ))
    }
}

impl CovariateLoad for ParetoNbd {
    fn check_covariates(saved: &SavedModel<Self::Params>) -> Result<()> {
        CovariateFit::<Self>::from_saved(saved).map(drop)
    }
}
impl CovariateLoad for BgNbd {
    fn check_covariates(saved: &SavedModel<Self::Params>) -> Result<()> {
        CovariateFit::<Self>::from_saved(saved).map(drop)
    }
}
impl CovariateLoad for MbgNbd {
    fn check_covariates(saved: &SavedModel<Self::Params>) -> Result<()> {
        CovariateFit::<Self>::from_saved(saved).map(drop)
    }
}
impl CovariateLoad for GammaGamma {
    fn check_covariates(saved: &SavedModel<Self::Params>) -> Result<()> {
        SpendCovariateFit::from_saved(saved).map(drop)
    }
}
impl CovariateLoad for GgomNbd {
    fn check_covariates(saved: &SavedModel<Self::Params>) -> Result<()> {
        GgomCovariateFit::from_saved(saved).map(drop)
    }
}
impl CovariateLoad for BgBb {}
impl CovariateLoad for ShiftedBetaGeometric {}

//! The parameter-vector view of a model ([`Parametric`]) and, for the models fitted by
//! maximum likelihood, their likelihood and fit ([`Estimable`]).

use super::super::fit::Likelihood;
use super::super::{Fit, FitOptions, FitReport, WeightedSummaries};
use super::sbg::{SbgCohort, SbgLikelihood};
use crate::error::{Error, Result};
use crate::retention::ShiftedBetaGeometric;

/// A model as a vector of positive parameters: what the interval methods perturb, sample
/// and rebuild. Implemented for every BTYD model and for pairs `(purchase, spend)`, whose
/// vector is the two concatenated.
///
/// # Examples
///
/// ```
/// use customer_value::btyd::uncertainty::Parametric;
/// use customer_value::btyd::{BgNbd, GammaGamma};
///
/// let pair = (BgNbd::new(0.24, 4.41, 0.79, 2.43)?, GammaGamma::new(6.25, 3.74, 15.44)?);
/// assert_eq!(pair.values().len(), 7);
/// let moved = pair.with_values(&[0.25, 4.41, 0.79, 2.43, 6.25, 3.74, 15.44])?;
/// assert!((moved.0.r() - 0.25).abs() < 1e-15);
/// # Ok::<(), customer_value::Error>(())
/// ```
pub trait Parametric: Sized + Clone + Send + Sync + std::fmt::Debug {
    /// Parameter names, in the order of [`values`](Self::values).
    fn names(&self) -> Vec<&'static str>;
    /// The parameters (all > 0).
    fn values(&self) -> Vec<f64>;
    /// The same model (time unit kept) with other parameter values.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for a wrong count or a value that is not finite and > 0.
    fn with_values(&self, values: &[f64]) -> Result<Self>;
}

/// A log-likelihood with its gradient in the natural parameters: what the Hessians of
/// [`LogCovariance`](super::LogCovariance) and the samplers of `btyd::bayes` evaluate.
/// Object-safe.
///
/// # Examples
///
/// ```
/// use customer_value::btyd::uncertainty::Estimable;
/// use customer_value::btyd::{BgNbd, WeightedSummaries};
///
/// let data = WeightedSummaries::from_rows(&[2.0, 0.0], &[30.43, 0.0], &[38.86, 38.86])?;
/// let ll = BgNbd::log_likelihood(&data);
/// let mut grad = [0.0; 4];
/// let v = ll.value_gradient(&[0.24, 4.41, 0.79, 2.43], &mut grad);
/// assert!(v < 0.0 && grad.iter().all(|g| g.is_finite()));
/// # Ok::<(), customer_value::Error>(())
/// ```
pub trait LogLikelihood: Send + Sync {
    /// Total log-likelihood at `theta`, writing `∂/∂θ` into `grad`; not finite outside the
    /// domain.
    fn value_gradient(&self, theta: &[f64], grad: &mut [f64]) -> f64;
    /// Customers the likelihood sums over (Σ weights).
    fn customers(&self) -> f64;
    /// The relative step of a finite-difference Hessian of this likelihood's gradient.
    fn hessian_step(&self) -> f64;
}

struct Wrapped<L>(L);

impl<L: Likelihood + Send + Sync> LogLikelihood for Wrapped<L> {
    fn value_gradient(&self, theta: &[f64], grad: &mut [f64]) -> f64 {
        self.0.ll_grad(theta, grad)
    }
    fn customers(&self) -> f64 {
        self.0.total_weight()
    }
    fn hessian_step(&self) -> f64 {
        L::HESSIAN_STEP
    }
}

/// A harness likelihood as the object-safe [`LogLikelihood`] (what `Estimable` impls
/// return).
pub(crate) fn boxed<'a, L: Likelihood + Send + Sync + 'a>(likelihood: L) -> Box<dyn LogLikelihood + 'a> {
    Box::new(Wrapped(likelihood))
}

mod sealed {
    pub trait Sealed {}
}

pub(crate) use sealed::Sealed;

/// A model fitted by maximum likelihood ([`Fit`]) together with the likelihood that fit
/// maximises (reused, not copied, by the Hessian and the samplers). Sealed: the crate's
/// models. Its data type is [`Fit::Data`] and its fit [`Fit::fit`].
///
/// # Examples
///
/// See [`LogLikelihood`]; generic code takes `M: Estimable` and fits with `M::fit_data`
/// (or [`Fit::fit`]):
///
/// ```
/// use customer_value::btyd::uncertainty::Estimable;
/// use customer_value::btyd::{BgNbd, FitOptions, WeightedSummaries};
///
/// fn refit<M: Estimable>(data: &M::Data) -> customer_value::Result<M> {
///     Ok(M::fit_data(data, &FitOptions::default())?.model)
/// }
/// let data = WeightedSummaries::from_rows(
///     &[0.0, 1.0, 3.0, 0.0, 2.0, 5.0, 1.0, 0.0],
///     &[0.0, 10.0, 30.0, 0.0, 12.0, 35.0, 2.0, 0.0],
///     &[40.0, 40.0, 40.0, 38.0, 39.0, 40.0, 41.0, 37.0],
/// )?;
/// let model: BgNbd = refit(&data)?;
/// assert!(model.r() > 0.0);
/// # Ok::<(), customer_value::Error>(())
/// ```
pub trait Estimable: Parametric + Fit<Data: Sync> + sealed::Sealed {
    /// The fit's log-likelihood of `data`.
    fn log_likelihood(data: &Self::Data) -> Box<dyn LogLikelihood + '_>;
    /// The same log-likelihood as [`log_likelihood`](Self::log_likelihood), possibly in a
    /// form that costs less per evaluation after a one-off setup (BG/NBD: terms grouped by
    /// distinct `T` and `t_x` with the `bayes` feature; Pareto/NBD: one quadrature grid
    /// shared across `x`): what the samplers evaluate.
    fn sampling_likelihood(data: &Self::Data) -> Box<dyn LogLikelihood + '_> {
        Self::log_likelihood(data)
    }
    /// The model's maximum-likelihood fit: [`Fit::fit`].
    ///
    /// # Errors
    ///
    /// As the model's `fit`.
    fn fit_data(data: &Self::Data, options: &FitOptions) -> Result<FitReport<Self>> {
        <Self as Fit>::fit(data, options)
    }
}

/// The likelihood BG/NBD's samplers evaluate: grouped by distinct `T` and `t_x` with the
/// `bayes` feature, the model's own otherwise.
pub(crate) fn bg_nbd_sampling(data: &WeightedSummaries) -> Box<dyn LogLikelihood + '_> {
    #[cfg(feature = "bayes")]
    {
        Box::new(crate::btyd::bayes::GroupedBgNbd::new(data))
    }
    #[cfg(not(feature = "bayes"))]
    {
        boxed(crate::btyd::bg_nbd::likelihood(data))
    }
}

/// The likelihood Pareto/NBD's samplers evaluate: one quadrature grid shared across `x`
/// with the `bayes` feature, the model's own otherwise.
pub(crate) fn pareto_nbd_sampling(data: &WeightedSummaries) -> Box<dyn LogLikelihood + '_> {
    #[cfg(feature = "bayes")]
    {
        Box::new(crate::btyd::bayes::GroupedParetoNbd::new(data))
    }
    #[cfg(not(feature = "bayes"))]
    {
        boxed(crate::btyd::pareto_nbd::likelihood(data))
    }
}

impl Parametric for ShiftedBetaGeometric {
    fn names(&self) -> Vec<&'static str> {
        vec!["alpha", "beta"]
    }
    fn values(&self) -> Vec<f64> {
        vec![self.alpha(), self.beta()]
    }
    fn with_values(&self, values: &[f64]) -> Result<Self> {
        match *values {
            [alpha, beta] => ShiftedBetaGeometric::new(alpha, beta),
            _ => Err(Error::param(
                "parameters",
                format!("{values:?}"),
                "the sBG model has two parameters, alpha and beta",
            )),
        }
    }
}
impl sealed::Sealed for ShiftedBetaGeometric {}
/// sBG: one cohort's churn counts ([`SbgCohort`]), fitted by
/// [`ShiftedBetaGeometric::fit_churned`].
impl Estimable for ShiftedBetaGeometric {
    fn log_likelihood(data: &SbgCohort) -> Box<dyn LogLikelihood + '_> {
        Box::new(SbgLikelihood(data))
    }
}
/// sBG: fitted on one cohort's churn counts by [`ShiftedBetaGeometric::fit_churned`]
/// (the options are not used: the fit has no penalty or starts to choose).
impl Fit for ShiftedBetaGeometric {
    type Data = SbgCohort;
    fn fit(data: &SbgCohort, _options: &FitOptions) -> Result<FitReport<Self>> {
        super::sbg::fit(data)
    }
}

impl<A: Parametric, B: Parametric> Parametric for (A, B) {
    fn names(&self) -> Vec<&'static str> {
        let mut n = self.0.names();
        n.extend(self.1.names());
        n
    }
    fn values(&self) -> Vec<f64> {
        let mut v = self.0.values();
        v.extend(self.1.values());
        v
    }
    fn with_values(&self, values: &[f64]) -> Result<Self> {
        let k = self.0.values().len();
        let (Some(a), Some(b)) = (values.get(..k), values.get(k..)) else {
            return Err(Error::param(
                "parameters",
                format!("{values:?}"),
                "needs one value per model parameter",
            ));
        };
        Ok((self.0.with_values(a)?, self.1.with_values(b)?))
    }
}

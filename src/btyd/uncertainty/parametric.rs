//! The parameter-vector view of a model ([`Parametric`]) and, for the models fitted by
//! maximum likelihood, their likelihood and fit ([`Estimable`]).

use super::super::fit::Likelihood;
use super::super::{
    BgBb, BgNbd, DiscreteSummaries, FitOptions, FitReport, GammaGamma, MbgNbd, ParetoNbd, SpendSummaries,
    WeightedSummaries, bg_bb, bg_nbd, gamma_gamma, mbg_nbd, pareto_nbd,
};
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

mod sealed {
    pub trait Sealed {}
}

/// A model fitted by maximum likelihood on its own data type, with the likelihood that
/// fit maximises (reused, not copied, by the Hessian and the samplers). Sealed: the
/// crate's models.
///
/// # Examples
///
/// See [`LogLikelihood`].
pub trait Estimable: Parametric + sealed::Sealed {
    /// The data the model is fitted on.
    type Data: Sync;
    /// The fit's log-likelihood of `data`.
    fn log_likelihood(data: &Self::Data) -> Box<dyn LogLikelihood + '_>;
    /// The same log-likelihood as [`log_likelihood`](Self::log_likelihood), possibly in a
    /// form that costs less per evaluation after a one-off setup (BG/NBD: terms grouped by
    /// distinct `T` and `t_x` with the `bayes` feature): what the samplers evaluate.
    fn sampling_likelihood(data: &Self::Data) -> Box<dyn LogLikelihood + '_> {
        Self::log_likelihood(data)
    }
    /// The model's maximum-likelihood fit.
    ///
    /// # Errors
    ///
    /// As the model's `fit`.
    fn fit_data(data: &Self::Data, options: &FitOptions) -> Result<FitReport<Self>>;
}

macro_rules! estimable {
    ($model:ident, $module:ident, $data:ty) => {
        estimable!($model, $module, $data, |data| Box::new(Wrapped($module::likelihood(data))));
    };
    ($model:ident, $module:ident, $data:ty, $sampling:expr) => {
        impl Parametric for $model {
            fn names(&self) -> Vec<&'static str> {
                $model::PARAMETER_NAMES.to_vec()
            }
            fn values(&self) -> Vec<f64> {
                self.parameter_values()
                    .into_iter()
                    .map(|(_, v)| v)
                    .collect()
            }
            fn with_values(&self, values: &[f64]) -> Result<Self> {
                Ok($model::from_values(values)?.with_optional_unit(self.unit()))
            }
        }
        impl sealed::Sealed for $model {}
        impl Estimable for $model {
            type Data = $data;
            fn log_likelihood(data: &$data) -> Box<dyn LogLikelihood + '_> {
                Box::new(Wrapped($module::likelihood(data)))
            }
            fn sampling_likelihood(data: &$data) -> Box<dyn LogLikelihood + '_> {
                let make: fn(&$data) -> Box<dyn LogLikelihood + '_> = $sampling;
                make(data)
            }
            fn fit_data(data: &$data, options: &FitOptions) -> Result<FitReport<Self>> {
                $model::fit(data, options)
            }
        }
    };
}

#[cfg(feature = "bayes")]
estimable!(BgNbd, bg_nbd, WeightedSummaries, |data| Box::new(
    crate::btyd::bayes::GroupedBgNbd::new(data)
));
#[cfg(not(feature = "bayes"))]
estimable!(BgNbd, bg_nbd, WeightedSummaries);
estimable!(MbgNbd, mbg_nbd, WeightedSummaries);
estimable!(ParetoNbd, pareto_nbd, WeightedSummaries);
estimable!(BgBb, bg_bb, DiscreteSummaries);
estimable!(GammaGamma, gamma_gamma, SpendSummaries);

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
    type Data = SbgCohort;
    fn log_likelihood(data: &SbgCohort) -> Box<dyn LogLikelihood + '_> {
        Box::new(SbgLikelihood(data))
    }
    fn fit_data(data: &SbgCohort, _options: &FitOptions) -> Result<FitReport<Self>> {
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

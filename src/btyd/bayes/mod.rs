//! Bayesian fits of the BTYD models: NUTS on the log-parameters, several chains in
//! parallel, with pymc-marketing 1.3's default priors, MAP as the cheap alternative,
//! convergence diagnostics and predictions over the posterior draws (feature `bayes`).
//!
//! The target is `ln p(θ | data) = ℓ(θ) + ln p(θ) + Σ ln θᵢ` in `u = ln θ` (the last term
//! the Jacobian), where `ℓ` is the model's own weighted-row likelihood and analytic
//! gradient, the one its maximum-likelihood fit maximises (reused through
//! [`Estimable`]), so the cost of a gradient grows with the distinct `(x, t_x, T)`, not
//! the customers. Every model with an [`Estimable`] impl can be sampled: BG/NBD,
//! Pareto/NBD, MBG/NBD, BG/BB, Gamma-Gamma, and sBG on a cohort ([`SbgCohort`](super::uncertainty::SbgCohort)).
//!
//! This module owns priors, the sampler and the diagnostics; it does not change the
//! likelihoods.
//!
//! # Examples
//!
//! ```
//! use customer_value::btyd::bayes::{BayesOptions, Priors, fit_bayes};
//! use customer_value::btyd::{BgNbd, WeightedSummaries};
//!
//! let data = WeightedSummaries::from_rows(
//!     &[0.0, 1.0, 3.0, 0.0, 2.0, 5.0, 1.0, 0.0, 4.0, 2.0],
//!     &[0.0, 10.0, 30.0, 0.0, 12.0, 35.0, 2.0, 0.0, 20.0, 38.0],
//!     &[40.0, 40.0, 40.0, 38.0, 39.0, 40.0, 41.0, 37.0, 40.0, 39.0],
//! )?;
//! let options = BayesOptions::default().with_draws(200, 200)?.with_chains(2)?;
//! let fit = fit_bayes::<BgNbd>(&data, &Priors::bg_nbd(), &options)?;
//! assert_eq!(fit.posterior.draws.len(), 2);
//! assert!(fit.model.r() > 0.0); // posterior means
//! # Ok::<(), customer_value::Error>(())
//! ```

mod diagnostics;
mod grouped;
mod grouped_pareto;
mod nuts;
mod prior;

pub(crate) use grouped::GroupedBgNbd;
pub(crate) use grouped_pareto::GroupedParetoNbd;
pub use prior::{ConcentrationPair, ParameterPrior, Priors};

use serde::{Deserialize, Serialize};

use super::FitOptions;
use super::uncertainty::{Estimable, IntervalLevel, LogLikelihood, Parametric, Prediction};
use crate::error::{Error, Result};
use crate::special::{Objective, minimize};
use nuts::{ChainSettings, LogDensity, run_chain};

/// The mass matrix NUTS adapts during tuning.
///
/// # Examples
///
/// ```
/// use customer_value::btyd::bayes::{BayesOptions, MassMatrix};
///
/// assert_eq!(BayesOptions::default().mass_matrix, MassMatrix::Dense);
/// let o = BayesOptions::default().with_mass_matrix(MassMatrix::Diagonal);
/// assert_eq!(serde_json::to_string(&o.mass_matrix).unwrap(), "\"diagonal\"");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum MassMatrix {
    /// The full covariance of the tuning draws (shrunk towards `10⁻³ I`): follows the
    /// strong correlations of BTYD posteriors in `ln θ` (BG/NBD's `a` and `b`, `r` and
    /// `α`), so trees stay shallow. Falls back to the diagonal if not positive definite.
    #[default]
    Dense,
    /// The variances only (Stan's and pymc's default).
    Diagonal,
}

/// Settings of a NUTS fit. Defaults: 4 chains × (1,000 tuning + 1,000 draws), target
/// acceptance 0.8, maximum tree depth 10, seed 0 (pymc's defaults, but the seed), a
/// dense mass matrix.
///
/// # Examples
///
/// ```
/// use customer_value::btyd::bayes::BayesOptions;
///
/// let o = BayesOptions::default().with_chains(2)?.with_seed(7);
/// assert_eq!((o.chains, o.seed), (2, 7));
/// assert!(BayesOptions::default().with_chains(0).is_err());
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BayesOptions {
    /// Chains (run on their own threads).
    pub chains: usize,
    /// Tuning iterations per chain (step size and mass matrix adaptation; discarded).
    pub tune: usize,
    /// Draws kept per chain.
    pub draws: usize,
    /// Target mean acceptance of the step-size adaptation.
    pub target_accept: f64,
    /// Maximum tree depth (2^depth leapfrog steps at most per draw).
    pub max_depth: usize,
    /// Seed; chain `c` uses its own stream derived from it.
    pub seed: u64,
    /// The adapted mass matrix.
    #[serde(default)]
    pub mass_matrix: MassMatrix,
}

impl Default for BayesOptions {
    fn default() -> Self {
        BayesOptions {
            chains: 4,
            tune: 1000,
            draws: 1000,
            target_accept: 0.8,
            max_depth: 10,
            seed: 0,
            mass_matrix: MassMatrix::Dense,
        }
    }
}

impl BayesOptions {
    /// Sets the number of chains.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for 0 or more than 64.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::bayes::BayesOptions;
    ///
    /// assert_eq!(BayesOptions::default().with_chains(8)?.chains, 8);
    /// assert!(BayesOptions::default().with_chains(65).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn with_chains(mut self, chains: usize) -> Result<Self> {
        if !(1..=64).contains(&chains) {
            return Err(Error::param("chains", chains, "must be between 1 and 64"));
        }
        self.chains = chains;
        Ok(self)
    }

    /// Sets tuning iterations and draws per chain.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for fewer than 4 draws or more than 10⁷ iterations.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::bayes::BayesOptions;
    ///
    /// let o = BayesOptions::default().with_draws(500, 2000)?;
    /// assert_eq!((o.tune, o.draws), (500, 2000));
    /// assert!(BayesOptions::default().with_draws(100, 3).is_err()); // fewer than 4 draws
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn with_draws(mut self, tune: usize, draws: usize) -> Result<Self> {
        if draws < 4 || tune + draws > 10_000_000 {
            return Err(Error::param(
                "draws",
                draws,
                "need 4 ≤ draws and tune + draws ≤ 10^7",
            ));
        }
        self.tune = tune;
        self.draws = draws;
        Ok(self)
    }

    /// Sets the mass matrix.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::bayes::{BayesOptions, MassMatrix};
    ///
    /// let o = BayesOptions::default().with_mass_matrix(MassMatrix::Diagonal);
    /// assert_eq!(o.mass_matrix, MassMatrix::Diagonal);
    /// ```
    #[must_use]
    pub fn with_mass_matrix(mut self, mass_matrix: MassMatrix) -> Self {
        self.mass_matrix = mass_matrix;
        self
    }

    /// Sets the seed.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::bayes::BayesOptions;
    ///
    /// assert_eq!(BayesOptions::default().seed, 0);
    /// assert_eq!(BayesOptions::default().with_seed(42).seed, 42);
    /// ```
    #[must_use]
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Sets the target acceptance.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] unless `0 < target < 1`.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::bayes::BayesOptions;
    ///
    /// let o = BayesOptions::default().with_target_accept(0.95)?; // smaller steps
    /// assert!((o.target_accept - 0.95).abs() < 1e-15);
    /// assert!(BayesOptions::default().with_target_accept(1.0).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn with_target_accept(mut self, target: f64) -> Result<Self> {
        if !(target > 0.0 && target < 1.0) {
            return Err(Error::param(
                "target_accept",
                target,
                "must be strictly between 0 and 1",
            ));
        }
        self.target_accept = target;
        Ok(self)
    }

    fn check(&self) -> Result<()> {
        BayesOptions::default()
            .with_chains(self.chains)?
            .with_draws(self.tune, self.draws)?
            .with_target_accept(self.target_accept)?;
        if !(1..=15).contains(&self.max_depth) {
            return Err(Error::param(
                "max_depth",
                self.max_depth,
                "must be between 1 and 15",
            ));
        }
        Ok(())
    }
}

/// One parameter's posterior summary.
///
/// # Examples
///
/// ```
/// use customer_value::btyd::bayes::{BayesOptions, Priors, fit_bayes};
/// use customer_value::btyd::{BgNbd, WeightedSummaries};
///
/// let data = WeightedSummaries::from_rows(
///     &[0.0, 1.0, 3.0, 0.0, 2.0, 5.0, 1.0, 0.0, 4.0, 2.0],
///     &[0.0, 10.0, 30.0, 0.0, 12.0, 35.0, 2.0, 0.0, 20.0, 38.0],
///     &[40.0, 40.0, 40.0, 38.0, 39.0, 40.0, 41.0, 37.0, 40.0, 39.0],
/// )?;
/// let options = BayesOptions::default().with_draws(100, 100)?.with_chains(2)?;
/// let fit = fit_bayes::<BgNbd>(&data, &Priors::bg_nbd(), &options)?;
/// let r = &fit.posterior.summary[0];
/// assert_eq!(r.name, "r");
/// assert!(r.q05 <= r.q50 && r.q50 <= r.q95 && r.sd > 0.0);
/// assert!((r.mean - fit.model.r()).abs() < 1e-12); // the model holds the posterior means
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ParameterSummary {
    /// Parameter name.
    pub name: String,
    /// Posterior mean.
    pub mean: f64,
    /// Posterior standard deviation.
    pub sd: f64,
    /// 5 % quantile.
    pub q05: f64,
    /// Median.
    pub q50: f64,
    /// 95 % quantile.
    pub q95: f64,
    /// Monte Carlo standard error of the mean, `sd / √ESS_mean`.
    pub mcse_mean: f64,
    /// Rank-normalised split R-hat.
    pub r_hat: f64,
    /// Bulk effective sample size.
    pub ess_bulk: f64,
    /// Tail effective sample size.
    pub ess_tail: f64,
}

/// A sign that the chains may not describe the posterior.
///
/// # Examples
///
/// ```
/// use customer_value::btyd::bayes::PosteriorWarning;
///
/// let w: PosteriorWarning = serde_json::from_str(r#"{"divergences":{"count":3}}"#).unwrap();
/// assert_eq!(w.to_string(), "3 divergent transitions after tuning");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum PosteriorWarning {
    /// R-hat above 1.01: the chains disagree.
    RHat {
        /// The parameter.
        parameter: String,
        /// Its R-hat.
        r_hat: f64,
    },
    /// Divergent transitions after tuning: the sampler missed part of the posterior.
    Divergences {
        /// How many, over all chains.
        count: usize,
    },
}

impl std::fmt::Display for PosteriorWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PosteriorWarning::RHat { parameter, r_hat } => {
                write!(f, "R-hat of {parameter} is {r_hat:.4} > 1.01")
            }
            PosteriorWarning::Divergences { count } => {
                write!(f, "{count} divergent transitions after tuning")
            }
        }
    }
}

/// Posterior draws (natural scale) with their summaries and diagnostics. Plain serde data.
///
/// # Examples
///
/// ```
/// use customer_value::btyd::bayes::{BayesOptions, Priors, fit_bayes};
/// use customer_value::btyd::{BgNbd, WeightedSummaries};
///
/// let data = WeightedSummaries::from_rows(
///     &[0.0, 1.0, 3.0, 0.0, 2.0, 5.0, 1.0, 0.0, 4.0, 2.0],
///     &[0.0, 10.0, 30.0, 0.0, 12.0, 35.0, 2.0, 0.0, 20.0, 38.0],
///     &[40.0, 40.0, 40.0, 38.0, 39.0, 40.0, 41.0, 37.0, 40.0, 39.0],
/// )?;
/// let options = BayesOptions::default().with_draws(100, 100)?.with_chains(2)?;
/// let fit = fit_bayes::<BgNbd>(&data, &Priors::bg_nbd(), &options)?;
/// let p = &fit.posterior;
/// assert_eq!(p.names, ["r", "alpha", "a", "b"]);
/// assert_eq!((p.draws.len(), p.draws[0].len(), p.draws[0][0].len()), (2, 100, 4));
/// assert_eq!(p.step_sizes.len(), 2);
/// assert!(p.pooled().flatten().all(|&v| v > 0.0)); // natural scale
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Posterior {
    /// Parameter names.
    pub names: Vec<String>,
    /// `draws[chain][draw][parameter]`.
    pub draws: Vec<Vec<Vec<f64>>>,
    /// Per-parameter summaries, in `names` order.
    pub summary: Vec<ParameterSummary>,
    /// Divergent transitions after tuning, over all chains.
    pub divergences: usize,
    /// Draws that hit the maximum tree depth.
    pub max_depth_hits: usize,
    /// Each chain's adapted step size.
    pub step_sizes: Vec<f64>,
    /// Gradient evaluations over all chains (tuning included).
    pub gradient_evaluations: usize,
    /// Mean tree depth of the kept draws (`2^depth − 1` leapfrog steps at most).
    #[serde(default)]
    pub mean_tree_depth: f64,
    /// Mean leapfrog steps (gradient evaluations) per kept draw.
    #[serde(default)]
    pub leapfrog_steps_per_draw: f64,
    /// R-hat above 1.01 or divergences; empty when neither.
    pub warnings: Vec<PosteriorWarning>,
}

impl Posterior {
    /// All draws pooled, chain after chain.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::bayes::{BayesOptions, Priors, fit_bayes};
    /// use customer_value::btyd::{BgNbd, WeightedSummaries};
    ///
    /// let data = WeightedSummaries::from_rows(
    ///     &[0.0, 1.0, 3.0, 0.0, 2.0, 5.0, 1.0, 0.0, 4.0, 2.0],
    ///     &[0.0, 10.0, 30.0, 0.0, 12.0, 35.0, 2.0, 0.0, 20.0, 38.0],
    ///     &[40.0, 40.0, 40.0, 38.0, 39.0, 40.0, 41.0, 37.0, 40.0, 39.0],
    /// )?;
    /// let options = BayesOptions::default().with_draws(100, 100)?.with_chains(2)?;
    /// let fit = fit_bayes::<BgNbd>(&data, &Priors::bg_nbd(), &options)?;
    /// let n = fit.posterior.pooled().count();
    /// assert_eq!(n, 200); // 2 chains × 100 draws
    /// let mean_r = fit.posterior.pooled().map(|d| d[0]).sum::<f64>() / n as f64;
    /// assert!((mean_r - fit.posterior.summary[0].mean).abs() < 1e-9);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn pooled(&self) -> impl Iterator<Item = &[f64]> {
        self.draws.iter().flatten().map(Vec::as_slice)
    }

    fn from_chains(names: Vec<String>, chains: Vec<nuts::ChainOutput>) -> Self {
        let k = names.len();
        let draws: Vec<Vec<Vec<f64>>> = chains
            .iter()
            .map(|c| {
                c.draws
                    .iter()
                    .map(|q| q.iter().map(|u| u.exp()).collect())
                    .collect()
            })
            .collect();
        let summary: Vec<ParameterSummary> = (0..k)
            .zip(&names)
            .map(|(j, name)| {
                let per_chain: Vec<Vec<f64>> = draws
                    .iter()
                    .map(|c| c.iter().map(|d| d.get(j).copied().unwrap_or(f64::NAN)).collect())
                    .collect();
                let pooled: Vec<f64> = per_chain.iter().flatten().copied().collect();
                let n = pooled.len() as f64;
                let mean = pooled.iter().sum::<f64>() / n;
                let sd = (pooled.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
                ParameterSummary {
                    name: name.clone(),
                    mean,
                    sd,
                    q05: diagnostics::quantile(&pooled, 0.05),
                    q50: diagnostics::quantile(&pooled, 0.5),
                    q95: diagnostics::quantile(&pooled, 0.95),
                    mcse_mean: sd / diagnostics::ess_mean(&per_chain).sqrt(),
                    r_hat: diagnostics::rhat(&per_chain),
                    ess_bulk: diagnostics::ess_bulk(&per_chain),
                    ess_tail: diagnostics::ess_tail(&per_chain),
                }
            })
            .collect();
        let divergences = chains.iter().map(|c| c.divergences).sum();
        let kept = chains.iter().map(|c| c.draws.len()).sum::<usize>().max(1) as f64;
        let mut warnings: Vec<PosteriorWarning> = summary
            .iter()
            .filter(|s| s.r_hat.is_nan() || s.r_hat > 1.01)
            .map(|s| PosteriorWarning::RHat {
                parameter: s.name.clone(),
                r_hat: s.r_hat,
            })
            .collect();
        if divergences > 0 {
            warnings.push(PosteriorWarning::Divergences { count: divergences });
        }
        Posterior {
            names,
            draws,
            summary,
            divergences,
            max_depth_hits: chains.iter().map(|c| c.max_depth_hits).sum(),
            step_sizes: chains.iter().map(|c| c.step_size).collect(),
            gradient_evaluations: chains.iter().map(|c| c.leapfrog_steps).sum(),
            mean_tree_depth: chains.iter().map(|c| c.depth_sum).sum::<usize>() as f64 / kept,
            leapfrog_steps_per_draw: chains.iter().map(|c| c.draw_leapfrog_steps).sum::<usize>() as f64
                / kept,
            warnings,
        }
    }
}

/// A Bayesian fit: the model at the posterior means and the posterior.
///
/// # Examples
///
/// The sBG on Fader & Hardie's (2007) regular segment, with pymc-marketing's priors: the
/// posterior is close to the maximum-likelihood fit (α 0.7041, β 1.1820), as with 1,000
/// customers it should be. More in the [module docs](self) and [`BayesFit::draw_models`].
///
/// ```
/// use customer_value::btyd::bayes::{BayesOptions, Priors, fit_bayes};
/// use customer_value::btyd::uncertainty::SbgCohort;
/// use customer_value::retention::ShiftedBetaGeometric;
///
/// let cohort = SbgCohort::from_survivors(&[1000, 631, 468, 382, 326, 289, 262, 241])?;
/// let options = BayesOptions::default().with_draws(300, 300)?.with_chains(2)?;
/// let fit = fit_bayes::<ShiftedBetaGeometric>(&cohort, &Priors::sbg(), &options)?;
/// let [alpha, beta] = [&fit.posterior.summary[0], &fit.posterior.summary[1]];
/// assert_eq!((alpha.name.as_str(), fit.model.alpha()), ("alpha", alpha.mean));
/// assert!(alpha.q05 < 0.7041 && 0.7041 < alpha.q95);
/// assert!(beta.q05 < 1.1820 && 1.1820 < beta.q95);
/// assert!(fit.posterior.warnings.is_empty()); // R-hat ≤ 1.01, no divergences
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BayesFit<M> {
    /// The model with the posterior means as parameters.
    pub model: M,
    /// Draws, summaries and diagnostics.
    pub posterior: Posterior,
}

impl<M: Parametric> BayesFit<M> {
    /// One model per posterior draw (chain after chain), for predictions over the
    /// posterior ([`posterior_predictions`]).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] if a draw does not make a model (not finite).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::bayes::{BayesOptions, Priors, fit_bayes};
    /// use customer_value::btyd::{BgNbd, WeightedSummaries};
    ///
    /// let data = WeightedSummaries::from_rows(
    ///     &[0.0, 1.0, 3.0, 0.0, 2.0, 5.0, 1.0, 0.0, 4.0, 2.0],
    ///     &[0.0, 10.0, 30.0, 0.0, 12.0, 35.0, 2.0, 0.0, 20.0, 38.0],
    ///     &[40.0, 40.0, 40.0, 38.0, 39.0, 40.0, 41.0, 37.0, 40.0, 39.0],
    /// )?;
    /// let options = BayesOptions::default().with_draws(100, 100)?.with_chains(2)?;
    /// let fit = fit_bayes::<BgNbd>(&data, &Priors::bg_nbd(), &options)?;
    /// let models = fit.draw_models()?;
    /// assert_eq!(models.len(), 200);
    /// assert_eq!(models[0].r(), fit.posterior.draws[0][0][0]);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn draw_models(&self) -> Result<Vec<M>> {
        self.posterior
            .pooled()
            .map(|d| self.model.with_values(d))
            .collect()
    }
}

/// The unnormalised log posterior in `u = ln θ`.
struct Target<'a> {
    lik: Box<dyn LogLikelihood + 'a>,
    priors: &'a Priors,
    /// Include `Σ u` (sampling); MAP leaves it out (a mode on the natural scale).
    jacobian: bool,
}

impl Target<'_> {
    fn eval(&self, u: &[f64], grad: &mut [f64]) -> f64 {
        // No allocation per evaluation for the models' few parameters.
        let (mut theta_buf, mut g_buf) = ([0.0; 8], [0.0; 8]);
        let (mut theta_vec, mut g_vec) = (Vec::new(), Vec::new());
        let (theta, g) = match (theta_buf.get_mut(..u.len()), g_buf.get_mut(..u.len())) {
            (Some(t), Some(g)) => (t, g),
            _ => {
                theta_vec.resize(u.len(), 0.0);
                g_vec.resize(u.len(), 0.0);
                (theta_vec.as_mut_slice(), g_vec.as_mut_slice())
            }
        };
        for (t, v) in theta.iter_mut().zip(u) {
            *t = v.exp();
        }
        let (theta, g) = (&*theta, g);
        let ll = self.lik.value_gradient(theta, g);
        let lp = self.priors.ln_density(theta, g);
        let jac = if self.jacobian { u.iter().sum::<f64>() } else { 0.0 };
        for ((o, gi), t) in grad.iter_mut().zip(g.iter()).zip(theta) {
            *o = gi * t + if self.jacobian { 1.0 } else { 0.0 };
        }
        let v = ll + lp + jac;
        if v.is_nan() { f64::NEG_INFINITY } else { v }
    }
}

impl LogDensity for Target<'_> {
    fn logp_grad(&self, q: &[f64], grad: &mut [f64]) -> f64 {
        self.eval(q, grad)
    }
}

struct NegativePosterior<'a>(&'a Target<'a>, f64);

impl Objective for NegativePosterior<'_> {
    fn value_grad(&self, x: &[f64], grad: &mut [f64]) -> f64 {
        let v = self.0.eval(x, grad);
        grad.iter_mut().for_each(|g| *g = -*g / self.1);
        if v.is_finite() { -v / self.1 } else { f64::INFINITY }
    }
}

/// The maximum a posteriori estimate (the mode of `ℓ(θ) + ln p(θ)` on the natural scale,
/// found by BFGS over `ln θ` from `start`): the cheap alternative to sampling. With flat
/// priors it is the maximum-likelihood estimate.
///
/// # Errors
///
/// [`Error::LengthMismatch`] for priors of another model; [`Error::NonConvergence`] if
/// BFGS does not converge — also when the mode lies on the edge of a prior's support
/// (BG/NBD's default `κ = a + b ≥ 1` on small data sets, whose density `∝ κ⁻³` pushes
/// the mode to `κ = 1`); [`Error::InvalidParameter`] for bad priors.
///
/// # Examples
///
/// ```
/// use customer_value::btyd::bayes::{ParameterPrior, Priors, map_estimate};
/// use customer_value::btyd::{BgNbd, WeightedSummaries};
///
/// let data = WeightedSummaries::from_rows(
///     &[0.0, 1.0, 3.0, 0.0, 2.0, 5.0, 1.0, 0.0, 4.0, 2.0],
///     &[0.0, 10.0, 30.0, 0.0, 12.0, 35.0, 2.0, 0.0, 20.0, 38.0],
///     &[40.0, 40.0, 40.0, 38.0, 39.0, 40.0, 41.0, 37.0, 40.0, 39.0],
/// )?;
/// let start = BgNbd::new(1.0, 10.0, 1.0, 1.0)?;
/// let w = |scale| ParameterPrior::Weibull { shape: 2.0, scale };
/// let map = map_estimate(&start, &data, &Priors::independent(vec![w(1.0), w(10.0), w(1.0), w(10.0)]))?;
/// assert!(map.alpha() > 0.0);
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn map_estimate<M: Estimable>(start: &M, data: &M::Data, priors: &Priors) -> Result<M> {
    let k = start.values().len();
    priors.check(k)?;
    let target = Target {
        lik: M::sampling_likelihood(data),
        priors,
        jacobian: false,
    };
    let n = target.lik.customers().max(1.0);
    let u0: Vec<f64> = start.values().iter().map(|v| v.ln()).collect();
    let min = minimize(&NegativePosterior(&target, n), &u0, 1e-9, 1000)?;
    start.with_values(&min.x.iter().map(|v| v.exp()).collect::<Vec<_>>())
}

/// Samples the posterior of model `M` on `data` by NUTS: a start from the MAP (itself
/// from the maximum-likelihood fit, or the model's default start when that fails), each
/// chain jittered by up to ±0.3 in every `ln θᵢ`, chains on their own threads, each with
/// its own generator stream from `options.seed` (so results do not depend on the
/// scheduling). `model` holds the posterior means; warnings say when R-hat exceeds 1.01
/// or transitions diverged.
///
/// # Errors
///
/// [`Error::InvalidParameter`] for bad options or priors; [`Error::NonConvergence`] when
/// no starting point can be found.
///
/// # Examples
///
/// ```
/// use customer_value::btyd::bayes::{BayesOptions, Priors, fit_bayes};
/// use customer_value::btyd::{BgNbd, WeightedSummaries};
///
/// let data = WeightedSummaries::from_rows(
///     &[0.0, 1.0, 3.0, 0.0, 2.0, 5.0, 1.0, 0.0, 4.0, 2.0],
///     &[0.0, 10.0, 30.0, 0.0, 12.0, 35.0, 2.0, 0.0, 20.0, 38.0],
///     &[40.0, 40.0, 40.0, 38.0, 39.0, 40.0, 41.0, 37.0, 40.0, 39.0],
/// )?;
/// let options = BayesOptions::default().with_draws(100, 100)?.with_chains(2)?;
/// let fit = fit_bayes::<BgNbd>(&data, &Priors::bg_nbd(), &options)?;
/// // The same seed gives the same draws, however the chains' threads are scheduled.
/// assert_eq!(fit, fit_bayes::<BgNbd>(&data, &Priors::bg_nbd(), &options)?);
/// assert!(fit.posterior.summary.iter().all(|s| s.ess_bulk > 0.0));
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn fit_bayes<M: Estimable>(
    data: &M::Data,
    priors: &Priors,
    options: &BayesOptions,
) -> Result<BayesFit<M>> {
    options.check()?;
    let start = match M::fit_data(data, &FitOptions::default()) {
        Ok(f) => f.model,
        Err(_) => M::fit_data(data, &FitOptions::default().with_penalty(0.01)?)?.model,
    };
    sample_from::<M>(&start, data, priors, options)
}

/// [`fit_bayes`] from a given starting model (its MAP is the chains' centre).
///
/// # Errors
///
/// As [`fit_bayes`].
///
/// # Examples
///
/// ```
/// use customer_value::btyd::bayes::{BayesOptions, Priors, sample_from};
/// use customer_value::btyd::{BgNbd, WeightedSummaries};
///
/// let data = WeightedSummaries::from_rows(
///     &[0.0, 1.0, 3.0, 0.0, 2.0, 5.0, 1.0, 0.0, 4.0, 2.0],
///     &[0.0, 10.0, 30.0, 0.0, 12.0, 35.0, 2.0, 0.0, 20.0, 38.0],
///     &[40.0, 40.0, 40.0, 38.0, 39.0, 40.0, 41.0, 37.0, 40.0, 39.0],
/// )?;
/// let start = BgNbd::new(0.5, 10.0, 0.8, 2.5)?; // e.g. a stored fit
/// let options = BayesOptions::default().with_draws(100, 100)?.with_chains(2)?;
/// let fit = sample_from(&start, &data, &Priors::bg_nbd(), &options)?;
/// assert_eq!(fit.posterior.draws.len(), 2);
/// assert!(fit.model.b() > 0.0);
/// // Priors of another model are refused.
/// assert!(sample_from(&start, &data, &Priors::flat(3), &options).is_err());
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn sample_from<M: Estimable>(
    start: &M,
    data: &M::Data,
    priors: &Priors,
    options: &BayesOptions,
) -> Result<BayesFit<M>> {
    options.check()?;
    let k = start.values().len();
    priors.check(k)?;
    let centre = map_estimate(start, data, priors).unwrap_or_else(|_| start.clone());
    let target = Target {
        lik: M::sampling_likelihood(data),
        priors,
        jacobian: true,
    };
    let u0: Vec<f64> = centre.values().iter().map(|v| v.ln()).collect();
    let mut g = vec![0.0; k];
    if !target.eval(&u0, &mut g).is_finite() {
        return Err(Error::NonConvergence {
            what: "NUTS start",
            iterations: 0,
            detail: "the posterior density is not finite at the MAP".to_owned(),
        });
    }
    let starts: Vec<Vec<f64>> = (0..options.chains)
        .map(|c| jittered(&target, &u0, chain_seed(options.seed, c) ^ 0x5DEE_CE66))
        .collect();
    let settings = |c: usize| ChainSettings {
        tune: options.tune,
        draws: options.draws,
        target_accept: options.target_accept,
        max_depth: options.max_depth,
        seed: chain_seed(options.seed, c),
        dense: options.mass_matrix == MassMatrix::Dense,
    };
    let outputs: Vec<nuts::ChainOutput> = std::thread::scope(|s| {
        let handles: Vec<_> = starts
            .iter()
            .enumerate()
            .map(|(c, q0)| {
                let target = &target;
                s.spawn(move || run_chain(target, q0, settings(c)))
            })
            .collect();
        handles.into_iter().filter_map(|h| h.join().ok()).collect()
    });
    if outputs.len() != options.chains {
        return Err(Error::NonConvergence {
            what: "NUTS",
            iterations: 0,
            detail: "a chain's thread failed".to_owned(),
        });
    }
    let names: Vec<String> = centre.names().iter().map(|s| (*s).to_owned()).collect();
    let posterior = Posterior::from_chains(names, outputs);
    let means: Vec<f64> = posterior.summary.iter().map(|s| s.mean).collect();
    Ok(BayesFit {
        model: centre.with_values(&means)?,
        posterior,
    })
}

fn chain_seed(seed: u64, c: usize) -> u64 {
    seed ^ (c as u64).wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// `u0` moved by up to ±0.3 in every coordinate, to a point with finite density (`u0`
/// itself after 100 failures).
fn jittered(target: &Target<'_>, u0: &[f64], seed: u64) -> Vec<f64> {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(seed);
    let mut g = vec![0.0; u0.len()];
    for _ in 0..100 {
        let q: Vec<f64> = u0.iter().map(|u| u + rng.random_range(-0.3..0.3)).collect();
        if target.eval(&q, &mut g).is_finite() {
            return q;
        }
    }
    u0.to_vec()
}

/// A prediction over posterior draws: per output (per customer, expanded) the mean, sd
/// and the quantiles of `level`.
///
/// # Examples
///
/// From draws of a fit ([`BayesFit::draw_models`]), here three written out; more at
/// [`posterior_predictions`]:
///
/// ```
/// use customer_value::btyd::bayes::posterior_predictions;
/// use customer_value::btyd::uncertainty::{CustomerRows, ExpectedPurchases, IntervalLevel};
/// use customer_value::btyd::{BgNbd, TransactionModel};
///
/// let draws = [BgNbd::new(0.22, 4.2, 0.75, 2.3)?, BgNbd::new(0.24, 4.4, 0.79, 2.4)?, BgNbd::new(0.26, 4.6, 0.83, 2.5)?];
/// let rows = CustomerRows::new(&[2.0], &[30.43], &[38.86])?;
/// let p = posterior_predictions(&draws, &ExpectedPurchases::new(&rows, 39.0), IntervalLevel::new(0.9)?)?;
/// let each: Vec<f64> = draws.iter().map(|m| m.expected_purchases(39.0, 2.0, 30.43, 38.86)).collect::<Result<_, _>>()?;
/// assert!((p.mean[0] - each.iter().sum::<f64>() / 3.0).abs() < 1e-12);
/// assert!(p.lower[0] <= p.mean[0] && p.mean[0] <= p.upper[0] && p.sd[0] > 0.0);
/// assert_eq!(p.level, IntervalLevel::new(0.9)?);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PosteriorPrediction {
    /// The level of `lower` and `upper`.
    pub level: IntervalLevel,
    /// Posterior means.
    pub mean: Vec<f64>,
    /// Posterior standard deviations.
    pub sd: Vec<f64>,
    /// Lower quantiles.
    pub lower: Vec<f64>,
    /// Upper quantiles.
    pub upper: Vec<f64>,
}

/// `pred` under every model of `draws` ([`BayesFit::draw_models`]), summarised per
/// output by mean, sd and the quantiles of `level`.
///
/// # Errors
///
/// [`Error::EmptyInput`] for no draws; the prediction's errors (a posterior draw is a
/// model like any other: a failure is reported, not skipped).
///
/// # Examples
///
/// ```
/// use customer_value::btyd::bayes::posterior_predictions;
/// use customer_value::btyd::uncertainty::{CustomerRows, IntervalLevel, ProbabilityAlive};
/// use customer_value::btyd::BgNbd;
///
/// let draws = vec![BgNbd::new(0.24, 4.4, 0.79, 2.4)?, BgNbd::new(0.25, 4.5, 0.8, 2.5)?];
/// let rows = CustomerRows::new(&[2.0, 0.0], &[30.43, 0.0], &[38.86, 38.86])?;
/// let p = posterior_predictions(&draws, &ProbabilityAlive::new(&rows), IntervalLevel::new(0.9)?)?;
/// assert_eq!(p.mean.len(), 2);
/// assert!(p.sd[1].abs() < 1e-15); // x = 0: alive under every draw
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn posterior_predictions<M, P: Prediction<M> + ?Sized>(
    draws: &[M],
    pred: &P,
    level: IntervalLevel,
) -> Result<PosteriorPrediction> {
    if draws.is_empty() {
        return Err(Error::EmptyInput {
            what: "posterior draws",
        });
    }
    let n = pred.outputs();
    let mut values = vec![0.0; draws.len() * n];
    for (m, chunk) in draws.iter().zip(values.chunks_exact_mut(n.max(1))) {
        pred.evaluate(m, 0..n, chunk)?;
    }
    let mut out = PosteriorPrediction {
        level,
        mean: Vec::with_capacity(n),
        sd: Vec::with_capacity(n),
        lower: Vec::with_capacity(n),
        upper: Vec::with_capacity(n),
    };
    let d = draws.len() as f64;
    for i in 0..n {
        let col: Vec<f64> = values
            .chunks_exact(n.max(1))
            .filter_map(|c| c.get(i).copied())
            .collect();
        let mean = col.iter().sum::<f64>() / d;
        let var = col.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (d - 1.0).max(1.0);
        out.mean.push(mean);
        out.sd.push(var.sqrt());
        out.lower
            .push(diagnostics::quantile(&col, level.lower_quantile()));
        out.upper
            .push(diagnostics::quantile(&col, level.upper_quantile()));
    }
    if let Some(index) = pred.customers() {
        let expand = |v: &[f64]| -> Vec<f64> {
            index
                .iter()
                .map(|&i| v.get(i as usize).copied().unwrap_or(f64::NAN))
                .collect()
        };
        out.mean = expand(&out.mean);
        out.sd = expand(&out.sd);
        out.lower = expand(&out.lower);
        out.upper = expand(&out.upper);
    }
    Ok(out)
}

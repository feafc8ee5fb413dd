//! `--intervals LEVEL` (per-customer intervals on P(alive), holdout purchases and CLV, by
//! `--interval-method delta|sampling|bootstrap`) and `--bayes` (a NUTS fit with the
//! default priors, feature `bayes`) of the report.

use customer_value::Summaries;
use customer_value::btyd::uncertainty::{
    BootstrapSample, Clv, CustomerData, CustomerRows, Estimable, ExpectedPurchases, IntervalLevel,
    IntervalMethod, Intervals, LogCovariance, Parametric, Prediction, ProbabilityAlive, bootstrap_intervals,
    delta_intervals, sampling_intervals,
};
use customer_value::btyd::{
    BgNbd, ClvSpec, FitOptions, GammaGamma, MbgNbd, ParetoNbd, SpendSummaries, TransactionModel,
    WeightedSummaries,
};
use serde_json::{Value, json};

use super::{AnyError, ModelChoice, Options, annual};

/// The interval settings of a run.
#[derive(Debug, Clone, Copy)]
pub struct IntervalOptions {
    pub level: f64,
    pub method: IntervalMethod,
}

/// Lower and upper bounds per customer.
pub struct Band {
    pub lower: Vec<f64>,
    pub upper: Vec<f64>,
    pub draws: usize,
    pub excluded: usize,
}

impl From<Intervals> for Band {
    fn from(iv: Intervals) -> Self {
        Band {
            lower: iv.lower,
            upper: iv.upper,
            draws: iv.draws,
            excluded: iv.excluded,
        }
    }
}

/// The per-customer bounds of the JSON document.
pub struct IntervalColumns {
    pub p_alive: Band,
    pub holdout: Option<Band>,
    pub clv: Option<Band>,
    pub header: Value,
}

/// The bounds of customer `i`: `(p_alive, holdout, clv)` as `(lower, upper)` pairs.
pub type Bounds = [Option<(f64, f64)>; 3];

impl IntervalColumns {
    pub fn bounds(&self, i: usize) -> Bounds {
        // A customer without bounds (no covariates) has NaN there: no bounds, not NaN.
        let at = |iv: &Band| {
            Some((*iv.lower.get(i)?, *iv.upper.get(i)?)).filter(|(l, u)| l.is_finite() && u.is_finite())
        };
        [
            at(&self.p_alive),
            self.holdout.as_ref().and_then(at),
            self.clv.as_ref().and_then(at),
        ]
    }
}

/// Posterior draws of the purchase model kept from a `--bayes` fit.
#[cfg_attr(not(feature = "bayes"), allow(dead_code, reason = "built by --bayes only"))]
#[allow(clippy::enum_variant_names, reason = "named after the models")]
pub enum PosteriorDraws {
    BgNbd(Vec<BgNbd>),
    ParetoNbd(Vec<ParetoNbd>),
    MbgNbd(Vec<MbgNbd>),
}

/// Intervals of the report's predictions, when `--intervals` was given and the models
/// were fitted here (not loaded).
pub fn intervals<K: Clone + Ord + std::fmt::Display + 'static>(
    o: &Options,
    s: &Summaries<K>,
    purchase: Option<&super::models::PurchaseModel>,
    spend: Option<&GammaGamma>,
    draws: Option<&PosteriorDraws>,
) -> Result<Option<IntervalColumns>, AnyError> {
    let Some(iv) = o.intervals else {
        return Ok(None);
    };
    if let Some(p) = purchase.filter(|p| p.covariates.is_some()) {
        return super::covariates::intervals(o, s, p, spend, iv).map(Some);
    }
    let cols = s.columns();
    let data = WeightedSummaries::from_columns(&cols)?;
    let rows = CustomerRows::with_spend(&cols.frequency, &cols.recency, &cols.age, &cols.monetary_value)?;
    let holdout = cols.holdout.as_ref().and_then(|h| h.duration.first().copied());
    let clv_spec = ClvSpec::new(o.unit, o.horizon(), annual(o.discount_rate)?)?;
    let spend_data = match spend {
        Some(_) => Some(SpendSummaries::from_rows(&cols.frequency, &cols.monetary_value)?),
        None => None,
    };
    let job = Job {
        iv,
        draws: o.draws,
        seed: o.seed,
        data: &data,
        rows: &rows,
        customers: CustomerData::new(
            &cols.frequency,
            &cols.recency,
            &cols.age,
            Some(&cols.monetary_value),
        )?
        .with_unit(o.unit),
        holdout,
        clv_spec: &clv_spec,
        margin: o.margin,
        spend: spend.zip(spend_data.as_ref()),
    };
    let out = match (o.model, draws) {
        (_, Some(PosteriorDraws::BgNbd(d))) => job.posterior(d)?,
        (_, Some(PosteriorDraws::ParetoNbd(d))) => job.posterior(d)?,
        (_, Some(PosteriorDraws::MbgNbd(d))) => job.posterior(d)?,
        (ModelChoice::BetaGeometric, None) => job.run(&BgNbd::fit(&data, &FitOptions::default())?.model)?,
        (ModelChoice::Pareto, None) => job.run(&ParetoNbd::fit(&data, &FitOptions::default())?.model)?,
        (ModelChoice::ModifiedBetaGeometric, None) => {
            job.run(&MbgNbd::fit(&data, &FitOptions::default())?.model)?
        }
        (ModelChoice::GammaGompertz, None) => {
            return Err("--intervals is not available for --model ggomnbd yet (bgnbd, pnbd, mbgnbd)".into());
        }
    };
    Ok(Some(out))
}

struct Job<'a> {
    iv: IntervalOptions,
    /// Parameter draws (sampling) or replicates (bootstrap); `None`: 200 and 100.
    draws: Option<usize>,
    seed: u64,
    data: &'a WeightedSummaries,
    rows: &'a CustomerRows,
    customers: CustomerData<'a>,
    holdout: Option<f64>,
    clv_spec: &'a ClvSpec,
    margin: f64,
    spend: Option<(&'a GammaGamma, &'a SpendSummaries)>,
}

impl Job<'_> {
    fn header(&self, method: &str, draws: usize, excluded: usize) -> Value {
        json!({ "level": self.iv.level, "method": method, "draws": draws, "excluded": excluded, "seed": self.seed })
    }

    /// Intervals of the maximum-likelihood fit `model` by the chosen method.
    fn run<M>(&self, model: &M) -> Result<IntervalColumns, AnyError>
    where
        M: Estimable<Data = WeightedSummaries> + TransactionModel + Clone,
    {
        let level = IntervalLevel::new(self.iv.level)?;
        let opts = FitOptions::default();
        let p_alive = ProbabilityAlive::new(self.rows);
        let holdout = self.holdout.map(|t| ExpectedPurchases::new(self.rows, t));
        let clv = Clv::new(self.rows, self.clv_spec, self.margin);
        let pair = self.spend.map(|(g, _)| (model.clone(), *g));
        let one = |pred: &dyn Prediction<M>| -> Result<Band, AnyError> {
            Ok(Band::from(match self.iv.method {
                IntervalMethod::Delta => delta_intervals(
                    model,
                    &LogCovariance::of_model(model, self.data, &opts)?,
                    pred,
                    level,
                )?,
                IntervalMethod::Bootstrap => {
                    let refit = |s: &BootstrapSample| Ok(M::fit_data(&s.summaries()?, &opts)?.model);
                    bootstrap_intervals(
                        model,
                        self.customers,
                        refit,
                        pred,
                        level,
                        self.draws.unwrap_or(100),
                        self.seed,
                    )?
                }
                _ => sampling_intervals(
                    model,
                    &LogCovariance::of_model(model, self.data, &opts)?,
                    pred,
                    level,
                    self.draws.unwrap_or(200),
                    self.seed,
                )?,
            }))
        };
        let clv_iv = match (pair, self.spend) {
            (Some(pair), Some((g, sd))) => Some(match self.iv.method {
                IntervalMethod::Bootstrap => {
                    let refit = |s: &BootstrapSample| {
                        Ok((
                            M::fit_data(&s.summaries()?, &opts)?.model,
                            GammaGamma::fit(&s.spend_summaries()?, &opts)?.model,
                        ))
                    };
                    bootstrap_intervals(
                        &pair,
                        self.customers,
                        refit,
                        &clv,
                        level,
                        self.draws.unwrap_or(100),
                        self.seed,
                    )?
                }
                method => {
                    let joint = LogCovariance::joint(
                        &LogCovariance::of_model(model, self.data, &opts)?,
                        &LogCovariance::of_model(g, sd, &opts)?,
                    );
                    if method == IntervalMethod::Delta {
                        delta_intervals(&pair, &joint, &clv, level)?
                    } else {
                        sampling_intervals(&pair, &joint, &clv, level, self.draws.unwrap_or(200), self.seed)?
                    }
                }
            }),
            _ => None,
        };
        let p = one(&p_alive)?;
        let method = match self.iv.method {
            IntervalMethod::Delta => "delta",
            IntervalMethod::Bootstrap => "bootstrap",
            _ => "sampling",
        };
        Ok(IntervalColumns {
            header: self.header(method, p.draws, p.excluded),
            holdout: holdout.as_ref().map(|h| one(h)).transpose()?,
            clv: clv_iv.map(Band::from),
            p_alive: p,
        })
    }

    /// Intervals over posterior draws (the spend model sampled from its normal
    /// approximation, one draw per posterior draw).
    fn posterior<M>(&self, draws: &[M]) -> Result<IntervalColumns, AnyError>
    where
        M: Parametric + TransactionModel,
    {
        let level = IntervalLevel::new(self.iv.level)?;
        let quantiles =
            |pred: &dyn Prediction<M>| -> Result<Band, AnyError> { percentiles(draws, pred, level) };
        let p = quantiles(&ProbabilityAlive::new(self.rows))?;
        let holdout = self
            .holdout
            .map(|t| quantiles(&ExpectedPurchases::new(self.rows, t)))
            .transpose()?;
        let clv = match self.spend {
            Some((g, sd)) => {
                let cov = LogCovariance::of_model(g, sd, &FitOptions::default())?;
                let spends =
                    customer_value::btyd::uncertainty::sample_parameters(g, &cov, draws.len(), self.seed)?;
                let pairs: Vec<(M, GammaGamma)> = draws.iter().cloned().zip(spends).collect();
                Some(percentiles(
                    &pairs,
                    &Clv::new(self.rows, self.clv_spec, self.margin),
                    level,
                )?)
            }
            None => None,
        };
        Ok(IntervalColumns {
            header: self.header("posterior", draws.len(), 0),
            p_alive: p,
            holdout,
            clv,
        })
    }
}

/// Percentile bounds of `pred` over posterior draws `models`.
fn percentiles<M: Parametric, P: Prediction<M> + ?Sized>(
    models: &[M],
    pred: &P,
    level: IntervalLevel,
) -> Result<Band, AnyError> {
    #[cfg(feature = "bayes")]
    {
        let p = customer_value::btyd::bayes::posterior_predictions(models, pred, level)?;
        Ok(Band {
            lower: p.lower,
            upper: p.upper,
            draws: models.len(),
            excluded: 0,
        })
    }
    #[cfg(not(feature = "bayes"))]
    {
        let _ = (models, pred, level);
        Err("posterior intervals need the `bayes` feature".into())
    }
}

/// A `--bayes` fit: the model at the posterior means, its JSON `posterior` block and the
/// draws.
#[cfg(feature = "bayes")]
pub fn bayes_fit<M>(
    o: &Options,
    data: &WeightedSummaries,
    priors: &customer_value::btyd::bayes::Priors,
) -> Result<(M, Value, Vec<M>), AnyError>
where
    M: Estimable<Data = WeightedSummaries>,
{
    use customer_value::btyd::bayes::{BayesOptions, fit_bayes};
    let opts = BayesOptions::default()
        .with_chains(o.chains)?
        .with_draws(o.tune, o.draws.unwrap_or(1000))?
        .with_seed(o.seed);
    let fit = fit_bayes::<M>(data, priors, &opts)?;
    let per = |f: fn(&customer_value::btyd::bayes::ParameterSummary) -> f64| -> Value {
        fit.posterior
            .summary
            .iter()
            .map(|s| (s.name.clone(), json!(f(s))))
            .collect::<serde_json::Map<_, _>>()
            .into()
    };
    let block = json!({
        "mean": per(|s| s.mean),
        "sd": per(|s| s.sd),
        "q05": per(|s| s.q05),
        "q95": per(|s| s.q95),
        "r_hat": per(|s| s.r_hat),
        "ess_bulk": per(|s| s.ess_bulk),
        "ess_tail": per(|s| s.ess_tail),
        "chains": o.chains,
        "tune": o.tune,
        "draws": o.draws.unwrap_or(1000),
        "divergences": fit.posterior.divergences,
        "warnings": fit.posterior.warnings.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "priors": priors,
    });
    let draws = fit.draw_models()?;
    Ok((fit.model, block, draws))
}

//! The models of a report: fitted on the calibration summaries or loaded from a saved
//! model file (converted exactly into the report's unit), saved on request, and the
//! per-customer value table they give.

use customer_value::btyd::{
    AnySavedModel, BgNbd, Boundary, FitOptions, FitReport, GammaGamma, GgomNbd, HoldoutEvaluation, MbgNbd,
    ParetoNbd, SavedForm, SpendSummaries, TransactionModel, WeightedSummaries,
};
use customer_value::score::{ScoreSpec, ScoreTable, score, score_groups};
use customer_value::{PurchaseDate, Summaries, TimeUnit, TransactionColumns};
use serde::Serialize;
use serde_json::{Value, json};

use super::{AnyError, ModelChoice, Options, annual};

/// A purchase model (fitted or loaded) with what the report prints of it.
pub struct PurchaseModel {
    pub model: Box<dyn TransactionModel>,
    /// The saved form (of the fit, or as loaded).
    pub saved: Value,
    pub names: Vec<String>,
    pub estimates: Vec<f64>,
    pub standard_errors: Option<Vec<f64>>,
    pub log_likelihood: Option<f64>,
    pub iterations: Option<usize>,
    pub boundary: Vec<Boundary>,
    /// The JSON `posterior` block of a `--bayes` fit.
    pub posterior: Option<Value>,
    /// The posterior draws of a `--bayes` fit.
    pub draws: Option<super::intervals::PosteriorDraws>,
    /// `--covariates`: each customer's group for scoring, and the JSON `covariates` block.
    pub covariates: Option<(customer_value::score::ModelGroups, Value)>,
    /// `--time-varying-covariates`: the fit, the customers' covariate paths and the JSON
    /// `covariates` block.
    pub time_varying: Option<Box<super::time_varying::TvPrediction>>,
}

impl PurchaseModel {
    fn from_fit<M>(r: FitReport<M>) -> Result<Self, AnyError>
    where
        M: TransactionModel + SavedForm + 'static,
        M::Params: Serialize,
    {
        Ok(PurchaseModel {
            saved: serde_json::to_value(r.to_saved())?,
            names: r.parameter_names.clone(),
            estimates: r.estimates.clone(),
            standard_errors: r.standard_errors.clone(),
            log_likelihood: Some(r.log_likelihood),
            iterations: Some(r.iterations),
            boundary: r.boundary.clone(),
            model: Box::new(r.model),
            posterior: None,
            draws: None,
            covariates: None,
            time_varying: None,
        })
    }

    /// A loaded purchase model, re-expressed exactly in `unit`.
    fn from_saved(saved: &AnySavedModel, unit: TimeUnit, file: &str) -> Result<Self, AnyError> {
        let in_unit = |u: Option<TimeUnit>| -> Result<TimeUnit, AnyError> {
            u.ok_or_else(|| {
                format!("{file}: the saved purchase model has no time unit (unit_days null)").into()
            })
        };
        let mismatch = |from: TimeUnit| -> AnyError {
            format!(
                "{file}: the saved model is in units of {} days and cannot be converted to --unit ({} days)",
                from.days(),
                unit.days()
            )
            .into()
        };
        let model: Box<dyn TransactionModel> = match saved {
            AnySavedModel::BgNbd(s) => {
                let m = BgNbd::from_saved(s)?;
                in_unit(m.unit())?;
                Box::new(m.in_unit(unit)?)
            }
            AnySavedModel::ParetoNbd(s) => {
                let m = ParetoNbd::from_saved(s)?;
                in_unit(m.unit())?;
                Box::new(m.in_unit(unit)?)
            }
            AnySavedModel::MbgNbd(s) => {
                let m = MbgNbd::from_saved(s)?;
                in_unit(m.unit())?;
                Box::new(m.in_unit(unit)?)
            }
            other => {
                let m = other.transaction_model()?;
                let from = in_unit(m.unit())?;
                if from != unit {
                    return Err(mismatch(from));
                }
                m
            }
        };
        let value = serde_json::to_value(saved)?;
        let se = value.get("standard_errors").and_then(Value::as_object).cloned();
        let (names, estimates): (Vec<String>, Vec<f64>) = model
            .parameters()
            .into_iter()
            .map(|(n, v)| (n.to_owned(), v))
            .unzip();
        // Standard errors are the fit's, in the saved unit: shown only when no conversion
        // changed the parameters.
        let standard_errors = se
            .filter(|_| model.unit().map(TimeUnit::days) == value.get("unit_days").and_then(Value::as_f64))
            .map(|se| {
                names
                    .iter()
                    .map(|n| se.get(n).and_then(Value::as_f64).unwrap_or(f64::NAN))
                    .collect()
            });
        Ok(PurchaseModel {
            saved: value.clone(),
            names,
            estimates,
            standard_errors,
            log_likelihood: value.get("log_likelihood").and_then(Value::as_f64),
            iterations: None,
            boundary: saved.boundary().to_vec(),
            model,
            posterior: None,
            draws: None,
            covariates: None,
            time_varying: None,
        })
    }
}

/// The models of a run, and what went wrong with them.
pub struct Models {
    pub purchase: Result<PurchaseModel, String>,
    pub spend: Result<(GammaGamma, Value), String>,
    /// Repeat customers left out of the spend fit for a mean repeat spend ≤ 0.
    pub spend_excluded: usize,
    /// `--spend-covariates`: the JSON of the spend fit with covariates (its baseline is
    /// `spend`; each customer's own spend model is in the purchase model's groups).
    pub spend_covariates: Option<Value>,
}

/// Fits the models on the calibration summaries, or loads them from `--load-model`.
pub fn models<K, D>(
    o: &Options,
    s: &Summaries<K>,
    log: TransactionColumns<'_, K, D>,
) -> Result<Models, AnyError>
where
    K: Clone + Ord + std::hash::Hash + std::fmt::Display + 'static,
    D: PurchaseDate,
{
    if let Some(file) = &o.load_model {
        let text = std::fs::read_to_string(file).map_err(|e| format!("{file}: {e}"))?;
        let value: Value = serde_json::from_str(&text).map_err(|e| format!("{file}: {e}"))?;
        // A model file of the report (both models), or one saved model.
        let (purchase, spend) = match (value.get("purchase_model"), value.get("spend_model")) {
            (Some(p), s) => (p.clone(), s.cloned().filter(|s| !s.is_null())),
            (None, _) => (value, None),
        };
        let time_varying = o.covariates.as_ref().is_some_and(|c| c.time_varying.is_some());
        let mut purchase = match super::time_varying::loaded_fit(&purchase, o.unit, file)? {
            Some(fit) if time_varying => super::time_varying::purchase_model(o, s, log, Some(fit))?
                .map_err(|e| format!("{file}: {e}"))?,
            Some(_) => {
                return Err(format!(
                    "{file}: the saved model has time-varying covariates: give them with --time-varying-covariates FILE.csv"
                )
                .into());
            }
            None if time_varying => {
                return Err(format!(
                    "{file}: the saved purchase model has no time-varying covariates, so --time-varying-covariates has nothing to score with"
                )
                .into());
            }
            None => loaded_purchase(o, s, &purchase, file)?,
        };
        let mut spend_covariates = None;
        let spend = match spend {
            Some(v) => {
                let saved = AnySavedModel::from_json(&v.to_string()).map_err(|e| format!("{file}: {e}"))?;
                if saved.covariates().is_some() {
                    let (fit, rows, doc) = super::covariates::loaded_spend_model(o, s, &saved, file)?;
                    let (groups, block) = purchase.covariates.take().ok_or_else(|| {
                        format!(
                            "{file}: a spend model with covariates needs a purchase model with covariates"
                        )
                    })?;
                    purchase.covariates = Some((groups.with_spend_covariates(&fit, &rows)?, block));
                    spend_covariates = Some(doc);
                    Ok((fit.model, v))
                } else {
                    Ok((saved.spend_model().map_err(|e| format!("{file}: {e}"))?, v))
                }
            }
            None => Err(format!("{file} holds no spend model")),
        };
        return Ok(Models {
            purchase: Ok(purchase),
            spend,
            spend_excluded: 0,
            spend_covariates,
        });
    }
    let cols = s.columns();
    let options = FitOptions::default();
    let with_covariates = match &o.covariates {
        Some(c) if c.time_varying.is_some() => Some(super::time_varying::purchase_model(o, s, log, None)?),
        Some(_) => Some(super::covariates::purchase_model(o, s)?),
        None => None,
    };
    let purchase = WeightedSummaries::from_columns(&cols)
        .map_err(|e| e.to_string())
        .and_then(|data| {
            if let Some(fitted) = with_covariates {
                return fitted;
            }
            if o.bayes {
                return bayes_purchase(o, &data);
            }
            let fitted = match o.model {
                ModelChoice::BetaGeometric => BgNbd::fit(&data, &options).map(PurchaseModel::from_fit),
                ModelChoice::Pareto => ParetoNbd::fit(&data, &options).map(PurchaseModel::from_fit),
                ModelChoice::ModifiedBetaGeometric => {
                    MbgNbd::fit(&data, &options).map(PurchaseModel::from_fit)
                }
                ModelChoice::GammaGompertz => GgomNbd::fit(&data, &options).map(PurchaseModel::from_fit),
            };
            match fitted {
                Ok(Ok(m)) => Ok(m),
                Ok(Err(e)) => Err(e.to_string()),
                Err(e) => Err(e.to_string()),
            }
        });
    let (spend, spend_excluded) = if o.read.has_amount() {
        match SpendSummaries::from_rows(&cols.frequency, &cols.monetary_value) {
            Ok(data) => {
                let excluded = data.excluded_without_positive_spend();
                let fit = GammaGamma::fit(&data, &options)
                    .map_err(|e| e.to_string())
                    .and_then(|r| {
                        if o.progress {
                            eprintln!(
                                "customer-value: spend model fitted in {} iterations",
                                r.iterations
                            );
                        }
                        let saved = serde_json::to_value(r.to_saved()).map_err(|e| e.to_string())?;
                        Ok((r.model, saved))
                    });
                (fit, excluded)
            }
            Err(e) => (Err(e.to_string()), 0),
        }
    } else {
        (Err("no amount column (--no-amount)".to_owned()), 0)
    };
    let mut purchase = purchase;
    let (spend, spend_excluded, spend_covariates) = match super::covariates::spend_model(o, s)? {
        Some(Err(e)) => (Err(e), 0, None),
        Some(Ok((fit, rows, doc))) => {
            if let Ok(Some((groups, block))) = purchase.as_mut().map(|p| p.covariates.take()) {
                let split = groups.with_spend_covariates(&fit, &rows)?;
                if let Ok(p) = purchase.as_mut() {
                    p.covariates = Some((split, block));
                }
            }
            let saved = serde_json::to_value(fit.to_saved())?;
            (Ok((fit.model, saved)), fit.excluded, Some(doc))
        }
        None => (spend, spend_excluded, None),
    };
    let models = Models {
        purchase,
        spend,
        spend_excluded,
        spend_covariates,
    };
    if let Some(file) = &o.save_model {
        let doc = model_file(&models)
            .map_err(|e| format!("--save-model {file}: no purchase model to save ({e})"))?;
        std::fs::write(file, serde_json::to_string_pretty(&doc)? + "\n")
            .map_err(|e| format!("{file}: {e}"))?;
    }
    Ok(models)
}

/// A loaded purchase model other than a time-varying fit: with its covariates when it was
/// saved with them (`--covariates FILE`); a plain one refuses a covariate file rather
/// than ignore it.
fn loaded_purchase<K: std::fmt::Display + 'static>(
    o: &Options,
    s: &Summaries<K>,
    purchase: &Value,
    file: &str,
) -> Result<PurchaseModel, AnyError> {
    let purchase = AnySavedModel::from_json(&purchase.to_string()).map_err(|e| format!("{file}: {e}"))?;
    if purchase.covariates().is_some() {
        super::covariates::loaded_purchase_model(o, s, &purchase, file)
    } else if o.covariates.is_some() {
        Err(format!(
            "{file}: the saved purchase model has no covariates, so --covariates has nothing to score with"
        )
        .into())
    } else {
        PurchaseModel::from_saved(&purchase, o.unit, file)
    }
}

/// The purchase model of `--bayes`: NUTS with pymc-marketing's default priors.
#[cfg(feature = "bayes")]
fn bayes_purchase(o: &Options, data: &WeightedSummaries) -> Result<PurchaseModel, String> {
    use super::intervals::{PosteriorDraws, bayes_fit};
    use customer_value::btyd::bayes::Priors;
    fn build<M>(
        o: &Options,
        data: &WeightedSummaries,
        priors: &Priors,
        wrap: fn(Vec<M>) -> PosteriorDraws,
    ) -> Result<PurchaseModel, AnyError>
    where
        M: customer_value::btyd::uncertainty::Estimable<Data = WeightedSummaries>
            + TransactionModel
            + SavedForm
            + 'static,
        M::Params: Serialize,
    {
        let (model, block, draws) = bayes_fit::<M>(o, data, priors)?;
        let sd: Vec<f64> = block
            .get("sd")
            .and_then(Value::as_object)
            .map(|m| m.values().filter_map(Value::as_f64).collect())
            .unwrap_or_default();
        let (names, estimates): (Vec<String>, Vec<f64>) = model
            .parameters()
            .into_iter()
            .map(|(n, v)| (n.to_owned(), v))
            .unzip();
        Ok(PurchaseModel {
            saved: serde_json::to_value(model.to_saved())?,
            names,
            estimates,
            standard_errors: (sd.len() == model.parameters().len()).then_some(sd),
            log_likelihood: None,
            iterations: None,
            boundary: Vec::new(),
            model: Box::new(model),
            posterior: Some(block),
            draws: Some(wrap(draws)),
            covariates: None,
            time_varying: None,
        })
    }
    let fitted = match o.model {
        ModelChoice::BetaGeometric => build::<BgNbd>(o, data, &Priors::bg_nbd(), PosteriorDraws::BgNbd),
        ModelChoice::Pareto => build::<ParetoNbd>(o, data, &Priors::pareto_nbd(), PosteriorDraws::ParetoNbd),
        ModelChoice::ModifiedBetaGeometric => {
            build::<MbgNbd>(o, data, &Priors::bg_nbd(), PosteriorDraws::MbgNbd)
        }
        ModelChoice::GammaGompertz => {
            return Err("--bayes is not available for --model ggomnbd yet".to_owned());
        }
    };
    fitted.map_err(|e| format!("--bayes: {e}"))
}

#[cfg(not(feature = "bayes"))]
fn bayes_purchase(_: &Options, _: &WeightedSummaries) -> Result<PurchaseModel, String> {
    Err("--bayes needs the `bayes` feature".to_owned())
}

/// The model file of `models`: `{"format": 1, "purchase_model": …, "spend_model": … | null}`,
/// each model in the crate's saved format; the purchase model's error if there is none.
pub fn model_file(models: &Models) -> Result<Value, String> {
    let p = models.purchase.as_ref().map_err(Clone::clone)?;
    Ok(json!({
        "format": 1,
        "purchase_model": p.saved,
        "spend_model": models.spend.as_ref().ok().map(|(_, v)| v),
    }))
}

/// Everything predicted for the report.
pub struct Predictions<'m, K> {
    pub purchase: &'m PurchaseModel,
    pub table: ScoreTable<K>,
    pub holdout: Option<HoldoutEvaluation>,
}

/// The value table of every customer, or why there is none (the purchase model failed).
pub fn predict<'m, K: Clone + Ord + std::fmt::Debug>(
    o: &Options,
    s: &Summaries<K>,
    m: &'m Models,
) -> Result<Result<Predictions<'m, K>, String>, AnyError> {
    let purchase = match &m.purchase {
        Ok(p) => p,
        Err(e) => return Ok(Err(e.clone())),
    };
    let spec = ScoreSpec::new(o.unit, o.horizon(), annual(o.discount_rate)?)?.with_margin(o.margin)?;
    let spend = m.spend.as_ref().ok().map(|(g, _)| g);
    let scored = match (&purchase.covariates, &purchase.time_varying) {
        (_, Some(tv)) => tv
            .fit
            .score(&tv.data, &tv.members, &s.columns(), spend, &spec, s.spec.unit),
        (Some((groups, _)), None) => score_groups(&s.columns(), groups, spend, &spec, s.spec.unit),
        (None, None) => score(s, purchase.model.as_ref(), spend, &spec),
    };
    let table = match scored {
        Ok(t) => t,
        Err(e) => return Ok(Err(e.to_string())),
    };
    let holdout = holdout_evaluation(&table);
    Ok(Ok(Predictions {
        purchase,
        table,
        holdout,
    }))
}

/// Holdout accuracy over the customers with an expected holdout count.
pub fn holdout_evaluation<K>(t: &ScoreTable<K>) -> Option<HoldoutEvaluation> {
    let mut x = Vec::with_capacity(t.rows.len());
    let mut expected = Vec::with_capacity(t.rows.len());
    let mut actual = Vec::with_capacity(t.rows.len());
    for r in &t.rows {
        if let (Some(e), Some(a)) = (r.expected_holdout_purchases, r.holdout_purchases) {
            x.push(f64::from(r.frequency));
            expected.push(e);
            actual.push(f64::from(a));
        }
    }
    HoldoutEvaluation::new(&x, &expected, &actual, 7).ok()
}

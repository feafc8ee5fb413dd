//! `--time-varying-covariates FILE.csv` of the report: the file read
//! (`customer, period start date, numeric columns`, one row per customer and period of a
//! regular grid whose step is the model's unit), each customer's purchase days taken from
//! the log (only with the flag: the plain path does no extra work), the time-varying fit
//! of Pareto/NBD or BG/NBD, and the value table from each customer's covariate path,
//! future periods included. Customers of the log missing from the file are left out of the
//! fit, counted and flagged `missing_covariates`.

use std::collections::HashMap;
use std::hash::Hash;

use customer_value::btyd::covariates::time_varying::{
    TimeVaryingCovariates, TimeVaryingData, TimeVaryingFit, TimeVaryingTable, TvCustomer, TvModel,
};
use customer_value::btyd::{BgNbd, FitOptions, ParetoNbd, TransactionModel};
use customer_value::{PurchaseDate, Summaries, TransactionColumns};
use serde_json::{Value, json};

use super::models::PurchaseModel;
use super::{AnyError, ModelChoice, Options};

/// What scoring with a time-varying fit needs: the fit, the customers with their covariate
/// paths (past and future), each summarised customer's index among them, and the JSON
/// `covariates` block.
pub struct TvPrediction {
    pub fit: TimeVaryingFit,
    pub data: TimeVaryingData,
    pub members: Vec<Option<usize>>,
    pub block: Value,
}

/// The message of a refused combination, or `None` (checked by both parsers; exit 2).
pub fn refused(o: &Options) -> Option<String> {
    let c = o.covariates.as_ref()?;
    c.time_varying.as_ref()?;
    let unavailable = [
        (
            !c.file.is_empty(),
            "--covariates (give every covariate in the time-varying file: columns constant per customer are fine)",
        ),
        (!c.spend.is_empty(), "--spend-covariates"),
        (!c.constrain.is_empty(), "--constrain"),
        (c.regularise.is_some(), "--regularise"),
        (
            matches!(
                o.model,
                ModelChoice::ModifiedBetaGeometric | ModelChoice::GammaGompertz
            ),
            "--model mbgnbd or ggomnbd (time-varying covariates are for pnbd and bgnbd)",
        ),
        (o.bayes, "--bayes"),
        (o.intervals.is_some(), "--intervals"),
        (o.plots.is_some(), "--plots"),
        (
            o.unit == customer_value::TimeUnit::MONTH,
            "--unit month (the covariate periods are whole days: use --unit week or day)",
        ),
    ];
    if let Some((_, what)) = unavailable.iter().find(|(on, _)| *on) {
        return Some(format!(
            "--time-varying-covariates is not available with {what} yet"
        ));
    }
    if o.load_model.is_some() {
        if !(c.purchase.is_empty() && c.dropout.is_empty()) {
            return Some("--time-varying-covariates with --load-model: the covariates are the saved model's (no --purchase-covariates or --dropout-covariates)".to_owned());
        }
    } else if c.purchase.is_empty() && c.dropout.is_empty() {
        return Some(
            "--time-varying-covariates needs --purchase-covariates and/or --dropout-covariates".to_owned(),
        );
    }
    None
}

/// The tag of a time-varying fit in the model file (`purchase_model.model`).
const TAG: &str = "time_varying";

/// The saved form of a time-varying fit in the model file:
/// `{"model": "time_varying", "format": 1, "unit_days": …, "fit": {…}}`, the fit as
/// `TimeVaryingFit` serialises (model, parameter names, estimates, standard errors,
/// log-likelihood, covariate names).
fn saved(fit: &TimeVaryingFit, unit: customer_value::TimeUnit) -> Result<Value, AnyError> {
    Ok(json!({"model": TAG, "format": 1, "unit_days": unit.days(), "fit": fit}))
}

/// A saved time-varying fit (`purchase_model` of a model file), or `None` for any other
/// model. Its unit must be `unit` (the covariate grid is in the unit: no conversion);
/// the parameter vector must fit the covariate names.
pub fn loaded_fit(
    value: &Value,
    unit: customer_value::TimeUnit,
    file: &str,
) -> Result<Option<TimeVaryingFit>, AnyError> {
    if value.get("model").and_then(Value::as_str) != Some(TAG) {
        return Ok(None);
    }
    if value.get("format").and_then(Value::as_u64) != Some(1) {
        return Err(format!("{file}: a time-varying model of another format than 1").into());
    }
    let days = value.get("unit_days").and_then(Value::as_f64);
    if days != Some(unit.days()) {
        return Err(format!(
            "{file}: the saved time-varying model is in units of {} days and cannot be converted to --unit ({} days)",
            days.map_or("unknown".to_owned(), |d| d.to_string()),
            unit.days()
        )
        .into());
    }
    let fit: TimeVaryingFit = serde_json::from_value(value.get("fit").cloned().unwrap_or(Value::Null))
        .map_err(|e| format!("{file}: the time-varying fit: {e}"))?;
    let dropout_vectors = if fit.model == TvModel::ParetoNbd { 1 } else { 2 };
    let k = 4 + fit.purchase_covariates.len() + dropout_vectors * fit.dropout_covariates.len();
    if fit.estimates.len() != k
        || fit.parameter_names.len() != k
        || fit.standard_errors.as_ref().is_some_and(|s| s.len() != k)
    {
        return Err(format!("{file}: the time-varying fit's parameters do not match its covariates").into());
    }
    Ok(Some(fit))
}

/// The time-varying fit of `o.model` as the report's purchase model (its coefficients join
/// the parameters), with what its value table needs. A bad file (malformed, gaps,
/// overlaps, a grid not on the unit, periods not covering the calibration window or the
/// predictions) is an error of the run (exit 1, naming the file); a fit that fails is the
/// report's model error.
///
/// With `loaded` (a saved fit, `--load-model`), no fit: its covariate columns are taken
/// from the file and its customers scored.
pub fn purchase_model<K, D>(
    o: &Options,
    s: &Summaries<K>,
    log: TransactionColumns<'_, K, D>,
    loaded: Option<TimeVaryingFit>,
) -> Result<Result<PurchaseModel, String>, AnyError>
where
    K: std::fmt::Display + Eq + Hash + 'static,
    D: PurchaseDate,
{
    let c = o.covariates.as_ref().ok_or("no --time-varying-covariates")?;
    let path = c.time_varying.as_deref().ok_or("no --time-varying-covariates")?;
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    let table = TimeVaryingTable::from_csv(&text).map_err(|e| format!("{path}: {e}"))?;
    drop(text);
    let unit = s.spec.unit;
    if (table.period_days as f64 - unit.days()).abs() > 1e-9 {
        return Err(format!(
            "{path}: the periods are {} days apart, but the model's unit is {} days (--unit): give one row per customer and {}",
            table.period_days,
            unit.days(),
            if unit.days() == 7.0 { "week" } else { "day" }
        )
        .into());
    }
    let select = |names: &[String]| -> Result<TimeVaryingCovariates, AnyError> {
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        table.covariates.select(&refs).map_err(|_| {
            let missing = names
                .iter()
                .find(|n| !table.covariates.names().contains(n))
                .map_or("", String::as_str);
            format!(
                "{path}: no column `{missing}` (it has {})",
                table.covariates.names().join(", ")
            )
            .into()
        })
    };
    let (pnames, dnames) = match &loaded {
        Some(f) => (f.purchase_covariates.clone(), f.dropout_covariates.clone()),
        None => (c.purchase.clone(), c.dropout.clone()),
    };
    let (purchase, dropout) = (select(&pnames)?, select(&dnames)?);
    let periods = table.covariates.periods();
    let grid_end = table.origin + chrono::Days::new(periods as u64 * table.period_days as u64);

    // The file's customers keyed as the log's print (`001` is customer 1 of a numeric log).
    let numeric = std::any::TypeId::of::<K>() == std::any::TypeId::of::<u64>();
    let mut by_key: HashMap<String, usize, foldhash::fast::RandomState> = HashMap::default();
    for (i, id) in table.ids.iter().enumerate() {
        let key = match id.trim().parse::<u64>() {
            Ok(n) if numeric => n.to_string(),
            _ => id.clone(),
        };
        if let Some(prev) = by_key.insert(key.clone(), i) {
            return Err(format!(
                "{path}: customers `{}` and `{id}` are the same customer {key} of the log (its ids are numbers)",
                table.ids.get(prev).map_or("", String::as_str)
            )
            .into());
        }
    }
    let end = s.spec.summary_end();
    if end > grid_end {
        return Err(format!(
            "{path}: the periods end on {grid_end} (exclusive), before the calibration window does ({end}): the covariates must cover every customer's calibration period"
        )
        .into());
    }
    // Predictions reach past the calibration end by the horizon and the holdout.
    let ahead = o.horizon().max(s.spec.holdout_duration().unwrap_or(0.0));
    let needed = f64::from(end.day_number() - table.origin.day_number()) / unit.days() + ahead;
    if needed > periods as f64 + 1e-9 {
        let last_needed =
            table.origin + chrono::Days::new((needed.ceil() as u64).saturating_mul(table.period_days as u64));
        return Err(format!(
            "{path}: the periods end on {grid_end} (exclusive), but the predictions over {ahead} {} after {end} need covariates up to {last_needed}: add the future periods' rows (e.g. planned seasons) or shorten --horizon",
            o.unit_name()
        )
        .into());
    }

    // The summarised customers in the file, in summary order.
    let mut members: Vec<Option<usize>> = Vec::with_capacity(s.customers.len());
    let mut rows_of: Vec<usize> = Vec::new();
    let mut slot: HashMap<&K, usize, foldhash::fast::RandomState> = HashMap::default();
    for cust in &s.customers {
        match by_key.get(&cust.customer.to_string()) {
            Some(&row) => {
                if cust.first_purchase < table.origin {
                    return Err(format!(
                        "{path}: the periods start on {}, after customer {}'s first purchase ({}): the covariates must cover every customer's calibration period",
                        table.origin, cust.customer, cust.first_purchase
                    )
                    .into());
                }
                slot.insert(&cust.customer, rows_of.len());
                members.push(Some(rows_of.len()));
                rows_of.push(row);
            }
            None => members.push(None),
        }
    }
    let missing = members.iter().filter(|m| m.is_none()).count();
    if rows_of.is_empty() {
        return Err(format!("{path}: no customer of the log is in the time-varying covariate file").into());
    }
    // Each fitted customer's repeat purchase days (purchases collapse by day; a return is
    // not a purchase), as the summaries count them.
    let mut days: Vec<Vec<i32>> = vec![Vec::new(); rows_of.len()];
    let last = end.day_number();
    for ((cust, d), a) in log.customers().iter().zip(log.dates()).zip(log.amounts()) {
        if let Some(&j) = slot.get(cust) {
            let day = d.day_number();
            if day <= last && !a.is_sign_negative() {
                if let Some(v) = days.get_mut(j) {
                    v.push(day);
                }
            }
        }
    }
    let mut customers = Vec::with_capacity(rows_of.len());
    for (cust, m) in s.customers.iter().zip(&members) {
        let Some(j) = *m else { continue };
        let first = cust.first_purchase.day_number();
        let v = days.get_mut(j).ok_or("customer index")?;
        v.sort_unstable();
        v.dedup();
        let buys: Vec<f64> = v
            .iter()
            .filter(|&&d| d > first)
            .map(|&d| f64::from(d - first) / unit.days())
            .collect();
        if buys.len() as u32 != cust.frequency {
            return Err(format!(
                "customer {}: {} repeat purchase days in the log, {} in the summaries",
                cust.customer,
                buys.len(),
                cust.frequency
            )
            .into());
        }
        let birth = f64::from(first - table.origin.day_number()) / table.period_days as f64;
        customers.push(
            TvCustomer::new(birth, buys, cust.age).map_err(|e| format!("customer {}: {e}", cust.customer))?,
        );
    }
    let paths = |t: &TimeVaryingCovariates| -> Result<TimeVaryingCovariates, AnyError> {
        let mut v = Vec::with_capacity(rows_of.len() * periods * t.columns());
        for &row in &rows_of {
            for k in 0..periods {
                v.extend_from_slice(t.row(row, k).unwrap_or(&[]));
            }
        }
        Ok(TimeVaryingCovariates::new(
            t.names().to_vec(),
            rows_of.len(),
            periods,
            v,
        )?)
    };
    let data = TimeVaryingData::new(customers, paths(&purchase)?, paths(&dropout)?)
        .map_err(|e| format!("{path}: {e}"))?;
    let is_loaded = loaded.is_some();
    let fit = match loaded {
        Some(f) => f,
        None => {
            let model = match o.model {
                ModelChoice::Pareto => TvModel::ParetoNbd,
                _ => TvModel::BgNbd,
            };
            match TimeVaryingFit::fit(model, &data, &FitOptions::default()) {
                Ok(f) => f,
                Err(e) => return Ok(Err(format!("--time-varying-covariates: {e}"))),
            }
        }
    };
    let model = fit.model;
    let k = fit.estimates.len() as f64;
    let n = fit.customers as f64;
    let block = json!({
        "file": path,
        "time_varying": true,
        "purchase": pnames,
        "dropout": dnames,
        "constrained": Vec::<String>::new(),
        "regularisation": null,
        "customers_missing": missing,
        "file_rows_unused": (table.ids.len() - rows_of.len()) * periods,
        "file_customers_unused": table.ids.len() - rows_of.len(),
        "customers_fitted": fit.customers,
        "periods": periods,
        "period_days": table.period_days,
        "first_period_start": table.origin,
        "periods_end": grid_end,
        "aic": 2.0 * k - 2.0 * fit.log_likelihood,
        "bic": k * n.ln() - 2.0 * fit.log_likelihood,
        "objective": -fit.log_likelihood / n,
        "iterations": fit.iterations,
        "convergence": fit.convergence,
        "coefficients": fit.coefficients(),
        "loaded": is_loaded,
    });
    let theta = fit.estimates.get(..4).ok_or("baseline parameters")?;
    let baseline: Box<dyn TransactionModel> = match (model, theta) {
        (TvModel::ParetoNbd, [r, alpha, s2, beta]) => {
            Box::new(ParetoNbd::new(*r, *alpha, *s2, *beta)?.with_unit(unit))
        }
        (_, [r, alpha, a, b]) => Box::new(BgNbd::new(*r, *alpha, *a, *b)?.with_unit(unit)),
        _ => return Err("baseline parameters".into()),
    };
    Ok(Ok(PurchaseModel {
        saved: saved(&fit, unit)?,
        names: fit.parameter_names.clone(),
        estimates: fit.estimates.clone(),
        standard_errors: fit.standard_errors.clone(),
        log_likelihood: Some(fit.log_likelihood),
        iterations: (!is_loaded).then_some(fit.iterations),
        boundary: Vec::new(),
        model: baseline,
        posterior: None,
        draws: None,
        covariates: None,
        time_varying: Some(Box::new(TvPrediction {
            fit,
            data,
            members,
            block,
        })),
    }))
}

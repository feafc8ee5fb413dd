//! `--covariates FILE.csv` of the report: the file read (a customer column, then numeric
//! columns), the customers matched to it, the covariate fit of the purchase model, and
//! its per-customer groups for scoring. Customers of the log missing from the file are
//! left out of the fit, counted, and flagged on their rows (`missing_covariates`).

use std::collections::HashMap;

use customer_value::Summaries;
use customer_value::btyd::covariates::{
    CovariateData, CovariateFit, CovariateMatrix, CovariateModel, CovariateOptions, GgomCovariateFit,
    SpendCovariateData, SpendCovariateFit,
};
use customer_value::btyd::{AnySavedModel, BgNbd, MbgNbd, ParetoNbd, SavedForm, TransactionModel};
use customer_value::score::{CustomerCovariates, ModelGroups};
use serde::Serialize;
use serde_json::{Value, json};

use super::models::PurchaseModel;
use super::{AnyError, ModelChoice, Options};

/// The covariate flags of a run.
#[derive(Debug, Clone, Default)]
pub struct CovariateArgs {
    /// `--covariates FILE.csv`.
    pub file: String,
    /// `--purchase-covariates A,B`.
    pub purchase: Vec<String>,
    /// `--dropout-covariates A,B`.
    pub dropout: Vec<String>,
    /// `--constrain A` (repeatable, or A,B).
    pub constrain: Vec<String>,
    /// `--regularise L_PURCHASE,L_DROPOUT`.
    pub regularise: Option<(f64, f64)>,
    /// `--spend-covariates A,B`: covariates of the Gamma-Gamma scale.
    pub spend: Vec<String>,
    /// `--time-varying-covariates FILE.csv` (then `file` is empty: the columns are chosen
    /// from this file).
    pub time_varying: Option<String>,
}

/// Parses `A,B` into names (empty names refused).
pub fn names(flag: &str, s: &str) -> Result<Vec<String>, String> {
    let v: Vec<String> = s.split(',').map(|n| n.trim().to_owned()).collect();
    if v.iter().any(String::is_empty) {
        return Err(format!("{flag}: `{s}` has an empty covariate name"));
    }
    Ok(v)
}

/// Parses `L_PURCHASE,L_DROPOUT` (both finite and ≥ 0).
pub fn lambdas(s: &str) -> Result<(f64, f64), String> {
    let v: Vec<f64> = s
        .split(',')
        .map(|x| {
            x.trim()
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite() && *v >= 0.0)
        })
        .collect::<Option<_>>()
        .ok_or_else(|| format!("--regularise: `{s}` is not L_PURCHASE,L_DROPOUT (two numbers ≥ 0)"))?;
    match v.as_slice() {
        [p, d] => Ok((*p, *d)),
        _ => Err(format!(
            "--regularise: `{s}` is not L_PURCHASE,L_DROPOUT (two numbers ≥ 0)"
        )),
    }
}

/// The checks of the parsers: the covariate flags need `--covariates` and name columns
/// (unless the model is loaded: then its covariates are the saved model's); the
/// combinations not (yet) available are refused with a message.
pub fn check(o: &Options) -> Result<(), String> {
    let Some(c) = &o.covariates else {
        return Ok(());
    };
    if c.time_varying.is_some() {
        return super::time_varying::refused(o).map_or(Ok(()), Err);
    }
    if o.load_model.is_some() {
        let chosen =
            !(c.purchase.is_empty() && c.dropout.is_empty() && c.spend.is_empty() && c.constrain.is_empty())
                || c.regularise.is_some();
        if chosen {
            return Err("--covariates with --load-model: the covariates are the saved model's (no --purchase-covariates, --dropout-covariates, --spend-covariates, --constrain or --regularise)".to_owned());
        }
        return Ok(());
    }
    if c.purchase.is_empty() && c.dropout.is_empty() {
        return Err("--covariates needs --purchase-covariates and/or --dropout-covariates".to_owned());
    }
    if !c.spend.is_empty() && !o.read.has_amount() {
        return Err("--spend-covariates needs an amount column (not --no-amount)".to_owned());
    }
    for n in &c.constrain {
        if !(c.purchase.contains(n) && c.dropout.contains(n)) {
            return Err(format!(
                "--constrain {n}: a constrained covariate must be in both --purchase-covariates and --dropout-covariates"
            ));
        }
    }
    let intervals_refused = o.intervals.is_some_and(|iv| {
        matches!(
            o.model,
            ModelChoice::ModifiedBetaGeometric | ModelChoice::GammaGompertz
        ) || iv.method == customer_value::btyd::uncertainty::IntervalMethod::Bootstrap
            || !c.spend.is_empty()
    });
    let refused = [
        (o.bayes, "--bayes"),
        (
            intervals_refused,
            "--intervals with --model mbgnbd or ggomnbd, --interval-method bootstrap or --spend-covariates",
        ),
    ];
    if let Some((_, flag)) = refused.iter().find(|(on, _)| *on) {
        return Err(format!("--covariates is not available with {flag} yet"));
    }
    Ok(())
}

/// The covariate file: its column names (after the customer column) and each customer's
/// values, keyed by the customer as written in the file.
pub struct CovariateFile {
    pub names: Vec<String>,
    pub rows: HashMap<String, Vec<f64>, foldhash::fast::RandomState>,
}

impl CovariateFile {
    /// The rows keyed as the log's customers print: when the log's ids are numbers
    /// (`numeric`), a file id that is a number is matched as that number (`001` is
    /// customer 1, as the log's reader parses it); otherwise ids match as text. Two file
    /// ids that are the same number are an error.
    fn keyed(
        &self,
        path: &str,
        numeric: bool,
    ) -> Result<HashMap<String, &[f64], foldhash::fast::RandomState>, AnyError> {
        let mut out: HashMap<String, &[f64], foldhash::fast::RandomState> = HashMap::default();
        let mut first: HashMap<String, &str, foldhash::fast::RandomState> = HashMap::default();
        for (id, row) in &self.rows {
            let key = match id.trim().parse::<u64>() {
                Ok(n) if numeric => n.to_string(),
                _ => id.clone(),
            };
            if let Some(prev) = first.insert(key.clone(), id) {
                return Err(format!(
                    "{path}: customers `{prev}` and `{id}` are the same customer {key} of the log (its ids are numbers)"
                )
                .into());
            }
            out.insert(key, row.as_slice());
        }
        Ok(out)
    }
}

/// Whether the log's customer ids were read as numbers.
fn numeric_ids<K: 'static>() -> bool {
    std::any::TypeId::of::<K>() == std::any::TypeId::of::<u64>()
}

/// Reads `path`: a header, the first column the customer (as the log writes it), the
/// others numbers. A value that is not a finite number is an error naming the file, line
/// and column; so is a customer given twice.
pub fn read(path: &str) -> Result<CovariateFile, AnyError> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    let mut lines = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty());
    let (_, header) = lines.next().ok_or_else(|| format!("{path}: empty file"))?;
    let header: Vec<String> = header
        .trim_start_matches('\u{feff}')
        .split(',')
        .map(unquote)
        .collect();
    if header.len() < 2 {
        return Err(
            format!("{path}: line 1: the header needs a customer column and at least one covariate").into(),
        );
    }
    let names: Vec<String> = header.iter().skip(1).cloned().collect();
    let mut rows: HashMap<String, Vec<f64>, foldhash::fast::RandomState> = HashMap::default();
    for (i, line) in lines {
        let line_no = i + 1;
        let cells: Vec<String> = line.split(',').map(unquote).collect();
        if cells.len() != header.len() {
            return Err(format!(
                "{path}: line {line_no}: {} fields, the header has {}",
                cells.len(),
                header.len()
            )
            .into());
        }
        let mut values = Vec::with_capacity(names.len());
        for (cell, name) in cells.iter().skip(1).zip(&names) {
            let v = cell
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| {
                    format!("{path}: line {line_no}: column `{name}`: `{cell}` is not a number")
                })?;
            values.push(v);
        }
        let customer = cells.first().cloned().unwrap_or_default();
        if rows.insert(customer.clone(), values).is_some() {
            return Err(format!("{path}: line {line_no}: customer `{customer}` is given twice").into());
        }
    }
    Ok(CovariateFile { names, rows })
}

fn unquote(s: &str) -> String {
    let t = s.trim();
    t.strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or(t)
        .to_owned()
}

/// The columns `names` of the file, by position.
fn columns(path: &str, file: &CovariateFile, names: &[String]) -> Result<Vec<usize>, AnyError> {
    names
        .iter()
        .map(|n| {
            file.names
                .iter()
                .position(|m| m == n)
                .ok_or_else(|| format!("{path}: no column `{n}` (it has {})", file.names.join(", ")).into())
        })
        .collect()
}

/// The summaries' customers matched to the file: the purchase and dropout matrices (0
/// for a missing customer) of columns `purchase` and `dropout`, who is present, and the
/// rows of the file no customer used.
fn matched<K: std::fmt::Display + 'static>(
    path: &str,
    (purchase, dropout, spend): (&[String], &[String], &[String]),
    file: &CovariateFile,
    s: &Summaries<K>,
) -> Result<(CustomerCovariates, usize), AnyError> {
    // Checked here so that a bad spend column is an error before any fit.
    columns(path, file, spend)?;
    let p = columns(path, file, purchase)?;
    let d = columns(path, file, dropout)?;
    let rows = file.keyed(path, numeric_ids::<K>())?;
    let n = s.customers.len();
    let (mut pv, mut dv) = (Vec::with_capacity(n * p.len()), Vec::with_capacity(n * d.len()));
    let mut present = Vec::with_capacity(n);
    let mut used = 0;
    for cust in &s.customers {
        let row = rows.get(&cust.customer.to_string()).copied();
        present.push(row.is_some());
        used += usize::from(row.is_some());
        let at = |j: &usize| row.and_then(|r| r.get(*j)).copied().unwrap_or(0.0);
        pv.extend(p.iter().map(at));
        dv.extend(d.iter().map(at));
    }
    let pm = CovariateMatrix::new(purchase.to_vec(), n, pv)?;
    let dm = CovariateMatrix::new(dropout.to_vec(), n, dv)?;
    Ok((CustomerCovariates::new(pm, dm, present)?, rows.len() - used))
}

/// The covariate fit of `o.model` on the customers with covariates, as the report's
/// purchase model (coefficients join its parameters), with its scoring groups. A bad file
/// or column is an error of the run (exit 1); a fit that fails is the report's model error.
pub fn purchase_model<K: std::fmt::Display + Clone + 'static>(
    o: &Options,
    s: &Summaries<K>,
) -> Result<Result<PurchaseModel, String>, AnyError> {
    let c = o.covariates.as_ref().ok_or("no --covariates")?;
    let file = read(&c.file)?;
    let (covs, unused) = matched(&c.file, (&c.purchase, &c.dropout, &c.spend), &file, s)?;
    let mut options = CovariateOptions::default();
    if let Some((lp, ld)) = c.regularise {
        options = options.with_regularisation(lp, ld)?;
    }
    for n in &c.constrain {
        options = options.with_constraint(n);
    }
    // CLVTools' parametrisation: one dropout vector (`dropout.<name>`) for BG/NBD too.
    options = options.with_shared_dropout();
    let block = |fit_groups: usize| {
        json!({
            "file": c.file,
            "purchase": c.purchase,
            "dropout": c.dropout,
            "constrained": c.constrain,
            "regularisation": c.regularise.map(|(p, d)| json!({"purchase": p, "dropout": d})),
            "customers_missing": covs.missing(),
            "file_rows_unused": unused,
            "covariate_groups": fit_groups,
        })
    };
    if covs.missing() as usize == s.customers.len() {
        return Err(format!("{}: no customer of the log is in the covariate file", c.file).into());
    }
    let fitted = match o.model {
        ModelChoice::BetaGeometric => fit::<BgNbd, K>(s, &covs, &options, block),
        ModelChoice::Pareto => fit::<ParetoNbd, K>(s, &covs, &options, block),
        ModelChoice::ModifiedBetaGeometric => fit::<MbgNbd, K>(s, &covs, &options, block),
        ModelChoice::GammaGompertz => fit_ggom(s, &covs, &options, block),
    };
    Ok(fitted.map_err(|e| e.to_string()))
}

fn fit<M, K>(
    s: &Summaries<K>,
    covs: &CustomerCovariates,
    options: &CovariateOptions,
    block: impl Fn(usize) -> Value,
) -> Result<PurchaseModel, AnyError>
where
    M: CovariateModel + SavedForm + TransactionModel + Serialize + 'static,
    M::Params: Serialize + Clone,
{
    let keep: Vec<usize> = (0..s.customers.len())
        .filter(|&i| covs.rows(i).is_some())
        .collect();
    if keep.is_empty() {
        return Err("--covariates: no customer of the log is in the covariate file".into());
    }
    let pick = |f: &dyn Fn(usize) -> f64| keep.iter().map(|&i| f(i)).collect::<Vec<f64>>();
    let cust = |i: usize| s.customers.get(i);
    let x = pick(&|i| cust(i).map_or(0.0, |c| f64::from(c.frequency)));
    let tx = pick(&|i| cust(i).map_or(0.0, |c| c.recency));
    let t = pick(&|i| cust(i).map_or(0.0, |c| c.age));
    let sub = |names: &[String], which: usize| -> Result<CovariateMatrix, AnyError> {
        let mut v = Vec::new();
        for &i in &keep {
            let (p, d) = covs.rows(i).unwrap_or((&[], &[]));
            v.extend_from_slice(if which == 0 { p } else { d });
        }
        Ok(CovariateMatrix::new(names.to_vec(), keep.len(), v)?)
    };
    let (pn, dn) = covs.names();
    let data = CovariateData::new(&x, &tx, &t, sub(pn, 0)?, sub(dn, 1)?)?.with_unit(s.spec.unit);
    let fit = CovariateFit::<M>::fit(&data, options)?;
    let groups = ModelGroups::from_covariates(&fit, covs)?;
    let mut info = block(groups.groups());
    if let Some(obj) = info.as_object_mut() {
        obj.insert("aic".to_owned(), json!(fit.aic()));
        obj.insert("bic".to_owned(), json!(fit.bic()));
        obj.insert("objective".to_owned(), json!(fit.objective));
        obj.insert("customers_fitted".to_owned(), json!(fit.customers));
    }
    with_groups(fit, groups, info)
}

/// [`fit`] for GGom/NBD (its own covariate fit: five baseline parameters).
fn fit_ggom<K>(
    s: &Summaries<K>,
    covs: &CustomerCovariates,
    options: &CovariateOptions,
    block: impl Fn(usize) -> Value,
) -> Result<PurchaseModel, AnyError> {
    let keep: Vec<usize> = (0..s.customers.len())
        .filter(|&i| covs.rows(i).is_some())
        .collect();
    let pick = |f: &dyn Fn(&customer_value::CustomerSummary<K>) -> f64| -> Vec<f64> {
        keep.iter().filter_map(|&i| s.customers.get(i)).map(f).collect()
    };
    let (x, tx, t) = (
        pick(&|c| f64::from(c.frequency)),
        pick(&|c| c.recency),
        pick(&|c| c.age),
    );
    let sub = |names: &[String], which: usize| -> Result<CovariateMatrix, AnyError> {
        let mut v = Vec::new();
        for &i in &keep {
            let (p, d) = covs.rows(i).unwrap_or((&[], &[]));
            v.extend_from_slice(if which == 0 { p } else { d });
        }
        Ok(CovariateMatrix::new(names.to_vec(), keep.len(), v)?)
    };
    let (pn, dn) = covs.names();
    let data = CovariateData::new(&x, &tx, &t, sub(pn, 0)?, sub(dn, 1)?)?.with_unit(s.spec.unit);
    let fit = GgomCovariateFit::fit(&data, options)?;
    let groups = ModelGroups::from_ggom_covariates(&fit, covs)?;
    let mut info = block(groups.groups());
    if let Some(obj) = info.as_object_mut() {
        obj.insert("aic".to_owned(), json!(fit.aic()));
        obj.insert("bic".to_owned(), json!(fit.bic()));
        obj.insert("objective".to_owned(), json!(fit.objective));
        obj.insert("customers_fitted".to_owned(), json!(fit.customers));
    }
    ggom_with_groups(fit, groups, info)
}

fn ggom_with_groups(
    fit: GgomCovariateFit,
    groups: ModelGroups,
    mut info: Value,
) -> Result<PurchaseModel, AnyError> {
    if let Some(obj) = info.as_object_mut() {
        obj.insert(
            "coefficients".to_owned(),
            serde_json::to_value(fit.coefficients())?,
        );
    }
    Ok(PurchaseModel {
        saved: serde_json::to_value(fit.to_saved())?,
        names: fit.parameter_names.clone(),
        estimates: fit.estimates.clone(),
        standard_errors: fit.standard_errors.clone(),
        log_likelihood: Some(fit.log_likelihood),
        iterations: Some(fit.iterations),
        boundary: Vec::new(),
        model: Box::new(fit.model),
        posterior: None,
        draws: None,
        covariates: Some((groups, info)),
        time_varying: None,
    })
}

/// The report's purchase model of a covariate fit (fitted or loaded) with its scoring
/// groups and JSON block (to which the coefficients are added).
fn with_groups<M>(
    fit: CovariateFit<M>,
    groups: ModelGroups,
    mut info: Value,
) -> Result<PurchaseModel, AnyError>
where
    M: CovariateModel + SavedForm + TransactionModel + Serialize + 'static,
    M::Params: Serialize + Clone,
{
    if let Some(obj) = info.as_object_mut() {
        obj.insert(
            "coefficients".to_owned(),
            serde_json::to_value(fit.coefficients())?,
        );
    }
    let saved = serde_json::to_value(fit.to_saved())?;
    Ok(PurchaseModel {
        saved,
        names: fit.parameter_names.clone(),
        estimates: fit.estimates.clone(),
        standard_errors: fit.standard_errors.clone(),
        log_likelihood: Some(fit.log_likelihood),
        iterations: Some(fit.iterations),
        boundary: Vec::new(),
        model: Box::new(fit.model),
        posterior: None,
        draws: None,
        covariates: Some((groups, info)),
        time_varying: None,
    })
}

/// A saved covariate model (`--load-model` of a format-2 file) with `--covariates FILE`:
/// the fit as saved (its baseline re-expressed exactly in `unit`: the covariate factors
/// scale rates and carry no unit), the customers matched to the file by the saved
/// model's covariate names, and the JSON block.
pub fn loaded_purchase_model<K: std::fmt::Display + 'static>(
    o: &Options,
    s: &Summaries<K>,
    saved: &AnySavedModel,
    file: &str,
) -> Result<PurchaseModel, AnyError> {
    let Some(c) = o.covariates.as_ref() else {
        return Err(format!(
            "{file}: the saved model has covariates: give the customers' covariates with --covariates FILE.csv"
        )
        .into());
    };
    let table = read(&c.file)?;
    fn go<M, K: std::fmt::Display + 'static>(
        mut fit: CovariateFit<M>,
        convert: impl Fn(&M) -> customer_value::Result<M>,
        c: &CovariateArgs,
        table: &CovariateFile,
        s: &Summaries<K>,
    ) -> Result<PurchaseModel, AnyError>
    where
        M: CovariateModel + SavedForm + TransactionModel + Serialize + 'static,
        M::Params: Serialize + Clone,
    {
        let same_unit = fit.model.unit() == Some(s.spec.unit);
        fit.model = convert(&fit.model)?;
        if !same_unit {
            // The standard errors are the fit's, in the saved unit.
            fit.standard_errors = None;
        }
        let (covs, unused) = matched(
            &c.file,
            (&fit.purchase_covariates, &fit.dropout_covariates, &[]),
            table,
            s,
        )?;
        if covs.missing() as usize == s.customers.len() {
            return Err(format!("{}: no customer of the log is in the covariate file", c.file).into());
        }
        let groups = ModelGroups::from_covariates(&fit, &covs)?;
        let info = json!({
            "file": c.file,
            "purchase": fit.purchase_covariates,
            "dropout": fit.dropout_covariates,
            "constrained": fit.options.constrained,
            "regularisation": (fit.options.lambda_purchase > 0.0 || fit.options.lambda_dropout > 0.0)
                .then(|| json!({"purchase": fit.options.lambda_purchase, "dropout": fit.options.lambda_dropout})),
            "customers_missing": covs.missing(),
            "file_rows_unused": unused,
            "covariate_groups": groups.groups(),
            "aic": fit.aic(),
            "bic": fit.bic(),
            "objective": fit.objective,
            "customers_fitted": fit.customers,
            "loaded": true,
        });
        let mut m = with_groups(fit, groups, info)?;
        m.iterations = None;
        Ok(m)
    }
    let unit = s.spec.unit;
    let need_unit = |u: Option<customer_value::TimeUnit>| -> Result<(), AnyError> {
        u.map(drop).ok_or_else(|| {
            format!("{file}: the saved purchase model has no time unit (unit_days null)").into()
        })
    };
    let e = |e: customer_value::Error| -> AnyError { format!("{file}: {e}").into() };
    match saved {
        AnySavedModel::ParetoNbd(m) => {
            let fit = CovariateFit::<ParetoNbd>::from_saved(m).map_err(e)?;
            need_unit(fit.model.unit())?;
            go(fit, |m| m.in_unit(unit), c, &table, s)
        }
        AnySavedModel::BgNbd(m) => {
            let fit = CovariateFit::<BgNbd>::from_saved(m).map_err(e)?;
            need_unit(fit.model.unit())?;
            go(fit, |m| m.in_unit(unit), c, &table, s)
        }
        AnySavedModel::MbgNbd(m) => {
            let fit = CovariateFit::<MbgNbd>::from_saved(m).map_err(e)?;
            need_unit(fit.model.unit())?;
            go(fit, |m| m.in_unit(unit), c, &table, s)
        }
        AnySavedModel::GgomNbd(m) => {
            let fit = GgomCovariateFit::from_saved(m).map_err(e)?;
            let from = fit.model.unit().ok_or_else(|| {
                format!("{file}: the saved purchase model has no time unit (unit_days null)")
            })?;
            if from != unit {
                return Err(format!(
                    "{file}: the saved model is in units of {} days and cannot be converted to --unit ({} days)",
                    from.days(),
                    unit.days()
                )
                .into());
            }
            let (covs, unused) = matched(
                &c.file,
                (&fit.purchase_covariates, &fit.dropout_covariates, &[]),
                &table,
                s,
            )?;
            let groups = ModelGroups::from_ggom_covariates(&fit, &covs)?;
            let info = json!({
                "file": c.file,
                "purchase": fit.purchase_covariates,
                "dropout": fit.dropout_covariates,
                "constrained": fit.options.constrained,
                "customers_missing": covs.missing(),
                "file_rows_unused": unused,
                "covariate_groups": groups.groups(),
                "aic": fit.aic(),
                "bic": fit.bic(),
                "objective": fit.objective,
                "customers_fitted": fit.customers,
                "loaded": true,
            });
            let mut m = ggom_with_groups(fit, groups, info)?;
            m.iterations = None;
            Ok(m)
        }
        other => Err(format!(
            "{file}: a `{}` model with covariates is not one the report scores",
            other.tag()
        )
        .into()),
    }
}

/// A saved spend model with covariates (`spend_model` of a format-2 model file): the fit,
/// each customer's spend row from `--covariates FILE` (0 for a missing customer), and
/// the JSON of the spend model.
pub fn loaded_spend_model<K: std::fmt::Display + 'static>(
    o: &Options,
    s: &Summaries<K>,
    saved: &AnySavedModel,
    file: &str,
) -> Result<SpendFit, AnyError> {
    let AnySavedModel::GammaGamma(m) = saved else {
        return Err(format!("{file}: the spend model is not a Gamma-Gamma model").into());
    };
    let fit = SpendCovariateFit::from_saved(m).map_err(|e| format!("{file}: {e}"))?;
    let c = o.covariates.as_ref().ok_or_else(|| {
        format!("{file}: the saved spend model has covariates: give them with --covariates FILE.csv")
    })?;
    let table = read(&c.file)?;
    let (rows, missing) = spend_rows(&c.file, &fit.covariates, &table, s)?;
    let doc = spend_doc(&fit, &fit.covariates, missing);
    Ok((fit, rows, doc))
}

/// Each customer's spend covariate row (0 for a missing customer) and the customers
/// missing.
fn spend_rows<K: std::fmt::Display + 'static>(
    path: &str,
    names: &[String],
    table: &CovariateFile,
    s: &Summaries<K>,
) -> Result<(CovariateMatrix, usize), AnyError> {
    let idx = columns(path, table, names)?;
    let rows = table.keyed(path, numeric_ids::<K>())?;
    let mut all = Vec::with_capacity(s.customers.len() * idx.len());
    let mut missing = 0;
    for cust in &s.customers {
        let row = rows.get(&cust.customer.to_string()).copied();
        missing += usize::from(row.is_none());
        all.extend(
            idx.iter()
                .map(|&j| row.and_then(|r| r.get(j)).copied().unwrap_or(0.0)),
        );
    }
    Ok((
        CovariateMatrix::new(names.to_vec(), s.customers.len(), all)?,
        missing,
    ))
}

/// The JSON of a spend fit with covariates.
fn spend_doc(fit: &SpendCovariateFit, names: &[String], missing: usize) -> Value {
    let by_name = |v: &[f64]| -> serde_json::Map<String, Value> {
        fit.parameter_names
            .iter()
            .zip(v)
            .map(|(k, v)| (k.clone(), json!(v)))
            .collect()
    };
    json!({
        "params": by_name(&fit.estimates),
        "standard_errors": fit.standard_errors.as_deref().map(by_name),
        "log_likelihood": fit.log_likelihood,
        "covariates": names,
        "customers_fitted": fit.customers,
        "customers_missing": missing,
        "coefficients": fit.coefficients(),
    })
}

/// The spend fit with covariates, each customer's spend row, and its JSON.
pub type SpendFit = (SpendCovariateFit, CovariateMatrix, Value);

/// `--spend-covariates`: the Gamma-Gamma fit with covariates on the customers of the file
/// (the others left out, with those without repeats or positive spend), the customers'
/// spend rows (0 for a missing customer), and the JSON of the spend model.
pub fn spend_model<K: std::fmt::Display + 'static>(
    o: &Options,
    s: &Summaries<K>,
) -> Result<Option<Result<SpendFit, String>>, AnyError> {
    let Some(c) = o.covariates.as_ref().filter(|c| !c.spend.is_empty()) else {
        return Ok(None);
    };
    let file = read(&c.file)?;
    let (rows, missing) = spend_rows(&c.file, &c.spend, &file, s)?;
    let keyed = file.keyed(&c.file, numeric_ids::<K>())?;
    let (mut kept, mut x, mut m) = (Vec::new(), Vec::new(), Vec::new());
    for (i, cust) in s.customers.iter().enumerate() {
        if keyed.contains_key(&cust.customer.to_string()) {
            kept.extend_from_slice(rows.row(i).unwrap_or(&[]));
            x.push(f64::from(cust.frequency));
            m.push(customer_value::money::to_f64(cust.monetary_value));
        }
    }
    let fit_rows = CovariateMatrix::new(c.spend.clone(), x.len(), kept)?;
    // A spend fit that fails is the report's spend model error, not the run's.
    let fitted = SpendCovariateData::new(&x, &m, &fit_rows)
        .and_then(|data| SpendCovariateFit::fit(&data, &customer_value::btyd::FitOptions::default()));
    let fit = match fitted {
        Ok(f) => f,
        Err(e) => return Ok(Some(Err(format!("--spend-covariates: {e}")))),
    };
    let doc = spend_doc(&fit, &c.spend, missing);
    Ok(Some(Ok((fit, rows, doc))))
}

/// `--intervals` of a covariate fit (delta or sampling over the whole parameter vector,
/// coefficients included): P(alive), holdout purchases and CLV of each customer with
/// covariates (a customer missing from the file has no bounds). The CLV bounds carry the
/// purchase model's uncertainty only (the spend model at its estimate): the header says
/// so.
pub fn intervals<K: std::fmt::Display + Clone + Ord + 'static>(
    o: &Options,
    s: &Summaries<K>,
    purchase: &PurchaseModel,
    spend: Option<&customer_value::btyd::GammaGamma>,
    iv: super::IntervalOptions,
) -> Result<super::intervals::IntervalColumns, AnyError> {
    let saved = AnySavedModel::from_json(&purchase.saved.to_string())?;
    match &saved {
        AnySavedModel::ParetoNbd(m) => {
            intervals_of(o, s, &CovariateFit::<ParetoNbd>::from_saved(m)?, spend, iv)
        }
        AnySavedModel::BgNbd(m) => intervals_of(o, s, &CovariateFit::<BgNbd>::from_saved(m)?, spend, iv),
        other => Err(format!(
            "--intervals with --covariates is available for --model pnbd and bgnbd (not `{}`)",
            other.tag()
        )
        .into()),
    }
}

fn intervals_of<M, K>(
    o: &Options,
    s: &Summaries<K>,
    fit: &CovariateFit<M>,
    spend: Option<&customer_value::btyd::GammaGamma>,
    iv: super::IntervalOptions,
) -> Result<super::intervals::IntervalColumns, AnyError>
where
    M: CovariateModel + TransactionModel,
    K: std::fmt::Display + Clone + Ord + 'static,
{
    use customer_value::btyd::covariates::{CovariateIntervalSpec, covariate_intervals};
    use customer_value::btyd::uncertainty::{IntervalLevel, IntervalMethod, Scale};
    use customer_value::btyd::{ClvSpec, Margin, SummarySlices, clv_batch};
    let c = o.covariates.as_ref().ok_or("no --covariates")?;
    let table = read(&c.file)?;
    let (covs, _) = matched(
        &c.file,
        (&fit.purchase_covariates, &fit.dropout_covariates, &[]),
        &table,
        s,
    )?;
    let keep: Vec<usize> = (0..s.customers.len())
        .filter(|&i| covs.rows(i).is_some())
        .collect();
    let cust = |j: usize| keep.get(j).and_then(|&i| s.customers.get(i));
    let col = |f: &dyn Fn(&customer_value::CustomerSummary<K>) -> f64| -> Vec<f64> {
        keep.iter().filter_map(|&i| s.customers.get(i)).map(f).collect()
    };
    let (x, tx, t) = (
        col(&|c| f64::from(c.frequency)),
        col(&|c| c.recency),
        col(&|c| c.age),
    );
    let sub = |which: usize, names: &[String]| -> Result<CovariateMatrix, AnyError> {
        let mut v = Vec::new();
        for &i in &keep {
            let (p, d) = covs.rows(i).unwrap_or((&[], &[]));
            v.extend_from_slice(if which == 0 { p } else { d });
        }
        Ok(CovariateMatrix::new(names.to_vec(), keep.len(), v)?)
    };
    let data = CovariateData::new(
        &x,
        &tx,
        &t,
        sub(0, &fit.purchase_covariates)?,
        sub(1, &fit.dropout_covariates)?,
    )?
    .with_unit(s.spec.unit);
    let cov = fit.covariance(&data)?;
    let level = IntervalLevel::new(iv.level)?;
    let spec = |scale: Scale| match iv.method {
        IntervalMethod::Delta => CovariateIntervalSpec::delta(level, scale),
        _ => CovariateIntervalSpec::sampling(level, o.draws.unwrap_or(200), o.seed),
    };
    let summary = |i: usize| {
        data.summary(i).ok_or(customer_value::Error::EmptyInput {
            what: "covariate customer",
        })
    };
    // Each band back in the customers' order, NaN (no bounds) for a customer without
    // covariates.
    let spread = |b: customer_value::btyd::uncertainty::Intervals| -> super::intervals::Band {
        let n = s.customers.len();
        let (mut lower, mut upper) = (vec![f64::NAN; n], vec![f64::NAN; n]);
        for (j, &i) in keep.iter().enumerate() {
            if let (Some(l), Some(u), Some(a), Some(b2)) =
                (b.lower.get(j), b.upper.get(j), lower.get_mut(i), upper.get_mut(i))
            {
                (*a, *b2) = (*l, *u);
            }
        }
        super::intervals::Band {
            lower,
            upper,
            draws: b.draws,
            excluded: b.excluded,
        }
    };
    let p_alive = covariate_intervals(
        fit,
        &cov,
        &data,
        |m: &M, i| {
            let (x, tx, t) = summary(i)?;
            m.probability_alive(x, tx, t)
        },
        &spec(Scale::Logit),
    )?;
    let holdout_t = s
        .columns()
        .holdout
        .as_ref()
        .and_then(|h| h.duration.first().copied());
    let holdout = holdout_t
        .map(|h| {
            covariate_intervals(
                fit,
                &cov,
                &data,
                |m: &M, i| {
                    let (x, tx, t) = summary(i)?;
                    m.expected_purchases(h, x, tx, t)
                },
                &spec(Scale::Log),
            )
        })
        .transpose()?;
    let clv_spec = ClvSpec::new(o.unit, o.horizon(), super::annual(o.discount_rate)?)?;
    let clv = spend
        .map(|g| {
            covariate_intervals(
                fit,
                &cov,
                &data,
                |m: &M, i| {
                    let (x, tx, t) = summary(i)?;
                    let spent = cust(i).map_or(0.0, |c| customer_value::money::to_f64(c.monetary_value));
                    let margin = Margin::FractionOfSpend {
                        fraction: o.margin,
                        spend: g,
                    };
                    let v = clv_batch(
                        m,
                        margin,
                        &clv_spec,
                        SummarySlices::new(&[x], &[tx], &[t])?,
                        &[spent],
                    )?;
                    v.first()
                        .copied()
                        .ok_or(customer_value::Error::EmptyInput { what: "CLV" })
                },
                &spec(Scale::Log),
            )
        })
        .transpose()?;
    let method = if iv.method == IntervalMethod::Delta {
        "delta"
    } else {
        "sampling"
    };
    let p = spread(p_alive);
    let header = json!({
        "level": iv.level,
        "method": method,
        "draws": p.draws,
        "excluded": p.excluded,
        "seed": o.seed,
        "parameters": fit.parameter_names,
        "customers_without_covariates": covs.missing(),
        "clv_uncertainty": "purchase model (baseline and coefficients); spend model at its estimate",
    });
    Ok(super::intervals::IntervalColumns {
        p_alive: p,
        holdout: holdout.map(&spread),
        clv: clv.map(&spread),
        header,
    })
}

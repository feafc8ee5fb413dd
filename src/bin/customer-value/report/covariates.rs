//! `--covariates FILE.csv` of the report: the file read (a customer column, then numeric
//! columns), the customers matched to it, the covariate fit of the purchase model, and
//! its per-customer groups for scoring. Customers of the log missing from the file are
//! left out of the fit, counted, and flagged on their rows (`missing_covariates`).

use std::collections::HashMap;

use customer_value::Summaries;
use customer_value::btyd::covariates::{
    CovariateData, CovariateFit, CovariateMatrix, CovariateModel, CovariateOptions, SpendCovariateData,
    SpendCovariateFit,
};
use customer_value::btyd::{BgNbd, MbgNbd, ParetoNbd, SavedForm, TransactionModel};
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

/// The checks of the parsers: the covariate flags need `--covariates` and name columns;
/// the combinations not (yet) available are refused with a message.
pub fn check(o: &Options) -> Result<(), String> {
    let Some(c) = &o.covariates else {
        return Ok(());
    };
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
    let refused = [
        (o.model == ModelChoice::GammaGompertz, "--model ggomnbd"),
        (o.bayes, "--bayes"),
        (o.intervals.is_some(), "--intervals"),
        (o.load_model.is_some(), "--load-model"),
        (o.save_model.is_some(), "--save-model"),
    ];
    if let Some((_, flag)) = refused.iter().find(|(on, _)| *on) {
        return Err(format!("--covariates is not available with {flag} yet"));
    }
    Ok(())
}

/// The covariate file: its column names (after the customer column) and each customer's
/// values.
pub struct CovariateFile {
    pub names: Vec<String>,
    pub rows: HashMap<String, Vec<f64>, foldhash::fast::RandomState>,
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

/// The summaries' customers matched to the file: the purchase and dropout matrices (0
/// for a missing customer), who is present, and the rows of the file no customer used.
fn matched<K: std::fmt::Display>(
    c: &CovariateArgs,
    file: &CovariateFile,
    s: &Summaries<K>,
) -> Result<(CustomerCovariates, usize), AnyError> {
    let col = |n: &String| -> Result<usize, AnyError> {
        file.names
            .iter()
            .position(|m| m == n)
            .ok_or_else(|| format!("{}: no column `{n}` (it has {})", c.file, file.names.join(", ")).into())
    };
    // Checked here so that a bad spend column is an error before any fit.
    c.spend.iter().map(col).collect::<Result<Vec<_>, _>>()?;
    let p: Vec<usize> = c.purchase.iter().map(col).collect::<Result<_, _>>()?;
    let d: Vec<usize> = c.dropout.iter().map(col).collect::<Result<_, _>>()?;
    let n = s.customers.len();
    let (mut pv, mut dv) = (Vec::with_capacity(n * p.len()), Vec::with_capacity(n * d.len()));
    let mut present = Vec::with_capacity(n);
    let mut used = 0;
    for cust in &s.customers {
        let row = file.rows.get(&cust.customer.to_string());
        present.push(row.is_some());
        used += usize::from(row.is_some());
        let at = |j: &usize| row.and_then(|r| r.get(*j)).copied().unwrap_or(0.0);
        pv.extend(p.iter().map(at));
        dv.extend(d.iter().map(at));
    }
    let pm = CovariateMatrix::new(c.purchase.clone(), n, pv)?;
    let dm = CovariateMatrix::new(c.dropout.clone(), n, dv)?;
    Ok((CustomerCovariates::new(pm, dm, present)?, file.rows.len() - used))
}

/// The covariate fit of `o.model` on the customers with covariates, as the report's
/// purchase model (coefficients join its parameters), with its scoring groups. A bad file
/// or column is an error of the run (exit 1); a fit that fails is the report's model error.
pub fn purchase_model<K: std::fmt::Display + Clone>(
    o: &Options,
    s: &Summaries<K>,
) -> Result<Result<PurchaseModel, String>, AnyError> {
    let c = o.covariates.as_ref().ok_or("no --covariates")?;
    let file = read(&c.file)?;
    let (covs, unused) = matched(c, &file, s)?;
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
        ModelChoice::GammaGompertz => Err("--covariates is not available with --model ggomnbd yet".into()),
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
    M::Params: Serialize,
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
        obj.insert(
            "coefficients".to_owned(),
            serde_json::to_value(fit.coefficients())?,
        );
    }
    let saved = serde_json::to_value(&fit)?;
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
    })
}

/// The spend fit with covariates, each customer's spend row, and its JSON.
pub type SpendFit = (SpendCovariateFit, CovariateMatrix, Value);

/// `--spend-covariates`: the Gamma-Gamma fit with covariates on the customers of the file
/// (the others left out, with those without repeats or positive spend), the customers'
/// spend rows (0 for a missing customer), and the JSON of the spend model.
pub fn spend_model<K: std::fmt::Display>(
    o: &Options,
    s: &Summaries<K>,
) -> Result<Option<Result<SpendFit, String>>, AnyError> {
    let Some(c) = o.covariates.as_ref().filter(|c| !c.spend.is_empty()) else {
        return Ok(None);
    };
    let file = read(&c.file)?;
    let idx: Vec<usize> = c
        .spend
        .iter()
        .map(|n| {
            file.names
                .iter()
                .position(|m| m == n)
                .ok_or_else(|| format!("{}: no column `{n}`", c.file))
        })
        .collect::<Result<_, _>>()?;
    let n = s.customers.len();
    let (mut all, mut kept, mut x, mut m) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut missing = 0;
    for cust in &s.customers {
        let row = file.rows.get(&cust.customer.to_string());
        let values: Vec<f64> = idx
            .iter()
            .map(|&j| row.and_then(|r| r.get(j)).copied().unwrap_or(0.0))
            .collect();
        if row.is_some() {
            kept.extend_from_slice(&values);
            x.push(f64::from(cust.frequency));
            m.push(customer_value::money::to_f64(cust.monetary_value));
        } else {
            missing += 1;
        }
        all.extend(values);
    }
    let rows = CovariateMatrix::new(c.spend.clone(), n, all)?;
    let fit_rows = CovariateMatrix::new(c.spend.clone(), x.len(), kept)?;
    // A spend fit that fails is the report's spend model error, not the run's.
    let fitted = SpendCovariateData::new(&x, &m, &fit_rows)
        .and_then(|data| SpendCovariateFit::fit(&data, &customer_value::btyd::FitOptions::default()));
    let fit = match fitted {
        Ok(f) => f,
        Err(e) => return Ok(Some(Err(format!("--spend-covariates: {e}")))),
    };
    let by_name = |v: &[f64]| -> serde_json::Map<String, Value> {
        fit.parameter_names
            .iter()
            .zip(v)
            .map(|(k, v)| (k.clone(), json!(v)))
            .collect()
    };
    let doc = json!({
        "params": by_name(&fit.estimates),
        "standard_errors": fit.standard_errors.as_deref().map(by_name),
        "log_likelihood": fit.log_likelihood,
        "covariates": c.spend,
        "customers_fitted": fit.customers,
        "customers_missing": missing,
        "coefficients": fit.coefficients(),
    });
    Ok(Some(Ok((fit, rows, doc))))
}

//! The `--json` document of the report (the contract in README.md), streamed: the
//! top-level fields, then one customer at a time.

use std::io::Write;

use customer_value::{Summaries, TimeUnit, money};
use serde::Serialize;
use serde_json::{Map, Value, json};

use super::intervals::IntervalColumns;
use super::models::{Models, Predictions};
use super::{AnyError, Options};

/// One customer of the `--json` document (the contract in README.md).
#[derive(Serialize)]
struct CustomerJson<'a, K> {
    customer_id: &'a K,
    frequency: u32,
    recency: f64,
    #[serde(rename = "T")]
    age: f64,
    monetary_value: f64,
    frequency_holdout: Option<u32>,
    duration_holdout: Option<f64>,
    expected_purchases_holdout: Option<f64>,
    p_alive: Option<f64>,
    expected_spend: Option<f64>,
    clv: Option<f64>,
    p_alive_at_horizon: Option<f64>,
    expected_purchases: Option<f64>,
    flags: &'a [customer_value::score::ScoreFlag],
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    bounds: Option<BoundsJson>,
}

/// The `--intervals` fields of a customer.
#[derive(Serialize)]
struct BoundsJson {
    p_alive_lower: Option<f64>,
    p_alive_upper: Option<f64>,
    expected_purchases_holdout_lower: Option<f64>,
    expected_purchases_holdout_upper: Option<f64>,
    clv_lower: Option<f64>,
    clv_upper: Option<f64>,
}

/// The `--json` document, streamed: the top-level fields, then one customer at a time.
pub fn write_json<K: Serialize>(
    o: &Options,
    s: &Summaries<K>,
    m: &Models,
    p: Result<&Predictions<'_, K>, &String>,
    intervals: Option<&IntervalColumns>,
    out: impl Write,
) -> Result<(), AnyError> {
    let mut out = std::io::BufWriter::with_capacity(1 << 16, out);
    let model = m.purchase.as_ref().ok().map(|f| {
        let by_name = |values: &[f64]| -> Map<String, Value> {
            f.names
                .iter()
                .zip(values)
                .map(|(n, v)| (n.clone(), json!(v)))
                .collect()
        };
        let mut doc = json!({
            "name": f.model.name(),
            "params": by_name(&f.estimates),
            "standard_errors": f.standard_errors.as_deref().map(by_name),
            "log_likelihood": f.log_likelihood,
            "unit_days": f.model.unit().map(TimeUnit::days),
            "boundary": f.boundary,
        });
        if let (Some(post), Some(obj)) = (&f.posterior, doc.as_object_mut()) {
            obj.insert("posterior".to_owned(), post.clone());
        }
        doc
    });
    let spend_model = m.spend.as_ref().ok().map(|(g, saved)| {
        let mut doc = json!({
            "name": "gamma_gamma",
            "params": { "p": g.p(), "q": g.q(), "gamma": g.gamma() },
            "boundary": saved.get("boundary").cloned().unwrap_or_else(|| json!([])),
        });
        // `--spend-covariates`: the coefficients join the params (`spend.<name>`), with
        // standard errors and a `covariates` block.
        if let (Some(cov), Some(obj)) = (&m.spend_covariates, doc.as_object_mut()) {
            for key in ["params", "standard_errors"] {
                obj.insert(key.to_owned(), cov.get(key).cloned().unwrap_or(Value::Null));
            }
            obj.insert("covariates".to_owned(), cov.clone());
        }
        doc
    });
    let head = json!({
        "observation_end": s.spec.observation_end,
        "calibration_end": s.spec.calibration_end,
        "unit_days": s.spec.unit.days(),
        "summary_report": s.report,
        "model": model,
        "model_error": p.err(),
        "spend_model": spend_model,
        "spend_model_error": m.spend.as_ref().err(),
        "spend_model_excluded_customers": m.spend_excluded,
        "score_report": p.ok().map(|p| &p.table.report),
        "clv_settings": {
            "horizon": p.ok().map(|_| o.horizon()),
            "discount_rate_annual": o.discount_rate,
            "margin": o.margin,
            "currency": o.currency,
        },
        "fold_case_ids": o.fold_case_ids,
        "customer_id_case_variants": o.case_variants.get().map_or(0, |v| v.merged),
    });
    let mut head = head;
    if let (Some(iv), Some(obj)) = (intervals, head.as_object_mut()) {
        obj.insert("intervals".to_owned(), iv.header.clone());
    }
    if let (Some((_, block)), Some(obj)) = (
        m.purchase.as_ref().ok().and_then(|f| f.covariates.as_ref()),
        head.as_object_mut(),
    ) {
        obj.insert("covariates".to_owned(), block.clone());
    }
    if let (Some(tv), Some(obj)) = (
        m.purchase.as_ref().ok().and_then(|f| f.time_varying.as_ref()),
        head.as_object_mut(),
    ) {
        obj.insert("covariates".to_owned(), tv.block.clone());
    }
    // The head object without its closing brace, then the customers array.
    let head = serde_json::to_string(&head)?;
    out.write_all(head.strip_suffix('}').unwrap_or(&head).as_bytes())?;
    out.write_all(b",\"customers\":[")?;
    let rows = p.ok().map(|p| &p.table.rows);
    for (i, c) in s.customers.iter().enumerate() {
        let row = rows.and_then(|r| r.get(i));
        let h = c.holdout.as_ref();
        let customer = CustomerJson {
            customer_id: &c.customer,
            frequency: c.frequency,
            recency: c.recency,
            age: c.age,
            monetary_value: money::to_f64(c.monetary_value),
            frequency_holdout: h.map(|h| h.frequency),
            duration_holdout: h.map(|h| h.duration),
            expected_purchases_holdout: row.and_then(|r| r.expected_holdout_purchases),
            p_alive: row.and_then(|r| r.p_alive),
            expected_spend: row.and_then(|r| r.expected_spend),
            clv: row.and_then(|r| r.clv),
            p_alive_at_horizon: row.and_then(|r| r.p_alive_at_horizon),
            expected_purchases: row.and_then(|r| r.expected_purchases),
            flags: row.map_or(&[], |r| r.flags.as_slice()),
            bounds: intervals.map(|iv| {
                let [pa, ho, clv] = iv.bounds(i);
                // A bound where the table has no point value (a flagged customer) is null.
                let keep = |b: Option<(f64, f64)>, point: Option<f64>| b.filter(|_| point.is_some());
                let (pa, ho, clv) = (
                    keep(pa, row.and_then(|r| r.p_alive)),
                    keep(ho, row.and_then(|r| r.expected_holdout_purchases)),
                    keep(clv, row.and_then(|r| r.clv)),
                );
                BoundsJson {
                    p_alive_lower: pa.map(|b| b.0),
                    p_alive_upper: pa.map(|b| b.1),
                    expected_purchases_holdout_lower: ho.map(|b| b.0),
                    expected_purchases_holdout_upper: ho.map(|b| b.1),
                    clv_lower: clv.map(|b| b.0),
                    clv_upper: clv.map(|b| b.1),
                }
            }),
        };
        if i > 0 {
            out.write_all(b",")?;
        }
        serde_json::to_writer(&mut out, &customer)?;
    }
    out.write_all(b"]}\n")?;
    out.flush()?;
    Ok(())
}

//! The text report: summary counts, the models, holdout accuracy, tracking, CLV, churn
//! and segments.

use std::collections::HashMap;
use std::hash::Hash;

use customer_value::btyd::{TransactionModel, births_from_ages, cumulative_expected_repeat_transactions};
use customer_value::churn::{CohortPeriod, lapse_report, rank_at_risk};
use customer_value::segment::segment_overview;
use customer_value::{PurchaseDate, Summaries, TransactionColumns, money};

use super::models::{Models, Predictions};
use super::{AnyError, Options};

/// Appends one formatted line to a `String` (the report is written in one go, so a closed
/// pipe is an error to report, not a panic).
macro_rules! out {
    ($t:expr, $($arg:tt)*) => {{
        $t.push_str(&format!($($arg)*));
        $t.push('\n');
    }};
}

/// Rows of the tracking table: time, expected and actual cumulative repeat purchases.
pub type Tracking = Vec<(f64, f64, u64)>;

/// Expected and actual cumulative repeat purchases of the summarised customers, every
/// `step` units from the first purchase of the base to the observation end.
pub fn tracking<K: Eq + Hash + Ord + Clone, D: PurchaseDate>(
    s: &Summaries<K>,
    log: TransactionColumns<'_, K, D>,
    model: &dyn TransactionModel,
    groups: Option<&customer_value::score::ModelGroups>,
    step: f64,
) -> Result<Tracking, AnyError> {
    let ages: Vec<f64> = s.customers.iter().map(|c| c.age).collect();
    let births = births_from_ages(&ages)?;
    let unit_days = s.spec.unit.days();
    let origin = s
        .customers
        .iter()
        .map(|c| c.first_purchase.day_number())
        .min()
        .unwrap_or(0);
    let end = s.spec.observation_end.day_number();
    let span = f64::from(end - origin) / unit_days;
    let times: Vec<f64> = (1..)
        .map(|k| k as f64 * step)
        .take_while(|&t| t <= span + 1e-9)
        .collect();
    // With covariates, each customer's own model (customers without covariates left out).
    let expected = match groups {
        Some(g) => g.tracking(&births, &times)?.0,
        None => cumulative_expected_repeat_transactions(model, &births, &times)?,
    };

    // Actual: distinct purchase days after each known customer's first, by time. A
    // customer is its index in the (sorted) summaries; a purchase day is (index, day)
    // packed in a u64, sorted and deduplicated.
    let known: HashMap<&K, (u32, i32), foldhash::fast::RandomState> = s
        .customers
        .iter()
        .zip(0u32..)
        .map(|(c, i)| (&c.customer, (i, c.first_purchase.day_number())))
        .collect();
    let mut days: Vec<u64> = Vec::with_capacity(log.len());
    for ((c, d), a) in log.customers().iter().zip(log.dates()).zip(log.amounts()) {
        let day = d.day_number();
        if let Some(&(i, first)) = known.get(c) {
            if day > first && day <= end && !a.is_sign_negative() {
                let offset = u64::try_from(day - origin).unwrap_or(0);
                days.push((u64::from(i) << 32) | offset);
            }
        }
    }
    days.sort_unstable();
    days.dedup();
    let mut offsets: Vec<f64> = days
        .iter()
        .map(|&key| (key & u64::from(u32::MAX)) as f64 / unit_days)
        .collect();
    offsets.sort_unstable_by(f64::total_cmp);
    Ok(times
        .iter()
        .zip(expected)
        .map(|(&t, e)| (t, e, offsets.partition_point(|&o| o < t) as u64))
        .collect())
}

/// Lapsed customers at the calibration end (no purchase for 26 weeks) and the customers
/// the model says are about to leave, ranked by the CLV that would be lost (`currency`:
/// printed after each amount, e.g. ` USD`, or empty).
pub fn churn_summary<K, D>(
    s: &Summaries<K>,
    log: TransactionColumns<'_, K, D>,
    p: Option<&Predictions<'_, K>>,
    currency: &str,
) -> Result<String, AnyError>
where
    K: std::fmt::Debug + Eq + Hash + Ord + Clone,
    D: PurchaseDate,
{
    const WINDOW_DAYS: u32 = 182;
    const THRESHOLD: f64 = 0.5;
    let mut t = String::new();
    let as_of = s.spec.summary_end();
    let lapses = lapse_report(log, WINDOW_DAYS, as_of, CohortPeriod::Month)?;
    out!(t, "");
    out!(t, "Churn at {as_of}");
    out!(
        t,
        "  lapsed (no purchase in {WINDOW_DAYS} days): {} of {} customers",
        lapses.lapsed(),
        lapses.customers.len()
    );
    if let Some(p) = p {
        // Value at risk: (1 − P(alive)) × CLV, over the customers with both.
        let (mut ids, mut alive, mut clv) = (Vec::new(), Vec::new(), Vec::new());
        for r in &p.table.rows {
            if let (Some(a), Some(v)) = (r.p_alive, r.clv) {
                ids.push(r.customer.clone());
                alive.push(a);
                clv.push(v);
            }
        }
        if !ids.is_empty() {
            let risk = rank_at_risk(&ids, &alive, &clv, THRESHOLD)?;
            out!(
                t,
                "  at risk (P(alive) < {THRESHOLD}): {} customers, CLV at risk {:.2}{currency}",
                risk.at_risk.len(),
                risk.total_value_at_risk
            );
            for c in risk.at_risk.iter().take(5) {
                out!(
                    t,
                    "    customer {:?}: P(alive) {:.3}, CLV {:.2}{currency}, at risk {:.2}{currency}",
                    c.customer,
                    c.p_alive,
                    c.value_if_alive,
                    c.value_at_risk
                );
            }
        }
    }
    Ok(t)
}

pub fn text_report<K: std::fmt::Debug>(
    o: &Options,
    path: &str,
    s: &Summaries<K>,
    m: &Models,
    predictions: &Result<Predictions<'_, K>, String>,
    tracked: Option<Result<Tracking, AnyError>>,
) -> Result<String, AnyError> {
    let mut t = String::new();
    let unit = o.unit_name();
    let c = &s.customers;
    let n = c.len() as f64;
    let r = &s.report;
    out!(t, "Customer-value report for {path}");
    match s.spec.calibration_end {
        Some(cal) => out!(
            t,
            "calibration to {cal}, holdout to {} ({} {unit})",
            s.spec.observation_end,
            // Whole numbers as they are (39 weeks), others to two decimals (8.97 months).
            {
                let d = s.spec.holdout_duration().unwrap_or(0.0);
                if d.fract() == 0.0 {
                    format!("{d}")
                } else {
                    format!("{d:.2}")
                }
            }
        ),
        None => out!(t, "observation to {}", s.spec.observation_end),
    }
    if o.observation_end.is_none() && r.rows_after_observation_end > 0 {
        // The default end is the last purchase: later returns do not stretch the window.
        out!(
            t,
            "  (the last purchase in the file; {} later rows, returns, are after the end: --observation-end moves it)",
            r.rows_after_observation_end
        );
    }
    if o.read.has_amount() {
        match &o.currency {
            Some(c) => out!(t, "amounts in {c}"),
            None => out!(
                t,
                "amounts in the unit of the amount column (name it with --currency CODE)"
            ),
        }
    }
    if let Some(v) = o.case_variants.get().filter(|v| v.merged > 0) {
        let e = v.example.as_deref().unwrap_or("");
        if o.fold_case_ids {
            out!(
                t,
                "customer ids compared in lower case: {} ids were case variants of another (e.g. {e})",
                v.merged
            );
        } else {
            out!(
                t,
                "customer ids differing only in letter case: {} (e.g. {e}), counted as different customers; --fold-case-ids counts them as one",
                v.merged
            );
        }
    }
    out!(t, "");
    out!(t, "rows read              {:>10}", r.rows);
    out!(t, "rows summarised        {:>10}", r.rows_summarised);
    out!(t, "rows after the end     {:>10}", r.rows_after_observation_end);
    // Without this line the text did not add up: rows of customers first seen in the
    // holdout were in neither count.
    out!(
        t,
        "rows of left-out customers {:>6}",
        r.rows_of_excluded_customers
    );
    if r.negative_rows_excluded > 0 {
        out!(t, "returns excluded       {:>10}", r.negative_rows_excluded);
    }
    out!(t, "returns netted         {:>10}", r.negative_rows_netted);
    out!(t, "customers              {:>10}", r.customers);
    out!(
        t,
        "customers left out     {:>10}  (first seen in holdout {}, returns only {})",
        r.customers_first_seen_in_holdout + r.customers_without_purchase,
        r.customers_first_seen_in_holdout,
        r.customers_without_purchase
    );
    out!(t, "");
    let repeat = c.iter().filter(|x| x.frequency > 0).count();
    let sum_x: f64 = c.iter().map(|x| f64::from(x.frequency)).sum();
    out!(t, "Calibration summary (papers' x, t_x, T; times in {unit})");
    out!(t, "  repeat purchases Σx        {sum_x:>10}");
    out!(t, "  one-time buyers (x = 0)    {:>10}", c.len() - repeat);
    out!(t, "  mean x                     {:>10.4}", sum_x / n);
    out!(
        t,
        "  mean t_x                   {:>10.4}",
        c.iter().map(|x| x.recency).sum::<f64>() / n
    );
    out!(
        t,
        "  mean T                     {:>10.4}",
        c.iter().map(|x| x.age).sum::<f64>() / n
    );
    let spend: f64 = c
        .iter()
        .filter(|x| x.frequency > 0)
        .map(|x| money::to_f64(x.monetary_value))
        .sum();
    if repeat > 0 && o.read.has_amount() {
        out!(
            t,
            "  mean repeat spend (x > 0)  {:>10.2}{}",
            spend / repeat as f64,
            o.money_suffix()
        );
    }
    if s.spec.calibration_end.is_some() {
        let holdout: u32 = c
            .iter()
            .filter_map(|x| x.holdout.as_ref())
            .map(|h| h.frequency)
            .sum();
        out!(t, "  holdout purchases          {holdout:>10}");
    }
    out!(t, "");

    match predictions {
        Err(e) => out!(t, "(no model: {e})\n"),
        Ok(p) => {
            let f = p.purchase;
            let source = match (&o.load_model, f.iterations) {
                (Some(file), _) => format!("loaded from {file}"),
                (None, Some(i)) => format!("{i} iterations"),
                (None, None) => String::new(),
            };
            let ll = f
                .log_likelihood
                .map_or(String::new(), |l| format!("log-likelihood {l:.3}, "));
            out!(
                t,
                "Purchase model {} on the calibration period ({ll}{source})",
                f.model.name()
            );
            // Names right-aligned to the longest (covariate coefficients are long).
            let w = f
                .names
                .iter()
                .map(|n| n.chars().count())
                .max()
                .unwrap_or(0)
                .max(6);
            for (i, (name, v)) in f.names.iter().zip(&f.estimates).enumerate() {
                let se = f.standard_errors.as_ref().and_then(|s| s.get(i));
                match se {
                    Some(se) => out!(t, "  {name:>w$} = {v:>10.6}   (SE {se:.6})"),
                    None => out!(t, "  {name:>w$} = {v:>10.6}"),
                }
            }
            for b in &f.boundary {
                out!(
                    t,
                    "  on the boundary: {b}: those estimates are where the optimiser stopped"
                );
            }
            if let Some(tv) = &f.time_varying {
                let b = &tv.block;
                out!(
                    t,
                    "  time-varying covariates from {}: {} periods of {} days from {}; {} customers fitted, {} not in the file (flag missing_covariates)",
                    b["file"].as_str().unwrap_or(""),
                    b["periods"],
                    b["period_days"],
                    b["first_period_start"].as_str().unwrap_or(""),
                    b["customers_fitted"],
                    b["customers_missing"]
                );
                out!(
                    t,
                    "  (coefficients: purchase.<name>, dropout.<name>; no tracking table with time-varying covariates yet)"
                );
            }
            match &m.spend {
                Ok((g, saved)) => {
                    out!(
                        t,
                        "Spend model Gamma-Gamma: p = {:.4}, q = {:.4}, gamma = {:.4}",
                        g.p(),
                        g.q(),
                        g.gamma()
                    );
                    let boundary = saved.get("boundary").cloned().unwrap_or_default();
                    let boundary: Vec<customer_value::btyd::Boundary> =
                        serde_json::from_value(boundary).unwrap_or_default();
                    for b in boundary {
                        out!(
                            t,
                            "  on the boundary: {b}: those estimates are where the optimiser stopped"
                        );
                    }
                }
                Err(e) => out!(t, "Spend model Gamma-Gamma: not fitted ({e})"),
            }
            if m.spend_excluded > 0 {
                out!(
                    t,
                    "  {} repeat customers with mean repeat spend ≤ 0 left out of the spend fit",
                    m.spend_excluded
                );
            }
            out!(t, "");
            if let Some(h) = &p.holdout {
                out!(t, "Holdout accuracy ({} customers)", h.customers);
                out!(t, "  MAE {:.4}, RMSE {:.4}", h.mae, h.rmse);
                out!(
                    t,
                    "  purchases: expected {:.1}, actual {:.0}{}",
                    h.predicted_total,
                    h.actual_total,
                    h.aggregate_error_pct
                        .map_or(String::new(), |e| format!(" ({e:+.1} %)"))
                );
                out!(
                    t,
                    "  {:>5} {:>9} {:>10} {:>8}",
                    "x",
                    "customers",
                    "expected",
                    "actual"
                );
                for b in &h.by_frequency {
                    let label = format!("{}{}", b.frequency, if b.open_ended { "+" } else { "" });
                    out!(
                        t,
                        "  {label:>5} {:>9} {:>10.4} {:>8.4}",
                        b.customers,
                        b.mean_predicted,
                        b.mean_actual
                    );
                }
                out!(t, "");
            }
            if let Some(Ok(rows)) = &tracked {
                out!(
                    t,
                    "Tracking: cumulative repeat purchases since the first purchase of the base"
                );
                out!(t, "  {:>8} {:>10} {:>8}", unit, "expected", "actual");
                for (time, e, a) in rows {
                    out!(t, "  {time:>8.0} {e:>10.1} {a:>8}");
                }
                out!(t, "");
            }
            let rows = &p.table.rows;
            let alive = rows.iter().filter(|r| r.p_alive.is_some_and(|a| a < 0.5)).count();
            out!(t, "P(alive) below 50 %: {alive} customers");
            let report = &p.table.report;
            let with_clv: Vec<(usize, f64)> = rows
                .iter()
                .enumerate()
                .filter_map(|(i, r)| r.clv.map(|v| (i, v)))
                .collect();
            if !with_clv.is_empty() {
                let total: f64 = with_clv.iter().map(|(_, v)| v).sum();
                out!(
                    t,
                    "CLV over {} {unit}, {:.0} % a year discount, margin {:.0} % of spend: total {:.2}{cur}, mean {:.2}{cur} ({} customers)",
                    o.horizon(),
                    100.0 * o.discount_rate,
                    100.0 * o.margin,
                    total,
                    total / with_clv.len() as f64,
                    with_clv.len(),
                    cur = o.money_suffix()
                );
                let mut top = with_clv;
                top.sort_by(|a, b| b.1.total_cmp(&a.1));
                for (i, v) in top.into_iter().take(5) {
                    if let Some(cust) = c.get(i) {
                        out!(
                            t,
                            "  customer {:?}: CLV {v:.2}{}, P(alive) {:.3}",
                            cust.customer,
                            o.money_suffix(),
                            rows.get(i).and_then(|r| r.p_alive).unwrap_or(f64::NAN)
                        );
                    }
                }
            }
            let without = report.customers - report.with_clv;
            if without > 0 {
                out!(
                    t,
                    "No CLV for {without} customers: repeat spend ≤ 0 {}, no spend model {}, purchase model failed {}, spend model failed {}, not finite {}",
                    report.no_positive_repeat_spend,
                    report.no_spend_model,
                    report.purchase_model_failed,
                    report.spend_model_failed,
                    report.clv_failed
                );
                if report.missing_covariates > 0 {
                    out!(
                        t,
                        "  {} customers are not in the covariate file (flag missing_covariates: no values)",
                        report.missing_covariates
                    );
                }
                for e in &report.first_errors {
                    out!(t, "  first failure: {e}");
                }
                for (cust, row) in c.iter().zip(rows).filter(|(_, r)| r.clv.is_none()).take(3) {
                    let flags: Vec<String> = row.flags.iter().map(|f| format!("{f:?}")).collect();
                    out!(t, "  e.g. customer {:?}: {}", cust.customer, flags.join(", "));
                }
            }
            out!(t, "");
        }
    }

    if o.read.has_amount() {
        match segment_overview(c) {
            Ok(o) => {
                out!(t, "Concentration of calibration spend");
                out!(
                    t,
                    "  top 20 % of customers bring {:.1} % of spend",
                    100.0 * o.top20_share
                );
                out!(
                    t,
                    "  {} customers ({:.1} %) make 80 % of spend; Gini {:.4}",
                    o.customers_for_80.customers,
                    100.0 * o.customers_for_80.customer_share,
                    o.gini.population
                );
                out!(t, "");
                out!(
                    t,
                    "RFM segments (5 levels, standard map, ties at their lowest rank)"
                );
                for (name, count) in o.segment_counts {
                    out!(t, "  {name:<20} {count:>8}");
                }
                if !o.empty_segments.is_empty() {
                    out!(t, "  empty: {}", o.empty_segments.join(", "));
                }
            }
            Err(e) => out!(t, "(no concentration figures: {e})"),
        }
    }
    Ok(t)
}

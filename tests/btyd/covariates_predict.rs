//! Prediction with covariate fits (issue 17, item 7): the grouped value table equals the
//! plain model's when every coefficient is 0, and equals a loop scoring each customer
//! alone with `customer_model`; a customer without covariates is a flagged row; tracking
//! sums the customers' own curves.

use customer_value::btyd::covariates::{CovariateFit, CovariateMatrix, CovariateModel, CovariateOptions};
use customer_value::btyd::{
    BgNbd, DiscountRate, FitOptions, GammaGamma, ParetoNbd, SpendSummaries, TransactionModel,
    cumulative_expected_repeat_transactions,
};
use customer_value::score::{
    CustomerCovariates, CustomerScore, ModelGroups, ScoreFlag, ScoreSpec, score_columns, score_groups,
};
use customer_value::summary::HoldoutColumns;
use customer_value::{SummaryColumns, TimeUnit};

use super::covariates::{Apparel, apparel, data};

fn columns(a: &Apparel) -> SummaryColumns<u32> {
    let mut cols = SummaryColumns::from_parts(
        a.ids.clone(),
        a.x.clone(),
        a.tx.clone(),
        a.t.clone(),
        a.spend.clone(),
    )
    .unwrap()
    .with_unit(TimeUnit::WEEK);
    let n = a.x.len();
    cols.holdout = Some(HoldoutColumns {
        frequency: (0..n).map(|i| (i % 3) as f64).collect(),
        monetary_value: vec![0.0; n],
        duration: vec![26.0; n],
    });
    cols
}

fn covariates(a: &Apparel, present: Vec<bool>) -> CustomerCovariates {
    let n = a.x.len();
    let m = CovariateMatrix::from_columns(n, &[("Gender", &a.gender), ("Channel", &a.channel)]).unwrap();
    CustomerCovariates::new(m.clone(), m, present).unwrap()
}

fn spec() -> ScoreSpec {
    let year = TimeUnit::from_days(365.0).unwrap();
    ScoreSpec::new(TimeUnit::WEEK, 52.0, DiscountRate::new(0.1, year).unwrap()).unwrap()
}

fn spend(a: &Apparel) -> GammaGamma {
    GammaGamma::fit(
        &SpendSummaries::from_rows(&a.x, &a.spend).unwrap(),
        &FitOptions::default(),
    )
    .unwrap()
    .model
}

#[track_caller]
fn same(what: &str, got: Option<f64>, want: Option<f64>) {
    match (got, want) {
        (Some(g), Some(w)) => assert!((g - w).abs() <= 1e-12 * w.abs().max(1e-300), "{what}: {g} vs {w}"),
        (g, w) => assert_eq!(g, w, "{what}"),
    }
}

#[track_caller]
fn same_rows(got: &CustomerScore<u32>, want: &CustomerScore<u32>) {
    assert_eq!(got.customer, want.customer);
    same("p_alive", got.p_alive, want.p_alive);
    same(
        "p_alive_at_horizon",
        got.p_alive_at_horizon,
        want.p_alive_at_horizon,
    );
    same(
        "expected_purchases",
        got.expected_purchases,
        want.expected_purchases,
    );
    same("expected_spend", got.expected_spend, want.expected_spend);
    same(
        "discounted_purchases",
        got.discounted_purchases,
        want.discounted_purchases,
    );
    same("clv", got.clv, want.clv);
    same(
        "expected_holdout_purchases",
        got.expected_holdout_purchases,
        want.expected_holdout_purchases,
    );
    assert_eq!(got.holdout_purchases, want.holdout_purchases);
    assert_eq!(got.flags, want.flags);
}

fn zero_coefficients<M: CovariateModel + Clone>() {
    let a = apparel();
    let mut fit = CovariateFit::<M>::fit(&data(&a), &CovariateOptions::default()).unwrap();
    for e in fit.estimates.iter_mut().skip(4) {
        *e = 0.0;
    }
    let gg = spend(&a);
    let cols = columns(&a);
    let groups = ModelGroups::from_covariates(&fit, &covariates(&a, vec![true; a.x.len()])).unwrap();
    assert_eq!(groups.groups(), 4);
    let grouped = score_groups(&cols, &groups, Some(&gg), &spec(), TimeUnit::WEEK).unwrap();
    let plain = score_columns(&cols, &fit.model, Some(&gg), &spec(), TimeUnit::WEEK).unwrap();
    assert_eq!(grouped.rows.len(), plain.rows.len());
    for (g, p) in grouped.rows.iter().zip(&plain.rows) {
        same_rows(g, p);
    }
    assert_eq!(grouped.report, plain.report);
}

#[test]
fn covariates_score_with_zero_coefficients_is_the_plain_score() {
    zero_coefficients::<ParetoNbd>();
    zero_coefficients::<BgNbd>();
}

#[test]
fn covariates_score_equals_a_loop_over_customer_models() {
    let a = apparel();
    let fit = CovariateFit::<ParetoNbd>::fit(&data(&a), &CovariateOptions::default()).unwrap();
    let gg = spend(&a);
    let cols = columns(&a);
    let covs = covariates(&a, vec![true; a.x.len()]);
    let groups = ModelGroups::from_covariates(&fit, &covs).unwrap();
    let grouped = score_groups(&cols, &groups, Some(&gg), &spec(), TimeUnit::WEEK).unwrap();
    for (i, row) in grouped.rows.iter().enumerate() {
        let (p, d) = covs.rows(i).unwrap();
        let own = fit.customer_model(p, d).unwrap();
        let one = SummaryColumns {
            customers: vec![a.ids[i]],
            frequency: vec![a.x[i]],
            recency: vec![a.tx[i]],
            age: vec![a.t[i]],
            monetary_value: vec![a.spend[i]],
            holdout: cols.holdout.as_ref().map(|h| HoldoutColumns {
                frequency: vec![h.frequency[i]],
                monetary_value: vec![0.0],
                duration: vec![26.0],
            }),
            unit: Some(TimeUnit::WEEK),
        };
        let alone = score_columns(&one, &own, Some(&gg), &spec(), TimeUnit::WEEK).unwrap();
        same_rows(row, &alone.rows[0]);
    }
    // The covariates matter: Channel changes the value.
    let by_channel = |c: f64| {
        grouped
            .rows
            .iter()
            .zip(&a.channel)
            .find(|(r, ch)| **ch == c && r.frequency == 0)
            .and_then(|(r, _)| r.expected_purchases)
            .unwrap()
    };
    assert!((by_channel(0.0) - by_channel(1.0)).abs() > 1e-6);
}

#[test]
fn covariates_missing_customer_is_a_flag_not_an_error() {
    let a = apparel();
    let fit = CovariateFit::<BgNbd>::fit(&data(&a), &CovariateOptions::default()).unwrap();
    let n = a.x.len();
    let present: Vec<bool> = (0..n).map(|i| i != 5 && i != 17).collect();
    let groups = ModelGroups::from_covariates(&fit, &covariates(&a, present)).unwrap();
    assert_eq!(groups.missing(), 2);
    let spec = spec().with_value_per_purchase(10.0).unwrap();
    let t = score_groups(&columns(&a), &groups, None, &spec, TimeUnit::WEEK).unwrap();
    assert_eq!(t.report.missing_covariates, 2);
    assert_eq!(t.report.customers, n as u64);
    assert_eq!(t.report.with_clv, n as u64 - 2);
    assert_eq!(t.rows[5].flags, [ScoreFlag::MissingCovariates]);
    assert_eq!(t.rows[5].p_alive, None);
    assert_eq!(t.rows[5].customer, a.ids[5]);
    assert!(t.rows[6].clv.is_some() && t.rows[6].flags.is_empty());
    let mut csv = Vec::new();
    t.write_csv(&mut csv).unwrap();
    assert!(String::from_utf8(csv).unwrap().contains(",missing_covariates\n"));
    // Columns other than the fit's are refused.
    let m = CovariateMatrix::from_columns(n, &[("Channel", &a.channel), ("Gender", &a.gender)]).unwrap();
    let swapped = CustomerCovariates::new(m.clone(), m, vec![true; n]).unwrap();
    assert!(ModelGroups::from_covariates(&fit, &swapped).is_err());
}

#[test]
fn covariates_tracking_sums_the_customers_own_curves() {
    let a = apparel();
    let fit = CovariateFit::<ParetoNbd>::fit(&data(&a), &CovariateOptions::default()).unwrap();
    let n = a.x.len();
    let present: Vec<bool> = (0..n).map(|i| i != 3).collect();
    let covs = covariates(&a, present);
    let groups = ModelGroups::from_covariates(&fit, &covs).unwrap();
    // Births: the calibration end (week 104 from 2005-01-01) minus each age.
    let births: Vec<f64> = a.t.iter().map(|t| 104.0 - t).collect();
    let times = [20.0, 60.0, 104.0];
    let (curve, left_out) = groups.tracking(&births, &times).unwrap();
    assert_eq!(left_out, 1);
    let mut direct = [0.0; 3];
    for i in (0..n).filter(|&i| i != 3) {
        let (p, d) = covs.rows(i).unwrap();
        let own = fit.customer_model(p, d).unwrap();
        let c = cumulative_expected_repeat_transactions(&own, &[births[i]], &times).unwrap();
        for (s, v) in direct.iter_mut().zip(c) {
            *s += v;
        }
    }
    for (g, d) in curve.iter().zip(direct) {
        assert!((g - d).abs() < 1e-9 * d, "{g} vs {d}");
    }
    let _ = fit.model.name();
}

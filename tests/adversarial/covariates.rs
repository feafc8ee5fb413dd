//! Covariate models from hostile inputs: the static matrix builders, the BTYD covariate
//! data and fits (Pareto/NBD, BG/NBD, MBG/NBD), Gamma-Gamma with covariates (and the
//! weighted spend rows), sBG with covariates, the time-varying table (random and mutated
//! CSV bytes), data, likelihoods and fits, and scoring per covariate group. `Ok` fits have
//! finite log-likelihoods and estimates; customer models are valid; probabilities are in
//! [0, 1]; expectations finite and ≥ 0; every customer is counted (fitted or excluded,
//! scored or flagged).

use customer_value::btyd::covariates::time_varying::{
    TimeVaryingCovariates, TimeVaryingData, TimeVaryingFit, TimeVaryingTable, TvCustomer, TvModel,
};
use customer_value::btyd::covariates::{
    CovariateData, CovariateFit, CovariateMatrix, CovariateModel, CovariateOptions, SpendCovariateData,
    SpendCovariateFit,
};
use customer_value::btyd::{
    BgNbd, DiscountRate, FitOptions, GammaGamma, MbgNbd, ParetoNbd, SpendSummaries, TransactionModel,
};
use customer_value::retention::{RetentionModel, SbgCovariateData, SbgCovariateFit};
use customer_value::score::{CustomerCovariates, ModelGroups, ScoreSpec, score_groups};
use customer_value::{SummaryColumns, TimeUnit};

use super::harness::Tally;
use super::rng::{Rng, scale};

/// A covariate value: mostly small, sometimes hostile.
fn cov(rng: &mut Rng) -> f64 {
    match rng.below(8) {
        0 => rng.f64(),
        1 => rng.pick(&[0.0, 1e-300, 5e-324, 1e300, -1e300, 1e15, 700.0, -700.0]),
        _ => rng.below(3) as f64,
    }
}

fn names(rng: &mut Rng, k: usize) -> Vec<String> {
    (0..k)
        .map(|j| {
            if rng.chance(12) {
                rng.pick(&["", "a", "dup", "x,y", "\u{feff}c"]).to_string()
            } else {
                format!("c{j}")
            }
        })
        .collect()
}

/// A matrix through one of the builders (or a typed error, counted).
fn matrix(t: &mut Tally, rng: &mut Rng, rows: usize, what: &str) -> Option<CovariateMatrix> {
    let k = rng.usize(3);
    let rows_given = if rng.chance(10) { rows + 1 } else { rows };
    match rng.below(3) {
        0 => Some(CovariateMatrix::empty(rows)),
        1 => {
            let n = names(rng, k);
            let mut v: Vec<f64> = (0..rows_given * k).map(|_| cov(rng)).collect();
            if rng.chance(10) {
                v.push(1.0);
            }
            t.call(
                || format!("{what}: CovariateMatrix::new({n:?}, {rows}, {v:?})"),
                || CovariateMatrix::new(n.clone(), rows, v.clone()),
            )
        }
        _ => {
            let n = names(rng, k);
            let cols: Vec<Vec<f64>> = (0..k)
                .map(|_| (0..rows_given).map(|_| cov(rng)).collect())
                .collect();
            let pairs: Vec<(&str, &[f64])> = n
                .iter()
                .map(String::as_str)
                .zip(cols.iter().map(Vec::as_slice))
                .collect();
            let m = t.call(
                || format!("{what}: from_columns({rows}, {pairs:?})"),
                || CovariateMatrix::from_columns(rows, &pairs),
            )?;
            if let Some(first) = n.first() {
                let pick = if rng.chance(3) { "nope" } else { first.as_str() };
                let s = t.call(|| format!("{what}: select({pick})"), || m.select(&[pick]));
                if let Some(s) = s {
                    t.promise(s.rows() == rows && s.columns() == 1, || {
                        format!("{what}: select({pick}) has {}×{}", s.rows(), s.columns())
                    });
                }
            }
            Some(m)
        }
    }
    .inspect(|m| {
        t.promise(m.rows() == rows, || {
            format!("{what}: a matrix for {rows} rows has {}", m.rows())
        });
        t.promise(
            (0..m.rows()).all(|i| {
                m.row(i)
                    .is_some_and(|r| r.len() == m.columns() && r.iter().all(|v| v.is_finite()))
            }),
            || format!("{what}: a matrix accepted a non-finite value or a short row"),
        );
    })
}

/// Summaries `(x, t_x, T)`: mostly valid, sometimes not.
fn summaries(rng: &mut Rng, n: usize) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let mut x = Vec::with_capacity(n);
    let mut tx = Vec::with_capacity(n);
    let mut age = Vec::with_capacity(n);
    for _ in 0..n {
        let a = if rng.chance(15) {
            rng.f64()
        } else {
            (5 + rng.below(60)) as f64
        };
        let f = if rng.chance(15) {
            rng.f64()
        } else {
            rng.below(6) as f64
        };
        let r = if f == 0.0 {
            0.0
        } else if rng.chance(15) {
            a + 1.0
        } else {
            a * rng.below(101) as f64 / 100.0
        };
        x.push(f);
        tx.push(r);
        age.push(a);
    }
    (x, tx, age)
}

fn check_fit<M: CovariateModel + TransactionModel>(
    t: &mut Tally,
    rng: &mut Rng,
    data: &CovariateData,
    what: &str,
) -> Option<CovariateFit<M>> {
    let options = match rng.below(4) {
        0 => CovariateOptions::default()
            .with_regularisation(rng.pick(&[0.0, 1.0, -1.0, f64::NAN, 1e300]), 0.5)
            .unwrap_or_default(),
        1 => CovariateOptions::default().with_shared_dropout(),
        2 => CovariateOptions::default().with_constraint(rng.pick(&["c0", "nope"])),
        _ => CovariateOptions::default(),
    };
    let k = 4 + data.purchase().columns() + data.dropout().columns();
    let values: Vec<f64> = (0..rng.pick(&[k, k, 4, k + 1]))
        .map(|_| cov(rng).abs().max(0.1))
        .collect();
    if let Some((ll, g)) = t.call(
        || format!("{what}: evaluate({values:?})"),
        || CovariateFit::<M>::evaluate(data, &options, &values),
    ) {
        t.promise(ll.is_finite() && !g.is_nan(), || {
            format!("{what}: evaluate({values:?}) = ({ll}, {g})")
        });
    }
    let fit = t.call(
        || format!("{what}: fit {options:?}"),
        || CovariateFit::<M>::fit(data, &options),
    )?;
    t.finite(fit.log_likelihood, || format!("{what}: fit log-likelihood"));
    t.promise(fit.estimates.iter().all(|v| v.is_finite()), || {
        format!("{what}: estimates {:?}", fit.estimates)
    });
    if let Some(se) = &fit.standard_errors {
        t.promise(se.iter().all(|s| !s.is_nan() && *s >= 0.0), || {
            format!("{what}: SEs {se:?}")
        });
    }
    t.finite(fit.aic(), || format!("{what}: aic"));
    if let Some(models) = t.call(
        || format!("{what}: customer_models"),
        || fit.customer_models(data),
    ) {
        t.promise(models.len() == data.len(), || {
            format!(
                "{what}: {} customer models for {} customers",
                models.len(),
                data.len()
            )
        });
        for (i, m) in models.iter().enumerate().take(3) {
            if let Some((x, tx, age)) = data.summary(i)
                && let Some(p) = t.call(
                    || format!("{what}: P(alive) {i}"),
                    || m.probability_alive(x, tx, age),
                )
            {
                t.probability(p, || format!("{what}: customer {i} P(alive)"));
            }
        }
    }
    let pr: Vec<f64> = (0..fit.purchase_covariates.len()).map(|_| cov(rng)).collect();
    let dr: Vec<f64> = (0..fit.dropout_covariates.len() + usize::from(rng.chance(8)))
        .map(|_| cov(rng))
        .collect();
    if let Some(m) = t.call(
        || format!("{what}: customer_model({pr:?}, {dr:?})"),
        || fit.customer_model(&pr, &dr),
    ) && let Some(e) = t.call(
        || format!("{what}: E[Y(52)] of {pr:?}"),
        || m.expected_purchases(52.0, 2.0, 10.0, 30.0),
    ) {
        t.finite(e, || {
            format!("{what}: customer_model({pr:?}, {dr:?}) expectation")
        });
        t.promise(e >= 0.0, || format!("{what}: expectation {e} < 0"));
    }
    Some(fit)
}

#[test]
fn covariates_static_data_and_fits_give_models_or_typed_errors() {
    let mut t = Tally::new("covariates");
    let mut rng = Rng::new(61);
    for case in 0..40 * scale() {
        let n = rng.pick(&[0, 1, 3, 12, 30]);
        let what = format!("case {case}");
        let (x, tx, age) = summaries(&mut rng, n);
        let mut age = age;
        if rng.chance(12) {
            age.pop();
        }
        let (Some(p), Some(d)) = (
            matrix(&mut t, &mut rng, n, &what),
            matrix(&mut t, &mut rng, n, &what),
        ) else {
            continue;
        };
        let w = format!(
            "{what}: CovariateData::new({x:?}, {tx:?}, {age:?}, {:?}, {:?})",
            p.names(),
            d.names()
        );
        let Some(data) = t.call(
            || w.clone(),
            || CovariateData::new(&x, &tx, &age, p.clone(), d.clone()),
        ) else {
            continue;
        };
        t.promise(data.len() == n, || format!("{w}: {} customers", data.len()));
        match rng.below(3) {
            0 => {
                check_fit::<ParetoNbd>(&mut t, &mut rng, &data, &format!("{w} pnbd"));
            }
            1 => {
                if let Some(fit) = check_fit::<BgNbd>(&mut t, &mut rng, &data, &format!("{w} bgnbd")) {
                    grouped(
                        &mut t,
                        &mut rng,
                        &fit,
                        &data,
                        &x,
                        &tx,
                        &age,
                        &format!("{w} bgnbd"),
                    );
                }
            }
            _ => {
                check_fit::<MbgNbd>(&mut t, &mut rng, &data, &format!("{w} mbgnbd"));
            }
        }
    }
    t.finish();
}

#[allow(clippy::too_many_arguments)]
fn grouped<M: CovariateModel + TransactionModel>(
    t: &mut Tally,
    rng: &mut Rng,
    fit: &CovariateFit<M>,
    data: &CovariateData,
    x: &[f64],
    tx: &[f64],
    age: &[f64],
    what: &str,
) {
    let n = data.len();
    let present: Vec<bool> = (0..n + usize::from(rng.chance(10)))
        .map(|_| !rng.chance(5))
        .collect();
    let Some(cc) = t.call(
        || format!("{what}: CustomerCovariates::new"),
        || CustomerCovariates::new(data.purchase().clone(), data.dropout().clone(), present.clone()),
    ) else {
        return;
    };
    let Some(groups) = t.call(
        || format!("{what}: ModelGroups"),
        || ModelGroups::from_covariates(fit, &cc),
    ) else {
        return;
    };
    let missing = present.iter().filter(|p| !**p).count() as u64;
    t.promise(groups.len() == n && groups.missing() == missing, || {
        format!(
            "{what}: groups of {} customers, {} missing, want {n}, {missing}",
            groups.len(),
            groups.missing()
        )
    });
    let Ok(cols) = SummaryColumns::from_parts(
        (0..n).collect(),
        x.to_vec(),
        tx.to_vec(),
        age.to_vec(),
        vec![10.0; n],
    ) else {
        return;
    };
    let horizon = rng.pick(&[0.0, 52.0, 1e300, 5e-324, 1e6]);
    let Some(spec) = t.call(
        || format!("{what}: ScoreSpec({horizon})"),
        || ScoreSpec::new(TimeUnit::WEEK, horizon, DiscountRate::zero())?.with_value_per_purchase(10.0),
    ) else {
        return;
    };
    let spend = GammaGamma::new(6.25, 3.74, 15.44).ok();
    let use_spend = rng.chance(2);
    if let Some(table) = t.call(
        || format!("{what}: score_groups({horizon})"),
        || {
            score_groups(
                &cols,
                &groups,
                spend.as_ref().filter(|_| use_spend),
                &spec,
                TimeUnit::WEEK,
            )
        },
    ) {
        t.promise(
            table.rows.len() == n && table.report.customers == n as u64,
            || {
                format!(
                    "{what}: {} rows, report of {}",
                    table.rows.len(),
                    table.report.customers
                )
            },
        );
        t.promise(table.report.missing_covariates == missing, || {
            format!(
                "{what}: {} flagged missing, {missing} absent",
                table.report.missing_covariates
            )
        });
        let scored_or_flagged = table.rows.iter().all(|r| r.clv.is_some() || !r.flags.is_empty());
        t.promise(scored_or_flagged, || {
            format!("{what}: a row with neither a CLV nor a flag")
        });
        for r in &table.rows {
            if let Some(p) = r.p_alive {
                t.probability(p, || format!("{what}: p_alive of {:?}", r.customer));
            }
            for (name, v) in [
                ("expected", r.expected_purchases),
                ("clv", r.clv),
                ("discounted", r.discounted_purchases),
            ] {
                if let Some(v) = v {
                    t.promise(v.is_finite() && v >= 0.0, || {
                        format!("{what}: {name} of {:?} = {v}", r.customer)
                    });
                }
            }
        }
    }
}

#[test]
fn covariates_spend_rows_and_fits_account_for_every_customer() {
    let mut t = Tally::new("spend cov");
    let mut rng = Rng::new(62);
    for case in 0..150 * scale() {
        let n = rng.pick(&[0, 1, 4, 20, 40]);
        let what = format!("case {case}");
        let x: Vec<f64> = (0..n)
            .map(|_| {
                if rng.chance(12) {
                    rng.f64()
                } else {
                    rng.below(5) as f64
                }
            })
            .collect();
        let m: Vec<f64> = (0..n + usize::from(rng.chance(15)))
            .map(|_| match rng.below(8) {
                0 => rng.f64(),
                1 => rng.pick(&[0.0, -5.0, 1e-300, 1e300]),
                _ => 5.0 + rng.below(5000) as f64 / 100.0,
            })
            .collect();
        let huge = rng.chance(20);
        let wts: Vec<f64> = (0..n)
            .map(|_| match if huge { 9 } else { rng.below(8) } {
                9 => 9_007_199_254_740_992.0,
                0 => rng.f64(),
                1 => rng.pick(&[9_007_199_254_740_992.0, 1e15, 0.5, 0.0]),
                _ => (1 + rng.below(4)) as f64,
            })
            .collect();
        let w = format!("{what}: from_weighted_rows({x:?}, {m:?}, {wts:?})");
        if let Some(s) = t.call(|| w.clone(), || SpendSummaries::from_weighted_rows(&x, &m, &wts)) {
            // Exact sums: the weights of an `Ok` are whole numbers ≤ 2^53.
            let total: u128 = wts.iter().map(|w| *w as u128).sum();
            let kept: u128 = s.weight().iter().map(|w| *w as u128).sum();
            let accounted =
                kept + s.excluded_without_repeat() as u128 + s.excluded_without_positive_spend() as u128;
            t.promise(accounted == total, || {
                format!(
                    "{w}: {kept} kept + {} + {} excluded ≠ {total}",
                    s.excluded_without_repeat(),
                    s.excluded_without_positive_spend()
                )
            });
            t.promise(
                s.frequency()
                    .iter()
                    .zip(s.mean_spend())
                    .all(|(f, v)| *f >= 1.0 && *v > 0.0 && v.is_finite()),
                || format!("{w}: kept rows {:?} {:?}", s.frequency(), s.mean_spend()),
            );
            if rng.chance(3)
                && let Some(f) = t.call(
                    || format!("{w}: GammaGamma::fit"),
                    || GammaGamma::fit(&s, &FitOptions::default()),
                )
            {
                t.finite(f.log_likelihood, || format!("{w}: fit log-likelihood"));
            }
        }
        let Some(cm) = matrix(&mut t, &mut rng, n, &what) else {
            continue;
        };
        let xm: Vec<f64> = x.iter().copied().take(m.len()).collect();
        let d = t.call(
            || format!("{what}: SpendCovariateData::new({xm:?}, {m:?}, {:?})", cm.names()),
            || SpendCovariateData::new(&xm, &m, &cm),
        );
        let Some(d) = d else { continue };
        t.promise(d.len() + d.excluded() == n, || {
            format!(
                "{what}: spend data keeps {} and excludes {} of {n}",
                d.len(),
                d.excluded()
            )
        });
        let values: Vec<f64> = (0..3 + cm.columns())
            .map(|_| cov(&mut rng).abs().max(0.1))
            .collect();
        if let Some(ll) = t.call(
            || format!("{what}: SpendCovariateFit::evaluate({values:?})"),
            || SpendCovariateFit::evaluate(&d, &values),
        ) {
            t.promise(!ll.is_nan() && ll < f64::INFINITY, || {
                format!("{what}: spend evaluate = {ll}")
            });
        }
        if let Some(f) = t.call(
            || format!("{what}: SpendCovariateFit::fit"),
            || SpendCovariateFit::fit(&d, &FitOptions::default()),
        ) {
            t.finite(f.log_likelihood, || format!("{what}: spend fit log-likelihood"));
            t.promise(f.customers + f.excluded == n, || {
                format!("{what}: spend fit counts {} + {} of {n}", f.customers, f.excluded)
            });
            let row: Vec<f64> = (0..cm.columns() + usize::from(rng.chance(8)))
                .map(|_| cov(&mut rng))
                .collect();
            if let Some(g) = t.call(
                || format!("{what}: spend customer_model({row:?})"),
                || f.customer_model(&row),
            ) && let Some(e) = t.call(
                || format!("{what}: E[spend] of {row:?}"),
                || g.conditional_expected_spend(3.0, 20.0),
            ) {
                t.promise(e.is_finite() && e > 0.0, || {
                    format!("{what}: spend model of {row:?} expects {e}")
                });
            }
        }
    }
    t.finish();
}

#[test]
fn covariates_sbg_data_and_fits_give_models_or_typed_errors() {
    let mut t = Tally::new("sbg cov");
    let mut rng = Rng::new(63);
    for case in 0..120 * scale() {
        let n = rng.pick(&[0, 1, 5, 30]);
        let what = format!("case {case}");
        let periods: Vec<u32> = (0..n)
            .map(|_| {
                if rng.chance(10) {
                    rng.u32()
                } else {
                    1 + rng.below(8) as u32
                }
            })
            .collect();
        let churned: Vec<bool> = (0..n + usize::from(rng.chance(15)))
            .map(|_| rng.chance(2))
            .collect();
        let Some(cm) = matrix(&mut t, &mut rng, n, &what) else {
            continue;
        };
        let Some(d) = t.call(
            || {
                format!(
                    "{what}: SbgCovariateData::new({periods:?}, {churned:?}, {:?})",
                    cm.names()
                )
            },
            || SbgCovariateData::new(&periods, &churned, &cm),
        ) else {
            continue;
        };
        t.promise(d.customers() == n && d.distinct_rows() <= n, || {
            format!(
                "{what}: sBG data of {} customers, {} rows, for {n}",
                d.customers(),
                d.distinct_rows()
            )
        });
        let values: Vec<f64> = (0..2 + cm.columns())
            .map(|_| cov(&mut rng).abs().max(0.1))
            .collect();
        if let Some(ll) = t.call(
            || format!("{what}: SbgCovariateFit::evaluate({values:?})"),
            || SbgCovariateFit::evaluate(&d, &values),
        ) {
            t.promise(ll.is_finite() && ll <= 1e-9, || {
                format!("{what}: sBG evaluate({values:?}) on {periods:?} {churned:?} = {ll}")
            });
        }
        if let Some(f) = t.call(
            || format!("{what}: SbgCovariateFit::fit"),
            || SbgCovariateFit::fit(&d, &FitOptions::default()),
        ) {
            t.finite(f.log_likelihood, || format!("{what}: sBG fit log-likelihood"));
            t.promise(f.customers == n, || {
                format!("{what}: sBG fit of {} customers for {n}", f.customers)
            });
            let row: Vec<f64> = (0..cm.columns() + usize::from(rng.chance(8)))
                .map(|_| cov(&mut rng))
                .collect();
            if let Some(m) = t.call(
                || format!("{what}: sBG customer_model({row:?})"),
                || f.customer_model(&row),
            ) {
                let at = rng.u32();
                t.probability(m.survival(at), || format!("{what}: sBG customer {row:?} S({at})"));
                t.probability(m.churn_rate(at), || {
                    format!("{what}: sBG customer {row:?} churn({at})")
                });
            }
        }
    }
    t.finish();
}

/// A time-varying covariate CSV: mostly well formed, then mutated.
fn tv_csv(rng: &mut Rng) -> String {
    let customers = rng.usize(5);
    let periods = rng.usize(5);
    let cols = rng.usize(3);
    let mut s = String::new();
    if rng.chance(8) {
        s.push('\u{feff}');
    }
    s.push_str("customer,period");
    for j in 0..cols {
        s.push_str(&format!(",\"v{j}\""));
    }
    s.push_str(if rng.chance(4) { "\r\n" } else { "\n" });
    let step = rng.pick(&[7, 1, 30, 0]);
    for i in 0..customers {
        for k in 0..periods {
            if rng.chance(25) {
                continue;
            }
            let date = chrono::NaiveDate::from_ymd_opt(2024, 1, 1)
                .and_then(|d| d.checked_add_days(chrono::Days::new((k * step) as u64)))
                .unwrap_or_default();
            s.push_str(&format!("c{i},{date}"));
            for _ in 0..cols {
                let v = cov(rng);
                s.push_str(&format!(",{v}"));
            }
            s.push('\n');
            if rng.chance(30) {
                s.push('\n');
            }
        }
    }
    let mut bytes = s.into_bytes();
    for _ in 0..rng.usize(3) {
        if bytes.is_empty() {
            break;
        }
        let at = rng.usize(bytes.len());
        match rng.below(3) {
            0 => bytes[at] = rng.pick(b",\n\"-.e0x \xff"),
            1 => {
                bytes.remove(at);
            }
            _ => bytes.splice(at..at, rng.bytes(6)).for_each(drop),
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

#[test]
fn covariates_time_varying_tables_data_and_fits_keep_their_promises() {
    let mut t = Tally::new("time-varying");
    let mut rng = Rng::new(64);
    for case in 0..300 * scale() {
        let what = format!("case {case}");
        let text = if rng.chance(6) {
            String::from_utf8_lossy(&rng.bytes(200)).into_owned()
        } else {
            tv_csv(&mut rng)
        };
        if let Some(tab) = t.call(
            || format!("{what}: from_csv({text:?})"),
            || TimeVaryingTable::from_csv(&text),
        ) {
            let c = &tab.covariates;
            t.promise(
                c.customers() == tab.ids.len()
                    && tab.period_days >= 1
                    && (0..c.customers()).all(|i| {
                        (0..c.periods()).all(|k| c.row(i, k).is_some_and(|r| r.iter().all(|v| v.is_finite())))
                    }),
                || format!("{what}: from_csv({text:?}) = {tab:?}"),
            );
            let p = tab.period_of(tab.origin);
            t.promise(p == 0.0, || format!("{what}: period_of(origin) = {p}"));
        }
    }
    // Likelihoods and fits on small hand-made grids.
    for case in 0..12 * scale() {
        let what = format!("tv case {case}");
        let n = rng.pick(&[1, 3, 8]);
        let periods = rng.pick(&[1, 4, 12]);
        let cols = rng.usize(3);
        let values: Vec<f64> = (0..n * periods * cols).map(|_| cov(&mut rng)).collect();
        let nm: Vec<String> = (0..cols).map(|j| format!("v{j}")).collect();
        let Some(table) = t.call(
            || format!("{what}: TimeVaryingCovariates::new({nm:?}, {n}, {periods}, {values:?})"),
            || TimeVaryingCovariates::new(nm.clone(), n, periods, values.clone()),
        ) else {
            continue;
        };
        let customers: Vec<TvCustomer> = (0..n)
            .filter_map(|_| {
                let birth = if rng.chance(8) {
                    rng.f64()
                } else {
                    rng.below(2) as f64
                };
                let age = if rng.chance(8) {
                    rng.f64()
                } else {
                    (1 + rng.below(periods as u64 * 2)) as f64 * 0.5
                };
                let buys: Vec<f64> = (0..rng.usize(4))
                    .map(|_| {
                        if rng.chance(8) {
                            rng.f64()
                        } else {
                            age * (1 + rng.below(10)) as f64 / 10.0
                        }
                    })
                    .collect();
                t.call(
                    || format!("{what}: TvCustomer::new({birth}, {buys:?}, {age})"),
                    || TvCustomer::new(birth, buys.clone(), age),
                )
            })
            .collect();
        let Some(data) = t.call(
            || format!("{what}: TimeVaryingData::new({customers:?})"),
            || TimeVaryingData::new(customers.clone(), table.clone(), table.clone()),
        ) else {
            continue;
        };
        let model = rng.pick(&[TvModel::ParetoNbd, TvModel::BgNbd]);
        let k = 4 + match model {
            TvModel::ParetoNbd => 2 * cols,
            TvModel::BgNbd => 3 * cols,
        };
        let v: Vec<f64> = (0..rng.pick(&[k, k, k + 1]))
            .enumerate()
            .map(|(i, _)| {
                if i < 4 {
                    cov(&mut rng).abs().max(0.1)
                } else {
                    cov(&mut rng)
                }
            })
            .collect();
        if let Some(ll) = t.call(
            || format!("{what}: evaluate({model:?}, {v:?})"),
            || TimeVaryingFit::evaluate(model, &data, &v),
        ) {
            t.promise(ll.len() == data.len() && ll.iter().all(|l| l.is_finite()), || {
                format!("{what}: evaluate({model:?}, {v:?}) = {ll:?}")
            });
        }
        let fit = if rng.chance(3) {
            t.call(
                || format!("{what}: fit {model:?}"),
                || TimeVaryingFit::fit(model, &data, &FitOptions::default()),
            )
        } else {
            t.call(
                || format!("{what}: fit_from_values {model:?} {v:?}"),
                || TimeVaryingFit::fit_from_values(model, &data, &v),
            )
        };
        let Some(fit) = fit else { continue };
        t.promise(
            fit.log_likelihood.is_finite() && fit.estimates.iter().all(|e| e.is_finite()),
            || format!("{what}: fit {:?} ll {}", fit.estimates, fit.log_likelihood),
        );
        for i in 0..data.len() + 1 {
            if let Some(p) = t.call(
                || format!("{what}: P(alive) {i}"),
                || fit.probability_alive(&data, i),
            ) {
                t.probability(p, || format!("{what}: {model:?} {v:?} P(alive) of {i}"));
            }
            let window = rng.pick(&[0.0, 1.0, 2.5, 1e300, -1.0, f64::NAN, 5e-324]);
            if let Some(e) = t.call(
                || format!("{what}: expected({i}, {window})"),
                || fit.expected_transactions(&data, i, window),
            ) {
                t.promise(e.is_finite() && e >= 0.0, || {
                    format!("{what}: {model:?} {v:?} E[{i}, {window}] = {e}")
                });
            }
            let delta = rng.pick(&[0.0, 0.01, 1e-300, 1e300, -0.1, f64::NAN]);
            if let Some(e) = t.call(
                || format!("{what}: discounted({i}, {window}, {delta})"),
                || fit.discounted_expected_transactions(&data, i, window, delta),
            ) {
                t.promise(e.is_finite() && e >= 0.0, || {
                    format!("{what}: {model:?} {v:?} DECT[{i}, {window}, {delta}] = {e}")
                });
            }
        }
    }
    t.finish();
}

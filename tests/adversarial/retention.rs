//! Retention and survival: every built-in `RetentionModel` from hostile parameters, counts
//! and durations. Every `Ok` model passes the crate's own conformance check; S(t), the
//! retention and churn rates are probabilities at any `t`; lifetimes, DEL/DERL, restricted
//! means and log-likelihoods are finite and non-negative where promised; Kaplan–Meier
//! bands hold Ŝ; life tables that would overflow their counts are errors.

use customer_value::retention::{
    ConfidenceBand, ConstantRetention, EmpiricalSurvival, KaplanMeier, LifeTable, RetentionCurve,
    RetentionModel, ShiftedBetaGeometric, Subscription, check_retention_model,
};

use super::harness::Tally;
use super::rng::{Rng, scale};

fn check_model(t: &mut Tally, rng: &mut Rng, m: &dyn RetentionModel, what: &str) {
    let horizon = rng.pick(&[0, 1, 5, 50, 400]);
    let conf = t.call(
        || format!("{what}: conformance over {horizon}"),
        || check_retention_model(m, horizon),
    );
    t.promise(conf.is_some(), || {
        format!("{what}: a built-in model fails check_retention_model({horizon})")
    });
    for _ in 0..4 {
        let at = rng.u32();
        let s = m.survival(at);
        t.probability(s, || format!("{what}: S({at})"));
        if at > 0 {
            let prev = m.survival(at - 1);
            t.promise(s <= prev + 1e-12, || {
                format!("{what}: S({at}) = {s} > S({}) = {prev}", at - 1)
            });
        }
        t.probability(m.retention_rate(at), || format!("{what}: retention_rate({at})"));
        t.probability(m.churn_rate(at), || format!("{what}: churn_rate({at})"));
    }
    let h = rng.pick(&[0, 1, 10, 1000, u32::MAX]);
    if let Some(l) = t.call(
        || format!("{what}: expected_lifetime_within({h})"),
        || m.expected_lifetime_within(h),
    ) {
        t.finite(l, || format!("{what}: lifetime within {h}"));
        t.promise((0.0..=f64::from(h)).contains(&l), || {
            format!("{what}: lifetime within {h} = {l}")
        });
    }
}

#[test]
fn retention_models_keep_their_contract() {
    let mut t = Tally::new("retention");
    let mut rng = Rng::new(31);
    for case in 0..2_000 * scale() {
        let what = format!("case {case}");
        match rng.below(4) {
            0 => {
                let r = rng.prob();
                if let Some(m) = t.call(
                    || format!("{what}: ConstantRetention::new({r})"),
                    || ConstantRetention::new(r),
                ) {
                    check_model(&mut t, &mut rng, &m, &format!("{what}: constant {r}"));
                    if let Some(l) = t.call(|| format!("{what}: lifetime {r}"), || m.expected_lifetime()) {
                        t.finite(l, || format!("{what}: expected_lifetime({r})"));
                        t.promise(l >= 1.0, || format!("{what}: expected_lifetime({r}) = {l}"));
                    }
                }
                let churn = rng.prob();
                if let Some(l) = t.call(
                    || format!("{what}: expected_lifetime({churn})"),
                    || customer_value::retention::expected_lifetime(churn),
                ) {
                    t.finite(l, || format!("{what}: expected_lifetime({churn})"));
                }
            }
            1 => {
                let rates: Vec<f64> = (0..rng.usize(6)).map(|_| rng.prob()).collect();
                let shown = format!("{rates:?}");
                if let Some(m) = t.call(
                    || format!("{what}: RetentionCurve::new({shown})"),
                    || RetentionCurve::new(rates),
                ) {
                    check_model(&mut t, &mut rng, &m, &format!("{what}: curve {shown}"));
                }
            }
            2 => {
                if rng.chance(2) {
                    let s: Vec<f64> = (0..rng.usize(6)).map(|_| rng.prob()).collect();
                    let shown = format!("{s:?}");
                    if let Some(m) = t.call(
                        || format!("{what}: EmpiricalSurvival::new({shown})"),
                        || EmpiricalSurvival::new(s),
                    ) {
                        check_model(&mut t, &mut rng, &m, &format!("{what}: empirical {shown}"));
                    }
                } else {
                    let counts: Vec<u64> = (0..rng.usize(6)).map(|_| rng.u64()).collect();
                    if let Some(m) = t.call(
                        || format!("{what}: from_counts({counts:?})"),
                        || EmpiricalSurvival::from_counts(&counts),
                    ) {
                        check_model(
                            &mut t,
                            &mut rng,
                            &m,
                            &format!("{what}: empirical counts {counts:?}"),
                        );
                    }
                }
            }
            _ => {
                let (a, b) = (rng.f64(), rng.f64());
                if let Some(m) = t.call(
                    || format!("{what}: sBG::new({a}, {b})"),
                    || ShiftedBetaGeometric::new(a, b),
                ) {
                    sbg(&mut t, &mut rng, &m, &format!("{what}: sBG({a}, {b})"));
                }
            }
        }
    }
    t.finish();
}

fn sbg(t: &mut Tally, rng: &mut Rng, m: &ShiftedBetaGeometric, what: &str) {
    check_model(t, rng, m, what);
    t.probability(m.mean_churn(), || format!("{what}: mean_churn"));
    let at = rng.u32();
    t.probability(m.churn_probability(at), || {
        format!("{what}: churn_probability({at})")
    });
    // A discount near 0 puts the ₂F₁ series at z ≈ 1, its slowest (the 200,000-term cap,
    // about a second per call in a debug build): one case in 25.
    let d = if rng.chance(25) {
        rng.prob()
    } else {
        rng.pick(&[0.0, 0.01, 0.1, 0.5, 1.0, 3.0, -0.5])
    };
    if let Some(v) = t.call(
        || format!("{what}: DEL({d})"),
        || m.discounted_expected_lifetime(d),
    ) {
        t.finite(v, || format!("{what}: DEL({d})"));
        t.promise(v >= 1.0 - 1e-12, || format!("{what}: DEL({d}) = {v} < 1"));
    }
    let n = rng.u32();
    if let Some(v) = t.call(
        || format!("{what}: DERL({d}, {n})"),
        || m.discounted_expected_residual_lifetime(d, n),
    ) {
        t.finite(v, || format!("{what}: DERL({d}, {n})"));
        t.promise(v >= 0.0, || format!("{what}: DERL({d}, {n}) = {v}"));
    }
    let lost: Vec<u64> = (0..rng.usize(5)).map(|_| rng.u64()).collect();
    let active = rng.u64();
    let ll = m.log_likelihood(&lost, active);
    t.call_plain(|| format!("{what}: log_likelihood({lost:?}, {active})"), || ());
    t.promise(ll.is_finite() && ll <= 1e-9, || {
        format!("{what}: log_likelihood({lost:?}, {active}) = {ll}")
    });
    if let Some(info) = t.call(
        || format!("{what}: observed_information"),
        || m.observed_information(&lost, active),
    ) {
        t.promise(info.iter().flatten().all(|v| v.is_finite()), || {
            format!("{what}: information {info:?}")
        });
    }
}

#[test]
fn retention_sbg_fits_give_a_model_or_a_typed_error() {
    let mut t = Tally::new("retention fit");
    let mut rng = Rng::new(32);
    for case in 0..150 * scale() {
        let n = rng.usize(8);
        let mut active: Vec<u64> = Vec::with_capacity(n);
        let mut v = if rng.chance(4) {
            rng.u64()
        } else {
            1 + rng.below(10_000)
        };
        for _ in 0..n {
            active.push(v);
            v = if rng.chance(6) {
                rng.u64()
            } else {
                v - rng.below(v / 2 + 1)
            };
        }
        let fit = t.call(
            || format!("case {case}: fit_survivors({active:?})"),
            || ShiftedBetaGeometric::fit_survivors(&active),
        );
        if let Some(f) = fit {
            t.finite(f.log_likelihood, || {
                format!("case {case}: fit_survivors({active:?}) log-likelihood")
            });
            sbg(
                &mut t,
                &mut rng,
                &f.model,
                &format!("case {case}: fitted on {active:?}"),
            );
            if let Some(se) = f.standard_errors {
                t.promise(se.iter().all(|s| s.is_finite() && *s >= 0.0), || {
                    format!("case {case}: SEs {se:?}")
                });
            }
        }
        let cohort = rng.u64();
        let lost: Vec<u64> = (0..rng.usize(6)).map(|_| rng.below(cohort / 4 + 2)).collect();
        if let Some(f) = t.call(
            || format!("case {case}: fit_churned({cohort}, {lost:?})"),
            || ShiftedBetaGeometric::fit_churned(cohort, &lost),
        ) {
            t.finite(f.log_likelihood, || {
                format!("case {case}: fit_churned({cohort}, {lost:?}) log-likelihood")
            });
        }
    }
    t.finish();
}

#[test]
fn retention_kaplan_meier_keeps_its_contract() {
    let mut t = Tally::new("kaplan-meier");
    let mut rng = Rng::new(33);
    for case in 0..400 * scale() {
        let what = format!("case {case}");
        let km = if rng.chance(2) {
            let d: Vec<(u32, bool)> = (0..rng.usize(12))
                .map(|_| (rng.u32() % 1_000_000, rng.chance(2)))
                .collect();
            t.call(
                || format!("{what}: from_durations({d:?})"),
                || KaplanMeier::from_durations(d.clone()),
            )
        } else {
            let subs: Vec<Subscription> = (0..rng.usize(10))
                .map(|_| {
                    let start = rng.date();
                    let end = if rng.chance(2) {
                        Some(rng.date_near(start, 900))
                    } else if rng.chance(4) {
                        Some(rng.date())
                    } else {
                        None
                    };
                    Subscription { start, end }
                })
                .collect();
            let as_of = rng.date();
            let period = rng.pick(&[0, 1, 7, 30, 365, u32::MAX]);
            t.call(
                || format!("{what}: from_subscriptions({subs:?}, {as_of}, {period})"),
                || KaplanMeier::from_subscriptions(&subs, as_of, period),
            )
        };
        let Some(km) = km else { continue };
        check_model(&mut t, &mut rng, &km, &format!("{what}: KM"));
        let at = rng.u32() % (km.max_duration().saturating_add(3));
        let z = rng.pick(&[1.96, 0.0, -1.0, f64::NAN, 1e300, 5e-324, 3.0]);
        let band = rng.pick(&[ConfidenceBand::Plain, ConfidenceBand::Log, ConfidenceBand::LogLog]);
        if let Some((lo, hi)) = t.call(
            || format!("{what}: CI({at}, {z}, {band:?})"),
            || km.confidence_interval(at, z, band),
        ) {
            t.probability(lo, || format!("{what}: CI low"));
            t.probability(hi, || format!("{what}: CI high"));
            t.promise(lo <= hi, || format!("{what}: CI ({lo}, {hi})"));
        }
        let se = km.std_error(at);
        t.promise(se >= 0.0 && !se.is_nan(), || {
            format!("{what}: std_error({at}) = {se}")
        });
        let tau = rng.u32() % (km.max_duration().saturating_add(2));
        if let Some(m) = t.call(
            || format!("{what}: restricted_mean({tau})"),
            || km.restricted_mean(tau),
        ) {
            t.finite(m, || format!("{what}: restricted_mean({tau})"));
            t.promise((0.0..=f64::from(tau) + 1e-9).contains(&m), || {
                format!("{what}: restricted_mean({tau}) = {m}")
            });
        }
        let p = rng.prob();
        if let Some(q) = km.quantile(p) {
            t.promise(q <= km.max_duration(), || format!("{what}: quantile({p}) = {q}"));
        }
        t.call_plain(|| format!("{what}: median"), || km.median());
        // Merging a table into itself doubles its counts: an overflow is an error, never a wrap.
        let mut table: LifeTable = km.life_table_counts().clone();
        for k in 0..70 {
            let copy = table.clone();
            let before = table.subjects();
            if t.call(|| format!("{what}: merge {k}"), || table.merge(&copy))
                .is_none()
            {
                t.promise(table.subjects() == before, || {
                    format!("{what}: a failed merge changed the table")
                });
                break;
            }
            t.promise(table.subjects() == before.wrapping_mul(2), || {
                format!("{what}: merge {k} counts {}", table.subjects())
            });
        }
        if let Some(k2) = t.call(
            || format!("{what}: from_life_table"),
            || KaplanMeier::from_life_table(&table),
        ) {
            check_model(&mut t, &mut rng, &k2, &format!("{what}: merged KM"));
        }
    }
    t.finish();
}

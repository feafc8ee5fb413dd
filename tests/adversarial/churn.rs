//! Churn: counts and rates under every convention, period conversions and lifetimes,
//! revenue bridges at the `Decimal` limits, cohort tables and lapse reports from hostile
//! logs, at-risk ranking with extreme values. Every `Ok` rate that is a share is in
//! [0, 1], every figure finite, every bridge balances, every table accounts for its rows,
//! and a merge that would overflow fails with its target unchanged.

use chrono::NaiveDate;
use customer_value::TransactionLog;
use customer_value::churn::{
    ChurnCounts, ChurnMethod, CohortPeriod, CohortSpec, CohortTable, CurrentPeriod, CustomerRevenue,
    RevenueBridge, convert_churn, lapse_report, lifetime, lifetime_from_retention, rank_at_risk,
};
use customer_value::retention::Subscription;
use customer_value::time::Period;

use super::harness::Tally;
use super::rng::{Rng, scale};

fn counts(t: &mut Tally, c: &ChurnCounts, what: &str) {
    for m in ChurnMethod::ALL {
        if let Some(r) = c.rate(m) {
            t.finite(r, || format!("{what}: rate {m:?}"));
            if m.is_share() {
                t.probability(r, || format!("{what}: rate {m:?}"));
            }
        }
        if let Some(r) = c.retention(m) {
            t.finite(r, || format!("{what}: retention {m:?}"));
        }
    }
}

#[test]
fn churn_counts_rates_and_conversions() {
    let mut t = Tally::new("churn rates");
    let mut rng = Rng::new(41);
    for case in 0..4_000 * scale() {
        let w = format!("case {case}");
        let (s, n, ls, ln) = (rng.u64(), rng.u64(), rng.u64(), rng.u64());
        let c = t.call(
            || format!("{w}: ChurnCounts::new({s}, {n}, {ls}, {ln})"),
            || ChurnCounts::new(s, n, ls, ln),
        );
        if let Some(c) = c {
            counts(&mut t, &c, &w);
            let (days, len) = (rng.u64(), rng.u32());
            if let Some(e) = t.call(
                || format!("{w}: with_exposure({days}, {len})"),
                || c.with_exposure(days, len),
            ) {
                counts(&mut t, &e, &format!("{w}: exposure {days} × {len}"));
            }
            let mut m = c;
            let before = m;
            if t.call(|| format!("{w}: merge"), || m.merge(&c)).is_none() {
                t.promise(m == before, || format!("{w}: a failed merge changed the counts"));
            } else {
                counts(&mut t, &m, &format!("{w}: merged"));
            }
        }
        let (churn, periods) = (rng.prob(), rng.f64());
        if let Some(v) = t.call(
            || format!("{w}: convert_churn({churn}, {periods})"),
            || convert_churn(churn, periods),
        ) {
            t.probability(v, || format!("{w}: convert_churn({churn}, {periods})"));
        }
        let current = rng.pick(&[CurrentPeriod::Counted, CurrentPeriod::Excluded]);
        if let Some(v) = t.call(
            || format!("{w}: lifetime({churn}, {current:?})"),
            || lifetime(churn, current),
        ) {
            t.finite(v, || format!("{w}: lifetime({churn})"));
            t.promise(v >= 0.0, || format!("{w}: lifetime({churn}) = {v}"));
        }
        if let Some(v) = t.call(
            || format!("{w}: lifetime_from_retention({churn}, {current:?})"),
            || lifetime_from_retention(churn, current),
        ) {
            t.finite(v, || format!("{w}: lifetime_from_retention({churn})"));
            t.promise(v >= 0.0, || {
                format!("{w}: lifetime_from_retention({churn}) = {v}")
            });
        }
        // Subscriptions over a period.
        let subs: Vec<Subscription> = (0..rng.usize(8))
            .map(|_| {
                let start = rng.date();
                Subscription {
                    start,
                    end: if rng.chance(2) {
                        Some(rng.date_near(start, 500))
                    } else {
                        None
                    },
                }
            })
            .collect();
        let (p0, p1) = (rng.date(), rng.date());
        if let Some(c) = t.call(
            || format!("{w}: from_subscriptions({subs:?}, {p0}, {p1})"),
            || ChurnCounts::from_subscriptions(&subs, p0, p1),
        ) {
            counts(
                &mut t,
                &c,
                &format!("{w}: from_subscriptions({subs:?}, {p0}, {p1})"),
            );
        }
    }
    t.finish();
}

#[test]
fn churn_revenue_bridges_balance() {
    let mut t = Tally::new("churn bridge");
    let mut rng = Rng::new(42);
    for case in 0..3_000 * scale() {
        let w = format!("case {case}");
        let f: Vec<_> = (0..7)
            .map(|_| if rng.chance(3) { rng.decimal() } else { rng.money() })
            .collect();
        let b = t.call(
            || format!("{w}: RevenueBridge::new({f:?})"),
            || RevenueBridge::new(f[0], f[1], f[2], f[3], f[4], f[5], f[6]),
        );
        if let Some(b) = &b {
            t.promise(b.check().is_ok(), || {
                format!("{w}: a built bridge fails its check")
            });
        }
        let customers: Vec<CustomerRevenue> = (0..rng.usize(8))
            .map(|_| CustomerRevenue {
                start: if rng.chance(4) { rng.decimal() } else { rng.money() },
                end: if rng.chance(4) { rng.decimal() } else { rng.money() },
                previously_active: rng.chance(2),
            })
            .collect();
        let b2 = t.call(
            || format!("{w}: from_customers({customers:?})"),
            || RevenueBridge::from_customers(&customers),
        );
        if let Some(b2) = b2 {
            t.promise(b2.check().is_ok(), || {
                format!("{w}: from_customers({customers:?}) fails its own check")
            });
            for r in [
                b2.gross_revenue_retention(),
                b2.net_revenue_retention(),
                b2.gross_revenue_churn(),
            ] {
                let _ = r;
            }
            if let Some(mut b) = b {
                let before = b;
                if t.call(|| format!("{w}: merge"), || b.merge(&b2)).is_some() {
                    t.promise(b.check().is_ok(), || {
                        format!("{w}: a merged bridge fails its check")
                    });
                } else {
                    t.promise(b == before, || format!("{w}: a failed merge changed the bridge"));
                }
            }
        }
    }
    t.finish();
}

fn random_log(rng: &mut Rng) -> TransactionLog<u32> {
    let mut log = TransactionLog::default();
    let base = if rng.chance(5) {
        rng.date()
    } else {
        NaiveDate::from_ymd_opt(2020, 1, 1).unwrap()
    };
    // One log in eight spans chrono's whole range (tables and lapse reports up to their
    // documented limits: seconds each in a debug build).
    let wild = rng.chance(8);
    for _ in 0..rng.usize(30) {
        let d = if wild && rng.chance(10) {
            rng.date()
        } else {
            rng.date_near(base, 800)
        };
        let a = match rng.below(6) {
            0 => rng.decimal(),
            1 => -rng.money(),
            _ => rng.money(),
        };
        log.push(rng.below(6) as u32, d, a);
    }
    log
}

fn cohort_period(rng: &mut Rng) -> CohortPeriod {
    match rng.below(5) {
        0 => CohortPeriod::Week,
        1 => CohortPeriod::Month,
        2 => CohortPeriod::Every(
            Period::every(rng.pick(&[1, 7, 30, 365, 36_500]), rng.date()).unwrap_or(Period::DAY),
        ),
        3 => CohortPeriod::Boundaries((0..rng.usize(5)).map(|_| rng.date()).collect()),
        _ => CohortPeriod::Every(Period::DAY),
    }
}

#[test]
fn churn_cohorts_and_lapses_account_for_rows() {
    let mut t = Tally::new("churn cohorts");
    let mut rng = Rng::new(43);
    for case in 0..400 * scale() {
        let log = random_log(&mut rng);
        let period = cohort_period(&mut rng);
        let as_of = if rng.chance(4) {
            rng.date()
        } else {
            rng.date_near(NaiveDate::from_ymd_opt(2020, 1, 1).unwrap(), 1000)
        };
        let w = || {
            format!(
                "case {case}: {period:?} as of {as_of}, log {:?}",
                log.columns().iter().collect::<Vec<_>>()
            )
        };
        if let Some(spec) = t.call(w, || CohortSpec::new(period.clone(), as_of)) {
            if let Some(table) = t.call(w, || CohortTable::build(&spec, log.columns())) {
                t.promise(
                    table.rows_used + table.rows_after_as_of == log.len() as u64,
                    || {
                        format!(
                            "{}: rows {} + {} of {}",
                            w(),
                            table.rows_used,
                            table.rows_after_as_of,
                            log.len()
                        )
                    },
                );
                for c in &table.cohorts {
                    t.promise(c.size > 0, || format!("{}: empty cohort", w()));
                    for a in c.active.iter().chain(&c.active_or_later).flatten() {
                        t.promise(*a <= c.size, || format!("{}: {a} active of {}", w(), c.size));
                    }
                    for k in 0..c.active.len() {
                        for r in [c.retention(k), c.retention_or_later(k)].into_iter().flatten() {
                            t.probability(r, || format!("{}: retention({k})", w()));
                        }
                        if let Some(r) = c.revenue_retention(k) {
                            t.finite(r, || format!("{}: revenue_retention({k})", w()));
                        }
                    }
                }
                // Shards by customer merge into the whole.
                let mut odd = TransactionLog::default();
                let mut even = TransactionLog::default();
                for (c, d, a) in log.columns().iter() {
                    if c % 2 == 1 {
                        odd.push(*c, *d, *a)
                    } else {
                        even.push(*c, *d, *a)
                    }
                }
                let merged = t.call(w, || {
                    let mut a = CohortTable::build(&spec, odd.columns())?;
                    a.merge(&CohortTable::build(&spec, even.columns())?)?;
                    Ok::<_, customer_value::Error>(a)
                });
                t.promise(merged.as_ref() == Some(&table), || {
                    format!("{}: shards merge into {merged:?}, whole {table:?}", w())
                });
            }
        }
        let window = rng.pick(&[0, 1, 30, 365, u32::MAX]);
        if let Some(r) = t.call(w, || lapse_report(log.columns(), window, as_of, period.clone())) {
            let on_or_before = log.columns().dates().iter().filter(|d| **d <= as_of).count() as u64;
            t.promise(r.rows_after_as_of + on_or_before == log.len() as u64, || {
                format!("{}: rows after as-of {}", w(), r.rows_after_as_of)
            });
            if let Some(s) = r.lapsed_share() {
                t.probability(s, || format!("{}: lapsed share", w()));
            }
            let n = r.customers.len() as u64;
            for p in &r.periods {
                t.promise(p.lapsed_at_end + p.active_at_end <= n, || {
                    format!("{}: period {p:?} of {n} customers", w())
                });
            }
        }
    }
    t.finish();
}

#[test]
fn churn_at_risk_ranking_is_finite_and_ordered() {
    let mut t = Tally::new("churn at-risk");
    let mut rng = Rng::new(44);
    for case in 0..3_000 * scale() {
        let n = rng.usize(10);
        let ids: Vec<u32> = (0..n as u32).collect();
        let p: Vec<f64> = (0..n).map(|_| rng.prob()).collect();
        let v: Vec<f64> = (0..n + usize::from(rng.chance(20))).map(|_| rng.f64()).collect();
        let threshold = rng.prob();
        let w = || format!("case {case}: rank_at_risk({p:?}, {v:?}, {threshold})");
        if let Some(r) = t.call(w, || rank_at_risk(&ids, &p, &v, threshold)) {
            t.finite(r.total_value_at_risk, || format!("{}: total", w()));
            t.promise(r.scored == n as u64, || format!("{}: scored {}", w(), r.scored));
            let sum: f64 = r.at_risk.iter().map(|a| a.value_at_risk).sum();
            t.promise(
                (sum - r.total_value_at_risk).abs()
                    <= 1e-9 * sum.abs().max(r.total_value_at_risk.abs()).max(1.0)
                    || !sum.is_finite(),
                || format!("{}: total {} vs Σ {sum}", w(), r.total_value_at_risk),
            );
            for pair in r.at_risk.windows(2) {
                t.promise(pair[0].value_at_risk >= pair[1].value_at_risk, || {
                    format!("{}: not ordered", w())
                });
            }
            for a in &r.at_risk {
                t.finite(a.value_at_risk, || format!("{}: value at risk", w()));
                t.promise(a.p_alive < threshold || a.p_alive <= threshold, || {
                    format!("{}: {a:?} above threshold", w())
                });
            }
        }
    }
    t.finish();
}

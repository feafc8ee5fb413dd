//! Summaries: logs over chrono's whole date range with amounts at the `Decimal` limits,
//! empty logs, calibration ends after the observation end, every period, unit and
//! negative-amount policy. Every `Ok` accounts for each row, has finite times with
//! 0 ≤ recency ≤ T, and obeys the laws: any order, any split merged, records or columns
//! (or all cores) give the same summaries.

use chrono::NaiveDate;
use customer_value::{
    NegativeAmounts, Period, SummaryBuilder, SummarySpec, TimeUnit, Transaction, TransactionLog, summarise,
    summarise_columns,
};
use rust_decimal::Decimal;

use super::harness::Tally;
use super::rng::{Rng, scale};

fn spec(rng: &mut Rng, t: &mut Tally, around: NaiveDate) -> Option<SummarySpec> {
    let obs = if rng.chance(4) {
        rng.date()
    } else {
        rng.date_near(around, 400)
    };
    let mut s = SummarySpec::new(obs);
    if rng.chance(2) {
        let cal = if rng.chance(5) {
            rng.date()
        } else {
            rng.date_near(around, 300)
        };
        s = s.with_calibration_end(cal);
    }
    s = s.with_negative_amounts(rng.pick(&[
        NegativeAmounts::Net,
        NegativeAmounts::Exclude,
        NegativeAmounts::Reject,
    ]));
    match rng.below(4) {
        0 => {
            let len = rng.pick(&[0, 1, 7, 30, 36_500, 36_501, u32::MAX]);
            let anchor = rng.date();
            s = s.with_period(t.call(
                || format!("Period::every({len}, {anchor})"),
                || Period::every(len, anchor),
            )?);
        }
        1 => s = s.with_period(Period::WEEK),
        _ => {}
    }
    match rng.below(3) {
        0 => {
            let days = rng.f64();
            s = s.with_unit(t.call(
                || format!("TimeUnit::from_days({days})"),
                || TimeUnit::from_days(days),
            )?);
        }
        1 => s = s.with_unit(TimeUnit::WEEK),
        _ => {}
    }
    Some(s)
}

fn log(rng: &mut Rng, around: NaiveDate) -> Vec<Transaction<u32>> {
    let max = if rng.chance(10) { 0 } else { 40 };
    let n = rng.usize(max);
    let customers = 1 + rng.below(8);
    (0..n)
        .map(|_| {
            let date = if rng.chance(8) {
                rng.date()
            } else {
                rng.date_near(around, 700)
            };
            let amount = match rng.below(8) {
                0 => rng.decimal(),
                1 => -rng.money(),
                _ => rng.money(),
            };
            Transaction::new(rng.below(customers) as u32, date, amount)
        })
        .collect()
}

#[test]
fn summaries_account_for_every_row_and_obey_their_laws() {
    let mut t = Tally::new("summaries");
    let mut rng = Rng::new(21);
    for case in 0..1_500 * scale() {
        let around = if rng.chance(6) {
            rng.date()
        } else {
            NaiveDate::from_ymd_opt(2020, 1, 1).unwrap()
        };
        let Some(spec) = spec(&mut rng, &mut t, around) else {
            continue;
        };
        let rows = log(&mut rng, around);
        let what = || format!("case {case}: {spec:?}, rows {rows:?}");
        let whole = t.call(what, || summarise(spec, &rows));
        // Columns, and (feature `parallel`) all cores.
        let mut columns = TransactionLog::default();
        for r in &rows {
            columns.push(r.customer, r.date, r.amount);
        }
        let by_columns = t.call(what, || summarise_columns(spec, columns.columns()));
        t.promise(by_columns.as_ref() == whole.as_ref(), || {
            format!("{}: columns differ from records", what())
        });
        #[cfg(feature = "parallel")]
        {
            let par = t.call(what, || {
                customer_value::summarise_columns_parallel(spec, columns.columns())
            });
            t.promise(par.as_ref() == whole.as_ref(), || {
                format!("{}: parallel differs from records", what())
            });
        }
        // Reversed order, and a random split merged.
        let reversed: Vec<_> = rows.iter().rev().cloned().collect();
        let rev = t.call(what, || summarise(spec, &reversed));
        let mask: Vec<bool> = rows.iter().map(|_| rng.chance(2)).collect();
        let merged = t.call(what, || {
            let mut a = SummaryBuilder::new(spec)?;
            let mut b = SummaryBuilder::new(spec)?;
            for (r, left) in rows.iter().zip(&mask) {
                if *left {
                    a.push(&r.customer, r.date, r.amount)?
                } else {
                    b.push(&r.customer, r.date, r.amount)?
                }
            }
            a.merge(b)?;
            a.finish()
        });
        let Some(s) = whole else { continue };
        t.promise(rev.as_ref() == Some(&s), || {
            format!("{}: reversed order gives {rev:?}", what())
        });
        t.promise(merged.as_ref() == Some(&s), || {
            format!("{}: merged split gives {merged:?}", what())
        });
        let r = &s.report;
        t.promise(r.rows == rows.len() as u64, || {
            format!("{}: report counts {} rows", what(), r.rows)
        });
        t.promise(
            r.rows
                == r.rows_summarised
                    + r.rows_after_observation_end
                    + r.negative_rows_excluded
                    + r.rows_of_excluded_customers,
            || format!("{}: rows unaccounted for in {r:?}", what()),
        );
        t.promise(r.customers == s.customers.len() as u64, || {
            format!("{}: customers {r:?}", what())
        });
        let mut summarised = 0;
        for c in &s.customers {
            summarised += c.rows + c.holdout.as_ref().map_or(0, |h| h.rows);
            t.finite(c.recency, || format!("{}: recency", what()));
            t.finite(c.age, || format!("{}: age", what()));
            t.promise(0.0 <= c.recency && c.recency <= c.age, || {
                format!("{}: recency {} age {}", what(), c.recency, c.age)
            });
            t.promise(c.first_purchase <= c.last_purchase, || {
                format!("{}: first after last", what())
            });
            if let Some(h) = &c.holdout {
                t.finite(h.duration, || format!("{}: holdout duration", what()));
                t.promise(h.duration >= 0.0, || {
                    format!("{}: negative holdout duration", what())
                });
            }
            t.promise(c.frequency > 0 || c.monetary_value == Decimal::ZERO, || {
                format!("{}: monetary value without repeats", what())
            });
        }
        t.promise(summarised == r.rows_summarised, || {
            format!("{}: customers' rows {summarised} vs {r:?}", what())
        });
    }
    t.finish();
}

/// Empty logs, one-row logs and a spec whose calibration end is not before the observation
/// end: typed errors, never a summary of nothing.
#[test]
fn summaries_of_degenerate_logs_are_typed_errors() {
    let mut t = Tally::new("summaries edge");
    let mut rng = Rng::new(22);
    for case in 0..1_000 * scale() {
        let obs = rng.date();
        let cal = if rng.chance(2) {
            obs.checked_add_days(chrono::Days::new(rng.below(3)))
        } else {
            Some(rng.date())
        };
        let mut spec = SummarySpec::new(obs);
        if let Some(c) = cal {
            spec = spec.with_calibration_end(c);
        }
        let rows: Vec<Transaction<u64>> = (0..rng.usize(2))
            .map(|_| Transaction::new(rng.u64(), rng.date(), rng.decimal()))
            .collect();
        let what = || format!("case {case}: {spec:?} {rows:?}");
        let s = t.call(what, || summarise(spec, &rows));
        if let Some(s) = s {
            t.promise(!s.customers.is_empty(), || {
                format!("{}: Ok without customers", what())
            });
            t.promise(spec.validate().is_ok(), || {
                format!("{}: Ok for an invalid spec", what())
            });
        }
    }
    t.finish();
}

//! The per-customer value table of a time-varying covariate fit: the columns of
//! [`score`](crate::score::score) (P(alive), expected purchases over the horizon,
//! discounted expected purchases and CLV, expected spend, holdout expectations) with each
//! customer's own covariate path, past and future.

use std::collections::HashMap;

use super::data::{TimeVaryingData, last_period};
use super::fit::TimeVaryingFit;
use crate::btyd::covariates::Coefficient;
use crate::btyd::{ClvSpec, GammaGamma};
use crate::error::{Error, Result};
use crate::score::{CustomerScore, PurchaseValue, ScoreFlag, ScoreReport, ScoreSpec, ScoreTable};
use crate::summary::SummaryColumns;
use crate::time::TimeUnit;

/// The most first-error messages a table keeps.
const MAX_FIRST_ERRORS: usize = 16;

impl TimeVaryingFit {
    /// The coefficients (every estimate after the four baseline parameters) with standard
    /// errors, z and two-sided p values under the standard normal.
    ///
    /// # Examples
    ///
    /// ```
    /// # let fit: customer_value::btyd::covariates::time_varying::TimeVaryingFit = serde_json::from_str(r#"{"model":"ParetoNbd","parameter_names":["r","alpha","s","beta","purchase.season"],"estimates":[1.0,2.0,0.8,3.0,0.5],"standard_errors":[0.1,0.2,0.3,0.4,0.25],"log_likelihood":-1.0,"iterations":1,"convergence":"Gradient","customers":1,"purchase_covariates":["season"],"dropout_covariates":[]}"#).unwrap();
    /// let c = &fit.coefficients()[0];
    /// assert_eq!((c.name.as_str(), c.z), ("purchase.season", Some(2.0)));
    /// assert!((c.p_value.unwrap() - 0.0455).abs() < 1e-4);
    /// ```
    #[must_use]
    pub fn coefficients(&self) -> Vec<Coefficient> {
        self.parameter_names
            .iter()
            .zip(&self.estimates)
            .enumerate()
            .skip(4)
            .map(|(i, (name, &estimate))| {
                let se = self.standard_errors.as_ref().and_then(|s| s.get(i).copied());
                let z = se.filter(|s| *s > 0.0).map(|s| estimate / s);
                Coefficient {
                    name: name.clone(),
                    estimate,
                    standard_error: se,
                    z,
                    p_value: z.map(|z| statrs::function::erf::erfc(z.abs() / std::f64::consts::SQRT_2)),
                }
            })
            .collect()
    }

    /// The value table of the customers of `cols` (summaries in `unit`, the fit's unit):
    /// customer `i` of `cols` is customer `members[i]` of `data` (`None`: no covariates,
    /// flagged [`ScoreFlag::MissingCovariates`] with no values). `data`'s covariate grid
    /// must reach past every scored customer's `T` by the horizon and the holdout.
    ///
    /// The columns follow [`score`](crate::score::score): P(alive) at `T`; expected
    /// purchases over the horizon with the table's future covariates; discounted
    /// purchases `Σ_k (E[N(T, T + t_k)] − E[N(T, T + t_{k−1})]) · d(t_k)` over the steps
    /// `t_k` of `spec` (each step discounted at its end), CLV = value per purchase × that;
    /// expected spend from `spend` (customers with repeats and a mean repeat spend ≤ 0
    /// flagged [`ScoreFlag::NoPositiveRepeatSpend`]); the holdout expectation over the
    /// holdout's duration. P(alive) at the horizon and DERT are not provided (`None`
    /// without a flag). A customer whose predictions fail is flagged
    /// [`ScoreFlag::PurchaseModelFailed`], the first error kept in the report.
    ///
    /// # Errors
    ///
    /// [`Error::LengthMismatch`] unless `members` has one entry per customer of `cols`;
    /// [`Error::InvalidParameter`] for an index past `data`'s customers or a spec that does
    /// not convert into `unit`; [`Error::EmptyInput`] without customers.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::covariates::time_varying::{TimeVaryingCovariates, TimeVaryingData, TimeVaryingFit, TvCustomer, TvModel};
    /// use customer_value::btyd::DiscountRate;
    /// use customer_value::score::{ScoreFlag, ScoreSpec};
    /// use customer_value::{SummaryColumns, TimeUnit};
    ///
    /// // One customer with a season flag on odd weeks, 30 weeks of covariates.
    /// let t = TimeVaryingCovariates::new(vec!["season".into()], 1, 30, (0..30).map(|k| (k % 2) as f64).collect())?;
    /// let data = TimeVaryingData::new(vec![TvCustomer::new(0.0, vec![2.5, 7.0], 10.0)?], t, TimeVaryingCovariates::empty(1, 30))?;
    /// let fit = TimeVaryingFit::fit_from_values(TvModel::ParetoNbd, &data, &[1.0, 2.0, 0.8, 3.0, 0.4])?;
    /// // Two customers in the summaries; the second has no covariates.
    /// let cols = SummaryColumns::from_parts(vec!["a", "b"], vec![2.0, 0.0], vec![7.0, 0.0], vec![10.0, 10.0], vec![20.0, 0.0])?;
    /// let spec = ScoreSpec::new(TimeUnit::WEEK, 12.0, DiscountRate::zero())?.with_value_per_purchase(10.0)?;
    /// let table = fit.score(&data, &[Some(0), None], &cols, None, &spec, TimeUnit::WEEK)?;
    /// let row = &table.rows[0];
    /// assert!((row.expected_purchases.unwrap() - fit.expected_transactions(&data, 0, 12.0)?).abs() < 1e-12);
    /// assert!((row.clv.unwrap() - 10.0 * row.expected_purchases.unwrap()).abs() < 1e-9); // no discounting
    /// assert_eq!(table.rows[1].flags, [ScoreFlag::MissingCovariates]);
    /// assert_eq!(table.report.missing_covariates, 1);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn score<K: Clone + std::fmt::Debug>(
        &self,
        data: &TimeVaryingData,
        members: &[Option<usize>],
        cols: &SummaryColumns<K>,
        spend: Option<&GammaGamma>,
        spec: &ScoreSpec,
        unit: TimeUnit,
    ) -> Result<ScoreTable<K>> {
        let n = cols.len();
        if members.len() != n {
            return Err(Error::LengthMismatch {
                left: "customers",
                left_len: n,
                right: "members",
                right_len: members.len(),
            });
        }
        if n == 0 {
            return Err(Error::EmptyInput {
                what: "customers to score",
            });
        }
        if let Some(i) = members.iter().flatten().find(|&&i| i >= data.len()) {
            return Err(Error::param("members", i, "is past the data's customers"));
        }
        let clv = ClvSpec::new(spec.unit, spec.horizon, spec.discount)?
            .with_step(spec.step)?
            .in_unit(unit)?;
        let times = clv.times()?;
        let discount: Vec<f64> = times.iter().map(|&t| clv.discount.factor(t, clv.unit)).collect();
        let horizon = clv.horizon;
        let duration = cols
            .holdout
            .as_ref()
            .map(|h| h.duration.first().copied().unwrap_or(0.0));
        let mut report = ScoreReport {
            customers: n as u64,
            ..ScoreReport::default()
        };
        let mut noted: Vec<ScoreFlag> = Vec::new();
        let reach = horizon.max(duration.unwrap_or(0.0));
        let mut shared: HashMap<Vec<u64>, (f64, f64, Option<f64>), foldhash::fast::RandomState> =
            HashMap::default();
        let mut rows = Vec::with_capacity(n);
        for (i, (customer, member)) in cols.customers.iter().zip(members).enumerate() {
            let x = cols.frequency.get(i).copied().unwrap_or(0.0);
            let m = cols.monetary_value.get(i).copied().unwrap_or(0.0);
            let mut row = CustomerScore {
                customer: customer.clone(),
                frequency: x as u32,
                recency: cols.recency.get(i).copied().unwrap_or(0.0),
                age: cols.age.get(i).copied().unwrap_or(0.0),
                monetary_value: m,
                p_alive: None,
                p_alive_at_horizon: None,
                expected_purchases: None,
                dert: None,
                expected_spend: None,
                discounted_purchases: None,
                clv: None,
                expected_holdout_purchases: None,
                holdout_purchases: cols
                    .holdout
                    .as_ref()
                    .and_then(|h| h.frequency.get(i))
                    .map(|&v| v as u32),
                flags: Vec::new(),
            };
            let mut fail = |row: &mut CustomerScore<K>, flag: ScoreFlag, e: &Error| {
                if !row.flags.contains(&flag) {
                    row.flags.push(flag);
                }
                if !noted.contains(&flag) && report.first_errors.len() < MAX_FIRST_ERRORS {
                    noted.push(flag);
                    report.first_errors.push(format!("customer {customer:?}: {e}"));
                }
            };
            let Some(&j) = member.as_ref() else {
                row.flags.push(ScoreFlag::MissingCovariates);
                count(&mut report, &row);
                rows.push(row);
                continue;
            };
            let purchase = (|| -> Result<(f64, f64, f64, Option<f64>)> {
                let alive = finite(self.probability_alive(data, j)?, "P(alive)")?;
                // The expectations are P(alive) × a factor of (x, T, the path): customers
                // sharing those share the factor (on apparel, the customers of one
                // Gender × Channel with the same x).
                let key = shared_key(data, j, reach);
                if let Some((e, d, h)) = key.as_ref().and_then(|k| shared.get(k)) {
                    return Ok((alive, alive * e, alive * d, h.map(|h| alive * h)));
                }
                let curve = self.expected_transactions_curve(data, j, &times)?;
                let (mut prev, mut discounted) = (0.0, 0.0);
                for (&e, &d) in curve.iter().zip(&discount) {
                    discounted += (finite(e, "expected purchases")? - prev) * d;
                    prev = e;
                }
                let expected = finite(
                    self.expected_transactions(data, j, horizon)?,
                    "expected purchases",
                )?;
                let holdout = duration
                    .map(|d| {
                        self.expected_transactions(data, j, d)
                            .and_then(|v| finite(v, "holdout purchases"))
                    })
                    .transpose()?;
                if let Some(k) = key.filter(|_| alive > 1e-300) {
                    shared.insert(
                        k,
                        (expected / alive, discounted / alive, holdout.map(|h| h / alive)),
                    );
                }
                Ok((alive, expected, discounted, holdout))
            })();
            match purchase {
                Ok((alive, expected, discounted, holdout)) => {
                    row.p_alive = Some(alive);
                    row.expected_purchases = Some(expected);
                    row.discounted_purchases = Some(discounted);
                    row.expected_holdout_purchases = holdout;
                }
                Err(e) => fail(&mut row, ScoreFlag::PurchaseModelFailed, &e),
            }
            match (spend, spec.value) {
                (_, PurchaseValue::Fixed(_)) => {}
                (None, _) => row.flags.push(ScoreFlag::NoSpendModel),
                (Some(_), _) if x > 0.0 && (m.is_nan() || m <= 0.0) => {
                    row.flags.push(ScoreFlag::NoPositiveRepeatSpend);
                }
                (Some(g), _) => match g
                    .conditional_expected_spend(x, m)
                    .and_then(|v| finite(v, "expected spend"))
                {
                    Ok(v) => row.expected_spend = Some(v),
                    Err(e) => fail(&mut row, ScoreFlag::SpendModelFailed, &e),
                },
            }
            let value = match spec.value {
                PurchaseValue::Fixed(v) => Some(v),
                PurchaseValue::FractionOfSpend(f) => row.expected_spend.map(|s| f * s),
            };
            if let (Some(v), Some(d)) = (value, row.discounted_purchases) {
                let clv = v * d;
                if clv.is_finite() {
                    row.clv = Some(clv);
                } else {
                    let e = Error::Undefined {
                        what: "CLV",
                        reason: format!(
                            "value per purchase {v:e} × discounted purchases {d:e} is not finite"
                        ),
                    };
                    fail(&mut row, ScoreFlag::ClvFailed, &e);
                }
            }
            count(&mut report, &row);
            rows.push(row);
        }
        Ok(ScoreTable {
            rows,
            report,
            unit,
            horizon,
        })
    }
}

/// What the expectations of customer `i` over windows up to `reach` depend on besides
/// P(alive): `x`, `T`, the birth and the covariate rows from the first period to the last
/// one reached (`None` for an index out of range).
fn shared_key(data: &TimeVaryingData, i: usize, reach: f64) -> Option<Vec<u64>> {
    let c = data.customers.get(i)?;
    let first = c.birth().floor().max(0.0) as usize;
    let last = last_period(c.birth(), c.age() + reach);
    let mut key = vec![c.frequency().to_bits(), c.age().to_bits(), c.birth().to_bits()];
    for k in first..=last {
        for t in [&data.purchase, &data.dropout] {
            key.extend(t.row(i, k).unwrap_or(&[]).iter().map(|v| v.to_bits()));
        }
    }
    Some(key)
}

/// The report's counts of one row (as `score`'s).
fn count<K>(report: &mut ScoreReport, row: &CustomerScore<K>) {
    report.with_clv += u64::from(row.clv.is_some());
    for flag in &row.flags {
        match flag {
            ScoreFlag::PurchaseModelFailed => report.purchase_model_failed += 1,
            ScoreFlag::NoPositiveRepeatSpend => report.no_positive_repeat_spend += 1,
            ScoreFlag::SpendModelFailed => report.spend_model_failed += 1,
            ScoreFlag::NoSpendModel => report.no_spend_model += 1,
            ScoreFlag::AliveAtHorizonFailed => report.alive_at_horizon_failed += 1,
            ScoreFlag::DertFailed => report.dert_failed += 1,
            ScoreFlag::ClvFailed => report.clv_failed += 1,
            ScoreFlag::MissingCovariates => report.missing_covariates += 1,
        }
    }
}

fn finite(v: f64, what: &'static str) -> Result<f64> {
    if v.is_finite() {
        Ok(v)
    } else {
        Err(Error::Undefined {
            what,
            reason: format!("{v} is not finite"),
        })
    }
}

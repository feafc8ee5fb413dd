//! Scoring customers who each have their own model (covariate fits): the customers are
//! grouped by their covariate rows, each group is scored by [`score_columns`] with its
//! own model — so the work grows with the distinct groups, and the sharing per `(x, T)`
//! of [`score`](super::score) still works inside a group — and the rows are put back in
//! the customers' order. A customer without covariates is a flagged row
//! ([`ScoreFlag::MissingCovariates`]), a group whose model cannot be built flags its
//! customers ([`ScoreFlag::PurchaseModelFailed`]); neither stops the others.
//!
//! This module owns the grouping ([`ModelGroups`]) and [`score_groups`]; the scoring
//! rules stay in `mod.rs`.

use std::collections::HashMap;
use std::sync::Arc;

use super::{CustomerScore, ScoreFlag, ScoreReport, ScoreSpec, ScoreTable, score_columns};
use crate::btyd::covariates::{
    CovariateFit, CovariateMatrix, CovariateModel, GgomCovariateFit, SpendCovariateFit,
};
use crate::btyd::{GammaGamma, TransactionModel, cumulative_expected_repeat_transactions};
use crate::error::{Error, Result};
use crate::summary::{HoldoutColumns, SummaryColumns};
use crate::time::TimeUnit;

/// The first errors kept in a grouped report (one group's per kind at most, then this many
/// in all): a fit with continuous covariates has a group per customer.
const MAX_FIRST_ERRORS: usize = 16;

/// The covariate rows of the customers to score, in their order: one row per customer in
/// each matrix, and whether the customer has covariates at all (`present[i] == false`:
/// the customer's rows are ignored and the customer is flagged
/// [`ScoreFlag::MissingCovariates`]).
///
/// # Examples
///
/// ```
/// use customer_value::btyd::covariates::CovariateMatrix;
/// use customer_value::score::CustomerCovariates;
///
/// let m = CovariateMatrix::from_columns(2, &[("offline", &[1.0, 0.0])])?;
/// let c = CustomerCovariates::new(m.clone(), m, vec![true, false])?;
/// assert_eq!(c.missing(), 1);
/// assert!(CustomerCovariates::new(CovariateMatrix::empty(2), CovariateMatrix::empty(3), vec![true; 2]).is_err());
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerCovariates {
    purchase: CovariateMatrix,
    dropout: CovariateMatrix,
    present: Vec<bool>,
}

impl CustomerCovariates {
    /// Validates that both matrices and `present` have one entry per customer.
    ///
    /// # Errors
    ///
    /// [`Error::LengthMismatch`].
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::covariates::CovariateMatrix;
    /// use customer_value::score::CustomerCovariates;
    ///
    /// // Three customers with a purchase covariate and no dropout covariates.
    /// let purchase = CovariateMatrix::from_columns(3, &[("offline", &[1.0, 0.0, 1.0])])?;
    /// let c = CustomerCovariates::new(purchase.clone(), CovariateMatrix::empty(3), vec![true; 3])?;
    /// assert_eq!((c.len(), c.missing()), (3, 0));
    /// // Two customers' flags for three rows.
    /// assert!(CustomerCovariates::new(purchase, CovariateMatrix::empty(3), vec![true; 2]).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn new(purchase: CovariateMatrix, dropout: CovariateMatrix, present: Vec<bool>) -> Result<Self> {
        for (what, len) in [
            ("purchase covariate rows", purchase.rows()),
            ("dropout covariate rows", dropout.rows()),
        ] {
            if len != present.len() {
                return Err(Error::LengthMismatch {
                    left: "customers (present)",
                    left_len: present.len(),
                    right: what,
                    right_len: len,
                });
            }
        }
        Ok(CustomerCovariates {
            purchase,
            dropout,
            present,
        })
    }

    /// Customers.
    #[must_use]
    pub fn len(&self) -> usize {
        self.present.len()
    }

    /// Whether there are no customers.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.present.is_empty()
    }

    /// Customers without covariates.
    #[must_use]
    pub fn missing(&self) -> u64 {
        self.present.iter().filter(|p| !**p).count() as u64
    }

    /// The purchase and dropout column names.
    #[must_use]
    pub fn names(&self) -> (&[String], &[String]) {
        (self.purchase.names(), self.dropout.names())
    }

    /// Customer `i`'s purchase and dropout rows, `None` when missing.
    ///
    /// ```
    /// use customer_value::btyd::covariates::CovariateMatrix;
    /// use customer_value::score::CustomerCovariates;
    ///
    /// let m = CovariateMatrix::from_columns(2, &[("offline", &[1.0, 0.0])])?;
    /// let c = CustomerCovariates::new(m, CovariateMatrix::empty(2), vec![true, false])?;
    /// assert_eq!(c.rows(0), Some((&[1.0][..], &[][..])));
    /// assert_eq!(c.rows(1), None); // no covariates
    /// assert_eq!(c.rows(2), None); // no such customer
    /// assert_eq!(c.names().0, ["offline"]);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn rows(&self, i: usize) -> Option<(&[f64], &[f64])> {
        if !*self.present.get(i)? {
            return None;
        }
        Some((self.purchase.row(i)?, self.dropout.row(i)?))
    }
}

/// One group's models.
#[derive(Debug)]
struct Group {
    /// Shared by the groups that split one purchase group by spend covariates.
    purchases: Arc<Result<Box<dyn TransactionModel>>>,
    /// The group's own spend model (spend covariates); `None`: the one of [`score_groups`].
    spend: Option<Result<GammaGamma>>,
}

/// Customers grouped by their own models: each group one purchase model (a customer's
/// model from a covariate fit) and optionally a spend model; customers without a group
/// have no covariates. Built by [`from_covariates`](Self::from_covariates), scored by
/// [`score_groups`].
///
/// # Examples
///
/// Each customer's own model, here from a Pareto/NBD covariate fit (the full flow, with
/// the fit and the scores, is at [`score_groups`]):
///
/// ```
/// use customer_value::btyd::covariates::{CovariateFit, CovariateMatrix};
/// use customer_value::btyd::{History, ParetoNbd};
/// use customer_value::score::{CustomerCovariates, ModelGroups};
///
/// // A fit read back from its saved form (hidden): baseline (r, α, s, β) = (1, 2, 1, 3).
/// # let fit: CovariateFit<ParetoNbd> = serde_json::from_str(r#"{"model":{"model":"pnbd","format":1,"params":{"r":1.0,"alpha":2.0,"s":1.0,"beta":3.0}},"parameter_names":["r","alpha","s","beta","purchase.a","dropout.a"],"estimates":[1.0,2.0,1.0,3.0,0.5,0.0],"standard_errors":null,"log_likelihood":-1.0,"objective":0.5,"iterations":1,"gradient_norm":0.0,"convergence":"Gradient","customers":2.0,"distinct_rows":2,"covariate_groups":2,"purchase_covariates":["a"],"dropout_covariates":["a"],"options":{"fit":{"penalty":0.0,"max_iterations":500,"tolerance":1e-8,"start":null},"lambda_purchase":0.0,"lambda_dropout":0.0,"constrained":[],"shared_dropout":false}}"#).unwrap();
/// // Purchase coefficient 0.5 on `a`: customers with a = 1 buy e^0.5 times as often.
/// let a = CovariateMatrix::from_columns(4, &[("a", &[0.0, 1.0, 1.0, 0.0])])?;
/// let groups = ModelGroups::from_covariates(&fit, &CustomerCovariates::new(a.clone(), a, vec![true, true, true, false])?)?;
/// assert_eq!((groups.len(), groups.groups(), groups.missing()), (4, 2, 1));
/// let h = History::new(2, 5.0, 10.0)?;
/// let (low, high) = (groups.purchase_model(0).unwrap(), groups.purchase_model(1).unwrap());
/// assert!(high.expected_purchases_for(5.0, h)? > low.expected_purchases_for(5.0, h)?);
/// assert!(groups.purchase_model(3).is_none()); // no covariates, no model
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug)]
pub struct ModelGroups {
    groups: Vec<Group>,
    member: Vec<Option<usize>>,
}

impl ModelGroups {
    /// The groups of `covariates` under `fit`: one per distinct (purchase, dropout) row,
    /// with [`CovariateFit::customer_model`] of that row.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidDefinition`] if the covariate columns are not the fit's (names and
    /// order). A row whose model cannot be built (overflowing parameters) is no error: its
    /// customers are flagged when scored.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::covariates::{CovariateFit, CovariateMatrix};
    /// use customer_value::btyd::ParetoNbd;
    /// use customer_value::score::{CustomerCovariates, ModelGroups};
    ///
    /// // A fit read back from its saved form (hidden): covariate `a`, coefficients 0.
    /// # let fit: CovariateFit<ParetoNbd> = serde_json::from_str(r#"{"model":{"model":"pnbd","format":1,"params":{"r":1.0,"alpha":2.0,"s":1.0,"beta":3.0}},"parameter_names":["r","alpha","s","beta","purchase.a","dropout.a"],"estimates":[1.0,2.0,1.0,3.0,0.0,0.0],"standard_errors":null,"log_likelihood":-1.0,"objective":0.5,"iterations":1,"gradient_norm":0.0,"convergence":"Gradient","customers":2.0,"distinct_rows":2,"covariate_groups":2,"purchase_covariates":["a"],"dropout_covariates":["a"],"options":{"fit":{"penalty":0.0,"max_iterations":500,"tolerance":1e-8,"start":null},"lambda_purchase":0.0,"lambda_dropout":0.0,"constrained":[],"shared_dropout":false}}"#).unwrap();
    /// // Five customers, two distinct rows of `a`: two models to build.
    /// let a = CovariateMatrix::from_columns(5, &[("a", &[0.0, 1.0, 1.0, 0.0, 1.0])])?;
    /// let groups = ModelGroups::from_covariates(&fit, &CustomerCovariates::new(a.clone(), a, vec![true; 5])?)?;
    /// assert_eq!((groups.len(), groups.groups()), (5, 2));
    /// // Columns the fit does not know.
    /// let b = CovariateMatrix::from_columns(5, &[("b", &[0.0; 5])])?;
    /// assert!(ModelGroups::from_covariates(&fit, &CustomerCovariates::new(b.clone(), b, vec![true; 5])?).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn from_covariates<M: CovariateModel>(
        fit: &CovariateFit<M>,
        covariates: &CustomerCovariates,
    ) -> Result<Self> {
        if covariates.purchase.names() != fit.purchase_covariates.as_slice()
            || covariates.dropout.names() != fit.dropout_covariates.as_slice()
        {
            return Err(Error::definition(
                "covariates",
                "the customers' covariate columns are not the fit's (names and order)",
            ));
        }
        Ok(Self::build(
            covariates.len(),
            |i| covariates.rows(i).map(|(p, d)| key(&[p, d])),
            |i| {
                let (p, d) = covariates.rows(i).unwrap_or((&[], &[]));
                Group {
                    purchases: Arc::new(
                        fit.customer_model(p, d)
                            .map(|m| Box::new(m) as Box<dyn TransactionModel>),
                    ),
                    spend: None,
                }
            },
        ))
    }

    /// The groups of `covariates` under a GGom/NBD covariate fit: one per distinct
    /// (purchase, dropout) row, with [`GgomCovariateFit::customer_model`] of that row.
    ///
    /// # Errors
    ///
    /// As [`from_covariates`](Self::from_covariates).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::covariates::{CovariateMatrix, GgomCovariateFit};
    /// use customer_value::score::{CustomerCovariates, ModelGroups};
    ///
    /// # let fit: GgomCovariateFit = serde_json::from_str(r#"{"model":{"model":"ggomnbd","format":1,"unit_days":null,"params":{"r":1.0,"alpha":2.0,"b":0.1,"s":1.0,"beta":3.0}},"parameter_names":["r","alpha","b","s","beta","purchase.a"],"estimates":[1.0,2.0,0.1,1.0,3.0,0.5],"standard_errors":null,"log_likelihood":-1.0,"objective":0.5,"iterations":1,"gradient_norm":0.0,"convergence":"Gradient","customers":2.0,"covariate_groups":2,"purchase_covariates":["a"],"dropout_covariates":[],"options":{"fit":{"penalty":0.0,"max_iterations":500,"tolerance":1e-8,"start":null},"lambda_purchase":0.0,"lambda_dropout":0.0,"constrained":[],"shared_dropout":false}}"#).unwrap();
    /// let a = CovariateMatrix::from_columns(3, &[("a", &[0.0, 1.0, 1.0])])?;
    /// let c = CustomerCovariates::new(a, CovariateMatrix::empty(3), vec![true; 3])?;
    /// assert_eq!(ModelGroups::from_ggom_covariates(&fit, &c)?.groups(), 2);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn from_ggom_covariates(fit: &GgomCovariateFit, covariates: &CustomerCovariates) -> Result<Self> {
        if covariates.purchase.names() != fit.purchase_covariates.as_slice()
            || covariates.dropout.names() != fit.dropout_covariates.as_slice()
        {
            return Err(Error::definition(
                "covariates",
                "the customers' covariate columns are not the fit's (names and order)",
            ));
        }
        Ok(Self::build(
            covariates.len(),
            |i| covariates.rows(i).map(|(p, d)| key(&[p, d])),
            |i| {
                let (p, d) = covariates.rows(i).unwrap_or((&[], &[]));
                Group {
                    purchases: Arc::new(
                        fit.customer_model(p, d)
                            .map(|m| Box::new(m) as Box<dyn TransactionModel>),
                    ),
                    spend: None,
                }
            },
        ))
    }

    /// The groups split by spend covariates: each customer's spend model is
    /// [`SpendCovariateFit::customer_model`] of their row of `spend_rows` (one row per
    /// customer, in the fit's column order); customers without covariates stay without.
    ///
    /// # Errors
    ///
    /// [`Error::LengthMismatch`] unless `spend_rows` has one row per customer;
    /// [`Error::InvalidDefinition`] if its columns are not the spend fit's. A row whose
    /// spend model cannot be built flags its customers [`ScoreFlag::SpendModelFailed`].
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::covariates::{CovariateFit, CovariateMatrix, SpendCovariateData, SpendCovariateFit};
    /// use customer_value::btyd::{FitOptions, ParetoNbd};
    /// use customer_value::score::{CustomerCovariates, ModelGroups};
    ///
    /// // A fit read back from its saved form (hidden): covariate `a`, coefficients 0.
    /// # let fit: CovariateFit<ParetoNbd> = serde_json::from_str(r#"{"model":{"model":"pnbd","format":1,"params":{"r":1.0,"alpha":2.0,"s":1.0,"beta":3.0}},"parameter_names":["r","alpha","s","beta","purchase.a","dropout.a"],"estimates":[1.0,2.0,1.0,3.0,0.0,0.0],"standard_errors":null,"log_likelihood":-1.0,"objective":0.5,"iterations":1,"gradient_norm":0.0,"convergence":"Gradient","customers":2.0,"distinct_rows":2,"covariate_groups":2,"purchase_covariates":["a"],"dropout_covariates":["a"],"options":{"fit":{"penalty":0.0,"max_iterations":500,"tolerance":1e-8,"start":null},"lambda_purchase":0.0,"lambda_dropout":0.0,"constrained":[],"shared_dropout":false}}"#).unwrap();
    /// let offline: Vec<f64> = (0..300).map(|i| (i % 2) as f64).collect();
    /// let x: Vec<f64> = (0..300).map(|i| 1.0 + (i % 5) as f64).collect();
    /// let m: Vec<f64> = (0..300).map(|i| (20.0 + (i * 7 % 13) as f64) * (1.0 + offline[i])).collect();
    /// let s = CovariateMatrix::from_columns(300, &[("offline", &offline)])?;
    /// let spend = SpendCovariateFit::fit(&SpendCovariateData::new(&x, &m, &s)?, &FitOptions::default())?;
    /// let a = CovariateMatrix::from_columns(300, &[("a", &vec![0.0; 300])])?;
    /// let groups = ModelGroups::from_covariates(&fit, &CustomerCovariates::new(a.clone(), a, vec![true; 300])?)?;
    /// assert_eq!(groups.groups(), 1);
    /// assert_eq!(groups.with_spend_covariates(&spend, &s)?.groups(), 2);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn with_spend_covariates(
        self,
        spend: &SpendCovariateFit,
        spend_rows: &CovariateMatrix,
    ) -> Result<Self> {
        if spend_rows.rows() != self.member.len() {
            return Err(Error::LengthMismatch {
                left: "customers",
                left_len: self.member.len(),
                right: "spend covariate rows",
                right_len: spend_rows.rows(),
            });
        }
        if spend_rows.names() != spend.covariates.as_slice() {
            return Err(Error::definition(
                "spend covariates",
                "the customers' spend covariate columns are not the fit's (names and order)",
            ));
        }
        let old = self.groups;
        let member = &self.member;
        Ok(Self::build(
            member.len(),
            |i| {
                let g = (*member.get(i)?)?;
                let mut k = vec![g as u64];
                k.extend(key(&[spend_rows.row(i)?]));
                Some(k)
            },
            |i| {
                let purchases = member
                    .get(i)
                    .copied()
                    .flatten()
                    .and_then(|g| old.get(g))
                    .map_or_else(
                        || {
                            Arc::new(Err(Error::Undefined {
                                what: "customer model",
                                reason: "no group".to_owned(),
                            }))
                        },
                        |g| Arc::clone(&g.purchases),
                    );
                Group {
                    purchases,
                    spend: Some(spend.customer_model(spend_rows.row(i).unwrap_or(&[]))),
                }
            },
        ))
    }

    /// Groups from a key per customer (`None`: no covariates) and the models of a group's
    /// first customer.
    fn build(n: usize, key_of: impl Fn(usize) -> Option<Vec<u64>>, make: impl Fn(usize) -> Group) -> Self {
        let mut index: HashMap<Vec<u64>, usize, foldhash::fast::RandomState> = HashMap::default();
        let mut groups = Vec::new();
        let member = (0..n)
            .map(|i| {
                let k = key_of(i)?;
                Some(*index.entry(k).or_insert_with(|| {
                    groups.push(make(i));
                    groups.len() - 1
                }))
            })
            .collect();
        ModelGroups { groups, member }
    }

    /// Distinct groups.
    #[must_use]
    pub fn groups(&self) -> usize {
        self.groups.len()
    }

    /// Customers.
    #[must_use]
    pub fn len(&self) -> usize {
        self.member.len()
    }

    /// Whether there are no customers.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.member.is_empty()
    }

    /// Customers without a group (no covariates).
    #[must_use]
    pub fn missing(&self) -> u64 {
        self.member.iter().filter(|m| m.is_none()).count() as u64
    }

    /// Customer `i`'s purchase model, `None` without covariates or when the group's model
    /// could not be built.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::covariates::{CovariateFit, CovariateMatrix};
    /// use customer_value::btyd::{ParetoNbd, TransactionModel};
    /// use customer_value::score::{CustomerCovariates, ModelGroups};
    ///
    /// // A fit read back from its saved form (hidden): covariate `a`, coefficients 0.
    /// # let fit: CovariateFit<ParetoNbd> = serde_json::from_str(r#"{"model":{"model":"pnbd","format":1,"params":{"r":1.0,"alpha":2.0,"s":1.0,"beta":3.0}},"parameter_names":["r","alpha","s","beta","purchase.a","dropout.a"],"estimates":[1.0,2.0,1.0,3.0,0.0,0.0],"standard_errors":null,"log_likelihood":-1.0,"objective":0.5,"iterations":1,"gradient_norm":0.0,"convergence":"Gradient","customers":2.0,"distinct_rows":2,"covariate_groups":2,"purchase_covariates":["a"],"dropout_covariates":["a"],"options":{"fit":{"penalty":0.0,"max_iterations":500,"tolerance":1e-8,"start":null},"lambda_purchase":0.0,"lambda_dropout":0.0,"constrained":[],"shared_dropout":false}}"#).unwrap();
    /// let a = CovariateMatrix::from_columns(2, &[("a", &[1.0, 0.0])])?;
    /// let groups = ModelGroups::from_covariates(&fit, &CustomerCovariates::new(a.clone(), a, vec![true, false])?)?;
    /// // Coefficients 0: customer 0's model is the baseline (r, α, s, β) = (1, 2, 1, 3).
    /// let model = groups.purchase_model(0).unwrap();
    /// assert_eq!(model.parameters(), fit.model.parameters());
    /// assert!(groups.purchase_model(1).is_none());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn purchase_model(&self, i: usize) -> Option<&dyn TransactionModel> {
        let g = self.groups.get((*self.member.get(i)?)?)?;
        g.purchases.as_ref().as_ref().ok().map(AsRef::as_ref)
    }

    /// Expected cumulative repeat transactions of the base (as
    /// [`cumulative_expected_repeat_transactions`]) with each customer's own model:
    /// the sum over groups of each group's curve from its customers' `births`. Customers
    /// without covariates, or whose group's model failed, are left out and counted
    /// (the second value).
    ///
    /// # Errors
    ///
    /// [`Error::LengthMismatch`] unless `births` has one entry per customer;
    /// [`Error::EmptyInput`] when no customer has a model; otherwise as
    /// [`cumulative_expected_repeat_transactions`].
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::covariates::{CovariateFit, CovariateMatrix};
    /// use customer_value::btyd::{ParetoNbd, cumulative_expected_repeat_transactions};
    /// use customer_value::score::{CustomerCovariates, ModelGroups};
    ///
    /// // A fit read back from its saved form (hidden): covariate `a`, coefficients 0.
    /// # let fit: CovariateFit<ParetoNbd> = serde_json::from_str(r#"{"model":{"model":"pnbd","format":1,"params":{"r":1.0,"alpha":2.0,"s":1.0,"beta":3.0}},"parameter_names":["r","alpha","s","beta","purchase.a","dropout.a"],"estimates":[1.0,2.0,1.0,3.0,0.0,0.0],"standard_errors":null,"log_likelihood":-1.0,"objective":0.5,"iterations":1,"gradient_norm":0.0,"convergence":"Gradient","customers":2.0,"distinct_rows":2,"covariate_groups":2,"purchase_covariates":["a"],"dropout_covariates":["a"],"options":{"fit":{"penalty":0.0,"max_iterations":500,"tolerance":1e-8,"start":null},"lambda_purchase":0.0,"lambda_dropout":0.0,"constrained":[],"shared_dropout":false}}"#).unwrap();
    /// // Coefficients 0: every customer has the baseline model.
    /// let m = CovariateMatrix::from_columns(3, &[("a", &[0.0, 1.0, 1.0])])?;
    /// let groups = ModelGroups::from_covariates(&fit, &CustomerCovariates::new(m.clone(), m, vec![true; 3])?)?;
    /// let (curve, left_out) = groups.tracking(&[0.0, 1.0, 1.0], &[2.0, 4.0])?;
    /// let plain = cumulative_expected_repeat_transactions(&fit.model, &[0.0, 1.0, 1.0], &[2.0, 4.0])?;
    /// assert!((curve[1] - plain[1]).abs() < 1e-12 && left_out == 0);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn tracking(&self, births: &[f64], times: &[f64]) -> Result<(Vec<f64>, u64)> {
        if births.len() != self.member.len() {
            return Err(Error::LengthMismatch {
                left: "customers",
                left_len: self.member.len(),
                right: "births",
                right_len: births.len(),
            });
        }
        let mut per_group: Vec<Vec<f64>> = vec![Vec::new(); self.groups.len()];
        let mut left_out = 0;
        for (m, &b) in self.member.iter().zip(births) {
            match m.and_then(|g| self.groups.get(g).map(|grp| (g, grp))) {
                Some((g, grp)) if grp.purchases.is_ok() => {
                    if let Some(v) = per_group.get_mut(g) {
                        v.push(b);
                    }
                }
                _ => left_out += 1,
            }
        }
        let mut total = vec![0.0; times.len()];
        let mut any = false;
        for (grp, b) in self.groups.iter().zip(&per_group) {
            let (Ok(model), false) = (grp.purchases.as_ref(), b.is_empty()) else {
                continue;
            };
            any = true;
            let curve = cumulative_expected_repeat_transactions(model.as_ref(), b, times)?;
            for (t, c) in total.iter_mut().zip(curve) {
                *t += c;
            }
        }
        if !any {
            return Err(Error::EmptyInput {
                what: "customers with a model to track",
            });
        }
        Ok((total, left_out))
    }
}

/// The bits of covariate rows (+0.0 and −0.0 one value), as a grouping key.
fn key(rows: &[&[f64]]) -> Vec<u64> {
    rows.iter()
        .flat_map(|r| r.iter())
        .map(|v| (v + 0.0).to_bits())
        .collect()
}

/// Scores every customer of `cols` with their group's models (and `spend` where the group
/// has no spend model of its own): the table of
/// [`score_columns`], customer by customer equal to scoring each customer alone with
/// their own model, computed once per group (so once per distinct `(x, T)` within a
/// group).
///
/// Customers without covariates are rows with no values and the flag
/// [`ScoreFlag::MissingCovariates`] (counted in [`ScoreReport::missing_covariates`]);
/// customers of a group whose model could not be built are flagged
/// [`ScoreFlag::PurchaseModelFailed`]. The report's first errors are kept for the first
/// groups that have them (at most 16).
///
/// # Errors
///
/// [`Error::LengthMismatch`] unless `groups` has one entry per customer of `cols`;
/// otherwise as [`score_columns`] (errors of the spec or the units, common to all).
///
/// # Examples
///
/// ```
/// use customer_value::btyd::covariates::{CovariateData, CovariateFit, CovariateMatrix, CovariateOptions};
/// use customer_value::btyd::{BgNbd, DiscountRate};
/// use customer_value::score::{CustomerCovariates, ModelGroups, ScoreFlag, ScoreSpec, score_groups};
/// use customer_value::{SummaryColumns, TimeUnit};
///
/// let offline: Vec<f64> = (0..400).map(|i| (i % 2) as f64).collect();
/// let x: Vec<f64> = (0..400).map(|i| [0.0, 1.0, 0.0, 4.0, 1.0, 7.0, 0.0, 2.0][i % 8]).collect();
/// let tx: Vec<f64> = x.iter().enumerate().map(|(i, &x)| if x > 0.0 { 2.0 + ((i * 13) % 37) as f64 } else { 0.0 }).collect();
/// let age = vec![40.0; 400];
/// let m = CovariateMatrix::from_columns(400, &[("offline", &offline)])?;
/// let fit = CovariateFit::<BgNbd>::fit(&CovariateData::new(&x, &tx, &age, m.clone(), CovariateMatrix::empty(400))?, &CovariateOptions::default())?;
///
/// // The last customer's covariates are unknown.
/// let present: Vec<bool> = (0..400).map(|i| i < 399).collect();
/// let groups = ModelGroups::from_covariates(&fit, &CustomerCovariates::new(m, CovariateMatrix::empty(400), present)?)?;
/// assert_eq!(groups.groups(), 2);
/// let cols = SummaryColumns::from_parts((0..400).collect(), x.clone(), tx.clone(), age.clone(), vec![0.0; 400])?;
/// let spec = ScoreSpec::new(TimeUnit::WEEK, 52.0, DiscountRate::zero())?.with_value_per_purchase(10.0)?;
/// let table = score_groups(&cols, &groups, None, &spec, TimeUnit::WEEK)?;
/// assert_eq!(table.report.missing_covariates, 1);
/// assert_eq!(table.rows[399].flags, [ScoreFlag::MissingCovariates]);
/// assert_eq!(table.report.with_clv, 399);
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn score_groups<K: Clone + std::fmt::Debug>(
    cols: &SummaryColumns<K>,
    groups: &ModelGroups,
    spend: Option<&GammaGamma>,
    spec: &ScoreSpec,
    unit: TimeUnit,
) -> Result<ScoreTable<K>> {
    let n = cols.len();
    if groups.member.len() != n {
        return Err(Error::LengthMismatch {
            left: "customers",
            left_len: n,
            right: "the groups' customers",
            right_len: groups.member.len(),
        });
    }
    if n == 0 {
        return Err(Error::EmptyInput {
            what: "customers to score",
        });
    }
    // Validates the spec and units once, for every group and for the missing rows.
    let horizon = spec.clv_spec()?.in_unit(unit)?.horizon;
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); groups.groups.len()];
    for (i, m) in groups.member.iter().enumerate() {
        if let Some(v) = m.and_then(|g| members.get_mut(g)) {
            v.push(i);
        }
    }
    let mut rows: Vec<Option<CustomerScore<K>>> = vec![None; n];
    let mut first_errors: Vec<String> = Vec::new();
    for (group, idx) in groups.groups.iter().zip(&members) {
        if idx.is_empty() {
            continue;
        }
        let sub = subset(cols, idx);
        let own_spend = match &group.spend {
            Some(Ok(g)) => Some(Some(g)),
            Some(Err(_)) => Some(None),
            None => None,
        };
        match group.purchases.as_ref() {
            Ok(model) => {
                let mut table = score_columns(&sub, model.as_ref(), own_spend.unwrap_or(spend), spec, unit)?;
                if let (Some(Err(e)), Some(&i)) = (&group.spend, idx.first()) {
                    // The group's spend model could not be built: that, not "no spend model".
                    for row in &mut table.rows {
                        for f in &mut row.flags {
                            if *f == ScoreFlag::NoSpendModel {
                                *f = ScoreFlag::SpendModelFailed;
                            }
                        }
                    }
                    if first_errors.len() < MAX_FIRST_ERRORS {
                        let who = cols
                            .customers
                            .get(i)
                            .map_or_else(|| format!("row {i}"), |c| format!("{c:?}"));
                        first_errors.push(format!("customer {who}: the customer's spend model: {e}"));
                    }
                }
                for e in table.report.first_errors {
                    if first_errors.len() < MAX_FIRST_ERRORS {
                        first_errors.push(e);
                    }
                }
                for (&i, row) in idx.iter().zip(table.rows) {
                    if let Some(slot) = rows.get_mut(i) {
                        *slot = Some(row);
                    }
                }
            }
            Err(e) => {
                if let (Some(&i), true) = (idx.first(), first_errors.len() < MAX_FIRST_ERRORS) {
                    let who = cols
                        .customers
                        .get(i)
                        .map_or_else(|| format!("row {i}"), |c| format!("{c:?}"));
                    first_errors.push(format!("customer {who}: the customer's model: {e}"));
                }
                for &i in idx {
                    if let (Some(slot), Some(c)) = (rows.get_mut(i), cols.customers.get(i)) {
                        *slot = Some(empty_row(cols, c, i, ScoreFlag::PurchaseModelFailed));
                    }
                }
            }
        }
    }
    let mut report = ScoreReport {
        customers: n as u64,
        first_errors,
        ..ScoreReport::default()
    };
    let rows: Vec<CustomerScore<K>> = rows
        .into_iter()
        .zip(&cols.customers)
        .enumerate()
        .map(|(i, (r, c))| r.unwrap_or_else(|| empty_row(cols, c, i, ScoreFlag::MissingCovariates)))
        .inspect(|r| report.count(r))
        .collect();
    Ok(ScoreTable {
        rows,
        report,
        unit,
        horizon,
    })
}

/// Customer `i`'s row without values, with one flag.
fn empty_row<K: Clone>(
    cols: &SummaryColumns<K>,
    customer: &K,
    i: usize,
    flag: ScoreFlag,
) -> CustomerScore<K> {
    CustomerScore {
        customer: customer.clone(),
        frequency: cols.frequency.get(i).map_or(0, |&x| x as u32),
        recency: cols.recency.get(i).copied().unwrap_or(0.0),
        age: cols.age.get(i).copied().unwrap_or(0.0),
        monetary_value: cols.monetary_value.get(i).copied().unwrap_or(0.0),
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
            .map(|&x| x as u32),
        flags: vec![flag],
    }
}

/// The rows `idx` of `cols`.
fn subset<K: Clone>(cols: &SummaryColumns<K>, idx: &[usize]) -> SummaryColumns<K> {
    let pick = |v: &[f64]| {
        idx.iter()
            .filter_map(|&i| v.get(i).copied())
            .collect::<Vec<f64>>()
    };
    SummaryColumns {
        customers: idx
            .iter()
            .filter_map(|&i| cols.customers.get(i).cloned())
            .collect(),
        frequency: pick(&cols.frequency),
        recency: pick(&cols.recency),
        age: pick(&cols.age),
        monetary_value: pick(&cols.monetary_value),
        holdout: cols.holdout.as_ref().map(|h| HoldoutColumns {
            frequency: pick(&h.frequency),
            monetary_value: pick(&h.monetary_value),
            duration: pick(&h.duration),
        }),
        unit: cols.unit,
    }
}

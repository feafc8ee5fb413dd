//! Settings of a covariate fit (regularisation, constraints, the shared BG/NBD dropout
//! vector) and the coefficient layout they imply: which free coefficient each
//! (link, column) pair reads, and each free coefficient's name and L2 weight.

use serde::{Deserialize, Serialize};

use super::base::{Link, Process};
use crate::btyd::FitOptions;
use crate::error::{Error, Result};

/// Settings of a covariate fit.
///
/// The objective minimised is CLVTools': `−LL/N + λ_purchase Σ γ_p² + λ_dropout Σ γ_d²`
/// over the baseline parameters (in log space) and the coefficients (free in sign); a
/// coefficient constrained equal across the processes is penalised by both λ. The
/// baseline parameters are never penalised.
///
/// # Examples
///
/// ```
/// use customer_value::btyd::covariates::CovariateOptions;
///
/// let opts = CovariateOptions::default().with_regularisation(0.1, 0.2)?.with_constraint("gender");
/// assert_eq!(opts.constrained, ["gender"]);
/// assert!(CovariateOptions::default().with_regularisation(-1.0, 0.0).is_err());
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CovariateOptions {
    /// Iterations, tolerance and a start for the baseline parameters (without one the fit
    /// starts at the model fitted without covariates, coefficients 0). Its `penalty` must
    /// be 0: covariate fits regularise the coefficients only, through the two λ.
    pub fit: FitOptions,
    /// L2 weight on the purchase coefficients.
    pub lambda_purchase: f64,
    /// L2 weight on the dropout coefficients.
    pub lambda_dropout: f64,
    /// Covariates whose coefficient is one number in both processes (each must be in both
    /// sets); reported as `constrained.<name>`.
    pub constrained: Vec<String>,
    /// BG/NBD and MBG/NBD: one dropout vector for `a` and `b` (γ_a = γ_b, CLVTools'
    /// parametrisation), reported as `dropout.<name>`. Without it the two are free
    /// (`dropout_a.<name>`, `dropout_b.<name>`, as pymc-marketing). Pareto/NBD has one
    /// dropout vector either way.
    pub shared_dropout: bool,
}

impl Default for CovariateOptions {
    fn default() -> Self {
        CovariateOptions {
            fit: FitOptions::default(),
            lambda_purchase: 0.0,
            lambda_dropout: 0.0,
            constrained: Vec::new(),
            shared_dropout: false,
        }
    }
}

impl CovariateOptions {
    /// Sets the two L2 weights.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] unless both are finite and ≥ 0.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::covariates::CovariateOptions;
    ///
    /// let o = CovariateOptions::default().with_regularisation(0.1, 0.0)?;
    /// assert_eq!((o.lambda_purchase, o.lambda_dropout), (0.1, 0.0));
    /// assert!(CovariateOptions::default().with_regularisation(-1.0, 0.0).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn with_regularisation(mut self, purchase: f64, dropout: f64) -> Result<Self> {
        check_lambda("lambda_purchase", purchase)?;
        check_lambda("lambda_dropout", dropout)?;
        self.lambda_purchase = purchase;
        self.lambda_dropout = dropout;
        Ok(self)
    }

    /// Constrains the named covariate's coefficient equal across the processes.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::covariates::CovariateOptions;
    ///
    /// // One coefficient for `gender` in both processes (CLVTools' `names.cov.constr`).
    /// let o = CovariateOptions::default().with_constraint("gender");
    /// assert_eq!(o.constrained, vec!["gender".to_owned()]);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn with_constraint(mut self, name: &str) -> Self {
        self.constrained.push(name.to_owned());
        self
    }

    /// One dropout vector for BG/NBD's `a` and `b` (see [`shared_dropout`](Self::shared_dropout)).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::BgNbd;
    /// use customer_value::btyd::covariates::{CovariateData, CovariateFit, CovariateMatrix, CovariateOptions};
    ///
    /// let m = CovariateMatrix::from_columns(2, &[("a", &[0.0, 1.0])])?;
    /// let data = CovariateData::new(&[0.0, 2.0], &[0.0, 5.0], &[10.0, 10.0], CovariateMatrix::empty(2), m)?;
    /// let theta = [0.24, 4.41, 0.79, 2.43];
    /// // Shared: one dropout coefficient for `a` (r, α, a, b, dropout.a) ...
    /// let shared = CovariateOptions::default().with_shared_dropout();
    /// assert!(CovariateFit::<BgNbd>::evaluate(&data, &shared, &[theta.as_slice(), &[0.1]].concat()).is_ok());
    /// // ... free: two (dropout_a.a, dropout_b.a).
    /// let free = CovariateOptions::default();
    /// assert!(CovariateFit::<BgNbd>::evaluate(&data, &free, &[theta.as_slice(), &[0.1]].concat()).is_err());
    /// assert!(CovariateFit::<BgNbd>::evaluate(&data, &free, &[theta.as_slice(), &[0.1, 0.1]].concat()).is_ok());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn with_shared_dropout(mut self) -> Self {
        self.shared_dropout = true;
        self
    }

    pub(super) fn validate(&self) -> Result<()> {
        check_lambda("lambda_purchase", self.lambda_purchase)?;
        check_lambda("lambda_dropout", self.lambda_dropout)?;
        if self.fit.penalty != 0.0 {
            return Err(Error::param(
                "fit.penalty",
                self.fit.penalty,
                "must be 0 in a covariate fit: regularise the coefficients with lambda_purchase and lambda_dropout",
            ));
        }
        if !(self.fit.tolerance.is_finite() && self.fit.tolerance > 0.0) {
            return Err(Error::param(
                "fit.tolerance",
                self.fit.tolerance,
                "must be finite and > 0",
            ));
        }
        Ok(())
    }
}

fn check_lambda(name: &'static str, v: f64) -> Result<()> {
    if v.is_finite() && v >= 0.0 {
        Ok(())
    } else {
        Err(Error::param(name, v, "must be finite and ≥ 0"))
    }
}

/// One (link, column) pair and the free coefficient it reads.
#[derive(Debug, Clone, Copy)]
pub(super) struct Slot {
    pub(super) base: usize,
    pub(super) sign: f64,
    pub(super) process: Process,
    pub(super) column: usize,
    pub(super) free: usize,
}

/// The free coefficients of a fit and how the links read them.
#[derive(Debug, Clone)]
pub(super) struct Layout {
    pub(super) names: Vec<String>,
    pub(super) lambda: Vec<f64>,
    pub(super) slots: Vec<Slot>,
}

impl Layout {
    /// The layout for `links` over the purchase and dropout column names.
    pub(super) fn new(
        links: &[Link],
        purchase: &[String],
        dropout: &[String],
        constrained: &[String],
        shared_dropout: bool,
        lambda: (f64, f64),
    ) -> Result<Self> {
        for (i, c) in constrained.iter().enumerate() {
            if !purchase.contains(c) || !dropout.contains(c) {
                return Err(Error::definition(
                    format!("constraint `{c}`"),
                    "a constrained covariate must be in both the purchase and the dropout set",
                ));
            }
            if constrained.iter().take(i).any(|d| d == c) {
                return Err(Error::definition(format!("constraint `{c}`"), "given twice"));
            }
        }
        let dropout_links = links.iter().filter(|l| l.process == Process::Dropout).count();
        let mut layout = Layout {
            names: Vec::new(),
            lambda: Vec::new(),
            slots: Vec::new(),
        };
        let free_of = |layout: &mut Layout, name: String| -> usize {
            if let Some(i) = layout.names.iter().position(|n| *n == name) {
                return i;
            }
            layout.names.push(name);
            layout.names.len() - 1
        };
        for link in links {
            let columns = match link.process {
                Process::Purchase => purchase,
                Process::Dropout => dropout,
            };
            for (column, name) in columns.iter().enumerate() {
                let key = if constrained.contains(name) {
                    format!("constrained.{name}")
                } else if link.process == Process::Dropout && (dropout_links == 1 || shared_dropout) {
                    format!("dropout.{name}")
                } else {
                    format!("{}.{name}", link.prefix)
                };
                let free = free_of(&mut layout, key);
                layout.slots.push(Slot {
                    base: link.base,
                    sign: link.sign,
                    process: link.process,
                    column,
                    free,
                });
            }
        }
        // Each coefficient is penalised once per process it enters (a constrained one by
        // both λ, as CLVTools expands it into both processes before penalising).
        layout.lambda = (0..layout.names.len())
            .map(|i| {
                let enters = |p: Process| layout.slots.iter().any(|s| s.free == i && s.process == p);
                let mut w = 0.0;
                if enters(Process::Purchase) {
                    w += lambda.0;
                }
                if enters(Process::Dropout) {
                    w += lambda.1;
                }
                w
            })
            .collect();
        Ok(layout)
    }

    /// `θ_i` of a customer with covariate rows `purchase`, `dropout` from the baseline
    /// `theta0` and the free coefficients `gamma`.
    pub(super) fn customer_theta(
        &self,
        theta0: &[f64; 4],
        gamma: &[f64],
        purchase: &[f64],
        dropout: &[f64],
    ) -> [f64; 4] {
        let mut eta = [0.0; 4];
        for s in &self.slots {
            let x = match s.process {
                Process::Purchase => purchase.get(s.column),
                Process::Dropout => dropout.get(s.column),
            };
            if let (Some(e), Some(x), Some(g)) = (eta.get_mut(s.base), x, gamma.get(s.free)) {
                *e += s.sign * x * g;
            }
        }
        let mut theta = *theta0;
        for (t, e) in theta.iter_mut().zip(eta) {
            *t *= e.exp();
        }
        theta
    }
}

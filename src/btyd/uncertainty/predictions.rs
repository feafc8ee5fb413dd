//! What the interval methods take intervals of: the [`Prediction`] trait, the customers'
//! distinct rows ([`CustomerRows`]) and the built-in per-customer and population
//! predictions.

use std::collections::HashMap;
use std::ops::Range;

use serde::Serialize;

use crate::btyd::data::{check_summary, row_error};
use crate::btyd::{
    ClvSpec, DiscountRate, GammaGamma, Margin, SummarySlices, TransactionModel, clv_batch,
    cumulative_expected_repeat_transactions,
};
use crate::error::{Error, Result};
use crate::time::TimeUnit;

/// The scale on which the delta method's interval is symmetric (sampling and the bootstrap
/// do not need one: percentiles follow any monotone map).
///
/// # Examples
///
/// ```
/// use customer_value::btyd::uncertainty::{CustomerRows, ExpectedPurchases, Prediction, ProbabilityAlive, Scale};
/// use customer_value::btyd::BgNbd;
///
/// let rows = CustomerRows::new(&[2.0], &[30.43], &[38.86])?;
/// assert_eq!(Prediction::<BgNbd>::scale(&ProbabilityAlive::new(&rows)), Scale::Logit);
/// assert_eq!(Prediction::<BgNbd>::scale(&ExpectedPurchases::new(&rows, 10.0)), Scale::Log);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub enum Scale {
    /// `g ± z sd`.
    Identity,
    /// Symmetric in `ln g`: bounds stay positive (expectations, spend, CLV).
    Log,
    /// Symmetric in `logit g`: bounds stay in `[0, 1]` (probabilities).
    Logit,
}

/// A vector of numbers a model of type `M` predicts, evaluated a block of outputs at a
/// time. Object-safe for a given `M`.
///
/// # Examples
///
/// A prediction of one's own: the mean purchase rate `r/α` of a BG/NBD model.
///
/// ```
/// use customer_value::btyd::uncertainty::{IntervalLevel, LogCovariance, Prediction, Scale, delta_intervals};
/// use customer_value::btyd::BgNbd;
///
/// struct MeanRate;
/// impl Prediction<BgNbd> for MeanRate {
///     fn outputs(&self) -> usize { 1 }
///     fn evaluate(&self, m: &BgNbd, _: std::ops::Range<usize>, out: &mut [f64]) -> customer_value::Result<()> {
///         out.iter_mut().for_each(|o| *o = m.r() / m.alpha());
///         Ok(())
///     }
///     fn scale(&self) -> Scale { Scale::Log }
/// }
/// let m = BgNbd::new(0.24, 4.41, 0.79, 2.43)?;
/// let names = ["r", "alpha", "a", "b"].map(String::from).to_vec();
/// let cov = LogCovariance::from_parts(names, [m.r(), m.alpha(), m.a(), m.b()].iter().map(|v| v.ln()).collect(), vec![
///     0.01, 0.005, 0.0, 0.0, 0.005, 0.01, 0.0, 0.0, 0.0, 0.0, 0.04, 0.0, 0.0, 0.0, 0.0, 0.04,
/// ])?;
/// let iv = delta_intervals(&m, &cov, &MeanRate, IntervalLevel::new(0.9)?)?;
/// // Var(ln r − ln α) = 0.01 + 0.01 − 2·0.005 = 0.01.
/// assert!(((iv.upper[0] / iv.point[0]).ln() - 1.6448536 * 0.1).abs() < 1e-6);
/// # Ok::<(), customer_value::Error>(())
/// ```
pub trait Prediction<M>: Sync {
    /// Number of outputs (distinct rows for per-customer predictions).
    fn outputs(&self) -> usize;
    /// Writes outputs `range` (`out.len() == range.len()`) of `model`.
    ///
    /// # Errors
    ///
    /// The model's errors.
    fn evaluate(&self, model: &M, range: Range<usize>, out: &mut [f64]) -> Result<()>;
    /// The delta method's scale.
    fn scale(&self) -> Scale {
        Scale::Identity
    }
    /// For per-customer predictions, the output of each customer (outputs are then
    /// expanded to one entry per customer); `None` when the outputs are the result.
    fn customers(&self) -> Option<&[u32]> {
        None
    }
}

/// Customers' `(x, t_x, T)` and mean repeat spend, validated and reduced to distinct rows,
/// with each customer's row: predictions are evaluated once per distinct row.
///
/// # Examples
///
/// ```
/// use customer_value::btyd::uncertainty::CustomerRows;
///
/// let rows = CustomerRows::new(&[0.0, 2.0, 0.0], &[0.0, 30.43, 0.0], &[38.86, 38.86, 38.86])?;
/// assert_eq!((rows.customers(), rows.distinct()), (3, 2));
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CustomerRows {
    frequency: Vec<f64>,
    recency: Vec<f64>,
    age: Vec<f64>,
    mean_spend: Vec<f64>,
    index: Vec<u32>,
}

impl CustomerRows {
    /// Rows without spend (spend predictions then see a mean spend of 0).
    ///
    /// # Errors
    ///
    /// As [`with_spend`](Self::with_spend).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::uncertainty::CustomerRows;
    ///
    /// assert!(CustomerRows::new(&[2.0], &[30.43], &[38.86]).is_ok());
    /// let bad = CustomerRows::new(&[2.0], &[40.0], &[38.86]); // t_x > T
    /// assert!(matches!(bad, Err(customer_value::Error::InvalidRow { row: 0, .. })));
    /// ```
    pub fn new(frequency: &[f64], recency: &[f64], age: &[f64]) -> Result<Self> {
        Self::with_spend(frequency, recency, age, &vec![0.0; frequency.len()])
    }

    /// Rows with each customer's mean repeat spend.
    ///
    /// # Errors
    ///
    /// [`Error::LengthMismatch`]; [`Error::EmptyInput`]; [`Error::InvalidRow`] for an
    /// invalid summary or a mean spend that is not finite and ≥ 0; [`Error::Overflow`]
    /// beyond 2³² distinct rows.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::uncertainty::CustomerRows;
    ///
    /// // Equal summaries with different spend are different rows.
    /// let rows = CustomerRows::with_spend(&[2.0, 2.0, 2.0], &[30.0; 3], &[38.0; 3], &[10.0, 12.5, 10.0])?;
    /// assert_eq!((rows.customers(), rows.distinct()), (3, 2));
    /// assert!(CustomerRows::with_spend(&[2.0], &[30.0], &[38.0], &[f64::NAN]).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn with_spend(frequency: &[f64], recency: &[f64], age: &[f64], mean_spend: &[f64]) -> Result<Self> {
        let n = frequency.len();
        for (name, len) in [
            ("recency", recency.len()),
            ("age", age.len()),
            ("mean_spend", mean_spend.len()),
        ] {
            if len != n {
                return Err(Error::LengthMismatch {
                    left: "frequency",
                    left_len: n,
                    right: name,
                    right_len: len,
                });
            }
        }
        if n == 0 {
            return Err(Error::EmptyInput { what: "customers" });
        }
        let mut out = CustomerRows {
            frequency: Vec::new(),
            recency: Vec::new(),
            age: Vec::new(),
            mean_spend: Vec::new(),
            index: Vec::with_capacity(n),
        };
        let mut seen: HashMap<[u64; 4], u32, foldhash::fast::RandomState> = HashMap::default();
        let rows = frequency.iter().zip(recency).zip(age).zip(mean_spend);
        for (i, (((&x, &tx), &t), &m)) in rows.enumerate() {
            check_summary(x, tx, t).map_err(|e| row_error(i, e))?;
            if !(m.is_finite() && m >= 0.0) {
                return Err(row_error(
                    i,
                    Error::param("mean_spend", m, "must be finite and ≥ 0"),
                ));
            }
            // +0.0 for −0.0, so that equal values share a row.
            let key = [x, tx, t, m].map(|v| (v + 0.0).to_bits());
            let next = u32::try_from(out.frequency.len()).map_err(|_| Error::Overflow {
                op: "distinct customer rows beyond 2^32",
            })?;
            let slot = *seen.entry(key).or_insert_with(|| {
                out.frequency.push(x);
                out.recency.push(tx);
                out.age.push(t);
                out.mean_spend.push(m);
                next
            });
            out.index.push(slot);
        }
        Ok(out)
    }

    /// Customers.
    #[must_use]
    pub fn customers(&self) -> usize {
        self.index.len()
    }

    /// Distinct rows.
    #[must_use]
    pub fn distinct(&self) -> usize {
        self.frequency.len()
    }

    /// Each customer's distinct row.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::uncertainty::CustomerRows;
    ///
    /// let rows = CustomerRows::new(&[0.0, 2.0, 0.0], &[0.0, 30.43, 0.0], &[38.86; 3])?;
    /// assert_eq!(rows.index(), [0, 1, 0]); // the first and the third share a row
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn index(&self) -> &[u32] {
        &self.index
    }

    fn slices(&self, range: Range<usize>) -> Result<(SummarySlices<'_>, &[f64])> {
        let bad = || Error::param("range", format!("{range:?}"), "outside the distinct rows");
        let x = self.frequency.get(range.clone()).ok_or_else(bad)?;
        let tx = self.recency.get(range.clone()).ok_or_else(bad)?;
        let t = self.age.get(range.clone()).ok_or_else(bad)?;
        let m = self.mean_spend.get(range.clone()).ok_or_else(bad)?;
        Ok((SummarySlices::new(x, tx, t)?, m))
    }

    fn for_each(
        &self,
        range: Range<usize>,
        out: &mut [f64],
        mut f: impl FnMut(f64, f64, f64, f64) -> Result<f64>,
    ) -> Result<()> {
        let bad = || Error::param("range", format!("{range:?}"), "outside the distinct rows");
        let x = self.frequency.get(range.clone()).ok_or_else(bad)?;
        let tx = self.recency.get(range.clone()).ok_or_else(bad)?;
        let t = self.age.get(range.clone()).ok_or_else(bad)?;
        let m = self.mean_spend.get(range.clone()).ok_or_else(bad)?;
        for (o, (((&x, &tx), &t), &m)) in out.iter_mut().zip(x.iter().zip(tx).zip(t).zip(m)) {
            *o = f(x, tx, t, m)?;
        }
        Ok(())
    }
}

macro_rules! per_customer {
    ($(#[$doc:meta])* $name:ident { $($field:ident: $ty:ty),* }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy)]
        pub struct $name<'a> {
            rows: &'a CustomerRows,
            $($field: $ty,)*
        }

        impl<'a> $name<'a> {
            #[doc = concat!("[`", stringify!($name), "`] of the customers in `rows`.")]
            ///
            /// # Examples
            ///
            #[doc = concat!("See [`", stringify!($name), "`].")]
            #[must_use]
            pub fn new(rows: &'a CustomerRows $(, $field: $ty)*) -> Self {
                $name { rows $(, $field)* }
            }
        }
    };
}

per_customer! {
    /// P(alive) now, per customer.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::uncertainty::{CustomerRows, Prediction, ProbabilityAlive};
    /// use customer_value::btyd::{BgNbd, TransactionModel};
    ///
    /// let m = BgNbd::new(0.2425945, 4.4136019, 0.7929199, 2.4258881)?;
    /// let rows = CustomerRows::new(&[2.0, 0.0], &[30.43, 0.0], &[38.86, 38.86])?;
    /// let mut out = [0.0; 2];
    /// ProbabilityAlive::new(&rows).evaluate(&m, 0..2, &mut out)?;
    /// assert_eq!(out[0], m.probability_alive(2.0, 30.43, 38.86)?);
    /// assert_eq!(out[1], 1.0); // BG/NBD: P(alive | x = 0) = 1
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    ProbabilityAlive {}
}
per_customer! {
    /// P(alive) at horizon `t` (model time units) after the end of calibration.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::uncertainty::{CustomerRows, Prediction, ProbabilityAlive, ProbabilityAliveAt};
    /// use customer_value::btyd::BgNbd;
    ///
    /// let m = BgNbd::new(0.2425945, 4.4136019, 0.7929199, 2.4258881)?;
    /// let rows = CustomerRows::new(&[2.0], &[30.43], &[38.86])?;
    /// let (mut now, mut later) = ([0.0], [0.0]);
    /// ProbabilityAlive::new(&rows).evaluate(&m, 0..1, &mut now)?;
    /// ProbabilityAliveAt::new(&rows, 52.0).evaluate(&m, 0..1, &mut later)?;
    /// assert!(later[0] < now[0]); // customers can only drop out
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    ProbabilityAliveAt { t: f64 }
}
per_customer! {
    /// Expected purchases in `(T, T + t]`, per customer.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::uncertainty::{CustomerRows, ExpectedPurchases, Prediction};
    /// use customer_value::btyd::BgNbd;
    ///
    /// // Fader, Hardie & Lee (2005), CDNOW: customer (2, 30.43, 38.86) buys 1.226 times in
    /// // the next 39 weeks.
    /// let m = BgNbd::new(0.2425945, 4.4136019, 0.7929199, 2.4258881)?;
    /// let rows = CustomerRows::new(&[2.0], &[30.43], &[38.86])?;
    /// let mut out = [0.0];
    /// ExpectedPurchases::new(&rows, 39.0).evaluate(&m, 0..1, &mut out)?;
    /// assert!((out[0] - 1.226).abs() < 5e-4);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    ExpectedPurchases { t: f64 }
}
per_customer! {
    /// Discounted expected residual transactions (the model's unit must be `unit`).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::uncertainty::{CustomerRows, Dert, ExpectedPurchases, Prediction};
    /// use customer_value::btyd::{BgNbd, DiscountRate};
    /// use customer_value::TimeUnit;
    ///
    /// let m = BgNbd::new(0.2425945, 4.4136019, 0.7929199, 2.4258881)?.with_unit(TimeUnit::WEEK);
    /// let rows = CustomerRows::new(&[2.0], &[30.43], &[38.86])?;
    /// let (mut dert, mut year) = ([0.0], [0.0]);
    /// Dert::new(&rows, DiscountRate::new(0.1, TimeUnit::YEAR)?, TimeUnit::WEEK).evaluate(&m, 0..1, &mut dert)?;
    /// ExpectedPurchases::new(&rows, 52.0).evaluate(&m, 0..1, &mut year)?;
    /// assert!(dert[0] > year[0]); // all future purchases, discounted, outweigh one year's
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    Dert { discount: DiscountRate, unit: TimeUnit }
}
per_customer! {
    /// Gamma-Gamma expected spend per transaction, per customer (rows with spend).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::uncertainty::{CustomerRows, ExpectedSpend, Prediction};
    /// use customer_value::btyd::GammaGamma;
    ///
    /// // Fader, Hardie & Lee's CDNOW Gamma-Gamma fit.
    /// let gg = GammaGamma::new(6.25, 3.74, 15.44)?;
    /// let rows = CustomerRows::with_spend(&[2.0], &[30.43], &[38.86], &[35.0])?;
    /// let mut out = [0.0];
    /// ExpectedSpend::new(&rows).evaluate(&gg, 0..1, &mut out)?;
    /// assert_eq!(out[0], gg.conditional_expected_spend(2.0, 35.0)?);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    ExpectedSpend {}
}
per_customer! {
    /// CLV of a pair `(purchase model, Gamma-Gamma)`: `fraction` of expected spend per
    /// purchase times the discounted expected purchases of `spec`.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::uncertainty::{Clv, CustomerRows, Prediction};
    /// use customer_value::btyd::{BgNbd, ClvSpec, DiscountRate, GammaGamma};
    ///
    /// let pair = (BgNbd::new(0.2425945, 4.4136019, 0.7929199, 2.4258881)?, GammaGamma::new(6.25, 3.74, 15.44)?);
    /// let rows = CustomerRows::with_spend(&[2.0, 2.0], &[30.43, 30.43], &[38.86, 38.86], &[35.0, 70.0])?;
    /// let spec = ClvSpec::new(customer_value::TimeUnit::WEEK, 52.0, DiscountRate::zero())?;
    /// let (mut half, mut all) = ([0.0; 2], [0.0; 2]);
    /// Clv::new(&rows, &spec, 0.5).evaluate(&pair, 0..2, &mut half)?;
    /// Clv::new(&rows, &spec, 1.0).evaluate(&pair, 0..2, &mut all)?;
    /// assert!((all[0] - 2.0 * half[0]).abs() < 1e-9 * all[0]); // linear in the margin
    /// assert!(all[1] > all[0]); // higher past spend, higher expected spend
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    Clv { spec: &'a ClvSpec, fraction: f64 }
}

impl<M: TransactionModel> Prediction<M> for ProbabilityAlive<'_> {
    fn outputs(&self) -> usize {
        self.rows.distinct()
    }
    fn evaluate(&self, model: &M, range: Range<usize>, out: &mut [f64]) -> Result<()> {
        self.rows
            .for_each(range, out, |x, tx, t, _| model.probability_alive(x, tx, t))
    }
    fn scale(&self) -> Scale {
        Scale::Logit
    }
    fn customers(&self) -> Option<&[u32]> {
        Some(self.rows.index())
    }
}

impl<M: TransactionModel> Prediction<M> for ProbabilityAliveAt<'_> {
    fn outputs(&self) -> usize {
        self.rows.distinct()
    }
    fn evaluate(&self, model: &M, range: Range<usize>, out: &mut [f64]) -> Result<()> {
        self.rows.for_each(range, out, |x, tx, t, _| {
            model.probability_alive_at(self.t, x, tx, t)
        })
    }
    fn scale(&self) -> Scale {
        Scale::Logit
    }
    fn customers(&self) -> Option<&[u32]> {
        Some(self.rows.index())
    }
}

impl<M: TransactionModel> Prediction<M> for ExpectedPurchases<'_> {
    fn outputs(&self) -> usize {
        self.rows.distinct()
    }
    fn evaluate(&self, model: &M, range: Range<usize>, out: &mut [f64]) -> Result<()> {
        self.rows.for_each(range, out, |x, tx, t, _| {
            model.expected_purchases(self.t, x, tx, t)
        })
    }
    fn scale(&self) -> Scale {
        Scale::Log
    }
    fn customers(&self) -> Option<&[u32]> {
        Some(self.rows.index())
    }
}

impl<M: TransactionModel> Prediction<M> for Dert<'_> {
    fn outputs(&self) -> usize {
        self.rows.distinct()
    }
    fn evaluate(&self, model: &M, range: Range<usize>, out: &mut [f64]) -> Result<()> {
        self.rows.for_each(range, out, |x, tx, t, _| {
            model.dert(self.discount, self.unit, x, tx, t)
        })
    }
    fn scale(&self) -> Scale {
        Scale::Log
    }
    fn customers(&self) -> Option<&[u32]> {
        Some(self.rows.index())
    }
}

impl Prediction<GammaGamma> for ExpectedSpend<'_> {
    fn outputs(&self) -> usize {
        self.rows.distinct()
    }
    fn evaluate(&self, model: &GammaGamma, range: Range<usize>, out: &mut [f64]) -> Result<()> {
        self.rows
            .for_each(range, out, |x, _, _, m| model.conditional_expected_spend(x, m))
    }
    fn scale(&self) -> Scale {
        Scale::Log
    }
    fn customers(&self) -> Option<&[u32]> {
        Some(self.rows.index())
    }
}

impl<M: TransactionModel> Prediction<(M, GammaGamma)> for Clv<'_> {
    fn outputs(&self) -> usize {
        self.rows.distinct()
    }
    fn evaluate(&self, model: &(M, GammaGamma), range: Range<usize>, out: &mut [f64]) -> Result<()> {
        let (rows, spend) = self.rows.slices(range)?;
        let margin = Margin::FractionOfSpend {
            fraction: self.fraction,
            spend: &model.1,
        };
        let v = clv_batch(&model.0, margin, self.spec, rows, spend)?;
        for (o, v) in out.iter_mut().zip(v) {
            *o = v;
        }
        Ok(())
    }
    fn scale(&self) -> Scale {
        Scale::Log
    }
    fn customers(&self) -> Option<&[u32]> {
        Some(self.rows.index())
    }
}

/// `E[X(t)]` of a customer just acquired, at each of `times` (a population quantity).
///
/// # Examples
///
/// ```
/// use customer_value::btyd::uncertainty::{ExpectedPurchasesNew, Prediction};
/// use customer_value::btyd::BgNbd;
///
/// let m = BgNbd::new(0.2425945, 4.4136019, 0.7929199, 2.4258881)?;
/// let p = ExpectedPurchasesNew::new(vec![39.0, 78.0])?;
/// let mut out = [0.0; 2];
/// p.evaluate(&m, 0..2, &mut out)?;
/// assert!(out[1] > out[0]);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExpectedPurchasesNew {
    times: Vec<f64>,
}

impl ExpectedPurchasesNew {
    /// At `times` (finite, ≥ 0).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for a bad time; [`Error::EmptyInput`].
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::uncertainty::{ExpectedPurchasesNew, Prediction};
    /// use customer_value::btyd::{BgNbd, TransactionModel};
    ///
    /// let m = BgNbd::new(0.2425945, 4.4136019, 0.7929199, 2.4258881)?;
    /// let p = ExpectedPurchasesNew::new(vec![0.0, 52.0])?;
    /// assert_eq!(Prediction::<BgNbd>::outputs(&p), 2);
    /// let mut out = [f64::NAN; 2];
    /// p.evaluate(&m, 0..2, &mut out)?;
    /// assert_eq!(out, [0.0, m.expected_purchases_new(52.0)?]); // nothing at time 0
    /// assert!(ExpectedPurchasesNew::new(vec![]).is_err());
    /// assert!(ExpectedPurchasesNew::new(vec![-1.0]).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn new(times: Vec<f64>) -> Result<Self> {
        if times.is_empty() {
            return Err(Error::EmptyInput { what: "times" });
        }
        if let Some(t) = times.iter().find(|t| !(t.is_finite() && **t >= 0.0)) {
            return Err(Error::param("t", t, "must be finite and ≥ 0"));
        }
        Ok(ExpectedPurchasesNew { times })
    }
}

impl<M: TransactionModel> Prediction<M> for ExpectedPurchasesNew {
    fn outputs(&self) -> usize {
        self.times.len()
    }
    fn evaluate(&self, model: &M, range: Range<usize>, out: &mut [f64]) -> Result<()> {
        let times = self
            .times
            .get(range.clone())
            .ok_or_else(|| Error::param("range", format!("{range:?}"), "outside the times"))?;
        for (o, &t) in out.iter_mut().zip(times) {
            *o = model.expected_purchases_new(t)?;
        }
        Ok(())
    }
    fn scale(&self) -> Scale {
        Scale::Log
    }
}

/// The tracking curve: cumulative expected repeat transactions of a cohort with the
/// given `births`, at `times` (see
/// [`cumulative_expected_repeat_transactions`]).
///
/// # Examples
///
/// ```
/// use customer_value::btyd::uncertainty::{Prediction, TrackingCurve};
/// use customer_value::btyd::BgNbd;
///
/// let m = BgNbd::new(0.2425945, 4.4136019, 0.7929199, 2.4258881)?;
/// // Three customers born at weeks 0, 1 and 2, the curve at weeks 10, 20, 30.
/// let curve = TrackingCurve::new(vec![0.0, 1.0, 2.0], vec![10.0, 20.0, 30.0])?;
/// let mut out = [0.0; 3];
/// curve.evaluate(&m, 0..3, &mut out)?;
/// assert!(out[0] > 0.0 && out[0] < out[1] && out[1] < out[2]); // cumulative
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrackingCurve {
    births: Vec<f64>,
    times: Vec<f64>,
}

impl TrackingCurve {
    /// The curve of `births` at `times`.
    ///
    /// # Errors
    ///
    /// [`Error::EmptyInput`] for no births or times; [`Error::InvalidParameter`] for a
    /// non-finite value.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::uncertainty::TrackingCurve;
    ///
    /// assert!(TrackingCurve::new(vec![0.0, 1.0], vec![1.0, 2.0]).is_ok());
    /// assert!(TrackingCurve::new(vec![], vec![1.0]).is_err());
    /// ```
    pub fn new(births: Vec<f64>, times: Vec<f64>) -> Result<Self> {
        if births.is_empty() {
            return Err(Error::EmptyInput { what: "births" });
        }
        if times.is_empty() {
            return Err(Error::EmptyInput { what: "times" });
        }
        if let Some(v) = births.iter().chain(&times).find(|v| !v.is_finite()) {
            return Err(Error::param(
                "tracking curve",
                v,
                "births and times must be finite",
            ));
        }
        Ok(TrackingCurve { births, times })
    }
}

impl<M: TransactionModel> Prediction<M> for TrackingCurve {
    fn outputs(&self) -> usize {
        self.times.len()
    }
    fn evaluate(&self, model: &M, range: Range<usize>, out: &mut [f64]) -> Result<()> {
        let curve = cumulative_expected_repeat_transactions(model, &self.births, &self.times)?;
        let part = curve
            .get(range.clone())
            .ok_or_else(|| Error::param("range", format!("{range:?}"), "outside the times"))?;
        for (o, v) in out.iter_mut().zip(part) {
            *o = *v;
        }
        Ok(())
    }
    fn scale(&self) -> Scale {
        Scale::Log
    }
}

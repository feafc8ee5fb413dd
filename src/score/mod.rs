//! One call from summaries to a per-customer value table: P(alive), expected purchases,
//! expected spend and CLV for every customer, with what could not be computed flagged on
//! the customer's row and counted in the report — never the loss of everyone's output.
//!
//! This module owns the scoring rules (which customer gets which value, see [`score`]),
//! the table's types ([`CustomerScore`], [`ScoreTable`], [`ScoreReport`], [`ScoreFlag`])
//! and, in `write.rs`, its streamed CSV and JSON Lines writers.

mod grouped;
mod shared;
mod write;

pub use grouped::{CustomerCovariates, ModelGroups, score_groups};
pub use write::CSV_HEADER;

use serde::{Deserialize, Serialize};

use crate::btyd::{ClvSpec, DiscountRate, GammaGamma, Margin, SummarySlices, TransactionModel, clv_batch};
use crate::error::{Error, Result};
use crate::summary::{CustomerSummary, Summaries, SummaryColumns};
use crate::time::TimeUnit;

/// What one purchase is worth in the CLV of [`score`].
///
/// # Examples
///
/// ```
/// use customer_value::btyd::{BgNbd, DiscountRate};
/// use customer_value::score::{PurchaseValue, ScoreSpec, score_columns};
/// use customer_value::{SummaryColumns, TimeUnit};
///
/// let cols = SummaryColumns::from_parts(vec!["a", "b"], vec![2.0, 0.0], vec![30.43, 0.0], vec![38.86, 38.86], vec![22.35, 0.0])?;
/// let model = BgNbd::new(0.2425945, 4.4136019, 0.7929199, 2.4258881)?;
/// let spend = ScoreSpec::new(TimeUnit::WEEK, 52.0, DiscountRate::zero())?.with_margin(0.3)?;
/// assert_eq!(spend.value, PurchaseValue::FractionOfSpend(0.3));
/// let fixed = spend.with_value_per_purchase(10.0)?;
/// assert_eq!(fixed.value, PurchaseValue::Fixed(10.0));
/// // A fixed value needs no spend model: CLV = 10 × discounted expected purchases.
/// let row = &score_columns(&cols, &model, None, &fixed, TimeUnit::WEEK)?.rows[0];
/// assert!((row.clv.unwrap() - 10.0 * row.discounted_purchases.unwrap()).abs() < 1e-9);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum PurchaseValue {
    /// This fraction of the customer's expected spend per purchase (from the spend
    /// model): a margin of 1 values revenue, 0.3 a 30 % margin.
    FractionOfSpend(f64),
    /// A fixed value per purchase, in currency units (no spend model needed).
    Fixed(f64),
}

/// The settings of [`score`]: the horizon (of expected purchases, P(alive) at the horizon
/// and CLV), the CLV's discounting and step, the value of a purchase, and whether DERT is
/// computed.
///
/// # Examples
///
/// ```
/// use customer_value::TimeUnit;
/// use customer_value::btyd::DiscountRate;
/// use customer_value::score::ScoreSpec;
///
/// let year = TimeUnit::from_days(365.0)?;
/// let spec = ScoreSpec::new(TimeUnit::WEEK, 52.0, DiscountRate::new(0.10, year)?)?.with_margin(0.3)?;
/// assert_eq!(spec.horizon, 52.0);
/// assert!(ScoreSpec::new(TimeUnit::WEEK, -1.0, DiscountRate::zero()).is_err());
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ScoreSpec {
    /// The unit of `horizon` and `step`.
    pub unit: TimeUnit,
    /// The horizon, in `unit`.
    pub horizon: f64,
    /// The CLV step, in `unit` (discounting at the end of each step; default one unit).
    pub step: f64,
    /// Discounting of CLV and DERT.
    pub discount: DiscountRate,
    /// What a purchase is worth (default: all of the expected spend).
    pub value: PurchaseValue,
    /// Whether to compute DERT (discounted expected residual transactions, no horizon):
    /// a quadrature per distinct customer for models without a closed form, so off by
    /// default.
    pub dert: bool,
}

impl ScoreSpec {
    /// A spec with steps of one unit, purchases valued at their whole expected spend, and
    /// no DERT.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] unless `horizon` is finite and ≥ 0 and gives at most
    /// [`ClvSpec::MAX_STEPS`] steps.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::DiscountRate;
    /// use customer_value::score::{PurchaseValue, ScoreSpec};
    /// use customer_value::TimeUnit;
    ///
    /// // A year ahead in weeks, undiscounted.
    /// let spec = ScoreSpec::new(TimeUnit::WEEK, 52.0, DiscountRate::zero())?;
    /// assert_eq!((spec.step, spec.value, spec.dert), (1.0, PurchaseValue::FractionOfSpend(1.0), false));
    /// assert!(ScoreSpec::new(TimeUnit::WEEK, -1.0, DiscountRate::zero()).is_err());
    /// assert!(ScoreSpec::new(TimeUnit::WEEK, f64::INFINITY, DiscountRate::zero()).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn new(unit: TimeUnit, horizon: f64, discount: DiscountRate) -> Result<Self> {
        let spec = ScoreSpec {
            unit,
            horizon,
            step: 1.0,
            discount,
            value: PurchaseValue::FractionOfSpend(1.0),
            dert: false,
        };
        spec.clv_spec()?;
        Ok(spec)
    }

    /// Values purchases at `fraction` of the expected spend.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] unless `fraction` is finite.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::{BgNbd, DiscountRate};
    /// use customer_value::score::{PurchaseValue, ScoreSpec, score_columns};
    /// use customer_value::{SummaryColumns, TimeUnit};
    ///
    /// let cols = SummaryColumns::from_parts(vec!["a", "b"], vec![2.0, 0.0], vec![30.43, 0.0], vec![38.86, 38.86], vec![22.35, 0.0])?;
    /// let model = BgNbd::new(0.2425945, 4.4136019, 0.7929199, 2.4258881)?;
    /// let spec = ScoreSpec::new(TimeUnit::WEEK, 52.0, DiscountRate::zero())?.with_margin(0.3)?;
    /// assert_eq!(spec.value, PurchaseValue::FractionOfSpend(0.3));
    /// assert!(spec.with_margin(f64::NAN).is_err());
    /// # let _ = score_columns(&cols, &model, None, &spec, TimeUnit::WEEK)?;
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn with_margin(mut self, fraction: f64) -> Result<Self> {
        if !fraction.is_finite() {
            return Err(Error::param("margin", fraction, "must be finite"));
        }
        self.value = PurchaseValue::FractionOfSpend(fraction);
        Ok(self)
    }

    /// Values every purchase at `value` (currency units), without a spend model.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] unless `value` is finite.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::{BgNbd, DiscountRate};
    /// use customer_value::score::{ScoreSpec, score_columns};
    /// use customer_value::{SummaryColumns, TimeUnit};
    ///
    /// let cols = SummaryColumns::from_parts(vec!["a", "b"], vec![2.0, 0.0], vec![30.43, 0.0], vec![38.86, 38.86], vec![22.35, 0.0])?;
    /// let model = BgNbd::new(0.2425945, 4.4136019, 0.7929199, 2.4258881)?;
    /// let spec = ScoreSpec::new(TimeUnit::WEEK, 52.0, DiscountRate::zero())?.with_value_per_purchase(10.0)?;
    /// let table = score_columns(&cols, &model, None, &spec, TimeUnit::WEEK)?;
    /// // No spend model, yet every customer has a CLV.
    /// assert_eq!(table.report.with_clv, 2);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn with_value_per_purchase(mut self, value: f64) -> Result<Self> {
        if !value.is_finite() {
            return Err(Error::param("value", value, "must be finite"));
        }
        self.value = PurchaseValue::Fixed(value);
        Ok(self)
    }

    /// Sets the CLV step.
    ///
    /// # Errors
    ///
    /// As [`ClvSpec::with_step`].
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::{BgNbd, DiscountRate};
    /// use customer_value::score::{ScoreSpec, score_columns};
    /// use customer_value::{SummaryColumns, TimeUnit};
    ///
    /// let cols = SummaryColumns::from_parts(vec!["a", "b"], vec![2.0, 0.0], vec![30.43, 0.0], vec![38.86, 38.86], vec![22.35, 0.0])?;
    /// let model = BgNbd::new(0.2425945, 4.4136019, 0.7929199, 2.4258881)?;
    /// let monthly = ScoreSpec::new(TimeUnit::WEEK, 52.0, DiscountRate::zero())?.with_step(52.0 / 12.0)?;
    /// assert!((monthly.step - 52.0 / 12.0).abs() < 1e-12);
    /// assert!(monthly.with_step(0.0).is_err());
    /// # let _ = score_columns(&cols, &model, None, &monthly.with_value_per_purchase(1.0)?, TimeUnit::WEEK)?;
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn with_step(mut self, step: f64) -> Result<Self> {
        self.clv_spec()?.with_step(step)?;
        self.step = step;
        Ok(self)
    }

    /// Computes DERT too.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::{BgNbd, DiscountRate};
    /// use customer_value::score::{ScoreSpec, score_columns};
    /// use customer_value::{SummaryColumns, TimeUnit};
    ///
    /// let cols = SummaryColumns::from_parts(vec!["a", "b"], vec![2.0, 0.0], vec![30.43, 0.0], vec![38.86, 38.86], vec![22.35, 0.0])?;
    /// let model = BgNbd::new(0.2425945, 4.4136019, 0.7929199, 2.4258881)?;
    /// let year = TimeUnit::from_days(365.0)?;
    /// let spec = ScoreSpec::new(TimeUnit::WEEK, 52.0, DiscountRate::new(0.10, year)?)?.with_value_per_purchase(1.0)?;
    /// let table = score_columns(&cols, &model, None, &spec.with_dert(), TimeUnit::WEEK)?;
    /// // DERT (no horizon) exceeds the discounted purchases of the first year.
    /// let row = &table.rows[0];
    /// assert!(row.dert.unwrap() > row.discounted_purchases.unwrap());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn with_dert(mut self) -> Self {
        self.dert = true;
        self
    }

    fn clv_spec(&self) -> Result<ClvSpec> {
        let spec = ClvSpec::new(self.unit, self.horizon, self.discount)?;
        if self.horizon / self.step > ClvSpec::MAX_STEPS as f64 {
            return Err(Error::param(
                "horizon",
                self.horizon,
                "gives more than ClvSpec::MAX_STEPS (10,000) steps: use a longer step",
            ));
        }
        spec.with_step(self.step)
    }
}

/// Why a value of a customer's row is missing. Values the model does not provide at all
/// (P(alive) at the horizon for a model without it) are `None` without a flag.
///
/// # Examples
///
/// ```
/// use customer_value::btyd::{BgNbd, DiscountRate};
/// use customer_value::score::{ScoreFlag, ScoreSpec, score_columns};
/// use customer_value::{SummaryColumns, TimeUnit};
///
/// let cols = SummaryColumns::from_parts(vec!["a", "b"], vec![2.0, 0.0], vec![30.43, 0.0], vec![38.86, 38.86], vec![22.35, 0.0])?;
/// let model = BgNbd::new(0.2425945, 4.4136019, 0.7929199, 2.4258881)?;
/// // Purchases valued by spend, but no spend model given: flagged and counted, not an error.
/// let spec = ScoreSpec::new(TimeUnit::WEEK, 52.0, DiscountRate::zero())?;
/// let table = score_columns(&cols, &model, None, &spec, TimeUnit::WEEK)?;
/// assert!(table.rows[0].flags.contains(&ScoreFlag::NoSpendModel));
/// assert_eq!(table.report.no_spend_model, 2);
/// assert!(table.rows[0].p_alive.is_some());
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ScoreFlag {
    /// The purchase model failed for this customer: no P(alive), expectations or CLV.
    PurchaseModelFailed,
    /// Repeat purchases whose mean spend is ≤ 0 (zero-amount purchases, or returns netting
    /// the spend away): outside the spend model, so no expected spend and no spend-based
    /// CLV. The purchase model still covers the customer.
    NoPositiveRepeatSpend,
    /// The spend model failed for this customer (no expected spend, no spend-based CLV).
    SpendModelFailed,
    /// No spend model was given, so no spend-based value (CLV needs
    /// [`PurchaseValue::Fixed`] then).
    NoSpendModel,
    /// P(alive) at the horizon failed (the model has it, but not for this customer).
    AliveAtHorizonFailed,
    /// DERT was asked for and failed for this customer.
    DertFailed,
    /// The CLV could not be computed although its parts could (a non-finite product).
    ClvFailed,
    /// The customer has no covariates (a model with covariates, [`score_groups`]): no
    /// values.
    MissingCovariates,
}

/// One customer's row of the value table. Times are in the summaries' unit.
///
/// # Examples
///
/// ```
/// use customer_value::btyd::{BgNbd, DiscountRate};
/// use customer_value::score::{ScoreSpec, score_columns};
/// use customer_value::{SummaryColumns, TimeUnit};
///
/// let cols = SummaryColumns::from_parts(vec!["a", "b"], vec![2.0, 0.0], vec![30.43, 0.0], vec![38.86, 38.86], vec![22.35, 0.0])?;
/// let model = BgNbd::new(0.2425945, 4.4136019, 0.7929199, 2.4258881)?;
/// let spec = ScoreSpec::new(TimeUnit::WEEK, 52.0, DiscountRate::zero())?.with_value_per_purchase(10.0)?;
/// let row = &score_columns(&cols, &model, None, &spec, TimeUnit::WEEK)?.rows[0];
/// assert_eq!((row.customer, row.frequency), ("a", 2));
/// let p = row.p_alive.unwrap();
/// assert!(0.0 < p && p <= 1.0 && row.expected_purchases.unwrap() > 0.0);
/// assert!(row.flags.is_empty());
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CustomerScore<K> {
    /// The customer.
    pub customer: K,
    /// Repeat purchases `x` in the calibration window.
    pub frequency: u32,
    /// Time from the first to the last purchase, `t_x`.
    pub recency: f64,
    /// Time from the first purchase to the end of the calibration window, `T`.
    #[serde(rename = "T")]
    pub age: f64,
    /// Mean repeat spend (0 without repeats), as the spend model sees it (`f64`).
    pub monetary_value: f64,
    /// P(alive) at the end of the calibration window.
    pub p_alive: Option<f64>,
    /// P(alive) at the horizon, where the model has it.
    pub p_alive_at_horizon: Option<f64>,
    /// Expected purchases over the horizon.
    pub expected_purchases: Option<f64>,
    /// DERT, when asked for.
    pub dert: Option<f64>,
    /// Expected spend per purchase (the spend model's conditional expectation; the
    /// population mean for a customer without repeats).
    pub expected_spend: Option<f64>,
    /// Discounted expected purchases over the horizon (the margin-free part of CLV).
    pub discounted_purchases: Option<f64>,
    /// CLV over the horizon: value per purchase × discounted expected purchases.
    pub clv: Option<f64>,
    /// Expected purchases over the holdout window, with a holdout.
    pub expected_holdout_purchases: Option<f64>,
    /// Actual purchase periods in the holdout window, with a holdout.
    pub holdout_purchases: Option<u32>,
    /// Why values are missing (empty when none is).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flags: Vec<ScoreFlag>,
}

/// Counts of [`score`]: every customer is in `customers`, each flag counted once per
/// customer that has it.
///
/// # Examples
///
/// ```
/// use customer_value::btyd::{BgNbd, DiscountRate};
/// use customer_value::score::{ScoreSpec, score_columns};
/// use customer_value::{SummaryColumns, TimeUnit};
///
/// let cols = SummaryColumns::from_parts(vec!["a", "b"], vec![2.0, 0.0], vec![30.43, 0.0], vec![38.86, 38.86], vec![22.35, 0.0])?;
/// let model = BgNbd::new(0.2425945, 4.4136019, 0.7929199, 2.4258881)?;
/// let spec = ScoreSpec::new(TimeUnit::WEEK, 52.0, DiscountRate::zero())?.with_value_per_purchase(10.0)?;
/// let report = score_columns(&cols, &model, None, &spec, TimeUnit::WEEK)?.report;
/// assert_eq!((report.customers, report.with_clv, report.purchase_model_failed), (2, 2, 0));
/// assert!(report.first_errors.is_empty());
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ScoreReport {
    /// Customers scored (rows of the table).
    pub customers: u64,
    /// Customers with a CLV.
    pub with_clv: u64,
    /// Customers flagged [`ScoreFlag::PurchaseModelFailed`].
    pub purchase_model_failed: u64,
    /// Customers flagged [`ScoreFlag::NoPositiveRepeatSpend`].
    pub no_positive_repeat_spend: u64,
    /// Customers flagged [`ScoreFlag::SpendModelFailed`].
    pub spend_model_failed: u64,
    /// Customers flagged [`ScoreFlag::NoSpendModel`].
    pub no_spend_model: u64,
    /// Customers flagged [`ScoreFlag::AliveAtHorizonFailed`].
    pub alive_at_horizon_failed: u64,
    /// Customers flagged [`ScoreFlag::DertFailed`].
    pub dert_failed: u64,
    /// Customers flagged [`ScoreFlag::ClvFailed`].
    pub clv_failed: u64,
    /// The first error message of each kind of failure (`"customer …: …"`), for the log.
    pub first_errors: Vec<String>,
    /// Customers flagged [`ScoreFlag::MissingCovariates`].
    #[serde(default)]
    pub missing_covariates: u64,
}

/// The per-customer value table of [`score`], in the summaries' customer order.
///
/// # Examples
///
/// ```
/// use customer_value::btyd::{BgNbd, DiscountRate};
/// use customer_value::score::{ScoreSpec, score_columns};
/// use customer_value::{SummaryColumns, TimeUnit};
///
/// let cols = SummaryColumns::from_parts(vec!["a", "b"], vec![2.0, 0.0], vec![30.43, 0.0], vec![38.86, 38.86], vec![22.35, 0.0])?;
/// let model = BgNbd::new(0.2425945, 4.4136019, 0.7929199, 2.4258881)?;
/// let spec = ScoreSpec::new(TimeUnit::WEEK, 52.0, DiscountRate::zero())?.with_value_per_purchase(10.0)?;
/// let table = score_columns(&cols, &model, None, &spec, TimeUnit::WEEK)?;
/// assert_eq!((table.rows.len(), table.unit, table.horizon), (2, TimeUnit::WEEK, 52.0));
/// let mut csv = Vec::new();
/// table.write_csv(&mut csv)?;
/// assert_eq!(String::from_utf8_lossy(&csv).lines().count(), 3);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ScoreTable<K> {
    /// One row per customer.
    pub rows: Vec<CustomerScore<K>>,
    /// What was computed and what was not.
    pub report: ScoreReport,
    /// The unit of the rows' times.
    pub unit: TimeUnit,
    /// The horizon, in `unit`.
    pub horizon: f64,
}

/// Scores every customer of `summaries`: P(alive) now and at the horizon, expected
/// purchases over the horizon, DERT (when asked), expected spend, CLV and, with a
/// holdout, the expected and actual holdout purchases.
///
/// Rules:
/// * the purchase model covers every customer; a customer it fails for is flagged
///   [`ScoreFlag::PurchaseModelFailed`] and the others keep their values;
/// * the spend model covers customers without repeats (its population mean) and
///   customers whose mean repeat spend is > 0; customers with repeats and a mean repeat
///   spend ≤ 0 are flagged [`ScoreFlag::NoPositiveRepeatSpend`] (no expected spend, no
///   spend-based CLV) — fit the spend model on the same customers
///   ([`SpendSummaries::from_rows`](crate::btyd::SpendSummaries::from_rows) leaves them out
///   and counts them);
/// * CLV = value per purchase × discounted expected purchases (steps of `spec.step`,
///   each discounted at its end).
///
/// Multi-threaded with the `parallel` feature, with identical results.
///
/// # Errors
///
/// [`Error::UnitMismatch`] when the model carries a unit other than the summaries'
/// (re-express it with the model's `in_unit` first); [`Error::InvalidParameter`] for a
/// spec whose horizon does not convert into the summaries' unit; [`Error::EmptyInput`]
/// without customers. Failures of single customers are flags, not errors.
///
/// # Examples
///
/// The whole "CSV in, table out" program:
///
/// ```
/// use customer_value::btyd::{BgNbd, DiscountRate, FitOptions, GammaGamma, SpendSummaries, WeightedSummaries};
/// use customer_value::score::{ScoreSpec, score};
/// use customer_value::{SummarySpec, TimeUnit, io, summarise_columns};
///
/// let csv = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/data/cdnow_sample_transactions.csv"))?;
/// let log = io::read_transactions_csv::<u64, _>(csv.as_slice())?;
/// let end = chrono::NaiveDate::from_ymd_opt(1997, 9, 30).unwrap();
/// let summaries = summarise_columns(SummarySpec::new(end).with_unit(TimeUnit::WEEK), log.columns())?;
/// let cols = summaries.columns();
/// let purchases = BgNbd::fit(&WeightedSummaries::from_columns(&cols)?, &FitOptions::default())?.model;
/// let spend = GammaGamma::fit(&SpendSummaries::from_rows(&cols.frequency, &cols.monetary_value)?, &FitOptions::default())?.model;
/// let year = TimeUnit::from_days(365.0)?;
/// let spec = ScoreSpec::new(TimeUnit::WEEK, 52.0, DiscountRate::new(0.10, year)?)?;
/// let table = score(&summaries, &purchases, Some(&spend), &spec)?;
/// let mut out = Vec::new();
/// table.write_csv(&mut out)?;
/// assert_eq!(table.rows.len(), 2357);
/// assert_eq!(table.report.with_clv, 2357);
/// assert!(String::from_utf8_lossy(&out).starts_with("customer,frequency,recency,T,"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn score<K: Ord + Clone + std::fmt::Debug>(
    summaries: &Summaries<K>,
    purchases: &dyn TransactionModel,
    spend: Option<&GammaGamma>,
    spec: &ScoreSpec,
) -> Result<ScoreTable<K>> {
    // The columns `score` reads, straight from the summaries: no copy of the keys, no
    // holdout spend (the table has none); the values of `summaries.columns()`.
    let customers = summaries.customers.as_slice();
    let n = customers.len();
    let (mut frequency, mut recency, mut age, mut monetary) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    let all_holdout = n > 0 && customers.iter().all(|c| c.holdout.is_some());
    let mut holdout_frequency = Vec::with_capacity(if all_holdout { n } else { 0 });
    for c in customers {
        frequency.push(f64::from(c.frequency));
        recency.push(c.recency);
        age.push(c.age);
        monetary.push(crate::money::to_f64(c.monetary_value));
        if all_holdout {
            if let Some(h) = &c.holdout {
                holdout_frequency.push(f64::from(h.frequency));
            }
        }
    }
    let duration = customers
        .first()
        .and_then(|c| c.holdout.as_ref())
        .map(|h| h.duration);
    let input = Input {
        keys: Keys::Summaries(customers),
        frequency: &frequency,
        recency: &recency,
        age: &age,
        monetary_value: &monetary,
        holdout: all_holdout.then_some(HoldoutInput {
            frequency: &holdout_frequency,
            duration: duration.unwrap_or(0.0),
        }),
        unit: Some(summaries.spec.unit),
    };
    score_input(&input, purchases, spend, spec, summaries.spec.unit)
}

/// The customers' keys: a column of them, or the summaries that hold them (no copy).
enum Keys<'a, K> {
    Column(&'a [K]),
    Summaries(&'a [CustomerSummary<K>]),
}

impl<'a, K> Keys<'a, K> {
    fn len(&self) -> usize {
        match self {
            Keys::Column(k) => k.len(),
            Keys::Summaries(s) => s.len(),
        }
    }

    fn get(&self, i: usize) -> Option<&'a K> {
        match *self {
            Keys::Column(k) => k.get(i),
            Keys::Summaries(s) => s.get(i).map(|c| &c.customer),
        }
    }
}

/// The holdout columns scoring reads.
#[derive(Clone, Copy)]
struct HoldoutInput<'a> {
    frequency: &'a [f64],
    /// The holdout's length (the first customer's: the same for all).
    duration: f64,
}

/// What scoring reads: the keys and the summaries' values as `f64` columns (the table
/// has one row per key).
struct Input<'a, K> {
    keys: Keys<'a, K>,
    frequency: &'a [f64],
    recency: &'a [f64],
    age: &'a [f64],
    monetary_value: &'a [f64],
    holdout: Option<HoldoutInput<'a>>,
    unit: Option<TimeUnit>,
}

impl<'a, K> Input<'a, K> {
    fn of_columns(cols: &'a SummaryColumns<K>) -> Self {
        Input {
            keys: Keys::Column(&cols.customers),
            frequency: &cols.frequency,
            recency: &cols.recency,
            age: &cols.age,
            monetary_value: &cols.monetary_value,
            holdout: cols.holdout.as_ref().map(|h| HoldoutInput {
                frequency: &h.frequency,
                duration: h.duration.first().copied().unwrap_or(0.0),
            }),
            unit: cols.unit,
        }
    }

    fn len(&self) -> usize {
        self.keys.len()
    }

    /// The three columns the models take (as [`SummarySlices::from`] a `SummaryColumns`).
    fn slices(&self) -> SummarySlices<'a> {
        SummarySlices::truncated(self.frequency, self.recency, self.age)
    }
}

/// [`score`] over summary columns in `unit` (their [`SummaryColumns::unit`] is used when
/// set, and must then be `unit`).
///
/// # Errors
///
/// As [`score`]; [`Error::UnitMismatch`] when the columns say another unit.
///
/// # Examples
///
/// ```
/// use customer_value::btyd::{BgNbd, DiscountRate};
/// use customer_value::score::{ScoreSpec, score_columns};
/// use customer_value::{SummaryColumns, TimeUnit};
///
/// let cols = SummaryColumns::from_parts(vec!["a", "b"], vec![2.0, 0.0], vec![30.43, 0.0], vec![38.86, 38.86], vec![22.35, 0.0])?;
/// let model = BgNbd::new(0.2425945, 4.4136019, 0.7929199, 2.4258881)?;
/// let spec = ScoreSpec::new(TimeUnit::WEEK, 52.0, DiscountRate::zero())?.with_value_per_purchase(10.0)?;
/// let table = score_columns(&cols, &model, None, &spec, TimeUnit::WEEK)?;
/// assert_eq!(table.rows[1].p_alive, Some(1.0));
/// assert!(table.rows[0].clv.is_some());
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn score_columns<K: Clone + std::fmt::Debug>(
    cols: &SummaryColumns<K>,
    purchases: &dyn TransactionModel,
    spend: Option<&GammaGamma>,
    spec: &ScoreSpec,
    unit: TimeUnit,
) -> Result<ScoreTable<K>> {
    score_input(&Input::of_columns(cols), purchases, spend, spec, unit)
}

/// [`score_columns`] over the columns of `input`.
fn score_input<K: Clone + std::fmt::Debug>(
    input: &Input<'_, K>,
    purchases: &dyn TransactionModel,
    spend: Option<&GammaGamma>,
    spec: &ScoreSpec,
    unit: TimeUnit,
) -> Result<ScoreTable<K>> {
    if input.len() == 0 {
        return Err(Error::EmptyInput {
            what: "customers to score",
        });
    }
    for (what, other) in [
        ("the model", purchases.unit()),
        ("the summary columns", input.unit),
    ] {
        if let Some(u) = other.filter(|u| *u != unit) {
            return Err(Error::UnitMismatch {
                what,
                expected_days: u.days(),
                given_what: "the summaries",
                given_days: unit.days(),
            });
        }
    }
    if spec.dert && spec.discount.rate() <= 0.0 {
        return Err(Error::param(
            "discount",
            spec.discount.rate(),
            "DERT needs a positive discount rate (it is infinite without)",
        ));
    }
    let clv_spec = spec.clv_spec()?.in_unit(unit)?;
    let horizon = clv_spec.horizon;
    let rows = input.slices();
    let mut failures = Failures::new(input);

    let p_alive = failures.each(
        ScoreFlag::PurchaseModelFailed,
        purchases.probability_alive_batch(rows),
        rows,
        |x, tx, t| purchases.probability_alive(x, tx, t),
    );
    let duration = input.holdout.map(|h| h.duration);
    // With every P(alive) known and a model that factors, the other columns share one
    // pass per distinct (x, T); otherwise each comes from its own batch call.
    let shared = p_alive
        .all()
        .and_then(|a| shared::shared_columns(purchases, rows, a, &clv_spec, duration));
    let (expected_batch, discounted_batch, alive_at_batch, holdout_batch) = match shared {
        Some(s) => (s.expected, s.discounted, s.alive_at, s.holdout),
        None => {
            let zeros = vec![0.0; rows.len()];
            (
                purchases.expected_purchases_batch(horizon, rows),
                clv_batch(purchases, Margin::PerPurchase(1.0), &clv_spec, rows, &zeros),
                None,
                duration.map(|d| purchases.expected_purchases_batch(d, rows)),
            )
        }
    };
    let expected = failures.each(
        ScoreFlag::PurchaseModelFailed,
        expected_batch,
        rows,
        |x, tx, t| purchases.expected_purchases(horizon, x, tx, t),
    );
    let alive_at = alive_at_horizon(purchases, horizon, rows, alive_at_batch, &mut failures);
    let dert = if spec.dert {
        let each = |x, tx, t| purchases.dert(spec.discount, unit, x, tx, t);
        failures.each(ScoreFlag::DertFailed, rows.map(each), rows, each)
    } else {
        Column::Absent
    };
    let discounted = failures.each(
        ScoreFlag::PurchaseModelFailed,
        discounted_batch,
        rows,
        |x, tx, t| {
            let customer = crate::btyd::History::from_f64(x, tx, t)?;
            crate::btyd::expected_clv(purchases, Margin::PerPurchase(1.0), &clv_spec, customer, 0.0)
        },
    );
    let expected_spend = expected_spend(input, spend, spec.value, &mut failures);
    let holdout_expected = match (duration, holdout_batch) {
        (Some(duration), Some(batch)) => {
            failures.each(ScoreFlag::PurchaseModelFailed, batch, rows, |x, tx, t| {
                purchases.expected_purchases(duration, x, tx, t)
            })
        }
        _ => Column::Absent,
    };
    failures.assemble(
        spec,
        horizon,
        unit,
        Columns {
            p_alive,
            alive_at,
            expected,
            dert,
            discounted,
            expected_spend,
            holdout_expected,
        },
    )
}

/// The computed columns, parallel to the customers.
struct Columns {
    p_alive: Column,
    alive_at: Column,
    expected: Column,
    dert: Column,
    discounted: Column,
    expected_spend: Column,
    holdout_expected: Column,
}

/// One computed column: every value known (the common case, kept as the batch computed
/// it), some values missing, or none at all.
enum Column {
    All(Vec<f64>),
    Partial(Vec<Option<f64>>),
    Absent,
}

impl Column {
    /// Customer `i`'s value.
    #[inline]
    fn get(&self, i: usize) -> Option<f64> {
        match self {
            Column::All(v) => v.get(i).copied(),
            Column::Partial(v) => v.get(i).copied().flatten(),
            Column::Absent => None,
        }
    }

    /// Every value, when all are known.
    fn all(&self) -> Option<&[f64]> {
        match self {
            Column::All(v) => Some(v),
            Column::Partial(_) | Column::Absent => None,
        }
    }
}

/// P(alive) at the horizon per customer; `None` without a flag when the model does not
/// provide it at all.
fn alive_at_horizon(
    model: &dyn TransactionModel,
    horizon: f64,
    rows: SummarySlices<'_>,
    shared: Option<Result<Vec<f64>>>,
    failures: &mut Failures<'_, impl Clone + std::fmt::Debug>,
) -> Column {
    let each = |x, tx, t| model.probability_alive_at(horizon, x, tx, t);
    if let Some(batch) = shared {
        return failures.each(ScoreFlag::AliveAtHorizonFailed, batch, rows, each);
    }
    // The trait's default says the model has no such prediction: ask once.
    if let Err(Error::Undefined { what, reason }) = model.probability_alive_at(horizon, 0.0, 0.0, 0.0) {
        if what == "P(alive at T + t)" && reason.starts_with("not provided") {
            return Column::Absent;
        }
    }
    failures.each(ScoreFlag::AliveAtHorizonFailed, rows.map(each), rows, each)
}

/// Expected spend per purchase: the spend model's conditional expectation for customers
/// without repeats and those with a positive mean repeat spend; flags for the others.
fn expected_spend<K: Clone + std::fmt::Debug>(
    input: &Input<'_, K>,
    spend: Option<&GammaGamma>,
    value: PurchaseValue,
    failures: &mut Failures<'_, K>,
) -> Column {
    let Some(model) = spend else {
        // A fixed value per purchase needs no spend model: its absence is no reason to flag.
        if !matches!(value, PurchaseValue::Fixed(_)) {
            for i in 0..input.len() {
                failures.flag(i, ScoreFlag::NoSpendModel, None);
            }
        }
        return Column::Absent;
    };
    let mut out = Vec::with_capacity(input.len());
    for (i, (&x, &m)) in input.frequency.iter().zip(input.monetary_value).enumerate() {
        if x > 0.0 && (m.is_nan() || m <= 0.0) {
            failures.flag(i, ScoreFlag::NoPositiveRepeatSpend, None);
            out.push(None);
            continue;
        }
        match model.conditional_expected_spend(x, m) {
            Ok(v) if v.is_finite() => out.push(Some(v)),
            Ok(v) => {
                let e = Error::Undefined {
                    what: "expected spend",
                    reason: format!("{v} is not finite"),
                };
                failures.flag(i, ScoreFlag::SpendModelFailed, Some(&e));
                out.push(None);
            }
            Err(e) => {
                failures.flag(i, ScoreFlag::SpendModelFailed, Some(&e));
                out.push(None);
            }
        }
    }
    Column::Partial(out)
}

/// Per-customer flags and the report's counts, built while the columns are computed.
struct Failures<'a, K> {
    input: &'a Input<'a, K>,
    /// Each customer's flags; empty until the first flag (most tables have none).
    flags: Vec<Vec<ScoreFlag>>,
    first_errors: Vec<(ScoreFlag, String)>,
}

impl<'a, K: Clone + std::fmt::Debug> Failures<'a, K> {
    fn new(input: &'a Input<'a, K>) -> Self {
        Failures {
            input,
            flags: Vec::new(),
            first_errors: Vec::new(),
        }
    }

    /// Flags customer `i` (once per flag), remembering the first error of each flag.
    fn flag(&mut self, i: usize, flag: ScoreFlag, error: Option<&Error>) {
        if self.flags.is_empty() {
            self.flags = vec![Vec::new(); self.input.len()];
        }
        if let Some(f) = self.flags.get_mut(i) {
            if !f.contains(&flag) {
                f.push(flag);
            }
        }
        if let Some(e) = error {
            if !self.first_errors.iter().any(|(f, _)| *f == flag) {
                let who = self
                    .input
                    .keys
                    .get(i)
                    .map_or_else(|| format!("row {i}"), |c| format!("{c:?}"));
                self.first_errors.push((flag, format!("customer {who}: {e}")));
            }
        }
    }

    /// The batch result when it succeeded (and every value is finite); otherwise each row
    /// again on its own, flagging the rows that fail.
    fn each(
        &mut self,
        flag: ScoreFlag,
        batch: Result<Vec<f64>>,
        rows: SummarySlices<'_>,
        one: impl Fn(f64, f64, f64) -> Result<f64> + Sync,
    ) -> Column {
        if let Ok(values) = batch {
            if values.len() == rows.len() && values.iter().all(|v| v.is_finite()) {
                return Column::All(values);
            }
        }
        let results: Vec<Result<f64>> = rows.each_result(one);
        let values = results
            .into_iter()
            .enumerate()
            .map(|(i, r)| match r {
                Ok(v) if v.is_finite() => Some(v),
                Ok(v) => {
                    let e = Error::Undefined {
                        what: "prediction",
                        reason: format!("{v} is not finite"),
                    };
                    self.flag(i, flag, Some(&e));
                    None
                }
                Err(e) => {
                    self.flag(i, flag, Some(&e));
                    None
                }
            })
            .collect();
        Column::Partial(values)
    }

    fn assemble(self, spec: &ScoreSpec, horizon: f64, unit: TimeUnit, c: Columns) -> Result<ScoreTable<K>> {
        let Failures {
            input,
            mut flags,
            first_errors,
        } = self;
        let keys = &input.keys;
        let n = keys.len();
        let mut report = ScoreReport {
            customers: n as u64,
            first_errors: first_errors.into_iter().map(|(_, e)| e).collect(),
            ..ScoreReport::default()
        };
        let holdout = input.holdout.map(|h| h.frequency);
        let mut clv_overflow_noted = false;
        let mut rows = Vec::with_capacity(n);
        for i in 0..n {
            let Some(customer) = keys.get(i) else { break };
            let f = flags.get_mut(i).map(std::mem::take).unwrap_or_default();
            let mut row = CustomerScore {
                customer: customer.clone(),
                frequency: input.frequency.get(i).map_or(0, |&x| x as u32),
                recency: input.recency.get(i).copied().unwrap_or(0.0),
                age: input.age.get(i).copied().unwrap_or(0.0),
                monetary_value: input.monetary_value.get(i).copied().unwrap_or(0.0),
                p_alive: c.p_alive.get(i),
                p_alive_at_horizon: c.alive_at.get(i),
                expected_purchases: c.expected.get(i),
                dert: c.dert.get(i),
                expected_spend: c.expected_spend.get(i),
                discounted_purchases: c.discounted.get(i),
                clv: None,
                expected_holdout_purchases: c.holdout_expected.get(i),
                holdout_purchases: holdout.and_then(|h| h.get(i)).map(|&x| x as u32),
                flags: f,
            };
            let value = match spec.value {
                PurchaseValue::Fixed(v) => Some(v),
                PurchaseValue::FractionOfSpend(fraction) => row.expected_spend.map(|s| fraction * s),
            };
            if let (Some(v), Some(d)) = (value, row.discounted_purchases) {
                let clv = v * d;
                if clv.is_finite() {
                    row.clv = Some(clv);
                } else {
                    row.flags.push(ScoreFlag::ClvFailed);
                    if !clv_overflow_noted {
                        // The flag's first error, as `Failures::flag` records the others.
                        clv_overflow_noted = true;
                        report.first_errors.push(format!(
                            "customer {customer:?}: CLV is not finite: the value per purchase (margin × spend) {v:e} × discounted purchases {d:e} overflows f64"
                        ));
                    }
                }
            }
            if matches!(spec.value, PurchaseValue::Fixed(_)) {
                // A fixed value needs no spend model: its absence is no reason to flag.
                row.flags.retain(|f| *f != ScoreFlag::NoSpendModel);
            }
            report.count(&row);
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

impl ScoreReport {
    fn count<K>(&mut self, row: &CustomerScore<K>) {
        self.with_clv += u64::from(row.clv.is_some());
        for flag in &row.flags {
            *match flag {
                ScoreFlag::PurchaseModelFailed => &mut self.purchase_model_failed,
                ScoreFlag::NoPositiveRepeatSpend => &mut self.no_positive_repeat_spend,
                ScoreFlag::SpendModelFailed => &mut self.spend_model_failed,
                ScoreFlag::NoSpendModel => &mut self.no_spend_model,
                ScoreFlag::AliveAtHorizonFailed => &mut self.alive_at_horizon_failed,
                ScoreFlag::DertFailed => &mut self.dert_failed,
                ScoreFlag::ClvFailed => &mut self.clv_failed,
                ScoreFlag::MissingCovariates => &mut self.missing_covariates,
            } += 1;
        }
    }
}

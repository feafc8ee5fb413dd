#![doc = include_str!("../README.md")]
//!
//! # Panics and error handling
//!
//! Library code does not panic on caller input: every fallible public function returns
//! [`Result<T>`](Result) with the crate's one [`Error`] enum, whose variants say what was
//! wrong and where (parameter, row, line, customer). Nothing a caller passes is dropped
//! silently: rows and customers left out of a summary are counted in its
//! [`SummaryReport`]. Exact money arithmetic is checked: an overflow is
//! [`Error::Overflow`] or [`Error::InvalidRow`], never a wrapped or panicking value. The
//! build enforces it: clippy denies `unwrap`, `expect`, `panic!`, `unreachable!` and
//! indexing or slicing anywhere in the library's code. The input limits are listed in
//! "Panics and error handling" above.
//!
//! # Floating point accuracy
//!
//! Money is [`rust_decimal::Decimal`]; statistics are `f64`. The only crossing between the
//! two is the [`money`] module (nearest `f64` one way, banker's rounding to a stated number
//! of decimal places the other). Times in summaries are exact multiples of the period
//! length divided by the unit (e.g. days / 7).
//!
//! # Sources
//!
//! Summaries follow the conventions of the Python package `lifetimes` (0.11.3,
//! `summary_data_from_transaction_data`, `calibration_and_holdout_data`) so that numbers
//! compare one to one; the CDNOW sample reproduction is in `tests/summary/cdnow.rs`.
//! Models cite their papers where they are defined.
// On docs.rs (nightly, `--cfg docsrs`), items behind a feature say which one.
#![cfg_attr(docsrs, feature(doc_cfg))]
#![deny(unsafe_code)] // one audited exception: `summary::hints` (prefetch, madvise)
#![deny(missing_docs, missing_debug_implementations)]
#![deny(clippy::float_cmp)]
// No panics that input could reach: library code (not its unit tests) has no unwrap,
// expect, panic, unreachable or indexing.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::unreachable,
        clippy::indexing_slicing
    )
)]
#![doc(test(attr(deny(warnings))))]

#[cfg(feature = "arrow")]
#[cfg_attr(docsrs, doc(cfg(feature = "arrow")))]
pub mod arrow;
pub mod btyd;
pub mod churn;
pub mod clv;
pub mod cost;
pub mod error;
pub mod io;
pub mod loyalty;
pub mod money;
#[cfg(feature = "plot")]
#[cfg_attr(docsrs, doc(cfg(feature = "plot")))]
pub mod plot;
pub mod profitability;
pub mod retention;
pub mod revenue;
pub mod satisfaction;
pub mod score;
pub mod segment;
pub(crate) mod special;
pub mod summary;
pub mod time;
pub mod transaction;

pub use btyd::{
    BgBb, BgNbd, ClvSpec, DiscountRate, FitOptions, FitReport, GammaGamma, MbgNbd, ParetoNbd,
    TransactionModel, WeightedSummaries,
};
pub use churn::{ChurnCounts, ChurnMethod, CohortTable, RevenueBridge};
pub use clv::{DiscountWeights, NpvBreakdown, Relationship, Timing};
pub use cost::{Activity, CostModel};
pub use error::{Error, Result};
pub use loyalty::{Account, Program, ProgramSpec, TierSpec};
pub use profitability::{CustomerCosts, CustomerProfitability};
pub use retention::{KaplanMeier, RetentionModel, ShiftedBetaGeometric, check_retention_model};
pub use revenue::RevenueStream;
pub use segment::{
    AbcCuts, Concentration, NegativeValues, RfmScores, RfmValues, SegmentMap, WhaleCurve, abc_classes, gini,
    rfm_scores, top_share,
};
#[cfg(feature = "parallel")]
#[cfg_attr(docsrs, doc(cfg(feature = "parallel")))]
pub use summary::summarise_columns_parallel;
pub use summary::{
    CustomerSummary, HoldoutSummary, NegativeAmounts, Summaries, SummaryBuilder, SummaryColumns,
    SummaryReport, SummarySpec, summarise, summarise_columns,
};
pub use time::{Period, PurchaseDate, TimeUnit};
pub use transaction::{Transaction, TransactionColumns, TransactionLog};

/// The names most programs need, in one import: the traits (so their methods are in
/// scope), the summary types and the models. Nothing here shadows std: the crate's
/// `Result` alias is not in it, so `fn main() -> Result<(), Box<dyn Error>>` still works
/// under `use customer_value::prelude::*`.
///
/// ```
/// use customer_value::prelude::*;
///
/// fn main() -> Result<(), Box<dyn std::error::Error>> {
///     let _spec = SummarySpec::new(chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap());
///     let model = BgNbd::new(0.24, 4.41, 0.79, 2.43)?;
///     let customer = History::new(2, 30.43, 38.86)?;
///     assert!(model.probability_alive_for(customer)? < 1.0); // TransactionModel in scope
///     Ok(())
/// }
/// ```
pub mod prelude {
    pub use crate::btyd::{History, SavedForm, TransactionModel};
    pub use crate::score::{ScoreSpec, score};
    pub use crate::{
        Activity, BgNbd, ClvSpec, CostModel, CustomerProfitability, CustomerSummary, DiscountRate, Error,
        FitOptions, GammaGamma, MbgNbd, ParetoNbd, Period, PurchaseDate, Relationship, RetentionModel,
        RevenueStream, Summaries, SummaryBuilder, SummaryColumns, SummarySpec, TimeUnit, Timing, Transaction,
        TransactionColumns, TransactionLog, WeightedSummaries, summarise, summarise_columns,
    };
}

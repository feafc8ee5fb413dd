//! Pareto and RFM segmentation: how concentrated customer value is, and which customers
//! belong together.
//!
//! * **Concentration** ([`Concentration`], [`lorenz_curve_weighted`], [`gini`], [`gini_weighted`]): the Lorenz
//!   curve, the Gini coefficient (population and small-sample corrected, with a
//!   [`NegativeValues`] policy), the share held by the top x % of customers
//!   ([`top_share`]) and its inverse ("how many customers make 80 %"), decile tables.
//! * **ABC classes** ([`AbcCuts`], [`abc_classes`]): Pareto classes by cumulative share of
//!   value, with a stated boundary rule and tie rule.
//! * **Whale curve** ([`WhaleCurve`], Kaplan & Cooper 1998): cumulative profit of customers
//!   sorted by profit, for profits that can be negative.
//! * **RFM** ([`RfmValues`], [`rfm_scores`], [`quantile_scores`]): recency, frequency and
//!   monetary value from the summaries, scored 1..n by average-rank quantiles.
//! * **Segment maps** ([`SegmentMap`]): named segments over score cells, checked to be a
//!   partition when built; [`SegmentTable`] summarises each segment.
//! * **Profitability levels** ([`ProfitLevels`]): customers classed by profit with caller
//!   thresholds, and ranked.
//!
//! Values that describe a distribution (spend, CLV) are `f64`; money that is summed and
//! reported as money (profit in the whale curve and profit levels) is `Decimal`.
//! Nothing here panics on caller input: empty input, all-zero totals, NaN or infinite
//! values and out-of-order cut points are typed [`Error`] values.
//!
//! # Sources
//!
//! * Pareto principle in customer profit: seed texts of this project (≈ 20 % of customers
//!   bring ≈ 80 % of profit); R. Kaplan and R. Cooper (1998), *Cost & Effect*, Harvard
//!   Business School Press (the whale curve).
//! * Gini with negative values: E. Raffinetti, E. Siletti and A. Vernizzi (2015), "On the
//!   Gini coefficient normalization when attributes with negative values are considered",
//!   *Statistical Methods & Applications* 24, 507–521.
//! * RFM: A. M. Hughes (1994), *Strategic Database Marketing*; the R×F segment grid of the
//!   widely copied Python CRM-analytics notebooks (see [`SegmentMap::standard`]).
//! * Customer pyramid by profit level: V. Zeithaml, R. Rust and K. Lemon (2001), "The
//!   customer pyramid", *California Management Review* 43(4).

mod abc;
mod concentration;
mod gini;
mod lorenz;
mod overview;
mod profit_levels;
mod rank;
mod rfm;
mod segment_map;
mod table;
mod whale;

pub use abc::{AbcClasses, AbcCuts, abc_classes};
pub use concentration::{Concentration, QuantileRow, TopCustomers, top_share};
pub use gini::{Gini, NegativeValues, gini};
pub use lorenz::{LorenzPoint, gini_from_lorenz, gini_weighted, lorenz_curve_weighted};
pub use overview::{SegmentOverview, segment_overview};
pub use profit_levels::{ProfitClassification, ProfitLevel, ProfitLevelRow, ProfitLevels};
pub use rfm::{
    Monetary, RfmCell, RfmConvention, RfmScores, RfmValues, TieRule, quantile_scores, quantile_scores_with,
    rfm_scores, rfm_scores_with,
};
pub use segment_map::{MapCheck, ScoreRange, SegmentMap, SegmentRule};
pub use table::{SegmentRow, SegmentTable};
pub use whale::{WhaleCurve, WhalePoint};

use crate::error::{Error, Result};

/// Fails with [`Error::EmptyInput`] on an empty slice and [`Error::InvalidRow`] on the
/// first value that is NaN or infinite.
pub(crate) fn check_finite(values: &[f64], what: &'static str) -> Result<()> {
    if values.is_empty() {
        return Err(Error::EmptyInput { what });
    }
    if let Some(i) = values.iter().position(|v| !v.is_finite()) {
        return Err(Error::InvalidRow {
            row: i as u64,
            reason: format!(
                "{what}: value {} is not finite",
                values.get(i).copied().unwrap_or(f64::NAN)
            ),
        });
    }
    Ok(())
}

/// Sum by pairwise-free Neumaier compensation: bulk sums of millions of customers keep
/// full precision, so shares and Gini do not drift with the size of the base.
/// A power of two that brings the largest magnitude in `values` into [1, 4): multiplying
/// by it is exact (barring underflow of values ~10³⁰⁰ times smaller than the largest,
/// which no sum here would register anyway), so ratios of sums of scaled values are the
/// ratios of the unscaled ones, bit for bit, while no sum of n scaled values can exceed
/// 4n. 1 when the largest magnitude is below 1 (nothing can overflow).
pub(crate) fn pow2_scale(values: impl IntoIterator<Item = f64>) -> f64 {
    let max = values.into_iter().fold(0.0_f64, |m, v| m.max(v.abs()));
    if max.is_finite() && max >= 1.0 {
        // The unbiased binary exponent of a normal max ≥ 1: 0 ..= 1023.
        let exponent = ((max.to_bits() >> 52) & 0x7ff) as i32 - 1023;
        2.0_f64.powi(-exponent.min(1022))
    } else {
        1.0
    }
}

/// Refuses values whose Σ |v| exceeds `f64::MAX`: below that, every partial sum, group
/// total and difference of two partial sums is finite.
pub(crate) fn check_abs_sum(values: &[f64], op: &'static str) -> Result<()> {
    let scale = pow2_scale(values.iter().copied());
    if (sum(values.iter().map(|v| (v * scale).abs())) / scale).is_finite() {
        Ok(())
    } else {
        Err(Error::Overflow { op })
    }
}

/// [`Error::Overflow`] unless every share `partial sum / total` (and twice it, as a Gini
/// coefficient of the values can be) is finite: Σ |value| / total ≤ `f64::MAX` / 4. A
/// positive total tiny beside the values (1e300, −1e300 and 1e-300) would give shares of
/// ±∞. Call after [`check_abs_sum`], with a positive total.
pub(crate) fn check_share_range(values: &[f64], total: f64, op: &'static str) -> Result<()> {
    let scale = pow2_scale(values.iter().copied());
    let abs = sum(values.iter().map(|v| (v * scale).abs())) / scale;
    if abs / total <= f64::MAX / 4.0 {
        Ok(())
    } else {
        Err(Error::Overflow { op })
    }
}

pub(crate) fn sum(values: impl IntoIterator<Item = f64>) -> f64 {
    let (mut s, mut c) = (0.0_f64, 0.0_f64);
    for v in values {
        let t = s + v;
        if s.abs() >= v.abs() {
            c += (s - t) + v;
        } else {
            c += (v - t) + s;
        }
        s = t;
    }
    s + c
}

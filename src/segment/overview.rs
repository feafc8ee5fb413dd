//! One call for a report: Pareto figures of total spend and the standard RFM segment
//! counts of a set of summaries.

use std::fmt::Debug;

use serde::{Deserialize, Serialize};

use super::concentration::{Concentration, TopCustomers};
use super::gini::Gini;
use super::rfm::{Monetary, RfmConvention, RfmValues, rfm_scores};
use super::segment_map::SegmentMap;
use crate::error::Result;
use crate::summary::CustomerSummary;

/// Pareto figures and segment counts of a customer base.
///
/// # Examples
///
/// ```
/// use chrono::NaiveDate;
/// use customer_value::segment::segment_overview;
/// use customer_value::{summarise, SummarySpec, Transaction};
/// use rust_decimal::Decimal;
///
/// // Nine customers spending 10 and one spending 100: Gini 0.4263158 (R `ineq`).
/// let d = |day| NaiveDate::from_ymd_opt(2024, 1, day).unwrap();
/// let log: Vec<_> = (1..=10_u32)
///     .map(|c| Transaction::new(c, d(c), Decimal::from(if c == 10 { 100 } else { 10 })))
///     .collect();
/// let o = segment_overview(&summarise(SummarySpec::new(d(31)), &log)?.customers)?;
/// assert_eq!(o.customers, 10);
/// assert!((o.gini.population - 0.426_315_8).abs() < 1e-7);
/// assert_eq!(o.segment_counts.len(), 11);
/// assert!(o.empty_segments.iter().all(|s| o.segment_counts.iter().any(|(n, c)| n == s && *c == 0)));
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentOverview {
    /// Customers.
    pub customers: usize,
    /// Share of total spend held by the top 20 % of customers.
    pub top20_share: f64,
    /// How many top customers make 80 % of total spend.
    pub customers_for_80: TopCustomers,
    /// Gini coefficient of total spend.
    pub gini: Gini,
    /// Customers per segment of [`SegmentMap::standard`] (5-level scores, segmentation
    /// convention, monetary = total spend), in the map's order.
    pub segment_counts: Vec<(String, usize)>,
    /// Names of the segments of [`segment_counts`](Self::segment_counts) with no customer.
    #[serde(default)]
    pub empty_segments: Vec<String>,
}

/// Top-20 % share, customers making 80 %, Gini and standard RFM segment counts of the
/// customers' total spend.
///
/// # Errors
///
/// [`Error::EmptyInput`](crate::Error::EmptyInput) for no summaries;
/// [`Error::Undefined`](crate::Error::Undefined) if total spend is not positive; as
/// [`RfmValues::from_summaries`].
///
/// # Examples
///
/// ```
/// use chrono::NaiveDate;
/// use customer_value::segment::segment_overview;
/// use customer_value::{summarise, SummarySpec, Transaction};
/// use rust_decimal::Decimal;
///
/// let d = |day| NaiveDate::from_ymd_opt(2024, 1, day).unwrap();
/// let log: Vec<_> = (1..=10_u32)
///     .map(|c| Transaction::new(c, d(c), Decimal::from(if c == 10 { 100 } else { 10 })))
///     .collect();
/// let s = summarise(SummarySpec::new(d(31)), &log)?;
/// let o = segment_overview(&s.customers)?;
/// assert!((o.top20_share - 110.0 / 190.0).abs() < 1e-12);
/// assert_eq!(o.segment_counts.iter().map(|(_, n)| n).sum::<usize>(), 10);
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn segment_overview<K: Debug>(summaries: &[CustomerSummary<K>]) -> Result<SegmentOverview> {
    let rfm = RfmValues::from_summaries(summaries, RfmConvention::Segmentation, Monetary::Sum)?;
    let concentration = Concentration::new(&rfm.monetary)?;
    let map = SegmentMap::standard();
    let scores = rfm_scores(&rfm, map.bins())?;
    Ok(SegmentOverview {
        customers: rfm.len(),
        top20_share: concentration.top_share(0.2)?,
        customers_for_80: concentration.customers_for_share(0.8)?,
        gini: concentration.gini(),
        empty_segments: map
            .empty_segments(&scores)?
            .into_iter()
            .map(String::from)
            .collect(),
        segment_counts: map.counts(&scores)?,
    })
}

//! RFM: recency, frequency and monetary value per customer, and their quantile scores.
//!
//! # Values
//!
//! RFM *recency* is the time since the **last** purchase, `age − recency` in the
//! summary's terms (the summary's `recency` is first-to-last purchase, the models'
//! `t_x`). Two conventions for the other two ([`RfmConvention`]):
//!
//! * [`Segmentation`](RfmConvention::Segmentation) (the marketing convention): frequency
//!   counts every purchase period, the first included; monetary is total spend
//!   ([`Monetary::Sum`]) or mean spend per purchase period ([`Monetary::Mean`]).
//! * [`Models`](RfmConvention::Models) (the BTYD convention): frequency counts repeat
//!   purchases only; monetary is the repeat purchases' total or mean (0 without repeats).
//!
//! Scores do not depend on the frequency convention (a shift keeps ranks), but reported
//! values and segment tables do.
//!
//! # Scores
//!
//! Each dimension is scored `1..=bins` by its rank percentile. With `L` values strictly
//! below and `E` equal (itself included) among `N`, two tie rules ([`TieRule`]):
//!
//! * [`MinRank`](TieRule::MinRank) (the default): `score = ⌊bins · L / N⌋ + 1`, the
//!   score of the lowest rank a tie block spans — what pandas `qcut` on
//!   `rank(method="min")` and most RFM guides give. A large tie block at the bottom
//!   (e.g. 60 % of customers with one purchase) scores 1, so the standard segment map's
//!   "New" and "Promising" cells fill.
//! * [`AverageRank`](TieRule::AverageRank): `score = ⌊bins · (L + E/2) / N⌋ + 1`, the
//!   score of the middle of the block (this crate's rule before 0.2).
//!
//! Under both rules:
//!
//! * equal values get equal scores, and the scores do not depend on input order (which is
//!   why pandas' `rank(method="first")`, which orders ties by position, is not offered);
//! * without ties each score holds `N / bins` customers (± 1);
//! * the scores a tie block spans beyond its own stay unused: the scale is never
//!   renumbered or shrunk. [`RfmScores::counts`] shows which scores are empty and
//!   [`SegmentMap::empty_segments`](super::SegmentMap::empty_segments) which segments.
//!
//! Recency is scored reversed (the most recent get the highest score) by scoring
//! `−recency`, which keeps the rule symmetric.
//!
//! Scoring uses selection of the `bins − 1` bin edges and two linear passes, O(N log bins),
//! never a full sort.

use serde::{Deserialize, Serialize};

use super::check_finite;
use super::rank::{min_rank_scores_finite, quantile_scores_finite};
use crate::error::{Error, Result};
use crate::money;
use crate::summary::CustomerSummary;

/// Which purchases count for frequency and monetary value (see the module docs).
///
/// # Examples
///
/// ```
/// use customer_value::segment::{Monetary, RfmConvention, RfmValues};
/// use customer_value::{summarise, SummarySpec, Transaction};
/// use rust_decimal::Decimal;
///
/// let d = |day| chrono::NaiveDate::from_ymd_opt(2024, 1, day).unwrap();
/// // One customer: 10 on day 1, 30 on day 11.
/// let log = [Transaction::new(1_u8, d(1), Decimal::TEN), Transaction::new(1, d(11), Decimal::from(30))];
/// let s = summarise(SummarySpec::new(d(31)), &log)?;
/// let seg = RfmValues::from_summaries(&s.customers, RfmConvention::Segmentation, Monetary::Sum)?;
/// let btyd = RfmValues::from_summaries(&s.customers, RfmConvention::Models, Monetary::Sum)?;
/// assert_eq!((seg.frequency[0], seg.monetary[0]), (2.0, 40.0)); // both purchases
/// assert_eq!((btyd.frequency[0], btyd.monetary[0]), (1.0, 30.0)); // the repeat only
/// assert_eq!(seg.recency, [20.0]); // days since the last purchase, either way
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum RfmConvention {
    /// Every purchase period counts, the first included.
    #[default]
    Segmentation,
    /// Repeat purchases only, as the BTYD models' `x` and `m`.
    Models,
}

/// How tied values share a quantile score (see the module docs).
///
/// # Examples
///
/// ```
/// use customer_value::segment::{quantile_scores_with, TieRule};
///
/// // Three one-time buyers and two repeat buyers.
/// let purchases = [1.0, 1.0, 1.0, 4.0, 9.0];
/// assert_eq!(quantile_scores_with(&purchases, 5, TieRule::MinRank)?, vec![1, 1, 1, 4, 5]);
/// assert_eq!(quantile_scores_with(&purchases, 5, TieRule::AverageRank)?, vec![2, 2, 2, 4, 5]);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum TieRule {
    /// The score of the lowest rank of the tie block: `⌊bins · L / N⌋ + 1`.
    #[default]
    MinRank,
    /// The score of the middle of the tie block: `⌊bins · (L + E/2) / N⌋ + 1`.
    AverageRank,
}

impl TieRule {
    /// Scores of finite values under this rule.
    fn scores(self, values: &[f64], bins: u8) -> Vec<u8> {
        match self {
            TieRule::MinRank => min_rank_scores_finite(values, bins),
            TieRule::AverageRank => quantile_scores_finite(values, bins),
        }
    }
}

/// Monetary value as a customer's total or mean spend.
///
/// # Examples
///
/// ```
/// use customer_value::segment::{Monetary, RfmConvention, RfmValues};
/// use customer_value::{summarise, SummarySpec, Transaction};
/// use rust_decimal::Decimal;
///
/// let d = |day| chrono::NaiveDate::from_ymd_opt(2024, 1, day).unwrap();
/// let log = [Transaction::new(1_u8, d(1), Decimal::TEN), Transaction::new(1, d(11), Decimal::from(30))];
/// let s = summarise(SummarySpec::new(d(31)), &log)?;
/// let mean = RfmValues::from_summaries(&s.customers, RfmConvention::Segmentation, Monetary::Mean)?;
/// assert_eq!(mean.monetary, [20.0]); // (10 + 30) / 2 purchase periods
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Monetary {
    /// Total spend (of the purchases the convention counts).
    #[default]
    Sum,
    /// Mean spend per purchase period counted.
    Mean,
}

/// Recency, frequency and monetary value of each customer, as parallel columns.
///
/// # Examples
///
/// ```
/// use customer_value::segment::{rfm_scores, RfmValues};
///
/// // Days since last purchase, purchases, spend.
/// let rfm = RfmValues::new(
///     vec![5.0, 40.0, 200.0, 12.0, 90.0],
///     vec![9.0, 3.0, 1.0, 6.0, 2.0],
///     vec![900.0, 120.0, 15.0, 480.0, 60.0],
/// )?;
/// let scores = rfm_scores(&rfm, 5)?;
/// assert_eq!(scores.cell(0).map(|c| c.code()), Some("555".to_string()));
/// assert_eq!(scores.cell(2).map(|c| c.code()), Some("111".to_string()));
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RfmValues {
    /// Time since the last purchase (lower is better), in the summaries' unit. **Not**
    /// [`CustomerSummary::recency`] (first to last purchase, the BTYD `t_x`): this is
    /// `age − recency` in a summary's terms
    /// ([`History::time_since_last_purchase`](crate::btyd::History::time_since_last_purchase)).
    pub recency: Vec<f64>,
    /// Purchase count under the chosen convention.
    pub frequency: Vec<f64>,
    /// Monetary value under the chosen convention.
    pub monetary: Vec<f64>,
}

impl RfmValues {
    /// Columns computed elsewhere, validated.
    ///
    /// # Errors
    ///
    /// [`Error::LengthMismatch`] if the columns differ in length; [`Error::EmptyInput`];
    /// [`Error::InvalidRow`] for a NaN or infinite value.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::Error;
    /// use customer_value::segment::RfmValues;
    ///
    /// let rfm = RfmValues::new(vec![3.0, 30.0], vec![5.0, 1.0], vec![250.0, 20.0])?;
    /// assert_eq!(rfm.len(), 2);
    /// assert!(matches!(RfmValues::new(vec![3.0], vec![5.0, 1.0], vec![1.0]), Err(Error::LengthMismatch { .. })));
    /// assert!(RfmValues::new(vec![f64::NAN], vec![1.0], vec![1.0]).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn new(recency: Vec<f64>, frequency: Vec<f64>, monetary: Vec<f64>) -> Result<Self> {
        for (name, len) in [("frequency", frequency.len()), ("monetary", monetary.len())] {
            if len != recency.len() {
                return Err(Error::LengthMismatch {
                    left: "recency",
                    left_len: recency.len(),
                    right: name,
                    right_len: len,
                });
            }
        }
        check_finite(&recency, "RFM recency")?;
        check_finite(&frequency, "RFM frequency")?;
        check_finite(&monetary, "RFM monetary")?;
        Ok(RfmValues {
            recency,
            frequency,
            monetary,
        })
    }

    /// RFM values of summaries (in their order), under a convention.
    ///
    /// # Errors
    ///
    /// [`Error::EmptyInput`] for no summaries; [`Error::InvalidCustomer`] if a summary has
    /// a non-finite time or `recency > age`; [`Error::Overflow`] if a repeat-spend total
    /// overflows.
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use customer_value::segment::{Monetary, RfmConvention, RfmValues};
    /// use customer_value::{summarise, SummarySpec, TimeUnit, Transaction};
    /// use rust_decimal::Decimal;
    ///
    /// let d = |m, day| NaiveDate::from_ymd_opt(1997, m, day).unwrap();
    /// // CDNOW customer 1 up to 1997-09-30: purchases of 29.33, 29.73, 14.96.
    /// let log = [
    ///     Transaction::new(1_u32, d(1, 1), Decimal::new(2933, 2)),
    ///     Transaction::new(1, d(1, 18), Decimal::new(2973, 2)),
    ///     Transaction::new(1, d(8, 2), Decimal::new(1496, 2)),
    /// ];
    /// let s = summarise(SummarySpec::new(d(9, 30)).with_unit(TimeUnit::DAY), &log)?;
    /// let seg = RfmValues::from_summaries(&s.customers, RfmConvention::Segmentation, Monetary::Sum)?;
    /// assert_eq!(seg.recency, vec![59.0]); // days from Aug 2 to Sep 30
    /// assert_eq!(seg.frequency, vec![3.0]);
    /// assert!((seg.monetary[0] - 74.02).abs() < 1e-9);
    /// let models = RfmValues::from_summaries(&s.customers, RfmConvention::Models, Monetary::Mean)?;
    /// assert_eq!(models.frequency, vec![2.0]);
    /// assert!((models.monetary[0] - 22.345).abs() < 1e-9);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn from_summaries<K: std::fmt::Debug>(
        summaries: &[CustomerSummary<K>],
        convention: RfmConvention,
        monetary: Monetary,
    ) -> Result<Self> {
        if summaries.is_empty() {
            return Err(Error::EmptyInput {
                what: "RFM summaries",
            });
        }
        let n = summaries.len();
        let mut out = RfmValues {
            recency: Vec::with_capacity(n),
            frequency: Vec::with_capacity(n),
            monetary: Vec::with_capacity(n),
        };
        for s in summaries {
            let bad = |reason: &str| Error::InvalidCustomer {
                customer: format!("{:?}", s.customer),
                reason: reason.to_string(),
            };
            if !(s.age.is_finite() && s.recency.is_finite()) || s.recency > s.age {
                return Err(bad("recency and age must be finite with recency ≤ age"));
            }
            let since_last = s.age - s.recency;
            let (f, m) = match (convention, monetary) {
                (RfmConvention::Segmentation, Monetary::Sum) => (s.purchase_periods() as f64, s.total_spend),
                (RfmConvention::Segmentation, Monetary::Mean) => (s.purchase_periods() as f64, s.mean_spend),
                (RfmConvention::Models, Monetary::Mean) => (f64::from(s.frequency), s.monetary_value),
                (RfmConvention::Models, Monetary::Sum) => (
                    f64::from(s.frequency),
                    s.monetary_value
                        .checked_mul(rust_decimal::Decimal::from(s.frequency))
                        .ok_or(Error::Overflow {
                            op: "RFM repeat spend total",
                        })?,
                ),
            };
            out.recency.push(since_last);
            out.frequency.push(f);
            out.monetary.push(money::to_f64(m));
        }
        Ok(out)
    }

    /// Number of customers.
    #[must_use]
    pub fn len(&self) -> usize {
        self.recency.len()
    }

    /// Whether there are no customers.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.recency.is_empty()
    }
}

/// One customer's three scores.
///
/// # Examples
///
/// ```
/// use customer_value::segment::{RfmCell, SegmentMap};
///
/// let cell = RfmCell { recency: 5, frequency: 1, monetary: 2 };
/// assert_eq!(cell.code(), "512");
/// assert_eq!(SegmentMap::standard().segment_name(cell), Some("New"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RfmCell {
    /// Recency score (high = recent).
    pub recency: u8,
    /// Frequency score.
    pub frequency: u8,
    /// Monetary score.
    pub monetary: u8,
}

impl RfmCell {
    /// The cell code, e.g. `"545"` (scores joined with `-` when bins exceed 9: `"10-4-7"`).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::segment::RfmCell;
    /// assert_eq!(RfmCell { recency: 5, frequency: 4, monetary: 5 }.code(), "545");
    /// ```
    #[must_use]
    pub fn code(&self) -> String {
        if self.recency.max(self.frequency).max(self.monetary) > 9 {
            format!("{}-{}-{}", self.recency, self.frequency, self.monetary)
        } else {
            format!("{}{}{}", self.recency, self.frequency, self.monetary)
        }
    }
}

/// RFM scores of every customer, in input order.
///
/// # Examples
///
/// ```
/// use customer_value::segment::{rfm_scores, RfmValues};
///
/// // Distinct values: each score is the customer's rank (recency reversed: recent is high).
/// let rfm = RfmValues::new(vec![5.0, 40.0, 200.0], vec![9.0, 3.0, 1.0], vec![900.0, 120.0, 15.0])?;
/// let scores = rfm_scores(&rfm, 3)?;
/// assert_eq!((scores.bins, scores.recency.clone()), (3, vec![3, 2, 1]));
/// assert_eq!(scores.frequency, [3, 2, 1]);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RfmScores {
    /// Number of score levels per dimension.
    pub bins: u8,
    /// Recency scores.
    pub recency: Vec<u8>,
    /// Frequency scores.
    pub frequency: Vec<u8>,
    /// Monetary scores.
    pub monetary: Vec<u8>,
}

impl RfmScores {
    /// Number of customers.
    #[must_use]
    pub fn len(&self) -> usize {
        self.recency.len()
    }

    /// Whether there are no customers.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.recency.is_empty()
    }

    /// Customer `i`'s cell.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::segment::{rfm_scores, RfmValues};
    ///
    /// let rfm = RfmValues::new(vec![5.0, 40.0, 200.0], vec![9.0, 3.0, 1.0], vec![900.0, 120.0, 15.0])?;
    /// let scores = rfm_scores(&rfm, 3)?;
    /// assert_eq!(scores.cell(1).map(|c| c.code()), Some("222".to_string()));
    /// assert_eq!(scores.cell(3), None);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn cell(&self, i: usize) -> Option<RfmCell> {
        Some(RfmCell {
            recency: *self.recency.get(i)?,
            frequency: *self.frequency.get(i)?,
            monetary: *self.monetary.get(i)?,
        })
    }

    /// All cells, in input order.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::segment::{rfm_scores, RfmValues};
    ///
    /// let rfm = RfmValues::new(vec![5.0, 40.0, 200.0], vec![9.0, 3.0, 1.0], vec![900.0, 120.0, 15.0])?;
    /// let codes: Vec<String> = rfm_scores(&rfm, 3)?.cells().map(|c| c.code()).collect();
    /// assert_eq!(codes, ["333", "222", "111"]);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn cells(&self) -> impl Iterator<Item = RfmCell> + '_ {
        self.recency.iter().zip(&self.frequency).zip(&self.monetary).map(
            |((&recency, &frequency), &monetary)| RfmCell {
                recency,
                frequency,
                monetary,
            },
        )
    }

    /// Customers per score (index 0 = score 1) for recency, frequency and monetary. A zero
    /// count is a score left unused by a tie block.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::segment::{rfm_scores, RfmValues};
    ///
    /// // Three one-time buyers of five: their tie block scores F = 1, leaving F = 2 and 3 unused.
    /// let rfm = RfmValues::new(
    ///     vec![5.0, 40.0, 200.0, 12.0, 90.0],
    ///     vec![1.0, 1.0, 1.0, 6.0, 2.0],
    ///     vec![90.0, 120.0, 15.0, 480.0, 60.0],
    /// )?;
    /// let [_, frequency, _] = rfm_scores(&rfm, 5)?.counts();
    /// assert_eq!(frequency, [3, 0, 0, 1, 1]);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn counts(&self) -> [Vec<usize>; 3] {
        let count = |v: &[u8]| {
            let mut c = vec![0_usize; usize::from(self.bins)];
            for &s in v {
                if let Some(slot) = c.get_mut(usize::from(s).wrapping_sub(1)) {
                    *slot += 1;
                }
            }
            c
        };
        [
            count(&self.recency),
            count(&self.frequency),
            count(&self.monetary),
        ]
    }
}

fn check_bins(bins: u8) -> Result<()> {
    if !(2..=10).contains(&bins) {
        return Err(Error::param("bins", bins, "between 2 and 10 score levels"));
    }
    Ok(())
}

/// Quantile scores `1..=bins` of one column under the default [`TieRule::MinRank`];
/// higher values score higher. See [`quantile_scores_with`] for the other rule.
///
/// # Errors
///
/// [`Error::InvalidParameter`] unless `2 ≤ bins ≤ 10`; [`Error::EmptyInput`];
/// [`Error::InvalidRow`] for a NaN or infinite value.
///
/// # Examples
///
/// ```
/// use customer_value::segment::quantile_scores;
///
/// assert_eq!(quantile_scores(&[10.0, 20.0, 30.0, 40.0, 50.0], 5)?, vec![1, 2, 3, 4, 5]);
/// // A tie block keeps one score: that of the lowest rank it spans.
/// assert_eq!(quantile_scores(&[0.0, 0.0, 0.0, 7.0, 9.0], 5)?, vec![1, 1, 1, 4, 5]);
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn quantile_scores(values: &[f64], bins: u8) -> Result<Vec<u8>> {
    quantile_scores_with(values, bins, TieRule::default())
}

/// Quantile scores `1..=bins` of one column under a tie rule (see the module docs).
///
/// # Errors
///
/// As [`quantile_scores`].
///
/// # Examples
///
/// ```
/// use customer_value::segment::{quantile_scores_with, TieRule};
///
/// // A tie block at its middle rank.
/// assert_eq!(
///     quantile_scores_with(&[0.0, 0.0, 0.0, 7.0, 9.0], 5, TieRule::AverageRank)?,
///     vec![2, 2, 2, 4, 5]
/// );
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn quantile_scores_with(values: &[f64], bins: u8, ties: TieRule) -> Result<Vec<u8>> {
    check_bins(bins)?;
    check_finite(values, "scored values")?;
    Ok(ties.scores(values, bins))
}

/// Scores every customer `1..=bins` on recency (reversed), frequency and monetary value,
/// under the default [`TieRule::MinRank`].
///
/// # Errors
///
/// [`Error::InvalidParameter`] unless `2 ≤ bins ≤ 10`; [`Error::EmptyInput`] for no
/// customers; [`Error::InvalidRow`] for a NaN or infinite value (possible only if the
/// public fields were edited after validation).
///
/// # Examples
///
/// See [`RfmValues`].
///
/// ```
/// use customer_value::segment::{rfm_scores, RfmValues};
///
/// // Ties share the score of their lowest rank (`TieRule::MinRank`): ⌊5 · 0 / 4⌋ + 1 = 1.
/// let rfm = RfmValues::new(vec![1.0, 2.0, 3.0, 4.0], vec![1.0, 1.0, 1.0, 8.0], vec![10.0, 20.0, 30.0, 40.0])?;
/// let scores = rfm_scores(&rfm, 5)?;
/// assert_eq!(scores.frequency, [1, 1, 1, 4]); // 8: ⌊5 · 3 / 4⌋ + 1 = 4
/// assert!(rfm_scores(&rfm, 1).is_err()); // 2 to 10 levels
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn rfm_scores(values: &RfmValues, bins: u8) -> Result<RfmScores> {
    rfm_scores_with(values, bins, TieRule::default())
}

/// Scores every customer `1..=bins` on recency (reversed), frequency and monetary value,
/// under a tie rule.
///
/// # Errors
///
/// As [`rfm_scores`].
///
/// # Examples
///
/// ```
/// use customer_value::segment::{rfm_scores_with, RfmValues, TieRule};
///
/// // Days since last purchase, purchases, spend; three one-time buyers.
/// let rfm = RfmValues::new(
///     vec![5.0, 40.0, 200.0, 12.0, 90.0],
///     vec![1.0, 1.0, 1.0, 6.0, 2.0],
///     vec![90.0, 120.0, 15.0, 480.0, 60.0],
/// )?;
/// assert_eq!(rfm_scores_with(&rfm, 5, TieRule::MinRank)?.frequency, vec![1, 1, 1, 5, 4]);
/// assert_eq!(rfm_scores_with(&rfm, 5, TieRule::AverageRank)?.frequency, vec![2, 2, 2, 5, 4]);
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn rfm_scores_with(values: &RfmValues, bins: u8, ties: TieRule) -> Result<RfmScores> {
    check_bins(bins)?;
    check_finite(&values.recency, "RFM recency")?;
    check_finite(&values.frequency, "RFM frequency")?;
    check_finite(&values.monetary, "RFM monetary")?;
    if values.frequency.len() != values.len() || values.monetary.len() != values.len() {
        return Err(Error::LengthMismatch {
            left: "recency",
            left_len: values.len(),
            right: "frequency/monetary",
            right_len: values.frequency.len().min(values.monetary.len()),
        });
    }
    let recency = || {
        let negated: Vec<f64> = values.recency.iter().map(|&r| -r).collect();
        ties.scores(&negated, bins)
    };
    let frequency = || ties.scores(&values.frequency, bins);
    let monetary = || ties.scores(&values.monetary, bins);
    #[cfg(feature = "parallel")]
    let (recency, (frequency, monetary)) = rayon::join(recency, || rayon::join(frequency, monetary));
    #[cfg(not(feature = "parallel"))]
    let (recency, frequency, monetary) = (recency(), frequency(), monetary());
    Ok(RfmScores {
        bins,
        recency,
        frequency,
        monetary,
    })
}

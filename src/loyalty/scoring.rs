//! A composite loyalty score per customer from behaviour, mapped to tiers.
//!
//! Components, each on [0, 1] (higher = more loyal):
//!
//! * recency, frequency, monetary: the crate's RFM quantile scores
//!   ([`rfm_scores_with`](crate::segment::rfm_scores_with)) under
//!   [`TieRule::AverageRank`](crate::segment::TieRule::AverageRank), so a tie block
//!   sits at its middle, `(score − 1) / (bins − 1)`;
//! * tenure and CLV: average-rank percentile among the customers scored;
//! * regularity: visits against an expected [`Cadence`], see [`regularity`];
//! * P(alive): used as is (a probability from a BTYD model).
//!
//! The score is `Σ wᵢ cᵢ / Σ wᵢ` over the components with a positive weight, so it is in
//! [0, 1] whatever the weights; it maps to tiers by fixed score thresholds (`>=`) or by
//! quantiles of the customers scored ([`TierCut`]).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::segment::{RfmValues, TieRule, quantile_scores_with, rfm_scores_with};

/// The expected visit rhythm: `visits` per `window_days`. The loyalty brief: a restaurant
/// expects about one visit a month, six in a six-month window.
///
/// # Examples
///
/// ```
/// use chrono::NaiveDate;
/// use customer_value::loyalty::{regularity, Cadence};
///
/// // A gym expecting weekly visits: 4 per 28 days. Two visits in the last 28 days: 2/4.
/// let weekly = Cadence { visits: 4.0, window_days: 28 };
/// let d = |day| NaiveDate::from_ymd_opt(2024, 3, day).unwrap();
/// assert_eq!(regularity(&[d(10), d(20)], d(28), weekly, 1)?, 0.5);
/// assert_eq!(regularity(&[d(20), d(20)], d(28), weekly, 1)?, 0.25); // one visit day
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Cadence {
    /// Expected visits per window; positive.
    pub visits: f64,
    /// Window length in days; positive.
    pub window_days: u32,
}

impl Cadence {
    /// Six visits per 182 days (≈ one a month over six months).
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use customer_value::loyalty::{regularity, Cadence};
    ///
    /// // Three visits in the last half-year: 3 of the 6 expected.
    /// let d = |m| NaiveDate::from_ymd_opt(2024, m, 15).unwrap();
    /// assert_eq!(regularity(&[d(8), d(10), d(12)], d(12), Cadence::RESTAURANT, 1)?, 0.5);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub const RESTAURANT: Cadence = Cadence {
        visits: 6.0,
        window_days: 182,
    };
}

/// Regularity in [0, 1]: over the `windows` consecutive windows of the cadence ending on
/// `as_of`, the mean of `min(distinct visit days in the window / expected visits, 1)`.
/// A customer on cadence in every window scores 1; one who came six times in the last
/// month and never before scores 1/`windows`.
///
/// # Errors
///
/// [`Error::InvalidParameter`] for a non-positive cadence or `windows = 0`.
///
/// # Examples
///
/// ```
/// use chrono::{Days, NaiveDate};
/// use customer_value::loyalty::{regularity, Cadence};
///
/// let as_of = NaiveDate::from_ymd_opt(2024, 12, 31).unwrap();
/// // A visit every 30 days for 13 months: on cadence in both six-month windows.
/// let monthly: Vec<_> = (0..13).map(|k| as_of - Days::new(30 * k)).collect();
/// assert_eq!(regularity(&monthly, as_of, Cadence::RESTAURANT, 2)?, 1.0);
/// // Three visits in the last half-year only: (3/6 + 0) / 2.
/// assert_eq!(regularity(&monthly[..3], as_of, Cadence::RESTAURANT, 2)?, 0.25);
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn regularity(dates: &[NaiveDate], as_of: NaiveDate, cadence: Cadence, windows: u32) -> Result<f64> {
    if !(cadence.visits.is_finite() && cadence.visits > 0.0) || cadence.window_days == 0 {
        return Err(Error::param(
            "cadence",
            cadence.visits,
            "positive visits per positive window",
        ));
    }
    if windows == 0 {
        return Err(Error::param("windows", windows, "at least one window"));
    }
    let mut days: Vec<NaiveDate> = dates.iter().copied().filter(|&d| d <= as_of).collect();
    days.sort_unstable();
    days.dedup();
    let len = i64::from(cadence.window_days);
    // Window w covers (as_of − (w+1)·len, as_of − w·len]: day d is in window
    // ⌊(as_of − d) / len⌋. Only windows with visits add to the total (the others add 0),
    // so the work is linear in the visits whatever `windows` is. Days are sorted
    // ascending, so walking them backwards visits windows 0, 1, 2, … in order.
    let mut total = 0.0;
    let mut current: Option<(i64, usize)> = None;
    let close = |total: &mut f64, n: usize| *total += (n as f64 / cadence.visits).min(1.0);
    for d in days.iter().rev() {
        let w = (as_of - *d).num_days() / len;
        if w >= i64::from(windows) {
            break;
        }
        match current {
            Some((cw, n)) if cw == w => current = Some((cw, n + 1)),
            Some((_, n)) => {
                close(&mut total, n);
                current = Some((w, 1));
            }
            None => current = Some((w, 1)),
        }
    }
    if let Some((_, n)) = current {
        close(&mut total, n);
    }
    Ok(total / f64::from(windows))
}

/// Per-customer inputs, parallel columns of equal length.
///
/// # Examples
///
/// ```
/// use customer_value::loyalty::{LoyaltyScoring, ScoreInputs, ScoreWeights, TierCut};
/// use customer_value::segment::RfmValues;
///
/// // Scored on regularity alone, a customer's score is their regularity.
/// let inputs = ScoreInputs {
///     rfm: RfmValues::new(vec![5.0, 60.0, 200.0], vec![9.0, 3.0, 1.0], vec![900.0, 120.0, 15.0])?,
///     tenure: vec![700.0, 300.0, 20.0],
///     regularity: vec![1.0, 0.5, 0.0],
///     p_alive: None,
///     clv: None,
/// };
/// let mut weights = ScoreWeights::default();
/// (weights.recency, weights.frequency, weights.monetary, weights.tenure) = (0.0, 0.0, 0.0, 0.0);
/// let scoring = LoyaltyScoring { weights, bins: 5, cut: TierCut::Thresholds(vec![0.0, 0.5, 0.9]) };
/// let s = scoring.score(&inputs)?;
/// assert_eq!(s.scores, [1.0, 0.5, 0.0]);
/// assert_eq!(s.tiers, [2, 1, 0]); // `>=` thresholds
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreInputs {
    /// Recency (time since last purchase), frequency, monetary.
    pub rfm: RfmValues,
    /// Time since the first purchase (any unit).
    pub tenure: Vec<f64>,
    /// Regularity in [0, 1] (see [`regularity`]).
    pub regularity: Vec<f64>,
    /// P(alive) in [0, 1], if a model gave one.
    pub p_alive: Option<Vec<f64>>,
    /// CLV, if a model gave one.
    pub clv: Option<Vec<f64>>,
}

/// Component weights (≥ 0; at least one positive).
///
/// # Examples
///
/// ```
/// use customer_value::loyalty::{LoyaltyScoring, ScoreInputs, ScoreWeights, TierCut};
/// use customer_value::segment::RfmValues;
///
/// // Recency alone, two levels: the more recent customer scores (2 − 1) / (2 − 1) = 1.
/// let inputs = ScoreInputs {
///     rfm: RfmValues::new(vec![5.0, 200.0], vec![1.0, 1.0], vec![10.0, 10.0])?,
///     tenure: vec![1.0, 1.0],
///     regularity: vec![0.0, 0.0],
///     p_alive: None,
///     clv: None,
/// };
/// let mut weights = ScoreWeights::default(); // R, F, M, regularity 1; tenure 0.5
/// (weights.frequency, weights.monetary, weights.tenure, weights.regularity) = (0.0, 0.0, 0.0, 0.0);
/// let s = LoyaltyScoring { weights, bins: 2, cut: TierCut::Quantiles(vec![0.5]) }.score(&inputs)?;
/// assert_eq!(s.scores, [1.0, 0.0]);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ScoreWeights {
    /// Recency.
    pub recency: f64,
    /// Frequency.
    pub frequency: f64,
    /// Monetary value.
    pub monetary: f64,
    /// Tenure.
    pub tenure: f64,
    /// Regularity.
    pub regularity: f64,
    /// P(alive) (used only if given).
    pub p_alive: f64,
    /// CLV (used only if given).
    pub clv: f64,
}

impl Default for ScoreWeights {
    /// R, F, M and regularity 1 each; tenure 0.5; P(alive) and CLV 1 when given.
    fn default() -> Self {
        ScoreWeights {
            recency: 1.0,
            frequency: 1.0,
            monetary: 1.0,
            tenure: 0.5,
            regularity: 1.0,
            p_alive: 1.0,
            clv: 1.0,
        }
    }
}

/// How scores become tiers (tier 0 = lowest).
///
/// # Examples
///
/// ```
/// use customer_value::loyalty::{LoyaltyScoring, ScoreInputs, ScoreWeights, TierCut};
/// use customer_value::segment::RfmValues;
///
/// let inputs = ScoreInputs {
///     rfm: RfmValues::new(vec![1.0; 4], vec![1.0; 4], vec![1.0; 4])?,
///     tenure: vec![1.0; 4],
///     regularity: vec![0.2, 0.9, 0.4, 0.6],
///     p_alive: None,
///     clv: None,
/// };
/// let mut weights = ScoreWeights::default();
/// (weights.recency, weights.frequency, weights.monetary, weights.tenure) = (0.0, 0.0, 0.0, 0.0);
/// let by = |cut| LoyaltyScoring { weights, bins: 5, cut }.score(&inputs).map(|s| s.tiers);
/// assert_eq!(by(TierCut::Thresholds(vec![0.0, 0.5]))?, [0, 1, 0, 1]); // score ≥ 0.5
/// assert_eq!(by(TierCut::Quantiles(vec![0.75]))?, [0, 1, 0, 0]); // the top quarter
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TierCut {
    /// Score thresholds, strictly increasing, the first 0: tier = highest with
    /// `score >= threshold`.
    Thresholds(Vec<f64>),
    /// Cumulative population shares of the lower tiers, strictly increasing in (0, 1):
    /// `[0.5, 0.8]` puts the bottom 50 % in tier 0, the next 30 % in tier 1, the top 20 %
    /// in tier 2. Ties share a tier (average-rank percentile).
    Quantiles(Vec<f64>),
}

/// Scores and tiers of every customer, in input order.
///
/// # Examples
///
/// ```
/// use customer_value::loyalty::{LoyaltyScoring, ScoreInputs, ScoreWeights, TierCut};
/// use customer_value::segment::RfmValues;
///
/// let inputs = ScoreInputs {
///     rfm: RfmValues::new(vec![5.0, 40.0], vec![6.0, 2.0], vec![300.0, 80.0])?,
///     tenure: vec![400.0, 100.0],
///     regularity: vec![0.8, 0.3],
///     p_alive: Some(vec![0.9, 0.4]),
///     clv: None,
/// };
/// let scoring = LoyaltyScoring { weights: ScoreWeights::default(), bins: 2, cut: TierCut::Quantiles(vec![0.5]) };
/// let s = scoring.score(&inputs)?;
/// assert!(s.scores.iter().all(|x| (0.0..=1.0).contains(x)));
/// assert_eq!(s.tiers, [1, 0]); // one score and one tier per customer, in input order
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoyaltyScores {
    /// Composite scores in [0, 1].
    pub scores: Vec<f64>,
    /// Tier indices.
    pub tiers: Vec<u8>,
}

/// A loyalty-score configuration.
///
/// # Examples
///
/// ```
/// use customer_value::loyalty::{LoyaltyScoring, ScoreInputs, ScoreWeights, TierCut};
/// use customer_value::segment::RfmValues;
///
/// let inputs = ScoreInputs {
///     rfm: RfmValues::new(vec![5.0, 200.0, 30.0, 90.0], vec![12.0, 1.0, 6.0, 3.0],
///         vec![900.0, 20.0, 400.0, 150.0])?,
///     tenure: vec![700.0, 200.0, 400.0, 300.0],
///     regularity: vec![1.0, 0.0, 0.75, 0.25],
///     p_alive: None,
///     clv: None,
/// };
/// let scoring = LoyaltyScoring { weights: ScoreWeights::default(), bins: 4,
///     cut: TierCut::Quantiles(vec![0.5]) };
/// let s = scoring.score(&inputs)?;
/// assert_eq!(s.tiers, vec![1, 0, 1, 0]);
/// assert!(s.scores[0] > s.scores[2] && s.scores[2] > s.scores[3] && s.scores[3] > s.scores[1]);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoyaltyScoring {
    /// Component weights.
    pub weights: ScoreWeights,
    /// RFM score levels (2..=10).
    pub bins: u8,
    /// Mapping to tiers.
    pub cut: TierCut,
}

fn percentile(values: &[f64]) -> Result<Vec<f64>> {
    Ok(quantile_scores_with(values, 10, TieRule::AverageRank)?
        .into_iter()
        .map(|s| f64::from(s - 1) / 9.0)
        .collect())
}

fn same_len(name: &'static str, len: usize, n: usize) -> Result<()> {
    if len != n {
        return Err(Error::LengthMismatch {
            left: "rfm",
            left_len: n,
            right: name,
            right_len: len,
        });
    }
    Ok(())
}

fn unit_interval(name: &'static str, v: &[f64]) -> Result<()> {
    match v.iter().position(|x| !(0.0..=1.0).contains(x)) {
        Some(i) => Err(Error::InvalidRow {
            row: i as u64,
            reason: format!(
                "{name} {} is outside [0, 1]",
                v.get(i).copied().unwrap_or(f64::NAN)
            ),
        }),
        None => Ok(()),
    }
}

impl LoyaltyScoring {
    /// Scores every customer and maps the scores to tiers.
    ///
    /// # Errors
    ///
    /// [`Error::LengthMismatch`]; [`Error::EmptyInput`]; [`Error::InvalidRow`] for a
    /// non-finite value or a regularity / P(alive) outside [0, 1];
    /// [`Error::InvalidParameter`] for bad bins, weights or cuts. Any finite weights give
    /// scores in [0, 1] (they are scaled by an exact power of two before summing).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::loyalty::{LoyaltyScoring, ScoreInputs, ScoreWeights, TierCut};
    /// use customer_value::segment::RfmValues;
    ///
    /// let inputs = ScoreInputs {
    ///     rfm: RfmValues::new(vec![5.0], vec![6.0], vec![300.0])?,
    ///     tenure: vec![400.0],
    ///     regularity: vec![1.5], // outside [0, 1]
    ///     p_alive: None,
    ///     clv: None,
    /// };
    /// let scoring = LoyaltyScoring { weights: ScoreWeights::default(), bins: 5, cut: TierCut::Thresholds(vec![0.0]) };
    /// assert!(scoring.score(&inputs).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn score(&self, inputs: &ScoreInputs) -> Result<LoyaltyScores> {
        let w = self.weights;
        let all = [
            w.recency,
            w.frequency,
            w.monetary,
            w.tenure,
            w.regularity,
            w.p_alive,
            w.clv,
        ];
        if all.iter().any(|x| !(x.is_finite() && *x >= 0.0)) {
            return Err(Error::param(
                "weights",
                format!("{all:?}"),
                "weights must be finite and ≥ 0",
            ));
        }
        let n = inputs.rfm.len();
        same_len("tenure", inputs.tenure.len(), n)?;
        same_len("regularity", inputs.regularity.len(), n)?;
        unit_interval("regularity", &inputs.regularity)?;
        let rfm = rfm_scores_with(&inputs.rfm, self.bins, TieRule::AverageRank)?;
        let scale = f64::from(self.bins - 1);
        let norm = |v: &[u8]| -> Vec<f64> { v.iter().map(|&s| f64::from(s - 1) / scale).collect() };
        let mut parts: Vec<(f64, Vec<f64>)> = vec![
            (w.recency, norm(&rfm.recency)),
            (w.frequency, norm(&rfm.frequency)),
            (w.monetary, norm(&rfm.monetary)),
            (w.tenure, percentile(&inputs.tenure)?),
            (w.regularity, inputs.regularity.clone()),
        ];
        if let Some(p) = &inputs.p_alive {
            same_len("p_alive", p.len(), n)?;
            unit_interval("P(alive)", p)?;
            parts.push((w.p_alive, p.clone()));
        }
        if let Some(c) = &inputs.clv {
            same_len("clv", c.len(), n)?;
            parts.push((w.clv, percentile(c)?));
        }
        // Weights scaled by an exact power of two: the weighted mean is unchanged and the
        // sums stay finite for any finite weights (1e308 each).
        let wscale = crate::segment::pow2_scale(parts.iter().map(|(w, _)| *w));
        for (w, _) in &mut parts {
            *w *= wscale;
        }
        let total: f64 = parts.iter().map(|(w, _)| w).sum();
        if total <= 0.0 {
            return Err(Error::param(
                "weights",
                total,
                "at least one used weight must be positive",
            ));
        }
        let scores: Vec<f64> = (0..n)
            .map(|i| {
                (parts
                    .iter()
                    .map(|(w, c)| w * c.get(i).copied().unwrap_or(0.0))
                    .sum::<f64>()
                    / total)
                    // A weighted mean of components in [0, 1]: the clamp absorbs rounding.
                    .clamp(0.0, 1.0)
            })
            .collect();
        let tiers = self.tiers(&scores)?;
        Ok(LoyaltyScores { scores, tiers })
    }

    fn tiers(&self, scores: &[f64]) -> Result<Vec<u8>> {
        let cuts = match &self.cut {
            TierCut::Thresholds(t) | TierCut::Quantiles(t) => t,
        };
        if cuts.len() > 255
            || cuts.windows(2).any(|p| p.first() >= p.get(1))
            || cuts.iter().any(|c| !c.is_finite())
        {
            return Err(Error::param(
                "cut",
                format!("{cuts:?}"),
                "strictly increasing finite cut points, at most 255",
            ));
        }
        match &self.cut {
            TierCut::Thresholds(t) => {
                if t.first().is_none_or(|&f| f != 0.0) {
                    return Err(Error::param(
                        "cut",
                        format!("{t:?}"),
                        "score thresholds start at 0",
                    ));
                }
                Ok(scores
                    .iter()
                    .map(|&s| {
                        u8::try_from(t.partition_point(|&c| c <= s).saturating_sub(1)).unwrap_or(u8::MAX)
                    })
                    .collect())
            }
            TierCut::Quantiles(q) => {
                if q.iter().any(|&c| c <= 0.0 || c >= 1.0) {
                    return Err(Error::param(
                        "cut",
                        format!("{q:?}"),
                        "shares strictly between 0 and 1",
                    ));
                }
                let mut sorted = scores.to_vec();
                sorted.sort_by(f64::total_cmp);
                let n = sorted.len() as f64;
                Ok(scores
                    .iter()
                    .map(|&s| {
                        let below = sorted.partition_point(|&x| x < s) as f64;
                        let equal = sorted.partition_point(|&x| x <= s) as f64 - below;
                        let pct = (below + equal / 2.0) / n;
                        u8::try_from(q.partition_point(|&c| c <= pct)).unwrap_or(u8::MAX)
                    })
                    .collect())
            }
        }
    }
}

//! Named segments over RFM score cells, validated as a partition when built.
//!
//! A map is a list of [`SegmentRule`]s, each a box of score ranges. Published RFM maps are
//! usually written as overlapping boxes read "first match wins", or leave cells out, or
//! name ranges no score can take ("frequency < 1" on a 1–5 scale), so some customers get
//! no segment or a segment depends on rule order. [`SegmentMap::new`] refuses such maps and
//! [`SegmentMap::check`] says exactly what is wrong: unassigned cells, cells claimed by
//! several rules, rules no cell reaches.

use serde::{Deserialize, Serialize};

use super::rfm::{RfmCell, RfmScores};
use crate::error::{Error, Result};

/// An inclusive range of scores, `lo..=hi`.
///
/// # Examples
///
/// ```
/// use customer_value::segment::ScoreRange;
///
/// let top_two = ScoreRange::new(4, 5);
/// assert!(top_two.contains(4) && top_two.contains(5) && !top_two.contains(3));
/// assert_eq!(ScoreRange::exactly(3), ScoreRange::new(3, 3));
/// assert!(!ScoreRange::new(5, 4).contains(4)); // lo > hi: empty
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ScoreRange {
    /// Lowest score in the range.
    pub lo: u8,
    /// Highest score in the range.
    pub hi: u8,
}

impl ScoreRange {
    /// `lo..=hi` (empty if `lo > hi`).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::segment::ScoreRange;
    /// assert_eq!(ScoreRange::new(2, 4), ScoreRange { lo: 2, hi: 4 });
    /// ```
    #[must_use]
    pub const fn new(lo: u8, hi: u8) -> Self {
        ScoreRange { lo, hi }
    }

    /// Exactly one score.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::segment::ScoreRange;
    /// assert!(ScoreRange::exactly(5).contains(5) && !ScoreRange::exactly(5).contains(4));
    /// ```
    #[must_use]
    pub const fn exactly(score: u8) -> Self {
        ScoreRange { lo: score, hi: score }
    }

    /// Any score.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::segment::ScoreRange;
    /// assert!(ScoreRange::any().contains(1) && ScoreRange::any().contains(10));
    /// assert!(!ScoreRange::any().contains(0)); // scores start at 1
    /// ```
    #[must_use]
    pub const fn any() -> Self {
        ScoreRange { lo: 1, hi: u8::MAX }
    }

    /// Whether `score` is in the range.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::segment::ScoreRange;
    /// assert!(ScoreRange::new(1, 2).contains(2) && !ScoreRange::new(1, 2).contains(3));
    /// ```
    #[must_use]
    pub const fn contains(&self, score: u8) -> bool {
        self.lo <= score && score <= self.hi
    }
}

/// A named box of score cells.
///
/// # Examples
///
/// ```
/// use customer_value::segment::{RfmCell, ScoreRange, SegmentRule};
///
/// // "Can't lose": long gone (R 1–2) but among the most frequent (F 5), any spend.
/// let rule = SegmentRule::new("Can't lose", ScoreRange::new(1, 2), ScoreRange::exactly(5), ScoreRange::any());
/// assert!(rule.contains(RfmCell { recency: 2, frequency: 5, monetary: 1 }));
/// assert!(!rule.contains(RfmCell { recency: 3, frequency: 5, monetary: 5 }));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentRule {
    /// Segment name.
    pub name: String,
    /// Recency scores (high = recent).
    pub recency: ScoreRange,
    /// Frequency scores.
    pub frequency: ScoreRange,
    /// Monetary scores.
    pub monetary: ScoreRange,
}

impl SegmentRule {
    /// A rule.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::segment::{ScoreRange, SegmentRule};
    ///
    /// let any = ScoreRange::any();
    /// let rule = SegmentRule::new(String::from("Recent"), ScoreRange::new(4, 5), any, any);
    /// assert_eq!(rule.name, "Recent");
    /// ```
    #[must_use]
    pub fn new(
        name: impl Into<String>,
        recency: ScoreRange,
        frequency: ScoreRange,
        monetary: ScoreRange,
    ) -> Self {
        SegmentRule {
            name: name.into(),
            recency,
            frequency,
            monetary,
        }
    }

    /// Whether the rule covers `cell`.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::segment::{RfmCell, ScoreRange, SegmentRule};
    ///
    /// let any = ScoreRange::any();
    /// let recent = SegmentRule::new("Recent", ScoreRange::new(4, 5), any, any);
    /// assert!(recent.contains(RfmCell { recency: 4, frequency: 1, monetary: 9 }));
    /// ```
    #[must_use]
    pub fn contains(&self, cell: RfmCell) -> bool {
        self.recency.contains(cell.recency)
            && self.frequency.contains(cell.frequency)
            && self.monetary.contains(cell.monetary)
    }
}

/// What [`SegmentMap::check`] found.
///
/// # Examples
///
/// ```
/// use customer_value::segment::{ScoreRange, SegmentMap, SegmentRule};
///
/// let any = ScoreRange::any();
/// let rules = vec![
///     SegmentRule::new("Recent", ScoreRange::new(3, 5), any, any),
///     SegmentRule::new("Old", ScoreRange::new(1, 3), any, any), // recency 3 claimed twice
///     SegmentRule::new("Never", ScoreRange::new(6, 9), any, any), // no 5-level score is 6
/// ];
/// let check = SegmentMap::diagnose(5, &rules);
/// assert_eq!(check.overlapping.len(), 25); // the 5 × 5 cells with recency 3
/// assert_eq!(check.overlapping[0].1, ["Recent", "Old"]);
/// assert_eq!(check.unreachable, ["Never"]);
/// assert!(check.unassigned.is_empty() && !check.is_partition());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct MapCheck {
    /// Cells no rule covers.
    pub unassigned: Vec<RfmCell>,
    /// Cells covered by more than one rule, with the rules' names.
    pub overlapping: Vec<(RfmCell, Vec<String>)>,
    /// Rules that cover no cell.
    pub unreachable: Vec<String>,
    /// Names used by more than one rule, or empty.
    pub bad_names: Vec<String>,
}

impl MapCheck {
    /// Whether the rules partition the cells: every cell in exactly one rule, every rule
    /// reached, names unique.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::segment::{ScoreRange, SegmentMap, SegmentRule};
    ///
    /// let any = ScoreRange::any();
    /// let halves = [
    ///     SegmentRule::new("Recent", ScoreRange::new(3, 5), any, any),
    ///     SegmentRule::new("Old", ScoreRange::new(1, 2), any, any),
    /// ];
    /// assert!(SegmentMap::diagnose(5, &halves).is_partition());
    /// ```
    #[must_use]
    pub fn is_partition(&self) -> bool {
        self.unassigned.is_empty()
            && self.overlapping.is_empty()
            && self.unreachable.is_empty()
            && self.bad_names.is_empty()
    }

    /// A one-line summary, for errors and logs.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::segment::{ScoreRange, SegmentMap, SegmentRule};
    ///
    /// let any = ScoreRange::any();
    /// let rules = [SegmentRule::new("Recent", ScoreRange::new(2, 5), any, any)];
    /// let summary = SegmentMap::diagnose(5, &rules).summary();
    /// assert!(summary.starts_with("25 unassigned cells [111,112,113,"));
    /// ```
    #[must_use]
    pub fn summary(&self) -> String {
        let cells = |v: &[RfmCell]| v.iter().take(8).map(RfmCell::code).collect::<Vec<_>>().join(",");
        let over: Vec<RfmCell> = self.overlapping.iter().map(|(c, _)| *c).collect();
        format!(
            "{} unassigned cells [{}], {} overlapping cells [{}], unreachable rules {:?}, bad names {:?}",
            self.unassigned.len(),
            cells(&self.unassigned),
            self.overlapping.len(),
            cells(&over),
            self.unreachable,
            self.bad_names
        )
    }
}

/// A validated segment map: every score cell of `bins³` belongs to exactly one segment.
///
/// # Examples
///
/// ```
/// use customer_value::segment::{RfmCell, ScoreRange, SegmentMap, SegmentRule};
///
/// let map = SegmentMap::standard();
/// let cell = RfmCell { recency: 5, frequency: 5, monetary: 1 };
/// assert_eq!(map.segment_name(cell), Some("Champions"));
///
/// // A map with a gap is refused, and the check says where.
/// let any = ScoreRange::any();
/// let rules = vec![
///     SegmentRule::new("Recent", ScoreRange::new(4, 5), any, any),
///     SegmentRule::new("Old", ScoreRange::new(1, 2), any, any),
/// ];
/// assert!(SegmentMap::new(5, rules.clone()).is_err());
/// let check = SegmentMap::diagnose(5, &rules);
/// assert_eq!(check.unassigned.len(), 25); // recency 3
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SegmentMap {
    bins: u8,
    rules: Vec<SegmentRule>,
    /// Segment index of each cell, `((r−1)·bins + (f−1))·bins + (m−1)`.
    table: Vec<u16>,
}

fn cell_index(bins: u8, c: RfmCell) -> Option<usize> {
    let b = usize::from(bins);
    let (r, f, m) = (
        usize::from(c.recency),
        usize::from(c.frequency),
        usize::from(c.monetary),
    );
    if r == 0 || f == 0 || m == 0 || r > b || f > b || m > b {
        return None;
    }
    Some(((r - 1) * b + (f - 1)) * b + (m - 1))
}

fn all_cells(bins: u8) -> impl Iterator<Item = RfmCell> {
    (1..=bins).flat_map(move |recency| {
        (1..=bins).flat_map(move |frequency| {
            (1..=bins).map(move |monetary| RfmCell {
                recency,
                frequency,
                monetary,
            })
        })
    })
}

impl SegmentMap {
    /// The old name of [`diagnose`](Self::diagnose).
    ///
    /// # Examples
    ///
    /// ```
    /// # #![allow(deprecated)]
    /// use customer_value::segment::SegmentMap;
    /// assert!(!SegmentMap::check(3, &[]).unassigned.is_empty());
    /// ```
    #[deprecated(
        since = "0.2.0",
        note = "renamed `diagnose`: it reports findings, it does not fail"
    )]
    #[must_use]
    pub fn check(bins: u8, rules: &[SegmentRule]) -> MapCheck {
        Self::diagnose(bins, rules)
    }

    /// Diagnoses rules against the cells of a `bins`-level scale without building a map:
    /// never an error, a [`MapCheck`] listing unassigned cells, overlaps and bad names
    /// (the report half of the crate's check/validate convention, `docs/design.md`).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::segment::{ScoreRange, SegmentMap, SegmentRule};
    ///
    /// let any = ScoreRange::any();
    /// let rules = [
    ///     SegmentRule::new("Top", ScoreRange::exactly(3), any, any),
    ///     SegmentRule::new("Top", ScoreRange::new(1, 2), any, any),
    /// ];
    /// // On a 3-level scale the cells are covered once each, but a name is used twice.
    /// let check = SegmentMap::diagnose(3, &rules);
    /// assert!(check.unassigned.is_empty() && check.overlapping.is_empty());
    /// assert_eq!(check.bad_names, ["Top"]);
    /// ```
    #[must_use]
    pub fn diagnose(bins: u8, rules: &[SegmentRule]) -> MapCheck {
        let mut out = MapCheck::default();
        let mut reached = vec![false; rules.len()];
        for cell in all_cells(bins) {
            let hits: Vec<usize> = rules
                .iter()
                .enumerate()
                .filter(|(_, r)| r.contains(cell))
                .map(|(i, _)| i)
                .collect();
            for &i in &hits {
                if let Some(r) = reached.get_mut(i) {
                    *r = true;
                }
            }
            match hits.len() {
                0 => out.unassigned.push(cell),
                1 => {}
                _ => out.overlapping.push((
                    cell,
                    hits.iter()
                        .filter_map(|&i| rules.get(i).map(|r| r.name.clone()))
                        .collect(),
                )),
            }
        }
        out.unreachable = rules
            .iter()
            .zip(&reached)
            .filter(|(_, reached)| !**reached)
            .map(|(r, _)| r.name.clone())
            .collect();
        for (i, r) in rules.iter().enumerate() {
            let duplicate = rules.iter().take(i).any(|o| o.name == r.name);
            if (r.name.trim().is_empty() || duplicate) && !out.bad_names.contains(&r.name) {
                out.bad_names.push(r.name.clone());
            }
        }
        out
    }

    /// A map from rules that must partition the `bins³` cells.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] unless `2 ≤ bins ≤ 10`, or if the rules are not a
    /// partition (the value is [`MapCheck::summary`]; call [`SegmentMap::check`] for the
    /// full report).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::segment::{RfmCell, ScoreRange, SegmentMap, SegmentRule};
    ///
    /// let any = ScoreRange::any();
    /// let map = SegmentMap::new(3, vec![
    ///     SegmentRule::new("Active", ScoreRange::new(2, 3), any, any),
    ///     SegmentRule::new("Lapsed", ScoreRange::exactly(1), any, any),
    /// ])?;
    /// assert_eq!(map.segment_name(RfmCell { recency: 1, frequency: 3, monetary: 3 }), Some("Lapsed"));
    /// assert!(SegmentMap::new(11, map.rules().to_vec()).is_err()); // 2 to 10 levels
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn new(bins: u8, rules: Vec<SegmentRule>) -> Result<Self> {
        if !(2..=10).contains(&bins) {
            return Err(Error::param("bins", bins, "between 2 and 10 score levels"));
        }
        if rules.is_empty() || rules.len() > usize::from(u16::MAX) {
            return Err(Error::param("rules", rules.len(), "between 1 and 65535 rules"));
        }
        let check = Self::diagnose(bins, &rules);
        if !check.is_partition() {
            return Err(Error::param(
                "rules",
                check.summary(),
                "segment rules must cover every score cell exactly once, each rule reached, names unique",
            ));
        }
        let table = all_cells(bins)
            .map(|cell| rules.iter().position(|r| r.contains(cell)).unwrap_or(0) as u16)
            .collect();
        Ok(SegmentMap { bins, rules, table })
    }

    /// The default map: eleven segments on the recency × frequency grid of 5-level
    /// scores (monetary is not used: it follows frequency closely).
    ///
    /// It is the R×F grid that circulates as a Python `seg_map` of regular expressions in
    /// CRM-analytics course notebooks (`[1-2][1-2]` hibernating, `[1-2][3-4]` at risk,
    /// `[1-2]5` can't lose, `3[1-2]` about to sleep, `33` need attention, `[3-4][4-5]`
    /// loyal, `41` promising, `51` new, `[4-5][2-3]` potential loyalists, `5[4-5]`
    /// champions), which is a true partition of the 25 R×F cells; here its hibernating
    /// block is split by recency into **Lost** (R = 1) and **Hibernating** (R = 2), the
    /// eleventh segment of the usual list.
    ///
    /// | R \ F | 1 | 2 | 3 | 4 | 5 |
    /// |---|---|---|---|---|---|
    /// | 5 | New | Potential loyalist | Potential loyalist | Champions | Champions |
    /// | 4 | Promising | Potential loyalist | Potential loyalist | Loyal | Loyal |
    /// | 3 | About to sleep | About to sleep | Need attention | Loyal | Loyal |
    /// | 2 | Hibernating | Hibernating | At risk | At risk | Can't lose |
    /// | 1 | Lost | Lost | At risk | At risk | Can't lose |
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::segment::{RfmCell, SegmentMap};
    ///
    /// let map = SegmentMap::standard();
    /// assert_eq!((map.bins(), map.names().count()), (5, 11));
    /// let cell = |recency, frequency| RfmCell { recency, frequency, monetary: 3 };
    /// assert_eq!(map.segment_name(cell(5, 1)), Some("New"));
    /// assert_eq!(map.segment_name(cell(1, 5)), Some("Can't lose"));
    /// assert_eq!(map.segment_name(cell(2, 2)), Some("Hibernating"));
    /// ```
    #[must_use]
    pub fn standard() -> Self {
        let any = ScoreRange::any();
        let r = ScoreRange::new;
        let rule = |name: &str, rec: ScoreRange, freq: ScoreRange| SegmentRule::new(name, rec, freq, any);
        let rules = vec![
            rule("Champions", r(5, 5), r(4, 5)),
            rule("Loyal", r(3, 4), r(4, 5)),
            rule("Potential loyalist", r(4, 5), r(2, 3)),
            rule("New", r(5, 5), r(1, 1)),
            rule("Promising", r(4, 4), r(1, 1)),
            rule("Need attention", r(3, 3), r(3, 3)),
            rule("About to sleep", r(3, 3), r(1, 2)),
            rule("At risk", r(1, 2), r(3, 4)),
            rule("Can't lose", r(1, 2), r(5, 5)),
            rule("Hibernating", r(2, 2), r(1, 2)),
            rule("Lost", r(1, 1), r(1, 2)),
        ];
        let table = all_cells(5)
            .map(|cell| rules.iter().position(|r| r.contains(cell)).unwrap_or(0) as u16)
            .collect();
        SegmentMap {
            bins: 5,
            rules,
            table,
        }
    }

    /// Score levels the map is for.
    #[must_use]
    pub fn bins(&self) -> u8 {
        self.bins
    }

    /// The rules, in segment-index order.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::segment::SegmentMap;
    /// let map = SegmentMap::standard();
    /// assert_eq!(map.rules()[0].name, "Champions");
    /// ```
    #[must_use]
    pub fn rules(&self) -> &[SegmentRule] {
        &self.rules
    }

    /// Segment names, in segment-index order.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::segment::SegmentMap;
    /// let map = SegmentMap::standard();
    /// let names: Vec<&str> = map.names().collect();
    /// assert_eq!(names.first(), Some(&"Champions"));
    /// assert_eq!(names.last(), Some(&"Lost"));
    /// ```
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.rules.iter().map(|r| r.name.as_str())
    }

    /// Segment index of a cell (`None` if a score is outside `1..=bins`).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::segment::{RfmCell, SegmentMap};
    ///
    /// let map = SegmentMap::standard();
    /// assert_eq!(map.segment(RfmCell { recency: 5, frequency: 5, monetary: 5 }), Some(0)); // Champions
    /// assert_eq!(map.segment(RfmCell { recency: 6, frequency: 5, monetary: 5 }), None); // off the scale
    /// ```
    #[must_use]
    pub fn segment(&self, cell: RfmCell) -> Option<usize> {
        cell_index(self.bins, cell)
            .and_then(|i| self.table.get(i))
            .map(|&s| usize::from(s))
    }

    /// Segment name of a cell.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::segment::{RfmCell, SegmentMap};
    ///
    /// let map = SegmentMap::standard();
    /// assert_eq!(map.segment_name(RfmCell { recency: 3, frequency: 3, monetary: 1 }), Some("Need attention"));
    /// ```
    #[must_use]
    pub fn segment_name(&self, cell: RfmCell) -> Option<&str> {
        self.segment(cell)
            .and_then(|s| self.rules.get(s))
            .map(|r| r.name.as_str())
    }

    /// Segment index of every customer.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] if the scores have a different number of levels;
    /// [`Error::InvalidRow`] for a score outside `1..=bins`.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::segment::{rfm_scores, RfmValues, SegmentMap};
    ///
    /// // Distinct values: each score is the customer's rank, so the cells are 555, 333, 111, 444, 222.
    /// let rfm = RfmValues::new(
    ///     vec![5.0, 40.0, 200.0, 12.0, 90.0],
    ///     vec![9.0, 3.0, 1.0, 6.0, 2.0],
    ///     vec![900.0, 120.0, 15.0, 480.0, 60.0],
    /// )?;
    /// let map = SegmentMap::standard();
    /// let names: Vec<&str> = map.assign(&rfm_scores(&rfm, 5)?)?.into_iter().map(|s| map.rules()[s].name.as_str()).collect();
    /// assert_eq!(names, ["Champions", "Need attention", "Lost", "Loyal", "Hibernating"]);
    /// assert!(map.assign(&rfm_scores(&rfm, 4)?).is_err()); // a 4-level score on a 5-level map
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn assign(&self, scores: &RfmScores) -> Result<Vec<usize>> {
        if scores.bins != self.bins {
            return Err(Error::param(
                "scores.bins",
                scores.bins,
                "must equal the segment map's bins",
            ));
        }
        scores
            .cells()
            .enumerate()
            .map(|(i, cell)| {
                self.segment(cell).ok_or_else(|| Error::InvalidRow {
                    row: i as u64,
                    reason: format!("score cell {} is outside 1..={}", cell.code(), self.bins),
                })
            })
            .collect()
    }

    /// Customers per segment, in segment-index order, with names.
    ///
    /// # Errors
    ///
    /// As [`assign`](Self::assign).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::segment::{rfm_scores, RfmValues, SegmentMap};
    ///
    /// let rfm = RfmValues::new(
    ///     vec![5.0, 40.0, 200.0, 12.0, 90.0],
    ///     vec![9.0, 3.0, 1.0, 6.0, 2.0],
    ///     vec![900.0, 120.0, 15.0, 480.0, 60.0],
    /// )?;
    /// let counts = SegmentMap::standard().counts(&rfm_scores(&rfm, 5)?)?;
    /// assert_eq!(counts.len(), 11); // every segment, empty ones included
    /// assert_eq!(counts[0], ("Champions".to_string(), 1));
    /// assert_eq!(counts.iter().map(|(_, n)| n).sum::<usize>(), 5);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn counts(&self, scores: &RfmScores) -> Result<Vec<(String, usize)>> {
        let mut counts = vec![0_usize; self.rules.len()];
        for s in self.assign(scores)? {
            if let Some(c) = counts.get_mut(s) {
                *c += 1;
            }
        }
        Ok(self.rules.iter().map(|r| r.name.clone()).zip(counts).collect())
    }

    /// Names of the segments no customer falls in, in segment-index order: what a tie
    /// block or a small base leaves empty.
    ///
    /// # Errors
    ///
    /// As [`assign`](Self::assign).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::segment::{rfm_scores, RfmValues, SegmentMap};
    ///
    /// // Five customers cannot fill eleven segments.
    /// let rfm = RfmValues::new(
    ///     vec![5.0, 40.0, 200.0, 12.0, 90.0],
    ///     vec![1.0, 1.0, 1.0, 6.0, 2.0],
    ///     vec![90.0, 120.0, 15.0, 480.0, 60.0],
    /// )?;
    /// let map = SegmentMap::standard();
    /// let empty = map.empty_segments(&rfm_scores(&rfm, 5)?)?;
    /// assert!(empty.contains(&"Champions"));
    /// assert!(!empty.contains(&"New")); // the most recent one-time buyer
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn empty_segments(&self, scores: &RfmScores) -> Result<Vec<&str>> {
        let mut used = vec![false; self.rules.len()];
        for s in self.assign(scores)? {
            if let Some(u) = used.get_mut(s) {
                *u = true;
            }
        }
        Ok(self
            .rules
            .iter()
            .zip(used)
            .filter(|(_, used)| !used)
            .map(|(r, _)| r.name.as_str())
            .collect())
    }
}

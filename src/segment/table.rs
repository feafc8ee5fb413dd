//! A per-segment summary table: size, revenue share, mean monetary value and, when a
//! per-customer value column is given (CLV, P(alive), …), its mean.

use serde::{Deserialize, Serialize};

use super::segment_map::SegmentMap;
use super::{check_finite, sum};
use crate::error::{Error, Result};

/// One segment's row.
///
/// # Examples
///
/// ```
/// use customer_value::segment::{rfm_scores, RfmValues, SegmentMap, SegmentTable};
///
/// // Five customers with distinct values: cells 555, 333, 111, 444, 222.
/// let rfm = RfmValues::new(
///     vec![5.0, 40.0, 200.0, 12.0, 90.0],
///     vec![9.0, 3.0, 1.0, 6.0, 2.0],
///     vec![900.0, 120.0, 15.0, 480.0, 60.0],
/// )?;
/// let map = SegmentMap::standard();
/// let segments = map.assign(&rfm_scores(&rfm, 5)?)?;
/// let table = SegmentTable::new(&map, &segments, &rfm.monetary, &rfm.monetary, None)?;
/// let champions = &table.rows[0];
/// assert_eq!((champions.customers, champions.customer_share, champions.revenue), (1, 0.2, 900.0));
/// assert_eq!(champions.revenue_share, Some(900.0 / 1575.0));
/// let new = table.rows.iter().find(|r| r.segment == "New").unwrap();
/// assert_eq!((new.customers, new.mean_monetary), (0, None)); // empty segments stay in the table
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentRow {
    /// Segment name.
    pub segment: String,
    /// Customers in the segment.
    pub customers: usize,
    /// Share of all customers.
    pub customer_share: f64,
    /// Total revenue of the segment.
    pub revenue: f64,
    /// Share of total revenue; `None` unless total revenue is positive.
    pub revenue_share: Option<f64>,
    /// Mean monetary value; `None` for an empty segment.
    pub mean_monetary: Option<f64>,
    /// Mean of the value column, if one was given; `None` for an empty segment.
    pub mean_value: Option<f64>,
}

/// Segment summary table, one row per segment of the map (empty segments included, so
/// that nothing disappears silently).
///
/// # Examples
///
/// ```
/// use customer_value::segment::{rfm_scores, RfmValues, SegmentMap, SegmentTable};
///
/// let rfm = RfmValues::new(
///     vec![3.0, 300.0, 10.0, 200.0, 40.0],
///     vec![8.0, 1.0, 5.0, 6.0, 2.0],
///     vec![800.0, 20.0, 300.0, 500.0, 60.0],
/// )?;
/// let map = SegmentMap::standard();
/// let segments = map.assign(&rfm_scores(&rfm, 5)?)?;
/// let p_alive = [0.95, 0.05, 0.9, 0.3, 0.6];
/// let table = SegmentTable::new(&map, &segments, &rfm.monetary, &rfm.monetary, Some(&p_alive))?;
/// let champions = &table.rows[0];
/// assert_eq!((champions.segment.as_str(), champions.customers), ("Champions", 1));
/// assert_eq!(champions.mean_value, Some(0.95));
/// assert_eq!(table.rows.iter().map(|r| r.customers).sum::<usize>(), 5);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentTable {
    /// One row per segment, in the map's order.
    pub rows: Vec<SegmentRow>,
    /// Customers in all.
    pub customers: usize,
    /// Revenue in all.
    pub revenue: f64,
}

impl SegmentTable {
    /// Builds the table from each customer's segment index (from
    /// [`SegmentMap::assign`]), monetary value, revenue and optional value column, all in
    /// the same customer order.
    ///
    /// # Errors
    ///
    /// [`Error::EmptyInput`]; [`Error::LengthMismatch`]; [`Error::InvalidRow`] for a NaN or
    /// infinite number or a segment index the map does not have; [`Error::Overflow`] if a
    /// column's Σ |v| exceeds `f64::MAX` (a segment total could not be finite).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::segment::{SegmentMap, SegmentTable};
    ///
    /// let map = SegmentMap::standard();
    /// // Segment indices as `SegmentMap::assign` gives them: two Champions (0), one Lost (10).
    /// let table = SegmentTable::new(&map, &[0, 0, 10], &[50.0, 70.0, 5.0], &[100.0, 140.0, 5.0], None)?;
    /// assert_eq!((table.customers, table.revenue), (3, 245.0));
    /// assert_eq!(table.rows[0].mean_monetary, Some(60.0));
    /// assert!(SegmentTable::new(&map, &[11], &[1.0], &[1.0], None).is_err()); // no segment 11
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn new(
        map: &SegmentMap,
        segments: &[usize],
        monetary: &[f64],
        revenue: &[f64],
        value: Option<&[f64]>,
    ) -> Result<Self> {
        let n = segments.len();
        let columns = [
            ("monetary", Some(monetary)),
            ("revenue", Some(revenue)),
            ("value", value),
        ];
        for (name, col) in columns {
            if let Some(col) = col {
                if col.len() != n {
                    return Err(Error::LengthMismatch {
                        left: "segments",
                        left_len: n,
                        right: name,
                        right_len: col.len(),
                    });
                }
                check_finite(col, name)?;
                super::check_abs_sum(col, "segment table: the sum of |column| exceeds f64::MAX")?;
            }
        }
        let k = map.rules().len();
        if let Some(i) = segments.iter().position(|&s| s >= k) {
            return Err(Error::InvalidRow {
                row: i as u64,
                reason: format!(
                    "segment index {} is not in a map of {k} segments",
                    segments.get(i).copied().unwrap_or(0)
                ),
            });
        }
        let mut count = vec![0_usize; k];
        let mut rev = vec![0.0_f64; k];
        let mut mon = vec![0.0_f64; k];
        let mut val = vec![0.0_f64; k];
        for (i, &s) in segments.iter().enumerate() {
            if let (Some(c), Some(r), Some(m)) = (count.get_mut(s), rev.get_mut(s), mon.get_mut(s)) {
                *c += 1;
                *r += revenue.get(i).copied().unwrap_or(0.0);
                *m += monetary.get(i).copied().unwrap_or(0.0);
            }
            if let (Some(v), Some(col)) = (val.get_mut(s), value) {
                *v += col.get(i).copied().unwrap_or(0.0);
            }
        }
        let total_revenue = sum(revenue.iter().copied());
        let rows = map
            .names()
            .enumerate()
            .map(|(s, name)| {
                let c = count.get(s).copied().unwrap_or(0);
                let r = rev.get(s).copied().unwrap_or(0.0);
                let mean = |total: f64| (c > 0).then(|| total / c as f64);
                SegmentRow {
                    segment: name.to_string(),
                    customers: c,
                    customer_share: if n > 0 { c as f64 / n as f64 } else { 0.0 },
                    revenue: r,
                    revenue_share: (total_revenue > 0.0).then(|| r / total_revenue),
                    mean_monetary: mean(mon.get(s).copied().unwrap_or(0.0)),
                    mean_value: value.and_then(|_| mean(val.get(s).copied().unwrap_or(0.0))),
                }
            })
            .collect();
        Ok(SegmentTable {
            rows,
            customers: n,
            revenue: total_revenue,
        })
    }
}

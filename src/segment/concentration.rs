//! How concentrated value is among customers: one sort, then any number of Pareto
//! questions (Lorenz curve, Gini, top-x % share and its inverse, decile tables).
//!
//! Shares at a fraction of customers that is not a whole number of customers are read off
//! the piecewise-linear Lorenz curve (a fraction of the boundary customer counts), so
//! `top_share` is continuous in `p` and `top_share(p) = 1 − L(1 − p)` exactly.

use serde::{Deserialize, Serialize};

use super::gini::Gini;
use super::lorenz::LorenzPoint;
use super::rank::{canon, sorted_ascending};
use super::{check_abs_sum, check_finite, pow2_scale, sum};
use crate::error::{Error, Result};

/// Customer values sorted once, with running totals, to answer concentration questions.
///
/// Values may be negative (net spend after returns, profit); the total must be positive.
/// With negative values the Lorenz curve dips below zero and is not convex; for profits
/// see [`WhaleCurve`](super::WhaleCurve).
///
/// # Examples
///
/// ```
/// use customer_value::segment::Concentration;
///
/// // Nine customers spending 10 and one spending 100 (R ineq's example).
/// let mut v = vec![10.0; 9];
/// v.push(100.0);
/// let c = Concentration::new(&v)?;
/// assert!((c.gini().population - 0.4263158).abs() < 1e-7);
/// // The top 10 % of customers hold 100 / 190 of the value...
/// assert!((c.top_share(0.1)? - 100.0 / 190.0).abs() < 1e-12);
/// // ...and it takes 7 of the 10 customers to reach 80 % (100 + 6 × 10 = 160 ≥ 152).
/// let top = c.customers_for_share(0.8)?;
/// assert_eq!(top.customers, 7);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Concentration {
    sorted: Vec<f64>,
    /// `prefix[i]` = sum of the `i` smallest values.
    prefix: Vec<f64>,
}

/// The answer to "how many customers make `y` of the value".
///
/// # Examples
///
/// ```
/// use customer_value::segment::Concentration;
///
/// let c = Concentration::new(&[50.0, 30.0, 10.0, 10.0])?;
/// let top = c.customers_for_share(0.75)?;
/// // 50 + 30 = 80 % of the value with 2 of the 4 customers.
/// assert_eq!((top.customers, top.customer_share, top.value_share), (2, 0.5, 0.8));
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TopCustomers {
    /// The smallest number of (most valuable) customers whose value reaches the target.
    pub customers: usize,
    /// `customers / n`.
    pub customer_share: f64,
    /// The share of value they actually hold (≥ the target).
    pub value_share: f64,
}

/// One row of a quantile (e.g. decile) table, customers ranked from the most valuable.
///
/// # Examples
///
/// ```
/// use customer_value::segment::Concentration;
///
/// let c = Concentration::new(&[50.0, 30.0, 10.0, 10.0])?;
/// let halves = c.quantile_table(2)?;
/// assert_eq!((halves[0].group, halves[0].customers, halves[0].share), (1, 2, 0.8));
/// assert_eq!((halves[1].min, halves[1].max, halves[1].cumulative_share), (Some(10.0), Some(10.0), 1.0));
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct QuantileRow {
    /// 1 = the most valuable group.
    pub group: usize,
    /// Customers in the group.
    pub customers: usize,
    /// Their total value.
    pub value: f64,
    /// Their share of the total value.
    pub share: f64,
    /// Share of value of this and all more valuable groups.
    pub cumulative_share: f64,
    /// Smallest value in the group (`None` if the group is empty).
    pub min: Option<f64>,
    /// Largest value in the group (`None` if the group is empty).
    pub max: Option<f64>,
}

impl Concentration {
    /// The most groups [`quantile_table`](Self::quantile_table) builds: 1,000,000 (one
    /// row each; 64 MB).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::segment::Concentration;
    ///
    /// let c = Concentration::new(&[1.0, 2.0])?;
    /// assert!(c.quantile_table(Concentration::MAX_QUANTILE_GROUPS + 1).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub const MAX_QUANTILE_GROUPS: usize = 1_000_000;

    /// Sorts the values (radix sort, O(n)) and accumulates them.
    ///
    /// # Errors
    ///
    /// [`Error::EmptyInput`]; [`Error::InvalidRow`] for a NaN or infinite value;
    /// [`Error::Undefined`] if the total is not positive (all zero, or losses outweigh);
    /// [`Error::Overflow`] if Σ |value| exceeds `f64::MAX` (then some partial sum, or the
    /// value of some group, would not be finite), or Σ |value| / total exceeds
    /// `f64::MAX` / 4 (a positive total tiny beside the values: shares would be ±∞).
    /// Within these limits every answer is finite.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::segment::Concentration;
    ///
    /// assert!(Concentration::new(&[30.0, -5.0, 10.0]).is_ok()); // a return may be negative
    /// assert!(Concentration::new(&[10.0, -10.0]).is_err()); // but the total must be positive
    /// assert!(Concentration::new(&[f64::NAN]).is_err());
    /// ```
    pub fn new(values: &[f64]) -> Result<Self> {
        check_finite(values, "concentration values")?;
        check_abs_sum(values, "concentration: the sum of |values| exceeds f64::MAX")?;
        let sorted = sorted_ascending(values);
        let mut prefix = Vec::with_capacity(sorted.len() + 1);
        prefix.push(0.0);
        // Neumaier-compensated running sum.
        let (mut s, mut c) = (0.0_f64, 0.0_f64);
        for &v in &sorted {
            let t = s + v;
            c += if s.abs() >= v.abs() {
                (s - t) + v
            } else {
                (v - t) + s
            };
            s = t;
            prefix.push(s + c);
        }
        let total = s + c;
        if total <= 0.0 || !total.is_finite() {
            return Err(Error::Undefined {
                what: "concentration shares",
                reason: format!("the total value is {total}; shares need a positive total"),
            });
        }
        super::check_share_range(
            &sorted,
            total,
            "concentration: the total is too small beside the values for finite shares",
        )?;
        Ok(Concentration { sorted, prefix })
    }

    /// Number of customers.
    #[must_use]
    pub fn len(&self) -> usize {
        self.sorted.len()
    }

    /// Always `false` (construction refuses empty input); for API symmetry with `len`.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.sorted.is_empty()
    }

    /// Total value.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::segment::Concentration;
    ///
    /// let c = Concentration::new(&[30.0, -5.0, 10.0])?;
    /// assert_eq!(c.total(), 35.0);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn total(&self) -> f64 {
        self.prefix.last().copied().unwrap_or(0.0)
    }

    /// The values, ascending.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::segment::Concentration;
    ///
    /// let c = Concentration::new(&[30.0, -5.0, 10.0])?;
    /// assert_eq!(c.sorted_values(), [-5.0, 10.0, 30.0]);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn sorted_values(&self) -> &[f64] {
        &self.sorted
    }

    /// Sum of the bottom `k` customers plus `frac` of the next one.
    fn bottom_sum(&self, k: usize, frac: f64) -> f64 {
        let whole = self.prefix.get(k).copied().unwrap_or_else(|| self.total());
        whole + frac * self.sorted.get(k).copied().unwrap_or(0.0)
    }

    /// The Lorenz curve at population share `p` (share of value held by the least
    /// valuable `p` of customers), linear between customers.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] unless `0 ≤ p ≤ 1`.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::segment::Concentration;
    ///
    /// let c = Concentration::new(&[10.0, 10.0, 30.0, 50.0])?;
    /// assert_eq!(c.lorenz_at(0.5)?, 0.2); // the bottom half holds 20 %
    /// assert!((c.lorenz_at(0.125)? - 0.05).abs() < 1e-15); // half of the first customer
    /// assert!(c.lorenz_at(1.5).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn lorenz_at(&self, p: f64) -> Result<f64> {
        if !(0.0..=1.0).contains(&p) {
            return Err(Error::param("p", p, "a share of customers must be in [0, 1]"));
        }
        let x = p * self.len() as f64;
        let k = (x.floor() as usize).min(self.len());
        Ok(self.bottom_sum(k, x - k as f64) / self.total())
    }

    /// The Lorenz curve: `points + 1` points at population shares `0, 1/points, …, 1`, or
    /// every customer (`n + 1` points) when `points` is 0 or at least `n`. Starts at
    /// `(0, 0)`, ends at `(1, 1)`; non-decreasing and convex when no value is negative.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::segment::Concentration;
    ///
    /// let c = Concentration::new(&[10.0, 10.0, 30.0, 50.0])?;
    /// let curve = c.lorenz(0); // every customer
    /// let values: Vec<f64> = curve.iter().map(|p| p.value).collect();
    /// assert_eq!(values, [0.0, 0.1, 0.2, 0.5, 1.0]);
    /// assert_eq!(c.lorenz(2).len(), 3);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn lorenz(&self, points: usize) -> Vec<LorenzPoint> {
        let n = self.len();
        let total = self.total();
        let mut out: Vec<LorenzPoint> = if points == 0 || points >= n {
            self.prefix
                .iter()
                .enumerate()
                .map(|(i, &s)| LorenzPoint {
                    population: i as f64 / n as f64,
                    value: s / total,
                })
                .collect()
        } else {
            (0..=points)
                .map(|j| {
                    let x = j as f64 * n as f64 / points as f64;
                    let k = (x.floor() as usize).min(n);
                    LorenzPoint {
                        population: j as f64 / points as f64,
                        value: self.bottom_sum(k, x - k as f64) / total,
                    }
                })
                .collect()
        };
        if let Some(last) = out.last_mut() {
            *last = LorenzPoint {
                population: 1.0,
                value: 1.0,
            };
        }
        out
    }

    /// Population and corrected Gini of the values as given (negative values enter the
    /// formula raw; see [`gini`](super::gini) for the other policies).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::segment::Concentration;
    ///
    /// assert_eq!(Concentration::new(&[5.0; 4])?.gini().population, 0.0); // perfect equality
    /// let g = Concentration::new(&[0.0, 0.0, 0.0, 1.0])?.gini();
    /// assert!((g.population - 0.75).abs() < 1e-12); // (n − 1)/n with one holder
    /// assert!((g.corrected.unwrap() - 1.0).abs() < 1e-12);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn gini(&self) -> Gini {
        let n = self.len();
        let nf = n as f64;
        // Exact power-of-two scaling: the ratio is unchanged, the sum cannot overflow.
        let scale = pow2_scale(self.sorted.iter().copied());
        let s = sum(self
            .sorted
            .iter()
            .enumerate()
            .map(|(i, &x)| (2.0 * (i as f64 + 1.0) - nf - 1.0) * (x * scale)));
        let mut population = s / (nf * (self.total() * scale));
        if population.abs() < 1e-15 {
            population = 0.0;
        }
        Gini {
            population,
            corrected: (n > 1).then(|| population * nf / (nf - 1.0)),
            n,
            negatives: self.sorted.iter().take_while(|v| **v < 0.0).count(),
        }
    }

    /// Share of value held by the most valuable fraction `p` of customers (`p = 0.2`:
    /// "what do the top 20 % bring?").
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] unless `0 ≤ p ≤ 1`.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::segment::Concentration;
    ///
    /// let c = Concentration::new(&[10.0, 10.0, 30.0, 50.0])?;
    /// assert_eq!(c.top_share(0.25)?, 0.5);
    /// // Always 1 − L(1 − p).
    /// assert!((c.top_share(0.3)? - (1.0 - c.lorenz_at(0.7)?)).abs() < 1e-15);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn top_share(&self, p: f64) -> Result<f64> {
        if !(0.0..=1.0).contains(&p) {
            return Err(Error::param("p", p, "a share of customers must be in [0, 1]"));
        }
        Ok(1.0 - self.lorenz_at(1.0 - p)?)
    }

    /// The smallest number of top customers whose value reaches the share `y` of the total
    /// ("how many customers make 80 %?"). Comparisons allow a relative rounding slack of
    /// 1e-12, so a target hit exactly is reached.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] unless `0 < y ≤ 1`.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::segment::Concentration;
    ///
    /// let c = Concentration::new(&[10.0, 10.0, 30.0, 50.0])?;
    /// assert_eq!(c.customers_for_share(0.5)?.customers, 1);
    /// assert_eq!(c.customers_for_share(0.81)?.customers, 3);
    /// assert!(c.customers_for_share(1.5).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn customers_for_share(&self, y: f64) -> Result<TopCustomers> {
        if !(y > 0.0 && y <= 1.0) {
            return Err(Error::param("y", y, "a share of value must be in (0, 1]"));
        }
        let n = self.len();
        let total = self.total();
        let target = y * total * (1.0 - 1e-12);
        let top = |k: usize| total - self.prefix.get(n - k).copied().unwrap_or(0.0);
        // With no negative values the top-k sum grows with k: bisect. Otherwise scan.
        let k = if self.sorted.first().is_some_and(|&v| v >= 0.0) {
            let (mut lo, mut hi) = (0_usize, n);
            while lo < hi {
                let mid = lo + (hi - lo) / 2;
                if top(mid) >= target {
                    hi = mid
                } else {
                    lo = mid + 1
                }
            }
            lo
        } else {
            (0..=n).find(|&k| top(k) >= target).unwrap_or(n)
        };
        Ok(TopCustomers {
            customers: k,
            customer_share: k as f64 / n as f64,
            value_share: top(k) / total,
        })
    }

    /// A table of `groups` groups of customers of (nearly) equal size, from the most
    /// valuable (`groups = 10`: deciles). Group `g` holds the customers ranked
    /// `⌊(g−1)n/G⌋ … ⌊gn/G⌋ − 1` from the top; with ties, equal values may fall in two
    /// groups, which changes no total.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] if `groups` is 0 or more than
    /// [`MAX_QUANTILE_GROUPS`](Self::MAX_QUANTILE_GROUPS) (checked before allocating).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::segment::Concentration;
    ///
    /// let values: Vec<f64> = (1..=100).map(f64::from).collect();
    /// let deciles = Concentration::new(&values)?.quantile_table(10)?;
    /// assert_eq!(deciles.len(), 10);
    /// assert_eq!((deciles[0].min, deciles[0].max), (Some(91.0), Some(100.0)));
    /// assert!((deciles[9].cumulative_share - 1.0).abs() < 1e-12);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn quantile_table(&self, groups: usize) -> Result<Vec<QuantileRow>> {
        if groups == 0 {
            return Err(Error::param("groups", groups, "at least one group"));
        }
        if groups > Self::MAX_QUANTILE_GROUPS {
            return Err(Error::param(
                "groups",
                groups,
                "at most Concentration::MAX_QUANTILE_GROUPS = 1,000,000 groups",
            ));
        }
        let n = self.len();
        let total = self.total();
        let mut rows = Vec::with_capacity(groups);
        let mut cumulative = 0.0;
        for g in 1..=groups {
            let from_top = ((g - 1) as u128 * n as u128 / groups as u128) as usize;
            let to_top = (g as u128 * n as u128 / groups as u128) as usize;
            // Ascending indices of ranks [from_top, to_top) from the top.
            let (lo, hi) = (n - to_top, n - from_top);
            let value =
                self.prefix.get(hi).copied().unwrap_or(0.0) - self.prefix.get(lo).copied().unwrap_or(0.0);
            cumulative += value;
            rows.push(QuantileRow {
                group: g,
                customers: hi - lo,
                value,
                share: value / total,
                cumulative_share: cumulative / total,
                min: (hi > lo).then(|| self.sorted.get(lo).copied()).flatten(),
                max: (hi > lo).then(|| self.sorted.get(hi - 1).copied()).flatten(),
            });
        }
        Ok(rows)
    }
}

/// Share of value held by the most valuable fraction `p` of customers, in O(n) by
/// selection (no sort). Same definition as [`Concentration::top_share`].
///
/// # Errors
///
/// [`Error::EmptyInput`]; [`Error::InvalidRow`] for a NaN or infinite value;
/// [`Error::InvalidParameter`] unless `0 ≤ p ≤ 1`; [`Error::Undefined`] if the total is not
/// positive; [`Error::Overflow`] if Σ |value| / total exceeds `f64::MAX` / 4 (a positive
/// total tiny beside the values: the share would be ±∞).
///
/// # Examples
///
/// ```
/// use customer_value::segment::top_share;
///
/// // 20 % of customers (1 of 5) hold 80 of 100.
/// let share = top_share(&[80.0, 5.0, 5.0, 5.0, 5.0], 0.2)?;
/// assert!((share - 0.8).abs() < 1e-12);
/// # Ok::<(), customer_value::Error>(())
/// ```
///
/// # Examples
///
/// ```
/// use customer_value::segment::top_share;
///
/// // The top 20 % of five customers is the one who spent 60 of 100.
/// assert_eq!(top_share(&[10.0, 10.0, 10.0, 10.0, 60.0], 0.2)?, 0.6);
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn top_share(values: &[f64], p: f64) -> Result<f64> {
    check_finite(values, "top-share values")?;
    if !(0.0..=1.0).contains(&p) {
        return Err(Error::param("p", p, "a share of customers must be in [0, 1]"));
    }
    // Exact power-of-two scaling: the share is unchanged, no sum can overflow.
    let scale = pow2_scale(values.iter().copied());
    let total = sum(values.iter().map(|&v| v * scale));
    if total <= 0.0 || !total.is_finite() {
        return Err(Error::Undefined {
            what: "top share",
            reason: format!("the total value is {total}; shares need a positive total"),
        });
    }
    // As `Concentration::new`: a positive total tiny beside the values gives no finite share.
    if sum(values.iter().map(|&v| (v * scale).abs())) / total > f64::MAX / 4.0 {
        return Err(Error::Overflow {
            op: "top share: the total is too small beside the values for a finite share",
        });
    }
    let n = values.len();
    let x = p * n as f64;
    let k = (x.floor() as usize).min(n);
    if k == n {
        return Ok(1.0);
    }
    let frac = x - k as f64;
    let mut scratch: Vec<f64> = values.iter().map(|&v| canon(v * scale)).collect();
    // Ascending position n − k − 1 is the (k+1)-th largest; everything after it is the top k.
    let (_, boundary, top) = scratch.select_nth_unstable_by(n - k - 1, f64::total_cmp);
    let held = sum(top.iter().copied()) + frac * *boundary;
    Ok(held / total)
}

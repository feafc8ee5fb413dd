//! Quantiles and the median of a Kaplan–Meier curve under the two conventions in use: the
//! first crossing (lifelines) and R `survival`'s midpoint of a flat stretch.
//!
//! A step curve can sit *exactly* at the target level 1 − p between two event times
//! tᵢ and tᵢ₊₁; every t in [tᵢ, tᵢ₊₁) then solves Ŝ(t) = 1 − p. The first-crossing rule
//! reports tᵢ; R's `quantile.survfit` (source: `R/quantile.survfit.R` in
//! therneau/survival, function `findq`) reports the midpoint (tᵢ + tᵢ₊₁) / 2, "the usual
//! midpoint rule used for medians". Away from such a tie both rules give the first event
//! time at which Ŝ drops below 1 − p.

use serde::{Deserialize, Serialize};

use super::{ConfidenceBand, KaplanMeier};
use crate::error::{Error, Result};

/// R's tolerance for "Ŝ equals 1 − p": `sqrt(.Machine$double.eps)`, the default of
/// `quantile.survfit` and the constant `print.survfit` uses.
const R_TOLERANCE: f64 = 1.490_116_119_384_765_6e-8;

/// How [`KaplanMeier::quantile_with`] and [`KaplanMeier::median_with`] read a quantile off
/// the step curve when Ŝ equals the target level 1 − p on a flat stretch.
///
/// # Examples
///
/// ```
/// use customer_value::retention::{KaplanMeier, QuantileRule};
///
/// // Two of four churn at 2: Ŝ = 0.5 exactly until the last churn at 5.
/// let km = KaplanMeier::from_durations([(2, true), (2, true), (3, false), (5, true)])?;
/// assert_eq!(km.median_with(QuantileRule::FirstCrossing), Some(2.0)); // lifelines
/// assert_eq!(km.median_with(QuantileRule::Midpoint), Some(3.5)); // R survival
/// assert_eq!(km.median(), Some(2)); // the first-crossing rule, as a whole period
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub enum QuantileRule {
    /// The first event time at which Ŝ(t) ≤ 1 − p (within 10⁻¹², so that an exact 0.5
    /// computed as 0.5000000000000001 counts): the rule of [`KaplanMeier::median`] and
    /// [`KaplanMeier::quantile`], and of lifelines' `median_survival_time_` /
    /// `percentile` (`qth_survival_time`: the first time with Ŝ ≤ level). lifelines
    /// compares exactly, on an Ŝ it computes as the exponential of a sum of logarithms,
    /// so at an exact tie it can land one step later when its Ŝ rounds just above the
    /// level.
    #[default]
    FirstCrossing,
    /// R `survival`'s rule (`quantile.survfit`, and so `median.survfit`): when Ŝ equals
    /// 1 − p — within R's tolerance √ε ≈ 1.5·10⁻⁸ — from the event time tᵢ until the
    /// next event time tᵢ₊₁, the midpoint (tᵢ + tᵢ₊₁) / 2; otherwise (no level within √ε
    /// of 1 − p) the first event time at which Ŝ < 1 − p. Because the tolerance is R's, a level in
    /// (1 − p + 10⁻¹², 1 − p + √ε] counts as equal here but not under `FirstCrossing`,
    /// whose answer is then a later step.
    /// If the curve stays at 1 − p to the end of follow-up, `quantile.survfit` takes the
    /// midpoint of tᵢ and the longest observed duration (event or censoring), and so does
    /// this rule; `print.survfit`'s median column reports tᵢ in that one case. One
    /// departure from R: when the last level lies in (1 − p, 1 − p + √ε], R returns `NA`
    /// (a rounding artefact of its search); this rule returns the midpoint.
    Midpoint,
}

impl KaplanMeier {
    /// The p-quantile of lifetime read off Ŝ under `rule`: the duration at which Ŝ first
    /// reaches 1 − p, or the midpoint of a flat stretch at exactly 1 − p (see
    /// [`QuantileRule`]). `None` if Ŝ never gets down to 1 − p, or if `p` is outside
    /// (0, 1).
    ///
    /// Under [`QuantileRule::FirstCrossing`] this is [`quantile`](Self::quantile) as an
    /// `f64`.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::retention::{KaplanMeier, QuantileRule};
    ///
    /// // A quarter churn at 1, Ŝ = 0.75 until the next churns at 3.
    /// let mut data = vec![(1, true); 6];
    /// data.extend([(2, false); 2]);
    /// data.extend([(3, true); 6]);
    /// data.extend([(5, false); 10]);
    /// let km = KaplanMeier::from_durations(data)?;
    /// assert_eq!(km.quantile_with(0.25, QuantileRule::FirstCrossing), Some(1.0));
    /// assert_eq!(km.quantile_with(0.25, QuantileRule::Midpoint), Some(2.0));
    /// // The median crosses 0.5 without touching it: both rules agree.
    /// assert_eq!(km.quantile_with(0.5, QuantileRule::Midpoint), Some(3.0));
    /// assert_eq!(km.quantile_with(0.9, QuantileRule::Midpoint), None); // never that low
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn quantile_with(&self, p: f64, rule: QuantileRule) -> Option<f64> {
        match rule {
            QuantileRule::FirstCrossing => self.quantile(p).map(f64::from),
            QuantileRule::Midpoint => self.midpoint_quantile(p),
        }
    }

    /// The median lifetime under `rule`: [`quantile_with`](Self::quantile_with) at
    /// p = 0.5.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::retention::{KaplanMeier, QuantileRule};
    ///
    /// // Ŝ = 0.5 from 2 to the end of follow-up at 6: R's quantile.survfit says 4.
    /// let km = KaplanMeier::from_durations([(2, true), (2, true), (3, false), (6, false)])?;
    /// assert_eq!(km.median_with(QuantileRule::Midpoint), Some(4.0));
    /// assert_eq!(km.median_with(QuantileRule::FirstCrossing), Some(2.0));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn median_with(&self, rule: QuantileRule) -> Option<f64> {
        self.quantile_with(0.5, rule)
    }

    /// A confidence interval for the p-quantile of lifetime, as R `survival`'s
    /// `quantile.survfit` (and so the `0.95LCL`/`0.95UCL` columns `print.survfit` shows
    /// for the median): the quantile read off Ŝ, the lower limit read the same way off the
    /// lower pointwise confidence curve, the upper limit off the upper curve (Brookmeyer
    /// & Crowley 1982: the durations whose pointwise interval contains 1 − p). A limit is
    /// `None` when its curve never gets down to 1 − p — usual for the upper limit when
    /// follow-up is short. R's default band is [`ConfidenceBand::Log`] with its
    /// [`QuantileRule::Midpoint`].
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`](crate::Error::InvalidParameter) unless `z` is finite and
    /// positive, or unless `0 < p < 1`.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::retention::{ConfidenceBand, KaplanMeier, QuantileRule};
    ///
    /// // R's `aml` data, maintained group (+ = censored): 9 13 13+ 18 23 28+ 31 34 45+ 48 161+.
    /// // print(survfit(Surv(time, status) ~ 1, aml[aml$x == "Maintained", ])):
    /// // median 31, 0.95LCL 18, 0.95UCL NA.
    /// let km = KaplanMeier::from_durations([
    ///     (9, true), (13, true), (13, false), (18, true), (23, true), (28, false),
    ///     (31, true), (34, true), (45, false), (48, true), (161, false),
    /// ])?;
    /// let m = km.median_interval(1.959964, ConfidenceBand::Log, QuantileRule::Midpoint)?;
    /// assert_eq!((m.estimate, m.lower, m.upper), (Some(31.0), Some(18.0), None));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn quantile_interval(
        &self,
        p: f64,
        z: f64,
        band: ConfidenceBand,
        rule: QuantileRule,
    ) -> Result<QuantileInterval> {
        if !(p > 0.0 && p < 1.0) {
            return Err(Error::param("p", p, "a quantile level is in (0, 1)"));
        }
        let mut lower = Vec::with_capacity(self.steps().len());
        let mut upper = Vec::with_capacity(self.steps().len());
        for step in self.steps() {
            let (lo, hi) = self.confidence_interval(step.time, z, band)?;
            lower.push((step.time, lo));
            upper.push((step.time, hi));
        }
        let limit = |v: &[(u32, f64)]| match rule {
            QuantileRule::FirstCrossing => read_quantile(v.iter().copied(), p, rule, self.max_duration()),
            QuantileRule::Midpoint => r_findq(v, p, self.max_duration()),
        };
        Ok(QuantileInterval {
            p,
            estimate: self.quantile_with(p, rule),
            lower: limit(&lower),
            upper: limit(&upper),
        })
    }

    /// [`quantile_interval`](Self::quantile_interval) at p = 0.5: the median lifetime and
    /// its confidence interval.
    ///
    /// # Errors
    ///
    /// As [`quantile_interval`](Self::quantile_interval).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::retention::{ConfidenceBand, KaplanMeier, QuantileRule};
    ///
    /// // R's `aml`, maintained group, with conf.type = "log-log": median 31, 0.95LCL 13, UCL NA.
    /// let km = KaplanMeier::from_durations([
    ///     (9, true), (13, true), (13, false), (18, true), (23, true), (28, false),
    ///     (31, true), (34, true), (45, false), (48, true), (161, false),
    /// ])?;
    /// let m = km.median_interval(1.959964, ConfidenceBand::LogLog, QuantileRule::Midpoint)?;
    /// assert_eq!((m.estimate, m.lower, m.upper), (Some(31.0), Some(13.0), None));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn median_interval(
        &self,
        z: f64,
        band: ConfidenceBand,
        rule: QuantileRule,
    ) -> Result<QuantileInterval> {
        self.quantile_interval(0.5, z, band, rule)
    }

    /// `findq` of R's `quantile.survfit`, on the event steps (the distinct levels of the
    /// curve): the first step within the tolerance of 1 − p or below it; if it is within
    /// the tolerance, the midpoint with the next step's time, or with the longest observed
    /// duration when it is the last step. (R also returns NA when the last level lies in
    /// (1 − p, 1 − p + tol] — a rounding artefact not copied here.)
    fn midpoint_quantile(&self, p: f64) -> Option<f64> {
        if !(p > 0.0 && p < 1.0) {
            return None;
        }
        let steps = self.steps().iter().map(|s| (s.time, s.survival));
        read_quantile(steps, p, QuantileRule::Midpoint, self.max_duration())
    }
}

/// A quantile of lifetime with its confidence interval (see
/// [`KaplanMeier::quantile_interval`]); `None` where a curve never reaches 1 − p.
///
/// # Examples
///
/// ```
/// use customer_value::retention::{ConfidenceBand, KaplanMeier, QuantileRule};
///
/// // R's `aml`, maintained group, plain band: the 0.25-quantile 18 with interval (9, 34).
/// let km = KaplanMeier::from_durations([
///     (9, true), (13, true), (13, false), (18, true), (23, true), (28, false),
///     (31, true), (34, true), (45, false), (48, true), (161, false),
/// ])?;
/// let q = km.quantile_interval(0.25, 1.959964, ConfidenceBand::Plain, QuantileRule::Midpoint)?;
/// assert_eq!((q.p, q.estimate, q.lower, q.upper), (0.25, Some(18.0), Some(9.0), Some(34.0)));
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct QuantileInterval {
    /// The quantile level p (0.5 for the median).
    pub p: f64,
    /// The quantile read off Ŝ.
    pub estimate: Option<f64>,
    /// Lower confidence limit (read off the lower pointwise confidence curve).
    pub lower: Option<f64>,
    /// Upper confidence limit (read off the upper pointwise confidence curve).
    pub upper: Option<f64>,
}

/// R `survival`'s `findq` on a confidence curve given as (event time, level) in time
/// order. A log-band upper curve need not be monotone (its variance can grow faster than
/// Ŝ falls), and `findq` does not assume it is: on y = 1 − level, with the point (0, 0)
/// in front and repeated levels dropped, it takes the time of the smallest y ≥ p − tol
/// and of the smallest y ≥ p + tol (`approx(..., method = "constant", f = 1)`) and
/// returns their midpoint; `None` when no y reaches p + tol, unless the last y is within
/// tol of p (then the midpoint with the longest observed duration `end`).
fn r_findq(curve: &[(u32, f64)], p: f64, end: u32) -> Option<f64> {
    let mut points: Vec<(f64, f64)> = Vec::with_capacity(curve.len() + 1);
    points.push((0.0, 0.0));
    // `duplicated(y)`: a level seen before (at an earlier time) is dropped; + 0.0 folds −0.
    let mut seen = std::collections::HashSet::with_capacity(curve.len() + 1);
    seen.insert(0.0_f64.to_bits());
    for &(t, level) in curve {
        let y = 1.0 - level + 0.0;
        if seen.insert(y.to_bits()) {
            points.push((f64::from(t), y));
        }
    }
    let smallest_at_least = |bound: f64| {
        points
            .iter()
            .filter(|&&(_, y)| y >= bound)
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map(|&(t, _)| t)
    };
    let first = smallest_at_least(p - R_TOLERANCE)?;
    let last_y = points.last().map_or(0.0, |&(_, y)| y);
    if (p - last_y).abs() < R_TOLERANCE {
        return Some((first + f64::from(end)) / 2.0);
    }
    let second = smallest_at_least(p + R_TOLERANCE)?;
    Some((first + second) / 2.0)
}

/// The p-quantile of a step curve given as (event time, level) in time order, under
/// `rule`; `end` is the longest observed duration (for a curve flat at 1 − p to the end).
fn read_quantile(
    steps: impl Iterator<Item = (u32, f64)>,
    p: f64,
    rule: QuantileRule,
    end: u32,
) -> Option<f64> {
    let target = 1.0 - p;
    let mut steps = steps.peekable();
    match rule {
        QuantileRule::FirstCrossing => steps
            .find(|&(_, level)| level <= target + 1e-12)
            .map(|(t, _)| f64::from(t)),
        QuantileRule::Midpoint => {
            while let Some((time, level)) = steps.next() {
                if level <= target + R_TOLERANCE {
                    if level <= target - R_TOLERANCE {
                        return Some(f64::from(time));
                    }
                    let next = steps.peek().map_or(end, |&(t, _)| t);
                    return Some((f64::from(time) + f64::from(next)) / 2.0);
                }
            }
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tolerance_is_r_s_square_root_of_machine_epsilon() {
        assert_eq!(R_TOLERANCE.to_bits(), f64::EPSILON.sqrt().to_bits());
    }
}

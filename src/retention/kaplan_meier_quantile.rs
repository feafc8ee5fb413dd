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

use super::KaplanMeier;

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

    /// `findq` of R's `quantile.survfit`, on the event steps (the distinct levels of the
    /// curve): the first step within the tolerance of 1 − p or below it; if it is within
    /// the tolerance, the midpoint with the next step's time, or with the longest observed
    /// duration when it is the last step. (R also returns NA when the last level lies in
    /// (1 − p, 1 − p + tol] — a rounding artefact not copied here.)
    fn midpoint_quantile(&self, p: f64) -> Option<f64> {
        if !(p > 0.0 && p < 1.0) {
            return None;
        }
        let target = 1.0 - p;
        let steps = self.steps();
        let i = steps.iter().position(|s| s.survival <= target + R_TOLERANCE)?;
        let step = steps.get(i)?;
        let start = f64::from(step.time);
        if step.survival <= target - R_TOLERANCE {
            return Some(start);
        }
        let end = steps.get(i + 1).map_or(self.max_duration(), |next| next.time);
        Some((start + f64::from(end)) / 2.0)
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

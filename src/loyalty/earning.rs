//! How many points one event earns: rules in priority order, multipliers, per-rule and
//! per-event caps, and one rounding per event.
//!
//! Pure functions of the program and the event; the per-period cap needs the account's
//! history and is applied by [`Account`](super::Account).

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::program::{Award, EventType, Points, Program, RoundingMode};
use crate::error::{Error, Result};

/// The points an event earns and how they were reached.
///
/// # Examples
///
/// ```
/// use chrono::NaiveDate;
/// use customer_value::loyalty::{earn, Award, EarningRule, EventType, ProgramSpec};
/// use rust_decimal::Decimal;
///
/// // One point per euro, at most 10 points an order.
/// let mut spec = ProgramSpec::default();
/// spec.rules.push(EarningRule::new("euro", EventType::Purchase, Award::PerAmount { points: 1, per: Decimal::ONE }));
/// spec.cap_per_event = Some(10);
/// let day = NaiveDate::from_ymd_opt(2024, 3, 1).unwrap();
/// let e = earn(&spec.build()?, EventType::Purchase, day, Decimal::new(125, 1), 1, None)?;
/// assert_eq!(e.raw, Decimal::new(125, 1)); // 12.5 exact points
/// assert_eq!((e.points, e.capped), (10, 2)); // ⌊12.5⌋ = 12, capped to 10
/// assert_eq!(e.rules, ["euro"]);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Earning {
    /// Exact points before rounding (after multipliers and per-rule caps).
    pub raw: Decimal,
    /// Whole points after rounding and the per-event cap.
    pub points: Points,
    /// Ids of the rules that matched, in evaluation order.
    pub rules: Vec<String>,
    /// Points removed by the per-event cap.
    pub capped: Points,
}

/// Points earned by one event of type `event` on `date` with `amount` and `units`, for a
/// member of tier `tier` (index into the program's tiers; `None` without tiers).
///
/// Steps: for each rule in ascending priority that matches (type, date window, minimum
/// amount), its base award × every matching multiplier (if the rule is `multiplied`),
/// limited by the rule's `cap_per_event`; the rule's `stop_after` ends the loop. The sum
/// is rounded once ([`RoundingMode`](super::RoundingMode)), then limited by the program's
/// `cap_per_event`. Negative amounts earn nothing (returns are refunds).
///
/// # Errors
///
/// [`Error::Overflow`] if the points do not fit; [`Error::InvalidParameter`] for a
/// negative amount.
///
/// # Examples
///
/// ```
/// use chrono::NaiveDate;
/// use customer_value::loyalty::{earn, Award, EarningRule, EventType, ProgramSpec};
/// use rust_decimal::Decimal;
///
/// let mut spec = ProgramSpec::default();
/// spec.rules.push(EarningRule::new("per-euro", EventType::Purchase, Award::PerAmount { points: 1, per: Decimal::ONE }));
/// spec.rules.push(EarningRule::new("per-order", EventType::Purchase, Award::Fixed { points: 5 }));
/// let program = spec.build()?;
/// let day = NaiveDate::from_ymd_opt(2024, 3, 1).unwrap();
/// let e = earn(&program, EventType::Purchase, day, Decimal::new(1299, 2), 1, None)?;
/// assert_eq!(e.points, 17); // floor(12.99 + 5)
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn earn(
    program: &Program,
    event: EventType,
    date: NaiveDate,
    amount: Decimal,
    units: u32,
    tier: Option<usize>,
) -> Result<Earning> {
    let mut hits = Vec::new();
    let (raw, points, capped) = earn_points(program, event, date, amount, units, tier, Some(&mut hits))?;
    Ok(Earning {
        raw,
        points,
        rules: hits
            .into_iter()
            .filter_map(|i| program.rules.get(i).map(|r| r.id.clone()))
            .collect(),
        capped,
    })
}

/// [`earn`] without the rule list (no allocation): `(raw, points, capped)`; matched rule
/// indices go to `hits` if given.
pub(crate) fn earn_points(
    program: &Program,
    event: EventType,
    date: NaiveDate,
    amount: Decimal,
    units: u32,
    tier: Option<usize>,
    mut hits: Option<&mut Vec<usize>>,
) -> Result<(Decimal, Points, Points)> {
    if amount < Decimal::ZERO {
        return Err(Error::param(
            "amount",
            amount,
            "an earning event's amount must be ≥ 0",
        ));
    }
    let overflow = || Error::Overflow { op: "points earned" };
    let factor = multiplier(program, event, date, tier)?;
    let mut raw = Decimal::ZERO;
    for &i in &program.order {
        let Some(rule) = program.rules.get(i) else {
            continue;
        };
        if rule.on != event || !rule.in_force(date) || rule.min_amount.is_some_and(|m| amount < m) {
            continue;
        }
        let base = match rule.award {
            Award::Fixed { points } => Decimal::from(points),
            Award::PerUnit { points } => Decimal::from(points)
                .checked_mul(Decimal::from(units))
                .ok_or_else(overflow)?,
            // Division is the costliest Decimal operation: skip it for the common `per: 1`.
            Award::PerAmount { points, per } if per == Decimal::ONE => {
                amount.checked_mul(Decimal::from(points)).ok_or_else(overflow)?
            }
            Award::PerAmount { points, per } => amount
                .checked_div(per)
                .and_then(|q| q.checked_mul(Decimal::from(points)))
                .ok_or_else(overflow)?,
        };
        let mut contribution = if rule.multiplied && factor != Decimal::ONE {
            base.checked_mul(factor).ok_or_else(overflow)?
        } else {
            base
        };
        if let Some(cap) = rule.cap_per_event {
            contribution = contribution.min(Decimal::from(cap));
        }
        raw = raw.checked_add(contribution).ok_or_else(overflow)?;
        if let Some(h) = hits.as_deref_mut() {
            h.push(i);
        }
        if rule.stop_after {
            break;
        }
    }
    let rounded = program.rounding.round(raw)?;
    let points = program.cap_per_event.map_or(rounded, |c| rounded.min(c));
    Ok((raw, points, rounded - points))
}

/// [`earn_points`]'s `(points, capped)` computed on integers: every value is held exactly
/// as an `i128` count of `10^-S` (S = the amount's scale + the multiplier's scale), which
/// equals the `Decimal` result whenever each intermediate value stays below `Decimal`'s
/// 96-bit mantissa (then `Decimal` is exact too). `None` when that is not sure, when a
/// rule divides (`per ≠ 1`) or the amount is negative: the caller then takes the
/// `Decimal` path, which also produces the errors.
pub(crate) fn earn_points_fast(
    program: &Program,
    event: EventType,
    date: NaiveDate,
    amount: Decimal,
    units: u32,
    tier: Option<usize>,
) -> Option<(Points, Points)> {
    const LIMIT: u128 = 1 << 95;
    let fit = |v: i128| (v.unsigned_abs() < LIMIT).then_some(v);
    if amount.is_sign_negative() && !amount.is_zero() {
        return None;
    }
    let factor = multiplier(program, event, date, tier).ok()?;
    let (a_scale, f_scale) = (amount.scale(), factor.scale());
    if a_scale + f_scale > 18 {
        return None;
    }
    let f_unit = pow10(f_scale);
    let one = pow10(a_scale + f_scale);
    let amount = amount.mantissa();
    let multiply = factor != Decimal::ONE;
    let mut raw = 0_i128;
    for &i in &program.order {
        let Some(rule) = program.rules.get(i) else {
            continue;
        };
        if rule.on != event
            || !rule.in_force(date)
            || rule.min_amount.is_some_and(|m| amount_lt(amount, a_scale, m))
        {
            continue;
        }
        // At the amount's scale.
        let base = match rule.award {
            Award::Fixed { points } => fit(i128::from(points).checked_mul(pow10(a_scale))?)?,
            Award::PerUnit { points } => fit(i128::from(points)
                .checked_mul(i128::from(units))?
                .checked_mul(pow10(a_scale))?)?,
            Award::PerAmount { points, per } if per == Decimal::ONE => {
                fit(amount.checked_mul(i128::from(points))?)?
            }
            Award::PerAmount { .. } => return None,
        };
        let mut contribution = if rule.multiplied && multiply {
            fit(base.checked_mul(factor.mantissa())?)?
        } else {
            fit(base.checked_mul(f_unit)?)?
        };
        if let Some(cap) = rule.cap_per_event {
            contribution = contribution.min(fit(i128::from(cap).checked_mul(one)?)?);
        }
        raw = fit(raw.checked_add(contribution)?)?;
        if rule.stop_after {
            break;
        }
    }
    let rounded = i64::try_from(round_scaled(raw, one, program.rounding)?).ok()?;
    let points = program.cap_per_event.map_or(rounded, |c| rounded.min(c));
    Some((points, rounded.checked_sub(points)?))
}

/// `10^n` for `n ≤ 18` (callers keep scales within that); `i128::pow` is a loop.
fn pow10(n: u32) -> i128 {
    #[allow(clippy::indexing_slicing)] // const table: indices are in range by construction
    const POW10: [i128; 19] = {
        let mut t = [1_i128; 19];
        let mut i = 1;
        while i < 19 {
            t[i] = t[i - 1] * 10;
            i += 1;
        }
        t
    };
    POW10.get(n as usize).copied().unwrap_or(i128::MAX)
}

fn pow10_checked(n: u32) -> Option<i128> {
    if n <= 18 {
        Some(pow10(n))
    } else {
        10_i128.checked_pow(n)
    }
}

/// Whether `mantissa × 10^-scale < m`, exactly.
fn amount_lt(mantissa: i128, scale: u32, m: Decimal) -> bool {
    let (ms, s) = (m.mantissa(), m.scale());
    // Bring both to the larger scale; mantissas are < 2^96 and scales ≤ 28, so the
    // products fit in i128 unless the scale gap is large: then compare as `Decimal`.
    let (l, r) = if scale >= s {
        (
            Some(mantissa),
            pow10_checked(scale - s).and_then(|p| ms.checked_mul(p)),
        )
    } else {
        (
            pow10_checked(s - scale).and_then(|p| mantissa.checked_mul(p)),
            Some(ms),
        )
    };
    match (l, r) {
        (Some(l), Some(r)) => l < r,
        _ => Decimal::try_from_i128_with_scale(mantissa, scale).is_ok_and(|a| a < m),
    }
}

/// `v × 10^-S` rounded to an integer, where `one = 10^S > 0`, as [`RoundingMode::round`].
fn round_scaled(v: i128, one: i128, mode: RoundingMode) -> Option<i128> {
    // 128-bit division is a library call: the common sizes fit in 64 bits.
    if let (Ok(v), Ok(one)) = (i64::try_from(v), i64::try_from(one)) {
        return round_scaled_64(v, one, mode).map(i128::from);
    }
    let (q, r) = (v / one, v % one);
    let away = |q: i128| q.checked_add(v.signum());
    let twice = r.unsigned_abs().checked_mul(2)?;
    let half = one.unsigned_abs();
    match mode {
        RoundingMode::Floor => Some(v.div_euclid(one)),
        RoundingMode::TowardZero => Some(q),
        RoundingMode::HalfUp if twice >= half && r != 0 => away(q),
        RoundingMode::HalfEven if twice > half || (twice == half && r != 0 && q % 2 != 0) => away(q),
        _ => Some(q),
    }
}

/// [`round_scaled`] on 64 bits.
fn round_scaled_64(v: i64, one: i64, mode: RoundingMode) -> Option<i64> {
    let (q, r) = (v.checked_div(one)?, v.checked_rem(one)?);
    let away = |q: i64| q.checked_add(v.signum());
    let twice = r.unsigned_abs().checked_mul(2)?;
    let half = one.unsigned_abs();
    match mode {
        RoundingMode::Floor => v.checked_div_euclid(one),
        RoundingMode::TowardZero => Some(q),
        RoundingMode::HalfUp if twice >= half && r != 0 => away(q),
        RoundingMode::HalfEven if twice > half || (twice == half && r != 0 && q % 2 != 0) => away(q),
        _ => Some(q),
    }
}

/// The product of every multiplier matching the event, date and tier (1 if none).
fn multiplier(program: &Program, event: EventType, date: NaiveDate, tier: Option<usize>) -> Result<Decimal> {
    let mut factor = Decimal::ONE;
    for (m, m_tier) in program.multipliers.iter().zip(&program.multiplier_tiers) {
        let tier_ok = m_tier.is_none_or(|t| tier == Some(t));
        let date_ok = m.from.is_none_or(|f| date >= f) && m.to.is_none_or(|t| date <= t);
        let event_ok = m.events.is_empty() || m.events.contains(&event);
        if tier_ok && date_ok && event_ok {
            factor = factor.checked_mul(m.factor).ok_or(Error::Overflow {
                op: "points multiplier",
            })?;
        }
    }
    Ok(factor)
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use proptest::prelude::*;
    use rust_decimal::Decimal;

    use super::{earn_points, earn_points_fast};
    use crate::loyalty::{Award, EarningRule, EventType, Multiplier, ProgramSpec, RoundingMode};

    fn rounding(i: u8) -> RoundingMode {
        match i % 4 {
            0 => RoundingMode::Floor,
            1 => RoundingMode::TowardZero,
            2 => RoundingMode::HalfUp,
            _ => RoundingMode::HalfEven,
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// The integer fast path, whenever it answers, equals the `Decimal` path.
        #[test]
        fn fast_path_equals_decimal_path(
            mantissa in 0_i64..10_000_000_000,
            scale in 0_u32..6,
            units in 0_u32..50,
            rules in proptest::collection::vec(
                (0_u8..3, 0_i64..1000, proptest::option::of((0_i64..100_000, 0_u32..4)),
                 proptest::option::of(0_i64..5000), any::<bool>(), any::<bool>(), -3_i32..3),
                1..5),
            factor in proptest::option::of((1_i64..100_000, 0_u32..5)),
            round in 0_u8..4,
            cap in proptest::option::of(0_i64..10_000),
            huge in any::<bool>(),
        ) {
            let mut spec = ProgramSpec::default();
            for (k, (kind, points, min, rule_cap, multiplied, stop, priority)) in rules.into_iter().enumerate() {
                let points = if huge { points.saturating_mul(1_000_000_000_000_000) } else { points };
                let award = match kind {
                    0 => Award::Fixed { points },
                    1 => Award::PerUnit { points },
                    _ => Award::PerAmount { points, per: Decimal::ONE },
                };
                let mut r = EarningRule::new(format!("r{k}"), EventType::Purchase, award);
                r.min_amount = min.map(|(m, s)| Decimal::new(m, s));
                r.cap_per_event = rule_cap;
                r.multiplied = multiplied;
                r.stop_after = stop;
                r.priority = priority;
                spec.rules.push(r);
            }
            if let Some((m, s)) = factor {
                spec.multipliers.push(Multiplier {
                    id: "m".into(),
                    factor: Decimal::new(m, s),
                    tier: None,
                    from: None,
                    to: None,
                    events: Vec::new(),
                });
            }
            spec.rounding = rounding(round);
            spec.cap_per_event = cap;
            let Ok(program) = spec.build() else { return Ok(()) };
            let day = NaiveDate::from_ymd_opt(2024, 5, 1).unwrap();
            let amount = Decimal::new(mantissa, scale);
            let slow = earn_points(&program, EventType::Purchase, day, amount, units, None, None);
            if let Some(fast) = earn_points_fast(&program, EventType::Purchase, day, amount, units, None) {
                let (_, points, capped) = slow.unwrap();
                prop_assert_eq!(fast, (points, capped));
            }
        }
    }

    #[test]
    fn fast_path_rounds_halves_like_decimal() {
        for (mode, cents, want) in [
            (RoundingMode::HalfUp, 1050, 11),
            (RoundingMode::HalfEven, 1050, 10),
            (RoundingMode::HalfEven, 1150, 12),
            (RoundingMode::HalfEven, 1051, 11),
            (RoundingMode::Floor, 1099, 10),
            (RoundingMode::TowardZero, 1099, 10),
        ] {
            let mut spec = ProgramSpec::default();
            spec.rules.push(EarningRule::new(
                "p",
                EventType::Purchase,
                Award::PerAmount {
                    points: 1,
                    per: Decimal::ONE,
                },
            ));
            spec.rounding = mode;
            let program = spec.build().unwrap();
            let day = NaiveDate::from_ymd_opt(2024, 5, 1).unwrap();
            let amount = Decimal::new(cents, 2);
            let fast = earn_points_fast(&program, EventType::Purchase, day, amount, 1, None);
            assert_eq!(fast, Some((want, 0)));
            let (_, slow, _) =
                earn_points(&program, EventType::Purchase, day, amount, 1, None, None).unwrap();
            assert_eq!(slow, want);
        }
    }
}

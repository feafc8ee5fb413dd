//! How many points one event earns: rules in priority order, multipliers, per-rule and
//! per-event caps, and one rounding per event.
//!
//! Pure functions of the program and the event; the per-period cap needs the account's
//! history and is applied by [`Account`](super::Account).

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::program::{Award, EventType, Points, Program};
use crate::error::{Error, Result};

/// The points an event earns and how they were reached.
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
/// let program = spec.check()?;
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

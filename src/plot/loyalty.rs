//! Loyalty charts over time, from snapshots of a programme taken at several dates (e.g.
//! [`run_bulk`](crate::loyalty::run_bulk) as of each month end): the tier distribution
//! (stacked shares of members) and the points liability with the breakage rate.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::PlotOptions;
use super::common::{Bars, Chart, Legend, Line, Markers, Rect, count, headroom, number, percent, render};
use crate::error::{Error, Result};
use crate::loyalty::{Breakage, LedgerTotals, liability};
use crate::money;

/// Members per tier at a date ([`BulkRun::tier_counts`](crate::loyalty::BulkRun::tier_counts)).
///
/// # Examples
///
/// ```
/// use chrono::NaiveDate;
/// use customer_value::plot::{PlotOptions, loyalty::{TierSnapshot, tier_distribution}};
///
/// let snap = |m, counts: &[(&str, usize)]| TierSnapshot {
///     date: NaiveDate::from_ymd_opt(2024, m, 1).unwrap(),
///     counts: counts.iter().map(|&(n, c)| (n.to_owned(), c)).collect(),
/// };
/// let o = PlotOptions::default();
/// assert!(tier_distribution(&[snap(1, &[("Base", 90), ("Gold", 10)]), snap(2, &[("Base", 80), ("Gold", 20)])], &o).is_ok());
/// // Every snapshot must list the same tiers, in dates that increase.
/// assert!(tier_distribution(&[snap(1, &[("Base", 90)]), snap(2, &[("Gold", 20)])], &o).is_err());
/// assert!(tier_distribution(&[snap(2, &[("Base", 9)]), snap(1, &[("Base", 8)])], &o).is_err());
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TierSnapshot {
    /// The as-of date.
    pub date: NaiveDate,
    /// (tier name, members), lowest tier first; every snapshot lists the same tiers.
    pub counts: Vec<(String, usize)>,
}

/// A base's point totals at a date ([`BulkRun::totals`](crate::loyalty::BulkRun::totals)).
///
/// # Examples
///
/// ```
/// use chrono::NaiveDate;
/// use customer_value::loyalty::LedgerTotals;
/// use customer_value::plot::{PlotOptions, loyalty::{PointsSnapshot, breakage_over_time}};
///
/// let snap = |m, outstanding, spent, expired| PointsSnapshot {
///     date: NaiveDate::from_ymd_opt(2024, m, 1).unwrap(),
///     totals: LedgerTotals { outstanding, spent, expired, ..Default::default() },
/// };
/// let svg = breakage_over_time(&[snap(1, 1000, 100, 0), snap(2, 1200, 300, 100)], &PlotOptions::default())?;
/// assert!(svg.starts_with("<svg"));
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PointsSnapshot {
    /// The as-of date.
    pub date: NaiveDate,
    /// Totals up to that date.
    pub totals: LedgerTotals,
}

fn check_dates<T>(items: &[T], date: impl Fn(&T) -> NaiveDate, what: &'static str) -> Result<()> {
    if items.is_empty() {
        return Err(Error::EmptyInput { what });
    }
    for (row, pair) in items.windows(2).enumerate() {
        if let [a, b] = pair {
            if date(b) <= date(a) {
                return Err(Error::InvalidRow {
                    row: row as u64 + 1,
                    reason: format!("{what}: dates must increase ({} after {})", date(b), date(a)),
                });
            }
        }
    }
    Ok(())
}

/// Days since `origin` as an x value, and back to a month label.
fn day(origin: NaiveDate, d: NaiveDate) -> f64 {
    (d - origin).num_days() as f64
}

fn date_format(origin: NaiveDate) -> impl Fn(f64) -> String {
    move |v: f64| {
        origin
            .checked_add_signed(chrono::Duration::days(v.round() as i64))
            .map_or_else(String::new, |d| d.format("%Y-%m-%d").to_string())
    }
}

/// The share of members in each tier at each snapshot, as stacked bars (lowest tier at
/// the bottom), with a legend of the tiers.
///
/// # Errors
///
/// [`Error::EmptyInput`] without snapshots or tiers; [`Error::InvalidRow`] for dates that
/// do not increase or snapshots listing different tiers; bad options.
///
/// # Examples
///
/// ```
/// use chrono::NaiveDate;
/// use customer_value::plot::{PlotOptions, loyalty::{TierSnapshot, tier_distribution}};
///
/// let snap = |m, base, gold| TierSnapshot {
///     date: NaiveDate::from_ymd_opt(2024, m, 1).unwrap(),
///     counts: vec![("Base".to_owned(), base), ("Gold".to_owned(), gold)],
/// };
/// let svg = tier_distribution(&[snap(1, 90, 10), snap(2, 80, 20)], &PlotOptions::default())?;
/// assert!(svg.contains("Gold"));
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn tier_distribution(snapshots: &[TierSnapshot], o: &PlotOptions) -> Result<String> {
    check_dates(snapshots, |s| s.date, "tier snapshots")?;
    let names: Vec<&str> = snapshots
        .first()
        .map(|s| s.counts.iter().map(|c| c.0.as_str()).collect())
        .unwrap_or_default();
    if names.is_empty() {
        return Err(Error::EmptyInput { what: "tiers" });
    }
    if let Some((row, _)) = snapshots
        .iter()
        .enumerate()
        .find(|(_, s)| s.counts.iter().map(|c| c.0.as_str()).ne(names.iter().copied()))
    {
        return Err(Error::InvalidRow {
            row: row as u64,
            reason: "every snapshot must list the same tiers in the same order".to_owned(),
        });
    }
    let origin = snapshots.first().map_or(NaiveDate::MIN, |s| s.date);
    let last = snapshots.last().map_or(0.0, |s| day(origin, s.date));
    // Bars ~70 % of the gap between snapshots.
    let gap = if snapshots.len() > 1 {
        last / (snapshots.len() - 1) as f64
    } else {
        30.0
    };
    let half = gap * 0.35;
    let members = snapshots
        .last()
        .map_or(0, |s| s.counts.iter().map(|c| c.1).sum::<usize>());
    let title = o.title_or(&format!(
        "Members by tier over time ({} members at the end)",
        count(members as f64)
    ));
    // Room above the bars (which reach 100 %) for the legend: one row per tier.
    let room = 1.0 + 0.09 * (names.len() as f64 + 1.0);
    let mut chart = Chart::new(title, "Date (as of)", "Share of members")
        .ranges((-gap * 0.6, last + gap * 0.6), (0.0, room))?;
    chart.y_format = Some(Box::new(|v| {
        if v <= 1.0 + 1e-9 {
            percent(v)
        } else {
            String::new()
        }
    }));
    chart.x_format = Some(Box::new(date_format(origin)));
    chart.x_ticks = 6;
    let mut base = vec![0.0_f64; snapshots.len()];
    for (tier, name) in names.iter().enumerate() {
        let colour = o.colour(tier);
        let mut rects = Vec::with_capacity(snapshots.len());
        for (i, s) in snapshots.iter().enumerate() {
            let total = s.counts.iter().map(|c| c.1).sum::<usize>();
            let n = s.counts.get(tier).map_or(0, |c| c.1);
            let share = if total > 0 { n as f64 / total as f64 } else { 0.0 };
            let x = day(origin, s.date);
            if let Some(b) = base.get_mut(i) {
                rects.push(Rect {
                    x: (x - half, x + half),
                    y: (*b, *b + share),
                    colour,
                });
                *b += share;
            }
        }
        chart.bars.push(Bars {
            label: Some((*name).to_owned()),
            colour,
            rects,
        });
    }
    chart.legend = Legend::UpperLeft;
    render(o, chart)
}

/// The points liability over time: outstanding points × point value × expected
/// redemption, the last from the breakage so far (`1 − expired / resolved`; 100 % before
/// any point has resolved), in money.
///
/// # Errors
///
/// [`Error::EmptyInput`] without snapshots; [`Error::InvalidRow`] for dates that do not
/// increase; [`Error::InvalidParameter`] for a negative point value; [`Error::Overflow`];
/// bad options.
///
/// # Examples
///
/// ```
/// use chrono::NaiveDate;
/// use customer_value::loyalty::LedgerTotals;
/// use customer_value::plot::{PlotOptions, loyalty::{PointsSnapshot, points_liability}};
/// use rust_decimal::Decimal;
///
/// let snap = |m, outstanding, spent, expired| PointsSnapshot {
///     date: NaiveDate::from_ymd_opt(2024, m, 1).unwrap(),
///     totals: LedgerTotals { outstanding, spent, expired, ..Default::default() },
/// };
/// let svg = points_liability(&[snap(1, 1000, 0, 0), snap(2, 1500, 200, 50)], Decimal::new(1, 2), &PlotOptions::default())?;
/// assert!(svg.contains("Liability"));
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn points_liability(
    snapshots: &[PointsSnapshot],
    point_value: Decimal,
    o: &PlotOptions,
) -> Result<String> {
    check_dates(snapshots, |s| s.date, "points snapshots")?;
    let origin = snapshots.first().map_or(NaiveDate::MIN, |s| s.date);
    let mut line = Vec::with_capacity(snapshots.len());
    for s in snapshots {
        let expected = Breakage::from_totals(&s.totals)
            .expected_redemption()
            .unwrap_or(Decimal::ONE);
        let l = liability(s.totals.outstanding, point_value, expected)?;
        line.push((day(origin, s.date), money::to_f64(l)));
    }
    let max = line.iter().map(|p| p.1).fold(0.0_f64, f64::max);
    let last = line.last().map_or(1.0, |p| p.0).max(1.0);
    let end = line.last().map_or(0.0, |p| p.1);
    let cur = o.currency.clone();
    let title = o.title_or(&format!(
        "Points liability over time ({cur}{} at the end)",
        number(end.round())
    ));
    let mut chart = Chart::new(
        title,
        "Date (as of)",
        format!(
            "Liability of outstanding points ({})",
            super::segment::currency_name(o)
        ),
    )
    .ranges((0.0, last), (0.0, headroom(max, 1.0)))?;
    chart.y_format = Some(Box::new(move |v| format!("{cur}{}", number(v))));
    chart.x_format = Some(Box::new(date_format(origin)));
    chart.x_ticks = 6;
    chart
        .lines
        .push(Line::new("Liability", line.clone(), o.colour(0)));
    chart.markers.push(Markers {
        label: None,
        points: line,
        colour: o.colour(0),
        dots: true,
    });
    render(o, chart)
}

/// The breakage rate over time: expired / (redeemed + expired) points up to each date;
/// snapshots before any point has resolved have no rate and are not drawn (counted in the
/// title).
///
/// # Errors
///
/// [`Error::EmptyInput`] without snapshots or if no snapshot has resolved points;
/// [`Error::InvalidRow`] for dates that do not increase; bad options.
///
/// # Examples
///
/// ```
/// use chrono::NaiveDate;
/// use customer_value::loyalty::LedgerTotals;
/// use customer_value::plot::{PlotOptions, loyalty::{PointsSnapshot, breakage_over_time}};
///
/// let snap = |m, spent, expired| PointsSnapshot {
///     date: NaiveDate::from_ymd_opt(2024, m, 1).unwrap(),
///     totals: LedgerTotals { spent, expired, ..Default::default() },
/// };
/// let svg = breakage_over_time(&[snap(1, 0, 0), snap(2, 200, 50), snap(3, 300, 100)], &PlotOptions::default())?;
/// assert!(svg.contains("Breakage"));
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn breakage_over_time(snapshots: &[PointsSnapshot], o: &PlotOptions) -> Result<String> {
    check_dates(snapshots, |s| s.date, "points snapshots")?;
    let origin = snapshots.first().map_or(NaiveDate::MIN, |s| s.date);
    let rates: Vec<(f64, f64)> = snapshots
        .iter()
        .filter_map(|s| {
            Breakage::from_totals(&s.totals)
                .rate()
                .map(|r| (day(origin, s.date), money::to_f64(r)))
        })
        .collect();
    if rates.is_empty() {
        return Err(Error::EmptyInput {
            what: "snapshots with resolved points",
        });
    }
    let unresolved = snapshots.len() - rates.len();
    let last = snapshots.last().map_or(1.0, |s| day(origin, s.date)).max(1.0);
    let max = rates.iter().map(|p| p.1).fold(0.0_f64, f64::max);
    let mut title = format!(
        "Breakage: expired share of resolved points ({} at the end)",
        percent(rates.last().map_or(0.0, |r| r.1))
    );
    if unresolved > 0 {
        let dates = if unresolved == 1 { "date" } else { "dates" };
        title.push_str(&format!("; {unresolved} {dates} before any resolved"));
    }
    let mut chart = Chart::new(
        o.title_or(&title),
        "Date (as of)",
        "Breakage rate (% of resolved points)",
    )
    .ranges((0.0, last), (0.0, headroom(max, 0.05).min(1.0)))?;
    chart.y_format = Some(Box::new(percent));
    chart.x_format = Some(Box::new(date_format(origin)));
    chart.x_ticks = 6;
    chart
        .lines
        .push(Line::new("Breakage", rates.clone(), o.colour(1)));
    chart.markers.push(Markers {
        label: None,
        points: rates,
        colour: o.colour(1),
        dots: true,
    });
    render(o, chart)
}

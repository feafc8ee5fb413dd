//! BTYD charts: tracking of repeat purchases over calendar time (cumulative and
//! incremental, with the calibration end marked), calibration vs holdout means (by
//! calibration frequency and by recency), the period-transactions histogram, the
//! frequency/recency and P(alive) heatmaps, one customer's P(alive) history, the
//! heterogeneity densities of a fitted model and the distribution of CLV.
//!
//! Every chart is binned: the matrices have at most [`MAX_CELLS_PER_SIDE`] cells a side
//! and the CLV histogram [`CLV_BINS`] bars, whatever the number of customers.

use serde::{Deserialize, Serialize};

use super::PlotOptions;
use super::common::{
    Bars, Chart, ColourBar, Legend, Line, Markers, Rect, VMark, count, headroom, number, render, viridis,
};
use crate::btyd::{HoldoutEvaluation, TransactionModel};
use crate::error::{Error, Result};
use crate::score::ScoreTable;
use crate::special::{ln_beta, ln_gamma};
use crate::summary::Summaries;
use crate::time::TimeUnit;

/// Most cells per side of the frequency/recency and P(alive) matrices.
///
/// # Examples
///
/// ```
/// use customer_value::{BgNbd, TimeUnit};
/// use customer_value::plot::{PlotOptions, btyd::{MatrixGrid, MAX_CELLS_PER_SIDE, p_alive_matrix}};
///
/// // Frequencies up to 500 still make a matrix of at most 40 × 40 cells.
/// let m = BgNbd::new(0.243, 4.414, 0.793, 2.426)?;
/// let grid = MatrixGrid { max_frequency: 500, age: 39.0, unit: TimeUnit::WEEK };
/// let svg = p_alive_matrix(&m, &grid, &PlotOptions::default())?;
/// assert!(svg.matches("<rect").count() <= MAX_CELLS_PER_SIDE * MAX_CELLS_PER_SIDE + 100);
/// # Ok::<(), customer_value::Error>(())
/// ```
pub const MAX_CELLS_PER_SIDE: usize = 40;
/// Bars of the CLV histogram (log-spaced): a base of a million customers draws these 40
/// bars, not a shape per customer.
///
/// # Examples
///
/// ```
/// assert_eq!(customer_value::plot::btyd::CLV_BINS, 40);
/// ```
pub const CLV_BINS: usize = 40;

/// The name of a unit on an axis: "weeks", "days" or "units of N days".
pub(crate) fn unit_name(unit: TimeUnit) -> String {
    let d = unit.days();
    if (d - 7.0).abs() < 1e-12 {
        "weeks".to_owned()
    } else if (d - 1.0).abs() < 1e-12 {
        "days".to_owned()
    } else {
        format!("units of {} days", number(d))
    }
}

pub use crate::btyd::TrackingPoint;

/// The tracking curve the charts draw: [`btyd::Tracking`](crate::btyd::Tracking), which
/// owns the cumulative points and their per-period
/// [`increments`](crate::btyd::Tracking::increments).
///
/// # Examples
///
/// ```
/// use customer_value::plot::btyd::{TrackingCurve, TrackingPoint};
/// use customer_value::TimeUnit;
///
/// let p = |time, actual, expected| TrackingPoint { time, actual, expected };
/// let curve = TrackingCurve::new(TimeUnit::WEEK, Some(2.0), vec![p(1.0, 3.0, 2.5), p(2.0, 7.0, 6.0), p(3.0, 9.0, 9.5)])?;
/// assert_eq!(curve.increments()[1].actual, 4.0);
/// # Ok::<(), customer_value::Error>(())
/// ```
pub type TrackingCurve = crate::btyd::Tracking;

fn tracking_chart(
    curve: &TrackingCurve,
    o: &PlotOptions,
    title: &str,
    y_label: &str,
    rows: Vec<(f64, f64, f64)>,
    legend: Legend,
) -> Result<String> {
    let xmax = rows.last().map_or(1.0, |r| r.0);
    let ymax = rows.iter().map(|r| r.1.max(r.2)).fold(0.0, f64::max);
    let unit = unit_name(curve.unit);
    let mut chart = Chart::new(
        o.title_or(title),
        format!("Time since the first purchase ({unit})"),
        y_label,
    )
    .ranges((0.0, xmax), (0.0, headroom(ymax, 1.0)))?;
    chart.legend = legend;
    chart.lines.push(Line::new(
        "Actual",
        rows.iter().map(|r| (r.0, r.1)).collect(),
        o.colour(0),
    ));
    let mut model = Line::new("Model", rows.iter().map(|r| (r.0, r.2)).collect(), o.colour(1));
    model.dashed = true;
    chart.lines.push(model);
    if let Some(c) = curve.calibration_end {
        chart.vmarks.push(VMark {
            x: c,
            label: "end of calibration".to_owned(),
        });
    }
    render(o, chart)
}

/// Cumulative repeat purchases of the whole base, actual against the model, with the end
/// of calibration marked (lifetimes' `plot_cumulative_transactions`).
///
/// # Errors
///
/// Bad options ([`Error::InvalidParameter`]).
///
/// # Examples
///
/// ```
/// use customer_value::plot::{PlotOptions, btyd::{TrackingCurve, TrackingPoint, tracking_cumulative}};
/// use customer_value::TimeUnit;
///
/// let points = (1..=20).map(|w| TrackingPoint { time: w as f64, actual: 3.0 * w as f64, expected: 2.9 * w as f64 }).collect();
/// let svg = tracking_cumulative(&TrackingCurve::new(TimeUnit::WEEK, Some(10.0), points)?, &PlotOptions::default())?;
/// assert!(svg.contains("weeks"));
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn tracking_cumulative(curve: &TrackingCurve, o: &PlotOptions) -> Result<String> {
    let rows = curve
        .points
        .iter()
        .map(|p| (p.time, p.actual, p.expected))
        .collect();
    tracking_chart(
        curve,
        o,
        "Cumulative repeat purchases: actual vs model",
        "Cumulative repeat purchases",
        rows,
        Legend::UpperLeft,
    )
}

/// Repeat purchases per step of the curve, actual against the model, with the end of
/// calibration marked (lifetimes' `plot_incremental_transactions`).
///
/// # Errors
///
/// Bad options; [`Error::InvalidRow`] if the cumulative curve decreases.
///
/// # Examples
///
/// ```
/// use customer_value::plot::{PlotOptions, btyd::{TrackingCurve, TrackingPoint, tracking_incremental}};
/// use customer_value::TimeUnit;
///
/// let points = (1..=20).map(|w| TrackingPoint { time: w as f64, actual: 3.0 * w as f64, expected: 2.9 * w as f64 }).collect();
/// let svg = tracking_incremental(&TrackingCurve::new(TimeUnit::WEEK, Some(10.0), points)?, &PlotOptions::default())?;
/// assert!(svg.contains("per step"));
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn tracking_incremental(curve: &TrackingCurve, o: &PlotOptions) -> Result<String> {
    let steps = curve.increments();
    if let Some((row, r)) = steps
        .iter()
        .enumerate()
        .find(|(_, r)| r.actual < 0.0 || r.expected < -1e-9)
    {
        return Err(Error::InvalidRow {
            row: row as u64,
            reason: format!("the cumulative curve decreases at time {}", r.time),
        });
    }
    let rows: Vec<(f64, f64, f64)> = steps.iter().map(|s| (s.time, s.actual, s.expected)).collect();
    let step = match (curve.points.first(), curve.points.get(1)) {
        (Some(a), Some(b)) => b.time - a.time,
        (Some(a), None) => a.time,
        _ => 1.0,
    };
    let unit = unit_name(curve.unit);
    tracking_chart(
        curve,
        o,
        "Repeat purchases per step: actual vs model",
        &format!("Repeat purchases per step ({} {unit})", number(step)),
        rows,
        Legend::UpperRight,
    )
}

/// Mean holdout purchases by calibration frequency, actual against the model (Fader,
/// Hardie & Lee 2005, Figure 4; lifetimes' `plot_calibration_purchases_vs_holdout_purchases`).
///
/// # Errors
///
/// [`Error::EmptyInput`] without bins; bad options.
///
/// # Examples
///
/// ```
/// use customer_value::btyd::HoldoutEvaluation;
/// use customer_value::plot::{PlotOptions, btyd::calibration_vs_holdout};
///
/// let eval = HoldoutEvaluation::new(&[0.0, 1.0, 9.0], &[0.2, 0.6, 5.0], &[0.0, 1.0, 6.0], 7)?;
/// let svg = calibration_vs_holdout(&eval, &PlotOptions::default())?;
/// assert!(svg.contains("7+"));
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn calibration_vs_holdout(eval: &HoldoutEvaluation, o: &PlotOptions) -> Result<String> {
    let bins: Vec<_> = eval.by_frequency.iter().filter(|b| b.customers > 0).collect();
    if bins.is_empty() {
        return Err(Error::EmptyInput {
            what: "holdout frequency bins",
        });
    }
    let names: Vec<String> = eval
        .by_frequency
        .iter()
        .map(|b| {
            if b.open_ended {
                format!("{}+", b.frequency)
            } else {
                b.frequency.to_string()
            }
        })
        .collect();
    let rows: Vec<(f64, f64, f64)> = bins
        .iter()
        .map(|b| (f64::from(b.frequency), b.mean_actual, b.mean_predicted))
        .collect();
    let n = eval.by_frequency.len();
    let title = o.title_or(&format!(
        "Holdout purchases by calibration frequency ({} customers)",
        count(eval.customers as f64)
    ));
    means_chart(
        o,
        title,
        "Repeat purchases in calibration",
        rows,
        (-0.3, n as f64 - 0.7),
        n,
        move |v| super::common::category(&names, v),
    )
}

fn means_chart(
    o: &PlotOptions,
    title: String,
    x_label: &str,
    rows: Vec<(f64, f64, f64)>,
    x_range: (f64, f64),
    x_ticks: usize,
    format: impl Fn(f64) -> String + 'static,
) -> Result<String> {
    if let Some(r) = rows.iter().find(|r| !(r.1.is_finite() && r.2.is_finite())) {
        return Err(Error::Undefined {
            what: "holdout chart",
            reason: format!("a mean at {} is not finite", r.0),
        });
    }
    let ymax = rows.iter().map(|r| r.1.max(r.2)).fold(0.0, f64::max);
    let mut chart = Chart::new(title, x_label, "Mean purchases in the holdout period")
        .ranges(x_range, (0.0, headroom(ymax, 0.5)))?;
    chart.x_ticks = x_ticks;
    chart.x_format = Some(Box::new(format));
    let actual: Vec<(f64, f64)> = rows.iter().map(|r| (r.0, r.1)).collect();
    let model: Vec<(f64, f64)> = rows.iter().map(|r| (r.0, r.2)).collect();
    chart.lines.push(Line::new("Actual", actual.clone(), o.colour(0)));
    let mut m = Line::new("Model", model.clone(), o.colour(1));
    m.dashed = true;
    chart.lines.push(m);
    chart.markers.push(Markers {
        label: None,
        points: actual,
        colour: o.colour(0),
        dots: true,
    });
    chart.markers.push(Markers {
        label: None,
        points: model,
        colour: o.colour(1),
        dots: true,
    });
    render(o, chart)
}

/// Mean holdout purchases by calibration recency (the time of the last calibration
/// purchase, in `bins` equal-width bins), actual against the model, from a value table
/// scored with holdout periods. Customers without a holdout expectation are left out and
/// counted in the title.
///
/// # Errors
///
/// [`Error::EmptyInput`] if no customer has a holdout; [`Error::InvalidParameter`] for
/// `bins` outside 2..=50; bad options.
///
/// # Examples
///
/// ```
/// use customer_value::plot::{PlotOptions, btyd::calibration_vs_holdout_by_recency};
/// use chrono::NaiveDate;
/// use customer_value::score::{ScoreSpec, score};
/// use customer_value::{BgNbd, DiscountRate, GammaGamma, SummarySpec, TimeUnit, Transaction, summarise};
/// use rust_decimal::Decimal;
///
/// let d = |m, day| NaiveDate::from_ymd_opt(1997, m, day).unwrap();
/// let log = [
///     Transaction::new(1_u32, d(1, 1), Decimal::from(29)),
///     Transaction::new(1, d(3, 2), Decimal::from(15)),
///     Transaction::new(1, d(11, 2), Decimal::from(20)),
///     Transaction::new(2, d(1, 5), Decimal::from(40)),
///     Transaction::new(2, d(8, 20), Decimal::from(35)),
///     Transaction::new(3, d(2, 9), Decimal::from(12)),
/// ];
/// let spec = SummarySpec::new(d(12, 31)).with_unit(TimeUnit::WEEK).with_calibration_end(d(9, 30));
/// let summaries = summarise(spec, &log)?;
/// let model = BgNbd::new(0.243, 4.414, 0.793, 2.426)?.with_unit(TimeUnit::WEEK);
/// let spend = GammaGamma::new(6.25, 3.74, 15.44)?;
/// let year = TimeUnit::from_days(365.0)?;
/// let value = ScoreSpec::new(TimeUnit::WEEK, 52.0, DiscountRate::new(0.1, year)?)?;
/// let table = score(&summaries, &model, Some(&spend), &value)?;
/// let svg = calibration_vs_holdout_by_recency(&table, 4, &PlotOptions::default())?;
/// assert!(svg.contains("recency"));
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn calibration_vs_holdout_by_recency<K>(
    table: &ScoreTable<K>,
    bins: usize,
    o: &PlotOptions,
) -> Result<String> {
    if !(2..=50).contains(&bins) {
        return Err(Error::param("bins", bins, "must be in 2..=50"));
    }
    let rows: Vec<(f64, f64, f64)> = table
        .rows
        .iter()
        .filter_map(|r| {
            Some((
                r.recency,
                f64::from(r.holdout_purchases?),
                r.expected_holdout_purchases?,
            ))
        })
        .filter(|r| r.0.is_finite() && r.2.is_finite())
        .collect();
    if rows.is_empty() {
        return Err(Error::EmptyInput {
            what: "customers with a holdout",
        });
    }
    let left_out = table.rows.len() - rows.len();
    let max = rows.iter().map(|r| r.0).fold(0.0, f64::max).max(1e-9);
    let width = max / bins as f64;
    let mut sums = vec![(0.0_f64, 0.0_f64, 0_usize); bins];
    for r in &rows {
        let i = ((r.0 / width) as usize).min(bins - 1);
        if let Some(s) = sums.get_mut(i) {
            s.0 += r.1;
            s.1 += r.2;
            s.2 += 1;
        }
    }
    let means: Vec<(f64, f64, f64)> = sums
        .iter()
        .enumerate()
        .filter(|(_, s)| s.2 > 0)
        .map(|(i, s)| ((i as f64 + 0.5) * width, s.0 / s.2 as f64, s.1 / s.2 as f64))
        .collect();
    let unit = unit_name(table.unit);
    let title = o.title_or(&if left_out > 0 {
        format!(
            "Holdout purchases by recency ({} customers; {} without holdout left out)",
            count(rows.len() as f64),
            count(left_out as f64)
        )
    } else {
        format!(
            "Holdout purchases by calibration recency ({} customers)",
            count(rows.len() as f64)
        )
    });
    means_chart(
        o,
        title,
        &format!("Time of the last calibration purchase ({unit} after the first)"),
        means,
        (0.0, max),
        10,
        number,
    )
}

/// BG/NBD's P(X(t) = x) for a new customer (Fader, Hardie & Lee 2005, eq. 8).
fn bgnbd_pmf(r: f64, alpha: f64, a: f64, b: f64, t: f64, x: u32) -> f64 {
    let xf = f64::from(x);
    let ln_p0 = r * (alpha / (alpha + t)).ln();
    let ln_q = (t / (alpha + t)).ln();
    let nb = |j: f64| {
        ln_gamma(r + j) - ln_gamma(r) - ln_gamma(j + 1.0) + ln_p0 + if j > 0.0 { j * ln_q } else { 0.0 }
    };
    let first = (ln_beta(a, b + xf) - ln_beta(a, b) + nb(xf)).exp();
    if x == 0 {
        return first;
    }
    let cdf: f64 = (0..x).map(|j| nb(f64::from(j)).exp()).sum();
    first + (ln_beta(a + 1.0, b + xf - 1.0) - ln_beta(a, b)).exp() * (1.0 - cdf).max(0.0)
}

/// Customers by number of repeat purchases in calibration, actual against what the model
/// expects for customers of the same ages (`Σᵢ P(X(Tᵢ) = x)`), the last bar pooling
/// `top` or more (lifetimes' `plot_period_transactions`, with the model's exact
/// probabilities in place of a simulation). BG/NBD only: the other models have no closed
/// form here.
///
/// # Errors
///
/// [`Error::Undefined`] for a model other than BG/NBD; [`Error::EmptyInput`] without
/// customers; [`Error::InvalidParameter`] for `top` outside 1..=50; bad options.
///
/// # Examples
///
/// ```
/// use customer_value::plot::{PlotOptions, btyd::period_transactions};
/// use chrono::NaiveDate;
/// use customer_value::{BgNbd, SummarySpec, TimeUnit, Transaction, summarise};
/// use rust_decimal::Decimal;
///
/// let d = |m, day| NaiveDate::from_ymd_opt(1997, m, day).unwrap();
/// let log = [
///     Transaction::new(1_u32, d(1, 1), Decimal::from(29)),
///     Transaction::new(1, d(3, 2), Decimal::from(15)),
///     Transaction::new(1, d(11, 2), Decimal::from(20)),
///     Transaction::new(2, d(1, 5), Decimal::from(40)),
///     Transaction::new(2, d(8, 20), Decimal::from(35)),
///     Transaction::new(3, d(2, 9), Decimal::from(12)),
/// ];
/// let spec = SummarySpec::new(d(12, 31)).with_unit(TimeUnit::WEEK).with_calibration_end(d(9, 30));
/// let summaries = summarise(spec, &log)?;
/// let model = BgNbd::new(0.243, 4.414, 0.793, 2.426)?.with_unit(TimeUnit::WEEK);
/// let svg = period_transactions(&summaries, &model, 7, &PlotOptions::default())?;
/// assert!(svg.contains("7+"));
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn period_transactions<K>(
    summaries: &Summaries<K>,
    model: &dyn TransactionModel,
    top: u32,
    o: &PlotOptions,
) -> Result<String> {
    if !(1..=50).contains(&top) {
        return Err(Error::param("top", top, "must be in 1..=50"));
    }
    if model.name() != "bgnbd" {
        return Err(Error::Undefined {
            what: "period transactions chart",
            reason: format!("needs a BG/NBD model, not {}", model.name()),
        });
    }
    let p = |n: &str| model.parameters().iter().find(|(k, _)| *k == n).map(|(_, v)| *v);
    let (Some(r), Some(alpha), Some(a), Some(b)) = (p("r"), p("alpha"), p("a"), p("b")) else {
        return Err(Error::Undefined {
            what: "period transactions chart",
            reason: "the model has no parameters r, alpha, a, b".to_owned(),
        });
    };
    if summaries.customers.is_empty() {
        return Err(Error::EmptyInput { what: "customers" });
    }
    let bins = top as usize + 1;
    let mut actual = vec![0.0_f64; bins];
    for c in &summaries.customers {
        if let Some(slot) = actual.get_mut((c.frequency.min(top)) as usize) {
            *slot += 1.0;
        }
    }
    // Customers of one age share their probabilities: evaluate each distinct age once.
    let mut ages: Vec<f64> = summaries.customers.iter().map(|c| c.age).collect();
    ages.sort_unstable_by(f64::total_cmp);
    let mut expected = vec![0.0_f64; bins];
    let mut i = 0;
    while let Some(&t) = ages.get(i) {
        let same = ages.get(i..).map_or(0, |rest| {
            rest.iter().take_while(|v| v.to_bits() == t.to_bits()).count()
        });
        let mut below = 0.0;
        for x in 0..top {
            let px = bgnbd_pmf(r, alpha, a, b, t, x);
            below += px;
            if let Some(slot) = expected.get_mut(x as usize) {
                *slot += same as f64 * px;
            }
        }
        if let Some(slot) = expected.get_mut(top as usize) {
            *slot += same as f64 * (1.0 - below).max(0.0);
        }
        i += same.max(1);
    }
    if expected.iter().any(|v| !v.is_finite()) {
        return Err(Error::Undefined {
            what: "period transactions chart",
            reason: "the model's probabilities are not finite".to_owned(),
        });
    }
    let names: Vec<String> = (0..=top)
        .map(|x| if x == top { format!("{x}+") } else { x.to_string() })
        .collect();
    let ymax = actual.iter().chain(&expected).fold(0.0_f64, |m, v| m.max(*v));
    let title = o.title_or(&format!(
        "Repeat purchases in calibration: {} customers vs model",
        count(summaries.customers.len() as f64)
    ));
    let mut chart = Chart::new(title, "Repeat purchases in calibration", "Customers")
        .ranges((-0.6, top as f64 + 0.6), (0.0, headroom(ymax, 1.0)))?;
    chart.x_ticks = bins;
    chart.x_format = Some(Box::new(move |v| super::common::category(&names, v)));
    chart.legend = Legend::UpperRight;
    for (k, (label, values)) in [("Actual", &actual), ("Model", &expected)]
        .into_iter()
        .enumerate()
    {
        let colour = o.colour(k);
        let offset = if k == 0 { -0.4 } else { 0.0 };
        chart.bars.push(Bars {
            label: Some(label.to_owned()),
            colour,
            rects: values
                .iter()
                .enumerate()
                .map(|(x, v)| Rect {
                    x: (x as f64 + offset, x as f64 + offset + 0.4),
                    y: (0.0, *v),
                    colour,
                })
                .collect(),
        });
    }
    render(o, chart)
}

/// A cell's lower and upper edge on one axis.
type Edges = (f64, f64);

/// The grid of the frequency/recency and P(alive) matrices: frequencies `0..=max_frequency`
/// and recencies `0..=age` of a customer observed for `age` units.
///
/// # Examples
///
/// ```
/// use customer_value::TimeUnit;
/// use customer_value::plot::btyd::MatrixGrid;
///
/// // Plain data: a grid of one's own, or one spanning a base (`from_summaries`).
/// let grid = MatrixGrid { max_frequency: 20, age: 39.0, unit: TimeUnit::WEEK };
/// let json = serde_json::to_string(&grid).unwrap();
/// assert_eq!(serde_json::from_str::<MatrixGrid>(&json).unwrap(), grid);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MatrixGrid {
    /// The largest calibration frequency shown.
    pub max_frequency: u32,
    /// The age (`T`) of the customer the matrix is for; recency runs from 0 to it.
    pub age: f64,
    /// Unit of `age`.
    pub unit: TimeUnit,
}

impl MatrixGrid {
    /// The grid spanning the customers of `summaries`: their largest frequency and age
    /// (lifetimes' default). One pass over the customers; nothing per customer is kept.
    ///
    /// # Errors
    ///
    /// [`Error::EmptyInput`] without customers; [`Error::Undefined`] if the largest age
    /// is not positive and finite.
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use customer_value::plot::btyd::MatrixGrid;
    /// use customer_value::{summarise, SummarySpec, TimeUnit, Transaction};
    /// use rust_decimal::Decimal;
    ///
    /// let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
    /// let log = [
    ///     Transaction::new(1_u32, d(1, 1), Decimal::ONE),
    ///     Transaction::new(1, d(1, 8), Decimal::ONE),
    ///     Transaction::new(1, d(1, 15), Decimal::ONE),
    ///     Transaction::new(2, d(2, 5), Decimal::ONE),
    /// ];
    /// let s = summarise(SummarySpec::new(d(3, 25)).with_unit(TimeUnit::WEEK), &log)?;
    /// let grid = MatrixGrid::from_summaries(&s)?;
    /// // The largest frequency (customer 1: two repeats) and the largest age (12 weeks).
    /// assert_eq!((grid.max_frequency, grid.age, grid.unit), (2, 12.0, TimeUnit::WEEK));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn from_summaries<K>(summaries: &Summaries<K>) -> Result<Self> {
        if summaries.customers.is_empty() {
            return Err(Error::EmptyInput { what: "customers" });
        }
        let max_frequency = summaries.customers.iter().map(|c| c.frequency).max().unwrap_or(0);
        let age = summaries.customers.iter().map(|c| c.age).fold(0.0, f64::max);
        if !(age.is_finite() && age > 0.0) {
            return Err(Error::Undefined {
                what: "matrix grid",
                reason: format!("the largest age {age} is not positive"),
            });
        }
        Ok(MatrixGrid {
            max_frequency,
            age,
            unit: summaries.spec.unit,
        })
    }

    /// Cell edges: (frequency bins, recency bins), at most [`MAX_CELLS_PER_SIDE`] each.
    fn cells(&self) -> (Vec<Edges>, Vec<Edges>) {
        let nf = (self.max_frequency as usize + 1).min(MAX_CELLS_PER_SIDE);
        let fw = (f64::from(self.max_frequency) + 1.0) / nf as f64;
        let f = (0..nf)
            .map(|i| (i as f64 * fw - 0.5, (i + 1) as f64 * fw - 0.5))
            .collect();
        let nr = MAX_CELLS_PER_SIDE;
        let rw = self.age / nr as f64;
        let r = (0..nr).map(|i| (i as f64 * rw, (i + 1) as f64 * rw)).collect();
        (f, r)
    }
}

fn matrix_chart(
    grid: &MatrixGrid,
    o: &PlotOptions,
    title: String,
    bar_label: &str,
    value: impl Fn(f64, f64) -> Result<f64>,
    fixed: Option<(f64, f64)>,
) -> Result<String> {
    if !(grid.age.is_finite() && grid.age > 0.0) {
        return Err(Error::param("age", grid.age, "must be positive and finite"));
    }
    let (fbins, rbins) = grid.cells();
    let mut values = Vec::with_capacity(fbins.len() * rbins.len());
    for &(f0, f1) in &fbins {
        // The cell's value at its middle frequency (an integer when cells are single).
        let f = ((f0 + f1) / 2.0).round().max(0.0);
        for &(r0, r1) in &rbins {
            // A repeat customer's last purchase is after the first: recency > 0.
            let r = (r0 + r1) / 2.0;
            let v = if f > 0.0 || r0 <= 0.0 {
                Some(value(f, if f > 0.0 { r } else { 0.0 })?)
            } else {
                None
            };
            if let Some(v) = v {
                if !v.is_finite() {
                    return Err(Error::Undefined {
                        what: "matrix chart",
                        reason: format!("the value at frequency {f}, recency {r} is {v}"),
                    });
                }
            }
            values.push(((f0, f1), (r0, r1), v));
        }
    }
    let present = values.iter().filter_map(|c| c.2);
    let (lo, hi) = fixed.unwrap_or_else(|| {
        present.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        })
    });
    let (lo, hi) = if hi > lo { (lo, hi) } else { (lo, lo + 1.0) };
    let unit = unit_name(grid.unit);
    let fmax = fbins.last().map_or(0.5, |b| b.1);
    let mut chart = Chart::new(
        title,
        format!("Recency: time of the last purchase ({unit} after the first)"),
        "Repeat purchases (frequency)",
    )
    .ranges((0.0, grid.age), (-0.5, fmax))?;
    chart.no_grid = true;
    chart.cells = values
        .into_iter()
        .filter_map(|(f, r, v)| {
            v.map(|v| Rect {
                x: r,
                y: f,
                colour: viridis((v - lo) / (hi - lo)),
            })
        })
        .collect();
    chart.colour_bar = Some(ColourBar {
        min: lo,
        max: hi,
        label: bar_label.to_owned(),
    });
    render(o, chart)
}

/// Expected purchases in the next `horizon` units of a customer of age `grid.age`, by
/// frequency and recency, as a heatmap with a colour bar (lifetimes'
/// `plot_frequency_recency_matrix`). At most 40 × 40 cells.
///
/// # Errors
///
/// [`Error::InvalidParameter`] for a non-positive horizon or age; the model's errors;
/// bad options.
///
/// # Examples
///
/// ```
/// use customer_value::{BgNbd, TimeUnit};
/// use customer_value::plot::{PlotOptions, btyd::{MatrixGrid, frequency_recency_matrix}};
///
/// let m = BgNbd::new(0.243, 4.414, 0.793, 2.426)?;
/// let grid = MatrixGrid { max_frequency: 20, age: 39.0, unit: TimeUnit::WEEK };
/// let svg = frequency_recency_matrix(&m, &grid, 52.0, &PlotOptions::default())?;
/// assert!(svg.contains("Expected purchases"));
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn frequency_recency_matrix(
    model: &dyn TransactionModel,
    grid: &MatrixGrid,
    horizon: f64,
    o: &PlotOptions,
) -> Result<String> {
    if !(horizon.is_finite() && horizon > 0.0) {
        return Err(Error::param("horizon", horizon, "must be positive and finite"));
    }
    let unit = unit_name(grid.unit);
    let title = o.title_or(&format!(
        "Expected purchases in the next {} {unit} (customer of age {} {unit})",
        number(horizon),
        number(grid.age)
    ));
    matrix_chart(
        grid,
        o,
        title,
        "Expected purchases",
        |f, r| model.expected_purchases(horizon, f, r, grid.age),
        None,
    )
}

/// P(alive) of a customer of age `grid.age` by frequency and recency, as a heatmap with a
/// colour bar from 0 to 1 (lifetimes' `plot_probability_alive_matrix`). At most 40 × 40
/// cells, whatever the number of customers.
///
/// # Errors
///
/// [`Error::InvalidParameter`] for a non-positive age; the model's errors; bad options.
///
/// # Examples
///
/// ```
/// use customer_value::{BgNbd, TimeUnit};
/// use customer_value::plot::{PlotOptions, btyd::{MatrixGrid, p_alive_matrix}};
///
/// let m = BgNbd::new(0.243, 4.414, 0.793, 2.426)?;
/// let grid = MatrixGrid { max_frequency: 20, age: 39.0, unit: TimeUnit::WEEK };
/// let svg = p_alive_matrix(&m, &grid, &PlotOptions::default())?;
/// assert!(svg.contains("P(alive)"));
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn p_alive_matrix(model: &dyn TransactionModel, grid: &MatrixGrid, o: &PlotOptions) -> Result<String> {
    let title = o.title_or(&format!(
        "Probability that a customer of age {} {} is alive",
        number(grid.age),
        unit_name(grid.unit)
    ));
    matrix_chart(
        grid,
        o,
        title,
        "P(alive)",
        |f, r| model.probability_alive(f, r, grid.age),
        Some((0.0, 1.0)),
    )
}

/// One customer's P(alive) over time since their first purchase, evaluated each `step`
/// units up to `age` from the purchases made so far, with the repeat purchases marked
/// (lifetimes' `plot_history_alive`). `purchases` are the times of the repeat purchases
/// (after the first, at time 0), in the model's unit.
///
/// # Errors
///
/// [`Error::InvalidParameter`] for a non-positive `age` or `step`, more than 10,000
/// steps, or a purchase time outside `(0, age]`; the model's errors; bad options.
///
/// # Examples
///
/// ```
/// use customer_value::{BgNbd, TimeUnit};
/// use customer_value::plot::{PlotOptions, btyd::p_alive_history};
///
/// let m = BgNbd::new(0.243, 4.414, 0.793, 2.426)?;
/// let svg = p_alive_history(&m, TimeUnit::WEEK, &[2.0, 5.0, 9.0], 40.0, 0.5, &PlotOptions::default())?;
/// assert!(svg.contains("P(alive)"));
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn p_alive_history(
    model: &dyn TransactionModel,
    unit: TimeUnit,
    purchases: &[f64],
    age: f64,
    step: f64,
    o: &PlotOptions,
) -> Result<String> {
    history_chart(
        model,
        purchases,
        age,
        step,
        o,
        format!("Time since the first purchase ({})", unit_name(unit)),
        None,
    )
}

/// [`p_alive_history`] over calendar time: the customer's first purchase, repeat
/// purchase dates and the observation end as dates, the x axis labelled with dates
/// (lifetimes' `plot_history_alive` draws it over calendar dates too). P(alive) is
/// evaluated at 400 steps from the first purchase to `observation_end` and at every
/// purchase.
///
/// # Errors
///
/// [`Error::InvalidParameter`] if `observation_end` is not after `first_purchase` or a
/// repeat purchase is not in `(first_purchase, observation_end]`; the model's errors;
/// bad options.
///
/// # Examples
///
/// ```
/// use chrono::NaiveDate;
/// use customer_value::{BgNbd, TimeUnit};
/// use customer_value::plot::{PlotOptions, btyd::p_alive_history_on_calendar};
///
/// let d = |m, day| NaiveDate::from_ymd_opt(1997, m, day).unwrap();
/// let m = BgNbd::new(0.243, 4.414, 0.793, 2.426)?;
/// let svg = p_alive_history_on_calendar(
///     &m, TimeUnit::WEEK, d(1, 4), &[d(2, 1), d(5, 17)], d(9, 30), &PlotOptions::default(),
/// )?;
/// assert!(svg.contains("1997-05"));
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn p_alive_history_on_calendar(
    model: &dyn TransactionModel,
    unit: TimeUnit,
    first_purchase: chrono::NaiveDate,
    repeat_purchases: &[chrono::NaiveDate],
    observation_end: chrono::NaiveDate,
    o: &PlotOptions,
) -> Result<String> {
    let days = unit.days();
    let age = (observation_end - first_purchase).num_days() as f64 / days;
    if !(age.is_finite() && age > 0.0) {
        return Err(Error::param(
            "observation_end",
            observation_end,
            "must be after the first purchase",
        ));
    }
    if let Some(bad) = repeat_purchases
        .iter()
        .find(|d| **d <= first_purchase || **d > observation_end)
    {
        return Err(Error::param(
            "repeat_purchases",
            bad,
            "a repeat purchase must be after the first purchase, at most the observation end",
        ));
    }
    let times: Vec<f64> = repeat_purchases
        .iter()
        .map(|d| (*d - first_purchase).num_days() as f64 / days)
        .collect();
    let format = move |v: f64| {
        first_purchase
            .checked_add_signed(chrono::Duration::days((v * days).round() as i64))
            .map_or_else(String::new, |d| d.format("%Y-%m-%d").to_string())
    };
    history_chart(
        model,
        &times,
        age,
        age / 400.0,
        o,
        "Date".to_owned(),
        Some(Box::new(format)),
    )
}

fn history_chart(
    model: &dyn TransactionModel,
    purchases: &[f64],
    age: f64,
    step: f64,
    o: &PlotOptions,
    x_label: String,
    x_format: Option<super::common::Format>,
) -> Result<String> {
    if !(age.is_finite() && age > 0.0) {
        return Err(Error::param("age", age, "must be positive and finite"));
    }
    if !(step.is_finite() && step > 0.0) || age / step > 10_000.0 {
        return Err(Error::param(
            "step",
            step,
            "must be positive, at most 10,000 steps to the age",
        ));
    }
    if let Some(t) = purchases
        .iter()
        .find(|t| !(t.is_finite() && **t > 0.0 && **t <= age))
    {
        return Err(Error::param(
            "purchases",
            t,
            "a purchase time must be in (0, age]",
        ));
    }
    let mut sorted = purchases.to_vec();
    sorted.sort_unstable_by(f64::total_cmp);
    let mut times: Vec<f64> = (0..)
        .map(|k| f64::from(k) * step)
        .take_while(|t| *t <= age + 1e-9)
        .collect();
    times.extend(sorted.iter().copied());
    times.sort_unstable_by(f64::total_cmp);
    times.dedup_by(|a, b| (*a - *b).abs() < 1e-12);
    let mut curve = Vec::with_capacity(times.len() + sorted.len());
    let alive = |x: usize, tx: f64, t: f64| -> Result<f64> {
        if t <= 0.0 {
            Ok(1.0)
        } else {
            model.probability_alive(x as f64, tx, t)
        }
    };
    for &t in &times {
        let made = sorted.iter().filter(|p| **p <= t).count();
        let tx = made
            .checked_sub(1)
            .and_then(|i| sorted.get(i))
            .copied()
            .unwrap_or(0.0);
        // A purchase is a jump: the curve reaches the purchase time in the state before
        // it, then goes straight up (or down) to the state after it.
        if sorted.iter().any(|p| (p - t).abs() < 1e-12) && made > 0 {
            let before = made - 1;
            let tx_before = before
                .checked_sub(1)
                .and_then(|i| sorted.get(i))
                .copied()
                .unwrap_or(0.0);
            curve.push((t, alive(before, tx_before, t)?));
        }
        curve.push((t, alive(made, tx, t)?));
    }
    // Each dot on the state after its purchase (the last point at that time).
    let dots: Vec<(f64, f64)> = sorted
        .iter()
        .filter_map(|p| curve.iter().rev().find(|c| (c.0 - p).abs() < 1e-12).copied())
        .collect();
    let title = o.title_or(&format!(
        "P(alive) history of a customer with {} repeat purchases",
        sorted.len()
    ));
    let mut chart = Chart::new(title, x_label, "P(alive)").ranges((0.0, age), (0.0, 1.05))?;
    chart.legend = Legend::LowerLeft;
    if x_format.is_some() {
        chart.x_format = x_format;
        chart.x_ticks = 6;
    }
    chart.lines.push(Line::new("P(alive)", curve, o.colour(0)));
    chart.markers.push(Markers {
        label: Some("Purchase".to_owned()),
        points: dots,
        colour: o.colour(1),
        dots: true,
    });
    render(o, chart)
}

/// A density curve on `(0, upper]`, 300 points.
fn density(upper: f64, f: impl Fn(f64) -> f64) -> Vec<(f64, f64)> {
    (1..=300)
        .map(|k| {
            let x = upper * f64::from(k) / 300.0;
            (x, f(x))
        })
        .filter(|p| p.1.is_finite())
        .collect()
}

fn gamma_density(shape: f64, rate: f64) -> impl Fn(f64) -> f64 {
    move |x: f64| (shape * rate.ln() + (shape - 1.0) * x.ln() - rate * x - ln_gamma(shape)).exp()
}

/// An upper end showing the bulk of a gamma(shape, rate): mean + 4 sd.
fn gamma_upper(shape: f64, rate: f64) -> f64 {
    (shape + 4.0 * shape.sqrt()) / rate
}

fn param(model: &dyn TransactionModel, name: &str) -> Result<f64> {
    model
        .parameters()
        .iter()
        .find(|(k, _)| *k == name)
        .map(|(_, v)| *v)
        .ok_or_else(|| Error::Undefined {
            what: "heterogeneity chart",
            reason: format!("{} has no parameter {name}", model.name()),
        })
}

fn density_chart(
    o: &PlotOptions,
    title: String,
    x_label: String,
    mean: f64,
    f: &dyn Fn(f64) -> f64,
    upper: f64,
    label: &str,
) -> Result<String> {
    let curve = density(upper, f);
    if curve.is_empty() {
        return Err(Error::Undefined {
            what: "heterogeneity chart",
            reason: "the density is not finite anywhere".to_owned(),
        });
    }
    let xmax = curve.last().map_or(1.0, |p| p.0);
    // A density with a pole at 0 (shape < 1): the axis stops at the 4th-highest sample
    // × 1.26, and the curve leaves through the top of the plot where it crosses it (not
    // run flat along it, which would draw a plateau the density does not have).
    let mut ys: Vec<f64> = curve.iter().map(|p| p.1).collect();
    ys.sort_unstable_by(f64::total_cmp);
    let cap = headroom(ys.iter().rev().nth(3).copied().unwrap_or(1.0) * 1.2, 1e-300);
    let mut clipped: Vec<(f64, f64)> = Vec::with_capacity(curve.len() + 2);
    // Falling at the left edge: the pole is left of the first sample; find where the
    // density crosses the top (bisection on (0, first sample)).
    if let (Some(&(x0, y0)), Some(&(_, y1))) = (curve.first(), curve.get(1)) {
        if y0 > y1 && y0 < cap {
            let (mut lo, mut hi) = (0.0_f64, x0);
            for _ in 0..80 {
                let mid = 0.5 * (lo + hi);
                let v = f(mid);
                if v.is_finite() && v < cap {
                    hi = mid;
                } else {
                    lo = mid;
                }
            }
            // lo = 0: no crossing (a finite density at 0): start at the first sample.
            if lo > 0.0 {
                clipped.push((hi, cap));
            }
        }
    }
    let mut prev: Option<(f64, f64)> = None;
    for (x, y) in curve {
        if let Some((px, py)) = prev {
            if (py > cap) != (y > cap) {
                // The crossing of the cap between the two samples.
                let t = (cap - py) / (y - py);
                clipped.push((px + t * (x - px), cap));
            }
        }
        if y <= cap {
            clipped.push((x, y));
        }
        prev = Some((x, y));
    }
    let curve = clipped;
    let mut chart = Chart::new(title, x_label, "Density").ranges((0.0, xmax), (0.0, cap))?;
    chart.legend = Legend::UpperRight;
    chart.lines.push(Line::new(label, curve, o.colour(0)));
    chart.vmarks.push(VMark {
        x: mean,
        label: format!("mean {}", number(mean)),
    });
    render(o, chart)
}

/// The heterogeneity of the transaction rate λ across customers: the gamma(r, α) density
/// of a BG/NBD, MBG/NBD or Pareto/NBD, with its mean marked.
///
/// # Errors
///
/// [`Error::Undefined`] for a model without `r` and `alpha`; bad options.
///
/// # Examples
///
/// ```
/// use customer_value::{BgNbd, TimeUnit};
/// use customer_value::plot::{PlotOptions, btyd::transaction_rate_density};
///
/// let m = BgNbd::new(0.243, 4.414, 0.793, 2.426)?.with_unit(TimeUnit::WEEK);
/// let svg = transaction_rate_density(&m, &PlotOptions::default())?;
/// assert!(svg.contains("per week"));
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn transaction_rate_density(model: &dyn TransactionModel, o: &PlotOptions) -> Result<String> {
    let (r, alpha) = (param(model, "r")?, param(model, "alpha")?);
    let per = per_unit(model);
    density_chart(
        o,
        o.title_or(&format!(
            "Transaction rate across customers: gamma(r = {}, α = {})",
            number(r),
            number(alpha)
        )),
        format!("Transaction rate λ (purchases per {per})"),
        r / alpha,
        &gamma_density(r, alpha),
        gamma_upper(r, alpha),
        "Density of λ",
    )
}

fn per_unit(model: &dyn TransactionModel) -> String {
    match model.unit() {
        Some(u) => {
            let name = unit_name(u);
            name.strip_suffix('s').map_or(name.clone(), str::to_owned)
        }
        None => "unit of time".to_owned(),
    }
}

/// The heterogeneity of dropout: the beta(a, b) density of the probability of leaving
/// after a purchase (BG/NBD, MBG/NBD) or the gamma(s, β) density of the dropout rate μ
/// (Pareto/NBD), with its mean marked.
///
/// # Errors
///
/// [`Error::Undefined`] for another model; bad options.
///
/// # Examples
///
/// ```
/// use customer_value::BgNbd;
/// use customer_value::plot::{PlotOptions, btyd::dropout_density};
///
/// let m = BgNbd::new(0.243, 4.414, 0.793, 2.426)?;
/// let svg = dropout_density(&m, &PlotOptions::default())?;
/// assert!(svg.contains("beta"));
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn dropout_density(model: &dyn TransactionModel, o: &PlotOptions) -> Result<String> {
    if model.name() == "pnbd" {
        let (s, beta) = (param(model, "s")?, param(model, "beta")?);
        let per = per_unit(model);
        return density_chart(
            o,
            o.title_or(&format!(
                "Dropout rate across customers: gamma(s = {}, β = {})",
                number(s),
                number(beta)
            )),
            format!("Dropout rate μ (per {per})"),
            s / beta,
            &gamma_density(s, beta),
            gamma_upper(s, beta),
            "Density of μ",
        );
    }
    let (a, b) = (param(model, "a")?, param(model, "b")?);
    let lb = ln_beta(a, b);
    // The axis spans the mass: to the mean + 6 standard deviations (at most 0.995), so a
    // fit with almost no dropout (a → 0 or b → ∞) is not a flat line on [0, 1].
    let sd = (a * b / ((a + b) * (a + b) * (a + b + 1.0))).sqrt();
    let upper = (a / (a + b) + 6.0 * sd).min(0.995);
    let upper = if upper.is_finite() && upper > 0.0 {
        upper
    } else {
        0.995
    };
    let beta_density = move |p: f64| ((a - 1.0) * p.ln() + (b - 1.0) * (1.0 - p).ln() - lb).exp();
    density_chart(
        o,
        o.title_or(&format!(
            "Dropout across customers: beta(a = {}, b = {})",
            number(a),
            number(b)
        )),
        "Probability of leaving after a purchase, p".to_owned(),
        a / (a + b),
        &beta_density,
        upper,
        "Density of p",
    )
}

/// The distribution of customer lifetime value in a value table: a histogram of the
/// positive CLVs on a log axis (40 log-spaced bins, whatever the number of customers).
/// Customers with CLV ≤ 0 or without a CLV are counted in the title, not drawn.
///
/// # Errors
///
/// [`Error::EmptyInput`] if no customer has a positive CLV; bad options.
///
/// # Examples
///
/// ```
/// use customer_value::plot::{PlotOptions, btyd::clv_distribution};
/// use chrono::NaiveDate;
/// use customer_value::score::{ScoreSpec, score};
/// use customer_value::{BgNbd, DiscountRate, GammaGamma, SummarySpec, TimeUnit, Transaction, summarise};
/// use rust_decimal::Decimal;
///
/// let d = |m, day| NaiveDate::from_ymd_opt(1997, m, day).unwrap();
/// let log = [
///     Transaction::new(1_u32, d(1, 1), Decimal::from(29)),
///     Transaction::new(1, d(3, 2), Decimal::from(15)),
///     Transaction::new(1, d(11, 2), Decimal::from(20)),
///     Transaction::new(2, d(1, 5), Decimal::from(40)),
///     Transaction::new(2, d(8, 20), Decimal::from(35)),
///     Transaction::new(3, d(2, 9), Decimal::from(12)),
/// ];
/// let spec = SummarySpec::new(d(12, 31)).with_unit(TimeUnit::WEEK).with_calibration_end(d(9, 30));
/// let summaries = summarise(spec, &log)?;
/// let model = BgNbd::new(0.243, 4.414, 0.793, 2.426)?.with_unit(TimeUnit::WEEK);
/// let spend = GammaGamma::new(6.25, 3.74, 15.44)?;
/// let year = TimeUnit::from_days(365.0)?;
/// let value = ScoreSpec::new(TimeUnit::WEEK, 52.0, DiscountRate::new(0.1, year)?)?;
/// let table = score(&summaries, &model, Some(&spend), &value)?;
/// let svg = clv_distribution(&table, &PlotOptions::default())?;
/// assert!(svg.contains("CLV of 3 customers"));
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn clv_distribution<K>(table: &ScoreTable<K>, o: &PlotOptions) -> Result<String> {
    clv_histogram(table.rows.iter().map(|r| r.clv), table.horizon, table.unit, o)
}

/// [`clv_distribution`] of any CLVs (`None` for a customer without one).
pub(crate) fn clv_histogram(
    clvs: impl Iterator<Item = Option<f64>>,
    horizon: f64,
    unit: TimeUnit,
    o: &PlotOptions,
) -> Result<String> {
    let (mut not_positive, mut missing) = (0_u64, 0_u64);
    let mut values: Vec<f64> = Vec::new();
    for v in clvs {
        match v {
            Some(v) if v.is_finite() && v > 0.0 => values.push(v),
            Some(_) => not_positive += 1,
            None => missing += 1,
        }
    }
    if values.is_empty() {
        return Err(Error::EmptyInput {
            what: "customers with a positive CLV",
        });
    }
    let positive = values.len() as u64;
    let hi = values.iter().copied().fold(0.0_f64, f64::max);
    // The axis starts at the decade of the 0.1 % quantile, so a few customers worth a
    // millionth of a cent do not squeeze the rest into one corner; those below are
    // pooled into the first bar and counted in the title.
    let k = values.len() / 1000;
    let (_, q, _) = values.select_nth_unstable_by(k, f64::total_cmp);
    let q = *q;
    // Nor below a cent (CLV under $0.01 is nothing worth telling apart), nor more than
    // six decades under the largest value.
    let l1 = hi.log10().ceil();
    let l0 = q.log10().floor().max(-2.0).max(l1 - 6.0).min(l1 - 1.0);
    let width = (l1 - l0) / CLV_BINS as f64;
    let mut counts = vec![0_u64; CLV_BINS];
    let mut pooled = 0_u64;
    let floor = 10f64.powf(l0);
    for v in &values {
        if *v < floor {
            pooled += 1;
        }
        let i = (((v.log10() - l0) / width).max(0.0) as usize).min(CLV_BINS - 1);
        if let Some(c) = counts.get_mut(i) {
            *c += 1;
        }
    }
    let max = counts.iter().copied().max().unwrap_or(0) as f64;
    let mut title = format!("CLV of {} customers", count(positive as f64));
    if not_positive + missing > 0 {
        title.push_str(&format!(
            " ({} with CLV ≤ 0, {} without: not shown)",
            count(not_positive as f64),
            count(missing as f64)
        ));
    }
    if pooled > 0 {
        title.push_str(&format!(
            "; {} below {}{} in the first bar",
            count(pooled as f64),
            o.currency,
            number(floor)
        ));
    }
    let cur = o.currency.clone();
    let mut chart = Chart::new(
        o.title_or(&title),
        format!(
            "CLV over {} {} ({}, log scale)",
            number(horizon),
            unit_name(unit),
            super::segment::currency_name(o)
        ),
        "Customers",
    )
    .ranges((l0, l1), (0.0, headroom(max, 1.0)))?;
    chart.x_ticks = ((l1 - l0) as usize + 1).max(2);
    chart.x_format = Some(Box::new(move |v| {
        if (v - v.round()).abs() < 1e-6 {
            format!("{cur}{}", number(10f64.powf(v.round())))
        } else {
            String::new()
        }
    }));
    let colour = o.colour(0);
    chart.bars.push(Bars {
        label: None,
        colour,
        rects: counts
            .iter()
            .enumerate()
            .filter(|(_, c)| **c > 0)
            .map(|(i, c)| Rect {
                x: (l0 + i as f64 * width, l0 + (i as f64 + 0.92) * width),
                y: (0.0, *c as f64),
                colour,
            })
            .collect(),
    });
    render(o, chart)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// P(X(t) = x) by integrating the individual-level model (Poisson purchases, dropout
    /// with probability p after each) over gamma(r, α) and beta(a, b) with mpmath
    /// (`mpmath.quad`, nested, 15–30 digits; `tests/data/gen_bgnbd_pmf.py`) — an
    /// independent route to the closed form.
    #[test]
    fn bgnbd_pmf_matches_numerical_integration() {
        let cases = [
            (38.86, 0, 0.574_236_882_454_119),
            (38.86, 1, 0.199_323_820_896_89),
            (38.86, 3, 0.045_805_592_710_421),
            (10.0, 0, 0.750_072_050_656_173),
            (10.0, 1, 0.156_868_696_623_255),
            (10.0, 3, 0.021_089_132_767_715_9),
        ];
        for (t, x, want) in cases {
            let got = bgnbd_pmf(0.243, 4.414, 0.793, 2.426, t, x);
            assert!((got - want).abs() < 1e-4 * want, "t {t}, x {x}: {got} vs {want}");
        }
    }

    #[test]
    fn bgnbd_pmf_sums_to_one() {
        let total: f64 = (0..400)
            .map(|x| bgnbd_pmf(0.243, 4.414, 0.793, 2.426, 39.0, x))
            .sum();
        assert!((total - 1.0).abs() < 1e-9, "{total}");
    }
}

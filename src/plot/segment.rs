//! Segmentation charts: the Lorenz curve of a [`Concentration`] (with the line of
//! equality and the Gini in the title), the whale curve of a [`WhaleCurve`] and the sizes
//! of the RFM segments of a [`SegmentOverview`].

use super::PlotOptions;
use super::common::{Bars, Chart, Legend, Line, Rect, category, count, headroom, number, percent, render};
use crate::error::{Error, Result};
use crate::money;
use crate::segment::{Concentration, SegmentOverview, WhaleCurve};

/// Points drawn on a Lorenz or whale curve, whatever the number of customers.
const CURVE_POINTS: usize = 400;

/// The Lorenz curve of spend (or any value): cumulative share of value against cumulative
/// share of customers, poorest first, with the line of equality; the Gini coefficient in
/// the title. 400 points, whatever the number of customers.
///
/// # Errors
///
/// [`Error::InvalidParameter`] for bad options.
///
/// # Examples
///
/// ```
/// use customer_value::plot::{PlotOptions, segment::lorenz};
/// use customer_value::segment::Concentration;
///
/// let svg = lorenz(&Concentration::new(&[5.0, 1.0, 1.0, 1.0])?, &PlotOptions::default())?;
/// assert!(svg.contains("Gini 0.375"));
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn lorenz(c: &Concentration, o: &PlotOptions) -> Result<String> {
    let g = c.gini();
    let title = o.title_or(&format!(
        "Lorenz curve of {} customers (Gini {})",
        count(c.len() as f64),
        trim3(g.population)
    ));
    let mut chart = Chart::new(title, "Share of customers, lowest value first", "Share of value")
        .ranges((0.0, 1.0), (0.0, 1.0))?;
    chart.x_format = Some(Box::new(percent));
    chart.y_format = Some(Box::new(percent));
    chart.legend = Legend::UpperLeft;
    let mut equality = Line::new("Equality", vec![(0.0, 0.0), (1.0, 1.0)], o.colour(1));
    equality.dashed = true;
    equality.width = 2;
    chart.lines.push(equality);
    let points = c
        .lorenz(CURVE_POINTS)
        .iter()
        .map(|p| (p.population, p.value))
        .collect();
    chart.lines.push(Line::new("Lorenz curve", points, o.colour(0)));
    render(o, chart)
}

fn trim3(v: f64) -> String {
    let s = format!("{v:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// The whale curve: cumulative profit (as % of total profit) against the share of
/// customers, the most profitable first, with the peak marked in the title.
///
/// # Errors
///
/// [`Error::Undefined`] if a cumulative profit is not finite as `f64`; bad options.
/// When total profit is not positive (no percentage of it exists) the y axis is
/// cumulative profit in the options' currency instead of % of total.
///
/// # Examples
///
/// ```
/// use customer_value::plot::{PlotOptions, segment::whale};
/// use customer_value::segment::WhaleCurve;
/// use rust_decimal::Decimal;
///
/// let profits: Vec<Decimal> = [120, 80, 30, 0, -20, -60].into_iter().map(Decimal::from).collect();
/// let svg = whale(&WhaleCurve::new(&profits)?, &PlotOptions::default())?;
/// assert!(svg.contains("153"));
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn whale(w: &WhaleCurve, o: &PlotOptions) -> Result<String> {
    let points = w.points(CURVE_POINTS)?;
    let as_percent = w.total_profit > rust_decimal::Decimal::ZERO;
    let xy: Vec<(f64, f64)> = points
        .iter()
        .map(|p| {
            let y = if as_percent {
                p.percent_of_total.unwrap_or(0.0)
            } else {
                money::to_f64(p.cumulative_profit)
            };
            (p.customer_share, y)
        })
        .collect();
    if let Some(bad) = xy.iter().find(|(_, y)| !y.is_finite()) {
        return Err(Error::Undefined {
            what: "whale curve chart",
            reason: format!("a cumulative profit of {} is not finite", bad.1),
        });
    }
    let ymax = xy.iter().map(|p| p.1).fold(0.0_f64, f64::max);
    let ymin = xy.iter().map(|p| p.1).fold(0.0_f64, f64::min);
    let title = o.title_or(&match w.peak_percent {
        Some(p) => format!(
            "Whale curve: the top {} of customers earn {} % of profit",
            percent(w.peak_customer_share),
            number(p.round())
        ),
        None => "Whale curve of cumulative profit".to_owned(),
    });
    let y_label = if as_percent {
        "Cumulative profit (% of total)".to_owned()
    } else {
        format!("Cumulative profit ({})", currency_name(o))
    };
    let lo = if ymin < 0.0 { ymin * 1.05 } else { 0.0 };
    let mut chart = Chart::new(title, "Share of customers, most profitable first", y_label)
        .ranges((0.0, 1.0), (lo, headroom(ymax, 1.0)))?;
    chart.x_format = Some(Box::new(percent));
    if as_percent {
        chart.y_format = Some(Box::new(|v| format!("{} %", number(v))));
        let mut total = Line::new(
            "Total profit (100 %)",
            vec![(0.0, 100.0), (1.0, 100.0)],
            o.colour(1),
        );
        total.dashed = true;
        total.width = 2;
        chart.lines.push(total);
    } else {
        let cur = o.currency.clone();
        chart.y_format = Some(Box::new(move |v| format!("{cur}{}", number(v))));
    }
    chart.legend = Legend::LowerMiddle;
    chart.lines.push(Line::new("Cumulative profit", xy, o.colour(0)));
    render(o, chart)
}

/// The options' currency as an axis unit.
pub(crate) fn currency_name(o: &PlotOptions) -> String {
    if o.currency.is_empty() {
        "money".to_owned()
    } else {
        o.currency.clone()
    }
}

/// Customers per RFM segment (horizontal bars, largest first).
///
/// # Errors
///
/// [`Error::EmptyInput`] without segments; bad options.
///
/// # Examples
///
/// ```
/// use chrono::NaiveDate;
/// use customer_value::plot::{PlotOptions, segment::rfm_segments};
/// use customer_value::segment::segment_overview;
/// use customer_value::{SummarySpec, Transaction, summarise};
/// use rust_decimal::Decimal;
///
/// let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
/// let log: Vec<_> = (1..=40_u32)
///     .map(|c| Transaction::new(c, d(1 + c % 12, 1 + c % 28), Decimal::from(c * 3)))
///     .collect();
/// let s = summarise(SummarySpec::new(d(12, 31)), &log)?;
/// let svg = rfm_segments(&segment_overview(&s.customers)?, &PlotOptions::default())?;
/// assert!(svg.contains("RFM segments of 40 customers"));
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn rfm_segments(overview: &SegmentOverview, o: &PlotOptions) -> Result<String> {
    if overview.segment_counts.is_empty() {
        return Err(Error::EmptyInput { what: "RFM segments" });
    }
    let mut counts = overview.segment_counts.clone();
    counts.sort_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(&a.0)));
    let names: Vec<String> = counts.iter().map(|(n, _)| n.clone()).collect();
    let max = counts.iter().map(|c| c.1).max().unwrap_or(0) as f64;
    let n = counts.len();
    let title = o.title_or(&format!(
        "RFM segments of {} customers",
        count(overview.customers as f64)
    ));
    let mut chart = Chart::new(title, "Customers", "")
        .ranges((0.0, headroom(max, 1.0) * 1.08), (-0.5, n as f64 - 0.5))?;
    chart.y_ticks = n;
    chart.y_label_chars = names.iter().map(|s| s.chars().count()).max();
    chart.y_format = Some(Box::new(move |v| category(&names, v)));
    let colour = o.colour(0);
    chart.bars.push(Bars {
        label: None,
        colour,
        rects: counts
            .iter()
            .enumerate()
            .map(|(i, (_, c))| Rect {
                x: (0.0, *c as f64),
                y: (i as f64 - 0.36, i as f64 + 0.36),
                colour,
            })
            .collect(),
    });
    render(o, chart)
}

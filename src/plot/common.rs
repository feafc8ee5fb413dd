//! The drawing shared by every chart: one x–y chart (lines, steps, bands, bars, cells,
//! markers, vertical marks, a legend, an optional colour bar) rendered with plotters'
//! SVG backend into a `String`. The chart modules only turn the crate's results into
//! these pieces; nothing here knows what a customer is.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::options::{Colour, PlotOptions};
use crate::error::{Error, Result};

/// Font sizes in plotters units (the SVG's pixel size is this / 1.24).
const TITLE: f64 = 25.0;
const AXIS_DESC: f64 = 19.0;
const TICKS: f64 = 16.0;
const LEGEND: f64 = 17.0;

/// A polyline (or a right-continuous step function) of one series.
pub(crate) struct Line {
    pub label: Option<String>,
    pub points: Vec<(f64, f64)>,
    pub colour: Colour,
    pub dashed: bool,
    pub step: bool,
    pub width: u32,
}

impl Line {
    pub fn new(label: impl Into<String>, points: Vec<(f64, f64)>, colour: Colour) -> Self {
        Line {
            label: Some(label.into()),
            points,
            colour,
            dashed: false,
            step: false,
            width: 3,
        }
    }
}

/// A filled area between two curves sampled at the same x.
pub(crate) struct Band {
    pub label: Option<String>,
    /// (x, lower, upper).
    pub points: Vec<(f64, f64, f64)>,
    pub colour: Colour,
    pub step: bool,
}

/// A filled rectangle in data coordinates.
pub(crate) struct Rect {
    pub x: (f64, f64),
    pub y: (f64, f64),
    pub colour: Colour,
}

/// A group of rectangles with one legend entry.
pub(crate) struct Bars {
    pub label: Option<String>,
    pub colour: Colour,
    pub rects: Vec<Rect>,
}

/// A vertical line across the plot with a label at its top.
pub(crate) struct VMark {
    pub x: f64,
    pub label: String,
}

/// Markers at points: small vertical ticks (censoring) or dots (purchases).
pub(crate) struct Markers {
    pub label: Option<String>,
    pub points: Vec<(f64, f64)>,
    pub colour: Colour,
    pub dots: bool,
}

/// A colour bar beside a heatmap.
pub(crate) struct ColourBar {
    pub min: f64,
    pub max: f64,
    pub label: String,
}

/// Where the legend sits.
#[derive(Clone, Copy)]
pub(crate) enum Legend {
    UpperLeft,
    UpperRight,
    LowerLeft,
    LowerMiddle,
}

pub(crate) type Format = Box<dyn Fn(f64) -> String>;

/// One x–y chart.
pub(crate) struct Chart {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub x_range: (f64, f64),
    pub y_range: (f64, f64),
    pub lines: Vec<Line>,
    pub bands: Vec<Band>,
    pub bars: Vec<Bars>,
    pub cells: Vec<Rect>,
    pub markers: Vec<Markers>,
    pub vmarks: Vec<VMark>,
    pub legend: Legend,
    pub x_format: Option<Format>,
    pub y_format: Option<Format>,
    /// Tick count hints.
    pub x_ticks: usize,
    pub y_ticks: usize,
    pub colour_bar: Option<ColourBar>,
    /// No grid lines (heatmaps).
    pub no_grid: bool,
    /// Width of the y tick labels, when the formatter's samples do not show it
    /// (category names).
    pub y_label_chars: Option<usize>,
}

impl Chart {
    pub fn new(title: String, x_label: impl Into<String>, y_label: impl Into<String>) -> Self {
        Chart {
            title,
            x_label: x_label.into(),
            y_label: y_label.into(),
            x_range: (0.0, 1.0),
            y_range: (0.0, 1.0),
            lines: Vec::new(),
            bands: Vec::new(),
            bars: Vec::new(),
            cells: Vec::new(),
            markers: Vec::new(),
            vmarks: Vec::new(),
            legend: Legend::UpperLeft,
            x_format: None,
            y_format: None,
            x_ticks: 10,
            y_ticks: 8,
            colour_bar: None,
            no_grid: false,
            y_label_chars: None,
        }
    }

    /// Sets both ranges, checking that they are finite and not empty.
    pub fn ranges(mut self, x: (f64, f64), y: (f64, f64)) -> Result<Self> {
        self.x_range = checked_range("x range", x)?;
        self.y_range = checked_range("y range", y)?;
        Ok(self)
    }
}

fn checked_range(what: &'static str, (lo, hi): (f64, f64)) -> Result<(f64, f64)> {
    if !lo.is_finite() || !hi.is_finite() {
        return Err(Error::Undefined {
            what: "chart",
            reason: format!("the {what} {lo} .. {hi} is not finite"),
        });
    }
    if hi > lo {
        Ok((lo, hi))
    } else {
        // A single value (every customer the same): a unit-wide range around it.
        let pad = if lo.abs() > 0.0 { lo.abs() * 0.5 } else { 1.0 };
        Ok((lo - pad, hi + pad))
    }
}

/// An upper bound with 5 % headroom (at least `floor`).
pub(crate) fn headroom(max: f64, floor: f64) -> f64 {
    if max.is_finite() && max > 0.0 {
        (max * 1.05).max(floor)
    } else {
        floor
    }
}

pub(crate) fn rgb(c: Colour) -> RGBColor {
    RGBColor(c.r, c.g, c.b)
}

fn draw_err<E: std::error::Error + Send + Sync>(e: DrawingAreaErrorKind<E>) -> Error {
    Error::Undefined {
        what: "chart",
        reason: format!("drawing failed: {e}"),
    }
}

/// A tick label: integers as integers (thousands grouped), else up to 3 significant
/// decimals, trailing zeros dropped.
pub(crate) fn number(v: f64) -> String {
    if !v.is_finite() {
        return String::new();
    }
    let a = v.abs();
    if a >= 1e6 {
        return trim(format!("{:.2}", v / 1e6)) + "M";
    }
    if a >= 1e4 {
        return trim(format!("{:.1}", v / 1e3)) + "k";
    }
    // Below a thousandth (a degenerate fit's density, a mean dropout of 1e-11): in
    // scientific notation, never rounded to a misleading "0".
    if a > 0.0 && a < 1e-3 {
        return trim_exp(format!("{v:.2e}"));
    }
    if (v - v.round()).abs() < 1e-9 * a.max(1.0) {
        return group(v.round());
    }
    let decimals = if a >= 100.0 {
        1
    } else if a >= 1.0 {
        2
    } else {
        3
    };
    trim(format!("{v:.decimals$}"))
}

/// A count as a whole number with thousands grouped (titles: "85,315 customers", not
/// "85.3k").
pub(crate) fn count(n: f64) -> String {
    group(n.round())
}

/// The tick labels of one axis over `lo ..= hi`, all on the same scale: "M" for every
/// tick when the axis reaches a million, "k" from 100,000, else grouped digits (never
/// "8,000" next to "10k").
pub(crate) fn axis_number(lo: f64, hi: f64) -> impl Fn(f64) -> String {
    let top = lo.abs().max(hi.abs());
    move |v: f64| {
        if !v.is_finite() {
            String::new()
        } else if top >= 1e6 {
            if v == 0.0 {
                "0".to_owned()
            } else {
                trim(format!("{:.2}", v / 1e6)) + "M"
            }
        } else if top >= 1e5 {
            if v == 0.0 {
                "0".to_owned()
            } else {
                trim(format!("{:.1}", v / 1e3)) + "k"
            }
        } else if v.abs() >= 1e4 && (v - v.round()).abs() < 1e-9 * v.abs() {
            group(v.round())
        } else {
            number(v)
        }
    }
}

/// "2.00e-10" → "2e-10", "1.50e-7" → "1.5e-7".
fn trim_exp(s: String) -> String {
    match s.split_once('e') {
        Some((m, e)) => format!("{}e{e}", trim(m.to_owned())),
        None => s,
    }
}

fn trim(s: String) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        s
    }
}

fn group(v: f64) -> String {
    let s = format!("{:.0}", v.abs());
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    if v < 0.0 && out != "0" {
        out.insert(0, '-');
    }
    out
}

/// A category name at integer tick `v` (cells centred on integers), else nothing.
pub(crate) fn category(names: &[String], v: f64) -> String {
    let i = v.round();
    if (v - i).abs() > 1e-6 || i < 0.0 {
        return String::new();
    }
    names.get(i as usize).cloned().unwrap_or_default()
}

/// A share as a percentage tick label.
pub(crate) fn percent(v: f64) -> String {
    format!("{} %", number(100.0 * v))
}

/// The viridis colour map at `t` in [0, 1] (9 stops, linear between).
pub(crate) fn viridis(t: f64) -> Colour {
    const STOPS: [(u8, u8, u8); 9] = [
        (68, 1, 84),
        (71, 44, 122),
        (59, 81, 139),
        (44, 113, 142),
        (33, 144, 141),
        (39, 173, 129),
        (92, 200, 99),
        (170, 220, 50),
        (253, 231, 37),
    ];
    let t = if t.is_finite() { t.clamp(0.0, 1.0) } else { 0.0 };
    let pos = t * 8.0;
    let i = (pos.floor() as usize).min(7);
    let f = pos - i as f64;
    let (a, b) = match (STOPS.get(i), STOPS.get(i + 1)) {
        (Some(a), Some(b)) => (*a, *b),
        _ => (STOPS[8], STOPS[8]),
    };
    let mix = |x: u8, y: u8| (f64::from(x) + f * (f64::from(y) - f64::from(x))).round() as u8;
    Colour::new(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Renders `chart` into an SVG document.
pub(crate) fn render(o: &PlotOptions, chart: Chart) -> Result<String> {
    o.validate()?;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (o.width, o.height)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_err)?;
        let (main, bar_area) = match &chart.colour_bar {
            Some(_) => {
                let (m, b) = root.split_horizontally(o.width.saturating_sub(140));
                (m, Some(b))
            }
            None => (root.clone(), None),
        };
        draw_chart(o, &chart, &main)?;
        if let (Some(bar), Some(area)) = (&chart.colour_bar, bar_area) {
            draw_colour_bar(o, bar, &area)?;
        }
        root.present().map_err(draw_err)?;
    }
    Ok(svg)
}

fn font<'a>(o: &'a PlotOptions, size: f64) -> TextStyle<'a> {
    (o.font.as_str(), size).into_font().color(&BLACK)
}

/// Width in pixels of the widest tick label (DejaVu Sans digits are ~0.64 em).
fn label_width(labels: impl Iterator<Item = String>) -> u32 {
    let chars = labels.map(|s| s.chars().count()).max().unwrap_or(1);
    (chars as f64 * TICKS / 1.24 * 0.64).ceil() as u32
}

fn draw_chart(o: &PlotOptions, c: &Chart, area: &DrawingArea<SVGBackend<'_>, Shift>) -> Result<()> {
    let (x0, x1) = c.x_range;
    let (y0, y1) = c.y_range;
    let (y_axis, x_axis) = (axis_number(y0, y1), axis_number(x0, x1));
    let y_fmt = |v: f64| c.y_format.as_ref().map_or_else(|| y_axis(v), |f| f(v));
    let x_fmt = |v: f64| c.x_format.as_ref().map_or_else(|| x_axis(v), |f| f(v));
    // Room for the y tick labels: the widest of a few values across the range.
    let samples = (0..=8).map(|k| y_fmt(y0 + (y1 - y0) * f64::from(k) / 8.0));
    let y_area = match c.y_label_chars {
        Some(n) => label_width(std::iter::once("m".repeat(n))),
        None => label_width(samples),
    } + 48;
    // A long title is set smaller rather than clipped (DejaVu Sans averages ~0.58 em).
    let (w, _) = area.dim_in_pixel();
    let est = c.title.chars().count() as f64 * 0.58 * TITLE / 1.24;
    let room = f64::from(w) - 24.0;
    let title_size = if est > room {
        (TITLE * room / est).max(12.0)
    } else {
        TITLE
    };
    let mut chart = ChartBuilder::on(area)
        .caption(&c.title, font(o, title_size))
        .margin_top(8)
        .margin_left(10)
        .margin_right(28)
        .margin_bottom(8)
        .x_label_area_size(56)
        .y_label_area_size(y_area)
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(draw_err)?;
    let x_formatter = |v: &f64| x_fmt(*v);
    let y_formatter = |v: &f64| y_fmt(*v);
    let mut mesh = chart.configure_mesh();
    mesh.x_desc(c.x_label.as_str())
        .y_desc(c.y_label.as_str())
        .axis_desc_style(font(o, AXIS_DESC))
        .label_style(font(o, TICKS))
        .x_labels(c.x_ticks)
        .y_labels(c.y_ticks)
        .x_label_formatter(&x_formatter)
        .y_label_formatter(&y_formatter)
        .light_line_style(TRANSPARENT)
        .bold_line_style(RGBColor(215, 215, 215));
    if c.no_grid {
        mesh.disable_mesh();
    }
    mesh.draw().map_err(draw_err)?;

    for cell in &c.cells {
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(cell.x.0, cell.y.0), (cell.x.1, cell.y.1)],
                rgb(cell.colour).filled(),
            )))
            .map_err(draw_err)?;
    }
    for band in &c.bands {
        let mut upper: Vec<(f64, f64)> = Vec::new();
        let mut lower: Vec<(f64, f64)> = Vec::new();
        for (i, &(x, lo, hi)) in band.points.iter().enumerate() {
            if band.step && i > 0 {
                if let (Some(u), Some(l)) = (upper.last().copied(), lower.last().copied()) {
                    upper.push((x, u.1));
                    lower.push((x, l.1));
                }
            }
            upper.push((x, hi));
            lower.push((x, lo));
        }
        lower.reverse();
        upper.extend(lower);
        let colour = rgb(band.colour);
        let s = chart
            .draw_series(std::iter::once(Polygon::new(upper, colour.mix(0.22).filled())))
            .map_err(draw_err)?;
        if let Some(label) = &band.label {
            s.label(label.as_str()).legend(move |(x, y)| {
                Rectangle::new([(x, y - 6), (x + 24, y + 6)], colour.mix(0.22).filled())
            });
        }
    }
    for bars in &c.bars {
        let colour = rgb(bars.colour);
        let s = chart
            .draw_series(
                bars.rects
                    .iter()
                    .map(|r| Rectangle::new([(r.x.0, r.y.0), (r.x.1, r.y.1)], rgb(r.colour).filled())),
            )
            .map_err(draw_err)?;
        if let Some(label) = &bars.label {
            s.label(label.as_str())
                .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 24, y + 6)], colour.filled()));
        }
    }
    for m in &c.vmarks {
        let grey = RGBColor(90, 90, 90);
        chart
            .draw_series(DashedLineSeries::new(
                vec![(m.x, y0), (m.x, y1)],
                8,
                5,
                grey.stroke_width(2),
            ))
            .map_err(draw_err)?;
        // The label just right of the line, near the top, inside the plot.
        let right_half = m.x > x0 + (x1 - x0) * 0.75;
        let pos = chart.backend_coord(&(m.x, y1));
        let style = font(o, LEGEND)
            .color(&grey)
            .pos(plotters::style::text_anchor::Pos::new(
                if right_half {
                    plotters::style::text_anchor::HPos::Right
                } else {
                    plotters::style::text_anchor::HPos::Left
                },
                plotters::style::text_anchor::VPos::Top,
            ));
        let dx = if right_half { -6 } else { 6 };
        chart
            .plotting_area()
            .strip_coord_spec()
            .draw(&Text::new(
                m.label.clone(),
                (pos.0 + dx - area_x(chart.plotting_area()), 4),
                style,
            ))
            .map_err(draw_err)?;
    }
    for line in &c.lines {
        let colour = rgb(line.colour);
        let style = colour.stroke_width(line.width);
        let points = if line.step {
            steps(&line.points)
        } else {
            line.points.clone()
        };
        let s = if line.dashed {
            chart
                .draw_series(DashedLineSeries::new(points, 10, 6, style))
                .map_err(draw_err)?
        } else {
            chart
                .draw_series(LineSeries::new(points, style))
                .map_err(draw_err)?
        };
        if let Some(label) = &line.label {
            // The legend's sample looks like the series: dashed lines get two dashes.
            if line.dashed {
                s.label(label.as_str()).legend(move |(x, y)| {
                    EmptyElement::at((x, y))
                        + PathElement::new(vec![(0, 0), (10, 0)], colour.stroke_width(3))
                        + PathElement::new(vec![(15, 0), (24, 0)], colour.stroke_width(3))
                });
            } else {
                s.label(label.as_str()).legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 24, y)], colour.stroke_width(3))
                });
            }
        }
    }
    for m in &c.markers {
        let colour = rgb(m.colour);
        let s = if m.dots {
            chart
                .draw_series(m.points.iter().map(|&p| Circle::new(p, 5, colour.filled())))
                .map_err(draw_err)?
        } else {
            chart
                .draw_series(m.points.iter().map(|&p| {
                    EmptyElement::at(p) + PathElement::new(vec![(0, -6), (0, 6)], colour.stroke_width(2))
                }))
                .map_err(draw_err)?
        };
        if let Some(label) = &m.label {
            if m.dots {
                s.label(label.as_str()).legend(move |(x, y)| {
                    EmptyElement::at((x + 12, y)) + Circle::new((0, 0), 5, colour.filled())
                });
            } else {
                s.label(label.as_str()).legend(move |(x, y)| {
                    EmptyElement::at((x + 12, y))
                        + PathElement::new(vec![(0, -6), (0, 6)], colour.stroke_width(2))
                });
            }
        }
    }
    // A legend only where two or more series share the axes.
    let entries = c.lines.iter().filter(|l| l.label.is_some()).count()
        + c.bands.iter().filter(|b| b.label.is_some()).count()
        + c.bars.iter().filter(|b| b.label.is_some()).count()
        + c.markers.iter().filter(|m| m.label.is_some()).count();
    let has_legend = entries >= 2;
    if has_legend {
        let (lx, ly) = legend_place(o, c, &chart);
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::Coordinate(lx, ly))
            .margin(12)
            .legend_area_size(34)
            .label_font(font(o, LEGEND))
            .background_style(RGBColor(250, 250, 246).mix(0.9))
            .border_style(RGBColor(160, 160, 160))
            .draw()
            .map_err(draw_err)?;
    }
    Ok(())
}

/// Where the legend goes: the chart's preferred corner unless that hides data (a curve,
/// bars, a band, a marker, a vertical mark's label), else the free-most of the corners
/// and edge middles (matplotlib's `loc="best"`). Returns the box's top-left corner in the
/// plotting area's pixels, as plotters' `SeriesLabelPosition::Coordinate` takes it.
fn legend_place<DB: DrawingBackend>(
    o: &PlotOptions,
    c: &Chart,
    chart: &ChartContext<
        '_,
        DB,
        Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
    >,
) -> (i32, i32) {
    let area = chart.plotting_area();
    let (aw, ah) = area.dim_in_pixel();
    let (aw, ah) = (aw as i32, ah as i32);
    let (bx, by) = area.get_base_pixel();
    let px = |x: f64, y: f64| {
        let (u, v) = chart.backend_coord(&(x, y));
        (u - bx, v - by)
    };
    // The box plotters will draw: the labels' text block, the sample (34 px) and margins.
    let labels: Vec<&str> = c
        .bands
        .iter()
        .filter_map(|b| b.label.as_deref())
        .chain(c.bars.iter().filter_map(|b| b.label.as_deref()))
        .chain(c.lines.iter().filter_map(|l| l.label.as_deref()))
        .chain(c.markers.iter().filter_map(|m| m.label.as_deref()))
        .collect();
    let mut text = MultiLineText::<(i32, i32), &str>::new((0, 0), font(o, LEGEND));
    for l in &labels {
        text.push_line(*l);
    }
    let (tw, th) = text
        .estimate_dimension()
        .unwrap_or((120, 22 * labels.len() as i32));
    let (w, h) = (tw + 34 + 24, th + 24);
    // What the legend must not hide: points sampled every few pixels along the lines and
    // band edges, markers, and rectangles (bars, band steps, vertical-mark labels).
    let mut points: Vec<(i32, i32)> = Vec::new();
    let mut rects: Vec<(i32, i32, i32, i32)> = Vec::new();
    let trace = |pts: &[(f64, f64)], points: &mut Vec<(i32, i32)>| {
        for pair in pts.windows(2) {
            let [p, q] = pair else { continue };
            let (a, b) = (px(p.0, p.1), px(q.0, q.1));
            let n = ((a.0 - b.0).abs().max((a.1 - b.1).abs()) / 3).clamp(1, 2_000);
            for k in 0..=n {
                let t = f64::from(k) / f64::from(n);
                points.push((
                    a.0 + (f64::from(b.0 - a.0) * t).round() as i32,
                    a.1 + (f64::from(b.1 - a.1) * t).round() as i32,
                ));
            }
        }
        if let [only] = pts {
            points.push(px(only.0, only.1));
        }
    };
    for l in &c.lines {
        let pts = if l.step {
            steps(&l.points)
        } else {
            l.points.clone()
        };
        trace(&pts, &mut points);
    }
    for b in &c.bands {
        let upper: Vec<(f64, f64)> = b.points.iter().map(|p| (p.0, p.2)).collect();
        let lower: Vec<(f64, f64)> = b.points.iter().map(|p| (p.0, p.1)).collect();
        trace(&upper, &mut points);
        trace(&lower, &mut points);
        for pair in b.points.windows(2) {
            let [p, q] = pair else { continue };
            let (a, z) = (px(p.0, p.2), px(q.0, p.1));
            rects.push((a.0.min(z.0), a.1.min(z.1), a.0.max(z.0), a.1.max(z.1)));
        }
    }
    for m in &c.markers {
        points.extend(m.points.iter().map(|p| px(p.0, p.1)));
    }
    for r in c.bars.iter().flat_map(|b| &b.rects) {
        let (a, z) = (px(r.x.0, r.y.0), px(r.x.1, r.y.1));
        rects.push((a.0.min(z.0), a.1.min(z.1), a.0.max(z.0), a.1.max(z.1)));
    }
    let (x0, x1) = c.x_range;
    for m in &c.vmarks {
        let (mx, _) = px(m.x, c.y_range.1);
        let lw = (m.label.chars().count() as f64 * LEGEND / 1.24 * 0.6) as i32 + 12;
        if m.x > x0 + (x1 - x0) * 0.75 {
            rects.push((mx - lw, 0, mx, 24));
        } else {
            rects.push((mx, 0, mx + lw, 24));
        }
        trace(&[(m.x, c.y_range.0), (m.x, c.y_range.1)], &mut points);
    }
    let hidden = |(lx, ly): (i32, i32)| -> f64 {
        let (rx0, ry0, rx1, ry1) = (lx - 4, ly - 4, lx + w + 4, ly + h + 4);
        let inside = points
            .iter()
            .filter(|p| p.0 >= rx0 && p.0 <= rx1 && p.1 >= ry0 && p.1 <= ry1)
            .count() as f64;
        let covered: f64 = rects
            .iter()
            .map(|r| {
                let dx = (r.2.min(rx1) - r.0.max(rx0)).max(0);
                let dy = (r.3.min(ry1) - r.1.max(ry0)).max(0);
                f64::from(dx) * f64::from(dy) / 16.0
            })
            .sum();
        inside + covered
    };
    let (left, centre, right) = (5, (aw - w) / 2, aw - w - 5);
    let (top, middle, bottom) = (5, (ah - h) / 2, ah - h - 5);
    let preferred = match c.legend {
        Legend::UpperLeft => (left, top),
        Legend::UpperRight => (right, top),
        Legend::LowerLeft => (left, bottom),
        Legend::LowerMiddle => (centre, bottom),
    };
    let candidates = [
        preferred,
        (left, top),
        (right, top),
        (right, bottom),
        (left, bottom),
        (centre, top),
        (centre, bottom),
        (right, middle),
        (left, middle),
        (centre, middle),
    ];
    let mut best = (preferred, hidden(preferred));
    for &p in &candidates[1..] {
        let score = hidden(p);
        if score < best.1 {
            best = (p, score);
        }
    }
    best.0
}

fn area_x<DB: DrawingBackend, CT: plotters::coord::CoordTranslate>(a: &DrawingArea<DB, CT>) -> i32 {
    a.get_base_pixel().0
}

/// About `n` round tick values (1, 2, 2.5 or 5 × 10^k apart) within [lo, hi].
pub(crate) fn nice_ticks(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    let span = hi - lo;
    if !(span.is_finite() && span > 0.0) {
        return vec![lo];
    }
    let raw = span / n.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let first = (lo / step).ceil() as i64;
    let last = (hi / step + 1e-9).floor() as i64;
    (first..=last).map(|k| k as f64 * step).collect()
}

/// A right-continuous step function through `points`.
fn steps(points: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut out = Vec::with_capacity(points.len() * 2);
    for &(x, y) in points {
        if let Some(&(_, prev)) = out.last() {
            out.push((x, prev));
        }
        out.push((x, y));
    }
    out
}

fn draw_colour_bar(
    o: &PlotOptions,
    bar: &ColourBar,
    area: &DrawingArea<SVGBackend<'_>, Shift>,
) -> Result<()> {
    let (lo, hi) = checked_range("colour bar", (bar.min, bar.max))?;
    let mut chart = ChartBuilder::on(area)
        .margin_top(48)
        .margin_bottom(64)
        .margin_right(84)
        .margin_left(4)
        .right_y_label_area_size(0)
        .y_label_area_size(0)
        .build_cartesian_2d(0.0..1.0, lo..hi)
        .map_err(draw_err)?;
    const STEPS: usize = 64;
    chart
        .draw_series((0..STEPS).map(|k| {
            let a = lo + (hi - lo) * k as f64 / STEPS as f64;
            let b = lo + (hi - lo) * (k + 1) as f64 / STEPS as f64;
            let t = (k as f64 + 0.5) / STEPS as f64;
            Rectangle::new([(0.0, a), (1.0, b)], rgb(viridis(t)).filled())
        }))
        .map_err(draw_err)?;
    chart
        .draw_series(std::iter::once(Rectangle::new(
            [(0.0, lo), (1.0, hi)],
            RGBColor(80, 80, 80).stroke_width(1),
        )))
        .map_err(draw_err)?;
    // Five labels to the right of the bar, and the bar's name rotated beside them.
    let plot = chart.plotting_area();
    let ((px0, py0), (px1, py1)) = (plot.get_base_pixel(), {
        let (w, h) = plot.dim_in_pixel();
        let b = plot.get_base_pixel();
        (b.0 + w as i32, b.1 + h as i32)
    });
    let root = area.clone();
    let (ax, ay) = area.get_base_pixel();
    let label_style = font(o, TICKS).pos(plotters::style::text_anchor::Pos::new(
        plotters::style::text_anchor::HPos::Left,
        plotters::style::text_anchor::VPos::Center,
    ));
    let tick = axis_number(lo, hi);
    for v in nice_ticks(lo, hi, 5) {
        let y = py1 - ((py1 - py0) as f64 * (v - lo) / (hi - lo)).round() as i32;
        root.draw(&PathElement::new(
            vec![(px1 - ax, y - ay), (px1 - ax + 5, y - ay)],
            BLACK.stroke_width(1),
        ))
        .map_err(draw_err)?;
        root.draw(&Text::new(tick(v), (px1 - ax + 8, y - ay), label_style.clone()))
            .map_err(draw_err)?;
    }
    let name_style =
        font(o, AXIS_DESC)
            .transform(FontTransform::Rotate90)
            .pos(plotters::style::text_anchor::Pos::new(
                plotters::style::text_anchor::HPos::Center,
                plotters::style::text_anchor::VPos::Top,
            ));
    let (w, _) = area.dim_in_pixel();
    root.draw(&Text::new(
        bar.label.clone(),
        (w as i32 - 4, (py0 + py1) / 2 - ay),
        name_style,
    ))
    .map_err(draw_err)?;
    let _ = px0;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_axis_keeps_one_scale() {
        // 0 .. 50,000: grouped digits on every tick, never "8,000" beside "10k".
        let f = axis_number(0.0, 50_000.0);
        assert_eq!(
            [f(0.0), f(5_000.0), f(10_000.0), f(50_000.0)],
            ["0", "5,000", "10,000", "50,000"]
        );
        // From 100,000: thousands for every tick.
        let f = axis_number(0.0, 250_000.0);
        assert_eq!([f(0.0), f(50_000.0), f(250_000.0)], ["0", "50k", "250k"]);
        // From a million: millions for every tick.
        let f = axis_number(0.0, 2_500_000.0);
        assert_eq!([f(500_000.0), f(2_500_000.0)], ["0.5M", "2.5M"]);
        // Small ranges keep their decimals.
        let f = axis_number(0.0, 1.0);
        assert_eq!([f(0.25), f(1.0)], ["0.25", "1"]);
    }

    #[test]
    fn tiny_values_are_not_rounded_to_zero() {
        assert_eq!(number(2e-10), "2e-10");
        assert_eq!(number(7.407e-11), "7.41e-11");
        assert_eq!(number(-1.5e-7), "-1.5e-7");
        assert_eq!(number(0.0), "0");
        assert_eq!(number(0.001), "0.001");
        assert_eq!(count(85_315.0), "85,315");
    }
}

//! Retention and churn charts: Kaplan–Meier curves with confidence bands and censoring
//! ticks, an sBG projection against the actual survivors with the fit window marked, and
//! the cohort retention heatmap (cohort × periods since acquisition; unfinished periods
//! blank).

use super::PlotOptions;
use super::common::{
    Band, Chart, ColourBar, Legend, Line, Markers, Rect, VMark, category, count, number, percent, render,
    viridis,
};
use crate::churn::{CohortMetric, CohortPeriod, CohortTable};
use crate::error::{Error, Result};
use crate::retention::{ConfidenceBand, KaplanMeier, RetentionModel, SbgFit};

/// Kaplan–Meier survival curves (steps) with pointwise confidence bands (`z`, e.g. 1.96
/// for 95 %, of the kind `band`) and a tick at each duration with censored customers.
/// `period` names the unit of the durations on the axis ("months", "days", …). Several
/// curves share the axes and get a legend.
///
/// # Errors
///
/// [`Error::EmptyInput`] without curves; [`Error::InvalidParameter`] for `z` not
/// positive and finite; bad options.
///
/// # Examples
///
/// ```
/// use customer_value::plot::{PlotOptions, retention::kaplan_meier};
/// use customer_value::retention::{ConfidenceBand, KaplanMeier};
///
/// let km = KaplanMeier::from_durations([(6, true), (6, true), (7, true), (9, false), (10, true), (13, false)])?;
/// let svg = kaplan_meier(&[("6-MP", &km)], 1.96, ConfidenceBand::LogLog, "weeks", &PlotOptions::default())?;
/// assert!(svg.contains("Survival"));
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn kaplan_meier(
    curves: &[(&str, &KaplanMeier)],
    z: f64,
    band: ConfidenceBand,
    period: &str,
    o: &PlotOptions,
) -> Result<String> {
    if curves.is_empty() {
        return Err(Error::EmptyInput {
            what: "Kaplan–Meier curves",
        });
    }
    if !(z.is_finite() && z > 0.0) {
        return Err(Error::param("z", z, "must be positive and finite"));
    }
    let xmax = curves
        .iter()
        .map(|(_, k)| k.max_duration())
        .max()
        .unwrap_or(1)
        .max(1);
    let title = o.title_or(&format!(
        "Kaplan–Meier survival ({} customers, {} % bands)",
        count(curves.iter().map(|(_, k)| k.subjects() as f64).sum()),
        number((100.0 * (2.0 * normal_cdf(z) - 1.0)).round())
    ));
    let mut chart = Chart::new(
        title,
        format!("Time since start ({period})"),
        "Survival: share still active",
    )
    .ranges((0.0, f64::from(xmax)), (0.0, 1.02))?;
    chart.y_format = Some(Box::new(percent));
    chart.legend = Legend::UpperRight;
    for (i, (name, km)) in curves.iter().enumerate() {
        let colour = o.colour(i);
        let mut points = vec![(0.0, 1.0)];
        let mut bands = vec![(0.0, 1.0, 1.0)];
        for s in km.steps() {
            points.push((f64::from(s.time), s.survival));
            let (lo, hi) = km
                .confidence_interval(s.time, z, band)
                .unwrap_or((s.survival, s.survival));
            bands.push((f64::from(s.time), lo, hi));
        }
        let last = points.last().map_or(1.0, |p| p.1);
        let last_band = bands.last().copied().unwrap_or((0.0, 1.0, 1.0));
        points.push((f64::from(km.max_duration()), last));
        bands.push((f64::from(km.max_duration()), last_band.1, last_band.2));
        let censored: Vec<(f64, f64)> = km
            .life_table_counts()
            .rows()
            .filter(|&(t, _, c)| c > 0 && t > 0)
            .map(|(t, _, _)| (f64::from(t), km.survival(t)))
            .collect();
        chart.bands.push(Band {
            label: None,
            points: bands,
            colour,
            step: true,
        });
        let mut line = Line::new(*name, points, colour);
        line.step = true;
        chart.lines.push(line);
        chart.markers.push(Markers {
            label: (i == 0).then(|| "Censored".to_owned()),
            points: censored,
            colour: super::Colour::new(60, 60, 60),
            dots: false,
        });
    }
    render(o, chart)
}

/// Φ(z), for the band's coverage in the title.
fn normal_cdf(z: f64) -> f64 {
    0.5 * (1.0 + erf(z / std::f64::consts::SQRT_2))
}

fn erf(x: f64) -> f64 {
    // Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7: enough for a title's rounded %).
    let t = 1.0 / (1.0 + 0.327_591_1 * x.abs());
    let y = 1.0
        - (((((1.061_405_429 * t - 1.453_152_027) * t) + 1.421_413_741) * t - 0.284_496_736) * t
            + 0.254_829_592)
            * t
            * (-x * x).exp();
    if x >= 0.0 { y } else { -y }
}

/// An sBG projection against the actual survivors: `actual[t]` customers still active
/// after `t` periods (t = 0 is the cohort), the fitted model's `actual[0] · S(t)` over the
/// same periods, and the end of the fit window (`fitted_periods`, the periods the model
/// was fitted on) marked. `period` names the unit ("years", "months").
///
/// # Errors
///
/// [`Error::EmptyInput`] for fewer than two counts or a zero cohort;
/// [`Error::InvalidParameter`] for a fit window beyond the data; bad options.
///
/// # Examples
///
/// ```
/// use customer_value::plot::{PlotOptions, retention::sbg_projection};
/// use customer_value::retention::ShiftedBetaGeometric;
///
/// let actual = [1000, 631, 468, 382, 326, 289, 262, 241, 223, 207, 194, 183, 173];
/// let fit = ShiftedBetaGeometric::fit_survivors(&actual[..8])?;
/// let svg = sbg_projection(&fit, &actual, 7, "years", &PlotOptions::default())?;
/// assert!(svg.contains("end of fit"));
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn sbg_projection(
    fit: &SbgFit,
    actual: &[u64],
    fitted_periods: usize,
    period: &str,
    o: &PlotOptions,
) -> Result<String> {
    let cohort = actual.first().copied().unwrap_or(0);
    if actual.len() < 2 || cohort == 0 {
        return Err(Error::EmptyInput {
            what: "survivor counts (a cohort and at least one period)",
        });
    }
    if fitted_periods >= actual.len() {
        return Err(Error::param(
            "fitted_periods",
            fitted_periods,
            "must be below the number of counts",
        ));
    }
    let n = actual.len() - 1;
    let share = |v: u64| v as f64 / cohort as f64;
    let observed: Vec<(f64, f64)> = actual
        .iter()
        .enumerate()
        .map(|(t, &v)| (t as f64, share(v)))
        .collect();
    let model: Vec<(f64, f64)> = (0..=n)
        .map(|t| (t as f64, fit.model.survival(u32::try_from(t).unwrap_or(u32::MAX))))
        .collect();
    let title = o.title_or(&format!(
        "sBG (α = {}, β = {}) fitted to {fitted_periods} {period}, projected to {n}",
        number(fit.model.alpha()),
        number(fit.model.beta())
    ));
    let mut chart = Chart::new(
        title,
        format!("Time since acquisition ({period})"),
        "Share of the cohort still active",
    )
    .ranges((0.0, n as f64), (0.0, 1.02))?;
    chart.y_format = Some(Box::new(percent));
    chart.x_ticks = n.min(20) + 1;
    chart.legend = Legend::UpperRight;
    chart
        .lines
        .push(Line::new("Actual", observed.clone(), o.colour(0)));
    let mut m = Line::new("sBG model", model, o.colour(1));
    m.dashed = true;
    chart.lines.push(m);
    chart.markers.push(Markers {
        label: None,
        points: observed,
        colour: o.colour(0),
        dots: true,
    });
    chart.vmarks.push(VMark {
        x: fitted_periods as f64,
        label: "end of fit".to_owned(),
    });
    render(o, chart)
}

/// The colour of cohort cells above the colour bar's scale (period 0).
const ABOVE_SCALE: super::Colour = super::Colour::new(200, 200, 200);

/// A cohort retention heatmap: one row per acquisition cohort (oldest at the top), one
/// column per period since acquisition, the colour the `metric`'s retention (0 to 100 %,
/// colour bar, scaled to the largest value after period 0, which is 100 % by definition
/// and drawn grey when it is above that scale); cells whose period has not finished are
/// left blank.
///
/// # Errors
///
/// [`Error::EmptyInput`] without cohorts; bad options.
///
/// # Examples
///
/// ```
/// use chrono::NaiveDate;
/// use customer_value::churn::{CohortMetric, CohortPeriod, CohortSpec, CohortTable};
/// use customer_value::plot::{PlotOptions, retention::cohort_retention};
/// use customer_value::TransactionLog;
/// use rust_decimal::Decimal;
///
/// let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
/// let mut log = TransactionLog::default();
/// log.push(1_u32, d(1, 5), Decimal::TEN);
/// log.push(2_u32, d(2, 20), Decimal::TEN);
/// log.push(1_u32, d(3, 3), Decimal::TEN);
/// let table = CohortTable::build(&CohortSpec::new(CohortPeriod::Month, d(4, 30))?, log.columns())?;
/// let svg = cohort_retention(&table, CohortMetric::Active, &PlotOptions::default())?;
/// assert!(svg.contains("2024-01"));
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn cohort_retention(table: &CohortTable, metric: CohortMetric, o: &PlotOptions) -> Result<String> {
    if table.cohorts.is_empty() {
        return Err(Error::EmptyInput { what: "cohorts" });
    }
    let rows = table.cohorts.len();
    let cols = table
        .cohorts
        .iter()
        .map(|c| c.active.len())
        .max()
        .unwrap_or(1)
        .max(1);
    let monthly = matches!(table.spec.period, CohortPeriod::Month);
    let names: Vec<String> = table
        .cohorts
        .iter()
        .rev()
        .map(|c| {
            if monthly {
                c.start.format("%Y-%m").to_string()
            } else {
                c.start.to_string()
            }
        })
        .collect();
    let mut cells = Vec::new();
    let mut max = 0.0_f64;
    for (row, c) in table.cohorts.iter().rev().enumerate() {
        for k in 0..cols {
            let v = match metric {
                CohortMetric::Active => c.retention(k),
                CohortMetric::ActiveOrLater => c.retention_or_later(k),
                CohortMetric::Revenue => c.revenue_retention(k),
            };
            if let Some(v) = v.filter(|v| v.is_finite()) {
                max = max.max(v);
                cells.push((k, row, v));
            }
        }
    }
    // Period 0 is 100 % by definition and would flatten the colours of the rest: the
    // scale runs to the largest later value (at least 1 %).
    let later_max = cells
        .iter()
        .filter(|c| c.0 > 0)
        .map(|c| c.2)
        .fold(0.0_f64, f64::max);
    let top = if later_max > 0.0 {
        later_max.max(0.01)
    } else {
        max.max(0.01)
    };
    let unit = match &table.spec.period {
        CohortPeriod::Week => "weeks",
        CohortPeriod::Month => "months",
        _ => "periods",
    };
    let what = match metric {
        CohortMetric::Active => "active in period",
        CohortMetric::ActiveOrLater => "active in period or after",
        CohortMetric::Revenue => "revenue, of period 0's, in period",
    };
    // Cells above the colour bar's scale (period 0's 100 % when later periods stay
    // below it) are grey, not the top colour: a 100 % cell must not read as the bar's
    // maximum.
    let above = cells.iter().any(|c| c.2 > top * (1.0 + 1e-12));
    let title = o.title_or(&if above {
        format!("Cohort retention: % of each cohort {what} k (period 0 = 100 %, grey)")
    } else {
        format!("Cohort retention: % of each cohort {what} k (period 0 = 100 %)")
    });
    let cohort = if monthly {
        "Acquisition month"
    } else {
        "Acquisition period (start)"
    };
    let mut chart = Chart::new(title, format!("Time since acquisition ({unit})"), cohort)
        .ranges((-0.5, cols as f64 - 0.5), (-0.5, rows as f64 - 0.5))?;
    chart.no_grid = true;
    chart.y_ticks = rows;
    chart.x_ticks = cols.min(25);
    chart.y_label_chars = names.iter().map(|s| s.chars().count()).max();
    chart.y_format = Some(Box::new(move |v| category(&names, v)));
    chart.cells = cells
        .into_iter()
        .map(|(k, row, v)| Rect {
            x: (k as f64 - 0.47, k as f64 + 0.47),
            y: (row as f64 - 0.47, row as f64 + 0.47),
            colour: if v > top * (1.0 + 1e-12) {
                ABOVE_SCALE
            } else {
                viridis(v / top)
            },
        })
        .collect();
    chart.colour_bar = Some(ColourBar {
        min: 0.0,
        max: 100.0 * top,
        label: "Retention (%)".to_owned(),
    });
    render(o, chart)
}

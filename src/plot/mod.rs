//! Charts of the crate's results as SVG documents (feature `plot`).
//!
//! Each chart is a function taking the crate's own result types (a [`HoldoutEvaluation`],
//! a [`KaplanMeier`], a [`CohortTable`], a [`Concentration`], …) and [`PlotOptions`]
//! (size, title, font, colours), and returning the SVG text; [`write_svg`] writes it to a
//! file. Axes say their units (weeks or days, the currency), two series on one axis get a
//! legend, and every chart is checked by rasterising it at the default 800 × 500
//! (`tests/plot_render.rs`).
//!
//! Large inputs are binned, never drawn a point per customer: a P(alive) matrix or a CLV
//! distribution of a million customers is a few hundred shapes (see
//! `docs/benchmarks.md`).
//!
//! | family | charts |
//! |---|---|
//! | [`btyd`] | tracking (cumulative, incremental), calibration vs holdout (by frequency, by recency), period transactions, frequency/recency and P(alive) heatmaps, a customer's P(alive) history, heterogeneity densities, CLV distribution |
//! | [`retention`] | Kaplan–Meier with bands and censoring ticks, sBG projection vs actual, cohort retention heatmap |
//! | [`segment`] | Lorenz curve with Gini, whale curve, RFM segment sizes |
//! | [`loyalty`] | tier distribution over time, points liability and breakage over time |
//!
//! Errors: bad input is a typed [`Error`](crate::Error) (an empty series, a non-finite
//! value, options out of range); nothing is drawn silently wrong.
//!
//! [`HoldoutEvaluation`]: crate::btyd::HoldoutEvaluation
//! [`KaplanMeier`]: crate::retention::KaplanMeier
//! [`CohortTable`]: crate::churn::CohortTable
//! [`Concentration`]: crate::segment::Concentration
//!
//! # Examples
//!
//! ```
//! use customer_value::plot::{PlotOptions, segment::lorenz};
//! use customer_value::segment::Concentration;
//!
//! let c = Concentration::new(&[1.0, 2.0, 3.0, 10.0, 50.0])?;
//! let svg = lorenz(&c, &PlotOptions::default())?;
//! assert!(svg.starts_with("<svg") && svg.contains("Gini"));
//! # Ok::<(), customer_value::Error>(())
//! ```

pub mod btyd;
pub(crate) mod common;
pub mod loyalty;
mod options;
pub mod retention;
pub mod segment;

pub use options::{Colour, OKABE_ITO, PlotOptions};

use crate::error::Result;

/// Writes an SVG document (from any chart function) to `path`.
///
/// # Errors
///
/// [`Error::Io`](crate::Error::Io) if the file cannot be written.
///
/// # Examples
///
/// ```
/// use customer_value::plot::{PlotOptions, segment::lorenz, write_svg};
/// use customer_value::segment::Concentration;
///
/// let svg = lorenz(&Concentration::new(&[1.0, 4.0, 9.0])?, &PlotOptions::default())?;
/// let path = std::env::temp_dir().join("customer_value_doc_lorenz.svg");
/// write_svg(&path, &svg)?;
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn write_svg(path: impl AsRef<std::path::Path>, svg: &str) -> Result<()> {
    std::fs::write(path, svg)?;
    Ok(())
}

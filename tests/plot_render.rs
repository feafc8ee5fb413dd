//! Every chart rasterised as a person would see it (feature `plot`): resvg draws the SVG
//! with the system's fonts (DejaVu Sans, as the charts name it), and the tests check that
//! the picture is not blank, that its text was drawn (resvg drops text silently when the
//! font family does not resolve), and that the series' pixels lie where the data say.
//! The PNGs are left in `target/tmp/plot-render/` to look at.

use std::path::PathBuf;
use std::sync::OnceLock;

use customer_value::plot::{Colour, PlotOptions};

/// A rasterised chart.
struct Picture {
    width: u32,
    height: u32,
    /// RGBA, row-major.
    pixels: Vec<u8>,
}

impl Picture {
    fn rgb(&self, x: u32, y: u32) -> (u8, u8, u8) {
        let i = ((y * self.width + x) * 4) as usize;
        (self.pixels[i], self.pixels[i + 1], self.pixels[i + 2])
    }

    /// The legend's box, if any: its background is the only warm near-white of a chart
    /// (250, 250, 246 at 90 %), which no grey text edge or colour blend produces.
    fn legend_box(&self) -> Option<(u32, u32, u32, u32)> {
        let mut found: Option<(u32, u32, u32, u32)> = None;
        for y in 0..self.height {
            for x in 0..self.width {
                let (r, g, b) = self.rgb(x, y);
                if r == g && r >= 248 && (3..=5).contains(&(i16::from(r) - i16::from(b))) {
                    found = Some(found.map_or((x, y, x, y), |(x0, y0, x1, y1)| {
                        (x0.min(x), y0.min(y), x1.max(x), y1.max(y))
                    }));
                }
            }
        }
        // The border and a pixel of margin around the background.
        found
            .filter(|(x0, y0, x1, y1)| x1 - x0 > 30 && y1 - y0 > 20)
            .map(|(x0, y0, x1, y1)| (x0.saturating_sub(3), y0.saturating_sub(3), x1 + 3, y1 + 3))
    }

    /// Pixels within `tol` (per channel) of `c`, outside the legend.
    fn matching(&self, c: Colour, tol: i32) -> Vec<(u32, u32)> {
        let legend = self.legend_box();
        let mut out = Vec::new();
        for y in 0..self.height {
            for x in 0..self.width {
                if legend.is_some_and(|(x0, y0, x1, y1)| x >= x0 && x <= x1 && y >= y0 && y <= y1) {
                    continue;
                }
                let (r, g, b) = self.rgb(x, y);
                if (i32::from(r) - i32::from(c.r)).abs() <= tol
                    && (i32::from(g) - i32::from(c.g)).abs() <= tol
                    && (i32::from(b) - i32::from(c.b)).abs() <= tol
                {
                    out.push((x, y));
                }
            }
        }
        out
    }

    /// Pixels that are not (near) white.
    fn ink(&self) -> usize {
        (0..self.height)
            .flat_map(|y| (0..self.width).map(move |x| (x, y)))
            .filter(|&(x, y)| {
                let (r, g, b) = self.rgb(x, y);
                u32::from(r) + u32::from(g) + u32::from(b) < 720
            })
            .count()
    }

    fn differing(&self, other: &Picture) -> usize {
        self.pixels
            .chunks(4)
            .zip(other.pixels.chunks(4))
            .filter(|(a, b)| a.iter().zip(b.iter()).any(|(x, y)| x.abs_diff(*y) > 40))
            .count()
    }
}

fn fonts() -> &'static std::sync::Arc<resvg::usvg::fontdb::Database> {
    static DB: OnceLock<std::sync::Arc<resvg::usvg::fontdb::Database>> = OnceLock::new();
    DB.get_or_init(|| {
        let mut db = resvg::usvg::fontdb::Database::new();
        db.load_system_fonts();
        assert!(
            db.faces()
                .any(|f| f.families.iter().any(|(name, _)| name == "DejaVu Sans")),
            "the font DejaVu Sans is not installed (Debian: fonts-dejavu-core); .ci/run installs it"
        );
        std::sync::Arc::new(db)
    })
}

fn rasterise(svg: &str) -> Picture {
    let opt = resvg::usvg::Options {
        fontdb: fonts().clone(),
        ..Default::default()
    };
    let tree = resvg::usvg::Tree::from_str(svg, &opt).expect("the SVG parses");
    let size = tree.size().to_int_size();
    let mut pixmap = resvg::tiny_skia::Pixmap::new(size.width(), size.height()).expect("a pixmap");
    resvg::render(
        &tree,
        resvg::tiny_skia::Transform::default(),
        &mut pixmap.as_mut(),
    );
    Picture {
        width: size.width(),
        height: size.height(),
        pixels: pixmap.data().to_vec(),
    }
}

fn out_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("plot-render");
    std::fs::create_dir_all(&dir).expect("output folder");
    dir
}

/// The checks every chart passes; returns the picture for chart-specific ones.
fn check(name: &str, svg: &str) -> Picture {
    roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("{name}: not XML: {e}"));
    assert!(svg.len() < 2_000_000, "{name}: {} bytes", svg.len());
    let pic = rasterise(svg);
    assert_eq!((pic.width, pic.height), (800, 500), "{name}");
    let ink = pic.ink();
    assert!(ink > 8_000, "{name}: nearly blank ({ink} pixels of ink)");
    // The same chart without its text must differ by the text's pixels: resvg drops text
    // whose font does not resolve, which would make the two equal.
    let no_text = strip_text(svg);
    let without = rasterise(&no_text);
    let text_pixels = pic.differing(&without);
    assert!(text_pixels > 1_500, "{name}: only {text_pixels} pixels of text");
    let png = out_dir().join(format!("{name}.png"));
    let mut pixmap = resvg::tiny_skia::Pixmap::new(pic.width, pic.height).expect("pixmap");
    pixmap.data_mut().copy_from_slice(&pic.pixels);
    pixmap.save_png(&png).expect("png written");
    std::fs::write(out_dir().join(format!("{name}.svg")), svg).expect("svg written");
    pic
}

fn strip_text(svg: &str) -> String {
    let mut out = String::with_capacity(svg.len());
    let mut rest = svg;
    while let Some(start) = rest.find("<text") {
        out.push_str(&rest[..start]);
        let end = rest[start..]
            .find("</text>")
            .map_or(rest.len(), |e| start + e + "</text>".len());
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// Bounding box (x0, y0, x1, y1) of pixels of colour `c`.
fn bbox(pic: &Picture, c: Colour) -> (u32, u32, u32, u32) {
    let px = pic.matching(c, 6);
    assert!(!px.is_empty(), "no pixel of colour {}", c.to_hex());
    let x0 = px.iter().map(|p| p.0).min().unwrap();
    let x1 = px.iter().map(|p| p.0).max().unwrap();
    let y0 = px.iter().map(|p| p.1).min().unwrap();
    let y1 = px.iter().map(|p| p.1).max().unwrap();
    (x0, y0, x1, y1)
}

fn opts() -> PlotOptions {
    PlotOptions::default()
}

fn blue() -> Colour {
    opts().colours[0]
}

/// The plot area's horizontal extent: the axis line (dark grey, the long vertical run at
/// the left) to the right margin. Good enough for "in the right quarter" checks.
fn x_share(pic: &Picture, x: u32) -> f64 {
    let (left, right) = plot_x_extent(pic);
    (f64::from(x) - f64::from(left)) / f64::from(right - left)
}

fn plot_x_extent(pic: &Picture) -> (u32, u32) {
    // The y axis is the leftmost column with a long run of dark pixels.
    let left = (0..pic.width / 2)
        .find(|&x| {
            (0..pic.height)
                .filter(|&y| {
                    let (r, g, b) = pic.rgb(x, y);
                    u32::from(r) + u32::from(g) + u32::from(b) < 400
                })
                .count()
                > (pic.height as usize) / 2
        })
        .expect("a y axis");
    (left, pic.width - 28)
}

fn orange() -> Colour {
    opts().colours[1]
}

/// The CDNOW sample, fitted and scored once for all chart tests.
mod cdnow {
    use std::collections::BTreeMap;
    use std::sync::OnceLock;

    use chrono::NaiveDate;
    use customer_value::btyd::{FitOptions, births_from_ages, cumulative_expected_repeat_transactions};
    use customer_value::io::read_transactions_csv;
    use customer_value::plot::btyd::{TrackingCurve, TrackingPoint};
    use customer_value::score::{ScoreSpec, ScoreTable, score};
    use customer_value::{BgNbd, DiscountRate, GammaGamma, Summaries, SummarySpec, TimeUnit, TransactionLog};

    pub struct Data {
        pub log: TransactionLog<u64>,
        pub summaries: Summaries<u64>,
        pub model: BgNbd,
        pub table: ScoreTable<u64>,
        pub tracking: TrackingCurve,
    }

    pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    pub fn data() -> &'static Data {
        static DATA: OnceLock<Data> = OnceLock::new();
        DATA.get_or_init(|| {
            let file = std::fs::File::open(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/data/cdnow_sample_transactions.csv"
            ))
            .unwrap();
            let log = read_transactions_csv::<u64, _>(std::io::BufReader::new(file)).unwrap();
            let spec = SummarySpec::new(date(1998, 6, 30))
                .with_unit(TimeUnit::WEEK)
                .with_calibration_end(date(1997, 9, 30));
            let summaries = customer_value::summarise_columns(spec, log.columns()).unwrap();
            let cols = summaries.columns();
            let data = customer_value::WeightedSummaries::from_columns(&cols).unwrap();
            let model = BgNbd::fit(&data, &FitOptions::default()).unwrap().model;
            let spend =
                customer_value::btyd::SpendSummaries::from_rows(&cols.frequency, &cols.monetary_value)
                    .unwrap();
            let gg = GammaGamma::fit(&spend, &FitOptions::default()).unwrap().model;
            let year = TimeUnit::from_days(365.0).unwrap();
            let spec = ScoreSpec::new(TimeUnit::WEEK, 52.0, DiscountRate::new(0.1, year).unwrap()).unwrap();
            let table = score(&summaries, &model, Some(&gg), &spec).unwrap();
            // Tracking every 4 weeks from the first purchase to the observation end.
            let origin = summaries
                .customers
                .iter()
                .map(|c| c.first_purchase)
                .min()
                .unwrap();
            let ages: Vec<f64> = summaries.customers.iter().map(|c| c.age).collect();
            let births = births_from_ages(&ages).unwrap();
            let span = (date(1998, 6, 30) - origin).num_days() as f64 / 7.0;
            let times: Vec<f64> = (1..)
                .map(|k| 4.0 * f64::from(k))
                .take_while(|t| *t <= span)
                .collect();
            let expected = cumulative_expected_repeat_transactions(&model, &births, &times).unwrap();
            let mut days: BTreeMap<u64, Vec<i64>> = BTreeMap::new();
            for (c, d, _) in log.columns().iter() {
                days.entry(*c).or_default().push((*d - origin).num_days());
            }
            let mut repeat: Vec<f64> = Vec::new();
            for v in days.values_mut() {
                v.sort_unstable();
                v.dedup();
                repeat.extend(v.iter().skip(1).map(|d| *d as f64 / 7.0));
            }
            let points = times
                .iter()
                .zip(expected)
                .map(|(&t, e)| TrackingPoint {
                    time: t,
                    actual: repeat.iter().filter(|r| **r < t).count() as f64,
                    expected: e,
                })
                .collect();
            let cal = (date(1997, 9, 30) - origin).num_days() as f64 / 7.0;
            let tracking = TrackingCurve::new(TimeUnit::WEEK, Some(cal), points).unwrap();
            Data {
                log,
                summaries,
                model,
                table,
                tracking,
            }
        })
    }
}

mod btyd_charts {
    use super::*;
    use customer_value::btyd::TransactionModel;
    use customer_value::plot::btyd;

    #[test]
    fn tracking_cumulative_ends_at_the_right_and_marks_calibration() {
        let d = cdnow::data();
        let svg = btyd::tracking_cumulative(&d.tracking, &opts()).unwrap();
        let pic = check("tracking_cumulative", &svg);
        let (_, top, right, _) = bbox(&pic, blue());
        assert!(x_share(&pic, right) > 0.75, "last point in the right quarter");
        // The cumulative curve's highest pixel is its last point: at the right.
        let top_x = pic
            .matching(blue(), 6)
            .into_iter()
            .filter(|p| p.1 == top)
            .map(|p| p.0)
            .max()
            .unwrap();
        assert!(
            x_share(&pic, top_x) > 0.9,
            "the curve rises to its end ({})",
            x_share(&pic, top_x)
        );
        // The calibration mark: dark grey pixels at 39/76 of the axis.
        let grey = pic.matching(Colour::new(90, 90, 90), 4);
        let cal = d.tracking.calibration_end.unwrap() / d.tracking.points.last().unwrap().time;
        assert!(
            grey.iter().any(|p| (x_share(&pic, p.0) - cal).abs() < 0.02),
            "calibration end at {cal}"
        );
        bbox(&pic, orange());
    }

    #[test]
    fn tracking_incremental_draws_both_series_to_the_end() {
        let d = cdnow::data();
        let pic = check(
            "tracking_incremental",
            &btyd::tracking_incremental(&d.tracking, &opts()).unwrap(),
        );
        assert!(x_share(&pic, bbox(&pic, blue()).2) > 0.95);
        assert!(x_share(&pic, bbox(&pic, orange()).2) > 0.95);
    }

    #[test]
    fn calibration_vs_holdout_rises_with_frequency() {
        let d = cdnow::data();
        let mut x = Vec::new();
        let (mut e, mut a) = (Vec::new(), Vec::new());
        for r in &d.table.rows {
            x.push(f64::from(r.frequency));
            e.push(r.expected_holdout_purchases.unwrap());
            a.push(f64::from(r.holdout_purchases.unwrap()));
        }
        let eval = customer_value::btyd::HoldoutEvaluation::new(&x, &e, &a, 7).unwrap();
        let pic = check(
            "calibration_vs_holdout",
            &btyd::calibration_vs_holdout(&eval, &opts()).unwrap(),
        );
        // The highest blue pixel (the 7+ bin) is the rightmost point.
        let (_, top, right, _) = bbox(&pic, blue());
        let top_x = pic
            .matching(blue(), 6)
            .into_iter()
            .filter(|p| p.1 <= top + 2)
            .map(|p| p.0)
            .max()
            .unwrap();
        assert!(top_x + 12 >= right && x_share(&pic, right) > 0.9);
        let pic = check(
            "calibration_vs_holdout_recency",
            &btyd::calibration_vs_holdout_by_recency(&d.table, 10, &opts()).unwrap(),
        );
        // Ten bins over recency 0 .. 38 weeks: the first point (mostly one-time buyers,
        // 0.27 holdout purchases) is the lowest and at the left; the model's highest at
        // the right (its last bin, 4.0).
        let (x0, _, x1, y1) = bbox(&pic, orange());
        assert!(x_share(&pic, x0) < 0.08 && x_share(&pic, x1) > 0.92);
        let lowest_x = pic
            .matching(orange(), 6)
            .into_iter()
            .filter(|p| p.1 >= y1 - 2)
            .map(|p| p.0)
            .min()
            .unwrap();
        assert!(x_share(&pic, lowest_x) < 0.08, "lowest point at the left");
    }

    #[test]
    fn period_transactions_tallest_bars_at_zero() {
        let d = cdnow::data();
        let svg = btyd::period_transactions(&d.summaries, &d.model, 7, &opts()).unwrap();
        let pic = check("period_transactions", &svg);
        for c in [blue(), orange()] {
            let (_, top, _, _) = bbox(&pic, c);
            let xs: Vec<u32> = pic
                .matching(c, 6)
                .into_iter()
                .filter(|p| p.1 == top)
                .map(|p| p.0)
                .collect();
            assert!(
                x_share(&pic, *xs.iter().max().unwrap()) < 0.15,
                "zero repeaters are the tallest bar"
            );
        }
        // Model and actual agree on customers with no repeat purchase to within 2 %.
        let zero = d.summaries.customers.iter().filter(|c| c.frequency == 0).count();
        assert!(svg.contains("Customers") && zero > 1000);
    }

    #[test]
    fn p_alive_matrix_is_bright_at_high_recency() {
        let d = cdnow::data();
        let grid = btyd::MatrixGrid::from_summaries(&d.summaries).unwrap();
        let pic = check(
            "p_alive_matrix",
            &btyd::p_alive_matrix(&d.model, &grid, &opts()).unwrap(),
        );
        // Frequent customers who bought recently are alive (yellow, right), those who
        // stopped early are not (purple, upper left).
        let (left, _) = plot_x_extent(&pic);
        let at = |share_x: f64, y: u32| {
            let x = left + (share_x * f64::from(pic.width - 140 - 28 - left)) as u32;
            pic.rgb(x, y)
        };
        let (r, g, _) = at(0.98, 120);
        assert!(r > 150 && g > 180, "top right is bright: {:?}", (r, g));
        let (r, g, b) = at(0.1, 120);
        assert!(
            r < 90 && g < 40 && b > 60,
            "top left is dark purple: {:?}",
            (r, g, b)
        );
        let fr = btyd::frequency_recency_matrix(&d.model, &grid, 52.0, &opts()).unwrap();
        let pic = check("frequency_recency", &fr);
        // Expected purchases grow with frequency at high recency: the top-right corner is
        // the bright end of the scale, the top-left (frequent, but stopped long ago) dark.
        let at = |share_x: f64, y: u32| {
            let x = left + (share_x * f64::from(pic.width - 140 - 28 - left)) as u32;
            pic.rgb(x, y)
        };
        let (r, g_top, _) = at(0.98, 50);
        assert!(r > 150 && g_top > 180, "top right is bright: {:?}", (r, g_top));
        let (r, g, b) = at(0.1, 50);
        assert!(r < 90 && g < 40 && b > 60, "top left is dark: {:?}", (r, g, b));
        // Lower down the right column the values fall: darker than the top.
        let (_, g_low, _) = at(0.98, 300);
        assert!(
            g_low + 40 < g_top,
            "brightness falls with frequency ({g_low} vs {g_top})"
        );
    }

    #[test]
    fn p_alive_history_marks_every_purchase() {
        let d = cdnow::data();
        let svg = btyd::p_alive_history(
            &d.model,
            customer_value::TimeUnit::WEEK,
            &[3.0, 8.0, 20.0],
            38.0,
            0.25,
            &opts(),
        )
        .unwrap();
        let pic = check("p_alive_history", &svg);
        let (x0, _, x1, _) = bbox(&pic, orange());
        // Dots at weeks 3 and 20 of 38.
        assert!((x_share(&pic, x0) - 3.0 / 38.0).abs() < 0.03);
        assert!((x_share(&pic, x1) - 20.0 / 38.0).abs() < 0.03);
        assert!(x_share(&pic, bbox(&pic, blue()).2) > 0.97);
        // After the last purchase P(alive) decays: the curve ends lower than it was.
        let end = d.model.probability_alive(3.0, 20.0, 38.0).unwrap();
        assert!(end < 0.9);
        // The purchase at week 20 is a jump (from 0.49 to 0.85 of P(alive)): one column
        // of blue pixels spans it, not a slope spread over the next step.
        let (_, y_top, _, y_bottom) = bbox(&pic, blue());
        let span = f64::from(y_bottom - y_top);
        let at_20: Vec<u32> = pic
            .matching(blue(), 6)
            .into_iter()
            .filter(|p| (x_share(&pic, p.0) - 20.0 / 38.0).abs() < 0.004)
            .map(|p| p.1)
            .collect();
        let run = f64::from(at_20.iter().max().unwrap() - at_20.iter().min().unwrap());
        assert!(
            run > 0.3 * span,
            "a vertical jump at week 20 ({run} of {span} px)"
        );
    }

    #[test]
    fn p_alive_history_on_calendar_dates() {
        let d = cdnow::data();
        // Customer 1 of CDNOW-like dates: first purchase 1997-01-04, repeats on 1997-02-01
        // and 1997-05-17 (weeks 4 and 19 of 38.4 to 1997-09-30).
        let svg = btyd::p_alive_history_on_calendar(
            &d.model,
            customer_value::TimeUnit::WEEK,
            cdnow::date(1997, 1, 4),
            &[cdnow::date(1997, 2, 1), cdnow::date(1997, 5, 17)],
            cdnow::date(1997, 9, 30),
            &opts(),
        )
        .unwrap();
        assert!(svg.contains("1997-0") && svg.contains("Date"));
        let pic = check("p_alive_history_calendar", &svg);
        let age = 269.0 / 7.0;
        let (x0, _, x1, _) = bbox(&pic, orange());
        assert!(
            (x_share(&pic, x0) - 4.0 / age).abs() < 0.03,
            "{}",
            x_share(&pic, x0)
        );
        assert!(
            (x_share(&pic, x1) - 19.0 / age).abs() < 0.03,
            "{}",
            x_share(&pic, x1)
        );
        assert!(matches!(
            btyd::p_alive_history_on_calendar(
                &d.model,
                customer_value::TimeUnit::WEEK,
                cdnow::date(1997, 1, 4),
                &[cdnow::date(1997, 1, 4)],
                cdnow::date(1997, 9, 30),
                &opts(),
            ),
            Err(customer_value::Error::InvalidParameter { .. })
        ));
    }

    #[test]
    fn heterogeneity_densities() {
        let d = cdnow::data();
        let m = d.model.with_unit(customer_value::TimeUnit::WEEK);
        let pic = check(
            "heterogeneity_rate",
            &btyd::transaction_rate_density(&m, &opts()).unwrap(),
        );
        // r < 1: the density falls from a pole at 0, highest at the left.
        let (_, top, _, _) = bbox(&pic, blue());
        let xs: Vec<u32> = pic
            .matching(blue(), 6)
            .into_iter()
            .filter(|p| p.1 <= top + 1)
            .map(|p| p.0)
            .collect();
        assert!(x_share(&pic, *xs.iter().min().unwrap()) < 0.05);
        // It leaves through the top of the plot (a pole), not along a flat cap: the
        // highest blue pixels are all at the left edge.
        let xs_top: Vec<u32> = pic
            .matching(blue(), 6)
            .into_iter()
            .filter(|p| p.1 <= top + 3)
            .map(|p| p.0)
            .collect();
        assert!(
            x_share(&pic, *xs_top.iter().max().unwrap()) < 0.02,
            "no plateau at the top: {:?}",
            xs_top.iter().max()
        );
        let svg = btyd::dropout_density(&m, &opts()).unwrap();
        let pic = check("heterogeneity_dropout", &svg);
        // beta(0.793, 2.43): falls from a pole at 0 towards 0 at p = 1; the mean mark
        // (dark grey) at 0.246 of the axis.
        let (_, top, right, _) = bbox(&pic, blue());
        let top_x = pic
            .matching(blue(), 6)
            .into_iter()
            .filter(|p| p.1 <= top + 1)
            .map(|p| p.0)
            .max()
            .unwrap();
        assert!(x_share(&pic, top_x) < 0.03 && x_share(&pic, right) > 0.97);
        let grey = pic.matching(Colour::new(90, 90, 90), 4);
        let mean = 0.793 / (0.793 + 2.426) / 0.995;
        assert!(
            grey.iter().any(|p| (x_share(&pic, p.0) - mean).abs() < 0.015),
            "mean mark at {mean}"
        );
        // A fit on the boundary (a → 0, b → ∞: almost no dropout) is drawn over the
        // mass, not as a flat line on [0, 1], and its ticks are not rounded to "0".
        let flat = customer_value::BgNbd::new(0.40, 14.7, 5.13e-6, 69_262.0).unwrap();
        let svg = btyd::dropout_density(&flat, &opts()).unwrap();
        let pic = check("heterogeneity_dropout_boundary", &svg);
        assert!(
            svg.contains("e-7") || svg.contains("e-8"),
            "small ticks in scientific notation"
        );
        assert!(svg.contains("mean 7.41e-11"), "the mean is not rounded to 0");
        let (_, _, right, _) = bbox(&pic, blue());
        assert!(x_share(&pic, right) > 0.97);
    }

    #[test]
    fn clv_distribution_peaks_where_the_median_is() {
        let d = cdnow::data();
        let svg = btyd::clv_distribution(&d.table, &opts()).unwrap();
        let pic = check("clv_distribution", &svg);
        let mut clv: Vec<f64> = d
            .table
            .rows
            .iter()
            .filter_map(|r| r.clv)
            .filter(|v| *v > 0.0)
            .collect();
        clv.sort_by(f64::total_cmp);
        let median = clv[clv.len() / 2];
        // Axis from $0.1 to $10k (decades -1 .. 4): the median's place on it.
        let share = (median.log10() + 1.0) / 5.0;
        let (_, top, _, _) = bbox(&pic, blue());
        let xs: Vec<u32> = pic
            .matching(blue(), 6)
            .into_iter()
            .filter(|p| p.1 == top)
            .map(|p| p.0)
            .collect();
        let peak = x_share(&pic, xs[xs.len() / 2]);
        assert!(
            (peak - share).abs() < 0.08,
            "tallest bar at {peak}, median at {share}"
        );
    }

    #[test]
    fn a_million_customers_bin_into_a_small_svg() {
        let d = cdnow::data();
        let rows: Vec<Option<f64>> = (0..1_000_000)
            .map(|i| Some(1.0 + (i % 997) as f64 * 3.7))
            .collect();
        let mut table = d.table.clone();
        table.rows.truncate(1);
        let template = table.rows[0].clone();
        table.rows = rows
            .iter()
            .map(|v| {
                let mut r = template.clone();
                r.clv = *v;
                r
            })
            .collect();
        let svg = btyd::clv_distribution(&table, &opts()).unwrap();
        assert!(svg.len() < 2_000_000);
        assert!(
            svg.contains("1M customers") || svg.contains("1,000,000") || svg.contains("CLV of 1M"),
            "{}",
            &svg[..400]
        );
    }

    #[test]
    fn the_legend_moves_off_the_data() {
        // Purchases per step rising to the right edge (a growing shop): the preferred
        // upper-right corner would hide the curves' ends and the calibration label, so
        // the legend goes to the free upper left.
        let points: Vec<btyd::TrackingPoint> = (1..=26)
            .map(|k| {
                let t = 4.0 * f64::from(k);
                btyd::TrackingPoint {
                    time: t,
                    actual: 3.0 * t * t,
                    expected: 2.9 * t * t,
                }
            })
            .collect();
        let curve = btyd::TrackingCurve::new(customer_value::TimeUnit::WEEK, Some(78.0), points).unwrap();
        let svg = btyd::tracking_incremental(&curve, &opts()).unwrap();
        let pic = check("legend_moves", &svg);
        let (x0, _, x1, _) = pic.legend_box().expect("a legend");
        assert!(x_share(&pic, x1) < 0.5, "legend at the left ({x0}..{x1})");
        // Both curves are visible up to their ends.
        assert!(x_share(&pic, bbox(&pic, blue()).2) > 0.97);
        assert!(x_share(&pic, bbox(&pic, orange()).2) > 0.97);
    }

    #[test]
    fn clv_axis_starts_at_a_cent_at_most() {
        // CLVs down to a billionth of a dollar (customers the model gives up on): the axis
        // still starts at $0.01, with those below pooled into the first bar and counted.
        let d = cdnow::data();
        let mut table = d.table.clone();
        let template = table.rows[0].clone();
        table.rows = (0..5_000)
            .map(|i| {
                let mut r = template.clone();
                r.clv = Some(if i % 10 == 0 {
                    1e-9 * f64::from(i + 1)
                } else {
                    5.0 + f64::from(i % 300)
                });
                r
            })
            .collect();
        let svg = btyd::clv_distribution(&table, &opts()).unwrap();
        assert!(
            svg.contains("500 below $0.01 in the first bar"),
            "{}",
            &svg[..600]
        );
        check("clv_distribution_small_values", &svg);
        // The title and the first tick.
        assert!(svg.matches("$0.01").count() >= 2 && !svg.contains("e-9"));
    }

    #[test]
    fn bad_input_is_a_typed_error() {
        use customer_value::Error;
        let d = cdnow::data();
        assert!(matches!(
            btyd::TrackingCurve::new(customer_value::TimeUnit::WEEK, None, vec![]),
            Err(Error::EmptyInput { .. })
        ));
        let p = |t: f64| btyd::TrackingPoint {
            time: t,
            actual: f64::NAN,
            expected: 1.0,
        };
        assert!(matches!(
            btyd::TrackingCurve::new(customer_value::TimeUnit::WEEK, None, vec![p(1.0)]),
            Err(Error::InvalidRow { .. })
        ));
        let pnbd = customer_value::ParetoNbd::new(0.55, 10.58, 0.61, 11.67).unwrap();
        assert!(matches!(
            btyd::period_transactions(&d.summaries, &pnbd, 7, &opts()),
            Err(Error::Undefined { .. })
        ));
        assert!(matches!(
            btyd::p_alive_history(
                &d.model,
                customer_value::TimeUnit::WEEK,
                &[50.0],
                38.0,
                1.0,
                &opts()
            ),
            Err(Error::InvalidParameter { .. })
        ));
        assert!(PlotOptions::default().with_size(10, 10).is_err());
        let mut o = opts();
        o.width = 0;
        assert!(btyd::tracking_cumulative(&d.tracking, &o).is_err());
    }
}

mod retention_charts {
    use super::*;
    use customer_value::churn::{CohortMetric, CohortPeriod, CohortSpec, CohortTable};
    use customer_value::plot::retention;
    use customer_value::retention::{ConfidenceBand, KaplanMeier, ShiftedBetaGeometric};

    #[test]
    fn kaplan_meier_placebo_falls_to_zero_first() {
        let six_mp = [
            (6, true),
            (6, true),
            (6, true),
            (6, false),
            (7, true),
            (9, false),
            (10, true),
            (10, false),
            (11, false),
            (13, true),
            (16, true),
            (17, false),
            (19, false),
            (20, false),
            (22, true),
            (23, true),
            (25, false),
            (32, false),
            (32, false),
            (34, false),
            (35, false),
        ];
        let placebo = [
            1, 1, 2, 2, 3, 4, 4, 5, 5, 8, 8, 8, 8, 11, 11, 12, 12, 15, 17, 22, 23,
        ]
        .map(|t| (t, true));
        let (a, b) = (
            KaplanMeier::from_durations(six_mp).unwrap(),
            KaplanMeier::from_durations(placebo).unwrap(),
        );
        let svg = retention::kaplan_meier(
            &[("6-MP", &a), ("Placebo", &b)],
            1.96,
            ConfidenceBand::LogLog,
            "weeks",
            &opts(),
        )
        .unwrap();
        let pic = check("kaplan_meier", &svg);
        // Placebo reaches S = 0 at week 23 of 35; 6-MP stays at 0.448 to the end.
        let (_, _, right, bottom) = bbox(&pic, orange());
        assert!(
            (x_share(&pic, right) - 23.0 / 35.0).abs() < 0.03,
            "{}",
            x_share(&pic, right)
        );
        let (_, _, right_a, bottom_a) = bbox(&pic, blue());
        assert!(x_share(&pic, right_a) > 0.98 && bottom_a < bottom);
        // Censoring ticks (dark grey) exist.
        assert!(pic.matching(Colour::new(60, 60, 60), 8).len() > 50);
    }

    #[test]
    fn sbg_projection_follows_the_survivors() {
        let actual = [1000, 631, 468, 382, 326, 289, 262, 241, 223, 207, 194, 183, 173];
        let fit = ShiftedBetaGeometric::fit_survivors(&actual[..8]).unwrap();
        let svg = retention::sbg_projection(&fit, &actual, 7, "years", &opts()).unwrap();
        let pic = check("sbg_projection", &svg);
        let (_, top, right, _) = bbox(&pic, blue());
        let top_x = pic
            .matching(blue(), 6)
            .into_iter()
            .filter(|p| p.1 == top)
            .map(|p| p.0)
            .min()
            .unwrap();
        assert!(
            x_share(&pic, top_x) < 0.03 && x_share(&pic, right) > 0.97,
            "from 100 % at 0 down to year 12"
        );
        assert!(retention::sbg_projection(&fit, &actual, 13, "years", &opts()).is_err());
    }

    #[test]
    fn cohort_heatmap_leaves_unfinished_periods_blank() {
        let d = cdnow::data();
        let spec = CohortSpec::new(CohortPeriod::Month, cdnow::date(1998, 6, 30)).unwrap();
        let table = CohortTable::build(&spec, d.log.columns()).unwrap();
        let pic = check(
            "cohort_retention",
            &retention::cohort_retention(&table, CohortMetric::Active, &opts()).unwrap(),
        );
        // The youngest cohort (bottom row) has fewer periods than the oldest (top row):
        // the bottom-right corner of the grid is white.
        let (left, _) = plot_x_extent(&pic);
        let right = pic.width - 140 - 28;
        assert_eq!(pic.rgb(right - 6, 400), (255, 255, 255));
        assert_ne!(pic.rgb(right - 6, 60), (255, 255, 255));
        assert_ne!(pic.rgb(left + 20, 400), (255, 255, 255));
        // Period 0 (100 %, above the colour bar's scale) is grey, not the scale's top.
        assert_eq!(pic.rgb(left + 20, 400), (200, 200, 200));
        assert_eq!(pic.rgb(left + 20, 60), (200, 200, 200));
    }
}

mod segment_charts {
    use super::*;
    use customer_value::plot::segment;
    use customer_value::segment::{Concentration, WhaleCurve, segment_overview};
    use rust_decimal::Decimal;

    #[test]
    fn lorenz_curve_lies_below_the_diagonal() {
        let values: Vec<f64> = (1..=100).map(f64::from).collect();
        let c = Concentration::new(&values).unwrap();
        let svg = segment::lorenz(&c, &opts()).unwrap();
        // Gini of 1..=100 (population): (n − 1) / (3n) = 0.33.
        assert!(svg.contains("Gini 0.33"), "title states the Gini");
        let pic = check("lorenz", &svg);
        let (x0, _, x1, _) = bbox(&pic, blue());
        let mid = (x0 + x1) / 2;
        let ys: Vec<u32> = pic
            .matching(blue(), 6)
            .into_iter()
            .filter(|p| p.0 == mid)
            .map(|p| p.1)
            .collect();
        let diag_y: Vec<u32> = pic
            .matching(orange(), 10)
            .iter()
            .filter(|p| p.0.abs_diff(mid) < 8)
            .map(|p| p.1)
            .collect();
        assert!(!ys.is_empty() && !diag_y.is_empty());
        assert!(
            ys.iter().min() > diag_y.iter().max(),
            "curve below the line of equality"
        );
    }

    #[test]
    fn whale_curve_peaks_in_the_middle() {
        let profits: Vec<Decimal> = (0..200).map(|i| Decimal::from(100 - i)).collect();
        let w = WhaleCurve::new(&profits).unwrap();
        let pic = check("whale", &segment::whale(&w, &opts()).unwrap());
        let (_, y0, _, _) = bbox(&pic, blue());
        let top: Vec<u32> = pic
            .matching(blue(), 6)
            .into_iter()
            .filter(|p| p.1 <= y0 + 1)
            .map(|p| p.0)
            .collect();
        let peak = x_share(&pic, top.iter().sum::<u32>() / top.len() as u32);
        assert!((peak - 0.5).abs() < 0.05, "peak at {peak}");
        // The legend hides neither the 100 % line (orange, at the bottom) nor the curve:
        // the line's dashes are found in every tenth of the width.
        let dashes = pic.matching(orange(), 10);
        for tenth in 0..10 {
            let (lo, hi) = (f64::from(tenth) / 10.0, f64::from(tenth + 1) / 10.0);
            assert!(
                dashes.iter().any(|p| (lo..hi).contains(&x_share(&pic, p.0))),
                "the total line is hidden in {lo}..{hi}"
            );
        }
    }

    #[test]
    fn rfm_segments_largest_on_top() {
        let d = cdnow::data();
        let ov = segment_overview(&d.summaries.customers).unwrap();
        let pic = check("rfm_segments", &segment::rfm_segments(&ov, &opts()).unwrap());
        let (_, top, right, _) = bbox(&pic, blue());
        let widest_y = pic
            .matching(blue(), 6)
            .into_iter()
            .filter(|p| p.0 == right)
            .map(|p| p.1)
            .min()
            .unwrap();
        assert!(widest_y < top + 30, "the widest bar is the top one");
    }
}

mod loyalty_charts {
    use super::*;
    use chrono::NaiveDate;
    use customer_value::loyalty::LedgerTotals;
    use customer_value::plot::loyalty::{
        PointsSnapshot, TierSnapshot, breakage_over_time, points_liability, tier_distribution,
    };
    use rust_decimal::Decimal;

    fn month(m: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2024, m, 28).unwrap()
    }

    #[test]
    fn tier_shares_stack_to_the_top() {
        let snaps: Vec<TierSnapshot> = (1..=12)
            .map(|m| TierSnapshot {
                date: month(m),
                counts: vec![
                    ("Base".into(), 100 - 5 * m as usize),
                    ("Gold".into(), 5 * m as usize),
                    ("Platinum".into(), m as usize),
                ],
            })
            .collect();
        let pic = check("tier_distribution", &tier_distribution(&snaps, &opts()).unwrap());
        // Gold (orange) grows: its tallest column is at the right.
        let (_, _, right, _) = bbox(&pic, orange());
        assert!(x_share(&pic, right) > 0.9);
        let mut bad = snaps.clone();
        bad[3].counts.pop();
        assert!(tier_distribution(&bad, &opts()).is_err());
    }

    #[test]
    fn liability_and_breakage_over_time() {
        let snaps: Vec<PointsSnapshot> = (1..=12)
            .map(|m| PointsSnapshot {
                date: month(m),
                totals: LedgerTotals {
                    earned: 1000 * i64::from(m),
                    spent: 600 * i64::from(m - 1),
                    expired: 100 * i64::from(m - 1),
                    outstanding: 1000 + 300 * i64::from(m),
                    ..Default::default()
                },
            })
            .collect();
        let pic = check(
            "points_liability",
            &points_liability(&snaps, Decimal::new(1, 2), &opts()).unwrap(),
        );
        assert!(x_share(&pic, bbox(&pic, blue()).2) > 0.97);
        let svg = breakage_over_time(&snaps, &opts()).unwrap();
        // 100 / 700 expired of resolved = 14.29 %; the first month has none resolved.
        assert!(
            svg.contains("14.29 %") && svg.contains("1 date before"),
            "{}",
            &svg[..600]
        );
        let pic = check("breakage", &svg);
        // The breakage line (orange) runs to the last month; its highest point is there
        // (the rate rises as points expire).
        let (_, top, right, _) = bbox(&pic, orange());
        assert!(x_share(&pic, right) > 0.97);
        let top_x = pic
            .matching(orange(), 6)
            .into_iter()
            .filter(|p| p.1 <= top + 2)
            .map(|p| p.0)
            .max()
            .unwrap();
        assert!(x_share(&pic, top_x) > 0.9, "highest at the end");
        let mut unsorted = snaps.clone();
        unsorted.swap(0, 1);
        assert!(points_liability(&unsorted, Decimal::ONE, &opts()).is_err());
    }
}

/// Rasterises every SVG in `$PLOT_DIR` to a PNG beside it, to look at (`cargo test
/// --features plot --test plot_render -- --ignored rasterise_dir`).
#[test]
#[ignore]
fn rasterise_dir() {
    let Ok(dir) = std::env::var("PLOT_DIR") else {
        return;
    };
    for entry in std::fs::read_dir(&dir).expect("PLOT_DIR") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "svg") {
            let svg = std::fs::read_to_string(&path).expect("svg");
            let pic = rasterise(&svg);
            let mut pixmap = resvg::tiny_skia::Pixmap::new(pic.width, pic.height).expect("pixmap");
            pixmap.data_mut().copy_from_slice(&pic.pixels);
            pixmap.save_png(path.with_extension("png")).expect("png");
        }
    }
}

/// `customer-value report --plots DIR` (the report code `clv_report` shares) writes at
/// least the ten charts of the contract, each a picture with text, and still prints the
/// report.
#[cfg(feature = "cli")]
#[test]
fn report_writes_the_contract_charts() {
    let dir = out_dir().join("report");
    let _ = std::fs::remove_dir_all(&dir);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_customer-value"))
        .args([
            "report",
            "--quiet",
            "--transactions",
            concat!(env!("CARGO_MANIFEST_DIR"), "/data/cdnow_sample_transactions.csv"),
            "--calibration-end",
            "1997-09-30",
            "--observation-end",
            "1998-06-30",
            "--plots",
        ])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("BG/NBD") || !out.stdout.is_empty());
    for name in [
        "tracking_cumulative",
        "tracking_incremental",
        "calibration_vs_holdout",
        "period_transactions",
        "frequency_recency",
        "p_alive_matrix",
        "clv_distribution",
        "lorenz",
        "rfm_segments",
        "cohort_retention",
    ] {
        let svg = std::fs::read_to_string(dir.join(format!("{name}.svg")))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        check(&format!("report_{name}"), &svg);
    }
}

//! Every chart rasterised as a person would see it (feature `plot`): resvg draws the SVG
//! with the system's fonts (DejaVu Sans, as the charts name it), and the tests check that
//! the picture is not blank, that its text was drawn (resvg drops text silently when the
//! font family does not resolve), and that the series' pixels lie where the data say.
//! The PNGs are left in `target/plot-render/` to look at.

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

    /// Pixels within `tol` (per channel) of `c`.
    fn matching(&self, c: Colour, tol: i32) -> Vec<(u32, u32)> {
        let mut out = Vec::new();
        for y in 0..self.height {
            for x in 0..self.width {
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

fn fonts() -> &'static resvg::usvg::fontdb::Database {
    static DB: OnceLock<resvg::usvg::fontdb::Database> = OnceLock::new();
    DB.get_or_init(|| {
        let mut db = resvg::usvg::fontdb::Database::new();
        db.load_system_fonts();
        assert!(
            db.faces().any(|f| f.families.iter().any(|(name, _)| name == "DejaVu Sans")),
            "the font DejaVu Sans is not installed (Debian: fonts-dejavu-core); .ci/run installs it"
        );
        db
    })
}

fn rasterise(svg: &str) -> Picture {
    let mut opt = resvg::usvg::Options::default();
    opt.fontdb = std::sync::Arc::new(fonts().clone());
    let tree = resvg::usvg::Tree::from_str(svg, &opt).expect("the SVG parses");
    let size = tree.size().to_int_size();
    let mut pixmap = resvg::tiny_skia::Pixmap::new(size.width(), size.height()).expect("a pixmap");
    resvg::render(&tree, resvg::tiny_skia::Transform::default(), &mut pixmap.as_mut());
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
        let end = rest[start..].find("</text>").map_or(rest.len(), |e| start + e + "</text>".len());
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

mod segment_charts {
    use super::*;
    use customer_value::plot::segment;
    use customer_value::segment::{Concentration, WhaleCurve};
    use rust_decimal::Decimal;

    #[test]
    fn lorenz_curve_lies_below_the_diagonal() {
        // Spend 1..=100: Gini = (n+1)/(3n)·… ; the curve at 50 % of customers holds 25.5 %.
        let values: Vec<f64> = (1..=100).map(f64::from).collect();
        let c = Concentration::new(&values).unwrap();
        let svg = segment::lorenz(&c, &opts()).unwrap();
        assert!(svg.contains("Gini 0.33"), "title states the Gini");
        let pic = check("lorenz", &svg);
        // The curve's blue pixels in the middle column lie below the diagonal's middle.
        let (x0, _, x1, _) = bbox(&pic, blue());
        let mid = (x0 + x1) / 2;
        let ys: Vec<u32> = pic.matching(blue(), 6).into_iter().filter(|p| p.0 == mid).map(|p| p.1).collect();
        let orange = pic.matching(opts().colours[1], 10);
        let diag_y: Vec<u32> = orange.iter().filter(|p| p.0.abs_diff(mid) < 8).map(|p| p.1).collect();
        assert!(!ys.is_empty() && !diag_y.is_empty());
        assert!(ys.iter().min() > diag_y.iter().max(), "curve below the line of equality");
    }

    #[test]
    fn whale_curve_peaks_above_total() {
        let profits: Vec<Decimal> = (0..200).map(|i| Decimal::from(100 - i)).collect();
        let w = WhaleCurve::new(&profits).unwrap();
        let svg = segment::whale(&w, &opts()).unwrap();
        let pic = check("whale", &svg);
        let (x0, y0, x1, _) = bbox(&pic, blue());
        // Peak near the middle (customer 101 of 200), the top of the curve.
        let top: Vec<u32> = pic.matching(blue(), 6).into_iter().filter(|p| p.1 <= y0 + 1).map(|p| p.0).collect();
        let peak_x = top.iter().sum::<u32>() / top.len() as u32;
        let share = f64::from(peak_x - x0) / f64::from(x1 - x0);
        assert!((share - 0.5).abs() < 0.08, "peak at {share}");
    }
}

/// Rasterises every SVG in `$PLOT_DIR` to a PNG beside it, to look at (`cargo test
/// --features plot --test plot_render -- --ignored rasterise_dir`).
#[test]
#[ignore]
fn rasterise_dir() {
    let Ok(dir) = std::env::var("PLOT_DIR") else { return };
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

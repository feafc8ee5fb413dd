//! What every chart takes besides its data: size, title, font and colours.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// An sRGB colour.
///
/// # Examples
///
/// ```
/// use customer_value::plot::Colour;
/// assert_eq!(Colour::new(0, 114, 178).to_hex(), "#0072B2");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Colour {
    /// Red, 0–255.
    pub r: u8,
    /// Green, 0–255.
    pub g: u8,
    /// Blue, 0–255.
    pub b: u8,
}

impl Colour {
    /// A colour from its channels.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::plot::Colour;
    ///
    /// let c = Colour::new(0, 114, 178);
    /// assert_eq!((c.r, c.g, c.b), (0, 114, 178));
    /// ```
    #[must_use]
    pub const fn new(r: u8, g: u8, b: u8) -> Self {
        Colour { r, g, b }
    }

    /// `#RRGGBB`.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::plot::Colour;
    ///
    /// assert_eq!(Colour::new(213, 94, 0).to_hex(), "#D55E00");
    /// ```
    #[must_use]
    pub fn to_hex(self) -> String {
        format!("#{:02X}{:02X}{:02X}", self.r, self.g, self.b)
    }
}

/// The Okabe–Ito colour-blind-safe palette (blue, vermilion, bluish green, orange, sky
/// blue, reddish purple, yellow), the default series colours.
///
/// # Examples
///
/// ```
/// use customer_value::plot::{Colour, OKABE_ITO, PlotOptions};
///
/// assert_eq!(OKABE_ITO[0], Colour::new(0, 114, 178)); // blue: the "actual" series
/// assert_eq!(PlotOptions::default().colours, OKABE_ITO.to_vec());
/// ```
pub const OKABE_ITO: [Colour; 7] = [
    Colour::new(0, 114, 178),
    Colour::new(213, 94, 0),
    Colour::new(0, 158, 115),
    Colour::new(230, 159, 0),
    Colour::new(86, 180, 233),
    Colour::new(204, 121, 167),
    Colour::new(240, 228, 66),
];

/// Size, title, font and colours of a chart.
///
/// Every chart function has a default title; [`title`](Self::title) replaces it. The
/// default size, 800 × 500, is the size the charts are checked at; below 320 × 200 is
/// refused.
///
/// # Examples
///
/// ```
/// use customer_value::plot::PlotOptions;
///
/// let o = PlotOptions::default().with_size(1000, 600)?.with_title("Repeat purchases");
/// assert_eq!((o.width, o.height), (1000, 600));
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct PlotOptions {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Title; `None` for the chart's own.
    pub title: Option<String>,
    /// The CSS font-family list of all text. The first family is the one the charts are
    /// checked with (DejaVu Sans); viewers without it fall back along the list.
    pub font: String,
    /// Series colours, used in order (the first for "actual", the second for "model").
    pub colours: Vec<Colour>,
    /// The currency prefix of money axes (e.g. `"$"`, `"€"`, or `""`).
    pub currency: String,
}

impl Default for PlotOptions {
    fn default() -> Self {
        PlotOptions {
            width: 800,
            height: 500,
            title: None,
            font: "DejaVu Sans, Verdana, Arial, sans-serif".to_owned(),
            colours: OKABE_ITO.to_vec(),
            currency: "$".to_owned(),
        }
    }
}

impl PlotOptions {
    /// The smallest size accepted.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::plot::PlotOptions;
    ///
    /// let (w, h) = PlotOptions::MIN_SIZE;
    /// assert!(PlotOptions::default().with_size(w, h).is_ok());
    /// assert!(PlotOptions::default().with_size(w - 1, h).is_err());
    /// ```
    pub const MIN_SIZE: (u32, u32) = (320, 200);
    /// The largest size accepted (per side).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::plot::PlotOptions;
    ///
    /// assert!(PlotOptions::default().with_size(PlotOptions::MAX_SIDE, 500).is_ok());
    /// assert!(PlotOptions::default().with_size(PlotOptions::MAX_SIDE + 1, 500).is_err());
    /// ```
    pub const MAX_SIDE: u32 = 10_000;

    /// With another size.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] below [`MIN_SIZE`](Self::MIN_SIZE) or above
    /// [`MAX_SIDE`](Self::MAX_SIDE).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::plot::PlotOptions;
    ///
    /// let o = PlotOptions::default().with_size(1200, 400)?;
    /// assert_eq!((o.width, o.height), (1200, 400));
    /// assert!(PlotOptions::default().with_size(100, 100).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn with_size(mut self, width: u32, height: u32) -> Result<Self> {
        self.width = width;
        self.height = height;
        self.validate()?;
        Ok(self)
    }

    /// With a title of one's own.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::plot::PlotOptions;
    ///
    /// let o = PlotOptions::default().with_title("Q3 cohort");
    /// assert_eq!(o.title.as_deref(), Some("Q3 cohort"));
    /// assert_eq!(PlotOptions::default().title, None); // each chart's own title
    /// ```
    #[must_use]
    pub fn with_title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// With other series colours.
    ///
    /// # Errors
    ///
    /// [`Error::EmptyInput`] for no colour.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::plot::{Colour, PlotOptions};
    ///
    /// let grey = Colour::new(128, 128, 128);
    /// let o = PlotOptions::default().with_colours(vec![grey, Colour::new(0, 0, 0)])?;
    /// assert_eq!(o.colours[0], grey);
    /// assert!(PlotOptions::default().with_colours(vec![]).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn with_colours(mut self, colours: Vec<Colour>) -> Result<Self> {
        if colours.is_empty() {
            return Err(Error::EmptyInput { what: "colours" });
        }
        self.colours = colours;
        Ok(self)
    }

    /// With another currency prefix for money axes.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::plot::PlotOptions;
    ///
    /// assert_eq!(PlotOptions::default().with_currency("€").currency, "€");
    /// ```
    #[must_use]
    pub fn with_currency(mut self, currency: impl Into<String>) -> Self {
        self.currency = currency.into();
        self
    }

    /// The old name of [`validate`](Self::validate).
    ///
    /// # Errors
    ///
    /// As [`validate`](Self::validate).
    ///
    /// # Examples
    ///
    /// ```
    /// # #![allow(deprecated)]
    /// assert!(customer_value::plot::PlotOptions::default().check().is_ok());
    /// ```
    #[deprecated(
        since = "0.2.0",
        note = "renamed `validate`: `check` is for invariants of built values"
    )]
    pub fn check(&self) -> Result<()> {
        self.validate()
    }

    /// Validates options built field by field (every chart calls it).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for a size out of range; [`Error::EmptyInput`] for no
    /// colour.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::plot::PlotOptions;
    ///
    /// let mut o = PlotOptions::default();
    /// o.validate()?;
    /// o.colours.clear(); // built field by field, so not checked yet
    /// assert!(o.validate().is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn validate(&self) -> Result<()> {
        let (min_w, min_h) = Self::MIN_SIZE;
        if self.width < min_w || self.width > Self::MAX_SIDE {
            return Err(Error::param("width", self.width, "must be in 320..=10000 pixels"));
        }
        if self.height < min_h || self.height > Self::MAX_SIDE {
            return Err(Error::param(
                "height",
                self.height,
                "must be in 200..=10000 pixels",
            ));
        }
        if self.colours.is_empty() {
            return Err(Error::EmptyInput { what: "colours" });
        }
        Ok(())
    }

    /// Series colour `i` (cycling through the palette).
    pub(crate) fn colour(&self, i: usize) -> Colour {
        let n = self.colours.len().max(1);
        self.colours.get(i % n).copied().unwrap_or(Colour::new(0, 0, 0))
    }

    /// The title given, or `default`.
    pub(crate) fn title_or(&self, default: &str) -> String {
        self.title.clone().unwrap_or_else(|| default.to_owned())
    }
}

//! The one saved-model format: every fitted model (BG/NBD, Pareto/NBD, MBG/NBD, BG/BB,
//! Gamma-Gamma, sBG) as tagged JSON that says what it is, which time unit its parameters
//! are in and, for a fit, what the fit found.
//!
//! ```json
//! {"model": "bgnbd", "format": 1, "unit_days": 7.0,
//!  "params": {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426},
//!  "standard_errors": {"r": 0.013, "alpha": 0.378, "a": 0.186, "b": 0.704},
//!  "log_likelihood": -9582.43, "customers": 2357.0}
//! ```
//!
//! Loading checks everything a file can get wrong: the `model` tag must be the model's own
//! (a BG/NBD file does not load as an MBG/NBD, though the parameters have the same names),
//! `format` must be one this crate reads, unknown fields are errors, and the parameters are
//! validated as by the model's constructor. The round trip is bit-exact (floats are written
//! shortest-exact and read correctly rounded).
//!
//! This module owns the format ([`SavedModel`], [`SAVED_MODEL_FORMAT`]), the trait that
//! links a model to it ([`SavedForm`]) and the loader of a file whose model is not known in
//! advance ([`AnySavedModel`]).

use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer, Serialize};

use super::covariates::CovariateLoad;
use super::fit::{Boundary, FitReport};
use super::{BgBb, BgNbd, MbgNbd, ParetoNbd};
use super::{
    BgBbParams, BgNbdParams, GammaGamma, GammaGammaParams, MbgNbdParams, ParetoNbdParams, TransactionModel,
};
use crate::error::{Error, Result};
use crate::retention::{SbgParams, ShiftedBetaGeometric};
use crate::time::TimeUnit;

/// The version of the saved-model format this crate writes and reads.
///
/// # Examples
///
/// ```
/// use customer_value::btyd::{BgNbd, SAVED_MODEL_FORMAT, SavedForm};
///
/// let saved = BgNbd::new(0.243, 4.414, 0.793, 2.426)?.to_saved();
/// assert_eq!(saved.format, SAVED_MODEL_FORMAT);
/// # Ok::<(), customer_value::Error>(())
/// ```
pub const SAVED_MODEL_FORMAT: u32 = 1;

/// The version of the saved-model format of a model with covariates: format 1 plus a
/// [`covariates`](SavedModel::covariates) block (the covariate names and coefficients).
/// Models without covariates are still written as format 1, so older readers read them;
/// this crate reads both.
///
/// # Examples
///
/// ```
/// use customer_value::btyd::{SAVED_COVARIATE_FORMAT, SAVED_MODEL_FORMAT};
///
/// assert_eq!((SAVED_MODEL_FORMAT, SAVED_COVARIATE_FORMAT), (1, 2));
/// ```
pub const SAVED_COVARIATE_FORMAT: u32 = 2;

/// A model in the saved format; `P` is the model's parameter struct (e.g.
/// [`BgNbdParams`]). The fit fields are present when the model was saved from a
/// [`FitReport`] ([`FitReport::to_saved`]), absent when saved from a bare model (a model
/// serialises as this form: `serde_json::to_string(&model)`).
///
/// # Examples
///
/// ```
/// use customer_value::TimeUnit;
/// use customer_value::btyd::{BgNbd, MbgNbd, SavedModel, BgNbdParams};
///
/// let model = BgNbd::new(0.2425945, 4.4136019, 0.7929199, 2.4258881)?.with_unit(TimeUnit::WEEK);
/// let json = serde_json::to_string(&model).unwrap();
/// assert!(json.starts_with(r#"{"model":"bgnbd","format":1,"unit_days":7.0,"params":{"r":0.2425945"#));
/// assert_eq!(serde_json::from_str::<BgNbd>(&json).unwrap(), model);
/// // The tag says what it is: the same parameters do not load as an MBG/NBD.
/// assert!(serde_json::from_str::<MbgNbd>(&json).is_err());
/// let saved = SavedModel::<BgNbdParams>::from_json(&json)?;
/// assert_eq!(saved.unit_days, Some(7.0));
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, bound(deserialize = "P: Deserialize<'de>"))]
pub struct SavedModel<P> {
    /// The model tag: `bgnbd`, `pnbd`, `mbgnbd`, `bgbb`, `gamma_gamma` or `sbg`.
    pub model: String,
    /// The format version ([`SAVED_MODEL_FORMAT`]).
    pub format: u32,
    /// The length in days of the time unit the parameters are in; `null` for a model
    /// without one (Gamma-Gamma, sBG, BG/BB's opportunities, or a model built without a
    /// unit).
    pub unit_days: Option<f64>,
    /// The parameters.
    pub params: P,
    /// Standard errors of the parameters, from the fit (absent when unknown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub standard_errors: Option<P>,
    /// Total log-likelihood of the fit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_likelihood: Option<f64>,
    /// Customers fitted (Σ weights).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customers: Option<f64>,
    /// Parameters the fit found on the boundary of the parameter space (see
    /// [`FitReport::boundary`]); absent when none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub boundary: Vec<Boundary>,
    /// A model with covariates (format [`SAVED_COVARIATE_FORMAT`]): `params` are the
    /// baseline's (a customer whose covariates are all 0), this block the covariate names
    /// and coefficients. Absent in format 1. Such a file loads as a covariate fit
    /// ([`CovariateFit::from_saved`](crate::btyd::covariates::CovariateFit::from_saved),
    /// [`SpendCovariateFit::from_saved`](crate::btyd::covariates::SpendCovariateFit::from_saved)),
    /// never as a plain model: scoring it without the covariates would be silently wrong.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub covariates: Option<crate::btyd::covariates::SavedCovariates>,
}

impl<P> SavedModel<P> {
    /// A saved form without fit information.
    pub(crate) fn bare(tag: &str, unit: Option<TimeUnit>, params: P) -> Self {
        SavedModel {
            model: tag.to_owned(),
            format: SAVED_MODEL_FORMAT,
            unit_days: unit.map(TimeUnit::days),
            params,
            standard_errors: None,
            log_likelihood: None,
            customers: None,
            boundary: Vec::new(),
            covariates: None,
        }
    }

    /// Checks the tag and the format, and returns the unit.
    pub(crate) fn checked_unit(&self, tag: &str, label: &str) -> Result<Option<TimeUnit>> {
        if self.model != tag {
            return Err(Error::definition(
                format!("saved model `{}`", self.model),
                format!("expected a {label} model (tag `{tag}`)"),
            ));
        }
        if self.covariates.is_some() || self.format == SAVED_COVARIATE_FORMAT {
            return Err(Error::definition(
                format!("saved model `{}`", self.model),
                "a model with covariates (format 2): load it as a covariate fit \
                 (CovariateFit::from_saved, SpendCovariateFit::from_saved) and score it with the covariates",
            ));
        }
        if self.format != SAVED_MODEL_FORMAT {
            return Err(Error::definition(
                format!("saved model `{}`", self.model),
                format!(
                    "format {} is not one this crate reads ({SAVED_MODEL_FORMAT}, or \
                     {SAVED_COVARIATE_FORMAT} with covariates)",
                    self.format
                ),
            ));
        }
        if let Some(c) = self.customers.filter(|c| !(c.is_finite() && *c >= 0.0)) {
            return Err(Error::definition(
                format!("saved model `{tag}`"),
                format!("customers = {c} is not a finite count ≥ 0"),
            ));
        }
        self.unit_days
            .map(|days| {
                TimeUnit::from_days(days).map_err(|_| {
                    Error::definition(
                        format!("saved model `{tag}`"),
                        format!("unit_days = {days} is not a positive, finite number of days"),
                    )
                })
            })
            .transpose()
    }

    /// The JSON text of the saved model (pretty-printed).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidDefinition`] if a value cannot be written (a non-finite float).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::{BgNbd, SavedForm};
    ///
    /// let saved = BgNbd::new(0.243, 4.414, 0.793, 2.426)?.to_saved();
    /// let text = saved.to_json()?;
    /// assert!(text.contains("\"model\": \"bgnbd\""));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn to_json(&self) -> Result<String>
    where
        P: Serialize,
    {
        serde_json::to_string_pretty(self).map_err(|e| Error::definition("saved model", e.to_string()))
    }

    /// Reads a saved model of parameter struct `P` from JSON text; the tag is checked when
    /// it becomes a model ([`SavedForm::from_saved`]).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidDefinition`] naming what is wrong (syntax, a missing or unknown
    /// field, a value of the wrong type).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::{BgNbd, BgNbdParams, SavedForm, SavedModel};
    ///
    /// let m = BgNbd::new(0.243, 4.414, 0.793, 2.426)?;
    /// let text = m.to_saved().to_json()?;
    /// let back: SavedModel<BgNbdParams> = SavedModel::from_json(&text)?;
    /// assert_eq!(BgNbd::from_saved(&back)?, m);
    /// assert!(SavedModel::<BgNbdParams>::from_json("{\"model\": 1}").is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn from_json(text: &str) -> Result<Self>
    where
        P: DeserializeOwned,
    {
        serde_json::from_str(text).map_err(|e| Error::definition("saved model", e.to_string()))
    }
}

/// A model with a saved form: the link between the model struct and its [`SavedModel`].
/// Implemented by every fitted model of the crate.
///
/// # Examples
///
/// ```
/// use customer_value::btyd::{GammaGamma, SavedForm};
///
/// let gg = GammaGamma::new(6.25, 3.74, 15.44)?;
/// let saved = gg.to_saved();
/// assert_eq!(saved.model, "gamma_gamma");
/// assert_eq!(GammaGamma::from_saved(&saved)?, gg);
/// # Ok::<(), customer_value::Error>(())
/// ```
pub trait SavedForm: Sized {
    /// The parameter struct of the saved form.
    type Params;
    /// The model's tag in the saved form.
    const TAG: &'static str;
    /// The model's name in messages.
    const LABEL: &'static str;

    /// The saved form of the model (without fit information).
    fn to_saved(&self) -> SavedModel<Self::Params>;

    /// The model from its saved form.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidDefinition`] for another model's tag, an unknown format or an
    /// invalid unit; [`Error::InvalidParameter`] for invalid parameters.
    fn from_saved(saved: &SavedModel<Self::Params>) -> Result<Self>;

    /// The parameter struct from values in the model's parameter order.
    fn params_from_values(values: &[f64]) -> Option<Self::Params>;
}

impl<M: SavedForm> FitReport<M> {
    /// The fitted model in the saved format, with the fit's standard errors,
    /// log-likelihood, customers and boundary findings.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::{BgNbd, FitOptions, WeightedSummaries, SavedForm};
    ///
    /// let data = WeightedSummaries::from_rows(
    ///     &[0.0, 1.0, 3.0, 0.0, 2.0, 5.0, 1.0, 0.0],
    ///     &[0.0, 10.0, 30.0, 0.0, 12.0, 35.0, 2.0, 0.0],
    ///     &[40.0, 40.0, 40.0, 38.0, 39.0, 40.0, 41.0, 37.0],
    /// )?;
    /// let fit = BgNbd::fit(&data, &FitOptions::default())?;
    /// let json = fit.to_saved().to_json()?;
    /// let back = customer_value::btyd::SavedModel::from_json(&json)?;
    /// assert_eq!(BgNbd::from_saved(&back)?, fit.model);
    /// assert_eq!(back.log_likelihood, Some(fit.log_likelihood));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn to_saved(&self) -> SavedModel<M::Params> {
        let mut saved = self.model.to_saved();
        saved.standard_errors = self.standard_errors.as_deref().and_then(M::params_from_values);
        saved.log_likelihood = Some(self.log_likelihood);
        saved.customers = Some(self.customers);
        saved.boundary.clone_from(&self.boundary);
        saved
    }
}

impl SavedForm for ShiftedBetaGeometric {
    type Params = SbgParams;
    const TAG: &'static str = "sbg";
    const LABEL: &'static str = "sBG";

    fn to_saved(&self) -> SavedModel<SbgParams> {
        SavedModel::bare(Self::TAG, None, SbgParams::from(*self))
    }

    fn from_saved(saved: &SavedModel<SbgParams>) -> Result<Self> {
        if saved.checked_unit(Self::TAG, Self::LABEL)?.is_some() {
            return Err(Error::definition(
                "saved model `sbg`",
                "unit_days must be null: the sBG counts the caller's own periods",
            ));
        }
        ShiftedBetaGeometric::new(saved.params.alpha, saved.params.beta)
    }

    fn params_from_values(values: &[f64]) -> Option<SbgParams> {
        match *values {
            [alpha, beta] => Some(SbgParams { alpha, beta }),
            _ => None,
        }
    }
}

/// A saved model whose kind is read from its tag: what a program that loads "a model
/// file" holds before it knows which model it is.
///
/// Deserialising validates the whole file (tag, format, unit, parameters), so a value of
/// this type always converts into its model.
///
/// # Examples
///
/// ```
/// use customer_value::TimeUnit;
/// use customer_value::btyd::{AnySavedModel, ParetoNbd};
///
/// let model = ParetoNbd::new(0.5534, 10.5802, 0.6061, 11.6562)?.with_unit(TimeUnit::WEEK);
/// let json = serde_json::to_string(&model).unwrap();
/// let loaded = AnySavedModel::from_json(&json)?;
/// assert_eq!(loaded.tag(), "pnbd");
/// let purchases = loaded.transaction_model()?;
/// assert_eq!(purchases.unit(), Some(TimeUnit::WEEK));
/// assert!(loaded.spend_model().is_err());
/// assert!(AnySavedModel::from_json(r#"{"model":"bgnbd","format":1}"#).is_err());
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum AnySavedModel {
    /// A BG/NBD model.
    BgNbd(SavedModel<BgNbdParams>),
    /// A Pareto/NBD model.
    ParetoNbd(SavedModel<ParetoNbdParams>),
    /// An MBG/NBD model.
    MbgNbd(SavedModel<MbgNbdParams>),
    /// A BG/BB model.
    BgBb(SavedModel<BgBbParams>),
    /// A Gamma-Gamma spend model.
    GammaGamma(SavedModel<GammaGammaParams>),
    /// A shifted-beta-geometric retention model.
    ShiftedBetaGeometric(SavedModel<SbgParams>),
    /// A GGom/NBD model.
    GgomNbd(SavedModel<super::GgomNbdParams>),
}

impl AnySavedModel {
    /// The tags this crate reads, in the order of the variants.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::{AnySavedModel, GammaGamma, SavedForm};
    ///
    /// let text = GammaGamma::new(6.25, 3.74, 15.44)?.to_saved().to_json()?;
    /// let any = AnySavedModel::from_json(&text)?;
    /// assert!(AnySavedModel::TAGS.contains(&any.tag()));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub const TAGS: [&'static str; 7] = ["bgnbd", "pnbd", "mbgnbd", "bgbb", "gamma_gamma", "sbg", "ggomnbd"];

    /// Reads and validates a saved model of any kind.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidDefinition`] naming what is wrong (syntax, an unknown tag or field,
    /// the format, the unit); [`Error::InvalidParameter`] for invalid parameters.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::{AnySavedModel, ParetoNbd, SavedForm};
    ///
    /// let text = ParetoNbd::new(0.553, 10.578, 0.606, 11.669)?.to_saved().to_json()?;
    /// let any = AnySavedModel::from_json(&text)?;
    /// assert_eq!(any.tag(), "pnbd");
    /// // A model of unknown kind is an error naming the tag, not a guess.
    /// let unknown = text.replace("\"pnbd\"", "\"pareto\"");
    /// assert!(AnySavedModel::from_json(&unknown).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn from_json(text: &str) -> Result<Self> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| Error::definition("saved model", e.to_string()))?;
        Self::from_value(value)
    }

    /// The JSON text (pretty-printed).
    ///
    /// # Errors
    ///
    /// As [`SavedModel::to_json`].
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::{AnySavedModel, BgNbd, SavedForm};
    ///
    /// let text = BgNbd::new(0.243, 4.414, 0.793, 2.426)?.to_saved().to_json()?;
    /// let any = AnySavedModel::from_json(&text)?;
    /// // Round trip: what is written reads back as the same model.
    /// assert_eq!(AnySavedModel::from_json(&any.to_json()?)?.tag(), "bgnbd");
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string_pretty(self).map_err(|e| Error::definition("saved model", e.to_string()))
    }

    fn from_value(value: serde_json::Value) -> Result<Self> {
        fn read<P: DeserializeOwned, M: SavedForm<Params = P> + CovariateLoad>(
            value: serde_json::Value,
        ) -> Result<SavedModel<P>> {
            let saved: SavedModel<P> = serde_json::from_value(value)
                .map_err(|e| Error::definition(format!("saved model `{}`", M::TAG), e.to_string()))?;
            if saved.covariates.is_some() {
                M::check_covariates(&saved)?;
            } else {
                M::from_saved(&saved)?;
            }
            Ok(saved)
        }
        let tag = value
            .get("model")
            .and_then(serde_json::Value::as_str)
            .ok_or_else(|| Error::definition("saved model", "no `model` tag (a string) at the top level"))?;
        match tag {
            "bgnbd" => read::<_, BgNbd>(value).map(Self::BgNbd),
            "pnbd" => read::<_, ParetoNbd>(value).map(Self::ParetoNbd),
            "mbgnbd" => read::<_, MbgNbd>(value).map(Self::MbgNbd),
            "bgbb" => read::<_, BgBb>(value).map(Self::BgBb),
            "gamma_gamma" => read::<_, GammaGamma>(value).map(Self::GammaGamma),
            "sbg" => read::<_, ShiftedBetaGeometric>(value).map(Self::ShiftedBetaGeometric),
            "ggomnbd" => read::<_, super::GgomNbd>(value).map(Self::GgomNbd),
            other => Err(Error::definition(
                format!("saved model `{other}`"),
                format!("unknown model tag (this crate reads {})", Self::TAGS.join(", ")),
            )),
        }
    }

    /// The model tag.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::{AnySavedModel, MbgNbd, SavedForm};
    ///
    /// let text = MbgNbd::new(0.525, 6.183, 0.891, 1.614)?.to_saved().to_json()?;
    /// assert_eq!(AnySavedModel::from_json(&text)?.tag(), "mbgnbd");
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn tag(&self) -> &str {
        match self {
            Self::BgNbd(s) => &s.model,
            Self::ParetoNbd(s) => &s.model,
            Self::MbgNbd(s) => &s.model,
            Self::BgBb(s) => &s.model,
            Self::GammaGamma(s) => &s.model,
            Self::ShiftedBetaGeometric(s) => &s.model,
            Self::GgomNbd(s) => &s.model,
        }
    }

    /// The covariate block of a model with covariates (format
    /// [`SAVED_COVARIATE_FORMAT`]); `None` for a plain model.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::{AnySavedModel, BgNbd, SavedForm};
    ///
    /// let text = BgNbd::new(0.243, 4.414, 0.793, 2.426)?.to_saved().to_json()?;
    /// assert!(AnySavedModel::from_json(&text)?.covariates().is_none());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn covariates(&self) -> Option<&crate::btyd::covariates::SavedCovariates> {
        match self {
            Self::BgNbd(s) => s.covariates.as_ref(),
            Self::ParetoNbd(s) => s.covariates.as_ref(),
            Self::MbgNbd(s) => s.covariates.as_ref(),
            Self::BgBb(s) => s.covariates.as_ref(),
            Self::GammaGamma(s) => s.covariates.as_ref(),
            Self::ShiftedBetaGeometric(s) => s.covariates.as_ref(),
            Self::GgomNbd(s) => s.covariates.as_ref(),
        }
    }

    /// The saved boundary findings of the fit (empty when none or not a fit).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::{AnySavedModel, BgNbd, SavedForm};
    ///
    /// // A bare model (not a fit) has no boundary findings.
    /// let text = BgNbd::new(0.243, 4.414, 0.793, 2.426)?.to_saved().to_json()?;
    /// assert!(AnySavedModel::from_json(&text)?.boundary().is_empty());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn boundary(&self) -> &[Boundary] {
        match self {
            Self::BgNbd(s) => &s.boundary,
            Self::ParetoNbd(s) => &s.boundary,
            Self::MbgNbd(s) => &s.boundary,
            Self::BgBb(s) => &s.boundary,
            Self::GammaGamma(s) => &s.boundary,
            Self::ShiftedBetaGeometric(s) => &s.boundary,
            Self::GgomNbd(s) => &s.boundary,
        }
    }

    /// The purchase model (BG/NBD, Pareto/NBD, MBG/NBD or BG/BB), with its unit.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidDefinition`] for a model that is not a purchase model.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::{AnySavedModel, BgNbd, GammaGamma, SavedForm, TransactionModel};
    ///
    /// let m = BgNbd::new(0.2425945, 4.4136019, 0.7929199, 2.4258881)?;
    /// let any = AnySavedModel::from_json(&m.to_saved().to_json()?)?;
    /// let model = any.transaction_model()?;
    /// assert_eq!(model.expected_purchases_new(52.0)?, m.expected_purchases_new(52.0)?);
    /// let spend = AnySavedModel::from_json(&GammaGamma::new(6.25, 3.74, 15.44)?.to_saved().to_json()?)?;
    /// assert!(spend.transaction_model().is_err()); // a spend model predicts no purchases
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn transaction_model(&self) -> Result<Box<dyn TransactionModel>> {
        Ok(match self {
            Self::BgNbd(s) => Box::new(BgNbd::from_saved(s)?),
            Self::ParetoNbd(s) => Box::new(ParetoNbd::from_saved(s)?),
            Self::MbgNbd(s) => Box::new(MbgNbd::from_saved(s)?),
            Self::BgBb(s) => Box::new(BgBb::from_saved(s)?),
            Self::GgomNbd(s) => Box::new(super::GgomNbd::from_saved(s)?),
            Self::GammaGamma(_) | Self::ShiftedBetaGeometric(_) => {
                return Err(Error::definition(
                    format!("saved model `{}`", self.tag()),
                    "not a purchase (transaction) model",
                ));
            }
        })
    }

    /// The spend model (Gamma-Gamma).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidDefinition`] for any other model.
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::btyd::{AnySavedModel, BgNbd, GammaGamma, SavedForm};
    ///
    /// let gg = GammaGamma::new(6.25, 3.74, 15.44)?;
    /// assert_eq!(AnySavedModel::from_json(&gg.to_saved().to_json()?)?.spend_model()?, gg);
    /// let bg = AnySavedModel::from_json(&BgNbd::new(0.243, 4.414, 0.793, 2.426)?.to_saved().to_json()?)?;
    /// assert!(bg.spend_model().is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn spend_model(&self) -> Result<GammaGamma> {
        match self {
            Self::GammaGamma(s) => GammaGamma::from_saved(s),
            _ => Err(Error::definition(
                format!("saved model `{}`", self.tag()),
                "not a spend (Gamma-Gamma) model",
            )),
        }
    }
}

impl<'de> Deserialize<'de> for AnySavedModel {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(deserializer)?;
        Self::from_value(value).map_err(D::Error::custom)
    }
}

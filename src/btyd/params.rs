//! The shape every model's parameters share: a validated model struct with private fields
//! (so every instance has passed `new`), its unvalidated serde form with public fields,
//! the conversions between the two, `new`, the getters, `PARAMETER_NAMES` and the
//! `(name, value)` list that `TransactionModel::parameters` reports, the parameter-vector
//! view ([`Parametric`](super::uncertainty::Parametric)) and, for a model fitted by maximum
//! likelihood, the [`Fit`](super::Fit) and [`Estimable`](super::uncertainty::Estimable)
//! impls.
//!
//! One macro writes that shape for each model, so that the models differ only where the
//! mathematics differs (their own files).

/// Declares a model whose parameters are all finite and > 0.
///
/// ```text
/// positive_parameters! {
///     /// Model docs.
///     model BgNbd, serde form BgNbdParams = "BgNbdParams", "BG/NBD", tag "bgnbd",
///         fitted on WeightedSummaries, likelihood likelihood;
///     /// Field doc (on the serde form).
///     r: "r",
///     ...
/// }
/// ```
///
/// `, fitted on Data, likelihood f` (optional, at the end of the `model` line) declares a
/// model fitted by maximum likelihood on `Data`: it writes the [`Fit`](super::Fit) impl
/// (delegating to the model's inherent `fit(&Data, &FitOptions)`, which the model's file
/// writes with its starts) and the [`Estimable`](super::uncertainty::Estimable) impl
/// (the harness likelihood `f(&Data)`, for the Hessians and samplers). Every model also
/// gets its [`Parametric`](super::uncertainty::Parametric) impl. A new model is then the
/// macro call, its `Likelihood` and a `fit` of three lines (see `btyd/fit_example.rs`).
///
/// The label names the model in docs and errors, the tag in saved models
/// ([`SavedModel::model`](super::SavedModel::model)); each field's string is the symbol its
/// getter's doc shows. `rates [..]` (optional) lists the parameters that are rates per unit
/// of time (gamma rate parameters): [`in_unit`] rescales them, and only models that have
/// them get an `in_unit`.
///
/// Every model carries the [`TimeUnit`](crate::TimeUnit) its parameters are in (`None`
/// when built by `new` without one: its times are then whatever the caller's are), and
/// serialises as the tagged [`SavedModel`](super::SavedModel) form.
macro_rules! positive_parameters {
    (
        $(#[$model_doc:meta])*
        model $model:ident, serde form $params:ident = $params_name:literal, $label:literal, tag $tag:literal $(, fitted on $data:ty, likelihood $likelihood:path $(, sampled by $sampling:path)?)?;
        $( $(#[$field_doc:meta])* $field:ident: $symbol:literal ),+ $(,)?
    ) => {
        $(#[$model_doc])*
        #[derive(Debug, Clone, Copy, PartialEq)]
        pub struct $model {
            $( $field: f64, )+
            unit: Option<$crate::time::TimeUnit>,
        }

        #[doc = concat!("Unvalidated ", $label, " parameters, the `params` (and `standard_errors`) of [`", stringify!($model), "`]'s saved form.")]
        #[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct $params {
            $( $(#[$field_doc])* pub $field: f64, )+
        }

        impl TryFrom<$params> for $model {
            type Error = $crate::error::Error;
            fn try_from(p: $params) -> $crate::error::Result<Self> {
                $model::new($( p.$field ),+)
            }
        }

        impl From<$model> for $params {
            fn from(m: $model) -> Self {
                $params { $( $field: m.$field ),+ }
            }
        }

        impl $params {
            /// Values in the model's parameter order (e.g. standard errors from a fit).
            #[allow(dead_code, reason = "used by the saved form of fits")]
            fn from_values(values: &[f64]) -> Option<Self> {
                match *values {
                    [$( $field ),+] => Some($params { $( $field ),+ }),
                    _ => None,
                }
            }
        }

        impl $crate::btyd::uncertainty::Parametric for $model {
            fn names(&self) -> Vec<&'static str> {
                $model::PARAMETER_NAMES.to_vec()
            }
            fn values(&self) -> Vec<f64> {
                vec![$( self.$field ),+]
            }
            fn with_values(&self, values: &[f64]) -> $crate::error::Result<Self> {
                Ok($model::from_values(values)?.with_optional_unit(self.unit))
            }
        }

        $(
            impl $crate::btyd::Fit for $model {
                type Data = $data;
                fn fit(data: &$data, options: &$crate::btyd::FitOptions) -> $crate::error::Result<$crate::btyd::FitReport<Self>> {
                    // The model's inherent `fit` (inherent functions win over trait ones).
                    $model::fit(data, options)
                }
            }

            impl $crate::btyd::uncertainty::parametric::Sealed for $model {}

            impl $crate::btyd::uncertainty::Estimable for $model {
                fn log_likelihood(data: &$data) -> Box<dyn $crate::btyd::uncertainty::LogLikelihood + '_> {
                    $crate::btyd::uncertainty::parametric::boxed($likelihood(data))
                }
                $(
                    fn sampling_likelihood(data: &$data) -> Box<dyn $crate::btyd::uncertainty::LogLikelihood + '_> {
                        $sampling(data)
                    }
                )?
            }
        )?

        impl $crate::btyd::SavedForm for $model {
            type Params = $params;
            const TAG: &'static str = $tag;
            const LABEL: &'static str = $label;

            fn to_saved(&self) -> $crate::btyd::SavedModel<$params> {
                $crate::btyd::SavedModel::bare($tag, self.unit, (*self).into())
            }

            fn from_saved(saved: &$crate::btyd::SavedModel<$params>) -> $crate::error::Result<Self> {
                let unit = saved.checked_unit($tag, $label)?;
                Ok($model::try_from(saved.params)?.with_optional_unit(unit))
            }

            fn params_from_values(values: &[f64]) -> Option<$params> {
                $params::from_values(values)
            }
        }

        impl serde::Serialize for $model {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
                $crate::btyd::SavedForm::to_saved(self).serialize(serializer)
            }
        }

        impl<'de> serde::Deserialize<'de> for $model {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
                let saved = $crate::btyd::SavedModel::<$params>::deserialize(deserializer)?;
                <$model as $crate::btyd::SavedForm>::from_saved(&saved).map_err(serde::de::Error::custom)
            }
        }

        impl $model {
            /// Parameter names in the order of [`FitReport::estimates`](super::FitReport::estimates).
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("use customer_value::btyd::", stringify!($model), ";")]
            ///
            #[doc = concat!("assert_eq!(", stringify!($model), "::PARAMETER_NAMES.join(\", \"), \"", stringify!($( $field ),+), "\");")]
            /// ```
            pub const PARAMETER_NAMES: [&'static str; [$( stringify!($field) ),+].len()] =
                [$( stringify!($field) ),+];

            /// A model from parameters, without a time unit (see
            /// [`with_unit`](Self::with_unit)).
            ///
            /// # Errors
            ///
            /// [`Error::InvalidParameter`](crate::Error::InvalidParameter) unless every
            /// parameter is finite and > 0.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("use customer_value::btyd::", stringify!($model), ";")]
            ///
            #[doc = concat!("let model = ", stringify!($model), "::new(", $crate::btyd::params::example_values!($($field),+), ")?;")]
            #[doc = concat!($( "assert_eq!(model.", stringify!($field), "(), 1.5);\n", )+)]
            #[doc = concat!("assert!(", stringify!($model), "::new(-", $crate::btyd::params::example_values!($($field),+), ").is_err());")]
            /// # Ok::<(), customer_value::Error>(())
            /// ```
            pub fn new($( $field: f64 ),+) -> $crate::error::Result<Self> {
                $( $crate::btyd::check_positive(stringify!($field), $field)?; )+
                Ok($model { $( $field, )+ unit: None })
            }

            /// The same parameters, declared to be in `unit` (no rescaling: to re-express a
            /// model in another unit, use `in_unit` where the model has it). Fits set the
            /// unit of the summaries they were fitted on.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("use customer_value::btyd::", stringify!($model), ";")]
            /// use customer_value::TimeUnit;
            ///
            #[doc = concat!("let model = ", stringify!($model), "::new(", $crate::btyd::params::example_values!($($field),+), ")?;")]
            /// assert_eq!(model.unit(), None);
            /// let weekly = model.with_unit(TimeUnit::WEEK);
            /// assert_eq!(weekly.unit(), Some(TimeUnit::WEEK));
            #[doc = concat!($( "assert_eq!(weekly.", stringify!($field), "(), model.", stringify!($field), "()); // not rescaled\n", )+)]
            /// # Ok::<(), customer_value::Error>(())
            /// ```
            #[must_use]
            pub fn with_unit(mut self, unit: $crate::time::TimeUnit) -> Self {
                self.unit = Some(unit);
                self
            }

            /// The time unit the parameters are in, when known (fits record it; `new`
            /// leaves it unset).
            #[must_use]
            pub fn unit(&self) -> Option<$crate::time::TimeUnit> {
                self.unit
            }

            #[allow(dead_code, reason = "not every model's fit has a unit to set")]
            pub(crate) fn with_optional_unit(mut self, unit: Option<$crate::time::TimeUnit>) -> Self {
                self.unit = unit;
                self
            }


            /// The parameters by name, in [`PARAMETER_NAMES`](Self::PARAMETER_NAMES) order:
            /// what `TransactionModel::parameters` reports.
            #[allow(dead_code, reason = "the spend model (Gamma-Gamma) is no TransactionModel")]
            pub(crate) fn parameter_values(&self) -> Vec<(&'static str, f64)> {
                vec![$( (stringify!($field), self.$field) ),+]
            }

            /// A model from its parameters in [`PARAMETER_NAMES`](Self::PARAMETER_NAMES)
            /// order (what the fit's optimiser works with).
            pub(crate) fn from_values(values: &[f64]) -> $crate::error::Result<Self> {
                match *values {
                    [$( $field ),+] => $model::new($( $field ),+),
                    _ => Err($crate::btyd::fit::wrong_parameter_count("parameters", values)),
                }
            }

            $(
                #[doc = concat!("`", $symbol, "`.")]
                #[must_use]
                pub fn $field(&self) -> f64 {
                    self.$field
                }
            )+
        }
    };
}

/// Example parameter values for the generated doc examples: `1.5, ` per parameter.
macro_rules! example_values {
    ($( $field:ident ),+) => {
        concat!($( "1.5, ", $crate::btyd::params::example_values!(@nothing $field) ),+)
    };
    (@nothing $field:ident) => { "" };
}

/// Writes `in_unit` for a model whose listed parameters are gamma rates per unit of time
/// (they scale by `from / target`; the others are unchanged):
/// `rescalable_unit!(BgNbd; rates alpha; all r, alpha, a, b);`.
macro_rules! rescalable_unit {
    ($model:ident; rates $( $rate:ident ),+; all $( $field:ident ),+) => {
        impl $model {
        /// The same model with its parameters re-expressed in `target` units:
        /// the rates per unit of time are multiplied by `unit / target` (a gamma
        /// rate `α` per day is `α / 7` per week), the shapes are unchanged. Every
        /// prediction at a time `t` in the new unit equals the old model's at the
        /// same span of days.
        ///
        /// # Errors
        ///
        /// [`Error::InvalidParameter`](crate::Error::InvalidParameter) if the
        /// model has no unit to convert from, or a rescaled rate is not finite
        /// and > 0.
        ///
        /// # Examples
        ///
        /// ```
        #[doc = concat!("use customer_value::btyd::", stringify!($model), ";")]
        /// use customer_value::TimeUnit;
        ///
        #[doc = concat!("let daily = ", stringify!($model), "::new(", $crate::btyd::params::example_values!($($field),+), ")?.with_unit(TimeUnit::DAY);")]
        /// let weekly = daily.in_unit(TimeUnit::WEEK)?;
        /// assert_eq!(weekly.unit(), Some(TimeUnit::WEEK));
        /// assert_eq!(weekly.in_unit(TimeUnit::DAY)?.unit(), Some(TimeUnit::DAY));
        /// # Ok::<(), customer_value::Error>(())
        /// ```
        pub fn in_unit(&self, target: $crate::time::TimeUnit) -> $crate::error::Result<Self> {
            let Some(from) = self.unit else {
                return Err($crate::error::Error::param(
                    "unit",
                    "none",
                    "the model has no time unit to convert from (set one with with_unit)",
                ));
            };
            let mut out = *self;
            if from != target {
                let factor = from.days() / target.days();
                $( out.$rate = self.$rate * factor; )+
                out = $model::new($( out.$field ),+)?;
            }
            Ok(out.with_unit(target))
        }
        }
    };
}

pub(crate) use example_values;
pub(crate) use positive_parameters;
pub(crate) use rescalable_unit;

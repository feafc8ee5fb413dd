//! The shape every model's parameters share: a validated model struct with private fields
//! (so every instance has passed `new`), its unvalidated serde form with public fields,
//! the conversions between the two, `new`, the getters, `PARAMETER_NAMES` and the
//! `(name, value)` list that `TransactionModel::parameters` reports.
//!
//! One macro writes that shape for each model, so that the models differ only where the
//! mathematics differs (their own files).

/// Declares a model whose parameters are all finite and > 0.
///
/// ```text
/// positive_parameters! {
///     /// Model docs.
///     model BgNbd, serde form BgNbdParams = "BgNbdParams", "BG/NBD";
///     /// Field doc (on the serde form).
///     r: "r",
///     ...
/// }
/// ```
///
/// The string after `=` repeats the serde form's name (serde's `try_from`/`into` take a
/// literal); the label names the model in the serde form's doc; each field's string is the
/// symbol its getter's doc shows.
macro_rules! positive_parameters {
    (
        $(#[$model_doc:meta])*
        model $model:ident, serde form $params:ident = $params_name:literal, $label:literal;
        $( $(#[$field_doc:meta])* $field:ident: $symbol:literal ),+ $(,)?
    ) => {
        $(#[$model_doc])*
        #[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
        #[serde(try_from = $params_name, into = $params_name)]
        pub struct $model {
            $( $field: f64, )+
        }

        #[doc = concat!("Unvalidated ", $label, " parameters, the serde form of [`", stringify!($model), "`].")]
        #[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
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

        impl $model {
            /// Parameter names in the order of [`FitReport::estimates`](super::FitReport::estimates).
            pub const PARAMETER_NAMES: [&'static str; [$( stringify!($field) ),+].len()] =
                [$( stringify!($field) ),+];

            /// A model from parameters.
            ///
            /// # Errors
            ///
            /// [`Error::InvalidParameter`](crate::Error::InvalidParameter) unless every
            /// parameter is finite and > 0.
            pub fn new($( $field: f64 ),+) -> $crate::error::Result<Self> {
                $( $crate::btyd::check_positive(stringify!($field), $field)?; )+
                Ok($model { $( $field ),+ })
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

pub(crate) use positive_parameters;

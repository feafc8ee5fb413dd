//! The crate's one error type and its `Result` alias.
//!
//! Every public fallible function returns [`Result<T>`]. Variants are structured: they say
//! *what* was wrong and *where* (which parameter, which row or line, which customer), so a
//! caller can react programmatically and a log line is still readable. The enum is
//! `#[non_exhaustive]`: new modules add variants without a breaking release.

use thiserror::Error as ThisError;

/// Everything that can go wrong in `customer_value`.
///
/// # Examples
///
/// ```
/// use customer_value::{Error, money};
///
/// let err = money::from_f64(f64::NAN, 2).unwrap_err();
/// assert!(matches!(err, Error::InvalidParameter { name: "value", .. }));
/// ```
#[derive(Debug, ThisError)]
#[non_exhaustive]
pub enum Error {
    /// A parameter or setting is outside its domain.
    #[error("invalid parameter `{name}` = {value}: {reason}")]
    InvalidParameter {
        /// The parameter's name, as in the function or struct that took it.
        name: &'static str,
        /// The offending value, formatted.
        value: String,
        /// What the valid domain is.
        reason: &'static str,
    },

    /// An input that must not be empty was empty.
    #[error("empty input: {what}")]
    EmptyInput {
        /// What was empty.
        what: &'static str,
    },

    /// One input row (0-based position in the order the rows were given) is invalid.
    #[error("row {row}: {reason}")]
    InvalidRow {
        /// 0-based position of the row in the input passed to the call that failed.
        row: u64,
        /// What is wrong with it.
        reason: String,
    },

    /// A text input (CSV) could not be parsed.
    #[error("line {line}: {reason}")]
    Parse {
        /// 1-based line number in the text, counting the header.
        line: u64,
        /// What could not be parsed.
        reason: String,
    },

    /// One customer's data is invalid or inconsistent.
    #[error("customer {customer}: {reason}")]
    InvalidCustomer {
        /// The customer key, formatted with `Debug`.
        customer: String,
        /// What is wrong.
        reason: String,
    },

    /// Two inputs that must have the same length do not.
    #[error("length mismatch: `{left}` has {left_len} items, `{right}` has {right_len}")]
    LengthMismatch {
        /// Name of the first input.
        left: &'static str,
        /// Its length.
        left_len: usize,
        /// Name of the second input.
        right: &'static str,
        /// Its length.
        right_len: usize,
    },

    /// Exact (Decimal or integer) arithmetic overflowed.
    #[error("arithmetic overflow in {op}")]
    Overflow {
        /// The operation that overflowed.
        op: &'static str,
    },

    /// An iterative procedure (optimiser, series) stopped before converging.
    #[error("{what} did not converge after {iterations} iterations: {detail}")]
    NonConvergence {
        /// What was being computed.
        what: &'static str,
        /// Iterations performed.
        iterations: usize,
        /// The last state (e.g. gradient norm, last term).
        detail: String,
    },

    /// A quantity is infinite or undefined for these inputs (e.g. a divergent series).
    #[error("{what} is undefined for these inputs: {reason}")]
    Undefined {
        /// What was being computed.
        what: &'static str,
        /// Why it does not exist.
        reason: String,
    },

    /// The data cannot identify a model's parameters (nobody repeats a purchase, fewer
    /// distinct rows than parameters, a likelihood that is not finite anywhere it was
    /// tried): no fit is returned rather than one at its start values.
    #[error("{model} cannot be fitted to these data: {reason}")]
    NotIdentifiable {
        /// The model (`"BG/NBD"`, `"Gamma-Gamma"`, …).
        model: &'static str,
        /// Why the data do not pin its parameters down.
        reason: String,
    },

    /// Two time units that must agree do not (a model fitted in one unit asked to work
    /// in another where no exact conversion applies).
    #[error(
        "time units differ: {what} is in units of {expected_days} days, {given_what} in units of {given_days} days"
    )]
    UnitMismatch {
        /// What carries the first unit (e.g. "the model").
        what: &'static str,
        /// Its unit, in days.
        expected_days: f64,
        /// What carries the second unit (e.g. "the argument `unit`").
        given_what: &'static str,
        /// Its unit, in days.
        given_days: f64,
    },

    /// Reading input failed.
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),

    /// A definition (a loyalty program, one of its rules or tiers) is invalid; `item` names
    /// the offending part, e.g. ``rule `double-weekend` `` or ``tier `gold` ``.
    #[error("invalid definition: {item}: {reason}")]
    InvalidDefinition {
        /// Which part of the definition is wrong.
        item: String,
        /// What is wrong with it.
        reason: String,
    },
}

/// `Result` with the crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// Shorthand for [`Error::InvalidParameter`].
    pub(crate) fn param(name: &'static str, value: impl std::fmt::Display, reason: &'static str) -> Self {
        Error::InvalidParameter {
            name,
            value: value.to_string(),
            reason,
        }
    }

    /// Shorthand for [`Error::InvalidDefinition`].
    pub(crate) fn definition(item: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::InvalidDefinition {
            item: item.into(),
            reason: reason.into(),
        }
    }
}

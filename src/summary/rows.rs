//! Row admission, shared by every route: counts each row once and decides whether it
//! reaches a customer (after the observation end, excluded or rejected negatives).
//!
//! Owns: the row counters of [`SummaryReport`] and the rule for negative amounts. Must
//! not: differ between routes (the report of `summarise_columns` is the builder's).

use rust_decimal::Decimal;

use super::{NegativeAmounts, SummaryReport, SummarySpec};

/// Row counters of a builder; all add up under merge.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct RowCounts {
    pub(super) rows: u64,
    pub(super) after_end: u64,
    pub(super) negative_excluded: u64,
    pub(super) negative_netted: u64,
}

/// What happens to a row before it reaches a customer.
pub(super) enum Admission {
    /// It updates its customer.
    Take,
    /// It is counted and left out (after the observation end, or an excluded negative).
    Skip,
    /// A negative amount under [`NegativeAmounts::Reject`].
    Reject,
}

impl RowCounts {
    /// Counts a row and decides whether it reaches its customer (the same rules on every
    /// route).
    #[inline]
    pub(super) fn admit(
        &mut self,
        spec: &SummarySpec,
        observation_end_day: i32,
        day: i32,
        amount: Decimal,
    ) -> Admission {
        self.rows += 1;
        if day > observation_end_day {
            self.after_end += 1;
            return Admission::Skip;
        }
        if amount.is_sign_negative() && !amount.is_zero() {
            match spec.negative_amounts {
                NegativeAmounts::Net => self.negative_netted += 1,
                NegativeAmounts::Exclude => {
                    self.negative_excluded += 1;
                    return Admission::Skip;
                }
                NegativeAmounts::Reject => return Admission::Reject,
            }
        }
        Admission::Take
    }

    /// A report with these row counts (the per-customer counts still zero).
    pub(super) fn report(&self) -> SummaryReport {
        SummaryReport {
            rows: self.rows,
            rows_after_observation_end: self.after_end,
            negative_rows_excluded: self.negative_excluded,
            negative_rows_netted: self.negative_netted,
            ..SummaryReport::default()
        }
    }
}

/// The customer table found no free slot (an internal invariant: it grows first).
pub(super) const TABLE_FULL: &str = "internal error: the customer table found no free slot";

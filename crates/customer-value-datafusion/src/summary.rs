//! The aggregate functions `btyd_summary` and `btyd_holdout`: one customer's calibration
//! (or holdout) summary from their rows, with an exact, mergeable partial state.
//!
//! ```sql
//! btyd_summary(date, amount, calibration_end, unit_days)
//!   -> {frequency, recency, T, monetary_value, first_purchase, total_spend}
//! btyd_holdout(date, amount, calibration_end, observation_end, unit_days)
//!   -> {frequency, monetary_value, total_spend, duration}
//! ```
//!
//! `calibration_end`, `observation_end` (dates) and `unit_days` (days per time unit, 7 for
//! weeks) must be literals. Rows after the window's end are outside this aggregate (the
//! holdout function covers what follows the calibration end). The result is null for a
//! customer without a purchase in the calibration window — the crate and lifetimes leave
//! such customers out (returns only, or first seen in the holdout). Values are the crate's
//! [`CustomerSummary`](customer_value::CustomerSummary) fields, money as `Float64`
//! through [`money::to_f64`](customer_value::money::to_f64), exactly as
//! `clv_report --json` prints them.
//!
//! Dates may be `Date32`, `Date64` or `Timestamp` (any unit, any time zone), amounts
//! `Decimal128`, `Float64` or text, read by the core's `customer_value::arrow` functions.
//! A null date or amount is an error, not a skipped row.

use std::sync::Arc;

use chrono::NaiveDate;
use customer_value::arrow::{decimal_amounts, purchase_days};
use customer_value::{PurchaseDate, SummaryBuilder, SummarySpec, TimeUnit, money};
use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BinaryArray, BinaryBuilder, BooleanArray, Date32Array, Float64Array,
    StructArray, UInt32Array,
};
use datafusion::arrow::buffer::NullBuffer;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Fields};
use datafusion::common::{DataFusionError, Result, ScalarValue, exec_err, plan_err};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, EmitTo, GroupsAccumulator, Signature, Volatility,
};
use datafusion::physical_expr::expressions::Literal;

use crate::state::Days;

/// Which window an aggregate summarises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Window {
    Calibration,
    Holdout,
}

/// `btyd_summary` or `btyd_holdout`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct BtydAggregate {
    window: Window,
    signature: Signature,
}

/// The aggregate `btyd_summary(date, amount, calibration_end, unit_days)`.
///
/// # Examples
///
/// See [`register`](crate::register).
#[must_use]
pub fn btyd_summary() -> AggregateUDF {
    AggregateUDF::from(BtydAggregate {
        window: Window::Calibration,
        signature: Signature::user_defined(Volatility::Immutable),
    })
}

/// The aggregate `btyd_holdout(date, amount, calibration_end, observation_end, unit_days)`.
///
/// # Examples
///
/// See [`register`](crate::register).
#[must_use]
pub fn btyd_holdout() -> AggregateUDF {
    AggregateUDF::from(BtydAggregate {
        window: Window::Holdout,
        signature: Signature::user_defined(Volatility::Immutable),
    })
}

/// The fields of `btyd_summary`'s struct.
#[must_use]
pub fn summary_fields() -> Fields {
    Fields::from(vec![
        Field::new("frequency", DataType::UInt32, false),
        Field::new("recency", DataType::Float64, false),
        Field::new("T", DataType::Float64, false),
        Field::new("monetary_value", DataType::Float64, false),
        Field::new("first_purchase", DataType::Date32, false),
        Field::new("total_spend", DataType::Float64, false),
    ])
}

/// The fields of `btyd_holdout`'s struct.
#[must_use]
pub fn holdout_fields() -> Fields {
    Fields::from(vec![
        Field::new("frequency", DataType::UInt32, false),
        Field::new("monetary_value", DataType::Float64, false),
        Field::new("total_spend", DataType::Float64, false),
        Field::new("duration", DataType::Float64, false),
    ])
}

impl BtydAggregate {
    fn fields(&self) -> Fields {
        match self.window {
            Window::Calibration => summary_fields(),
            Window::Holdout => holdout_fields(),
        }
    }

    fn name_str(&self) -> &'static str {
        match self.window {
            Window::Calibration => "btyd_summary",
            Window::Holdout => "btyd_holdout",
        }
    }

    /// The spec of the literal arguments.
    fn spec(&self, args: &AccumulatorArgs) -> Result<SummarySpec> {
        let literal = |i: usize, what: &str| -> Result<ScalarValue> {
            args.exprs
                .get(i)
                .and_then(|e| e.downcast_ref::<Literal>())
                .map(|l| l.value().clone())
                .ok_or_else(|| {
                    DataFusionError::Plan(format!("{}: {what} must be a literal", self.name_str()))
                })
        };
        let date = |i: usize, what: &str| -> Result<NaiveDate> {
            match literal(i, what)? {
                ScalarValue::Date32(Some(d)) => {
                    NaiveDate::from_num_days_from_ce_opt(d + customer_value::arrow::EPOCH_DAY_NUMBER)
                        .ok_or_else(|| DataFusionError::Plan(format!("{what}: date out of range")))
                }
                other => plan_err!("{}: {what} must be a date, not {other:?}", self.name_str()),
            }
        };
        let unit_arg = if self.window == Window::Calibration { 3 } else { 4 };
        let unit = match literal(unit_arg, "unit_days")? {
            ScalarValue::Float64(Some(d)) => TimeUnit::from_days(d).map_err(external)?,
            other => return plan_err!("{}: unit_days must be a number, not {other:?}", self.name_str()),
        };
        let calibration_end = date(2, "calibration_end")?;
        let spec = match self.window {
            Window::Calibration => SummarySpec::new(calibration_end),
            Window::Holdout => {
                SummarySpec::new(date(3, "observation_end")?).with_calibration_end(calibration_end)
            }
        }
        .with_unit(unit);
        spec.validate().map_err(external)?;
        Ok(spec)
    }

    fn groups(&self, args: &AccumulatorArgs) -> Result<SummaryGroups> {
        Ok(SummaryGroups {
            window: self.window,
            spec: self.spec(args)?,
            fields: self.fields(),
            groups: Vec::new(),
            heap: 0,
        })
    }
}

/// A `customer_value::Error` (or message) as a DataFusion error.
pub(crate) fn external(e: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> DataFusionError {
    DataFusionError::External(e.into())
}

impl AggregateUDFImpl for BtydAggregate {
    fn name(&self) -> &str {
        self.name_str()
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        let literals: &[DataType] = match self.window {
            Window::Calibration => &[DataType::Date32, DataType::Float64],
            Window::Holdout => &[DataType::Date32, DataType::Date32, DataType::Float64],
        };
        if arg_types.len() != 2 + literals.len() {
            return plan_err!(
                "{} takes {} arguments (date, amount, {}), not {}",
                self.name_str(),
                2 + literals.len(),
                if self.window == Window::Calibration {
                    "calibration_end, unit_days"
                } else {
                    "calibration_end, observation_end, unit_days"
                },
                arg_types.len()
            );
        }
        Ok(arg_types
            .iter()
            .take(2)
            .cloned()
            .chain(literals.iter().cloned())
            .collect())
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Struct(self.fields()))
    }

    fn is_nullable(&self) -> bool {
        true
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(vec![Arc::new(Field::new(
            format!("{}[days]", args.name),
            DataType::Binary,
            true,
        ))])
    }

    fn accumulator(&self, args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(OneCustomer(self.groups(&args)?)))
    }

    fn groups_accumulator_supported(&self, _args: AccumulatorArgs) -> bool {
        true
    }

    fn create_groups_accumulator(&self, args: AccumulatorArgs) -> Result<Box<dyn GroupsAccumulator>> {
        Ok(Box::new(self.groups(&args)?))
    }
}

/// The days of every group, and how to finish them.
#[derive(Debug)]
struct SummaryGroups {
    window: Window,
    spec: SummarySpec,
    fields: Fields,
    groups: Vec<Days>,
    /// Heap bytes of `groups`' day lists, kept up to date as they change: DataFusion asks
    /// for [`size`](GroupsAccumulator::size) after every batch, and summing a million
    /// groups each time cost more than the aggregation.
    heap: usize,
}

/// A day number on the calendar (the aggregate's dates, already converted).
#[derive(Debug, Clone, Copy)]
struct DayNumber(i32);

impl PurchaseDate for DayNumber {
    fn day_number(&self) -> i32 {
        self.0
    }
}

impl SummaryGroups {
    fn last_day(&self) -> i32 {
        self.spec.observation_end.day_number()
    }

    /// Adds the rows of a batch (`values` = date, amount, …) to their groups.
    fn add_rows(&mut self, values: &[ArrayRef], group_of: impl Fn(usize) -> Option<usize>) -> Result<()> {
        let (Some(dates), Some(amounts)) = (values.first(), values.get(1)) else {
            return exec_err!("btyd aggregate: missing date or amount");
        };
        let days = purchase_days(dates, 0).map_err(external)?;
        let amounts = decimal_amounts(amounts, 0).map_err(external)?;
        let end = self.last_day();
        for (row, (&day, &amount)) in days.iter().zip(&amounts).enumerate() {
            if day > end {
                continue;
            }
            let Some(g) = group_of(row) else { continue };
            let Some(days) = self.groups.get_mut(g) else {
                return exec_err!("btyd aggregate: group {g} out of range");
            };
            let before = days.heap_size();
            days.add(day, amount)
                .map_err(|e| external(format!("row {row}: {e}")))?;
            self.heap = (self.heap + days.heap_size()).saturating_sub(before);
        }
        Ok(())
    }

    /// The groups `emit_to` hands over, their bytes no longer counted.
    fn take(&mut self, emit_to: EmitTo) -> Vec<Days> {
        let groups = emit_to.take_needed(&mut self.groups);
        let gone: usize = groups.iter().map(Days::heap_size).sum();
        self.heap = self.heap.saturating_sub(gone);
        groups
    }

    fn resize(&mut self, total: usize) {
        if self.groups.len() < total {
            self.groups.resize_with(total, Days::default);
        }
    }

    /// The summaries of `groups`, as the struct column.
    fn finish(&self, groups: &mut [Days]) -> Result<ArrayRef> {
        let n = groups.len();
        let mut builder = SummaryBuilder::<u32>::new(self.spec).map_err(external)?;
        for (g, days) in groups.iter_mut().enumerate() {
            days.normalise().map_err(external)?;
            let key = u32::try_from(g).map_err(|_| external("more than 2^32 groups in one batch"))?;
            for d in days.days() {
                if d.buys > 0 {
                    builder.push(&key, DayNumber(d.day), d.bought).map_err(external)?;
                }
                if d.returns > 0 {
                    builder
                        .push(&key, DayNumber(d.day), d.returned)
                        .map_err(external)?;
                }
            }
        }
        let summaries = match builder.finish() {
            Ok(s) => s.customers,
            Err(customer_value::Error::EmptyInput { .. }) => Vec::new(),
            Err(e) => return Err(external(e)),
        };
        let mut valid = vec![false; n];
        let mut f = vec![vec![0.0; n]; 4];
        let mut frequency = vec![0u32; n];
        let mut first = vec![0i32; n];
        for s in &summaries {
            let i = s.customer as usize;
            let (Some(v), Some(x)) = (valid.get_mut(i), frequency.get_mut(i)) else {
                return exec_err!("btyd aggregate: a summary of an unknown group");
            };
            *v = true;
            let values: [f64; 4] = match (self.window, &s.holdout) {
                (Window::Calibration, _) => {
                    *x = s.frequency;
                    if let Some(d) = first.get_mut(i) {
                        *d = s.first_purchase.day_number() - customer_value::arrow::EPOCH_DAY_NUMBER;
                    }
                    [
                        s.recency,
                        s.age,
                        money::to_f64(s.monetary_value),
                        money::to_f64(s.total_spend),
                    ]
                }
                (Window::Holdout, Some(h)) => {
                    *x = h.frequency;
                    [
                        money::to_f64(h.monetary_value),
                        money::to_f64(h.total_spend),
                        h.duration,
                        0.0,
                    ]
                }
                (Window::Holdout, None) => return exec_err!("btyd_holdout: a summary without a holdout"),
            };
            for (column, v) in f.iter_mut().zip(values) {
                if let Some(slot) = column.get_mut(i) {
                    *slot = v;
                }
            }
        }
        let mut floats = f.into_iter().map(|c| Arc::new(Float64Array::from(c)) as ArrayRef);
        let mut next = || floats.next().ok_or_else(|| external("internal: missing column"));
        let x: ArrayRef = Arc::new(UInt32Array::from(frequency));
        let columns: Vec<ArrayRef> = match self.window {
            Window::Calibration => {
                let (tx, t, m, total) = (next()?, next()?, next()?, next()?);
                vec![x, tx, t, m, Arc::new(Date32Array::from(first)), total]
            }
            Window::Holdout => {
                let (m, total, duration) = (next()?, next()?, next()?);
                vec![x, m, total, duration]
            }
        };
        let array = StructArray::try_new(self.fields.clone(), columns, Some(NullBuffer::from(valid)))?;
        Ok(Arc::new(array))
    }

    fn states(groups: &[Days]) -> Result<ArrayRef> {
        let mut out = BinaryBuilder::with_capacity(groups.len(), groups.len() * 2 * crate::state::DAY_BYTES);
        let mut bytes = Vec::new();
        for days in groups {
            bytes.clear();
            days.encode(&mut bytes);
            out.append_value(&bytes);
        }
        Ok(Arc::new(out.finish()))
    }
}

fn selected(filter: Option<&BooleanArray>, row: usize) -> bool {
    filter.is_none_or(|f| f.is_valid(row) && f.value(row))
}

impl GroupsAccumulator for SummaryGroups {
    fn update_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        opt_filter: Option<&BooleanArray>,
        total_num_groups: usize,
    ) -> Result<()> {
        self.resize(total_num_groups);
        self.add_rows(values, |row| {
            selected(opt_filter, row)
                .then(|| group_indices.get(row).copied())
                .flatten()
        })
    }

    fn evaluate(&mut self, emit_to: EmitTo) -> Result<ArrayRef> {
        let mut groups = self.take(emit_to);
        self.finish(&mut groups)
    }

    fn state(&mut self, emit_to: EmitTo) -> Result<Vec<ArrayRef>> {
        let mut groups = self.take(emit_to);
        for g in &mut groups {
            g.normalise().map_err(external)?;
        }
        Ok(vec![Self::states(&groups)?])
    }

    fn merge_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        total_num_groups: usize,
    ) -> Result<()> {
        self.resize(total_num_groups);
        let Some(states) = values.first() else {
            return exec_err!("btyd aggregate: missing state");
        };
        let states: &BinaryArray = states.as_binary::<i32>();
        for (row, &g) in group_indices.iter().enumerate() {
            if states.is_null(row) {
                continue;
            }
            let Some(into) = self.groups.get_mut(g) else {
                return exec_err!("btyd aggregate: group {g} out of range");
            };
            let before = into.heap_size();
            into.absorb_encoded(states.value(row)).map_err(external)?;
            self.heap = (self.heap + into.heap_size()).saturating_sub(before);
        }
        Ok(())
    }

    fn convert_to_state(
        &self,
        values: &[ArrayRef],
        opt_filter: Option<&BooleanArray>,
    ) -> Result<Vec<ArrayRef>> {
        let rows = values.first().map_or(0, |a| a.len());
        let mut one = SummaryGroups {
            window: self.window,
            spec: self.spec,
            fields: self.fields.clone(),
            groups: Vec::new(),
            heap: 0,
        };
        one.resize(rows);
        one.add_rows(values, |row| selected(opt_filter, row).then_some(row))?;
        Ok(vec![Self::states(&one.groups)?])
    }

    fn size(&self) -> usize {
        self.groups.capacity() * std::mem::size_of::<Days>() + self.heap
    }
}

/// The row accumulator (one customer) DataFusion asks for where it cannot use groups.
#[derive(Debug)]
struct OneCustomer(SummaryGroups);

impl Accumulator for OneCustomer {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        self.0.resize(1);
        self.0.add_rows(values, |_| Some(0))
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        self.0.resize(1);
        let mut groups = self.0.groups.clone();
        let array = self.0.finish(&mut groups)?;
        ScalarValue::try_from_array(&array, 0)
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self) + self.0.size()
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        self.0.resize(1);
        let mut groups = self.0.groups.clone();
        for g in &mut groups {
            g.normalise().map_err(external)?;
        }
        let array = SummaryGroups::states(&groups)?;
        Ok(vec![ScalarValue::try_from_array(&array, 0)?])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let rows = states.first().map_or(0, |a| a.len());
        self.0.merge_batch(states, &vec![0; rows], 1)
    }
}

//! The scalar scoring functions: a fitted model's predictions for each customer's summary,
//! the model's parameters given as literal arguments (so a plan carries them to every
//! executor; no state to ship).
//!
//! ```sql
//! btyd_p_alive(model, p1, p2, p3, p4, x, t_x, T)
//! btyd_expected_purchases(model, p1, p2, p3, p4, t, x, t_x, T)
//! btyd_dert(model, p1, p2, p3, p4, annual_discount_rate, unit_days, x, t_x, T)
//! btyd_clv(model, p1, p2, p3, p4, horizon, annual_discount_rate, unit_days, x, t_x, T, value_per_purchase)
//! gamma_gamma_expected_spend(p, q, gamma, x, monetary_value)
//! ```
//!
//! `model` is `'bgnbd'` (parameters r, α, a, b), `'pnbd'` (r, α, s, β) or `'mbgnbd'`
//! (r, α, a, b); the model, its parameters, `t`, `horizon`, the discount rate and
//! `unit_days` must be literals. Each value is what [`customer_value::score::score`]
//! puts in the customer's row, computed by the same batch functions with the same
//! fallback (a failed batch is evaluated row by row); where the score table has no value
//! (a flag), SQL has null. Null inputs give null.

use std::sync::Arc;

use customer_value::TimeUnit;
use customer_value::btyd::{
    BgNbd, ClvSpec, DiscountRate, GammaGamma, History, Margin, MbgNbd, ParetoNbd, SummarySlices,
    TransactionModel, clv_batch, expected_clv,
};
use datafusion::arrow::array::{Array, ArrayRef, AsArray, Float64Array};
use datafusion::arrow::datatypes::{DataType, Float64Type};
use datafusion::common::{Result, ScalarValue, exec_err, plan_err};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

use crate::summary::external;

/// What a scoring function computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Quantity {
    PAlive,
    ExpectedPurchases,
    Dert,
    Clv,
}

impl Quantity {
    fn name(self) -> &'static str {
        match self {
            Quantity::PAlive => "btyd_p_alive",
            Quantity::ExpectedPurchases => "btyd_expected_purchases",
            Quantity::Dert => "btyd_dert",
            Quantity::Clv => "btyd_clv",
        }
    }

    /// Literal arguments after the model's four parameters.
    fn settings(self) -> usize {
        match self {
            Quantity::PAlive => 0,
            Quantity::ExpectedPurchases => 1,
            Quantity::Dert => 2,
            Quantity::Clv => 3,
        }
    }

    /// Column arguments (x, t_x, T, and the value per purchase for CLV).
    fn columns(self) -> usize {
        if self == Quantity::Clv { 4 } else { 3 }
    }

    fn arity(self) -> usize {
        5 + self.settings() + self.columns()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct BtydScalar {
    quantity: Quantity,
    signature: Signature,
}

fn scalar(quantity: Quantity) -> ScalarUDF {
    ScalarUDF::from(BtydScalar {
        quantity,
        signature: Signature::user_defined(Volatility::Immutable),
    })
}

/// `btyd_p_alive(model, p1, p2, p3, p4, x, t_x, T)`: P(alive) at the end of the calibration
/// window.
#[must_use]
pub fn btyd_p_alive() -> ScalarUDF {
    scalar(Quantity::PAlive)
}

/// `btyd_expected_purchases(model, p1, p2, p3, p4, t, x, t_x, T)`: expected purchases in
/// the next `t` units.
#[must_use]
pub fn btyd_expected_purchases() -> ScalarUDF {
    scalar(Quantity::ExpectedPurchases)
}

/// `btyd_dert(model, p1, p2, p3, p4, annual_discount_rate, unit_days, x, t_x, T)`:
/// discounted expected residual transactions.
#[must_use]
pub fn btyd_dert() -> ScalarUDF {
    scalar(Quantity::Dert)
}

/// `btyd_clv(model, p1, p2, p3, p4, horizon, annual_discount_rate, unit_days, x, t_x, T,
/// value_per_purchase)`: value per purchase × discounted expected purchases over the
/// horizon (steps of one unit, each discounted at its end), as the score table's `clv`.
#[must_use]
pub fn btyd_clv() -> ScalarUDF {
    scalar(Quantity::Clv)
}

/// A purchase model from its name and four parameters.
fn model(name: &str, p: [f64; 4]) -> Result<Box<dyn TransactionModel>> {
    let [a, b, c, d] = p;
    Ok(match name {
        "bgnbd" => Box::new(BgNbd::new(a, b, c, d).map_err(external)?),
        "pnbd" => Box::new(ParetoNbd::new(a, b, c, d).map_err(external)?),
        "mbgnbd" => Box::new(MbgNbd::new(a, b, c, d).map_err(external)?),
        other => return plan_err!("model must be 'bgnbd', 'pnbd' or 'mbgnbd', not '{other}'"),
    })
}

fn literal_f64(v: &ColumnarValue, what: &str, function: &str) -> Result<f64> {
    match v {
        ColumnarValue::Scalar(ScalarValue::Float64(Some(x))) => Ok(*x),
        _ => exec_err!("{function}: {what} must be a non-null literal number"),
    }
}

fn literal_str<'a>(v: &'a ColumnarValue, what: &str, function: &str) -> Result<&'a str> {
    match v {
        ColumnarValue::Scalar(
            ScalarValue::Utf8(Some(s)) | ScalarValue::LargeUtf8(Some(s)) | ScalarValue::Utf8View(Some(s)),
        ) => Ok(s),
        _ => exec_err!("{function}: {what} must be a literal string"),
    }
}

/// The rows of the non-null inputs, gathered, and where they go back.
struct Gathered {
    columns: Vec<Vec<f64>>,
    rows: Vec<usize>,
    n: usize,
}

fn gather(args: &[ColumnarValue], n: usize) -> Result<Gathered> {
    let arrays: Vec<ArrayRef> = args.iter().map(|a| a.to_array(n)).collect::<Result<_>>()?;
    let mut floats = Vec::with_capacity(arrays.len());
    for a in &arrays {
        match a.as_primitive_opt::<Float64Type>() {
            Some(f) => floats.push(f),
            None => return exec_err!("expected Float64 arguments, found {}", a.data_type()),
        }
    }
    let all_valid = floats.iter().all(|f| f.null_count() == 0);
    if all_valid {
        // No nulls: the columns as they are (one copy into the slices the models take).
        return Ok(Gathered {
            columns: floats.iter().map(|f| f.values().to_vec()).collect(),
            rows: (0..n).collect(),
            n,
        });
    }
    let rows: Vec<usize> = (0..n).filter(|&i| floats.iter().all(|f| f.is_valid(i))).collect();
    let columns = floats
        .iter()
        .map(|f| rows.iter().map(|&i| f.value(i)).collect())
        .collect();
    Ok(Gathered { columns, rows, n })
}

/// The batch result when it succeeded with every value finite, else each row on its own
/// (failures and non-finite values become null): the score table's rule.
fn each(
    batch: customer_value::Result<Vec<f64>>,
    len: usize,
    one: impl Fn(usize) -> customer_value::Result<f64>,
) -> Vec<Option<f64>> {
    if let Ok(values) = batch
        && values.len() == len
        && values.iter().all(|v| v.is_finite())
    {
        return values.into_iter().map(Some).collect();
    }
    (0..len).map(|i| one(i).ok().filter(|v| v.is_finite())).collect()
}

fn scatter(g: &Gathered, values: Vec<Option<f64>>) -> ColumnarValue {
    let mut out: Vec<Option<f64>> = vec![None; g.n];
    for (&i, v) in g.rows.iter().zip(values) {
        if let Some(slot) = out.get_mut(i) {
            *slot = v;
        }
    }
    ColumnarValue::Array(Arc::new(Float64Array::from(out)))
}

fn annual(rate: f64) -> Result<DiscountRate> {
    let year = TimeUnit::from_days(365.0).map_err(external)?;
    DiscountRate::new(rate, year).map_err(external)
}

impl ScalarUDFImpl for BtydScalar {
    fn name(&self) -> &str {
        self.quantity.name()
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        if arg_types.len() != self.quantity.arity() {
            return plan_err!(
                "{} takes {} arguments, not {} (see the customer_value_datafusion::score docs)",
                self.name(),
                self.quantity.arity(),
                arg_types.len()
            );
        }
        Ok(std::iter::once(DataType::Utf8)
            .chain(std::iter::repeat_n(DataType::Float64, arg_types.len() - 1))
            .collect())
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Float64)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let name = self.name();
        let q = self.quantity;
        let a = &args.args;
        if a.len() != q.arity() {
            return exec_err!("{name}: {} arguments expected", q.arity());
        }
        let (literals, columns) = a.split_at(5 + q.settings());
        let (head, settings) = literals.split_at(5);
        let Some((kind, params)) = head.split_first() else {
            return exec_err!("{name}: no model");
        };
        let mut p = [0.0; 4];
        for (slot, v) in p.iter_mut().zip(params) {
            *slot = literal_f64(v, "a model parameter", name)?;
        }
        let m = model(literal_str(kind, "model", name)?, p)?;
        let settings: Vec<f64> = settings
            .iter()
            .map(|v| literal_f64(v, "t, horizon, the discount rate and unit_days", name))
            .collect::<Result<_>>()?;
        let g = gather(columns, args.number_rows)?;
        let [x, tx, t, rest @ ..] = g.columns.as_slice() else {
            return exec_err!("{name}: missing summary columns");
        };
        let rows = SummarySlices::new(x, tx, t).map_err(external)?;
        let row = |i: usize| -> (f64, f64, f64) {
            (
                x.get(i).copied().unwrap_or(f64::NAN),
                tx.get(i).copied().unwrap_or(f64::NAN),
                t.get(i).copied().unwrap_or(f64::NAN),
            )
        };
        let n = rows.len();
        let values = match (q, settings.as_slice()) {
            (Quantity::PAlive, []) => each(m.probability_alive_batch(rows), n, |i| {
                let (x, tx, t) = row(i);
                m.probability_alive(x, tx, t)
            }),
            (Quantity::ExpectedPurchases, [horizon]) => {
                each(m.expected_purchases_batch(*horizon, rows), n, |i| {
                    let (x, tx, t) = row(i);
                    m.expected_purchases(*horizon, x, tx, t)
                })
            }
            (Quantity::Dert, [rate, unit_days]) => {
                let (discount, unit) = (annual(*rate)?, TimeUnit::from_days(*unit_days).map_err(external)?);
                (0..n)
                    .map(|i| {
                        let (x, tx, t) = row(i);
                        m.dert(discount, unit, x, tx, t).ok().filter(|v| v.is_finite())
                    })
                    .collect()
            }
            (Quantity::Clv, [horizon, rate, unit_days]) => {
                let unit = TimeUnit::from_days(*unit_days).map_err(external)?;
                if *horizon > ClvSpec::MAX_STEPS as f64 {
                    return exec_err!("{name}: a horizon of more than ClvSpec::MAX_STEPS (10,000) units");
                }
                let spec = ClvSpec::new(unit, *horizon, annual(*rate)?)
                    .and_then(|s| s.with_step(1.0))
                    .map_err(external)?;
                let zeros = vec![0.0; n];
                let discounted = each(
                    clv_batch(m.as_ref(), Margin::PerPurchase(1.0), &spec, rows, &zeros),
                    n,
                    |i| {
                        let (x, tx, t) = row(i);
                        History::from_f64(x, tx, t)
                            .and_then(|h| expected_clv(m.as_ref(), Margin::PerPurchase(1.0), &spec, h, 0.0))
                    },
                );
                let value = rest.first().map(Vec::as_slice).unwrap_or_default();
                discounted
                    .into_iter()
                    .zip(value)
                    .map(|(d, v)| d.map(|d| v * d).filter(|c| c.is_finite()))
                    .collect()
            }
            _ => return exec_err!("{name}: wrong arguments"),
        };
        Ok(scatter(&g, values))
    }
}

/// `gamma_gamma_expected_spend(p, q, gamma, x, monetary_value)`: the Gamma-Gamma model's
/// expected spend per purchase (its population mean for `x = 0`); null for repeat
/// customers whose mean repeat spend is ≤ 0, as the score table.
#[must_use]
pub fn gamma_gamma_expected_spend() -> ScalarUDF {
    ScalarUDF::from(GammaGammaSpend {
        signature: Signature::user_defined(Volatility::Immutable),
    })
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct GammaGammaSpend {
    signature: Signature,
}

impl ScalarUDFImpl for GammaGammaSpend {
    fn name(&self) -> &str {
        "gamma_gamma_expected_spend"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        if arg_types.len() != 5 {
            return plan_err!(
                "gamma_gamma_expected_spend takes 5 arguments (p, q, gamma, x, monetary_value)"
            );
        }
        Ok(vec![DataType::Float64; 5])
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Float64)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let name = self.name();
        let (params, columns) = args.args.split_at(3.min(args.args.len()));
        let mut p = [0.0; 3];
        for (slot, v) in p.iter_mut().zip(params) {
            *slot = literal_f64(v, "a model parameter", name)?;
        }
        let model = GammaGamma::new(p[0], p[1], p[2]).map_err(external)?;
        let g = gather(columns, args.number_rows)?;
        let [x, m] = g.columns.as_slice() else {
            return exec_err!("{name}: x and monetary_value expected");
        };
        let values = x
            .iter()
            .zip(m)
            .map(|(&x, &m)| {
                if x > 0.0 && (m.is_nan() || m <= 0.0) {
                    return None;
                }
                model
                    .conditional_expected_spend(x, m)
                    .ok()
                    .filter(|v| v.is_finite())
            })
            .collect();
        Ok(scatter(&g, values))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_batch_rule_falls_back_row_by_row() {
        let v = each(Ok(vec![1.0, f64::NAN]), 2, |i| {
            if i == 0 { Ok(1.0) } else { Ok(f64::INFINITY) }
        });
        assert_eq!(v, vec![Some(1.0), None]);
        assert!(model("nope", [1.0; 4]).is_err());
    }
}

//! The raw cells of a cohort table, counted from a log in one linear pass: a bitmask fast
//! path for tables of at most 128 periods and a general path (counting sort by customer)
//! for longer ones.

use std::hash::Hash;

use rust_decimal::Decimal;

use super::Buckets;
use crate::error::{Error, Result};
use crate::time::{PurchaseDate, date_of_day};
use crate::transaction::TransactionColumns;

/// The raw cells of a table: cohort c is acquisition period `min_first + c`; its rows
/// have one cell per period from acquisition to the last period.
pub(super) struct Cells {
    pub(super) min_first: i64,
    pub(super) size: Vec<u64>,
    pub(super) active: Vec<Vec<u64>>,
    /// Customers whose last active period is k.
    pub(super) last_seen: Vec<Vec<u64>>,
    pub(super) revenue: Vec<Vec<Decimal>>,
    pub(super) rows_after_as_of: u64,
}

impl Cells {
    fn new(min_first: i64, last_period: i64, size: Vec<u64>, rows_after_as_of: u64) -> Result<Self> {
        let span = last_period - min_first + 1;
        if !(1..=100_000).contains(&span) || size.len() as i64 != span {
            return Err(Error::param(
                "periods",
                span,
                "a cohort table spans 1 to 100,000 periods",
            ));
        }
        // Triangular: cohort c has span − c cells (none for empty cohorts).
        let widths: Vec<usize> = size
            .iter()
            .enumerate()
            .map(|(c, &n)| if n > 0 { span as usize - c } else { 0 })
            .collect();
        // Storage is proportional to the cells of non-empty cohorts; refuse before
        // allocating a table beyond the documented limit.
        super::check_cells(
            widths.iter().map(|&w| w as u64).sum(),
            widths.iter().filter(|&&w| w > 0).count(),
        )?;
        Ok(Cells {
            min_first,
            active: widths.iter().map(|&w| vec![0; w]).collect(),
            last_seen: widths.iter().map(|&w| vec![0; w]).collect(),
            revenue: widths.iter().map(|&w| vec![Decimal::ZERO; w]).collect(),
            size,
            rows_after_as_of,
        })
    }

    fn add_revenue(&mut self, c: usize, k: usize, amount: Decimal) -> Result<()> {
        if let Some(cell) = self.revenue.get_mut(c).and_then(|r| r.get_mut(k)) {
            // Exact or an error: a rounded sum would depend on row order and sharding.
            *cell = crate::money::add_exact(*cell, amount).ok_or(Error::Overflow { op: "cohort revenue" })?;
        }
        Ok(())
    }
}

/// Adds one to cell `i` (always in range: callers index cells they sized themselves).
#[inline]
fn bump(cells: &mut [u64], i: usize) {
    if let Some(cell) = cells.get_mut(i) {
        *cell += 1;
    }
}

fn outside(row: usize, day: i32) -> Error {
    Error::InvalidRow {
        row: row as u64,
        reason: format!("{} is outside the custom cohort periods", date_of_day(day)),
    }
}

/// Fast path: each customer's active periods as a bitmask, bit b = `last_period − b`.
/// `None` when some activity lies 128 or more periods before the last one.
pub(super) fn cells_masked<K: Eq + Hash + Clone, D: PurchaseDate>(
    buckets: &mut Buckets<'_>,
    last_period: i64,
    as_of: i32,
    log: &TransactionColumns<'_, K, D>,
) -> Result<Option<Cells>> {
    const NONE: u8 = u8::MAX;
    // Owned keys (cloned once per customer): comparing borrowed keys would read the key
    // column at random, which costs more than the clone.
    let mut masks: foldhash::HashMap<K, (u32, u128)> = foldhash::HashMap::default();
    let mut rows: Vec<(u32, u8)> = Vec::with_capacity(log.len());
    let mut rows_after_as_of = 0_u64;
    for (row, (customer, date)) in log.customers().iter().zip(log.dates()).enumerate() {
        let day = date.day_number();
        if day > as_of {
            rows_after_as_of += 1;
            rows.push((0, NONE));
            continue;
        }
        let period = buckets.index(day).ok_or_else(|| outside(row, day))?;
        let back = last_period - period;
        if !(0..128).contains(&back) {
            return Ok(None);
        }
        let bit = 1_u128 << back;
        let id = match masks.get_mut(customer) {
            Some(entry) => {
                entry.1 |= bit;
                entry.0
            }
            None => {
                let id = masks.len() as u32;
                masks.insert(customer.clone(), (id, bit));
                id
            }
        };
        rows.push((id, back as u8));
    }
    if masks.len() >= u32::MAX as usize {
        return Err(Error::param(
            "customers",
            masks.len(),
            "at most 2^32 − 2 customers",
        ));
    }
    // Oldest bit of each customer = acquisition period, counted back from the last.
    let mut first_back = vec![0_u8; masks.len()];
    let mut oldest = 0;
    for &(id, mask) in masks.values() {
        let b = 127 - mask.leading_zeros() as u8;
        if let Some(slot) = first_back.get_mut(id as usize) {
            *slot = b;
        }
        oldest = oldest.max(b);
    }
    if masks.is_empty() {
        return Ok(Some(Cells::new(
            last_period,
            last_period,
            vec![0],
            rows_after_as_of,
        )?));
    }
    let min_first = last_period - i64::from(oldest);
    let cohort = |b: u8| usize::from(oldest - b);
    let mut size = vec![0_u64; usize::from(oldest) + 1];
    for &b in &first_back {
        bump(&mut size, cohort(b));
    }
    let mut cells = Cells::new(min_first, last_period, size, rows_after_as_of)?;
    for &(_, mask) in masks.values() {
        let first = 127 - mask.leading_zeros();
        let c = cohort(first as u8);
        let (Some(active), Some(last_seen)) = (cells.active.get_mut(c), cells.last_seen.get_mut(c)) else {
            continue;
        };
        let mut m = mask;
        while m != 0 {
            let b = m.trailing_zeros();
            bump(active, (first - b) as usize);
            m &= m - 1;
        }
        bump(last_seen, (first - mask.trailing_zeros()) as usize);
    }
    drop(masks);
    for (&(id, back), amount) in rows.iter().zip(log.amounts()) {
        if back == NONE {
            continue;
        }
        let Some(&first) = first_back.get(id as usize) else {
            continue;
        };
        cells.add_revenue(cohort(first), usize::from(first - back), *amount)?;
    }
    Ok(Some(cells))
}

/// General path: rows grouped by customer with a counting sort, distinct periods found
/// with a reusable bitmap.
pub(super) fn cells_general<K: Eq + Hash + Clone, D: PurchaseDate>(
    buckets: &mut Buckets<'_>,
    last_period: i64,
    as_of: i32,
    log: &TransactionColumns<'_, K, D>,
) -> Result<Cells> {
    let mut ids: foldhash::HashMap<K, u32> = foldhash::HashMap::default();
    let mut first: Vec<i64> = Vec::new();
    let mut rows: Vec<(u32, i64)> = Vec::with_capacity(log.len());
    let mut rows_after_as_of = 0_u64;
    for (row, (customer, date)) in log.customers().iter().zip(log.dates()).enumerate() {
        let day = date.day_number();
        if day > as_of {
            rows_after_as_of += 1;
            rows.push((u32::MAX, 0));
            continue;
        }
        let period = buckets.index(day).ok_or_else(|| outside(row, day))?;
        let id = match ids.get(customer) {
            Some(&id) => id,
            None => {
                let id = first.len() as u32;
                ids.insert(customer.clone(), id);
                first.push(period);
                id
            }
        };
        if first.len() >= u32::MAX as usize {
            return Err(Error::param(
                "customers",
                first.len(),
                "at most 2^32 − 2 customers",
            ));
        }
        if let Some(f) = first.get_mut(id as usize) {
            *f = (*f).min(period);
        }
        rows.push((id, period));
    }
    drop(ids);
    let min_first = first.iter().copied().min().unwrap_or(last_period);
    let span = last_period - min_first + 1;
    if !(1..=100_000).contains(&span) {
        return Err(Error::param(
            "periods",
            span,
            "a cohort table spans 1 to 100,000 periods",
        ));
    }
    let cohort_of = |first: i64| -> usize { (first - min_first) as usize };
    let mut size = vec![0_u64; span as usize];
    for &f in &first {
        bump(&mut size, cohort_of(f));
    }
    let mut cells = Cells::new(min_first, last_period, size, rows_after_as_of)?;

    // Revenue per cell, and each row's offset grouped by customer (counting sort):
    // customer `id`'s offsets are `offsets[start_of[id]..start_of[id + 1]]`.
    let mut start_of = vec![0_usize; first.len() + 1];
    for &(id, _) in &rows {
        if id != u32::MAX {
            if let Some(n) = start_of.get_mut(id as usize + 1) {
                *n += 1;
            }
        }
    }
    let mut total = 0;
    for start in &mut start_of {
        total += *start;
        *start = total;
    }
    let mut fill = start_of.clone();
    let mut offsets = vec![0_u32; rows.len() - rows_after_as_of as usize];
    for (&(id, period), amount) in rows.iter().zip(log.amounts()) {
        if id == u32::MAX {
            continue;
        }
        let (Some(&f), Some(slot)) = (first.get(id as usize), fill.get_mut(id as usize)) else {
            continue;
        };
        let k = (period - f) as usize;
        cells.add_revenue(cohort_of(f), k, *amount)?;
        if let Some(offset) = offsets.get_mut(*slot) {
            *offset = k as u32;
        }
        *slot += 1;
    }
    drop(rows);

    let mut seen = vec![false; span as usize];
    for (&f, bounds) in first.iter().zip(start_of.windows(2)) {
        let c = cohort_of(f);
        let (&[lo, hi], Some(active), Some(last_seen)) =
            (bounds, cells.active.get_mut(c), cells.last_seen.get_mut(c))
        else {
            continue;
        };
        let mine = offsets.get(lo..hi).unwrap_or(&[]);
        let mut last = 0;
        for &k in mine {
            let k = k as usize;
            if let Some(s) = seen.get_mut(k) {
                if !*s {
                    *s = true;
                    bump(active, k);
                    last = last.max(k);
                }
            }
        }
        for &k in mine {
            if let Some(s) = seen.get_mut(k as usize) {
                *s = false;
            }
        }
        bump(last_seen, last);
    }
    Ok(cells)
}

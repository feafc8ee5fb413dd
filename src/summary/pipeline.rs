//! The row loop of the bulk paths: rows go through a three-stage prefetch pipeline into a
//! [`RowSink`] (the general builder, or the in-order path).
//!
//! On a large table every row misses the cache twice (its control byte, its slot). Rows go
//! in batches: the control bytes of batch `k + 2` and the slots of batch `k + 1` are being
//! fetched from memory while batch `k` is applied, so the misses of many rows overlap
//! instead of each row waiting for its own.

use crate::time::PurchaseDate;

use super::table::{CustomerTable, TableValue, estimate_distinct};

/// Logs from which a fresh table is sized from an estimate of the customers.
pub(super) const PRESIZE_MIN_ROWS: usize = 1 << 16;

/// Customers from which the table outgrows the cache and prefetching pays.
const PREFETCH_MIN_CUSTOMERS: usize = 1 << 14;

/// Rows per batch: the slots of the next batch are prefetched while this one is updated.
const BATCH: usize = 32;

/// Where the pipeline's rows go: two windows' tables (calibration and holdout, picked by
/// day) and what a row does to them.
pub(super) trait RowSink<K> {
    /// Why the loop stopped early.
    type Stop;
    /// The table of the window `day` falls in.
    fn table_for(&self, day: i32) -> &CustomerTable<K, Self::Value>;
    /// The value type of the tables.
    type Value: TableValue;
    /// Applies row `row` (a position in the log) whose key hashed to `hash`.
    fn take(&mut self, row: usize, hash: u64, day: i32) -> Result<(), Self::Stop>;
}

/// Sizes a still empty `table` for the customers of a large log: a fresh table would
/// double many times, rehashing everything each time. Sized once for an estimate of the
/// distinct keys the filter `keep` accepts (a cheap pass over the keys; memory still
/// follows customers, not rows).
pub(super) fn presize<K: Eq + std::hash::Hash, V: TableValue>(
    table: &mut CustomerTable<K, V>,
    customers: &[K],
    keep: impl Fn(u64) -> bool,
) {
    if table.len() == 0 && customers.len() >= PRESIZE_MIN_ROWS {
        let hashes = customers.iter().map(|c| table.hash(c)).filter(|&h| keep(h));
        let estimate = estimate_distinct(hashes);
        table.reserve(estimate + estimate / 16);
    }
}

/// Feeds the rows of `customers`/`dates` whose key hash `keep` accepts, in order, to
/// `sink` (hashing with `hashing`'s hasher, shared by both windows), prefetching once
/// `hashing` holds enough customers to outgrow the cache.
#[inline]
pub(super) fn run<K, D, S>(
    sink: &mut S,
    customers: &[K],
    dates: &[D],
    keep: impl Fn(u64) -> bool,
) -> Result<(), S::Stop>
where
    K: Eq + std::hash::Hash,
    D: PurchaseDate,
    S: RowSink<K>,
{
    let mut rows = customers.iter().zip(dates).enumerate();
    let (mut current, mut next, mut far) = (Batch::EMPTY, Batch::EMPTY, Batch::EMPTY);
    loop {
        // While the table fits in cache, requesting slots ahead only costs time. (The
        // calibration table, found by the earliest day, decides.)
        let hashing = sink.table_for(i32::MIN);
        let prefetching = hashing.len() >= PREFETCH_MIN_CUSTOMERS;
        far.len = 0;
        for (j, (c, d)) in rows.by_ref() {
            let hash = hashing.hash(c);
            if keep(hash) {
                let day = d.day_number();
                if prefetching {
                    sink.table_for(day).prefetch_ctrl(hash);
                }
                far.push(j, hash, day);
                if far.is_full() {
                    break;
                }
            }
        }
        if prefetching {
            for (_, hash, day) in next.iter() {
                sink.table_for(day).prefetch(hash);
            }
        }
        for (j, hash, day) in current.iter() {
            sink.take(j, hash, day)?;
        }
        if next.len == 0 && far.len == 0 {
            return Ok(());
        }
        std::mem::swap(&mut current, &mut next);
        std::mem::swap(&mut next, &mut far);
    }
}

/// One batch of rows, hashed and dated, their slots requested from memory.
struct Batch {
    /// Positions of the rows in the log.
    rows: [usize; BATCH],
    hashes: [u64; BATCH],
    days: [i32; BATCH],
    len: usize,
}

impl Batch {
    const EMPTY: Batch = Batch {
        rows: [0; BATCH],
        hashes: [0; BATCH],
        days: [0; BATCH],
        len: 0,
    };

    /// Appends a row; false (and nothing done) when full.
    #[inline]
    fn push(&mut self, row: usize, hash: u64, day: i32) -> bool {
        match (
            self.rows.get_mut(self.len),
            self.hashes.get_mut(self.len),
            self.days.get_mut(self.len),
        ) {
            (Some(r), Some(h), Some(d)) => {
                (*r, *h, *d) = (row, hash, day);
                self.len += 1;
                true
            }
            _ => false,
        }
    }

    fn is_full(&self) -> bool {
        self.len == BATCH
    }

    /// `(row, hash, day)` of each row.
    fn iter(&self) -> impl Iterator<Item = (usize, u64, i32)> + '_ {
        self.rows
            .iter()
            .zip(&self.hashes)
            .zip(&self.days)
            .take(self.len)
            .map(|((&r, &h), &d)| (r, h, d))
    }
}

//! The row loop of the bulk paths: rows go through a three-stage prefetch pipeline into a
//! [`RowSink`] (the general builder, or the in-order path).
//!
//! Owns: the row loop both routes share: the three-stage prefetch pipeline, when
//! prefetching starts (a table past the cache), and sizing a fresh table from an estimate of
//! the log's customers. Relies on: `table.rs`'s staged lookup, and a [`RowSink`] that admits
//! and applies one row. Must not: change which rows are applied or their order (every row is
//! applied once, in log order: the pipeline only issues the loads earlier), or decide
//! admission itself (the sink does).
//!
//! On a large table every row misses the cache twice (its control byte, its slot). Each
//! step of the loop reads one row and requests its control byte, requests the slot of the
//! row [`AHEAD`] rows before it (found from its control bytes, by then in cache), and
//! applies the row [`AHEAD`] rows before that: the misses of many rows overlap instead of
//! each row waiting for its own, and requests go out at the pace rows are applied. (Batches
//! of rows — all requests of a batch, then all its updates — measured 20–25 % slower at
//! 1e7 rows: the memory sat idle while a batch was applied.)

use crate::time::PurchaseDate;

use super::table::{CustomerTable, TableValue, estimate_distinct};

/// Logs from which a fresh table is sized from an estimate of the customers.
pub(super) const PRESIZE_MIN_ROWS: usize = 1 << 16;

/// Customers from which the table outgrows the cache and prefetching pays.
const PREFETCH_MIN_CUSTOMERS: usize = 1 << 14;

/// Rows between the stages of the pipeline (8 to 32 measured alike).
const AHEAD: usize = 16;

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
/// distinct keys the filter `keep` (given a key and its hash) accepts (a cheap pass over
/// the keys; memory still follows customers, not rows).
pub(super) fn presize<K: Eq + std::hash::Hash, V: TableValue>(
    table: &mut CustomerTable<K, V>,
    customers: &[K],
    keep: impl Fn(&K, u64) -> bool,
) {
    if table.len() == 0 && customers.len() >= PRESIZE_MIN_ROWS {
        let hashes = customers.iter().filter_map(|c| {
            let h = table.hash(c);
            keep(c, h).then_some(h)
        });
        let estimate = estimate_distinct(hashes);
        table.reserve(estimate + estimate / 16);
    }
}

/// Feeds the rows of `customers`/`dates` whose key (and its hash) `keep` accepts, in order, to
/// `sink` (hashing with `hashing`'s hasher, shared by both windows), prefetching once
/// `hashing` holds enough customers to outgrow the cache.
#[inline]
pub(super) fn run<K, D, S>(
    sink: &mut S,
    customers: &[K],
    dates: &[D],
    keep: impl Fn(&K, u64) -> bool,
) -> Result<(), S::Stop>
where
    K: Eq + std::hash::Hash,
    D: PurchaseDate,
    S: RowSink<K>,
{
    let mut rows = customers.iter().zip(dates).enumerate();
    let mut ring = Ring::EMPTY;
    // Rows read (their control bytes requested), rows whose slot was requested, rows
    // applied: `applied <= requested <= read`, at most `2 * AHEAD` apart.
    let (mut read, mut requested, mut applied) = (0, 0, 0);
    let mut exhausted = false;
    loop {
        // While the table fits in cache, requesting slots ahead only costs time. (The
        // calibration table, found by the earliest day, decides.)
        let hashing = sink.table_for(i32::MIN);
        let prefetching = hashing.len() >= PREFETCH_MIN_CUSTOMERS;
        if !exhausted {
            exhausted = true;
            for (j, (c, d)) in rows.by_ref() {
                let hash = hashing.hash(c);
                if keep(c, hash) {
                    let day = d.day_number();
                    if prefetching {
                        sink.table_for(day).prefetch_ctrl(hash);
                    }
                    ring.put(read, InFlight { row: j, hash, day });
                    read += 1;
                    exhausted = false;
                    break;
                }
            }
        }
        if requested < read && (read - requested > AHEAD || exhausted) {
            let r = ring.get(requested);
            if prefetching {
                sink.table_for(r.day).prefetch(r.hash);
            }
            requested += 1;
        }
        if applied < requested && (requested - applied > AHEAD || exhausted) {
            let r = ring.get(applied);
            sink.take(r.row, r.hash, r.day)?;
            applied += 1;
        } else if exhausted && applied == read {
            return Ok(());
        }
    }
}

/// A row between being read and being applied.
#[derive(Clone, Copy)]
struct InFlight {
    /// Position in the log.
    row: usize,
    hash: u64,
    day: i32,
}

/// The rows in flight, the `k`-th row read at `k % RING`.
struct Ring([InFlight; RING]);

/// Room for the `2 * AHEAD + 1` rows in flight (a power of two: `%` is a mask).
const RING: usize = 64;
const _: () = assert!(RING > 2 * AHEAD && RING.is_power_of_two());

impl Ring {
    const EMPTY: Ring = Ring(
        [InFlight {
            row: 0,
            hash: 0,
            day: 0,
        }; RING],
    );

    #[inline(always)]
    fn put(&mut self, k: usize, row: InFlight) {
        if let Some(r) = self.0.get_mut(k % RING) {
            *r = row;
        }
    }

    #[inline(always)]
    fn get(&self, k: usize) -> InFlight {
        self.0.get(k % RING).copied().unwrap_or(InFlight {
            row: usize::MAX,
            hash: 0,
            day: 0,
        })
    }
}

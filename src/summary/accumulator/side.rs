//! The side record of one window's accumulators: the append-only log of 64-period
//! blocks, the extras (returns, money past the fast path) and the ids linking them.
//!
//! Owns: memory that grows with customers who outgrow their accumulator, never with rows
//! of customers who do not (a log in date order appends one entry per finished block and
//! never reads it back before `finish`). Relies on: its accumulators passing ids it
//! issued. Must not: be read per row (only appended to), or change a count (compaction
//! only merges entries of the same customer and block).

use std::collections::HashMap;

use rust_decimal::Decimal;

use super::super::hints::advise_huge_pages;
use super::{Failure, NO_ID};

const TOO_MANY_CUSTOMERS: Failure = "more than 4,294,967,294 customers need a side record";

type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// The rare parts of one customer's state.
#[derive(Debug, Clone, Default)]
pub(crate) struct Extra {
    /// Total and first-period spend, once they left the fast path.
    pub(super) money: (Decimal, Decimal),
    /// Netted negative rows: (period, amount).
    pub(super) returns: Vec<(i32, Decimal)>,
}

/// One appended block of purchase periods: `bits` holds periods `base .. base + 64`.
#[derive(Debug, Clone, Copy)]
pub(super) struct LogEntry {
    id: u32,
    base: i32,
    bits: u64,
}

/// What the accumulators of one window share: the append-only period log, the extras and
/// the id counter that links them to customers.
#[derive(Debug, Clone, Default)]
pub(crate) struct Side {
    pub(super) log: Vec<LogEntry>,
    pub(super) extras: FastMap<u32, Extra>,
    next_id: u32,
    /// Ids of merged-away customers → the id they now belong to (a chain ends at a key
    /// that is not in the map).
    pub(super) alias: FastMap<u32, u32>,
    /// Log length at which the log is compacted next.
    compact_at: usize,
    /// Whether an entry may repeat a (customer, block) pair since the last compaction.
    overlapping: bool,
    /// Whether any entry ever could (a dirty window may exist).
    ever_overlapping: bool,
}

/// The smallest log worth compacting.
pub(super) const MIN_COMPACT: usize = 1 << 16;

impl Side {
    pub(super) fn new_id(&mut self) -> Result<u32, Failure> {
        let id = self.next_id;
        if id == NO_ID {
            return Err(TOO_MANY_CUSTOMERS);
        }
        self.next_id += 1;
        Ok(id)
    }

    /// Appends a block no entry of the log has for this customer (a finished block, in
    /// date order).
    #[inline]
    pub(super) fn push(&mut self, id: u32, base: i32, bits: u64) {
        if bits != 0 {
            if self.log.len() == self.log.capacity() {
                // Grown by doubling: the new part is untouched, ask for huge pages first.
                self.log.reserve(1);
                advise_huge_pages(&self.log);
            }
            self.log.push(LogEntry { id, base, bits });
            if self.log.len() >= self.compact_at.max(MIN_COMPACT) {
                self.compact();
            }
        }
    }

    /// Appends a block the log may already have for this customer (a row out of date
    /// order, a merge).
    pub(super) fn push_overlapping(&mut self, id: u32, base: i32, bits: u64) {
        self.overlapping = true;
        self.ever_overlapping = true;
        self.push(id, base, bits);
    }

    /// Merges entries of the same customer and block. Rows out of date order append an
    /// entry each; compacting whenever the log doubles keeps it at most twice the number
    /// of distinct (customer, 64-period block) pairs, so memory follows customers, not rows.
    /// A log of distinct pairs only (rows in date order) has nothing to merge and is left
    /// as it is.
    fn compact(&mut self) {
        if !self.overlapping && self.alias.is_empty() {
            self.compact_at = 2 * self.log.len();
            return;
        }
        self.overlapping = false;
        if !self.alias.is_empty() {
            let alias = std::mem::take(&mut self.alias);
            let canonical = |mut id: u32| {
                while let Some(&next) = alias.get(&id) {
                    id = next;
                }
                id
            };
            for e in &mut self.log {
                e.id = canonical(e.id);
            }
            self.alias = alias;
        }
        self.log.sort_unstable_by_key(|e| (e.id, e.base));
        self.log.dedup_by(|later, earlier| {
            if later.id == earlier.id && later.base == earlier.base {
                earlier.bits |= later.bits;
                true
            } else {
                false
            }
        });
        self.compact_at = 2 * self.log.len();
    }

    pub(super) fn canonical(&self, mut id: u32) -> u32 {
        while let Some(&next) = self.alias.get(&id) {
            id = next;
        }
        id
    }

    /// Moves `other`'s log and extras into `self`; returns the offset added to `other`'s ids.
    pub(crate) fn absorb(&mut self, other: Side) -> Result<u32, Failure> {
        let offset = self.next_id;
        self.next_id = offset
            .checked_add(other.next_id)
            .filter(|&n| n < NO_ID)
            .ok_or(TOO_MANY_CUSTOMERS)?;
        self.overlapping |= other.overlapping;
        self.ever_overlapping |= other.ever_overlapping;
        self.log.extend(other.log.into_iter().map(|e| LogEntry {
            id: e.id + offset,
            ..e
        }));
        self.extras
            .extend(other.extras.into_iter().map(|(id, e)| (id + offset, e)));
        self.alias
            .extend(other.alias.into_iter().map(|(a, b)| (a + offset, b + offset)));
        Ok(offset)
    }

    /// Whether any accumulator of this window may need its blocks from the log
    /// ([`Accumulator::needs_blocks`]): only after a row out of date order or a merge (a
    /// dirty window), or with returns (which live in extras). Otherwise nobody does, and
    /// `finish` skips looking.
    pub(crate) fn may_need_blocks(&self) -> bool {
        self.ever_overlapping || !self.extras.is_empty()
    }

    /// The full sets of purchase periods of the customers `ids` (canonical ids), as sorted
    /// `(base, bits)` blocks from the log.
    pub(crate) fn blocks_of(&self, ids: &[u32]) -> FastMap<u32, Vec<(i32, u64)>> {
        let mut out: FastMap<u32, Vec<(i32, u64)>> = ids.iter().map(|&id| (id, Vec::new())).collect();
        if out.is_empty() {
            return out;
        }
        for e in &self.log {
            let id = if self.alias.is_empty() {
                e.id
            } else {
                self.canonical(e.id)
            };
            if let Some(v) = out.get_mut(&id) {
                v.push((e.base, e.bits));
            }
        }
        for v in out.values_mut() {
            v.sort_unstable_by_key(|&(base, _)| base);
            v.dedup_by(|later, earlier| {
                if later.0 == earlier.0 {
                    earlier.1 |= later.1;
                    true
                } else {
                    false
                }
            });
        }
        out
    }
}

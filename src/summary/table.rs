//! The customer table of one window: customer key → running totals (an [`Accumulator`], or
//! the in-order path's [`Compact`](super::compact::Compact)), open addressing.
//!
//! Owns: the open-addressing customer table (slots, control bytes, growth), the
//! k-minimum-values estimate of distinct customers that presizes it, and the lookup split
//! into stages for the pipeline. Relies on: `hints.rs` (prefetch; huge pages only when the
//! program turned the kernel hints on). Must not: remove a customer, hand out an order that
//! results depend on (finishing sorts by key), or know what a slot's value means (that is
//! [`TableValue`]'s implementor: an accumulator or a `Compact`).
//!
//! Summarising a large log is bound by memory latency: each row updates one customer at a
//! random place in a table of millions. So this table
//!
//! * keeps key and accumulator together in one slot aligned to a cache line (exactly one
//!   line for a `u64` key): a lookup costs one miss, not two as in `std`'s `HashMap`,
//!   whose 64-byte entries straddle lines;
//! * keeps one control byte per slot (empty, or 7 bits of the key's hash) in a separate,
//!   small array, so probing past a collision reads control bytes, not slots;
//! * splits a lookup into [`hash`](CustomerTable::hash),
//!   [`prefetch_ctrl`](CustomerTable::prefetch_ctrl) (start loading the control bytes),
//!   [`prefetch`](CustomerTable::prefetch) (find the slot from the control bytes and start
//!   loading it) and [`entry`](CustomerTable::entry), so the builder overlaps the misses of
//!   many rows.
//!
//! Linear probing, power-of-two capacity, load at most 3/4, customers are only ever added,
//! growth by doubling.

use std::hash::{BuildHasher, Hash};

use super::accumulator::Accumulator;
use super::hints::{prefetch_read, vec_with_huge_pages};

/// Smallest number of slots allocated.
const MIN_SLOTS: usize = 16;

/// Control byte of an empty slot (a used slot's byte has the high bit set).
const EMPTY: u8 = 0;

/// What a table holds per customer, and the alignment of its slots: a slot whose size
/// divides the cache line and is aligned to it never straddles two lines (which would miss
/// twice).
pub(crate) trait TableValue {
    /// A zero-sized type whose alignment is the slot's.
    type Align: std::fmt::Debug + Clone;
}

/// Alignment to a whole cache line.
#[derive(Debug, Clone)]
#[repr(align(64))]
pub(crate) struct Line;

/// Alignment to half a cache line.
#[derive(Debug, Clone)]
#[repr(align(32))]
pub(crate) struct HalfLine;

impl TableValue for Accumulator {
    type Align = Line;
}

/// One slot: empty, or a customer and their totals, aligned as `V` asks (a `u64`
/// customer's slot is exactly one line for an [`Accumulator`], half a line for a
/// [`Compact`](super::compact::Compact)).
#[derive(Debug, Clone)]
struct Slot<K, V: TableValue> {
    _align: [V::Align; 0],
    entry: Option<(K, V)>,
}

impl<K, V: TableValue> Slot<K, V> {
    const EMPTY: Self = Slot {
        _align: [],
        entry: None,
    };
}

/// Customer key → accumulator, with the lookup split for prefetching.
#[derive(Debug, Clone)]
pub(crate) struct CustomerTable<K, V: TableValue = Accumulator> {
    /// `EMPTY`, or the tag of the slot's key (see [`tag`]).
    ctrl: Vec<u8>,
    slots: Vec<Slot<K, V>>,
    len: usize,
    hasher: foldhash::fast::RandomState,
}

impl<K, V: TableValue> CustomerTable<K, V> {
    /// Number of customers.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// An empty table hashing with `hasher`.
    pub(crate) fn with_hasher(hasher: foldhash::fast::RandomState) -> Self {
        CustomerTable {
            ctrl: Vec::new(),
            slots: Vec::new(),
            len: 0,
            hasher,
        }
    }
}

/// Where a key is, or where it would go.
pub(crate) enum Entry<'a, K, V = Accumulator> {
    /// The key's accumulator.
    Occupied(&'a mut V),
    /// The empty slot the key would take.
    Vacant(Vacant<'a, K, V>),
    /// No slot (cannot happen: the table grows before it fills; callers report it as an
    /// error rather than panic).
    Full,
}

/// An empty slot found for a key, to be filled (or left empty).
pub(crate) struct Vacant<'a, K, V = Accumulator> {
    slot: &'a mut Option<(K, V)>,
    ctrl: &'a mut u8,
    tag: u8,
    len: &'a mut usize,
}

impl<K, V> Vacant<'_, K, V> {
    /// Puts the customer in the slot.
    #[inline]
    pub(crate) fn insert(self, key: K, acc: V) {
        *self.slot = Some((key, acc));
        *self.ctrl = self.tag;
        *self.len += 1;
    }
}

impl<K: Eq + Hash, V: TableValue> CustomerTable<K, V> {
    /// Makes room for `additional` more customers without growing.
    pub(crate) fn reserve(&mut self, additional: usize) {
        let needed = self.len.saturating_add(additional);
        if needed > max_load(self.slots.len()) {
            self.resize(slots_for(needed));
        }
    }

    /// The key's hash (what [`prefetch`](Self::prefetch) and [`entry`](Self::entry) take).
    #[inline]
    pub(crate) fn hash(&self, key: &K) -> u64 {
        self.hasher.hash_one(key)
    }

    /// Starts loading the control byte of the home slot of `hash` (so that a
    /// [`prefetch`](Self::prefetch) of the same hash a little later finds it in cache).
    #[inline]
    pub(crate) fn prefetch_ctrl(&self, hash: u64) {
        if let Some(c) = self.ctrl.get(home(hash, self.ctrl.len())) {
            prefetch_read(c);
        }
    }

    /// Finds, from the control bytes alone, the slot a key with this hash most likely
    /// occupies or would take, and starts loading it into the cache (a hint: a tag shared
    /// by another key only makes the hint miss).
    #[inline]
    pub(crate) fn prefetch(&self, hash: u64) {
        let (n, tag) = (self.ctrl.len(), tag(hash));
        let mut i = home(hash, n);
        while let Some(&c) = self.ctrl.get(i) {
            if c == EMPTY || c == tag {
                if let Some(slot) = self.slots.get(i) {
                    prefetch_read(slot);
                }
                return;
            }
            i = (i + 1) & (n - 1);
        }
    }

    /// Finds `key` (whose hash is `hash`), or the slot it would take. Grows first if one
    /// more customer would exceed the load limit, so a vacant slot can be filled at once.
    #[inline]
    pub(crate) fn entry(&mut self, hash: u64, key: &K) -> Entry<'_, K, V> {
        if self.len >= max_load(self.slots.len()) {
            self.resize(slots_for(self.len + 1));
        }
        let tag = tag(hash);
        let i = self.probe(hash, tag, key);
        let CustomerTable { ctrl, slots, len, .. } = self;
        // `probe` returns an index inside the table (just grown, so not empty).
        match (ctrl.get_mut(i), slots.get_mut(i).map(|s| &mut s.entry)) {
            (Some(_), Some(Some((_, acc)))) => Entry::Occupied(acc),
            (Some(ctrl), Some(slot)) => Entry::Vacant(Vacant { slot, ctrl, tag, len }),
            _ => Entry::Full,
        }
    }

    /// The slot holding `key`, or the first empty slot of its probe sequence. The table
    /// must have an empty slot.
    #[inline]
    fn probe(&self, hash: u64, tag: u8, key: &K) -> usize {
        let n = self.ctrl.len();
        let mut i = home(hash, n);
        while let Some(&c) = self.ctrl.get(i) {
            if c == EMPTY {
                return i;
            }
            if c == tag {
                if let Some(Some((k, _))) = self.slots.get(i).map(|s| &s.entry) {
                    if k == key {
                        return i;
                    }
                }
            }
            i = (i + 1) & (n - 1);
        }
        i
    }

    /// The accumulator of `key`, if any.
    pub(crate) fn get(&self, key: &K) -> Option<&V> {
        if self.len == 0 {
            return None;
        }
        let hash = self.hash(key);
        self.at(self.probe(hash, tag(hash), key))
    }

    /// `(slot, key, accumulator)` of every customer, in slot order.
    pub(crate) fn indexed(&self) -> impl Iterator<Item = (usize, &K, &V)> {
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.entry.as_ref().map(|(k, acc)| (i, k, acc)))
    }

    /// The accumulator in slot `i`, if used.
    #[inline]
    pub(crate) fn at(&self, i: usize) -> Option<&V> {
        self.slots
            .get(i)
            .and_then(|s| s.entry.as_ref())
            .map(|(_, acc)| acc)
    }

    /// Starts loading slot `i` into the cache.
    #[inline]
    pub(crate) fn prefetch_slot(&self, i: usize) {
        if let Some(slot) = self.slots.get(i) {
            prefetch_read(slot);
        }
    }

    /// All customers and accumulators, in no particular order.
    pub(crate) fn into_entries(self) -> impl Iterator<Item = (K, V)> {
        self.slots.into_iter().filter_map(|s| s.entry)
    }

    /// All accumulators, in no particular order.
    pub(crate) fn values(&self) -> impl Iterator<Item = &V> {
        self.slots
            .iter()
            .filter_map(|s| s.entry.as_ref())
            .map(|(_, acc)| acc)
    }

    fn resize(&mut self, slots: usize) {
        let old = std::mem::take(&mut self.slots);
        self.slots = vec_with_huge_pages(slots);
        self.slots
            .extend(std::iter::repeat_with(|| Slot::EMPTY).take(slots));
        self.ctrl = vec![EMPTY; slots];
        let mask = slots - 1;
        for (key, acc) in old.into_iter().filter_map(|s| s.entry) {
            let hash = self.hash(&key);
            let mut i = home(hash, slots);
            while self.ctrl.get(i).is_some_and(|&c| c != EMPTY) {
                i = (i + 1) & mask;
            }
            if let (Some(c), Some(s)) = (self.ctrl.get_mut(i), self.slots.get_mut(i)) {
                *c = tag(hash);
                s.entry = Some((key, acc));
            }
        }
    }
}

/// Estimates the number of distinct values among `hashes` (well-mixed 64-bit hashes of
/// keys; equal keys give equal hashes) from the `K_MIN` smallest distinct hashes
/// (k-minimum values; relative standard error about 1/√k ≈ 3%). Exact below `K_MIN`
/// distinct values.
pub(crate) fn estimate_distinct(hashes: impl Iterator<Item = u64>) -> usize {
    const K_MIN: usize = 1024;
    // The smallest distinct hashes seen, ascending. A hash at or above the largest kept
    // one (most rows, once `K_MIN` customers are known) costs one comparison; one below it
    // is most likely kept already (most rows of a log with few customers): a direct-mapped
    // memory of kept hashes answers that without searching the list. (A hash it remembers
    // that was dropped since is above the largest kept one: dropped hashes are the
    // largest.)
    const RECENT_BITS: u32 = 14;
    let mut recent = vec![0u64; 1 << RECENT_BITS];
    let mut smallest: Vec<u64> = Vec::with_capacity(K_MIN + 1);
    let mut threshold = u64::MAX;
    for h in hashes {
        if h >= threshold && smallest.len() == K_MIN {
            continue;
        }
        let memory = recent.get_mut((h >> (64 - RECENT_BITS)) as usize);
        if h != 0 && memory.as_deref() == Some(&h) {
            continue;
        }
        if let Some(m) = memory {
            *m = h;
        }
        if let Err(at) = smallest.binary_search(&h) {
            smallest.insert(at, h);
            if smallest.len() > K_MIN {
                smallest.pop();
            }
            if smallest.len() == K_MIN {
                threshold = smallest.last().copied().unwrap_or(u64::MAX);
            }
        }
    }
    match smallest.last() {
        Some(&kth) if smallest.len() == K_MIN => {
            let fraction = (kth as f64 + 1.0) / 18_446_744_073_709_551_616.0;
            ((K_MIN - 1) as f64 / fraction) as usize
        }
        _ => smallest.len(),
    }
}

/// The control byte of a used slot: the high bit and 7 bits of the hash (bits 16..23)
/// that the home slot (the high bits) does not use.
#[inline]
fn tag(hash: u64) -> u8 {
    0x80 | ((hash >> 16) as u8 & 0x7F)
}

/// The home slot of a hash in a table of `slots` (a power of two): its high bits, the
/// well-mixed ones for foldhash.
#[inline]
fn home(hash: u64, slots: usize) -> usize {
    if slots <= 1 {
        return 0;
    }
    let bits = slots.trailing_zeros();
    (hash >> (64 - bits)) as usize
}

/// Most customers a table of `slots` holds (3/4 full).
#[inline]
fn max_load(slots: usize) -> usize {
    slots / 4 * 3
}

/// Slots for `customers` at most 3/4 full (a power of two).
fn slots_for(customers: usize) -> usize {
    (customers.saturating_mul(4) / 3 + 1)
        .next_power_of_two()
        .max(MIN_SLOTS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal::Decimal;
    use std::collections::HashMap;

    fn acc_with_rows(n: u32) -> Accumulator {
        let mut side = super::super::accumulator::Side::default();
        let mut acc = Accumulator::new();
        for d in 0..n {
            acc.add(&mut side, |d| d, d as i32, Decimal::ONE).unwrap();
        }
        acc
    }

    #[test]
    fn a_u64_slot_is_one_cache_line() {
        assert_eq!(std::mem::size_of::<Slot<u64, Accumulator>>(), 64);
        assert_eq!(std::mem::align_of::<Slot<u64, Accumulator>>(), 64);
    }

    #[test]
    fn distinct_estimates_are_within_a_few_percent() {
        // Fixed seeds keep the test deterministic; the error is ~3 % (1/√1024), the bound
        // is 4 standard errors.
        for seed in 0..20 {
            let hasher = foldhash::fast::FixedState::with_seed(seed);
            for distinct in [0u64, 1, 500, 1023, 1024, 1025, 5_000, 100_000] {
                // Every key three times, as in a log.
                let hashes = (0..3 * distinct).map(|i| hasher.hash_one(i % distinct.max(1)));
                let estimate = estimate_distinct(hashes) as f64;
                let exact = distinct as f64;
                assert!(
                    (estimate - exact).abs() <= 0.125 * exact,
                    "seed {seed}, {distinct}: {estimate}"
                );
            }
        }
    }

    /// Hashes from a small pool (so rows repeat and the estimator's memory both hits and
    /// collides: pool values share their top bits), in arbitrary order.
    fn repeated_hashes() -> impl Strategy<Value = Vec<u64>> {
        let pool = proptest::collection::vec(
            prop_oneof![any::<u64>(), (0u64..8).prop_map(|x| x << 52 | x), Just(0)],
            1..3000,
        );
        pool.prop_flat_map(|pool| {
            let n = pool.len();
            proptest::collection::vec(0..n, 0..6000)
                .prop_map(move |picks| picks.iter().filter_map(|&i| pool.get(i).copied()).collect())
        })
    }

    proptest! {
        /// The estimate depends on the set of distinct hashes only (not on repeats or
        /// order), and is exact below 1024 of them.
        #[test]
        fn distinct_estimates_depend_on_the_distinct_hashes_only(hashes in repeated_hashes()) {
            let set: std::collections::BTreeSet<u64> = hashes.iter().copied().collect();
            let estimate = estimate_distinct(hashes.iter().copied());
            prop_assert_eq!(estimate, estimate_distinct(set.iter().copied()));
            prop_assert_eq!(estimate, estimate_distinct(set.iter().rev().copied()));
            if set.len() < 1024 {
                prop_assert_eq!(estimate, set.len());
            }
        }

        /// Inserts and lookups agree with `HashMap`.
        #[test]
        fn behaves_as_a_map(ops in proptest::collection::vec((0u16..300, any::<bool>()), 0..600)) {
            let mut table: CustomerTable<u16, Accumulator> = CustomerTable::with_hasher(Default::default());
            let mut model: HashMap<u16, u32> = HashMap::new();
            for (key, insert) in ops {
                if insert {
                    let h = table.hash(&key);
                    match table.entry(h, &key) {
                        Entry::Occupied(acc) => acc.rows += 1,
                        Entry::Vacant(v) => v.insert(key, acc_with_rows(1)),
                        Entry::Full => prop_assert!(false, "no free slot"),
                    }
                    *model.entry(key).or_insert(0) += 1;
                } else {
                    prop_assert_eq!(table.get(&key).map(|a| a.rows), model.get(&key).copied());
                }
                prop_assert_eq!(table.len(), model.len());
            }
            for (k, rows) in &model {
                prop_assert_eq!(table.get(k).map(|a| a.rows), Some(*rows));
            }
            prop_assert_eq!(table.into_entries().count(), model.len());
        }
    }
}

//! An open-addressing index from pairs of bit patterns (`(x, T)` of the summaries) to
//! dense ids in first-seen order, for the batch passes that group customers: one
//! multiply–xor hash and, mostly, one probe, where a general `HashMap` entry costs
//! several times that.
//!
//! This module owns [`PairIndex`]; what the pairs are is the caller's.

/// Slot marker of an empty slot.
const EMPTY: u32 = u32::MAX;

/// Pairs of `u64` to ids `0, 1, 2, …` in the order they were first seen.
pub(crate) struct PairIndex {
    /// Each slot's key beside its id (one cache line holds both: a lookup in a table
    /// larger than the caches costs one miss, not two).
    slots: Vec<((u64, u64), u32)>,
    shift: u32,
    len: usize,
}

impl PairIndex {
    /// An index for about `expected` distinct pairs (it grows past them).
    pub(crate) fn with_capacity(expected: usize) -> Self {
        let slots = (expected.max(8) * 2).next_power_of_two();
        PairIndex {
            slots: vec![((0, 0), EMPTY); slots],
            shift: 64 - slots.trailing_zeros(),
            len: 0,
        }
    }

    /// Distinct pairs seen.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    fn slot_of(&self, key: (u64, u64)) -> usize {
        let h = (key.0.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ key.1).wrapping_mul(0xff51_afd7_ed55_8ccd);
        (h >> self.shift) as usize
    }

    /// The id of `key`: its existing one, or the next (`len()` before the call) when new.
    /// `None` past `u32::MAX − 1` distinct pairs.
    #[inline]
    pub(crate) fn id(&mut self, key: (u64, u64)) -> Option<usize> {
        let mask = self.slots.len() - 1;
        let mut slot = self.slot_of(key);
        loop {
            let &(k, id) = self.slots.get(slot)?;
            if id == EMPTY {
                break;
            }
            if k == key {
                return Some(id as usize);
            }
            slot = (slot + 1) & mask;
        }
        let id = u32::try_from(self.len).ok().filter(|&i| i != EMPTY)?;
        *self.slots.get_mut(slot)? = (key, id);
        self.len += 1;
        if self.len * 2 > self.slots.len() {
            self.grow();
        }
        Some(id as usize)
    }

    #[cold]
    fn grow(&mut self) {
        let mut bigger = PairIndex::with_capacity(self.slots.len());
        let mask = bigger.slots.len() - 1;
        for &(key, id) in &self.slots {
            if id != EMPTY {
                let mut slot = bigger.slot_of(key);
                while bigger.slots.get(slot).is_some_and(|&(_, i)| i != EMPTY) {
                    slot = (slot + 1) & mask;
                }
                if let Some(s) = bigger.slots.get_mut(slot) {
                    *s = (key, id);
                }
            }
        }
        bigger.len = self.len;
        *self = bigger;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn ids_in_first_seen_order_as_a_hash_map_gives_them() {
        let mut index = PairIndex::with_capacity(4);
        let mut map: HashMap<(u64, u64), usize> = HashMap::new();
        for i in 0..20_000_u64 {
            let key = ((i * 7919) % 301, (i * 104_729) % 97);
            let next = map.len();
            let want = *map.entry(key).or_insert(next);
            assert_eq!(index.id(key), Some(want));
        }
        assert_eq!(index.len(), map.len());
    }
}

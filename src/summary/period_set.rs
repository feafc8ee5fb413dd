//! A compact, mergeable set of period indices: the distinct purchase periods of one
//! customer.
//!
//! Counting distinct purchase days over unsorted input needs to remember which days were
//! seen. A bitmap over the customer's active span does that in `span / 8` bytes, however
//! many rows the customer has: the first 64 periods live inline (no allocation, which covers
//! most customers of most logs), later ones in a spill vector of 64-bit words. Union (for
//! merging shards) is a word-wise OR.
//!
//! A set refuses to span more than [`MAX_SPAN_PERIODS`] periods (about 2,900 years of days,
//! 128 KiB), so absurd dates cannot make one customer allocate gigabytes.

/// Distinct period indices, as a bitmap aligned to multiples of 64.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct PeriodSet {
    /// Index of the first bit of `inline`; a multiple of 64. Meaningless while empty.
    base: i32,
    /// Periods `base .. base + 64`.
    inline: u64,
    /// Periods `base + 64 (i + 1) .. base + 64 (i + 2)` in word `i`.
    spill: Vec<u64>,
}

/// The widest span of periods one set may cover.
pub(crate) const MAX_SPAN_PERIODS: i64 = 1 << 20;

/// Inserting would make the set span more than [`MAX_SPAN_PERIODS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SpanTooWide;

#[inline]
fn align(p: i32) -> i32 {
    p.div_euclid(64) * 64
}

impl PeriodSet {
    /// Whether no period was inserted.
    ///
    /// The word at `base` always holds the lowest period, so a non-empty set has a non-zero
    /// `inline` word.
    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.inline == 0
    }

    /// Inserts period `p`.
    #[inline]
    pub(crate) fn insert(&mut self, p: i32) -> Result<(), SpanTooWide> {
        let word_base = align(p);
        let bit = 1u64 << (p - word_base);
        // Fast path: the common case of a period in the inline word.
        if word_base == self.base && self.inline != 0 {
            self.inline |= bit;
            return Ok(());
        }
        self.or_word(word_base, bit)
    }

    /// ORs `word` (whose bit 0 is period `word_base`, a multiple of 64) into the set.
    pub(crate) fn or_word(&mut self, word_base: i32, word: u64) -> Result<(), SpanTooWide> {
        if word == 0 {
            return Ok(());
        }
        if self.is_empty() {
            self.base = word_base;
            self.inline = word;
            self.spill.clear();
            return Ok(());
        }
        // Offsets are differences of i32 multiples of 64, so i64 cannot overflow.
        let offset = (i64::from(word_base) - i64::from(self.base)) / 64;
        let words_after = offset.max(self.spill.len() as i64);
        let words_before = (-offset).max(0);
        if (words_before + words_after + 1) * 64 > MAX_SPAN_PERIODS {
            return Err(SpanTooWide);
        }
        if offset == 0 {
            self.inline |= word;
        } else if offset > 0 {
            let i = (offset - 1) as usize;
            if self.spill.len() <= i {
                self.spill.resize(i + 1, 0);
            }
            if let Some(w) = self.spill.get_mut(i) {
                *w |= word;
            }
        } else {
            // A period before the current base: shift everything up by `shift` words.
            let shift = (-offset) as usize;
            let mut words = Vec::with_capacity(shift + 1 + self.spill.len());
            words.push(word);
            words.resize(shift, 0);
            words.push(self.inline);
            words.append(&mut self.spill);
            self.base = word_base;
            self.inline = words.first().copied().unwrap_or(0);
            words.remove(0);
            self.spill = words;
        }
        Ok(())
    }

    /// The word whose bit 0 is period `word_base` (a multiple of 64); 0 outside the set.
    pub(crate) fn word_at(&self, word_base: i32) -> u64 {
        if self.is_empty() {
            return 0;
        }
        match (i64::from(word_base) - i64::from(self.base)) / 64 {
            0 => self.inline,
            o if o > 0 => self.spill.get((o - 1) as usize).copied().unwrap_or(0),
            _ => 0,
        }
    }

    /// Fails if adding the word at `word_base` would make the set too wide.
    pub(crate) fn check_span(&self, word_base: i32) -> Result<(), SpanTooWide> {
        if self.is_empty() {
            return Ok(());
        }
        let offset = (i64::from(word_base) - i64::from(self.base)) / 64;
        let words_after = offset.max(self.spill.len() as i64);
        let words_before = (-offset).max(0);
        if (words_before + words_after + 1) * 64 > MAX_SPAN_PERIODS {
            return Err(SpanTooWide);
        }
        Ok(())
    }

    /// Adds every period of `other`.
    pub(crate) fn union(&mut self, other: &PeriodSet) -> Result<(), SpanTooWide> {
        if other.is_empty() {
            return Ok(());
        }
        self.or_word(other.base, other.inline)?;
        for (i, &w) in other.spill.iter().enumerate() {
            // Word bases of a valid set stay within i32 (they hold i32 periods).
            let base = i64::from(other.base) + 64 * (i as i64 + 1);
            if let Ok(base) = i32::try_from(base) {
                self.or_word(base, w)?;
            }
        }
        Ok(())
    }

    /// Number of distinct periods.
    #[inline]
    pub(crate) fn len(&self) -> u32 {
        self.inline.count_ones() + self.spill.iter().map(|w| w.count_ones()).sum::<u32>()
    }

    /// The `k`-th smallest period (0-based), if the set has more than `k` periods.
    pub(crate) fn nth(&self, k: u32) -> Option<i32> {
        let mut remaining = k;
        let words = std::iter::once(self.inline).chain(self.spill.iter().copied());
        for (i, mut w) in words.enumerate() {
            let ones = w.count_ones();
            if remaining >= ones {
                remaining -= ones;
                continue;
            }
            for _ in 0..remaining {
                w &= w - 1; // clear the lowest set bit
            }
            let period = i64::from(self.base) + 64 * i as i64 + i64::from(w.trailing_zeros());
            return i32::try_from(period).ok();
        }
        None
    }

    /// Whether period `p` is in the set.
    #[cfg(test)]
    pub(crate) fn contains(&self, p: i32) -> bool {
        if self.is_empty() {
            return false;
        }
        let offset = (i64::from(align(p)) - i64::from(self.base)) / 64;
        let bit = 1u64 << (p - align(p));
        match offset {
            0 => self.inline & bit != 0,
            o if o > 0 => self.spill.get((o - 1) as usize).is_some_and(|w| w & bit != 0),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    proptest! {
        #[test]
        fn behaves_like_a_set(ps in proptest::collection::vec(-5000_i32..5000, 0..200)) {
            let mut s = PeriodSet::default();
            for &p in &ps { s.insert(p).unwrap(); }
            let expected: BTreeSet<i32> = ps.iter().copied().collect();
            prop_assert_eq!(s.len() as usize, expected.len());
            for p in -5000..5000 { prop_assert_eq!(s.contains(p), expected.contains(&p)); }
            for (k, &p) in expected.iter().enumerate() { prop_assert_eq!(s.nth(k as u32), Some(p)); }
            prop_assert_eq!(s.nth(expected.len() as u32), None);
        }

        #[test]
        fn union_is_set_union(a in proptest::collection::vec(-3000_i32..3000, 0..100),
                              b in proptest::collection::vec(-3000_i32..3000, 0..100)) {
            let mut sa = PeriodSet::default();
            for &p in &a { sa.insert(p).unwrap(); }
            let mut sb = PeriodSet::default();
            for &p in &b { sb.insert(p).unwrap(); }
            sa.union(&sb).unwrap();
            let expected: BTreeSet<i32> = a.iter().chain(&b).copied().collect();
            prop_assert_eq!(sa.len() as usize, expected.len());
            for &p in &expected { prop_assert!(sa.contains(p)); }
        }
    }

    #[test]
    fn extremes_do_not_overflow() {
        let mut s = PeriodSet::default();
        s.insert(i32::MAX).unwrap();
        s.insert(i32::MAX - 100).unwrap();
        assert_eq!(s.len(), 2);
        let mut t = PeriodSet::default();
        t.insert(i32::MAX - 200).unwrap();
        t.union(&s).unwrap();
        assert_eq!(t.len(), 3);
        assert_eq!(t.insert(i32::MIN), Err(SpanTooWide));
        assert_eq!(t.len(), 3);
    }
}

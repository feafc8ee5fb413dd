//! A small direct-mapped memo of a pure `f64 → f64` function (`ln`, `ln_1p`, …) for batch
//! passes over many customers whose arguments repeat (the summaries' times take a few
//! hundred distinct values in a million customers). A hit returns the value computed for
//! the same argument bits, so a memoised pass gives the bits of the plain one.
//!
//! This module owns [`Memo`]; the callers decide what to memoise.

/// Slots of a [`Memo`] (a power of two).
const SLOTS: usize = 1 << 11;

/// Argument bits no slot holds at first: a NaN, never a looked-up argument (callers pass
/// validated, finite arguments; a NaN argument would simply be recomputed).
const EMPTY: u64 = u64::MAX;

/// `f(v)` remembered by the bits of `v`, one entry per slot (a collision overwrites).
pub(crate) struct Memo<F, V = f64> {
    f: F,
    keys: Box<[u64; SLOTS]>,
    values: Box<[V; SLOTS]>,
}

impl<F: Fn(f64) -> V, V: Copy + Default> Memo<F, V> {
    pub(crate) fn new(f: F) -> Self {
        Memo {
            f,
            keys: Box::new([EMPTY; SLOTS]),
            values: Box::new([V::default(); SLOTS]),
        }
    }

    /// `f(v)`, from the memo when `v` was the last argument of its slot.
    #[inline]
    pub(crate) fn get(&mut self, v: f64) -> V {
        let bits = v.to_bits();
        let slot = (bits.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - SLOTS.trailing_zeros())) as usize;
        // `slot < SLOTS` by the shift; `get_mut` keeps the function free of panics.
        match (self.keys.get_mut(slot), self.values.get_mut(slot)) {
            (Some(k), Some(value)) => {
                if *k != bits {
                    *k = bits;
                    *value = (self.f)(v);
                }
                *value
            }
            _ => (self.f)(v),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memo_gives_the_bits_of_the_function() {
        let mut memo = Memo::new(f64::ln);
        for i in 0..10_000 {
            let v = 1.0 + f64::from(i % 777) / 7.0;
            assert_eq!(memo.get(v).to_bits(), v.ln().to_bits());
        }
        let mut odd = Memo::new(f64::ln_1p);
        assert!(odd.get(f64::NAN).is_nan());
        assert_eq!(odd.get(0.5).to_bits(), 0.5_f64.ln_1p().to_bits());
    }
}

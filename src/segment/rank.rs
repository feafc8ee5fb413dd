//! Order statistics shared by the concentration and RFM code: sorting finite `f64`
//! columns and scoring them into quantile bins by selection instead of a full sort.
//!
//! Callers check finiteness first (see `check_finite`); this module assumes it.

use std::cmp::Ordering;

/// `-0.0` and `0.0` compare equal with `==` but not with `total_cmp`; fold them so that
/// tie groups are the same under both.
#[inline]
pub(crate) fn canon(v: f64) -> f64 {
    v + 0.0
}

/// A sorted (ascending) copy of finite values.
pub(crate) fn sorted_ascending(values: &[f64]) -> Vec<f64> {
    let mut v: Vec<f64> = values.iter().map(|&x| canon(x)).collect();
    sort_f64(&mut v);
    v
}

/// Sorts finite values ascending. Large inputs go through an LSD radix sort on the
/// order-preserving bit pattern (6 passes of 11 bits), which beats comparison sorting from
/// about a hundred thousand values on.
pub(crate) fn sort_f64(v: &mut [f64]) {
    if v.len() < 1 << 16 {
        v.sort_unstable_by(f64::total_cmp);
        return;
    }
    let key = |x: f64| {
        let b = x.to_bits();
        // Flip all bits of negatives, only the sign of positives: unsigned order = numeric order.
        if b >> 63 == 1 { !b } else { b | (1 << 63) }
    };
    let unkey = |k: u64| {
        let b = if k >> 63 == 1 { k & !(1 << 63) } else { !k };
        f64::from_bits(b)
    };
    let mut a: Vec<u64> = v.iter().map(|&x| key(x)).collect();
    let mut b = vec![0_u64; a.len()];
    const BITS: u32 = 11;
    const MASK: u64 = (1 << BITS) - 1;
    for pass in 0..64_u32.div_ceil(BITS) {
        let shift = pass * BITS;
        let mut counts = [0_usize; 1 << BITS];
        for &k in &a {
            // The masked digit is below 2^BITS = counts.len(): `get_mut` never misses.
            if let Some(count) = counts.get_mut(((k >> shift) & MASK) as usize) {
                *count += 1;
            }
        }
        // A pass where every key has the same digit changes nothing: skip it.
        if counts.contains(&a.len()) {
            continue;
        }
        let mut offsets = [0_usize; 1 << BITS];
        let mut acc = 0;
        for (o, c) in offsets.iter_mut().zip(counts) {
            *o = acc;
            acc += c;
        }
        for &k in &a {
            if let Some(offset) = offsets.get_mut(((k >> shift) & MASK) as usize) {
                if let Some(slot) = b.get_mut(*offset) {
                    *slot = k;
                }
                *offset += 1;
            }
        }
        std::mem::swap(&mut a, &mut b);
    }
    for (dst, &k) in v.iter_mut().zip(&a) {
        *dst = unkey(k);
    }
}

/// Values at the given sorted, distinct 0-based positions of the ascending order, found
/// by nested selection (O(n log m) for m positions) rather than a sort.
fn select_positions(slice: &mut [f64], offset: usize, positions: &[usize], out: &mut Vec<(usize, f64)>) {
    let mid = positions.len() / 2;
    let Some(&p) = positions.get(mid) else { return };
    let local = p - offset;
    if local >= slice.len() {
        return;
    }
    let (left, nth, right) = slice.select_nth_unstable_by(local, f64::total_cmp);
    let value = *nth;
    select_positions(left, offset, positions.get(..mid).unwrap_or(&[]), out);
    out.push((p, value));
    select_positions(right, p + 1, positions.get(mid + 1..).unwrap_or(&[]), out);
}

/// Quantile scores 1..=bins of finite values by average-rank percentile:
/// `score = floor(bins · (L + E/2) / N) + 1`, where `L` counts values strictly below and
/// `E` values equal (itself included). Equal values get equal scores; the result does not
/// depend on input order.
///
/// Only the values at the `bins − 1` bin-edge positions are needed: a value strictly
/// between the edge values at positions `q_k` and `q_{k+1}` always scores `k + 1`, and
/// the edge values themselves are scored from their exact `L` and `E`, counted in one
/// pass.
pub(crate) fn quantile_scores_finite(values: &[f64], bins: u8) -> Vec<u8> {
    let n = values.len();
    if n == 0 {
        return Vec::new();
    }
    let nb = usize::from(bins);
    let mut positions: Vec<usize> = (1..nb)
        .map(|k| ((k as u128 * n as u128) / nb as u128) as usize)
        .collect();
    positions.dedup();
    let mut scratch: Vec<f64> = values.iter().map(|&x| canon(x)).collect();
    let mut edges = Vec::with_capacity(positions.len());
    select_positions(&mut scratch, 0, &positions, &mut edges);
    drop(scratch);
    edges.sort_by_key(|&(p, _)| p);

    // Distinct edge values, ascending, each with the largest k whose edge position holds it.
    let mut cand: Vec<(f64, u8)> = Vec::with_capacity(edges.len());
    for &(p, value) in &edges {
        let k = (1..nb)
            .filter(|&k| ((k as u128 * n as u128) / nb as u128) as usize == p)
            .max()
            .unwrap_or(0) as u8;
        match cand.last_mut() {
            Some(last) if last.0.total_cmp(&value) == Ordering::Equal => last.1 = last.1.max(k),
            _ => cand.push((value, k)),
        }
    }

    let locate = |v: f64| -> (usize, bool) {
        let v = canon(v);
        let j = cand.partition_point(|c| c.0 < v);
        let equal = cand.get(j).is_some_and(|c| c.0.total_cmp(&v) == Ordering::Equal);
        (j, equal)
    };
    let m = cand.len();
    // One pass locates every value: code 2j = strictly between edge j−1 and edge j,
    // 2j + 1 = equal to edge j. The codes are then counted and mapped to scores through a
    // table, so no value is searched twice.
    let codes: Vec<u8> = values
        .iter()
        .map(|&v| {
            let (j, equal) = locate(v);
            (2 * j + usize::from(equal)) as u8
        })
        .collect();
    let mut counts = vec![0_u64; 2 * m + 2];
    for &c in &codes {
        if let Some(slot) = counts.get_mut(usize::from(c)) {
            *slot += 1;
        }
    }
    let mut table = vec![1_u8; 2 * m + 2];
    let mut less = 0_u64;
    for j in 0..=m {
        // Values strictly between edges j−1 and j score one above edge j−1's last k.
        if let Some(slot) = table.get_mut(2 * j) {
            *slot = if j == 0 {
                1
            } else {
                cand.get(j - 1).map_or(1, |c| c.1 + 1)
            };
        }
        less += counts.get(2 * j).copied().unwrap_or(0);
        let e = counts.get(2 * j + 1).copied().unwrap_or(0);
        let s = (u128::from(bins) * (2 * u128::from(less) + u128::from(e))) / (2 * n as u128) + 1;
        if let Some(slot) = table.get_mut(2 * j + 1) {
            *slot = s.min(u128::from(bins)) as u8;
        }
        less += e;
    }
    codes
        .iter()
        .map(|&c| table.get(usize::from(c)).copied().unwrap_or(1))
        .collect()
}

/// Quantile scores 1..=bins of finite values by minimum rank,
/// `score = floor(bins · L / N) + 1`, where `L` counts values strictly below. Equal values get equal scores (the score of
/// the lowest rank their block spans); the result does not depend on input order.
///
/// `score ≥ k + 1` exactly when `L ≥ m_k = ⌈k·N / bins⌉`, that is when the value exceeds the
/// `m_k`-th smallest value. So the `bins − 1` edge values at ascending positions `m_k − 1`
/// (found by selection) decide every score: a value's score is one plus the number of
/// edges strictly below it.
pub(crate) fn min_rank_scores_finite(values: &[f64], bins: u8) -> Vec<u8> {
    let n = values.len();
    if n == 0 {
        return Vec::new();
    }
    let nb = usize::from(bins);
    // m_k ≥ 1 for k ≥ 1 and n ≥ 1; nondecreasing in k.
    let per_k: Vec<usize> = (1..nb)
        .map(|k| ((k as u128 * n as u128).div_ceil(nb as u128) as usize).saturating_sub(1))
        .collect();
    let mut positions = per_k.clone();
    positions.dedup();
    let mut scratch: Vec<f64> = values.iter().map(|&x| canon(x)).collect();
    let mut found = Vec::with_capacity(positions.len());
    select_positions(&mut scratch, 0, &positions, &mut found);
    drop(scratch);
    found.sort_by_key(|&(p, _)| p);
    let edges: Vec<f64> = per_k
        .iter()
        .filter_map(|p| found.binary_search_by_key(p, |&(q, _)| q).ok())
        .filter_map(|i| found.get(i).map(|&(_, v)| v))
        .collect();
    values
        .iter()
        .map(|&v| {
            let v = canon(v);
            (1 + edges.partition_point(|&e| e < v)).min(nb) as u8
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The definition, by brute force.
    fn naive(values: &[f64], bins: u8) -> Vec<u8> {
        let n = values.len() as u128;
        values
            .iter()
            .map(|&v| {
                let l = values.iter().filter(|&&x| x < v).count() as u128;
                let e = values.iter().filter(|&&x| x.total_cmp(&v).is_eq()).count() as u128;
                ((u128::from(bins) * (2 * l + e)) / (2 * n) + 1) as u8
            })
            .collect()
    }

    #[test]
    fn selection_matches_definition() {
        let mut seed = 7_u64;
        for n in [1_usize, 2, 3, 4, 5, 7, 10, 11, 50, 333] {
            for distinct in [1_u64, 2, 3, 5, 1000] {
                let v: Vec<f64> = (0..n)
                    .map(|_| {
                        seed = seed
                            .wrapping_mul(6_364_136_223_846_793_005)
                            .wrapping_add(1_442_695_040_888_963_407);
                        ((seed >> 33) % distinct) as f64
                    })
                    .collect();
                for bins in [2_u8, 3, 5, 10] {
                    assert_eq!(
                        quantile_scores_finite(&v, bins),
                        naive(&v, bins),
                        "n={n} d={distinct} b={bins}"
                    );
                }
            }
        }
    }

    /// Minimum-rank scores, by brute force.
    fn naive_min(values: &[f64], bins: u8) -> Vec<u8> {
        let n = values.len() as u128;
        values
            .iter()
            .map(|&v| {
                let l = values.iter().filter(|&&x| x < v).count() as u128;
                ((u128::from(bins) * l) / n + 1) as u8
            })
            .collect()
    }

    #[test]
    fn min_rank_selection_matches_definition() {
        let mut seed = 11_u64;
        for n in [1_usize, 2, 3, 4, 5, 7, 9, 10, 11, 50, 333, 1000] {
            for distinct in [1_u64, 2, 3, 5, 1000] {
                let v: Vec<f64> = (0..n)
                    .map(|_| {
                        seed = seed
                            .wrapping_mul(6_364_136_223_846_793_005)
                            .wrapping_add(1_442_695_040_888_963_407);
                        ((seed >> 33) % distinct) as f64 - 2.0
                    })
                    .collect();
                for bins in [2_u8, 3, 5, 7, 10] {
                    assert_eq!(
                        min_rank_scores_finite(&v, bins),
                        naive_min(&v, bins),
                        "n={n} d={distinct} b={bins}"
                    );
                }
            }
        }
        // -0.0 and 0.0 are one tie block.
        assert_eq!(min_rank_scores_finite(&[-0.0, 0.0, 1.0], 3), vec![1, 1, 3]);
    }

    #[test]
    fn radix_sort_sorts() {
        let mut seed = 1_u64;
        let mut v: Vec<f64> = (0..100_000)
            .map(|i| {
                seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                let x = (seed >> 11) as f64 / (1_u64 << 53) as f64 - 0.5;
                if i % 7 == 0 { 0.0 } else { x * 1e6 }
            })
            .collect();
        let mut w = v.clone();
        sort_f64(&mut v);
        w.sort_unstable_by(f64::total_cmp);
        assert_eq!(v, w);
    }
}

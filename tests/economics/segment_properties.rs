//! Laws of the segmentation module, checked on random inputs (proptest).

use customer_value::segment::{
    AbcCuts, Concentration, NegativeValues, RfmValues, SegmentMap, TieRule, WhaleCurve, abc_classes, gini,
    gini_from_lorenz, gini_weighted, quantile_scores, quantile_scores_with, rfm_scores, top_share,
};
use proptest::prelude::*;
use rust_decimal::Decimal;

/// Non-negative values with a positive total; few distinct values half the time, so ties
/// are common.
fn values() -> impl Strategy<Value = Vec<f64>> {
    prop_oneof![
        prop::collection::vec(0.0_f64..1e6, 1..200),
        prop::collection::vec((0_u8..6).prop_map(f64::from), 1..200),
    ]
    .prop_filter("positive total", |v| v.iter().sum::<f64>() > 0.0)
}

/// A permutation of `0..n` from a seed.
fn permutation(n: usize, seed: u64) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..n).collect();
    let mut s = seed | 1;
    for i in (1..n).rev() {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        idx.swap(i, (s % (i as u64 + 1)) as usize);
    }
    idx
}

fn apply<T: Copy>(v: &[T], p: &[usize]) -> Vec<T> {
    p.iter().map(|&i| v[i]).collect()
}

/// Mid-rank percentile (L + E/2) / N of each value: the scores' definition.
fn percentiles(v: &[f64]) -> Vec<f64> {
    let n = v.len() as f64;
    v.iter()
        .map(|&x| {
            let l = v.iter().filter(|&&y| y < x).count() as f64;
            let e = v.iter().filter(|&&y| y.total_cmp(&x).is_eq()).count() as f64;
            (l + e / 2.0) / n
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    // The weighted Gini is the mean absolute difference over twice the mean (a double
    // sum, written out here), and positive weights scale freely.
    #[test]
    fn weighted_gini_is_the_mean_absolute_difference(
        rows in prop::collection::vec((0.0_f64..1e4, 0.01_f64..50.0), 1..60),
        scale in 0.01_f64..100.0,
    ) {
        let x: Vec<f64> = rows.iter().map(|r| r.0).collect();
        let w: Vec<f64> = rows.iter().map(|r| r.1).collect();
        let total_w: f64 = w.iter().sum();
        let mean = x.iter().zip(&w).map(|(a, b)| a * b).sum::<f64>() / total_w;
        prop_assume!(mean > 1e-6);
        let mut mad = 0.0;
        for (xi, wi) in x.iter().zip(&w) {
            for (xj, wj) in x.iter().zip(&w) {
                mad += wi * wj * (xi - xj).abs();
            }
        }
        let expected = mad / (2.0 * total_w * total_w * mean);
        let g = gini_weighted(&x, &w).unwrap();
        prop_assert!((g - expected).abs() < 1e-9, "{} vs {}", g, expected);
        let scaled: Vec<f64> = w.iter().map(|v| v * scale).collect();
        prop_assert!((gini_weighted(&x, &scaled).unwrap() - g).abs() < 1e-9);
    }


    #[test]
    fn lorenz_curve_laws(v in values(), points in 0_usize..50) {
        let c = Concentration::new(&v).unwrap();
        let curve = c.lorenz(points);
        let first = curve[0];
        let last = curve[curve.len() - 1];
        prop_assert_eq!((first.population, first.value), (0.0, 0.0));
        prop_assert_eq!((last.population, last.value), (1.0, 1.0));
        for w in curve.windows(2) {
            prop_assert!(w[1].population > w[0].population);
            prop_assert!(w[1].value >= w[0].value - 1e-12);
            // Below the diagonal.
            prop_assert!(w[1].value <= w[1].population + 1e-12);
        }
        // Convex: slopes do not decrease.
        let full = c.lorenz(0);
        for w in full.windows(3) {
            let s1 = (w[1].value - w[0].value) / (w[1].population - w[0].population);
            let s2 = (w[2].value - w[1].value) / (w[2].population - w[1].population);
            prop_assert!(s2 >= s1 - 1e-9 * (1.0 + s1.abs()));
        }
    }

    #[test]
    fn gini_laws(v in values(), seed in any::<u64>(), scale in 1e-3_f64..1e3) {
        let g = gini(&v, NegativeValues::Error).unwrap();
        prop_assert!((0.0..1.0).contains(&g.population), "{}", g.population);
        if let Some(c) = g.corrected {
            prop_assert!((0.0..=1.0 + 1e-12).contains(&c));
        }
        let shuffled = apply(&v, &permutation(v.len(), seed));
        let gp = gini(&shuffled, NegativeValues::Error).unwrap().population;
        prop_assert!((gp - g.population).abs() < 1e-12);
        let scaled: Vec<f64> = v.iter().map(|x| x * scale).collect();
        let gs = gini(&scaled, NegativeValues::Error).unwrap().population;
        prop_assert!((gs - g.population).abs() < 1e-9);
        // The same number from the Lorenz curve's area.
        let from_curve = gini_from_lorenz(&Concentration::new(&v).unwrap().lorenz(0)).unwrap();
        prop_assert!((from_curve - g.population).abs() < 1e-9);
        // RSV and the others coincide with the plain Gini when nothing is negative.
        for p in [NegativeValues::Raw, NegativeValues::SetToZero, NegativeValues::Shift, NegativeValues::RaffinettiSilettiVernizzi] {
            prop_assert!((gini(&v, p).unwrap().population - g.population).abs() < 1e-12);
        }
    }

    #[test]
    fn gini_of_equal_values_is_zero(x in 1e-6_f64..1e9, n in 1_usize..500) {
        prop_assert_eq!(gini(&vec![x; n], NegativeValues::Error).unwrap().population, 0.0);
    }

    #[test]
    fn top_share_laws(v in values(), p in 0.0_f64..=1.0, y in 1e-6_f64..=1.0) {
        let c = Concentration::new(&v).unwrap();
        let share = c.top_share(p).unwrap();
        // Selection and sorting agree.
        prop_assert!((top_share(&v, p).unwrap() - share).abs() < 1e-9);
        // The top p hold at least p of the value (non-negative values).
        prop_assert!(share >= p - 1e-9);
        prop_assert!(share <= 1.0 + 1e-12);
        // The inverse: k customers reach y, k − 1 do not.
        let top = c.customers_for_share(y).unwrap();
        let sorted = c.sorted_values();
        let held = |k: usize| sorted[sorted.len() - k..].iter().sum::<f64>() / c.total();
        prop_assert!(held(top.customers) >= y * (1.0 - 1e-9));
        if top.customers > 0 {
            prop_assert!(held(top.customers - 1) < y * (1.0 + 1e-9));
        }
        // Decile table: groups partition the customers and the value.
        let table = c.quantile_table(10).unwrap();
        prop_assert_eq!(table.iter().map(|r| r.customers).sum::<usize>(), v.len());
        prop_assert!((table[9].cumulative_share - 1.0).abs() < 1e-9);
    }

    #[test]
    fn abc_classes_partition_customers(v in values(), seed in any::<u64>()) {
        let cuts = AbcCuts::default();
        let abc = abc_classes(&v, &cuts).unwrap();
        prop_assert_eq!(abc.classes.len(), v.len());
        prop_assert_eq!(abc.counts.iter().sum::<usize>(), v.len());
        prop_assert!(abc.classes.iter().all(|&c| usize::from(c) < cuts.classes()));
        // More value never means a lower class; equal values share a class.
        for (i, &a) in v.iter().enumerate() {
            for (j, &b) in v.iter().enumerate() {
                if a > b { prop_assert!(abc.classes[i] <= abc.classes[j]); }
                if a.total_cmp(&b).is_eq() { prop_assert_eq!(abc.classes[i], abc.classes[j]); }
            }
        }
        // Class A reaches the first cut; without its last tie block it would not.
        let total: f64 = v.iter().sum();
        prop_assert!(abc.value[0] >= 0.8 * total * (1.0 - 1e-9));
        // Invariant to input order.
        let p = permutation(v.len(), seed);
        prop_assert_eq!(abc_classes(&apply(&v, &p), &cuts).unwrap().classes, apply(&abc.classes, &p));
    }

    #[test]
    fn min_rank_scores_follow_the_definition(v in values(), bins in 2_u8..=10, seed in any::<u64>()) {
        let scores = quantile_scores(&v, bins).unwrap();
        let n = v.len() as u128;
        for (&s, &x) in scores.iter().zip(&v) {
            let below = v.iter().filter(|&&y| y < x).count() as u128;
            prop_assert_eq!(u128::from(s), u128::from(bins) * below / n + 1);
        }
        let perm = permutation(v.len(), seed);
        prop_assert_eq!(quantile_scores(&apply(&v, &perm), bins).unwrap(), apply(&scores, &perm));
    }

    #[test]
    fn rfm_scores_follow_the_definition(v in values(), bins in 2_u8..=10, seed in any::<u64>()) {
        let scores = quantile_scores_with(&v, bins, TieRule::AverageRank).unwrap();
        let b = f64::from(bins);
        for (&s, p) in scores.iter().zip(percentiles(&v)) {
            // Each score holds exactly the percentiles of its bin: balanced within ties.
            prop_assert!((f64::from(s) - 1.0) / b <= p + 1e-12 && p < f64::from(s) / b + 1e-12, "s={} p={}", s, p);
        }
        let perm = permutation(v.len(), seed);
        prop_assert_eq!(
            quantile_scores_with(&apply(&v, &perm), bins, TieRule::AverageRank).unwrap(),
            apply(&scores, &perm)
        );
    }

    #[test]
    fn distinct_values_fill_bins_evenly(n in 1_usize..400, bins in 2_u8..=10, seed in any::<u64>()) {
        let v: Vec<f64> = apply(&(0..n).map(|i| i as f64).collect::<Vec<_>>(), &permutation(n, seed));
        let scores = quantile_scores(&v, bins).unwrap();
        let expected = n as f64 / f64::from(bins);
        for k in 1..=bins {
            let count = scores.iter().filter(|&&s| s == k).count() as f64;
            prop_assert!((count - expected).abs() <= 1.0, "bin {} holds {} of {}", k, count, n);
        }
    }

    #[test]
    fn rfm_recency_is_reversed_and_order_free(
        rows in prop::collection::vec((0.0_f64..400.0, 1_u8..20, 0.0_f64..1e4), 1..150),
        seed in any::<u64>(),
    ) {
        let r: Vec<f64> = rows.iter().map(|x| x.0).collect();
        let f: Vec<f64> = rows.iter().map(|x| f64::from(x.1)).collect();
        let m: Vec<f64> = rows.iter().map(|x| x.2).collect();
        let s = rfm_scores(&RfmValues::new(r.clone(), f.clone(), m.clone()).unwrap(), 5).unwrap();
        for i in 0..r.len() {
            for j in 0..r.len() {
                if r[i] < r[j] { prop_assert!(s.recency[i] >= s.recency[j]); }
            }
        }
        let p = permutation(r.len(), seed);
        let sp = rfm_scores(&RfmValues::new(apply(&r, &p), apply(&f, &p), apply(&m, &p)).unwrap(), 5).unwrap();
        prop_assert_eq!(sp.recency, apply(&s.recency, &p));
        prop_assert_eq!(sp.frequency, apply(&s.frequency, &p));
        prop_assert_eq!(sp.monetary, apply(&s.monetary, &p));
        // Every customer lands in exactly one standard segment.
        let seg = SegmentMap::standard().assign(&s).unwrap();
        prop_assert_eq!(seg.len(), r.len());
    }

    #[test]
    fn whale_curve_laws(p in prop::collection::vec(-10_000_i64..10_000, 1..200)) {
        let profits: Vec<Decimal> = p.iter().map(|&x| Decimal::new(x, 2)).collect();
        let w = WhaleCurve::new(&profits).unwrap();
        let total: Decimal = profits.iter().sum();
        prop_assert_eq!(w.total_profit, total);
        prop_assert!(w.peak_profit >= total && w.peak_profit >= Decimal::ZERO);
        let destroyed: Decimal = profits.iter().filter(|x| x.is_sign_negative() && !x.is_zero()).map(|x| -x).sum();
        prop_assert_eq!(w.profit_destroyed, destroyed);
        // Peak = sum of the positive profits.
        let positive: Decimal = profits.iter().filter(|x| **x > Decimal::ZERO).sum();
        prop_assert_eq!(w.peak_profit, positive);
        let pts = w.points(0).unwrap();
        prop_assert_eq!(pts.len(), profits.len() + 1);
        prop_assert_eq!(pts[pts.len() - 1].cumulative_profit, total);
        prop_assert_eq!(w.peak_percent.is_some(), total > Decimal::ZERO);
        prop_assert!(pts.iter().all(|q| q.percent_of_total.is_some() == (total > Decimal::ZERO)));
        if let (Some(pct), Some(last)) = (w.peak_percent, pts[pts.len() - 1].percent_of_total) {
            prop_assert!(pct >= 100.0 - 1e-9);
            prop_assert!((last - 100.0).abs() < 1e-9);
        }
    }
}

#[test]
fn standard_map_is_a_partition() {
    let map = SegmentMap::standard();
    assert!(SegmentMap::diagnose(5, map.rules()).is_partition());
    assert_eq!(map.names().count(), 11);
}

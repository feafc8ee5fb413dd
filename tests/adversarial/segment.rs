//! Segmentation: Lorenz curves, Gini under every negative-value policy, top shares,
//! quantile tables, ABC classes, whale curves, RFM scores and segment maps, profit levels,
//! over hostile value columns (NaN, ±inf, 1e308, subnormals, negatives, ties). Every `Ok`
//! is finite; shares are in [0, 1] and sum to 100 %; every customer lands in exactly one
//! class, quantile group and segment; Lorenz curves run from (0, 0) to (1, 1).

use customer_value::segment::{
    AbcCuts, Concentration, NegativeValues, ProfitLevels, RfmValues, SegmentMap, SegmentTable, WhaleCurve,
    abc_classes, gini, gini_from_lorenz, gini_weighted, lorenz_curve_weighted, quantile_scores, rfm_scores,
    top_share,
};

use super::harness::Tally;
use super::rng::{Rng, scale};

fn values(rng: &mut Rng) -> Vec<f64> {
    let n = rng.usize(12);
    let mode = rng.below(5);
    (0..n)
        .map(|_| match mode {
            0 => rng.f64(),
            1 => rng.f64_pos(),
            2 => rng.pick(&[1.0, 1.0, 0.0, 2.0]),
            // Values that nearly cancel: a positive total tiny beside them.
            3 => rng.pick(&[
                1e300,
                -1e300,
                1e-300,
                f64::MAX / 4.0,
                -f64::MAX / 4.0,
                5e-324,
                1.0,
                -1.0,
            ]),
            _ => rng.below(1000) as f64,
        })
        .collect()
}

#[test]
fn segment_concentration_gini_and_lorenz() {
    let mut t = Tally::new("segment gini");
    let mut rng = Rng::new(51);
    for case in 0..3_000 * scale() {
        let v = values(&mut rng);
        let w = || format!("case {case}: {v:?}");
        if let Some(c) = t.call(w, || Concentration::new(&v)) {
            t.finite(c.total(), || format!("{}: total", w()));
            let g = c.gini();
            t.finite(g.population, || format!("{}: gini", w()));
            let p = rng.prob();
            if let Some(s) = t.call(w, || c.top_share(p)) {
                t.finite(s, || format!("{}: top_share({p})", w()));
                if v.iter().all(|x| *x >= 0.0) {
                    t.probability(s, || format!("{}: top_share({p})", w()));
                }
            }
            if let Some(l) = t.call(w, || c.lorenz_at(p)) {
                t.finite(l, || format!("{}: lorenz_at({p})", w()));
            }
            let points = rng.pick(&[0, 1, 2, 10, 1000]);
            let curve = c.lorenz(points);
            t.promise(
                curve
                    .first()
                    .is_some_and(|f| f.population == 0.0 && f.value == 0.0)
                    && curve
                        .last()
                        .is_some_and(|l| (l.population - 1.0).abs() < 1e-12 && (l.value - 1.0).abs() < 1e-9),
                || {
                    format!(
                        "{}: lorenz({points}) ends {:?} … {:?}",
                        w(),
                        curve.first(),
                        curve.last()
                    )
                },
            );
            t.promise(
                curve
                    .iter()
                    .all(|p| p.population.is_finite() && p.value.is_finite()),
                || format!("{}: lorenz not finite", w()),
            );
            if let Some(g2) = t.call(w, || gini_from_lorenz(&curve)) {
                t.finite(g2, || format!("{}: gini_from_lorenz", w()));
            }
            let y = rng.prob();
            if let Some(top) = t.call(w, || c.customers_for_share(y)) {
                t.promise(top.customers <= c.len(), || {
                    format!("{}: customers_for_share({y}) = {top:?}", w())
                });
                t.probability(top.customer_share, || format!("{}: customer_share", w()));
                t.finite(top.value_share, || format!("{}: value_share", w()));
            }
            let groups = if rng.chance(2000) {
                1_000_000
            } else {
                rng.pick(&[0, 1, 3, 10, 1000, 1_000_001, usize::MAX])
            };
            if let Some(rows) = t.call(w, || c.quantile_table(groups)) {
                let n: usize = rows.iter().map(|r| r.customers).sum();
                t.promise(n == c.len(), || {
                    format!("{}: quantile_table({groups}) holds {n} of {}", w(), c.len())
                });
                let shares: Vec<f64> = rows.iter().map(|r| r.share).collect();
                t.promise(
                    shares
                        .iter()
                        .chain(rows.iter().map(|r| &r.cumulative_share))
                        .all(|s| s.is_finite()),
                    || format!("{}: shares not finite", w()),
                );
                t.shares_sum_to_one(&shares, 1e-9, || format!("{}: quantile_table({groups})", w()));
            }
        }
        let p = rng.prob();
        if let Some(s) = t.call(w, || top_share(&v, p)) {
            t.finite(s, || format!("{}: top_share fn", w()));
        }
        for policy in [
            NegativeValues::Error,
            NegativeValues::Raw,
            NegativeValues::SetToZero,
            NegativeValues::Shift,
            NegativeValues::RaffinettiSilettiVernizzi,
        ] {
            if let Some(g) = t.call(w, || gini(&v, policy)) {
                t.finite(g.population, || format!("{}: gini {policy:?}", w()));
                if policy != NegativeValues::Raw {
                    t.probability(g.population, || format!("{}: gini {policy:?}", w()));
                }
                if let Some(c) = g.corrected {
                    t.finite(c, || format!("{}: corrected gini {policy:?}", w()));
                }
            }
        }
        let weights: Vec<f64> = (0..v.len() + usize::from(rng.chance(20)))
            .map(|_| if rng.chance(3) { rng.f64() } else { rng.f64_pos() })
            .collect();
        if let Some(curve) = t.call(w, || lorenz_curve_weighted(&v, &weights)) {
            t.promise(
                curve
                    .iter()
                    .all(|p| p.population.is_finite() && p.value.is_finite()),
                || format!("{}: weighted lorenz {weights:?}", w()),
            );
            if let Some(g) = t.call(w, || gini_from_lorenz(&curve)) {
                t.finite(g, || format!("{}: gini of weighted lorenz", w()));
            }
        }
        if let Some(g) = t.call(w, || gini_weighted(&v, &weights)) {
            t.finite(g, || format!("{}: gini_weighted {weights:?}", w()));
        }
    }
    t.finish();
}

#[test]
fn segment_abc_whale_and_profit_levels() {
    let mut t = Tally::new("segment abc");
    let mut rng = Rng::new(52);
    for case in 0..3_000 * scale() {
        let v = values(&mut rng);
        let cuts: Vec<f64> = (0..rng.usize(4)).map(|_| rng.prob()).collect();
        let w = || format!("case {case}: {v:?} cuts {cuts:?}");
        let cuts = t.call(w, || AbcCuts::new(cuts.clone())).unwrap_or_default();
        if let Some(abc) = t.call(w, || abc_classes(&v, &cuts)) {
            t.promise(abc.classes.len() == v.len(), || format!("{}: classes", w()));
            t.promise(abc.counts.iter().sum::<usize>() == v.len(), || {
                format!("{}: counts {:?}", w(), abc.counts)
            });
            t.promise(abc.value.iter().chain(&abc.share).all(|x| x.is_finite()), || {
                format!("{}: {abc:?}", w())
            });
            t.shares_sum_to_one(&abc.share, 1e-9, || format!("{}: abc shares", w()));
        }
        let profits: Vec<_> = (0..rng.usize(10))
            .map(|_| {
                if rng.chance(3) {
                    rng.decimal()
                } else {
                    rng.money() - rng.money()
                }
            })
            .collect();
        let pw = || format!("case {case}: profits {profits:?}");
        if let Some(curve) = t.call(pw, || WhaleCurve::new(&profits)) {
            let k = rng.pick(&[0, 1, 2, 10, 1000, usize::MAX]);
            if let Some(points) = t.call(pw, || curve.points(k)) {
                for p in &points {
                    t.probability(p.customer_share, || format!("{}: whale share", pw()));
                    if let Some(pc) = p.percent_of_total {
                        t.finite(pc, || format!("{}: whale percent", pw()));
                    }
                }
            }
            t.promise(
                curve.loss_customers + curve.zero_customers <= profits.len(),
                || format!("{}: {curve:?}", pw()),
            );
        }
        let (a, b) = (rng.decimal(), rng.decimal());
        if let Some(levels) = t.call(pw, || ProfitLevels::customer_pyramid(a, b)) {
            if let Some(c) = t.call(pw, || levels.classify(&profits)) {
                let n: usize = c.rows.iter().map(|r| r.customers).sum();
                t.promise(n == profits.len() && c.level.len() == profits.len(), || {
                    format!("{}: {n} customers in levels", pw())
                });
                let shares: Vec<f64> = c.rows.iter().filter_map(|r| r.profit_share).collect();
                t.promise(shares.iter().all(|s| s.is_finite()), || {
                    format!("{}: level shares {shares:?}", pw())
                });
            }
        }
    }
    t.finish();
}

#[test]
fn segment_rfm_scores_and_maps() {
    let mut t = Tally::new("segment rfm");
    let mut rng = Rng::new(53);
    let map = SegmentMap::standard();
    for case in 0..3_000 * scale() {
        let n = rng.usize(12);
        let col = |rng: &mut Rng| -> Vec<f64> {
            (0..n)
                .map(|_| {
                    if rng.chance(4) {
                        rng.f64()
                    } else {
                        rng.below(20) as f64
                    }
                })
                .collect()
        };
        let (r, f, m) = (col(&mut rng), col(&mut rng), col(&mut rng));
        let bins = rng.pick(&[0, 1, 2, 5, 10, 255]);
        let w = || format!("case {case}: r {r:?} f {f:?} m {m:?} bins {bins}");
        if let Some(q) = t.call(w, || quantile_scores(&r, bins)) {
            t.promise(q.len() == n && q.iter().all(|s| (1..=bins).contains(s)), || {
                format!("{}: quantile scores {q:?}", w())
            });
        }
        let Some(values) = t.call(w, || RfmValues::new(r.clone(), f.clone(), m.clone())) else {
            continue;
        };
        if let Some(scores) = t.call(w, || rfm_scores(&values, bins)) {
            t.promise(scores.len() == n, || format!("{}: {} scores", w(), scores.len()));
            let cells_ok = scores.cells().all(|c| {
                [c.recency, c.frequency, c.monetary]
                    .iter()
                    .all(|s| (1..=bins).contains(s))
            });
            t.promise(cells_ok, || format!("{}: a score outside 1..={bins}", w()));
            if bins == map.bins() {
                if let Some(counts) = t.call(w, || map.counts(&scores)) {
                    let total: usize = counts.iter().map(|(_, k)| k).sum();
                    t.promise(total == n, || format!("{}: segments hold {total} of {n}", w()));
                }
                if let Some(seg) = t.call(w, || map.assign(&scores)) {
                    let revenue: Vec<f64> = (0..n).map(|_| rng.f64_pos()).collect();
                    if let Some(table) = t.call(w, || SegmentTable::new(&map, &seg, &m, &revenue, None)) {
                        let total: usize = table.rows.iter().map(|r| r.customers).sum();
                        t.promise(total == n, || {
                            format!("{}: segment table holds {total} of {n}", w())
                        });
                        let shares: Vec<f64> = table.rows.iter().map(|r| r.customer_share).collect();
                        t.shares_sum_to_one(&shares, 1e-9, || format!("{}: segment customer shares", w()));
                        let rs: Vec<f64> = table.rows.iter().filter_map(|r| r.revenue_share).collect();
                        if !rs.is_empty() {
                            t.shares_sum_to_one(&rs, 1e-9, || {
                                format!("{}: segment revenue shares {revenue:?}", w())
                            });
                        }
                        t.promise(
                            table
                                .rows
                                .iter()
                                .all(|r| r.revenue.is_finite() && r.mean_monetary.is_none_or(f64::is_finite)),
                            || format!("{}: table {table:?}", w()),
                        );
                    }
                }
            }
        }
    }
    t.finish();
}

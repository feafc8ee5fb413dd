//! Satisfaction: NPS from counts at the `u64` limits and from answers outside 0–10, its
//! interval at hostile `z`; CSAT on any scale; CSI with hostile importances and scores.
//! Every `Ok` is finite: NPS in [−100, 100] with a non-negative standard error and an
//! interval inside [−100, 100] around it; CSAT top-box a percentage, CSAT mean on its scale.

use customer_value::satisfaction::{CsiItem, Nps, csat_mean, csat_top_box, csi};

use super::harness::Tally;
use super::rng::{Rng, scale};

fn check_nps(t: &mut Tally, n: &Nps, what: &str) {
    t.promise((-100.0..=100.0).contains(&n.score), || {
        format!("{what}: score {}", n.score)
    });
    t.promise(n.standard_error.is_finite() && n.standard_error >= 0.0, || {
        format!("{what}: SE {}", n.standard_error)
    });
}

#[test]
fn satisfaction_scores_stay_on_their_scales() {
    let mut t = Tally::new("satisfaction");
    let mut rng = Rng::new(81);
    for case in 0..5_000 * scale() {
        let (p, q, d) = (rng.u64(), rng.u64(), rng.u64());
        let w = format!("case {case}");
        if let Some(n) = t
            .call_plain(
                || format!("{w}: from_counts({p}, {q}, {d})"),
                || Nps::from_counts(p, q, d),
            )
            .flatten()
        {
            check_nps(&mut t, &n, &format!("{w}: from_counts({p}, {q}, {d})"));
            let z = rng.f64();
            if let Some((lo, hi)) = t.call(|| format!("{w}: interval({z})"), || n.interval(z)) {
                t.promise(
                    -100.0 <= lo && lo <= n.score && n.score <= hi && hi <= 100.0,
                    || {
                        format!(
                            "{w}: from_counts({p}, {q}, {d}).interval({z}) = ({lo}, {hi}) around {}",
                            n.score
                        )
                    },
                );
            }
        }
        let answers: Vec<u8> = (0..rng.usize(20))
            .map(|_| {
                if rng.chance(10) {
                    rng.next() as u8
                } else {
                    rng.below(11) as u8
                }
            })
            .collect();
        if let Some(Some(n)) = t.call(
            || format!("{w}: from_answers({answers:?})"),
            || Nps::from_answers(&answers),
        ) {
            check_nps(&mut t, &n, &format!("{w}: from_answers({answers:?})"));
        }
        let scale_ = rng.pick(&[0, 1, 2, 5, 7, 10, 255]);
        let top = rng.pick(&[0, 1, 2, 5, 255]);
        let ans: Vec<u8> = (0..rng.usize(20))
            .map(|_| {
                if rng.chance(10) {
                    rng.next() as u8
                } else {
                    1 + rng.below(u64::from(scale_.max(1))) as u8
                }
            })
            .collect();
        if let Some(Some(s)) = t.call(
            || format!("{w}: csat_top_box({ans:?}, {scale_}, {top})"),
            || csat_top_box(&ans, scale_, top),
        ) {
            t.promise((0.0..=100.0).contains(&s), || {
                format!("{w}: csat_top_box({ans:?}, {scale_}, {top}) = {s} %")
            });
        }
        if let Some(Some(m)) = t.call(
            || format!("{w}: csat_mean({ans:?}, {scale_})"),
            || csat_mean(&ans, scale_),
        ) {
            t.promise(m.is_finite() && m >= 1.0 && m <= f64::from(scale_), || {
                format!("{w}: csat_mean({ans:?}, {scale_}) = {m}")
            });
        }
        let items: Vec<CsiItem> = (0..rng.usize(6))
            .map(|_| CsiItem {
                importance: if rng.chance(3) { rng.f64() } else { rng.f64_pos() },
                satisfaction: if rng.chance(3) {
                    rng.f64()
                } else {
                    rng.below(u64::from(scale_) + 1) as f64
                },
            })
            .collect();
        if let Some(Some(v)) = t.call(
            || format!("{w}: csi({items:?}, {scale_})"),
            || csi(&items, scale_),
        ) {
            t.promise(v.is_finite() && (0.0..=100.0 + 1e-9).contains(&v), || {
                format!("{w}: csi({items:?}, {scale_}) = {v}")
            });
        }
    }
    t.finish();
}

//! The loyalty functions outside an account: `regularity`, `LoyaltyScoring::score`, `earn`
//! on the sample program, `liability`, `Breakage`, the IFRS 15 allocation and revenue,
//! paid memberships and value pledges, from hostile dates, counts, weights and amounts.
//! Promises: regularity, scores and breakage rates in [0, 1]; one score and tier per
//! customer, tiers below the cut count; points and liabilities ≥ 0; an IFRS 15 allocation
//! splits the price exactly into two parts ≥ 0; recognised revenue ≤ the allocation; every
//! call answers within [`MAX_CALL_SECS`].

use std::time::Instant;

use chrono::NaiveDate;
use customer_value::loyalty::{
    Breakage, Cadence, EventType, LedgerTotals, LoyaltyScoring, PaidMembership, PledgeBasis, Program,
    ScoreInputs, ScoreWeights, TierCut, ValuePledge, earn, ifrs15_allocation, ifrs15_revenue, liability,
    regularity,
};
use customer_value::segment::RfmValues;
use rust_decimal::Decimal;

use super::harness::Tally;
use super::rng::{Rng, scale};

const SAMPLE: &str = include_str!("../data/loyalty_program.json");

/// A call slower than this (debug build, busy machine) is a broken promise: a hang.
const MAX_CALL_SECS: f64 = 5.0;

fn points(rng: &mut Rng) -> i64 {
    match rng.below(5) {
        0 => rng.pick(&[i64::MAX, i64::MIN, 0, -1, i64::MAX - 1, 1 << 53]),
        1 => rng.next() as i64,
        _ => rng.below(100_000) as i64,
    }
}

fn values(rng: &mut Rng, n: usize, f: impl Fn(&mut Rng) -> f64) -> Vec<f64> {
    (0..n).map(|_| f(rng)).collect()
}

#[test]
fn loyalty_values_keep_their_promises() {
    let mut t = Tally::new("loyalty values");
    let mut rng = Rng::new(61);
    let program = Program::from_json(SAMPLE).expect("the sample program");
    let mut slowest = 0.0_f64;
    for case in 0..3_000 * scale() {
        // regularity: visit days, the day it is measured, cadences and window counts.
        let as_of = rng.date();
        let n = rng.usize(20);
        let dates: Vec<NaiveDate> = (0..n)
            .map(|_| {
                if rng.chance(3) {
                    rng.date()
                } else {
                    as_of
                        .checked_sub_days(chrono::Days::new(rng.below(2_000)))
                        .unwrap_or(NaiveDate::MIN)
                }
            })
            .collect();
        let cadence = Cadence {
            visits: {
                let v = rng.f64();
                rng.pick(&[v, 6.0, 1.0, 1e-300, 1e300])
            },
            window_days: {
                let v = rng.u32();
                rng.pick(&[0, 1, 7, 182, 365, u32::MAX, v])
            },
        };
        let windows = {
            let v = rng.u32();
            rng.pick(&[0, 1, 2, 12, u32::MAX, v])
        };
        let start = Instant::now();
        let r = t.call(
            || format!("case {case}: regularity({dates:?}, {as_of}, {cadence:?}, {windows})"),
            || regularity(&dates, as_of, cadence, windows),
        );
        let secs = start.elapsed().as_secs_f64();
        slowest = slowest.max(secs);
        t.promise(secs <= MAX_CALL_SECS, || {
            format!("case {case}: regularity took {secs:.1} s ({cadence:?}, {windows} windows)")
        });
        if let Some(r) = r {
            t.probability(r, || format!("case {case}: regularity {cadence:?} {windows}"));
        }

        // LoyaltyScoring::score: RFM values, tenure, regularity, P(alive), CLV, weights.
        let n = rng.usize(12);
        let rfm = RfmValues::new(
            values(&mut rng, n, Rng::f64_pos),
            values(&mut rng, n, Rng::f64_pos),
            values(&mut rng, n, Rng::f64),
        );
        let weight = |rng: &mut Rng| match rng.below(4) {
            0 => rng.f64(),
            1 => rng.pick(&[0.0, 1e308, f64::MAX, 5e-324]),
            _ => rng.below(100) as f64 / 10.0,
        };
        let mut weights = ScoreWeights::default();
        weights.recency = weight(&mut rng);
        weights.frequency = weight(&mut rng);
        weights.monetary = weight(&mut rng);
        weights.tenure = weight(&mut rng);
        weights.regularity = weight(&mut rng);
        weights.p_alive = weight(&mut rng);
        weights.clv = weight(&mut rng);
        let k = rng.usize(5);
        let cuts: Vec<f64> = values(&mut rng, k, Rng::prob);
        let scoring = LoyaltyScoring {
            weights,
            bins: {
                let v = rng.next() as u8;
                rng.pick(&[0, 1, 2, 5, 10, 255, v])
            },
            cut: if rng.chance(2) {
                TierCut::Thresholds(cuts.clone())
            } else {
                TierCut::Quantiles(cuts.clone())
            },
        };
        let n_len = |rng: &mut Rng| if rng.chance(15) { n + 1 } else { n };
        let len = n_len(&mut rng);
        let tenure = values(&mut rng, len, Rng::f64);
        let len = n_len(&mut rng);
        let reg = values(&mut rng, len, Rng::prob);
        let p_alive = rng.chance(2).then(|| values(&mut rng, n, Rng::prob));
        let clv = rng.chance(2).then(|| values(&mut rng, n, Rng::f64));
        if let Ok(rfm) = rfm {
            let inputs = ScoreInputs {
                rfm,
                tenure,
                regularity: reg,
                p_alive,
                clv,
            };
            let what = || format!("case {case}: score {scoring:?} of {inputs:?}");
            if let Some(s) = t.call(what, || scoring.score(&inputs)) {
                t.promise(s.scores.len() == n && s.tiers.len() == n, || {
                    format!(
                        "{}: {} scores, {} tiers for {n}",
                        what(),
                        s.scores.len(),
                        s.tiers.len()
                    )
                });
                for &v in &s.scores {
                    t.probability(v, || format!("{}: score", what()));
                }
                t.promise(s.tiers.iter().all(|&k| usize::from(k) <= cuts.len()), || {
                    format!("{}: tiers {:?} beyond {} cuts", what(), s.tiers, cuts.len())
                });
            }
        }

        // earn on the sample program.
        let other = EventType::Other(rng.next() as u16);
        let event = rng.pick(&[
            EventType::Purchase,
            EventType::Referral,
            EventType::PartnerPurchase,
            EventType::Review,
            other,
        ]);
        let (date, amount, units) = (rng.date(), rng.decimal(), rng.u32());
        let tier = rng.pick(&[None, Some(0), Some(1), Some(2), Some(usize::MAX)]);
        let what = || format!("case {case}: earn({event:?}, {date}, {amount}, {units}, {tier:?})");
        if let Some(e) = t.call(what, || earn(&program, event, date, amount, units, tier)) {
            t.promise(e.points >= 0 && e.capped >= 0 && e.raw >= Decimal::ZERO, || {
                format!("{}: {e:?}", what())
            });
        }

        // liability, breakage, IFRS 15.
        let (outstanding, value, redemption) = (points(&mut rng), rng.decimal(), rng.decimal());
        if let Some(l) = t.call(
            || format!("case {case}: liability({outstanding}, {value}, {redemption})"),
            || liability(outstanding, value, redemption),
        ) {
            t.promise(l >= Decimal::ZERO, || format!("case {case}: liability {l}"));
        }
        let totals = LedgerTotals {
            spent: points(&mut rng),
            expired: points(&mut rng),
            ..LedgerTotals::default()
        };
        let b = Breakage::from_totals(&totals);
        if let Some(Some(r)) = t.call_plain(|| format!("case {case}: breakage {b:?}"), || b.rate()) {
            t.promise((Decimal::ZERO..=Decimal::ONE).contains(&r), || {
                format!("case {case}: breakage rate {r} of {b:?}")
            });
        }
        let (price, goods) = (rng.decimal(), rng.decimal());
        let what = || {
            format!("case {case}: ifrs15_allocation({price}, {goods}, {outstanding}, {value}, {redemption})")
        };
        if let Some(a) = t.call(what, || {
            ifrs15_allocation(price, goods, outstanding, value, redemption)
        }) {
            t.promise(
                a.goods >= Decimal::ZERO
                    && a.points >= Decimal::ZERO
                    && a.goods.checked_add(a.points) == Some(price),
                || format!("{}: {a:?}", what()),
            );
        }
        let (allocated, redeemed, expected) = (rng.decimal(), points(&mut rng), points(&mut rng));
        if let Some(r) = t.call(
            || format!("case {case}: ifrs15_revenue({allocated}, {redeemed}, {expected})"),
            || ifrs15_revenue(allocated, redeemed, expected),
        ) {
            t.promise(r >= Decimal::ZERO && r <= allocated, || {
                format!("case {case}: ifrs15_revenue({allocated}, {redeemed}, {expected}) = {r}")
            });
        }

        // Paid memberships and value pledges.
        let m = PaidMembership {
            members: rng.u64(),
            fee: rng.decimal(),
            benefit_cost: rng.decimal(),
            incremental_margin: rng.decimal(),
            fixed_cost: rng.decimal(),
        };
        t.call(|| format!("case {case}: net_gain {m:?}"), || m.net_gain());
        t.call(|| format!("case {case}: roi {m:?}"), || m.roi());
        let basis = rng.pick(&[PledgeBasis::Cumulative, PledgeBasis::PerOrder]);
        let (per, donation) = (rng.decimal(), rng.decimal());
        if let Some(p) = t.call(
            || format!("case {case}: ValuePledge::new({per}, {donation})"),
            || ValuePledge::new(per, donation, basis),
        ) {
            let orders: Vec<Decimal> = (0..rng.usize(6)).map(|_| rng.decimal()).collect();
            if let Some(d) = t.call(
                || format!("case {case}: accrue {p:?} {orders:?}"),
                || p.accrue(&orders),
            ) {
                t.promise(d >= Decimal::ZERO, || {
                    format!("case {case}: accrue {p:?} {orders:?} = {d}")
                });
            }
        }
    }
    eprintln!("  loyalty values: slowest regularity call {slowest:.3} s");
    t.finish();
}

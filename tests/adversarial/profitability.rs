//! Profitability and accounting CLV (`src/clv` is only called here): closed forms,
//! discount weights, relationship NPV, bulk CLV, portfolio summaries, customer profit,
//! payback and ranking, from hostile rates, horizons and amounts at the `Decimal` limits.
//! Every `Ok` is finite; a non-negative margin has a non-negative value; an NPV is its
//! parts exactly; every customer is ranked in exactly one class and totals are exact.

use customer_value::RevenueStream;
use customer_value::clv::{
    ClvColumns, DiscountWeights, PortfolioSummary, Relationship, Timing, bulk_clv, closed_form_clv,
    closed_form_clv_finite, closed_form_multiplier, simple_clv, top_customers,
};
use customer_value::profitability::{
    ClassThresholds, CustomerCosts, CustomerProfitability, cac_payback_periods, clv_to_cac,
    net_profit_columns, rank_by_profit,
};
use customer_value::retention::{ConstantRetention, RetentionCurve, RetentionModel};
use rust_decimal::Decimal;

use super::harness::Tally;
use super::rng::{Rng, scale};

fn amount(rng: &mut Rng) -> Decimal {
    if rng.chance(4) { rng.decimal() } else { rng.money() }
}

#[test]
fn clv_accounting_formulas_keep_their_promises() {
    let mut t = Tally::new("clv accounting");
    let mut rng = Rng::new(61);
    for case in 0..2_000 * scale() {
        let (r, d) = (rng.prob(), if rng.chance(3) { rng.f64() } else { rng.prob() });
        let timing = rng.pick(&[Timing::EndOfPeriod, Timing::StartOfPeriod]);
        let horizon = rng.pick(&[
            None,
            Some(0),
            Some(1),
            Some(12),
            Some(1_000_000),
            Some(1_000_001),
            Some(u32::MAX),
        ]);
        let w = format!("case {case}: retention {r}, discount {d}, {timing:?}, horizon {horizon:?}");
        if let Some(m) = t.call(
            || format!("{w}: multiplier"),
            || closed_form_multiplier(r, d, horizon, timing),
        ) {
            t.finite(m, || format!("{w}: multiplier"));
            t.promise(m >= 0.0, || format!("{w}: multiplier {m} < 0"));
        }
        let margin = amount(&mut rng);
        if let Some(v) = t.call(
            || format!("{w}: closed_form_clv({margin})"),
            || closed_form_clv(margin, r, d, timing),
        ) {
            t.promise(margin.is_sign_negative() || v >= Decimal::ZERO, || {
                format!("{w}: clv {v} of margin {margin}")
            });
        }
        if let Some(h) = horizon {
            if let Some(v) = t.call(
                || format!("{w}: finite({margin})"),
                || closed_form_clv_finite(margin, r, d, h, timing),
            ) {
                t.promise(margin.is_sign_negative() || v >= Decimal::ZERO, || {
                    format!("{w}: finite clv {v} of margin {margin}")
                });
            }
        }
        let (apv, ppp, periods) = (amount(&mut rng), amount(&mut rng), amount(&mut rng));
        if let Some(v) = t.call(
            || format!("{w}: simple_clv({apv}, {ppp}, {periods})"),
            || simple_clv(apv, ppp, periods),
        ) {
            let _ = v;
        }
        // Discount weights over a retention model, and present values.
        let model: Box<dyn RetentionModel> = if rng.chance(2) {
            match ConstantRetention::new(r) {
                Ok(m) => Box::new(m),
                Err(_) => continue,
            }
        } else {
            let rates: Vec<f64> = (0..1 + rng.usize(5))
                .map(|_| rng.prob().clamp(0.0, 1.0))
                .collect();
            match RetentionCurve::new(rates) {
                Ok(m) => Box::new(m),
                Err(_) => continue,
            }
        };
        let h = rng.pick(&[0, 1, 5, 60, 1_000_001, u32::MAX]);
        let Some(weights) = t.call(
            || format!("{w}: DiscountWeights({h})"),
            || DiscountWeights::new(model.as_ref(), d, h, timing),
        ) else {
            continue;
        };
        t.promise(weights.weights().iter().all(|x| *x >= Decimal::ZERO), || {
            format!("{w}: weights {:?}", weights.weights())
        });
        // A negative discount rate (accepted down to −1) makes later periods weigh more.
        if d >= 0.0 {
            t.promise(weights.weights().iter().all(|x| *x <= Decimal::ONE), || {
                format!("{w}: weights {:?}", weights.weights())
            });
            t.promise(weights.sum() <= Decimal::from(h), || {
                format!("{w}: weights sum {}", weights.sum())
            });
        }
        let a = amount(&mut rng);
        if let Some(pv) = t.call(
            || format!("{w}: present_value_constant({a})"),
            || weights.present_value_constant(a),
        ) {
            t.promise(a.is_sign_negative() || pv >= Decimal::ZERO, || {
                format!("{w}: pv {pv} of {a}")
            });
        }
        let rel = Relationship::new(
            amount(&mut rng),
            match rng.below(3) {
                0 => RevenueStream::Constant(amount(&mut rng)),
                1 => RevenueStream::Growing {
                    first: amount(&mut rng),
                    rate: rng.pick(&[
                        Decimal::ZERO,
                        Decimal::new(5, 2),
                        Decimal::MAX,
                        Decimal::NEGATIVE_ONE,
                        Decimal::new(-2, 0),
                    ]),
                },
                _ => RevenueStream::Series((0..rng.usize(5)).map(|_| amount(&mut rng)).collect()),
            },
            RevenueStream::Constant(amount(&mut rng)),
        );
        if let Some(npv) = t.call(|| format!("{w}: npv of {rel:?}"), || rel.npv(&weights)) {
            t.promise(
                npv.discounted_revenue
                    .checked_sub(npv.discounted_cost)
                    .and_then(|x| x.checked_sub(npv.acquisition_cost))
                    == Some(npv.clv),
                || format!("{w}: npv {npv:?} is not its parts"),
            );
        }
        let n = rng.usize(6);
        let cols: [Vec<Decimal>; 3] = std::array::from_fn(|_| (0..n).map(|_| amount(&mut rng)).collect());
        if let Some(c) = t.call(
            || format!("{w}: columns {cols:?}"),
            || ClvColumns::new(&cols[0], &cols[1], &cols[2]),
        ) {
            if let Some(v) = t.call(|| format!("{w}: bulk_clv {cols:?}"), || bulk_clv(c, &weights)) {
                t.promise(v.len() == n, || format!("{w}: bulk_clv gives {} of {n}", v.len()));
            }
        }
    }
    t.finish();
}

#[test]
fn profitability_ranks_every_customer_exactly() {
    let mut t = Tally::new("profitability");
    let mut rng = Rng::new(62);
    for case in 0..3_000 * scale() {
        let n = rng.usize(10);
        let profits: Vec<Decimal> = (0..n)
            .map(|_| {
                if rng.chance(3) {
                    rng.decimal()
                } else {
                    rng.money() - rng.money()
                }
            })
            .collect();
        let ids: Vec<usize> = (0..n).collect();
        let w = || format!("case {case}: {profits:?}");
        let (lo, hi) = (-amount(&mut rng), amount(&mut rng));
        if let Some(th) = t.call(w, || ClassThresholds::new(lo, hi)) {
            if let Some(r) = t.call(w, || rank_by_profit(&ids, &profits, th)) {
                t.promise(
                    r.profitable + r.marginal + r.loss_making == n && r.customers.len() == n,
                    || format!("{}: classes of {n}: {r:?}", w()),
                );
                // The exact sum in input order (None when some partial sum would round).
                let exact = profits.iter().try_fold(Decimal::ZERO, |a, p| {
                    a.checked_add(*p)
                        .filter(|s| a.is_zero() || p.is_zero() || s.scale() >= a.scale().max(p.scale()))
                });
                t.promise(exact.is_none_or(|e| e == r.total_profit), || {
                    format!("{}: total {} vs {exact:?}", w(), r.total_profit)
                });
                t.probability(r.loss_making_share(), || format!("{}: loss-making share", w()));
                for pair in r.customers.windows(2) {
                    t.promise(pair[0].net_profit >= pair[1].net_profit, || {
                        format!("{}: not ranked", w())
                    });
                }
            }
        }
        if let Some(p) = t.call(w, || PortfolioSummary::new(&profits)) {
            t.promise(
                p.customers == n && p.min <= p.median && p.median <= p.max && p.q1 <= p.q3,
                || format!("{}: {p:?}", w()),
            );
            t.finite(p.top_fifth_share, || format!("{}: top fifth share", w()));
        }
        let k = rng.pick(&[0, 1, 3, usize::MAX]);
        if let Some(top) = t.call(w, || top_customers(&ids, &profits, k)) {
            t.promise(top.len() == k.min(n), || {
                format!("{}: top {k} gives {}", w(), top.len())
            });
        }
        let costs: Vec<Decimal> = (0..n + usize::from(rng.chance(20)))
            .map(|_| amount(&mut rng))
            .collect();
        if let Some(net) = t.call(w, || net_profit_columns(&profits, &costs)) {
            t.promise(
                net.len() == n
                    && net
                        .iter()
                        .zip(&profits)
                        .zip(&costs)
                        .all(|((x, r), c)| r.checked_sub(*c) == Some(*x)),
                || format!("{}: net {net:?}", w()),
            );
        }
        let c = CustomerCosts::new(
            amount(&mut rng),
            amount(&mut rng),
            amount(&mut rng),
            amount(&mut rng),
        );
        let revenue = amount(&mut rng);
        let cp = CustomerProfitability::new(revenue, c).with_risk_costs(amount(&mut rng));
        let pw = || format!("case {case}: {cp:?}");
        if let Some(np) = t.call(pw, || cp.net_profit()) {
            let expected = c.total().ok().and_then(|tc| revenue.checked_sub(tc));
            t.promise(Some(np) == expected || cp.risk_costs != Decimal::ZERO, || {
                format!("{}: net profit {np} vs {expected:?}", pw())
            });
        }
        t.call(pw, || cp.margin_percent());
        t.call(pw, || cp.risk_adjusted_net_revenue());
        let rate = rng.pick(&[
            Decimal::ZERO,
            Decimal::new(5, 2),
            Decimal::ONE,
            Decimal::new(2, 0),
            Decimal::NEGATIVE_ONE,
        ]);
        t.call(pw, || cp.with_bad_debt(rate));
        let (cac, rev, gm) = (
            amount(&mut rng),
            amount(&mut rng),
            rng.pick(&[
                Decimal::ZERO,
                Decimal::new(5, 1),
                Decimal::ONE,
                Decimal::new(1, 28),
                Decimal::new(11, 1),
            ]),
        );
        if let Some(p) = t.call(
            || format!("case {case}: payback({cac}, {rev}, {gm})"),
            || cac_payback_periods(cac, rev, gm),
        ) {
            t.promise(p >= Decimal::ZERO || cac < Decimal::ZERO, || {
                format!("case {case}: payback({cac}, {rev}, {gm}) = {p}")
            });
        }
        t.call(
            || format!("case {case}: clv_to_cac({rev}, {cac})"),
            || clv_to_cac(rev, cac),
        );
    }
    t.finish();
}

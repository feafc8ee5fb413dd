//! The typed BTYD entry points: `History` (constructor, `from_f64`, serde `try_from`), the
//! `*_for` methods of every built-in `TransactionModel` and `expected_clv`, from hostile
//! parameters, histories and horizons. `Ok` probabilities are in [0, 1], expectations,
//! curves and DERT finite and ≥ 0, curves non-decreasing, log-likelihoods finite, a
//! history that serde accepts is one `History::new` accepts (and round-trips).

use customer_value::TimeUnit;
use customer_value::btyd::{
    BgBb, BgNbd, ClvSpec, DiscountRate, GammaGamma, GgomNbd, History, Margin, MbgNbd, ParetoNbd,
    TransactionModel, expected_clv,
};

use super::harness::Tally;
use super::rng::{Rng, scale};

/// A parameter: mostly ordinary (so most models build), sometimes hostile.
fn param(rng: &mut Rng) -> f64 {
    match rng.below(6) {
        0 => rng.f64(),
        1 => rng.pick(&[1e-300, 5e-324, 1e300, 1e-9, 1e9, 1.0]),
        _ => 0.05 + rng.below(2000) as f64 / 100.0,
    }
}

fn model(rng: &mut Rng) -> Option<(String, Box<dyn TransactionModel>)> {
    let p: Vec<f64> = (0..5).map(|_| param(rng)).collect();
    let shown = format!("{p:?}");
    let m: Result<Box<dyn TransactionModel>, _> = match rng.below(5) {
        0 => BgNbd::new(p[0], p[1], p[2], p[3]).map(|m| Box::new(m) as _),
        1 => MbgNbd::new(p[0], p[1], p[2], p[3]).map(|m| Box::new(m) as _),
        2 => ParetoNbd::new(p[0], p[1], p[2], p[3]).map(|m| Box::new(m) as _),
        3 => GgomNbd::new(p[0], p[1], p[2], p[3], p[4]).map(|m| Box::new(m) as _),
        _ => BgBb::new(p[0], p[1], p[2], p[3]).map(|m| Box::new(m) as _),
    };
    m.ok().map(|m| (format!("{} {shown}", m.name()), m))
}

/// A time: mostly ordinary, sometimes hostile.
fn time(rng: &mut Rng) -> f64 {
    match rng.below(5) {
        0 => rng.f64(),
        1 => rng.pick(&[0.0, 1e-300, 5e-324, 1e300, 1e15, 1e6]),
        _ => rng.below(2000) as f64 / 10.0,
    }
}

fn history(t: &mut Tally, rng: &mut Rng, what: &str) -> Option<History> {
    let (x, tx, age) = if rng.chance(3) {
        (rng.u32(), time(rng), time(rng))
    } else {
        // Mostly valid: whole x, t_x ≤ T, t_x = 0 when x = 0; sometimes t_x > T.
        let x = rng.below(30) as u32;
        let age = if rng.chance(2) {
            (1 + rng.below(100)) as f64
        } else {
            time(rng)
        };
        let tx = if x == 0 {
            0.0
        } else if rng.chance(8) {
            age + 1.0
        } else {
            age * rng.below(101) as f64 / 100.0
        };
        (x, tx, age)
    };
    let h = t.call(
        || format!("{what}: History::new({x}, {tx}, {age})"),
        || History::new(x, tx, age),
    );
    if let Some(h) = h {
        t.promise(
            h.recency().is_finite() && h.age().is_finite() && 0.0 <= h.recency() && h.recency() <= h.age(),
            || format!("{what}: History::new({x}, {tx}, {age}) accepted {h:?}"),
        );
        t.promise(x > 0 || h.recency() == 0.0, || {
            format!("{what}: History::new({x}, {tx}, {age}) kept t_x > 0 without repeats")
        });
        t.promise(h.time_since_last_purchase() >= 0.0, || {
            format!("{what}: {h:?}: time since last purchase < 0")
        });
        // from_f64 agrees with new on the same row.
        let g = t.call(
            || format!("{what}: History::from_f64({x}, {tx}, {age})"),
            || History::from_f64(f64::from(x), tx, age),
        );
        t.promise(g == Some(h), || {
            format!("{what}: from_f64({x}, {tx}, {age}) = {g:?}, new = {h:?}")
        });
        // serde round trip.
        if let Some(json) = t.call(|| format!("{what}: to_json {h:?}"), || serde_json::to_string(&h)) {
            let back = t.call(
                || format!("{what}: from_json {json}"),
                || serde_json::from_str::<History>(&json),
            );
            t.promise(back == Some(h), || {
                format!("{what}: {json} read back as {back:?}")
            });
        }
    }
    // serde with hostile JSON goes through History::new: same verdict.
    let (fx, ftx, ft) = (rng.f64(), time(rng), time(rng));
    let key = if rng.chance(2) { "age" } else { "T" };
    let fx_json = if rng.chance(2) {
        format!("{}", rng.u32())
    } else {
        format!("{fx:e}")
    };
    let json = format!(r#"{{"frequency": {fx_json}, "recency": {ftx:e}, "{key}": {ft:e}}}"#);
    if let Some(d) = t.call(
        || format!("{what}: from_json {json}"),
        || serde_json::from_str::<History>(&json),
    ) {
        let again = History::new(d.frequency(), d.recency(), d.age());
        t.promise(again.as_ref().ok() == Some(&d), || {
            format!("{what}: serde accepted {json} as {d:?}, History::new says {again:?}")
        });
    }
    h
}

fn check_for(t: &mut Tally, rng: &mut Rng, name: &str, m: &dyn TransactionModel, h: History, what: &str) {
    let w = format!("{what}: {name} {h:?}");
    let p = t.call(
        || format!("{w}: probability_alive_for"),
        || m.probability_alive_for(h),
    );
    if let Some(p) = p {
        t.probability(p, || format!("{w}: probability_alive_for"));
    }
    let at = time(rng);
    if let Some(q) = t.call(
        || format!("{w}: probability_alive_at_for({at})"),
        || m.probability_alive_at_for(at, h),
    ) {
        t.probability(q, || format!("{w}: probability_alive_at_for({at})"));
        if let Some(p) = p {
            t.promise(q <= p * (1.0 + 1e-9) + 1e-12, || {
                format!("{w}: P(alive at T + {at}) = {q} > P(alive at T) = {p}")
            });
        }
    }
    let horizon = time(rng);
    if let Some(e) = t.call(
        || format!("{w}: expected_purchases_for({horizon})"),
        || m.expected_purchases_for(horizon, h),
    ) {
        t.finite(e, || format!("{w}: expected_purchases_for({horizon})"));
        t.promise(e >= 0.0, || {
            format!("{w}: expected_purchases_for({horizon}) = {e} < 0")
        });
    }
    let mut times: Vec<f64> = (0..rng.usize(5)).map(|_| time(rng)).collect();
    if rng.chance(4) {
        times.sort_by(f64::total_cmp);
    }
    let shown = format!("{times:?}");
    if let Some(c) = t.call(
        || format!("{w}: expected_purchases_curve_for({shown})"),
        || m.expected_purchases_curve_for(&times, h),
    ) {
        t.promise(c.len() == times.len(), || {
            format!("{w}: curve of {} values for {} times", c.len(), times.len())
        });
        t.promise(c.iter().all(|v| v.is_finite() && *v >= 0.0), || {
            format!("{w}: curve_for({shown}) = {c:?}")
        });
        for (i, j) in (0..times.len()).flat_map(|i| (0..times.len()).map(move |j| (i, j))) {
            if times[i] < times[j] {
                let (a, b) = (c[i], c[j]);
                t.promise(a <= b * (1.0 + 1e-9) + 1e-9, || {
                    format!(
                        "{w}: curve_for({shown}): E({}) = {a} > E({}) = {b}",
                        times[i], times[j]
                    )
                });
            }
        }
    }
    if let Some(ll) = t.call(|| format!("{w}: log_likelihood_for"), || m.log_likelihood_for(h)) {
        t.finite(ll, || format!("{w}: log_likelihood_for"));
    }
    // DERT at ordinary rates only most of the time: the default quadrature may spend its
    // one-second budget at extreme parameters.
    if rng.chance(6) {
        let rate = rng.pick(&[0.1, 0.0, -0.1, 1e-300, 1e300, f64::NAN, 0.5]);
        if let Ok(d) = DiscountRate::new(rate, TimeUnit::YEAR) {
            if let Some(v) = t.call(
                || format!("{w}: dert_for({rate})"),
                || m.dert_for(d, m.unit().unwrap_or(TimeUnit::WEEK), h),
            ) {
                t.finite(v, || format!("{w}: dert_for({rate})"));
                t.promise(v >= 0.0, || format!("{w}: dert_for({rate}) = {v} < 0"));
            }
        }
    }
}

#[test]
fn btyd_typed_histories_and_for_methods_keep_their_promises() {
    let mut t = Tally::new("btyd typed");
    let mut rng = Rng::new(41);
    for case in 0..400 * scale() {
        let what = format!("case {case}");
        let h = history(&mut t, &mut rng, &what);
        let Some((name, m)) = model(&mut rng) else {
            continue;
        };
        let Some(h) = h else { continue };
        check_for(&mut t, &mut rng, &name, m.as_ref(), h, &what);
    }
    t.finish();
}

#[test]
fn btyd_expected_clv_is_finite_and_signed_like_its_margin() {
    let mut t = Tally::new("expected_clv");
    let mut rng = Rng::new(42);
    for case in 0..250 * scale() {
        let what = format!("case {case}");
        let Some((name, m)) = model(&mut rng) else {
            continue;
        };
        let Some(h) = history(&mut t, &mut rng, &what) else {
            continue;
        };
        let horizon = rng.pick(&[0.0, 1.0, 52.0, 104.0, 1e-300, 1e6, 1e300, f64::NAN, -1.0, 5e-324]);
        let rate = rng.pick(&[0.0, 0.1, 1e-300, 1e300, 0.999]);
        let Ok(d) = DiscountRate::new(rate, TimeUnit::YEAR) else {
            continue;
        };
        let Some(spec) = t.call(
            || format!("{what}: ClvSpec::new({horizon}, {rate})"),
            || ClvSpec::new(m.unit().unwrap_or(TimeUnit::WEEK), horizon, d),
        ) else {
            continue;
        };
        let spend_model = GammaGamma::new(param(&mut rng), param(&mut rng), param(&mut rng));
        let mean_spend = rng.pick(&[0.0, 10.0, 22.35, -5.0, 1e300, f64::NAN, 5e-324, f64::INFINITY]);
        let (margin, sign) = match (&spend_model, rng.below(3)) {
            (Ok(s), 0) => {
                let fraction = rng.pick(&[0.3, 0.0, -0.3, 1e300, f64::NAN]);
                (Margin::FractionOfSpend { fraction, spend: s }, fraction)
            }
            _ => {
                let v = rng.pick(&[1.0, 0.0, -2.0, 1e300, 5e-324, f64::INFINITY, f64::NAN, 1e-300]);
                (Margin::PerPurchase(v), v)
            }
        };
        let w = format!("{what}: {name} {h:?} margin {margin:?} spend {mean_spend} spec {spec:?}");
        if let Some(v) = t.call(
            || format!("{w}: expected_clv"),
            || expected_clv(m.as_ref(), margin, &spec, h, mean_spend),
        ) {
            t.finite(v, || format!("{w}: expected_clv"));
            // The expected spend of Gamma-Gamma is positive, so CLV has the margin's sign.
            t.promise(sign.is_nan() || v == 0.0 || (v > 0.0) == (sign > 0.0), || {
                format!("{w}: expected_clv = {v} for a margin of sign {sign}")
            });
        }
    }
    t.finish();
}

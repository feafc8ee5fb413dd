//! CLV from a transaction model and a spend model: published pieces combined, and laws.

use customer_value::TimeUnit;
use customer_value::btyd::{
    BgNbd, ClvSpec, DiscountRate, GammaGamma, History, Margin, ParetoNbd, SummarySlices, TransactionModel,
    clv_batch, expected_clv,
};

fn bgnbd() -> BgNbd {
    BgNbd::new(0.2425945, 4.4136019, 0.7929199, 2.4258881).unwrap()
}

#[test]
fn undiscounted_clv_is_margin_times_expected_purchases() {
    // FHL05: customer (2, 30.43, 38.86) buys 1.226 times in 39 weeks; FH 2013: their
    // expected spend is 24.65 (m̄ = 22.345 unrounded).
    let spend = GammaGamma::new(6.25, 3.74, 15.44).unwrap();
    let spec = ClvSpec::new(TimeUnit::WEEK, 39.0, DiscountRate::zero()).unwrap();
    let per = History::from_f64(2.0, 30.43, 38.86)
        .and_then(|h| expected_clv(&bgnbd(), Margin::PerPurchase(10.0), &spec, h, 0.0))
        .unwrap();
    assert!((per - 12.26).abs() < 0.005, "{per}");
    let frac = Margin::FractionOfSpend {
        fraction: 1.0,
        spend: &spend,
    };
    let v = History::from_f64(2.0, 30.43, 38.86)
        .and_then(|h| expected_clv(&bgnbd(), frac, &spec, h, 22.345))
        .unwrap();
    assert!((v - 1.226 * 24.65).abs() < 1e-3 * 1.226 * 24.65, "{v}");
}

#[test]
fn discounting_weekly_model_with_annual_rate() {
    let year = TimeUnit::from_days(365.0).unwrap();
    let d = DiscountRate::new(0.10, year).unwrap();
    // 365 days = 365/7 weeks: exactly one year of discount.
    assert!((d.factor(365.0 / 7.0, TimeUnit::WEEK) - 1.0 / 1.1).abs() < 1e-12);
    assert!((d.factor(0.0, TimeUnit::WEEK) - 1.0).abs() < 1e-15);
    assert!(DiscountRate::new(-0.1, year).is_err());
    assert!(DiscountRate::new(f64::NAN, year).is_err());
    // With one step over the horizon, CLV = margin · E(H) · factor(H).
    let spec = ClvSpec::new(TimeUnit::WEEK, 365.0 / 7.0, d)
        .unwrap()
        .with_step(365.0 / 7.0)
        .unwrap();
    let m = bgnbd();
    let e = m.expected_purchases(365.0 / 7.0, 2.0, 30.43, 38.86).unwrap();
    let v = History::from_f64(2.0, 30.43, 38.86)
        .and_then(|h| expected_clv(&m, Margin::PerPurchase(1.0), &spec, h, 0.0))
        .unwrap();
    assert!((v - e / 1.1).abs() < 1e-12);
}

#[test]
fn laws_more_horizon_more_value_more_discount_less() {
    let models: [&dyn TransactionModel; 2] = [
        &bgnbd(),
        &ParetoNbd::new(0.55315, 10.57633, 0.60625, 11.67150).unwrap(),
    ];
    let month = TimeUnit::from_days(365.25 / 12.0).unwrap();
    for m in models {
        let mut last = 0.0;
        for h in [0.0, 4.0, 13.0, 52.0, 104.0] {
            let spec = ClvSpec::new(TimeUnit::WEEK, h, DiscountRate::new(0.01, month).unwrap()).unwrap();
            let v = History::from_f64(3.0, 20.0, 38.0)
                .and_then(|h| expected_clv(m, Margin::PerPurchase(5.0), &spec, h, 0.0))
                .unwrap();
            assert!(v >= last && v.is_finite());
            last = v;
        }
        let lo = ClvSpec::new(TimeUnit::WEEK, 52.0, DiscountRate::new(0.01, month).unwrap()).unwrap();
        let hi = ClvSpec::new(TimeUnit::WEEK, 52.0, DiscountRate::new(0.05, month).unwrap()).unwrap();
        let a = History::from_f64(3.0, 20.0, 38.0)
            .and_then(|h| expected_clv(m, Margin::PerPurchase(5.0), &lo, h, 0.0))
            .unwrap();
        let b = History::from_f64(3.0, 20.0, 38.0)
            .and_then(|h| expected_clv(m, Margin::PerPurchase(5.0), &hi, h, 0.0))
            .unwrap();
        assert!(b < a);
    }
}

#[test]
fn pareto_curve_override_matches_pointwise() {
    let m = ParetoNbd::new(0.55315, 10.57633, 0.60625, 11.67150).unwrap();
    let times = [1.0, 10.0, 52.0];
    let curve = m.expected_purchases_curve(&times, 4.0, 30.0, 38.0).unwrap();
    for (t, c) in times.iter().zip(curve) {
        assert!((m.expected_purchases(*t, 4.0, 30.0, 38.0).unwrap() - c).abs() < 1e-14);
    }
}

#[test]
fn batch_matches_single_and_rejects_mismatch() {
    let m = bgnbd();
    let spend = GammaGamma::new(6.25, 3.74, 15.44).unwrap();
    let margin = Margin::FractionOfSpend {
        fraction: 0.2,
        spend: &spend,
    };
    let spec = ClvSpec::new(TimeUnit::WEEK, 52.0, DiscountRate::zero()).unwrap();
    let (x, tx, t, ms) = (
        [2.0, 0.0, 5.0],
        [30.43, 0.0, 20.0],
        [38.86, 38.86, 30.0],
        [22.35, 0.0, 40.0],
    );
    let rows = SummarySlices::new(&x, &tx, &t).unwrap();
    let all = clv_batch(&m, margin, &spec, rows, &ms).unwrap();
    for i in 0..3 {
        assert!(
            (all[i]
                - History::from_f64(x[i], tx[i], t[i])
                    .and_then(|h| expected_clv(&m, margin, &spec, h, ms[i]))
                    .unwrap())
            .abs()
                < 1e-12
        );
    }
    assert!(clv_batch(&m, margin, &spec, rows, &ms[..2]).is_err());
    assert!(ClvSpec::new(TimeUnit::WEEK, f64::INFINITY, DiscountRate::zero()).is_err());
    assert!(spec.with_step(0.0).is_err());
}

#[test]
fn dert_is_the_limit_of_finely_stepped_clv() {
    // DERT = ∫ e^{−δτ} dE[Y(τ)]; a long, finely stepped CLV with a per-purchase margin of
    // 1 approaches it from below (steps discount at their end).
    let year = TimeUnit::from_days(365.0).unwrap();
    let d = DiscountRate::new(0.15, year).unwrap();
    for m in [
        &bgnbd() as &dyn TransactionModel,
        &ParetoNbd::new(0.55315, 10.57633, 0.60625, 11.67150).unwrap(),
    ] {
        let dert = m.dert(d, TimeUnit::WEEK, 2.0, 30.43, 38.86).unwrap();
        let spec = ClvSpec::new(TimeUnit::WEEK, 4000.0, d)
            .unwrap()
            .with_step(0.4) // 10,000 steps, ClvSpec::MAX_STEPS
            .unwrap();
        let clv = History::from_f64(2.0, 30.43, 38.86)
            .and_then(|h| expected_clv(m, Margin::PerPurchase(1.0), &spec, h, 0.0))
            .unwrap();
        assert!(
            clv <= dert && (dert - clv) < 2e-3 * dert,
            "{}: clv {clv}, dert {dert}",
            m.name()
        );
    }
}

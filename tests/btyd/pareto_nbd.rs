//! Pareto/NBD against the published CDNOW values (Fader, Hardie & Lee 2005; CLVTools;
//! BTYD vignette; lifetimes tests).

use customer_value::btyd::{FitOptions, ParetoNbd, TransactionModel, WeightedSummaries};

fn cdnow() -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/cdnow_sample_summary.csv"
    ))
    .unwrap();
    let (mut x, mut tx, mut t) = (vec![], vec![], vec![]);
    for line in text.lines().skip(1) {
        let v: Vec<f64> = line.split(',').map(|s| s.parse().unwrap()).collect();
        x.push(v[1]);
        tx.push(v[2]);
        t.push(v[3]);
    }
    (x, tx, t)
}

fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs()
}

#[test]
fn fit_reproduces_published_parameters_likelihood_and_standard_errors() {
    let (x, tx, t) = cdnow();
    let data = WeightedSummaries::from_rows(&x, &tx, &t).unwrap();
    let fit = ParetoNbd::fit(&data, &FitOptions::default()).unwrap();
    let m = fit.model;
    for (got, want) in [
        (m.r(), 0.55315),
        (m.alpha(), 10.57633),
        (m.s(), 0.60625),
        (m.beta(), 11.67150),
    ] {
        assert!(rel(got, want) < 1e-3, "{got} vs {want}");
    }
    assert!(
        (fit.log_likelihood - -9594.976).abs() < 0.01,
        "{}",
        fit.log_likelihood
    );
    // CLVTools.
    for (name, want) in [
        ("r", 0.0476264),
        ("alpha", 0.8427222),
        ("s", 0.1872594),
        ("beta", 6.2105448),
    ] {
        let se = fit.standard_error(name).unwrap();
        assert!(rel(se, want) < 1e-3, "{name}: {se} vs {want}");
    }
}

#[test]
fn btyd_vignette_predictions() {
    // The vignette prints its estimates to 4 decimals but predicts with the unrounded
    // ones; rounding moves these values by up to ~1e-4, so they are compared to 1e-3.
    let m = ParetoNbd::new(0.5534, 10.5802, 0.6061, 11.6562).unwrap();
    let e = m.expected_purchases(52.0, 26.0, 30.857, 31.0).unwrap();
    assert!(rel(e, 25.45647) < 1e-3, "{e}");
    assert!(rel(m.probability_alive(26.0, 30.857, 31.0).unwrap(), 0.997874) < 1e-3);
    for (x, want) in [
        (10.0, 0.7062289),
        (15.0, 0.1442396),
        (20.0, 0.02250658),
        (25.0, 0.00309267),
    ] {
        let got = m.expected_purchases(52.0, x, 20.0, 39.0).unwrap();
        assert!(rel(got, want) < 1e-3, "x = {x}: {got} vs {want}");
    }
    let e = m.expected_purchases_new(52.0).unwrap();
    assert!(rel(e, 1.473434) < 1e-3, "{e}");
}

#[test]
fn matches_the_integral_form_in_mpmath() {
    // P(alive) and E[Y(t)] at the vignette's rounded parameters, from the likelihood's
    // integral form integrated by mpmath.quad (40 digits, 40 subintervals) (independent of ₂F₁).
    let m = ParetoNbd::new(0.5534, 10.5802, 0.6061, 11.6562).unwrap();
    assert!(
        rel(
            m.probability_alive(26.0, 30.857, 31.0).unwrap(),
            0.997_871_048_865_606_5
        ) < 1e-10
    );
    assert!(
        rel(
            m.expected_purchases(52.0, 26.0, 30.857, 31.0).unwrap(),
            25.453_721_835_487_845
        ) < 1e-10
    );
    let want = [
        0.705_906_954_424_963_3,
        0.144_174_535_345_280_85,
        0.022_497_183_411_825_434,
        0.003_091_499_953_767_131,
    ];
    for (x, w) in [10.0, 15.0, 20.0, 25.0].into_iter().zip(want) {
        let e = m.expected_purchases(52.0, x, 20.0, 39.0).unwrap();
        assert!(rel(e, w) < 1e-9, "x = {x}: {e} vs {w}, rel {}", rel(e, w));
    }
    assert!(rel(m.expected_purchases_new(52.0).unwrap(), 1.473_066_991_901_990_8) < 1e-12);
}

#[test]
fn must_stay_finite_clvtools_and_lifetimes() {
    let m = ParetoNbd::new(0.5143, 2.8845, 0.2856, 14.1087).unwrap();
    let xs = [221.0, 254.0, 161.0, 204.0];
    let txs = [103.43, 97.14, 94.71, 98.57];
    let ts = [103.57, 97.29, 98.00, 99.43];
    for i in 0..4 {
        let p = m.probability_alive(xs[i], txs[i], ts[i]).unwrap();
        assert!(p.is_finite() && (0.0..=1.0).contains(&p), "{p}");
        assert!(m.log_likelihood(xs[i], txs[i], ts[i]).unwrap().is_finite());
    }
    // lifetimes' underflow test parameters.
    let m = ParetoNbd::new(0.55, 10.58, 0.61, 11.67).unwrap();
    assert!((m.expected_purchases(10.0, 132.0, 200.0, 200.0).unwrap() - 6.2061).abs() < 1e-4);
    assert!((m.expected_purchases(10.0, 133.0, 200.0, 200.0).unwrap() - 6.2529).abs() < 1e-4);
}

#[test]
fn dert_matches_mpmath_hyperu() {
    use customer_value::TimeUnit;
    use customer_value::btyd::DiscountRate;
    // FHL05 (JMR) eq. 2 with Ψ(s, s; ·) = mpmath.hyperu, P(alive) by mpmath.quad;
    // 15 % a year as a continuous weekly rate ln(1.15)/(365/7).
    let m = ParetoNbd::new(0.55315, 10.57633, 0.60625, 11.67150).unwrap();
    let d = DiscountRate::new(0.15, TimeUnit::from_days(365.0).unwrap()).unwrap();
    for ((x, tx, t), want) in [
        ((0.0, 0.0, 38.86), 0.479_033_314_363_673_3),
        ((2.0, 30.43, 38.86), 6.510_762_125_821_655),
        ((26.0, 30.857, 31.0), 86.401_604_672_575_33),
    ] {
        let got = m.dert(d, TimeUnit::WEEK, x, tx, t).unwrap();
        assert!(rel(got, want) < 1e-9, "{got} vs {want}");
    }
    assert!(
        m.dert(DiscountRate::zero(), TimeUnit::WEEK, 1.0, 1.0, 2.0)
            .is_err()
    );
}

#[test]
fn bad_summaries_are_typed_errors() {
    let m = ParetoNbd::new(0.55, 10.58, 0.61, 11.67).unwrap();
    assert!(m.probability_alive(2.0, 40.0, 39.0).is_err());
    assert!(m.probability_alive(0.0, 1.0, 39.0).is_err());
    assert!(m.expected_purchases(-1.0, 1.0, 1.0, 2.0).is_err());
    assert!(m.log_likelihood(1.0, 1.0, f64::NAN).is_err());
}

#[test]
fn another_start_reaches_the_same_optimum() {
    let (x, tx, t) = cdnow();
    let data = WeightedSummaries::from_rows(&x, &tx, &t).unwrap();
    let opts = FitOptions::default().with_start(&[2.0, 3.0, 2.0, 40.0]).unwrap();
    let fit = ParetoNbd::fit(&data, &opts).unwrap();
    assert!(
        (fit.log_likelihood - -9594.976).abs() < 0.01,
        "{}",
        fit.log_likelihood
    );
    assert!(rel(fit.model.beta(), 11.67150) < 1e-3, "{}", fit.model.beta());
}

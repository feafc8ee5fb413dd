//! BG/NBD against the published CDNOW values (Fader, Hardie & Lee 2005; BTYD vignette;
//! CLVTools; lifetimes docs; Fader & Hardie notes).

use customer_value::btyd::{BgNbd, FitOptions, SummarySlices, TransactionModel, WeightedSummaries};

struct Cdnow {
    x: Vec<f64>,
    tx: Vec<f64>,
    t: Vec<f64>,
    x_holdout: Vec<f64>,
    holdout: Vec<f64>,
}

fn cdnow() -> Cdnow {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/cdnow_sample_summary.csv"
    ))
    .unwrap();
    let mut d = Cdnow {
        x: vec![],
        tx: vec![],
        t: vec![],
        x_holdout: vec![],
        holdout: vec![],
    };
    for line in text.lines().skip(1) {
        let v: Vec<f64> = line.split(',').map(|s| s.parse().unwrap()).collect();
        d.x.push(v[1]);
        d.tx.push(v[2]);
        d.t.push(v[3]);
        d.x_holdout.push(v[5]);
        d.holdout.push(v[6]);
    }
    d
}

fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs()
}

fn published() -> BgNbd {
    BgNbd::new(0.2425945, 4.4136019, 0.7929199, 2.4258881).unwrap()
}

#[test]
fn fit_reproduces_fhl05_parameters_likelihood_and_standard_errors() {
    let d = cdnow();
    let data = WeightedSummaries::from_rows(&d.x, &d.tx, &d.t).unwrap();
    assert!(data.len() < d.x.len());
    assert!((data.total_weight() - 2357.0).abs() < 1e-9);
    let fit = BgNbd::fit(&data, &FitOptions::default()).unwrap();
    let m = fit.model;
    for (got, want) in [
        (m.r(), 0.2425945),
        (m.alpha(), 4.4136019),
        (m.a(), 0.7929199),
        (m.b(), 2.4258881),
    ] {
        assert!(rel(got, want) < 1e-3, "{got} vs {want}");
    }
    assert!(
        (fit.log_likelihood - -9582.429).abs() < 0.01,
        "{}",
        fit.log_likelihood
    );
    // lifetimes docs.
    for (name, want) in [
        ("r", 0.012557),
        ("alpha", 0.378221),
        ("a", 0.185719),
        ("b", 0.705345),
    ] {
        let se = fit.standard_error(name).unwrap();
        assert!(rel(se, want) < 1e-3, "{name}: {se} vs {want}");
    }
    // The published parameters give the published likelihood too.
    assert!((published().total_log_likelihood(&data) - -9582.429).abs() < 0.01);
}

#[test]
fn fit_report_round_trips_through_json() {
    let d = cdnow();
    let data = WeightedSummaries::from_rows(&d.x, &d.tx, &d.t).unwrap();
    let fit = BgNbd::fit(&data, &FitOptions::default()).unwrap();
    let json = serde_json::to_string(&fit).unwrap();
    let back: customer_value::btyd::FitReport<BgNbd> = serde_json::from_str(&json).unwrap();
    assert_eq!(back.model, fit.model);
    assert!(serde_json::from_str::<BgNbd>(r#"{"r":-1,"alpha":1,"a":1,"b":1}"#).is_err());
}

#[test]
fn penalty_shrinks_parameters() {
    let d = cdnow();
    let data = WeightedSummaries::from_rows(&d.x, &d.tx, &d.t).unwrap();
    let plain = BgNbd::fit(&data, &FitOptions::default()).unwrap();
    let pen = BgNbd::fit(&data, &FitOptions::default().with_penalty(0.01).unwrap()).unwrap();
    assert!(pen.model.alpha() < plain.model.alpha());
    assert!(pen.log_likelihood < plain.log_likelihood);
}

#[test]
fn new_customer_expectations_fh_notes_and_btyd() {
    let m = published();
    for (t, want) in [
        (0.1429, 0.0078),
        (1.0, 0.0532),
        (3.0, 0.1506),
        (31.8571, 1.0405),
        (32.0, 1.0437),
        (78.0, 1.8576),
    ] {
        let got = m.expected_purchases_new(t).unwrap();
        assert!(
            (got - want).abs() < (1e-3 * want).max(5e-5),
            "t = {t}: {got} vs {want}"
        );
    }
    assert!(rel(m.expected_purchases_new(52.0).unwrap(), 1.444004) < 1e-4);
}

#[test]
fn purchase_count_pmf_btyd() {
    let m = published();
    // BTYD prints these with its own estimates: its P(X(39) = 0) = (α/(α+39))^r implies
    // r = 0.24299 rather than FHL05's 0.2425945, which moves the PMF by up to 0.2%.
    let p0 = m.probability_of_purchases(39.0, 0).unwrap();
    assert!(rel(p0, 0.5737864) < 1e-3, "{p0}");
    let btyd = [
        0.0019995214,
        0.0015170236,
        0.0011633150,
        0.0009003148,
        0.0007023638,
    ];
    // FHL05 eq. 8 at the FHL05 parameters, summed term by term in mpmath (50 digits).
    let mpmath = [
        0.0019960523266975358,
        0.0015143685170089715,
        0.0011612636468511249,
        0.0008987169383189126,
        0.0007011102992987236,
    ];
    for ((n, b), e) in (11..=15).zip(btyd).zip(mpmath) {
        let p = m.probability_of_purchases(30.0, n).unwrap();
        assert!(rel(p, e) < 1e-9, "n = {n}: {p} vs {e}");
        assert!(rel(p, b) < 2e-3, "n = {n}: {p} vs BTYD {b}");
    }
    assert!(rel(p0, 0.574_307_194_557_651_8) < 1e-12);
    // The PMF sums to one.
    let total: f64 = (0..2000)
        .map(|n| m.probability_of_purchases(30.0, n).unwrap())
        .sum();
    assert!((total - 1.0).abs() < 1e-9, "{total}");
}

#[test]
fn conditional_expectations_and_p_alive_btyd() {
    let m = published();
    // FHL05: customer with x = 2, t_x = 30.43, T = 38.86 buys 1.226 times in 39 weeks.
    assert!((m.expected_purchases(39.0, 2.0, 30.43, 38.86).unwrap() - 1.226).abs() < 5e-4);
    // Customer 1516.
    assert!(rel(m.expected_purchases(52.0, 26.0, 30.857, 31.0).unwrap(), 25.75659) < 1e-4);
    assert!(rel(m.probability_alive(26.0, 30.857, 31.0).unwrap(), 0.9688523) < 1e-4);
    // More purchases, fewer expected.
    for (x, want) in [
        (10.0, 0.3474606),
        (15.0, 0.04283391),
        (20.0, 0.004158973),
        (25.0, 0.0003583685),
    ] {
        let got = m.expected_purchases(52.0, x, 20.0, 39.0).unwrap();
        assert!(rel(got, want) < 1e-4, "x = {x}: {got} vs {want}");
    }
}

#[test]
fn holdout_means_by_calibration_frequency_btyd() {
    let d = cdnow();
    let m = published();
    let rows = SummarySlices::new(&d.x, &d.tx, &d.t).unwrap();
    // Holdout is 39 weeks for everyone.
    assert!(d.holdout.iter().all(|h| (h - 39.0).abs() < 1e-9));
    let pred = m.expected_purchases_batch(39.0, rows).unwrap();
    let expected = [0.2251, 0.5231, 1.0441, 1.5203, 2.1638, 2.6538, 3.5040, 6.1570];
    let actual = [0.2367, 0.6970, 1.3925, 1.5600, 2.5323, 2.9474, 3.8621, 6.3594];
    for k in 0..8 {
        let in_bin = |x: f64| {
            if k == 7 {
                x >= 7.0
            } else {
                (x - k as f64).abs() < 0.5
            }
        };
        let idx: Vec<usize> = (0..d.x.len()).filter(|&i| in_bin(d.x[i])).collect();
        let n = idx.len() as f64;
        let e: f64 = idx.iter().map(|&i| pred[i]).sum::<f64>() / n;
        let a: f64 = idx.iter().map(|&i| d.x_holdout[i]).sum::<f64>() / n;
        assert!(rel(e, expected[k]) < 1e-3, "bin {k}: {e} vs {}", expected[k]);
        assert!(
            (a - actual[k]).abs() < 6e-5,
            "bin {k}: actual {a} vs {}",
            actual[k]
        );
    }
}

#[test]
fn stable_likelihood_for_large_x() {
    let m = BgNbd::new(0.25, 4.0, 0.80, 2.50).unwrap();
    assert!((m.log_likelihood(200.0, 38.0, 40.0).unwrap() - 100.7957).abs() < 1e-3);
}

#[test]
fn bad_summaries_are_typed_errors() {
    let m = published();
    assert!(m.probability_alive(2.0, 40.0, 39.0).is_err());
    assert!(m.probability_alive(0.0, 1.0, 39.0).is_err());
    assert!(m.probability_alive(-1.0, 0.0, 39.0).is_err());
    assert!(m.expected_purchases(f64::NAN, 1.0, 1.0, 2.0).is_err());
    assert!(m.expected_purchases(1.0, 1.5, 1.0, 2.0).is_err());
    assert!(m.log_likelihood(1.0, f64::INFINITY, 2.0).is_err());
    assert!(WeightedSummaries::from_rows(&[1.0], &[3.0], &[2.0]).is_err());
    assert!(WeightedSummaries::from_rows(&[], &[], &[]).is_err());
}

#[test]
fn non_convergence_is_an_error_and_starts_do_not_matter() {
    let d = cdnow();
    let data = WeightedSummaries::from_rows(&d.x, &d.tx, &d.t).unwrap();
    let mut capped = FitOptions::default();
    capped.max_iterations = 2;
    assert!(matches!(
        BgNbd::fit(&data, &capped),
        Err(customer_value::Error::NonConvergence { .. })
    ));
    for start in [
        [0.01, 0.1, 0.1, 0.1],
        [5.0, 100.0, 5.0, 20.0],
        [1.0, 1.0, 1.0, 1.0],
    ] {
        let fit = BgNbd::fit(&data, &FitOptions::default().with_start(&start).unwrap()).unwrap();
        assert!(
            (fit.log_likelihood - -9582.429).abs() < 0.01,
            "{start:?}: {}",
            fit.log_likelihood
        );
        assert!(rel(fit.model.r(), 0.2425945) < 1e-3, "{start:?}");
    }
}

//! GGom/NBD (Bemmaor & Glady 2012) against an independent mpmath implementation
//! (`tests/reference/ggom_nbd.py`, 40 digits) and CLVTools' CDNOW fit.

#![allow(
    clippy::excessive_precision,
    reason = "values as the reference script prints them"
)]

use customer_value::btyd::{
    FitOptions, GgomNbd, ParetoNbd, TransactionModel, WeightedSummaries, check_transaction_model,
};

type Params = (f64, f64, f64, f64, f64);
/// (parameters, (x, t_x, T), log-likelihood, P(alive), conditional expectation).
type Reference = (Params, (f64, f64, f64), f64, f64, f64);

/// (parameters, (x, t_x, T), log-likelihood, P(alive), E[X(T, T + 26)]), from the script.
const REFERENCE: &[Reference] = &[
    (
        (0.55, 10.58, 0.05, 0.61, 0.4),
        (0.0, 0.0, 38.86),
        -0.40880793650789613,
        0.11901375354819738,
        0.023250509524577255,
    ),
    (
        (0.55, 10.58, 0.05, 0.61, 0.4),
        (2.0, 30.43, 38.86),
        -10.140682161276279,
        0.69925227888140857,
        0.63335427099123642,
    ),
    (
        (0.55, 10.58, 0.05, 0.61, 0.4),
        (1.0, 1.71, 38.86),
        -4.241067947089208,
        0.061123857666920267,
        0.033652325938134813,
    ),
    (
        (0.55, 10.58, 0.05, 0.61, 0.4),
        (12.0, 35.0, 39.0),
        -30.7787037226006,
        0.79515704202026629,
        3.5351849745497728,
    ),
    (
        (0.55, 10.58, 0.05, 0.61, 0.4),
        (40.0, 20.0, 52.0),
        -33.775299110841296,
        2.8046208762657224e-12,
        3.2264812038689568e-11,
    ),
    (
        (1.2, 3.0, 0.002, 2.5, 0.05),
        (0.0, 0.0, 38.86),
        -1.2218795153338787,
        0.012965274830792406,
        0.00618768008778368,
    ),
    (
        (1.2, 3.0, 0.002, 2.5, 0.05),
        (2.0, 30.43, 38.86),
        -11.552481428604665,
        0.59883973799503041,
        0.76212370266975748,
    ),
    (
        (1.2, 3.0, 0.002, 2.5, 0.05),
        (1.0, 1.71, 38.86),
        -3.6205879889251533,
        0.004091754822665962,
        0.0035801165276482835,
    ),
    (
        (1.2, 3.0, 0.002, 2.5, 0.05),
        (12.0, 35.0, 39.0),
        -29.520164548777046,
        0.71918482553206225,
        3.7657665374362375,
    ),
    (
        (1.2, 3.0, 0.002, 2.5, 0.05),
        (40.0, 20.0, 52.0),
        -21.671156333851738,
        1.9567524575599224e-15,
        2.5908149795797363e-14,
    ),
    (
        (0.8, 25.0, 0.3, 0.2, 3.0),
        (0.0, 0.0, 38.86),
        -0.37606181625442384,
        0.083236187837523331,
        0.013726994846351932,
    ),
    (
        (0.8, 25.0, 0.3, 0.2, 3.0),
        (2.0, 30.43, 38.86),
        -10.213442520478697,
        0.55022079684301539,
        0.31759110833824085,
    ),
    (
        (0.8, 25.0, 0.3, 0.2, 3.0),
        (1.0, 1.71, 38.86),
        -4.3087846357193691,
        0.053227132945121029,
        0.01975053575690508,
    ),
    (
        (0.8, 25.0, 0.3, 0.2, 3.0),
        (12.0, 35.0, 39.0),
        -33.091922431440802,
        0.70089465330890189,
        1.8453761788017649,
    ),
    (
        (0.8, 25.0, 0.3, 0.2, 3.0),
        (40.0, 20.0, 52.0),
        -47.050463126943864,
        7.0475854875619746e-10,
        4.9159883409816031e-9,
    ),
];

/// (parameters, E[X(52)] of a new customer).
const NEW: &[(Params, f64)] = &[
    ((0.55, 10.58, 0.05, 0.61, 0.4), 0.97576235691187678),
    ((1.2, 3.0, 0.002, 2.5, 0.05), 5.3407307096508861),
    ((0.8, 25.0, 0.3, 0.2, 3.0), 0.60605422309892412),
];

fn model(p: Params) -> GgomNbd {
    GgomNbd::new(p.0, p.1, p.2, p.3, p.4).unwrap()
}

fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs()
}

#[test]
fn matches_mpmath() {
    for &(p, (x, tx, t), ll, alive, cet) in REFERENCE {
        let m = model(p);
        let got = m.log_likelihood(x, tx, t).unwrap();
        assert!(
            (got - ll).abs() < 1e-11 * ll.abs().max(1.0),
            "{p:?} {x} {tx} {t}: LL {got} vs {ll}"
        );
        let got = m.probability_alive(x, tx, t).unwrap();
        assert!(rel(got, alive) < 1e-9, "{p:?} {x}: P(alive) {got} vs {alive}");
        let got = m.expected_purchases(26.0, x, tx, t).unwrap();
        assert!(rel(got, cet) < 1e-9, "{p:?} {x}: CET {got} vs {cet}");
    }
    for &(p, want) in NEW {
        let got = model(p).expected_purchases_new(52.0).unwrap();
        assert!(rel(got, want) < 1e-10, "{p:?}: {got} vs {want}");
    }
}

#[test]
fn conforms_to_the_transaction_model_contract() {
    for &(p, ..) in REFERENCE.iter().step_by(5) {
        check_transaction_model(&model(p)).unwrap();
    }
}

#[test]
fn small_b_is_the_pareto_nbd() {
    let p = ParetoNbd::new(0.55, 10.58, 0.61, 11.67).unwrap();
    let b = 1e-8;
    let g = GgomNbd::new(0.55, 10.58, b, 0.61, 11.67 * b).unwrap();
    for (x, tx, t) in [(0.0, 0.0, 38.86), (2.0, 30.43, 38.86), (7.0, 10.0, 30.0)] {
        let (lg, lp) = (
            g.log_likelihood(x, tx, t).unwrap(),
            p.log_likelihood(x, tx, t).unwrap(),
        );
        assert!((lg - lp).abs() < 1e-6, "{lg} vs {lp}");
        let (eg, ep) = (
            g.expected_purchases(39.0, x, tx, t).unwrap(),
            p.expected_purchases(39.0, x, tx, t).unwrap(),
        );
        assert!(rel(eg, ep) < 1e-6, "{eg} vs {ep}");
    }
}

fn cdnow() -> WeightedSummaries {
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
    WeightedSummaries::from_rows(&x, &tx, &t).unwrap()
}

/// CLVTools' estimates on the CDNOW sample give its log-likelihood −9594.9762.
#[test]
fn cdnow_log_likelihood_at_clvtools_estimates() {
    let m = GgomNbd::new(0.55313, 10.5758, 1.1e-6, 0.60682, 1.3e-5).unwrap();
    let ll = m.total_log_likelihood(&cdnow());
    assert!((ll - -9594.9762).abs() < 0.01, "{ll}");
    // (Bemmaor & Glady's Table 2 prints b and β rounded to 0.0002 and 0.0026, whose
    // ratio 13 is not the fit's 11.8: their LL −9594.98 is not reproducible from them.)
}

/// CLVTools' fit on the CDNOW sample: LL −9594.9762 (b and β barely identified: b → 0 is
/// the Pareto/NBD, so the log-likelihood is compared, not b and β). About 70 s in a debug
/// build: run with `--ignored` (or `--release`).
#[test]
#[ignore = "slow in debug builds (~70 s)"]
fn cdnow_log_likelihood_is_clvtools() {
    let start = std::time::Instant::now();
    let fit = GgomNbd::fit(&cdnow(), &FitOptions::default()).unwrap();
    println!(
        "{:?} in {:?}: {} iterations, LL {}",
        fit.estimates,
        start.elapsed(),
        fit.iterations,
        fit.log_likelihood
    );
    assert!(
        (fit.log_likelihood - -9594.9762).abs() < 0.01,
        "{} {:?}",
        fit.log_likelihood,
        fit.estimates
    );
    assert!(
        rel(fit.model.r(), 0.55313) < 1e-2 && rel(fit.model.alpha(), 10.5758) < 1e-2,
        "{:?}",
        fit.estimates
    );
}

#[test]
fn saved_form_round_trips() {
    use customer_value::btyd::{AnySavedModel, SavedForm};
    let m = model((0.55, 10.58, 0.05, 0.61, 0.4));
    let json = serde_json::to_string(&m.to_saved()).unwrap();
    let any = AnySavedModel::from_json(&json).unwrap();
    assert_eq!(any.tag(), "ggomnbd");
    let back = any.transaction_model().unwrap();
    assert_eq!(back.parameters(), m.parameters());
    let direct: GgomNbd = serde_json::from_str(&serde_json::to_string(&m).unwrap()).unwrap();
    assert_eq!(direct, m);
}

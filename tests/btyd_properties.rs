//! Laws every transaction model must obey over wide ranges: x up to 10,000, T up to
//! 10,000 periods, t_x = T and x = 0 included, parameters from 1e-4 to 1e4.

use customer_value::btyd::{BgNbd, MbgNbd, ParetoNbd, TransactionModel};
use proptest::prelude::*;

fn param() -> impl Strategy<Value = f64> {
    (-4.0f64..4.0).prop_map(|e| 10f64.powf(e))
}

/// (x, t_x, T) with the edge cases over-represented.
fn summary() -> impl Strategy<Value = (f64, f64, f64)> {
    (0u32..=10_000, 0.0f64..=10_000.0, 0.0f64..=1.0, 0u8..4).prop_map(|(x, t, frac, kind)| match kind {
        0 => (0.0, 0.0, t),
        1 if x > 0 => (f64::from(x), t, t),
        1 => (0.0, 0.0, t),
        _ => (f64::from(x), if x == 0 { 0.0 } else { t * frac }, t),
    })
}

fn check_laws(
    m: &dyn TransactionModel,
    (x, tx, t): (f64, f64, f64),
    h1: f64,
    h2: f64,
) -> Result<(), TestCaseError> {
    let (lo, hi) = if h1 <= h2 { (h1, h2) } else { (h2, h1) };
    let p = m
        .probability_alive(x, tx, t)
        .map_err(|e| TestCaseError::fail(format!("P(alive): {e}")))?;
    prop_assert!((0.0..=1.0).contains(&p), "P(alive) = {p}");
    let e1 = m
        .expected_purchases(lo, x, tx, t)
        .map_err(|e| TestCaseError::fail(format!("E lo: {e}")))?;
    let e2 = m
        .expected_purchases(hi, x, tx, t)
        .map_err(|e| TestCaseError::fail(format!("E hi: {e}")))?;
    prop_assert!(e1.is_finite() && e1 >= 0.0, "E = {e1}");
    prop_assert!(
        e2 >= e1 * (1.0 - 1e-9),
        "not monotone: E({lo}) = {e1} > E({hi}) = {e2}"
    );
    let n1 = m
        .expected_purchases_new(lo)
        .map_err(|e| TestCaseError::fail(format!("E new lo: {e}")))?;
    let n2 = m
        .expected_purchases_new(hi)
        .map_err(|e| TestCaseError::fail(format!("E new hi: {e}")))?;
    prop_assert!(n1.is_finite() && n1 >= 0.0, "E new = {n1}");
    prop_assert!(n2 >= n1 * (1.0 - 1e-9), "not monotone: {n1} > {n2}");
    let ll = m
        .log_likelihood(x, tx, t)
        .map_err(|e| TestCaseError::fail(format!("LL: {e}")))?;
    prop_assert!(ll.is_finite(), "LL = {ll}");
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn bg_nbd_laws(r in param(), alpha in param(), a in param(), b in param(), s in summary(),
                   h1 in 0.0f64..10_000.0, h2 in 0.0f64..10_000.0) {
        let m = BgNbd::new(r, alpha, a, b).unwrap();
        check_laws(&m, s, h1, h2)?;
    }

    #[test]
    fn mbg_nbd_laws(r in param(), alpha in param(), a in param(), b in param(), s in summary(),
                    h1 in 0.0f64..10_000.0, h2 in 0.0f64..10_000.0) {
        let m = MbgNbd::new(r, alpha, a, b).unwrap();
        check_laws(&m, s, h1, h2)?;
    }

    #[test]
    fn pareto_nbd_laws(r in param(), alpha in param(), sp in param(), beta in param(), s in summary(),
                       h1 in 0.0f64..10_000.0, h2 in 0.0f64..10_000.0) {
        let m = ParetoNbd::new(r, alpha, sp, beta).unwrap();
        check_laws(&m, s, h1, h2)?;
    }

    #[test]
    fn bad_summaries_are_errors(x in 1u32..100, t in 0.0f64..100.0, over in 0.001f64..10.0) {
        let m = BgNbd::new(0.24, 4.4, 0.79, 2.4).unwrap();
        let p = ParetoNbd::new(0.55, 10.6, 0.61, 11.7).unwrap();
        for model in [&m as &dyn TransactionModel, &p] {
            prop_assert!(model.probability_alive(f64::from(x), t + over, t).is_err());
            prop_assert!(model.probability_alive(0.0, over, t + over).is_err());
            prop_assert!(model.expected_purchases(1.0, -f64::from(x), 0.0, t).is_err());
            prop_assert!(model.expected_purchases(1.0, f64::from(x), f64::NAN, t).is_err());
        }
    }
}

#[test]
fn corners_of_the_parameter_box() {
    let vals = [1e-4, 0.37, 1.0, 1e4];
    let summaries = [
        (0.0, 0.0, 0.0),
        (0.0, 0.0, 1e4),
        (1e4, 1e4, 1e4),
        (1e4, 0.5, 1e4),
        (1.0, 1e-3, 1e4),
        (5.0, 3.0, 3.0),
    ];
    let mut failures = Vec::new();
    for &p1 in &vals {
        for &p2 in &vals {
            for &p3 in &vals {
                for &p4 in &vals {
                    let bg = BgNbd::new(p1, p2, p3, p4).unwrap();
                    let pn = ParetoNbd::new(p1, p2, p3, p4).unwrap();
                    let mbg = MbgNbd::new(p1, p2, p3, p4).unwrap();
                    for m in [&bg as &dyn TransactionModel, &pn, &mbg] {
                        for &s in &summaries {
                            for (h1, h2) in [(0.0, 1e-3), (1.0, 52.0), (52.0, 1e4)] {
                                if let Err(e) = check_laws(m, s, h1, h2) {
                                    failures.push(format!(
                                        "{} {:?} {s:?} ({h1}, {h2}): {e}",
                                        m.name(),
                                        m.parameters()
                                    ));
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures, e.g.\n{}",
        failures.len(),
        failures
            .iter()
            .filter(|f| !f.contains("c = 0"))
            .take(25)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

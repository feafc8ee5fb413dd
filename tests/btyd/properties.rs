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

#[test]
fn built_in_models_pass_the_public_conformance_check() {
    use customer_value::btyd::check_transaction_model;
    check_transaction_model(&BgNbd::new(0.2425945, 4.4136019, 0.7929199, 2.4258881).unwrap()).unwrap();
    check_transaction_model(&ParetoNbd::new(0.55315, 10.57633, 0.60625, 11.67150).unwrap()).unwrap();
    check_transaction_model(&MbgNbd::new(0.525, 6.183, 0.891, 1.614).unwrap()).unwrap();
}

#[test]
fn p_alive_later_matches_the_beta_integral() {
    // BG/NBD: P(alive at T+t) = P(alive) · E[(A/(A+pt))^R], p ~ Beta(a, b+x), checked by
    // a midpoint rule on the beta integral (a, b+x > 1: smooth integrand).
    let (r, alpha, a, b) = (0.2425945, 4.4136019, 1.7929199, 2.4258881);
    let m = BgNbd::new(r, alpha, a, b).unwrap();
    let (x, tx, age, t) = (3.0, 20.0, 38.0, 52.0);
    let (rr, big_a, bx) = (r + x, alpha + age, b + x);
    let n = 200_000;
    let lb = ln_beta_midpoint(a, bx);
    let integral: f64 = (0..n)
        .map(|i| {
            let p = (f64::from(i) + 0.5) / f64::from(n);
            (big_a / (big_a + p * t)).powf(rr) * ((a - 1.0) * p.ln() + (bx - 1.0) * (1.0 - p).ln() - lb).exp()
                / f64::from(n)
        })
        .sum();
    let want = m.probability_alive(x, tx, age).unwrap() * integral;
    let got = m.probability_alive_at(t, x, tx, age).unwrap();
    assert!((got - want).abs() < 1e-8, "{got} vs {want}");
}

/// ln B(a, b) by the same midpoint rule, so that the test's beta average is normalised
/// consistently (and independently of the crate's special functions).
fn ln_beta_midpoint(a: f64, b: f64) -> f64 {
    let n = 400_000;
    let s: f64 = (0..n)
        .map(|i| {
            let p = (f64::from(i) + 0.5) / f64::from(n);
            ((a - 1.0) * p.ln() + (b - 1.0) * (1.0 - p).ln()).exp() / f64::from(n)
        })
        .sum();
    s.ln()
}

/// A BG/NBD whose declared properties are false, one breach at a time: the public check
/// must name each.
#[derive(Debug)]
struct Misdeclared {
    inner: BgNbd,
    /// Scales the factored curve (1.0: honest).
    if_alive_scale: f64,
    /// Claims discrete time while taking fractional times.
    claims_discrete: bool,
}

impl customer_value::btyd::TransactionModel for Misdeclared {
    fn name(&self) -> &'static str {
        "misdeclared"
    }
    fn parameters(&self) -> Vec<(&'static str, f64)> {
        self.inner.parameters()
    }
    fn expected_purchases_new(&self, t: f64) -> customer_value::Result<f64> {
        self.inner.expected_purchases_new(t)
    }
    fn expected_purchases(&self, t: f64, x: f64, tx: f64, age: f64) -> customer_value::Result<f64> {
        self.inner.expected_purchases(t, x, tx, age)
    }
    fn probability_alive(&self, x: f64, tx: f64, age: f64) -> customer_value::Result<f64> {
        self.inner.probability_alive(x, tx, age)
    }
    fn log_likelihood(&self, x: f64, tx: f64, age: f64) -> customer_value::Result<f64> {
        self.inner.log_likelihood(x, tx, age)
    }
    fn expected_if_alive_curve(
        &self,
        times: &[f64],
        x: f64,
        age: f64,
    ) -> Option<customer_value::Result<Vec<f64>>> {
        let curve = self.inner.expected_if_alive_curve(times, x, age)?;
        Some(curve.map(|c| c.into_iter().map(|v| v * self.if_alive_scale).collect()))
    }
    fn discrete_time(&self) -> bool {
        self.claims_discrete
    }
}

#[test]
fn conformance_check_catches_a_false_factorisation_and_a_false_discrete_claim() {
    use customer_value::btyd::check_transaction_model;
    let inner = BgNbd::new(0.2425945, 4.4136019, 0.7929199, 2.4258881).unwrap();
    let honest = Misdeclared {
        inner,
        if_alive_scale: 1.0,
        claims_discrete: false,
    };
    check_transaction_model(&honest).unwrap();
    let off = Misdeclared {
        if_alive_scale: 1.0 + 1e-6,
        ..honest
    };
    let e = check_transaction_model(&off).unwrap_err().to_string();
    assert!(e.contains("E[Y(") && e.contains("alive"), "{e}");
    let discrete = Misdeclared {
        claims_discrete: true,
        ..honest
    };
    let e = check_transaction_model(&discrete).unwrap_err().to_string();
    assert!(e.contains("fractional"), "{e}");
}

mod holdout_weights {
    use customer_value::btyd::{HoldoutEvaluation, HoldoutRow};
    use proptest::prelude::*;

    fn row() -> impl Strategy<Value = HoldoutRow> {
        (0u32..12, 0.0f64..30.0, 0.0f64..8.0, 0u32..10, 1u32..6).prop_map(|(x, tx, p, a, w)| HoldoutRow {
            frequency: f64::from(x),
            recency: if x == 0 { 0.0 } else { tx },
            predicted: p,
            actual: f64::from(a),
            weight: f64::from(w),
        })
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-9 * (1.0 + a.abs().max(b.abs()))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]

        /// A row of weight w is w customers: the evaluation of the weighted rows is the
        /// evaluation of the rows repeated, whatever their order.
        #[test]
        fn weighted_rows_evaluate_as_their_expansion(rows in prop::collection::vec(row(), 1..40), top in 1u32..9) {
            let weighted = HoldoutEvaluation::from_rows(&rows, top).unwrap();
            let mut expanded: Vec<HoldoutRow> = rows
                .iter()
                .flat_map(|r| std::iter::repeat_n(HoldoutRow { weight: 1.0, ..*r }, r.weight as usize))
                .collect();
            expanded.reverse();
            let plain = HoldoutEvaluation::from_rows(&expanded, top).unwrap();
            prop_assert_eq!(weighted.customers, plain.customers);
            prop_assert!(close(weighted.mae, plain.mae) && close(weighted.rmse, plain.rmse));
            prop_assert!(close(weighted.predicted_total, plain.predicted_total));
            prop_assert!(close(weighted.actual_total, plain.actual_total));
            prop_assert_eq!(weighted.by_frequency.len(), plain.by_frequency.len());
            prop_assert_eq!(weighted.by_recency.len(), plain.by_recency.len());
            for (a, b) in weighted.by_frequency.iter().zip(&plain.by_frequency) {
                prop_assert_eq!(a.customers, b.customers);
                prop_assert!(close(a.mean_predicted, b.mean_predicted) && close(a.mean_actual, b.mean_actual));
            }
            for (a, b) in weighted.by_recency.iter().zip(&plain.by_recency) {
                prop_assert_eq!(a.customers, b.customers);
                prop_assert!(close(a.mean_predicted, b.mean_predicted) && close(a.mean_actual, b.mean_actual));
            }
            // The one-customer constructor agrees on the expanded rows.
            let x: Vec<f64> = expanded.iter().map(|r| r.frequency).collect();
            let p: Vec<f64> = expanded.iter().map(|r| r.predicted).collect();
            let a: Vec<f64> = expanded.iter().map(|r| r.actual).collect();
            let old = HoldoutEvaluation::new(&x, &p, &a, top).unwrap();
            prop_assert!(close(old.mae, weighted.mae));
            prop_assert_eq!(old.by_frequency.iter().map(|b| b.customers).collect::<Vec<_>>(),
                weighted.by_frequency.iter().map(|b| b.customers).collect::<Vec<_>>());
        }

        /// Every customer lands in exactly one recency bin, the one BTYD's rule names.
        #[test]
        fn recency_bins_partition_the_customers(rows in prop::collection::vec(row(), 1..40)) {
            let e = HoldoutEvaluation::from_rows(&rows, 7).unwrap();
            let max = rows.iter().map(|r| r.recency).fold(0.0, f64::max);
            prop_assert_eq!(e.by_recency.len(), (max.ceil() as usize).max(1));
            prop_assert_eq!(e.by_recency.iter().map(|b| b.customers).sum::<usize>(), e.customers);
            prop_assert_eq!(e.by_recency.iter().filter(|b| b.open_ended).count(), 1);
        }
    }

    #[test]
    fn bad_weights_are_refused() {
        let r = HoldoutRow {
            frequency: 1.0,
            recency: 2.0,
            predicted: 0.5,
            actual: 1.0,
            weight: 1.0,
        };
        for weight in [0.0, 0.5, 1.5, -1.0, f64::NAN, f64::INFINITY] {
            assert!(
                HoldoutEvaluation::from_rows(&[HoldoutRow { weight, ..r }], 7).is_err(),
                "{weight}"
            );
        }
        assert!(
            HoldoutEvaluation::from_rows(
                &[HoldoutRow {
                    recency: f64::NAN,
                    ..r
                }],
                7
            )
            .is_err()
        );
        assert!(HoldoutEvaluation::from_rows(&[HoldoutRow { recency: 2e6, ..r }], 7).is_err());
        assert!(HoldoutEvaluation::from_rows(&[], 7).is_err());
    }
}

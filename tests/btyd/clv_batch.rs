//! `clv_batch` (which factors the expectation as P(alive) · E[Y(t) | alive] and computes one
//! discounted curve per distinct `(x, T)`) against per-customer `clv` (one curve per
//! customer from `expected_purchases_curve`), on the CDNOW sample: equal to 1e-9 relative.

use customer_value::TimeUnit;
use customer_value::btyd::{
    BgNbd, ClvSpec, DiscountRate, GammaGamma, History, Margin, MbgNbd, ParetoNbd, SummarySlices,
    TransactionModel, clv_batch, expected_clv,
};

fn cdnow() -> (Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>) {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/cdnow_sample_summary.csv"
    ))
    .unwrap();
    let (mut x, mut tx, mut t, mut m) = (vec![], vec![], vec![], vec![]);
    for line in text.lines().skip(1) {
        let v: Vec<f64> = line.split(',').map(|s| s.parse().unwrap()).collect();
        x.push(v[1]);
        tx.push(v[2]);
        t.push(v[3]);
        m.push(v[4]);
    }
    (x, tx, t, m)
}

#[test]
fn batch_equals_per_customer_clv() {
    let (x, tx, t, m) = cdnow();
    let rows = SummarySlices::new(&x, &tx, &t).unwrap();
    let spend = GammaGamma::new(6.25, 3.74, 15.44).unwrap();
    let margin = Margin::FractionOfSpend {
        fraction: 0.3,
        spend: &spend,
    };
    let models: Vec<Box<dyn TransactionModel>> = vec![
        Box::new(BgNbd::new(0.2425945, 4.4136019, 0.7929199, 2.4258881).unwrap()),
        Box::new(MbgNbd::new(0.525, 6.183, 0.891, 1.614).unwrap()),
        Box::new(ParetoNbd::new(0.55315, 10.57633, 0.60625, 11.67150).unwrap()),
    ];
    let specs = [
        ClvSpec::new(
            TimeUnit::WEEK,
            52.0,
            DiscountRate::new(0.10, TimeUnit::from_days(365.0).unwrap()).unwrap(),
        )
        .unwrap(),
        ClvSpec::new(
            TimeUnit::WEEK,
            100.0,
            DiscountRate::new(0.01, TimeUnit::WEEK).unwrap(),
        )
        .unwrap()
        .with_step(3.0)
        .unwrap(),
    ];
    for model in &models {
        for spec in &specs {
            let batch = clv_batch(model.as_ref(), margin, spec, rows, &m).unwrap();
            for i in 0..x.len() {
                let one = History::from_f64(x[i], tx[i], t[i])
                    .and_then(|h| expected_clv(model.as_ref(), margin, spec, h, m[i]))
                    .unwrap();
                assert!(
                    (batch[i] - one).abs() <= 1e-9 * one.abs() + 1e-300,
                    "{} row {i}: {} vs {one}",
                    model.name(),
                    batch[i]
                );
            }
        }
    }
}

#[test]
fn expected_batch_equals_per_customer_expectation() {
    let (x, tx, t, _) = cdnow();
    let rows = SummarySlices::new(&x, &tx, &t).unwrap();
    let models: Vec<Box<dyn TransactionModel>> = vec![
        Box::new(BgNbd::new(0.2425945, 4.4136019, 0.7929199, 2.4258881).unwrap()),
        Box::new(MbgNbd::new(0.525, 6.183, 0.891, 1.614).unwrap()),
        Box::new(ParetoNbd::new(0.55315, 10.57633, 0.60625, 11.67150).unwrap()),
    ];
    for model in &models {
        for horizon in [0.0, 1.0, 39.0, 250.0] {
            let batch = model.expected_purchases_batch(horizon, rows).unwrap();
            for i in 0..x.len() {
                let one = model.expected_purchases(horizon, x[i], tx[i], t[i]).unwrap();
                assert!(
                    (batch[i] - one).abs() <= 1e-9 * one.abs(),
                    "{} t = {horizon} row {i}: {} vs {one}",
                    model.name(),
                    batch[i]
                );
            }
        }
    }
    let bad = SummarySlices::new(&[1.0, 2.0], &[3.0, 5.0], &[4.0, 4.0]).unwrap();
    assert!(models[0].expected_purchases_batch(39.0, bad).is_err());
}

/// Every model's batch P(alive) equals its per-customer value bit for bit (Pareto/NBD's
/// batch shares each ₂F₁ term between customers with the same `(x, t_x)` or `(x, T)`), and
/// so does Pareto/NBD's batch expectation (the others' closed forms differ in rounding
/// only), on the CDNOW sample plus rows with `t_x = T`, `x = 0` and repeated customers.
#[test]
fn batch_p_alive_and_expectation_equal_per_customer_bit_for_bit() {
    let (mut x, mut tx, mut t, _) = cdnow();
    for (a, b, c) in [
        (0.0, 0.0, 0.0),
        (0.0, 0.0, 38.0),
        (3.0, 20.0, 20.0),
        (2.0, 30.43, 38.86),
    ] {
        x.push(a);
        tx.push(b);
        t.push(c);
    }
    let (x2, tx2, t2) = (x.repeat(2), tx.repeat(2), t.repeat(2));
    let rows = SummarySlices::new(&x2, &tx2, &t2).unwrap();
    let models: Vec<Box<dyn TransactionModel>> = vec![
        Box::new(BgNbd::new(0.2425945, 4.4136019, 0.7929199, 2.4258881).unwrap()),
        Box::new(MbgNbd::new(0.525, 6.183, 0.891, 1.614).unwrap()),
        Box::new(ParetoNbd::new(0.55315, 10.57633, 0.60625, 11.67150).unwrap()),
        // β > α: the other branch of the ₂F₁ argument.
        Box::new(ParetoNbd::new(0.55315, 11.67150, 0.60625, 10.57633).unwrap()),
    ];
    for model in &models {
        let alive = model.probability_alive_batch(rows).unwrap();
        let expected = model.expected_purchases_batch(39.0, rows).unwrap();
        for i in 0..x2.len() {
            let (a, b, c) = (x2[i], tx2[i], t2[i]);
            let one = model.probability_alive(a, b, c).unwrap();
            assert_eq!(alive[i].to_bits(), one.to_bits(), "{} row {i}", model.name());
            let e = model.expected_purchases(39.0, a, b, c).unwrap();
            if model.name() == "pnbd" {
                // The same formula, P(alive) · E[X(t) | alive], on both paths.
                assert_eq!(expected[i].to_bits(), e.to_bits(), "{} row {i}", model.name());
            } else {
                assert!(
                    (expected[i] - e).abs() <= 1e-12 * e.abs().max(1.0),
                    "{} row {i}",
                    model.name()
                );
            }
        }
    }
    // An invalid row is reported by position, the first one.
    let bad = SummarySlices::new(&[1.0, 1.0, 1.0], &[1.0, 5.0, 9.0], &[2.0, 4.0, 3.0]).unwrap();
    let pn = ParetoNbd::new(0.55315, 10.57633, 0.60625, 11.67150).unwrap();
    let err = pn.probability_alive_batch(bad).unwrap_err().to_string();
    assert!(err.contains("row 1"), "{err}");
}

/// Pareto/NBD's batch P(alive) on a batch large enough to be split between threads (feature
/// `parallel`): still bit-identical per customer, and an invalid row deep in a later chunk
/// is reported with its position in the whole batch.
#[test]
fn large_pareto_batch_p_alive_is_bit_identical_and_names_rows() {
    let (x, tx, t, _) = cdnow();
    let n = 60;
    let (mut x, mut tx, t) = (x.repeat(n), tx.repeat(n), t.repeat(n));
    assert!(x.len() > 1 << 17);
    let pn = ParetoNbd::new(0.55315, 10.57633, 0.60625, 11.67150).unwrap();
    let alive = pn
        .probability_alive_batch(SummarySlices::new(&x, &tx, &t).unwrap())
        .unwrap();
    for i in (0..x.len()).step_by(97) {
        let one = pn.probability_alive(x[i], tx[i], t[i]).unwrap();
        assert_eq!(alive[i].to_bits(), one.to_bits(), "row {i}");
    }
    let last = x.len() - 3;
    tx[last] = t[last] + 1.0; // t_x > T
    x[last - 5] = -1.0; // earlier: the one to report
    let err = pn
        .probability_alive_batch(SummarySlices::new(&x, &tx, &t).unwrap())
        .unwrap_err()
        .to_string();
    assert!(err.contains(&format!("row {}", last - 5)), "{err}");
}

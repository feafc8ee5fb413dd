//! `btyd::survival_curve`: the purchase models as retention models.

use customer_value::btyd::{BgNbd, MbgNbd, ParetoNbd, survival_curve};
use customer_value::{Error, RetentionModel, check_retention_model};
use proptest::prelude::*;

/// Pareto/NBD: given alive at T, the dropout rate's posterior is Gamma(s, β + T) whatever the
/// purchases (Schmittlein, Morrison & Colombo 1987), so
/// S(t) = ((β + T) / (β + T + t))^s — a closed form to check the composition against.
#[test]
fn pareto_nbd_survival_is_the_posterior_lomax() {
    let (r, alpha, s, beta) = (0.55315, 10.57633, 0.60625, 11.67150);
    let m = ParetoNbd::new(r, alpha, s, beta).unwrap();
    for &(x, tx, t) in &[(26.0, 30.857, 31.0), (2.0, 30.43, 38.86), (0.0, 0.0, 38.86)] {
        let curve = survival_curve(&m, x, tx, t, 4.0, 26).unwrap();
        for k in 0..=26u32 {
            let expected = ((beta + t) / (beta + t + 4.0 * f64::from(k))).powf(s);
            let got = curve.survival(k);
            assert!((got - expected).abs() < 1e-9, "x {x} k {k}: {got} vs {expected}");
        }
    }
}

#[test]
fn bad_arguments_are_errors() {
    let m = BgNbd::new(0.2425945, 4.4136019, 0.7929199, 2.4258881).unwrap();
    assert!(matches!(
        survival_curve(&m, 1.0, 2.0, 3.0, 0.0, 5),
        Err(Error::InvalidParameter { .. })
    ));
    assert!(matches!(
        survival_curve(&m, 1.0, 2.0, 3.0, 1.0, 0),
        Err(Error::InvalidParameter { .. })
    ));
    assert!(matches!(
        survival_curve(&m, 1.0, 4.0, 3.0, 1.0, 5),
        Err(Error::InvalidParameter { .. })
    ));
}

proptest! {
    /// Every model's curve is a valid retention model: S(0) = 1, in [0, 1], non-increasing.
    #[test]
    fn curves_are_retention_models(
        x in 0u32..60,
        tx_share in 0.0f64..=1.0,
        t in 0.5f64..100.0,
        period in 0.1f64..20.0,
    ) {
        let tx = if x == 0 { 0.0 } else { tx_share * t };
        let x = f64::from(x);
        let bg = BgNbd::new(0.2425945, 4.4136019, 0.7929199, 2.4258881).unwrap();
        let mbg = MbgNbd::new(0.525, 6.183, 0.891, 1.614).unwrap();
        let pn = ParetoNbd::new(0.55315, 10.57633, 0.60625, 11.67150).unwrap();
        for curve in [
            survival_curve(&bg, x, tx, t, period, 24),
            survival_curve(&mbg, x, tx, t, period, 24),
            survival_curve(&pn, x, tx, t, period, 24),
        ] {
            match curve {
                Ok(c) => prop_assert!(check_retention_model(&c, 24).is_ok()),
                // P(alive) can underflow to 0 for extreme histories: a typed error.
                Err(e) => prop_assert!(matches!(e, Error::Undefined { .. }), "{e}"),
            }
        }
    }
}

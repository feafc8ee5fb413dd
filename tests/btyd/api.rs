//! API laws: serde round trips with validation, columnar inputs, order invariance.

use customer_value::SummaryColumns;
use customer_value::btyd::{
    BgBb, BgNbd, GammaGamma, MbgNbd, ParetoNbd, SummarySlices, TransactionModel, WeightedSummaries,
};
use proptest::prelude::*;

#[test]
fn parameters_round_trip_through_json_and_are_validated_on_load() {
    let bg = BgNbd::new(0.2425945, 4.4136019, 0.7929199, 2.4258881).unwrap();
    let back: BgNbd = serde_json::from_str(&serde_json::to_string(&bg).unwrap()).unwrap();
    assert_eq!(back, bg);
    let pn = ParetoNbd::new(0.55315, 10.57633, 0.60625, 11.67150).unwrap();
    let json = serde_json::to_string(&pn).unwrap();
    assert!(json.contains("\"beta\""));
    assert_eq!(serde_json::from_str::<ParetoNbd>(&json).unwrap(), pn);
    let mbg = MbgNbd::new(0.525, 6.183, 0.891, 1.614).unwrap();
    assert_eq!(
        serde_json::from_str::<MbgNbd>(&serde_json::to_string(&mbg).unwrap()).unwrap(),
        mbg
    );
    let gg = GammaGamma::new(6.25, 3.74, 15.44).unwrap();
    assert_eq!(
        serde_json::from_str::<GammaGamma>(&serde_json::to_string(&gg).unwrap()).unwrap(),
        gg
    );
    let bb = BgBb::new(1.2035, 0.7498, 0.6568, 2.7839).unwrap();
    assert_eq!(
        serde_json::from_str::<BgBb>(&serde_json::to_string(&bb).unwrap()).unwrap(),
        bb
    );
    assert!(serde_json::from_str::<ParetoNbd>(r#"{"r":1,"alpha":1,"s":0,"beta":1}"#).is_err());
    assert!(serde_json::from_str::<GammaGamma>(r#"{"p":1,"q":-3,"gamma":1}"#).is_err());
}

#[test]
fn summary_columns_feed_fits_and_batches() {
    let cols = SummaryColumns::from_parts(
        vec!["a", "b", "c"],
        vec![2.0, 0.0, 0.0],
        vec![30.43, 0.0, 0.0],
        vec![38.86, 38.86, 38.86],
        vec![22.35, 0.0, 0.0],
    )
    .unwrap();
    let w = WeightedSummaries::from_columns(&cols).unwrap();
    assert_eq!(w.len(), 2);
    let m = BgNbd::new(0.2425945, 4.4136019, 0.7929199, 2.4258881).unwrap();
    let p = m.probability_alive_batch(SummarySlices::from(&cols)).unwrap();
    assert_eq!(p.len(), 3);
    // A bad row in a batch names the row.
    let err = m
        .probability_alive_batch(SummarySlices::new(&[1.0, 1.0], &[1.0, 5.0], &[2.0, 4.0]).unwrap())
        .unwrap_err();
    assert!(err.to_string().starts_with("row 1"), "{err}");
}

proptest! {
    #[test]
    fn compression_is_order_invariant_and_keeps_every_customer(
        rows in proptest::collection::vec((0u32..5, 0u32..4, 1u32..4), 1..60),
        seed in any::<u64>(),
    ) {
        let x: Vec<f64> = rows.iter().map(|r| f64::from(r.0)).collect();
        let t: Vec<f64> = rows.iter().map(|r| f64::from(r.2) * 10.0).collect();
        let tx: Vec<f64> = rows.iter().zip(&t).map(|(r, t)| if r.0 == 0 { 0.0 } else { t * f64::from(r.1) / 4.0 }).collect();
        let a = WeightedSummaries::from_rows(&x, &tx, &t).unwrap();
        // A deterministic shuffle.
        let mut idx: Vec<usize> = (0..x.len()).collect();
        let mut s = seed;
        for i in (1..idx.len()).rev() {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            idx.swap(i, (s >> 33) as usize % (i + 1));
        }
        let pick = |v: &[f64]| idx.iter().map(|&i| v[i]).collect::<Vec<f64>>();
        let b = WeightedSummaries::from_rows(&pick(&x), &pick(&tx), &pick(&t)).unwrap();
        prop_assert_eq!(&a, &b);
        prop_assert!((a.total_weight() - x.len() as f64).abs() < 1e-9);
        let m = BgNbd::new(0.3, 4.0, 0.8, 2.4).unwrap();
        let direct: f64 = (0..x.len()).map(|i| m.log_likelihood(x[i], tx[i], t[i]).unwrap()).sum();
        prop_assert!((m.total_log_likelihood(&a) - direct).abs() < 1e-9 * direct.abs().max(1.0));
    }
}

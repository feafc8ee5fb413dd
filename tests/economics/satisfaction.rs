//! Satisfaction indices against the published checks in the project's reference data.

use customer_value::Error;
use customer_value::satisfaction::{CsiItem, Nps, csat_mean, csat_top_box, csi};

#[test]
fn nps_of_100_promoters_40_passives_60_detractors() {
    // Reference: 20.0 with standard error 6.16.
    let mut answers = vec![10_u8; 50];
    answers.extend([9; 50]);
    answers.extend([8; 20]);
    answers.extend([7; 20]);
    for s in 0..=6 {
        answers.extend(vec![s; if s < 4 { 9 } else { 8 }]);
    }
    assert_eq!(answers.len(), 200);
    let nps = Nps::from_answers(&answers).unwrap().unwrap();
    assert_eq!((nps.promoters, nps.passives, nps.detractors), (100, 40, 60));
    assert!((nps.score - 20.0).abs() < 1e-12);
    assert!(
        (nps.standard_error - 6.16).abs() < 0.005,
        "{}",
        nps.standard_error
    );
    let (lo, hi) = nps.interval(1.96).unwrap();
    assert!((hi - lo - 2.0 * 1.96 * nps.standard_error).abs() < 1e-9);
}

#[test]
fn nps_edges_are_fixed() {
    let one = |a: u8| Nps::from_answers(&[a]).unwrap().unwrap().score;
    assert!((one(6) + 100.0).abs() < 1e-12);
    assert!(one(7).abs() < 1e-12 && one(8).abs() < 1e-12);
    assert!((one(9) - 100.0).abs() < 1e-12);
    // All promoters: SE 0, interval clamped to the scale.
    let all = Nps::from_counts(5, 0, 0).unwrap();
    assert_eq!(all.interval(1.96).unwrap(), (100.0, 100.0));
}

#[test]
fn csat_74_of_107_in_the_top_two_boxes() {
    // Reference: 69.16 %.
    let mut answers = vec![5_u8; 30];
    answers.extend([4; 44]);
    answers.extend([3; 15]);
    answers.extend([2; 10]);
    answers.extend([1; 8]);
    assert_eq!(answers.len(), 107);
    let csat = csat_top_box(&answers, 5, 2).unwrap().unwrap();
    assert!((csat - 69.16).abs() < 0.005, "{csat}");
    assert!(
        (csat_mean(&answers, 5).unwrap().unwrap() - (150.0 + 176.0 + 45.0 + 20.0 + 8.0) / 107.0).abs()
            < 1e-12
    );
}

#[test]
fn empty_is_none_and_out_of_scale_is_an_error() {
    assert!(Nps::from_answers(&[]).unwrap().is_none());
    assert!(csat_top_box(&[], 5, 2).unwrap().is_none());
    assert!(csat_mean(&[], 5).unwrap().is_none());
    assert!(csi(&[], 5).unwrap().is_none());
    assert!(matches!(
        Nps::from_answers(&[3, 12]),
        Err(Error::InvalidRow { row: 1, .. })
    ));
    assert!(matches!(
        csat_top_box(&[5, 6], 5, 2),
        Err(Error::InvalidRow { row: 1, .. })
    ));
    assert!(matches!(
        csat_mean(&[0], 5),
        Err(Error::InvalidRow { row: 0, .. })
    ));
    assert!(matches!(
        csat_top_box(&[5], 5, 5),
        Err(Error::InvalidParameter { .. })
    ));
    let bad = [CsiItem {
        importance: 1.0,
        satisfaction: 6.0,
    }];
    assert!(matches!(csi(&bad, 5), Err(Error::InvalidRow { row: 0, .. })));
    let zero = [CsiItem {
        importance: 0.0,
        satisfaction: 3.0,
    }];
    assert!(csi(&zero, 5).is_err());
}

#[test]
fn csi_weights_by_importance() {
    let items = [
        CsiItem {
            importance: 5.0,
            satisfaction: 4.0,
        },
        CsiItem {
            importance: 1.0,
            satisfaction: 1.0,
        },
    ];
    // (5·4 + 1·1)/6 = 3.5 on 1..=5 → 62.5; unweighted it would be 50.
    assert!((csi(&items, 5).unwrap().unwrap() - 62.5).abs() < 1e-12);
}

//! Bad input to the segmentation module: typed errors, never a panic or a silent NaN.
//! Also the "popular published segment maps are not partitions" check.

use customer_value::Error;
use customer_value::segment::{
    AbcCuts, Concentration, NegativeValues, ProfitLevel, ProfitLevels, RfmValues, ScoreRange, SegmentMap,
    SegmentRule, SegmentTable, WhaleCurve, abc_classes, gini, gini_from_lorenz, lorenz_curve_weighted,
    quantile_scores, rfm_scores, top_share,
};
use rust_decimal::Decimal;

#[test]
fn empty_input() {
    assert!(matches!(
        gini(&[], NegativeValues::Error),
        Err(Error::EmptyInput { .. })
    ));
    assert!(matches!(Concentration::new(&[]), Err(Error::EmptyInput { .. })));
    assert!(matches!(top_share(&[], 0.2), Err(Error::EmptyInput { .. })));
    assert!(matches!(
        abc_classes(&[], &AbcCuts::default()),
        Err(Error::EmptyInput { .. })
    ));
    assert!(matches!(quantile_scores(&[], 5), Err(Error::EmptyInput { .. })));
    assert!(matches!(
        RfmValues::new(vec![], vec![], vec![]),
        Err(Error::EmptyInput { .. })
    ));
    assert!(matches!(WhaleCurve::new(&[]), Err(Error::EmptyInput { .. })));
    assert!(matches!(
        lorenz_curve_weighted(&[], &[]),
        Err(Error::EmptyInput { .. })
    ));
    assert!(matches!(gini_from_lorenz(&[]), Err(Error::EmptyInput { .. })));
    let pyramid = ProfitLevels::customer_pyramid(Decimal::TEN, Decimal::ONE).unwrap();
    assert!(matches!(pyramid.classify(&[]), Err(Error::EmptyInput { .. })));
}

#[test]
fn all_zero_totals() {
    let zeros = [0.0; 4];
    assert!(matches!(
        gini(&zeros, NegativeValues::Error),
        Err(Error::Undefined { .. })
    ));
    assert!(matches!(Concentration::new(&zeros), Err(Error::Undefined { .. })));
    assert!(matches!(top_share(&zeros, 0.2), Err(Error::Undefined { .. })));
    assert!(matches!(
        abc_classes(&zeros, &AbcCuts::default()),
        Err(Error::Undefined { .. })
    ));
    assert!(matches!(
        lorenz_curve_weighted(&zeros, &[1.0; 4]),
        Err(Error::Undefined { .. })
    ));
    assert!(matches!(
        lorenz_curve_weighted(&[1.0; 4], &zeros),
        Err(Error::Undefined { .. })
    ));
    // Losses outweigh: no positive total to take shares of.
    assert!(matches!(
        Concentration::new(&[-5.0, 1.0]),
        Err(Error::Undefined { .. })
    ));
    // Zero scores fine: all-equal values score in the lowest bin (minimum rank) or the
    // middle one (average rank), no error.
    assert_eq!(quantile_scores(&zeros, 5).unwrap(), vec![1; 4]);
    assert_eq!(
        customer_value::segment::quantile_scores_with(
            &zeros,
            5,
            customer_value::segment::TieRule::AverageRank
        )
        .unwrap(),
        vec![3; 4]
    );
    // Whale curve of zero total profit: money figures, no percentages.
    let w = WhaleCurve::new(&[Decimal::from(5), Decimal::from(-5)]).unwrap();
    assert_eq!(w.peak_percent, None);
    assert_eq!(w.profit_destroyed, Decimal::from(5));
}

#[test]
fn nan_and_infinite_values_name_the_row() {
    for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let v = [1.0, 2.0, bad];
        assert!(matches!(
            gini(&v, NegativeValues::Raw),
            Err(Error::InvalidRow { row: 2, .. })
        ));
        assert!(matches!(
            Concentration::new(&v),
            Err(Error::InvalidRow { row: 2, .. })
        ));
        assert!(matches!(
            top_share(&v, 0.5),
            Err(Error::InvalidRow { row: 2, .. })
        ));
        assert!(matches!(
            abc_classes(&v, &AbcCuts::default()),
            Err(Error::InvalidRow { row: 2, .. })
        ));
        assert!(matches!(
            quantile_scores(&v, 5),
            Err(Error::InvalidRow { row: 2, .. })
        ));
        assert!(matches!(
            RfmValues::new(vec![1.0; 3], v.to_vec(), vec![1.0; 3]),
            Err(Error::InvalidRow { row: 2, .. })
        ));
        assert!(lorenz_curve_weighted(&[1.0, 2.0, 3.0], &v).is_err());
    }
    // Fields edited after validation are checked again.
    let mut rfm = RfmValues::new(vec![1.0], vec![1.0], vec![1.0]).unwrap();
    rfm.monetary[0] = f64::NAN;
    assert!(matches!(rfm_scores(&rfm, 5), Err(Error::InvalidRow { .. })));
}

#[test]
fn parameters_out_of_range() {
    for cuts in [
        vec![],
        vec![0.95, 0.8],
        vec![0.8, 0.8],
        vec![0.0, 0.5],
        vec![0.5, 1.5],
        vec![f64::NAN],
    ] {
        assert!(matches!(
            AbcCuts::new(cuts),
            Err(Error::InvalidParameter { name: "cuts", .. })
        ));
    }
    assert!(AbcCuts::new(vec![0.5, 1.0]).is_ok());
    let c = Concentration::new(&[1.0, 2.0]).unwrap();
    for p in [-0.1, 1.1, f64::NAN] {
        assert!(c.top_share(p).is_err());
        assert!(c.lorenz_at(p).is_err());
        assert!(top_share(&[1.0], p).is_err());
    }
    for y in [0.0, -1.0, 1.5, f64::NAN] {
        assert!(c.customers_for_share(y).is_err());
    }
    assert!(c.quantile_table(0).is_err());
    for bins in [0, 1, 11] {
        assert!(quantile_scores(&[1.0], bins).is_err());
        assert!(rfm_scores(&RfmValues::new(vec![1.0], vec![1.0], vec![1.0]).unwrap(), bins).is_err());
    }
    assert!(matches!(
        RfmValues::new(vec![1.0], vec![1.0, 2.0], vec![1.0]),
        Err(Error::LengthMismatch { .. })
    ));
    assert!(matches!(
        lorenz_curve_weighted(&[1.0], &[1.0, 2.0]),
        Err(Error::LengthMismatch { .. })
    ));
    assert!(lorenz_curve_weighted(&[1.0, 2.0], &[1.0, -1.0]).is_err());
    assert!(matches!(
        gini(&[-1.0, 5.0], NegativeValues::Error),
        Err(Error::InvalidRow { row: 0, .. })
    ));
    // Profit levels: thresholds must strictly decrease, names be distinct.
    let l = |n: &str, v: i64| ProfitLevel::new(n, Decimal::from(v));
    assert!(ProfitLevels::new(vec![l("a", 1), l("b", 5)], "c").is_err());
    assert!(ProfitLevels::new(vec![l("a", 5), l("a", 1)], "c").is_err());
    assert!(ProfitLevels::new(vec![l("a", 5)], "a").is_err());
    assert!(ProfitLevels::new(vec![], "c").is_err());
    assert!(ProfitLevels::customer_pyramid(Decimal::ONE, Decimal::ZERO).is_err());
}

#[test]
fn segment_maps_and_tables_refuse_bad_shapes() {
    let map = SegmentMap::standard();
    let rfm = RfmValues::new(vec![1.0, 2.0], vec![1.0, 2.0], vec![1.0, 2.0]).unwrap();
    let three = rfm_scores(&rfm, 3).unwrap();
    assert!(matches!(map.assign(&three), Err(Error::InvalidParameter { .. })));
    let five = rfm_scores(&rfm, 5).unwrap();
    let seg = map.assign(&five).unwrap();
    assert!(matches!(
        SegmentTable::new(&map, &seg, &[1.0], &[1.0, 2.0], None),
        Err(Error::LengthMismatch { .. })
    ));
    assert!(matches!(
        SegmentTable::new(&map, &[0, 99], &[1.0; 2], &[1.0; 2], None),
        Err(Error::InvalidRow { row: 1, .. })
    ));
    assert!(SegmentMap::new(1, map.rules().to_vec()).is_err());
    assert!(SegmentMap::new(5, vec![]).is_err());
    assert!(SegmentMap::new(5, map.rules().to_vec()).is_ok());
    // Duplicate names are refused even when the cells partition.
    let any = ScoreRange::any();
    let dup = vec![
        SegmentRule::new("x", ScoreRange::new(1, 1), any, any),
        SegmentRule::new("x", ScoreRange::new(2, 2), any, any),
    ];
    assert!(!SegmentMap::diagnose(2, &dup).is_partition());
}

/// A popular published RFM map (churned.io's table of R and F&M ranges: Champion R 4–5,
/// FM 4–5; Loyalist 2–5, 3–5; Potential loyalist 3–5, 1–3; New 4–5, 0–1; Need attention
/// 2–3, 2–3; At risk 0–2, 2–5; Hibernating 1–2, 1–2; Lost 0–2, 0–2), with its F&M range
/// applied to both F and M: it overlaps and leaves cells unassigned.
#[test]
fn a_popular_published_map_is_not_a_partition() {
    let r = ScoreRange::new;
    let rule = |name: &str, rec: ScoreRange, fm: ScoreRange| SegmentRule::new(name, rec, fm, fm);
    let published = vec![
        rule("Champion", r(4, 5), r(4, 5)),
        rule("Loyalist", r(2, 5), r(3, 5)),
        rule("Potential Loyalist", r(3, 5), r(1, 3)),
        rule("New", r(4, 5), r(0, 1)),
        rule("Need Attention", r(2, 3), r(2, 3)),
        rule("At Risk", r(0, 2), r(2, 5)),
        rule("Hibernating", r(1, 2), r(1, 2)),
        rule("Lost", r(0, 2), r(0, 2)),
    ];
    let check = SegmentMap::diagnose(5, &published);
    assert!(!check.is_partition());
    assert!(!check.overlapping.is_empty());
    assert!(!check.unassigned.is_empty());
    // e.g. R5 F5 M5 is both Champion and Loyalist.
    assert!(
        check
            .overlapping
            .iter()
            .any(|(c, names)| c.code() == "555" && names.len() == 2)
    );
    let err = SegmentMap::new(5, published).unwrap_err();
    assert!(err.to_string().contains("unassigned"), "{err}");
}

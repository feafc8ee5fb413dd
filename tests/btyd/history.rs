//! [`History`]: typed customer rows catch swapped arguments when built, round-trip through
//! serde with validation, convert from the summary rows, and give the positional methods'
//! numbers.

use customer_value::btyd::{
    BgBb, BgNbd, DiscountRate, GgomNbd, History, MbgNbd, ParetoNbd, SummarySlices, TransactionModel,
};
use customer_value::{Error, TimeUnit};

fn models() -> Vec<Box<dyn TransactionModel>> {
    vec![
        Box::new(BgNbd::new(0.2425945, 4.4136019, 0.7929199, 2.4258881).unwrap()),
        Box::new(ParetoNbd::new(0.55315, 10.57633, 0.60625, 11.67150).unwrap()),
        Box::new(MbgNbd::new(0.525, 6.183, 0.891, 1.614).unwrap()),
        Box::new(GgomNbd::new(0.55, 10.58, 1e-4, 0.61, 11.67).unwrap()),
    ]
}

#[test]
fn a_swapped_call_is_caught_when_the_row_is_built() {
    // The positional call with recency and age swapped runs whenever the numbers happen
    // to satisfy t_x ≤ T, which a swap with t_x == T (or a near-tie) does not reveal;
    // a swap that violates it surfaces only deep in the model.
    let (x, tx, age) = (2, 30.43, 38.86);
    // Recency and age swapped: refused by the constructor, naming the field.
    let e = History::new(x, age, tx).unwrap_err();
    assert!(
        matches!(e, Error::InvalidParameter { name: "recency", .. }),
        "{e}"
    );
    // A time where the frequency goes is refused too (fractional, or non-finite).
    assert!(matches!(
        History::from_f64(tx, 2.0, age),
        Err(Error::InvalidParameter {
            name: "frequency",
            ..
        })
    ));
    // x = 0 with a recency, and a negative age.
    assert!(matches!(
        History::new(0, 1.0, age),
        Err(Error::InvalidParameter { name: "recency", .. })
    ));
    assert!(matches!(
        History::new(1, 0.0, -1.0),
        Err(Error::InvalidParameter { name: "age", .. })
    ));
    // The positional call with a frequency–recency swap computes a number: that is the
    // trap the typed row removes (`History::new(30.43, ..)` does not compile: doctest).
    let m = BgNbd::new(0.2425945, 4.4136019, 0.7929199, 2.4258881).unwrap();
    assert!(m.probability_alive(30.0, 2.0, 38.86).is_ok());
}

#[test]
fn typed_methods_give_the_positional_numbers() {
    let h = History::new(2, 30.43, 38.86).unwrap();
    let rate = DiscountRate::new(0.15, TimeUnit::YEAR).unwrap();
    for m in models() {
        let name = m.name();
        assert_eq!(
            m.probability_alive_for(h).unwrap(),
            m.probability_alive(2.0, 30.43, 38.86).unwrap(),
            "{name}"
        );
        assert_eq!(
            m.probability_alive_at_for(10.0, h).unwrap(),
            m.probability_alive_at(10.0, 2.0, 30.43, 38.86).unwrap(),
            "{name}"
        );
        assert_eq!(
            m.expected_purchases_for(39.0, h).unwrap(),
            m.expected_purchases(39.0, 2.0, 30.43, 38.86).unwrap(),
            "{name}"
        );
        assert_eq!(
            m.expected_purchases_curve_for(&[1.0, 39.0], h).unwrap(),
            m.expected_purchases_curve(&[1.0, 39.0], 2.0, 30.43, 38.86)
                .unwrap(),
            "{name}"
        );
        assert_eq!(
            m.log_likelihood_for(h).unwrap(),
            m.log_likelihood(2.0, 30.43, 38.86).unwrap(),
            "{name}"
        );
        assert_eq!(
            m.dert_for(rate, TimeUnit::WEEK, h).unwrap(),
            m.dert(rate, TimeUnit::WEEK, 2.0, 30.43, 38.86).unwrap(),
            "{name}"
        );
    }
    // Published: Fader, Hardie & Lee (2005), BG/NBD, customer (2, 30.43, 38.86): 1.226 in 39 weeks.
    let bg = BgNbd::new(0.2425945, 4.4136019, 0.7929199, 2.4258881).unwrap();
    assert!((bg.expected_purchases_for(39.0, h).unwrap() - 1.226).abs() < 1e-3);
    // Discrete time: BG/BB through the same door.
    let bb = BgBb::new(1.204, 0.750, 0.657, 2.783).unwrap();
    let d = History::new(4, 5.0, 6.0).unwrap();
    assert_eq!(
        bb.probability_alive_for(d).unwrap(),
        bb.probability_alive(4.0, 5.0, 6.0).unwrap()
    );
}

#[test]
fn history_round_trips_through_json_and_is_validated_on_load() {
    let h = History::new(2, 30.43, 38.86).unwrap();
    let json = serde_json::to_string(&h).unwrap();
    assert_eq!(json, r#"{"frequency":2,"recency":30.43,"age":38.86}"#);
    assert_eq!(serde_json::from_str::<History>(&json).unwrap(), h);
    // The summary row's field name `T` is accepted for the age.
    assert_eq!(
        serde_json::from_str::<History>(r#"{"frequency":2,"recency":30.43,"T":38.86}"#).unwrap(),
        h
    );
    assert!(serde_json::from_str::<History>(r#"{"frequency":2,"recency":40.0,"age":38.86}"#).is_err());
    assert!(serde_json::from_str::<History>(r#"{"frequency":-1,"recency":0.0,"age":38.86}"#).is_err());
}

#[test]
fn history_comes_from_the_summary_rows() {
    let rows = SummarySlices::new(&[2.0, 0.0, 1.0], &[30.43, 0.0, 9.0], &[38.86, 38.86, 5.0]).unwrap();
    assert_eq!(
        rows.history(0).unwrap().unwrap(),
        History::new(2, 30.43, 38.86).unwrap()
    );
    assert!(matches!(
        rows.history(2),
        Some(Err(Error::InvalidParameter { name: "recency", .. }))
    ));
    assert!(rows.history(3).is_none());
    assert_eq!(rows.histories().filter(Result::is_ok).count(), 2);
    assert_eq!(
        History::new(2, 30.43, 38.86).unwrap().time_since_last_purchase(),
        38.86 - 30.43
    );
}

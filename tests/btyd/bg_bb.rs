//! BG/BB on the donations data against Fader, Hardie & Shang (2010), the Fader & Hardie
//! notes and the BTYD package.

use customer_value::btyd::{BgBb, DiscreteSummaries, FitOptions};

fn donations() -> DiscreteSummaries {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/donations.csv")).unwrap();
    let (mut x, mut tx, mut n, mut w) = (vec![], vec![], vec![], vec![]);
    for line in text.lines().skip(1) {
        let v: Vec<f64> = line.split(',').map(|s| s.parse().unwrap()).collect();
        x.push(v[0] as u32);
        tx.push(v[1] as u32);
        n.push(v[2] as u32);
        w.push(v[3]);
    }
    DiscreteSummaries::from_weighted_rows(&x, &tx, &n, &w).unwrap()
}

fn published() -> BgBb {
    BgBb::new(1.2035, 0.7498, 0.6568, 2.7839).unwrap()
}

#[test]
fn fit_reproduces_fhs10() {
    let d = donations();
    assert_eq!(d.weight().iter().sum::<f64>(), 11_104.0);
    let fit = BgBb::fit(&d, &FitOptions::default()).unwrap();
    let m = fit.model;
    for (got, want) in [
        (m.alpha(), 1.2035),
        (m.beta(), 0.7498),
        (m.gamma(), 0.6568),
        (m.delta(), 2.7839),
    ] {
        assert!((got - want).abs() < 1e-3 * want, "{got} vs {want}");
    }
    assert!(
        (fit.log_likelihood - -33225.58).abs() < 0.01,
        "{}",
        fit.log_likelihood
    );
    assert!(fit.standard_errors.is_some());
}

#[test]
fn predictions_fhs10_notes_and_btyd() {
    let m = published();
    for ((x, tx), want) in [((0, 0), 0.11), ((2, 4), 0.59), ((6, 6), 0.93)] {
        let p = m.probability_alive_next(x, tx, 6).unwrap();
        assert!((p - want).abs() < 0.005, "({x}, {tx}): {p}");
    }
    let new = [
        0.4985, 0.9233, 1.2969, 1.6323, 1.9381, 2.2202, 2.4826, 2.7285, 2.9603, 3.1798, 3.3887,
    ];
    for (n, want) in (1..=11).zip(new) {
        let e = m.expected_transactions_new(n).unwrap();
        // Four decimals, computed by the notes from unrounded estimates.
        assert!((e - want).abs() < 1e-4 * want, "n = {n}: {e}");
    }
    let e = m.conditional_expected_transactions(10, 0, 0, 6).unwrap();
    assert!((e - 0.1302169).abs() < 1e-3 * 0.1302169, "{e}");
    let e = m.conditional_expected_transactions(10, 4, 5, 6).unwrap();
    assert!((e - 3.627858).abs() < 1e-3 * 3.627858, "{e}");
    // Expected donors with x repeat transactions in 6 periods, of 11,104.
    let p0 = 11_104.0 * m.probability_of_transactions(6, 0).unwrap();
    let p6 = 11_104.0 * m.probability_of_transactions(6, 6).unwrap();
    assert!((p0 - 3454.9).abs() < 0.5, "{p0}");
    assert!((p6 - 1253.1).abs() < 0.5, "{p6}");
    let total: f64 = (0..=6)
        .map(|x| m.probability_of_transactions(6, x).unwrap())
        .sum();
    assert!((total - 1.0).abs() < 1e-12);
    // Σ over all donors of the next 5 periods.
    let d = donations();
    let sum: f64 = (0..d.len())
        .map(|i| {
            d.weight()[i]
                * m.conditional_expected_transactions(5, d.frequency()[i], d.recency()[i], d.periods()[i])
                    .unwrap()
        })
        .sum();
    assert!((sum - 12_884.2).abs() < 1e-3 * 12_884.2, "{sum}");
}

#[test]
fn impossible_patterns_are_errors() {
    let m = published();
    assert!(m.probability_alive_next(3, 2, 6).is_err());
    assert!(m.probability_alive_next(0, 2, 6).is_err());
    assert!(m.probability_alive_next(2, 7, 6).is_err());
    assert!(m.probability_of_transactions(3, 4).is_err());
    assert!(DiscreteSummaries::from_weighted_rows(&[1], &[0], &[3], &[1.0]).is_err());
}

// ---------------------------------------------------------------------------------------
// P(alive at n + m), the TransactionModel implementation, CLV and DERT.
//
// Peer values at the parameters of `published()`, from Python lifetimes 0.11.3
// (`BetaGeoBetaBinomFitter`, run with numpy 2.4, scipy 1.17, pandas 3.1) and, where
// lifetimes cannot be used, mpmath 1.4.1 from FHS10's formulas at 50 digits:
//
//     import numpy as np, pandas as pd, mpmath as mp
//     from lifetimes import BetaGeoBetaBinomFitter
//     P = [1.2035, 0.7498, 0.6568, 2.7839]
//     f = BetaGeoBetaBinomFitter()
//     f.params_ = pd.Series(P, index=["alpha", "beta", "gamma", "delta"])
//     a = lambda v: np.array([v])
//     alive = lambda m, x, tx, n: f.conditional_probability_alive(m, a(x), a(tx), a(n))[0]
//     ce = lambda t, x, tx, n: f.conditional_expected_number_of_purchases_up_to_time(
//         t, a(x), a(tx), a(n))[0]
//     ll = lambda x, tx, n: BetaGeoBetaBinomFitter._loglikelihood(P, a(x), a(tx), a(n))[0]
//     # CLV: 50 per donation, 10 % per period, 5 periods, (4, 5, 6)
//     e = [0.0] + [ce(k, 4, 5, 6) for k in range(1, 6)]
//     clv = 50 * sum((e[k] - e[k - 1]) / 1.1**k for k in range(1, 6))
//     # mpmath: L(x, tx, n) is FHS10 eq. 5 with mp.beta; P(alive at n + m) is
//     # B(al+x, be+n-x)/B(al, be) * B(ga, de+n+m)/B(ga, de) / L; the conditional
//     # expectation (al+x)/(al+be+n) * sum_{k=1..t} P(alive at n + k); DERT(d) is
//     # B(al+x+1, be+n-x)/B(al, be) * B(ga, de+n+1)/((1+d) B(ga, de))
//     #   * hyp2f1(1, de+n+1, ga+de+n+1, 1/(1+d)) / L.
//
// lifetimes adds 1e-15 to the likelihood's death terms, which swamps them when they are
// below ~1e-13 (n = 1000 below), and its betas are those of scipy; mpmath covers those
// cases (and agrees with lifetimes to 1e-12 where both apply).

use customer_value::Error;
use customer_value::TimeUnit;
use customer_value::btyd::{
    ClvSpec, DiscountRate, History, Margin, SummarySlices, TransactionModel, check_transaction_model,
    clv_batch, expected_clv, survival_curve,
};
use proptest::prelude::*;

fn assert_rel(got: f64, want: f64, tol: f64, what: &str) {
    assert!(
        (got - want).abs() <= tol * want.abs(),
        "{what}: got {got}, want {want} (rel. error {:e})",
        (got - want).abs() / want.abs()
    );
}

/// (m, x, t_x, n, P(alive at n + m)), lifetimes `conditional_probability_alive`.
const ALIVE_LIFETIMES: [(u32, u32, u32, u32, f64); 14] = [
    (0, 0, 0, 6, 0.11623041060149722),
    (1, 0, 0, 6, 0.1081441316515186),
    (5, 0, 0, 6, 0.08605860626679857),
    (0, 6, 6, 6, 0.9999999999999893),
    (1, 6, 6, 6, 0.9304288876884032),
    (5, 6, 6, 6, 0.7404138540115341),
    (0, 2, 4, 6, 0.6337364089406737),
    (1, 2, 4, 6, 0.5896466620583201),
    (5, 2, 4, 6, 0.46922721697119885),
    (10, 4, 5, 6, 0.4515157966941272),
    (3, 3, 5, 10, 0.15114312365591365),
    (2, 0, 0, 0, 0.689437718266915),
    (100_000, 1, 1, 6, 0.00015971962231791737),
    (1_000_000_000, 6, 6, 6, 5.047510080467386e-06),
];

/// (t, x, t_x, n, E[transactions in n+1 … n+t]), lifetimes
/// `conditional_expected_number_of_purchases_up_to_time`.
const EXPECTED_LIFETIMES: [(u32, u32, u32, u32, f64); 9] = [
    (1, 0, 0, 6, 0.01636446034257586),
    (5, 0, 0, 6, 0.07286808939178897),
    (10, 0, 0, 6, 0.1302253657174059),
    (1, 6, 6, 6, 0.8427123951647394),
    (5, 6, 6, 6, 3.75245140120319),
    (10, 4, 5, 6, 3.627815559240477),
    (10, 2, 4, 6, 1.8900056656306423),
    (25, 3, 5, 10, 1.0070147946942327),
    (100, 1, 1, 6, 0.7116470247940577),
];

#[test]
fn probability_alive_at_matches_lifetimes() {
    let m = published();
    for (k, x, tx, n, want) in ALIVE_LIFETIMES {
        let got = m.probability_alive_at(k, x, tx, n).unwrap();
        assert_rel(got, want, 1e-6, &format!("P(alive at n + {k} | {x}, {tx}, {n})"));
        // The same through the trait.
        let dyn_m: &dyn TransactionModel = &m;
        let via_trait = dyn_m
            .probability_alive_at(f64::from(k), f64::from(x), f64::from(tx), f64::from(n))
            .unwrap();
        assert_eq!(via_trait, got);
    }
    // Who transacted at the last opportunity was alive there: exactly 1 (lifetimes'
    // 1 − 1.1e-14 comes from the 1e-15 it adds to the likelihood).
    assert_eq!(m.probability_alive_at(0, 6, 6, 6).unwrap(), 1.0);
    assert_eq!(m.probability_alive_at(0, 0, 0, 0).unwrap(), 1.0);
}

#[test]
fn long_horizons_and_long_histories_match_mpmath() {
    let m = published();
    for (k, x, tx, n, want) in [
        (0, 30, 900, 1000, 0.6247104723576821),
        (50, 30, 900, 1000, 0.6050580566060274),
        (0, 3, 900, 1000, 0.917152690163558),
        (u32::MAX, 6, 6, 6, 1.937979416451006e-6),
        (u32::MAX, 0, 0, 0, 8.870408980246015e-7),
    ] {
        let got = m.probability_alive_at(k, x, tx, n).unwrap();
        assert_rel(got, want, 1e-6, &format!("P(alive at n + {k} | {x}, {tx}, {n})"));
    }
    let e = m.conditional_expected_transactions(10, 30, 900, 1000).unwrap();
    assert_rel(e, 0.19385457429621623, 1e-6, "E[10 | 30, 900, 1000]");
    let ll = m.log_likelihood(30, 900, 1000).unwrap();
    assert_rel(ll, -143.3172751462685, 1e-9, "ln L(30, 900, 1000)");
}

#[test]
fn log_likelihood_matches_lifetimes() {
    let m = published();
    for (x, tx, n, want) in [
        (0, 0, 6, -1.1674885197304308),
        (2, 4, 6, -5.195533709586007),
        (6, 6, 6, -2.1818326886618937),
        (1, 1, 1, -0.6961083884574248),
    ] {
        assert_rel(m.log_likelihood(x, tx, n).unwrap(), want, 1e-9, "ln L");
        let dyn_m: &dyn TransactionModel = &m;
        let via_trait = dyn_m
            .log_likelihood(f64::from(x), f64::from(tx), f64::from(n))
            .unwrap();
        assert_eq!(via_trait, m.log_likelihood(x, tx, n).unwrap());
    }
}

#[test]
fn probability_alive_next_is_m_equal_1_bit_for_bit() {
    let m = published();
    let d = donations();
    let patterns = d
        .frequency()
        .iter()
        .zip(d.recency())
        .zip(d.periods())
        .map(|((&x, &tx), &n)| (x, tx, n))
        .chain([(0, 0, 0), (3, 5, 10), (30, 900, 1000)]);
    for (x, tx, n) in patterns {
        assert_eq!(
            m.probability_alive_next(x, tx, n).unwrap(),
            m.probability_alive_at(1, x, tx, n).unwrap(),
            "({x}, {tx}, {n})"
        );
    }
}

#[test]
fn conditional_expectation_matches_lifetimes() {
    let m = published();
    let dyn_m: &dyn TransactionModel = &m;
    for (t, x, tx, n, want) in EXPECTED_LIFETIMES {
        let got = m.conditional_expected_transactions(t, x, tx, n).unwrap();
        assert_rel(got, want, 1e-6, &format!("E[{t} | {x}, {tx}, {n}]"));
        let (tf, xf, txf, nf) = (f64::from(t), f64::from(x), f64::from(tx), f64::from(n));
        assert_eq!(dyn_m.expected_purchases(tf, xf, txf, nf).unwrap(), got);
    }
    // The curve equals the pointwise values bit for bit, horizons in any order.
    let times = [10.0, 0.0, 5.0, 1.0, 10.0];
    let curve = dyn_m.expected_purchases_curve(&times, 0.0, 0.0, 6.0).unwrap();
    for (&t, c) in times.iter().zip(curve) {
        assert_eq!(c, dyn_m.expected_purchases(t, 0.0, 0.0, 6.0).unwrap(), "t = {t}");
    }
}

#[test]
fn trait_maps_to_the_documented_quantities() {
    let m = published();
    let dyn_m: &dyn TransactionModel = &m;
    assert_eq!(dyn_m.name(), "bgbb");
    assert_eq!(
        dyn_m.parameters(),
        vec![
            ("alpha", 1.2035),
            ("beta", 0.7498),
            ("gamma", 0.6568),
            ("delta", 2.7839)
        ]
    );
    for n in 0..=11 {
        assert_eq!(
            dyn_m.expected_purchases_new(f64::from(n)).unwrap(),
            m.expected_transactions_new(n).unwrap()
        );
    }
    // P(alive) is at the end of observation, T = n: m = 0, not FHS10's next period.
    for (x, tx, n) in [(0, 0, 6), (2, 4, 6), (6, 6, 6)] {
        let (xf, txf, nf) = (f64::from(x), f64::from(tx), f64::from(n));
        let p = dyn_m.probability_alive(xf, txf, nf).unwrap();
        assert_eq!(p, m.probability_alive_at(0, x, tx, n).unwrap());
        assert_eq!(dyn_m.probability_alive_at(0.0, xf, txf, nf).unwrap(), p);
        assert!(m.probability_alive_next(x, tx, n).unwrap() < p);
    }
    // FHS10 Table 6 (next period) through the trait at t = 1.
    let next = dyn_m.probability_alive_at(1.0, 2.0, 4.0, 6.0).unwrap();
    assert!((next - 0.59).abs() < 0.005, "{next}");
}

fn whole_or_err(e: &Error, name: &str) -> bool {
    matches!(e, Error::InvalidParameter { name: n, .. } if *n == name)
}

#[test]
fn non_whole_inputs_are_errors_naming_the_argument() {
    let m = published();
    let dyn_m: &dyn TransactionModel = &m;
    for bad in [
        0.5,
        -1.0,
        f64::NAN,
        f64::INFINITY,
        4_294_967_296.0,
        1e300,
        6.0000001,
    ] {
        let e = dyn_m.expected_purchases_new(bad).unwrap_err();
        assert!(whole_or_err(&e, "t"), "{bad}: {e}");
        let e = dyn_m.expected_purchases(bad, 2.0, 4.0, 6.0).unwrap_err();
        assert!(whole_or_err(&e, "t"), "{bad}: {e}");
        let e = dyn_m.probability_alive_at(bad, 2.0, 4.0, 6.0).unwrap_err();
        assert!(whole_or_err(&e, "t"), "{bad}: {e}");
        let e = dyn_m
            .expected_purchases_curve(&[1.0, bad], 2.0, 4.0, 6.0)
            .unwrap_err();
        assert!(whole_or_err(&e, "t"), "{bad}: {e}");
        let e = dyn_m.probability_alive(bad, 4.0, 6.0).unwrap_err();
        assert!(whole_or_err(&e, "frequency"), "{bad}: {e}");
        let e = dyn_m.log_likelihood(2.0, bad, 6.0).unwrap_err();
        assert!(whole_or_err(&e, "recency"), "{bad}: {e}");
        let e = dyn_m.expected_purchases(1.0, 2.0, 4.0, bad).unwrap_err();
        assert!(whole_or_err(&e, "age"), "{bad}: {e}");
        let e = dyn_m
            .expected_if_alive_curve(&[1.0], 2.0, bad)
            .unwrap()
            .unwrap_err();
        assert!(whole_or_err(&e, "age"), "{bad}: {e}");
    }
    // Whole but impossible patterns, as the inherent methods.
    assert!(dyn_m.probability_alive(3.0, 2.0, 6.0).is_err());
    assert!(dyn_m.probability_alive(0.0, 2.0, 6.0).is_err());
    assert!(dyn_m.probability_alive(2.0, 7.0, 6.0).is_err());
    assert!(dyn_m.expected_if_alive_curve(&[1.0], 7.0, 6.0).unwrap().is_err());
}

/// The public conformance check runs its discrete-time grid (whole horizons, x ≤ t_x) on
/// BG/BB and holds it to refusing a fractional horizon.
#[test]
fn passes_the_public_conformance_check() {
    check_transaction_model(&published()).unwrap();
}

fn year() -> TimeUnit {
    TimeUnit::from_days(365.0).unwrap()
}

#[test]
fn clv_over_whole_periods_matches_lifetimes() {
    let m = published();
    let spec = ClvSpec::new(year(), 5.0, DiscountRate::new(0.10, year()).unwrap()).unwrap();
    let v = History::from_f64(4.0, 5.0, 6.0)
        .and_then(|h| expected_clv(&m, Margin::PerPurchase(50.0), &spec, h, 0.0))
        .unwrap();
    assert_rel(v, 77.79026528775746, 1e-6, "CLV(4, 5, 6)");
    // The batch (one expectation curve per (x, n), then P(alive)) agrees with the single
    // customer's value on every donations pattern.
    let d = donations();
    let to_f64 = |v: &[u32]| v.iter().map(|&u| f64::from(u)).collect::<Vec<_>>();
    let (x, tx, n) = (to_f64(d.frequency()), to_f64(d.recency()), to_f64(d.periods()));
    let rows = SummarySlices::new(&x, &tx, &n).unwrap();
    let batch = clv_batch(&m, Margin::PerPurchase(50.0), &spec, rows, &vec![0.0; x.len()]).unwrap();
    for i in 0..x.len() {
        let single = History::from_f64(x[i], tx[i], n[i])
            .and_then(|h| expected_clv(&m, Margin::PerPurchase(50.0), &spec, h, 0.0))
            .unwrap();
        assert_rel(batch[i], single, 1e-12, &format!("row {i}"));
    }
    // Half-period steps ask for E at t = 0.5: an error, not a rounded value.
    let halves = spec.with_step(0.5).unwrap();
    let e = History::from_f64(4.0, 5.0, 6.0)
        .and_then(|h| expected_clv(&m, Margin::PerPurchase(50.0), &halves, h, 0.0))
        .unwrap_err();
    assert!(whole_or_err(&e, "t"), "{e}");
    assert!(clv_batch(&m, Margin::PerPurchase(50.0), &halves, rows, &vec![0.0; x.len()]).is_err());
}

#[test]
fn dert_matches_fhs10_closed_form_in_mpmath() {
    let m = published();
    let dyn_m: &dyn TransactionModel = &m;
    let d = DiscountRate::new(0.10, year()).unwrap();
    for ((x, tx, n), want) in [
        ((4.0, 5.0, 6.0), 3.196925932998713),
        ((0.0, 0.0, 6.0), 0.11475799747749542),
        ((6.0, 6.0, 6.0), 5.909634958567012),
    ] {
        let got = dyn_m.dert(d, year(), x, tx, n).unwrap();
        assert_rel(got, want, 1e-9, &format!("DERT({x}, {tx}, {n})"));
        // DERT is the CLV of one unit per transaction without horizon.
        let spec = ClvSpec::new(year(), 3000.0, d).unwrap();
        let long = History::from_f64(x, tx, n)
            .and_then(|h| expected_clv(&m, Margin::PerPurchase(1.0), &spec, h, 0.0))
            .unwrap();
        assert_rel(long, got, 1e-9, "CLV over 3000 periods vs DERT");
    }
    assert!(dyn_m.dert(DiscountRate::zero(), year(), 4.0, 5.0, 6.0).is_err());
    assert!(dyn_m.dert(d, year(), 4.5, 5.0, 6.0).is_err());
}

#[test]
fn survival_curve_is_p_alive_later_over_p_alive_now() {
    let m = published();
    let s = survival_curve(&m, 2.0, 4.0, 6.0, 1.0, 5).unwrap();
    let now = m.probability_alive_at(0, 2, 4, 6).unwrap();
    for k in 1..=5 {
        let want = m.probability_alive_at(k, 2, 4, 6).unwrap() / now;
        assert_rel(
            customer_value::RetentionModel::survival(&s, k),
            want,
            1e-12,
            "S(k)",
        );
    }
    assert!(survival_curve(&m, 2.0, 4.0, 6.0, 0.5, 5).is_err());
}

/// A valid `(x, t_x, n)` with `n ≤ 2000`, edge cases (x = 0, t_x = n) over-represented.
fn pattern() -> impl Strategy<Value = (u32, u32, u32)> {
    pattern_with(0u32..=2000)
}

/// A valid `(x, t_x, n)` with `n` drawn from `periods`, edge cases (x = 0, t_x = n)
/// over-represented.
fn pattern_with(periods: impl Strategy<Value = u32>) -> impl Strategy<Value = (u32, u32, u32)> {
    (periods, 0.0f64..=1.0, 0.0f64..=1.0, 0u8..4).prop_map(|(n, a, b, kind)| {
        let tx = match kind {
            0 => 0,
            1 => n,
            _ => (a * f64::from(n)).round() as u32,
        };
        let x = if tx == 0 {
            0
        } else {
            1 + (b * f64::from(tx - 1)).round() as u32
        };
        (x, tx, n)
    })
}

fn model() -> impl Strategy<Value = BgBb> {
    ((-2.0f64..2.0), (-2.0f64..2.0), (-2.0f64..2.0), (-2.0f64..2.0)).prop_map(|(a, b, g, d)| {
        BgBb::new(10f64.powf(a), 10f64.powf(b), 10f64.powf(g), 10f64.powf(d)).unwrap()
    })
}

/// Any `f64` that is not a whole number in `0..=u32::MAX`.
fn not_whole() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<f64>().prop_filter("whole in range", |v| {
            !(v.is_finite() && *v >= 0.0 && v.fract() == 0.0 && *v <= f64::from(u32::MAX))
        }),
        (0u32..1000, 0.001f64..0.999).prop_map(|(w, f)| f64::from(w) + f),
        Just(f64::NAN),
        Just(-1.0),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn p_alive_later_is_a_probability_that_falls_with_m(
        bb in model(),
        (x, tx, n) in pattern(),
        m in prop_oneof![0u32..50, any::<u32>()],
        step in 1u32..1000,
    ) {
        let p0 = bb.probability_alive_at(0, x, tx, n).unwrap();
        let p = bb.probability_alive_at(m, x, tx, n).unwrap();
        let next = bb.probability_alive_at(m.saturating_add(1), x, tx, n).unwrap();
        let later = bb.probability_alive_at(m.saturating_add(step), x, tx, n).unwrap();
        for v in [p0, p, next, later] {
            prop_assert!((0.0..=1.0).contains(&v), "P = {v}");
        }
        prop_assert!(p <= p0 && next <= p && later <= next, "{p0} {p} {next} {later} at m = {m}");
        if tx == n {
            prop_assert_eq!(p0, 1.0);
        }
    }

    #[test]
    fn expectations_grow_with_the_horizon(
        bb in model(),
        (x, tx, n) in pattern(),
        t in 0u32..300,
        more in 0u32..300,
    ) {
        let e1 = bb.conditional_expected_transactions(t, x, tx, n).unwrap();
        let e2 = bb.conditional_expected_transactions(t + more, x, tx, n).unwrap();
        prop_assert!(e1.is_finite() && e1 >= 0.0 && e2 >= e1, "{e1} then {e2}");
        let n1 = bb.expected_transactions_new(t).unwrap();
        let n2 = bb.expected_transactions_new(t + more).unwrap();
        prop_assert!(n1.is_finite() && n1 >= 0.0 && n2 >= n1, "{n1} then {n2}");
        let dyn_m: &dyn TransactionModel = &bb;
        let curve = dyn_m
            .expected_purchases_curve(&[f64::from(t + more), f64::from(t)], f64::from(x), f64::from(tx), f64::from(n))
            .unwrap();
        prop_assert_eq!(curve, vec![e2, e1]);
    }

    #[test]
    fn non_whole_trait_inputs_are_errors(
        bb in model(),
        (x, tx, n) in pattern(),
        bad in not_whole(),
        which in 0usize..4,
    ) {
        let m: &dyn TransactionModel = &bb;
        let mut args = [1.0, f64::from(x), f64::from(tx), f64::from(n)];
        if let Some(a) = args.get_mut(which) {
            *a = bad;
        }
        let [t, x, tx, n] = args;
        prop_assert!(m.expected_purchases(t, x, tx, n).is_err());
        prop_assert!(m.probability_alive_at(t, x, tx, n).is_err());
        prop_assert!(m.expected_purchases_curve(&[t], x, tx, n).is_err());
        if which == 0 {
            prop_assert!(m.expected_purchases_new(t).is_err());
        } else {
            prop_assert!(m.probability_alive(x, tx, n).is_err());
            prop_assert!(m.log_likelihood(x, tx, n).is_err());
        }
    }
}

// ---------------------------------------------------------------------------------------
// Extreme parameters and long histories against mpmath 1.3.0 (60 digits; 250 for
// α = β = 1e100), FHS10's formulas:
//
//     import mpmath as mp; f = mp.mpf
//     lb = lambda a, b: mp.loggamma(a) + mp.loggamma(b) - mp.loggamma(a + b)
//     def parts(P, x, tx, n):
//         al, be, ga, de = map(f, P)
//         lnA = lambda m: lb(al+x, be+n-x) - lb(al, be) + lb(ga, de+n+m) - lb(ga, de)
//         lnD = lambda i: lb(al+x, be+tx-x+i) - lb(al, be) + lb(ga+1, de+tx+i) - lb(ga, de)
//         return al, be, ga, de, lnA, lnD
//     def f3(a, c, d, e):             # 3F2(1, a, c; d, e; 1) by its series (d >> |c| here)
//         term, s, k = f(1), f(1), 0
//         while abs(term) > f(10)**(-mp.mp.dps - 5) * abs(s):
//             term *= (a+k)*(c+k)/((d+k)*(e+k)); s += term; k += 1
//         return s
//     def death_sum(P, x, tx, n, K=2000):   # sum_{i < n-tx} D_i
//         al, be, ga, de, lnA, lnD = parts(P, x, tx, n); J = n - tx
//         direct = lambda a, b: mp.fsum(mp.exp(lnD(i)) for i in range(a, b))
//         if J <= K: return direct(0, J)
//         # tail sum_{i >= m} D_i by Thomae's relation (DLMF 16.4.11), checked against the
//         # plain sum of 5,000 terms (agree to 3e-58) and of all 999,990 terms at (3, 10, 1e6)
//         T = lambda m: (mp.exp(lnD(m)) * (de+tx+ga+m)/(al+x+ga)
//                        * f3(al+x, al+be-de, al+be+tx+m, al+x+ga+1))
//         return direct(0, K) + T(K) - T(J)
//     def alive(P, m, x, tx, n):      # P(alive at n + m), ln L
//         L = mp.exp(parts(P, x, tx, n)[4](0)) + death_sum(P, x, tx, n)
//         return mp.exp(parts(P, x, tx, n)[4](m)) / L, mp.log(L)
//     def expected_if_alive(P, t, x, n):   # FHS10 eq. 13 without P(alive); psi at ga = 1
//         al, be, ga, de = map(f, P); dp = de + n
//         s = (dp * (mp.psi(0, dp+1+t) - mp.psi(0, dp+1)) if ga == 1 else dp/(ga-1) * (1 -
//              mp.exp(mp.loggamma(ga+dp) + mp.loggamma(1+dp+t) - mp.loggamma(ga+dp+t)
//                     - mp.loggamma(1+dp))))
//         return (al+x)/(al+be+n) * s
//     # pmf(P, n, x): FHS10 eq. 8, the death-time sum term by term with the exact ratio
//     #   C(i+1,x)/C(i,x) * (be+i-x)/(al+be+i) * (de+i)/(ga+de+i+1).
//
// Before this fix (differences of large log-betas) the crate gave, at (2, 4, 6) with
// γ = δ = 1: P(alive) 0.441212 (α = β = 1e12), 0.5238 (1e14), 0.7143 and P(X(6) = 2) = 1
// (1e100); at (5e8, 999,999,990, 1e9) P(alive) 0.99999868870 and P(alive at n + 5) equal
// to it.

/// (α = β, P(alive at 6), P(alive at 7), ln L, P(X(6) = 2)) at (2, 4, 6), γ = δ = 1.
const LARGE_PARAMETERS: [(f64, f64, f64, f64, f64); 3] = [
    (
        1e8,
        0.4411764718209342,
        0.38602941284331743,
        -5.286482916695151,
        0.09300595202455357,
    ),
    (
        1e12,
        0.44117647058835857,
        0.38602941176481376,
        -5.286482908901813,
        0.09300595238091675,
    ),
    (
        1e100,
        0.4411764705882353,
        0.3860294117647059,
        -5.286482908901034,
        0.09300595238095238,
    ),
];

#[test]
fn huge_alpha_and_beta_match_mpmath() {
    for (a, alive, next, ll, pmf) in LARGE_PARAMETERS {
        let m = BgBb::new(a, a, 1.0, 1.0).unwrap();
        let what = |s: &str| format!("{s} at α = β = {a:e}");
        assert_rel(
            m.probability_alive_at(0, 2, 4, 6).unwrap(),
            alive,
            1e-13,
            &what("P(alive)"),
        );
        assert_rel(
            m.probability_alive_at(1, 2, 4, 6).unwrap(),
            next,
            1e-13,
            &what("P(alive next)"),
        );
        assert_rel(m.log_likelihood(2, 4, 6).unwrap(), ll, 1e-13, &what("ln L"));
        assert_rel(
            m.probability_of_transactions(6, 2).unwrap(),
            pmf,
            1e-13,
            &what("P(X(6) = 2)"),
        );
    }
}

/// (m, x, t_x, n, P(alive at n + m), 1 − P, ln L) at the donations parameters.
const LONG_HISTORIES: [(u32, u32, u32, u32, f64, f64, f64); 9] = [
    (
        0,
        500_000_000,
        999_999_990,
        1_000_000_000,
        0.999998656188923,
        1.343811076972986e-06,
        -693147203.7776952,
    ),
    (
        5,
        500_000_000,
        999_999_990,
        1_000_000_000,
        0.9999986529049275,
        1.3470950725377292e-06,
        -693147203.7776952,
    ),
    (
        0,
        500_000,
        999_000,
        1_000_000,
        4.30010301661452e-296,
        1.0,
        -692482.3008735919,
    ),
    (
        10,
        500_000,
        999_000,
        1_000_000,
        4.3000747738456487e-296,
        1.0,
        -692482.3008735919,
    ),
    (
        0,
        499_999,
        999_999,
        1_000_000,
        0.9999986864047865,
        1.313595213521165e-06,
        -693162.4074197322,
    ),
    (
        0,
        3,
        10,
        1_000_000,
        3.306264544373661e-24,
        1.0,
        -10.531393336645491,
    ),
    (
        7,
        3,
        10,
        1_000_000,
        3.306249343619647e-24,
        1.0,
        -10.531393336645491,
    ),
    (0, 2, 5, u32::MAX, 2.3562963282883576e-34, 1.0, -6.80772738724768),
    (
        0,
        1,
        1,
        100_000_000,
        2.4917502263989012e-22,
        1.0,
        -2.34916904205018,
    ),
];

#[test]
fn long_histories_match_mpmath_to_the_last_digits_of_one_minus_p() {
    let m = published();
    for (k, x, tx, n, p, one_minus_p, ll) in LONG_HISTORIES {
        let what = format!("({k}, {x}, {tx}, {n})");
        let got = m.probability_alive_at(k, x, tx, n).unwrap();
        assert_rel(got, p, 2e-13, &format!("P(alive) {what}"));
        if one_minus_p < 1e-3 {
            // The common factor cancels analytically, so 1 − P keeps f64's digits.
            assert_rel(1.0 - got, one_minus_p, 1e-9, &format!("1 − P(alive) {what}"));
        }
        assert_rel(
            m.log_likelihood(x, tx, n).unwrap(),
            ll,
            1e-13,
            &format!("ln L {what}"),
        );
    }
    // Alive later is less likely, even 5 opportunities after a billion.
    let now = m
        .probability_alive_at(0, 500_000_000, 999_999_990, 1_000_000_000)
        .unwrap();
    let later = m
        .probability_alive_at(5, 500_000_000, 999_999_990, 1_000_000_000)
        .unwrap();
    assert!(later < now, "{later} vs {now}");
    // Slowly falling terms (summed by panels) at other parameters, same script.
    let slow = BgBb::new(3.0, 1000.0, 0.5, 500.0).unwrap();
    for (k, x, tx, n, p, ll) in [
        (0, 2, 5, 2_000_000, 3.389571633938661e-18, -13.256189697845723),
        (3, 2, 5, 2_000_000, 3.3895690923978624e-18, -13.256189697845723),
        (0, 40, 100, 3_000_000, 5.862004244433904e-149, -166.54974691625313),
    ] {
        let what = format!("({k}, {x}, {tx}, {n}) at (3, 1000, 0.5, 500)");
        assert_rel(
            slow.probability_alive_at(k, x, tx, n).unwrap(),
            p,
            2e-13,
            &format!("P(alive) {what}"),
        );
        assert_rel(
            slow.log_likelihood(x, tx, n).unwrap(),
            ll,
            1e-13,
            &format!("ln L {what}"),
        );
    }
    for ((n, x), want) in [
        ((30_000, 2), 0.08081158136859141),
        ((30_000, 600), 1.9190924957850274e-09),
    ] {
        let got = slow.probability_of_transactions(n, x).unwrap();
        assert_rel(
            got,
            want,
            1e-12,
            &format!("P(X({n}) = {x}) at (3, 1000, 0.5, 500)"),
        );
    }
    // A nearly constant log-slope of −0.0011 per term over 76,000 terms (huge parameters,
    // x = t_x = 0, n = 3,192,373,953); mpmath sums the terms one by one with their exact
    // ratio (b+i)(d+i)/((b+a+i)(d+g+i)) from D_0 = γ/(γ+δ) until they are 1e-40 of the sum.
    let huge = BgBb::new(
        1.704222910349743e44,
        4.875511138624993e47,
        2.9761152296745697e21,
        3.849384761527271e24,
    )
    .unwrap();
    assert_rel(
        huge.log_likelihood(0, 0, 3_192_373_953).unwrap(),
        -0.3729115344419122,
        1e-13,
        "ln L at huge parameters",
    );
}

#[test]
fn long_horizon_expectations_match_mpmath() {
    let m = published();
    for ((t, x, tx, n), want) in [
        ((10, 500_000, 999_000, 1_000_000), 2.150044716999459e-295),
        ((u32::MAX, 30, 900, 1000), 10674.72748664964),
        ((1_000_000, 3, 10, 1_000_000), 1.087561152851724e-23),
    ] {
        let got = m.conditional_expected_transactions(t, x, tx, n).unwrap();
        assert_rel(got, want, 1e-12, &format!("E[{t} | {x}, {tx}, {n}]"));
    }
    // New customers at 1, 1000 and u32::MAX opportunities; γ = 1 (0/0 in FHS10's form) and
    // next to it, and a small γ (a heavy dropout tail).
    for (gamma, want) in [
        (
            0.6568,
            [0.49852158607707125, 31.231845236220888, 6834.644150255601],
        ),
        (1.0, [0.4533056426478974, 9.808215148392204, 35.999728685231524]),
        (
            1.0 + 1e-9,
            [0.4533056425280989, 9.808215120091191, 35.9997283071934],
        ),
        (0.01, [0.6139315012045453, 585.5797456678392, 2159245192.202726]),
    ] {
        let bb = BgBb::new(1.2035, 0.7498, gamma, 2.7839).unwrap();
        for (t, w) in [1, 1000, u32::MAX].into_iter().zip(want) {
            let got = bb.expected_transactions_new(t).unwrap();
            assert_rel(got, w, 1e-12, &format!("E[X({t})] at γ = {gamma}"));
        }
    }
}

#[test]
fn transaction_counts_of_long_periods_match_mpmath() {
    let m = published();
    for ((n, x), want) in [
        ((100_000, 3), 0.05930843137875863),
        ((100_000, 50_000), 2.0207095600141174e-08),
        ((20_000, 0), 0.2871833285241115),
        ((6, 2), 0.1214817086422575),
    ] {
        let got = m.probability_of_transactions(n, x).unwrap();
        assert_rel(got, want, 1e-12, &format!("P(X({n}) = {x})"));
    }
}

#[test]
fn histories_of_u32_max_opportunities_are_cheap() {
    // One opportunity per term would be ~4e9 terms per call; the sums take a few thousand.
    let m = published();
    let start = std::time::Instant::now();
    for k in 0..20_u32 {
        let (x, tx, n) = (k + 1, 10 * k + 1, u32::MAX - k);
        let p = m.probability_alive_at(k, x, tx, n).unwrap();
        let ll = m.log_likelihood(x, tx, n).unwrap();
        let e = m.conditional_expected_transactions(u32::MAX, x, tx, n).unwrap();
        let pmf = m.probability_of_transactions(n, x).unwrap();
        assert!(p > 0.0 && p < 1.0 && ll.is_finite() && e > 0.0 && pmf > 0.0 && pmf < 1.0);
    }
    assert!(start.elapsed().as_secs() < 30, "{:?}", start.elapsed());
}

fn wide_model() -> impl Strategy<Value = BgBb> {
    let exponent = || -323.0f64..300.0;
    (exponent(), exponent(), exponent(), exponent()).prop_map(|(a, b, g, d)| {
        BgBb::new(10f64.powf(a), 10f64.powf(b), 10f64.powf(g), 10f64.powf(d)).unwrap()
    })
}

/// A valid pattern with `n` anywhere up to `u32::MAX`.
fn wide_pattern() -> impl Strategy<Value = (u32, u32, u32)> {
    pattern_with(any::<u32>())
}

/// Outputs are finite, probabilities in [0, 1], expectations ≥ 0, and never an error:
/// every value is finite for parameters from 10⁻³²³ (subnormal) to 10³⁰⁰.
fn sound(r: Result<f64, Error>, probability: bool) -> Result<(), TestCaseError> {
    match r {
        Ok(v) => {
            prop_assert!(v.is_finite() && v >= 0.0, "{v}");
            if probability {
                prop_assert!(v <= 1.0, "{v}");
            }
        }
        // With parameters up to 10³⁰⁰ no sum overflows and every value is finite.
        Err(e) => prop_assert!(false, "{e}"),
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn outputs_are_finite_for_parameters_from_subnormal_to_1e300(
        bb in wide_model(),
        (x, tx, n) in wide_pattern(),
        m in any::<u32>(),
        t in any::<u32>(),
    ) {
        sound(bb.probability_alive_at(m, x, tx, n), true)?;
        sound(bb.probability_alive_at(0, x, tx, n), true)?;
        sound(bb.probability_of_transactions(n, x), true)?;
        sound(bb.expected_transactions_new(t), false)?;
        sound(bb.conditional_expected_transactions(t, x, tx, n), false)?;
        match bb.log_likelihood(x, tx, n) {
            Ok(v) => prop_assert!(v.is_finite() && v <= 1e-9, "ln L = {v}"),
            Err(e) => prop_assert!(false, "{e}"),
        }
        let dyn_m: &dyn TransactionModel = &bb;
        sound(dyn_m.expected_purchases_new(f64::from(t)), false)?;
        if let Some(curve) = dyn_m.expected_if_alive_curve(&[f64::from(t)], f64::from(x), f64::from(n)) {
            match curve {
                Ok(v) => prop_assert!(v.iter().all(|e| e.is_finite() && *e >= 0.0), "{v:?}"),
                Err(e) => prop_assert!(false, "{e}"),
            }
        }
    }
}

// mpmath 1.4.1 at 80 digits, inputs the exact f64 values, for the three tests below:
//
// ```text
// import mpmath as mp; mp.mp.dps = 80; f = mp.mpf
// lb = lambda a, b: mp.loggamma(a) + mp.loggamma(b) - mp.loggamma(a + b)
// def e_new(g, n=10):  # α = β = 1, γ = δ = g: α/(α+β) Σ_{k=1}^{n} B(γ, δ+k)/B(γ, δ)
//     g = f(g); return sum(mp.rf(g, k) / mp.rf(2 * g, k) for k in range(1, n + 1)) / 2
// def p_x(al, be, ga, de, n, x):  # FHS10 eq. 8
//     al, be, ga, de = map(f, (al, be, ga, de))
//     p = mp.binomial(n, x) * mp.exp(lb(al+x, be+n-x) - lb(al, be) + lb(ga, de+n) - lb(ga, de))
//     for i in range(x, n):
//         p += mp.binomial(i, x) * mp.exp(lb(al+x, be+i-x) - lb(al, be) + lb(ga+1, de+i) - lb(ga, de))
//     return p
// def ln_l(al, be, ga, de, x, tx, n):  # FHS10 eq. 5
//     al, be, ga, de = map(f, (al, be, ga, de))
//     l = mp.exp(lb(al+x, be+n-x) - lb(al, be) + lb(ga, de+n) - lb(ga, de))
//     for i in range(n - tx):
//         l += mp.exp(lb(al+x, be+tx-x+i) - lb(al, be) + lb(ga+1, de+tx+i) - lb(ga, de))
//     return mp.log(l)
// ```

/// γ + δ ≪ 1, where γ − 1 < 0 rebuilt γ + δ as (δ + 1) + (γ − 1): α = β = 1, γ = δ,
/// 10 opportunities. Before the reflection: 3e-5 relative error at 1e-12, 2.370 at 1e-15
/// and an `Undefined` error at 1e-17. Now ~2e-14 (Λ ≈ 35 goes through exp); subnormal
/// γ + δ, where Δ₂/(1 − γ) ~ 1/(γ + δ) overflows, through Δ₂ itself.
#[test]
fn expectations_with_tiny_gamma_and_delta_match_mpmath() {
    for (g, want) in [
        (1e-4, 2.4995178603985204),
        (1e-12, 2.4999999999951776),
        (1e-15, 2.499999999999995),
        (1e-17, 2.5),
        (1e-300, 2.5),
        (1e-310, 2.5),
        (5e-324, 2.5),
    ] {
        let m = BgBb::new(1.0, 1.0, g, g).unwrap();
        assert_rel(
            m.expected_transactions_new(10).unwrap(),
            want,
            5e-14,
            &format!("E[X(10)], γ = δ = {g:e}"),
        );
        assert_rel(
            m.conditional_expected_transactions(10, 0, 0, 0).unwrap(),
            want,
            5e-14,
            &format!("E[X(0, 10] | 0, 0, 0], γ = δ = {g:e}"),
        );
    }
}

/// P(X(n) = x) with β ≪ 1 or α + β < 1 (shifts β − 1 and α + β − 1) and with δ = 10⁸.
/// Before the reflected pairing: relative errors of 1e-5 to 2e-5 at β = 10⁻¹².
#[test]
fn transaction_counts_with_small_beta_match_mpmath() {
    let cases: [(f64, f64, f64, f64, u32, u32, f64); 70] = [
        (1.0, 1e-12, 1.0, 1.0, 10, 0, 0.5000000000002546),
        (1.0, 1e-12, 1.0, 1.0, 10, 1, 0.16666666666664412),
        (1.0, 1e-12, 1.0, 1.0, 10, 5, 0.023809523809518403),
        (1.0, 1e-12, 1.0, 1.0, 10, 10, 0.09090909090882464),
        (1.0, 1e-12, 1.0, 1.0, 100, 3, 0.04999999999997255),
        (0.5, 1e-12, 0.7, 2.0, 10, 0, 0.2592592592600152),
        (0.5, 1e-12, 0.7, 2.0, 10, 1, 0.14014014014019865),
        (0.5, 1e-12, 0.7, 2.0, 10, 5, 0.03650285276867466),
        (0.5, 1e-12, 0.7, 2.0, 10, 10, 0.27364742259770203),
        (0.5, 1e-12, 0.7, 2.0, 100, 3, 0.06277273914447244),
        (1e-12, 1e-12, 1.0, 1.0, 10, 0, 0.7499999999996727),
        (1e-12, 1e-12, 1.0, 1.0, 10, 1, 0.08333333333357205),
        (1e-12, 1e-12, 1.0, 1.0, 10, 5, 0.011904761904775869),
        (1e-12, 1e-12, 1.0, 1.0, 10, 10, 0.045454545454416864),
        (1e-12, 1e-12, 1.0, 1.0, 100, 3, 0.02500000000002794),
        (1.0, 1.0, 1.0, 1e8, 10, 0, 0.09090911110786356),
        (1.0, 1.0, 1.0, 1e8, 10, 1, 0.09090910110786366),
        (1.0, 1.0, 1.0, 1e8, 10, 5, 0.090909088274531),
        (1.0, 1.0, 1.0, 1e8, 10, 10, 0.09090908181818273),
        (1.0, 1.0, 1.0, 1e8, 100, 3, 0.009901013738452482),
        (1e-9, 1.0, 1.0, 1e8, 10, 0, 0.9999999970710318),
        (1e-9, 1.0, 1.0, 1e8, 10, 1, 9.99999987071032e-10),
        (1e-9, 1.0, 1.0, 1e8, 10, 5, 1.9999998983087353e-10),
        (1e-9, 1.0, 1.0, 1e8, 10, 10, 9.999998999000101e-11),
        (1e-9, 1.0, 1.0, 1e8, 100, 3, 3.3333332210420813e-10),
        (0.3, 1.0, 2.0, 1e8, 10, 0, 0.4413386241622884),
        (0.3, 1.0, 2.0, 1e8, 10, 1, 0.13240158124868665),
        (0.3, 1.0, 2.0, 1e8, 10, 5, 0.046812890537295516),
        (0.3, 1.0, 2.0, 1e8, 10, 10, 0.029126207766991194),
        (0.3, 1.0, 2.0, 1e8, 100, 3, 0.03363698904013852),
        (2.0, 0.5, 0.5, 1e8, 10, 0, 0.006211186956521647),
        (2.0, 0.5, 0.5, 1e8, 10, 1, 0.013076174795684669),
        (2.0, 0.5, 0.5, 1e8, 10, 5, 0.05205079181698607),
        (2.0, 0.5, 0.5, 1e8, 10, 10, 0.38776459182502926),
        (2.0, 0.5, 0.5, 1e8, 100, 3, 0.00029860492498469496),
        (0.3, 0.6, 1.0, 1e8, 10, 0, 0.3569537773012915),
        (0.3, 0.6, 1.0, 1e8, 10, 1, 0.11154805428531887),
        (0.3, 0.6, 1.0, 1e8, 10, 5, 0.04937101931199944),
        (0.3, 0.6, 1.0, 1e8, 10, 10, 0.0891798884784654),
        (0.3, 0.6, 1.0, 1e8, 100, 3, 0.027256296007226885),
        (1.0, 1e-12, 1.0, 1e8, 10, 0, 1.0000099900018291e-08),
        (1.0, 1e-12, 1.0, 1e8, 10, 1, 1.0000110811117186e-08),
        (1.0, 1e-12, 1.0, 1e8, 10, 5, 1.000019889997809e-08),
        (1.0, 1e-12, 1.0, 1e8, 10, 9, 1.0000998099871978e-08),
        (1.0, 1e-12, 1.0, 1e8, 100, 3, 1.0000009609301213e-08),
        (0.5, 1e-12, 1.0, 1e8, 10, 0, 1.0000567446416582e-08),
        (0.5, 1e-12, 1.0, 1e8, 10, 1, 1.0000315003543904e-08),
        (0.5, 1e-12, 1.0, 1e8, 10, 5, 1.0000278239197303e-08),
        (0.5, 1e-12, 1.0, 1e8, 10, 9, 1.0001050731432338e-08),
        (0.5, 1e-12, 1.0, 1e8, 100, 3, 1.0000056473702355e-08),
        (1e-12, 1e-12, 0.5, 1e8, 10, 0, 0.5000000024985855),
        (1e-12, 1e-12, 0.5, 1e8, 10, 1, 2.5005555055545717e-09),
        (1e-12, 1e-12, 0.5, 1e8, 10, 5, 2.500199799992013e-09),
        (1e-12, 1e-12, 0.5, 1e8, 10, 9, 2.500555205521022e-09),
        (1e-12, 1e-12, 0.5, 1e8, 100, 3, 2.500171696309053e-09),
        (0.5, 1.0, 0.5, 1e8, 10, 0, 0.2702601934371868),
        (0.5, 1.0, 0.5, 1e8, 10, 1, 0.13513009421859343),
        (0.5, 1.0, 0.5, 1e8, 10, 5, 0.06650934070915156),
        (0.5, 1.0, 0.5, 1e8, 10, 9, 0.050125311040100394),
        (0.5, 1.0, 0.5, 1e8, 100, 3, 0.02759128372032968),
        (3.0, 1.0, 0.001, 1e8, 10, 0, 0.0034965035109265734),
        (3.0, 1.0, 0.001, 1e8, 10, 1, 0.01048951050277972),
        (3.0, 1.0, 0.001, 1e8, 10, 5, 0.07342657342945805),
        (3.0, 1.0, 0.001, 1e8, 10, 9, 0.19230769229096153),
        (3.0, 1.0, 0.001, 1e8, 100, 3, 5.654478989440167e-05),
        (0.2, 1.0, 1.0, 1e8, 10, 0, 0.5725724746334223),
        (0.2, 1.0, 1.0, 1e8, 10, 1, 0.11451449292668447),
        (0.2, 1.0, 1.0, 1e8, 10, 5, 0.033859643507762174),
        (0.2, 1.0, 1.0, 1e8, 10, 9, 0.021312871061381248),
        (0.2, 1.0, 1.0, 1e8, 100, 3, 0.03212811993683097),
    ];
    let mut worst = 0.0_f64;
    for (a, b, g, d, n, x, want) in cases {
        let got = BgBb::new(a, b, g, d)
            .unwrap()
            .probability_of_transactions(n, x)
            .unwrap();
        worst = worst.max((got - want).abs() / want);
        assert_rel(
            got,
            want,
            1e-13,
            &format!("P(X({n}) = {x}) at ({a}, {b}, {g}, {d})"),
        );
    }
    eprintln!("worst relative error of P(X(n) = x): {worst:e}");
}

/// α at and below the smallest normal number (β = γ = δ = 1): finite log-likelihoods
/// that were errors when α/x-type ratios overflowed.
#[test]
fn log_likelihood_with_subnormal_alpha_matches_mpmath() {
    for (a, x, tx, n, want) in [
        (1e-320, 0, 0, 10, 0.0),
        (1e-320, 2, 5, 10, -742.4962804171862),
        (1e-320, 10, 10, 10, -741.5277212567663),
        (5e-324, 0, 0, 10, 0.0),
        (5e-324, 2, 5, 10, -750.1091114475936),
        (5e-324, 10, 10, 10, -749.1405522871737),
        (1e-300, 0, 0, 10, 0.0),
        (1e-300, 2, 5, 10, -696.444567424426),
        (1e-300, 10, 10, 10, -695.4760082640062),
    ] {
        let got = BgBb::new(a, 1.0, 1.0, 1.0)
            .unwrap()
            .log_likelihood(x, tx, n)
            .unwrap();
        assert!(
            (got - want).abs() <= 1e-13 * want.abs().max(1.0),
            "ln L({x}, {tx}, {n}) at α = {a:e}: {got} vs {want}"
        );
    }
}

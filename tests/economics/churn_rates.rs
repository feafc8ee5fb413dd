//! Churn rate conventions, revenue churn and conversions against the reference table
//! (shared data README: churn methods, annualised churn, lifetime, ChartMogul revenue
//! churn) and seed 002, with order-invariance and shard-merge laws and bad input.

use chrono::NaiveDate;
use customer_value::Error;
use customer_value::churn::{
    ChurnCounts, ChurnMethod, CurrentPeriod, CustomerRevenue, RevenueBridge, RevenueMovements, convert_churn,
    lifetime, lifetime_from_retention,
};
use customer_value::retention::Subscription;
use proptest::prelude::*;
use rust_decimal::Decimal;

fn day(n: i64) -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 4, 1).unwrap() + chrono::Duration::days(n)
}

/// The reference month: 100 at start, 8 churn on day 15, 20 join on day 10, 2 of those
/// churn on day 20, 30 days (days numbered from 0; `end` is the first day gone).
fn reference_subscriptions() -> Vec<Subscription> {
    let before = day(-100);
    let mut subs = Vec::new();
    subs.extend((0..92).map(|_| Subscription::new(before, None).unwrap()));
    subs.extend((0..8).map(|_| Subscription::new(before, Some(day(15))).unwrap()));
    subs.extend((0..18).map(|_| Subscription::new(day(10), None).unwrap()));
    subs.extend((0..2).map(|_| Subscription::new(day(10), Some(day(20))).unwrap()));
    subs
}

fn close(a: Option<f64>, b: f64, tol: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < tol)
}

/// A bridge claiming more lost revenue than there was is refused (it gave a gross revenue
/// retention of −4).
#[test]
fn a_bridge_cannot_lose_more_than_start() {
    let d = Decimal::from;
    let bad = RevenueBridge {
        start: d(10),
        new: d(100),
        contraction: d(50),
        end: d(60),
        ..RevenueBridge::default()
    };
    let err = bad.checked().unwrap_err().to_string();
    assert!(err.contains("churned + contraction"), "{err}");
}

#[test]
fn reference_month_under_every_convention() {
    let c = ChurnCounts::from_subscriptions(&reference_subscriptions(), day(0), day(30)).unwrap();
    assert_eq!(
        (c.start, c.new, c.lost_from_start, c.lost_from_new),
        (100, 20, 8, 2)
    );
    assert_eq!((c.end(), c.customer_days, c.period_days), (110, 3260, 30));
    assert!(close(c.rate(ChurnMethod::NetCustomerChange), -0.10, 1e-15));
    assert!(close(c.rate(ChurnMethod::Simple), 0.10, 1e-15));
    assert!(close(c.rate(ChurnMethod::ChartMogul), 0.08, 1e-15));
    assert!(close(c.rate(ChurnMethod::Stripe), 0.08333, 5e-6));
    assert!(close(c.rate(ChurnMethod::AverageBase), 0.09524, 5e-6));
    assert!(close(
        c.rate(ChurnMethod::CustomerDays),
        10.0 / 3260.0 * 30.0,
        1e-15
    ));
    assert!(close(c.rate(ChurnMethod::CustomerDays), 0.09202, 5e-6));
    // The same figures typed in directly.
    let direct = ChurnCounts::new(100, 20, 8, 2)
        .unwrap()
        .with_exposure(3260, 30)
        .unwrap();
    assert_eq!(direct, c);
}

#[test]
fn retention_is_one_minus_churn_only_for_shares() {
    let c = ChurnCounts::new(100, 20, 8, 2)
        .unwrap()
        .with_exposure(3260, 30)
        .unwrap();
    assert!(close(c.retention(ChurnMethod::ChartMogul), 0.92, 1e-15));
    assert!(close(c.retention(ChurnMethod::Stripe), 110.0 / 120.0, 1e-15));
    for m in [
        ChurnMethod::NetCustomerChange,
        ChurnMethod::Simple,
        ChurnMethod::AverageBase,
        ChurnMethod::CustomerDays,
    ] {
        assert_eq!(c.retention(m), None, "{m:?}");
    }
}

#[test]
fn zero_denominators_are_none_never_nan() {
    let empty = ChurnCounts::default();
    for m in ChurnMethod::ALL {
        assert_eq!(empty.rate(m), None, "{m:?}");
    }
    // Exposure unknown.
    let c = ChurnCounts::new(10, 0, 1, 0).unwrap();
    assert_eq!(c.rate(ChurnMethod::CustomerDays), None);
    // Revenue: no starting revenue.
    let b = RevenueBridge::new(
        Decimal::ZERO,
        Decimal::TEN,
        Decimal::ZERO,
        Decimal::ZERO,
        Decimal::ZERO,
        Decimal::ZERO,
        Decimal::TEN,
    )
    .unwrap();
    assert_eq!(b.gross_revenue_churn(), None);
    assert_eq!(b.net_revenue_retention(), None);
}

#[test]
fn chartmogul_revenue_churn_example() {
    let d = Decimal::from;
    let b = RevenueBridge::new(d(100), d(0), d(10), d(0), d(10), d(10), d(90)).unwrap();
    assert_eq!(b.gross_revenue_churn(), Some(Decimal::new(2, 1)));
    assert_eq!(b.net_revenue_churn(), Some(Decimal::new(1, 1)));
    assert_eq!(b.gross_revenue_retention(), Some(Decimal::new(8, 1)));
    assert_eq!(b.net_revenue_retention(), Some(Decimal::new(9, 1)));
    // The same from per-customer revenue: 3 customers of 40/30/30.
    let row = |s: i64, e: i64| CustomerRevenue {
        start: d(s),
        end: d(e),
        previously_active: false,
    };
    let from_rows =
        RevenueBridge::from_customers(&[row(40, 50), row(30, 20), row(30, 30), row(0, 0)]).unwrap();
    assert_eq!(from_rows.contraction, d(10));
    assert_eq!(from_rows.expansion, d(10));
    let churned =
        RevenueBridge::from_customers(&[row(40, 50), row(30, 20), row(10, 0), row(20, 20)]).unwrap();
    assert_eq!(churned, b);
}

#[test]
fn net_negative_churn_and_reactivation() {
    let d = Decimal::from;
    let b = RevenueBridge::new(d(100), d(5), d(30), d(10), d(5), d(10), d(130)).unwrap();
    assert_eq!(b.net_revenue_churn(), Some(Decimal::new(-25, 2)));
    assert_eq!(b.net_revenue_retention(), Some(Decimal::new(125, 2)));
    assert_eq!(
        b.net_revenue_retention_excluding_reactivation(),
        Some(Decimal::new(115, 2))
    );
}

#[test]
fn bridge_that_does_not_add_up_is_refused() {
    let d = Decimal::from;
    assert!(matches!(
        RevenueBridge::new(d(100), d(0), d(10), d(0), d(10), d(10), d(91)),
        Err(Error::InvalidParameter { name: "end", .. })
    ));
    assert!(RevenueBridge::new(d(100), d(-1), d(10), d(0), d(10), d(10), d(89)).is_err());
    let neg = CustomerRevenue {
        start: d(-5),
        end: d(1),
        previously_active: false,
    };
    assert!(matches!(
        RevenueBridge::from_customers(&[neg]),
        Err(Error::InvalidRow { row: 0, .. })
    ));
    let huge = CustomerRevenue {
        start: Decimal::MAX,
        end: Decimal::MAX,
        previously_active: false,
    };
    assert!(matches!(
        RevenueBridge::from_customers(&[huge, huge]),
        Err(Error::Overflow { .. })
    ));
}

#[test]
fn conversions_and_lifetimes() {
    // 5 % a month → 45.964 % a year, not 60 %.
    assert!((convert_churn(0.05, 12.0).unwrap() - 0.45964).abs() < 5e-6);
    assert!((convert_churn(0.45964, 1.0 / 12.0).unwrap() - 0.05).abs() < 1e-5);
    assert!((convert_churn(0.3, 1.0).unwrap() - 0.3).abs() < 1e-15);
    // Seed 002: 20 % churn → 5 years; 90 % retention → 10; 5 % → 20 periods (current counted).
    assert!((lifetime(0.2, CurrentPeriod::Counted).unwrap() - 5.0).abs() < 1e-12);
    assert!((lifetime_from_retention(0.9, CurrentPeriod::Counted).unwrap() - 10.0).abs() < 1e-9);
    assert!((lifetime(0.05, CurrentPeriod::Counted).unwrap() - 20.0).abs() < 1e-12);
    assert!((lifetime(0.05, CurrentPeriod::Excluded).unwrap() - 19.0).abs() < 1e-12);
    assert!(matches!(
        lifetime(0.0, CurrentPeriod::Counted),
        Err(Error::Undefined { .. })
    ));
    assert!(convert_churn(1.2, 12.0).is_err());
    assert!(convert_churn(0.1, 0.0).is_err());
    assert!(convert_churn(f64::NAN, 12.0).is_err());
}

#[test]
fn bad_counts_and_periods_are_typed_errors() {
    assert!(ChurnCounts::new(10, 0, 11, 0).is_err());
    assert!(ChurnCounts::new(10, 2, 0, 3).is_err());
    assert!(
        ChurnCounts::new(10, 2, 0, 0)
            .unwrap()
            .with_exposure(10, 0)
            .is_err()
    );
    assert!(
        ChurnCounts::new(10, 2, 0, 0)
            .unwrap()
            .with_exposure(1000, 30)
            .is_err()
    );
    // Empty or reversed period.
    assert!(matches!(
        ChurnCounts::from_subscriptions(&reference_subscriptions(), day(30), day(30)),
        Err(Error::InvalidParameter { .. })
    ));
    assert!(ChurnCounts::from_subscriptions(&reference_subscriptions(), day(30), day(0)).is_err());
    // An end before its start (built without the validating constructor).
    let bad = [Subscription {
        start: day(5),
        end: Some(day(1)),
    }];
    assert!(matches!(
        ChurnCounts::from_subscriptions(&bad, day(0), day(30)),
        Err(Error::InvalidRow { row: 0, .. })
    ));
    let mut a = ChurnCounts::new(1, 0, 0, 0)
        .unwrap()
        .with_exposure(30, 30)
        .unwrap();
    let b = ChurnCounts::new(1, 0, 0, 0)
        .unwrap()
        .with_exposure(31, 31)
        .unwrap();
    assert!(a.merge(&b).is_err());
}

fn arb_subscription() -> impl Strategy<Value = Subscription> {
    (-60_i64..60, proptest::option::of(0_i64..90)).prop_map(|(s, len)| Subscription {
        start: day(s),
        end: len.map(|l| day(s + l)),
    })
}

proptest! {
    // A bridge from named movements equals the one from customers with those movements,
    // and passes its own check.
    #[test]
    fn bridge_from_movements_equals_bridge_from_customers(
        rows in proptest::collection::vec((0_i64..1_000_000, 0_i64..1_000_000, any::<bool>(), 0_u8..4), 1..60),
    ) {
        let customers: Vec<CustomerRevenue> = rows
            .iter()
            .map(|&(a, b, previously_active, zero)| CustomerRevenue {
                start: if zero == 0 { Decimal::ZERO } else { Decimal::new(a, 2) },
                end: if zero == 1 { Decimal::ZERO } else { Decimal::new(b, 2) },
                previously_active,
            })
            .collect();
        let b = RevenueBridge::from_customers(&customers).unwrap();
        let m = RevenueMovements {
            start: b.start,
            new: b.new,
            expansion: b.expansion,
            reactivation: b.reactivation,
            contraction: b.contraction,
            churned: b.churned,
        };
        let from = RevenueBridge::from_movements(m).unwrap();
        prop_assert_eq!(from, b);
        prop_assert!(from.checked().is_ok());
        if let Some(r) = from.gross_revenue_retention() {
            prop_assert!(r >= Decimal::ZERO && r <= Decimal::ONE);
        }
    }

    #[test]
    fn rates_ignore_input_order_and_shards_merge(
        mut subs in proptest::collection::vec(arb_subscription(), 0..120),
        cut in 0_usize..120,
    ) {
        let whole = ChurnCounts::from_subscriptions(&subs, day(0), day(30)).unwrap();
        let cut = cut.min(subs.len());
        let mut merged = ChurnCounts::from_subscriptions(&subs[..cut], day(0), day(30)).unwrap();
        merged.merge(&ChurnCounts::from_subscriptions(&subs[cut..], day(0), day(30)).unwrap()).unwrap();
        prop_assert_eq!(merged, whole);
        subs.reverse();
        let reversed = ChurnCounts::from_subscriptions(&subs, day(0), day(30)).unwrap();
        prop_assert_eq!(reversed, whole);
        for m in ChurnMethod::ALL {
            let r = whole.rate(m);
            prop_assert!(r.is_none_or(f64::is_finite));
            if m.is_share() {
                prop_assert!(r.is_none_or(|r| (0.0..=1.0).contains(&r)));
            }
        }
        prop_assert_eq!(whole.end(), whole.start + whole.new - whole.lost());
    }

    #[test]
    fn revenue_bridge_always_balances_and_merges(
        rows in proptest::collection::vec((0_i64..10_000, 0_i64..10_000, any::<bool>()), 0..60),
        cut in 0_usize..60,
    ) {
        let rows: Vec<CustomerRevenue> = rows.into_iter().map(|(s, e, p)| CustomerRevenue {
            start: Decimal::new(s, 2), end: Decimal::new(e, 2), previously_active: p,
        }).collect();
        let whole = RevenueBridge::from_customers(&rows).unwrap();
        prop_assert!(whole.check().is_ok());
        let cut = cut.min(rows.len());
        let mut merged = RevenueBridge::from_customers(&rows[..cut]).unwrap();
        merged.merge(&RevenueBridge::from_customers(&rows[cut..]).unwrap()).unwrap();
        prop_assert_eq!(merged, whole);
        if let Some(g) = whole.gross_revenue_retention() {
            prop_assert!(g >= Decimal::ZERO && g <= Decimal::ONE);
        }
    }

    #[test]
    fn hand_built_counts_never_panic_or_give_nan(
        start in any::<u64>(), new in any::<u64>(), ls in any::<u64>(), ln in any::<u64>(),
        days in any::<u64>(), len in any::<u32>(),
    ) {
        let c = ChurnCounts {
            start, new, lost_from_start: ls, lost_from_new: ln, customer_days: days, period_days: len,
        };
        for m in ChurnMethod::ALL {
            prop_assert!(c.rate(m).is_none_or(|r| !r.is_nan()));
        }
        let _ = c.end();
        let _ = ChurnCounts::new(start, new, ls.min(start), ln.min(new)).and_then(|c| c.with_exposure(days, len));
    }

    #[test]
    fn conversion_round_trips(c in 0.0_f64..0.99, p in 0.05_f64..40.0) {
        let there = convert_churn(c, p).unwrap();
        prop_assert!((0.0..=1.0).contains(&there));
        // Near 1 the survivors' share has lost its digits; a round trip cannot recover them.
        prop_assume!(there < 0.999);
        prop_assert!((convert_churn(there, 1.0 / p).unwrap() - c).abs() < 1e-9);
    }
}

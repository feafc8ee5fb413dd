//! Seed 001's two customers, then a small portfolio valued with an activity-based cost
//! model and a retention curve, printed as a ranked table.
//!
//! Run: `cargo run --example profitability`

use customer_value::Result;
use customer_value::clv::{DiscountWeights, PortfolioSummary, Relationship, Timing};
use customer_value::cost::{Activity, ActivityCost, CostModel, CostSum, ProportionalCost};
use customer_value::profitability::{
    ClassThresholds, CustomerCosts, CustomerProfitability, clv_to_cac, rank_by_profit,
};
use customer_value::retention::RetentionCurve;
use rust_decimal::Decimal;

fn main() -> Result<()> {
    let m = |x: i64| Decimal::from(x);

    println!("Seed 001 — online clothing store (toman, one year)");
    let a = CustomerProfitability::from_purchases(
        m(3),
        m(4_000_000),
        CustomerCosts::acquisition_and_retention(m(1_000_000), m(0)),
    )?;
    let b = CustomerProfitability::from_purchases(
        m(1),
        m(6_000_000),
        CustomerCosts::acquisition_and_retention(m(2_000_000), m(0)),
    )?;
    for (name, c) in [("A", &a), ("B", &b)] {
        println!(
            "  {name}: revenue {:>12}  costs {:>10}  net {:>12}  margin {:>6}%",
            c.revenue,
            c.costs.total()?,
            c.net_profit()?,
            c.margin_percent()?.round_dp(1)
        );
    }
    let first = rank_by_profit(
        &["A", "B"],
        &[a.net_profit()?, b.net_profit()?],
        ClassThresholds::default(),
    )?;
    println!("  most profitable: {}\n", first.customers[0].customer);

    // A small portfolio: gross margin 45 %, plus activity-based cost-to-serve.
    let cost = CostSum::new()
        .with(ProportionalCost::from_margin(Decimal::new(45, 2))?)
        .with(
            ActivityCost::new()
                .with_acquisition(m(60))
                .with_per_order(Decimal::new(250, 2))
                .with_per_delivery(m(6))
                .with_per_support_ticket(m(14))
                .with_per_return(m(9)),
        );
    // Retention improves with tenure (a cohort report, not a constant rate).
    let retention = RetentionCurve::new(vec![0.55, 0.7, 0.8, 0.85, 0.88])?;
    let weights = DiscountWeights::new(&retention, 0.10, 10, Timing::EndOfPeriod)?;

    // (name, yearly revenue, orders, deliveries, tickets, returns)
    let book = [
        ("Parisa", 1_800, 12, 12, 1, 0),
        ("Omid", 950, 4, 4, 0, 0),
        ("Sara", 2_400, 30, 30, 9, 8),
        ("Kaveh", 300, 6, 6, 4, 2),
        ("Neda", 640, 2, 2, 0, 0),
        ("Reza", 120, 5, 5, 3, 3),
    ];
    let mut names = Vec::new();
    let mut clvs = Vec::new();
    let mut rows = Vec::new();
    for &(name, revenue, orders, deliveries, tickets, returns) in &book {
        let year = Activity::new(m(revenue))
            .with_orders(orders)
            .with_deliveries(deliveries)
            .with_support_tickets(tickets)
            .with_returns(returns);
        let rel = Relationship::from_activities(&cost, &vec![year; 10])?;
        let v = rel.npv(&weights)?;
        names.push(name);
        clvs.push(v.clv.round_dp(2));
        rows.push((name, cost.period_cost(&year)?, v));
    }
    let ranking = rank_by_profit(&names, &clvs, ClassThresholds::new(Decimal::ZERO, m(200))?)?;

    println!("Portfolio — 10 years, retention curve 55/70/80/85/88 %, discount 10 %");
    println!(
        "{:>4}  {:<8} {:>12} {:>14} {:>10}  class",
        "rank", "customer", "cost/year", "CLV", "CLV:CAC"
    );
    for r in &ranking.customers {
        let Some((_, yearly_cost, v)) = rows.iter().find(|row| row.0 == r.customer) else {
            continue;
        };
        let ratio = clv_to_cac(v.value_before_acquisition()?, v.acquisition_cost)?;
        println!(
            "{:>4}  {:<8} {:>12} {:>14} {:>8}:1  {:?}",
            r.rank,
            r.customer,
            yearly_cost.round_dp(2),
            r.net_profit,
            ratio.round_dp(1),
            r.class
        );
    }
    let p = PortfolioSummary::new(&clvs)?;
    println!(
        "\ncustomer equity {}  mean {}  median {}  loss-making {} ({:.0} %), destroying {}",
        p.equity,
        p.mean.round_dp(2),
        p.median.round_dp(2),
        ranking.loss_making,
        100.0 * ranking.loss_making_share(),
        ranking.profit_destroyed
    );
    Ok(())
}

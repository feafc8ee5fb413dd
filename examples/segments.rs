//! Pareto and RFM segmentation of the CDNOW sample (2,357 customers, 1997-01 … 1998-06).
//!
//! Run from the repository root: `cargo run --example segments`.
//!
//! Prints the Lorenz curve, Gini and top-20 % share of total spend, a decile table, ABC
//! classes, the RFM segments with a summary table, and a whale curve over a profit column
//! made up for the example (30 % gross margin minus a cost to serve of $12 per customer).

use std::fs::File;
use std::io::BufReader;

use chrono::NaiveDate;
use customer_value::io::read_transactions_csv;
use customer_value::segment::{
    AbcCuts, Concentration, Monetary, ProfitLevels, RfmConvention, RfmValues, SegmentMap, SegmentTable,
    WhaleCurve, abc_classes, rfm_scores,
};
use customer_value::{SummarySpec, summarise_columns};
use rust_decimal::Decimal;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let file = File::open("data/cdnow_sample_transactions.csv")?;
    let log = read_transactions_csv::<u64, _>(BufReader::new(file))?;
    let end = NaiveDate::from_ymd_opt(1998, 6, 30).ok_or("bad date")?;
    let summaries = summarise_columns(SummarySpec::new(end), log.columns())?;
    let customers = &summaries.customers;
    println!(
        "CDNOW sample: {} customers, {} rows\n",
        customers.len(),
        summaries.report.rows
    );

    // Concentration of total spend.
    let rfm = RfmValues::from_summaries(customers, RfmConvention::Segmentation, Monetary::Sum)?;
    let c = Concentration::new(&rfm.monetary)?;
    let g = c.gini();
    println!("Total spend ${:.2}", c.total());
    println!(
        "Gini {:.4} (small-sample corrected {:.4})",
        g.population,
        g.corrected.unwrap_or(f64::NAN)
    );
    println!(
        "Top 20% of customers bring {:.1}% of spend",
        100.0 * c.top_share(0.2)?
    );
    let top = c.customers_for_share(0.8)?;
    println!(
        "{} customers ({:.1}%) make 80% of spend\n",
        top.customers,
        100.0 * top.customer_share
    );
    println!("Lorenz curve (share of customers, least valuable first → share of spend):");
    for p in c.lorenz(10) {
        println!("  {:>5.1}% → {:>5.1}%", 100.0 * p.population, 100.0 * p.value);
    }
    println!("\nDeciles, most valuable first:");
    println!(
        "  {:>6} {:>9} {:>11} {:>7} {:>7}",
        "decile", "customers", "spend", "share", "cum."
    );
    for row in c.quantile_table(10)? {
        println!(
            "  {:>6} {:>9} {:>11.2} {:>6.1}% {:>6.1}%",
            row.group,
            row.customers,
            row.value,
            100.0 * row.share,
            100.0 * row.cumulative_share
        );
    }

    let abc = abc_classes(&rfm.monetary, &AbcCuts::default())?;
    println!("\nABC classes (80/15/5% of spend):");
    for k in 0..abc.counts.len() {
        println!(
            "  {}: {:>5} customers, {:>5.1}% of spend",
            AbcCuts::label(k as u8),
            abc.counts[k],
            100.0 * abc.share[k]
        );
    }

    // RFM segments (5 levels, standard R×F map).
    let scores = rfm_scores(&rfm, 5)?;
    let [r, f, m] = scores.counts();
    println!("\nCustomers per score 1..5: R {r:?}, F {f:?}, M {m:?}");
    println!(
        "(one-time buyers are one tie block at the lowest of their ranks, frequency score 1; the\n scores the block spans beyond it stay empty rather than being renumbered)"
    );
    let map = SegmentMap::standard();
    let empty = map.empty_segments(&scores)?;
    if !empty.is_empty() {
        println!("(segments no customer falls in: {})", empty.join(", "));
    }
    let segments = map.assign(&scores)?;
    let table = SegmentTable::new(&map, &segments, &rfm.monetary, &rfm.monetary, None)?;
    println!(
        "\n  {:<20} {:>9} {:>8} {:>13}",
        "segment", "customers", "revenue", "mean monetary"
    );
    for row in &table.rows {
        println!(
            "  {:<20} {:>9} {:>7.1}% {:>13.2}",
            row.segment,
            row.customers,
            100.0 * row.revenue_share.unwrap_or(0.0),
            row.mean_monetary.unwrap_or(0.0)
        );
    }

    // Whale curve over an illustrative profit column.
    let margin = Decimal::new(30, 2);
    let cost_to_serve = Decimal::from(12);
    let profits: Vec<Decimal> = customers
        .iter()
        .map(|s| (s.total_spend * margin - cost_to_serve).round_dp(2))
        .collect();
    let whale = WhaleCurve::new(&profits)?;
    println!("\nWhale curve (profit = 30% of spend − $12 per customer):");
    println!("  total profit ${}", whale.total_profit);
    println!(
        "  peak ${} ({:.0}% of total) after the top {} customers ({:.1}%)",
        whale.peak_profit,
        whale.peak_percent.unwrap_or(f64::NAN),
        whale.peak_customers,
        100.0 * whale.peak_customer_share
    );
    println!(
        "  {} loss-making customers destroy ${}",
        whale.loss_customers, whale.profit_destroyed
    );
    for p in whale.points(10)? {
        match p.percent_of_total {
            Some(pct) => println!(
                "  {:>5.1}% of customers → {:>6.1}% of profit",
                100.0 * p.customer_share,
                pct
            ),
            None => println!(
                "  {:>5.1}% of customers → ${}",
                100.0 * p.customer_share,
                p.cumulative_profit
            ),
        }
    }

    let pyramid = ProfitLevels::customer_pyramid(Decimal::from(100), Decimal::from(20))?;
    let classes = pyramid.classify(&profits)?;
    println!("\nCustomer pyramid (Platinum ≥ $100, Gold ≥ $20, Iron ≥ $0, Lead < $0):");
    for row in &classes.rows {
        println!(
            "  {:<9} {:>5} customers, profit ${}",
            row.level, row.customers, row.profit
        );
    }
    Ok(())
}

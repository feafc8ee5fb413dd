//! Times the BTYD fits on a large recency–frequency summary CSV
//! (`customer_id,frequency,recency,T,...`), e.g. the benchmark harness's
//! `synthetic_1e7_summary.csv`: `cargo run --release --example btyd_large_fit -- FILE`.

use std::time::Instant;

use customer_value::TimeUnit;
use customer_value::btyd::{
    BgNbd, ClvSpec, DiscountRate, FitOptions, Margin, ParetoNbd, SummarySlices, WeightedSummaries, clv_batch,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .ok_or("usage: btyd_large_fit SUMMARY.csv")?;
    let text = std::fs::read_to_string(path)?;
    let (mut x, mut tx, mut t) = (vec![], vec![], vec![]);
    for line in text.lines().skip(1) {
        let v: Vec<f64> = line.split(',').map(|s| s.parse().unwrap_or(f64::NAN)).collect();
        x.push(v[1]);
        tx.push(v[2]);
        t.push(v[3]);
    }
    let start = Instant::now();
    let data = WeightedSummaries::from_rows(&x, &tx, &t)?;
    println!(
        "{} customers, {} distinct rows, compressed in {:?}",
        x.len(),
        data.len(),
        start.elapsed()
    );
    let opts = FitOptions::default();
    let start = Instant::now();
    let bg = BgNbd::fit(&data, &opts)?;
    println!(
        "BG/NBD {:?}: {:?} ll {} iters {}",
        start.elapsed(),
        bg.estimates,
        bg.log_likelihood,
        bg.iterations
    );
    let spec = ClvSpec::new(
        TimeUnit::WEEK,
        52.0,
        DiscountRate::new(0.10, TimeUnit::from_days(365.0)?)?,
    )?;
    let rows = SummarySlices::new(&x, &tx, &t)?;
    let ones = vec![1.0; x.len()];
    let start = Instant::now();
    let v = clv_batch(&bg.model, Margin::PerPurchase(1.0), &spec, rows, &ones)?;
    println!(
        "BG/NBD clv_batch 52 weeks {:?}: mean {}",
        start.elapsed(),
        v.iter().sum::<f64>() / v.len() as f64
    );
    if std::env::args().nth(2).as_deref() == Some("--no-pnbd") {
        return Ok(());
    }
    let start = Instant::now();
    let pn = ParetoNbd::fit(&data, &opts)?;
    println!(
        "Pareto/NBD {:?}: {:?} ll {} iters {} {:?} se {:?}",
        start.elapsed(),
        pn.estimates,
        pn.log_likelihood,
        pn.iterations,
        pn.convergence,
        pn.standard_errors
    );
    Ok(())
}

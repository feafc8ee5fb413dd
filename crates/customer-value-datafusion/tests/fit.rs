//! The fit helpers on the engine's compressed groups equal the crate's fits on the
//! customers' own rows: Gamma-Gamma on the CDNOW sample's `(x, m̄)` groups with counts
//! (`GROUP BY` in SQL, 4 partitions) gives the fit of `SpendSummaries::from_rows` bit for
//! bit, and Fader & Hardie's published estimates.

use customer_value::btyd::{FitOptions, GammaGamma, SpendSummaries};
use datafusion::prelude::{CsvReadOptions, SessionConfig, SessionContext};

const SUMMARY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/cdnow_sample_summary.csv");

/// `frequency` and `monetary_value` of the summary file, read without the engine.
fn rows() -> (Vec<f64>, Vec<f64>) {
    let text = std::fs::read_to_string(SUMMARY).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let at = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (fx, fm) = (at("frequency"), at("monetary_value"));
    lines
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[fx].parse::<f64>().unwrap(), f[fm].parse::<f64>().unwrap())
        })
        .unzip()
}

#[tokio::test]
async fn gamma_gamma_on_compressed_groups_equals_the_fit_on_rows() {
    let ctx = SessionContext::new_with_config(SessionConfig::new().with_target_partitions(4));
    ctx.register_csv("s", SUMMARY, CsvReadOptions::new())
        .await
        .unwrap();
    let summaries = ctx
        .sql("SELECT CAST(frequency AS DOUBLE) AS frequency, CAST(monetary_value AS DOUBLE) AS monetary_value FROM s")
        .await
        .unwrap()
        .repartition(datafusion::logical_expr::Partitioning::RoundRobinBatch(4))
        .unwrap();
    let options = FitOptions::default();
    let grouped = customer_value_datafusion::spend_summaries(summaries.clone())
        .await
        .unwrap();
    let sql_fit = customer_value_datafusion::fit_gamma_gamma(summaries, &options)
        .await
        .unwrap();

    let (x, m) = rows();
    assert_eq!(x.len(), 2357);
    let from_rows = SpendSummaries::from_rows(&x, &m).unwrap();
    assert_eq!(grouped, from_rows);
    assert_eq!(from_rows.excluded_without_repeat(), 1411); // data/README.md
    let row_fit = GammaGamma::fit(&from_rows, &options).unwrap();
    assert_eq!(sql_fit.estimates, row_fit.estimates);
    assert_eq!(sql_fit.log_likelihood, row_fit.log_likelihood);

    // Fader & Hardie (2013), "The Gamma-Gamma model of monetary value": p 6.25, q 3.74,
    // γ 15.44 on these 946 repeat customers.
    let gg = sql_fit.model;
    for (got, want) in [(gg.p(), 6.25), (gg.q(), 3.74), (gg.gamma(), 15.44)] {
        assert!((got - want).abs() < 0.01, "{got} vs {want}");
    }
}

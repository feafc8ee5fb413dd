//! On a Ballista standalone cluster (feature `ballista`, not built by CI) `sql_report`'s
//! SQL gives the table it gives on plain DataFusion: the summaries exactly, the model
//! outputs to 1e-9 relative, on the CDNOW sample.

use chrono::NaiveDate;
use customer_value_datafusion::report::{Model, ReportOptions, run_report};
use datafusion::prelude::SessionContext;

const SAMPLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../data/cdnow_sample_transactions.csv"
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ballista_standalone_equals_datafusion_on_the_cdnow_sample() {
    let mut o = ReportOptions::new(SAMPLE);
    o.calibration_end = NaiveDate::from_ymd_opt(1997, 9, 30);
    o.observation_end = NaiveDate::from_ymd_opt(1998, 6, 30);
    o.model = Model::BgNbd;
    let want = run_report(&SessionContext::new(), &o).await.unwrap();
    let ctx = customer_value_datafusion::ballista::standalone(4, 2)
        .await
        .unwrap();
    let got = run_report(&ctx, &o).await.unwrap();
    let (w, g) = (
        want["customers"].as_array().unwrap(),
        got["customers"].as_array().unwrap(),
    );
    assert_eq!(w.len(), 2357);
    assert_eq!(w.len(), g.len());
    for (a, b) in w.iter().zip(g) {
        let id = &a["customer_id"];
        for f in [
            "customer_id",
            "frequency",
            "recency",
            "T",
            "monetary_value",
            "frequency_holdout",
            "duration_holdout",
        ] {
            assert_eq!(a[f], b[f], "customer {id} {f}");
        }
        for f in ["p_alive", "expected_purchases_holdout", "expected_spend", "clv"] {
            let (x, y) = (a[f].as_f64().unwrap(), b[f].as_f64().unwrap());
            assert!(
                (x - y).abs() <= 1e-9 * x.abs().max(y.abs()).max(1e-300),
                "customer {id} {f}: {x} vs {y}"
            );
        }
    }
}

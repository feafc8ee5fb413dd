//! Fits BG/NBD, Pareto/NBD and Gamma-Gamma on the CDNOW sample and prints parameters with
//! standard errors, holdout accuracy and a one-year CLV for the first customers.
//!
//! Run: `cargo run --release --example btyd_cdnow [path/to/cdnow_sample_summary.csv]`

use customer_value::TimeUnit;
use customer_value::btyd::{
    BgNbd, ClvSpec, DiscountRate, FitOptions, FitReport, GammaGamma, HoldoutEvaluation, Margin, ParetoNbd,
    SpendSummaries, SummarySlices, TransactionModel, WeightedSummaries, clv_batch,
};

fn print_fit<M: TransactionModel>(fit: &FitReport<M>) {
    println!(
        "{} (LL {:.3}, {} iterations)",
        fit.model.name(),
        fit.log_likelihood,
        fit.iterations
    );
    for (i, name) in fit.parameter_names.iter().enumerate() {
        let se = fit
            .standard_errors
            .as_ref()
            .and_then(|s| s.get(i))
            .copied()
            .unwrap_or(f64::NAN);
        println!("  {name:>6} = {:>10.6}  (SE {se:.6})", fit.estimates[i]);
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "tests/data/cdnow_sample_summary.csv".to_owned());
    let text = std::fs::read_to_string(&path)?;
    let (mut x, mut tx, mut t, mut m, mut xh) = (vec![], vec![], vec![], vec![], vec![]);
    for line in text.lines().skip(1) {
        let v: Vec<f64> = line.split(',').map(str::parse).collect::<Result<_, _>>()?;
        x.push(v[1]);
        tx.push(v[2]);
        t.push(v[3]);
        m.push(v[4]);
        xh.push(v[5]);
    }
    let data = WeightedSummaries::from_rows(&x, &tx, &t)?;
    let bg = BgNbd::fit(&data, &FitOptions::default())?;
    print_fit(&bg);
    let pn = ParetoNbd::fit(&data, &FitOptions::default())?;
    print_fit(&pn);
    let spend = GammaGamma::fit(&SpendSummaries::from_rows(&x, &m)?, &FitOptions::default())?;
    println!(
        "gamma-gamma: p {:.3}, q {:.3}, γ {:.3}",
        spend.model.p(),
        spend.model.q(),
        spend.model.gamma()
    );

    let rows = SummarySlices::new(&x, &tx, &t)?;
    let pred = bg.model.expected_purchases_batch(39.0, rows)?;
    let eval = HoldoutEvaluation::new(&x, &pred, &xh, 7)?;
    println!("holdout (39 weeks): MAE {:.4}, RMSE {:.4}", eval.mae, eval.rmse);
    for bin in &eval.by_frequency {
        let label = if bin.open_ended {
            format!("{}+", bin.frequency)
        } else {
            bin.frequency.to_string()
        };
        println!(
            "  x = {label:>3}: expected {:.4}, actual {:.4}",
            bin.mean_predicted, bin.mean_actual
        );
    }

    let year = TimeUnit::from_days(365.0)?;
    let spec = ClvSpec::new(TimeUnit::WEEK, 52.0, DiscountRate::new(0.10, year)?)?;
    let margin = Margin::FractionOfSpend {
        fraction: 0.3,
        spend: &spend.model,
    };
    let clv = clv_batch(&bg.model, margin, &spec, rows, &m)?;
    for (i, v) in clv.iter().take(5).enumerate() {
        println!("customer {}: one-year CLV {v:.2}", i + 1);
    }
    Ok(())
}

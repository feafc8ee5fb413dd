use customer_value::btyd::*;
use customer_value::{SummarySpec, TimeUnit, summarise_columns};
fn main() {
    let path = std::env::var("F").unwrap();
    let log = customer_value::io::read_transactions_csv::<u64, _>(std::io::BufReader::new(
        std::fs::File::open(path).unwrap(),
    ))
    .unwrap();
    let end = chrono::NaiveDate::from_ymd_opt(2023, 12, 31).unwrap();
    let s = summarise_columns(SummarySpec::new(end).with_unit(TimeUnit::WEEK), log.columns()).unwrap();
    let cols = s.columns();
    eprintln!("customers {}", cols.len());
    let t = std::time::Instant::now();
    let data = WeightedSummaries::from_columns(&cols).unwrap();
    eprintln!("weighted: {} distinct rows in {:?}", data.len(), t.elapsed());
    let t = std::time::Instant::now();
    let bg = BgNbd::fit(&data, &FitOptions::default()).unwrap();
    eprintln!(
        "bgnbd fit {:?} LL {} est {:?}",
        t.elapsed(),
        bg.log_likelihood,
        bg.estimates
    );
    let t = std::time::Instant::now();
    let mbg = MbgNbd::fit(&data, &FitOptions::default()).unwrap();
    eprintln!("mbgnbd fit {:?} LL {}", t.elapsed(), mbg.log_likelihood);
    let t = std::time::Instant::now();
    let pn = ParetoNbd::fit(&data, &FitOptions::default());
    eprintln!(
        "pnbd fit {:?} {:?}",
        t.elapsed(),
        pn.as_ref()
            .map(|p| (p.log_likelihood, p.estimates.clone()))
            .map_err(|e| e.to_string())
    );
    let rows = SummarySlices::from(&cols);
    let t = std::time::Instant::now();
    let e = bg.model.expected_purchases_batch(39.0, rows).unwrap();
    let a = bg.model.probability_alive_batch(rows).unwrap();
    eprintln!("bg predict+alive {:?} {}", t.elapsed(), e.len() + a.len());
}

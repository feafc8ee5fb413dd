#[path = "../benches/common/mod.rs"]
mod common;
use customer_value::{SummaryBuilder, SummarySpec, TimeUnit, TransactionColumns};
fn cpu() -> f64 {
    let s = std::fs::read_to_string("/proc/self/stat").unwrap();
    let f: Vec<&str> = s.rsplit(')').next().unwrap().split_whitespace().collect();
    eprintln!("  utime {} stime {}", f[11], f[12]);
    (f[11].parse::<f64>().unwrap() + f[12].parse::<f64>().unwrap()) / 100.0
}
fn main() {
    let n: usize = std::env::args().nth(1).map_or(1_000_000, |s| s.parse().unwrap());
    let log = common::synthetic(n, 20_240_607);
    let cols = TransactionColumns::new(&log.customers, &log.dates, &log.amounts).unwrap();
    let spec = SummarySpec::new(common::end()).with_unit(TimeUnit::WEEK);
    let iters: usize = std::env::args().nth(2).map_or(4, |s| s.parse().unwrap());
    for _ in 0..iters {
        let t = std::time::Instant::now();
        let c0 = cpu();
        let mut b = SummaryBuilder::new(spec).unwrap();
        b.extend_columns(cols).unwrap();
        let t1 = t.elapsed();
        let c1 = cpu() - c0;
        let s = b.finish().unwrap();
        eprintln!(
            "push {:?} cpu {:.2}s total {:?} cpu {:.2}s {}",
            t1,
            c1,
            t.elapsed(),
            cpu() - c0,
            s.customers.len()
        );
    }
}

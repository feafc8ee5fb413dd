#[path = "../benches/common/mod.rs"]
mod common;
use chrono::Datelike;
use std::collections::HashMap;
fn main() {
    let log = common::synthetic(10_000_000, 20_240_608);
    for _ in 0..2 {
        let t = std::time::Instant::now();
        let mut m: HashMap<u64, [u64; 2], foldhash::fast::RandomState> = HashMap::default();
        for (c, a) in log.customers.iter().zip(&log.amounts) {
            let e = m.entry(*c).or_insert([0, 0]);
            e[0] += 1;
            e[1] = e[1].wrapping_add(a.mantissa() as u64);
        }
        eprintln!("u64 map 24B: {:?} {}", t.elapsed(), m.len());
        let t = std::time::Instant::now();
        let mut m: HashMap<u64, [u64; 7], foldhash::fast::RandomState> = HashMap::default();
        for ((c, a), d) in log.customers.iter().zip(&log.amounts).zip(&log.dates) {
            let e = m.entry(*c).or_insert([0; 7]);
            e[0] += 1;
            e[1] = e[1].wrapping_add(a.mantissa() as u64);
            e[2] = e[2].max(d.num_days_from_ce() as u64);
        }
        eprintln!("u64 map 64B + day: {:?} {}", t.elapsed(), m.len());
        let t = std::time::Instant::now();
        let mut m: HashMap<u64, [u64; 7], foldhash::fast::RandomState> = HashMap::default();
        for ((c, a), d) in log.customers.iter().zip(&log.amounts).zip(&log.dates) {
            match m.get_mut(c) {
                Some(e) => {
                    e[0] += 1;
                    e[1] = e[1].wrapping_add(a.mantissa() as u64);
                    e[2] = e[2].max(d.num_days_from_ce() as u64);
                }
                None => {
                    m.insert(*c, [0; 7]);
                }
            }
        }
        eprintln!("u64 map 64B get_mut: {:?} {}", t.elapsed(), m.len());
    }
}

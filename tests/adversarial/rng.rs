//! A small seeded generator (xorshift64*): reproducible, no RNG crate, with the hostile
//! values every area draws from.

use chrono::{Datelike, Days, NaiveDate};
use rust_decimal::Decimal;

/// The suite's scale: `CASES` from the environment (default 1).
pub fn scale() -> usize {
    std::env::var("CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1)
        .max(1)
}

/// The base seed: `SEED` from the environment (default 1).
pub fn seed() -> u64 {
    std::env::var("SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1)
}

/// xorshift64*.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator for one area (`salt`) under the base seed.
    pub fn new(salt: u64) -> Self {
        Rng((seed() ^ salt.wrapping_mul(0xA076_1D64_78BD_642F)).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform in `0..n` (0 for n = 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }
    pub fn usize(&mut self, n: usize) -> usize {
        self.below(n as u64) as usize
    }
    pub fn chance(&mut self, one_in: u64) -> bool {
        self.below(one_in) == 0
    }
    pub fn pick<T: Clone>(&mut self, items: &[T]) -> T {
        items[self.usize(items.len())].clone()
    }
    /// An extreme or ordinary `f64`: huge, tiny, subnormal, NaN, ±inf, boundary or plain.
    pub fn f64(&mut self) -> f64 {
        const SPECIAL: [f64; 22] = [
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.5,
            1e308,
            -1e308,
            f64::MAX,
            f64::MIN,
            f64::MIN_POSITIVE,
            5e-324,
            1e-300,
            1e300,
            1e-9,
            1.0 - 1e-16,
            1e15,
            1e154,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            2.0,
            100.0,
        ];
        match self.below(4) {
            0 => SPECIAL[self.usize(SPECIAL.len())],
            1 => f64::from_bits(self.next()),
            2 => (self.below(2_000_001) as f64 - 1_000_000.0) / 1000.0,
            _ => self.below(1_000_001) as f64 / 1e3,
        }
    }
    /// A finite, non-negative `f64`, mostly ordinary, sometimes huge or tiny.
    pub fn f64_pos(&mut self) -> f64 {
        match self.below(5) {
            0 => self.pick(&[
                0.0,
                1e308,
                f64::MAX,
                5e-324,
                1e-300,
                1e300,
                f64::MIN_POSITIVE,
                1e15,
            ]),
            1 => f64::from_bits(self.next() >> 1).min(f64::MAX),
            _ => self.below(1_000_001) as f64 / 100.0,
        }
    }
    /// A probability-like `f64`: mostly in [0, 1], sometimes at or just outside its ends.
    pub fn prob(&mut self) -> f64 {
        match self.below(5) {
            0 => self.f64(),
            1 => self.pick(&[0.0, 1.0, 5e-324, 1.0 - 1e-16, 1e-300, 1.0 + 1e-16, -0.0]),
            _ => self.below(1_000_001) as f64 / 1e6,
        }
    }
    pub fn u32(&mut self) -> u32 {
        match self.below(4) {
            0 => u32::MAX - self.below(3) as u32,
            1 | 2 => self.below(100) as u32,
            _ => self.next() as u32,
        }
    }
    pub fn u64(&mut self) -> u64 {
        match self.below(4) {
            0 => u64::MAX - self.below(3),
            1 | 2 => self.below(1000),
            _ => self.next(),
        }
    }
    /// An extreme or ordinary `Decimal`: the limits, 28 decimal places, zero, negative.
    pub fn decimal(&mut self) -> Decimal {
        match self.below(6) {
            0 => self.pick(&[
                Decimal::MAX,
                Decimal::MIN,
                Decimal::ZERO,
                Decimal::ONE,
                Decimal::NEGATIVE_ONE,
                Decimal::new(1, 28),
                Decimal::new(-1, 28),
                Decimal::MAX / Decimal::TWO,
                Decimal::from_i128_with_scale(79_228_162_514_264_337_593_543_950_335 / 3, 0),
            ]),
            1 => {
                let lo = self.next();
                let mid = self.next() as u32;
                let scale = self.below(29) as u32;
                Decimal::from_parts(lo as u32, (lo >> 32) as u32, mid, self.chance(3), scale)
            }
            2 => Decimal::new(self.below(2_000_000) as i64 - 1_000_000, self.below(4) as u32),
            _ => Decimal::new(self.below(100_000) as i64, 2),
        }
    }
    /// An ordinary non-negative amount of money (cents).
    pub fn money(&mut self) -> Decimal {
        Decimal::new(self.below(1_000_000) as i64, 2)
    }
    /// A date: chrono's extremes, years 0 and 9999, leap days, or an ordinary day.
    pub fn date(&mut self) -> NaiveDate {
        match self.below(6) {
            0 => self.pick(&[
                NaiveDate::MIN,
                NaiveDate::MAX,
                NaiveDate::from_ymd_opt(0, 1, 1).unwrap(),
                NaiveDate::from_ymd_opt(9999, 12, 31).unwrap(),
                NaiveDate::from_ymd_opt(2000, 2, 29).unwrap(),
                NaiveDate::from_ymd_opt(1970, 1, 1).unwrap(),
            ]),
            1 => NaiveDate::from_num_days_from_ce_opt(self.below(3_652_059) as i32).unwrap_or(NaiveDate::MIN),
            _ => self.date_near(NaiveDate::from_ymd_opt(2020, 1, 1).unwrap(), 2000),
        }
    }
    /// A day within `days` after `base` (clamped to chrono's range).
    pub fn date_near(&mut self, base: NaiveDate, days: u64) -> NaiveDate {
        base.checked_add_days(Days::new(self.below(days + 1)))
            .unwrap_or(NaiveDate::MAX)
    }
    /// A date between years 0 and 9999 (the CSV range).
    pub fn csv_date(&mut self) -> NaiveDate {
        match self.below(5) {
            0 => self.pick(&[
                NaiveDate::from_ymd_opt(0, 1, 1).unwrap(),
                NaiveDate::from_ymd_opt(9999, 12, 31).unwrap(),
                NaiveDate::from_ymd_opt(2000, 2, 29).unwrap(),
                NaiveDate::from_ymd_opt(0, 2, 29).unwrap(),
            ]),
            1 => NaiveDate::from_num_days_from_ce_opt(self.below(3_652_059) as i32 + 1)
                .filter(|d| (0..=9999).contains(&d.year()))
                .unwrap_or(NaiveDate::MIN),
            _ => self.date_near(NaiveDate::from_ymd_opt(2020, 1, 1).unwrap(), 1500),
        }
    }
    /// Random bytes, sometimes ASCII, sometimes not UTF-8.
    pub fn bytes(&mut self, max: usize) -> Vec<u8> {
        let n = self.usize(max + 1);
        (0..n)
            .map(|_| match self.below(3) {
                0 => self.next() as u8,
                _ => self.pick(b"0123456789-.,\"\n\r :TZ+eE abcNaif\xef\xbb\xbf\xff\xfe"),
            })
            .collect()
    }
}

//! [`summarise_columns`](super::summarise_columns)' fast path: customers whose rows come in
//! date order are summarised from 24-byte [`Compact`] totals, the others the general way.
//!
//! Owns: the in-order route of `summarise_columns` (and of each key range of
//! `summarise_columns_parallel`): the one pass over a table of [`Compact`]s, marking
//! customers general, the bail-out to a whole-log builder, and interleaving the two routes'
//! summaries in key order. Relies on: `compact.rs` (which rows a `Compact` takes),
//! `table.rs` and `pipeline.rs` (slots and the prefetching row loop), `builder.rs` (row
//! admission, [`SummaryMaker`] for finishing, and the [`SummaryBuilder`] for the general
//! customers). Must not: hold a summary rule of its own (windows, periods, netting and means
//! all come from `builder.rs`), so that its output is bit-identical to the builder's on the
//! same rows (`tests/summary/`: the oracle and the route-equality properties); or read the
//! log more than twice.
//!
//! Most logs are written in date order, so most customers' rows arrive in date order. One
//! pass puts every customer in a table of [`Compact`]s (half the size of the general
//! builder's table, with a simpler update per row). A customer with a row a `Compact`
//! cannot hold (see `compact.rs`: a purchase out of date order, a return between two
//! purchase periods, a first row that is a return, a counter past its width) is marked
//! *general* there and then; after the pass, a general [`SummaryBuilder`] reads the general
//! customers' rows (all of them, from the start of the log: one more pass hashing every
//! key, a one-bit filter, then the key set), and its summaries are interleaved into the
//! output. Row counts come from the one pass over every row; the per-customer counts from
//! whichever path summarised the customer. The result is identical to the general
//! builder's on the whole log — the property tests compare the two on arbitrary logs.
//! Memory: the `Compact` table, plus the general builder's table and a key set for the
//! general customers only (all proportional to customers).
//!
//! Under [`NegativeAmounts::Reject`](super::NegativeAmounts::Reject) a negative row hands the whole log to the general
//! builder instead, and so does a log where the pass would not pay: purchases before their
//! customer's latest day more than an eighth of the rows meeting a known customer within
//! a block of 65,536 rows (a log out of date order, found within its first blocks, or one
//! turning so later: a second export appended, a back-dated batch — then the pass so far
//! is wasted, at most one pass over the log), or general customers' rows more than a
//! quarter of all rows so far (from 65,536 rows on).

use std::collections::HashSet;
use std::fmt::Debug;
use std::hash::Hash;

use rust_decimal::Decimal;

use super::builder::{Admission, RowCounts, SummaryMaker, in_key_order};
use super::compact::Compact;
use super::hints::vec_prefaulted;
use super::pipeline::{self, RowSink};
use super::table::{CustomerTable, Entry};
use super::{CustomerSummary, Summaries, SummaryBuilder, SummarySpec};
use crate::error::Result;
use crate::time::PurchaseDate;
use crate::transaction::TransactionColumns;

pub(super) type FastSet<K> = HashSet<K, foldhash::fast::RandomState>;

/// Purchases before their customer's latest day from which the pass gives up, if they are
/// also more than an eighth of the rows that met a known customer, within one block of
/// [`BLOCK_ROWS`] rows (in a log out of date order about half of those rows are; in a log
/// in date order, none). Per block, so that a log that turns out of order late (a second
/// export appended, a back-dated batch) is given up as soon as it does.
const GIVE_UP_MIN_DISORDER: u32 = 1024;

/// Rows of a block of the disorder rule.
const BLOCK_ROWS: u32 = 1 << 16;

/// Rows from which the pass gives up if more than a quarter of them belong to general
/// customers (their rows are read twice, and the general path is the slower one).
const GIVE_UP_MIN_ROWS: u64 = 1 << 16;

/// Summarises the rows of `log` whose key (and its hash with `hasher`) `keep` accepts, as a fresh
/// [`SummaryBuilder`] hashing with `hasher` would (its `finish_part`: no customer is no
/// error here). `spec` must be valid.
pub(super) fn summarise<K, D>(
    spec: SummarySpec,
    log: TransactionColumns<'_, K, D>,
    hasher: foldhash::fast::RandomState,
    keep: impl Fn(&K, u64) -> bool + Copy,
) -> Result<Summaries<K>>
where
    K: Eq + Hash + Ord + Clone + Debug,
    D: PurchaseDate,
{
    let mut pass = Pass::new(spec, log, hasher.clone());
    pipeline::presize(&mut pass.calibration, log.customers(), keep);
    let mut builder = SummaryBuilder::with_hasher(spec, hasher)?;
    if pipeline::run(&mut pass, log.customers(), log.dates(), keep).is_err() {
        drop(pass);
        builder.extend_filtered(log, keep)?;
        return builder.finish_part();
    }
    let general = if pass.general.is_empty() {
        None
    } else {
        let filter = HashFilter::new(&pass.general_hashes);
        builder.extend_only(log, &pass.general, |hash| filter.may_contain(hash))?;
        Some((filter, builder.finish_part()?))
    };
    pass.finish(general)
}

/// The one pass over the log.
struct Pass<'l, K> {
    spec: SummarySpec,
    summary_end_day: i32,
    observation_end_day: i32,
    calibration: CustomerTable<K, Compact>,
    holdout: CustomerTable<K, Compact>,
    customers: &'l [K],
    amounts: &'l [Decimal],
    /// Row counts so far.
    counts: RowCounts,
    /// The customers handed to the general builder, and their hashes (for a cheap first
    /// filter when their rows are picked out).
    general: FastSet<K>,
    general_hashes: Vec<u64>,
    /// Rows of the general customers so far (the general builder reads them again).
    general_rows: u64,
    /// Counts of the current block of rows.
    block: Block,
}

/// What the disorder rule counts in one block of rows, kept off the per-row path: a block
/// starts at a disorder event at least [`BLOCK_ROWS`] rows after the last block's start,
/// and the rows meeting a known customer since are the rows since less the customers
/// added since.
#[derive(Default)]
struct Block {
    /// Rows counted (`RowCounts::rows`) when the block started.
    start_rows: u64,
    /// Customers in the two tables when the block started.
    start_customers: usize,
    /// Purchases refused since for coming before their customer's latest purchase day.
    disorder: u32,
}

impl<'l, K> Pass<'l, K> {
    fn new<D>(
        spec: SummarySpec,
        log: TransactionColumns<'l, K, D>,
        hasher: foldhash::fast::RandomState,
    ) -> Self {
        Pass {
            spec,
            summary_end_day: spec.summary_end().day_number(),
            observation_end_day: spec.observation_end.day_number(),
            calibration: CustomerTable::with_hasher(hasher.clone()),
            holdout: CustomerTable::with_hasher(hasher),
            customers: log.customers(),
            amounts: log.amounts(),
            counts: RowCounts::default(),
            general: FastSet::default(),
            general_hashes: Vec::new(),
            general_rows: 0,
            block: Block::default(),
        }
    }
}

/// Why the pass stopped: the whole log goes to the general builder.
struct GiveUp;

impl<K: Eq + Hash + Clone> RowSink<K> for Pass<'_, K> {
    type Stop = GiveUp;
    type Value = Compact;

    #[inline]
    fn table_for(&self, day: i32) -> &CustomerTable<K, Compact> {
        if day <= self.summary_end_day {
            &self.calibration
        } else {
            &self.holdout
        }
    }

    #[inline]
    fn take(&mut self, row: usize, hash: u64, day: i32) -> std::result::Result<(), GiveUp> {
        let (Some(customer), Some(&amount)) = (self.customers.get(row), self.amounts.get(row)) else {
            return Ok(());
        };
        match self
            .counts
            .admit(&self.spec, self.observation_end_day, day, amount)
        {
            Admission::Take => {}
            Admission::Skip => return Ok(()),
            // The general builder reports the row (or an earlier failing one).
            Admission::Reject => return Err(GiveUp),
        }
        let period = self.spec.period;
        let period_of = |d: i32| period.index(d);
        let table = if day <= self.summary_end_day {
            &mut self.calibration
        } else {
            &mut self.holdout
        };
        let kept = match table.entry(hash, customer) {
            Entry::Occupied(c) => {
                if c.is_general() {
                    self.general_rows += 1;
                    return self.go_on();
                }
                if c.add(period_of, day, amount) {
                    return Ok(());
                }
                let disorder = !amount.is_sign_negative() && day < c.last_day();
                self.general_rows += c.rows() + 1;
                *c = Compact::GENERAL;
                if disorder {
                    self.count_disorder();
                }
                false
            }
            Entry::Vacant(vacant) => match Compact::starting_with(day, amount) {
                Some(c) => {
                    vacant.insert(customer.clone(), c);
                    true
                }
                None => {
                    vacant.insert(customer.clone(), Compact::GENERAL);
                    self.general_rows += 1;
                    false
                }
            },
            Entry::Full => return Err(GiveUp),
        };
        if !kept {
            self.general.insert(customer.clone());
            self.general_hashes.push(hash);
            return self.go_on();
        }
        Ok(())
    }
}

impl<K> Pass<'_, K> {
    /// Counts a purchase out of date order, in a new block if the current one is full.
    fn count_disorder(&mut self) {
        if self.counts.rows - self.block.start_rows >= u64::from(BLOCK_ROWS) {
            self.block = Block {
                start_rows: self.counts.rows - 1,
                start_customers: self.calibration.len() + self.holdout.len(),
                disorder: 0,
            };
        }
        self.block.disorder += 1;
    }

    /// Whether the pass still pays after a row of a general customer. Giving up late
    /// wastes the pass so far; finishing when most rows are general customers' would read
    /// them twice and look each up in a large key set, which measured worse.
    #[inline]
    fn go_on(&self) -> std::result::Result<(), GiveUp> {
        let rows = self.counts.rows;
        let b = &self.block;
        let customers = self.calibration.len() + self.holdout.len();
        let repeat_rows = (rows - b.start_rows).saturating_sub((customers - b.start_customers) as u64);
        let disordered = b.disorder >= GIVE_UP_MIN_DISORDER && u64::from(b.disorder) > repeat_rows / 8;
        let costly = rows >= GIVE_UP_MIN_ROWS && self.general_rows > rows / 4;
        if disordered || costly {
            return Err(GiveUp);
        }
        Ok(())
    }
}

impl<K: Eq + Hash + Ord + Clone + Debug> Pass<'_, K> {
    /// The summaries of the customers the pass kept, sorted by key, with the report of
    /// every row and of those customers.
    ///
    /// `general`: the general customers' filter and summaries, interleaved by key.
    fn finish(self, general: Option<(HashFilter, Summaries<K>)>) -> Result<Summaries<K>> {
        let Pass {
            spec,
            summary_end_day,
            calibration,
            holdout,
            counts,
            general: general_keys,
            ..
        } = self;
        let mut report = counts.report();
        let (filter, mut general) = match general {
            Some((filter, mut summaries)) => {
                let r = &mut summaries.report;
                // The pass counted every row; the builder those of its customers again.
                (
                    r.rows,
                    r.rows_after_observation_end,
                    r.negative_rows_excluded,
                    r.negative_rows_netted,
                ) = (0, 0, 0, 0);
                report.add(r);
                (Some(filter), summaries.customers)
            }
            None => (None, Vec::new()),
        };
        // A customer may be general for a row in the other window: a one-bit test first.
        let is_general = |key: &K| {
            filter
                .as_ref()
                .is_some_and(|f| f.may_contain(holdout.hash(key)) && general_keys.contains(key))
        };
        let holdout_duration = spec.holdout_duration();
        let mut customers: Vec<CustomerSummary<K>> = vec_prefaulted(calibration.len() + general.len());
        let mut general = general.drain(..).peekable();
        // Holdout customers met in the calibration window, and their rows.
        let (mut met, mut met_rows) = (0usize, 0u64);
        let mut maker = SummaryMaker::new(spec, summary_end_day);
        in_key_order(calibration, |key, c| {
            if c.is_general() || is_general(&key) {
                return Ok(());
            }
            customers.extend(std::iter::from_fn(|| general.next_if(|g| g.customer < key)));
            let hold = holdout.get(&key);
            let hold_rows = hold.map_or(0, Compact::rows);
            if hold.is_some() {
                met += 1;
                met_rows += hold_rows;
            }
            let mut summary = maker.summary(key, &c.totals(), &mut report)?;
            if let Some(duration) = holdout_duration {
                let h = match hold {
                    Some(h) => {
                        let t = h.totals();
                        maker.holdout(t.purchase_periods, t.total, t.rows, duration)?
                    }
                    None => maker.holdout(0, Decimal::ZERO, 0, duration)?,
                };
                summary.holdout = Some(h);
            }
            report.rows_summarised += c.rows() + hold_rows;
            customers.push(summary);
            Ok(())
        })?;
        customers.extend(general);
        // Customers first seen in the holdout (lifetimes drops them), kept ones only.
        let (mut hold_customers, mut hold_rows) = (0usize, 0u64);
        for (_, key, h) in holdout.indexed() {
            if !h.is_general() && !is_general(key) {
                hold_customers += 1;
                hold_rows += h.rows();
            }
        }
        report.count_holdout_only((hold_customers, hold_rows), (met, met_rows));
        report.customers = customers.len() as u64;
        Ok(Summaries {
            spec,
            customers,
            report,
        })
    }
}

/// A one-hash Bloom filter over 64-bit key hashes, 16 bits per hash (at least 4,096 bits):
/// true for every hash it was built from, and for about one other hash in 16. Picking the
/// general customers' rows out of the log tests every row, and this test is one bit in a
/// small array (cache-resident up to ~250,000 general customers) instead of a probe into
/// a hash set; only the rows it passes are checked against the set of keys.
struct HashFilter {
    words: Vec<u64>,
    /// The filter's bit of a hash is `hash >> shift` (its high bits).
    shift: u32,
}

impl HashFilter {
    fn new(hashes: &[u64]) -> Self {
        let bits = hashes.len().saturating_mul(16).next_power_of_two().max(1 << 12);
        let shift = 64 - bits.trailing_zeros();
        let mut words = vec![0u64; bits / 64];
        for &h in hashes {
            let bit = (h >> shift) as usize;
            if let Some(w) = words.get_mut(bit / 64) {
                *w |= 1 << (bit % 64);
            }
        }
        HashFilter { words, shift }
    }

    #[inline]
    fn may_contain(&self, hash: u64) -> bool {
        let bit = (hash >> self.shift) as usize;
        self.words.get(bit / 64).is_some_and(|w| w >> (bit % 64) & 1 == 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use std::hash::BuildHasher;

    fn pass_over(spec: SummarySpec, rows: &[(&'static str, u32, &str)]) -> FastSet<&'static str> {
        let d = |day| NaiveDate::from_ymd_opt(2024, 1, day).unwrap_or_default();
        let customers: Vec<&str> = rows.iter().map(|r| r.0).collect();
        let dates: Vec<NaiveDate> = rows.iter().map(|r| d(r.1)).collect();
        let amounts: Vec<Decimal> = rows.iter().map(|r| r.2.parse().unwrap_or_default()).collect();
        let log = TransactionColumns::new(&customers, &dates, &amounts).unwrap_or_else(|e| panic!("{e}"));
        let mut pass = Pass::new(spec, log, foldhash::fast::RandomState::default());
        assert!(pipeline::run(&mut pass, log.customers(), log.dates(), |_, _| true).is_ok());
        pass.general
    }

    #[test]
    fn only_customers_a_compact_cannot_hold_go_general() {
        let end = NaiveDate::from_ymd_opt(2024, 1, 31).unwrap_or_default();
        let general = pass_over(
            SummarySpec::new(end),
            &[
                ("in order", 1, "10.00"),
                ("return", 1, "10"),
                ("out of order", 2, "1"),
                ("more decimals", 2, "1.5"),
                ("fewer decimals", 2, "1.25"),
                ("in order", 1, "2.00"),
                ("return", 5, "10"),
                ("return", 3, "-1"),
                ("out of order", 1, "1"),
                ("more decimals", 3, "1.55"),
                ("fewer decimals", 3, "1"),
                ("in order", 5, "3"),
                ("one row", 1, "1"),
            ],
        );
        let mut names: Vec<&str> = general.into_iter().collect();
        names.sort_unstable();
        assert_eq!(names, ["out of order", "return"]);
    }

    #[test]
    fn the_hash_filter_passes_every_member_and_few_others() {
        let hasher = foldhash::fast::FixedState::with_seed(7);
        let hashes: Vec<u64> = (0..10_000u64).map(|k| hasher.hash_one(k)).collect();
        let filter = HashFilter::new(&hashes);
        assert!(hashes.iter().all(|&h| filter.may_contain(h)));
        let others = (10_000..110_000u64)
            .filter(|&k| filter.may_contain(hasher.hash_one(k)))
            .count();
        assert!(others < 100_000 / 12, "{others}");
        assert!(!HashFilter::new(&[]).may_contain(hasher.hash_one(1u64)));
    }

    /// Whether the pass over `rows` (customer, day offset, cents) gives up.
    fn gives_up(rows: &[(u64, i64, i64)]) -> bool {
        let d0 = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap_or_default();
        let customers: Vec<u64> = rows.iter().map(|r| r.0).collect();
        let dates: Vec<NaiveDate> = rows.iter().map(|r| d0 + chrono::Duration::days(r.1)).collect();
        let amounts: Vec<Decimal> = rows.iter().map(|r| Decimal::new(r.2, 2)).collect();
        let log = TransactionColumns::new(&customers, &dates, &amounts).unwrap_or_else(|e| panic!("{e}"));
        let spec = SummarySpec::new(d0 + chrono::Duration::days(400));
        let mut pass = Pass::new(spec, log, foldhash::fast::RandomState::default());
        pipeline::run(&mut pass, log.customers(), log.dates(), |_, _| true).is_err()
    }

    /// 300,000 rows of 100,000 customers over 365 days, in date order.
    fn date_ordered(mut amount: impl FnMut(usize) -> i64) -> Vec<(u64, i64, i64)> {
        let mut x = 0x9E37_79B9_7F4A_7C15_u64;
        let mut rows: Vec<(u64, i64, i64)> = (0..300_000)
            .map(|i| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x % 100_000, (x >> 20) as i64 % 365, amount(i))
            })
            .collect();
        rows.sort_by_key(|r| r.1);
        rows
    }

    #[test]
    fn the_pass_gives_up_on_logs_out_of_date_order_only() {
        // Returns in 2 % of the rows, many of them a customer's first: kept.
        assert!(!gives_up(&date_ordered(|i| if i % 50 == 0 {
            -500
        } else {
            1_000
        })));
        let mut shuffled = date_ordered(|_| 1_000);
        let n = shuffled.len();
        for i in 0..n {
            shuffled.swap(i, (i * 7_919 + 13) % n);
        }
        assert!(gives_up(&shuffled));
        // Two date-ordered halves, the later first: most customers turn general in the
        // second half, and the pass gives up there rather than read their rows twice.
        let mut late = date_ordered(|_| 1_000);
        let mut appended = late.split_off(n / 2);
        appended.extend(late);
        assert!(gives_up(&appended));
    }

    #[test]
    fn excluded_returns_leave_a_customer_compact() {
        let end = NaiveDate::from_ymd_opt(2024, 1, 31).unwrap_or_default();
        let spec = SummarySpec::new(end).with_negative_amounts(crate::NegativeAmounts::Exclude);
        assert!(pass_over(spec, &[("a", 1, "10"), ("a", 2, "-5"), ("a", 3, "1")]).is_empty());
    }
}

//! A whole customer base at a date: every member's balance and tier from one event log.
//!
//! Events are grouped by customer with a counting sort (keys hashed once per run of equal
//! keys; skipped when the log is already grouped), each member's
//! events are ordered by date (stably: same-day events keep their input order), and each
//! member is replayed through an [`Account`] without a journal. With the `parallel`
//! feature members are replayed on rayon's pool. Events dated after `as_of` are not
//! applied; they are counted.

use std::hash::Hash;

use chrono::NaiveDate;
use foldhash::HashMap;
use foldhash::HashMapExt;
use serde::{Deserialize, Serialize};

use super::account::{Account, Event};
use super::ledger::LedgerTotals;
use super::program::{Points, Program};
use crate::error::{Error, Result};

/// One member's replay: balance, tier, totals, refused events, late events.
type Member = (Points, u8, LedgerTotals, u64, u64);

/// Members replayed per chunk (the unit of parallel work).
const CHUNK: usize = 4096;

/// The replay of consecutive members: their balances and tiers, and their sums.
struct Chunk {
    balances: Vec<Points>,
    tiers: Vec<u8>,
    totals: LedgerTotals,
    rejected: u64,
    late: u64,
}

/// Balances and tiers of every member at a date.
///
/// # Examples
///
/// ```
/// use chrono::NaiveDate;
/// use customer_value::loyalty::{run_bulk, Award, EarningRule, Event, EventType, ProgramSpec};
/// use rust_decimal::Decimal;
///
/// let d = |day| NaiveDate::from_ymd_opt(2024, 1, day).unwrap();
/// let mut spec = ProgramSpec::default();
/// spec.rules.push(EarningRule::new("per-order", EventType::Purchase, Award::Fixed { points: 10 }));
/// let program = spec.build()?;
/// let events = [Event::purchase(d(2), 1, Decimal::ONE), Event::purchase(d(20), 2, Decimal::ONE)];
/// let run = run_bulk(&program, &[7_u32, 7], &events, d(10))?;
/// // The event after `as_of` is counted, not applied.
/// assert_eq!((run.balances.as_slice(), run.after_as_of, run.rejected), (&[10][..], 1, 0));
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkRun<K> {
    /// The day everything is stated at (end of day).
    pub as_of: NaiveDate,
    /// Members, in order of first appearance in the log.
    pub customers: Vec<K>,
    /// Each member's balance.
    pub balances: Vec<Points>,
    /// Each member's tier index (0 when the program has no tiers).
    pub tiers: Vec<u8>,
    /// Point totals over the base.
    pub totals: LedgerTotals,
    /// Events refused (insufficient points, unknown orders...).
    pub rejected: u64,
    /// Events dated after `as_of`, not applied.
    pub after_as_of: u64,
}

impl<K> BulkRun<K> {
    /// Members per tier, lowest tier first (one entry per tier of the program).
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use customer_value::loyalty::*;
    /// use rust_decimal::Decimal;
    ///
    /// let d = |day| NaiveDate::from_ymd_opt(2024, 1, day).unwrap();
    /// let mut spec = ProgramSpec::default();
    /// spec.tiers = Some(TierSpec::new(vec![("member", 0), ("gold", 100)], QualificationBasis::Spend,
    ///     QualificationWindow::Lifetime, ReviewSchedule::Never)?);
    /// let program = Program::try_from(spec)?;
    /// let customers = ["ann", "bob", "cy"];
    /// let amounts = [150, 20, 30];
    /// let events: Vec<_> = amounts.iter().enumerate()
    ///     .map(|(i, &a)| Event::purchase(d(2), i as u64, Decimal::from(a))).collect();
    /// let run = run_bulk(&program, &customers, &events, d(31))?;
    /// assert_eq!(run.tier_counts(&program), [("member".to_owned(), 2), ("gold".to_owned(), 1)]);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn tier_counts(&self, program: &Program) -> Vec<(String, usize)> {
        let names: Vec<String> = program
            .tiers
            .as_ref()
            .map(|t| t.tiers.iter().map(|t| t.name.clone()).collect())
            .unwrap_or_else(|| vec!["all".into()]);
        let mut counts = vec![0_usize; names.len()];
        for &t in &self.tiers {
            if let Some(c) = counts.get_mut(usize::from(t)) {
                *c += 1;
            }
        }
        names.into_iter().zip(counts).collect()
    }
}

/// Replays `events` (of `customers[i]`, parallel slices) under `program` up to `as_of`.
/// Each member is enrolled on their first event's date.
///
/// # Errors
///
/// [`Error::LengthMismatch`]; [`Error::Overflow`]; [`Error::InvalidCustomer`] naming the
/// member if replaying fails (e.g. a non-positive redemption).
///
/// # Examples
///
/// ```
/// use chrono::NaiveDate;
/// use customer_value::loyalty::{run_bulk, Award, EarningRule, Event, EventType, ProgramSpec};
/// use rust_decimal::Decimal;
///
/// let d = |day| NaiveDate::from_ymd_opt(2024, 1, day).unwrap();
/// let mut spec = ProgramSpec::default();
/// spec.rules.push(EarningRule::new("per-order", EventType::Purchase, Award::Fixed { points: 10 }));
/// let program = spec.build()?;
/// let customers = ["ann", "bob", "ann"];
/// let events = [
///     Event::purchase(d(2), 1, Decimal::ONE),
///     Event::purchase(d(3), 1, Decimal::ONE),
///     Event::purchase(d(1), 2, Decimal::ONE), // out of order: sorted per member
/// ];
/// let run = run_bulk(&program, &customers, &events, d(31))?;
/// assert_eq!(run.customers, vec!["ann", "bob"]);
/// assert_eq!(run.balances, vec![20, 10]);
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn run_bulk<K>(
    program: &Program,
    customers: &[K],
    events: &[Event],
    as_of: NaiveDate,
) -> Result<BulkRun<K>>
where
    K: Eq + Hash + Clone + Sync + std::fmt::Debug,
{
    if customers.len() != events.len() {
        return Err(Error::LengthMismatch {
            left: "customers",
            left_len: customers.len(),
            right: "events",
            right_len: events.len(),
        });
    }
    // Dense ids in order of first appearance. Logs usually list a member's events
    // together: the key is hashed once per run of equal keys, and when every run is a
    // new member (the log is grouped) the runs are the groups and no sort is needed.
    // Keys by value, not `&K`: on an ungrouped log a reference key costs a second random
    // read (into `customers`) per lookup.
    let mut ids: HashMap<K, u32> = HashMap::with_capacity(customers.len() / 4 + 1);
    let mut keys: Vec<K> = Vec::new();
    let mut member = Vec::with_capacity(customers.len());
    let mut grouped = true;
    let mut prev: Option<(&K, u32)> = None;
    for k in customers {
        let id = match prev {
            Some((p, id)) if p == k => id,
            _ => {
                let next = u32::try_from(keys.len()).map_err(|_| Error::Overflow { op: "customer count" })?;
                let id = match ids.get(k) {
                    Some(&id) => id,
                    None => {
                        ids.insert(k.clone(), next);
                        keys.push(k.clone());
                        next
                    }
                };
                grouped &= id == next;
                prev = Some((k, id));
                id
            }
        };
        member.push(id);
    }
    drop(ids);
    // Counting sort of event indices by member (stable).
    let mut start = vec![0_usize; keys.len() + 1];
    for &m in &member {
        if let Some(s) = start.get_mut(m as usize + 1) {
            *s += 1;
        }
    }
    for i in 1..start.len() {
        let prev = start.get(i - 1).copied().unwrap_or(0);
        if let Some(s) = start.get_mut(i) {
            *s += prev;
        }
    }
    // Grouped logs: member `c`'s events are `events[start[c]..start[c + 1]]` as they are.
    let mut order = Vec::new();
    if !grouped {
        let mut fill = start.clone();
        order = vec![0_u32; events.len()];
        for (i, &m) in member.iter().enumerate() {
            if let Some(f) = fill.get_mut(m as usize) {
                if let Some(slot) = order.get_mut(*f) {
                    *slot = u32::try_from(i).map_err(|_| Error::Overflow { op: "event count" })?;
                }
                *f += 1;
            }
        }
    }
    drop(member);

    let replay = |c: usize, (scratch, acct): &mut (Vec<u32>, Account)| -> Result<Member> {
        let (lo, hi) = (
            start.get(c).copied().unwrap_or(0),
            start.get(c + 1).copied().unwrap_or(0),
        );
        scratch.clear();
        if grouped {
            let lo32 = u32::try_from(lo).map_err(|_| Error::Overflow { op: "event count" })?;
            let hi32 = u32::try_from(hi).map_err(|_| Error::Overflow { op: "event count" })?;
            scratch.extend(lo32..hi32);
        } else {
            scratch.extend_from_slice(order.get(lo..hi).unwrap_or_default());
        }
        // Stable, so same-day events keep their input order; most logs are sorted already.
        if !scratch.is_sorted_by_key(|&i| events.get(i as usize).map(|e| e.date)) {
            scratch.sort_by_key(|&i| events.get(i as usize).map(|e| e.date));
        }
        let first = scratch
            .first()
            .and_then(|&i| events.get(i as usize))
            .map_or(as_of, |e| e.date);
        acct.reset_without_journal(program, first.min(as_of));
        let mut late = 0_u64;
        let fail = |e: Error| Error::InvalidCustomer {
            customer: format!("{:?}", keys.get(c)),
            reason: e.to_string(),
        };
        for &i in scratch.iter() {
            let Some(ev) = events.get(i as usize) else {
                continue;
            };
            if ev.date > as_of {
                late += 1;
                continue;
            }
            acct.apply(program, ev).map_err(fail)?;
        }
        acct.advance_to(program, as_of).map_err(fail)?;
        let tier = acct
            .tier_index()
            .map_or(0, |t| u8::try_from(t).unwrap_or(u8::MAX));
        let totals = acct.ledger.checked_totals().map_err(fail)?;
        Ok((acct.balance(), tier, totals, acct.rejected, late))
    };

    // Members are replayed in chunks, each folding its totals as it goes: per-member
    // results never sit in one large intermediate vector.
    let run_chunk = |range: std::ops::Range<usize>, reuse: &mut (Vec<u32>, Account)| -> Result<Chunk> {
        let mut chunk = Chunk {
            balances: Vec::with_capacity(range.len()),
            tiers: Vec::with_capacity(range.len()),
            totals: LedgerTotals::default(),
            rejected: 0,
            late: 0,
        };
        for c in range {
            let (balance, tier, totals, rejected, late) = replay(c, reuse)?;
            chunk.balances.push(balance);
            chunk.tiers.push(tier);
            chunk.totals.merge(&totals)?;
            chunk.rejected += rejected;
            chunk.late += late;
        }
        Ok(chunk)
    };
    let n = keys.len();
    let ranges = (0..n.div_ceil(CHUNK)).map(|k| k * CHUNK..((k + 1) * CHUNK).min(n));

    #[cfg(feature = "parallel")]
    let chunks: Vec<Result<Chunk>> = {
        use rayon::prelude::*;
        ranges
            .collect::<Vec<_>>()
            .into_par_iter()
            .map_init(
                || (Vec::new(), Account::without_journal(as_of)),
                |reuse, r| run_chunk(r, reuse),
            )
            .collect()
    };
    #[cfg(not(feature = "parallel"))]
    let chunks: Vec<Result<Chunk>> = {
        let mut reuse = (Vec::new(), Account::without_journal(as_of));
        ranges.map(|r| run_chunk(r, &mut reuse)).collect()
    };

    let mut run = BulkRun {
        as_of,
        customers: Vec::new(),
        balances: Vec::with_capacity(n),
        tiers: Vec::with_capacity(n),
        totals: LedgerTotals::default(),
        rejected: 0,
        after_as_of: 0,
    };
    // In member order, so the error reported is the first failing member's.
    for chunk in chunks {
        let chunk = chunk?;
        run.balances.extend(chunk.balances);
        run.tiers.extend(chunk.tiers);
        run.totals.merge(&chunk.totals)?;
        run.rejected += chunk.rejected;
        run.after_as_of += chunk.late;
    }
    run.customers = keys;
    Ok(run)
}

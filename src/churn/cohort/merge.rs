//! Merging cohort tables built from shards of one log split by customer.
//!
//! A cohort table is a sum over customers: each customer adds one to the size of the cohort
//! of their first purchase, one to each period they bought in, and their net spend to the
//! revenue cells. Shards that share no customer therefore add cell by cell. Which cells are
//! unfinished (`None`) and how many cells a cohort has depend only on the spec and the
//! cohort's start, so they agree between shards; a disagreement means the tables were not
//! built by [`CohortTable::build`] with one spec, and is an error.

use std::cmp::Ordering;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::{Cohort, CohortTable};
use crate::error::{Error, Result};

impl CohortTable {
    /// Adds the table of another shard of customers, built with the same spec.
    ///
    /// Cohorts align by start date and their cells add; a cohort present in one table only
    /// is kept as it is; the result stays oldest first. `rows_used` and `rows_after_as_of`
    /// add. Revenue adds with checked `Decimal` addition, as in the build. The merge is
    /// commutative and associative, so shards may be merged in any order or as a tree
    /// (revenue sums are exact while they fit `Decimal`'s 28 significant digits; past
    /// that `Decimal` rounds, in the merge as in the build), except where an intermediate
    /// sum overflows: with returns (negative revenue), one grouping can overflow where
    /// another does not, and the overflow is an error.
    ///
    /// **Shards must share no customer.** The law "merge of the shards = table of the
    /// whole log" holds only when each customer's whole history sits in one shard. A
    /// customer whose rows are split between shards is acquired once in each of them
    /// (counted twice in the cohort sizes, with later purchases placed k periods after
    /// the wrong first purchase), and nothing in the tables can reveal it: such a merge
    /// succeeds and is wrong. Split the log by customer instead — e.g. route each row to
    /// shard `hash(customer) % n` — and, if the data arrives split by time (daily files,
    /// date-partitioned tables), re-partition it by customer before building, or build one
    /// table from the whole log (the build is linear in the log).
    ///
    /// On error `self` is left unchanged.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] naming `other` if the specs differ, or if a cohort of
    /// one start has a different number of cells, or a cell finished in one table and
    /// unfinished (`None`) in the other — neither happens between tables from
    /// [`CohortTable::build`] with one spec; naming `cohorts` if either table's cohorts are
    /// not sorted oldest first with one row per start; naming `periods` if the merged table
    /// would hold more than [`CohortTable::MAX_CELLS`] cells (as the whole log's build
    /// would refuse). [`Error::Overflow`] if a count or revenue sum overflows. On an error
    /// the table is unchanged.
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use customer_value::churn::{CohortPeriod, CohortSpec, CohortTable};
    /// use customer_value::TransactionLog;
    /// use rust_decimal::Decimal;
    ///
    /// let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
    /// let rows = [(1_u32, d(1, 5), 10), (2, d(1, 20), 20), (1, d(2, 3), 5), (3, d(2, 9), 7)];
    /// let spec = CohortSpec::new(CohortPeriod::Month, d(2, 29))?;
    /// // Shard by customer: odd keys in one log, even keys in the other.
    /// let mut shards = [TransactionLog::default(), TransactionLog::default()];
    /// let mut whole = TransactionLog::default();
    /// for (c, day, amount) in rows {
    ///     shards[(c % 2) as usize].push(c, day, Decimal::from(amount));
    ///     whole.push(c, day, Decimal::from(amount));
    /// }
    /// let mut table = CohortTable::build(&spec, shards[0].columns())?;
    /// table.merge(&CohortTable::build(&spec, shards[1].columns())?)?;
    /// assert_eq!(table, CohortTable::build(&spec, whole.columns())?);
    /// let jan = &table.cohorts[0];
    /// assert_eq!((jan.size, jan.active.clone()), (2, vec![Some(2), Some(1)]));
    /// assert_eq!(jan.revenue, vec![Some(Decimal::from(30)), Some(Decimal::from(5))]);
    /// assert_eq!(table.cohorts[1].size, 1); // customer 3, acquired in February
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn merge(&mut self, other: &CohortTable) -> Result<()> {
        if self.spec != other.spec {
            return Err(Error::param(
                "other",
                format_args!("{:?}", other.spec),
                "cohort tables merge only when built with the same spec (period and as-of date)",
            ));
        }
        check_sorted(&self.cohorts)?;
        check_sorted(&other.cohorts)?;
        let rows_used = add_count(self.rows_used, other.rows_used)?;
        let rows_after_as_of = add_count(self.rows_after_as_of, other.rows_after_as_of)?;
        let mut cohorts = Vec::with_capacity(self.cohorts.len().max(other.cohorts.len()));
        let mut mine = self.cohorts.iter().peekable();
        let mut theirs = other.cohorts.iter().peekable();
        loop {
            let order = match (mine.peek(), theirs.peek()) {
                (Some(a), Some(b)) => a.start.cmp(&b.start),
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (None, None) => break,
            };
            let next = match order {
                Ordering::Less => mine.next().cloned(),
                Ordering::Greater => theirs.next().cloned(),
                Ordering::Equal => match (mine.next(), theirs.next()) {
                    (Some(a), Some(b)) => Some(add_cohorts(a, b)?),
                    _ => None,
                },
            };
            cohorts.extend(next);
        }
        super::check_cells(cohorts.iter().map(|c| c.active.len() as u64).sum(), cohorts.len())?;
        self.cohorts = cohorts;
        self.rows_used = rows_used;
        self.rows_after_as_of = rows_after_as_of;
        Ok(())
    }
}

fn add_count(a: u64, b: u64) -> Result<u64> {
    a.checked_add(b).ok_or(Error::Overflow {
        op: "cohort table merge",
    })
}

fn check_sorted(cohorts: &[Cohort]) -> Result<()> {
    match cohorts.windows(2).find_map(|w| match w {
        [a, b] if a.start >= b.start => Some(b.start),
        _ => None,
    }) {
        Some(start) => Err(Error::param(
            "cohorts",
            start,
            "cohorts must be sorted oldest first, one row per start",
        )),
        None => Ok(()),
    }
}

/// The cell-by-cell sum of two rows of the same start.
fn add_cohorts(a: &Cohort, b: &Cohort) -> Result<Cohort> {
    let revenue = |x: Decimal, y: Decimal| {
        crate::money::add_exact(x, y).ok_or(Error::Overflow {
            op: "cohort revenue merge",
        })
    };
    Ok(Cohort {
        start: a.start,
        size: add_count(a.size, b.size)?,
        active: add_cells(a.start, &a.active, &b.active, add_count)?,
        active_or_later: add_cells(a.start, &a.active_or_later, &b.active_or_later, add_count)?,
        revenue: add_cells(a.start, &a.revenue, &b.revenue, revenue)?,
    })
}

fn add_cells<T: Copy>(
    start: NaiveDate,
    mine: &[Option<T>],
    theirs: &[Option<T>],
    add: impl Fn(T, T) -> Result<T>,
) -> Result<Vec<Option<T>>> {
    if mine.len() != theirs.len() {
        return Err(Error::param(
            "other",
            format_args!("cohort {start}: {} cells, {} in self", theirs.len(), mine.len()),
            "a cohort has the same number of periods in every table of one spec",
        ));
    }
    mine.iter()
        .zip(theirs)
        .enumerate()
        .map(|(k, cells)| match cells {
            (Some(x), Some(y)) => add(*x, *y).map(Some),
            (None, None) => Ok(None),
            (x, _) => Err(Error::param(
                "other",
                format_args!(
                    "cohort {start}, k = {k}: {} in self, {} in other",
                    state(x.is_some()),
                    state(x.is_none())
                ),
                "a period is unfinished in one table and finished in the other (it depends \
                 only on the spec and the cohort start)",
            )),
        })
        .collect()
}

fn state(finished: bool) -> &'static str {
    if finished { "finished" } else { "unfinished" }
}

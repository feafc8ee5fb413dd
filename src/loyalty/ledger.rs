//! The points ledger: lots, not a balance column.
//!
//! Every award is a [`Lot`] with its earning, activation and expiry dates. Spending draws
//! the **earliest-expiring** active lots first (never-expiring last; ties by earning date,
//! then creation order) and the journal records which lots each spend drew. The balance is
//! never stored: it is the sum of the active lots' remaining points minus any debt, and
//! [`Ledger::check`] verifies that against the journal and each lot's own accounts.
//!
//! Within a day the order of operations is fixed (see [`Account`](super::Account)):
//! tier reviews, then expiries, then activations of pending lots, then the day's events in
//! the order given.
//!
//! The bugs open-source engines have had here are tests in `tests/loyalty/ledger.rs`:
//! expiring a lot twice, spending from expired lots, refunds after a spend, and the order
//! of earn, spend and expiry on one day.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::program::{EventType, Points};
use crate::error::{Error, Result};

/// Where a lot's points came from.
///
/// # Examples
///
/// ```
/// use chrono::NaiveDate;
/// use customer_value::loyalty::{Ledger, LotSource};
///
/// let d = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
/// let mut ledger = Ledger::default();
/// ledger.add_lot(LotSource::Order(7), d, d, None, 10)?;
/// assert_eq!(ledger.lots[0].source, LotSource::Order(7));
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LotSource {
    /// A purchase, by order id.
    Order(u64),
    /// A non-purchase event (referral, partner purchase, challenge...).
    Activity(EventType),
    /// A manual adjustment.
    Adjustment,
}

/// One award of points and what became of them.
///
/// Its accounts always balance:
/// `points = remaining + spent + expired + clawed_back + repaid_debt`.
///
/// # Examples
///
/// ```
/// use chrono::NaiveDate;
/// use customer_value::loyalty::{Ledger, LotSource};
///
/// let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
/// let mut ledger = Ledger::default();
/// ledger.add_lot(LotSource::Adjustment, d(1, 1), d(1, 1), Some(d(2, 1)), 100)?;
/// ledger.spend(d(1, 15), 30)?;
/// ledger.start_day(d(2, 1))?; // the other 70 expire
/// let lot = &ledger.lots[0];
/// assert_eq!((lot.spent, lot.expired, lot.remaining), (30, 70, 0));
/// assert!(lot.balances());
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lot {
    /// Position in the ledger (0-based, creation order).
    pub id: u32,
    /// Where the points came from.
    pub source: LotSource,
    /// The day they were earned.
    pub earned: NaiveDate,
    /// The day they become spendable (after any pending delay).
    pub available: NaiveDate,
    /// The first day they are gone (`None`: never).
    pub expires: Option<NaiveDate>,
    /// Points awarded.
    pub points: Points,
    /// Points still in the lot (spendable once active).
    pub remaining: Points,
    /// Points spent on redemptions.
    pub spent: Points,
    /// Points lost to expiry.
    pub expired: Points,
    /// Points taken back by refunds (a cancelled pending lot counts here).
    pub clawed_back: Points,
    /// Points used to repay a negative balance when the lot activated.
    pub repaid_debt: Points,
    /// Whether the lot has become available.
    pub active: bool,
}

impl Lot {
    /// Whether the lot's points can be spent on `date`.
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use customer_value::loyalty::{Ledger, LotSource};
    ///
    /// let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
    /// let mut ledger = Ledger::default();
    /// // Earned 1 January, pending for two weeks, gone from 1 March.
    /// ledger.add_lot(LotSource::Adjustment, d(1, 1), d(1, 15), Some(d(3, 1)), 100)?;
    /// ledger.start_day(d(1, 15))?;
    /// let lot = &ledger.lots[0];
    /// assert!(lot.spendable_on(d(2, 1)));
    /// assert!(!lot.spendable_on(d(3, 1)));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn spendable_on(&self, date: NaiveDate) -> bool {
        self.active && self.remaining > 0 && self.available <= date && self.expires.is_none_or(|e| date < e)
    }

    /// Whether the lot's accounts balance.
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use customer_value::loyalty::{Ledger, LotSource};
    ///
    /// let d = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
    /// let mut ledger = Ledger::default();
    /// ledger.add_lot(LotSource::Adjustment, d, d, None, 100)?;
    /// ledger.spend(d, 40)?;
    /// assert!(ledger.lots[0].balances()); // 100 = 60 remaining + 40 spent
    /// let mut broken = ledger.lots[0].clone();
    /// broken.spent += 1;
    /// assert!(!broken.balances());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn balances(&self) -> bool {
        let parts = [
            self.remaining,
            self.spent,
            self.expired,
            self.clawed_back,
            self.repaid_debt,
        ];
        parts.iter().all(|&p| p >= 0)
            && parts.iter().try_fold(0_i64, |a, &p| a.checked_add(p)) == Some(self.points)
    }
}

/// What a journal line records.
///
/// # Examples
///
/// ```
/// use chrono::NaiveDate;
/// use customer_value::loyalty::{EntryKind, Ledger, LotSource};
///
/// let d = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
/// let mut ledger = Ledger::default();
/// ledger.add_lot(LotSource::Adjustment, d, d, None, 100)?;
/// ledger.spend(d, 40)?;
/// let kinds: Vec<EntryKind> = ledger.entries.iter().map(|e| e.kind).collect();
/// assert_eq!(kinds, [EntryKind::Earn, EntryKind::Spend]);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    /// Points awarded (available at once, or pending).
    Earn,
    /// A pending lot became available.
    Activate,
    /// Points drawn from a lot by a redemption.
    Spend,
    /// Points lost to expiry.
    Expire,
    /// Points taken back by a refund.
    Clawback,
    /// A refund's shortfall recorded as debt (negative balance).
    Debt,
    /// Debt repaid from a newly available lot.
    RepayDebt,
}

/// One journal line. Lines are in the order they happened.
///
/// # Examples
///
/// ```
/// use chrono::NaiveDate;
/// use customer_value::loyalty::{Ledger, LotSource};
///
/// let d = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
/// let mut ledger = Ledger::default();
/// ledger.add_lot(LotSource::Adjustment, d, d, None, 100)?;
/// ledger.spend(d, 40)?;
/// // The journal's balance changes add up to the balance.
/// assert_eq!(ledger.entries.iter().map(|e| e.balance_change).sum::<i64>(), ledger.balance());
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// The day.
    pub date: NaiveDate,
    /// What happened.
    pub kind: EntryKind,
    /// The lot concerned, if any.
    pub lot: Option<u32>,
    /// Change of the available balance.
    pub balance_change: Points,
    /// Change of the pending (not yet available) points.
    pub pending_change: Points,
    /// Operation number: the lines of one redemption or refund share it.
    pub op: u32,
}

/// One lot drawn by a spend or clawback.
///
/// # Examples
///
/// ```
/// use chrono::NaiveDate;
/// use customer_value::loyalty::{Draw, Ledger, LotSource};
///
/// let d = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
/// let mut ledger = Ledger::default();
/// ledger.add_lot(LotSource::Adjustment, d, d, None, 100)?;
/// assert_eq!(ledger.spend(d, 40)?, [Draw { lot: 0, points: 40 }]);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Draw {
    /// The lot.
    pub lot: u32,
    /// Points taken from it.
    pub points: Points,
}

/// Lots, debt and (optionally) the journal of one customer.
///
/// # Examples
///
/// ```
/// use chrono::NaiveDate;
/// use customer_value::loyalty::{Ledger, LotSource};
///
/// let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
/// let mut ledger = Ledger::default();
/// ledger.add_lot(LotSource::Adjustment, d(1, 1), d(1, 1), Some(d(6, 1)), 100)?;
/// ledger.add_lot(LotSource::Adjustment, d(1, 2), d(1, 2), Some(d(3, 1)), 50)?;
/// let draws = ledger.spend(d(2, 1), 70)?;
/// // The lot expiring first (March) is drawn first.
/// assert_eq!((draws[0].lot, draws[0].points, draws[1].lot, draws[1].points), (1, 50, 0, 20));
/// assert_eq!(ledger.balance(), 80);
/// ledger.check()?;
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ledger {
    /// Every lot, in creation order.
    pub lots: Vec<Lot>,
    /// Points owed after a clawback the balance could not cover (≥ 0).
    pub debt: Points,
    /// The journal (empty when recording is off).
    pub entries: Vec<Entry>,
    /// Whether the journal is kept (bulk runs switch it off).
    pub journal: bool,
    /// Lots `0..first_open` are exhausted or expired: scans start here.
    first_open: usize,
    ops: u32,
}

impl Default for Ledger {
    fn default() -> Self {
        Ledger {
            lots: Vec::new(),
            debt: 0,
            entries: Vec::new(),
            journal: true,
            first_open: 0,
            ops: 0,
        }
    }
}

fn add(a: Points, b: Points) -> Result<Points> {
    a.checked_add(b).ok_or(Error::Overflow { op: "points ledger" })
}

fn sub(a: Points, b: Points) -> Result<Points> {
    a.checked_sub(b).ok_or(Error::Overflow { op: "points ledger" })
}

impl Ledger {
    /// An empty ledger without a journal (faster; [`Ledger::balance_at`] then only knows
    /// the present).
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use customer_value::loyalty::{Ledger, LotSource};
    ///
    /// let d = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
    /// let mut ledger = Ledger::without_journal();
    /// ledger.add_lot(LotSource::Adjustment, d, d, None, 100)?;
    /// assert!(ledger.entries.is_empty());
    /// assert_eq!(ledger.balance(), 100);
    /// assert!(ledger.balance_at(d).is_err()); // no journal, no history
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn without_journal() -> Self {
        Ledger {
            journal: false,
            ..Ledger::default()
        }
    }

    /// Empties the ledger for another member, keeping its buffers (bulk runs).
    pub(crate) fn reset(&mut self) {
        self.lots.clear();
        self.debt = 0;
        self.entries.clear();
        self.first_open = 0;
        self.ops = 0;
    }

    fn record(
        &mut self,
        date: NaiveDate,
        kind: EntryKind,
        lot: Option<u32>,
        balance: Points,
        pending: Points,
    ) {
        if self.journal {
            self.entries.push(Entry {
                date,
                kind,
                lot,
                balance_change: balance,
                pending_change: pending,
                op: self.ops,
            });
        }
    }

    fn next_op(&mut self) {
        self.ops = self.ops.wrapping_add(1);
    }

    /// Spendable points now: Σ remaining of active lots − debt. Can be negative only
    /// through debt.
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use customer_value::loyalty::{Ledger, LotSource};
    ///
    /// let d = |day| NaiveDate::from_ymd_opt(2024, 1, day).unwrap();
    /// let mut ledger = Ledger::default();
    /// ledger.add_lot(LotSource::Adjustment, d(1), d(1), None, 100)?;
    /// ledger.add_lot(LotSource::Adjustment, d(1), d(20), None, 50)?; // pending until the 20th
    /// assert_eq!((ledger.balance(), ledger.pending()), (100, 50));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn balance(&self) -> Points {
        self.open_lots()
            .filter(|l| l.active)
            .fold(0_i64, |a, l| a.saturating_add(l.remaining))
            .saturating_sub(self.debt)
    }

    /// Points earned but not yet available.
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use customer_value::loyalty::{Ledger, LotSource};
    ///
    /// let d = |day| NaiveDate::from_ymd_opt(2024, 1, day).unwrap();
    /// let mut ledger = Ledger::default();
    /// ledger.add_lot(LotSource::Adjustment, d(1), d(20), None, 50)?;
    /// assert_eq!(ledger.pending(), 50);
    /// ledger.start_day(d(20))?;
    /// assert_eq!((ledger.pending(), ledger.balance()), (0, 50));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn pending(&self) -> Points {
        self.open_lots()
            .filter(|l| !l.active)
            .fold(0_i64, |a, l| a.saturating_add(l.remaining))
    }

    fn open_lots(&self) -> impl Iterator<Item = &Lot> {
        self.lots.get(self.first_open..).unwrap_or_default().iter()
    }

    /// The available balance at the end of `date`, from the journal.
    ///
    /// # Errors
    ///
    /// [`Error::Undefined`] if the journal is off; [`Error::Overflow`].
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use customer_value::loyalty::{Ledger, LotSource};
    ///
    /// let d = |day| NaiveDate::from_ymd_opt(2024, 1, day).unwrap();
    /// let mut ledger = Ledger::default();
    /// ledger.add_lot(LotSource::Adjustment, d(1), d(1), None, 100)?;
    /// ledger.spend(d(10), 40)?;
    /// assert_eq!(ledger.balance_at(d(5))?, 100);
    /// assert_eq!(ledger.balance_at(d(10))?, 60);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn balance_at(&self, date: NaiveDate) -> Result<Points> {
        if !self.journal {
            return Err(Error::Undefined {
                what: "balance at a past date",
                reason: "the ledger keeps no journal".into(),
            });
        }
        self.entries
            .iter()
            .filter(|e| e.date <= date)
            .try_fold(0_i64, |a, e| add(a, e.balance_change))
    }

    /// Adds a lot of `points` earned on `earned`, available from `available` (pending
    /// until then), gone from `expires`. An immediately available lot repays debt first.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for negative points, `available < earned` or
    /// `expires ≤ available`; [`Error::Overflow`] beyond `u32::MAX` lots, or if the
    /// points outstanding (remaining in open lots, available and pending) plus `points`
    /// would exceed `Points::MAX` (then the balance could not be represented). On an
    /// error the ledger is unchanged.
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use customer_value::loyalty::{Ledger, LotSource};
    ///
    /// let d = |day| NaiveDate::from_ymd_opt(2024, 1, day).unwrap();
    /// let mut ledger = Ledger::default();
    /// assert_eq!(ledger.add_lot(LotSource::Adjustment, d(1), d(1), Some(d(31)), 100)?, 0); // its id
    /// // Available before it was earned: refused, nothing added.
    /// assert!(ledger.add_lot(LotSource::Adjustment, d(5), d(4), None, 10).is_err());
    /// assert_eq!(ledger.lots.len(), 1);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn add_lot(
        &mut self,
        source: LotSource,
        earned: NaiveDate,
        available: NaiveDate,
        expires: Option<NaiveDate>,
        points: Points,
    ) -> Result<u32> {
        if points < 0 {
            return Err(Error::param("points", points, "a lot's points must be ≥ 0"));
        }
        if available < earned || expires.is_some_and(|e| e <= available) {
            return Err(Error::param(
                "available",
                available,
                "earned ≤ available < expires must hold",
            ));
        }
        let id = u32::try_from(self.lots.len()).map_err(|_| Error::Overflow { op: "lot count" })?;
        self.open_lots()
            .try_fold(points, |a, l| a.checked_add(l.remaining))
            .ok_or(Error::Overflow {
                op: "points ledger: outstanding points",
            })?;
        let active = available <= earned;
        self.lots.push(Lot {
            id,
            source,
            earned,
            available,
            expires,
            points,
            remaining: points,
            spent: 0,
            expired: 0,
            clawed_back: 0,
            repaid_debt: 0,
            active,
        });
        self.next_op();
        if active {
            self.record(earned, EntryKind::Earn, Some(id), points, 0);
            self.repay_debt(id as usize, earned)?;
        } else {
            self.record(earned, EntryKind::Earn, Some(id), 0, points);
        }
        Ok(id)
    }

    fn repay_debt(&mut self, idx: usize, date: NaiveDate) -> Result<()> {
        if self.debt == 0 {
            return Ok(());
        }
        let Some(lot) = self.lots.get_mut(idx) else {
            return Ok(());
        };
        let take = lot.remaining.min(self.debt);
        lot.remaining = sub(lot.remaining, take)?;
        lot.repaid_debt = add(lot.repaid_debt, take)?;
        let id = lot.id;
        self.debt = sub(self.debt, take)?;
        // Repaying debt leaves the balance unchanged: the lot's points and the debt cancel.
        self.record(date, EntryKind::RepayDebt, Some(id), 0, 0);
        Ok(())
    }

    /// The earliest day after `after` on which something is due: an expiry or an
    /// activation.
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use customer_value::loyalty::{Ledger, LotSource};
    ///
    /// let d = |day| NaiveDate::from_ymd_opt(2024, 1, day).unwrap();
    /// let mut ledger = Ledger::default();
    /// ledger.add_lot(LotSource::Adjustment, d(1), d(1), Some(d(31)), 100)?;
    /// ledger.add_lot(LotSource::Adjustment, d(1), d(10), None, 50)?;
    /// assert_eq!(ledger.next_due(d(1)), Some(d(10))); // the activation comes first
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn next_due(&self, after: NaiveDate) -> Option<NaiveDate> {
        self.open_lots()
            .filter(|l| l.remaining > 0)
            .filter_map(|l| if l.active { l.expires } else { Some(l.available) })
            .filter(|&d| d > after)
            .min()
    }

    /// Start-of-day processing for `date`: expires lots whose expiry date has come, then
    /// activates pending lots that are due (repaying debt). Idempotent: a lot expires at
    /// most once, and only its remaining points.
    ///
    /// # Errors
    ///
    /// [`Error::Overflow`].
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use customer_value::loyalty::{Ledger, LotSource};
    ///
    /// let d = |day| NaiveDate::from_ymd_opt(2024, 1, day).unwrap();
    /// let mut ledger = Ledger::default();
    /// ledger.add_lot(LotSource::Adjustment, d(1), d(1), Some(d(10)), 100)?;
    /// ledger.start_day(d(10))?;
    /// ledger.start_day(d(10))?; // idempotent
    /// assert_eq!((ledger.balance(), ledger.totals().expired), (0, 100));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn start_day(&mut self, date: NaiveDate) -> Result<()> {
        for i in self.first_open..self.lots.len() {
            let Some(lot) = self.lots.get_mut(i) else { continue };
            if lot.active && lot.remaining > 0 && lot.expires.is_some_and(|e| e <= date) {
                let pts = lot.remaining;
                lot.expired = add(lot.expired, pts)?;
                lot.remaining = 0;
                let (id, when) = (lot.id, lot.expires.unwrap_or(date));
                self.next_op();
                self.record(when, EntryKind::Expire, Some(id), -pts, 0);
            }
        }
        for i in self.first_open..self.lots.len() {
            let Some(lot) = self.lots.get_mut(i) else { continue };
            if !lot.active && lot.available <= date {
                lot.active = true;
                let (id, pts, when) = (lot.id, lot.remaining, lot.available);
                if pts != 0 {
                    self.next_op();
                    self.record(when, EntryKind::Activate, Some(id), pts, -pts);
                    self.repay_debt(i, when)?;
                }
            }
        }
        while self
            .lots
            .get(self.first_open)
            .is_some_and(|l| l.active && l.remaining == 0)
        {
            self.first_open += 1;
        }
        Ok(())
    }

    /// Lot indices spendable on `date`, earliest expiry first (never-expiring last), then
    /// earliest earned, then creation order.
    fn spend_order(&self, date: NaiveDate, skip: Option<usize>) -> Vec<usize> {
        let mut idx: Vec<usize> = (self.first_open..self.lots.len())
            .filter(|&i| Some(i) != skip && self.lots.get(i).is_some_and(|l| l.spendable_on(date)))
            .collect();
        idx.sort_by_key(|&i| {
            self.lots
                .get(i)
                .map(|l| (l.expires.is_none(), l.expires, l.earned, l.id))
        });
        idx
    }

    /// Spends `points` on `date`, earliest-expiring lots first; returns the draws.
    ///
    /// Only lots spendable on `date` count: call [`Ledger::start_day`] for `date` first
    /// (an [`Account`](super::Account) does). Debt must be repaid before spending.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] if `points ≤ 0` or more than the balance on `date`;
    /// [`Error::Overflow`].
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use customer_value::loyalty::{Ledger, LotSource};
    ///
    /// let d = |day| NaiveDate::from_ymd_opt(2024, 1, day).unwrap();
    /// let mut ledger = Ledger::default();
    /// ledger.add_lot(LotSource::Adjustment, d(1), d(1), None, 100)?;
    /// assert_eq!(ledger.spend(d(2), 30)?.len(), 1);
    /// assert!(ledger.spend(d(2), 71).is_err()); // more than the balance
    /// assert_eq!(ledger.balance(), 70);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn spend(&mut self, date: NaiveDate, points: Points) -> Result<Vec<Draw>> {
        if points <= 0 {
            return Err(Error::param("points", points, "a redemption must be positive"));
        }
        let order = self.spend_order(date, None);
        let available = order
            .iter()
            .filter_map(|&i| self.lots.get(i))
            .try_fold(0_i64, |a, l| add(a, l.remaining))?
            .saturating_sub(self.debt);
        if points > available {
            return Err(Error::param("points", points, "more points than the balance"));
        }
        self.next_op();
        self.draw(date, points, &order, EntryKind::Spend)
    }

    fn draw(
        &mut self,
        date: NaiveDate,
        mut points: Points,
        order: &[usize],
        kind: EntryKind,
    ) -> Result<Vec<Draw>> {
        let mut draws = Vec::new();
        for &i in order {
            if points == 0 {
                break;
            }
            let Some(lot) = self.lots.get_mut(i) else { continue };
            let take = lot.remaining.min(points);
            if take == 0 {
                continue;
            }
            lot.remaining = sub(lot.remaining, take)?;
            match kind {
                EntryKind::Spend => lot.spent = add(lot.spent, take)?,
                _ => lot.clawed_back = add(lot.clawed_back, take)?,
            }
            let id = lot.id;
            points = sub(points, take)?;
            draws.push(Draw {
                lot: id,
                points: take,
            });
            self.record(date, kind, Some(id), -take, 0);
        }
        Ok(draws)
    }

    /// Takes back `points` for a refund on `date`: first from `own_lot` (cancelling it if
    /// still pending), then, unless `own_only`, from other spendable lots, earliest
    /// expiring first. Returns the draws and the shortfall; with `allow_debt` the
    /// shortfall becomes debt.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for negative points; [`Error::Overflow`].
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use customer_value::loyalty::{Ledger, LotSource};
    ///
    /// let d = |day| NaiveDate::from_ymd_opt(2024, 1, day).unwrap();
    /// let mut ledger = Ledger::default();
    /// let own = ledger.add_lot(LotSource::Order(1), d(1), d(1), None, 100)?;
    /// ledger.spend(d(2), 80)?;
    /// // Refund of the whole order: 20 left in its lot, the other 80 become debt.
    /// let (draws, _) = ledger.claw_back(d(3), 100, Some(own), true, true)?;
    /// assert_eq!(draws[0].points, 20);
    /// assert_eq!((ledger.debt, ledger.balance()), (80, -80));
    /// ledger.check()?;
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn claw_back(
        &mut self,
        date: NaiveDate,
        points: Points,
        own_lot: Option<u32>,
        own_only: bool,
        allow_debt: bool,
    ) -> Result<(Vec<Draw>, Points)> {
        if points < 0 {
            return Err(Error::param("points", points, "a clawback must be ≥ 0"));
        }
        self.next_op();
        let mut draws = Vec::new();
        let mut left = points;
        let own = own_lot.map(|l| l as usize);
        if let Some(lot) = own.and_then(|i| self.lots.get_mut(i)) {
            let take = lot.remaining.min(left);
            if take > 0 {
                lot.remaining = sub(lot.remaining, take)?;
                lot.clawed_back = add(lot.clawed_back, take)?;
                let (id, active) = (lot.id, lot.active);
                left = sub(left, take)?;
                draws.push(Draw {
                    lot: id,
                    points: take,
                });
                if active {
                    self.record(date, EntryKind::Clawback, Some(id), -take, 0);
                } else {
                    self.record(date, EntryKind::Clawback, Some(id), 0, -take);
                }
            }
        }
        if left > 0 && !own_only {
            let order = self.spend_order(date, own);
            let more = self.draw(date, left, &order, EntryKind::Clawback)?;
            for d in &more {
                left = sub(left, d.points)?;
            }
            draws.extend(more);
        }
        if left > 0 && allow_debt {
            self.debt = add(self.debt, left)?;
            self.record(date, EntryKind::Debt, None, -left, 0);
            left = 0;
        }
        Ok((draws, left))
    }

    /// Checks the ledger's invariants: every lot's accounts balance; no lot is both
    /// pending and drawn; the balance equals Σ remaining of active lots − debt, and (with
    /// a journal) the journal's running sums of balance and pending changes.
    ///
    /// # Errors
    ///
    /// [`Error::Undefined`] describing the first broken invariant.
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use customer_value::loyalty::{Ledger, LotSource};
    ///
    /// let d = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
    /// let mut ledger = Ledger::default();
    /// ledger.add_lot(LotSource::Adjustment, d, d, None, 100)?;
    /// ledger.check()?;
    /// ledger.lots[0].remaining = 99; // a point lost
    /// assert!(ledger.check().is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn check(&self) -> Result<()> {
        let broken = |reason: String| Error::Undefined {
            what: "ledger invariant",
            reason,
        };
        for l in &self.lots {
            if !l.balances() {
                return Err(broken(format!("lot {} does not balance: {l:?}", l.id)));
            }
            if !l.active && (l.spent != 0 || l.expired != 0 || l.repaid_debt != 0) {
                return Err(broken(format!("pending lot {} was drawn", l.id)));
            }
        }
        if self.debt < 0 {
            return Err(broken(format!("negative debt {}", self.debt)));
        }
        let active: i64 = self
            .lots
            .iter()
            .filter(|l| l.active)
            .try_fold(0_i64, |a, l| add(a, l.remaining))?;
        let balance = sub(active, self.debt)?;
        if balance != self.balance() {
            return Err(broken(format!(
                "balance {} ≠ Σ active lots − debt {balance}",
                self.balance()
            )));
        }
        if self.journal {
            let journal = self
                .entries
                .iter()
                .try_fold(0_i64, |a, e| add(a, e.balance_change))?;
            let pending = self
                .entries
                .iter()
                .try_fold(0_i64, |a, e| add(a, e.pending_change))?;
            if journal != balance || pending != self.pending() {
                return Err(broken(format!(
                    "journal says balance {journal}, pending {pending}; lots say {balance}, {}",
                    self.pending()
                )));
            }
        }
        Ok(())
    }

    /// Totals over every lot: awarded, spent, expired, clawed back, remaining (active and
    /// pending).
    ///
    /// Each total saturates at [`Points::MAX`](super::Points): only a ledger whose lifetime
    /// awards pass 9.2 × 10¹⁸ points gets there, and then `earned` no longer equals the sum
    /// of the parts. [`Ledger::checked_totals`] returns [`Error::Overflow`] instead.
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use customer_value::loyalty::{Ledger, LotSource};
    ///
    /// let d = |day| NaiveDate::from_ymd_opt(2024, 1, day).unwrap();
    /// let mut ledger = Ledger::default();
    /// ledger.add_lot(LotSource::Adjustment, d(1), d(1), Some(d(20)), 100)?;
    /// ledger.spend(d(5), 30)?;
    /// ledger.start_day(d(20))?;
    /// let t = ledger.totals();
    /// assert_eq!((t.earned, t.spent, t.expired, t.outstanding), (100, 30, 70, 0));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn totals(&self) -> LedgerTotals {
        let mut t = LedgerTotals::default();
        for l in &self.lots {
            t.earned = t.earned.saturating_add(l.points);
            t.spent = t.spent.saturating_add(l.spent);
            t.expired = t.expired.saturating_add(l.expired);
            t.clawed_back = t.clawed_back.saturating_add(l.clawed_back);
            t.repaid_debt = t.repaid_debt.saturating_add(l.repaid_debt);
            if l.active {
                t.outstanding = t.outstanding.saturating_add(l.remaining);
            } else {
                t.pending = t.pending.saturating_add(l.remaining);
            }
        }
        t.debt = self.debt;
        t
    }

    /// [`Ledger::totals`], exact: [`Error::Overflow`] when a total would pass
    /// [`Points::MAX`](super::Points) (lifetime awards beyond 9.2 × 10¹⁸ points), where
    /// `totals` saturates.
    ///
    /// # Errors
    ///
    /// [`Error::Overflow`].
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use customer_value::loyalty::{Ledger, LotSource, Points};
    ///
    /// let d = |day| NaiveDate::from_ymd_opt(2024, 1, day).unwrap();
    /// let mut ledger = Ledger::default();
    /// ledger.add_lot(LotSource::Adjustment, d(1), d(1), None, Points::MAX)?;
    /// ledger.spend(d(2), Points::MAX)?;
    /// assert_eq!(ledger.checked_totals()?.spent, Points::MAX);
    /// // A second award: Σ awarded = 2^63 − 1 + 1 is beyond i64.
    /// ledger.add_lot(LotSource::Adjustment, d(3), d(3), None, 1)?;
    /// assert!(ledger.checked_totals().is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn checked_totals(&self) -> Result<LedgerTotals> {
        let mut t = LedgerTotals::default();
        for l in &self.lots {
            t.earned = add(t.earned, l.points)?;
            t.spent = add(t.spent, l.spent)?;
            t.expired = add(t.expired, l.expired)?;
            t.clawed_back = add(t.clawed_back, l.clawed_back)?;
            t.repaid_debt = add(t.repaid_debt, l.repaid_debt)?;
            if l.active {
                t.outstanding = add(t.outstanding, l.remaining)?;
            } else {
                t.pending = add(t.pending, l.remaining)?;
            }
        }
        t.debt = self.debt;
        Ok(t)
    }
}

/// Point totals of a ledger (or, summed, of a customer base).
///
/// # Examples
///
/// ```
/// use customer_value::loyalty::LedgerTotals;
///
/// let t = LedgerTotals { earned: 100, spent: 30, expired: 20, outstanding: 50, ..LedgerTotals::default() };
/// // Every awarded point is somewhere.
/// assert_eq!(t.earned, t.spent + t.expired + t.clawed_back + t.repaid_debt + t.outstanding + t.pending);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerTotals {
    /// Points awarded.
    pub earned: Points,
    /// Points redeemed.
    pub spent: Points,
    /// Points expired.
    pub expired: Points,
    /// Points taken back by refunds.
    pub clawed_back: Points,
    /// Points that repaid debt.
    pub repaid_debt: Points,
    /// Available points not yet spent or expired (before debt).
    pub outstanding: Points,
    /// Points still pending.
    pub pending: Points,
    /// Debt (negative balances).
    pub debt: Points,
}

impl LedgerTotals {
    /// Adds another set of totals, field by field, exactly.
    ///
    /// # Errors
    ///
    /// [`Error::Overflow`] naming the first field whose sum would leave [`Points`]; the
    /// totals are then unchanged (no field saturates, none is half-added).
    ///
    /// # Examples
    ///
    /// ```
    /// use customer_value::loyalty::LedgerTotals;
    ///
    /// let mut all = LedgerTotals { earned: 40, ..LedgerTotals::default() };
    /// all.merge(&LedgerTotals { earned: 2, ..LedgerTotals::default() })?;
    /// assert_eq!(all.earned, 42);
    /// let huge = LedgerTotals { earned: i64::MAX, ..LedgerTotals::default() };
    /// assert!(all.merge(&huge).is_err());
    /// assert_eq!(all.earned, 42);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn merge(&mut self, o: &LedgerTotals) -> Result<()> {
        let add = |a: Points, b: Points, op: &'static str| a.checked_add(b).ok_or(Error::Overflow { op });
        let merged = LedgerTotals {
            earned: add(self.earned, o.earned, "ledger totals: earned")?,
            spent: add(self.spent, o.spent, "ledger totals: spent")?,
            expired: add(self.expired, o.expired, "ledger totals: expired")?,
            clawed_back: add(self.clawed_back, o.clawed_back, "ledger totals: clawed back")?,
            repaid_debt: add(self.repaid_debt, o.repaid_debt, "ledger totals: repaid debt")?,
            outstanding: add(self.outstanding, o.outstanding, "ledger totals: outstanding")?,
            pending: add(self.pending, o.pending, "ledger totals: pending")?,
            debt: add(self.debt, o.debt, "ledger totals: debt")?,
        };
        *self = merged;
        Ok(())
    }
}

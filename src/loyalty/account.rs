//! One member's state under a program, and the events that change it.
//!
//! # Order of operations
//!
//! Events must come in date order; events of one day apply in the order given. Before
//! the first event of a day (and on every day something falls due in between), the start
//! of that day is processed in this order:
//!
//! 1. tier reviews and grace deadlines, on the qualifying value **as of the day before**;
//! 2. expiries: lots whose expiry date is this day are gone (they were spendable through
//!    the day before);
//! 3. activations: pending lots whose delay ends this day become spendable (repaying any
//!    debt first);
//! 4. a tier upgrade check (an activation can lift a balance-based tier).
//!
//! So on one day, points earned can be spent at once (no pending delay), and points that
//! expire that day cannot. Replaying a history in one pass or in several (the account
//! carried over, or serialised and restored) gives the same account: the state is the
//! account, nothing is kept elsewhere.

use chrono::{Days, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::earning::{earn_points, earn_points_fast};
use super::ledger::{Draw, Ledger, LotSource};
use super::program::{ClawbackPolicy, EventType, Points, Program};
use super::tiers::{TierChange, TierProgress, TierState};
use crate::error::{Error, Result};

/// What happened.
///
/// # Examples
///
/// ```
/// use chrono::NaiveDate;
/// use customer_value::loyalty::{Event, EventKind};
/// use rust_decimal::Decimal;
///
/// let d = NaiveDate::from_ymd_opt(2024, 3, 1).unwrap();
/// let e = Event::partial_refund(d, 7, Decimal::from(5));
/// assert_eq!(e.kind, EventKind::Refund { order: 7, amount: Some(Decimal::from(5)) });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum EventKind {
    /// A purchase: earns points by the `purchase` rules; refundable by its order id.
    Purchase {
        /// Order id, unique per member.
        order: u64,
        /// Amount paid.
        amount: Decimal,
        /// Items bought.
        units: u32,
    },
    /// A full (`amount: None`) or partial refund of an order: claws back its points.
    Refund {
        /// The refunded order.
        order: u64,
        /// Amount refunded; `None` refunds what is left of the order.
        amount: Option<Decimal>,
    },
    /// A redemption of points.
    Redeem {
        /// Points spent; positive.
        points: Points,
    },
    /// A non-purchase event (referral, partner purchase, challenge...).
    Activity {
        /// Its type, matched by earning rules.
        event: EventType,
        /// Its amount, if any (e.g. a partner purchase).
        amount: Decimal,
        /// Its units, if any.
        units: u32,
    },
    /// A manual credit (positive, a new lot) or debit (negative, never below zero).
    Adjust {
        /// Points.
        points: Points,
    },
    /// Sets (`Some`) or clears (`None`) a manual tier floor, by tier index.
    SetTier {
        /// The tier index.
        tier: Option<u8>,
    },
}

/// One dated event of one member.
///
/// # Examples
///
/// ```
/// use chrono::NaiveDate;
/// use customer_value::loyalty::{Event, EventKind};
///
/// let d = NaiveDate::from_ymd_opt(2024, 3, 1).unwrap();
/// let manual = Event { date: d, kind: EventKind::Adjust { points: 50 } };
/// assert_eq!(manual.date, d);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// The day.
    pub date: NaiveDate,
    /// What happened.
    pub kind: EventKind,
}

impl Event {
    /// A purchase of one unit.
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use customer_value::loyalty::{Event, EventKind};
    /// use rust_decimal::Decimal;
    ///
    /// let d = NaiveDate::from_ymd_opt(2024, 3, 1).unwrap();
    /// let e = Event::purchase(d, 42, Decimal::from(30));
    /// assert_eq!(e.kind, EventKind::Purchase { order: 42, amount: Decimal::from(30), units: 1 });
    /// ```
    #[must_use]
    pub fn purchase(date: NaiveDate, order: u64, amount: Decimal) -> Self {
        Event {
            date,
            kind: EventKind::Purchase {
                order,
                amount,
                units: 1,
            },
        }
    }

    /// A full refund of an order.
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use customer_value::loyalty::{Event, EventKind};
    ///
    /// let d = NaiveDate::from_ymd_opt(2024, 3, 1).unwrap();
    /// assert_eq!(Event::refund(d, 42).kind, EventKind::Refund { order: 42, amount: None });
    /// ```
    #[must_use]
    pub fn refund(date: NaiveDate, order: u64) -> Self {
        Event {
            date,
            kind: EventKind::Refund { order, amount: None },
        }
    }

    /// A partial refund of an order.
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use customer_value::loyalty::{Account, Award, EarningRule, Event, EventType, Outcome, Program, ProgramSpec};
    /// use rust_decimal::Decimal;
    ///
    /// let d = NaiveDate::from_ymd_opt(2024, 3, 1).unwrap();
    /// let mut spec = ProgramSpec::default();
    /// spec.rules.push(EarningRule::new("euro", EventType::Purchase, Award::PerAmount { points: 1, per: Decimal::ONE }));
    /// let program = Program::try_from(spec)?;
    /// let mut acct = Account::new(d);
    /// acct.apply(&program, &Event::purchase(d, 1, Decimal::from(100)))?;
    /// // Refunding 40 of the 100 takes back 40 of the points.
    /// acct.apply(&program, &Event::partial_refund(d, 1, Decimal::from(40)))?;
    /// assert_eq!(acct.balance(), 60);
    /// // More than what is left of the order is refused, not an error.
    /// let over = acct.apply(&program, &Event::partial_refund(d, 1, Decimal::from(61)))?;
    /// assert!(matches!(over, Outcome::Rejected(_)));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn partial_refund(date: NaiveDate, order: u64, amount: Decimal) -> Self {
        Event {
            date,
            kind: EventKind::Refund {
                order,
                amount: Some(amount),
            },
        }
    }

    /// A redemption.
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use customer_value::loyalty::{Event, EventKind};
    ///
    /// let d = NaiveDate::from_ymd_opt(2024, 3, 1).unwrap();
    /// assert_eq!(Event::redeem(d, 250).kind, EventKind::Redeem { points: 250 });
    /// ```
    #[must_use]
    pub fn redeem(date: NaiveDate, points: Points) -> Self {
        Event {
            date,
            kind: EventKind::Redeem { points },
        }
    }

    /// A non-purchase event with no amount.
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use customer_value::loyalty::{Account, Award, EarningRule, Event, EventType, Program, ProgramSpec};
    ///
    /// let d = NaiveDate::from_ymd_opt(2024, 3, 1).unwrap();
    /// let mut spec = ProgramSpec::default();
    /// spec.rules.push(EarningRule::new("review", EventType::Review, Award::Fixed { points: 5 }));
    /// let program = Program::try_from(spec)?;
    /// let mut acct = Account::new(d);
    /// acct.apply(&program, &Event::activity(d, EventType::Review))?;
    /// assert_eq!(acct.balance(), 5);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn activity(date: NaiveDate, event: EventType) -> Self {
        Event {
            date,
            kind: EventKind::Activity {
                event,
                amount: Decimal::ZERO,
                units: 0,
            },
        }
    }
}

/// Why an event was refused. Refused events change nothing and are counted.
///
/// # Examples
///
/// ```
/// use chrono::NaiveDate;
/// use customer_value::loyalty::{Account, Event, Outcome, Program, ProgramSpec, Rejection};
///
/// let d = NaiveDate::from_ymd_opt(2024, 3, 1).unwrap();
/// let program = Program::try_from(ProgramSpec::default())?;
/// let mut acct = Account::new(d);
/// let out = acct.apply(&program, &Event::refund(d, 99))?;
/// assert_eq!(out, Outcome::Rejected(Rejection::UnknownOrder(99)));
/// assert_eq!(acct.rejected, 1);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Rejection {
    /// A redemption above the balance.
    InsufficientPoints {
        /// Points asked for.
        requested: Points,
        /// Balance at the time.
        balance: Points,
    },
    /// A refund of an order the member never placed.
    UnknownOrder(u64),
    /// A purchase reusing an order id.
    DuplicateOrder(u64),
    /// A refund larger than what is left of the order, or not positive.
    RefundExceedsOrder(u64),
    /// A negative purchase or activity amount (returns are refunds).
    NegativeAmount,
    /// A manual tier the program does not have (or a program without tiers).
    UnknownTier,
}

/// The effect of one event.
///
/// # Examples
///
/// ```
/// use chrono::NaiveDate;
/// use customer_value::loyalty::{Account, Award, EarningRule, Event, EventType, Outcome, Program, ProgramSpec};
/// use rust_decimal::Decimal;
///
/// let d = NaiveDate::from_ymd_opt(2024, 3, 1).unwrap();
/// let mut spec = ProgramSpec::default();
/// spec.rules.push(EarningRule::new("euro", EventType::Purchase, Award::PerAmount { points: 1, per: Decimal::ONE }));
/// let program = Program::try_from(spec)?;
/// let mut acct = Account::new(d);
/// let out = acct.apply(&program, &Event::purchase(d, 1, Decimal::from(25)))?;
/// assert!(matches!(out, Outcome::Earned { points: 25, .. }));
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Outcome {
    /// Points awarded (possibly 0).
    Earned {
        /// The new lot, if any points were awarded.
        lot: Option<u32>,
        /// Points awarded.
        points: Points,
        /// Points removed by the per-event and per-period caps.
        capped: Points,
    },
    /// Points redeemed from these lots.
    Redeemed(Vec<Draw>),
    /// Points taken back for a refund.
    Refunded {
        /// Lots drawn.
        draws: Vec<Draw>,
        /// Points the policy forgave (not recovered).
        forgiven: Points,
        /// Points turned into debt.
        debt: Points,
    },
    /// A manual tier was set or cleared.
    TierSet,
    /// Refused; nothing changed.
    Rejected(Rejection),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct OrderRecord {
    order: u64,
    amount: Decimal,
    refunded: Decimal,
    points: Points,
    clawed: Points,
    lot: Option<u32>,
}

/// One member's ledger, tier and order history under a program.
///
/// # Examples
///
/// ```
/// use chrono::NaiveDate;
/// use customer_value::loyalty::{Account, Award, EarningRule, Event, EventType, Expiry, ProgramSpec};
/// use rust_decimal::Decimal;
///
/// let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
/// let mut spec = ProgramSpec::default();
/// spec.rules.push(EarningRule::new("euro", EventType::Purchase, Award::PerAmount { points: 1, per: Decimal::ONE }));
/// spec.expiry = Expiry::AfterMonths { months: 1 };
/// let program = spec.build()?;
///
/// let mut acct = Account::new(d(1, 1));
/// acct.apply(&program, &Event::purchase(d(1, 31), 1, Decimal::from(100)))?;
/// acct.apply(&program, &Event::redeem(d(2, 10), 30))?;
/// acct.advance_to(&program, d(2, 29))?; // 31 Jan + 1 month clamps to 29 Feb
/// assert_eq!(acct.balance(), 0);
/// assert_eq!(acct.ledger.totals().expired, 70);
/// acct.check()?;
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// Enrolment day (anchors anniversaries and review intervals).
    pub enrolled: NaiveDate,
    /// The last day whose start has been processed.
    pub clock: NaiveDate,
    /// The points ledger.
    pub ledger: Ledger,
    /// Tier state, if the program has tiers (created on first use).
    pub tier: Option<TierState>,
    /// Events refused so far.
    pub rejected: u64,
    orders: Vec<OrderRecord>,
    period: Option<(NaiveDate, Points)>,
}

impl Account {
    /// The most days [`advance_to`](Self::advance_to) (and so [`apply`](Self::apply))
    /// moves an account's clock in one call: 3,652,425, the span of the years 0 to 9999.
    /// The work of a call is proportional to the due days it processes — one per day
    /// with a daily tier review — so the cap bounds it (under a second in a release build
    /// for a daily review; a far date such as year 262,143 took 20 s before the cap).
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use customer_value::loyalty::{Account, Program, ProgramSpec};
    ///
    /// let d = NaiveDate::from_ymd_opt(2024, 3, 1).unwrap();
    /// let program = Program::try_from(ProgramSpec::default())?;
    /// let mut acct = Account::new(d);
    /// let too_far = d + chrono::Days::new(Account::MAX_ADVANCE_DAYS as u64 + 1);
    /// assert!(acct.advance_to(&program, too_far).is_err());
    /// assert_eq!(acct.clock, d); // refused before any work
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub const MAX_ADVANCE_DAYS: i64 = 3_652_425;

    /// A new member enrolled on `enrolled`, with a journal.
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use customer_value::loyalty::Account;
    ///
    /// let d = NaiveDate::from_ymd_opt(2024, 3, 1).unwrap();
    /// let acct = Account::new(d);
    /// assert_eq!((acct.enrolled, acct.balance(), acct.rejected), (d, 0, 0));
    /// ```
    #[must_use]
    pub fn new(enrolled: NaiveDate) -> Self {
        Account {
            enrolled,
            clock: enrolled,
            ledger: Ledger::default(),
            tier: None,
            rejected: 0,
            orders: Vec::new(),
            period: None,
        }
    }

    /// A new member without a journal (bulk runs: faster, no balance history).
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use customer_value::loyalty::{Account, Award, EarningRule, Event, EventType, Program, ProgramSpec};
    /// use rust_decimal::Decimal;
    ///
    /// let d = NaiveDate::from_ymd_opt(2024, 3, 1).unwrap();
    /// let mut spec = ProgramSpec::default();
    /// spec.rules.push(EarningRule::new("euro", EventType::Purchase, Award::PerAmount { points: 1, per: Decimal::ONE }));
    /// let program = Program::try_from(spec)?;
    /// let (mut with, mut without) = (Account::new(d), Account::without_journal(d));
    /// for acct in [&mut with, &mut without] {
    ///     acct.apply(&program, &Event::purchase(d, 1, Decimal::from(80)))?;
    /// }
    /// // Same balance; only the journal (the balance history) is missing.
    /// assert_eq!(with.balance(), without.balance());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn without_journal(enrolled: NaiveDate) -> Self {
        Account {
            ledger: Ledger::without_journal(),
            ..Account::new(enrolled)
        }
    }

    /// Turns this account into `Account::without_journal(enrolled)` as it stands after its
    /// first [`Account::advance_to`] under `program` (the tier state created), keeping
    /// every buffer: bulk runs replay a million members through one account per thread.
    pub(crate) fn reset_without_journal(&mut self, program: &Program, enrolled: NaiveDate) {
        self.enrolled = enrolled;
        self.clock = enrolled;
        self.ledger.reset();
        self.ledger.journal = false;
        self.rejected = 0;
        self.orders.clear();
        self.period = None;
        match (&program.tiers, self.tier.as_mut()) {
            (Some(spec), Some(t)) => t.reset(spec, enrolled),
            (Some(spec), None) => self.tier = Some(TierState::new(spec, enrolled)),
            (None, _) => self.tier = None,
        }
    }

    /// Spendable balance (negative only through clawback debt).
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use customer_value::loyalty::{Account, Award, EarningRule, Event, EventType, Program, ProgramSpec};
    /// use rust_decimal::Decimal;
    ///
    /// let d = NaiveDate::from_ymd_opt(2024, 3, 1).unwrap();
    /// let mut spec = ProgramSpec::default();
    /// spec.rules.push(EarningRule::new("euro", EventType::Purchase, Award::PerAmount { points: 1, per: Decimal::ONE }));
    /// let program = Program::try_from(spec)?;
    /// let mut acct = Account::new(d);
    /// acct.apply(&program, &Event::purchase(d, 1, Decimal::from(80)))?;
    /// acct.apply(&program, &Event::redeem(d, 30))?;
    /// assert_eq!(acct.balance(), 50);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn balance(&self) -> Points {
        self.ledger.balance()
    }

    /// Current tier index, if the program has tiers.
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use customer_value::loyalty::*;
    /// use rust_decimal::Decimal;
    ///
    /// let d = NaiveDate::from_ymd_opt(2024, 3, 1).unwrap();
    /// let mut spec = ProgramSpec::default();
    /// spec.tiers = Some(TierSpec::new(vec![("member", 0), ("gold", 100)], QualificationBasis::Spend,
    ///     QualificationWindow::Lifetime, ReviewSchedule::Never)?);
    /// let program = Program::try_from(spec)?;
    /// let mut acct = Account::new(d);
    /// acct.apply(&program, &Event::purchase(d, 1, Decimal::from(150)))?;
    /// assert_eq!(acct.tier_index(), Some(1));
    /// assert_eq!(acct.tier_history().last().map(|c| c.to), Some(1));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn tier_index(&self) -> Option<usize> {
        self.tier.as_ref().map(|t| t.current)
    }

    /// Every tier change so far.
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use customer_value::loyalty::*;
    /// use rust_decimal::Decimal;
    ///
    /// let d = |day| NaiveDate::from_ymd_opt(2024, 3, day).unwrap();
    /// let mut spec = ProgramSpec::default();
    /// spec.tiers = Some(TierSpec::new(vec![("member", 0), ("gold", 100)], QualificationBasis::Spend,
    ///     QualificationWindow::Lifetime, ReviewSchedule::Never)?);
    /// let program = Program::try_from(spec)?;
    /// let mut acct = Account::new(d(1));
    /// acct.apply(&program, &Event::purchase(d(2), 1, Decimal::from(60)))?;
    /// assert!(acct.tier_history().is_empty()); // 60 spent: still a member
    /// acct.apply(&program, &Event::purchase(d(9), 2, Decimal::from(60)))?;
    /// let change = &acct.tier_history()[0]; // 120 spent: gold
    /// assert_eq!((change.from, change.to, change.date), (0, 1, d(9)));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    #[must_use]
    pub fn tier_history(&self) -> &[TierChange] {
        self.tier.as_ref().map_or(&[], |t| t.history.as_slice())
    }

    /// Progress to the next tier as of the clock day.
    ///
    /// # Errors
    ///
    /// [`Error::Undefined`] if the program has no tiers; [`Error::Overflow`].
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use customer_value::loyalty::*;
    /// use rust_decimal::Decimal;
    /// let d = NaiveDate::from_ymd_opt(2024, 3, 1).unwrap();
    /// let mut spec = ProgramSpec::default();
    /// spec.tiers = Some(TierSpec::new(vec![("member", 0), ("gold", 100)], QualificationBasis::Spend,
    ///     QualificationWindow::Lifetime, ReviewSchedule::Never)?);
    /// let program = Program::try_from(spec)?;
    /// let mut acct = Account::new(d);
    /// acct.apply(&program, &Event::purchase(d, 1, Decimal::from(60)))?;
    /// let p = acct.progress(&program)?;
    /// assert_eq!((p.tier, p.next, p.remaining), (0, Some((1, Decimal::from(100))), Decimal::from(40)));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn progress(&mut self, program: &Program) -> Result<TierProgress> {
        let spec = program.tiers.as_ref().ok_or_else(|| Error::Undefined {
            what: "tier progress",
            reason: "the program has no tiers".into(),
        })?;
        let balance = self.balance();
        let (enrolled, clock) = (self.enrolled, self.clock);
        self.tier
            .get_or_insert_with(|| TierState::new(spec, enrolled))
            .progress(spec, clock, balance)
    }

    /// Checks the ledger's invariants ([`Ledger::check`]).
    ///
    /// # Errors
    ///
    /// [`Error::Undefined`] naming the broken invariant.
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use customer_value::loyalty::{Account, Award, EarningRule, Event, EventType, Program, ProgramSpec};
    /// use rust_decimal::Decimal;
    ///
    /// let d = NaiveDate::from_ymd_opt(2024, 3, 1).unwrap();
    /// let mut spec = ProgramSpec::default();
    /// spec.rules.push(EarningRule::new("euro", EventType::Purchase, Award::PerAmount { points: 1, per: Decimal::ONE }));
    /// let program = Program::try_from(spec)?;
    /// let mut acct = Account::new(d);
    /// acct.apply(&program, &Event::purchase(d, 1, Decimal::from(80)))?;
    /// acct.apply(&program, &Event::refund(d, 1))?;
    /// acct.check()?; // lots, balance and journal still agree
    /// assert_eq!(acct.balance(), 0);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn check(&self) -> Result<()> {
        self.ledger.check()
    }

    /// Processes every day start up to and including `date` (expiries, activations,
    /// reviews), without an event.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] if `date` is before the clock or more than
    /// [`MAX_ADVANCE_DAYS`](Self::MAX_ADVANCE_DAYS) after it (checked before any work:
    /// the account is unchanged); [`Error::Overflow`].
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use customer_value::loyalty::{Account, Award, EarningRule, Event, EventType, Expiry, Program, ProgramSpec};
    /// use rust_decimal::Decimal;
    ///
    /// let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
    /// let mut spec = ProgramSpec::default();
    /// spec.rules.push(EarningRule::new("euro", EventType::Purchase, Award::PerAmount { points: 1, per: Decimal::ONE }));
    /// spec.expiry = Expiry::AfterMonths { months: 1 };
    /// let program = Program::try_from(spec)?;
    /// let mut acct = Account::new(d(1, 1));
    /// acct.apply(&program, &Event::purchase(d(1, 10), 1, Decimal::from(40)))?;
    /// acct.advance_to(&program, d(2, 10))?; // the lot expires at the start of 10 Feb
    /// assert_eq!(acct.balance(), 0);
    /// assert!(acct.advance_to(&program, d(1, 5)).is_err()); // the clock does not go back
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn advance_to(&mut self, program: &Program, date: NaiveDate) -> Result<()> {
        if date < self.clock {
            return Err(Error::param(
                "date",
                date,
                "events must come in date order (this is before the account's clock)",
            ));
        }
        if (date - self.clock).num_days() > Self::MAX_ADVANCE_DAYS {
            return Err(Error::param(
                "date",
                date,
                "an account advances at most Account::MAX_ADVANCE_DAYS = 3,652,425 days (the years 0 to 9999) in one call",
            ));
        }
        if self.tier.is_none() {
            if let Some(spec) = &program.tiers {
                self.tier = Some(TierState::new(spec, self.enrolled));
            }
        }
        loop {
            let due = match (
                self.ledger.next_due(self.clock),
                self.tier.as_ref().and_then(TierState::next_due),
            ) {
                (Some(a), Some(b)) => a.min(b),
                (a, b) => match a.or(b) {
                    Some(d) => d,
                    None => break,
                },
            };
            if due > date {
                break;
            }
            // A due day at or before the clock would be a bookkeeping bug; never loop on it.
            let due = due.max(self.clock.succ_opt().unwrap_or(due));
            self.start_day(program, due)?;
            self.clock = due;
        }
        self.clock = date;
        Ok(())
    }

    fn start_day(&mut self, program: &Program, date: NaiveDate) -> Result<()> {
        let before = self.balance();
        if let (Some(spec), Some(t)) = (&program.tiers, self.tier.as_mut()) {
            t.start_day(spec, self.enrolled, date, before)?;
        }
        self.ledger.start_day(date)?;
        if let (Some(spec), Some(t)) = (&program.tiers, self.tier.as_mut()) {
            t.upgrade(spec, date, self.ledger.balance())?;
        }
        Ok(())
    }

    /// Applies one event (after processing the day starts up to its date).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for an event before the clock or more than
    /// [`MAX_ADVANCE_DAYS`](Self::MAX_ADVANCE_DAYS) after it, or a non-positive
    /// redemption; [`Error::Overflow`], among others when an earned lot would push the
    /// points outstanding beyond `Points::MAX` (see [`Ledger::add_lot`](super::Ledger::add_lot)):
    /// the event is then not applied (the days up to its date are processed) and the
    /// account still passes its checks. Business refusals (insufficient points, unknown
    /// order...) are not errors: they return [`Outcome::Rejected`] and are counted.
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use customer_value::loyalty::{Account, Award, EarningRule, Event, EventType, Outcome, Program, ProgramSpec, Rejection};
    /// use rust_decimal::Decimal;
    ///
    /// let d = NaiveDate::from_ymd_opt(2024, 3, 1).unwrap();
    /// let mut spec = ProgramSpec::default();
    /// spec.rules.push(EarningRule::new("euro", EventType::Purchase, Award::PerAmount { points: 1, per: Decimal::ONE }));
    /// let program = Program::try_from(spec)?;
    /// let mut acct = Account::new(d);
    /// acct.apply(&program, &Event::purchase(d, 1, Decimal::from(20)))?;
    /// // A business refusal is an outcome, counted, not an error.
    /// let out = acct.apply(&program, &Event::redeem(d, 500))?;
    /// assert!(matches!(out, Outcome::Rejected(Rejection::InsufficientPoints { .. })));
    /// assert_eq!((acct.balance(), acct.rejected), (20, 1));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn apply(&mut self, program: &Program, event: &Event) -> Result<Outcome> {
        let date = event.date;
        self.advance_to(program, date)?;
        let outcome = match event.kind {
            EventKind::Purchase { order, amount, units } => {
                if self.order_pos(order).is_ok() {
                    Outcome::Rejected(Rejection::DuplicateOrder(order))
                } else if amount < Decimal::ZERO {
                    Outcome::Rejected(Rejection::NegativeAmount)
                } else {
                    self.earn(program, date, EventType::Purchase, Some(order), amount, units)?
                }
            }
            EventKind::Activity { event, amount, units } => {
                if amount < Decimal::ZERO {
                    Outcome::Rejected(Rejection::NegativeAmount)
                } else {
                    self.earn(program, date, event, None, amount, units)?
                }
            }
            EventKind::Refund { order, amount } => self.refund(program, date, order, amount)?,
            EventKind::Redeem { points } => {
                if points <= 0 {
                    return Err(Error::param("points", points, "a redemption must be positive"));
                }
                let balance = self.balance();
                if points > balance {
                    Outcome::Rejected(Rejection::InsufficientPoints {
                        requested: points,
                        balance,
                    })
                } else {
                    Outcome::Redeemed(self.ledger.spend(date, points)?)
                }
            }
            EventKind::Adjust { points } => {
                if points >= 0 {
                    let expires = program.expiry.expires(date)?;
                    let lot = self
                        .ledger
                        .add_lot(LotSource::Adjustment, date, date, expires, points)?;
                    Outcome::Earned {
                        lot: Some(lot),
                        points,
                        capped: 0,
                    }
                } else {
                    let (draws, forgiven) = self.ledger.claw_back(
                        date,
                        points.checked_neg().unwrap_or(Points::MAX),
                        None,
                        false,
                        false,
                    )?;
                    Outcome::Refunded {
                        draws,
                        forgiven,
                        debt: 0,
                    }
                }
            }
            EventKind::SetTier { tier } => match (&program.tiers, self.tier.as_mut()) {
                (Some(spec), Some(t)) if tier.is_none_or(|i| usize::from(i) < spec.tiers.len()) => {
                    t.set_manual(date, tier.map(usize::from));
                    Outcome::TierSet
                }
                _ => Outcome::Rejected(Rejection::UnknownTier),
            },
        };
        if matches!(outcome, Outcome::Rejected(_)) {
            self.rejected = self.rejected.saturating_add(1);
        }
        Ok(outcome)
    }

    fn order_pos(&self, order: u64) -> std::result::Result<usize, usize> {
        // Orders usually arrive in increasing id: check the end first.
        match self.orders.last() {
            Some(o) if o.order < order => Err(self.orders.len()),
            None => Err(0),
            _ => self.orders.binary_search_by_key(&order, |o| o.order),
        }
    }

    fn earn(
        &mut self,
        program: &Program,
        date: NaiveDate,
        event: EventType,
        order: Option<u64>,
        amount: Decimal,
        units: u32,
    ) -> Result<Outcome> {
        let tier = self.tier_index();
        let (earned, event_capped) = match earn_points_fast(program, event, date, amount, units, tier) {
            Some(fast) => fast,
            None => {
                let (_, earned, capped) = earn_points(program, event, date, amount, units, tier, None)?;
                (earned, capped)
            }
        };
        let mut points = earned;
        // The period cap's new state is committed only once the lot is in the ledger, so
        // a refused lot leaves the account as it was.
        let mut period = self.period;
        if let Some(cap) = program.period_cap {
            let start = cap.period.start(date);
            let used = match self.period {
                Some((s, used)) if s == start => used,
                _ => 0,
            };
            points = points.min(cap.points.saturating_sub(used).max(0));
            period = Some((
                start,
                used.checked_add(points)
                    .ok_or(Error::Overflow { op: "period cap" })?,
            ));
        }
        let capped = event_capped.saturating_add(earned - points);
        let lot = if points > 0 {
            let available = date
                .checked_add_days(Days::new(u64::from(program.pending_days)))
                .ok_or(Error::Overflow { op: "pending date" })?;
            let expires = program.expiry.expires(available)?;
            let source = order.map_or(LotSource::Activity(event), LotSource::Order);
            Some(self.ledger.add_lot(source, date, available, expires, points)?)
        } else {
            None
        };
        self.period = period;
        if let Some(order) = order {
            let pos = self.order_pos(order).err().unwrap_or(self.orders.len());
            self.orders.insert(
                pos,
                OrderRecord {
                    order,
                    amount,
                    refunded: Decimal::ZERO,
                    points,
                    clawed: 0,
                    lot,
                },
            );
        }
        if let (Some(spec), Some(t)) = (&program.tiers, self.tier.as_mut()) {
            let spend = if order.is_some() { amount } else { Decimal::ZERO };
            t.record(spec, date, points, spend, order.is_some())?;
            t.upgrade(spec, date, self.ledger.balance())?;
        }
        Ok(Outcome::Earned { lot, points, capped })
    }

    fn refund(
        &mut self,
        program: &Program,
        date: NaiveDate,
        order: u64,
        amount: Option<Decimal>,
    ) -> Result<Outcome> {
        let Ok(pos) = self.order_pos(order) else {
            return Ok(Outcome::Rejected(Rejection::UnknownOrder(order)));
        };
        let Some(rec) = self.orders.get(pos).cloned() else {
            return Ok(Outcome::Rejected(Rejection::UnknownOrder(order)));
        };
        let overflow = || Error::Overflow { op: "refund" };
        let left = rec.amount.checked_sub(rec.refunded).ok_or_else(overflow)?;
        let refund = amount.unwrap_or(left);
        if refund > left || refund < Decimal::ZERO || (refund.is_zero() && amount.is_some()) {
            return Ok(Outcome::Rejected(Rejection::RefundExceedsOrder(order)));
        }
        let refunded = rec.refunded.checked_add(refund).ok_or_else(overflow)?;
        // Cumulative target so that several partial refunds never claw back more (or
        // less) than one full refund would.
        let target = if refunded == rec.amount {
            rec.points
        } else {
            let share = Decimal::from(rec.points)
                .checked_mul(refunded)
                .and_then(|x| x.checked_div(rec.amount))
                .ok_or_else(overflow)?;
            program.rounding.round(share)?.clamp(0, rec.points)
        };
        let claw = target.saturating_sub(rec.clawed).max(0);
        let (own_only, allow_debt) = match program.clawback {
            ClawbackPolicy::AllowNegative => (false, true),
            ClawbackPolicy::CapAtBalance => (false, false),
            ClawbackPolicy::OrderPointsOnly => (true, false),
        };
        let debt_before = self.ledger.debt;
        let (draws, forgiven) = self.ledger.claw_back(date, claw, rec.lot, own_only, allow_debt)?;
        if let Some(r) = self.orders.get_mut(pos) {
            r.refunded = refunded;
            r.clawed = target.max(rec.clawed);
        }
        if let (Some(spec), Some(t)) = (&program.tiers, self.tier.as_mut()) {
            t.record(
                spec,
                date,
                claw.checked_neg().ok_or_else(overflow)?,
                -refund,
                false,
            )?;
        }
        Ok(Outcome::Refunded {
            draws,
            forgiven,
            debt: self.ledger.debt - debt_before,
        })
    }
}

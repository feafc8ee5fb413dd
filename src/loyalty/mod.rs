//! Loyalty programs: points earned by rules, a ledger of lots with expiry and refunds,
//! tiers with reviews, liability and breakage, loyalty scores, and bulk runs over a
//! customer base.
//!
//! * **Definitions** ([`ProgramSpec`] → [`Program`]): plain serde data, validated once;
//!   errors name the rule, multiplier or tier ([`Error::InvalidDefinition`](crate::Error::InvalidDefinition)).
//! * **Earning** ([`earn`]): rules in priority order with stop-after, per-amount awards
//!   rounded once per event ([`RoundingMode`]), tier and campaign [`Multiplier`]s, caps
//!   per event and per period.
//! * **Ledger** ([`Ledger`], [`Lot`]): each award is a lot; spending draws the
//!   earliest-expiring first; [`Expiry`] after days or months, at month or year end, or
//!   never; pending delays; refunds claw back under a [`ClawbackPolicy`].
//! * **Accounts** ([`Account`], [`Event`]): one member's ledger, tier and orders, with a
//!   fixed order of operations within a day.
//! * **Tiers** ([`TierSpec`], [`TierState`]): `>=` thresholds on a qualifying value over a
//!   window; immediate upgrades, downgrades only at reviews with grace and soft landing.
//! * **Money** ([`liability`], [`Breakage`], [`ifrs15_allocation`], [`PaidMembership`],
//!   [`ValuePledge`]): outstanding-points liability, breakage, the IFRS 15 allocation of
//!   a sale between goods and points, membership ROI, value-based accruals.
//! * **Scores** ([`LoyaltyScoring`]): a weighted composite of RFM, tenure, regularity
//!   against an expected cadence, and optional P(alive) and CLV, mapped to tiers.
//! * **Bulk** ([`run_bulk`]): balances and tiers of a whole base at a date.
//!
//! Points are `i64` with checked arithmetic; money is [`Decimal`](rust_decimal::Decimal).
//!
//! # Program kinds (the loyalty brief)
//!
//! Points (per purchase and per amount), spend-based (per-amount rules or a spend tier
//! basis), tier-based ([`TierSpec`]), paid membership ([`PaidMembership`]), value-based
//! ([`ValuePledge`]), partnership and gamified ([`EventType::PartnerPurchase`],
//! [`EventType::Challenge`] earning rules) and the hybrid points + tiers program — each
//! is shown in `tests/loyalty/programs.rs` and `examples/loyalty.rs`.
//!
//! # Sources
//!
//! * IFRS 15 *Revenue from Contracts with Customers*, Illustrative Example 52 (customer
//!   loyalty programme) and KPMG, *Revenue — IFRS 15 Handbook*, the loyalty points
//!   example (100,000 of sales, 10,000 points, 97 % expected redemption → 8,842.30
//!   allocated to the points).
//! * Seed text 004 of this project (program kinds; a restaurant expects about one visit a
//!   month, six a year, measured over six-month windows).

mod account;
mod bulk;
mod earning;
mod economics;
mod ledger;
mod liability;
mod program;
mod scoring;
mod tiers;

pub use account::{Account, Event, EventKind, Outcome, Rejection};

pub use bulk::{BulkRun, run_bulk};
pub use earning::{Earning, earn};
pub use economics::{PaidMembership, PledgeBasis, ValuePledge};
pub use ledger::{Draw, Entry, EntryKind, Ledger, LedgerTotals, Lot, LotSource};
pub use liability::{Breakage, Ifrs15Allocation, ifrs15_allocation, ifrs15_revenue, liability};
pub use program::{
    Award, CalendarPeriod, ClawbackPolicy, EarningRule, EventType, Expiry, Multiplier, PeriodCap, Points,
    Program, ProgramSpec, RoundingMode,
};
pub use scoring::{Cadence, LoyaltyScores, LoyaltyScoring, ScoreInputs, ScoreWeights, TierCut, regularity};

pub use tiers::{
    ChangeReason, QualificationBasis, QualificationWindow, ReviewSchedule, Tier, TierChange, TierProgress,
    TierSpec, TierState,
};

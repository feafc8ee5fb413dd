//! Customer profitability in exact money (the profitability brief): net profit, margin, CLV:CAC,
//! risk-adjusted revenue, CAC payback and break-even acquisition cost, and ranking a
//! customer base into profitable, marginal and loss-making customers.
//!
//! # Corrections to the seed
//!
//! The profitability brief prints two ratios upside down. This module implements the correct ones:
//!
//! * customer profit margin = 100 × net profit / revenue (the seed writes
//!   revenue / net profit);
//! * customer ROI = CLV / CAC, healthy above 1 (3:1 is the usual floor, ChartMogul); the
//!   seed writes CAC / CLV.
//!
//! # Worked example (the profitability brief, toman)
//!
//! ```
//! use customer_value::profitability::{rank_by_profit, ClassThresholds, CustomerCosts, CustomerProfitability};
//! use rust_decimal::Decimal;
//!
//! let m = |x: i64| Decimal::from(x);
//! // A: 3 purchases a year of 4,000,000; 1,000,000 a year to acquire and retain.
//! let a = CustomerProfitability::from_purchases(m(3), m(4_000_000), CustomerCosts::acquisition_and_retention(m(400_000), m(600_000)))?;
//! // B: one purchase of 6,000,000; 2,000,000 to acquire and retain.
//! let b = CustomerProfitability::from_purchases(m(1), m(6_000_000), CustomerCosts::acquisition_and_retention(m(1_500_000), m(500_000)))?;
//! assert_eq!(a.revenue, m(12_000_000));
//! assert_eq!(a.net_profit()?, m(11_000_000));
//! assert_eq!(b.net_profit()?, m(4_000_000));
//! let ranking = rank_by_profit(&["A", "B"], &[a.net_profit()?, b.net_profit()?], ClassThresholds::default())?;
//! assert_eq!(ranking.customers[0].customer, "A"); // A ranks above B despite B's larger purchase
//! # Ok::<(), customer_value::Error>(())
//! ```

mod bulk;
mod customer;
mod payback;
mod ranking;

pub use bulk::net_profit_columns;
#[cfg(feature = "parallel")]
#[cfg_attr(docsrs, doc(cfg(feature = "parallel")))]
pub use bulk::net_profit_columns_parallel;
pub use customer::{CustomerCosts, CustomerProfitability, clv_to_cac};
pub use payback::{break_even_cac, cac_for_target_ratio, cac_payback_periods, segment_break_even_cac};
pub use ranking::{ClassThresholds, ProfitClass, ProfitabilityRanking, RankedCustomer, rank_by_profit};

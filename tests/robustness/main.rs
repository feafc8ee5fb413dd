//! Robustness: the seven failure classes and the BTYD edge cases, with seeded generators (`CASES`).
//!
//! One test binary per area (each file a module) keeps `cargo test` from linking
//! dozens of binaries.

mod btyd;
mod classes;

//! Logs in: CSV readers, real exports, summaries and their laws.
//!
//! One test binary per area (each file a module) keeps `cargo test` from linking
//! dozens of binaries.

mod bad_input;
mod cdnow;
mod csv;
mod laws;
mod oracle;
mod real_exports;

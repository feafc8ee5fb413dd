//! plot bench
fn main() {}

//! customer-value's BTYD summaries, fits and scores as Apache DataFusion SQL functions.

//! loyalty charts.

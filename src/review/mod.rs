//! Reviewing a tuning change: rule diffs, mutation testing, clause coverage, false-positive pages.

pub mod coverage;
pub mod mutate;
pub mod rule_diff;

//! Reviewing a tuning change: rule diffs, mutation testing, clause coverage, false-positive pages.

pub mod alert_diff;
pub mod coverage;
pub mod coverage_report;
pub mod diff;
pub mod eql_coverage;
pub mod eql_diff;
pub mod eql_mutate;
pub mod fp_doc;
pub mod git;
pub mod kql_diff;
pub mod kql_equivalence;
pub mod kql_mutate;
pub mod mutate;
pub mod mutation;
pub mod null_proof;
pub mod parity;
pub mod pr_report;
pub mod rule_diff;
pub mod suite;

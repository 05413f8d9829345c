//! Evaluation warnings in Elasticsearch's form: one header per failing expression, then up to
//! 20 distinct detail lines, all prefixed with the expression's `Line L:C`.

use std::collections::BTreeMap;

use super::expr::Site;

pub const MULTI_VALUE: &str =
    "java.lang.IllegalArgumentException: single-value function encountered multi-value";

/// Elasticsearch records at most this many failures per expression.
const MAX_DETAILS: usize = 20;

#[derive(Clone, Debug, Default)]
struct Entry {
    /// `CASE` reports "treating result as false"; everything else "as null".
    as_false: bool,
    /// Warnings that are not failures (`CHANGE_POINT` skipping values): "warnings during
    /// evaluation of [X]" instead of "evaluation of [X] failed".
    only_warnings: bool,
    details: Vec<String>,
}

/// Warnings collected during one run, keyed by expression site (compile order), so the
/// rendering is deterministic whatever order rows were evaluated in.
#[derive(Clone, Debug, Default)]
pub struct Warnings {
    entries: BTreeMap<u32, Entry>,
    /// Warnings not tied to evaluation (e.g. shadowed `STATS` names), in emission order.
    pub notes: Vec<String>,
    /// The failure that ends the whole query (Elasticsearch's 400 error, or a rulegate cap),
    /// the first in input order.
    pub failure: Option<Failure>,
    /// Rows `MV_EXPAND` has made from the current source row (counted against `--max-rows`).
    pub expanded: u64,
}

/// A query that fails while it runs: the code of the diagnostic and its message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    pub code: &'static str,
    pub message: String,
    pub help: Option<String>,
}

impl Warnings {
    pub fn add(&mut self, site: u32, as_false: bool, detail: &str) {
        let entry = self.entries.entry(site).or_default();
        entry.as_false |= as_false;
        if entry.details.len() < MAX_DETAILS && !entry.details.iter().any(|d| d == detail) {
            entry.details.push(detail.to_string());
        }
    }

    /// A warning of a command that reports through one header whose form its first warning
    /// decides: a failure ("evaluation of [X] failed, treating result as null") or, when
    /// `only_warning`, not ("warnings during evaluation of [X]"), as Elasticsearch's
    /// `Warnings.createOnlyWarnings` does.
    pub fn add_command_warning(&mut self, site: u32, only_warning: bool, detail: &str) {
        let fresh = !self.entries.contains_key(&site);
        self.add(site, false, detail);
        if fresh {
            if let Some(entry) = self.entries.get_mut(&site) {
                entry.only_warnings = only_warning;
            }
        }
    }

    pub fn merge(&mut self, other: Warnings) {
        for (site, entry) in other.entries {
            for d in &entry.details {
                self.add(site, entry.as_false, d);
            }
            if let Some(mine) = self.entries.get_mut(&site) {
                mine.only_warnings |= entry.only_warnings;
            }
        }
        for n in other.notes {
            if !self.notes.contains(&n) {
                self.notes.push(n);
            }
        }
        if self.failure.is_none() {
            self.failure = other.failure;
        }
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty() && self.notes.is_empty()
    }

    /// The warning lines, as the `Warning` headers of a `_query` response carry them (without
    /// the header's quoting of `"`).
    pub fn render(&self, sites: &[Site]) -> Vec<String> {
        let mut lines = self.notes.clone();
        for (site, entry) in &self.entries {
            let Some(site) = sites.get(*site as usize) else {
                continue;
            };
            if entry.only_warnings {
                lines.push(format!(
                    "{}: warnings during evaluation of [{}]. Only first 20 failures recorded.",
                    site.location, site.text
                ));
            } else {
                lines.push(format!(
                    "{}: evaluation of [{}] failed, treating result as {}. Only first 20 failures recorded.",
                    site.location,
                    site.text,
                    if entry.as_false { "false" } else { "null" }
                ));
            }
            for d in &entry.details {
                lines.push(format!("{}: {}", site.location, d));
            }
        }
        lines
    }
}

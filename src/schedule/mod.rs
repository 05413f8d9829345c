//! Rule executions as Kibana's detection engine performs them for an ES|QL rule: the schedule,
//! the time-range filter, `NOW()`, `max_signals`, alert ids, deduplication and suppression.
//!
//! The specification is `../shared/notes/detection-rules-and-kibana.md`, section 6; the choices
//! it leaves open are written down in `docs/scheduling.md`. The scheduler does not know how to
//! evaluate ES|QL: it hands each execution's documents and `NOW()` to an [`Engine`], the one seam
//! to the query engine, and turns the rows that come back into [`Alert`]s.
//!
//! ```text
//! documents ─► document_times ─► plan ─► for each execution: engine(docs, now) ─► alerts
//!                                 (t_k, window, docs)            rows            (ids, dedup,
//!                                                                                 suppression,
//!                                                                                 duplicates)
//! ```

mod alert_id;
mod alerts;
mod from_rule;
pub mod time;
mod window;

pub use alert_id::{canonical_json, fnv1a64, hash_id};
pub use alerts::{replay, replay_observed, Alert, AlertSuppression, Execution, Fields, Replay};
pub use from_rule::NEW_TERMS_FIELD;
pub use time::Timestamp;
pub use window::{collect_field, document_times, plan, DocumentTime, PlannedExecution, Window};

use serde::Serialize;

use crate::diagnostic::Diagnostic;

/// Kibana's default schedule: every 5 minutes, look back 6, at most 100 alerts per execution.
pub const DEFAULT_INTERVAL: i64 = 5 * time::MINUTE;
pub const DEFAULT_FROM: i64 = -6 * time::MINUTE;
pub const DEFAULT_MAX_SIGNALS: usize = 100;

/// When a rule runs and what each run reads, with every default filled in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ScheduleSpec {
    /// Milliseconds between executions (`interval`, default `5m`).
    pub interval: i64,
    /// Offset of the window's start from the execution time (`from = "now-6m"` is `-360000`).
    pub from: i64,
    /// Offset of the window's end (`to = "now"` is `0`).
    pub to: i64,
    /// At most this many alerts are created per execution (`max_signals`, default 100).
    pub max_signals: usize,
    /// The field the time-range filter uses instead of `@timestamp`.
    pub timestamp_override: Option<String>,
    /// `timestamp_override_fallback_disabled`: documents without the override are never read.
    pub fallback_disabled: bool,
    pub suppression: Option<SuppressionSpec>,
}

impl Default for ScheduleSpec {
    fn default() -> ScheduleSpec {
        ScheduleSpec {
            interval: DEFAULT_INTERVAL,
            from: DEFAULT_FROM,
            to: 0,
            max_signals: DEFAULT_MAX_SIGNALS,
            timestamp_override: None,
            fallback_disabled: false,
            suppression: None,
        }
    }
}

impl ScheduleSpec {
    pub fn window_at(&self, time: Timestamp) -> Window {
        Window {
            from: time.plus(self.from),
            to: time.plus(self.to),
        }
    }

    /// `timestamp_override ?? "@timestamp"`.
    pub fn primary_timestamp_field(&self) -> &str {
        self.timestamp_override.as_deref().unwrap_or("@timestamp")
    }

    /// `@timestamp` when an override other than `@timestamp` is set and the fallback is not
    /// disabled; the range filter then also reads documents that lack the override.
    pub fn fallback_timestamp_field(&self) -> Option<&str> {
        match self.timestamp_override.as_deref() {
            Some(field) if field != "@timestamp" && !self.fallback_disabled => Some("@timestamp"),
            _ => None,
        }
    }

    /// Checks what Kibana would refuse to schedule.
    pub fn validate(&self) -> Result<(), Diagnostic> {
        if self.interval <= 0 {
            return Err(Diagnostic::error(
                "E702",
                "the rule's interval must be positive",
            ));
        }
        if self.from > self.to {
            return Err(Diagnostic::error(
                "E702",
                format!(
                    "the look-back ends before it starts: from now{} to now{}",
                    signed_duration(self.from),
                    signed_duration(self.to)
                ),
            ));
        }
        if self.max_signals == 0 {
            return Err(Diagnostic::error("E702", "max_signals must be at least 1"));
        }
        Ok(())
    }
}

fn signed_duration(millis: i64) -> String {
    match millis {
        0 => String::new(),
        m if m > 0 => format!("+{}", time::format_duration(m)),
        m => time::format_duration(m),
    }
}

/// `alert_suppression` of a rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SuppressionSpec {
    /// One to three fields; for an aggregating query, columns of its result.
    pub group_by: Vec<String>,
    /// `None` suppresses "per rule execution"; `Some(ms)` "per time period".
    pub duration: Option<i64>,
    pub missing_fields: MissingFieldsStrategy,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum MissingFieldsStrategy {
    /// Rows missing a group-by value are suppressed together (one group per pattern of nulls).
    Suppress,
    /// Rows missing a group-by value each become an alert of their own.
    DoNotSuppress,
}

/// Who the alerts belong to: copied into each alert.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RuleInfo {
    pub rule_id: String,
    pub name: String,
    pub severity: String,
    pub risk_score: i64,
}

/// Everything the scheduler needs to know about one rule besides how to evaluate its query.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ScheduledRule {
    pub info: RuleInfo,
    pub schedule: ScheduleSpec,
    /// The query has a `STATS` command (`INLINE STATS` alone does not count, as in Kibana's
    /// `computeIsESQLQueryAggregating`). Decides how alert ids are formed.
    pub aggregating: bool,
    /// Fields expanded by `MV_EXPAND`: their values join a non-aggregating alert's id, so each
    /// expanded row of one document is its own alert.
    pub expanded_fields: Vec<String>,
}

/// What the engine returns for one execution: column names and rows of JSON values (single
/// values as scalars, multivalues as arrays, null as `null`), in the query's row order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ResultTable {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<serde_json::Value>>,
}

/// The seam to the ES|QL engine: run the compiled query over the documents with these indices
/// (ascending) with `NOW()` = the given instant, and return its result.
pub trait Engine {
    fn run(&mut self, documents: &[usize], now: Timestamp) -> Result<ResultTable, Diagnostic>;
}

impl<F> Engine for F
where
    F: FnMut(&[usize], Timestamp) -> Result<ResultTable, Diagnostic>,
{
    fn run(&mut self, documents: &[usize], now: Timestamp) -> Result<ResultTable, Diagnostic> {
        self(documents, now)
    }
}

/// Kibana's `computeIsESQLQueryAggregating`: the query has a command named `stats`. `INLINE
/// STATS` is a command of another name, so a query with only `INLINE STATS` is not aggregating.
pub fn is_aggregating(query: &crate::esql::ast::Query) -> bool {
    query
        .commands
        .iter()
        .any(|command| matches!(command.kind, crate::esql::ast::CommandKind::Stats(_)))
}

/// The fields a query expands with `MV_EXPAND`, in pipeline order.
pub fn expanded_fields(query: &crate::esql::ast::Query) -> Vec<String> {
    query
        .commands
        .iter()
        .filter_map(|command| match &command.kind {
            crate::esql::ast::CommandKind::MvExpand(name) => Some(name.name.clone()),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::esql::parse;

    #[test]
    fn only_stats_makes_a_query_aggregating() {
        assert!(is_aggregating(
            &parse("FROM a | STATS c = COUNT(*) BY b").unwrap()
        ));
        assert!(!is_aggregating(
            &parse("FROM a | INLINE STATS c = COUNT(*) BY b").unwrap()
        ));
        assert!(!is_aggregating(&parse("FROM a | WHERE b == 1").unwrap()));
    }

    #[test]
    fn mv_expand_fields_are_listed() {
        let query = parse("FROM a | MV_EXPAND b | MV_EXPAND c.d").unwrap();
        assert_eq!(expanded_fields(&query), ["b", "c.d"]);
    }
}

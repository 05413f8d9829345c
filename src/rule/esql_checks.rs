//! The ES|QL checks detection-rules runs on every ES|QL rule (`ESQLRuleData.validates_esql_data`,
//! notes §1.5), made from the syntax tree instead of its regular expressions. They are warnings:
//! the rule still runs, but detection-rules' unit tests would refuse it.

use crate::diagnostic::Diagnostic;
use crate::esql::ast::{CommandKind, Query, SourceCommand};
use crate::span::Span;

pub const W_DETECTION_RULES: &str = "W102";

const DEDUP_FIELDS: [&str; 3] = ["_id", "_version", "_index"];

/// Warnings with spans inside the query text.
pub fn check(query: &Query) -> Vec<Diagnostic> {
    let mut warnings = Vec::new();
    let aggregates_by = query.commands.iter().any(|c| match &c.kind {
        CommandKind::Stats(stats) | CommandKind::InlineStats(stats) => !stats.by.is_empty(),
        _ => false,
    });
    if let SourceCommand::From(from) = &query.source {
        let requested = |field: &str| from.metadata.iter().any(|m| m.name == field);
        if !aggregates_by && !DEDUP_FIELDS.iter().all(|f| requested(f)) {
            warnings.push(warning(
                "a non-aggregating ES|QL rule must request `METADATA _id, _version, _index`",
                from.span,
                "detection-rules needs these fields to de-duplicate alerts; aggregate with `STATS … BY` or add the METADATA clause",
            ));
        }
    }
    let keeps: Vec<_> = query
        .commands
        .iter()
        .filter_map(|c| match &c.kind {
            CommandKind::Keep(patterns) => Some((c.span, patterns)),
            _ => None,
        })
        .collect();
    if keeps.is_empty() {
        warnings.push(warning(
            "an ES|QL rule must have a KEEP command",
            query.span,
            "detection-rules requires `| keep …` so that alerts carry a known set of fields",
        ));
    }
    let has_stats = query
        .commands
        .iter()
        .any(|c| matches!(c.kind, CommandKind::Stats(_)));
    if !has_stats {
        for (span, patterns) in keeps {
            let keeps_all = patterns.iter().any(|p| p.pattern == "*")
                || DEDUP_FIELDS
                    .iter()
                    .all(|f| patterns.iter().any(|p| p.pattern == *f));
            if !keeps_all {
                warnings.push(warning(
                    "without STATS, every KEEP must keep `_id`, `_version` and `_index` (or `*`)",
                    span,
                    "detection-rules' KEEP check: dropped metadata breaks alert de-duplication",
                ));
            }
        }
    }
    warnings
}

fn warning(message: &str, span: Span, help: &str) -> Diagnostic {
    Diagnostic::warning(W_DETECTION_RULES, message)
        .with_label(span, "detection-rules would reject this")
        .with_help(help)
}

//! What a run reports besides alerts: how many documents each exclusion suppressed, and how
//! close each group came to the threshold in each execution.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{DocumentSet, PreparedRule};
use crate::analysis::{Predicate as Conjunct, PredicateKind};
use crate::diagnostic::Diagnostic;
use crate::eval::{self, Predicate};
use crate::schedule::{Fields, PlannedExecution, Timestamp};
use crate::syntax::ast::{Query, SourceCommand};

/// Documents an exclusion dropped that every indicator of the same `WHERE` let through.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ExclusionCount {
    /// The conjunct as written (`not user.name in (…)`).
    pub exclusion: String,
    pub field: String,
    pub documents: usize,
    /// The same count per generating actor (scenarios only).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub by_actor: BTreeMap<String, usize>,
}

/// One group's aggregate against the threshold in one execution.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ThresholdMargin {
    pub execution: Timestamp,
    /// The `BY` keys and their values.
    pub group: Fields,
    /// The aggregate (`Esql.unique_credentials`).
    pub value: i64,
    /// The smallest alerting value (3 for `>= 3`).
    pub needed: i64,
}

/// Counts, per pre-`STATS` exclusion, the documents read by some execution that it dropped
/// while every indicator of its `WHERE` was true. `NOW()` is the first execution reading the
/// document.
pub fn exclusion_counts(
    rule: &PreparedRule,
    docs: &DocumentSet,
    plan: &[PlannedExecution],
) -> Result<Vec<ExclusionCount>, Diagnostic> {
    let mut first_seen: BTreeMap<usize, Timestamp> = BTreeMap::new();
    for execution in plan {
        for &doc in &execution.documents {
            first_seen.entry(doc).or_insert(execution.time);
        }
    }
    let patterns = from_patterns(&rule.query);
    let readable: Vec<(usize, Timestamp)> = first_seen
        .into_iter()
        .filter(|&(doc, _)| match docs.documents.index_of(doc) {
            Some(name) => patterns
                .iter()
                .any(|pattern| eval::index_matches(pattern, name)),
            None => true,
        })
        .collect();
    let mut counts = Vec::new();
    for exclusion in rule.analysis.exclusions.iter().filter(|e| !e.after_stats) {
        let indicators: Vec<&Conjunct> = rule
            .analysis
            .indicators
            .iter()
            .filter(|indicator| indicator.location.command == exclusion.location.command)
            .collect();
        let Some(compiled) = compile_all(
            rule,
            docs,
            std::iter::once(exclusion).chain(indicators.iter().copied()),
        ) else {
            // The WHERE reads columns computed by an earlier command; not countable per document.
            continue;
        };
        let (exclusion_test, indicator_tests) =
            compiled.split_first().expect("one exclusion at least");
        let mut count = ExclusionCount {
            exclusion: exclusion.span.slice(&rule.text).trim().to_string(),
            field: exclusion.field.clone(),
            documents: 0,
            by_actor: BTreeMap::new(),
        };
        for &(doc, now) in &readable {
            let passes_indicators = indicator_tests
                .iter()
                .all(|test| test.eval(&docs.documents, doc, now.millis()) == Some(true));
            if passes_indicators
                && exclusion_test.eval(&docs.documents, doc, now.millis()) != Some(true)
            {
                count.documents += 1;
                if let Some(actor) = &docs.actors[doc] {
                    *count.by_actor.entry(actor.clone()).or_default() += 1;
                }
            }
        }
        counts.push(count);
    }
    Ok(counts)
}

fn compile_all<'a>(
    rule: &PreparedRule,
    docs: &DocumentSet,
    conjuncts: impl Iterator<Item = &'a Conjunct>,
) -> Option<Vec<Predicate>> {
    conjuncts
        .map(|conjunct| {
            Predicate::compile(&conjunct.expr, &rule.text, &docs.documents.columns).ok()
        })
        .collect()
}

fn from_patterns(query: &Query) -> Vec<String> {
    match &query.source {
        SourceCommand::From(from) => from
            .indices
            .iter()
            .map(|index| index.pattern.clone())
            .collect(),
        SourceCommand::Row(_) => Vec::new(),
    }
}

/// The first post-`STATS` threshold (`>=`, `>` or `==` against an integer): its location,
/// column and the smallest alerting value.
fn threshold(rule: &PreparedRule) -> Option<(&Conjunct, i64)> {
    rule.analysis
        .indicators
        .iter()
        .filter(|i| i.after_stats)
        .find_map(|indicator| {
            let value: i64 = indicator.values.first()?.parse().ok()?;
            let needed = match indicator.kind {
                PredicateKind::Ge | PredicateKind::Eq => value,
                PredicateKind::Gt => value + 1,
                _ => return None,
            };
            Some((indicator, needed))
        })
}

/// Runs the pipeline up to the threshold's `WHERE` in every execution and reports each group's
/// aggregate against the threshold. Empty when the rule has no such threshold.
pub fn threshold_margins(
    rule: &PreparedRule,
    docs: &DocumentSet,
    plan: &[PlannedExecution],
) -> Result<Vec<ThresholdMargin>, Diagnostic> {
    let Some((threshold, needed)) = threshold(rule) else {
        return Ok(Vec::new());
    };
    let mut prefix = rule.query.clone();
    prefix.commands.truncate(threshold.location.command);
    let compiled = rule.with_query(prefix).compile(docs)?;
    let mut margins = Vec::new();
    for execution in plan
        .iter()
        .filter(|execution| !execution.documents.is_empty())
    {
        let table = compiled.run(
            &docs.documents,
            eval::Window::Indices(&execution.documents),
            execution.time.millis(),
        );
        let Some(value_column) = table.columns.iter().position(|c| c.name == threshold.field)
        else {
            continue;
        };
        let key_columns: Vec<usize> = rule
            .analysis
            .group_by
            .iter()
            .filter_map(|key| table.columns.iter().position(|c| &c.name == key))
            .collect();
        for row in &table.rows {
            let Some(value) = row[value_column].to_json().as_i64() else {
                continue;
            };
            margins.push(ThresholdMargin {
                execution: execution.time,
                group: Fields(
                    key_columns
                        .iter()
                        .map(|&c| (table.columns[c].name.clone(), row[c].to_json()))
                        .collect(),
                ),
                value,
                needed,
            });
        }
    }
    Ok(margins)
}

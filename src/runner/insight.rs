//! What a run reports besides alerts: how many documents each exclusion suppressed, and how
//! close each group came to the threshold in each execution.

use std::collections::BTreeMap;

use serde::Serialize;

use super::RuleLogic;
use super::{DocumentSet, PreparedRule};
use crate::analysis::{Predicate as Conjunct, PredicateKind};
use crate::diagnostic::Diagnostic;
use crate::esql::ast::{Query, SourceCommand};
use crate::eval::{self, Predicate};
use crate::schedule::{Fields, PlannedExecution, Timestamp};

/// Documents an exclusion dropped that every indicator of the same `WHERE` let through.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ExclusionCount {
    /// The exclusion by field and kind (`user.name in`, `to_string(source.ip) in`), not by its
    /// text: adding a value to a list changes only the scenarios whose documents it affects.
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

/// Every pre-`STATS` conjunct's value on every document some execution read: the table
/// `explain`, exclusion counts and expectations read. `NOW()` is the first execution reading
/// the document. Conjuncts of a `WHERE` that reads columns computed by an earlier command
/// (`EVAL`) cannot be evaluated per document and are left out.
#[derive(Clone, Debug)]
pub struct ConjunctOutcomes<'r> {
    /// The conjuncts, in query order.
    pub conjuncts: Vec<&'r Conjunct>,
    /// `(document, first execution reading it, value of each conjunct)`, documents ascending.
    /// Documents `FROM` does not read (another data stream) are left out.
    pub documents: Vec<(usize, Timestamp, Vec<Option<bool>>)>,
}

impl ConjunctOutcomes<'_> {
    /// Whether every conjunct of the `WHERE` at `command` other than `skip` is true.
    pub fn others_true(&self, values: &[Option<bool>], command: usize, skip: usize) -> bool {
        self.conjuncts
            .iter()
            .zip(values)
            .enumerate()
            .all(|(i, (conjunct, value))| {
                i == skip || conjunct.location.command != command || *value == Some(true)
            })
    }
}

pub fn conjunct_outcomes<'r>(
    rule: &'r PreparedRule,
    docs: &DocumentSet,
    plan: &[PlannedExecution],
) -> ConjunctOutcomes<'r> {
    let mut first_seen: BTreeMap<usize, Timestamp> = BTreeMap::new();
    for execution in plan {
        for &doc in &execution.documents {
            first_seen.entry(doc).or_insert(execution.time);
        }
    }
    let patterns = match &rule.logic {
        RuleLogic::Esql(query) => from_patterns(query),
        logic => logic
            .kql()
            .map(|search| search.index.clone())
            .unwrap_or_default(),
    };
    let mut pre_stats: Vec<&Conjunct> = rule
        .analysis
        .exclusions
        .iter()
        .chain(&rule.analysis.indicators)
        .filter(|conjunct| !conjunct.after_stats)
        .collect();
    pre_stats.sort_by_key(|conjunct| conjunct.location);
    let mut conjuncts = Vec::new();
    let mut compiled = Vec::new();
    for conjunct in pre_stats {
        if let Ok(predicate) =
            Predicate::compile(&conjunct.expr, &rule.text, &docs.documents.columns)
        {
            conjuncts.push(conjunct);
            compiled.push(predicate);
        }
    }
    let documents = first_seen
        .into_iter()
        .filter(|&(doc, _)| match docs.documents.index_of(doc) {
            Some(name) => patterns
                .iter()
                .any(|pattern| crate::document::index_matches(pattern, name)),
            None => true,
        })
        .map(|(doc, now)| {
            let values = compiled
                .iter()
                .map(|test| test.eval(&docs.documents, doc, now.millis()))
                .collect();
            (doc, now, values)
        })
        .collect();
    ConjunctOutcomes {
        conjuncts,
        documents,
    }
}

/// Counts, per pre-`STATS` exclusion, the documents read by some execution that it dropped
/// (false or null) while every other conjunct of its `WHERE` was true.
pub fn exclusion_counts(
    outcomes: &ConjunctOutcomes,
    docs: &DocumentSet,
    rule: &PreparedRule,
) -> Vec<ExclusionCount> {
    let mut counts = Vec::new();
    for (index, conjunct) in outcomes.conjuncts.iter().enumerate() {
        if !rule
            .analysis
            .exclusions
            .iter()
            .any(|e| e.location == conjunct.location)
        {
            continue;
        }
        let mut count = ExclusionCount {
            exclusion: exclusion_label(conjunct, &outcomes.conjuncts),
            field: conjunct.field.clone(),
            documents: 0,
            by_actor: BTreeMap::new(),
        };
        for (doc, _, values) in &outcomes.documents {
            if values[index] != Some(true)
                && outcomes.others_true(values, conjunct.location.command, index)
            {
                count.documents += 1;
                if let Some(actor) = &docs.actors[*doc] {
                    *count.by_actor.entry(actor.clone()).or_default() += 1;
                }
            }
        }
        counts.push(count);
    }
    counts
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
    let mut prefix = rule.esql("threshold margins")?.clone();
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
        if let Some(failure) = table.failure_diagnostic() {
            return Err(failure.at_path(&rule.path));
        }
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

/// `field kind`, with the wrapping function, and `#n` when several exclusions share both.
fn exclusion_label(conjunct: &Conjunct, all: &[&Conjunct]) -> String {
    let describe = |c: &Conjunct| {
        let field = match &c.function {
            Some(function) => format!("{function}({})", c.field),
            None => c.field.clone(),
        };
        format!("{field} {}", c.kind.name())
    };
    let label = describe(conjunct);
    let same: Vec<&&Conjunct> = all
        .iter()
        .filter(|other| describe(other) == label)
        .collect();
    if same.len() > 1 {
        let position = same
            .iter()
            .position(|other| other.location == conjunct.location)
            .unwrap_or(0);
        format!("{label} #{}", position + 1)
    } else {
        label
    }
}

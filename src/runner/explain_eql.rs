//! `rulegate explain` for EQL rules: an event query's documents as a KQL rule's (the first
//! conjunct that is false or null, or the alert); a sequence's documents by step — which step
//! each document matched and what the matcher did with it there (started, advanced or completed
//! a sequence), or why it broke (no earlier step, the join key differs, out of order, outside
//! `maxspan`, an `until` event first), from the engine's own trace of each execution.

use std::collections::HashMap;

use serde_json::Value;

use super::explain::{DocumentFate, Fate, StepFate, StepMiss};
use super::{DocumentSet, EqlSearch, PreparedRule, RuleRun};
use crate::document::{Cell, Documents};
use crate::eql::ast::{Body, Category, EventFilter};
use crate::eql::engine::sequence::StepKind;
use crate::eql::engine::{Engine, JoinKey, Settings, Stage, Traced};
use crate::eql::print::{print_expr, print_filter};
use crate::schedule::Timestamp;

/// What one execution's run saw: the engine and, per (document, stage), its steps.
struct Context<'a> {
    engine: Engine,
    docs: &'a DocumentSet,
    /// Positive stages (missing events are not steps a document advances).
    stages: Vec<Stage>,
    /// Event order of every document of the rule's indices (for "out of order").
    order: HashMap<usize, (i64, usize)>,
    /// The executions that read each document.
    read_by: &'a [Vec<usize>],
}

/// The fate of every document under an EQL rule, given the rule's run.
pub(super) fn explain_eql(
    rule: &PreparedRule,
    search: &EqlSearch,
    docs: &DocumentSet,
    run: &RuleRun,
    read_by: &[Vec<usize>],
) -> Vec<DocumentFate> {
    let store = &docs.documents;
    let settings = Settings {
        size: rule.scheduled.schedule.max_signals,
        ..search.settings.clone()
    };
    // The run compiled the same query over the same columns, so this cannot fail here.
    let Ok(engine) = Engine::compile(&search.query, settings, &store.columns) else {
        return Vec::new();
    };
    let in_index = |doc: usize| match store.index_of(doc) {
        Some(name) if !search.index.is_empty() => search
            .index
            .iter()
            .any(|pattern| crate::document::index_matches(pattern, name)),
        _ => true,
    };
    let traces = traces_per_execution(&engine, store, run, &in_index);
    let order = event_order(&engine, store, &in_index);
    let stages = engine
        .stages()
        .iter()
        .filter(|s| !s.missing)
        .cloned()
        .collect();
    let context = Context {
        engine,
        docs,
        stages,
        order,
        read_by,
    };
    let timestamp_column = store.column("@timestamp");
    (0..store.len())
        .map(|doc| {
            let timestamp = timestamp_of(store, timestamp_column, doc);
            let fate = if read_by[doc].is_empty() {
                Fate::OutsideWindows
            } else if !in_index(doc) {
                Fate::NotRead {
                    index: store.index_of(doc).unwrap_or("").to_string(),
                }
            } else {
                let alerts = alerts_of(run, docs, doc, &read_by[doc]);
                match &search.query.body {
                    Body::Sequence(_) => context.sequence_fate(doc, &traces, &read_by[doc], alerts),
                    _ => context.event_fate(&search.query.filters()[0].clone(), doc, alerts),
                }
            };
            DocumentFate {
                document: doc + 1,
                timestamp,
                actor: docs.actors[doc].clone(),
                fate,
            }
        })
        .collect()
}

/// The engine's trace of each execution, over the documents of its window in the rule's indices.
fn traces_per_execution(
    engine: &Engine,
    store: &Documents,
    run: &RuleRun,
    in_index: &impl Fn(usize) -> bool,
) -> Vec<Vec<Traced>> {
    run.plan
        .iter()
        .map(|execution| {
            let window: Vec<usize> = execution
                .documents
                .iter()
                .copied()
                .filter(|&d| in_index(d))
                .collect();
            engine.trace(store, &window).unwrap_or_default()
        })
        .collect()
}

/// Each document of the rule's indices: its time and position in event order.
fn event_order(
    engine: &Engine,
    store: &Documents,
    in_index: &impl Fn(usize) -> bool,
) -> HashMap<usize, (i64, usize)> {
    let all: Vec<usize> = (0..store.len()).filter(|&d| in_index(d)).collect();
    engine
        .ordered(store, &all)
        .iter()
        .enumerate()
        .map(|(position, e)| (e.doc, (e.time, position)))
        .collect()
}

/// The document's `@timestamp` (`column`), when it is one date.
fn timestamp_of(store: &Documents, column: Option<usize>, doc: usize) -> Option<Timestamp> {
    column.and_then(|c| match &store.row(doc)[c] {
        Cell::One(crate::document::Value::Datetime(millis)) => Some(Timestamp(*millis)),
        _ => None,
    })
}

/// The alerts of executions that read `doc` whose `_id` is the document's (an event alert or a
/// building block).
fn alerts_of(run: &RuleRun, docs: &DocumentSet, doc: usize, read: &[usize]) -> Vec<String> {
    let id = Value::from(docs.documents.id_of(doc));
    run.replay
        .alerts
        .iter()
        .filter(|alert| read.contains(&alert.execution))
        .filter(|alert| alert.fields.get("_id") == Some(&id))
        .map(|alert| alert.id.clone())
        .collect()
}

/// A failing conjunct of a filter: its text, first field, that field's value, false or null.
struct Miss {
    conjunct: String,
    field: String,
    value: Value,
    result: &'static str,
}

impl Context<'_> {
    fn value(&self, doc: usize, field: &str) -> Value {
        let store = &self.docs.documents;
        store
            .column(field)
            .map_or(Value::Null, |c| store.row(doc)[c].to_json())
    }

    /// Every way the document fails the filter: its category, then each failing conjunct.
    fn misses(&self, filter: &EventFilter, doc: usize) -> Vec<Miss> {
        let mut out = Vec::new();
        if let Category::Named(name) = &filter.category {
            let field = &self.engine.settings().event_category_field;
            let value = self.value(doc, field);
            let of_category = match &value {
                Value::String(s) => s == name,
                Value::Array(items) => items.iter().any(|v| v.as_str() == Some(name)),
                _ => false,
            };
            if !of_category {
                out.push(Miss {
                    conjunct: format!("{name} where …"),
                    field: field.clone(),
                    result: if value.is_null() { "null" } else { "false" },
                    value,
                });
            }
        }
        for conjunct in filter.condition.conjuncts() {
            if self
                .engine
                .matches_expr(&self.docs.documents, doc, conjunct)
            {
                continue;
            }
            let mut fields = Vec::new();
            conjunct.fields(&mut fields);
            let field = fields.first().map_or(String::new(), |f| f.name.clone());
            let value = self.value(doc, &field);
            out.push(Miss {
                conjunct: print_expr(conjunct),
                field,
                result: if value.is_null() { "null" } else { "false" },
                value,
            });
        }
        out
    }

    fn event_fate(&self, filter: &EventFilter, doc: usize, alerts: Vec<String>) -> Fate {
        let misses = self.misses(filter, doc);
        match misses.first() {
            Some(first) => Fate::Dropped {
                role: if first.conjunct.starts_with("not ") {
                    "exclusion"
                } else {
                    "indicator"
                },
                conjunct: first.conjunct.clone(),
                field: first.field.clone(),
                value: first.value.clone(),
                result: first.result,
                also_failed: misses.len() - 1,
            },
            None => Fate::Grouped {
                group: crate::schedule::Fields(vec![(
                    "_id".to_string(),
                    Value::from(self.docs.documents.id_of(doc)),
                )]),
                alerted: !alerts.is_empty(),
                alerts,
            },
        }
    }

    /// The written step (1-based) of positive stage `stage`.
    fn step_number(&self, stage: usize) -> usize {
        self.stages[stage].term + 1
    }

    fn sequence_fate(
        &self,
        doc: usize,
        traces: &[Vec<Traced>],
        read: &[usize],
        alerts: Vec<String>,
    ) -> Fate {
        let store = &self.docs.documents;
        let matched: Vec<usize> = (0..self.stages.len())
            .filter(|&s| {
                self.engine
                    .matches_filter(store, doc, &self.stages[s].filter)
            })
            .collect();
        if matched.is_empty() {
            return self.no_step(doc);
        }
        let steps = matched
            .into_iter()
            .map(|stage| {
                let best = read
                    .iter()
                    .flat_map(|&e| traces[e].iter())
                    .filter(|t| t.doc == doc && t.stage == stage)
                    .min_by_key(|t| rank(&t.what));
                match best {
                    Some(traced) => self.step_fate(traced),
                    None => StepFate {
                        step: self.step_number(stage),
                        outcome: "no_join_key",
                        detail: format!(
                            "a join key ({}) is null, so the event joins no sequence",
                            self.key_names(stage)
                        ),
                    },
                }
            })
            .collect();
        Fate::Sequence {
            steps,
            alerted: !alerts.is_empty(),
            alerts,
        }
    }

    /// Each step's first failing conjunct (a written step once, though `runs` repeats it).
    fn no_step(&self, doc: usize) -> Fate {
        let mut steps: Vec<StepMiss> = Vec::new();
        for stage in &self.stages {
            if steps.last().is_some_and(|s| s.step == stage.term + 1) {
                continue;
            }
            let misses = self.misses(&stage.filter, doc);
            let first = misses.first();
            steps.push(StepMiss {
                step: stage.term + 1,
                conjunct: first.map_or_else(|| print_filter(&stage.filter), |m| m.conjunct.clone()),
                field: first.map_or(String::new(), |m| m.field.clone()),
                value: first.map_or(Value::Null, |m| m.value.clone()),
                result: first.map_or("false", |m| m.result),
                also_failed: misses.len().saturating_sub(1),
            });
        }
        Fate::NoStep { steps }
    }

    fn key_names(&self, stage: usize) -> String {
        self.stages[stage]
            .keys
            .iter()
            .map(print_expr)
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn key_text(&self, stage: usize, key: &JoinKey) -> String {
        self.stages[stage]
            .keys
            .iter()
            .zip(key)
            .map(|(name, value)| {
                format!(
                    "{}={}",
                    print_expr(name),
                    value.as_deref().unwrap_or("null")
                )
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn step_fate(&self, traced: &Traced) -> StepFate {
        let key = self.key_text(traced.stage, &traced.key);
        let step = self.step_number(traced.stage);
        let (outcome, detail) =
            match &traced.what {
                StepKind::Started => ("started", format!("started a sequence ({key})")),
                StepKind::Advanced { first } => (
                    "advanced",
                    format!("advanced the sequence begun by #{} ({key})", first + 1),
                ),
                StepKind::Completed { first } => (
                    "completed",
                    format!("completed the sequence begun by #{} ({key})", first + 1),
                ),
                StepKind::Maxspan { first } => (
                    "outside_maxspan",
                    format!(
                        "{} after the sequence's first event #{}, beyond maxspan ({key})",
                        duration(self.time(traced.doc) - self.time(*first)),
                        first + 1
                    ),
                ),
                StepKind::Until { until } => (
                    "until_reached",
                    format!(
                        "the `until` event #{} of the same key came first ({key})",
                        until + 1
                    ),
                ),
                StepKind::MissingEvent {
                    first,
                    missing,
                    query,
                } => {
                    (
                        "missing_event",
                        format!(
                    "completed the sequence begun by #{}, but #{} at {} matches the missing \
                     event `![{}]` (query {}) with the same key ({key}): the sequence is dropped",
                    first + 1,
                    missing + 1,
                    crate::document::datetime::format_iso(self.time(*missing)),
                    self.missing_filter(*query),
                    self.engine.stages().get(*query).map_or(0, |stage| stage.term) + 1
                ),
                    )
                }
                StepKind::NoPredecessor => return self.no_predecessor(traced, step, &key),
            };
        StepFate {
            step,
            outcome,
            detail,
        }
    }

    /// The filter of stage `query` of the sequence (counting missing-event stages), printed.
    fn missing_filter(&self, query: usize) -> String {
        self.engine
            .stages()
            .get(query)
            .map(|stage| print_filter(&stage.filter))
            .unwrap_or_default()
    }

    fn time(&self, doc: usize) -> i64 {
        self.order.get(&doc).map_or(0, |&(time, _)| time)
    }

    /// Why no sequence waited at the previous step: no event matches it, or those that do have
    /// another key, or come after this one, or were not waiting in a window with it.
    fn no_predecessor(&self, traced: &Traced, step: usize, key: &str) -> StepFate {
        let store = &self.docs.documents;
        let previous = &self.stages[traced.stage - 1];
        let previous_step = self.step_number(traced.stage - 1);
        let here = self.order.get(&traced.doc).copied();
        let mut candidates: Vec<(usize, (i64, usize))> = self
            .order
            .iter()
            .filter(|(&d, _)| d != traced.doc)
            .filter(|(&d, _)| self.engine.matches_filter(store, d, &previous.filter))
            .map(|(&d, &at)| (d, at))
            .collect();
        candidates.sort_by_key(|&(_, at)| at);
        let keyed = |d: usize| {
            self.engine
                .keys_for(store, previous, d)
                .unwrap_or_default()
                .contains(&traced.key)
        };
        let same_key: Vec<&(usize, (i64, usize))> =
            candidates.iter().filter(|(d, _)| keyed(*d)).collect();
        let (outcome, detail) = if candidates.is_empty() {
            (
                "no_earlier_step",
                format!("no event matches step {previous_step} ({key})"),
            )
        } else if same_key.is_empty() {
            self.key_differs(traced, &candidates, here, previous_step, key)
        } else if same_key.iter().all(|(_, at)| Some(*at) > here) {
            (
                "out_of_order",
                format!(
                    "step {previous_step}'s event #{} of the same key comes after it ({key})",
                    same_key[0].0 + 1
                ),
            )
        } else {
            self.window_outcome(traced, &same_key, here, previous_step, key)
        };
        StepFate {
            step,
            outcome,
            detail,
        }
    }

    /// No earlier event of the previous step has this join key: the nearest earlier event of
    /// the step (else the first after it) names its key.
    fn key_differs(
        &self,
        traced: &Traced,
        candidates: &[(usize, (i64, usize))],
        here: Option<(i64, usize)>,
        previous_step: usize,
        key: &str,
    ) -> (&'static str, String) {
        let store = &self.docs.documents;
        let previous = &self.stages[traced.stage - 1];
        let (other, _) = candidates
            .iter()
            .rev()
            .find(|(_, at)| Some(*at) < here)
            .unwrap_or(&candidates[0]);
        let other = *other;
        let other_key = self
            .engine
            .keys_for(store, previous, other)
            .unwrap_or_default()
            .first()
            .map_or_else(
                || "a null join key".to_string(),
                |k| self.key_text(traced.stage - 1, k),
            );
        (
            "key_differs",
            format!(
                "step {previous_step}'s event #{} has {other_key}, this one {key}",
                other + 1
            ),
        )
    }

    /// An earlier event of the previous step has this join key: whether they share no
    /// execution window, or another sequence took it.
    fn window_outcome(
        &self,
        traced: &Traced,
        same_key: &[&(usize, (i64, usize))],
        here: Option<(i64, usize)>,
        previous_step: usize,
        key: &str,
    ) -> (&'static str, String) {
        let here_read = &self.read_by[traced.doc];
        let earlier: Vec<usize> = same_key
            .iter()
            .filter(|(_, at)| Some(*at) < here)
            .map(|(d, _)| *d)
            .collect();
        let shares_window = |d: &usize| self.read_by[*d].iter().any(|e| here_read.contains(e));
        match earlier.iter().rev().find(|d| shares_window(d)) {
            None => (
                "no_shared_window",
                format!(
                    "step {previous_step}'s event #{} of the same key is in no execution window \
                     with this one ({key})",
                    earlier.last().map_or(0, |d| d + 1)
                ),
            ),
            Some(d) => (
                "no_waiting_sequence",
                format!(
                    "step {previous_step}'s event #{} of the same key was taken by another \
                     sequence ({key})",
                    d + 1
                ),
            ),
        }
    }
}

/// Best outcome first: a completed sequence explains a document better than a broken one.
fn rank(what: &StepKind) -> u8 {
    match what {
        StepKind::Completed { .. } => 0,
        StepKind::Advanced { .. } => 1,
        StepKind::Started => 2,
        StepKind::MissingEvent { .. } => 3,
        StepKind::Maxspan { .. } => 4,
        StepKind::Until { .. } => 5,
        StepKind::NoPredecessor => 6,
    }
}

/// `6m 1s`, `250ms`.
fn duration(millis: i64) -> String {
    let (ms, total_s) = (millis % 1000, millis / 1000);
    let (h, m, s) = (total_s / 3600, total_s / 60 % 60, total_s % 60);
    let mut parts = Vec::new();
    if h > 0 {
        parts.push(format!("{h}h"));
    }
    if m > 0 {
        parts.push(format!("{m}m"));
    }
    if s > 0 {
        parts.push(format!("{s}s"));
    }
    if ms > 0 || parts.is_empty() {
        parts.push(format!("{ms}ms"));
    }
    parts.join(" ")
}

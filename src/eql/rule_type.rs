//! Kibana's EQL rule type over the one scheduler: each planned execution runs the EQL search
//! (`size` = `max_signals`) and turns its result into alerts as Kibana's EQL executor does.
//!
//! * An **event** becomes one alert whose id hashes the document (`_index`, `_id`) and the
//!   rule, so an event read again by an overlapping window is deduplicated.
//! * A **sequence** of `n` events becomes `n` building-block alerts
//!   (`kibana.alert.building_block_type: default`, `kibana.alert.group.index: i`) and one
//!   sequence ("shell") alert whose fields are what all its events share; all `n + 1` carry
//!   `kibana.alert.group.id` = the shell's id (`buildAlertGroupFromSequence`). Building-block
//!   ids hash every event of the sequence, so the same sequence found again is deduplicated,
//!   while a sequence that differs in one event is new.
//! * Kibana's EQL executor bulk-creates every wrapped alert without a further cap: `max_signals`
//!   bounds the sequences returned, so one execution may create `max_signals × (n + 1)` alerts.
//! * A `sample` result is an execution error in Kibana ("should have either `sequences` or
//!   `events`"); here too (E373).

use std::collections::BTreeSet;

use serde_json::{json, Value};

use super::engine::{Engine, Matched, Outcome};
use crate::diagnostic::Diagnostic;
use crate::eval::store::Documents;
use crate::schedule::{hash_id, Alert, Execution, Fields, PlannedExecution, Replay, ScheduledRule};

pub const E_SAMPLE_RULE: &str = "E373";

pub const BUILDING_BLOCK_TYPE: &str = "kibana.alert.building_block_type";
pub const GROUP_ID: &str = "kibana.alert.group.id";
pub const GROUP_INDEX: &str = "kibana.alert.group.index";

/// Runs every planned execution and creates Kibana's alerts (`engine` compiled with
/// `size = rule.schedule.max_signals`).
pub fn replay(
    rule: &ScheduledRule,
    plan: &[PlannedExecution],
    docs: &Documents,
    engine: &Engine,
) -> Result<Replay, Diagnostic> {
    rule.schedule.validate()?;
    let mut ids: BTreeSet<String> = BTreeSet::new();
    let mut replay = Replay::default();
    for (index, planned) in plan.iter().enumerate() {
        let outcome = engine.run(docs, &planned.documents)?;
        let mut execution = Execution {
            time: planned.time,
            window: planned.window,
            documents: planned.documents.len(),
            rows: 0,
            alerts: 0,
            deduplicated: 0,
            suppressed: 0,
            over_max_signals: 0,
        };
        let new = |fields: Fields, id: String| Alert {
            id,
            rule_id: rule.info.rule_id.clone(),
            rule_name: rule.info.name.clone(),
            severity: rule.info.severity.clone(),
            risk_score: rule.info.risk_score,
            execution: index,
            time: planned.time,
            window: planned.window,
            fields,
            duplicate_of: None,
            suppression: None,
        };
        match outcome {
            Outcome::Events(events) => {
                execution.rows = events.len();
                for doc in events {
                    let id = hash_id(&json!([document_ref(docs, doc), rule.info.rule_id]));
                    if !ids.insert(id.clone()) {
                        execution.deduplicated += 1;
                        continue;
                    }
                    replay.alerts.push(new(document_fields(docs, doc), id));
                    execution.alerts += 1;
                }
            }
            Outcome::Sequences(sequences) => {
                execution.rows = sequences.len();
                for sequence in &sequences {
                    let group = sequence_alerts(rule, docs, sequence);
                    if ids.contains(&group[0].1) {
                        execution.deduplicated += 1;
                        continue;
                    }
                    for (fields, id) in group {
                        ids.insert(id.clone());
                        replay.alerts.push(new(fields, id));
                        execution.alerts += 1;
                    }
                }
            }
            Outcome::Samples(_) => {
                return Err(Diagnostic::error(
                    E_SAMPLE_RULE,
                    "an EQL rule's `sample` query fails in Kibana: its EQL executor handles only events and sequences",
                ))
            }
        }
        replay.executions.push(execution);
    }
    Ok(replay)
}

/// `[_index, _id]` of a document, the part of an alert id that names its source.
fn document_ref(docs: &Documents, doc: usize) -> Value {
    json!([docs.index_of(doc), docs.id_of(doc)])
}

/// A document's loaded fields that have a value, sorted by name.
fn document_fields(docs: &Documents, doc: usize) -> Fields {
    Fields(
        docs.columns
            .iter()
            .zip(docs.row(doc))
            .filter(|(_, cell)| !cell.is_null())
            .map(|(column, cell)| (column.name.clone(), cell.to_json()))
            .collect(),
    )
}

/// The shell alert first, then the building blocks in sequence order: (fields, id) each.
fn sequence_alerts(rule: &ScheduledRule, docs: &Documents, sequence: &Matched) -> Vec<(Fields, String)> {
    let refs: Vec<Value> = sequence.docs.iter().map(|&d| document_ref(docs, d)).collect();
    let block_ids: Vec<String> = (0..sequence.docs.len())
        .map(|i| hash_id(&json!([refs, rule.info.rule_id, i])))
        .collect();
    let shell_id = hash_id(&json!(["sequence", block_ids]));
    let per_event: Vec<Fields> = sequence.docs.iter().map(|&d| document_fields(docs, d)).collect();
    // The shell keeps the fields whose values every event shares (`objectArrayIntersection`).
    let mut shared: Vec<(String, Value)> = per_event[0]
        .0
        .iter()
        .filter(|(name, value)| per_event[1..].iter().all(|f| f.get(name) == Some(value)))
        .cloned()
        .collect();
    shared.push((GROUP_ID.into(), json!(shell_id)));
    let mut out = vec![(Fields(shared), shell_id.clone())];
    for (i, (mut fields, id)) in per_event.into_iter().zip(block_ids).enumerate() {
        fields.0.push((BUILDING_BLOCK_TYPE.into(), json!("default")));
        fields.0.push((GROUP_ID.into(), json!(shell_id)));
        fields.0.push((GROUP_INDEX.into(), json!(i)));
        out.push((fields, id));
    }
    out
}

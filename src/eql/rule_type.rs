//! Kibana's EQL rule type: one execution's EQL search (`size` = `max_signals`) as the rows the
//! one scheduler turns into alerts, shaped as Kibana's EQL executor builds them.
//!
//! * An **event** becomes one row: `_id`, `_index` and the document's fields, so its alert id
//!   hashes the document and the rule and an event read again by an overlapping window is
//!   deduplicated (as for KQL query rules).
//! * A **sequence** of `n` events becomes `n` building-block alerts
//!   (`kibana.alert.building_block_type: default`, `kibana.alert.group.index: i`) and one
//!   sequence ("shell") alert whose fields are what all its events share; all `n + 1` carry
//!   `kibana.alert.group.id` = the shell's id, a hash of the sequence's documents
//!   (`buildAlertGroupFromSequence`). The scheduler's id of a row hashes `_id`, `_index` and
//!   the group id and index, so the same sequence found again is deduplicated while a sequence
//!   that differs in one event is new. The shell row's `_id` is its group id.
//! * Kibana's EQL executor bulk-creates every wrapped alert without a further cap (the version
//!   read passes no limit to `bulkCreate`): `max_signals` bounds the sequences the search
//!   returns, so one execution may create `max_signals × (n + 1)` alerts
//!   (`ScheduledRule::uncapped`).
//! * A `sample` result is an execution error in Kibana ("should have either `sequences` or
//!   `events`"); here too (E373).

use serde_json::{json, Value};

use super::engine::{Matched, Outcome};
use crate::diagnostic::Diagnostic;
use crate::document::store::Documents;
use crate::schedule::{hash_id, ResultTable};

pub const E_SAMPLE_RULE: &str = "E373";

pub const BUILDING_BLOCK_TYPE: &str = "kibana.alert.building_block_type";
pub const GROUP_ID: &str = "kibana.alert.group.id";
pub const GROUP_INDEX: &str = "kibana.alert.group.index";

/// The rows of one execution's result: one per event, or per sequence its shell row then one
/// row per building block. Columns: `_id`, `_index`, the store's columns, then the group fields.
pub fn result_table(
    docs: &Documents,
    outcome: &Outcome,
    rule_id: &str,
) -> Result<ResultTable, Diagnostic> {
    let mut columns = vec!["_id".to_string(), "_index".to_string()];
    columns.extend(docs.columns.iter().map(|c| c.name.clone()));
    columns.extend([BUILDING_BLOCK_TYPE, GROUP_ID, GROUP_INDEX].map(String::from));
    let width = columns.len();
    let mut rows = Vec::new();
    match outcome {
        Outcome::Events(events) => {
            for &doc in events {
                let mut row = document_row(docs, doc);
                row.resize(width, Value::Null);
                rows.push(row);
            }
        }
        Outcome::Sequences(sequences) => {
            for sequence in sequences {
                rows.extend(sequence_rows(docs, sequence, rule_id, width));
            }
        }
        Outcome::Samples(_) => {
            return Err(Diagnostic::error(
                E_SAMPLE_RULE,
                "an EQL rule's `sample` query fails in Kibana: its EQL executor handles only events and sequences",
            ))
        }
    }
    Ok(ResultTable { columns, rows })
}

/// `_id`, `_index`, then the document's value of every store column.
fn document_row(docs: &Documents, doc: usize) -> Vec<Value> {
    let mut row = vec![
        Value::from(docs.id_of(doc)),
        docs.index_of(doc).map_or(Value::Null, Value::from),
    ];
    row.extend(docs.row(doc).iter().map(|cell| cell.to_json()));
    row
}

/// The shell row, then the building blocks in sequence order.
fn sequence_rows(
    docs: &Documents,
    sequence: &Matched,
    rule_id: &str,
    width: usize,
) -> Vec<Vec<Value>> {
    let refs: Vec<Value> = sequence
        .docs
        .iter()
        .map(|&d| json!([docs.index_of(d), docs.id_of(d)]))
        .collect();
    let group_id = hash_id(&json!(["sequence", refs, rule_id]));
    let blocks: Vec<Vec<Value>> = sequence
        .docs
        .iter()
        .map(|&d| document_row(docs, d))
        .collect();
    // The shell keeps the values every event shares (`objectArrayIntersection`); `_id` is the
    // group id and `_index` is not a source index.
    let mut shell: Vec<Value> = (0..width - 3)
        .map(|c| {
            let first = &blocks[0][c];
            if blocks[1..].iter().all(|b| &b[c] == first) {
                first.clone()
            } else {
                Value::Null
            }
        })
        .collect();
    shell[0] = Value::from(group_id.clone());
    shell[1] = Value::Null;
    shell.extend([Value::Null, Value::from(group_id.clone()), Value::Null]);
    let mut rows = vec![shell];
    for (i, mut block) in blocks.into_iter().enumerate() {
        block.extend([
            Value::from("default"),
            Value::from(group_id.clone()),
            Value::from(i),
        ]);
        rows.push(block);
    }
    rows
}

//! Reading `replay --input`: ECS NDJSON, or a raw audit log mapped to the documents of the data
//! stream it is indexed into (`--dataset`), with what was left out said as warnings and notes.

use std::path::Path;

use super::{DocumentSet, PreparedRule, RuleLogic};
use crate::audit::dataset::{not_log_entry, RawDataset, RawMapped};
use crate::audit::{import, TimestampFrom};
use crate::diagnostic::Diagnostic;
use crate::document::{Documents, FieldSelection, LoadOptions};
use crate::eval;

/// What reading raw input reports besides the documents: warnings (`W006`) and notes (records
/// without an audit event, entries the `gcp.audit` pipeline drops).
#[derive(Debug, Default)]
pub struct InputNotes {
    pub warnings: Vec<Diagnostic>,
    pub notes: Vec<String>,
}

impl DocumentSet {
    /// Reads documents from a file (`.gz` decompressed): ECS NDJSON, or with `raw` a raw audit
    /// log (every shape `ingest` reads) mapped as that data stream's pipeline maps it. Loads the
    /// fields the rule reads, the range filter's timestamps and every mapped field (so a field
    /// no document has is a null column, not an unknown one).
    pub fn read_input(
        input: &Path,
        raw: Option<RawDataset>,
        rule: &PreparedRule,
    ) -> Result<(DocumentSet, InputNotes), Vec<Diagnostic>> {
        let selection = input_selection(rule);
        let input_error = |error: crate::document::InputError| {
            vec![
                Diagnostic::error("E401", format!("bad input document: {}", error.message))
                    .at_path(format!("{}:{}", input.display(), error.line)),
            ]
        };
        let mut reader = import::open(input).map_err(|error| vec![*error])?;
        let mut notes = InputNotes::default();
        let documents = match raw {
            None => {
                if import::starts_with_raw_audit(&mut reader) {
                    return Err(vec![not_ecs(input)]);
                }
                Documents::from_ndjson(reader, &selection, LoadOptions::default())
                    .map_err(input_error)?
            }
            Some(dataset) => {
                let values = raw_values(input, reader, dataset, &mut notes)?;
                Documents::from_values(&values, &selection, LoadOptions::default())
                    .map_err(input_error)?
            }
        };
        if documents.is_empty() {
            return Err(vec![Diagnostic::error(
                "E403",
                "the input has no documents: nothing to run the rule over",
            )
            .at_path(input)]);
        }
        Ok((DocumentSet::from_documents(documents), notes))
    }
}

/// The fields a run reads: the query's, the rule's own (timestamps, group-by) and every mapped
/// field.
fn input_selection(rule: &PreparedRule) -> FieldSelection {
    let mut selection = match &rule.logic {
        RuleLogic::Esql(query) => eval::fields_for(query, &[]),
        // A KQL alert carries the source document: load every field.
        _ => FieldSelection {
            all: true,
            names: Default::default(),
        },
    };
    selection.names.extend(rule.fields());
    selection
        .names
        .extend(crate::document::Mapping::built_in().fields.into_keys());
    selection
}

/// Every event of a raw log as its data stream's document, with `W006` for events whose
/// documents have no `@timestamp` and notes for what was left out.
fn raw_values(
    input: &Path,
    reader: Box<dyn std::io::BufRead>,
    dataset: RawDataset,
    notes: &mut InputNotes,
) -> Result<Vec<serde_json::Value>, Vec<Diagnostic>> {
    let name = input.display().to_string();
    let mut values = Vec::new();
    let mut untimed = Vec::new();
    let mut dropped = 0u64;
    let summary = import::read_events(&name, reader, false, &mut notes.warnings, &mut |event| {
        match dataset.map(&event, TimestampFrom::Stage) {
            RawMapped::Document(doc) => {
                if dataset.untimed(&doc, &event.raw) {
                    untimed.push(event.line);
                }
                values.push(doc);
            }
            RawMapped::NotLogEntry => return Err(Box::new(not_log_entry(&name, event.line))),
            RawMapped::Dropped => dropped += 1,
        }
        Ok(())
    })
    .map_err(|error| vec![*error])?;
    if let Some(first) = untimed.first() {
        let place = format!("{name}:{first}");
        notes
            .warnings
            .push(dataset.untimed_warning(untimed.len(), place));
    }
    // Under gcp.audit the note that GKE entries went to the Kubernetes stream is moot.
    let gcp = dataset == RawDataset::GcpAudit;
    (notes.notes).extend(
        summary
            .notes()
            .into_iter()
            .filter(|n| !gcp || !n.contains("GKE")),
    );
    if dropped > 0 {
        notes.notes.push(format!(
            "{dropped} entrie(s) dropped: their `protoPayload` is not an AuditLog, which the \
             gcp.audit pipeline drops"
        ));
    }
    Ok(values)
}

/// `E411`: ECS documents were expected and the input is raw audit.
fn not_ecs(input: &Path) -> Diagnostic {
    Diagnostic::error(
        "E411",
        "these are raw Kubernetes audit events, not ECS documents",
    )
    .at_path(format!("{}:1", input.display()))
    .with_help(
        "pass --raw to map them to ECS as Elastic's integration does \
         (or convert them with `rulegate ingest`)",
    )
}

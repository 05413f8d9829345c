//! Recorded data in scenarios: `[[recorded]]` tables that take documents from files (ECS NDJSON,
//! raw audit logs of any shape `audit::import` reads, or an Elasticsearch `_bulk` body; gzip
//! found by content), pick them with a field filter, shift their times, and merge them by
//! `@timestamp` with the generated stream.
//!
//! ```toml
//! [[recorded]]
//! file = "data/incident.ndjson.gz"       # relative to the scenario file
//! format = "audit"                       # "ecs", "audit" or "bulk"; found from the content when absent
//! at = "+5m"                             # the first document lands at start + 5m (or an RFC 3339 time)
//! where = { "event.action" = "get", "kubernetes.audit.objectRef.resource" = ["secrets"] }
//! ```
//!
//! Codes `E640`–`E646` (see `docs/scenarios.md`, "Recorded data").

mod filter;
mod read;
mod shift;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;
use serde_json::Value;
use toml::Spanned;

use self::filter::Filter;
pub use self::read::detect_format;
use self::read::read_file;
use self::shift::{at_time, shift_all};
pub use self::shift::{document_time, shift_value};
use super::check::Ctx;
use super::parse_duration;
use crate::audit::time::Nanos;
use crate::diagnostic::Diagnostic;

/// Documents all `[[recorded]]` tables of one scenario may hold together.
pub const MAX_RECORDED_DOCUMENTS: usize = 1_000_000;

/// One `[[recorded]]` table as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RecordedFields {
    file: Spanned<String>,
    format: Option<Spanned<String>>,
    at: Option<Spanned<String>>,
    #[serde(rename = "where")]
    filter: Option<Spanned<BTreeMap<String, toml::Value>>>,
}

/// The file formats a `[[recorded]]` table reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordedFormat {
    /// One ECS document a line, as `rulegate gen` or `ingest` write them.
    Ecs,
    /// Raw Kubernetes audit events in any shape `audit::import` reads, mapped as `ingest` does.
    Audit,
    /// An Elasticsearch `_bulk` body: `index`/`create` action lines, each followed by its document.
    Bulk,
}

impl RecordedFormat {
    pub const NAMES: [&'static str; 3] = ["ecs", "audit", "bulk"];
}

/// The recorded documents of a scenario, sorted by `@timestamp` (ties in file order), with the
/// instant each stands at.
#[derive(Clone, Debug, Default)]
pub struct Recorded {
    /// The files, resolved against the scenario's folder, in table order.
    pub files: Vec<PathBuf>,
    pub documents: Arc<Vec<(Nanos, Value)>>,
}

impl Recorded {
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

/// Reads every `[[recorded]]` table; problems become diagnostics at the table's span.
pub(super) fn build(
    ctx: &mut Ctx,
    scenario_path: &Path,
    start: Nanos,
    tables: &[Spanned<RecordedFields>],
) -> Recorded {
    let directory = scenario_path.parent().unwrap_or(Path::new(""));
    let mut recorded = Recorded::default();
    let mut documents = Vec::new();
    for (index, table) in tables.iter().enumerate() {
        let fields = table.get_ref();
        let path = directory.join(fields.file.get_ref());
        recorded.files.push(path.clone());
        match read_table(ctx, &path, start, fields) {
            Ok(mut docs) => {
                let step = format!("recorded-{}", index + 1);
                docs.iter_mut().for_each(|(_, doc)| label(doc, &step));
                documents.append(&mut docs)
            }
            Err(diagnostic) => ctx.diagnostics.push(*diagnostic),
        }
        if documents.len() > MAX_RECORDED_DOCUMENTS {
            ctx.error(
                "E645",
                format!(
                    "the recorded files hold more than {MAX_RECORDED_DOCUMENTS} documents together"
                ),
                table.span(),
                "too many documents",
            )
            .help = Some("pick fewer with `where`, or split the scenario".into());
            break;
        }
    }
    // Stable: documents at the same instant keep their order in the files.
    documents.sort_by_key(|(at, _)| *at);
    recorded.documents = Arc::new(documents);
    recorded
}

/// The generator's labels (`labels.rulegate_actor` = `recorded`, `labels.rulegate_step` =
/// `recorded-<n>`), unless the document has them (an ECS file `rulegate gen` wrote). ES|QL never
/// sees them (the integration's mapping is not dynamic); `explain` and the runner's per-actor
/// facts do.
fn label(doc: &mut Value, step: &str) {
    let Value::Object(object) = doc else {
        return;
    };
    let labels = object
        .entry("labels")
        .or_insert_with(|| Value::Object(serde_json::Map::new()));
    if let Value::Object(labels) = labels {
        labels
            .entry("rulegate_actor")
            .or_insert_with(|| Value::from("recorded"));
        labels
            .entry("rulegate_step")
            .or_insert_with(|| Value::from(step));
    }
}

/// One table: read the file, filter, shift.
fn read_table(
    ctx: &mut Ctx,
    path: &Path,
    start: Nanos,
    fields: &RecordedFields,
) -> Result<Vec<(Nanos, Value)>, Box<Diagnostic>> {
    let format = match &fields.format {
        None => None,
        Some(name) => match name.get_ref().as_str() {
            "ecs" => Some(RecordedFormat::Ecs),
            "audit" => Some(RecordedFormat::Audit),
            "bulk" => Some(RecordedFormat::Bulk),
            other => {
                let diagnostic = ctx.error(
                    "E608",
                    format!("unknown recorded format `{other}`"),
                    name.span(),
                    "",
                );
                diagnostic.help = Some(format!("formats: {}", RecordedFormat::NAMES.join(", ")));
                return Ok(Vec::new());
            }
        },
    };
    let filter = match &fields.filter {
        Some(filter) => match Filter::new(filter.get_ref()) {
            Ok(filter) => filter,
            Err(message) => {
                ctx.error("E640", message, filter.span(), "in this filter");
                return Ok(Vec::new());
            }
        },
        None => Filter::default(),
    };
    let target = match &fields.at {
        Some(at) => match at_time(start, at.get_ref()) {
            Some(target) => Some(target),
            None => {
                ctx.error(
                    "E605",
                    format!(
                        "`{}` is neither an offset nor an RFC 3339 time",
                        at.get_ref()
                    ),
                    at.span(),
                    "expected e.g. `+5m` or `2026-05-01T10:00:00Z`",
                );
                return Ok(Vec::new());
            }
        },
        None => None,
    };
    let name = path.display().to_string();
    let documents = read_file(path, format)?;
    let mut kept = kept_documents(documents, &filter, &name)?;
    if let (Some(target), Some(first)) = (target, kept.iter().map(|(at, _)| *at).min()) {
        shift_all(&mut kept, target, first, &name).map_err(|message| {
            Box::new(
                Diagnostic::error("E644", message).at_path(&name).with_help(
                    "times are nanoseconds: they must stay within 1677-09-21..2262-04-11",
                ),
            )
        })?;
    }
    Ok(kept)
}

/// The file's documents the filter keeps, each with its time; one without a time is an error.
fn kept_documents(
    documents: Vec<(usize, Value)>,
    filter: &Filter,
    name: &str,
) -> Result<Vec<(Nanos, Value)>, Box<Diagnostic>> {
    let mut kept = Vec::new();
    for (line, doc) in documents {
        if !filter.matches(&doc) {
            continue;
        }
        let Some(at) = document_time(&doc) else {
            return Err(Box::new(
                Diagnostic::error(
                    "E643",
                    format!("line {line}: the document has no `@timestamp` (RFC 3339 or epoch milliseconds)"),
                )
                .at_path(format!("{name}:{line}"))
                .with_help(
                    "a document without a time falls in no rule window: leave it out with \
                     `where`, or give it an `@timestamp`",
                ),
            ));
        };
        kept.push((at, doc));
    }
    Ok(kept)
}

/// Merges the generated documents (each with its `@timestamp`) with the recorded ones, by time;
/// at the same instant generated documents come first.
pub(super) fn merge<'a, T: 'a>(
    generated: impl Iterator<Item = (Nanos, T)> + 'a,
    recorded: &'a Recorded,
    from_recorded: impl Fn(&Value) -> T + 'a,
) -> impl Iterator<Item = T> + 'a {
    let mut generated = generated.peekable();
    let mut recorded = recorded.documents.iter().peekable();
    std::iter::from_fn(move || {
        let take_generated = match (generated.peek(), recorded.peek()) {
            (Some((g, _)), Some((r, _))) => g <= r,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => return None,
        };
        if take_generated {
            generated.next().map(|(_, doc)| doc)
        } else {
            recorded.next().map(|(_, doc)| from_recorded(doc))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merge_orders_by_time_with_generated_first_on_ties() {
        let recorded = Recorded {
            files: vec![PathBuf::from("r")],
            documents: Arc::new(vec![(1, json!("r1")), (2, json!("r2"))]),
        };
        let generated = vec![(0, json!("g0")), (2, json!("g2")), (3, json!("g3"))];
        let merged: Vec<Value> = merge(generated.into_iter(), &recorded, Value::clone).collect();
        assert_eq!(
            merged,
            vec![
                json!("g0"),
                json!("r1"),
                json!("g2"),
                json!("r2"),
                json!("g3")
            ]
        );
    }
}

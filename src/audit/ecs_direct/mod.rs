//! `ingest`'s direct path: one log line holding one native `audit.k8s.io` event → the bytes of
//! its ECS document, written straight from a borrowed [`json_tree`](super::json_tree) of the
//! line, the same bytes as `serde_json` writes [`raw_to_ecs`](super::ecs::raw_to_ecs)'s value.
//!
//! It covers native events, GKE Cloud Audit Log entries (`protoPayload`, as the Kubernetes
//! integration's gcp-pubsub input indexes them) and single AKS envelopes ([`super::aks_direct`])
//! and AKS `{"records":[…]}` batches ([`write_any_line`]), and bails on everything else, which
//! then takes the `Value` path (import's shapes, [`super::ecs`]): other envelopes and shapes, events without a usable time, times out of range, duplicate or escaped keys,
//! non-string user names, a GKE status code that would merge into an existing
//! `responseStatus`. Every step below is the step of `ecs::ingest_pipeline` it mirrors: the
//! members read ([`fields`]), the document ([`document`]) and its derived sections
//! ([`sections`]), times as bytes ([`time_text`]).

mod document;
mod fields;
mod sections;
mod time_text;

use super::json_tree::{Bail, Tree};
use super::shapes::Shape;
use super::time::{self, Nanos};

pub(super) use self::fields::{fields, time_of, Fields};
pub(super) use document::{write_mapped, Source};
pub(super) use time_text::push_time;

/// What the direct path needs of `ingest`'s options.
#[derive(Clone, Copy, Debug)]
pub struct DirectOptions {
    /// `@timestamp` from `requestReceivedTimestamp` first (`--timestamp received`).
    pub received_first: bool,
    pub ingest_lag: Nanos,
    /// `--preserve-original`: the line is `event.original`, with the tag.
    pub preserve_original: bool,
    /// `--format bulk`: the `create` action line first.
    pub bulk: bool,
    /// `--dataset gcp.audit`: lines are Cloud Audit Log entries for the GCP integration's
    /// data stream ([`super::gcp_direct`]); `received_first` does not apply.
    pub gcp: bool,
}

/// Appends the document line(s) of `line` (without its newline) to `out` and says what the
/// line was ([`Shape::Event`], [`Shape::GkeEntry`] or [`Shape::AksRecord`], as the import
/// counts it); on [`Bail`] `out` is left as it was. An AKS `records` batch is a [`Bail`] here
/// ([`write_any_line`] takes it).
pub fn write_line(
    tree: &mut Tree,
    line: &str,
    options: &DirectOptions,
    out: &mut Vec<u8>,
) -> Result<Shape, Bail> {
    match write_any_line(tree, None, line, options, out)? {
        Taken::One(shape) => Ok(shape),
        // Not taken without a tree for its records.
        Taken::Batch(_) => Err(Bail),
    }
}

/// What a line the direct path took held.
#[derive(Debug)]
pub enum Taken {
    /// One event, as the import counts it.
    One(Shape),
    /// An AKS `{"records":[…]}` batch ([`Shape::AksRecords`]).
    Batch(Batch),
}

/// What an AKS `{"records":[…]}` line held: its events were written; records of other
/// categories were skipped, each with the import's reason.
#[derive(Debug, Default)]
pub struct Batch {
    pub events: u32,
    pub skipped: Vec<String>,
}

/// As [`write_line`], and with `records` (a second tree, for the events of a batch's records)
/// AKS `{"records":[…]}` batches too.
pub fn write_any_line(
    tree: &mut Tree,
    records: Option<&mut Tree>,
    line: &str,
    options: &DirectOptions,
    out: &mut Vec<u8>,
) -> Result<Taken, Bail> {
    if options.gcp {
        return super::gcp_direct::write_entry(tree, line, options, out).map(Taken::One);
    }
    let start = out.len();
    let written = write_document(tree, records, line, options, out);
    if written.is_err() {
        out.truncate(start);
    }
    written
}

fn write_document(
    tree: &mut Tree,
    records: Option<&mut Tree>,
    line: &str,
    options: &DirectOptions,
    out: &mut Vec<u8>,
) -> Result<Taken, Bail> {
    if !line.starts_with('{') {
        return Err(Bail);
    }
    let root = tree.parse(line)?;
    let (mut properties, mut has_records) = (false, false);
    for (key, _) in tree.members(root) {
        match tree.key(line, key) {
            "properties" => properties = true,
            "records" => has_records = true,
            _ => {}
        }
    }
    if properties {
        return super::aks_direct::write_envelope(tree, line, root, options, out).map(Taken::One);
    }
    if let Some(records) = records.filter(|_| has_records) {
        let batch = super::aks_direct::write_records(tree, records, line, root, options, out)?;
        return Ok(Taken::Batch(batch));
    }
    let f = fields(tree, line, root, false)?;
    // The import refuses a time out of range in any of these (`E501`); 7. renames.
    let stage = time_of(tree, line, f.stage)?;
    let received = time_of(tree, line, f.received)?;
    let timestamp = time_of(tree, line, f.timestamp)?;
    let stage = if f.stage.is_some() { stage } else { timestamp };
    let received = match f.received {
        Some(_) => received,
        // Not a field the import checks: out of range, it is only not a time.
        None => f
            .receive_timestamp
            .and_then(|id| tree.str(line, id))
            .and_then(|t| time::parse_rfc3339(&t)),
    };
    // Without a time the document needs the `Value` path's diagnostics.
    let timestamp = if options.received_first {
        received.or(stage)
    } else {
        stage.or(received)
    }
    .ok_or(Bail)?;
    let source = Source {
        text: line,
        original: line,
        root,
        aks_metadata: None,
    };
    write_mapped(tree, &source, &f, timestamp, options, out)?;
    Ok(Taken::One(match f.proto_payload {
        Some(_) => Shape::GkeEntry,
        None => Shape::Event,
    }))
}

//! `ingest`'s direct path for a line that is one Azure AKS diagnostic envelope
//! (`{"category":"kube-audit",…,"properties":{"log":"<event as JSON text>",…}}`, as a storage
//! account's JSON lines hold them): the envelope's fields become `kubernetes.audit.aks_metadata`
//! and `@timestamp` comes from its `time`, as step 3 of `ecs::ingest_pipeline` does; the inner
//! event is then written as a native one ([`super::ecs_direct`]).
//!
//! A `{"records":[…]}` batch (Event Hub, storage account) is written record by record
//! ([`write_records`]), its records of other categories counted as the import skips them.
//!
//! It bails (the `Value` path reads the line) on a single envelope of another category (a
//! skipped record), a batch with other members, other records or `--preserve-original`, a `log` that is an object, not JSON or not an object, a `time`
//! that is not an RFC 3339 time in range, envelope keys that rename onto one another or that the
//! import checks (`containerID`, the event time fields, `kind`, `messageType`, `awslogs`),
//! duplicate keys, and an inner event with its own `aks_metadata`.

use std::borrow::Cow;

use super::ecs_direct::{fields, time_of, write_mapped, Batch, DirectOptions, Source};
use super::json_tree::{write_plain, Bail, Id, Kind, Tree};
use super::shapes::{Shape, AKS_AUDIT_CATEGORIES};
use super::time::Nanos;

/// Envelope keys the `Value` path reads differently (another shape, the import's time check,
/// or `containerID`, which would take the name `properties.containerID` gets).
const ENVELOPE_BAILS: [&str; 7] = [
    "kind",
    "messageType",
    "awslogs",
    "containerID",
    "requestReceivedTimestamp",
    "stageTimestamp",
    "timestamp",
];

/// The envelope members step 3 reads.
#[derive(Default)]
struct Envelope {
    category: Option<Id>,
    operation_name: bool,
    resource_id: bool,
    time: Option<Id>,
    properties: Option<Id>,
}

/// Step 3's names in `aks_metadata`: the envelope's `operationName`, `resourceId` and
/// `serviceBuild`, `properties.containerID` (the envelope's own `containerID` bails).
fn renamed(key: &str) -> Cow<'_, str> {
    Cow::Borrowed(match key {
        "operationName" => "operation_name",
        "resourceId" => "resource_id",
        "serviceBuild" => "service_build",
        "containerID" => "container_id",
        other => other,
    })
}

/// What an envelope gives its document: `@timestamp`, the inner event's text and the
/// `aks_metadata` member.
struct Parts {
    timestamp: Nanos,
    log: String,
    metadata: Vec<u8>,
}

/// Writes the document of the AKS envelope at `root` of `line`; says [`Shape::AksRecord`].
pub(super) fn write_envelope(
    tree: &mut Tree,
    line: &str,
    root: Id,
    options: &DirectOptions,
    out: &mut Vec<u8>,
) -> Result<Shape, Bail> {
    let parts = read_envelope(tree, line, root)?;
    // The envelope's nodes are not needed from here: the tree now holds the inner event.
    write_inner(tree, &parts, line, options, out)?;
    Ok(Shape::AksRecord)
}

/// Writes the documents of a `{"records":[…]}` batch (`records` its only member) whose records
/// are all AKS envelopes the direct path takes or skips as the import does (another category).
/// `inner` holds each record's event in turn, `tree` the batch. A batch with
/// `--preserve-original` is the `Value` path's: each record's `event.original` is then
/// `serde_json`'s text of the record, which this path does not write.
pub(super) fn write_records(
    tree: &mut Tree,
    inner: &mut Tree,
    line: &str,
    root: Id,
    options: &DirectOptions,
    out: &mut Vec<u8>,
) -> Result<Batch, Bail> {
    let members: Vec<(Id, Id)> = tree.members(root).take(2).collect();
    let [(key, records)] = members[..] else {
        return Err(Bail);
    };
    if tree.key(line, key) != "records" || tree.node(records).kind != Kind::Array {
        return Err(Bail);
    }
    if options.preserve_original {
        return Err(Bail);
    }
    let mut batch = Batch {
        events: 0,
        skipped: Vec::new(),
    };
    let items: Vec<Id> = tree.items(records).to_vec();
    for record in items {
        if let Some(category) = other_category(tree, line, record)? {
            batch.skipped.push(format!(
                "AKS record of category `{category}` (not kube-audit or kube-audit-admin)"
            ));
            continue;
        }
        let parts = read_envelope(tree, line, record)?;
        write_inner(inner, &parts, line, options, out)?;
        batch.events = batch.events.checked_add(1).ok_or(Bail)?;
    }
    Ok(batch)
}

/// The category of a record the import skips (an envelope of a category that is not an audit
/// log); a [`Bail`] for a record the import would read another way (not an object, no
/// `category`, a Firehose record, a `category` that is not a string).
fn other_category(tree: &Tree, line: &str, record: Id) -> Result<Option<String>, Bail> {
    if tree.node(record).kind != Kind::Object {
        return Err(Bail);
    }
    let has = |name| tree.get(line, record, name).is_some();
    if has("data") && has("recordId") {
        return Err(Bail);
    }
    let category = tree.get(line, record, "category").ok_or(Bail)?;
    let category = tree.str(line, category).ok_or(Bail)?;
    if !has("properties") {
        return Err(Bail);
    }
    Ok((!AKS_AUDIT_CATEGORIES.contains(&&*category)).then(|| category.into_owned()))
}

/// The envelope at `root` of `line`, checked as the import and step 3 read it.
fn read_envelope(tree: &mut Tree, line: &str, root: Id) -> Result<Parts, Bail> {
    let envelope = envelope(tree, line, root)?;
    let category = envelope.category.and_then(|c| tree.str(line, c));
    if !category.is_some_and(|c| AKS_AUDIT_CATEGORIES.contains(&&*c)) {
        return Err(Bail);
    }
    if !(envelope.operation_name && envelope.resource_id) {
        return Err(Bail);
    }
    let timestamp = time_of(tree, line, envelope.time)?.ok_or(Bail)?;
    let properties = envelope
        .properties
        .filter(|&p| tree.node(p).kind == Kind::Object)
        .ok_or(Bail)?;
    let log = single(tree, line, properties, "log")?.ok_or(Bail)?;
    let log = match tree.node(log).kind {
        Kind::Plain | Kind::Escaped => tree.str(line, log).ok_or(Bail)?.into_owned(),
        _ => return Err(Bail),
    };
    let metadata = aks_metadata(tree, line, root, properties)?;
    Ok(Parts {
        timestamp,
        log,
        metadata,
    })
}

/// The document of an envelope's inner event, parsed into `tree`; `original` is the line.
fn write_inner(
    tree: &mut Tree,
    parts: &Parts,
    original: &str,
    options: &DirectOptions,
    out: &mut Vec<u8>,
) -> Result<(), Bail> {
    let log = parts.log.as_str();
    let inner = tree.parse(log)?;
    if tree.node(inner).kind != Kind::Object {
        return Err(Bail);
    }
    let f = fields(tree, log, inner, true)?;
    let source = Source {
        text: log,
        original,
        root: inner,
        aks_metadata: Some(&parts.metadata),
    };
    write_mapped(tree, &source, &f, parts.timestamp, options, out)
}

fn envelope(tree: &Tree, line: &str, root: Id) -> Result<Envelope, Bail> {
    let mut e = Envelope::default();
    for (key, value) in tree.members(root) {
        match tree.key(line, key) {
            name if ENVELOPE_BAILS.contains(&name) => return Err(Bail),
            "category" => e.category = Some(value),
            "operationName" => e.operation_name = true,
            "resourceId" => e.resource_id = true,
            "time" => e.time = Some(value),
            "properties" if e.properties.is_some() => return Err(Bail),
            "properties" => e.properties = Some(value),
            _ => {}
        }
    }
    Ok(e)
}

/// The member `name` of an object, a [`Bail`] when it repeats.
fn single(tree: &Tree, text: &str, object: Id, name: &str) -> Result<Option<Id>, Bail> {
    let mut found = tree
        .members(object)
        .filter(|&(key, _)| tree.key(text, key) == name);
    let first = found.next().map(|(_, value)| value);
    match found.next() {
        Some(_) => Err(Bail),
        None => Ok(first),
    }
}

/// `"aks_metadata":{…}`: the envelope's members but `properties`, and `properties`'
/// `containerID`, `pod` and `stream`, renamed, sorted and cleaned (empty when nothing is left).
/// Two members of one name (an envelope `pod` and `properties.pod`) are a [`Bail`].
fn aks_metadata(tree: &mut Tree, line: &str, root: Id, properties: Id) -> Result<Vec<u8>, Bail> {
    let mark = tree.member_mark();
    let envelope: Vec<(Id, Id)> = tree.members(root).collect();
    let moved: Vec<(Id, Id)> = tree
        .members(properties)
        .filter(|&(key, _)| matches!(tree.key(line, key), "containerID" | "pod" | "stream"))
        .collect();
    for (key, value) in envelope {
        if tree.key(line, key) != "properties" {
            tree.push_member(key, value);
        }
    }
    for (key, value) in moved {
        tree.push_member(key, value);
    }
    let mut out = Vec::new();
    write_plain("aks_metadata", &mut out);
    out.push(b':');
    let written = tree.write_members(line, mark, &[], renamed, &mut out);
    tree.release_members(mark);
    Ok(match written? {
        true => out,
        false => Vec::new(),
    })
}

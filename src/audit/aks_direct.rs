//! `ingest`'s direct path for a line that is one Azure AKS diagnostic envelope
//! (`{"category":"kube-audit",…,"properties":{"log":"<event as JSON text>",…}}`, as a storage
//! account's JSON lines hold them): the envelope's fields become `kubernetes.audit.aks_metadata`
//! and `@timestamp` comes from its `time`, as step 3 of `ecs::ingest_pipeline` does; the inner
//! event is then written as a native one ([`super::ecs_direct`]).
//!
//! It bails (the `Value` path reads the line) on `{"records":[…]}` batches, envelopes of other
//! categories (skipped records), a `log` that is an object, not JSON or not an object, a `time`
//! that is not an RFC 3339 time in range, envelope keys that rename onto one another or that the
//! import checks (`containerID`, the event time fields, `kind`, `messageType`, `awslogs`),
//! duplicate keys, and an inner event with its own `aks_metadata`.

use std::borrow::Cow;

use super::ecs_direct::{fields, time_of, write_mapped, DirectOptions, Source};
use super::json_tree::{write_plain, Bail, Id, Kind, Tree};
use super::shapes::{Shape, AKS_AUDIT_CATEGORIES};

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

/// Writes the document of the AKS envelope at `root` of `line`; says [`Shape::AksRecord`].
pub(super) fn write_envelope(
    tree: &mut Tree,
    line: &str,
    root: Id,
    options: &DirectOptions,
    out: &mut Vec<u8>,
) -> Result<Shape, Bail> {
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
    // The envelope's nodes are not needed from here: the tree now holds the inner event.
    let inner = tree.parse(&log)?;
    if tree.node(inner).kind != Kind::Object {
        return Err(Bail);
    }
    let f = fields(tree, &log, inner, true)?;
    let source = Source {
        text: &log,
        original: line,
        root: inner,
        aks_metadata: Some(&metadata),
    };
    write_mapped(tree, &source, &f, timestamp, options, out)?;
    Ok(Shape::AksRecord)
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

//! `ingest --dataset gcp.audit`'s direct path: one log line holding one Cloud Audit Log entry →
//! the bytes of its `logs-gcp.audit-*` document, written straight from a borrowed
//! [`json_tree`](super::json_tree) of the line, the same bytes as `serde_json` writes
//! [`log_entry_to_ecs`](super::gcp::log_entry_to_ecs)'s value.
//!
//! Every line it is not sure of is a [`Bail`] and takes the `Value` path ([`super::gcp`]), which
//! gives the result, the warning or the error: lines that are not one entry (envelopes, arrays,
//! several documents), entries the import refuses (a time out of range) or the ingest decides
//! on (no `protoPayload`: E501; a payload that is not an `AuditLog`: dropped; no usable
//! `timestamp`: W006 or a `pipeline_error` document; a `callerIp` that is not an IP; a time
//! plus the lag past nanosecond range), keys made only of dots (which the pipeline's cleanup
//! removes), duplicate keys in what is written, and `operation.id` / `insertId` pairs that are
//! not strings. The sections: the document here, `gcp.audit` ([`audit`]), values copied
//! as the cleanup leaves them ([`clean`]), `event.original` ([`original`]).

mod audit;
mod clean;
mod original;

use super::ecs_direct::{push_time, DirectOptions};
use super::gcp::{parse_k8s_resource_name, DATASET, INDEX};
use super::json_tree::{write_plain, write_str, Bail, Id, Kind, Tree};
use super::shapes::Shape;
use super::time::{self, Nanos, TimeError};

const AUDIT_LOG_TYPE: &str = "type.googleapis.com/google.cloud.audit.AuditLog";

/// Appends the document line(s) of `line` (one Cloud Audit Log entry, without its newline) to
/// `out`: [`Shape::GkeEntry`], as the import counts it; on [`Bail`] `out` is left as it was.
pub fn write_entry(
    tree: &mut Tree,
    line: &str,
    options: &DirectOptions,
    out: &mut Vec<u8>,
) -> Result<Shape, Bail> {
    let start = out.len();
    let written = write_document(tree, line, options, out);
    if written.is_err() {
        out.truncate(start);
    }
    written.map(|()| Shape::GkeEntry)
}

/// An object being written: members after a comma but the first, and nothing at all when the
/// cleanup leaves it none (as the pipeline's last script removes an emptied object).
pub(super) struct Obj {
    start: usize,
    first: bool,
}

impl Obj {
    pub(super) fn open(out: &mut Vec<u8>) -> Obj {
        let start = out.len();
        out.push(b'{');
        Obj { start, first: true }
    }

    /// Writes `"name":` and what `value` writes, or takes both back when it wrote nothing.
    pub(super) fn member(
        &mut self,
        name: &str,
        out: &mut Vec<u8>,
        value: impl FnOnce(&mut Vec<u8>) -> Result<bool, Bail>,
    ) -> Result<(), Bail> {
        let before = out.len();
        if !self.first {
            out.push(b',');
        }
        write_plain(name, out);
        out.push(b':');
        if value(out)? {
            self.first = false;
        } else {
            out.truncate(before);
        }
        Ok(())
    }

    /// The member `name`: the value `id` after the cleanup (nothing when it is absent).
    pub(super) fn value(
        &mut self,
        tree: &mut Tree,
        line: &str,
        name: &str,
        id: Option<Id>,
        out: &mut Vec<u8>,
    ) -> Result<(), Bail> {
        match id {
            Some(id) => self.member(name, out, |out| clean::write_clean(tree, line, id, out)),
            None => Ok(()),
        }
    }

    /// The member `name`: a string (nothing when it is empty).
    pub(super) fn text(&mut self, name: &str, text: &str, out: &mut Vec<u8>) {
        if !text.is_empty() {
            let _ = self.member(name, out, |out| {
                write_str(text, out);
                Ok(true)
            });
        }
    }

    /// Closes the object; `false` (and nothing left written) when it has no member.
    pub(super) fn close(self, out: &mut Vec<u8>) -> bool {
        if self.first {
            out.truncate(self.start);
            return false;
        }
        out.push(b'}');
        true
    }
}

/// What the document needs of the entry, read once.
pub(super) struct Entry<'a> {
    pub(super) line: &'a str,
    pub(super) root: Id,
    /// `@timestamp` (milliseconds, as the pipeline re-reads the text it wrote).
    pub(super) millis: Nanos,
    pub(super) ingested: Nanos,
    /// `requestMetadata.callerIp` when it is an IP (`source.ip`, `related.ip`).
    pub(super) ip: Option<std::borrow::Cow<'a, str>>,
    /// `authenticationInfo`, when it is an object.
    pub(super) authn: Option<Id>,
    /// The members of [`TOP`] and [`PAYLOAD`].
    top: [Option<Id>; TOP.len()],
    in_payload: [Option<Id>; PAYLOAD.len()],
}

impl Entry<'_> {
    pub(super) fn get(&self, tree: &Tree, id: Option<Id>, name: &str) -> Option<Id> {
        id.and_then(|id| tree.get(self.line, id, name))
    }

    /// The top-level member `name` (one of [`TOP`]).
    fn top(&self, _tree: &Tree, name: &str) -> Option<Id> {
        let slot = TOP.iter().position(|&n| n == name);
        self.top[slot.expect("a member of TOP")]
    }

    /// The member `name` (one of [`PAYLOAD`]) of `protoPayload`.
    fn of_payload(&self, _tree: &Tree, name: &str) -> Option<Id> {
        let slot = PAYLOAD.iter().position(|&n| n == name);
        self.in_payload[slot.expect("a member of PAYLOAD")]
    }
}

/// The top-level members the mapping reads, found in one pass (the last of a name, as
/// `serde_json` keeps it).
const TOP: [&str; 9] = [
    "insertId",
    "labels",
    "logName",
    "operation",
    "protoPayload",
    "receiveTimestamp",
    "resource",
    "severity",
    "timestamp",
];

/// The members of `protoPayload` the mapping reads.
const PAYLOAD: [&str; 12] = [
    "@type",
    "authenticationInfo",
    "authorizationInfo",
    "methodName",
    "numResponseItems",
    "request",
    "requestMetadata",
    "resourceLocation",
    "resourceName",
    "response",
    "serviceName",
    "status",
];

/// Each of `names` found among the members of `id` (the last of a name).
fn members_of<const N: usize>(
    tree: &Tree,
    line: &str,
    id: Id,
    names: &[&str; N],
) -> [Option<Id>; N] {
    let mut found = [None; N];
    for (key, value) in tree.members(id) {
        let key = tree.key(line, key);
        if let Some(slot) = names.iter().position(|&n| n == key) {
            found[slot] = Some(value);
        }
    }
    found
}

/// The entry's top level: what makes the line something else than one Cloud Audit Log entry
/// for the import (another shape, a time it refuses), or the ingest decide on it.
fn read_entry<'a>(
    tree: &Tree,
    line: &'a str,
    root: Id,
    options: &DirectOptions,
) -> Result<Entry<'a>, Bail> {
    for (key, value) in tree.members(root) {
        match tree.key(line, key) {
            "kind" | "messageType" | "awslogs" | "properties" | "category" => return Err(Bail),
            "requestReceivedTimestamp" | "stageTimestamp" | "timestamp" | "time" => {
                let text = tree.str(line, value);
                if text
                    .is_some_and(|t| time::parse_rfc3339_checked(&t) == Err(TimeError::OutOfRange))
                {
                    return Err(Bail);
                }
            }
            _ => {}
        }
    }
    let top = members_of(tree, line, root, &TOP);
    let payload = top[4].ok_or(Bail)?;
    let in_payload = members_of(tree, line, payload, &PAYLOAD);
    let payload_type = in_payload[0].and_then(|t| tree.str(line, t));
    if payload_type.is_some_and(|t| t != AUDIT_LOG_TYPE) {
        return Err(Bail);
    }
    let timestamp = top[8]
        .and_then(|t| tree.str(line, t))
        .and_then(|t| time::parse_rfc3339(&t))
        .ok_or(Bail)?;
    // `@timestamp` is written in milliseconds and read back for `event.ingested`.
    let millis = timestamp
        .div_euclid(1_000_000)
        .checked_mul(1_000_000)
        .ok_or(Bail)?;
    let ingested = millis.checked_add(options.ingest_lag).ok_or(Bail)?;
    let metadata = in_payload[6];
    let caller = metadata.and_then(|m| tree.get(line, m, "callerIp"));
    let ip = match caller.and_then(|c| tree.str(line, c)) {
        Some(ip) if ip == "gce-internal-ip" || ip == "private" => None,
        // Not an IP: a `pipeline_error` document.
        Some(ip) if !super::known_ips::is_ip(&ip) => return Err(Bail),
        ip => ip,
    };
    let authn = in_payload[1].filter(|&a| tree.node(a).kind == Kind::Object);
    Ok(Entry {
        line,
        root,
        millis,
        ingested,
        ip,
        authn,
        top,
        in_payload,
    })
}

fn write_document(
    tree: &mut Tree,
    line: &str,
    options: &DirectOptions,
    out: &mut Vec<u8>,
) -> Result<(), Bail> {
    if !line.starts_with('{') {
        return Err(Bail);
    }
    let root = tree.parse(line)?;
    let entry = read_entry(tree, line, root, options)?;
    if options.bulk {
        out.extend_from_slice(b"{\"create\":{\"_index\":\"");
        out.extend_from_slice(INDEX.as_bytes());
        out.extend_from_slice(b"\"}}\n");
    }
    out.extend_from_slice(b"{\"@timestamp\":\"");
    push_time(entry.millis, true, out);
    out.push(b'"');
    let email = entry.get(tree, entry.authn, "principalEmail");
    let mut doc = Obj {
        start: out.len(),
        first: false,
    };
    doc.member("client", out, |out| {
        let mut client = Obj::open(out);
        client.member("user", out, |out| {
            let mut user = Obj::open(out);
            user.value(tree, line, "email", email, out)?;
            let subject = entry.get(tree, entry.authn, "principalSubject");
            user.value(tree, line, "id", subject, out)?;
            Ok(user.close(out))
        })?;
        Ok(client.close(out))
    })?;
    write_cloud(tree, &entry, &mut doc, out)?;
    out.extend_from_slice(b",\"data_stream\":{\"dataset\":\"");
    out.extend_from_slice(DATASET.as_bytes());
    out.extend_from_slice(b"\",\"namespace\":\"default\",\"type\":\"logs\"}");
    out.extend_from_slice(b",\"ecs\":{\"version\":\"8.11.0\"}");
    write_event(tree, &entry, options, out)?;
    doc.member("gcp", out, |out| {
        let mut gcp = Obj::open(out);
        gcp.member("audit", out, |out| audit::write_audit(tree, &entry, out))?;
        Ok(gcp.close(out))
    })?;
    write_rest(tree, &entry, email, options, &mut doc, out)?;
    out.extend_from_slice(b"}\n");
    Ok(())
}

/// `cloud`: the resource's project, instance and zone (its `location` when it has no `zone`
/// member at all), and the provider.
fn write_cloud(
    tree: &mut Tree,
    e: &Entry<'_>,
    doc: &mut Obj,
    out: &mut Vec<u8>,
) -> Result<(), Bail> {
    let labels = e.get(tree, e.top(tree, "resource"), "labels");
    let label = |name| e.get(tree, labels, name);
    let zone = label("zone").or_else(|| label("location"));
    let (instance, project) = (label("instance_id"), label("project_id"));
    doc.member("cloud", out, |out| {
        let mut cloud = Obj::open(out);
        cloud.value(tree, e.line, "availability_zone", zone, out)?;
        for (name, id) in [("instance", instance), ("project", project)] {
            cloud.member(name, out, |out| {
                let mut object = Obj::open(out);
                object.value(tree, e.line, "id", id, out)?;
                Ok(object.close(out))
            })?;
        }
        cloud.text("provider", "gcp", out);
        Ok(cloud.close(out))
    })
}

/// `event`: `action`, `category`, `dataset`, `id`, `ingested`, `kind`, `original`, `outcome`,
/// `provider`, `type`.
fn write_event(
    tree: &mut Tree,
    e: &Entry<'_>,
    options: &DirectOptions,
    out: &mut Vec<u8>,
) -> Result<(), Bail> {
    let line = e.line;
    let (session, start_end) = audit::operation_kind(tree, e);
    let (outcome, grant) = audit::outcome(tree, e);
    let mut categories: Vec<&str> = Vec::with_capacity(3);
    let mut types: Vec<&str> = Vec::with_capacity(3);
    categories.extend(session.then_some("session"));
    types.extend(start_end);
    if let Some(granted) = grant {
        categories.extend(["network", "configuration"]);
        match granted {
            Some(true) => types.extend(["access", "allowed"]),
            Some(false) => types.extend(["access", "denied"]),
            None => {}
        }
    }
    out.extend_from_slice(b",\"event\":");
    let mut event = Obj::open(out);
    event.value(tree, line, "action", e.of_payload(tree, "methodName"), out)?;
    write_list(&mut event, "category", &categories, out);
    event.text("dataset", DATASET, out);
    event.value(tree, line, "id", e.top(tree, "insertId"), out)?;
    event.member("ingested", out, |out| {
        out.push(b'"');
        push_time(e.ingested, false, out);
        out.push(b'"');
        Ok(true)
    })?;
    event.text("kind", "event", out);
    if options.preserve_original {
        let mut text = Vec::with_capacity(line.len());
        original::write_raw(tree, line, e.root, &mut text)?;
        let text = std::str::from_utf8(&text).map_err(|_| Bail)?;
        event.text("original", text, out);
    }
    event.text("outcome", outcome, out);
    let logger = e.top(tree, "logName").and_then(|l| tree.str(line, l));
    if let Some((_, provider)) = logger.as_deref().and_then(|l| l.split_once("%2F")) {
        event.text("provider", provider, out);
    }
    write_list(&mut event, "type", &types, out);
    event.close(out);
    Ok(())
}

/// `"name":["a","b"]`, nothing for an empty list.
fn write_list(object: &mut Obj, name: &str, items: &[&str], out: &mut Vec<u8>) {
    if items.is_empty() {
        return;
    }
    let _ = object.member(name, out, |out| {
        out.push(b'[');
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            write_plain(item, out);
        }
        out.push(b']');
        Ok(true)
    });
}

/// After `gcp`: `log`, `orchestrator`, `related`, `service`, `source`, `tags`, `user`,
/// `user_agent`.
fn write_rest(
    tree: &mut Tree,
    e: &Entry<'_>,
    email: Option<Id>,
    options: &DirectOptions,
    doc: &mut Obj,
    out: &mut Vec<u8>,
) -> Result<(), Bail> {
    let line = e.line;
    doc.member("log", out, |out| {
        let mut log = Obj::open(out);
        log.value(tree, line, "level", e.top(tree, "severity"), out)?;
        let logger = e.top(tree, "logName").and_then(|l| tree.str(line, l));
        log.text("logger", logger.as_deref().unwrap_or_default(), out);
        Ok(log.close(out))
    })?;
    write_orchestrator(tree, e, out)?;
    doc.member("related", out, |out| {
        let mut related = Obj::open(out);
        if let Some(ip) = &e.ip {
            write_list(&mut related, "ip", &[ip], out);
        }
        if let Some(email) = email {
            related.member("user", out, |out| {
                out.push(b'[');
                let wrote = clean::write_clean(tree, line, email, out)?;
                out.push(b']');
                Ok(wrote)
            })?;
        }
        Ok(related.close(out))
    })?;
    let one = |name: &'static str, id: Option<Id>| (name, id);
    let service = one("name", e.of_payload(tree, "serviceName"));
    write_single(tree, line, doc, "service", service, out)?;
    if let Some(ip) = &e.ip {
        out.extend_from_slice(b",\"source\":{\"ip\":");
        write_str(ip, out);
        out.push(b'}');
    }
    if options.preserve_original {
        out.extend_from_slice(b",\"tags\":[\"preserve_original_event\"]");
    }
    write_single(tree, line, doc, "user", one("email", email), out)?;
    let metadata = e.of_payload(tree, "requestMetadata");
    let agent = e.get(tree, metadata, "callerSuppliedUserAgent");
    write_single(tree, line, doc, "user_agent", one("original", agent), out)
}

/// `"object":{"name":value}`, nothing when the cleanup removes the value.
fn write_single(
    tree: &mut Tree,
    line: &str,
    doc: &mut Obj,
    object: &str,
    (name, id): (&str, Option<Id>),
    out: &mut Vec<u8>,
) -> Result<(), Bail> {
    doc.member(object, out, |out| {
        let mut inner = Obj::open(out);
        inner.value(tree, line, name, id, out)?;
        Ok(inner.close(out))
    })
}

/// `orchestrator`, for a `k8s_cluster` or `gke_cluster` resource: the cluster's name, and for
/// `k8s_cluster` what the pipeline's grok finds in `resourceName`.
fn write_orchestrator(tree: &mut Tree, e: &Entry<'_>, out: &mut Vec<u8>) -> Result<(), Bail> {
    let line = e.line;
    let resource = e.top(tree, "resource");
    let kind = e
        .get(tree, resource, "type")
        .and_then(|t| tree.str(line, t));
    let k8s = kind.as_deref() == Some("k8s_cluster");
    if !k8s && kind.as_deref() != Some("gke_cluster") {
        return Ok(());
    }
    let cluster = e.get(tree, e.get(tree, resource, "labels"), "cluster_name");
    let name = e
        .of_payload(tree, "resourceName")
        .filter(|_| k8s)
        .and_then(|n| tree.str(line, n));
    let parsed = name
        .as_deref()
        .map(parse_k8s_resource_name)
        .unwrap_or_default();
    out.extend_from_slice(b",\"orchestrator\":");
    let mut orchestrator = Obj::open(out);
    orchestrator.text("api_version", parsed.api_version.unwrap_or_default(), out);
    write_single(
        tree,
        line,
        &mut orchestrator,
        "cluster",
        ("name", cluster),
        out,
    )?;
    orchestrator.text("namespace", parsed.namespace.unwrap_or_default(), out);
    orchestrator.member("resource", out, |out| {
        let mut resource = Obj::open(out);
        resource.text("name", parsed.resource_name.unwrap_or_default(), out);
        resource.text("type", parsed.resource_type.unwrap_or_default(), out);
        Ok(resource.close(out))
    })?;
    orchestrator.text("type", "kubernetes", out);
    orchestrator.close(out);
    Ok(())
}

//! `ingest`'s direct path: one log line holding one native `audit.k8s.io` event → the bytes of
//! its ECS document, written straight from a borrowed [`json_tree`](super::json_tree) of the
//! line, the same bytes as `serde_json` writes [`raw_to_ecs`](super::ecs::raw_to_ecs)'s value.
//!
//! It covers native events, GKE Cloud Audit Log entries (`protoPayload`, as the Kubernetes
//! integration's gcp-pubsub input indexes them) and single AKS envelopes ([`super::aks_direct`])
//! and AKS `{"records":[…]}` batches ([`write_any_line`]), and bails on everything else, which
//! then takes the `Value` path (import's shapes, [`super::ecs`]): other envelopes and shapes, events without a usable time, times out of range, duplicate or escaped keys,
//! non-string user names, a GKE status code that would merge into an existing
//! `responseStatus`. Every step below is the step of `ecs::ingest_pipeline` it mirrors.

use std::borrow::Cow;

use super::ecs::{DATASET, INDEX, PRESERVE_ORIGINAL};
use super::json_tree::{write_plain, write_str, Bail, Id, Kind, Tree};
use super::shapes::Shape;
use super::time::{self, Nanos, TimeError};

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
}

/// Top-level keys that make a line something other than a plain native event (or a native
/// event the pipeline renames or reads differently): the `Value` path handles those.
const NOT_PLAIN: [&str; 5] = ["messageType", "awslogs", "properties", "category", "time"];

/// 7. Cloud Logging names the pipeline renames, each only when the Kubernetes name is absent.
const RENAMED: [(&str, &str); 3] = [
    ("insertId", "auditID"),
    ("receiveTimestamp", "requestReceivedTimestamp"),
    ("timestamp", "stageTimestamp"),
];

/// The top-level members the mapping reads.
#[derive(Default)]
pub(super) struct Fields {
    verb: Option<Id>,
    annotations: Option<Id>,
    labels: Option<Id>,
    user: Option<Id>,
    user_agent: Option<Id>,
    source_ips: Option<Id>,
    api_version: Option<Id>,
    object_ref: Option<Id>,
    stage: Option<Id>,
    received: Option<Id>,
    /// GKE: the Cloud Audit Log payload and the monitored resource.
    proto_payload: Option<Id>,
    resource: Option<Id>,
    response_status: Option<Id>,
    /// `timestamp` (the `v1beta1` name of `stageTimestamp`, and Cloud Logging's).
    timestamp: Option<Id>,
    receive_timestamp: Option<Id>,
    audit_id: bool,
    insert_id: bool,
    is_event: bool,
}

impl Fields {
    /// 7–8. The annotations: `labels` stand in when there are none; the pipeline drops them
    /// when they are not an object.
    fn annotations(&self, tree: &Tree) -> Option<Id> {
        self.annotations
            .or(self.labels)
            .filter(|&a| tree.node(a).kind == Kind::Object)
    }

    /// Step 7, GKE: `protoPayload.status.code` that becomes `responseStatus.code` when the event
    /// has none; a [`Bail`] when it would merge into a `responseStatus` the event has without
    /// a code, or replace one that is not an object (rare: left to the `Value` path).
    fn moved_code(&self, tree: &Tree, line: &str) -> Result<Option<Id>, Bail> {
        let code = self
            .proto_payload
            .and_then(|p| tree.get(line, p, "status"))
            .filter(|&s| tree.node(s).kind == Kind::Object)
            .and_then(|s| tree.get(line, s, "code"));
        let Some(code) = code else {
            return Ok(None);
        };
        match self.response_status {
            None => Ok(Some(code)),
            Some(r) if tree.get(line, r, "code").is_some() => Ok(None),
            Some(_) => Err(Bail),
        }
    }

    /// Whether `labels` are renamed `annotations` (step 7).
    fn labels_renamed(&self) -> bool {
        self.annotations.is_none() && self.labels.is_some()
    }

    /// The renames of step 7 that apply to this event.
    fn renames(&self) -> [Option<(&'static str, &'static str)>; 4] {
        let absent = [
            !self.audit_id,
            self.received.is_none(),
            self.stage.is_none(),
        ];
        let present = [
            self.insert_id,
            self.receive_timestamp.is_some(),
            self.timestamp.is_some(),
        ];
        let labels = self.labels_renamed().then_some(("labels", "annotations"));
        let [a, b, c] = std::array::from_fn(|i| (absent[i] && present[i]).then_some(RENAMED[i]));
        [a, b, c, labels]
    }
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
    let start = out.len();
    let written = write_document(tree, records, line, options, out);
    if written.is_err() {
        out.truncate(start);
    }
    written
}

/// The members the mapping reads of the event at `root`; `aks`: it is the inner event of an
/// AKS envelope (whose own `aks_metadata` the envelope's would replace: left to the `Value`
/// path).
pub(super) fn fields(tree: &Tree, text: &str, root: Id, aks: bool) -> Result<Fields, Bail> {
    let mut f = Fields::default();
    for (key, value) in tree.members(root) {
        let slot = match tree.key(text, key) {
            "kind" if tree.str(text, value).as_deref() == Some("EventList") => return Err(Bail),
            "aks_metadata" if aks => return Err(Bail),
            "auditID" => {
                f.is_event = true;
                f.audit_id = true;
                continue;
            }
            "stage" => {
                f.is_event = true;
                continue;
            }
            "insertId" => {
                f.insert_id = true;
                continue;
            }
            "timestamp" => &mut f.timestamp,
            "receiveTimestamp" => &mut f.receive_timestamp,
            "verb" => {
                f.is_event = true;
                &mut f.verb
            }
            "annotations" => &mut f.annotations,
            "labels" => &mut f.labels,
            "user" => &mut f.user,
            "userAgent" => &mut f.user_agent,
            "sourceIPs" => &mut f.source_ips,
            "apiVersion" => &mut f.api_version,
            "objectRef" => &mut f.object_ref,
            "stageTimestamp" => &mut f.stage,
            "requestReceivedTimestamp" => &mut f.received,
            "protoPayload" => {
                f.is_event = true;
                &mut f.proto_payload
            }
            "resource" => &mut f.resource,
            "responseStatus" => &mut f.response_status,
            name if NOT_PLAIN.contains(&name) => return Err(Bail),
            _ => continue,
        };
        if slot.is_some() {
            return Err(Bail);
        }
        *slot = Some(value);
    }
    if !f.is_event {
        return Err(Bail);
    }
    Ok(f)
}

/// A time field: `Some` when it is an RFC 3339 string in range; a [`Bail`] when it is one out
/// of nanosecond range (the import's `E501`).
pub(super) fn time_of(tree: &Tree, text: &str, id: Option<Id>) -> Result<Option<Nanos>, Bail> {
    let Some(value) = id.and_then(|id| tree.str(text, id)) else {
        return Ok(None);
    };
    match time::parse_rfc3339_checked(&value) {
        Ok(t) => Ok(Some(t)),
        Err(TimeError::OutOfRange) => Err(Bail),
        Err(TimeError::NotRfc3339) => Ok(None),
    }
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
    if tree.get(line, root, "properties").is_some() {
        return super::aks_direct::write_envelope(tree, line, root, options, out).map(Taken::One);
    }
    if let Some(records) = records.filter(|_| tree.get(line, root, "records").is_some()) {
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

/// The event a document is written from.
pub(super) struct Source<'a> {
    /// The text the tree was parsed from (the line, or an AKS envelope's `properties.log`).
    pub text: &'a str,
    /// The log line (`event.original`).
    pub original: &'a str,
    pub root: Id,
    /// An AKS envelope's fields, written as the member `"aks_metadata":{…}` of
    /// `kubernetes.audit` (empty when the cleanup removed them all).
    pub aks_metadata: Option<&'a [u8]>,
}

/// The document (and its bulk action line) of an event whose `@timestamp` is `timestamp`.
pub(super) fn write_mapped(
    tree: &mut Tree,
    source: &Source<'_>,
    f: &Fields,
    timestamp: Nanos,
    options: &DirectOptions,
    out: &mut Vec<u8>,
) -> Result<(), Bail> {
    let line = source.text;
    let ingested = timestamp.checked_add(options.ingest_lag).ok_or(Bail)?;
    if options.bulk {
        out.extend_from_slice(b"{\"create\":{\"_index\":\"");
        out.extend_from_slice(INDEX.as_bytes());
        out.extend_from_slice(b"\"}}\n");
    }
    out.extend_from_slice(b"{\"@timestamp\":\"");
    let stamp = out.len();
    push_time(timestamp, true, out);
    // `event.ingested` in the same second (no lag, the usual case) is the same date and time.
    let second = |t: Nanos| t.div_euclid(time::NANOS_PER_SECOND);
    let ingested_text = (second(ingested) == second(timestamp))
        .then(|| out.get(stamp..stamp + 19)?.first_chunk::<19>().copied())
        .flatten();
    out.push(b'"');
    // 10. sourceIPs, when every element is an IP.
    let ips = source_ips(tree, line, f.source_ips);
    if let Some(ips) = ips {
        write_field(tree, line, b",\"client\":{\"ip\":", ips, b"}", out)?;
    }
    out.extend_from_slice(b",\"data_stream\":{\"dataset\":\"");
    out.extend_from_slice(DATASET.as_bytes());
    out.extend_from_slice(b"\",\"namespace\":\"default\",\"type\":\"logs\"}");
    write_event(tree, source, f, (ingested, ingested_text), options, out)?;
    out.extend_from_slice(b",\"kubernetes\":{\"audit\":");
    if !write_audit(tree, source, f, out)? {
        // An event with a time is never empty; the `Value` path decides anything odder.
        return Err(Bail);
    }
    out.push(b'}');
    write_orchestrator(tree, line, f, out)?;
    let [uid, username] = user_names(tree, line, f.user)?;
    write_related(tree, line, ips, &uid, &username, out)?;
    if let Some(ips) = ips {
        write_field(tree, line, b",\"source\":{\"ip\":", ips, b"}", out)?;
    }
    if options.preserve_original {
        out.extend_from_slice(b",\"tags\":[\"");
        out.extend_from_slice(PRESERVE_ORIGINAL.as_bytes());
        out.extend_from_slice(b"\"]");
    }
    write_user(&uid, &username, out);
    if let Some(agent) = f.user_agent {
        write_field(
            tree,
            line,
            b",\"user_agent\":{\"original\":",
            agent,
            b"}",
            out,
        )?;
    }
    out.extend_from_slice(b"}\n");
    Ok(())
}

/// `prefix value suffix`, or nothing when the cleanup removes the value.
fn write_field(
    tree: &mut Tree,
    line: &str,
    prefix: &[u8],
    value: Id,
    suffix: &[u8],
    out: &mut Vec<u8>,
) -> Result<bool, Bail> {
    let start = out.len();
    out.extend_from_slice(prefix);
    if !tree.write_clean(line, value, out)? {
        out.truncate(start);
        return Ok(false);
    }
    out.extend_from_slice(suffix);
    Ok(true)
}

/// 5–6, 8 and Fleet's fields: `event` (`action`, `dataset`, `ingested`, `kind`, `original`,
/// `outcome`).
fn write_event(
    tree: &mut Tree,
    source: &Source<'_>,
    f: &Fields,
    (ingested, same_second): (Nanos, Option<[u8; 19]>),
    options: &DirectOptions,
    out: &mut Vec<u8>,
) -> Result<(), Bail> {
    let line = source.text;
    out.extend_from_slice(b",\"event\":{");
    // 6. `action`: the verb when it is a non-empty string.
    if let Some(verb) = f.verb.and_then(|v| tree.str(line, v)) {
        if !verb.is_empty() {
            out.extend_from_slice(b"\"action\":");
            write_str(&verb, out);
            out.push(b',');
        }
    }
    out.extend_from_slice(b"\"dataset\":\"");
    out.extend_from_slice(DATASET.as_bytes());
    out.extend_from_slice(b"\",\"ingested\":\"");
    match same_second {
        Some(text) => {
            out.extend_from_slice(&text);
            out.push(b'Z');
        }
        None => push_time(ingested, false, out),
    }
    out.extend_from_slice(b"\",\"kind\":\"event\"");
    if options.preserve_original {
        out.extend_from_slice(b",\"original\":");
        write_str(source.original.trim_end_matches(['\n', '\r']), out);
    }
    let decision = f
        .annotations(tree)
        .and_then(|a| tree.get(line, a, "authorization.k8s.io/decision"))
        .and_then(|d| tree.str(line, d));
    match decision.as_deref() {
        Some("allow") => out.extend_from_slice(b",\"outcome\":\"success\""),
        Some("forbid") => out.extend_from_slice(b",\"outcome\":\"failure\""),
        _ => {}
    }
    out.push(b'}');
    Ok(())
}

/// The audit event itself, as `kubernetes.audit`: 4. request and response objects without
/// `metadata`, 8. annotation keys de-dotted.
fn write_audit<'t>(
    tree: &mut Tree,
    source: &Source<'t>,
    f: &Fields,
    out: &mut Vec<u8>,
) -> Result<bool, Bail> {
    let (line, root) = (source.text, source.root);
    // 3. The AKS envelope's fields, in their sorted place.
    let mut aks_metadata = source.aks_metadata.filter(|bytes| !bytes.is_empty());
    let renames = f.renames();
    let rename = |key: &'t str| -> Cow<'t, str> {
        match renames.iter().flatten().find(|(from, _)| *from == key) {
            Some((_, to)) => Cow::Borrowed(to),
            None => Cow::Borrowed(key),
        }
    };
    // 7. GKE's status code, written as the member `responseStatus` in its sorted place.
    let mut moved_code = f.moved_code(tree, line)?;
    let code_moves = moved_code.is_some();
    let start = out.len();
    out.push(b'{');
    let mut first = true;
    let mark = tree.stack_members(root);
    let written = (|| {
        let end = tree.sort_members(line, mark, rename)?;
        for at in mark..end {
            let (key, value) = tree.member(at);
            let name = rename(tree.key(line, key));
            let name = &*name;
            if name > "aks_metadata" {
                if let Some(bytes) = aks_metadata.take() {
                    write_member_bytes(bytes, &mut first, out);
                }
            }
            if name > "responseStatus" {
                if let Some(code) = moved_code.take() {
                    write_response_code(tree, line, code, &mut first, out)?;
                }
            }
            let before = out.len();
            if !first {
                out.push(b',');
            }
            write_plain(name, out);
            out.push(b':');
            let wrote = match name {
                // Not an object: dropped.
                "annotations" if tree.node(value).kind != Kind::Object => false,
                "annotations" => {
                    let inner = tree.stack_members(value);
                    let wrote = tree.write_members(line, inner, &[], dedot, out);
                    tree.release_members(inner);
                    wrote?
                }
                "requestObject" | "responseObject" => {
                    tree.write_clean_except(line, value, &["metadata"], out)?
                }
                "protoPayload" if code_moves => {
                    tree.write_clean_except(line, value, &["status", "code"], out)?
                }
                _ => tree.write_clean(line, value, out)?,
            };
            if wrote {
                first = false;
            } else {
                out.truncate(before);
            }
        }
        if let Some(bytes) = aks_metadata {
            write_member_bytes(bytes, &mut first, out);
        }
        if let Some(code) = moved_code {
            write_response_code(tree, line, code, &mut first, out)?;
        }
        Ok(())
    })();
    tree.release_members(mark);
    written?;
    if first {
        out.truncate(start);
        return Ok(false);
    }
    out.push(b'}');
    Ok(true)
}

/// A member written beforehand (`"name":value`), after a comma unless it is the first.
fn write_member_bytes(bytes: &[u8], first: &mut bool, out: &mut Vec<u8>) {
    if !*first {
        out.push(b',');
    }
    out.extend_from_slice(bytes);
    *first = false;
}

/// `"responseStatus":{"code":…}` as a member of `kubernetes.audit` (nothing when the cleanup
/// removes the code).
fn write_response_code(
    tree: &mut Tree,
    line: &str,
    code: Id,
    first: &mut bool,
    out: &mut Vec<u8>,
) -> Result<(), Bail> {
    let prefix: &[u8] = match first {
        true => b"\"responseStatus\":{\"code\":",
        false => b",\"responseStatus\":{\"code\":",
    };
    if write_field(tree, line, prefix, code, b"}", out)? {
        *first = false;
    }
    Ok(())
}

/// 8. `authorization.k8s.io/decision` → `authorization_k8s_io/decision`.
fn dedot(key: &str) -> Cow<'_, str> {
    if key.contains('.') {
        Cow::Owned(key.replace('.', "_"))
    } else {
        Cow::Borrowed(key)
    }
}

/// Step 11, `orchestrator`: `api_version`, `cluster` (`id`, `name`: GKE's resource labels),
/// `namespace`, `resource` (`name`, `type`: the object reference's, else GKE's resource name
/// and type), `type`.
fn write_orchestrator(
    tree: &mut Tree,
    line: &str,
    f: &Fields,
    out: &mut Vec<u8>,
) -> Result<(), Bail> {
    out.extend_from_slice(b",\"orchestrator\":{");
    if let Some(v) = f.api_version {
        write_field(tree, line, b"\"api_version\":", v, b",", out)?;
    }
    let labels = f.resource.and_then(|r| tree.get(line, r, "labels"));
    let label = |name| labels.and_then(|l| tree.get(line, l, name));
    let cluster = [("id", label("project_id")), ("name", label("cluster_name"))];
    write_pair(tree, line, "cluster", cluster, out)?;
    let object_ref = f.object_ref.filter(|&o| tree.node(o).kind == Kind::Object);
    let get = |name| object_ref.and_then(|o| tree.get(line, o, name));
    let namespace = get("namespace");
    let name = get("name").or_else(|| {
        f.proto_payload
            .and_then(|p| tree.get(line, p, "resourceName"))
    });
    let kind = get("resource").or_else(|| f.resource.and_then(|r| tree.get(line, r, "type")));
    if let Some(v) = namespace {
        write_field(tree, line, b"\"namespace\":", v, b",", out)?;
    }
    write_pair(
        tree,
        line,
        "resource",
        [("name", name), ("type", kind)],
        out,
    )?;
    out.extend_from_slice(b"\"type\":\"kubernetes\"}");
    Ok(())
}

/// `"object":{"a":…,"b":…},` with the members the cleanup keeps (keys in order), or nothing
/// when it keeps none.
fn write_pair(
    tree: &mut Tree,
    line: &str,
    object: &str,
    members: [(&str, Option<Id>); 2],
    out: &mut Vec<u8>,
) -> Result<(), Bail> {
    let start = out.len();
    write_plain(object, out);
    out.extend_from_slice(b":{");
    let mut any = false;
    for (key, value) in members {
        let Some(value) = value else { continue };
        let before = out.len();
        if any {
            out.push(b',');
        }
        write_plain(key, out);
        out.push(b':');
        if tree.write_clean(line, value, out)? {
            any = true;
        } else {
            out.truncate(before);
        }
    }
    if any {
        out.extend_from_slice(b"},");
    } else {
        out.truncate(start);
    }
    Ok(())
}

/// 10. `convert` to ip: the value when it is an IP string or an array of IP strings only.
fn source_ips(tree: &Tree, line: &str, id: Option<Id>) -> Option<Id> {
    let id = id?;
    let is_ip = |v: Id| {
        tree.str(line, v)
            .is_some_and(|s| s.parse::<std::net::IpAddr>().is_ok())
    };
    match tree.node(id).kind {
        Kind::Array if tree.items(id).iter().all(|&v| is_ip(v)) => Some(id),
        Kind::Plain | Kind::Escaped if is_ip(id) => Some(id),
        _ => None,
    }
}

/// A user name or uid, unescaped.
type Name<'t> = Option<Cow<'t, str>>;

/// 9. `user.uid` and `user.username`, when `user` is an object: strings only here.
fn user_names<'t>(tree: &Tree, line: &'t str, user: Option<Id>) -> Result<[Name<'t>; 2], Bail> {
    let Some(user) = user.filter(|&u| tree.node(u).kind == Kind::Object) else {
        return Ok([None, None]);
    };
    let text = |name| match tree.get(line, user, name) {
        None => Ok(None),
        Some(v) => tree.str(line, v).map(Some).ok_or(Bail),
    };
    Ok([text("uid")?, text("username")?])
}

/// 13. `related.ip` (every source IP once) and `related.user` (uid, then username, once).
fn write_related(
    tree: &Tree,
    line: &str,
    ips: Option<Id>,
    uid: &Option<Cow<'_, str>>,
    username: &Option<Cow<'_, str>>,
    out: &mut Vec<u8>,
) -> Result<(), Bail> {
    let mut unique: Vec<Cow<'_, str>> = Vec::new();
    if let Some(ips) = ips {
        let single = [ips];
        let list = match tree.node(ips).kind {
            Kind::Array => tree.items(ips),
            _ => &single[..],
        };
        for &ip in list {
            let ip = tree.str(line, ip).ok_or(Bail)?;
            if !unique.contains(&ip) {
                unique.push(ip);
            }
        }
    }
    let mut users: Vec<&str> = Vec::new();
    for name in [uid, username].into_iter().flatten() {
        if !users.contains(&name.as_ref()) {
            users.push(name);
        }
    }
    users.retain(|u| !u.is_empty());
    if unique.is_empty() && users.is_empty() {
        return Ok(());
    }
    out.extend_from_slice(b",\"related\":{");
    if !unique.is_empty() {
        write_list(b"\"ip\":", &unique, out);
    }
    if !users.is_empty() {
        if !unique.is_empty() {
            out.push(b',');
        }
        write_list(b"\"user\":", &users, out);
    }
    out.push(b'}');
    Ok(())
}

fn write_list<S: AsRef<str>>(key: &[u8], items: &[S], out: &mut Vec<u8>) {
    out.extend_from_slice(key);
    out.push(b'[');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_str(item.as_ref(), out);
    }
    out.push(b']');
}

/// 9. `user` (`id`, `name`), empty strings left out.
fn write_user(uid: &Option<Cow<'_, str>>, username: &Option<Cow<'_, str>>, out: &mut Vec<u8>) {
    let uid = uid.as_deref().filter(|s| !s.is_empty());
    let name = username.as_deref().filter(|s| !s.is_empty());
    if uid.is_none() && name.is_none() {
        return;
    }
    out.extend_from_slice(b",\"user\":{");
    if let Some(uid) = uid {
        out.extend_from_slice(b"\"id\":");
        write_str(uid, out);
    }
    if let Some(name) = name {
        if uid.is_some() {
            out.push(b',');
        }
        out.extend_from_slice(b"\"name\":");
        write_str(name, out);
    }
    out.push(b'}');
}

/// `2022-08-31T08:09:57.520Z` (`millis`, as `time::format_millis`) or `2022-08-31T08:09:58Z`
/// (as `time::format_seconds`), without a formatter.
fn push_time(nanos: Nanos, millis: bool, out: &mut Vec<u8>) {
    fn digits(out: &mut Vec<u8>, n: i64, width: usize) {
        let mut buffer = [b'0'; 4];
        let mut n = n;
        for slot in buffer[..width].iter_mut().rev() {
            *slot = b'0' + (n % 10) as u8;
            n /= 10;
        }
        out.extend_from_slice(&buffer[..width]);
    }
    let seconds = nanos.div_euclid(time::NANOS_PER_SECOND);
    let (year, month, day) = time::civil_from_days(seconds.div_euclid(86_400));
    if !(0..=9999).contains(&year) {
        // Not a four-digit year: the formatter's own form.
        let text = match millis {
            true => time::format_millis(nanos),
            false => time::format_seconds(nanos),
        };
        out.extend_from_slice(text.as_bytes());
        return;
    }
    let of_day = seconds.rem_euclid(86_400);
    digits(out, year, 4);
    out.push(b'-');
    digits(out, month, 2);
    out.push(b'-');
    digits(out, day, 2);
    out.push(b'T');
    digits(out, of_day / 3600, 2);
    out.push(b':');
    digits(out, of_day / 60 % 60, 2);
    out.push(b':');
    digits(out, of_day % 60, 2);
    if millis {
        out.push(b'.');
        digits(out, nanos.rem_euclid(time::NANOS_PER_SECOND) / 1_000_000, 3);
    }
    out.push(b'Z');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_written_as_the_formatters_write_them() {
        let mut t = time::parse_rfc3339("1677-09-21T00:12:43.145224192Z").unwrap();
        let step = 7_919_000_123_457; // odd seconds and milliseconds, across every field
        while let Some(next) = t.checked_add(step) {
            for millis in [true, false] {
                let mut out = Vec::new();
                push_time(t, millis, &mut out);
                let expected = match millis {
                    true => time::format_millis(t),
                    false => time::format_seconds(t),
                };
                assert_eq!(String::from_utf8(out).unwrap(), expected, "{t}");
            }
            t = next;
        }
    }
}

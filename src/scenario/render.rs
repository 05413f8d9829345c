//! Generated records → documents: the raw audit event the API server would write, the ECS
//! document through `audit::ecs::raw_to_ecs`, and a fast NDJSON writer for files.
//!
//! The fast writer (`fast`) assembles pre-escaped templates instead of building a
//! `serde_json::Value` per document (about seven times faster); a test checks that it writes
//! exactly the bytes of the canonical `raw_to_ecs` path for every scenario in the library.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde_json::{json, Map, Value};

use super::fast;
use super::generate::{events, Generated};
use super::{Activity, Actor, Decision, Platform, Scenario, Stage};
use crate::audit::ecs::INDEX;
use crate::audit::event::{Event, ObjectReference, ResponseStatus, UserInfo};
use crate::audit::time::format_micros;
use crate::output::{behind, Copying, WriteVec};

/// Output formats of `rulegate gen`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// ECS documents, one per line, as indexed.
    Ecs,
    /// Raw `audit.k8s.io/v1` events, as the API server writes its log (feed to `rulegate ingest`).
    Raw,
    /// Elasticsearch `_bulk` body: a `create` action line before each ECS document.
    Bulk,
}

/// ECS documents in `@timestamp` order, each with `labels.rulegate_actor` / `labels.rulegate_step`.
/// Events of a stage the scenario's platform does not write (GKE: all but the response) are
/// left out.
pub fn generate(scenario: &Scenario, seed: Option<u64>) -> impl Iterator<Item = Value> + '_ {
    let generated =
        platform_events(scenario, seed).map(move |g| (g.timestamp, to_ecs(scenario, &g)));
    super::recorded::merge(generated, &scenario.recorded, Value::clone)
}

/// The records the scenario's platform writes.
fn platform_events(scenario: &Scenario, seed: Option<u64>) -> impl Iterator<Item = Generated> + '_ {
    let platform = scenario.platform;
    events(scenario, seed).filter(move |g| platform.logs_stage(g.stage.as_str()))
}

/// [`generate`]'s documents, each with whether its step is history only (`history = true`);
/// recorded documents are never history.
pub fn generate_marked(
    scenario: &Scenario,
    seed: Option<u64>,
) -> impl Iterator<Item = (Value, bool)> + '_ {
    let generated = platform_events(scenario, seed).map(move |g| {
        let history = scenario.steps[g.step].history;
        (g.timestamp, (to_ecs(scenario, &g), history))
    });
    super::recorded::merge(generated, &scenario.recorded, |doc| (doc.clone(), false))
}

/// The canonical ECS document of one record (a generic event step's own document).
pub fn to_ecs(scenario: &Scenario, g: &Generated) -> Value {
    if let Some(template) = &scenario.steps[g.step].event {
        return super::event_step::render(scenario, g, template);
    }
    let mut doc = scenario
        .platform
        .to_document(&to_raw(scenario, g), g.timestamp, g.ingested);
    let step = &scenario.steps[g.step];
    doc.as_object_mut().expect("documents are objects").insert(
        "labels".into(),
        json!({ "rulegate_actor": scenario.actors[step.actor].name, "rulegate_step": step.label }),
    );
    doc
}

pub(super) struct Parts<'s> {
    pub actor: &'s Actor,
    pub activity: &'s Activity,
    pub name: Option<&'s str>,
    pub namespace: Option<&'s str>,
}

pub(super) fn parts<'s>(scenario: &'s Scenario, g: &Generated) -> Parts<'s> {
    let step = &scenario.steps[g.step];
    let activity = &step.activities[g.activity];
    Parts {
        actor: &scenario.actors[step.actor],
        activity,
        name: g.name.map(|i| activity.names[i].as_str()),
        namespace: g.namespace.map(|i| activity.namespaces[i].as_str()),
    }
}

fn request_uri(p: &Parts<'_>) -> String {
    let a = p.activity;
    if let Some(uri) = &a.request_uri {
        return uri.clone();
    }
    let mut uri = String::with_capacity(64);
    if a.api_group.is_empty() {
        uri.push_str("/api/");
    } else {
        uri.push_str("/apis/");
        uri.push_str(&a.api_group);
        uri.push('/');
    }
    uri.push_str(&a.api_version);
    if let Some(ns) = p.namespace {
        uri.push_str("/namespaces/");
        uri.push_str(ns);
    }
    uri.push('/');
    uri.push_str(&a.resource);
    if let Some(name) = p.name {
        uri.push('/');
        uri.push_str(name);
    }
    if !a.subresource.is_empty() {
        uri.push('/');
        uri.push_str(&a.subresource);
    }
    uri.push_str(query(&a.verb));
    uri
}

/// The query string the API server records for a verb.
pub(super) fn query(verb: &str) -> &'static str {
    match verb {
        "list" => "?limit=500",
        "watch" => "?allowWatchBookmarks=true&watch=true",
        _ => "",
    }
}

/// A random 128-bit value made a version-4, variant-1 UUID, as `k8s.io/apimachinery` makes them.
pub(super) fn uuid_bits(id: u128) -> u128 {
    (id & !(0xF << 76) & !(0x3 << 62)) | (0x4 << 76) | (0x2 << 62)
}

fn uuid(id: u128) -> String {
    let hex = format!("{:032x}", uuid_bits(id));
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// `(status, reason, message)` of a failed response, as the API server words them.
pub(super) fn failure(p: &Parts<'_>, code: u16) -> Option<(&'static str, String)> {
    // Decided before any text is built: most documents succeed, and `gen` asks per document.
    if matches!(code, 200..=299 | 101) {
        return None;
    }
    let a = p.activity;
    let object = match p.name {
        Some(name) => format!("{} \"{name}\"", a.resource),
        None => a.resource.clone(),
    };
    let user = &p.actor.username;
    let scope = match p.namespace {
        Some(ns) => format!(" in the namespace \"{ns}\""),
        None => " at the cluster scope".into(),
    };
    Some(match code {
        403 => (
            "Forbidden",
            format!("{object} is forbidden: User \"{user}\" cannot {} resource \"{}\" in API group \"{}\"{scope}", a.verb, a.resource, a.api_group),
        ),
        404 => ("NotFound", format!("{object} not found")),
        401 => ("Unauthorized", "Unauthorized".into()),
        409 => ("AlreadyExists", format!("{object} already exists")),
        429 => ("TooManyRequests", "the server has received too many requests and has asked us to try again later".into()),
        _ => ("InternalError", format!("Internal error occurred: {object}")),
    })
}

/// The raw audit event the API server would have written for this record.
pub fn to_raw(scenario: &Scenario, g: &Generated) -> Event {
    let p = parts(scenario, g);
    let a = p.activity;
    let actor = p.actor;
    let complete = g.stage != Stage::RequestReceived;
    let response_status = complete.then(|| {
        let failed = failure(&p, a.code);
        ResponseStatus {
            metadata: Some(json!({})),
            status: if failed.is_some() {
                "Failure".into()
            } else {
                String::new()
            },
            message: failed.as_ref().map(|f| f.1.clone()).unwrap_or_default(),
            reason: failed.as_ref().map(|f| f.0.to_string()).unwrap_or_default(),
            details: failed.as_ref().map(|_| {
                let mut details = Map::new();
                if let Some(name) = p.name {
                    details.insert("name".into(), json!(name));
                }
                details.insert("kind".into(), json!(a.resource));
                Value::Object(details)
            }),
            code: Some(i64::from(a.code)),
            unknown: Map::new(),
        }
    });
    let mut annotations = BTreeMap::new();
    if complete {
        match a.decision {
            Decision::Allow => {
                annotations.insert("authorization.k8s.io/decision".into(), "allow".into());
                annotations.insert("authorization.k8s.io/reason".into(), actor.reason.clone());
            }
            Decision::Forbid => {
                annotations.insert("authorization.k8s.io/decision".into(), "forbid".into());
                annotations.insert("authorization.k8s.io/reason".into(), String::new());
            }
            Decision::None => {}
        }
    }
    Event {
        kind: "Event".into(),
        api_version: "audit.k8s.io/v1".into(),
        level: scenario.steps[g.step].level.clone(),
        audit_id: uuid(g.audit_id),
        stage: g.stage.as_str().into(),
        request_uri: request_uri(&p),
        verb: a.verb.clone(),
        user: UserInfo {
            username: actor.username.clone(),
            uid: actor.uid.clone(),
            groups: actor.groups.clone(),
            extra: actor.extra.clone(),
            unknown: Map::new(),
        },
        impersonated_user: actor.impersonate.as_ref().map(|i| UserInfo {
            username: i.username.clone(),
            groups: i.groups.clone(),
            ..UserInfo::default()
        }),
        source_ips: actor.source_ips[g.source_ips].clone(),
        user_agent: actor.user_agents[g.user_agent].clone().unwrap_or_default(),
        object_ref: Some(ObjectReference {
            resource: a.resource.clone(),
            namespace: p.namespace.unwrap_or_default().into(),
            name: p.name.unwrap_or_default().into(),
            api_group: a.api_group.clone(),
            api_version: a.api_version.clone(),
            subresource: a.subresource.clone(),
            ..ObjectReference::default()
        }),
        response_status,
        request_object: logged_request_object(a, &scenario.steps[g.step].level).cloned(),
        response_object: None,
        request_received_timestamp: format_micros(g.request_received),
        stage_timestamp: format_micros(g.stage_timestamp),
        annotations,
        unknown: Map::new(),
    }
}

/// The request body the API server logs: only at the `Request` and `RequestResponse` levels.
pub(super) fn logged_request_object<'a>(a: &'a Activity, level: &str) -> Option<&'a Value> {
    match level {
        "Request" | "RequestResponse" => a.request_object.as_ref(),
        _ => None,
    }
}

/// Writes the scenario's stream as NDJSON; returns the number of documents.
pub fn write(
    scenario: &Scenario,
    seed: Option<u64>,
    format: Format,
    out: &mut dyn Write,
) -> io::Result<u64> {
    write_vec(scenario, seed, format, &mut Copying(out))
}

/// As [`write`], handing each chunk of documents to `out` whole: an output file takes it
/// without copying it (the documents are built in the buffer the file is written from).
pub fn write_vec(
    scenario: &Scenario,
    seed: Option<u64>,
    format: Format,
    out: &mut dyn WriteVec,
) -> io::Result<u64> {
    if !scenario.recorded.is_empty() {
        return write_with_recorded(scenario, seed, format, out);
    }
    if !matches!(scenario.platform, Platform::SelfManaged | Platform::Eks) {
        return write_canonical(scenario, seed, format, out);
    }
    let templates = fast::Templates::new(scenario);
    // A chunk is handed over once it passes a write-behind buffer, which it fills without
    // growing (a buffer given back has that much room and more).
    const CHUNK: usize = behind::BUFFER;
    let mut buffer = Vec::with_capacity(CHUNK + behind::SLACK);
    let mut count = 0;
    for g in events(scenario, seed) {
        if let Some(template) = &scenario.steps[g.step].event {
            // Generic events have no raw audit form: every format writes the document.
            if format == Format::Bulk {
                let action = serde_json::json!({ "create": { "_index": template.index() } });
                serde_json::to_writer(&mut buffer, &action)?;
                buffer.push(b'\n');
            }
            serde_json::to_writer(&mut buffer, &to_ecs(scenario, &g))?;
        } else {
            match format {
                Format::Ecs => fast::write_ecs(&templates, scenario, &g, &mut buffer),
                Format::Bulk => {
                    buffer.extend_from_slice(br#"{"create":{"_index":""#);
                    buffer.extend_from_slice(INDEX.as_bytes());
                    buffer.extend_from_slice(b"\"}}\n");
                    fast::write_ecs(&templates, scenario, &g, &mut buffer);
                }
                Format::Raw => serde_json::to_writer(&mut buffer, &to_raw(scenario, &g))?,
            }
        }
        buffer.push(b'\n');
        count += 1;
        if buffer.len() >= CHUNK {
            out.write_vec(&mut buffer)?;
        }
    }
    out.write_vec(&mut buffer)?;
    Ok(count)
}

/// `write` for a scenario with recorded documents: the merged stream through `generate`
/// (recorded documents are ECS already, so they have no raw form).
fn write_with_recorded(
    scenario: &Scenario,
    seed: Option<u64>,
    format: Format,
    out: &mut dyn Write,
) -> io::Result<u64> {
    if format == Format::Raw {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "recorded documents are ECS documents: they have no raw audit form",
        ));
    }
    let mut count = 0;
    let mut out = io::BufWriter::new(out);
    for doc in generate(scenario, seed) {
        if format == Format::Bulk {
            writeln!(
                out,
                "{{\"create\":{{\"_index\":\"{}\"}}}}",
                bulk_index(scenario)
            )?;
        }
        serde_json::to_writer(&mut out, &doc)?;
        out.write_all(b"\n")?;
        count += 1;
    }
    out.flush()?;
    Ok(count)
}

/// `write` through `to_ecs`, for platforms the fast path does not model (GKE, AKS); `Raw` is
/// what the platform writes (GKE: the Cloud Logging entry).
fn write_canonical(
    scenario: &Scenario,
    seed: Option<u64>,
    format: Format,
    out: &mut dyn Write,
) -> io::Result<u64> {
    let index = bulk_index(scenario);
    let mut count = 0;
    for g in platform_events(scenario, seed) {
        let mut line = Vec::new();
        match format {
            Format::Raw if scenario.platform == Platform::Gke => serde_json::to_writer(
                &mut line,
                &crate::audit::gke::to_log_entry(&to_raw(scenario, &g), &Default::default()),
            )?,
            Format::Raw => serde_json::to_writer(&mut line, &to_raw(scenario, &g))?,
            Format::Bulk => {
                line.extend_from_slice(
                    format!("{{\"create\":{{\"_index\":\"{index}\"}}}}\n").as_bytes(),
                );
                serde_json::to_writer(&mut line, &to_ecs(scenario, &g))?;
            }
            Format::Ecs => serde_json::to_writer(&mut line, &to_ecs(scenario, &g))?,
        }
        line.push(b'\n');
        out.write_all(&line)?;
        count += 1;
    }
    Ok(count)
}

/// The data stream a `_bulk` body writes the scenario's audit documents to.
fn bulk_index(scenario: &Scenario) -> &'static str {
    match scenario.platform {
        Platform::Gke => crate::audit::gcp::INDEX,
        _ => INDEX,
    }
}

/// The canonical bytes of one document, through `to_ecs` (tests compare the fast path with it).
pub fn canonical_line(scenario: &Scenario, g: &Generated) -> Vec<u8> {
    serde_json::to_vec(&to_ecs(scenario, g)).expect("values serialise")
}

/// The fast path's bytes of one document.
pub fn fast_line(scenario: &Scenario, g: &Generated) -> Vec<u8> {
    if scenario.steps[g.step].event.is_some() {
        return canonical_line(scenario, g);
    }
    let mut out = Vec::new();
    fast::write_ecs(&fast::Templates::new(scenario), scenario, g, &mut out);
    out
}

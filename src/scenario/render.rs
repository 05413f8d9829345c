//! Generated records → documents: the raw audit event the API server would write, the ECS
//! document through `audit::ecs::raw_to_ecs`, and a fast NDJSON writer for files.
//!
//! The fast writer serialises borrowed views straight to bytes instead of building a
//! `serde_json::Value` per document (about five times faster); a test checks that it writes
//! exactly the bytes of the canonical `raw_to_ecs` path for every scenario in the library.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;
use serde_json::{json, Map, Value};

use super::generate::{events, Generated};
use super::{Activity, Actor, Decision, Scenario, Stage};
use crate::audit::ecs::{self, EcsOptions, TimestampFrom, DATASET, INDEX};
use crate::audit::event::{Event, ObjectReference, ResponseStatus, UserInfo};
use crate::audit::time::{format_micros, format_millis, format_seconds};

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
pub fn generate(scenario: &Scenario, seed: Option<u64>) -> impl Iterator<Item = Value> + '_ {
    events(scenario, seed).map(move |g| to_ecs(scenario, &g))
}

/// The canonical ECS document of one record.
pub fn to_ecs(scenario: &Scenario, g: &Generated) -> Value {
    let raw = serde_json::to_value(to_raw(scenario, g)).expect("an audit event always serialises");
    let options = EcsOptions {
        timestamp: TimestampFrom::At(g.timestamp),
        ingest_lag: g.ingested - g.timestamp,
        ..EcsOptions::default()
    };
    let mut doc = ecs::raw_to_ecs(&raw, &options);
    let step = &scenario.steps[g.step];
    doc.as_object_mut().expect("documents are objects").insert(
        "labels".into(),
        json!({ "rulegate_actor": scenario.actors[step.actor].name, "rulegate_step": step.label }),
    );
    doc
}

struct Parts<'s> {
    actor: &'s Actor,
    activity: &'s Activity,
    name: Option<&'s str>,
    namespace: Option<&'s str>,
}

fn parts<'s>(scenario: &'s Scenario, g: &Generated) -> Parts<'s> {
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
    match a.verb.as_str() {
        "list" => uri.push_str("?limit=500"),
        "watch" => uri.push_str("?allowWatchBookmarks=true&watch=true"),
        _ => {}
    }
    uri
}

fn uuid(id: u128) -> String {
    // Version 4, variant 1, as `k8s.io/apimachinery/pkg/util/uuid` makes them.
    let id = (id & !(0xF << 76) & !(0x3 << 62)) | (0x4 << 76) | (0x2 << 62);
    let hex = format!("{id:032x}");
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
fn failure(p: &Parts<'_>, code: u16) -> Option<(&'static str, String)> {
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
        200..=299 | 101 => return None,
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
        request_object: None,
        response_object: None,
        request_received_timestamp: format_micros(g.request_received),
        stage_timestamp: format_micros(g.stage_timestamp),
        annotations,
        unknown: Map::new(),
    }
}

// ---------------------------------------------------------------------------------------------
// The fast path: borrowed views whose fields are declared in sorted key order, so serde writes
// the same bytes as the sorted `Value` of `to_ecs`, with empty values skipped as step 14 of the
// pipeline removes them.

fn empty(s: &&str) -> bool {
    s.is_empty()
}

#[derive(Serialize)]
struct Ips<'a> {
    ip: &'a [&'a str],
}

#[derive(Serialize)]
struct DataStream {
    dataset: &'static str,
    namespace: &'static str,
    #[serde(rename = "type")]
    kind: &'static str,
}

#[derive(Serialize)]
struct EventView<'a> {
    action: &'a str,
    dataset: &'static str,
    ingested: String,
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    outcome: Option<&'static str>,
}

#[derive(Serialize)]
struct Annotations<'a> {
    #[serde(rename = "authorization_k8s_io/decision")]
    decision: &'a str,
    #[serde(rename = "authorization_k8s_io/reason", skip_serializing_if = "empty")]
    reason: &'a str,
}

#[derive(Serialize)]
struct UserView<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    extra: Option<&'a BTreeMap<String, Vec<String>>>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    groups: &'a [String],
    #[serde(skip_serializing_if = "empty")]
    uid: &'a str,
    #[serde(skip_serializing_if = "empty")]
    username: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ObjectRefView<'a> {
    #[serde(skip_serializing_if = "empty")]
    api_group: &'a str,
    #[serde(skip_serializing_if = "empty")]
    api_version: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    namespace: Option<&'a str>,
    resource: &'a str,
    #[serde(skip_serializing_if = "empty")]
    subresource: &'a str,
}

#[derive(Serialize)]
struct Details<'a> {
    kind: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
}

#[derive(Serialize)]
struct StatusView<'a> {
    code: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    details: Option<Details<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AuditView<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    annotations: Option<Annotations<'a>>,
    api_version: &'static str,
    #[serde(rename = "auditID")]
    audit_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    impersonated_user: Option<UserView<'a>>,
    kind: &'static str,
    level: &'a str,
    object_ref: ObjectRefView<'a>,
    request_received_timestamp: &'a str,
    #[serde(rename = "requestURI")]
    request_uri: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    response_status: Option<StatusView<'a>>,
    #[serde(rename = "sourceIPs")]
    source_ips: &'a [&'a str],
    stage: &'static str,
    stage_timestamp: &'a str,
    user: UserView<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user_agent: Option<&'a str>,
    verb: &'a str,
}

#[derive(Serialize)]
struct Kubernetes<'a> {
    audit: AuditView<'a>,
}

#[derive(Serialize)]
struct Labels<'a> {
    rulegate_actor: &'a str,
    rulegate_step: &'a str,
}

#[derive(Serialize)]
struct ResourceView<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    #[serde(rename = "type")]
    kind: &'a str,
}

#[derive(Serialize)]
struct Orchestrator<'a> {
    api_version: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    namespace: Option<&'a str>,
    resource: ResourceView<'a>,
    #[serde(rename = "type")]
    kind: &'static str,
}

#[derive(Serialize)]
struct Related<'a> {
    ip: &'a [&'a str],
    #[serde(skip_serializing_if = "<[&str]>::is_empty")]
    user: &'a [&'a str],
}

#[derive(Serialize)]
struct UserEcs<'a> {
    #[serde(skip_serializing_if = "empty")]
    id: &'a str,
    #[serde(skip_serializing_if = "empty")]
    name: &'a str,
}

#[derive(Serialize)]
struct UserAgentEcs<'a> {
    original: &'a str,
}

#[derive(Serialize)]
struct EcsView<'a> {
    #[serde(rename = "@timestamp")]
    timestamp: String,
    client: Ips<'a>,
    data_stream: DataStream,
    event: EventView<'a>,
    kubernetes: Kubernetes<'a>,
    labels: Labels<'a>,
    orchestrator: Orchestrator<'a>,
    related: Related<'a>,
    source: Ips<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user: Option<UserEcs<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user_agent: Option<UserAgentEcs<'a>>,
}

fn user_view<'a>(
    username: &'a str,
    uid: &'a str,
    groups: &'a [String],
    extra: &'a BTreeMap<String, Vec<String>>,
) -> UserView<'a> {
    UserView {
        extra: (!extra.is_empty()).then_some(extra),
        groups,
        uid,
        username,
    }
}

/// Writes one ECS document (no newline) through the borrowed views.
fn write_ecs_fast(scenario: &Scenario, g: &Generated, out: &mut Vec<u8>) -> serde_json::Result<()> {
    let p = parts(scenario, g);
    let (a, actor) = (p.activity, p.actor);
    let step = &scenario.steps[g.step];
    let complete = g.stage != Stage::RequestReceived;
    let audit_id = uuid(g.audit_id);
    let uri = request_uri(&p);
    let received = format_micros(g.request_received);
    let stage_ts = format_micros(g.stage_timestamp);
    let ips: Vec<&str> = actor.source_ips[g.source_ips]
        .iter()
        .map(String::as_str)
        .collect();
    let mut related_ips: Vec<&str> = Vec::with_capacity(ips.len());
    for ip in &ips {
        if !related_ips.contains(ip) {
            related_ips.push(ip);
        }
    }
    let mut related_user: Vec<&str> = Vec::with_capacity(2);
    for u in [actor.uid.as_str(), actor.username.as_str()] {
        if !u.is_empty() && !related_user.contains(&u) {
            related_user.push(u);
        }
    }
    let failed = if complete { failure(&p, a.code) } else { None };
    let decision = match (complete, a.decision) {
        (true, Decision::Allow) => Some(("allow", actor.reason.as_str(), "success")),
        (true, Decision::Forbid) => Some(("forbid", "", "failure")),
        _ => None,
    };
    let user_agent = actor.user_agents[g.user_agent].as_deref();
    let view = EcsView {
        timestamp: format_millis(g.timestamp),
        client: Ips { ip: &ips },
        data_stream: DataStream {
            dataset: DATASET,
            namespace: "default",
            kind: "logs",
        },
        event: EventView {
            action: &a.verb,
            dataset: DATASET,
            ingested: format_seconds(g.ingested),
            kind: "event",
            outcome: decision.map(|d| d.2),
        },
        kubernetes: Kubernetes {
            audit: AuditView {
                annotations: decision.map(|(decision, reason, _)| Annotations { decision, reason }),
                api_version: "audit.k8s.io/v1",
                audit_id: &audit_id,
                impersonated_user: actor.impersonate.as_ref().map(|i| UserView {
                    extra: None,
                    groups: &i.groups,
                    uid: "",
                    username: &i.username,
                }),
                kind: "Event",
                level: &step.level,
                object_ref: ObjectRefView {
                    api_group: &a.api_group,
                    api_version: &a.api_version,
                    name: p.name,
                    namespace: p.namespace,
                    resource: &a.resource,
                    subresource: &a.subresource,
                },
                request_received_timestamp: &received,
                request_uri: &uri,
                response_status: complete.then(|| StatusView {
                    code: a.code,
                    details: failed.as_ref().map(|_| Details {
                        kind: &a.resource,
                        name: p.name,
                    }),
                    message: failed.as_ref().map(|f| f.1.as_str()),
                    reason: failed.as_ref().map(|f| f.0),
                    status: failed.as_ref().map(|_| "Failure"),
                }),
                source_ips: &ips,
                stage: g.stage.as_str(),
                stage_timestamp: &stage_ts,
                user: user_view(&actor.username, &actor.uid, &actor.groups, &actor.extra),
                user_agent,
                verb: &a.verb,
            },
        },
        labels: Labels {
            rulegate_actor: &actor.name,
            rulegate_step: &step.label,
        },
        orchestrator: Orchestrator {
            api_version: "audit.k8s.io/v1",
            namespace: p.namespace,
            resource: ResourceView {
                name: p.name,
                kind: &a.resource,
            },
            kind: "kubernetes",
        },
        related: Related {
            ip: &related_ips,
            user: &related_user,
        },
        source: Ips { ip: &ips },
        user: (!actor.username.is_empty() || !actor.uid.is_empty()).then_some(UserEcs {
            id: &actor.uid,
            name: &actor.username,
        }),
        user_agent: user_agent.map(|original| UserAgentEcs { original }),
    };
    serde_json::to_writer(out, &view)
}

/// Writes the scenario's stream as NDJSON; returns the number of documents.
pub fn write(
    scenario: &Scenario,
    seed: Option<u64>,
    format: Format,
    out: &mut dyn Write,
) -> io::Result<u64> {
    let mut buffer = Vec::with_capacity(64 * 1024);
    let mut count = 0;
    for g in events(scenario, seed) {
        match format {
            Format::Ecs => write_ecs_fast(scenario, &g, &mut buffer)?,
            Format::Bulk => {
                buffer.extend_from_slice(br#"{"create":{"_index":""#);
                buffer.extend_from_slice(INDEX.as_bytes());
                buffer.extend_from_slice(b"\"}}\n");
                write_ecs_fast(scenario, &g, &mut buffer)?;
            }
            Format::Raw => serde_json::to_writer(&mut buffer, &to_raw(scenario, &g))?,
        }
        buffer.push(b'\n');
        count += 1;
        if buffer.len() >= 60 * 1024 {
            out.write_all(&buffer)?;
            buffer.clear();
        }
    }
    out.write_all(&buffer)?;
    Ok(count)
}

/// The canonical bytes of one document, through `to_ecs` (tests compare the fast path with it).
pub fn canonical_line(scenario: &Scenario, g: &Generated) -> Vec<u8> {
    serde_json::to_vec(&to_ecs(scenario, g)).expect("values serialise")
}

/// The fast path's bytes of one document.
pub fn fast_line(scenario: &Scenario, g: &Generated) -> Vec<u8> {
    let mut out = Vec::new();
    write_ecs_fast(scenario, g, &mut out).expect("views serialise");
    out
}

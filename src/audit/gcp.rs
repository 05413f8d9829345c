//! Cloud Audit Log entries (`LogEntry` with an `AuditLog` `protoPayload`, as GKE writes
//! Kubernetes audit) → the document Elastic's GCP integration indexes (`logs-gcp.audit-*`):
//! the `gcp.audit` data stream's ingest pipeline processor by processor, plus the fields Elastic
//! Agent and Fleet add around it.
//!
//! Source: `elastic/integrations`, `packages/gcp/data_stream/audit/elasticsearch/ingest_pipeline/
//! default.yml`, checked against its pipeline test `test-k8s-nonmatching-resourcename.log` and
//! `-expected.json` (copied into `tests/data/gcp-audit/`). Where the pipeline surprises, we do
//! the same: `event.outcome` comes from `protoPayload.status.code` (0 success, else failure),
//! else from a single `authorizationInfo` entry's `granted`, else `unknown`; `callerIp` values
//! `gce-internal-ip` and `private` give no `source.ip`; a `protoPayload.@type` other than
//! `AuditLog` drops the entry; every `null`, `""`, `{}` and `[]` is removed. Not modelled (they
//! need the ingest node's databases): the `user_agent` processor's parsed parts (`name`,
//! `device`, `os`, `version`) and `geoip` (`source.geo`, `source.as`); nor the newest
//! pipeline's `entity.*` / `actor.entity.*` fields. `docs/scenarios.md` (§ platforms) lists
//! these choices.

use serde_json::{json, Map, Value};

use super::time::{self, Nanos};

/// `data_stream.dataset` and `event.dataset` of the integration's audit data stream.
pub const DATASET: &str = "gcp.audit";
/// The index (data stream) documents are written to with the default namespace.
pub const INDEX: &str = "logs-gcp.audit-default";
/// The `ecs.version` the pipeline sets.
const ECS_VERSION: &str = "8.11.0";
const AUDIT_LOG_TYPE: &str = "type.googleapis.com/google.cloud.audit.AuditLog";

/// Choices around the pipeline: what the Agent and Fleet add.
#[derive(Clone, Debug, Default)]
pub struct GcpOptions {
    /// `event.ingested` = `@timestamp` + this lag, truncated to whole seconds (Fleet's form).
    pub ingest_lag: Nanos,
    /// Keep `event.original` (the input's `preserve_original_event` tag).
    pub preserve_original: bool,
}

/// Maps one Cloud Logging entry to the indexed document (keys sorted), or `None` when the
/// pipeline drops it (a `protoPayload` that is not an `AuditLog`).
pub fn log_entry_to_ecs(entry: &Value, options: &GcpOptions) -> Option<Value> {
    let original = serde_json::to_string(entry).expect("JSON values serialise");
    let mut doc = Map::new();
    doc.insert("ecs".into(), json!({ "version": ECS_VERSION }));
    doc.insert("event".into(), json!({ "original": original }));
    if options.preserve_original {
        doc.insert("tags".into(), json!(["preserve_original_event"]));
    }
    let Value::Object(json) = entry else {
        pipeline_error(&mut doc, "entry is not a JSON object");
        return Some(finish(doc, options));
    };
    let payload = json.get("protoPayload").and_then(Value::as_object);
    let payload_type = payload.and_then(|p| p.get("@type")).and_then(Value::as_str);
    if payload_type.is_some_and(|t| t != AUDIT_LOG_TYPE) {
        return None;
    }
    let empty = Map::new();
    let payload = payload.unwrap_or(&empty);
    if let Some(t) = payload_type {
        gcp_audit(&mut doc).insert("type".into(), json!(t));
    }
    log_entry_fields(&mut doc, json);
    resource_fields(&mut doc, json, payload);
    identity_fields(&mut doc, payload);
    request_fields(&mut doc, json, payload);
    outcome_fields(&mut doc, payload);
    Some(finish(doc, options))
}

/// `insertId`, `logName`, `severity`, `timestamp`, `receiveTimestamp`, `labels`.
fn log_entry_fields(doc: &mut Map<String, Value>, json: &Map<String, Value>) {
    if let Some(id) = json.get("insertId") {
        object_at(doc, "event").insert("id".into(), id.clone());
    }
    if let Some(Value::String(logger)) = json.get("logName") {
        object_at(doc, "log").insert("logger".into(), json!(logger));
        // dissect "%{}%2F%{event.provider}": the part after the first `%2F`.
        if let Some((_, provider)) = logger.split_once("%2F") {
            object_at(doc, "event").insert("provider".into(), json!(provider));
        }
    }
    if let Some(level) = json.get("severity") {
        object_at(doc, "log").insert("level".into(), level.clone());
    }
    let event = object_at(doc, "event");
    event.insert("kind".into(), json!("event"));
    object_at(doc, "cloud").insert("provider".into(), json!("gcp"));
    let parse = |key: &str| {
        json.get(key)
            .and_then(Value::as_str)
            .and_then(time::parse_rfc3339)
    };
    match parse("timestamp") {
        Some(t) => {
            doc.insert("@timestamp".into(), json!(time::format_millis(t)));
        }
        None if json.contains_key("timestamp") => {
            pipeline_error(doc, "unable to parse date [timestamp]");
        }
        None => {}
    }
    if let Some(t) = parse("receiveTimestamp") {
        gcp_audit(doc).insert("receive_timestamp".into(), json!(time::format_millis(t)));
    }
    if let Some(labels) = json.get("labels") {
        gcp_audit(doc).insert("labels".into(), labels.clone());
    }
}

/// `resource` (the MonitoredResource): project, instance, zone, and for `k8s_cluster` /
/// `gke_cluster` the `orchestrator.*` fields, parsed from `resourceName` as the pipeline's grok
/// does.
fn resource_fields(
    doc: &mut Map<String, Value>,
    json: &Map<String, Value>,
    payload: &Map<String, Value>,
) {
    let resource = json.get("resource");
    let label = |name: &str| {
        resource
            .and_then(|r| r.get("labels"))
            .and_then(|l| l.get(name))
    };
    if let Some(project) = label("project_id") {
        object_at(object_at(doc, "cloud"), "project").insert("id".into(), project.clone());
    }
    if let Some(instance) = label("instance_id") {
        object_at(object_at(doc, "cloud"), "instance").insert("id".into(), instance.clone());
    }
    if let Some(zone) = label("zone").or_else(|| label("location")) {
        object_at(doc, "cloud").insert("availability_zone".into(), zone.clone());
    }
    let resource_type = resource.and_then(|r| r.get("type")).and_then(Value::as_str);
    if let Some(t) = resource_type {
        object_at(gcp_audit(doc), "resource").insert("type".into(), json!(t));
    }
    if matches!(resource_type, Some("k8s_cluster" | "gke_cluster")) {
        let orchestrator = object_at(doc, "orchestrator");
        orchestrator.insert("type".into(), json!("kubernetes"));
        if let Some(name) = label("cluster_name") {
            object_at(orchestrator, "cluster").insert("name".into(), name.clone());
        }
    }
    if resource_type == Some("k8s_cluster") {
        if let Some(Value::String(name)) = payload.get("resourceName") {
            let parsed = parse_k8s_resource_name(name);
            let orchestrator = object_at(doc, "orchestrator");
            for (key, value) in [
                ("api_version", parsed.api_version),
                ("namespace", parsed.namespace),
            ] {
                if let Some(value) = value {
                    orchestrator.insert(key.into(), json!(value));
                }
            }
            for (key, value) in [
                ("type", parsed.resource_type),
                ("name", parsed.resource_name),
            ] {
                if let Some(value) = value {
                    object_at(orchestrator, "resource").insert(key.into(), json!(value));
                }
            }
        }
    }
    if let Some(name) = payload.get("resourceName") {
        gcp_audit(doc).insert("resource_name".into(), name.clone());
    }
    if let Some(locations) = payload
        .get("resourceLocation")
        .and_then(|l| l.get("currentLocations"))
    {
        object_at(gcp_audit(doc), "resource_location")
            .insert("current_locations".into(), locations.clone());
    }
}

/// `authenticationInfo` (→ `client.user.*`, `user.email`), `authorizationInfo`.
fn identity_fields(doc: &mut Map<String, Value>, payload: &Map<String, Value>) {
    if let Some(Value::Object(authn)) = payload.get("authenticationInfo") {
        if let Some(selector) = authn.get("authoritySelector") {
            object_at(gcp_audit(doc), "authentication_info")
                .insert("authority_selector".into(), selector.clone());
        }
        if let Some(key) = authn.get("serviceAccountKeyName") {
            object_at(gcp_audit(doc), "authentication_info")
                .insert("service_account_key_name".into(), key.clone());
        }
        if let Some(email) = authn.get("principalEmail") {
            object_at(object_at(doc, "client"), "user").insert("email".into(), email.clone());
            object_at(doc, "user").insert("email".into(), email.clone());
            push_related(doc, "user", email);
        }
        if let Some(subject) = authn.get("principalSubject") {
            object_at(object_at(doc, "client"), "user").insert("id".into(), subject.clone());
        }
    }
    if let Some(info) = payload.get("authorizationInfo") {
        let mut info = info.clone();
        if let Value::Array(entries) = &mut info {
            for entry in entries.iter_mut().filter_map(Value::as_object_mut) {
                if let Some(attributes) = entry.remove("resourceAttributes") {
                    entry.insert("resource_attributes".into(), attributes);
                }
            }
        }
        gcp_audit(doc).insert("authorization_info".into(), info);
    }
}

/// `requestMetadata`, `operation`, `methodName`, `request`, `response`, `serviceName`.
fn request_fields(
    doc: &mut Map<String, Value>,
    json: &Map<String, Value>,
    payload: &Map<String, Value>,
) {
    let metadata = payload.get("requestMetadata");
    if let Some(Value::String(ip)) = metadata.and_then(|m| m.get("callerIp")) {
        if ip != "gce-internal-ip" && ip != "private" {
            match ip.parse::<std::net::IpAddr>() {
                Ok(_) => {
                    object_at(doc, "source").insert("ip".into(), json!(ip));
                    push_related(doc, "ip", &json!(ip));
                }
                Err(_) => pipeline_error(doc, &format!("'{ip}' is not an IP string literal.")),
            }
        }
    }
    if let Some(agent) = metadata.and_then(|m| m.get("callerSuppliedUserAgent")) {
        object_at(doc, "user_agent").insert("original".into(), agent.clone());
    }
    operation_fields(doc, json);
    if let Some(method) = payload.get("methodName") {
        object_at(doc, "event").insert("action".into(), method.clone());
    }
    if let Some(items) = payload.get("numResponseItems").and_then(to_long) {
        gcp_audit(doc).insert("num_response_items".into(), json!(items));
    }
    for (key, inner) in [("request", "policy"), ("response", "status")] {
        let Some(value) = payload.get(key) else {
            continue;
        };
        let mut value = value.clone();
        if let Value::Object(object) = &mut value {
            if object.get(inner).is_some_and(|v| !v.is_object()) {
                let moved = object.remove(inner).expect("checked above");
                object.insert(format!("{inner}_value"), moved);
            }
        }
        gcp_audit(doc).insert(key.into(), value);
    }
    if let Some(service) = payload.get("serviceName") {
        object_at(doc, "service").insert("name".into(), service.clone());
    }
}

/// `operation`: its id when it differs from `insertId`, and for a long-running operation (not
/// both `first` and `last`) `event.category: session` with `start` / `end`.
fn operation_fields(doc: &mut Map<String, Value>, json: &Map<String, Value>) {
    let Some(operation) = json.get("operation") else {
        return;
    };
    let event_id = json.get("insertId");
    if let Some(id) = operation.get("id") {
        if event_id.is_some_and(|e| e != id) {
            object_at(gcp_audit(doc), "logentry_operation").insert("id".into(), id.clone());
        }
    }
    let flag = |key: &str| operation.get(key).and_then(Value::as_bool).unwrap_or(false);
    let (first, last) = (flag("first"), flag("last"));
    if first && last {
        return;
    }
    append(doc, "category", "session");
    if first {
        append(doc, "type", "start");
    } else if last {
        append(doc, "type", "end");
    }
}

/// `status` → `gcp.audit.status`, `event.outcome`, and with one `authorizationInfo` entry
/// `event.category` / `event.type`.
fn outcome_fields(doc: &mut Map<String, Value>, payload: &Map<String, Value>) {
    let status = payload.get("status");
    let code = status.and_then(|s| s.get("code")).and_then(to_long);
    if let Some(code) = code {
        object_at(gcp_audit(doc), "status").insert("code".into(), json!(code));
    }
    if let Some(message) = status.and_then(|s| s.get("message")) {
        object_at(gcp_audit(doc), "status").insert("message".into(), message.clone());
    }
    let single_grant = match payload.get("authorizationInfo") {
        Some(Value::Array(entries)) if entries.len() == 1 => {
            Some(entries[0].get("granted").and_then(Value::as_bool))
        }
        _ => None,
    };
    let outcome = match (code, single_grant) {
        (Some(0), _) => "success",
        (Some(_), _) => "failure",
        (None, Some(Some(true))) => "success",
        (None, Some(Some(false))) => "failure",
        _ => "unknown",
    };
    object_at(doc, "event").insert("outcome".into(), json!(outcome));
    if let Some(granted) = single_grant {
        append(doc, "category", "network");
        append(doc, "category", "configuration");
        match granted {
            Some(true) => ["access", "allowed"]
                .iter()
                .for_each(|t| append(doc, "type", t)),
            Some(false) => ["access", "denied"]
                .iter()
                .for_each(|t| append(doc, "type", t)),
            None => {}
        }
    }
}

/// What the pipeline's grok finds in a Kubernetes `resourceName`.
#[derive(Debug, Default, PartialEq)]
pub struct K8sResourceName<'a> {
    pub api_version: Option<&'a str>,
    pub namespace: Option<&'a str>,
    pub resource_type: Option<&'a str>,
    pub resource_name: Option<&'a str>,
}

/// The grok patterns, in order, on `resourceName` (`core/v1/namespaces/ns/secrets/name`,
/// `rbac.authorization.k8s.io/v1/clusterroles/admin`, `apis/apps/v1`, `api/v1`, `pods`). A
/// name none of them matches (`HNAP1`, `/healthz`) gives nothing, as in the pipeline's test.
pub fn parse_k8s_resource_name(name: &str) -> K8sResourceName<'_> {
    let parts: Vec<&str> = name.split('/').collect();
    let version_at = parts.iter().position(|p| is_api_version(p));
    if let Some(v) = version_at.filter(|&v| v > 0) {
        let rest = &parts[v + 1..];
        if rest.len() >= 3 && rest[0] == "namespaces" && is_resource_type(rest[2]) {
            return K8sResourceName {
                api_version: Some(parts[v]),
                namespace: Some(rest[1]),
                resource_type: Some(rest[2]),
                resource_name: rest.get(3).copied().filter(|n| !n.is_empty()),
            };
        }
        if let Some(kind) = rest.first().filter(|r| is_resource_type(r)) {
            return K8sResourceName {
                api_version: Some(parts[v]),
                resource_type: Some(kind),
                ..K8sResourceName::default()
            };
        }
    }
    match parts.as_slice() {
        ["apis", kind, version, ..] if is_resource_type(kind) && is_api_version(version) => {
            K8sResourceName {
                api_version: Some(version),
                resource_type: Some(kind),
                ..K8sResourceName::default()
            }
        }
        ["api", version, ..] if is_api_version(version) => K8sResourceName {
            api_version: Some(version),
            ..K8sResourceName::default()
        },
        [kind] if is_resource_type(kind) => K8sResourceName {
            resource_type: Some(kind),
            ..K8sResourceName::default()
        },
        _ => K8sResourceName::default(),
    }
}

/// `API_VERSION: (v\d+([a-z]+)?(\d+)?)` (`v1`, `v1beta1`).
fn is_api_version(text: &str) -> bool {
    let Some(rest) = text.strip_prefix('v') else {
        return false;
    };
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    let rest = &rest[digits..];
    let letters = rest.bytes().take_while(u8::is_ascii_lowercase).count();
    digits > 0 && rest[letters..].bytes().all(|b| b.is_ascii_digit())
}

/// `RESOURCE_TYPE: ([a-z]+((\.[a-z0-9]+)+)?)`.
fn is_resource_type(text: &str) -> bool {
    let mut parts = text.split('.');
    let head = parts.next().unwrap_or_default();
    !head.is_empty()
        && head.bytes().all(|b| b.is_ascii_lowercase())
        && parts.all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

/// Clean-up, then the data stream, `event.dataset` and Fleet's `event.ingested`.
fn finish(mut doc: Map<String, Value>, options: &GcpOptions) -> Value {
    if !options.preserve_original {
        object_at(&mut doc, "event").remove("original");
    }
    remove_empty(&mut doc);
    doc.insert(
        "data_stream".into(),
        json!({ "dataset": DATASET, "namespace": "default", "type": "logs" }),
    );
    let timestamp = doc
        .get("@timestamp")
        .and_then(Value::as_str)
        .and_then(time::parse_rfc3339);
    let event = object_at(&mut doc, "event");
    event.insert("dataset".into(), json!(DATASET));
    if let Some(t) = timestamp {
        let ingested = time::format_seconds(t.saturating_add(options.ingest_lag));
        event.insert("ingested".into(), json!(ingested));
    }
    let mut value = Value::Object(doc);
    sort_keys(&mut value);
    value
}

/// The pipeline's `on_failure`: `event.kind: pipeline_error` and the message appended.
fn pipeline_error(doc: &mut Map<String, Value>, message: &str) {
    object_at(doc, "event").insert("kind".into(), json!("pipeline_error"));
    let error = object_at(doc, "error");
    match error.get_mut("message") {
        Some(Value::Array(messages)) => messages.push(json!(message)),
        _ => {
            error.insert("message".into(), json!([message]));
        }
    }
}

fn to_long(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn append(doc: &mut Map<String, Value>, key: &str, value: &str) {
    let event = object_at(doc, "event");
    match event.get_mut(key) {
        Some(Value::Array(values)) => values.push(json!(value)),
        _ => {
            event.insert(key.into(), json!([value]));
        }
    }
}

fn push_related(doc: &mut Map<String, Value>, key: &str, value: &Value) {
    let related = object_at(doc, "related");
    match related.get_mut(key) {
        Some(Value::Array(values)) if !values.contains(value) => values.push(value.clone()),
        Some(_) => {}
        None => {
            related.insert(key.into(), json!([value]));
        }
    }
}

fn gcp_audit(doc: &mut Map<String, Value>) -> &mut Map<String, Value> {
    object_at(object_at(doc, "gcp"), "audit")
}

fn object_at<'m>(map: &'m mut Map<String, Value>, key: &str) -> &'m mut Map<String, Value> {
    if !map.get(key).is_some_and(Value::is_object) {
        map.insert(key.into(), Value::Object(Map::new()));
    }
    map.get_mut(key)
        .and_then(Value::as_object_mut)
        .expect("just made an object")
}

/// The pipeline's last script: drops `null`, `""`, empty objects and lists, and keys made only
/// of dots, recursively.
fn remove_empty(map: &mut Map<String, Value>) {
    map.retain(|key, value| {
        remove_empty_in(value);
        !(is_empty(value) || (!key.is_empty() && key.bytes().all(|b| b == b'.')))
    });
}

fn remove_empty_in(value: &mut Value) {
    match value {
        Value::Object(map) => remove_empty(map),
        Value::Array(items) => {
            items.iter_mut().for_each(remove_empty_in);
            items.retain(|v| !is_empty(v));
        }
        _ => {}
    }
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Object(m) => m.is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

fn sort_keys(value: &mut Value) {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = std::mem::take(map).into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            for (key, mut value) in entries {
                sort_keys(&mut value);
                map.insert(key, value);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(sort_keys),
        _ => {}
    }
}

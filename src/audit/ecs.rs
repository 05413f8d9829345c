//! Raw audit event → the ECS document Elastic's Kubernetes integration indexes
//! (`logs-kubernetes.audit_logs-*`): the integration's ingest pipeline processor by processor,
//! plus the fields Elastic Agent and Fleet's final pipeline add around it.
//!
//! The processor order and every quirk are documented in `../shared/notes/k8s-audit-ecs.md` §1.3;
//! the numbers in the comments below refer to that list. Where the pipeline behaves surprisingly
//! we do the same: `event.outcome` follows only the authorisation decision (an allowed request
//! that 404s is a `success`), `source.ip` is always an array and disappears entirely when one
//! element is not an IP, and every `null`, `""`, `{}` and `[]` anywhere is removed.

use serde_json::{json, Map, Value};

use super::time::{self, Nanos};

/// `data_stream.dataset` and `event.dataset` of the integration's audit data stream.
pub const DATASET: &str = "kubernetes.audit_logs";
/// The index (data stream) documents are written to with the default namespace.
pub const INDEX: &str = "logs-kubernetes.audit_logs-default";
/// The tag that makes Fleet's final pipeline keep `event.original`.
pub const PRESERVE_ORIGINAL: &str = "preserve_original_event";

/// Where `@timestamp` comes from when the pipeline does not set it (only the AKS envelope does).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TimestampFrom {
    /// The event's `stageTimestamp` (the default for imports: the time the API server wrote it).
    #[default]
    Stage,
    /// The event's `requestReceivedTimestamp`.
    Received,
    /// A given instant: the generator's model of the Agent's read time.
    At(Nanos),
}

/// Choices around the pipeline: what the Agent and Fleet add.
#[derive(Clone, Debug, Default)]
pub struct EcsOptions<'a> {
    pub timestamp: TimestampFrom,
    /// `event.ingested` = `@timestamp` + this lag, truncated to whole seconds (Fleet's form).
    pub ingest_lag: Nanos,
    /// The raw line; becomes `event.original` (kept only with [`PRESERVE_ORIGINAL`] in `tags`).
    pub original: Option<&'a str>,
    /// Tags the input adds (e.g. `preserve_original_event`).
    pub tags: Vec<String>,
}

/// Maps one raw event (an `audit.k8s.io` Event, a GKE Cloud Logging entry or an AKS diagnostic
/// envelope) to the indexed document, keys in sorted order.
pub fn raw_to_ecs(raw: &Value, options: &EcsOptions<'_>) -> Value {
    let mut doc = Map::new();
    // Agent side (filestream): the line is parsed into `kubernetes.audit`; with `original`
    // we model a cloud input instead, where the line arrives as `message`.
    match options.original {
        Some(line) => {
            doc.insert("message".into(), Value::String(line.to_string()));
        }
        None => {
            doc.insert("kubernetes".into(), json!({ "audit": raw }));
        }
    }
    if !options.tags.is_empty() {
        doc.insert("tags".into(), json!(options.tags));
    }
    ingest_pipeline(&mut doc);
    if options.original.is_some() && !doc.contains_key("kubernetes") {
        // The line was not JSON (pipeline_error): keep the parsed value so the document is useful.
        doc.insert("kubernetes".into(), json!({ "audit": raw }));
    }
    add_agent_and_fleet_fields(&mut doc, options);
    sort_keys(&mut doc);
    Value::Object(doc)
}

/// Why a mapped document has no `@timestamp`, when it is because the raw event's time fields
/// are there but not RFC 3339 (`None` when it has one, or the event has no time field at all:
/// see [`has_no_time_field`]). A document without a time can never fall in a rule's window, so
/// an import refuses it.
pub fn unusable_timestamp(doc: &Value, raw: &Value) -> Option<String> {
    if doc.get("@timestamp").is_some() {
        return None;
    }
    let bad: Vec<String> = TIME_FIELDS
        .iter()
        .filter_map(|name| raw.get(*name).map(|value| (name, value)))
        .map(|(name, value)| match value.as_str() {
            Some(text) => format!("`{name}` {text:?} is not an RFC 3339 time"),
            None => format!("`{name}` is not a string"),
        })
        .collect();
    (!bad.is_empty()).then(|| {
        format!(
            "{}, so the document would have no @timestamp",
            bad.join("; ")
        )
    })
}

/// Whether a mapped document lacks `@timestamp` because its event has no time field at all
/// (Elastic's Agent would stamp its read time; an import cannot know it).
pub fn has_no_time_field(doc: &Value, raw: &Value) -> bool {
    doc.get("@timestamp").is_none() && TIME_FIELDS.iter().all(|name| raw.get(*name).is_none())
}

/// Whether a mapped document has `@timestamp` but no `event.ingested`: its time plus the ingest
/// lag falls past the last nanosecond instant (2262-04-11T23:47:16.854775807Z).
pub fn ingested_past_range(doc: &Value) -> bool {
    doc.get("@timestamp").is_some() && doc.get("event").and_then(|e| e.get("ingested")).is_none()
}

/// The raw event's time fields, as `TimestampFrom` reads them.
const TIME_FIELDS: [&str; 2] = ["stageTimestamp", "requestReceivedTimestamp"];

/// Fields added outside the integration pipeline: `@timestamp` (Agent read time), the data
/// stream, `event.dataset`, and Fleet's `event.ingested` / `event.original` handling.
fn add_agent_and_fleet_fields(doc: &mut Map<String, Value>, options: &EcsOptions<'_>) {
    let timestamp = match doc
        .get("@timestamp")
        .and_then(Value::as_str)
        .and_then(time::parse_rfc3339)
    {
        Some(t) => Some(t),
        None => {
            let audit = doc.get("kubernetes").and_then(|k| k.get("audit"));
            let field = |name: &str| {
                audit
                    .and_then(|a| a.get(name))
                    .and_then(Value::as_str)
                    .and_then(time::parse_rfc3339)
            };
            match options.timestamp {
                TimestampFrom::At(t) => Some(t),
                TimestampFrom::Stage => {
                    field("stageTimestamp").or_else(|| field("requestReceivedTimestamp"))
                }
                TimestampFrom::Received => {
                    field("requestReceivedTimestamp").or_else(|| field("stageTimestamp"))
                }
            }
        }
    };
    if let Some(t) = timestamp {
        doc.insert("@timestamp".into(), Value::String(time::format_millis(t)));
    }
    doc.insert(
        "data_stream".into(),
        json!({ "dataset": DATASET, "namespace": "default", "type": "logs" }),
    );
    let keep_original = doc
        .get("tags")
        .and_then(Value::as_array)
        .is_some_and(|tags| tags.iter().any(|t| t == PRESERVE_ORIGINAL));
    let event = object_at(doc, "event");
    event.insert("dataset".into(), Value::String(DATASET.into()));
    if let Some(t) = timestamp {
        // The lag is at most a day (`ingest` checks it); a time within a day of the end of
        // nanosecond time (2262-04-11) has no ingest time: the field is left out, and
        // `ingest` refuses the event (see [`ingested_past_range`]) rather than write a made-up
        // time.
        if let Some(ingested) = t.checked_add(options.ingest_lag) {
            event.insert(
                "ingested".into(),
                Value::String(time::format_seconds(ingested)),
            );
        }
    }
    if !keep_original {
        event.remove("original");
    }
}

/// The integration's ingest pipeline (`elasticsearch/ingest_pipeline/default.yml`, newest
/// version), applied in place to an incoming document.
pub fn ingest_pipeline(doc: &mut Map<String, Value>) {
    if !parse_message(doc) {
        return;
    }
    doc.remove("message");
    let Some(Value::Object(mut audit)) = doc
        .get_mut("kubernetes")
        .and_then(|k| k.as_object_mut())
        .and_then(|k| k.remove("audit"))
    else {
        remove_empty(doc);
        return;
    };
    if !unwrap_aks_envelope(doc, &mut audit) {
        return;
    }
    // 4. Request and response object metadata are dropped.
    for key in ["responseObject", "requestObject"] {
        if let Some(Value::Object(object)) = audit.get_mut(key) {
            object.remove("metadata");
        }
    }
    // 5–6.
    let event = object_at(doc, "event");
    event.insert("kind".into(), Value::String("event".into()));
    if let Some(Value::String(verb)) = audit.get("verb") {
        if !verb.is_empty() {
            event.insert("action".into(), Value::String(verb.clone()));
        }
    }
    rename_gke_fields(&mut audit);
    if let Some(outcome) = dedot_annotations(&mut audit) {
        object_at(doc, "event").insert("outcome".into(), Value::String(outcome.into()));
    }
    // 9. User and user agent copies.
    let user_name = audit.get("user").and_then(|u| u.get("username")).cloned();
    let user_id = audit.get("user").and_then(|u| u.get("uid")).cloned();
    if let Some(name) = &user_name {
        object_at(doc, "user").insert("name".into(), name.clone());
    }
    if let Some(id) = &user_id {
        object_at(doc, "user").insert("id".into(), id.clone());
    }
    if let Some(agent) = audit.get("userAgent") {
        object_at(doc, "user_agent").insert("original".into(), agent.clone());
    }
    // 10. `convert` to type ip, ignore_failure: all elements or nothing.
    let source_ip = audit.get("sourceIPs").and_then(convert_ip);
    if let Some(ip) = &source_ip {
        object_at(doc, "source").insert("ip".into(), ip.clone());
        object_at(doc, "client").insert("ip".into(), ip.clone());
    }
    set_orchestrator(doc, &audit);
    set_cloud_provider(doc);
    set_related(doc, user_id, user_name, source_ip);
    object_at(doc, "kubernetes").insert("audit".into(), Value::Object(audit));
    // 14. Remove every empty value.
    remove_empty(doc);
}

/// Steps 1–2: `message` → `event.original`, parsed into `kubernetes.audit`. False when the
/// JSON does not parse (the document then carries the pipeline's error).
fn parse_message(doc: &mut Map<String, Value>) -> bool {
    if get_path(doc, &["event", "original"]).is_none() {
        if let Some(message) = doc.remove("message") {
            object_at(doc, "event").insert("original".into(), message);
        }
    }
    if get_path(doc, &["kubernetes", "audit"]).is_none() {
        if let Some(Value::String(original)) = get_path(doc, &["event", "original"]).cloned() {
            match serde_json::from_str::<Value>(&original) {
                Ok(parsed) => {
                    object_at(doc, "kubernetes").insert("audit".into(), parsed);
                }
                Err(error) => {
                    // 15. on_failure.
                    pipeline_error(doc, &format!("failed to parse JSON: {error}"));
                    return false;
                }
            }
        }
    }
    true
}

/// Step 3: the Azure AKS diagnostic envelope, when `audit` is one, is replaced by the audit
/// event in its `properties.log`, the envelope's fields kept under `aks_metadata`. False when
/// that log does not parse (the document then carries the pipeline's error).
fn unwrap_aks_envelope(doc: &mut Map<String, Value>, audit: &mut Map<String, Value>) -> bool {
    if ["category", "operationName", "resourceId", "time"]
        .iter()
        .all(|k| audit.contains_key(*k))
    {
        let mut envelope = std::mem::take(audit);
        let mut properties = match envelope.remove("properties") {
            Some(Value::Object(p)) => p,
            _ => Map::new(),
        };
        *audit = match properties.remove("log") {
            Some(Value::String(log)) => match serde_json::from_str::<Value>(&log) {
                Ok(Value::Object(inner)) => inner,
                _ => {
                    pipeline_error(doc, "failed to parse properties.log");
                    return false;
                }
            },
            Some(Value::Object(inner)) => inner,
            _ => Map::new(),
        };
        let mut aks = Map::new();
        for (from, to) in [
            ("operationName", "operation_name"),
            ("resourceId", "resource_id"),
            ("serviceBuild", "service_build"),
        ] {
            if let Some(v) = envelope.remove(from) {
                aks.insert(to.into(), v);
            }
        }
        for (from, to) in [
            ("containerID", "container_id"),
            ("pod", "pod"),
            ("stream", "stream"),
        ] {
            if let Some(v) = properties.remove(from) {
                aks.insert(to.into(), v);
            }
        }
        for (key, value) in envelope {
            aks.insert(key, value);
        }
        if let Some(t) = aks
            .get("time")
            .and_then(Value::as_str)
            .and_then(time::parse_rfc3339)
        {
            doc.insert("@timestamp".into(), Value::String(time::format_millis(t)));
        }
        audit.insert("aks_metadata".into(), Value::Object(aks));
    }
    true
}

/// Step 7: GKE Cloud Logging names, each only when the Kubernetes name is absent.
fn rename_gke_fields(audit: &mut Map<String, Value>) {
    for (from, to) in [
        ("insertId", "auditID"),
        ("receiveTimestamp", "requestReceivedTimestamp"),
        ("timestamp", "stageTimestamp"),
    ] {
        if !audit.contains_key(to) {
            if let Some(v) = audit.remove(from) {
                audit.insert(to.into(), v);
            }
        }
    }
    if audit
        .get("responseStatus")
        .and_then(|s| s.get("code"))
        .is_none()
    {
        let code = audit
            .get_mut("protoPayload")
            .and_then(|p| p.get_mut("status"))
            .and_then(Value::as_object_mut)
            .and_then(|s| s.remove("code"));
        if let Some(code) = code {
            object_at(audit, "responseStatus").insert("code".into(), code);
        }
    }
    if !audit.contains_key("annotations") {
        if let Some(labels) = audit.remove("labels") {
            audit.insert("annotations".into(), labels);
        }
    }
}

/// Step 8: annotation keys de-dotted; the decision annotation gives `event.outcome`, returned.
fn dedot_annotations(audit: &mut Map<String, Value>) -> Option<&'static str> {
    let mut outcome = None;
    if let Some(Value::Object(annotations)) = audit.remove("annotations") {
        let mut dedotted = Map::new();
        for (key, value) in annotations {
            if key == "authorization.k8s.io/decision" {
                outcome = match value.as_str() {
                    Some("allow") => Some("success"),
                    Some("forbid") => Some("failure"),
                    _ => None,
                };
            }
            dedotted.insert(key.replace('.', "_"), value);
        }
        audit.insert("annotations".into(), Value::Object(dedotted));
    }
    outcome
}

/// Step 11: `orchestrator.*` from the audit event.
fn set_orchestrator(doc: &mut Map<String, Value>, audit: &Map<String, Value>) {
    let orchestrator = object_at(doc, "orchestrator");
    orchestrator.insert("type".into(), Value::String("kubernetes".into()));
    if let Some(v) = audit.get("apiVersion") {
        orchestrator.insert("api_version".into(), v.clone());
    }
    let object_ref = audit.get("objectRef");
    let resource_type = object_ref
        .and_then(|o| o.get("resource"))
        .or_else(|| audit.get("resource").and_then(|r| r.get("type")));
    let resource_name = object_ref.and_then(|o| o.get("name")).or_else(|| {
        audit
            .get("protoPayload")
            .and_then(|p| p.get("resourceName"))
    });
    let mut resource = Map::new();
    if let Some(v) = resource_name {
        resource.insert("name".into(), v.clone());
    }
    if let Some(v) = resource_type {
        resource.insert("type".into(), v.clone());
    }
    orchestrator.insert("resource".into(), Value::Object(resource));
    if let Some(v) = object_ref.and_then(|o| o.get("namespace")) {
        orchestrator.insert("namespace".into(), v.clone());
    }
    let labels = audit.get("resource").and_then(|r| r.get("labels"));
    let mut cluster = Map::new();
    if let Some(v) = labels.and_then(|l| l.get("cluster_name")) {
        cluster.insert("name".into(), v.clone());
    }
    if let Some(v) = labels.and_then(|l| l.get("project_id")) {
        cluster.insert("id".into(), v.clone());
    }
    orchestrator.insert("cluster".into(), Value::Object(cluster));
}

/// Step 12: cloud provider from the input type.
fn set_cloud_provider(doc: &mut Map<String, Value>) {
    let provider = match get_path(doc, &["input", "type"]).and_then(Value::as_str) {
        Some("aws-cloudwatch") => Some("aws"),
        Some("azure-eventhub") => Some("azure"),
        Some("gcp-pubsub") => Some("gcp"),
        _ => None,
    };
    if let Some(provider) = provider {
        object_at(doc, "cloud").insert("provider".into(), Value::String(provider.into()));
    }
}

/// Step 13: related: uid, then username; every source IP.
fn set_related(
    doc: &mut Map<String, Value>,
    user_id: Option<Value>,
    user_name: Option<Value>,
    source_ip: Option<Value>,
) {
    let mut related_user: Vec<Value> = Vec::new();
    for v in [user_id, user_name].into_iter().flatten() {
        if !related_user.contains(&v) {
            related_user.push(v);
        }
    }
    let related = object_at(doc, "related");
    related.insert("user".into(), Value::Array(related_user));
    let mut related_ip: Vec<Value> = Vec::new();
    for ip in source_ip
        .iter()
        .flat_map(|v| v.as_array().cloned().unwrap_or_else(|| vec![v.clone()]))
    {
        if !related_ip.contains(&ip) {
            related_ip.push(ip);
        }
    }
    related.insert("ip".into(), Value::Array(related_ip));
}

/// Elasticsearch's `convert` to `ip`: every element must be an IP literal, else the processor
/// fails (and `ignore_failure` leaves the target unset).
fn convert_ip(value: &Value) -> Option<Value> {
    let is_ip = |v: &Value| {
        v.as_str()
            .is_some_and(|s| s.parse::<std::net::IpAddr>().is_ok())
    };
    match value {
        Value::Array(items) if items.iter().all(is_ip) => Some(value.clone()),
        Value::String(_) if is_ip(value) => Some(value.clone()),
        _ => None,
    }
}

fn pipeline_error(doc: &mut Map<String, Value>, message: &str) {
    object_at(doc, "event").insert("kind".into(), Value::String("pipeline_error".into()));
    let error = object_at(doc, "error");
    error.insert("message".into(), json!([message]));
    let tags = doc.entry("tags").or_insert_with(|| json!([]));
    if let Some(tags) = tags.as_array_mut() {
        if !tags.iter().any(|t| t == PRESERVE_ORIGINAL) {
            tags.push(Value::String(PRESERVE_ORIGINAL.into()));
        }
    }
}

/// The object under `key`, created (or replacing a non-object) when needed.
fn object_at<'m>(map: &'m mut Map<String, Value>, key: &str) -> &'m mut Map<String, Value> {
    let slot = map.entry(key).or_insert_with(|| Value::Object(Map::new()));
    if !slot.is_object() {
        *slot = Value::Object(Map::new());
    }
    slot.as_object_mut().expect("just made an object")
}

fn get_path<'m>(map: &'m Map<String, Value>, path: &[&str]) -> Option<&'m Value> {
    let (first, rest) = path.split_first()?;
    let mut value = map.get(*first)?;
    for key in rest {
        value = value.get(key)?;
    }
    Some(value)
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

/// Step 14: depth-first, so a map emptied by the removal disappears too.
fn remove_empty(map: &mut Map<String, Value>) {
    map.retain(|_, value| {
        remove_empty_in(value);
        !is_empty(value)
    });
}

/// Step 14 inside one value (the direct path's tests compare with it).
#[cfg(test)]
pub(crate) fn remove_empty_value(value: &mut Value) {
    remove_empty_in(value);
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

/// Sorted keys at every level, whatever `serde_json`'s map type: the output is the same bytes
/// even if a dependency switches on `preserve_order`.
fn sort_keys(map: &mut Map<String, Value>) {
    map.sort_keys();
    for value in map.values_mut() {
        sort_keys_in(value);
    }
}

fn sort_keys_in(value: &mut Value) {
    match value {
        Value::Object(map) => sort_keys(map),
        Value::Array(items) => items.iter_mut().for_each(sort_keys_in),
        _ => {}
    }
}

//! The shapes real audit logs come in, unwrapped to audit events: native `audit.k8s.io` events,
//! `EventList`s, Elastic's cloud-input shape `{"message":"<event>"}`, CloudWatch Logs
//! subscription envelopes and `aws logs filter-log-events` output (EKS), AKS `{"records":[…]}`
//! batches and single AKS envelopes, `gcloud logging read` arrays and single GKE entries, and
//! plain JSON arrays of events. Records that hold no audit event (another AKS category, a
//! CloudWatch control message, a non-JSON CloudWatch line) are skipped with a reason; shapes we
//! cannot read (base64 payloads of Firehose and Lambda) are refused with the command that fixes
//! them. Every case is in `docs/scenarios.md` ("Importing real logs").

use serde_json::Value;

use super::time::{Nanos, NANOS_PER_SECOND};

/// The AKS diagnostic categories that hold API-server audit events.
pub const AKS_AUDIT_CATEGORIES: [&str; 2] = ["kube-audit", "kube-audit-admin"];

/// Starts the message of a shape that is recognised but refused (`E504`, not `E501`): what
/// follows names the shape and the command that converts it.
pub const REFUSED: &str = "refused shape: ";

/// How deep shapes may nest (`{"message": "{\"records\": […]}"}` is two).
const MAX_NESTING: usize = 4;

/// A recognised container of events (reported in the summary).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Shape {
    Event,
    EventList,
    CloudInput,
    CloudWatchSubscription,
    CloudWatchEvents,
    AksRecords,
    AksRecord,
    GkeEntry,
    JsonArray,
}

impl Shape {
    pub fn describe(self) -> &'static str {
        match self {
            Shape::Event => "audit.k8s.io event",
            Shape::EventList => "EventList",
            Shape::CloudInput => "cloud-input document {\"message\": …}",
            Shape::CloudWatchSubscription => "CloudWatch Logs subscription envelope",
            Shape::CloudWatchEvents => "`aws logs filter-log-events` output",
            Shape::AksRecords => "AKS {\"records\": […]} batch",
            Shape::AksRecord => "AKS diagnostic envelope",
            Shape::GkeEntry => "GKE Cloud Audit Log entry",
            Shape::JsonArray => "JSON array (e.g. `gcloud logging read --format=json`)",
        }
    }
}

/// One audit event found in a document.
#[derive(Debug)]
pub struct Found {
    pub raw: Value,
    /// The event's own text when it arrived as a string (a `message`): becomes `event.original`.
    pub original: Option<String>,
    /// The time the envelope gives (a CloudWatch log event's `timestamp`), which the input
    /// makes `@timestamp`.
    pub timestamp: Option<Nanos>,
}

/// What one JSON document held.
#[derive(Debug, Default)]
pub struct Unwrapped {
    pub events: Vec<Found>,
    /// Records that hold no audit event, each with why.
    pub skipped: Vec<String>,
    /// The shapes met on the way (outermost first).
    pub shapes: Vec<Shape>,
    /// GKE Cloud Audit Log entries among the events.
    pub gke_entries: u64,
    /// Whether the document is a container (its events have no line of their own).
    pub container: bool,
}

/// Unwraps one parsed JSON document; `Err` names the shape and the fix.
pub fn unwrap(value: Value) -> Result<Unwrapped, String> {
    let mut out = Unwrapped::default();
    unwrap_into(value, None, None, 0, &mut out)?;
    // A line that is one event (native, GKE, AKS envelope) is its own `event.original`.
    out.container = !matches!(
        out.shapes.first(),
        Some(Shape::Event | Shape::GkeEntry | Shape::AksRecord)
    );
    Ok(out)
}

fn unwrap_into(
    value: Value,
    original: Option<String>,
    timestamp: Option<Nanos>,
    depth: usize,
    out: &mut Unwrapped,
) -> Result<(), String> {
    if depth > MAX_NESTING {
        return Err(format!("envelopes nested more than {MAX_NESTING} deep"));
    }
    let object = match value {
        Value::Array(items) => return unwrap_array(items, depth, out),
        Value::Object(object) => object,
        _ => return Err("a JSON value that is neither an object nor an array".into()),
    };
    let text = |key: &str| object.get(key).and_then(Value::as_str);
    if text("kind") == Some("EventList") {
        out.shapes.push(Shape::EventList);
        return match object.get("items") {
            Some(Value::Array(items)) => {
                items
                    .iter()
                    .enumerate()
                    .try_for_each(|(i, item)| match looks_like_event(item) {
                        true => push_event(item.clone(), None, timestamp, out),
                        false => Err(format!("EventList item {i} is not an audit event")),
                    })
            }
            None => Ok(()),
            Some(_) => Err("EventList `items` is not an array".into()),
        };
    }
    if let Some(kind) = text("messageType") {
        out.shapes.push(Shape::CloudWatchSubscription);
        return match kind {
            "DATA_MESSAGE" => log_events(object.get("logEvents"), "logEvents", depth, out),
            "CONTROL_MESSAGE" => {
                out.skipped.push("CloudWatch Logs control message".into());
                Ok(())
            }
            other => Err(format!(
                "CloudWatch Logs envelope of unknown messageType `{other}`"
            )),
        };
    }
    if object.get("awslogs").and_then(|a| a.get("data")).is_some() {
        return Err(format!(
            "{REFUSED}a Lambda CloudWatch Logs event (`awslogs.data` is base64 of gzip): decode it \
             first with `jq -r .awslogs.data FILE | base64 -d | gunzip`"
        ));
    }
    if is_event_object(&object) {
        return push_event(Value::Object(object), original, timestamp, out);
    }
    if let Some(events) = object.get("events") {
        out.shapes.push(Shape::CloudWatchEvents);
        return log_events(Some(events), "events", depth, out);
    }
    if let Some(records) = object.get("records") {
        return unwrap_records(records, depth, out);
    }
    if let Some(Value::String(message)) = object.get("message") {
        out.shapes.push(Shape::CloudInput);
        let inner: Value = serde_json::from_str(message).map_err(|error| {
            format!("a cloud-input document whose `message` is not JSON: {error}")
        })?;
        return unwrap_into(inner, Some(message.clone()), timestamp, depth + 1, out);
    }
    Err(
        "an object with none of `auditID`, `verb`, `stage` (native event), `kind: EventList`, \
         `protoPayload` (GKE), `properties.log` or `records` (AKS), `message` (cloud input), \
         `messageType` or `events` (CloudWatch)"
            .into(),
    )
}

fn unwrap_array(items: Vec<Value>, depth: usize, out: &mut Unwrapped) -> Result<(), String> {
    out.shapes.push(Shape::JsonArray);
    for (i, item) in items.into_iter().enumerate() {
        unwrap_into(item, None, None, depth + 1, out)
            .map_err(|error| format!("array item {i}: {error}"))?;
    }
    Ok(())
}

/// CloudWatch log events: `{"timestamp": ms, "message": "<event>"}`. A message that is not an
/// audit event (another stream of the EKS log group: authenticator, kube-apiserver) is skipped.
fn log_events(
    list: Option<&Value>,
    key: &str,
    depth: usize,
    out: &mut Unwrapped,
) -> Result<(), String> {
    let Some(Value::Array(list)) = list else {
        return Err(format!(
            "a CloudWatch Logs document whose `{key}` is not an array"
        ));
    };
    for (i, item) in list.iter().enumerate() {
        let Some(message) = item.get("message").and_then(Value::as_str) else {
            return Err(format!("CloudWatch log event {i} has no `message` string"));
        };
        let timestamp = item
            .get("timestamp")
            .and_then(Value::as_i64)
            .and_then(|ms| ms.checked_mul(NANOS_PER_SECOND / 1000));
        let stream = item
            .get("logStreamName")
            .and_then(Value::as_str)
            .map(|s| format!(" (stream `{s}`)"))
            .unwrap_or_default();
        match serde_json::from_str::<Value>(message) {
            Ok(inner) if looks_like_event(&inner) => {
                push_event(inner, Some(message.to_string()), timestamp, out)?
            }
            Ok(inner @ Value::Object(_)) if depth < MAX_NESTING => {
                unwrap_into(inner, Some(message.to_string()), timestamp, depth + 1, out)?
            }
            _ => out.skipped.push(format!(
                "CloudWatch log event that is not an audit event{stream}"
            )),
        }
    }
    Ok(())
}

/// `{"records": […]}`: AKS diagnostic settings (Event Hub, storage account). Records of other
/// categories (kube-apiserver, cluster-autoscaler, guard, …) carry plain log lines that
/// Elastic's pipeline would index as `pipeline_error` documents: skipped with their category.
fn unwrap_records(records: &Value, depth: usize, out: &mut Unwrapped) -> Result<(), String> {
    let Value::Array(records) = records else {
        return Err("a `records` batch whose `records` is not an array".into());
    };
    if records
        .iter()
        .any(|r| r.get("data").is_some() && r.get("recordId").is_some())
    {
        return Err(format!(
            "{REFUSED}a Kinesis Data Firehose request (`records[].data` is base64 of gzip): \
             decode each record first, e.g. `jq -r '.records[].data' FILE | while read d; do \
             echo \"$d\" | base64 -d | gunzip; done`"
        ));
    }
    out.shapes.push(Shape::AksRecords);
    for (i, record) in records.iter().enumerate() {
        if record.get("category").is_none() {
            unwrap_into(record.clone(), None, None, depth + 1, out)
                .map_err(|error| format!("record {i}: {error}"))?;
            continue;
        }
        push_event(record.clone(), None, None, out)?;
    }
    Ok(())
}

/// Adds one event, or skips an AKS envelope of a category that is not an audit log.
fn push_event(
    raw: Value,
    original: Option<String>,
    timestamp: Option<Nanos>,
    out: &mut Unwrapped,
) -> Result<(), String> {
    if let Some(category) = aks_category(&raw) {
        out.shapes.push(Shape::AksRecord);
        if !AKS_AUDIT_CATEGORIES.contains(&category) {
            out.skipped.push(format!(
                "AKS record of category `{category}` (not kube-audit or kube-audit-admin)"
            ));
            return Ok(());
        }
    } else if raw.get("protoPayload").is_some() {
        out.shapes.push(Shape::GkeEntry);
        out.gke_entries += 1;
    } else {
        out.shapes.push(Shape::Event);
    }
    out.events.push(Found {
        raw,
        original,
        timestamp,
    });
    Ok(())
}

/// The category of an AKS diagnostic envelope (`category` with `properties`), if it is one.
fn aks_category(raw: &Value) -> Option<&str> {
    raw.get("properties")?;
    raw.get("category")?.as_str()
}

/// Native events, GKE Cloud Logging entries and AKS envelopes.
pub fn looks_like_event(value: &Value) -> bool {
    value.as_object().is_some_and(is_event_object)
}

fn is_event_object(object: &serde_json::Map<String, Value>) -> bool {
    let has = |key: &str| object.contains_key(key);
    has("auditID")
        || has("verb")
        || has("stage")
        || has("protoPayload")
        || object
            .get("properties")
            .and_then(|p| p.get("log"))
            .is_some()
        || (has("category") && has("properties"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_cloudwatch_subscription_gives_its_audit_events_with_their_times() {
        let envelope = json!({"messageType":"DATA_MESSAGE","logEvents":[
            {"timestamp":1700000000123i64,"message":"{\"auditID\":\"a\",\"verb\":\"get\"}"},
            {"timestamp":1700000000124i64,"message":"I1120 authenticator line"}]});
        let out = unwrap(envelope).unwrap();
        assert_eq!(out.events.len(), 1);
        assert_eq!(out.events[0].timestamp, Some(1_700_000_000_123_000_000));
        assert_eq!(out.skipped.len(), 1);
        assert!(out.container);
    }

    #[test]
    fn aks_records_of_other_categories_are_skipped_with_their_category() {
        let batch = json!({"records":[
            {"category":"kube-audit","properties":{"log":"{}"}},
            {"category":"kube-apiserver","properties":{"log":"I0101 started"}}]});
        let out = unwrap(batch).unwrap();
        assert_eq!(out.events.len(), 1);
        assert_eq!(
            out.skipped,
            vec!["AKS record of category `kube-apiserver` (not kube-audit or kube-audit-admin)"]
        );
    }

    #[test]
    fn base64_payloads_are_refused_with_the_fix() {
        let lambda = json!({"awslogs":{"data":"H4sIAAAA"}});
        assert!(unwrap(lambda).unwrap_err().contains("base64 -d | gunzip"));
        let firehose = json!({"records":[{"recordId":"1","data":"H4sI"}]});
        assert!(unwrap(firehose)
            .unwrap_err()
            .contains("Kinesis Data Firehose"));
    }
}

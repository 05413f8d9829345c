//! One ECS document written from the templates, in the key order of the canonical
//! `audit::ecs::raw_to_ecs` output (the first of each kind; the next ones reuse its pieces).

use super::push_uuid;
use super::templates::{literal, ActivityTemplate, ActorTemplate, Templates};
use super::time_text::push_time;
use crate::scenario::generate::Generated;
use crate::scenario::pieces::Marks;
use crate::scenario::render::{failure, parts, Parts};
use crate::scenario::{Decision, Scenario, Stage};

/// A name or namespace: its literal and its escaped characters for the URI.
type Escaped = (Vec<u8>, Vec<u8>);

/// The templates one generated document takes its values from.
struct Selected<'a> {
    actor: &'a ActorTemplate,
    labels: &'a [u8],
    level: &'a [u8],
    a: &'a ActivityTemplate,
    ips: &'a [u8],
    related_ips: &'a [u8],
    user_agent: &'a Option<Vec<u8>>,
    name: Option<&'a Escaped>,
    namespace: Option<&'a Escaped>,
}

/// Picks the templates of the document's step, activity, source IPs, user agent, name and
/// namespace.
#[inline]
fn select<'a>(t: &'a Templates, scenario: &Scenario, g: &Generated) -> Selected<'a> {
    let step = &scenario.steps[g.step];
    let actor = &t.actors[step.actor];
    let (labels, level, activities) = &t.steps[g.step];
    let a = &activities[g.activity];
    let (ips, related_ips) = &actor.ips[g.source_ips];
    let user_agent = &actor.user_agents[g.user_agent];
    let name = g.name.map(|i| &a.names[i]);
    let namespace = g.namespace.map(|i| &a.namespaces[i]);
    Selected {
        actor,
        labels,
        level,
        a,
        ips,
        related_ips,
        user_agent,
        name,
        namespace,
    }
}

/// Appends one ECS document from the templates; returns where its five varying values are.
pub(super) fn write_document(
    t: &Templates,
    scenario: &Scenario,
    g: &Generated,
    out: &mut Vec<u8>,
) -> Marks {
    let mut marks: Marks = [(0, 0); 5];
    let p: Parts<'_> = parts(scenario, g);
    let d = select(t, scenario, g);
    let complete = g.stage != Stage::RequestReceived;
    let decision = if complete {
        p.activity.decision
    } else {
        Decision::None
    };
    write_event_fields(t, g, &d, decision, out, &mut marks);
    write_audit_request_fields(t, g, &d, decision, out, &mut marks);
    if complete {
        write_response_status(&p, &d, out);
    }
    write_audit_closing_fields(t, g, &d, out, &mut marks);
    write_ecs_closing_fields(&d, out);
    marks
}

/// `{"@timestamp":…` up to the end of `event` (its `outcome` when the request is decided).
#[inline]
fn write_event_fields(
    t: &Templates,
    g: &Generated,
    d: &Selected<'_>,
    decision: Decision,
    out: &mut Vec<u8>,
    marks: &mut Marks,
) {
    let Selected { a, ips, .. } = *d;
    out.extend(b"{\"@timestamp\":");
    marks[0] = marked(out, |out| push_time(t, out, g.timestamp, 3));
    out.extend(b",\"client\":{\"ip\":");
    out.extend(ips);
    out.extend(b"},\"data_stream\":{\"dataset\":\"kubernetes.audit_logs\",\"namespace\":\"default\",\"type\":\"logs\"},\"event\":{\"action\":");
    out.extend(&a.verb);
    out.extend(b",\"dataset\":\"kubernetes.audit_logs\",\"ingested\":");
    marks[1] = marked(out, |out| push_time(t, out, g.ingested, 0));
    out.extend(b",\"kind\":\"event\"");
    match decision {
        Decision::Allow => out.extend(b",\"outcome\":\"success\""),
        Decision::Forbid => out.extend(b",\"outcome\":\"failure\""),
        Decision::None => {}
    }
}

/// `},"kubernetes":{"audit":{` and the audit event's fields up to `requestURI`.
#[inline]
fn write_audit_request_fields(
    t: &Templates,
    g: &Generated,
    d: &Selected<'_>,
    decision: Decision,
    out: &mut Vec<u8>,
    marks: &mut Marks,
) {
    let Selected {
        actor,
        level,
        a,
        name,
        namespace,
        ..
    } = *d;
    out.extend(b"},\"kubernetes\":{\"audit\":{");
    match decision {
        Decision::Allow => out.extend(&actor.annotations_allow),
        Decision::Forbid => {
            out.extend(b"\"annotations\":{\"authorization_k8s_io/decision\":\"forbid\"},")
        }
        Decision::None => {}
    }
    out.extend(b"\"apiVersion\":\"audit.k8s.io/v1\",\"auditID\":");
    marks[2] = marked(out, |out| push_uuid(out, g.audit_id));
    if let Some(impersonated) = &actor.impersonated {
        out.extend(b",\"impersonatedUser\":");
        out.extend(impersonated);
    }
    out.extend(b",\"kind\":\"Event\",\"level\":");
    out.extend(level);
    write_object_ref(out, a, name, namespace);
    out.extend(&a.request_object);
    out.extend(b",\"requestReceivedTimestamp\":");
    marks[3] = marked(out, |out| push_time(t, out, g.request_received, 6));
    out.extend(b",\"requestURI\":\"");
    if let Some(uri) = &a.request_uri {
        out.extend(uri);
        out.push(b'"');
    } else {
        write_uri(out, a, namespace, name);
    }
}

/// `,"objectRef":{…}`.
#[inline]
fn write_object_ref(
    out: &mut Vec<u8>,
    a: &ActivityTemplate,
    name: Option<&Escaped>,
    namespace: Option<&Escaped>,
) {
    out.extend(b",\"objectRef\":{");
    out.extend(&a.object_ref_prefix);
    if let Some((literal, _)) = name {
        put(out, &[b"\"name\":", literal, b","]);
    }
    if let Some((literal, _)) = namespace {
        put(out, &[b"\"namespace\":", literal, b","]);
    }
    out.extend(b"\"resource\":");
    out.extend(&a.resource);
    out.extend(&a.subresource);
    out.push(b'}');
}

/// `,"responseStatus":{…}` of a completed request: the code, and the details of a failure.
#[inline]
fn write_response_status(p: &Parts<'_>, d: &Selected<'_>, out: &mut Vec<u8>) {
    let Selected { a, name, .. } = *d;
    let code = p.activity.code;
    out.extend(b",\"responseStatus\":{\"code\":");
    push_digits(out, i64::from(code), 3);
    if let Some((reason, message)) = failure(p, code) {
        out.extend(b",\"details\":{\"kind\":");
        out.extend(&a.resource);
        if let Some((literal, _)) = name {
            out.extend(b",\"name\":");
            out.extend(literal);
        }
        out.extend(b"},\"message\":");
        out.extend(self::literal(&message));
        out.extend(b",\"reason\":\"");
        out.extend(reason.as_bytes());
        out.extend(b"\",\"status\":\"Failure\"");
    }
    out.push(b'}');
}

/// The audit event's fields from `sourceIPs` to `verb`, closing `audit` and `kubernetes`.
#[inline]
fn write_audit_closing_fields(
    t: &Templates,
    g: &Generated,
    d: &Selected<'_>,
    out: &mut Vec<u8>,
    marks: &mut Marks,
) {
    let Selected {
        actor,
        a,
        ips,
        user_agent,
        ..
    } = *d;
    out.extend(b",\"sourceIPs\":");
    out.extend(ips);
    out.extend(b",\"stage\":\"");
    out.extend(g.stage.as_str().as_bytes());
    out.extend(b"\",\"stageTimestamp\":");
    marks[4] = marked(out, |out| push_time(t, out, g.stage_timestamp, 6));
    if let Some(user) = &actor.user {
        out.extend(b",\"user\":");
        out.extend(user);
    }
    if let Some(ua) = user_agent {
        out.extend(b",\"userAgent\":");
        out.extend(ua);
    }
    out.extend(b",\"verb\":");
    out.extend(&a.verb);
    out.extend(b"}}");
}

/// The ECS fields after `kubernetes` (`labels` to `user_agent`) and the closing brace.
#[inline]
fn write_ecs_closing_fields(d: &Selected<'_>, out: &mut Vec<u8>) {
    let Selected {
        actor,
        labels,
        a,
        ips,
        related_ips,
        user_agent,
        name,
        namespace,
        ..
    } = *d;
    out.extend(b",\"labels\":");
    out.extend(labels);
    out.extend(b",\"orchestrator\":{\"api_version\":\"audit.k8s.io/v1\"");
    if let Some((literal, _)) = namespace {
        put(out, &[b",\"namespace\":", literal]);
    }
    out.extend(b",\"resource\":{");
    if let Some((literal, _)) = name {
        put(out, &[b"\"name\":", literal, b","]);
    }
    out.extend(b"\"type\":");
    out.extend(&a.resource);
    out.extend(b"},\"type\":\"kubernetes\"},\"related\":{\"ip\":");
    out.extend(related_ips);
    out.extend(&actor.related_user);
    out.extend(b"},\"source\":{\"ip\":");
    out.extend(ips);
    out.push(b'}');
    out.extend(&actor.user_ecs);
    if let Some(ua) = user_agent {
        out.extend(b",\"user_agent\":{\"original\":");
        out.extend(ua);
        out.push(b'}');
    }
    out.push(b'}');
}

/// Appends byte fragments in order.
fn put(out: &mut Vec<u8>, parts: &[&[u8]]) {
    for part in parts {
        out.extend_from_slice(part);
    }
}

fn push_digits(out: &mut Vec<u8>, n: i64, width: u32) {
    for i in (0..width).rev() {
        out.push(b'0' + (n / 10i64.pow(i) % 10) as u8);
    }
}

/// Calls `push` and says where in `out` it wrote.
fn marked(out: &mut Vec<u8>, push: impl FnOnce(&mut Vec<u8>)) -> (usize, usize) {
    let start = out.len();
    push(out);
    (start, out.len())
}

/// The request URI built from the object reference, closing quote included.
fn write_uri(
    out: &mut Vec<u8>,
    a: &ActivityTemplate,
    namespace: Option<&Escaped>,
    name: Option<&Escaped>,
) {
    out.extend(&a.uri_prefix);
    if let Some((_, inner)) = namespace {
        out.extend(b"/namespaces/");
        out.extend(inner);
    }
    out.extend(&a.uri_resource);
    if let Some((_, inner)) = name {
        out.push(b'/');
        out.extend(inner);
    }
    out.extend(&a.uri_suffix);
    out.push(b'"');
}

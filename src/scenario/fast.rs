//! The fast ECS writer behind `rulegate gen -o`: the JSON of each actor, activity and step is
//! escaped once into byte templates, and each document is assembled from them in the sorted key
//! order of the canonical `audit::ecs::raw_to_ecs` output, with empty values left out as the
//! pipeline's cleanup removes them. A test compares its bytes with the canonical path for every
//! scenario in the library and for random scenarios.

use std::cell::{Cell, RefCell};

use super::generate::Generated;
use super::pieces::{Cache, Kind, Marks};
use super::render::{failure, parts, Parts};
use super::{Decision, Scenario, Stage};
use crate::audit::time::{civil_from_days, Nanos, NANOS_PER_SECOND};

/// A JSON string literal, quotes included.
fn literal(s: &str) -> Vec<u8> {
    serde_json::to_vec(s).expect("strings serialise")
}

/// The escaped characters of a string, without quotes (escaping is per character, so the
/// escaped parts of a concatenation are the parts of the escaped concatenation).
fn inner(s: &str) -> Vec<u8> {
    let quoted = literal(s);
    quoted[1..quoted.len() - 1].to_vec()
}

fn array(items: &[&str]) -> Vec<u8> {
    serde_json::to_vec(items).expect("strings serialise")
}

struct ActorTemplate {
    /// Per rotation entry: `["ip",…]` (sourceIPs, source.ip, client.ip) and the deduplicated related.ip.
    ips: Vec<(Vec<u8>, Vec<u8>)>,
    /// Per user agent: the literal, or `None` for no user agent.
    user_agents: Vec<Option<Vec<u8>>>,
    /// `kubernetes.audit.user` (None when it would be an empty object).
    user: Option<Vec<u8>>,
    impersonated: Option<Vec<u8>>,
    /// `,"user":{"id":…,"name":…}` or empty.
    user_ecs: Vec<u8>,
    /// `,"user":[…]` inside `related`, or empty.
    related_user: Vec<u8>,
    annotations_allow: Vec<u8>,
}

struct ActivityTemplate {
    verb: Vec<u8>,
    resource: Vec<u8>,
    /// `"apiGroup":"…",` (or empty) + `"apiVersion":"…",` (or empty), in objectRef key order.
    object_ref_prefix: Vec<u8>,
    /// `,"subresource":"…"` or empty.
    subresource: Vec<u8>,
    /// The URI up to the namespace (`/api/v1` or `/apis/<group>/<version>`), escaped.
    uri_prefix: Vec<u8>,
    /// `/<resource>`, escaped.
    uri_resource: Vec<u8>,
    /// `/<subresource>` and the query string, escaped.
    uri_suffix: Vec<u8>,
    names: Vec<(Vec<u8>, Vec<u8>)>,
    namespaces: Vec<(Vec<u8>, Vec<u8>)>,
    /// `,"requestObject":{…}` as the pipeline indexes it, or empty.
    request_object: Vec<u8>,
    /// The verbatim request URI, escaped, when the step gives one.
    request_uri: Option<Vec<u8>>,
}

/// Pre-escaped JSON for every actor, step and activity of a scenario.
pub(super) struct Templates {
    actors: Vec<ActorTemplate>,
    /// Per step: `{"rulegate_actor":…,"rulegate_step":…}`, the level literal, and its activities.
    steps: Vec<(Vec<u8>, Vec<u8>, Vec<ActivityTemplate>)>,
    /// The last day written (see [`push_time`]).
    day: Cell<Option<(i64, [u8; DAY_TEXT])>>,
    /// Per number of fraction digits (0–2, 3–5, 6–8, 9): the last second written, as text.
    seconds: [Cell<(i64, [u8; SECOND_TEXT])>; 4],
    /// The fixed pieces of the kinds of document written so far (see [`write_ecs`]).
    pieces: RefCell<Cache>,
}

fn user_object(
    username: &str,
    uid: &str,
    groups: &[String],
    extra: Option<&std::collections::BTreeMap<String, Vec<String>>>,
) -> Option<Vec<u8>> {
    let mut fields: Vec<Vec<u8>> = Vec::new();
    if let Some(extra) = extra.filter(|e| !e.is_empty()) {
        let mut field = b"\"extra\":".to_vec();
        field.extend(serde_json::to_vec(extra).expect("maps serialise"));
        fields.push(field);
    }
    if !groups.is_empty() {
        let mut field = b"\"groups\":".to_vec();
        field.extend(serde_json::to_vec(groups).expect("lists serialise"));
        fields.push(field);
    }
    for (key, value) in [("uid", uid), ("username", username)] {
        if !value.is_empty() {
            let mut field = format!("\"{key}\":").into_bytes();
            field.extend(literal(value));
            fields.push(field);
        }
    }
    if fields.is_empty() {
        return None;
    }
    let mut out = b"{".to_vec();
    out.extend(fields.join(&b","[..]));
    out.push(b'}');
    Some(out)
}

impl Templates {
    pub(super) fn new(scenario: &Scenario) -> Templates {
        let actors = scenario
            .actors
            .iter()
            .map(|actor| {
                let ips = actor
                    .source_ips
                    .iter()
                    .map(|list| {
                        let all: Vec<&str> = list.iter().map(String::as_str).collect();
                        let mut unique: Vec<&str> = Vec::new();
                        for ip in &all {
                            if !unique.contains(ip) {
                                unique.push(ip);
                            }
                        }
                        (array(&all), array(&unique))
                    })
                    .collect();
                let mut related: Vec<&str> = Vec::new();
                for u in [actor.uid.as_str(), actor.username.as_str()] {
                    if !u.is_empty() && !related.contains(&u) {
                        related.push(u);
                    }
                }
                let related_user = if related.is_empty() {
                    Vec::new()
                } else {
                    [b",\"user\":".as_slice(), &array(&related)].concat()
                };
                let user_ecs = match (actor.uid.is_empty(), actor.username.is_empty()) {
                    (true, true) => Vec::new(),
                    (uid_empty, name_empty) => {
                        let mut out = b",\"user\":{".to_vec();
                        if !uid_empty {
                            out.extend(b"\"id\":");
                            out.extend(literal(&actor.uid));
                        }
                        if !name_empty {
                            if !uid_empty {
                                out.push(b',');
                            }
                            out.extend(b"\"name\":");
                            out.extend(literal(&actor.username));
                        }
                        out.push(b'}');
                        out
                    }
                };
                let mut annotations_allow =
                    b"\"annotations\":{\"authorization_k8s_io/decision\":\"allow\"".to_vec();
                if !actor.reason.is_empty() {
                    annotations_allow.extend(b",\"authorization_k8s_io/reason\":");
                    annotations_allow.extend(literal(&actor.reason));
                }
                annotations_allow.extend(b"},");
                ActorTemplate {
                    ips,
                    user_agents: actor
                        .user_agents
                        .iter()
                        .map(|ua| ua.as_deref().map(literal))
                        .collect(),
                    user: user_object(
                        &actor.username,
                        &actor.uid,
                        &actor.groups,
                        Some(&actor.extra),
                    ),
                    impersonated: actor
                        .impersonate
                        .as_ref()
                        .and_then(|i| user_object(&i.username, "", &i.groups, None)),
                    user_ecs,
                    related_user,
                    annotations_allow,
                }
            })
            .collect();
        let steps = scenario
            .steps
            .iter()
            .map(|step| {
                let labels = serde_json::to_vec(&serde_json::json!({
                    "rulegate_actor": scenario.actors[step.actor].name,
                    "rulegate_step": step.label,
                }))
                .expect("labels serialise");
                let activities = step
                    .activities
                    .iter()
                    .map(|a| activity_template(a, &step.level))
                    .collect();
                (labels, literal(&step.level), activities)
            })
            .collect();
        Templates {
            actors,
            steps,
            day: Cell::new(None),
            seconds: std::array::from_fn(|_| Cell::new((NO_SECOND, [0; SECOND_TEXT]))),
            pieces: RefCell::new(Cache::default()),
        }
    }
}

/// `,"requestObject":…` exactly as `raw_to_ecs` leaves it (the pipeline's own handling of the
/// body, run once on an event holding only the body).
fn request_object_bytes(a: &super::Activity, level: &str) -> Vec<u8> {
    let Some(object) = super::render::logged_request_object(a, level) else {
        return Vec::new();
    };
    let raw = serde_json::json!({ "requestObject": object });
    let doc = crate::audit::ecs::raw_to_ecs(&raw, &crate::audit::ecs::EcsOptions::default());
    match doc.pointer("/kubernetes/audit/requestObject") {
        Some(value) => {
            let mut out = b",\"requestObject\":".to_vec();
            out.extend(serde_json::to_vec(value).expect("values serialise"));
            out
        }
        None => Vec::new(),
    }
}

fn activity_template(a: &super::Activity, level: &str) -> ActivityTemplate {
    let mut object_ref_prefix = Vec::new();
    if !a.api_group.is_empty() {
        object_ref_prefix.extend(b"\"apiGroup\":");
        object_ref_prefix.extend(literal(&a.api_group));
        object_ref_prefix.push(b',');
    }
    if !a.api_version.is_empty() {
        object_ref_prefix.extend(b"\"apiVersion\":");
        object_ref_prefix.extend(literal(&a.api_version));
        object_ref_prefix.push(b',');
    }
    let mut uri_prefix = Vec::new();
    if a.api_group.is_empty() {
        uri_prefix.extend(b"/api/");
    } else {
        uri_prefix.extend(b"/apis/");
        uri_prefix.extend(inner(&a.api_group));
        uri_prefix.push(b'/');
    }
    uri_prefix.extend(inner(&a.api_version));
    let mut uri_suffix = Vec::new();
    if !a.subresource.is_empty() {
        uri_suffix.push(b'/');
        uri_suffix.extend(inner(&a.subresource));
    }
    uri_suffix.extend(inner(super::render::query(&a.verb)));
    ActivityTemplate {
        verb: literal(&a.verb),
        resource: literal(&a.resource),
        object_ref_prefix,
        subresource: if a.subresource.is_empty() {
            Vec::new()
        } else {
            [b",\"subresource\":".as_slice(), &literal(&a.subresource)].concat()
        },
        uri_prefix,
        uri_resource: [b"/".as_slice(), &inner(&a.resource)].concat(),
        uri_suffix,
        names: a.names.iter().map(|n| (literal(n), inner(n))).collect(),
        namespaces: a
            .namespaces
            .iter()
            .map(|n| (literal(n), inner(n)))
            .collect(),
        request_object: request_object_bytes(a, level),
        request_uri: a.request_uri.as_deref().map(inner),
    }
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

/// `"YYYY-MM-DDT`: the opening quote and a day.
const DAY_TEXT: usize = 12;

/// Writes `n` (below `10^digits.len()`) in decimal, zero-padded to fill `digits`.
fn fill_digits(digits: &mut [u8], mut n: u64) {
    for digit in digits.iter_mut().rev() {
        *digit = b'0' + (n % 10) as u8;
        n /= 10;
    }
}

fn day_text(days: i64) -> [u8; DAY_TEXT] {
    let (year, month, day) = civil_from_days(days);
    let mut text = *b"\"0000-00-00T";
    // Times are nanoseconds in an i64 (years 1677 to 2262): always four digits.
    fill_digits(&mut text[1..5], year.rem_euclid(10_000) as u64);
    fill_digits(&mut text[6..8], month as u64);
    fill_digits(&mut text[9..11], day as u64);
    text
}

/// `"YYYY-MM-DDTHH:MM:SS`: the opening quote, a day and a time of day.
const SECOND_TEXT: usize = 20;

/// No second written yet (no `Nanos` is this many seconds).
const NO_SECOND: i64 = i64::MIN;

/// `"YYYY-MM-DDTHH:MM:SS` + fraction + `Z"` with `digits` fraction digits (0: none). The text
/// of the last second written is kept per number of digits (a document's times of one kind
/// follow each other, most often within a second), and that of the last day for a new second
/// (a document's four times, and its neighbours', fall on one day), so the calendar runs once a
/// day of generated time and the time of day once a second; the whole text is put together on
/// the stack and appended at once.
fn push_time(t: &Templates, out: &mut Vec<u8>, nanos: Nanos, digits: u32) {
    let digits = digits.min(9) as usize;
    let seconds = nanos.div_euclid(NANOS_PER_SECOND);
    let kept = &t.seconds[digits / 3];
    let mut text = *b"\"0000-00-00T00:00:00.000000000Z\"";
    match kept.get() {
        (second, second_text) if second == seconds => {
            text[..SECOND_TEXT].copy_from_slice(&second_text);
        }
        _ => {
            let second_text = second_text(t, seconds);
            kept.set((seconds, second_text));
            text[..SECOND_TEXT].copy_from_slice(&second_text);
        }
    }
    let mut len = SECOND_TEXT;
    if digits > 0 {
        let fraction = nanos.rem_euclid(NANOS_PER_SECOND) as u64 / FRACTION_DIVISOR[digits];
        fill_digits(&mut text[21..21 + digits], fraction);
        len += 1 + digits;
    }
    text[len..len + 2].copy_from_slice(b"Z\"");
    out.extend_from_slice(&text[..len + 2]);
}

/// What divides a second's nanoseconds down to `i` fraction digits.
const FRACTION_DIVISOR: [u64; 10] = [
    1_000_000_000,
    100_000_000,
    10_000_000,
    1_000_000,
    100_000,
    10_000,
    1_000,
    100,
    10,
    1,
];

/// `"YYYY-MM-DDTHH:MM:SS` of a second since the epoch; its day is kept for the next call.
fn second_text(t: &Templates, seconds: i64) -> [u8; SECOND_TEXT] {
    let days = seconds.div_euclid(86_400);
    let day = match t.day.get() {
        Some((cached, text)) if cached == days => text,
        _ => {
            let text = day_text(days);
            t.day.set(Some((days, text)));
            text
        }
    };
    let of_day = seconds.rem_euclid(86_400) as u64;
    let mut text = *b"\"0000-00-00T00:00:00";
    text[..DAY_TEXT].copy_from_slice(&day);
    fill_digits(&mut text[12..14], of_day / 3600);
    fill_digits(&mut text[15..17], of_day / 60 % 60);
    fill_digits(&mut text[18..20], of_day % 60);
    text
}

fn push_uuid(out: &mut Vec<u8>, id: u128) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    /// Where each byte's two digits go in `"8-4-4-4-12"`.
    const AT: [usize; 16] = [1, 3, 5, 7, 10, 12, 15, 17, 20, 22, 25, 27, 29, 31, 33, 35];
    let id = super::render::uuid_bits(id).to_be_bytes();
    let mut text = [b'-'; 38];
    text[0] = b'"';
    text[37] = b'"';
    for (byte, at) in id.iter().zip(AT) {
        text[at] = HEX[usize::from(byte >> 4)];
        text[at + 1] = HEX[usize::from(byte & 0xF)];
    }
    out.extend_from_slice(&text);
}

/// Appends one ECS document (no newline): from the fixed pieces of its kind when a document of
/// that kind was written before ([`super::pieces`]), else from the templates (and its pieces
/// are kept for the next one).
pub(super) fn write_ecs(t: &Templates, scenario: &Scenario, g: &Generated, out: &mut Vec<u8>) {
    let kind = Kind::of(g);
    if let Some(pieces) = t.pieces.borrow().get(&kind) {
        // The pieces and at most 40 bytes per value.
        out.reserve(pieces.len() + 5 * 40);
        out.extend_from_slice(pieces.get(0));
        push_time(t, out, g.timestamp, 3);
        out.extend_from_slice(pieces.get(1));
        push_time(t, out, g.ingested, 0);
        out.extend_from_slice(pieces.get(2));
        push_uuid(out, g.audit_id);
        out.extend_from_slice(pieces.get(3));
        push_time(t, out, g.request_received, 6);
        out.extend_from_slice(pieces.get(4));
        push_time(t, out, g.stage_timestamp, 6);
        out.extend_from_slice(pieces.get(5));
        return;
    }
    let start = out.len();
    let mut marks = write_document(t, scenario, g, out);
    for (from, to) in &mut marks {
        *from -= start;
        *to -= start;
    }
    t.pieces.borrow_mut().keep(kind, &out[start..], &marks);
}

/// Calls `push` and says where in `out` it wrote.
fn marked(out: &mut Vec<u8>, push: impl FnOnce(&mut Vec<u8>)) -> (usize, usize) {
    let start = out.len();
    push(out);
    (start, out.len())
}

/// Appends one ECS document from the templates; returns where its five varying values are.
fn write_document(t: &Templates, scenario: &Scenario, g: &Generated, out: &mut Vec<u8>) -> Marks {
    let mut marks: Marks = [(0, 0); 5];
    let p: Parts<'_> = parts(scenario, g);

    let step = &scenario.steps[g.step];
    let actor = &t.actors[step.actor];
    let (labels, level, activities) = &t.steps[g.step];
    let a = &activities[g.activity];
    let (ips, related_ips) = &actor.ips[g.source_ips];
    let user_agent = &actor.user_agents[g.user_agent];
    let name = g.name.map(|i| &a.names[i]);
    let namespace = g.namespace.map(|i| &a.namespaces[i]);
    let complete = g.stage != Stage::RequestReceived;
    let decision = if complete {
        p.activity.decision
    } else {
        Decision::None
    };

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
    if complete {
        let code = p.activity.code;
        out.extend(b",\"responseStatus\":{\"code\":");
        push_digits(out, i64::from(code), 3);
        if let Some((reason, message)) = failure(&p, code) {
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
    out.extend(b"}},\"labels\":");
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
    marks
}

/// The request URI built from the object reference, closing quote included.
fn write_uri(
    out: &mut Vec<u8>,
    a: &ActivityTemplate,
    namespace: Option<&(Vec<u8>, Vec<u8>)>,
    name: Option<&(Vec<u8>, Vec<u8>)>,
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

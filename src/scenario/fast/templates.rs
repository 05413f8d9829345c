//! The pre-escaped JSON of a scenario's actors, steps and activities, built once before its
//! first document is written.

use std::cell::{Cell, RefCell};

use super::time_text::{DAY_TEXT, NO_SECOND, SECOND_TEXT};
use crate::scenario::pieces::Cache;
use crate::scenario::{Actor, Scenario, Step};

/// A JSON string literal, quotes included.
pub(super) fn literal(s: &str) -> Vec<u8> {
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

/// The pre-escaped JSON of one actor.
pub(super) struct ActorTemplate {
    /// Per rotation entry: `["ip",…]` (sourceIPs, source.ip, client.ip) and the deduplicated related.ip.
    pub(super) ips: Vec<(Vec<u8>, Vec<u8>)>,
    /// Per user agent: the literal, or `None` for no user agent.
    pub(super) user_agents: Vec<Option<Vec<u8>>>,
    /// `kubernetes.audit.user` (None when it would be an empty object).
    pub(super) user: Option<Vec<u8>>,
    pub(super) impersonated: Option<Vec<u8>>,
    /// `,"user":{"id":…,"name":…}` or empty.
    pub(super) user_ecs: Vec<u8>,
    /// `,"user":[…]` inside `related`, or empty.
    pub(super) related_user: Vec<u8>,
    pub(super) annotations_allow: Vec<u8>,
}

/// The pre-escaped JSON of one activity of a step.
pub(super) struct ActivityTemplate {
    pub(super) verb: Vec<u8>,
    pub(super) resource: Vec<u8>,
    /// `"apiGroup":"…",` (or empty) + `"apiVersion":"…",` (or empty), in objectRef key order.
    pub(super) object_ref_prefix: Vec<u8>,
    /// `,"subresource":"…"` or empty.
    pub(super) subresource: Vec<u8>,
    /// The URI up to the namespace (`/api/v1` or `/apis/<group>/<version>`), escaped.
    pub(super) uri_prefix: Vec<u8>,
    /// `/<resource>`, escaped.
    pub(super) uri_resource: Vec<u8>,
    /// `/<subresource>` and the query string, escaped.
    pub(super) uri_suffix: Vec<u8>,
    pub(super) names: Vec<(Vec<u8>, Vec<u8>)>,
    pub(super) namespaces: Vec<(Vec<u8>, Vec<u8>)>,
    /// `,"requestObject":{…}` as the pipeline indexes it, or empty.
    pub(super) request_object: Vec<u8>,
    /// The verbatim request URI, escaped, when the step gives one.
    pub(super) request_uri: Option<Vec<u8>>,
}

/// Pre-escaped JSON for every actor, step and activity of a scenario.
pub(in crate::scenario) struct Templates {
    pub(super) actors: Vec<ActorTemplate>,
    /// Per step: `{"rulegate_actor":…,"rulegate_step":…}`, the level literal, and its activities.
    pub(super) steps: Vec<(Vec<u8>, Vec<u8>, Vec<ActivityTemplate>)>,
    /// The last day written (see [`super::time_text::push_time`]).
    pub(super) day: Cell<Option<(i64, [u8; DAY_TEXT])>>,
    /// Per number of fraction digits (0–2, 3–5, 6–8, 9): the last second written, as text.
    pub(super) seconds: [Cell<(i64, [u8; SECOND_TEXT])>; 4],
    /// The fixed pieces of the kinds of document written so far (see [`super::write_ecs`]).
    pub(super) pieces: RefCell<Cache>,
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
    pub(in crate::scenario) fn new(scenario: &Scenario) -> Templates {
        let actors = scenario.actors.iter().map(actor_template).collect();
        let steps = scenario
            .steps
            .iter()
            .map(|step| step_template(scenario, step))
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

/// The pre-escaped JSON of one actor.
fn actor_template(actor: &Actor) -> ActorTemplate {
    ActorTemplate {
        ips: source_ip_lists(actor),
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
        user_ecs: user_ecs(actor),
        related_user: related_user(actor),
        annotations_allow: annotations_allow(actor),
    }
}

/// Per rotation entry of source IPs: the list and the list without repeats (`related.ip`).
fn source_ip_lists(actor: &Actor) -> Vec<(Vec<u8>, Vec<u8>)> {
    actor
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
        .collect()
}

/// `,"user":[…]` of `related`: the uid and the username, each once, or empty.
fn related_user(actor: &Actor) -> Vec<u8> {
    let mut related: Vec<&str> = Vec::new();
    for u in [actor.uid.as_str(), actor.username.as_str()] {
        if !u.is_empty() && !related.contains(&u) {
            related.push(u);
        }
    }
    if related.is_empty() {
        Vec::new()
    } else {
        [b",\"user\":".as_slice(), &array(&related)].concat()
    }
}

/// `,"user":{"id":…,"name":…}` (the fields that are set), or empty.
fn user_ecs(actor: &Actor) -> Vec<u8> {
    match (actor.uid.is_empty(), actor.username.is_empty()) {
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
    }
}

/// `"annotations":{…},` of an allowed request: the decision and the actor's reason, if any.
fn annotations_allow(actor: &Actor) -> Vec<u8> {
    let mut annotations_allow =
        b"\"annotations\":{\"authorization_k8s_io/decision\":\"allow\"".to_vec();
    if !actor.reason.is_empty() {
        annotations_allow.extend(b",\"authorization_k8s_io/reason\":");
        annotations_allow.extend(literal(&actor.reason));
    }
    annotations_allow.extend(b"},");
    annotations_allow
}

/// Of one step: `{"rulegate_actor":…,"rulegate_step":…}`, the level literal, and its activities.
fn step_template(scenario: &Scenario, step: &Step) -> (Vec<u8>, Vec<u8>, Vec<ActivityTemplate>) {
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
}

/// `,"requestObject":…` exactly as `raw_to_ecs` leaves it (the pipeline's own handling of the
/// body, run once on an event holding only the body).
fn request_object_bytes(a: &crate::scenario::Activity, level: &str) -> Vec<u8> {
    let Some(object) = crate::scenario::render::logged_request_object(a, level) else {
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

fn activity_template(a: &crate::scenario::Activity, level: &str) -> ActivityTemplate {
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
    uri_suffix.extend(inner(crate::scenario::render::query(&a.verb)));
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

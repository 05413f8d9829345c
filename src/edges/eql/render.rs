//! EQL edge scenarios as scenario-DSL TOML text: one actor per identity, one step per request
//! (a Kubernetes request step, or a generic event step for an event of another data stream).

use std::fmt::Write as _;

use serde_json::Value;

use super::request::{Request, Slot, Source};
use super::streams::{writer, Writer};
use crate::edges::write::{quoted, seconds};
use crate::edges::EdgeScenario;
use crate::schedule::Timestamp;

/// One request of a scenario, at its time.
#[derive(Clone, Debug)]
pub struct TimedRequest {
    pub label: String,
    pub at: Timestamp,
    pub request: Request,
    /// Milliseconds from `@timestamp` to `event.ingested`.
    pub ingest_lag: Option<i64>,
    /// The request happened before the rule was enabled (`history = true`).
    pub history: bool,
}

/// A scenario before it is written, with the alerts the engine expects.
#[derive(Clone, Debug)]
pub struct EqlDraft {
    pub slug: String,
    pub title: String,
    pub description: String,
    pub requests: Vec<TimedRequest>,
    pub alerts: u64,
    /// Alerts per actor (in order of first appearance), when each actor has its own identity.
    pub per_actor: Option<Vec<u64>>,
}

/// Who sends a request, as the DSL declares an actor: the values of the slots
/// [`writer`] puts on the actor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Identity {
    /// A Kubernetes user: name, group, token claims (`extra`).
    Audit {
        username: String,
        group: Option<String>,
        extra: Vec<(&'static str, String)>,
    },
    /// A generic event's `identity` fields (the template's values where the query sets none).
    Event(Vec<(&'static str, String)>),
}

/// The actors of a draft: one per distinct identity, in order of first appearance.
pub fn actors(requests: &[TimedRequest]) -> Vec<Identity> {
    let mut out: Vec<Identity> = Vec::new();
    for timed in requests {
        let identity = identity(&timed.request);
        if !out.contains(&identity) {
            out.push(identity);
        }
    }
    out
}

fn identity(request: &Request) -> Identity {
    match request.source {
        Source::Audit => {
            let mut extra = Vec::new();
            for (slot, value) in &request.values {
                if let (Writer::Extra(claim), Some(value)) = (writer(*slot), value) {
                    extra.push((claim, value.clone()));
                }
            }
            Identity::Audit {
                username: request.get(Slot::Username).unwrap_or("").to_string(),
                group: request.get(Slot::Group).map(str::to_string),
                extra,
            }
        }
        Source::Event(stream) => Identity::Event(
            request
                .event_fields(stream)
                .into_iter()
                .filter_map(|(field, value)| match (value, stream.is_identity(field)) {
                    (Value::String(v), true) => Some((field, v)),
                    _ => None,
                })
                .collect(),
        ),
    }
}

/// A JSON value of a template as TOML text.
fn toml_text(value: &Value) -> String {
    match value {
        Value::String(s) => quoted(s),
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(toml_text).collect::<Vec<_>>().join(", ")
        ),
        other => other.to_string(),
    }
}

fn write_actor(out: &mut String, key: &str, identity: &Identity) {
    let _ = writeln!(out, "\n[actors.{key}]");
    match identity {
        Identity::Audit {
            username,
            group,
            extra,
        } => {
            let _ = writeln!(out, "username = {}", quoted(username));
            if let Some(group) = group {
                let _ = writeln!(out, "groups = [{}]", quoted(group));
            }
            if !extra.is_empty() {
                let claims: Vec<String> = extra
                    .iter()
                    .map(|(claim, value)| format!("{} = [{}]", quoted(claim), quoted(value)))
                    .collect();
                let _ = writeln!(out, "extra = {{ {} }}", claims.join(", "));
            }
            let _ = writeln!(out, "source_ips = [\"203.0.113.10\"]");
            let _ = writeln!(
                out,
                "user_agent = \"kubectl/v1.30.1 (linux/amd64) kubernetes/7c48c2b\""
            );
        }
        Identity::Event(fields) => {
            let fields: Vec<String> = fields
                .iter()
                .map(|(field, value)| format!("{} = {}", quoted(field), quoted(value)))
                .collect();
            let _ = writeln!(out, "identity = {{ {} }}", fields.join(", "));
        }
    }
}

fn actor_key(index: usize) -> String {
    if index == 0 {
        "prober".into()
    } else {
        format!("prober-{}", index + 1)
    }
}

impl EqlDraft {
    pub fn render(&self, rule_display: &str, rule_reference: &str) -> EdgeScenario {
        let start = self
            .requests
            .iter()
            .map(|r| r.at)
            .min()
            .unwrap_or(Timestamp(0));
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# Generated by `rulegate edges {rule_display}`; regenerate rather than edit."
        );
        let title = format!("edge: {}", self.title);
        let _ = writeln!(out, "name = {}", quoted(&title));
        let _ = writeln!(out, "description = {}", quoted(&self.description));
        let _ = writeln!(out, "kind = \"edge\"");
        let _ = writeln!(out, "rules = [{}]", quoted(rule_reference));
        let _ = writeln!(out, "start = {}", quoted(&start.to_string()));
        let _ = writeln!(out, "seed = 1");
        let _ = writeln!(out, "\n[timing]\nread_delay = \"0s\"\ningest_lag = \"0s\"");
        let actors = actors(&self.requests);
        for (index, identity) in actors.iter().enumerate() {
            write_actor(&mut out, &actor_key(index), identity);
        }
        for timed in &self.requests {
            let index = actors
                .iter()
                .position(|a| *a == identity(&timed.request))
                .unwrap_or(0);
            self.step(&mut out, timed, &actor_key(index), start);
        }
        let _ = writeln!(out, "\n[expect]");
        let _ = writeln!(out, "alerts = {}", self.alerts);
        if let Some(per_actor) = &self.per_actor {
            for (index, alerts) in per_actor.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "\n[[expect.groups]]\nactor = {}\nalerts = {alerts}",
                    quoted(&actor_key(index))
                );
            }
        }
        EdgeScenario {
            file_name: format!("{}.toml", self.slug),
            title,
            text: out,
        }
    }

    fn step(&self, out: &mut String, timed: &TimedRequest, actor: &str, start: Timestamp) {
        let r = &timed.request;
        let _ = writeln!(out, "\n[[steps]]");
        let _ = writeln!(out, "actor = {}", quoted(actor));
        let _ = writeln!(out, "name = {}", quoted(&timed.label));
        if let Source::Event(stream) = r.source {
            let _ = writeln!(out, "dataset = {}", quoted(stream.dataset));
        }
        let _ = writeln!(
            out,
            "at = \"+{}\"",
            seconds(timed.at.millis() - start.millis())
        );
        if let Source::Event(stream) = r.source {
            Self::timing(out, timed);
            let _ = writeln!(out, "\n[steps.fields]");
            let _ = writeln!(out, "\"event.category\" = [{}]", quoted(stream.category));
            for (field, value) in r.event_fields(stream) {
                if !stream.is_identity(field) {
                    let _ = writeln!(out, "{} = {}", quoted(field), toml_text(&value));
                }
            }
            return;
        }
        let text = |slot: Slot| r.get(slot).map(quoted);
        for (key, slot) in [("verb", Slot::Verb), ("resource", Slot::Resource)] {
            let _ = writeln!(out, "{key} = {}", text(slot).unwrap_or_default());
        }
        if !r.api_group().is_empty() {
            let _ = writeln!(out, "api_group = {}", quoted(r.api_group()));
        }
        if let Some(sub) = text(Slot::Subresource) {
            let _ = writeln!(out, "subresource = {sub}");
        }
        if let Some(ns) = text(Slot::Namespace) {
            let _ = writeln!(out, "namespace = {ns}");
        }
        if let Some(name) = text(Slot::Name) {
            let _ = writeln!(out, "names = [{name}]");
        }
        let decision = r.get(Slot::Decision).unwrap_or("none");
        let _ = writeln!(out, "decision = {}", quoted(decision));
        for (key, slot) in [("stage", Slot::Stage), ("level", Slot::Level)] {
            if let Some(value) = text(slot) {
                let _ = writeln!(out, "{key} = {value}");
            }
        }
        if let Some(uri) = text(Slot::RequestUri) {
            let _ = writeln!(out, "request_uri = {uri}");
        }
        Self::timing(out, timed);
    }

    fn timing(out: &mut String, timed: &TimedRequest) {
        if let Some(lag) = timed.ingest_lag {
            let _ = writeln!(out, "ingest_lag = \"{}\"", seconds(lag));
        }
        if timed.history {
            let _ = writeln!(out, "history = true");
        }
    }
}

//! KQL edge scenarios as scenario-DSL TOML: generic event steps (`dataset` + `[steps.fields]`)
//! that write the witness document with one field varied, one actor per variant.

use std::fmt::Write as _;

use serde_json::Value as Json;

use super::super::write::{header, quoted, seconds, Draft};
use super::super::EdgeScenario;
use super::witness::Doc;
use crate::schedule::Timestamp;

/// A scenario of generic event steps before it is written.
pub type KqlDraft = Draft<KqlActor, KqlStep>;

/// An actor known by one identity field (`kubernetes.audit.auditID` unless the query reads it).
pub struct KqlActor {
    pub key: String,
    pub identity: (String, String),
}

pub struct KqlStep {
    pub actor: String,
    pub at: Timestamp,
    pub dataset: String,
    pub count: i64,
    /// Milliseconds between events.
    pub spacing: i64,
    pub history: bool,
    pub fields: Doc,
    /// One field whose values the events take in turn (cardinality edges).
    pub draw: Option<(String, Vec<Json>)>,
}

/// A JSON value as an inline TOML value.
fn toml_value(value: &Json) -> String {
    match value {
        Json::String(text) => quoted(text),
        Json::Array(items) => format!(
            "[{}]",
            items.iter().map(toml_value).collect::<Vec<_>>().join(", ")
        ),
        other => other.to_string(),
    }
}

impl Draft<KqlActor, KqlStep> {
    pub fn render(&self, rule_display: &str, rule_reference: &str) -> EdgeScenario {
        let start = self
            .steps
            .iter()
            .map(|step| step.at)
            .min()
            .unwrap_or(Timestamp(0));
        let mut out = header(
            rule_display,
            rule_reference,
            &self.title,
            &self.description,
            start,
        );
        for actor in &self.actors {
            let _ = writeln!(out, "\n[actors.{}]", actor.key);
            let _ = writeln!(
                out,
                "identity = {{ {} = {} }}",
                quoted(&actor.identity.0),
                quoted(&actor.identity.1)
            );
        }
        for step in &self.steps {
            let _ = writeln!(out, "\n[[steps]]");
            let _ = writeln!(out, "actor = {}", quoted(&step.actor));
            let _ = writeln!(out, "dataset = {}", quoted(&step.dataset));
            let _ = writeln!(
                out,
                "at = \"+{}\"",
                seconds(step.at.millis() - start.millis())
            );
            let _ = writeln!(out, "count = {}", step.count);
            let _ = writeln!(out, "spacing = \"{}\"", seconds(step.spacing));
            if step.history {
                let _ = writeln!(out, "history = true");
            }
            if !step.fields.is_empty() {
                let _ = writeln!(out, "\n[steps.fields]");
                for (field, value) in &step.fields {
                    let _ = writeln!(out, "{} = {}", quoted(field), toml_value(value));
                }
            }
            if let Some((field, values)) = &step.draw {
                let _ = writeln!(out, "\n[steps.draw]");
                let _ = writeln!(
                    out,
                    "{} = {}",
                    quoted(field),
                    toml_value(&Json::Array(values.clone()))
                );
            }
        }
        self.expect.render(&mut out);
        EdgeScenario {
            file_name: format!("{}.toml", self.slug),
            title: format!("edge: {}", self.title),
            text: out,
        }
    }
}

//! Generic event steps: a template of ECS fields for any data stream (`dataset = "aws.cloudtrail"`,
//! `[steps.fields]`, `[steps.draw]`), validated into an [`EventTemplate`] and rendered one
//! document per generated request, on the Kubernetes steps' timing model.
//!
//! A generic step is a [`super::Step`] like any other: the generator's cursors give it `at`,
//! `requests`/`count`/`for`, `spacing`/`rate`, `jitter`, `repeat`/`every` and ingest lag; only
//! rendering differs. Each request becomes one document: the actor's declared identity, then the
//! template, then one value of each draw (request `i` takes value `i mod len` with
//! `pick = "cycle"`, a seeded random one with `pick = "random"`), then the fields the data stream
//! itself adds (`@timestamp`, `data_stream.*`, `event.dataset`, `event.ingested`, `event.kind`).

use std::sync::Arc;

use serde_json::{Map, Value};
use toml::Spanned;

use super::check::Ctx;
use super::generate::Generated;
use super::rng::SplitMix64;
use super::{Activity, Actor, Decision, Pick, Scenario, Stage};
use crate::audit::time::{format_millis, format_seconds};

/// Fields the generator writes itself: a template, draw or identity may not set them.
pub(super) const GENERATED_FIELDS: [&str; 6] = [
    "@timestamp",
    "data_stream.dataset",
    "event.dataset",
    "event.ingested",
    "labels.rulegate_actor",
    "labels.rulegate_step",
];

/// Values a data stream always carries unless the template says otherwise, read from the
/// integrations' `sample_event.json` (`event.kind` is `event` in every one of them; the
/// endpoint package also sets `event.module`).
fn defaults(dataset: &str) -> Vec<(&'static str, &'static str)> {
    let mut fields = vec![
        ("data_stream.namespace", "default"),
        ("data_stream.type", "logs"),
        ("event.kind", "event"),
    ];
    if dataset.starts_with("endpoint.") {
        fields.push(("event.module", "endpoint"));
    }
    fields
}

/// One field whose value is drawn from a pool per document.
#[derive(Clone, Debug, PartialEq)]
pub struct Draw {
    pub field: String,
    pub values: Vec<Value>,
}

/// A validated generic event step: everything but the per-document fields.
#[derive(Clone, Debug, PartialEq)]
pub struct EventTemplate {
    /// `data_stream.dataset` and `event.dataset`.
    pub dataset: String,
    /// The actor's identity, the data stream's defaults and the template, nested.
    pub base: Map<String, Value>,
    pub draws: Vec<Draw>,
}

impl EventTemplate {
    /// `logs-<dataset>-<namespace>`: the data stream the documents are indexed into.
    pub fn index(&self) -> String {
        let namespace = self
            .base
            .get("data_stream")
            .and_then(|d| d.get("namespace"))
            .and_then(Value::as_str)
            .unwrap_or("default");
        format!("logs-{}-{namespace}", self.dataset)
    }

    /// Requests of one pass over the draws (the default when the step gives no count).
    pub fn one_pass(&self) -> u64 {
        self.draws
            .iter()
            .map(|d| d.values.len() as u64)
            .max()
            .unwrap_or(1)
            .max(1)
    }
}

/// The raw TOML of a generic step.
pub(super) struct EventFields<'a> {
    pub dataset: &'a Spanned<String>,
    pub fields: Option<&'a Spanned<toml::Table>>,
    pub draw: Option<&'a Spanned<toml::Table>>,
}

/// The single placeholder activity a generic step runs on: one record per request, stamped at
/// the request time (`RequestReceived` has no server latency).
pub(super) fn activity() -> Activity {
    Activity {
        verb: String::new(),
        resource: String::new(),
        api_group: String::new(),
        api_version: String::new(),
        subresource: String::new(),
        namespaces: Vec::new(),
        names: Vec::new(),
        decision: Decision::None,
        code: 200,
        stages: vec![Stage::RequestReceived],
        weight: 1,
        request_object: None,
        request_uri: None,
    }
}

/// Validates a generic step's template and draws for `actor` (whose identity fields come first).
pub(super) fn build(
    ctx: &mut Ctx,
    actor: Option<&Actor>,
    fields: &EventFields<'_>,
) -> Option<Arc<EventTemplate>> {
    let before = ctx.diagnostics.len();
    let dataset = fields.dataset.get_ref();
    if dataset.is_empty() || dataset.contains(['*', ' ', ',', '/', '\\', '"']) {
        ctx.error(
            "E630",
            format!("`{dataset}` is not a dataset name"),
            fields.dataset.span(),
            "",
        )
        .help = Some("a data stream's dataset, e.g. `aws.cloudtrail`, `okta.system`".into());
    }
    let mut base = Map::new();
    for (field, value) in defaults(dataset) {
        set_path(&mut base, field, Value::String(value.into())).expect("defaults do not clash");
    }
    if let Some(actor) = actor {
        for (field, value) in &actor.identity {
            // Identity fields were checked against the generated ones when the actor loaded.
            if let Err(problem) = set_path(&mut base, field, Value::String(value.clone())) {
                let span = fields.dataset.span();
                clash(ctx, &format!("identity field `{field}`"), &problem, span);
            }
        }
    }
    if let Some(template) = fields.fields {
        let mut leaves = Vec::new();
        flatten(ctx, template.get_ref(), "", template.span(), &mut leaves);
        for (field, value) in leaves {
            place(ctx, &mut base, &field, value, template.span());
        }
    }
    let mut draws: Vec<Draw> = Vec::new();
    if let Some(table) = fields.draw {
        for (field, spec) in table.get_ref() {
            let nested = draws.iter().find(|d| {
                d.field.starts_with(&format!("{field}."))
                    || field.starts_with(&format!("{}.", d.field))
            });
            if let Some(other) = nested {
                let problem = format!("and `{}` are both drawn: one holds the other", other.field);
                clash(
                    ctx,
                    &format!("drawn field `{field}`"),
                    &problem,
                    table.span(),
                );
                continue;
            }
            if let Some(draw) = build_draw(ctx, &base, field, spec, table.span()) {
                draws.push(draw);
            }
        }
    }
    (ctx.diagnostics.len() == before).then(|| {
        Arc::new(EventTemplate {
            dataset: dataset.clone(),
            base,
            draws,
        })
    })
}

/// Sets a template field, refusing the generator's own fields and shape clashes.
fn place(
    ctx: &mut Ctx,
    doc: &mut Map<String, Value>,
    field: &str,
    value: Value,
    span: std::ops::Range<usize>,
) {
    if is_generated(field) {
        generated_field(ctx, field, span);
        return;
    }
    if let Err(problem) = set_path(doc, field, value) {
        clash(ctx, &format!("field `{field}`"), &problem, span);
    }
}

/// Whether `field` is a generated field or an object holding one (`labels`, `event`'s parts
/// are fine: `event.action` is not generated, `event` as a value would be refused).
pub(super) fn is_generated(field: &str) -> bool {
    GENERATED_FIELDS
        .iter()
        .any(|g| *g == field || g.starts_with(&format!("{field}.")))
}

pub(super) fn generated_field(ctx: &mut Ctx, field: &str, span: std::ops::Range<usize>) {
    ctx.error(
        "E631",
        format!("`{field}` is written by the generator"),
        span,
        "set here",
    )
    .help = Some(
        "`@timestamp` and `event.ingested` come from the step's timing, the datasets from \
         `dataset`; see docs/scenarios.md"
            .into(),
    );
}

fn clash(ctx: &mut Ctx, what: &str, problem: &str, span: std::ops::Range<usize>) {
    ctx.error("E631", format!("{what} {problem}"), span, "")
        .help = Some("a field is either a value or an object of fields, not both".into());
}

/// A draw: a list of values, or `{ pattern = "user-{n}", count = N }` (the Kubernetes steps'
/// name pool, `Ctx::names`).
fn build_draw(
    ctx: &mut Ctx,
    base: &Map<String, Value>,
    field: &str,
    spec: &toml::Value,
    span: std::ops::Range<usize>,
) -> Option<Draw> {
    if is_generated(field) {
        generated_field(ctx, field, span);
        return None;
    }
    let values: Vec<Value> = match spec {
        toml::Value::Array(items) if items.iter().any(toml::Value::is_table) => {
            draw_shape(ctx, field, span);
            return None;
        }
        toml::Value::Array(items) => items
            .iter()
            .map(|item| json_of(ctx, item, span.clone()))
            .collect::<Option<_>>()?,
        toml::Value::Table(table) if pattern_keys_only(table) => {
            let count = table.get("count").and_then(toml::Value::as_integer);
            let pattern = table.get("pattern").and_then(toml::Value::as_str);
            let (Some(count), Some(pattern)) = (count, pattern) else {
                draw_shape(ctx, field, span);
                return None;
            };
            let count = Spanned::new(span.clone(), count);
            let pattern = Spanned::new(span.clone(), pattern.to_string());
            ctx.names(None, Some(&count), Some(&pattern), "{n}")?
                .into_iter()
                .map(Value::String)
                .collect()
        }
        _ => {
            draw_shape(ctx, field, span);
            return None;
        }
    };
    if values.is_empty() {
        ctx.error(
            "E632",
            format!("the draw for `{field}` has no values"),
            span,
            "",
        );
        return None;
    }
    // Every value must fit the document's shape: try each on a copy of the base.
    for value in &values {
        if let Err(problem) = set_path(&mut base.clone(), field, value.clone()) {
            clash(ctx, &format!("drawn field `{field}`"), &problem, span);
            return None;
        }
    }
    Some(Draw {
        field: field.to_string(),
        values,
    })
}

fn pattern_keys_only(table: &toml::Table) -> bool {
    table.keys().all(|k| k == "pattern" || k == "count")
}

fn draw_shape(ctx: &mut Ctx, field: &str, span: std::ops::Range<usize>) {
    ctx.error(
        "E632",
        format!("the draw for `{field}` is neither a list nor `{{ pattern, count }}`"),
        span,
        "",
    )
    .help = Some(
        "write `\"user.name\" = [\"alice\", \"bob\"]` or `\"user.name\" = { pattern = \
         \"user-{n}\", count = 5 }`"
            .into(),
    );
}

/// A template table as (dotted path, value) leaves: nested tables and dotted keys are the same.
fn flatten(
    ctx: &mut Ctx,
    table: &toml::Table,
    prefix: &str,
    span: std::ops::Range<usize>,
    out: &mut Vec<(String, Value)>,
) {
    for (key, value) in table {
        let path = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match value {
            toml::Value::Table(inner) => flatten(ctx, inner, &path, span.clone(), out),
            other => {
                if let Some(json) = json_of(ctx, other, span.clone()) {
                    out.push((path, json));
                }
            }
        }
    }
}

/// A TOML value as the JSON a document holds: datetimes as their RFC 3339 text, tables inside
/// arrays (`okta.request.ip_chain`) as objects with dotted keys expanded.
fn json_of(ctx: &mut Ctx, value: &toml::Value, span: std::ops::Range<usize>) -> Option<Value> {
    Some(match value {
        toml::Value::String(s) => Value::String(s.clone()),
        toml::Value::Integer(i) => Value::from(*i),
        toml::Value::Float(f) => match serde_json::Number::from_f64(*f) {
            Some(n) => Value::Number(n),
            None => {
                ctx.error(
                    "E632",
                    format!("`{f}` has no JSON form"),
                    span,
                    "not a finite number",
                );
                return None;
            }
        },
        toml::Value::Boolean(b) => Value::Bool(*b),
        toml::Value::Datetime(d) => Value::String(d.to_string()),
        toml::Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|item| json_of(ctx, item, span.clone()))
                .collect::<Option<_>>()?,
        ),
        toml::Value::Table(table) => {
            let mut leaves = Vec::new();
            flatten(ctx, table, "", span.clone(), &mut leaves);
            let mut object = Map::new();
            for (field, value) in leaves {
                if let Err(problem) = set_path(&mut object, &field, value) {
                    clash(ctx, &format!("field `{field}`"), &problem, span.clone());
                }
            }
            Value::Object(object)
        }
    })
}

/// Sets `a.b.c` in a nested object, making the objects on the way. A value replaces a value;
/// replacing an object by a value, or going through a value, is refused.
pub(super) fn set_path(
    doc: &mut Map<String, Value>,
    path: &str,
    value: Value,
) -> Result<(), String> {
    if path.is_empty() || path.split('.').any(str::is_empty) {
        return Err("is not a field name (empty part)".into());
    }
    let mut parts = path.split('.').peekable();
    let mut object = doc;
    while let Some(part) = parts.next() {
        if parts.peek().is_none() {
            if matches!(object.get(part), Some(Value::Object(_))) && !value.is_object() {
                return Err(format!(
                    "is an object of fields here; `{part}` cannot be a value"
                ));
            }
            match (object.get_mut(part), value) {
                (Some(Value::Object(existing)), Value::Object(new)) => {
                    for (key, inner) in new {
                        set_path(existing, &key, inner)?;
                    }
                }
                (_, value) => {
                    object.insert(part.to_string(), value);
                }
            }
            return Ok(());
        }
        let next = object
            .entry(part.to_string())
            .or_insert_with(|| Value::Object(Map::new()));
        object = match next {
            Value::Object(inner) => inner,
            _ => return Err(format!("goes through `{part}`, which is a value")),
        };
    }
    Ok(())
}

/// The document of one generated request of a generic step.
pub(super) fn render(scenario: &Scenario, g: &Generated, template: &EventTemplate) -> Value {
    let step = &scenario.steps[g.step];
    let mut doc = template.base.clone();
    // Random draws are seeded by the request's own random id: the same seed, the same values.
    let mut rng = SplitMix64::for_part(g.audit_id as u64, &[(g.audit_id >> 64) as u64]);
    for draw in &template.draws {
        let len = draw.values.len() as u64;
        let index = match step.pick {
            Pick::Cycle => g.request % len,
            Pick::Random => rng.below(len),
        };
        let value = draw.values[index as usize].clone();
        set_path(&mut doc, &draw.field, value).expect("draws were tried on the template");
    }
    let generated = [
        ("@timestamp", Value::String(format_millis(g.timestamp))),
        (
            "data_stream.dataset",
            Value::String(template.dataset.clone()),
        ),
        ("event.dataset", Value::String(template.dataset.clone())),
        ("event.ingested", Value::String(format_seconds(g.ingested))),
        (
            "labels.rulegate_actor",
            Value::String(scenario.actors[step.actor].name.clone()),
        ),
        ("labels.rulegate_step", Value::String(step.label.clone())),
    ];
    for (field, value) in generated {
        set_path(&mut doc, field, value).expect("the template cannot hold generated fields");
    }
    Value::Object(doc)
}

/// Sorts a step: `None` for a Kubernetes request step, `Some(template)` for a generic one
/// (`Some(None)` when it is one but does not validate).
pub(super) fn for_step(
    ctx: &mut Ctx,
    actors: &[Actor],
    actor: Option<usize>,
    spanned: &Spanned<super::dsl::StepFields>,
) -> Option<Option<Arc<EventTemplate>>> {
    let s = spanned.get_ref();
    let actor = actor.map(|i| &actors[i]);
    let Some(dataset) = &s.dataset else {
        if s.fields.is_some() || s.draw.is_some() {
            not_generic(ctx, "`fields` and `draw` need a `dataset`", spanned.span());
            return Some(None);
        }
        if let Some(actor) = actor.filter(|a| a.source_ips.iter().any(Vec::is_empty)) {
            let message = format!(
                "actor `{}` has no `source_ips`: it can send generic events (`dataset = …`) only",
                actor.name
            );
            not_generic(ctx, &message, spanned.span());
        }
        return None;
    };
    let kubernetes = [
        ("verb", s.verb.is_some()),
        ("resource", s.resource.is_some()),
        ("api_group", s.api_group.is_some()),
        ("api_version", s.api_version.is_some()),
        ("subresource", s.subresource.is_some()),
        ("namespace", s.namespace.is_some()),
        ("namespaces", s.namespaces.is_some()),
        ("names", s.names.is_some()),
        ("name_pattern", s.name_pattern.is_some()),
        ("decision", s.decision.is_some()),
        ("code", s.code.is_some()),
        ("stage", s.stage.is_some()),
        ("stages", s.stages.is_some()),
        ("level", s.level.is_some()),
    ];
    if let Some((field, _)) = kubernetes.iter().find(|(_, set)| *set) {
        let message = format!("`{field}` describes a Kubernetes request, not a generic event");
        not_generic(ctx, &message, spanned.span());
        return Some(None);
    }
    if s.count.is_some() && (s.requests.is_some() || s.duration.is_some()) {
        let message = "a generic step takes `count`, `requests` or `for`, one of them";
        not_generic(ctx, message, spanned.span());
        return Some(None);
    }
    let fields = EventFields {
        dataset,
        fields: s.fields.as_ref(),
        draw: s.draw.as_ref(),
    };
    Some(build(ctx, actor, &fields))
}

fn not_generic(ctx: &mut Ctx, message: &str, span: std::ops::Range<usize>) {
    ctx.error("E630", message.to_string(), span, "in this step")
        .help = Some(
        "a generic event step has `dataset`, `[steps.fields]`, `[steps.draw]` and the timing \
         keys; see docs/scenarios.md"
            .into(),
    );
}

//! The scenario file format: serde types that mirror the TOML (unknown keys rejected, values kept
//! with their spans), and `load`/`parse`, which validate them into a [`Scenario`] with one
//! diagnostic per problem (actor and request checks in `check`, steps and expectations in `steps`).

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;
use toml::Spanned;

use super::bounds;
use super::duration::{parse_rate, DurationRange};
use super::persona::{builtin_personas, PersonaLibrary};
use super::steps::{build_expect, build_step, jitter};
use super::{Actor, Kind, Pick, Scenario, Step};
use crate::audit::time::{parse_rfc3339_checked, TimeError, NANOS_PER_SECOND, NANOS_RANGE};
use crate::diagnostic::{Diagnostic, SourceFile};
use crate::span::Span;

pub(super) use super::check::{ActorSpec, Ctx};

/// Identity fields shared by personas (`personas.toml`) and scenario actors.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ActorFields {
    pub persona: Option<Spanned<String>>,
    pub description: Option<Spanned<String>>,
    pub role: Option<Spanned<String>>,
    pub username: Option<String>,
    pub uid: Option<String>,
    pub groups: Option<Vec<String>>,
    pub extra: Option<BTreeMap<String, Vec<String>>>,
    pub impersonate: Option<ImpersonateFields>,
    pub source_ips: Option<Spanned<Vec<String>>>,
    pub rotate_source_ips: Option<Spanned<Vec<Vec<String>>>>,
    pub user_agent: Option<String>,
    pub user_agents: Option<Vec<String>>,
    pub reason: Option<String>,
    pub activity: Option<Vec<Spanned<ActivityFields>>>,
    /// Declared identity fields (generic event steps, expectations): `identity.rs`.
    pub identity: Option<Spanned<BTreeMap<String, String>>>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ImpersonateFields {
    pub username: String,
    #[serde(default)]
    pub groups: Vec<String>,
}

/// What to request; also the request fields of a step.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ActivityFields {
    pub verb: Option<Spanned<String>>,
    pub resource: Option<Spanned<String>>,
    pub api_group: Option<String>,
    pub api_version: Option<String>,
    pub subresource: Option<String>,
    pub namespace: Option<String>,
    pub namespaces: Option<Vec<String>>,
    pub names: Option<Vec<String>>,
    pub count: Option<Spanned<i64>>,
    pub name_pattern: Option<Spanned<String>>,
    pub decision: Option<Spanned<String>>,
    pub code: Option<Spanned<i64>>,
    pub stage: Option<Spanned<String>>,
    pub stages: Option<Vec<Spanned<String>>>,
    pub weight: Option<Spanned<i64>>,
    /// The request body (`requestObject`), written as a TOML table.
    pub request_object: Option<toml::Table>,
    /// The request URI as sent, instead of the one built from the object reference.
    pub request_uri: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct StepFields {
    pub(super) actor: Spanned<String>,
    pub(super) name: Option<String>,
    pub(super) at: Option<Spanned<String>>,
    pub(super) requests: Option<Spanned<i64>>,
    #[serde(rename = "for")]
    pub(super) duration: Option<Spanned<String>>,
    pub(super) spacing: Option<Spanned<String>>,
    pub(super) rate: Option<Spanned<String>>,
    pub(super) jitter: Option<Spanned<f64>>,
    pub(super) pick: Option<Spanned<String>>,
    pub(super) repeat: Option<Spanned<i64>>,
    pub(super) every: Option<Spanned<String>>,
    pub(super) read_delay: Option<Spanned<String>>,
    pub(super) ingest_lag: Option<Spanned<String>>,
    pub(super) level: Option<Spanned<String>>,
    // Request fields (as in an activity); any of them set means "this request", none means
    // "the actor's activity mix".
    pub(super) verb: Option<Spanned<String>>,
    pub(super) resource: Option<Spanned<String>>,
    pub(super) api_group: Option<String>,
    pub(super) api_version: Option<String>,
    pub(super) subresource: Option<String>,
    pub(super) namespace: Option<String>,
    pub(super) namespaces: Option<Vec<String>>,
    pub(super) names: Option<Vec<String>>,
    pub(super) count: Option<Spanned<i64>>,
    pub(super) name_pattern: Option<Spanned<String>>,
    pub(super) decision: Option<Spanned<String>>,
    pub(super) code: Option<Spanned<i64>>,
    pub(super) stage: Option<Spanned<String>>,
    pub(super) stages: Option<Vec<Spanned<String>>>,
    // A generic event step (`event_step.rs`): the data stream and the document template.
    pub(super) dataset: Option<Spanned<String>>,
    pub(super) fields: Option<Spanned<toml::Table>>,
    pub(super) draw: Option<Spanned<toml::Table>>,
    pub(super) request_object: Option<toml::Table>,
    pub(super) request_uri: Option<Spanned<String>>,
    pub(super) history: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct NoiseFields {
    pub(super) persona: Spanned<String>,
    pub(super) rate: Spanned<String>,
    #[serde(rename = "for")]
    pub(super) duration: Spanned<String>,
    pub(super) at: Option<Spanned<String>>,
    pub(super) jitter: Option<Spanned<f64>>,
    pub(super) read_delay: Option<Spanned<String>>,
    pub(super) ingest_lag: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct TimingFields {
    pub(super) read_delay: Option<Spanned<String>>,
    pub(super) ingest_lag: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ExpectFields {
    pub(super) alerts: Option<Spanned<i64>>,
    pub(super) min_alerts: Option<Spanned<i64>>,
    pub(super) max_alerts: Option<Spanned<i64>>,
    #[serde(default)]
    pub(super) groups: Vec<GroupFields>,
    #[serde(default)]
    pub(super) suppressed: Vec<SuppressedFields>,
    pub(super) note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct GroupFields {
    pub(super) actor: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) fields: BTreeMap<String, String>,
    pub(super) alerts: Option<Spanned<i64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SuppressedFields {
    pub(super) actor: Spanned<String>,
    pub(super) suppressed_by: Spanned<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ScenarioFields {
    pub(super) name: String,
    pub(super) description: String,
    pub(super) kind: Spanned<String>,
    #[serde(default)]
    pub(super) rules: Vec<String>,
    pub(super) start: Spanned<String>,
    pub(super) seed: Spanned<i64>,
    #[serde(default)]
    pub(super) platform: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) timing: TimingFields,
    #[serde(default)]
    pub(super) actors: BTreeMap<String, Spanned<ActorFields>>,
    #[serde(default)]
    pub(super) steps: Vec<Spanned<StepFields>>,
    #[serde(default)]
    pub(super) noise: Vec<Spanned<NoiseFields>>,
    #[serde(default)]
    pub(super) expect: ExpectFields,
    /// Documents taken from files (`super::recorded`).
    #[serde(default)]
    pub(super) recorded: Vec<Spanned<super::recorded::RecordedFields>>,
}

/// Turns a TOML parse error (syntax, unknown field, wrong type) into a diagnostic at its span.
pub(super) fn toml_error(file: &Arc<SourceFile>, error: &toml::de::Error) -> Diagnostic {
    let message = error.message().trim().to_string();
    let mut diagnostic = Diagnostic::error("E601", message.clone()).in_file(file);
    if let Some(span) = error.span() {
        diagnostic = diagnostic.with_label(Span::new(span.start, span.end), "");
    }
    if message.starts_with("unknown field") {
        diagnostic =
            diagnostic.with_help("see docs/scenarios.md for the fields a scenario accepts");
    }
    diagnostic
}

pub(super) fn load(path: &Path) -> Result<Scenario, Vec<Diagnostic>> {
    let text = crate::input::read_to_string(path).map_err(|error| {
        vec![Diagnostic::error("E600", format!("cannot read scenario: {error}")).at_path(path)]
    })?;
    let mut personas = builtin_personas();
    for extension in inherited_personas(path) {
        personas.extend_from_file(&extension)?;
    }
    parse(path, &text, &personas)
}

/// The `personas.toml` files that apply to a scenario, outermost first (a nearer file replaces a
/// persona of the same name): one in the scenario's folder and in each parent up to the project
/// root, the nearest folder holding `rulegate.toml`, `.git` or `Cargo.toml`.
fn inherited_personas(path: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let start = path.parent().unwrap_or(Path::new(""));
    let absolute = std::fs::canonicalize(start).unwrap_or_else(|_| start.to_path_buf());
    for dir in absolute.ancestors() {
        let candidate = dir.join("personas.toml");
        if candidate.is_file() && !same_file(&candidate, path) {
            found.push(candidate);
        }
        if ["rulegate.toml", ".git", "Cargo.toml"]
            .iter()
            .any(|marker| dir.join(marker).exists())
        {
            break;
        }
    }
    found.reverse();
    found
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

pub(super) fn parse(
    path: &Path,
    text: &str,
    personas: &PersonaLibrary,
) -> Result<Scenario, Vec<Diagnostic>> {
    let file = SourceFile::new(path.display().to_string(), text);
    let fields: ScenarioFields =
        toml::from_str(text).map_err(|error| vec![toml_error(&file, &error)])?;
    let mut ctx = Ctx::new(&file);

    let kind = scenario_kind(&mut ctx, &fields.kind);
    let start = start_time(&mut ctx, &fields.start);
    let seed = ctx.count(&fields.seed, "`seed`", 0).unwrap_or(0);
    let platform = super::platform::parse(&mut ctx, fields.platform.as_ref());
    let (rules, rule_ids) = rule_references(path, &fields.rules);
    let (default_read_delay, default_ingest_lag) = default_timing(&mut ctx, &fields.timing);

    let (actors, noise_steps) = scenario_actors(&mut ctx, personas, &fields);

    let mut steps = Vec::new();
    let mut spans = Vec::new();
    for (index, spanned) in fields.steps.iter().enumerate() {
        if let Some(step) = build_step(
            &mut ctx,
            &actors,
            spanned,
            index,
            default_read_delay,
            default_ingest_lag,
        ) {
            steps.push(step);
            spans.push(spanned.span());
        }
    }
    push_noise_steps(
        &mut ctx,
        &actors,
        noise_steps,
        default_read_delay,
        default_ingest_lag,
        &mut steps,
        &mut spans,
    );
    if fields.steps.is_empty() && fields.noise.is_empty() && fields.recorded.is_empty() {
        no_steps_error(&mut ctx, text);
    }

    if ctx.diagnostics.is_empty() {
        bounds::check(
            &mut ctx,
            start,
            &steps,
            &spans,
            crate::limits::get().max_requests,
        );
    }
    let expect = build_expect(&mut ctx, &actors, &fields.expect);
    let recorded = super::recorded::build(&mut ctx, path, start, &fields.recorded);
    let scenario = Scenario {
        path: path.to_path_buf(),
        name: fields.name,
        description: fields.description,
        kind,
        rules,
        rule_ids,
        start,
        seed,
        actors,
        steps,
        expect,
        recorded,
        platform,
    };
    ctx.finish(scenario)
}

/// The scenario's `rules`: paths relative to the scenario's directory, and rule ids.
fn rule_references(path: &Path, entries: &[String]) -> (Vec<PathBuf>, Vec<String>) {
    let directory = path.parent().unwrap_or(Path::new(""));
    // An entry that is not a path (no `/`, no `.toml`) is a rule's `rule_id`: the binding then
    // survives moving or renaming the rule file.
    let (ids, paths): (Vec<&String>, Vec<&String>) =
        entries.iter().partition(|r| super::is_rule_id(r));
    let rules: Vec<PathBuf> = paths.iter().map(|r| directory.join(r)).collect();
    let rule_ids: Vec<String> = ids.into_iter().cloned().collect();
    (rules, rule_ids)
}

/// The `[timing]` read delay and ingest lag every step starts from.
fn default_timing(ctx: &mut Ctx, timing: &TimingFields) -> (DurationRange, DurationRange) {
    let default_read_delay = ctx.range(&timing.read_delay).unwrap_or(DurationRange {
        low: 500_000_000,
        high: 2 * NANOS_PER_SECOND,
    });
    let default_ingest_lag = ctx.range(&timing.ingest_lag).unwrap_or(DurationRange {
        low: 200_000_000,
        high: NANOS_PER_SECOND,
    });
    (default_read_delay, default_ingest_lag)
}

/// The scenario's `kind`; an unknown one is reported and read as `edge`.
fn scenario_kind(ctx: &mut Ctx, kind: &Spanned<String>) -> Kind {
    match Kind::NAMES.iter().position(|k| *k == kind.get_ref()) {
        Some(i) => [
            Kind::Attack,
            Kind::Benign,
            Kind::FalsePositive,
            Kind::Evasion,
            Kind::Edge,
        ][i],
        None => {
            ctx.error(
                "E608",
                format!("unknown scenario kind `{}`", kind.get_ref()),
                kind.span(),
                "",
            )
            .help = Some(format!("kinds: {}", Kind::NAMES.join(", ")));
            Kind::Edge
        }
    }
}

/// The scenario's `start` in nanoseconds; one that is not an RFC 3339 time in range is reported
/// and read as 0.
fn start_time(ctx: &mut Ctx, start: &Spanned<String>) -> i64 {
    match parse_rfc3339_checked(start.get_ref()) {
        Ok(start) => start,
        Err(TimeError::NotRfc3339) => {
            ctx.error(
                "E604",
                format!("`{}` is not an RFC 3339 time", start.get_ref()),
                start.span(),
                "expected e.g. `2026-05-01T10:00:00Z`",
            );
            0
        }
        Err(TimeError::OutOfRange) => {
            ctx.error(
                "E609",
                format!(
                    "`{}` is outside the range of nanosecond timestamps, {NANOS_RANGE}",
                    start.get_ref()
                ),
                start.span(),
                "out of range",
            )
            .help = Some(
                "generated audit events carry nanosecond times: start within that range".into(),
            );
            0
        }
    }
}

/// The scenario's actors, sorted by name: the declared ones (persona values first, then the
/// actor's own) and one per `[[noise]]` persona; and the noise tables whose persona resolved.
fn scenario_actors<'f>(
    ctx: &mut Ctx,
    personas: &PersonaLibrary,
    fields: &'f ScenarioFields,
) -> (Vec<Actor>, Vec<&'f Spanned<NoiseFields>>) {
    // Actors: persona values first, then the actor's own.
    let mut actors = Vec::new();
    for (name, spanned) in &fields.actors {
        let actor_fields = spanned.get_ref();
        let mut spec = ActorSpec::default();
        let mut persona_name = None;
        if let Some(persona) = &actor_fields.persona {
            match personas.resolved(persona.get_ref()) {
                Some(base) => {
                    spec = base;
                    persona_name = Some(persona.get_ref().clone());
                }
                None => {
                    unknown_persona(ctx, personas, persona);
                    ctx.broken_actors.push(name.clone());
                    continue;
                }
            }
        }
        spec.overlay(ctx.actor_spec(actor_fields));
        if let Some(actor) = finish_actor(ctx, name, persona_name, spec, spanned.span()) {
            actors.push(actor);
        }
    }
    // Noise: an implicit actor per persona, requesting its activity mix at a rate.
    let mut noise_steps = Vec::new();
    for noise in &fields.noise {
        let n = noise.get_ref();
        let Some(spec) = personas.resolved(n.persona.get_ref()) else {
            unknown_persona(ctx, personas, &n.persona);
            continue;
        };
        let name = format!("noise:{}", n.persona.get_ref());
        if !actors.iter().any(|a: &Actor| a.name == name) {
            if let Some(actor) = finish_actor(
                ctx,
                &name,
                Some(n.persona.get_ref().clone()),
                spec,
                noise.span(),
            ) {
                actors.push(actor);
            }
        }
        noise_steps.push(noise);
    }
    actors.sort_by(|a, b| a.name.cmp(&b.name));
    (actors, noise_steps)
}

/// One step per `[[noise]]` table, after the declared steps: its persona's implicit actor
/// requesting its activity mix at the table's rate.
fn push_noise_steps(
    ctx: &mut Ctx,
    actors: &[Actor],
    noise_steps: Vec<&Spanned<NoiseFields>>,
    default_read_delay: DurationRange,
    default_ingest_lag: DurationRange,
    steps: &mut Vec<Step>,
    spans: &mut Vec<Range<usize>>,
) {
    for (index, noise) in noise_steps.into_iter().enumerate() {
        let n = noise.get_ref();
        let actor = actors
            .iter()
            .position(|a| a.name == format!("noise:{}", n.persona.get_ref()));
        let spacing = parse_rate(n.rate.get_ref());
        if spacing.is_none() {
            ctx.error(
                "E605",
                format!("`{}` is not a rate", n.rate.get_ref()),
                n.rate.span(),
                "expected e.g. `30/m`",
            );
        }
        let duration = ctx.duration(&n.duration);
        let at = n.at.as_ref().and_then(|at| ctx.duration(at)).unwrap_or(0);
        let jitter = jitter(ctx, &n.jitter).unwrap_or(0.5);
        let (Some(actor), Some(spacing), Some(duration)) = (actor, spacing, duration) else {
            continue;
        };
        spans.push(noise.span());
        steps.push(Step {
            actor,
            label: format!("noise-{}", index + 1),
            at,
            activities: actors[actor].activity.clone(),
            pick: Pick::Random,
            requests: None,
            duration: Some(duration),
            spacing,
            jitter,
            repeat: 1,
            every: 0,
            read_delay: ctx.range(&n.read_delay).unwrap_or(default_read_delay),
            ingest_lag: ctx.range(&n.ingest_lag).unwrap_or(default_ingest_lag),
            level: "Metadata".into(),
            event: None,
            history: false,
        });
    }
}

/// `E607` at the end of the file: the scenario has neither steps, noise nor recorded events.
fn no_steps_error(ctx: &mut Ctx, text: &str) {
    // Point at the end of the file, where the steps are missing.
    let end = text.trim_end().len();
    let line_start = text[..end].rfind('\n').map_or(0, |i| i + 1);
    let label = "no `[[steps]]` after this";
    ctx.error(
        "E607",
        "the scenario has no steps: it would generate nothing",
        line_start..end,
        label,
    )
    .help = Some(
        "add a `[[steps]]` table (or `[[noise]]`, `[[recorded]]`), see docs/scenarios.md".into(),
    );
}

fn unknown_persona(ctx: &mut Ctx, personas: &PersonaLibrary, persona: &Spanned<String>) {
    let diagnostic = ctx.error(
        "E602",
        format!("unknown persona `{}`", persona.get_ref()),
        persona.span(),
        "not in the persona library",
    );
    diagnostic.help = Some(match personas.nearest(persona.get_ref()) {
        Some(near) => format!("did you mean `{near}`? (`rulegate personas` lists them all)"),
        None => {
            "`rulegate personas` lists the library; add your own in scenarios/personas.toml".into()
        }
    });
}

fn finish_actor(
    ctx: &mut Ctx,
    name: &str,
    persona: Option<String>,
    spec: ActorSpec,
    span: Range<usize>,
) -> Option<Actor> {
    // An actor known by declared identity fields needs no source IPs: it only sends generic
    // events (a Kubernetes step refuses it, `steps.rs`).
    let source_ips = match (spec.source_ips, &spec.identity) {
        (None, Some(_)) => Some(vec![Vec::new()]),
        (ips, _) => ips,
    };
    let Some(source_ips) = source_ips else {
        ctx.error(
            "E606",
            format!("actor `{name}` has no `source_ips` (and no persona that gives them)"),
            span,
            "",
        );
        return None;
    };
    Some(Actor {
        name: name.to_string(),
        persona,
        username: spec.username.unwrap_or_default(),
        uid: spec.uid.unwrap_or_default(),
        groups: spec.groups.unwrap_or_default(),
        extra: spec.extra.unwrap_or_default(),
        impersonate: spec.impersonate,
        source_ips,
        user_agents: spec.user_agents.unwrap_or_else(|| vec![None]),
        reason: spec.reason.unwrap_or_default(),
        activity: spec.activity.unwrap_or_default(),
        identity: spec.identity.unwrap_or_default(),
    })
}

//! The scenario file format: serde types that mirror the TOML (unknown keys rejected, values kept
//! with their spans) and their validation into [`Scenario`], with one diagnostic per problem.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;
use toml::Spanned;

use super::duration::{parse_duration, parse_range, parse_rate, DurationRange};
use super::persona::{builtin_personas, nearest, PersonaLibrary};
use super::{
    Activity, Actor, Decision, Expect, ExpectedGroup, Impersonation, Kind, Pick, Scenario, Stage,
    Step, Suppression,
};
use crate::audit::time::{parse_rfc3339, NANOS_PER_SECOND};
use crate::diagnostic::{Diagnostic, SourceFile};
use crate::span::Span;

/// Repetitions are scheduled up front, one cursor each: this bounds the memory that takes.
const MAX_REPEAT: i64 = 1_000_000;

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
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StepFields {
    actor: Spanned<String>,
    name: Option<String>,
    at: Option<Spanned<String>>,
    requests: Option<Spanned<i64>>,
    #[serde(rename = "for")]
    duration: Option<Spanned<String>>,
    spacing: Option<Spanned<String>>,
    rate: Option<Spanned<String>>,
    jitter: Option<Spanned<f64>>,
    pick: Option<Spanned<String>>,
    repeat: Option<Spanned<i64>>,
    every: Option<Spanned<String>>,
    read_delay: Option<Spanned<String>>,
    ingest_lag: Option<Spanned<String>>,
    level: Option<Spanned<String>>,
    // Request fields (as in an activity); any of them set means "this request", none means
    // "the actor's activity mix".
    verb: Option<Spanned<String>>,
    resource: Option<Spanned<String>>,
    api_group: Option<String>,
    api_version: Option<String>,
    subresource: Option<String>,
    namespace: Option<String>,
    namespaces: Option<Vec<String>>,
    names: Option<Vec<String>>,
    count: Option<Spanned<i64>>,
    name_pattern: Option<Spanned<String>>,
    decision: Option<Spanned<String>>,
    code: Option<Spanned<i64>>,
    stage: Option<Spanned<String>>,
    stages: Option<Vec<Spanned<String>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NoiseFields {
    persona: Spanned<String>,
    rate: Spanned<String>,
    #[serde(rename = "for")]
    duration: Spanned<String>,
    at: Option<Spanned<String>>,
    jitter: Option<Spanned<f64>>,
    read_delay: Option<Spanned<String>>,
    ingest_lag: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct TimingFields {
    read_delay: Option<Spanned<String>>,
    ingest_lag: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectFields {
    alerts: Option<Spanned<i64>>,
    min_alerts: Option<Spanned<i64>>,
    max_alerts: Option<Spanned<i64>>,
    #[serde(default)]
    groups: Vec<GroupFields>,
    #[serde(default)]
    suppressed: Vec<SuppressedFields>,
    note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct GroupFields {
    actor: Option<Spanned<String>>,
    #[serde(default)]
    fields: BTreeMap<String, String>,
    alerts: Option<Spanned<i64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SuppressedFields {
    actor: Spanned<String>,
    suppressed_by: Spanned<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScenarioFields {
    name: String,
    description: String,
    kind: Spanned<String>,
    #[serde(default)]
    rules: Vec<String>,
    start: Spanned<String>,
    seed: Spanned<i64>,
    #[serde(default)]
    timing: TimingFields,
    #[serde(default)]
    actors: BTreeMap<String, Spanned<ActorFields>>,
    #[serde(default)]
    steps: Vec<Spanned<StepFields>>,
    #[serde(default)]
    noise: Vec<Spanned<NoiseFields>>,
    #[serde(default)]
    expect: ExpectFields,
}

/// An actor or persona after validation; `None` fields are inherited.
#[derive(Clone, Debug, Default)]
pub(super) struct ActorSpec {
    pub username: Option<String>,
    pub uid: Option<String>,
    pub groups: Option<Vec<String>>,
    pub extra: Option<BTreeMap<String, Vec<String>>>,
    pub impersonate: Option<Impersonation>,
    pub source_ips: Option<Vec<Vec<String>>>,
    pub user_agents: Option<Vec<Option<String>>>,
    pub reason: Option<String>,
    pub activity: Option<Vec<Activity>>,
}

impl ActorSpec {
    pub fn overlay(&mut self, other: ActorSpec) {
        macro_rules! take {
            ($($field:ident),*) => { $( if other.$field.is_some() { self.$field = other.$field; } )* };
        }
        take!(
            username,
            uid,
            groups,
            extra,
            impersonate,
            source_ips,
            user_agents,
            reason,
            activity
        );
    }
}

/// Collects diagnostics for one file.
pub(super) struct Ctx {
    pub file: Arc<SourceFile>,
    pub diagnostics: Vec<Diagnostic>,
    /// Actors already reported as broken: later references to them stay quiet (no cascades).
    pub broken_actors: Vec<String>,
}

impl Ctx {
    pub fn new(file: &Arc<SourceFile>) -> Ctx {
        Ctx {
            file: Arc::clone(file),
            diagnostics: Vec::new(),
            broken_actors: Vec::new(),
        }
    }

    pub fn error(
        &mut self,
        code: &'static str,
        message: impl Into<String>,
        span: Range<usize>,
        label: &str,
    ) -> &mut Diagnostic {
        self.diagnostics.push(
            Diagnostic::error(code, message)
                .in_file(&self.file)
                .with_label(Span::new(span.start, span.end), label),
        );
        self.diagnostics.last_mut().expect("just pushed")
    }

    pub fn finish<T>(self, value: T) -> Result<T, Vec<Diagnostic>> {
        if self.diagnostics.is_empty() {
            Ok(value)
        } else {
            Err(self.diagnostics)
        }
    }

    fn duration(&mut self, value: &Spanned<String>) -> Option<i64> {
        let parsed = parse_duration(value.get_ref());
        if parsed.is_none() {
            self.error(
                "E605",
                format!("`{}` is not a duration", value.get_ref()),
                value.span(),
                "expected e.g. `90s`, `4m30s`, `+250ms`",
            )
            .help = Some("units: ns, us, ms, s, m, h, d; a leading `+` is allowed".into());
        }
        parsed
    }

    fn range(&mut self, value: &Option<Spanned<String>>) -> Option<DurationRange> {
        let value = value.as_ref()?;
        let parsed = parse_range(value.get_ref());
        if parsed.is_none() {
            self.error(
                "E605",
                format!("`{}` is not a duration or range", value.get_ref()),
                value.span(),
                "expected e.g. `2s` or `1s..30s`",
            );
        }
        parsed
    }

    fn count(&mut self, value: &Spanned<i64>, what: &str, min: i64) -> Option<u64> {
        let n = *value.get_ref();
        if n < min {
            self.error(
                "E606",
                format!("{what} must be at least {min}, not {n}"),
                value.span(),
                "out of range",
            );
            return None;
        }
        Some(n as u64)
    }

    fn ips(&mut self, list: &[String], span: Range<usize>) -> Vec<String> {
        for ip in list {
            if ip.parse::<std::net::IpAddr>().is_err() {
                self.error(
                    "E608",
                    format!("`{ip}` is not an IP address"),
                    span.clone(),
                    "in this list",
                )
                .help = Some(
                    "IPv4 (`10.0.0.1`), IPv6 (`::1`) or IPv4-mapped (`::ffff:127.0.0.1`)".into(),
                );
            }
        }
        list.to_vec()
    }

    pub fn actor_spec(&mut self, fields: &ActorFields) -> ActorSpec {
        let source_ips = match (&fields.rotate_source_ips, &fields.source_ips) {
            (Some(rotation), _) => {
                if rotation.get_ref().is_empty() || rotation.get_ref().iter().any(Vec::is_empty) {
                    self.error(
                        "E606",
                        "`rotate_source_ips` needs non-empty IP lists",
                        rotation.span(),
                        "",
                    );
                }
                Some(
                    rotation
                        .get_ref()
                        .iter()
                        .map(|list| self.ips(list, rotation.span()))
                        .collect(),
                )
            }
            (None, Some(list)) => {
                if list.get_ref().is_empty() {
                    self.error("E606", "`source_ips` needs at least one IP (the API server always records the peer)", list.span(), "");
                }
                Some(vec![self.ips(list.get_ref(), list.span())])
            }
            (None, None) => None,
        };
        // An empty user agent is a request without one (the API server then omits `userAgent`).
        let agent = |ua: &String| (!ua.is_empty()).then(|| ua.clone());
        let user_agents = match (&fields.user_agents, &fields.user_agent) {
            (Some(list), _) if !list.is_empty() => Some(list.iter().map(agent).collect()),
            (_, Some(ua)) => Some(vec![agent(ua)]),
            _ => None,
        };
        let activity = fields.activity.as_ref().map(|list| {
            list.iter()
                .filter_map(|a| self.activity(a.get_ref(), a.span()))
                .collect()
        });
        ActorSpec {
            username: fields.username.clone(),
            uid: fields.uid.clone(),
            groups: fields.groups.clone(),
            extra: fields.extra.clone(),
            impersonate: fields.impersonate.as_ref().map(|i| Impersonation {
                username: i.username.clone(),
                groups: i.groups.clone(),
            }),
            source_ips,
            user_agents,
            reason: fields.reason.clone(),
            activity,
        }
    }

    fn activity(&mut self, a: &ActivityFields, span: Range<usize>) -> Option<Activity> {
        let (Some(verb), Some(resource)) = (&a.verb, &a.resource) else {
            self.error(
                "E606",
                "a request needs both `verb` and `resource`",
                span,
                "here",
            );
            return None;
        };
        let namespaces = match (&a.namespaces, &a.namespace) {
            (Some(list), _) => list.clone(),
            (None, Some(one)) => vec![one.clone()],
            (None, None) => Vec::new(),
        };
        let names = match (&a.names, &a.count) {
            (Some(list), _) => list.clone(),
            (None, Some(count)) => {
                let n = self.count(count, "`count`", 0)?;
                let pattern = a
                    .name_pattern
                    .as_ref()
                    .map(|p| p.get_ref().as_str())
                    .unwrap_or("secret-{n}");
                if !pattern.contains("{n}") {
                    let at = a
                        .name_pattern
                        .as_ref()
                        .map(Spanned::span)
                        .unwrap_or(count.span());
                    self.error(
                        "E608",
                        "`name_pattern` must contain `{n}`",
                        at,
                        "no `{n}` here",
                    );
                }
                (1..=n)
                    .map(|i| pattern.replace("{n}", &i.to_string()))
                    .collect()
            }
            (None, None) => Vec::new(),
        };
        let decision = match a
            .decision
            .as_ref()
            .map(|d| (d.get_ref().as_str(), d.span()))
        {
            None | Some(("allow", _)) => Decision::Allow,
            Some(("forbid", _)) => Decision::Forbid,
            Some(("none", _)) => Decision::None,
            Some((other, at)) => {
                self.error(
                    "E608",
                    format!("decision must be `allow`, `forbid` or `none`, not `{other}`"),
                    at,
                    "",
                );
                Decision::Allow
            }
        };
        let code = match &a.code {
            Some(code) => {
                let c = *code.get_ref();
                if !(100..=599).contains(&c) {
                    self.error(
                        "E606",
                        format!("`{c}` is not an HTTP status code"),
                        code.span(),
                        "expected 100..599",
                    );
                }
                c as u16
            }
            None if decision == Decision::Forbid => 403,
            None if verb.get_ref() == "create" => 201,
            None => 200,
        };
        let mut stages = Vec::new();
        let stage_list: Vec<&Spanned<String>> = match (&a.stages, &a.stage) {
            (Some(list), _) => list.iter().collect(),
            (None, Some(one)) => vec![one],
            (None, None) => Vec::new(),
        };
        for stage in stage_list {
            match Stage::NAMES.iter().position(|n| n == stage.get_ref()) {
                Some(i) => stages.push(
                    [
                        Stage::RequestReceived,
                        Stage::ResponseStarted,
                        Stage::ResponseComplete,
                        Stage::Panic,
                    ][i],
                ),
                None => {
                    self.error(
                        "E608",
                        format!("unknown audit stage `{}`", stage.get_ref()),
                        stage.span(),
                        "",
                    )
                    .help = Some(format!("stages: {}", Stage::NAMES.join(", ")));
                }
            }
        }
        if stages.is_empty() {
            stages.push(Stage::ResponseComplete);
        }
        stages.sort();
        stages.dedup();
        let weight = match &a.weight {
            Some(w) => self.count(w, "`weight`", 1)? as u32,
            None => 1,
        };
        let api_group = a.api_group.clone().unwrap_or_default();
        Some(Activity {
            verb: verb.get_ref().clone(),
            resource: resource.get_ref().clone(),
            api_version: a.api_version.clone().unwrap_or_else(|| "v1".into()),
            api_group,
            subresource: a.subresource.clone().unwrap_or_default(),
            namespaces,
            names,
            decision,
            code,
            stages,
            weight,
        })
    }
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
    let text = std::fs::read_to_string(path).map_err(|error| {
        vec![Diagnostic::error("E600", format!("cannot read scenario: {error}")).at_path(path)]
    })?;
    let mut personas = builtin_personas();
    let extension = path
        .parent()
        .unwrap_or(Path::new("."))
        .join("personas.toml");
    if extension.is_file() && extension != path {
        personas.extend_from_file(&extension)?;
    }
    parse(path, &text, &personas)
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

    let kind = match Kind::NAMES.iter().position(|k| *k == fields.kind.get_ref()) {
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
                format!("unknown scenario kind `{}`", fields.kind.get_ref()),
                fields.kind.span(),
                "",
            )
            .help = Some(format!("kinds: {}", Kind::NAMES.join(", ")));
            Kind::Edge
        }
    };
    let start = parse_rfc3339(fields.start.get_ref()).unwrap_or_else(|| {
        ctx.error(
            "E604",
            format!("`{}` is not an RFC 3339 time", fields.start.get_ref()),
            fields.start.span(),
            "expected e.g. `2026-05-01T10:00:00Z`",
        );
        0
    });
    let seed = ctx.count(&fields.seed, "`seed`", 0).unwrap_or(0);
    let directory = path.parent().unwrap_or(Path::new(""));
    let rules: Vec<PathBuf> = fields.rules.iter().map(|r| directory.join(r)).collect();
    let default_read_delay = ctx
        .range(&fields.timing.read_delay)
        .unwrap_or(DurationRange {
            low: 500_000_000,
            high: 2 * NANOS_PER_SECOND,
        });
    let default_ingest_lag = ctx
        .range(&fields.timing.ingest_lag)
        .unwrap_or(DurationRange {
            low: 200_000_000,
            high: NANOS_PER_SECOND,
        });

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
                    unknown_persona(&mut ctx, personas, persona);
                    ctx.broken_actors.push(name.clone());
                    continue;
                }
            }
        }
        spec.overlay(ctx.actor_spec(actor_fields));
        if let Some(actor) = finish_actor(&mut ctx, name, persona_name, spec, spanned.span()) {
            actors.push(actor);
        }
    }
    // Noise: an implicit actor per persona, requesting its activity mix at a rate.
    let mut noise_steps = Vec::new();
    for noise in &fields.noise {
        let n = noise.get_ref();
        let Some(spec) = personas.resolved(n.persona.get_ref()) else {
            unknown_persona(&mut ctx, personas, &n.persona);
            continue;
        };
        let name = format!("noise:{}", n.persona.get_ref());
        if !actors.iter().any(|a: &Actor| a.name == name) {
            if let Some(actor) = finish_actor(
                &mut ctx,
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

    let mut steps = Vec::new();
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
        }
    }
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
        let jitter = jitter(&mut ctx, &n.jitter).unwrap_or(0.5);
        let (Some(actor), Some(spacing), Some(duration)) = (actor, spacing, duration) else {
            continue;
        };
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
        });
    }
    if fields.steps.is_empty() && fields.noise.is_empty() {
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
        .help = Some("add a `[[steps]]` table (or `[[noise]]`), see docs/scenarios.md".into());
    }

    let expect = build_expect(&mut ctx, &actors, &fields.expect);
    let scenario = Scenario {
        path: path.to_path_buf(),
        name: fields.name,
        description: fields.description,
        kind,
        rules,
        start,
        seed,
        actors,
        steps,
        expect,
    };
    ctx.finish(scenario)
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
    let Some(source_ips) = spec.source_ips else {
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
    })
}

fn jitter(ctx: &mut Ctx, value: &Option<Spanned<f64>>) -> Option<f64> {
    let value = value.as_ref()?;
    let j = *value.get_ref();
    if !(0.0..1.0).contains(&j) {
        ctx.error(
            "E606",
            format!("jitter must be in 0..1 (a fraction of the spacing), not {j}"),
            value.span(),
            "",
        );
        return None;
    }
    Some(j)
}

fn actor_ref(ctx: &mut Ctx, actors: &[Actor], name: &Spanned<String>) -> Option<usize> {
    let found = actors.iter().position(|a| &a.name == name.get_ref());
    if found.is_none() && !ctx.broken_actors.contains(name.get_ref()) {
        let near = nearest(name.get_ref(), actors.iter().map(|a| a.name.as_str()));
        let diagnostic = ctx.error(
            "E603",
            format!("no actor named `{}`", name.get_ref()),
            name.span(),
            "not defined in `[actors]`",
        );
        diagnostic.help = Some(match near {
            Some(near) => format!("did you mean `{near}`?"),
            None => format!(
                "define it as `[actors.{}]` (with a `persona` or an identity)",
                name.get_ref()
            ),
        });
    }
    found
}

fn build_step(
    ctx: &mut Ctx,
    actors: &[Actor],
    spanned: &Spanned<StepFields>,
    index: usize,
    read_delay: DurationRange,
    ingest_lag: DurationRange,
) -> Option<Step> {
    let s = spanned.get_ref();
    let actor = actor_ref(ctx, actors, &s.actor);
    let at = s.at.as_ref().map(|at| ctx.duration(at)).unwrap_or(Some(0));
    let requests = s.requests.as_ref().map(|r| ctx.count(r, "`requests`", 0));
    let duration = s.duration.as_ref().map(|d| ctx.duration(d));
    let spacing = match (&s.spacing, &s.rate) {
        (Some(spacing), None) => ctx.duration(spacing),
        (None, Some(rate)) => {
            let parsed = parse_rate(rate.get_ref());
            if parsed.is_none() {
                ctx.error(
                    "E605",
                    format!("`{}` is not a rate", rate.get_ref()),
                    rate.span(),
                    "expected e.g. `30/m`, `2/s`",
                );
            }
            parsed
        }
        (Some(_), Some(rate)) => {
            ctx.error(
                "E608",
                "give `spacing` or `rate`, not both",
                rate.span(),
                "",
            );
            None
        }
        (None, None) => Some(NANOS_PER_SECOND),
    };
    let jitter = jitter(ctx, &s.jitter);
    let repeat = s.repeat.as_ref().map(|r| ctx.count(r, "`repeat`", 1));
    if let Some(r) = s.repeat.as_ref().filter(|r| *r.get_ref() > MAX_REPEAT) {
        let message = format!("`repeat` is at most {MAX_REPEAT}, not {}", r.get_ref());
        ctx.error("E606", message, r.span(), "out of range");
    }
    let every = s.every.as_ref().map(|e| ctx.duration(e));
    if repeat.flatten().is_some_and(|r| r > 1) && every.is_none() {
        let at = s
            .repeat
            .as_ref()
            .map(Spanned::span)
            .unwrap_or(spanned.span());
        ctx.error(
            "E606",
            "`repeat` above 1 needs `every` (the interval between repetitions)",
            at,
            "",
        );
    }
    if requests.is_some() && duration.is_some() {
        let at = s
            .duration
            .as_ref()
            .map(Spanned::span)
            .unwrap_or(spanned.span());
        ctx.error("E608", "give `requests` or `for`, not both", at, "");
    }
    let pick = match s.pick.as_ref().map(|p| (p.get_ref().as_str(), p.span())) {
        None | Some(("cycle", _)) => Pick::Cycle,
        Some(("random", _)) => Pick::Random,
        Some((other, at)) => {
            ctx.error(
                "E608",
                format!("pick must be `cycle` or `random`, not `{other}`"),
                at,
                "",
            );
            Pick::Cycle
        }
    };
    let level = match &s.level {
        Some(level)
            if ["None", "Metadata", "Request", "RequestResponse"]
                .contains(&level.get_ref().as_str()) =>
        {
            level.get_ref().clone()
        }
        Some(level) => {
            ctx.error(
                "E608",
                format!("unknown audit level `{}`", level.get_ref()),
                level.span(),
                "",
            )
            .help = Some("levels: Metadata, Request, RequestResponse".into());
            "Metadata".into()
        }
        None => "Metadata".into(),
    };
    let request = ActivityFields {
        verb: s.verb.clone(),
        resource: s.resource.clone(),
        api_group: s.api_group.clone(),
        api_version: s.api_version.clone(),
        subresource: s.subresource.clone(),
        namespace: s.namespace.clone(),
        namespaces: s.namespaces.clone(),
        names: s.names.clone(),
        count: s.count.clone(),
        name_pattern: s.name_pattern.clone(),
        decision: s.decision.clone(),
        code: s.code.clone(),
        stage: s.stage.clone(),
        stages: s.stages.clone(),
        weight: None,
    };
    let names_request = request.verb.is_some()
        || request.resource.is_some()
        || request.names.is_some()
        || request.count.is_some();
    let activities = if names_request {
        ctx.activity(&request, spanned.span()).map(|a| vec![a])
    } else {
        let from_actor = actor
            .map(|i| actors[i].activity.clone())
            .unwrap_or_default();
        if actor.is_some() && from_actor.is_empty() {
            ctx.error(
                "E606",
                "the step names no request and its actor has no `activity`",
                spanned.span(),
                "",
            )
            .help = Some("add `verb` and `resource` (and `names` or `count`) to the step".into());
            None
        } else {
            // Step-level outcome fields still apply to the actor's mix.
            let mut list = from_actor;
            if let Some(decision) = &request.decision {
                let probe = ActivityFields {
                    verb: Some(Spanned::new(0..0, "get".into())),
                    resource: Some(Spanned::new(0..0, "x".into())),
                    decision: Some(decision.clone()),
                    code: request.code.clone(),
                    ..ActivityFields::default()
                };
                if let Some(outcome) = ctx.activity(&probe, spanned.span()) {
                    for a in &mut list {
                        a.decision = outcome.decision;
                        a.code = outcome.code;
                    }
                }
            }
            Some(list)
        }
    };
    if duration.is_some() && spacing == Some(0) {
        // `for` generates requests until time runs out: without spacing time never moves.
        let at = s
            .spacing
            .as_ref()
            .or(s.rate.as_ref())
            .map(Spanned::span)
            .unwrap_or(spanned.span());
        ctx.error(
            "E606",
            "with `for`, the spacing between requests must be above zero",
            at,
            "",
        );
    }
    let (actor, at, spacing, activities) = (actor?, at?, spacing?, activities?);
    let requests = match (requests, duration) {
        (Some(r), _) => Some(r?),
        (None, Some(_)) => None,
        // Default: one pass over the names (or a single request for collection verbs).
        (None, None) => Some(
            activities
                .iter()
                .map(|a| a.names.len().max(1) as u64)
                .max()
                .unwrap_or(1),
        ),
    };
    Some(Step {
        actor,
        label: s.name.clone().unwrap_or_else(|| (index + 1).to_string()),
        at,
        activities,
        pick,
        requests,
        duration: duration.flatten(),
        spacing,
        jitter: jitter.unwrap_or(0.0),
        repeat: repeat.flatten().unwrap_or(1),
        every: every.flatten().unwrap_or(0),
        read_delay: ctx.range(&s.read_delay).unwrap_or(read_delay),
        ingest_lag: ctx.range(&s.ingest_lag).unwrap_or(ingest_lag),
        level,
    })
}

fn build_expect(ctx: &mut Ctx, actors: &[Actor], fields: &ExpectFields) -> Expect {
    let mut count = |value: &Option<Spanned<i64>>, what: &str| {
        value.as_ref().and_then(|v| ctx.count(v, what, 0))
    };
    let alerts = count(&fields.alerts, "`alerts`");
    let min_alerts = count(&fields.min_alerts, "`min_alerts`");
    let max_alerts = count(&fields.max_alerts, "`max_alerts`");
    let mut groups = Vec::new();
    for group in &fields.groups {
        let actor = group.actor.as_ref().and_then(|a| actor_ref(ctx, actors, a));
        let alerts = group
            .alerts
            .as_ref()
            .and_then(|a| ctx.count(a, "`alerts`", 0));
        groups.push(ExpectedGroup {
            actor,
            fields: group.fields.clone(),
            alerts,
        });
    }
    let mut suppressed = Vec::new();
    for s in &fields.suppressed {
        if let Some(actor) = actor_ref(ctx, actors, &s.actor) {
            suppressed.push(Suppression {
                actor,
                field: s.suppressed_by.get_ref().clone(),
            });
        }
    }
    Expect {
        alerts,
        min_alerts,
        max_alerts,
        groups,
        suppressed,
        note: fields.note.clone().unwrap_or_default(),
    }
}

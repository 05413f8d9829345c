//! Validation of steps and expectations into [`Step`] and [`Expect`].

use std::sync::Arc;

use toml::Spanned;

use super::check::Ctx;
use super::dsl::{ActivityFields, ExpectFields, StepFields};
use super::duration::{parse_rate, DurationRange};
use super::event_step::EventTemplate;
use super::persona::nearest;
use super::{Activity, Actor, Expect, ExpectedGroup, Pick, Step, Suppression};
use crate::audit::time::{Nanos, NANOS_PER_SECOND};

/// Repetitions are scheduled up front, one cursor each: this bounds the memory that takes.
const MAX_REPEAT: i64 = 1_000_000;

pub(super) fn jitter(ctx: &mut Ctx, value: &Option<Spanned<f64>>) -> Option<f64> {
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

pub(super) fn actor_ref(ctx: &mut Ctx, actors: &[Actor], name: &Spanned<String>) -> Option<usize> {
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

pub(super) fn build_step(
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
    let spacing = step_spacing(ctx, s);
    let jitter = jitter(ctx, &s.jitter);
    let (repeat, every) = repeat_and_every(ctx, spanned);
    if requests.is_some() && duration.is_some() {
        let at = s
            .duration
            .as_ref()
            .map(Spanned::span)
            .unwrap_or(spanned.span());
        ctx.error("E608", "give `requests` or `for`, not both", at, "");
    }
    let pick = step_pick(ctx, s);
    let level = step_level(ctx, s);
    let request = step_request(s);
    let event = super::event_step::for_step(ctx, actors, actor, spanned);
    let activities = step_activities(ctx, actors, actor, spanned, &event, &request);
    zero_spacing_error(ctx, spanned, duration, spacing);
    let (actor, at, spacing, activities) = (actor?, at?, spacing?, activities?);
    let event = event.flatten();
    let requests = step_requests(ctx, s, requests, duration, &event, &activities)?;
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
        // A generic event is stamped at its own time unless the step sets a read delay.
        read_delay: ctx.range(&s.read_delay).unwrap_or(if event.is_some() {
            DurationRange { low: 0, high: 0 }
        } else {
            read_delay
        }),
        ingest_lag: ctx.range(&s.ingest_lag).unwrap_or(ingest_lag),
        level,
        event,
        history: s.history.unwrap_or(false),
    })
}

/// The step's `spacing`, or the spacing its `rate` gives (one second when it gives neither).
fn step_spacing(ctx: &mut Ctx, s: &StepFields) -> Option<Nanos> {
    match (&s.spacing, &s.rate) {
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
    }
}

/// The step's `repeat` and `every`, checked together (a repeat above 1 needs an interval).
fn repeat_and_every(
    ctx: &mut Ctx,
    spanned: &Spanned<StepFields>,
) -> (Option<Option<u64>>, Option<Option<Nanos>>) {
    let s = spanned.get_ref();
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
    (repeat, every)
}

/// The step's `pick`: `cycle` (the default) or `random`.
fn step_pick(ctx: &mut Ctx, s: &StepFields) -> Pick {
    match s.pick.as_ref().map(|p| (p.get_ref().as_str(), p.span())) {
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
    }
}

/// The step's audit `level`: `Metadata` unless it gives one or a request body.
fn step_level(ctx: &mut Ctx, s: &StepFields) -> String {
    match &s.level {
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
        // A request body is only logged at the `Request` levels: a step that gives one logs it.
        None if s.request_object.is_some() => "RequestResponse".into(),
        None => "Metadata".into(),
    }
}

/// The request the step's own fields describe (verb, resource, names, outcome ...).
fn step_request(s: &StepFields) -> ActivityFields {
    ActivityFields {
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
        request_object: s.request_object.clone(),
        request_uri: s.request_uri.clone(),
    }
}

/// What the step requests: its generic event, the request it names, or its actor's activity mix
/// (with the step's outcome fields applied).
fn step_activities(
    ctx: &mut Ctx,
    actors: &[Actor],
    actor: Option<usize>,
    spanned: &Spanned<StepFields>,
    event: &Option<Option<Arc<EventTemplate>>>,
    request: &ActivityFields,
) -> Option<Vec<Activity>> {
    let names_request = request.verb.is_some()
        || request.resource.is_some()
        || request.request_object.is_some()
        || request.request_uri.is_some()
        || request.names.is_some()
        || request.count.is_some();
    if let Some(event) = event {
        event.as_ref().map(|_| vec![super::event_step::activity()])
    } else if names_request {
        ctx.activity(request, spanned.span()).map(|a| vec![a])
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
    }
}

/// `E606` for a `for` step whose requests are spaced zero apart: time would never move.
fn zero_spacing_error(
    ctx: &mut Ctx,
    spanned: &Spanned<StepFields>,
    duration: Option<Option<Nanos>>,
    spacing: Option<Nanos>,
) {
    let s = spanned.get_ref();
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
}

/// How many requests the step makes: its `requests`, none for a `for` step, a generic step's
/// `count` or one pass over its draws, else one pass over the names; `None` on an error.
fn step_requests(
    ctx: &mut Ctx,
    s: &StepFields,
    requests: Option<Option<u64>>,
    duration: Option<Option<Nanos>>,
    event: &Option<Arc<EventTemplate>>,
    activities: &[Activity],
) -> Option<Option<u64>> {
    Some(match (requests, duration) {
        (Some(r), _) => Some(r?),
        (None, Some(_)) => None,
        // A generic step: `count` events, else one pass over its draws.
        (None, None) if event.is_some() => Some(match &s.count {
            Some(count) => ctx.count(count, "`count`", 0)?,
            None => event.as_ref().map_or(1, |e| e.one_pass()),
        }),
        // Default: one pass over the names (or a single request for collection verbs).
        (None, None) => Some(
            activities
                .iter()
                .map(|a| a.names.len().max(1) as u64)
                .max()
                .unwrap_or(1),
        ),
    })
}

pub(super) fn build_expect(ctx: &mut Ctx, actors: &[Actor], fields: &ExpectFields) -> Expect {
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

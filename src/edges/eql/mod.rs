//! `rulegate edges` for EQL rules: value edges of every query's conditions, sequence edges
//! (`maxspan` inside, at and outside, the join key differing in one event, steps out of order,
//! `until` before and after the last step, `runs=N` with N−1 events) and an event, or a
//! sequence's events, ingested late at the edge of the first execution's look-back. A query of
//! category `any` is written as Kubernetes audit requests, a `process`/`file` query as generic
//! event steps of the Defend for Containers stream the rule reads ([`streams`]). Every scenario's
//! expected alerts come from the reference engine run over the very requests it writes
//! ([`oracle`]); the placement keeps all of them in one execution window (`E`) that no other
//! window holds whole.

mod event;
mod latency;
mod lookback;
mod oracle;
mod render;
mod request;
mod sequence;
mod streams;
mod values;

pub use oracle::{Oracle, Verdict};
pub use render::{EqlDraft, TimedRequest};
pub use request::{Request, Slot, Source};
pub use streams::{writer, Stream, Writer, STREAMS};

use crate::edges::EdgeScenario;
use crate::eql::ast::{Body, Category, EventFilter, Query};
use crate::eql::engine::Settings;
use crate::schedule::time::SECOND;
use crate::schedule::{ScheduleSpec, Timestamp};

/// What the EQL edge generator needs.
pub struct EqlEdgeInput<'a> {
    pub rule_reference: &'a str,
    pub rule_display: &'a str,
    pub schedule: &'a ScheduleSpec,
    pub query: &'a Query,
    pub text: &'a str,
    /// The rule's EQL request settings (`size` is `max_signals`).
    pub settings: Settings,
    /// The rule's index patterns (empty: every index), which pick the data stream a query's
    /// event category is written to.
    pub indices: Vec<String>,
}

/// Why no edge scenario can be derived, or every edge scenario in a stable order.
pub fn generate(input: &EqlEdgeInput) -> Result<Vec<EdgeScenario>, String> {
    let plan = Plan::new(input);
    let drafts = match &input.query.body {
        Body::Event(filter) => plan.event_edges(filter)?,
        Body::Sequence(sequence) => sequence::edges(&plan, sequence)?,
        Body::Sample(_) => {
            return Err(
                "a `sample` query cannot run as a rule (Kibana's EQL executor fails on it)".into(),
            )
        }
    };
    let mut scenarios = Vec::with_capacity(drafts.len());
    for mut draft in drafts {
        if !latency::pin(&mut draft) {
            return Err(format!(
                "the requests of `{}` could not be placed on their intended times",
                draft.slug
            ));
        }
        scenarios.push(draft.render(input.rule_display, input.rule_reference));
    }
    Ok(scenarios)
}

/// The timing and the engine every draft shares.
pub(crate) struct Plan<'a> {
    pub input: &'a EqlEdgeInput<'a>,
    pub oracle: Oracle<'a>,
    pub interval: i64,
    pub lookback: i64,
    /// `E`, the execution whose window the requests aim at.
    pub execution: Timestamp,
}

impl<'a> Plan<'a> {
    fn new(input: &'a EqlEdgeInput<'a>) -> Plan<'a> {
        let interval = input.schedule.interval;
        let anchor = Timestamp::parse("2026-05-15T10:00:00Z")
            .expect("a valid constant")
            .round_up(interval)
            .expect("a fixed 2026 instant rounds up within range");
        Plan {
            input,
            oracle: Oracle {
                query: input.query,
                settings: input.settings.clone(),
            },
            interval,
            lookback: input.schedule.to - input.schedule.from,
            execution: anchor.plus(interval),
        }
    }

    /// The first request's time for requests spanning `span` that only window `E` holds whole:
    /// after the previous execution and before the next window opens, else ending at `E − 1s`.
    pub fn place(&self, span: i64) -> Option<Timestamp> {
        let e = self.execution;
        let next_window_start = e.plus(self.interval - self.lookback);
        let after_previous = e.plus(-self.interval + SECOND);
        if span <= self.interval - SECOND && after_previous < next_window_start {
            return Some(after_previous);
        }
        let first = e.plus(-SECOND - span);
        (first >= e.plus(-self.lookback)
            && first < next_window_start
            && first.plus(span) > e.plus(-self.interval))
        .then_some(first)
    }

    /// What kind of document an event query reads: `any` queries read audit requests; a
    /// named category, the data stream of that category the rule's indices read.
    pub fn source(&self, filter: &EventFilter) -> Result<Source, String> {
        match &filter.category {
            Category::Any => Ok(Source::Audit),
            Category::Named(category) => streams::for_category(category, &self.input.indices)
                .map(Source::Event)
                .ok_or_else(|| {
                    let known: Vec<String> = STREAMS
                        .iter()
                        .map(|s| format!("`{}` ({})", s.category, s.index()))
                        .collect();
                    format!(
                        "the query reads `{category}` events, and the scenario DSL writes no \
                             data stream of that category the rule reads (it writes Kubernetes \
                             audit requests for `any` queries, and {} events)",
                        known.join(", ")
                    )
                }),
        }
    }

    /// A request satisfying `filter` with the slots of `fixed` kept, confirmed by the engine.
    pub fn witness(&self, filter: &EventFilter, fixed: &Request) -> Option<Request> {
        let mut request = fixed.clone();
        request.source = self.source(filter).ok()?;
        let mut solver = request::Solver { request };
        if !solver.satisfy(&filter.condition, true, self.input.text) {
            return None;
        }
        let request = solver.request.completed();
        (request.consistent() && self.oracle.matches(filter, &request)).then_some(request)
    }

    /// The alerts of the engine over `requests`, as one execution reads them.
    pub fn verdict(&self, requests: &[TimedRequest]) -> Result<Verdict, String> {
        let timed: Vec<(i64, &Request)> = requests
            .iter()
            .map(|r| (r.at.millis(), &r.request))
            .collect();
        self.oracle
            .verdict(&timed)
            .ok_or_else(|| "the reference engine could not run the generated requests".to_string())
    }

    fn event_edges(&self, filter: &EventFilter) -> Result<Vec<EqlDraft>, String> {
        let text = self.input.text;
        let source = self.source(filter)?;
        let base = self.witness(filter, &Request::default()).ok_or_else(|| {
            "no request the scenario DSL can write satisfies the query".to_string()
        })?;
        let username_fixed = request_fixes_username(filter, text);
        let (variants, skipped) = values::variants(&filter.condition, text, &base);
        // The skipped values are listed once, in the last file written.
        let skipped_in_exclusions = variants.iter().any(|v| v.negated);
        let mut drafts = Vec::new();
        for (negated, slug, what) in [
            (false, "values-conditions", "conditions"),
            (true, "values-exclusions", "exclusions"),
        ] {
            let chosen: Vec<&values::Variant> =
                variants.iter().filter(|v| v.negated == negated).collect();
            if chosen.is_empty() {
                continue;
            }
            let mut requests = variant_requests(&base, &chosen, source, username_fixed);
            let first = self
                .place((requests.len() as i64 - 1) * SECOND)
                .ok_or("the requests do not fit in one execution window")?;
            for (i, r) in requests.iter_mut().enumerate() {
                r.at = first.plus(i as i64 * SECOND);
            }
            let verdict = self.verdict(&requests)?;
            for (r, n) in requests.iter_mut().zip(&verdict.per_request) {
                r.label = format!("{} → {}", r.label, if *n > 0 { "alerts" } else { "silent" });
            }
            let silent = verdict.per_request.iter().filter(|n| **n == 0).count();
            let mut description = format!(
                "One request per value tried on the query's {what} (each constant as written, its case \
                 changed, a value just outside a pattern, the field missing), each from its own actor, \
                 all in one execution window, and a baseline request meeting every condition. As the \
                 reference engine evaluates them, {} of these requests alert and {silent} stay silent; \
                 each step's name says which.",
                requests.len() - silent
            );
            if !skipped.is_empty() && negated == skipped_in_exclusions {
                description.push_str(&format!(
                    " Not written, as the API server never logs them: {}.",
                    skipped.join("; ")
                ));
            }
            let distinct = render::actors(&requests).len() == requests.len();
            drafts.push(EqlDraft {
                slug: slug.into(),
                title: format!("values of the query's {what}"),
                description,
                alerts: verdict.alerts,
                per_actor: distinct.then(|| verdict.per_request.clone()),
                requests,
            });
        }
        drafts.extend(self.lookback_edges(vec![("late event".into(), 0, base)], &[filter])?);
        Ok(drafts)
    }
}

/// Whether the query itself fixes the user name (then variants cannot have their own).
fn request_fixes_username(filter: &EventFilter, text: &str) -> bool {
    let mut solver = request::Solver::default();
    solver.satisfy(&filter.condition, true, text);
    solver.request.values.contains_key(&Slot::Username)
}

fn shown(value: &Option<String>) -> String {
    match value {
        Some(v) => format!("`{v}`"),
        None => "missing".into(),
    }
}

/// The edge scenarios of a loaded EQL rule; an `E711` diagnostic when none can be derived.
pub fn for_rule(
    loaded: &crate::rule::LoadedRule,
    scheduled: &crate::schedule::ScheduledRule,
    rule_reference: &str,
    rule_display: &str,
) -> Result<Vec<EdgeScenario>, crate::diagnostic::Diagnostic> {
    let parsed = crate::eql::parse_rule_query(loaded)?;
    let indices = loaded.rule.data.index.clone().unwrap_or_default();
    let written: Vec<String> = std::iter::once(crate::audit::ecs::INDEX.to_string())
        .chain(STREAMS.iter().map(Stream::index))
        .collect();
    if !indices.is_empty()
        && !indices
            .iter()
            .any(|i| written.iter().any(|w| crate::document::index_matches(i, w)))
    {
        return Err(crate::diagnostic::Diagnostic::error(
            "E711",
            format!(
                "cannot derive edge scenarios: the rule reads {}, and rulegate's edge scenarios write {} only",
                indices.iter().map(|i| format!("`{i}`")).collect::<Vec<_>>().join(", "),
                written.iter().map(|w| format!("`{w}`")).collect::<Vec<_>>().join(", ")
            ),
        ));
    }
    let mut settings = crate::eql::settings_for_rule(loaded);
    settings.size = scheduled.schedule.max_signals;
    let input = EqlEdgeInput {
        rule_reference,
        rule_display,
        schedule: &scheduled.schedule,
        query: &parsed.query,
        text: &parsed.text,
        settings,
        indices,
    };
    generate(&input).map_err(|why| {
        crate::diagnostic::Diagnostic::error("E711", format!("cannot derive edge scenarios: {why}"))
    })
}

/// A baseline request meeting every condition, then one request per variant, each from its own
/// actor (an audit request gets a username of its own unless the variant or the query fixes it).
fn variant_requests(
    base: &Request,
    chosen: &[&values::Variant],
    source: Source,
    username_fixed: bool,
) -> Vec<TimedRequest> {
    let mut requests = vec![TimedRequest {
        label: "baseline: every condition met".into(),
        at: Timestamp(0),
        request: base.clone(),
        ingest_lag: None,
        history: false,
    }];
    for (index, variant) in chosen.iter().enumerate() {
        let mut request = variant.request.clone();
        if source == Source::Audit
            && !username_fixed
            && variant.field != "user.name"
            && !variant.field.ends_with("user.username")
        {
            request.set(
                Slot::Username,
                Some(format!("system:serviceaccount:edge:prober-{}", index + 2)),
            );
        }
        requests.push(TimedRequest {
            label: format!(
                "{} = {}: {}",
                variant.field,
                shown(&variant.value),
                variant.why
            ),
            at: Timestamp(0),
            request,
            ingest_lag: None,
            history: false,
        });
    }
    requests
}

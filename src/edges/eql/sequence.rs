//! Sequence edges: `maxspan` one second inside, exactly at and one second outside (Elasticsearch
//! keeps a sequence whose span equals `maxspan`: `SequenceMatcher.exceedsMaxSpan` rejects only
//! `delta > maxspan`), the join key differing in one event, the steps out of order, an `until`
//! event before and after the last step, `runs=N` with N−1 events, and value edges per query.

use super::render::{EqlDraft, TimedRequest};
use super::request::{Request, Slot, Source};
use super::values;
use super::Plan;
use crate::eql::ast::{ExprKind, Sequence, SequenceTerm};
use crate::schedule::time::{format_duration, SECOND};

/// The least spacing of consecutive events: more than a request's latency (at most 40 ms), so
/// pinning each `@timestamp` keeps the order.
const MIN_SPACING: i64 = 100;

/// The positive stages of a sequence after `runs` expansion, with their join-key slots.
struct Shape<'a> {
    /// `(term index, term)` per stage, in order.
    stages: Vec<(usize, &'a SequenceTerm)>,
    /// Per stage, the slot of each join key (shared keys first).
    keys: Vec<Vec<Slot>>,
    until: Option<(&'a SequenceTerm, Vec<Slot>)>,
}

/// The slot of each join key of a query, in the kind of document the query reads: the DSL
/// writes it as [`super::streams::writer`] says (an actor's user name, token claim or identity
/// field, or a setting of the step).
fn key_slots(plan: &Plan, sequence: &Sequence, term: &SequenceTerm) -> Result<Vec<Slot>, String> {
    let source = plan.source(&term.filter)?;
    sequence
        .by
        .iter()
        .chain(&term.by)
        .map(|key| match &key.kind {
            ExprKind::Field(field) => Slot::in_source(&field.name, source).ok_or_else(|| {
                let document = match source {
                    Source::Audit => "a Kubernetes audit request".to_string(),
                    Source::Event(stream) => format!(
                        "a `{}` event of `{}` (its fields: {})",
                        stream.category,
                        stream.dataset,
                        stream
                            .identity
                            .iter()
                            .chain(stream.template)
                            .map(|(f, _)| format!("`{f}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                };
                format!(
                    "the join key `{}` is no field the scenario DSL writes on {document}",
                    field.name
                )
            }),
            _ => Err("a join key that is not a field".to_string()),
        })
        .collect()
}

fn shape<'s>(plan: &Plan, sequence: &'s Sequence) -> Result<Shape<'s>, String> {
    if sequence.terms.iter().any(|t| t.missing) {
        return Err("sequences with missing events `![…]` get no edges yet".into());
    }
    let mut stages = Vec::new();
    let mut keys = Vec::new();
    for (index, term) in sequence.terms.iter().enumerate() {
        let slots = key_slots(plan, sequence, term)?;
        for _ in 0..term.runs.unwrap_or(1).max(1) {
            stages.push((index, term));
            keys.push(slots.clone());
        }
    }
    let until = match &sequence.until {
        Some(term) => Some((term, key_slots(plan, sequence, term)?)),
        None => None,
    };
    Ok(Shape {
        stages,
        keys,
        until,
    })
}

/// The requests of one sequence instance (`key` values per key position), per stage.
struct Instance {
    requests: Vec<Request>,
}

fn key_value(slot: Slot, n: usize) -> String {
    match slot {
        Slot::Username => format!("system:serviceaccount:edge:prober-{n}"),
        _ => format!("edge-key-{n}"),
    }
}

fn with_keys(slots: &[Slot], key: &[String]) -> Request {
    let mut fixed = Request::default();
    for (slot, value) in slots.iter().zip(key) {
        fixed.set(*slot, Some(value.clone()));
    }
    fixed
}

impl Plan<'_> {
    /// The key values of instance `n`: what a query fixes, else values of the instance's own.
    fn key_for(&self, shape: &Shape, n: usize) -> Vec<String> {
        let positions = shape.keys.first().map_or(0, Vec::len);
        (0..positions)
            .map(|p| {
                shape
                    .stages
                    .iter()
                    .zip(&shape.keys)
                    .find_map(|((_, term), slots)| {
                        self.witness(&term.filter, &Request::default())
                            .filter(|_| self.fixes(&term.filter, slots[p]))
                            .and_then(|w| w.get(slots[p]).map(str::to_string))
                    })
                    .unwrap_or_else(|| key_value(shape.keys[0][p], n))
            })
            .collect()
    }

    fn fixes(&self, filter: &crate::eql::ast::EventFilter, slot: Slot) -> bool {
        let mut solver = super::request::Solver::default();
        solver.request.source = self.source(filter).unwrap_or_default();
        solver.satisfy(&filter.condition, true, self.input.text);
        solver.request.values.contains_key(&slot)
    }

    fn instance(&self, shape: &Shape, key: &[String]) -> Result<Instance, String> {
        let requests = shape
            .stages
            .iter()
            .zip(&shape.keys)
            .map(|((index, term), slots)| {
                self.witness(&term.filter, &with_keys(slots, key)).ok_or_else(|| {
                    format!("no request the scenario DSL can write satisfies query {} with the join key", index + 1)
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Instance { requests })
    }

    /// A draft of requests at offsets from a placement holding them all in window `E`.
    fn timed(&self, labelled: Vec<(String, i64, Request)>) -> Option<Vec<TimedRequest>> {
        let span = labelled.iter().map(|(_, t, _)| *t).max().unwrap_or(0);
        let first = self.place(span)?;
        Some(
            labelled
                .into_iter()
                .map(|(label, offset, request)| TimedRequest {
                    label,
                    at: first.plus(offset),
                    request,
                    ingest_lag: None,
                    history: false,
                })
                .collect(),
        )
    }

    fn draft(
        &self,
        slug: &str,
        title: String,
        why: String,
        requests: Vec<TimedRequest>,
    ) -> Result<EqlDraft, String> {
        let verdict = self.verdict(&requests)?;
        let outcome = match verdict.sequences {
            0 => "No sequence completes: nothing alerts.".to_string(),
            n => format!(
                "The reference engine completes {n} sequence(s): {} alert(s), a shell alert and one building block per event each.",
                verdict.alerts
            ),
        };
        Ok(EqlDraft {
            slug: slug.into(),
            title,
            description: format!("{why} {outcome}"),
            alerts: verdict.alerts,
            per_actor: None,
            requests,
        })
    }
}

/// A duration in words where it is a second or two, else as `format_duration` writes it.
fn spoken(millis: i64) -> String {
    match millis {
        SECOND => "one second".into(),
        m if m == 2 * SECOND => "two seconds".into(),
        m => format_duration(m),
    }
}

fn stage_label(shape: &Shape, stage: usize) -> String {
    let (index, term) = shape.stages[stage];
    match term.runs {
        Some(_) => format!(
            "query {} (run {})",
            index + 1,
            shape.stages[..=stage]
                .iter()
                .filter(|(i, _)| *i == index)
                .count()
        ),
        None => format!("query {}", index + 1),
    }
}

/// Every edge of a sequence rule.
pub(super) fn edges(plan: &Plan, sequence: &Sequence) -> Result<Vec<EqlDraft>, String> {
    let shape = shape(plan, sequence)?;
    let count = shape.stages.len();
    // Events one second apart, or closer when `maxspan` is short (half a second for the
    // one-second rules), so "close" sequences are well inside it.
    let steps = count.max(2) as i64 - 1;
    let spacing = sequence
        .maxspan
        .as_ref()
        .map_or(SECOND, |m| SECOND.min(m.millis() / (2 * steps)));
    let base = plan.instance(&shape, &plan.key_for(&shape, 1))?;
    let mut drafts = Vec::new();
    maxspan_edges(plan, &shape, sequence, &base, steps, &mut drafts)?;
    let close: Vec<i64> = (0..count as i64).map(|j| j * spacing).collect();
    key_differs_edges(plan, &shape, &base, &close, spacing, &mut drafts)?;
    if count >= 2 {
        let mut instance = Instance {
            requests: base.requests.clone(),
        };
        instance.requests.reverse();
        let mut requests = plan
            .timed(labelled_requests(&shape, &instance, &close))
            .ok_or("the sequence does not fit in one window")?;
        for (j, r) in requests.iter_mut().enumerate() {
            r.label = format!(
                "{} (written in reverse order)",
                stage_label(&shape, count - 1 - j)
            );
        }
        let why = format!("The events of one sequence {} apart, in reverse order: each query must match an event after the previous query's.", spoken(spacing));
        drafts.push(plan.draft(
            "sequence-out-of-order",
            "the steps out of order".into(),
            why,
            requests,
        )?);
    }
    until_edges(plan, &shape, &base, spacing, &mut drafts)?;
    runs_short_edges(plan, &shape, sequence, &base, spacing, &mut drafts)?;
    let late: Vec<(String, i64, Request)> = labelled_requests(&shape, &base, &close)
        .into_iter()
        .map(|(label, at, request)| (format!("late event, {label}"), at, request))
        .collect();
    let filters: Vec<&crate::eql::ast::EventFilter> =
        shape.stages.iter().map(|(_, term)| &term.filter).collect();
    drafts.extend(plan.lookback_edges(late, &filters)?);
    drafts.extend(value_edges(plan, &shape, &base, spacing)?);
    Ok(drafts)
}

/// Sequences whose first and last events are just inside, exactly at and just outside `maxspan`.
fn maxspan_edges(
    plan: &Plan,
    shape: &Shape,
    sequence: &Sequence,
    base: &Instance,
    steps: i64,
    drafts: &mut Vec<EqlDraft>,
) -> Result<(), String> {
    let count = shape.stages.len();
    let evenly = |span: i64| -> Vec<i64> {
        let steps = (count.max(2) - 1) as i64;
        (0..count as i64).map(|j| span * j / steps).collect()
    };
    if let Some(maxspan) = &sequence.maxspan {
        let span = maxspan.millis();
        let text = format_duration(span);
        // One second either side, or half the span when it is shorter than two seconds.
        let delta = SECOND.min(span / 2);
        let inside = format!("{} inside", spoken(delta));
        let outside = format!("{} outside", spoken(delta));
        for (slug, gap, how) in [
            ("sequence-maxspan-inside", span - delta, inside.as_str()),
            ("sequence-maxspan-at", span, "exactly at"),
            ("sequence-maxspan-outside", span + delta, outside.as_str()),
        ] {
            if gap < MIN_SPACING * steps {
                continue;
            }
            let Some(requests) = plan.timed(labelled_requests(shape, base, &evenly(gap))) else {
                continue;
            };
            let why = format!(
                "The {count} events of one sequence, first to last {} apart: {how} `maxspan={text}`. \
                 Elasticsearch rejects a sequence only when the span exceeds `maxspan` \
                 (`SequenceMatcher.exceedsMaxSpan`: `delta > maxspan`), so the bound is inclusive.",
                format_duration(gap)
            );
            drafts.push(plan.draft(
                slug,
                format!("a sequence {how} maxspan ({})", format_duration(gap)),
                why,
                requests,
            )?);
        }
    }
    Ok(())
}

/// Per stage, a sequence whose event at that stage carries another join key.
fn key_differs_edges(
    plan: &Plan,
    shape: &Shape,
    base: &Instance,
    close: &[i64],
    spacing: i64,
    drafts: &mut Vec<EqlDraft>,
) -> Result<(), String> {
    let count = shape.stages.len();
    let other_key = plan.key_for(shape, 2);
    if other_key != plan.key_for(shape, 1) {
        let other = plan.instance(shape, &other_key)?;
        for j in 0..count {
            let mut instance = Instance {
                requests: base.requests.clone(),
            };
            instance.requests[j] = other.requests[j].clone();
            let requests = plan
                .timed(labelled_requests(shape, &instance, close))
                .ok_or("the sequence does not fit in one window")?;
            let why = format!(
                "The events of one sequence {} apart, but {} carries another join key \
                 ({}): the sequence never joins.",
                spoken(spacing),
                stage_label(shape, j),
                other_key
                    .iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            drafts.push(plan.draft(
                &format!("sequence-key-differs-step-{}", j + 1),
                format!("the join key differs at {}", stage_label(shape, j)),
                why,
                requests,
            )?);
        }
    }
    Ok(())
}

/// An `until` event with the sequence's key just before and just after its last step.
fn until_edges(
    plan: &Plan,
    shape: &Shape,
    base: &Instance,
    spacing: i64,
    drafts: &mut Vec<EqlDraft>,
) -> Result<(), String> {
    let count = shape.stages.len();
    if let Some((term, slots)) = &shape.until {
        let key = plan.key_for(shape, 1);
        let until = plan
            .witness(&term.filter, &with_keys(slots, &key))
            .ok_or("no request the scenario DSL can write satisfies the `until` query")?;
        let spaced: Vec<i64> = (0..count as i64).map(|j| 2 * j * spacing).collect();
        let last = spaced[count - 1];
        let before = format!("{} before the last step", spoken(spacing));
        let after = format!("{} after the last step", spoken(spacing));
        for (slug, at, how) in [
            (
                "sequence-until-before-last",
                last - spacing,
                before.as_str(),
            ),
            ("sequence-until-after-last", last + spacing, after.as_str()),
        ] {
            let mut listed = labelled_requests(shape, base, &spaced);
            listed.push(("until".into(), at, until.clone()));
            listed.sort_by_key(|(_, t, _)| *t);
            let requests = plan
                .timed(listed)
                .ok_or("the sequence does not fit in one window")?;
            let why = format!(
                "The events of one sequence {} apart and an `until` event with the same key {how}.",
                format_duration(2 * spacing)
            );
            drafts.push(plan.draft(slug, format!("an until event {how}"), why, requests)?);
        }
    }
    Ok(())
}

/// Per query with `runs` of 2 or more, a sequence with one run fewer than it needs.
fn runs_short_edges(
    plan: &Plan,
    shape: &Shape,
    sequence: &Sequence,
    base: &Instance,
    spacing: i64,
    drafts: &mut Vec<EqlDraft>,
) -> Result<(), String> {
    for (index, term) in sequence.terms.iter().enumerate() {
        let Some(runs) = term.runs.filter(|&n| n >= 2) else {
            continue;
        };
        let mut instance = Instance {
            requests: Vec::new(),
        };
        let mut dropped = false;
        for (j, (i, _)) in shape.stages.iter().enumerate() {
            if *i == index && !dropped {
                dropped = true;
                continue;
            }
            instance.requests.push(base.requests[j].clone());
        }
        let offsets: Vec<i64> = (0..instance.requests.len() as i64)
            .map(|j| j * spacing)
            .collect();
        let listed: Vec<(String, i64, Request)> = instance
            .requests
            .iter()
            .zip(&offsets)
            .map(|(r, t)| ("event".to_string(), *t, r.clone()))
            .collect();
        let requests = plan
            .timed(listed)
            .ok_or("the sequence does not fit in one window")?;
        let why = format!(
            "Query {} needs `runs={runs}` events in a row; only {} are written.",
            index + 1,
            runs - 1
        );
        drafts.push(plan.draft(
            &format!("sequence-runs-query-{}-short", index + 1),
            format!("query {} with runs={runs} given {}", index + 1, runs - 1),
            why,
            requests,
        )?);
    }
    Ok(())
}

/// A sequence instance's requests, each with its stage's label and its offset.
fn labelled_requests(
    shape: &Shape,
    instance: &Instance,
    offsets: &[i64],
) -> Vec<(String, i64, Request)> {
    instance
        .requests
        .iter()
        .enumerate()
        .map(|(j, r)| (stage_label(shape, j), offsets[j], r.clone()))
        .collect()
}

/// Per query: one sequence instance per value tried on its conditions, the other queries met.
fn value_edges(
    plan: &Plan,
    shape: &Shape,
    base: &Instance,
    spacing: i64,
) -> Result<Vec<EqlDraft>, String> {
    let text = plan.input.text;
    let mut drafts = Vec::new();
    let count = shape.stages.len();
    for (stage, (index, term)) in shape.stages.iter().enumerate() {
        if shape.stages[..stage].iter().any(|(i, _)| i == index) {
            continue;
        }
        let (variants, _) = values::variants(&term.filter.condition, text, &base.requests[stage]);
        for (negated, what) in [(false, "conditions"), (true, "exclusions")] {
            let chosen: Vec<&values::Variant> =
                variants.iter().filter(|v| v.negated == negated).collect();
            if chosen.is_empty() {
                continue;
            }
            let (listed, labels) = listed_instances(plan, shape, stage, &chosen, spacing)?;
            let Some(requests) = plan.timed(listed) else {
                continue;
            };
            let mut requests = requests;
            label_outcomes(plan, &mut requests, &labels, count);
            let why = format!(
                "One sequence instance (its own join key) per value tried on query {}'s {what} (each \
                 constant as written, its case changed, a value just outside a pattern, the field missing), \
                 the other queries met, all in one execution window; each step's name says what the \
                 reference engine makes of its instance alone.",
                index + 1
            );
            drafts.push(plan.draft(
                &format!("values-query-{}-{what}", index + 1),
                format!("values of query {}'s {what}", index + 1),
                why,
                requests,
            )?);
        }
    }
    Ok(drafts)
}

/// The requests of a baseline sequence instance (every query met) and of one instance per
/// variant of query `stage`, each its own join key, with the labels of the instances.
#[allow(clippy::type_complexity)]
fn listed_instances(
    plan: &Plan,
    shape: &Shape,
    stage: usize,
    chosen: &[&values::Variant],
    spacing: i64,
) -> Result<(Vec<(String, i64, Request)>, Vec<String>), String> {
    let mut listed: Vec<(String, i64, Request)> = Vec::new();
    let mut offset = 0;
    let mut labels = vec!["baseline: every query met".to_string()];
    for (n, variant) in std::iter::once(None)
        .chain(chosen.iter().map(Some))
        .enumerate()
    {
        let key = plan.key_for(shape, n + 1);
        let instance = plan.instance(shape, &key)?;
        for (j, request) in instance.requests.iter().enumerate() {
            let mut request = request.clone();
            if let (Some(variant), true) = (variant, j == stage) {
                let mut varied = variant.request.clone();
                for (slot, value) in shape.keys[j].iter().zip(&key) {
                    if !variant.field.is_empty() && variant.slot != *slot {
                        varied.set(*slot, Some(value.clone()));
                    }
                }
                request = varied;
            }
            listed.push((
                format!("{} of instance {}", stage_label(shape, j), n + 1),
                offset,
                request,
            ));
            offset += spacing;
        }
        if let Some(variant) = variant {
            labels.push(format!(
                "{} = {}: {}",
                variant.field,
                variant
                    .value
                    .as_deref()
                    .map_or("missing".to_string(), |v| format!("`{v}`")),
                variant.why
            ));
        }
        offset += SECOND;
    }
    Ok((listed, labels))
}

/// Appends to each request's label its instance's label and what the reference engine makes
/// of the instance (`count` requests) alone.
fn label_outcomes(plan: &Plan, requests: &mut [TimedRequest], labels: &[String], count: usize) {
    for (n, label) in labels.iter().enumerate() {
        let completes = plan
            .verdict(&requests[n * count..(n + 1) * count])
            .is_ok_and(|v| v.sequences > 0);
        for r in &mut requests[n * count..(n + 1) * count] {
            r.label = format!(
                "{}: {label} → {}",
                r.label,
                if completes {
                    "completes"
                } else {
                    "no sequence"
                }
            );
        }
    }
}

//! Sequence matching as Elasticsearch's `SequenceMatcher` does it, over events in order.
//!
//! Per join key and stage, in-flight sequences wait in insertion order. An event matching
//! stage `k > 0` takes the *latest* sequence of stage `k − 1` whose last event is strictly
//! before it and drops every earlier one (`OrdinalGroup.trimBefore`); the sequence is then
//! rejected if the event is more than `maxspan` after the sequence's first event (equal is
//! allowed), or if an `until` event of the same key lies between the sequence's last event
//! (inclusive) and this event. Missing-event stages are checked once the positive stages have
//! completed (see [`missing_ok`]).

use std::collections::HashMap;

use super::{Event, JoinKey, Stage, E_TOO_MANY};
use crate::diagnostic::Diagnostic;

/// Most sequences in flight at once; beyond it the query fails instead of growing without bound.
pub const MAX_IN_FLIGHT: usize = 1_000_000;

#[derive(Clone, Debug)]
pub struct Partial {
    pub key: JoinKey,
    /// Positions (into the ordered events) of the events matched so far, one per positive stage.
    pub events: Vec<usize>,
}

pub struct Matched {
    pub key: JoinKey,
    pub events: Vec<usize>,
}

/// What the matcher did with one event for one positive stage and join key (for `explain`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// Position of the event in the ordered events.
    pub event: usize,
    /// Index of the positive stage (missing stages are not counted).
    pub stage: usize,
    pub key: JoinKey,
    pub what: StepKind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StepKind {
    /// The first stage: a new sequence.
    Started,
    /// A later stage extended the sequence that began at this position.
    Advanced { first: usize },
    /// The last stage completed the sequence that began at this position.
    Completed { first: usize },
    /// No sequence of this key waits at the previous stage with an event before this one.
    NoPredecessor,
    /// The sequence that began at `first` is more than `maxspan` before this event.
    Maxspan { first: usize },
    /// An `until` event of the same key at `until` lies between the sequence's last event and
    /// this one.
    Until { until: usize },
    /// This event completed the sequence that began at `first`, but the event at `missing`
    /// matches the missing-event query `query` (an index into all the sequence's queries) with
    /// the same key where it breaks the sequence, so the sequence is dropped.
    MissingEvent {
        first: usize,
        missing: usize,
        query: usize,
    },
}

/// Runs the positive stages over `events` (ordered) and returns completed sequences in
/// completion order. `keys_of(stage, event)` gives the event's join keys for a stage, or none
/// when it does not match the stage.
pub fn run(
    stages: &[Stage],
    maxspan: Option<i64>,
    events: &[Event],
    keys_of: &dyn Fn(usize, &Event) -> Vec<JoinKey>,
    until_keys: &dyn Fn(&Event) -> Vec<JoinKey>,
) -> Result<Vec<Matched>, Diagnostic> {
    run_observed(stages, maxspan, events, keys_of, until_keys, &mut |_| {})
}

/// [`run`], telling `observe` what became of every (event, stage, key) that matched a stage.
pub fn run_observed(
    stages: &[Stage],
    maxspan: Option<i64>,
    events: &[Event],
    keys_of: &dyn Fn(usize, &Event) -> Vec<JoinKey>,
    until_keys: &dyn Fn(&Event) -> Vec<JoinKey>,
    observe: &mut dyn FnMut(Step),
) -> Result<Vec<Matched>, Diagnostic> {
    let positive: Vec<usize> = (0..stages.len()).filter(|&i| !stages[i].missing).collect();
    // The parser refuses a sequence of missing events only; a hand-built one matches nothing.
    let Some(last) = positive.len().checked_sub(1) else {
        return Ok(Vec::new());
    };
    // groups[p][key]: sequences that have matched positive stages 0..=p.
    let mut groups: Vec<HashMap<JoinKey, Vec<Partial>>> = vec![HashMap::new(); positive.len()];
    let mut untils: HashMap<JoinKey, Vec<usize>> = HashMap::new();
    let mut in_flight = 0usize;
    let mut done = Vec::new();
    for (pos, event) in events.iter().enumerate() {
        for key in until_keys(event) {
            untils.entry(key).or_default().push(pos);
        }
        // Later stages first, so an event never extends a sequence it has just started.
        for p in (0..positive.len()).rev() {
            for key in keys_of(positive[p], event) {
                let mut step = |what: StepKind| {
                    observe(Step {
                        event: pos,
                        stage: p,
                        key: key.clone(),
                        what,
                    })
                };
                let partial = if p == 0 {
                    step(StepKind::Started);
                    Partial {
                        key: key.clone(),
                        events: vec![pos],
                    }
                } else {
                    let Some((mut seq, dropped)) = take_before(&mut groups[p - 1], &key, pos)
                    else {
                        step(StepKind::NoPredecessor);
                        continue;
                    };
                    in_flight -= 1 + dropped;
                    let first = seq.events[0];
                    if maxspan.is_some_and(|span| event.time - events[first].time > span) {
                        step(StepKind::Maxspan { first });
                        continue;
                    }
                    let prev = *seq.events.last().unwrap_or(&pos);
                    let blocked = untils
                        .get(&key)
                        .and_then(|u| u.iter().copied().find(|&x| x >= prev && x < pos));
                    if let Some(until) = blocked {
                        step(StepKind::Until { until });
                        continue;
                    }
                    step(if p == last {
                        StepKind::Completed { first }
                    } else {
                        StepKind::Advanced { first }
                    });
                    seq.events.push(pos);
                    seq
                };
                if p == last {
                    done.push(Matched {
                        key: partial.key,
                        events: partial.events,
                    });
                } else {
                    in_flight += 1;
                    if in_flight > MAX_IN_FLIGHT {
                        return Err(Diagnostic::error(
                            E_TOO_MANY,
                            format!("more than {MAX_IN_FLIGHT} sequences in flight at once"),
                        ));
                    }
                    groups[p].entry(key).or_default().push(partial);
                }
            }
        }
    }
    Ok(done)
}

impl StepKind {
    /// The same step with every event position mapped by `f`.
    pub fn map_positions(self, f: impl Fn(usize) -> usize) -> StepKind {
        match self {
            StepKind::Advanced { first } => StepKind::Advanced { first: f(first) },
            StepKind::Completed { first } => StepKind::Completed { first: f(first) },
            StepKind::Maxspan { first } => StepKind::Maxspan { first: f(first) },
            StepKind::Until { until } => StepKind::Until { until: f(until) },
            StepKind::MissingEvent {
                first,
                missing,
                query,
            } => StepKind::MissingEvent {
                first: f(first),
                missing: f(missing),
                query,
            },
            other => other,
        }
    }
}

/// Removes and returns the latest sequence whose last event is before `pos`, dropping all
/// earlier ones of the group (their count is returned too), as `OrdinalGroup.trimBefore` does.
fn take_before(
    group: &mut HashMap<JoinKey, Vec<Partial>>,
    key: &JoinKey,
    pos: usize,
) -> Option<(Partial, usize)> {
    let list = group.get_mut(key)?;
    let found = list
        .iter()
        .rposition(|s| s.events.last().is_some_and(|&l| l < pos))?;
    let seq = list.remove(found);
    list.drain(..found);
    if list.is_empty() {
        group.remove(key);
    }
    Some((seq, found))
}

/// The first event of a missing stage that occurs where it would break the sequence (between
/// the positive events around it; before the first positive event but within `maxspan` of the
/// last; after the last but within `maxspan` of the first), as (stage index, position), or none
/// when the sequence stands.
pub fn missing_breaker(
    stages: &[Stage],
    maxspan: i64,
    events: &[Event],
    matched: &Matched,
    keys_of: &dyn Fn(usize, &Event) -> Vec<JoinKey>,
) -> Option<(usize, usize)> {
    let positions = &matched.events;
    let (first, last) = (positions[0], positions[positions.len() - 1]);
    let mut seen_positive = 0usize;
    for (s, stage) in stages.iter().enumerate() {
        if !stage.missing {
            seen_positive += 1;
            continue;
        }
        let lower = seen_positive.checked_sub(1).map(|i| positions[i]);
        let upper = positions.get(seen_positive).copied();
        let occurs = events.iter().enumerate().position(|(pos, e)| {
            let in_range = match (lower, upper) {
                (Some(l), Some(u)) => pos > l && pos < u,
                (None, Some(u)) => pos < u && e.time >= events[last].time - maxspan,
                (Some(l), None) => pos > l && e.time <= events[first].time + maxspan,
                (None, None) => false,
            };
            in_range && keys_of(s, e).contains(&matched.key)
        });
        if let Some(pos) = occurs {
            return Some((s, pos));
        }
    }
    None
}

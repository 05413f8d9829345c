//! Late-ingest edges: what alerts (an event, or every event of a sequence) ingested late at the
//! first execution's look-back bound on `event.ingested`: on the bound (read, the bound is
//! inclusive) and one second before it (read by no execution).

use super::render::{EqlDraft, TimedRequest};
use super::request::{Request, Slot, Source};
use super::Plan;
use crate::eql::ast::EventFilter;
use crate::schedule::time::{format_duration, SECOND};
use crate::schedule::Timestamp;

impl Plan<'_> {
    /// The two late-ingest edges of `late` (label, offset from the first, request), ingested
    /// one interval late; none when the request that starts the first execution would change
    /// what the engine makes of them.
    pub(super) fn lookback_edges(
        &self,
        late: Vec<(String, i64, Request)>,
        filters: &[&EventFilter],
    ) -> Result<Vec<EqlDraft>, String> {
        if late.is_empty() {
            return Ok(Vec::new());
        }
        let first_run = self.first_run_off_neighbour_grids();
        let (anchor, anchor_label) = self.anchor_request(&late, filters);
        let lag = self.interval;
        let events = late.len();
        let place = |offset: i64, with_anchor: bool| -> Vec<TimedRequest> {
            let ingested = first_run.plus(-self.lookback + offset);
            let mut requests: Vec<TimedRequest> = late
                .iter()
                .map(|(label, at, request)| TimedRequest {
                    label: label.clone(),
                    at: ingested.plus(at - lag),
                    request: request.clone(),
                    ingest_lag: Some(lag),
                    history: true,
                })
                .collect();
            if with_anchor {
                requests.push(TimedRequest {
                    label: anchor_label.into(),
                    at: first_run,
                    request: anchor.clone(),
                    ingest_lag: None,
                    history: false,
                });
            }
            requests
        };
        // The anchor must neither alert nor join what came before it.
        let alone = self.verdict(&place(0, false))?;
        if alone.alerts == 0 || self.verdict(&place(0, true))? != with_zero(&alone, 1) {
            return Ok(Vec::new());
        }
        let lookback_text = format_duration(self.lookback);
        let what = late_subject(events);
        let mut drafts = Vec::new();
        for (slug, offset, how) in [
            (
                "schedule-late-ingest-lookback-inside",
                0,
                "exactly on the start of the first execution's window (inclusive)",
            ),
            (
                "schedule-late-ingest-lookback-outside",
                -SECOND,
                "one second before the start of the first execution's window",
            ),
        ] {
            let requests = place(offset, true);
            let read = offset == 0;
            let from = requests[0].at;
            drafts.push(EqlDraft {
                slug: slug.into(),
                title: late_title(events, read).into(),
                description: format!(
                    "The rule is enabled at {first_run} (the first request after it comes then; the late {} \
                     happened before). {what} from {from} is ingested {} late, \
                     {how}: the look-back is {lookback_text} and the rule filters on `event.ingested`. \
                     {} A look-back or interval one minute wider or narrower moves the bound (the first \
                     execution is the first multiple of the interval at or after the first request).",
                    if events == 1 { "event is history: it" } else { "events are history: they" },
                    format_duration(lag),
                    late_outcome(read, events),
                ),
                requests,
                alerts: if read { alone.alerts } else { 0 },
                per_actor: None,
            });
        }
        Ok(drafts)
    }

    /// The request that starts the first execution, and its label.
    fn anchor_request(
        &self,
        late: &[(String, i64, Request)],
        filters: &[&EventFilter],
    ) -> (Request, &'static str) {
        // The first execution starts with a request of the late requests' audit actor (a
        // default one when none is an audit request): a plain list of another resource.
        let mut anchor = late
            .iter()
            .map(|(_, _, r)| r)
            .find(|r| r.source == Source::Audit)
            .cloned()
            .unwrap_or_else(|| Request::default().completed());
        anchor.set(Slot::Verb, Some("list".into()));
        anchor.set(Slot::Resource, Some("edge-anchors".into()));
        // A plain list, as an API server logs one: no subresource and the URI built from the
        // object reference (a `list` carrying the rule's `exec` subresource is no real request,
        // and it killed the exec rule's verb mutant unfaithfully).
        anchor.set(Slot::Subresource, None);
        anchor.set(Slot::RequestUri, None);
        let label = if filters.iter().any(|f| self.oracle.matches(f, &anchor)) {
            "first request after the rule is enabled (joins no sequence)"
        } else {
            "first request after the rule is enabled (matches no query)"
        };
        (anchor, label)
    }

    /// The first execution: a multiple of the interval after `E` that is no multiple of the
    /// interval one minute shorter or longer, so the interval mutants move it.
    fn first_run_off_neighbour_grids(&self) -> Timestamp {
        let minute = 60 * SECOND;
        let mut t = self.execution;
        for _ in 0..100 {
            let off = |step: i64| step <= 0 || t.millis().rem_euclid(step) != 0;
            if off(self.interval - minute) && off(self.interval + minute) {
                break;
            }
            t = t.plus(self.interval);
        }
        t
    }
}

/// A verdict with `extra` silent requests appended.
fn with_zero(verdict: &super::Verdict, extra: usize) -> super::Verdict {
    let mut out = verdict.clone();
    out.per_request.extend(std::iter::repeat_n(0, extra));
    out
}

/// A late-ingest edge's title: one event or a sequence, read at the bound or not.
fn late_title(events: usize, read: bool) -> &'static str {
    match (events, read) {
        (1, true) => "an alerting event ingested late, at the look-back bound",
        (1, false) => "an alerting event ingested late, just before it",
        (_, true) => "an alerting sequence ingested late, at the look-back bound",
        (_, false) => "an alerting sequence ingested late, just before it",
    }
}

/// What the executions make of a late-ingest edge's events.
fn late_outcome(read: bool, events: usize) -> &'static str {
    match (read, events) {
        (true, _) => "The first execution reads it and alerts.",
        (false, 1) => "No execution reads it.",
        (false, _) => "No execution reads the first event, so no sequence completes.",
    }
}

/// What is ingested late, as a description's subject.
fn late_subject(events: usize) -> String {
    if events == 1 {
        "An alert-worthy event".to_string()
    } else {
        format!("An alert-worthy sequence of {events} events, the first")
    }
}

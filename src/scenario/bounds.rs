//! What a validated scenario would ask of the generator, counted before anything is generated:
//! the number of requests (capped by `--max-requests`) and the latest instant any record can
//! carry (it must fit the nanosecond timestamps the generator computes with).

use std::ops::Range;

use super::check::Ctx;
use super::Step;
use crate::audit::time::{format_micros, Nanos};

/// The most requests a step can make: `requests × repeat`, or for `for`, the duration over the
/// shortest gap jitter allows (`spacing × (1 − jitter)`), plus one, times `repeat`.
pub(super) fn step_requests(step: &Step) -> f64 {
    let per_repetition = match (step.requests, step.duration) {
        (Some(n), _) => n as f64,
        (None, Some(duration)) => {
            let shortest = (step.spacing as f64 * (1.0 - step.jitter)).max(1.0);
            (duration as f64 / shortest).floor() + 1.0
        }
        (None, None) => 0.0,
    };
    per_repetition * step.repeat as f64
}

/// The latest `event.ingested` a step can produce, in exact integer arithmetic.
fn step_end(start: Nanos, step: &Step) -> i128 {
    let longest_gap = (step.spacing as f64 * (1.0 + step.jitter)).ceil() as i128;
    let first = i128::from(start)
        + i128::from(step.at)
        + i128::from(step.every) * i128::from(step.repeat.saturating_sub(1));
    let span = match (step.requests, step.duration) {
        (Some(n), _) => i128::from(n) * longest_gap,
        (None, Some(duration)) => i128::from(duration) + longest_gap,
        (None, None) => 0,
    };
    // Latency from receipt to completion is at most 40 ms.
    first + span + 40_000_000 + i128::from(step.read_delay.high) + i128::from(step.ingest_lag.high)
}

/// Refuses a scenario that would generate more than `max_requests` requests (`E010`, at the
/// largest step) or whose times leave the nanosecond range (`E609`, at the step that does).
pub(super) fn check(
    ctx: &mut Ctx,
    start: Nanos,
    steps: &[Step],
    spans: &[Range<usize>],
    max_requests: u64,
) {
    let total: f64 = steps.iter().map(step_requests).sum();
    if total > max_requests as f64 {
        let (largest, _) = steps
            .iter()
            .enumerate()
            .map(|(i, step)| (i, step_requests(step)))
            .fold(
                (0, -1.0),
                |best, next| if next.1 > best.1 { next } else { best },
            );
        let diagnostic = ctx.error(
            "E010",
            format!(
                "the scenario would generate up to {} requests, more than the limit of {max_requests}",
                display_count(total)
            ),
            spans[largest].clone(),
            "this step asks for the most",
        );
        diagnostic.help = Some(
            "lower `requests`, `for`, `repeat` or the rate, or raise the limit with --max-requests N"
                .into(),
        );
        return;
    }
    for (step, span) in steps.iter().zip(spans) {
        if step_end(start, step) > i128::from(i64::MAX) {
            ctx.error(
                "E609",
                format!(
                    "the step's times run past {}, the last instant a nanosecond timestamp holds",
                    format_micros(i64::MAX)
                ),
                span.clone(),
                "ends too late",
            )
            .help = Some("move `start` earlier or shorten the step".into());
            return;
        }
    }
}

/// A whole number for messages (`1e30` requests print in full, not in exponent form).
fn display_count(value: f64) -> String {
    if value < 1e18 {
        format!("{}", value as u64)
    } else {
        format!("{value:.0}")
    }
}

//! Which documents each execution reads: Kibana's time-range filter on `timestamp_override`
//! with the `@timestamp` fallback, and the plan of executions over a document set.

use serde::Serialize;

use super::time::Timestamp;
use super::ScheduleSpec;
use crate::diagnostic::Diagnostic;

/// The time range one execution queries, both bounds inclusive (`gte`/`lte` in Kibana's filter).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Window {
    pub from: Timestamp,
    pub to: Timestamp,
}

impl Window {
    pub fn contains(self, instant: Timestamp) -> bool {
        self.from <= instant && instant <= self.to
    }

    pub fn overlaps(self, other: Window) -> bool {
        self.from <= other.to && other.from <= self.to
    }
}

/// The two timestamps Kibana's range filter looks at, for one document. A field holding several
/// dates is in range when any of them is, as for any multivalued field in a `range` query.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DocumentTime {
    /// Values of the primary field (`timestamp_override`, or `@timestamp` when there is none).
    pub primary: Vec<Timestamp>,
    /// Values of `@timestamp`, consulted only when the primary field is missing and the fallback
    /// applies (an override other than `@timestamp`, fallback not disabled).
    pub fallback: Vec<Timestamp>,
}

impl DocumentTime {
    /// The instants the range filter compares for this document: the primary field's values,
    /// or, only when the document lacks the primary field, the fallback's.
    pub fn effective(&self) -> &[Timestamp] {
        if self.primary.is_empty() {
            &self.fallback
        } else {
            &self.primary
        }
    }

    /// Kibana's filter: `range(primary ∈ window)` or (`range(@timestamp ∈ window)` and not
    /// `exists(primary)`).
    pub fn in_window(&self, window: Window) -> bool {
        self.effective()
            .iter()
            .any(|&instant| window.contains(instant))
    }
}

/// Reads the range-filter timestamps of every document. `documents[i]` is an Elasticsearch
/// `_source`; fields resolve through nested objects and dotted keys alike.
pub fn document_times(
    documents: &[serde_json::Value],
    spec: &ScheduleSpec,
) -> Result<Vec<DocumentTime>, Diagnostic> {
    let primary_field = spec.primary_timestamp_field();
    let fallback_field = spec.fallback_timestamp_field();
    documents
        .iter()
        .enumerate()
        .map(|(index, document)| {
            let primary = dates(document, primary_field, index)?;
            let fallback = match fallback_field {
                Some(field) if primary.is_empty() => dates(document, field, index)?,
                _ => Vec::new(),
            };
            Ok(DocumentTime { primary, fallback })
        })
        .collect()
}

fn dates(
    document: &serde_json::Value,
    field: &str,
    index: usize,
) -> Result<Vec<Timestamp>, Diagnostic> {
    let mut values = Vec::new();
    collect_field(document, field, &mut values);
    let mut dates = Vec::with_capacity(values.len());
    for value in values {
        match Timestamp::from_json(value) {
            Some(date) => dates.push(date),
            None => {
                return Err(Diagnostic::error(
                    "E701",
                    format!("document {}: `{field}` is not a date: {value}", index + 1),
                )
                .with_help(
                    "dates are RFC 3339 strings (2026-05-15T10:00:00Z) or epoch milliseconds",
                ))
            }
        }
    }
    Ok(dates)
}

/// Collects the non-null values of a field path, resolving `a.b.c` through any mixture of
/// nested objects and dotted keys (`{"a":{"b.c":1}}`), flattening arrays.
pub fn collect_field<'a>(
    value: &'a serde_json::Value,
    path: &str,
    out: &mut Vec<&'a serde_json::Value>,
) {
    match value {
        serde_json::Value::Array(items) => {
            for item in items {
                collect_field(item, path, out);
            }
        }
        serde_json::Value::Object(object) if !path.is_empty() => {
            for (key, child) in object {
                if key == path {
                    collect_field(child, "", out);
                } else if let Some(rest) = path
                    .strip_prefix(key.as_str())
                    .and_then(|rest| rest.strip_prefix('.'))
                {
                    collect_field(child, rest, out);
                }
            }
        }
        serde_json::Value::Null => {}
        leaf if path.is_empty() => out.push(leaf),
        _ => {}
    }
}

/// One planned execution: when it runs, what it covers and which documents it reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlannedExecution {
    /// The task's `startedAt`, which is also `NOW()` inside the query.
    pub time: Timestamp,
    pub window: Window,
    /// Indices into the document slice, ascending.
    pub documents: Vec<usize>,
}

/// The executions a replay performs: at `first_run + k·interval` for `k = 0, 1, …` while the
/// window's start is not after the newest document. Without `first_run`, the oldest document's
/// time rounded up to a whole multiple of the interval since the epoch (a task scheduled every
/// 5 minutes fires at :00, :05, … in this model; the oldest document is then inside the first
/// window as long as the look-back is at least one interval).
pub fn plan(
    spec: &ScheduleSpec,
    times: &[DocumentTime],
    first_run: Option<Timestamp>,
) -> Vec<PlannedExecution> {
    // Every (instant, document) pair, sorted, so each window is a binary-searched slice.
    let mut instants: Vec<(Timestamp, usize)> = times
        .iter()
        .enumerate()
        .flat_map(|(index, time)| {
            time.effective()
                .iter()
                .map(move |&instant| (instant, index))
        })
        .collect();
    instants.sort_unstable();
    let (Some(&(oldest, _)), Some(&(newest, _))) = (instants.first(), instants.last()) else {
        return Vec::new();
    };
    let first = first_run.unwrap_or_else(|| oldest.round_up(spec.interval));
    let mut executions = Vec::new();
    for k in 0.. {
        let time = first.plus(k * spec.interval);
        let window = spec.window_at(time);
        if window.from > newest {
            break;
        }
        let start = instants.partition_point(|&(instant, _)| instant < window.from);
        let end = instants.partition_point(|&(instant, _)| instant <= window.to);
        let mut documents: Vec<usize> = instants[start..end]
            .iter()
            .map(|&(_, index)| index)
            .collect();
        documents.sort_unstable();
        documents.dedup();
        executions.push(PlannedExecution {
            time,
            window,
            documents,
        });
    }
    executions
}

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
///
/// The executions and the documents they read are counted before any is planned: above
/// `--max-executions` (`E011`) or `--max-reads` (`E012`) the replay is refused, and an execution
/// time or window that milliseconds since the epoch cannot hold is an error (`E705`), never a
/// wrapped or saturated instant.
pub fn plan(
    spec: &ScheduleSpec,
    times: &[DocumentTime],
    first_run: Option<Timestamp>,
) -> Result<Vec<PlannedExecution>, Diagnostic> {
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
        return Ok(Vec::new());
    };
    let first = match first_run {
        Some(first) => first,
        None => oldest
            .round_up(spec.interval)
            .ok_or_else(|| out_of_range(oldest))?,
    };
    let count = execution_count(spec, first, newest)?;
    let executions = (0..count).map(|k| {
        // `execution_count` checked the last execution's instants; earlier ones lie between.
        let time = Timestamp(first.0 + k * spec.interval);
        (time, spec.window_at(time))
    });
    let slice = |window: Window| {
        let start = instants.partition_point(|&(instant, _)| instant < window.from);
        let end = instants.partition_point(|&(instant, _)| instant <= window.to);
        start..end
    };
    let reads: u64 = executions.clone().map(|(_, w)| slice(w).len() as u64).sum();
    let max_reads = crate::limits::get().max_reads;
    if reads > max_reads {
        return Err(Diagnostic::error(
            "E012",
            format!(
                "the replay's {count} executions would read {reads} documents in all (look-back {}), more than the limit of {max_reads}",
                super::time::format_duration(spec.to - spec.from)
            ),
        )
        .with_help("raise the limit with --max-reads N, or replay fewer documents"));
    }
    Ok(executions
        .map(|(time, window)| {
            let mut documents: Vec<usize> = instants[slice(window)]
                .iter()
                .map(|&(_, index)| index)
                .collect();
            documents.sort_unstable();
            documents.dedup();
            PlannedExecution {
                time,
                window,
                documents,
            }
        })
        .collect())
}

/// How many executions run from `first` until a window starts after `newest`, computed
/// exactly: refused above `--max-executions`, or when the last one's window leaves the range
/// of milliseconds since the epoch.
fn execution_count(
    spec: &ScheduleSpec,
    first: Timestamp,
    newest: Timestamp,
) -> Result<i64, Diagnostic> {
    let interval = i128::from(spec.interval);
    let first_from = i128::from(first.0) + i128::from(spec.from);
    let span = i128::from(newest.0) - first_from;
    let count = if span < 0 { 0 } else { span / interval + 1 };
    let max = crate::limits::get().max_executions;
    if count > i128::from(max) {
        return Err(Diagnostic::error(
            "E011",
            format!(
                "replaying every {} from {first} to the newest document at {newest} takes {count} executions, more than the limit of {max}",
                super::time::format_duration(spec.interval),
            ),
        )
        .with_help(
            "raise the limit with --max-executions N, or pass --first-run closer to the data",
        ));
    }
    if count > 0 {
        let last = i128::from(first.0) + (count - 1) * interval;
        for instant in [
            last,
            last + i128::from(spec.from),
            last + i128::from(spec.to),
        ] {
            if i64::try_from(instant).is_err() {
                return Err(out_of_range(first));
            }
        }
    }
    Ok(count as i64)
}

fn out_of_range(near: Timestamp) -> Diagnostic {
    Diagnostic::error(
        "E705",
        format!("the executions near {near} fall outside the range of dates (milliseconds since 1970 in a signed 64-bit number)"),
    )
    .with_help("documents and --first-run must be dated so that every window fits that range")
}

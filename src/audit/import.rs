//! Reading real audit logs: JSON lines as `--audit-log-path` writes them, gzip-rotated files,
//! `EventList` documents (one line or pretty-printed), and Azure AKS diagnostic envelopes (left
//! whole: `ecs::ingest_pipeline` unwraps them as Elastic's pipeline does).
//!
//! Reading streams line by line. A JSON document spread over several lines (a pretty-printed
//! `EventList`) is collected until it parses. A bad line is reported with its file and line.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use serde_json::Value;

use super::time;
use crate::diagnostic::Diagnostic;

/// One event read from a log, with where it came from.
#[derive(Debug)]
pub struct Imported {
    /// 1-based line where the event's JSON document starts.
    pub line: usize,
    pub raw: Value,
    /// The document's text as read (`None` for the items of an `EventList`, which have no line
    /// of their own).
    pub original: Option<String>,
}

/// Counts for the final summary.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ImportSummary {
    pub events: u64,
    pub skipped: u64,
}

/// Opens a log, decompressing gzip (by its magic bytes, whatever the file is called).
pub fn open(path: &Path) -> Result<Box<dyn BufRead>, Box<Diagnostic>> {
    crate::input::open(path).map_err(|error| {
        Box::new(Diagnostic::error("E500", format!("cannot read audit log: {error}")).at_path(path))
    })
}

/// Reads every event of `reader`, calling `sink` for each. Bad documents become diagnostics:
/// with `skip_invalid` they are collected in `warnings` and counted, otherwise the first one
/// stops the import. `sink` errors (output I/O) stop it too.
pub fn read_events(
    name: &str,
    reader: impl Read,
    skip_invalid: bool,
    warnings: &mut Vec<Diagnostic>,
    sink: &mut dyn FnMut(Imported) -> Result<(), Box<Diagnostic>>,
) -> Result<ImportSummary, Box<Diagnostic>> {
    let mut summary = ImportSummary::default();
    let mut reader = BufReader::new(reader);
    let mut pending = String::new();
    let mut pending_start = 0;
    let mut line_number = 0;
    let mut line = String::new();
    loop {
        line.clear();
        let read = reader.read_line(&mut line).map_err(|error| {
            Box::new(
                Diagnostic::error("E500", format!("cannot read audit log: {error}"))
                    .at_path(format!("{name}:{}", line_number + 1)),
            )
        })?;
        if read == 0 {
            break;
        }
        line_number += 1;
        if pending.is_empty() {
            if line.trim().is_empty() {
                continue;
            }
            pending_start = line_number;
        }
        pending.push_str(&line);
        let events = match serde_json::from_str::<Value>(&pending) {
            Ok(value) => events_of(value).and_then(|(list, from_event_list)| {
                list.iter().try_for_each(times_in_range)?;
                Ok((list, from_event_list))
            }),
            // An open document: keep reading (a pretty-printed EventList spans many lines).
            Err(error) if error.is_eof() => continue,
            Err(error) => Err(format!("not JSON: {error}")),
        };
        let text = std::mem::take(&mut pending);
        match events {
            Ok((list, from_event_list)) => {
                let original =
                    (!from_event_list).then(|| text.trim_end_matches(['\n', '\r']).to_string());
                for raw in list {
                    summary.events += 1;
                    sink(Imported {
                        line: pending_start,
                        raw,
                        original: original.clone(),
                    })?;
                }
            }
            Err(message) => bad(
                name,
                pending_start,
                message,
                skip_invalid,
                warnings,
                &mut summary,
            )?,
        }
    }
    if !pending.trim().is_empty() {
        bad(
            name,
            pending_start,
            "the file ends inside a JSON document".into(),
            skip_invalid,
            warnings,
            &mut summary,
        )?;
    }
    Ok(summary)
}

fn bad(
    name: &str,
    line: usize,
    message: String,
    skip_invalid: bool,
    warnings: &mut Vec<Diagnostic>,
    summary: &mut ImportSummary,
) -> Result<(), Box<Diagnostic>> {
    let location = format!("{name}:{line}");
    if skip_invalid {
        summary.skipped += 1;
        warnings.push(
            Diagnostic::warning("W501", format!("skipped line {line}: {message}"))
                .at_path(location),
        );
        Ok(())
    } else {
        Err(Box::new(
            Diagnostic::error(
                "E501",
                format!("line {line} is not an audit event: {message}"),
            )
            .at_path(location)
            .with_help("pass --skip-invalid to skip such lines and count them"),
        ))
    }
}

/// Refuses an event whose times are RFC 3339 but outside what nanoseconds since the epoch hold
/// (the ECS mapping computes with them): the import stops there (`E501`) rather than wrap.
fn times_in_range(event: &Value) -> Result<(), String> {
    for field in [
        "requestReceivedTimestamp",
        "stageTimestamp",
        "timestamp",
        "time",
    ] {
        if let Some(text) = event.get(field).and_then(Value::as_str) {
            if time::parse_rfc3339_checked(text) == Err(time::TimeError::OutOfRange) {
                return Err(format!(
                    "`{field}` `{text}` is outside the range of nanosecond timestamps, {}",
                    time::NANOS_RANGE
                ));
            }
        }
    }
    Ok(())
}

/// The events a JSON document holds: itself, or the items of an `EventList` (then `true`).
fn events_of(value: Value) -> Result<(Vec<Value>, bool), String> {
    let Value::Object(object) = value else {
        return Err("a JSON value that is not an object".into());
    };
    if object.get("kind").and_then(Value::as_str) == Some("EventList") {
        return match object.get("items") {
            Some(Value::Array(items)) => {
                if let Some(bad) = items.iter().position(|i| !looks_like_event(i)) {
                    return Err(format!("EventList item {bad} is not an audit event"));
                }
                Ok((items.clone(), true))
            }
            None => Ok((Vec::new(), true)),
            Some(_) => Err("EventList `items` is not an array".into()),
        };
    }
    let value = Value::Object(object);
    if looks_like_event(&value) {
        Ok((vec![value], false))
    } else {
        Err("an object with none of `auditID`, `verb`, `stage` (native), `protoPayload` (GKE) or `properties.log` (AKS)".into())
    }
}

/// Whether a line is a raw audit event (native, an EventList, GKE, AKS) rather than an ECS
/// document: what `replay` and `explain` without `--raw` would otherwise take as a document
/// without `@timestamp` and silently never run over.
pub fn is_raw_audit_line(line: &[u8]) -> bool {
    serde_json::from_slice::<Value>(line)
        .ok()
        .is_some_and(|value| events_of(value).is_ok())
}

/// Whether the first non-blank line of what `reader` has buffered is a raw audit event; reads
/// nothing past the buffer and consumes nothing.
pub fn starts_with_raw_audit(reader: &mut dyn std::io::BufRead) -> bool {
    let Ok(buffer) = reader.fill_buf() else {
        return false;
    };
    buffer
        .split(|&b| b == b'\n')
        .find(|line| !line.trim_ascii().is_empty())
        .is_some_and(is_raw_audit_line)
}

/// Native events, GKE Cloud Logging entries and AKS envelopes; anything else is a bad line.
fn looks_like_event(value: &Value) -> bool {
    let has = |key: &str| value.get(key).is_some();
    has("auditID")
        || has("verb")
        || has("stage")
        || has("protoPayload")
        || value.get("properties").and_then(|p| p.get("log")).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(
        text: &str,
        skip: bool,
    ) -> (
        Result<ImportSummary, Box<Diagnostic>>,
        Vec<usize>,
        Vec<Diagnostic>,
    ) {
        let mut lines = Vec::new();
        let mut warnings = Vec::new();
        let result = read_events("t.log", text.as_bytes(), skip, &mut warnings, &mut |e| {
            lines.push(e.line);
            Ok(())
        });
        (result, lines, warnings)
    }

    #[test]
    fn reads_lines_event_lists_and_pretty_documents() {
        let text = "{\"auditID\":\"a\"}\n\n{\"kind\":\"EventList\",\"items\":[{\"auditID\":\"b\"},{\"auditID\":\"c\"}]}\n{\n  \"auditID\": \"d\"\n}\n";
        let (result, lines, _) = read(text, false);
        assert_eq!(
            result.unwrap(),
            ImportSummary {
                events: 4,
                skipped: 0
            }
        );
        assert_eq!(lines, vec![1, 3, 3, 4]);
    }

    #[test]
    fn bad_lines_name_their_line_or_are_skipped_and_counted() {
        let text = "{\"auditID\":\"a\"}\nnot json\n{\"x\":1}\n{\"auditID\":\"b\"}\n";
        let (result, _, _) = read(text, false);
        assert_eq!(result.unwrap_err().location().unwrap(), "t.log:2");
        let (result, lines, warnings) = read(text, true);
        assert_eq!(
            result.unwrap(),
            ImportSummary {
                events: 2,
                skipped: 2
            }
        );
        assert_eq!(lines, vec![1, 4]);
        assert_eq!(warnings.len(), 2);
    }
}

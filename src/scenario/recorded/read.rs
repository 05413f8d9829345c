//! Reading a recorded file: its format from the content, then ECS NDJSON, a `_bulk` body or raw
//! audit events mapped to ECS, each document with its line, up to `MAX_RECORDED_DOCUMENTS`.

use std::io::BufRead;
use std::path::Path;

use serde_json::Value;

use super::{RecordedFormat, MAX_RECORDED_DOCUMENTS};
use crate::audit::import;
use crate::audit::{raw_to_ecs, EcsOptions, TimestampFrom};
use crate::diagnostic::Diagnostic;

/// Reads a file's documents with their 1-based lines.
pub(super) fn read_file(
    path: &Path,
    format: Option<RecordedFormat>,
) -> Result<Vec<(usize, Value)>, Box<Diagnostic>> {
    let name = path.display().to_string();
    let mut reader = crate::input::open(path).map_err(|error| {
        Box::new(
            Diagnostic::error("E641", format!("cannot read recorded data: {error}")).at_path(path),
        )
    })?;
    let format = match format {
        Some(format) => format,
        None => detect(&mut reader),
    };
    match format {
        RecordedFormat::Audit => read_audit(&name, reader),
        RecordedFormat::Ecs | RecordedFormat::Bulk => {
            read_json_lines(&name, reader, format == RecordedFormat::Bulk)
        }
    }
}

/// The format of a recorded file, from its content (what a table without `format` uses).
pub fn detect_format(path: &Path) -> Result<RecordedFormat, Box<Diagnostic>> {
    let mut reader = crate::input::open(path).map_err(|error| {
        Box::new(
            Diagnostic::error("E641", format!("cannot read recorded data: {error}")).at_path(path),
        )
    })?;
    Ok(detect(&mut reader))
}

/// The format from the first line: a `_bulk` action, a raw audit event (or envelope, or a
/// document spread over lines), else ECS.
fn detect(reader: &mut Box<dyn BufRead>) -> RecordedFormat {
    let Ok(buffer) = reader.fill_buf() else {
        return RecordedFormat::Ecs;
    };
    let buffer = buffer.strip_prefix("\u{feff}".as_bytes()).unwrap_or(buffer);
    let Some(first) = buffer
        .split(|&b| b == b'\n')
        .find(|line| !line.trim_ascii().is_empty())
    else {
        return RecordedFormat::Ecs;
    };
    match serde_json::from_slice::<Value>(first) {
        Ok(Value::Object(object)) if is_bulk_action(&object) => RecordedFormat::Bulk,
        Ok(value @ Value::Object(_)) if value.get("@timestamp").is_some() => RecordedFormat::Ecs,
        // A raw event, an envelope, a CRI-prefixed line or a pretty-printed document.
        _ => RecordedFormat::Audit,
    }
}

fn is_bulk_action(object: &serde_json::Map<String, Value>) -> bool {
    object.len() == 1
        && object.iter().all(|(action, meta)| {
            ["index", "create", "update", "delete"].contains(&action.as_str()) && meta.is_object()
        })
}

fn read_audit(
    name: &str,
    reader: Box<dyn BufRead>,
) -> Result<Vec<(usize, Value)>, Box<Diagnostic>> {
    let mut documents = Vec::new();
    let mut warnings = Vec::new();
    import::read_events(name, reader, false, &mut warnings, &mut |event| {
        let options = EcsOptions {
            timestamp: event.timestamp_from(TimestampFrom::Stage),
            ..EcsOptions::default()
        };
        documents.push((event.line, raw_to_ecs(&event.raw, &options)));
        if documents.len() > MAX_RECORDED_DOCUMENTS {
            return Err(too_many(name));
        }
        Ok(())
    })?;
    Ok(documents)
}

fn too_many(name: &str) -> Box<Diagnostic> {
    Box::new(
        Diagnostic::error(
            "E645",
            format!("more than {MAX_RECORDED_DOCUMENTS} recorded documents"),
        )
        .at_path(name),
    )
}

/// ECS NDJSON, or a `_bulk` body (`index`/`create` actions; `update` and `delete` refused).
fn read_json_lines(
    name: &str,
    reader: Box<dyn BufRead>,
    bulk: bool,
) -> Result<Vec<(usize, Value)>, Box<Diagnostic>> {
    let bad = |line: usize, message: String| {
        Box::new(
            Diagnostic::error("E642", format!("line {line}: {message}"))
                .at_path(format!("{name}:{line}")),
        )
    };
    let mut documents = Vec::new();
    let mut expect_source = false;
    for (index, line) in reader.lines().enumerate() {
        let number = index + 1;
        let line = line.map_err(|error| bad(number, format!("cannot read: {error}")))?;
        let text = if number == 1 {
            line.trim_start_matches('\u{feff}')
        } else {
            &line
        };
        if text.trim().is_empty() {
            continue;
        }
        let value: Value = serde_json::from_str(text)
            .map_err(|error| bad(number, format!("not JSON: {error}")))?;
        if !value.is_object() {
            return Err(bad(number, "a JSON value that is not an object".into()));
        }
        if bulk && !expect_source {
            let object = value.as_object().expect("checked");
            if !is_bulk_action(object) {
                return Err(bad(
                    number,
                    "expected a `_bulk` action line (`{\"index\":{…}}` or `{\"create\":{…}}`)"
                        .into(),
                ));
            }
            if object.contains_key("update") || object.contains_key("delete") {
                return Err(bad(number, "a `_bulk` `update` or `delete` action: only `index` and `create` add documents".into()));
            }
            expect_source = true;
            continue;
        }
        expect_source = false;
        documents.push((number, value));
        if documents.len() > MAX_RECORDED_DOCUMENTS {
            return Err(too_many(name));
        }
    }
    if expect_source {
        return Err(Box::new(
            Diagnostic::error(
                "E642",
                "the `_bulk` body ends after an action line, without its document",
            )
            .at_path(name),
        ));
    }
    Ok(documents)
}

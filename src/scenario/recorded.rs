//! Recorded data in scenarios: `[[recorded]]` tables that take documents from files (ECS NDJSON,
//! raw audit logs of any shape `audit::import` reads, or an Elasticsearch `_bulk` body; gzip
//! found by content), pick them with a field filter, shift their times, and merge them by
//! `@timestamp` with the generated stream.
//!
//! ```toml
//! [[recorded]]
//! file = "data/incident.ndjson.gz"       # relative to the scenario file
//! format = "audit"                       # "ecs", "audit" or "bulk"; found from the content when absent
//! at = "+5m"                             # the first document lands at start + 5m (or an RFC 3339 time)
//! where = { "event.action" = "get", "kubernetes.audit.objectRef.resource" = ["secrets"] }
//! ```
//!
//! Codes `E640`–`E646` (see `docs/scenarios.md`, "Recorded data").

use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;
use serde_json::Value;
use toml::Spanned;

use super::check::Ctx;
use crate::audit::import;
use crate::audit::time::{self, Nanos, NANOS_PER_SECOND};
use crate::audit::{raw_to_ecs, EcsOptions, TimestampFrom};
use crate::diagnostic::Diagnostic;

/// Documents all `[[recorded]]` tables of one scenario may hold together.
pub const MAX_RECORDED_DOCUMENTS: usize = 1_000_000;

/// One `[[recorded]]` table as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RecordedFields {
    file: Spanned<String>,
    format: Option<Spanned<String>>,
    at: Option<Spanned<String>>,
    #[serde(rename = "where")]
    filter: Option<Spanned<BTreeMap<String, toml::Value>>>,
}

/// The file formats a `[[recorded]]` table reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordedFormat {
    /// One ECS document a line, as `rulegate gen` or `ingest` write them.
    Ecs,
    /// Raw Kubernetes audit events in any shape `audit::import` reads, mapped as `ingest` does.
    Audit,
    /// An Elasticsearch `_bulk` body: `index`/`create` action lines, each followed by its document.
    Bulk,
}

impl RecordedFormat {
    pub const NAMES: [&'static str; 3] = ["ecs", "audit", "bulk"];
}

/// The recorded documents of a scenario, sorted by `@timestamp` (ties in file order), with the
/// instant each stands at.
#[derive(Clone, Debug, Default)]
pub struct Recorded {
    /// The files, resolved against the scenario's folder, in table order.
    pub files: Vec<PathBuf>,
    pub documents: Arc<Vec<(Nanos, Value)>>,
}

impl Recorded {
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

/// Reads every `[[recorded]]` table; problems become diagnostics at the table's span.
pub(super) fn build(
    ctx: &mut Ctx,
    scenario_path: &Path,
    start: Nanos,
    tables: &[Spanned<RecordedFields>],
) -> Recorded {
    let directory = scenario_path.parent().unwrap_or(Path::new(""));
    let mut recorded = Recorded::default();
    let mut documents = Vec::new();
    for (index, table) in tables.iter().enumerate() {
        let fields = table.get_ref();
        let path = directory.join(fields.file.get_ref());
        recorded.files.push(path.clone());
        match read_table(ctx, &path, start, fields) {
            Ok(mut docs) => {
                let step = format!("recorded-{}", index + 1);
                docs.iter_mut().for_each(|(_, doc)| label(doc, &step));
                documents.append(&mut docs)
            }
            Err(diagnostic) => ctx.diagnostics.push(*diagnostic),
        }
        if documents.len() > MAX_RECORDED_DOCUMENTS {
            ctx.error(
                "E645",
                format!(
                    "the recorded files hold more than {MAX_RECORDED_DOCUMENTS} documents together"
                ),
                table.span(),
                "too many documents",
            )
            .help = Some("pick fewer with `where`, or split the scenario".into());
            break;
        }
    }
    // Stable: documents at the same instant keep their order in the files.
    documents.sort_by_key(|(at, _)| *at);
    recorded.documents = Arc::new(documents);
    recorded
}

/// The generator's labels (`labels.rulegate_actor` = `recorded`, `labels.rulegate_step` =
/// `recorded-<n>`), unless the document has them (an ECS file `rulegate gen` wrote). ES|QL never
/// sees them (the integration's mapping is not dynamic); `explain` and the runner's per-actor
/// facts do.
fn label(doc: &mut Value, step: &str) {
    let Value::Object(object) = doc else {
        return;
    };
    let labels = object
        .entry("labels")
        .or_insert_with(|| Value::Object(serde_json::Map::new()));
    if let Value::Object(labels) = labels {
        labels
            .entry("rulegate_actor")
            .or_insert_with(|| Value::from("recorded"));
        labels
            .entry("rulegate_step")
            .or_insert_with(|| Value::from(step));
    }
}

/// One table: read the file, filter, shift.
fn read_table(
    ctx: &mut Ctx,
    path: &Path,
    start: Nanos,
    fields: &RecordedFields,
) -> Result<Vec<(Nanos, Value)>, Box<Diagnostic>> {
    let format = match &fields.format {
        None => None,
        Some(name) => match name.get_ref().as_str() {
            "ecs" => Some(RecordedFormat::Ecs),
            "audit" => Some(RecordedFormat::Audit),
            "bulk" => Some(RecordedFormat::Bulk),
            other => {
                let diagnostic = ctx.error(
                    "E608",
                    format!("unknown recorded format `{other}`"),
                    name.span(),
                    "",
                );
                diagnostic.help = Some(format!("formats: {}", RecordedFormat::NAMES.join(", ")));
                return Ok(Vec::new());
            }
        },
    };
    let filter = match &fields.filter {
        Some(filter) => match Filter::new(filter.get_ref()) {
            Ok(filter) => filter,
            Err(message) => {
                ctx.error("E640", message, filter.span(), "in this filter");
                return Ok(Vec::new());
            }
        },
        None => Filter::default(),
    };
    let target = match &fields.at {
        Some(at) => match at_time(start, at.get_ref()) {
            Some(target) => Some(target),
            None => {
                ctx.error(
                    "E605",
                    format!(
                        "`{}` is neither an offset nor an RFC 3339 time",
                        at.get_ref()
                    ),
                    at.span(),
                    "expected e.g. `+5m` or `2026-05-01T10:00:00Z`",
                );
                return Ok(Vec::new());
            }
        },
        None => None,
    };
    let name = path.display().to_string();
    let documents = read_file(path, format)?;
    let mut kept = Vec::new();
    for (line, doc) in documents {
        if !filter.matches(&doc) {
            continue;
        }
        let Some(at) = document_time(&doc) else {
            return Err(Box::new(
                Diagnostic::error(
                    "E643",
                    format!("line {line}: the document has no `@timestamp` (RFC 3339 or epoch milliseconds)"),
                )
                .at_path(format!("{name}:{line}"))
                .with_help(
                    "a document without a time falls in no rule window: leave it out with \
                     `where`, or give it an `@timestamp`",
                ),
            ));
        };
        kept.push((at, doc));
    }
    if let (Some(target), Some(first)) = (target, kept.iter().map(|(at, _)| *at).min()) {
        shift_all(&mut kept, target, first, &name).map_err(|message| {
            Box::new(
                Diagnostic::error("E644", message).at_path(&name).with_help(
                    "times are nanoseconds: they must stay within 1677-09-21..2262-04-11",
                ),
            )
        })?;
    }
    Ok(kept)
}

/// `+5m` (from the scenario start) or an RFC 3339 time.
fn at_time(start: Nanos, text: &str) -> Option<Nanos> {
    if let Some(offset) = text.strip_prefix('+') {
        return super::parse_duration(offset).and_then(|d| start.checked_add(d));
    }
    if let Some(offset) = text.strip_prefix('-') {
        return super::parse_duration(offset).and_then(|d| start.checked_sub(d));
    }
    time::parse_rfc3339(text)
}

/// The instant of a document: its `@timestamp`, RFC 3339 or epoch milliseconds.
pub fn document_time(doc: &Value) -> Option<Nanos> {
    match doc.get("@timestamp")? {
        Value::String(text) => time::parse_rfc3339(text),
        Value::Number(n) => n.as_i64()?.checked_mul(NANOS_PER_SECOND / 1000),
        _ => None,
    }
}

fn shift_all(
    kept: &mut [(Nanos, Value)],
    target: Nanos,
    first: Nanos,
    name: &str,
) -> Result<(), String> {
    // Whole seconds: fields written in seconds (Fleet's `event.ingested`) then keep their
    // relation to `@timestamp`; the first document lands at `at` plus its own fraction.
    let delta = time::truncate_to_seconds(target)
        .checked_sub(time::truncate_to_seconds(first))
        .ok_or_else(|| format!("{name}: the shift to `at` is out of range"))?;
    for (at, doc) in kept.iter_mut() {
        *at = at
            .checked_add(delta)
            .ok_or_else(|| format!("{name}: a shifted time is out of range"))?;
        shift_value(doc, delta)?;
    }
    Ok(())
}

/// Shifts every time in a document by `delta`: each string that is a whole RFC 3339 time
/// (`@timestamp`, `event.ingested`, `kubernetes.audit.stageTimestamp`, …; written back in UTC with
/// as many fraction digits as it had) and a numeric `@timestamp` (epoch milliseconds). Text
/// that merely contains a time (`event.original`, messages) is left as it was.
pub fn shift_value(value: &mut Value, delta: Nanos) -> Result<(), String> {
    match value {
        Value::Object(object) => {
            for (key, child) in object.iter_mut() {
                if key == "@timestamp" {
                    if let Some(ms) = child.as_i64() {
                        let shifted = ms
                            .checked_add(delta / (NANOS_PER_SECOND / 1000))
                            .ok_or("a shifted `@timestamp` is out of range")?;
                        *child = Value::from(shifted);
                        continue;
                    }
                }
                shift_value(child, delta)?;
            }
        }
        Value::Array(items) => {
            for item in items {
                shift_value(item, delta)?;
            }
        }
        Value::String(text) => {
            if let Some(at) = time::parse_rfc3339(text) {
                let shifted = at
                    .checked_add(delta)
                    .ok_or_else(|| format!("`{text}` shifted is out of range"))?;
                *text = format_like(text, shifted);
            }
        }
        _ => {}
    }
    Ok(())
}

/// `at` in UTC with the number of fraction digits `original` has.
fn format_like(original: &str, at: Nanos) -> String {
    let digits = original
        .split_once('.')
        .map(|(_, rest)| rest.chars().take_while(char::is_ascii_digit).count())
        .unwrap_or(0)
        .min(9);
    let micros = time::format_micros(at);
    let whole = &micros[..19];
    if digits == 0 {
        return format!("{whole}Z");
    }
    let fraction = format!("{:09}", at.rem_euclid(NANOS_PER_SECOND));
    format!("{whole}.{}Z", &fraction[..digits])
}

/// `where = { field = value | [values] }`: every field must have one of its values.
#[derive(Debug, Default)]
struct Filter {
    fields: Vec<(String, Vec<Value>)>,
}

impl Filter {
    fn new(table: &BTreeMap<String, toml::Value>) -> Result<Filter, String> {
        let mut fields = Vec::new();
        let mut flat = Vec::new();
        for (key, value) in table {
            flatten(key.clone(), value, &mut flat);
        }
        for (field, wanted) in &flat {
            let values = match wanted {
                toml::Value::Array(items) => items.iter().map(scalar).collect(),
                other => scalar(other).map(|v| vec![v]),
            }
            .ok_or_else(|| {
                format!("`where` value of `{field}` must be a string, number, boolean or a list of them")
            })?;
            fields.push((field.clone(), values));
        }
        Ok(Filter { fields })
    }

    fn matches(&self, doc: &Value) -> bool {
        self.fields.iter().all(|(field, wanted)| {
            let mut found = Vec::new();
            crate::schedule::collect_field(doc, field, &mut found);
            found
                .iter()
                .any(|value| wanted.iter().any(|w| same(value, w)))
        })
    }
}

/// `{ event.action = "get" }` (a nested table in TOML) is the field `event.action`.
fn flatten(prefix: String, value: &toml::Value, out: &mut Vec<(String, toml::Value)>) {
    match value {
        toml::Value::Table(table) => {
            for (key, child) in table {
                flatten(format!("{prefix}.{key}"), child, out);
            }
        }
        other => out.push((prefix, other.clone())),
    }
}

fn scalar(value: &toml::Value) -> Option<Value> {
    match value {
        toml::Value::String(s) => Some(Value::from(s.clone())),
        toml::Value::Integer(i) => Some(Value::from(*i)),
        toml::Value::Float(f) => Some(Value::from(*f)),
        toml::Value::Boolean(b) => Some(Value::from(*b)),
        _ => None,
    }
}

/// Equal as JSON values, numbers by value (`200` matches `200.0`).
fn same(found: &Value, wanted: &Value) -> bool {
    match (found, wanted) {
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        _ => found == wanted,
    }
}

/// Reads a file's documents with their 1-based lines.
fn read_file(
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

/// Merges the generated documents (each with its `@timestamp`) with the recorded ones, by time;
/// at the same instant generated documents come first.
pub(super) fn merge<'a, T: 'a>(
    generated: impl Iterator<Item = (Nanos, T)> + 'a,
    recorded: &'a Recorded,
    from_recorded: impl Fn(&Value) -> T + 'a,
) -> impl Iterator<Item = T> + 'a {
    let mut generated = generated.peekable();
    let mut recorded = recorded.documents.iter().peekable();
    std::iter::from_fn(move || {
        let take_generated = match (generated.peek(), recorded.peek()) {
            (Some((g, _)), Some((r, _))) => g <= r,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => return None,
        };
        if take_generated {
            generated.next().map(|(_, doc)| doc)
        } else {
            recorded.next().map(|(_, doc)| from_recorded(doc))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn shifting_keeps_each_time_precision_and_leaves_other_text() {
        let mut doc = json!({"@timestamp":"2020-04-21T17:57:05.548Z",
            "event":{"ingested":"2020-04-21T17:57:06Z","original":"at 2020-04-21T17:57:05Z"},
            "kubernetes":{"audit":{"stageTimestamp":"2020-04-21T17:57:05.548299Z"}}});
        shift_value(&mut doc, 60 * NANOS_PER_SECOND + 1_000).unwrap();
        assert_eq!(doc["@timestamp"], "2020-04-21T17:58:05.548Z");
        assert_eq!(doc["event"]["ingested"], "2020-04-21T17:58:06Z");
        assert_eq!(doc["event"]["original"], "at 2020-04-21T17:57:05Z");
        assert_eq!(
            doc["kubernetes"]["audit"]["stageTimestamp"],
            "2020-04-21T17:58:05.548300Z"
        );
    }

    #[test]
    fn a_shift_past_the_nanosecond_range_is_an_error_not_a_wrapped_time() {
        let mut doc = json!({"@timestamp":"2262-04-01T00:00:00Z"});
        let year = 366 * 86_400 * NANOS_PER_SECOND;
        assert!(shift_value(&mut doc, year)
            .unwrap_err()
            .contains("out of range"));
        let mut millis = json!({"@timestamp": i64::MAX - 5});
        assert!(shift_value(&mut millis, NANOS_PER_SECOND).is_err());
    }

    #[test]
    fn a_filter_matches_dotted_and_nested_fields_and_lists() {
        let table: BTreeMap<String, toml::Value> = toml::from_str(
            "\"event.action\" = [\"get\", \"list\"]\n\"kubernetes.audit.responseStatus.code\" = 200\n",
        )
        .unwrap();
        let filter = Filter::new(&table).unwrap();
        let doc = |action: &str| json!({"event":{"action":action},"kubernetes.audit.responseStatus":{"code":200}});
        assert!(filter.matches(&doc("get")));
        assert!(filter.matches(&doc("list")));
        assert!(!filter.matches(&doc("create")));
        assert!(!filter.matches(&json!({"event":{"action":"get"}})));
    }

    #[test]
    fn merge_orders_by_time_with_generated_first_on_ties() {
        let recorded = Recorded {
            files: vec![PathBuf::from("r")],
            documents: Arc::new(vec![(1, json!("r1")), (2, json!("r2"))]),
        };
        let generated = vec![(0, json!("g0")), (2, json!("g2")), (3, json!("g3"))];
        let merged: Vec<Value> = merge(generated.into_iter(), &recorded, Value::clone).collect();
        assert_eq!(
            merged,
            vec![
                json!("g0"),
                json!("r1"),
                json!("g2"),
                json!("r2"),
                json!("g3")
            ]
        );
    }
}

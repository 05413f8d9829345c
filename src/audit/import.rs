//! Reading real audit logs: JSON lines as `--audit-log-path` writes them, gzip-rotated files,
//! pretty-printed documents, and every envelope of [`super::shapes`] (EventList, cloud input,
//! CloudWatch, AKS, GKE, JSON arrays). Lines may carry a container runtime's CRI prefix
//! (`2024-01-01T00:00:00.000000000Z stdout F {…}`, partial `P` lines joined) and the file a
//! UTF-8 byte-order mark; both are removed before the JSON is read.
//!
//! Reading streams line by line. A JSON document spread over several lines (a pretty-printed
//! `EventList`) is collected until it parses; several documents on one line (Firehose's
//! concatenated envelopes) are each read. A bad line is reported with its file and line.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use serde_json::Value;

use super::shapes::{self, Shape};
use super::time::{self, Nanos};
use crate::diagnostic::Diagnostic;

/// One event read from a log, with where it came from.
#[derive(Debug)]
pub struct Imported {
    /// 1-based line where the event's JSON document starts.
    pub line: usize,
    pub raw: Value,
    /// The event's text as read: its line, or the `message` it arrived in (`None` for the
    /// items of an `EventList` or an array, which have no text of their own).
    pub original: Option<String>,
    /// The time its envelope gives (a CloudWatch log event's `timestamp`), which the input
    /// makes `@timestamp`.
    pub timestamp: Option<Nanos>,
}

impl Imported {
    /// Where `@timestamp` comes from: the envelope's time when it has one, else `default`.
    pub fn timestamp_from(&self, default: super::TimestampFrom) -> super::TimestampFrom {
        self.timestamp.map_or(default, super::TimestampFrom::At)
    }
}

/// Counts for the final summary.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportSummary {
    pub events: u64,
    /// Invalid documents skipped with `--skip-invalid`.
    pub skipped: u64,
    /// Records that hold no audit event (another AKS category, a CloudWatch control message),
    /// by reason.
    pub records_skipped: BTreeMap<String, u64>,
    /// JSON documents by their outermost shape.
    pub shapes: BTreeMap<Shape, u64>,
    /// GKE Cloud Audit Log entries among the events.
    pub gke_entries: u64,
}

impl ImportSummary {
    pub fn add(&mut self, other: &ImportSummary) {
        self.events += other.events;
        self.skipped += other.skipped;
        for (reason, n) in &other.records_skipped {
            *self.records_skipped.entry(reason.clone()).or_default() += n;
        }
        for (shape, n) in &other.shapes {
            *self.shapes.entry(*shape).or_default() += n;
        }
        self.gke_entries += other.gke_entries;
    }

    /// Lines for standard error: what was skipped and why, and a note on GKE entries.
    pub fn notes(&self) -> Vec<String> {
        let mut notes: Vec<String> = self
            .records_skipped
            .iter()
            .map(|(reason, n)| format!("skipped {n} record(s) without an audit event: {reason}"))
            .collect();
        if self.gke_entries > 0 {
            let n = self.gke_entries;
            notes.push(format!(
                "{n} GKE Cloud Audit Log entries were mapped as the Kubernetes integration's \
                 gcp-pubsub input does (`logs-kubernetes.audit_logs-*`); Elastic's GKE rules read \
                 the GCP integration's `logs-gcp.audit-*` data stream: `--dataset gcp.audit` \
                 (`ingest`, `replay --raw`) maps them to it"
            ));
        }
        notes
    }
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
    read_stream(name, reader, skip_invalid, &mut |item| match item {
        Item::Event(event) => sink(event),
        Item::Warning(warning) => {
            warnings.push(warning);
            Ok(())
        }
    })
}

/// What [`read_stream`] hands on, in the order of the log (`E`: the event, or what a
/// consumer made of it).
pub enum Item<E = Imported> {
    Event(E),
    /// A skipped document's warning (with `skip_invalid`).
    Warning(Diagnostic),
}

/// As [`read_events`], with warnings handed to `sink` between the events, where they occur
/// (so that a parallel consumer keeps their order and stops at the same place).
pub fn read_stream(
    name: &str,
    reader: impl Read,
    skip_invalid: bool,
    sink: &mut dyn FnMut(Item) -> Result<(), Box<Diagnostic>>,
) -> Result<ImportSummary, Box<Diagnostic>> {
    let mut reader = BufReader::new(reader);
    let mut lines = LineReader::new(name, skip_invalid);
    let mut line = String::new();
    loop {
        line.clear();
        let read = reader
            .read_line(&mut line)
            .map_err(|error| lines.read_error(&error))?;
        if read == 0 {
            break;
        }
        lines.line(&line, sink)?;
    }
    lines.finish(sink)
}

/// The reading of one log, a line at a time: CRI prefixes, documents over several lines,
/// shapes, and the diagnostics with their lines. Lines come from [`read_stream`] or, in
/// `ingest`, from a reader of raw chunks that maps the plain lines itself (see
/// [`LineReader::is_clean`] and [`LineReader::plain_event`]).
pub struct LineReader<'n> {
    name: &'n str,
    skip_invalid: bool,
    summary: ImportSummary,
    /// The document being collected, and the line it started on.
    pending: String,
    pending_start: usize,
    line_number: usize,
    cri: CriJoiner,
}

impl<'n> LineReader<'n> {
    pub fn new(name: &'n str, skip_invalid: bool) -> LineReader<'n> {
        LineReader {
            name,
            skip_invalid,
            summary: ImportSummary::default(),
            pending: String::new(),
            pending_start: 0,
            line_number: 0,
            cri: CriJoiner::default(),
        }
    }

    /// The error for a read that failed on the next line (`E500`).
    pub fn read_error(&self, error: &std::io::Error) -> Box<Diagnostic> {
        Box::new(
            Diagnostic::error("E500", format!("cannot read audit log: {error}")).at_path(format!(
                "{}:{}",
                self.name,
                self.line_number + 1
            )),
        )
    }

    /// Whether no document and no CRI partial line is open: the next line, if it is one whole
    /// native event, is read as [`LineReader::plain_event`] counts it.
    pub fn is_clean(&self) -> bool {
        self.pending.is_empty() && self.cri.partial.is_empty()
    }

    /// Counts a line that was one native audit event or GKE entry (`shape`), read and mapped
    /// by the caller (only when [`LineReader::is_clean`]): what [`LineReader::line`] would
    /// have counted for it.
    pub fn plain_event(&mut self, shape: Shape) {
        self.line_number += 1;
        self.cri.first_line = None;
        self.summary.events += 1;
        if shape == Shape::GkeEntry {
            self.summary.gke_entries += 1;
        }
        *self.summary.shapes.entry(shape).or_default() += 1;
    }

    /// Counts a line that was one AKS `{"records":[…]}` batch, its `events` read and mapped by
    /// the caller and its records of other categories skipped for the reasons `skipped` (only
    /// when [`LineReader::is_clean`]): what [`LineReader::line`] would have counted for it.
    pub fn plain_batch(&mut self, events: u32, skipped: &[String]) {
        self.line_number += 1;
        self.cri.first_line = None;
        self.summary.events += u64::from(events);
        *self.summary.shapes.entry(Shape::AksRecords).or_default() += 1;
        for reason in skipped {
            *self
                .summary
                .records_skipped
                .entry(reason.clone())
                .or_default() += 1;
        }
    }

    /// One line, with its newline (the last line of a file may have none).
    pub fn line(
        &mut self,
        line: &str,
        sink: &mut dyn FnMut(Item) -> Result<(), Box<Diagnostic>>,
    ) -> Result<(), Box<Diagnostic>> {
        self.line_number += 1;
        let line = match line.strip_prefix('\u{feff}') {
            Some(rest) if self.line_number == 1 => rest,
            _ => line,
        };
        let Some(content) = self.cri.content(line, self.line_number) else {
            return Ok(());
        };
        if self.pending.is_empty() {
            if content.trim().is_empty() {
                return Ok(());
            }
            self.pending_start = self.cri.first_line.unwrap_or(self.line_number);
        }
        self.pending.push_str(&content);
        let documents = match parse_documents(&self.pending) {
            Ok(Some(documents)) => Ok(documents),
            // An open document: keep reading (a pretty-printed EventList spans many lines).
            Ok(None) => return Ok(()),
            Err(message) => Err(message),
        };
        let text = std::mem::take(&mut self.pending);
        self.documents(documents, &text, sink)
    }

    /// The events of the documents of one text, or its error.
    fn documents(
        &mut self,
        documents: Result<Vec<Value>, String>,
        text: &str,
        sink: &mut dyn FnMut(Item) -> Result<(), Box<Diagnostic>>,
    ) -> Result<(), Box<Diagnostic>> {
        let summary = &mut self.summary;
        let single = documents.as_ref().is_ok_and(|d| d.len() == 1);
        let found = documents.and_then(|documents| {
            let mut all = shapes::Unwrapped::default();
            for document in documents {
                let mut one = shapes::unwrap(document)?;
                one.events.iter().try_for_each(|f| times_in_range(&f.raw))?;
                all.container |= one.container || !single;
                all.events.append(&mut one.events);
                all.skipped.append(&mut one.skipped);
                // The outermost shape of each document.
                all.shapes.extend(one.shapes.first().copied());
                all.gke_entries += one.gke_entries;
            }
            Ok(all)
        });
        let found = match found {
            Ok(found) => found,
            Err(message) => {
                let skipped = bad(
                    self.name,
                    self.pending_start,
                    message,
                    self.skip_invalid,
                    summary,
                )?;
                return skipped.map_or(Ok(()), |w| sink(Item::Warning(w)));
            }
        };
        for reason in found.skipped {
            *summary.records_skipped.entry(reason).or_default() += 1;
        }
        let own_text = (!found.container).then(|| text.trim_end_matches(['\n', '\r']).to_string());
        summary.gke_entries += found.gke_entries;
        for shape in &found.shapes {
            *summary.shapes.entry(*shape).or_default() += 1;
        }
        for event in found.events {
            summary.events += 1;
            sink(Item::Event(Imported {
                line: self.pending_start,
                raw: event.raw,
                original: event.original.or_else(|| own_text.clone()),
                timestamp: event.timestamp,
            }))?;
        }
        Ok(())
    }

    /// After the last line: a document left open is an error (or a skipped line).
    pub fn finish(
        mut self,
        sink: &mut dyn FnMut(Item) -> Result<(), Box<Diagnostic>>,
    ) -> Result<ImportSummary, Box<Diagnostic>> {
        if !self.pending.trim().is_empty() {
            let message = "the file ends inside a JSON document".to_string();
            let skipped = bad(
                self.name,
                self.pending_start,
                message,
                self.skip_invalid,
                &mut self.summary,
            )?;
            skipped.map_or(Ok(()), |w| sink(Item::Warning(w)))?;
        }
        Ok(self.summary)
    }
}

/// Every JSON value in `text` (one, or several back to back); `None` while one is still open.
fn parse_documents(text: &str) -> Result<Option<Vec<Value>>, String> {
    let mut documents = Vec::new();
    for item in serde_json::Deserializer::from_str(text).into_iter::<Value>() {
        match item {
            Ok(value) => documents.push(value),
            Err(error) if error.is_eof() => return Ok(None),
            Err(error) => return Err(format!("not JSON: {error}")),
        }
    }
    Ok(Some(documents))
}

/// Removes the CRI log prefix (`<RFC 3339 time> <stdout|stderr> <F|P> `) that container runtimes
/// put before each line a container writes, joining partial (`P`) lines with the next.
#[derive(Default)]
struct CriJoiner {
    partial: String,
    /// The line the partial content started on.
    first_line: Option<usize>,
}

impl CriJoiner {
    /// The content of `line`, or `None` while a partial line waits for its end.
    fn content(&mut self, line: &str, line_number: usize) -> Option<String> {
        let Some((partial, content)) = strip_cri(line) else {
            self.first_line = None;
            return Some(std::mem::take(&mut self.partial) + line);
        };
        if self.partial.is_empty() {
            self.first_line = Some(line_number);
        }
        self.partial
            .push_str(content.trim_end_matches(['\n', '\r']));
        if partial {
            return None;
        }
        let mut whole = std::mem::take(&mut self.partial);
        whole.push('\n');
        Some(whole)
    }
}

/// `(partial, content)` of a CRI-prefixed line, `None` for any other line.
fn strip_cri(line: &str) -> Option<(bool, &str)> {
    let (time, rest) = line.split_once(' ')?;
    if time.starts_with('{') || time::parse_rfc3339(time).is_none() {
        return None;
    }
    let (stream, rest) = rest.split_once(' ')?;
    if stream != "stdout" && stream != "stderr" {
        return None;
    }
    let (tag, content) = rest.split_once(' ').unwrap_or((rest.trim_end(), ""));
    match tag {
        "F" => Some((false, content)),
        "P" => Some((true, content)),
        _ => None,
    }
}

/// A line that is not an audit event: with `skip_invalid` it is counted and its warning returned
/// (for the caller to hand on in order), otherwise it is the error.
fn bad(
    name: &str,
    line: usize,
    message: String,
    skip_invalid: bool,
    summary: &mut ImportSummary,
) -> Result<Option<Diagnostic>, Box<Diagnostic>> {
    let location = format!("{name}:{line}");
    // A recognised shape we do not read: its own code, and the fix rather than --skip-invalid.
    let refused = message.strip_prefix(shapes::REFUSED);
    if skip_invalid {
        summary.skipped += 1;
        Ok(Some(
            Diagnostic::warning("W501", format!("skipped line {line}: {message}"))
                .at_path(location),
        ))
    } else if let Some(refused) = refused {
        Err(Box::new(
            Diagnostic::error("E504", format!("line {line}: {refused}"))
                .at_path(location)
                .with_help("convert the file as said, then import the result"),
        ))
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

/// Whether a line is a raw audit event (native, an EventList, GKE, AKS) rather than an ECS
/// document: what `replay` and `explain` without `--raw` would otherwise take as a document
/// without `@timestamp` and silently never run over.
pub fn is_raw_audit_line(line: &[u8]) -> bool {
    serde_json::from_slice::<Value>(line)
        .ok()
        .is_some_and(|value| shapes::unwrap(value).is_ok_and(|u| !u.events.is_empty()))
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
                skipped: 0,
                shapes: [(Shape::Event, 2), (Shape::EventList, 1)].into(),
                ..Default::default()
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
                skipped: 2,
                shapes: [(Shape::Event, 2)].into(),
                ..Default::default()
            }
        );
        assert_eq!(lines, vec![1, 4]);
        assert_eq!(warnings.len(), 2);
    }
}

//! `rulegate fixture LOG --rule RULE -o SCENARIO.toml`: a real log made a scenario. The data is
//! copied next to the scenario, into `data/` (gzipped when large), or referenced where it is, the rule runs over
//! it through the scenario machinery itself (`[[recorded]]`, the one runner), and what it saw is
//! written as expectations (alert count, alerting groups) for the user to review.
//!
//! Codes: `E650` the scenario or its data file exists (fixture never overwrites); `E651` the log
//! is larger than [`MAX_COPY_BYTES`] to copy (`--reference` it instead).

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Component, Path, PathBuf};

use crate::audit::time;
use crate::diagnostic::Diagnostic;
use crate::runner::{run_generated, GeneratedScenario, PreparedRule};
use crate::scenario::recorded::{detect_format, RecordedFormat};
use crate::scenario::{self, builtin_personas};

/// Logs above this size are gzipped when copied (unless they are gzip already).
pub const GZIP_ABOVE_BYTES: u64 = 64 * 1024;
/// The largest log `fixture` copies.
pub const MAX_COPY_BYTES: u64 = 256 * 1024 * 1024;
/// Alerting groups written as expectations at most (the rest are counted in the note).
const MAX_GROUPS: usize = 20;

/// What to make.
pub struct FixtureRequest<'a> {
    pub log: &'a Path,
    pub rule: &'a Path,
    /// The scenario file to write; its directory must exist.
    pub output: &'a Path,
    /// Refer to the log where it is instead of copying it.
    pub reference: bool,
    /// The scenario kind; by default `attack` when the rule alerted, else `benign`.
    pub kind: Option<String>,
}

/// The files to write (data first, then the scenario), and what the rule did.
pub struct FixturePlan {
    pub data: Option<(PathBuf, Vec<u8>)>,
    pub scenario: (PathBuf, String),
    pub documents: usize,
    pub alerts: usize,
}

/// Plans the fixture: reads the log, runs the rule, writes nothing.
pub fn plan(request: &FixtureRequest<'_>) -> Result<FixturePlan, Vec<Diagnostic>> {
    let output = request.output;
    refuse_existing(output)?;
    let directory = absolute_dir(output)?;
    let stem = output
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "fixture".into());
    let format = detect_format(request.log).map_err(|d| vec![*d])?;
    let (data, file_entry) = if request.reference {
        let log = std::fs::canonicalize(request.log).map_err(|error| {
            vec![
                Diagnostic::error("E641", format!("cannot read recorded data: {error}"))
                    .at_path(request.log),
            ]
        })?;
        (None, relative(&directory, &log))
    } else {
        let (bytes, gzip) = data_bytes(request.log)?;
        let extension = match format {
            RecordedFormat::Audit => "log",
            RecordedFormat::Ecs => "ndjson",
            RecordedFormat::Bulk => "bulk.ndjson",
        };
        let name = format!("data/{stem}.{extension}{}", if gzip { ".gz" } else { "" });
        let path = output.with_file_name(&name);
        refuse_existing(&path)?;
        (Some((path, bytes)), name)
    };
    let rule_path = std::fs::canonicalize(request.rule).map_err(|error| {
        vec![Diagnostic::error("E700", format!("cannot read rule: {error}")).at_path(request.rule)]
    })?;
    let rule = PreparedRule::load(&rule_path)?;
    // The run reads the log where it is; the written scenario names the copy.
    let log_absolute = std::fs::canonicalize(request.log).map_err(|error| {
        vec![
            Diagnostic::error("E641", format!("cannot read recorded data: {error}"))
                .at_path(request.log),
        ]
    })?;
    let first = first_time(request.log, output)?;
    let header = Header {
        stem: &stem,
        rule_entry: relative(&directory, &rule_path),
        start: time::format_seconds(time::truncate_to_seconds(first)),
    };
    let probe = header.text(
        "attack",
        &log_absolute.display().to_string(),
        &log_absolute.display().to_string(),
    );
    let scenario = scenario::load_str(output, &probe, &builtin_personas())?;
    let generated = GeneratedScenario::from_scenario(scenario)?;
    let documents = generated.values.len();
    let run = run_generated(&generated, std::slice::from_ref(&rule))?;
    let alerts = &run.rules[0].alerts;
    let kind = request.kind.clone().unwrap_or_else(|| {
        if alerts.is_empty() {
            "benign"
        } else {
            "attack"
        }
        .into()
    });
    let mut text = header.text(&kind, &file_entry, &request.log.display().to_string());
    text.push_str(&expectations(alerts, &rule.analysis.group_by));
    Ok(FixturePlan {
        data,
        scenario: (output.to_path_buf(), text),
        documents,
        alerts: alerts.len(),
    })
}

fn refuse_existing(path: &Path) -> Result<(), Vec<Diagnostic>> {
    if path.exists() {
        return Err(vec![Diagnostic::error(
            "E650",
            "the file exists: `rulegate fixture` never overwrites",
        )
        .at_path(path)
        .with_help("choose another -o, or remove the file first")]);
    }
    Ok(())
}

fn absolute_dir(output: &Path) -> Result<PathBuf, Vec<Diagnostic>> {
    let directory = match output.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::fs::canonicalize(directory).map_err(|error| {
        vec![
            Diagnostic::error("E003", format!("cannot use the output directory: {error}"))
                .at_path(directory),
        ]
    })
}

/// The log's bytes as they will be stored, and whether they are gzip.
fn data_bytes(log: &Path) -> Result<(Vec<u8>, bool), Vec<Diagnostic>> {
    let read_error = |error: std::io::Error| {
        vec![Diagnostic::error("E641", format!("cannot read recorded data: {error}")).at_path(log)]
    };
    let file = std::fs::File::open(log).map_err(read_error)?;
    let mut bytes = Vec::new();
    file.take(MAX_COPY_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(read_error)?;
    if bytes.len() as u64 > MAX_COPY_BYTES {
        return Err(vec![Diagnostic::error(
            "E651",
            format!(
                "the log is larger than {} MiB to copy",
                MAX_COPY_BYTES >> 20
            ),
        )
        .at_path(log)
        .with_help("pass --reference to refer to it where it is")]);
    }
    let is_gzip = bytes.starts_with(&[0x1f, 0x8b]);
    if is_gzip || bytes.len() as u64 <= GZIP_ABOVE_BYTES {
        return Ok((bytes, is_gzip));
    }
    // Deterministic: no name, time 0, so the same log gives the same bytes.
    let mut encoder = flate2::GzBuilder::new()
        .mtime(0)
        .write(Vec::new(), flate2::Compression::best());
    encoder.write_all(&bytes).map_err(read_error)?;
    Ok((encoder.finish().map_err(read_error)?, true))
}

/// The earliest `@timestamp` of the log's documents (the scenario's start).
fn first_time(log: &Path, output: &Path) -> Result<i64, Vec<Diagnostic>> {
    let absolute = std::fs::canonicalize(log).map_err(|error| {
        vec![Diagnostic::error("E641", format!("cannot read recorded data: {error}")).at_path(log)]
    })?;
    let text = format!(
        "name = \"probe\"\ndescription = \"\"\nkind = \"edge\"\nstart = \"2000-01-01T00:00:00Z\"\nseed = 1\n\n[[recorded]]\nfile = {}\n",
        toml_string(&absolute.display().to_string())
    );
    let probe = scenario::load_str(output, &text, &builtin_personas())?;
    probe
        .recorded
        .documents
        .first()
        .map(|(at, _)| *at)
        .ok_or_else(|| {
            vec![Diagnostic::error(
                "E403",
                "the log has no documents: nothing to make a fixture of",
            )
            .at_path(log)]
        })
}

struct Header<'a> {
    stem: &'a str,
    rule_entry: String,
    start: String,
}

impl Header<'_> {
    fn text(&self, kind: &str, file_entry: &str, log_name: &str) -> String {
        format!(
            "# Written by `rulegate fixture` from {log_name}: the expectations below are what the rule\n\
             # did on this log when it was written. Review them (and the description) before committing.\n\
             name = {name}\n\
             description = {description}\n\
             kind = {kind}\n\
             rules = [{rule}]\n\
             start = {start}\n\
             seed = 1\n\
             \n\
             [[recorded]]\n\
             file = {file}\n\
             # The first document lands at `start` + this (whole seconds): change `start` to move the log.\n\
             at = \"+0s\"\n",
            name = toml_string(self.stem),
            description = toml_string(&format!("Recorded log `{log_name}`, replayed as written by rulegate fixture.")),
            kind = toml_string(kind),
            rule = toml_string(&self.rule_entry),
            start = toml_string(&self.start),
            file = toml_string(file_entry),
        )
    }
}

/// `[expect]`: the alert count, and the alerting groups by the rule's `BY` fields.
fn expectations(alerts: &[crate::schedule::Alert], group_by: &[String]) -> String {
    let mut text = format!("\n[expect]\nalerts = {}\n", alerts.len());
    let mut groups: BTreeMap<Vec<(String, String)>, u64> = BTreeMap::new();
    for alert in alerts {
        let key: Vec<(String, String)> = group_by
            .iter()
            .filter_map(|field| match alert.fields.get(field) {
                Some(serde_json::Value::String(value)) => Some((field.clone(), value.clone())),
                Some(serde_json::Value::Array(items)) => items
                    .first()
                    .and_then(|v| v.as_str())
                    .map(|v| (field.clone(), v.to_string())),
                Some(serde_json::Value::Null) | None => None,
                Some(other) => Some((field.clone(), other.to_string())),
            })
            .collect();
        if !key.is_empty() {
            *groups.entry(key).or_default() += 1;
        }
    }
    let note = if groups.len() > MAX_GROUPS {
        format!(
            " ({} groups alerted; the first {MAX_GROUPS} are listed)",
            groups.len()
        )
    } else {
        String::new()
    };
    text.push_str(&format!(
        "note = {}\n",
        toml_string(&format!("Taken from the rule's run when the fixture was written{note}: confirm each alert is wanted."))
    ));
    for (fields, count) in groups.iter().take(MAX_GROUPS) {
        let fields: Vec<String> = fields
            .iter()
            .map(|(k, v)| format!("{} = {}", toml_string(k), toml_string(v)))
            .collect();
        text.push_str(&format!(
            "\n[[expect.groups]]\nfields = {{ {} }}\nalerts = {count}\n",
            fields.join(", ")
        ));
    }
    text
}

/// A TOML basic string.
fn toml_string(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

/// `to` relative to the directory `from` (both absolute), with `/` separators.
fn relative(from: &Path, to: &Path) -> String {
    let from: Vec<Component> = from.components().collect();
    let to_parts: Vec<Component> = to.components().collect();
    let common = from
        .iter()
        .zip(&to_parts)
        .take_while(|(a, b)| a == b)
        .count();
    let mut parts: Vec<String> = vec!["..".into(); from.len() - common];
    parts.extend(
        to_parts[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    parts.join("/")
}

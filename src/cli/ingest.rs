//! `rulegate ingest FILE… [-o OUT] [--format ecs|bulk] [--skip-invalid]`: real audit logs → ECS.
//!
//! `E502`: `--ingest-lag` over its limit of one day; `E503`: an event whose time plus the lag
//! runs past the last nanosecond instant (2262-04-11T23:47:16.854775807Z), so its
//! `event.ingested` cannot be written. An audit time outside nanosecond range is the import's
//! `E501` at its file and line.

use std::io::Write;
use std::path::PathBuf;

use clap::builder::{PossibleValuesParser, TypedValueParser};
use rulegate::audit::dataset::{not_log_entry, RawDataset};
use rulegate::audit::ecs::{
    has_no_time_field, ingested_past_range, raw_to_ecs, unusable_timestamp, EcsOptions,
    TimestampFrom, INDEX, PRESERVE_ORIGINAL,
};
use rulegate::audit::ecs_direct::DirectOptions;
use rulegate::audit::gcp::{log_entry_to_ecs, GcpOptions};
use rulegate::audit::import::{self, ImportSummary, Item};
use rulegate::diagnostic::{render_all, Diagnostic};
use rulegate::output::WriteVec;
use rulegate::scenario::parse_duration;

use super::{out, DocumentFormat, Outcome};

#[path = "ingest_direct.rs"]
mod direct;
#[path = "ingest_pipeline.rs"]
mod pipeline;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Audit logs: JSON lines, .gz, EventList, cloud-input `message`, CloudWatch (subscription
    /// envelopes, `aws logs filter-log-events`), AKS records, `gcloud logging read` arrays,
    /// CRI-prefixed lines.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Write here (atomically) instead of standard output.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// ecs: one document a line; bulk: an Elasticsearch _bulk body (create actions).
    #[arg(long, default_value = "ecs", value_parser = PossibleValuesParser::new(["ecs", "bulk"])
        .map(|name| if name == "bulk" { DocumentFormat::Bulk } else { DocumentFormat::Ecs }))]
    pub format: DocumentFormat,
    /// Skip lines that are not audit events (reported as warnings, counted in the summary).
    #[arg(long)]
    pub skip_invalid: bool,
    /// Source of @timestamp for events without one: stage (stageTimestamp) or received.
    #[arg(long, default_value = "stage", value_parser = ["stage", "received"])]
    pub timestamp: String,
    /// event.ingested = @timestamp + this lag, in whole seconds (e.g. 2s).
    #[arg(long, default_value = "0s")]
    pub ingest_lag: String,
    /// Keep the raw line as event.original (adds the preserve_original_event tag).
    #[arg(long)]
    pub preserve_original: bool,
    /// The data stream to index into: kubernetes.audit_logs (the Kubernetes integration, which
    /// also reads GKE entries through its gcp-pubsub input) or gcp.audit (the GCP integration,
    /// which Elastic's GKE rules read: every event must be a Cloud Audit Log entry).
    #[arg(long, default_value = "kubernetes.audit_logs",
        value_parser = ["kubernetes.audit_logs", rulegate::audit::gcp::DATASET])]
    pub dataset: String,
    /// Threads mapping events (default: one per core; events are mapped straight from their
    /// bytes); the output is the same for any number.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=256).map(usize::from))]
    pub threads: Option<usize>,
    /// Test oracle: map every event through `serde_json::Value` (the path before the direct
    /// writer), on `--threads` as before.
    #[arg(long, hide = true)]
    pub value_path: bool,
    /// Test knob: bytes per chunk of the direct path (then on to the end of the line).
    #[arg(long, hide = true, default_value_t = direct::CHUNK,
        value_parser = clap::value_parser!(u32).range(1..=(1 << 30)).map(|n| n as usize))]
    pub chunk_bytes: usize,
}

/// How events become documents: the same for every event of a run.
pub(super) struct Mapping {
    timestamp: TimestampFrom,
    ingest_lag: i64,
    preserve_original: bool,
    bulk: bool,
    /// Set for `--dataset gcp.audit`: entries go through the GCP integration's pipeline.
    gcp: Option<GcpOptions>,
}

/// One event mapped (on any thread): what the ordered consumer decides on and writes.
pub(super) struct Mapped {
    line: usize,
    /// The event has no time field at all (kept, said once per file: W006).
    no_time_field: bool,
    /// Why its time is unusable (E410, or W005 with --skip-invalid).
    unusable: Option<String>,
    /// Its time plus the lag runs past nanosecond range (E503).
    past_range: bool,
    /// Not a Cloud Audit Log entry, under `--dataset gcp.audit` (E501).
    not_log_entry: bool,
    /// Dropped as the `gcp.audit` pipeline drops it (a payload that is not an AuditLog).
    dropped: bool,
    /// The output line(s), with their newline.
    text: Vec<u8>,
}

impl Mapping {
    /// The direct path's options (either data stream).
    fn direct(&self) -> DirectOptions {
        DirectOptions {
            received_first: self.timestamp == TimestampFrom::Received,
            ingest_lag: self.ingest_lag,
            preserve_original: self.preserve_original,
            bulk: self.bulk,
            gcp: self.gcp.is_some(),
        }
    }

    pub(super) fn map(&self, event: &import::Imported) -> Mapped {
        if let Some(gcp) = &self.gcp {
            return self.map_gcp(event, gcp);
        }
        let original = self.preserve_original.then(|| {
            event
                .original
                .clone()
                .unwrap_or_else(|| event.raw.to_string())
        });
        let options = EcsOptions {
            timestamp: event.timestamp_from(self.timestamp),
            ingest_lag: self.ingest_lag,
            original: original.as_deref(),
            tags: if self.preserve_original {
                vec![PRESERVE_ORIGINAL.to_string()]
            } else {
                Vec::new()
            },
        };
        let doc = raw_to_ecs(&event.raw, &options);
        Mapped {
            line: event.line,
            no_time_field: has_no_time_field(&doc, &event.raw),
            unusable: unusable_timestamp(&doc, &event.raw),
            past_range: ingested_past_range(&doc),
            not_log_entry: false,
            dropped: false,
            text: self.document_text(&doc, INDEX),
        }
    }

    /// A Cloud Audit Log entry as the GCP integration's `gcp.audit` pipeline indexes it; an
    /// event that is not a `LogEntry` (a native audit event has no `gcp.audit` form) is refused.
    fn map_gcp(&self, event: &import::Imported, gcp: &GcpOptions) -> Mapped {
        let mut mapped = Mapped {
            line: event.line,
            no_time_field: false,
            unusable: None,
            past_range: false,
            not_log_entry: event.raw.get("protoPayload").is_none(),
            dropped: false,
            text: Vec::new(),
        };
        if mapped.not_log_entry {
            return mapped;
        }
        match log_entry_to_ecs(&event.raw, gcp) {
            None => mapped.dropped = true,
            Some(doc) => {
                mapped.no_time_field = doc.get("@timestamp").is_none();
                mapped.past_range = ingested_past_range(&doc);
                mapped.text = self.document_text(&doc, rulegate::audit::gcp::INDEX);
            }
        }
        mapped
    }

    /// One document as an output line (after its `_bulk` action line when asked).
    fn document_text(&self, doc: &serde_json::Value, index: &str) -> Vec<u8> {
        let mut text = Vec::new();
        if self.bulk {
            text.extend_from_slice(
                format!("{{\"create\":{{\"_index\":\"{index}\"}}}}\n").as_bytes(),
            );
        }
        serde_json::to_writer(&mut text, doc).expect("JSON values serialise");
        text.push(b'\n');
        text
    }
}

/// What is decided in the order of the log: warnings, errors and the output.
pub(super) struct Ordered<'a> {
    args: &'a Args,
    output: &'a mut out::Out,
    warnings: Vec<Diagnostic>,
    /// Events skipped for want of a usable time (with --skip-invalid).
    untimed: Vec<Diagnostic>,
    /// Lines (of the file being read) of events with no time field at all: kept, but said.
    untimed_lines: Vec<usize>,
    /// Entries the gcp.audit pipeline drops (a payload that is not an AuditLog).
    dropped: u64,
}

impl Ordered<'_> {
    /// One item of the log, its event mapped by `map` (here or already on a worker).
    pub(super) fn take<E>(
        &mut self,
        name: &str,
        item: Item<E>,
        map: impl FnOnce(E) -> Mapped,
    ) -> Result<(), Box<Diagnostic>> {
        match item {
            Item::Warning(warning) => {
                self.warnings.push(warning);
                Ok(())
            }
            Item::Event(event) => self.write(name, map(event)),
        }
    }

    /// Documents the direct path wrote, which need no decision.
    fn write_documents(&mut self, text: &[u8]) -> Result<(), Box<Diagnostic>> {
        self.output
            .write_all(text)
            .map_err(|e| Box::new(self.output.error(e)))
    }

    /// As [`Ordered::write_documents`], handing the buffer over whole (an output file takes
    /// it without a copy); `text` is left empty.
    fn write_documents_vec(&mut self, text: &mut Vec<u8>) -> Result<(), Box<Diagnostic>> {
        self.output
            .write_vec(text)
            .map_err(|e| Box::new(self.output.error(e)))
    }

    fn write(&mut self, name: &str, mapped: Mapped) -> Result<(), Box<Diagnostic>> {
        let line = mapped.line;
        if mapped.not_log_entry {
            return Err(Box::new(not_log_entry(name, line)));
        }
        if mapped.dropped {
            self.dropped += 1;
            return Ok(());
        }
        if mapped.no_time_field {
            self.untimed_lines.push(line);
        }
        if let Some(why) = mapped.unusable {
            let place = format!("{name}:{line}");
            if self.args.skip_invalid {
                self.untimed.push(
                    Diagnostic::warning("W005", format!("skipped line {line}: {why}"))
                        .at_path(place),
                );
                return Ok(());
            }
            return Err(Box::new(
                Diagnostic::error("E410", format!("line {line}: {why}"))
                    .at_path(place)
                    .with_help("--skip-invalid skips such events"),
            ));
        }
        if mapped.past_range {
            return Err(Box::new(
                Diagnostic::error(
                    "E503",
                    format!(
                        "line {line}: the event's time plus --ingest-lag {} runs past \
                         2262-04-11T23:47:16.854775807Z, the last instant of nanosecond \
                         time, so it has no `event.ingested`",
                        self.args.ingest_lag
                    ),
                )
                .at_path(format!("{name}:{line}"))
                .with_help("a smaller --ingest-lag (0s) keeps the event"),
            ));
        }
        self.output
            .write_all(&mapped.text)
            .map_err(|e| Box::new(self.output.error(e)))
    }

    /// After a file: one warning for its events without a time field.
    fn file_done(&mut self, name: &str) {
        if let Some(first) = self.untimed_lines.first() {
            let dataset = RawDataset::parse(&self.args.dataset).unwrap_or_default();
            self.warnings
                .push(dataset.untimed_warning(self.untimed_lines.len(), format!("{name}:{first}")));
            self.untimed_lines.clear();
        }
    }
}

pub fn run(args: Args) -> Result<Outcome, Vec<Diagnostic>> {
    let ingest_lag = checked_ingest_lag(&args.ingest_lag)?;
    let mut output = out::Out::create(args.output.as_deref())?;
    let timestamp = if args.timestamp == "received" {
        TimestampFrom::Received
    } else {
        TimestampFrom::Stage
    };
    let mapping = Mapping {
        timestamp,
        ingest_lag,
        preserve_original: args.preserve_original,
        bulk: args.format == DocumentFormat::Bulk,
        gcp: (args.dataset == rulegate::audit::gcp::DATASET).then_some(GcpOptions {
            ingest_lag,
            preserve_original: args.preserve_original,
        }),
    };
    let direct = (!args.value_path).then(|| mapping.direct());
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get().min(256));
    let threads = args
        .threads
        .unwrap_or(if direct.is_some() { cores } else { 1 });
    let mut state = Ordered {
        args: &args,
        output: &mut output,
        warnings: Vec::new(),
        untimed: Vec::new(),
        untimed_lines: Vec::new(),
        dropped: 0,
    };
    let mut total = ImportSummary::default();
    for path in &args.files {
        let reader = import::open(path).map_err(|d| vec![*d])?;
        let name = path.display().to_string();
        let read = if let Some(options) = &direct {
            direct::ingest(
                &name,
                reader,
                &mapping,
                options,
                threads,
                args.chunk_bytes,
                &mut state,
            )
        } else if threads > 1 {
            pipeline::ingest(&name, reader, &mapping, threads, &mut state)
        } else {
            let mut sink = |item| state.take(&name, item, |event| mapping.map(&event));
            import::read_stream(&name, reader, args.skip_invalid, &mut sink)
        };
        let summary = read.map_err(|d| {
            let mut all = std::mem::take(&mut state.warnings);
            all.push(*d);
            all
        })?;
        total.add(&summary);
        state.file_done(&name);
    }
    let Ordered {
        mut warnings,
        mut untimed,
        dropped,
        ..
    } = state;
    let untimed_count = untimed.len() as u64;
    total.events = total.events.saturating_sub(untimed_count + dropped);
    total.skipped += untimed_count;
    warnings.append(&mut untimed);
    output.finish()?;
    print_summary(&args, &mapping, &total, &warnings, dropped);
    Ok(Outcome::Success)
}

/// `--ingest-lag`, parsed and bounded.
fn checked_ingest_lag(text: &str) -> Result<i64, Vec<Diagnostic>> {
    let Some(ingest_lag) = parse_duration(text) else {
        return Err(vec![Diagnostic::error(
            "E002",
            format!("--ingest-lag: `{text}` is not a duration"),
        )]);
    };
    // A lag is seconds in practice; a bound keeps `@timestamp + lag` inside nanosecond times.
    const MAX_INGEST_LAG: i64 = 86_400 * 1_000_000_000;
    if ingest_lag > MAX_INGEST_LAG {
        return Err(vec![Diagnostic::error(
            "E502",
            format!("--ingest-lag: `{text}` is more than the limit of 1d"),
        )]);
    }
    Ok(ingest_lag)
}

/// The run's warnings, notes and counts, on standard error.
fn print_summary(
    args: &Args,
    mapping: &Mapping,
    total: &ImportSummary,
    warnings: &[Diagnostic],
    dropped: u64,
) {
    if !warnings.is_empty() {
        out::eprint(&render_all(warnings, false));
    }
    let notes = total.notes();
    // With --dataset gcp.audit the GKE note (mapped as the Kubernetes integration does) is moot.
    for note in notes
        .iter()
        .filter(|n| mapping.gcp.is_none() || !n.contains("GKE"))
    {
        out::eprint(&format!("note: {note}\n"));
    }
    if dropped > 0 {
        out::eprint(&format!(
            "note: {dropped} entrie(s) dropped: their `protoPayload` is not an AuditLog, which the \
             gcp.audit pipeline drops\n"
        ));
    }
    out::eprint(&format!(
        "ingested {} events from {} file(s); {} invalid line(s) skipped\n",
        total.events,
        args.files.len(),
        total.skipped
    ));
}

//! `rulegate ingest FILE… [-o OUT] [--format ecs|bulk] [--skip-invalid]`: real audit logs → ECS.
//!
//! `E502`: `--ingest-lag` over its limit of one day; `E503`: an event whose time plus the lag
//! runs past the last nanosecond instant (2262-04-11T23:47:16.854775807Z), so its
//! `event.ingested` cannot be written. An audit time outside nanosecond range is the import's
//! `E501` at its file and line.

use std::io::Write;
use std::path::PathBuf;

use clap::builder::{PossibleValuesParser, TypedValueParser};
use rulegate::audit::ecs::{
    has_no_time_field, ingested_past_range, raw_to_ecs, unusable_timestamp, EcsOptions,
    TimestampFrom, INDEX, PRESERVE_ORIGINAL,
};
use rulegate::audit::gcp::{log_entry_to_ecs, GcpOptions};
use rulegate::audit::import::{self, ImportSummary};
use rulegate::diagnostic::{render_all, Diagnostic};
use rulegate::scenario::parse_duration;

use super::{out, DocumentFormat, Outcome};

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
}

/// A Cloud Audit Log entry as the GCP integration's `gcp.audit` pipeline indexes it: `Ok(None)`
/// when the pipeline drops it (a `protoPayload` that is not an `AuditLog`); an error for an
/// event that is not a `LogEntry` (a native audit event has no `gcp.audit` form).
fn gcp_audit_document(
    event: &import::Imported,
    options: &GcpOptions,
    place: &str,
) -> Result<Option<serde_json::Value>, Box<Diagnostic>> {
    if event.raw.get("protoPayload").is_none() {
        return Err(Box::new(
            Diagnostic::error(
                "E501",
                format!(
                    "line {} is not a Cloud Audit Log entry (no `protoPayload`): \
                     --dataset gcp.audit reads GKE exports only",
                    event.line
                ),
            )
            .at_path(place)
            .with_help(
                "ingest native audit events with the default --dataset kubernetes.audit_logs",
            ),
        ));
    }
    Ok(log_entry_to_ecs(&event.raw, options))
}

pub fn run(args: Args) -> Result<Outcome, Vec<Diagnostic>> {
    let Some(ingest_lag) = parse_duration(&args.ingest_lag) else {
        return Err(vec![Diagnostic::error(
            "E002",
            format!("--ingest-lag: `{}` is not a duration", args.ingest_lag),
        )]);
    };
    // A lag is seconds in practice; a bound keeps `@timestamp + lag` inside nanosecond times.
    const MAX_INGEST_LAG: i64 = 86_400 * 1_000_000_000;
    if ingest_lag > MAX_INGEST_LAG {
        return Err(vec![Diagnostic::error(
            "E502",
            format!(
                "--ingest-lag: `{}` is more than the limit of 1d",
                args.ingest_lag
            ),
        )]);
    }
    let mut output = out::Out::create(args.output.as_deref())?;
    let timestamp = if args.timestamp == "received" {
        TimestampFrom::Received
    } else {
        TimestampFrom::Stage
    };
    let bulk = args.format == DocumentFormat::Bulk;
    let gcp = (args.dataset == rulegate::audit::gcp::DATASET).then_some(GcpOptions {
        ingest_lag,
        preserve_original: args.preserve_original,
    });
    let index = if gcp.is_some() {
        rulegate::audit::gcp::INDEX
    } else {
        INDEX
    };
    // Entries the gcp.audit pipeline drops (a payload that is not an AuditLog).
    let mut dropped = 0u64;
    let mut warnings = Vec::new();
    let mut total = ImportSummary::default();
    // Events skipped for want of a usable time (with --skip-invalid).
    let mut untimed = Vec::new();
    // Lines (of the file being read) of events with no time field at all: kept, but said.
    let mut untimed_lines = Vec::new();
    let mut line_buffer = Vec::with_capacity(4096);
    for path in &args.files {
        let reader = import::open(path).map_err(|d| vec![*d])?;
        let name = path.display().to_string();
        let mut sink = |event: import::Imported| -> Result<(), Box<Diagnostic>> {
            let original = args.preserve_original.then(|| {
                event
                    .original
                    .clone()
                    .unwrap_or_else(|| event.raw.to_string())
            });
            let options = EcsOptions {
                timestamp: event.timestamp_from(timestamp),
                ingest_lag,
                original: original.as_deref(),
                tags: if args.preserve_original {
                    vec![PRESERVE_ORIGINAL.to_string()]
                } else {
                    Vec::new()
                },
            };
            let doc = match &gcp {
                None => raw_to_ecs(&event.raw, &options),
                Some(gcp) => {
                    let place = format!("{name}:{}", event.line);
                    let Some(doc) = gcp_audit_document(&event, gcp, &place)? else {
                        dropped += 1;
                        return Ok(());
                    };
                    doc
                }
            };
            let untimed_doc = match gcp {
                None => has_no_time_field(&doc, &event.raw),
                Some(_) => doc.get("@timestamp").is_none(),
            };
            if untimed_doc {
                untimed_lines.push(event.line);
            }
            if let Some(why) = unusable_timestamp(&doc, &event.raw).filter(|_| gcp.is_none()) {
                let place = format!("{name}:{}", event.line);
                if args.skip_invalid {
                    untimed.push(
                        Diagnostic::warning("W005", format!("skipped line {}: {why}", event.line))
                            .at_path(place),
                    );
                    return Ok(());
                }
                return Err(Box::new(
                    Diagnostic::error("E410", format!("line {}: {why}", event.line))
                        .at_path(place)
                        .with_help("--skip-invalid skips such events"),
                ));
            }
            if ingested_past_range(&doc) {
                return Err(Box::new(
                    Diagnostic::error(
                        "E503",
                        format!(
                            "line {}: the event's time plus --ingest-lag {} runs past \
                             2262-04-11T23:47:16.854775807Z, the last instant of nanosecond \
                             time, so it has no `event.ingested`",
                            event.line, args.ingest_lag
                        ),
                    )
                    .at_path(format!("{name}:{}", event.line))
                    .with_help("a smaller --ingest-lag (0s) keeps the event"),
                ));
            }
            line_buffer.clear();
            if bulk {
                line_buffer.extend_from_slice(
                    format!("{{\"create\":{{\"_index\":\"{index}\"}}}}\n").as_bytes(),
                );
            }
            serde_json::to_writer(&mut line_buffer, &doc).expect("JSON values serialise");
            line_buffer.push(b'\n');
            output
                .write_all(&line_buffer)
                .map_err(|e| Box::new(output.error(e)))
        };
        let summary =
            import::read_events(&name, reader, args.skip_invalid, &mut warnings, &mut sink)
                .map_err(|d| {
                    let mut all = std::mem::take(&mut warnings);
                    all.push(*d);
                    all
                })?;
        total.add(&summary);
        if let Some(first) = untimed_lines.first() {
            warnings.push(
                Diagnostic::warning(
                    "W006",
                    format!(
                        "{} event(s) have no `stageTimestamp` or `requestReceivedTimestamp`: \
                         their documents have no @timestamp, so no rule window holds them",
                        untimed_lines.len()
                    ),
                )
                .at_path(format!("{name}:{first}")),
            );
            untimed_lines.clear();
        }
    }
    let untimed_count = untimed.len() as u64;
    total.events = total.events.saturating_sub(untimed_count + dropped);
    total.skipped += untimed_count;
    warnings.append(&mut untimed);
    output.finish()?;
    if !warnings.is_empty() {
        out::eprint(&render_all(&warnings, false));
    }
    let notes = total.notes();
    // With --dataset gcp.audit the GKE note (mapped as the Kubernetes integration does) is moot.
    for note in notes.iter().filter(|n| gcp.is_none() || !n.contains("GKE")) {
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
    Ok(Outcome::Success)
}

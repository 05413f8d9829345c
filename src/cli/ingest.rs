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
            let doc = raw_to_ecs(&event.raw, &options);
            if has_no_time_field(&doc, &event.raw) {
                untimed_lines.push(event.line);
            }
            if let Some(why) = unusable_timestamp(&doc, &event.raw) {
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
                    format!("{{\"create\":{{\"_index\":\"{INDEX}\"}}}}\n").as_bytes(),
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
    total.events = total.events.saturating_sub(untimed_count);
    total.skipped += untimed_count;
    warnings.append(&mut untimed);
    output.finish()?;
    if !warnings.is_empty() {
        out::eprint(&render_all(&warnings, false));
    }
    for note in total.notes() {
        out::eprint(&format!("note: {note}\n"));
    }
    out::eprint(&format!(
        "ingested {} events from {} file(s); {} invalid line(s) skipped\n",
        total.events,
        args.files.len(),
        total.skipped
    ));
    Ok(Outcome::Success)
}

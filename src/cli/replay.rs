//! `rulegate replay RULE|FOLDER|GLOB… --input FILE [--raw [--dataset D]] [--first-run RFC3339] [--format json|human]`.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::Args;
use serde_json::json;

use rulegate::audit::dataset::{RawDataset, DATASET_NAMES};
use rulegate::diagnostic::{render_all, Diagnostic};
use rulegate::runner::{self, DocumentSet, PreparedRule};
use rulegate::schedule::Timestamp;

use super::{for_each_rule, formats_or_old, out, rule_paths, Format, Outcome};

/// Runs a rule's Kibana schedule over documents and prints the alerts.
#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// Rule files, folders (searched recursively) or globs; several are replayed one after the
    /// other over the same documents.
    #[arg(
        required_unless_present = "rules_option",
        value_name = "RULE|FOLDER|GLOB"
    )]
    pub rules: Vec<PathBuf>,
    /// Rule files, folders (searched recursively) or globs, as the arguments: `--rules` means the
    /// same in every command.
    #[arg(long = "rules", value_name = "FILE|FOLDER|GLOB", num_args = 1..)]
    pub rules_option: Vec<PathBuf>,
    /// NDJSON of ECS documents (`.gz` is decompressed), or raw API-server audit logs with `--raw`.
    #[arg(long, value_name = "FILE")]
    pub input: PathBuf,
    /// The input is raw Kubernetes audit (JSON lines, EventList, AKS envelopes), mapped to ECS
    /// as Elastic's integration does.
    #[arg(long)]
    pub raw: bool,
    /// With --raw, the data stream the log is indexed into, as `ingest --dataset`:
    /// kubernetes.audit_logs, or gcp.audit (GKE exports: Cloud Audit Log entries mapped as the
    /// GCP integration does, which Elastic's GKE rules read).
    #[arg(long, requires = "raw", default_value = "kubernetes.audit_logs",
        value_parser = DATASET_NAMES)]
    pub dataset: String,
    /// The first execution time (default: the oldest document rounded up to the interval).
    #[arg(long, value_name = "RFC3339")]
    pub first_run: Option<String>,
    /// `{"executions": N, "alerts": [...]}`, or one block per alert for people (`human`; `table`
    /// is its older name).
    #[arg(long, default_value = "json", value_parser = formats_or_old(&["json", "human"], &["table"]))]
    pub format: Format,
}

pub fn run(args: ReplayArgs) -> Result<Outcome, Vec<Diagnostic>> {
    let rules = rule_paths(&[args.rules.as_slice(), &args.rules_option].concat())?;
    if args.input == std::path::Path::new("-") && rules.len() > 1 {
        return Err(vec![Diagnostic::error(
            "E001",
            "standard input can be read once: name a file with --input to replay several rules",
        )]);
    }
    for_each_rule(&rules, args.format == Format::Json, |rule| {
        replay_one(&args, rule)
    })
}

fn replay_one(
    args: &ReplayArgs,
    rule_path: &std::path::Path,
) -> Result<(String, Outcome), Vec<Diagnostic>> {
    let rule = PreparedRule::load(rule_path)?;
    let first_run = match &args.first_run {
        None => None,
        Some(text) => Some(Timestamp::parse(text).ok_or_else(|| {
            vec![Diagnostic::error(
                "E002",
                format!("`--first-run {text}` is not an RFC 3339 time"),
            )
            .with_help("for example --first-run 2026-05-15T10:00:00Z")]
        })?),
    };
    let progress = std::io::stderr().is_terminal();
    let dataset = RawDataset::parse(&args.dataset).unwrap_or_default();
    let raw = args.raw.then_some(dataset);
    let (docs, notes) = DocumentSet::read_input(&args.input, raw, &rule)?;
    if !notes.warnings.is_empty() {
        out::eprint(&render_all(&notes.warnings, false));
    }
    for note in &notes.notes {
        out::eprint(&format!("note: {note}\n"));
    }
    if progress {
        out::eprint(&format!("\rdocuments read: {}", docs.documents.len()));
    }
    let run = runner::run_rule(&rule, &docs, first_run, &mut |done, total, alerts| {
        if progress && (done % 16 == 0 || done == total) {
            out::eprint(&format!(
                "\rdocuments read: {}, executions: {done}/{total}, alerts so far: {alerts}   ",
                docs.documents.len()
            ));
        }
    })
    .map_err(|error| vec![error])?;
    if progress {
        out::eprint("\n");
    }
    let text = match args.format {
        Format::Human => table(&run.replay),
        _ => {
            let value =
                json!({"executions": run.replay.executions.len(), "alerts": run.replay.alerts});
            format!(
                "{}\n",
                serde_json::to_string_pretty(&value).expect("JSON values serialise")
            )
        }
    };
    Ok((text, Outcome::Success))
}

fn table(replay: &rulegate::schedule::Replay) -> String {
    let mut out = format!(
        "{} executions, {} alerts\n",
        replay.executions.len(),
        replay.alerts.len()
    );
    for alert in &replay.alerts {
        let fields: Vec<String> = alert
            .fields
            .0
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect();
        out.push_str(&format!(
            "{}  {}  window {} .. {}{}\n    {}\n",
            alert.time,
            alert.id,
            alert.window.from,
            alert.window.to,
            alert
                .duplicate_of
                .as_ref()
                .map(|d| format!("  duplicate of {d}"))
                .unwrap_or_default(),
            fields.join("  ")
        ));
    }
    out
}

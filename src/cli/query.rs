//! `rulegate query (RULE.toml | --esql QUERY) --input FILE`: runs a query over NDJSON documents.

use std::io::BufRead;
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};

use rulegate::diagnostic::{Diagnostic, SourceFile};
use rulegate::eval::stream::{StreamError, Streaming};
use rulegate::eval::{self, datetime, Documents, LoadOptions, Mapping, Plan, Window};
use rulegate::rule::{self, QueryStatus};

use super::Outcome;

#[derive(Debug, Args)]
pub struct QueryArgs {
    /// The rule file whose query to run (TOML, as elastic/detection-rules writes it).
    #[arg(required_unless_present = "esql", conflicts_with = "esql")]
    pub rule: Option<PathBuf>,
    /// The ES|QL query text to run instead of a rule's.
    #[arg(long)]
    pub esql: Option<String>,
    /// NDJSON documents, one `_source` per line; `-` is stdin, `.gz` is decompressed.
    #[arg(long)]
    pub input: PathBuf,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// `NOW()` as an RFC 3339 time (default: the current time).
    #[arg(long)]
    pub now: Option<String>,
    /// An Elasticsearch mapping JSON replacing the built-in ECS/Kubernetes mapping.
    #[arg(long)]
    pub mapping: Option<PathBuf>,
    /// The data-stream name of documents without `data_stream.*` fields.
    #[arg(long)]
    pub index: Option<String>,
    /// Skip documents that cannot be read or indexed, and report how many.
    #[arg(long)]
    pub skip_invalid: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Json,
    Table,
    Csv,
}

fn usage(message: String) -> Vec<Diagnostic> {
    vec![Diagnostic::error("E001", message)]
}

pub fn run(args: QueryArgs, _color: bool) -> Result<Outcome, Vec<Diagnostic>> {
    // The query, with a function that moves its diagnostics into the file they came from.
    let (query, text, place): (_, String, Box<dyn Fn(Diagnostic) -> Diagnostic>) =
        match (&args.esql, &args.rule) {
            (Some(text), _) => {
                let file = SourceFile::new("<query>", text.clone());
                let place = {
                    let file = file.clone();
                    move |d: Diagnostic| d.in_file(&file)
                };
                let query = rulegate::esql::parse(text).map_err(|d| vec![place(d)])?;
                (query, text.clone(), Box::new(place))
            }
            (None, Some(path)) => {
                let loaded = rule::load(path)?;
                match &loaded.query {
                    QueryStatus::Parsed { query, text, .. } => {
                        let (query, text) = (query.clone(), text.clone());
                        (
                            query,
                            text,
                            Box::new(move |d: Diagnostic| loaded.query_diagnostic(d)),
                        )
                    }
                    QueryStatus::Invalid(errors) => return Err(errors.clone()),
                    QueryStatus::NotEsql { language } => {
                        return Err(vec![Diagnostic::error(
                            "E001",
                            format!(
                                "the rule's language is `{language}`, not ES|QL: nothing to run"
                            ),
                        )
                        .at_path(path)])
                    }
                }
            }
            (None, None) => return Err(usage("give a rule file or --esql".into())),
        };
    let now = match &args.now {
        Some(t) => datetime::parse_iso(t)
            .ok_or_else(|| usage(format!("--now: `{t}` is not an RFC 3339 time")))?,
        None => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64),
    };
    let mapping = match &args.mapping {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                vec![Diagnostic::error("E402", format!("cannot read mapping: {e}")).at_path(path)]
            })?;
            Mapping::from_json(&text)
                .map_err(|m| vec![Diagnostic::error("E402", m).at_path(path)])?
        }
        None => Mapping::built_in(),
    };
    let options = LoadOptions {
        mapping,
        default_index: args.index.clone(),
        skip_invalid: args.skip_invalid,
        ..LoadOptions::default()
    };
    let selection = eval::fields_for(&query, &[]);
    let input_name = args.input.display().to_string();
    let input_error = |e: eval::InputError| {
        vec![Diagnostic::error(
            "E401",
            format!("{input_name}:{}: {}", e.line, e.message),
        )]
    };
    let no_documents = || {
        vec![Diagnostic::error(
            "E403",
            format!("{input_name}: the input has no documents"),
        )]
    };
    let (table, documents, skipped) = if eval::stream::streams(&query, &selection) {
        // Stream, holding only the groups (or the returned rows).
        let streaming = Streaming::default();
        let streamed = match map_file(&args.input)? {
            Some(mapped) => {
                let release = |end: usize| {
                    // SAFETY: the mapping is a read-only view of a file; dropping pages from it
                    // only makes a later read of them fault them in again from the file, with
                    // the same bytes. Nothing is read there again anyway (see `release`).
                    let _ = unsafe {
                        mapped.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, 0, end)
                    };
                };
                eval::stream::run_query_text(
                    &query, &text, &selection, &mapped, &release, &options, streaming, now,
                )
            }
            None => {
                let reader = open_input(&args.input)?;
                eval::stream::run_query(&query, &text, &selection, reader, &options, streaming, now)
            }
        }
        .map_err(|e| match e {
            StreamError::Input(e) => input_error(e),
            StreamError::Query(d) => vec![place(d)],
        })?;
        (streamed.table, streamed.documents, streamed.skipped)
    } else {
        let reader = open_input(&args.input)?;
        // The columns depend on the documents: read them all first.
        let threads = Streaming::default().threads;
        let docs = Documents::from_ndjson_parallel(reader, &selection, options, threads)
            .map_err(input_error)?;
        if docs.is_empty() && docs.skipped.is_empty() {
            return Err(no_documents());
        }
        let plan = Plan::compile(&query, &text, &docs.columns).map_err(|d| vec![place(d)])?;
        (plan.run(&docs, Window::All, now), docs.len(), docs.skipped)
    };
    if documents == 0 && skipped.is_empty() {
        return Err(no_documents());
    }
    if let Some(failure) = table.failure_diagnostic() {
        return Err(vec![failure.at_path(&args.input)]);
    }
    let output = match args.format {
        Format::Json => {
            let mut s = serde_json::to_string(&table.to_json()).unwrap_or_default();
            s.push('\n');
            s
        }
        Format::Table => table.to_text(),
        Format::Csv => table.to_csv(),
    };
    super::print_stdout(&output);
    for w in &table.warnings {
        eprintln!("warning: {w}");
    }
    if let Some(first) = skipped.first() {
        eprintln!(
            "skipped {} invalid document(s) of {input_name} (first: line {}: {})",
            skipped.len(),
            first.line,
            first.message
        );
    }
    Ok(Outcome::Success)
}

/// A plain file (not stdin, not gzip) mapped into memory, so that batches are parsed where the
/// page cache holds them instead of being copied out first.
fn map_file(path: &Path) -> Result<Option<memmap2::Mmap>, Vec<Diagnostic>> {
    if path.as_os_str() == "-" || path.extension().is_some_and(|e| e == "gz") {
        return Ok(None);
    }
    let file = std::fs::File::open(path).map_err(|e| {
        vec![Diagnostic::error("E001", format!("cannot read input: {e}")).at_path(path)]
    })?;
    if !file.metadata().is_ok_and(|m| m.is_file() && m.len() > 0) {
        return Ok(None);
    }
    // SAFETY: the mapping is only read, as plain bytes, while `query` runs. A process that
    // truncated the file meanwhile could make a read fault (as with any memory-mapped reader,
    // ripgrep's included); changed bytes are read as whatever they became. Input files are
    // not expected to change under a query.
    let mapped = unsafe { memmap2::Mmap::map(&file) };
    Ok(mapped.ok())
}

fn open_input(path: &PathBuf) -> Result<Box<dyn BufRead>, Vec<Diagnostic>> {
    let raw: Box<dyn std::io::Read> = if path.as_os_str() == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        Box::new(std::fs::File::open(path).map_err(|e| {
            vec![Diagnostic::error("E001", format!("cannot read input: {e}")).at_path(path)]
        })?)
    };
    let decoded: Box<dyn std::io::Read> = if path.extension().is_some_and(|e| e == "gz") {
        Box::new(flate2::read::MultiGzDecoder::new(raw))
    } else {
        raw
    };
    Ok(Box::new(std::io::BufReader::with_capacity(
        1 << 16,
        decoded,
    )))
}

//! `rulegate query (RULE.toml | --esql QUERY) --input FILE`: runs a query over NDJSON documents.

use std::io::BufRead;
use std::path::{Path, PathBuf};

use clap::Args;

use rulegate::diagnostic::{Diagnostic, SourceFile};
use rulegate::document::{datetime, Documents, FieldSelection, InputError, LoadOptions};
use rulegate::esql::ast::Query;
use rulegate::eval::stream::{run_query_mapped, InMemory, StreamError, Streaming};
use rulegate::eval::{self, Plan, Table, Window};
use rulegate::input::Mapped;
use rulegate::rule::{self, QueryStatus};

use super::{formats_or_old, out, Format, Outcome};

#[derive(Debug, Args)]
pub struct QueryArgs {
    /// Rule files whose queries to run (TOML, as elastic/detection-rules writes them), folders
    /// (searched recursively) or globs; several are run one after the other over the input.
    #[arg(
        required_unless_present_any = ["esql", "rules_option"],
        conflicts_with = "esql",
        value_name = "RULE|FOLDER|GLOB"
    )]
    pub rules: Vec<PathBuf>,
    /// Rule files, folders (searched recursively) or globs, as the arguments: `--rules` means the
    /// same in every command.
    #[arg(long = "rules", value_name = "FILE|FOLDER|GLOB", num_args = 1.., conflicts_with = "esql")]
    pub rules_option: Vec<PathBuf>,
    /// The ES|QL query text to run instead of a rule's.
    #[arg(long)]
    pub esql: Option<String>,
    /// NDJSON documents, one `_source` per line; `-` is stdin, gzip is decompressed.
    #[arg(long)]
    pub input: PathBuf,
    /// A table for people (`table` is its older name), Elasticsearch's `_query` JSON, or CSV.
    #[arg(long, default_value = "human", value_parser = formats_or_old(&["human", "json", "csv"], &["table"]))]
    pub format: Format,
    /// `NOW()` as an RFC 3339 time (default: the current time).
    #[arg(long)]
    pub now: Option<String>,
    /// The data-stream name of documents without `data_stream.*` fields.
    #[arg(long)]
    pub index: Option<String>,
    /// Skip documents that cannot be read or indexed, and report how many.
    #[arg(long)]
    pub skip_invalid: bool,
    /// Read and validate every line, even after a `LIMIT` is filled (by default the reading
    /// stops there, and a bad line after it is never seen, as in Elasticsearch).
    #[arg(long)]
    pub strict: bool,
}

fn usage(message: String) -> Vec<Diagnostic> {
    vec![Diagnostic::error("E001", message)]
}

pub fn run(args: QueryArgs, _color: bool) -> Result<Outcome, Vec<Diagnostic>> {
    if args.esql.is_some() {
        let (text, outcome) = query_one(&args, None)?;
        out::print(&text)?;
        return Ok(outcome);
    }
    let rules = super::rule_paths(&[args.rules.as_slice(), &args.rules_option].concat())?;
    if args.input == Path::new("-") && rules.len() > 1 {
        return Err(usage(
            "standard input can be read once: name a file with --input to query several rules"
                .into(),
        ));
    }
    super::for_each_rule(&rules, args.format == Format::Json, |rule| {
        query_one(&args, Some(rule))
    })
}

/// Runs one query (`--esql`, or `rule`'s) over the input; the output text for stdout.
fn query_one(args: &QueryArgs, rule: Option<&Path>) -> Result<(String, Outcome), Vec<Diagnostic>> {
    // The query, with a function that moves its diagnostics into the file they came from.
    let (query, text, place) = match (&args.esql, rule) {
        (Some(text), _) => esql_query(text)?,
        (None, Some(path)) => rule_query(path)?,
        (None, None) => return Err(usage("give a rule file or --esql".into())),
    };
    let now = match &args.now {
        Some(t) => datetime::parse_iso(t)
            .ok_or_else(|| usage(format!("--now: `{t}` is not an RFC 3339 time")))?,
        None => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64),
    };
    // The mapping: the shipped integrations' and the user's (`--mapping`, `mappings` in the config).
    let options = LoadOptions {
        default_index: args.index.clone(),
        skip_invalid: args.skip_invalid,
        ..LoadOptions::default()
    };
    let selection = eval::fields_for(&query, &[]);
    let input_name = args.input.display().to_string();
    let (table, documents, skipped) =
        evaluate(args, &query, &text, &place, &selection, options, now)?;
    if documents == 0 && skipped.is_empty() {
        return Err(no_documents(&input_name));
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
        Format::Csv => table.to_csv(),
        _ => table.to_text(),
    };
    for w in &table.warnings {
        out::eprint(&format!("warning: {w}\n"));
    }
    if let Some(first) = skipped.first() {
        out::eprint(&format!(
            "skipped {} invalid document(s) of {input_name} (first: line {}: {})\n",
            skipped.len(),
            first.line,
            first.message
        ));
    }
    Ok((output, Outcome::Success))
}

/// Moves a query's diagnostic into the file the query came from.
type Place = Box<dyn Fn(Diagnostic) -> Diagnostic>;

/// The `--esql` query, parsed.
fn esql_query(text: &str) -> Result<(Query, String, Place), Vec<Diagnostic>> {
    let file = SourceFile::new("<query>", text.to_string());
    let place = {
        let file = file.clone();
        move |d: Diagnostic| d.in_file(&file)
    };
    let query = rulegate::esql::parse(text).map_err(|d| vec![place(d)])?;
    Ok((query, text.to_string(), Box::new(place)))
}

/// The rule's query, parsed; an error for a rule that is not ES|QL.
fn rule_query(path: &Path) -> Result<(Query, String, Place), Vec<Diagnostic>> {
    let loaded = rule::load(path)?;
    Ok(match &loaded.query {
        QueryStatus::Parsed { query, text, .. } => {
            let (query, text) = (query.clone(), text.clone());
            (
                query,
                text,
                Box::new(move |d: Diagnostic| loaded.query_diagnostic(d)),
            )
        }
        QueryStatus::Invalid(errors) => return Err(errors.clone()),
        QueryStatus::Kql { .. } => {
            return Err(vec![Diagnostic::error(
                "E001",
                "the rule's language is `kuery`, not ES|QL: run it with `rulegate run` or `replay`",
            )
            .at_path(path)])
        }
        QueryStatus::Eql { .. } => {
            return Err(vec![Diagnostic::error(
                "E001",
                "the rule's language is `eql`, not ES|QL: run it with `rulegate run` or `replay`",
            )
            .at_path(path)])
        }
        QueryStatus::NotEsql { language } => {
            return Err(vec![Diagnostic::error(
                "E001",
                format!("the rule's language is `{language}`, not ES|QL: nothing to run"),
            )
            .at_path(path)])
        }
    })
}

/// The query's table over the input, with the documents read and those skipped: streamed when
/// the query allows, else over the documents all loaded first.
fn evaluate(
    args: &QueryArgs,
    query: &Query,
    text: &str,
    place: &Place,
    selection: &FieldSelection,
    options: LoadOptions,
    now: i64,
) -> Result<(Table, usize, Vec<InputError>), Vec<Diagnostic>> {
    let input_name = args.input.display().to_string();
    Ok(if eval::stream::streams(query, selection) {
        // Stream, holding only the groups (or the returned rows).
        let streaming = Streaming {
            read_all: args.strict,
            ..Streaming::default()
        };
        let streamed = match map_input(&args.input)? {
            // Scanned where the page cache holds it; a truncation meanwhile outranks
            // whatever the run made of the zeros the guard put in its place.
            Some(mapped) => {
                let release = |end: usize| mapped.release(end);
                let input = InMemory {
                    lines: mapped.lines(),
                    release: &release,
                    then: Some(mapped.rest().map_err(|e| cannot_read(&args.input, &e))?),
                };
                let run = run_query_mapped(query, text, selection, input, &options, streaming, now);
                if let Some(e) = mapped.truncated() {
                    return Err(cannot_read(&args.input, &e));
                }
                run
            }
            None => {
                let reader = open_input(&args.input)?;
                eval::stream::run_query(query, text, selection, reader, &options, streaming, now)
            }
        }
        .map_err(|e| match e {
            StreamError::Input(e) => input_error(&input_name, e),
            StreamError::Query(d) => vec![place(d)],
        })?;
        if let (true, rulegate::esql::ast::SourceCommand::From(from)) = (
            streamed.documents > 0 && streamed.matched == 0,
            &query.source,
        ) {
            return Err(vec![place(rulegate::document::catalog::unknown_index_of(
                from,
            ))]);
        }
        (streamed.table, streamed.documents, streamed.skipped)
    } else {
        let reader = open_input(&args.input)?;
        // The columns depend on the documents: read them all first.
        let threads = Streaming::default().threads;
        let docs = Documents::from_ndjson_parallel(reader, selection, options, threads)
            .map_err(|e| input_error(&input_name, e))?;
        if docs.is_empty() && docs.skipped.is_empty() {
            return Err(no_documents(&input_name));
        }
        let catalog = rulegate::document::Catalog::current();
        let plan = rulegate::document::catalog::source_columns(query, &docs, &catalog)
            .and_then(|columns| Plan::compile(query, text, &columns))
            .map_err(|d| vec![place(d)])?;
        (plan.run(&docs, Window::All, now), docs.len(), docs.skipped)
    })
}

fn input_error(input_name: &str, e: InputError) -> Vec<Diagnostic> {
    vec![Diagnostic::error(
        "E401",
        format!("{input_name}:{}: {}", e.line, e.message),
    )]
}

fn no_documents(input_name: &str) -> Vec<Diagnostic> {
    vec![Diagnostic::error(
        "E403",
        format!("{input_name}: the input has no documents"),
    )]
}

/// The input mapped into memory when it is a plain file (see `rulegate::input::Mapped`), with
/// `W007` said as [`open_input`] says it.
fn map_input(path: &Path) -> Result<Option<Mapped>, Vec<Diagnostic>> {
    let mapped = Mapped::open(path).map_err(|e| cannot_read(path, &e))?;
    if let Some(mapped) = &mapped {
        // What a read would have buffered first (`rulegate::input::open`'s 64 KiB).
        let first = &mapped.bytes()[..mapped.bytes().len().min(1 << 16)];
        if rulegate::audit::import::starts_with_raw_audit(&mut &*first) {
            raw_audit_warning(path);
        }
    }
    Ok(mapped)
}

fn cannot_read(path: &Path, e: &std::io::Error) -> Vec<Diagnostic> {
    vec![Diagnostic::error("E001", format!("cannot read input: {e}")).at_path(path)]
}

/// Opens the documents; raw Kubernetes audit events (which `query` reads as they are, so a rule's
/// ECS fields are all missing) are said on standard error as `W007`.
fn open_input(path: &Path) -> Result<Box<dyn BufRead>, Vec<Diagnostic>> {
    let mut reader = rulegate::input::open(path).map_err(|e| cannot_read(path, &e))?;
    if rulegate::audit::import::starts_with_raw_audit(&mut reader) {
        raw_audit_warning(path);
    }
    Ok(reader)
}

/// `W007`: the input holds raw audit events, which `query` reads as they are.
fn raw_audit_warning(path: &Path) {
    let warning = Diagnostic::warning(
        "W007",
        "these are raw Kubernetes audit events, not ECS documents: the query reads their \
             fields as they are (`verb`, not `kubernetes.audit.verb`)",
    )
    .at_path(format!("{}:1", path.display()))
    .with_help("convert them with `rulegate ingest` to query them as Elastic indexes them");
    out::eprint(&warning.render(false));
}

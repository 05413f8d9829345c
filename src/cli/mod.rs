//! The command line: argument parsing with clap, and exit codes. All work happens in the library.
//!
//! Exit codes: `0` success (also when the reader of standard output closed it early); `1` the
//! check found a problem (an alert changed, an expectation failed, a gate did not pass); `2` bad
//! input, usage or a failed write (the message names file, line and column where there is one).
//! SIGINT and SIGTERM remove temporary files and end the process by the signal (130, 143).

mod check;
mod config;
mod coverage;
mod diff;
mod doc;
mod edges;
mod explain;
mod fixture;
mod gen;
mod ingest;
mod init;
mod inspect;
mod mutate;
mod out;
mod parity;
mod personas;
mod query;
mod replay;
mod report;
mod run;

use std::process::ExitCode;

use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand, ValueEnum};

use rulegate::diagnostic::{render_all, Diagnostic};

#[derive(Debug, Parser)]
#[command(
    name = "rulegate",
    version,
    about = "Proves what an Elastic detection rule (ES|QL, KQL or EQL) does before it ships.",
    after_help = "Caps on work (any command; README, \"Exit codes\"): --max-requests N (scenario \
                  requests, default 10000000), --max-executions N (replay executions, default \
                  1000000), --max-reads N (documents a replay reads, default 100000000), \
                  --max-rows N (rows MV_EXPAND makes from one row, default 1000000), \
                  --max-groups N (groups one STATS holds, default 10000000)."
)]
pub struct Cli {
    /// Colour diagnostics: auto (on a terminal, unless NO_COLOR is set), always or never.
    #[arg(long, global = true, default_value = "auto", value_parser = ["auto", "always", "never"])]
    pub color: String,
    /// Most requests one scenario may generate (steps, repetitions and noise together).
    #[arg(long, global = true, hide = true, value_name = "N", default_value_t = rulegate::limits::DEFAULT_MAX_REQUESTS)]
    pub max_requests: u64,
    /// Most executions one replay of a rule's schedule may run (counted before any runs).
    #[arg(long, global = true, hide = true, value_name = "N", default_value_t = rulegate::limits::DEFAULT_MAX_EXECUTIONS)]
    pub max_executions: u64,
    /// Most documents one replay's executions may read, all windows together.
    #[arg(long, global = true, hide = true, value_name = "N", default_value_t = rulegate::limits::DEFAULT_MAX_READS)]
    pub max_reads: u64,
    /// Most rows `MV_EXPAND` may make from one row.
    #[arg(long, global = true, hide = true, value_name = "N", default_value_t = rulegate::limits::DEFAULT_MAX_ROWS)]
    pub max_rows: u64,
    /// Most groups one `STATS` may hold.
    #[arg(long, global = true, hide = true, value_name = "N", default_value_t = rulegate::limits::DEFAULT_MAX_GROUPS)]
    pub max_groups: u64,
    /// The configuration file (default: `rulegate.toml` in the working directory or a parent).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// An Elasticsearch mapping JSON whose fields every index declares, over the shipped
    /// integration mappings and the config's `mappings` (repeatable; later files win).
    #[arg(long, global = true, value_name = "FILE")]
    pub mapping: Vec<PathBuf>,
    /// A lookup index for `LOOKUP JOIN`: its name and an NDJSON file of its documents, over
    /// the config's `[lookups]` (repeatable; a later one wins a name).
    #[arg(long, global = true, value_name = "NAME=FILE")]
    pub lookup: Vec<String>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    // In pipeline order: syntax, evaluation, audit streams, scheduling, the gate, reviews.
    /// Show what a rule does: metadata, schedule, stages, exclusions, indicators, outputs.
    Inspect(inspect::InspectArgs),
    /// Run an ES|QL query (a rule's or --esql) over NDJSON documents, as Elasticsearch would.
    Query(query::QueryArgs),
    /// Convert real API-server audit logs (JSON lines, .gz, EventList, AKS envelopes) to ECS NDJSON.
    Ingest(ingest::Args),
    /// Generate a scenario's audit stream (ECS, raw audit lines, or an Elasticsearch _bulk body).
    Gen(gen::Args),
    /// List the persona library: name, a tab, a one-line description.
    Personas(personas::Args),
    /// Run a rule's Kibana schedule over documents (ECS NDJSON or raw audit) and print the alerts.
    Replay(replay::ReplayArgs),
    /// Generate a scenario, schedule and evaluate its rules, report alerts and expectations.
    Run(run::RunArgs),
    /// Say, for every document, what the rule did with it and why.
    Explain(explain::ExplainArgs),
    /// Compare twin rules (one detection, two platforms) over one suite rendered for each.
    Parity(parity::ParityArgs),
    /// Derive threshold, exclusion and schedule edge scenarios from a rule's syntax tree.
    Edges(edges::EdgesArgs),
    /// Run every scenario and compare alerts with the committed snapshots (the CI gate).
    Check(check::CheckArgs),
    /// Show what a rule change does: static differences and every scenario's alerts gained or lost.
    Diff(diff::DiffArgs),
    /// The pull-request comment: every changed rule's static change, alerts, gate verdict,
    /// mutation score before and after, coverage gaps (Markdown or JSON).
    Report(report::ReportArgs),
    /// Mutation-test a rule against its scenarios: the score and every surviving mutant.
    Mutate(mutate::MutateArgs),
    /// Clause coverage: how often each conjunct was true, false and null over the scenario suite.
    Coverage(coverage::CoverageArgs),
    /// Turn a real log into a scenario: copy (or refer to) the data, run the rule, write
    /// expectations from what it saw, for review (never overwrites).
    Fixture(fixture::FixtureArgs),
    /// Write a starter rulegate.toml, scenarios for a rule and a CI file (never overwrites).
    Init(init::InitArgs),
    /// Print the effective configuration (rulegate.toml and defaults) and where each value came from.
    Config(config::ConfigArgs),
    /// Document each rule's false positives and blind spots from its scenarios, as Markdown.
    Doc(doc::DocArgs),
}

/// Output formats, with the same names in every command (each takes the ones that apply).
/// The shape of the documents `gen` and `ingest` write (`--format`): unlike [`Format`], what the
/// output is, not how a report reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DocumentFormat {
    /// ECS documents, one a line, as Elasticsearch indexes them.
    Ecs,
    /// `audit.k8s.io/v1` events as the API server writes them (`gen` only).
    Raw,
    /// An Elasticsearch `_bulk` body: a `create` action before each document.
    Bulk,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A few readable lines (`text`, `table` and `yaml`, the older names of some commands, still work).
    #[value(alias = "text", alias = "table", alias = "yaml")]
    Human,
    Json,
    /// For a pull-request comment.
    Markdown,
    /// JUnit XML, as CI systems display test results.
    Junit,
    /// Comma-separated values (`query`).
    Csv,
}

/// A `--format` parser that accepts only `allowed` (clap then lists them in its error).
fn formats(
    allowed: &'static [&'static str],
) -> impl clap::builder::TypedValueParser<Value = Format> {
    formats_or_old(allowed, &[])
}

/// [`formats`], also accepting `old`: the names this command used before the one vocabulary
/// (`text`, `table`, `yaml`, all meaning `human`), hidden from help.
fn formats_or_old(
    allowed: &'static [&'static str],
    old: &'static [&'static str],
) -> impl clap::builder::TypedValueParser<Value = Format> {
    use clap::builder::{PossibleValue, TypedValueParser as _};
    let values = (allowed.iter().map(|name| PossibleValue::new(*name)))
        .chain(old.iter().map(|name| PossibleValue::new(*name).hide(true)));
    clap::builder::PossibleValuesParser::new(values)
        .map(|name: String| Format::from_str(&name, false).expect("every allowed name is a Format"))
}

/// The effective configuration: `--config`, else `rulegate.toml` found from the working directory.
fn load_config(named: Option<&Path>) -> Result<rulegate::project::Config, Vec<Diagnostic>> {
    rulegate::project::Config::discover(Path::new(""), named)
}

/// The rules a review command covers: `rules` (files, folders, globs) when given, else the
/// config's selection; each loaded to run, or with the reason it cannot run yet.
fn selected_rules(
    config: &rulegate::project::Config,
) -> Result<
    Vec<Result<rulegate::runner::PreparedRule, rulegate::runner::NotRunnable>>,
    Vec<Diagnostic>,
> {
    config
        .rule_files()?
        .iter()
        .map(|path| rulegate::runner::prepare(path))
        .collect()
}

/// The rule files a command that runs rules one at a time was given: each entry a file, a folder
/// (searched recursively) or a glob, in the order given, without repeats (a plain path that is
/// no folder, `-` included, as is).
fn rule_paths(named: &[PathBuf]) -> Result<Vec<PathBuf>, Vec<Diagnostic>> {
    let mut paths: Vec<PathBuf> = Vec::new();
    for entry in named {
        let text = entry.display().to_string();
        // A plain path that is no folder (a file, `-`, or a missing one) goes to the command as
        // it is, which reads or reports it in its own words.
        let found = if !entry.is_dir() && !rulegate::project::is_glob(&text) {
            vec![entry.clone()]
        } else {
            rulegate::project::select_rules(Path::new(""), &[text], &[])?
        };
        for path in found {
            if !paths.contains(&path) {
                paths.push(path);
            }
        }
    }
    Ok(paths)
}

/// Runs `one` for each rule and prints the outputs: one rule's as it is; several rules' each
/// under a `==> RULE <==` line (as `head` heads several files) or, in JSON, as one array of
/// `{"rule": …, "output": …}`. A rule that fails does not stop the others; its diagnostics are
/// returned after every output (exit 2). The outcome is the worst of the rules'.
fn for_each_rule(
    rules: &[PathBuf],
    json: bool,
    mut one: impl FnMut(&Path) -> Result<(String, Outcome), Vec<Diagnostic>>,
) -> Result<Outcome, Vec<Diagnostic>> {
    if let [rule] = rules {
        let (text, outcome) = one(rule)?;
        out::print(&text)?;
        return Ok(outcome);
    }
    let mut outcome = Outcome::Success;
    let mut errors = Vec::new();
    let mut array = Vec::new();
    for rule in rules {
        match one(rule) {
            Ok((text, this)) => {
                if matches!(this, Outcome::CheckFailed) {
                    outcome = Outcome::CheckFailed;
                }
                if json {
                    let output =
                        serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text));
                    array.push(
                        serde_json::json!({"rule": rule.display().to_string(), "output": output}),
                    );
                } else {
                    out::print(&format!("==> {} <==\n{text}", rule.display()))?;
                }
            }
            Err(mut diagnostics) => errors.append(&mut diagnostics),
        }
    }
    if json {
        let text = serde_json::to_string_pretty(&array).expect("JSON values serialise");
        out::print(&format!("{text}\n"))?;
    }
    if errors.is_empty() {
        Ok(outcome)
    } else {
        Err(errors)
    }
}

/// "not runnable: reason" lines for people; the same facts go into JSON as `not_runnable`.
fn not_runnable_lines(gaps: &[rulegate::runner::NotRunnable]) -> String {
    gaps.iter()
        .map(|gap| format!("not runnable: {}: {}\n", gap.path.display(), gap.reason))
        .collect()
}

/// What a subcommand reports: success, a failed check, or diagnostics for bad input.
#[allow(dead_code)] // each variant gains its first user with the subcommands that report it
pub enum Outcome {
    Success,
    CheckFailed,
}

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            // clap prints help and version to stdout with code 0, usage errors with code 2.
            return match error.print() {
                Ok(()) => ExitCode::from(if error.use_stderr() { 2 } else { 0 }),
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
                Err(e) => {
                    out::eprint(&format!("error: cannot write to standard output: {e}\n"));
                    ExitCode::from(2)
                }
            };
        }
    };
    let color = use_color(&cli.color);
    rulegate::limits::set(rulegate::limits::Limits {
        max_requests: cli.max_requests,
        max_executions: cli.max_executions,
        max_reads: cli.max_reads,
        max_rows: cli.max_rows,
        max_groups: cli.max_groups,
    });
    if let Err(error) = rulegate::output::remove_temporaries_on_signals() {
        out::eprint(&format!(
            "error: cannot handle SIGINT and SIGTERM: {error}\n"
        ));
        return ExitCode::from(2);
    }
    match run(cli, color) {
        Ok(Outcome::Success) => ExitCode::SUCCESS,
        Ok(Outcome::CheckFailed) => ExitCode::from(1),
        // The reader of standard output went away: it had what it wanted.
        Err(diagnostics) if diagnostics.iter().any(|d| d.code == out::CLOSED_PIPE) => {
            ExitCode::SUCCESS
        }
        Err(diagnostics) => {
            out::eprint(&render_all(&diagnostics, color));
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli, color: bool) -> Result<Outcome, Vec<Diagnostic>> {
    set_user_mappings(cli.config.as_deref(), &cli.mapping)?;
    set_lookups(cli.config.as_deref(), &cli.lookup)?;
    match cli.command {
        Command::Coverage(args) => coverage::run(args, cli.config.as_deref()),
        Command::Parity(args) => parity::run(args, cli.config.as_deref()),
        Command::Diff(args) => diff::run(args, cli.config.as_deref()),
        Command::Mutate(args) => mutate::run(args, cli.config.as_deref()),
        Command::Check(args) => check::run(args, cli.config.as_deref()),
        Command::Report(args) => report::run(args, cli.config.as_deref()),
        Command::Init(args) => init::run(args, cli.config.as_deref()),
        Command::Config(args) => config::run(args, cli.config.as_deref()),
        Command::Doc(args) => doc::run(args, cli.config.as_deref()),
        Command::Edges(args) => edges::run(args),
        Command::Explain(args) => explain::run(args),
        Command::Fixture(args) => fixture::run(args),
        Command::Replay(args) => replay::run(args),
        Command::Run(args) => run::run(args),
        Command::Inspect(args) => inspect::run(args, color),
        Command::Ingest(args) => ingest::run(args),
        Command::Gen(args) => gen::run(args),
        Command::Personas(args) => personas::run(args),
        Command::Query(args) => query::run(args, color),
    }
}

/// Reads the config's `mappings` and `--mapping` files once, for every command that evaluates.
/// Without either, the config is not required to load here (the commands that use it report).
fn set_user_mappings(named: Option<&Path>, flags: &[PathBuf]) -> Result<(), Vec<Diagnostic>> {
    let config = match load_config(named) {
        Ok(config) => config,
        // A bad `[data_views]` changes what rules read: every evaluating command stops on it.
        Err(errors) if flags.is_empty() && !errors.iter().any(is_data_view_error) => return Ok(()),
        Err(errors) => return Err(errors),
    };
    rulegate::project::data_views::set(config.data_views.value.clone());
    if config.mappings.value.is_empty() && flags.is_empty() {
        return Ok(());
    }
    rulegate::document::catalog::set_user_mapping(config.user_mapping(flags)?);
    Ok(())
}

/// Reads the lookup indices of the config's `[lookups]` and `--lookup` once, after the user's
/// mappings (which type their fields). Without either, the config need not load here.
fn set_lookups(named: Option<&Path>, flags: &[String]) -> Result<(), Vec<Diagnostic>> {
    let config = match load_config(named) {
        Ok(config) => config,
        Err(_) if flags.is_empty() => return Ok(()),
        Err(errors) => return Err(errors),
    };
    let files = config.lookup_files(flags)?;
    if files.is_empty() {
        return Ok(());
    }
    let mut lookups = rulegate::eval::Lookups::default();
    for (name, path) in files {
        lookups.load_file(&name, &path).map_err(|d| vec![d])?;
    }
    rulegate::eval::set_lookups(lookups);
    Ok(())
}

fn is_data_view_error(error: &Diagnostic) -> bool {
    use rulegate::project::data_views::{E_DATA_VIEW_EMPTY, E_DATA_VIEW_LIMIT};
    [E_DATA_VIEW_EMPTY, E_DATA_VIEW_LIMIT].contains(&error.code)
}

/// Warnings go to stderr after the result.
fn print_warnings(warnings: &[Diagnostic], color: bool) {
    if !warnings.is_empty() {
        out::eprint(&render_all(warnings, color));
    }
}

fn use_color(choice: &str) -> bool {
    use std::io::IsTerminal;
    match choice {
        "always" => true,
        "never" => false,
        _ => std::env::var_os("NO_COLOR").is_none() && std::io::stderr().is_terminal(),
    }
}

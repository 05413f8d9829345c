//! The command line: argument parsing with clap, and exit codes. All work happens in the library.
//!
//! Exit codes: `0` success (also when the reader of standard output closed it early); `1` the
//! check found a problem (an alert changed, an expectation failed, a gate did not pass); `2` bad
//! input, usage or a failed write (the message names file, line and column where there is one).
//! SIGINT and SIGTERM remove temporary files and end the process by the signal (130, 143).

mod check;
mod coverage;
mod diff;
mod doc;
mod edges;
mod explain;
mod gen;
mod ingest;
mod inspect;
mod mutate;
mod out;
mod personas;
mod query;
mod replay;
mod run;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use rulegate::diagnostic::{render_all, Diagnostic};

#[derive(Debug, Parser)]
#[command(
    name = "rulegate",
    version,
    about = "Proves what an Elastic ES|QL detection rule does before it ships."
)]
pub struct Cli {
    /// Colour diagnostics: auto (on a terminal, unless NO_COLOR is set), always or never.
    #[arg(long, global = true, default_value = "auto", value_parser = ["auto", "always", "never"])]
    pub color: String,
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
    /// Derive threshold, exclusion and schedule edge scenarios from a rule's syntax tree.
    Edges(edges::EdgesArgs),
    /// Run every scenario and compare alerts with the committed snapshots (the CI gate).
    Check(check::CheckArgs),
    /// Show what a rule change does: static differences and every scenario's alerts gained or lost.
    Diff(diff::DiffArgs),
    /// Mutation-test a rule against its scenarios: the score and every surviving mutant.
    Mutate(mutate::MutateArgs),
    /// Clause coverage: how often each conjunct was true, false and null over the scenario suite.
    Coverage(coverage::CoverageArgs),
    /// Document each rule's false positives and blind spots from its scenarios, as Markdown.
    Doc(doc::DocArgs),
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
    match cli.command {
        Command::Coverage(args) => coverage::run(args),
        Command::Diff(args) => diff::run(args),
        Command::Mutate(args) => mutate::run(args),
        Command::Check(args) => check::run(args),
        Command::Doc(args) => doc::run(args),
        Command::Edges(args) => edges::run(args),
        Command::Explain(args) => explain::run(args),
        Command::Replay(args) => replay::run(args),
        Command::Run(args) => run::run(args),
        Command::Inspect(args) => inspect::run(args, color),
        Command::Ingest(args) => ingest::run(args),
        Command::Gen(args) => gen::run(args),
        Command::Personas(args) => personas::run(args),
        Command::Query(args) => query::run(args, color),
    }
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

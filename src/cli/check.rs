//! `rulegate check`: every scenario against its snapshot and expectations — the CI gate for
//! repositories that are not Rust projects, on the same `.snap` files as the test suite.

use std::path::PathBuf;

use clap::Args;

use rulegate::check::{self, CheckOptions, ScenarioOutcome};
use rulegate::diagnostic::Diagnostic;
use rulegate::runner::{self, RuleSource};

use super::{out, Outcome};

/// Runs every scenario and compares alerts and reports with the committed snapshots.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Resolve each scenario's rules by file name in this directory (default: as the scenario names them).
    #[arg(long, value_name = "DIR")]
    pub rules: Option<PathBuf>,
    /// The scenario library (searched recursively; `personas.toml` is not a scenario).
    #[arg(long, value_name = "DIR", default_value = "scenarios")]
    pub scenarios: PathBuf,
    /// The run snapshots, insta `.snap` files shared with `cargo test`.
    #[arg(long, value_name = "DIR", default_value = "snapshots/runs")]
    pub snapshots: PathBuf,
    /// Rewrite changed and missing snapshots (atomically) and delete orphaned ones.
    #[arg(long)]
    pub update: bool,
    /// Also write a JUnit XML report, one test case per scenario.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// A few readable lines and a diff per failing scenario, or the whole verdict as JSON.
    #[arg(long, default_value = "human", value_parser = ["human", "json"])]
    pub format: String,
}

pub fn run(args: CheckArgs) -> Result<Outcome, Vec<Diagnostic>> {
    if !args.scenarios.is_dir() {
        return Err(vec![
            Diagnostic::error("E001", "no scenarios directory").at_path(&args.scenarios)
        ]);
    }
    let options = CheckOptions {
        scenarios: args.scenarios.clone(),
        snapshots: args.snapshots.clone(),
        update: args.update,
    };
    let rules = match &args.rules {
        Some(dir) => RuleSource::Dir(dir),
        None => RuleSource::AsWritten,
    };
    let report = check::check(&options, &mut |path| {
        let run = runner::run_scenario(path, rules)?;
        Ok(ScenarioOutcome {
            snapshot: run.to_snapshot(),
            failed_expectations: run.failed_expectations(),
            kind: run.kind.clone(),
            alerts: run.rules.iter().map(|rule| rule.alerts.len()).sum(),
        })
    })?;
    if let Some(junit) = &args.junit {
        out::write_file(junit, &report.render_junit())?;
    }
    let text = match args.format.as_str() {
        "json" => format!(
            "{}\n",
            serde_json::to_string_pretty(&report).expect("JSON values serialise")
        ),
        _ => report.render_human(),
    };
    out::print(&text)?;
    Ok(if report.passed() {
        Outcome::Success
    } else {
        Outcome::CheckFailed
    })
}

//! `rulegate run SCENARIO.toml [--rule RULE.toml] [--format yaml|json]`.

use std::path::PathBuf;

use clap::Args;

use rulegate::diagnostic::Diagnostic;
use rulegate::runner;

use super::{out, Outcome};

/// Generates a scenario, schedules and evaluates its rules, and reports alerts and expectations.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The scenario file.
    pub scenario: PathBuf,
    /// Run this rule instead of the ones the scenario names.
    #[arg(long, value_name = "RULE.toml")]
    pub rule: Option<PathBuf>,
    /// The report as YAML (the snapshot form, plus the description) or JSON.
    #[arg(long, default_value = "yaml", value_parser = ["yaml", "json"])]
    pub format: String,
}

pub fn run(args: RunArgs) -> Result<Outcome, Vec<Diagnostic>> {
    let report = runner::run_scenario(
        &args.scenario,
        match &args.rule {
            Some(rule) => runner::RuleSource::File(rule),
            None => runner::RuleSource::AsWritten,
        },
    )?;
    let mut full = report.to_report_json();
    full["description"] = serde_json::Value::String(report.description.clone());
    let text = match args.format.as_str() {
        "json" => format!(
            "{}\n",
            serde_json::to_string_pretty(&full).expect("JSON values serialise")
        ),
        _ => rulegate::report::yaml::to_yaml(&full),
    };
    out::print(&text)?;
    Ok(if report.failed_expectations().is_empty() {
        Outcome::Success
    } else {
        Outcome::CheckFailed
    })
}

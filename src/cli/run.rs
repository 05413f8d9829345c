//! `rulegate run SCENARIO.toml [--rule RULE|FOLDER|GLOB]… [--format human|json]`.

use std::path::PathBuf;

use clap::Args;

use rulegate::diagnostic::Diagnostic;
use rulegate::runner;

use super::{for_each_rule, formats_or_old, out, rule_paths, Format, Outcome};

/// Generates a scenario, schedules and evaluates its rules, and reports alerts and expectations.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The scenario file.
    pub scenario: PathBuf,
    /// Run these rules instead of the ones the scenario names: rule files, folders (searched
    /// recursively) or globs; repeatable, one report per rule.
    #[arg(long, alias = "rules", value_name = "RULE|FOLDER|GLOB")]
    pub rule: Vec<PathBuf>,
    /// The report as YAML for people (the snapshot form, plus the description; `yaml` is the
    /// older name of `human`) or JSON.
    #[arg(long, default_value = "human", value_parser = formats_or_old(&["human", "json"], &["yaml"]))]
    pub format: Format,
}

pub fn run(args: RunArgs) -> Result<Outcome, Vec<Diagnostic>> {
    if args.rule.is_empty() {
        let (text, outcome) = run_one(&args, runner::RuleSource::AsWritten)?;
        out::print(&text)?;
        return Ok(outcome);
    }
    let rules = rule_paths(&args.rule)?;
    for_each_rule(&rules, args.format == Format::Json, |rule| {
        run_one(&args, runner::RuleSource::File(rule))
    })
}

fn run_one(
    args: &RunArgs,
    rules: runner::RuleSource,
) -> Result<(String, Outcome), Vec<Diagnostic>> {
    let report = runner::run_scenario(&args.scenario, rules)?;
    let mut full = report.to_report_json();
    full["description"] = serde_json::Value::String(report.description.clone());
    let text = match args.format {
        Format::Json => format!(
            "{}\n",
            serde_json::to_string_pretty(&full).expect("JSON values serialise")
        ),
        _ => rulegate::report::yaml::to_yaml(&full),
    };
    let outcome = if report.failed_expectations().is_empty() {
        Outcome::Success
    } else {
        Outcome::CheckFailed
    };
    Ok((text, outcome))
}

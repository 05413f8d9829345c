//! `rulegate coverage [--rules FILE|FOLDER|GLOB…] [--scenarios DIR] [--fail-on-gaps]
//! [--format human|json|markdown]`.

use std::path::{Path, PathBuf};

use clap::Args;
use serde_json::json;

use rulegate::diagnostic::Diagnostic;
use rulegate::review::coverage_report::{render_human, render_markdown, rule_coverage};
use rulegate::review::suite::Suite;
use rulegate::runner::NotRunnable;

use super::{formats, load_config, not_runnable_lines, out, selected_rules, Format, Outcome};

/// Clause coverage: how often each conjunct was true, false and null over the scenario suite.
#[derive(Debug, Args)]
pub struct CoverageArgs {
    /// Rule files, folders (searched recursively) or globs (default: the config's rules).
    #[arg(long, value_name = "FILE|FOLDER|GLOB", num_args = 1..)]
    pub rules: Vec<PathBuf>,
    #[arg(long, value_name = "DIR")]
    pub scenarios: Option<PathBuf>,
    /// Exit 1 when any conjunct is never true, never false, or can never be true.
    #[arg(long)]
    pub fail_on_gaps: bool,
    #[arg(long, default_value = "human", value_parser = formats(&["human", "json", "markdown"]))]
    pub format: Format,
}

pub fn run(args: CoverageArgs, named: Option<&Path>) -> Result<Outcome, Vec<Diagnostic>> {
    let config = load_config(named)?
        .with_rules(&args.rules)
        .with_scenarios(args.scenarios.as_deref());
    let scenarios = config.scenarios_dir();
    let mut reports = Vec::new();
    let mut gaps = Vec::new();
    for rule in selected_rules(&config)? {
        match rule {
            Ok(rule) => {
                let suite = Suite::for_rule(&scenarios, &rule.scheduled.info.rule_id)?;
                match rule_coverage(&rule, &suite) {
                    Ok(report) => reports.push(report),
                    Err(errors) => match NotRunnable::from_errors(&rule, &errors) {
                        Some(gap) => gaps.push(gap),
                        None => return Err(errors),
                    },
                }
            }
            Err(gap) => gaps.push(gap),
        }
    }
    out::print(&match args.format {
        Format::Json => {
            serde_json::to_string_pretty(&json!({"rules": reports, "not_runnable": gaps}))
                .expect("JSON values serialise")
                + "\n"
        }
        Format::Markdown => {
            render_markdown(&reports)
                + &not_runnable_lines(&gaps).replace("not runnable:", "- not runnable:")
        }
        _ => render_human(&reports) + &not_runnable_lines(&gaps),
    })?;
    let gaps: usize = reports.iter().map(|r| r.gaps()).sum();
    Ok(if args.fail_on_gaps && gaps > 0 {
        Outcome::CheckFailed
    } else {
        Outcome::Success
    })
}

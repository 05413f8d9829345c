//! `rulegate coverage [--rules DIR] [--scenarios DIR] [--fail-on-gaps] [--format human|json]`.

use std::path::PathBuf;

use clap::Args;

use rulegate::diagnostic::Diagnostic;
use rulegate::review::coverage_report::{render_human, rule_coverage};
use rulegate::review::diff::rule_files;
use rulegate::review::suite::Suite;
use rulegate::runner::PreparedRule;

use super::{out, Outcome};

/// Clause coverage: how often each conjunct was true, false and null over the scenario suite.
#[derive(Debug, Args)]
pub struct CoverageArgs {
    #[arg(long, default_value = "rules", value_name = "DIR")]
    pub rules: PathBuf,
    #[arg(long, default_value = "scenarios", value_name = "DIR")]
    pub scenarios: PathBuf,
    /// Exit 1 when any conjunct is never true, never false, or can never be true.
    #[arg(long)]
    pub fail_on_gaps: bool,
    #[arg(long, default_value = "human", value_parser = ["human", "json"])]
    pub format: String,
}

pub fn run(args: CoverageArgs) -> Result<Outcome, Vec<Diagnostic>> {
    let mut reports = Vec::new();
    for path in rule_files(&args.rules)? {
        let rule = PreparedRule::load(&path)?;
        let suite = Suite::for_rule(&args.scenarios, &rule.scheduled.info.rule_id)?;
        reports.push(rule_coverage(&rule, &suite)?);
    }
    out::print(&match args.format.as_str() {
        "json" => serde_json::to_string_pretty(&reports).unwrap_or_default() + "\n",
        _ => render_human(&reports),
    })?;
    let gaps: usize = reports.iter().map(|r| r.gaps()).sum();
    Ok(if args.fail_on_gaps && gaps > 0 {
        Outcome::CheckFailed
    } else {
        Outcome::Success
    })
}

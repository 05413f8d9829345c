//! `rulegate mutate [RULE…] [--scenarios DIR] [--min-score PERCENT] [--format human|json|markdown]`.

use std::path::{Path, PathBuf};

use clap::Args;
use serde_json::json;

use rulegate::diagnostic::Diagnostic;
use rulegate::review::mutation::mutate;
use rulegate::review::suite::Suite;
use rulegate::runner::NotRunnable;

use super::{formats, load_config, not_runnable_lines, out, selected_rules, Format, Outcome};

/// Mutation-tests rules against their scenarios: the score and every surviving mutant.
#[derive(Debug, Args)]
pub struct MutateArgs {
    /// Rule files, folders (searched recursively) or globs (default: the config's rules).
    #[arg(value_name = "FILE|FOLDER|GLOB")]
    pub rules: Vec<PathBuf>,
    /// Rule files, folders (searched recursively) or globs, as the arguments: `--rules` means the
    /// same in every command.
    #[arg(long = "rules", value_name = "FILE|FOLDER|GLOB", num_args = 1..)]
    pub rules_option: Vec<PathBuf>,
    #[arg(long, value_name = "DIR")]
    pub scenarios: Option<PathBuf>,
    /// Exit 1 when a rule's score is below this percentage.
    #[arg(long, value_name = "PERCENT", value_parser = percent)]
    pub min_score: Option<f64>,
    #[arg(long, default_value = "human", value_parser = formats(&["human", "json", "markdown"]))]
    pub format: Format,
}

pub fn run(args: MutateArgs, named: Option<&Path>) -> Result<Outcome, Vec<Diagnostic>> {
    let config = load_config(named)?
        .with_rules(&[args.rules.as_slice(), &args.rules_option].concat())
        .with_scenarios(args.scenarios.as_deref());
    let scenarios = config.scenarios_dir();
    let mut reports = Vec::new();
    let mut gaps = Vec::new();
    for rule in selected_rules(&config)? {
        match rule {
            Ok(rule) => {
                let suite = Suite::for_rule(&scenarios, &rule.scheduled.info.rule_id)?;
                match mutate(&rule, &suite) {
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
        // One rule, one report object (as before); several, a list; rules that cannot run beside.
        Format::Json if reports.len() == 1 && gaps.is_empty() => reports[0].to_json(),
        Format::Json => {
            serde_json::to_string_pretty(&json!({"rules": reports, "not_runnable": gaps}))
                .expect("JSON values serialise")
                + "\n"
        }
        Format::Markdown => {
            let mut out: String = reports.iter().map(|r| r.render_markdown()).collect();
            out.push_str(&not_runnable_lines(&gaps).replace("not runnable:", "- not runnable:"));
            out
        }
        _ => {
            let many = reports.len() + gaps.len() > 1;
            let mut out = String::new();
            for report in &reports {
                if many {
                    out.push_str(&format!("{}\n", report.rule));
                }
                out.push_str(&report.render_human());
            }
            out.push_str(&not_runnable_lines(&gaps));
            out
        }
    })?;
    let below = reports
        .iter()
        .any(|r| args.min_score.is_some_and(|min| r.score < min));
    Ok(if below {
        Outcome::CheckFailed
    } else {
        Outcome::Success
    })
}

/// A percentage from 0 to 100: `NaN` compares false with every score (it would pass any suite),
/// and a bound outside the range could never or always fail.
fn percent(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(value) if (0.0..=100.0).contains(&value) => Ok(value),
        Ok(_) => Err(format!("`{text}` is not a percentage from 0 to 100")),
        Err(error) => Err(format!("`{text}` is not a number: {error}")),
    }
}

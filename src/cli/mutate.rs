//! `rulegate mutate RULE.toml [--scenarios DIR] [--min-score PERCENT] [--format human|json]`.

use std::path::PathBuf;

use clap::Args;

use rulegate::diagnostic::Diagnostic;
use rulegate::review::mutation::mutate;
use rulegate::review::suite::Suite;
use rulegate::runner::PreparedRule;

use super::{out, Outcome};

/// Mutation-tests a rule against its scenarios: the score and every surviving mutant.
#[derive(Debug, Args)]
pub struct MutateArgs {
    #[arg(value_name = "RULE.toml")]
    pub rule: PathBuf,
    #[arg(long, default_value = "scenarios", value_name = "DIR")]
    pub scenarios: PathBuf,
    /// Exit 1 when the score is below this percentage.
    #[arg(long, value_name = "PERCENT", value_parser = percent)]
    pub min_score: Option<f64>,
    #[arg(long, default_value = "human", value_parser = ["human", "json"])]
    pub format: String,
}

pub fn run(args: MutateArgs) -> Result<Outcome, Vec<Diagnostic>> {
    let rule = PreparedRule::load(&args.rule)?;
    let suite = Suite::for_rule(&args.scenarios, &rule.scheduled.info.rule_id)?;
    let report = mutate(&rule, &suite)?;
    out::print(&match args.format.as_str() {
        "json" => report.to_json(),
        _ => report.render_human(),
    })?;
    Ok(match args.min_score {
        Some(min) if report.score < min => Outcome::CheckFailed,
        _ => Outcome::Success,
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

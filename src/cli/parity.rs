//! `rulegate parity RULE_A RULE_B [--scenarios DIR] [--format human|json|markdown]`.

use std::path::{Path, PathBuf};

use clap::Args;

use rulegate::diagnostic::Diagnostic;
use rulegate::review::parity::{parity, render_human, render_markdown};
use rulegate::runner::PreparedRule;

use super::{formats, load_config, out, Format, Outcome};

/// Twin rules (one detection, two platforms) over one scenario suite rendered for each.
#[derive(Debug, Args)]
pub struct ParityArgs {
    /// The first rule (its index patterns choose the platform its scenarios are rendered for).
    pub rule_a: PathBuf,
    /// Its twin on another platform.
    pub rule_b: PathBuf,
    /// Scenario folder (default: the config's).
    #[arg(long, value_name = "DIR")]
    pub scenarios: Option<PathBuf>,
    #[arg(long, default_value = "human", value_parser = formats(&["human", "json", "markdown"]))]
    pub format: Format,
}

pub fn run(args: ParityArgs, named: Option<&Path>) -> Result<Outcome, Vec<Diagnostic>> {
    let config = load_config(named)?.with_scenarios(args.scenarios.as_deref());
    let a = PreparedRule::load(&args.rule_a)?;
    let b = PreparedRule::load(&args.rule_b)?;
    let report = parity(&a, &b, &config.scenarios_dir())?;
    out::print(&match args.format {
        Format::Json => {
            serde_json::to_string_pretty(&report).expect("JSON values serialise") + "\n"
        }
        Format::Markdown => render_markdown(&report),
        _ => render_human(&report),
    })?;
    Ok(Outcome::Success)
}

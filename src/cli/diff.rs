//! `rulegate diff BASE.toml HEAD.toml` and `rulegate diff --git-base REF [RULE.toml…]`.

use std::path::PathBuf;

use clap::Args;

use rulegate::diagnostic::Diagnostic;
use rulegate::review::diff::{diff_versions, load_from_git, rule_files, DiffReport};
use rulegate::runner::PreparedRule;

use super::{out, Outcome};

/// Shows what a rule change does: static differences and every scenario's alerts gained or lost.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// Without --git-base: the base and head rule files. With it: the rules to compare
    /// (default: every rule under --rules).
    #[arg(value_name = "RULE.toml")]
    pub rules: Vec<PathBuf>,
    /// Take each rule's base version from this git revision (`git show REF:path`).
    #[arg(long, value_name = "REF")]
    pub git_base: Option<String>,
    /// Where the rules live, for --git-base without explicit rules.
    #[arg(long, default_value = "rules", value_name = "DIR")]
    pub rules_dir: PathBuf,
    /// The scenario suite to run under both versions.
    #[arg(long, default_value = "scenarios", value_name = "DIR")]
    pub scenarios: PathBuf,
    #[arg(long, default_value = "human", value_parser = ["markdown", "json", "human"])]
    pub format: String,
    /// Exit 1 when any alert or expectation result changes.
    #[arg(long)]
    pub fail_on_change: bool,
}

pub fn run(args: DiffArgs) -> Result<Outcome, Vec<Diagnostic>> {
    let pairs: Vec<(PreparedRule, PreparedRule)> = match &args.git_base {
        Some(reference) => {
            let heads = if args.rules.is_empty() {
                rule_files(&args.rules_dir)?
            } else {
                args.rules.clone()
            };
            heads
                .iter()
                .map(|head| Ok((load_from_git(reference, head)?, PreparedRule::load(head)?)))
                .collect::<Result<_, Vec<Diagnostic>>>()?
        }
        None => match args.rules.as_slice() {
            [base, head] => vec![(PreparedRule::load(base)?, PreparedRule::load(head)?)],
            _ => {
                return Err(vec![Diagnostic::error(
                    "E002",
                    "diff takes BASE.toml HEAD.toml, or --git-base REF [RULE.toml…]",
                )])
            }
        },
    };
    let changes = pairs
        .iter()
        .map(|(base, head)| diff_versions(base, head, &args.scenarios))
        .collect::<Result<Vec<_>, _>>()?;
    let report = DiffReport::new(changes);
    out::print(&match args.format.as_str() {
        "json" => report.to_json(),
        "markdown" => report.render_markdown(),
        _ => report.render_human(),
    })?;
    Ok(if args.fail_on_change && report.alerts_changed() {
        Outcome::CheckFailed
    } else {
        Outcome::Success
    })
}

//! `rulegate diff BASE.toml HEAD.toml` and `rulegate diff --git-base REF [RULE…]`.

use std::path::{Path, PathBuf};

use clap::Args;

use rulegate::diagnostic::Diagnostic;
use rulegate::review::diff::{diff_git_changes, diff_versions, DiffReport};
use rulegate::runner::PreparedRule;

use super::{formats, load_config, out, Format, Outcome};

/// Shows what a rule change does: static differences and every scenario's alerts gained or lost.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// Without --git-base: the base and head rule files. With it: rule files, folders or globs
    /// to compare with their base versions (default: every rule file the change adds, deletes,
    /// renames or modifies among the config's rules).
    #[arg(value_name = "RULE")]
    pub rules: Vec<PathBuf>,
    /// With --git-base: rule files, folders (searched recursively) or globs, as the arguments
    /// (`--rules` means the same in every command).
    #[arg(long = "rules", value_name = "FILE|FOLDER|GLOB", num_args = 1.., requires = "git_base")]
    pub rules_option: Vec<PathBuf>,
    /// Take each rule's base version from this git revision.
    #[arg(long, value_name = "REF")]
    pub git_base: Option<String>,
    /// The scenario suite to run under both versions (default: the config's).
    #[arg(long, value_name = "DIR")]
    pub scenarios: Option<PathBuf>,
    #[arg(long, default_value = "human", value_parser = formats(&["human", "json", "markdown"]))]
    pub format: Format,
    /// Exit 1 when any alert or expectation result changes.
    #[arg(long)]
    pub fail_on_change: bool,
}

pub fn run(args: DiffArgs, named: Option<&Path>) -> Result<Outcome, Vec<Diagnostic>> {
    let config = load_config(named)?.with_scenarios(args.scenarios.as_deref());
    let changes = match &args.git_base {
        Some(reference) => {
            // Explicit rules narrow the change to those files; new ones count as added.
            let named = [args.rules.as_slice(), &args.rules_option].concat();
            let config = config.with_rules(&named);
            diff_git_changes(&config, reference, !named.is_empty())?
        }
        None => match args.rules.as_slice() {
            [base, head] => vec![diff_versions(
                &PreparedRule::load(base)?,
                &PreparedRule::load(head)?,
                &config.scenarios_dir(),
            )?],
            _ => {
                return Err(vec![Diagnostic::error(
                    "E002",
                    "diff takes BASE.toml HEAD.toml, or --git-base REF [RULE…]",
                )])
            }
        },
    };
    let report = DiffReport::new(changes);
    out::print(&match args.format {
        Format::Json => report.to_json(),
        Format::Markdown => report.render_markdown(),
        _ => report.render_human(),
    })?;
    Ok(if args.fail_on_change && report.alerts_changed() {
        Outcome::CheckFailed
    } else {
        Outcome::Success
    })
}

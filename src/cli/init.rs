//! `rulegate init [RULE] [--ci github|gitlab|none]`: the starter files of a rules repository.
//! Idempotent: a file that exists is kept as it is, never overwritten.

use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};

use rulegate::diagnostic::Diagnostic;
use rulegate::output::write_set;
use rulegate::project::init::{plan, Ci};

use super::{load_config, out, Outcome};

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum CiChoice {
    Github,
    Gitlab,
    None,
}

/// Writes a starter rulegate.toml, an attack and a benign scenario for RULE, and a CI file.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// A rule to write a starter attack and benign scenario for (derived from its query).
    #[arg(value_name = "RULE.toml")]
    pub rule: Option<PathBuf>,
    /// The CI file: a GitHub Actions workflow, a GitLab CI job, or none.
    #[arg(long, value_enum, default_value = "github")]
    pub ci: CiChoice,
}

pub fn run(args: InitArgs, named: Option<&Path>) -> Result<Outcome, Vec<Diagnostic>> {
    let config = load_config(named)?;
    let ci = match args.ci {
        CiChoice::Github => Ci::Github,
        CiChoice::Gitlab => Ci::Gitlab,
        CiChoice::None => Ci::None,
    };
    // Everything is planned (and the rule derived) before the first file is written.
    let files = plan(&config, args.rule.as_deref(), ci)?;
    let mut report = String::new();
    let mut new_files = Vec::new();
    for file in files {
        if file.path.exists() {
            report.push_str(&format!(
                "kept {} (it exists; init never overwrites)\n",
                file.path.display()
            ));
            continue;
        }
        if let Some(dir) = file.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|error| {
                vec![
                    Diagnostic::error("E003", format!("cannot create directory: {error}"))
                        .at_path(dir),
                ]
            })?;
        }
        report.push_str(&format!("wrote {}\n", file.path.display()));
        new_files.push((file.path, file.text));
    }
    // As a set: no file is written unless all could be staged (see `write_set`).
    write_set(&new_files).map_err(|failure| vec![failure.into_diagnostic("file")])?;
    out::print(&report)?;
    Ok(Outcome::Success)
}

//! `rulegate report --git-base REF [--format markdown|json]`: the pull-request comment.

use std::path::{Path, PathBuf};

use clap::Args;

use rulegate::diagnostic::Diagnostic;
use rulegate::review::pr_report::pull_request_report;

use super::{formats, load_config, out, Format, Outcome};

/// One pull-request report for every rule changed since REF.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The base revision of the pull request (`origin/main`, say).
    #[arg(long, value_name = "REF")]
    pub git_base: String,
    #[arg(long, value_name = "DIR")]
    pub scenarios: Option<PathBuf>,
    #[arg(long, default_value = "markdown", value_parser = formats(&["markdown", "json"]))]
    pub format: Format,
}

pub fn run(args: ReportArgs, named: Option<&Path>) -> Result<Outcome, Vec<Diagnostic>> {
    let config = load_config(named)?.with_scenarios(args.scenarios.as_deref());
    let report = pull_request_report(&config, &args.git_base)?;
    out::print(&match args.format {
        Format::Json => report.to_json(),
        _ => report.render_markdown(),
    })?;
    Ok(Outcome::Success)
}

//! `rulegate doc [--rules DIR] [--scenarios DIR] [-o DIR]`: a false-positive and blind-spot page
//! per rule, written as `DIR/<rule file stem>.md`.

use std::path::PathBuf;

use clap::Args;

use rulegate::diagnostic::Diagnostic;
use rulegate::review::diff::rule_files;
use rulegate::review::fp_doc::rule_page;
use rulegate::review::suite::Suite;
use rulegate::runner::PreparedRule;

use super::{out, Outcome};

/// Documents each rule's false positives and blind spots from its scenarios, as Markdown.
#[derive(Debug, Args)]
pub struct DocArgs {
    /// Directory of rule files; one page per rule.
    #[arg(long, default_value = "rules", value_name = "DIR")]
    pub rules: PathBuf,
    /// Directory of scenarios; each page covers the benign, false-positive and evasion ones
    /// that target its rule.
    #[arg(long, default_value = "scenarios", value_name = "DIR")]
    pub scenarios: PathBuf,
    /// Directory the pages are written to (created if missing).
    #[arg(
        short = 'o',
        long = "output",
        default_value = "docs/rules",
        value_name = "DIR"
    )]
    pub output: PathBuf,
}

pub fn run(args: DocArgs) -> Result<Outcome, Vec<Diagnostic>> {
    // Every page is built before the first is written: bad input writes nothing.
    let mut pages = Vec::new();
    for path in rule_files(&args.rules)? {
        let rule = PreparedRule::load(&path)?;
        let suite = Suite::for_rule(&args.scenarios, &rule.scheduled.info.rule_id)?;
        let stem = path
            .file_stem()
            .map(|stem| stem.to_string_lossy().into_owned())
            .unwrap_or_default();
        pages.push((
            args.output.join(format!("{stem}.md")),
            rule_page(&rule, &suite)?,
        ));
    }
    std::fs::create_dir_all(&args.output).map_err(|error| {
        vec![
            Diagnostic::error("E003", format!("cannot create directory: {error}"))
                .at_path(&args.output),
        ]
    })?;
    for (path, page) in &pages {
        out::write_file(path, page)?;
        out::print(&format!("wrote {}\n", path.display()))?;
    }
    Ok(Outcome::Success)
}

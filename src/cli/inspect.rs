//! `rulegate inspect RULE.toml`: loads a rule and prints what its query does.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use rulegate::diagnostic::Diagnostic;
use rulegate::report::inspect::InspectReport;
use rulegate::rule::{self, QueryStatus};

use super::{out, Outcome};

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The rule file (TOML, as elastic/detection-rules writes it).
    pub rule: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
    Markdown,
}

pub fn run(args: InspectArgs, color: bool) -> Result<Outcome, Vec<Diagnostic>> {
    let loaded = rule::load(&args.rule)?;
    if let QueryStatus::Invalid(errors) = &loaded.query {
        let mut all = errors.clone();
        all.extend(loaded.warnings.iter().cloned());
        return Err(all);
    }
    let report = InspectReport::new(&loaded);
    let output = match args.format {
        Format::Text => report.to_text(),
        Format::Json => report.to_json(),
        Format::Markdown => report.to_markdown(),
    };
    out::print(&output)?;
    if args.format == Format::Json {
        // Text and Markdown say it in the report; JSON keeps its fixed keys, so say it here.
        if let Some(note) = report.not_evaluated() {
            out::eprint(&format!("note: {note}\n"));
        }
    }
    super::print_warnings(&loaded.warnings, color);
    Ok(Outcome::Success)
}

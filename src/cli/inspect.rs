//! `rulegate inspect RULE.toml`: loads a rule and prints what its query does.

use std::path::PathBuf;

use clap::Args;

use rulegate::diagnostic::Diagnostic;
use rulegate::report::inspect::InspectReport;
use rulegate::rule::{self, QueryStatus};

use super::{for_each_rule, formats_or_old, out, rule_paths, Format, Outcome};

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// Rule files (TOML, as elastic/detection-rules writes them), folders (searched
    /// recursively) or globs; several are reported one after the other.
    #[arg(
        required_unless_present = "rules_option",
        value_name = "RULE|FOLDER|GLOB"
    )]
    pub rules: Vec<PathBuf>,
    /// Rule files, folders (searched recursively) or globs, as the arguments: `--rules` means the
    /// same in every command.
    #[arg(long = "rules", value_name = "FILE|FOLDER|GLOB", num_args = 1..)]
    pub rules_option: Vec<PathBuf>,
    /// Output format (`text` is the older name of `human`).
    #[arg(long, default_value = "human", value_parser = formats_or_old(&["human", "json", "markdown"], &["text"]))]
    pub format: Format,
}

pub fn run(args: InspectArgs, color: bool) -> Result<Outcome, Vec<Diagnostic>> {
    let rules = rule_paths(&[args.rules.as_slice(), &args.rules_option].concat())?;
    for_each_rule(&rules, args.format == Format::Json, |path| {
        inspect_one(path, args.format, color)
    })
}

fn inspect_one(
    path: &std::path::Path,
    format: Format,
    color: bool,
) -> Result<(String, Outcome), Vec<Diagnostic>> {
    let loaded = rule::load(path)?;
    if let QueryStatus::Invalid(errors) = &loaded.query {
        let mut all = errors.clone();
        all.extend(loaded.warnings.iter().cloned());
        return Err(all);
    }
    let report = InspectReport::new(&loaded);
    let output = match format {
        Format::Json => report.to_json(),
        Format::Markdown => report.to_markdown(),
        _ => report.to_text(),
    };
    if format == Format::Json {
        // Text and Markdown say it in the report; JSON keeps its fixed keys, so say it here.
        if let Some(note) = report.not_evaluated() {
            out::eprint(&format!("note: {note}\n"));
        }
    }
    super::print_warnings(&loaded.warnings, color);
    Ok((output, Outcome::Success))
}

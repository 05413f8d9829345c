//! `rulegate doc [--rules FILE|FOLDER|GLOB…] [--scenarios DIR] [-o DIR]`: a false-positive and
//! blind-spot page per rule, written as `DIR/<rule file stem>.md`.

use std::path::{Path, PathBuf};

use clap::Args;

use rulegate::diagnostic::Diagnostic;
use rulegate::output::write_set;
use rulegate::review::fp_doc::rule_page;
use rulegate::review::suite::Suite;
use rulegate::runner::NotRunnable;

use super::{load_config, not_runnable_lines, out, selected_rules, Outcome};

/// Documents each rule's false positives and blind spots from its scenarios, as Markdown.
#[derive(Debug, Args)]
pub struct DocArgs {
    /// Rule files, folders (searched recursively) or globs (default: the config's rules); one
    /// page per rule.
    #[arg(long, value_name = "FILE|FOLDER|GLOB", num_args = 1..)]
    pub rules: Vec<PathBuf>,
    /// Directory of scenarios; each page covers the benign, false-positive and evasion ones
    /// that target its rule.
    #[arg(long, value_name = "DIR")]
    pub scenarios: Option<PathBuf>,
    /// Directory the pages are written to (created if missing).
    #[arg(
        short = 'o',
        long = "output",
        default_value = "docs/rules",
        value_name = "DIR"
    )]
    pub output: PathBuf,
}

pub fn run(args: DocArgs, named: Option<&Path>) -> Result<Outcome, Vec<Diagnostic>> {
    let config = load_config(named)?
        .with_rules(&args.rules)
        .with_scenarios(args.scenarios.as_deref());
    let scenarios = config.scenarios_dir();
    let command = refresh_command(&args, named);
    // Every page is built before the first is written: bad input writes nothing.
    let mut pages = Vec::new();
    let mut gaps = Vec::new();
    for rule in selected_rules(&config)? {
        let rule = match rule {
            Ok(rule) => rule,
            Err(gap) => {
                gaps.push(gap);
                continue;
            }
        };
        let suite = Suite::for_rule(&scenarios, &rule.scheduled.info.rule_id)?;
        let stem = rule
            .path
            .file_stem()
            .map(|stem| stem.to_string_lossy().into_owned())
            .unwrap_or_default();
        match rule_page(&rule, &suite, &command) {
            Ok(page) => pages.push((args.output.join(format!("{stem}.md")), page)),
            Err(errors) => match NotRunnable::from_errors(&rule, &errors) {
                Some(gap) => gaps.push(gap),
                None => return Err(errors),
            },
        }
    }
    std::fs::create_dir_all(&args.output).map_err(|error| {
        vec![
            Diagnostic::error("E003", format!("cannot create directory: {error}"))
                .at_path(&args.output),
        ]
    })?;
    // Pages go out in file-name order, whatever folders the rules sit in: the listing and a
    // part-way failure's "already replaced" set read the same on every tree.
    pages.sort_by(|a, b| a.0.cmp(&b.0));
    let mut out = write_pages(&pages)?;
    out.push_str(&not_runnable_lines(&gaps));
    out::print(&out)?;
    Ok(Outcome::Success)
}

/// Writes every page as a set ([`write_set`]): nothing is replaced unless every page could be
/// staged, and no page is ever partly written.
fn write_pages(pages: &[(PathBuf, String)]) -> Result<String, Vec<Diagnostic>> {
    write_set(pages).map_err(|failure| vec![failure.into_diagnostic("page")])?;
    Ok(pages
        .iter()
        .map(|(path, _)| format!("wrote {}\n", path.display()))
        .collect())
}

/// The command that regenerates the pages: the options that decide their content, as given.
/// The output folder is left out: a page lives where it was written.
fn refresh_command(args: &DocArgs, named: Option<&Path>) -> String {
    let mut words = vec!["rulegate".to_string(), "doc".to_string()];
    if let Some(config) = named {
        words.push("--config".into());
        words.push(quote(&config.display().to_string()));
    }
    if !args.rules.is_empty() {
        words.push("--rules".into());
        words.extend(args.rules.iter().map(|p| quote(&p.display().to_string())));
    }
    if let Some(dir) = &args.scenarios {
        words.push("--scenarios".into());
        words.push(quote(&dir.display().to_string()));
    }
    words.join(" ")
}

/// Single-quotes a word for a POSIX shell when it needs it.
fn quote(word: &str) -> String {
    let plain = word
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_./:=@".contains(c));
    if plain && !word.is_empty() {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

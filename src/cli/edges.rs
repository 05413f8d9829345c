//! `rulegate edges RULE.toml [--write DIR]`: boundary scenarios derived from the rule's syntax tree.

use std::path::{Path, PathBuf};

use clap::Args;

use rulegate::diagnostic::Diagnostic;
use rulegate::edges::{self, EdgeInput, EdgeModel};
use rulegate::output::write_set;
use rulegate::rule;
use rulegate::schedule::ScheduledRule;

use super::{for_each_rule, rule_paths, Outcome};

/// Derives threshold, exclusion and schedule edge scenarios from a rule.
#[derive(Debug, Args)]
pub struct EdgesArgs {
    /// Rule files (TOML as elastic/detection-rules writes them), folders (searched recursively)
    /// or globs; several are listed one after the other.
    #[arg(
        required_unless_present = "rules_option",
        value_name = "RULE|FOLDER|GLOB"
    )]
    pub rules: Vec<PathBuf>,
    /// Rule files, folders (searched recursively) or globs, as the arguments: `--rules` means the
    /// same in every command.
    #[arg(long = "rules", value_name = "FILE|FOLDER|GLOB", num_args = 1..)]
    pub rules_option: Vec<PathBuf>,
    /// Write the scenarios as files into this directory instead of listing them (with several
    /// rules, into one sub-folder per rule, named after the rule file).
    #[arg(long, value_name = "DIR")]
    pub write: Option<PathBuf>,
}

pub fn run(args: EdgesArgs) -> Result<Outcome, Vec<Diagnostic>> {
    let rules = rule_paths(&[args.rules.as_slice(), &args.rules_option].concat())?;
    let several = rules.len() > 1;
    for_each_rule(&rules, false, |rule| {
        let write = match (&args.write, several) {
            (Some(dir), true) => {
                let stem = rule.file_stem().unwrap_or_default();
                Some(dir.join(stem))
            }
            (write, _) => write.clone(),
        };
        edges_one(rule, write.as_deref())
    })
}

fn edges_one(rule_path: &Path, write: Option<&Path>) -> Result<(String, Outcome), Vec<Diagnostic>> {
    let loaded = rule::load(rule_path)?;
    let scheduled = ScheduledRule::from_loaded(&loaded).map_err(|error| vec![error])?;
    let rule_reference = match write {
        Some(dir) => relative_path(dir, rule_path)?,
        None => rule_path.display().to_string(),
    };
    let display = rule_path.display().to_string();
    let scenarios = if loaded.query.kql().is_some() {
        let input = edges::kql::KqlEdgeInput {
            rule_reference: &rule_reference,
            rule_display: &display,
            schedule: &scheduled.schedule,
            loaded: &loaded,
        };
        edges::kql::generate(&input).map_err(|error| vec![error])?
    } else if rulegate::eql::is_eql_rule(&loaded) {
        edges::eql::for_rule(&loaded, &scheduled, &rule_reference, &display)
            .map_err(|error| vec![error.at_path(rule_path)])?
    } else {
        esql_scenarios(&loaded, &scheduled, rule_path, &rule_reference)?
    };
    emit(&scenarios, write)
}

/// The edge scenarios of an ES|QL rule.
fn esql_scenarios(
    loaded: &rule::LoadedRule,
    scheduled: &ScheduledRule,
    rule_path: &Path,
    rule_reference: &str,
) -> Result<Vec<edges::EdgeScenario>, Vec<Diagnostic>> {
    let Some((query, text)) = loaded.query.parsed() else {
        return Err(vec![Diagnostic::error(
            "E703",
            "not evaluated: edges are derived from ES|QL, KQL and EQL rules only",
        )
        .in_file(&loaded.file)]);
    };
    if let Some(gap) = edges::data_source_gap(query) {
        return Err(vec![Diagnostic::error(
            "E711",
            format!("cannot derive edge scenarios: {gap}"),
        )
        .at_path(rule_path)
        .with_help("edge scenarios exist for rules over Kubernetes audit logs (`logs-kubernetes.audit_logs-*`)")]);
    }
    let model = EdgeModel::from_query(query, text);
    let input = EdgeInput {
        rule_reference,
        rule_display: &rule_path.display().to_string(),
        schedule: &scheduled.schedule,
        model: &model,
    };
    Ok(edges::generate(&input))
}

/// Lists the scenarios, or writes them into `write` as one set.
fn emit(
    scenarios: &[edges::EdgeScenario],
    write: Option<&Path>,
) -> Result<(String, Outcome), Vec<Diagnostic>> {
    let mut listing = String::new();
    match write {
        None => {
            for scenario in scenarios {
                listing.push_str(&format!("{}\t{}\n", scenario.file_name, scenario.title));
            }
        }
        Some(dir) => {
            // As a set: no scenario is replaced unless all could be staged (see `write_set`).
            let files: Vec<(PathBuf, String)> = scenarios
                .iter()
                .map(|scenario| (dir.join(&scenario.file_name), scenario.text.clone()))
                .collect();
            write_set(&files).map_err(|failure| vec![failure.into_diagnostic("scenario")])?;
            for (path, _) in &files {
                listing.push_str(&format!("{}\n", path.display()));
            }
        }
    }
    Ok((listing, Outcome::Success))
}

/// The rule file's path as seen from `dir` (scenario files name rules relative to themselves).
fn relative_path(dir: &Path, file: &Path) -> Result<String, Vec<Diagnostic>> {
    std::fs::create_dir_all(dir).map_err(|error| {
        vec![Diagnostic::error("E003", format!("cannot create directory: {error}")).at_path(dir)]
    })?;
    let canonical = |path: &Path| {
        path.canonicalize().map_err(|error| {
            vec![Diagnostic::error("E001", format!("cannot resolve path: {error}")).at_path(path)]
        })
    };
    let (from, to) = (canonical(dir)?, canonical(file)?);
    let common = from
        .components()
        .zip(to.components())
        .take_while(|(a, b)| a == b)
        .count();
    let mut parts: Vec<String> = from
        .components()
        .skip(common)
        .map(|_| "..".to_string())
        .collect();
    parts.extend(
        to.components()
            .skip(common)
            .map(|part| part.as_os_str().to_string_lossy().into_owned()),
    );
    Ok(parts.join("/"))
}

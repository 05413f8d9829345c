//! `rulegate init`: a starter `rulegate.toml`, an attack and a benign scenario for a rule (derived
//! from its query, as `edges` derives boundary scenarios) and a CI file — the files a rules
//! repository needs to adopt rulegate. Planned here, written by the command; never overwritten.

use std::path::{Path, PathBuf};

use super::Config;
use crate::diagnostic::Diagnostic;
use crate::edges::{self, EdgeInput, EdgeModel, EdgeScenario};
use crate::rule;
use crate::schedule::ScheduledRule;

/// The starter configuration: the defaults written out, with a gate that asks for one alerting
/// attack and one quiet benign scenario per rule.
pub const STARTER_CONFIG: &str = include_str!("templates/rulegate.toml");
/// The GitHub Actions workflow documented in docs/ci.md.
pub const GITHUB_WORKFLOW: &str = include_str!("templates/github-workflow.yml");
/// The GitLab CI job documented in docs/ci.md.
pub const GITLAB_CI: &str = include_str!("templates/gitlab-ci.yml");

/// Which CI file `init` writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ci {
    Github,
    Gitlab,
    None,
}

/// One file `init` would write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlannedFile {
    pub path: PathBuf,
    pub text: String,
}

/// The files for a repository rooted at `root` (paths relative to it), the rule's scenarios in
/// the config's scenario folder.
pub fn plan(
    config: &Config,
    rule: Option<&Path>,
    ci: Ci,
) -> Result<Vec<PlannedFile>, Vec<Diagnostic>> {
    let mut files = vec![PlannedFile {
        path: config.path(Path::new(super::CONFIG_FILE)),
        text: STARTER_CONFIG.to_string(),
    }];
    if let Some(rule) = rule {
        files.extend(starter_scenarios(&config.scenarios_dir(), rule)?);
    }
    match ci {
        Ci::Github => files.push(PlannedFile {
            path: config.path(Path::new(".github/workflows/rulegate.yml")),
            text: GITHUB_WORKFLOW.to_string(),
        }),
        Ci::Gitlab => files.push(PlannedFile {
            path: config.path(Path::new("rulegate.gitlab-ci.yml")),
            text: GITLAB_CI.to_string(),
        }),
        Ci::None => {}
    }
    Ok(files)
}

/// An attack scenario (the threshold met, or the first edge that alerts) and a benign one (just
/// below the threshold, or the first edge that stays quiet), bound to the rule by `rule_id`.
fn starter_scenarios(scenarios: &Path, path: &Path) -> Result<Vec<PlannedFile>, Vec<Diagnostic>> {
    let loaded = rule::load(path)?;
    let scheduled = ScheduledRule::from_loaded(&loaded).map_err(|error| vec![error])?;
    let Some((query, text)) = loaded.query.parsed() else {
        return Err(vec![Diagnostic::error(
            "E712",
            "cannot derive scenarios: the rule has no ES|QL query",
        )
        .at_path(path)]);
    };
    if let Some(gap) = edges::data_source_gap(query) {
        return Err(vec![Diagnostic::error(
            "E712",
            format!("cannot derive scenarios: {gap}"),
        )
        .at_path(path)
        .with_help(
            "run `rulegate init` without a rule, and write the scenarios by hand",
        )]);
    }
    let model = EdgeModel::from_query(query, text);
    let rule_id = loaded.rule.data.rule_id.clone();
    let input = EdgeInput {
        rule_reference: &rule_id,
        rule_display: &path.display().to_string(),
        schedule: &scheduled.schedule,
        model: &model,
    };
    let derived = edges::generate(&input);
    // A rule read from standard input (`-`) has no file name: its folder is named by its id.
    let stem = match path.file_stem() {
        Some(stem) if path.as_os_str() != "-" => stem.to_string_lossy().into_owned(),
        _ => rule_id.clone(),
    };
    let dir = scenarios.join(&stem);
    let mut files = Vec::new();
    for (kind, preferred, alerts) in [
        ("attack", "threshold-at.toml", true),
        ("benign", "threshold-below.toml", false),
    ] {
        let chosen = derived
            .iter()
            .find(|s| s.file_name == preferred)
            .or_else(|| derived.iter().find(|s| expects_alerts(s) == Some(alerts)));
        let Some(chosen) = chosen else {
            return Err(vec![Diagnostic::error(
                "E712",
                format!(
                    "cannot derive a {kind} scenario: no edge of the rule's query {}",
                    if alerts { "alerts" } else { "stays quiet" }
                ),
            )
            .at_path(path)]);
        };
        files.push(PlannedFile {
            path: dir.join(format!("{kind}.toml")),
            text: as_starter(chosen, kind),
        });
    }
    Ok(files)
}

/// `alerts = N` of an edge scenario's expectations: whether it expects alerts.
fn expects_alerts(scenario: &EdgeScenario) -> Option<bool> {
    scenario.text.lines().find_map(|line| {
        let value = line
            .strip_prefix("alerts = ")
            .or_else(|| line.strip_prefix("min_alerts = "))?;
        value.trim().parse::<u64>().ok().map(|n| n > 0)
    })
}

/// An edge scenario rewritten as a starter scenario of `kind`.
fn as_starter(scenario: &EdgeScenario, kind: &str) -> String {
    let edge = scenario.file_name.trim_end_matches(".toml");
    scenario
        .text
        .lines()
        .map(|line| {
            if line.starts_with("# Generated by `rulegate edges") {
                format!("# Written by `rulegate init` from the rule's query (the `{edge}` edge); edit it into a real story.")
            } else if line == "kind = \"edge\"" {
                format!("kind = \"{kind}\"")
            } else if let Some(rest) = line.strip_prefix("name = \"edge: ") {
                format!("name = \"{kind}: {rest}")
            } else if let Some(rest) = line.strip_prefix("name = 'edge: ") {
                format!("name = '{kind}: {rest}")
            } else {
                line.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

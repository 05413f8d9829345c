//! `rulegate diff`: what a change of a rule does, statically (exclusions, indicators, thresholds,
//! schedule) and to every scenario's alerts, rendered for people, for machines and for a
//! pull-request comment.

mod render;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Serialize;

use super::alert_diff::{diff_runs, ScenarioDiff};
use super::git::{changed_files, exists_at, show, FileChange};
use super::rule_diff::{diff_rules, RuleDiff};
use super::suite::Suite;
use crate::diagnostic::Diagnostic;
use crate::project::{normalize, Config};
use crate::rule;
use crate::runner::{prepare, NotRunnable, PreparedRule, ScenarioRun};

/// The difference one rule change makes.
#[derive(Clone, Debug, Serialize)]
pub struct RuleChange {
    /// The head version's path (the base's for a deleted rule).
    pub rule: String,
    pub name: String,
    /// `modified`, `added`, `deleted` or `renamed from PATH`.
    pub status: String,
    /// The path of the base version at the git revision (none for an added rule or a pair of
    /// files).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base: Option<String>,
    /// Why the engine cannot run this rule (KQL, EQL today): then no scenario ran.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_runnable: Option<String>,
    #[serde(rename = "static")]
    pub static_diff: RuleDiff,
    /// How many scenarios target the rule (all of them ran under both versions).
    pub scenarios_run: usize,
    /// Only the scenarios whose alerts or expectations changed.
    pub scenarios: Vec<ScenarioDiff>,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct DiffReport {
    pub summary: String,
    pub rules: Vec<RuleChange>,
}

impl DiffReport {
    pub fn new(rules: Vec<RuleChange>) -> DiffReport {
        let mut report = DiffReport {
            summary: String::new(),
            rules,
        };
        report.summary = report.summary_line();
        report
    }

    /// Whether any alert (or expectation result) differs.
    pub fn alerts_changed(&self) -> bool {
        self.rules.iter().any(|r| !r.scenarios.is_empty())
    }
}

/// Runs `base` and `head` over every scenario of `scenarios_dir` that targets the head rule.
pub fn diff_versions(
    base: &PreparedRule,
    head: &PreparedRule,
    scenarios_dir: &Path,
) -> Result<RuleChange, Vec<Diagnostic>> {
    let suite = Suite::for_rule(scenarios_dir, &head.scheduled.info.rule_id)?;
    let before = suite.run(base)?;
    let after = suite.run(head)?;
    let mut keys: Vec<String> = vec!["_id".into(), "_index".into()];
    for column in base.analysis.group_by.iter().chain(&head.analysis.group_by) {
        if !keys.contains(column) {
            keys.push(column.clone());
        }
    }
    let scenarios = suite
        .names()
        .zip(before.iter().zip(&after))
        .map(|(name, (b, a))| ScenarioDiff {
            scenario: name.to_string(),
            ..diff_runs(b, a, &keys, false)
        })
        .filter(|d| !d.is_empty())
        .collect();
    Ok(RuleChange {
        rule: head.path.display().to_string(),
        name: head.scheduled.info.name.clone(),
        status: "modified".into(),
        base: None,
        not_runnable: None,
        static_diff: diff_rules(&base.loaded, &head.loaded),
        scenarios_run: suite.scenarios.len(),
        scenarios,
    })
}

/// Every selected rule file changed between `reference` and the work tree: modified and renamed
/// ones diffed version against version, added ones with the alerts they raise over the suite,
/// deleted ones with the alerts lost. A rule the engine cannot run is listed with the reason.
/// With `explicit`, every selected rule is compared even when git reports no change to it.
pub fn diff_git_changes(
    config: &Config,
    reference: &str,
    explicit: bool,
) -> Result<Vec<RuleChange>, Vec<Diagnostic>> {
    let scenarios = config.scenarios_dir();
    // A change may delete every rule: an empty selection is no error here.
    let files = match config.rule_files() {
        Ok(files) => files,
        Err(errors) if errors.iter().all(|e| e.code == "E021" || e.code == "E022") => Vec::new(),
        Err(errors) => return Err(errors),
    };
    let selected: BTreeSet<PathBuf> = files.iter().map(|p| normalize(p)).collect();
    let is_rule = |path: &Path| selected.contains(&normalize(path));
    let mut changes = Vec::new();
    let mut listed = changed_files(reference)?;
    if explicit {
        // Named rules that git reports unchanged are compared too (and report no change).
        let touched: BTreeSet<PathBuf> = listed.iter().map(|c| normalize(c.path())).collect();
        listed.extend(
            selected
                .iter()
                .filter(|p| !touched.contains(*p))
                .map(|p| FileChange::Modified(p.clone())),
        );
    }
    for change in listed {
        let entry = match &change {
            FileChange::Modified(path) if is_rule(path) => {
                modified(reference, path, path, &scenarios)?
            }
            FileChange::Renamed(from, to) if is_rule(to) => {
                let mut entry = modified(reference, from, to, &scenarios)?;
                entry.status = format!("renamed from {}", from.display());
                entry
            }
            FileChange::Added(path) if is_rule(path) => added(path, &scenarios)?,
            FileChange::Deleted(path) | FileChange::Renamed(path, _) if config.selects(path) => {
                deleted(reference, path, &scenarios)?
            }
            _ => continue,
        };
        changes.push(entry);
    }
    Ok(changes)
}

fn not_runnable_change(gap: NotRunnable, status: &str) -> RuleChange {
    RuleChange {
        rule: gap.path.display().to_string(),
        name: gap.name,
        status: status.into(),
        base: None,
        not_runnable: Some(gap.reason),
        static_diff: RuleDiff::default(),
        scenarios_run: 0,
        scenarios: Vec::new(),
    }
}

fn modified(
    reference: &str,
    base: &Path,
    head: &Path,
    scenarios: &Path,
) -> Result<RuleChange, Vec<Diagnostic>> {
    let head_rule = match prepare(head)? {
        Ok(rule) => rule,
        Err(gap) => return Ok(not_runnable_change(gap, "modified")),
    };
    if !exists_at(reference, base) {
        // Named on the command line but new in this change: nothing to compare with.
        return added(head, scenarios);
    }
    let base_rule = load_from_git(reference, base)?;
    let mut change = diff_versions(&base_rule, &head_rule, scenarios)?;
    change.rule = head.display().to_string();
    change.base = Some(base.display().to_string());
    Ok(change)
}

/// A new rule: every alert it raises over the scenarios that target it is gained.
fn added(path: &Path, scenarios: &Path) -> Result<RuleChange, Vec<Diagnostic>> {
    let rule = match prepare(path)? {
        Ok(rule) => rule,
        Err(gap) => return Ok(not_runnable_change(gap, "added")),
    };
    let suite = Suite::for_rule(scenarios, &rule.scheduled.info.rule_id)?;
    let runs = suite.run(&rule)?;
    Ok(one_sided(&rule, &suite, &runs, "added"))
}

/// A deleted rule: every alert the base version raised over its scenarios is lost. Scenarios
/// that still name the deleted file are bound to it by path.
fn deleted(reference: &str, path: &Path, scenarios: &Path) -> Result<RuleChange, Vec<Diagnostic>> {
    let text = show(reference, path)?;
    let spec = format!("{reference}:{}", path.display());
    let loaded = rule::load_str(&spec, &text)?;
    let known = [(normalize(path), loaded.rule.data.rule_id.clone())];
    let rule = match &loaded.query {
        rule::QueryStatus::NotEsql { .. } => {
            let reason = match &loaded.query {
                rule::QueryStatus::NotEsql { language } => {
                    crate::runner::engine_gap(language).unwrap_or_default()
                }
                _ => unreachable!(),
            };
            return Ok(RuleChange {
                rule: path.display().to_string(),
                name: loaded.rule.data.name.clone(),
                status: "deleted".into(),
                base: Some(path.display().to_string()),
                not_runnable: Some(reason),
                static_diff: RuleDiff::default(),
                scenarios_run: 0,
                scenarios: Vec::new(),
            });
        }
        _ => load_from_git(reference, path)?,
    };
    let suite = Suite::for_rule_known(scenarios, &rule.scheduled.info.rule_id, &known)?;
    let runs = suite.run(&rule)?;
    let mut change = one_sided(&rule, &suite, &runs, "deleted");
    change.base = Some(path.display().to_string());
    Ok(change)
}

/// The diff of a rule against no rule at all: added rules gain every alert, deleted ones lose it.
fn one_sided(rule: &PreparedRule, suite: &Suite, runs: &[ScenarioRun], status: &str) -> RuleChange {
    let mut keys: Vec<String> = vec!["_id".into(), "_index".into()];
    keys.extend(rule.analysis.group_by.iter().cloned());
    let scenarios = suite
        .names()
        .zip(runs)
        .map(|(name, run)| {
            let mut none = run.clone();
            none.expectations.clear();
            for report in &mut none.rules {
                report.alerts.clear();
            }
            let mut diff = if status == "added" {
                diff_runs(&none, run, &keys, false)
            } else {
                diff_runs(run, &none, &keys, false)
            };
            diff.scenario = name.to_string();
            diff
        })
        .filter(|d| !d.is_empty())
        .collect();
    RuleChange {
        rule: rule.path.display().to_string(),
        name: rule.scheduled.info.name.clone(),
        status: status.into(),
        base: None,
        not_runnable: None,
        static_diff: RuleDiff::default(),
        scenarios_run: suite.scenarios.len(),
        scenarios,
    }
}

/// The version of `path` at git revision `reference`, loaded as a rule. Git runs with
/// arguments, never through a shell; `REF:./path` resolves `path` against the working directory.
pub fn load_from_git(reference: &str, path: &Path) -> Result<PreparedRule, Vec<Diagnostic>> {
    let spec = format!("{reference}:./{}", path.display());
    let output = Command::new("git")
        .args(["show", "--no-textconv", &spec])
        .output()
        .map_err(|error| {
            vec![Diagnostic::error(
                "E802",
                format!("cannot run git: {error}"),
            )]
        })?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr).trim().to_string();
        let help = if stderr.contains("not a git repository") {
            "run rulegate diff --git-base inside the rule repository's work tree"
        } else if stderr.contains("exists on disk, but not in")
            || stderr.contains("does not exist in")
        {
            "the file is new in this change: `rulegate diff --git-base REF` reports new rules as added"
        } else {
            "name a commit, branch or tag that exists: `git rev-parse --verify REF`"
        };
        return Err(vec![Diagnostic::error(
            "E802",
            format!("cannot read the base version `{spec}` from git: {stderr}"),
        )
        .at_path(path)
        .with_help(help)]);
    }
    let text = String::from_utf8(output.stdout).map_err(|_| {
        vec![
            Diagnostic::error("E802", format!("the base version `{spec}` is not UTF-8"))
                .at_path(path),
        ]
    })?;
    let loaded = rule::load_str(&spec, &text)?;
    if let rule::QueryStatus::Invalid(diagnostics) = &loaded.query {
        return Err(diagnostics.clone());
    }
    PreparedRule::from_loaded(path, loaded).map_err(|error| vec![error])
}

/// The rule files under `dir` (sorted), for `diff --git-base` without explicit rules.
pub fn rule_files(dir: &Path) -> Result<Vec<PathBuf>, Vec<Diagnostic>> {
    let entries = std::fs::read_dir(dir).map_err(|error| {
        vec![Diagnostic::error("E001", format!("cannot read directory: {error}")).at_path(dir)]
    })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    if files.is_empty() {
        // A report over no rules would pass any gate: a CI job pointed at the wrong folder.
        return Err(vec![Diagnostic::error(
            "E006",
            "no rule files (`*.toml`) in this directory",
        )
        .at_path(dir)]);
    }
    files.sort();
    Ok(files)
}

//! `rulegate diff`: what a change of a rule does, statically (exclusions, indicators, thresholds,
//! schedule) and to every scenario's alerts, rendered for people, for machines and for a
//! pull-request comment.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Serialize;

use super::alert_diff::{diff_runs, AlertView, ScenarioDiff};
use super::rule_diff::{diff_rules, PredicateChange, PredicateSummary, RuleDiff};
use super::suite::Suite;
use crate::diagnostic::Diagnostic;
use crate::rule;
use crate::runner::PreparedRule;

/// The difference one rule change makes.
#[derive(Clone, Debug, Serialize)]
pub struct RuleChange {
    /// The head version's path.
    pub rule: String,
    pub name: String,
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

    /// `+2 alerts in 1 scenario, −5 alerts in 3 scenarios, 1 alert changed in 1 scenario`.
    fn summary_line(&self) -> String {
        let all: Vec<&ScenarioDiff> = self.rules.iter().flat_map(|r| &r.scenarios).collect();
        let tally = |count: &dyn Fn(&ScenarioDiff) -> usize| {
            let alerts: usize = all.iter().map(|d| count(d)).sum();
            let scenarios = all.iter().filter(|d| count(d) > 0).count();
            (alerts, scenarios)
        };
        let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
        let mut parts = Vec::new();
        let (gained, in_gained) = tally(&|d| d.gained.len());
        if gained > 0 {
            parts.push(format!(
                "+{} in {}",
                plural(gained, "alert"),
                plural(in_gained, "scenario")
            ));
        }
        let (lost, in_lost) = tally(&|d| d.lost.len());
        if lost > 0 {
            parts.push(format!(
                "\u{2212}{} in {}",
                plural(lost, "alert"),
                plural(in_lost, "scenario")
            ));
        }
        let (changed, in_changed) = tally(&|d| d.changed.len());
        if changed > 0 {
            parts.push(format!(
                "{} changed in {}",
                plural(changed, "alert"),
                plural(in_changed, "scenario")
            ));
        }
        let (flipped, in_flipped) = tally(&|d| d.expectations.len());
        if flipped > 0 {
            parts.push(format!(
                "{} flipped in {}",
                plural(flipped, "expectation"),
                plural(in_flipped, "scenario")
            ));
        }
        if parts.is_empty() {
            let run: usize = self.rules.iter().map(|r| r.scenarios_run).sum();
            format!("no alert changes in {}", plural(run, "scenario"))
        } else {
            parts.join(", ")
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default() + "\n"
    }

    pub fn render_human(&self) -> String {
        let mut out = String::new();
        for rule in &self.rules {
            let _ = writeln!(out, "{} ({})", rule.name, rule.rule);
            for line in static_lines(&rule.static_diff) {
                let _ = writeln!(out, "  {line}");
            }
            for scenario in &rule.scenarios {
                let _ = writeln!(out, "  scenario {} [{}]", scenario.scenario, scenario.kind);
                for line in scenario_lines(scenario) {
                    let _ = writeln!(out, "    {line}");
                }
            }
        }
        let _ = writeln!(out, "{}", self.summary);
        out
    }

    /// Markdown written to be posted as a pull-request comment.
    pub fn render_markdown(&self) -> String {
        let mut out = String::from("## rulegate diff\n\n");
        let _ = writeln!(out, "**{}**\n", self.summary);
        for rule in &self.rules {
            let _ = writeln!(
                out,
                "### {}\n\n`{}` · {} scenarios run under both versions\n",
                rule.name, rule.rule, rule.scenarios_run
            );
            let statics = static_lines(&rule.static_diff);
            if statics.is_empty() {
                out.push_str(
                    "No change to exclusions, indicators, grouping, outputs or schedule.\n\n",
                );
            } else {
                out.push_str("#### Rule changes\n\n");
                for line in statics {
                    let _ = writeln!(out, "- {line}");
                }
                out.push('\n');
            }
            if rule.scenarios.is_empty() {
                out.push_str("No scenario's alerts changed.\n\n");
                continue;
            }
            out.push_str("#### Alert changes\n\n| scenario | kind | gained | lost | changed | expectations |\n|---|---|---|---|---|---|\n");
            for s in &rule.scenarios {
                let flips: Vec<String> = s
                    .expectations
                    .iter()
                    .map(|e| {
                        format!(
                            "{} ({} → {})",
                            e.expectation,
                            verdict(e.before),
                            verdict(e.after)
                        )
                    })
                    .collect();
                let _ = writeln!(
                    out,
                    "| `{}` | {} | {} | {} | {} | {} |",
                    s.scenario,
                    s.kind,
                    s.gained.len(),
                    s.lost.len(),
                    s.changed.len(),
                    if flips.is_empty() {
                        "—".to_string()
                    } else {
                        flips.join("; ")
                    }
                );
            }
            out.push('\n');
            for s in &rule.scenarios {
                let _ = writeln!(
                    out,
                    "<details><summary><code>{}</code></summary>\n",
                    s.scenario
                );
                for line in scenario_lines(s) {
                    let _ = writeln!(out, "- {line}");
                }
                out.push_str("\n</details>\n\n");
            }
        }
        out
    }
}

fn verdict(passed: bool) -> &'static str {
    if passed {
        "pass"
    } else {
        "fail"
    }
}

fn predicate_text(p: &PredicateSummary) -> String {
    format!("`{}` ({} {})", p.text, p.field, p.kind)
}

/// The static changes as sentences.
fn static_lines(diff: &RuleDiff) -> Vec<String> {
    let mut lines = Vec::new();
    for (what, changes) in [
        ("exclusion", &diff.exclusions),
        ("indicator", &diff.indicators),
    ] {
        for change in changes {
            lines.push(match change {
                PredicateChange::Added { predicate } => {
                    format!("{what} added: {}", predicate_text(predicate))
                }
                PredicateChange::Removed { predicate } => {
                    format!("{what} removed: {}", predicate_text(predicate))
                }
                PredicateChange::Changed {
                    before,
                    after,
                    values_added,
                    values_removed,
                } => {
                    let mut parts = Vec::new();
                    if !values_added.is_empty() {
                        parts.push(format!("values added {}", quote_all(values_added)));
                    }
                    if !values_removed.is_empty() {
                        parts.push(format!("values removed {}", quote_all(values_removed)));
                    }
                    if before.kind != after.kind {
                        parts.push(format!("kind {} → {}", before.kind, after.kind));
                    }
                    if parts.is_empty() {
                        parts.push("values reordered".into());
                    }
                    let threshold = if after.after_stats
                        && values_added.len() == 1
                        && values_removed.len() == 1
                    {
                        format!(" (threshold {} → {})", values_removed[0], values_added[0])
                    } else {
                        String::new()
                    };
                    format!(
                        "{what} on `{}` changed: {}{threshold}",
                        after.field,
                        parts.join(", ")
                    )
                }
            });
        }
    }
    for (what, list) in [
        ("group-by", &diff.group_by),
        ("output field", &diff.output_fields),
    ] {
        for added in &list.added {
            lines.push(format!("{what} added: `{added}`"));
        }
        for removed in &list.removed {
            lines.push(format!("{what} removed: `{removed}`"));
        }
    }
    for setting in &diff.settings {
        lines.push(format!(
            "{}: {} → {}",
            setting.setting, setting.before, setting.after
        ));
    }
    lines
}

fn quote_all(values: &[String]) -> String {
    values
        .iter()
        .map(|v| format!("`{v}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn describe(alert: &AlertView) -> String {
    let group: Vec<String> = alert
        .group
        .iter()
        .map(|(k, v)| format!("{k}={}", compact(v)))
        .collect();
    let dup = if alert.duplicate { " (duplicate)" } else { "" };
    if group.is_empty() {
        format!("window {}{dup}", alert.window)
    } else {
        format!("{} in window {}{dup}", group.join(" "), alert.window)
    }
}

fn compact(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn scenario_lines(diff: &ScenarioDiff) -> Vec<String> {
    let mut lines = Vec::new();
    for alert in &diff.gained {
        lines.push(format!("+ alert {}", describe(alert)));
    }
    for alert in &diff.lost {
        lines.push(format!("\u{2212} alert {}", describe(alert)));
    }
    for changed in &diff.changed {
        let fields: Vec<String> = changed
            .changes
            .iter()
            .map(|c| {
                format!(
                    "{}: {} → {}",
                    c.field,
                    compact(&c.before),
                    compact(&c.after)
                )
            })
            .collect();
        lines.push(format!(
            "~ alert {}: {}",
            describe(&changed.after),
            fields.join("; ")
        ));
    }
    for e in &diff.expectations {
        lines.push(format!(
            "expectation {}: {} → {}",
            e.expectation,
            verdict(e.before),
            verdict(e.after)
        ));
    }
    lines
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
        static_diff: diff_rules(&base.loaded, &head.loaded),
        scenarios_run: suite.scenarios.len(),
        scenarios,
    })
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
            "the rule is new in this change: compare it with `rulegate diff BASE.toml HEAD.toml` against an empty rule, or review it with `rulegate run`"
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

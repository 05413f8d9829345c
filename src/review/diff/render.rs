//! Rendering a `rulegate diff` report: the summary line, the static changes and each scenario's
//! alert changes as sentences, for people (text) and for a pull-request comment (Markdown).

use std::fmt::Write as _;

use super::DiffReport;
use crate::review::alert_diff::{AlertView, ScenarioDiff};
use crate::review::rule_diff::{PredicateChange, PredicateSummary, RuleDiff};

impl DiffReport {
    /// `+2 alerts in 1 scenario, −5 alerts in 3 scenarios, 1 alert changed in 1 scenario`.
    pub(super) fn summary_line(&self) -> String {
        if self.rules.is_empty() {
            return "no rule file changed".into();
        }
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
        let alerts = if parts.is_empty() {
            let run: usize = self.rules.iter().map(|r| r.scenarios_run).sum();
            format!("no alert changes in {}", plural(run, "scenario"))
        } else {
            parts.join(", ")
        };
        // Rules added, deleted or renamed are named first: "1 rule added; +3 alerts in 2 scenarios".
        let mut statuses: Vec<(String, usize)> = Vec::new();
        for rule in &self.rules {
            let status = rule.status.split(' ').next().unwrap_or_default();
            if status == "modified" {
                continue;
            }
            match statuses.iter_mut().find(|(s, _)| s == status) {
                Some(entry) => entry.1 += 1,
                None => statuses.push((status.to_string(), 1)),
            }
        }
        if statuses.is_empty() {
            return alerts;
        }
        let named: Vec<String> = statuses
            .iter()
            .map(|(status, n)| format!("{} {status}", plural(*n, "rule")))
            .collect();
        format!("{}; {alerts}", named.join(", "))
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default() + "\n"
    }

    pub fn render_human(&self) -> String {
        let mut out = String::new();
        for rule in &self.rules {
            let _ = writeln!(out, "{} ({}, {})", rule.name, rule.rule, rule.status);
            if let Some(reason) = &rule.not_runnable {
                let _ = writeln!(out, "  not runnable: {reason}");
            }
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
            let runs = match rule.status.as_str() {
                "added" => "scenarios run under the new rule",
                "deleted" => "scenarios run under the deleted rule",
                _ => "scenarios run under both versions",
            };
            let _ = writeln!(
                out,
                "### {}\n\n`{}` · {} · {} {runs}\n",
                rule.name, rule.rule, rule.status, rule.scenarios_run
            );
            if let Some(reason) = &rule.not_runnable {
                let _ = writeln!(out, "Not runnable: {reason}.\n");
                continue;
            }
            let statics = static_lines(&rule.static_diff);
            let versions = rule.status == "modified" || rule.status.starts_with("renamed");
            if statics.is_empty() && versions {
                out.push_str(
                    "No change to exclusions, indicators, grouping, outputs or schedule.\n\n",
                );
            } else if !statics.is_empty() {
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
            lines.push(predicate_line(what, change));
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
    lines.extend(diff.eql.iter().cloned());
    lines.extend(diff.kql.iter().cloned());
    for added in &diff.filters.added {
        lines.push(format!("filter added: `{added}`"));
    }
    for removed in &diff.filters.removed {
        lines.push(format!("filter removed: `{removed}`"));
    }
    for setting in &diff.settings {
        let mut parts = Vec::new();
        if !setting.added.is_empty() {
            parts.push(format!("added {}", quote_all(&setting.added)));
        }
        if !setting.removed.is_empty() {
            parts.push(format!("removed {}", quote_all(&setting.removed)));
        }
        let items = if parts.is_empty() {
            String::new()
        } else {
            format!(" ({})", parts.join(", "))
        };
        lines.push(format!(
            "{}: {} → {}{items}",
            setting.setting, setting.before, setting.after
        ));
    }
    lines
}

/// One exclusion or indicator change as a sentence (`what` is `exclusion` or `indicator`).
fn predicate_line(what: &str, change: &PredicateChange) -> String {
    match change {
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
            let threshold =
                if after.after_stats && values_added.len() == 1 && values_removed.len() == 1 {
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
    }
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

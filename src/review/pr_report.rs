//! `rulegate report --git-base REF`: the pull-request comment a reviewer wants, for every changed
//! rule — the static change in words, alerts gained and lost per scenario, the gate's verdict,
//! the mutation score before and after with new survivors, coverage gaps, and reassurance lines.
//! Markdown sized for a comment (no H1, long parts folded) and JSON with the same content.

use std::fmt::Write as _;
use std::path::Path;

use serde::Serialize;

use super::coverage::Gap;
use super::coverage_report::rule_coverage;
use super::diff::{diff_git_changes, load_from_git, DiffReport, RuleChange};
use super::mutation::mutate;
use super::suite::Suite;
use crate::check::{check_repository, CheckReport};
use crate::diagnostic::Diagnostic;
use crate::project::{Config, GateFinding, GateVerdict};
use crate::runner::{prepare, NotRunnable, PreparedRule};

/// The report on one changed rule.
#[derive(Clone, Debug, Serialize)]
pub struct RuleSection {
    #[serde(flatten)]
    pub change: RuleChange,
    /// The per-rule gate on the head version (none for a deleted rule).
    pub gate: Option<GateFinding>,
    pub mutation_before: Option<f64>,
    pub mutation_after: Option<f64>,
    /// Surviving mutants of the head version that the base version did not have.
    pub new_survivors: Vec<String>,
    /// Conjuncts of the head version never true, never false or unsatisfiable over the suite.
    pub coverage_gaps: Vec<String>,
    /// What still holds: "6 attack scenarios still alert".
    pub reassurance: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct PullRequestReport {
    pub base: String,
    pub summary: String,
    /// The whole gate (`rulegate check`): passed or not, and its summary line.
    pub gate_passed: bool,
    pub gate_summary: String,
    pub rules: Vec<RuleSection>,
}

/// Builds the report of every rule changed between `reference` and the work tree.
pub fn pull_request_report(
    config: &Config,
    reference: &str,
) -> Result<PullRequestReport, Vec<Diagnostic>> {
    let changes = diff_git_changes(config, reference, false)?;
    let summary = DiffReport::new(changes.clone()).summary;
    let check = check_repository(config, false)?;
    let scenarios = config.scenarios_dir();
    let mut rules = Vec::new();
    for change in changes {
        rules.push(section(config, &check, reference, &scenarios, change)?);
    }
    let gate_summary = check
        .render_human()
        .lines()
        .rev()
        .find(|l| l.starts_with("check "))
        .unwrap_or_default()
        .to_string();
    Ok(PullRequestReport {
        base: reference.to_string(),
        summary,
        gate_passed: check.passed(),
        gate_summary,
        rules,
    })
}

fn section(
    config: &Config,
    check: &CheckReport,
    reference: &str,
    scenarios: &Path,
    change: RuleChange,
) -> Result<RuleSection, Vec<Diagnostic>> {
    let gate = check
        .rules
        .iter()
        .find(|f| {
            config.path(Path::new(&f.rule)) == Path::new(&change.rule) || f.rule == change.rule
        })
        .cloned();
    let mut section = RuleSection {
        change,
        gate,
        mutation_before: None,
        mutation_after: None,
        new_survivors: Vec::new(),
        coverage_gaps: Vec::new(),
        reassurance: Vec::new(),
    };
    if section.change.not_runnable.is_some() {
        return Ok(section);
    }
    let head = match section.change.status.as_str() {
        "deleted" => None,
        _ => prepare(Path::new(&section.change.rule))?.ok(),
    };
    let base: Option<PreparedRule> = match &section.change.base {
        Some(path) => Some(load_from_git(reference, Path::new(path))?),
        None => None,
    };
    let Some(id) = head
        .as_ref()
        .or(base.as_ref())
        .map(|r| r.scheduled.info.rule_id.clone())
    else {
        return Ok(section);
    };
    let suite = match &base {
        Some(base) if head.is_none() => Suite::for_rule_known(
            scenarios,
            &id,
            &[(crate::project::normalize(&base.path), id.clone())],
        )?,
        _ => Suite::for_rule(scenarios, &id)?,
    };
    if suite.scenarios.is_empty() {
        return Ok(section);
    }
    let mut base_survivors = Vec::new();
    if let Some(base) = &base {
        if let Some(report) = unless_limited(base, mutate(base, &suite))? {
            section.mutation_before = Some(report.score);
            base_survivors = report.survivors.into_iter().map(|s| s.mutation).collect();
        }
    }
    if let Some(head) = &head {
        review_head(&mut section, head, &suite, &base_survivors)?;
    }
    Ok(section)
}

/// The head rule's mutation score and the survivors `base_survivors` does not have, what the
/// change kept, and the suite's coverage gaps.
fn review_head(
    section: &mut RuleSection,
    head: &PreparedRule,
    suite: &Suite,
    base_survivors: &[String],
) -> Result<(), Vec<Diagnostic>> {
    if let Some(report) = unless_limited(head, mutate(head, suite))? {
        section.mutation_after = Some(report.score);
        section.new_survivors = report
            .survivors
            .into_iter()
            .map(|s| s.mutation)
            .filter(|m| !base_survivors.contains(m))
            .collect();
    }
    section.reassurance = reassurance(head, suite, &section.change)?;
    let Some(coverage) = unless_limited(head, rule_coverage(head, suite))? else {
        return Ok(());
    };
    for c in &coverage.conjuncts {
        let text: String = c.text.split_whitespace().collect::<Vec<_>>().join(" ");
        for gap in &c.gaps {
            section.coverage_gaps.push(match gap {
                Gap::NeverFalse => {
                    format!("`{text}` is never false: it filters nothing in the suite")
                }
                Gap::NeverTrue => format!("`{text}` is never true in the suite"),
                Gap::Unsatisfiable(reason) => format!("`{text}` can never be true: {reason}"),
            });
        }
    }
    Ok(())
}

/// A review the engine cannot do for this rule type yet (mutation of a KQL rule, say) is left
/// out of the report; other errors are errors.
fn unless_limited<T>(
    rule: &PreparedRule,
    result: Result<T, Vec<Diagnostic>>,
) -> Result<Option<T>, Vec<Diagnostic>> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(errors) if NotRunnable::from_errors(rule, &errors).is_some() => Ok(None),
        Err(errors) => Err(errors),
    }
}

/// "6 attack scenarios still alert", "10 benign scenarios stay quiet": what the change kept.
fn reassurance(
    head: &PreparedRule,
    suite: &Suite,
    change: &RuleChange,
) -> Result<Vec<String>, Vec<Diagnostic>> {
    let runs = suite.run(head)?;
    let changed: Vec<&str> = change
        .scenarios
        .iter()
        .map(|s| s.scenario.as_str())
        .collect();
    let still = if change.status == "added" {
        ""
    } else {
        "still "
    };
    let mut counts = [0usize; 2];
    for ((name, _), run) in suite.scenarios.iter().zip(&runs) {
        if changed.contains(&name.as_str()) {
            continue;
        }
        let alerts: usize = run.rules.iter().map(|r| r.alerts.len()).sum();
        match run.kind.as_str() {
            "attack" if alerts > 0 => counts[0] += 1,
            "benign" if alerts == 0 => counts[1] += 1,
            _ => {}
        }
    }
    let plural = |n: usize| if n == 1 { "scenario" } else { "scenarios" };
    let mut lines = Vec::new();
    if counts[0] > 0 {
        lines.push(format!(
            "{} attack {} {still}alert{}",
            counts[0],
            plural(counts[0]),
            if counts[0] == 1 { "s" } else { "" }
        ));
    }
    if counts[1] > 0 {
        lines.push(format!(
            "{} benign {} stay{} quiet",
            counts[1],
            plural(counts[1]),
            if counts[1] == 1 { "s" } else { "" }
        ));
    }
    Ok(lines)
}

impl PullRequestReport {
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default() + "\n"
    }

    /// The comment: `##` heading, one `###` section per rule, long parts in `<details>`.
    pub fn render_markdown(&self) -> String {
        let mut out = String::from("## rulegate report\n\n");
        let gate = if self.gate_passed {
            "✅ gate passed"
        } else {
            "❌ gate FAILED"
        };
        let _ = writeln!(
            out,
            "**{gate}** · {} · changes since `{}`\n",
            self.summary, self.base
        );
        let _ = writeln!(
            out,
            "<details><summary>gate summary</summary>\n\n```\n{}\n```\n\n</details>\n",
            self.gate_summary
        );
        if self.rules.is_empty() {
            out.push_str("No rule file changed.\n");
        }
        for rule in &self.rules {
            rule_markdown(&mut out, rule);
        }
        out
    }
}

/// One rule's `###` section of the comment.
fn rule_markdown(out: &mut String, rule: &RuleSection) {
    let change = &rule.change;
    let _ = writeln!(
        out,
        "### {}\n\n`{}` · {}\n",
        change.name, change.rule, change.status
    );
    if let Some(reason) = &change.not_runnable {
        let _ = writeln!(out, "Not runnable: {reason}.\n");
        return;
    }
    if let Some(gate) = &rule.gate {
        let verdict = match &gate.verdict {
            GateVerdict::Passed => "passed".to_string(),
            GateVerdict::Failed { lacks } => {
                format!("**short of the gate**: {}", lacks.join("; "))
            }
            GateVerdict::Exempt { reason } => format!("exempt ({reason})"),
            GateVerdict::NotRunnable { reason, .. } => format!("not runnable: {reason}"),
        };
        let _ = writeln!(out, "- gate: {verdict}");
    }
    match (rule.mutation_before, rule.mutation_after) {
        (Some(b), Some(a)) => {
            let _ = writeln!(out, "- mutation score: {b:.1}% → {a:.1}%");
        }
        (None, Some(a)) => {
            let _ = writeln!(out, "- mutation score: {a:.1}%");
        }
        (Some(b), None) => {
            let _ = writeln!(out, "- mutation score before: {b:.1}%");
        }
        (None, None) => {}
    }
    for line in &rule.reassurance {
        let _ = writeln!(out, "- {line}");
    }
    out.push('\n');
    let single = DiffReport::new(vec![change.clone()]).render_markdown();
    // The diff's own rendering, without its heading and summary, folded.
    let body: String = single
        .lines()
        .skip_while(|l| !l.starts_with("### "))
        .skip(1)
        .collect::<Vec<_>>()
        .join("\n");
    let _ = writeln!(
        out,
        "<details><summary>static change and alerts per scenario</summary>\n\n{}\n\n</details>\n",
        body.trim()
    );
    details_list(out, "new surviving mutant(s)", &rule.new_survivors);
    details_list(out, "coverage gap(s)", &rule.coverage_gaps);
}

/// A folded list of `items` headed by their count and `what`; nothing when there are none.
fn details_list(out: &mut String, what: &str, items: &[String]) {
    if items.is_empty() {
        return;
    }
    let _ = writeln!(out, "<details><summary>{} {what}</summary>\n", items.len());
    for item in items {
        let _ = writeln!(out, "- {item}");
    }
    out.push_str("\n</details>\n\n");
}

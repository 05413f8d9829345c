//! The gate's verdict rendered: a few readable lines for people, Markdown for a pull-request
//! comment, JUnit XML for CI (one test case per scenario, per rule short of the gate, per
//! dangling reference).

use std::fmt::Write as _;

use super::{CheckReport, Verdict};
use crate::project::GateVerdict;
use crate::report::junit::{self, TestCase};

/// Counts of scenario verdicts, in the order the summary names them.
#[derive(Default)]
struct Tally {
    passed: usize,
    changed: usize,
    missing: usize,
    failed_expectations: usize,
    not_runnable: usize,
    updated: usize,
    written: usize,
}

impl CheckReport {
    fn tally(&self) -> Tally {
        let mut t = Tally::default();
        for case in &self.cases {
            match (&case.verdict, case.updated) {
                (Verdict::Passed, _) => t.passed += 1,
                (Verdict::NewSnapshot, true) => t.written += 1,
                (Verdict::NewSnapshot, false) => t.missing += 1,
                (Verdict::Changed { .. }, true) => t.updated += 1,
                (Verdict::Changed { .. }, false) => t.changed += 1,
                (Verdict::ExpectationsFailed { .. }, _) => t.failed_expectations += 1,
                (Verdict::NotRunnable { .. }, _) => t.not_runnable += 1,
            }
        }
        t
    }

    /// `by kind: 9 attack (31 alerts) · 14 benign (0 alerts) · …`: what the suite covers, in
    /// the DSL's kind order, so a reader sees at once how many stories of each sort ran.
    fn kind_line(&self) -> String {
        const ORDER: [&str; 5] = ["attack", "benign", "false-positive", "evasion", "edge"];
        let mut kinds: Vec<(usize, &str, usize, usize)> = Vec::new();
        for case in &self.cases {
            let rank = ORDER
                .iter()
                .position(|k| *k == case.kind)
                .unwrap_or(ORDER.len());
            match kinds.iter_mut().find(|(_, kind, _, _)| *kind == case.kind) {
                Some(entry) => {
                    entry.2 += 1;
                    entry.3 += case.alerts;
                }
                None => kinds.push((rank, &case.kind, 1, case.alerts)),
            }
        }
        kinds.sort();
        if kinds.is_empty() {
            return String::new();
        }
        let parts: Vec<String> = kinds
            .iter()
            .map(|(_, kind, scenarios, alerts)| {
                let s = if *alerts == 1 { "" } else { "s" };
                format!("{scenarios} {kind} ({alerts} alert{s})")
            })
            .collect();
        format!("by kind: {}\n", parts.join(" · "))
    }

    /// `rules: 3 passed, 1 short of the gate, 2 exempt, 5 not runnable, 1 without scenarios`.
    fn rules_line(&self) -> String {
        if self.rules.is_empty() {
            return String::new();
        }
        let count =
            |f: &dyn Fn(&GateVerdict) -> bool| self.rules.iter().filter(|r| f(&r.verdict)).count();
        let mut line = format!(
            "rules: {} selected, {} passed the gate, {} short of it, {} exempt, {} not runnable, {} named by no scenario",
            self.rules.len(),
            count(&|v| matches!(v, GateVerdict::Passed)),
            count(&|v| matches!(v, GateVerdict::Failed { .. })),
            count(&|v| matches!(v, GateVerdict::Exempt { .. })),
            count(&|v| matches!(v, GateVerdict::NotRunnable { .. })),
            self.unreferenced.len(),
        );
        if !self.dangling.is_empty() {
            let _ = write!(
                line,
                ", {} dangling scenario reference(s)",
                self.dangling.len()
            );
        }
        line.push('\n');
        line
    }

    /// A few readable lines, then one block per failing scenario, then the gate's findings.
    pub fn render_human(&self) -> String {
        let mut out = String::new();
        self.case_lines(&mut out);
        for orphan in &self.orphans {
            let _ = writeln!(out, "{:>18}  {orphan} (no scenario)", "ORPHAN");
        }
        for deleted in &self.deleted {
            let _ = writeln!(out, "{:>18}  {deleted} (orphaned snapshot)", "deleted");
        }
        for (scenario, reference) in &self.dangling {
            let _ = writeln!(
                out,
                "{:>18}  {scenario} names {reference}, which no selected rule is",
                "DANGLING"
            );
        }
        for rule in &self.unreferenced {
            let _ = writeln!(out, "{:>18}  {rule} (no scenario names it)", "no scenario");
        }
        self.gate_lines(&mut out);
        self.failure_blocks(&mut out);
        out.push_str(&self.summary_line());
        out.push_str(&self.kind_line());
        out.push_str(&self.rules_line());
        out
    }

    /// One line per scenario that did not simply pass.
    fn case_lines(&self, out: &mut String) {
        for case in &self.cases {
            let label = match &case.verdict {
                Verdict::Passed => continue,
                Verdict::NewSnapshot if case.updated => "written",
                Verdict::NewSnapshot => "NO SNAPSHOT",
                Verdict::Changed { .. } if case.updated => "updated",
                Verdict::Changed { .. } => "CHANGED",
                Verdict::ExpectationsFailed { .. } => "EXPECTATION FAILED",
                Verdict::NotRunnable { .. } => "not runnable",
            };
            match &case.verdict {
                Verdict::NotRunnable { reasons } => {
                    let _ = writeln!(
                        out,
                        "{label:>18}  {} ({})",
                        case.scenario,
                        reasons.join("; ")
                    );
                }
                _ => {
                    let _ = writeln!(out, "{label:>18}  {}", case.scenario);
                }
            }
        }
    }

    /// The per-rule gate's failures, and the rules the engine cannot run yet.
    fn gate_lines(&self, out: &mut String) {
        for finding in &self.rules {
            match &finding.verdict {
                GateVerdict::Failed { lacks } => {
                    let _ = writeln!(
                        out,
                        "{:>18}  {} ({}): {}",
                        "GATE",
                        finding.rule,
                        finding.name,
                        lacks.join("; ")
                    );
                }
                GateVerdict::NotRunnable {
                    reason,
                    fails: true,
                } => {
                    let _ = writeln!(out, "{:>18}  {}: {reason}", "NOT RUNNABLE", finding.rule);
                }
                _ => {}
            }
        }
        // Rules the engine cannot run yet, one line per reason (`--format json` lists them).
        let mut reasons: std::collections::BTreeMap<&str, usize> = Default::default();
        for finding in &self.rules {
            if let GateVerdict::NotRunnable {
                reason,
                fails: false,
            } = &finding.verdict
            {
                *reasons.entry(reason.as_str()).or_default() += 1;
            }
        }
        for (reason, count) in reasons {
            let rules = if count == 1 { "rule" } else { "rules" };
            let _ = writeln!(out, "{:>18}  {count} {rules}: {reason}", "not runnable");
        }
    }

    /// One block per changed snapshot or failed expectation.
    fn failure_blocks(&self, out: &mut String) {
        for case in &self.cases {
            match &case.verdict {
                Verdict::Changed { diff } if !case.updated => {
                    let _ = write!(
                        out,
                        "\n--- {} (snapshot {}): alerts or report changed\n{diff}",
                        case.scenario, case.snapshot
                    );
                }
                Verdict::ExpectationsFailed { failures, diff } => {
                    let _ = writeln!(out, "\n--- {}: expectations failed", case.scenario);
                    for failure in failures {
                        let _ = writeln!(out, "  ✗ {failure}");
                    }
                    if let Some(diff) = diff.as_ref().filter(|_| !case.updated) {
                        out.push_str(diff);
                    }
                }
                _ => {}
            }
        }
    }

    fn summary_line(&self) -> String {
        let t = self.tally();
        let verdict = if self.passed() {
            "check passed"
        } else {
            "check FAILED"
        };
        let mut line = format!(
            "{verdict}: {} scenarios, {} passed, {} changed, {} without snapshot, {} with failed expectations, {} orphaned snapshots",
            self.cases.len(),
            t.passed,
            t.changed,
            t.missing,
            t.failed_expectations,
            self.orphans.len()
        );
        if t.not_runnable > 0 {
            let _ = write!(line, ", {} not runnable", t.not_runnable);
        }
        line.push('\n');
        if t.updated + t.written + self.deleted.len() > 0 {
            let _ = writeln!(
                line,
                "wrote {} snapshot(s): {} updated, {} new; deleted {} orphaned snapshot(s)",
                t.updated + t.written,
                t.updated,
                t.written,
                self.deleted.len()
            );
        }
        line
    }

    /// Markdown for a pull-request comment (no H1; long parts folded).
    pub fn render_markdown(&self) -> String {
        let mut out = String::from("## rulegate check\n\n");
        let _ = writeln!(
            out,
            "**{}**\n",
            self.summary_line().trim_end().replace('\n', "  \n")
        );
        let kinds = self.kind_line();
        if !kinds.is_empty() {
            let _ = writeln!(out, "{}", kinds.trim_end());
        }
        let rules = self.rules_line();
        if !rules.is_empty() {
            let _ = writeln!(out, "{}", rules.trim_end());
        }
        let failing: Vec<_> = self
            .rules
            .iter()
            .filter(|r| !matches!(r.verdict, GateVerdict::Passed | GateVerdict::Exempt { .. }))
            .collect();
        if !failing.is_empty() {
            out.push_str("\n### Rules\n\n| rule | verdict |\n|---|---|\n");
            for finding in failing {
                let verdict = match &finding.verdict {
                    GateVerdict::Failed { lacks } => {
                        format!("**short of the gate**: {}", lacks.join("; "))
                    }
                    GateVerdict::NotRunnable { reason, .. } => format!("not runnable: {reason}"),
                    _ => continue,
                };
                let _ = writeln!(out, "| `{}` | {verdict} |", finding.rule);
            }
        }
        if !self.dangling.is_empty() || !self.unreferenced.is_empty() {
            out.push_str("\n### Loose ends\n\n");
            for (scenario, reference) in &self.dangling {
                let _ = writeln!(
                    out,
                    "- scenario `{scenario}` names {reference}, which no selected rule is"
                );
            }
            for rule in &self.unreferenced {
                let _ = writeln!(out, "- `{rule}`: no scenario names it");
            }
        }
        let changed: Vec<_> = self
            .cases
            .iter()
            .filter(|c| !matches!(c.verdict, Verdict::Passed | Verdict::NotRunnable { .. }))
            .collect();
        if !changed.is_empty() {
            out.push_str("\n### Scenarios\n\n");
            for case in changed {
                let (what, details) = match &case.verdict {
                    Verdict::Changed { diff } => ("alerts or report changed", diff.clone()),
                    Verdict::NewSnapshot => ("no snapshot", String::new()),
                    Verdict::ExpectationsFailed { failures, diff } => (
                        "expectations failed",
                        format!(
                            "{}\n{}",
                            failures.join("\n"),
                            diff.clone().unwrap_or_default()
                        ),
                    ),
                    _ => continue,
                };
                let _ = writeln!(
                    out,
                    "<details><summary><code>{}</code>: {what}</summary>\n\n```diff\n{}\n```\n\n</details>\n",
                    case.scenario,
                    details.trim_end()
                );
            }
        }
        out
    }

    pub fn render_junit(&self) -> String {
        let mut cases: Vec<TestCase> = self
            .cases
            .iter()
            .map(|case| TestCase {
                name: case.scenario.clone(),
                class: "rulegate.check".into(),
                failure: match &case.verdict {
                    Verdict::Passed | Verdict::NotRunnable { .. } => None,
                    Verdict::NewSnapshot if case.updated => None,
                    Verdict::Changed { .. } if case.updated => None,
                    Verdict::NewSnapshot => Some((
                        "no snapshot".into(),
                        format!("{} does not exist", case.snapshot),
                    )),
                    Verdict::Changed { diff } => {
                        Some(("alerts or report changed".into(), diff.clone()))
                    }
                    Verdict::ExpectationsFailed { failures, .. } => {
                        Some(("expectations failed".into(), failures.join("\n")))
                    }
                },
            })
            .collect();
        for finding in &self.rules {
            let failure = match &finding.verdict {
                GateVerdict::Failed { lacks } => {
                    Some(("short of the per-rule gate".to_string(), lacks.join("\n")))
                }
                GateVerdict::NotRunnable {
                    reason,
                    fails: true,
                } => Some(("not runnable".to_string(), reason.clone())),
                _ => None,
            };
            cases.push(TestCase {
                name: finding.rule.clone(),
                class: "rulegate.gate".into(),
                failure,
            });
        }
        for (scenario, reference) in &self.dangling {
            cases.push(TestCase {
                name: scenario.clone(),
                class: "rulegate.binding".into(),
                failure: Some(("names no existing rule".into(), reference.clone())),
            });
        }
        junit::render("rulegate check", &cases)
    }
}

/// A JUnit report for a check that could not run (bad input): one failing case with the
/// diagnostics, so CI shows the error where it shows test results.
pub fn junit_for_errors(rendered: &str) -> String {
    junit::render(
        "rulegate check",
        &[TestCase {
            name: "rulegate check".into(),
            class: "rulegate.check".into(),
            failure: Some((
                "the check could not run: bad input".into(),
                rendered.to_string(),
            )),
        }],
    )
}

//! `rulegate coverage`: clause coverage of every rule over its scenario suite, as a report.

use std::fmt::Write as _;

use serde::Serialize;

use super::coverage::{coverage, ConjunctCoverage, Gap, Stream};
use super::suite::Suite;
use crate::diagnostic::Diagnostic;
use crate::runner::{run_rule, PreparedRule};

#[derive(Clone, Debug, Serialize)]
pub struct RuleCoverage {
    pub rule: String,
    pub name: String,
    pub scenarios: usize,
    pub conjuncts: Vec<ConjunctCoverage>,
}

impl RuleCoverage {
    pub fn gaps(&self) -> usize {
        self.conjuncts.iter().map(|c| c.gaps.len()).sum()
    }
}

/// Coverage of one rule over the scenarios of `suite`, each read by the rule's executions.
pub fn rule_coverage(rule: &PreparedRule, suite: &Suite) -> Result<RuleCoverage, Vec<Diagnostic>> {
    let mut plans = Vec::new();
    for (_, generated) in &suite.scenarios {
        let run = run_rule(rule, &generated.docs, None, &mut |_, _, _| {}).map_err(|e| vec![e])?;
        plans.push(
            run.plan
                .iter()
                .map(|p| (p.documents.clone(), p.time.millis()))
                .collect::<Vec<_>>(),
        );
    }
    let streams: Vec<Stream> = suite
        .scenarios
        .iter()
        .zip(plans)
        .map(|((_, generated), executions)| Stream {
            docs: &generated.docs.documents,
            executions,
        })
        .collect();
    let query = rule.esql("coverage").map_err(|e| vec![e])?;
    let conjuncts = coverage(query, &rule.text, &streams)
        .map_err(|error| vec![rule.loaded.query_diagnostic(error)])?;
    Ok(RuleCoverage {
        rule: rule.path.display().to_string(),
        name: rule.scheduled.info.name.clone(),
        scenarios: suite.scenarios.len(),
        conjuncts,
    })
}

fn gap_text(gap: &Gap) -> String {
    match gap {
        Gap::NeverFalse => "never false: filters nothing in the suite".into(),
        Gap::NeverTrue => "never true in the suite".into(),
        Gap::Unsatisfiable(reason) => format!("can never be true: {reason}"),
    }
}

pub fn render_human(rules: &[RuleCoverage]) -> String {
    let mut out = String::new();
    for rule in rules {
        let _ = writeln!(
            out,
            "{} ({}, {} scenarios)",
            rule.name, rule.rule, rule.scenarios
        );
        let width = rule
            .conjuncts
            .iter()
            .map(|c| c.text.chars().count().min(60))
            .max()
            .unwrap_or(0);
        let _ = writeln!(
            out,
            "  {:<width$}  {:>7} {:>7} {:>7}",
            "conjunct", "true", "false", "null"
        );
        for c in &rule.conjuncts {
            let mut text: String = c.text.split_whitespace().collect::<Vec<_>>().join(" ");
            if text.chars().count() > 60 {
                text = text.chars().take(59).collect::<String>() + "…";
            }
            let unit = if c.after_stats {
                " (groups per execution)"
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "  {text:<width$}  {:>7} {:>7} {:>7}{unit}",
                c.outcomes.true_, c.outcomes.false_, c.outcomes.null
            );
            if let Some(t) = c.threshold {
                let _ = writeln!(
                    out,
                    "  {:<width$}  groups below {}, at {}, above {}",
                    "", t.below, t.at, t.above
                );
            }
            for gap in &c.gaps {
                let _ = writeln!(out, "  {:<width$}  ! {}", "", gap_text(gap));
            }
        }
        let _ = writeln!(out, "  {} gap(s)", rule.gaps());
    }
    out
}

/// A section of a pull-request comment per rule: the gaps in a list, the full table folded.
pub fn render_markdown(rules: &[RuleCoverage]) -> String {
    let mut out = String::new();
    for rule in rules {
        let _ = writeln!(
            out,
            "### Clause coverage of `{}`\n\n{} scenarios, {} gap(s)\n",
            rule.rule,
            rule.scenarios,
            rule.gaps()
        );
        for c in rule.conjuncts.iter().filter(|c| !c.gaps.is_empty()) {
            let text: String = c.text.split_whitespace().collect::<Vec<_>>().join(" ");
            for gap in &c.gaps {
                let _ = writeln!(out, "- `{text}`: {}", gap_text(gap));
            }
        }
        out.push_str("\n<details><summary>every conjunct</summary>\n\n| conjunct | true | false | null |\n|---|---|---|---|\n");
        for c in &rule.conjuncts {
            let text: String = c.text.split_whitespace().collect::<Vec<_>>().join(" ");
            let _ = writeln!(
                out,
                "| `{}` | {} | {} | {} |",
                text.replace('|', "\\|"),
                c.outcomes.true_,
                c.outcomes.false_,
                c.outcomes.null
            );
        }
        out.push_str("\n</details>\n\n");
    }
    out
}

//! `rulegate coverage`: clause coverage of every rule over its scenario suite, as a report.

use std::fmt::Write as _;

use serde::Serialize;

use super::coverage::{coverage, ConjunctCoverage, Gap, Outcomes, Stream};
use super::suite::Suite;
use crate::diagnostic::Diagnostic;
use crate::kql::ast::NodeKind;
use crate::kql::eval::{node_matches, Schema};
use crate::runner::{run_rule, KqlSearch, PreparedRule, RuleLogic};

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
        let first_run = generated.first_run(rule);
        let run =
            run_rule(rule, &generated.docs, first_run, &mut |_, _, _| {}).map_err(|e| vec![e])?;
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
    let conjuncts = match &rule.logic {
        RuleLogic::Esql(query) => coverage(query, &rule.text, &streams)
            .map_err(|error| vec![rule.loaded.query_diagnostic(error)])?,
        RuleLogic::Eql(search) => {
            super::eql_coverage::eql_coverage(rule, search, &streams).map_err(|e| vec![e])?
        }
        logic => match logic.kql() {
            Some(search) => kql_coverage(search, &streams),
            None => return Err(vec![rule.esql("coverage").expect_err("not ES|QL")]),
        },
    };
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

/// A KQL rule's top-level clauses, each evaluated alone on every document some execution read
/// (once per document, at the first such execution's time): true or false (KQL has no null).
fn kql_coverage(search: &KqlSearch, streams: &[Stream]) -> Vec<ConjunctCoverage> {
    let clauses: Vec<&crate::kql::ast::Node> = match search.query.root.as_ref() {
        None => Vec::new(),
        Some(root) => match &root.kind {
            NodeKind::And(items) => items.iter().collect(),
            _ => vec![root],
        },
    };
    clauses
        .iter()
        .enumerate()
        .map(|(i, clause)| {
            let mut outcomes = Outcomes::default();
            for stream in streams {
                let mut seen = std::collections::BTreeSet::new();
                for (documents, now) in &stream.executions {
                    let schema = Schema {
                        columns: &stream.docs.columns,
                        now: *now,
                    };
                    for &doc in documents {
                        if !seen.insert(doc) {
                            continue;
                        }
                        match node_matches(clause, &schema, stream.docs.row(doc)) {
                            Ok(true) => outcomes.true_ += 1,
                            Ok(false) => outcomes.false_ += 1,
                            Err(_) => outcomes.null += 1,
                        }
                    }
                }
            }
            let mut gaps = Vec::new();
            if outcomes.false_ == 0 {
                gaps.push(Gap::NeverFalse);
            }
            if outcomes.true_ == 0 {
                gaps.push(Gap::NeverTrue);
            }
            let mut text = String::new();
            crate::kql::print::node(clause, &mut text);
            ConjunctCoverage {
                command: 0,
                conjunct: i,
                text,
                span: clause.span,
                after_stats: false,
                outcomes,
                threshold: None,
                gaps,
            }
        })
        .collect()
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

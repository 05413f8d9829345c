//! `rulegate parity`: two rules that implement the same detection for different platforms (the
//! Kubernetes seed rule and its GKE twin), run over one scenario suite rendered for each rule's
//! platform, compared actor by actor: where one alerts and the other not, or they alert in
//! different groups, and the clause on the quiet side that dropped the actor's documents.
//!
//! An actor is the unit of comparison because it is what both renderings share: the same
//! requests become `kubernetes.audit.*` documents on one side and `gcp.audit` ones on the other,
//! with different field names, so alert groups cannot be matched by their fields. A side's
//! verdict for an actor comes from `runner::explain`: documents that fed an alerting group, or
//! the conjunct that dropped them first (as `explain` reports it), or "reached STATS, but no
//! group alerted" (the threshold after `STATS`).

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;
use serde_json::Value;

use crate::diagnostic::Diagnostic;
use crate::runner::{self, DocumentSet, Fate, PreparedRule};
use crate::scenario::{self, Platform};

use super::suite::Suite;

/// One rule of the pair and the platform its index patterns read.
#[derive(Clone, Debug, Serialize)]
pub struct Side {
    pub rule: String,
    pub name: String,
    pub platform: &'static str,
}

/// What one side did with one actor's documents.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ActorVerdict {
    pub documents: usize,
    /// Alerting groups the actor's documents fed (each as `field=value` pairs).
    pub alerting_groups: Vec<String>,
    /// Why documents did not reach an alert: the clause (or `threshold`, `not read`, `outside
    /// every window`) and how many documents it stopped.
    pub stopped_by: BTreeMap<String, usize>,
}

impl ActorVerdict {
    fn alerts(&self) -> bool {
        !self.alerting_groups.is_empty()
    }
}

/// A disagreement about one actor.
#[derive(Clone, Debug, Serialize)]
pub struct Disagreement {
    pub actor: String,
    /// `only_a_alerts`, `only_b_alerts` or `different_groups`.
    pub kind: &'static str,
    pub a: ActorVerdict,
    pub b: ActorVerdict,
    /// The clause responsible, in words.
    pub cause: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct ScenarioParity {
    pub scenario: String,
    pub kind: String,
    pub a_alerts: usize,
    pub b_alerts: usize,
    pub disagreements: Vec<Disagreement>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ParityReport {
    pub a: Side,
    pub b: Side,
    pub scenarios: Vec<ScenarioParity>,
    /// Scenarios that cannot be rendered for both platforms, with the reason: recorded
    /// documents are in the shape of the platform that wrote them.
    pub not_compared: Vec<(String, String)>,
}

/// The platform a rule's index patterns read (`E830` when none is a Kubernetes audit stream).
pub fn rule_platform(rule: &PreparedRule) -> Result<Platform, Diagnostic> {
    let patterns = index_patterns(rule);
    patterns
        .iter()
        .find_map(|p| Platform::for_index_pattern(p))
        .ok_or_else(|| {
            Diagnostic::error(
                "E830",
                format!(
                    "rule `{}` reads no Kubernetes audit data stream ({}); parity compares \
                     rules over Kubernetes scenarios rendered per platform",
                    rule.scheduled.info.name,
                    patterns.join(", ")
                ),
            )
            .at_path(&rule.path)
        })
}

fn index_patterns(rule: &PreparedRule) -> Vec<String> {
    use crate::esql::ast::SourceCommand;
    if let Some(query) = rule.logic.esql() {
        return match &query.source {
            SourceCommand::From(from) => from.indices.iter().map(|i| i.pattern.clone()).collect(),
            SourceCommand::Row(_) => Vec::new(),
        };
    }
    if let Some(search) = rule.logic.kql() {
        return search.index.clone();
    }
    rule.logic
        .eql()
        .map(|search| search.index.clone())
        .unwrap_or_default()
}

/// Runs both rules over the scenarios under `dir` that target either of them.
pub fn parity(
    a: &PreparedRule,
    b: &PreparedRule,
    dir: &Path,
) -> Result<ParityReport, Vec<Diagnostic>> {
    let platform_a = rule_platform(a).map_err(|e| vec![e])?;
    let platform_b = rule_platform(b).map_err(|e| vec![e])?;
    let mut scenarios = Suite::for_rule(dir, &a.scheduled.info.rule_id)?.scenarios;
    for (name, generated) in Suite::for_rule(dir, &b.scheduled.info.rule_id)?.scenarios {
        if !scenarios.iter().any(|(n, _)| *n == name) {
            scenarios.push((name, generated));
        }
    }
    scenarios.sort_by(|x, y| x.0.cmp(&y.0));
    let mut results = Vec::new();
    let mut not_compared = Vec::new();
    for (name, generated) in &scenarios {
        let definition = &generated.scenario;
        if !definition.recorded.is_empty() {
            not_compared.push((
                name.clone(),
                "recorded documents keep the shape of the platform that wrote them".to_string(),
            ));
            continue;
        }
        let (a_alerts, a_verdicts) = side(a, &definition.with_platform(platform_a))?;
        let (b_alerts, b_verdicts) = side(b, &definition.with_platform(platform_b))?;
        let disagreements = definition
            .actors
            .iter()
            .filter_map(|actor| {
                let empty = ActorVerdict {
                    documents: 0,
                    alerting_groups: Vec::new(),
                    stopped_by: BTreeMap::new(),
                };
                let va = a_verdicts.get(&actor.name).unwrap_or(&empty);
                let vb = b_verdicts.get(&actor.name).unwrap_or(&empty);
                compare(&actor.name, va, vb)
            })
            .collect();
        results.push(ScenarioParity {
            scenario: name.clone(),
            kind: definition.kind.as_str().to_string(),
            a_alerts,
            b_alerts,
            disagreements,
        });
    }
    let describe = |rule: &PreparedRule, platform: Platform| Side {
        rule: rule
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        name: rule.scheduled.info.name.clone(),
        platform: platform.as_str(),
    };
    Ok(ParityReport {
        a: describe(a, platform_a),
        b: describe(b, platform_b),
        scenarios: results,
        not_compared,
    })
}

/// One rule over the scenario rendered for its platform: alert count and each actor's verdict.
fn side(
    rule: &PreparedRule,
    rendered: &scenario::Scenario,
) -> Result<(usize, BTreeMap<String, ActorVerdict>), Vec<Diagnostic>> {
    let values: Vec<Value> = scenario::generate(rendered, None).collect();
    let docs = DocumentSet::from_values(&values).map_err(|e| vec![e.at_path(&rendered.path)])?;
    let run = runner::run_rule(rule, &docs, None, &mut |_, _, _| {}).map_err(|e| vec![e])?;
    let alerts = run
        .replay
        .alerts
        .iter()
        .filter(|a| a.duplicate_of.is_none())
        .count();
    let mut verdicts: BTreeMap<String, ActorVerdict> = BTreeMap::new();
    for fate in runner::explain(rule, &docs, &run) {
        let Some(actor) = fate.actor.clone() else {
            continue;
        };
        let verdict = verdicts.entry(actor).or_insert_with(|| ActorVerdict {
            documents: 0,
            alerting_groups: Vec::new(),
            stopped_by: BTreeMap::new(),
        });
        verdict.documents += 1;
        let stopped = match fate.fate {
            Fate::OutsideWindows => "outside every window".to_string(),
            Fate::NotRead { index } => format!("not read by FROM (index {index})"),
            Fate::Dropped { conjunct, .. } => {
                conjunct.split_whitespace().collect::<Vec<_>>().join(" ")
            }
            Fate::Grouped {
                group,
                alerted: true,
                ..
            } => {
                let text = group_text(&group.0);
                if !verdict.alerting_groups.contains(&text) {
                    verdict.alerting_groups.push(text);
                }
                continue;
            }
            Fate::Grouped { alerted: false, .. } => {
                "threshold after STATS (its group never alerted)".to_string()
            }
            // EQL twins: a sequence has no group; its building blocks alert together.
            Fate::Sequence { alerted: true, .. } => {
                let text = "(sequence)".to_string();
                if !verdict.alerting_groups.contains(&text) {
                    verdict.alerting_groups.push(text);
                }
                continue;
            }
            Fate::Sequence { alerted: false, .. } => "in no alerting sequence".to_string(),
            Fate::NoStep { steps } => match steps.first() {
                Some(miss) => miss
                    .conjunct
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" "),
                None => "matched no step of the sequence".to_string(),
            },
        };
        *verdict.stopped_by.entry(stopped).or_default() += 1;
    }
    for verdict in verdicts.values_mut() {
        verdict.alerting_groups.sort();
    }
    Ok((alerts, verdicts))
}

fn group_text(group: &[(String, Value)]) -> String {
    group
        .iter()
        .map(|(k, v)| match v {
            Value::String(s) => format!("{k}={s}"),
            other => format!("{k}={other}"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn compare(actor: &str, a: &ActorVerdict, b: &ActorVerdict) -> Option<Disagreement> {
    let (kind, cause) = match (a.alerts(), b.alerts()) {
        (true, false) => ("only_a_alerts", format!("B: {}", main_stop(b))),
        (false, true) => ("only_b_alerts", format!("A: {}", main_stop(a))),
        (true, true) if a.alerting_groups.len() != b.alerting_groups.len() => (
            "different_groups",
            format!(
                "A alerts in {} group(s), B in {}: the rules group by different fields",
                a.alerting_groups.len(),
                b.alerting_groups.len()
            ),
        ),
        _ => return None,
    };
    Some(Disagreement {
        actor: actor.to_string(),
        kind,
        a: a.clone(),
        b: b.clone(),
        cause,
    })
}

/// The reason that stopped most of an actor's documents (ties: the first in clause order of
/// the map, which is alphabetical and so stable).
fn main_stop(verdict: &ActorVerdict) -> String {
    match verdict
        .stopped_by
        .iter()
        .max_by(|x, y| x.1.cmp(y.1).then(y.0.cmp(x.0)))
    {
        Some((clause, count)) => format!(
            "`{clause}` stopped {count} of the actor's {} document(s)",
            verdict.documents
        ),
        None => "the actor has no documents on this side".to_string(),
    }
}

/// The report as text for a terminal.
pub fn render_human(report: &ParityReport) -> String {
    let mut out = format!(
        "A: {} ({}, {})\nB: {} ({}, {})\n\n",
        report.a.name,
        report.a.rule,
        report.a.platform,
        report.b.name,
        report.b.rule,
        report.b.platform
    );
    let disagreeing = report
        .scenarios
        .iter()
        .filter(|s| !s.disagreements.is_empty())
        .count();
    for s in &report.scenarios {
        let mark = if s.disagreements.is_empty() {
            "agree   "
        } else {
            "DISAGREE"
        };
        out.push_str(&format!(
            "{mark} {} [{}]: A {} alert(s), B {} alert(s)\n",
            s.scenario, s.kind, s.a_alerts, s.b_alerts
        ));
        for d in &s.disagreements {
            out.push_str(&format!(
                "    actor `{}`: {} — {}\n",
                d.actor, d.kind, d.cause
            ));
        }
    }
    for (name, why) in &report.not_compared {
        out.push_str(&format!("not compared {name}: {why}\n"));
    }
    out.push_str(&format!(
        "\n{} scenario(s), {} with disagreements\n",
        report.scenarios.len(),
        disagreeing
    ));
    out
}

/// The report as a Markdown section (the body of `docs/rules/…-parity.md`).
pub fn render_markdown(report: &ParityReport) -> String {
    let mut out = format!(
        "| | rule | platform |\n|---|---|---|\n| A | {} (`{}`) | {} |\n| B | {} (`{}`) | {} |\n\n",
        report.a.name,
        report.a.rule,
        report.a.platform,
        report.b.name,
        report.b.rule,
        report.b.platform
    );
    out.push_str(
        "| scenario | kind | A alerts | B alerts | disagreements |\n|---|---|---|---|---|\n",
    );
    for s in &report.scenarios {
        let summary = if s.disagreements.is_empty() {
            "—".to_string()
        } else {
            s.disagreements
                .iter()
                .map(|d| format!("`{}`: {}", d.actor, d.kind))
                .collect::<Vec<_>>()
                .join("; ")
        };
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            s.scenario, s.kind, s.a_alerts, s.b_alerts, summary
        ));
    }
    for (name, why) in &report.not_compared {
        out.push_str(&format!("\nNot compared: {name} ({why}).\n"));
    }
    for s in report
        .scenarios
        .iter()
        .filter(|s| !s.disagreements.is_empty())
    {
        out.push_str(&format!("\n### {}\n\n", s.scenario));
        for d in &s.disagreements {
            out.push_str(&format!(
                "- actor `{}` ({}): {}\n",
                d.actor,
                d.kind,
                d.cause.replace('|', "\\|")
            ));
            for (label, verdict) in [("A", &d.a), ("B", &d.b)] {
                let groups = if verdict.alerting_groups.is_empty() {
                    "no alerting group".to_string()
                } else {
                    verdict
                        .alerting_groups
                        .iter()
                        .map(|g| format!("`{g}`"))
                        .collect::<Vec<_>>()
                        .join("; ")
                };
                let stops = verdict
                    .stopped_by
                    .iter()
                    .map(|(clause, n)| format!("{n} stopped by `{}`", clause.replace('|', "\\|")))
                    .collect::<Vec<_>>()
                    .join("; ");
                let stops = if stops.is_empty() {
                    String::new()
                } else {
                    format!("; {stops}")
                };
                out.push_str(&format!(
                    "  - {label}: {} document(s), {groups}{stops}\n",
                    verdict.documents
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(groups: &[&str], stops: &[(&str, usize)]) -> ActorVerdict {
        ActorVerdict {
            documents: 4,
            alerting_groups: groups.iter().map(|g| g.to_string()).collect(),
            stopped_by: stops.iter().map(|(c, n)| (c.to_string(), *n)).collect(),
        }
    }

    #[test]
    fn one_side_alerting_names_the_clause_that_stopped_most_documents_on_the_other() {
        let a = verdict(&["user=x"], &[]);
        let b = verdict(
            &[],
            &[("event.action == \"get\"", 1), ("not user like \"s*\"", 3)],
        );
        let found = compare("x", &a, &b).unwrap();
        assert_eq!(found.kind, "only_a_alerts");
        assert_eq!(
            found.cause,
            "B: `not user like \"s*\"` stopped 3 of the actor's 4 document(s)"
        );
        assert_eq!(compare("x", &b, &a).unwrap().kind, "only_b_alerts");
    }

    #[test]
    fn different_group_counts_are_a_disagreement_and_equal_ones_are_not() {
        let a = verdict(&["ip=1", "ip=2"], &[]);
        let b = verdict(&["email=x"], &[]);
        assert_eq!(compare("x", &a, &b).unwrap().kind, "different_groups");
        assert!(compare("x", &b, &b).is_none());
        assert!(compare("x", &verdict(&[], &[]), &verdict(&[], &[("c", 4)])).is_none());
    }
}

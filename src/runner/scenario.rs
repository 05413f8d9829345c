//! `rulegate run`: a scenario's documents through each of its rules, with the report the
//! snapshot suite and `check` compare — alerts, exclusion counts, threshold margins — and the
//! scenario's expectations, each passed or failed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::{json, Value};

use super::{
    conjunct_outcomes, exclusion_counts, run_rule, threshold_margins, ConjunctOutcomes,
    DocumentSet, ExclusionCount, PreparedRule, ThresholdMargin,
};
use crate::diagnostic::Diagnostic;
use crate::scenario::{self, Scenario};
use crate::schedule::{Alert, Fields};

/// One scenario's run.
#[derive(Clone, Debug, Serialize)]
pub struct ScenarioRun {
    pub scenario: String,
    pub kind: String,
    pub description: String,
    pub documents: usize,
    pub rules: Vec<RuleReport>,
    pub expectations: Vec<ExpectationResult>,
}

/// One rule's part of a scenario run.
#[derive(Clone, Debug, Serialize)]
pub struct RuleReport {
    /// The rule file's name (not its path, so reports do not depend on where they run).
    pub rule: String,
    pub name: String,
    pub rule_id: String,
    pub executions: usize,
    pub alerts: Vec<Alert>,
    pub exclusions: Vec<ExclusionCount>,
    pub thresholds: Vec<ThresholdMargin>,
    /// Per actor: documents that reached `STATS` (passed every pre-`STATS` conjunct), and per
    /// field the documents a pre-`STATS` conjunct on that field dropped. For expectations.
    #[serde(skip)]
    pub actor_facts: BTreeMap<String, ActorFacts>,
    /// Fields of the post-`STATS` conjuncts (thresholds).
    #[serde(skip)]
    pub threshold_fields: Vec<String>,
}

#[derive(Clone, Debug, Default)]
pub struct ActorFacts {
    pub reached_stats: usize,
    pub dropped_by_field: BTreeMap<String, usize>,
}

fn actor_facts(outcomes: &ConjunctOutcomes, docs: &DocumentSet) -> BTreeMap<String, ActorFacts> {
    let mut facts: BTreeMap<String, ActorFacts> = BTreeMap::new();
    for (doc, _, values) in &outcomes.documents {
        let Some(actor) = &docs.actors[*doc] else {
            continue;
        };
        let entry = facts.entry(actor.clone()).or_default();
        if values.iter().all(|value| *value == Some(true)) {
            entry.reached_stats += 1;
        }
        // A document counts once per field, however many conjuncts on that field drop it
        // (`user.name IS NOT NULL` and `NOT user.name IN (…)` both drop a missing name).
        let mut fields: Vec<&String> = outcomes
            .conjuncts
            .iter()
            .zip(values)
            .filter(|(_, value)| **value != Some(true))
            .map(|(conjunct, _)| &conjunct.field)
            .collect();
        fields.dedup();
        fields.sort();
        fields.dedup();
        for field in fields {
            *entry.dropped_by_field.entry(field.clone()).or_default() += 1;
        }
    }
    facts
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ExpectationResult {
    pub expectation: String,
    pub passed: bool,
    pub detail: String,
}

impl ScenarioRun {
    pub fn failed_expectations(&self) -> Vec<String> {
        self.expectations
            .iter()
            .filter(|e| !e.passed)
            .map(|e| format!("{}: {}", e.expectation, e.detail))
            .collect()
    }

    /// The report as the snapshot suite records it: YAML, alerts in full, margins one per line.
    pub fn to_snapshot(&self) -> String {
        crate::report::yaml::to_yaml(&self.to_report_json())
    }

    /// The report as a JSON value with readable, stable keys.
    pub fn to_report_json(&self) -> Value {
        let rules: Vec<Value> = self
            .rules
            .iter()
            .map(|rule| {
                let alerts: Vec<Value> = rule
                    .alerts
                    .iter()
                    .map(|alert| {
                        let mut value = json!({
                            "id": alert.id,
                            "time": alert.time,
                            "window": format!("{} .. {}", alert.window.from, alert.window.to),
                            "duplicate_of": alert.duplicate_of,
                            "fields": alert.fields,
                        });
                        if let Some(suppression) = &alert.suppression {
                            value["suppression"] = json!(suppression);
                        }
                        value
                    })
                    .collect();
                let margins: Vec<String> = rule.thresholds.iter().map(margin_line).collect();
                json!({
                    "rule": rule.rule,
                    "executions": rule.executions,
                    "alert_count": rule.alerts.len(),
                    "duplicates": rule.alerts.iter().filter(|a| a.duplicate_of.is_some()).count(),
                    "alerts": alerts,
                    // Only exclusions that dropped something: a rule change that does not touch a
                    // scenario's documents leaves its snapshot as it was.
                    "exclusions": rule.exclusions.iter().filter(|e| e.documents > 0).map(|e| json!({"exclusion": e.exclusion, "documents": e.documents, "by_actor": e.by_actor})).collect::<Vec<_>>(),
                    "threshold_margins": margins,
                })
            })
            .collect();
        let expectations: Vec<Value> = self
            .expectations
            .iter()
            .map(|e| json!({"expectation": e.expectation, "passed": e.passed, "detail": e.detail}))
            .collect();
        json!({
            "scenario": self.scenario,
            "kind": self.kind,
            "documents": self.documents,
            "rules": rules,
            "expectations": expectations,
        })
    }
}

/// `10:05:00 alice 10.0.0.1 kubectl/1.30: 2 of 3 (−1)`.
fn margin_line(margin: &ThresholdMargin) -> String {
    let time = margin.execution.to_string();
    let keys: Vec<String> = margin
        .group
        .0
        .iter()
        .map(|(_, value)| compact(value))
        .collect();
    format!(
        "{} {}: {} of {} ({:+})",
        &time[11..19],
        keys.join(" | "),
        margin.value,
        margin.needed,
        margin.value - margin.needed
    )
}

fn compact(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::String(text) => text.clone(),
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(compact).collect::<Vec<_>>().join(", ")
        ),
        other => other.to_string(),
    }
}

/// Where a scenario's rules come from.
#[derive(Clone, Copy, Debug)]
pub enum RuleSource<'a> {
    /// The files the scenario names (`rules = […]`, relative to the scenario file).
    AsWritten,
    /// This one rule file instead (`run --rule`).
    File(&'a Path),
    /// The file of the same name in this directory (`check --rules DIR`): a changed copy of the
    /// rules runs against the same scenarios.
    Dir(&'a Path),
}

/// A scenario generated once, ready to run under any number of rule versions (`run`, `diff`,
/// `mutate`, `coverage` and `doc` all start here).
pub struct GeneratedScenario {
    pub scenario: Scenario,
    /// The generated ECS documents, in `@timestamp` order.
    pub values: Vec<Value>,
    pub docs: DocumentSet,
    /// Per document: whether its step is history only (`history = true`).
    pub history: Vec<bool>,
}

impl GeneratedScenario {
    pub fn load(path: &Path) -> Result<GeneratedScenario, Vec<Diagnostic>> {
        let scenario = scenario::load(path)?;
        Self::from_scenario(scenario).map_err(|errors| {
            errors
                .into_iter()
                .map(|error| error.at_path(path))
                .collect()
        })
    }

    /// Generates `scenario`'s documents (recorded ones merged in) and indexes them.
    pub fn from_scenario(scenario: Scenario) -> Result<GeneratedScenario, Vec<Diagnostic>> {
        let (values, history): (Vec<Value>, Vec<bool>) =
            scenario::generate_marked(&scenario, None).unzip();
        let docs = DocumentSet::from_values(&values).map_err(|error| vec![error])?;
        Ok(GeneratedScenario {
            scenario,
            values,
            docs,
            history,
        })
    }

    /// The replay's first execution: with history-only steps, the first multiple of the rule's
    /// interval at or after the oldest other document (the rule is enabled after its history);
    /// otherwise the scheduler's default (`None`).
    pub fn first_run(&self, rule: &PreparedRule) -> Option<crate::schedule::Timestamp> {
        if !self.history.contains(&true) {
            return None;
        }
        let times = self.docs.times(&rule.scheduled);
        let oldest = times
            .iter()
            .zip(&self.history)
            .filter(|(_, history)| !**history)
            .flat_map(|(time, _)| time.effective().iter().copied())
            .min()?;
        oldest.round_up(rule.scheduled.schedule.interval)
    }
}

/// Generates the scenario, runs each of its rules (as `rules` says) and checks expectations.
pub fn run_scenario(path: &Path, rules: RuleSource) -> Result<ScenarioRun, Vec<Diagnostic>> {
    let generated = GeneratedScenario::load(path)?;
    let scenario = &generated.scenario;
    let rule_paths: Vec<PathBuf> = match rules {
        RuleSource::File(rule) => vec![rule.to_path_buf()],
        RuleSource::AsWritten => scenario.rules.clone(),
        RuleSource::Dir(dir) => scenario
            .rules
            .iter()
            .map(|rule| dir.join(rule.file_name().unwrap_or(rule.as_os_str())))
            .collect(),
    };
    if rule_paths.is_empty() {
        return Err(vec![Diagnostic::error(
            "E704",
            "the scenario names no rule; add `rules = [\"…\"]` or pass --rule",
        )
        .at_path(path)]);
    }
    let rules = rule_paths
        .iter()
        .map(|rule_path| PreparedRule::load(rule_path))
        .collect::<Result<Vec<_>, _>>()?;
    run_generated(&generated, &rules)
}

/// Runs prepared rules (possibly changed versions: a base, a mutant) over a generated scenario
/// and checks its expectations.
pub fn run_generated(
    generated: &GeneratedScenario,
    rules: &[PreparedRule],
) -> Result<ScenarioRun, Vec<Diagnostic>> {
    let docs = &generated.docs;
    let mut reports = Vec::new();
    for rule in rules {
        let first_run = generated.first_run(rule);
        let run =
            run_rule(rule, docs, first_run, &mut |_, _, _| {}).map_err(|error| vec![error])?;
        let outcomes = conjunct_outcomes(rule, docs, &run.plan);
        reports.push(RuleReport {
            actor_facts: actor_facts(&outcomes, docs),
            threshold_fields: rule
                .analysis
                .indicators
                .iter()
                .filter(|i| i.after_stats)
                .map(|i| i.field.clone())
                .collect(),
            exclusions: exclusion_counts(&outcomes, docs, rule),
            rule: rule
                .path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            name: rule.scheduled.info.name.clone(),
            rule_id: rule.scheduled.info.rule_id.clone(),
            executions: run.replay.executions.len(),
            thresholds: threshold_margins(rule, docs, &run.plan).map_err(|error| vec![error])?,
            alerts: run.replay.alerts,
        });
    }
    let scenario = &generated.scenario;
    let expectations = evaluate_expectations(scenario, &reports);
    Ok(ScenarioRun {
        scenario: scenario.name.clone(),
        kind: scenario.kind.as_str().to_string(),
        description: scenario.description.clone(),
        documents: generated.values.len(),
        rules: reports,
        expectations,
    })
}

fn evaluate_expectations(scenario: &Scenario, reports: &[RuleReport]) -> Vec<ExpectationResult> {
    let expect = &scenario.expect;
    let alerts: Vec<&Alert> = reports.iter().flat_map(|report| &report.alerts).collect();
    let total = alerts.len() as u64;
    let mut results = Vec::new();
    let mut count = |expectation: String, passed: bool| {
        results.push(ExpectationResult {
            expectation,
            passed,
            detail: format!("{total} alert(s)"),
        });
    };
    if let Some(n) = expect.alerts {
        count(format!("alerts = {n}"), total == n);
    }
    if let Some(n) = expect.min_alerts {
        count(format!("alerts >= {n}"), total >= n);
    }
    if let Some(n) = expect.max_alerts {
        count(format!("alerts <= {n}"), total <= n);
    }
    for group in &expect.groups {
        results.push(group_result(scenario, group, &alerts));
    }
    for suppressed in &expect.suppressed {
        results.extend(suppressed_result(scenario, suppressed, reports, &alerts));
    }
    results
}

/// Whether the alerts of an expected group (its actor's identity and fields) are as many as
/// expected, or at least one.
fn group_result(
    scenario: &Scenario,
    group: &scenario::ExpectedGroup,
    alerts: &[&Alert],
) -> ExpectationResult {
    let wanted: Vec<(String, String)> = group
        .fields
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let mut label = Vec::new();
    let actor = group.actor.and_then(|index| scenario.actors.get(index));
    let identity = actor.map(|actor| actor.identity_fields(scenario.platform));
    if let Some(actor) = actor {
        label.push(format!("actor `{}`", actor.name));
    }
    label.extend(group.fields.iter().map(|(k, v)| format!("{k} = {v}")));
    let matching = alerts
        .iter()
        .filter(|alert| {
            matches_group(&alert.fields, &wanted)
                && identity
                    .as_ref()
                    .is_none_or(|identity| matches_identity(&alert.fields, identity))
        })
        .count() as u64;
    let (expectation, passed) = match group.alerts {
        Some(n) => (
            format!("group {} has {n} alert(s)", label.join(", ")),
            matching == n,
        ),
        None => (format!("group {} alerts", label.join(", ")), matching >= 1),
    };
    ExpectationResult {
        expectation,
        passed,
        detail: format!("{matching} matching alert(s)"),
    }
}

/// Whether an actor is kept quiet by the conjunct on the expected field; `None` for an actor
/// the scenario does not have.
fn suppressed_result(
    scenario: &Scenario,
    suppressed: &scenario::Suppression,
    reports: &[RuleReport],
    alerts: &[&Alert],
) -> Option<ExpectationResult> {
    let actor = scenario.actors.get(suppressed.actor)?;
    let identity = actor.identity_fields(scenario.platform);
    let alerting = alerts
        .iter()
        .filter(|alert| matches_identity(&alert.fields, &identity))
        .count();
    // The conjunct on `field` that keeps the actor quiet: a pre-`STATS` one (exclusion or
    // indicator) that dropped some of its documents, or a post-`STATS` threshold its groups
    // stayed below although its documents reached `STATS`.
    let mut dropped = 0;
    let mut below_threshold = false;
    for report in reports {
        if let Some(facts) = report.actor_facts.get(&actor.name) {
            dropped += facts
                .dropped_by_field
                .get(&suppressed.field)
                .copied()
                .unwrap_or(0);
            below_threshold |=
                facts.reached_stats > 0 && report.threshold_fields.contains(&suppressed.field);
        }
    }
    let passed = alerting == 0 && (dropped > 0 || below_threshold);
    let detail = if below_threshold {
        format!("its groups stayed below the threshold, {alerting} alert(s) for the actor")
    } else {
        format!("{dropped} document(s) dropped by it, {alerting} alert(s) for the actor")
    };
    Some(ExpectationResult {
        expectation: format!(
            "actor `{}` is suppressed by the conjunct on `{}`",
            actor.name, suppressed.field
        ),
        passed,
        detail,
    })
}

/// Whether an alert's fields hold every wanted value (a multivalued field containing it counts).
/// A wanted field the alert does not carry does not match.
fn matches_group(fields: &Fields, wanted: &[(String, String)]) -> bool {
    wanted.iter().all(|(name, expected)| {
        fields
            .get(name)
            .is_some_and(|value| value_matches(value, expected))
    })
}

/// An alert of the actor with these identity fields (`scenario::alert_matches_identity`: the
/// identity fields the alert carries all match, and it carries one at least).
fn matches_identity(fields: &Fields, identity: &[(String, String)]) -> bool {
    scenario::alert_matches_identity(|name| fields.get(name), identity, value_matches)
}

fn value_matches(value: &Value, expected: &str) -> bool {
    match value {
        Value::String(text) => text == expected,
        Value::Array(items) => items.iter().any(|item| item.as_str() == Some(expected)),
        other => serde_json::from_str::<Value>(expected).ok().as_ref() == Some(other),
    }
}

//! `rulegate run`: a scenario's documents through each of its rules, with the report the
//! snapshot suite and `check` compare — alerts, exclusion counts, threshold margins — and the
//! scenario's expectations, each passed or failed.

use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::{json, Value};

use super::{
    exclusion_counts, run_rule, threshold_margins, DocumentSet, ExclusionCount, PreparedRule,
    ThresholdMargin,
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
                    "exclusions": rule.exclusions.iter().map(|e| json!({"exclusion": e.exclusion, "documents": e.documents, "by_actor": e.by_actor})).collect::<Vec<_>>(),
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

/// A scenario generated once, ready to run under any number of rule versions (`run`, `diff`,
/// `mutate`, `coverage` and `doc` all start here).
pub struct GeneratedScenario {
    pub scenario: Scenario,
    /// The generated ECS documents, in `@timestamp` order.
    pub values: Vec<Value>,
    pub docs: DocumentSet,
}

impl GeneratedScenario {
    pub fn load(path: &Path) -> Result<GeneratedScenario, Vec<Diagnostic>> {
        let scenario = scenario::load(path)?;
        let values: Vec<Value> = scenario::generate(&scenario, None).collect();
        let docs = DocumentSet::from_values(&values).map_err(|error| vec![error.at_path(path)])?;
        Ok(GeneratedScenario {
            scenario,
            values,
            docs,
        })
    }
}

/// Generates the scenario, runs each of its rules (or `rule_override`) and checks expectations.
pub fn run_scenario(
    path: &Path,
    rule_override: Option<&Path>,
) -> Result<ScenarioRun, Vec<Diagnostic>> {
    let generated = GeneratedScenario::load(path)?;
    let rule_paths: Vec<PathBuf> = match rule_override {
        Some(rule) => vec![rule.to_path_buf()],
        None => generated.scenario.rules.clone(),
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

/// Runs already prepared rules (possibly changed versions: a base, a mutant) over a generated
/// scenario and checks its expectations.
pub fn run_generated(
    generated: &GeneratedScenario,
    rules: &[PreparedRule],
) -> Result<ScenarioRun, Vec<Diagnostic>> {
    let docs = &generated.docs;
    let mut reports = Vec::new();
    for rule in rules {
        let run = run_rule(rule, docs, None, &mut |_| {}).map_err(|error| vec![error])?;
        reports.push(RuleReport {
            rule: rule
                .path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            name: rule.scheduled.info.name.clone(),
            rule_id: rule.scheduled.info.rule_id.clone(),
            executions: run.replay.executions.len(),
            exclusions: exclusion_counts(rule, docs, &run.plan).map_err(|error| vec![error])?,
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
        let mut wanted: Vec<(String, String)> = group
            .fields
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let mut label = Vec::new();
        if let Some(actor) = group.actor.and_then(|index| scenario.actors.get(index)) {
            label.push(format!("actor `{}`", actor.name));
            wanted.push((
                "kubernetes.audit.user.username".into(),
                actor.username.clone(),
            ));
        }
        label.extend(group.fields.iter().map(|(k, v)| format!("{k} = {v}")));
        let matching = alerts
            .iter()
            .filter(|alert| matches_group(&alert.fields, &wanted))
            .count() as u64;
        let (expectation, passed) = match group.alerts {
            Some(n) => (
                format!("group {} has {n} alert(s)", label.join(", ")),
                matching == n,
            ),
            None => (format!("group {} alerts", label.join(", ")), matching >= 1),
        };
        results.push(ExpectationResult {
            expectation,
            passed,
            detail: format!("{matching} matching alert(s)"),
        });
    }
    for suppressed in &expect.suppressed {
        let Some(actor) = scenario.actors.get(suppressed.actor) else {
            continue;
        };
        let wanted = [(
            "kubernetes.audit.user.username".to_string(),
            actor.username.clone(),
        )];
        let alerting = alerts
            .iter()
            .filter(|alert| matches_group(&alert.fields, &wanted))
            .count();
        let dropped: usize = reports
            .iter()
            .flat_map(|report| &report.exclusions)
            .filter(|exclusion| exclusion.field == suppressed.field)
            .filter_map(|exclusion| exclusion.by_actor.get(&actor.name))
            .sum();
        results.push(ExpectationResult {
            expectation: format!(
                "actor `{}` is suppressed by the exclusion on `{}`",
                actor.name, suppressed.field
            ),
            passed: alerting == 0 && dropped > 0,
            detail: format!(
                "{dropped} document(s) dropped by it, {alerting} alert(s) for the actor"
            ),
        });
    }
    results
}

/// Whether an alert's fields hold every wanted value (a multivalued field containing it counts).
/// A wanted field the alert does not carry does not match.
fn matches_group(fields: &Fields, wanted: &[(String, String)]) -> bool {
    wanted
        .iter()
        .all(|(name, expected)| match fields.get(name) {
            Some(Value::String(text)) => text == expected,
            Some(Value::Array(items)) => items
                .iter()
                .any(|item| item.as_str() == Some(expected.as_str())),
            Some(other) => other.to_string() == *expected,
            None => false,
        })
}

//! From rows to alerts: ids, deduplication across executions, `max_signals`, suppression and
//! the duplicate mark of aggregating rules.

use std::collections::{BTreeMap, BTreeSet};

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
use serde_json::{json, Value};

use super::alert_id::{canonical_json, hash_id};
use super::window::{PlannedExecution, Window};
use super::{
    Engine, MissingFieldsStrategy, ResultTable, ScheduledRule, SuppressionSpec, Timestamp,
};
use crate::diagnostic::Diagnostic;

/// A result row's columns in the query's column order (serialised as a JSON object in that order).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Fields(pub Vec<(String, Value)>);

impl Fields {
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.0
            .iter()
            .find(|(column, _)| column == name)
            .map(|(_, value)| value)
    }

    /// `[[name, value], …]`: the hash input, order-preserving whatever `serde_json::Map` does.
    fn to_pairs(&self) -> Value {
        Value::Array(
            self.0
                .iter()
                .map(|(name, value)| json!([name, value]))
                .collect(),
        )
    }
}

impl Serialize for Fields {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (name, value) in &self.0 {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

/// One detection alert.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Alert {
    /// Stable id: see `docs/scheduling.md` for what it hashes.
    pub id: String,
    pub rule_id: String,
    pub rule_name: String,
    pub severity: String,
    pub risk_score: i64,
    /// Index of the execution that created it, counting from 0.
    pub execution: usize,
    /// The execution's `startedAt` (and the query's `NOW()`).
    pub time: Timestamp,
    pub window: Window,
    /// The ES|QL row, without the columns that were null in every row of the execution's result
    /// (Kibana requests `drop_null_columns=true`).
    pub fields: Fields,
    /// For an aggregating rule: the first alert of the chain of identical rows in overlapping
    /// windows this alert repeats (Kibana creates it anyway; we mark it).
    pub duplicate_of: Option<String>,
    pub suppression: Option<AlertSuppression>,
}

/// Suppression state of an alert created under `alert_suppression`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AlertSuppression {
    /// Hash of the group-by terms and the rule id (Kibana's `kibana.alert.instance.id`).
    pub instance_id: String,
    /// The group-by fields and their values (null when missing).
    pub terms: Fields,
    /// How many later candidates were suppressed into this alert (`suppression.docs_count`).
    pub suppressed: u64,
    /// Execution time of the last suppressed candidate, or the creation time.
    pub end: Timestamp,
}

/// What one execution did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Execution {
    pub time: Timestamp,
    pub window: Window,
    /// Documents the time-range filter let through.
    pub documents: usize,
    /// Rows the query returned.
    pub rows: usize,
    /// Alerts created.
    pub alerts: usize,
    /// Rows whose alert id already existed (non-aggregating deduplication).
    pub deduplicated: usize,
    /// Rows suppressed into an existing alert.
    pub suppressed: usize,
    /// Rows dropped because `max_signals` alerts were already created in this execution.
    pub over_max_signals: usize,
}

/// The outcome of running a rule's schedule over a document set.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Replay {
    pub executions: Vec<Execution>,
    pub alerts: Vec<Alert>,
}

/// Runs every planned execution through the engine and creates the alerts Kibana would.
pub fn replay(
    rule: &ScheduledRule,
    plan: &[PlannedExecution],
    engine: &mut dyn Engine,
) -> Result<Replay, Diagnostic> {
    replay_observed(rule, plan, engine, &mut |_, _| {})
}

/// [`replay`], calling `on_execution` after each execution with it and the alerts so far
/// (progress bars).
pub fn replay_observed(
    rule: &ScheduledRule,
    plan: &[PlannedExecution],
    engine: &mut dyn Engine,
    on_execution: &mut dyn FnMut(&Execution, usize),
) -> Result<Replay, Diagnostic> {
    rule.schedule.validate()?;
    let mut book = AlertBook::default();
    let mut replay = Replay::default();
    for (index, planned) in plan.iter().enumerate() {
        let result = engine.run(&planned.documents, planned.time)?;
        let execution = book.execute(rule, index, planned, result, &mut replay.alerts);
        on_execution(&execution, replay.alerts.len());
        replay.executions.push(execution);
    }
    Ok(replay)
}

/// The alerts index as far as one rule sees it across executions.
#[derive(Default)]
struct AlertBook {
    /// Ids of every alert written; a row whose id is here is dropped (Kibana's `create` on `_id`
    /// after `filterDuplicateAlerts`).
    ids: BTreeSet<String>,
    /// Canonical row → (index of the latest alert with that row, id of the chain's first alert).
    last_by_row: BTreeMap<String, (usize, String)>,
    /// Suppression instance id → index of the alert currently absorbing that group.
    by_instance: BTreeMap<String, usize>,
}

impl AlertBook {
    fn execute(
        &mut self,
        rule: &ScheduledRule,
        index: usize,
        planned: &PlannedExecution,
        result: ResultTable,
        alerts: &mut Vec<Alert>,
    ) -> Execution {
        let mut execution = Execution {
            time: planned.time,
            window: planned.window,
            documents: planned.documents.len(),
            rows: result.rows.len(),
            alerts: 0,
            deduplicated: 0,
            suppressed: 0,
            over_max_signals: 0,
        };
        let kept_columns = non_null_columns(&result);
        // Identical rows of one execution get distinct ids, as Kibana's row index gives them.
        let mut occurrences: BTreeMap<String, u64> = BTreeMap::new();
        for row in &result.rows {
            let fields = row_fields(&result, &kept_columns, row);
            let row_key = canonical_json(&fields.to_pairs());
            let occurrence = occurrences.entry(row_key.clone()).or_default();
            let id = alert_id(rule, planned.window, &fields, *occurrence);
            *occurrence += 1;
            if self.ids.contains(&id) {
                execution.deduplicated += 1;
                continue;
            }
            let suppression = match &rule.schedule.suppression {
                None => None,
                Some(spec) => match self.suppress(spec, rule, planned, &fields, alerts) {
                    Suppressed::Opens(state) => state,
                    Suppressed::Absorbed => {
                        execution.suppressed += 1;
                        continue;
                    }
                },
            };
            // Suppressed rows update an existing alert and do not count against `max_signals`.
            if execution.alerts == rule.schedule.max_signals && !rule.uncapped {
                execution.over_max_signals += 1;
                continue;
            }
            let duplicate_of = match self.last_by_row.get(&row_key) {
                Some((previous, root)) if alerts[*previous].window.overlaps(planned.window) => {
                    Some(root.clone())
                }
                _ => None,
            };
            let position = alerts.len();
            let root = duplicate_of.clone().unwrap_or_else(|| id.clone());
            self.last_by_row.insert(row_key, (position, root));
            if let Some(state) = &suppression {
                self.by_instance.insert(state.instance_id.clone(), position);
            }
            self.ids.insert(id.clone());
            alerts.push(Alert {
                id,
                rule_id: rule.info.rule_id.clone(),
                rule_name: rule.info.name.clone(),
                severity: rule.info.severity.clone(),
                risk_score: rule.info.risk_score,
                execution: index,
                time: planned.time,
                window: planned.window,
                fields,
                duplicate_of,
                suppression,
            });
            execution.alerts += 1;
        }
        execution
    }

    /// What suppression does with a new row of `fields`: an open alert of its group created
    /// since the suppression window's start absorbs it, else it opens an alert, suppressing its
    /// group unless a group term is missing and such rows are not suppressed.
    fn suppress(
        &self,
        spec: &SuppressionSpec,
        rule: &ScheduledRule,
        planned: &PlannedExecution,
        fields: &Fields,
        alerts: &mut [Alert],
    ) -> Suppressed {
        let terms = Fields(
            spec.group_by
                .iter()
                .map(|field| {
                    (
                        field.clone(),
                        fields.get(field).cloned().unwrap_or(Value::Null),
                    )
                })
                .collect(),
        );
        let missing = terms.0.iter().any(|(_, value)| value.is_null());
        if missing && spec.missing_fields == MissingFieldsStrategy::DoNotSuppress {
            Suppressed::Opens(None)
        } else {
            let instance_id = hash_id(&json!([terms.to_pairs(), rule.info.rule_id]));
            // Kibana looks for an open alert of this instance created at or after
            // `now - duration`, or the window's start when suppression is per execution.
            let window_start = match spec.duration {
                Some(duration) => planned.time.plus(-duration),
                None => planned.window.from,
            };
            if let Some(&existing) = self.by_instance.get(&instance_id) {
                let alert = &mut alerts[existing];
                if alert.time >= window_start {
                    let state = alert
                        .suppression
                        .as_mut()
                        .expect("suppressed alerts carry state");
                    state.suppressed += 1;
                    state.end = planned.time;
                    return Suppressed::Absorbed;
                }
            }
            Suppressed::Opens(Some(AlertSuppression {
                instance_id,
                terms,
                suppressed: 0,
                end: planned.time,
            }))
        }
    }
}

/// What alert suppression does with a row.
enum Suppressed {
    /// The row opens an alert, with its group's suppression state when it has one.
    Opens(Option<AlertSuppression>),
    /// An open alert of the row's group absorbed it.
    Absorbed,
}

/// The columns some row has a value in (an alert leaves all-null columns out).
fn non_null_columns(result: &ResultTable) -> Vec<usize> {
    (0..result.columns.len())
        .filter(|&column| {
            result
                .rows
                .iter()
                .any(|row| !row.get(column).unwrap_or(&Value::Null).is_null())
        })
        .collect()
}

/// One row's fields, of the columns `kept`.
fn row_fields(result: &ResultTable, kept: &[usize], row: &[Value]) -> Fields {
    Fields(
        kept.iter()
            .map(|&column| {
                let value = row.get(column).cloned().unwrap_or(Value::Null);
                (result.columns[column].clone(), value)
            })
            .collect(),
    )
}

/// Kibana's `generateAlertId`, with FNV-1a over canonical JSON in place of `object-hash`:
/// a non-aggregating row with `_id` is identified by its source document (so overlapping
/// windows deduplicate it); any other row by the window, the rule and the row itself.
fn alert_id(rule: &ScheduledRule, window: Window, fields: &Fields, occurrence: u64) -> String {
    let rule_id = &rule.info.rule_id;
    if !rule.aggregating {
        if let Some(document_id) = fields.get("_id") {
            let expanded: Vec<Value> = rule
                .expanded_fields
                .iter()
                .map(|field| fields.get(field).cloned().unwrap_or(Value::Null))
                .collect();
            return hash_id(&json!([
                document_id,
                fields.get("_version").cloned().unwrap_or(Value::Null),
                fields.get("_index").cloned().unwrap_or(Value::Null),
                rule_id,
                expanded
            ]));
        }
    }
    hash_id(&json!([
        format!("{}{}", window.from, window.to),
        rule_id,
        fields.to_pairs(),
        occurrence
    ]))
}

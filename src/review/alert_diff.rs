//! Alert-level differences between two runs of one scenario: alerts gained, lost, and alerts of
//! the same group and window whose fields changed (a different set of secret names, say).
//!
//! Alerts are paired by execution window and group: the values of the rule's `BY` columns that
//! the alert carries (for a non-aggregating rule, `_id` and `_index`). Alerts of one window and
//! group pair in order. Without any such column, an alert pairs only with an identical one.

use serde::Serialize;
use serde_json::Value;

use crate::runner::ScenarioRun;
use crate::schedule::{Alert, Fields};

/// An alert as a diff shows it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AlertView {
    pub window: String,
    /// The group's key columns and values (empty when the rule has none in its output).
    pub group: Vec<(String, Value)>,
    pub fields: Fields,
    pub duplicate: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FieldChange {
    pub field: String,
    pub before: Value,
    pub after: Value,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ChangedAlert {
    pub before: AlertView,
    pub after: AlertView,
    pub changes: Vec<FieldChange>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ExpectationChange {
    pub expectation: String,
    pub before: bool,
    pub after: bool,
}

/// How one scenario's alerts differ between two versions of a rule.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ScenarioDiff {
    /// The scenario's file name in the suite (`edges__schedule-burst-split`).
    pub scenario: String,
    /// Its title.
    pub title: String,
    pub kind: String,
    pub gained: Vec<AlertView>,
    pub lost: Vec<AlertView>,
    pub changed: Vec<ChangedAlert>,
    pub expectations: Vec<ExpectationChange>,
}

impl ScenarioDiff {
    pub fn is_empty(&self) -> bool {
        self.gained.is_empty()
            && self.lost.is_empty()
            && self.changed.is_empty()
            && self.expectations.is_empty()
    }
}

fn view(alert: &Alert, key_columns: &[String]) -> AlertView {
    AlertView {
        window: format!("{} – {}", alert.window.from, alert.window.to),
        group: key_columns
            .iter()
            .filter_map(|c| alert.fields.get(c).map(|v| (c.clone(), v.clone())))
            .collect(),
        fields: alert.fields.clone(),
        duplicate: alert.duplicate_of.is_some(),
    }
}

/// The pairing key of an alert: its window and group, or its whole content without a group.
fn key(view: &AlertView) -> (String, String) {
    let group = if view.group.is_empty() {
        serde_json::to_string(&view.fields).unwrap_or_default()
    } else {
        serde_json::to_string(&view.group).unwrap_or_default()
    };
    (view.window.clone(), group)
}

/// Compares the alerts of every rule report of `before` and `after` (the same scenario).
/// `key_columns` are the columns that name a group (the rule's `BY` keys, `_id`, `_index`).
/// With `ignore_windows`, alerts pair by group and content alone: a schedule change moves every
/// window, and what matters then is which groups alert, how often and with what.
pub fn diff_runs(
    before: &ScenarioRun,
    after: &ScenarioRun,
    key_columns: &[String],
    ignore_windows: bool,
) -> ScenarioDiff {
    let views = |run: &ScenarioRun| -> Vec<AlertView> {
        run.rules
            .iter()
            .flat_map(|report| report.alerts.iter().map(|a| view(a, key_columns)))
            .map(|mut v| {
                if ignore_windows {
                    v.window = String::new();
                }
                v
            })
            .collect()
    };
    let old = views(before);
    let mut new: Vec<Option<AlertView>> = views(after).into_iter().map(Some).collect();
    let mut diff = ScenarioDiff {
        scenario: String::new(),
        title: after.scenario.clone(),
        kind: after.kind.clone(),
        ..ScenarioDiff::default()
    };
    for old_alert in old {
        let partner = new
            .iter()
            .position(|n| n.as_ref().is_some_and(|n| key(n) == key(&old_alert)));
        match partner.and_then(|i| new[i].take()) {
            Some(new_alert) => {
                let changes = field_changes(&old_alert.fields, &new_alert.fields);
                if !changes.is_empty() || old_alert.duplicate != new_alert.duplicate {
                    diff.changed.push(ChangedAlert {
                        before: old_alert,
                        after: new_alert,
                        changes,
                    });
                }
            }
            None => diff.lost.push(old_alert),
        }
    }
    diff.gained = new.into_iter().flatten().collect();
    for (old_result, new_result) in before.expectations.iter().zip(&after.expectations) {
        if old_result.passed != new_result.passed {
            diff.expectations.push(ExpectationChange {
                expectation: new_result.expectation.clone(),
                before: old_result.passed,
                after: new_result.passed,
            });
        }
    }
    diff
}

fn field_changes(before: &Fields, after: &Fields) -> Vec<FieldChange> {
    let mut names: Vec<&String> = before.0.iter().map(|(n, _)| n).collect();
    for (name, _) in &after.0 {
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names
        .into_iter()
        .filter_map(|name| {
            let (b, a) = (before.get(name), after.get(name));
            (b != a).then(|| FieldChange {
                field: name.clone(),
                before: b.cloned().unwrap_or(Value::Null),
                after: a.cloned().unwrap_or(Value::Null),
            })
        })
        .collect()
}

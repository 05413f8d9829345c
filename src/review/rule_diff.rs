//! The static difference of two versions of a rule, named as `inspect` names things.
//!
//! Exclusions and indicators are paired across versions by what they test (field, wrapping
//! function, and whether they filter before or after `STATS`), so "one more user excluded" reads
//! as a value added to an exclusion rather than one exclusion removed and another added. Two
//! predicates on the same field pair up in query order.

use serde::Serialize;

use super::kql_diff::{filter_texts, kql_changes, type_settings};
use crate::analysis::{analyze, Analysis, Predicate};
use crate::rule::LoadedRule;

/// What changed between a base and a head version of a rule.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct RuleDiff {
    pub exclusions: Vec<PredicateChange>,
    pub indicators: Vec<PredicateChange>,
    pub group_by: ListChange,
    pub output_fields: ListChange,
    /// Schedule and alert settings: interval, look-back, max_signals, timestamp_override,
    /// severity, risk score, alert suppression.
    pub settings: Vec<SettingChange>,
    /// Whether the query text differs at all (layout included).
    pub query_text_changed: bool,
    /// An EQL query's changes in words (`maxspan 5m → 10m`, `step 2: conjunct added: …`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub eql: Vec<String>,
    /// A KQL query's changes in words (`clause on `kubernetes.audit.verb` changed: values
    /// removed `"patch"``, `exclusion added: …`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub kql: Vec<String>,
    /// The rule's enabled `filters`, each as the KQL it runs as, added or removed.
    #[serde(skip_serializing_if = "ListChange::is_empty")]
    pub filters: ListChange,
}

impl RuleDiff {
    pub fn is_empty(&self) -> bool {
        self.exclusions.is_empty()
            && self.indicators.is_empty()
            && self.group_by.is_empty()
            && self.output_fields.is_empty()
            && self.settings.is_empty()
            && self.eql.is_empty()
            && self.kql.is_empty()
            && self.filters.is_empty()
    }
}

/// A predicate (exclusion or indicator) as the diff shows it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PredicateSummary {
    pub field: String,
    pub kind: String,
    pub values: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub function: Option<String>,
    pub after_stats: bool,
    /// The conjunct as written.
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum PredicateChange {
    Added {
        predicate: PredicateSummary,
    },
    Removed {
        predicate: PredicateSummary,
    },
    /// Same field, different kind or values (`>= 3` to `>= 4`, a value added to an `IN` list).
    Changed {
        before: PredicateSummary,
        after: PredicateSummary,
        values_added: Vec<String>,
        values_removed: Vec<String>,
    },
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ListChange {
    pub added: Vec<String>,
    pub removed: Vec<String>,
}

impl ListChange {
    fn between(before: &[String], after: &[String]) -> ListChange {
        ListChange {
            added: after
                .iter()
                .filter(|x| !before.contains(x))
                .cloned()
                .collect(),
            removed: before
                .iter()
                .filter(|x| !after.contains(x))
                .cloned()
                .collect(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty()
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SettingChange {
    pub setting: String,
    pub before: String,
    pub after: String,
    /// For a list setting (`index`, new_terms fields, threshold fields): the items added.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub added: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub removed: Vec<String>,
}

/// The analysis of a loaded rule, or an empty one for a rule whose query is not ES|QL.
fn analysis_of(rule: &LoadedRule) -> (Analysis, String) {
    match rule.query.parsed() {
        Some((query, text)) => (analyze(query, text), text.to_string()),
        None => (
            Analysis {
                stages: Vec::new(),
                exclusions: Vec::new(),
                indicators: Vec::new(),
                group_by: Vec::new(),
                output_fields: Vec::new(),
            },
            String::new(),
        ),
    }
}

/// Compares two loaded versions of a rule.
pub fn diff_rules(base: &LoadedRule, head: &LoadedRule) -> RuleDiff {
    let (before, before_text) = analysis_of(base);
    let (after, after_text) = analysis_of(head);
    let fields = |a: &Analysis| {
        a.output_fields
            .iter()
            .map(|f| f.field.clone())
            .collect::<Vec<_>>()
    };
    RuleDiff {
        exclusions: pair_predicates(
            &before.exclusions,
            &before_text,
            &after.exclusions,
            &after_text,
        ),
        indicators: pair_predicates(
            &before.indicators,
            &before_text,
            &after.indicators,
            &after_text,
        ),
        group_by: ListChange::between(&before.group_by, &after.group_by),
        output_fields: ListChange::between(&fields(&before), &fields(&after)),
        settings: setting_changes(base, head),
        query_text_changed: before_text != after_text
            || base.query.eql().map(|(_, t)| t) != head.query.eql().map(|(_, t)| t)
            || base.query.kql().map(|(_, t)| t) != head.query.kql().map(|(_, t)| t),
        eql: match (base.query.eql(), head.query.eql()) {
            (Some((a, _)), Some((b, _))) => super::eql_diff::eql_changes(a, b),
            _ => Vec::new(),
        },
        kql: match (base.query.kql(), head.query.kql()) {
            (Some((a, _)), Some((b, _))) => kql_changes(a, b),
            _ => Vec::new(),
        },
        filters: ListChange::between(
            &filter_texts(&base.rule.data),
            &filter_texts(&head.rule.data),
        ),
    }
}

fn summary(p: &Predicate, text: &str) -> PredicateSummary {
    PredicateSummary {
        field: p.field.clone(),
        kind: p.kind.name().to_string(),
        values: p.values.clone(),
        function: p.function.clone(),
        after_stats: p.after_stats,
        text: p.span.slice(text).trim().to_string(),
    }
}

type PairKey = (String, Option<String>, bool);

fn key(p: &Predicate) -> PairKey {
    (p.field.clone(), p.function.clone(), p.after_stats)
}

fn pair_predicates(
    before: &[Predicate],
    before_text: &str,
    after: &[Predicate],
    after_text: &str,
) -> Vec<PredicateChange> {
    // First pair predicates that did not change at all, so that an unchanged exclusion is never
    // paired with a new one on the same field; then pair the rest by field, in query order.
    let mut unmatched_after: Vec<bool> = vec![true; after.len()];
    let mut partner_of: Vec<Option<usize>> = vec![None; before.len()];
    for (i, b) in before.iter().enumerate() {
        let same = |(j, a): &(usize, &Predicate)| {
            unmatched_after[*j] && key(a) == key(b) && a.kind == b.kind && a.values == b.values
        };
        if let Some((j, _)) = after.iter().enumerate().find(same) {
            unmatched_after[j] = false;
            partner_of[i] = Some(j);
        }
    }
    let mut changes = Vec::new();
    for (i, b) in before.iter().enumerate() {
        if partner_of[i].is_some() {
            continue;
        }
        let partner = after
            .iter()
            .enumerate()
            .find(|(j, a)| unmatched_after[*j] && key(a) == key(b));
        match partner {
            Some((j, a)) => {
                unmatched_after[j] = false;
                changes.push(PredicateChange::Changed {
                    before: summary(b, before_text),
                    after: summary(a, after_text),
                    values_added: a
                        .values
                        .iter()
                        .filter(|v| !b.values.contains(v))
                        .cloned()
                        .collect(),
                    values_removed: b
                        .values
                        .iter()
                        .filter(|v| !a.values.contains(v))
                        .cloned()
                        .collect(),
                });
            }
            None => changes.push(PredicateChange::Removed {
                predicate: summary(b, before_text),
            }),
        }
    }
    for (j, a) in after.iter().enumerate() {
        if unmatched_after[j] {
            changes.push(PredicateChange::Added {
                predicate: summary(a, after_text),
            });
        }
    }
    changes
}

fn setting_changes(base: &LoadedRule, head: &LoadedRule) -> Vec<SettingChange> {
    let (b, h) = (base.rule.schedule(), head.rule.schedule());
    let suppression = |r: &LoadedRule| {
        r.rule
            .data
            .alert_suppression
            .as_ref()
            .map(|s| {
                let duration = s
                    .duration
                    .as_ref()
                    .map(|d| format!("{}{}", d.value, d.unit))
                    .unwrap_or_else(|| "per execution".into());
                format!(
                    "group_by [{}], duration {duration}, missing fields {}",
                    s.group_by.join(", "),
                    s.missing_fields_strategy.as_deref().unwrap_or("suppress")
                )
            })
            .unwrap_or_else(|| "none".to_string())
    };
    let candidates = [
        ("interval", b.interval.clone(), h.interval.clone()),
        ("from", b.from.text.clone(), h.from.text.clone()),
        (
            "max_signals",
            b.max_signals.to_string(),
            h.max_signals.to_string(),
        ),
        (
            "timestamp_override",
            b.timestamp_override
                .clone()
                .unwrap_or_else(|| "none".into()),
            h.timestamp_override
                .clone()
                .unwrap_or_else(|| "none".into()),
        ),
        (
            "severity",
            base.rule.data.severity.clone(),
            head.rule.data.severity.clone(),
        ),
        (
            "risk_score",
            base.rule.data.risk_score.to_string(),
            head.rule.data.risk_score.to_string(),
        ),
        ("alert_suppression", suppression(base), suppression(head)),
    ];
    let mut changes: Vec<SettingChange> = candidates
        .into_iter()
        .filter(|(_, before, after)| before != after)
        .map(|(setting, before, after)| SettingChange {
            setting: setting.to_string(),
            before,
            after,
            added: Vec::new(),
            removed: Vec::new(),
        })
        .collect();
    changes.extend(
        type_settings(&base.rule.data, &head.rule.data)
            .into_iter()
            .map(|s| SettingChange {
                setting: s.setting.to_string(),
                before: s.before,
                after: s.after,
                added: s.added,
                removed: s.removed,
            }),
    );
    changes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rule::load;
    use std::path::Path;

    fn diff_against_seed(head: &str) -> RuleDiff {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let base = load(
            &root.join("rules/credential_access_kubernetes_multiple_secret_retrieval_burst.toml"),
        )
        .unwrap();
        let head = load(&root.join("tests/data/diff").join(head)).unwrap();
        diff_rules(&base, &head)
    }

    #[test]
    fn an_added_value_is_a_change_of_its_exclusion() {
        let diff = diff_against_seed("exclusion_added.toml");
        assert_eq!(diff.exclusions.len(), 1);
        let PredicateChange::Changed {
            values_added,
            values_removed,
            ..
        } = &diff.exclusions[0]
        else {
            panic!("{:?}", diff.exclusions[0]);
        };
        assert_eq!(
            values_added,
            &["system:serviceaccount:trivy-system:trivy-operator"]
        );
        assert!(values_removed.is_empty());
        assert!(diff.indicators.is_empty() && diff.settings.is_empty());
    }

    #[test]
    fn a_renamed_field_is_one_exclusion_removed_and_one_added() {
        let diff = diff_against_seed("field_renamed.toml");
        let kinds: Vec<(&str, &str)> = diff
            .exclusions
            .iter()
            .map(|c| match c {
                PredicateChange::Added { predicate } => ("added", predicate.field.as_str()),
                PredicateChange::Removed { predicate } => ("removed", predicate.field.as_str()),
                PredicateChange::Changed { before, .. } => ("changed", before.field.as_str()),
            })
            .collect();
        assert_eq!(
            kinds,
            [
                ("removed", "user.name"),
                ("added", "kubernetes.audit.user.username")
            ]
        );
    }

    #[test]
    fn threshold_and_schedule_changes_are_named() {
        let diff = diff_against_seed("threshold_raised.toml");
        let PredicateChange::Changed { before, after, .. } = &diff.indicators[0] else {
            panic!("{:?}", diff.indicators);
        };
        assert_eq!(
            (before.values.as_slice(), after.values.as_slice()),
            (&["3".to_string()][..], &["5".to_string()][..])
        );
        let diff = diff_against_seed("lookback_widened.toml");
        assert_eq!(
            diff.settings,
            [SettingChange {
                setting: "from".into(),
                before: "now-6m".into(),
                after: "now-11m".into(),
                added: Vec::new(),
                removed: Vec::new(),
            }]
        );
        assert!(!diff.query_text_changed);
    }
}

//! A loaded rule file's schedule, identity and query shape, as the scheduler takes them.

use super::{
    expanded_fields, is_aggregating, MissingFieldsStrategy, RuleInfo, ScheduleSpec, ScheduledRule,
    SuppressionSpec,
};
use crate::diagnostic::Diagnostic;

/// The column of a new-terms alert that holds the new term values (Kibana's
/// `kibana.alert.new_terms`).
pub const NEW_TERMS_FIELD: &str = "kibana.alert.new_terms";
use crate::rule::{DateMath, LoadedRule, QueryStatus};

impl ScheduledRule {
    /// Fills Kibana's defaults in and checks that rulegate can run this schedule offline.
    /// Returns `Err` with a "not evaluated" reason for what it cannot run.
    pub fn from_loaded(loaded: &LoadedRule) -> Result<ScheduledRule, Diagnostic> {
        let data = &loaded.rule.data;
        let (aggregating, expanded) = alert_shape(loaded)?;
        let schedule = loaded.rule.schedule();
        let not_fixed = |what: &str, text: &str| {
            Diagnostic::error(
                "E703",
                format!("not evaluated: {what} `{text}` is in months or years, which rulegate does not schedule"),
            )
            .in_file(&loaded.file)
        };
        let lookback = schedule
            .lookback_ms()
            .ok_or_else(|| not_fixed("the look-back", &schedule.from.text))?;
        let to = match data.to.as_deref() {
            None | Some("now") => 0,
            Some(text) => {
                let math = DateMath::parse(text).ok_or_else(|| {
                    Diagnostic::error("E703", format!("not evaluated: `to = \"{text}\"` is not date math rulegate understands"))
                        .in_file(&loaded.file)
                })?;
                -math.fixed_ms().ok_or_else(|| not_fixed("`to`", text))?
            }
        };
        let suppression = suppression_spec(loaded)?;
        let spec = ScheduleSpec {
            interval: schedule.interval_ms,
            from: -lookback,
            to,
            max_signals: schedule.max_signals as usize,
            timestamp_override: schedule.timestamp_override.clone(),
            fallback_disabled: false,
            suppression,
        };
        spec.validate()
            .map_err(|error| error.in_file(&loaded.file))?;
        Ok(ScheduledRule {
            info: RuleInfo {
                rule_id: data.rule_id.clone(),
                name: data.name.clone(),
                severity: data.severity.clone(),
                risk_score: data.risk_score,
            },
            schedule: spec,
            aggregating,
            expanded_fields: expanded,
            uncapped: matches!(loaded.query, QueryStatus::Eql { .. }),
        })
    }
}

/// Whether the rule's alerts aggregate, and the fields besides the row that identify one.
fn alert_shape(loaded: &LoadedRule) -> Result<(bool, Vec<String>), Diagnostic> {
    // ES|QL: aggregating when it has STATS; KQL: a threshold rule aggregates into buckets,
    // a new-terms alert is one per document and new term (the terms join its id).
    Ok(match &loaded.query {
        QueryStatus::Parsed { query, .. } => (is_aggregating(query), expanded_fields(query)),
        QueryStatus::Kql { .. } => match loaded.rule.data.rule_type.as_str() {
            "threshold" => (true, Vec::new()),
            "new_terms" => (false, vec![NEW_TERMS_FIELD.to_string()]),
            _ => (false, Vec::new()),
        },
        // EQL: alerts are per document; a sequence's alerts also carry its group id and
        // position, so the same document in two sequences makes two building blocks.
        QueryStatus::Eql { .. } => (
            false,
            vec![
                crate::eql::rule_type::GROUP_ID.to_string(),
                crate::eql::rule_type::GROUP_INDEX.to_string(),
            ],
        ),
        QueryStatus::NotEsql { language } => {
            let reason = format!("not evaluated: language {language}");
            return Err(Diagnostic::error("E703", reason).in_file(&loaded.file));
        }
        QueryStatus::Invalid(_) => {
            let reason = "not evaluated: the query does not parse";
            return Err(Diagnostic::error("E703", reason).in_file(&loaded.file));
        }
    })
}

/// The rule's alert suppression; an error for a duration unit other than s, m or h.
fn suppression_spec(loaded: &LoadedRule) -> Result<Option<SuppressionSpec>, Diagnostic> {
    Ok(match &loaded.rule.data.alert_suppression {
        Some(suppression) if !suppression.group_by.is_empty() => Some(SuppressionSpec {
            group_by: suppression.group_by.clone(),
            duration: match &suppression.duration {
                None => None,
                Some(duration) => {
                    let unit = match duration.unit.as_str() {
                        "s" => super::time::SECOND,
                        "m" => super::time::MINUTE,
                        "h" => super::time::HOUR,
                        other => {
                            return Err(Diagnostic::error(
                                "E703",
                                format!(
                                "not evaluated: alert suppression unit `{other}` is not s, m or h"
                            ),
                            )
                            .in_file(&loaded.file))
                        }
                    };
                    Some(duration.value.saturating_mul(unit))
                }
            },
            missing_fields: match suppression.missing_fields_strategy.as_deref() {
                Some("doNotSuppress") => MissingFieldsStrategy::DoNotSuppress,
                _ => MissingFieldsStrategy::Suppress,
            },
        }),
        _ => None,
    })
}

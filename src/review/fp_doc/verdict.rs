//! What the runner found for each actor of a scenario: the alerts its documents fed, the
//! exclusion that dropped them (through false or null), the conjunct an evasion slips past, or
//! how far its groups stayed below the threshold.

use std::collections::{BTreeMap, BTreeSet};

use super::{code, plural};
use crate::diagnostic::Diagnostic;
use crate::document::Cell;
use crate::runner::{
    conjunct_outcomes, explain, run_rule, threshold_margins, ConjunctOutcomes, DocumentFate,
    DocumentSet, Fate, GeneratedScenario, PreparedRule, RuleLogic, ThresholdMargin,
};
use crate::scenario::Kind;
use crate::schedule::{Alert, Fields};

/// Everything the page says about one scenario, computed by the runner.
pub(super) struct Study<'a> {
    pub(super) generated: &'a GeneratedScenario,
    pub(super) alerts: Vec<Alert>,
    exclusions: Vec<ExclusionDrops>,
    margins: Vec<ThresholdMargin>,
    /// The aggregate the threshold compares (`Esql.unique_credentials`).
    aggregate: Option<String>,
    pub(super) fates: Vec<DocumentFate>,
    /// How a document that passes the query can still raise no alert, by rule type.
    pub(super) alerting: Alerting,
}

/// The rule type's last step between a matching document and an alert, as the page words it.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Alerting {
    /// ES|QL and EQL: groups (or sequences) against the query's own threshold.
    Query,
    /// Kibana's `query` type: every matching document is an alert.
    KqlQuery,
    /// Kibana's `threshold` type: buckets by `fields` of at least `value` documents.
    Threshold { fields: Vec<String>, value: i64 },
    /// Kibana's `new_terms` type: a combination of `fields` absent from the history window.
    NewTerms {
        fields: Vec<String>,
        history: String,
    },
}

impl Alerting {
    pub(super) fn of(rule: &PreparedRule) -> Alerting {
        match &rule.logic {
            RuleLogic::Query(_) => Alerting::KqlQuery,
            RuleLogic::Threshold(_, spec) => Alerting::Threshold {
                fields: spec.fields.clone(),
                value: spec.value,
            },
            RuleLogic::NewTerms(_, spec) => Alerting::NewTerms {
                fields: spec.fields.clone(),
                history: spec.history.text.clone(),
            },
            RuleLogic::Esql(_) | RuleLogic::Eql(_) => Alerting::Query,
        }
    }

    /// What happened to a document that passed every clause, for the example table.
    pub(super) fn fate(&self, alerted: bool) -> &'static str {
        match (self, alerted) {
            (Alerting::Query, true) => "fed an alerting group",
            (Alerting::Query, false) => "fed a group below the threshold",
            (Alerting::KqlQuery, true) => "matched: an alert",
            (Alerting::KqlQuery, false) => "matched, no alert",
            (Alerting::Threshold { .. }, true) => "counted in a bucket that alerted",
            (Alerting::Threshold { .. }, false) => "counted in a bucket below the threshold",
            (Alerting::NewTerms { .. }, true) => "matched: a new combination, an alert",
            (Alerting::NewTerms { .. }, false) => "matched: its combination was not new",
        }
    }
}

impl<'a> Study<'a> {
    pub(super) fn run(
        rule: &PreparedRule,
        generated: &'a GeneratedScenario,
    ) -> Result<Study<'a>, Diagnostic> {
        let docs = &generated.docs;
        let run = run_rule(rule, docs, generated.first_run(rule), &mut |_, _, _| {})?;
        let outcomes = conjunct_outcomes(rule, docs, &run.plan);
        let exclusions = exclusion_drops(rule, docs, &outcomes);
        let margins = threshold_margins(rule, docs, &run.plan)?;
        let fates = explain(rule, docs, &run);
        Ok(Study {
            generated,
            alerts: run.replay.alerts,
            exclusions,
            margins,
            aggregate: rule
                .analysis
                .indicators
                .iter()
                .find(|indicator| indicator.after_stats)
                .map(|indicator| indicator.field.clone()),
            fates,
            alerting: Alerting::of(rule),
        })
    }

    pub(super) fn actor_fates<'s>(
        &'s self,
        actor: &'s str,
    ) -> impl Iterator<Item = &'s DocumentFate> {
        self.fates
            .iter()
            .filter(move |fate| fate.actor.as_deref() == Some(actor))
    }
}

/// The documents one exclusion dropped while every other conjunct of its `WHERE` was true — the
/// runner's exclusion count, kept per actor with whether the exclusion was false or null.
struct ExclusionDrops {
    /// The conjunct as written.
    conjunct: String,
    field: String,
    by_actor: BTreeMap<String, Drops>,
}

#[derive(Default)]
struct Drops {
    false_: usize,
    null: usize,
    /// Some null came from a multivalued field (a scalar function of it is null).
    multivalued: bool,
}

fn exclusion_drops(
    rule: &PreparedRule,
    docs: &DocumentSet,
    outcomes: &ConjunctOutcomes,
) -> Vec<ExclusionDrops> {
    let mut all = Vec::new();
    for (index, conjunct) in outcomes.conjuncts.iter().enumerate() {
        let is_exclusion = rule
            .analysis
            .exclusions
            .iter()
            .any(|exclusion| exclusion.location == conjunct.location);
        if !is_exclusion {
            continue;
        }
        let column = docs.documents.column(&conjunct.field);
        let mut drops = ExclusionDrops {
            conjunct: conjunct.span.slice(&rule.text).trim().to_string(),
            field: conjunct.field.clone(),
            by_actor: BTreeMap::new(),
        };
        for (doc, _, values) in &outcomes.documents {
            let dropped = values[index] != Some(true)
                && outcomes.others_true(values, conjunct.location.command, index);
            let Some(actor) = docs.actors[*doc].as_ref().filter(|_| dropped) else {
                continue;
            };
            let entry = drops.by_actor.entry(actor.clone()).or_default();
            if values[index].is_none() {
                entry.null += 1;
                entry.multivalued |=
                    column.is_some_and(|c| matches!(docs.documents.row(*doc)[c], Cell::Many(_)));
            } else {
                entry.false_ += 1;
            }
        }
        all.push(drops);
    }
    all
}

/// What happened to one actor's documents.
#[derive(Default)]
pub(super) struct ActorOutcome {
    /// Alerts fed by its documents, by id.
    alerts: BTreeSet<String>,
    /// `(role, conjunct, field, result)` of the first conjunct that dropped a document → count.
    dropped: BTreeMap<(&'static str, String, String, &'static str), usize>,
    /// Groups its documents fed that never alerted.
    quiet_groups: Vec<Fields>,
    /// Groups its documents fed that alerted.
    alerting_groups: Vec<Fields>,
    quiet_documents: usize,
    /// The documents (from 1) that passed every clause and fed no alert.
    quiet_document_numbers: Vec<usize>,
    alerting_documents: usize,
    /// EQL: documents that matched a step of a sequence that did not alert.
    sequence_documents: usize,
    /// EQL: why a step did not extend a sequence (`step 2: key_differs`) → count.
    broken_steps: BTreeMap<String, usize>,
    /// Conjuncts that dropped a document through null while their field was multivalued.
    multivalued_nulls: BTreeSet<String>,
    outside_windows: usize,
    not_read: usize,
}

impl ActorOutcome {
    pub(super) fn of(study: &Study, actor: &str) -> ActorOutcome {
        let mut outcome = ActorOutcome::default();
        for fate in study.actor_fates(actor) {
            match &fate.fate {
                Fate::OutsideWindows => outcome.outside_windows += 1,
                Fate::NotRead { .. } => outcome.not_read += 1,
                Fate::Dropped {
                    role,
                    conjunct,
                    field,
                    result,
                    value,
                    ..
                } => {
                    if *result == "null" && value.is_array() {
                        outcome.multivalued_nulls.insert(conjunct.clone());
                    }
                    *outcome
                        .dropped
                        .entry((role, conjunct.clone(), field.clone(), result))
                        .or_default() += 1;
                }
                Fate::NoStep { steps } => {
                    // The step with the fewest failing conjuncts stands for the document.
                    if let Some(s) = steps.iter().min_by_key(|s| s.also_failed) {
                        *outcome
                            .dropped
                            .entry(("step", s.conjunct.clone(), s.field.clone(), s.result))
                            .or_default() += 1;
                    }
                }
                Fate::Sequence {
                    steps,
                    alerted,
                    alerts,
                } => {
                    if *alerted {
                        outcome.alerting_documents += 1;
                        outcome.alerts.extend(alerts.iter().cloned());
                    } else {
                        outcome.sequence_documents += 1;
                        for step in steps.iter().filter(|s| s.outcome != "started") {
                            *outcome
                                .broken_steps
                                .entry(format!("step {}: {}", step.step, step.outcome))
                                .or_default() += 1;
                        }
                    }
                }
                Fate::Grouped {
                    group,
                    alerted,
                    alerts,
                } => {
                    if *alerted {
                        outcome.alerting_documents += 1;
                        outcome.alerts.extend(alerts.iter().cloned());
                        if !outcome.alerting_groups.contains(group) {
                            outcome.alerting_groups.push(group.clone());
                        }
                    } else {
                        outcome.quiet_documents += 1;
                        outcome.quiet_document_numbers.push(fate.document);
                        if !outcome.quiet_groups.contains(group) {
                            outcome.quiet_groups.push(group.clone());
                        }
                    }
                }
            }
        }
        outcome
    }

    /// The one-line verdict: it alerts, an exclusion handles it, a conjunct drops it, or its
    /// groups stay below the threshold. `short` names conjuncts by field (the summary table).
    pub(super) fn verdict(&self, study: &Study, actor: &str, short: bool) -> String {
        let name = |conjunct: &str, field: &str| {
            if short {
                format!("on `{field}`")
            } else {
                code(conjunct)
            }
        };
        // An evasion that does not alert is a miss, not a handled case.
        let (quiet, handled) = if study.generated.scenario.kind == Kind::Evasion {
            ("**missed**", "dropped by")
        } else {
            ("**no alert**", "handled by")
        };
        if !self.alerts.is_empty() {
            return self.alert_verdict(study);
        }
        let excluded = excluded_by(study, actor, &name);
        if !excluded.is_empty() {
            return format!("{quiet}: {handled} {}", excluded.join("; "));
        }
        if self.sequence_documents > 0 {
            return self.sequence_verdict(quiet);
        }
        if self.quiet_documents > 0 {
            return format!("{quiet}: {}", self.why_quiet(study));
        }
        if let Some(((role, conjunct, field, _), count)) =
            self.dropped.iter().max_by_key(|(_, count)| **count)
        {
            return format!(
                "{quiet}: the {role} {} drops its documents ({}{})",
                name(conjunct, field),
                plural(*count, "document"),
                self.through(conjunct, field)
            );
        }
        if self.not_read == 0 && self.outside_windows == 0 {
            return format!("{quiet}: it produced no documents");
        }
        if self.outside_windows > 0 {
            return format!("{quiet}: none of its documents falls inside an execution window");
        }
        format!("{quiet}: the rule's `FROM` reads none of its documents")
    }

    /// The verdict of an actor whose documents alert (with the best margin of a query rule).
    fn alert_verdict(&self, study: &Study) -> String {
        let margin = match study.alerting {
            Alerting::Query => {
                format!("; {}", best_margin(study, &self.alerting_groups, "up to"))
            }
            _ => String::new(),
        };
        format!(
            "**alerts** ({}{margin}): no exclusion covers it",
            plural(self.alerts.len(), "alert"),
        )
    }

    /// The verdict of an actor whose events matched sequence steps but completed none (`quiet`
    /// is "no alert" or, for an evasion, "missed").
    fn sequence_verdict(&self, quiet: &str) -> String {
        let why: Vec<String> = self
            .broken_steps
            .iter()
            .map(|(what, count)| format!("{what} ×{count}"))
            .collect();
        if why.is_empty() {
            format!("{quiet}: its events started sequences that no later step completed")
        } else {
            format!(
                "{quiet}: its events matched steps but completed no sequence ({})",
                why.join(", ")
            )
        }
    }

    /// Why documents that passed every clause raised no alert, in the rule type's terms.
    fn why_quiet(&self, study: &Study) -> String {
        let matching = plural(self.quiet_documents, "matching document");
        match &study.alerting {
            Alerting::Query => format!(
                "the {} its documents fed stayed below the threshold ({})",
                plural(self.quiet_groups.len(), "group"),
                best_margin(study, &self.quiet_groups, "at best")
            ),
            Alerting::KqlQuery => format!(
                "its {matching} raised no alert (the rule's `filters` or `max_signals` held them back)"
            ),
            Alerting::Threshold { fields, value } if fields.is_empty() => format!(
                "its {matching} counted toward a total that stayed below the threshold of {value}"
            ),
            Alerting::Threshold { fields, value } => format!(
                "its {matching} fell in buckets by {} that stayed below the threshold of {value}",
                codes(fields)
            ),
            Alerting::NewTerms { fields, history } => {
                let alerted = self.combinations_alerted(study, fields);
                if alerted == 0 {
                    let window = match super::history_length(history) {
                        Some(length) => format!("the {length} before each execution"),
                        None => format!("from `{history}`"),
                    };
                    format!(
                        "the {} combination of its {matching} was already in the history window \
                         ({window}), so it was not new",
                        codes(fields),
                    )
                } else {
                    format!(
                        "the {} combination of its {matching} was not new: another document \
                         raised the alert for {} of them",
                        codes(fields),
                        plural(alerted, "combination")
                    )
                }
            }
        }
    }

    /// How many of this actor's quiet documents' new-terms combinations some alert of the
    /// scenario carries (`kibana.alert.new_terms`).
    fn combinations_alerted(&self, study: &Study, fields: &[String]) -> usize {
        let alerted: Vec<Vec<String>> = study
            .alerts
            .iter()
            .filter_map(|alert| alert.fields.get(crate::schedule::NEW_TERMS_FIELD))
            .filter_map(|terms| terms.as_array())
            .map(|terms| terms.iter().map(super::compact).collect())
            .collect();
        let mut combinations: Vec<Vec<String>> = self
            .quiet_document_numbers
            .iter()
            .filter_map(|n| study.generated.values.get(n - 1))
            .map(|value| fields.iter().map(|f| super::field_text(value, f)).collect())
            .collect();
        combinations.sort();
        combinations.dedup();
        combinations.iter().filter(|c| alerted.contains(c)).count()
    }

    /// How the documents a conjunct dropped went (from their fates).
    fn through(&self, conjunct: &str, field: &str) -> String {
        let results: Vec<&str> = self
            .dropped
            .keys()
            .filter(|(_, text, _, _)| text == conjunct)
            .map(|(_, _, _, result)| *result)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        through(&results, self.multivalued_nulls.contains(conjunct), field)
    }

    /// Where every document went: `12 dropped by … (null); 3 fed groups that did not alert`.
    pub(super) fn breakdown(&self, study: &Study) -> String {
        let mut parts = Vec::new();
        for ((role, _, field, result), count) in &self.dropped {
            parts.push(format!(
                "{} dropped by the {role} on `{field}` ({result})",
                count
            ));
        }
        let (alerting, quiet) = match study.alerting {
            Alerting::Query => ("fed alerting groups", "fed groups that did not alert"),
            Alerting::Threshold { .. } => (
                "counted in buckets that alerted",
                "counted in buckets below the threshold",
            ),
            Alerting::KqlQuery | Alerting::NewTerms { .. } => {
                ("matched and alerted", "matched without an alert")
            }
        };
        if self.alerting_documents > 0 {
            parts.push(format!("{} {alerting}", self.alerting_documents));
        }
        if self.quiet_documents > 0 {
            parts.push(format!("{} {quiet}", self.quiet_documents));
        }
        if self.sequence_documents > 0 {
            parts.push(format!(
                "{} matched a step of no alerting sequence",
                self.sequence_documents
            ));
        }
        if self.outside_windows > 0 {
            parts.push(format!("{} outside every window", self.outside_windows));
        }
        if self.not_read > 0 {
            parts.push(format!("{} not read by `FROM`", self.not_read));
        }
        parts.join("; ")
    }
}

/// `, through false`, or `, through null` with why when the field was multivalued: a null
/// drops a row as surely as false, which is worth saying.
fn through(results: &[&str], multivalued: bool, field: &str) -> String {
    if results.is_empty() {
        return String::new();
    }
    let why = if multivalued && results.contains(&"null") {
        format!(": `{field}` is multivalued, so the condition is null, not true")
    } else {
        String::new()
    };
    format!(", through {}{why}", results.join(" and "))
}

/// `at best `Esql.unique_credentials` = 2 per group and execution, the rule needs 3` (`lead`
/// is `at best` below the threshold, `up to` above it).
fn best_margin(study: &Study, groups: &[Fields], lead: &str) -> String {
    let aggregate = study
        .aggregate
        .as_deref()
        .map(|field| format!("`{field}` = "))
        .unwrap_or_default();
    let best = study
        .margins
        .iter()
        .filter(|margin| groups.contains(&margin.group))
        .max_by_key(|margin| margin.value);
    match best {
        Some(margin) => format!(
            "{lead} {aggregate}{} per group and execution, the rule needs {}",
            margin.value, margin.needed
        ),
        None => "no execution saw a group of it".to_string(),
    }
}

/// `` `a`, `b` ``.
fn codes(fields: &[String]) -> String {
    fields
        .iter()
        .map(|f| code(f))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The exclusions that drop the actor's documents, each with its count and how (`name` shows
/// the conjunct).
fn excluded_by(study: &Study, actor: &str, name: &impl Fn(&str, &str) -> String) -> Vec<String> {
    study
        .exclusions
        .iter()
        .filter_map(|exclusion| {
            let drops = exclusion.by_actor.get(actor)?;
            let mut results = Vec::new();
            if drops.false_ > 0 {
                results.push("false");
            }
            if drops.null > 0 {
                results.push("null");
            }
            Some(format!(
                "the exclusion {} ({}{})",
                name(&exclusion.conjunct, &exclusion.field),
                plural(drops.false_ + drops.null, "document"),
                through(&results, drops.multivalued, &exclusion.field)
            ))
        })
        .collect()
}

//! `rulegate doc`: a Markdown page per rule documenting, from its benign, false-positive and
//! evasion scenarios, which traffic an exclusion handles, which still alerts, and why evasions
//! slip through — executable documentation, regenerated rather than written.
//!
//! Every fact on the page comes from the one runner: the rule's scheduled run over each
//! generated scenario, `explain`'s fate of every document (the first conjunct that dropped it,
//! through false or null, or the group it fed), the per-actor exclusion counts and the threshold
//! margins. Nothing depends on the machine or the time of day it runs on.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use serde_json::Value;

use super::suite::Suite;
use crate::diagnostic::Diagnostic;
use crate::report::inspect::{cell, InspectReport};
use crate::runner::{
    conjunct_outcomes, exclusion_counts, explain, run_rule, threshold_margins, DocumentFate,
    ExclusionCount, Fate, GeneratedScenario, PreparedRule, ThresholdMargin,
};
use crate::scenario::{Actor, Kind};
use crate::schedule::{collect_field, Alert, Fields};

/// Kinds documented, in page order, with the heading and the sentence introducing them.
const SECTIONS: [(Kind, &str, &str); 3] = [
    (
        Kind::Benign,
        "Benign traffic",
        "Normal traffic the rule must stay quiet on, and what keeps it quiet.",
    ),
    (
        Kind::FalsePositive,
        "Known false positives",
        "Benign traffic the rule fires on: what alerts, and what nothing excludes.",
    ),
    (
        Kind::Evasion,
        "Blind spots",
        "Attacks shaped to slip past the rule, and the conjunct or threshold that lets them.",
    ),
];

/// Example events shown per actor.
const EXAMPLES_PER_ACTOR: usize = 3;
/// Alerts listed per scenario.
const ALERTS_SHOWN: usize = 8;
/// Distinct source IP chains or user agents listed per actor.
const VALUES_SHOWN: usize = 4;
/// Items of a multivalued alert field listed in a cell.
const ITEMS_SHOWN: usize = 6;

/// Everything the page says about one scenario, computed by the runner.
struct Study<'a> {
    generated: &'a GeneratedScenario,
    alerts: Vec<Alert>,
    exclusions: Vec<ExclusionCount>,
    margins: Vec<ThresholdMargin>,
    /// The aggregate the threshold compares (`Esql.unique_credentials`).
    aggregate: Option<String>,
    fates: Vec<DocumentFate>,
}

impl<'a> Study<'a> {
    fn run(rule: &PreparedRule, generated: &'a GeneratedScenario) -> Result<Study<'a>, Diagnostic> {
        let docs = &generated.docs;
        let run = run_rule(rule, docs, None, &mut |_, _, _| {})?;
        let outcomes = conjunct_outcomes(rule, docs, &run.plan);
        let exclusions = exclusion_counts(&outcomes, docs, rule);
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
        })
    }

    fn actor_fates<'s>(&'s self, actor: &'s str) -> impl Iterator<Item = &'s DocumentFate> {
        self.fates
            .iter()
            .filter(move |fate| fate.actor.as_deref() == Some(actor))
    }
}

/// What happened to one actor's documents.
#[derive(Default)]
struct ActorOutcome {
    /// Alerts fed by its documents, by id.
    alerts: BTreeSet<String>,
    /// `(role, conjunct, field, result)` of the first conjunct that dropped a document → count.
    dropped: BTreeMap<(&'static str, String, String, &'static str), usize>,
    /// Groups its documents fed that never alerted.
    quiet_groups: Vec<Fields>,
    quiet_documents: usize,
    alerting_documents: usize,
    /// Conjuncts that dropped a document through null while their field was multivalued.
    multivalued_nulls: BTreeSet<String>,
    outside_windows: usize,
    not_read: usize,
}

impl ActorOutcome {
    fn of(study: &Study, actor: &str) -> ActorOutcome {
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
                Fate::Grouped {
                    group,
                    alerted,
                    alerts,
                } => {
                    if *alerted {
                        outcome.alerting_documents += 1;
                        outcome.alerts.extend(alerts.iter().cloned());
                    } else {
                        outcome.quiet_documents += 1;
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
    fn verdict(&self, study: &Study, actor: &str, short: bool) -> String {
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
            return format!(
                "**alerts** ({}): no exclusion covers it",
                plural(self.alerts.len(), "alert")
            );
        }
        let excluded: Vec<String> = study
            .exclusions
            .iter()
            .filter_map(|exclusion| {
                let count = *exclusion.by_actor.get(actor)?;
                Some(format!(
                    "the exclusion {} ({}{})",
                    name(&exclusion.exclusion, &exclusion.field),
                    plural(count, "document"),
                    self.through(&exclusion.exclusion, &exclusion.field)
                ))
            })
            .collect();
        if !excluded.is_empty() {
            return format!("{quiet}: {handled} {}", excluded.join("; "));
        }
        if self.quiet_documents > 0 {
            return format!(
                "{quiet}: the {} its documents fed stayed below the threshold ({})",
                plural(self.quiet_groups.len(), "group"),
                best_margin(study, &self.quiet_groups)
            );
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

    /// `, through false`, or `, through null` with why when the field was multivalued: a null
    /// drops a row as surely as false, which is worth saying.
    fn through(&self, conjunct: &str, field: &str) -> String {
        let results: Vec<&str> = self
            .dropped
            .keys()
            .filter(|(_, text, _, _)| text == conjunct)
            .map(|(_, _, _, result)| *result)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        if results.is_empty() {
            return String::new();
        }
        let why = if self.multivalued_nulls.contains(conjunct) {
            format!(": `{field}` is multivalued, so the condition is null, not true")
        } else {
            String::new()
        };
        format!(", through {}{why}", results.join(" and "))
    }

    /// Where every document went: `12 dropped by … (null); 3 fed groups that did not alert`.
    fn breakdown(&self) -> String {
        let mut parts = Vec::new();
        for ((role, _, field, result), count) in &self.dropped {
            parts.push(format!(
                "{} dropped by the {role} on `{field}` ({result})",
                count
            ));
        }
        if self.alerting_documents > 0 {
            parts.push(format!("{} fed alerting groups", self.alerting_documents));
        }
        if self.quiet_documents > 0 {
            parts.push(format!(
                "{} fed groups that did not alert",
                self.quiet_documents
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

/// `at best `Esql.unique_credentials` = 2 per group, the rule needs 3`.
fn best_margin(study: &Study, groups: &[Fields]) -> String {
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
            "at best {aggregate}{} per group and execution, the rule needs {}",
            margin.value, margin.needed
        ),
        None => "no execution saw a group of it".to_string(),
    }
}

/// The Markdown page for one rule over its suite.
pub fn rule_page(rule: &PreparedRule, suite: &Suite) -> Result<String, Vec<Diagnostic>> {
    let mut studies: Vec<Study> = Vec::new();
    // Grouped by kind in page order, in file order within a kind.
    for (kind, _, _) in SECTIONS {
        for (_, generated) in &suite.scenarios {
            if generated.scenario.kind != kind {
                continue;
            }
            studies.push(
                Study::run(rule, generated)
                    .map_err(|error| vec![error.at_path(&generated.scenario.path)])?,
            );
        }
    }
    let mut out = String::new();
    write_summary(&mut out, rule, &studies);
    for (kind, heading, blurb) in SECTIONS {
        let of_kind: Vec<&Study> = studies
            .iter()
            .filter(|study| study.generated.scenario.kind == kind)
            .collect();
        let _ = writeln!(out, "\n## {heading}\n\n{blurb}");
        if of_kind.is_empty() {
            let _ = writeln!(out, "\nNo {} scenario targets this rule.", kind.as_str());
        }
        for study in of_kind {
            write_scenario(&mut out, study);
        }
    }
    Ok(out)
}

fn write_summary(out: &mut String, rule: &PreparedRule, studies: &[Study]) {
    let info = &rule.scheduled.info;
    let file = file_name(&rule.path);
    let _ = writeln!(out, "# {}: false positives and blind spots\n", info.name);
    let _ = writeln!(
        out,
        "Generated by `rulegate doc` from `{file}` and the scenarios that target it. Do not edit: \
         run `cargo run -- doc` to refresh.\n"
    );
    let analysis = &rule.analysis;
    let report = InspectReport::new(&rule.loaded);
    let _ = writeln!(out, "| | |\n|---|---|");
    let _ = writeln!(out, "| rule_id | `{}` |", info.rule_id);
    let _ = writeln!(out, "| schedule | {} |", cell(&report.schedule_line()));
    let timestamp = rule
        .scheduled
        .schedule
        .timestamp_override
        .as_deref()
        .unwrap_or("@timestamp");
    let _ = writeln!(out, "| timestamp | `{timestamp}` |");
    if !analysis.group_by.is_empty() {
        let keys: Vec<String> = analysis.group_by.iter().map(|k| code(k)).collect();
        let _ = writeln!(out, "| groups by | {} |", cell(&keys.join(", ")));
    }
    let thresholds: Vec<String> = analysis
        .indicators
        .iter()
        .filter(|indicator| indicator.after_stats)
        .map(|indicator| code(indicator.span.slice(&rule.text).trim()))
        .collect();
    if !thresholds.is_empty() {
        let _ = writeln!(out, "| threshold | {} |", cell(&thresholds.join(", ")));
    }
    let _ = writeln!(out, "\nExclusions, as `rulegate inspect` names them:\n");
    if analysis.exclusions.is_empty() {
        let _ = writeln!(out, "(none)");
    }
    for exclusion in &analysis.exclusions {
        let _ = writeln!(out, "- {}", code(exclusion.span.slice(&rule.text).trim()));
    }
    let _ = writeln!(
        out,
        "\n| Scenario | Kind | Alerts | Verdict |\n|---|---|---|---|"
    );
    for study in studies {
        let scenario = &study.generated.scenario;
        let verdicts: Vec<String> = scenario
            .actors
            .iter()
            .map(|actor| {
                let outcome = ActorOutcome::of(study, &actor.name);
                format!(
                    "`{}`: {}",
                    actor.name,
                    outcome.verdict(study, &actor.name, true)
                )
            })
            .collect();
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            cell(&scenario.name),
            scenario.kind.as_str(),
            study.alerts.len(),
            cell(&verdicts.join("<br>"))
        );
    }
}

fn write_scenario(out: &mut String, study: &Study) {
    let scenario = &study.generated.scenario;
    let file = file_name(&scenario.path);
    let _ = writeln!(out, "\n### {}\n", scenario.name);
    let _ = writeln!(
        out,
        "`{file}` (kind `{}`): {}, {}.\n",
        scenario.kind.as_str(),
        plural(study.generated.values.len(), "document"),
        plural(study.alerts.len(), "alert")
    );
    let _ = writeln!(out, "{}", scenario.description.trim());
    let _ = writeln!(
        out,
        "\n| Actor | Identity | Source IPs | User agent |\n|---|---|---|---|"
    );
    for actor in &scenario.actors {
        let _ = writeln!(
            out,
            "| `{}`{} | {} | {} | {} |",
            actor.name,
            actor
                .persona
                .as_deref()
                .map(|p| format!(" (persona `{p}`)"))
                .unwrap_or_default(),
            cell(&identity(actor)),
            cell(&source_ips(actor)),
            cell(&user_agents(actor))
        );
    }
    let _ = writeln!(out, "\n**Verdict**\n");
    for actor in &scenario.actors {
        let outcome = ActorOutcome::of(study, &actor.name);
        let _ = writeln!(
            out,
            "- `{}`: {}. Its documents: {}.",
            actor.name,
            outcome.verdict(study, &actor.name, false),
            none_if_empty(outcome.breakdown())
        );
    }
    write_examples(out, study);
    write_alerts(out, study);
}

fn write_examples(out: &mut String, study: &Study) {
    let _ = writeln!(
        out,
        "\n**Example events**\n\n| @timestamp | event.ingested | verb | resource | namespace/name \
         | user | source.ip | user agent | decision | fate |\n|---|---|---|---|---|---|---|---|---|---|"
    );
    for actor in &study.generated.scenario.actors {
        for fate in examples(study.actor_fates(&actor.name).collect()) {
            let value = &study.generated.values[fate.document - 1];
            let field = |path: &str| field_text(value, path);
            let (namespace, name) = (
                field("kubernetes.audit.objectRef.namespace"),
                field("kubernetes.audit.objectRef.name"),
            );
            let object = match (namespace.is_empty(), name.is_empty()) {
                (false, false) => format!("{namespace}/{name}"),
                (true, _) => name,
                (false, true) => format!("{namespace} (all)"),
            };
            let cells = [
                field("@timestamp"),
                field("event.ingested"),
                field("kubernetes.audit.verb"),
                field("kubernetes.audit.objectRef.resource"),
                object,
                field("user.name"),
                field("source.ip"),
                field("user_agent.original"),
                field("kubernetes.audit.annotations.authorization_k8s_io/decision"),
                fate_text(&fate.fate),
            ];
            let cells: Vec<String> = cells
                .iter()
                .map(|text| {
                    if text.is_empty() {
                        "—".into()
                    } else {
                        cell(text)
                    }
                })
                .collect();
            let _ = writeln!(out, "| {} |", cells.join(" | "));
        }
    }
}

/// A few of an actor's documents: the first of each fate first (so every way its documents go
/// is shown), then the earliest others, in document order.
fn examples(fates: Vec<&DocumentFate>) -> Vec<&DocumentFate> {
    let mut chosen: Vec<usize> = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    for (index, fate) in fates.iter().enumerate() {
        let text = fate_text(&fate.fate);
        if chosen.len() < EXAMPLES_PER_ACTOR && !seen.contains(&text) {
            seen.push(text);
            chosen.push(index);
        }
    }
    for index in 0..fates.len() {
        if chosen.len() >= EXAMPLES_PER_ACTOR {
            break;
        }
        if !chosen.contains(&index) {
            chosen.push(index);
        }
    }
    chosen.sort_unstable();
    chosen.into_iter().map(|index| fates[index]).collect()
}

fn write_alerts(out: &mut String, study: &Study) {
    let _ = writeln!(out, "\n**Alerts**\n");
    if study.alerts.is_empty() {
        let _ = writeln!(out, "None.");
        return;
    }
    let _ = writeln!(out, "| Window | Group | Values |\n|---|---|---|");
    for alert in study.alerts.iter().take(ALERTS_SHOWN) {
        let (keys, values): (Vec<_>, Vec<_>) = alert
            .fields
            .0
            .iter()
            .partition(|(name, _)| !name.starts_with("Esql."));
        let pairs = |fields: Vec<&(String, Value)>| -> String {
            let shown: Vec<String> = fields
                .iter()
                .map(|(name, value)| format!("{name}: {}", compact(value)))
                .collect();
            cell(&shown.join("<br>"))
        };
        let duplicate = if alert.duplicate_of.is_some() {
            " (repeats an earlier alert of an overlapping window)"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "| {} .. {}{duplicate} | {} | {} |",
            alert.window.from,
            alert.window.to,
            pairs(keys),
            pairs(values)
        );
    }
    if study.alerts.len() > ALERTS_SHOWN {
        let _ = writeln!(
            out,
            "\n… and {} more.",
            plural(study.alerts.len() - ALERTS_SHOWN, "alert")
        );
    }
}

fn fate_text(fate: &Fate) -> String {
    match fate {
        Fate::OutsideWindows => "outside every window".into(),
        Fate::NotRead { .. } => "not read by FROM".into(),
        Fate::Dropped {
            role,
            field,
            result,
            ..
        } => format!("dropped by the {role} on `{field}` ({result})"),
        Fate::Grouped { alerted: true, .. } => "fed an alerting group".into(),
        Fate::Grouped { alerted: false, .. } => "fed a group below the threshold".into(),
    }
}

/// `alice`, or `alice as bob` under impersonation.
fn identity(actor: &Actor) -> String {
    match &actor.impersonate {
        Some(target) => format!("`{}` impersonating `{}`", actor.username, target.username),
        None => format!("`{}`", actor.username),
    }
}

/// Distinct `sourceIPs` lists in first-use order; a chain (X-Forwarded-For) in brackets.
fn source_ips(actor: &Actor) -> String {
    let shown = distinct(actor.source_ips.iter().map(|chain| match chain.as_slice() {
        [one] => format!("`{one}`"),
        many => format!("`[{}]`", many.join(", ")),
    }));
    listed(shown)
}

fn user_agents(actor: &Actor) -> String {
    let shown = distinct(actor.user_agents.iter().map(|agent| match agent {
        Some(agent) => code(agent),
        None => "(none)".to_string(),
    }));
    listed(shown)
}

fn distinct(items: impl Iterator<Item = String>) -> Vec<String> {
    let mut seen = Vec::new();
    for item in items {
        if !seen.contains(&item) {
            seen.push(item);
        }
    }
    seen
}

fn listed(items: Vec<String>) -> String {
    match items.len() {
        0 => "(none)".into(),
        n if n <= VALUES_SHOWN => items.join(", "),
        n => format!("{}, … ({n} in all)", items[..VALUES_SHOWN].join(", ")),
    }
}

/// A field of a generated document as text: multivalues joined with `, `.
fn field_text(value: &Value, path: &str) -> String {
    let mut found = Vec::new();
    collect_field(value, path, &mut found);
    found
        .iter()
        .map(|value| compact(value))
        .collect::<Vec<_>>()
        .join(", ")
}

fn compact(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::String(text) => text.clone(),
        Value::Array(items) if items.len() > ITEMS_SHOWN => format!(
            "[{}, … ({} in all)]",
            items[..ITEMS_SHOWN]
                .iter()
                .map(compact)
                .collect::<Vec<_>>()
                .join(", "),
            items.len()
        ),
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(compact).collect::<Vec<_>>().join(", ")
        ),
        other => other.to_string(),
    }
}

/// Inline code, with a longer fence when the text holds a backtick.
fn code(text: &str) -> String {
    if text.contains('`') {
        format!("`` {text} ``")
    } else {
        format!("`{text}`")
    }
}

/// A path's last component: pages never name the directories they were generated from.
fn file_name(path: &std::path::Path) -> String {
    path.file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn plural(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

fn none_if_empty(text: String) -> String {
    if text.is_empty() {
        "none".into()
    } else {
        text
    }
}

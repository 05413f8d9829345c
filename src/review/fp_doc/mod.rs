//! `rulegate doc`: a Markdown page per rule documenting, from its benign, false-positive and
//! evasion scenarios, which traffic an exclusion handles, which still alerts, and why evasions
//! slip through — executable documentation, regenerated rather than written.
//!
//! Every fact on the page comes from the one runner: the rule's scheduled run over each
//! generated scenario, `explain`'s fate of every document (the first conjunct that dropped it,
//! through false or null, or the group it fed), the per-actor exclusion counts and the threshold
//! margins. Nothing depends on the machine or the time of day it runs on.

mod head;
mod markdown;
mod verdict;

use std::fmt::Write as _;

use serde_json::Value;

use self::head::{history_length, write_summary};
use self::markdown::{
    block, code, compact, distinct, field_text, file_name, listed, none_if_empty, plural,
};
use self::verdict::{ActorOutcome, Alerting, Study};
use super::suite::Suite;
use crate::diagnostic::Diagnostic;
use crate::report::inspect::cell;
use crate::runner::{DocumentFate, Fate, PreparedRule};
use crate::scenario::{Actor, Kind};

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

/// The Markdown page for one rule over its suite.
/// `command` is the command that regenerates the page (the page tells the reader to run it).
pub fn rule_page(
    rule: &PreparedRule,
    suite: &Suite,
    command: &str,
) -> Result<String, Vec<Diagnostic>> {
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
    write_summary(&mut out, rule, &studies, command);
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
    if let Some(row) = recorded_row(study) {
        let _ = writeln!(out, "{row}");
    }
    let _ = writeln!(out, "\n**Verdict**\n");
    for actor in actor_names(study) {
        let outcome = ActorOutcome::of(study, &actor);
        let _ = writeln!(
            out,
            "- `{actor}`: {}. Its documents: {}.",
            outcome.verdict(study, &actor, false),
            none_if_empty(outcome.breakdown(study))
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
    for actor in actor_names(study) {
        for fate in examples(study.actor_fates(&actor).collect(), &study.alerting) {
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
                fate_text(&fate.fate, &study.alerting),
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
fn examples<'a>(fates: Vec<&'a DocumentFate>, alerting: &Alerting) -> Vec<&'a DocumentFate> {
    let mut chosen: Vec<usize> = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    for (index, fate) in fates.iter().enumerate() {
        let text = fate_text(&fate.fate, alerting);
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

fn fate_text(fate: &Fate, alerting: &Alerting) -> String {
    match fate {
        Fate::OutsideWindows => "outside every window".into(),
        Fate::NotRead { .. } => "not read by FROM".into(),
        Fate::Dropped {
            role,
            field,
            result,
            ..
        } => format!("dropped by the {role} on `{field}` ({result})"),
        Fate::Grouped { alerted, .. } => alerting.fate(*alerted).into(),
        Fate::NoStep { .. } => "matched no step of the sequence".into(),
        Fate::Sequence { alerted: true, .. } => "took part in an alerting sequence".into(),
        Fate::Sequence { alerted: false, .. } => "matched a step, in no alerting sequence".into(),
    }
}

/// The scenario's actors, then `recorded` for documents taken from files (`[[recorded]]`,
/// labelled so by the scenario loader).
fn actor_names(study: &Study) -> Vec<String> {
    let scenario = &study.generated.scenario;
    let mut names: Vec<String> = scenario.actors.iter().map(|a| a.name.clone()).collect();
    if !scenario.recorded.is_empty() {
        names.push(RECORDED.into());
    }
    names
}

const RECORDED: &str = "recorded";

/// The actor table's row for recorded documents: their files, and the identities, source IPs
/// and user agents the documents hold.
fn recorded_row(study: &Study) -> Option<String> {
    let scenario = &study.generated.scenario;
    if scenario.recorded.is_empty() {
        return None;
    }
    let values: Vec<&Value> = study
        .generated
        .values
        .iter()
        .zip(&study.generated.docs.actors)
        .filter(|(_, actor)| actor.as_deref() == Some(RECORDED))
        .map(|(value, _)| value)
        .collect();
    let column = |path: &str| {
        let texts = values.iter().map(|value| field_text(value, path));
        listed(distinct(texts.filter(|t| !t.is_empty()).map(|t| code(&t))))
    };
    let files: Vec<String> = scenario
        .recorded
        .files
        .iter()
        .map(|file| code(&file_name(file)))
        .collect();
    Some(format!(
        "| `{RECORDED}` (from {}) | {} | {} | {} |",
        files.join(", "),
        cell(&column("user.name")),
        cell(&column("source.ip")),
        cell(&column("user_agent.original"))
    ))
}

/// `alice`, or `alice as bob` under impersonation.
fn identity(actor: &Actor) -> String {
    if !actor.identity.is_empty() {
        // A declared identity (generic events): its fields as written.
        let fields: Vec<String> = actor
            .identity
            .iter()
            .map(|(field, value)| format!("`{field}` = `{value}`"))
            .collect();
        return fields.join(", ");
    }
    match &actor.impersonate {
        Some(target) => format!("`{}` impersonating `{}`", actor.username, target.username),
        None => format!("`{}`", actor.username),
    }
}

/// Distinct `sourceIPs` lists in first-use order; a chain (X-Forwarded-For) in brackets.
fn source_ips(actor: &Actor) -> String {
    if actor.source_ips.iter().all(Vec::is_empty) {
        // An actor of generic events only: its addresses, if any, are in its identity.
        return "—".to_string();
    }
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

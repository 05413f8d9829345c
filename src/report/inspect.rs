//! The `inspect` report: a rule's metadata, schedule and query analysis, as text, JSON or
//! Markdown. The JSON keys are fixed by issue 2: `name`, `rule_id`, `schedule`, `stages`,
//! `exclusions`, `indicators`, `group_by`, `output_fields`.

use std::fmt::Write as _;

use serde::Serialize;

use crate::analysis::{analyze, Analysis, Predicate};
use crate::rule::{LoadedRule, QueryStatus};

/// Everything `inspect` shows, computed once and rendered three ways.
#[derive(Clone, Debug)]
pub struct InspectReport {
    pub name: String,
    pub rule_id: String,
    pub rule_type: String,
    pub language: String,
    pub severity: String,
    pub risk_score: i64,
    pub schedule: ScheduleJson,
    /// `None` for rules whose query is not ES|QL ("not evaluated: language X").
    pub analysis: Option<Analysis>,
    /// A KQL rule's query, canonically printed, and its top-level conjuncts.
    pub kql: Option<(String, Vec<crate::kql::outline::Conjunct>)>,
    /// The steps of an EQL rule's query.
    pub eql: Option<crate::eql::outline::Outline>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ScheduleJson {
    pub interval: String,
    pub interval_ms: i64,
    pub from: String,
    /// `null` when `from` uses months or years, whose length depends on the date.
    pub lookback_ms: Option<i64>,
    pub max_signals: u32,
    pub timestamp_override: Option<String>,
    /// The schedule keys the rule leaves out, filled with Kibana's defaults.
    pub defaulted: Vec<&'static str>,
}

impl InspectReport {
    /// Builds the report; an invalid query is the caller's to report (see `cli::inspect`).
    pub fn new(loaded: &LoadedRule) -> InspectReport {
        let data = &loaded.rule.data;
        let schedule = loaded.rule.schedule();
        let defaulted = [
            ("interval", data.interval.is_none()),
            ("from", data.from.is_none()),
            ("max_signals", data.max_signals.is_none()),
        ]
        .into_iter()
        .filter_map(|(key, missing)| missing.then_some(key))
        .collect();
        let analysis = match &loaded.query {
            QueryStatus::Parsed { query, text, .. } => Some(analyze(query, text)),
            _ => None,
        };
        InspectReport {
            name: data.name.clone(),
            rule_id: data.rule_id.clone(),
            rule_type: data.rule_type.clone(),
            language: data
                .language
                .clone()
                .unwrap_or_else(|| data.rule_type.clone()),
            severity: data.severity.clone(),
            risk_score: data.risk_score,
            schedule: ScheduleJson {
                lookback_ms: schedule.lookback_ms(),
                interval: schedule.interval,
                interval_ms: schedule.interval_ms,
                from: schedule.from.text,
                max_signals: schedule.max_signals,
                timestamp_override: schedule.timestamp_override,
                defaulted,
            },
            analysis,
            kql: loaded.query.kql().map(|(query, _)| {
                (
                    crate::kql::print(query),
                    crate::kql::outline::conjuncts(query),
                )
            }),
            eql: loaded
                .query
                .eql()
                .map(|(query, _)| crate::eql::outline::outline(query)),
        }
    }

    /// "not evaluated: language X" for rules whose query is neither ES|QL nor KQL.
    pub fn not_evaluated(&self) -> Option<String> {
        (self.analysis.is_none() && self.kql.is_none() && self.eql.is_none())
            .then(|| format!("not evaluated: language {}", self.language))
    }

    /// The KQL part of the text report: the query and its conjuncts.
    fn kql_text(&self, out: &mut String) -> bool {
        let Some((printed, conjuncts)) = &self.kql else {
            return false;
        };
        let _ = writeln!(out, "\nQuery (KQL, canonical)\n  {printed}");
        for (title, negated) in [
            ("Exclusions (negated conjuncts)", true),
            ("Indicators (positive conjuncts)", false),
        ] {
            let _ = writeln!(out, "\n{title}");
            let chosen: Vec<_> = conjuncts.iter().filter(|c| c.negated == negated).collect();
            if chosen.is_empty() {
                let _ = writeln!(out, "  (none)");
            }
            let width = chosen.iter().map(|c| c.field.len()).max().unwrap_or(0);
            for c in chosen {
                let _ = writeln!(
                    out,
                    "  {:<width$}  {:<10} {}",
                    c.field,
                    c.kind,
                    c.values.join(", ")
                );
            }
        }
        true
    }

    pub fn to_json(&self) -> String {
        #[derive(Serialize)]
        struct Json<'a> {
            name: &'a str,
            rule_id: &'a str,
            schedule: &'a ScheduleJson,
            stages: Vec<StageJson<'a>>,
            exclusions: Vec<PredicateJson<'a>>,
            indicators: Vec<PredicateJson<'a>>,
            group_by: &'a [String],
            output_fields: Vec<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            eql: Option<&'a crate::eql::outline::Outline>,
        }
        #[derive(Serialize)]
        struct StageJson<'a> {
            number: usize,
            command: &'a str,
            text: &'a str,
        }
        #[derive(Serialize)]
        struct PredicateJson<'a> {
            field: &'a str,
            kind: &'static str,
            values: &'a [String],
            #[serde(skip_serializing_if = "Option::is_none")]
            function: Option<&'a str>,
        }
        fn predicate(p: &Predicate) -> PredicateJson<'_> {
            PredicateJson {
                field: &p.field,
                kind: p.kind.name(),
                values: &p.values,
                function: p.function.as_deref(),
            }
        }
        let empty: &[String] = &[];
        let json = match &self.analysis {
            Some(a) => Json {
                name: &self.name,
                rule_id: &self.rule_id,
                schedule: &self.schedule,
                stages: a
                    .stages
                    .iter()
                    .map(|s| StageJson {
                        number: s.number,
                        command: &s.command,
                        text: &s.text,
                    })
                    .collect(),
                exclusions: a.exclusions.iter().map(predicate).collect(),
                indicators: a.indicators.iter().map(predicate).collect(),
                group_by: &a.group_by,
                output_fields: a.output_fields.iter().map(|o| o.field.as_str()).collect(),
                eql: None,
            },
            None => Json {
                name: &self.name,
                rule_id: &self.rule_id,
                schedule: &self.schedule,
                stages: Vec::new(),
                exclusions: Vec::new(),
                indicators: Vec::new(),
                group_by: empty,
                output_fields: Vec::new(),
                eql: self.eql.as_ref(),
            },
        };
        let mut out = serde_json::to_string_pretty(&json).unwrap_or_default();
        out.push('\n');
        out
    }

    pub fn schedule_line(&self) -> String {
        let s = &self.schedule;
        let mark = |key: &str| {
            if s.defaulted.contains(&key) {
                " (default)"
            } else {
                ""
            }
        };
        let lookback = s
            .lookback_ms
            .map(|ms| format!(", look-back {}", duration(ms)))
            .unwrap_or_default();
        format!(
            "every {}{}, from {}{}{}, max_signals {}{}",
            s.interval,
            mark("interval"),
            s.from,
            mark("from"),
            lookback,
            s.max_signals,
            mark("max_signals"),
        )
    }

    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "{}", self.name);
        let rows = [
            ("rule_id", self.rule_id.clone()),
            (
                "type",
                format!("{} (language {})", self.rule_type, self.language),
            ),
            ("severity", self.severity.clone()),
            ("risk score", self.risk_score.to_string()),
            ("schedule", self.schedule_line()),
            (
                "timestamp",
                self.schedule
                    .timestamp_override
                    .clone()
                    .unwrap_or_else(|| "@timestamp".into()),
            ),
        ];
        for (key, value) in rows {
            let _ = writeln!(out, "  {key:<11} {value}");
        }
        if let Some(eql) = &self.eql {
            let _ = writeln!(out);
            for line in eql.lines() {
                let _ = writeln!(out, "  {line}");
            }
            return out;
        }
        let Some(analysis) = &self.analysis else {
            if !self.kql_text(&mut out) {
                let _ = writeln!(out, "\n{}", self.not_evaluated().unwrap_or_default());
            }
            return out;
        };
        analysis_text(&mut out, analysis);
        out
    }

    pub fn to_markdown(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "# {}\n", self.name);
        let _ = writeln!(out, "| | |\n|---|---|");
        let _ = writeln!(out, "| rule_id | `{}` |", self.rule_id);
        let _ = writeln!(
            out,
            "| type | {} (language {}) |",
            self.rule_type, self.language
        );
        let _ = writeln!(out, "| severity | {} |", self.severity);
        let _ = writeln!(out, "| risk score | {} |", self.risk_score);
        let _ = writeln!(out, "| schedule | {} |", cell(&self.schedule_line()));
        let timestamp = self
            .schedule
            .timestamp_override
            .as_deref()
            .unwrap_or("@timestamp");
        let _ = writeln!(out, "| timestamp | `{timestamp}` |");
        if let Some(eql) = &self.eql {
            let _ = writeln!(out, "\n## EQL\n\n```text");
            for line in eql.lines() {
                let _ = writeln!(out, "{line}");
            }
            let _ = writeln!(out, "```");
            return out;
        }
        let Some(analysis) = &self.analysis else {
            let _ = writeln!(out, "\n{}", self.not_evaluated().unwrap_or_default());
            return out;
        };
        analysis_markdown(&mut out, analysis);
        out
    }
}

/// [`InspectReport::to_text`]'s part from the query analysis: stages, exclusions and
/// indicators, grouping, output fields.
fn analysis_text(out: &mut String, analysis: &Analysis) {
    let _ = writeln!(out, "\nStages");
    for stage in &analysis.stages {
        let pipe = if stage.number == 1 { "" } else { "| " };
        let mut lines = stage.text.lines();
        let first = lines.next().unwrap_or_default();
        let _ = writeln!(out, "  {:>2}. {pipe}{}", stage.number, first.trim_end());
        for line in lines {
            let _ = writeln!(out, "      {}", line.trim_end());
        }
    }
    for (title, predicates) in [
        ("Exclusions (negated conjuncts)", &analysis.exclusions),
        ("Indicators (positive conjuncts)", &analysis.indicators),
    ] {
        let _ = writeln!(out, "\n{title}");
        if predicates.is_empty() {
            let _ = writeln!(out, "  (none)");
            continue;
        }
        let width = predicates
            .iter()
            .map(|p| field_cell(p).len())
            .max()
            .unwrap_or(0);
        for p in predicates {
            let _ = writeln!(
                out,
                "  {:<width$}  {:<13} {}",
                field_cell(p),
                p.kind.name(),
                values_cell(p)
            );
        }
    }
    let _ = writeln!(out, "\nGroup by");
    let _ = writeln!(out, "  {}", none_if_empty(analysis.group_by.join(", ")));
    let _ = writeln!(out, "\nOutput fields");
    if analysis.output_fields.is_empty() {
        let _ = writeln!(out, "  (none: no KEEP)");
    }
    let width = analysis
        .output_fields
        .iter()
        .map(|o| o.field.len())
        .max()
        .unwrap_or(0);
    for field in &analysis.output_fields {
        let _ = writeln!(out, "  {:<width$}  {}", field.field, field.source);
    }
}

/// [`InspectReport::to_markdown`]'s part from the query analysis.
fn analysis_markdown(out: &mut String, analysis: &Analysis) {
    let _ = writeln!(out, "\n## Stages");
    for stage in &analysis.stages {
        let pipe = if stage.number == 1 { "" } else { "| " };
        let _ = writeln!(
            out,
            "\n### Stage {}: {}\n\n```esql\n{pipe}{}\n```",
            stage.number, stage.command, stage.text
        );
    }
    for (title, blurb, predicates) in [
        (
            "Exclusions",
            "Negated conjuncts (`NOT (…)`, `NOT IN`, `NOT LIKE`): what the rule suppresses.",
            &analysis.exclusions,
        ),
        (
            "Indicators",
            "Positive conjuncts: what the rule matches, including thresholds after `STATS`.",
            &analysis.indicators,
        ),
    ] {
        let _ = writeln!(out, "\n## {title}\n\n{blurb}\n");
        if predicates.is_empty() {
            let _ = writeln!(out, "(none)");
            continue;
        }
        let _ = writeln!(out, "| Field | Kind | Values |\n|---|---|---|");
        for p in predicates {
            let _ = writeln!(
                out,
                "| `{}` | {} | {} |",
                cell(&field_cell(p)),
                p.kind.name(),
                cell(&values_cell(p))
            );
        }
    }
    let _ = writeln!(out, "\n## Group by\n");
    if analysis.group_by.is_empty() {
        let _ = writeln!(out, "(none)");
    }
    for field in &analysis.group_by {
        let _ = writeln!(out, "- `{field}`");
    }
    let _ = writeln!(out, "\n## Output fields\n");
    if analysis.output_fields.is_empty() {
        let _ = writeln!(out, "(none: no KEEP)");
    } else {
        let _ = writeln!(out, "| Field | Source |\n|---|---|");
        for field in &analysis.output_fields {
            let _ = writeln!(
                out,
                "| `{}` | `{}` |",
                cell(&field.field),
                cell(&field.source)
            );
        }
    }
}

/// `source.ip` or `to_string(source.ip)` when the field sits in a function.
pub(crate) fn field_cell(p: &Predicate) -> String {
    match &p.function {
        Some(cast) if cast.starts_with("::") => format!("{}{cast}", p.field),
        Some(function) => format!("{function}({})", p.field),
        None => p.field.clone(),
    }
}

fn values_cell(p: &Predicate) -> String {
    if p.values.is_empty() {
        "(no value, null check)".to_string()
    } else {
        p.values.join(", ")
    }
}

fn none_if_empty(text: String) -> String {
    if text.is_empty() {
        "(none)".to_string()
    } else {
        text
    }
}

/// Escapes a Markdown table cell.
pub(crate) fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// `360000` → `6m`, `5400000` → `90m`, `3600000` → `1h`.
fn duration(ms: i64) -> String {
    for (unit, size) in [
        ("d", 86_400_000),
        ("h", 3_600_000),
        ("m", 60_000),
        ("s", 1000),
    ] {
        if ms % size == 0 {
            return format!("{}{unit}", ms / size);
        }
    }
    format!("{ms}ms")
}

//! The checks detection-rules applies that matter for running a rule (notes §1.3–1.7): enum
//! values, ranges, the date-math and interval patterns, and the ES|QL-specific requirements.

use std::sync::Arc;

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use crate::diagnostic::{Diagnostic, SourceFile};
use crate::span::Span;

use super::model::{Metadata, Rule, RuleData};
use super::schedule::{parse_interval, DateMath};

pub const E_INVALID_VALUE: &str = "E103";
pub const E_NO_QUERY: &str = "E104";

pub const RULE_TYPES: &[&str] = &[
    "query",
    "saved_query",
    "machine_learning",
    "eql",
    "esql",
    "threshold",
    "threat_match",
    "new_terms",
];
const LANGUAGES: &[&str] = &["kuery", "lucene", "eql", "esql"];
const SEVERITIES: &[&str] = &["low", "medium", "high", "critical"];
const MATURITIES: &[&str] = &[
    "development",
    "experimental",
    "beta",
    "production",
    "deprecated",
];

/// Every violation, each pointing at the offending value (or its table when the key is absent).
pub fn validate(
    rule: &Rule,
    document: &Spanned<DeTable<'_>>,
    file: &Arc<SourceFile>,
) -> Vec<Diagnostic> {
    let mut checks = Checks {
        document,
        file,
        errors: Vec::new(),
    };
    checks.enumerated_values(rule);
    checks.risk_score_and_rule_id(&rule.data);
    checks.metadata_dates(&rule.metadata);
    checks.schedule(&rule.data);
    checks.type_specific(rule);
    checks.errors
}

struct Checks<'d, 'i> {
    document: &'d Spanned<DeTable<'i>>,
    file: &'d Arc<SourceFile>,
    errors: Vec<Diagnostic>,
}

impl Checks<'_, '_> {
    /// `type`, `severity`, `language` and `maturity`: one of the values detection-rules allows.
    fn enumerated_values(&mut self, rule: &Rule) {
        let data = &rule.data;
        let meta = &rule.metadata;
        self.one_of(&["rule", "type"], &data.rule_type, RULE_TYPES);
        self.one_of(&["rule", "severity"], &data.severity, SEVERITIES);
        if let Some(language) = &data.language {
            self.one_of(&["rule", "language"], language, LANGUAGES);
        }
        if let Some(maturity) = &meta.maturity {
            self.one_of(&["metadata", "maturity"], maturity, MATURITIES);
        }
    }

    /// `risk_score` in 0-100 and `rule_id` a lower-case UUID.
    fn risk_score_and_rule_id(&mut self, data: &RuleData) {
        if !(0..=100).contains(&data.risk_score) {
            self.fail(
                &["rule", "risk_score"],
                "`risk_score` must be between 0 and 100",
                None,
            );
        }
        if !is_uuid(&data.rule_id) {
            self.fail(
                &["rule", "rule_id"],
                "`rule_id` must be a lower-case UUID",
                Some("for example `b4c8e2a1-9f3d-4e7c-a2b1-0d5e6f7a8b9c`"),
            );
        }
    }

    /// The metadata dates, each `YYYY/MM/DD`.
    fn metadata_dates(&mut self, meta: &Metadata) {
        for (key, value) in [
            ("creation_date", Some(&meta.creation_date)),
            ("updated_date", Some(&meta.updated_date)),
            ("deprecation_date", meta.deprecation_date.as_ref()),
        ] {
            if value.is_some_and(|v| !is_date(v)) {
                self.fail(
                    &["metadata", key],
                    &format!("`{key}` must be a date `YYYY/MM/DD`"),
                    None,
                );
            }
        }
    }

    /// `from`, `interval`, `max_signals` and `timestamp_override`.
    fn schedule(&mut self, data: &RuleData) {
        if let Some(from) = &data.from {
            if DateMath::parse(from).is_none() {
                self.fail(
                    &["rule", "from"],
                    &format!("`from` is not Elastic date math of the form `now-<n><unit>`: `{from}`"),
                    Some("detection-rules requires `^now-\\d+[yMwdhHms]$`, e.g. `now-6m` or `now-1h`"),
                );
            }
        }
        if let Some(interval) = &data.interval {
            if parse_interval(interval).is_none() {
                self.fail(
                    &["rule", "interval"],
                    &format!("`interval` is not a positive duration: `{interval}`"),
                    Some("detection-rules requires `^\\d+[mshd]$`, e.g. `5m` or `1h`"),
                );
            }
        }
        if let Some(max_signals) = data.max_signals {
            if !(1..=1000).contains(&max_signals) {
                self.fail(
                    &["rule", "max_signals"],
                    "`max_signals` must be between 1 and 1000",
                    None,
                );
            }
        }
        if let Some(field) = &data.timestamp_override {
            if field.is_empty() || field.chars().any(char::is_whitespace) {
                self.fail(
                    &["rule", "timestamp_override"],
                    "`timestamp_override` must be a field name such as `event.ingested`",
                    None,
                );
            }
        }
    }

    /// The span of the value at `path`, or of the closest existing table above it.
    fn span(&self, path: &[&str]) -> Span {
        let mut span = Span::new(0, 0);
        let mut table: &DeTable<'_> = self.document.get_ref();
        for key in path {
            let Some(value) = table.get(*key) else {
                break;
            };
            let range = value.span();
            span = Span::new(range.start, range.end);
            match value.get_ref() {
                DeValue::Table(inner) => table = inner,
                _ => break,
            }
        }
        span
    }

    fn fail(&mut self, path: &[&str], message: &str, help: Option<&str>) {
        let mut error = Diagnostic::error(E_INVALID_VALUE, message)
            .in_file(self.file)
            .with_label(self.span(path), "");
        if let Some(help) = help {
            error = error.with_help(help);
        }
        self.errors.push(error);
    }

    fn one_of(&mut self, path: &[&str], value: &str, allowed: &[&str]) {
        if !allowed.contains(&value) {
            let key = path.last().copied().unwrap_or_default();
            self.fail(
                path,
                &format!(
                    "`{key}` must be one of {}: found `{value}`",
                    allowed.join(", ")
                ),
                None,
            );
        }
    }

    fn type_specific(&mut self, rule: &Rule) {
        let data = &rule.data;
        match data.rule_type.as_str() {
            "esql" => {
                if data.language.as_deref() != Some("esql") {
                    self.fail(
                        &["rule", "language"],
                        "an `esql` rule needs `language = \"esql\"`",
                        None,
                    );
                }
                if data.index.is_some() {
                    self.fail(
                        &["rule", "index"],
                        "an ES|QL rule must not set `index`: its indices come from the query's FROM",
                        None,
                    );
                }
                if data.query.is_none() {
                    let error = Diagnostic::error(E_NO_QUERY, "this ES|QL rule has no `query`")
                        .in_file(self.file)
                        .with_label(self.span(&["rule"]), "in this [rule] table")
                        .with_help("add `query = '''…'''` with the ES|QL query");
                    self.errors.push(error);
                }
            }
            "eql" if data.language.as_deref() != Some("eql") => {
                self.fail(
                    &["rule", "language"],
                    "an `eql` rule needs `language = \"eql\"`",
                    None,
                );
            }
            _ => {}
        }
        let Some(suppression) = &data.alert_suppression else {
            return;
        };
        let path = ["rule", "alert_suppression"];
        if data.rule_type == "threshold" {
            if !suppression.group_by.is_empty() {
                self.fail(
                    &path,
                    "a threshold rule's suppression takes only `duration`",
                    None,
                );
            }
        } else {
            if !(1..=3).contains(&suppression.group_by.len()) {
                self.fail(
                    &path,
                    "`alert_suppression.group_by` needs 1 to 3 fields",
                    None,
                );
            }
            match suppression.missing_fields_strategy.as_deref() {
                Some("suppress" | "doNotSuppress") => {}
                _ => self.fail(
                    &path,
                    "`alert_suppression.missing_fields_strategy` must be `suppress` or `doNotSuppress`",
                    None,
                ),
            }
        }
        if let Some(duration) = &suppression.duration {
            if duration.value < 1 || !matches!(duration.unit.as_str(), "s" | "m" | "h") {
                self.fail(
                    &["rule", "alert_suppression", "duration"],
                    "`alert_suppression.duration` needs `value` ≥ 1 and `unit` one of s, m, h",
                    None,
                );
            }
        }
    }
}

fn is_uuid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups.iter().zip([8, 4, 4, 4, 12]).all(|(g, n)| {
            g.len() == n
                && g.bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        })
}

fn is_date(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 10
        && b[4] == b'/'
        && b[7] == b'/'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

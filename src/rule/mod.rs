//! Rule files as `elastic/detection-rules` writes them: loading, validation, the schedule, and
//! the rule's ES|QL query parsed with spans that point into the TOML file.
//!
//! Diagnostic codes of this stage:
//!
//! | code | meaning |
//! |---|---|
//! | `E001` | the rule file cannot be read |
//! | `E101` | TOML syntax error |
//! | `E102` | the file does not match the rule schema (missing field, wrong type) |
//! | `E103` | a value detection-rules rejects (`from`, `interval`, `severity`, …) |
//! | `E104` | an ES\|QL rule without `query` |
//! | `W101` | unknown key (ignored) |
//! | `W102` | an ES\|QL check of detection-rules fails (METADATA, KEEP) |

mod esql_checks;
pub mod filters;
mod keys;
mod model;
mod query_map;
mod schedule;
mod validate;

use std::path::Path;
use std::sync::Arc;

use serde::Deserialize;
use toml::de::DeTable;

use crate::diagnostic::{Diagnostic, SourceFile};
use crate::eql;
use crate::esql::{self, ast};
use crate::eval::functions::catalog;
use crate::kql;
use crate::span::Span;

pub use model::*;
pub use query_map::QueryMap;
pub use schedule::{
    parse_interval, DateMath, DateUnit, Schedule, DEFAULT_FROM, DEFAULT_INTERVAL,
    DEFAULT_MAX_SIGNALS,
};
pub use validate::RULE_TYPES;

pub const E_READ: &str = "E001";
pub const E_TOML: &str = "E101";
pub const E_SCHEMA: &str = "E102";

/// A rule file that loaded: the typed rule, its text (for diagnostics), warnings such as
/// unknown keys, and what became of its query.
#[derive(Clone, Debug)]
pub struct LoadedRule {
    pub rule: Rule,
    pub file: Arc<SourceFile>,
    pub warnings: Vec<Diagnostic>,
    pub query: QueryStatus,
}

#[derive(Clone, Debug)]
pub enum QueryStatus {
    /// An ES|QL query that parsed. `offset` is the file offset of the query's first byte, so
    /// `span + offset` is the file span for literal strings (`'''…'''`, the usual form) and for
    /// basic strings without escapes; `map` is exact for every form, use [`QueryStatus::file_span`].
    Parsed {
        query: ast::Query,
        text: String,
        offset: usize,
        map: QueryMap,
    },
    /// A KQL (`language = "kuery"`) query that parsed; `map` as for ES|QL.
    Kql {
        query: kql::ast::Query,
        text: String,
        map: QueryMap,
    },
    /// An EQL (`language = "eql"`) query that parsed; `map` as for ES|QL.
    Eql {
        query: eql::ast::Query,
        text: String,
        map: QueryMap,
    },
    /// Neither ES|QL, KQL nor EQL: loaded and reported as "not evaluated: language X".
    NotEsql { language: String },
    /// An ES|QL query that does not parse; the diagnostics point into the rule file.
    Invalid(Vec<Diagnostic>),
}

impl QueryStatus {
    /// The file span of a span of the parsed query (`None` when there is no parsed query).
    pub fn file_span(&self, span: Span) -> Option<Span> {
        match self {
            QueryStatus::Parsed { map, .. }
            | QueryStatus::Kql { map, .. }
            | QueryStatus::Eql { map, .. } => Some(map.file_span(span)),
            _ => None,
        }
    }

    /// The parsed KQL query and its text, if any.
    pub fn kql(&self) -> Option<(&kql::ast::Query, &str)> {
        match self {
            QueryStatus::Kql { query, text, .. } => Some((query, text)),
            _ => None,
        }
    }

    /// The parsed EQL query and its text, if any.
    pub fn eql(&self) -> Option<(&eql::ast::Query, &str)> {
        match self {
            QueryStatus::Eql { query, text, .. } => Some((query, text)),
            _ => None,
        }
    }

    /// The parsed query and its text, if any.
    pub fn parsed(&self) -> Option<(&ast::Query, &str)> {
        match self {
            QueryStatus::Parsed { query, text, .. } => Some((query, text)),
            _ => None,
        }
    }
}

impl LoadedRule {
    /// Moves a diagnostic about the query text (spans inside the query) into the rule file.
    pub fn query_diagnostic(&self, diagnostic: Diagnostic) -> Diagnostic {
        match &self.query {
            QueryStatus::Parsed { map, .. }
            | QueryStatus::Kql { map, .. }
            | QueryStatus::Eql { map, .. } => in_rule_file(diagnostic, map, &self.file),
            _ => diagnostic.in_file(&self.file),
        }
    }
}

fn in_rule_file(mut diagnostic: Diagnostic, map: &QueryMap, file: &Arc<SourceFile>) -> Diagnostic {
    for label in &mut diagnostic.labels {
        label.span = map.file_span(label.span);
    }
    diagnostic.in_file(file)
}

/// Reads and loads a rule file. Errors (with any warnings after them) mean the rule is unusable.
pub fn load(path: &Path) -> Result<LoadedRule, Vec<Diagnostic>> {
    let text = crate::input::read_to_string(path).map_err(|error| {
        // Name the common kinds in words of our own: the OS's wording varies by platform.
        let reason = match error.kind() {
            std::io::ErrorKind::NotFound => "no such file".to_string(),
            std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
            std::io::ErrorKind::InvalidData => "not UTF-8 text".to_string(),
            _ => error.to_string(),
        };
        vec![Diagnostic::error(E_READ, format!("cannot read rule file: {reason}")).at_path(path)]
    })?;
    load_str(&path.display().to_string(), &text)
}

/// Loads rule text; `path` only names the file in messages (tests, `git show` output).
pub fn load_str(path: &str, text: &str) -> Result<LoadedRule, Vec<Diagnostic>> {
    let file = SourceFile::new(path, text);
    let document = DeTable::parse(text).map_err(|error| vec![toml_error(&error, &file, E_TOML)])?;
    let warnings = keys::unknown_keys(&document, &file);
    let deserializer = toml::de::Deserializer::from(document.clone());
    let rule = Rule::deserialize(deserializer).map_err(|error| {
        let mut all = vec![toml_error(&error, &file, E_SCHEMA)];
        all.extend(warnings.iter().cloned());
        all
    })?;
    let mut errors = validate::validate(&rule, &document, &file);
    if !errors.is_empty() {
        errors.extend(warnings);
        return Err(errors);
    }
    let query = query_status(&rule, &document, &file);
    let mut warnings = warnings;
    if let QueryStatus::Parsed { query, map, .. } = &query {
        warnings.extend(
            esql_checks::check(query)
                .into_iter()
                .map(|w| in_rule_file(w, map, &file)),
        );
    }
    Ok(LoadedRule {
        rule,
        file,
        warnings,
        query,
    })
}

fn query_status(
    rule: &Rule,
    document: &toml::Spanned<DeTable<'_>>,
    file: &Arc<SourceFile>,
) -> QueryStatus {
    let data = &rule.data;
    let kuery = data.rule_type != "esql" && data.language.as_deref() == Some("kuery");
    let eql = data.rule_type == "eql" || data.language.as_deref() == Some("eql");
    if data.rule_type != "esql" && !((kuery || eql) && data.query.is_some()) {
        let language = data
            .language
            .clone()
            .unwrap_or_else(|| data.rule_type.clone());
        return QueryStatus::NotEsql { language };
    }
    // Validation guarantees an ES|QL rule has a query.
    let text = data.query.clone().unwrap_or_default();
    let token = document
        .get_ref()
        .get("rule")
        .and_then(|rule| rule.get_ref().as_table())
        .and_then(|table| table.get("query"))
        .map(|value| Span::new(value.span().start, value.span().end))
        .unwrap_or_default();
    let map = QueryMap::new(&file.text, token, &text);
    if eql {
        return match crate::eql::parse(&text) {
            Ok(query) => QueryStatus::Eql { query, text, map },
            Err(diagnostic) => QueryStatus::Invalid(vec![in_rule_file(diagnostic, &map, file)]),
        };
    }
    if kuery {
        return match kql::parse(&text) {
            Ok(query) => QueryStatus::Kql { query, text, map },
            Err(diagnostic) => QueryStatus::Invalid(vec![in_rule_file(diagnostic, &map, file)]),
        };
    }
    match esql::parse(&text) {
        // A call the engine cannot evaluate makes the rule unrunnable offline, as an
        // unsupported command does (`E202`): every command reports it, none passes it.
        Ok(query) if !catalog::refusals(&query).is_empty() => QueryStatus::Invalid(
            catalog::refusals(&query)
                .into_iter()
                .map(|mut d| {
                    d.message = format!("not evaluated: {}", d.message);
                    in_rule_file(d, &map, file)
                })
                .collect(),
        ),
        Ok(query) => QueryStatus::Parsed {
            query,
            offset: map.offset(),
            text,
            map,
        },
        Err(diagnostic) => QueryStatus::Invalid(vec![in_rule_file(diagnostic, &map, file)]),
    }
}

fn toml_error(error: &toml::de::Error, file: &Arc<SourceFile>, code: &'static str) -> Diagnostic {
    let message = error.message().trim_end().to_string();
    let (headline, label) = if code == E_TOML {
        ("invalid TOML", message)
    } else {
        (
            "the rule does not match the detection-rules schema",
            message,
        )
    };
    let mut diagnostic = Diagnostic::error(code, format!("{headline}: {label}")).in_file(file);
    if let Some(range) = error.span() {
        diagnostic = diagnostic.with_label(Span::new(range.start, range.end), "here");
    }
    diagnostic
}

//! EQL, Elasticsearch's Event Query Language: the front end (tokens, syntax tree with spans,
//! parser, canonical printer) and the reference engine that runs a query over documents as
//! Elasticsearch's EQL search does (see `docs/eql-semantics.md`).
//!
//! [`parse`] turns query text into an [`ast::Query`] or one [`Diagnostic`] whose spans are byte
//! offsets into that text; [`print()`] writes a query back as canonical EQL, and
//! `parse(&print(&q)) == Ok(q)` holds for every query the parser accepts. [`parse_rule_query`]
//! parses a rule's `query` string with spans moved into the TOML file.
//!
//! Diagnostic codes of the syntax stage (`E26x`–`E27x`):
//!
//! | code | meaning |
//! |---|---|
//! | `E260` | expected a token or construct, found something else |
//! | `E261` | unterminated string |
//! | `E262` | invalid escape sequence in a string |
//! | `E263` | unexpected character |
//! | `E264` | condition nests too deeply |
//! | `E265` | number out of range |
//! | `E266` | unknown function |
//! | `E267` | wrong number of arguments to a function |
//! | `E268` | not supported by Elasticsearch's EQL (`join`, lineage `of`, pipes other than `head`/`tail`, `'…'`, `?"…"`, array indexes) |
//! | `E269` | bad `maxspan` (no unit, unknown unit, decimal, zero, beyond 100 years) |
//! | `E270` | unterminated comment or quoted identifier |
//! | `E271` | `:`, `like` or `regex` with something other than string constants |
//! | `E272` | sequence or sample shape: too few or too many queries, only missing events, missing events without `maxspan`, inconsistent join-key counts, `by` after `with` |
//! | `E273` | `with runs=N` out of range or on a missing event or in a sample |
//! | `E274` | `head`/`tail` without a count from 1 to 2^31−1 |
//! | `E275` | `~` on a word that has no case-insensitive form |
//!
//! Evaluation codes (`E370`–`E389`) are listed in [`engine`] and [`rule_type`].

pub mod ast;
pub mod engine;
mod lexer;
pub mod outline;
pub mod parser;
pub mod print;
pub mod rule_type;
pub mod token;

use std::sync::Arc;

use crate::diagnostic::{Diagnostic, SourceFile};
use crate::rule::{LoadedRule, QueryMap};
use crate::span::Span;

pub const E_EXPECTED: &str = "E260";
pub const E_STRING: &str = "E261";
pub const E_ESCAPE: &str = "E262";
pub const E_CHARACTER: &str = "E263";
pub const E_DEPTH: &str = "E264";
pub const E_NUMBER: &str = "E265";
pub const E_FUNCTION: &str = "E266";
pub const E_ARITY: &str = "E267";
pub const E_UNSUPPORTED: &str = "E268";
pub const E_TIMESPAN: &str = "E269";
pub const E_UNTERMINATED: &str = "E270";
pub const E_PATTERN: &str = "E271";
pub const E_SHAPE: &str = "E272";
pub const E_RUNS: &str = "E273";
pub const E_PIPE: &str = "E274";
pub const E_TILDE: &str = "E275";

pub use parser::{MAX_DEPTH, MAX_RUNS, MAX_STAGES};

/// Parses one EQL query. Never panics; the diagnostic's spans index into `text`.
pub fn parse(text: &str) -> Result<ast::Query, Diagnostic> {
    parser::parse_query(text)
}

/// Prints a query as canonical EQL (see [`print::print_query`]).
pub fn print(query: &ast::Query) -> String {
    print::print_query(query)
}

/// A rule's EQL query, parsed, with the map from query spans to rule-file spans.
#[derive(Clone, Debug)]
pub struct RuleQuery {
    pub query: ast::Query,
    pub text: String,
    pub map: QueryMap,
    pub file: Arc<SourceFile>,
}

impl RuleQuery {
    /// The file span of a span of the query.
    pub fn file_span(&self, span: Span) -> Span {
        self.map.file_span(span)
    }
}

/// The EQL request settings a rule asks for: Kibana passes `timestamp_field`,
/// `tiebreaker_field` and `event_category_override` when the rule sets them
/// (`build_eql_search_request.ts`); `size` is the rule's `max_signals`, filled in by the runner.
pub fn settings_for_rule(loaded: &LoadedRule) -> engine::Settings {
    let mut settings = engine::Settings::default();
    let Ok(document) = toml::de::DeTable::parse(&loaded.file.text) else {
        return settings;
    };
    let rule = document
        .get_ref()
        .get("rule")
        .and_then(|r| r.get_ref().as_table().cloned());
    let text = |key: &str| {
        rule.as_ref()
            .and_then(|t| t.get(key))
            .and_then(|v| v.get_ref().as_str().map(str::to_string))
            .filter(|s| !s.is_empty())
    };
    if let Some(field) = text("timestamp_field") {
        settings.timestamp_field = field;
    }
    settings.tiebreaker_field = text("tiebreaker_field");
    if let Some(field) = text("event_category_override") {
        settings.event_category_field = field;
    }
    settings
}

/// Whether a loaded rule is an EQL rule (`type = "eql"` or `language = "eql"`).
pub fn is_eql_rule(loaded: &LoadedRule) -> bool {
    let data = &loaded.rule.data;
    data.rule_type == "eql" || data.language.as_deref() == Some("eql")
}

/// Parses the `query` of a loaded EQL rule; a diagnostic points into the rule file.
pub fn parse_rule_query(loaded: &LoadedRule) -> Result<RuleQuery, Diagnostic> {
    let file = &loaded.file;
    let text = loaded.rule.data.query.clone().ok_or_else(|| {
        Diagnostic::error(crate::rule::E_SCHEMA, "an EQL rule needs a `query`").in_file(file)
    })?;
    let token = query_token(&file.text).unwrap_or_default();
    let map = QueryMap::new(&file.text, token, &text);
    match parse(&text) {
        Ok(query) => Ok(RuleQuery {
            query,
            text,
            map,
            file: Arc::clone(file),
        }),
        Err(mut diagnostic) => {
            for label in &mut diagnostic.labels {
                label.span = map.file_span(label.span);
            }
            Err(diagnostic.in_file(file))
        }
    }
}

/// The span of the `query` value's token in the `[rule]` table of a rule file.
fn query_token(text: &str) -> Option<Span> {
    let document = toml::de::DeTable::parse(text).ok()?;
    let value = document
        .get_ref()
        .get("rule")?
        .get_ref()
        .as_table()?
        .get("query")?
        .span();
    Some(Span::new(value.start, value.end))
}

//! Full-text search offline: `MATCH`, the `:` operator, `MATCH_PHRASE`, `MULTI_MATCH` and `KQL`,
//! with the analyzers Elasticsearch applies by default to the mapped field type.
//!
//! A `text` field is analyzed with the `standard` analyzer (`crate::kql::analyzer`); a `keyword`
//! field matches the whole query string exactly; numbers, dates, IPs, versions and booleans match
//! the query converted to their type. A full-text call is a Lucene query in Elasticsearch, so it
//! is never null: a document without the field (or whose value does not match) is `false`.
//! The values of a multivalued `text` field form one token stream (Lucene puts a position gap of
//! 100 between them, so a phrase never spans two values). `KQL(q)` runs the KQL engine of
//! `src/kql/` over the row; `QSTR` and `TERM` are compiled in `qstr/`. Semantics and what is not modelled: docs/esql-semantics.md,
//! "Full-text functions".

mod compile;
mod matching;

use std::sync::{Arc, Mutex};

use crate::document::value::{Cell, Type, Value};
use crate::document::Column;
use crate::kql;

use matching::{analyzed, match_field, phrase_field};

pub(crate) use compile::compile_match;
pub(super) use compile::{
    call_of, compile, constant_query, constant_string_query, field_arg, kql_over_every_column,
    option_error,
};
pub use matching::{fuzziness, minimum_should_match};

/// How many of the query's terms must match.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Required {
    /// `operator: OR` (the default): at least one, or `minimum_should_match`.
    AtLeast(usize),
    /// `operator: AND`: all of them.
    All,
}

/// A compiled full-text predicate over the evaluated arguments of its call.
#[derive(Clone, Debug)]
pub enum FullText {
    /// `MATCH(field, query)`, `field : query`, and each field of `MULTI_MATCH` (any field
    /// matching is a match).
    Match {
        query: Value,
        required: Required,
        /// Edits allowed per term (`fuzziness`), on `text` fields.
        fuzziness: Fuzziness,
        /// `zero_terms_query: all`: a query that analyzes to no terms matches every document.
        zero_terms_all: bool,
        fields: Vec<Type>,
    },
    /// `MATCH_PHRASE(field, phrase)`: the phrase's terms in order within `slop` moves.
    Phrase {
        query: Value,
        slop: usize,
        zero_terms_all: bool,
        field: Type,
    },
    /// `KQL(query)` and `QSTR(query)`: over every column of the row.
    Kql(Arc<KqlQuery>),
    /// `TERM(field, term)`: the term unanalyzed, equal to a `keyword` value or to one of a
    /// `text` value's indexed tokens.
    Term { term: String, field: Type },
}

/// `fuzziness`: a fixed number of edits, or `AUTO` (0, 1 or 2 by term length).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Fuzziness {
    Edits(usize),
    Auto(usize, usize),
}

/// A KQL query parsed when the plan compiles, and compiled against the schema once per `NOW()`
/// (date math in ranges reads it).
#[derive(Debug)]
pub struct KqlQuery {
    pub query: kql::ast::Query,
    pub columns: Vec<Column>,
    cache: Mutex<Option<(i64, Arc<kql::eval::Compiled>)>>,
}

impl KqlQuery {
    /// Parses `text` and checks it compiles against `columns`; the diagnostic's spans index
    /// into `text`.
    pub fn new(text: &str, columns: &[Column]) -> Result<KqlQuery, crate::diagnostic::Diagnostic> {
        KqlQuery::from_tree(kql::parse(text)?, columns)
    }

    /// A query already read into a KQL tree (`QSTR`'s query string), checked against `columns`.
    pub fn from_tree(
        query: kql::ast::Query,
        columns: &[Column],
    ) -> Result<KqlQuery, crate::diagnostic::Diagnostic> {
        let schema = kql::eval::Schema { columns, now: 0 };
        let compiled = kql::eval::Compiled::compile(&query, &schema)?;
        Ok(KqlQuery {
            query,
            columns: columns.to_vec(),
            cache: Mutex::new(Some((0, Arc::new(compiled)))),
        })
    }

    fn compiled(&self, now: i64) -> Option<Arc<kql::eval::Compiled>> {
        let mut cache = self.cache.lock().ok()?;
        if let Some((at, c)) = &*cache {
            if *at == now {
                return Some(Arc::clone(c));
            }
        }
        let schema = kql::eval::Schema {
            columns: &self.columns,
            now,
        };
        let c = Arc::new(kql::eval::Compiled::compile(&self.query, &schema).ok()?);
        *cache = Some((now, Arc::clone(&c)));
        Some(c)
    }
}

impl FullText {
    /// Whether the row matches, given the call's evaluated arguments (the fields, or every
    /// column for `KQL`).
    pub fn matches(&self, args: &[Cell], now: i64) -> bool {
        match self {
            FullText::Match {
                query,
                required,
                fuzziness,
                zero_terms_all,
                fields,
            } => fields.iter().zip(args).any(|(ty, cell)| {
                match_field(query, *required, *fuzziness, *zero_terms_all, *ty, cell)
            }),
            FullText::Phrase {
                query,
                slop,
                zero_terms_all,
                field,
            } => args
                .first()
                .is_some_and(|cell| phrase_field(query, *slop, *zero_terms_all, *field, cell)),
            FullText::Kql(q) => q.compiled(now).is_some_and(|c| c.matches(args)),
            FullText::Term { term, field } => args.first().is_some_and(|cell| {
                cell.values().iter().any(|v| {
                    let text = v.as_str().unwrap_or("");
                    if analyzed(*field) {
                        kql::analyzer::tokens(text).iter().any(|t| t == term)
                    } else {
                        text == term
                    }
                })
            }),
        }
    }
}

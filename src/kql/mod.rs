//! The KQL (kuery) front end: Kibana's grammar read into a syntax tree with spans, a canonical
//! printer, and the evaluator that runs a tree over documents with Elasticsearch's semantics.
//!
//! [`parse`] turns query text into an [`ast::Query`] or one [`Diagnostic`] whose spans are byte
//! offsets into that text; [`print()`] writes a query back, and `parse(&print(&q)) == Ok(q)`
//! holds for every query the parser accepts. Semantics: `docs/kql-semantics.md`.
//!
//! Diagnostic codes of this front end (`E230`–`E249`: syntax; `E340`–`E359`: evaluation and
//! rule types):
//!
//! | code | meaning |
//! |---|---|
//! | `E230` | expected something else here (the furthest point any alternative reached) |
//! | `E231` | unterminated quoted string |
//! | `E232` | the query nests more than [`MAX_DEPTH`] levels deep |
//! | `E233` | the query is longer than [`MAX_QUERY_BYTES`] |
//! | `E340` | a value the field's type cannot hold (`bytes:abc` on a number field) |
//! | `E341` | a wildcard on a field type Elasticsearch cannot run wildcard queries on |
//! | `E342` | `field:{…}` on a field the mapping does not declare `nested` |
//! | `E343` | a date or date-math value Elasticsearch would reject |
//! | `E344` | a rule-type setting rulegate cannot run (threshold, new terms, filters) |
//! | `E345` | a rule filter in query DSL rulegate does not translate (`crate::rule::filters`) |
//! | `E346` | a rule names a data view (`data_view_id`) rulegate cannot resolve |

pub mod analyzer;
pub mod ast;
pub mod date_math;
pub mod eval;
pub mod lexer;
pub mod outline;
pub mod parser;
pub mod print;

use crate::diagnostic::Diagnostic;

pub const E_EXPECTED: &str = "E230";
pub const E_UNTERMINATED: &str = "E231";
pub const E_DEPTH: &str = "E232";
pub const E_TOO_LONG: &str = "E233";
pub const E_VALUE: &str = "E340";
pub const E_WILDCARD_TYPE: &str = "E341";
pub const E_NOT_NESTED: &str = "E342";
pub const E_DATE: &str = "E343";
pub const E_RULE_TYPE: &str = "E344";

/// Parentheses, value lists and nested queries deeper than this are refused.
pub const MAX_DEPTH: usize = 100;
/// Queries longer than this are refused (the longest detection rule is a few kilobytes).
pub const MAX_QUERY_BYTES: usize = 1 << 20;

/// Parses one KQL query. Never panics; the diagnostic's spans index into `text`.
pub fn parse(text: &str) -> Result<ast::Query, Diagnostic> {
    parser::parse_query(text)
}

/// Prints a query as canonical KQL (see [`print::print_query`]).
pub fn print(query: &ast::Query) -> String {
    print::print_query(query)
}

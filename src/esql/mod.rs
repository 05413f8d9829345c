//! ES|QL syntax: tokens, the lexer, the parser, the syntax tree and the canonical printer.
//!
//! [`parse`] turns query text into an [`ast::Query`] or one [`Diagnostic`] whose spans are byte
//! offsets into that text; [`print()`] writes a query back as canonical ES|QL, and
//! `parse(&print(&q)) == Ok(q)` holds for every query the parser accepts.
//!
//! Diagnostic codes of this stage (`E2xx`):
//!
//! | code | meaning |
//! |---|---|
//! | `E200` | expected a token or construct, found something else |
//! | `E201` | unknown command |
//! | `E202` | unsupported command (Elasticsearch has it, rulegate does not evaluate it) |
//! | `E203` | unterminated string |
//! | `E204` | invalid escape sequence in a string |
//! | `E205` | invalid `LIKE` pattern (bad `\` escape) |
//! | `E206` | unknown time-span unit (`5m`) |
//! | `E207` | expression nests too deeply |
//! | `E208` | unterminated block comment or quoted identifier |
//! | `E209` | number out of range |
//! | `E211` | a `LOOKUP JOIN` index that is not one plain name (wildcard, cluster prefix) |
//! | `E210` | unexpected character |

pub mod ast;
pub mod lexer;
pub mod parser;
pub mod print;
pub mod token;

use crate::diagnostic::Diagnostic;

pub use parser::{MAX_DEPTH, MAX_NESTING};

/// Parses one ES|QL query. Never panics; the diagnostic's spans index into `text`.
pub fn parse(text: &str) -> Result<ast::Query, Diagnostic> {
    parser::parse_query(text)
}

/// Prints a query as canonical ES|QL (see [`print::print_query`]).
pub fn print(query: &ast::Query) -> String {
    print::print_query(query)
}

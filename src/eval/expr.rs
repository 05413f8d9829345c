//! Typed expressions: compiling syntax-tree expressions against a schema, and evaluating them
//! on one row with three-valued logic and Elasticsearch's multivalue rules.

use crate::diagnostic::Diagnostic;
use crate::esql::ast::BinaryOp;
use crate::span::{LineIndex, Span};

pub use super::arith::arith;
use super::fold::Constants;
use super::functions::Func;
use super::pattern::Matcher;
use crate::document::value::{Cell, Type};
use crate::document::Column;

/// A compiled expression with its static type.
#[derive(Clone, Debug)]
pub struct CExpr {
    pub kind: Kind,
    pub ty: Type,
    /// The warning site this expression reports failures under.
    pub site: u32,
}

#[derive(Clone, Debug)]
pub enum Kind {
    Literal(Cell),
    Column(usize),
    Neg(Box<CExpr>),
    Arith(BinaryOp, Box<CExpr>, Box<CExpr>),
    Compare(BinaryOp, Box<CExpr>, Box<CExpr>),
    And(Box<CExpr>, Box<CExpr>),
    Or(Box<CExpr>, Box<CExpr>),
    Not(Box<CExpr>),
    In(Box<CExpr>, Vec<CExpr>),
    IsNull(Box<CExpr>, bool),
    Like(Box<CExpr>, Vec<Matcher>),
    Cast(Box<CExpr>, Type),
    Case(Vec<CExpr>),
    Call(Func, Vec<CExpr>),
}

/// Where warnings of one expression are reported: `Line L:C` and its source text.
#[derive(Clone, Debug)]
pub struct Site {
    pub location: String,
    pub text: String,
}

/// Compiles expressions of one query text; owns the warning sites.
pub struct Compiler<'q> {
    pub text: &'q str,
    lines: LineIndex,
    pub sites: Vec<Site>,
    /// Columns of the schema being compiled that `ROW`/`EVAL` bound to a constant, by name; the
    /// plan keeps it in step with its commands (see `fold`).
    pub constants: Constants,
    /// Columns a command computed (`ROW`, `EVAL`, `STATS`, `DISSECT`, `GROK`), by name: not
    /// fields of an index, which full-text functions require.
    pub computed: std::collections::BTreeSet<String>,
    /// The lookup indices `LOOKUP JOIN` may name.
    pub lookups: super::plan::Lookups,
    /// Spans of the `LOOKUP JOIN` commands whose key is the constant null: Elasticsearch's
    /// optimizer replaces them by nulls (`PruneLeftJoinOnNullMatchingField`), so no later rule
    /// sees a join there.
    pub purged_joins: Vec<Span>,
}

pub fn error(code: &'static str, span: Span, message: impl Into<String>) -> Diagnostic {
    let message = message.into();
    Diagnostic::error(code, message.clone()).with_label(span, "here")
}

/// Looks a column up by name.
pub fn find(schema: &[Column], name: &str) -> Option<usize> {
    schema.iter().rposition(|c| c.name == name)
}

mod compile;
mod eval;
mod literal;
mod typing;

pub use eval::{compare_op, convert_cell, single, singles, Ctx};
pub use literal::time_span;

//! KQL over documents with Elasticsearch's semantics: a tree is compiled once against the
//! document store's typed columns (the mapping) into a predicate, which then runs per
//! document. What each leaf does, and where Kibana and Elasticsearch say so, is in
//! `docs/kql-semantics.md`.
//!
//! Compilation fails where Elasticsearch would fail the whole search (a number field matched
//! against `abc`, a wildcard on an `ip` field): Kibana's execution then errors, and so do we.

mod leaf;
mod matching;

use self::leaf::{date_value, match_test, range_test, wildcard_test};
use super::ast::{Literal, LiteralKind, Node, NodeKind, Query, Segment, Value, ValueKind};
use super::E_NOT_NESTED;
use crate::diagnostic::Diagnostic;
use crate::document::{Cell, Column, Type, Value as DocValue};

/// A compiled query: `None` matches every document (the empty query).
#[derive(Clone, Debug)]
pub struct Compiled {
    root: Option<Pred>,
}

#[derive(Clone, Debug)]
enum Pred {
    Or(Vec<Pred>),
    And(Vec<Pred>),
    Not(Box<Pred>),
    /// Elasticsearch's `match_all`.
    All,
    /// A test on one column (`None`: the field is in no mapping and no document: never true).
    Leaf(Option<usize>, Test),
}

#[derive(Clone, Debug)]
enum Test {
    Exists,
    /// Exact value: keyword terms, numbers, booleans, single IPs.
    Equals(DocValue),
    Cidr(String),
    /// `query_string` terms ORed; each a wildcard pattern or an exact term. `lower` normalises
    /// (text fields) and matches analysed tokens.
    Wildcards {
        terms: Vec<Pattern>,
        text: bool,
    },
    /// `match`: any analysed token of the value matches any token of the field.
    AnyToken(Vec<String>),
    /// `match_phrase`: the tokens consecutive within one value.
    Phrase(Vec<String>),
    Range {
        lower: Option<Bound>,
        upper: Option<Bound>,
    },
    Never,
}

#[derive(Clone, Debug)]
struct Bound {
    value: DocValue,
    inclusive: bool,
}

/// A Lucene wildcard pattern over literal pieces and `*`.
#[derive(Clone, Debug)]
struct Pattern(Vec<Segment>);

/// What compilation knows: the columns (name, type) of the document store and `NOW()`.
pub struct Schema<'a> {
    pub columns: &'a [Column],
    pub now: i64,
}

impl Compiled {
    pub fn compile(query: &Query, schema: &Schema) -> Result<Compiled, Diagnostic> {
        let root = match &query.root {
            None => None,
            Some(node) => Some(compile_node(node, schema)?),
        };
        Ok(Compiled { root })
    }

    /// Whether the document whose row is `row` (over `schema.columns`) matches.
    pub fn matches(&self, row: &[Cell]) -> bool {
        self.root.as_ref().is_none_or(|pred| pred.eval(row))
    }
}

impl Pred {
    fn eval(&self, row: &[Cell]) -> bool {
        match self {
            Pred::Or(items) => items.iter().any(|p| p.eval(row)),
            Pred::And(items) => items.iter().all(|p| p.eval(row)),
            Pred::Not(item) => !item.eval(row),
            Pred::All => true,
            Pred::Leaf(None, _) => false,
            Pred::Leaf(Some(column), test) => test.eval(&row[*column]),
        }
    }
}

/// Evaluates one node alone against a row (explain: which clause matched).
pub fn node_matches(node: &Node, schema: &Schema, row: &[Cell]) -> Result<bool, Diagnostic> {
    Ok(compile_node(node, schema)?.eval(row))
}

fn compile_node(node: &Node, schema: &Schema) -> Result<Pred, Diagnostic> {
    Ok(match &node.kind {
        NodeKind::Or(items) => Pred::Or(items.iter().map(|n| compile_node(n, schema)).collect::<Result<_, _>>()?),
        NodeKind::And(items) => Pred::And(items.iter().map(|n| compile_node(n, schema)).collect::<Result<_, _>>()?),
        NodeKind::Not(item) => Pred::Not(Box::new(compile_node(item, schema)?)),
        NodeKind::Match { field, value } => compile_value(field, value, schema)?,
        NodeKind::Range { field, op, value } => {
            let fields = resolve_fields(field, schema);
            let mut should = Vec::new();
            for (column, ty) in fields {
                should.push(Pred::Leaf(column, range_test(ty, *op, value, schema.now)?));
            }
            Pred::Or(should)
        }
        NodeKind::Nested { field, .. } => {
            return Err(Diagnostic::error(
                E_NOT_NESTED,
                format!("`{}` is not a nested field", field.text()),
            )
            .with_label(field.span, "not declared `nested` in the mapping")
            .with_note("Elasticsearch fails a `nested` query on an object field; the Kubernetes audit mapping declares no nested fields"))
        }
        NodeKind::FreeText(value) => free_text(value, schema),
    })
}

/// `field:value-list`: Kibana applies the field to every value of the list.
fn compile_value(field: &Literal, value: &Value, schema: &Schema) -> Result<Pred, Diagnostic> {
    Ok(match &value.kind {
        ValueKind::Or(items) => Pred::Or(
            items
                .iter()
                .map(|v| compile_value(field, v, schema))
                .collect::<Result<_, _>>()?,
        ),
        ValueKind::And(items) => Pred::And(
            items
                .iter()
                .map(|v| compile_value(field, v, schema))
                .collect::<Result<_, _>>()?,
        ),
        ValueKind::Not(item) => Pred::Not(Box::new(compile_value(field, item, schema)?)),
        ValueKind::Term(term) => is_query(field, term, schema)?,
    })
}

/// Kibana's `is` function (`functions/is.ts`).
fn is_query(field: &Literal, value: &Literal, schema: &Schema) -> Result<Pred, Diagnostic> {
    let exists = value.is_lone_star();
    if exists && field.is_lone_star() {
        return Ok(Pred::All);
    }
    let fields = resolve_fields(field, schema);
    // A field pattern that covers every field, or a missing field, with `*`: match_all.
    if exists && field.has_wildcard() && fields.len() == schema.columns.len() {
        return Ok(Pred::All);
    }
    let mut should = Vec::new();
    for (column, ty) in fields {
        let test = if exists {
            Test::Exists
        } else if value.has_wildcard() {
            wildcard_test(ty, value)?
        } else if ty.is_some_and(Type::is_date) {
            let bound = |round_up| date_value(value, schema.now, round_up);
            Test::Range {
                lower: Some(Bound {
                    value: bound(false)?,
                    inclusive: true,
                }),
                upper: Some(Bound {
                    value: bound(true)?,
                    inclusive: true,
                }),
            }
        } else {
            match_test(ty, value)?
        };
        should.push(Pred::Leaf(column, test));
    }
    Ok(if should.len() == 1 {
        should.pop().expect("one")
    } else {
        Pred::Or(should)
    })
}

/// The columns a field literal names: itself, or every column a wildcard name matches. A name
/// that is no column is kept (it never matches), as Kibana sends unknown names as they are.
fn resolve_fields(field: &Literal, schema: &Schema) -> Vec<(Option<usize>, Option<Type>)> {
    if field.has_wildcard() {
        let LiteralKind::Unquoted(segments) = &field.kind else {
            unreachable!("wildcards are unquoted")
        };
        let pattern = Pattern(segments.clone());
        let found: Vec<_> = schema
            .columns
            .iter()
            .enumerate()
            .filter(|(_, c)| pattern.matches(&c.name))
            .map(|(i, c)| (Some(i), Some(c.ty)))
            .collect();
        if !found.is_empty() {
            return found;
        }
        return vec![(None, None)];
    }
    let name = field.text();
    match schema.columns.iter().position(|c| c.name == name) {
        Some(i) => vec![(Some(i), Some(schema.columns[i].ty))],
        None => vec![(None, None)],
    }
}
/// A value without a field: `multi_match` (lenient) or `query_string` over every field.
fn free_text(value: &Literal, schema: &Schema) -> Pred {
    let mut should = Vec::new();
    for (i, column) in schema.columns.iter().enumerate() {
        let test = if value.has_wildcard() {
            wildcard_test(Some(column.ty), value).ok()
        } else if column.ty.is_date() {
            None
        } else {
            match_test(Some(column.ty), value).ok()
        };
        if let Some(test) = test {
            should.push(Pred::Leaf(Some(i), test));
        }
    }
    Pred::Or(should)
}

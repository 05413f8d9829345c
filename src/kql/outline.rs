//! What a KQL query does, conjunct by conjunct, for `inspect` and rule pages: each top-level
//! `and` operand is an exclusion (`not …`) or an indicator, with the field it tests, how
//! (`match`, `phrase`, `wildcard`, `exists`, `range`, `any-of`, `compound`) and its values.

use super::ast::{Node, NodeKind, Query, ValueKind};
use crate::span::Span;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conjunct {
    pub negated: bool,
    /// The field tested, or `*` for free text, or the fields joined by `, ` for a compound.
    pub field: String,
    pub kind: &'static str,
    pub values: Vec<String>,
    /// The conjunct's span in the query text.
    pub span: Span,
}

/// The top-level conjuncts of a query (one for a query that is not an `and`).
pub fn conjuncts(query: &Query) -> Vec<Conjunct> {
    let Some(root) = &query.root else {
        return Vec::new();
    };
    let items: Vec<&Node> = match &root.kind {
        NodeKind::And(items) => items.iter().collect(),
        _ => vec![root],
    };
    items.into_iter().map(conjunct).collect()
}

fn conjunct(node: &Node) -> Conjunct {
    let (negated, inner) = match &node.kind {
        NodeKind::Not(inner) => (true, inner.as_ref()),
        _ => (false, node),
    };
    let (field, kind, values) = match &inner.kind {
        NodeKind::Match { field, value } => {
            let terms = value.terms();
            let kind = match &value.kind {
                ValueKind::Term(t) if t.is_lone_star() => "exists",
                ValueKind::Term(t) if t.has_wildcard() => "wildcard",
                ValueKind::Term(t) if t.is_quoted() => "phrase",
                ValueKind::Term(_) => "match",
                ValueKind::Or(_) if terms.iter().all(|t| !t.is_lone_star()) => "any-of",
                _ => "compound",
            };
            (field.text(), kind, terms.iter().map(|t| t.text()).collect())
        }
        NodeKind::Range { field, op, value } => (
            field.text(),
            "range",
            vec![format!("{} {}", op.symbol(), value.text())],
        ),
        NodeKind::FreeText(value) => ("*".to_string(), "free-text", vec![value.text()]),
        _ => {
            let mut fields = Vec::new();
            let mut values = Vec::new();
            inner.walk(&mut |n| {
                if let NodeKind::Match { field, value } = &n.kind {
                    if !fields.contains(&field.text()) {
                        fields.push(field.text());
                    }
                    values.extend(value.terms().iter().map(|t| t.text()));
                }
            });
            (fields.join(", "), "compound", values)
        }
    };
    Conjunct {
        negated,
        field,
        kind,
        values,
        span: node.span,
    }
}

//! Whether a document matches an event filter, with the semantics Elasticsearch gives it.
//!
//! Elasticsearch translates an EQL condition to Query DSL wherever it can and falls back to a
//! Painless script for the rest (`ExpressionTranslators` of its QL layer). The two disagree on
//! nulls and multivalues, so the difference is kept here, in one place:
//!
//! * a **query leaf** (a field compared with constants: `==`, `!=`, `<`…, `in`, `:`, `like`,
//!   `regex`, `startsWith`/`endsWith`/`stringContains`/`cidrMatch` on a field) matches when
//!   *any* value of a multivalued field matches; a missing field matches nothing; `!=` and
//!   `not` become `must_not`, so they match documents where the field is missing;
//! * a **script** (anything else: two fields, arithmetic, other functions) reads the *first*
//!   doc value of each field, evaluates with three-valued logic, and matches only on `true`;
//!   `not` over a script is part of the script, so `not null` does not match.

use super::script::eval;
use super::values::value_cmp;
use super::Ctx;
use crate::document::ip;
use crate::document::value::{Cell, Value};
use crate::eql::ast::*;
use std::cmp::Ordering;

/// Whether `e` matches the document (the filter context: `true` only).
pub fn matches(e: &Expr, ctx: &Ctx) -> bool {
    match &e.kind {
        ExprKind::And(a, b) => matches(a, ctx) && matches(b, ctx),
        ExprKind::Or(a, b) => matches(a, ctx) || matches(b, ctx),
        ExprKind::Not(inner) if is_script(inner) => eval(e, ctx).as_bool() == Some(true),
        ExprKind::Not(inner) => !matches(inner, ctx),
        _ => match query_leaf(e, ctx) {
            Some(result) => result,
            None => eval(e, ctx).as_bool() == Some(true),
        },
    }
}

/// Whether Elasticsearch turns `e` into a script query rather than Query DSL.
pub fn is_script(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::And(..) | ExprKind::Or(..) => false,
        ExprKind::Not(inner) => is_script(inner),
        _ => !is_query_leaf(e),
    }
}

fn field_of(e: &Expr) -> Option<&Field> {
    match &e.kind {
        ExprKind::Field(f) => Some(f),
        _ => None,
    }
}

fn literal_of(e: &Expr) -> Option<&Literal> {
    match &e.kind {
        ExprKind::Literal(l) => Some(l),
        _ => None,
    }
}

/// The field and constants of a leaf Elasticsearch translates to Query DSL.
pub fn is_query_leaf(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Literal(Literal::Bool(_)) => true,
        ExprKind::Compare(_, a, b) => {
            (field_of(a).is_some() && literal_of(b).is_some())
                || (literal_of(a).is_some() && field_of(b).is_some())
        }
        ExprKind::In { value, list, .. } => {
            field_of(value).is_some() && list.iter().all(|x| literal_of(x).is_some())
        }
        ExprKind::Match { value, .. } => field_of(value).is_some(),
        ExprKind::Call(call) => {
            matches!(
                call.function,
                Function::StartsWith
                    | Function::EndsWith
                    | Function::StringContains
                    | Function::CidrMatch
            ) && call.args.first().and_then(field_of).is_some()
                && call.args[1..]
                    .iter()
                    .all(|a| matches!(literal_of(a), Some(Literal::String(_))))
        }
        _ => false,
    }
}

/// The value of a query leaf on the document, or `None` when `e` is not one.
fn query_leaf(e: &Expr, ctx: &Ctx) -> Option<bool> {
    if !is_query_leaf(e) {
        return None;
    }
    Some(match &e.kind {
        ExprKind::Literal(Literal::Bool(b)) => *b,
        ExprKind::Compare(op, a, b) => {
            let (field, lit, op) = match (field_of(a), literal_of(b)) {
                (Some(f), Some(l)) => (f, l, *op),
                _ => (field_of(b)?, literal_of(a)?, op.flipped()),
            };
            let cell = ctx.cell(field);
            match (op, lit) {
                (CompareOp::Eq, Literal::Null) => cell.is_null(),
                (CompareOp::NotEq, Literal::Null) => !cell.is_null(),
                (_, Literal::Null) => false,
                (CompareOp::NotEq, _) => {
                    !any(cell, |v| value_cmp(v, lit, false) == Some(Ordering::Equal))
                }
                (op, _) => any(cell, |v| {
                    value_cmp(v, lit, false).is_some_and(|o| holds(op, o))
                }),
            }
        }
        ExprKind::In {
            value,
            list,
            negated,
            insensitive,
        } => {
            let cell = ctx.cell(field_of(value)?);
            let hit = any(cell, |v| {
                list.iter()
                    .filter_map(literal_of)
                    .any(|l| value_cmp(v, l, *insensitive) == Some(Ordering::Equal))
            });
            hit != *negated
        }
        ExprKind::Match {
            value,
            op,
            insensitive,
            patterns,
        } => {
            let cell = ctx.cell(field_of(value)?);
            any(cell, |v| {
                v.as_str().is_some_and(|s| {
                    patterns
                        .iter()
                        .any(|p| ctx.patterns.matches(*op, *insensitive, &p.text, s))
                })
            })
        }
        ExprKind::Call(call) => {
            let cell = ctx.cell(field_of(&call.args[0])?);
            let needles: Vec<&str> = call.args[1..]
                .iter()
                .filter_map(|a| match literal_of(a) {
                    Some(Literal::String(s)) => Some(s.as_str()),
                    _ => None,
                })
                .collect();
            any(cell, |v| string_leaf(call, v, &needles))
        }
        _ => return None,
    })
}

fn string_leaf(call: &Call, v: &Value, needles: &[&str]) -> bool {
    if call.function == Function::CidrMatch {
        let Value::Ip(bytes) = v else {
            return v.as_str().and_then(ip::parse).is_some_and(|b| {
                needles
                    .iter()
                    .any(|c| ip::cidr_contains(&b, c) == Some(true))
            });
        };
        return needles
            .iter()
            .any(|c| ip::cidr_contains(bytes, c) == Some(true));
    }
    let Some(s) = v.as_str() else { return false };
    let needle = needles.first().copied().unwrap_or("");
    let (s, needle) = if call.insensitive {
        (s.to_lowercase(), needle.to_lowercase())
    } else {
        (s.to_string(), needle.to_string())
    };
    match call.function {
        Function::StartsWith => s.starts_with(&needle),
        Function::EndsWith => s.ends_with(&needle),
        _ => s.contains(&needle),
    }
}

pub(super) fn holds(op: CompareOp, o: Ordering) -> bool {
    match op {
        CompareOp::Eq => o == Ordering::Equal,
        CompareOp::NotEq => o != Ordering::Equal,
        CompareOp::Lt => o == Ordering::Less,
        CompareOp::Le => o != Ordering::Greater,
        CompareOp::Gt => o == Ordering::Greater,
        CompareOp::Ge => o != Ordering::Less,
    }
}

fn any(cell: &Cell, f: impl Fn(&Value) -> bool) -> bool {
    cell.values().iter().any(f)
}

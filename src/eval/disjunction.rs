//! Elasticsearch's `CombineDisjunctions`: in an `OR` chain, `CIDR_MATCH`es, equalities and
//! `IN`s on one `ip` field become one `CIDR_MATCH`, and equalities and `IN`s on any other
//! column one `IN`, so a multivalue warning is reported once, under the column's name and
//! position.

use crate::esql::ast::{self, BinaryOp, ExprKind};

use super::expr::find;
use crate::document::value::Type;
use crate::document::Column;

/// The rewritten `OR` chain, or `None` when no field has a `CIDR_MATCH` and another
/// disjunct to combine with.
pub fn combine_cidr_disjunctions(e: &ast::Expr, schema: &[Column]) -> Option<ast::Expr> {
    let mut disjuncts = Vec::new();
    flatten(e, &mut disjuncts);
    // Per disjunct: the IP field it tests and the constants it tests against.
    let parts: Vec<Option<(&ast::Name, Vec<ast::Expr>, bool)>> =
        disjuncts.iter().map(|d| ip_test(d, schema)).collect();
    let mut fields: Vec<&str> = Vec::new();
    for (name, _, _) in parts.iter().flatten() {
        if !fields.contains(&name.name.as_str()) {
            fields.push(&name.name);
        }
    }
    let combinable: Vec<&str> = fields
        .into_iter()
        .filter(|f| {
            let members = parts.iter().flatten().filter(|(n, _, _)| n.name == *f);
            let (count, cidr) =
                members.fold((0, false), |(n, c), (_, _, is_cidr)| (n + 1, c || *is_cidr));
            count > 1 && cidr
        })
        .collect();
    if combinable.is_empty() {
        return None;
    }
    let mut out: Vec<ast::Expr> = Vec::new();
    for (d, part) in disjuncts.iter().zip(&parts) {
        match part {
            Some((name, _, _)) if combinable.contains(&name.name.as_str()) => {
                if out.iter().any(|o| is_combined_for(o, &name.name)) {
                    continue;
                }
                let mut args = vec![ast::Expr {
                    kind: ExprKind::Column((*name).clone()),
                    span: name.span,
                }];
                for (n, constants, _) in parts.iter().flatten() {
                    if n.name == name.name {
                        args.extend(constants.iter().cloned());
                    }
                }
                // The combined call carries the field's own position and text.
                out.push(ast::Expr {
                    kind: ExprKind::Call(ast::Call {
                        name: "cidr_match".into(),
                        args,
                        star: false,
                        span: name.span,
                    }),
                    span: name.span,
                });
            }
            _ => out.push((*d).clone()),
        }
    }
    let span = e.span;
    out.into_iter().reduce(|a, b| ast::Expr {
        kind: ExprKind::Or(Box::new(a), Box::new(b)),
        span,
    })
}

fn flatten<'e>(e: &'e ast::Expr, out: &mut Vec<&'e ast::Expr>) {
    match &e.kind {
        ExprKind::Or(a, b) => {
            flatten(a, out);
            flatten(b, out);
        }
        _ => out.push(e),
    }
}

fn is_combined_for(e: &ast::Expr, field: &str) -> bool {
    matches!(&e.kind, ExprKind::Call(c) if c.name == "cidr_match"
        && c.span == e.span
        && matches!(c.args.first().map(|a| &a.kind), Some(ExprKind::Column(n)) if n.name == field && n.span == e.span))
}

/// `CIDR_MATCH(f, "…", …)`, `f == "…"` or `f IN ("…", …)` on an `ip` column `f`, with string
/// literal constants; the flag says whether it is a `CIDR_MATCH`.
fn ip_test<'e>(
    e: &'e ast::Expr,
    schema: &[Column],
) -> Option<(&'e ast::Name, Vec<ast::Expr>, bool)> {
    let is_ip = |n: &ast::Name| find(schema, &n.name).is_some_and(|i| schema[i].ty == Type::Ip);
    let constant = |x: &ast::Expr| matches!(&x.kind, ExprKind::Literal(ast::Literal::String(_)));
    let column = |x: &'e ast::Expr| match &x.kind {
        ExprKind::Column(n) if is_ip(n) => Some(n),
        _ => None,
    };
    match &e.kind {
        ExprKind::Call(c) if c.name == "cidr_match" && c.args.len() > 1 => {
            let n = column(&c.args[0])?;
            c.args[1..]
                .iter()
                .all(constant)
                .then(|| (n, c.args[1..].to_vec(), true))
        }
        ExprKind::Binary {
            op: BinaryOp::Eq,
            left,
            right,
        } => {
            let (n, v) = match (column(left), column(right)) {
                (Some(n), None) => (n, right),
                (None, Some(n)) => (n, left),
                _ => return None,
            };
            constant(v).then(|| (n, vec![(**v).clone()], false))
        }
        ExprKind::In {
            value,
            list,
            negated: false,
        } => {
            let n = column(value)?;
            list.iter().all(constant).then(|| (n, list.clone(), false))
        }
        _ => None,
    }
}

/// A disjunct `CombineDisjunctions` collects: a column (the key) tested for equality with a
/// constant, or for membership in a list.
fn equality_test(e: &ast::Expr) -> Option<(&ast::Expr, Vec<&ast::Expr>)> {
    let constant = |x: &ast::Expr| match &x.kind {
        ExprKind::Literal(_) => true,
        ExprKind::Unary { operand, .. } => matches!(operand.kind, ExprKind::Literal(_)),
        _ => false,
    };
    let key = |x: &ast::Expr| matches!(x.kind, ExprKind::Column(_));
    match &e.kind {
        // `LiteralsOnTheRight` runs first, so `1 == a` counts as `a == 1`.
        ExprKind::Binary {
            op: BinaryOp::Eq,
            left,
            right,
        } if key(left) && constant(right) => Some((left, vec![right])),
        ExprKind::Binary {
            op: BinaryOp::Eq,
            left,
            right,
        } if key(right) && constant(left) => Some((right, vec![left])),
        ExprKind::In {
            value,
            list,
            negated: false,
        } if key(value) => Some((value, list.iter().collect())),
        _ => None,
    }
}

/// Elasticsearch's `CombineDisjunctions` for equalities: in an `OR` chain, the equalities and
/// `IN`s on one column become one `IN` (one `==` for a single value), created with the
/// column's source, so a multivalue warning names the column at its position (floats.csv-spec
/// `equalToOrEqualToMultivalue`: `salary_change == 1.19 or salary_change == 7.58` warns
/// `evaluation of [salary_change]`). The other disjuncts come first. As Elasticsearch keeps
/// the original when the result is the same expression, `None` unless some column had two
/// tests or an `IN` shrinks (duplicate or single values).
pub fn combine_equalities(e: &ast::Expr) -> Option<ast::Expr> {
    let mut disjuncts = Vec::new();
    flatten(e, &mut disjuncts);
    let mut others: Vec<ast::Expr> = Vec::new();
    // Per key: the key, its distinct values, and how many disjuncts fed it.
    let mut groups: Vec<(&ast::Expr, Vec<&ast::Expr>, usize)> = Vec::new();
    let mut shrinks = false;
    for d in &disjuncts {
        let Some((key, values)) = equality_test(d) else {
            others.push((*d).clone());
            continue;
        };
        let at = match groups.iter().position(|(k, _, _)| *k == key) {
            Some(at) => at,
            None => {
                groups.push((key, Vec::new(), 0));
                groups.len() - 1
            }
        };
        let group = &mut groups[at];
        group.2 += 1;
        let before = group.1.len();
        for v in &values {
            if !group.1.contains(v) {
                group.1.push(v);
            }
        }
        let is_in = matches!(d.kind, ExprKind::In { .. });
        shrinks |= is_in && (values.len() == 1 || group.1.len() - before < values.len());
    }
    if !(shrinks || groups.iter().any(|(_, _, fed)| *fed > 1)) {
        return None;
    }
    for (key, values, _) in groups {
        let kind = match values.as_slice() {
            [one] => ExprKind::Binary {
                op: BinaryOp::Eq,
                left: Box::new(key.clone()),
                right: Box::new((*one).clone()),
            },
            many => ExprKind::In {
                value: Box::new(key.clone()),
                list: many.iter().map(|v| (*v).clone()).collect(),
                negated: false,
            },
        };
        others.push(ast::Expr {
            kind,
            span: key.span,
        });
    }
    let span = e.span;
    others.into_iter().reduce(|a, b| ast::Expr {
        kind: ExprKind::Or(Box::new(a), Box::new(b)),
        span,
    })
}

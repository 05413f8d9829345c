//! Elasticsearch's `CombineDisjunctions` for IP fields: an `OR` of `CIDR_MATCH`es, equalities
//! and `IN`s on one `ip` field becomes one `CIDR_MATCH`, so its multivalue warning is
//! reported once, under the field's name and position.

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

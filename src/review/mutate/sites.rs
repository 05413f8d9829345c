//! Mutants made at expression sites of the `WHERE` commands: one per alternative at each site
//! (remove a value of an `IN` list, widen a `LIKE` to its prefix, flip a comparison).

use super::hints::{e_text, field_of};
use super::Mutant;
use crate::analysis::prefix_pattern;
use crate::esql::ast::{
    BinaryOp, CommandKind, Expr, ExprKind, LikePatterns, Literal, PatternKind, Query, StringLiteral,
};
use crate::span::Span;

/// Calls `visit` on every expression of every `WHERE`, pre-order, in query order, mutably; the
/// visit order is the same for every clone of a query, so an index names one site.
fn for_each_where_expr_mut(query: &mut Query, visit: &mut dyn FnMut(&mut Expr)) {
    for command in &mut query.commands {
        if let CommandKind::Where(e) = &mut command.kind {
            walk_mut(e, visit);
        }
    }
}

fn walk_mut(expr: &mut Expr, visit: &mut dyn FnMut(&mut Expr)) {
    visit(expr);
    for child in expr.children_mut() {
        walk_mut(child, visit);
    }
}

/// One mutation made at a site: its description, the span it changes, and the killing hint.
type Alternative = (String, Span, String);

/// Offered an expression, lists the alternatives it can make there, and applies the chosen one.
type SiteChange<'a> = dyn Fn(&mut Expr, Option<usize>) -> Vec<Alternative> + 'a;

/// Makes one mutant per site where `change` applies: `change` is offered every `WHERE`
/// expression and returns the alternatives (description, span, hint) it made, applying the
/// `choice`-th one to the expression.
fn site_mutants(
    query: &Query,
    operator: &'static str,
    out: &mut Vec<Mutant>,
    change: &SiteChange<'_>,
) {
    // First pass: count the alternatives at each site, in visit order.
    let mut sites: Vec<usize> = Vec::new();
    let mut probe = query.clone();
    for_each_where_expr_mut(&mut probe, &mut |e| {
        sites.push(change(&mut e.clone(), None).len())
    });
    for (site, &alternatives) in sites.iter().enumerate() {
        for choice in 0..alternatives {
            let mut mutated = query.clone();
            let mut index = 0;
            let mut made = None;
            for_each_where_expr_mut(&mut mutated, &mut |e| {
                if index == site {
                    made = change(e, Some(choice)).into_iter().nth(choice);
                }
                index += 1;
            });
            if let Some((description, span, hint)) = made {
                out.push(Mutant {
                    operator,
                    description,
                    span,
                    query: mutated,
                    schedule: None,
                    hint,
                    equivalent: None,
                });
            }
        }
    }
}

pub(super) fn remove_in_values(query: &Query, text: &str, out: &mut Vec<Mutant>) {
    site_mutants(query, "remove-in-value", out, &|e, apply| {
        let ExprKind::In { value, list, .. } = &mut e.kind else {
            return Vec::new();
        };
        if list.len() < 2 {
            return Vec::new();
        }
        let field = field_of(value);
        let made: Vec<(String, Span, String)> = list
            .iter()
            .map(|item| {
                let written = item.span.slice(text).to_string();
                (
                    format!(
                        "remove {written} from the list of `{}`",
                        e_text(text, value.span)
                    ),
                    item.span,
                    format!("no scenario has `{field}` = {written}"),
                )
            })
            .collect();
        if let Some(choice) = apply {
            list.remove(choice);
        }
        made
    });
}

pub(super) fn like_prefix_mutants(query: &Query, out: &mut Vec<Mutant>) {
    site_mutants(query, "like-prefix", out, &|e, apply| {
        // Only literal patterns have a prefix to mutate; an expression pattern is left alone.
        let ExprKind::Like {
            value,
            patterns: LikePatterns::Literals(patterns),
            kind: PatternKind::Like,
            ..
        } = &mut e.kind
        else {
            return Vec::new();
        };
        let field = field_of(value);
        let mut made = Vec::new();
        let mut edits: Vec<(usize, String)> = Vec::new();
        for (i, pattern) in patterns.iter().enumerate() {
            let Some(prefix) = prefix_pattern(&pattern.value) else {
                continue;
            };
            // Exact match: the prefix alone, with no wildcard.
            made.push((
                format!("match `{}` exactly instead of as a prefix", pattern.value),
                pattern.span,
                format!(
                    "no scenario has a `{field}` that starts with `{prefix}` and is longer than it"
                ),
            ));
            edits.push((i, escape_like(&prefix)));
            // Widened: one character shorter prefix.
            if prefix.chars().count() > 1 {
                let mut shorter = prefix.clone();
                shorter.pop();
                made.push((
                    format!("widen `{}` to `{shorter}*`", pattern.value),
                    pattern.span,
                    format!(
                        "no scenario has a `{field}` that starts with `{shorter}` but not `{prefix}`"
                    ),
                ));
                edits.push((i, format!("{}*", escape_like(&shorter))));
            }
        }
        if let Some(choice) = apply {
            let (i, new_pattern) = edits[choice].clone();
            patterns[i] = StringLiteral {
                value: new_pattern,
                span: patterns[i].span,
            };
        }
        made
    });
}

/// Writes `text` as a LIKE pattern that matches it literally.
fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '*' | '?' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The comparison operators a mutant may put in place of `op` (the "neighbours").
fn neighbours(op: BinaryOp) -> &'static [BinaryOp] {
    use BinaryOp::*;
    match op {
        Gte => &[Gt, Lte, Eq],
        Gt => &[Gte, Lt, Eq],
        Lte => &[Lt, Gte, Eq],
        Lt => &[Lte, Gt, Eq],
        Eq => &[Neq],
        Neq => &[Eq],
        _ => &[],
    }
}

pub(super) fn comparison_mutants(query: &Query, text: &str, out: &mut Vec<Mutant>) {
    site_mutants(query, "comparison", out, &|e, apply| {
        let ExprKind::Binary { op, left, right } = &mut e.kind else {
            return Vec::new();
        };
        let column = e_text(text, left.span);
        let written_right = e_text(text, right.span);
        let made: Vec<(String, Span, String)> = neighbours(*op)
            .iter()
            .map(|new| {
                (
                    format!(
                        "`{column} {} {written_right}` becomes `{column} {} {written_right}`",
                        op.symbol(),
                        new.symbol()
                    ),
                    left.span.to(right.span),
                    format!("no scenario has `{column}` on each side of {written_right} and at it"),
                )
            })
            .collect();
        if let Some(choice) = apply {
            *op = neighbours(*op)[choice];
        }
        made
    });
    site_mutants(query, "threshold-shift", out, &|e, apply| {
        let ExprKind::Binary { op, left, right } = &mut e.kind else {
            return Vec::new();
        };
        if !op.is_comparison() {
            return Vec::new();
        }
        let ExprKind::Literal(Literal::Integer(n)) = &mut right.kind else {
            return Vec::new();
        };
        let column = e_text(text, left.span);
        let original = *n;
        let mut shifts = vec![original + 1];
        if original > 0 {
            shifts.push(original - 1);
        }
        let made = shifts
            .iter()
            .map(|&shifted| {
                // The one value whose verdict the shift flips.
                let flipped = match op {
                    BinaryOp::Gte | BinaryOp::Lt => original.min(shifted),
                    BinaryOp::Gt | BinaryOp::Lte => original.max(shifted),
                    _ => original,
                };
                (
                    format!("threshold {original} becomes {shifted} in `{column}`"),
                    right.span,
                    format!("no scenario has `{column}` equal to {flipped}"),
                )
            })
            .collect();
        if let Some(choice) = apply {
            *n = shifts[choice];
        }
        made
    });
}

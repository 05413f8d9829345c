//! Hints of the mutants: what a scenario that kills one would need, in words, from the field and
//! the values a mutated clause tests.

use crate::esql::ast::{BinaryOp, Expr, ExprKind, LikePatterns};
use crate::span::Span;

/// The field a clause tests, for hints: the first column it names.
pub(super) fn field_of(expr: &Expr) -> String {
    match &expr.kind {
        ExprKind::Column(name) => name.name.clone(),
        ExprKind::Call(call) => call.args.first().map(field_of).unwrap_or_default(),
        ExprKind::Cast { value, .. } | ExprKind::Unary { operand: value, .. } => field_of(value),
        _ => String::new(),
    }
}

pub(super) fn e_text(text: &str, span: Span) -> String {
    span.slice(text).trim().to_string()
}

/// A hint for a whole clause: which field and values a scenario should exercise.
pub(super) fn hint_for_clause(expr: &Expr, text: &str) -> String {
    let inner = match &expr.kind {
        ExprKind::Not(inner) => inner,
        _ => expr,
    };
    match &inner.kind {
        ExprKind::In { value, list, .. } => {
            let values: Vec<String> = list.iter().map(|e| e_text(text, e.span)).collect();
            format!(
                "no scenario depends on `{}` being one of {}",
                field_of(value),
                values.join(", ")
            )
        }
        ExprKind::Like {
            value,
            patterns: LikePatterns::Literals(patterns),
            ..
        } => format!(
            "no scenario depends on `{}` matching {}",
            field_of(value),
            patterns
                .iter()
                .map(|p| format!("\"{}\"", p.value))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        ExprKind::Like {
            value,
            patterns: LikePatterns::Expr(pattern),
            ..
        } => format!(
            "no scenario depends on `{}` matching `{}`",
            field_of(value),
            e_text(text, pattern.span)
        ),
        ExprKind::IsNull { value, .. } => {
            format!(
                "no scenario has documents where `{}` is null",
                field_of(value)
            )
        }
        ExprKind::Binary {
            op: BinaryOp::Eq,
            left,
            right,
        } => format!(
            "no scenario has documents where `{}` is not {} that would otherwise alert",
            e_text(text, left.span),
            e_text(text, right.span)
        ),
        _ => format!(
            "no scenario has documents for which `{}` alone decides",
            e_text(text, expr.span)
        ),
    }
}

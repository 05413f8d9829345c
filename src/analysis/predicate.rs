//! Classifies one `WHERE` conjunct as a field, a kind and the values it tests.

use crate::esql::ast::{
    BinaryOp, Expr, ExprKind, LikePatterns, Literal, PatternKind, StringLiteral,
};
use crate::esql::print;

/// What a conjunct tests, named as in the seed document (`eq`, `in`, `starts_with`, …).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum PredicateKind {
    Eq,
    Neq,
    /// `=~`, case-insensitive equality.
    EqIgnoreCase,
    In,
    /// `LIKE` with one pattern whose only wildcard is a single trailing `*`.
    StartsWith,
    Like,
    Rlike,
    IsNull,
    IsNotNull,
    Ge,
    Gt,
    Le,
    Lt,
    /// The full-text match operator `field : "query"`.
    Match,
    /// Anything else (an `OR`, a bare boolean function call…): the value is its printed text.
    Expr,
}

impl PredicateKind {
    pub fn name(self) -> &'static str {
        match self {
            PredicateKind::Eq => "eq",
            PredicateKind::Neq => "neq",
            PredicateKind::EqIgnoreCase => "eq_ignore_case",
            PredicateKind::In => "in",
            PredicateKind::StartsWith => "starts_with",
            PredicateKind::Like => "like",
            PredicateKind::Rlike => "rlike",
            PredicateKind::IsNull => "is_null",
            PredicateKind::IsNotNull => "is_not_null",
            PredicateKind::Ge => "ge",
            PredicateKind::Gt => "gt",
            PredicateKind::Le => "le",
            PredicateKind::Lt => "lt",
            PredicateKind::Match => "match",
            PredicateKind::Expr => "expr",
        }
    }
}

/// The classification of a predicate with its polarity removed.
#[derive(Clone, Debug, PartialEq)]
pub struct Test {
    pub field: String,
    pub kind: PredicateKind,
    pub values: Vec<String>,
    /// The function the field sits in (`to_string` in `to_string(source.ip) IN (…)`).
    pub function: Option<String>,
    /// Whether the predicate is negated (`NOT …`, `NOT IN`, `NOT LIKE`).
    pub negated: bool,
}

/// Classifies `expr`, peeling any number of `NOT`s into the polarity.
pub fn classify(expr: &Expr) -> Test {
    match &expr.kind {
        ExprKind::Not(inner) => {
            let mut test = classify(inner);
            test.negated = !test.negated;
            test
        }
        ExprKind::In {
            value,
            list,
            negated,
        } => test(
            value,
            PredicateKind::In,
            list.iter().map(value_text).collect(),
            *negated,
        ),
        ExprKind::IsNull { value, negated } => {
            let kind = if *negated {
                PredicateKind::IsNotNull
            } else {
                PredicateKind::IsNull
            };
            test(value, kind, Vec::new(), false)
        }
        ExprKind::Like {
            value,
            patterns: LikePatterns::Literals(literals),
            kind,
            negated,
        } => like_test(value, literals, kind, *negated),
        // An expression pattern's text is only known once the engine folds it, so no pattern
        // values are extracted: the conjunct is a plain expression on its field, keeping its
        // polarity (the value is its printed text without the `NOT`).
        ExprKind::Like {
            value,
            negated,
            patterns: LikePatterns::Expr(_),
            ..
        } => like_expression_test(expr, value, *negated),
        ExprKind::Binary { op, left, right } if op.is_comparison() => {
            comparison_test(*op, left, right)
        }
        ExprKind::Match { field, query } => {
            test(field, PredicateKind::Match, vec![value_text(query)], false)
        }
        _ => Test {
            field: first_column(expr).unwrap_or_default(),
            kind: PredicateKind::Expr,
            values: vec![print::expr(expr)],
            function: None,
            negated: false,
        },
    }
}

/// `value LIKE/RLIKE literals`: a single `LIKE` prefix pattern (`"abc*"`) is a `StartsWith`.
fn like_test(value: &Expr, literals: &[StringLiteral], kind: &PatternKind, negated: bool) -> Test {
    let values: Vec<String> = literals.iter().map(|p| p.value.clone()).collect();
    let (kind, values) = match (kind, values.as_slice()) {
        (PatternKind::Like, [one]) if prefix_pattern(one).is_some() => (
            PredicateKind::StartsWith,
            vec![prefix_pattern(one).unwrap_or_default()],
        ),
        (PatternKind::Like, _) => (PredicateKind::Like, values),
        (PatternKind::Rlike, _) => (PredicateKind::Rlike, values),
    };
    test(value, kind, values, negated)
}

/// `value LIKE <expression>` (`expr`): the printed `LIKE` without its `NOT`, with the polarity.
fn like_expression_test(expr: &Expr, value: &Expr, negated: bool) -> Test {
    let mut positive = expr.clone();
    if let ExprKind::Like { negated, .. } = &mut positive.kind {
        *negated = false;
    }
    let text = print::expr(&positive);
    test(value, PredicateKind::Expr, vec![text], negated)
}

/// A comparison as a test on its field.
fn comparison_test(op: BinaryOp, left: &Expr, right: &Expr) -> Test {
    // Put the field on the left: `3 <= x` is `x >= 3`.
    let (field, other, op) = if is_field_side(left) || !is_field_side(right) {
        (left, right, op)
    } else {
        (right, left, op.swapped())
    };
    let kind = match op {
        BinaryOp::Eq => PredicateKind::Eq,
        BinaryOp::Neq => PredicateKind::Neq,
        BinaryOp::EqIgnoreCase => PredicateKind::EqIgnoreCase,
        BinaryOp::Gte => PredicateKind::Ge,
        BinaryOp::Gt => PredicateKind::Gt,
        BinaryOp::Lte => PredicateKind::Le,
        _ => PredicateKind::Lt,
    };
    test(field, kind, vec![value_text(other)], false)
}

fn test(value: &Expr, kind: PredicateKind, values: Vec<String>, negated: bool) -> Test {
    let (field, function) = field_of(value);
    Test {
        field,
        kind,
        values,
        function,
        negated,
    }
}

/// The field a predicate tests and the function wrapping it, if any: `user.name`,
/// `to_string(source.ip)` → (`source.ip`, `to_string`), `x::long` → (`x`, `::long`).
fn field_of(value: &Expr) -> (String, Option<String>) {
    match &value.kind {
        ExprKind::Column(name) => (name.name.clone(), None),
        ExprKind::Call(call) => match call.args.iter().find_map(column_inside) {
            Some(field) => (field, Some(call.name.clone())),
            None => (print::expr(value), None),
        },
        ExprKind::Cast {
            value: inner,
            target,
        } => match column_inside(inner) {
            Some(field) => (field, Some(format!("::{}", target.name))),
            None => (print::expr(value), None),
        },
        _ => (print::expr(value), None),
    }
}

/// The column of an argument that is a column, possibly cast.
fn column_inside(expr: &Expr) -> Option<String> {
    match &expr.kind {
        ExprKind::Column(name) => Some(name.name.clone()),
        ExprKind::Cast { value, .. } => column_inside(value),
        _ => None,
    }
}

fn is_field_side(expr: &Expr) -> bool {
    matches!(
        expr.kind,
        ExprKind::Column(_) | ExprKind::Call(_) | ExprKind::Cast { .. }
    )
}

/// The prefix of a `LIKE` pattern whose only wildcard is one trailing `*` (`sh.helm.release.*`),
/// with escapes resolved; `None` for any other pattern.
pub fn prefix_pattern(pattern: &str) -> Option<String> {
    let body = pattern.strip_suffix('*')?;
    if body.ends_with('\\') && !body.ends_with("\\\\") {
        return None; // the `*` is escaped, so it is not a wildcard
    }
    let mut prefix = String::new();
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        match c {
            '*' | '?' => return None,
            '\\' => prefix.push(chars.next()?),
            other => prefix.push(other),
        }
    }
    Some(prefix)
}

/// A value as the reports show it: strings unquoted, other literals and expressions printed.
pub fn value_text(expr: &Expr) -> String {
    match &expr.kind {
        ExprKind::Literal(Literal::String(s)) => s.clone(),
        _ => print::expr(expr),
    }
}

/// The first column an expression mentions, in reading order.
pub fn first_column(expr: &Expr) -> Option<String> {
    match &expr.kind {
        ExprKind::Column(name) => Some(name.name.clone()),
        // The tested value, not the list or pattern: `"x" IN (a, b)` names no field.
        ExprKind::In { value, .. } | ExprKind::Like { value, .. } => first_column(value),
        _ => expr.children().into_iter().find_map(first_column),
    }
}

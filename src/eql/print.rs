//! The canonical EQL printer: one layout, parentheses only where precedence needs them, strings
//! in double quotes with escapes, names quoted only when they must be.
//!
//! ```text
//! sequence by user.name with maxspan=5m
//!   [any where a == 1] by x
//!   ![any where b == 2]
//!   [process where c : "x*"] with runs=2
//! until [any where d]
//! | head 5
//! ```

use std::fmt::Write as _;

use super::ast::*;
use super::token::is_keyword;

pub fn print_query(query: &Query) -> String {
    let mut out = String::new();
    match &query.body {
        Body::Event(filter) => out.push_str(&print_filter(filter)),
        Body::Sequence(seq) => {
            out.push_str("sequence");
            keys(&mut out, &seq.by);
            if let Some(span) = &seq.maxspan {
                let _ = write!(out, " with maxspan={}{}", span.amount, span.unit.suffix());
            }
            for term in &seq.terms {
                out.push_str("\n  ");
                print_term(&mut out, term);
            }
            if let Some(until) = &seq.until {
                out.push_str("\nuntil ");
                print_term(&mut out, until);
            }
        }
        Body::Sample(sample) => {
            out.push_str("sample");
            keys(&mut out, &sample.by);
            for term in &sample.terms {
                out.push_str("\n  ");
                print_term(&mut out, term);
            }
        }
    }
    for pipe in &query.pipes {
        let name = match pipe.kind {
            PipeKind::Head => "head",
            PipeKind::Tail => "tail",
        };
        let _ = write!(out, "\n| {name} {}", pipe.count);
    }
    out
}

fn keys(out: &mut String, by: &[Expr]) {
    if !by.is_empty() {
        out.push_str(" by ");
        let printed: Vec<String> = by.iter().map(print_expr).collect();
        out.push_str(&printed.join(", "));
    }
}

fn print_term(out: &mut String, term: &SequenceTerm) {
    out.push_str(if term.missing { "![" } else { "[" });
    out.push_str(&print_filter(&term.filter));
    out.push(']');
    keys(out, &term.by);
    if let Some(runs) = term.runs {
        let _ = write!(out, " with runs={runs}");
    }
}

pub fn print_filter(filter: &EventFilter) -> String {
    let category = match &filter.category {
        Category::Any => "any".to_string(),
        Category::Named(name) if is_plain_name(name) => name.clone(),
        Category::Named(name) => quote(name),
    };
    format!("{category} where {}", print_expr(&filter.condition))
}

pub fn print_expr(e: &Expr) -> String {
    let mut out = String::new();
    expr(&mut out, e, 0);
    out
}

/// Binding strength; a child weaker than its context is parenthesised.
fn precedence(e: &Expr) -> u8 {
    match &e.kind {
        ExprKind::Or(..) => 1,
        ExprKind::And(..) => 2,
        ExprKind::Not(_) => 3,
        ExprKind::Compare(..) => 4,
        ExprKind::Arith(ArithOp::Add | ArithOp::Sub, ..) => 5,
        ExprKind::Arith(..) => 6,
        ExprKind::Neg(_) => 7,
        ExprKind::In { .. } | ExprKind::Match { .. } => 8,
        ExprKind::Literal(_) | ExprKind::Field(_) | ExprKind::Call(_) => 9,
    }
}

fn expr(out: &mut String, e: &Expr, min: u8) {
    if precedence(e) < min {
        out.push('(');
        expr(out, e, 0);
        out.push(')');
        return;
    }
    match &e.kind {
        ExprKind::Literal(lit) => literal(out, lit),
        ExprKind::Field(field) => out.push_str(&print_field(field)),
        ExprKind::Or(a, b) => binary(out, a, " or ", b, 1, 2),
        ExprKind::And(a, b) => binary(out, a, " and ", b, 2, 3),
        ExprKind::Not(inner) => {
            out.push_str("not ");
            expr(out, inner, 3);
        }
        ExprKind::Compare(op, a, b) => binary(out, a, &format!(" {} ", op.symbol()), b, 5, 5),
        ExprKind::Arith(op @ (ArithOp::Add | ArithOp::Sub), a, b) => {
            binary(out, a, &format!(" {} ", op.symbol()), b, 5, 6)
        }
        ExprKind::Arith(op, a, b) => binary(out, a, &format!(" {} ", op.symbol()), b, 6, 7),
        ExprKind::Neg(inner) => {
            out.push('-');
            expr(out, inner, 7);
        }
        ExprKind::In {
            value,
            list,
            negated,
            insensitive,
        } => {
            expr(out, value, 9);
            out.push_str(if *negated { " not in" } else { " in" });
            if *insensitive {
                out.push('~');
            }
            out.push_str(" (");
            for (i, item) in list.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                expr(out, item, 0);
            }
            out.push(')');
        }
        ExprKind::Match {
            value,
            op,
            insensitive,
            patterns,
        } => {
            expr(out, value, 9);
            out.push_str(match op {
                MatchOp::Colon => " :",
                MatchOp::Like => " like",
                MatchOp::Regex => " regex",
            });
            if *insensitive {
                out.push('~');
            }
            let quoted: Vec<String> = patterns.iter().map(|p| quote(&p.text)).collect();
            if quoted.len() == 1 {
                let _ = write!(out, " {}", quoted[0]);
            } else {
                let _ = write!(out, " ({})", quoted.join(", "));
            }
        }
        ExprKind::Call(call) => {
            out.push_str(call.function.name());
            if call.insensitive {
                out.push('~');
            }
            out.push('(');
            for (i, arg) in call.args.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                expr(out, arg, 0);
            }
            out.push(')');
        }
    }
}

fn binary(out: &mut String, a: &Expr, op: &str, b: &Expr, left: u8, right: u8) {
    expr(out, a, left);
    out.push_str(op);
    expr(out, b, right);
}

fn literal(out: &mut String, lit: &Literal) {
    match lit {
        Literal::Null => out.push_str("null"),
        Literal::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Literal::Integer(n) => {
            let _ = write!(out, "{n}");
        }
        // `{:?}` is the shortest text that reads back to the same double, always with a `.` or
        // an exponent, so it lexes as a decimal again.
        Literal::Decimal(v) => {
            let _ = write!(out, "{v:?}");
        }
        Literal::String(s) => out.push_str(&quote(s)),
    }
}

/// A field as written: `?` when optional, backticks when a part is not a plain name.
pub fn print_field(field: &Field) -> String {
    let name = if field.name.split('.').all(is_plain_name) {
        field.name.clone()
    } else {
        format!("`{}`", field.name.replace('`', "``"))
    };
    if field.optional {
        format!("?{name}")
    } else {
        name
    }
}

/// A word the lexer reads as one identifier and the parser not as a keyword.
fn is_plain_name(part: &str) -> bool {
    let mut bytes = part.bytes();
    let first_ok = bytes
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_' || b == b'@');
    first_ok && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_') && !is_keyword(part)
}

/// A double-quoted string literal with EQL's escapes.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:02x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

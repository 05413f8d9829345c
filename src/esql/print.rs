//! The canonical printer: an AST back to ES|QL text that parses to the same AST.
//!
//! One command per line after the source command, keywords upper-case, function names and type
//! names lower-case (as the tree stores them), and parentheses exactly where precedence needs
//! them, since the tree has no parenthesis node.

use std::fmt::Write as _;

use super::ast::*;
use super::token::{is_keyword, is_plain_identifier};

pub fn print_query(query: &Query) -> String {
    let mut out = String::new();
    match &query.source {
        SourceCommand::From(from) => {
            out.push_str("FROM ");
            let indices: Vec<String> = from
                .indices
                .iter()
                .map(|i| index_pattern(&i.pattern))
                .collect();
            out.push_str(&indices.join(", "));
            if !from.metadata.is_empty() {
                out.push_str(" METADATA ");
                out.push_str(&join(from.metadata.iter().map(name)));
            }
        }
        SourceCommand::Row(row) => {
            out.push_str("ROW ");
            out.push_str(&join(row.fields.iter().map(field)));
        }
    }
    for command in &query.commands {
        out.push_str("\n| ");
        out.push_str(&print_command(command));
    }
    out
}

/// One processing command without the leading `|`, as `explain` and the mutator show it.
pub fn print_command(command: &Command) -> String {
    let keyword = command.kind.keyword();
    let body = match &command.kind {
        CommandKind::Where(condition) => expr(condition),
        CommandKind::Eval(fields) => join(fields.iter().map(field)),
        CommandKind::Stats(stats) | CommandKind::InlineStats(stats) => print_stats(stats),
        CommandKind::Keep(patterns) | CommandKind::Drop(patterns) => {
            join(patterns.iter().map(|p| name_pattern(&p.pattern)))
        }
        CommandKind::Rename(renames) => join(
            renames
                .iter()
                .map(|r| format!("{} AS {}", name(&r.old), name(&r.new))),
        ),
        CommandKind::Sort(keys) => join(keys.iter().map(print_sort_key)),
        CommandKind::Limit(limit) if limit.by.is_empty() => limit.count.to_string(),
        CommandKind::Limit(limit) => {
            format!("{} BY {}", limit.count, join(limit.by.iter().map(expr)))
        }
        CommandKind::MvExpand(field) => name(field),
        CommandKind::Dissect(dissect) => print_dissect(dissect),
        CommandKind::Grok(grok) => format!(
            "{} {}",
            expr_at(&grok.input, PRIMARY),
            join(grok.patterns().into_iter().map(string))
        ),
        CommandKind::FillNull(fill) => format!(
            "{} ON {}",
            fill.value.as_ref().map_or("DEFAULT".to_string(), expr),
            join(fill.targets.iter().map(|p| name_pattern(&p.pattern)))
        ),
        CommandKind::Dedup | CommandKind::Distinct => String::new(),
        CommandKind::Sample(sample) => crate::document::value::java_double(sample.probability),
        CommandKind::Fork(branches) => print_fork(branches),
        CommandKind::ChangePoint(cp) => print_change_point(cp),
        CommandKind::LookupJoin(join) => format!(
            "{} ON {}",
            join.index.pattern,
            match &join.condition {
                Some(condition) => expr(condition),
                None => self::join(join.on.iter().map(name)),
            }
        ),
    };
    if body.is_empty() {
        keyword.to_string()
    } else {
        format!("{keyword} {body}")
    }
}

fn print_sort_key(key: &SortKey) -> String {
    let mut text = expr(&key.expr);
    match key.order {
        Some(SortOrder::Asc) => text.push_str(" ASC"),
        Some(SortOrder::Desc) => text.push_str(" DESC"),
        None => {}
    }
    match key.nulls {
        Some(NullsOrder::First) => text.push_str(" NULLS FIRST"),
        Some(NullsOrder::Last) => text.push_str(" NULLS LAST"),
        None => {}
    }
    text
}

fn print_dissect(dissect: &Dissect) -> String {
    let mut text = format!(
        "{} {}",
        expr_at(&dissect.input, PRIMARY),
        string(&dissect.pattern.value)
    );
    if let Some(separator) = &dissect.append_separator {
        let _ = write!(text, " APPEND_SEPARATOR = {}", string(&separator.value));
    }
    text
}

fn print_fork(branches: &[ForkBranch]) -> String {
    branches
        .iter()
        .map(|b| {
            let commands: Vec<String> = b.commands.iter().map(print_command).collect();
            format!("({})", commands.join(" | "))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn print_change_point(cp: &ChangePoint) -> String {
    let mut text = name(&cp.value);
    if let Some(key) = &cp.key {
        let _ = write!(text, " ON {}", name(key));
    }
    if let Some((type_name, pvalue)) = &cp.names {
        let _ = write!(text, " AS {}, {}", name(type_name), name(pvalue));
    }
    if !cp.by.is_empty() {
        let _ = write!(text, " BY {}", join(cp.by.iter().map(field)));
    }
    text
}

fn print_stats(stats: &Stats) -> String {
    let mut text = join(stats.aggregates.iter().map(|aggregate| {
        let mut text = field(&aggregate.field);
        if let Some(filter) = &aggregate.filter {
            let _ = write!(text, " WHERE {}", expr(filter));
        }
        text
    }));
    if !stats.by.is_empty() {
        if !text.is_empty() {
            text.push(' ');
        }
        text.push_str("BY ");
        text.push_str(&join(stats.by.iter().map(field)));
    }
    text
}

fn join(items: impl Iterator<Item = String>) -> String {
    items.collect::<Vec<_>>().join(", ")
}

fn field(field: &Field) -> String {
    match &field.name {
        Some(alias) => format!("{} = {}", name(alias), expr(&field.expr)),
        None => expr(&field.expr),
    }
}

/// A field name, each dotted part backtick-quoted only when it must be.
pub fn name(name: &Name) -> String {
    print_name(&name.name)
}

pub fn print_name(text: &str) -> String {
    let parts: Vec<&str> = text.split('.').collect();
    if parts.iter().any(|p| p.is_empty()) {
        return quote_identifier(text);
    }
    parts
        .iter()
        .map(|part| {
            if is_plain_identifier(part) && !is_keyword(part) {
                part.to_string()
            } else {
                quote_identifier(part)
            }
        })
        .collect::<Vec<_>>()
        .join(".")
}

fn quote_identifier(text: &str) -> String {
    format!("`{}`", text.replace('`', "``"))
}

/// A `KEEP`/`DROP` pattern: written as is when the name-pattern scanner reads it back
/// unchanged, otherwise with backtick-quoted parts.
fn name_pattern(pattern: &str) -> String {
    let plain = |part: &str| {
        !part.is_empty()
            && part
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '@' | '*'))
    };
    if pattern.split('.').all(plain) {
        pattern.to_string()
    } else if pattern.split('.').all(|part| !part.is_empty()) {
        pattern
            .split('.')
            .map(|part| {
                if plain(part) {
                    part.to_string()
                } else {
                    quote_identifier(part)
                }
            })
            .collect::<Vec<_>>()
            .join(".")
    } else {
        quote_identifier(pattern)
    }
}

fn index_pattern(pattern: &str) -> String {
    let plain = !pattern.is_empty()
        && !pattern.chars().any(|c| {
            c.is_whitespace() || matches!(c, ',' | '|' | '"' | '=' | '[' | ']' | '(' | ')' | '/')
        });
    if plain {
        pattern.to_string()
    } else {
        string(pattern)
    }
}

/// A string literal: `"…"` with escapes, or `"""…"""` when that reads better (a backslash or
/// quote inside) and is possible (no `"""` inside, no quote at the end, one line).
pub fn string(value: &str) -> String {
    let wants_triple = value.contains('\\') || value.contains('"');
    let can_triple =
        !value.contains("\"\"\"") && !value.ends_with('"') && !value.chars().any(char::is_control);
    if wants_triple && can_triple {
        return format!("\"\"\"{value}\"\"\"");
    }
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            other => out.push(other),
        }
    }
    out.push('"');
    out
}

// Precedence levels, lowest first; a child printed below its required level gets parentheses.
const OR: u8 = 1;
const AND: u8 = 2;
const NOT: u8 = 3;
const PREDICATE: u8 = 4;
const COMPARISON: u8 = 5;
const ADDITIVE: u8 = 6;
const MULTIPLICATIVE: u8 = 7;
const UNARY: u8 = 8;
const CAST: u8 = 9;
const PRIMARY: u8 = 10;

fn precedence(expr: &Expr) -> u8 {
    match &expr.kind {
        ExprKind::Or(..) => OR,
        ExprKind::And(..) => AND,
        ExprKind::Not(_) => NOT,
        ExprKind::In { .. }
        | ExprKind::IsNull { .. }
        | ExprKind::Like { .. }
        | ExprKind::Match { .. } => PREDICATE,
        ExprKind::Map(_) => PRIMARY,
        ExprKind::Binary { op, .. } if op.is_comparison() => COMPARISON,
        ExprKind::Binary {
            op: BinaryOp::Add | BinaryOp::Sub,
            ..
        } => ADDITIVE,
        ExprKind::Binary { .. } => MULTIPLICATIVE,
        ExprKind::Unary { .. } => UNARY,
        ExprKind::Cast { .. } => CAST,
        ExprKind::Literal(_) | ExprKind::Column(_) | ExprKind::Call(_) => PRIMARY,
    }
}

/// An expression as ES|QL text.
pub fn expr(e: &Expr) -> String {
    expr_at(e, OR)
}

fn expr_at(e: &Expr, min: u8) -> String {
    let text = match &e.kind {
        ExprKind::Literal(literal) => print_literal(literal),
        ExprKind::Column(column) => name(column),
        ExprKind::Call(call) => print_call(call),
        ExprKind::Unary { op, operand } => {
            let sign = match op {
                UnaryOp::Neg => "-",
                UnaryOp::Plus => "+",
            };
            format!("{sign}{}", expr_at(operand, UNARY))
        }
        ExprKind::Binary { op, left, right } => {
            let (l, r) = match precedence(e) {
                COMPARISON => (ADDITIVE, ADDITIVE),
                level => (level, level + 1),
            };
            format!("{} {} {}", expr_at(left, l), op.symbol(), expr_at(right, r))
        }
        ExprKind::And(left, right) => {
            format!("{} AND {}", expr_at(left, AND), expr_at(right, NOT))
        }
        ExprKind::Or(left, right) => format!("{} OR {}", expr_at(left, OR), expr_at(right, AND)),
        ExprKind::Not(operand) => format!("NOT {}", expr_at(operand, NOT)),
        ExprKind::In {
            value,
            list,
            negated,
        } => format!(
            "{}{} IN ({})",
            expr_at(value, COMPARISON),
            if *negated { " NOT" } else { "" },
            join(list.iter().map(|item| expr_at(item, COMPARISON)))
        ),
        ExprKind::IsNull { value, negated } => format!(
            "{} IS {}NULL",
            expr_at(value, COMPARISON),
            if *negated { "NOT " } else { "" }
        ),
        ExprKind::Like {
            value,
            patterns,
            kind,
            negated,
        } => print_like(value, patterns, *kind, *negated),
        ExprKind::Cast { value, target } => {
            format!("{}::{}", expr_at(value, CAST), target.name)
        }
        ExprKind::Match { field, query } => format!(
            "{} : {}",
            expr_at(field, COMPARISON),
            expr_at(query, PRIMARY)
        ),
        ExprKind::Map(entries) => format!(
            "{{{}}}",
            join(entries.iter().map(|entry| format!(
                "{}: {}",
                string(&entry.key.value),
                expr(&entry.value)
            )))
        ),
    };
    if precedence(e) < min {
        format!("({text})")
    } else {
        text
    }
}

fn print_call(call: &Call) -> String {
    if call.star {
        format!("{}(*)", call.name)
    } else {
        format!("{}({})", call.name, join(call.args.iter().map(expr)))
    }
}

/// `value [NOT] LIKE|RLIKE pattern` or a list of patterns.
fn print_like(value: &Expr, patterns: &LikePatterns, kind: PatternKind, negated: bool) -> String {
    let keyword = kind.keyword();
    let patterns = match patterns {
        LikePatterns::Literals(literals) => match literals.as_slice() {
            [one] => string(&one.value),
            many => format!("({})", join(many.iter().map(|p| string(&p.value)))),
        },
        // The grammar takes a primary expression with casts here.
        LikePatterns::Expr(pattern) => expr_at(pattern, CAST),
    };
    format!(
        "{}{} {keyword} {patterns}",
        expr_at(value, COMPARISON),
        if negated { " NOT" } else { "" }
    )
}

fn print_literal(literal: &Literal) -> String {
    match literal {
        Literal::Null => "null".to_string(),
        Literal::Boolean(b) => b.to_string(),
        Literal::Integer(i) => i.to_string(),
        // `{:?}` is the shortest text that reads back as the same f64 and always has a `.` or
        // an exponent, so it lexes as a decimal again.
        Literal::Decimal(d) => format!("{d:?}"),
        Literal::String(s) => string(s),
        Literal::TimeSpan { value, unit } => format!("{value} {unit}"),
        Literal::Array(items) => format!("[{}]", join(items.iter().map(expr))),
    }
}

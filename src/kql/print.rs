//! The canonical printer: one line, lower-case keywords, parentheses only where the tree needs
//! them, every literal escaped so that `parse(print(q)) == q` (tested over the rule corpus and
//! by a quickcheck property).

use super::ast::{Literal, LiteralKind, Node, NodeKind, Query, Segment, Value, ValueKind};
use super::lexer::is_space;

pub fn print_query(query: &Query) -> String {
    let mut out = String::new();
    if let Some(root) = &query.root {
        node(root, &mut out);
    }
    out
}

/// Binding strength: `or` < `and` < `not` < everything else.
fn level(kind: &NodeKind) -> u8 {
    match kind {
        NodeKind::Or(_) => 0,
        NodeKind::And(_) => 1,
        NodeKind::Not(_) => 2,
        _ => 3,
    }
}

pub fn node(node: &Node, out: &mut String) {
    match &node.kind {
        NodeKind::Or(children) | NodeKind::And(children) => {
            let (this, word) = match &node.kind {
                NodeKind::Or(_) => (0, " or "),
                _ => (1, " and "),
            };
            for (i, child) in children.iter().enumerate() {
                if i > 0 {
                    out.push_str(word);
                }
                // A same-level child is parenthesised so that `(a or b) or c` keeps its shape.
                operand(child, level(&child.kind) <= this, out);
            }
        }
        NodeKind::Not(child) => {
            out.push_str("not ");
            operand(child, level(&child.kind) <= 2, out);
        }
        NodeKind::Match { field, value } => {
            literal(field, out);
            out.push(':');
            match &value.kind {
                ValueKind::Term(term) => literal(term, out),
                _ => {
                    out.push('(');
                    value_list(value, out);
                    out.push(')');
                }
            }
        }
        NodeKind::Range { field, op, value } => {
            literal(field, out);
            out.push(' ');
            out.push_str(op.symbol());
            out.push(' ');
            literal(value, out);
        }
        NodeKind::Nested { field, query } => {
            literal(field, out);
            out.push_str(":{ ");
            self::node(query, out);
            out.push_str(" }");
        }
        NodeKind::FreeText(value) => literal(value, out),
    }
}

fn operand(child: &Node, parenthesise: bool, out: &mut String) {
    if parenthesise {
        out.push('(');
        node(child, out);
        out.push(')');
    } else {
        node(child, out);
    }
}

fn value_level(kind: &ValueKind) -> u8 {
    match kind {
        ValueKind::Or(_) => 0,
        ValueKind::And(_) => 1,
        ValueKind::Not(_) => 2,
        ValueKind::Term(_) => 3,
    }
}

/// The inside of a `field:( … )` list.
pub fn value_list(value: &Value, out: &mut String) {
    match &value.kind {
        ValueKind::Or(items) | ValueKind::And(items) => {
            let (this, word) = match &value.kind {
                ValueKind::Or(_) => (0, " or "),
                _ => (1, " and "),
            };
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(word);
                }
                value_operand(item, value_level(&item.kind) <= this, out);
            }
        }
        ValueKind::Not(item) => {
            out.push_str("not ");
            value_operand(item, value_level(&item.kind) <= 2, out);
        }
        ValueKind::Term(term) => literal(term, out),
    }
}

fn value_operand(item: &Value, parenthesise: bool, out: &mut String) {
    if parenthesise {
        out.push('(');
        value_list(item, out);
        out.push(')');
    } else {
        value_list(item, out);
    }
}

pub fn literal(literal: &Literal, out: &mut String) {
    match &literal.kind {
        LiteralKind::Quoted(text) => {
            out.push('"');
            for c in text.chars() {
                if matches!(c, '"' | '\\') {
                    out.push('\\');
                }
                out.push(c);
            }
            out.push('"');
        }
        LiteralKind::Unquoted(segments) if segments.is_empty() => {
            // Only escaped whitespace, trimmed away: `\n` reads back as the same empty literal.
            out.push_str("\\n");
        }
        LiteralKind::Unquoted(segments) => {
            let last = segments.len() - 1;
            for (i, segment) in segments.iter().enumerate() {
                match segment {
                    Segment::Star => out.push('*'),
                    Segment::Text(text) => unquoted_text(text, i == last, out),
                }
            }
        }
    }
}

/// Escapes special characters, whitespace other than spaces, and any `or`/`and`/`not` the
/// grammar would read as a keyword (its first letter as `\uXXXX`: `\not` would read as a
/// newline and `ot`, since `\n` is tried first).
fn unquoted_text(text: &str, last: bool, out: &mut String) {
    let chars: Vec<char> = text.chars().collect();
    let space_at = |i: usize| chars.get(i).copied().is_some_and(is_space);
    // At the end of a piece followed by a wildcard the next character is `*`, not a space.
    let boundary_after = |i: usize| {
        if i == chars.len() {
            last
        } else {
            space_at(i)
        }
    };
    let word_at = |i: usize, word: &str| {
        let n = word.len();
        i + n <= chars.len()
            && chars[i..i + n]
                .iter()
                .zip(word.chars())
                .all(|(a, b)| a.eq_ignore_ascii_case(&b))
    };
    for (i, &c) in chars.iter().enumerate() {
        let before_space = i > 0 && space_at(i - 1);
        let keyword = (word_at(i, "not") && boundary_after(i + 3))
            || ((word_at(i, "or") && boundary_after(i + 2))
                || (word_at(i, "and") && boundary_after(i + 3)))
                && before_space;
        match c {
            _ if keyword => out.push_str(&format!("\\u{:04x}", c as u32)),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\n' => out.push_str("\\n"),
            c if super::lexer::is_special(c) => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
}

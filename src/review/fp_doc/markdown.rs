//! Markdown and text helpers of the page: inline code and fenced blocks, lists cut to a few
//! values, a document's field as text, plurals and file names.

use std::fmt::Write as _;

use serde_json::Value;

use super::{ITEMS_SHOWN, VALUES_SHOWN};
use crate::schedule::collect_field;

pub(super) fn distinct(items: impl Iterator<Item = String>) -> Vec<String> {
    let mut seen = Vec::new();
    for item in items {
        if !seen.contains(&item) {
            seen.push(item);
        }
    }
    seen
}

pub(super) fn listed(items: Vec<String>) -> String {
    match items.len() {
        0 => "(none)".into(),
        n if n <= VALUES_SHOWN => items.join(", "),
        n => format!("{}, … ({n} in all)", items[..VALUES_SHOWN].join(", ")),
    }
}

/// A field of a generated document as text: multivalues joined with `, `.
pub(super) fn field_text(value: &Value, path: &str) -> String {
    let mut found = Vec::new();
    collect_field(value, path, &mut found);
    found
        .iter()
        .map(|value| compact(value))
        .collect::<Vec<_>>()
        .join(", ")
}

pub(super) fn compact(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::String(text) => text.clone(),
        Value::Array(items) if items.len() > ITEMS_SHOWN => format!(
            "[{}, … ({} in all)]",
            items[..ITEMS_SHOWN]
                .iter()
                .map(compact)
                .collect::<Vec<_>>()
                .join(", "),
            items.len()
        ),
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(compact).collect::<Vec<_>>().join(", ")
        ),
        other => other.to_string(),
    }
}

/// Inline code, with a longer fence when the text holds a backtick. Text written over several
/// lines is joined into one (a code span cannot hold a line break in a table cell, and one
/// broken over lines renders as an unreadable run).
pub(super) fn code(text: &str) -> String {
    let text = if text.contains('\n') {
        one_line(text)
    } else {
        text.to_string()
    };
    if text.contains('`') {
        format!("`` {text} ``")
    } else {
        format!("`{text}`")
    }
}

/// The lines of `text` trimmed and joined by one space, without a space inside parentheses.
fn one_line(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if !(out.is_empty() || out.ends_with('(') || line.starts_with(')')) {
            out.push(' ');
        }
        out.push_str(line);
    }
    out
}

/// A list item's code: inline when written on one line, else a fenced block indented under
/// the item, keeping the query's own layout (the common indentation of the lines after the
/// first removed).
pub(super) fn block(text: &str, language: &str) -> String {
    if !text.contains('\n') {
        return code(text);
    }
    let lines: Vec<&str> = text.lines().collect();
    let indent = lines
        .iter()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    let fence = if text.contains("```") { "~~~~" } else { "```" };
    let mut out = format!("{fence}{language}\n  {}\n", lines[0]);
    for line in &lines[1..] {
        let kept = line.get(indent..).unwrap_or_else(|| line.trim_start());
        let _ = writeln!(out, "  {kept}");
    }
    out.push_str("  ");
    out.push_str(fence);
    out
}

/// The rule-type rows of the page's head table: the type of a KQL rule, a threshold rule's
/// fields, value and cardinality, a new_terms rule's fields and history window.
/// A path's last component: pages never name the directories they were generated from.
pub(super) fn file_name(path: &std::path::Path) -> String {
    path.file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default()
}

pub(super) fn plural(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

pub(super) fn none_if_empty(text: String) -> String {
    if text.is_empty() {
        "none".into()
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_joins_a_multi_line_span_into_one_line() {
        assert_eq!(code("not (\n  a:x and\n  b:y\n)"), "`not (a:x and b:y)`");
        assert_eq!(code("a:x"), "`a:x`");
        assert_eq!(code("a:`x`"), "`` a:`x` ``");
    }

    #[test]
    fn a_multi_line_exclusion_is_a_fenced_block_under_its_item() {
        assert_eq!(block("not a:x", "kql"), "`not a:x`");
        assert_eq!(
            block("not (\n    a:x and\n      b:y\n  )", "kql"),
            "```kql\n  not (\n    a:x and\n      b:y\n  )\n  ```"
        );
        // A fence inside the text takes the other fence.
        assert!(block("a\n```", "esql").starts_with("~~~~esql"));
    }
}

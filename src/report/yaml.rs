//! A small, deterministic YAML writer for JSON values: the run reports' readable form and the
//! body of their snapshots. Block style, two-space indents, keys in the map's order, strings
//! quoted (JSON escapes, which YAML's double-quoted style accepts) whenever plain style could be
//! read back as something else.

use serde_json::Value;

/// Renders `value` as a YAML document without the `---` marker, ending in a newline.
pub fn to_yaml(value: &Value) -> String {
    let mut out = String::new();
    match value {
        Value::Object(map) if !map.is_empty() => write_mapping(map, 0, &mut out),
        Value::Array(items) if !items.is_empty() => write_sequence(items, 0, &mut out),
        scalar => {
            out.push_str(&scalar_text(scalar));
            out.push('\n');
        }
    }
    out
}

fn write_mapping(map: &serde_json::Map<String, Value>, indent: usize, out: &mut String) {
    for (key, value) in map {
        out.push_str(&" ".repeat(indent));
        out.push_str(&string_text(key));
        out.push(':');
        write_nested(value, indent, out);
    }
}

fn write_sequence(items: &[Value], indent: usize, out: &mut String) {
    for item in items {
        out.push_str(&" ".repeat(indent));
        out.push('-');
        match item {
            // A mapping in a sequence starts on the dash's line: `- key: value`.
            Value::Object(map) if !map.is_empty() => {
                let mut nested = String::new();
                write_mapping(map, indent + 2, &mut nested);
                out.push(' ');
                out.push_str(&nested[indent + 2..]);
            }
            other => write_nested(other, indent, out),
        }
    }
}

fn write_nested(value: &Value, indent: usize, out: &mut String) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            out.push('\n');
            write_mapping(map, indent + 2, out);
        }
        Value::Array(items) if !items.is_empty() => {
            out.push('\n');
            write_sequence(items, indent + 2, out);
        }
        scalar => {
            out.push(' ');
            out.push_str(&scalar_text(scalar));
            out.push('\n');
        }
    }
}

fn scalar_text(value: &Value) -> String {
    match value {
        Value::Null => "null".to_string(),
        Value::Bool(flag) => flag.to_string(),
        Value::Number(number) => number.to_string(),
        Value::String(text) => string_text(text),
        Value::Array(_) => "[]".to_string(),
        Value::Object(_) => "{}".to_string(),
    }
}

fn string_text(text: &str) -> String {
    if is_plain_safe(text) {
        text.to_string()
    } else {
        Value::String(text.to_string()).to_string()
    }
}

/// Whether `text` reads back as the same string in YAML's plain style (1.1 and 1.2 readers).
fn is_plain_safe(text: &str) -> bool {
    let Some(first) = text.chars().next() else {
        return false;
    };
    if "-?:,[]{}#&*!|>'\"%@`~ ".contains(first) || text.ends_with(' ') || text.ends_with(':') {
        return false;
    }
    if text.contains(": ") || text.contains(" #") || text.chars().any(|c| c.is_control()) {
        return false;
    }
    let lower = text.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "null"
            | "true"
            | "false"
            | "yes"
            | "no"
            | "on"
            | "off"
            | "y"
            | "n"
            | ".nan"
            | ".inf"
            | "-.inf"
    ) {
        return false;
    }
    // Anything that starts like a number or a date could be read as one.
    !(first.is_ascii_digit() || first == '.' || first == '+')
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn writes_block_style_with_quoted_ambiguous_strings() {
        let value = json!({
            "alerts": [{"fields": {"source.ip": ["10.0.0.1", "::1"], "n": 3}, "id": "ab12"}],
            "empty": [],
            "note": "a: b",
            "plain": "system:serviceaccount:x",
            "yes": "yes",
            "nothing": null,
        });
        assert_eq!(
            to_yaml(&value),
            "alerts:\n  - fields:\n      \"n\": 3\n      source.ip:\n        - \"10.0.0.1\"\n        - \"::1\"\n    id: ab12\nempty: []\nnote: \"a: b\"\nnothing: null\nplain: system:serviceaccount:x\n\"yes\": \"yes\"\n"
        );
    }

    #[test]
    fn multiline_and_empty_strings_are_quoted() {
        assert_eq!(
            to_yaml(&json!(["", "a\nb", "2026-05-15T10:00:00.000Z"])),
            "- \"\"\n- \"a\\nb\"\n- \"2026-05-15T10:00:00.000Z\"\n"
        );
    }
}

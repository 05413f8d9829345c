//! The `flattened` field type: the object below a flattened root kept as one value, written as
//! Elasticsearch's ES|QL block loader writes it, and `FIELD_EXTRACT`'s look-up of one key in it.
//!
//! Elasticsearch indexes a flattened object as `key\0value` pairs (`FlattenedFieldParser`): every
//! leaf under the root, its key the dotted path below the root (`{"host":{"name":"x"}}` and
//! `{"host.name":"x"}` both give `host.name`), its value the leaf's text (numbers and booleans as
//! text, `null` skipped, arrays one pair per element). The pairs are sorted doc values, so
//! duplicates collapse and values sort by their bytes. ES|QL reads the root as one JSON object
//! of those flat keys in that order, a key with several values as an array of strings
//! (`RootFlattenedDocValuesBlockLoader` with the flat writer): `{"a.b":"1","c":["x","y"]}`.

use std::collections::BTreeSet;

/// Whether `name` lies below a field `mapping` types `flattened`: a key of that field, which
/// ES|QL does not see as a column (only the root is one).
pub fn lies_below_root(mapping: &super::Mapping, name: &str) -> bool {
    (name.match_indices('.'))
        .any(|(dot, _)| mapping.get(&name[..dot]) == Some(super::Type::Flattened))
}

/// `FlattenedFieldMapper`'s default `depth_limit`: objects nested deeper are refused.
pub const DEPTH_LIMIT: usize = 20;

/// Lucene's `IndexWriter.MAX_TERM_LENGTH`: a `key\0value` pair longer is refused.
pub const MAX_TERM_LENGTH: usize = 32766;

/// The canonical flattened value of the objects found at a flattened root `root` (several when
/// the document gives the root in an array, `[{…}, {…}]`: their leaves merge). `Ok(None)` when
/// no leaf has a value (`{}`, only nulls); the error is the reason indexing refuses the document.
pub fn canonical(root: &str, objects: &[&serde_json::Value]) -> Result<Option<String>, String> {
    let mut pairs = BTreeSet::new();
    for object in objects {
        root_leaves(root, object, &mut pairs)?;
    }
    Ok(write(&pairs))
}

/// The pairs of one value found at the root: an object's leaves, each element of an array,
/// nothing for `null`; a scalar is refused, as `FlattenedFieldMapper` expects an object.
fn root_leaves(
    root: &str,
    value: &serde_json::Value,
    pairs: &mut BTreeSet<(String, String)>,
) -> Result<(), String> {
    match value {
        serde_json::Value::Object(map) => {
            let mut path = Vec::new();
            for (key, v) in map {
                leaves(root, &mut path, key, v, pairs)?;
            }
            Ok(())
        }
        serde_json::Value::Null => Ok(()),
        serde_json::Value::Array(items) => {
            for item in items {
                root_leaves(root, item, pairs)?;
            }
            Ok(())
        }
        other => Err(format!(
            "failed to parse field [{root}] of type [flattened]: expecting an object, found {}",
            kind(other)
        )),
    }
}

fn kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

/// Collects the `(key, value)` pairs below `path` + `name` (`FlattenedFieldParser.parseFieldValue`).
fn leaves(
    root: &str,
    path: &mut Vec<String>,
    name: &str,
    value: &serde_json::Value,
    out: &mut BTreeSet<(String, String)>,
) -> Result<(), String> {
    let text = match value {
        serde_json::Value::Object(map) => {
            path.push(name.to_string());
            if path.len() + 1 > DEPTH_LIMIT {
                return Err(format!(
                    "The provided [flattened] field [{root}] exceeds the maximum depth limit of [{DEPTH_LIMIT}]."
                ));
            }
            for (key, v) in map {
                leaves(root, path, key, v, out)?;
            }
            path.pop();
            return Ok(());
        }
        serde_json::Value::Array(items) => {
            for item in items {
                leaves(root, path, name, item, out)?;
            }
            return Ok(());
        }
        serde_json::Value::Null => return Ok(()),
        serde_json::Value::Bool(b) => b.to_string(),
        serde_json::Value::Number(n) => n.to_string(),
        serde_json::Value::String(s) => s.clone(),
    };
    let mut key = String::new();
    for part in path.iter() {
        key.push_str(part);
        key.push('.');
    }
    key.push_str(name);
    if key.contains('\0') {
        return Err(format!(
            "Keys in [flattened] fields cannot contain the reserved character \\0. Offending key: [{key}]."
        ));
    }
    if key.len() + 1 + text.len() > MAX_TERM_LENGTH {
        let start: String = key.chars().take(50).collect();
        return Err(format!(
            "Flattened field [{root}] contains one immense field whose keyed encoding is longer than the allowed max length of {MAX_TERM_LENGTH} bytes. Key length: {}, value length: {} for key starting with [{start}]",
            key.chars().map(char::len_utf16).sum::<usize>(),
            text.chars().map(char::len_utf16).sum::<usize>(),
        ));
    }
    out.insert((key, text));
    Ok(())
}

/// The block loader's JSON: keys in order, one string or an array of strings each.
fn write(pairs: &BTreeSet<(String, String)>) -> Option<String> {
    if pairs.is_empty() {
        return None;
    }
    let mut out = String::from("{");
    let mut iter = pairs.iter().peekable();
    let mut first = true;
    while let Some((key, value)) = iter.next() {
        let mut values = vec![value];
        while let Some((_, more)) = iter.next_if(|(k, _)| k == key) {
            values.push(more);
        }
        if !first {
            out.push(',');
        }
        first = false;
        out.push_str(&quote(key));
        out.push(':');
        if let [one] = values.as_slice() {
            out.push_str(&quote(one));
        } else {
            out.push('[');
            let quoted: Vec<String> = values.iter().map(|v| quote(v)).collect();
            out.push_str(&quoted.join(","));
            out.push(']');
        }
    }
    out.push('}');
    Some(out)
}

fn quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""))
}

/// Why a `FIELD_EXTRACT` path is refused (`FieldExtract.validateFieldExtractPath`): the path is
/// the literal key, so brackets (JSONPath) are errors.
pub fn check_extract_path(path: &str) -> Result<(), String> {
    if path.is_empty() {
        return Err("field_extract path must not be empty".into());
    }
    if path.contains(['[', ']']) {
        return Err("field_extract path must be a literal flattened sub-field name. Brackets and array indices are not supported".into());
    }
    Ok(())
}

/// `FIELD_EXTRACT(root, key)` on one canonical value: the key's string, or the warning text
/// (`path [k] does not exist`; a key with several values is not text to the parser, which says
/// where the array starts, `Expected text at 1:COL but found START_ARRAY`).
pub fn extract(root: &str, key: &str) -> Result<String, String> {
    let parsed: serde_json::Value = serde_json::from_str(root)
        .map_err(|_| "java.lang.IllegalArgumentException: invalid JSON input".to_string())?;
    let missing = || format!("java.lang.IllegalArgumentException: path [{key}] does not exist");
    let serde_json::Value::Object(map) = parsed else {
        return Err(missing());
    };
    // The column of the value in the canonical text: `{` and the entries before it.
    let mut column = 2;
    for (k, v) in &map {
        column += quote(k).len() + 1;
        if k == key {
            return match v {
                serde_json::Value::String(s) => Ok(s.clone()),
                serde_json::Value::Bool(b) => Ok(b.to_string()),
                serde_json::Value::Number(n) => Ok(n.to_string()),
                serde_json::Value::Array(_) => Err(format!(
                    "java.lang.IllegalArgumentException: Expected text at 1:{column} but found START_ARRAY"
                )),
                serde_json::Value::Object(_) => Err(format!(
                    "java.lang.IllegalArgumentException: Expected text at 1:{column} but found START_OBJECT"
                )),
                serde_json::Value::Null => Err(missing()),
            };
        }
        column += v.to_string().len() + 1;
    }
    Err(missing())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(json: &str) -> Result<Option<String>, String> {
        let v: serde_json::Value = serde_json::from_str(json).unwrap();
        canonical("f", &[&v])
    }

    #[test]
    fn nested_and_dotted_keys_meet_sorted_and_stringified() {
        let got = canon(r#"{"b":{"c":1,"a":true},"a.x":"s","n":null,"m":[2,1,2]}"#).unwrap();
        assert_eq!(
            got.as_deref(),
            Some(r#"{"a.x":"s","b.a":"true","b.c":"1","m":["1","2"]}"#)
        );
        assert_eq!(canon("{}").unwrap(), None);
        assert_eq!(canon(r#"{"a":null,"b":[]}"#).unwrap(), None);
    }

    #[test]
    fn extract_reads_one_literal_key() {
        let root = r#"{"a.b":"x","ip":["1","2"]}"#;
        assert_eq!(extract(root, "a.b").as_deref(), Ok("x"));
        assert!(extract(root, "a")
            .unwrap_err()
            .contains("path [a] does not exist"));
        assert!(extract(root, "ip")
            .unwrap_err()
            .ends_with("Expected text at 1:17 but found START_ARRAY"));
    }
}

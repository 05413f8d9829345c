//! `METADATA _source`: a document as JSON text, rebuilt from its fields.
//!
//! rulegate keeps a document's fields, not its original bytes, so `_source` is rebuilt: dotted
//! names nest (`nfs.opcode` is `{"nfs":{"opcode":…}}`), a multivalue is an array, dates are ISO
//! strings, IPs and versions their text. A field under a name that already holds a value
//! (`height.float`, a multi-field of `height`) is not part of the source and is left out. The
//! column is typed `keyword` (Elasticsearch's type is `_source`); `JSON_EXTRACT(_source, path)`
//! reads it as Elasticsearch's does.

use serde_json::{Map, Value as Json};

use crate::document::value::{Cell, Value};
use crate::document::Column;

fn json_of(v: &Value) -> Json {
    match v {
        Value::Boolean(b) => Json::Bool(*b),
        Value::Integer(i) => Json::from(*i),
        Value::Long(i) => Json::from(*i),
        Value::UnsignedLong(u) => Json::from(*u),
        Value::Double(d) => serde_json::Number::from_f64(*d).map_or(Json::Null, Json::Number),
        other => Json::String(other.to_text()),
    }
}

/// Puts `value` at the dotted `path` of `object`, unless a value already sits on the way.
fn insert(object: &mut Map<String, Json>, path: &str, value: Json) {
    match path.split_once('.') {
        None => {
            object.entry(path.to_string()).or_insert(value);
        }
        Some((head, rest)) => {
            let slot = object
                .entry(head.to_string())
                .or_insert_with(|| Json::Object(Map::new()));
            if let Json::Object(inner) = slot {
                insert(inner, rest, value);
            }
        }
    }
}

/// The `_source` of a document whose fields are `cells` (by `columns`).
pub fn document(columns: &[Column], cells: &[Cell]) -> Cell {
    let mut object = Map::new();
    // Shorter names first: a parent value wins over its multi-fields.
    let mut order: Vec<usize> = (0..columns.len().min(cells.len())).collect();
    order.sort_by_key(|&i| (columns[i].name.matches('.').count(), i));
    for i in order {
        let json = match &cells[i] {
            Cell::Null => continue,
            Cell::One(v) => json_of(v),
            Cell::Many(vs) => Json::Array(vs.iter().map(json_of).collect()),
        };
        insert(&mut object, &columns[i].name, json);
    }
    Cell::One(Value::str(&Json::Object(object).to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::Type;

    #[test]
    fn dotted_names_nest_and_multi_fields_are_left_out() {
        let col = |name: &str, ty| Column {
            name: name.into(),
            ty,
        };
        let columns = [
            col("nfs.opcode", Type::Keyword),
            col("height", Type::Double),
            col("height.float", Type::Double),
            col("tags", Type::Keyword),
            col("gone", Type::Keyword),
        ];
        let cells = [
            Cell::One(Value::str("WRITE")),
            Cell::One(Value::Double(2.03)),
            Cell::One(Value::Double(2.0299999713897705)),
            Cell::Many(vec![Value::str("a"), Value::str("b")]),
            Cell::Null,
        ];
        let Cell::One(Value::String(text)) = document(&columns, &cells) else {
            panic!("a string")
        };
        assert_eq!(
            &*text,
            r#"{"height":2.03,"nfs":{"opcode":"WRITE"},"tags":["a","b"]}"#
        );
    }
}

//! A `[[recorded]]` table's `where` filter: dotted or nested fields, each with the values it may
//! have.

use std::collections::BTreeMap;

use serde_json::Value;

/// `where = { field = value | [values] }`: every field must have one of its values.
#[derive(Debug, Default)]
pub(super) struct Filter {
    fields: Vec<(String, Vec<Value>)>,
}

impl Filter {
    pub(super) fn new(table: &BTreeMap<String, toml::Value>) -> Result<Filter, String> {
        let mut fields = Vec::new();
        let mut flat = Vec::new();
        for (key, value) in table {
            flatten(key.clone(), value, &mut flat);
        }
        for (field, wanted) in &flat {
            let values = match wanted {
                toml::Value::Array(items) => items.iter().map(scalar).collect(),
                other => scalar(other).map(|v| vec![v]),
            }
            .ok_or_else(|| {
                format!("`where` value of `{field}` must be a string, number, boolean or a list of them")
            })?;
            fields.push((field.clone(), values));
        }
        Ok(Filter { fields })
    }

    pub(super) fn matches(&self, doc: &Value) -> bool {
        self.fields.iter().all(|(field, wanted)| {
            let mut found = Vec::new();
            crate::schedule::collect_field(doc, field, &mut found);
            found
                .iter()
                .any(|value| wanted.iter().any(|w| same(value, w)))
        })
    }
}

/// `{ event.action = "get" }` (a nested table in TOML) is the field `event.action`.
fn flatten(prefix: String, value: &toml::Value, out: &mut Vec<(String, toml::Value)>) {
    match value {
        toml::Value::Table(table) => {
            for (key, child) in table {
                flatten(format!("{prefix}.{key}"), child, out);
            }
        }
        other => out.push((prefix, other.clone())),
    }
}

fn scalar(value: &toml::Value) -> Option<Value> {
    match value {
        toml::Value::String(s) => Some(Value::from(s.clone())),
        toml::Value::Integer(i) => Some(Value::from(*i)),
        toml::Value::Float(f) => Some(Value::from(*f)),
        toml::Value::Boolean(b) => Some(Value::from(*b)),
        _ => None,
    }
}

/// Equal as JSON values, numbers by value (`200` matches `200.0`).
fn same(found: &Value, wanted: &Value) -> bool {
    match (found, wanted) {
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        _ => found == wanted,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_filter_matches_dotted_and_nested_fields_and_lists() {
        let table: BTreeMap<String, toml::Value> = toml::from_str(
            "\"event.action\" = [\"get\", \"list\"]\n\"kubernetes.audit.responseStatus.code\" = 200\n",
        )
        .unwrap();
        let filter = Filter::new(&table).unwrap();
        let doc = |action: &str| json!({"event":{"action":action},"kubernetes.audit.responseStatus":{"code":200}});
        assert!(filter.matches(&doc("get")));
        assert!(filter.matches(&doc("list")));
        assert!(!filter.matches(&doc("create")));
        assert!(!filter.matches(&json!({"event":{"action":"get"}})));
    }
}

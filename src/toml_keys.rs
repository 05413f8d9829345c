//! Unknown keys of a spanned TOML document, checked against the keys known in each table.

use toml::de::{DeTable, DeValue};

use crate::span::Span;

/// Known keys per table path (`gate.exempt[]`: `[]` marks an array of tables).
pub type Schema = [(&'static str, &'static [&'static str])];

/// A key the schema does not know.
pub struct UnknownKey<'a> {
    pub name: &'a str,
    pub span: Span,
    /// `at the top level` or `in [gate.exempt]`.
    pub place: String,
    /// The keys known in that table, for a suggestion.
    pub known: &'static [&'static str],
}

/// Calls `found` for each unknown key below `table`, in document order. Tables the schema does
/// not list (free-form ones) are not checked.
pub fn walk(table: &DeTable<'_>, schema: &Schema, found: &mut dyn FnMut(UnknownKey<'_>)) {
    walk_at(table, "", schema, found);
}

fn walk_at(
    table: &DeTable<'_>,
    path: &str,
    schema: &Schema,
    found: &mut dyn FnMut(UnknownKey<'_>),
) {
    let Some((_, known)) = schema.iter().find(|(p, _)| *p == path) else {
        return;
    };
    for (key, value) in table.iter() {
        let name: &str = key.get_ref();
        if !known.contains(&name) {
            let span = key.span();
            let place = if path.is_empty() {
                "at the top level".to_string()
            } else {
                format!("in [{}]", path.replace("[]", ""))
            };
            found(UnknownKey {
                name,
                span: Span::new(span.start, span.end),
                place,
                known,
            });
            continue;
        }
        let child = if path.is_empty() {
            name.to_string()
        } else {
            format!("{path}.{name}")
        };
        match value.get_ref() {
            DeValue::Table(inner) => walk_at(inner, &child, schema, found),
            DeValue::Array(items) => {
                for item in items.iter() {
                    if let DeValue::Table(inner) = item.get_ref() {
                        walk_at(inner, &format!("{child}[]"), schema, found);
                    }
                }
            }
            _ => {}
        }
    }
}

//! Expectations from the engine itself: a generated document is nested as the scenario
//! generator writes it, read with the mapping as the runner reads it, and run through the
//! compiled query and filters; threshold buckets and new terms are counted as
//! `crate::runner::logic` counts them.

use std::collections::BTreeSet;

use serde_json::{Map, Value as Json};

use super::witness::Doc;
use crate::diagnostic::Diagnostic;
use crate::document::{Documents, FieldSelection, LoadOptions};
use crate::kql::ast::Query;
use crate::kql::eval::{Compiled, Schema};

/// The rule's query and filters, compiled per document at the aimed-at execution's `now`.
pub struct Judge<'a> {
    pub query: &'a Query,
    pub filters: &'a [Query],
    pub now: i64,
}

impl Judge<'_> {
    /// Whether the rule's query and every filter match the document (`None`: the fields cannot
    /// be nested into one document, e.g. `a.b` both a value and an object).
    pub fn matches(&self, doc: &Doc) -> Result<Option<bool>, Diagnostic> {
        let Some(json) = nest(doc) else {
            return Ok(None);
        };
        let selection = FieldSelection {
            all: true,
            names: BTreeSet::new(),
        };
        let Ok(documents) = Documents::from_values(&[json], &selection, LoadOptions::default())
        else {
            return Ok(None);
        };
        if documents.is_empty() {
            return Ok(None);
        }
        let schema = Schema {
            columns: &documents.columns,
            now: self.now,
        };
        for query in std::iter::once(self.query).chain(self.filters) {
            if !Compiled::compile(query, &schema)?.matches(documents.row(0)) {
                return Ok(Some(false));
            }
        }
        Ok(Some(true))
    }
}

/// Dotted fields as one nested JSON object, as the generator writes `[steps.fields]`.
pub fn nest(doc: &Doc) -> Option<Json> {
    let mut root = Map::new();
    for (field, value) in doc {
        let mut parts: Vec<&str> = field.split('.').collect();
        let last = parts.pop()?;
        let mut object = &mut root;
        for part in parts {
            let entry = object
                .entry(part.to_string())
                .or_insert_with(|| Json::Object(Map::new()));
            object = entry.as_object_mut()?;
        }
        if object.contains_key(last) {
            return None;
        }
        object.insert(last.to_string(), value.clone());
    }
    Some(Json::Object(root))
}

/// A field's values as the terms an aggregation buckets on (none when missing).
pub fn terms(doc: &Doc, field: &str) -> Vec<String> {
    match doc.get(field) {
        None | Some(Json::Null) => Vec::new(),
        Some(Json::Array(items)) => items
            .iter()
            .filter(|v| !v.is_null())
            .map(Json::to_string)
            .collect(),
        Some(value) => vec![value.to_string()],
    }
}

/// Every combination of the fields' values (none when a field is missing), bucketed as the
/// runner buckets them.
pub fn combinations(doc: &Doc, fields: &[String]) -> Vec<Vec<String>> {
    crate::runner::bucket_combinations(fields.iter().map(|field| terms(doc, field)))
}

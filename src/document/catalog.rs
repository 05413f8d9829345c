//! The index mappings `FROM` resolves against: the data streams of `elastic/integrations` shipped
//! in `mappings/` (their `external: ecs` fields typed from `mappings/ecs.tsv`), the user's mapping
//! files (`mappings` in `rulegate.toml`, `--mapping`), and Elasticsearch's index resolution over them.
//!
//! Elasticsearch knows a field from the index mapping even when no document has it, and an index
//! pattern that matches no index is an error, not an empty result. rulegate's indices are the data
//! streams of the loaded documents (`data_stream.type-dataset-namespace`); a `FROM` over them sees
//! every field the documents have plus every field the matching data streams declare
//! ([`from_columns`]). Documents without `data_stream.*` fields belong to any index a pattern names.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, RwLock};

use super::mapping::Mapping;
use super::store::Documents;
use super::value::Type;
use super::{index_matches, Column};
use crate::diagnostic::Diagnostic;
use crate::esql::ast::{self, SourceCommand};

/// Code of `Unknown index [...]`: no index matches the `FROM` patterns.
pub const E_UNKNOWN_INDEX: &str = "E315";

/// ECS types of the fields the shipped data streams reference with `external: ecs`.
const ECS: &str = include_str!("../../mappings/ecs.tsv");

/// The shipped data streams: dataset name and field declarations.
const SHIPPED: &[(&str, &str)] = &[
    (
        "aws.cloudtrail",
        include_str!("../../mappings/aws.cloudtrail.tsv"),
    ),
    (
        "aws_bedrock.invocation",
        include_str!("../../mappings/aws_bedrock.invocation.tsv"),
    ),
    (
        "azure.signinlogs",
        include_str!("../../mappings/azure.signinlogs.tsv"),
    ),
    (
        "cloud_defend.file",
        include_str!("../../mappings/cloud_defend.file.tsv"),
    ),
    (
        "cloud_defend.process",
        include_str!("../../mappings/cloud_defend.process.tsv"),
    ),
    (
        "endpoint.events.network",
        include_str!("../../mappings/endpoint.events.network.tsv"),
    ),
    (
        "endpoint.events.process",
        include_str!("../../mappings/endpoint.events.process.tsv"),
    ),
    ("gcp.audit", include_str!("../../mappings/gcp.audit.tsv")),
    (
        "kubernetes.audit_logs",
        include_str!("../../mappings/kubernetes.audit_logs.tsv"),
    ),
    (
        "okta.system",
        include_str!("../../mappings/okta.system.tsv"),
    ),
    (
        "system.security",
        include_str!("../../mappings/system.security.tsv"),
    ),
    (
        "windows.forwarded",
        include_str!("../../mappings/windows.forwarded.tsv"),
    ),
    (
        "windows.powershell_operational",
        include_str!("../../mappings/windows.powershell_operational.tsv"),
    ),
    (
        "windows.sysmon_operational",
        include_str!("../../mappings/windows.sysmon_operational.tsv"),
    ),
];

/// One data stream's declared fields, by their Elasticsearch type name (`keyword`, `flattened`, …).
#[derive(Clone, Debug, PartialEq)]
pub struct DataStream {
    /// The dataset (`kubernetes.audit_logs`): the stream is `logs-<dataset>-<namespace>`.
    pub dataset: String,
    pub declared: BTreeMap<String, String>,
}

impl DataStream {
    /// The index template's pattern, as the integration installs it.
    pub fn pattern(&self) -> String {
        format!("logs-{}-*", self.dataset)
    }

    /// The declared fields ES|QL can read, with their types (types the engine does not model,
    /// `geo_shape` or `nested`, are left out as in a mapping file, and so is every field below
    /// a `nested` one: ES|QL does not read nested documents). A `flattened` field is one column.
    pub fn mapping(&self) -> Mapping {
        let fields = (self.declared.iter())
            .filter(|(name, _)| !self.inside_nested(name))
            .filter_map(|(name, ty)| Some((name.clone(), Type::parse(ty)?)))
            .collect();
        // A field list gives no `scaling_factor`: its `scaled_float`s key by value.
        let numeric = (self.declared.iter())
            .filter(|(name, ty)| {
                super::mapping::NUMERIC_TYPES.contains(&ty.as_str())
                    && *ty != "scaled_float"
                    && !self.inside_nested(name)
            })
            .map(|(name, ty)| {
                let field = super::mapping::NumericField {
                    type_name: ty.clone(),
                    scaling_factor: None,
                };
                (name.clone(), field)
            })
            .collect();
        Mapping { fields, numeric }
    }

    /// Whether a parent object of `name` is declared `nested` (`process.Ext.code_signature`).
    fn inside_nested(&self, name: &str) -> bool {
        let mut parent = name;
        while let Some((head, _)) = parent.rsplit_once('.') {
            if self.declared.get(head).is_some_and(|ty| ty == "nested") {
                return true;
            }
            parent = head;
        }
        false
    }
}

/// Every mapping rulegate knows: the shipped data streams and the user's mapping files.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Catalog {
    pub streams: Vec<DataStream>,
    /// The user's mapping files together (later files win); they apply to every index.
    pub user: Mapping,
}

/// A line of a mapping table that is not `name<TAB>type`, or an `ecs` reference ECS lacks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableError {
    pub table: String,
    pub line: usize,
    pub message: String,
}

/// Parses `name<TAB>type` lines (`#` comments and blank lines skipped).
pub fn parse_table(name: &str, text: &str) -> Result<Vec<(String, String)>, TableError> {
    let mut rows = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fail = |message: &str| TableError {
            table: name.to_string(),
            line: i + 1,
            message: message.to_string(),
        };
        let Some((field, ty)) = line.split_once('\t') else {
            return Err(fail("expected `field<TAB>type`"));
        };
        if field.is_empty() || ty.is_empty() || ty.contains('\t') {
            return Err(fail("expected `field<TAB>type`"));
        }
        rows.push((field.to_string(), ty.to_string()));
    }
    Ok(rows)
}

/// Resolves a data stream's rows: `ecs` rows take ECS's type, with ECS's multi-fields of that
/// field (`user.name.text`), as Fleet expands `external: ecs` when it installs the package.
pub fn resolve_stream(
    dataset: &str,
    rows: &[(String, String)],
    ecs: &BTreeMap<String, String>,
) -> Result<DataStream, TableError> {
    let mut declared = BTreeMap::new();
    for (line, (field, ty)) in rows.iter().enumerate() {
        if ty != "ecs" {
            declared.insert(field.clone(), ty.clone());
            continue;
        }
        let Some(ecs_type) = ecs.get(field) else {
            return Err(TableError {
                table: dataset.to_string(),
                line: line + 1,
                message: format!("`{field}` is marked `ecs` but mappings/ecs.tsv lacks it"),
            });
        };
        declared.insert(field.clone(), ecs_type.clone());
        let multi = format!("{field}.text");
        if let Some(t) = ecs.get(&multi) {
            declared.insert(multi, t.clone());
        }
    }
    Ok(DataStream {
        dataset: dataset.to_string(),
        declared,
    })
}

impl Catalog {
    /// The data streams shipped in `mappings/` (checked by the test suite, so they always load).
    pub fn shipped() -> Result<Catalog, TableError> {
        let ecs: BTreeMap<String, String> = parse_table("ecs", ECS)?.into_iter().collect();
        let mut streams = Vec::new();
        for (dataset, text) in SHIPPED {
            let rows = parse_table(dataset, text)?;
            streams.push(resolve_stream(dataset, &rows, &ecs)?);
        }
        Ok(Catalog {
            streams,
            user: Mapping::default(),
        })
    }

    /// The catalog in effect: the shipped streams and the mapping files set for this process.
    pub fn current() -> Arc<Catalog> {
        let guard = USER.read().unwrap_or_else(|poisoned| poisoned.into_inner());
        match &*guard {
            Some(catalog) => Arc::clone(catalog),
            None => Arc::clone(&SHIPPED_CATALOG),
        }
    }

    /// The types documents are read with: the curated built-in types, then each data stream's
    /// declarations (the first stream by name wins a conflict), then the user's files, which
    /// win over everything.
    pub fn load_mapping(&self) -> Mapping {
        let mut merged = Mapping::default();
        for stream in &self.streams {
            let mapping = stream.mapping();
            for (name, ty) in mapping.fields {
                if merged.fields.contains_key(&name) {
                    continue;
                }
                if let Some(numeric) = mapping.numeric.get(&name) {
                    merged.numeric.insert(name.clone(), numeric.clone());
                }
                merged.fields.insert(name, ty);
            }
        }
        merged.overlay(Mapping::built_in());
        merged.overlay(self.user.clone());
        merged
    }

    /// The fields declared for `FROM patterns` over indices `present` (data-stream names), with
    /// `unassigned` set when some document has no data stream (it belongs to any pattern, so every
    /// stream a pattern could name is declared).
    pub fn declared_for(
        &self,
        patterns: &[String],
        present: &BTreeSet<&str>,
        unassigned: bool,
    ) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        for stream in &self.streams {
            let template = stream.pattern();
            let read = patterns.iter().any(|p| {
                let existing = present
                    .iter()
                    .any(|index| index_matches(p, index) && index_matches(&template, index));
                let assumed =
                    unassigned && index_matches(p, &format!("logs-{}-default", stream.dataset));
                existing || assumed
            });
            if read {
                out.extend(stream.mapping().fields.into_keys());
            }
        }
        out.extend(self.user.fields.keys().cloned());
        out
    }
}

static SHIPPED_CATALOG: std::sync::LazyLock<Arc<Catalog>> = std::sync::LazyLock::new(|| {
    // The tables are part of the source tree and `tests/mappings.rs` loads them: they parse.
    Arc::new(Catalog::shipped().unwrap_or_default())
});

/// The catalog with the user's mapping files, once the command line has read them.
static USER: RwLock<Option<Arc<Catalog>>> = RwLock::new(None);

/// Sets the user's mapping files for this process (the CLI, from `rulegate.toml` and `--mapping`).
pub fn set_user_mapping(user: Mapping) {
    let mut catalog = (*SHIPPED_CATALOG).as_ref().clone();
    catalog.user = user;
    let mut guard = USER
        .write()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    *guard = Some(Arc::new(catalog));
}

/// The columns `FROM patterns` reads from `docs`: the documents' columns, then every field the
/// matching data streams (and the user's mappings) declare that no document has, typed by the
/// load mapping. `Unknown index [patterns]` when no index matches and no document is unassigned,
/// as Elasticsearch's analyzer says when an index pattern resolves to nothing.
pub fn from_columns(
    patterns: &[String],
    docs: &Documents,
    catalog: &Catalog,
) -> Result<Vec<Column>, Diagnostic> {
    let mut present = BTreeSet::new();
    let mut unassigned = false;
    for doc in 0..docs.len() {
        match docs.index_of(doc) {
            Some(name) => {
                present.insert(name);
            }
            None => unassigned = true,
        }
    }
    let matched = unassigned
        || present
            .iter()
            .any(|index| patterns.iter().any(|p| index_matches(p, index)));
    if !matched && !docs.is_empty() {
        return Err(unknown_index(patterns));
    }
    let load = catalog.load_mapping();
    // ES|QL sees a `flattened` field as its root only: its keys are no columns.
    let below_flattened = |name: &str| super::flattened::lies_below_root(&load, name);
    let mut columns: Vec<Column> = (docs.columns.iter())
        .filter(|c| !below_flattened(&c.name))
        .cloned()
        .collect();
    let known: BTreeSet<String> = columns.iter().map(|c| c.name.clone()).collect();
    for name in catalog.declared_for(patterns, &present, unassigned) {
        if known.contains(&name) || below_flattened(&name) {
            continue;
        }
        if let Some(ty) = load.get(&name) {
            columns.push(Column { name, ty });
        }
    }
    columns.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(columns)
}

/// The columns a query's source reads: [`from_columns`] for `FROM` (an unknown index labelled at
/// its first pattern), the documents' columns for `ROW`.
pub fn source_columns(
    query: &ast::Query,
    docs: &Documents,
    catalog: &Catalog,
) -> Result<Vec<Column>, Diagnostic> {
    match &query.source {
        SourceCommand::From(from) => {
            let patterns: Vec<String> = from.indices.iter().map(|i| i.pattern.clone()).collect();
            from_columns(&patterns, docs, catalog).map_err(|_| unknown_index_of(from))
        }
        SourceCommand::Row(_) => Ok(docs.columns.clone()),
    }
}

/// `Unknown index [...]` for a `FROM`, labelled at its first pattern.
pub fn unknown_index_of(from: &ast::From) -> Diagnostic {
    let patterns: Vec<String> = from.indices.iter().map(|i| i.pattern.clone()).collect();
    let error = unknown_index(&patterns);
    match from.indices.first() {
        Some(first) => error.with_label(first.span, "no index matches"),
        None => error,
    }
}

/// Elasticsearch's verifier text for an index expression that resolves to no index.
pub fn unknown_index(patterns: &[String]) -> Diagnostic {
    Diagnostic::error(
        E_UNKNOWN_INDEX,
        format!("Unknown index [{}]", patterns.join(",")),
    )
    .with_help("no loaded document belongs to a data stream these patterns match; a document's index is `data_stream.type-dataset-namespace` (or `--index` for documents without them)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_tables_load_and_resolve_ecs_references() {
        let catalog = Catalog::shipped().unwrap();
        let k8s = (catalog.streams.iter())
            .find(|s| s.dataset == "kubernetes.audit_logs")
            .unwrap();
        assert_eq!(k8s.declared["source.ip"], "ip");
        assert_eq!(k8s.declared["user.name.text"], "match_only_text");
        assert_eq!(k8s.declared["cloud.account.id"], "keyword");
    }

    #[test]
    fn a_bad_line_names_table_and_line() {
        let error = parse_table("x", "# c\na\tkeyword\nno tab\n").unwrap_err();
        assert_eq!((error.table.as_str(), error.line), ("x", 3));
        let ecs = BTreeMap::new();
        let rows = vec![("a".to_string(), "ecs".to_string())];
        assert!(resolve_stream("x", &rows, &ecs).is_err());
    }
}

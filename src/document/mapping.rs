//! Field types, as an Elasticsearch mapping gives them: a built-in mapping for the ECS and
//! Kubernetes audit fields the rules use, or a mapping file in Elasticsearch's JSON format.

use std::collections::BTreeMap;
use std::ops::Bound::{Included, Unbounded};

use super::value::Type;

/// Field name → ES|QL type. Fields not listed take their type from the first value seen
/// (strings `keyword`, whole numbers `long`, other numbers `double`, booleans `boolean`), as
/// Elasticsearch's dynamic mapping would (minus its `text` + `.keyword` pair for strings).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Mapping {
    pub fields: BTreeMap<String, Type>,
    /// Numeric fields by their mapping type, which the engine's type folds (`half_float`,
    /// `float` and `scaled_float` are read as `double`, `byte` and `short` as `integer`): a
    /// lookup index keys them as that type's term query converts a value
    /// (`eval::IndexedNumeric`).
    pub numeric: BTreeMap<String, NumericField>,
}

/// A numeric field's mapping type name and, for `scaled_float`, its `scaling_factor`.
#[derive(Clone, Debug, PartialEq)]
pub struct NumericField {
    pub type_name: String,
    pub scaling_factor: Option<f64>,
}

/// The mapping types [`Mapping::numeric`] records.
pub const NUMERIC_TYPES: &[&str] = &[
    "byte",
    "short",
    "integer",
    "long",
    "half_float",
    "float",
    "double",
    "scaled_float",
];

/// The built-in mapping: the Kubernetes audit integration's declared fields and the ECS fields
/// rules read (`../shared/notes/k8s-audit-ecs.md` §1.5).
const BUILT_IN: &[(&str, Type)] = &[
    ("@timestamp", Type::Datetime),
    ("event.ingested", Type::Datetime),
    ("event.created", Type::Datetime),
    ("event.start", Type::Datetime),
    ("event.end", Type::Datetime),
    ("event.dataset", Type::Keyword),
    ("event.module", Type::Keyword),
    ("event.action", Type::Keyword),
    ("event.kind", Type::Keyword),
    ("event.category", Type::Keyword),
    ("event.type", Type::Keyword),
    ("event.outcome", Type::Keyword),
    ("event.original", Type::Keyword),
    ("data_stream.type", Type::Keyword),
    ("data_stream.dataset", Type::Keyword),
    ("data_stream.namespace", Type::Keyword),
    ("source.ip", Type::Ip),
    ("source.port", Type::Long),
    ("source.address", Type::Keyword),
    // ECS `geo.location` is a `geo_point` wherever it appears (the impossible-travel rules
    // read `source.geo.location` with `ST_X`/`ST_Y`).
    ("source.geo.location", Type::GeoPoint),
    ("destination.geo.location", Type::GeoPoint),
    ("client.geo.location", Type::GeoPoint),
    ("server.geo.location", Type::GeoPoint),
    ("host.geo.location", Type::GeoPoint),
    ("destination.ip", Type::Ip),
    ("destination.port", Type::Long),
    ("client.ip", Type::Ip),
    ("host.ip", Type::Ip),
    ("related.ip", Type::Ip),
    ("related.user", Type::Keyword),
    ("related.hosts", Type::Keyword),
    ("user.name", Type::Keyword),
    ("user.id", Type::Keyword),
    ("user.domain", Type::Keyword),
    ("user_agent.original", Type::Keyword),
    // ECS fields the GCP integration's `gcp.audit` data stream fills, and its own
    // `gcp.audit.resource_name` (`packages/gcp/data_stream/audit/fields/`): the GKE twin rules
    // read them.
    ("client.user.email", Type::Keyword),
    ("user.email", Type::Keyword),
    ("service.name", Type::Keyword),
    ("gcp.audit.resource_name", Type::Keyword),
    ("host.name", Type::Keyword),
    ("host.hostname", Type::Keyword),
    ("message", Type::Text),
    ("error.message", Type::Text),
    ("tags", Type::Keyword),
    ("orchestrator.type", Type::Keyword),
    ("orchestrator.api_version", Type::Keyword),
    ("orchestrator.namespace", Type::Keyword),
    ("orchestrator.resource.type", Type::Keyword),
    ("orchestrator.resource.name", Type::Keyword),
    ("orchestrator.cluster.name", Type::Keyword),
    ("kubernetes.audit.apiVersion", Type::Keyword),
    ("kubernetes.audit.kind", Type::Keyword),
    ("kubernetes.audit.level", Type::Keyword),
    ("kubernetes.audit.auditID", Type::Keyword),
    ("kubernetes.audit.stage", Type::Keyword),
    ("kubernetes.audit.requestURI", Type::Keyword),
    ("kubernetes.audit.verb", Type::Keyword),
    ("kubernetes.audit.user.username", Type::Keyword),
    ("kubernetes.audit.user.uid", Type::Keyword),
    ("kubernetes.audit.user.groups", Type::Text),
    ("kubernetes.audit.impersonatedUser.username", Type::Keyword),
    ("kubernetes.audit.impersonatedUser.uid", Type::Keyword),
    ("kubernetes.audit.impersonatedUser.groups", Type::Text),
    ("kubernetes.audit.sourceIPs", Type::Text),
    ("kubernetes.audit.userAgent", Type::Keyword),
    ("kubernetes.audit.objectRef.resource", Type::Keyword),
    ("kubernetes.audit.objectRef.namespace", Type::Keyword),
    ("kubernetes.audit.objectRef.name", Type::Keyword),
    ("kubernetes.audit.objectRef.uid", Type::Keyword),
    ("kubernetes.audit.objectRef.apiGroup", Type::Keyword),
    ("kubernetes.audit.objectRef.apiVersion", Type::Keyword),
    ("kubernetes.audit.objectRef.resourceVersion", Type::Keyword),
    ("kubernetes.audit.objectRef.subresource", Type::Keyword),
    ("kubernetes.audit.responseStatus.code", Type::Long),
    ("kubernetes.audit.responseStatus.status", Type::Keyword),
    ("kubernetes.audit.responseStatus.reason", Type::Keyword),
    ("kubernetes.audit.responseStatus.message", Type::Text),
    ("kubernetes.audit.requestReceivedTimestamp", Type::Datetime),
    ("kubernetes.audit.stageTimestamp", Type::Datetime),
    (
        "kubernetes.audit.annotations.authorization_k8s_io/decision",
        Type::Keyword,
    ),
    (
        "kubernetes.audit.annotations.authorization_k8s_io/reason",
        Type::Text,
    ),
    (
        "kubernetes.audit.requestObject.spec.hostNetwork",
        Type::Boolean,
    ),
    ("kubernetes.audit.requestObject.spec.hostPID", Type::Boolean),
    ("kubernetes.audit.requestObject.spec.hostIPC", Type::Boolean),
    (
        "kubernetes.audit.requestObject.spec.containers.image",
        Type::Text,
    ),
    (
        "kubernetes.audit.requestObject.spec.containers.securityContext.privileged",
        Type::Boolean,
    ),
    (
        "kubernetes.audit.requestObject.spec.containers.securityContext.allowPrivilegeEscalation",
        Type::Boolean,
    ),
    (
        "kubernetes.audit.requestObject.spec.containers.securityContext.runAsUser",
        Type::Long,
    ),
    (
        "kubernetes.audit.responseObject.roleRef.kind",
        Type::Keyword,
    ),
];

impl Mapping {
    pub fn built_in() -> Mapping {
        Mapping {
            fields: BUILT_IN.iter().map(|(n, t)| (n.to_string(), *t)).collect(),
            numeric: BTreeMap::new(),
        }
    }

    pub fn get(&self, field: &str) -> Option<Type> {
        self.fields.get(field).copied()
    }

    /// The part of this mapping a reader of `names` can consult: each name, its dotted
    /// prefixes (a `flattened` root above it) and the fields below it (a `geo_point`'s
    /// `.lat`/`.lon`, a `date_range`'s bounds). A streamed query's loader is made per batch
    /// with its own copy of the mapping; the shipped one has thousands of fields, and copying
    /// it took about 2,400 allocations a batch, more than the documents' own.
    pub fn around<'n>(&self, names: impl IntoIterator<Item = &'n str>) -> Mapping {
        let mut kept = Mapping::default();
        let keep = |name: &str, kept: &mut Mapping| {
            if let Some((key, ty)) = self.fields.get_key_value(name) {
                kept.fields.insert(key.clone(), *ty);
            }
            if let Some((key, numeric)) = self.numeric.get_key_value(name) {
                kept.numeric.insert(key.clone(), numeric.clone());
            }
        };
        for name in names {
            keep(name, &mut kept);
            for (dot, _) in name.match_indices('.') {
                keep(&name[..dot], &mut kept);
            }
            let below = format!("{name}.");
            let under = self
                .fields
                .range::<str, _>((Included(below.as_str()), Unbounded));
            for (key, _) in under.take_while(|(key, _)| key.starts_with(&below)) {
                keep(key, &mut kept);
            }
            let under = self
                .numeric
                .range::<str, _>((Included(below.as_str()), Unbounded));
            for (key, _) in under.take_while(|(key, _)| key.starts_with(&below)) {
                keep(key, &mut kept);
            }
        }
        kept
    }

    /// Lays `other` over this mapping: its fields win, and a field it declares keeps only the
    /// numeric detail `other` gives it.
    pub fn overlay(&mut self, other: Mapping) {
        for name in other.fields.keys() {
            self.numeric.remove(name);
        }
        self.fields.extend(other.fields);
        self.numeric.extend(other.numeric);
    }

    /// Reads Elasticsearch's mapping JSON (`{"properties": …}`, optionally under `mappings`),
    /// including multi-fields (`"fields": {"keyword": …}` is `name.keyword`). Field types ES|QL
    /// cannot read are left out.
    pub fn from_json(text: &str) -> Result<Mapping, String> {
        let root: serde_json::Value =
            serde_json::from_str(text).map_err(|e| format!("invalid mapping JSON: {e}"))?;
        let mut props = &root;
        if let Some(m) = props.get("mappings") {
            props = m;
        }
        let Some(properties) = props.get("properties") else {
            return Err("mapping has no `properties`".into());
        };
        let mut mapping = Mapping::default();
        walk(properties, "", &mut mapping)?;
        Ok(mapping)
    }
}

/// Elasticsearch's field types (its mapper plugins included); any other name is refused, as
/// Elasticsearch refuses it.
const FIELD_TYPES: &[&str] = &[
    "aggregate_metric_double",
    "alias",
    "annotated_text",
    "binary",
    "boolean",
    "byte",
    "completion",
    "constant_keyword",
    "counted_keyword",
    "date",
    "date_nanos",
    "date_range",
    "dense_vector",
    "double",
    "double_range",
    "exponential_histogram",
    "flattened",
    "float",
    "float_range",
    "geo_point",
    "geo_shape",
    "half_float",
    "histogram",
    "icu_collation_keyword",
    "integer",
    "integer_range",
    "ip",
    "ip_range",
    "join",
    "keyword",
    "long",
    "long_range",
    "match_only_text",
    "murmur3",
    "nested",
    "object",
    "passthrough",
    "percolator",
    "point",
    "rank_feature",
    "rank_features",
    "rank_vectors",
    "scaled_float",
    "search_as_you_type",
    "semantic_text",
    "shape",
    "short",
    "sparse_vector",
    "text",
    "token_count",
    "unsigned_long",
    "version",
    "wildcard",
];

/// The engine's type for a mapping type: `None` for a type the engine does not model (the field
/// is then typed by its values, as without a mapping); an error for a name Elasticsearch does
/// not know, in its words (`MapperParsingException`).
fn field_type(name: &str, field: &str) -> Result<Option<Type>, String> {
    if !FIELD_TYPES.contains(&name) {
        return Err(format!(
            "No handler for type [{name}] declared on field [{field}]"
        ));
    }
    Ok(Type::parse(name))
}

/// Records `def`'s type for `name` in `out` (its numeric detail too).
fn declare(def: &serde_json::Value, name: &str, out: &mut Mapping) -> Result<(), String> {
    let Some(ty) = def.get("type").and_then(|t| t.as_str()) else {
        return Ok(());
    };
    if let Some(t) = field_type(ty, name)? {
        out.fields.insert(name.to_string(), t);
    }
    if NUMERIC_TYPES.contains(&ty) {
        let scaling_factor = def.get("scaling_factor").and_then(|f| f.as_f64());
        out.numeric.insert(
            name.to_string(),
            NumericField {
                type_name: ty.to_string(),
                scaling_factor,
            },
        );
    }
    Ok(())
}

fn walk(properties: &serde_json::Value, prefix: &str, out: &mut Mapping) -> Result<(), String> {
    let Some(map) = properties.as_object() else {
        return Err(format!("`properties` of [{prefix}] is not an object"));
    };
    for (name, def) in map {
        let full = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}.{name}")
        };
        declare(def, &full, out)?;
        if let Some(sub) = def.get("properties") {
            walk(sub, &full, out)?;
        }
        if let Some(multi) = def.get("fields").and_then(|f| f.as_object()) {
            for (sub, sdef) in multi {
                declare(sdef, &format!("{full}.{sub}"), out)?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_nested_properties_and_multi_fields() {
        let m = Mapping::from_json(
            r#"{"properties":{"a":{"properties":{"b":{"type":"ip"}}},"c":{"type":"text","fields":{"raw":{"type":"keyword"}}},"g":{"type":"geo_point"}}}"#,
        )
        .unwrap();
        assert_eq!(m.get("a.b"), Some(Type::Ip));
        assert_eq!(m.get("c"), Some(Type::Text));
        assert_eq!(m.get("c.raw"), Some(Type::Keyword));
        assert_eq!(m.get("g"), Some(Type::GeoPoint));
    }
}

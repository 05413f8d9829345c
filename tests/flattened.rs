//! The `flattened` type and `FIELD_EXTRACT`: the root value as Elasticsearch's ES|QL block
//! loader writes it (flat dotted keys sorted, values as strings, several values an array),
//! documents whose mapping says `flattened`, the keys that are no columns, and `FIELD_EXTRACT`
//! on the documented examples (`field_extract.csv-spec`), null, multivalues and its errors.

use rstest::rstest;
use rulegate::document::catalog::from_columns;
use rulegate::document::flattened::{canonical, extract, DEPTH_LIMIT};
use rulegate::document::{Catalog, Documents, LoadOptions, Mapping, Type};
use rulegate::eval::{Plan, Table, Window};

fn canon(json: &str) -> Result<Option<String>, String> {
    let v: serde_json::Value = serde_json::from_str(json).unwrap();
    canonical("f", &[&v])
}

/// `FlattenedFieldParser` then the flat writer: nested and dotted keys meet as one dotted key,
/// keys sort by their bytes, numbers and booleans are text, `null` and `[]` give nothing,
/// several values are a sorted, de-duplicated array (sorted doc values).
#[rstest]
#[case(
    r#"{"host.name": "equal-host"}"#,
    Some(r#"{"host.name":"equal-host"}"#)
)]
#[case(
    r#"{"rally.message_size": 192, "type": "beats"}"#,
    Some(r#"{"rally.message_size":"192","type":"beats"}"#)
)]
#[case(
    r#"{"host.ip": ["10.224.0.170", "fe80::4001:aff:fee0:aa"], "agent": {"type": "filebeat"}}"#,
    Some(r#"{"agent.type":"filebeat","host.ip":["10.224.0.170","fe80::4001:aff:fee0:aa"]}"#)
)]
#[case(
    r#"{"b": [2, 1, 2, true], "a": null, "c": []}"#,
    Some(r#"{"b":["1","2","true"]}"#)
)]
#[case(
    r#"{"a": {"b": 1}, "a.b": 2, "a.c": [{"d": "x"}, {"d": "y"}]}"#,
    Some(r#"{"a.b":["1","2"],"a.c.d":["x","y"]}"#)
)]
#[case(
    r#"{"q": "say \"hi\"\n", "é": ""}"#,
    Some(r#"{"q":"say \"hi\"\n","é":""}"#)
)]
#[case("{}", None)]
#[case(r#"{"a": null, "b": {}}"#, None)]
fn the_root_value_is_the_block_loaders_json(#[case] source: &str, #[case] want: Option<&str>) {
    assert_eq!(canon(source).unwrap().as_deref(), want, "{source}");
}

/// What indexing refuses: a scalar at the root, objects deeper than `depth_limit` (20), a key
/// with `\0`, a `key\0value` pair longer than Lucene's term limit.
#[test]
fn indexing_refusals_are_elasticsearchs() {
    let scalar = serde_json::json!("text");
    let err = canonical("f", &[&scalar]).unwrap_err();
    assert!(err.contains("[f] of type [flattened]"), "{err}");
    let nest = |levels: usize| {
        let mut json = "1".to_string();
        for _ in 0..levels {
            json = format!("{{\"k\":{json}}}");
        }
        json
    };
    assert!(canon(&nest(DEPTH_LIMIT)).unwrap().is_some());
    let err = canon(&nest(DEPTH_LIMIT + 1)).unwrap_err();
    assert_eq!(
        err,
        "The provided [flattened] field [f] exceeds the maximum depth limit of [20]."
    );
    let err = canon(r#"{"a\u0000b": 1}"#).unwrap_err();
    assert!(
        err.contains("cannot contain the reserved character \\0"),
        "{err}"
    );
    let long = format!(r#"{{"k": "{}"}}"#, "x".repeat(32766 - 2));
    assert!(
        canon(&long).unwrap().is_some(),
        "k + \\0 + value = 32766 bytes fits"
    );
    let err = canon(&format!(r#"{{"k": "{}"}}"#, "x".repeat(32766 - 1))).unwrap_err();
    assert!(err.contains("immense field"), "{err}");
    // Several objects at the root (an array in the document) merge their leaves.
    let (a, b) = (
        serde_json::json!({"k": "v2"}),
        serde_json::json!({"k": "v1"}),
    );
    assert_eq!(
        canonical("f", &[&a, &b]).unwrap().as_deref(),
        Some(r#"{"k":["v1","v2"]}"#)
    );
}

/// `FieldExtract.extractTopLevelKey`: the literal key, case-sensitive, no prefix match; a key
/// with several values is an array the parser gives no text for.
#[test]
fn extract_reads_one_literal_key() {
    let root = r#"{"agent.id":"c92cc400-fe39-4252-bc0f-4b024e742f25","host.ip":["10.72.1.5","10.72.1.6"],"host.name":"infra-filebeat-6vjxr"}"#;
    assert_eq!(extract(root, "host.name").unwrap(), "infra-filebeat-6vjxr");
    assert_eq!(
        extract(root, "Host.Name").unwrap_err(),
        "java.lang.IllegalArgumentException: path [Host.Name] does not exist"
    );
    assert!(extract(root, "host").unwrap_err().contains("path [host]"));
    // `{"agent.id":"c92c…25","host.ip":` is 61 bytes: the array opens at column 62.
    assert_eq!(
        extract(root, "host.ip").unwrap_err(),
        "java.lang.IllegalArgumentException: Expected text at 1:62 but found START_ARRAY"
    );
}

const MAPPING: &str = r#"{"properties":{"n":{"type":"keyword"},"resource":{"properties":{"attributes":{"type":"flattened"}}},"attributes":{"type":"flattened","index":false}}}"#;

/// Rows of a query over NDJSON documents read with [`MAPPING`], the `FROM` columns resolved as
/// `query` resolves them (the keys below a flattened root are none).
fn load(docs: &str, query: &str) -> Result<Table, String> {
    let mapping = Mapping::from_json(MAPPING).unwrap();
    let parsed = rulegate::esql::parse(query).unwrap();
    let selection = rulegate::eval::fields_for(&parsed, &[]);
    let options = LoadOptions {
        default_index: Some("logs-test-default".into()),
        mapping: mapping.clone(),
        ..Default::default()
    };
    let store =
        Documents::from_ndjson(docs.as_bytes(), &selection, options).map_err(|e| e.to_string())?;
    let catalog = Catalog {
        streams: Vec::new(),
        user: mapping,
    };
    let columns = from_columns(&["logs-*".to_string()], &store, &catalog).map_err(|d| d.message)?;
    let plan = Plan::compile(&parsed, query, &columns).map_err(|d| d.message)?;
    Ok(plan.run(&store, Window::All, 0))
}

/// Each row as `a | b | …`, then each warning.
fn lines(t: &Table) -> Vec<String> {
    let mut out = crate::support::table_rows(t);
    out.extend(t.warnings.iter().map(|w| format!("warning: {w}")));
    out
}

/// `flattened_otel_logs.csv`'s rows as documents, in the shapes a shipper writes them: nested,
/// dotted, mixed, an array of objects, no root at all.
const DOCS: &str = r#"{"n":"a","resource":{"attributes":{"agent.id":"c92cc400-fe39-4252-bc0f-4b024e742f25","agent":{"type":"filebeat"},"host.name":"infra-filebeat-6vjxr"}},"attributes":{"rally.message_size":192,"type":"beats"}}
{"n":"b","resource.attributes":{"host.name":"equal-host"},"attributes.host.name":"equal-host"}
{"n":"c","attributes":{"host.name":"null-resource-test"}}
{"n":"d","resource":{"attributes":[{"host.ip":"10.72.1.5"},{"host.ip":["10.72.1.6"],"host.name":"filebeat-6t7v6"}]}}
"#;

#[test]
fn documents_keep_the_object_below_a_flattened_root_as_one_value() {
    let t = load(
        DOCS,
        "FROM logs-* | KEEP n, resource.attributes, attributes | SORT n",
    )
    .unwrap();
    assert_eq!(t.columns[1].ty, Type::Flattened);
    assert_eq!(
        lines(&t),
        [
            r#"a | {"agent.id":"c92cc400-fe39-4252-bc0f-4b024e742f25","agent.type":"filebeat","host.name":"infra-filebeat-6vjxr"} | {"rally.message_size":"192","type":"beats"}"#,
            r#"b | {"host.name":"equal-host"} | {"host.name":"equal-host"}"#,
            r#"c | null | {"host.name":"null-resource-test"}"#,
            r#"d | {"host.ip":["10.72.1.5","10.72.1.6"],"host.name":"filebeat-6t7v6"} | null"#,
        ]
    );
    // Every field selected (no `KEEP`): the same roots, and no column for their keys.
    let t = load(DOCS, "FROM logs-* | SORT n | LIMIT 1").unwrap();
    let names: Vec<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["attributes", "n", "resource.attributes"]);
    // A key is not a column, as in Elasticsearch (only the root is in the field caps).
    let err = load(DOCS, "FROM logs-* | KEEP resource.attributes.host.name").unwrap_err();
    assert_eq!(err, "Unknown column [resource.attributes.host.name]");
    // A string where the mapping says `flattened` is refused, as indexing refuses it.
    let err = load(r#"{"attributes":"x"}"#, "FROM logs-* | KEEP attributes").unwrap_err();
    assert!(
        err.contains("field [attributes]") && err.contains("flattened"),
        "{err}"
    );
}

/// `field_extract.csv-spec`'s documented example and its edge cases, over documents.
#[rstest]
#[case(
    r#"EVAL hn = field_extract(resource.attributes, "host.name") | KEEP n, hn"#,
    &["a | infra-filebeat-6vjxr", "b | equal-host", "c | null", "d | filebeat-6t7v6"]
)]
// A number leaf is its text (`numericLeafReturnedAsKeyword`); a root without the key warns.
#[case(
    r#"EVAL s = field_extract(attributes, "rally.message_size") | KEEP n, s"#,
    &["a | 192", "b | null", "c | null", "d | null",
      "warning: Line 1:33: evaluation of [field_extract(attributes, \"rally.message_size\")] failed, treating result as null. Only first 20 failures recorded.",
      "warning: Line 1:33: java.lang.IllegalArgumentException: path [rally.message_size] does not exist"]
)]
// A key with several values: no text for the array, a warning (`mvExpandOnSingleValuedExtract`
// says multivalued keys are not supported yet).
#[case(
    r#"WHERE n == "d" | EVAL ip = field_extract(resource.attributes, "host.ip") | KEEP n, ip"#,
    &["d | null",
      "warning: Line 1:51: evaluation of [field_extract(resource.attributes, \"host.ip\")] failed, treating result as null. Only first 20 failures recorded.",
      "warning: Line 1:51: java.lang.IllegalArgumentException: Expected text at 1:12 but found START_ARRAY"]
)]
// Null path: null, no warning; a computed constant path works (`computedConstantPath`).
#[case(
    r#"WHERE n == "a" | EVAL x = field_extract(resource.attributes, null), y = field_extract(resource.attributes, CONCAT("host.", "name")) | KEEP x, y"#,
    &["null | infra-filebeat-6vjxr"]
)]
// A multivalued root (`MV_APPEND` of two roots) is a single-value function's warning.
#[case(
    r#"WHERE n == "b" | EVAL x = field_extract(MV_APPEND(resource.attributes, attributes), "host.name") | KEEP x"#,
    &["null",
      "warning: Line 1:50: evaluation of [field_extract(MV_APPEND(resource.attributes, attributes), \"host.name\")] failed, treating result as null. Only first 20 failures recorded.",
      "warning: Line 1:50: java.lang.IllegalArgumentException: single-value function encountered multi-value"]
)]
// A path read per row is checked per row: brackets are a warning there.
#[case(
    r#"WHERE n == "a" | EVAL p = "['host.name']" | EVAL x = field_extract(resource.attributes, p) | KEEP x"#,
    &["null",
      "warning: Line 1:77: evaluation of [field_extract(resource.attributes, p)] failed, treating result as null. Only first 20 failures recorded.",
      "warning: Line 1:77: java.lang.IllegalArgumentException: field_extract path must be a literal flattened sub-field name. Brackets and array indices are not supported"]
)]
fn field_extract_over_documents(#[case] tail: &str, #[case] want: &[&str]) {
    let query = format!("FROM logs-* | SORT n | {tail}");
    let t = load(DOCS, &query).unwrap();
    assert_eq!(lines(&t), want, "{query}");
}

/// Equality, `COALESCE`, `TO_STRING`, `COUNT_DISTINCT`, `VALUES` and grouping take a flattened
/// root as its text (`flattened.csv-spec`); string functions refuse it.
#[test]
fn the_root_in_other_functions() {
    let t = load(
        DOCS,
        "FROM logs-* | SORT n | EVAL eq = resource.attributes == attributes, c = COALESCE(resource.attributes, attributes), s = LEFT(TO_STRING(attributes), 5) | KEEP n, eq, c, s",
    )
    .unwrap();
    assert_eq!(
        lines(&t)[1..3],
        [
            r#"b | true | {"host.name":"equal-host"} | {"hos"#,
            r#"c | null | {"host.name":"null-resource-test"} | {"hos"#,
        ]
    );
    let t = load(
        DOCS,
        "FROM logs-* | STATS c = COUNT_DISTINCT(attributes), n = COUNT(resource.attributes)",
    )
    .unwrap();
    assert_eq!(lines(&t), ["3 | 3"]);
    let err = load(DOCS, "FROM logs-* | EVAL l = LENGTH(attributes)").unwrap_err();
    assert!(err.contains("[flattened]"), "{err}");
}

/// `FIELD_EXTRACT`'s verification errors: a first argument that is no flattened root, a
/// constant path with brackets or empty (`FieldExtract.resolveType`), the arity.
#[rstest]
#[case(
    r#"EVAL x = field_extract(n, "a")"#,
    "argument 1 of [field_extract(n, \"a\")] must be [flattened], found value of type [keyword]"
)]
#[case(r#"EVAL x = field_extract(attributes, "['host.name']")"#, "field_extract path must be a literal flattened sub-field name. Brackets and array indices are not supported")]
#[case(r#"EVAL x = field_extract(attributes, "tags[0]")"#, "field_extract path must be a literal flattened sub-field name. Brackets and array indices are not supported")]
#[case(
    r#"EVAL x = field_extract(attributes, "")"#,
    "field_extract path must not be empty"
)]
#[case(r#"EVAL x = field_extract(attributes, 1)"#, "argument 2 of [field_extract(attributes, 1)] must be [keyword or text], found value of type [integer]")]
fn field_extract_errors(#[case] tail: &str, #[case] want: &str) {
    let query = format!("FROM logs-* | {tail}");
    assert_eq!(load(DOCS, &query).unwrap_err(), want, "{query}");
}

//! A rule's `filters` (Kibana's filter array) ANDed with KQL, EQL and ES|QL queries, negate and
//! disabled honoured, untranslatable filters and data views as errors; hand-derived expectations.

use rulegate::rule::load_str;
use rulegate::runner::{run_rule, DocumentSet, PreparedRule};
use rulegate::schedule::Timestamp;
use serde_json::{json, Value};

/// 2024-05-01T10:00:00Z.
const T0: i64 = 1_714_557_600_000;

fn event(minute: i64, user: &str, verb: &str, code: i64) -> Value {
    json!({
        "@timestamp": rulegate::document::datetime::format_iso(T0 + minute * 60_000),
        "data_stream": {"dataset": "kubernetes.audit_logs", "type": "logs", "namespace": "default"},
        "event": {"dataset": "kubernetes.audit_logs", "category": ["web"]},
        "user": {"name": user},
        "kubernetes": {"audit": {"verb": verb, "responseStatus": {"code": code}}},
    })
}

fn load(language: &str, kind: &str, query: &str, extra: &str) -> Result<PreparedRule, String> {
    let text = format!(
        r#"[metadata]
creation_date = "2024/01/01"
updated_date = "2024/01/01"

[rule]
author = ["rulegate"]
description = "test"
name = "Filters"
risk_score = 21
rule_id = "00000000-0000-0000-0000-000000000042"
severity = "low"
type = "{kind}"
language = "{language}"
interval = "5m"
from = "now-6m"
query = '''
{query}
'''
{extra}
"#
    );
    let loaded =
        load_str("test.toml", &text).map_err(|e| rulegate::diagnostic::render_all(&e, false))?;
    PreparedRule::from_loaded(std::path::Path::new("test.toml"), loaded)
        .map_err(|e| format!("{}: {}", e.code, e.message))
}

fn users(rule: &PreparedRule) -> Vec<String> {
    let docs = [
        event(1, "alice", "create", 201),
        event(1, "bob", "create", 403),
        event(1, "carol", "delete", 200),
        event(1, "dave", "get", 200),
    ];
    let set = DocumentSet::from_values(&docs).unwrap();
    let mut names: Vec<String> = run_rule(rule, &set, Some(Timestamp(T0)), &mut |_, _, _| {})
        .unwrap()
        .replay
        .alerts
        .iter()
        .filter_map(|a| a.fields.get("user.name")?.as_str().map(String::from))
        .collect();
    names.sort();
    names
}

const PHRASES: &str = r#"
[[rule.filters]]
[rule.filters.meta]
negate = false
disabled = false
type = "phrases"
key = "kubernetes.audit.verb"
params = ["create", "delete"]
[rule.filters.query.bool]
minimum_should_match = 1
[[rule.filters.query.bool.should]]
[rule.filters.query.bool.should.match_phrase]
"kubernetes.audit.verb" = "create"
[[rule.filters.query.bool.should]]
[rule.filters.query.bool.should.match_phrase]
"kubernetes.audit.verb" = "delete"
"#;

const NOT_FORBIDDEN: &str = r#"
[[rule.filters]]
[rule.filters.meta]
negate = true
type = "range"
key = "kubernetes.audit.responseStatus.code"
[rule.filters.query.range."kubernetes.audit.responseStatus.code"]
gte = 400
lt = 500
"#;

const DISABLED: &str = r#"
[[rule.filters]]
[rule.filters.meta]
disabled = true
type = "phrase"
key = "user.name"
[rule.filters.query.match_phrase]
"user.name" = "nobody"
"#;

#[test]
fn filters_and_the_kql_query_negate_wraps_not_and_disabled_ones_are_ignored() {
    let all = load("kuery", "query", "event.dataset:kubernetes.audit_logs", "").unwrap();
    assert_eq!(users(&all), ["alice", "bob", "carol", "dave"]);
    let phrases = load("kuery", "query", "event.dataset:*", PHRASES).unwrap();
    assert_eq!(users(&phrases), ["alice", "bob", "carol"]);
    let both = format!("{PHRASES}{NOT_FORBIDDEN}{DISABLED}");
    let rule = load("kuery", "query", "event.dataset:*", &both).unwrap();
    assert_eq!(users(&rule), ["alice", "carol"]);
}

#[test]
fn filters_apply_to_eql_and_esql_rules_as_kibana_sends_them() {
    let extra = format!("index = [\"logs-kubernetes.audit_logs-*\"]\n{PHRASES}{NOT_FORBIDDEN}");
    let eql = load("eql", "eql", "any where true", &extra).unwrap();
    assert_eq!(users(&eql), ["alice", "carol"]);
    let esql = load(
        "esql",
        "esql",
        "FROM logs-kubernetes.audit_logs-* METADATA _id, _index, _version | KEEP _id, _index, _version, user.name",
        &format!("{PHRASES}{NOT_FORBIDDEN}"),
    )
    .unwrap();
    assert_eq!(users(&esql), ["alice", "carol"]);
}

#[test]
fn exists_and_legacy_top_level_bodies_translate() {
    let exists = r#"
[[rule.filters]]
meta = { negate = true, type = "exists", key = "kubernetes.audit.responseStatus.code" }
exists = { field = "user.name" }
"#;
    // A legacy body (no `query`): `exists` at the top level; negated, nothing has no user.name.
    let rule = load("kuery", "query", "event.dataset:*", exists).unwrap();
    assert!(users(&rule).is_empty());
}

#[test]
fn untranslatable_filters_and_data_views_are_errors() {
    let qs = r#"
[[rule.filters]]
meta = { type = "custom" }
query = { query_string = { query = "user.name:alice" } }
"#;
    let error = load("kuery", "query", "event.dataset:*", qs).unwrap_err();
    assert!(error.starts_with("E345: `filters[0]`"), "{error}");
    assert!(error.contains("query_string"), "{error}");
    let minimum = r#"
[[rule.filters]]
query = { bool = { minimum_should_match = 2, should = [] } }
"#;
    let error = load("kuery", "query", "event.dataset:*", minimum).unwrap_err();
    assert!(error.contains("minimum_should_match = 2"), "{error}");
    let view = "data_view_id = \"security-solution-default\"";
    let error = load("kuery", "query", "event.dataset:*", view).unwrap_err();
    assert!(error.starts_with("E346"), "{error}");
    assert!(error.contains("security-solution-default"), "{error}");
}

#[test]
fn filter_text_is_escaped_into_the_kql_it_reads_as() {
    let value = [toml::Value::Table(
        toml::from_str(r#"query = { match_phrase = { "user.name" = "a \"quoted\" \\ name" } }"#)
            .unwrap(),
    )];
    let filters = rulegate::rule::filters::translate(&value).unwrap();
    assert_eq!(filters[0].kql, r#"user.name:"a \"quoted\" \\ name""#);
}

#[test]
fn filters_nested_past_the_depth_limit_are_refused() {
    // A `bool` filter 40 levels deep (built as a value: the TOML reader has its own depth cap)
    // is refused instead of recursing without bound.
    let mut clause = toml::Value::Table(toml::from_str("match_all = {}").unwrap());
    for _ in 0..40 {
        let mut must = toml::map::Map::new();
        must.insert("must".into(), clause);
        let mut boolean = toml::map::Map::new();
        boolean.insert("bool".into(), toml::Value::Table(must));
        clause = toml::Value::Table(boolean);
    }
    let mut filter = toml::map::Map::new();
    filter.insert("query".into(), clause);
    let error = rulegate::rule::filters::translate(&[toml::Value::Table(filter)])
        .map(|_| ())
        .unwrap_err();
    let text = format!("{}: {}", error.code, error.message);
    assert!(text.starts_with("E345"), "{text}");
    assert!(text.contains("nested more than 32 levels deep"), "{text}");
}

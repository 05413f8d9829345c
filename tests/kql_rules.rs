//! KQL evaluation and Kibana's `query`, `threshold` and `new_terms` rule types through the one
//! runner, against expectations derived by hand: keyword vs text, wildcards, multivalued and
//! missing fields, ranges, CIDR, dates, overlapping windows, history windows.

use rulegate::kql::eval::{Compiled, Schema};
use rulegate::rule::load_str;
use rulegate::runner::{run_rule, DocumentSet, PreparedRule};
use rulegate::schedule::Timestamp;
use serde_json::{json, Value};

/// 2024-05-01T10:00:00Z.
const T0: i64 = 1_714_557_600_000;
const MIN: i64 = 60_000;

fn at(minutes: f64) -> String {
    rulegate::document::datetime::format_iso(T0 + (minutes * MIN as f64) as i64)
}

/// Which of `docs` (by position) match `query`, over the built-in Kubernetes audit mapping.
fn matching(query: &str, docs: &[Value]) -> Vec<usize> {
    let set = DocumentSet::from_values(docs).unwrap();
    let tree = rulegate::kql::parse(query).unwrap();
    let schema = Schema {
        columns: &set.documents.columns,
        now: T0,
    };
    let compiled =
        Compiled::compile(&tree, &schema).unwrap_or_else(|d| panic!("{query}: {}", d.message));
    (0..docs.len())
        .filter(|&i| compiled.matches(set.documents.row(i)))
        .collect()
}

fn compile_error(query: &str, docs: &[Value]) -> &'static str {
    let set = DocumentSet::from_values(docs).unwrap();
    let tree = rulegate::kql::parse(query).unwrap();
    let schema = Schema {
        columns: &set.documents.columns,
        now: T0,
    };
    Compiled::compile(&tree, &schema).unwrap_err().code
}

fn audit(user: &str, agent: Value, extra: Value) -> Value {
    let mut doc = json!({
        "@timestamp": at(0.0),
        "data_stream": {"dataset": "kubernetes.audit_logs", "type": "logs", "namespace": "default"},
        "event": {"dataset": "kubernetes.audit_logs"},
        "user": {"name": user},
        "user_agent": {"original": agent},
    });
    merge(&mut doc, extra);
    doc
}

fn merge(into: &mut Value, from: Value) {
    if let (Value::Object(a), Value::Object(b)) = (into, from) {
        for (k, v) in b {
            match a.get_mut(&k) {
                Some(slot @ Value::Object(_)) if v.is_object() => merge(slot, v),
                _ => {
                    a.insert(k, v);
                }
            }
        }
    }
}

#[test]
fn keyword_fields_match_exactly_and_case_sensitively() {
    let docs = [
        audit("alice", json!("curl/8.1"), json!({})),
        audit("Alice", json!("Curl/8.1"), json!({})),
        audit(
            "bob",
            json!("kubectl/v1.29 (linux/amd64) kubernetes/$Format"),
            json!({}),
        ),
    ];
    assert_eq!(matching("user.name:alice", &docs), [0]);
    assert_eq!(matching("user.name:\"alice\"", &docs), [0]);
    assert_eq!(matching("user.name:ali", &docs), Vec::<usize>::new());
    // Wildcards: Lucene wildcard on the whole keyword value, case-sensitive.
    assert_eq!(matching("user_agent.original:curl*", &docs), [0]);
    assert_eq!(
        matching("user_agent.original:*kubernetes/$Format", &docs),
        [2]
    );
    assert_eq!(
        matching(
            "user_agent.original:(* and not (*kubernetes/$Format))",
            &docs
        ),
        [0, 1]
    );
    // An escaped star is a literal star.
    assert_eq!(
        matching(r"user_agent.original:curl\*", &docs),
        Vec::<usize>::new()
    );
    // Unquoted wildcard values split at whitespace into ORed query_string terms.
    assert_eq!(
        matching("user_agent.original:*8.1 kubectl*", &docs),
        [0, 1, 2]
    );
}

#[test]
fn text_fields_match_analysed_tokens_and_phrases() {
    let docs = [
        json!({"message": "Pod Created in namespace kube-system", "@timestamp": at(0.0)}),
        json!({"message": "created pod", "@timestamp": at(0.0)}),
        json!({"@timestamp": at(0.0)}),
    ];
    // `match`: any token, case-insensitive.
    assert_eq!(matching("message:POD", &docs), [0, 1]);
    assert_eq!(matching("message:pod deleted", &docs), [0, 1]);
    // A quoted value is a phrase: tokens in order.
    assert_eq!(matching("message:\"pod created\"", &docs), [0]);
    assert_eq!(matching("message:\"created pod\"", &docs), [1]);
    // Wildcards on text apply to single (lower-cased) tokens.
    assert_eq!(matching("message:kube*", &docs), [0]);
    assert_eq!(matching("message:Crea*", &docs), [0, 1]);
    // Free text (no field) searches every field.
    assert_eq!(matching("created", &docs), [0, 1]);
}

#[test]
fn missing_and_multivalued_fields() {
    let docs = [
        json!({"@timestamp": at(0.0), "kubernetes": {"audit": {"user": {"groups": ["system:masters", "system:authenticated"]}}}, "tags": ["a", "b"]}),
        json!({"@timestamp": at(0.0), "tags": "c"}),
        json!({"@timestamp": at(0.0)}),
    ];
    // Any value of a multivalued field matches.
    assert_eq!(matching("tags:b", &docs), [0]);
    assert_eq!(matching("tags:(a and b)", &docs), [0]);
    // A missing field never matches; `not` of it does.
    assert_eq!(matching("tags:c", &docs), [1]);
    assert_eq!(matching("not tags:c", &docs), [0, 2]);
    assert_eq!(matching("tags:*", &docs), [0, 1]);
    assert_eq!(matching("not tags:*", &docs), [2]);
    // A field no mapping and no document has: never matches.
    assert_eq!(matching("no.such.field:x", &docs), Vec::<usize>::new());
    assert_eq!(matching("not no.such.field:x", &docs), [0, 1, 2]);
    // Wildcard field names: any field the pattern matches.
    assert_eq!(matching("ta*:c", &docs), [1]);
}

#[test]
fn ranges_ips_numbers_and_dates() {
    let docs = [
        json!({"@timestamp": "2024-05-01T09:00:00Z", "source": {"ip": "10.1.2.3", "port": 443}, "kubernetes": {"audit": {"responseStatus": {"code": 403}}}}),
        json!({"@timestamp": "2024-04-29T12:00:00Z", "source": {"ip": "192.168.0.7", "port": 8080}, "kubernetes": {"audit": {"responseStatus": {"code": 200}}}}),
        json!({"@timestamp": "2024-05-01T09:30:00Z", "source": {"ip": "2001:db8::1"}}),
    ];
    assert_eq!(matching("source.ip:10.0.0.0/8", &docs), [0]);
    assert_eq!(matching("source.ip:\"192.168.0.7\"", &docs), [1]);
    assert_eq!(matching("source.ip:2001\\:db8\\:\\:/32", &docs), [2]);
    assert_eq!(
        matching("source.port >= 443 and source.port < 8080", &docs),
        [0]
    );
    assert_eq!(
        matching("kubernetes.audit.responseStatus.code:403", &docs),
        [0]
    );
    assert_eq!(
        matching("kubernetes.audit.responseStatus.code >= 400", &docs),
        [0]
    );
    // Dates: ISO values round to their precision; date math resolves against `now` (10:00).
    assert_eq!(matching("@timestamp:2024-05-01", &docs), [0, 2]);
    assert_eq!(matching("@timestamp >= now-1h", &docs), [0, 2]);
    assert_eq!(matching("@timestamp > now-1h", &docs), [2]);
    assert_eq!(matching("@timestamp < now-1d/d", &docs), [1]);
    assert_eq!(matching("@timestamp <= 2024-04-29", &docs), [1]);
    // What Elasticsearch rejects fails the whole query.
    assert_eq!(compile_error("source.port:abc", &docs), "E340");
    assert_eq!(compile_error("source.ip:10.*", &docs), "E341");
    assert_eq!(compile_error("@timestamp > yesterday", &docs), "E343");
    assert_eq!(compile_error("source:{ ip:10.0.0.1 }", &docs), "E342");
}

/// Date math and number bounds from the query are checked: a value or a step of its math that
/// leaves the range of epoch milliseconds is `E343` (Elasticsearch fails the search on the
/// overflow), never a wrapped date; a whole-number bound beyond its field type is
/// Elasticsearch's "out of range" failure, never a silent comparison.
#[test]
fn date_math_and_number_bounds_outside_their_range_fail_the_query() {
    let docs = [audit(
        "alice",
        json!("kubectl"),
        json!({"kubernetes": {"audit": {"responseStatus": {"code": 200}}}}),
    )];
    let failure = |query: &str| {
        let set = DocumentSet::from_values(&docs).unwrap();
        let tree = rulegate::kql::parse(query).unwrap();
        let schema = Schema {
            columns: &set.documents.columns,
            now: T0,
        };
        let error = Compiled::compile(&tree, &schema).unwrap_err();
        (error.code, error.message)
    };
    for query in [
        "@timestamp > now+99999999999999y",
        "@timestamp < now-9999999999999999d",
        "@timestamp >= now+9223372036854775807s",
        "@timestamp <= 9223372036854775807||/d",
        "@timestamp:99999999999999999999",
    ] {
        let (code, message) = failure(query);
        assert_eq!(code, "E343", "{query}");
        assert!(
            message.contains("outside the range of dates"),
            "{query}: {message}"
        );
    }
    // Inside the range the same shapes resolve (nothing matches a time so far ahead).
    assert_eq!(
        matching("@timestamp > now+9999y", &docs),
        Vec::<usize>::new()
    );
    assert_eq!(matching("@timestamp < now+9999y", &docs), [0]);
    let (code, message) = failure("kubernetes.audit.responseStatus.code > 99999999999999999999");
    assert_eq!(code, "E340");
    assert!(
        message.contains("Value [99999999999999999999] is out of range for a long"),
        "{message}"
    );
    let (code, _) = failure("kubernetes.audit.responseStatus.code:-9999999999999999999999");
    assert_eq!(code, "E340");
    assert_eq!(
        matching(
            "kubernetes.audit.responseStatus.code < 9223372036854775807",
            &docs
        ),
        [0]
    );
}

fn rule(kind: &str, query: &str, extra: &str) -> PreparedRule {
    let text = format!(
        r#"[metadata]
creation_date = "2024/01/01"
updated_date = "2024/01/01"

[rule]
author = ["rulegate"]
description = "test"
name = "Test {kind}"
risk_score = 21
rule_id = "00000000-0000-0000-0000-00000000000{n}"
severity = "low"
type = "{kind}"
language = "kuery"
index = ["logs-kubernetes.audit_logs-*"]
interval = "5m"
from = "now-6m"
query = '''
{query}
'''
{extra}
"#,
        n = kind.len()
    );
    let loaded = load_str("test.toml", &text)
        .unwrap_or_else(|e| panic!("{}", rulegate::diagnostic::render_all(&e, false)));
    PreparedRule::from_loaded(std::path::Path::new("test.toml"), loaded).unwrap()
}

fn event(minutes: f64, user: &str, verb: &str, agent: &str) -> Value {
    audit(
        user,
        json!(agent),
        json!({"@timestamp": at(minutes), "kubernetes": {"audit": {"verb": verb}}}),
    )
}

fn alerts(rule: &PreparedRule, docs: &[Value]) -> Vec<rulegate::schedule::Alert> {
    let set = DocumentSet::from_values(docs).unwrap();
    run_rule(rule, &set, Some(Timestamp(T0)), &mut |_, _, _| {})
        .unwrap()
        .replay
        .alerts
}

#[test]
fn query_rules_alert_once_per_document_across_overlapping_windows() {
    let rule = rule(
        "query",
        "kubernetes.audit.verb:create and not user.name:system\\:*",
        "",
    );
    // Executions at 10:00, 10:05, 10:10 … each reading the last 6 minutes: the event at 10:04:30
    // is in the windows of 10:05 and 10:10 (overlap) but alerts once.
    let docs = [
        event(4.5, "alice", "create", "curl"),
        event(4.6, "system:node:a", "create", "kubelet"),
        event(4.7, "bob", "get", "curl"),
        json!({"@timestamp": at(4.8), "kubernetes": {"audit": {"verb": "create"}}, "data_stream": {"dataset": "other", "type": "logs", "namespace": "default"}}),
    ];
    let alerts = alerts(&rule, &docs);
    assert_eq!(alerts.len(), 1, "{alerts:#?}");
    assert_eq!(alerts[0].fields.get("user.name"), Some(&json!("alice")));
    assert_eq!(
        alerts[0].fields.get("kubernetes.audit.verb"),
        Some(&json!("create"))
    );
    assert!(alerts[0].fields.get("_id").is_some());
}

#[test]
fn query_rules_stop_at_max_signals() {
    let rule = rule("query", "kubernetes.audit.verb:create", "max_signals = 2");
    let docs: Vec<Value> = (0..5)
        .map(|i| event(1.0 + f64::from(i) / 10.0, "alice", "create", "curl"))
        .collect();
    let alerts = alerts(&rule, &docs);
    // 10:05 creates 2 (cap); 10:10 reads the same documents (10:04–10:10 does not include 10:01):
    assert_eq!(alerts.len(), 2);
}

#[test]
fn threshold_rules_alert_per_bucket_and_do_not_recount_documents() {
    let rule = rule(
        "threshold",
        "kubernetes.audit.verb:delete",
        "[rule.threshold]\nfield = [\"user.name\"]\nvalue = 3\n",
    );
    let mut docs: Vec<Value> = (0..3)
        .map(|i| event(2.0 + f64::from(i) / 10.0, "alice", "delete", "curl"))
        .collect();
    docs.extend((0..2).map(|i| event(2.0 + f64::from(i) / 10.0, "bob", "delete", "curl")));
    docs.push(event(2.5, "carol", "get", "curl"));
    let found = alerts(&rule, &docs);
    // alice's bucket reaches 3 in 10:05's window; 10:10's window (10:04–10:10) holds none of them.
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].fields.get("user.name"), Some(&json!("alice")));
    assert_eq!(
        found[0].fields.get("kibana.alert.threshold_result.count"),
        Some(&json!(3))
    );
    // Events in the overlap (10:04:xx) are counted once: signal history excludes them at 10:10.
    let overlap: Vec<Value> = (0..3)
        .map(|i| event(4.2 + f64::from(i) / 10.0, "alice", "delete", "curl"))
        .collect();
    assert_eq!(alerts(&rule, &overlap).len(), 1);
    // No field: one bucket of everything; cardinality needs distinct values.
    let rule = rule_with_cardinality();
    let found = alerts(&rule, &docs);
    assert_eq!(found.len(), 1);
    assert_eq!(
        found[0].fields.get("kibana.alert.threshold_result.count"),
        Some(&json!(5))
    );
}

fn rule_with_cardinality() -> PreparedRule {
    rule(
        "threshold",
        "kubernetes.audit.verb:delete",
        "[rule.threshold]\nfield = []\nvalue = 5\n\n[[rule.threshold.cardinality]]\nfield = \"user.name\"\nvalue = 2\n",
    )
}

#[test]
fn new_terms_rules_alert_on_terms_absent_from_the_history_window() {
    let rule = rule(
        "new_terms",
        "kubernetes.audit.verb:get",
        "[rule.new_terms]\nfield = \"new_terms_fields\"\nvalue = [\"user_agent.original\"]\n\n[[rule.new_terms.history_window_start]]\nfield = \"history_window_start\"\nvalue = \"now-1d\"\n",
    );
    let docs = [
        // curl was seen 2 hours before: not new. wget is new. python is new, seen twice: one alert.
        event(-120.0, "alice", "get", "curl"),
        event(2.0, "alice", "get", "curl"),
        event(2.5, "alice", "get", "wget"),
        event(3.0, "bob", "get", "python"),
        event(3.5, "bob", "get", "python"),
        // Outside the query: does not count as history either.
        event(-60.0, "carol", "list", "nmap"),
        event(3.7, "carol", "get", "nmap"),
        // A document without the field has no term.
        audit(
            "dave",
            Value::Null,
            json!({"@timestamp": at(3.8), "kubernetes": {"audit": {"verb": "get"}}}),
        ),
    ];
    let found = alerts(&rule, &docs);
    let mut terms: Vec<String> = found
        .iter()
        .map(|a| a.fields.get("kibana.alert.new_terms").unwrap().to_string())
        .collect();
    terms.sort();
    assert_eq!(
        terms,
        ["[\"nmap\"]", "[\"python\"]", "[\"wget\"]"],
        "{found:#?}"
    );
    // Overlap: a new term at 10:04:30 is new in 10:05's and in 10:10's window (the history ends
    // at 10:04); both name the same document and terms, so one alert.
    let overlap = [event(4.5, "erin", "get", "httpie")];
    assert_eq!(alerts(&rule, &overlap).len(), 1);
}

#[test]
fn kql_mutants_cover_the_operators_and_each_reparses() {
    let rule = rule(
        "threshold",
        "event.dataset:x and user.name:(a or b* or c) and source.port > 10",
        "[rule.threshold]\nfield = [\"user.name\", \"source.ip\"]\nvalue = 3\n",
    );
    let mutants = rulegate::review::kql_mutate::kql_mutants(&rule.logic);
    let mut operators: Vec<&str> = mutants.iter().map(|m| m.operator).collect();
    operators.dedup();
    assert_eq!(
        operators,
        [
            "drop-clause",
            "widen-wildcard",
            "remove-or-value",
            "narrow-wildcard",
            "widen-wildcard",
            "range-bound-up",
            "range-bound-down",
            "drop-threshold-field",
            "threshold-value"
        ]
    );
    let descriptions: Vec<&str> = mutants.iter().map(|m| m.description.as_str()).collect();
    assert!(
        descriptions.contains(&"remove `b*` from `user.name`'s list"),
        "{descriptions:#?}"
    );
    assert!(
        descriptions.contains(&"narrow `user.name:b*` to `b`"),
        "{descriptions:#?}"
    );
    assert!(
        descriptions.contains(&"move `source.port > 10` to `11`"),
        "{descriptions:#?}"
    );
    assert!(
        descriptions.contains(&"drop threshold field `source.ip`"),
        "{descriptions:#?}"
    );
    // Every mutated query prints to KQL that parses back to it.
    for mutant in &mutants {
        let search = mutant.logic.kql().unwrap();
        let printed = rulegate::kql::print(&search.query);
        assert_eq!(
            rulegate::kql::parse(&printed).unwrap(),
            search.query,
            "{printed}"
        );
    }
}

/// `history = true` steps are documents from before the rule was enabled: the replay's first
/// execution comes after them, so they never alert themselves, yet a `new_terms` rule reads them
/// as history. The same scenario without the flag alerts on the first document (nothing before it).
#[test]
fn history_steps_come_before_the_first_execution_and_feed_new_terms() {
    let dir = crate::support::scratch("history");
    let rule = crate::support::repo_path("rules/discovery_denied_service_account_request.toml");
    let text = |history: bool| {
        format!(
            r#"
name = "history"
description = "d"
kind = "edge"
rules = [{rule:?}]
start = "2026-05-01T10:00:00Z"
seed = 1
[actors.sa]
username = "system:serviceaccount:monitoring:agent"
source_ips = ["10.0.0.1"]
user_agent = "agent/1.0"
[actors.pod]
username = "system:serviceaccount:default:web"
source_ips = ["10.0.0.2"]
user_agent = "curl/8.5.0"
[[steps]]
actor = "sa"
verb = "list"
resource = "secrets"
decision = "forbid"
history = {history}
[[steps]]
actor = "sa"
at = "+2d"
verb = "list"
resource = "secrets"
decision = "forbid"
[[steps]]
actor = "pod"
at = "+2d"
verb = "list"
resource = "secrets"
decision = "forbid"
"#
        )
    };
    let run = |history: bool| {
        let path = dir.join(format!("history-{history}.toml"));
        std::fs::write(&path, text(history)).unwrap();
        let run = rulegate::runner::run_scenario(&path, rulegate::runner::RuleSource::AsWritten)
            .unwrap_or_else(|d| panic!("{}", rulegate::diagnostic::render_all(&d, false)));
        let mut users: Vec<String> = run.rules[0]
            .alerts
            .iter()
            .map(|a| {
                a.fields
                    .get("kubernetes.audit.user.username")
                    .unwrap()
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect();
        users.sort();
        users
    };
    assert_eq!(run(true), ["system:serviceaccount:default:web"]);
    assert_eq!(
        run(false),
        [
            "system:serviceaccount:default:web",
            "system:serviceaccount:monitoring:agent"
        ]
    );
}

/// Equivalence proofs rest on the rule's index patterns and the field mapping only: the dataset
/// clause is proven true under `logs-kubernetes.audit_logs-*` and not under `logs-*`; a `text`
/// wildcard holding `/` is dead, the same wildcard on the `keyword` `user.name` is not.
#[test]
fn kql_equivalent_mutants_follow_the_index_patterns_and_the_mapping() {
    use rulegate::runner::RuleLogic;
    let query = "data_stream.dataset:kubernetes.audit_logs and user.name:(a/b* or c) and \
                 not kubernetes.audit.user.groups:(x/y* or \"system:masters\") and \
                 not kubernetes.audit.user.groups:z/w*";
    let mut rule = rule("query", query, "");
    let proven = |rule: &PreparedRule| -> Vec<String> {
        rulegate::review::kql_mutate::kql_mutants(&rule.logic)
            .into_iter()
            .filter(|m| m.equivalent.is_some())
            .map(|m| m.description)
            .collect()
    };
    let text_only = [
        "drop `not kubernetes.audit.user.groups:z/w*`",
        "remove `x/y*` from `kubernetes.audit.user.groups`'s list",
    ];
    let all = proven(&rule);
    assert_eq!(
        all,
        [
            "drop `data_stream.dataset:kubernetes.audit_logs`",
            text_only[0],
            "widen `data_stream.dataset:kubernetes.audit_logs` to `kubernetes.audit_logs*`",
            text_only[1],
        ]
    );
    let RuleLogic::Query(search) = &mut rule.logic else {
        panic!("a query rule")
    };
    search.index = vec!["logs-*".into()];
    assert_eq!(proven(&rule), text_only);
}

/// `mutate` on a bundled rule: the equivalent mutants are listed with their proof and left out
/// of the score, which is also given over all mutants; none of them is killed (no `E803`).
#[test]
fn mutate_lists_kql_equivalents_and_scores_over_all_mutants() {
    use rulegate::review::mutation::mutate;
    use rulegate::review::suite::Suite;
    let path = crate::support::repo_path(
        "rules/credential_access_kubernetes_secret_read_by_node_or_pod_service_account.toml",
    );
    let rule = PreparedRule::load(&path).unwrap();
    let suite = Suite::for_rule(
        &crate::support::repo_path("scenarios"),
        &rule.scheduled.info.rule_id,
    )
    .unwrap();
    let report = mutate(&rule, &suite).unwrap();
    let equivalent: Vec<&str> = report
        .equivalent
        .iter()
        .map(|m| m.mutation.as_str())
        .collect();
    assert_eq!(
        equivalent,
        [
            "drop `data_stream.dataset:\"kubernetes.audit_logs\"`",
            "remove `system:serviceaccounts:cluster-fleet-local-local-*` from \
             `kubernetes.audit.user.groups`'s list",
        ]
    );
    assert!(report.equivalent[1]
        .hint
        .as_deref()
        .unwrap()
        .contains("never holds `-`"));
    assert_eq!(report.total_all, report.total + 2);
    assert!(report.score_all < report.score, "{report:?}");
    let human = report.render_human();
    assert!(
        human.contains("over all mutants, the 2 equivalent one(s) counted as survivors"),
        "{human}"
    );
}

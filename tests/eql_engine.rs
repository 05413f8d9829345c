//! The EQL engine against hand-derived expectations. Each test states its documents, the rule
//! of Elasticsearch it exercises (see `docs/eql-semantics.md`) and how the expected result
//! follows from it, event by event.

use rulegate::document::store::{Documents, FieldSelection, LoadOptions};
use rulegate::eql::engine::{fields_to_load, Engine, Matched, Outcome, Settings};
use rulegate::eql::parse;
use serde_json::{json, Value};

/// Loads `docs` (in input order: document `i` is row `i`) and runs `query` over all of them.
fn run_with(query: &str, docs: &[Value], settings: Settings) -> Outcome {
    let q = parse(query).unwrap_or_else(|d| panic!("{query}: {}", d.message));
    let selection = FieldSelection::names(fields_to_load(&q, &settings));
    let store = Documents::from_values(docs, &selection, LoadOptions::default()).expect("loads");
    let engine = Engine::compile(&q, settings, &store.columns).expect("compiles");
    let all: Vec<usize> = (0..store.len()).collect();
    engine.run(&store, &all).expect("runs")
}

fn run(query: &str, docs: &[Value]) -> Outcome {
    run_with(query, docs, Settings::default())
}

fn events(query: &str, docs: &[Value]) -> Vec<usize> {
    match run(query, docs) {
        Outcome::Events(e) => e,
        other => panic!("{other:?}"),
    }
}

fn sequences(query: &str, docs: &[Value]) -> Vec<Vec<usize>> {
    match run(query, docs) {
        Outcome::Sequences(s) => s.into_iter().map(|m| m.docs).collect(),
        other => panic!("{other:?}"),
    }
}

/// A document at second `t` of 2024-01-01 with extra fields.
fn at(t: f64, fields: Value) -> Value {
    let ms = (t * 1000.0).round() as i64;
    let mut doc = json!({ "@timestamp": ms, "event": { "category": "process" } });
    for (k, v) in fields.as_object().unwrap() {
        doc[k] = v.clone();
    }
    doc
}

#[test]
fn not_and_not_equal_match_documents_missing_the_field_but_a_negated_script_does_not() {
    let docs = [
        at(0.0, json!({"a": "x", "b": "y"})),
        at(1.0, json!({"a": "x"})),
    ];
    // `not b == "y"` is `must_not term`: doc 1 (no b) matches, doc 0 (b = y) does not.
    assert_eq!(events(r#"any where a == "x" and not b == "y""#, &docs), [1]);
    assert_eq!(events(r#"any where a == "x" and b != "y""#, &docs), [1]);
    // `length(b)` needs a script; `not (null == 1)` is null, so doc 1 does not match; doc 0:
    // length("y") == 1 is true, negated false.
    assert_eq!(
        events(r#"any where not length(b) == 1"#, &docs),
        Vec::<usize>::new()
    );
    assert_eq!(events(r#"any where b == null"#, &docs), [1]);
    assert_eq!(events(r#"any where b != null"#, &docs), [0]);
}

#[test]
fn multivalued_fields_match_any_value_in_queries_and_the_first_in_scripts() {
    let docs = [
        at(0.0, json!({"tags": ["b", "a"]})),
        at(1.0, json!({"tags": "b"})),
    ];
    // term queries: any value. Doc 0 has a; neither `!=` nor `not in` match it.
    assert_eq!(events(r#"any where tags == "a""#, &docs), [0]);
    assert_eq!(events(r#"any where tags != "a""#, &docs), [1]);
    assert_eq!(events(r#"any where tags not in ("a")"#, &docs), [1]);
    // A script reads the first doc value; keyword doc values are sorted, so doc 0 reads "a".
    assert_eq!(events(r#"any where concat(tags, "") == "a""#, &docs), [0]);
}

#[test]
fn equality_is_case_sensitive_and_the_colon_and_tilde_forms_are_not() {
    let docs = [
        at(0.0, json!({"user": "Bob"})),
        at(1.0, json!({"user": "bob"})),
    ];
    assert_eq!(events(r#"any where user == "Bob""#, &docs), [0]);
    assert_eq!(events(r#"any where user : "BOB""#, &docs), [0, 1]);
    assert_eq!(events(r#"any where user : "B*""#, &docs), [0, 1]);
    assert_eq!(events(r#"any where user like "B*""#, &docs), [0]);
    assert_eq!(events(r#"any where user like~ "B*""#, &docs), [0, 1]);
    assert_eq!(events(r#"any where user in~ ("BOB")"#, &docs), [0, 1]);
    assert_eq!(events(r#"any where user regex "[A-Z]ob""#, &docs), [0]);
    assert_eq!(
        events(r#"any where startsWith~(user, "BO")"#, &docs),
        [0, 1]
    );
    // `==` has no wildcards: the `*` is a literal character.
    assert_eq!(
        events(r#"any where user == "B*""#, &docs),
        Vec::<usize>::new()
    );
}

#[test]
fn categories_come_from_event_category_and_any_matches_documents_without_one() {
    let docs = [
        at(0.0, json!({"event": {"category": "file"}})),
        at(1.0, json!({})),
        json!({"@timestamp": 2000, "x": 1}),
    ];
    assert_eq!(events("file where true", &docs), [0]);
    assert_eq!(events("process where true", &docs), [1]);
    assert_eq!(events("any where true", &docs), [0, 1, 2]);
}

#[test]
fn events_are_ordered_by_timestamp_then_tiebreaker_then_input_order() {
    // Input order 0, 1, 2, 3 at seconds 5, 1, 1, (none): 1 and 2 tie on time; the document
    // without a timestamp is not an event.
    let docs = [
        at(5.0, json!({"seq": 1})),
        at(1.0, json!({"seq": 9})),
        at(1.0, json!({"seq": 3})),
        json!({"seq": 0}),
    ];
    assert_eq!(events("any where true", &docs), [1, 2, 0]);
    let settings = Settings {
        tiebreaker_field: Some("seq".into()),
        ..Settings::default()
    };
    let Outcome::Events(by_tiebreaker) = run_with("any where true", &docs, settings) else {
        panic!()
    };
    assert_eq!(by_tiebreaker, [2, 1, 0]);
}

#[test]
fn size_head_and_tail_cut_the_results() {
    let docs: Vec<Value> = (0..5).map(|i| at(f64::from(i), json!({}))).collect();
    let small = Settings {
        size: 2,
        ..Settings::default()
    };
    let cut = |q: &str, s: Settings| match run_with(q, &docs, s) {
        Outcome::Events(e) => e,
        other => panic!("{other:?}"),
    };
    assert_eq!(cut("any where true", small.clone()), [0, 1]);
    assert_eq!(cut("any where true | tail 3", small.clone()), [3, 4]);
    assert_eq!(
        cut("any where true | head 4 | tail 3", Settings::default()),
        [1, 2, 3]
    );
}

const SEQ: &str = "sequence by k with maxspan=10s [any where s == 1] [any where s == 2]";

#[test]
fn maxspan_includes_its_boundary_and_excludes_one_millisecond_more() {
    let docs = [
        at(0.0, json!({"k": "a", "s": 1})),
        at(10.0, json!({"k": "a", "s": 2})), // 10 000 ms after its start: kept
        at(20.0, json!({"k": "b", "s": 1})),
        at(30.001, json!({"k": "b", "s": 2})), // 10 001 ms: rejected
    ];
    assert_eq!(sequences(SEQ, &docs), [vec![0, 1]]);
}

#[test]
fn the_join_key_must_agree_and_steps_must_come_in_order() {
    let docs = [
        at(0.0, json!({"k": "a", "s": 1})),
        at(1.0, json!({"k": "b", "s": 2})), // other key: no sequence for a or b
        at(2.0, json!({"k": "c", "s": 2})), // step 2 before step 1 of c
        at(3.0, json!({"k": "c", "s": 1})),
    ];
    assert!(sequences(SEQ, &docs).is_empty());
}

#[test]
fn the_latest_pending_sequence_advances_and_earlier_ones_are_dropped() {
    // a1 and a2 start sequences of key x; b1 takes the latest before it (a2) and drops a1
    // (`trimBefore`), so b2 finds nothing pending: one sequence, [a2, b1].
    let docs = [
        at(0.0, json!({"k": "x", "s": 1})),
        at(1.0, json!({"k": "x", "s": 1})),
        at(2.0, json!({"k": "x", "s": 2})),
        at(3.0, json!({"k": "x", "s": 2})),
    ];
    assert_eq!(sequences(SEQ, &docs), [vec![1, 2]]);
}

#[test]
fn until_cancels_a_pending_sequence_of_its_key_only() {
    let q = "sequence by k [any where s == 1] [any where s == 2] until [any where s == 9]";
    let docs = [
        at(0.0, json!({"k": "x", "s": 1})),
        at(1.0, json!({"k": "x", "s": 9})), // until for x between its steps: x never completes
        at(2.0, json!({"k": "x", "s": 2})),
        at(3.0, json!({"k": "y", "s": 1})),
        at(4.0, json!({"k": "x", "s": 9})), // until for x: does not touch y
        at(5.0, json!({"k": "y", "s": 2})),
        at(6.0, json!({"k": "y", "s": 9})), // after y completed: no effect
    ];
    assert_eq!(sequences(q, &docs), [vec![3, 5]]);
}

#[test]
fn runs_repeats_a_step_and_the_latest_chain_wins() {
    // Stages [s==1, s==1, s==2]. a1: stage 0 → (a1). a2: stage 1 takes (a1) → (a1,a2); stage 0
    // → (a2). a3: stage 1 takes (a2) → (a2,a3) after (a1,a2); stage 0 → (a3). b: stage 2 takes
    // the latest of stage 1, (a2,a3), and drops (a1,a2).
    let q = "sequence by k [any where s == 1] with runs=2 [any where s == 2]";
    let docs = [
        at(0.0, json!({"k": "x", "s": 1})),
        at(1.0, json!({"k": "x", "s": 1})),
        at(2.0, json!({"k": "x", "s": 1})),
        at(3.0, json!({"k": "x", "s": 2})),
    ];
    assert_eq!(sequences(q, &docs), [vec![1, 2, 3]]);
}

#[test]
fn a_missing_event_between_the_steps_of_the_same_key_breaks_the_sequence() {
    let q =
        "sequence by k with maxspan=1m [any where s == 1] ![any where s == 5] [any where s == 2]";
    let docs = [
        at(0.0, json!({"k": "x", "s": 1})),
        at(1.0, json!({"k": "x", "s": 5})), // x: the missing event occurs → no sequence
        at(2.0, json!({"k": "x", "s": 2})),
        at(3.0, json!({"k": "y", "s": 1})),
        at(4.0, json!({"k": "z", "s": 5})), // other key: y is unaffected
        at(5.0, json!({"k": "y", "s": 2})),
    ];
    assert_eq!(sequences(q, &docs), [vec![3, 5]]);
    // A trailing missing event counts within maxspan of the first event only.
    let q =
        "sequence by k with maxspan=10s [any where s == 1] [any where s == 2] ![any where s == 5]";
    let docs = [
        at(0.0, json!({"k": "x", "s": 1})),
        at(1.0, json!({"k": "x", "s": 2})),
        at(10.0, json!({"k": "x", "s": 5})), // 10 s after the first: breaks x
        at(20.0, json!({"k": "y", "s": 1})),
        at(21.0, json!({"k": "y", "s": 2})),
        at(30.001, json!({"k": "y", "s": 5})), // beyond maxspan of y's first event: y stands
    ];
    assert_eq!(sequences(q, &docs), [vec![3, 4]]);
}

#[test]
fn multivalued_join_keys_join_on_each_value() {
    // Doc 0 has keys x and y; doc 1 only y: one sequence, key y. Docs 2 and 3 both have
    // [p, q]: two sequences with the same documents, keys p and q (PR #89965).
    let q = "sequence by h [any where s == 1] [any where s == 2]";
    let docs = [
        at(0.0, json!({"h": ["x", "y"], "s": 1})),
        at(1.0, json!({"h": "y", "s": 2})),
        at(2.0, json!({"h": ["p", "q"], "s": 1})),
        at(3.0, json!({"h": ["p", "q"], "s": 2})),
    ];
    let Outcome::Sequences(found) = run(q, &docs) else {
        panic!()
    };
    let keys: Vec<(Vec<Option<String>>, Vec<usize>)> = found
        .into_iter()
        .map(|Matched { key, docs }| (key, docs))
        .collect();
    assert_eq!(
        keys,
        [
            (vec![Some("\"y\"".into())], vec![0, 1]),
            (vec![Some("\"p\"".into())], vec![2, 3]),
            (vec![Some("\"q\"".into())], vec![2, 3]),
        ]
    );
}

#[test]
fn null_join_keys_join_only_on_optional_fields() {
    let docs = [at(0.0, json!({"s": 1})), at(1.0, json!({"s": 2}))];
    assert!(sequences("sequence by h [any where s == 1] [any where s == 2]", &docs).is_empty());
    assert_eq!(
        sequences(
            "sequence by ?h [any where s == 1] [any where s == 2]",
            &docs
        ),
        [vec![0, 1]]
    );
}

#[test]
fn per_query_keys_join_different_fields() {
    // The cross-platform rules join `orchestrator.resource.name` with the pod-name field.
    let q = "sequence with maxspan=1s [process where p == 1] by pod [any where q == 1] by podname";
    let docs = [
        at(0.0, json!({"pod": "web-1", "p": 1})),
        at(
            0.5,
            json!({"podname": "web-1", "q": 1, "event": {"category": "x"}}),
        ),
        at(3.0, json!({"pod": "web-2", "p": 1})),
        at(4.5, json!({"podname": "web-2", "q": 1})), // 1.5 s later: beyond maxspan
    ];
    assert_eq!(sequences(q, &docs), [vec![0, 1]]);
}

#[test]
fn samples_take_one_event_per_query_per_key() {
    let q = "sample by h [any where s == 1] [any where s == 2]";
    let docs = [
        at(5.0, json!({"h": "b", "s": 2})),
        at(1.0, json!({"h": "b", "s": 1})),
        at(0.0, json!({"h": "a", "s": 1})),
    ];
    // Key a has no s == 2; key b: the first s == 1 (doc 1) and the first s == 2 (doc 0).
    let Outcome::Samples(found) = run(q, &docs) else {
        panic!()
    };
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].docs, [1, 0]);
}

#[test]
fn the_reference_sequence_rule_over_hand_written_audit_events() {
    // privilege_escalation_sensitive_rbac_change_followed_by_workload_modification: a role
    // change then a workload change by the same user.name within 5 minutes. Hand derivation:
    // alice: role patch at 0 s, deployment create at 240 s → sequence [0, 1];
    // bob: role patch at 0 s, deployment patch at 301 s → beyond maxspan;
    // carol: same steps but her groups include system:masters → the second step fails.
    let text = std::fs::read_to_string(crate::support::shared_path(
        "reference/detection-rules-k8s/rules/integrations/kubernetes/privilege_escalation_sensitive_rbac_change_followed_by_workload_modification.toml",
    ))
    .unwrap();
    let loaded = rulegate::rule::load_str("r.toml", &text).unwrap();
    let query = loaded.rule.data.query.clone().unwrap();
    let audit = |t: f64, user: &str, resource: &str, verb: &str, groups: &[&str]| {
        at(
            t,
            json!({
                "user": {"name": user},
                "data_stream": {"dataset": "kubernetes.audit_logs"},
                "kubernetes": {"audit": {
                    "verb": verb,
                    "objectRef": {"resource": resource},
                    "user": {"groups": groups},
                    "annotations": {"authorization_k8s_io/decision": "allow"}
                }}
            }),
        )
    };
    let docs = [
        audit(0.0, "alice", "roles", "patch", &["dev"]),
        audit(240.0, "alice", "deployments", "create", &["dev"]),
        audit(0.0, "bob", "clusterroles", "create", &[]),
        audit(301.0, "bob", "deployments", "patch", &[]),
        audit(10.0, "carol", "roles", "update", &["system:masters", "x"]),
        audit(
            20.0,
            "carol",
            "daemonsets",
            "create",
            &["system:masters", "x"],
        ),
    ];
    assert_eq!(sequences(&query, &docs), [vec![0, 1]]);
}

#[test]
fn an_invalid_regex_is_a_diagnostic_on_the_pattern() {
    let q = parse(r#"any where a regex "[a-""#).unwrap();
    let error = Engine::compile(&q, Settings::default(), &[]).unwrap_err();
    assert_eq!(error.code, "E370");
}

#[test]
fn multivalued_keys_are_bounded() {
    let many: Vec<String> = (0..20).map(|i| format!("v{i}")).collect();
    let q = parse("sequence by a, b [any where true] [any where true]").unwrap();
    let docs = [at(0.0, json!({"a": many, "b": many}))];
    let settings = Settings::default();
    let selection = FieldSelection::names(fields_to_load(&q, &settings));
    let store = Documents::from_values(&docs, &selection, LoadOptions::default()).unwrap();
    let engine = Engine::compile(&q, settings, &store.columns).unwrap();
    assert_eq!(engine.run(&store, &[0]).unwrap_err().code, "E371");
}

#[test]
fn hand_built_trees_the_parser_would_refuse_do_not_panic() {
    use rulegate::eql::ast::*;
    use rulegate::span::Span;
    // `add(a)`: one argument short (mutation tools build trees without the parser).
    let mut q = parse("any where add(a, 1) == 2").unwrap();
    let Body::Event(filter) = &mut q.body else {
        panic!()
    };
    let ExprKind::Compare(_, left, _) = &mut filter.condition.kind else {
        panic!()
    };
    let ExprKind::Call(call) = &mut left.kind else {
        panic!()
    };
    call.args.truncate(1);
    let docs = [at(0.0, json!({"a": 1}))];
    let selection = FieldSelection::names(fields_to_load(&q, &Settings::default()));
    let store = Documents::from_values(&docs, &selection, LoadOptions::default()).unwrap();
    let engine = Engine::compile(&q, Settings::default(), &store.columns).unwrap();
    assert_eq!(
        engine.run(&store, &[0]).unwrap(),
        Outcome::Events(Vec::new())
    );
    // A sequence whose every step is a missing event.
    let mut q = parse("sequence with maxspan=1m [any where true] ![any where true]").unwrap();
    let Body::Sequence(seq) = &mut q.body else {
        panic!()
    };
    seq.terms[0].missing = true;
    seq.span = Span::default();
    let engine = Engine::compile(&q, Settings::default(), &store.columns).unwrap();
    assert_eq!(
        engine.run(&store, &[0]).unwrap(),
        Outcome::Sequences(Vec::new())
    );
}

// ---- the EQL rule type under the one runner and scheduler ----

mod rule_type {
    use super::*;
    use rulegate::eql::rule_type::{BUILDING_BLOCK_TYPE, GROUP_ID, GROUP_INDEX};
    use rulegate::runner::{run_rule, DocumentSet, PreparedRule};
    use rulegate::schedule::{Replay, Timestamp};

    /// An EQL rule running every minute, looking back two: consecutive windows overlap by one
    /// minute. Executions at 60 s (window -60..60 s), 120 s (0..120 s), 180 s (60..180 s), ….
    fn replay_docs(query: &str, docs: &[Value], max_signals: usize) -> Replay {
        let text = format!(
            "[metadata]\ncreation_date = \"2024/01/01\"\nupdated_date = \"2024/01/01\"\nmaturity = \"production\"\n\n\
             [rule]\nauthor = [\"x\"]\ndescription = \"d\"\nlanguage = \"eql\"\nlicense = \"Elastic License v2\"\n\
             name = \"n\"\nrisk_score = 21\nrule_id = \"00000000-0000-4000-8000-000000000001\"\nseverity = \"low\"\ntype = \"eql\"\n\
             interval = \"1m\"\nfrom = \"now-2m\"\nmax_signals = {max_signals}\nquery = \'\'\'\n{query}\n\'\'\'\n"
        );
        let loaded = rulegate::rule::load_str("r.toml", &text).unwrap_or_else(|e| panic!("{e:?}"));
        let rule = PreparedRule::from_loaded(std::path::Path::new("r.toml"), loaded).unwrap();
        let set = DocumentSet::from_values(docs).unwrap();
        run_rule(&rule, &set, Some(Timestamp(60_000)), &mut |_, _, _| {})
            .unwrap()
            .replay
    }

    #[test]
    fn an_event_read_by_two_overlapping_windows_is_one_alert() {
        // The event at 30 s is in the windows of the executions at 60 s and 120 s.
        let docs = [at(30.0, json!({"a": 1}))];
        let run = replay_docs("any where a == 1", &docs, 100);
        assert_eq!(run.alerts.len(), 1);
        assert_eq!(run.executions[0].alerts, 1);
        assert_eq!(run.executions[1].deduplicated, 1);
        assert_eq!(run.alerts[0].fields.get("a"), Some(&json!(1)));
    }

    #[test]
    fn a_sequence_is_one_shell_alert_and_one_building_block_per_event() {
        let docs = [
            at(10.0, json!({"k": "x", "s": 1})),
            at(20.0, json!({"k": "x", "s": 2})),
        ];
        let run = replay_docs(
            "sequence by k with maxspan=1m [any where s == 1] [any where s == 2]",
            &docs,
            100,
        );
        // Found by the executions at 60 s and 120 s: created once (3 alerts), then all three
        // rows deduplicated.
        assert_eq!(run.alerts.len(), 3);
        assert_eq!(run.executions[1].deduplicated, 3);
        let shell = &run.alerts[0];
        let group = shell.fields.get(GROUP_ID).cloned().expect("group id");
        assert_eq!(shell.fields.get("_id"), Some(&group));
        assert_eq!(shell.fields.get(BUILDING_BLOCK_TYPE), Some(&Value::Null));
        // The shell keeps what both events share: k, not s.
        assert_eq!(shell.fields.get("k"), Some(&json!("x")));
        assert_eq!(shell.fields.get("s"), Some(&Value::Null));
        for (i, block) in run.alerts[1..].iter().enumerate() {
            assert_eq!(block.fields.get(GROUP_ID), Some(&group));
            assert_eq!(block.fields.get(GROUP_INDEX), Some(&json!(i)));
            assert_eq!(
                block.fields.get(BUILDING_BLOCK_TYPE),
                Some(&json!("default"))
            );
            assert_eq!(block.fields.get("s"), Some(&json!(i + 1)));
        }
    }

    #[test]
    fn max_signals_bounds_the_sequences_of_an_execution_not_their_alerts() {
        // Three keys each complete a sequence inside the first window (-60 s..60 s); with
        // max_signals 2 the search returns the first two by first event (a, b): 2 × 3 alerts,
        // more than max_signals, as Kibana's EQL executor creates them. The next window
        // (0..120 s) holds all three again, and the search again returns a and b, now
        // deduplicated: c's sequence is never returned, as in Kibana.
        let docs: Vec<Value> = ["a", "b", "c"]
            .iter()
            .enumerate()
            .flat_map(|(i, k)| {
                let t = 10.0 * i as f64;
                [
                    at(t, json!({"k": k, "s": 1})),
                    at(t + 1.0, json!({"k": k, "s": 2})),
                ]
            })
            .collect();
        let run = replay_docs(
            "sequence by k [any where s == 1] [any where s == 2]",
            &docs,
            2,
        );
        assert_eq!(run.executions[0].rows, 6);
        assert_eq!(run.executions[0].alerts, 6);
        assert_eq!(run.executions[1].deduplicated, 6);
        assert_eq!(run.alerts.len(), 6);
        assert!(run
            .alerts
            .iter()
            .all(|a| a.fields.get("k") != Some(&json!("c"))));
    }
}

// ---- the command line on EQL rules ----

mod cli {
    use super::*;
    use crate::support::{repo_path, rulegate, success_stdout};

    const RBAC: &str =
        "rules/eql/privilege_escalation_sensitive_rbac_change_followed_by_workload_modification.toml";

    #[test]
    fn replay_runs_an_eql_sequence_rule_over_ndjson() {
        // alice patches a role at 10:00:10 and creates a deployment at 10:02:10 (inside the
        // 5-minute maxspan): one sequence, so a shell alert and two building blocks.
        let audit = |t: &str, verb: &str, resource: &str| {
            json!({
                "@timestamp": t, "event.ingested": t,
                "user": {"name": "alice"},
                "data_stream": {"dataset": "kubernetes.audit_logs", "type": "logs", "namespace": "default"},
                "kubernetes": {"audit": {"verb": verb, "objectRef": {"resource": resource},
                    "annotations": {"authorization_k8s_io/decision": "allow"}}}
            })
            .to_string()
        };
        let dir = crate::support::scratch("eql-replay");
        let input = dir.join("audit.ndjson");
        let lines = [
            audit("2026-05-01T10:00:10Z", "patch", "roles"),
            audit("2026-05-01T10:02:10Z", "create", "deployments"),
        ];
        std::fs::write(&input, lines.join("\n") + "\n").unwrap();
        let stdout = success_stdout(
            rulegate()
                .args(["replay", RBAC, "--input"])
                .arg(&input)
                .args(["--first-run", "2026-05-01T10:05:00Z"]),
        );
        let report: Value = serde_json::from_slice(&stdout).unwrap();
        let alerts = report["alerts"].as_array().expect("alerts");
        assert_eq!(alerts.len(), 3, "{report:#}");
        let blocks = alerts
            .iter()
            .filter(|a| a["fields"]["kibana.alert.building_block_type"] == json!("default"))
            .count();
        assert_eq!(blocks, 2);
    }

    #[test]
    fn explain_reports_an_eql_rule_by_its_steps() {
        // Explain used to refuse EQL rules (E703); it now names each document's step.
        let stdout = success_stdout(rulegate().args([
            "explain",
            "scenarios/eql/attack_rbac_change_then_workload.toml",
            "--format",
            "json",
        ]));
        let fates: Value = serde_json::from_slice(&stdout).unwrap();
        let outcomes: Vec<&Value> = fates
            .as_array()
            .unwrap()
            .iter()
            .map(|f| &f["steps"][0]["outcome"])
            .collect();
        assert_eq!(
            outcomes,
            [&json!("started"), &json!("completed")],
            "{fates:#}"
        );
        assert!(repo_path(RBAC).exists());
    }
}

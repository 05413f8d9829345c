//! `rulegate edges` on the four Defend for Containers rules: the container side written as a
//! generic event step, the audit side as a Kubernetes step of the pod's service account, joined
//! on the pod name; the generated scenarios (snapshots, committed copies current, passing
//! `check`), the sub-second `maxspan` edges measured on the documents, the join-key table, and
//! `E711` for data the DSL cannot write.

use std::path::Path;

use rulegate::edges::eql::{writer, Slot, Source, Writer, STREAMS};
use serde_json::Value;

use crate::eql_edges::alerts_of;
use crate::support::{repo_path, rulegate};

const RULES: [&str; 4] = [
    "execution_d4c_k8s_mda_direct_interactive_kubernetes_api_request_by_usual_utilities",
    "execution_d4c_k8s_mda_forbidden_direct_interactive_kubernetes_api_request",
    "execution_d4c_k8s_mda_kubernetes_api_activity_by_unusual_utilities",
    "execution_d4c_k8s_mda_service_account_token_access_followed_by_kubernetes_api_request",
];

const POD_NAME: &str = "kubernetes.audit.user.extra.authentication.kubernetes.io/pod-name";

/// The scenarios `rulegate edges rules/cross-platform --write scenarios/d4c/edges` writes.
fn bundled(stem: &str) -> Vec<rulegate::edges::EdgeScenario> {
    crate::eql_edges::bundled_in("rules/cross-platform", stem)
}

fn find<'s>(scenarios: &'s [rulegate::edges::EdgeScenario], name: &str) -> &'s str {
    &scenarios
        .iter()
        .find(|s| s.file_name == name)
        .unwrap_or_else(|| panic!("{name} missing"))
        .text
}

/// The documents the DSL generates for a scenario's text.
fn documents(text: &str) -> Vec<Value> {
    let personas = rulegate::scenario::builtin_personas();
    let scenario = rulegate::scenario::load_str(Path::new("edge.toml"), text, &personas).unwrap();
    rulegate::scenario::generate(&scenario, None).collect()
}

fn millis(doc: &Value) -> i64 {
    rulegate::schedule::Timestamp::parse(doc["@timestamp"].as_str().unwrap())
        .unwrap()
        .millis()
}

#[test]
fn the_d4c_rules_edges_match_their_snapshots_and_the_committed_files() {
    for stem in RULES {
        let scenarios = bundled(stem);
        assert!(scenarios.len() >= 10, "{stem}: {}", scenarios.len());
        crate::eql_edges::assert_snapshot_and_committed(
            stem,
            &scenarios,
            "rules/cross-platform",
            "scenarios/d4c/edges",
        );
    }
}

#[test]
fn one_second_rules_get_half_second_offsets_and_the_bound_is_inclusive() {
    for stem in &RULES[..3] {
        let scenarios = bundled(stem);
        let alerts = |name: &str| alerts_of(find(&scenarios, name));
        // A shell alert and two building blocks; `delta > maxspan` rejects, equal is kept.
        assert_eq!(alerts("sequence-maxspan-inside.toml"), 3, "{stem}");
        assert_eq!(alerts("sequence-maxspan-at.toml"), 3, "{stem}");
        assert_eq!(alerts("sequence-maxspan-outside.toml"), 0, "{stem}");
        assert_eq!(alerts("sequence-key-differs-step-1.toml"), 0, "{stem}");
        assert_eq!(alerts("sequence-key-differs-step-2.toml"), 0, "{stem}");
        assert_eq!(alerts("sequence-out-of-order.toml"), 0, "{stem}");
        // The generated documents: the process event, then the audit document exactly 0.5 s,
        // 1 s and 1.5 s later (the request received earlier by its own latency).
        for (name, gap) in [
            ("sequence-maxspan-inside.toml", 500),
            ("sequence-maxspan-at.toml", 1000),
            ("sequence-maxspan-outside.toml", 1500),
        ] {
            let docs = documents(find(&scenarios, name));
            assert_eq!(docs.len(), 2, "{stem}/{name}");
            assert_eq!(docs[0]["data_stream"]["dataset"], "cloud_defend.process");
            assert_eq!(docs[1]["data_stream"]["dataset"], "kubernetes.audit_logs");
            assert_eq!(millis(&docs[1]) - millis(&docs[0]), gap, "{stem}/{name}");
        }
    }
    let token = bundled(RULES[3]);
    assert!(
        find(&token, "sequence-maxspan-inside.toml").contains("one second inside maxspan (59s)")
    );
    assert_eq!(alerts_of(find(&token, "sequence-maxspan-at.toml")), 3);
    assert_eq!(alerts_of(find(&token, "sequence-maxspan-outside.toml")), 0);
}

#[test]
fn both_sides_carry_the_pod_name_where_the_dsl_writes_it() {
    let scenarios = bundled(RULES[3]);
    let docs = documents(find(&scenarios, "sequence-maxspan-at.toml"));
    let file = &docs[0];
    assert_eq!(file["event"]["category"], serde_json::json!(["file"]));
    assert_eq!(file["orchestrator"]["resource"]["name"], "edge-key-1");
    assert_eq!(
        file["file"]["path"],
        "/var/run/secrets/kubernetes.io/serviceaccount/token"
    );
    assert_eq!(file["file"]["name"], "token");
    let audit = &docs[1]["kubernetes"]["audit"]["user"]["extra"];
    assert_eq!(
        audit["authentication.kubernetes.io/pod-name"],
        serde_json::json!(["edge-key-1"])
    );
    // Step 1 differing: the container's pod is another one.
    let differs = documents(find(&scenarios, "sequence-key-differs-step-1.toml"));
    assert_eq!(differs[0]["orchestrator"]["resource"]["name"], "edge-key-2");
    assert_eq!(
        differs[1]["kubernetes"]["audit"]["user"]["extra"]["authentication.kubernetes.io/pod-name"],
        serde_json::json!(["edge-key-1"])
    );
}

#[test]
fn the_join_key_table_says_which_setting_writes_each_by_field() {
    let process = &STREAMS[0];
    let on_process = |field: &str| Slot::in_source(field, Source::Event(process)).map(writer);
    assert_eq!(
        on_process("orchestrator.resource.name"),
        Some(Writer::Identity("orchestrator.resource.name"))
    );
    assert_eq!(
        on_process("container.id"),
        Some(Writer::Identity("container.id"))
    );
    assert_eq!(on_process("process.name"), Some(Writer::Step));
    assert_eq!(on_process("kubernetes.audit.verb"), None);
    let on_audit = |field: &str| Slot::in_source(field, Source::Audit).map(writer);
    assert_eq!(
        on_audit(POD_NAME),
        Some(Writer::Extra("authentication.kubernetes.io/pod-name"))
    );
    assert_eq!(on_audit("user.name"), Some(Writer::Username));
    assert_eq!(
        on_audit("kubernetes.audit.user.groups"),
        Some(Writer::Groups)
    );
    assert_eq!(on_audit("kubernetes.audit.verb"), Some(Writer::Step));
    assert_eq!(on_audit("kubernetes.audit.user.extra.made-up/claim"), None);
    assert_eq!(on_audit("orchestrator.resource.name"), None);
}

#[test]
fn value_edges_try_each_condition_of_the_container_step() {
    let scenarios = bundled(RULES[0]);
    let conditions = find(&scenarios, "values-query-1-conditions.toml");
    for line in [
        "process.interactive = `false`: the other boolean → no sequence",
        "container.id = missing: the field missing → no sequence",
        "process.name = `Curl`: the case changed (`==`/`in` compare case-sensitively) → no sequence",
        "process.name = `busybox`: `busybox` as listed → completes",
    ] {
        assert!(conditions.contains(line), "{line}");
    }
    // Integration-fixed values are not written: `host.os.type` is `linux` on every event.
    assert!(!conditions.contains("host.os.type = `Linux`"));
    // The shell-helper exclusion: a shell asked `which wget` is excluded, `Which` is not.
    let exclusions = find(&scenarios, "values-query-1-exclusions.toml");
    assert!(exclusions.contains("process.args = `which`: `which` as listed → no sequence"));
    assert!(exclusions.contains(
        "process.args = `Which`: the case changed (`==`/`in` compare case-sensitively) → completes"
    ));
    assert!(exclusions.contains("\"process.args\" = [\"bash\", \"which\", \"wget\"]"));
}

#[test]
fn late_ingested_sequences_are_read_on_the_look_back_bound_only() {
    for stem in RULES {
        let scenarios = bundled(stem);
        let inside = find(&scenarios, "schedule-late-ingest-lookback-inside.toml");
        let outside = find(&scenarios, "schedule-late-ingest-lookback-outside.toml");
        assert_eq!(alerts_of(inside), 3, "{stem}");
        assert_eq!(alerts_of(outside), 0, "{stem}");
        assert!(
            inside.contains("ingest_lag = \"300s\"\nhistory = true"),
            "{stem}"
        );
    }
}

#[test]
fn bundled_d4c_edges_pass_check_as_written() {
    let dir = crate::support::scratch("d4c-edges");
    let output = rulegate()
        .current_dir(repo_path(""))
        .args(["check", "--rules", "rules/cross-platform", "--scenarios"])
        .arg("scenarios/d4c/edges")
        .arg("--snapshots")
        .arg(&dir)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains(" 0 with failed expectations"), "{text}");
    assert!(!text.contains("EXPECTATION FAILED"), "{text}");
    assert!(text.contains("4 selected, 4 passed the gate"), "{text}");
}

/// A D4C rule's text with one substitution.
fn edges_of_variant(name: &str, from: &str, to: &str) -> (i32, String) {
    let dir = crate::support::scratch(&format!("d4c-e711-{name}"));
    let text = std::fs::read_to_string(repo_path(&format!(
        "rules/cross-platform/{}.toml",
        RULES[0]
    )))
    .unwrap();
    assert!(text.contains(from));
    let path = dir.join("rule.toml");
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
    let output = rulegate().arg("edges").arg(&path).output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn edges_still_refuse_data_the_dsl_cannot_write() {
    // A rule over a data stream the DSL has no document shape for.
    let (code, stderr) = edges_of_variant(
        "index",
        "index = [\"logs-cloud_defend.process*\", \"logs-kubernetes.audit_logs-*\"]",
        "index = [\"logs-made_up.telemetry-*\"]",
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("error[E711]: cannot derive edge scenarios: the rule reads `logs-made_up.telemetry-*`, and rulegate's edge scenarios write `logs-kubernetes.audit_logs-default`, `logs-cloud_defend.process-default`, `logs-cloud_defend.file-default` only"),
        "{stderr}"
    );
    // An event category no stream the rule reads has.
    let (code, stderr) = edges_of_variant("category", "[process where", "[network where");
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("error[E711]: cannot derive edge scenarios: the query reads `network` events, and the scenario DSL writes no data stream of that category the rule reads"),
        "{stderr}"
    );
    // A join key the container side does not carry.
    let (code, stderr) = edges_of_variant(
        "key",
        "] by orchestrator.resource.name",
        "] by host.hostname",
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("the join key `host.hostname` is no field the scenario DSL writes on a `process` event of `cloud_defend.process` (its fields: `container.id`, `orchestrator.resource.name`"),
        "{stderr}"
    );
}

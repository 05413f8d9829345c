//! The cross-platform Defend for Containers rules (`rules/cross-platform/execution_d4c_k8s_*`):
//! they load, parse and `inspect`; the `cloud_defend` field tables resolve their index patterns;
//! and over `scenarios/d4c/` each rule forms exactly the sequences derived by hand from the
//! scenario's documents (which process or file event joins which audit event).

use std::collections::BTreeMap;
use std::path::Path;

use rulegate::document::{Catalog, Type};
use rulegate::eql::ast::{Body, TimeUnit};
use rulegate::rule::QueryStatus;
use rulegate::runner::{run_scenario, RuleSource};
use serde_json::Value;

use crate::support::{repo_path, rulegate, success_stdout};

const USUAL: &str =
    "execution_d4c_k8s_mda_direct_interactive_kubernetes_api_request_by_usual_utilities.toml";
const FORBIDDEN: &str =
    "execution_d4c_k8s_mda_forbidden_direct_interactive_kubernetes_api_request.toml";
const UNUSUAL: &str = "execution_d4c_k8s_mda_kubernetes_api_activity_by_unusual_utilities.toml";
const TOKEN: &str =
    "execution_d4c_k8s_mda_service_account_token_access_followed_by_kubernetes_api_request.toml";

const POD_NAME: &str = "kubernetes.audit.user.extra.authentication.kubernetes.io/pod-name";

#[test]
fn the_four_rules_are_the_reference_files_and_parse_as_two_step_sequences() {
    // (rule, first step's category, maxspan in seconds, index patterns)
    let expected = [
        (USUAL, "process", 1, "logs-cloud_defend.process*"),
        (FORBIDDEN, "process", 1, "logs-cloud_defend.process*"),
        (UNUSUAL, "process", 1, "logs-cloud_defend.process*"),
        (TOKEN, "file", 60, "logs-cloud_defend.file*"),
    ];
    for (file, category, seconds, pattern) in expected {
        let ours = std::fs::read(repo_path(&format!("rules/cross-platform/{file}"))).unwrap();
        let reference = std::fs::read(crate::support::shared_path(&format!(
            "reference/detection-rules-k8s/rules/cross-platform/{file}"
        )))
        .unwrap();
        assert_eq!(ours, reference, "{file} is copied byte for byte");
        let loaded = rulegate::rule::load_str(file, &String::from_utf8(ours).unwrap())
            .unwrap_or_else(|d| panic!("{file}: {}", d[0].message));
        assert_eq!(loaded.rule.data.rule_type, "eql");
        assert_eq!(
            loaded.rule.data.index.clone().unwrap(),
            [pattern, "logs-kubernetes.audit_logs-*"]
        );
        assert_eq!(
            loaded.rule.data.timestamp_override.as_deref(),
            Some("event.ingested")
        );
        let QueryStatus::Eql { query, .. } = &loaded.query else {
            panic!("{file}: not an EQL query");
        };
        let Body::Sequence(sequence) = &query.body else {
            panic!("{file}: not a sequence");
        };
        let maxspan = sequence.maxspan.as_ref().unwrap();
        assert_eq!((maxspan.amount, maxspan.unit), (seconds, TimeUnit::Seconds));
        assert_eq!(sequence.terms.len(), 2);
        assert!(sequence.by.is_empty(), "per-query keys only");
        let first = rulegate::eql::print::print_filter(&sequence.terms[0].filter);
        assert!(first.starts_with(category), "{first}");
        let keys: Vec<String> = (sequence.terms.iter())
            .map(|t| rulegate::eql::print::print_expr(&t.by[0]))
            .collect();
        assert_eq!(
            keys,
            ["orchestrator.resource.name", &format!("`{POD_NAME}`")]
        );
    }
}

#[test]
fn inspect_takes_the_cross_platform_folder() {
    let out = success_stdout(rulegate().args(["inspect", "rules/cross-platform"]));
    let text = String::from_utf8_lossy(&out);
    for name in [
        "Direct Interactive Kubernetes API Request by Common Utilities",
        "Forbidden Direct Interactive Kubernetes API Request",
        "Service Account Token or Certificate Access Followed by Kubernetes API Request",
    ] {
        assert!(text.contains(name), "inspect names {name}: {text}");
    }
}

#[test]
fn the_cloud_defend_tables_declare_the_data_streams_own_fields_only() {
    let catalog = Catalog::shipped().unwrap();
    let stream = |dataset: &str| {
        (catalog.streams.iter())
            .find(|s| s.dataset == dataset)
            .unwrap_or_else(|| panic!("{dataset} is shipped"))
            .clone()
    };
    let process = stream("cloud_defend.process");
    let file = stream("cloud_defend.file");
    assert_eq!(process.declared["cloud_defend.hook_point"], "keyword");
    assert_eq!(
        process.declared["cloud_defend.package_policy_revision"],
        "short"
    );
    assert_eq!(file.declared["cloud_defend.trace_point"], "keyword");
    assert!(!process.declared.contains_key("cloud_defend.trace_point"));
    assert!(!file.declared.contains_key("cloud_defend.hook_point"));
    // `flattened` is declared, and ES|QL reads it as one column of that type.
    assert_eq!(process.declared["orchestrator.resource.label"], "flattened");
    assert_eq!(
        process.mapping().get("orchestrator.resource.label"),
        Some(Type::Flattened)
    );
    // ECS fields come from the imported ECS dynamic templates: not declared.
    assert!(!process.declared.contains_key("process.interactive"));
    // Fleet's global component template: the rules' `timestamp_override` field is a date.
    assert_eq!(process.declared["event.ingested"], "date");
    assert_eq!(file.declared["event.ingested"], "date");
    // The rules' patterns (no dash before the `*`) match the data streams' indices.
    for (pattern, index) in [
        (
            "logs-cloud_defend.process*",
            "logs-cloud_defend.process-default",
        ),
        ("logs-cloud_defend.file*", "logs-cloud_defend.file-default"),
    ] {
        assert!(rulegate::document::index_matches(pattern, index));
    }
}

#[test]
fn from_a_cloud_defend_stream_knows_its_declared_fields_and_an_absent_stream_is_unknown() {
    let dir = crate::support::scratch("d4c");
    let input = dir.join("process.ndjson");
    // One process event without any `cloud_defend.*` field.
    std::fs::write(
        &input,
        r#"{"@timestamp":"2026-05-01T10:02:00.000Z","data_stream":{"type":"logs","dataset":"cloud_defend.process","namespace":"default"},"event":{"action":"exec"},"process":{"name":"curl"}}"#,
    )
    .unwrap();
    let query = |esql: &str| {
        rulegate()
            .args(["query", "--format", "csv", "--esql", esql, "--input"])
            .arg(&input)
            .output()
            .unwrap()
    };
    let out = query(
        "FROM logs-cloud_defend.process-* | KEEP process.name, cloud_defend.package_policy_revision",
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let csv = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        csv.lines().next(),
        Some("process.name,cloud_defend.package_policy_revision")
    );
    assert_eq!(csv.lines().nth(1), Some("curl,"));
    // No file event loaded: the file stream's pattern names no index.
    let out = query("FROM logs-cloud_defend.file-* | KEEP file.path");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Unknown index"));
}

/// One event of an alerting sequence, as `exec curl 02:00.000` (process), `open …/token
/// 02:00.000` (file) or `list secrets 02:00.100` (audit: verb, resource, request time).
fn describe(fields: &rulegate::schedule::Fields) -> String {
    let text = |name: &str| match fields.get(name) {
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => String::new(),
    };
    // "2026-05-01T10:02:00.100Z" → "02:00.100"
    let clock = |name: &str| text(name).get(14..23).unwrap_or_default().to_string();
    match text("event.dataset").as_str() {
        "cloud_defend.process" => format!(
            "{} {} {}",
            text("event.action"),
            text("process.name"),
            clock("@timestamp")
        ),
        "cloud_defend.file" => format!(
            "{} {} {}",
            text("event.action"),
            text("file.path"),
            clock("@timestamp")
        ),
        "kubernetes.audit_logs" => format!(
            "{} {} {}",
            text("kubernetes.audit.verb"),
            text("kubernetes.audit.objectRef.resource"),
            clock("kubernetes.audit.requestReceivedTimestamp")
        ),
        other => panic!("an alert of an unexpected dataset {other:?}"),
    }
}

/// Per rule file: the sequences its building-block alerts form, each as its events in order.
fn sequences_of(scenario: &str) -> BTreeMap<String, Vec<Vec<String>>> {
    let path = repo_path(&format!("scenarios/d4c/{scenario}.toml"));
    let run = run_scenario(Path::new(&path), RuleSource::AsWritten)
        .unwrap_or_else(|d| panic!("{scenario}: {}", d[0].message));
    assert!(run.failed_expectations().is_empty(), "{scenario}");
    let mut out = BTreeMap::new();
    for report in &run.rules {
        let mut groups: BTreeMap<String, Vec<(u64, String)>> = BTreeMap::new();
        let mut shells = 0;
        for alert in &report.alerts {
            let group = alert.fields.get("kibana.alert.group.id").unwrap();
            let group = group.as_str().unwrap().to_string();
            match alert.fields.get("kibana.alert.group.index") {
                Some(Value::Number(i)) => {
                    let entry = groups.entry(group).or_default();
                    entry.push((i.as_u64().unwrap(), describe(&alert.fields)));
                }
                _ => shells += 1,
            }
        }
        assert_eq!(shells, groups.len(), "one shell alert per sequence");
        let mut sequences: Vec<Vec<String>> = groups
            .into_values()
            .map(|mut events| {
                events.sort();
                events.into_iter().map(|(_, e)| e).collect()
            })
            .collect();
        sequences.sort();
        out.insert(report.rule.clone(), sequences);
    }
    out
}

fn seq(events: &[&str]) -> Vec<String> {
    events.iter().map(|e| e.to_string()).collect()
}

#[test]
fn attacks_form_the_sequences_derived_by_hand() {
    // The exec at 10:02:00 and the request received 100 ms later (read 300 ms after that).
    let found = sequences_of("attack_curl_with_pod_token");
    assert_eq!(
        found[USUAL],
        [seq(&["exec curl 02:00.000", "list secrets 02:00.100"])]
    );
    assert!(found[FORBIDDEN].is_empty(), "the request was allowed");
    assert!(found[UNUSUAL].is_empty(), "curl is the sibling rule's");

    // A refused request completes both the common-utilities and the forbidden-request rule.
    let found = sequences_of("attack_forbidden_kubectl_get_secrets");
    let kubectl = seq(&["exec kubectl 03:00.000", "list secrets 03:00.050"]);
    assert_eq!(found[USUAL], std::slice::from_ref(&kubectl));
    assert_eq!(found[FORBIDDEN], [kubectl]);
    assert!(found[UNUSUAL].is_empty());

    // busybox with `wget` in its arguments is the common-utilities rule's; python3 the other's.
    let found = sequences_of("attack_busybox_wget_and_python_client");
    assert_eq!(
        found[USUAL],
        [seq(&["exec busybox 02:00.000", "get pods 02:00.050"])]
    );
    assert_eq!(
        found[UNUSUAL],
        [seq(&["exec python3 04:00.000", "list pods 04:00.200"])]
    );
    assert!(found[FORBIDDEN].is_empty());

    // Two file opens of one pod wait for the request; the request takes the latest (ca.crt,
    // 10:02:05) and drops the token's (10:02:00): one sequence, not two.
    let found = sequences_of("attack_token_read_then_api_request");
    assert_eq!(
        found[TOKEN],
        [seq(&[
            "open /var/run/secrets/kubernetes.io/serviceaccount/ca.crt 02:05.000",
            "list secrets 02:40.100"
        ])]
    );
    assert_eq!(
        found[USUAL],
        [seq(&["exec curl 02:40.000", "list secrets 02:40.100"])]
    );
}

#[test]
fn every_listed_utility_pairs_with_the_request_that_follows_it() {
    let found = sequences_of("attack_every_listed_utility");
    // In time order: by the request's clock (the last word of the second event).
    let mut sequences = found[USUAL].clone();
    sequences.sort_by_key(|s| s[1].rsplit(' ').next().unwrap().to_string());
    // 6 names and 28 argument forms, 10 s apart from 10:01:00: exec i pairs with request i.
    assert_eq!(sequences.len(), 34);
    let mut names: Vec<&str> = Vec::new();
    for (i, sequence) in sequences.iter().enumerate() {
        let second = 60 + 10 * i;
        let clock = format!("{:02}:{:02}.000", second / 60, second % 60);
        assert_eq!(sequence[1], format!("list pods {clock}"), "{sequence:?}");
        assert!(sequence[0].ends_with(&clock), "{sequence:?}");
        names.push(sequence[0].split(' ').nth(1).unwrap());
    }
    assert_eq!(
        names[..6],
        ["wget", "curl", "openssl", "socat", "ncat", "kubectl"]
    );
    // The shells cycle behind them.
    assert_eq!(names[6..9], ["bash", "dash", "sh"]);
    // Every request is refused: the forbidden-request rule forms the same sequences; the
    // unusual-utilities rule, whose process step negates this one, none.
    assert_eq!(found[FORBIDDEN], found[USUAL]);
    assert!(found[UNUSUAL].is_empty());
}

#[test]
fn watches_are_joined_on_their_response_started_stage() {
    let found = sequences_of("attack_watch_requests_response_started");
    assert_eq!(
        found[USUAL],
        [seq(&["exec kubectl 02:10.000", "watch pods 02:10.100"])]
    );
    assert_eq!(
        found[UNUSUAL],
        [seq(&[
            "exec python3 03:20.000",
            "watch configmaps 03:20.100"
        ])]
    );
    // Each file open waits for the next request of its pod: two sequences in one execution.
    let token = "/var/run/secrets/kubernetes.io/serviceaccount";
    assert_eq!(
        found[TOKEN],
        [
            seq(&[
                &format!("open {token}/ca.crt 03:00.000"),
                "watch configmaps 03:20.100"
            ]),
            seq(&[
                &format!("open {token}/token 02:00.000"),
                "watch pods 02:10.100"
            ]),
        ]
    );
}

#[test]
fn a_wrapper_and_a_shell_script_are_unusual_utilities() {
    // `timeout` (10:02:00.000) and the `curl` it execs (.002) both wait for the request at
    // .100: the common-utilities rule takes curl, the unusual-utilities rule timeout.
    let found = sequences_of("attack_wrapped_clients");
    assert_eq!(
        found[USUAL],
        [seq(&["exec curl 02:00.002", "list pods 02:00.100"])]
    );
    assert_eq!(
        found[UNUSUAL],
        [
            seq(&["exec bash 04:00.000", "get pods 04:00.200"]),
            seq(&["exec timeout 02:00.000", "list pods 02:00.100"]),
        ]
    );
    // One request per listed verb, resource and pod subresource, each 0.1 s after its exec.
    let found = sequences_of("attack_unusual_client_every_listed_request");
    let mut sequences = found[UNUSUAL].clone();
    sequences.sort_by_key(|s| s[1].rsplit(' ').next().unwrap().to_string());
    assert_eq!(sequences.len(), 26);
    let requests: Vec<String> = (sequences.iter())
        .map(|s| s[1].rsplit_once(' ').unwrap().0.to_string())
        .collect();
    assert_eq!(requests[0], "get pods");
    assert_eq!(requests[17], "create subjectaccessreviews");
    assert_eq!(requests[19], "watch configmaps");
    assert_eq!(requests[25], "get pods", "the pod's log");
}

#[test]
fn the_unusual_utilities_rule_pairs_unrelated_events_of_one_pod() {
    // The operator's `ls` at 10:02:29.8 and the application's request at 10:02:30.
    let found = sequences_of("fp_operator_shell_while_app_calls_api");
    assert_eq!(
        found[UNUSUAL],
        [seq(&["exec ls 02:29.800", "list configmaps 02:30.000"])]
    );
    assert!(found[USUAL].is_empty());
    // Shells asked about a utility with an excluded helper: the negation makes them unusual.
    let found = sequences_of("edge_shell_helper_exclusions");
    assert!(found[USUAL].is_empty());
    assert_eq!(found[UNUSUAL].len(), 16);
}

#[test]
fn edges_and_near_misses_keep_only_the_sequences_derived_by_hand() {
    // Only the 10:02 allowed request after an interactive curl completes anything.
    let found = sequences_of("edge_audit_step_near_misses");
    assert_eq!(
        found[USUAL],
        [seq(&["exec curl 02:00.000", "list secrets 02:00.000"])]
    );
    assert!(found[FORBIDDEN].is_empty() && found[UNUSUAL].is_empty());
    // Request read 0.9 s + latency after the exec: inside; 1 s + latency: outside.
    let inside = sequences_of("edge_curl_request_just_inside_maxspan");
    assert_eq!(
        inside[USUAL],
        [seq(&["exec curl 02:00.000", "list secrets 02:00.000"])]
    );
    assert_eq!(inside[FORBIDDEN], inside[USUAL]);
    assert_eq!(
        sequences_of("edge_token_read_request_just_inside_maxspan")[TOKEN],
        [seq(&[
            "open /var/run/secrets/kubernetes.io/serviceaccount/token 02:00.000",
            "list pods 02:59.000"
        ])]
    );
    for scenario in [
        "edge_curl_request_just_outside_maxspan",
        "edge_token_read_request_just_outside_maxspan",
        "edge_join_key_differs",
        "benign_process_step_near_misses",
        "benign_token_access_near_misses",
        "benign_unusual_utilities_exclusions",
        "benign_unusual_client_near_misses",
        "benign_workload_reads_token_and_calls_api",
    ] {
        for (rule, sequences) in sequences_of(scenario) {
            assert!(sequences.is_empty(), "{scenario}: {rule}: {sequences:?}");
        }
    }
}

#[test]
fn explain_says_why_the_outside_and_key_differs_cases_broke() {
    let explain = |scenario: &str| {
        let out = success_stdout(rulegate().args([
            "explain",
            &format!("scenarios/d4c/{scenario}.toml"),
            "--rule",
            &format!("rules/cross-platform/{USUAL}"),
        ]));
        String::from_utf8_lossy(&out).into_owned()
    };
    let outside = explain("edge_curl_request_just_outside_maxspan");
    // The request is read 1 s + its latency after the exec: beyond `maxspan=1s`.
    assert!(outside.contains("step 2 outside_maxspan: 1s "), "{outside}");
    let differs = explain("edge_join_key_differs");
    assert!(
        differs.contains("step 2 key_differs")
            && differs.contains(r#"pod-name`="shop-worker-7f9b8d6c4-m5tzr""#),
        "{differs}"
    );
}

//! GKE: Cloud Audit Log entries mapped as the GCP integration's `gcp.audit` pipeline does
//! (against Elastic's pipeline test), Kubernetes events rendered as GKE entries, scenarios
//! rendered per platform, and `rulegate parity` on the seed rule and its GKE twin.

use serde_json::{json, Value};

use rulegate::audit::event::{Event, ObjectReference, ResponseStatus, UserInfo};
use rulegate::audit::gcp::{self, log_entry_to_ecs, parse_k8s_resource_name, GcpOptions};
use rulegate::audit::gke::{self, method_and_resource, GkeCluster};
use rulegate::scenario::{self, Platform};

use crate::support::{repo_path, rulegate, success_stdout};

const SEED: &str = "rules/credential_access_kubernetes_multiple_secret_retrieval_burst.toml";
const TWIN: &str =
    "rules/gke/credential_access_gcp_gke_rapid_secret_get_activity_against_multiple_objects.toml";
const PAGE: &str =
    "docs/rules/parity_credential_access_kubernetes_multiple_secret_retrieval_burst.md";

/// Fields of the expected output the mapping does not model, each for a stated reason: the
/// `user_agent` processor's parsed parts and `geoip` need the ingest node's databases; the
/// newest pipeline's `entity` / `actor.entity` logic is not in the pipeline version we follow.
const NOT_MODELLED: [&str; 6] = [
    "user_agent.name",
    "user_agent.device",
    "user_agent.os",
    "user_agent.version",
    "entity",
    "actor",
];

fn remove_path(doc: &mut Value, path: &str) {
    let mut parts: Vec<&str> = path.split('.').collect();
    let last = parts.pop().unwrap();
    let mut at = doc;
    for part in parts {
        match at.get_mut(part) {
            Some(next) => at = next,
            None => return,
        }
    }
    if let Some(map) = at.as_object_mut() {
        map.remove(last);
    }
}

#[test]
fn the_pipeline_test_sample_maps_to_its_expected_document() {
    let dir = repo_path("tests/data/gcp-audit");
    let log = std::fs::read_to_string(dir.join("test-k8s-nonmatching-resourcename.log")).unwrap();
    let expected: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("test-k8s-nonmatching-resourcename.log-expected.json"))
            .unwrap(),
    )
    .unwrap();
    let expected = expected["expected"].as_array().unwrap();
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(lines.len(), expected.len());
    let options = GcpOptions {
        preserve_original: true,
        ..GcpOptions::default()
    };
    for (line, want) in lines.iter().zip(expected) {
        let entry: Value = serde_json::from_str(line).unwrap();
        let mut got = log_entry_to_ecs(&entry, &options).unwrap();
        // The pipeline test runs the integration pipeline only: Fleet's fields are ours to add.
        for path in ["data_stream", "event.dataset", "event.ingested"] {
            remove_path(&mut got, path);
        }
        // `event.original` is the line as the input read it; we serialise the parsed entry.
        assert_eq!(
            serde_json::from_str::<Value>(got["event"]["original"].as_str().unwrap()).unwrap(),
            entry
        );
        remove_path(&mut got, "event.original");
        let mut want = want.clone();
        remove_path(&mut want, "event.original");
        for path in NOT_MODELLED {
            remove_path(&mut want, path);
        }
        assert_eq!(got, want);
    }
}

fn secret_get(code: i64, decision: &str, user_agent: &str) -> Event {
    let mut event = Event {
        kind: "Event".into(),
        api_version: "audit.k8s.io/v1".into(),
        level: "Metadata".into(),
        audit_id: "0a1b2c3d-0000-4000-8000-000000000001".into(),
        stage: "ResponseComplete".into(),
        request_uri: "/api/v1/namespaces/apps/secrets/db-credentials".into(),
        verb: "get".into(),
        user: UserInfo {
            username: "alice@example.com".into(),
            ..UserInfo::default()
        },
        source_ips: vec!["203.0.113.7".into(), "10.0.0.1".into()],
        user_agent: user_agent.into(),
        object_ref: Some(ObjectReference {
            resource: "secrets".into(),
            namespace: "apps".into(),
            name: "db-credentials".into(),
            api_version: "v1".into(),
            ..ObjectReference::default()
        }),
        response_status: Some(ResponseStatus {
            code: Some(code),
            ..ResponseStatus::default()
        }),
        request_received_timestamp: "2026-05-01T10:00:00.100000Z".into(),
        stage_timestamp: "2026-05-01T10:00:00.250000Z".into(),
        ..Event::default()
    };
    event
        .annotations
        .insert("authorization.k8s.io/decision".into(), decision.into());
    event
}

#[test]
fn a_secret_get_becomes_the_gke_entry_and_the_fields_the_twin_reads() {
    let event = secret_get(200, "allow", "kubectl/v1.30.0");
    let entry = gke::to_log_entry(&event, &GkeCluster::default());
    assert_eq!(
        entry["protoPayload"]["methodName"],
        "io.k8s.core.v1.secrets.get"
    );
    assert_eq!(
        entry["protoPayload"]["resourceName"],
        "core/v1/namespaces/apps/secrets/db-credentials"
    );
    assert_eq!(
        entry["protoPayload"]["requestMetadata"]["callerIp"],
        "203.0.113.7"
    );
    assert_eq!(entry["resource"]["type"], "k8s_cluster");
    assert_eq!(
        entry["logName"],
        "projects/rulegate-project/logs/cloudaudit.googleapis.com%2Fdata_access"
    );
    let doc = log_entry_to_ecs(&entry, &GcpOptions::default()).unwrap();
    assert_eq!(doc["data_stream"]["dataset"], gcp::DATASET);
    assert_eq!(doc["service"]["name"], "k8s.io");
    assert_eq!(doc["event"]["action"], "io.k8s.core.v1.secrets.get");
    assert_eq!(doc["event"]["outcome"], "success");
    assert_eq!(doc["event"]["provider"], "data_access");
    assert_eq!(doc["client"]["user"]["email"], "alice@example.com");
    // One caller IP, not the Kubernetes integration's array of the whole forwarding chain.
    assert_eq!(doc["source"]["ip"], "203.0.113.7");
    assert_eq!(
        doc["gcp"]["audit"]["resource_name"],
        "core/v1/namespaces/apps/secrets/db-credentials"
    );
    assert_eq!(doc["orchestrator"]["namespace"], "apps");
    assert_eq!(doc["orchestrator"]["resource"]["type"], "secrets");
    assert_eq!(doc["orchestrator"]["resource"]["name"], "db-credentials");
    assert_eq!(doc["@timestamp"], "2026-05-01T10:00:00.250Z");
    assert!(doc["event"].get("original").is_none());
}

#[test]
fn failures_are_rpc_codes_and_denials() {
    let event = secret_get(403, "forbid", "curl/8.5.0");
    let entry = gke::to_log_entry(&event, &GkeCluster::default());
    assert_eq!(entry["protoPayload"]["status"]["code"], 7);
    assert_eq!(
        entry["protoPayload"]["authorizationInfo"][0]["granted"],
        false
    );
    let doc = log_entry_to_ecs(&entry, &GcpOptions::default()).unwrap();
    assert_eq!(doc["event"]["outcome"], "failure");
    assert_eq!(doc["event"]["type"], json!(["access", "denied"]));
    // A 404 the API server allowed is still a failure here: the status code decides, where the
    // Kubernetes integration's outcome follows the authorisation decision alone.
    let entry = gke::to_log_entry(&secret_get(404, "allow", "x"), &GkeCluster::default());
    let doc = log_entry_to_ecs(&entry, &GcpOptions::default()).unwrap();
    assert_eq!(doc["event"]["outcome"], "failure");
    assert_eq!(gke::rpc_code(401), 16);
    assert_eq!(gke::rpc_code(429), 8);
    assert_eq!(gke::rpc_code(500), 13);
}

#[test]
fn method_names_reverse_the_api_group() {
    let mut event = secret_get(200, "allow", "x");
    let object = event.object_ref.as_mut().unwrap();
    object.api_group = "rbac.authorization.k8s.io".into();
    object.resource = "clusterrolebindings".into();
    object.namespace = String::new();
    object.name = "admin".into();
    event.verb = "create".into();
    let (method, name) = method_and_resource(&event);
    assert_eq!(
        method,
        "io.k8s.authorization.rbac.v1.clusterrolebindings.create"
    );
    assert_eq!(
        name,
        "rbac.authorization.k8s.io/v1/clusterrolebindings/admin"
    );
    event.object_ref = None;
    event.request_uri = "/healthz?verbose".into();
    assert_eq!(
        method_and_resource(&event),
        ("io.k8s.create".to_string(), "healthz".to_string())
    );
}

#[test]
fn other_payload_types_are_dropped_and_bad_input_is_a_pipeline_error() {
    let entry = json!({"protoPayload": {"@type": "type.googleapis.com/google.cloud.audit.Other"}});
    assert!(log_entry_to_ecs(&entry, &GcpOptions::default()).is_none());
    let entry = json!({"timestamp": "yesterday", "protoPayload": {"requestMetadata": {"callerIp": "not-an-ip"}}});
    let doc = log_entry_to_ecs(&entry, &GcpOptions::default()).unwrap();
    assert_eq!(doc["event"]["kind"], "pipeline_error");
    assert_eq!(doc["error"]["message"].as_array().unwrap().len(), 2);
    assert!(doc.get("@timestamp").is_none());
    // `gce-internal-ip` is not an address and not an error.
    let entry = json!({"protoPayload": {"requestMetadata": {"callerIp": "gce-internal-ip"}}});
    let doc = log_entry_to_ecs(&entry, &GcpOptions::default()).unwrap();
    assert_eq!(doc["event"]["kind"], "event");
    assert!(doc.get("source").is_none());
    assert!(log_entry_to_ecs(&json!([1]), &GcpOptions::default()).is_some());
}

#[test]
fn resource_names_parse_as_the_grok_patterns_do() {
    let parsed = parse_k8s_resource_name("apps/v1/namespaces/prod/deployments/web");
    assert_eq!(parsed.api_version, Some("v1"));
    assert_eq!(parsed.namespace, Some("prod"));
    assert_eq!(parsed.resource_type, Some("deployments"));
    assert_eq!(parsed.resource_name, Some("web"));
    let parsed = parse_k8s_resource_name("rbac.authorization.k8s.io/v1/clusterroles");
    assert_eq!(parsed.resource_type, Some("clusterroles"));
    assert_eq!(parsed.namespace, None);
    assert_eq!(
        parse_k8s_resource_name("api/v1beta1").api_version,
        Some("v1beta1")
    );
    assert_eq!(parse_k8s_resource_name("HNAP1"), Default::default());
}

#[test]
fn one_scenario_renders_for_every_platform() {
    let path = repo_path("scenarios/attack_python_client.toml");
    let base = scenario::load(&path).unwrap();
    assert_eq!(base.platform, Platform::SelfManaged);
    let self_managed: Vec<Value> = scenario::generate(&base, None).collect();
    let eks: Vec<Value> = scenario::generate(&base.with_platform(Platform::Eks), None).collect();
    assert_eq!(self_managed, eks);
    let aks: Vec<Value> = scenario::generate(&base.with_platform(Platform::Aks), None).collect();
    assert_eq!(aks.len(), self_managed.len());
    assert!(aks[0]["kubernetes"]["audit"]["aks_metadata"].is_object());
    assert_eq!(
        aks[0]["kubernetes"]["audit"]["objectRef"],
        self_managed[0]["kubernetes"]["audit"]["objectRef"]
    );
    let gke: Vec<Value> = scenario::generate(&base.with_platform(Platform::Gke), None).collect();
    assert!(!gke.is_empty() && gke.len() <= self_managed.len());
    for doc in &gke {
        assert_eq!(doc["data_stream"]["dataset"], "gcp.audit");
        assert!(doc.get("kubernetes").is_none());
        assert!(doc["labels"]["rulegate_actor"].is_string());
    }
    // The same requests: every GKE entry is a response-stage record of the self-managed run.
    let complete = self_managed
        .iter()
        .filter(|d| d["kubernetes"]["audit"]["stage"] == "ResponseComplete")
        .count();
    assert_eq!(gke.len(), complete);
}

#[test]
fn an_unknown_platform_is_refused_with_its_position() {
    let text = "name = \"x\"\ndescription = \"x\"\nkind = \"attack\"\nstart = \"2026-05-01T10:00:00Z\"\nseed = 1\nplatform = \"openshift\"\n[actors.a]\npersona = \"python-client\"\n[[steps]]\nactor = \"a\"\n";
    let errors = scenario::load_str(
        std::path::Path::new("x.toml"),
        text,
        &scenario::builtin_personas(),
    )
    .unwrap_err();
    let rendered = format!("{errors:?}");
    assert!(rendered.contains("E608"), "{rendered}");
    assert!(
        rendered.contains("unknown platform `openshift`"),
        "{rendered}"
    );
}

#[test]
fn rules_choose_their_platform_by_index_pattern() {
    assert_eq!(
        Platform::for_index_pattern("logs-gcp.audit-*"),
        Some(Platform::Gke)
    );
    assert_eq!(
        Platform::for_index_pattern("logs-kubernetes.audit_logs-*"),
        Some(Platform::SelfManaged)
    );
    assert_eq!(Platform::for_index_pattern("logs-aws.cloudtrail-*"), None);
}

fn parity_markdown() -> String {
    String::from_utf8(success_stdout(
        rulegate().args(["parity", SEED, TWIN, "--format", "markdown"]),
    ))
    .unwrap()
}

#[test]
fn the_parity_page_is_current() {
    let fresh = parity_markdown();
    let page = std::fs::read_to_string(repo_path(PAGE)).unwrap();
    let begin = "<!-- parity:begin (generated by `rulegate parity … --format markdown`) -->\n";
    let end = "<!-- parity:end -->";
    let start = page.find(begin).expect("the page has the begin marker") + begin.len();
    let stop = page.find(end).expect("the page has the end marker");
    assert!(
        page[start..stop] == fresh,
        "{PAGE} is out of date: run `cargo run -- parity {SEED} {TWIN} --format markdown` and \
         paste it between the markers"
    );
}

#[test]
fn parity_finds_the_service_account_exclusion_and_agrees_on_failed_reads() {
    let json: Value = serde_json::from_slice(&success_stdout(
        rulegate().args(["parity", SEED, TWIN, "--format", "json"]),
    ))
    .unwrap();
    assert_eq!(json["a"]["platform"], "self-managed");
    assert_eq!(json["b"]["platform"], "gke");
    let scenario = |name: &str| {
        json["scenarios"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["scenario"] == name)
            .unwrap_or_else(|| panic!("{name} in the suite"))
            .clone()
    };
    // A workload service account's successful reads: the twin excludes them.
    let curl = scenario("attack_stolen_token_curl");
    assert_eq!(curl["disagreements"][0]["kind"], "only_a_alerts");
    assert!(curl["disagreements"][0]["cause"]
        .as_str()
        .unwrap()
        .contains("system:serviceaccount:*"));
    // Forbidden reads by a service account: the twin keeps failures, so both alert.
    let kubectl = scenario("attack_forbidden_spray");
    assert!(kubectl["a_alerts"].as_u64().unwrap() >= 1);
    assert!(kubectl["b_alerts"].as_u64().unwrap() >= 1);
    assert_eq!(kubectl["disagreements"], json!([]));
}

#[test]
fn parity_refuses_a_rule_of_another_data_source() {
    let aws = crate::support::shared_path(
        "reference/detection-rules-esql/rules/integrations/aws/discovery_s3_rapid_bucket_posture_api_calls.toml",
    );
    let output = rulegate()
        .args(["parity", SEED])
        .arg(&aws)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("E830"), "{stderr}");
    assert!(stderr.contains("logs-aws.cloudtrail-*"), "{stderr}");
    assert!(output.stdout.is_empty());
}

fn ingest_gcp(args: &[&str], file: &str) -> std::process::Output {
    rulegate()
        .args(["ingest", "--dataset", "gcp.audit"])
        .args(args)
        .arg(repo_path(file))
        .output()
        .unwrap()
}

#[test]
fn ingest_dataset_gcp_audit_maps_the_pipeline_sample_as_the_pipeline_does() {
    let dir = repo_path("tests/data/gcp-audit");
    let output = ingest_gcp(
        &["--preserve-original"],
        "tests/data/gcp-audit/test-k8s-nonmatching-resourcename.log",
    );
    assert!(output.status.success(), "{output:?}");
    let docs: Vec<Value> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let expected: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("test-k8s-nonmatching-resourcename.log-expected.json"))
            .unwrap(),
    )
    .unwrap();
    let expected = expected["expected"].as_array().unwrap();
    assert_eq!(docs.len(), expected.len());
    for (got, want) in docs.iter().zip(expected) {
        assert_eq!(got["data_stream"]["dataset"], "gcp.audit");
        let mut got = got.clone();
        let mut want = want.clone();
        for path in [
            "data_stream",
            "event.dataset",
            "event.ingested",
            "event.original",
        ] {
            remove_path(&mut got, path);
        }
        remove_path(&mut want, "event.original");
        for path in NOT_MODELLED {
            remove_path(&mut want, path);
        }
        assert_eq!(got, want);
    }
}

#[test]
fn ingest_dataset_gcp_audit_reads_gcloud_logging_read_arrays_into_the_gcp_index() {
    let output = ingest_gcp(
        &["--format", "bulk"],
        "tests/data/shapes/gcloud_logging_read.json",
    );
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[0]["create"]["_index"], gcp::INDEX);
    let actions: Vec<&Value> = [&lines[1], &lines[3]]
        .iter()
        .map(|d| &d["event"]["action"])
        .collect();
    assert_eq!(
        actions,
        [
            "io.k8s.core.v1.secrets.create",
            "io.k8s.core.v1.secrets.delete"
        ]
    );
    assert_eq!(lines[1]["@timestamp"], "2020-04-21T17:57:05.548Z");
    // The note that GKE entries went to the Kubernetes data stream is not said here.
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(!stderr.contains("gcp-pubsub"), "{stderr}");
}

#[test]
fn ingest_dataset_gcp_audit_refuses_a_native_audit_event_with_the_fix() {
    let output = ingest_gcp(&[], "tests/data/shapes/cri.log");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("E501"), "{stderr}");
    assert!(
        stderr.contains("is not a Cloud Audit Log entry"),
        "{stderr}"
    );
    assert!(
        stderr.contains("--dataset kubernetes.audit_logs"),
        "{stderr}"
    );
}

//! Kubernetes impersonation on GKE: an impersonated request becomes a Cloud Audit Log entry with
//! the impersonated username in `authenticationInfo.authoritySelector` (the authenticated caller
//! stays in `principalEmail`), which the `gcp.audit` pipeline indexes as
//! `gcp.audit.authentication_info.authority_selector`; Elastic's GKE impersonation rule fires on
//! a scenario rendered with `platform = "gke"`, as its Kubernetes twin does on the self-managed
//! rendering, except for group-only impersonation, which the GKE entry cannot carry.

use std::path::{Path, PathBuf};

use serde_json::Value;

use rulegate::audit::event::{Event, ObjectReference, ResponseStatus, UserInfo};
use rulegate::audit::gcp::{log_entry_to_ecs, GcpOptions};
use rulegate::audit::gke::{to_log_entry, GkeCluster};
use rulegate::scenario::{self, Platform};

use crate::support::{rulegate, shared_path};

const GKE_RULE: &str = "reference/detection-rules-k8s/rules/integrations/gcp/privilege_escalation_gcp_gke_api_request_impersonating_privileged_identity.toml";
const K8S_RULE: &str = "reference/detection-rules-k8s/rules/integrations/kubernetes/privilege_escalation_kubernetes_api_request_impersonating_privileged_identity.toml";

fn impersonated_get(impersonated: Option<UserInfo>) -> Event {
    let mut event = Event {
        kind: "Event".into(),
        api_version: "audit.k8s.io/v1".into(),
        level: "Metadata".into(),
        audit_id: "0a1b2c3d-0000-4000-8000-0000000000aa".into(),
        stage: "ResponseComplete".into(),
        request_uri: "/api/v1/namespaces/kube-system/secrets/token".into(),
        verb: "get".into(),
        user: UserInfo {
            username: "mallory@example.com".into(),
            ..UserInfo::default()
        },
        impersonated_user: impersonated,
        source_ips: vec!["203.0.113.9".into()],
        user_agent: "kubectl/v1.30.0".into(),
        object_ref: Some(ObjectReference {
            resource: "secrets".into(),
            namespace: "kube-system".into(),
            name: "token".into(),
            api_version: "v1".into(),
            ..ObjectReference::default()
        }),
        response_status: Some(ResponseStatus {
            code: Some(200),
            ..ResponseStatus::default()
        }),
        request_received_timestamp: "2026-05-01T10:00:00.100000Z".into(),
        stage_timestamp: "2026-05-01T10:00:00.250000Z".into(),
        ..Event::default()
    };
    event
        .annotations
        .insert("authorization.k8s.io/decision".into(), "allow".into());
    event
}

#[test]
fn the_impersonated_username_is_the_authority_selector() {
    let impersonated = UserInfo {
        username: "system:kube-controller-manager".into(),
        groups: vec!["system:authenticated".into()],
        ..UserInfo::default()
    };
    let entry = to_log_entry(
        &impersonated_get(Some(impersonated)),
        &GkeCluster::default(),
    );
    assert_eq!(
        entry["protoPayload"]["authenticationInfo"],
        serde_json::json!({
            "principalEmail": "mallory@example.com",
            "authoritySelector": "system:kube-controller-manager"
        })
    );
    let doc = log_entry_to_ecs(&entry, &GcpOptions::default()).unwrap();
    assert_eq!(
        doc["gcp"]["audit"]["authentication_info"]["authority_selector"],
        "system:kube-controller-manager"
    );
    assert_eq!(doc["client"]["user"]["email"], "mallory@example.com");
    // Without impersonation there is no selector, and an empty impersonated name writes none.
    for impersonated in [None, Some(UserInfo::default())] {
        let plain = to_log_entry(&impersonated_get(impersonated), &GkeCluster::default());
        assert_eq!(
            plain["protoPayload"]["authenticationInfo"],
            serde_json::json!({ "principalEmail": "mallory@example.com" })
        );
    }
}

/// A scenario of one admin reading kube-system secrets while impersonating `impersonate`.
fn scenario_text(impersonate: &str, platform: &str) -> String {
    format!(
        r#"name = "Impersonated secret reads"
description = "kubectl --as against kube-system secrets."
kind = "attack"
rules = []
start = "2026-05-01T10:00:00Z"
seed = 7
platform = "{platform}"

[actors.mallory]
username = "mallory@example.com"
groups = ["system:authenticated"]
impersonate = {impersonate}
source_ips = ["203.0.113.9"]
user_agent = "kubectl/v1.30.2 (linux/amd64) kubernetes/3968350"

[[steps]]
actor = "mallory"
verb = "get"
resource = "secrets"
namespace = "kube-system"
names = ["token-a", "token-b"]
at = "+1m"
spacing = "5s"
"#
    )
}

/// Generates the scenario's documents into an NDJSON file under `dir`.
fn documents(dir: &Path, impersonate: &str, platform: &str) -> (PathBuf, Vec<Value>) {
    let path = dir.join(format!("{platform}.toml"));
    std::fs::write(&path, scenario_text(impersonate, platform)).unwrap();
    let loaded = scenario::load(&path).unwrap_or_else(|e| panic!("{e:?}"));
    let docs: Vec<Value> = scenario::generate(&loaded, None).collect();
    let ndjson = dir.join(format!("{platform}.ndjson"));
    let text: String = docs.iter().map(|d| format!("{d}\n")).collect();
    std::fs::write(&ndjson, text).unwrap();
    (ndjson, docs)
}

fn alerts(rule: &str, input: &Path) -> usize {
    let output = rulegate()
        .args(["replay"])
        .arg(shared_path(rule))
        .arg("--input")
        .arg(input)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let value: Value = serde_json::from_slice(&output.stdout).unwrap();
    value["alerts"].as_array().unwrap().len()
}

fn temp_dir(tag: &str) -> crate::support::Scratch {
    crate::support::scratch(&format!("gke-imp-{tag}"))
}

#[test]
fn the_gke_rule_fires_on_a_gke_rendering_as_its_twin_does_on_self_managed() {
    let dir = temp_dir("user");
    let privileged =
        r#"{ username = "system:kube-controller-manager", groups = ["system:authenticated"] }"#;
    let (gke, docs) = documents(&dir, privileged, "gke");
    assert_eq!(docs.len(), 2);
    for doc in &docs {
        assert_eq!(doc["data_stream"]["dataset"], "gcp.audit");
        assert_eq!(
            doc["gcp"]["audit"]["authentication_info"]["authority_selector"],
            "system:kube-controller-manager"
        );
        assert_eq!(doc["client"]["user"]["email"], "mallory@example.com");
    }
    assert!(alerts(GKE_RULE, &gke) >= 1, "the GKE rule fires");
    let (self_managed, _) = documents(&dir, privileged, "self-managed");
    assert!(alerts(K8S_RULE, &self_managed) >= 1, "its twin fires");
    // Impersonating an ordinary account is not privileged for either rule.
    let ordinary =
        r#"{ username = "system:serviceaccount:apps:web", groups = ["system:authenticated"] }"#;
    let (gke, _) = documents(&dir, ordinary, "gke");
    assert_eq!(alerts(GKE_RULE, &gke), 0);
}

#[test]
fn group_only_impersonation_is_seen_by_the_twin_only() {
    // `kubectl --as=ops-bot --as-group=system:masters`: the Kubernetes rule matches the group;
    // GKE's entry names only the impersonated user, so the GKE rule cannot.
    let dir = temp_dir("group");
    let masters =
        r#"{ username = "ops-bot", groups = ["system:masters", "system:authenticated"] }"#;
    let (self_managed, _) = documents(&dir, masters, "self-managed");
    assert!(alerts(K8S_RULE, &self_managed) >= 1);
    let (gke, docs) = documents(&dir, masters, "gke");
    assert_eq!(
        docs[0]["gcp"]["audit"]["authentication_info"]["authority_selector"],
        "ops-bot"
    );
    assert_eq!(alerts(GKE_RULE, &gke), 0);
}

#[test]
fn one_platform_per_scenario_renders_every_actor_alike() {
    // The decision of docs/scenarios.md ("Platforms"): the platform is the scenario's, not an
    // actor's; `with_platform` re-renders every actor.
    let dir = temp_dir("platform");
    let privileged = r#"{ username = "system:admin", groups = [] }"#;
    std::fs::write(
        dir.join("s.toml"),
        scenario_text(privileged, "self-managed"),
    )
    .unwrap();
    let loaded = scenario::load(&dir.join("s.toml")).unwrap();
    let gke: Vec<Value> = scenario::generate(&loaded.with_platform(Platform::Gke), None).collect();
    assert!(gke
        .iter()
        .all(|d| d["data_stream"]["dataset"] == "gcp.audit"));
}

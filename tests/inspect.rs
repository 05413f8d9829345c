//! `rulegate inspect` on the seed rule: the three formats as snapshots, and the JSON checked
//! against every row of the seed document's tables (`../shared/seed/…`).

use serde_json::Value;

use crate::support::{rulegate, snapshot};

const SEED: &str = "rules/credential_access_kubernetes_multiple_secret_retrieval_burst.toml";

fn inspect(format: &str) -> String {
    let output = rulegate()
        .args(["inspect", SEED, "--format", format])
        .output()
        .expect("the binary runs");
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.stderr.is_empty(),
        "the seed rule loads without warnings"
    );
    String::from_utf8(output.stdout).expect("utf-8")
}

#[test]
fn seed_rule_text() {
    snapshot!("inspect", "seed_rule.text", inspect("text"));
}

#[test]
fn seed_rule_markdown() {
    snapshot!("inspect", "seed_rule.markdown", inspect("markdown"));
}

#[test]
fn seed_rule_json() {
    let text = inspect("json");
    let json: Value = serde_json::from_str(&text).expect("valid JSON");
    let keys: Vec<&str> = json
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut expected = vec![
        "exclusions",
        "group_by",
        "indicators",
        "name",
        "output_fields",
        "rule_id",
        "schedule",
        "stages",
    ];
    let mut sorted = keys.clone();
    sorted.sort();
    expected.sort();
    assert_eq!(sorted, expected, "exactly the keys issue 2 names");
    snapshot!("inspect", "seed_rule.json", text);
}

/// `(field, kind, values)` of each object in a JSON list.
fn rows(json: &Value, key: &str) -> Vec<(String, String, Vec<String>)> {
    json[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            let values = row["values"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap().to_string())
                .collect();
            (
                row["field"].as_str().unwrap().to_string(),
                row["kind"].as_str().unwrap().to_string(),
                values,
            )
        })
        .collect()
}

#[test]
fn seed_rule_json_contains_every_row_of_the_seed_document() {
    let json: Value = serde_json::from_str(&inspect("json")).unwrap();
    let sorted = |values: &[&str]| {
        let mut v: Vec<String> = values.iter().map(|s| s.to_string()).collect();
        v.sort();
        v
    };
    // The seed page's tables, as printed there (its value lists are sorted).
    let exclusions = [
        (
            "kubernetes.audit.objectRef.name",
            "starts_with",
            &["sh.helm.release."][..],
        ),
        (
            "kubernetes.audit.user.username",
            "in",
            &[
                "system:serviceaccount:flux-system:helm-controller",
                "system:serviceaccount:flux-system:kustomize-controller",
                "system:serviceaccount:flux-system:source-controller",
                "system:serviceaccount:security:trivy-operator",
            ][..],
        ),
        (
            "user.name",
            "in",
            &["system:kube-controller-manager", "system:kube-scheduler"][..],
        ),
    ];
    let indicators = [
        ("Esql.unique_credentials", "ge", &["3"][..]),
        ("event.action", "eq", &["get"][..]),
        ("event.dataset", "eq", &["kubernetes.audit_logs"][..]),
        (
            "kubernetes.audit.objectRef.resource",
            "eq",
            &["secrets"][..],
        ),
        ("source.ip", "is_not_null", &[][..]),
        ("user.name", "is_not_null", &[][..]),
    ];
    for (key, table) in [
        ("exclusions", &exclusions[..]),
        ("indicators", &indicators[..]),
    ] {
        let got: Vec<(String, String, Vec<String>)> = rows(&json, key)
            .into_iter()
            .map(|(f, k, mut v)| {
                v.sort();
                (f, k, v)
            })
            .collect();
        for (field, kind, values) in table {
            let want = (field.to_string(), kind.to_string(), sorted(values));
            assert!(got.contains(&want), "{key} lacks {want:?}; has {got:?}");
        }
    }
    // The loopback exclusion the seed page leaves out, with the function named.
    let loopback = json["exclusions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["field"] == "source.ip")
        .expect("the loopback exclusion is reported");
    assert_eq!(loopback["kind"], "in");
    assert_eq!(loopback["function"], "to_string");
    assert_eq!(loopback["values"], serde_json::json!(["127.0.0.1", "::1"]));
    assert_eq!(
        json["group_by"],
        serde_json::json!([
            "user.name",
            "kubernetes.audit.user.username",
            "source.ip",
            "user_agent.original"
        ])
    );
    assert_eq!(
        json["output_fields"],
        serde_json::json!([
            "user.name",
            "kubernetes.audit.user.username",
            "source.ip",
            "user_agent.original",
            "Esql.*"
        ])
    );
    let schedule = &json["schedule"];
    assert_eq!(schedule["interval"], "5m", "Kibana's default interval");
    assert_eq!(schedule["from"], "now-6m");
    assert_eq!(schedule["max_signals"], 100, "Kibana's default max_signals");
    assert_eq!(schedule["timestamp_override"], "event.ingested");
    let commands: Vec<&str> = json["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["command"].as_str().unwrap())
        .collect();
    assert_eq!(commands, ["from", "where", "stats", "where", "keep"]);
}

#[test]
fn seed_rule_is_the_upstream_file_byte_for_byte() {
    let ours = std::fs::read(crate::support::repo_path(SEED)).unwrap();
    let upstream = std::fs::read(crate::support::shared_path(
        "reference/detection-rules-k8s/rules/integrations/kubernetes/credential_access_kubernetes_multiple_secret_retrieval_burst.toml",
    ))
    .unwrap();
    assert!(ours == upstream, "rules/ holds the upstream file unchanged");
}

//! Bench inputs shared by the query and load benches: Kubernetes audit documents in the shape
//! of Elastic's `sample_event.json` (~2 KB each) and the seed rule's query.

use rulegate::document::FieldSelection;
use rulegate::eval;

/// `n` audit documents as NDJSON, varied in the fields the seed rule reads.
pub fn audit_ndjson(n: usize) -> String {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/reference/elastic-k8s-audit/sample_event.json"
    );
    let sample: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("sample event")).unwrap();
    let verbs = ["get", "list", "watch", "create"];
    let resources = ["secrets", "configmaps", "pods"];
    let mut out = String::new();
    for i in 0..n {
        let mut d = sample.clone();
        d["event"]["action"] = verbs[i % 4].into();
        d["event"]["dataset"] = "kubernetes.audit_logs".into();
        d["data_stream"] = serde_json::json!({"type": "logs", "dataset": "kubernetes.audit_logs", "namespace": "default"});
        d["source"] = serde_json::json!({"ip": format!("10.0.{}.{}", i % 7, i % 250)});
        d["user"] = serde_json::json!({"name": format!("user{}", i % 13)});
        d["user_agent"] = serde_json::json!({"original": "curl/8.5.0"});
        d["kubernetes"]["audit"]["auditID"] = format!("audit-{i:08}").into();
        d["kubernetes"]["audit"]["objectRef"] = serde_json::json!({
            "resource": resources[i % 3], "namespace": "prod", "name": format!("obj-{}", i % 97)
        });
        out.push_str(&serde_json::to_string(&d).unwrap());
        out.push('\n');
    }
    out
}

/// The seed rule's query text.
pub fn seed_rule() -> rulegate::rule::LoadedRule {
    let rule = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/rules/credential_access_kubernetes_multiple_secret_retrieval_burst.toml"
    ))
    .unwrap();
    rulegate::rule::load_str("seed.toml", &rule).expect("seed rule loads")
}

/// The fields the seed rule reads, as the scheduler selects them (with its timestamp field).
pub fn seed_selection(rule: &rulegate::rule::LoadedRule) -> FieldSelection {
    let (query, _) = rule.query.parsed().expect("seed rule parses");
    eval::fields_for(query, &["event.ingested"])
}

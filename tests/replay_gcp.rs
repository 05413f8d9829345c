//! `replay --raw --dataset gcp.audit`: a GKE export (Cloud Audit Log entries, any shape `ingest`
//! reads) replays as the `gcp.audit` documents Elastic's GCP integration indexes, checked against
//! its pipeline test sample; `W006` names the field each data stream takes its time from; a
//! native event under `gcp.audit` is `E501`; `--dataset` needs `--raw`.

use std::path::Path;
use std::process::Command;

use crate::support::{repo_path, rulegate};

const SAMPLE: &str = "tests/data/gcp-audit/test-k8s-nonmatching-resourcename.log";
const EXPECTED: &str = "tests/data/gcp-audit/test-k8s-nonmatching-resourcename.log-expected.json";
const KEEP_RULE: &str = "tests/data/gcp-audit/keep_gcp_audit_fields.toml";

fn run(command: &mut Command) -> (Option<i32>, String, String) {
    let output = command.output().expect("the binary runs");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn replay(rule: &str, input: &Path, extra: &[&str]) -> (Option<i32>, String, String) {
    let mut command = rulegate();
    command.current_dir(repo_path(""));
    command.args(["replay", rule, "--input"]).arg(input);
    command.args(extra);
    run(&mut command)
}

/// The value at a dotted path of a nested JSON document.
fn at<'a>(doc: &'a serde_json::Value, path: &str) -> &'a serde_json::Value {
    path.split('.').fold(doc, |v, key| &v[key])
}

#[test]
fn the_pipeline_sample_replays_as_the_pipeline_indexes_it() {
    let (code, stdout, stderr) = replay(
        KEEP_RULE,
        &repo_path(SAMPLE),
        &["--raw", "--dataset", "gcp.audit"],
    );
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        !stderr.contains("GKE Cloud Audit Log entries were mapped"),
        "{stderr}"
    );
    let value: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let alert = &value["alerts"][0];
    assert_eq!(alert["duplicate_of"], serde_json::Value::Null);
    let fields = &alert["fields"];
    let expected_text = std::fs::read_to_string(repo_path(EXPECTED)).unwrap();
    let expected: serde_json::Value = serde_json::from_str(&expected_text).unwrap();
    let doc = &expected["expected"][0];
    for path in [
        "@timestamp",
        "event.action",
        "event.outcome",
        "source.ip",
        "client.user.email",
        "cloud.project.id",
    ] {
        assert!(!at(doc, path).is_null(), "the sample's document has {path}");
        assert_eq!(&fields[path], at(doc, path), "{path}");
    }
    assert_eq!(fields["_index"], "logs-gcp.audit-default");
}

#[test]
fn without_the_dataset_the_entry_goes_to_the_kubernetes_stream() {
    let (code, _, stderr) = replay(KEEP_RULE, &repo_path(SAMPLE), &["--raw"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("Unknown index [logs-gcp.audit-*]"),
        "{stderr}"
    );
    assert!(
        stderr.contains("`--dataset gcp.audit` (`ingest`, `replay --raw`) maps them to it"),
        "{stderr}"
    );
}

#[test]
fn a_gcloud_export_replays_like_its_ingested_documents() {
    let export = repo_path("tests/data/shapes/gcloud_logging_read.json");
    let (code, raw_out, stderr) = replay(KEEP_RULE, &export, &["--raw", "--dataset", "gcp.audit"]);
    assert_eq!(code, Some(0), "{stderr}");
    let value: serde_json::Value = serde_json::from_str(&raw_out).unwrap();
    let actions: std::collections::BTreeSet<&str> = (value["alerts"].as_array().unwrap().iter())
        .filter_map(|a| a["fields"]["event.action"].as_str())
        .collect();
    assert_eq!(
        actions.into_iter().collect::<Vec<_>>(),
        [
            "io.k8s.core.v1.secrets.create",
            "io.k8s.core.v1.secrets.delete"
        ]
    );
    let dir = crate::support::scratch("replay-gcp");
    let ndjson = dir.join("gke.ndjson");
    let (code, _, stderr) = run(rulegate()
        .args(["ingest", "--dataset", "gcp.audit", "-o"])
        .arg(&ndjson)
        .arg(&export));
    assert_eq!(code, Some(0), "{stderr}");
    let (code, ecs_out, stderr) = replay(KEEP_RULE, &ndjson, &[]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(
        raw_out, ecs_out,
        "replay --raw --dataset = ingest --dataset, then replay"
    );
}

#[test]
fn w006_names_timestamp_under_gcp_and_the_stage_times_under_kubernetes() {
    let untimed = repo_path("tests/data/gcp-audit/gke_untimed.ndjson");
    let (code, _, stderr) = replay(KEEP_RULE, &untimed, &["--raw", "--dataset", "gcp.audit"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains(
            "warning[W006]: 2 entrie(s) have no `timestamp` the gcp.audit pipeline can parse"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("gke_untimed.ndjson:2"), "{stderr}");
    assert!(!stderr.contains("stageTimestamp"), "{stderr}");
    // ingest says the same of the same file.
    let (code, _, ingest_err) = run(rulegate()
        .current_dir(repo_path(""))
        .args(["ingest", "--dataset", "gcp.audit", "-o", "-"])
        .arg(&untimed));
    assert_eq!(code, Some(0), "{ingest_err}");
    assert!(
        ingest_err.contains("2 entrie(s) have no `timestamp`"),
        "{ingest_err}"
    );
    // A native event without stage times, under the Kubernetes data stream.
    let dir = crate::support::scratch("replay-w006");
    let native = dir.join("audit.jsonl");
    std::fs::write(
        &native,
        concat!(
            r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"a1","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/default/secrets/s1","verb":"get","user":{"username":"u"},"objectRef":{"resource":"secrets","namespace":"default","name":"s1"},"responseStatus":{"code":200},"stageTimestamp":"2026-05-15T10:00:00.000000Z","requestReceivedTimestamp":"2026-05-15T10:00:00.000000Z"}"#,
            "\n",
            r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"a2","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/default/secrets/s2","verb":"get","user":{"username":"u"},"objectRef":{"resource":"secrets","namespace":"default","name":"s2"},"responseStatus":{"code":200}}"#,
            "\n"
        ),
    )
    .unwrap();
    let rule = "rules/credential_access_kubernetes_multiple_secret_retrieval_burst.toml";
    let (code, _, stderr) = replay(rule, &native, &["--raw"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains(
            "warning[W006]: 1 event(s) have no `stageTimestamp` or `requestReceivedTimestamp`"
        ) && stderr.contains("audit.jsonl:2"),
        "{stderr}"
    );
}

#[test]
fn a_native_event_under_gcp_audit_is_e501_and_the_dataset_needs_raw() {
    let native = repo_path("tests/data/shapes/cri.log");
    let (code, _, stderr) = replay(KEEP_RULE, &native, &["--raw", "--dataset", "gcp.audit"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("error[E501]") && stderr.contains("is not a Cloud Audit Log entry"),
        "{stderr}"
    );
    assert!(
        stderr.contains("--dataset kubernetes.audit_logs"),
        "the help names the fix: {stderr}"
    );
    let (code, _, stderr) = replay(KEEP_RULE, &repo_path(SAMPLE), &["--dataset", "gcp.audit"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("--raw"), "{stderr}");
    let (code, _, stderr) = replay(
        KEEP_RULE,
        &repo_path(SAMPLE),
        &["--raw", "--dataset", "gcp"],
    );
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("gcp.audit"),
        "the values are listed: {stderr}"
    );
}

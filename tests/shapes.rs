//! Every shape real audit logs come in (`tests/data/shapes/`, see its README): each accepted
//! shape imports the same two events with the right `@timestamp`, skipped records are counted
//! with their reason, and the shapes we cannot read are refused naming the shape and the fix.

use serde_json::Value;

use crate::support::rulegate;

const CREATE_ID: &str = "55a81824-ab56-46c5-8b02-96336f5e78d7";
const DELETE_ID: &str = "d1df3fa9-497f-49cf-bd48-60a651df8075";

/// Runs `rulegate ingest` on a fixture: (documents, standard error).
fn ingest(file: &str) -> (Vec<Value>, String) {
    let output = rulegate()
        .arg("ingest")
        .arg(format!("tests/data/shapes/{file}"))
        .output()
        .unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(0), "{file}: {stderr}");
    let docs = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    (docs, stderr)
}

fn field<'v>(doc: &'v Value, path: &str) -> &'v Value {
    path.split('.').fold(doc, |value, key| &value[key])
}

/// (fixture, @timestamp of the two documents, notes that must be on standard error)
const ACCEPTED: [(&str, [&str; 2], &[&str]); 8] = [
    // @timestamp from stageTimestamp, as for any native line.
    ("cloud_input.ndjson", ["2020-04-21T17:57:05.548Z", "2020-04-21T17:58:49.696Z"], &[]),
    ("bom.ndjson", ["2020-04-21T17:57:05.548Z", "2020-04-21T17:58:49.696Z"], &[]),
    ("cri.log", ["2020-04-21T17:57:05.548Z", "2020-04-21T17:58:49.696Z"], &[]),
    // CloudWatch: the log event's own `timestamp` (stageTimestamp + 700 ms in the fixtures).
    (
        "cloudwatch_subscription.ndjson",
        ["2020-04-21T17:57:06.248Z", "2020-04-21T17:58:50.396Z"],
        &[
            "skipped 1 record(s) without an audit event: CloudWatch Logs control message",
            "skipped 1 record(s) without an audit event: CloudWatch log event that is not an audit event",
        ],
    ),
    (
        "cloudwatch_firehose_s3.gz",
        ["2020-04-21T17:57:06.248Z", "2020-04-21T17:58:50.396Z"],
        &["CloudWatch Logs control message"],
    ),
    (
        "filter_log_events.json",
        ["2020-04-21T17:57:06.248Z", "2020-04-21T17:58:50.396Z"],
        &["skipped 1 record(s) without an audit event: CloudWatch log event that is not an audit event (stream `authenticator-0123456789abcdef`)"],
    ),
    // AKS: the envelope's `time`, as Elastic's pipeline sets it.
    (
        "aks_records.json",
        ["2020-04-21T17:57:05.548Z", "2020-04-21T17:58:19.200Z"],
        &[
            "skipped 1 record(s) without an audit event: AKS record of category `kube-apiserver` (not kube-audit or kube-audit-admin)",
            "skipped 1 record(s) without an audit event: AKS record of category `cluster-autoscaler` (not kube-audit or kube-audit-admin)",
        ],
    ),
    // GKE: the entry's `timestamp` becomes stageTimestamp (pipeline step 7).
    (
        "gcloud_logging_read.json",
        ["2020-04-21T17:57:05.548Z", "2020-04-21T17:58:49.696Z"],
        &["2 GKE Cloud Audit Log entries were mapped as the Kubernetes integration's gcp-pubsub input does", "logs-gcp.audit-*"],
    ),
];

#[test]
fn every_accepted_shape_imports_the_two_events_with_their_times() {
    for (file, times, notes) in ACCEPTED {
        let (docs, stderr) = ingest(file);
        assert_eq!(docs.len(), 2, "{file}: {stderr}");
        // A GKE entry keeps its verb in `protoPayload.methodName`: the Kubernetes pipeline
        // renames only insertId, the timestamps, the status code and labels (step 7).
        let verb = match file.starts_with("gcloud") {
            true => "kubernetes.audit.protoPayload.methodName",
            false => "event.action",
        };
        let actions: Vec<&Value> = docs.iter().map(|d| field(d, verb)).collect();
        let expected = match file.starts_with("gcloud") {
            true => [
                "io.k8s.core.v1.secrets.create",
                "io.k8s.core.v1.secrets.delete",
            ],
            false => ["create", "delete"],
        };
        assert_eq!(actions, expected, "{file}");
        let stamps: Vec<&str> = docs
            .iter()
            .map(|d| d["@timestamp"].as_str().unwrap())
            .collect();
        assert_eq!(stamps, times, "{file}");
        let ids: Vec<&Value> = docs
            .iter()
            .map(|d| field(d, "kubernetes.audit.auditID"))
            .collect();
        assert_eq!(ids, [CREATE_ID, DELETE_ID], "{file}");
        if !file.starts_with("gcloud") {
            assert_eq!(field(&docs[0], "user.name"), "minikube-user", "{file}");
        }
        for note in notes {
            assert!(
                stderr.contains(note),
                "{file}: `{note}` missing in:\n{stderr}"
            );
        }
        assert!(
            stderr.contains("ingested 2 events from 1 file(s); 0 invalid line(s) skipped"),
            "{file}: {stderr}"
        );
    }
}

#[test]
fn aks_records_keep_their_envelope_as_aks_metadata() {
    let (docs, _) = ingest("aks_records.json");
    assert_eq!(
        field(&docs[1], "kubernetes.audit.aks_metadata.category"),
        "kube-audit-admin"
    );
    assert_eq!(
        field(&docs[0], "kubernetes.audit.aks_metadata.pod"),
        "kube-apiserver-5d9f8c7b6-abcde"
    );
    // No pipeline_error document for the other categories: they are skipped, not indexed.
    assert!(docs.iter().all(|d| field(d, "event.kind") == "event"));
}

#[test]
fn a_cloud_input_message_becomes_event_original_with_preserve_original() {
    let output = rulegate()
        .args([
            "ingest",
            "--preserve-original",
            "tests/data/shapes/cloud_input.ndjson",
        ])
        .output()
        .unwrap();
    let first: Value = serde_json::from_str(
        String::from_utf8(output.stdout)
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    let original = field(&first, "event.original").as_str().unwrap();
    assert!(original.starts_with("{\"kind\":\"Event\""), "{original}");
}

#[test]
fn base64_payloads_are_refused_naming_the_shape_and_the_fix() {
    for (file, shape, fix) in [
        (
            "lambda_awslogs.json",
            "Lambda CloudWatch Logs event",
            "base64 -d | gunzip",
        ),
        (
            "firehose_request.json",
            "Kinesis Data Firehose request",
            "base64 -d | gunzip",
        ),
    ] {
        let output = rulegate()
            .arg("ingest")
            .arg(format!("tests/data/shapes/{file}"))
            .output()
            .unwrap();
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_eq!(output.status.code(), Some(2), "{file}");
        assert!(stderr.starts_with("error[E504]"), "{stderr}");
        assert!(stderr.contains(shape) && stderr.contains(fix), "{stderr}");
        assert!(
            stderr.contains(&format!("tests/data/shapes/{file}:1")),
            "{stderr}"
        );
    }
}

#[test]
fn an_unknown_object_names_the_shapes_that_are_read() {
    let mut child = rulegate()
        .args(["ingest", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"{\"hello\":\"world\"}\n")
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr.contains("error[E501]"), "{stderr}");
    assert!(
        stderr.contains("`messageType` or `events` (CloudWatch)"),
        "{stderr}"
    );
}

#[test]
fn replay_raw_reads_every_shape_with_the_envelope_time() {
    let output = rulegate()
        .args([
            "replay",
            "rules/credential_access_kubernetes_multiple_secret_retrieval_burst.toml",
            "--raw",
            "--input",
            "tests/data/shapes/filter_log_events.json",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

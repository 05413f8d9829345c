//! The ECS mapping against Elastic's own pipeline-test samples, field by field, and the import of
//! every raw sample under `../shared/reference/raw-k8s-audit/` through `rulegate ingest`.

use std::collections::BTreeMap;
use std::io::Write;

use rulegate::audit::ecs::{ingest_pipeline, raw_to_ecs, EcsOptions, PRESERVE_ORIGINAL};
use serde_json::{json, Map, Value};

use crate::support::{rulegate, shared_path, success_stdout};

/// Leaf fields as dotted paths (arrays are leaves, as Elasticsearch treats them).
fn flatten(prefix: &str, value: &Value, out: &mut BTreeMap<String, Value>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let path = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                flatten(&path, child, out);
            }
        }
        _ => {
            out.insert(prefix.to_string(), value.clone());
        }
    }
}

fn fields(value: &Value) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    flatten("", value, &mut out);
    out
}

/// (log, expected, tags from the test's `-config.yml`)
const SAMPLES: [(&str, &str, &[&str]); 2] = [
    (
        "elastic-k8s-audit/test-audit.log",
        "elastic-k8s-audit/test-audit.log-expected.json",
        &[PRESERVE_ORIGINAL],
    ),
    (
        "elastic-k8s-audit/test-kube-audit.log",
        "elastic-k8s-audit/test-kube-audit.log-expected.json",
        &[],
    ),
];

fn samples() -> Vec<(String, String, Value, Vec<String>)> {
    let mut out = Vec::new();
    for (log, expected, tags) in SAMPLES {
        let text = std::fs::read_to_string(shared_path(&format!("reference/{log}"))).unwrap();
        let expected: Value = serde_json::from_str(
            &std::fs::read_to_string(shared_path(&format!("reference/{expected}"))).unwrap(),
        )
        .unwrap();
        let expected = expected["expected"].as_array().unwrap().clone();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines.len(),
            expected.len(),
            "{log}: one expected document per line"
        );
        for (line, doc) in lines.into_iter().zip(expected) {
            out.push((
                log.to_string(),
                line.to_string(),
                doc,
                tags.iter().map(|t| t.to_string()).collect(),
            ));
        }
    }
    out
}

/// The pipeline alone, fed as Elastic's pipeline test feeds it (`message` + the config's tags),
/// must give exactly the expected document: no field may differ.
#[test]
fn ingest_pipeline_reproduces_elastic_expected_documents_exactly() {
    for (log, line, expected, tags) in samples() {
        let mut doc = Map::new();
        doc.insert("message".into(), Value::String(line.clone()));
        if !tags.is_empty() {
            doc.insert("tags".into(), json!(tags));
        }
        ingest_pipeline(&mut doc);
        assert_eq!(
            fields(&Value::Object(doc)),
            fields(&expected),
            "{log}: {line}"
        );
    }
}

/// `raw_to_ecs` (what ingest and gen use) adds what sits around the pipeline. Those fields, and
/// only those, legitimately differ from the pipeline test's expected output:
const ADDED_OUTSIDE_THE_PIPELINE: [(&str, &str); 5] = [
    ("@timestamp", "set by Elastic Agent (read time); pipeline tests have none except AKS, whose value must match"),
    ("data_stream.dataset", "Agent stream configuration; pipeline tests bypass the Agent"),
    ("data_stream.namespace", "Agent stream configuration"),
    ("data_stream.type", "Agent stream configuration"),
    ("event.ingested", "Fleet's final pipeline, not run by pipeline tests"),
];
const DATASET_FIELD: (&str, &str) = (
    "event.dataset",
    "Agent stream configuration (constant_keyword in one mapping version)",
);
const ORIGINAL_FIELD: (&str, &str) =
    ("event.original", "Fleet's final pipeline removes it unless tagged preserve_original_event; the AKS test has no tag and no Fleet");

#[test]
fn raw_to_ecs_differs_from_the_samples_only_in_agent_and_fleet_fields() {
    for (log, line, expected, tags) in samples() {
        let raw: Value = serde_json::from_str(&line).unwrap();
        let options = EcsOptions {
            original: Some(&line),
            tags: tags.clone(),
            ..EcsOptions::default()
        };
        let ours = fields(&raw_to_ecs(&raw, &options));
        let theirs = fields(&expected);
        let allowed: Vec<&str> = ADDED_OUTSIDE_THE_PIPELINE
            .iter()
            .chain([&DATASET_FIELD, &ORIGINAL_FIELD])
            .map(|(field, _reason)| *field)
            .collect();
        for key in ours.keys().chain(theirs.keys()) {
            if ours.get(key) == theirs.get(key) {
                continue;
            }
            let aks_timestamp = key == "@timestamp" && theirs.contains_key(key);
            assert!(
                allowed.contains(&key.as_str()) && !aks_timestamp,
                "{log}: field `{key}` differs: ours {:?}, Elastic's {:?}",
                ours.get(key),
                theirs.get(key)
            );
        }
        // Without the tag, event.original must be gone; with it, kept verbatim.
        assert_eq!(
            ours.contains_key("event.original"),
            tags.iter().any(|t| t == PRESERVE_ORIGINAL),
            "{log}"
        );
    }
}

#[test]
fn pipeline_edge_cases_follow_elasticsearch() {
    let raw = json!({
        "kind": "Event", "apiVersion": "audit.k8s.io/v1", "verb": "get", "stage": "ResponseComplete",
        "user": {"username": "u", "uid": "u", "groups": ["", "g"], "extra": {}},
        "sourceIPs": ["203.0.113.7", "not-an-ip"],
        "objectRef": {"resource": "secrets", "apiGroup": "", "name": "x"},
        "annotations": {"authorization.k8s.io/decision": "forbid", "a.b.c/d.e": "v"},
        "stageTimestamp": "2026-01-01T00:00:01.999999Z"
    });
    let doc = raw_to_ecs(
        &raw,
        &EcsOptions {
            ingest_lag: 1_500_000_000,
            ..EcsOptions::default()
        },
    );
    // One non-IP element: `convert` fails and ignore_failure leaves no source/client/related ip.
    assert!(doc.get("source").is_none() && doc.get("client").is_none());
    assert!(doc["related"].get("ip").is_none());
    // uid == username: related.user is append-unique.
    assert_eq!(doc["related"]["user"], json!(["u"]));
    assert_eq!(doc["event"]["outcome"], "failure");
    assert_eq!(doc["kubernetes"]["audit"]["annotations"]["a_b_c/d_e"], "v");
    assert_eq!(doc["kubernetes"]["audit"]["user"]["groups"], json!(["g"]));
    assert!(doc["kubernetes"]["audit"]["user"].get("extra").is_none());
    assert!(doc["kubernetes"]["audit"]["objectRef"]
        .get("apiGroup")
        .is_none());
    assert_eq!(doc["@timestamp"], "2026-01-01T00:00:01.999Z");
    assert_eq!(doc["event"]["ingested"], "2026-01-01T00:00:03Z");
}

fn raw_samples() -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for dir in [
        "reference/raw-k8s-audit/falco",
        "reference/raw-k8s-audit/audit2rbac",
    ] {
        for entry in std::fs::read_dir(shared_path(dir)).unwrap() {
            files.push(entry.unwrap().path());
        }
    }
    files.sort();
    files
}

#[test]
fn every_raw_sample_ingests() {
    let files = raw_samples();
    assert_eq!(files.len(), 10);
    let output = rulegate().arg("ingest").args(&files).output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    let docs: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // 9 Falco files hold 9 events (create_secret.json has a trailing newline), demo.log 37.
    assert_eq!(docs.len(), 46);
    for doc in &docs {
        assert_eq!(doc["event"]["kind"], "event");
        assert_eq!(doc["data_stream"]["dataset"], "kubernetes.audit_logs");
        assert!(
            doc["@timestamp"].is_string() && doc["event"]["ingested"].is_string(),
            "{doc}"
        );
        assert!(doc["kubernetes"]["audit"]["auditID"].is_string());
    }
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(
        stderr,
        "ingested 46 events from 10 file(s); 0 invalid line(s) skipped\n"
    );
}

#[test]
fn gzip_event_lists_and_aks_envelopes_ingest_to_bulk() {
    let dir = crate::support::scratch("ingest");
    let demo = std::fs::read_to_string(shared_path("reference/raw-k8s-audit/audit2rbac/demo.log"))
        .unwrap();
    let gz = dir.join("audit.log.1.gz");
    let mut encoder = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz).unwrap(),
        flate2::Compression::fast(),
    );
    encoder.write_all(demo.as_bytes()).unwrap();
    encoder.finish().unwrap();
    let items: Vec<Value> = demo
        .lines()
        .take(3)
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let list = dir.join("list.json");
    std::fs::write(
        &list,
        serde_json::to_string_pretty(
            &json!({"kind": "EventList", "apiVersion": "audit.k8s.io/v1", "items": items}),
        )
        .unwrap(),
    )
    .unwrap();
    let aks = shared_path("reference/elastic-k8s-audit/test-kube-audit.log");
    let out = dir.join("out.ndjson");
    success_stdout(
        rulegate()
            .args(["ingest", "--format", "bulk", "-o"])
            .arg(&out)
            .args([&gz, &list, &aks]),
    );
    let text = std::fs::read_to_string(&out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2 * (37 + 3 + 1));
    for pair in lines.chunks(2) {
        assert_eq!(
            pair[0],
            r#"{"create":{"_index":"logs-kubernetes.audit_logs-default"}}"#
        );
    }
    let last: Value = serde_json::from_str(lines.last().unwrap()).unwrap();
    assert_eq!(
        last["kubernetes"]["audit"]["aks_metadata"]["category"],
        "kube-audit"
    );
    assert_eq!(last["@timestamp"], "2025-10-07T16:19:19.647Z");
    assert_eq!(last["user"]["name"], "aksService");
}

#[test]
fn bad_lines_fail_with_file_and_line_and_write_nothing_unless_skipped() {
    let dir = crate::support::scratch("bad-ingest");
    let log = dir.join("bad.log");
    // Lines 1 and 3 are events (with a time, which ingest requires: E410); line 2 is not.
    std::fs::write(&log, "{\"auditID\":\"a\",\"verb\":\"get\",\"requestReceivedTimestamp\":\"2026-05-01T10:00:00Z\"}\nnot json at all\n{\"auditID\":\"b\",\"verb\":\"get\",\"requestReceivedTimestamp\":\"2026-05-01T10:00:01Z\"}\n").unwrap();
    let out = dir.join("out.ndjson");
    let output = rulegate()
        .args(["ingest", "-o"])
        .arg(&out)
        .arg(&log)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("error[E501]: line 2 is not an audit event")
            && stderr.contains("bad.log:2"),
        "{stderr}"
    );
    assert!(!out.exists(), "nothing is written on error");
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        1,
        "no temporary file is left behind"
    );

    let output = rulegate()
        .args(["ingest", "--skip-invalid", "-o"])
        .arg(&out)
        .arg(&log)
        .output()
        .unwrap();
    assert!(output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("warning[W501]: skipped line 2"), "{stderr}");
    assert!(
        stderr.ends_with("ingested 2 events from 1 file(s); 1 invalid line(s) skipped\n"),
        "{stderr}"
    );
    assert_eq!(std::fs::read_to_string(&out).unwrap().lines().count(), 2);
}

#[test]
fn aks_envelope_with_an_object_log_and_gke_entries_ingest() {
    let log = shared_path("reference/elastic-k8s-audit/versions/0b97ab02df57b57303b67e48840bb75dfe5c4738/test-audit.log");
    let stdout = success_stdout(rulegate().arg("ingest").arg(&log));
    let docs: Vec<Value> = String::from_utf8(stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(docs.len(), 5);
    // GKE: renamed fields, no user.name (principalEmail is not copied), @timestamp from `timestamp`.
    assert_eq!(docs[3]["kubernetes"]["audit"]["auditID"], "1234abcd");
    assert!(docs[3].get("user").is_none());
    assert_eq!(docs[3]["@timestamp"], "2025-07-13T08:38:39.127Z");
    // AKS with `properties.log` as an object.
    assert_eq!(
        docs[4]["kubernetes"]["audit"]["aks_metadata"]["category"],
        "kube-audit-admin"
    );
    assert_eq!(
        docs[4]["kubernetes"]["audit"]["aks_metadata"]["container_id"],
        "aaaa1111"
    );
    assert_eq!(docs[4]["@timestamp"], "2025-09-30T06:23:35.101Z");
    assert_eq!(docs[4]["event"]["action"], "update");
}

#[test]
fn preserve_original_keeps_each_line_verbatim() {
    let log = shared_path("reference/elastic-k8s-audit/test-audit.log");
    let output = rulegate()
        .args(["ingest", "--preserve-original"])
        .arg(&log)
        .output()
        .unwrap();
    assert!(output.status.success());
    let text = std::fs::read_to_string(&log).unwrap();
    let docs: Vec<Value> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(docs.len(), text.lines().count());
    for (doc, line) in docs.iter().zip(text.lines()) {
        assert_eq!(doc["event"]["original"], line);
        assert_eq!(doc["tags"], json!([PRESERVE_ORIGINAL]));
    }
}

//! `ingest --dataset gcp.audit`'s direct path (`audit::gcp_direct`, no `serde_json::Value`):
//! the same bytes as the `Value` path (`import` → `gcp::log_entry_to_ecs` → `serde_json`) for
//! hand-written entries (every field the mapping reads: absent, `null`, empty, of the wrong
//! type; escapes, huge numbers, duplicate keys, deep nesting, keys made of dots) and for seeded
//! generated ones, and through the binary at 1 and 2 threads against the oracle `--value-path`
//! (output, warnings, errors with their lines, exit code, no partial output file).

use std::path::PathBuf;
use std::process::Output;

use rulegate::audit::ecs_direct::DirectOptions;
use rulegate::audit::gcp::{log_entry_to_ecs, GcpOptions, INDEX};
use rulegate::audit::gcp_direct::write_entry;
use rulegate::audit::import;
use rulegate::audit::json_tree::Tree;

use crate::support::{repo_path, rulegate};

const fn options(lag: i64, preserve_original: bool, bulk: bool) -> DirectOptions {
    DirectOptions {
        received_first: false,
        ingest_lag: lag,
        preserve_original,
        bulk,
        gcp: true,
    }
}

const OPTION_SETS: [DirectOptions; 3] = [
    options(0, false, false),
    options(0, true, false),
    options(86_400_000_000_000, true, true),
];

/// What the `Value` path writes for a line that is one entry `ingest` writes as it is (no
/// warning, no error, not dropped, with `@timestamp` and `event.ingested`), as `ingest` does.
fn value_path(line: &str, o: &DirectOptions) -> Option<Vec<u8>> {
    let mut events = Vec::new();
    let mut warnings = Vec::new();
    import::read_events("t", line.as_bytes(), false, &mut warnings, &mut |e| {
        events.push(e);
        Ok(())
    })
    .ok()?;
    let [event] = <[_; 1]>::try_from(events).ok()?;
    event.raw.get("protoPayload")?;
    let gcp = GcpOptions {
        ingest_lag: o.ingest_lag,
        preserve_original: o.preserve_original,
    };
    let doc = log_entry_to_ecs(&event.raw, &gcp)?;
    doc.get("@timestamp")?;
    doc.get("event")?.get("ingested")?;
    let mut text = Vec::new();
    if o.bulk {
        text.extend_from_slice(format!("{{\"create\":{{\"_index\":\"{INDEX}\"}}}}\n").as_bytes());
    }
    serde_json::to_writer(&mut text, &doc).unwrap();
    text.push(b'\n');
    Some(text)
}

/// The direct path's bytes for `line`, checked against the `Value` path; whether it took it.
fn same_as_value_path(tree: &mut Tree, line: &str, o: &DirectOptions) -> bool {
    let mut out = b"kept".to_vec();
    match write_entry(tree, line, o, &mut out) {
        Ok(_) => {
            let expected = value_path(line, o);
            assert!(
                expected.as_deref() == Some(&out[4..]),
                "{line}\n{o:?}\ndirect: {}\nvalue:  {}",
                String::from_utf8_lossy(&out[4..]),
                String::from_utf8_lossy(expected.as_deref().unwrap_or(b"(none)"))
            );
            true
        }
        Err(_) => {
            assert_eq!(out, b"kept", "a bail leaves the buffer as it was");
            false
        }
    }
}

/// Elastic's pipeline test entry (`response` with `managedFields` whose keys include `"."`).
fn sample() -> String {
    let path = repo_path("tests/data/gcp-audit/test-k8s-nonmatching-resourcename.log");
    std::fs::read_to_string(path).unwrap().trim().to_string()
}

/// Members of a made-up entry as (key, JSON text); `p.` keys are `protoPayload`'s.
type Members = Vec<(String, String)>;

/// An entry with every field the mapping reads (the pipeline test's, and more).
fn base() -> (Members, Members) {
    let m = |pairs: &[(&str, &str)]| -> Members {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    let top = m(&[
        ("insertId", r#""k8s-1""#),
        (
            "logName",
            r#""projects/p/logs/cloudaudit.googleapis.com%2Factivity""#,
        ),
        (
            "operation",
            r#"{"first":true,"id":"op-1","last":false,"producer":"k8s.io"}"#,
        ),
        ("receiveTimestamp", r#""2021-04-23T14:47:31.948229350Z""#),
        (
            "resource",
            r#"{"labels":{"cluster_name":"c1","location":"us-central1-a","project_id":"p","instance_id":"i-1"},"type":"k8s_cluster"}"#,
        ),
        ("severity", r#""NOTICE""#),
        (
            "labels",
            r#"{"authorization.k8s.io/decision":"allow","k":["a",null,""]}"#,
        ),
        ("timestamp", r#""2021-04-23T14:47:07.535383Z""#),
    ]);
    let payload = m(&[
        (
            "@type",
            r#""type.googleapis.com/google.cloud.audit.AuditLog""#,
        ),
        (
            "authenticationInfo",
            r#"{"principalEmail":"a@b.iam.gserviceaccount.com","principalSubject":"user:a","authoritySelector":"s","serviceAccountKeyName":"//k"}"#,
        ),
        (
            "authorizationInfo",
            r#"[{"granted":true,"permission":"io.k8s.core.v1.secrets.get","resource":"core/v1/namespaces/ns/secrets/s","resourceAttributes":{"name":"s","type":"secrets"}}]"#,
        ),
        ("methodName", r#""io.k8s.core.v1.secrets.get""#),
        (
            "requestMetadata",
            r#"{"callerIp":"10.1.2.3","callerSuppliedUserAgent":"kubectl/v1.29"}"#,
        ),
        ("resourceName", r#""core/v1/namespaces/ns/secrets/s""#),
        (
            "resourceLocation",
            r#"{"currentLocations":["us-central1",""]}"#,
        ),
        ("numResponseItems", r#""2""#),
        ("request", r#"{"@type":"x","policy":"p","kind":"K"}"#),
        (
            "response",
            r#"{"@type":"y","status":"Success","metadata":{"managedFields":[{"fieldsV1":{"f:spec":{".":{},"f:x":{}}}}]}}"#,
        ),
        ("serviceName", r#""k8s.io""#),
        ("status", r#"{"code":0,"message":"ok"}"#),
    ]);
    (top, payload)
}

/// The line of `base()` with `changes` applied: `(key, Some(text))` sets the member (after
/// removing any of that name; `key+` adds one more of that name), `(key, None)` removes it.
fn entry(changes: &[(&str, Option<&str>)]) -> String {
    let (mut top, mut payload) = base();
    for (key, value) in changes {
        let (members, key) = match key.strip_prefix("p.") {
            Some(key) => (&mut payload, key),
            None => (&mut top, *key),
        };
        let (key, add) = match key.strip_suffix('+') {
            Some(key) => (key, true),
            None => (key, false),
        };
        if !add {
            members.retain(|(k, _)| k != key);
        }
        if let Some(value) = value {
            members.push((key.to_string(), value.to_string()));
        }
    }
    let object = |members: &Members| {
        let inner: Vec<String> = members
            .iter()
            .map(|(k, v)| format!("\"{k}\":{v}"))
            .collect();
        format!("{{{}}}", inner.join(","))
    };
    if !top.iter().any(|(k, _)| k == "protoPayload") && !changes.contains(&("protoPayload", None)) {
        top.push(("protoPayload".into(), object(&payload)));
    }
    object(&top)
}

/// Hand-written changes to the base entry, one or a few at a time.
fn edge_cases() -> Vec<String> {
    let deep = |n: usize| format!("{}1{}", "[".repeat(n), "]".repeat(n));
    let mut lines = vec![sample(), entry(&[])];
    let values = [
        "null",
        r#""""#,
        "{}",
        "[]",
        "0",
        "-0",
        "1.0",
        "1e2",
        "-1",
        "5e-324",
        "1e308",
        "18446744073709551615",
        "18446744073709551616",
        "-9223372036854775808",
        "9223372036854775807",
        "9223372036854775808",
        "123456789012345678901234567890",
        "true",
        "false",
        r#""x""#,
        r#"" 7 ""#,
        r#""+5""#,
        r#""-5""#,
        r#""\u00e9\ud83d\ude00\u2028\u0000\/""#,
        r#"{"a":null,"b":{"c":""}}"#,
        r#"[null,"",{},[[]]]"#,
        r#"{".":1,"..":{"x":1},"...":"y","a.":2}"#,
        r#"{"b":1,"a":{"d":[1,{"z":null,"y":"w"}],"c":"\t"}}"#,
        r#"{"a":1,"a":2}"#,
        r#"{"\u0061":1}"#,
        r#""\ud800""#,
        r#"[{"granted":true}]"#,
        r#"[{"granted":false},{"granted":true}]"#,
    ];
    let top_keys = [
        "insertId",
        "logName",
        "operation",
        "receiveTimestamp",
        "resource",
        "severity",
        "labels",
        "timestamp",
        "protoPayload",
    ];
    let payload_keys = [
        "p.@type",
        "p.authenticationInfo",
        "p.authorizationInfo",
        "p.methodName",
        "p.requestMetadata",
        "p.resourceName",
        "p.resourceLocation",
        "p.numResponseItems",
        "p.request",
        "p.response",
        "p.serviceName",
        "p.status",
    ];
    for key in top_keys.iter().chain(&payload_keys) {
        lines.push(entry(&[(key, None)]));
        for value in values {
            lines.push(entry(&[(key, Some(value))]));
        }
        lines.push(entry(&[(key, Some(&deep(98)))]));
        lines.push(entry(&[(key, Some(&deep(101)))]));
    }
    // Inside the objects the mapping reads.
    let inside: [(&str, &[&str]); 12] = [
        (
            "operation",
            &[
                r#"{"first":true,"last":true,"id":"k8s-1"}"#,
                r#"{"last":true}"#,
                r#"{"first":"true"}"#,
                r#"{"id":5}"#,
                r#"{"id":"k8s-1"}"#,
                r#"{"id":null}"#,
                r#"{"id":{"a":1}}"#,
                r#"{"id":"k8s-\u0031"}"#,
            ],
        ),
        (
            "resource",
            &[
                r#"{"type":"gke_cluster","labels":{"cluster_name":"c","zone":null,"location":"l"}}"#,
                r#"{"type":"k8s_cluster","labels":{"zone":"z","location":"l","project_id":5}}"#,
                r#"{"type":"gce_instance","labels":{"instance_id":123456789012345678901}}"#,
                r#"{"type":"","labels":[]}"#,
                r#"{"type":"k8s_cluster","labels":"x"}"#,
                r#"{"type":"k8s_\u0063luster"}"#,
            ],
        ),
        (
            "p.authenticationInfo",
            &[
                r#"{"principalEmail":""}"#,
                r#"{"principalEmail":5,"principalSubject":null}"#,
                r#"{"principalEmail":{"a":null}}"#,
                r#"{"principalEmail":["x","x"]}"#,
                r#"{"principalEmail":"\u00e9@x"}"#,
                r#""x""#,
            ],
        ),
        (
            "p.authorizationInfo",
            &[
                r#"[{"granted":"true"}]"#,
                r#"[null]"#,
                r#"[5]"#,
                r#"[{"resourceAttributes":null}]"#,
                r#"[{"resourceAttributes":{"a":1},"resource_attributes":2}]"#,
                r#"[{"resourceAttributes":{},"granted":false}]"#,
                r#"[{"granted":true},null]"#,
                r#"{"granted":true}"#,
            ],
        ),
        (
            "p.requestMetadata",
            &[
                r#"{"callerIp":"gce-internal-ip"}"#,
                r#"{"callerIp":"private"}"#,
                r#"{"callerIp":"::1"}"#,
                r#"{"callerIp":"2001:db8::1"}"#,
                r#"{"callerIp":"not-an-ip"}"#,
                r#"{"callerIp":""}"#,
                r#"{"callerIp":5}"#,
                r#"{"callerIp":"1.2.3.4","callerSuppliedUserAgent":null}"#,
                r#"{"callerIp":"\u0031.2.3.4"}"#,
            ],
        ),
        (
            "p.resourceName",
            &[
                r#""apis/apps/v1""#,
                r#""api/v1""#,
                r#""pods""#,
                r#""HNAP1""#,
                r#""/healthz""#,
                r#""core\/v1/namespaces//pods""#,
                r#""rbac.authorization.k8s.io/v1/clusterroles/admin""#,
                r#""core/v1/namespaces/ns/pods/""#,
                r#""apis/batch/v1/namespaces/ns/jobs/j/status""#,
            ],
        ),
        (
            "p.numResponseItems",
            &[
                r#""x""#,
                r#"" 9 ""#,
                r#""9223372036854775808""#,
                "1.5",
                r#""\u0037""#,
            ],
        ),
        (
            "p.request",
            &[
                r#"{"policy":{"a":1}}"#,
                r#"{"policy":null}"#,
                r#"{"policy":"p","policy_value":1}"#,
                r#"{"policy":[]}"#,
                r#""str""#,
            ],
        ),
        (
            "p.response",
            &[
                r#"{"status":{}}"#,
                r#"{"status":{"a":"b"}}"#,
                r#"{"status":"s","status_value":"t"}"#,
                r#"{"status":7}"#,
            ],
        ),
        (
            "p.status",
            &[
                r#"{"code":7}"#,
                r#"{"code":"3","message":""}"#,
                r#"{"code":"x"}"#,
                r#"{"code":1e0}"#,
                r#"{"code":18446744073709551615}"#,
                r#"{"code":-0}"#,
                r#"{"message":"m"}"#,
                r#""x""#,
            ],
        ),
        (
            "timestamp",
            &[
                r#""2021-04-23T14:47:07Z""#,
                r#""2021-04-23T16:47:07.1+02:00""#,
                r#""1969-12-31T23:59:59.9999Z""#,
                r#""1677-09-21T00:12:43.145224192Z""#,
                r#""1677-09-21T00:12:43.146Z""#,
                r#""2262-04-11T23:47:16.854775807Z""#,
                r#""2262-04-10T23:47:16Z""#,
                r#""nope""#,
                r#""9999-01-01T00:00:00Z""#,
                r#""2021-04-23 14:47:07Z""#,
            ],
        ),
        (
            "receiveTimestamp",
            &[
                r#""nope""#,
                r#""9999-01-01T00:00:00Z""#,
                r#""1969-12-31T23:59:59.9999Z""#,
            ],
        ),
    ];
    for (key, values) in inside {
        for value in values {
            lines.push(entry(&[(key, Some(value))]));
        }
    }
    // Other shapes, duplicate and extra top-level keys, whitespace.
    let changes: [&[(&str, Option<&str>)]; 10] = [
        &[("kind", Some(r#""EventList""#))],
        &[
            ("properties", Some("{}")),
            ("category", Some(r#""kube-audit""#)),
        ],
        &[("messageType", Some(r#""DATA_MESSAGE""#))],
        &[("time", Some(r#""9999-01-01T00:00:00Z""#))],
        &[("stageTimestamp", Some(r#""9999-01-01T00:00:00Z""#))],
        &[("timestamp+", Some(r#""2022-01-01T00:00:00Z""#))],
        &[("insertId+", Some("null"))],
        &[("p.methodName+", Some(r#""second""#))],
        &[("auditID", Some(r#""a""#)), ("verb", Some(r#""get""#))],
        &[("protoPayload", None), ("auditID", Some(r#""a""#))],
    ];
    for change in changes {
        lines.push(entry(change));
    }
    let spaced = entry(&[]).replace(",\"", " ,\n\t\"").replace(':', " : ");
    lines.extend([
        spaced,
        format!("  {}  \r", entry(&[])),
        format!("{}{{}}", entry(&[])),
    ]);
    lines.push(format!("[{}]", entry(&[])));
    lines
}

#[test]
fn hand_written_entries_the_direct_path_takes_are_the_value_paths_bytes() {
    let mut tree = Tree::default();
    let lines = edge_cases();
    let mut taken = 0;
    for line in &lines {
        for o in &OPTION_SETS {
            taken += usize::from(same_as_value_path(&mut tree, line, o));
        }
    }
    // Most of the changes keep the entry one the direct path writes (the rest bail).
    let all = lines.len() * OPTION_SETS.len();
    assert!(taken * 3 >= all * 2, "{taken} of {all} taken");
    // The usual entry is always taken.
    for o in &OPTION_SETS {
        assert!(same_as_value_path(&mut tree, &sample(), o));
        assert!(same_as_value_path(&mut tree, &entry(&[]), o));
    }
}

/// A seeded generator (xorshift), so that a failure is reproduced by its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// A JSON value: scalars at the limits, strings with escapes, nested containers with the
/// names the mapping reads, empty values, now and then duplicate keys and dot keys.
fn random_value(rng: &mut Rng, depth: usize) -> String {
    const SCALARS: [&str; 22] = [
        "null",
        "true",
        "false",
        "0",
        "-0",
        "7",
        "-7",
        "1.5",
        "1e2",
        "1E-2",
        "5e-324",
        "1e308",
        "18446744073709551616",
        "9223372036854775808",
        r#""""#,
        r#""x""#,
        r#""\u00e9\n""#,
        r#""\ud83d\ude00""#,
        r#"" 3 ""#,
        r#""10.0.0.1""#,
        r#""private""#,
        r#""2024-02-29T23:59:59.999999999Z""#,
    ];
    const KEYS: [&str; 16] = [
        "code",
        "message",
        "granted",
        "id",
        "first",
        "last",
        "policy",
        "status",
        "labels",
        "type",
        "cluster_name",
        "zone",
        "location",
        ".",
        "resourceAttributes",
        "a",
    ];
    match rng.below(if depth > 3 { 2 } else { 5 }) {
        0 | 1 => rng.pick(&SCALARS).to_string(),
        2 => {
            let n = rng.below(4);
            let items: Vec<String> = (0..n).map(|_| random_value(rng, depth + 1)).collect();
            format!("[{}]", items.join(","))
        }
        _ => {
            let n = rng.below(5);
            let members: Vec<String> = (0..n)
                .map(|_| format!("\"{}\":{}", rng.pick(&KEYS), random_value(rng, depth + 1)))
                .collect();
            format!("{{{}}}", members.join(","))
        }
    }
}

/// The base entry with a few members replaced by random values or removed.
fn random_entry(rng: &mut Rng) -> String {
    const KEYS: [&str; 22] = [
        "insertId",
        "logName",
        "operation",
        "receiveTimestamp",
        "resource",
        "severity",
        "labels",
        "timestamp",
        "p.@type",
        "p.authenticationInfo",
        "p.authorizationInfo",
        "p.methodName",
        "p.requestMetadata",
        "p.resourceName",
        "p.resourceLocation",
        "p.numResponseItems",
        "p.request",
        "p.response",
        "p.serviceName",
        "p.status",
        "p.extra",
        "extra",
    ];
    let values: Vec<(&str, Option<String>)> = (0..1 + rng.below(4))
        .map(|_| {
            let key = rng.pick(&KEYS);
            let value = (rng.below(6) > 0).then(|| random_value(rng, 0));
            (key, value)
        })
        .collect();
    let changes: Vec<(&str, Option<&str>)> =
        values.iter().map(|(k, v)| (*k, v.as_deref())).collect();
    entry(&changes)
}

#[test]
fn generated_entries_the_direct_path_takes_are_the_value_paths_bytes() {
    let mut tree = Tree::default();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let (mut taken, rounds) = (0, 6000);
    for round in 0..rounds {
        let line = random_entry(&mut rng);
        let o = &OPTION_SETS[round % OPTION_SETS.len()];
        taken += usize::from(same_as_value_path(&mut tree, &line, o));
    }
    assert!(taken * 2 >= rounds, "{taken} of {rounds} taken");
}

// ---- through the binary ----

fn ingest(args: &[&str], files: &[PathBuf]) -> Output {
    rulegate()
        .args(["ingest", "--dataset", "gcp.audit"])
        .args(args)
        .args(files)
        .output()
        .unwrap()
}

/// Runs `ingest --dataset gcp.audit ARGS` on the direct path at 1 and 2 threads and several
/// chunk sizes, asserts each is the `--value-path` oracle's run byte for byte, and returns the
/// oracle's.
fn same_as_oracle(args: &[&str], files: &[PathBuf]) -> Output {
    let args = [&["--dataset", "gcp.audit"], args].concat();
    let (threads, chunks) = (["1", "2"], ["1", "3000", "262144"]);
    crate::ingest_direct::same_as_oracle_at(&args, files, &threads, &chunks)
}

#[test]
fn ingest_of_entries_and_errors_is_the_oracles_at_one_and_two_threads() {
    let dir = crate::support::scratch("ingest-direct-gcp");
    let mut rng = Rng(42);
    let good: Vec<String> = (0..60)
        .map(|i| match i % 3 {
            0 => entry(&[]),
            1 => sample(),
            _ => random_entry(&mut rng),
        })
        .collect();
    // (file, odd line put at line 31, the error's place when it stops the run)
    let odd: [(&str, String, Option<&str>); 7] = [
        (
            "clean.log",
            entry(&[("p.methodName", Some(r#""x""#))]),
            None,
        ),
        (
            "not_json.log",
            "{\"insertId\":".to_string(),
            Some("not_json.log:31"),
        ),
        (
            "no_payload.log",
            entry(&[("protoPayload", None), ("auditID", Some("\"a\""))]),
            Some("no_payload.log:31"),
        ),
        (
            "dropped.log",
            entry(&[("p.@type", Some(r#""type.googleapis.com/Other""#))]),
            None,
        ),
        ("untimed.log", entry(&[("timestamp", None)]), None),
        (
            "bad_time.log",
            entry(&[("timestamp", Some(r#""9999-01-01T00:00:00Z""#))]),
            Some("bad_time.log:31"),
        ),
        (
            "pretty.log",
            format!("[\n{},\n{}\n]", entry(&[]), sample()),
            None,
        ),
    ];
    for (name, line, error_at) in &odd {
        let mut text = good[..30].join("\n");
        text.push('\n');
        text.push_str(line);
        text.push('\n');
        text.push_str(&good[30..].join("\n"));
        text.push('\n');
        let log = dir.join(name);
        std::fs::write(&log, text).unwrap();
        let files = std::slice::from_ref(&log);
        let oracle = same_as_oracle(&[], files);
        let stderr = String::from_utf8_lossy(&oracle.stderr);
        match error_at {
            Some(place) => {
                assert_eq!(oracle.status.code(), Some(2), "{name}: {stderr}");
                assert!(stderr.contains(place), "{name}: {stderr}");
            }
            None => assert!(oracle.status.success(), "{name}: {stderr}"),
        }
        same_as_oracle(&["--skip-invalid"], files);
        same_as_oracle(
            &[
                "--preserve-original",
                "--format",
                "bulk",
                "--ingest-lag",
                "2s",
            ],
            files,
        );
        // No partial output file when an error stops the run.
        let out = dir.join(format!("{name}.out"));
        let run = ingest(&["--threads", "2", "-o", out.to_str().unwrap()], files);
        assert_eq!(run.status.success(), error_at.is_none(), "{name}");
        assert_eq!(out.exists(), error_at.is_none(), "{name}");
    }
}

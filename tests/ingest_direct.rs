//! `ingest`'s direct path (`audit::ecs_direct`, no `serde_json::Value`): the same bytes as the
//! `Value` path (`import` → `raw_to_ecs` → `serde_json`), line by line over every raw sample and
//! over generated events and AKS `records` batches (quickcheck: escapes, Unicode, missing
//! fields, numbers at the limits, duplicate keys, records of other categories), and through the binary at 1, 2 and 4 threads and several chunk sizes
//! against the hidden oracle `--value-path`: output, warnings, errors (with their lines) and
//! exit code, and no output file when an error stops the run.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::atomic::{AtomicUsize, Ordering};

use quickcheck::{Arbitrary, Gen, QuickCheck};
use rulegate::audit::ecs::{raw_to_ecs, EcsOptions, TimestampFrom, INDEX, PRESERVE_ORIGINAL};
use rulegate::audit::ecs_direct::{write_any_line, write_line, DirectOptions, Taken};
use rulegate::audit::import;
use rulegate::audit::json_tree::Tree;

use crate::support::{repo_path, rulegate, shared_path};

/// Every raw sample: the shapes of `tests/data/shapes/`, GKE exports, AKS storage-account lines, the shared reference's
/// raw logs and Elastic's pipeline test logs.
fn sample_logs() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in [
        repo_path("tests/data/shapes"),
        repo_path("tests/data/gcp-audit"),
        repo_path("tests/data/aks"),
        shared_path("reference/raw-k8s-audit/falco"),
        shared_path("reference/raw-k8s-audit/audit2rbac"),
        shared_path("reference/elastic-k8s-audit"),
    ] {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            let other = [".md", ".toml", "-expected.json"];
            if path.is_file() && !other.iter().any(|o| name.ends_with(o)) {
                files.push(path);
            }
        }
    }
    for version in std::fs::read_dir(shared_path("reference/elastic-k8s-audit/versions")).unwrap() {
        files.push(version.unwrap().path().join("test-audit.log"));
    }
    files.sort();
    files
}

const OPTION_SETS: [DirectOptions; 4] = [
    DirectOptions {
        received_first: false,
        ingest_lag: 0,
        preserve_original: false,
        bulk: false,
        gcp: false,
    },
    DirectOptions {
        received_first: false,
        ingest_lag: 0,
        preserve_original: true,
        bulk: false,
        gcp: false,
    },
    DirectOptions {
        received_first: true,
        ingest_lag: 2_500_000_000,
        preserve_original: false,
        bulk: true,
        gcp: false,
    },
    DirectOptions {
        received_first: true,
        ingest_lag: 86_400_000_000_000,
        preserve_original: true,
        bulk: true,
        gcp: false,
    },
];

/// What the `Value` path writes for one line that is one event with a time, as `ingest` does.
fn value_path(line: &str, o: &DirectOptions) -> Option<Vec<u8>> {
    let mut events = Vec::new();
    let mut warnings = Vec::new();
    import::read_events("t", line.as_bytes(), false, &mut warnings, &mut |e| {
        events.push(e);
        Ok(())
    })
    .ok()?;
    let [event] = <[_; 1]>::try_from(events).ok()?;
    let raw = event.raw.to_string();
    value_path_of(event, o, &raw)
}

/// The direct path's bytes for `line`, checked against the `Value` path; whether it took it.
fn same_as_value_path(tree: &mut Tree, line: &str, o: &DirectOptions) -> bool {
    let mut out = b"kept".to_vec();
    match write_line(tree, line, o, &mut out) {
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

/// What the `Value` path writes for one line of any number of events (each with a time), and
/// the import's counts for it.
fn value_path_all(line: &str, o: &DirectOptions) -> Option<(Vec<u8>, import::ImportSummary)> {
    let mut events = Vec::new();
    let mut warnings = Vec::new();
    let summary = import::read_events("t", line.as_bytes(), false, &mut warnings, &mut |e| {
        events.push(e);
        Ok(())
    })
    .ok()?;
    let mut out = Vec::new();
    for event in events {
        let raw = event.raw.to_string();
        let single = value_path_of(event, o, &raw)?;
        out.extend(single);
    }
    Some((out, summary))
}

/// The `Value` path's mapping of one imported event (`raw`: its value's text).
fn value_path_of(event: import::Imported, o: &DirectOptions, raw: &str) -> Option<Vec<u8>> {
    let original = o
        .preserve_original
        .then(|| event.original.clone().unwrap_or_else(|| raw.to_string()));
    let from = match o.received_first {
        true => TimestampFrom::Received,
        false => TimestampFrom::Stage,
    };
    let options = EcsOptions {
        timestamp: event.timestamp_from(from),
        ingest_lag: o.ingest_lag,
        original: original.as_deref(),
        tags: match o.preserve_original {
            true => vec![PRESERVE_ORIGINAL.to_string()],
            false => Vec::new(),
        },
    };
    let doc = raw_to_ecs(&event.raw, &options);
    if doc.get("@timestamp").is_none() || doc.pointer("/event/ingested").is_none() {
        return None;
    }
    let mut out = Vec::new();
    if o.bulk {
        out.extend(format!("{{\"create\":{{\"_index\":\"{INDEX}\"}}}}\n").as_bytes());
    }
    serde_json::to_writer(&mut out, &doc).unwrap();
    out.push(b'\n');
    Some(out)
}

/// The direct path's bytes for an AKS `records` batch line, checked against the `Value` path
/// (documents, events counted, records skipped and their reasons); `Some(events)` when it took
/// the line as a batch.
fn batch_same_as_value_path(tree: &mut Tree, line: &str, o: &DirectOptions) -> Option<u32> {
    let mut records = Tree::default();
    let mut out = b"kept".to_vec();
    let batch = match write_any_line(tree, Some(&mut records), line, o, &mut out) {
        Ok(Taken::Batch(batch)) => batch,
        Ok(Taken::One(shape)) => panic!("{line}: one event ({shape:?}), not a batch"),
        Err(_) => {
            assert_eq!(out, b"kept", "a bail leaves the buffer as it was");
            return None;
        }
    };
    let (expected, summary) = value_path_all(line, o).expect("the Value path maps the batch");
    assert!(
        expected == out[4..],
        "{line}\n{o:?}\ndirect: {}\nvalue:  {}",
        String::from_utf8_lossy(&out[4..]),
        String::from_utf8_lossy(&expected)
    );
    assert_eq!(u64::from(batch.events), summary.events, "{line}");
    let mut skipped = std::collections::BTreeMap::new();
    for reason in &batch.skipped {
        *skipped.entry(reason.clone()).or_insert(0u64) += 1;
    }
    assert_eq!(skipped, summary.records_skipped, "{line}");
    let shapes: Vec<_> = summary.shapes.into_iter().collect();
    assert_eq!(shapes, [(rulegate::audit::shapes::Shape::AksRecords, 1)]);
    Some(batch.events)
}

#[test]
fn aks_batches_the_direct_path_takes_are_the_value_paths_bytes_and_counts() {
    let mut tree = Tree::default();
    // The shapes sample: two audit records (one with its `log` an object, which is the `Value`
    // path's, so the batch is too) and two of other categories.
    let sample = std::fs::read_to_string(repo_path("tests/data/shapes/aks_records.json")).unwrap();
    for o in &OPTION_SETS {
        assert_eq!(
            batch_same_as_value_path(&mut tree, sample.trim_end(), o),
            None
        );
    }
    let mut without: serde_json::Value = serde_json::from_str(&sample).unwrap();
    without["records"].as_array_mut().unwrap().remove(1);
    let line = without.to_string();
    for o in &OPTION_SETS {
        let taken = batch_same_as_value_path(&mut tree, &line, o);
        // With `--preserve-original` each record's `event.original` is `serde_json`'s text of
        // it: the `Value` path's.
        match o.preserve_original {
            true => assert_eq!(taken, None, "{o:?}"),
            false => assert_eq!(taken, Some(1), "{o:?}"),
        }
    }
    // The storage account's envelopes batched: the first three are taken as single lines, so
    // a batch of them is taken; a batch with any of the others is the `Value` path's.
    let aks = std::fs::read_to_string(repo_path("tests/data/aks/storage_account.ndjson")).unwrap();
    let envelopes: Vec<&str> = aks.lines().collect();
    let o = &OPTION_SETS[0];
    let batch = |records: &[&str]| format!("{{\"records\": [{}]}}", records.join(", "));
    assert_eq!(
        batch_same_as_value_path(&mut tree, &batch(&envelopes[..3]), o),
        Some(3)
    );
    assert_eq!(batch_same_as_value_path(&mut tree, &batch(&[]), o), Some(0));
    // Line 4 is of another category (the `Value` path's alone, a skipped record in a batch);
    // the others are the `Value` path's alone and in a batch.
    for (i, other) in envelopes.iter().enumerate().skip(3) {
        let line = batch(&[envelopes[0], other]);
        let expected = (i == 3).then_some(1);
        assert_eq!(
            batch_same_as_value_path(&mut tree, &line, o),
            expected,
            "{line}"
        );
    }
    // Another member beside `records`, or a single line without the second tree: not a batch.
    let extra = format!("{{\"x\":1,{}", &batch(&envelopes[..1])[1..]);
    assert_eq!(batch_same_as_value_path(&mut tree, &extra, o), None);
    let mut out = Vec::new();
    assert!(write_line(&mut tree, &batch(&envelopes[..1]), o, &mut out).is_err());
    assert!(out.is_empty());
}

#[test]
fn every_sample_line_the_direct_path_takes_is_the_value_paths_bytes() {
    let mut tree = Tree::default();
    let (mut taken, mut gke) = (0, 0);
    for file in sample_logs() {
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue; // gzip
        };
        let before = taken;
        for line in text.lines() {
            for o in &OPTION_SETS {
                taken += usize::from(same_as_value_path(&mut tree, line, o));
            }
        }
        // The falco samples are one native event each: taken under every option.
        if file.parent().unwrap().ends_with("falco") {
            assert_eq!(taken - before, OPTION_SETS.len(), "{file:?}");
        }
        // Every one-line GKE Cloud Audit Log entry that maps to a timed document is taken
        // (the untimed ones need the `Value` path's warning), under every option.
        for line in text
            .lines()
            .filter(|l| l.starts_with("{\"") && l.contains("protoPayload"))
        {
            for o in &OPTION_SETS {
                let took = same_as_value_path(&mut tree, line, o);
                assert!(took || value_path(line, o).is_none(), "{file:?}: {line}");
                gke += usize::from(took);
            }
        }
    }
    assert!(
        gke >= 2 * OPTION_SETS.len(),
        "{gke} GKE line mappings taken"
    );
    // The first three AKS envelopes (kube-audit and kube-audit-admin, compact and spaced, with
    // storage-account fields) are taken under every option; the rest are the `Value` path's.
    let aks = std::fs::read_to_string(repo_path("tests/data/aks/storage_account.ndjson")).unwrap();
    for (i, line) in aks.lines().enumerate() {
        for o in &OPTION_SETS {
            assert_eq!(same_as_value_path(&mut tree, line, o), i < 3, "{i}: {line}");
        }
    }
    // Every line of the audit2rbac demo (the benchmark's log) is taken, under every option.
    let demo = std::fs::read_to_string(shared_path("reference/raw-k8s-audit/audit2rbac/demo.log"))
        .unwrap();
    for line in demo.lines().filter(|l| !l.trim().is_empty()) {
        for o in &OPTION_SETS {
            assert!(same_as_value_path(&mut tree, line, o), "{line}");
        }
    }
    assert!(taken >= 200, "{taken} line mappings taken");
}

// ---- quickcheck: generated raw events ----

/// One generated log line (JSON text, written with varied escapes and spacing) and options.
#[derive(Clone, Debug)]
struct RawLine {
    text: String,
    options: usize,
}

const FRAGMENTS: &[&str] = &[
    "", "a", "get", "list", "é", "😀", "\"", "\\", "/", "\u{1}", "\t", "\n", "\u{7f}", "\u{2028}",
    "<>&", " ", "allow", "forbid", "10.0.0.1", "::1", "a.b", "metadata", "\r", "\u{8}", "\u{c}",
];
const NUMBERS: &[&str] = &[
    "0",
    "-0",
    "1",
    "-1",
    "123456789012345678",
    "9223372036854775807",
    "-9223372036854775808",
    "-9223372036854775809",
    "18446744073709551615",
    "18446744073709551616",
    "100000000000000000000000",
    "1.5",
    "-0.0",
    "0.1",
    "1.0",
    "1e3",
    "1E+3",
    "2.5e-324",
    "1e-400",
    "1.7976931348623157e308",
    "1e309",
    "01",
];
const TIMES: &[&str] = &[
    "2025-10-07T16:19:19.647880072Z",
    "2017-09-11T19:55:05Z",
    "2024-02-29T01:00:00+01:00",
    "2262-04-11T23:47:16.854775807Z",
    "2262-04-11T23:47:16Z",
    "2300-01-01T00:00:00Z",
    "1600-01-01T00:00:00Z",
    "yesterday",
    "",
];
const KEYS: &[&str] = &[
    "kind",
    "apiVersion",
    "auditID",
    "stage",
    "verb",
    "user",
    "sourceIPs",
    "userAgent",
    "objectRef",
    "annotations",
    "requestObject",
    "responseObject",
    "stageTimestamp",
    "requestReceivedTimestamp",
    "timestamp",
    "receiveTimestamp",
    "insertId",
    "level",
    "requestURI",
    "responseStatus",
    "impersonatedUser",
    "message",
    "time",
    "labels",
    "metadata",
    "name",
    "namespace",
    "resource",
    "uid",
    "username",
    "groups",
    "authorization.k8s.io/decision",
    "authorization_k8s_io/decision",
    "a.b.c",
    "protoPayload",
    "status",
    "code",
    "resourceName",
    "cluster_name",
    "project_id",
    "type",
    "",
];

fn pick<'a>(g: &mut Gen, items: &[&'a str]) -> &'a str {
    g.choose(items).unwrap()
}

/// A key: escaped now and then (the direct path leaves escaped keys to the `Value` path).
fn key(g: &mut Gen, name: &str) -> String {
    if u8::arbitrary(g) % 20 == 0 {
        string(g, name)
    } else {
        serde_json::to_string(name).unwrap()
    }
}

/// A JSON string literal of `value`: plain, or with every non-ASCII character and `/` escaped
/// (surrogate pairs beyond the BMP), sometimes with a lone surrogate (which `serde_json` refuses).
fn string(g: &mut Gen, value: &str) -> String {
    let mut out = String::from("\"");
    let escape_all = bool::arbitrary(g);
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '/' if escape_all => out.push_str("\\/"),
            // The short escapes, which `serde_json` writes back the same way.
            '\n' | '\t' | '\r' | '\u{8}' | '\u{c}' if !escape_all => {
                let short = match c {
                    '\n' => "\\n",
                    '\t' => "\\t",
                    '\r' => "\\r",
                    '\u{8}' => "\\b",
                    _ => "\\f",
                };
                out.push_str(short);
            }
            c if (c as u32) < 0x20 || (escape_all && !c.is_ascii()) => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04X}"));
                }
            }
            c => out.push(c),
        }
    }
    if u16::arbitrary(g) % 400 == 0 {
        out.push_str("\\ud800");
    }
    out.push('"');
    out
}

fn text(g: &mut Gen) -> String {
    let n = usize::arbitrary(g) % 4;
    (0..n).map(|_| pick(g, FRAGMENTS)).collect()
}

fn space(g: &mut Gen) -> &'static str {
    // No newline: the direct path sees single lines.
    g.choose(&["", "", "", " ", "\t", "\r"]).unwrap()
}

/// A value of any kind, nested at most `depth` deep.
fn value(g: &mut Gen, depth: usize) -> String {
    match u8::arbitrary(g) % if depth == 0 { 6 } else { 8 } {
        0 => "null".into(),
        1 => pick(g, &["true", "false"]).into(),
        2 => pick(g, NUMBERS).into(),
        3 => one_of(g, TIMES),
        4 | 5 => {
            let t = text(g);
            string(g, &t)
        }
        6 => {
            let n = usize::arbitrary(g) % 4;
            let items: Vec<String> = (0..n).map(|_| value(g, depth - 1)).collect();
            format!("[{}]", items.join(&format!(",{}", space(g))))
        }
        _ => object(g, depth - 1, 4),
    }
}

fn object(g: &mut Gen, depth: usize, size: usize) -> String {
    let n = usize::arbitrary(g) % (size + 1);
    // Now and then a key twice (which `serde_json` reads as the last one).
    let repeat = u8::arbitrary(g) % 10 == 0;
    let mut keys: Vec<&str> = Vec::new();
    let members: Vec<String> = (0..n)
        .filter_map(|_| {
            let key = pick(g, KEYS);
            if keys.contains(&key) && !repeat {
                return None;
            }
            keys.push(key);
            Some(format!(
                "{}:{}{}",
                self::key(g, key),
                space(g),
                value(g, depth)
            ))
        })
        .collect();
    format!("{{{}{}}}", space(g), members.join(","))
}

/// A member's value: the usual one, or now and then a value of any kind.
fn odd(g: &mut Gen, usual: String) -> String {
    match u8::arbitrary(g) % 8 {
        0 => value(g, 2),
        _ => usual,
    }
}

fn one_of(g: &mut Gen, items: &[&str]) -> String {
    let item = pick(g, items);
    string(g, item)
}

/// The members of a native event, each present or not, with odd values now and then.
fn event(g: &mut Gen) -> String {
    let ids = ["u1", "", "bob", "system:admin", "é"];
    let ips = ["10.0.0.1", "::1", "not-an-ip", "192.168.0.1", "10.0.0.1"];
    let mut members: Vec<(&str, String)> = vec![
        ("kind", one_of(g, &["Event", "Event", "Event", "EventList"])),
        ("apiVersion", one_of(g, &["audit.k8s.io/v1", ""])),
        ("auditID", one_of(g, &["a1", "", "x"])),
        ("stage", one_of(g, &["ResponseComplete"])),
        ("verb", one_of(g, &["get", "list", "", "é"])),
    ];
    let (name, uid, group) = (
        one_of(g, &ids),
        one_of(g, &ids),
        one_of(g, &["system:masters", ""]),
    );
    members.push((
        "user",
        format!("{{\"username\":{name},\"uid\":{uid},\"groups\":[{group}]}}"),
    ));
    let (a, b) = (one_of(g, &ips), one_of(g, &ips));
    let list = g
        .choose(&[format!("[{a},{b}]"), a, "[]".to_string()])
        .unwrap()
        .clone();
    members.push(("sourceIPs", list));
    let agent = text(g);
    members.push(("userAgent", string(g, &agent)));
    members.push(("objectRef", object(g, 1, 4)));
    let decision = one_of(g, &["allow", "forbid", "maybe", ""]);
    let other = value(g, 1);
    members.push((
        "annotations",
        format!("{{\"authorization.k8s.io/decision\":{decision},\"a.b\":{other}}}"),
    ));
    members.push(("requestObject", object(g, 2, 5)));
    members.push(("responseObject", object(g, 2, 5)));
    if bool::arbitrary(g) {
        gke_members(g, &mut members);
    }
    for key in [
        "stageTimestamp",
        "requestReceivedTimestamp",
        "timestamp",
        "receiveTimestamp",
    ] {
        if u8::arbitrary(g) % 3 != 0 {
            members.push((key, one_of(g, TIMES)));
        }
    }
    // Other members, now and then one of the above again (`serde_json` keeps the last).
    for _ in 0..usize::arbitrary(g) % 3 {
        let key = pick(g, KEYS);
        if u8::arbitrary(g) % 10 == 0 || !members.iter().any(|(k, _)| *k == key) {
            members.push((key, value(g, 2)));
        }
    }
    let mut text = Vec::new();
    for (key, usual) in members {
        if u8::arbitrary(g) % 5 == 0 {
            continue;
        }
        let value = odd(g, usual);
        text.push(format!("{}:{}{value}", self::key(g, key), space(g)));
    }
    let sep = format!(",{}", space(g));
    format!("{{{}{}}}{}", space(g), text.join(&sep), space(g))
}

/// A GKE Cloud Audit Log entry's members (`protoPayload` with its status code and resource
/// name, the monitored `resource`, Cloud Logging names), with a `responseStatus` now and then
/// (with a code, without one, or not an object).
fn gke_members(g: &mut Gen, members: &mut Vec<(&str, String)>) {
    let code = match u8::arbitrary(g) % 4 {
        0 => value(g, 1),
        _ => pick(g, &["0", "7", "403", "-0", "1.5"]).to_string(),
    };
    let message = one_of(g, &["", "denied", "é"]);
    let status = match u8::arbitrary(g) % 5 {
        0 => format!("{{\"message\":{message}}}"),
        1 => value(g, 1),
        _ => format!("{{\"code\":{code},\"message\":{message}}}"),
    };
    let resource_name = one_of(g, &["core/v1/namespaces/default/pods/p", "", "readyz"]);
    let payload = format!(
        "{{\"@type\":\"type.googleapis.com/google.cloud.audit.AuditLog\",\"status\":{status},\
         \"resourceName\":{resource_name},\"methodName\":\"io.k8s.get\"}}"
    );
    members.push(("protoPayload", payload));
    let (cluster, project) = (one_of(g, &["c1", ""]), one_of(g, &["p1", "", "é"]));
    let kind = one_of(g, &["k8s_cluster", ""]);
    members.push((
        "resource",
        format!(
            "{{\"type\":{kind},\"labels\":{{\"cluster_name\":{cluster},\"project_id\":{project}}}}}"
        ),
    ));
    members.push(("insertId", one_of(g, &["i1", ""])));
    members.push(("labels", object(g, 1, 3)));
    match u8::arbitrary(g) % 4 {
        0 => members.push(("responseStatus", format!("{{\"code\":{code}}}"))),
        1 => members.push(("responseStatus", object(g, 1, 3))),
        2 => members.push(("responseStatus", value(g, 1))),
        _ => {}
    }
}

/// An AKS diagnostic envelope around `event` (its `properties.log`, as JSON text): the
/// category now and then not an audit one, members missing, odd or repeated, envelope fields
/// that `aks_metadata` takes, `pod` in both places now and then.
fn aks_envelope(g: &mut Gen, event: &str) -> String {
    let category = match u8::arbitrary(g) % 8 {
        0 => value(g, 1),
        1 => one_of(g, &["kube-apiserver", "guard"]),
        _ => one_of(g, &["kube-audit", "kube-audit-admin"]),
    };
    let mut properties = vec![("log", string(g, event))];
    for (key, values) in [
        ("containerID", &["0123abcd", ""][..]),
        ("pod", &["kube-apiserver-1", "é"]),
        ("stream", &["stdout", "stderr"]),
    ] {
        if bool::arbitrary(g) {
            properties.push((key, one_of(g, values)));
        }
    }
    let mut members = vec![
        ("category", category),
        (
            "operationName",
            one_of(g, &["Microsoft.ContainerService/x/Read", ""]),
        ),
        ("resourceId", one_of(g, &["/SUBSCRIPTIONS/S/RG/C", ""])),
        ("time", odd_time(g)),
        ("properties", members_text(g, properties)),
    ];
    for key in [
        "serviceBuild",
        "Cloud",
        "pod",
        "level",
        "stageTimestamp",
        "kind",
    ] {
        if u8::arbitrary(g) % 4 == 0 {
            members.push((key, value(g, 1)));
        }
    }
    if u8::arbitrary(g) % 10 == 0 {
        members.push(("operation_name", one_of(g, &["x"])));
    }
    if u8::arbitrary(g) % 10 == 0 {
        members.push(("time", one_of(g, TIMES)));
    }
    members_text(g, members)
}

/// Mostly a usable time, now and then any of [`TIMES`].
fn odd_time(g: &mut Gen) -> String {
    match u8::arbitrary(g) % 4 {
        0 => one_of(g, TIMES),
        _ => one_of(g, &TIMES[..3]),
    }
}

/// An object of `members` (each left out now and then), keys sometimes escaped.
fn members_text(g: &mut Gen, members: Vec<(&str, String)>) -> String {
    let mut text = Vec::new();
    for (key, value) in members {
        if u8::arbitrary(g) % 12 == 0 {
            continue;
        }
        text.push(format!("{}:{}{value}", self::key(g, key), space(g)));
    }
    format!("{{{}}}", text.join(&format!(",{}", space(g))))
}

impl Arbitrary for RawLine {
    fn arbitrary(g: &mut Gen) -> RawLine {
        let event = event(g);
        RawLine {
            text: match u8::arbitrary(g) % 3 {
                0 => aks_envelope(g, event.trim_matches([' ', '\t', '\r'])),
                _ => event,
            },
            options: usize::arbitrary(g) % OPTION_SETS.len(),
        }
    }
}

static TAKEN: AtomicUsize = AtomicUsize::new(0);
static GKE_TAKEN: AtomicUsize = AtomicUsize::new(0);
static AKS_TAKEN: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// One tree for every generated line of a thread, as a worker keeps one: what it remembers
    /// from line to line (the sort orders of recurring objects) must never change a document.
    static TREE: std::cell::RefCell<Tree> = std::cell::RefCell::new(Tree::default());
}

fn direct_is_value_path(line: RawLine) -> bool {
    let taken = TREE.with(|tree| {
        same_as_value_path(
            &mut tree.borrow_mut(),
            &line.text,
            &OPTION_SETS[line.options],
        )
    });
    if taken {
        TAKEN.fetch_add(1, Ordering::Relaxed);
        if line.text.contains("\"properties\"") {
            AKS_TAKEN.fetch_add(1, Ordering::Relaxed);
        } else if line.text.contains("protoPayload") {
            GKE_TAKEN.fetch_add(1, Ordering::Relaxed);
        }
    }
    true
}

#[test]
fn generated_events_the_direct_path_takes_are_the_value_paths_bytes() {
    // A third are AKS envelopes (around generated events, the rest as before). Enough cases must
    // get through the bail-outs for the comparison to mean something: rounds of generated lines
    // run until each kind reaches its count. The counts are random (about 430, 145 and 50 per
    // 4,500 lines), so a fixed number of lines with these minimums failed now and then; a
    // generator that stops producing a kind still fails after the last round.
    const ROUND: u64 = 1500;
    const MIN_ROUNDS: u64 = 3;
    const MAX_ROUNDS: u64 = 12;
    const WANTED: (u64, u64, u64) = (375, 100, 45);
    let counts = || {
        (
            TAKEN.load(Ordering::Relaxed) as u64,
            GKE_TAKEN.load(Ordering::Relaxed) as u64,
            AKS_TAKEN.load(Ordering::Relaxed) as u64,
        )
    };
    let short =
        |(taken, gke, aks): (u64, u64, u64)| taken < WANTED.0 || gke < WANTED.1 || aks < WANTED.2;
    let mut rounds = 0;
    while rounds < MIN_ROUNDS || (rounds < MAX_ROUNDS && short(counts())) {
        QuickCheck::new()
            .tests(ROUND)
            .max_tests(ROUND)
            .quickcheck(direct_is_value_path as fn(RawLine) -> bool);
        rounds += 1;
    }
    let (taken, gke, aks) = counts();
    let lines = rounds * ROUND;
    eprintln!("{taken} of {lines} generated events taken, {gke} GKE entries, {aks} AKS envelopes");
    assert!(taken >= WANTED.0, "{taken} of {lines} taken");
    assert!(gke >= WANTED.1, "{gke} GKE entries of {lines} taken");
    assert!(aks >= WANTED.2, "{aks} AKS envelopes of {lines} taken");
}

/// One generated AKS `records` batch line: envelopes around generated events (some of other
/// categories, some odd), now and then a plain event or a Firehose record among them, or a
/// member beside `records`.
#[derive(Clone, Debug)]
struct RawBatch {
    text: String,
    options: usize,
}

impl Arbitrary for RawBatch {
    fn arbitrary(g: &mut Gen) -> RawBatch {
        let n = match u8::arbitrary(g) % 10 {
            0 => 0,
            _ => 1 + usize::arbitrary(g) % 4,
        };
        let records: Vec<String> = (0..n)
            .map(|_| match u8::arbitrary(g) % 20 {
                0 => event(g),
                1 => r#"{"recordId":"1","data":"H4sI","category":"kube-audit","properties":{}}"#
                    .to_string(),
                2..=4 => {
                    let event = event(g);
                    aks_envelope(g, event.trim_matches([' ', '\t', '\r']))
                }
                other => {
                    let event = tame_event(g);
                    tame_envelope(g, &event, other < 8)
                }
            })
            .collect();
        let sep = format!(",{}", space(g));
        let mut members = vec![format!("\"records\":{}[{}]", space(g), records.join(&sep))];
        if u8::arbitrary(g) % 15 == 0 {
            members.push(format!("\"category\":{}", one_of(g, &["kube-audit", "x"])));
        }
        RawBatch {
            text: format!("{{{}{}}}", space(g), members.join(",")),
            options: usize::arbitrary(g) % OPTION_SETS.len(),
        }
    }
}

/// A native event the direct path mostly takes (a usable time, the usual members) with
/// generated strings, names and objects.
fn tame_event(g: &mut Gen) -> String {
    let verb = text(g);
    let (name, agent) = (text(g), text(g));
    let members = [
        format!(
            "\"kind\":\"Event\",\"auditID\":{}",
            one_of(g, &["a1", "b2", "é"])
        ),
        format!("\"verb\":{}", string(g, &verb)),
        format!(
            "\"user\":{{\"username\":{},\"groups\":[\"g\"]}}",
            string(g, &name)
        ),
        format!("\"sourceIPs\":[{}]", one_of(g, &["10.0.0.1", "::1"])),
        format!("\"userAgent\":{}", string(g, &agent)),
        format!(
            "\"objectRef\":{{\"resource\":{}}}",
            one_of(g, &["pods", "é"])
        ),
        format!("\"requestObject\":{}", object(g, 1, 3)),
        format!(
            "\"annotations\":{{\"authorization.k8s.io/decision\":{}}}",
            one_of(g, &["allow", "forbid"])
        ),
        format!("\"stageTimestamp\":{}", one_of(g, &TIMES[..3])),
    ];
    format!("{{{}}}", members.join(&format!(",{}", space(g))))
}

/// An AKS envelope the direct path mostly takes around `event` (`audit`: of an audit
/// category, else of another one, which the import skips).
fn tame_envelope(g: &mut Gen, event: &str, audit: bool) -> String {
    let category = match audit {
        true => one_of(g, &["kube-audit", "kube-audit-admin"]),
        false => one_of(g, &["kube-apiserver", "guard", "é"]),
    };
    let pod = text(g);
    let properties = format!(
        "{{\"log\":{},\"pod\":{},\"stream\":\"stdout\"}}",
        string(g, event),
        string(g, &pod)
    );
    let members = [
        format!("\"category\":{category}"),
        format!(
            "\"operationName\":{}",
            one_of(g, &["Microsoft.ContainerService/x/Read", ""])
        ),
        format!(
            "\"resourceId\":{}",
            one_of(g, &["/SUBSCRIPTIONS/S/RG/C", "é"])
        ),
        format!("\"time\":{}", odd_time(g)),
        format!("\"properties\":{properties}"),
    ];
    format!("{{{}}}", members.join(&format!(",{}", space(g))))
}

static BATCHES_TAKEN: AtomicUsize = AtomicUsize::new(0);
static BATCH_EVENTS: AtomicUsize = AtomicUsize::new(0);

fn direct_batch_is_value_path(batch: RawBatch) -> bool {
    let mut tree = Tree::default();
    if let Some(events) =
        batch_same_as_value_path(&mut tree, &batch.text, &OPTION_SETS[batch.options])
    {
        BATCHES_TAKEN.fetch_add(1, Ordering::Relaxed);
        BATCH_EVENTS.fetch_add(events as usize, Ordering::Relaxed);
    }
    true
}

#[test]
fn generated_aks_batches_the_direct_path_takes_are_the_value_paths_bytes_and_counts() {
    // Rounds until enough batches with events got through the bail-outs (their share is
    // random), as above.
    const ROUND: u64 = 1000;
    const MAX_ROUNDS: u64 = 12;
    const WANTED: (u64, u64) = (150, 150);
    let counts = || {
        (
            BATCHES_TAKEN.load(Ordering::Relaxed) as u64,
            BATCH_EVENTS.load(Ordering::Relaxed) as u64,
        )
    };
    let mut rounds = 0;
    while rounds < 2 || (rounds < MAX_ROUNDS && (counts().0 < WANTED.0 || counts().1 < WANTED.1)) {
        QuickCheck::new()
            .tests(ROUND)
            .max_tests(ROUND)
            .quickcheck(direct_batch_is_value_path as fn(RawBatch) -> bool);
        rounds += 1;
    }
    let (batches, events) = counts();
    eprintln!(
        "{batches} of {} generated batches taken, {events} events",
        rounds * ROUND
    );
    assert!(batches >= WANTED.0, "{batches} batches taken");
    assert!(events >= WANTED.1, "{events} events of batches taken");
}

// ---- through the binary ----

fn ingest(args: &[&str], files: &[PathBuf]) -> Output {
    rulegate()
        .arg("ingest")
        .args(args)
        .args(files)
        .output()
        .unwrap()
}

/// Runs the direct path at 1, 2 and 4 threads and several chunk sizes, asserts each is the
/// `--value-path` oracle's run byte for byte, and returns the oracle's.
fn same_as_oracle(args: &[&str], files: &[PathBuf], chunks: &[&str]) -> Output {
    same_as_oracle_at(args, files, &["1", "2", "4"], chunks)
}

/// Runs the direct path at each of `threads` and `chunks` (`--chunk-bytes`), asserts each is
/// the `--value-path` oracle's run byte for byte (exit code, stdout, stderr), and returns the
/// oracle's.
pub(crate) fn same_as_oracle_at(
    args: &[&str],
    files: &[PathBuf],
    threads: &[&str],
    chunks: &[&str],
) -> Output {
    let oracle = ingest(&[&["--value-path"], args].concat(), files);
    for threads in threads {
        for chunk in chunks {
            let run_args = [&["--threads", threads, "--chunk-bytes", chunk], args].concat();
            let run = ingest(&run_args, files);
            let what = format!("{run_args:?} {files:?}");
            assert_eq!(run.status.code(), oracle.status.code(), "{what}");
            assert!(run.stdout == oracle.stdout, "stdout {what}");
            assert_eq!(
                String::from_utf8_lossy(&run.stderr),
                String::from_utf8_lossy(&oracle.stderr),
                "{what}"
            );
        }
    }
    oracle
}

#[test]
fn ingest_of_every_sample_is_the_oracles_at_every_thread_count_and_chunk_size() {
    let files = sample_logs();
    assert!(files.len() >= 25, "{files:?}");
    for file in &files {
        for args in [
            &[][..],
            &["--preserve-original"],
            &["--format", "bulk", "--skip-invalid"],
            &["--timestamp", "received", "--ingest-lag", "2s"],
        ] {
            same_as_oracle(args, std::slice::from_ref(file), &["1", "900", "262144"]);
        }
    }
    same_as_oracle(&["--skip-invalid"], &files, &["700"]);
}

/// The audit2rbac demo repeated `copies` times (`aks`: each event in an AKS envelope), with
/// `extra` lines put in after line `at`.
fn long_log(
    dir: &Path,
    name: &str,
    copies: usize,
    inserts: &[(usize, &[u8])],
    aks: bool,
) -> PathBuf {
    let demo = std::fs::read(shared_path("reference/raw-k8s-audit/audit2rbac/demo.log")).unwrap();
    let mut lines: Vec<Vec<u8>> = demo
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(<[u8]>::to_vec)
        .collect();
    if aks {
        for (i, line) in lines.iter_mut().enumerate() {
            let time = format!("2024-01-01T00:{:02}:{:02}.{i:03}Z", i / 60 % 60, i % 60);
            *line = aks_line(std::str::from_utf8(line).unwrap(), &time).into_bytes();
        }
    }
    let lines: Vec<&[u8]> = lines.iter().map(Vec::as_slice).collect();
    let mut all: Vec<&[u8]> = lines.repeat(copies);
    for &(at, extra) in inserts.iter().rev() {
        all.insert(at, extra);
    }
    let path = dir.join(name);
    std::fs::write(&path, [all.join(&b"\n"[..]), b"\n".to_vec()].concat()).unwrap();
    path
}

/// One AKS storage-account line holding `event`, written at `time`.
fn aks_line(event: &str, time: &str) -> String {
    serde_json::json!({
        "category": "kube-audit",
        "operationName": "Microsoft.ContainerService/managedClusters/diagnosticLogs/Read",
        "resourceId": "/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/C",
        "time": time,
        "Cloud": "AzureCloud",
        "properties": {"log": event, "pod": "kube-apiserver-1", "stream": "stdout", "containerID": "c0"},
    })
    .to_string()
}

#[test]
fn errors_and_odd_lines_deep_inside_are_the_oracles_at_every_thread_count() {
    let dir = crate::support::scratch("ingest-direct");
    let pretty = b"{\n  \"kind\": \"EventList\",\n  \"items\": [{\"auditID\":\"p\",\n \"stageTimestamp\":\"2024-01-01T00:00:00Z\"}]\n}";
    let cri = b"2024-01-01T00:00:00.000000000Z stdout P {\"auditID\":\"c\",\n2024-01-01T00:00:00.000000000Z stdout F \"stageTimestamp\":\"2024-01-01T00:00:00Z\"}";
    let deep = format!(
        "{{\"auditID\":\"d\",\"stageTimestamp\":\"2024-01-01T00:00:00Z\",\"x\":{}1{}}}",
        "[".repeat(101),
        "]".repeat(101)
    );
    let open =
        b"{\"auditID\":\"o\",\n{\"auditID\":\"q\",\"stageTimestamp\":\"2024-01-01T00:00:00Z\"}";
    // GKE entries: Elastic's pipeline test line; one whose status code moves into a new
    // `responseStatus`; one whose `responseStatus` keeps its own code.
    let elastic =
        std::fs::read_to_string(shared_path("reference/elastic-k8s-audit/test-audit.log")).unwrap();
    let gke_entry = elastic
        .lines()
        .find(|l| l.contains("protoPayload"))
        .unwrap()
        .to_string();
    let gke_moved_code = r#"{"protoPayload":{"status":{"code":7,"message":"denied"},"resourceName":"core/v1/pods"},"resource":{"type":"k8s_cluster","labels":{"cluster_name":"c","project_id":"p"}},"insertId":"i","timestamp":"2024-01-01T00:00:00Z"}"#;
    let gke_kept_code = r#"{"protoPayload":{"status":{"code":7}},"responseStatus":{"code":403},"timestamp":"2024-01-01T00:00:00Z"}"#;
    // AKS: a `records` batch, another category, a `log` that is not JSON, `pod` in both
    // places, a `time` out of range (the import's error).
    let records = std::fs::read(repo_path("tests/data/shapes/aks_records.json")).unwrap();
    let records = String::from_utf8(records).unwrap().replace('\n', "");
    let event = r#"{"auditID":"k","verb":"get","stageTimestamp":"2024-01-01T00:00:00Z"}"#;
    let aks_other = aks_line(event, "2024-01-01T00:00:00Z").replace("kube-audit", "guard");
    let aks_not_json = aks_line("not json", "2024-01-01T00:00:00Z");
    let aks_pods =
        aks_line(event, "2024-01-01T00:00:00Z").replace("\"Cloud\"", "\"pod\":\"p\",\"x\"");
    let aks_far = aks_line(event, "2300-01-01T00:00:00Z");
    // (log, lines put in after a line of the demo copies, where the run stops, AKS envelopes)
    type Case<'a> = (&'a str, Vec<(usize, &'a [u8])>, Option<&'a str>, bool);
    let cases: Vec<Case> = vec![
        (
            "aks.log",
            vec![
                (10, records.as_bytes()),
                (300, aks_other.as_bytes()),
                (301, aks_not_json.as_bytes()),
                (700, aks_pods.as_bytes()),
                (701, gke_moved_code.as_bytes()),
            ],
            None,
            true,
        ),
        (
            "aks_error.log",
            vec![(900, aks_far.as_bytes())],
            Some("aks_error.log:901"),
            true,
        ),
        ("bad_json.log", vec![(1000, b"not json")], Some("bad_json.log:1001"), false),
        (
            "out_of_range.log",
            vec![(900, br#"{"auditID":"x","stageTimestamp":"2300-01-01T00:00:00Z"}"#)],
            Some("out_of_range.log:901"),
            false,
        ),
        (
            "untimed.log",
            vec![(1200, br#"{"kind":"Event","auditID":"x","stageTimestamp":"yesterday"}"#)],
            Some("untimed.log:1201"),
            false,
        ),
        ("utf8.log", vec![(700, b"{\"auditID\":\"\xff\"}")], Some("utf8.log:701"), false),
        ("unclosed.log", vec![(1480, b"{\"auditID\":")], Some("unclosed.log:1481"), false),
        (
            "odd_lines.log",
            vec![
                (0, b"\xef\xbb\xbf{\"auditID\":\"bom\",\"stageTimestamp\":\"2024-01-01T00:00:00Z\"}"),
                (300, pretty),
                (500, cri),
                (640, b"{\"auditID\":\"crlf\",\"stageTimestamp\":\"2024-01-01T00:00:00Z\"}\r"),
                (800, b"   "),
                (810, br#"{"auditID":"a"}{"auditID":"b","timestamp":"2024-01-01T00:00:00Z"}"#),
                (1000, open),
            ],
            Some("odd_lines.log:1012"),
            false,
        ),
        (
            "hostile.log",
            vec![
                (200, br#"{"auditID":"\ud800","stageTimestamp":"2024-01-01T00:00:00Z"}"#),
                (400, br#"{"auditID":"e","x":1e309}"#),
                (600, deep.as_bytes()),
                (800, br#"{"auditID":"a","auditID":"b","stageTimestamp":"2024-01-01T00:00:00Z"}"#),
            ],
            Some("hostile.log:201"),
            false,
        ),
        (
            "gke.log",
            vec![
                (10, gke_entry.as_bytes()),
                (11, gke_moved_code.as_bytes()),
                (600, gke_entry.as_bytes()),
                (601, gke_kept_code.as_bytes()),
                // No usable time: kept without one, and said (W006), as the oracle does.
                (900, br#"{"protoPayload":{},"timestamp":"yesterday"}"#),
            ],
            None,
            false,
        ),
        (
            "no_time_field.log",
            vec![(100, br#"{"auditID":"nt"}"#), (101, br#"{"auditID":"nt2"}"#)],
            None,
            false,
        ),
    ];
    for (name, inserts, error_at, aks) in &cases {
        let log = long_log(&dir, name, 40, inserts, *aks);
        let oracle = same_as_oracle(&[], std::slice::from_ref(&log), &["1", "5000", "262144"]);
        let stderr = String::from_utf8_lossy(&oracle.stderr);
        match error_at {
            Some(place) => {
                assert_eq!(oracle.status.code(), Some(2), "{name}: {stderr}");
                assert!(stderr.contains(place), "{name}: {stderr}");
            }
            None => assert!(oracle.status.success(), "{name}: {stderr}"),
        }
        same_as_oracle(&["--skip-invalid"], std::slice::from_ref(&log), &["5000"]);
        // No partial output file when an error stops the run; otherwise the file is the
        // oracle's output byte for byte (a file takes whole chunks of documents without a
        // copy, and copies the rest: both paths run here).
        for threads in ["1", "2", "4"] {
            let out = dir.join(format!("{name}.{threads}.out"));
            let run = ingest(
                &["--threads", threads, "-o", out.to_str().unwrap()],
                std::slice::from_ref(&log),
            );
            assert_eq!(run.status.success(), error_at.is_none(), "{name} {threads}");
            assert_eq!(out.exists(), error_at.is_none(), "{name} {threads}");
            if error_at.is_none() {
                let written = std::fs::read(&out).unwrap();
                assert!(
                    written == oracle.stdout,
                    "{name} {threads}: the file differs"
                );
            }
        }
    }
}

#[test]
fn aks_batches_are_the_oracles_at_every_thread_count_and_chunk_size() {
    let dir = crate::support::scratch("ingest-direct-batches");
    let demo = std::fs::read_to_string(shared_path("reference/raw-k8s-audit/audit2rbac/demo.log"))
        .unwrap();
    let events: Vec<&str> = demo.lines().filter(|l| !l.trim().is_empty()).collect();
    let other = r#"{"category":"guard","operationName":"o","resourceId":"r","time":"2024-01-01T00:00:00Z","properties":{"log":"plain text"}}"#;
    let mut lines = Vec::new();
    for (n, group) in events.repeat(3).chunks(5).enumerate() {
        let mut records: Vec<String> = group
            .iter()
            .enumerate()
            .map(|(i, event)| {
                let time = format!("2024-01-01T00:{:02}:{:02}.{i:03}Z", n / 60 % 60, n % 60);
                aks_line(event, &time)
            })
            .collect();
        // Records of another category now and then (skipped, counted), a plain line between.
        if n % 4 == 1 {
            records.insert(2, other.to_string());
        }
        lines.push(format!("{{\"records\":[{}]}}", records.join(",")));
        if n % 9 == 3 {
            lines.push(events[n % events.len()].to_string());
        }
    }
    let log = dir.join("batches.log");
    std::fs::write(&log, lines.join("\n") + "\n").unwrap();
    for args in [
        &[][..],
        &["--preserve-original"],
        &["--format", "bulk", "--skip-invalid"],
        &["--timestamp", "received", "--ingest-lag", "2s"],
    ] {
        let oracle = same_as_oracle(args, std::slice::from_ref(&log), &["1", "5000", "262144"]);
        let stderr = String::from_utf8_lossy(&oracle.stderr);
        assert!(oracle.status.success(), "{args:?}: {stderr}");
        assert!(
            stderr.contains("record(s) without an audit event"),
            "{stderr}"
        );
    }
}

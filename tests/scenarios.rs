//! The scenario library: a summary snapshot per scenario file, determinism, `@timestamp` order,
//! the fast NDJSON writer against the canonical ECS mapping, a quickcheck property over random
//! scenarios, and the bad-input cases of `rulegate gen`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use quickcheck::{Arbitrary, Gen, QuickCheck};
use rstest::rstest;
use rulegate::scenario::{self, builtin_personas, Format, Scenario};
use serde_json::Value;

use crate::support::{repo_path, rulegate, snapshot};

/// Fields every generated document must carry (what the mapping and the seed rule need).
const REQUIRED: [&str; 14] = [
    "@timestamp",
    "data_stream.dataset",
    "data_stream.namespace",
    "data_stream.type",
    "event.action",
    "event.dataset",
    "event.ingested",
    "event.kind",
    "kubernetes.audit.auditID",
    "kubernetes.audit.stage",
    "kubernetes.audit.verb",
    "kubernetes.audit.objectRef.resource",
    "labels.rulegate_actor",
    "labels.rulegate_step",
];

fn get<'v>(doc: &'v Value, path: &str) -> Option<&'v Value> {
    path.split('.')
        .try_fold(doc, |v, key| v.get(key))
        .or_else(|| {
            // `@timestamp` and annotation keys contain no dots of their own except these.
            doc.get(path)
        })
}

fn text(doc: &Value, path: &str) -> String {
    match get(doc, path) {
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => "-".into(),
    }
}

/// Checks the invariants of a generated stream and returns its documents.
fn check_stream(scenario: &Scenario) -> Vec<Value> {
    let docs: Vec<Value> = scenario::generate(scenario, None).collect();
    let mut previous = String::new();
    for doc in &docs {
        for field in REQUIRED {
            assert!(
                get(doc, field).is_some(),
                "{}: missing {field} in {doc}",
                scenario.name
            );
        }
        let timestamp = text(doc, "@timestamp");
        assert!(
            timestamp >= previous,
            "{}: {timestamp} after {previous}",
            scenario.name
        );
        previous = timestamp;
        // Fleet writes whole seconds, never before the Agent read the line.
        let ingested = text(doc, "event.ingested");
        assert!(
            ingested.len() == 20 && ingested.ends_with('Z'),
            "{ingested}"
        );
        assert!(ingested[..19] >= text(doc, "@timestamp")[..19], "{doc}");
    }
    // The fast writer writes exactly the canonical documents.
    let mut fast = Vec::new();
    let count = scenario::write(scenario, None, Format::Ecs, &mut fast).unwrap();
    assert_eq!(count as usize, docs.len());
    let mut canonical = Vec::new();
    for doc in &docs {
        canonical.extend_from_slice(serde_json::to_string(doc).unwrap().as_bytes());
        canonical.push(b'\n');
    }
    assert!(
        fast == canonical,
        "{}: fast writer differs from raw_to_ecs",
        scenario.name
    );
    docs
}

fn tally(docs: &[Value], path: &str) -> String {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for doc in docs {
        *counts.entry(text(doc, path)).or_default() += 1;
    }
    counts
        .iter()
        .map(|(k, v)| format!("  {v:>6}  {k}\n"))
        .collect()
}

/// The expectations with actor names instead of indices.
fn expectations(scenario: &Scenario) -> String {
    let e = &scenario.expect;
    let actor = |i: usize| scenario.actors[i].name.as_str();
    let mut out = String::from("expect:\n");
    for (label, value) in [
        ("alerts", e.alerts),
        ("min_alerts", e.min_alerts),
        ("max_alerts", e.max_alerts),
    ] {
        if let Some(value) = value {
            let _ = writeln!(out, "  {label} = {value}");
        }
    }
    for group in &e.groups {
        let who = group.actor.map(actor).unwrap_or("-");
        let _ = writeln!(
            out,
            "  group: actor {who}, fields {:?}, alerts {:?}",
            group.fields, group.alerts
        );
    }
    for s in &e.suppressed {
        let _ = writeln!(out, "  suppressed: {} by {}", actor(s.actor), s.field);
    }
    if !e.note.is_empty() {
        let _ = writeln!(out, "  note: {}", e.note);
    }
    out
}

fn summary(scenario: &Scenario, docs: &[Value]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "name: {}\nkind: {}\nseed: {}",
        scenario.name,
        scenario.kind.as_str(),
        scenario.seed
    );
    let _ = writeln!(
        out,
        "actors: {}\nsteps: {}\ndocuments: {}",
        scenario.actors.len(),
        scenario.steps.len(),
        docs.len()
    );
    if let (Some(first), Some(last)) = (docs.first(), docs.last()) {
        let _ = writeln!(
            out,
            "@timestamp: {} .. {}",
            text(first, "@timestamp"),
            text(last, "@timestamp")
        );
    }
    let _ = write!(out, "{}", expectations(scenario));
    for (title, path) in [
        ("per actor", "labels.rulegate_actor"),
        ("per verb", "event.action"),
        ("per resource", "kubernetes.audit.objectRef.resource"),
        (
            "per decision",
            "kubernetes.audit.annotations.authorization_k8s_io/decision",
        ),
        ("per stage", "kubernetes.audit.stage"),
        ("per response code", "kubernetes.audit.responseStatus.code"),
    ] {
        let _ = write!(out, "\n{title}:\n{}", tally(docs, path));
    }
    for (title, doc) in [
        ("first document", docs.first()),
        ("last document", docs.last()),
    ] {
        if let Some(doc) = doc {
            let _ = write!(
                out,
                "\n{title}:\n{}\n",
                serde_json::to_string_pretty(doc).unwrap()
            );
        }
    }
    out
}

#[rstest]
fn scenario_library(
    #[files("scenarios/*.toml")]
    #[exclude("personas\\.toml$")]
    path: PathBuf,
) {
    let scenario = scenario::load(&path)
        .unwrap_or_else(|d| panic!("{}", rulegate::diagnostic::render_all(&d, false)));
    assert!(
        scenario.description.trim().len() >= 150,
        "{}: describe what the reader should learn",
        path.display()
    );
    let docs = check_stream(&scenario);
    // Determinism: a second run gives the same bytes.
    let mut first = Vec::new();
    let mut second = Vec::new();
    scenario::write(&scenario, None, Format::Ecs, &mut first).unwrap();
    scenario::write(&scenario, None, Format::Ecs, &mut second).unwrap();
    assert!(first == second, "{}: not deterministic", path.display());
    let name = path.file_stem().unwrap().to_str().unwrap().to_string();
    snapshot!("scenarios", name, summary(&scenario, &docs));
}

/// `#[files]` is expanded at compile time: make sure no scenario is missing its snapshot.
#[test]
fn every_scenario_has_a_snapshot() {
    for entry in std::fs::read_dir(repo_path("scenarios")).unwrap() {
        let path = entry.unwrap().path();
        // Subdirectories (`scenarios/edges/`, written by `rulegate edges`) are covered by the
        // run snapshots of `tests/runs.rs`.
        if path.is_dir() {
            continue;
        }
        let stem = path.file_stem().unwrap().to_str().unwrap();
        if stem == "personas" {
            continue;
        }
        let snap = repo_path(&format!("snapshots/scenarios/{stem}.snap"));
        assert!(
            snap.exists(),
            "{} has no snapshot (rebuild and run the tests)",
            path.display()
        );
    }
}

#[test]
fn library_covers_every_persona_and_every_kind() {
    let mut personas = std::collections::BTreeSet::new();
    let mut kinds = std::collections::BTreeSet::new();
    for entry in std::fs::read_dir(repo_path("scenarios")).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() || path.file_name().unwrap() == "personas.toml" {
            continue;
        }
        let scenario = scenario::load(&path).unwrap();
        kinds.insert(scenario.kind.as_str());
        personas.extend(scenario.actors.iter().filter_map(|a| a.persona.clone()));
    }
    for persona in builtin_personas().personas.keys() {
        assert!(
            personas.contains(persona),
            "no scenario uses persona `{persona}`"
        );
    }
    assert_eq!(kinds.len(), 5, "{kinds:?}");
}

#[test]
fn raw_output_ingests_back_to_the_same_documents() {
    let path = repo_path("scenarios/mix_curl_attack_with_known_false_positives.toml");
    let scenario = scenario::load(&path).unwrap();
    let mut raw = Vec::new();
    scenario::write(&scenario, None, Format::Raw, &mut raw).unwrap();
    let dir = crate::support::scratch("roundtrip");
    let raw_path = dir.join("audit.log");
    std::fs::write(&raw_path, &raw).unwrap();
    let output = rulegate().arg("ingest").arg(&raw_path).output().unwrap();
    assert!(output.status.success());
    let ingested: Vec<Value> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let generated: Vec<Value> = scenario::generate(&scenario, None).collect();
    assert_eq!(ingested.len(), generated.len());
    // Only the Agent-side times differ (import takes @timestamp from stageTimestamp) and the labels.
    let strip = |doc: &Value| {
        let mut doc = doc.clone();
        let object = doc.as_object_mut().unwrap();
        object.remove("@timestamp");
        object.remove("labels");
        object["event"].as_object_mut().unwrap().remove("ingested");
        doc
    };
    for (a, b) in ingested.iter().zip(&generated) {
        assert_eq!(strip(a), strip(b));
    }
}

#[test]
fn seed_override_changes_the_stream_and_the_bulk_format_pairs_actions() {
    let scenario = scenario::load(&repo_path("scenarios/attack_forbidden_spray.toml")).unwrap();
    let ids = |seed| {
        scenario::generate(&scenario, seed)
            .map(|d| text(&d, "kubernetes.audit.auditID"))
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(None), ids(Some(scenario.seed)));
    assert_ne!(ids(None), ids(Some(scenario.seed + 1)));
    let mut bulk = Vec::new();
    let count = scenario::write(&scenario, None, Format::Bulk, &mut bulk).unwrap();
    let text = String::from_utf8(bulk).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len() as u64, 2 * count);
    assert!(lines
        .iter()
        .step_by(2)
        .all(|l| *l == r#"{"create":{"_index":"logs-kubernetes.audit_logs-default"}}"#));
}

// ---------------------------------------------------------------- quickcheck over random scenarios

const IPS: [&str; 6] = [
    "203.0.113.7",
    "10.244.1.2",
    "127.0.0.1",
    "::1",
    "2001:db8::5",
    "::ffff:127.0.0.1",
];
const STAGES: [&str; 4] = [
    "RequestReceived",
    "ResponseStarted",
    "ResponseComplete",
    "Panic",
];
const VERBS: [&str; 4] = ["get", "list", "watch", "patch"];

/// Random step parameters drawn from small pools (the test representation of a scenario).
#[derive(Clone, Debug)]
struct RandomScenario {
    requests: u8,
    names: u8,
    spacing_ms: u16,
    jitter_tenths: u8,
    repeat: u8,
    every_s: u16,
    stages: Vec<usize>,
    ips: Vec<usize>,
    user_agent: bool,
    verb: usize,
    lag_ms: (u16, u16),
    seed: u32,
}

impl Arbitrary for RandomScenario {
    fn arbitrary(g: &mut Gen) -> RandomScenario {
        let mut stages: Vec<usize> = (0..1 + usize::arbitrary(g) % 3)
            .map(|_| usize::arbitrary(g) % 4)
            .collect();
        stages.sort();
        stages.dedup();
        let lag = (u16::arbitrary(g) % 5000, u16::arbitrary(g) % 5000);
        RandomScenario {
            requests: u8::arbitrary(g) % 60,
            names: u8::arbitrary(g) % 8,
            spacing_ms: u16::arbitrary(g) % 3000,
            jitter_tenths: u8::arbitrary(g) % 10,
            repeat: 1 + u8::arbitrary(g) % 3,
            every_s: 1 + u16::arbitrary(g) % 600,
            stages,
            ips: (0..1 + usize::arbitrary(g) % 3)
                .map(|_| usize::arbitrary(g) % IPS.len())
                .collect(),
            user_agent: bool::arbitrary(g),
            verb: usize::arbitrary(g) % VERBS.len(),
            lag_ms: (lag.0.min(lag.1), lag.0.max(lag.1)),
            seed: u32::arbitrary(g),
        }
    }
}

impl RandomScenario {
    fn toml(&self) -> String {
        let quote = |items: Vec<String>| {
            items
                .iter()
                .map(|s| format!("\"{s}\""))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let names = quote((1..=self.names).map(|n| format!("s-{n}")).collect());
        format!(
            "name = \"random\"\ndescription = \"random\"\nkind = \"edge\"\nstart = \"2026-05-01T10:00:00Z\"\nseed = {seed}\n\
             [actors.a]\nusername = \"u\"\nsource_ips = [{ips}]\nuser_agent = \"{ua}\"\n\
             [[steps]]\nactor = \"a\"\nverb = \"{verb}\"\nresource = \"secrets\"\nnamespace = \"ns\"\nnames = [{names}]\n\
             requests = {requests}\nspacing = \"{spacing}ms\"\njitter = {jitter}\nrepeat = {repeat}\nevery = \"{every}s\"\n\
             stages = [{stages}]\ningest_lag = \"{lag_low}ms..{lag_high}ms\"\n",
            seed = self.seed,
            ips = quote(self.ips.iter().map(|&i| IPS[i].to_string()).collect()),
            ua = if self.user_agent { "kubectl/v1.30.2" } else { "" },
            verb = VERBS[self.verb],
            requests = self.requests,
            spacing = self.spacing_ms,
            jitter = f64::from(self.jitter_tenths) / 10.0,
            repeat = self.repeat,
            every = self.every_s,
            stages = quote(self.stages.iter().map(|&s| STAGES[s].to_string()).collect()),
            lag_low = self.lag_ms.0,
            lag_high = self.lag_ms.1,
        )
    }
}

fn random_scenarios_generate_what_they_say(input: RandomScenario) -> bool {
    let text = input.toml();
    let scenario = scenario::load_str(Path::new("random.toml"), &text, &builtin_personas())
        .unwrap_or_else(|d| panic!("{text}\n{}", rulegate::diagnostic::render_all(&d, false)));
    let docs = check_stream(&scenario);
    let expected = usize::from(input.requests) * usize::from(input.repeat) * input.stages.len();
    assert_eq!(docs.len(), expected, "{text}");
    for doc in &docs {
        // source.ip is always an array of every sourceIP, in order.
        let ips: Vec<&str> = input.ips.iter().map(|&i| IPS[i]).collect();
        assert_eq!(get(doc, "source.ip").unwrap(), &serde_json::json!(ips));
        assert_eq!(get(doc, "user_agent.original").is_some(), input.user_agent);
    }
    true
}

#[test]
fn quickcheck_random_scenarios() {
    QuickCheck::new()
        .tests(60)
        .rng(Gen::from_size_and_seed(100, 0x5eed))
        .quickcheck(random_scenarios_generate_what_they_say as fn(RandomScenario) -> bool);
}

// ---------------------------------------------------------------- bad input

#[rstest]
fn bad_scenarios_exit_2_with_a_located_message_and_write_nothing(
    #[files("tests/data/invalid-scenarios/*.toml")] path: PathBuf,
) {
    let name = path.file_stem().unwrap().to_str().unwrap().to_string();
    let relative = format!("tests/data/invalid-scenarios/{name}.toml");
    let dir = crate::support::scratch(&format!("bad-{name}"));
    let out = dir.join("out.ndjson");
    let output = rulegate()
        .args(["gen", &relative, "-o"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{name}");
    assert!(!out.exists(), "{name}: nothing may be written on error");
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        0,
        "{name}: no temporary file left"
    );
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains(&format!("{relative}:")),
        "{name}: the message names the file: {stderr}"
    );
    snapshot!("scenario_errors", name, stderr);
}

#[test]
fn personas_lists_one_persona_a_line_with_a_tab() {
    let output = rulegate().arg("personas").output().unwrap();
    assert!(output.status.success());
    let stdout = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    // The built-in library plus scenarios/personas.toml (the binary runs from the repository root).
    assert_eq!(lines.len(), builtin_personas().personas.len() + 1);
    for line in &lines {
        let (name, description) = line.split_once('\t').unwrap();
        assert!(
            !name.is_empty() && !description.is_empty() && !description.contains('\t'),
            "{line}"
        );
    }
    assert!(lines
        .iter()
        .any(|l| l.starts_with("vault-agent-injector\t")));
    assert!(lines.iter().any(|l| l.starts_with("helm\tHelm 3 CLI")));
}

#[test]
fn gen_to_a_file_of_many_buffers_is_the_stream_byte_for_byte() {
    // About 12 MB: the documents go to the file in the buffers they were built in.
    let dir = crate::support::scratch("gen-many-buffers");
    let path = dir.join("busy.toml");
    let mut text = String::from(
        "name = \"busy\"\ndescription = \"d\"\nkind = \"benign\"\nstart = \"2026-05-01T23:58:00Z\"\nseed = 7\n",
    );
    for persona in ["kube-scheduler", "helm", "kubelet"] {
        text.push_str(&format!(
            "\n[[noise]]\npersona = \"{persona}\"\nrate = \"1000/m\"\nfor = \"3m\"\n"
        ));
    }
    std::fs::write(&path, text).unwrap();
    let scenario = scenario::load(&path).unwrap();
    let mut expected = Vec::new();
    let count = scenario::write(&scenario, None, Format::Ecs, &mut expected).unwrap();
    assert!(expected.len() > 8 << 20, "{} bytes", expected.len());
    // The stream crosses midnight: the day kept for the timestamps changes.
    let text = String::from_utf8_lossy(&expected);
    assert!(text.contains("\"2026-05-01T23:59:") && text.contains("\"2026-05-02T00:00:"));
    let mut canonical = Vec::new();
    for doc in scenario::generate(&scenario, None) {
        canonical.extend_from_slice(serde_json::to_string(&doc).unwrap().as_bytes());
        canonical.push(b'\n');
    }
    assert!(
        expected == canonical,
        "the fast writer differs from raw_to_ecs"
    );
    let out = dir.join("out.ndjson");
    let run = rulegate()
        .args(["gen", path.to_str().unwrap(), "-o"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let written = std::fs::read(&out).unwrap();
    assert_eq!(
        written.iter().filter(|&&b| b == b'\n').count() as u64,
        count
    );
    assert!(written == expected, "the file differs from the stream");
    let stdout = rulegate()
        .args(["gen", path.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        stdout.stdout == expected,
        "standard output differs from the stream"
    );
}

#[test]
fn more_kinds_of_document_than_the_fast_writer_keeps_are_still_the_canonical_bytes() {
    // 3,000 names read twice (one stage each): 3,000 kinds of document, more than the 2,048
    // whose fixed pieces the fast writer keeps; the second round meets kept and unkept kinds.
    let dir = crate::support::scratch("gen-many-kinds");
    let path = dir.join("many.toml");
    std::fs::write(
        &path,
        r#"name = "many kinds"
description = "d"
kind = "benign"
start = "2026-05-01T23:59:50Z"
seed = 3

[actors.reader]
username = "system:serviceaccount:ci:reader"
source_ips = ["10.0.0.1", "10.0.0.2", "10.0.0.3"]
user_agent = "kubectl/v1.31.2"

[[steps]]
actor = "reader"
verb = "get"
resource = "configmaps"
namespace = "apps"
count = 3000
name_pattern = "config-{n}"
at = "+0s"
spacing = "3ms"
repeat = 2
every = "10s"
"#,
    )
    .unwrap();
    let scenario = scenario::load(&path).unwrap();
    let mut fast = Vec::new();
    let count = scenario::write(&scenario, None, Format::Ecs, &mut fast).unwrap();
    assert_eq!(count, 6_000);
    let mut canonical = Vec::new();
    for doc in scenario::generate(&scenario, None) {
        canonical.extend_from_slice(serde_json::to_string(&doc).unwrap().as_bytes());
        canonical.push(b'\n');
    }
    assert!(fast == canonical, "the fast writer differs from raw_to_ecs");
}

#[test]
fn gen_writes_the_library_stream_to_a_file_and_stdout() {
    let relative = "scenarios/attack_forbidden_spray.toml";
    let scenario = scenario::load(&repo_path(relative)).unwrap();
    let dir = crate::support::scratch("gen");
    let out = dir.join("out.ndjson");
    let status = rulegate()
        .args(["gen", relative, "--seed", "5", "-o"])
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success());
    let mut expected = Vec::new();
    scenario::write(&scenario, Some(5), Format::Ecs, &mut expected).unwrap();
    assert!(std::fs::read(&out).unwrap() == expected);
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        1,
        "only the output, no temporary file"
    );
    let raw = rulegate()
        .args(["gen", relative, "--format", "raw"])
        .output()
        .unwrap();
    assert!(raw.status.success());
    let mut expected = Vec::new();
    scenario::write(&scenario, None, Format::Raw, &mut expected).unwrap();
    assert!(raw.stdout == expected);
    let first: Value =
        serde_json::from_slice(raw.stdout.split(|b| *b == b'\n').next().unwrap()).unwrap();
    assert_eq!(first["kind"], "Event");
    assert_eq!(
        first["annotations"]["authorization.k8s.io/decision"],
        "forbid"
    );
    assert_eq!(first["responseStatus"]["code"], 403);
}

/// The complete example in docs/scenarios.md is a valid scenario.
#[test]
fn the_documented_example_loads_and_generates() {
    let docs = std::fs::read_to_string(repo_path("docs/scenarios.md")).unwrap();
    let start = docs.find("```toml\n").unwrap() + "```toml\n".len();
    let example = &docs[start..start + docs[start..].find("```").unwrap()];
    let path = repo_path("scenarios/docs_example.toml");
    let scenario = scenario::load_str(&path, example, &builtin_personas())
        .unwrap_or_else(|d| panic!("{}", rulegate::diagnostic::render_all(&d, false)));
    let harvest = scenario
        .steps
        .iter()
        .find(|s| s.label == "harvest")
        .unwrap();
    assert_eq!((harvest.requests, harvest.repeat), (Some(24), 3));
    assert_eq!(harvest.activities[0].names.len(), 12);
    let docs: Vec<Value> = scenario::generate(&scenario, None).collect();
    let attacker = docs
        .iter()
        .filter(|d| d["labels"]["rulegate_actor"] == "attacker")
        .count();
    assert_eq!(attacker, 3 * 24);
}

/// A step's `request_object` is logged at the `Request` levels only (the default level of such
/// a step is `RequestResponse`), goes through the pipeline's cleanup (an empty string, then the emptied object, dropped),
/// and `request_uri` is written verbatim; the fast writer gives the canonical bytes.
#[test]
fn request_objects_and_verbatim_uris_follow_the_audit_level() {
    let text = r#"
name = "pods"
description = "d"
kind = "edge"
start = "2026-05-01T10:00:00Z"
seed = 3
[actors.a]
username = "bob"
source_ips = ["192.0.2.1"]
[[steps]]
actor = "a"
verb = "create"
resource = "pods"
namespace = "default"
request_object = { kind = "Pod", spec = { hostPID = true, containers = [{ image = "alpine" }, { image = "" }] } }
[[steps]]
actor = "a"
at = "+1m"
verb = "create"
resource = "pods"
namespace = "default"
level = "Metadata"
request_object = { kind = "Pod", spec = { hostPID = true } }
[[steps]]
actor = "a"
at = "+2m"
verb = "get"
resource = "pods"
request_uri = "/healthz?verbose"
"#;
    let scenario = scenario::load_str(Path::new("pods.toml"), text, &builtin_personas())
        .unwrap_or_else(|d| panic!("{}", rulegate::diagnostic::render_all(&d, false)));
    let docs: Vec<Value> = scenario::generate(&scenario, None).collect();
    assert_eq!(docs.len(), 3);
    let audit = |i: usize| &docs[i]["kubernetes"]["audit"];
    assert_eq!(audit(0)["level"], "RequestResponse");
    assert_eq!(
        audit(0)["requestObject"],
        serde_json::json!({"kind": "Pod", "spec": {"hostPID": true, "containers": [{"image": "alpine"}]}})
    );
    assert_eq!(audit(1)["level"], "Metadata");
    assert!(audit(1).get("requestObject").is_none());
    assert_eq!(audit(2)["requestURI"], "/healthz?verbose");
    assert_eq!(audit(0)["requestURI"], "/api/v1/namespaces/default/pods");
    let mut fast = Vec::new();
    scenario::write(&scenario, None, Format::Ecs, &mut fast).unwrap();
    let canonical: Vec<u8> = docs
        .iter()
        .flat_map(|d| {
            let mut line = serde_json::to_vec(d).unwrap();
            line.push(b'\n');
            line
        })
        .collect();
    assert_eq!(
        String::from_utf8(fast).unwrap(),
        String::from_utf8(canonical).unwrap()
    );
    let bad = text.replace("/healthz?verbose", "healthz");
    let errors = scenario::load_str(Path::new("pods.toml"), &bad, &builtin_personas()).unwrap_err();
    assert_eq!(errors[0].code, "E608");
    let deep = format!("{}1{}", "{ a = ".repeat(25), " }".repeat(25));
    let bad = text.replace("{ kind = \"Pod\", spec = { hostPID = true } }", &deep);
    let errors = scenario::load_str(Path::new("pods.toml"), &bad, &builtin_personas()).unwrap_err();
    assert_eq!(errors[0].code, "E606", "{}", errors[0].message);
    assert!(errors[0].message.contains("deeper than 20"));
}

//! Generic event steps and declared identities: the documented examples load and generate the
//! documents docs/scenarios.md shows, the Kubernetes timing model drives them, draws cycle or are
//! seeded, `gen` writes them in every format, identities decide expectation matching, and each
//! malformed step or identity is refused with its code.

use std::path::Path;

use rulegate::scenario::{self, builtin_personas, Scenario};
use serde_json::{json, Value};

use crate::support::{repo_path, rulegate};

/// The TOML block after `<!-- generic-example:NAME -->` in docs/scenarios.md.
fn documented_example(name: &str) -> String {
    let docs = std::fs::read_to_string(repo_path("docs/scenarios.md")).unwrap();
    let marker = format!("<!-- generic-example:{name} -->\n```toml\n");
    let start = docs.find(&marker).unwrap() + marker.len();
    docs[start..start + docs[start..].find("```").unwrap()].to_string()
}

fn load(text: &str) -> Scenario {
    let path = repo_path("scenarios/generic/example.toml");
    scenario::load_str(&path, text, &builtin_personas())
        .unwrap_or_else(|d| panic!("{}", rulegate::diagnostic::render_all(&d, false)))
}

fn errors(text: &str) -> Vec<String> {
    let path = Path::new("bad.toml");
    match scenario::load_str(path, text, &builtin_personas()) {
        Ok(_) => panic!("accepted:\n{text}"),
        Err(diagnostics) => diagnostics
            .iter()
            .map(|d| format!("{} {}", d.code, d.message))
            .collect(),
    }
}

fn field<'v>(doc: &'v Value, path: &str) -> &'v Value {
    path.split('.').fold(doc, |value, part| &value[part])
}

#[test]
fn the_documented_aws_example_generates_the_documented_document() {
    let scenario = load(&documented_example("aws"));
    let docs: Vec<Value> = scenario::generate(&scenario, None).collect();
    // One pass over the longest draw: eight events, 500 ms apart from +2m, no read delay.
    assert_eq!(docs.len(), 8);
    let times: Vec<&str> = docs
        .iter()
        .map(|d| d["@timestamp"].as_str().unwrap())
        .collect();
    assert_eq!(times[0], "2026-05-01T10:02:00.000Z");
    assert_eq!(times[7], "2026-05-01T10:02:03.500Z");
    let mut first = docs[0].clone();
    let ingested = first["event"]["ingested"].take();
    let docs_md = std::fs::read_to_string(repo_path("docs/scenarios.md")).unwrap();
    let start = docs_md
        .find("```json\n{\"@timestamp\":\"2026-05-01T10:02:00.000Z\"")
        .unwrap()
        + 8;
    let shown = &docs_md[start..start + docs_md[start..].find('\n').unwrap()];
    let mut expected: Value = serde_json::from_str(shown).unwrap();
    expected["event"]["ingested"] = Value::Null;
    assert_eq!(
        first, expected,
        "docs/scenarios.md shows the first document"
    );
    // `event.ingested`: `@timestamp` + 2..4 min, whole seconds, as Fleet writes it.
    let ingested = ingested.as_str().unwrap();
    assert!(
        ingested.ends_with('Z') && !ingested.contains('.'),
        "{ingested}"
    );
    assert!(("2026-05-01T10:04:00Z"..="2026-05-01T10:06:00Z").contains(&ingested));
    // Draws cycle together: event i has the i-th action and the i-th provider.
    let pairs: Vec<(&str, &str)> = docs
        .iter()
        .map(|d| {
            let e = &d["event"];
            (
                e["action"].as_str().unwrap(),
                e["provider"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(pairs[3], ("DescribeInstances", "ec2.amazonaws.com"));
    assert_eq!(pairs[7], ("ListFunctions20150331", "lambda.amazonaws.com"));
}

#[test]
fn the_documented_okta_example_runs_on_the_kubernetes_timing_model() {
    let scenario = load(&documented_example("okta"));
    let docs: Vec<Value> = scenario::generate(&scenario, None).collect();
    // `count = 18`, `repeat = 2` an hour apart.
    assert_eq!(docs.len(), 36);
    let users: Vec<&str> = docs[..18]
        .iter()
        .map(|d| field(d, "okta.actor.alternate_id").as_str().unwrap())
        .collect();
    assert_eq!(users[0], "employee1@corp.example");
    assert_eq!(users[5], "employee6@corp.example");
    assert_eq!(users[6], "employee1@corp.example");
    for doc in &docs {
        assert_eq!(field(doc, "okta.outcome.reason"), "INVALID_CREDENTIALS");
        assert_eq!(field(doc, "okta.client.ip"), "203.0.113.77");
        assert_eq!(field(doc, "event.dataset"), "okta.system");
        assert_eq!(field(doc, "data_stream.dataset"), "okta.system");
        assert_eq!(field(doc, "event.kind"), "event");
    }
    // `rate = "1.2/m"` (50 s) with `jitter = 0.2`: every gap within 40..60 s; the repetition an hour on.
    let nanos: Vec<i64> = docs
        .iter()
        .map(|d| {
            let text = d["@timestamp"].as_str().unwrap();
            rulegate::audit::time::parse_rfc3339(text).unwrap()
        })
        .collect();
    for gap in nanos[..18].windows(2).map(|w| w[1] - w[0]) {
        assert!(
            (40_000_000_000..=60_000_000_000).contains(&gap),
            "gap {gap}"
        );
    }
    assert_eq!(nanos[18] - nanos[0], 3_600_000_000_000);
}

const BASE: &str = r#"
name = "t"
description = "t"
kind = "edge"
start = "2026-05-01T10:00:00Z"
seed = 3

[actors.a]
identity = { "user.name" = "alice", "source.ip" = "192.0.2.1" }
"#;

#[test]
fn nested_tables_and_dotted_keys_make_the_same_document() {
    let dotted = format!(
        "{BASE}[[steps]]\nactor = \"a\"\ndataset = \"x.y\"\n[steps.fields]\n\"process.parent.name\" = \"sh\"\n\"process.pid\" = 4\n"
    );
    let nested = format!(
        "{BASE}[[steps]]\nactor = \"a\"\ndataset = \"x.y\"\n[steps.fields.process]\npid = 4\nparent = {{ name = \"sh\" }}\n"
    );
    let one: Vec<Value> = scenario::generate(&load(&dotted), None).collect();
    let two: Vec<Value> = scenario::generate(&load(&nested), None).collect();
    assert_eq!(one, two);
    assert_eq!(
        one[0]["process"],
        json!({"parent": {"name": "sh"}, "pid": 4})
    );
    assert_eq!(one[0]["user"], json!({"name": "alice"}));
    assert_eq!(one[0]["data_stream"]["type"], "logs");
}

#[test]
fn random_draws_are_seeded_and_endpoint_streams_get_their_module() {
    let text = format!(
        "{BASE}[[steps]]\nactor = \"a\"\ndataset = \"endpoint.events.process\"\ncount = 200\npick = \"random\"\nspacing = \"1s\"\n[steps.draw]\n\"process.name\" = [\"su\", \"sudo\", \"id\"]\n"
    );
    let scenario = load(&text);
    let names = |seed| -> Vec<Value> {
        scenario::generate(&scenario, Some(seed))
            .map(|d| d["process"]["name"].clone())
            .collect()
    };
    assert_eq!(names(1), names(1));
    assert_ne!(names(1), names(2));
    let first = names(1);
    for value in ["su", "sudo", "id"] {
        let n = first.iter().filter(|v| *v == value).count();
        assert!((30..=110).contains(&n), "{value}: {n} of 200");
    }
    let doc = scenario::generate(&scenario, None).next().unwrap();
    assert_eq!(doc["event"]["module"], "endpoint");
}

#[test]
fn gen_writes_generic_events_in_every_format() {
    let path = "scenarios/generic/linux/attack_script_guesses_root_password.toml";
    let lines = |format: &str| -> Vec<Value> {
        let out = rulegate()
            .args(["gen", path, "--format", format])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .map(|l| serde_json::from_slice(l).unwrap())
            .collect()
    };
    let ecs = lines("ecs");
    assert_eq!(ecs.len(), 12);
    let canonical: Vec<Value> =
        scenario::generate(&scenario::load(&repo_path(path)).unwrap(), None).collect();
    assert_eq!(ecs, canonical, "`gen` writes what the runner evaluates");
    assert_eq!(lines("raw"), ecs);
    let bulk = lines("bulk");
    assert_eq!(bulk.len(), 24);
    assert_eq!(
        bulk[0],
        json!({"create": {"_index": "logs-endpoint.events.process-default"}})
    );
    assert_eq!(bulk[1], ecs[0]);
}

#[test]
fn identities_decide_which_alerts_belong_to_an_actor() {
    let wanted = vec![
        (
            "aws.cloudtrail.user_identity.arn".to_string(),
            "arn:1".to_string(),
        ),
        ("user.name".to_string(), "dev".to_string()),
    ];
    let matches = |value: &Value, expected: &str| value.as_str() == Some(expected);
    let check =
        |alert: Value| scenario::alert_matches_identity(|name| alert.get(name), &wanted, matches);
    // The alert keeps only the ARN: it is the actor's.
    assert!(check(json!({"aws.cloudtrail.user_identity.arn": "arn:1"})));
    // Every carried identity field must match.
    assert!(!check(
        json!({"aws.cloudtrail.user_identity.arn": "arn:1", "user.name": "eve"})
    ));
    // An alert carrying none of them is nobody's; a null is not carried.
    assert!(!check(json!({"source.ip": "192.0.2.1"})));
    assert!(!check(json!({"user.name": null})));
}

#[test]
fn kubernetes_actors_keep_their_username_identity() {
    let scenario = scenario::load(&repo_path("scenarios/attack_stolen_token_curl.toml")).unwrap();
    for actor in &scenario.actors {
        assert_eq!(
            actor.identity_fields(scenario.platform),
            vec![(
                scenario::KUBERNETES_IDENTITY.to_string(),
                actor.username.clone()
            )]
        );
        // Rendered for GKE, the same actor is found by the GCP integration's identity field.
        assert_eq!(
            actor.identity_fields(scenario::Platform::Gke),
            vec![("client.user.email".to_string(), actor.username.clone())]
        );
    }
}

#[test]
fn malformed_generic_steps_and_identities_are_refused_with_their_code() {
    let step = |body: &str| format!("{BASE}[[steps]]\nactor = \"a\"\n{body}\n");
    let cases: [(String, &str); 11] = [
        (
            step("[steps.fields]\nx = 1"),
            "E630 `fields` and `draw` need a `dataset`",
        ),
        (
            step("dataset = \"a.b\"\nverb = \"get\""),
            "E630 `verb` describes a Kubernetes request",
        ),
        (
            step("dataset = \"a.b\"\ncount = 2\nrequests = 3"),
            "E630 a generic step takes `count`",
        ),
        (
            step("dataset = \"logs-*\""),
            "E630 `logs-*` is not a dataset name",
        ),
        (
            step("verb = \"get\"\nresource = \"pods\""),
            "E630 actor `a` has no `source_ips`",
        ),
        (
            step("dataset = \"a.b\"\n[steps.fields]\n\"@timestamp\" = \"x\""),
            "E631 `@timestamp` is written by the generator",
        ),
        (
            step("dataset = \"a.b\"\n[steps.fields]\nlabels = \"x\""),
            "E631 `labels` is written by the generator",
        ),
        (
            step("dataset = \"a.b\"\n[steps.fields]\n\"user\" = \"bob\""),
            "E631 field `user` is an object of fields here",
        ),
        (
            step("dataset = \"a.b\"\n[steps.draw]\n\"x\" = []"),
            "E632 the draw for `x` has no values",
        ),
        (
            step("dataset = \"a.b\"\n[steps.draw]\n\"x\" = 3"),
            "E632 the draw for `x` is neither",
        ),
        (
            BASE.replace(
                "identity = { \"user.name\" = \"alice\", \"source.ip\" = \"192.0.2.1\" }",
                "identity = {}",
            ) + "[[steps]]\nactor = \"a\"\ndataset = \"a.b\"\n",
            "E630 `identity` declares no field",
        ),
    ];
    for (text, expected) in cases {
        let found = errors(&text);
        assert!(
            found.iter().any(|e| e.starts_with(expected)),
            "expected `{expected}`, got {found:?}"
        );
    }
    // A pattern draw shares the name pool's bound (`E610`).
    let huge = step("dataset = \"a.b\"\n[steps.draw]\nx = { pattern = \"u{n}\", count = 2000000 }");
    assert!(errors(&huge).iter().any(|e| e.starts_with("E610")));
}

/// The bundled rules are byte-for-byte those of `elastic/detection-rules` (when the reference
/// checkout is next to the repository).
#[test]
fn bundled_generic_rules_are_unmodified_copies() {
    let reference = crate::support::shared_path("reference/detection-rules-esql/rules");
    if !reference.is_dir() {
        return;
    }
    for (bundled, original) in [
        (
            "discovery_multiple_discovery_api_calls_via_cli.toml",
            "integrations/aws",
        ),
        (
            "credential_access_okta_password_spray_single_source.toml",
            "integrations/okta",
        ),
        (
            "credential_access_potential_linux_local_account_bruteforce.toml",
            "linux",
        ),
    ] {
        let ours = std::fs::read(repo_path(&format!("rules/generic/{bundled}"))).unwrap();
        let theirs = std::fs::read(reference.join(original).join(bundled)).unwrap();
        assert!(ours == theirs, "{bundled} differs from the reference");
    }
}

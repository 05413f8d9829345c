//! Recorded data in scenarios (`[[recorded]]`) and `rulegate fixture`: documents from ECS
//! NDJSON, raw audit logs of any shape, `_bulk` bodies and gzip, shifted and filtered, merged
//! with generated actors; every review command over a recorded suite; the fixture command's
//! files, expectations and refusals.

use std::io::Write;
use std::path::Path;

use rulegate::scenario;
use serde_json::Value;

use crate::support::{repo_path, rulegate, success_stdout};

const SEED: &str = "rules/credential_access_kubernetes_multiple_secret_retrieval_burst.toml";

fn scratch(name: &str) -> crate::support::Scratch {
    crate::support::scratch(&format!("recorded-{name}"))
}

/// The raw audit lines of a library scenario (`gen --format raw`): a real-looking log.
fn raw_log(scenario: &str) -> Vec<u8> {
    success_stdout(
        rulegate()
            .args(["gen", "--format", "raw"])
            .arg(repo_path(scenario)),
    )
}

fn ecs_log(scenario: &str) -> Vec<u8> {
    success_stdout(rulegate().arg("gen").arg(repo_path(scenario)))
}

fn write(path: &Path, bytes: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

/// A scenario text for the seed rule with `body` appended.
fn scenario_text(kind: &str, body: &str) -> String {
    format!(
        "name = \"recorded\"\ndescription = \"recorded data\"\nkind = \"{kind}\"\nrules = [{:?}]\n\
         start = \"2026-06-01T00:00:00Z\"\nseed = 1\n{body}",
        repo_path(SEED).display().to_string()
    )
}

fn load(
    dir: &Path,
    text: &str,
) -> Result<scenario::Scenario, Vec<rulegate::diagnostic::Diagnostic>> {
    let path = dir.join("s.toml");
    std::fs::write(&path, text).unwrap();
    scenario::load(&path)
}

fn timestamps(scenario: &scenario::Scenario) -> Vec<String> {
    scenario::generate(scenario, None)
        .map(|doc| doc["@timestamp"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn at_shifts_the_first_document_to_the_offset_and_keeps_the_gaps() {
    let dir = scratch("shift");
    write(
        &dir.join("data/attack.log"),
        &raw_log("scenarios/attack_stolen_token_curl.toml"),
    );
    let unshifted = load(
        &dir,
        &scenario_text("attack", "[[recorded]]\nfile = \"data/attack.log\"\n"),
    )
    .unwrap();
    let shifted = load(
        &dir,
        &scenario_text(
            "attack",
            "[[recorded]]\nfile = \"data/attack.log\"\nat = \"+5m\"\n",
        ),
    )
    .unwrap();
    let (before, after) = (timestamps(&unshifted), timestamps(&shifted));
    assert_eq!(before.len(), after.len());
    assert!(before[0].starts_with("2026-05-01T10:00:3"), "{}", before[0]);
    // Whole seconds: the first lands at start + 5m plus its own fraction of a second.
    assert_eq!(&after[0][..19], "2026-06-01T00:05:00", "{}", after[0]);
    assert_eq!(before[0][19..], after[0][19..]);
    let first: Value = scenario::generate(&shifted, None).next().unwrap();
    assert_eq!(
        &first["event"]["ingested"].as_str().unwrap()[..16],
        "2026-06-01T00:05"
    );
    let stage = first["kubernetes"]["audit"]["stageTimestamp"]
        .as_str()
        .unwrap();
    assert!(stage.starts_with("2026-06-01T00:0"), "{stage}");
    // An absolute `at` works too.
    let absolute = load(
        &dir,
        &scenario_text(
            "attack",
            "[[recorded]]\nfile = \"data/attack.log\"\nat = \"2030-01-01T00:00:00Z\"\n",
        ),
    )
    .unwrap();
    assert!(timestamps(&absolute)[0].starts_with("2030-01-01T00:00:00"));
}

#[test]
fn where_picks_documents_and_generated_actors_mix_in_time_order() {
    let dir = scratch("mix");
    write(
        &dir.join("busy.ndjson.gz"),
        &gzip(&ecs_log("scenarios/mix_attack_in_busy_cluster.toml")),
    );
    let all = load(
        &dir,
        &scenario_text("attack", "[[recorded]]\nfile = \"busy.ndjson.gz\"\n"),
    )
    .unwrap();
    let gets = load(
        &dir,
        &scenario_text(
            "attack",
            "[[recorded]]\nfile = \"busy.ndjson.gz\"\nwhere = { event.action = \"get\", \"kubernetes.audit.objectRef.resource\" = [\"secrets\"] }\n",
        ),
    )
    .unwrap();
    let count = |s: &scenario::Scenario| scenario::generate(s, None).count();
    assert!(count(&gets) < count(&all));
    assert!(
        scenario::generate(&gets, None).all(|d| d["event"]["action"] == "get"
            && d["kubernetes"]["audit"]["objectRef"]["resource"] == "secrets")
    );
    // Generated steps alongside, at the same hour as the recording.
    let mixed = load(
        &dir,
        &scenario_text(
            "attack",
            "[[recorded]]\nfile = \"busy.ndjson.gz\"\nat = \"+0s\"\n\n[actors.admin]\npersona = \"localhost-admin\"\n\n[[steps]]\nactor = \"admin\"\nat = \"+1m\"\nrequests = 5\n",
        ),
    )
    .unwrap();
    let docs: Vec<Value> = scenario::generate(&mixed, None).collect();
    assert_eq!(docs.len(), count(&all) + 5);
    let times: Vec<i64> = docs
        .iter()
        .map(|d| rulegate::audit::time::parse_rfc3339(d["@timestamp"].as_str().unwrap()).unwrap())
        .collect();
    assert!(
        times.windows(2).all(|w| w[0] <= w[1]),
        "merged by @timestamp"
    );
    let actors: std::collections::BTreeSet<&str> = docs
        .iter()
        .map(|d| d["labels"]["rulegate_actor"].as_str().unwrap())
        .collect();
    assert!(actors.contains("admin"), "{actors:?}");
}

#[test]
fn bulk_bodies_and_every_audit_shape_are_read() {
    let dir = scratch("formats");
    let ecs = ecs_log("scenarios/attack_stolen_token_curl.toml");
    let mut bulk = Vec::new();
    for line in ecs.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
        bulk.extend_from_slice(
            b"{\"create\":{\"_index\":\"logs-kubernetes.audit_logs-default\"}}\n",
        );
        bulk.extend_from_slice(line);
        bulk.push(b'\n');
    }
    write(&dir.join("body.bulk"), &bulk);
    let from_bulk = load(
        &dir,
        &scenario_text("attack", "[[recorded]]\nfile = \"body.bulk\"\n"),
    )
    .unwrap();
    assert_eq!(
        scenario::generate(&from_bulk, None).count(),
        ecs.split(|b| *b == b'\n').filter(|l| !l.is_empty()).count()
    );
    std::fs::copy(
        repo_path("tests/data/shapes/filter_log_events.json"),
        dir.join("cw.json"),
    )
    .unwrap();
    let from_cloudwatch = load(
        &dir,
        &scenario_text("edge", "[[recorded]]\nfile = \"cw.json\"\n"),
    )
    .unwrap();
    let stamps = timestamps(&from_cloudwatch);
    assert_eq!(
        stamps,
        ["2020-04-21T17:57:06.248Z", "2020-04-21T17:58:50.396Z"]
    );
}

#[test]
fn bad_recorded_data_is_an_error_naming_file_and_line() {
    let dir = scratch("errors");
    write(
        &dir.join("bad.ndjson"),
        b"{\"@timestamp\":\"2026-01-01T00:00:00Z\"}\nnot json\n",
    );
    write(
        &dir.join("untimed.ndjson"),
        b"{\"@timestamp\":\"2026-01-01T00:00:00Z\"}\n{\"event\":{\"action\":\"get\"}}\n",
    );
    write(&dir.join("cut.bulk"), b"{\"index\":{}}\n");
    let cases = [
        (
            "[[recorded]]\nfile = \"missing.log\"\n",
            "E641",
            "missing.log",
        ),
        (
            "[[recorded]]\nfile = \"bad.ndjson\"\nformat = \"ecs\"\n",
            "E642",
            "bad.ndjson:2",
        ),
        (
            "[[recorded]]\nfile = \"untimed.ndjson\"\n",
            "E643",
            "untimed.ndjson:2",
        ),
        ("[[recorded]]\nfile = \"cut.bulk\"\n", "E642", "cut.bulk"),
        (
            "[[recorded]]\nfile = \"bad.ndjson\"\nformat = \"csv\"\n",
            "E608",
            "unknown recorded format `csv`",
        ),
        (
            "[[recorded]]\nfile = \"bad.ndjson\"\nat = \"soon\"\n",
            "E605",
            "`soon`",
        ),
        (
            "[[recorded]]\nfile = \"bad.ndjson\"\nwhere = { a = [[1]] }\n",
            "E640",
            "`where` value of `a`",
        ),
        (
            "[[recorded]]\nfile = \"bad.ndjson\"\nshift = \"+1m\"\n",
            "E601",
            "unknown field `shift`",
        ),
    ];
    for (body, code, needle) in cases {
        let path = dir.join("s.toml");
        std::fs::write(&path, scenario_text("edge", body)).unwrap();
        let output = rulegate().arg("gen").arg(&path).output().unwrap();
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_eq!(output.status.code(), Some(2), "{body}: {stderr}");
        assert!(
            stderr.contains(&format!("error[{code}]")),
            "{body}: {stderr}"
        );
        assert!(
            stderr.contains(needle),
            "{body}: `{needle}` not in {stderr}"
        );
    }
    // `where` that leaves out the untimed document makes the file usable.
    let ok = load(&dir, &scenario_text("edge", "[[recorded]]\nfile = \"untimed.ndjson\"\nwhere = { \"@timestamp\" = \"2026-01-01T00:00:00Z\" }\n"));
    assert_eq!(scenario::generate(&ok.unwrap(), None).count(), 1);
    // Raw output has no form for recorded ECS documents.
    std::fs::write(dir.join("s.toml"), scenario_text("edge", "[[recorded]]\nfile = \"untimed.ndjson\"\nwhere = { \"@timestamp\" = \"2026-01-01T00:00:00Z\" }\n")).unwrap();
    let output = rulegate()
        .args(["gen", "--format", "raw"])
        .arg(dir.join("s.toml"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("error[E646]"));
}

/// A suite of one recorded attack and one recorded benign log for the seed rule, in a folder.
fn recorded_suite(name: &str) -> crate::support::Scratch {
    let dir = scratch(name);
    let suite = dir.join("scenarios");
    write(
        &suite.join("data/attack.log"),
        &raw_log("scenarios/attack_stolen_token_curl.toml"),
    );
    write(
        &suite.join("data/benign.log.gz"),
        &gzip(&raw_log("scenarios/benign_localhost_admin.toml")),
    );
    let rule = repo_path(SEED).display().to_string();
    let text = |kind: &str, file: &str, expect: &str| {
        format!(
            "name = \"recorded {kind}\"\ndescription = \"a recorded {kind} log\"\nkind = \"{kind}\"\n\
             rules = [{rule:?}]\nstart = \"2026-06-01T00:00:00Z\"\nseed = 1\n\n[[recorded]]\n\
             file = \"{file}\"\nat = \"+1m\"\n\n[expect]\n{expect}\n"
        )
    };
    write(&suite.join("attack.toml"), text("attack", "data/attack.log", "min_alerts = 1\n\n[[expect.groups]]\nfields = { \"user.name\" = \"system:serviceaccount:apps:default\" }").as_bytes());
    write(
        &suite.join("benign.toml"),
        text("benign", "data/benign.log.gz", "alerts = 0").as_bytes(),
    );
    dir
}

#[test]
fn check_snapshots_recorded_scenarios_and_notices_a_change() {
    let dir = recorded_suite("check");
    let scenarios = dir.join("scenarios").display().to_string();
    let snapshots = dir.join("snapshots").display().to_string();
    let rules = repo_path(SEED).display().to_string();
    let check = |extra: &[&str]| {
        rulegate()
            .args([
                "check",
                "--rules",
                &rules,
                "--scenarios",
                &scenarios,
                "--snapshots",
                &snapshots,
            ])
            .args(extra)
            .output()
            .unwrap()
    };
    let first = check(&["--update"]);
    let stdout = String::from_utf8_lossy(&first.stdout);
    assert!(
        stdout.contains("2 new"),
        "{stdout}{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let snap = std::fs::read_to_string(dir.join("snapshots/attack.snap")).unwrap();
    assert!(snap.contains("alert_count: 1"), "{snap}");
    // The recording, shifted to start + 1m, alerts in the execution at 00:05.
    assert!(
        snap.contains("window: \"2026-05-31T23:59:00.000Z .. 2026-06-01T00:05:00.000Z\""),
        "shifted times in the snapshot: {snap}"
    );
    assert_eq!(check(&[]).status.code(), Some(0));
    // Moving the recording changes the alerts' windows: check sees it.
    let attack = dir.join("scenarios/attack.toml");
    let text = std::fs::read_to_string(&attack)
        .unwrap()
        .replace("at = \"+1m\"", "at = \"+2h\"");
    std::fs::write(&attack, text).unwrap();
    let changed = check(&[]);
    assert_eq!(changed.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&changed.stdout).contains("CHANGED"));
}

#[test]
fn diff_mutate_coverage_and_doc_run_over_recorded_scenarios() {
    let dir = recorded_suite("review");
    let scenarios = dir.join("scenarios").display().to_string();
    let rule = repo_path(SEED).display().to_string();
    // diff: raising the threshold loses the recorded attack's alert.
    let head = dir.join("head.toml");
    std::fs::write(
        &head,
        std::fs::read_to_string(repo_path(SEED)).unwrap().replace(
            "Esql.unique_credentials >= 3",
            "Esql.unique_credentials >= 30",
        ),
    )
    .unwrap();
    let diff = success_stdout(rulegate().args(["diff", &rule]).arg(&head).args([
        "--scenarios",
        &scenarios,
        "--format",
        "json",
    ]));
    let diff: Value = serde_json::from_slice(&diff).unwrap();
    assert_eq!(
        diff["summary"],
        "−1 alert in 1 scenario, 2 expectations flipped in 1 scenario"
    );
    let run = &diff["rules"][0];
    assert_eq!(run["scenarios_run"], 2);
    let attack = run["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["scenario"] == "attack")
        .unwrap();
    assert_eq!(attack["lost"].as_array().unwrap().len(), 1, "{attack}");
    // mutate: the recorded scenarios kill mutants (the threshold shift at least).
    let mutate = success_stdout(rulegate().args(["mutate", &rule, "--scenarios", &scenarios]));
    let mutate = String::from_utf8(mutate).unwrap();
    // Two recorded scenarios kill 19 of the 44 mutants.
    assert!(
        mutate.starts_with("mutation score 43.2% (19 of 44 mutants killed by 2 scenarios)"),
        "{mutate}"
    );
    // coverage: the recorded documents are counted.
    let coverage =
        success_stdout(rulegate().args(["coverage", "--rules", &rule, "--scenarios", &scenarios]));
    let coverage = String::from_utf8(coverage).unwrap();
    assert!(coverage.contains("2 scenarios"), "{coverage}");
    // doc: the benign recorded scenario has its page entry with the recorded actor's verdict.
    let pages = dir.join("pages");
    success_stdout(
        rulegate()
            .args(["doc", "--rules", &rule, "--scenarios", &scenarios, "-o"])
            .arg(&pages),
    );
    let page = std::fs::read_to_string(
        pages.join("credential_access_kubernetes_multiple_secret_retrieval_burst.md"),
    )
    .unwrap();
    assert!(
        page.contains("| `recorded` (from `benign.log.gz`)"),
        "{page}"
    );
    assert!(page.contains("- `recorded`: **no alert**"), "{page}");
}

#[test]
fn fixture_copies_the_log_runs_the_rule_and_writes_expectations() {
    let dir = scratch("fixture");
    let log = dir.join("incident.log");
    write(&log, &raw_log("scenarios/attack_stolen_token_curl.toml"));
    let out = dir.join("suite/incident.toml");
    let stdout = success_stdout(
        rulegate()
            .arg("fixture")
            .arg(&log)
            .args(["--rule", SEED, "-o"])
            .arg(&out),
    );
    let stdout = String::from_utf8(stdout).unwrap();
    assert!(stdout.contains("1 alert(s)"), "{stdout}");
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.contains("kind = \"attack\""), "{text}");
    assert!(text.contains("file = \"data/incident.log\""), "{text}");
    assert!(text.contains("[[expect.groups]]"), "{text}");
    assert!(
        text.contains("\"user.name\" = \"system:serviceaccount:apps:default\""),
        "{text}"
    );
    assert_eq!(
        std::fs::read(dir.join("suite/data/incident.log")).unwrap(),
        std::fs::read(&log).unwrap()
    );
    // The written scenario runs and its expectations pass.
    let run = success_stdout(rulegate().arg("run").arg(&out));
    let run = String::from_utf8(run).unwrap();
    assert!(!run.contains("passed: false"), "{run}");
    // Never overwrites: the scenario, or its data file.
    let again = rulegate()
        .arg("fixture")
        .arg(&log)
        .args(["--rule", SEED, "-o"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("error[E650]"));
    std::fs::remove_file(&out).unwrap();
    let again = rulegate()
        .arg("fixture")
        .arg(&log)
        .args(["--rule", SEED, "-o"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("data/incident.log"));
    assert!(!out.exists());
}

#[test]
fn fixture_gzips_a_large_log_and_references_on_request() {
    let dir = scratch("fixture-large");
    let log = dir.join("busy.log");
    write(&log, &raw_log("scenarios/mix_attack_in_busy_cluster.toml"));
    assert!(std::fs::metadata(&log).unwrap().len() > rulegate::fixture::GZIP_ABOVE_BYTES);
    let out = dir.join("busy.toml");
    success_stdout(
        rulegate()
            .arg("fixture")
            .arg(&log)
            .args(["--rule", SEED, "-o"])
            .arg(&out),
    );
    let copy = std::fs::read(dir.join("data/busy.log.gz")).unwrap();
    assert_eq!(&copy[..2], &[0x1f, 0x8b]);
    let run = String::from_utf8(success_stdout(rulegate().arg("run").arg(&out))).unwrap();
    assert!(!run.contains("passed: false"), "{run}");
    let referenced = dir.join("sub/ref.toml");
    success_stdout(
        rulegate()
            .arg("fixture")
            .arg(&log)
            .args(["--rule", SEED, "--reference", "--kind", "edge", "-o"])
            .arg(&referenced),
    );
    let text = std::fs::read_to_string(&referenced).unwrap();
    assert!(text.contains("file = \"../busy.log\""), "{text}");
    assert!(text.contains("kind = \"edge\""), "{text}");
    assert!(!dir.join("sub/data").exists());
}

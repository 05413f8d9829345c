//! `rulegate edges` on EQL rules: the generated scenarios of the five bundled rules (snapshots,
//! committed copies current), the sequence edges of `until` and `runs` on a query of our own,
//! and every generated scenario passing `check` as written.

use std::path::Path;

use rulegate::edges::eql::{self, EqlEdgeInput};
use rulegate::eql::engine::Settings;
use rulegate::schedule::{ScheduleSpec, ScheduledRule};

use crate::support::{repo_path, rulegate, snapshot};

const RULES: [&str; 5] = [
    "defense_evasion_events_deleted",
    "execution_anonymous_create_update_patch_pod_request",
    "execution_forbidden_creation_request",
    "execution_user_exec_to_pod",
    "privilege_escalation_sensitive_rbac_change_followed_by_workload_modification",
];

/// The scenarios `rulegate edges rules/eql --write scenarios/eql/edges` writes for one rule.
fn bundled(stem: &str) -> Vec<rulegate::edges::EdgeScenario> {
    bundled_in("rules/eql", stem)
}

/// The edge scenarios of the bundled rule `folder/stem.toml`, as `rulegate edges` writes them
/// under `scenarios/…/edges/<stem>/` (the reference climbs back to the repository root).
pub fn bundled_in(folder: &str, stem: &str) -> Vec<rulegate::edges::EdgeScenario> {
    let display = format!("{folder}/{stem}.toml");
    let loaded = rulegate::rule::load(&repo_path(&display)).unwrap();
    let scheduled = ScheduledRule::from_loaded(&loaded).unwrap();
    let reference = format!("../../../../{display}");
    eql::for_rule(&loaded, &scheduled, &reference, &display).unwrap()
}

/// The `alerts = N` of a scenario's `[expect]` table.
pub fn alerts_of(text: &str) -> u64 {
    let expect = text
        .split("\n[expect]\n")
        .nth(1)
        .expect("an [expect] table");
    expect
        .lines()
        .find_map(|line| line.strip_prefix("alerts = "))
        .and_then(|n| n.parse().ok())
        .expect("an alert count")
}

#[test]
fn the_bundled_rules_edges_match_their_snapshots_and_the_committed_files() {
    for stem in RULES {
        let scenarios = bundled(stem);
        assert!(!scenarios.is_empty(), "{stem}");
        assert_snapshot_and_committed(stem, &scenarios, "rules/eql", "scenarios/eql/edges");
    }
}

/// The scenarios match their snapshot (`snapshots/eql_edges/<stem>.snap`) and the files
/// committed under `edges_dir/<stem>/`, name for name and byte for byte.
pub fn assert_snapshot_and_committed(
    stem: &str,
    scenarios: &[rulegate::edges::EdgeScenario],
    rules_dir: &str,
    edges_dir: &str,
) {
    let joined: String = scenarios
        .iter()
        .map(|s| format!("=== {} ===\n{}", s.file_name, s.text))
        .collect();
    snapshot!("eql_edges", stem, joined);
    let dir = repo_path(edges_dir).join(stem);
    let mut committed: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    committed.sort();
    let mut names: Vec<String> = scenarios.iter().map(|s| s.file_name.clone()).collect();
    names.sort();
    assert_eq!(
        names, committed,
        "regenerate with `rulegate edges {rules_dir} --write {edges_dir}`"
    );
    for scenario in scenarios {
        let on_disk = std::fs::read_to_string(dir.join(&scenario.file_name)).unwrap();
        assert_eq!(
            on_disk, scenario.text,
            "{stem}/{} is stale",
            scenario.file_name
        );
    }
}

#[test]
fn the_rbac_sequence_is_kept_at_maxspan_and_dropped_one_second_past_it() {
    let scenarios = bundled(RULES[4]);
    let alerts =
        |name: &str| alerts_of(&scenarios.iter().find(|s| s.file_name == name).unwrap().text);
    // A shell alert and two building blocks; `delta > maxspan` rejects, equal is kept.
    assert_eq!(alerts("sequence-maxspan-inside.toml"), 3);
    assert_eq!(alerts("sequence-maxspan-at.toml"), 3);
    assert_eq!(alerts("sequence-maxspan-outside.toml"), 0);
    assert_eq!(alerts("sequence-key-differs-step-1.toml"), 0);
    assert_eq!(alerts("sequence-key-differs-step-2.toml"), 0);
    assert_eq!(alerts("sequence-out-of-order.toml"), 0);
    // The `system:masters` exclusion: the listed group is silent, its case change completes.
    let exclusions = scenarios
        .iter()
        .find(|s| s.file_name == "values-query-2-exclusions.toml")
        .unwrap();
    assert!(exclusions
        .text
        .contains("= `system:masters`: `system:masters` as listed → no sequence"));
    assert!(exclusions.text.contains(
        "= `System:masters`: the case changed (`==`/`in` compare case-sensitively) → completes"
    ));
}

#[test]
fn single_event_rules_get_the_late_ingest_edges_at_the_look_back_bound() {
    for stem in &RULES[..4] {
        let scenarios = bundled(stem);
        let find = |name: &str| scenarios.iter().find(|s| s.file_name == name).unwrap();
        let inside = find("schedule-late-ingest-lookback-inside.toml");
        let outside = find("schedule-late-ingest-lookback-outside.toml");
        assert_eq!(alerts_of(&inside.text), 1, "{stem}");
        assert_eq!(alerts_of(&outside.text), 0, "{stem}");
        // Ingested 5m late, history (before the rule was enabled), on and one second before
        // the first execution's window start (10:05 − 6m = 09:59: from 09:54 and 09:53:59).
        assert!(inside
            .text
            .contains("ingest_lag = \"300s\"\nhistory = true"));
        assert!(inside
            .text
            .contains("event from 2026-05-15T09:54:00.000Z is ingested 5m late"));
        assert!(outside
            .text
            .contains("event from 2026-05-15T09:53:59.000Z is ingested 5m late"));
    }
}

const UNTIL_RUNS: &str = r#"sequence by user.name with maxspan=2m
  [any where kubernetes.audit.verb == "create" and kubernetes.audit.objectRef.resource == "roles"] with runs=2
  [any where kubernetes.audit.verb == "patch" and kubernetes.audit.objectRef.resource == "deployments"]
until [any where kubernetes.audit.verb == "delete" and kubernetes.audit.objectRef.resource == "roles"]"#;

fn until_runs_edges() -> Vec<rulegate::edges::EdgeScenario> {
    let query = rulegate::eql::parse(UNTIL_RUNS).unwrap();
    let schedule = ScheduleSpec {
        timestamp_override: Some("event.ingested".into()),
        ..ScheduleSpec::default()
    };
    let input = EqlEdgeInput {
        rule_reference: "rule.toml",
        rule_display: "rule.toml",
        schedule: &schedule,
        query: &query,
        text: UNTIL_RUNS,
        settings: Settings {
            size: 100,
            ..Settings::default()
        },
        indices: Vec::new(),
    };
    eql::generate(&input).unwrap()
}

#[test]
fn until_and_runs_edges_follow_the_sequence_semantics() {
    let scenarios = until_runs_edges();
    let alerts = |name: &str| {
        let scenario = scenarios
            .iter()
            .find(|s| s.file_name == name)
            .unwrap_or_else(|| panic!("{name} missing"));
        alerts_of(&scenario.text)
    };
    // Three events (runs=2 then one): a shell alert and three building blocks.
    assert_eq!(alerts("sequence-maxspan-at.toml"), 4);
    assert_eq!(alerts("sequence-maxspan-outside.toml"), 0);
    // An `until` event between the last two steps ends the sequence; one after it does not.
    assert_eq!(alerts("sequence-until-before-last.toml"), 0);
    assert_eq!(alerts("sequence-until-after-last.toml"), 4);
    // runs=2 with one event never reaches the next query.
    assert_eq!(alerts("sequence-runs-query-1-short.toml"), 0);
    let key_differs = scenarios
        .iter()
        .filter(|s| s.file_name.starts_with("sequence-key-differs-step-"))
        .count();
    assert_eq!(key_differs, 3);
}

#[test]
fn generated_sequence_edges_pass_check_as_written() {
    let dir = crate::support::scratch("eql-edges");
    std::fs::create_dir_all(dir.join("rules")).unwrap();
    let rbac = std::fs::read_to_string(repo_path(&format!("rules/eql/{}.toml", RULES[4]))).unwrap();
    let start = rbac.find("query = '''").unwrap();
    let rule = format!("{}query = '''\n{UNTIL_RUNS}\n'''\n", &rbac[..start]);
    std::fs::write(dir.join("rules/until_runs.toml"), rule).unwrap();
    let out = dir.join("scenarios");
    let listing = crate::support::success_stdout(
        rulegate()
            .args(["edges", "--write"])
            .arg(&out)
            .arg(dir.join("rules/until_runs.toml")),
    );
    assert!(String::from_utf8_lossy(&listing).contains("sequence-until-before-last.toml"));
    let output = rulegate()
        .args(["check", "--rules"])
        .arg(dir.join("rules"))
        .arg("--scenarios")
        .arg(&out)
        .arg("--snapshots")
        .arg(dir.join("snapshots"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains(" 0 with failed expectations"), "{text}");
    assert!(!text.contains("EXPECTATION FAILED"), "{text}");
    assert!(Path::new(&repo_path("scenarios/eql/edges")).is_dir());
}

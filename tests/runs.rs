//! The snapshot suite: every scenario under `scenarios/` runs against its rules; its run report
//! is snapshotted into `snapshots/runs/<dir>__<name>.snap` (the files `rulegate check` reads and
//! writes) and its own expectations must hold.

use std::path::PathBuf;

use rstest::rstest;
use rulegate::check::{discover_scenarios, snapshot_name};
use rulegate::diagnostic::render_all;
use rulegate::runner::{run_scenario, RuleSource};

use crate::support::{repo_path, snapshot, success_stdout};

#[rstest]
fn run_report(
    #[files("scenarios/**/*.toml")]
    #[exclude("personas\\.toml$")]
    path: PathBuf,
) {
    let name = snapshot_name(&repo_path("scenarios"), &path);
    let run = run_scenario(&path, RuleSource::AsWritten)
        .unwrap_or_else(|diagnostics| panic!("{}", render_all(&diagnostics, false)));
    snapshot!("runs", name.as_str(), run.to_snapshot());
    let failed = run.failed_expectations();
    assert!(
        failed.is_empty(),
        "{}: expectations failed:\n{}",
        path.display(),
        failed.join("\n")
    );
}

/// `#[files]` is expanded at compile time; this runtime check catches a scenario added since the
/// last build, a deleted scenario whose snapshot stayed behind, or one never snapshotted.
#[test]
fn every_scenario_has_a_snapshot_and_every_snapshot_a_scenario() {
    let scenarios: Vec<String> = discover_scenarios(&repo_path("scenarios"))
        .unwrap()
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    let mut snapshots: Vec<String> = std::fs::read_dir(repo_path("snapshots/runs"))
        .unwrap()
        .filter_map(|entry| {
            let name = entry.unwrap().file_name().to_string_lossy().into_owned();
            name.strip_suffix(".snap").map(str::to_string)
        })
        .collect();
    snapshots.sort();
    let missing: Vec<&String> = scenarios
        .iter()
        .filter(|name| !snapshots.contains(name))
        .collect();
    let orphaned: Vec<&String> = snapshots
        .iter()
        .filter(|name| !scenarios.contains(name))
        .collect();
    assert!(
        missing.is_empty(),
        "scenarios without a snapshot: {missing:?}"
    );
    assert!(
        orphaned.is_empty(),
        "snapshots without a scenario: {orphaned:?}"
    );
}

#[test]
fn run_prints_the_report_and_exits_1_when_an_expectation_fails() {
    let rule = repo_path("rules/credential_access_kubernetes_multiple_secret_retrieval_burst.toml");
    let stdout = success_stdout(crate::support::rulegate().args([
        "run",
        "scenarios/benign_kube_scheduler.toml",
        "--format",
        "json",
    ]));
    let report: serde_json::Value = serde_json::from_slice(&stdout).unwrap();
    assert!(report["description"]
        .as_str()
        .is_some_and(|d| !d.is_empty()));
    assert!(report["expectations"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["passed"] == true));

    // The same scenario against a rule without the scheduler exclusion: the expectation fails.
    let dir = crate::support::scratch("run");
    let weakened = dir.join("weakened.toml");
    let text = std::fs::read_to_string(&rule).unwrap();
    std::fs::write(
        &weakened,
        text.replace(
            "\"system:kube-controller-manager\", \"system:kube-scheduler\"",
            "\"system:kube-controller-manager\"",
        ),
    )
    .unwrap();
    let output = crate::support::rulegate()
        .args(["run", "scenarios/benign_kube_scheduler.toml", "--rule"])
        .arg(&weakened)
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let yaml = String::from_utf8_lossy(&output.stdout);
    assert!(yaml.contains("passed: false"), "{yaml}");
    assert!(
        yaml.contains("kubernetes.audit.user.username: system:kube-scheduler"),
        "{yaml}"
    );
}

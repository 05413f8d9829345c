//! The snapshot suite: every scenario under `scenarios/` runs against its rules; its run report
//! is snapshotted into `snapshots/runs/<dir>__<name>.snap` (the files `rulegate check` reads and
//! writes) and its own expectations must hold.

use std::path::PathBuf;

use rstest::rstest;
use rulegate::check::{discover_scenarios, snapshot_name};
use rulegate::diagnostic::render_all;
use rulegate::runner::{run_scenario, RuleSource};

use crate::support::{repo_path, snapshot};

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

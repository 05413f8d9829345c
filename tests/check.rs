//! `rulegate check` as CI runs it: green on the committed tree, red with the changed scenarios
//! named when a rule loses an exclusion, exit 2 on bad input.

use std::path::{Path, PathBuf};

use crate::support::{repo_path, rulegate};

const SEED_RULE: &str = "credential_access_kubernetes_multiple_secret_retrieval_burst.toml";

/// A fresh scratch directory for one test.
fn scratch(name: &str) -> crate::support::Scratch {
    crate::support::scratch(&format!("check-cli-{name}"))
}

/// A copy of the seed rule in `dir/rules/`, with `edit` applied to its text, beside unchanged
/// copies of the other committed rules (`rules/eql/`), as a pull request's rules folder holds
/// them: `check --rules DIR` looks every scenario's rule up by file name in `DIR`.
fn rule_copy(dir: &Path, edit: impl Fn(&str) -> String) -> PathBuf {
    let rules = dir.join("rules");
    std::fs::create_dir_all(&rules).unwrap();
    // Every bundled rule (scenarios name the KQL rules too); then the seed rule edited.
    for entry in std::fs::read_dir(repo_path("rules")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            std::fs::copy(&path, rules.join(path.file_name().unwrap())).unwrap();
        }
    }
    for entry in std::fs::read_dir(repo_path("rules/eql")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, rules.join(path.file_name().unwrap())).unwrap();
    }
    let text = std::fs::read_to_string(repo_path("rules").join(SEED_RULE)).unwrap();
    let edited = edit(&text);
    assert_ne!(edited, text, "the edit must change the rule");
    std::fs::write(rules.join(SEED_RULE), edited).unwrap();
    rules
}

/// `dir/scenarios/` holding a copy of one committed scenario.
fn one_scenario(dir: &Path, scenario: &str) -> PathBuf {
    let scenarios = dir.join("scenarios");
    std::fs::create_dir_all(&scenarios).unwrap();
    let source = repo_path(scenario);
    std::fs::copy(&source, scenarios.join(source.file_name().unwrap())).unwrap();
    scenarios
}

/// Runs `rulegate check ARGS…`: exit code and stdout (stderr joins stdout in failure messages).
fn check(args: &[&std::ffi::OsStr], expected_code: i32) -> String {
    let output = rulegate().arg("check").args(args).output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert_eq!(
        output.status.code(),
        Some(expected_code),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

#[test]
fn check_passes_on_the_committed_tree() {
    let dir = scratch("green");
    let junit = dir.join("junit.xml");
    let stdout = check(&["--junit".as_ref(), junit.as_os_str()], 0);
    assert!(stdout.starts_with("check passed:"), "{stdout}");
    // The second line says what the suite covers: scenarios and alerts per kind.
    assert!(
        stdout.contains("\nby kind: ")
            && stdout.contains(" attack (")
            && stdout.contains(" benign (0 alerts)"),
        "{stdout}"
    );
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.contains("failures=\"0\""));
    assert!(xml.contains("<testcase name=\"scenarios/edges/threshold-at.toml\""));
    // README shows this output ("The two commands").
    let readme = std::fs::read_to_string(repo_path("README.md")).unwrap();
    let shown = readme
        .split_once("$ cargo run --release -- check\n")
        .and_then(|(_, rest)| rest.split_once("```"))
        .map(|(block, _)| block)
        .unwrap();
    assert_eq!(stdout, shown, "README's check output is current");
}

#[test]
fn removing_an_exclusion_fails_the_check_and_names_the_scenarios_it_changes() {
    let dir = scratch("no-scheduler-exclusion");
    let rules = rule_copy(&dir, |text| {
        text.replace(
            "    not user.name in (\"system:kube-controller-manager\", \"system:kube-scheduler\") and \n",
            "",
        )
    });
    let junit = dir.join("junit.xml");
    let stdout = check(
        &[
            "--rules".as_ref(),
            rules.as_os_str(),
            "--junit".as_ref(),
            junit.as_os_str(),
        ],
        1,
    );
    for changed in [
        "scenarios/benign_kube_controller_manager.toml",
        "scenarios/benign_kube_scheduler.toml",
    ] {
        assert!(
            stdout
                .lines()
                .any(|line| line.ends_with(changed) && !line.trim_start().starts_with("ok")),
            "{changed} not named:\n{stdout}"
        );
    }
    // The diff shows the new alert for the controller manager.
    assert!(
        stdout
            .contains("+          kubernetes.audit.user.username: system:kube-controller-manager"),
        "{stdout}"
    );
    assert!(stdout.contains("check FAILED"), "{stdout}");
    // Scenarios the exclusion never touched still pass.
    assert!(
        !stdout.contains("scenarios/edges/threshold-at.toml"),
        "{stdout}"
    );
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.contains("<failure"), "{xml}");
}

#[test]
fn update_writes_snapshots_that_then_pass() {
    let dir = scratch("update");
    let scenarios = one_scenario(&dir, "scenarios/edges/threshold-at.toml");
    let snapshots = dir.join("snaps");
    let check = |update: bool| {
        let mut command = rulegate();
        command
            .arg("check")
            .arg("--scenarios")
            .arg(&scenarios)
            .arg("--rules")
            .arg(repo_path("rules"))
            .arg("--snapshots")
            .arg(&snapshots);
        if update {
            command.arg("--update");
        }
        command.output().unwrap()
    };
    assert_eq!(check(false).status.code(), Some(1), "no snapshot yet");
    assert_eq!(check(true).status.code(), Some(0));
    assert_eq!(check(false).status.code(), Some(0));
    // The written file is the one the test suite asserts (same bytes as the committed snapshot).
    assert_eq!(
        std::fs::read_to_string(snapshots.join("threshold-at.snap")).unwrap(),
        std::fs::read_to_string(repo_path("snapshots/runs/edges__threshold-at.snap")).unwrap()
    );
}

/// Runs `check` and asserts exit code 2 with `message` on stderr.
fn assert_bad_input(args: &[&std::ffi::OsStr], message: &str) {
    let output = rulegate().arg("check").args(args).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        output.status.code(),
        Some(2),
        "{stderr}{}",
        String::from_utf8_lossy(&output.stdout)
    );
    assert!(
        stderr.contains(message),
        "expected `{message}` in:\n{stderr}"
    );
}

#[test]
fn a_scenario_naming_a_missing_rule_fails_the_check_and_is_named() {
    let dir = scratch("missing-rule");
    let text = std::fs::read_to_string(repo_path("scenarios/edges/threshold-at.toml")).unwrap();
    std::fs::write(
        dir.join("s.toml"),
        text.replace(SEED_RULE, "no_such_rule.toml"),
    )
    .unwrap();
    let snapshots = dir.join("snaps");
    let stdout = check(
        &[
            "--scenarios".as_ref(),
            dir.as_os_str(),
            "--snapshots".as_ref(),
            snapshots.as_os_str(),
        ],
        1,
    );
    assert!(
        stdout
            .lines()
            .any(|line| line.trim_start().starts_with("DANGLING  s names ")
                && line.ends_with("rules/no_such_rule.toml, which no selected rule is")),
        "{stdout}"
    );
    assert!(stdout.contains("check FAILED"), "{stdout}");
}

#[test]
fn an_invalid_snapshot_file_is_bad_input() {
    let dir = scratch("bad-snapshot");
    let scenarios = one_scenario(&dir, "scenarios/edges/threshold-at.toml");
    let snapshots = dir.join("snaps");
    std::fs::create_dir_all(&snapshots).unwrap();
    std::fs::write(snapshots.join("threshold-at.snap"), "alerts: []\n").unwrap();
    let rules = repo_path("rules");
    assert_bad_input(
        &[
            "--scenarios".as_ref(),
            scenarios.as_os_str(),
            "--rules".as_ref(),
            rules.as_os_str(),
            "--snapshots".as_ref(),
            snapshots.as_os_str(),
        ],
        "not a valid snapshot file",
    );
}

#[test]
fn an_unwritable_junit_path_is_bad_input() {
    // A path below a regular file can never be created.
    assert_bad_input(
        &["--junit".as_ref(), "Cargo.toml/report.xml".as_ref()],
        "cannot write output: directory `Cargo.toml` is not a directory",
    );
}

#[test]
fn a_rule_the_engine_cannot_run_offline_is_reported_not_runnable() {
    let dir = scratch("score");
    let rules = rule_copy(&dir, |text| {
        text.replace(
            "    and source.ip is not null",
            "    and score(match(user.name, \"x\")) > 0 and source.ip is not null",
        )
    });
    let scenarios = one_scenario(&dir, "scenarios/edges/threshold-at.toml");
    // Reported with the reason, not skipped, and not failing the gate (the default policy).
    let stdout = check(
        &[
            "--scenarios".as_ref(),
            scenarios.as_os_str(),
            "--rules".as_ref(),
            rules.as_os_str(),
            "--snapshots".as_ref(),
            dir.join("snaps").as_os_str(),
        ],
        0,
    );
    assert!(
        stdout.contains("not runnable  ")
            && stdout.contains("threshold-at.toml (")
            && stdout.contains("not evaluated: full-text function [SCORE]"),
        "{stdout}"
    );
    assert!(stdout.contains(", 1 not runnable\n"), "{stdout}");
}

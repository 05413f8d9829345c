//! Bad input through the binary: one minimal file per error kind under `tests/data/invalid/`,
//! each must exit 2 with one caret diagnostic naming the file, line and column.

use std::path::PathBuf;

use rstest::rstest;

use crate::support::{rulegate, snapshot};

/// Runs `rulegate inspect` on a path relative to the repository; returns (exit code, stdout, stderr).
fn inspect(relative: &str) -> (i32, String, String) {
    let output = rulegate()
        .args(["inspect", relative])
        .output()
        .expect("the binary runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[rstest]
fn invalid_inputs_exit_2_with_one_located_error(
    #[files("tests/data/invalid/*.toml")] path: PathBuf,
) {
    let name = path.file_stem().unwrap().to_str().unwrap().to_string();
    let relative = format!("tests/data/invalid/{name}.toml");
    let (code, stdout, stderr) = inspect(&relative);
    assert_eq!(code, 2, "{name}: {stderr}");
    assert!(stdout.is_empty(), "{name}: nothing on stdout, got {stdout}");
    assert_eq!(
        stderr.matches("error[").count(),
        1,
        "{name}: exactly one error\n{stderr}"
    );
    assert!(
        stderr.contains(&format!("--> {relative}:")),
        "{name}: the message names file:line:col\n{stderr}"
    );
    snapshot!("errors", name, stderr);
}

#[test]
fn a_missing_file_exits_2_naming_the_path() {
    let (code, _, stderr) = inspect("tests/data/invalid/no_such_rule.toml");
    assert_eq!(code, 2);
    snapshot!("errors", "missing_file", stderr);
}

#[test]
fn unknown_keys_warn_with_their_position_and_the_rule_still_loads() {
    let (code, stdout, stderr) = inspect("tests/data/rules/unknown_key.toml");
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("Unknown key"), "the report is printed");
    assert!(stderr.starts_with("warning[W101]"), "{stderr}");
    snapshot!("errors", "unknown_key_warning", stderr);
}

#[test]
fn non_esql_rules_load_and_are_not_evaluated() {
    // KQL rules are evaluated: `inspect` shows the canonical query and its conjuncts.
    let (code, stdout, stderr) = inspect("tests/data/rules/kuery_rule.toml");
    assert_eq!(code, 0, "{stderr}");
    assert!(!stdout.contains("not evaluated"), "{stdout}");
    assert!(
        stdout.contains("Query (KQL, canonical)\n  event.action:\"get\""),
        "{stdout}"
    );
    // A Lucene rule (the same file with another language) is loaded but not evaluated.
    let dir = crate::support::scratch("errors-lucene");
    let eql = dir.join("lucene_rule.toml");
    let text = std::fs::read_to_string(crate::support::repo_path(
        "tests/data/rules/kuery_rule.toml",
    ))
    .unwrap()
    .replace("language = \"kuery\"", "language = \"lucene\"");
    std::fs::write(&eql, text).unwrap();
    let (code, stdout, stderr) = inspect(eql.to_str().unwrap());
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("not evaluated: language lucene"),
        "{stdout}"
    );
    let output = rulegate()
        .args(["inspect", eql.to_str().unwrap(), "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["stages"], serde_json::json!([]));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "note: not evaluated: language lucene\n"
    );
}

#[test]
fn detection_rules_esql_checks_are_warnings() {
    let (code, stdout, stderr) = inspect("tests/data/rules/detection_rules_checks.toml");
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("Detection rules checks"),
        "the report is printed"
    );
    assert_eq!(stderr.matches("warning[W102]").count(), 2, "{stderr}");
    snapshot!("errors", "detection_rules_checks_warning", stderr);
}

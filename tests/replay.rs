//! `rulegate replay` through the binary: the JSON shape of the issue, the overlap duplicate with
//! the real engine, raw audit input, `--first-run`, and bad input.

use std::path::PathBuf;

use serde_json::Value;

use crate::support::{repo_path, rulegate, success_stdout};

const SEED_RULE: &str = "rules/credential_access_kubernetes_multiple_secret_retrieval_burst.toml";

/// Generates a scenario's stream into a file of a scratch directory (`format` as `rulegate gen`
/// takes it); the file lives as long as the directory returned with it.
fn generated(scenario: &str, format: &str) -> (crate::support::Scratch, PathBuf) {
    let dir = crate::support::scratch("replay");
    let path = dir.join(format!("{}-{format}.ndjson", scenario.replace('/', "_")));
    success_stdout(
        rulegate()
            .args(["gen", scenario, "--format", format, "-o"])
            .arg(&path),
    );
    (dir, path)
}

fn replay(input: &PathBuf, extra: &[&str]) -> (Option<i32>, String, String) {
    let output = rulegate()
        .args(["replay", SEED_RULE, "--input"])
        .arg(input)
        .args(extra)
        .output()
        .unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn the_overlap_burst_alerts_twice_and_the_second_alert_is_a_duplicate() {
    let (_scratch, input) = generated("scenarios/edges/schedule-overlap-burst.toml", "ecs");
    let (code, stdout, stderr) = replay(&input, &[]);
    assert_eq!(code, Some(0), "{stderr}");
    let report: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["executions"], 2);
    let alerts = report["alerts"].as_array().unwrap();
    assert_eq!(alerts.len(), 2);
    assert_eq!(alerts[0]["window"]["from"], "2026-05-15T09:59:00.000Z");
    assert_eq!(alerts[0]["window"]["to"], "2026-05-15T10:05:00.000Z");
    assert_eq!(alerts[0]["duplicate_of"], Value::Null);
    assert_eq!(alerts[1]["duplicate_of"], alerts[0]["id"]);
    assert_eq!(alerts[0]["fields"]["Esql.unique_credentials"], 3);
    assert_eq!(alerts[0]["rule_id"], "b4c8e2a1-9f3d-4e7c-a2b1-0d5e6f7a8b9c");
    assert!(
        stderr.is_empty(),
        "no progress bar when stderr is not a terminal: {stderr}"
    );

    // Raw audit lines of the same stream give the same alerts.
    let (_raw_scratch, raw) = generated("scenarios/edges/schedule-overlap-burst.toml", "raw");
    let (code, raw_stdout, stderr) = replay(&raw, &["--raw"]);
    assert_eq!(code, Some(0), "{stderr}");
    let raw_report: Value = serde_json::from_str(&raw_stdout).unwrap();
    assert_eq!(raw_report["alerts"].as_array().unwrap().len(), 2);
}

#[test]
fn first_run_moves_the_executions() {
    let (_scratch, input) = generated("scenarios/edges/schedule-overlap-burst.toml", "ecs");
    // Executions at 10:07 and 10:12: the 10:07 window [10:01, 10:07] holds the whole burst, the
    // 10:12 window [10:06, 10:12] none of it: one alert.
    let (code, stdout, stderr) = replay(&input, &["--first-run", "2026-05-15T10:07:00Z"]);
    assert_eq!(code, Some(0), "{stderr}");
    let report: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["executions"], 1);
    assert_eq!(report["alerts"].as_array().unwrap().len(), 1);
    assert_eq!(report["alerts"][0]["time"], "2026-05-15T10:07:00.000Z");
}

#[test]
fn bad_input_exits_2_with_the_place() {
    let (scratch, input) = generated("scenarios/edges/threshold-at.toml", "ecs");
    let (code, _, stderr) = replay(&input, &["--first-run", "yesterday"]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("`--first-run yesterday` is not an RFC 3339 time"),
        "{stderr}"
    );

    let broken = scratch.join("broken.ndjson");
    std::fs::write(
        &broken,
        "{\"@timestamp\": \"2026-05-15T10:00:00Z\"}\n{not json\n",
    )
    .unwrap();
    let (code, _, stderr) = replay(&broken, &[]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains(&format!("{}:2", broken.display())),
        "{stderr}"
    );

    let (code, _, stderr) = replay(&repo_path("no-such-file.ndjson"), &[]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("no-such-file.ndjson"), "{stderr}");
}

#[test]
fn alert_suppression_absorbs_the_overlap_duplicate_with_the_real_engine() {
    let dir = crate::support::scratch("replay-suppression");
    let rule = dir.join("suppressed.toml");
    let text = std::fs::read_to_string(repo_path(SEED_RULE)).unwrap();
    let suppressed = text.replace(
        "\n[[rule.threat]]",
        "\n[rule.alert_suppression]\ngroup_by = [\"user.name\"]\nmissing_fields_strategy = \"suppress\"\n\n[rule.alert_suppression.duration]\nunit = \"m\"\nvalue = 30\n\n[[rule.threat]]",
    );
    assert_ne!(suppressed, text);
    std::fs::write(&rule, suppressed).unwrap();
    let (_scratch, input) = generated("scenarios/edges/schedule-overlap-burst.toml", "ecs");
    let stdout = success_stdout(
        rulegate()
            .arg("replay")
            .arg(&rule)
            .arg("--input")
            .arg(&input),
    );
    let report: Value = serde_json::from_slice(&stdout).unwrap();
    let alerts = report["alerts"].as_array().unwrap();
    assert_eq!(alerts.len(), 1, "{report}");
    assert_eq!(alerts[0]["suppression"]["suppressed"], 1);
    assert_eq!(alerts[0]["suppression"]["end"], "2026-05-15T10:10:00.000Z");
    assert_eq!(
        alerts[0]["suppression"]["terms"]["user.name"],
        "system:serviceaccount:edge:prober"
    );
}

//! `rulegate explain`: each document's fate, named after the conjunct that dropped it (false vs
//! null) or the group it fed; snapshots under `snapshots/explain/`.

use rstest::rstest;

use crate::support::{rulegate, snapshot, success_stdout};

#[rstest]
#[case::xff_null("scenarios/evasion_xff_spoofer.toml")]
#[case::below_threshold("scenarios/edges/threshold-below.toml")]
#[case::overlap("scenarios/edges/schedule-overlap-burst.toml")]
#[case::outside_lookback("scenarios/edges/schedule-lookback-outside.toml")]
fn explain_table(#[case] scenario: &str) {
    let output = rulegate().args(["explain", scenario]).output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let name = std::path::Path::new(scenario)
        .file_stem()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    snapshot!(
        "explain",
        name.as_str(),
        String::from_utf8_lossy(&output.stdout).into_owned()
    );
}

#[test]
fn a_multivalued_source_ip_drops_the_event_through_null() {
    let output = rulegate()
        .args([
            "explain",
            "scenarios/evasion_xff_spoofer.toml",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let fates: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    for fate in fates.as_array().unwrap() {
        assert_eq!(fate["fate"], "dropped");
        assert_eq!(fate["role"], "exclusion");
        assert_eq!(fate["field"], "source.ip");
        assert_eq!(fate["result"], "null");
        assert!(
            fate["value"].as_array().is_some_and(|ips| ips.len() == 2),
            "{fate}"
        );
    }
}

#[test]
fn explain_needs_a_scenario_or_an_input() {
    let output = rulegate().args(["explain"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn documents_outside_every_window_and_of_other_data_streams_are_named() {
    let generated = rulegate()
        .args(["gen", "scenarios/edges/threshold-at.toml"])
        .output()
        .unwrap();
    let mut lines: Vec<serde_json::Value> = String::from_utf8_lossy(&generated.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    // The second document comes from another data stream; the third has no time at all.
    lines[1]["data_stream"]["dataset"] = "kubernetes.container_logs".into();
    lines[2].as_object_mut().unwrap().remove("@timestamp");
    lines[2]["event"]
        .as_object_mut()
        .unwrap()
        .remove("ingested");
    let scratch = crate::support::scratch("explain");
    let input = scratch.join("input.ndjson");
    std::fs::write(
        &input,
        lines.iter().map(|l| format!("{l}\n")).collect::<String>(),
    )
    .unwrap();
    let stdout = success_stdout(
        rulegate()
            .args([
                "explain",
                "--rule",
                "rules/credential_access_kubernetes_multiple_secret_retrieval_burst.toml",
                "--input",
            ])
            .arg(&input)
            .args(["--format", "json"]),
    );
    let fates: serde_json::Value = serde_json::from_slice(&stdout).unwrap();
    assert_eq!(fates[0]["fate"], "grouped");
    assert_eq!(
        fates[0]["alerted"], false,
        "one secret of three left: the group stays below the threshold"
    );
    assert_eq!(fates[1]["fate"], "not_read");
    assert_eq!(fates[1]["index"], "logs-kubernetes.container_logs-default");
    assert_eq!(fates[2]["fate"], "outside_windows");
}

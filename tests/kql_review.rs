//! `diff` on KQL rules: the static difference in words (clauses, `or`-list values, wildcard
//! patterns, range bounds, exclusions, filters, rule-type settings) over pairs of rule files
//! derived from bundled rules, in every format, with the scenarios' alert changes.

use rstest::rstest;

use crate::support::{rulegate, snapshot};

fn diff(base: &str, head: &str, format: &str) -> String {
    let output = rulegate()
        .args([
            "diff",
            base,
            head,
            "--scenarios",
            "scenarios/kql",
            "--format",
            format,
        ])
        .output()
        .expect("the binary runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    String::from_utf8(output.stdout).expect("UTF-8 stdout")
}

/// Each pair: the base rule, the head's name under `tests/data/diff/`, and sentences the
/// static difference must hold, derived by hand from the two files.
const PAIRS: &[(&str, &str, &[&str])] = &[
    (
        "rules/privilege_escalation_pod_created_with_hostipc.toml",
        "kql_hostipc_tuned",
        &[
            "clause on `kubernetes.audit.verb` changed: values removed `\"patch\"`",
            "exclusion on `kubernetes.audit.requestObject.spec.containers.image` changed: wildcard pattern `rancher/system-agent*` → `rancher/*`",
            "exclusion added: `not kubernetes.audit.user.username:\"system:serviceaccount:kube-system:daemon-set-controller\"`",
            "filter added: `not (kubernetes.audit.objectRef.namespace:\"kube-system\")`",
            "index: logs-kubernetes.audit_logs-* → logs-kubernetes.audit_logs-*, logs-kubernetes.audit_logs_archive-* (added `logs-kubernetes.audit_logs_archive-*`)",
        ],
    ),
    (
        "rules/credential_access_get_secrets_access.toml",
        "kql_get_secrets_tuned",
        &[
            "clause on `kubernetes.audit.verb` changed: values removed `\"get\"`",
            "clause on `user_agent.original` changed: `user_agent.original:(* and not *kubernetes/$Format)` → `user_agent.original:(* and not (*kubernetes/$Format or kubectl/*))`",
            "history_window_start: now-7d → now-14d",
            "new_terms fields: source.ip, user.name, user_agent.original → user.name, user_agent.original (removed `source.ip`)",
        ],
    ),
    (
        "tests/data/diff/kql_threshold_base.toml",
        "kql_threshold_tuned",
        &[
            "clause on `kubernetes.audit.responseStatus.code`: range bound `>= 200` → `>= 400`",
            "in exclusion `not (user_agent.original:kubelet* and …)`: negated clause on `kubernetes.audit.objectRef.resource` changed: values removed `secrets`",
            "in exclusion `not (user_agent.original:kubelet* and …)`: clause added: `kubernetes.audit.user.username:system\\:node\\:*`",
            "threshold.value: 5 → 10",
            "threshold.field: kubernetes.audit.user.username → kubernetes.audit.user.username, user_agent.original (added `user_agent.original`)",
            "threshold.cardinality: none → kubernetes.audit.objectRef.resource >= 3",
        ],
    ),
];

#[rstest]
fn diff_of_a_kql_rule_change(
    #[values(0, 1, 2)] pair: usize,
    #[values("human", "markdown", "json")] format: &str,
) {
    let (base, head, sentences) = PAIRS[pair];
    let stdout = diff(base, &format!("tests/data/diff/{head}.toml"), format);
    if format != "json" {
        for sentence in sentences {
            assert!(stdout.contains(sentence), "{sentence}\nnot in:\n{stdout}");
        }
    }
    snapshot!("diff", format!("{head}.{format}"), stdout);
}

#[test]
fn the_json_report_carries_the_kql_changes_as_data() {
    let stdout = diff(
        "rules/privilege_escalation_pod_created_with_hostipc.toml",
        "tests/data/diff/kql_hostipc_tuned.toml",
        "json",
    );
    let report: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
    let statics = &report["rules"][0]["static"];
    assert_eq!(
        statics["kql"].as_array().map(Vec::len),
        Some(3),
        "{statics}"
    );
    assert_eq!(
        statics["filters"]["added"],
        serde_json::json!(["not (kubernetes.audit.objectRef.namespace:\"kube-system\")"])
    );
    let index = statics["settings"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["setting"] == "index"))
        .expect("an index change");
    assert_eq!(
        index["added"],
        serde_json::json!(["logs-kubernetes.audit_logs_archive-*"])
    );
    assert!(statics["query_text_changed"].as_bool().unwrap_or(false));
}

#[test]
fn a_kql_rule_against_itself_has_no_static_change() {
    let rule = "rules/credential_access_get_secrets_access.toml";
    let stdout = diff(rule, rule, "markdown");
    assert!(
        stdout.contains("No change to exclusions, indicators, grouping, outputs or schedule."),
        "{stdout}"
    );
}

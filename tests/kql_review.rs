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

/// The page `rulegate doc` writes for one rule over the KQL scenarios.
fn doc_page(rule: &str, test: &str) -> String {
    let dir = crate::support::scratch(&format!("kql-doc-{test}"));
    let output = rulegate()
        .args(["doc", "--rules", rule, "--scenarios", "scenarios/kql", "-o"])
        .arg(&dir)
        .output()
        .expect("the binary runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let name = std::path::Path::new(rule).with_extension("md");
    let name = name.file_name().expect("a file name");
    std::fs::read_to_string(dir.join(name)).expect("the page is written")
}

#[test]
fn a_new_terms_page_names_its_fields_and_history_and_words_its_verdict() {
    let page = doc_page(
        "rules/execution_unusual_request_response_by_user_agent.toml",
        "new-terms",
    );
    for row in [
        "| type | new_terms |",
        "| new_terms fields | kubernetes.audit.annotations.authorization_k8s_io/decision, kubernetes.audit.user.username, user_agent.original |",
        "| history | now-10d (10 days before each execution) |",
    ] {
        assert!(page.contains(row), "{row} not in:\n{page}");
    }
    // The benign scenario's user, client and decision were seen the week before: no alert
    // because the combination is in the history window, not because of any threshold.
    assert!(
        page.contains(
            "combination of its 1 matching document was already in the history window \
             (the 10 days before each execution), so it was not new"
        ),
        "{page}"
    );
    assert!(!page.contains("below the threshold"), "{page}");
    assert!(
        page.contains("matched: its combination was not new"),
        "{page}"
    );
}

#[test]
fn a_multi_line_exclusion_is_a_fenced_block_in_its_list_item() {
    let page = doc_page(
        "rules/execution_unusual_request_response_by_user_agent.toml",
        "fenced",
    );
    let fenced = "- ```kql\n  not (\n    user_agent.original:kubelet* and\n";
    assert!(page.contains(fenced), "{page}");
    // The block closes inside the item, and no code span is left open across lines.
    assert!(page.contains("\n  )\n  ```\n"), "{page}");
    let fence = |l: &str| l.trim_start().trim_start_matches("- ").starts_with("```");
    for line in page.lines().filter(|l| !fence(l)) {
        assert_eq!(
            line.matches('`').count() % 2,
            0,
            "unbalanced code span: {line}"
        );
    }
}

#[test]
fn a_threshold_page_names_its_bucket_and_words_its_verdict() {
    let page = doc_page("tests/data/diff/kql_threshold_base.toml", "threshold");
    for row in [
        "| type | threshold |",
        "| threshold fields | kubernetes.audit.user.username |",
        "| threshold | at least 5 documents per bucket |",
    ] {
        assert!(page.contains(row), "{row} not in:\n{page}");
    }
    assert!(
        page.contains(
            "fell in buckets by `kubernetes.audit.user.username` that stayed below the threshold of 5"
        ),
        "{page}"
    );
}

#[test]
fn a_query_page_says_matching_documents_alert() {
    let page = doc_page(
        "rules/privilege_escalation_pod_created_with_hostipc.toml",
        "query",
    );
    assert!(page.contains("| type | query |"), "{page}");
    assert!(
        page.contains("**alerts** (1 alert): no exclusion covers it"),
        "{page}"
    );
    assert!(page.contains("| matched: an alert |"), "{page}");
    assert!(!page.contains("no execution saw a group"), "{page}");
}

//! `rulegate edges` on KQL rules: the scenarios derived for a `query`, a `new_terms` and a
//! hand-written `threshold` rule, their expectations, and that `check` passes over them.

use std::path::PathBuf;

use rulegate::edges::kql::{generate, KqlEdgeInput};
use rulegate::edges::EdgeScenario;
use rulegate::schedule::ScheduledRule;

use crate::support::{repo_path, rulegate, snapshot, success_stdout};

const QUERY_RULE: &str = "rules/persistence_kubernetes_eks_aws_auth_configmap_modified.toml";
const NEW_TERMS_RULE: &str = "rules/discovery_denied_service_account_request.toml";
const THRESHOLD_RULE: &str = "tests/data/rules/kql_threshold_forbidden_secret_reads.toml";

fn edges_of(rule: &str) -> Vec<EdgeScenario> {
    let loaded = rulegate::rule::load(&repo_path(rule)).unwrap();
    let scheduled = ScheduledRule::from_loaded(&loaded).unwrap();
    let reference = format!("../../{rule}");
    generate(&KqlEdgeInput {
        rule_reference: &reference,
        rule_display: rule,
        schedule: &scheduled.schedule,
        loaded: &loaded,
    })
    .unwrap()
}

fn text_of<'a>(scenarios: &'a [EdgeScenario], file: &str) -> &'a str {
    &scenarios
        .iter()
        .find(|s| s.file_name == file)
        .unwrap_or_else(|| panic!("no {file}"))
        .text
}

/// The `alerts = n` line of a scenario.
fn alerts(text: &str) -> Option<u64> {
    text.lines()
        .find_map(|line| line.strip_prefix("alerts = "))
        .map(|n| n.parse().unwrap())
}

#[test]
fn kql_edges_are_snapshotted_per_rule_file() {
    for rule in [QUERY_RULE, NEW_TERMS_RULE, THRESHOLD_RULE] {
        let scenarios = edges_of(rule);
        assert!(
            scenarios.len() >= 5,
            "{rule}: {} scenarios",
            scenarios.len()
        );
        let joined: String = scenarios
            .iter()
            .map(|s| format!("=== {} ===\n{}", s.file_name, s.text))
            .collect();
        let stem = PathBuf::from(rule)
            .file_stem()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        snapshot!("kql_edges", stem, joined);
    }
}

#[test]
fn keyword_values_miss_on_a_case_change_and_text_values_hit() {
    let scenarios = edges_of(THRESHOLD_RULE);
    let resource = text_of(&scenarios, "value-kubernetes-audit-objectref-resource.toml");
    assert!(resource.contains(
        "`SECRETS` (other letter case (a keyword field matches exactly)): does not match"
    ));
    assert_eq!(alerts(resource), Some(1));
    let message = text_of(
        &scenarios,
        "value-kubernetes-audit-responsestatus-message.toml",
    );
    assert!(message.contains(
        "`FORBIDDEN` (other letter case (a `text` field lowercases its tokens)): matches"
    ));
    assert!(
        message.contains("`edge forbidden edge` (the value's tokens inside longer text): matches")
    );
    assert!(message.contains("`forbiddenx` (a token the analyzer does not produce from the value (one character appended)): does not match"));
    assert_eq!(alerts(message), Some(3));
}

#[test]
fn ranges_step_around_their_bound_and_wildcards_around_their_literal_text() {
    let scenarios = edges_of(THRESHOLD_RULE);
    let range = text_of(
        &scenarios,
        "range-kubernetes-audit-responsestatus-code.toml",
    );
    assert!(range.contains("`399` (1 below the bound): does not match; `400` (at the bound of `>=`): matches; `401` (1 above the bound): matches; (missing) (the field missing): does not match"));
    assert!(range.contains("\"kubernetes.audit.responseStatus.code\" = 399"));
    // The exclusion `not user.name:system\:serviceaccount\:kube-system\:*`: a missing field
    // escapes the `not`, so it alerts; the literal text itself is excluded.
    let exclusion = text_of(&scenarios, "exclusion-user-name.toml");
    assert!(exclusion.contains("`system:serviceaccount:kube-system:` (the pattern's literal text, each `*` matching nothing): does not match"));
    assert!(exclusion.contains("`system:serviceaccount:kube-system` (the pattern's last literal character dropped): matches"));
    assert!(exclusion.contains("(missing) (the field missing): matches"));
    assert_eq!(alerts(exclusion), Some(4));
}

#[test]
fn threshold_edges_count_n_minus_one_n_and_n_plus_one_and_cardinality() {
    let scenarios = edges_of(THRESHOLD_RULE);
    for (file, expected) in [
        ("threshold-below.toml", 0),
        ("threshold-at.toml", 1),
        ("threshold-above.toml", 1),
        ("cardinality-below.toml", 0),
        ("cardinality-at.toml", 1),
        ("cardinality-above.toml", 1),
    ] {
        assert_eq!(alerts(text_of(&scenarios, file)), Some(expected), "{file}");
    }
    let below = text_of(&scenarios, "threshold-below.toml");
    assert!(below.contains("count = 4\n"));
    let card = text_of(&scenarios, "cardinality-below.toml");
    assert!(
        card.contains("\"kubernetes.audit.objectRef.name\" = [\"edge-value-1\", \"edge-value-2\"]")
    );
}

#[test]
fn new_terms_edges_place_the_term_around_the_history_window() {
    let scenarios = edges_of(NEW_TERMS_RULE);
    for (file, expected, history) in [
        ("new-terms-first-seen.toml", 1, false),
        ("new-terms-seen-in-history.toml", 0, true),
        ("new-terms-at-history-start.toml", 0, true),
        ("new-terms-before-history-start.toml", 1, true),
    ] {
        let text = text_of(&scenarios, file);
        assert_eq!(alerts(text), Some(expected), "{file}");
        assert_eq!(text.contains("history = true"), history, "{file}");
    }
    // now-7d before the execution at 10:05 (interval 5m): the history window starts 2026-05-08T10:05Z.
    let before = text_of(&scenarios, "new-terms-before-history-start.toml");
    assert!(
        before.contains("start = \"2026-05-08T10:04:59.000Z\""),
        "{before}"
    );
}

#[test]
fn query_rule_edges_name_the_alerting_actors() {
    let scenarios = edges_of(QUERY_RULE);
    let exclusion = text_of(&scenarios, "exclusion-user-name.toml");
    assert_eq!(alerts(exclusion), Some(4));
    assert!(!exclusion.contains("[[expect.groups]]\nactor = \"variant-1\""));
    assert!(exclusion.contains("[[expect.groups]]\nactor = \"variant-2\""));
    let verb = text_of(&scenarios, "value-kubernetes-audit-verb.toml");
    assert!(verb.contains("`delete` (`delete` as listed): matches"));
    assert!(verb.contains(
        "`DELETE` (other letter case (a keyword field matches exactly)): does not match"
    ));
}

fn scratch(name: &str) -> crate::support::Scratch {
    crate::support::scratch(&format!("kql-edges-{name}"))
}

#[test]
fn written_kql_edges_pass_check() {
    for (name, rule) in [
        ("query", QUERY_RULE),
        ("new-terms", NEW_TERMS_RULE),
        ("threshold", THRESHOLD_RULE),
    ] {
        let dir = scratch(name);
        let scenarios = dir.join("scenarios");
        let snapshots = dir.join("snapshots");
        std::fs::create_dir_all(&snapshots).unwrap();
        success_stdout(rulegate().args(["edges", rule, "--write"]).arg(&scenarios));
        let output = success_stdout(
            rulegate()
                .args(["check", "--rules", rule, "--update", "--scenarios"])
                .arg(&scenarios)
                .arg("--snapshots")
                .arg(&snapshots),
        );
        let text = String::from_utf8(output).unwrap();
        assert!(
            text.contains("0 with failed expectations"),
            "{rule}: {text}"
        );
        assert!(text.contains("check passed"), "{rule}: {text}");
    }
}

fn kql_rule(query: &str, index: &str) -> String {
    format!(
        "[metadata]\ncreation_date = \"2026/05/01\"\nupdated_date = \"2026/05/01\"\n\n[rule]\nauthor = [\"t\"]\ndescription = \"d\"\nname = \"n\"\nrisk_score = 1\nrule_id = \"0e1d2c3b-4a59-4876-a5b4-c3d2e1f0a9b8\"\nseverity = \"low\"\ntype = \"query\"\nlanguage = \"kuery\"\nindex = [\"{index}\"]\nquery = '''\n{query}\n'''\n"
    )
}

fn error_code(text: &str) -> String {
    let loaded = rulegate::rule::load_str("bad.toml", text).unwrap();
    let scheduled = ScheduledRule::from_loaded(&loaded).unwrap();
    let error = generate(&KqlEdgeInput {
        rule_reference: "bad.toml",
        rule_display: "bad.toml",
        schedule: &scheduled.schedule,
        loaded: &loaded,
    })
    .unwrap_err();
    error.code.to_string()
}

#[test]
fn contradictory_queries_and_foreign_datasets_are_errors() {
    let contradiction = kql_rule(
        "kubernetes.audit.verb:\"get\" and not kubernetes.audit.verb:\"get\"",
        "logs-kubernetes.audit_logs-*",
    );
    assert_eq!(error_code(&contradiction), "E730");
    let foreign = kql_rule(
        "data_stream.dataset:\"kubernetes.audit_logs\" and kubernetes.audit.verb:\"get\"",
        "logs-okta.system-*",
    );
    assert_eq!(error_code(&foreign), "E732");
}

//! `rulegate edges` on the seed rule: what it derives from the syntax tree and what it writes.

use rulegate::edges::{self, EdgeInput, EdgeModel, ExclusionKind};
use rulegate::schedule::ScheduledRule;

const SEED_RULE: &str =
    "reference/detection-rules-k8s/rules/integrations/kubernetes/credential_access_kubernetes_multiple_secret_retrieval_burst.toml";

fn seed() -> (ScheduledRule, EdgeModel) {
    let loaded = rulegate::rule::load(&crate::support::shared_path(SEED_RULE)).unwrap();
    let scheduled = ScheduledRule::from_loaded(&loaded).unwrap();
    let (query, text) = loaded.query.parsed().unwrap();
    (scheduled, EdgeModel::from_query(query, text))
}

#[test]
fn the_seed_rule_model_has_its_threshold_keys_and_exclusions() {
    let (_, model) = seed();
    assert_eq!(model.thresholds.len(), 1);
    let threshold = &model.thresholds[0];
    assert_eq!(threshold.text(), "Esql.unique_credentials >= 3");
    assert_eq!(threshold.function, "count_distinct");
    assert_eq!(
        threshold.counted_field.as_deref(),
        Some("kubernetes.audit.objectRef.name")
    );
    assert_eq!(
        model.group_by,
        [
            "user.name",
            "kubernetes.audit.user.username",
            "source.ip",
            "user_agent.original"
        ]
    );
    let exclusions: Vec<(&str, ExclusionKind, Option<&str>, usize)> = model
        .exclusions
        .iter()
        .map(|e| {
            (
                e.field.as_str(),
                e.kind,
                e.function.as_deref(),
                e.values.len(),
            )
        })
        .collect();
    assert_eq!(
        exclusions,
        [
            ("source.ip", ExclusionKind::In, Some("to_string"), 2),
            ("user.name", ExclusionKind::In, None, 2),
            (
                "kubernetes.audit.objectRef.name",
                ExclusionKind::StartsWith,
                None,
                1
            ),
            ("kubernetes.audit.user.username", ExclusionKind::In, None, 4),
        ]
    );
    assert_eq!(model.required("event.action"), Some("get"));
    assert_eq!(
        model.required("kubernetes.audit.objectRef.resource"),
        Some("secrets")
    );
}

#[test]
fn the_seed_rule_edges_cover_thresholds_exclusions_and_the_schedule() {
    let (scheduled, model) = seed();
    let input = EdgeInput {
        rule_reference: "../../rules/seed.toml",
        rule_display: "rules/seed.toml",
        schedule: &scheduled.schedule,
        model: &model,
    };
    let scenarios = edges::generate(&input);
    let names: Vec<&str> = scenarios.iter().map(|s| s.file_name.as_str()).collect();
    for wanted in [
        "threshold-below.toml",
        "threshold-at.toml",
        "threshold-above.toml",
        "threshold-one-value-repeated.toml",
        "threshold-split-by-source-ip.toml",
        "threshold-split-by-user-agent-original.toml",
        "threshold-split-by-user-name.toml",
        "exclusion-source-ip-hit.toml",
        "exclusion-source-ip-near-miss.toml",
        "exclusion-kubernetes-audit-objectref-name-near-miss.toml",
        "schedule-lookback-inside.toml",
        "schedule-lookback-outside.toml",
        "schedule-overlap-burst.toml",
        "schedule-burst-split.toml",
        "schedule-ingest-lag.toml",
    ] {
        assert!(names.contains(&wanted), "{wanted} missing from {names:?}");
    }
    let text = |name: &str| &scenarios.iter().find(|s| s.file_name == name).unwrap().text;
    assert!(text("threshold-below.toml").contains("names = [\"edge-secret-1\", \"edge-secret-2\"]"));
    assert!(text("threshold-below.toml").contains("alerts = 0"));
    assert!(text("threshold-at.toml").contains("alerts = 1"));
    assert!(text("schedule-overlap-burst.toml").contains("alerts = 2"));
    // The loopback variants that TO_STRING folds into the listed values are hits, 127.0.0.2 is not.
    assert!(text("exclusion-source-ip-hit.toml").contains("source_ips = [\"0:0:0:0:0:0:0:1\"]"));
    assert!(text("exclusion-source-ip-hit.toml").contains("source_ips = [\"::ffff:127.0.0.1\"]"));
    assert!(text("exclusion-source-ip-near-miss.toml").contains("source_ips = [\"127.0.0.2\"]"));
    // Every file is an edge scenario naming the rule.
    for scenario in &scenarios {
        assert!(
            scenario
                .text
                .contains("kind = \"edge\"\nrules = [\"../../rules/seed.toml\"]"),
            "{}",
            scenario.file_name
        );
    }
}

#[test]
fn the_committed_edge_scenarios_are_current() {
    let rule = "rules/credential_access_kubernetes_multiple_secret_retrieval_burst.toml";
    let loaded = rulegate::rule::load(&crate::support::repo_path(rule)).unwrap();
    let scheduled = ScheduledRule::from_loaded(&loaded).unwrap();
    let (query, text) = loaded.query.parsed().unwrap();
    let model = EdgeModel::from_query(query, text);
    let reference = format!("../../{rule}");
    let input = EdgeInput {
        rule_reference: &reference,
        rule_display: rule,
        schedule: &scheduled.schedule,
        model: &model,
    };
    let generated = edges::generate(&input);
    let mut committed: Vec<String> =
        std::fs::read_dir(crate::support::repo_path("scenarios/edges"))
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
    committed.sort();
    let mut names: Vec<String> = generated.iter().map(|s| s.file_name.clone()).collect();
    names.sort();
    assert_eq!(
        names, committed,
        "regenerate with `rulegate edges {rule} --write scenarios/edges`"
    );
    for scenario in &generated {
        let on_disk = std::fs::read_to_string(
            crate::support::repo_path("scenarios/edges").join(&scenario.file_name),
        )
        .unwrap();
        assert_eq!(
            on_disk, scenario.text,
            "{} is stale: regenerate with `rulegate edges {rule} --write scenarios/edges`",
            scenario.file_name
        );
    }
}

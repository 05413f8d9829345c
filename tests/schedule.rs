//! The scheduler's edges, with a fake engine standing in for ES|QL: inclusive window bounds,
//! the overlap duplicate, `timestamp_override` fallback, `max_signals`, first-run rounding,
//! `NOW()`, deduplication and suppression.

use std::collections::BTreeMap;

use rulegate::schedule::{
    document_times, plan, replay, time::MINUTE, MissingFieldsStrategy, ResultTable, ScheduleSpec,
    ScheduledRule, SuppressionSpec, Timestamp,
};
use serde_json::{json, Value};

fn at(text: &str) -> Timestamp {
    Timestamp::parse(text).unwrap()
}

/// A document read by `user` of `secret` at `time` (`@timestamp`), optionally ingested later.
fn read(user: &str, secret: &str, time: &str, ingested: Option<&str>) -> Value {
    let mut document = json!({"@timestamp": time, "user": user, "secret": secret, "_id": format!("{user}/{secret}/{time}")});
    if let Some(ingested) = ingested {
        document["event"] = json!({"ingested": ingested});
    }
    document
}

/// `STATS n = COUNT_DISTINCT(secret), secrets = VALUES(secret) BY user | WHERE n >= threshold`.
fn distinct_secrets(
    documents: &[Value],
    threshold: usize,
) -> impl FnMut(&[usize], Timestamp) -> Result<ResultTable, rulegate::diagnostic::Diagnostic> + '_ {
    move |indices, _now| {
        let mut groups: BTreeMap<String, std::collections::BTreeSet<String>> = BTreeMap::new();
        for &index in indices {
            let document = &documents[index];
            groups
                .entry(document["user"].to_string())
                .or_default()
                .insert(document["secret"].as_str().unwrap().to_string());
        }
        Ok(ResultTable {
            columns: vec!["n".into(), "secrets".into(), "user".into()],
            rows: groups
                .into_iter()
                .filter(|(_, secrets)| secrets.len() >= threshold)
                .map(|(user, secrets)| {
                    vec![
                        json!(secrets.len()),
                        json!(secrets),
                        serde_json::from_str(&user).unwrap(),
                    ]
                })
                .collect(),
        })
    }
}

/// `FROM … METADATA _id, _index, _version` without STATS: one row per document.
fn every_document(
    documents: &[Value],
) -> impl FnMut(&[usize], Timestamp) -> Result<ResultTable, rulegate::diagnostic::Diagnostic> + '_ {
    move |indices, _now| {
        Ok(ResultTable {
            columns: vec![
                "_id".into(),
                "_index".into(),
                "_version".into(),
                "user".into(),
            ],
            rows: indices
                .iter()
                .map(|&index| {
                    vec![
                        documents[index]["_id"].clone(),
                        json!("logs-test-default"),
                        json!(1),
                        documents[index]["user"].clone(),
                    ]
                })
                .collect(),
        })
    }
}

fn seed_like_rule(aggregating: bool) -> ScheduledRule {
    ScheduledRule {
        schedule: ScheduleSpec {
            timestamp_override: Some("event.ingested".into()),
            ..ScheduleSpec::default()
        },
        aggregating,
        ..ScheduledRule::default()
    }
}

fn run(
    rule: &ScheduledRule,
    documents: &[Value],
    first_run: Option<&str>,
    threshold: usize,
) -> rulegate::schedule::Replay {
    let times = document_times(documents, &rule.schedule).unwrap();
    let executions = plan(&rule.schedule, &times, first_run.map(at));
    if rule.aggregating {
        replay(
            rule,
            &executions,
            &mut distinct_secrets(documents, threshold),
        )
        .unwrap()
    } else {
        replay(rule, &executions, &mut every_document(documents)).unwrap()
    }
}

#[test]
fn first_run_is_the_oldest_document_rounded_up_to_the_interval() {
    let rule = seed_like_rule(true);
    let documents = [
        read("a", "s1", "2026-05-15T10:02:30Z", None),
        read("a", "s2", "2026-05-15T10:17:00Z", None),
    ];
    let times = document_times(&documents, &rule.schedule).unwrap();
    let executions = plan(&rule.schedule, &times, None);
    let starts: Vec<String> = executions.iter().map(|e| e.time.to_string()).collect();
    // 10:05 is the first multiple of 5 minutes at or after 10:02:30; the last execution is the
    // last whose window start (t − 6m) is not after the newest document (10:17): 10:20 − 6m = 10:14.
    assert_eq!(
        starts,
        [
            "2026-05-15T10:05:00.000Z",
            "2026-05-15T10:10:00.000Z",
            "2026-05-15T10:15:00.000Z",
            "2026-05-15T10:20:00.000Z"
        ]
    );
    assert_eq!(
        executions[0].window.from.to_string(),
        "2026-05-15T09:59:00.000Z"
    );
    assert_eq!(executions[0].documents, [0]);
    assert_eq!(executions[3].documents, [1]);

    // A document exactly on a multiple is its own first run.
    let documents = [read("a", "s1", "2026-05-15T10:05:00Z", None)];
    let times = document_times(&documents, &rule.schedule).unwrap();
    let executions = plan(&rule.schedule, &times, None);
    assert_eq!(executions[0].time, at("2026-05-15T10:05:00Z"));
    // 10:05 and 10:10 (window from 10:04) read it; 10:15 (window from 10:09) is not run.
    assert_eq!(executions.len(), 2);
}

#[test]
fn an_explicit_first_run_is_used_as_given() {
    let rule = seed_like_rule(true);
    let documents = [read("a", "s1", "2026-05-15T10:02:30Z", None)];
    let times = document_times(&documents, &rule.schedule).unwrap();
    let executions = plan(&rule.schedule, &times, Some(at("2026-05-15T10:03:01Z")));
    assert_eq!(executions[0].time, at("2026-05-15T10:03:01Z"));
    assert_eq!(
        executions.len(),
        2,
        "10:03:01 and 10:08:01 (window from 10:02:01)"
    );
    assert!(plan(&rule.schedule, &times, Some(at("2026-05-15T10:09:00Z"))).is_empty());
}

#[test]
fn both_window_bounds_are_inclusive_to_the_millisecond() {
    let rule = seed_like_rule(true);
    let documents = [
        read("a", "just-before", "2026-05-15T09:53:59.999Z", None),
        read("a", "on-from", "2026-05-15T09:54:00.000Z", None),
        read("a", "on-to", "2026-05-15T10:00:00.000Z", None),
        read("a", "just-after", "2026-05-15T10:00:00.001Z", None),
    ];
    let times = document_times(&documents, &rule.schedule).unwrap();
    let executions = plan(&rule.schedule, &times, Some(at("2026-05-15T10:00:00Z")));
    assert_eq!(executions[0].documents, [1, 2]);
}

#[test]
fn timestamp_override_falls_back_to_timestamp_only_for_documents_without_it() {
    let mut rule = seed_like_rule(true);
    let documents = [
        // Happened inside the window but ingested after it: not read.
        read(
            "a",
            "late",
            "2026-05-15T09:59:00Z",
            Some("2026-05-15T10:00:01Z"),
        ),
        // Happened before the window, ingested inside it: read.
        read(
            "a",
            "lagged",
            "2026-05-15T09:50:00Z",
            Some("2026-05-15T09:55:00Z"),
        ),
        // No event.ingested: @timestamp decides.
        read("a", "no-ingest", "2026-05-15T09:58:00Z", None),
        json!({"user": "a", "secret": "no-time"}),
    ];
    let times = document_times(&documents, &rule.schedule).unwrap();
    let window = plan(&rule.schedule, &times, Some(at("2026-05-15T10:00:00Z")));
    assert_eq!(window[0].documents, [1, 2]);

    rule.schedule.fallback_disabled = true;
    let times = document_times(&documents, &rule.schedule).unwrap();
    assert_eq!(
        plan(&rule.schedule, &times, Some(at("2026-05-15T10:00:00Z")))[0].documents,
        [1]
    );

    rule.schedule.fallback_disabled = false;
    rule.schedule.timestamp_override = None;
    let times = document_times(&documents, &rule.schedule).unwrap();
    assert_eq!(
        plan(&rule.schedule, &times, Some(at("2026-05-15T10:00:00Z")))[0].documents,
        [0, 2]
    );
}

#[test]
fn nested_and_dotted_override_fields_are_the_same_field() {
    let rule = seed_like_rule(true);
    let documents = [
        json!({"@timestamp": "2026-05-15T09:00:00Z", "event.ingested": "2026-05-15T09:59:00Z"}),
        json!({"@timestamp": "2026-05-15T09:00:00Z", "event": {"ingested": "2026-05-15T09:59:00Z"}}),
    ];
    let times = document_times(&documents, &rule.schedule).unwrap();
    assert_eq!(
        plan(&rule.schedule, &times, Some(at("2026-05-15T10:00:00Z")))[0].documents,
        [0, 1]
    );
}

#[test]
fn an_unparsable_date_is_reported_with_the_document_number() {
    let rule = seed_like_rule(true);
    let documents = [
        json!({"@timestamp": "2026-05-15T09:00:00Z"}),
        json!({"event": {"ingested": "soon"}}),
    ];
    let error = document_times(&documents, &rule.schedule).unwrap_err();
    assert_eq!(error.code, "E701");
    assert!(
        error
            .message
            .contains("document 2: `event.ingested` is not a date"),
        "{}",
        error.message
    );
}

#[test]
fn now_is_the_execution_time() {
    let rule = seed_like_rule(true);
    let documents = [
        read("a", "s1", "2026-05-15T10:02:30Z", None),
        read("a", "s2", "2026-05-15T10:07:30Z", None),
    ];
    let times = document_times(&documents, &rule.schedule).unwrap();
    let executions = plan(&rule.schedule, &times, None);
    let mut seen = Vec::new();
    replay(&rule, &executions, &mut |_: &[usize], now: Timestamp| {
        seen.push(now);
        Ok(ResultTable::default())
    })
    .unwrap();
    assert_eq!(seen, executions.iter().map(|e| e.time).collect::<Vec<_>>());
    assert_eq!(seen[0], at("2026-05-15T10:05:00Z"));
}

#[test]
fn a_burst_inside_the_overlap_alerts_twice_and_the_second_is_marked_duplicate() {
    let rule = seed_like_rule(true);
    // 10:04:10–10:04:30 lies in [09:59, 10:05] and in [10:04, 10:10].
    let documents = [
        read("mallory", "s1", "2026-05-15T10:04:10Z", None),
        read("mallory", "s2", "2026-05-15T10:04:20Z", None),
        read("mallory", "s3", "2026-05-15T10:04:30Z", None),
    ];
    let result = run(&rule, &documents, None, 3);
    assert_eq!(result.alerts.len(), 2);
    let (first, second) = (&result.alerts[0], &result.alerts[1]);
    assert_eq!(first.fields, second.fields);
    assert_ne!(
        first.id, second.id,
        "aggregating alert ids include the window"
    );
    assert_eq!(first.duplicate_of, None);
    assert_eq!(second.duplicate_of.as_deref(), Some(first.id.as_str()));
    assert_eq!(
        (first.time, second.time),
        (at("2026-05-15T10:05:00Z"), at("2026-05-15T10:10:00Z"))
    );
}

#[test]
fn a_grown_row_in_the_next_window_is_a_new_alert_not_a_duplicate() {
    let rule = seed_like_rule(true);
    let documents = [
        read("mallory", "s1", "2026-05-15T10:04:10Z", None),
        read("mallory", "s2", "2026-05-15T10:04:20Z", None),
        read("mallory", "s3", "2026-05-15T10:04:30Z", None),
        read("mallory", "s4", "2026-05-15T10:06:00Z", None),
    ];
    let result = run(&rule, &documents, None, 3);
    assert_eq!(result.alerts.len(), 2);
    assert_eq!(result.alerts[1].fields.get("n"), Some(&json!(4)));
    assert_eq!(result.alerts[1].duplicate_of, None);
}

#[test]
fn identical_rows_in_windows_that_do_not_overlap_are_not_duplicates() {
    let rule = seed_like_rule(true);
    let mut documents = Vec::new();
    for time in ["2026-05-15T10:01:00Z", "2026-05-15T10:16:00Z"] {
        for secret in ["s1", "s2", "s3"] {
            documents.push(read("mallory", secret, time, None));
        }
    }
    let result = run(&rule, &documents, None, 3);
    assert_eq!(result.alerts.len(), 2);
    assert!(result
        .alerts
        .iter()
        .all(|alert| alert.duplicate_of.is_none()));
}

#[test]
fn a_duplicate_chain_points_at_its_first_alert() {
    let mut rule = seed_like_rule(true);
    // Look back 16 minutes every 5: a burst is seen by three consecutive executions.
    rule.schedule.from = -16 * MINUTE;
    let documents = [
        read("mallory", "s1", "2026-05-15T10:04:10Z", None),
        read("mallory", "s2", "2026-05-15T10:04:20Z", None),
        read("mallory", "s3", "2026-05-15T10:04:30Z", None),
    ];
    let result = run(&rule, &documents, None, 3);
    assert_eq!(result.alerts.len(), 4);
    let root = result.alerts[0].id.clone();
    assert!(result.alerts[1..]
        .iter()
        .all(|alert| alert.duplicate_of.as_deref() == Some(root.as_str())));
}

#[test]
fn three_reads_spread_over_more_than_the_look_back_never_alert() {
    let rule = seed_like_rule(true);
    let documents = [
        read("slow", "s1", "2026-05-15T10:00:00Z", None),
        read("slow", "s2", "2026-05-15T10:03:30Z", None),
        read("slow", "s3", "2026-05-15T10:07:00Z", None),
    ];
    let result = run(&rule, &documents, None, 3);
    assert!(result.alerts.is_empty());
    assert!(result
        .executions
        .iter()
        .all(|execution| execution.documents <= 2));
}

#[test]
fn non_aggregating_rows_are_deduplicated_by_source_document() {
    let rule = seed_like_rule(false);
    let documents = [
        read("a", "s1", "2026-05-15T10:04:30Z", None),
        read("a", "s2", "2026-05-15T10:08:00Z", None),
    ];
    let result = run(&rule, &documents, None, 0);
    // Execution 10:05 reads s1; 10:10 reads s1 again (overlap) and s2.
    assert_eq!(
        result.executions.iter().map(|e| e.rows).collect::<Vec<_>>(),
        [1, 2]
    );
    assert_eq!(result.alerts.len(), 2);
    assert_eq!(result.executions[1].deduplicated, 1);
    assert!(result
        .alerts
        .iter()
        .all(|alert| alert.duplicate_of.is_none()));
}

#[test]
fn non_aggregating_rows_without_id_repeat_and_are_marked_duplicates() {
    let rule = seed_like_rule(false);
    let documents = [read("a", "s1", "2026-05-15T10:04:30Z", None)];
    let times = document_times(&documents, &rule.schedule).unwrap();
    let executions = plan(&rule.schedule, &times, None);
    let result = replay(
        &rule,
        &executions,
        &mut |indices: &[usize], _: Timestamp| {
            Ok(ResultTable {
                columns: vec!["user".into()],
                rows: indices.iter().map(|_| vec![json!("a")]).collect(),
            })
        },
    )
    .unwrap();
    assert_eq!(result.alerts.len(), 2);
    assert_eq!(
        result.alerts[1].duplicate_of.as_deref(),
        Some(result.alerts[0].id.as_str())
    );
}

#[test]
fn max_signals_caps_alerts_per_execution() {
    let mut rule = seed_like_rule(true);
    rule.schedule.max_signals = 2;
    let mut documents = Vec::new();
    for user in ["u1", "u2", "u3", "u4", "u5"] {
        for secret in ["s1", "s2", "s3"] {
            documents.push(read(user, secret, "2026-05-15T10:01:00Z", None));
        }
    }
    let result = run(&rule, &documents, None, 3);
    assert_eq!(result.executions.len(), 1);
    assert_eq!(result.executions[0].rows, 5);
    assert_eq!(result.executions[0].alerts, 2);
    assert_eq!(result.executions[0].over_max_signals, 3);
    // The first rows in the query's order win.
    let users: Vec<&Value> = result
        .alerts
        .iter()
        .map(|alert| alert.fields.get("user").unwrap())
        .collect();
    assert_eq!(users, [&json!("u1"), &json!("u2")]);
}

#[test]
fn columns_null_in_every_row_are_dropped_from_alerts() {
    let rule = seed_like_rule(true);
    let documents = [read("a", "s1", "2026-05-15T10:01:00Z", None)];
    let times = document_times(&documents, &rule.schedule).unwrap();
    let executions = plan(&rule.schedule, &times, None);
    let result = replay(&rule, &executions, &mut |_: &[usize], _: Timestamp| {
        Ok(ResultTable {
            columns: vec!["a".into(), "always_null".into(), "sometimes_null".into()],
            rows: vec![
                vec![json!(1), Value::Null, Value::Null],
                vec![json!(2), Value::Null, json!("x")],
            ],
        })
    })
    .unwrap();
    let columns: Vec<&str> = result.alerts[0]
        .fields
        .0
        .iter()
        .map(|(name, _)| name.as_str())
        .collect();
    assert_eq!(columns, ["a", "sometimes_null"]);
}

#[test]
fn alert_ids_are_stable_across_runs_and_differ_between_rules() {
    let rule = seed_like_rule(true);
    let documents = [
        read("mallory", "s1", "2026-05-15T10:04:10Z", None),
        read("mallory", "s2", "2026-05-15T10:04:20Z", None),
        read("mallory", "s3", "2026-05-15T10:04:30Z", None),
    ];
    let first = run(&rule, &documents, None, 3);
    assert_eq!(first, run(&rule, &documents, None, 3));
    let mut other = rule.clone();
    other.info.rule_id = "another-rule".into();
    assert_ne!(
        run(&other, &documents, None, 3).alerts[0].id,
        first.alerts[0].id
    );
    assert!(
        first.alerts[0].id.len() == 16 && first.alerts[0].id.bytes().all(|b| b.is_ascii_hexdigit())
    );
}

fn suppressing(duration: Option<i64>, missing_fields: MissingFieldsStrategy) -> ScheduledRule {
    let mut rule = seed_like_rule(true);
    rule.schedule.suppression = Some(SuppressionSpec {
        group_by: vec!["user".into()],
        duration,
        missing_fields,
    });
    rule
}

fn burst(user: Option<&str>, time: &str) -> Vec<Value> {
    ["s1", "s2", "s3"]
        .iter()
        .map(|secret| {
            let mut document = read(user.unwrap_or("-"), secret, time, None);
            if user.is_none() {
                document["user"] = Value::Null;
            }
            document
        })
        .collect()
}

#[test]
fn suppression_per_execution_absorbs_the_overlap_duplicate() {
    let rule = suppressing(None, MissingFieldsStrategy::Suppress);
    let documents = burst(Some("mallory"), "2026-05-15T10:04:30Z");
    let result = run(&rule, &documents, None, 3);
    // The 10:10 execution finds the alert created at 10:05, inside its window [10:04, 10:10].
    assert_eq!(result.alerts.len(), 1);
    assert_eq!(result.executions[1].suppressed, 1);
    let state = result.alerts[0].suppression.as_ref().unwrap();
    assert_eq!(
        (state.suppressed, state.end),
        (1, at("2026-05-15T10:10:00Z"))
    );
}

#[test]
fn suppression_per_execution_lets_a_later_window_alert_again() {
    let rule = suppressing(None, MissingFieldsStrategy::Suppress);
    let mut documents = burst(Some("mallory"), "2026-05-15T10:01:00Z");
    documents.extend(burst(Some("mallory"), "2026-05-15T10:13:00Z"));
    let result = run(&rule, &documents, None, 3);
    // 10:05 alerts; 10:15's window [10:09, 10:15] starts after that alert was created.
    assert_eq!(result.alerts.len(), 2);
    assert_eq!(
        result.alerts[0].suppression.as_ref().unwrap().instance_id,
        result.alerts[1].suppression.as_ref().unwrap().instance_id
    );
}

#[test]
fn suppression_with_a_duration_holds_until_it_has_passed() {
    let rule = suppressing(Some(30 * MINUTE), MissingFieldsStrategy::Suppress);
    let mut documents = Vec::new();
    for time in [
        "2026-05-15T10:01:00Z",
        "2026-05-15T10:13:00Z",
        "2026-05-15T10:33:00Z",
        "2026-05-15T10:37:00Z",
    ] {
        documents.extend(burst(Some("mallory"), time));
    }
    let result = run(&rule, &documents, None, 3);
    // Created 10:05; 10:15 suppressed (10:05 ≥ 10:15 − 30m); 10:35 is exactly 30m later and still
    // suppressed (inclusive); 10:40 creates a new alert.
    let times: Vec<String> = result
        .alerts
        .iter()
        .map(|alert| alert.time.to_string())
        .collect();
    assert_eq!(
        times,
        ["2026-05-15T10:05:00.000Z", "2026-05-15T10:40:00.000Z"]
    );
    assert_eq!(result.alerts[0].suppression.as_ref().unwrap().suppressed, 2);
}

#[test]
fn suppression_groups_are_separate_per_value_and_missing_values_follow_the_strategy() {
    let mut documents = burst(Some("alice"), "2026-05-15T10:01:00Z");
    documents.extend(burst(Some("bob"), "2026-05-15T10:01:00Z"));
    documents.extend(burst(None, "2026-05-15T10:01:00Z"));
    documents.extend(burst(None, "2026-05-15T10:11:30Z"));
    let suppress = run(
        &suppressing(Some(HOUR_MS), MissingFieldsStrategy::Suppress),
        &documents,
        None,
        3,
    );
    // alice, bob and the null group alert once each; the second null-user burst is suppressed.
    assert_eq!(suppress.alerts.len(), 3);
    let keep = run(
        &suppressing(Some(HOUR_MS), MissingFieldsStrategy::DoNotSuppress),
        &documents,
        None,
        3,
    );
    assert_eq!(keep.alerts.len(), 4);
    assert!(
        keep.alerts
            .iter()
            .filter(|alert| alert.suppression.is_none())
            .count()
            == 2
    );
}

const HOUR_MS: i64 = 60 * MINUTE;

#[test]
fn the_seed_rule_schedules_with_kibana_defaults_and_its_override() {
    let path = crate::support::shared_path(
        "reference/detection-rules-k8s/rules/integrations/kubernetes/credential_access_kubernetes_multiple_secret_retrieval_burst.toml",
    );
    let loaded = rulegate::rule::load(&path).unwrap();
    let rule = ScheduledRule::from_loaded(&loaded).unwrap();
    assert_eq!(rule.schedule.interval, 5 * MINUTE);
    assert_eq!((rule.schedule.from, rule.schedule.to), (-6 * MINUTE, 0));
    assert_eq!(rule.schedule.max_signals, 100);
    assert_eq!(
        rule.schedule.timestamp_override.as_deref(),
        Some("event.ingested")
    );
    assert!(rule.aggregating);
    assert_eq!(rule.info.risk_score, 73);
    assert_eq!(rule.info.severity, "high");
}

#[test]
fn a_rule_in_another_language_is_not_evaluated() {
    let text = std::fs::read_to_string(crate::support::shared_path(
        "reference/detection-rules-k8s/rules/integrations/kubernetes/credential_access_kubernetes_multiple_secret_retrieval_burst.toml",
    ))
    .unwrap()
    .replace("language = \"esql\"", "language = \"eql\"")
    .replace("type = \"esql\"", "type = \"eql\"");
    // KQL rules are evaluated (see `kql_rules`); EQL is not yet.
    let loaded = rulegate::rule::load_str("eql.toml", &text).unwrap();
    let error = ScheduledRule::from_loaded(&loaded).unwrap_err();
    assert!(
        error.message.starts_with("not evaluated: language eql"),
        "{}",
        error.message
    );
}

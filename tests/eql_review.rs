//! `explain` and `mutate` on EQL rules: each document's step outcome (started, completed, key
//! differs, out of order, outside maxspan, until, no join key, no step) over hand-written
//! documents and the bundled scenarios; the EQL mutation operators and the bundled rules' scores.

use serde_json::{json, Value};

use crate::support::{rulegate, snapshot, success_stdout};
use rulegate::eql::engine::Settings;
use rulegate::review::eql_mutate::{eql_mutants, eql_schedule_mutants};
use rulegate::review::mutate::ScheduleChange;
use rulegate::runner::{EqlSearch, RuleLogic};

const UNTIL_RULE: &str = "tests/data/eql/sequence_until.toml";
const MISSING_RULE: &str = "tests/data/eql/sequence_missing.toml";
const TRAILING_MISSING_RULE: &str = "tests/data/eql/sequence_missing_trailing.toml";
const RBAC: &str =
    "rules/eql/privilege_escalation_sensitive_rbac_change_followed_by_workload_modification.toml";

fn event(t: &str, user: Option<&str>, action: &str) -> Value {
    let mut doc = json!({
        "@timestamp": t, "event.ingested": t,
        "data_stream": {"dataset": "test", "type": "logs", "namespace": "default"},
        "event": {"action": action},
        "host": {"name": "web-1"},
    });
    if let Some(user) = user {
        doc["user"] = json!({"name": user});
    }
    doc
}

/// `explain --format json` of the until rule over `docs`, as (document, fate) JSON values.
fn explain(docs: &[Value]) -> Vec<Value> {
    explain_rule(UNTIL_RULE, docs)
}

/// `explain --format json` of `rule` over `docs`.
fn explain_rule(rule: &str, docs: &[Value]) -> Vec<Value> {
    let dir = crate::support::scratch("eql-explain");
    let input = dir.join(format!("{}.ndjson", docs.len()));
    let lines: Vec<String> = docs.iter().map(Value::to_string).collect();
    std::fs::write(&input, lines.join("\n") + "\n").unwrap();
    let stdout = success_stdout(
        rulegate()
            .args(["explain", "--rule", rule, "--format", "json", "--input"])
            .arg(&input),
    );
    serde_json::from_slice::<Value>(&stdout)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

/// The outcome of the document's only matched step.
fn outcome(fate: &Value) -> (&str, &str) {
    let steps = fate["steps"].as_array().unwrap_or_else(|| panic!("{fate}"));
    assert_eq!(steps.len(), 1, "{fate}");
    (
        steps[0]["outcome"].as_str().unwrap(),
        steps[0]["detail"].as_str().unwrap(),
    )
}

#[test]
fn explain_names_the_missing_event_that_dropped_a_sequence() {
    let fates = explain_rule(
        MISSING_RULE,
        &[
            // alice: a, stop, b: the missing event `stop` lies between the steps.
            event("2026-05-01T10:00:00Z", Some("alice"), "a"),
            event("2026-05-01T10:00:10Z", Some("alice"), "stop"),
            event("2026-05-01T10:00:20Z", Some("alice"), "b"),
            // bob: a, b, and carol's `stop` between them has another key: bob's sequence stands.
            event("2026-05-01T10:00:01Z", Some("bob"), "a"),
            event("2026-05-01T10:00:11Z", Some("carol"), "stop"),
            event("2026-05-01T10:00:21Z", Some("bob"), "b"),
        ],
    );
    assert_eq!(fates.len(), 6);
    let (what, detail) = outcome(&fates[2]);
    assert_eq!(what, "missing_event", "{detail}");
    assert!(
        detail.contains("begun by #1")
            && detail.contains("#2 at 2026-05-01T10:00:10.000Z")
            && detail.contains("`![any where event.action == \"stop\"]` (query 2)")
            && detail.contains("user.name=\"alice\""),
        "{detail}"
    );
    assert_eq!(fates[2]["alerted"], false);
    assert_eq!(fates[0]["alerted"], false);
    let (what, detail) = outcome(&fates[5]);
    assert_eq!(what, "completed", "{detail}");
    assert_eq!(fates[5]["alerted"], true);
}

#[test]
fn explain_names_a_trailing_missing_event_within_maxspan_of_the_first_event() {
    let fates = explain_rule(
        TRAILING_MISSING_RULE,
        &[
            // alice: a, b, then `stop` 30s after a: within maxspan (1m) of the first event, so
            // the trailing missing event drops the sequence.
            event("2026-05-01T10:00:00Z", Some("alice"), "a"),
            event("2026-05-01T10:00:10Z", Some("alice"), "b"),
            event("2026-05-01T10:00:30Z", Some("alice"), "stop"),
            // bob: a, b, then `stop` 61s after a: past maxspan, the sequence stands.
            event("2026-05-01T10:00:01Z", Some("bob"), "a"),
            event("2026-05-01T10:00:11Z", Some("bob"), "b"),
            event("2026-05-01T10:01:02Z", Some("bob"), "stop"),
        ],
    );
    assert_eq!(fates.len(), 6);
    let (what, detail) = outcome(&fates[1]);
    assert_eq!(what, "missing_event", "{detail}");
    assert!(
        detail.contains("begun by #1")
            && detail.contains("#3 at 2026-05-01T10:00:30.000Z")
            && detail.contains("`![any where event.action == \"stop\"]` (query 3)")
            && detail.contains("user.name=\"alice\""),
        "{detail}"
    );
    assert_eq!(fates[1]["alerted"], false);
    let (what, detail) = outcome(&fates[4]);
    assert_eq!(what, "completed", "{detail}");
    assert_eq!(fates[4]["alerted"], true);
}

#[test]
fn explain_names_why_each_step_advanced_or_broke() {
    let fates = explain(&[
        // alice: a, then `stop`, then b: the until event cancels her sequence.
        event("2026-05-01T10:00:00Z", Some("alice"), "a"),
        event("2026-05-01T10:00:10Z", Some("alice"), "stop"),
        event("2026-05-01T10:00:20Z", Some("alice"), "b"),
        // bob: b before a: out of order.
        event("2026-05-01T10:00:01Z", Some("bob"), "b"),
        event("2026-05-01T10:00:11Z", Some("bob"), "a"),
        // carol: a, then c 61 seconds later: beyond maxspan=1m.
        event("2026-05-01T10:00:02Z", Some("carol"), "a"),
        event("2026-05-01T10:01:03Z", Some("carol"), "c"),
        // dave: a, then c 60 seconds later: on the boundary, so it completes.
        event("2026-05-01T10:00:03Z", Some("dave"), "a"),
        event("2026-05-01T10:01:03Z", Some("dave"), "c"),
        // erin: only b; other users' `a` events have other keys.
        event("2026-05-01T10:00:30Z", Some("erin"), "b"),
        // no user: the join key is null.
        event("2026-05-01T10:00:40Z", None, "a"),
        // an event of no step.
        event("2026-05-01T10:00:50Z", Some("alice"), "x"),
    ]);
    assert_eq!(fates.len(), 12);
    assert_eq!(outcome(&fates[0]).0, "started");
    assert_eq!(fates[1]["fate"], "no_step", "{}", fates[1]);
    let (what, detail) = outcome(&fates[2]);
    assert_eq!(what, "until_reached");
    assert!(detail.contains("#2"), "{detail}");
    let (what, detail) = outcome(&fates[3]);
    assert_eq!(what, "out_of_order");
    assert!(detail.contains("#5"), "{detail}");
    let (what, detail) = outcome(&fates[6]);
    assert_eq!(what, "outside_maxspan");
    assert!(
        detail.contains("1m 1s after") && detail.contains("#6"),
        "{detail}"
    );
    assert_eq!(outcome(&fates[7]).0, "started");
    assert_eq!(fates[7]["alerted"], true);
    let (what, detail) = outcome(&fates[8]);
    assert_eq!(what, "completed");
    assert!(detail.contains("begun by #8"), "{detail}");
    assert_eq!(fates[8]["alerted"], true);
    assert_eq!(fates[6]["alerted"], false);
    let (what, detail) = outcome(&fates[9]);
    assert_eq!(what, "key_differs");
    assert!(
        detail.contains("#5 has user.name=\"bob\"")
            && detail.contains("this one user.name=\"erin\""),
        "{detail}"
    );
    assert_eq!(outcome(&fates[10]).0, "no_join_key");
    // The `x` event fails both steps; each step's first failing conjunct is named.
    let misses = fates[11]["steps"].as_array().unwrap();
    assert_eq!(misses.len(), 2);
    assert_eq!(misses[0]["conjunct"], "event.action == \"a\"");
    assert_eq!(misses[1]["conjunct"], "event.action in (\"b\", \"c\")");
    assert_eq!(misses[1]["value"], "x");
    assert_eq!(misses[1]["result"], "false");
}

#[test]
fn explain_without_an_earlier_step_says_so() {
    let fates = explain(&[event("2026-05-01T10:00:00Z", Some("alice"), "b")]);
    assert_eq!(outcome(&fates[0]).0, "no_earlier_step");
}

#[rstest::rstest]
#[case::completed("attack_rbac_change_then_workload")]
#[case::near_misses("benign_rbac_sequence_near_misses")]
#[case::key_differs("benign_rbac_change_and_workload_by_different_users")]
#[case::outside_maxspan("edge_rbac_change_workload_just_outside_maxspan")]
#[case::no_shared_window("edge_rbac_change_workload_outside_maxspan")]
#[case::event_query("edge_user_exec_variants")]
fn explain_of_the_bundled_eql_scenarios(#[case] name: &str) {
    let stdout =
        success_stdout(rulegate().args(["explain", &format!("scenarios/eql/{name}.toml")]));
    snapshot!(
        "explain",
        name,
        String::from_utf8_lossy(&stdout).into_owned()
    );
}

fn logic_of(query: &str) -> RuleLogic {
    RuleLogic::Eql(EqlSearch {
        query: rulegate::eql::parse(query).unwrap(),
        settings: Settings::default(),
        index: Vec::new(),
    })
}

fn descriptions(query: &str) -> Vec<(String, String, bool)> {
    eql_mutants(&logic_of(query))
        .into_iter()
        .map(|m| (m.operator.to_string(), m.description, m.invalid.is_some()))
        .collect()
}

#[test]
fn sequence_mutants_change_steps_keys_maxspan_and_until() {
    let all = descriptions(
        "sequence by user.name with maxspan=5m \
         [any where a == 1] by host.name [any where b == 2] by host.name [any where c == 3] by host.name \
         until [any where d == 4] by host.name",
    );
    let has = |operator: &str, description: &str, invalid: bool| {
        assert!(
            all.iter()
                .any(|(o, d, i)| o == operator && d == description && *i == invalid),
            "{operator} {description} not among {all:#?}"
        );
    };
    has("drop-step", "drop step 2 `any where b == 2`", false);
    has("drop-until", "drop `until [any where d == 4]`", false);
    has("drop-join-key", "drop join key `user.name`", false);
    has(
        "drop-join-key",
        "drop every query's join key #1 (`host.name`)",
        false,
    );
    has("shrink-maxspan", "maxspan=5m to 150s", false);
    has("widen-maxspan", "maxspan=5m to 10m", false);
    has("negate", "step 3: negate `c == 3`", false);
    has("change-comparison", "until: `d == 4` to `d != 4`", false);
    // The mutated per-query keys stay consistent: every query, the `until` too, loses key #1.
    let dropped = eql_mutants(&logic_of(
        "sequence [any where a == 1] by k, j [any where b == 2] by k, j until [any where c == 3] by k, j",
    ))
    .into_iter()
    .find(|m| m.description.contains("join key #2"))
    .unwrap();
    let RuleLogic::Eql(search) = dropped.logic else {
        panic!("an EQL mutant")
    };
    assert_eq!(
        rulegate::eql::print(&search.query)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" "),
        "sequence [any where a == 1] by k [any where b == 2] by k until [any where c == 3] by k"
    );
}

#[test]
fn dropping_a_step_of_a_two_step_sequence_is_refused_as_elasticsearch_does() {
    let all = descriptions("sequence [any where a == 1] [any where b == 2]");
    let drops: Vec<&(String, String, bool)> =
        all.iter().filter(|(o, _, _)| o == "drop-step").collect();
    assert_eq!(drops.len(), 2);
    assert!(drops.iter().all(|(_, _, invalid)| *invalid), "{drops:#?}");
}

#[test]
fn clause_mutants_of_an_event_query() {
    let all = descriptions(
        r#"process where a in ("x", "y") and not b like~ ("p*", "q") and c : "z*" and n >= 3 and (d == 1 or e == 2)"#,
    );
    let names: Vec<String> = all.iter().map(|(o, d, _)| format!("{o}: {d}")).collect();
    for expected in [
        "remove-in-value: remove \"x\" from `a in (\"x\", \"y\")`",
        "negate: drop the `not` of `not b like~ (\"p*\", \"q\")`",
        "remove-pattern: remove \"q\" from `b like~ (\"p*\", \"q\")`",
        "narrow-wildcard: narrow \"p*\" to \"p\"",
        "narrow-wildcard: narrow \"z*\" to \"z\"",
        "change-comparison: `n >= 3` to `n > 3`",
        "drop-disjunct: drop `e == 2`",
        "drop-conjunct: drop `n >= 3`",
    ] {
        assert!(
            names.contains(&expected.to_string()),
            "{expected} not among {names:#?}"
        );
    }
    // A chain of `and`s drops one conjunct at a time, never two at once.
    assert!(
        !names
            .iter()
            .any(|n| n.contains("drop `a in (\"x\", \"y\") and")),
        "{names:#?}"
    );
}

#[test]
fn mutation_score_of_the_rbac_sequence_rule() {
    let stdout = success_stdout(rulegate().args(["mutate", RBAC, "--format", "json"]));
    let report: Value = serde_json::from_slice(&stdout).unwrap();
    assert!(report["score"].as_f64().unwrap() >= 90.0, "{report:#}");
    let killed_by = |mutation: &str| -> Vec<String> {
        report["killed_mutants"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["mutation"] == mutation)
            .unwrap_or_else(|| panic!("{mutation} not killed: {report:#}"))["killed_by"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_string())
            .collect()
    };
    assert!(killed_by("maxspan=5m to 10m")
        .iter()
        .any(|s| s.contains("just_outside_maxspan")));
    assert!(killed_by("maxspan=5m to 150s")
        .iter()
        .any(|s| s.contains("just_inside_maxspan")));
    assert!(killed_by("drop join key `user.name`")
        .iter()
        .any(|s| s.contains("different_users")));
    let invalid = report["invalid"].as_array().unwrap();
    assert_eq!(invalid.len(), 2, "{report:#}");
    assert!(invalid.iter().all(
        |m| m["operator"] == "drop-step" && m["hint"].as_str().unwrap().contains("at least 2")
    ));
    snapshot!(
        "mutate",
        "privilege_escalation_sensitive_rbac_change_followed_by_workload_modification",
        String::from_utf8_lossy(&success_stdout(rulegate().args(["mutate", RBAC]))).into_owned()
    );
}

#[test]
fn eql_schedule_mutants_change_look_back_interval_and_max_signals() {
    let five_minutes = eql_schedule_mutants(300_000, 100);
    let changes: Vec<ScheduleChange> = five_minutes.iter().map(|m| m.change).collect();
    assert_eq!(
        changes,
        [
            ScheduleChange::Lookback(60_000),
            ScheduleChange::Lookback(-60_000),
            ScheduleChange::Interval(60_000),
            ScheduleChange::Interval(-60_000),
            ScheduleChange::MaxSignals(1),
        ]
    );
    assert_eq!(
        five_minutes[4].description,
        "lower max_signals from 100 to 1"
    );
    // An interval of one minute cannot be shortened by one; a cap of one cannot be lowered.
    let tight = eql_schedule_mutants(60_000, 1);
    assert!(tight.iter().all(
        |m| !matches!(m.change, ScheduleChange::Interval(d) if d < 0)
            && !matches!(m.change, ScheduleChange::MaxSignals(_))
    ));
    assert_eq!(tight.len(), 3);
}

#[test]
fn eql_rules_are_scored_on_schedule_mutants() {
    let stdout = success_stdout(rulegate().args(["mutate", RBAC, "--format", "json"]));
    let report: Value = serde_json::from_slice(&stdout).unwrap();
    let schedule: Vec<&Value> = ["killed_mutants", "survivors"]
        .iter()
        .flat_map(|k| report[*k].as_array().unwrap())
        .filter(|m| m["operator"] == "schedule")
        .collect();
    assert_eq!(schedule.len(), 5, "{report:#}");
    assert!(schedule
        .iter()
        .any(|m| m["mutation"] == "lower max_signals from 100 to 1"));
}

#[test]
fn coverage_counts_each_steps_conjuncts() {
    let stdout = success_stdout(rulegate().args(["coverage", "--rules", RBAC, "--format", "json"]));
    let report: Value = serde_json::from_slice(&stdout).unwrap();
    let conjuncts = report["rules"][0]["conjuncts"].as_array().unwrap();
    let find = |text: &str| {
        conjuncts
            .iter()
            .find(|c| c["text"] == text)
            .unwrap_or_else(|| panic!("{text} not among {conjuncts:#?}"))
    };
    // The masters exclusion of step 2 is false for the admin's two events (benign scenario)
    // and for the generated edge's `system:masters` request (values-query-2-exclusions).
    let masters = find("step 2: not kubernetes.audit.user.groups == \"system:masters\"");
    assert_eq!(masters["outcomes"]["false"], 3, "{masters}");
    // Every generated document is an audit log: the dataset conjunct filters nothing.
    let dataset = find("step 1: data_stream.dataset == \"kubernetes.audit_logs\"");
    assert_eq!(dataset["outcomes"]["false"], 0);
    assert!(dataset["gaps"]
        .as_array()
        .unwrap()
        .contains(&json!({"gap": "never_false"})));
    snapshot!(
        "coverage",
        "eql_rules",
        String::from_utf8_lossy(&success_stdout(rulegate().args([
            "coverage",
            "--rules",
            "rules/eql"
        ])))
        .into_owned()
    );
}

#[test]
fn diff_says_what_changed_in_an_eql_query() {
    // Head: maxspan 5m → 10m, `update` no longer a step-1 verb, a kube-system exclusion added.
    let output = rulegate()
        .args(["diff", RBAC, "tests/data/diff/eql_rbac_tuned.toml"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    for line in [
        "maxspan 5m → 10m",
        "step 1: `kubernetes.audit.verb in` changed: values removed \"update\"",
        "step 2: conjunct added: `not kubernetes.audit.objectRef.namespace == \"kube-system\"`",
    ] {
        assert!(stdout.contains(line), "{line} not in:\n{stdout}");
    }
    // The wider maxspan lets the 5m 1s sequence through: an alert change the scenarios show.
    let edge = stdout
        .split("  scenario ")
        .find(|s| s.starts_with("eql__edge_rbac_change_workload_just_outside_maxspan"))
        .unwrap_or_else(|| panic!("the just-outside-maxspan scenario changes:\n{stdout}"));
    assert_eq!(edge.matches("+ alert").count(), 3, "{edge}");
    snapshot!("diff", "eql_rbac_tuned.human", stdout);
}

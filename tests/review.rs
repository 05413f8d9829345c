//! Reviewing tuning changes: `diff` on pairs of rule versions, `mutate`, `coverage`, and their
//! bad-input cases.

use rstest::rstest;

use crate::support::{rulegate, snapshot};

const SEED: &str = "rules/credential_access_kubernetes_multiple_secret_retrieval_burst.toml";

fn run(args: &[&str]) -> (Option<i32>, String, String) {
    let output = rulegate().args(args).output().expect("the binary runs");
    (
        output.status.code(),
        String::from_utf8(output.stdout).expect("UTF-8 stdout"),
        String::from_utf8(output.stderr).expect("UTF-8 stderr"),
    )
}

#[rstest]
fn diff_of_a_rule_change(
    #[values(
        "exclusion_added",
        "threshold_raised",
        "lookback_widened",
        "field_renamed"
    )]
    change: &str,
    #[values("human", "markdown", "json")] format: &str,
) {
    let head = format!("tests/data/diff/{change}.toml");
    let (code, stdout, stderr) = run(&["diff", SEED, &head, "--format", format]);
    assert_eq!(code, Some(0), "{stderr}");
    snapshot!("diff", format!("{change}.{format}"), stdout);
}

#[test]
fn fail_on_change_turns_an_alert_change_into_exit_1() {
    let (code, stdout, _) = run(&[
        "diff",
        SEED,
        "tests/data/diff/exclusion_added.toml",
        "--fail-on-change",
    ]);
    assert_eq!(code, Some(1), "{stdout}");
    // The trivy-operator false positive in its default namespace is the alert the change removes.
    assert!(
        stdout.contains("fp_trivy_operator_default_namespace"),
        "{stdout}"
    );
    let (code, stdout, _) = run(&["diff", SEED, SEED, "--fail-on-change"]);
    assert_eq!(code, Some(0), "{stdout}");
    assert!(stdout.contains("no alert changes in"), "{stdout}");
}

#[test]
fn diff_against_git_head_of_an_unchanged_rule_reports_nothing() {
    let (code, stdout, stderr) = run(&["diff", "--git-base", "HEAD", SEED]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains("no alert changes in"), "{stdout}");
}

#[test]
fn diff_bad_inputs_exit_2_with_a_clear_message() {
    let (code, _, stderr) = run(&["diff", "--git-base", "no-such-ref-rulegate", SEED]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("error[E802]: unknown git revision `no-such-ref-rulegate`"),
        "{stderr}"
    );

    // A rule that exists on disk but not in the base revision is new, not bad input: every
    // alert it raises over the scenarios that target it is gained.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/review-tests");
    std::fs::create_dir_all(&dir).unwrap();
    let new_rule = dir.join("new_rule.toml");
    std::fs::copy(crate::support::repo_path(SEED), &new_rule).unwrap();
    let (code, stdout, stderr) = run(&[
        "diff",
        "--git-base",
        "HEAD",
        "target/review-tests/new_rule.toml",
    ]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stdout.starts_with("Kubernetes Rapid Secret GET Activity Against Multiple Objects (target/review-tests/new_rule.toml, added)\n"),
        "{stdout}"
    );
    assert!(stdout.contains("+ alert "), "{stdout}");

    // Outside any git repository.
    let outside = crate::support::scratch("nogit");
    let output = rulegate()
        .current_dir(&outside)
        .args(["diff", "--git-base", "HEAD"])
        .arg(crate::support::repo_path(SEED))
        .output()
        .unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("not a git repository") || stderr.contains("cannot read the base version"),
        "{stderr}"
    );

    // A head version whose query does not parse: the error points into that file.
    let (code, _, stderr) = run(&["diff", SEED, "tests/data/diff/broken_query.toml"]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("--> tests/data/diff/broken_query.toml:75:1"),
        "{stderr}"
    );

    // A usage error: one file only.
    let (code, _, stderr) = run(&["diff", SEED]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("diff takes BASE.toml HEAD.toml"),
        "{stderr}"
    );
}

#[test]
fn mutation_score_of_the_seed_rule_and_its_survivors() {
    let (code, stdout, stderr) = run(&["mutate", SEED, "--format", "json", "--min-score", "95"]);
    let report: serde_json::Value = serde_json::from_str(&stdout).expect("JSON report");
    assert_eq!(code, Some(0), "score below 95%: {stdout}{stderr}");
    assert!(report["score"].as_f64().unwrap() >= 95.0);
    snapshot!(
        "mutate",
        "credential_access_kubernetes_multiple_secret_retrieval_burst",
        stdout
    );
}

#[test]
fn a_weak_suite_leaves_the_expected_mutants_alive() {
    // One attack and the Helm benign scenario: nothing exercises the Flux or trivy exclusions,
    // the loopback exclusion, the user-agent split or the schedule.
    let (code, stdout, stderr) = run(&[
        "mutate",
        SEED,
        "--scenarios",
        "tests/data/weak-suite",
        "--format",
        "json",
        "--min-score",
        "95",
    ]);
    assert_eq!(
        code,
        Some(1),
        "a weak suite must fail --min-score: {stdout}{stderr}"
    );
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let survivors: Vec<&str> = report["survivors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["mutation"].as_str().unwrap())
        .collect();
    for expected in [
        "remove \"system:serviceaccount:security:trivy-operator\" from the list of `kubernetes.audit.user.username`",
        "drop `not to_string(source.ip) in (\"127.0.0.1\", \"::1\")`",
        "drop `not user.name in (\"system:kube-controller-manager\", \"system:kube-scheduler\")`",
        "widen the look-back by one minute",
    ] {
        assert!(survivors.contains(&expected), "{expected} not among {survivors:#?}");
    }
    // Each survivor says where it is and what scenario would kill it.
    for survivor in report["survivors"].as_array().unwrap() {
        assert!(
            survivor["position"]
                .as_str()
                .unwrap()
                .starts_with("rules/credential_access"),
            "{survivor}"
        );
        assert!(
            survivor["hint"]
                .as_str()
                .unwrap()
                .starts_with("no scenario"),
            "{survivor}"
        );
    }
    // The Helm exclusion is exercised, so dropping it is killed.
    assert!(
        !survivors
            .iter()
            .any(|s| s.contains("sh.helm.release") && s.starts_with("drop")),
        "{survivors:#?}"
    );
}

#[test]
fn coverage_of_the_seed_rule() {
    let (code, stdout, stderr) = run(&["coverage"]);
    assert_eq!(code, Some(0), "{stderr}");
    snapshot!(
        "coverage",
        "credential_access_kubernetes_multiple_secret_retrieval_burst",
        stdout
    );
}

#[test]
fn an_unsatisfiable_conjunct_is_flagged() {
    let (code, stdout, stderr) = run(&[
        "coverage",
        "--rules",
        "tests/data/coverage/rules",
        "--fail-on-gaps",
    ]);
    assert_eq!(code, Some(1), "{stdout}{stderr}");
    assert!(
        stdout.contains("can never be true: the RLIKE pattern matches no string at all"),
        "{stdout}"
    );
}

/// The mutant dropping `user.name is not null`, from a `mutate --format json` report's list.
fn user_name_check<'a>(report: &'a serde_json::Value, list: &str) -> Option<&'a serde_json::Value> {
    report[list]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["mutation"] == "drop `user.name is not null`")
}

#[test]
fn a_clause_that_can_be_true_for_a_null_field_proves_nothing() {
    // The clause, added in front: `not (user.name == "nobody" and …)` is true for a null
    // `user.name` whenever `event.action` is not "list" (NOT false is true), so it is no reason
    // for the null check to be redundant; `not user.name in (…)` still is, and is the one named.
    let (code, stdout, stderr) = run(&[
        "mutate",
        "tests/data/mutate/nobody_clause_added.toml",
        "--format",
        "json",
    ]);
    assert_eq!(code, Some(0), "{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let equivalent = user_name_check(&report, "equivalent").expect("still equivalent");
    let reason = equivalent["hint"].as_str().unwrap();
    assert!(reason.starts_with("`not user.name in ("), "{reason}");

    // With that exclusion replaced by the clause, nothing makes the null check redundant: the
    // mutant is scored, and the scenario with a null `user.name` kills it.
    let (code, stdout, stderr) = run(&[
        "mutate",
        "tests/data/mutate/nobody_clause_instead.toml",
        "--format",
        "json",
    ]);
    assert_eq!(code, Some(0), "{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert!(user_name_check(&report, "equivalent").is_none(), "{stdout}");
    let killed = user_name_check(&report, "killed_mutants").expect("scored and killed");
    assert_eq!(killed["killed_by"], serde_json::json!(["edge_no_username"]));
}

#[test]
fn a_killed_equivalent_mutant_fails_the_run() {
    use rulegate::review::mutate::mutants;
    use rulegate::review::mutation::mutate_with;
    use rulegate::review::suite::Suite;
    use rulegate::runner::PreparedRule;

    let rule = PreparedRule::load(&crate::support::repo_path(SEED)).unwrap();
    let suite = Suite::for_rule(
        &crate::support::repo_path("scenarios"),
        &rule.scheduled.info.rule_id,
    )
    .unwrap();
    let query = rule.esql("mutation testing").unwrap();
    let mut all = mutants(query, &rule.text, rule.scheduled.schedule.interval);
    // A wrong proof: dropping the `get` filter is called equivalent, and many scenarios kill it.
    let wrong = all
        .iter_mut()
        .find(|m| m.description == "drop `event.action == \"get\"`")
        .expect("the mutant exists");
    wrong.equivalent = Some("a wrong proof".into());
    let errors = mutate_with(&rule, &suite, &all).expect_err("a disproved equivalence fails");
    assert_eq!(errors.len(), 1, "{errors:?}");
    let error = &errors[0];
    assert_eq!(error.code, "E803");
    assert!(
        error.message.starts_with(
            "mutant \"drop `event.action == \"get\"`\" was classed as equivalent, but scenario(s) `"
        ),
        "{}",
        error.message
    );
    // Every killing scenario is named, the one about writes among them.
    assert!(
        error.message.contains("`edge_secret_writes_not_reads`"),
        "{}",
        error.message
    );
    let rendered = error.render(false);
    assert!(
        rendered.contains("credential_access_kubernetes_multiple_secret_retrieval_burst.toml:61:"),
        "{rendered}"
    );
}

#[test]
fn every_killed_mutant_names_the_scenarios_that_kill_it() {
    let (code, stdout, stderr) = run(&["mutate", SEED, "--format", "json"]);
    assert_eq!(code, Some(0), "{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let killed = report["killed_mutants"].as_array().unwrap();
    assert_eq!(killed.len() as u64, report["killed"].as_u64().unwrap());
    for mutant in killed {
        let by = mutant["killed_by"].as_array().expect("killed_by listed");
        assert!(!by.is_empty(), "{mutant}");
        assert!(
            by.windows(2).all(|w| w[0].as_str() < w[1].as_str()),
            "suite order: {mutant}"
        );
    }
    for list in ["survivors", "equivalent"] {
        for mutant in report[list].as_array().unwrap() {
            assert!(mutant.get("killed_by").is_none(), "{mutant}");
        }
    }
}

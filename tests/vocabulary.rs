//! One vocabulary of options (issue #11 item 2): `--format` names (`human`, `json`, `markdown`,
//! `junit`, `csv`) with the older names as hidden aliases, and every command that takes one rule
//! takes many (files, folders, globs), with one output per rule.

use crate::support;

const SEED: &str = "rules/credential_access_kubernetes_multiple_secret_retrieval_burst.toml";
const SECRETS_HTTP: &str =
    "rules/credential_access_kubernetes_secret_access_scripting_http_clients.toml";
const DOCS: &str = "tests/data/seed_rule/multivalued_source_ip.ndjson";
const SCENARIO: &str = "scenarios/attack_stolen_token_curl.toml";

fn run(args: &[&str]) -> (i32, String, String) {
    let output = support::rulegate()
        .args(args)
        .output()
        .expect("the binary runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn stdout(args: &[&str]) -> String {
    let (code, out, err) = run(args);
    assert_eq!(code, 0, "{args:?}: {err}");
    out
}

#[test]
fn older_format_names_are_aliases_of_human() {
    let pairs: [(&[&str], &str); 5] = [
        (&["inspect", SEED], "text"),
        (&["explain", "--input", DOCS, "--rule", SEED], "table"),
        (&["replay", SEED, "--input", DOCS], "table"),
        (
            &[
                "query",
                SEED,
                "--input",
                DOCS,
                "--now",
                "2026-05-15T10:00:00Z",
            ],
            "table",
        ),
        (&["run", SCENARIO], "yaml"),
    ];
    for (args, old) in pairs {
        let human = stdout(&[args, &["--format", "human"]].concat());
        let aliased = stdout(&[args, &["--format", old]].concat());
        assert!(!human.is_empty(), "{args:?}");
        assert_eq!(human, aliased, "{args:?}: `{old}` is `human`");
    }
    // The aliases stay out of the help text, which lists the one vocabulary.
    let help = stdout(&["inspect", "--help"]);
    assert!(
        help.contains("[possible values: human, json, markdown]"),
        "{help}"
    );
    // A format a command does not have is a usage error.
    let (code, _, err) = run(&["inspect", SEED, "--format", "junit"]);
    assert_eq!(code, 2, "{err}");
    // Another command's old name is not an alias here.
    let (code, _, err) = run(&["inspect", SEED, "--format", "yaml"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("invalid value 'yaml'"), "{err}");
}

#[test]
fn inspect_takes_folders_and_globs_with_one_report_per_rule() {
    let out = stdout(&["inspect", SEED, SECRETS_HTTP]);
    let headers: Vec<&str> = out.lines().filter(|l| l.starts_with("==> ")).collect();
    assert_eq!(
        headers,
        [format!("==> {SEED} <=="), format!("==> {SECRETS_HTTP} <==")]
    );
    let json = stdout(&[
        "inspect",
        "rules/credential_access_kubernetes_*.toml",
        "--format",
        "json",
    ]);
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    let rules: Vec<&str> = (value.as_array().unwrap().iter())
        .map(|entry| entry["rule"].as_str().unwrap())
        .collect();
    assert!(rules.len() >= 3, "{rules:?}");
    assert!(rules.contains(&SEED), "{rules:?}");
    assert!(rules
        .iter()
        .all(|r| r.starts_with("rules/credential_access_kubernetes_")));
    // A folder is searched recursively (the EQL rules live in rules/eql/).
    let out = stdout(&["inspect", "rules"]);
    assert!(out.contains("==> rules/eql/"), "recursive: {out}");
}

#[test]
fn replay_query_explain_and_run_take_several_rules() {
    let json = stdout(&["replay", SEED, SECRETS_HTTP, "--input", DOCS]);
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    let entries = value.as_array().unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0]["rule"], SEED);
    assert!(entries[0]["output"]["executions"].as_u64().unwrap() > 0);
    // One rule alone prints its output as before (no wrapper).
    let single: serde_json::Value =
        serde_json::from_str(&stdout(&["replay", SEED, "--input", DOCS])).unwrap();
    assert_eq!(single, entries[0]["output"]);

    // `query` runs ES|QL rules: the seed and a reference pod-exec rule.
    let pod_exec = support::shared_path(
        "reference/detection-rules-k8s/rules/integrations/kubernetes/execution_kubernetes_pod_exec_curl_wget_https.toml",
    );
    let out = stdout(&[
        "query",
        SEED,
        pod_exec.to_str().unwrap(),
        "--input",
        DOCS,
        "--format",
        "csv",
        "--now",
        "2026-05-15T10:00:00Z",
    ]);
    assert_eq!(out.matches("==> ").count(), 2, "{out}");
    assert!(out.contains("erin"), "the seed rule's row: {out}");

    let out = stdout(&[
        "explain",
        "--input",
        DOCS,
        "--rule",
        SEED,
        "--rule",
        SECRETS_HTTP,
    ]);
    assert_eq!(out.matches("==> rules/").count(), 2, "{out}");

    let json = stdout(&[
        "run",
        SCENARIO,
        "--rule",
        SEED,
        "--rule",
        SECRETS_HTTP,
        "--format",
        "json",
    ]);
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value.as_array().unwrap().len(), 2);

    // Standard input can be read once.
    let (code, _, err) = run(&["replay", SEED, SECRETS_HTTP, "--input", "-"]);
    assert_eq!(code, 2);
    assert!(err.contains("standard input can be read once"), "{err}");
}

#[test]
fn edges_of_several_rules_write_one_folder_per_rule() {
    let dir = crate::support::scratch("vocab");
    let (code, out, err) = run(&[
        "edges",
        SEED,
        SECRETS_HTTP,
        "--write",
        dir.to_str().unwrap(),
    ]);
    // The second rule may be refused (its data or logic); the first one's scenarios are written.
    assert!(code == 0 || code == 2, "{err}");
    let stem = "credential_access_kubernetes_multiple_secret_retrieval_burst";
    assert!(
        dir.join(stem).join("threshold-at.toml").is_file(),
        "{out}{err}"
    );
    assert!(out.contains(&format!("==> {SEED} <==")), "{out}");
}

#[test]
fn a_failing_rule_among_several_does_not_hide_the_others() {
    let (code, out, err) = run(&["inspect", SEED, "rules/no_such_rule.toml"]);
    assert_eq!(code, 2);
    assert!(err.contains("cannot read rule file"), "{err}");
    assert!(out.contains(&format!("==> {SEED} <==")), "{out}");
    // A glob that matches nothing in an existing folder fails the selection before any rule runs.
    let (code, out, err) = run(&["inspect", SEED, "rules/no_such_*.toml"]);
    assert_eq!(code, 2, "{err}");
    assert!(out.is_empty(), "{out}");
    let (code, out, err) = run(&["inspect", SEED, "tests/data/invalid/bad_time_unit.toml"]);
    assert_eq!(code, 2);
    assert!(out.contains(&format!("==> {SEED} <==")), "{out}");
    assert!(err.contains("E206"), "{err}");
}

#[test]
fn rules_is_an_option_of_every_command_that_takes_rules() {
    // The commands that take rules as arguments take `--rules` too, with the same meaning.
    let pairs: [(&[&str], &[&str]); 4] = [
        (&["inspect", SEED], &["inspect", "--rules", SEED]),
        (
            &["replay", SEED, "--input", DOCS],
            &["replay", "--rules", SEED, "--input", DOCS],
        ),
        (&["edges", SEED], &["edges", "--rules", SEED]),
        (
            &[
                "query",
                SEED,
                "--input",
                DOCS,
                "--now",
                "2026-05-15T10:00:00Z",
            ],
            &[
                "query",
                "--rules",
                SEED,
                "--input",
                DOCS,
                "--now",
                "2026-05-15T10:00:00Z",
            ],
        ),
    ];
    for (positional, option) in pairs {
        assert_eq!(stdout(positional), stdout(option), "{option:?}");
    }
    // `--rule` and `--rules` are one option of `run` and `explain`.
    let out = stdout(&["explain", "--input", DOCS, "--rules", SEED]);
    assert_eq!(out, stdout(&["explain", "--input", DOCS, "--rule", SEED]));
    // `query --rules` and `--esql` exclude each other.
    let (code, _, err) = run(&[
        "query",
        "--rules",
        SEED,
        "--esql",
        "ROW a = 1",
        "--input",
        DOCS,
    ]);
    assert_eq!(code, 2, "{err}");
}

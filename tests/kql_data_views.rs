//! `[data_views]` in `rulegate.toml`: a rule naming `data_view_id` reads the view's patterns
//! (Kibana ignores the rule's `index` then); an undeclared id stays `E346`; bad tables are
//! `E347`/`E348`.

use std::path::Path;

use rulegate::project::data_views::{validate, DataViews, MAX_DATA_VIEWS, MAX_PATTERNS};

use crate::support::rulegate;

fn scratch(name: &str) -> crate::support::Scratch {
    crate::support::scratch(&format!("data-views-{name}"))
}

fn rule(view: &str, index: Option<&str>) -> String {
    let index = index.map_or(String::new(), |i| format!("index = [\"{i}\"]\n"));
    format!(
        "[metadata]\ncreation_date = \"2026/05/01\"\nupdated_date = \"2026/05/01\"\n\n[rule]\nauthor = [\"t\"]\ndescription = \"d\"\nname = \"n\"\nrisk_score = 1\nrule_id = \"0e1d2c3b-4a59-4876-a5b4-c3d2e1f0a9b8\"\nseverity = \"low\"\ntype = \"query\"\nlanguage = \"kuery\"\ndata_view_id = \"{view}\"\n{index}query = '''\nkubernetes.audit.verb:\"delete\"\n'''\n"
    )
}

/// Two documents the query matches: one in the Kubernetes audit stream, one in Okta's.
const DOCUMENTS: &str = concat!(
    r#"{"@timestamp":"2026-05-01T10:01:00Z","data_stream":{"dataset":"kubernetes.audit_logs","type":"logs","namespace":"default"},"kubernetes":{"audit":{"verb":"delete","auditID":"k8s"}}}"#,
    "\n",
    r#"{"@timestamp":"2026-05-01T10:01:30Z","data_stream":{"dataset":"okta.system","type":"logs","namespace":"default"},"kubernetes":{"audit":{"verb":"delete","auditID":"okta"}}}"#,
    "\n"
);

const CONFIG: &str = "[data_views]\n\"k8s-audit\" = [\"logs-kubernetes.audit_logs-*\"]\n\"everything\" = [\"logs-kubernetes.audit_logs-*\", \"logs-okta.system-*\"]\n";

/// Replays a rule over [`DOCUMENTS`] with a config: exit code, stdout, stderr.
fn replay(dir: &Path, config: &str, rule_text: &str) -> (Option<i32>, String, String) {
    std::fs::write(dir.join("rulegate.toml"), config).unwrap();
    std::fs::write(dir.join("rule.toml"), rule_text).unwrap();
    std::fs::write(dir.join("docs.ndjson"), DOCUMENTS).unwrap();
    let output = rulegate()
        .arg("replay")
        .arg(dir.join("rule.toml"))
        .arg("--input")
        .arg(dir.join("docs.ndjson"))
        .arg("--config")
        .arg(dir.join("rulegate.toml"))
        .output()
        .unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn a_declared_data_view_gives_the_rule_its_patterns_over_index() {
    let dir = scratch("declared");
    let (code, out, err) = replay(&dir, CONFIG, &rule("k8s-audit", None));
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("\"k8s\""), "{out}");
    assert!(!out.contains("\"okta\""), "{out}");
    let (code, out, err) = replay(&dir, CONFIG, &rule("everything", None));
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("\"k8s\"") && out.contains("\"okta\""), "{out}");
    // Kibana ignores `index` when the rule names a data view.
    let (code, out, err) = replay(&dir, CONFIG, &rule("k8s-audit", Some("logs-okta.system-*")));
    assert_eq!(code, Some(0), "{err}");
    assert!(
        out.contains("\"k8s\"") && !out.contains("\"okta\""),
        "{out}"
    );
}

#[test]
fn an_undeclared_data_view_is_e346_naming_the_id_and_the_setting() {
    let dir = scratch("undeclared");
    let (code, _, err) = replay(&dir, CONFIG, &rule("security-solution-default", None));
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("E346"), "{err}");
    assert!(err.contains("security-solution-default"), "{err}");
    assert!(err.contains("[data_views]"), "{err}");
}

#[test]
fn empty_data_views_are_configuration_errors() {
    let dir = scratch("empty");
    let (code, _, err) = replay(
        &dir,
        "[data_views]\n\"k8s-audit\" = []\n",
        &rule("k8s-audit", None),
    );
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("E347") && err.contains("k8s-audit"), "{err}");
    let (code, _, err) = replay(
        &dir,
        "[data_views]\n\"k8s-audit\" = [\"\"]\n",
        &rule("k8s-audit", None),
    );
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("E347") && err.contains("empty index pattern"),
        "{err}"
    );
}

#[test]
fn data_view_tables_past_their_limits_are_refused() {
    let many: DataViews = (0..=MAX_DATA_VIEWS)
        .map(|i| (format!("view-{i}"), vec!["logs-*".to_string()]))
        .collect();
    let errors = validate(&many);
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].code, "E348");
    let wide: DataViews = [(
        "wide".to_string(),
        vec!["logs-*".to_string(); MAX_PATTERNS + 1],
    )]
    .into();
    assert_eq!(validate(&wide)[0].code, "E348");
    let fine: DataViews = [("ok".to_string(), vec!["logs-*".to_string(); MAX_PATTERNS])].into();
    assert!(validate(&fine).is_empty());
}

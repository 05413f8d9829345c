//! Every ES|QL rule of `../shared/reference/detection-rules-esql/` (212 files): it loads, its
//! query parses or is refused with the engine's reason (`E202`, `E303`, `E304`), the tree
//! round-trips through the printer, spans keep their invariants and map back into the TOML
//! file, and it compiles offline unless it is a listed gap. Prints the corpus line: how many
//! evaluate offline, how many are refused for a reason only a live cluster can supply.

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
    /// Parsed; `Ok(n)`: compiles offline with `n` field types inferred, `Err`: the compile
    /// error no field type fixes (see [`compile_offline`]).
    Parsed(Result<usize, String>),
    /// Refused at load with the engine's reason (`E202`, `E303`, `E304`).
    Unsupported(String),
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
            Outcome::Parsed(compile_offline(query, text))
        }
        (QueryStatus::Parsed { .. }, Some(_)) => {
            Outcome::Error("listed as rejected but parses: update KNOWN_REJECTED".into())
        }
        (QueryStatus::Invalid(errors), None)
            if errors.iter().all(|e| REFUSALS.contains(&e.code)) =>
        {
            Outcome::Unsupported(format!("{}: {}", errors[0].code, errors[0].message))
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
        (QueryStatus::Eql { .. }, _) => Outcome::Error("not ES|QL: eql".to_string()),
    }
}

/// Rules that parse but do not compile offline, each with the engine gap that stops them (the
/// test fails when this list and the corpus run disagree, either way).
const KNOWN_GAPS: &[(&str, &str)] = &[];

/// Load-time refusals: an unsupported command (`E202`), a function rulegate does not evaluate
/// (`E303`), full-text search (`E304`).
const REFUSALS: &[&str] = &["E202", "E303", "E304"];

/// The columns a rule's query reads, typed by the built-in mapping, else `keyword` (the corpus
/// comes without documents or mappings): enough to compile every command and function.
fn offline_columns(query: &rulegate::esql::ast::Query) -> Vec<rulegate::document::Column> {
    let mapping = rulegate::document::Mapping::built_in();
    rulegate::eval::fields_for(query, &["@timestamp"])
        .names
        .into_iter()
        .map(|name| rulegate::document::Column {
            ty: mapping
                .get(&name)
                .unwrap_or(rulegate::document::Type::Keyword),
            name,
        })
        .collect()
}

/// Compiles `query` offline. The corpus comes without mappings, so where the engine refuses a
/// guessed `keyword` field's type (or a field a `KEEP` names), the types a mapping could give
/// are tried in turn; `Ok(n)` says how many fields needed one. `Err` is what no field type
/// fixes.
fn compile_offline(query: &rulegate::esql::ast::Query, text: &str) -> Result<usize, String> {
    use rulegate::document::{Column, Type};
    use rulegate::eval::Plan;
    let mapped = rulegate::document::Mapping::built_in();
    let mut columns = offline_columns(query);
    let mut inferred = 0;
    // An error with where it is: a retyping helps only if the query then compiles further.
    let compile = |columns: &[Column]| {
        Plan::compile(query, text, columns)
            .map(|_| ())
            .map_err(|d| {
                let at = d.labels.first().map_or(0, |l| l.span.start);
                (at, format!("{}: {}", d.code, d.message))
            })
    };
    for _ in 0..32 {
        let Err((at, error)) = compile(&columns) else {
            return Ok(inferred);
        };
        if let Some(name) = error
            .strip_prefix("E301: Unknown column [")
            .and_then(|r| r.strip_suffix(']'))
        {
            if !name.contains('*') && !columns.iter().any(|c| c.name == name) {
                columns.push(Column {
                    name: name.to_string(),
                    ty: Type::Keyword,
                });
                continue;
            }
        }
        // A KEEP/DROP pattern matches the integration's fields in a cluster: give it one.
        if let Some(pattern) = error
            .strip_prefix("E301: No matches found for pattern [")
            .and_then(|r| r.strip_suffix(']'))
        {
            let name = pattern.replace('*', "x");
            if !columns.iter().any(|c| c.name == name) {
                columns.push(Column {
                    name,
                    ty: Type::Keyword,
                });
                continue;
            }
        }
        // Fields the message names first, then every other guessed one (a message may name
        // a column derived from the field, `Esql.x_max` of `x`).
        let guessed_at =
            |i: usize| columns[i].ty == Type::Keyword && mapped.get(&columns[i].name).is_none();
        let (named, others): (Vec<usize>, Vec<usize>) = (0..columns.len())
            .filter(|&i| guessed_at(i))
            .partition(|&i| error.contains(columns[i].name.as_str()));
        let fix = named.into_iter().chain(others).find_map(|i| {
            [
                Type::Long,
                Type::Double,
                Type::Ip,
                Type::Datetime,
                Type::Boolean,
            ]
            .into_iter()
            .find(|&ty| {
                let mut retyped = columns.clone();
                retyped[i].ty = ty;
                match compile(&retyped) {
                    Ok(()) => true,
                    Err((later, _)) => later > at,
                }
            })
            .map(|ty| (i, ty))
        });
        match fix {
            Some((i, ty)) => {
                columns[i].ty = ty;
                inferred += 1;
            }
            None => return Err(error),
        }
    }
    compile(&columns).map(|()| inferred).map_err(|(_, e)| e)
}

#[test]
fn every_esql_rule_of_detection_rules_parses_or_is_unsupported() {
    let root = crate::support::shared_path("reference/detection-rules-esql");
    let mut files = Vec::new();
    toml_files(&root, &mut files);
    files.sort();
    assert_eq!(files.len(), 212, "the corpus has 212 rule files");
    let (mut offline, mut typed, mut not_compiled, mut rejected) = (0, 0, Vec::new(), Vec::new());
    let mut refused: Vec<String> = Vec::new();
    let mut errors = Vec::new();
    for path in &files {
        let shown = path.strip_prefix(&root).unwrap().display().to_string();
        match catch_unwind(AssertUnwindSafe(|| check(path))) {
            Ok(Outcome::Parsed(Ok(n))) => {
                offline += 1;
                typed += usize::from(n > 0);
            }
            Ok(Outcome::Parsed(Err(why))) => not_compiled.push(format!("{shown}: {why}")),
            Ok(Outcome::Unsupported(why)) => refused.push(format!("{shown}: {why}")),
            Ok(Outcome::KnownRejected) => rejected.push(shown),
            Ok(Outcome::Error(message)) => errors.push(format!("{shown}:\n{message}")),
            Err(_) => errors.push(format!("{shown}: panicked")),
        }
    }
    let count = |needle: &str| refused.iter().filter(|r| r.contains(needle)).count();
    println!(
        "corpus: {offline} evaluate offline ({typed} with field types a mapping must give), {} refused ({} need a live inference endpoint, {} full-text search, {} an excluded category), {} do not compile, {} rejected as Elasticsearch would, {} errors",
        refused.len(),
        count("E202"),
        count("E304"),
        count("E303"),
        not_compiled.len(),
        rejected.len(),
        errors.len()
    );
    for r in &refused {
        println!("refused: {r}");
    }
    for m in &not_compiled {
        println!("does not compile: {m}");
    }
    let mut gaps: Vec<&str> = not_compiled
        .iter()
        .map(|m| m.split(':').next().unwrap_or(""))
        .map(|path| path.rsplit('/').next().unwrap_or(path))
        .collect();
    gaps.sort();
    let mut known: Vec<&str> = KNOWN_GAPS.iter().map(|(name, _)| *name).collect();
    known.sort();
    assert_eq!(
        gaps, known,
        "rules that do not compile offline vs KNOWN_GAPS"
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
    assert_eq!(
        offline + not_compiled.len() + refused.len() + rejected.len(),
        files.len()
    );
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
            QueryStatus::Eql { .. } => "eql".to_string(),
            // Refused with the engine's reason (`COMPLETION`, say): still ES|QL.
            QueryStatus::Invalid(errors) if errors.iter().all(|e| REFUSALS.contains(&e.code)) => {
                "esql".to_string()
            }
            QueryStatus::Invalid(errors) => {
                panic!("{}", rulegate::diagnostic::render_all(errors, false))
            }
        };
        *languages.entry(language).or_default() += 1;
    }
    println!("kubernetes reference rules by language: {languages:?}");
    assert!(languages.keys().any(|l| l == "kuery") && languages.keys().any(|l| l == "eql"));
}

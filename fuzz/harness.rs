//! The fuzz harnesses: one function per target, each taking raw bytes and panicking only when
//! rulegate breaks a promise (a panic inside the library, a round trip that changes the tree,
//! streaming that disagrees with loading). The libFuzzer targets under `fuzz/fuzz_targets/` and
//! the stable replay test (`tests/fuzz_replay.rs`) include this one file, so the inputs CI
//! replays run through exactly the code the fuzzer ran.
//!
//! Sizes are bounded where the input chooses them (scenario events, NDJSON shapes): the
//! targets look for broken invariants, not for the resource limits the CLI enforces.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use rulegate::document::{datetime, ip, Cell, Column, Documents, LoadOptions, Type, Value};
use rulegate::esql::ast::SourceCommand;
use rulegate::eval::stream::{run_query, run_query_text, StreamError, Streaming};
use rulegate::eval::{Plan, Window};

/// One target's body: runs one input, panics on a broken promise.
pub type Harness = fn(&[u8]);

/// Every target by name, as its corpus folder is named (`fuzz/corpus/<name>/`).
pub const TARGETS: &[(&str, Harness)] = &[
    ("esql_round_trip", esql_round_trip),
    ("esql_spec_run", esql_spec_run),
    ("rule_load", rule_load),
    ("scenario_generate", scenario_generate),
    ("ndjson_stream", ndjson_stream),
    ("audit_import", audit_import),
    ("kql_round_trip", kql_round_trip),
    ("eql_round_trip", eql_round_trip),
];

/// `NOW()` of every run: 2025-06-01T00:00:00Z, as in the conformance tests.
const NOW: i64 = 1_748_736_000_000;

/// Parsing gives a tree that prints to text parsing back to the same tree (and printing is
/// idempotent), or a diagnostic whose spans lie inside the input.
pub fn esql_round_trip(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match rulegate::esql::parse(text) {
        Ok(query) => {
            let printed = rulegate::esql::print(&query);
            let reparsed = rulegate::esql::parse(&printed)
                .unwrap_or_else(|e| panic!("printed text does not parse:\n{printed}\n{e:?}"));
            assert_eq!(
                reparsed, query,
                "print → parse changed the tree:\n{printed}"
            );
            assert_eq!(
                rulegate::esql::print(&reparsed),
                printed,
                "printing is idempotent"
            );
        }
        Err(error) => labels_inside(&error, text),
    }
}

/// A query compiled and run over Elasticsearch's spec datasets (`employees`, `hosts`, …, read
/// from `../shared/reference/esql-spec/data` once): a result or a diagnostic, never a panic.
pub fn esql_spec_run(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(query) = rulegate::esql::parse(text) else {
        return;
    };
    let names: Vec<String> = match &query.source {
        SourceCommand::From(from) => from.indices.iter().map(|i| i.pattern.clone()).collect(),
        _ => Vec::new(),
    };
    let mut docs: Option<Documents> = None;
    for name in &names {
        let part = spec_datasets()
            .iter()
            .filter(|(dataset, _)| rulegate::document::index_matches(name, dataset))
            .map(|(_, d)| d.clone());
        for d in part {
            docs = Some(match docs {
                None => d,
                Some(prev) => prev.concat(d),
            });
        }
    }
    let docs = docs.unwrap_or_default();
    match Plan::compile(&query, text, &docs.columns) {
        Ok(plan) => {
            let table = plan.run(&docs, Window::All, NOW);
            for row in &table.rows {
                assert_eq!(row.len(), table.columns.len(), "every row has every column");
            }
        }
        Err(error) => {
            error.render(false);
        }
    }
}

/// The spec datasets, loaded once; empty when the shared reference folder is absent.
fn spec_datasets() -> &'static [(String, Documents)] {
    static DATASETS: OnceLock<Vec<(String, Documents)>> = OnceLock::new();
    DATASETS.get_or_init(|| {
        let Some(dir) = shared_dir("reference/esql-spec/data") else {
            return Vec::new();
        };
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        files.sort();
        files
            .iter()
            .filter(|p| p.extension().is_some_and(|e| e == "csv"))
            .filter_map(|p| {
                let name = p.file_stem()?.to_str()?.to_string();
                let text = std::fs::read_to_string(p).ok()?;
                Some((name.clone(), load_csv(&text, &name)))
            })
            .collect()
    })
}

/// `../shared/<relative>` beside the repository, from the main crate or from `fuzz/`.
fn shared_dir(relative: &str) -> Option<PathBuf> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    [manifest.join("../shared"), manifest.join("../../shared")]
        .into_iter()
        .map(|base| base.join(relative))
        .find(|p| p.is_dir())
}

/// A spec dataset: a CSV whose header cells are `name:type`, multi-values as `[a,b]`.
fn load_csv(text: &str, index: &str) -> Documents {
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let header: Vec<(String, String)> = split_csv(lines.next().unwrap_or(""))
        .into_iter()
        .map(|h| {
            let (n, t) = h.split_once(':').unwrap_or((&h, "keyword"));
            (n.trim().to_string(), t.trim().to_lowercase())
        })
        .collect();
    let mut order: Vec<usize> = (0..header.len()).collect();
    order.sort_by(|a, b| header[*a].0.cmp(&header[*b].0));
    let columns: Vec<Column> = order
        .iter()
        .map(|&i| Column {
            name: header[i].0.clone(),
            ty: Type::parse(&header[i].1).unwrap_or(Type::Keyword),
        })
        .collect();
    let rows = lines
        .map(|line| {
            let cells = split_csv(line);
            order
                .iter()
                .zip(&columns)
                .map(|(&i, column)| {
                    let raw = cells.get(i).map_or("", |s| s.trim());
                    let raw = raw
                        .strip_prefix('[')
                        .and_then(|r| r.strip_suffix(']'))
                        .unwrap_or(raw);
                    let values = raw
                        .split(',')
                        .map(str::trim)
                        .filter(|v| !v.is_empty())
                        .filter_map(|v| csv_value(v, column.ty))
                        .collect();
                    Cell::from_values(values).into_doc_values(column.ty)
                })
                .collect()
        })
        .collect();
    Documents::from_rows(columns, rows, index)
}

fn split_csv(line: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut depth = 0usize;
    for c in line.chars() {
        match c {
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                out.push(String::new());
                continue;
            }
            _ => {}
        }
        if let Some(cur) = out.last_mut() {
            cur.push(c);
        }
    }
    out
}

fn csv_value(v: &str, ty: Type) -> Option<Value> {
    Some(match ty {
        Type::Double => Value::Double(v.parse().ok()?),
        Type::Integer => Value::Integer(v.parse().ok()?),
        Type::Long => Value::Long(v.parse().ok()?),
        Type::UnsignedLong => Value::UnsignedLong(v.parse().ok()?),
        Type::Boolean => Value::Boolean(v.eq_ignore_ascii_case("true")),
        Type::Datetime => Value::Datetime(datetime::parse_iso(v)?),
        Type::Ip => Value::Ip(ip::parse(v)?),
        Type::Version => Value::Version(v.into()),
        _ => Value::str(v),
    })
}

/// A rule file: loaded and prepared for scheduling (with its mutants, for an ES|QL rule), or
/// rejected with diagnostics, never a panic.
pub fn rule_load(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let loaded = match rulegate::rule::load_str("fuzz.toml", text) {
        Ok(loaded) => loaded,
        Err(diagnostics) => {
            rulegate::diagnostic::render_all(&diagnostics, false);
            return;
        }
    };
    rulegate::diagnostic::render_all(&loaded.warnings, false);
    match rulegate::runner::PreparedRule::from_loaded(Path::new("fuzz.toml"), loaded) {
        Ok(rule) => {
            if let Ok(query) = rule.esql("fuzzing") {
                let interval = rule.scheduled.schedule.interval;
                for mutant in rulegate::review::mutate::mutants(query, &rule.text, interval) {
                    let _ = rulegate::esql::print(&mutant.query);
                }
            }
        }
        Err(error) => {
            error.render(false);
        }
    }
}

/// Most events generated from one fuzzed scenario.
const MAX_EVENTS: usize = 2_000;
/// Most step repetitions in one fuzzed scenario (each is set up before the first event).
const MAX_REPEATS: u64 = 1_000;

/// A scenario file: loaded, then its first [`MAX_EVENTS`] events generated and written by both
/// writers, which must agree; or rejected with diagnostics.
pub fn scenario_generate(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let personas = rulegate::scenario::builtin_personas();
    let Ok(scenario) = rulegate::scenario::load_str(Path::new("fuzz.toml"), text, &personas) else {
        return;
    };
    let repeats: u64 = scenario
        .steps
        .iter()
        .map(|s| s.repeat)
        .fold(0, u64::saturating_add);
    if repeats > MAX_REPEATS {
        return;
    }
    for generated in rulegate::scenario::events(&scenario, None).take(MAX_EVENTS) {
        let canonical = rulegate::scenario::canonical_line(&scenario, &generated);
        let fast = rulegate::scenario::fast_line(&scenario, &generated);
        let canonical: serde_json::Value =
            serde_json::from_slice(&canonical).expect("the canonical line is JSON");
        let fast: serde_json::Value = serde_json::from_slice(&fast)
            .unwrap_or_else(|e| panic!("the fast line is not JSON: {e}"));
        assert_eq!(
            fast, canonical,
            "the fast writer agrees with the canonical mapping"
        );
    }
}

/// Queries the NDJSON target runs (over mapped fields, so they stream); the input's first byte
/// picks one and the streaming shape, the rest is the NDJSON.
const NDJSON_QUERIES: &[&str] = &[
    "FROM logs-* | WHERE event.action == \"get\" | STATS n = COUNT(*), u = COUNT_DISTINCT(user.name) BY source.ip",
    "FROM logs-* | WHERE user.name LIKE \"*e*\" | KEEP @timestamp, user.name, source.ip | LIMIT 3",
    "FROM logs-* METADATA _id, _index | KEEP _id, _index, event.action",
    "FROM logs-* | MV_EXPAND source.ip | STATS n = COUNT(*) BY source.ip | SORT n DESC, source.ip | LIMIT 5",
    "FROM logs-* | SORT @timestamp DESC, user.name | KEEP @timestamp, user.name | LIMIT 4",
    "FROM logs-* | EVAL t = to_string(@timestamp), n = LENGTH(user.name) | KEEP t, n",
    "FROM logs-* | WHERE kubernetes.audit.objectRef.resource == \"secrets\" | STATS first = MIN(@timestamp), last = MAX(@timestamp) BY user.name",
    "FROM logs-* | STATS c = COUNT(user_agent.original) BY event.outcome",
];

/// NDJSON documents streamed (through a reader and cut in memory) give what loading them all
/// first gives: the same rows and warnings, or the same error on the same line.
pub fn ndjson_stream(data: &[u8]) {
    let Some((&pick, input)) = data.split_first() else {
        return;
    };
    let text = NDJSON_QUERIES[pick as usize % NDJSON_QUERIES.len()];
    let query = rulegate::esql::parse(text).expect("the target's queries parse");
    let selection = rulegate::eval::fields_for(&query, &[]);
    let options = LoadOptions {
        skip_invalid: pick & 0x80 != 0,
        max_line_bytes: 1 << 12,
        ..LoadOptions::default()
    };
    let expected = match Documents::from_ndjson(input, &selection, options.clone()) {
        Err(e) => Err(format!("input: {e:?}")),
        Ok(docs) => match Plan::compile(&query, text, &docs.columns) {
            Err(d) => Err(format!("query: {}", d.message)),
            Ok(plan) => Ok((plan.run(&docs, Window::All, NOW), docs.len(), docs.skipped)),
        },
    };
    let shape = Streaming {
        threads: 1 + usize::from(pick & 0x40 != 0),
        batch_bytes: if pick & 0x20 != 0 { 64 } else { 1 << 16 },
        // Compared with loading everything, which validates every line.
        read_all: true,
    };
    let outcome = |result: Result<rulegate::eval::stream::Streamed, StreamError>| match result {
        Err(StreamError::Input(e)) => Err(format!("input: {e:?}")),
        Err(StreamError::Query(d)) => Err(format!("query: {}", d.message)),
        Ok(s) => Ok((s.table, s.documents, s.skipped)),
    };
    let read = outcome(run_query(
        &query, text, &selection, input, &options, shape, NOW,
    ));
    assert_eq!(
        read, expected,
        "streamed through a reader = loaded, {shape:?}"
    );
    let cut = outcome(run_query_text(
        &query,
        text,
        &selection,
        input,
        &|_| {},
        &options,
        shape,
        NOW,
    ));
    assert_eq!(cut, expected, "streamed from memory = loaded, {shape:?}");
}

/// Audit log text (JSON lines, `EventList`s, pretty-printed documents): every event imported and
/// mapped to its ECS document, or a diagnostic naming the line; never a panic.
pub fn audit_import(data: &[u8]) {
    for skip_invalid in [false, true] {
        let mut warnings = Vec::new();
        let mut events = 0u64;
        let mut sink = |event: rulegate::audit::import::Imported| {
            let options = rulegate::audit::EcsOptions {
                timestamp: rulegate::audit::TimestampFrom::Stage,
                ingest_lag: 0,
                original: event.original.as_deref(),
                tags: Vec::new(),
            };
            let doc = rulegate::audit::raw_to_ecs(&event.raw, &options);
            serde_json::to_vec(&doc).expect("an ECS document serialises");
            events += 1;
            Ok(())
        };
        let result = rulegate::audit::import::read_events(
            "fuzz",
            data,
            skip_invalid,
            &mut warnings,
            &mut sink,
        );
        if let Ok(summary) = result {
            assert_eq!(
                summary.events, events,
                "every counted event reached the sink"
            );
        }
    }
}

/// Kubernetes audit documents the KQL and EQL targets evaluate their queries over: keyword,
/// text, number, date, IP and multivalued fields, one document without a user.
fn audit_documents() -> Vec<serde_json::Value> {
    let doc = |t: &str, user: Option<&str>, verb: &str, code: i64, groups: &[&str]| {
        let mut d = serde_json::json!({
            "@timestamp": t,
            "event": {"category": "process", "action": verb, "dataset": "kubernetes.audit_logs"},
            "source": {"ip": "10.0.0.7", "port": 443},
            "kubernetes": {"audit": {
                "verb": verb,
                "responseStatus": {"code": code},
                "objectRef": {"resource": "pods", "namespace": "kube-system"},
                "user": {"groups": groups},
                "requestURI": "/api/v1/namespaces/kube-system/pods?watch=true"
            }},
            "message": "The quick brown fox"
        });
        if let Some(user) = user {
            d["user"] = serde_json::json!({"name": user});
        }
        d
    };
    vec![
        doc(
            "2025-05-31T23:00:00Z",
            Some("alice"),
            "create",
            201,
            &["system:masters", "dev"],
        ),
        doc("2025-05-31T23:00:01Z", Some("bob"), "delete", 403, &[]),
        doc(
            "2025-05-31T23:00:01Z",
            None,
            "get",
            200,
            &["system:authenticated"],
        ),
        doc(
            "2025-05-31T23:59:59.999Z",
            Some("alice"),
            "exec",
            101,
            &["dev"],
        ),
    ]
}

/// The audit documents loaded once over the built-in mapping (KQL reads the whole mapping).
fn audit_set() -> &'static rulegate::runner::DocumentSet {
    static SET: OnceLock<rulegate::runner::DocumentSet> = OnceLock::new();
    SET.get_or_init(|| {
        rulegate::runner::DocumentSet::from_values(&audit_documents()).expect("documents load")
    })
}

/// Labels of a diagnostic lie inside the text it was made from; the diagnostic renders.
fn labels_inside(error: &rulegate::diagnostic::Diagnostic, text: &str) {
    error.render(false);
    for label in &error.labels {
        assert!(
            label.span.start <= label.span.end && label.span.end as usize <= text.len(),
            "label span {:?} outside the input of {} bytes",
            label.span,
            text.len()
        );
    }
}

/// KQL text: a tree that prints to text parsing back to the same tree (printing idempotent),
/// compiled and evaluated over the audit documents (or refused with a diagnostic); or a
/// diagnostic whose labels lie inside the input.
pub fn kql_round_trip(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let query = match rulegate::kql::parse(text) {
        Ok(query) => query,
        Err(error) => return labels_inside(&error, text),
    };
    let printed = rulegate::kql::print(&query);
    let reparsed = rulegate::kql::parse(&printed)
        .unwrap_or_else(|e| panic!("printed text does not parse:\n{printed}\n{e:?}"));
    assert_eq!(
        reparsed, query,
        "print → parse changed the tree:\n{printed}"
    );
    assert_eq!(
        rulegate::kql::print(&reparsed),
        printed,
        "printing is idempotent"
    );
    let set = audit_set();
    let schema = rulegate::kql::eval::Schema {
        columns: &set.documents.columns,
        now: NOW,
    };
    match rulegate::kql::eval::Compiled::compile(&query, &schema) {
        Ok(compiled) => {
            for row in 0..set.documents.len() {
                let _ = compiled.matches(set.documents.row(row));
            }
        }
        Err(error) => {
            error.render(false);
        }
    }
}

/// EQL text: a tree that prints to text parsing back to the same tree (printing idempotent),
/// compiled and run over the audit documents (events, sequences or samples, or a diagnostic);
/// or a diagnostic whose labels lie inside the input.
pub fn eql_round_trip(data: &[u8]) {
    use rulegate::document::store::FieldSelection;
    use rulegate::eql::engine::{fields_to_load, Engine, Settings};
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let query = match rulegate::eql::parse(text) {
        Ok(query) => query,
        Err(error) => return labels_inside(&error, text),
    };
    let printed = rulegate::eql::print(&query);
    let reparsed = rulegate::eql::parse(&printed)
        .unwrap_or_else(|e| panic!("printed text does not parse:\n{printed}\n{e:?}"));
    assert_eq!(
        reparsed, query,
        "print → parse changed the tree:\n{printed}"
    );
    assert_eq!(
        rulegate::eql::print(&reparsed),
        printed,
        "printing is idempotent"
    );
    let settings = Settings {
        size: 100,
        ..Settings::default()
    };
    let selection = FieldSelection::names(fields_to_load(&query, &settings));
    let docs = Documents::from_values(&audit_documents(), &selection, LoadOptions::default())
        .expect("the audit documents load");
    match Engine::compile(&query, settings, &docs.columns) {
        Ok(engine) => {
            let all: Vec<usize> = (0..docs.len()).collect();
            if let Err(error) = engine.run(&docs, &all) {
                error.render(false);
            }
        }
        Err(error) => {
            error.render(false);
        }
    }
}

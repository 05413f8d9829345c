//! The pre-filter (documents a query's first `WHERE` rejects, dropped on their scanned leaves
//! before a row is built) changes nothing: streamed results, warnings, errors, documents read
//! and matched equal loading every document first, at every thread count and batch size,
//! over documents that warn, multivalued and missing fields, conversion errors and several
//! data streams.

use rulegate::document::{Documents, InputError, LoadOptions};
use rulegate::eval::stream::{StreamError, Streamed, Streaming};
use rulegate::eval::{self, Plan, Window};

const NOW: i64 = 1_778_839_200_000;

/// Documents cycling through the cases: the tested fields equal, different, missing, null,
/// an empty array, multivalued, a number where a keyword is mapped; `source.ip` single,
/// multivalued or missing; three data streams (one outside `logs-*`).
fn corpus(documents: usize) -> String {
    let actions = [
        "\"get\"",
        "\"list\"",
        "null",
        "[]",
        "[\"get\", \"list\"]",
        "[\"list\", \"watch\"]",
        "5",
        "\"get\"",
    ];
    let ips = [
        "\"10.0.0.1\"",
        "[\"10.0.0.1\", \"10.0.0.2\"]",
        "\"10.0.0.2\"",
        "null",
    ];
    let streams = [
        ("logs", "kubernetes.audit_logs", "default"),
        ("logs", "other", "default"),
        ("metrics", "kubernetes.audit_logs", "x"),
    ];
    let mut text = String::new();
    for i in 0..documents {
        let action = actions[i % actions.len()];
        let ip = ips[(i / 3) % ips.len()];
        let (t, d, n) = streams[(i / 5) % streams.len()];
        let resource = if i % 4 == 0 { "secrets" } else { "pods" };
        let user = match i % 9 {
            0 => "null".to_string(),
            1 => "[\"u1\", \"u2\"]".to_string(),
            k => format!("\"user{k}\""),
        };
        let stream = if i % 23 == 0 {
            String::new()
        } else {
            format!(
                ",\"data_stream\":{{\"type\":\"{t}\",\"dataset\":\"{d}\",\"namespace\":\"{n}\"}}"
            )
        };
        text.push_str(&format!(
            "{{\"@timestamp\":\"2026-05-15T09:{:02}:{:02}Z\",\"event\":{{\"action\":{action},\"dataset\":\"kubernetes.audit_logs\",\"original\":\"{{\\\"x\\\":{i}}}\"}},\"source\":{{\"ip\":{ip}}},\"user\":{{\"name\":{user}}},\"kubernetes\":{{\"audit\":{{\"objectRef\":{{\"resource\":\"{resource}\",\"name\":\"obj-{}\"}}}}}},\"n\":{}{stream}}}\n",
            (i / 60) % 60,
            i % 60,
            i % 17,
            i % 7,
        ));
    }
    text
}

/// Conditions the pre-filter tests (equalities, `IS NOT NULL`), next to conjuncts that warn
/// on multivalues (comparisons, `IN`, `LIKE`, a conversion), ahead of and after them;
/// metadata; a `LIMIT` right after the filter; and conditions it must leave alone
/// (arithmetic, a function call).
const QUERIES: &[&str] = &[
    "FROM logs-* | WHERE event.action == \"get\" AND source.ip IS NOT NULL | STATS c = COUNT(*) BY user.name | SORT user.name",
    // A conjunct that warns (a multivalued `source.ip` in a comparison) before the rejecting one.
    "FROM logs-* | WHERE source.ip == to_ip(\"10.0.0.1\") AND event.action == \"get\" | STATS c = COUNT(*) BY user.name | SORT user.name",
    // ... and after it.
    "FROM logs-* | WHERE event.action == \"get\" AND not to_string(source.ip) in (\"10.0.0.2\", \"::1\") AND user.name LIKE \"user*\" | KEEP @timestamp, user.name, source.ip | SORT @timestamp",
    "FROM logs-* | WHERE kubernetes.audit.objectRef.resource == \"secrets\" AND user.name IS NOT NULL AND event.action == \"get\" | KEEP @timestamp, user.name | LIMIT 5",
    "FROM logs-* METADATA _index | WHERE _index == \"logs-other-default\" AND event.action == \"get\" | STATS c = COUNT(*) BY _index",
    "FROM * | WHERE \"get\" == event.action | STATS c = COUNT(*), ips = VALUES(source.ip) BY kubernetes.audit.objectRef.name | SORT kubernetes.audit.objectRef.name",
    "FROM logs-* | WHERE event.action == \"get\" AND n + 1 > 3 | STATS c = COUNT(*)",
    "FROM logs-* | WHERE event.action == \"get\" AND LENGTH(user.name) > 5 | STATS c = COUNT(*)",
    "FROM logs-* | WHERE event.action == \"nothing\" | STATS c = COUNT(*)",
];

fn loaded_all(
    query: &str,
    input: &str,
    options: &LoadOptions,
) -> Result<(eval::Table, usize), InputError> {
    let parsed = rulegate::esql::parse(query).unwrap();
    let selection = eval::fields_for(&parsed, &[]);
    let docs = Documents::from_ndjson(input.as_bytes(), &selection, options.clone())?;
    let plan = Plan::compile(&parsed, query, &docs.columns).unwrap();
    Ok((plan.run(&docs, Window::All, NOW), docs.len()))
}

/// Both feeds (a reader, text in memory), which must agree.
fn streamed(
    query: &str,
    input: &str,
    options: &LoadOptions,
    shape: Streaming,
) -> Result<Streamed, StreamError> {
    let parsed = rulegate::esql::parse(query).unwrap();
    crate::streaming::both_feeds(&parsed, query, input.as_bytes(), options, shape)
}

fn shapes() -> impl Iterator<Item = Streaming> {
    [1, 2, 4].into_iter().flat_map(|threads| {
        [64, 700, 16 << 10, 1 << 20]
            .into_iter()
            .flat_map(move |batch_bytes| {
                [false, true].map(|read_all| Streaming {
                    threads,
                    batch_bytes,
                    read_all,
                })
            })
    })
}

/// Documents of `logs-*` (or of no data stream), which every query's `FROM` reads.
fn matched_by_logs(input: &str, shape: Streaming) -> usize {
    let all = "FROM logs-* | STATS c = COUNT(*)";
    streamed(all, input, &LoadOptions::default(), shape)
        .unwrap()
        .matched
}

#[test]
fn dropping_rejected_documents_changes_no_result_count_or_warning() {
    let input = corpus(1000);
    let options = LoadOptions::default();
    let mut warned = 0;
    let logs: Vec<(Streaming, usize)> = shapes().map(|s| (s, matched_by_logs(&input, s))).collect();
    assert!(logs.iter().all(|&(_, n)| n > 300 && n < 1000), "{logs:?}");
    for query in QUERIES {
        let (expected, documents) = loaded_all(query, &input, &options).unwrap();
        assert_eq!(documents, 1000);
        warned += usize::from(!expected.warnings.is_empty());
        let json = serde_json::to_string(&expected.to_json()).unwrap();
        for &(shape, logs) in &logs {
            let run = streamed(query, &input, &options, shape).unwrap();
            assert_eq!(
                serde_json::to_string(&run.table.to_json()).unwrap(),
                json,
                "{query} with {shape:?}"
            );
            assert_eq!(run.table, expected, "{query} with {shape:?}");
            let limited = query.contains("LIMIT") && !shape.read_all;
            if !limited {
                assert_eq!(run.documents, documents, "{query} with {shape:?}");
                if query.starts_with("FROM logs-*") {
                    assert_eq!(run.matched, logs, "{query} with {shape:?}");
                } else {
                    assert_eq!(run.matched, documents, "{query} with {shape:?}");
                }
            }
        }
    }
    assert!(
        warned >= 3,
        "multivalued fields must warn in several queries: {warned}"
    );
}

/// A document the filter rejects still fails to load when a field does not convert: the
/// error (or the skipped line) is the same as loading every document first.
#[test]
fn a_rejected_document_that_does_not_load_is_still_reported() {
    let mut input = corpus(300);
    // Line 301: rejected (`list`), with an address that is not one.
    input.push_str("{\"event\":{\"action\":\"list\"},\"source\":{\"ip\":\"not-an-ip\"},\"user\":{\"name\":\"u\"}}\n");
    input.push_str(&corpus(50));
    let query = QUERIES[0];
    let strict = LoadOptions::default();
    let expected = loaded_all(query, &input, &strict).unwrap_err();
    assert_eq!(expected.line, 301);
    let skipping = LoadOptions {
        skip_invalid: true,
        ..LoadOptions::default()
    };
    let (table, documents) = loaded_all(query, &input, &skipping).unwrap();
    assert_eq!(documents, 350);
    for shape in shapes() {
        match streamed(query, &input, &strict, shape) {
            Err(StreamError::Input(e)) => assert_eq!(e, expected, "{shape:?}"),
            other => panic!("expected the error of line 301 with {shape:?}, got {other:?}"),
        }
        let run = streamed(query, &input, &skipping, shape).unwrap();
        assert_eq!(run.table, table, "{shape:?}");
        assert_eq!(run.documents, documents, "{shape:?}");
        assert_eq!(run.skipped.len(), 1, "{shape:?}");
        assert_eq!(run.skipped[0].line, 301, "{shape:?}");
    }
}

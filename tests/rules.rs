//! Rule loading through `rule::load_str`: schedules with defaults, validation, warnings, and
//! query spans that land on the right bytes of the TOML file for every string form.

use rulegate::rule::{load_str, QueryStatus};
use rulegate::span::LineIndex;

const HEAD: &str = r#"[metadata]
creation_date = "2026/01/01"
updated_date = "2026/01/01"

[rule]
author = ["tests"]
description = "test"
name = "Test rule"
risk_score = 21
rule_id = "00000000-0000-4000-8000-000000000002"
severity = "low"
"#;

fn esql(extra: &str) -> String {
    format!("{HEAD}type = \"esql\"\nlanguage = \"esql\"\n{extra}")
}

#[test]
fn schedule_defaults_follow_kibana() {
    let loaded = load_str("t.toml", &esql("query = 'from x | limit 1'\n")).unwrap();
    let schedule = loaded.rule.schedule();
    assert_eq!(schedule.interval, "5m");
    assert_eq!(schedule.interval_ms, 300_000);
    assert_eq!(schedule.from.text, "now-6m");
    assert_eq!(schedule.lookback_ms(), Some(360_000));
    assert_eq!(schedule.max_signals, 100);
    assert_eq!(schedule.timestamp_override, None);
}

#[test]
fn schedule_values_are_read() {
    let text = esql(
        "query = 'from x | limit 1'\ninterval = \"1h\"\nfrom = \"now-90m\"\nmax_signals = 5\ntimestamp_override = \"event.ingested\"\n",
    );
    let schedule = load_str("t.toml", &text).unwrap().rule.schedule();
    assert_eq!(schedule.interval_ms, 3_600_000);
    assert_eq!(schedule.lookback_ms(), Some(5_400_000));
    assert_eq!(schedule.max_signals, 5);
    assert_eq!(
        schedule.timestamp_override.as_deref(),
        Some("event.ingested")
    );
}

#[test]
fn validation_reports_every_bad_value_with_its_position() {
    let text = esql("query = 'from x'\nfrom = \"now-6\"\ninterval = \"5x\"\nmax_signals = 0\n")
        .replace("severity = \"low\"", "severity = \"none\"");
    let errors = load_str("t.toml", &text).unwrap_err();
    let codes: Vec<&str> = errors.iter().map(|e| e.code).collect();
    assert_eq!(codes, ["E103"; 4], "{errors:?}");
    let locations: Vec<String> = errors.iter().filter_map(|e| e.location()).collect();
    assert!(
        locations.iter().all(|l| l.starts_with("t.toml:")),
        "{locations:?}"
    );
}

#[test]
fn unknown_keys_are_warnings_at_their_key() {
    let text = esql("query = 'from x'\nqeury_typo = 1\n[rule.threat_extra]\n");
    let loaded = load_str("t.toml", &text).unwrap();
    let unknown: Vec<_> = loaded
        .warnings
        .iter()
        .filter(|w| w.code == "W101")
        .collect();
    let messages: Vec<String> = unknown.iter().map(|w| w.message.clone()).collect();
    assert_eq!(
        messages,
        [
            "unknown key `qeury_typo` in [rule]",
            "unknown key `threat_extra` in [rule]"
        ]
    );
    let line = text
        .lines()
        .position(|l| l.starts_with("qeury_typo"))
        .unwrap()
        + 1;
    assert_eq!(
        loaded.warnings[0].location().unwrap(),
        format!("t.toml:{line}:1")
    );
}

#[test]
fn other_languages_load_and_are_not_evaluated() {
    let text = format!("{HEAD}type = \"query\"\nlanguage = \"lucene\"\nquery = 'process.name:x'\nindex = [\"logs-*\"]\n");
    let loaded = load_str("t.toml", &text).unwrap();
    assert!(matches!(&loaded.query, QueryStatus::NotEsql { language } if language == "lucene"));
    // EQL rules are parsed (see `eql_syntax`).
    let text = format!("{HEAD}type = \"eql\"\nlanguage = \"eql\"\nquery = 'process where true'\nindex = [\"logs-*\"]\n");
    let loaded = load_str("t.toml", &text).unwrap();
    assert!(matches!(&loaded.query, QueryStatus::Eql { .. }));
}

/// The file line:column of the first error label of an invalid query.
fn error_position(query_toml: &str) -> (String, String) {
    let text = esql(query_toml);
    let loaded = load_str("t.toml", &text).unwrap();
    let QueryStatus::Invalid(errors) = &loaded.query else {
        panic!("expected an invalid query")
    };
    let span = errors[0].labels[0].span;
    let index = LineIndex::new(&text);
    let at = index.line_col(&text, span.start as usize);
    (
        format!("{}:{}", at.line, at.column),
        span.slice(&text).to_string(),
    )
}

#[test]
fn query_spans_map_into_the_file_for_every_string_form() {
    let line = HEAD.lines().count() + 3;
    // '''…''' drops the newline after the opening quotes.
    assert_eq!(
        error_position("query = '''\nfrom x\n| whre a\n'''\n"),
        (format!("{}:3", line + 2), "whre".into())
    );
    // """…""" with an escape before the error.
    assert_eq!(
        error_position("query = \"\"\"\nfrom x | where a == \\\"q\\\" | whre\n\"\"\"\n"),
        (format!("{}:29", line + 1), "whre".into())
    );
    assert_eq!(
        error_position("query = 'from x | whre'\n"),
        (format!("{line}:19"), "whre".into())
    );
    // "…" with escapes: the table maps around them.
    assert_eq!(
        error_position("query = \"from x | where a == \\\"\\u0041\\\" | whre\"\n"),
        (format!("{line}:43"), "whre".into())
    );
}

#[test]
fn parsed_queries_know_their_offset_in_the_file() {
    let text = esql("query = '''\nfrom x | where a == 1\n'''\n");
    let loaded = load_str("t.toml", &text).unwrap();
    let QueryStatus::Parsed { query, offset, .. } = &loaded.query else {
        panic!("parsed")
    };
    let where_span = query.commands[0].span.shifted(*offset);
    assert_eq!(where_span.slice(&text), "where a == 1");
}

#[test]
fn crlf_files_map_query_spans_too() {
    let text = esql("query = '''\nfrom x\n| whre a\n'''\n").replace('\n', "\r\n");
    let loaded = load_str("t.toml", &text).unwrap();
    let QueryStatus::Invalid(errors) = &loaded.query else {
        panic!("expected an invalid query")
    };
    assert_eq!(errors[0].labels[0].span.slice(&text), "whre");
}

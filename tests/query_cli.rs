//! `rulegate query`: output formats, gzip and stdin input, and bad input (each a clear message
//! and exit 2, or exit 0 with a count under `--skip-invalid`).

use std::io::Write;

use crate::support::{self, snapshot};

const QUERY: &str = "FROM logs-* | STATS c = COUNT(*), s = SUM(n) BY k | SORT k";

fn temp_file(name: &str, bytes: &[u8]) -> crate::support::ScratchFile {
    crate::support::scratch_file("query-cli", name, bytes)
}

fn query(args: &[&str], input: &std::path::Path) -> (i32, String, String) {
    let out = support::rulegate()
        .arg("query")
        .args(args)
        .arg("--input")
        .arg(input)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).replace(&*input.display().to_string(), "INPUT"),
    )
}

const GOOD: &str = "{\"k\":\"a\",\"n\":1}\n{\"k\":\"b\",\"n\":2}\n{\"k\":\"a\",\"n\":3}\n";

#[test]
fn formats() {
    let input = temp_file("good.ndjson", GOOD.as_bytes());
    let (code, json, _) = query(&["--esql", QUERY, "--format", "json"], &input);
    assert_eq!(code, 0);
    assert_eq!(
        json,
        "{\"columns\":[{\"name\":\"c\",\"type\":\"long\"},{\"name\":\"s\",\"type\":\"long\"},{\"name\":\"k\",\"type\":\"keyword\"}],\"values\":[[2,4,\"a\"],[1,2,\"b\"]]}\n"
    );
    let (_, csv, _) = query(&["--esql", QUERY, "--format", "csv"], &input);
    assert_eq!(csv, "c,s,k\n2,4,a\n1,2,b\n");
    let (_, table, _) = query(&["--esql", QUERY, "--format", "table"], &input);
    snapshot!("query", "format_table", table);
}

#[test]
fn gzip_and_stdin() {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(GOOD.as_bytes()).unwrap();
    let input = temp_file("good.ndjson.gz", &gz.finish().unwrap());
    let (code, out, _) = query(&["--esql", QUERY, "--format", "csv"], &input);
    assert_eq!((code, out.as_str()), (0, "c,s,k\n2,4,a\n1,2,b\n"));

    let out = support::with_stdin(
        support::rulegate().args(["query", "--esql", QUERY, "--format", "csv", "--input", "-"]),
        GOOD.as_bytes(),
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "c,s,k\n2,4,a\n1,2,b\n"
    );
}

/// Each bad input: exit 2 with the message snapshotted; then exit 0 and a count when skipped.
#[test]
fn bad_input() {
    let deep = format!("{}1{}", "{\"a\":".repeat(200), "}".repeat(200));
    let cases: Vec<(&str, Vec<u8>)> = vec![
        (
            "malformed_line",
            format!("{GOOD}{{\"k\": \"c\",\n").into_bytes(),
        ),
        (
            "non_utf8",
            [GOOD.as_bytes(), b"{\"k\":\"\xff\xfe\"}\n"].concat(),
        ),
        ("deep_nesting", format!("{GOOD}{deep}\n").into_bytes()),
        (
            "wrong_type_for_mapping",
            format!("{GOOD}{{\"k\":\"c\",\"source\":{{\"ip\":\"not-an-ip\"}}}}\n").into_bytes(),
        ),
        ("not_an_object", format!("{GOOD}[1,2]\n").into_bytes()),
    ];
    let query_ip = "FROM logs-* | STATS c = COUNT(*), s = SUM(n) BY k, source.ip | SORT k";
    for (name, bytes) in cases {
        let input = temp_file(&format!("{name}.ndjson"), &bytes);
        let (code, out, err) = query(&["--esql", query_ip, "--format", "csv"], &input);
        assert_eq!(code, 2, "{name}: {err}");
        assert!(out.is_empty(), "{name}: nothing on stdout");
        snapshot!("query", format!("bad_input__{name}"), err);
        let (code, out, err) = query(
            &["--esql", query_ip, "--format", "csv", "--skip-invalid"],
            &input,
        );
        assert_eq!(code, 0, "{name} skipped: {err}");
        assert_eq!(
            out, "c,s,k,source.ip\n2,4,a,\n1,2,b,\n",
            "{name}: the good documents count"
        );
        assert!(
            err.contains("skipped 1 invalid document(s)"),
            "{name}: {err}"
        );
    }
}

#[test]
fn empty_file_and_huge_line() {
    let empty = temp_file("empty.ndjson", b"");
    let (code, _, err) = query(&["--esql", QUERY], &empty);
    assert_eq!(code, 2);
    snapshot!("query", "bad_input__empty_file", err);

    // A 100 MB line is refused without being held in memory as one document.
    let mut huge = Vec::with_capacity(100 << 20);
    huge.extend_from_slice(GOOD.as_bytes());
    huge.extend_from_slice(b"{\"k\":\"");
    huge.resize(huge.len() + (100 << 20), b'x');
    huge.extend_from_slice(b"\"}\n");
    let input = temp_file("huge.ndjson", &huge);
    drop(huge);
    let (code, _, err) = query(&["--esql", QUERY, "--format", "csv"], &input);
    assert_eq!(code, 2);
    snapshot!("query", "bad_input__huge_line", err);
    let (code, out, _) = query(
        &["--esql", QUERY, "--format", "csv", "--skip-invalid"],
        &input,
    );
    assert_eq!((code, out.as_str()), (0, "c,s,k\n2,4,a\n1,2,b\n"));
    std::fs::remove_file(&input).ok();
}

#[test]
fn full_text_functions_without_an_offline_model_are_refused() {
    let input = temp_file("score.ndjson", GOOD.as_bytes());
    let (code, _, err) = query(
        &["--esql", "FROM logs-* | WHERE SCORE(MATCH(k, \"a\")) > 0"],
        &input,
    );
    assert_eq!(code, 2);
    assert!(err.contains("not supported offline"), "{err}");
    assert!(err.contains("<query>:1:21"), "names the position: {err}");
}

#[test]
fn kql_and_match_run_offline() {
    let input = temp_file("kql.ndjson", GOOD.as_bytes());
    for q in [
        "FROM logs-* | WHERE KQL(\"k:a\") | KEEP n",
        "FROM logs-* | WHERE k : \"a\" | KEEP n",
        "FROM logs-* | WHERE QSTR(\"k:a\") | KEEP n",
    ] {
        let (code, out, err) = query(&["--esql", q, "--format", "json"], &input);
        assert_eq!(code, 0, "{q}: {err}");
        assert_eq!(
            out, "{\"columns\":[{\"name\":\"n\",\"type\":\"long\"}],\"values\":[[1],[3]]}\n",
            "{q}"
        );
    }
}

#[test]
fn mapping_file_and_index_name() {
    let input = temp_file("mapped.ndjson", GOOD.as_bytes());
    let mapping = temp_file(
        "mapping.json",
        br#"{"mappings":{"properties":{"k":{"type":"keyword"},"n":{"type":"keyword"}}}}"#,
    );
    let mapping = mapping.display().to_string();
    let (code, out, err) = query(
        &[
            "--esql",
            "FROM logs-* | KEEP n | LIMIT 1",
            "--format",
            "json",
            "--mapping",
            &mapping,
        ],
        &input,
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "{\"columns\":[{\"name\":\"n\",\"type\":\"keyword\"}],\"values\":[[\"1\"]]}\n"
    );

    let q = "FROM other-* METADATA _index, _version | STATS c = COUNT(*) BY _index, _version";
    let (_, out, _) = query(
        &["--esql", q, "--format", "csv", "--index", "other-x"],
        &input,
    );
    assert_eq!(out, "c,_index,_version\n3,other-x,1\n");
    // No document is in an index `other-*` matches: Elasticsearch's `Unknown index`, not zero
    // rows (issue #12 item 3; it was an empty result before integration mappings).
    let (code, out, err) = query(
        &["--esql", q, "--format", "csv", "--index", "logs-x"],
        &input,
    );
    assert_eq!((code, out.as_str()), (2, ""));
    assert!(err.contains("Unknown index [other-*]"), "{err}");
}

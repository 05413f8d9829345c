//! `CATEGORIZE` in `STATS … BY`: categories with the bundled dictionary, one group per value,
//! null keys, the emitted order, options, Elasticsearch's verifier errors, and the cap on
//! categories. `categorize.csv-spec` (the `esql_spec` module) checks Elasticsearch's own cases.

use rstest::rstest;
use rulegate::document::{Documents, LoadOptions};
use rulegate::eval::{Plan, Table, Window};

use crate::support;

fn run(query: &str) -> Table {
    let parsed = rulegate::esql::parse(query).expect("query parses");
    let plan = Plan::compile(&parsed, query, &[]).expect("query compiles");
    plan.run(&Documents::default(), Window::All, 0)
}

/// The rows of `query` over NDJSON `docs`, each as its cells' display joined by ` | `.
fn rows_over(query: &str, docs: &str) -> Vec<String> {
    let parsed = rulegate::esql::parse(query).expect("query parses");
    let selection = rulegate::eval::fields_for(&parsed, &[]);
    let options = LoadOptions {
        default_index: Some("logs-test-default".into()),
        ..Default::default()
    };
    let store = Documents::from_ndjson(docs.as_bytes(), &selection, options).unwrap();
    let plan = Plan::compile(&parsed, query, &store.columns).expect("query compiles");
    let table = plan.run(&store, Window::All, 0);
    assert!(table.failure.is_none(), "{:?}", table.failure);
    lines(&table)
}

fn lines(table: &Table) -> Vec<String> {
    support::table_rows(table)
}

fn compile_error(query: &str) -> (String, String) {
    let parsed = rulegate::esql::parse(query).expect("query parses");
    let d = Plan::compile(&parsed, query, &[]).unwrap_err();
    (d.code.to_string(), d.message)
}

/// A null value and a value without tokens (no line with a letter, only date words) have the
/// null key; the key column is a `keyword`.
#[test]
fn values_without_tokens_have_the_null_key() {
    let t = run(
        "ROW m = [\"Disconnected\", \"12 345\", \"Connected to a\", \"Connected to b\", \"Mon UTC\", \"\"] \
         | STATS c = COUNT() BY k = CATEGORIZE(m) | SORT k",
    );
    assert_eq!(
        lines(&t),
        [
            "2 | .*?Connected.+?to.*?",
            "1 | .*?Disconnected.*?",
            "3 | null"
        ]
    );
    assert_eq!(t.columns[1].name, "k");
    assert_eq!(t.columns[1].ty.name(), "keyword");
    let t = run("ROW m = null | STATS c = COUNT() BY k = CATEGORIZE(m)");
    assert_eq!(lines(&t), ["1 | null"]);
}

/// One categorizer per `STATS`, over the rows in input order: a category's key keeps only the
/// tokens every string of it shares, in order.
#[test]
fn categories_keep_the_tokens_their_strings_share() {
    let docs = [
        "user alice logged in from host web-1",
        "user bob logged in from host web-2",
        "user carol logged in from host db-7",
        "disk quota exceeded on volume data",
        "disk quota exceeded on volume logs",
    ]
    .iter()
    .map(|m| format!("{{\"message\":\"{m}\"}}\n"))
    .collect::<String>();
    let rows = rows_over(
        "FROM logs-* | STATS c = COUNT() BY k = CATEGORIZE(message, {\"output_format\": \"tokens\"}) | SORT k",
        &docs,
    );
    assert_eq!(
        rows,
        [
            "2 | disk quota exceeded on volume",
            "3 | user logged in from host"
        ]
    );
}

/// With other keys, a multivalued field makes one combination per distinct category.
#[test]
fn with_other_keys_the_combinations_are_distinct() {
    let t = run(
        "ROW m = [\"connected to a\", \"connected to b\"], g = \"x\" \
         | STATS c = COUNT() BY k = CATEGORIZE(m), g",
    );
    assert_eq!(lines(&t), ["1 | .*?connected.+?to.*? | x"]);
    // Alone, each value counts (`row mv` in categorize.csv-spec).
    let t = run(
        "ROW m = [\"connected to a\", \"connected to b\"] | STATS c = COUNT() BY CATEGORIZE(m)",
    );
    assert_eq!(lines(&t), ["2 | .*?connected.+?to.*?"]);
}

#[test]
fn options_pick_the_analyzer_format_and_threshold() {
    let base = "ROW m = [\"Connected to 10.1.0.1\", \"Connected to 10.1.0.2\"] | STATS c = COUNT() BY k = ";
    let keys = |options: &str| lines(&run(&format!("{base}CATEGORIZE(m{options}) | SORT k")));
    assert_eq!(keys(""), ["2 | .*?Connected.+?to.*?"]);
    assert_eq!(
        keys(", {\"output_format\": \"TOKENS\"}"),
        ["2 | Connected to"]
    );
    assert_eq!(
        keys(", {\"analyzer\": \"whitespace\", \"similarity_threshold\": 100}"),
        [
            "1 | .*?Connected.+?to.+?10\\.1\\.0\\.1.*?",
            "1 | .*?Connected.+?to.+?10\\.1\\.0\\.2.*?"
        ]
    );
    assert_eq!(keys(", {\"analyzer\": \"stop\"}"), ["2 | .*?connected.*?"]);
}

/// Elasticsearch's verifier and option errors (`VerifierTests.testCategorize*`,
/// `Categorize.verifyOptions`).
#[rstest]
#[case(
    "FROM t | STATS COUNT(*) BY emp_no, CATEGORIZE(first_name)",
    "CATEGORIZE grouping function [CATEGORIZE(first_name)] can only be in the first grouping expression"
)]
#[case(
    "FROM t | STATS COUNT(*) BY CATEGORIZE(first_name), CATEGORIZE(last_name)",
    "CATEGORIZE grouping function [CATEGORIZE(last_name)] can only be in the first grouping expression"
)]
#[case(
    "FROM t | STATS COUNT(*) BY MV_COUNT(CATEGORIZE(first_name))",
    "CATEGORIZE grouping function [CATEGORIZE(first_name)] can't be used within other expressions"
)]
#[case(
    "FROM t | STATS COUNT(CATEGORIZE(first_name)) BY CATEGORIZE(first_name)",
    "cannot use CATEGORIZE grouping function [CATEGORIZE(first_name)] within an aggregation"
)]
#[case(
    "FROM t | STATS COUNT(cat) BY cat = CATEGORIZE(first_name)",
    "cannot reference CATEGORIZE grouping function [cat] within an aggregation"
)]
#[case(
    "FROM t | STATS COUNT(`CATEGORIZE(first_name)`) BY CATEGORIZE(first_name)",
    "cannot reference CATEGORIZE grouping function [`CATEGORIZE(first_name)`] within an aggregation"
)]
#[case(
    "FROM t | STATS MV_COUNT(CATEGORIZE(last_name)) BY CATEGORIZE(first_name)",
    "can only use grouping function [CATEGORIZE(last_name)] as part of the BY clause"
)]
#[case(
    "FROM t | STATS COUNT(*) WHERE category == \"Doe\" BY category = CATEGORIZE(last_name)",
    "cannot reference CATEGORIZE grouping function [category] within an aggregation filter"
)]
#[case(
    "FROM t | STATS COUNT(*) WHERE CATEGORIZE(last_name) == \"Doe\" BY CATEGORIZE(last_name)",
    "can only use grouping function [CATEGORIZE(last_name)] as part of the BY clause"
)]
#[case(
    "FROM t | EVAL c = CATEGORIZE(first_name)",
    "cannot use grouping function [CATEGORIZE(first_name)] outside of a STATS command"
)]
#[case(
    "FROM t | INLINE STATS COUNT(*) BY c = CATEGORIZE(first_name)",
    "CATEGORIZE [CATEGORIZE(first_name)] is not yet supported with INLINE STATS [INLINE STATS COUNT(*) BY c = CATEGORIZE(first_name)]"
)]
#[case(
    "ROW n = 1 | STATS COUNT(*) BY CATEGORIZE(n)",
    "argument of [CATEGORIZE(n)] must be [string], found value [n] type [integer]"
)]
#[case(
    "ROW m = \"a\" | STATS COUNT(*) BY CATEGORIZE(m, {\"similarity_threshold\": 0})",
    "invalid similarity threshold [0], expecting a number between 1 and 100, inclusive"
)]
#[case(
    "ROW m = \"a\" | STATS COUNT(*) BY CATEGORIZE(m, {\"output_format\": \"json\"})",
    "invalid output format [json], expecting one of [REGEX, TOKENS]"
)]
#[case(
    "ROW m = \"a\" | STATS COUNT(*) BY CATEGORIZE(m, {\"colour\": \"red\"})",
    "Invalid option [colour] in [CATEGORIZE(m, {\"colour\": \"red\"})], expected one of [analyzer, output_format, similarity_threshold]"
)]
#[case(
    "ROW m = \"a\" | STATS COUNT(*) BY CATEGORIZE(m, {\"similarity_threshold\": \"high\"})",
    "Invalid option [similarity_threshold] in [CATEGORIZE(m, {\"similarity_threshold\": \"high\"})], cannot cast [high] to [integer]"
)]
#[case(
    "ROW m = \"a\" | STATS COUNT(*) BY CATEGORIZE(m, {\"analyzer\": \"nope\"})",
    "Failed to find global analyzer [nope]"
)]
fn misuse_is_elasticsearchs_error(#[case] query: &str, #[case] message: &str) {
    let schema = "FROM t";
    let query = query.to_string();
    let (code, got) = if query.starts_with(schema) {
        // `t` has the string fields the cases read.
        let parsed = rulegate::esql::parse(&query).unwrap();
        let mapping = [
            ("first_name", rulegate::document::Type::Keyword),
            ("last_name", rulegate::document::Type::Keyword),
            ("emp_no", rulegate::document::Type::Integer),
        ];
        let columns: Vec<rulegate::document::Column> = mapping
            .iter()
            .map(|(n, ty)| rulegate::document::Column {
                name: n.to_string(),
                ty: *ty,
            })
            .collect();
        let d = Plan::compile(&parsed, &query, &columns).unwrap_err();
        (d.code.to_string(), d.message)
    } else {
        compile_error(&query)
    };
    assert_eq!((code.as_str(), got.as_str()), ("E302", message));
}

/// Categories count against `--max-groups` (`E015`), checked as each one is made.
#[test]
fn categories_past_the_cap_fail_the_query() {
    let dir = crate::support::scratch("categorize");
    let file = dir.join("docs.ndjson");
    let words = ["alpha", "bravo", "charlie", "delta"];
    let docs: String = words
        .iter()
        .map(|w| format!("{{\"message\":\"{w} {w}{w} {w}{w}{w}\"}}\n"))
        .collect();
    std::fs::write(&file, docs).unwrap();
    let query = "FROM logs-* | STATS c = COUNT(*) BY CATEGORIZE(message)";
    let run = |cap: &str| support::query_csv(Some(cap), query, &file);
    let out = run("3");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("E015"), "{stderr}");
    assert!(stderr.contains("more than 3 categories"), "{stderr}");
    assert!(
        stderr.contains("raise the limit with --max-groups"),
        "{stderr}"
    );
    let out = run("4");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8(out.stdout).unwrap().lines().count(), 5);
}

/// Whatever `--max-groups` says, at most 10,000 categories (`limits::MAX_CATEGORIES`): a log
/// of 10,001 unrelated messages fails (within the two minutes `query_csv` allows).
#[test]
fn categories_are_capped_at_ten_thousand() {
    let dir = crate::support::scratch("categories");
    let file = dir.join("docs.ndjson");
    // Eight words of six letters from a fixed sequence: no two messages share a token.
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut letter = || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1);
        char::from(b'a' + ((state >> 33) % 26) as u8)
    };
    let mut docs = String::new();
    for _ in 0..10_001 {
        let words: Vec<String> = (0..8).map(|_| (0..6).map(|_| letter()).collect()).collect();
        docs.push_str(&format!("{{\"message\":\"{}\"}}\n", words.join(" ")));
    }
    std::fs::write(&file, docs).unwrap();
    let out = support::query_csv(
        Some("100000000"),
        "FROM logs-* | STATS c = COUNT(*) BY CATEGORIZE(message)",
        &file,
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("more than 10000 categories"), "{stderr}");
    assert!(stderr.contains("whatever --max-groups says"), "{stderr}");
}

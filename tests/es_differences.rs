//! The known ES|QL differences of #16, closed as Elasticsearch behaves: comparison operand
//! types (`EsqlBinaryComparison.checkCompatibility`), `PropagateEquals` and
//! `CombineBinaryComparisons`, `FORK` with one branch, `LIMIT n BY`, and `PERCENTILE` outside
//! 0–100. Through the public API over NDJSON, and the binary for the exit code.

use crate::support::{esql_refusal as refusal, esql_table as run, table_rows as rows};

/// `x` is single-valued, multivalued or missing; `@timestamp` (a date) is on one document.
const DOCS: &str = r#"{"n":1,"x":2,"@timestamp":"2020-01-01T00:00:00Z"}
{"n":2,"x":[1,3]}
{"n":3,"x":0}
{"n":4}
{"n":5,"x":3}
"#;

fn warned(t: &rulegate::eval::Table) -> Vec<&str> {
    t.warnings.iter().map(String::as_str).collect()
}

/// The two warning lines a comparison on the multivalued `x` gives: `text`, the first one of
/// its kind in the one-line `query`, names where.
fn multivalue(query: &str, text: &str) -> [String; 2] {
    let column = query.find(text).expect("the text is in the query") + 1;
    [
        format!("Line 1:{column}: evaluation of [{text}] failed, treating result as null. Only first 20 failures recorded."),
        format!("Line 1:{column}: java.lang.IllegalArgumentException: single-value function encountered multi-value"),
    ]
}

/// Runs `query` over `DOCS`, checking its rows and that only `warns` warned.
fn check(query: &str, want: &[&str], warns: &str) {
    let t = run(query, DOCS);
    assert_eq!(rows(&t), want, "{query}");
    assert_eq!(warned(&t), multivalue(query, warns), "{query}");
}

#[test]
fn a_column_of_strings_is_not_compared_with_a_date_ip_version_or_boolean() {
    // `EsqlBinaryComparison.formatIncompatibleTypesMessage`; the verifier runs before any
    // row is read, so a keyword column is never parsed as a date row by row.
    let cases = [
        (
            r#"ROW s = "2020-01-01", d = TO_DATETIME("2020-01-01") | WHERE s < d"#,
            "first argument of [s < d] is [keyword] so second argument must also be [keyword] but was [datetime]",
        ),
        (
            r#"ROW s = "2020-01-01" | WHERE NOW() > s"#,
            "first argument of [NOW() > s] is [datetime] so second argument must also be [datetime] but was [keyword]",
        ),
        (
            r#"ROW s = "1.1.1.1", i = TO_IP("1.1.1.1") | WHERE i == s"#,
            "first argument of [i == s] is [ip] so second argument must also be [ip] but was [keyword]",
        ),
        (
            r#"ROW s = "1.2", v = TO_VERSION("1.2") | WHERE v == CONCAT(s, "")"#,
            r#"first argument of [v == CONCAT(s, "")] is [version] so second argument must also be [version] but was [keyword]"#,
        ),
        (
            r#"ROW b = true, s = "true" | WHERE b == s"#,
            "first argument of [b == s] is [boolean] so second argument must also be [boolean] but was [keyword]",
        ),
        (
            r#"ROW x = 5 | WHERE x > "a""#,
            r#"first argument of [x > "a"] is [numeric] so second argument must also be [numeric] but was [keyword]"#,
        ),
        (
            "ROW u = TO_UL(5) | WHERE u > 1",
            "first argument of [u > 1] is [unsigned_long] and second is [integer]. [unsigned_long] can only be operated on together with another [unsigned_long]",
        ),
        (
            "ROW u = TO_UL(5) | WHERE 1.5 <= u",
            "first argument of [1.5 <= u] is [double] and second is [unsigned_long]. [unsigned_long] can only be operated on together with another [unsigned_long]",
        ),
    ];
    for (query, message) in cases {
        assert_eq!(refusal(query), format!("E302: {message}"), "{query}");
    }
}

#[test]
fn the_refusal_points_at_the_comparison() {
    let query = r#"ROW s = "x" | WHERE s < NOW() OR s == "y""#;
    let parsed = rulegate::esql::parse(query).unwrap();
    let d = rulegate::eval::Plan::compile(&parsed, query, &[]).unwrap_err();
    assert_eq!(d.code, "E302");
    let span = d.labels[0].span;
    assert_eq!(&query[span.start as usize..span.end as usize], "s < NOW()");
}

#[test]
fn the_cli_refuses_it_with_exit_2() {
    let out = crate::support::with_stdin(
        crate::support::rulegate()
            .args(["query", "--input", "-", "--color", "never", "--esql"])
            .arg(r#"FROM logs-* | WHERE @timestamp > CONCAT("2020", "-01-01")"#),
        br#"{"@timestamp":"2021-01-01T00:00:00Z"}"#,
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(r#"error[E302]: first argument of [@timestamp > CONCAT("2020", "-01-01")] is [datetime] so second argument must also be [datetime] but was [keyword]"#)
            && stderr.contains("<query>:1:21"),
        "{stderr}"
    );
}

#[test]
fn what_elasticsearch_compares_still_compiles() {
    // String literals are cast by the analyzer (dates, IPs, versions, booleans); strings with
    // strings, numbers with numbers, anything with null.
    let t = run(
        r#"FROM logs-* | WHERE @timestamp > "2019-12-31" AND n < 1.5 AND "a" < CONCAT("b", "") OR n == 3 | KEEP n"#,
        DOCS,
    );
    assert_eq!(rows(&t), ["1", "3"]);
    let t = run(r#"ROW b = true | WHERE b == "true""#, "");
    assert_eq!(rows(&t), ["true"]);
    let t = run(
        r#"ROW u = TO_UL(1), d = NOW() | EVAL a = u == null, b = null < d"#,
        "",
    );
    assert_eq!(
        rows(&t)[0].split(" | ").skip(2).collect::<Vec<_>>(),
        ["null", "null"]
    );
}

#[test]
fn an_equality_implied_by_a_bound_is_dropped_from_a_disjunction() {
    // ints.csv-spec `CombineBinaryComparisonsEmp`: only `x > 1` warns.
    check(
        "FROM logs-* | WHERE x == 2 OR x > 1 | KEEP n | SORT n",
        &["1", "5"],
        "x > 1",
    );
    // `a = 2 OR a > 2` is `a >= 2`, still named by its own text.
    check(
        "FROM logs-* | WHERE x == 2 OR x > 2 | KEEP n | SORT n",
        &["1", "5"],
        "x > 2",
    );
    // A literal on the left counts as on the right (`LiteralsOnTheRight`).
    check(
        "FROM logs-* | WHERE 2 < x OR x == 2 | KEEP n | SORT n",
        &["1", "5"],
        "2 < x",
    );
    // `a = 2 OR a != 5` is `a != 5`.
    check(
        "FROM logs-* | WHERE x == 2 OR x != 5 | KEEP n | SORT n",
        &["1", "3", "5"],
        "x != 5",
    );
    // Of two lower bounds in a disjunction the lower stays.
    check(
        "FROM logs-* | WHERE x > 2 OR x >= 1 | KEEP n | SORT n",
        &["1", "5"],
        "x >= 1",
    );
}

#[test]
fn an_equality_and_its_negation_make_true_even_for_null() {
    // `a = 2 OR a != 2` is `TRUE`: the missing and the multivalued `x` are kept, silently.
    let t = run(
        "FROM logs-* | WHERE x == 2 OR x != 2 | KEEP n | SORT n",
        DOCS,
    );
    assert_eq!(rows(&t), ["1", "2", "3", "4", "5"]);
    assert!(t.warnings.is_empty(), "{:?}", t.warnings);
}

#[test]
fn conjunctions_keep_the_deciding_comparison_or_become_false() {
    // Two different values: `false`, not null, where `x` is missing.
    let t = run(
        "FROM logs-* | EVAL e = x == 1 AND x == 2 | KEEP n, e | SORT n",
        DOCS,
    );
    assert_eq!(
        rows(&t),
        [
            "1 | false",
            "2 | false",
            "3 | false",
            "4 | false",
            "5 | false"
        ]
    );
    assert!(t.warnings.is_empty(), "{:?}", t.warnings);
    // The equality decides the bound beside it: only `x == 3` is evaluated. (`[1, 3]` holds
    // 3, so the source query matches it and its single-value check warns; with `x == 2` it
    // would not be read at all: see `pushdown_warnings`.)
    check(
        "FROM logs-* | WHERE x == 3 AND x > 1 | KEEP n",
        &["5"],
        "x == 3",
    );
    // Of two lower bounds the higher stays.
    check(
        "FROM logs-* | WHERE x > 1 AND x > 2 | KEEP n",
        &["5"],
        "x > 2",
    );
    // `a != 2 AND a >= 2` is `a > 2`, under the bound's text.
    check(
        "FROM logs-* | WHERE x != 2 AND x >= 2 | KEEP n",
        &["5"],
        "x >= 2",
    );
}

#[test]
fn dates_and_unrelated_comparisons_are_left_alone() {
    // `PropagateEquals` skips date equalities in a conjunction: null stays null.
    let t = run(
        r#"FROM logs-* | EVAL e = @timestamp == "2020-01-01" AND @timestamp == "2021-01-01" | KEEP n, e | SORT n | LIMIT 2"#,
        DOCS,
    );
    assert_eq!(rows(&t), ["1 | false", "2 | null"]);
    // Different expressions: both comparisons are evaluated and warn.
    let t = run("FROM logs-* | WHERE x == 2 OR x + 0 > 1 | KEEP n", DOCS);
    assert_eq!(rows(&t), ["1", "5"]);
    assert_eq!(t.warnings.len(), 4, "{:?}", t.warnings);
}

#[test]
fn fork_takes_a_single_branch() {
    // fork.csv-spec `forkWithFinalStatsCount`: `forkSubQuery+`, up to `Fork.MAX_BRANCHES`.
    let t = run(
        "FROM logs-* | FORK (WHERE n > 3) | KEEP n, _fork | SORT n",
        DOCS,
    );
    assert_eq!(rows(&t), ["4 | fork1", "5 | fork1"]);
    let nine = "(WHERE true) ".repeat(9);
    let e = refusal(&format!("ROW a = 1 | FORK {nine}"));
    assert_eq!(e, "E200: Fork supports up to 8 branches", "{e}");
    let e = refusal("ROW a = 1 | FORK | KEEP a");
    assert!(e.contains("`(` opening a FORK branch"), "{e}");
}

const GROUPS: &str = r#"{"n":1,"g":"a"}
{"n":2,"g":"b"}
{"n":3,"g":"a"}
{"n":4}
{"n":5,"g":"a"}
{"n":6}
{"n":7,"g":["a","b"]}
"#;

#[test]
fn limit_by_keeps_the_first_rows_of_each_group_in_order() {
    let t = run("FROM logs-* | SORT n | LIMIT 2 BY g | KEEP n, g", GROUPS);
    assert_eq!(
        rows(&t),
        [
            "1 | a",
            "2 | b",
            "3 | a",
            "4 | null",
            "6 | null",
            "7 | [a, b]"
        ]
    );
    let t = run("FROM logs-* | SORT n DESC | LIMIT 1 BY g | KEEP n", GROUPS);
    assert_eq!(rows(&t), ["7", "6", "5", "2"]);
    // Expressions and several keys.
    let t = run("FROM logs-* | SORT n | LIMIT 1 BY n % 2 | KEEP n", GROUPS);
    assert_eq!(rows(&t), ["1", "2"]);
    let t = run(
        "FROM logs-* | SORT n | LIMIT 1 BY g, n > 2 | KEEP n",
        GROUPS,
    );
    assert_eq!(rows(&t), ["1", "2", "3", "4", "7"]);
    // Constant keys are pruned: a plain LIMIT. Zero keeps nothing.
    let t = run(
        "FROM logs-* | SORT n | LIMIT 2 BY 1, \"k\" | KEEP n",
        GROUPS,
    );
    assert_eq!(rows(&t), ["1", "2"]);
    let t = run("FROM logs-* | LIMIT 0 BY g", GROUPS);
    assert!(t.rows.is_empty());
}

#[test]
fn limit_by_is_under_the_default_limit() {
    // Elasticsearch adds its implicit `LIMIT 1000` above a `LimitBy` (it is not a `Limit`).
    let docs: String = (0..1200).map(|i| format!("{{\"n\":{i}}}\n")).collect();
    let t = run("FROM logs-* | LIMIT 5000 BY n", &docs);
    assert_eq!(t.rows.len(), 1000);
    let t = run("FROM logs-* | LIMIT 5000 BY 1", &docs);
    assert_eq!(t.rows.len(), 1000);
    let t = run("FROM logs-* | LIMIT 1100", &docs);
    assert_eq!(t.rows.len(), 1100);
}

#[test]
fn limit_by_errors_and_printing() {
    assert_eq!(
        refusal("ROW a = 1 | LIMIT 1 BY b"),
        "E301: Unknown column [b]"
    );
    let text = "FROM logs-*\n| LIMIT 2 BY g, n % 2\n| FORK (LIMIT 1 BY g)";
    let parsed = rulegate::esql::parse(text).unwrap();
    let printed = rulegate::esql::print(&parsed);
    assert_eq!(printed, text);
    assert_eq!(rulegate::esql::parse(&printed).unwrap(), parsed);
}

#[test]
fn a_percentile_outside_0_to_100_is_null() {
    // `QuantileStates.percentileParam`: the aggregation returns null, with no warning
    // (stats_percentile.csv-spec `invalidPercentile`).
    let t = run(
        "FROM logs-* | STATS p = PERCENTILE(n, 110), q = PERCENTILE(n, -1), r = PERCENTILE(n, 50), s = PERCENTILE(n, 100.0)",
        DOCS,
    );
    assert_eq!(rows(&t), ["null | null | 3.0 | 5.0"]);
    assert!(t.warnings.is_empty(), "{:?}", t.warnings);
    // Still refused: a percentile that is not a constant number.
    for q in [
        "FROM logs-* | STATS p = PERCENTILE(n, n)",
        "FROM logs-* | STATS p = PERCENTILE(n, null)",
        r#"FROM logs-* | STATS p = PERCENTILE(n, "50")"#,
    ] {
        let parsed = rulegate::esql::parse(q).unwrap();
        let selection = rulegate::eval::fields_for(&parsed, &[]);
        let store = rulegate::document::Documents::from_ndjson(
            DOCS.as_bytes(),
            &selection,
            rulegate::document::LoadOptions::default(),
        )
        .unwrap();
        let d = rulegate::eval::Plan::compile(&parsed, q, &store.columns).unwrap_err();
        assert_eq!(d.code, "E302", "{q}");
    }
}

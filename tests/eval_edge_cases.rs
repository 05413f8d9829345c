//! The surprising edge cases of `../shared/notes/esql-semantics.md` §16, one test each, run
//! through the public engine API (parse, load, compile, run).

use rulegate::document::{Documents, LoadOptions};
use rulegate::eval::{self, Plan, Table, Window};

use crate::support::table_rows as rows;

/// Runs `query` over NDJSON `docs` with `NOW()` = 2026-05-15T10:00:00Z.
fn run(query: &str, docs: &str) -> Table {
    let parsed = rulegate::esql::parse(query).expect("query parses");
    let selection = eval::fields_for(&parsed, &[]);
    let options = LoadOptions {
        default_index: Some("logs-test-default".into()),
        ..LoadOptions::default()
    };
    let store = Documents::from_ndjson(docs.as_bytes(), &selection, options).expect("docs load");
    let plan = Plan::compile(&parsed, query, &store.columns).expect("query compiles");
    plan.run(&store, Window::All, 1_778_839_200_000)
}

/// The message of the error `query` fails to compile with over NDJSON `docs`.
fn compile_error(query: &str, docs: &str) -> String {
    let parsed = rulegate::esql::parse(query).expect("query parses");
    let selection = eval::fields_for(&parsed, &[]);
    let store = Documents::from_ndjson(docs.as_bytes(), &selection, LoadOptions::default())
        .expect("docs load");
    Plan::compile(&parsed, query, &store.columns)
        .expect_err("compile fails")
        .message
}

use crate::support::X_N_DOCS as DOCS;

#[test]
fn e01_not_in_with_null_is_never_true() {
    let t = run(r#"FROM logs-* | WHERE x NOT IN ("a", null) | KEEP n"#, DOCS);
    assert!(t.rows.is_empty(), "{:?}", rows(&t));
    let t = run(
        r#"FROM logs-* | WHERE NOT (x IN ("a")) | KEEP n | SORT n"#,
        DOCS,
    );
    assert_eq!(rows(&t), ["2"], "null and multivalued x are dropped");
}

#[test]
fn e02_multivalue_satisfies_neither_eq_nor_neq() {
    let eq = run(r#"FROM logs-* | WHERE x == "a" | KEEP n | SORT n"#, DOCS);
    let ne = run(r#"FROM logs-* | WHERE x != "a" | KEEP n | SORT n"#, DOCS);
    assert_eq!(rows(&eq), ["1"]);
    assert_eq!(rows(&ne), ["2"]);
    assert_eq!(
        eq.warnings,
        [
            "Line 1:21: evaluation of [x == \"a\"] failed, treating result as null. Only first 20 failures recorded.",
            "Line 1:21: java.lang.IllegalArgumentException: single-value function encountered multi-value"
        ]
    );
}

#[test]
fn e03_case_treats_multivalued_condition_as_false() {
    let t = run(
        r#"ROW b = [true, false] | EVAL r = CASE(b, "yes", "no")"#,
        "",
    );
    assert_eq!(rows(&t), ["[true, false] | no"]);
    assert!(
        t.warnings[0].contains("treating result as false"),
        "{:?}",
        t.warnings
    );
}

#[test]
fn e04_stats_without_by_on_empty_input_gives_one_row() {
    let t = run(
        "FROM logs-* | WHERE n > 100 | STATS c = COUNT(*), m = MAX(n), v = VALUES(x)",
        DOCS,
    );
    assert_eq!(rows(&t), ["0 | null | null"]);
    let t = run(
        "FROM logs-* | WHERE n > 100 | STATS c = COUNT(*) BY x",
        DOCS,
    );
    assert!(t.rows.is_empty());
}

#[test]
fn e05_multivalued_by_keys_fan_out_with_the_whole_row() {
    let t = run(
        r#"ROW color = ["blue", "pink"] | STATS v = VALUES(color) BY color"#,
        "",
    );
    assert_eq!(rows(&t), ["[blue, pink] | blue", "[blue, pink] | pink"]);
    let t = run("FROM logs-* | STATS c = COUNT(*) BY x", DOCS);
    // After STATS without SORT rows are sorted by all columns (here `c` first).
    assert_eq!(
        rows(&t),
        ["1 | b", "1 | c", "1 | null", "2 | a"],
        "null keys group too"
    );
}

#[test]
fn e06_count_counts_values_count_star_counts_rows() {
    let t = run(
        r#"ROW k = ["foo", "bar"], i = [1, 2, 3] | STATS COUNT(k), COUNT(i), COUNT(*)"#,
        "",
    );
    assert_eq!(rows(&t), ["2 | 3 | 1"]);
    assert_eq!(t.columns[0].name, "COUNT(k)");
}

#[test]
fn e07_count_distinct_is_exact_here() {
    // Elasticsearch's HyperLogLog++ returns 9 for these 8 values at precision 5; we are exact
    // (docs/esql-semantics.md, "Evaluation").
    let t = run(
        "ROW ip = [1, 2, 3, 4, 5, 6, 7, 8] | MV_EXPAND ip | STATS c = COUNT_DISTINCT(ip, 5)",
        "",
    );
    assert_eq!(rows(&t), ["8"]);
}

#[test]
fn e08_like_escapes_case_and_anchoring() {
    let t = run(
        r#"ROW a = "Abc" | EVAL p = a LIKE "A*", q = a LIKE "a*", r = a LIKE "b*""#,
        "",
    );
    assert_eq!(rows(&t), ["Abc | true | false | false"]);
    let parsed = rulegate::esql::parse(r#"ROW a = "x" | WHERE a LIKE """\x""""#);
    let error = match parsed {
        Err(d) => d.message,
        Ok(q) => Plan::compile(&q, r#"ROW a = "x" | WHERE a LIKE """\x""""#, &[])
            .err()
            .map(|d| d.message)
            .unwrap_or_default(),
    };
    assert!(!error.is_empty(), "an escaped non-wildcard is an error");
}

#[test]
fn e09_rlike_is_lucene_syntax() {
    let t = run(
        r##"ROW a = "abc" | EVAL empty = a RLIKE "#", any = a RLIKE "a@", cplx = a RLIKE "~(x.*)", num = "42" RLIKE "<1-50>""##,
        "",
    );
    assert_eq!(rows(&t), ["abc | false | true | true | true"]);
}

#[test]
fn e10_time_span_units() {
    assert!(
        rulegate::esql::parse("ROW d = NOW() - 5m").is_err(),
        "`m` is not a unit"
    );
    let t = run(
        r#"ROW a = "2024-01-31T23:59:59.999Z"::datetime, b = "2024-03-01T00:00:00Z"::datetime | EVAL m = DATE_DIFF("m", a, b), y = DATE_DIFF("y", a, b)"#,
        "",
    );
    let r = &rows(&t)[0];
    assert!(
        r.ends_with("| 1 | 29"),
        "`m` is months, `y` is day of year: {r}"
    );
}

#[test]
fn e11_keep_precedence() {
    let t = run("ROW a = 1, b = 2, c = 3 | KEEP a, b, a", "");
    let names: Vec<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["b", "a"]);
    let t = run("ROW a1 = 1, b = 2, a2 = 3 | KEEP *, a1", "");
    let names: Vec<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["b", "a2", "a1"]);
}

#[test]
fn e12_eval_of_existing_name_moves_it_to_the_end() {
    let t = run("ROW a = 1, b = 2 | EVAL a = a + 10", "");
    let names: Vec<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["b", "a"]);
    assert_eq!(rows(&t), ["2 | 11"]);
}

#[test]
fn e13_column_names_keep_source_spacing() {
    let t = run("ROW salary = 3 | STATS MIN(salary  * 10)", "");
    assert_eq!(t.columns[0].name, "MIN(salary  * 10)");
}

#[test]
fn e14_to_string_of_mapped_ipv4() {
    let t = run(
        r#"FROM logs-* | EVAL s = TO_STRING(source.ip) | KEEP s"#,
        "{\"source\":{\"ip\":\"::ffff:1.2.3.4\"}}\n",
    );
    assert_eq!(rows(&t), ["1.2.3.4"]);
}

#[test]
fn e15_length_counts_code_points_and_substring_is_one_based() {
    let t = run(
        r#"ROW s = "Agwār" | EVAL l = LENGTH(s), a = SUBSTRING(s, 0, 1), b = SUBSTRING(s, -2)"#,
        "",
    );
    assert_eq!(rows(&t), ["Agwār | 5 | A | ār"]);
}

#[test]
fn e16_concat_with_null_is_null() {
    let t = run(r#"ROW a = "x" | EVAL c = CONCAT(a, null)"#, "");
    assert_eq!(rows(&t), ["x | null"]);
}

#[test]
fn e17_strings_to_boolean() {
    let t = run(
        r#"ROW a = ["true", "TRUE", "yes", "1"] | EVAL b = TO_BOOLEAN(a)"#,
        "",
    );
    assert_eq!(
        rows(&t)[0],
        "[true, TRUE, yes, 1] | [true, true, false, false]"
    );
}

#[test]
fn e18_default_limit_1000_and_cap_10000() {
    let docs: String = (0..12_000).map(|i| format!("{{\"n\":{i}}}\n")).collect();
    assert_eq!(run("FROM logs-* | KEEP n", &docs).rows.len(), 1000);
    assert_eq!(
        run("FROM logs-* | KEEP n | LIMIT 20000", &docs).rows.len(),
        10_000
    );
    assert_eq!(run("FROM logs-* | KEEP n | LIMIT 0", &docs).rows.len(), 0);
}

#[test]
fn e19_doc_values_order_per_type() {
    let t = run(
        "FROM logs-* | KEEP k, n, message",
        "{\"k\":[\"b\",\"a\",\"b\"],\"n\":[3,1,3],\"message\":[\"z\",\"y\"]}\n",
    );
    assert_eq!(rows(&t), ["[a, b] | [1, 3, 3] | [z, y]"]);
}

#[test]
fn e20_warnings_are_per_expression_with_line_and_column() {
    let docs: String = (0..50)
        .map(|i| format!("{{\"x\":[\"a{i}\",\"b\"]}}\n"))
        .collect();
    let t = run("FROM logs-*\n| WHERE x == \"b\"", &docs);
    assert_eq!(t.warnings.len(), 2, "{:?}", t.warnings);
    assert!(t.warnings[0].starts_with("Line 2:9: evaluation of [x == \"b\"]"));
}

#[test]
fn explain_predicate_distinguishes_false_from_null() {
    let text = r#"FROM logs-* | WHERE x == "a" AND n > 1"#;
    let q = rulegate::esql::parse(text).unwrap();
    let selection = eval::fields_for(&q, &[]);
    let store =
        Documents::from_ndjson(DOCS.as_bytes(), &selection, LoadOptions::default()).unwrap();
    let rulegate::esql::ast::CommandKind::Where(cond) = &q.commands[0].kind else {
        panic!("a WHERE")
    };
    let parts = eval::conjuncts(cond);
    assert_eq!(parts.len(), 2);
    let first = eval::Predicate::compile(parts[0], text, &store.columns).unwrap();
    let outcomes: Vec<Option<bool>> = (0..store.len()).map(|d| first.eval(&store, d, 0)).collect();
    assert_eq!(outcomes, [Some(true), Some(false), None, None]);
}

#[test]
fn parallel_reader_matches_sequential() {
    let text: String = (0..20_000)
        .map(|i| format!("{{\"k\":\"k{}\",\"n\":{i},\"t\":[\"b\",\"a\"]}}\n", i % 7))
        .collect();
    let query = "FROM logs-* METADATA _id | STATS c = COUNT(*), s = SUM(n), i = MIN(_id), t = VALUES(t) BY k";
    let parsed = rulegate::esql::parse(query).unwrap();
    let selection = eval::fields_for(&parsed, &[]);
    let seq = Documents::from_ndjson(text.as_bytes(), &selection, LoadOptions::default()).unwrap();
    let par =
        Documents::from_ndjson_parallel(text.as_bytes(), &selection, LoadOptions::default(), 3)
            .unwrap();
    assert_eq!(seq.len(), par.len());
    assert_eq!(seq.columns, par.columns);
    let plan = Plan::compile(&parsed, query, &seq.columns).unwrap();
    assert_eq!(
        plan.run(&seq, Window::All, 0),
        plan.run(&par, Window::All, 0)
    );
    assert_eq!(par.line_of(19_999), 20_000);
    let bad = format!("{text}{{oops\n");
    let err =
        Documents::from_ndjson_parallel(bad.as_bytes(), &selection, LoadOptions::default(), 2)
            .unwrap_err();
    assert_eq!(err.line, 20_001, "error lines count across parts");
}

#[test]
fn inline_stats_appends_aggregates_to_every_row() {
    let t = run(
        "FROM logs-* | KEEP n, x | INLINE STATS c = COUNT(*) BY x | SORT n",
        DOCS,
    );
    let names: Vec<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
    // As Elasticsearch's `InlineJoin`: the grouping key moves after the aggregates
    // (inlinestats.csv-spec `docsMax`).
    assert_eq!(names, ["n", "c", "x"]);
    assert_eq!(
        rows(&t),
        // Group `a` counts document 4 too (its multivalued key fans out in the STATS), and
        // document 4 joins back to both its groups, `a` then `c` (inlinestats.csv-spec
        // `byMultivaluedSimple`; the `inline_stats` module has the details).
        [
            "1 | 2 | a",
            "2 | 1 | b",
            "3 | 1 | null",
            "4 | [2, 1] | [a, c]"
        ],
        "a multivalued key joins every group it falls in, and keeps its values"
    );
}

#[test]
fn stats_aggregates_see_a_computed_key_as_evaluated_before_grouping() {
    // `BY k = x` behaves as `EVAL k = x | STATS … BY k`: an aggregate of `k` sees the whole
    // (multivalued) cell in every group that row falls into, and filters see it too.
    let t = run(
        r#"FROM logs-* | STATS c = COUNT(k), f = COUNT(*) WHERE k == "a", k1 = MV_COUNT(k) BY k = x | SORT k"#,
        DOCS,
    );
    assert_eq!(
        rows(&t),
        [
            "3 | 1 | 1 | a",
            "1 | 0 | 1 | b",
            "2 | 0 | 1 | c",
            "0 | 0 | null | null"
        ],
        "document 4 counts two values of k in groups a and c; its filter `k == \"a\"` is null"
    );
    assert!(t.warnings.iter().any(|w| w.contains("multi-value")));
}

#[test]
fn stats_key_shadowed_by_a_later_key_does_not_group() {
    let t = run(
        "FROM logs-* | STATS c = COUNT(*) BY k = n, k = x | SORT k",
        DOCS,
    );
    assert_eq!(rows(&t), ["2 | a", "1 | b", "1 | c", "1 | null"]);
    assert_eq!(
        t.warnings,
        ["Line 1:37: Field 'k' shadowed by field at line 1:44"]
    );
}

#[test]
fn temporal_casts_fold_constant_strings_and_reject_others() {
    // Elasticsearch folds `concat(…)` and columns ROW/EVAL bound to constants before casting.
    let t = run(
        r#"ROW d = "2024-01-01"::datetime, p = "3 days"
           | EVAL a = d + concat("1", " hour")::time_duration, b = d - p::date_period,
                  c = d + TO_TIMEDURATION(to_string(null))
           | KEEP a, b, c"#,
        "",
    );
    assert_eq!(
        rows(&t),
        ["2024-01-01T01:00:00.000Z | 2023-12-29T00:00:00.000Z | null"]
    );
    let compile_error = |query: &str| compile_error(query, "{\"s\":\"3 days\"}\n");
    assert_eq!(
        compile_error(r#"ROW u = "3 hours" | EVAL x = u::date_period"#),
        "Cannot parse [3 hours] to date_period"
    );
    assert_eq!(
        compile_error("FROM logs-* | EVAL x = s::date_period"),
        "argument of [s::date_period] must be a constant, received [keyword]",
        "a document field is not foldable"
    );
}

#[test]
fn clamp_mv_zip_and_mv_append() {
    let t = run(
        r#"ROW a = ["x", "y", "z"], b = ["1", "2"], n = 5
           | EVAL z = MV_ZIP(a, b, "-"), z2 = MV_ZIP(a, b), ap = MV_APPEND(b, "3"),
                  apn = MV_APPEND(b, null), c = CLAMP(n, 1, 3), c2 = CLAMP_MIN(n, 7.5),
                  c3 = CLAMP_MAX(n, 9)
           | DROP a, b, n"#,
        "",
    );
    assert_eq!(
        rows(&t),
        ["[x-1, y-2, z] | [x,1, y,2, z] | [1, 2, 3] | null | 3 | 7.5 | 5"]
    );
    let types: Vec<&str> = t.columns.iter().map(|c| c.ty.name()).collect();
    assert_eq!(
        types,
        ["keyword", "keyword", "keyword", "keyword", "integer", "double", "integer"]
    );
}

#[test]
fn ip_disjunctions_with_cidr_match_combine_into_one() {
    let docs = r#"{"ip":"10.0.0.1","n":1}
{"ip":["10.0.0.1","10.0.0.2"],"n":2}
{"ip":"10.0.0.9","n":3}
"#;
    let sel = |q: &str| run(q, docs);
    // `ip` is dynamic (keyword) unless cast; make it an ip column first.
    let t = sel(
        r#"FROM logs-* | EVAL a = TO_IP(ip) | WHERE CIDR_MATCH(a, "10.0.0.0/30") OR a == "10.0.0.9" | KEEP n | SORT n"#,
    );
    assert_eq!(rows(&t), ["1", "3"]);
    assert_eq!(
        t.warnings,
        [
            "Line 1:53: evaluation of [a] failed, treating result as null. Only first 20 failures recorded.",
            "Line 1:53: java.lang.IllegalArgumentException: single-value function encountered multi-value"
        ],
        "one warning, under the field"
    );
    // Without a CIDR_MATCH the equalities still combine, into one `IN` under the field (as
    // `CombineDisjunctions` does for any type: floats.csv-spec `equalToOrEqualToMultivalue`).
    let t = sel(
        r#"FROM logs-* | EVAL a = TO_IP(ip) | WHERE a == "10.0.0.1" OR a == "10.0.0.9" | KEEP n | SORT n"#,
    );
    assert_eq!(rows(&t), ["1", "3"]);
    assert_eq!(
        t.warnings,
        [
            "Line 1:42: evaluation of [a] failed, treating result as null. Only first 20 failures recorded.",
            "Line 1:42: java.lang.IllegalArgumentException: single-value function encountered multi-value"
        ]
    );
    // One equality and another test: nothing to combine, each warns under its own text.
    let t = sel(
        r#"FROM logs-* | EVAL a = TO_IP(ip) | WHERE a == "10.0.0.1" OR n > 2 | KEEP n | SORT n"#,
    );
    assert_eq!(rows(&t), ["1", "3"]);
    assert_eq!(
        t.warnings[0],
        "Line 1:42: evaluation of [a == \"10.0.0.1\"] failed, treating result as null. Only first 20 failures recorded."
    );
}

#[test]
fn a_combined_disjunction_reports_errors_and_warnings_as_elasticsearch() {
    let docs = r#"{"n":1,"m":[1,2]}
{"n":2,"m":3}
"#;
    // The verifier sees the disjuncts before they are combined: the error names the first.
    let err = compile_error(r#"FROM logs-* | WHERE n == 1 OR n == "x""#, docs);
    assert!(err.contains(r#"n == "x""#), "{err}");
    // A parenthesised condition warns under its own text, at its own column.
    let t = run("FROM logs-* | WHERE NOT(m > 1) | KEEP n", docs);
    assert_eq!(
        t.warnings[0],
        "Line 1:25: evaluation of [m > 1] failed, treating result as null. Only first 20 failures recorded."
    );
}

#[test]
fn date_math_beyond_java_years_and_longs() {
    let t = run(
        // `date/dateMathDateException`; a Period holds `int` years, so `12000000000 months` would
        // not parse (`Number [12000000000] outside of [months] range`, tests/limits.rs).
        "ROW dt = TO_DATETIME(0) | EVAL a = dt + 2147483647 years, b = dt + 500000000 years, c = dt + 1 year | KEEP a, b, c",
        "",
    );
    assert_eq!(rows(&t), ["null | null | 1971-01-01T00:00:00.000Z"]);
    assert!(
        t.warnings.iter().any(|w| w.ends_with(
            "java.time.DateTimeException: Invalid value for Year (valid values -999999999 - 999999999): 2147485617"
        )),
        "{:?}",
        t.warnings
    );
    assert!(
        t.warnings
            .iter()
            .any(|w| w.ends_with("java.lang.ArithmeticException: long overflow")),
        "a valid year whose milliseconds overflow: {:?}",
        t.warnings
    );
}

#[test]
fn to_datetime_rejects_a_space_separator() {
    let t = run(
        r#"ROW a = TO_DATETIME("2024-01-02T03:04:05Z"), b = TO_DATETIME("2024-01-02 03:04:05")"#,
        "",
    );
    assert_eq!(rows(&t), ["2024-01-02T03:04:05.000Z | null"]);
}

#[test]
fn sort_limit_keeps_the_later_of_equal_rows() {
    // Elasticsearch's top-n heap: once full, a row equal to the worst kept one replaces it.
    let docs = "{\"k\":1,\"n\":1}\n{\"k\":1,\"n\":2}\n{\"k\":1,\"n\":3}\n";
    let t = run("FROM logs-* | SORT k | LIMIT 1 | KEEP n", docs);
    assert_eq!(rows(&t), ["3"]);
    let t = run("FROM logs-* | SORT k | LIMIT 2 | KEEP n", docs);
    assert_eq!(rows(&t), ["2", "3"], "row 3 replaced row 1, the heap top");
    // The LIMIT is pushed down past EVAL/KEEP into the SORT, and combined with an earlier one.
    let t = run("FROM logs-* | SORT k | EVAL z = 1 | KEEP n | LIMIT 1", docs);
    assert_eq!(rows(&t), ["3"]);
    let t = run("FROM logs-* | SORT k | LIMIT 2 | KEEP n | LIMIT 1", docs);
    assert_eq!(rows(&t), ["3"], "one top-1, not a top-2 then the first row");
    // A WHERE in between stops it: a full sort (heap order 2, 3, 1), then the first.
    let t = run(
        "FROM logs-* | SORT k | WHERE n > 0 | LIMIT 1 | KEEP n",
        docs,
    );
    assert_eq!(rows(&t), ["2"]);
}

#[test]
fn stats_keys_that_copy_one_column_unroll_together() {
    let docs = "{\"y\":[1,2],\"n\":1}\n";
    // `z` copies `y` (through a rename too): one attribute, so two groups, not four.
    let t = run(
        "FROM logs-* | EVAL z = y | RENAME y AS w | STATS c = COUNT(*) BY w, z | SORT w",
        docs,
    );
    assert_eq!(rows(&t), ["1 | 1 | 1", "1 | 2 | 2"]);
    // Once `y` is written again, `z` is a separate column and the keys cross.
    let t = run(
        "FROM logs-* | EVAL z = y | EVAL y = MV_DEDUPE(y) | STATS c = COUNT(*) BY y, z | SORT y, z",
        docs,
    );
    assert_eq!(rows(&t).len(), 4, "{:?}", rows(&t));
}

#[test]
fn weighted_avg_is_a_sum_over_a_sum() {
    let docs = "{\"v\":10,\"w\":1}\n{\"v\":20,\"w\":3}\n{\"w\":5}\n";
    let t = run(
        "FROM logs-* | STATS a = WEIGHTED_AVG(v, w), b = WEIGHTED_AVG(v, 0), c = WEIGHTED_AVG(v, w) WHERE v > 100, d = WEIGHTED_AVG([1, 2, 6], w)",
        docs,
    );
    // `SUM(v * w) / SUM(w)`: the weight of the row without `v` still counts (70 / 9). A
    // literal weight (even 0) is `SUM(v) / COUNT(v)`; a literal field is its `MV_AVG`.
    assert_eq!(rows(&t), [format!("{} | 15.0 | null | 3.0", 70.0 / 9.0)]);
    assert!(t.warnings.is_empty(), "{:?}", t.warnings);
}

#[test]
fn first_and_last_keep_the_whole_value_of_the_winning_row() {
    let docs = r#"{"n":1,"v":10,"t":3,"s":"a"}
{"n":2,"v":[1,2],"t":[1,9]}
{"n":3,"t":0}
{"n":4,"v":5}
{"n":5,"v":7,"t":9}
"#;
    let t = run(
        "FROM logs-* | EVAL z = n * null | STATS a = FIRST(v, t), b = LAST(v, t), c = FIRST(v, null), d = LAST(v, 1), e = FIRST(v, t) WHERE n == 4, f = LAST(t, t), g = LAST(v, z), h = FIRST(s, n)",
        docs,
    );
    // a: the lowest key is row 3's 0, and its null value is the answer (no skipping to the
    // next key). b: row 2's key [1, 9] counts as 9 for LAST, tying row 5; the earlier row
    // wins, its multivalue whole. c, d, g: a constant sort key (`z` folds to null) takes the
    // first row. e: a null sort key loses to any key, but alone it answers (row 4's 5), as
    // `stats_first_last.csv-spec` shows for a group whose only row has no timestamp. h:
    // text/keyword stays keyword.
    assert_eq!(rows(&t), ["null | [1, 2] | 10 | 10 | 5 | [1, 9] | 10 | a"]);
    assert_eq!(t.columns[0].ty.name(), "long", "the value's type");
    assert!(t.warnings.is_empty(), "{:?}", t.warnings);
    // `n * null` folds to null (FoldNull) for FIRST's sort key; WEIGHTED_AVG's surrogate looks
    // at literals before that, so its weight is not constant: `SUM(v * w) / SUM(w)`, null.
    let t = run(
        "FROM logs-* | WHERE n != 2 | STATS i = FIRST(v, n * null), w = WEIGHTED_AVG(v, n * null)",
        docs,
    );
    assert_eq!(rows(&t), ["10 | null"]);
    // TOP's output field: every (field, output) pair of a row, ordered by field then output;
    // a row with either side null is skipped.
    let t = run(
        r#"FROM logs-* | STATS d = TOP(t, 2, "desc", n), a = TOP(t, 2, "asc", v), x = TOP(t, 3, "asc", null)"#,
        docs,
    );
    assert_eq!(rows(&t), ["[5, 2] | [1, 2] | null"]);
    let compile_error = |query: &str| compile_error(query, docs);
    assert_eq!(
        compile_error("FROM logs-* | STATS LAST(v, s)"),
        "second argument of [LAST(v, s)] must be [int or long or date_nanos or datetime], found value [s] type [keyword]"
    );
    assert_eq!(
        compile_error(r#"FROM logs-* | STATS TOP(s, 1, "asc", v)"#),
        r#"when fourth argument is set, first argument of [TOP(s, 1, "asc", v)] must be [date or numeric except unsigned_long or counter types], found value [s] type [keyword]"#
    );
}

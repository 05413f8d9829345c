//! The commands #16 adds (`FILLNULL`, `DEDUP`/`DISTINCT`, `SAMPLE`): values, warnings and the
//! errors Elasticsearch gives, through the public API over `ROW` and NDJSON.

use rulegate::document::{Documents, LoadOptions};
use rulegate::eval::{self, Plan, Table, Window};

use crate::support::{esql_refusal as refusal, esql_table as run, table_rows as rows};

const DOCS: &str = r#"{"x":"a","n":1}
{"x":"b","n":2}
{"n":3}
{"x":["a","c"],"n":4}
{"x":"a","n":1}
"#;

#[test]
fn fillnull_fills_in_place_and_only_nulls() {
    let t = run(
        r#"FROM logs-* | FILLNULL "none" ON x | KEEP n, x | SORT n"#,
        DOCS,
    );
    assert_eq!(
        rows(&t),
        ["1 | a", "1 | a", "2 | b", "3 | none", "4 | [a, c]"]
    );
    let t = run("ROW a = null, b = 1, c = null | EVAL a = a::keyword, c = c::integer | FILLNULL DEFAULT ON *", "");
    let cols: Vec<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(cols, ["b", "a", "c"], "FILLNULL keeps column order");
    assert_eq!(rows(&t), ["1 |  | 0"]);
}

#[test]
fn fillnull_default_warns_for_types_without_a_default() {
    let t = run(
        "ROW d = null, i = null\n| EVAL d = d::datetime, i = i::integer\n| FILLNULL DEFAULT ON *",
        "",
    );
    assert_eq!(rows(&t), ["null | 0"]);
    assert_eq!(
        t.warnings,
        ["Line 3:3: [FILLNULL] the following fields have no default fill value for their type and were left unchanged: [d]; provide an explicit value"]
    );
    let t = run("ROW d = null | EVAL d = d::ip | FILLNULL DEFAULT ON d", "");
    assert_eq!(
        t.warnings,
        ["Line 1:33: [FILLNULL] field [d] of type [ip] has no default fill value and was left unchanged; provide an explicit value"]
    );
    // An explicit value that does not apply is silent.
    let t = run("ROW d = null | EVAL d = d::ip | FILLNULL null ON *", "");
    assert!(t.warnings.is_empty());
}

#[test]
fn fillnull_errors_are_elasticsearchs() {
    assert_eq!(
        refusal("ROW k = null | EVAL k = k::keyword | FILLNULL 0 ON k"),
        "E302: [FILLNULL] fill value type [integer] is incompatible with field [k] type [keyword]"
    );
    assert_eq!(
        refusal("ROW i = null | EVAL i = i::integer | FILLNULL 9999999999999 ON i"),
        "E302: [FILLNULL] fill value [9999999999999] does not fit field [i] of type [integer]"
    );
    assert_eq!(
        refusal("ROW i = 1 | FILLNULL 0 ON j"),
        "E301: Unknown column [j]"
    );
    // On `*`, the same values skip the columns they cannot fill.
    let t = run(
        "ROW i = null, k = null | EVAL i = i::integer, k = k::keyword | FILLNULL 0 ON *",
        "",
    );
    assert_eq!(rows(&t), ["0 | null"]);
}

#[test]
fn dedup_and_distinct_keep_the_first_of_equal_rows() {
    for keyword in ["DEDUP", "DISTINCT"] {
        let t = run(&format!("FROM logs-* | KEEP x, n | {keyword}"), DOCS);
        assert_eq!(
            rows(&t),
            ["a | 1", "b | 2", "null | 3", "[a, c] | 4"],
            "{keyword}"
        );
        let t = run(&format!("FROM logs-* | KEEP x | {keyword} | SORT x"), DOCS);
        assert_eq!(
            rows(&t),
            ["a", "[a, c]", "b", "null"],
            "a multivalue is one value"
        );
    }
}

#[test]
fn sample_is_reproducible_and_checks_its_probability() {
    let docs: String = (0..2000).map(|i| format!("{{\"n\":{i}}}\n")).collect();
    let q = "FROM logs-* | SAMPLE 0.1 | STATS c = COUNT(*)";
    let first = rows(&run(q, &docs));
    assert_eq!(first, rows(&run(q, &docs)), "the same rows every run");
    let c: i64 = first[0].parse().unwrap();
    assert!((150..250).contains(&c), "about a tenth: {c}");
    assert_eq!(
        refusal("ROW x = 1 | SAMPLE 1.5"),
        "E209: invalid value for SAMPLE probability [1.5], expecting a number between 0 and 1, exclusive"
    );
    assert_eq!(
        refusal("ROW x = 1 | SAMPLE 0"),
        "E209: invalid value for SAMPLE probability [0], expecting a number between 0 and 1, exclusive"
    );
}

#[test]
fn the_new_commands_print_and_parse_back() {
    for q in [
        "ROW a = 1\n| FILLNULL DEFAULT ON *",
        "ROW a = 1\n| FILLNULL -1 ON a, b*",
        "ROW a = 1\n| DEDUP",
        "ROW a = 1\n| DISTINCT",
        "ROW a = 1\n| SAMPLE 0.25",
    ] {
        let parsed = rulegate::esql::parse(q).unwrap();
        let printed = rulegate::esql::print(&parsed);
        assert_eq!(
            rulegate::esql::parse(&printed).unwrap(),
            parsed,
            "{printed}"
        );
    }
}

#[test]
fn metadata_source_is_the_document_for_json_extract() {
    let docs = r#"{"nfs":{"opcode":"WRITE"},"n":1}
{"nfs.opcode":"REMOVE","n":2}
{"n":3}
"#;
    let t = run(
        r#"FROM logs-* METADATA _source | EVAL op = JSON_EXTRACT(_source, "nfs.opcode") | KEEP n, op | SORT n"#,
        docs,
    );
    assert_eq!(rows(&t), ["1 | WRITE", "2 | REMOVE", "3 | null"]);
    let t = run(
        "FROM logs-* METADATA _source | KEEP _source | SORT _source",
        docs,
    );
    assert_eq!(
        rows(&t),
        [
            r#"{"n":1,"nfs":{"opcode":"WRITE"}}"#,
            r#"{"n":2,"nfs":{"opcode":"REMOVE"}}"#,
            r#"{"n":3}"#
        ]
    );
}

/// Documents with a `text` field (typed by a mapping) for the full-text functions.
fn run_mapped(query: &str, docs: &str) -> Table {
    let mapping = rulegate::document::Mapping::from_json(
        r#"{"properties":{"title":{"type":"text"},"tag":{"type":"keyword"},"n":{"type":"long"}}}"#,
    )
    .expect("mapping");
    let parsed = rulegate::esql::parse(query).expect("query parses");
    let selection = eval::fields_for(&parsed, &[]);
    let options = LoadOptions {
        mapping,
        ..LoadOptions::default()
    };
    let store = Documents::from_ndjson(docs.as_bytes(), &selection, options).expect("docs load");
    let plan = Plan::compile(&parsed, query, &store.columns).expect("query compiles");
    plan.run(&store, Window::All, 0)
}

const BOOKS: &str = r#"{"n":1,"title":"The Lord of the Rings","tag":"Fantasy"}
{"n":2,"title":"Return of the King","tag":"fantasy"}
{"n":3,"title":["Lord Jim", "Rings of Saturn"],"tag":"Novel"}
{"n":4}
"#;

#[test]
fn full_text_functions_use_the_field_types_default_analyzer() {
    let ns = |q: &str| {
        let t = run_mapped(&format!("FROM logs-* | WHERE {q} | KEEP n | SORT n"), BOOKS);
        assert!(t.warnings.is_empty(), "{q}: {:?}", t.warnings);
        rows(&t)
    };
    assert_eq!(
        ns(r#"MATCH(title, "LORD")"#),
        ["1", "3"],
        "analyzed, any term"
    );
    assert_eq!(ns(r#"title : "king rings""#), ["1", "2", "3"]);
    assert_eq!(
        ns(r#"MATCH(title, "lord rings", {"operator": "AND"})"#),
        ["1", "3"]
    );
    assert_eq!(ns(r#"MATCH(tag, "fantasy")"#), ["2"], "keyword: exact");
    assert_eq!(ns(r#"MATCH_PHRASE(title, "lord of the rings")"#), ["1"]);
    assert_eq!(
        ns(r#"MATCH_PHRASE(title, "lord rings")"#),
        Vec::<String>::new(),
        "a phrase never spans two values"
    );
    assert_eq!(ns(r#"MULTI_MATCH("novel king", title, tag)"#), ["2"]);
    assert_eq!(ns(r#"NOT MATCH(title, "lord")"#), ["2", "4"], "never null");
    assert_eq!(ns(r#"KQL("title: lord and not tag: Novel")"#), ["1"]);
    assert_eq!(ns(r#"MATCH(title, "lrod", {"fuzziness": 1})"#), ["1", "3"]);
}

#[test]
fn full_text_arguments_are_checked_as_elasticsearch_does() {
    let refused = |q: &str| {
        let parsed = rulegate::esql::parse(q).unwrap();
        let cols = [rulegate::document::Column {
            name: "title".into(),
            ty: rulegate::document::Type::Text,
        }];
        let d = Plan::compile(&parsed, q, &cols).expect_err("refused");
        format!("{}: {}", d.code, d.message)
    };
    assert_eq!(
        refused(r#"FROM t | EVAL x = CONCAT(title, "") | WHERE MATCH(x, "a")"#),
        "E302: [MATCH] function cannot operate on [x], which is not a field from an index mapping"
    );
    assert_eq!(
        refused(r#"FROM t | WHERE MATCH(title, title)"#),
        "E302: second argument of [MATCH(title, title)] must be a constant, received [title]"
    );
    assert!(refused(r#"FROM t | EVAL s = SCORE(MATCH(title, "a"))"#).starts_with("E304: "));
    assert!(refused(r#"FROM t | WHERE QSTR("title:/a.*/")"#).starts_with("E320: "));
}

/// Runs `query` over no documents with `NOW()` at `now` (ms since the epoch).
fn run_at(query: &str, now: i64) -> Table {
    let parsed = rulegate::esql::parse(query).expect("query parses");
    let store = Documents::from_ndjson(
        &b""[..],
        &eval::fields_for(&parsed, &[]),
        LoadOptions::default(),
    )
    .expect("no docs load");
    let plan = Plan::compile(&parsed, query, &store.columns).expect("query compiles");
    plan.run(&store, Window::All, now)
}

#[test]
fn bucket_by_date_picks_elasticsearchs_rounding() {
    // The documented examples (bucket.csv-spec bucket_month, bucket_week): at most 20 buckets
    // over 1985 are months, at most 100 are weeks starting on Monday.
    let row = r#"ROW date = TO_DATETIME("1985-07-09T00:00:00.000Z")"#;
    let range = r#""1985-01-01T00:00:00Z", "1986-01-01T00:00:00Z""#;
    let t = run(&format!("{row} | EVAL m = BUCKET(date, 20, {range}), w = BIN(date, 100, {range}), s = BUCKET(date, 1 week) | KEEP m, w, s"), "");
    assert_eq!(
        rows(&t),
        ["1985-07-01T00:00:00.000Z | 1985-07-08T00:00:00.000Z | 1985-07-08T00:00:00.000Z"]
    );
    // Five buckets over 1985..1990 fit no week or month: a year.
    let t = run(
        &format!(
            r#"{row} | EVAL y = BUCKET(date, 5, "1985-01-01T00:00:00Z", "1990-01-01T00:00:00Z") | KEEP y"#
        ),
        "",
    );
    assert_eq!(rows(&t), ["1985-01-01T00:00:00.000Z"]);
    // The largest count over the whole calendar is counted, not walked: 5 minutes is the
    // finest rounding under 2^31 steps in ten thousand years.
    let t = run(
        r#"ROW d = TO_DATETIME("1985-07-09T00:07:00Z") | EVAL b = BUCKET(d, 2147483647, "0001-01-01T00:00:00Z", "9999-12-31T00:00:00Z") | KEEP b"#,
        "",
    );
    assert_eq!(rows(&t), ["1985-07-09T00:05:00.000Z"]);
    // A range that reads NOW() is picked when the query runs: 25 over the last day are hours
    // (docsBucketLast24hr); 24 are not, since the day starts mid-hour, so 3 hours.
    let now = 489_753_000_000; // 1985-07-09T10:30:00Z
    let t = run_at(
        "ROW d = NOW() | EVAL h = BUCKET(d, 25, NOW() - 1 day, NOW()), t = BUCKET(d, 24, NOW() - 1 day, NOW()) | KEEP h, t",
        now,
    );
    assert_eq!(
        rows(&t),
        ["1985-07-09T10:00:00.000Z | 1985-07-09T09:00:00.000Z"]
    );
}

#[test]
fn bucket_by_number_floors_to_a_span() {
    // docsBucketNumeric: 20 buckets over 25324..74999 are 5000 wide; bucketNumericMixedTypes.
    let t = run(
        "ROW s = 47411, long = TO_LONG(100), double = 99., int = 100 | EVAL a = BUCKET(s, 20, 25324, 74999), b1 = BUCKET(long, 99.), b2 = BUCKET(double, 100.), b3 = BUCKET(int, 49.5) | KEEP a, b1, b2, b3",
        "",
    );
    assert_eq!(rows(&t), ["45000.0 | 99.0 | 0.0 | 99.0"]);
    let t = run(
        "FROM logs-* | STATS c = COUNT(*) BY b = BUCKET(n, 2.) | SORT b",
        DOCS,
    );
    assert_eq!(rows(&t), ["2 | 0.0", "2 | 2.0", "1 | 4.0"]);
}

/// `bucket.csv-spec bucketWithUnsignedLong`: Elasticsearch reads an `unsigned_long` bound as its
/// encoded long (the value minus 2^63), so `to` = 17764691215469285192 counts as
/// 8541319178614509384 and 20 buckets from 5480608687137202404 are 5E17 wide, not 1E18.
#[test]
fn bucket_reads_an_unsigned_long_bound_encoded() {
    let t = run(
        "ROW b = 17764691215469285192 | EVAL bh = BUCKET(b, 20, 5480608687137202404, 17764691215469285192) | KEEP bh",
        "",
    );
    assert_eq!(rows(&t), ["1.75E19"]);
    // Below 2^63 the encoding is negative: 0 and 100 become -2^63 and 100 - 2^63, one double
    // apart from nothing, so the width is 0 and the division fails as Elasticsearch's does.
    let t = run(
        "ROW x = 1234 | EVAL bh = BUCKET(x, 10, TO_UNSIGNED_LONG(0), TO_UNSIGNED_LONG(100)) | KEEP bh",
        "",
    );
    assert_eq!(rows(&t), ["null"]);
    assert!(
        t.warnings.iter().any(|w| w.ends_with("/ by zero")),
        "{:?}",
        t.warnings
    );
}

#[test]
fn bucket_errors_are_elasticsearchs() {
    let e = refusal(r#"ROW d = TO_DATETIME("1985-07-09T00:00:00Z") | EVAL b = BUCKET(d, 20)"#);
    assert!(e.contains("function expects exactly four arguments when the first one is of type [DATETIME] and the second of type [INTEGER]"), "{e}");
    let e = refusal(
        r#"ROW d = TO_DATETIME("1985-07-09T00:00:00Z") | EVAL b = BUCKET(d, 1 day, "a", "b")"#,
    );
    assert!(e.contains("function expects exactly two arguments"), "{e}");
    let e = refusal(r#"ROW s = "x" | EVAL b = BUCKET(s, 10.)"#);
    assert!(
        e.contains("first argument of [BUCKET(s, 10.)] must be [datetime or numeric]"),
        "{e}"
    );
    let e = refusal("ROW s = 1, k = 3 | MV_EXPAND k | EVAL b = BUCKET(s, k)");
    assert!(
        e.contains("second argument of [BUCKET(s, k)] must be a constant"),
        "{e}"
    );
}

#[test]
fn a_grouping_bucket_repeated_outside_aggregates_reads_its_key() {
    // bucket.csv-spec reuseGroupingFunction: the exact same BUCKET expression is the key.
    let t = run(
        "FROM logs-* | STATS s = 1 + BUCKET(n, 2.), m = MAX(n) + BUCKET(n, 2.) BY b = BUCKET(n, 2.) | SORT b",
        DOCS,
    );
    assert_eq!(
        rows(&t),
        ["1.0 | 1.0 | 0.0", "3.0 | 5.0 | 2.0", "5.0 | 8.0 | 4.0"]
    );
    // Another span is not the key: Elasticsearch's verifier error.
    let parsed =
        rulegate::esql::parse("FROM logs-* | STATS s = BUCKET(n, 3.) BY b = BUCKET(n, 2.)")
            .unwrap();
    let store = Documents::from_ndjson(
        DOCS.as_bytes(),
        &eval::fields_for(&parsed, &[]),
        LoadOptions::default(),
    )
    .unwrap();
    let e = Plan::compile(
        &parsed,
        "FROM logs-* | STATS s = BUCKET(n, 3.) BY b = BUCKET(n, 2.)",
        &store.columns,
    )
    .unwrap_err();
    assert!(
        e.message
            .contains("must be an aggregate function or use only grouping keys"),
        "{}",
        e.message
    );
}

#[test]
fn fork_appends_each_branch_with_its_name() {
    // fork.csv-spec forkWithEvals and forkWithStats, over DOCS: each branch sees every input
    // row; columns are the first branch's, then later branches' new ones; absent is null.
    let t = run(
        r#"FROM logs-* | WHERE n < 3 | FORK (WHERE n == 1 | EVAL y = n) (STATS c = COUNT(*), y = MIN(n)) (SORT n DESC | LIMIT 1 | EVAL z = "last") | KEEP _fork, n, c, y, z | SORT _fork, n"#,
        DOCS,
    );
    let cols: Vec<String> = t
        .columns
        .iter()
        .map(|c| format!("{}:{}", c.name, c.ty.name()))
        .collect();
    assert_eq!(
        cols,
        ["_fork:keyword", "n:long", "c:long", "y:long", "z:keyword"]
    );
    assert_eq!(
        rows(&t),
        [
            "fork1 | 1 | null | 1 | null",
            "fork1 | 1 | null | 1 | null",
            "fork2 | null | 3 | 1 | null",
            "fork3 | 2 | null | null | last"
        ]
    );
}

#[test]
fn fork_errors_are_elasticsearchs() {
    // One branch is accepted (see es_differences); nine are not.
    let e = refusal(&format!("ROW a = 1 | FORK {}", "(WHERE a > 0) ".repeat(9)));
    assert!(e.contains("Fork supports up to 8 branches"), "{e}");
    let e = refusal(r#"ROW a = 1 | FORK (EVAL x = 1) (EVAL x = "s")"#);
    assert!(
        e.contains(
            "Column [x] has conflicting data types in FORK branches: [INTEGER] and [KEYWORD]"
        ),
        "{e}"
    );
    let e = refusal("ROW a = 1 | FORK (WHERE a > 0 | FORK (WHERE true) (WHERE true)) (WHERE true)");
    assert!(e.contains("Only a single FORK command is supported"), "{e}");
}

#[test]
fn fork_prints_and_parses_back() {
    let text = "FROM logs-*\n| FORK (WHERE n > 1 | LIMIT 2) (STATS c = count(*))";
    let parsed = rulegate::esql::parse(text).unwrap();
    let printed = rulegate::esql::print(&parsed);
    assert_eq!(printed, text);
    assert_eq!(rulegate::esql::parse(&printed).unwrap(), parsed);
}

//! The functions of #16 item 1 added last: `ALL_FIRST`/`ALL_LAST`, `SAMPLE`, `YEAR`/`MONTH`/
//! `DAY`/`HOUR`, `ASCII`/`TO_ASCII` and `DATE_UNIT_COUNT`, against Elasticsearch's documented
//! examples and unit tests, with their edge cases (null, multivalued, out of range, bad units).

use rstest::rstest;
use rulegate::document::LoadOptions;
use rulegate::eval::Table;

fn run_on(query: &str, ndjson: &str) -> Result<Table, String> {
    crate::support::esql_on_docs(query, ndjson, LoadOptions::default().mapping)
}

/// The rows of `query` over no documents, as `col=value` per cell, then each warning.
fn cells(query: &str) -> Vec<String> {
    cells_on(query, "")
}

fn cells_on(query: &str, ndjson: &str) -> Vec<String> {
    let t = run_on(query, ndjson).unwrap_or_else(|e| panic!("{query}: {e}"));
    crate::support::table_cells(&t)
}

fn compile_error(query: &str) -> String {
    match run_on(query, "") {
        Ok(_) => panic!("{query} compiled"),
        Err(e) => e,
    }
}

const DT: &str = r#"ROW dt = TO_DATETIME("2024-02-15T13:45:07.123Z")"#;

/// `YEAR`, `MONTH`, `DAY`, `HOUR` are `DATE_EXTRACT` of `year`, `month_of_year`,
/// `day_of_month`, `hour_of_day` (`DatePartFunction.chronoFor`), a `long`.
#[rstest]
#[case("YEAR(dt)", "x=2024")]
#[case("MONTH(dt)", "x=2")]
#[case("DAY(dt)", "x=15")]
#[case("HOUR(dt)", "x=13")]
#[case("YEAR(TO_DATETIME(\"1953-09-02T00:00:00Z\"))", "x=1953")]
#[case("MONTH(TO_DATETIME(\"1969-12-31T23:59:59.999Z\"))", "x=12")]
#[case("HOUR(TO_DATETIME(\"1969-12-31T23:59:59.999Z\"))", "x=23")]
#[case("YEAR(\"2020-03-01\")", "x=2020")]
#[case("DAY(null)", "x=null")]
#[case("DATE_UNIT_COUNT(\"day\", \"month\", dt)", "x=29")]
#[case("DATE_UNIT_COUNT(\"days\", \"YEAR\", dt)", "x=366")]
#[case("DATE_UNIT_COUNT(\"day\", \"month\", \"2023-02-01\")", "x=28")]
#[case("DATE_UNIT_COUNT(\"hour\", \"day\", dt)", "x=24")]
#[case("DATE_UNIT_COUNT(\"weekday\", \"week\", dt)", "x=7")]
#[case("DATE_UNIT_COUNT(\"month\", \"year\", dt)", "x=12")]
#[case("DATE_UNIT_COUNT(\"q\", \"year\", dt)", "x=4")]
#[case("DATE_UNIT_COUNT(\"ms\", \"minute\", dt)", "x=60000")]
#[case("DATE_UNIT_COUNT(\"hour\", \"minute\", dt)", "x=0")]
#[case("DATE_UNIT_COUNT(\"week\", \"month\", dt)", "x=4")]
#[case("DATE_UNIT_COUNT(\"nanosecond\", \"year\", dt)", "x=31622400000000000")]
#[case("DATE_UNIT_COUNT(\"hour\", \"day\", null)", "x=null")]
// A count that does not depend on the date folds, whatever the date (`foldable()`).
#[case("DATE_UNIT_COUNT(\"minute\", \"hour\", null)", "x=60")]
fn date_parts_and_unit_counts(#[case] call: &str, #[case] expected: &str) {
    let got = cells(&format!("{DT} | EVAL x = {call} | KEEP x"));
    assert_eq!(got, [expected], "{call}");
}

/// A multivalued date: null with the single-value warning, naming the call as written.
#[test]
fn date_parts_of_a_multivalue_warn() {
    let got =
        cells(r#"ROW d = ["2024-01-01", "2025-01-01"]::datetime | EVAL y = YEAR(d) | KEEP y"#);
    assert_eq!(
        got,
        [
            "y=null",
            "warning: Line 1:59: evaluation of [YEAR(d)] failed, treating result as null. Only first 20 failures recorded.",
            "warning: Line 1:59: java.lang.IllegalArgumentException: single-value function encountered multi-value",
        ]
    );
    let got = cells(
        r#"ROW d = ["2024-01-01", "2025-01-01"]::datetime | EVAL c = DATE_UNIT_COUNT("day", "month", d) | KEEP c"#,
    );
    assert_eq!(got.len(), 3, "{got:?}");
    assert_eq!(got[0], "c=null");
}

#[rstest]
#[case(
    "ROW a = 1 | EVAL y = YEAR(a)",
    "first argument of [YEAR(a)] must be [datetime or date_nanos], found value [a] type [integer]"
)]
#[case(
    "ROW a = 1 | EVAL y = TO_ASCII(a)",
    "argument of [TO_ASCII(a)] must be [string], found value [a] type [integer]"
)]
#[case(
    "ROW a = 1 | EVAL y = DATE_UNIT_COUNT(a, \"day\", NOW())",
    "first argument of [DATE_UNIT_COUNT(a, \"day\", NOW())] must be [string], found value [a] type [integer]"
)]
#[case(
    "ROW a = 1 | EVAL y = DATE_UNIT_COUNT(\"day\", \"fortnight\", NOW())",
    "A value of [YEAR, QUARTER, MONTH, DAYOFYEAR, DAY, WEEK, WEEKDAY, HOUR, MINUTE, SECOND, MILLISECOND, MICROSECOND, NANOSECOND] or their aliases is required; received [fortnight]"
)]
#[case(
    "ROW a = 1 | EVAL y = DATE_UNIT_COUNT(\"day\", \"quarter\", NOW())",
    "Unsupported unit [QUARTER]"
)]
#[case(
    "ROW a = 1 | EVAL y = DATE_UNIT_COUNT(\"day\", \"hour\", NOW())",
    "Unsupported unit [HOUR]"
)]
fn bad_arguments_are_elasticsearchs_errors(#[case] query: &str, #[case] message: &str) {
    assert_eq!(compile_error(query), message);
}

/// Units read per row: an unknown one is null with Elasticsearch's exception as the warning.
#[test]
fn a_unit_read_per_row_warns() {
    let got = cells(
        r#"ROW u = ["day", "fortnight"] | MV_EXPAND u | EVAL c = DATE_UNIT_COUNT(u, "month", "2024-02-01") | KEEP c"#,
    );
    assert_eq!(got[..2], ["c=29", "c=null"]);
    assert!(
        got[3].ends_with("received [fortnight]") && got[3].contains("IllegalArgumentException"),
        "{got:?}"
    );
}

/// `ASCII`/`TO_ASCII`: the documented example (`to_ascii.md`, `ascii.md`) and the cases of
/// `ToAsciiTests`; escapes start with two backslashes.
#[rstest]
#[case(
    r#""Hello\\n\\t 世界! 🌍 Café naïve résumé こんにちは 🎉 中文测试 αβγδε 日本語テスト 🚀🔥💧🪨""#,
    r"Hello\\n\\t \\u4e16\\u754c! \\U0001f30d Caf\\xe9 na\\xefve r\\xe9sum\\xe9 \\u3053\\u3093\\u306b\\u3061\\u306f \\U0001f389 \\u4e2d\\u6587\\u6d4b\\u8bd5 \\u03b1\\u03b2\\u03b3\\u03b4\\u03b5 \\u65e5\\u672c\\u8a9e\\u30c6\\u30b9\\u30c8 \\U0001f680\\U0001f525\\U0001f4a7\\U0001faa8"
)]
#[case(r#""hello\nworld\r\t\"tab""#, r#"hello\\nworld\\r\\t\\"tab"#)]
#[case(r#""你好世界""#, r"\\u4f60\\u597d\\u4e16\\u754c")]
#[case(r#""it's""#, r"it\\'s")]
#[case(r#""plain ASCII ~""#, "plain ASCII ~")]
#[case(r#""""#, "")]
fn ascii_escapes_as_elasticsearch(#[case] literal: &str, #[case] expected: &str) {
    for f in ["ASCII", "TO_ASCII"] {
        let got = cells(&format!("ROW a = {literal} | EVAL x = {f}(a) | KEEP x"));
        assert_eq!(got, [format!("x={expected}")], "{f}({literal})");
    }
}

/// `TO_ASCII` is a conversion (value by value); `ASCII` a single-valued function.
#[test]
fn to_ascii_maps_a_multivalue_and_ascii_warns() {
    let got = cells(
        r#"ROW a = ["é", "x"] | EVAL t = TO_ASCII(a), s = ASCII(a), n = TO_ASCII(null) | KEEP t, s, n"#,
    );
    assert_eq!(
        got,
        [
            r"t=[\\xe9, x]",
            "s=null",
            "n=null",
            "warning: Line 1:48: evaluation of [ASCII(a)] failed, treating result as null. Only first 20 failures recorded.",
            "warning: Line 1:48: java.lang.IllegalArgumentException: single-value function encountered multi-value",
        ]
    );
}

const EVENTS: &str = r#"{"@timestamp":"2025-11-25T00:00:00.000Z","name":"alpha"}
{"@timestamp":"2025-11-25T00:00:01.000Z","name":"alpha","number":2}
{"@timestamp":"2025-11-25T00:00:02.000Z","name":"bravo"}
{"@timestamp":"2025-11-25T00:00:03.000Z","name":"alpha","number":4}
{"@timestamp":"2025-11-25T00:00:04.000Z","name":"bravo","number":5}
{"@timestamp":"2025-11-25T00:00:05.000Z","name":"charlie","number":[6,7]}
{"@timestamp":"2025-11-25T00:00:06.000Z","name":"delta"}
{"name":"delta","number":9}
"#;

/// `ALL_FIRST`/`ALL_LAST` (`stats_all_first_all_last.csv-spec`): the value of the earliest
/// (latest) row even when it is null; a row without a sort key never wins; a multivalue is
/// kept whole.
#[test]
fn all_first_and_all_last_keep_nulls() {
    let q = "FROM logs-* | STATS f = ALL_FIRST(number, @timestamp), l = ALL_LAST(number, @timestamp) BY name | SORT name";
    let got = cells_on(q, EVENTS);
    assert_eq!(
        got,
        [
            "f=null",
            "l=4",
            "name=alpha",
            "f=null",
            "l=5",
            "name=bravo",
            "f=[6, 7]",
            "l=[6, 7]",
            "name=charlie",
            "f=null",
            "l=null",
            "name=delta",
        ]
    );
    let got = cells_on(
        "FROM logs-* | STATS f = ALL_FIRST(name, @timestamp), l = ALL_LAST(name, @timestamp)",
        EVENTS,
    );
    assert_eq!(got, ["f=alpha", "l=delta"]);
}

#[rstest]
#[case(
    "ROW x = 1, s = 1 | STATS f = ALL_FIRST(x, s)",
    "second argument of [ALL_FIRST(x, s)] must be [long or date_nanos or datetime], found value [s] type [integer]"
)]
#[case(
    "ROW x = 1, s = \"a\" | STATS f = ALL_LAST(x, s)",
    "second argument of [ALL_LAST(x, s)] must be [long or date_nanos or datetime], found value [s] type [keyword]"
)]
#[case(
    "ROW x = 1 | STATS s = SAMPLE(x, 0)",
    "Limit must be greater than 0 in [SAMPLE(x, 0)], found [0]"
)]
#[case(
    "ROW x = 1 | STATS s = SAMPLE(x, null)",
    "second argument of [SAMPLE(x, null)] cannot be null, received [null]"
)]
#[case(
    "ROW x = 1 | STATS s = SAMPLE(x, 1.5)",
    "second argument of [SAMPLE(x, 1.5)] must be [integer], found value [1.5] type [double]"
)]
#[case(
    "ROW x = 1 | STATS s = SAMPLE(x, x)",
    "Limit must be a constant integer in [SAMPLE(x, x)], found [x]"
)]
#[case(
    "ROW x = 1 | STATS s = SAMPLE(x)",
    "function [sample] expects 2 arguments, got 1"
)]
#[case(
    "ROW x = 1 | STATS f = ALL_FIRST(x, x, x)",
    "function [all_first] expects 2 arguments, got 3"
)]
fn aggregate_arguments_are_checked(#[case] query: &str, #[case] message: &str) {
    assert_eq!(compile_error(query), message);
}

/// `SAMPLE(field, limit)`: every value (multivalues expanded, nulls skipped) when there are at
/// most `limit`; else `limit` of them, the same on every run, different for two calls.
#[test]
fn sample_is_bounded_deterministic_and_per_call() {
    let got = cells_on("FROM logs-* | STATS s = SAMPLE(number, 10)", EVENTS);
    assert_eq!(got, ["s=[2, 4, 5, 6, 7, 9]"]);
    assert_eq!(cells("ROW x = null | STATS n = SAMPLE(x, 3)"), ["n=null"]);
    let q = "ROW x = [1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20] | STATS a = SAMPLE(x, 5), b = SAMPLE(x, 5)";
    let first = cells(q);
    assert_eq!(first, cells(q), "the same sample on every run");
    let values = |cell: &str| -> Vec<i64> {
        let list = cell.split_once('=').unwrap().1;
        let list = list.trim_matches(|c| c == '[' || c == ']');
        list.split(", ").map(|v| v.parse().unwrap()).collect()
    };
    let (a, b) = (values(&first[0]), values(&first[1]));
    assert_eq!((a.len(), b.len()), (5, 5), "{first:?}");
    assert!(
        a.iter().chain(&b).all(|v| (1..=20).contains(v)),
        "{first:?}"
    );
    assert!(a.windows(2).all(|w| w[0] < w[1]), "in input order: {a:?}");
    assert_ne!(a, b, "two calls draw different samples");
    let got = cells(r#"ROW t = "x" | STATS s = SAMPLE(t::text, 2)"#);
    assert_eq!(got, ["s=x"]);
}

/// The extreme dates count (computed in days, 128-bit); a huge `SAMPLE` limit allocates nothing.
#[test]
fn extreme_dates_and_limits() {
    let got = cells(
        r#"ROW d = TO_DATETIME(9223372036854775807), e = TO_DATETIME(-9223372036854775808) | EVAL a = DATE_UNIT_COUNT("day", "year", d), b = DATE_UNIT_COUNT("day", "month", e), c = DATE_UNIT_COUNT("ns", "year", d), y = YEAR(d), m = MONTH(e) | KEEP a, b, c, y, m"#,
    );
    assert_eq!(
        got,
        ["a=365", "b=31", "c=31536000000000000", "y=292278994", "m=5"]
    );
    let got = cells("ROW x = [3, 1, 2] | STATS s = SAMPLE(x, 2147483647)");
    assert_eq!(got, ["s=[3, 1, 2]"]);
}

/// The documented example (`date_unit_count.md`): 29 days in February 2024.
#[test]
fn documented_date_unit_count_example() {
    let got = cells(
        r#"ROW dt = to_datetime("2024-02-15T00:00:00.000Z") | EVAL days = DATE_UNIT_COUNT("day", "month", dt)"#,
    );
    assert_eq!(got, ["dt=2024-02-15T00:00:00.000Z", "days=29"]);
}

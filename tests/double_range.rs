//! The `double_range` type and its functions (`TO_DOUBLE_RANGE`, `TO_RANGE` over doubles,
//! `RANGE_MIN`, `RANGE_MAX`, `RANGE_WITHIN`, `RANGE_CONTAINS`, `RANGE_INTERSECTS`), `IN_RANGE` and `ROUND_TO`
//! over `date_nanos`: Elasticsearch's examples (double_range.csv-spec, `ToDoubleRangeTests`,
//! `RangeWithinTests`), null, multivalues, open ends, from >= to, malformed strings, equality
//! but no ordering, and ranges in documents.

use rstest::rstest;
use rulegate::document::Mapping;
use rulegate::eval::{Plan, Table};

use crate::support::row_cells as row;
use crate::support::table_rows as rows;

fn compile_error(query: &str) -> (String, String) {
    let parsed = rulegate::esql::parse(query).expect("query parses");
    let err = Plan::compile(&parsed, query, &[]).expect_err("query is refused");
    (err.code.to_string(), err.message)
}

#[rstest]
// `toDoubleRangeFromString` (tag `to_double_range-str`).
#[case(
    r#"ROW str = "1.5..2.5" | EVAL range = TO_DOUBLE_RANGE(str)"#,
    &["str=1.5..2.5", "range=1.5..2.5"]
)]
// `ToDoubleRangeTests`: integer-style and scientific bounds print as Java doubles.
#[case(
    r#"ROW a = TO_DOUBLE_RANGE("1..2"), b = TO_DOUBLE_RANGE("1.5e2..2.5e2"), c = TO_DOUBLE_RANGE("-2.5..-1.5")"#,
    &["a=1.0..2.0", "b=150.0..250.0", "c=-2.5..-1.5"]
)]
// `toRange`, and `toDoubleRangeOpenLowerBound`: open ends are infinities.
#[case(
    "ROW from = 1.5, to = 2.5 | EVAL r = TO_RANGE(from, to) | KEEP r",
    &["r=1.5..2.5"]
)]
#[case(
    r#"ROW r = TO_DOUBLE_RANGE("-Infinity..0.0") | EVAL min = RANGE_MIN(r), max = RANGE_MAX(r)"#,
    &["r=-Infinity..0.0", "min=-Infinity", "max=0.0"]
)]
// `toDoubleRangeFullyOpen`.
#[case(
    r#"ROW r = TO_DOUBLE_RANGE("-Infinity..Infinity") | EVAL s = RANGE_CONTAINS(r, -1.0E300), l = RANGE_CONTAINS(r, 1.0E300) | KEEP s, l"#,
    &["s=true", "l=true"]
)]
// `TO_STRING` and a cast to keyword print the range; `TO_DOUBLE_RANGE` of a range is itself.
#[case(
    "ROW r = TO_RANGE(1.5, 1.6) | EVAL s = TO_STRING(r), k = r::keyword, same = TO_DOUBLE_RANGE(r)",
    &["r=1.5..1.6", "s=1.5..1.6", "k=1.5..1.6", "same=1.5..1.6"]
)]
fn documented_examples(#[case] query: &str, #[case] want: &[&str]) {
    assert_eq!(row(query), want, "{query}");
}

/// `RangeWithinTests` (double cases) and the spec file's relations: `[from, to)`.
#[rstest]
#[case("RANGE_WITHIN(1.0, TO_RANGE(0.5, 1.5))", "true")]
#[case("RANGE_WITHIN(2.0, TO_RANGE(0.5, 1.5))", "false")]
#[case("RANGE_WITHIN(0.5, TO_RANGE(0.5, 1.5))", "true")]
#[case("RANGE_WITHIN(1.5, TO_RANGE(0.5, 1.5))", "false")]
#[case("RANGE_WITHIN(TO_RANGE(0.5, 1.5), TO_RANGE(0.0, 2.0))", "true")]
#[case("RANGE_WITHIN(TO_RANGE(0.0, 1.0), TO_RANGE(0.5, 1.5))", "false")]
#[case("RANGE_WITHIN(TO_RANGE(0.5, 1.5), TO_RANGE(0.5, 1.5))", "true")]
#[case("RANGE_CONTAINS(TO_RANGE(1.5, 1.6), 1.55)", "true")]
#[case("RANGE_CONTAINS(TO_RANGE(1.6, 1.8), 1.55)", "false")]
#[case("RANGE_INTERSECTS(TO_RANGE(1.6, 1.8), TO_RANGE(1.55, 1.85))", "true")]
// Touching half-open ranges do not overlap.
#[case("RANGE_INTERSECTS(TO_RANGE(1.5, 1.6), TO_RANGE(1.6, 1.8))", "false")]
#[case("RANGE_INTERSECTS(1.7, TO_RANGE(1.6, 1.8))", "true")]
#[case("RANGE_INTERSECTS(2.5, 2.5)", "true")]
#[case("TO_RANGE(1.5, 1.6) == TO_RANGE(1.5, 1.6)", "true")]
#[case("TO_RANGE(1.5, 1.6) != TO_RANGE(1.5, 1.7)", "true")]
fn relations(#[case] call: &str, #[case] want: &str) {
    assert_eq!(row(&format!("ROW x = {call}")), [format!("x={want}")]);
}

#[rstest]
#[case("ROW x = TO_RANGE(null, 1.5)")]
#[case("ROW x = TO_RANGE(1.5, null)")]
#[case("ROW x = RANGE_MIN(TO_DOUBLE_RANGE(null))")]
#[case("ROW x = RANGE_WITHIN(null, TO_RANGE(0.5, 1.5))")]
#[case("ROW x = TO_DOUBLE_RANGE(null)")]
fn null_in_null_out(#[case] query: &str) {
    assert_eq!(row(query), ["x=null"], "{query}");
}

/// `toDoubleRangeFromMvString`: a multivalue converts value by value; the relation functions
/// take single values (null and the `single-value function` warning).
#[test]
fn multivalues() {
    assert_eq!(
        row(r#"ROW x = TO_DOUBLE_RANGE(["3.5..4.5", "1.5..2.5"])"#),
        ["x=[3.5..4.5, 1.5..2.5]"]
    );
    let got = row(r#"ROW x = RANGE_MIN(TO_DOUBLE_RANGE(["3.5..4.5", "1.5..2.5"]))"#);
    assert_eq!(got[0], "x=null");
    assert!(
        got.iter().any(|w| w.ends_with(
            "java.lang.IllegalArgumentException: single-value function encountered multi-value"
        )),
        "{got:?}"
    );
}

/// `ToDoubleRangeTests`' invalid strings and `toRangeInvalidBounds`: null with the warning.
#[rstest]
#[case(
    r#"TO_DOUBLE_RANGE("not-a-range")"#,
    "java.lang.IllegalArgumentException: expected double range in the form 'from..to', got [not-a-range]"
)]
#[case(
    r#"TO_DOUBLE_RANGE("1.5..2.5..3.5")"#,
    "java.lang.IllegalArgumentException: expected double range in the form 'from..to', got [1.5..2.5..3.5]"
)]
#[case(
    r#"TO_DOUBLE_RANGE("2.5..1.5")"#,
    "java.lang.IllegalArgumentException: double range 'from' [2.5] must be less than 'to' [1.5]"
)]
#[case(
    r#"TO_DOUBLE_RANGE("1.5..1.5")"#,
    "java.lang.IllegalArgumentException: double range 'from' [1.5] must be less than 'to' [1.5]"
)]
#[case(
    r#"TO_DOUBLE_RANGE("1.5..NaN")"#,
    "java.lang.IllegalArgumentException: double range 'from' [1.5] must be less than 'to' [NaN]"
)]
#[case(
    r#"TO_DOUBLE_RANGE("abc..1.5")"#,
    "java.lang.NumberFormatException: For input string: \"abc\""
)]
#[case(
    "TO_RANGE(2.5, 1.5)",
    "java.lang.IllegalArgumentException: 'from' [2.5] must be less than 'to' [1.5]"
)]
fn malformed_input_is_null_with_a_warning(#[case] call: &str, #[case] warning: &str) {
    let got = row(&format!("ROW x = {call}"));
    assert_eq!(got[0], "x=null", "{got:?}");
    assert!(got.iter().any(|w| w.ends_with(warning)), "{got:?}");
    let evaluation = format!("evaluation of [{call}] failed");
    assert!(got.iter().any(|w| w.contains(&evaluation)), "{got:?}");
}

#[rstest]
#[case(
    "ROW r = TO_RANGE(1.5, 1.6) | EVAL b = r < r",
    "first argument of [r < r] is [double_range], which comparisons do not accept"
)]
#[case(
    "ROW r = TO_RANGE(1.5, 1.6) | EVAL b = r == 1.5",
    "which comparisons do not accept"
)]
#[case("ROW r = TO_RANGE(1.5, 1.6) | SORT r", "cannot sort on double_range")]
#[case(
    r#"ROW x = RANGE_WITHIN(1.5, TO_DATE_RANGE("2020-01-01..2020-02-01"))"#,
    "second argument of"
)]
#[case("ROW x = TO_RANGE(1, 2)", "must be [date]")]
#[case(
    "ROW x = TO_DOUBLE_RANGE(1.5)",
    "must be convertible to [double_range], found value of type [double]"
)]
fn wrong_types_are_compile_errors(#[case] query: &str, #[case] message: &str) {
    let (code, got) = compile_error(query);
    assert_eq!(code, "E302", "{got}");
    assert!(got.contains(message), "{got}");
}

/// `IN_RANGE` takes a `date_nanos` too: the instant against the range's milliseconds, both
/// ends inclusive as for a `date` (`InRange.fold`).
#[rstest]
#[case(r#"TO_DATE_NANOS("2020-06-01T00:00:00.000000001Z")"#, "true")]
#[case(r#"TO_DATE_NANOS("2021-01-01T00:00:00.000000000Z")"#, "true")]
#[case(r#"TO_DATE_NANOS("2021-01-01T00:00:00.000000001Z")"#, "false")]
#[case(r#"TO_DATE_NANOS("2019-12-31T23:59:59.999999999Z")"#, "false")]
fn in_range_takes_date_nanos(#[case] date: &str, #[case] want: &str) {
    let range = r#"TO_DATE_RANGE("2020-01-01..2021-01-01")"#;
    assert_eq!(
        row(&format!("ROW x = IN_RANGE({date}, {range})")),
        [format!("x={want}")]
    );
}

fn load(docs: &str, query: &str) -> Result<Table, String> {
    let mapping = Mapping::from_json(
        r#"{"properties":{"height":{"type":"double_range"},"n":{"type":"long"}}}"#,
    )
    .unwrap();
    crate::support::esql_on_docs(query, docs, mapping)
}

/// A `double_range` field is an object of bounds: `gte`/`lt` as given, `gt` and `lte` moved
/// to the next double (so `lte` 2.0 includes 2.0), a missing end infinite, numeric strings
/// read as Java reads them, an array of objects a multivalue (sorted as doc values).
#[test]
fn documents_give_ranges_from_objects_of_bounds() {
    let docs = r#"{"n":1,"height":{"gte":1.5,"lt":1.6}}
{"n":2,"height":{"gte":1,"lte":2}}
{"n":3,"height":{"gt":"0.5"}}
{"n":4,"height":[{"gte":2.0,"lt":5.0},{"gte":0,"lt":1.5}]}
{"n":5}
"#;
    let t = load(
        docs,
        "FROM logs-* | EVAL lo = RANGE_MIN(height) | SORT n | KEEP n, height, lo",
    )
    .unwrap();
    assert_eq!(
        rows(&t),
        [
            "1 | 1.5..1.6 | 1.5",
            "2 | 1.0..2.0000000000000004 | 1.0",
            "3 | 0.5000000000000001..Infinity | 0.5000000000000001",
            "4 | [0.0..1.5, 2.0..5.0] | null",
            "5 | null | null",
        ]
    );
    let contains_two = load(
        docs,
        "FROM logs-* | WHERE RANGE_CONTAINS(height, 2.0) | KEEP n | SORT n",
    )
    .unwrap();
    assert_eq!(rows(&contains_two), ["2", "3"]);
}

/// A range Elasticsearch would not index fails the document, naming the field and the bound.
#[rstest]
#[case(r#"{"height":"1.5..1.6"}"#, "not an object of bounds")]
#[case(r#"{"height":1.5}"#, "not an object of bounds")]
#[case(r#"{"height":{"gte":"tall"}}"#, "a range bound [tall] is not a number")]
#[case(
    r#"{"height":{"gte":"NaN","lt":2}}"#,
    "a range bound [NaN] is not a number"
)]
#[case(r#"{"height":{"gte":true,"lt":2}}"#, "found [true]")]
#[case(r#"{"height":{"gte":{"x":1},"lt":2}}"#, "found an object")]
#[case(
    r#"{"height":{"gte":2.5,"lt":1.5}}"#,
    "min value [2.5] is greater than max value [1.5]"
)]
#[case(r#"{"height":{"gte":1,"gt":1}}"#, "gives each end once")]
fn bad_ranges_in_documents_are_input_errors(#[case] doc: &str, #[case] message: &str) {
    let err = load(doc, "FROM logs-* | KEEP height").unwrap_err();
    assert!(err.contains("height") && err.contains(message), "{err}");
}

/// `ROUND_TO` over `date_nanos` (the definitions' `date_nanos, date_nanos… → date_nanos`
/// signature): the greatest point not above the value, below every point the least one, as
/// for the `date` example (`birth_window`); nanoseconds are kept.
#[rstest]
#[case("2023-10-23T13:55:01.543123456Z", "2023-10-23T00:00:00.000000001Z")]
#[case("2023-10-23T00:00:00.000000001Z", "2023-10-23T00:00:00.000000001Z")]
// A whole millisecond prints with three digits, as every `date_nanos`.
#[case("2023-10-23T00:00:00.000000000Z", "2023-01-01T00:00:00.000Z")]
#[case("2022-01-01T00:00:00.000000000Z", "2023-01-01T00:00:00.000Z")]
fn round_to_takes_date_nanos(#[case] date: &str, #[case] want: &str) {
    let query = format!(
        r#"ROW x = ROUND_TO(TO_DATE_NANOS("{date}"), TO_DATE_NANOS("2023-01-01T00:00:00.000000000Z"), TO_DATE_NANOS("2023-10-23T00:00:00.000000001Z"))"#
    );
    assert_eq!(row(&query), [format!("x={want}")], "{query}");
}

#[test]
fn round_to_refuses_mixed_date_resolutions() {
    let (code, _) = compile_error(
        r#"ROW x = ROUND_TO(TO_DATE_NANOS("2023-10-23T00:00:00Z"), TO_DATETIME("2023-01-01"))"#,
    );
    assert_eq!(code, "E302");
}

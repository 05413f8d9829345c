//! The `date_range` type and its functions (`TO_DATE_RANGE`, `TO_RANGE`, `RANGE_MIN`,
//! `RANGE_MAX`, `RANGE_WITHIN`, `RANGE_CONTAINS`, `RANGE_INTERSECTS`, `IN_RANGE`): Elasticsearch's
//! documented examples (date_range.csv-spec, the function definitions), null, multivalues,
//! malformed strings, from > to, refused comparisons and sorts, and ranges in documents.

use rstest::rstest;
use rulegate::document::Mapping;
use rulegate::eval::{Plan, Table};

use crate::support::row_cells as row;

fn compile_error(query: &str) -> (String, String) {
    let parsed = rulegate::esql::parse(query).expect("query parses");
    let err = Plan::compile(&parsed, query, &[]).expect_err("query is refused");
    (err.code.to_string(), err.message)
}

const Y2020: &str = r#"TO_DATE_RANGE("2020-01-01T00:00:00.000Z..2021-01-01T00:00:00.000Z")"#;
const FEB2020: &str = r#"TO_DATE_RANGE("2020-02-01..2020-03-01")"#;

#[rstest]
// `toDateRangeFromString` (tag `to_date_range-str`): printed with full dates.
#[case(
    r#"ROW str = "2020-01-01T00:00:00.000Z..2021-01-01T00:00:00.000Z" | EVAL range = TO_DATE_RANGE(str) | KEEP range"#,
    &["range=2020-01-01T00:00:00.000Z..2021-01-01T00:00:00.000Z"]
)]
// `toDateRangeFromShortFormat`: dates without a time are midnight UTC; `TO_STRING` prints it.
#[case(
    r#"ROW r = TO_DATE_RANGE("2024-06-01..2024-06-30") | EVAL s = TO_STRING(r), t = r::keyword | KEEP s, t"#,
    &["s=2024-06-01T00:00:00.000Z..2024-06-30T00:00:00.000Z", "t=2024-06-01T00:00:00.000Z..2024-06-30T00:00:00.000Z"]
)]
// The alias `TO_DATERANGE`, and a range converting to itself.
#[case(
    r#"ROW r = TO_DATERANGE(TO_DATE_RANGE("2024-06-01..2024-06-30"))"#,
    &["r=2024-06-01T00:00:00.000Z..2024-06-30T00:00:00.000Z"]
)]
// `rangeMin`/`rangeMax`: the bounds; `to` is the exclusive end as given.
#[case(
    r#"ROW r = TO_DATE_RANGE("1900-01-01..1910-01-01") | EVAL lo = RANGE_MIN(r), hi = RANGE_MAX(r) | KEEP lo, hi"#,
    &["lo=1900-01-01T00:00:00.000Z", "hi=1910-01-01T00:00:00.000Z"]
)]
// `rangeWithinWithLiteralRange`.
#[case(
    r#"ROW date = TO_DATETIME("2024-06-15T12:00:00.000Z") | EVAL in_june = RANGE_WITHIN(date, TO_DATE_RANGE("2024-06-01..2024-07-01")), in_july = RANGE_WITHIN(date, TO_DATE_RANGE("2024-07-01..2024-08-01")) | KEEP in_june, in_july"#,
    &["in_june=true", "in_july=false"]
)]
// `TO_RANGE(from, to)` (the function definition's example shape): `[from, to)`.
#[case(
    r#"ROW r = TO_RANGE(TO_DATETIME("2024-01-01"), TO_DATETIME("2024-02-01")) | EVAL w = RANGE_WITHIN(TO_DATETIME("2024-02-01"), r)"#,
    &["r=2024-01-01T00:00:00.000Z..2024-02-01T00:00:00.000Z", "w=false"]
)]
fn documented_examples(#[case] query: &str, #[case] want: &[&str]) {
    assert_eq!(row(query), want, "{query}");
}

/// `literalRangeWithinRange` and the relations at their ends: `[from, to)` everywhere but
/// `IN_RANGE`, whose `to` is inclusive (`InRange.fold`).
#[rstest]
#[case(&format!("RANGE_WITHIN({FEB2020}, {Y2020})"), "true")]
#[case(&format!("RANGE_WITHIN({Y2020}, {FEB2020})"), "false")]
#[case(&format!("RANGE_CONTAINS({Y2020}, {FEB2020})"), "true")]
#[case(&format!("RANGE_CONTAINS({FEB2020}, {Y2020})"), "false")]
#[case(&format!(r#"RANGE_CONTAINS({Y2020}, TO_DATETIME("2021-01-01"))"#), "false")]
#[case(&format!(r#"RANGE_WITHIN(TO_DATETIME("2020-12-31T23:59:59.999Z"), {Y2020})"#), "true")]
#[case(&format!(r#"RANGE_WITHIN(TO_DATETIME("2020-01-01"), {Y2020})"#), "true")]
#[case(&format!(r#"IN_RANGE(TO_DATETIME("2021-01-01"), {Y2020})"#), "true")]
#[case(&format!(r#"IN_RANGE(TO_DATETIME("2021-01-01T00:00:00.001Z"), {Y2020})"#), "false")]
#[case(&format!(r#"RANGE_INTERSECTS({Y2020}, TO_DATE_RANGE("2020-12-01..2022-01-01"))"#), "true")]
#[case(&format!(r#"RANGE_INTERSECTS({Y2020}, TO_DATE_RANGE("2021-01-01..2022-01-01"))"#), "false")]
#[case(&format!(r#"RANGE_INTERSECTS(TO_DATETIME("2020-06-01"), {Y2020})"#), "true")]
#[case(&format!(r#"RANGE_INTERSECTS({Y2020}, TO_DATETIME("2021-01-01"))"#), "false")]
#[case(
    r#"RANGE_INTERSECTS(TO_DATETIME("2020-06-01"), TO_DATETIME("2020-06-01"))"#,
    "true"
)]
#[case(
    r#"RANGE_INTERSECTS(TO_DATETIME("2020-06-01"), TO_DATETIME("2020-06-02"))"#,
    "false"
)]
fn relations(#[case] call: &str, #[case] want: &str) {
    assert_eq!(row(&format!("ROW x = {call}")), [format!("x={want}")]);
}

#[rstest]
#[case("ROW x = TO_DATE_RANGE(null)")]
#[case("ROW x = RANGE_MIN(null)")]
#[case("ROW x = RANGE_MAX(TO_DATE_RANGE(null::keyword))")]
#[case(&format!("ROW x = RANGE_WITHIN(null, {Y2020})"))]
#[case("ROW x = RANGE_WITHIN(TO_DATETIME(\"2020-01-01\"), null)")]
#[case(&format!("ROW x = RANGE_CONTAINS({Y2020}, null)"))]
#[case(&format!("ROW x = RANGE_INTERSECTS(null, {Y2020})"))]
#[case(&format!("ROW x = IN_RANGE(null, {Y2020})"))]
#[case("ROW x = TO_RANGE(null, TO_DATETIME(\"2020-01-01\"))")]
fn null_in_null_out(#[case] query: &str) {
    assert_eq!(row(query), ["x=null"], "{query}");
}

/// A multivalue converts value by value in `TO_DATE_RANGE`; the other functions take single
/// values: a multivalue is null with the `single-value function` warning
/// (`rangeMinMultiValueWarns`, `rangeWithinPointMultiValueWarns`).
#[test]
fn multivalues() {
    assert_eq!(
        row(r#"ROW x = TO_DATE_RANGE(["2020-01-01..2020-02-01", "2021-01-01..2021-02-01"])"#),
        ["x=[2020-01-01T00:00:00.000Z..2020-02-01T00:00:00.000Z, 2021-01-01T00:00:00.000Z..2021-02-01T00:00:00.000Z]"]
    );
    let many = r#"TO_DATE_RANGE(["2020-01-01..2020-02-01", "2021-01-01..2021-02-01"])"#;
    for call in [
        format!("RANGE_MIN({many})"),
        format!("RANGE_MAX({many})"),
        format!(r#"RANGE_WITHIN(TO_DATETIME("2020-01-05"), {many})"#),
        format!("RANGE_INTERSECTS({many}, {Y2020})"),
    ] {
        let got = row(&format!("ROW x = {call}"));
        assert_eq!(got[0], "x=null", "{call}");
        assert!(
            got.iter().any(|w| w.ends_with(
                "java.lang.IllegalArgumentException: single-value function encountered multi-value"
            )),
            "{call}: {got:?}"
        );
    }
}

/// Strings that are not `from..to`, and `from` after `to`: null with a warning.
#[rstest]
#[case("2024-06-01", "invalid date range [2024-06-01]: expected [from..to]")]
#[case(
    "2024-06-01..june",
    "failed to parse date field [june] with format [strict_date_optional_time]"
)]
#[case(
    "2024-07-01..2024-06-01",
    "min value [2024-07-01T00:00:00.000Z] is greater than max value [2024-06-01T00:00:00.000Z]"
)]
fn malformed_strings_are_null_with_a_warning(#[case] text: &str, #[case] warning: &str) {
    let got = row(&format!(r#"ROW x = TO_DATE_RANGE("{text}")"#));
    assert_eq!(got[0], "x=null", "{got:?}");
    let want = format!("java.lang.IllegalArgumentException: {warning}");
    assert!(got.iter().any(|w| w.ends_with(&want)), "{got:?}");
    assert!(
        got.iter().any(|w| w.contains(&format!(
            r#"evaluation of [TO_DATE_RANGE("{text}")] failed"#
        ))),
        "{got:?}"
    );
}

/// `TO_RANGE` refuses `from >= to` (`ToRange.process`), with the bounds in milliseconds.
#[test]
fn to_range_needs_from_below_to() {
    let got = row(r#"ROW x = TO_RANGE(TO_DATETIME("2024-01-01"), TO_DATETIME("2024-01-01"))"#);
    assert_eq!(got[0], "x=null");
    assert!(
        got.iter().any(|w| w.ends_with(
            "java.lang.IllegalArgumentException: 'from' [1704067200000] must be less than 'to' [1704067200000]"
        )),
        "{got:?}"
    );
}

#[rstest]
#[case(
    "ROW x = RANGE_MIN(1)",
    "argument of [RANGE_MIN(1)] must be [date_range], found value [1] type [integer]"
)]
#[case(
    r#"ROW x = RANGE_WITHIN("a", TO_DATE_RANGE("2020-01-01..2020-02-01"))"#,
    "first argument of [RANGE_WITHIN(\"a\", TO_DATE_RANGE(\"2020-01-01..2020-02-01\"))] must be [date or date_range]"
)]
#[case(
    r#"ROW x = RANGE_WITHIN(TO_DATE_RANGE("2020-01-01..2020-02-01"), NOW())"#,
    "second argument of"
)]
#[case(
    r#"ROW x = IN_RANGE(TO_DATE_RANGE("2020-01-01..2020-02-01"), TO_DATE_RANGE("2020-01-01..2020-02-01"))"#,
    "must be [date or date_nanos]"
)]
#[case("ROW x = TO_RANGE(1, 2)", "must be [date]")]
#[case("ROW x = TO_DATE_RANGE(1)", "must be convertible to [date_range]")]
#[case(
    r#"ROW r = TO_DATE_RANGE("2020-01-01..2020-02-01") | EVAL b = r == r"#,
    "first argument of [r == r] is [date_range], which comparisons do not accept"
)]
#[case(
    r#"ROW r = TO_DATE_RANGE("2020-01-01..2020-02-01") | SORT r"#,
    "cannot sort on date_range"
)]
#[case(
    "ROW x = RANGE_MAX()",
    "function [range_max] expects 1 arguments, got 0"
)]
fn wrong_types_are_compile_errors(#[case] query: &str, #[case] message: &str) {
    let (code, got) = compile_error(query);
    assert_eq!(code, "E302");
    assert!(got.contains(message), "{got}");
}

fn load(docs: &str, query: &str) -> Result<Table, String> {
    let mapping = Mapping::from_json(
        r#"{"properties":{"period":{"type":"date_range"},"n":{"type":"long"}}}"#,
    )
    .unwrap();
    crate::support::esql_on_docs(query, docs, mapping)
}

use crate::support::table_rows as rows;

/// A `date_range` field is an object of bounds: `gte`/`lt` as given, `gt` one millisecond on,
/// `lte` one millisecond on (a date without a time up to the end of its day), epoch
/// milliseconds as numbers, an array of objects a multivalue (sorted as doc values).
#[test]
fn documents_give_ranges_from_objects_of_bounds() {
    let docs = r#"{"n":1,"period":{"gte":"2020-01-01","lt":"2021-01-01"}}
{"n":2,"period":{"gte":"2020-01-01","lte":"2020-12-31"}}
{"n":3,"period":{"gt":0,"lt":1000}}
{"n":4,"period":[{"gte":"2022-01-01","lt":"2023-01-01"},{"gte":"2020-01-01","lt":"2021-01-01"}]}
{"n":5}
"#;
    let t = load(
        docs,
        "FROM logs-* | EVAL lo = RANGE_MIN(period) | SORT n | KEEP n, period, lo",
    )
    .unwrap();
    let y2020 = "2020-01-01T00:00:00.000Z..2021-01-01T00:00:00.000Z";
    assert_eq!(
        rows(&t),
        [
            format!("1 | {y2020} | 2020-01-01T00:00:00.000Z"),
            format!("2 | {y2020} | 2020-01-01T00:00:00.000Z"),
            "3 | 1970-01-01T00:00:00.001Z..1970-01-01T00:00:01.000Z | 1970-01-01T00:00:00.001Z"
                .to_string(),
            format!("4 | [{y2020}, 2022-01-01T00:00:00.000Z..2023-01-01T00:00:00.000Z] | null"),
            "5 | null | null".to_string(),
        ]
    );
    let where_within = load(
        docs,
        r#"FROM logs-* | WHERE RANGE_WITHIN(TO_DATETIME("2020-06-01"), period) | KEEP n | SORT n"#,
    )
    .unwrap();
    assert_eq!(rows(&where_within), ["1", "2"]);
}

/// A range Elasticsearch would not index fails the document, with the field named.
#[rstest]
#[case(r#"{"period":"2020-01-01..2021-01-01"}"#, "not an object of bounds")]
#[case(r#"{"period":{"gte":"soon"}}"#, "failed to parse date field [soon]")]
#[case(
    r#"{"period":{"gte":"2021-01-01","lt":"2020-01-01"}}"#,
    "is greater than max value"
)]
#[case(
    r#"{"period":{"gte":"2020-01-01","gt":"2020-01-01"}}"#,
    "gives each end once"
)]
// A bound that is no date and no long: never dropped (that would open the end).
#[case(r#"{"period":{"gte":true,"lt":5}}"#, "found [true]")]
#[case(r#"{"period":{"gte":{"x":1},"lt":5}}"#, "found an object")]
#[case(
    r#"{"period":{"gte":18446744073709551615,"lt":5}}"#,
    "bound [18446744073709551615] is outside"
)]
#[case(
    r#"{"period":{"gte":-1e30,"lt":5}}"#,
    "is outside the epoch milliseconds"
)]
fn bad_ranges_in_documents_are_input_errors(#[case] doc: &str, #[case] message: &str) {
    let err = load(doc, "FROM logs-* | KEEP period").unwrap_err();
    assert!(err.contains("period") && err.contains(message), "{err}");
}

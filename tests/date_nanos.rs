//! `date_nanos`: `TO_DATE_NANOS` and `::date_nanos` from every accepted type, printing,
//! comparisons with millisecond dates, date math, the date functions and aggregations on
//! nanosecond dates, checked against Elasticsearch's documented examples
//! (`date_nanos.csv-spec`, `ToDateNanos`, `DateUtils`) and edge cases: null, multivalues,
//! before 1970, after 2262, and nanoseconds kept through sorting and grouping.

use rstest::rstest;
use rulegate::document::{Documents, LoadOptions, Mapping};

use crate::support::esql_on_docs as run_on;

use crate::support::table_cells as display;

/// The rows of `query` over no documents, as `col=value` per cell, then each warning.
fn cells(query: &str) -> Vec<String> {
    let t = run_on(query, "", Mapping::default()).unwrap_or_else(|e| panic!("{query}: {e}"));
    display(&t)
}

fn compile_error(query: &str) -> String {
    match run_on(query, "", Mapping::default()) {
        Ok(_) => panic!("{query} compiled"),
        Err(e) => e,
    }
}

/// A mapping with `t` as `date_nanos` and `ms` as `date`.
fn nanos_mapping() -> Mapping {
    Mapping::from_json(r#"{"properties":{"t":{"type":"date_nanos"},"ms":{"type":"date"}}}"#)
        .unwrap()
}

fn cells_on(query: &str, ndjson: &str) -> Vec<String> {
    let t = run_on(query, ndjson, nanos_mapping()).unwrap_or_else(|e| panic!("{query}: {e}"));
    display(&t)
}

/// `ToDateNanos` from each accepted type (date_nanos.csv-spec's conversions).
#[rstest]
#[case(
    r#"TO_DATE_NANOS("2023-03-23T12:15:03.360103847")"#,
    "2023-03-23T12:15:03.360103847Z"
)]
#[case(
    r#""2023-03-23T12:15:03.360103847"::date_nanos"#,
    "2023-03-23T12:15:03.360103847Z"
)]
#[case(
    r#"TO_DATE_NANOS("2023-03-23T12:15:03.360")"#,
    "2023-03-23T12:15:03.360Z"
)]
#[case(r#"TO_DATENANOS("2023-01-01T12:12:12")"#, "2023-01-01T12:12:12.000Z")]
#[case("TO_DATE_NANOS(1724160894123456789)", "2024-08-20T13:34:54.123456789Z")]
#[case("1724160894123456789::date_nanos", "2024-08-20T13:34:54.123456789Z")]
#[case(
    "TO_DATE_NANOS(TO_UNSIGNED_LONG(1724160894123456789))",
    "2024-08-20T13:34:54.123456789Z"
)]
// A double loses precision: `Math.round` of the nearest double.
#[case(
    "TO_DATE_NANOS(1724160894123456789.0)",
    "2024-08-20T13:34:54.123456768Z"
)]
#[case(
    r#"TO_DATE_NANOS(TO_DATETIME("2024-08-20T13:34:54.123Z"))"#,
    "2024-08-20T13:34:54.123Z"
)]
#[case("TO_DATE_NANOS(0::long)", "1970-01-01T00:00:00.000Z")]
#[case("TO_DATE_NANOS(9223372036854775807)", "2262-04-11T23:47:16.854775807Z")]
#[case(
    r#"TO_DATE_NANOS("1970-01-01T00:00:00.000001Z")"#,
    "1970-01-01T00:00:00.000001Z"
)]
#[case("TO_DATE_NANOS(null)", "null")]
#[case(
    "TO_DATE_NANOS(1698069301543123456)::string",
    "2023-10-23T13:55:01.543123456Z"
)]
#[case(
    "TO_LONG(TO_DATE_NANOS(\"2023-10-23T13:55:01.543123456Z\"))",
    "1698069301543123456"
)]
// `TO_DATETIME` truncates to the millisecond.
#[case(
    r#"TO_DATETIME(TO_DATE_NANOS("2023-10-23T13:55:01.543999999Z"))"#,
    "2023-10-23T13:55:01.543Z"
)]
fn conversions(#[case] expr: &str, #[case] want: &str) {
    assert_eq!(cells(&format!("ROW x = {expr}")), [format!("x={want}")]);
}

/// Out of 1970 to 2262: null with `DateUtils`' and `ToDateNanos`' messages.
#[rstest]
#[case(
    r#"TO_DATE_NANOS("2262-04-12T00:00:00.000")"#,
    "java.lang.IllegalArgumentException: date[2262-04-12T00:00:00Z] is after 2262-04-11T23:47:16.854775807 and cannot be stored in nanosecond resolution"
)]
#[case(
    r#"TO_DATE_NANOS("1969-04-12T00:00:00.000")"#,
    "java.lang.IllegalArgumentException: date[1969-04-12T00:00:00Z] is before the epoch in 1970 and cannot be stored in nanosecond resolution"
)]
#[case(
    "TO_DATE_NANOS(TO_LONG(-1))",
    "java.lang.IllegalArgumentException: Nanosecond dates before 1970-01-01T00:00:00.000Z are not supported."
)]
#[case(
    "TO_DATE_NANOS(-0.5)",
    "java.lang.IllegalArgumentException: Nanosecond dates before 1970-01-01T00:00:00.000Z are not supported."
)]
#[case(
    r#"TO_DATE_NANOS(TO_DATETIME("2262-04-12T00:00:00.000"))"#,
    "java.lang.IllegalArgumentException: milliSeconds [9223372800000] are after 2262-04-11T23:47:16.854775807 and cannot be converted to nanoseconds"
)]
#[case(
    r#"TO_DATE_NANOS(TO_DATETIME("1969-04-12T00:00:00.000"))"#,
    "java.lang.IllegalArgumentException: milliSeconds [-22809600000] are before the epoch in 1970 and cannot be converted to nanoseconds"
)]
#[case(
    "TO_DATE_NANOS(18446744073709551615)",
    "org.elasticsearch.xpack.esql.core.InvalidArgumentException: [18446744073709551615] out of [long] range"
)]
#[case(
    r#"TO_DATE_NANOS("2023-01-01 00:00:00")"#,
    "java.lang.IllegalArgumentException: failed to parse date field [2023-01-01 00:00:00] with format [strict_date_optional_time_nanos]"
)]
fn out_of_range_is_null_with_a_warning(#[case] expr: &str, #[case] detail: &str) {
    let got = cells(&format!("ROW x = {expr}"));
    assert_eq!(got.len(), 3, "{got:?}");
    assert_eq!(got[0], "x=null");
    assert!(
        got[1].contains("failed, treating result as null"),
        "{got:?}"
    );
    assert!(got[2].ends_with(detail), "{got:?}");
}

/// A multivalue converts value by value: the one out of range is dropped with its warning.
#[test]
fn multivalues_convert_value_by_value() {
    let got = cells(r#"ROW x = TO_DATE_NANOS(["2023-01-01T00:00:00.000000001Z", "1969-01-01"])"#);
    assert_eq!(got[0], "x=2023-01-01T00:00:00.000000001Z");
    assert!(got[2].contains("is before the epoch"), "{got:?}");
    let got = cells(r#"ROW x = TO_DATE_NANOS(["2023-01-02", "2023-01-01"]) | EVAL y = MV_MIN(x)"#);
    assert_eq!(
        got,
        [
            "x=[2023-01-02T00:00:00.000Z, 2023-01-01T00:00:00.000Z]",
            "y=2023-01-01T00:00:00.000Z"
        ]
    );
}

/// `integer` and `boolean` do not convert (`ToDateNanos` has no evaluator for them).
#[test]
fn integers_are_refused_when_the_query_compiles() {
    let e = compile_error("ROW x = TO_DATE_NANOS(1)");
    assert!(e.contains("must be convertible to [date_nanos]"), "{e}");
    let e = compile_error("ROW x = true::date_nanos");
    assert!(e.contains("found value of type [boolean]"), "{e}");
}

/// A nanosecond date and a millisecond date compare as instants, exactly; a string literal
/// beside a nanosecond date is cast to one.
#[rstest]
#[case(
    r#"TO_DATE_NANOS("2023-10-23T12:27:28.948000001Z") > TO_DATETIME("2023-10-23T12:27:28.948Z")"#,
    "true"
)]
#[case(
    r#"TO_DATE_NANOS("2023-10-23T12:27:28.948000000Z") == TO_DATETIME("2023-10-23T12:27:28.948Z")"#,
    "true"
)]
#[case(r#"TO_DATETIME("1969-01-01") < TO_DATE_NANOS(0::long)"#, "true")]
#[case(
    r#"TO_DATE_NANOS(9223372036854775807) < TO_DATETIME("3000-01-01")"#,
    "true"
)]
#[case(
    r#"TO_DATE_NANOS("2023-10-23T12:27:28.948000001Z") > "2023-10-23T12:27:28.948""#,
    "true"
)]
#[case(r#"TO_DATE_NANOS("2023-10-23T12:27:28.948Z") IN (TO_DATETIME("2023-10-23T12:27:28.948Z"), TO_DATETIME("2020-02-02"))"#, "true")]
#[case(
    r#""2023-10-23T12:27:28.948000001Z" IN (TO_DATE_NANOS("2023-10-23T12:27:28.948000001Z"))"#,
    "true"
)]
#[case("TO_DATE_NANOS(1::long) > null", "null")]
fn comparisons(#[case] expr: &str, #[case] want: &str) {
    assert_eq!(cells(&format!("ROW x = {expr}")), [format!("x={want}")]);
}

/// A string that is not a nanosecond date, compared with one, is refused at the literal.
#[test]
fn a_bad_compared_literal_is_a_compile_error() {
    let e = compile_error(r#"ROW x = TO_DATE_NANOS(1::long) > "1969-01-01""#);
    assert!(
        e.contains("Cannot convert string [1969-01-01] to [DATE_NANOS]"),
        "{e}"
    );
}

/// `+`/`-` of periods and durations keep the nanoseconds (date_nanos.csv-spec's date math).
#[rstest]
#[case(
    r#"TO_DATE_NANOS("2100-01-01T01:01:01.000123456Z") + 4 years + 3 months + 2 weeks + 1 day"#,
    "2104-04-16T01:01:01.000123456Z"
)]
#[case(
    r#"1 hour + 1 minute + 1 second + 1 milliseconds + TO_DATE_NANOS("2053-04-04T00:00:00.000123456Z")"#,
    "2053-04-04T01:01:01.001123456Z"
)]
#[case(
    r#"TO_DATE_NANOS("2104-04-16T01:01:01.001123456Z") - 4 years - 3 months - 2 weeks - 1 day - 1 hour - 1 minute - 1 second - 1 milliseconds"#,
    "2100-01-01T00:00:00.000123456Z"
)]
#[case("-(-1 year) + TO_DATE_NANOS(0::long)", "1971-01-01T00:00:00.000Z")]
#[case(
    r#"TO_DATE_NANOS("2024-01-31T00:00:00.5Z") + 1 month"#,
    "2024-02-29T00:00:00.500Z"
)]
#[case("TO_DATE_NANOS(1::long) + null", "null")]
fn date_math(#[case] expr: &str, #[case] want: &str) {
    assert_eq!(cells(&format!("ROW x = {expr}")), [format!("x={want}")]);
}

#[rstest]
#[case("TO_DATE_NANOS(9223372036854775807) + 1 day", "java.time.DateTimeException: Date nanos out of range.  Must be between 1970-01-01T00:00:00Z and 2262-04-11T23:47:16.854775807")]
#[case("TO_DATE_NANOS(0::long) - 1 day", "java.time.DateTimeException: Date nanos out of range.  Must be between 1970-01-01T00:00:00Z and 2262-04-11T23:47:16.854775807")]
#[case("TO_DATE_NANOS(0::long) - 1 milliseconds", "java.time.DateTimeException: Date nanos out of range.  Must be between 1970-01-01T00:00:00Z and 2262-04-11T23:47:16.854775807")]
#[case("TO_DATE_NANOS(0::long) + 300000000 years", "java.time.DateTimeException: Date nanos out of range.  Must be between 1970-01-01T00:00:00Z and 2262-04-11T23:47:16.854775807")]
#[case("TO_DATE_NANOS(0::long) + 2147483647 years", "java.time.DateTimeException: Invalid value for Year (valid values -999999999 - 999999999): 2147485617")]
fn date_math_out_of_range(#[case] expr: &str, #[case] detail: &str) {
    let got = cells(&format!("ROW x = {expr}"));
    assert_eq!(got.len(), 3, "{got:?}");
    assert_eq!(got[0], "x=null");
    assert_eq!(got[2], format!("warning: Line 1:9: {detail}"));
}

/// The date functions on nanosecond dates (date_nanos.csv-spec, `DateTrunc.processDateNanos`,
/// `DateDiff.processMillisNanos`).
#[rstest]
#[case(
    r#"DATE_TRUNC(10 minutes, TO_DATE_NANOS("2023-10-23T13:55:01.543123456Z"))"#,
    "2023-10-23T13:50:00.000Z"
)]
#[case(
    r#"DATE_TRUNC(1 millisecond, TO_DATE_NANOS("2023-10-23T13:55:01.543123456Z"))"#,
    "2023-10-23T13:55:01.543Z"
)]
#[case(
    r#"DATE_TRUNC(1 year, TO_DATE_NANOS("2023-10-23T13:55:01.543123456Z"))"#,
    "2023-01-01T00:00:00.000Z"
)]
#[case(
    r#"DATE_EXTRACT("nano_of_second", TO_DATE_NANOS("2023-10-23T13:52:55.015787878Z"))"#,
    "15787878"
)]
#[case(
    r#"DATE_EXTRACT("micro_of_second", TO_DATE_NANOS("2023-10-23T13:52:55.015787878Z"))"#,
    "15787"
)]
#[case(
    r#"DATE_EXTRACT("year", TO_DATE_NANOS("2023-10-23T13:52:55.015787878Z"))"#,
    "2023"
)]
#[case(
    r#"DATE_FORMAT(TO_DATE_NANOS("2023-10-23T13:33:34.937193000Z"))"#,
    "2023-10-23T13:33:34.937Z"
)]
#[case(r#"DATE_FORMAT("strict_date_optional_time_nanos", TO_DATE_NANOS("2023-10-23T13:33:34.937193000Z"))"#, "2023-10-23T13:33:34.937193Z")]
#[case(
    r#"DATE_FORMAT("HH:mm:ss.SSSSSSSSS", TO_DATE_NANOS("2023-10-23T13:33:34.937193001Z"))"#,
    "13:33:34.937193001"
)]
#[case(r#"DATE_DIFF("seconds", TO_DATE_NANOS("2023-10-23T12:15:03.360103847Z"), TO_DATE_NANOS("2023-03-23T12:15:03.360103847Z"))"#, "-18489600")]
// The millisecond start is later by 103847 ns: not a whole second less.
#[case(r#"DATE_DIFF("seconds", TO_DATETIME("2023-10-23T12:15:03.360Z"), TO_DATE_NANOS("2023-03-23T12:15:03.360103847Z"))"#, "-18489599")]
#[case(r#"DATE_DIFF("nanoseconds", TO_DATE_NANOS("2023-10-23T00:00:00Z"), TO_DATE_NANOS("2023-10-23T00:00:00.000000007Z"))"#, "7")]
#[case(r#"DATE_DIFF("month", TO_DATE_NANOS("2023-01-31T00:00:00.000000002Z"), TO_DATE_NANOS("2023-02-28T00:00:00.000000001Z"))"#, "0")]
#[case(r#"DAY_NAME(TO_DATE_NANOS("2023-10-23T00:00:00Z"))"#, "Monday")]
#[case(r#"GREATEST(TO_DATE_NANOS("2023-10-23T13:55:01.543123456"), TO_DATE_NANOS("2023-10-23T13:53:55.832987654"))"#, "2023-10-23T13:55:01.543123456Z")]
#[case(r#"LEAST(TO_DATE_NANOS("2023-10-23T13:55:01.543123456"), TO_DATE_NANOS("2023-10-23T13:53:55.832987654"))"#, "2023-10-23T13:53:55.832987654Z")]
#[case(
    "COALESCE(null, TO_DATE_NANOS(1698069301543123456))",
    "2023-10-23T13:55:01.543123456Z"
)]
#[case(
    "CASE(false, TO_DATE_NANOS(0::long), TO_DATE_NANOS(1698069301543123456))",
    "2023-10-23T13:55:01.543123456Z"
)]
#[case(r#"MV_SORT(TO_DATE_NANOS(["1970-01-01T00:00:00.000000003Z", "1970-01-01T00:00:00.000000001Z", "1970-01-01T00:00:00.000000002Z"]), "desc")"#, "[1970-01-01T00:00:00.000000003Z, 1970-01-01T00:00:00.000000002Z, 1970-01-01T00:00:00.000000001Z]")]
#[case(r#"MV_DEDUPE(TO_DATE_NANOS(["1970-01-01T00:00:00.000000003Z", "1970-01-01T00:00:00.000000003Z"]))"#, "1970-01-01T00:00:00.000000003Z")]
#[case(r#"MV_SLICE(TO_DATE_NANOS(["1970-01-01T00:00:00.000000001Z", "1970-01-01T00:00:00.000000002Z"]), 1)"#, "1970-01-01T00:00:00.000000002Z")]
fn functions(#[case] expr: &str, #[case] want: &str) {
    assert_eq!(cells(&format!("ROW x = {expr}")), [format!("x={want}")]);
}

/// `DATE_TRUNC` keeps the type of its date: `date_nanos` for a nanosecond date.
#[test]
fn truncating_keeps_the_type() {
    let t = run_on(
        "ROW x = DATE_TRUNC(1 hour, TO_DATE_NANOS(0::long)), y = DATE_TRUNC(1 hour, null)",
        "",
        Mapping::default(),
    )
    .unwrap();
    let types: Vec<&str> = t.columns.iter().map(|c| c.ty.name()).collect();
    assert_eq!(types, ["date_nanos", "date"]);
}

const DOCS: &str = r#"{"t":"2023-10-23T13:55:01.543123456Z","ms":"2023-10-23T13:55:01.543Z","k":"a"}
{"t":"2023-10-23T13:55:01.543123455Z","ms":"2023-10-23T13:55:01.543Z","k":"b"}
{"t":"2023-10-23T13:55:01.543123457Z","ms":"2023-10-23T13:55:01.543Z","k":"c"}
{"t":["2023-10-23T13:55:01.543123457Z","1698069301543"],"ms":"2023-10-23T13:55:01.543Z","k":"d"}
{"ms":"2023-10-23T13:55:01.543Z","k":"e"}
"#;

/// Documents of a `date_nanos` field: strings at full precision, numbers as milliseconds
/// (`epoch_millis`), multivalues sorted as doc values; nanoseconds one apart sort and group
/// apart.
#[test]
fn documents_keep_the_nanoseconds_through_sort_and_stats() {
    let got = cells_on("FROM logs-* | SORT t ASC NULLS LAST, k | KEEP k, t", DOCS);
    assert_eq!(
        got,
        [
            "k=d",
            "t=[2023-10-23T13:55:01.543Z, 2023-10-23T13:55:01.543123457Z]",
            "k=b",
            "t=2023-10-23T13:55:01.543123455Z",
            "k=a",
            "t=2023-10-23T13:55:01.543123456Z",
            "k=c",
            "t=2023-10-23T13:55:01.543123457Z",
            "k=e",
            "t=null",
        ]
    );
    // Descending puts nulls first, as Elasticsearch's default.
    let got = cells_on(
        "FROM logs-* | WHERE k != \"d\" | STATS n = COUNT(*) BY t | SORT t DESC",
        DOCS,
    );
    assert_eq!(
        got,
        [
            "n=1",
            "t=null",
            "n=1",
            "t=2023-10-23T13:55:01.543123457Z",
            "n=1",
            "t=2023-10-23T13:55:01.543123456Z",
            "n=1",
            "t=2023-10-23T13:55:01.543123455Z",
        ]
    );
    let got = cells_on(
        "FROM logs-* | STATS lo = MIN(t), hi = MAX(t), n = COUNT(t), d = COUNT_DISTINCT(t), v = MV_SORT(VALUES(t))",
        DOCS,
    );
    assert_eq!(
        got,
        [
            "lo=2023-10-23T13:55:01.543Z",
            "hi=2023-10-23T13:55:01.543123457Z",
            "n=5",
            "d=4",
            "v=[2023-10-23T13:55:01.543Z, 2023-10-23T13:55:01.543123455Z, 2023-10-23T13:55:01.543123456Z, 2023-10-23T13:55:01.543123457Z]",
        ]
    );
    // A nanosecond date equals a millisecond date only at a whole millisecond.
    let got = cells_on("FROM logs-* | WHERE MV_MIN(t) == ms | KEEP k", DOCS);
    assert_eq!(got, ["k=d"]);
    // The latest by a nanosecond sort key.
    let got = cells_on(
        "FROM logs-* | WHERE k != \"d\" | STATS k = LAST(k, t)",
        DOCS,
    );
    assert_eq!(got, ["k=c"]);
}

/// A document value outside the nanosecond range is refused, as the mapper refuses it.
#[test]
fn documents_out_of_range_are_refused() {
    for doc in [
        r#"{"t":"1969-12-31T23:59:59Z"}"#,
        r#"{"t":"2263-01-01T00:00:00Z"}"#,
        r#"{"t":-1}"#,
    ] {
        let e = run_on("FROM logs-* | KEEP t", doc, nanos_mapping()).unwrap_err();
        assert!(e.contains("date_nanos"), "{doc}: {e}");
    }
}

/// `BUCKET` over nanosecond dates, by a span and by a count over a range.
#[test]
fn buckets() {
    let got = cells_on(
        "FROM logs-* | WHERE k != \"d\" | STATS n = COUNT(*) BY b = BUCKET(t, 1 hour) | SORT b",
        DOCS,
    );
    assert_eq!(got, ["n=3", "b=2023-10-23T13:00:00.000Z", "n=1", "b=null"]);
    let got = cells_on(
        r#"FROM logs-* | WHERE t IS NOT NULL AND k != "d" | STATS n = COUNT(*) BY b = BUCKET(t, 20, "2023-01-01", "2023-12-31")"#,
        DOCS,
    );
    assert_eq!(got, ["n=3", "b=2023-10-01T00:00:00.000Z"]);
}

/// KQL on a `date_nanos` field: a date bound compares with the nanosecond values as instants
/// (before, the bound was a string and nothing compared).
#[test]
fn kql_ranges_on_a_nanosecond_field() {
    use rulegate::kql::eval::{Compiled, Schema};
    let parsed = rulegate::esql::parse("FROM logs-* | KEEP t, k").unwrap();
    let selection = rulegate::eval::fields_for(&parsed, &[]);
    let options = LoadOptions {
        default_index: Some("logs-test-default".into()),
        mapping: nanos_mapping(),
        ..Default::default()
    };
    let store = Documents::from_ndjson(DOCS.as_bytes(), &selection, options).unwrap();
    let matching = |query: &str| -> Vec<usize> {
        let tree = rulegate::kql::parse(query).unwrap();
        let schema = Schema {
            columns: &store.columns,
            now: 0,
        };
        let compiled = Compiled::compile(&tree, &schema).unwrap();
        (0..5).filter(|&i| compiled.matches(store.row(i))).collect()
    };
    assert_eq!(matching(r#"t > "2023-10-23T13:55:01.543Z""#), [0, 1, 2, 3]);
    assert_eq!(
        matching(r#"t < "2023-10-23T13:55:01.543Z""#),
        Vec::<usize>::new()
    );
    assert_eq!(matching(r#"t <= "2023-10-23T13:55:01.543Z""#), [3]);
}

//! String literals passed to function parameters that take no string are converted to the
//! parameter's type, as Elasticsearch's analyzer rule `ImplicitCasting` does (`ABS("10.0")`,
//! `DATE_DIFF("day", "2023-01-01", d)`, `IP_PREFIX(ip, "24", 0)`); an unparsable one is an
//! analysis error at the literal; columns, function calls and `null` are not cast.

use rstest::rstest;
use rulegate::document::Documents;
use rulegate::eval::{Plan, Window};

/// The one row of `query` as `col=value` pairs.
fn row(query: &str) -> Vec<String> {
    let parsed = rulegate::esql::parse(query).expect("query parses");
    let plan = Plan::compile(&parsed, query, &[]).expect("query compiles");
    let t = plan.run(&Documents::default(), Window::All, 0);
    assert!(t.warnings.is_empty(), "no warning: {:?}", t.warnings);
    t.rows[0]
        .iter()
        .zip(&t.columns)
        .map(|(c, col)| format!("{}:{}={}", col.name, col.ty.name(), c.to_display()))
        .collect()
}

/// The compile error of a one-line `query`: code, `line:column` and message.
fn compile_error(query: &str) -> (String, String, String) {
    let parsed = rulegate::esql::parse(query).expect("query parses");
    let d = Plan::compile(&parsed, query, &[]).expect_err("query is refused");
    let at = format!("1:{}", d.labels[0].span.start + 1);
    (d.code.to_string(), at, d.message)
}

/// Elasticsearch's own examples: `math/evalAbsString`, `date/*String`, the implicit-casting
/// page's `DATE_DIFF`, and values checked against the functions' documented results.
#[rstest]
#[case(
    r#"ROW number = -1.0 | EVAL abs_number = ABS("10.0")"#,
    "abs_number:double=10.0"
)]
#[case(r#"ROW a = ROUND("1.55", "1")"#, "a:double=1.6")]
#[case(r#"ROW a = SQRT("4")"#, "a:double=2.0")]
#[case(r#"ROW a = POW("2", 10)"#, "a:double=1024.0")]
#[case(r#"ROW a = MV_AVG("3")"#, "a:double=3.0")]
#[case(r#"ROW a = SUBSTRING("hello", "2", "3")"#, "a:keyword=ell")]
#[case(
    r#"ROW d = TO_DATETIME("2023-03-15T10:00:00Z") | EVAL t = DATE_DIFF("day", "2023-01-01", d)"#,
    "t:integer=73"
)]
#[case(
    r#"ROW d = TO_DATETIME("2023-03-15T10:00:00Z") | EVAL t = DATE_TRUNC("1 month", d)"#,
    "t:date=2023-03-01T00:00:00.000Z"
)]
#[case(
    r#"ROW a = 1 | EVAL t = DATE_TRUNC(1 month, "2024-11-22")"#,
    "t:date=2024-11-01T00:00:00.000Z"
)]
#[case(
    r#"ROW a = 1 | EVAL y = DATE_EXTRACT("year", "2022-05-06")"#,
    "y:long=2022"
)]
#[case(r#"ROW a = 1 | EVAL m = MONTH_NAME("2023-05-06")"#, "m:keyword=May")]
#[case(
    r#"ROW a = 1 | EVAL f = DATE_FORMAT("yyyy", "2023-05-06")"#,
    "f:keyword=2023"
)]
#[case(
    r#"ROW a = 1 | EVAL c = CIDR_MATCH("10.1.2.3", "10.0.0.0/8")"#,
    "c:boolean=true"
)]
#[case(
    r#"ROW a = 1 | EVAL p = IP_PREFIX("1.2.3.4", "24", 0)"#,
    "p:ip=1.2.3.0"
)]
// Targets checked against Elasticsearch's `@Param` types (docs/esql-semantics.md): a double
// magnitude keeps `COPY_SIGN` a double, `SCALB`'s scale factor is a whole number, the date
// functions and `ROUND_TO`'s points take `datetime`.
#[case(r#"ROW a = CEIL("1.2")"#, "a:double=2.0")]
#[case(r#"ROW a = FLOOR("1.8")"#, "a:double=1.0")]
#[case(r#"ROW a = COPY_SIGN("2", -1)"#, "a:double=-2.0")]
#[case(r#"ROW a = SCALB(3.0, "10")"#, "a:double=3072.0")]
#[case(r#"ROW a = MV_SUM("3")"#, "a:double=3.0")]
#[case(r#"ROW a = MV_MEDIAN("3")"#, "a:double=3.0")]
#[case(r#"ROW a = 1 | EVAL d = DAY_NAME("2023-05-06")"#, "d:keyword=Saturday")]
#[case(r#"ROW a = 1 | EVAL n = DAYS_IN_MONTH("2024-02-15")"#, "n:long=29")]
#[case(
    r#"ROW a = 1 | EVAL r = ROUND_TO("2023-05-06", "2023-01-01", "2023-06-01")"#,
    "r:date=2023-01-01T00:00:00.000Z"
)]
fn a_string_literal_is_cast_to_the_parameter_type(#[case] query: &str, #[case] want: &str) {
    let got = row(query);
    assert_eq!(got.last().map(String::as_str), Some(want), "{query}");
}

/// A literal that does not convert is Elasticsearch's analysis error, at the literal: the
/// messages and columns of `AnalyzerTests.testImplicitCastingErrorMessages`.
#[rstest]
#[case(
    r#"row a = round(123.45, "c")"#,
    "1:23",
    "Cannot convert string [c] to [LONG], error [Cannot parse number [c]]"
)]
#[case(
    r#"row a = 1 | eval x = acos("c")"#,
    "1:27",
    "Cannot convert string [c] to [DOUBLE], error [Cannot parse number [c]]"
)]
#[case(
    r#"row ip4 = to_ip("1.2.3.4") | eval ip4_prefix = ip_prefix(ip4, "x", 0)"#,
    "1:63",
    "Cannot convert string [x] to [INTEGER], error [Cannot parse number [x]]"
)]
#[case(
    r#"ROW a=[3, 5, 1, 6] | EVAL avg_a = MV_AVG("a")"#,
    "1:42",
    "Cannot convert string [a] to [DOUBLE], error [Cannot parse number [a]]"
)]
#[case(
    r#"ROW a = SPACE("99999999999")"#,
    "1:15",
    "Cannot convert string [99999999999] to [INTEGER], error [Cannot parse number [99999999999]]"
)]
#[case(
    r#"ROW a = DATE_DIFF("day", "nope", NOW())"#,
    "1:26",
    "Cannot convert string [nope] to [DATETIME], error [failed to parse date field [nope] with format [strict_date_optional_time]]"
)]
#[case(
    r#"ROW a = CIDR_MATCH("1.2.3", "10.0.0.0/8")"#,
    "1:20",
    "Cannot convert string [1.2.3] to [IP], error ['1.2.3' is not an IP string literal.]"
)]
fn an_unparsable_literal_is_an_analysis_error(
    #[case] query: &str,
    #[case] at: &str,
    #[case] message: &str,
) {
    let (code, got_at, got) = compile_error(query);
    assert_eq!(
        (code.as_str(), got_at.as_str(), got.as_str()),
        ("E302", at, message)
    );
}

/// Only literals are cast: a string column, a function's result (`CONCAT`) and a string
/// parameter (`DATE_FORMAT`'s one argument is its format parameter, which takes strings) keep
/// their type error; `null` is no string and gives null.
#[test]
fn columns_calls_and_null_are_not_cast() {
    let (code, _, message) = compile_error(r#"ROW s = "10" | EVAL x = ABS(s)"#);
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "E302",
            "argument 1 of [ABS(s)] must be [numeric], found value of type [keyword]"
        )
    );
    let (_, _, message) = compile_error(r#"ROW x = ABS(CONCAT("1", "0"))"#);
    assert_eq!(
        message,
        r#"argument 1 of [ABS(CONCAT("1", "0"))] must be [numeric], found value of type [keyword]"#
    );
    let (_, _, message) = compile_error(r#"ROW x = DATE_FORMAT("2023-01-01")"#);
    assert_eq!(
        message,
        r#"argument 1 of [DATE_FORMAT("2023-01-01")] must be [datetime], found value of type [keyword]"#
    );
    assert_eq!(row("ROW a = ABS(null)"), ["a:null=null"]);
    assert_eq!(
        row(r#"ROW a = DATE_DIFF("day", null, "2023-01-02")"#),
        ["a:integer=null"]
    );
}

/// `rulegate query` with an unparsable literal: exit 2, Elasticsearch's message at the literal.
#[test]
fn the_cli_exits_2_with_the_message_at_the_literal() {
    let input = crate::support::scratch_file(
        "implicit-casting",
        "input.ndjson",
        b"{\"@timestamp\":\"2023-03-15T10:00:00Z\"}\n",
    );
    let out = crate::support::rulegate()
        .args([
            "query",
            "--esql",
            r#"ROW a = 1 | EVAL x = acos("c")"#,
            "--input",
        ])
        .arg(&input)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(
            "error[E302]: Cannot convert string [c] to [DOUBLE], error [Cannot parse number [c]]"
        ) && stderr.contains("<query>:1:27"),
        "{stderr}"
    );
}

/// A string literal compared with a `datetime`, `ip` or `version` operand, or listed in an `IN`
/// against one, is converted when the query compiles: a match keeps the row, an unparsable one
/// is the analysis error at the literal (not a warning and null per row).
#[test]
fn a_compared_literal_is_converted_when_the_query_compiles() {
    let d = r#"ROW d = TO_DATETIME("2023-03-15T10:00:00Z")"#;
    assert_eq!(
        row(&format!(r#"{d} | WHERE "2023-01-01" < d | EVAL x = 1"#))
            .last()
            .unwrap(),
        "x:integer=1"
    );
    assert_eq!(
        row(&format!(
            r#"{d} | WHERE d IN ("2023-03-15T10:00:00Z", null) | EVAL x = 1"#
        ))
        .last()
        .unwrap(),
        "x:integer=1"
    );
    let (code, at, message) = compile_error(&format!(r#"{d} | WHERE d > "nope""#));
    assert_eq!(
        (code.as_str(), at.as_str(), message.as_str()),
        (
            "E302",
            "1:57",
            "Cannot convert string [nope] to [DATETIME], error [failed to parse date field [nope] with format [strict_date_optional_time]]"
        )
    );
    let (_, at, message) =
        compile_error(r#"ROW ip = TO_IP("1.2.3.4") | WHERE ip IN ("1.2.3.4", "x")"#);
    assert_eq!(
        (at.as_str(), message.as_str()),
        (
            "1:53",
            "Cannot convert string [x] to [IP], error ['x' is not an IP string literal.]"
        )
    );
}

//! The function catalog (`src/eval/functions/catalog.tsv`: every function of Elasticsearch's
//! definitions, by category): which are implemented, the `E303`/`E304` of the rest, and each
//! added function against Elasticsearch's documented examples and edge cases (null,
//! multivalued, overflow, out of range).

use rstest::rstest;
use rulegate::document::Documents;
use rulegate::eval::functions::catalog;
use rulegate::eval::{Plan, Table, Window};

/// How a function fares in the engine: `Ok` when it compiles (possibly rejecting the probe's
/// argument, `E302`), `Err((code, message))` when it is refused as such.
fn probe(name: &str, category: &str) -> Result<(), (String, String)> {
    let mut refusal = None;
    for args in ["a", "a, a", "a, 1, \"asc\""] {
        let query = if category == "aggregate" || category == "grouping" {
            format!("ROW a = 1 | STATS x = {name}({args})")
        } else {
            format!("ROW a = 1 | EVAL x = {name}({args})")
        };
        let parsed = rulegate::esql::parse(&query).expect("probe parses");
        match Plan::compile(&parsed, &query, &[]) {
            Err(d) if d.code == "E303" || d.code == "E304" => {
                refusal = Some((d.code.to_string(), d.message))
            }
            // Compiled, or refused the probe's arguments (`E302`): the function exists.
            _ => return Ok(()),
        }
    }
    Err(refusal.expect("three probes"))
}

#[test]
fn every_catalogued_function_is_implemented_or_refused_with_its_category() {
    let entries: Vec<(&str, &str)> = catalog::entries().collect();
    assert!(entries.len() > 200, "the catalog lists every definition");
    let mut names: Vec<&str> = entries.iter().map(|(n, _)| *n).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), entries.len(), "each function is listed once");
    let (mut implemented, mut missing) = (Vec::new(), Vec::new());
    let mut spatial = Vec::new();
    for (name, category) in &entries {
        match probe(name, category) {
            Ok(()) if *category == "spatial" => {
                implemented.push(*name);
                spatial.push(*name);
            }
            Ok(()) => implemented.push(*name),
            Err((code, message)) => {
                let upper = name.to_uppercase();
                match catalog::excluded_because(category) {
                    Some(_) => {
                        assert_eq!(code, "E303", "{name}: {message}");
                        let cat = category.replace('_', " ");
                        assert!(
                            message.contains(&upper) && message.contains(&cat),
                            "{message}"
                        );
                    }
                    None if *category == "full_text" => {
                        assert_eq!(code, "E304", "{name}: {message}");
                        assert!(message.contains("search index"), "{message}");
                    }
                    None => {
                        assert_eq!(code, "E303", "{name}: {message}");
                        assert!(
                            message.contains("not supported by rulegate yet"),
                            "{message}"
                        );
                        missing.push(*name);
                    }
                }
            }
        }
    }
    println!(
        "functions: {} implemented, {} in scope and not yet supported: {missing:?}",
        implemented.len(),
        missing.len()
    );
    assert_eq!(
        missing,
        catalog::NOT_YET,
        "update catalog::NOT_YET to what the engine lacks"
    );
    // Of the excluded spatial category, only the `geo_point` functions rules call are evaluated.
    assert_eq!(spatial, catalog::SPATIAL_EVALUATED);
}

#[test]
fn an_unknown_function_is_elasticsearchs_error() {
    let query = "ROW a = 1 | EVAL x = no_such_fn(a)";
    let parsed = rulegate::esql::parse(query).unwrap();
    let d = Plan::compile(&parsed, query, &[]).unwrap_err();
    assert_eq!(
        (d.code, d.message.as_str()),
        ("E303", "Unknown function [no_such_fn]")
    );
}

/// A multivalued input to `GROK` (or `DISSECT`) is matched value by value; each column gathers
/// the matches in order, a value that does not match adds nothing, none matching is null, and
/// there is no warning (Elasticsearch's `grok/multivalueInput`, employee 10006 and 10001).
#[test]
fn grok_and_dissect_match_a_multivalued_input_value_by_value() {
    let got = row_and_warnings(
        r#"ROW j = ["Principal Support Engineer", "Senior Team Lead", "Tech Lead"] | GROK j "%{WORD:a} %{WORD:b} %{WORD:c}" | KEEP a, b, c"#,
    );
    assert_eq!(
        got,
        [
            "a=[Principal, Senior]",
            "b=[Support, Team]",
            "c=[Engineer, Lead]"
        ]
    );
    let got = row_and_warnings(
        r#"ROW j = ["Accountant", "Senior Python Developer"] | GROK j "%{WORD:a} %{WORD:b} %{WORD:c}" | KEEP a, c"#,
    );
    assert_eq!(got, ["a=Senior", "c=Developer"]);
    let got = row_and_warnings(r#"ROW j = ["x", "y"] | GROK j "%{WORD:a} %{WORD:b}" | KEEP a"#);
    assert_eq!(got, ["a=null"]);
    let got =
        row_and_warnings(r#"ROW j = ["x-1", "y", "z-3"] | DISSECT j "%{w}-%{n}" | KEEP w, n"#);
    assert_eq!(got, ["w=[x, z]", "n=[1, 3]"]);
}

fn run(query: &str) -> Table {
    let parsed = rulegate::esql::parse(query).expect("query parses");
    let plan = Plan::compile(&parsed, query, &[]).expect("query compiles");
    plan.run(&Documents::default(), Window::All, 0)
}

/// The one row of `query` as `col=value` pairs, then each warning.
fn row_and_warnings(query: &str) -> Vec<String> {
    let t = run(query);
    let mut out: Vec<String> = t.rows[0]
        .iter()
        .zip(&t.columns)
        .map(|(c, col)| format!("{}={}", col.name, c.to_display()))
        .collect();
    out.extend(t.warnings.iter().map(|w| format!("warning: {w}")));
    out
}

/// Examples of Elasticsearch's documentation (function definitions and csv-spec results).
#[rstest]
#[case("ROW a=.9 | EVAL acos=ACOS(a)", "acos=0.45102681179626236")]
#[case("ROW a=.9 | EVAL asin=ASIN(a)", "asin=1.1197695149986342")]
#[case("ROW a=12.9 | EVAL atan=ATAN(a)", "atan=1.4934316673669235")]
#[case(
    "ROW y=12.9, x=.6 | EVAL atan2=ATAN2(y, x)",
    "atan2=1.5243181954438936"
)]
#[case("ROW a=1.8 | EVAL cos=COS(a)", "cos=-0.2272020946930871")]
#[case("ROW a=1.8 | EVAL cosh=COSH(a)", "cosh=3.1074731763172667")]
#[case("ROW a=1.8 | EVAL sin=SIN(a)", "sin=0.9738476308781951")]
#[case("ROW a=1.8 | EVAL sinh=SINH(a)", "sinh=2.94217428809568")]
#[case("ROW a=1.8 | EVAL tan=TAN(a)", "tan=-4.286261674628062")]
#[case("ROW a=1.8 | EVAL tanh=TANH(a)", "tanh=0.9468060128462683")]
#[case("ROW d = 5.0 | EVAL s = EXP(d)", "s=148.4131591025766")]
#[case("ROW d = 1000.0 | EVAL c = CBRT(d)", "c=10.0")]
#[case("ROW d = -0.0 | EVAL c = CBRT(d)", "c=-0.0")]
#[case("ROW a = 3.0, b = 4.0 | EVAL c = HYPOT(a, b)", "c=5.0")]
#[case("ROW base = 2.0, value = 8.0 | EVAL s = LOG(base, value)", "s=3.0")]
#[case("ROW value = 100 | EVAL s = LOG(value)", "s=4.605170185988092")]
#[case(
    "ROW b = TO_LONG(1000000000000), v = 10 | EVAL s = LOG(b, v)",
    "s=0.08333333333333333"
)]
#[case(
    "ROW v = TO_UL(1000000000000000000) | EVAL s = LOG(v)",
    "s=41.44653167389282"
)]
#[case(
    "ROW rad = [1.57, 3.14, 4.71] | EVAL deg = TO_DEGREES(rad)",
    "deg=[89.95437383553924, 179.9087476710785, 269.86312150661774]"
)]
#[case(
    "ROW deg = [90.0, 180.0, 270.0] | EVAL rad = TO_RADIANS(deg)",
    "rad=[1.5707963267948966, 3.141592653589793, 4.71238898038469]"
)]
#[case("ROW m = 10, s = -1 | EVAL c = COPY_SIGN(m, s)", "c=-10")]
#[case("ROW m = 2.5, s = -0.0 | EVAL c = COPY_SIGN(m, s)", "c=-2.5")]
#[case("ROW x = 3.0, n = 10 | EVAL s = SCALB(x, n)", "s=3072.0")]
#[case(
    "ROW values = [5, 5, 10, 12, 5000] | EVAL p50 = MV_PERCENTILE(values, 50)",
    "p50=10"
)]
#[case(
    "ROW values = [1, 2, 3, 4] | EVAL p = MV_PERCENTILE(values, 50)",
    "p=2"
)]
#[case(
    "ROW values = [1.0, 2.0, 3.0, 4.0] | EVAL p = MV_PERCENTILE(values, 50)",
    "p=2.5"
)]
#[case(
    "ROW a = [70.0, 45.0, 21.0, 21.0, 21.0] | EVAL sum = MV_PSERIES_WEIGHTED_SUM(a, 1.5)",
    "sum=94.45465156212452"
)]
#[case(
    "ROW values = [0, 2, 5, 6] | EVAL mad = MV_MEDIAN_ABSOLUTE_DEVIATION(values)",
    "mad=2"
)]
#[case(
    "ROW values = [0.0, 2.0, 5.0, 6.0] | EVAL mad = MV_MEDIAN_ABSOLUTE_DEVIATION(values)",
    "mad=2.0"
)]
#[case(r#"ROW u = "https%3A%2F%2Fwww.example.com%2Fpapers%3Fq%3Dinformation%2Bretrieval%26year%3D2024%26citations%3Dhigh" | EVAL d = URL_DECODE(u)"#, "d=https://www.example.com/papers?q=information+retrieval&year=2024&citations=high")]
#[case(r#"ROW u = "https://www.example.com/papers?q=information+retrieval&year=2024&citations=high" | EVAL e = URL_ENCODE(u)"#, "e=https%3A%2F%2Fwww.example.com%2Fpapers%3Fq%3Dinformation%2Bretrieval%26year%3D2024%26citations%3Dhigh")]
#[case(r#"ROW u = "https://www.example.com/papers?q=information retrieval&year=2024&citations=high" | EVAL e = URL_ENCODE_COMPONENT(u)"#, "e=https%3A%2F%2Fwww.example.com%2Fpapers%3Fq%3Dinformation%20retrieval%26year%3D2024%26citations%3Dhigh")]
#[case(
    r#"ROW u = "a b*~é" | EVAL e = URL_ENCODE(u), c = URL_ENCODE_COMPONENT(u)"#,
    "e=a+b*%7E%C3%A9"
)]
#[case(r#"ROW u = "a+b%20c%C3%A9" | EVAL d = URL_DECODE(u)"#, "d=a b cé")]
#[case(
    r#"ROW m = "Connected to 10.1.0.1" | EVAL h = MD5(m)"#,
    "h=abd7d1ce2bb636842a29246b3512dcae"
)]
#[case(
    r#"ROW m = "Connected to 10.1.0.1" | EVAL h = SHA1(m)"#,
    "h=42b85531a79088036a17759db7d2de292b92f57f"
)]
#[case(
    r#"ROW m = "Connected to 10.1.0.1" | EVAL h = SHA256(m)"#,
    "h=6d8372129ad78770f7185554dd39864749a62690216460752d6c075fa38ad85c"
)]
#[case(
    r#"ROW m = "Connected to 10.1.0.1" | EVAL h = HASH("md5", m)"#,
    "h=abd7d1ce2bb636842a29246b3512dcae"
)]
#[case(
    r#"ROW m = "" | EVAL h = HASH("SHA-256", m)"#,
    "h=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
)]
#[case(r#"ROW a = "ZWxhc3RpYw==" | EVAL d = FROM_BASE64(a)"#, "d=elastic")]
#[case(r#"ROW a = "elastic" | EVAL e = TO_BASE64(a)"#, "e=ZWxhc3RpYw==")]
#[case(
    r#"ROW a = "ab" | EVAL e = TO_BASE64(a), d = FROM_BASE64("YWI")"#,
    "e=YWI="
)]
#[case(
    r#"ROW message = CONCAT("Hello", SPACE(1), "World!")"#,
    "message=Hello World!"
)]
#[case(r#"ROW a = "hello" | EVAL has_ll = CONTAINS(a, "ll")"#, "has_ll=true")]
#[case(
    r#"ROW city = "Agwār" | EVAL l = LENGTH(city), b = BYTE_LENGTH(city), bits = BIT_LENGTH(city)"#,
    "b=6"
)]
#[case(
    r#"ROW d = TO_DATETIME("2023-01-23T12:15:00Z") | EVAL n = DAY_NAME(d), m = MONTH_NAME(d)"#,
    "n=Monday"
)]
#[case(
    r#"ROW dt = TO_DATETIME("2024-02-15T00:00:00.000Z") | EVAL days = DAYS_IN_MONTH(dt)"#,
    "days=29"
)]
#[case(r#"ROW days = DAYS_IN_MONTH("2023-02-15")"#, "days=28")]
#[case(
    r#"ROW a = "a", b = ["a", "b", "c"] | EVAL s = MV_CONTAINS_ALL(b, a)"#,
    "s=true"
)]
#[case(
    r#"ROW a = ["a", "d"], b = ["a", "b", "c"] | EVAL s = MV_CONTAINS_ALL(b, a)"#,
    "s=false"
)]
#[case(r#"ROW b = ["a", "b"] | EVAL s = MV_CONTAINS_ALL(b, null)"#, "s=null")]
#[case("ROW v = 7 | EVAL r = ROUND_TO(v, 0, 5, 10)", "r=5")]
#[case("ROW v = -3 | EVAL r = ROUND_TO(v, 0, 5, 10)", "r=0")]
#[case("ROW v = 12.5 | EVAL r = ROUND_TO(v, 0, 5, 10)", "r=10.0")]
#[case(r#"ROW d = TO_DATETIME("1953-09-02T00:00:00Z") | EVAL r = ROUND_TO(d, "1950-01-01T00:00:00Z"::DATETIME, "1955-01-01T00:00:00Z"::DATETIME)"#, "r=1950-01-01T00:00:00.000Z")]
#[case(
    r#"ROW a = ["a", "b", "c", "b"], b = ["b", "c", "d"] | EVAL i = MV_INTERSECTION(a, b)"#,
    "i=[b, c]"
)]
#[case(
    r#"ROW a = ["a", "b"], b = ["b", "c"] | EVAL u = MV_UNION(a, b)"#,
    "u=[a, b, c]"
)]
#[case(
    r#"ROW a = ["a", "b", "c"], b = ["b"] | EVAL d = MV_DIFFERENCE(a, b)"#,
    "d=[a, c]"
)]
#[case(
    r#"ROW a = ["a", "b"], b = "x" | EVAL i = MV_INTERSECTION(a, b), t = MV_INTERSECTS(a, b)"#,
    "i=null"
)]
#[case(
    r#"ROW a = [1, 2], b = [2, 3] | EVAL t = MV_INTERSECTS(a, b)"#,
    "t=true"
)]
// `REPLACE` takes `java.util.regex` syntax: the negative look-ahead of
// `defense_evasion_posh_obfuscation_backtick` (elastic/detection-rules), and back-references.
#[case(
    r#"ROW s = "x`y c`n 1`2" | EVAL r = REPLACE(s, """[A-Za-z0-9_-]`(?![rntb]|\r|\n|\d)[A-Za-z0-9_-]""", "X")"#,
    "r=X c`n 1`2"
)]
#[case(
    r#"ROW s = "abab cdcd" | EVAL r = REPLACE(s, """(ab)\1""", "<$1>")"#,
    "r=<ab> cdcd"
)]
#[case(
    r#"ROW s = "price 100 eur 200" | EVAL r = REPLACE(s, """\d+(?= eur)""", "N")"#,
    "r=price N eur 200"
)]
fn documented_examples(#[case] query: &str, #[case] expected: &str) {
    let got = row_and_warnings(query);
    assert!(
        got.iter().any(|c| c == expected),
        "{query}\n  want {expected}\n  got {got:?}"
    );
    assert!(!got.iter().any(|c| c.starts_with("warning")), "{got:?}");
}

/// Null, multivalued, overflow and out-of-range input: null with Elasticsearch's warning.
#[rstest]
#[case(
    "ROW a = 2 | EVAL x = ACOS(a)",
    "java.lang.ArithmeticException: Acos input out of range"
)]
#[case(
    "ROW a = -1.5 | EVAL x = ASIN(a)",
    "java.lang.ArithmeticException: Asin input out of range"
)]
#[case(
    "ROW a = 1 | EVAL x = ATANH(a)",
    "java.lang.ArithmeticException: Atanh input out of range"
)]
#[case(
    "ROW a = 0.5 | EVAL x = ACOSH(a)",
    "java.lang.ArithmeticException: Acosh input out of range"
)]
#[case(
    "ROW a = 1000 | EVAL x = COSH(a)",
    "java.lang.ArithmeticException: cosh overflow"
)]
#[case(
    "ROW a = -1000 | EVAL x = SINH(a)",
    "java.lang.ArithmeticException: sinh overflow"
)]
#[case(
    "ROW a = 1000 | EVAL x = EXP(a)",
    "java.lang.ArithmeticException: exp overflow"
)]
#[case(
    "ROW b = 2.0, v = -2 | EVAL x = LOG(b, v)",
    "java.lang.ArithmeticException: Log of non-positive number"
)]
#[case(
    "ROW b = 1, v = 2 | EVAL x = LOG(b, v)",
    "java.lang.ArithmeticException: Log of base 1"
)]
#[case(
    "ROW v = 0 | EVAL x = LOG(v)",
    "java.lang.ArithmeticException: Log of non-positive number"
)]
#[case(
    "ROW a = 1.7E308, b = 1.7E308 | EVAL x = HYPOT(a, b)",
    "java.lang.ArithmeticException: hypot overflow"
)]
#[case(
    "ROW m = -2147483648, s = 1 | EVAL x = COPY_SIGN(m, s)",
    "java.lang.ArithmeticException: integer overflow"
)]
#[case(
    "ROW x = 1.0, n = 2000 | EVAL s = SCALB(x, n)",
    "java.lang.ArithmeticException: not a finite double number: Infinity"
)]
#[case("ROW v = [1, 2], p = 101 | EVAL x = MV_PERCENTILE(v, p)", "java.lang.IllegalArgumentException: Percentile parameter must be a number between 0 and 100, found [101.0]")]
#[case(r#"ROW u = "%zz" | EVAL x = URL_DECODE(u)"#, r#"java.lang.IllegalArgumentException: URLDecoder: Illegal hex characters in escape (%) pattern - Error at index 0 in: "zz""#)]
#[case(
    r#"ROW u = "100%" | EVAL x = URL_DECODE(u)"#,
    "java.lang.IllegalArgumentException: URLDecoder: Incomplete trailing escape (%) pattern"
)]
#[case(r#"ROW u = "%-1" | EVAL x = URL_DECODE(u)"#, "java.lang.IllegalArgumentException: URLDecoder: Illegal hex characters in escape (%) pattern - negative value")]
#[case(
    r#"ROW u = "é%" | EVAL x = URL_DECODE(u)"#,
    "java.lang.IllegalArgumentException: URLDecoder: Incomplete trailing escape (%) pattern"
)]
#[case(
    r#"ROW a = "a" | EVAL x = FROM_BASE64(a)"#,
    "java.lang.IllegalArgumentException: Last unit does not have enough valid bits"
)]
#[case(
    r#"ROW a = "a-b=" | EVAL x = FROM_BASE64(a)"#,
    "java.lang.IllegalArgumentException: Illegal base64 character 2d"
)]
#[case(
    r#"ROW a = "x" | EVAL x = HASH("sha3", a)"#,
    "java.security.NoSuchAlgorithmException: sha3 MessageDigest not available"
)]
#[case(
    "ROW n = -1 | EVAL x = SPACE(n)",
    "java.lang.IllegalArgumentException: Number parameter cannot be negative, found [-1]"
)]
#[case("ROW n = 2000000 | EVAL x = SPACE(n)", "java.lang.IllegalArgumentException: Creating strings longer than [1048576] bytes is not supported")]
#[case(
    r#"ROW a = ["x", "y"] | EVAL x = MD5(a)"#,
    "java.lang.IllegalArgumentException: single-value function encountered multi-value"
)]
#[case(
    "ROW a = [0.5, 0.7] | EVAL x = ACOS(a)",
    "java.lang.IllegalArgumentException: single-value function encountered multi-value"
)]
// Catastrophic backtracking, possible only with look-around or back-references, stops at
// the backtrack limit instead of hanging.
#[case(
    r#"ROW s = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!" | EVAL x = REPLACE(s, """(?:(a+)\1?)+(?=b)""", "")"#,
    "backtracking steps)"
)]
fn bad_input_is_null_with_a_warning(#[case] query: &str, #[case] warning: &str) {
    let got = row_and_warnings(query);
    assert!(
        got.iter().any(|c| c == "x=null" || c == "s=null"),
        "{query}: {got:?}"
    );
    assert!(
        got.iter().any(|w| w.ends_with(warning)),
        "{query}\n  want warning {warning}\n  got {got:?}"
    );
}

/// A null argument gives null without a warning.
#[rstest]
#[case("ACOS(null)")]
#[case("LOG(null, 2)")]
#[case("HYPOT(3.0, null)")]
#[case("URL_DECODE(null)")]
#[case("HASH(\"md5\", null)")]
#[case("MV_PERCENTILE(null, 50)")]
#[case("MV_PERCENTILE([1, 2], null)")]
#[case("MV_PSERIES_WEIGHTED_SUM(null, 1.5)")]
#[case("MV_MEDIAN_ABSOLUTE_DEVIATION(null)")]
#[case("SPACE(null)")]
#[case("DAY_NAME(null)")]
fn null_in_null_out(#[case] call: &str) {
    let got = row_and_warnings(&format!("ROW x = {call}"));
    assert_eq!(got, ["x=null"], "{call}");
}

#[test]
fn a_multivalued_argument_to_the_mv_reductions_is_their_input() {
    let got = row_and_warnings("ROW x = MV_PERCENTILE([1, 9223372036854775807], 100)");
    assert_eq!(got, ["x=9223372036854775807"]);
    let got = row_and_warnings("ROW x = MV_PERCENTILE([1, 2, 3], 0)");
    assert_eq!(got, ["x=1"]);
}

/// `EARLIEST(x)`/`LATEST(x)`: `FIRST`/`LAST` sorted by `@timestamp` (the definitions' example:
/// null values of the sort key's earliest and latest rows are skipped as `FIRST` skips them).
#[test]
fn earliest_and_latest_sort_by_timestamp() {
    let docs = r#"{"@timestamp":"2025-11-25T00:00:01.000Z","number":2}
{"@timestamp":"2025-11-25T00:00:00.000Z","number":1}
{"@timestamp":"2025-11-25T00:00:05.000Z","number":[6,7,8]}
{"@timestamp":"2025-11-25T00:00:04.000Z","number":5}
"#;
    let query = "FROM logs-* | STATS e = EARLIEST(number), l = LATEST(number)";
    let parsed = rulegate::esql::parse(query).unwrap();
    let selection = rulegate::eval::fields_for(&parsed, &[]);
    let options = rulegate::document::LoadOptions {
        default_index: Some("logs-test-default".into()),
        ..Default::default()
    };
    let store = Documents::from_ndjson(docs.as_bytes(), &selection, options).unwrap();
    let plan = Plan::compile(&parsed, query, &store.columns).unwrap();
    let t = plan.run(&store, Window::All, 0);
    let row: Vec<String> = t.rows[0].iter().map(|c| c.to_display()).collect();
    assert_eq!(row, ["1", "[6, 7, 8]"]);
}

/// `inspect` of a rule calling a function rulegate does not evaluate: exit 2 with the `E303`
/// that names the excluding category, never a clean report.
#[test]
fn inspect_reports_a_rule_with_an_unsupported_function_as_not_runnable() {
    let seed = crate::support::repo_path(
        "rules/credential_access_kubernetes_multiple_secret_retrieval_burst.toml",
    );
    let text = std::fs::read_to_string(seed).unwrap();
    let edited = text.replacen(
        "and event.action == \"get\"",
        "and event.action == \"get\" and st_xmin(source.geo.location) > 0",
        1,
    );
    assert_ne!(edited, text);
    let dir = crate::support::scratch("fn-inspect");
    let rule = dir.join("rule.toml");
    std::fs::write(&rule, edited).unwrap();
    let output = crate::support::rulegate()
        .arg("inspect")
        .arg(&rule)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("E303")
            && stderr.contains("not evaluated: function [ST_XMIN] is a spatial function"),
        "{stderr}"
    );
    assert!(
        output.stdout.is_empty(),
        "no report for a rule that cannot run"
    );
}

/// #16 item 2: exact numeric semantics at the edges of the integral types.
#[rstest]
#[case(
    "ROW x = round(9223372036854775808, -1)",
    &["x=9223372036854775810"]
)]
#[case(
    "ROW x = round(18446744073709551615, -1)",
    &["x=null", "warning: Line 1:9: evaluation of [round(18446744073709551615, -1)] failed, treating result as null. Only first 20 failures recorded.", "warning: Line 1:9: java.lang.ArithmeticException: unsigned_long overflow"]
)]
#[case("ROW x = -9223372036854775809", &["x=-9.223372036854776E18"])]
#[case("ROW x = -9223372036854775808", &["x=-9223372036854775808"])]
#[case(
    r#"ROW x = to_integer("2147483647.2")"#,
    &["x=null", "warning: Line 1:9: evaluation of [to_integer(\"2147483647.2\")] failed, treating result as null. Only first 20 failures recorded.", "warning: Line 1:9: org.elasticsearch.xpack.esql.core.InvalidArgumentException: Cannot parse number [2147483647.2]"]
)]
#[case(r#"ROW x = to_integer("2147483646.5")"#, &["x=2147483647"])]
#[case(r#"ROW x = to_integer("-2.5")"#, &["x=-2"])]
#[case(
    r#"ROW x = DATE_TRUNC(7 years, "1963-01-01T00:00:00Z"::datetime)"#,
    &["x=1961-01-01T00:00:00.000Z"]
)]
#[case(
    r#"ROW x = DATE_TRUNC(10 years, "1969-12-31T23:59:59Z"::datetime)"#,
    &["x=1961-01-01T00:00:00.000Z"]
)]
#[case(
    r#"ROW x = DATE_TRUNC(9 months, "1972-08-31T00:00:00Z"::datetime)"#,
    &["x=1972-01-01T00:00:00.000Z"]
)]
#[case(
    r#"ROW x = DATE_TRUNC("1 month", "1963-03-05T00:00:00Z"::datetime)"#,
    &["x=1963-03-01T00:00:00.000Z"]
)]
#[case("ROW x = FMT_BYTES(1536)", &["x=1.5kb"])]
#[case(r#"ROW x = FMT_DURATION(90000000000, "m")"#, &["x=1.5m"])]
#[case("ROW x = FMT_PERCENT(null)", &["x=null"])]
fn integral_edges_are_elasticsearchs(#[case] query: &str, #[case] expected: &[&str]) {
    assert_eq!(row_and_warnings(query), expected, "{query}");
}

/// `GROK` with several patterns (`grok.csv-spec multiPatterns`, capability
/// `grok_multi_pattern`): the first pattern that matches extracts, the columns are every
/// pattern's names; typed captures convert; a capture shadows an existing column; print∘parse
/// keeps every pattern.
#[rstest]
#[case(
    r#"ROW text = "XYZ extractme" | GROK text "ABC %{WORD:foo}","XYZ %{WORD:bar}" | KEEP foo, bar"#,
    &["foo=null", "bar=extractme"]
)]
#[case(
    r#"ROW n = "Georgi Facello" | GROK n "Georgi %{WORD:georgis_last_name}", "%{WORD:first_name} %{WORD:last_name}" | KEEP first_name, last_name, georgis_last_name"#,
    &["first_name=null", "last_name=null", "georgis_last_name=Facello"]
)]
#[case(
    r#"ROW n = "Bezalel Simmel" | GROK n "Georgi %{WORD:georgis_last_name}", "%{WORD:first_name} %{WORD:last_name}" | KEEP first_name, last_name, georgis_last_name"#,
    &["first_name=Bezalel", "last_name=Simmel", "georgis_last_name=null"]
)]
// `typeConversions` and `overwriteInputName`: typed captures, and a capture named like the
// input column replaces it.
#[case(
    r#"ROW a = "12 15.5 15.6 true" | GROK a "%{NUMBER:b:int} %{NUMBER:c:float} %{NUMBER:d:double} %{WORD:e:boolean}" | KEEP b, c, d, e"#,
    &["b=12", "c=15.5", "d=15.6", "e=true"]
)]
#[case(
    r#"ROW text = "123 abc", int = 5 | GROK text "%{NUMBER:text:int} %{WORD:description}" | KEEP text, int, description"#,
    &["text=123", "int=5", "description=abc"]
)]
// `shadowingInternal` over a multivalued input: each value matched, a repeated name gathers.
#[case(
    r#"ROW z = ["1016 ED", "100-7014"] | GROK z "%{WORD:p} %{WORD:p}" | KEEP p"#,
    &["p=[1016, ED]"]
)]
fn grok_patterns_as_elasticsearch(#[case] query: &str, #[case] want: &[&str]) {
    assert_eq!(row_and_warnings(query), want, "{query}");
    let parsed = rulegate::esql::parse(query).unwrap();
    let printed = rulegate::esql::print(&parsed);
    assert_eq!(
        rulegate::esql::parse(&printed).unwrap(),
        parsed,
        "{printed}"
    );
}

/// The in-place path of single-valued string and date functions (arguments borrowed, ASCII case
/// mapping without a copy when nothing changes): the same values, nulls and warnings as the
/// gathered path of every other function.
#[rstest]
#[case("ROW s = \"already lower\" | EVAL l = TO_LOWER(s)", &["s=already lower", "l=already lower"])]
#[case("ROW s = \"MiXeD Case 42\" | EVAL l = TO_LOWER(s), u = TO_UPPER(s)", &["s=MiXeD Case 42", "l=mixed case 42", "u=MIXED CASE 42"])]
#[case("ROW s = \"ÀÉÎ straße\" | EVAL l = TO_LOWER(s), u = TO_UPPER(s)", &["s=ÀÉÎ straße", "l=àéî straße", "u=ÀÉÎ STRASSE"])]
#[case("ROW s = \"\" | EVAL l = TO_LOWER(s), n = LENGTH(s), e = ENDS_WITH(s, \"\")", &["s=", "l=", "n=0", "e=true"])]
#[case("ROW s = \"svc-sa1\" | EVAL e = ENDS_WITH(TO_LOWER(s), \"sa1\"), b = STARTS_WITH(s, \"svc\"), n = LENGTH(s)", &["s=svc-sa1", "e=true", "b=true", "n=7"])]
#[case("ROW s = null | EVAL e = ENDS_WITH(s, \"x\"), l = TO_LOWER(s)", &["s=null", "e=null", "l=null"])]
#[case("ROW s = \"x\", t = null | EVAL e = ENDS_WITH(s, t)", &["s=x", "t=null", "e=null"])]
#[case(
    "ROW s = [\"A\", \"B\"] | EVAL l = TO_LOWER(s)",
    &["s=[A, B]", "l=null", "warning: Line 1:31: evaluation of [TO_LOWER(s)] failed, treating result as null. Only first 20 failures recorded.", "warning: Line 1:31: java.lang.IllegalArgumentException: single-value function encountered multi-value"]
)]
#[case(
    "ROW t = TO_DATETIME(\"2026-05-15T09:41:27.123Z\") | EVAL m = DATE_TRUNC(1 minute, t), h = DATE_TRUNC(1 hour, t)",
    &["t=2026-05-15T09:41:27.123Z", "m=2026-05-15T09:41:00.000Z", "h=2026-05-15T09:00:00.000Z"]
)]
fn single_valued_functions_in_place(#[case] query: &str, #[case] expected: &[&str]) {
    assert_eq!(row_and_warnings(query), expected);
}

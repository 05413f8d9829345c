//! `QSTR(query)` (Lucene's `query_string` syntax, matched by the KQL engine) and `TERM(field,
//! term)`: each construct rules and Elasticsearch's spec tests use, hand-derived over a small
//! mapped data set, and the syntax rulegate refuses with `E320`.

use rstest::rstest;
use rulegate::document::{Documents, LoadOptions, Mapping};
use rulegate::eval::{self, Plan, Table, Window};

const MAPPING: &str = r#"{"properties":{"title":{"type":"text"},"tag":{"type":"keyword"},"n":{"type":"long"},"year":{"type":"long"},"host":{"type":"keyword"}}}"#;

const BOOKS: &str = r#"{"n":1,"title":"The Lord of the Rings","tag":"Fantasy","year":1954,"host":"alpha"}
{"n":2,"title":"Return of the King","tag":["fantasy","Tech Lead"],"year":1955,"host":"beta"}
{"n":3,"title":["Lord Jim", "Rings of Saturn"],"tag":"Novel","year":1900}
{"n":4,"year":2020}
{"n":5,"title":"There and Back Again","tag":"Tech","host":"Back Again"}
"#;

fn run(query: &str) -> Result<Table, String> {
    let mapping = Mapping::from_json(MAPPING).expect("mapping");
    let parsed = rulegate::esql::parse(query).expect("query parses");
    let selection = eval::fields_for(&parsed, &[]);
    let options = LoadOptions {
        mapping,
        ..LoadOptions::default()
    };
    let store = Documents::from_ndjson(BOOKS.as_bytes(), &selection, options).expect("docs load");
    let plan = Plan::compile(&parsed, query, &store.columns)
        .map_err(|d| format!("{}: {}", d.code, d.message))?;
    Ok(plan.run(&store, Window::All, 0))
}

fn ns(condition: &str) -> Vec<String> {
    let t = run(&format!(
        "FROM logs-* | WHERE {condition} | KEEP n | SORT n"
    ))
    .unwrap();
    assert!(t.warnings.is_empty(), "{condition}: {:?}", t.warnings);
    t.rows.iter().map(|r| r[0].to_display()).collect()
}

#[rstest]
// A term on a `text` field is analyzed (any case); on `keyword` it is exact.
#[case(r#"QSTR("title: lord")"#, &["1", "3"])]
#[case(r#"QSTR("tag: fantasy")"#, &["2"])]
// Without a field: every field (`*`), leniently.
#[case(r#"QSTR("saturn")"#, &["3"])]
// Boolean operators, upper case only; `+`/`-`; a lone negation keeps everything else.
#[case(r#"QSTR("title:lord AND tag:Novel")"#, &["3"])]
#[case(r#"QSTR("title:king OR tag:Novel")"#, &["2", "3"])]
#[case(r#"QSTR("title:lord NOT tag:Novel")"#, &["1"])]
#[case(r#"QSTR("+title:lord -tag:Fantasy")"#, &["3"])]
#[case(r#"QSTR("-title:lord")"#, &["2", "4", "5"])]
#[case(r#"QSTR("title:(king OR jim)")"#, &["2", "3"])]
// `a AND b OR c` is +a +b c in Lucene: the OR clause is optional once there are MUSTs.
#[case(r#"QSTR("title:lord AND title:rings OR tag:Novel")"#, &["1", "3"])]
// Wildcards (lower-cased on `text`), phrases, ranges, open ranges, exists.
#[case(r#"QSTR("title:Ret* AND host:*eta")"#, &["2"])]
#[case(r#"QSTR("title:\"lord of the\"")"#, &["1"])]
#[case(r#"QSTR("year:[1900 TO 1954]")"#, &["1", "3"])]
#[case(r#"QSTR("year:{1900 TO 1955]")"#, &["1", "2"])]
#[case(r#"QSTR("year:[1955 TO *]")"#, &["2", "4"])]
#[case(r#"QSTR("year:>1954")"#, &["2", "4"])]
#[case(r#"QSTR("_exists_:host")"#, &["1", "2", "5"])]
// A run of terms is analyzed together (`split_on_whitespace` off): whole on `keyword`.
#[case(r#"QSTR("tag:(Tech Lead)")"#, &["2"])]
// `title: Hobbit Back Again` is title:Hobbit plus `Back Again` on every field; under AND each
// field must hold the whole run.
#[case(r#"QSTR("title:there back again", {"default_operator": "AND"})"#, &["5"])]
#[case(r#"QSTR("title:there back again")"#, &["5"])]
#[case(r#"QSTR("title:lord rings", {"default_operator": "AND"})"#, &["1", "3"])]
// A lower-case `and` is a term, not an operator.
#[case(r#"QSTR("tag:Novel and")"#, &["3", "5"])]
// A boost changes scores only.
#[case(r#"QSTR("title:jim^2")"#, &["3"])]
// TERM: unanalyzed; equal to a keyword value or one of a text value's tokens.
#[case(r#"TERM(tag, "fantasy")"#, &["2"])]
#[case(r#"TERM(title, "lord")"#, &["1", "3"])]
#[case(r#"TERM(title, "Lord")"#, &[])]
#[case(r#"NOT TERM(title, "lord")"#, &["2", "4", "5"])]
fn matches_as_elasticsearch(#[case] condition: &str, #[case] want: &[&str]) {
    assert_eq!(ns(condition), want, "{condition}");
}

#[rstest]
#[case(r#"QSTR("title:/lo.d/")"#, "E320", "regular expressions")]
#[case(r#"QSTR("title:lrod~")"#, "E320", "fuzzy and proximity")]
#[case(r#"QSTR("title:\"lord rings\"~2")"#, "E320", "fuzzy and proximity")]
#[case(r#"QSTR("title:l?rd")"#, "E320", "single-character wildcard")]
#[case(
    r#"QSTR("title:lord", {"time_zone": "Europe/Madrid"})"#,
    "E320",
    "QSTR option [time_zone]"
)]
#[case(
    r#"QSTR("title:lord", {"default_operator": "XOR"})"#,
    "E302",
    "default_operator"
)]
#[case(r#"QSTR("title:(lord")"#, "E302", "missing ')'")]
#[case(r#"QSTR("title:lord AND")"#, "E302", "ends with an operator")]
#[case(r#"QSTR("year:[1 TO")"#, "E302", "unterminated range")]
#[case(r#"QSTR(title)"#, "E302", "must be a constant")]
#[case(r#"TERM(year, "1")"#, "E302", "must be [keyword or text]")]
#[case(r#"TERM(title, title)"#, "E302", "must be a constant")]
fn refused_with_a_clear_error(#[case] condition: &str, #[case] code: &str, #[case] needle: &str) {
    let err = run(&format!("FROM logs-* | WHERE {condition}")).unwrap_err();
    assert!(
        err.starts_with(code) && err.contains(needle),
        "{condition}: {err}"
    );
}

/// A query string nested past the KQL depth cap is refused, not a stack overflow.
#[test]
fn deep_nesting_is_refused() {
    let q = format!("{}a{}", "(".repeat(200), ")".repeat(200));
    let err = run(&format!(r#"FROM logs-* | WHERE QSTR("{q}")"#)).unwrap_err();
    assert!(err.contains("nests more than 100 levels"), "{err}");
}

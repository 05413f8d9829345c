//! Filters pushed to the source query: a `WHERE` comparison of an index field with a constant
//! warns for a multivalued field only on documents the term or range query matches (any value),
//! and a document it does not match reaches no later conjunct or `EVAL`.

use rulegate::document::LoadOptions;

const DOCS: &str =
    "{\"k\":[6,7],\"s\":\"x\"}\n{\"k\":[1,19,20],\"s\":\"y\"}\n{\"k\":1,\"s\":\"z\"}\n";

fn run(query: &str) -> Vec<String> {
    let t = crate::support::esql_on_docs(query, DOCS, LoadOptions::default().mapping)
        .unwrap_or_else(|e| panic!("{query}: {e}"));
    crate::support::table_cells(&t)
}

const MV_WARNING: &str =
    "java.lang.IllegalArgumentException: single-value function encountered multi-value";

fn warns_multivalue(cells: &[String]) -> bool {
    cells
        .iter()
        .any(|c| c.starts_with("warning: ") && c.ends_with(MV_WARNING))
}

#[test]
fn an_equality_warns_only_for_a_multivalue_holding_the_value() {
    // `[1, 19, 20]` holds 1: the single-value check sees it, warns and drops it.
    let got = run("FROM logs-* | WHERE k == 1 | KEEP s");
    assert_eq!(
        got,
        [
            "s=z".to_string(),
            "warning: Line 1:21: evaluation of [k == 1] failed, treating result as null. Only first 20 failures recorded.".to_string(),
            format!("warning: Line 1:21: {MV_WARNING}"),
        ]
    );
    // Only `[1, 19, 20]` holds 19; `[6, 7]` is not read at all.
    let got = run("FROM logs-* | WHERE k == 19 | KEEP s");
    assert_eq!(got.len(), 2, "{got:?}");
    assert!(got[0].contains("[k == 19]"), "{got:?}");
    assert!(warns_multivalue(&got), "{got:?}");
    let got = run("FROM logs-* | WHERE k == 3 | KEEP s");
    assert!(got.is_empty(), "{got:?}");
    let got = run("FROM logs-* | WHERE k IN (2, 3) | KEEP s");
    assert!(got.is_empty(), "{got:?}");
}

#[test]
fn two_bounds_on_one_field_are_one_range_met_by_one_value() {
    // `> 7` (19) and `< 19` (1) each meet `[1, 19, 20]`, but no one value meets both; `[6, 7]`
    // meets neither.
    let got = run("FROM logs-* | WHERE k > 7 AND k < 19 | KEEP s");
    assert!(got.is_empty(), "{got:?}");
    // Through `RENAME` and a later `WHERE`, as the optimizer pushes them.
    let got = run("FROM logs-* | RENAME k AS left | WHERE left > 7 | WHERE left < 19 | KEEP s");
    assert!(got.is_empty(), "{got:?}");
    // `[6, 7]` has a value in the range: it warns (and is dropped).
    let got = run("FROM logs-* | WHERE k > 5 AND k < 10 | KEEP s");
    assert!(warns_multivalue(&got), "{got:?}");
    assert!(!got.iter().any(|c| c.starts_with("s=")), "{got:?}");
}

#[test]
fn a_document_the_source_query_drops_reaches_no_later_conjunct_or_eval() {
    // `TO_INTEGER(s)` fails on every row it sees; only the rows the source query `k == 1`
    // matches get there (`[1, 19, 20]` and `1`), not `[6, 7]`.
    let got = run("FROM logs-* | EVAL n = TO_INTEGER(s) | WHERE k == 1 AND n IS NULL | KEEP s");
    let failures: Vec<&String> = got
        .iter()
        .filter(|w| w.contains("Cannot parse number"))
        .collect();
    assert_eq!(failures.len(), 2, "{got:?}");
    assert!(failures.iter().any(|w| w.contains("[z]")), "{got:?}");
    assert!(failures.iter().any(|w| w.contains("[y]")), "{got:?}");
    assert!(!got.iter().any(|w| w.contains("[x]")), "{got:?}");
}

#[test]
fn a_computed_column_or_a_row_source_is_not_pushed() {
    // `ABS(k)` is computed: every row reaches it, and both multivalues warn there.
    let got = run("FROM logs-* | EVAL j = ABS(k) | WHERE j == 3 | KEEP s");
    assert!(
        got.iter()
            .any(|w| w.contains("evaluation of [ABS(k)] failed")),
        "{got:?}"
    );
    let got = run("ROW k = [6, 7] | WHERE k == 3");
    assert!(warns_multivalue(&got), "{got:?}");
}

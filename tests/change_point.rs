//! `CHANGE_POINT`: its output columns and types, the rows it marks, its warnings and errors,
//! `BY` groups, and print∘parse, through the public API over `ROW` (the series of
//! Elasticsearch's `change_point.csv-spec` tests that need no dataset).

use rulegate::esql::ast::CommandKind;
use rulegate::eval::Table;

use crate::support::{esql_refusal as refusal, esql_table, table_rows as rows};

fn run(query: &str) -> Table {
    esql_table(query, "")
}

fn header(t: &Table) -> Vec<String> {
    t.columns
        .iter()
        .map(|c| format!("{}:{}", c.name, c.ty.name()))
        .collect()
}

/// The spec's "example for docs", with every row kept.
const STEP: &str = "ROW key=[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25]
| MV_EXPAND key
| EVAL value = CASE(key<13, 0, 42)
| CHANGE_POINT value ON key";

#[test]
fn a_step_is_marked_on_its_first_row_and_nowhere_else() {
    let t = run(STEP);
    assert_eq!(
        header(&t),
        [
            "key:integer",
            "value:integer",
            "type:keyword",
            "pvalue:double"
        ]
    );
    assert_eq!(t.rows.len(), 25);
    let marked: Vec<String> = rows(&t)
        .into_iter()
        .filter(|r| !r.ends_with("null | null"))
        .collect();
    assert_eq!(marked, ["13 | 42 | step_change | 0.0"]);
    assert!(t.warnings.is_empty(), "{:?}", t.warnings);
    // Deterministic: the same query gives the same table.
    assert_eq!(rows(&run(STEP)), rows(&t));
}

#[test]
fn rows_come_out_sorted_by_the_key_nulls_last() {
    let t = run(
        "ROW key=[7,13,12,17,14,5,16,10,19,18,20,2,3,21,25,4,22,15,6,23,9,11,1,8,24]
| MV_EXPAND key
| EVAL key = CASE(key == 3, null, key), value = CASE(key < 13, 0, 1)
| CHANGE_POINT value ON key AS t, p",
    );
    let keys: Vec<String> = t.rows.iter().map(|r| r[0].to_display()).collect();
    assert_eq!(keys.first().map(String::as_str), Some("1"));
    assert_eq!(keys.last().map(String::as_str), Some("null"));
    assert!(rows(&t).contains(&"13 | 1 | step_change | 0.0".to_string()));
    assert_eq!(header(&t)[2..], ["t:keyword", "p:double"]);
}

#[test]
fn a_v_shape_is_a_trend_change_at_its_bottom() {
    let t = run(
        "ROW time = [1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25]
| MV_EXPAND time
| EVAL val = ABS(15-time)
| CHANGE_POINT val ON time
| WHERE type IS NOT NULL
| KEEP time, type",
    );
    assert_eq!(rows(&t), ["15 | trend_change"]);
}

#[test]
fn too_few_values_warn_with_elasticsearchs_reason() {
    let t = run("ROW k = [1,2,3,4,5]\n| MV_EXPAND k\n| EVAL v = k\n| CHANGE_POINT v ON k");
    assert_eq!(t.rows.len(), 5);
    assert!(rows(&t).iter().all(|r| r.ends_with("null | null")));
    assert_eq!(
        t.warnings,
        [
            "Line 4:3: evaluation of [CHANGE_POINT v ON k] failed, treating result as null. Only first 20 failures recorded.",
            "Line 4:3: java.lang.IllegalArgumentException: not enough buckets to calculate change_point. Requires at least [22]; found [5]",
        ]
    );
}

#[test]
fn null_and_multivalued_values_are_skipped_with_warnings() {
    let t = run(
        "ROW k = [1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25]
| MV_EXPAND k
| EVAL v = CASE(k < 13, 0, 42)
| EVAL v = CASE(k == 4, NULL, k == 5, [1, 2], v)
| CHANGE_POINT v ON k",
    );
    // The skipped rows keep their place: the step is still marked on k = 13.
    let marked: Vec<String> = rows(&t)
        .into_iter()
        .filter(|r| !r.ends_with("null | null"))
        .collect();
    assert_eq!(marked, ["13 | 42 | step_change | 0.0"]);
    assert_eq!(
        t.warnings,
        [
            "Line 5:3: warnings during evaluation of [CHANGE_POINT v ON k]. Only first 20 failures recorded.",
            "Line 5:3: java.lang.IllegalArgumentException: values contain nulls; skipping them",
            "Line 5:3: java.lang.IllegalArgumentException: values contains multivalued entries; skipping them (please consider reducing them with e.g. MV_AVG or MV_SUM)",
        ]
    );
}

/// The spec's "too much data" tests: 1300 keys, only the first 1000 (in key order) are a series
/// and are output.
#[test]
fn past_a_thousand_values_the_rest_are_dropped_with_a_warning() {
    let query = |at: &str| {
        format!(
            "ROW key1=[\"A\",\"B\",\"C\",\"D\",\"E\",\"F\",\"G\",\"H\",\"I\",\"J\",\"K\",\"L\",\"M\"], key2=[\"0\",\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"8\",\"9\"], key3=[\"0\",\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"8\",\"9\"]
| MV_EXPAND key1 | MV_EXPAND key2 | MV_EXPAND key3
| EVAL key=CONCAT(key1,key2,key3)
| EVAL value=CASE(key >= \"{at}\", 1000, 1)
| KEEP key, value
| CHANGE_POINT value ON key AS type, pvalue
| LIMIT 5000"
        )
    };
    let t = run(&query("I42"));
    assert_eq!(t.rows.len(), 1000);
    let marked: Vec<String> = rows(&t)
        .into_iter()
        .filter(|r| !r.ends_with("null | null"))
        .collect();
    assert_eq!(marked, ["I42 | 1000 | step_change | 0.0"]);
    assert_eq!(
        t.warnings[1],
        "Line 6:3: java.lang.IllegalArgumentException: too many values; keeping only first 1000 values"
    );
    assert!(t.warnings[0]
        .contains("warnings during evaluation of [CHANGE_POINT value ON key AS type, pvalue]"));
    let t = run(&query("L42"));
    assert!(rows(&t).iter().all(|r| r.ends_with("null | null")));
}

#[test]
fn the_new_columns_shadow_input_columns_and_the_p_value_wins_a_tie() {
    let base = "ROW key=[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25]
| MV_EXPAND key
| EVAL value = CASE(key<13, 0, 42)";
    let t = run(&format!(
        "{base}\n| CHANGE_POINT value ON key AS key, value"
    ));
    assert_eq!(header(&t), ["key:keyword", "value:double"]);
    assert_eq!(rows(&t)[12], "step_change | 0.0");
    let t = run(&format!(
        "{base}\n| CHANGE_POINT value ON key AS value, value"
    ));
    assert_eq!(header(&t), ["key:integer", "value:double"]);
    assert_eq!(rows(&t)[12], "13 | 0.0");
}

#[test]
fn by_groups_are_series_of_their_own() {
    let t = run(
        "ROW k=[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25], g=[0,1]
| MV_EXPAND k
| MV_EXPAND g
| EVAL grp=CASE(g==0, \"a\", \"b\"), value=CASE(g==0, CASE(k<13, 0, 42), CASE(k==14, 42, 0))
| DROP g
| CHANGE_POINT value ON k BY grp
| WHERE type IS NOT NULL
| KEEP grp, k, type, pvalue",
    );
    assert_eq!(
        rows(&t),
        ["a | 13 | step_change | 0.0", "b | 14 | spike | 0.0"]
    );
}

#[test]
fn errors_are_elasticsearchs() {
    assert_eq!(
        refusal("ROW k = 1, v = \"x\" | CHANGE_POINT v ON k"),
        "E302: change point value [v] must be numeric"
    );
    assert_eq!(
        refusal("ROW k = TO_GEOPOINT(\"POINT(1 2)\"), v = 1 | CHANGE_POINT v ON k"),
        "E302: change point key [k] must be sortable"
    );
    // The key defaults to `@timestamp`.
    assert_eq!(
        refusal("ROW v = 1 | CHANGE_POINT v"),
        "E301: Unknown column [@timestamp]"
    );
    assert_eq!(
        refusal("ROW k = 1 | CHANGE_POINT v ON k"),
        "E301: Unknown column [v]"
    );
    assert!(refusal("ROW k = 1, v = 1 | CHANGE_POINT v ON k AS t").starts_with("E200"));
}

#[test]
fn change_point_prints_and_parses_back_with_spans() {
    let text =
        "FROM logs\n| CHANGE_POINT count ON `@timestamp` AS kind, p BY host.name, len = LENGTH(x)";
    let parsed = rulegate::esql::parse(text).unwrap();
    let CommandKind::ChangePoint(cp) = &parsed.commands[0].kind else {
        panic!("not a CHANGE_POINT: {:?}", parsed.commands[0].kind)
    };
    assert_eq!(cp.value.span.slice(text), "count");
    assert_eq!(cp.key.as_ref().unwrap().span.slice(text), "`@timestamp`");
    assert_eq!(cp.names.as_ref().unwrap().1.span.slice(text), "p");
    assert_eq!(cp.by.len(), 2);
    assert_eq!(
        parsed.commands[0].span.slice(text),
        "CHANGE_POINT count ON `@timestamp` AS kind, p BY host.name, len = LENGTH(x)"
    );
    let printed = rulegate::esql::print::print_query(&parsed);
    assert_eq!(rulegate::esql::parse(&printed).unwrap(), parsed);
    let bare = rulegate::esql::parse("FROM logs | change_point v").unwrap();
    let printed = rulegate::esql::print::print_query(&bare);
    assert_eq!(printed, "FROM logs\n| CHANGE_POINT v");
}

/// Hostile values: sums of squares of ±1.7E308 overflow to infinity inside the detector; the
/// command still gives every row (and no change point it cannot support) without a panic.
#[test]
fn extreme_values_neither_panic_nor_hang() {
    for value in [
        "CASE(k % 2 == 0, 1.7976931348623157E308, -1.7976931348623157E308)",
        "CASE(k < 13, 0.0, 1.7976931348623157E308)",
        "4.9E-324 * k",
        "1.0",
    ] {
        let t = run(&format!(
            "ROW k = [1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25]
| MV_EXPAND k
| EVAL v = {value}
| CHANGE_POINT v ON k"
        ));
        assert_eq!(t.rows.len(), 25, "{value}");
        assert!(t.failure.is_none(), "{value}");
    }
}

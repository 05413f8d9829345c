//! Engine differences the further upstream spec files found, pinned outside the spec runner:
//! `FIRST`/`LAST` over rows without a sort key and over `version`/`unsigned_long` values
//! (`stats_first_last.csv-spec`), `IN` items of a type incompatible with the value
//! (`In.resolveType`), and the keys `LIMIT n BY` refuses.

use crate::support::{esql_refusal, esql_table, table_rows as rows};

const VOYAGER: &str = r#"{"row":1,"status":"yellow","d":703}
{"row":2,"@timestamp":"2025-12-25T00:00:20Z","status":"green","d":704}
{"row":3,"@timestamp":"2025-12-25T00:00:10Z","status":"green","d":705}
{"row":4,"status":"red","d":706}
{"row":5,"status":"red","d":707}
{"row":6,"status":"blue"}
"#;

#[test]
fn first_and_last_fall_back_to_a_row_without_sort_key_only_when_no_row_has_one() {
    // `green`: the keyed rows decide; `yellow`: its one row has no timestamp, and its value
    // is the answer (`Test retrieval of multi-values and nulls with groups`); `red`: the
    // first of two key-less rows; `blue`: a key-less row with a null value.
    let t = esql_table(
        "FROM x | STATS f = FIRST(d, @timestamp), l = LAST(d, @timestamp) BY status | SORT status",
        VOYAGER,
    );
    assert_eq!(
        rows(&t),
        [
            "null | null | blue",
            "705 | 704 | green",
            "706 | 706 | red",
            "703 | 703 | yellow"
        ]
    );
    // Ungrouped, a keyed row beats every key-less one, whichever comes first.
    let t = esql_table(
        "FROM x | STATS f = FIRST(d, @timestamp), l = LAST(d, @timestamp)",
        VOYAGER,
    );
    assert_eq!(rows(&t), ["705 | 704"]);
    // A key-less row met first gives way to a keyed one met later.
    let t = esql_table(
        "ROW k = [1, 2] | MV_EXPAND k | EVAL t = CASE(k == 1, null, 5::long), v = k * 10 | STATS f = FIRST(v, t), l = LAST(v, t)",
        "",
    );
    assert_eq!(rows(&t), ["20 | 20"]);
}

#[test]
fn first_and_last_take_version_and_unsigned_long_values() {
    // `Test last aggregation on extended scalar types` (`last_agg_extended_types`).
    let t = esql_table(
        r#"ROW rows = ["1.0.0 | 100 | 1", "3.0.0 | 300 | 3", "2.0.0 | 200 | 2"] | MV_EXPAND rows | DISSECT rows """%{ver} | %{ul} | %{n}""" | EVAL v = TO_VERSION(ver), u = TO_UNSIGNED_LONG(ul), s = TO_LONG(n) | STATS lv = LAST(v, s), fu = FIRST(u, s)"#,
        "",
    );
    assert_eq!(rows(&t), ["3.0.0 | 100"]);
    assert_eq!(
        t.columns.iter().map(|c| c.ty.name()).collect::<Vec<_>>(),
        ["version", "unsigned_long"]
    );
    // `ALL_FIRST` keeps the older list of value types.
    assert!(
        esql_refusal("ROW v = TO_VERSION(\"1.0\"), s = 1::long | STATS a = ALL_FIRST(v, s)")
            .contains(
            "must be [boolean, date, ip, string or numeric except unsigned_long or counter types]"
        )
    );
}

#[test]
fn in_refuses_an_item_of_a_type_incompatible_with_the_value() {
    // A non-literal string beside a date is not converted per row: Elasticsearch's
    // `In.resolveType` refuses it (only literals are cast, by `ImplicitCasting.processIn`).
    assert_eq!(
        esql_refusal(
            "ROW d = TO_DATETIME(\"2024-01-01T00:00:00Z\"), s = \"2024-01-01T00:00:00Z\" | WHERE d IN (\"2023-01-01\", s)"
        ),
        "E302: 2nd argument of [d IN (\"2023-01-01\", s)] must be [datetime], found value [s] type [keyword]"
    );
    // Elasticsearch's own example (`VerifierTests.testMixedNonConvertibleTypesInIn`), and
    // `unsigned_long` beside a signed number.
    assert_eq!(
        esql_refusal("ROW emp_no = 1 | WHERE emp_no in (1, \"two\")"),
        "E302: 2nd argument of [emp_no in (1, \"two\")] must be [integer], found value [\"two\"] type [keyword]"
    );
    assert_eq!(
        esql_refusal("ROW a = 3 | WHERE a in (1, to_ul(3))"),
        "E302: 2nd argument of [a in (1, to_ul(3))] must be [integer], found value [to_ul(3)] type [unsigned_long]"
    );
    assert_eq!(
        esql_refusal("ROW b = true, s = \"true\" | EVAL x = b IN (s)"),
        "E302: 1st argument of [b IN (s)] must be [boolean], found value [s] type [keyword]"
    );
    // What stays accepted: string literals (cast when the query compiles, or, beside a
    // boolean, at evaluation), null, numbers of different types, two strings.
    let t = esql_table(
        "ROW d = TO_DATETIME(\"2024-01-01T00:00:00Z\"), b = true, i = 1, s = \"a\" | EVAL x = d IN (\"2024-01-01T00:00:00Z\", null), y = b IN (\"true\"), z = i IN (1.0, 2::long), w = s IN (\"b\", s) | KEEP x, y, z, w",
        "",
    );
    assert_eq!(rows(&t), ["true | true | true | true"]);
}

#[test]
fn limit_by_keys_are_refused_as_elsewhere_and_otherwise_any_type() {
    // No stored version of Elasticsearch's `LimitBy` (nor of its `Verifier`) checks the key
    // types; the grammar takes any boolean expression. The refusals every command applies to
    // its expressions hold for the keys.
    assert_eq!(
        esql_refusal("ROW a = 1 | LIMIT 1 BY count(*)"),
        "E302: aggregate function [count(*)] is only allowed in STATS"
    );
    assert_eq!(
        esql_refusal("ROW a = \"x\" | LIMIT 1 BY categorize(a)"),
        "E302: cannot use grouping function [categorize(a)] outside of a STATS command"
    );
    // Keys of every other type group: keyword, boolean, ip, version, date, geo_point.
    let t = esql_table(
        "ROW k = [1, 1, 2] | MV_EXPAND k | EVAL s = TO_STRING(k), b = k == 1, ip = TO_IP(\"1.1.1.1\"), v = TO_VERSION(\"1.0\"), d = TO_DATETIME(k), g = TO_GEOPOINT(\"POINT(1 2)\") | LIMIT 1 BY s, b, ip, v, d, g | KEEP k",
        "",
    );
    assert_eq!(rows(&t), ["1", "2"]);
}

#[test]
fn top_checks_its_field_limit_and_order_as_elasticsearch() {
    // `Top.resolveType` runs in the verifier, before the surrogate that would read a limit-1
    // `TOP` as `MIN`/`MAX` (which take these types): so `version`, `unsigned_long` and
    // `date_nanos` fields are refused even with limit 1.
    let types = "boolean, date, ip, string or numeric except unsigned_long or counter types";
    for (row, ty) in [
        ("TO_VERSION(\"1.2\")", "version"),
        ("TO_UNSIGNED_LONG(1)", "unsigned_long"),
        (
            "TO_DATE_NANOS(\"2023-10-23T12:15:03.360103847Z\")",
            "date_nanos",
        ),
    ] {
        assert_eq!(
            esql_refusal(&format!("ROW v = {row} | STATS t = TOP(v, 1, \"desc\")")),
            format!("E302: first argument of [TOP(v, 1, \"desc\")] must be [{types}], found value [v] type [{ty}]")
        );
    }
    let refusals = [
        ("TOP(v, 0, \"desc\")", "Limit must be greater than 0 in [TOP(v, 0, \"desc\")], found [0]"),
        ("TOP(v, -3, \"asc\")", "Limit must be greater than 0 in [TOP(v, -3, \"asc\")], found [-3]"),
        ("TOP(v, null, \"asc\")", "second argument of [TOP(v, null, \"asc\")] cannot be null, received [null]"),
        ("TOP(v, 2.5, \"asc\")", "second argument of [TOP(v, 2.5, \"asc\")] must be [integer], found value [2.5] type [double]"),
        ("TOP(v, 2, null)", "third argument of [TOP(v, 2, null)] cannot be null, received [null]"),
        ("TOP(v, 2, 3)", "third argument of [TOP(v, 2, 3)] must be [string], found value [3] type [integer]"),
        ("TOP(v, 2, \"up\")", "Invalid order value in [TOP(v, 2, \"up\")], expected [ASC, DESC] but got [up]"),
    ];
    for (call, message) in refusals {
        assert_eq!(
            esql_refusal(&format!("ROW v = 1 | STATS t = {call}")),
            format!("E302: {message}")
        );
    }
    // The order is read in any case, and ascending when omitted.
    let t = esql_table("ROW v = [3, 1, 2] | STATS t = TOP(v, 2, \"DeSc\")", "");
    assert_eq!(rows(&t), ["[3, 2]"]);
    let t = esql_table("ROW v = [3, 1, 2] | STATS t = TOP(v, 2)", "");
    assert_eq!(rows(&t), ["[1, 2]"]);
}

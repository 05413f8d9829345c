//! `INLINE STATS`: rows with multivalued keys joined back to every group they fall in, and the
//! warning for the deprecated one-word spelling, through the public API over `ROW` and NDJSON.

use crate::support::{esql_table as run, table_rows as rows};

use crate::support::X_N_DOCS as DOCS;

#[test]
fn a_multivalued_key_gets_every_matching_groups_aggregate() {
    // Group `a` holds documents 1 and 4, `c` document 4 alone: document 4 gets both counts,
    // in the order of its key's values (inlinestats.csv-spec `byMultivaluedSimple`).
    let t = run(
        "FROM logs-* | KEEP n, x | INLINE STATS c = COUNT(*), s = SUM(n) BY x | SORT n",
        DOCS,
    );
    assert_eq!(
        rows(&t),
        [
            "1 | 2 | 5 | a",
            "2 | 1 | 2 | b",
            "3 | 1 | 3 | null",
            "4 | [2, 1] | [5, 4] | [a, c]"
        ]
    );
}

#[test]
fn a_repeated_key_value_joins_once() {
    // Elasticsearch dedupes a position's values before the hash lookup: `[1, 1, 2]` looks up
    // groups 1 and 2 once each (inlinestats.csv-spec `inlinestatsWithFalseFiltersAndGroups`,
    // `is_rehired` `[false, false, true, true]` gives `[0, 0]`).
    let t = run("ROW k = [1, 1, 2] | INLINE STATS c = COUNT(*) BY k", "");
    assert_eq!(rows(&t), ["[1, 1] | [1, 1, 2]"]);
}

#[test]
fn several_keys_join_every_combination_last_key_fastest() {
    // Each group (k, j) holds its own row and row 5: their sums name the group, so the order
    // of row 5's combinations shows (`PackedValuesBlockHash` varies the last key fastest).
    let docs = r#"{"k":"a","j":1,"n":1}
{"k":"a","j":2,"n":2}
{"k":"b","j":1,"n":3}
{"k":"b","j":2,"n":4}
{"k":["a","b"],"j":[1,2],"n":5}
"#;
    let t = run(
        "FROM logs-* | INLINE STATS s = SUM(n) BY k, j | SORT n | KEEP n, s",
        docs,
    );
    assert_eq!(
        rows(&t),
        ["1 | 6", "2 | 7", "3 | 8", "4 | 9", "5 | [6, 7, 8, 9]"]
    );
}

#[test]
fn multivalued_aggregates_concatenate_and_nulls_drop_out() {
    // `VALUES` of each matched group end to end (inlinestats.csv-spec
    // `inlinestatsWithMixedFiltersAndGroup`); a group whose filtered aggregate is null adds
    // nothing, and all null is null (`inlinestatsWithFilterAndGroupBy`).
    let docs = r#"{"k":"p","v":"x"}
{"k":"p","v":"y"}
{"k":"q","v":"z"}
{"k":["p","q"],"v":"w"}
"#;
    let t = run(
        r#"FROM logs-* | INLINE STATS vs = MV_SORT(VALUES(v)), m = MAX(v) WHERE v == "z", none = MAX(v) WHERE v == "-" BY k | WHERE v == "w" | KEEP vs, m, none, k"#,
        docs,
    );
    assert_eq!(rows(&t), ["[w, x, y, w, z] | z | null | [p, q]"]);
}

#[test]
fn a_null_key_next_to_a_multivalued_one_joins_the_null_group() {
    let docs = r#"{"k":"p","n":1}
{"k":["p","q"],"n":2}
{"j":1,"n":3}
"#;
    let t = run(
        "FROM logs-* | INLINE STATS c = COUNT(*) BY k, j | SORT n | KEEP n, c",
        docs,
    );
    // Rows 1 and 2 share (p, null); row 2 adds (q, null); row 3 is (null, 1).
    assert_eq!(rows(&t), ["1 | 2", "2 | [2, 1]", "3 | 1"]);
}

#[test]
fn the_one_word_spelling_runs_with_elasticsearchs_warning() {
    let t = run("ROW city = \"Raleigh\"\n| INLINESTATS c = COUNT(city)", "");
    assert_eq!(rows(&t), ["Raleigh | 1"]);
    assert_eq!(
        t.warnings,
        ["Line 2:3: INLINESTATS is deprecated, use INLINE STATS instead"]
    );
    let t = run("ROW city = \"Raleigh\" | inline  stats c = COUNT(city)", "");
    assert!(t.warnings.is_empty(), "{:?}", t.warnings);
    let t = run("ROW city = \"Raleigh\" | inlineStats c = COUNT(city)", "");
    assert_eq!(
        t.warnings,
        ["Line 1:24: INLINESTATS is deprecated, use INLINE STATS instead"]
    );
}

#[test]
fn a_row_whose_key_combinations_pass_the_group_cap_fails_the_query() {
    // The join walks the combinations `STATS` fed the row to, so the `--max-groups` cap that
    // refuses them there (`E015`) bounds the join too: the query fails, quickly.
    let dir = crate::support::scratch("inline-stats-cap");
    let values: Vec<String> = (0..1000).map(|i| format!("\"v{i}\"")).collect();
    let list = values.join(",");
    let file = dir.join("wide.ndjson");
    std::fs::write(
        &file,
        format!("{{\"a\":[{list}],\"b\":[{list}],\"c\":[{list}]}}\n"),
    )
    .unwrap();
    let run = |cap: &str, query: &str| crate::support::query_csv(Some(cap), query, &file);
    let out = run(
        "1000000",
        "FROM logs-* | INLINE STATS n = COUNT(*) BY a, b, c | KEEP n",
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("E015"), "{stderr}");
    assert!(stderr.contains("more than 1000000 groups"), "{stderr}");
    // Within the cap, the row joins all its groups: 300 × 300 counts of one.
    let values: Vec<String> = (0..300).map(|i| format!("\"v{i}\"")).collect();
    let list = values.join(",");
    std::fs::write(&file, format!("{{\"a\":[{list}],\"b\":[{list}]}}\n")).unwrap();
    let out = run(
        "90000",
        "FROM logs-* | INLINE STATS n = COUNT(*) BY a, b | EVAL k = MV_COUNT(n), s = MV_SUM(n) | KEEP k, s",
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "k,s\n90000,90000\n");
}

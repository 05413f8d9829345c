//! `LOOKUP JOIN` over lookup indices given as files: the join's rows and columns, null and
//! multivalued keys, Elasticsearch's errors and warnings, the expression form, the lookup file
//! reader, and `--lookup` / `[lookups]` on the command line. Expected values follow
//! Elasticsearch's `lookup-join.csv-spec` over the same dataset
//! (`tests/data/lookup/README.md`).

use rulegate::document::{Documents, FieldSelection, LoadOptions};
use rulegate::eval::{Lookups, Plan, Table, Window};

use crate::support::{self, table_rows as rows};

fn languages() -> Lookups {
    let mut lookups = Lookups::default();
    lookups
        .load_file(
            "languages_non_unique_key",
            &support::repo_path("tests/data/lookup/languages_non_unique_key.ndjson"),
        )
        .expect("the lookup file loads");
    lookups
}

const EMPLOYEES: &str = r#"{"emp_no":10001,"code":1}
{"emp_no":10002,"code":2}
{"emp_no":10003,"code":3}
{"emp_no":10004,"code":[4,6]}
{"emp_no":10005}
"#;

/// Runs `query` over NDJSON `docs` with the languages lookup index.
fn run(query: &str, docs: &str) -> Table {
    let parsed = rulegate::esql::parse(query).expect("query parses");
    let selection = FieldSelection {
        all: true,
        ..FieldSelection::default()
    };
    let store = Documents::from_ndjson(docs.as_bytes(), &selection, LoadOptions::default())
        .expect("docs load");
    let plan = Plan::compile_with_lookups(&parsed, query, &store.columns, &languages())
        .expect("query compiles");
    plan.run(&store, Window::All, 0)
}

/// The diagnostic `query` fails to parse or compile with: `code: message`.
fn refusal(query: &str) -> String {
    let parsed = match rulegate::esql::parse(query) {
        Ok(p) => p,
        Err(d) => return format!("{}: {}", d.code, d.message),
    };
    let d =
        Plan::compile_with_lookups(&parsed, query, &[], &languages()).expect_err("compile fails");
    format!("{}: {}", d.code, d.message)
}

fn header(t: &Table) -> String {
    t.columns
        .iter()
        .map(|c| format!("{}:{}", c.name, c.ty.name()))
        .collect::<Vec<_>>()
        .join(" | ")
}

const MV_WARNING: &str = "java.lang.IllegalArgumentException: LOOKUP JOIN encountered multi-value";

#[test]
fn each_match_repeats_the_row_in_lookup_order_and_keys_stay_the_inputs() {
    // `nonUniqueRightKeyFromRow`: the key column keeps the input's value and place; the lookup's
    // other fields follow, by name.
    let t = run(
        "ROW language_code = 1::long | LOOKUP JOIN languages_non_unique_key ON language_code",
        "",
    );
    assert_eq!(
        header(&t),
        "language_code:long | country:keyword | language_name:keyword"
    );
    assert_eq!(
        rows(&t),
        [
            "1 | Canada | English",
            "1 | null | English",
            "1 | United Kingdom | null",
            "1 | United States of America | English",
        ]
    );
    assert!(t.warnings.is_empty(), "{:?}", t.warnings);
}

#[test]
fn a_row_without_a_match_stays_once_with_nulls_and_a_null_key_matches_nothing() {
    let t = run(
        "FROM logs | EVAL language_code = TO_LONG(code) | LOOKUP JOIN languages_non_unique_key ON language_code | WHERE emp_no != 10004 | KEEP emp_no, language_code, language_name | SORT emp_no, language_name",
        EMPLOYEES,
    );
    assert_eq!(
        rows(&t),
        [
            "10001 | 1 | English",
            "10001 | 1 | English",
            "10001 | 1 | English",
            "10001 | 1 | null",
            "10002 | 2 | German",
            "10002 | 2 | German",
            "10002 | 2 | German",
            "10003 | 3 | null",
            "10005 | null | null",
        ]
    );
    // The filter on an input column runs below the join (Elasticsearch's pushdown), so the
    // multivalued key of 10004 never reaches it: no warning.
    assert!(t.warnings.is_empty(), "{:?}", t.warnings);
}

#[test]
fn a_multivalued_key_on_either_side_joins_nothing_and_warns() {
    // `mvJoinKeyFromRow`: the input's key is multivalued.
    let t = run(
        "ROW language_code = [4, 5]::long\n| LOOKUP JOIN languages_non_unique_key ON language_code",
        "",
    );
    assert_eq!(rows(&t), ["[4, 5] | null | null"]);
    assert_eq!(
        t.warnings,
        [
            "Line 2:3: evaluation of [LOOKUP JOIN languages_non_unique_key ON language_code] failed, treating result as null. Only first 20 failures recorded.",
            &format!("Line 2:3: {MV_WARNING}"),
        ]
    );
    // `mvJoinKeyOnTheLookupIndex`: 7 is only in lookup documents whose key is multivalued.
    let t = run(
        "ROW language_code = 7::long | LOOKUP JOIN languages_non_unique_key ON language_code",
        "",
    );
    assert_eq!(rows(&t), ["7 | null | null"]);
    assert_eq!(t.warnings.len(), 2);
    assert!(t.warnings[1].ends_with(MV_WARNING));
    // A single value that matches no multivalued document does not warn.
    let t = run(
        "ROW language_code = 9::long | LOOKUP JOIN languages_non_unique_key ON language_code",
        "",
    );
    assert_eq!(rows(&t), ["9 | null | null"]);
    assert!(t.warnings.is_empty());
}

#[test]
fn numeric_keys_of_different_types_join_by_value() {
    // `lookup_join_on_mixed_numeric_fields` (`byteJoinLong`, `byteJoinDouble`): an `integer` or a
    // `double` key meets the lookup's `long` by its value.
    for key in ["4", "4.0"] {
        let t = run(
            &format!("ROW language_code = {key} | LOOKUP JOIN languages_non_unique_key ON language_code | KEEP language_name"),
            "",
        );
        assert_eq!(rows(&t), ["Quenya"], "{key}");
    }
    let t = run(
        "ROW language_code = 4.5 | LOOKUP JOIN languages_non_unique_key ON language_code | KEEP language_name",
        "",
    );
    assert_eq!(rows(&t), ["null"]);
}

#[test]
fn lookup_fields_override_input_columns_of_the_same_name() {
    // `projectsWithShadowingAfterPushdown`: a renamed column is not shadowed, the original is.
    let t = run(
        "ROW language_code = 4::long, language_name = \"German\", original = \"German\" | LOOKUP JOIN languages_non_unique_key ON language_code",
        "",
    );
    assert_eq!(
        header(&t),
        "language_code:long | original:keyword | country:keyword | language_name:keyword"
    );
    assert_eq!(rows(&t), ["4 | German | null | Quenya"]);
}

#[test]
fn the_expression_form_compares_an_input_column_with_a_lookup_field() {
    // Every lookup field is kept, the compared one included.
    let t = run(
        "ROW name = \"Quenya\" | LOOKUP JOIN languages_non_unique_key ON name == language_name",
        "",
    );
    assert_eq!(
        header(&t),
        "name:keyword | country:keyword | language_code:long | language_name:keyword"
    );
    assert_eq!(rows(&t), ["Quenya | null | 4 | Quenya"]);
    // A range: every document whose code is at least 5, in file order; the multivalued ones
    // would match and warn.
    let t = run(
        "ROW n = 5::long | LOOKUP JOIN languages_non_unique_key ON language_code >= n | KEEP n, language_code, country",
        "",
    );
    assert_eq!(rows(&t), ["5 | 5 | Atlantis"]);
    assert_eq!(t.warnings.len(), 2);
    // The lookup field may be written first.
    let t = run(
        "ROW n = 2::long | LOOKUP JOIN languages_non_unique_key ON language_code < n | KEEP language_code, language_name",
        "",
    );
    assert_eq!(
        rows(&t),
        ["1 | English", "1 | English", "1 | null", "1 | English"]
    );
}

#[test]
fn elasticsearch_errors() {
    assert_eq!(
        refusal("ROW a = 1 | LOOKUP JOIN nope ON a"),
        "E310: Unknown index [nope]"
    );
    assert_eq!(
        refusal("ROW a = 1 | LOOKUP JOIN languages_non_unique_key ON a"),
        "E311: Unknown column [a] in right side of join"
    );
    assert_eq!(
        refusal("ROW a = 1 | LOOKUP JOIN languages_non_unique_key ON language_code"),
        "E311: Unknown column [language_code] in left side of join"
    );
    assert_eq!(
        refusal("ROW a = 1 | LOOKUP JOIN languages_non_unique_key ON missing"),
        "E311: Unknown column [missing] in right side of join, Unknown column [missing] in left side of join"
    );
    assert_eq!(
        refusal("ROW language_code = \"1\" | LOOKUP JOIN languages_non_unique_key ON language_code"),
        "E312: JOIN left field [language_code] of type [KEYWORD] is incompatible with right field [language_code] of type [LONG]"
    );
    assert_eq!(
        refusal("ROW language_code = true | LOOKUP JOIN languages_non_unique_key ON language_code"),
        "E312: JOIN left field [language_code] of type [BOOLEAN] is incompatible with right field [language_code] of type [LONG]"
    );
    assert!(refusal("ROW a = 1 | LOOKUP JOIN lang* ON a")
        .starts_with("E211: invalid lookup index name [lang*]"));
    assert!(refusal("ROW a = 1 | LOOKUP JOIN remote:lang ON a").starts_with("E211: "));
    assert!(refusal(
        "ROW language_name = \"x\" | LOOKUP JOIN languages_non_unique_key ON language_name == language_name"
    )
    .starts_with("E311: Ambiguous field [language_name]"));
    assert!(refusal(
        "ROW a = \"x\" | LOOKUP JOIN languages_non_unique_key ON a == language_name OR a == country"
    )
    .starts_with("E311: unsupported LOOKUP JOIN condition"));
}

#[test]
fn a_sort_before_the_join_warns_that_its_order_is_lost() {
    // `basicOnTheCoordinator`: Elasticsearch's `WarnLostSortOrder`, at the SORT's position.
    let t = run(
        "FROM logs\n| SORT emp_no\n| LIMIT 2\n| EVAL language_code = TO_LONG(code)\n| LOOKUP JOIN languages_non_unique_key ON language_code\n| KEEP emp_no",
        EMPLOYEES,
    );
    assert_eq!(
        t.warnings,
        ["Line 2:3: SORT is followed by a LOOKUP JOIN which does not preserve order; add another SORT after the LOOKUP JOIN if order is required"]
    );
    // The limit is taken below the join and again above it.
    assert_eq!(
        rows(&t),
        ["10001", "10001", "10001", "10001", "10002", "10002", "10002"]
    );
    // A SORT after the join settles the order: no warning about it (the multivalued key of
    // 10004 still reaches the join and warns).
    let t = run(
        "FROM logs | SORT emp_no | EVAL language_code = TO_LONG(code) | LOOKUP JOIN languages_non_unique_key ON language_code | SORT emp_no | KEEP emp_no | LIMIT 1",
        EMPLOYEES,
    );
    assert_eq!(rows(&t), ["10001"]);
    assert!(
        !t.warnings.iter().any(|w| w.contains("SORT is followed")),
        "{:?}",
        t.warnings
    );
    assert!(t.warnings.iter().any(|w| w.ends_with(MV_WARNING)));
}

#[test]
fn a_join_on_a_constant_null_key_is_pruned_and_a_sort_before_it_does_not_warn() {
    // `nullifiedJoinKeyToPurgeTheJoin`: Elasticsearch's `PruneLeftJoinOnNullMatchingField`
    // replaces the join by nulls before `WarnLostSortOrder` runs.
    let t = run(
        "FROM logs | SORT emp_no | LIMIT 2 | EVAL language_code = TO_INTEGER(NULL) | LOOKUP JOIN languages_non_unique_key ON language_code | KEEP emp_no, language_code, language_name",
        EMPLOYEES,
    );
    assert_eq!(rows(&t), ["10001 | null | null", "10002 | null | null"]);
    assert!(t.warnings.is_empty(), "{:?}", t.warnings);
    // A key that is null only in some rows is no constant: the join stays, and warns.
    let t = run(
        "FROM logs | SORT emp_no | LIMIT 2 | EVAL language_code = CASE(emp_no > 1, NULL, 1) | LOOKUP JOIN languages_non_unique_key ON language_code | KEEP emp_no",
        EMPLOYEES,
    );
    assert_eq!(t.warnings.len(), 1, "{:?}", t.warnings);
}

/// A lookup index `nums` whose fields are declared as Elasticsearch would index them; each
/// document holds one of them, at its stored precision.
fn numeric_lookups(declared: bool) -> Lookups {
    use rulegate::eval::IndexedNumeric as K;
    let docs = r#"{"h":32768.0,"name":"half 32768"}
{"f":2147483648.0,"name":"float 2^31"}
{"s":1.0,"name":"scaled 1.00"}
{"l":-2147483649,"name":"long -2147483649"}
{"b":127,"name":"byte 127"}
"#;
    let selection = FieldSelection {
        all: true,
        ..FieldSelection::default()
    };
    let store = Documents::from_ndjson(docs.as_bytes(), &selection, LoadOptions::default())
        .expect("docs load");
    let mut lookups = Lookups::default();
    lookups.insert("nums", store);
    if declared {
        lookups.set_indexed_numeric("nums", "h", K::HalfFloat);
        lookups.set_indexed_numeric("nums", "f", K::Float);
        let scaled = K::from_mapping("scaled_float", Some(100.0)).expect("a scaled_float");
        lookups.set_indexed_numeric("nums", "s", scaled);
        lookups.set_indexed_numeric("nums", "l", K::Long);
        lookups.set_indexed_numeric("nums", "b", K::Byte);
    }
    lookups
}

#[test]
fn a_lookup_field_of_known_numeric_type_keys_as_its_term_query() {
    // `lookup_join_on_mixed_numeric_fields` (`shortJoinHalfFloat`, `intJoinFloat`,
    // `doubleJoinScaledFloat`, `doubleJoinLong`, `doubleJoinByte`): the key is converted as the
    // lookup field's `termQuery` converts a query value.
    let joined = |lookups: &Lookups, key: &str, field: &str| {
        let query = format!("ROW {field} = {key} | LOOKUP JOIN nums ON {field} | KEEP name");
        let parsed = rulegate::esql::parse(&query).expect("query parses");
        let plan =
            Plan::compile_with_lookups(&parsed, &query, &[], lookups).expect("query compiles");
        rows(&plan.run(&Documents::default(), Window::All, 0)).join(", ")
    };
    let declared = numeric_lookups(true);
    for (key, field, want) in [
        // 32767 is the half float 32768; 65520 is beyond the half floats.
        ("32767", "h", "half 32768"),
        ("32768.0", "h", "half 32768"),
        ("32750", "h", "null"),
        // 2147483646 and 2147483647 are the float 2^31.
        ("2147483646", "f", "float 2^31"),
        ("2147483647::long", "f", "float 2^31"),
        ("3.4028234663852886e39", "f", "null"),
        // `Math.round(value * 100)`: 1.004 is 100, 1.006 is 101.
        ("1.004", "s", "scaled 1.00"),
        ("1.006", "s", "null"),
        // An integral field refuses a decimal part and a value beyond its range.
        ("-2147483649.0", "l", "long -2147483649"),
        ("-2147483649.5", "l", "null"),
        ("127.0", "b", "byte 127"),
        ("383", "b", "null"),
    ] {
        assert_eq!(joined(&declared, key, field), want, "{field} = {key}");
    }
    // Undeclared, the same fields are plain doubles and longs: keys join by exact value.
    let plain = numeric_lookups(false);
    assert_eq!(joined(&plain, "32767", "h"), "null");
    assert_eq!(joined(&plain, "32768", "h"), "half 32768");
    assert_eq!(joined(&plain, "1.004", "s"), "null");
}

#[test]
fn print_then_parse_is_the_same_query() {
    for q in [
        "ROW a = 1 | LOOKUP JOIN idx ON a, b",
        "ROW a = 1 | LOOKUP JOIN idx ON a == b AND c >= d",
        "FROM logs | LOOKUP JOIN `idx` ON `a.b`",
    ] {
        let parsed = rulegate::esql::parse(q).expect("parses");
        let printed = rulegate::esql::print(&parsed);
        assert_eq!(
            rulegate::esql::parse(&printed).expect("reparses"),
            parsed,
            "{printed}"
        );
    }
}

fn temp_file(name: &str, bytes: &[u8]) -> crate::support::ScratchFile {
    crate::support::scratch_file("lookup", name, bytes)
}

#[test]
fn a_bad_lookup_file_is_refused_with_its_line() {
    let bad = temp_file("bad.ndjson", b"{\"a\":1}\nnot json\n");
    let d = Lookups::default()
        .load_file("bad", &bad)
        .expect_err("refused");
    assert_eq!(d.code, "E313");
    assert!(
        d.message.starts_with("lookup index [bad], line 2:"),
        "{}",
        d.message
    );
    let d = Lookups::default()
        .load_file("gone", &bad.with_extension("missing"))
        .expect_err("refused");
    assert_eq!(d.code, "E313");
    assert!(
        d.message.starts_with("cannot read lookup index [gone]"),
        "{}",
        d.message
    );
}

#[test]
fn the_command_line_takes_lookups_from_the_flag_and_the_config() {
    let lookup = support::repo_path("tests/data/lookup/languages_non_unique_key.ndjson");
    let input = temp_file("one.ndjson", b"{\"x\":1}\n");
    let query = "ROW language_code = 4::long | LOOKUP JOIN langs ON language_code";
    let out = support::rulegate()
        .args(["query", "--format", "csv", "--esql", query, "--input"])
        .arg(&input)
        .arg("--lookup")
        .arg(format!("langs={}", lookup.display()))
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "language_code,country,language_name\n4,,Quenya\n"
    );
    assert_eq!(out.status.code(), Some(0));
    // The config's `[lookups]`, relative to its folder.
    let dir = input.parent().unwrap();
    std::fs::copy(&lookup, dir.join("langs.ndjson")).unwrap();
    let config = dir.join("rulegate.toml");
    std::fs::write(&config, b"[lookups]\nlangs = \"langs.ndjson\"\n").unwrap();
    let out = support::rulegate()
        .args(["query", "--format", "csv", "--esql", query, "--input"])
        .arg(&input)
        .arg("--config")
        .arg(&config)
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "language_code,country,language_name\n4,,Quenya\n"
    );
    // Bad uses: exit 2 with the code.
    for (args, code) in [
        (vec!["--lookup", "langs"], "E313"),
        (vec!["--lookup", "langs=/nonexistent/file.ndjson"], "E313"),
        (vec![], "E310"),
    ] {
        let out = support::rulegate()
            .args(["query", "--esql", query, "--input"])
            .arg(&input)
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(code),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn a_lookup_file_over_its_byte_cap_is_refused_before_reading() {
    // A sparse file: its size is checked before a byte is read.
    let big = temp_file("big.ndjson", b"");
    let file = std::fs::OpenOptions::new().write(true).open(&big).unwrap();
    file.set_len(rulegate::limits::MAX_LOOKUP_FILE_BYTES + 1)
        .unwrap();
    let d = Lookups::default()
        .load_file("big", &big)
        .expect_err("refused");
    std::fs::remove_file(&big).unwrap();
    assert_eq!(d.code, "E313");
    assert_eq!(
        d.message,
        format!(
            "lookup index [big] is {} bytes, over the cap of {} bytes",
            rulegate::limits::MAX_LOOKUP_FILE_BYTES + 1,
            rulegate::limits::MAX_LOOKUP_FILE_BYTES
        )
    );
}

#[test]
fn a_lookup_file_over_its_document_cap_is_refused_before_parsing() {
    let max = rulegate::limits::MAX_LOOKUP_ROWS;
    let many = temp_file("many.ndjson", "{\"k\":1}\n".repeat(max + 1).as_bytes());
    let d = Lookups::default()
        .load_file("many", &many)
        .expect_err("refused");
    assert_eq!(d.code, "E313");
    assert_eq!(
        d.message,
        format!(
            "lookup index [many] has {} documents, over the cap of {max}",
            max + 1
        )
    );
    std::fs::remove_file(&many).unwrap();
}

#[test]
fn more_lookup_indices_than_the_cap_are_refused_before_any_is_read() {
    let input = temp_file("cap.ndjson", b"{\"x\":1}\n");
    let max = rulegate::limits::MAX_LOOKUP_INDICES;
    let mut command = support::rulegate();
    command
        .args(["query", "--esql", "ROW a = 1", "--input"])
        .arg(&input);
    // The files do not exist: a count over the cap is refused before any is opened.
    for i in 0..=max {
        command
            .arg("--lookup")
            .arg(format!("l{i}=/nonexistent/{i}.ndjson"));
    }
    let out = command.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "E313]: {} lookup indices given (`--lookup` and `[lookups]`), over the cap of {max}",
            max + 1
        )),
        "{stderr}"
    );
}

#[test]
fn a_condition_on_lookup_fields_alone_filters_the_lookup_documents() {
    // `other2 > 10000`-style conjuncts read only the lookup index: Elasticsearch runs them as a
    // query on it (`lookup-join-expression.csv-spec lookupJoinWithLikeCondition`). Of the
    // code-1 documents, those whose country holds an `a`.
    let t = run(
        "ROW n = 1::long | LOOKUP JOIN languages_non_unique_key ON language_code == n AND country LIKE \"*a*\" | KEEP n, country",
        "",
    );
    assert_eq!(rows(&t), ["1 | Canada", "1 | United States of America"]);
    // No document passes: the row stays once, with nulls.
    let t = run(
        "ROW n = 4::long | LOOKUP JOIN languages_non_unique_key ON language_code == n AND country IS NOT NULL | KEEP n, language_name",
        "",
    );
    assert_eq!(rows(&t), ["4 | null"]);
    // The multivalued documents fail the filter: they no longer warn (the range alone warns
    // twice, in `the_expression_form_compares_an_input_column_with_a_lookup_field`).
    let t = run(
        "ROW n = 5::long | LOOKUP JOIN languages_non_unique_key ON language_code >= n AND (country == \"Atlantis\" OR language_name == \"Quenya\") | KEEP n, country",
        "",
    );
    assert_eq!(rows(&t), ["5 | Atlantis"]);
    assert!(t.warnings.is_empty(), "{:?}", t.warnings);
    // Such a conjunct must be boolean.
    assert_eq!(
        refusal("ROW n = 5::long | LOOKUP JOIN languages_non_unique_key ON language_code == n AND country"),
        "E311: Condition expression needs to be boolean, found [KEYWORD]"
    );
}

#[test]
fn a_lookup_file_keys_its_mapped_numeric_types_as_their_term_queries() {
    // `code` is a `half_float` in the user's mapping: the document's 2.03 is the half float
    // 2.029296875, and so is the key 2.029 (Elasticsearch's term query on the field rounds
    // it); by value they differ. `n` is a `byte`: a key beyond its range matches nothing.
    let lookup = temp_file(
        "numeric.ndjson",
        b"{\"code\":2.03,\"n\":1,\"name\":\"half\"}\n",
    );
    let mapping = temp_file(
        "numeric-mapping.json",
        br#"{"properties":{"code":{"type":"half_float"},"n":{"type":"byte"}}}"#,
    );
    let input = temp_file("numeric-input.ndjson", b"{\"x\":1}\n");
    let query = |q: &str, with_mapping: bool| {
        let mut command = support::rulegate();
        command
            .args(["query", "--format", "csv", "--esql", q, "--input"])
            .arg(&*input)
            .arg("--lookup")
            .arg(format!("nums={}", lookup.display()));
        if with_mapping {
            command.arg("--mapping").arg(&*mapping);
        }
        let out = command.output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let by_half_float = "ROW k = 2.029 | LOOKUP JOIN nums ON k == code | KEEP k, name";
    assert_eq!(query(by_half_float, true), "k,name\n2.029,half\n");
    assert_eq!(query(by_half_float, false), "k,name\n2.029,\n");
    let beyond_byte = "ROW m = 257 | LOOKUP JOIN nums ON m == n | KEEP m, name";
    assert_eq!(query(beyond_byte, true), "m,name\n257,\n");
}

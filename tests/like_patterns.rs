//! `LIKE`/`RLIKE` with a constant-expression pattern (Elasticsearch's
//! `like_rlike_constant_expression`): which forms parse as literals or expressions, their spans
//! and printing, folding over `ROW`/`EVAL` constants through the commands, Elasticsearch's
//! verification errors (also through `rulegate query`, exit 2), and how analysis, mutation and
//! coverage treat an expression pattern.

use rulegate::analysis::{classify, PredicateKind};
use rulegate::document::{Documents, LoadOptions};
use rulegate::esql::ast::*;
use rulegate::esql::{parse, print};
use rulegate::eval::{self, Plan, Window};
use rulegate::review::coverage::unsatisfiable;
use rulegate::review::mutate::mutants;

use crate::support::{self, snapshot};

/// The first `WHERE` condition of `row x = "a" | where <condition>`, with the query text.
fn condition(cond: &str) -> (Expr, String) {
    let text = format!("row x = \"a\" | where {cond}");
    let query = parse(&text).unwrap_or_else(|d| panic!("{cond}: {d}"));
    let CommandKind::Where(e) = &query.commands[0].kind else {
        panic!("{cond}: the first command is WHERE")
    };
    (e.clone(), text)
}

/// The patterns of a `LIKE` condition, and whether it is negated.
fn like_patterns(e: &Expr) -> (&LikePatterns, bool) {
    match &e.kind {
        ExprKind::Like {
            patterns, negated, ..
        } => (patterns, *negated),
        other => panic!("not a LIKE: {other:?}"),
    }
}

#[test]
fn a_lone_string_literal_stays_a_literal_pattern_with_its_exact_text() {
    for (cond, written) in [
        (r#"x like "E*""#, vec![r#""E*""#]),
        (r#"x like ("E*")"#, vec![r#""E*""#]),
        (r#"x rlike """E\.*""""#, vec![r#""""E\.*""""#]),
        (r#"x like ("E*", "G?")"#, vec![r#""E*""#, r#""G?""#]),
    ] {
        let (e, text) = condition(cond);
        let (patterns, _) = like_patterns(&e);
        let literals = patterns
            .literals()
            .unwrap_or_else(|| panic!("{cond}: literal patterns"));
        let texts: Vec<&str> = literals.iter().map(|l| l.span.slice(&text)).collect();
        assert_eq!(texts, written, "{cond}");
    }
}

#[test]
fn any_other_primary_is_one_expression_pattern_spanning_its_text() {
    for (cond, written, negated) in [
        (
            r#"x like concat("Eber", "*")"#,
            r#"concat("Eber", "*")"#,
            false,
        ),
        (r#"x not rlike to_lower("A.*")"#, r#"to_lower("A.*")"#, true),
        ("x like p", "p", false),
        ("x like (p)", "(p)", false),
        (
            r#"x like (concat(a, "*"))::keyword"#,
            r#"(concat(a, "*"))::keyword"#,
            false,
        ),
        (r#"x like "E*"::keyword"#, r#""E*"::keyword"#, false),
        ("x like (a + b)", "(a + b)", false),
    ] {
        let (e, text) = condition(cond);
        let (patterns, is_negated) = like_patterns(&e);
        let LikePatterns::Expr(pattern) = patterns else {
            panic!("{cond}: an expression pattern, got {patterns:?}")
        };
        assert_eq!(pattern.span.slice(&text), written, "{cond}");
        assert_eq!(is_negated, negated, "{cond}");
        assert_eq!(
            e.span.slice(&text),
            cond,
            "{cond}: the predicate spans all of it"
        );
    }
}

#[test]
fn the_pattern_is_a_primary_so_operators_after_it_belong_to_the_condition() {
    let (e, _) = condition(r#"x like concat("a", "*") and y"#);
    let ExprKind::And(left, _) = &e.kind else {
        panic!("AND at the top: {e:?}")
    };
    assert!(matches!(left.kind, ExprKind::Like { .. }));
    // `LIKE a + b` is `(x LIKE a) + b`, which the grammar rejects, as Elasticsearch's does.
    assert!(parse("row x = \"a\" | where x like a + b").is_err());
}

#[test]
fn a_pattern_list_takes_string_literals_only() {
    for cond in [r#"x like ("E*", p)"#, r#"x like (p, "E*")"#] {
        let error = parse(&format!("row x = \"a\" | where {cond}")).unwrap_err();
        assert!(
            error.message.contains("expected a pattern string"),
            "{cond}: {}",
            error.message
        );
    }
}

#[test]
fn expression_patterns_print_and_parse_back_to_the_same_tree() {
    for (cond, printed) in [
        (
            r#"x like concat("Eber", "*")"#,
            r#"x LIKE concat("Eber", "*")"#,
        ),
        (r#"x not rlike (to_upper(p))"#, r#"x NOT RLIKE to_upper(p)"#),
        ("x like (a + b)", "x LIKE (a + b)"),
        (r#"x like ("E*")::keyword"#, r#"x LIKE "E*"::keyword"#),
        (r#"x like ("E*")"#, r#"x LIKE "E*""#),
    ] {
        let (e, _) = condition(cond);
        assert_eq!(print::expr(&e), printed, "{cond}");
        let (again, _) = condition(printed);
        assert_eq!(again, e, "{cond}: print then parse");
    }
    let query = parse(r#"row x = "a" | where x like concat("a", "*")"#).unwrap();
    assert_eq!(parse(&print(&query)).unwrap(), query);
}

const DOCS: &str = r#"{"first_name":"Eberhardt","tags":["a","b"],"n":1}
{"first_name":"Georgi","tags":"c","n":2}
{"n":3}
"#;

/// Compiles `query` over [`DOCS`]; runs it and returns its rows as `a | b` lines.
fn run(query: &str) -> Result<Vec<String>, String> {
    let parsed = parse(query).map_err(|d| d.message)?;
    let selection = eval::fields_for(&parsed, &[]);
    let options = LoadOptions {
        default_index: Some("logs-test-default".into()),
        ..LoadOptions::default()
    };
    let store = Documents::from_ndjson(DOCS.as_bytes(), &selection, options).expect("docs load");
    let plan = Plan::compile(&parsed, query, &store.columns)
        .map_err(|d| format!("{}: {}", d.code, d.message))?;
    let table = plan.run(&store, Window::All, 0);
    Ok(table
        .rows
        .iter()
        .map(|row| {
            row.iter()
                .map(|cell| cell.to_display())
                .collect::<Vec<_>>()
                .join(" | ")
        })
        .collect())
}

fn rows(query: &str) -> Vec<String> {
    run(query).unwrap_or_else(|e| panic!("{query}: {e}"))
}

fn compile_error(query: &str) -> String {
    match run(query) {
        Ok(rows) => panic!("{query}: expected a compile error, got rows {rows:?}"),
        Err(e) => e,
    }
}

#[test]
fn calls_over_literals_fold_to_the_pattern() {
    for query in [
        r#"FROM logs-* | WHERE first_name LIKE concat("Eber", "*") | KEEP n"#,
        r#"FROM logs-* | WHERE first_name RLIKE concat(to_upper("e"), "b.*") | KEEP n"#,
        r#"FROM logs-* | WHERE first_name LIKE concat(to_upper("e"), "berh?rdt") | KEEP n"#,
        r#"FROM logs-* | WHERE first_name LIKE ("Eber*")::keyword | KEEP n"#,
        r#"FROM logs-* | WHERE first_name LIKE substring("xEber*", 2) | KEEP n"#,
    ] {
        assert_eq!(rows(query), ["1"], "{query}");
    }
    // Case-sensitive, as with a literal: the folded `eber*` matches nothing.
    assert!(rows(r#"FROM logs-* | WHERE first_name LIKE to_lower("EBER*") | KEEP n"#).is_empty());
    // NOT LIKE: a null value stays null and is dropped, as for a literal.
    assert_eq!(
        rows(r#"FROM logs-* | WHERE first_name NOT LIKE concat("Eber", "*") | KEEP n"#),
        ["2"]
    );
}

#[test]
fn columns_bound_to_constants_by_row_and_eval_fold_through_the_commands() {
    for query in [
        r#"FROM logs-* | EVAL p = "Eber*" | WHERE first_name LIKE p | KEEP n"#,
        // Within one EVAL, a later field sees an earlier one.
        r#"FROM logs-* | EVAL a = "Eb", p = concat(a, "er*") | WHERE first_name LIKE p | KEEP n"#,
        r#"FROM logs-* | EVAL s = ".*" | EVAL p = concat("Eber", s) | WHERE first_name RLIKE p | KEEP n"#,
        // Commands that pass the column on unchanged keep it constant.
        r#"FROM logs-* | EVAL p = "Eber*" | WHERE n > 0 | SORT n | LIMIT 5 | WHERE first_name LIKE p | KEEP n"#,
        r#"FROM logs-* | EVAL p = "Eber*" | KEEP first_name, n, p | WHERE first_name LIKE p | KEEP n"#,
        r#"FROM logs-* | EVAL p = "Eber*", t = 1 | DROP t | WHERE first_name LIKE p | KEEP n"#,
        r#"FROM logs-* | EVAL p = "Eber*" | RENAME p AS q | WHERE first_name LIKE q | KEEP n"#,
        r#"FROM logs-* | EVAL p = "Eber*" | DISSECT first_name "%{f}" | WHERE first_name LIKE p | KEEP n"#,
        // A later constant EVAL of the same name replaces the value.
        r#"FROM logs-* | EVAL p = "Geo*" | EVAL p = "Eber*" | WHERE first_name LIKE p | KEEP n"#,
    ] {
        assert_eq!(rows(query), ["1"], "{query}");
    }
    assert_eq!(
        rows(r#"ROW x = "demo", p = "de*" | EVAL f = concat(p, "m?") | WHERE x LIKE f"#),
        ["demo | de* | de*m?"]
    );
    // A folded match-everything pattern is `IS NOT NULL`, as for a literal `*`: even its
    // negation drops nothing but the non-null rows.
    assert_eq!(
        rows(r#"FROM logs-* | EVAL p = "*" | WHERE first_name NOT LIKE p | KEEP n"#),
        ["3"]
    );
}

#[test]
fn a_pattern_that_is_not_constant_is_elasticsearchs_verification_error() {
    let not_constant = [
        (
            "FROM logs-* | WHERE first_name LIKE first_name",
            "[LIKE] pattern must be a constant, received [first_name]",
        ),
        (
            r#"FROM logs-* | WHERE first_name RLIKE concat(first_name, ".*")"#,
            r#"[RLIKE] pattern must be a constant, received [concat(first_name, ".*")]"#,
        ),
        // Shadowed by a later non-constant EVAL: the pattern reads the new column.
        (
            r#"FROM logs-* | EVAL p = "Eber*" | EVAL p = first_name | WHERE first_name LIKE p"#,
            "[LIKE] pattern must be a constant, received [p]",
        ),
        (
            r#"FROM logs-* | EVAL p = "Eber*", p = concat(first_name, "*") | WHERE first_name LIKE p"#,
            "[LIKE] pattern must be a constant, received [p]",
        ),
        // Commands that write the column make it vary by row.
        (
            r#"FROM logs-* | EVAL p = ["E*", "G*"] | MV_EXPAND p | WHERE first_name LIKE p"#,
            "[LIKE] pattern must be a constant, received [p]",
        ),
        (
            r#"FROM logs-* | EVAL p = "E*" | STATS c = COUNT(*) BY p, first_name | WHERE first_name LIKE p"#,
            "[LIKE] pattern must be a constant, received [p]",
        ),
        (
            r#"FROM logs-* | EVAL p = "E*" | GROK first_name "%{WORD:p}" | WHERE first_name LIKE p"#,
            "[LIKE] pattern must be a constant, received [p]",
        ),
    ];
    for (query, message) in not_constant {
        assert_eq!(compile_error(query), format!("E302: {message}"), "{query}");
    }
}

#[test]
fn a_null_non_string_or_multivalued_pattern_is_an_error() {
    for (query, error) in [
        (
            "FROM logs-* | EVAL p = null::keyword | WHERE first_name LIKE p",
            "E302: [LIKE] pattern must not be null",
        ),
        (
            r#"FROM logs-* | WHERE first_name RLIKE concat("a", null)"#,
            "E302: [RLIKE] pattern must not be null",
        ),
        (
            "FROM logs-* | WHERE first_name LIKE 5",
            "E302: [LIKE] pattern must be a string, found [integer]",
        ),
        (
            "FROM logs-* | WHERE first_name LIKE null",
            "E302: [LIKE] pattern must be a string, found [null]",
        ),
        (
            r#"FROM logs-* | EVAL p = ["a*", "b*"] | WHERE first_name LIKE p"#,
            "E302: [LIKE] pattern must be a single value, found a multivalue",
        ),
        (
            r#"FROM logs-* | WHERE first_name LIKE concat(to_string(now()), "*")"#,
            "E304: [LIKE] pattern depends on NOW(), which rulegate knows only when the query runs; it folds patterns when it compiles the query",
        ),
    ] {
        assert_eq!(compile_error(query), error, "{query}");
    }
    // The folded text is checked as a literal would be.
    let escape = compile_error(r#"FROM logs-* | WHERE first_name LIKE concat("a\\x", "*")"#);
    assert!(
        escape.starts_with("E305: Invalid pattern [a\\x*]"),
        "{escape}"
    );
}

/// `rulegate query --esql <query>` over [`DOCS`]: (exit code, stderr).
fn query_cli(query: &str) -> (i32, String) {
    let dir = crate::support::scratch("like-patterns");
    let input = dir.join("docs.ndjson");
    std::fs::write(&input, DOCS).unwrap();
    let out = support::rulegate()
        .args(["query", "--color", "never", "--esql", query, "--input"])
        .arg(&input)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_cli_points_at_a_pattern_that_is_not_constant_and_exits_2() {
    for (name, query) in [
        (
            "like_pattern_not_constant",
            r#"FROM logs-* | EVAL p = "Eber*" | EVAL p = first_name | WHERE first_name LIKE p"#,
        ),
        (
            "like_pattern_null",
            r#"FROM logs-* | WHERE first_name RLIKE concat("Eber", null)"#,
        ),
    ] {
        let (code, stderr) = query_cli(query);
        assert_eq!(code, 2, "{name}: {stderr}");
        assert_eq!(stderr.matches("error[").count(), 1, "{name}: {stderr}");
        snapshot!("query", name, stderr);
    }
}

#[test]
fn analysis_extracts_no_values_from_an_expression_pattern() {
    let (literal, _) = condition(r#"x like "sh.helm.*""#);
    let test = classify(&literal);
    assert_eq!(
        (test.kind, test.values),
        (PredicateKind::StartsWith, vec!["sh.helm.".to_string()])
    );
    let (expression, _) = condition(r#"x not like concat("sh.helm.", "*")"#);
    let test = classify(&expression);
    assert_eq!(test.field, "x");
    assert_eq!(test.kind, PredicateKind::Expr);
    assert_eq!(test.values, [r#"x LIKE concat("sh.helm.", "*")"#]);
    assert!(test.negated, "NOT LIKE stays an exclusion");
    let (wrapped, _) = condition(r#"not x like concat("sh.helm.", "*")"#);
    assert_eq!(classify(&wrapped), test);
}

#[test]
fn mutation_and_coverage_leave_expression_patterns_alone() {
    let text = r#"FROM logs-* | WHERE x LIKE concat("sh.", "*") AND y LIKE "sh.*""#;
    let query = parse(text).unwrap();
    let prefix: Vec<String> = mutants(&query, text, 300_000)
        .into_iter()
        .filter(|m| m.operator == "like-prefix")
        .map(|m| m.description)
        .collect();
    assert_eq!(
        prefix,
        [
            "match `sh.*` exactly instead of as a prefix",
            "widen `sh.*` to `sh*`"
        ]
    );
    let (expression, _) = condition(r##"x rlike concat("#", "")"##);
    assert_eq!(unsatisfiable(&expression), None);
    let (literal, _) = condition(r##"x rlike "#""##);
    assert!(unsatisfiable(&literal).is_some());
}

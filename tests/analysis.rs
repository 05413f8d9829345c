//! Query analysis: how conjuncts become exclusions and indicators, with their kinds, values,
//! locations and spans (the seed rule itself is covered in `inspect.rs`).

use rulegate::analysis::{analyze, Analysis, ConjunctLocation, PredicateKind};
use rulegate::esql::parse;

fn analysis(text: &str) -> Analysis {
    analyze(&parse(text).unwrap(), text)
}

/// `(field, kind, values, function)` rows, in query order.
fn rows(
    predicates: &[rulegate::analysis::Predicate],
) -> Vec<(String, &'static str, Vec<String>, Option<String>)> {
    predicates
        .iter()
        .map(|p| {
            (
                p.field.clone(),
                p.kind.name(),
                p.values.clone(),
                p.function.clone(),
            )
        })
        .collect()
}

fn row(
    field: &str,
    kind: &'static str,
    values: &[&str],
) -> (String, &'static str, Vec<String>, Option<String>) {
    (
        field.into(),
        kind,
        values.iter().map(|v| v.to_string()).collect(),
        None,
    )
}

#[test]
fn negated_forms_are_exclusions_and_comparisons_are_indicators() {
    let a = analysis(
        r#"from logs-* | where a not in ("x", "y") and not b == "z" and c != "w" and d not like "p*" and not (e is null) and f rlike "r.*" and 3 <= g"#,
    );
    assert_eq!(
        rows(&a.exclusions),
        [
            row("a", "in", &["x", "y"]),
            row("b", "eq", &["z"]),
            row("d", "starts_with", &["p"]),
            row("e", "is_null", &[]),
        ]
    );
    assert_eq!(
        rows(&a.indicators),
        [
            row("c", "neq", &["w"]),
            row("f", "rlike", &["r.*"]),
            row("g", "ge", &["3"])
        ]
    );
}

#[test]
fn like_is_starts_with_only_for_one_trailing_star() {
    let a = analysis(
        r#"row x = 1 | where a like "pre*" and b like "*mid*" and c like "a?b*" and d like """lit\**""" and e like ("p*", "q*") and f like """esc\*""""#,
    );
    let kinds: Vec<(&str, Vec<String>)> = a
        .indicators
        .iter()
        .map(|p| (p.kind.name(), p.values.clone()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("starts_with", vec!["pre".to_string()]),
            ("like", vec!["*mid*".to_string()]),
            ("like", vec!["a?b*".to_string()]),
            ("starts_with", vec!["lit*".to_string()]),
            ("like", vec!["p*".to_string(), "q*".to_string()]),
            ("like", vec!["esc\\*".to_string()]),
        ]
    );
}

#[test]
fn conjuncts_keep_their_location_span_and_expression() {
    let text = "from x | eval y = 1 | where (a == 1 and b == 2) and not c in (3) | stats n = count(*) by a | where n > 5";
    let a = analysis(text);
    let locations: Vec<(ConjunctLocation, bool, &str)> = a
        .indicators
        .iter()
        .chain(&a.exclusions)
        .map(|p| (p.location, p.after_stats, p.span.slice(text)))
        .collect();
    let at = |command, conjunct| ConjunctLocation { command, conjunct };
    assert_eq!(
        locations,
        [
            (at(1, 0), false, "a == 1"),
            (at(1, 1), false, "b == 2"),
            (at(3, 0), true, "n > 5"),
            (at(1, 2), false, "not c in (3)"),
        ]
    );
    assert_eq!(
        a.exclusions[0].expr,
        parse("row z = not c in (3)")
            .map(|q| match q.source {
                rulegate::esql::ast::SourceCommand::Row(row) => row.fields[0].expr.clone(),
                _ => unreachable!(),
            })
            .unwrap()
    );
    assert_eq!(a.group_by, ["a"]);
    let stages: Vec<(usize, &str)> = a
        .stages
        .iter()
        .map(|s| (s.number, s.command.as_str()))
        .collect();
    assert_eq!(
        stages,
        [
            (1, "from"),
            (2, "eval"),
            (3, "where"),
            (4, "stats"),
            (5, "where")
        ]
    );
}

#[test]
fn fields_inside_functions_and_casts_are_named_with_the_function() {
    let a = analysis(
        r#"row x = 1 | where not to_lower(user.name) == "root" and a::long > 3 and (a == 1 or b == 2)"#,
    );
    let ex = &a.exclusions[0];
    assert_eq!(
        (ex.field.as_str(), ex.function.as_deref()),
        ("user.name", Some("to_lower"))
    );
    let cast = &a.indicators[0];
    assert_eq!(
        (cast.field.as_str(), cast.kind, cast.function.as_deref()),
        ("a", PredicateKind::Gt, Some("::long"))
    );
    let or = &a.indicators[1];
    assert_eq!(
        (or.field.as_str(), or.kind, or.values.clone()),
        (
            "a",
            PredicateKind::Expr,
            vec!["a == 1 OR b == 2".to_string()]
        )
    );
}

#[test]
fn output_fields_are_the_last_keep() {
    let text = "from x | keep a, b | eval c = 1 | keep b, `c`";
    let a = analysis(text);
    let fields: Vec<(&str, &str)> = a
        .output_fields
        .iter()
        .map(|o| (o.field.as_str(), o.source.as_str()))
        .collect();
    assert_eq!(fields, [("b", "KEEP b"), ("c", "KEEP `c`")]);
}

//! Clause coverage: how often each `WHERE` conjunct was true, false and null over a scenario
//! suite, how groups fell around each threshold, and lints for conjuncts that can never be true.
//!
//! Counting is done by the reference engine itself. For a `WHERE` at position `i` the query
//! `source | commands[..i] | STATS t0 = COUNT(*) WHERE c0, f0 = COUNT(*) WHERE NOT c0,
//! n0 = COUNT(*) WHERE c0 IS NULL, …` is run, so each conjunct sees exactly the rows that reach
//! its `WHERE` (after earlier filters and `EVAL`s), evaluated with Elasticsearch's null and
//! multivalue semantics. Conjuncts of one `WHERE` are counted independently, not short-circuited.
//! A `WHERE` before any `STATS` is counted over every document once; one after `STATS` is counted
//! per rule execution (its rows are the groups each execution sees).

use serde::Serialize;

use crate::analysis::conjuncts;
use crate::document::{Cell, Documents, Value};
use crate::esql::ast::{
    AggregateField, BinaryOp, Call, Command, CommandKind, Expr, ExprKind, Field, LikePatterns,
    Literal, Name, PatternKind, Query, Stats,
};
use crate::eval::pattern::Matcher;
use crate::eval::{Plan, Window};
use crate::span::Span;

/// True, false and null counts of one conjunct.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Outcomes {
    #[serde(rename = "true")]
    pub true_: u64,
    #[serde(rename = "false")]
    pub false_: u64,
    pub null: u64,
}

/// Groups below, at and above a threshold (`Esql.unique_credentials >= 3`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ThresholdOutcomes {
    pub below: u64,
    pub at: u64,
    pub above: u64,
}

/// One conjunct and what the suite made of it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ConjunctCoverage {
    /// Index of its `WHERE` among the query's commands, and of the conjunct within it.
    pub command: usize,
    pub conjunct: usize,
    /// The conjunct as written.
    pub text: String,
    #[serde(skip)]
    pub span: Span,
    /// Whether its `WHERE` follows a `STATS` (counts are then groups per execution).
    pub after_stats: bool,
    pub outcomes: Outcomes,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub threshold: Option<ThresholdOutcomes>,
    pub gaps: Vec<Gap>,
}

/// Why a conjunct deserves a reviewer's look.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "gap", content = "reason", rename_all = "snake_case")]
pub enum Gap {
    /// It was never false (nor null): in this suite it filters nothing.
    NeverFalse,
    /// It was never true: no scenario exercises the rows it lets through.
    NeverTrue,
    /// No document can make it true, whatever the suite (detectability lint).
    Unsatisfiable(String),
}

/// The lint: a reason why `conjunct` can never be true, if there is one.
pub fn unsatisfiable(conjunct: &Expr) -> Option<String> {
    match &conjunct.kind {
        // `x NOT IN (…, null)`: a non-matching value compares null with the null element.
        ExprKind::In { list, negated: true, .. } if list.iter().any(is_null_literal) => {
            Some("`NOT IN` with a null in its list is never true: the null element makes every non-matching value compare null".into())
        }
        ExprKind::Not(inner) => match &inner.kind {
            ExprKind::In { list, negated: false, .. } if list.iter().any(is_null_literal) => {
                Some("`NOT (x IN (…, null))` is never true: the null element makes every non-matching value compare null".into())
            }
            _ => None,
        },
        ExprKind::Binary { op, left, right } if op.is_comparison() && (is_null_literal(left) || is_null_literal(right)) => {
            Some(format!("a comparison with null (`{}`) is always null", op.symbol()))
        }
        // An expression pattern is only known once the engine folds it: no lint for it.
        ExprKind::Like { patterns: LikePatterns::Literals(patterns), kind, negated: false, .. } => {
            let empty = patterns.iter().all(|p| {
                let compiled = match kind {
                    PatternKind::Like => Matcher::like(&p.value),
                    PatternKind::Rlike => Matcher::rlike(&p.value),
                };
                compiled.map(|m| m.matches_nothing()).unwrap_or(false)
            });
            let word = kind.keyword();
            empty.then(|| format!("the {word} pattern matches no string at all (Lucene operators such as `#`, `&`, `~` or an unescaped `@` change its meaning)"))
        }
        ExprKind::Literal(Literal::Boolean(false)) | ExprKind::Literal(Literal::Null) => {
            Some("the condition is a constant that is never true".into())
        }
        _ => None,
    }
}

fn is_null_literal(e: &Expr) -> bool {
    matches!(e.kind, ExprKind::Literal(Literal::Null))
}

/// `a == "x" AND a == "y"` in one `WHERE`: two equalities of one column to different literals.
fn contradiction(parts: &[&Expr], text: &str) -> Vec<(usize, String)> {
    let equality = |e: &Expr| match &e.kind {
        ExprKind::Binary {
            op: BinaryOp::Eq,
            left,
            right,
        } => match (&left.kind, &right.kind) {
            (ExprKind::Column(n), ExprKind::Literal(l)) => Some((n.name.clone(), l.clone())),
            _ => None,
        },
        _ => None,
    };
    let mut out = Vec::new();
    for (i, a) in parts.iter().enumerate() {
        let Some((column, value)) = equality(a) else {
            continue;
        };
        for b in &parts[..i] {
            if let Some((other, other_value)) = equality(b) {
                if other == column && other_value != value {
                    out.push((
                        i,
                        format!(
                        "contradicts `{}` in the same WHERE: `{column}` cannot equal two values",
                        b.span.slice(text).trim()
                    ),
                    ));
                }
            }
        }
    }
    out
}

/// The numeric threshold of a post-`STATS` comparison: `(column, value)`.
fn threshold_of(conjunct: &Expr) -> Option<(&Expr, &Expr)> {
    match &conjunct.kind {
        ExprKind::Binary { op, left, right }
            if op.is_comparison()
                && !matches!(op, BinaryOp::Eq | BinaryOp::Neq | BinaryOp::EqIgnoreCase) =>
        {
            match (&left.kind, &right.kind) {
                (
                    ExprKind::Column(_),
                    ExprKind::Literal(Literal::Integer(_) | Literal::Decimal(_)),
                ) => Some((left, right)),
                _ => None,
            }
        }
        _ => None,
    }
}

fn synthetic(kind: ExprKind, span: Span) -> Expr {
    Expr { kind, span }
}

fn count_where(name: String, filter: Expr) -> AggregateField {
    let span = filter.span;
    AggregateField {
        field: Field {
            name: Some(Name { name, span }),
            expr: synthetic(
                ExprKind::Call(Call {
                    name: "count".into(),
                    args: Vec::new(),
                    star: true,
                    span,
                }),
                span,
            ),
            span,
        },
        filter: Some(filter),
        span,
    }
}

/// The probe query counting each conjunct of the `WHERE` at `command`.
fn probe(query: &Query, command: usize, parts: &[&Expr]) -> Query {
    let mut aggregates = Vec::new();
    for (i, part) in parts.iter().enumerate() {
        let span = part.span;
        let c = (*part).clone();
        aggregates.push(count_where(format!("t{i}"), c.clone()));
        aggregates.push(count_where(
            format!("f{i}"),
            synthetic(ExprKind::Not(Box::new(c.clone())), span),
        ));
        aggregates.push(count_where(
            format!("n{i}"),
            synthetic(
                ExprKind::IsNull {
                    value: Box::new(c),
                    negated: false,
                },
                span,
            ),
        ));
        if let Some((column, value)) = threshold_of(part) {
            for (name, op) in [
                ("below", BinaryOp::Lt),
                ("at", BinaryOp::Eq),
                ("above", BinaryOp::Gt),
            ] {
                let test = synthetic(
                    ExprKind::Binary {
                        op,
                        left: Box::new(column.clone()),
                        right: Box::new(value.clone()),
                    },
                    span,
                );
                aggregates.push(count_where(format!("{name}{i}"), test));
            }
        }
    }
    let mut commands: Vec<Command> = query.commands[..command].to_vec();
    commands.push(Command {
        kind: CommandKind::Stats(Stats {
            aggregates,
            by: Vec::new(),
        }),
        span: query.commands[command].span,
    });
    Query {
        source: query.source.clone(),
        commands,
        span: query.span,
    }
}

fn count(cell: Option<&Cell>) -> u64 {
    match cell {
        Some(Cell::One(Value::Long(n))) => (*n).max(0) as u64,
        Some(Cell::One(Value::Integer(n))) => (*n).max(0) as u64,
        _ => 0,
    }
}

/// One scenario's documents and the windows the rule's executions read.
pub struct Stream<'a> {
    pub docs: &'a Documents,
    /// Each execution: the positions of the documents in its window, and its `NOW()`.
    pub executions: Vec<(Vec<usize>, i64)>,
}

/// Coverage of every `WHERE` conjunct of `query` over `streams` (summed).
pub fn coverage(
    query: &Query,
    text: &str,
    streams: &[Stream],
) -> Result<Vec<ConjunctCoverage>, crate::diagnostic::Diagnostic> {
    let mut out = Vec::new();
    let mut seen_stats = false;
    for (index, command) in query.commands.iter().enumerate() {
        match &command.kind {
            CommandKind::Stats(_) => seen_stats = true,
            CommandKind::Where(condition) => {
                let parts = conjuncts(condition);
                let probe_query = probe(query, index, &parts);
                let totals = conjunct_totals(&probe_query, text, streams, seen_stats, parts.len())?;
                let contradictions = contradiction(&parts, text);
                for (i, part) in parts.iter().enumerate() {
                    let (outcomes, thresholds) = totals[i];
                    let gaps = gaps_of(part, i, outcomes, &contradictions);
                    out.push(ConjunctCoverage {
                        command: index,
                        conjunct: i,
                        text: part.span.slice(text).trim().to_string(),
                        span: part.span,
                        after_stats: seen_stats,
                        outcomes,
                        threshold: threshold_of(part).map(|_| thresholds),
                        gaps,
                    });
                }
            }
            _ => {}
        }
    }
    Ok(out)
}

/// Per conjunct, its outcomes and threshold groups over every stream, summed over the runs
/// (one per execution after `STATS`, else one over all documents).
fn conjunct_totals(
    probe_query: &Query,
    text: &str,
    streams: &[Stream],
    seen_stats: bool,
    conjuncts: usize,
) -> Result<Vec<(Outcomes, ThresholdOutcomes)>, crate::diagnostic::Diagnostic> {
    let mut totals = vec![(Outcomes::default(), ThresholdOutcomes::default()); conjuncts];
    for stream in streams {
        let plan = Plan::compile(probe_query, text, &stream.docs.columns)?;
        let runs: Vec<(Window, i64)> = if seen_stats {
            stream
                .executions
                .iter()
                .map(|(ids, now)| (Window::Indices(ids), *now))
                .collect()
        } else {
            let now = stream.executions.last().map(|(_, now)| *now).unwrap_or(0);
            vec![(Window::All, now)]
        };
        for (window, now) in runs {
            let table = plan.run(stream.docs, window, now);
            if let Some(failure) = table.failure_diagnostic() {
                return Err(failure);
            }
            let Some(row) = table.rows.first() else {
                continue;
            };
            let column = |name: &str| {
                table
                    .columns
                    .iter()
                    .position(|c| c.name == name)
                    .and_then(|i| row.get(i))
            };
            for (i, total) in totals.iter_mut().enumerate() {
                total.0.true_ += count(column(&format!("t{i}")));
                total.0.false_ += count(column(&format!("f{i}")));
                total.0.null += count(column(&format!("n{i}")));
                total.1.below += count(column(&format!("below{i}")));
                total.1.at += count(column(&format!("at{i}")));
                total.1.above += count(column(&format!("above{i}")));
            }
        }
    }
    Ok(totals)
}

/// The gaps of conjunct `i` (`part`) given its outcomes and the query's contradictions.
fn gaps_of(
    part: &Expr,
    i: usize,
    outcomes: Outcomes,
    contradictions: &[(usize, String)],
) -> Vec<Gap> {
    let mut gaps = Vec::new();
    if outcomes.false_ == 0 && outcomes.null == 0 {
        gaps.push(Gap::NeverFalse);
    }
    if outcomes.true_ == 0 {
        gaps.push(Gap::NeverTrue);
    }
    if let Some(reason) = unsatisfiable(part) {
        gaps.push(Gap::Unsatisfiable(reason));
    }
    for (_, reason) in contradictions.iter().filter(|(j, _)| *j == i) {
        gaps.push(Gap::Unsatisfiable(reason.clone()));
    }
    gaps
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::LoadOptions;
    use crate::esql::parse;
    use crate::eval::fields_for;
    use serde_json::json;

    fn run(
        query_text: &str,
        docs: Vec<serde_json::Value>,
        executions: Vec<(Vec<usize>, i64)>,
    ) -> Vec<ConjunctCoverage> {
        let query = parse(query_text).unwrap();
        let docs = Documents::from_values(&docs, &fields_for(&query, &[]), LoadOptions::default())
            .unwrap();
        coverage(
            &query,
            query_text,
            &[Stream {
                docs: &docs,
                executions,
            }],
        )
        .unwrap()
    }

    #[test]
    fn counts_true_false_and_null_per_conjunct_and_groups_per_threshold() {
        let text = r#"from logs-* | where user.name is not null and not user.name in ("admin") and verb == "get" | stats n = count_distinct(obj) by user.name | where n >= 2"#;
        let docs = vec![
            json!({"user": {"name": "eve"}, "verb": "get", "obj": "a"}),
            json!({"user": {"name": "eve"}, "verb": "get", "obj": "b"}),
            json!({"user": {"name": "admin"}, "verb": "get", "obj": "c"}),
            json!({"verb": "list", "obj": "d"}),
            json!({"user": {"name": ["x", "y"]}, "verb": "get", "obj": "e"}),
        ];
        // Two executions: the first sees the first two documents, the second all five.
        let report = run(text, docs, vec![(vec![0, 1], 1), (vec![0, 1, 2, 3, 4], 2)]);
        let summary: Vec<(String, Outcomes)> = report
            .iter()
            .map(|c| (c.text.clone(), c.outcomes))
            .collect();
        assert_eq!(
            summary,
            vec![
                (
                    "user.name is not null".to_string(),
                    Outcomes {
                        true_: 4,
                        false_: 1,
                        null: 0
                    }
                ),
                // The multivalued name makes `IN` null, as in Elasticsearch.
                (
                    "not user.name in (\"admin\")".to_string(),
                    Outcomes {
                        true_: 2,
                        false_: 1,
                        null: 2
                    }
                ),
                (
                    "verb == \"get\"".to_string(),
                    Outcomes {
                        true_: 4,
                        false_: 1,
                        null: 0
                    }
                ),
                // Only eve's group survives the first WHERE: once per execution, 2 objects each.
                (
                    "n >= 2".to_string(),
                    Outcomes {
                        true_: 2,
                        false_: 0,
                        null: 0
                    }
                ),
            ]
        );
        assert_eq!(
            report[3].threshold,
            Some(ThresholdOutcomes {
                below: 0,
                at: 2,
                above: 0
            })
        );
        assert_eq!(report[2].gaps, vec![]);
        assert_eq!(report[3].gaps, vec![Gap::NeverFalse]);
    }

    #[test]
    fn flags_conjuncts_never_false_never_true_and_unsatisfiable() {
        let text = r#"from logs-* | where verb == "get" and not user.name in ("a", null) and path rlike "a&b" and verb == "list""#;
        let report = run(
            text,
            vec![json!({"verb": "get", "user": {"name": "z"}, "path": "ab"})],
            vec![(vec![0], 1)],
        );
        assert_eq!(report[0].gaps, vec![Gap::NeverFalse]);
        assert!(
            matches!(&report[1].gaps[..], [Gap::NeverTrue, Gap::Unsatisfiable(r)] if r.contains("null"))
        );
        assert!(
            matches!(&report[2].gaps[..], [Gap::NeverTrue, Gap::Unsatisfiable(r)] if r.contains("RLIKE"))
        );
        assert!(
            matches!(&report[3].gaps[..], [Gap::NeverTrue, Gap::Unsatisfiable(r)] if r.contains("cannot equal two values"))
        );
    }
}

//! Mutation operators over a rule's syntax tree and schedule: the mutants `rulegate mutate` runs.
//!
//! Each operator makes one small, plausible wrong change (drop a clause, flip a comparison, shift a
//! threshold, widen a pattern). A scenario suite is strong when every such change alters some
//! scenario's alerts or expectations; a mutant that changes nothing "survives" and points at a
//! missing scenario. Mutants are listed in a fixed order (operator, then position in the query), so
//! reports are deterministic.

use super::null_proof::never_true_when_null;
use crate::analysis::conjuncts;
use crate::analysis::prefix_pattern;
use crate::esql::ast::{
    BinaryOp, CommandKind, Expr, ExprKind, LikePatterns, Literal, PatternKind, Query, StringLiteral,
};
use crate::span::Span;

/// One mutated version of a rule.
#[derive(Clone, Debug)]
pub struct Mutant {
    /// Stable name of the operator, e.g. `drop-conjunct`.
    pub operator: &'static str,
    /// What changed, in words a reviewer reads: "drop `not user.name in (…)`".
    pub description: String,
    /// Where in the query text the change is (empty for schedule mutants).
    pub span: Span,
    /// The mutated query (the original for schedule mutants).
    pub query: Query,
    /// A schedule change, for look-back and interval mutants.
    pub schedule: Option<ScheduleChange>,
    /// What a killing scenario would need, derived from the mutated clause.
    pub hint: String,
    /// Why no document can tell this mutant from the rule, when that can be shown from the
    /// query alone (an equivalent mutant: it is reported, not scored).
    pub equivalent: Option<String>,
}

/// A change of the rule's schedule, in milliseconds added (negative: removed).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScheduleChange {
    Lookback(i64),
    Interval(i64),
    /// `max_signals` set to this many alerts per execution.
    MaxSignals(usize),
}

/// The hint of every look-back and interval mutant.
pub const SCHEDULE_HINT: &str =
    "no scenario has events at the edge of the look-back window or across two executions";

/// The look-back and interval mutants of a schedule whose interval is `interval_ms`, with what
/// each does in words (an interval that would reach zero is not made).
pub fn window_changes(interval_ms: i64) -> Vec<(ScheduleChange, &'static str)> {
    [
        (
            ScheduleChange::Lookback(MINUTE_MS),
            "widen the look-back by one minute",
        ),
        (
            ScheduleChange::Lookback(-MINUTE_MS),
            "narrow the look-back by one minute",
        ),
        (
            ScheduleChange::Interval(MINUTE_MS),
            "lengthen the interval by one minute",
        ),
        (
            ScheduleChange::Interval(-MINUTE_MS),
            "shorten the interval by one minute",
        ),
    ]
    .into_iter()
    .filter(|(change, _)| !matches!(change, ScheduleChange::Interval(d) if interval_ms + d <= 0))
    .collect()
}

const MINUTE_MS: i64 = 60_000;

/// Every mutant of `query` (whose text is `text`, for descriptions) and of its schedule.
///
/// `interval_ms` is the rule's interval: an interval mutant that would reach zero is not made.
pub fn mutants(query: &Query, text: &str, interval_ms: i64) -> Vec<Mutant> {
    let mut out = Vec::new();
    drop_and_negate_conjuncts(query, text, &mut out);
    remove_in_values(query, text, &mut out);
    like_prefix_mutants(query, &mut out);
    comparison_mutants(query, text, &mut out);
    drop_by_keys(query, text, &mut out);
    for (change, what) in window_changes(interval_ms) {
        out.push(Mutant {
            operator: "schedule",
            description: what.to_string(),
            span: Span::default(),
            query: query.clone(),
            schedule: Some(change),
            hint: SCHEDULE_HINT.to_string(),
            equivalent: None,
        });
    }
    out
}

/// Rebuilds a conjunction from parts (left-associative, as the parser builds it).
fn conjoin(parts: Vec<Expr>) -> Option<Expr> {
    parts.into_iter().reduce(|left, right| {
        let span = left.span.to(right.span);
        Expr {
            kind: ExprKind::And(Box::new(left), Box::new(right)),
            span,
        }
    })
}

fn where_commands(query: &Query) -> impl Iterator<Item = (usize, &Expr)> {
    query
        .commands
        .iter()
        .enumerate()
        .filter_map(|(i, c)| match &c.kind {
            CommandKind::Where(e) => Some((i, e)),
            _ => None,
        })
}

fn drop_and_negate_conjuncts(query: &Query, text: &str, out: &mut Vec<Mutant>) {
    for (command, condition) in where_commands(query) {
        let parts = conjuncts(condition);
        for (i, part) in parts.iter().enumerate() {
            let written = part.span.slice(text).trim().to_string();
            let hint = hint_for_clause(part, text);

            let mut dropped = query.clone();
            let rest: Vec<Expr> = parts
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, e)| (*e).clone())
                .collect();
            match conjoin(rest) {
                Some(rebuilt) => dropped.commands[command].kind = CommandKind::Where(rebuilt),
                None => {
                    dropped.commands.remove(command);
                }
            }
            out.push(Mutant {
                operator: "drop-conjunct",
                description: format!("drop `{written}`"),
                span: part.span,
                query: dropped,
                schedule: None,
                hint: hint.clone(),
                equivalent: implied_null_check(part, &parts, text),
            });

            let negated = match &part.kind {
                ExprKind::Not(inner) => (**inner).clone(),
                _ => Expr {
                    kind: ExprKind::Not(Box::new((*part).clone())),
                    span: part.span,
                },
            };
            let mut flipped = query.clone();
            let mut new_parts: Vec<Expr> = parts.iter().map(|e| (*e).clone()).collect();
            new_parts[i] = negated;
            flipped.commands[command].kind =
                CommandKind::Where(conjoin(new_parts).expect("at least one conjunct"));
            out.push(Mutant {
                operator: "negate-conjunct",
                description: format!("negate `{written}`"),
                span: part.span,
                query: flipped,
                schedule: None,
                hint,
                equivalent: None,
            });
        }
    }
}

/// Why dropping `part` cannot change any result, when it is an `x IS NOT NULL` made redundant by
/// another conjunct of the same `WHERE` that is never true for a null `x`: ES|QL's three-valued
/// logic already drops the row there (`NOT (null IN (…))` is null, and `WHERE` keeps only true).
/// The proof is [`never_true_when_null`]; `rulegate mutate` still runs every mutant it calls
/// equivalent and fails if a scenario kills one.
fn implied_null_check(part: &Expr, parts: &[&Expr], text: &str) -> Option<String> {
    let ExprKind::IsNull {
        value,
        negated: true,
    } = &part.kind
    else {
        return None;
    };
    let ExprKind::Column(field) = &value.kind else {
        return None;
    };
    let other = parts
        .iter()
        .find(|other| !std::ptr::eq(**other, part) && never_true_when_null(other, &field.name))?;
    Some(format!(
        "`{}` is never true when `{}` is null, so the null check changes no result",
        other.span.slice(text).trim(),
        field.name
    ))
}

/// Calls `visit` on every expression of every `WHERE`, pre-order, in query order, mutably; the
/// visit order is the same for every clone of a query, so an index names one site.
fn for_each_where_expr_mut(query: &mut Query, visit: &mut dyn FnMut(&mut Expr)) {
    for command in &mut query.commands {
        if let CommandKind::Where(e) = &mut command.kind {
            walk_mut(e, visit);
        }
    }
}

fn walk_mut(expr: &mut Expr, visit: &mut dyn FnMut(&mut Expr)) {
    visit(expr);
    for child in expr.children_mut() {
        walk_mut(child, visit);
    }
}

/// One mutation made at a site: its description, the span it changes, and the killing hint.
type Alternative = (String, Span, String);

/// Offered an expression, lists the alternatives it can make there, and applies the chosen one.
type SiteChange<'a> = dyn Fn(&mut Expr, Option<usize>) -> Vec<Alternative> + 'a;

/// Makes one mutant per site where `change` applies: `change` is offered every `WHERE`
/// expression and returns the alternatives (description, span, hint) it made, applying the
/// `choice`-th one to the expression.
fn site_mutants(
    query: &Query,
    operator: &'static str,
    out: &mut Vec<Mutant>,
    change: &SiteChange<'_>,
) {
    // First pass: count the alternatives at each site, in visit order.
    let mut sites: Vec<usize> = Vec::new();
    let mut probe = query.clone();
    for_each_where_expr_mut(&mut probe, &mut |e| {
        sites.push(change(&mut e.clone(), None).len())
    });
    for (site, &alternatives) in sites.iter().enumerate() {
        for choice in 0..alternatives {
            let mut mutated = query.clone();
            let mut index = 0;
            let mut made = None;
            for_each_where_expr_mut(&mut mutated, &mut |e| {
                if index == site {
                    made = change(e, Some(choice)).into_iter().nth(choice);
                }
                index += 1;
            });
            if let Some((description, span, hint)) = made {
                out.push(Mutant {
                    operator,
                    description,
                    span,
                    query: mutated,
                    schedule: None,
                    hint,
                    equivalent: None,
                });
            }
        }
    }
}

fn remove_in_values(query: &Query, text: &str, out: &mut Vec<Mutant>) {
    site_mutants(query, "remove-in-value", out, &|e, apply| {
        let ExprKind::In { value, list, .. } = &mut e.kind else {
            return Vec::new();
        };
        if list.len() < 2 {
            return Vec::new();
        }
        let field = field_of(value);
        let made: Vec<(String, Span, String)> = list
            .iter()
            .map(|item| {
                let written = item.span.slice(text).to_string();
                (
                    format!(
                        "remove {written} from the list of `{}`",
                        e_text(text, value.span)
                    ),
                    item.span,
                    format!("no scenario has `{field}` = {written}"),
                )
            })
            .collect();
        if let Some(choice) = apply {
            list.remove(choice);
        }
        made
    });
}

fn like_prefix_mutants(query: &Query, out: &mut Vec<Mutant>) {
    site_mutants(query, "like-prefix", out, &|e, apply| {
        // Only literal patterns have a prefix to mutate; an expression pattern is left alone.
        let ExprKind::Like {
            value,
            patterns: LikePatterns::Literals(patterns),
            kind: PatternKind::Like,
            ..
        } = &mut e.kind
        else {
            return Vec::new();
        };
        let field = field_of(value);
        let mut made = Vec::new();
        let mut edits: Vec<(usize, String)> = Vec::new();
        for (i, pattern) in patterns.iter().enumerate() {
            let Some(prefix) = prefix_pattern(&pattern.value) else {
                continue;
            };
            // Exact match: the prefix alone, with no wildcard.
            made.push((
                format!("match `{}` exactly instead of as a prefix", pattern.value),
                pattern.span,
                format!(
                    "no scenario has a `{field}` that starts with `{prefix}` and is longer than it"
                ),
            ));
            edits.push((i, escape_like(&prefix)));
            // Widened: one character shorter prefix.
            if prefix.chars().count() > 1 {
                let mut shorter = prefix.clone();
                shorter.pop();
                made.push((
                    format!("widen `{}` to `{shorter}*`", pattern.value),
                    pattern.span,
                    format!(
                        "no scenario has a `{field}` that starts with `{shorter}` but not `{prefix}`"
                    ),
                ));
                edits.push((i, format!("{}*", escape_like(&shorter))));
            }
        }
        if let Some(choice) = apply {
            let (i, new_pattern) = edits[choice].clone();
            patterns[i] = StringLiteral {
                value: new_pattern,
                span: patterns[i].span,
            };
        }
        made
    });
}

/// Writes `text` as a LIKE pattern that matches it literally.
fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '*' | '?' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The comparison operators a mutant may put in place of `op` (the issue's "neighbours").
fn neighbours(op: BinaryOp) -> &'static [BinaryOp] {
    use BinaryOp::*;
    match op {
        Gte => &[Gt, Lte, Eq],
        Gt => &[Gte, Lt, Eq],
        Lte => &[Lt, Gte, Eq],
        Lt => &[Lte, Gt, Eq],
        Eq => &[Neq],
        Neq => &[Eq],
        _ => &[],
    }
}

fn comparison_mutants(query: &Query, text: &str, out: &mut Vec<Mutant>) {
    site_mutants(query, "comparison", out, &|e, apply| {
        let ExprKind::Binary { op, left, right } = &mut e.kind else {
            return Vec::new();
        };
        let column = e_text(text, left.span);
        let written_right = e_text(text, right.span);
        let made: Vec<(String, Span, String)> = neighbours(*op)
            .iter()
            .map(|new| {
                (
                    format!(
                        "`{column} {} {written_right}` becomes `{column} {} {written_right}`",
                        op.symbol(),
                        new.symbol()
                    ),
                    left.span.to(right.span),
                    format!("no scenario has `{column}` on each side of {written_right} and at it"),
                )
            })
            .collect();
        if let Some(choice) = apply {
            *op = neighbours(*op)[choice];
        }
        made
    });
    site_mutants(query, "threshold-shift", out, &|e, apply| {
        let ExprKind::Binary { op, left, right } = &mut e.kind else {
            return Vec::new();
        };
        if !op.is_comparison() {
            return Vec::new();
        }
        let ExprKind::Literal(Literal::Integer(n)) = &mut right.kind else {
            return Vec::new();
        };
        let column = e_text(text, left.span);
        let original = *n;
        let mut shifts = vec![original + 1];
        if original > 0 {
            shifts.push(original - 1);
        }
        let made = shifts
            .iter()
            .map(|&shifted| {
                // The one value whose verdict the shift flips.
                let flipped = match op {
                    BinaryOp::Gte | BinaryOp::Lt => original.min(shifted),
                    BinaryOp::Gt | BinaryOp::Lte => original.max(shifted),
                    _ => original,
                };
                (
                    format!("threshold {original} becomes {shifted} in `{column}`"),
                    right.span,
                    format!("no scenario has `{column}` equal to {flipped}"),
                )
            })
            .collect();
        if let Some(choice) = apply {
            *n = shifts[choice];
        }
        made
    });
}

fn drop_by_keys(query: &Query, text: &str, out: &mut Vec<Mutant>) {
    for (c, command) in query.commands.iter().enumerate() {
        let CommandKind::Stats(stats) = &command.kind else {
            continue;
        };
        for (k, key) in stats.by.iter().enumerate() {
            let name = key.column_name(text);
            let mut mutated = query.clone();
            if let CommandKind::Stats(s) = &mut mutated.commands[c].kind {
                s.by.remove(k);
            }
            // A later `KEEP` that names the key would make the mutant an "Unknown column" error
            // rather than a grouping change, so the key leaves those lists too.
            for later in &mut mutated.commands[c + 1..] {
                if let CommandKind::Keep(patterns) = &mut later.kind {
                    if patterns.len() > 1 {
                        patterns.retain(|p| p.pattern != name);
                    }
                }
            }
            out.push(Mutant {
                operator: "drop-by-key",
                description: format!("stop grouping by `{name}`"),
                span: key.span,
                query: mutated,
                schedule: None,
                hint: format!(
                    "no scenario has one actor reaching the threshold only across several values of `{name}`"
                ),
                equivalent: None,
            });
        }
    }
}

/// The field a clause tests, for hints: the first column it names.
fn field_of(expr: &Expr) -> String {
    match &expr.kind {
        ExprKind::Column(name) => name.name.clone(),
        ExprKind::Call(call) => call.args.first().map(field_of).unwrap_or_default(),
        ExprKind::Cast { value, .. } | ExprKind::Unary { operand: value, .. } => field_of(value),
        _ => String::new(),
    }
}

fn e_text(text: &str, span: Span) -> String {
    span.slice(text).trim().to_string()
}

/// A hint for a whole clause: which field and values a scenario should exercise.
fn hint_for_clause(expr: &Expr, text: &str) -> String {
    let inner = match &expr.kind {
        ExprKind::Not(inner) => inner,
        _ => expr,
    };
    match &inner.kind {
        ExprKind::In { value, list, .. } => {
            let values: Vec<String> = list.iter().map(|e| e_text(text, e.span)).collect();
            format!(
                "no scenario depends on `{}` being one of {}",
                field_of(value),
                values.join(", ")
            )
        }
        ExprKind::Like {
            value,
            patterns: LikePatterns::Literals(patterns),
            ..
        } => format!(
            "no scenario depends on `{}` matching {}",
            field_of(value),
            patterns
                .iter()
                .map(|p| format!("\"{}\"", p.value))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        ExprKind::Like {
            value,
            patterns: LikePatterns::Expr(pattern),
            ..
        } => format!(
            "no scenario depends on `{}` matching `{}`",
            field_of(value),
            e_text(text, pattern.span)
        ),
        ExprKind::IsNull { value, .. } => {
            format!(
                "no scenario has documents where `{}` is null",
                field_of(value)
            )
        }
        ExprKind::Binary {
            op: BinaryOp::Eq,
            left,
            right,
        } => format!(
            "no scenario has documents where `{}` is not {} that would otherwise alert",
            e_text(text, left.span),
            e_text(text, right.span)
        ),
        _ => format!(
            "no scenario has documents for which `{}` alone decides",
            e_text(text, expr.span)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::esql::{parse, print};

    const QUERY: &str = r#"from logs-* | where a == "x" and not b in ("p", "q") and not c like "sh.h*" | stats n = count_distinct(d) by e, f | where n >= 3"#;

    fn described(query: &str) -> Vec<String> {
        let parsed = parse(query).expect("test query parses");
        mutants(&parsed, query, 5 * 60_000)
            .iter()
            .map(|m| format!("{}: {}", m.operator, m.description))
            .collect()
    }

    #[test]
    fn every_operator_makes_its_mutants_in_query_order() {
        assert_eq!(
            described(QUERY),
            vec![
                "drop-conjunct: drop `a == \"x\"`",
                "negate-conjunct: negate `a == \"x\"`",
                "drop-conjunct: drop `not b in (\"p\", \"q\")`",
                "negate-conjunct: negate `not b in (\"p\", \"q\")`",
                "drop-conjunct: drop `not c like \"sh.h*\"`",
                "negate-conjunct: negate `not c like \"sh.h*\"`",
                "drop-conjunct: drop `n >= 3`",
                "negate-conjunct: negate `n >= 3`",
                "remove-in-value: remove \"p\" from the list of `b`",
                "remove-in-value: remove \"q\" from the list of `b`",
                "like-prefix: match `sh.h*` exactly instead of as a prefix",
                "like-prefix: widen `sh.h*` to `sh.*`",
                "comparison: `a == \"x\"` becomes `a != \"x\"`",
                "comparison: `n >= 3` becomes `n > 3`",
                "comparison: `n >= 3` becomes `n <= 3`",
                "comparison: `n >= 3` becomes `n == 3`",
                "threshold-shift: threshold 3 becomes 4 in `n`",
                "threshold-shift: threshold 3 becomes 2 in `n`",
                "drop-by-key: stop grouping by `e`",
                "drop-by-key: stop grouping by `f`",
                "schedule: widen the look-back by one minute",
                "schedule: narrow the look-back by one minute",
                "schedule: lengthen the interval by one minute",
                "schedule: shorten the interval by one minute",
            ]
        );
    }

    #[test]
    fn mutants_change_the_query_as_described() {
        let parsed = parse(QUERY).unwrap();
        let all = mutants(&parsed, QUERY, 5 * 60_000);
        let printed = |operator: &str, nth: usize| {
            let m = all
                .iter()
                .filter(|m| m.operator == operator)
                .nth(nth)
                .unwrap();
            print(&m.query)
        };
        assert!(printed("drop-conjunct", 0)
            .contains("WHERE NOT b IN (\"p\", \"q\") AND NOT c LIKE \"sh.h*\""));
        assert!(printed("negate-conjunct", 1).contains("WHERE a == \"x\" AND b IN (\"p\", \"q\")"));
        assert!(printed("remove-in-value", 0).contains("NOT b IN (\"q\")"));
        assert!(printed("like-prefix", 0).contains("NOT c LIKE \"sh.h\""));
        assert!(printed("threshold-shift", 0).contains("WHERE n >= 4"));
        assert!(!printed("drop-by-key", 0).contains("BY e"));
        // Dropping the only conjunct of a WHERE drops the command.
        let last = printed("drop-conjunct", 3);
        assert!(!last.contains(">= 3"), "{last}");
        // Every mutant is a query the parser accepts again.
        for m in &all {
            let text = print(&m.query);
            assert_eq!(parse(&text).as_ref().ok(), Some(&m.query), "{text}");
        }
    }

    #[test]
    fn an_interval_of_one_minute_is_not_shortened_to_zero() {
        let parsed = parse("from x | where a == 1").unwrap();
        let ops: Vec<String> = mutants(&parsed, "from x | where a == 1", 60_000)
            .into_iter()
            .filter(|m| m.operator == "schedule")
            .map(|m| m.description)
            .collect();
        assert_eq!(ops.len(), 3);
        assert!(!ops.iter().any(|d| d.contains("shorten")));
    }
}

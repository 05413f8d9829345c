//! Mutation operators over a rule's syntax tree and schedule: the mutants `rulegate mutate` runs.
//!
//! Each operator makes one small, plausible wrong change (drop a clause, flip a comparison, shift a
//! threshold, widen a pattern). A scenario suite is strong when every such change alters some
//! scenario's alerts or expectations; a mutant that changes nothing "survives" and points at a
//! missing scenario. Mutants are listed in a fixed order (operator, then position in the query), so
//! reports are deterministic.

mod hints;
mod sites;

use self::hints::hint_for_clause;
use self::sites::{comparison_mutants, like_prefix_mutants, remove_in_values};
use super::null_proof::never_true_when_null;
use crate::analysis::conjuncts;
use crate::esql::ast::{CommandKind, Expr, ExprKind, Query};
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

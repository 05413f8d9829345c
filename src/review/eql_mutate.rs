//! Mutation operators on EQL rules: the sequence's shape (drop a step or the `until`, drop a
//! join key, shrink or widen `maxspan`) and each condition's clauses (drop a conjunct or
//! disjunct, negate a top-level conjunct, remove a value of an `in` list or a pattern of a
//! `like`/`:` list, change a comparison, narrow a wildcard to its literal text). Each mutant is
//! a changed [`RuleLogic::Eql`] run through the same runner as the rule.

use super::mutate::{window_changes, ScheduleChange, SCHEDULE_HINT};
use crate::eql::ast::*;
use crate::eql::print::{print_expr, quote};
use crate::runner::{EqlSearch, RuleLogic};
use crate::span::Span;

/// Values of one `in` or pattern list tried for removal (longer lists keep their tail).
const MAX_LIST_VALUES: usize = 64;
/// Fewest stages Elasticsearch accepts in a sequence (`a sequence needs from 2 …`).
const MIN_STAGES: u32 = 2;

#[derive(Clone, Debug)]
pub struct EqlMutant {
    pub operator: &'static str,
    pub description: String,
    /// The mutated text in the query (empty for none).
    pub span: Span,
    pub logic: RuleLogic,
    /// Why Elasticsearch would refuse the mutant (it is then not run).
    pub invalid: Option<String>,
    pub hint: String,
}

/// One mutant of a condition: the whole condition after the change.
struct ExprMutant {
    operator: &'static str,
    description: String,
    span: Span,
    expr: Expr,
    hint: String,
}

/// Every mutant of an EQL rule's logic, in a fixed order: the sequence's shape, then each
/// filter's clauses in written order.
pub fn eql_mutants(logic: &RuleLogic) -> Vec<EqlMutant> {
    let RuleLogic::Eql(search) = logic else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if let Body::Sequence(seq) = &search.query.body {
        sequence_mutants(search, seq, &mut out);
    }
    let filters = search.query.filters().len();
    for at in 0..filters {
        let label = filter_label(&search.query, at);
        let condition = &search.query.filters()[at].condition;
        for m in expr_mutants(condition, true) {
            let mut query = search.query.clone();
            filters_mut(&mut query)[at].condition = m.expr;
            out.push(EqlMutant {
                operator: m.operator,
                description: format!("{label}{}", m.description),
                span: m.span,
                logic: with_query(search, query),
                invalid: None,
                hint: m.hint,
            });
        }
    }
    out
}

fn with_query(search: &EqlSearch, query: Query) -> RuleLogic {
    RuleLogic::Eql(EqlSearch {
        query,
        ..search.clone()
    })
}

/// `step 2: ` for a sequence's second query, `until: ` for its `until`, nothing for an event
/// query.
fn filter_label(query: &Query, at: usize) -> String {
    match &query.body {
        Body::Sequence(seq) if at == seq.terms.len() => "until: ".into(),
        Body::Sequence(_) | Body::Sample(_) => format!("step {}: ", at + 1),
        Body::Event(_) => String::new(),
    }
}

/// The event filters in [`Query::filters`]' order, mutable.
fn filters_mut(query: &mut Query) -> Vec<&mut EventFilter> {
    match &mut query.body {
        Body::Event(filter) => vec![filter],
        Body::Sequence(seq) => seq
            .terms
            .iter_mut()
            .chain(seq.until.iter_mut())
            .map(|t| &mut t.filter)
            .collect(),
        Body::Sample(sample) => sample.terms.iter_mut().map(|t| &mut t.filter).collect(),
    }
}

fn sequence_mutants(search: &EqlSearch, seq: &Sequence, out: &mut Vec<EqlMutant>) {
    let with_seq = |changed: Sequence| {
        let mut query = search.query.clone();
        query.body = Body::Sequence(changed);
        with_query(search, query)
    };
    for (i, term) in seq.terms.iter().enumerate() {
        let mut changed = seq.clone();
        changed.terms.remove(i);
        let stages: u32 = changed.terms.iter().map(|t| t.runs.unwrap_or(1)).sum();
        let invalid = (stages < MIN_STAGES || changed.terms.iter().all(|t| t.missing)).then(|| {
            format!(
                "a sequence needs at least {MIN_STAGES} queries (counting runs), found {stages}: \
                 Elasticsearch refuses it"
            )
        });
        out.push(EqlMutant {
            operator: "drop-step",
            description: format!("drop step {} `{}`", i + 1, shown_filter(&term.filter)),
            span: term.span,
            logic: with_seq(changed),
            invalid,
            hint: format!(
                "a scenario where the other steps occur without step {} and no sequence may alert",
                i + 1
            ),
        });
    }
    if let Some(until) = &seq.until {
        let mut changed = seq.clone();
        changed.until = None;
        out.push(EqlMutant {
            operator: "drop-until",
            description: format!("drop `until [{}]`", shown_filter(&until.filter)),
            span: until.span,
            logic: with_seq(changed),
            invalid: None,
            hint: "a sequence broken by an `until` event between its steps".into(),
        });
    }
    join_key_mutants(seq, &with_seq, out);
    if let Some(maxspan) = &seq.maxspan {
        let millis = maxspan.millis();
        for (operator, to, hint) in [
            (
                "shrink-maxspan",
                millis / 2,
                "a sequence whose first and last events are more than half the maxspan apart",
            ),
            (
                "widen-maxspan",
                millis.saturating_mul(2),
                "a sequence whose first and last events are just over the maxspan apart",
            ),
        ] {
            let Some(span) = time_span(to, maxspan.span) else {
                continue;
            };
            let mut changed = seq.clone();
            let description = format!(
                "maxspan={}{} to {}{}",
                maxspan.amount,
                maxspan.unit.suffix(),
                span.amount,
                span.unit.suffix()
            );
            changed.maxspan = Some(span);
            out.push(EqlMutant {
                operator,
                description,
                span: maxspan.span,
                logic: with_seq(changed),
                invalid: None,
                hint: hint.into(),
            });
        }
    }
}

/// Drops each shared `by` key, and each per-query key position from every query at once (a
/// query with fewer keys than the others is refused by Elasticsearch).
fn join_key_mutants(
    seq: &Sequence,
    with_seq: &dyn Fn(Sequence) -> RuleLogic,
    out: &mut Vec<EqlMutant>,
) {
    let hint = |key: &Expr| {
        format!(
            "a sequence whose events agree on every other key but differ in `{}`",
            print_expr(key)
        )
    };
    for (i, key) in seq.by.iter().enumerate() {
        let mut changed = seq.clone();
        changed.by.remove(i);
        out.push(EqlMutant {
            operator: "drop-join-key",
            description: format!("drop join key `{}`", print_expr(key)),
            span: key.span,
            logic: with_seq(changed),
            invalid: None,
            hint: hint(key),
        });
    }
    let per_query = seq.terms.first().map_or(0, |t| t.by.len());
    for i in 0..per_query {
        let mut changed = seq.clone();
        for term in changed.terms.iter_mut().chain(changed.until.iter_mut()) {
            if i < term.by.len() {
                term.by.remove(i);
            }
        }
        let key = &seq.terms[0].by[i];
        out.push(EqlMutant {
            operator: "drop-join-key",
            description: format!(
                "drop every query's join key #{} (`{}`)",
                i + 1,
                print_expr(key)
            ),
            span: key.span,
            logic: with_seq(changed),
            invalid: None,
            hint: hint(key),
        });
    }
}

/// `millis` in the largest unit that divides it (none for zero: `maxspan=0` would refuse every
/// sequence of events at different times, which is not a small change).
fn time_span(millis: i64, span: Span) -> Option<TimeSpan> {
    let millis = u64::try_from(millis).ok().filter(|&m| m > 0)?;
    let unit = [
        TimeUnit::Days,
        TimeUnit::Hours,
        TimeUnit::Minutes,
        TimeUnit::Seconds,
        TimeUnit::Millis,
    ]
    .into_iter()
    .find(|u| millis % u.millis() == 0)?;
    Some(TimeSpan {
        amount: millis / unit.millis(),
        unit,
        span,
    })
}

fn shown_filter(filter: &EventFilter) -> String {
    let text = crate::eql::print::print_filter(filter);
    shorten(&text)
}

/// Long clauses are cut in descriptions (the position names the place).
fn shorten(text: &str) -> String {
    const MAX: usize = 100;
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match flat.char_indices().nth(MAX) {
        Some((at, _)) => format!("{}…", &flat[..at]),
        None => flat,
    }
}

fn shown(e: &Expr) -> String {
    shorten(&print_expr(e))
}

/// The mutants of `e` and of everything under it, each as the whole of `e` after the change.
/// `top`: `e` is a conjunct of the filter's condition (negation applies to those).
fn expr_mutants(e: &Expr, top: bool) -> Vec<ExprMutant> {
    let mut out = local_mutants(e, top);
    let child_top = top && matches!(e.kind, ExprKind::And(..));
    let count = e.children().len();
    for i in 0..count {
        let child = e.children()[i].clone();
        for m in expr_mutants(&child, child_top) {
            let mut whole = e.clone();
            *children_mut(&mut whole)[i] = m.expr;
            out.push(ExprMutant { expr: whole, ..m });
        }
    }
    out
}

fn children_mut(e: &mut Expr) -> Vec<&mut Expr> {
    match &mut e.kind {
        ExprKind::Literal(_) | ExprKind::Field(_) => Vec::new(),
        ExprKind::Not(x) | ExprKind::Neg(x) => vec![x],
        ExprKind::And(a, b)
        | ExprKind::Or(a, b)
        | ExprKind::Compare(_, a, b)
        | ExprKind::Arith(_, a, b) => vec![a, b],
        ExprKind::In { value, list, .. } => {
            let mut all = vec![value.as_mut()];
            all.extend(list.iter_mut());
            all
        }
        ExprKind::Match { value, .. } => vec![value],
        ExprKind::Call(call) => call.args.iter_mut().collect(),
    }
}

/// The mutants that change `e` itself (not its children).
fn local_mutants(e: &Expr, top: bool) -> Vec<ExprMutant> {
    let mut out = Vec::new();
    if top && !matches!(e.kind, ExprKind::And(..)) {
        out.push(negated(e));
    }
    match &e.kind {
        ExprKind::And(a, b) | ExprKind::Or(a, b) => {
            let and = matches!(e.kind, ExprKind::And(..));
            // An operand of the same kind is a chain: its own operands are dropped one by one.
            let same = |x: &Expr| {
                matches!(x.kind, ExprKind::And(..)) == and
                    && matches!(x.kind, ExprKind::And(..) | ExprKind::Or(..))
            };
            for (dropped, kept) in [(a, b), (b, a)] {
                if same(dropped) {
                    continue;
                }
                out.push(ExprMutant {
                    operator: if and {
                        "drop-conjunct"
                    } else {
                        "drop-disjunct"
                    },
                    description: format!("drop `{}`", shown(dropped)),
                    span: dropped.span,
                    expr: kept.as_ref().clone(),
                    hint: if and {
                        format!(
                            "a scenario where `{}` alone decides whether the rule alerts",
                            shown(dropped)
                        )
                    } else {
                        format!("a scenario that only `{}` lets through", shown(dropped))
                    },
                });
            }
        }
        ExprKind::Compare(op, a, b) => {
            let to = match op {
                CompareOp::Eq => CompareOp::NotEq,
                CompareOp::NotEq => CompareOp::Eq,
                CompareOp::Lt => CompareOp::Le,
                CompareOp::Le => CompareOp::Lt,
                CompareOp::Gt => CompareOp::Ge,
                CompareOp::Ge => CompareOp::Gt,
            };
            let changed = Expr::new(ExprKind::Compare(to, a.clone(), b.clone()), e.span);
            out.push(ExprMutant {
                operator: "change-comparison",
                description: format!("`{}` to `{}`", shown(e), shown(&changed)),
                span: e.span,
                expr: changed,
                hint: format!("a scenario on the edge of `{}`", shown(e)),
            });
        }
        ExprKind::In { list, .. } if list.len() > 1 => {
            for i in 0..list.len().min(MAX_LIST_VALUES) {
                let mut changed = e.clone();
                if let ExprKind::In { list, .. } = &mut changed.kind {
                    list.remove(i);
                }
                out.push(ExprMutant {
                    operator: "remove-in-value",
                    description: format!("remove {} from `{}`", shown(&list[i]), shown(e)),
                    span: list[i].span,
                    expr: changed,
                    hint: format!("a scenario whose value is {}", shown(&list[i])),
                });
            }
        }
        ExprKind::Match { patterns, .. } => pattern_mutants(e, patterns, &mut out),
        _ => {}
    }
    out
}

/// `not e`, or `e` without its `not`.
fn negated(e: &Expr) -> ExprMutant {
    let (expr, description) = match &e.kind {
        ExprKind::Not(inner) => (
            inner.as_ref().clone(),
            format!("drop the `not` of `{}`", shown(e)),
        ),
        _ => (
            Expr::new(ExprKind::Not(Box::new(e.clone())), e.span),
            format!("negate `{}`", shown(e)),
        ),
    };
    ExprMutant {
        operator: "negate",
        description,
        span: e.span,
        expr,
        hint: format!(
            "scenarios where `{}` is true and where it is false",
            shown(e)
        ),
    }
}

/// Remove one pattern of a list; narrow a wildcard pattern (`*` and `?` of `like`) to its
/// literal text.
fn pattern_mutants(e: &Expr, patterns: &[Pattern], out: &mut Vec<ExprMutant>) {
    let with_patterns = |changed: Vec<Pattern>| {
        let mut whole = e.clone();
        if let ExprKind::Match { patterns, .. } = &mut whole.kind {
            *patterns = changed;
        }
        whole
    };
    if patterns.len() > 1 {
        for (i, p) in patterns.iter().enumerate().take(MAX_LIST_VALUES) {
            let mut changed = patterns.to_vec();
            changed.remove(i);
            out.push(ExprMutant {
                operator: "remove-pattern",
                description: format!("remove {} from `{}`", shorten(&quote(&p.text)), shown(e)),
                span: p.span,
                expr: with_patterns(changed),
                hint: format!(
                    "a scenario whose value only {} matches",
                    shorten(&quote(&p.text))
                ),
            });
        }
    }
    let wildcard = matches!(
        e.kind,
        ExprKind::Match {
            op: MatchOp::Colon | MatchOp::Like,
            ..
        }
    );
    if !wildcard {
        return;
    }
    // `like` has `*` and `?`; `:` has `*` only.
    let is_like = matches!(
        e.kind,
        ExprKind::Match {
            op: MatchOp::Like,
            ..
        }
    );
    let is_wildcard = |c: char| c == '*' || (is_like && c == '?');
    for (i, p) in patterns.iter().enumerate().take(MAX_LIST_VALUES) {
        if !p.text.chars().any(is_wildcard) {
            continue;
        }
        let literal: String = p.text.chars().filter(|&c| !is_wildcard(c)).collect();
        let mut changed = patterns.to_vec();
        changed[i] = Pattern {
            text: literal.clone(),
            span: p.span,
        };
        out.push(ExprMutant {
            operator: "narrow-wildcard",
            description: format!(
                "narrow {} to {}",
                shorten(&quote(&p.text)),
                shorten(&quote(&literal))
            ),
            span: p.span,
            expr: with_patterns(changed),
            hint: format!(
                "a scenario whose value fills the wildcard of {}",
                shorten(&quote(&p.text))
            ),
        });
    }
}

/// A mutant of an EQL rule's schedule: the same look-back and interval changes as an ES|QL
/// rule's, and `max_signals` lowered to one alert per execution (a suite where no execution
/// creates two alerts cannot tell the cap from the rule's).
#[derive(Clone, Debug)]
pub struct EqlScheduleMutant {
    pub change: ScheduleChange,
    pub description: String,
    pub hint: String,
}

/// The schedule mutants of an EQL rule with this interval and `max_signals`.
pub fn eql_schedule_mutants(interval_ms: i64, max_signals: usize) -> Vec<EqlScheduleMutant> {
    let mut out: Vec<EqlScheduleMutant> = window_changes(interval_ms)
        .into_iter()
        .map(|(change, what)| EqlScheduleMutant {
            change,
            description: what.to_string(),
            hint: SCHEDULE_HINT.to_string(),
        })
        .collect();
    if max_signals > 1 {
        out.push(EqlScheduleMutant {
            change: ScheduleChange::MaxSignals(1),
            description: format!("lower max_signals from {max_signals} to 1"),
            hint: "no execution creates two alerts (a sequence alert and its building blocks, \
                   or two events)"
                .to_string(),
        });
    }
    out
}

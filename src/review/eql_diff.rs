//! The static difference of two versions of an EQL query, in words: the query's shape, its
//! `maxspan`, join keys, steps and `until`, and each query's top-level conjuncts (an `in` list
//! or pattern list on the same field reads as values added or removed).

use crate::eql::ast::{Body, Expr, ExprKind, Query, SequenceTerm};
use crate::eql::print::{print_expr, print_filter};

/// Sentences saying what changed from `before` to `after` (none when they are equal).
pub fn eql_changes(before: &Query, after: &Query) -> Vec<String> {
    if before == after {
        return Vec::new();
    }
    let mut out = Vec::new();
    match (&before.body, &after.body) {
        (Body::Sequence(a), Body::Sequence(b)) => {
            match (&a.maxspan, &b.maxspan) {
                (x, y) if x == y => {}
                (Some(x), Some(y)) => out.push(format!(
                    "maxspan {}{} → {}{}",
                    x.amount,
                    x.unit.suffix(),
                    y.amount,
                    y.unit.suffix()
                )),
                (None, Some(y)) => {
                    out.push(format!("maxspan added: {}{}", y.amount, y.unit.suffix()))
                }
                (Some(x), None) => out.push(format!(
                    "maxspan removed (was {}{})",
                    x.amount,
                    x.unit.suffix()
                )),
                (None, None) => {}
            }
            keys("sequence", &a.by, &b.by, &mut out);
            if a.terms.len() != b.terms.len() {
                out.push(format!("steps: {} → {}", a.terms.len(), b.terms.len()));
            }
            for (i, (x, y)) in a.terms.iter().zip(&b.terms).enumerate() {
                term(&format!("step {}", i + 1), x, y, &mut out);
            }
            for (i, y) in b.terms.iter().enumerate().skip(a.terms.len()) {
                out.push(format!(
                    "step {} added: `{}`",
                    i + 1,
                    print_filter(&y.filter)
                ));
            }
            for (i, x) in a.terms.iter().enumerate().skip(b.terms.len()) {
                out.push(format!(
                    "step {} removed: `{}`",
                    i + 1,
                    print_filter(&x.filter)
                ));
            }
            match (&a.until, &b.until) {
                (Some(x), Some(y)) => term("until", x, y, &mut out),
                (None, Some(y)) => out.push(format!("until added: `{}`", print_filter(&y.filter))),
                (Some(x), None) => {
                    out.push(format!("until removed: `{}`", print_filter(&x.filter)))
                }
                (None, None) => {}
            }
        }
        (Body::Event(a), Body::Event(b)) => {
            if a.category != b.category {
                out.push(format!(
                    "event category: `{}` → `{}`",
                    print_filter(a).split(" where ").next().unwrap_or(""),
                    print_filter(b).split(" where ").next().unwrap_or("")
                ));
            }
            conditions("", &a.condition, &b.condition, &mut out);
        }
        _ => out.push(format!(
            "query shape: {} → {}",
            shape(&before.body),
            shape(&after.body)
        )),
    }
    if before.pipes != after.pipes {
        out.push("pipes (`head`/`tail`) changed".into());
    }
    if out.is_empty() {
        out.push("the query changed (runs, missing events or sample keys)".into());
    }
    out
}

fn shape(body: &Body) -> &'static str {
    match body {
        Body::Event(_) => "event query",
        Body::Sequence(_) => "sequence",
        Body::Sample(_) => "sample",
    }
}

fn keys(label: &str, before: &[Expr], after: &[Expr], out: &mut Vec<String>) {
    let printed = |keys: &[Expr]| keys.iter().map(print_expr).collect::<Vec<_>>();
    let (a, b) = (printed(before), printed(after));
    for key in b.iter().filter(|k| !a.contains(k)) {
        out.push(format!("{label} join key added: `{key}`"));
    }
    for key in a.iter().filter(|k| !b.contains(k)) {
        out.push(format!("{label} join key removed: `{key}`"));
    }
}

fn term(label: &str, before: &SequenceTerm, after: &SequenceTerm, out: &mut Vec<String>) {
    keys(label, &before.by, &after.by, out);
    if before.runs != after.runs {
        out.push(format!(
            "{label}: runs {} → {}",
            before.runs.unwrap_or(1),
            after.runs.unwrap_or(1)
        ));
    }
    if before.missing != after.missing {
        out.push(format!(
            "{label}: {}",
            if after.missing {
                "now a missing event"
            } else {
                "no longer a missing event"
            }
        ));
    }
    if before.filter.category != after.filter.category {
        out.push(format!(
            "{label}: event category `{}` → `{}`",
            print_filter(&before.filter)
                .split(" where ")
                .next()
                .unwrap_or(""),
            print_filter(&after.filter)
                .split(" where ")
                .next()
                .unwrap_or("")
        ));
    }
    conditions(
        &format!("{label}: "),
        &before.filter.condition,
        &after.filter.condition,
        out,
    );
}

/// A list conjunct's identity across versions: its value and operator, without the list.
fn list_key(e: &Expr) -> Option<(String, Vec<String>)> {
    match &e.kind {
        ExprKind::In {
            value,
            list,
            negated,
            insensitive,
        } => Some((
            format!(
                "{} {}in{}",
                print_expr(value),
                if *negated { "not " } else { "" },
                if *insensitive { "~" } else { "" }
            ),
            list.iter().map(print_expr).collect(),
        )),
        ExprKind::Match {
            value,
            op,
            insensitive,
            patterns,
        } => Some((
            format!(
                "{} {op:?}{}",
                print_expr(value),
                if *insensitive { "~" } else { "" }
            ),
            patterns
                .iter()
                .map(|p| crate::eql::print::quote(&p.text))
                .collect(),
        )),
        ExprKind::Not(inner) => list_key(inner).map(|(k, v)| (format!("not {k}"), v)),
        _ => None,
    }
}

/// Conjuncts added and removed; a list conjunct on the same value and operator in both reads
/// as values added and removed.
fn conditions(label: &str, before: &Expr, after: &Expr, out: &mut Vec<String>) {
    let (a, b) = (before.conjuncts(), after.conjuncts());
    let (mut removed, mut added): (Vec<&Expr>, Vec<&Expr>) = (
        a.iter().filter(|x| !b.contains(x)).copied().collect(),
        b.iter().filter(|x| !a.contains(x)).copied().collect(),
    );
    let mut paired = Vec::new();
    removed.retain(|r| {
        let Some((key, before_values)) = list_key(r) else {
            return true;
        };
        let Some(at) = added
            .iter()
            .position(|x| list_key(x).is_some_and(|(k, _)| k == key))
        else {
            return true;
        };
        let (_, after_values) = list_key(added[at]).unwrap_or_default();
        added.remove(at);
        paired.push((key, before_values, after_values));
        false
    });
    for (key, before_values, after_values) in paired {
        let plus: Vec<&String> = after_values
            .iter()
            .filter(|v| !before_values.contains(v))
            .collect();
        let minus: Vec<&String> = before_values
            .iter()
            .filter(|v| !after_values.contains(v))
            .collect();
        let mut parts = Vec::new();
        if !plus.is_empty() {
            parts.push(format!("values added {}", join(&plus)));
        }
        if !minus.is_empty() {
            parts.push(format!("values removed {}", join(&minus)));
        }
        if parts.is_empty() {
            parts.push("values reordered".into());
        }
        out.push(format!("{label}`{key}` changed: {}", parts.join(", ")));
    }
    for r in removed {
        out.push(format!("{label}conjunct removed: `{}`", print_expr(r)));
    }
    for x in added {
        out.push(format!("{label}conjunct added: `{}`", print_expr(x)));
    }
}

fn join(values: &[&String]) -> String {
    values
        .iter()
        .map(|v| v.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

//! Every function of Elasticsearch's ES|QL function definitions, by category (`catalog.tsv`),
//! and the `E303` a call to one rulegate does not evaluate gets: naming the category that
//! excludes it, or saying it is in scope and not supported yet.
//!
//! | code | meaning |
//! |---|---|
//! | `E303` | a function rulegate does not evaluate: an excluded category (spatial, dense vector, time series, inference), one in scope but not supported yet, or `Unknown function [x]` |
//! | `E304` | full-text search rulegate does not evaluate (scoring, snippets, …): needs Elasticsearch's search index; `MATCH`, `MATCH_PHRASE`, `MULTI_MATCH`, `KQL`, `QSTR`, `TERM` and `:` are evaluated |
//!
//! A rule whose query calls one of these is refused when it loads (`not evaluated: …`), as a
//! rule with an unsupported command is (`E202`), so `inspect` and `check` never pass it.

use crate::diagnostic::Diagnostic;
use crate::esql::ast::{CommandKind, Expr, ExprKind, Query, SourceCommand};
use crate::eval::expr::error;
use crate::span::Span;

const CATALOG: &str = include_str!("catalog.tsv");

/// Categories outside rulegate's scope, with why (full-text search is refused with `E304`).
const EXCLUDED: &[(&str, &str)] = &[
    ("spatial", "spatial types are out of rulegate's scope"),
    ("dense_vector", "dense vectors are out of rulegate's scope"),
    (
        "time_series",
        "time-series metrics are out of rulegate's scope",
    ),
    (
        "inference",
        "it needs a live inference endpoint, which only a cluster can supply",
    ),
];

/// In-scope functions the engine does not evaluate (the `functions` test checks this list
/// against the engine, both ways): none since `date_nanos`, `date_range` and `flattened` are
/// modelled; a function Elasticsearch adds to its definitions lands here until it is.
pub const NOT_YET: &[&str] = &[];

/// Full-text functions evaluated offline, with the default analyzers (`fulltext/`, `qstr/`);
/// the other full-text functions (scoring, snippets, …) stay refused with `E304`.
pub const FULL_TEXT_EVALUATED: &[&str] = &[
    "kql",
    "match",
    "match_phrase",
    "multi_match",
    "qstr",
    "term",
];

/// Spatial functions evaluated on `geo_point` values (`spatial.rs`): the ones detection rules
/// call; every other spatial function stays refused with `E303`.
pub const SPATIAL_EVALUATED: &[&str] = &["st_distance", "st_x", "st_y", "to_geopoint"];

/// Every `(name, category)` of the catalog, in file order.
pub fn entries() -> impl Iterator<Item = (&'static str, &'static str)> {
    CATALOG
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| l.split_once('\t'))
}

/// The category of a function name (lower case), if Elasticsearch defines it.
pub fn category(name: &str) -> Option<&'static str> {
    entries().find(|(n, _)| *n == name).map(|(_, c)| c)
}

/// Why a category is excluded, if it is.
pub fn excluded_because(category: &str) -> Option<&'static str> {
    EXCLUDED
        .iter()
        .find(|(c, _)| *c == category)
        .map(|(_, why)| *why)
}

/// Why a call to `name` (lower case) cannot be evaluated, known from its name alone: `E304` for
/// full-text search, `E303` for an excluded category or a function not supported yet. `None`
/// for the functions the engine has and for names outside the catalog (aliases, or unknown
/// names that compiling reports).
pub fn refusal(name: &str, span: Span) -> Option<Diagnostic> {
    let category = category(name)?;
    if category == "full_text" && !FULL_TEXT_EVALUATED.contains(&name) {
        return Some(error(
            "E304",
            span,
            format!(
                "full-text function [{}] needs Elasticsearch's search index and is not supported offline",
                name.to_uppercase()
            ),
        ));
    }
    if SPATIAL_EVALUATED.contains(&name) {
        return None;
    }
    (excluded_because(category).is_some() || NOT_YET.contains(&name))
        .then(|| unsupported(name, span))
}

/// Every call in `query` that [`refusal`] refuses, in source order.
pub fn refusals(query: &Query) -> Vec<Diagnostic> {
    let mut exprs: Vec<&Expr> = Vec::new();
    if let SourceCommand::Row(row) = &query.source {
        exprs.extend(row.fields.iter().map(|f| &f.expr));
    }
    for command in &query.commands {
        match &command.kind {
            CommandKind::Where(e) => exprs.push(e),
            CommandKind::Eval(fields) => exprs.extend(fields.iter().map(|f| &f.expr)),
            CommandKind::Stats(s) | CommandKind::InlineStats(s) => {
                for a in &s.aggregates {
                    exprs.push(&a.field.expr);
                    exprs.extend(a.filter.iter());
                }
                exprs.extend(s.by.iter().map(|f| &f.expr));
            }
            CommandKind::Sort(keys) => exprs.extend(keys.iter().map(|k| &k.expr)),
            CommandKind::Limit(l) => exprs.extend(l.by.iter()),
            CommandKind::Dissect(d) => exprs.push(&d.input),
            CommandKind::Grok(g) => exprs.push(&g.input),
            _ => {}
        }
    }
    let mut out = Vec::new();
    while let Some(e) = exprs.pop() {
        if let ExprKind::Call(call) = &e.kind {
            out.extend(refusal(&call.name, e.span));
        }
        exprs.extend(e.children());
    }
    out.sort_by_key(|d| d.labels.first().map(|l| l.span.start));
    out
}

/// The `E304` for the full-text match operator `field : query`.
pub fn match_operator_refusal(span: Span) -> Diagnostic {
    error(
        "E304",
        span,
        "the full-text match operator `:` needs Elasticsearch's search index and is not supported offline",
    )
}

/// The `E303` for a call rulegate cannot evaluate.
pub fn unsupported(name: &str, span: Span) -> Diagnostic {
    let upper = name.to_uppercase();
    let message = match category(name) {
        Some(cat) => match excluded_because(cat) {
            Some(why) => format!(
                "function [{upper}] is a {} function: {why}",
                cat.replace('_', " ")
            ),
            None => format!(
                "function [{upper}] ({} functions) is not supported by rulegate yet",
                cat.replace('_', " ")
            ),
        },
        None => format!("Unknown function [{name}]"),
    };
    error("E303", span, message)
}

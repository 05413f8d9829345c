//! Every function of Elasticsearch's ES|QL function definitions, by category (`catalog.tsv`),
//! and the `E303` a call to one rulegate does not evaluate gets: naming the category that
//! excludes it, or saying it is in scope and not supported yet.

use crate::diagnostic::Diagnostic;
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

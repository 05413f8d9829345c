//! Whether a value matches a full-text query: analyzed terms, exact values, phrases with slop,
//! fuzzy terms, and the `minimum_should_match` and `fuzziness` option values.

use crate::document::value::{Cell, Type, Value};
use crate::kql;

use super::{Fuzziness, Required};

pub(super) fn analyzed(ty: Type) -> bool {
    ty == Type::Text
}

/// The query as the text a string field sees.
pub(super) fn query_text(query: &Value) -> String {
    match query {
        Value::String(s) => s.to_string(),
        other => other.to_text(),
    }
}

pub(super) fn match_field(
    query: &Value,
    required: Required,
    fuzziness: Fuzziness,
    zero_terms_all: bool,
    ty: Type,
    cell: &Cell,
) -> bool {
    if analyzed(ty) {
        let terms = dedup(kql::analyzer::tokens(&query_text(query)));
        if terms.is_empty() {
            return zero_terms_all;
        }
        let values = cell.values();
        if values.is_empty() {
            return false;
        }
        let tokens: Vec<String> = values
            .iter()
            .flat_map(|v| kql::analyzer::tokens(v.as_str().unwrap_or("")))
            .collect();
        let hits = terms
            .iter()
            .filter(|t| tokens.iter().any(|tok| term_matches(t, tok, fuzziness)))
            .count();
        return match required {
            Required::All => hits == terms.len(),
            Required::AtLeast(n) => hits >= n.clamp(1, terms.len()),
        };
    }
    exact(query, ty, cell)
}

/// A term query on a field that is not analyzed: the query converted to the field's type.
fn exact(query: &Value, ty: Type, cell: &Cell) -> bool {
    let wanted = match ty {
        Type::Keyword => Value::str(&query_text(query)),
        _ => match crate::document::convert::convert(query, ty) {
            Ok(v) => v,
            Err(_) => return false,
        },
    };
    cell.values().iter().any(|v| v.compare(&wanted).is_eq())
}

pub(super) fn phrase_field(
    query: &Value,
    slop: usize,
    zero_terms_all: bool,
    ty: Type,
    cell: &Cell,
) -> bool {
    if !analyzed(ty) {
        return exact(query, ty, cell);
    }
    let terms = kql::analyzer::tokens(&query_text(query));
    if terms.is_empty() {
        return zero_terms_all;
    }
    cell.values().iter().any(|v| {
        let tokens = kql::analyzer::tokens(v.as_str().unwrap_or(""));
        phrase_at(&terms, &tokens, slop)
    })
}

/// Whether `terms` occur in `tokens` in order, each after the previous, with at most `slop`
/// extra positions in all (Lucene's sloppy phrase, in-order case).
fn phrase_at(terms: &[String], tokens: &[String], slop: usize) -> bool {
    (0..tokens.len()).any(|start| {
        if tokens[start] != terms[0] {
            return false;
        }
        let mut pos = start;
        let mut spent = 0;
        for term in &terms[1..] {
            let Some(next) = tokens[pos + 1..].iter().position(|t| t == term) else {
                return false;
            };
            spent += next;
            if spent > slop {
                return false;
            }
            pos += next + 1;
        }
        true
    })
}

pub(super) fn dedup(mut terms: Vec<String>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    terms.retain(|t| seen.insert(t.clone()));
    terms
}

fn term_matches(term: &str, token: &str, fuzziness: Fuzziness) -> bool {
    let edits = match fuzziness {
        Fuzziness::Edits(n) => n,
        Fuzziness::Auto(low, high) => {
            let len = term.chars().count();
            if len < low {
                0
            } else if len < high {
                1
            } else {
                2
            }
        }
    };
    if edits == 0 {
        return term == token;
    }
    within_edits(term, token, edits.min(2))
}

/// Damerau-Levenshtein distance (adjacent transpositions count one, as Lucene's default
/// `fuzzy_transpositions`) at most `max`.
fn within_edits(a: &str, b: &str, max: usize) -> bool {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > max {
        return false;
    }
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[a.len()][b.len()] <= max
}

/// `minimum_should_match` of `n` terms: a count, a negative count, or a percentage (rounded
/// down), as Elasticsearch's `Queries.calculateMinShouldMatch`.
pub fn minimum_should_match(spec: &str, n: usize) -> Option<usize> {
    let spec = spec.trim();
    let (number, percent) = match spec.strip_suffix('%') {
        Some(p) => (p, true),
        None => (spec, false),
    };
    let value: i64 = number.trim().parse().ok()?;
    let n = n as i64;
    let count = if percent { value * n / 100 } else { value };
    let count = if count < 0 { n + count } else { count };
    Some(count.clamp(0, n) as usize)
}

/// `fuzziness`: `0`, `1`, `2`, `AUTO` or `AUTO:low,high`.
pub fn fuzziness(spec: &str) -> Option<Fuzziness> {
    let s = spec.trim();
    if s.eq_ignore_ascii_case("auto") {
        return Some(Fuzziness::Auto(3, 6));
    }
    if let Some(rest) = s.get(..5).filter(|p| p.eq_ignore_ascii_case("auto:")) {
        let _ = rest;
        let (low, high) = s[5..].split_once(',')?;
        return Some(Fuzziness::Auto(
            low.trim().parse().ok()?,
            high.trim().parse().ok()?,
        ));
    }
    let n: f64 = s.parse().ok()?;
    ((0.0..=2.0).contains(&n) && n.fract() == 0.0).then_some(Fuzziness::Edits(n as usize))
}

// ---- Compiling the calls -------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Cell {
        Cell::One(Value::str(s))
    }

    #[test]
    fn match_on_text_is_any_analyzed_term_and_on_keyword_the_whole_string() {
        let q = Value::str("the Faulkner");
        let any = Required::AtLeast(1);
        let none = Fuzziness::Edits(0);
        assert!(match_field(
            &q,
            any,
            none,
            false,
            Type::Text,
            &text("William Faulkner")
        ));
        assert!(!match_field(
            &q,
            Required::All,
            none,
            false,
            Type::Text,
            &text("William Faulkner")
        ));
        assert!(!match_field(
            &q,
            any,
            none,
            false,
            Type::Keyword,
            &text("William Faulkner")
        ));
        assert!(match_field(
            &q,
            any,
            none,
            false,
            Type::Keyword,
            &text("the Faulkner")
        ));
        assert!(!match_field(&q, any, none, false, Type::Text, &Cell::Null));
        assert!(match_field(
            &Value::Integer(5),
            any,
            none,
            false,
            Type::Long,
            &Cell::Many(vec![Value::Long(4), Value::Long(5)])
        ));
    }

    #[test]
    fn phrases_keep_order_and_slop() {
        let t = |s: &str| kql::analyzer::tokens(s);
        assert!(phrase_at(
            &t("lord of the rings"),
            &t("The Lord of the Rings"),
            0
        ));
        assert!(!phrase_at(&t("rings lord"), &t("The Lord of the Rings"), 0));
        assert!(phrase_at(&t("lord rings"), &t("The Lord of the Rings"), 2));
        assert!(!phrase_at(&t("lord rings"), &t("The Lord of the Rings"), 1));
    }

    #[test]
    fn option_values() {
        assert_eq!(minimum_should_match("2", 3), Some(2));
        assert_eq!(minimum_should_match("-1", 3), Some(2));
        assert_eq!(minimum_should_match("75%", 3), Some(2));
        assert_eq!(fuzziness("AUTO"), Some(Fuzziness::Auto(3, 6)));
        assert_eq!(fuzziness("1"), Some(Fuzziness::Edits(1)));
        assert!(within_edits("faulkner", "faulknre", 1));
        assert!(!within_edits("faulkner", "falkenr", 1));
    }
}

//! Running the compiled tests over a document's values: Lucene wildcards (`*` only, in linear
//! passes), term equality, range comparison, tokens and phrases.

use super::{Pattern, Test};
use crate::document::{ip, Cell, Value as DocValue};
use crate::kql::analyzer;
use crate::kql::ast::Segment;

impl Pattern {
    /// Lucene wildcard matching: `*` is any run of characters, everything else literal.
    pub(super) fn matches(&self, text: &str) -> bool {
        glob(&self.0, text)
    }

    fn is_exact(&self) -> Option<&str> {
        match self.0.as_slice() {
            [Segment::Text(t)] => Some(t),
            _ => None,
        }
    }
}

/// `*`-only wildcard matching in linear passes (no backtracking blow-up on hostile patterns):
/// the text before the first star is a prefix, after the last a suffix, and the pieces between
/// are found leftmost in order, which is exact when `*` is the only wildcard.
fn glob(segments: &[Segment], text: &str) -> bool {
    let mut parts: Vec<String> = vec![String::new()];
    for segment in segments {
        match segment {
            Segment::Text(t) => parts.last_mut().expect("one part").push_str(t),
            Segment::Star => parts.push(String::new()),
        }
    }
    if parts.len() == 1 {
        return text == parts[0];
    }
    let (first, last) = (&parts[0], &parts[parts.len() - 1]);
    if text.len() < first.len() + last.len()
        || !text.starts_with(first.as_str())
        || !text.ends_with(last.as_str())
    {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle.as_str()) {
            Some(at) => rest = &rest[at + middle.len()..],
            None => return false,
        }
    }
    true
}

impl Test {
    pub(super) fn eval(&self, cell: &Cell) -> bool {
        match cell {
            Cell::Null => false,
            Cell::One(v) => self.value(std::slice::from_ref(v)),
            Cell::Many(values) => self.value(values),
        }
    }

    /// Any value of a (multivalued) field matches; a phrase must sit within one value.
    fn value(&self, values: &[DocValue]) -> bool {
        match self {
            Test::Exists => !values.is_empty(),
            Test::Never => false,
            Test::Equals(expected) => values.iter().any(|v| equals(v, expected)),
            Test::Cidr(cidr) => values
                .iter()
                .any(|v| matches!(v, DocValue::Ip(b) if ip::cidr_contains(b, cidr) == Some(true))),
            Test::Wildcards { terms, text } => values.iter().any(|v| {
                let DocValue::String(s) = v else { return false };
                if *text {
                    let tokens = analyzer::tokens(s);
                    terms.iter().any(|p| match p.is_exact() {
                        // A term without a wildcard is analysed like a match query.
                        Some(exact) => analyzer::tokens(exact).iter().any(|t| tokens.contains(t)),
                        None => tokens.iter().any(|t| p.matches(t)),
                    })
                } else {
                    terms.iter().any(|p| p.matches(s))
                }
            }),
            Test::AnyToken(wanted) => values.iter().any(|v| {
                let DocValue::String(s) = v else { return false };
                let tokens = analyzer::tokens(s);
                wanted.iter().any(|w| tokens.contains(w))
            }),
            Test::Phrase(wanted) => values.iter().any(|v| {
                let DocValue::String(s) = v else { return false };
                let tokens = analyzer::tokens(s);
                !wanted.is_empty() && tokens.windows(wanted.len()).any(|w| w == wanted.as_slice())
            }),
            Test::Range { lower, upper } => values.iter().any(|v| {
                lower.as_ref().is_none_or(|b| {
                    compare(v, &b.value).is_some_and(|o| o.is_gt() || (b.inclusive && o.is_eq()))
                }) && upper.as_ref().is_none_or(|b| {
                    compare(v, &b.value).is_some_and(|o| o.is_lt() || (b.inclusive && o.is_eq()))
                })
            }),
        }
    }
}

/// Term equality as Elasticsearch's term queries see it (the ES|QL engine's `==` on the same
/// value types: the shared `PartialEq` of values).
fn equals(doc: &DocValue, expected: &DocValue) -> bool {
    doc == expected
}

fn compare(doc: &DocValue, bound: &DocValue) -> Option<std::cmp::Ordering> {
    use DocValue as V;
    let as_f64 = |v: &V| match v {
        V::Integer(i) => Some(f64::from(*i)),
        V::Long(l) => Some(*l as f64),
        V::UnsignedLong(u) => Some(*u as f64),
        V::Double(d) => Some(*d),
        _ => None,
    };
    match (doc, bound) {
        (V::String(a), V::String(b)) => Some(a.as_bytes().cmp(b.as_bytes())),
        (V::Datetime(a), V::Datetime(b)) => Some(a.cmp(b)),
        // A `date_nanos` value against a date bound: the instants, exactly.
        (V::DateNanos(_), V::Datetime(_)) => Some(doc.compare(bound)),
        (V::Ip(a), V::Ip(b)) => Some(a.cmp(b)),
        (V::Boolean(a), V::Boolean(b)) => Some(a.cmp(b)),
        _ => as_f64(doc)?.partial_cmp(&as_f64(bound)?),
    }
}

#[cfg(test)]
mod glob_tests {
    use super::{glob, Segment};

    fn pattern(text: &str) -> Vec<Segment> {
        let mut out = Vec::new();
        for (i, piece) in text.split('*').enumerate() {
            if i > 0 {
                out.push(Segment::Star);
            }
            if !piece.is_empty() {
                out.push(Segment::Text(piece.to_string()));
            }
        }
        out
    }

    #[test]
    fn stars_match_any_run_and_nothing_else_is_special() {
        for (p, text, expected) in [
            ("curl*", "curl/8.5.0", true),
            ("*kubernetes/$Format", "kubectl/v1 kubernetes/$Format", true),
            ("*a*b*", "xxbxxa", false),
            ("*a*b*", "xaxxbx", true),
            ("ab*ba", "aba", false),
            ("ab*ba", "abba", true),
            ("a.c", "abc", false),
            ("*", "", true),
            ("", "", true),
        ] {
            assert_eq!(glob(&pattern(p), text), expected, "{p} ~ {text}");
        }
        // A hostile pattern over a long text answers at once.
        let text = "a".repeat(100_000);
        let hostile = format!("{}*b", "*a".repeat(50));
        assert!(!glob(&pattern(&hostile), &text));
    }
}

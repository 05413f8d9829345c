//! The source text a warning names: a parenthesised expression's own text, without the
//! parentheses around it, as Elasticsearch's sources are.

use crate::span::Span;

/// The span of a parenthesised expression without its enclosing parentheses: Elasticsearch's
/// `visitParenthesizedExpression` returns the inner expression with its own source, so
/// `WHERE NOT(salary_change < 1)` warns about `[salary_change < 1]` at the column after `(`
/// (floats.csv-spec `notLessThanMultivalue`). The parser widens such spans to cover the
/// parentheses, which enclosing expressions need.
pub fn unparenthesised(mut span: Span, text: &str) -> Span {
    loop {
        let Some(slice) = text.get(span.start as usize..span.end as usize) else {
            return span;
        };
        if !(slice.starts_with('(') && slice.ends_with(')') && closes_at_end(slice)) {
            return span;
        }
        let inner = &slice[1..slice.len() - 1];
        let lead = inner.len() - inner.trim_start().len();
        let trail = inner.len() - inner.trim_end().len();
        span = Span {
            start: span.start + 1 + lead as u32,
            end: span.end - 1 - trail as u32,
        };
    }
}

/// Whether the `(` opening `slice` is closed by its last character (quoted strings and
/// backquoted names skipped).
fn closes_at_end(slice: &str) -> bool {
    let bytes = slice.as_bytes();
    let (mut depth, mut i) = (0usize, 0usize);
    while i < bytes.len() {
        match bytes[i] {
            b'"' if slice[i..].starts_with("\"\"\"") => {
                i = slice[i + 3..]
                    .find("\"\"\"")
                    .map_or(bytes.len(), |j| i + 3 + j + 2);
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'`' => i = slice[i + 1..].find('`').map_or(bytes.len(), |j| i + 1 + j),
            b'(' => depth += 1,
            b')' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return i == bytes.len() - 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strip(text: &str) -> &str {
        let span = Span {
            start: 0,
            end: text.len() as u32,
        };
        let s = unparenthesised(span, text);
        &text[s.start as usize..s.end as usize]
    }

    #[test]
    fn enclosing_parentheses_are_dropped_with_their_padding() {
        assert_eq!(strip("(salary_change < 1)"), "salary_change < 1");
        assert_eq!(strip("(( a + b ))"), "a + b");
        assert_eq!(strip("(\")\" == x)"), "\")\" == x");
        assert_eq!(strip("(`a)` == x)"), "`a)` == x");
    }

    #[test]
    fn parentheses_that_do_not_enclose_the_whole_stay() {
        assert_eq!(strip("(a) + (b)"), "(a) + (b)");
        assert_eq!(strip("(a + b) * c"), "(a + b) * c");
        assert_eq!(strip("f(x)"), "f(x)");
        assert_eq!(strip("(\"(\")"), "\"(\"");
    }
}

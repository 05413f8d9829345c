//! Maps byte offsets inside a rule's `query` string to byte offsets in the TOML file.
//!
//! TOML strings come in four forms. Literal strings (`'…'`, `'''…'''`) have no escapes, so a
//! query offset plus the start of the string body is the file offset (a `'''` string drops one
//! newline right after the opening quotes). Basic strings (`"…"`, `"""…"""`) may contain
//! escapes, so their map is a table built by decoding the body again; should that decoding ever
//! disagree with the toml crate's value, every span falls back to the string's opening quotes.

use crate::span::Span;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum QueryMap {
    /// File offset = query offset + this.
    Shift(usize),
    /// `table[i]` is the file offset of query byte `i`; one more entry for the end.
    Table(Vec<usize>),
    /// No exact mapping: everything points at the string's opening delimiter.
    Start(Span),
}

impl QueryMap {
    /// Builds the map for the string value `value` whose TOML token spans `token` in `file`.
    pub fn new(file: &str, token: Span, value: &str) -> QueryMap {
        let raw = token.slice(file);
        let start = token.start as usize;
        let (delimiter, multi_line, escapes) = if raw.starts_with("'''") {
            (3, true, false)
        } else if raw.starts_with("\"\"\"") {
            (3, true, true)
        } else if raw.starts_with('\'') {
            (1, false, false)
        } else {
            (1, false, true)
        };
        let fallback = QueryMap::Start(Span::new(start, start + delimiter));
        let mut body = start + delimiter;
        let rest = file.get(body..).unwrap_or("");
        if multi_line {
            // TOML trims a newline immediately after the opening delimiter.
            if rest.starts_with("\r\n") {
                body += 2;
            } else if rest.starts_with('\n') {
                body += 1;
            }
        }
        if file.get(body..body + value.len()) == Some(value) {
            return QueryMap::Shift(body);
        }
        let raw_body = file.get(body..token.end as usize).unwrap_or("");
        match decode_positions(raw_body, value, escapes) {
            Some(table) => QueryMap::Table(table.into_iter().map(|i| i + body).collect()),
            None => fallback,
        }
    }

    /// The file span of a span inside the query.
    pub fn file_span(&self, span: Span) -> Span {
        match self {
            QueryMap::Shift(offset) => span.shifted(*offset),
            QueryMap::Table(table) => {
                let at = |i: u32| table[(i as usize).min(table.len() - 1)];
                Span::new(at(span.start), at(span.end))
            }
            QueryMap::Start(start) => *start,
        }
    }

    /// The file offset of the query's first byte.
    pub fn offset(&self) -> usize {
        match self {
            QueryMap::Shift(offset) => *offset,
            QueryMap::Table(table) => table[0],
            QueryMap::Start(start) => start.start as usize,
        }
    }
}

/// Decodes `raw` (a string body) and records, for each decoded byte, where its source starts.
/// Returns `None` unless the decoding reproduces `value` exactly.
fn decode_positions(raw: &str, value: &str, escapes: bool) -> Option<Vec<usize>> {
    let mut table = Vec::with_capacity(value.len() + 1);
    let mut decoded = String::with_capacity(value.len());
    let mut i = 0;
    while decoded.len() < value.len() {
        let rest = raw.get(i..)?;
        let c = rest.chars().next()?;
        let (produced, consumed): (Option<char>, usize) =
            if rest.starts_with("\r\n") && value.as_bytes().get(decoded.len()) == Some(&b'\n') {
                (Some('\n'), 2)
            } else if escapes && c == '\\' {
                let next = rest[1..].chars().next()?;
                match next {
                    'b' => (Some('\u{8}'), 2),
                    't' => (Some('\t'), 2),
                    'n' => (Some('\n'), 2),
                    'f' => (Some('\u{c}'), 2),
                    'r' => (Some('\r'), 2),
                    'e' => (Some('\u{1b}'), 2),
                    '"' => (Some('"'), 2),
                    '\\' => (Some('\\'), 2),
                    'x' => (hex(rest.get(2..4)?), 4),
                    'u' => (hex(rest.get(2..6)?), 6),
                    'U' => (hex(rest.get(2..10)?), 10),
                    // Line-ending backslash: skip it and all whitespace and newlines after it.
                    _ if next.is_whitespace() => {
                        let skipped = rest[1..]
                            .find(|c: char| !c.is_whitespace())
                            .map_or(rest.len(), |n| n + 1);
                        (None, skipped)
                    }
                    _ => return None,
                }
            } else {
                (Some(c), c.len_utf8())
            };
        if let Some(ch) = produced {
            for _ in 0..ch.len_utf8() {
                table.push(i);
            }
            decoded.push(ch);
        }
        i += consumed;
    }
    table.push(i);
    (decoded == value).then_some(table)
}

fn hex(digits: &str) -> Option<char> {
    char::from_u32(u32::from_str_radix(digits, 16).ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token_of(file: &str, needle: &str) -> Span {
        let start = file.find(needle).unwrap();
        Span::new(start, start + needle.len())
    }

    #[test]
    fn literal_multi_line_strings_drop_the_first_newline() {
        let file = "query = '''\nfrom x\n| where a'''\n";
        let map = QueryMap::new(
            file,
            token_of(file, "'''\nfrom x\n| where a'''"),
            "from x\n| where a",
        );
        let span = map.file_span(Span::new(9, 14));
        assert_eq!(span.slice(file), "where");
    }

    #[test]
    fn escaped_basic_strings_map_through_a_table() {
        let file = r#"query = "from x | where a == \"b\" and c""#;
        let value = r#"from x | where a == "b" and c"#;
        let map = QueryMap::new(file, token_of(file, &file[8..]), value);
        assert!(matches!(map, QueryMap::Table(_)));
        let c = value.find(" c").unwrap() + 1;
        assert_eq!(map.file_span(Span::new(c, c + 1)).slice(file), "c");
        let b = value.find("\"b\"").unwrap();
        assert_eq!(map.file_span(Span::new(b, b + 3)).slice(file), r#"\"b\""#);
    }

    #[test]
    fn plain_basic_strings_shift() {
        let file = "query = \"\"\"\nfrom x\"\"\"";
        let map = QueryMap::new(file, token_of(file, "\"\"\"\nfrom x\"\"\""), "from x");
        assert_eq!(map, QueryMap::Shift(12));
    }

    #[test]
    fn undecodable_strings_point_at_the_opening_quote() {
        let file = "query = \"abc\"";
        let map = QueryMap::new(file, token_of(file, "\"abc\""), "something else");
        assert_eq!(map.file_span(Span::new(1, 2)), Span::new(8, 9));
    }
}

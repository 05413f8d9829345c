//! Lucene query-string lexing: where a term ends, escapes, phrases, and a term's `*`
//! wildcard segments.

use crate::kql::ast::Segment;

/// Lucene's classic-parser characters that end a term (`-` and `+` only at its start).
pub(super) fn special(c: char) -> bool {
    " \t\n\r\u{3000}+-!():^[]\"{}~\\/".contains(c)
}

/// The raw text of a term at the start of `rest` (escapes kept) and its length in bytes; the
/// decoded text is the first value.
pub(super) fn raw_term(rest: &str) -> (String, usize) {
    let mut text = String::new();
    let mut chars = rest.char_indices().peekable();
    let mut end = 0;
    while let Some((i, c)) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some((j, e)) => {
                    text.push(e);
                    end = j + e.len_utf8();
                    continue;
                }
                None => break,
            }
        }
        let starts = i == 0;
        if (special(c) && !(!starts && (c == '-' || c == '+'))) || c == ':' {
            break;
        }
        text.push(c);
        end = i + c.len_utf8();
    }
    (text, end)
}

/// Whether `raw` holds `c` not escaped by a backslash.
pub(super) fn unescaped(raw: &str, c: char) -> bool {
    let mut escaped = false;
    for x in raw.chars() {
        if escaped {
            escaped = false;
        } else if x == '\\' {
            escaped = true;
        } else if x == c {
            return true;
        }
    }
    false
}

/// Segments of a raw term: unescaped `*` are wildcards, everything else text.
pub(super) fn segments_raw(raw: &str) -> Vec<Segment> {
    let mut out = Vec::new();
    let mut text = String::new();
    let mut escaped = false;
    for c in raw.chars() {
        if escaped {
            text.push(c);
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == '*' {
            if !text.is_empty() {
                out.push(Segment::Text(std::mem::take(&mut text)));
            }
            out.push(Segment::Star);
        } else {
            text.push(c);
        }
    }
    if !text.is_empty() {
        out.push(Segment::Text(text));
    }
    out
}

/// A field name's segments (already decoded: `*` in it is a wildcard).
pub(super) fn segments(name: &str) -> Vec<Segment> {
    segments_raw(&name.replace('\\', "\\\\"))
}

/// The decoded text of a phrase after its opening quote, and the bytes up to and including the
/// closing quote.
pub(super) fn phrase(rest: &str) -> Option<(String, usize)> {
    let mut text = String::new();
    let mut chars = rest.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => text.push(chars.next()?.1),
            '"' => return Some((text, i + 1)),
            _ => text.push(c),
        }
    }
    None
}

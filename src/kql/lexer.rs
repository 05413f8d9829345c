//! The character level of Kibana's kuery grammar: whitespace, the `and`/`or`/`not` keywords
//! (which need whitespace around them, so they are recognised in context), quoted strings and
//! unquoted literals with their escapes.
//!
//! The grammar is scannerless (`grammar.peggy` in `kbn-es-query`): an unquoted literal runs
//! until a special character or a keyword, spaces included, and is trimmed afterwards. So
//! `a b:c` has the field `a b`, and `cannot x` stops before `not x`. We follow it to the letter.

use super::ast::{Literal, LiteralKind, Segment};
use crate::span::Span;

/// `[\ \t\r\n\u00A0]`: the grammar's `Space`.
pub fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n' | '\u{a0}')
}

/// `[\\():<>"*{}]`: characters an unquoted literal must escape.
pub fn is_special(c: char) -> bool {
    matches!(
        c,
        '\\' | '(' | ')' | ':' | '<' | '>' | '"' | '*' | '{' | '}'
    )
}

/// JavaScript's `String.prototype.trim` whitespace (Kibana trims unquoted literals with it).
pub fn is_js_whitespace(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n' | '\u{b}' | '\u{c}' | '\r' | ' ' | '\u{a0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200a}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202f}'
                | '\u{205f}'
                | '\u{3000}'
                | '\u{feff}'
    )
}

/// Length in bytes of the run of `Space` at `at`.
pub fn spaces(text: &str, at: usize) -> usize {
    text[at..]
        .char_indices()
        .find(|&(_, c)| !is_space(c))
        .map_or(text.len() - at, |(i, _)| i)
}

fn starts_with_ci(text: &str, at: usize, word: &str) -> bool {
    text.as_bytes()
        .get(at..at + word.len())
        .is_some_and(|bytes| bytes.eq_ignore_ascii_case(word.as_bytes()))
}

/// `Space+ word Space+` at `at` (the `Or` and `And` rules): the length matched.
pub fn binary_keyword(text: &str, at: usize, word: &str) -> Option<usize> {
    let before = spaces(text, at);
    if before == 0 || !starts_with_ci(text, at + before, word) {
        return None;
    }
    let after = spaces(text, at + before + word.len());
    (after > 0).then_some(before + word.len() + after)
}

/// `'not'i Space+` at `at` (the `Not` rule): the length matched.
pub fn not_keyword(text: &str, at: usize) -> Option<usize> {
    if !starts_with_ci(text, at, "not") {
        return None;
    }
    let after = spaces(text, at + 3);
    (after > 0).then_some(3 + after)
}

fn is_keyword(text: &str, at: usize) -> bool {
    binary_keyword(text, at, "or").is_some()
        || binary_keyword(text, at, "and").is_some()
        || not_keyword(text, at).is_some()
}

/// A literal that failed to scan: where, and what went wrong.
#[derive(Debug)]
pub enum ScanError {
    /// A quoted string without its closing quote; the span covers the opening quote.
    Unterminated(Span),
}

/// `"…"` at `at` (which must hold `"`): the literal and the offset after it.
pub fn quoted(text: &str, at: usize) -> Result<(Literal, usize), ScanError> {
    let mut out = String::new();
    let mut i = at + 1;
    loop {
        let rest = &text[i..];
        let Some(c) = rest.chars().next() else {
            return Err(ScanError::Unterminated(Span::new(at, at + 1)));
        };
        if c == '"' {
            i += 1;
            break;
        }
        if c == '\\' {
            if let Some((decoded, len)) = whitespace_escape(rest).or_else(|| unicode_escape(rest)) {
                out.push(decoded);
                i += len;
                continue;
            }
            if let Some(next @ ('\\' | '"')) = rest[1..].chars().next() {
                out.push(next);
                i += 2;
                continue;
            }
        }
        out.push(c);
        i += c.len_utf8();
    }
    let literal = Literal {
        kind: LiteralKind::Quoted(out),
        span: Span::new(at, i),
    };
    Ok((literal, i))
}

/// `\t`, `\r`, `\n` at the start of `rest`.
fn whitespace_escape(rest: &str) -> Option<(char, usize)> {
    match rest.as_bytes().get(..2)? {
        b"\\t" => Some(('\t', 2)),
        b"\\r" => Some(('\r', 2)),
        b"\\n" => Some(('\n', 2)),
        _ => None,
    }
}

/// `\uXXXX` at the start of `rest`. A lone surrogate (JavaScript would keep it) becomes U+FFFD.
fn unicode_escape(rest: &str) -> Option<(char, usize)> {
    let digits = rest.strip_prefix("\\u")?.get(..4)?;
    if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let code = u32::from_str_radix(digits, 16).ok()?;
    Some((char::from_u32(code).unwrap_or('\u{fffd}'), 6))
}

/// An unquoted literal at `at`: `None` when not even one character belongs to it.
pub fn unquoted(text: &str, at: usize) -> Option<(Literal, usize)> {
    let mut segments: Vec<Segment> = Vec::new();
    let mut i = at;
    let push = |segments: &mut Vec<Segment>, c: &str| match segments.last_mut() {
        Some(Segment::Text(last)) => last.push_str(c),
        _ => segments.push(Segment::Text(c.to_string())),
    };
    while i < text.len() {
        let rest = &text[i..];
        if let Some(after) = rest.strip_prefix('\\') {
            if let Some((c, len)) = whitespace_escape(rest) {
                push(&mut segments, c.encode_utf8(&mut [0; 4]));
                i += len;
                continue;
            }
            if let Some(c) = after.chars().next().filter(|&c| is_special(c)) {
                push(&mut segments, c.encode_utf8(&mut [0; 4]));
                i += 1 + c.len_utf8();
                continue;
            }
            if let Some((c, len)) = unicode_escape(rest) {
                push(&mut segments, c.encode_utf8(&mut [0; 4]));
                i += len;
                continue;
            }
            if let Some(word) = ["or", "and", "not"]
                .into_iter()
                .find(|word| starts_with_ci(text, i + 1, word))
            {
                push(&mut segments, &text[i + 1..i + 1 + word.len()]);
                i += 1 + word.len();
                continue;
            }
            break;
        }
        if rest.starts_with('*') {
            segments.push(Segment::Star);
            i += 1;
            continue;
        }
        let c = rest.chars().next().expect("i < len");
        if is_special(c) || is_keyword(text, i) {
            break;
        }
        push(&mut segments, &rest[..c.len_utf8()]);
        i += c.len_utf8();
    }
    if i == at {
        return None;
    }
    trim(&mut segments);
    let literal = Literal {
        kind: LiteralKind::Unquoted(segments),
        span: Span::new(at, i),
    };
    Some((literal, i))
}

/// Kibana joins the characters and calls `trim()`: whitespace at either end goes, wildcards stay.
fn trim(segments: &mut Vec<Segment>) {
    while let Some(Segment::Text(first)) = segments.first_mut() {
        let trimmed = first.trim_start_matches(is_js_whitespace);
        if trimmed.is_empty() {
            segments.remove(0);
        } else {
            *first = trimmed.to_string();
            break;
        }
    }
    while let Some(Segment::Text(last)) = segments.last_mut() {
        let trimmed = last.trim_end_matches(is_js_whitespace);
        if trimmed.is_empty() {
            segments.pop();
        } else {
            *last = trimmed.to_string();
            break;
        }
    }
}

//! The ES|QL lexer: turns query text into tokens on demand, skipping whitespace and comments.
//!
//! Lexing is lazy because ES|QL is modal: index patterns after `FROM` and name patterns after
//! `KEEP`/`DROP` are runs of raw characters (`logs-*`, `Esql.*`) that the ordinary token rules
//! would split, so the parser asks for them with [`Lexer::index_pattern`] and
//! [`Lexer::name_pattern`] at exactly those places.

use crate::diagnostic::Diagnostic;
use crate::span::Span;

use super::token::{Token, TokenKind};

/// Diagnostic codes of the lexer (the parser's are in `parser/mod.rs`).
pub const E_UNEXPECTED_CHAR: &str = "E210";
pub const E_UNTERMINATED_STRING: &str = "E203";
pub const E_INVALID_ESCAPE: &str = "E204";
pub const E_UNTERMINATED: &str = "E208";

#[derive(Clone, Debug)]
pub struct Lexer<'a> {
    src: &'a str,
    pos: usize,
}

fn is_ident_body(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

impl<'a> Lexer<'a> {
    pub fn new(src: &'a str) -> Lexer<'a> {
        Lexer { src, pos: 0 }
    }

    pub fn pos(&self) -> usize {
        self.pos
    }

    pub fn set_pos(&mut self, pos: usize) {
        self.pos = pos;
    }

    fn bytes(&self) -> &'a [u8] {
        self.src.as_bytes()
    }

    fn at(&self, offset: usize) -> Option<u8> {
        self.bytes().get(self.pos + offset).copied()
    }

    /// Skips whitespace, `// line` comments and nested `/* block */` comments.
    pub fn skip_trivia(&mut self) -> Result<(), Diagnostic> {
        loop {
            match (self.at(0), self.at(1)) {
                (Some(b), _) if b.is_ascii_whitespace() => self.pos += 1,
                (Some(b'/'), Some(b'/')) => {
                    while let Some(b) = self.at(0) {
                        if b == b'\n' {
                            break;
                        }
                        self.pos += 1;
                    }
                }
                (Some(b'/'), Some(b'*')) => self.block_comment()?,
                _ => return Ok(()),
            }
        }
    }

    fn block_comment(&mut self) -> Result<(), Diagnostic> {
        let start = self.pos;
        let mut depth = 0usize;
        while let Some(b) = self.at(0) {
            match (b, self.at(1)) {
                (b'/', Some(b'*')) => {
                    depth += 1;
                    self.pos += 2;
                }
                (b'*', Some(b'/')) => {
                    depth -= 1;
                    self.pos += 2;
                    if depth == 0 {
                        return Ok(());
                    }
                }
                _ => self.pos += 1,
            }
        }
        Err(
            Diagnostic::error(E_UNTERMINATED, "unterminated block comment")
                .with_label(Span::new(start, start + 2), "this comment is never closed")
                .with_help("close it with `*/` (block comments nest)"),
        )
    }

    /// The next token; at the end of the text, `Eof` with an empty span.
    pub fn next_token(&mut self) -> Result<Token, Diagnostic> {
        self.skip_trivia()?;
        let start = self.pos;
        let Some(b) = self.at(0) else {
            return Ok(self.token(TokenKind::Eof, start));
        };
        let next = self.at(1);
        let (kind, len) = match (b, next) {
            (b'"', _) => return self.string(),
            (b'`', _) => return self.quoted_ident(),
            (b'0'..=b'9', _) => return Ok(self.number()),
            (b'.', Some(b'0'..=b'9')) if !self.follows_identifier() => return Ok(self.number()),
            (b'a'..=b'z' | b'A'..=b'Z' | b'_' | b'@', _) => {
                self.pos += 1;
                while self.at(0).is_some_and(is_ident_body) {
                    self.pos += 1;
                }
                return Ok(self.token(TokenKind::Word, start));
            }
            (b'=', Some(b'=')) => (TokenKind::EqEq, 2),
            (b'=', Some(b'~')) => (TokenKind::EqTilde, 2),
            (b'=', _) => (TokenKind::Assign, 1),
            (b'!', Some(b'=')) => (TokenKind::NotEq, 2),
            (b'<', Some(b'=')) => (TokenKind::Le, 2),
            (b'<', _) => (TokenKind::Lt, 1),
            (b'>', Some(b'=')) => (TokenKind::Ge, 2),
            (b'>', _) => (TokenKind::Gt, 1),
            (b':', Some(b':')) => (TokenKind::ColonColon, 2),
            (b':', _) => (TokenKind::Colon, 1),
            (b'|', _) => (TokenKind::Pipe, 1),
            (b',', _) => (TokenKind::Comma, 1),
            (b'.', _) => (TokenKind::Dot, 1),
            (b'(', _) => (TokenKind::LParen, 1),
            (b')', _) => (TokenKind::RParen, 1),
            (b'[', _) => (TokenKind::LBracket, 1),
            (b']', _) => (TokenKind::RBracket, 1),
            (b'{', _) => (TokenKind::LBrace, 1),
            (b'}', _) => (TokenKind::RBrace, 1),
            (b'+', _) => (TokenKind::Plus, 1),
            (b'-', _) => (TokenKind::Minus, 1),
            (b'*', _) => (TokenKind::Star, 1),
            (b'/', _) => (TokenKind::Slash, 1),
            (b'%', _) => (TokenKind::Percent, 1),
            (b'?', _) => (TokenKind::Question, 1),
            _ => {
                let ch = self.src[start..].chars().next().unwrap_or('?');
                return Err(Diagnostic::error(
                    E_UNEXPECTED_CHAR,
                    format!("unexpected character `{}`", ch.escape_debug()),
                )
                .with_label(Span::new(start, start + ch.len_utf8()), "not valid here"));
            }
        };
        self.pos += len;
        Ok(self.token(kind, start))
    }

    fn token(&self, kind: TokenKind, start: usize) -> Token {
        Token {
            kind,
            span: Span::new(start, self.pos),
        }
    }

    /// Whether the byte before the cursor belongs to a name, so `.5` there is a dot, not `0.5`.
    fn follows_identifier(&self) -> bool {
        self.pos > 0 && {
            let prev = self.bytes()[self.pos - 1];
            is_ident_body(prev) || prev == b'`'
        }
    }

    fn digits(&mut self) {
        while self.at(0).is_some_and(|b| b.is_ascii_digit()) {
            self.pos += 1;
        }
    }

    /// `42`, `1.5`, `.5`, `1.`, `1e3`, `1.5E-3`. An integer too large for `u64` becomes a
    /// decimal, as Elasticsearch does.
    fn number(&mut self) -> Token {
        let start = self.pos;
        self.digits();
        let mut decimal = false;
        // `1.` and `1.5` are decimals, and so is `1.e5`; `1.x` is not (a dot then a name).
        let exponent_after_dot = matches!(self.at(1), Some(b'e' | b'E'))
            && (self.at(2).is_some_and(|b| b.is_ascii_digit())
                || (matches!(self.at(2), Some(b'+' | b'-'))
                    && self.at(3).is_some_and(|b| b.is_ascii_digit())));
        if self.at(0) == Some(b'.')
            && (!self.at(1).is_some_and(|b| b.is_ascii_alphabetic()) || exponent_after_dot)
        {
            decimal = true;
            self.pos += 1;
            self.digits();
        }
        if matches!(self.at(0), Some(b'e' | b'E')) {
            let digit_at = if matches!(self.at(1), Some(b'+' | b'-')) {
                2
            } else {
                1
            };
            if self.at(digit_at).is_some_and(|b| b.is_ascii_digit()) {
                decimal = true;
                self.pos += digit_at;
                self.digits();
            }
        }
        let text = &self.src[start..self.pos];
        let kind = match (decimal, text.parse::<u64>()) {
            (false, Ok(value)) => TokenKind::Integer(value),
            _ => TokenKind::Decimal(text.parse::<f64>().unwrap_or(f64::INFINITY)),
        };
        self.token(kind, start)
    }

    fn string(&mut self) -> Result<Token, Diagnostic> {
        let start = self.pos;
        if self.src[start..].starts_with("\"\"\"") {
            // `"""…"""`: no escapes; up to two extra quotes before the closing three belong to
            // the value (Elasticsearch's `'"""' .*? '"""' '"'? '"'?`).
            let body = start + 3;
            let Some(close) = self.src[body..].find("\"\"\"") else {
                self.pos = self.src.len();
                return Err(unterminated_string(start));
            };
            let mut end = body + close + 3;
            let mut extra = 0;
            while extra < 2 && self.bytes().get(end) == Some(&b'"') {
                end += 1;
                extra += 1;
            }
            self.pos = end;
            let value = self.src[body..end - 3].to_string();
            return Ok(self.token(
                TokenKind::String {
                    value,
                    triple: true,
                },
                start,
            ));
        }
        self.pos += 1;
        let mut value = String::new();
        loop {
            let rest = &self.src[self.pos..];
            let Some(ch) = rest.chars().next() else {
                return Err(unterminated_string(start));
            };
            match ch {
                '"' => {
                    self.pos += 1;
                    return Ok(self.token(
                        TokenKind::String {
                            value,
                            triple: false,
                        },
                        start,
                    ));
                }
                '\n' | '\r' => return Err(unterminated_string(start)),
                '\\' => {
                    let escaped = rest[1..].chars().next();
                    let unescaped = match escaped {
                        Some('t') => '\t',
                        Some('n') => '\n',
                        Some('r') => '\r',
                        Some('"') => '"',
                        Some('\\') => '\\',
                        Some(other) => {
                            let end = self.pos + 1 + other.len_utf8();
                            return Err(Diagnostic::error(
                                E_INVALID_ESCAPE,
                                format!("invalid escape sequence `\\{}` in a string", other.escape_debug()),
                            )
                            .with_label(Span::new(self.pos, end), "not an escape ES|QL knows")
                            .with_help(
                                "strings accept only \\t \\n \\r \\\" \\\\; write a backslash as \\\\ or use a \"\"\"triple-quoted\"\"\" string",
                            ));
                        }
                        None => return Err(unterminated_string(start)),
                    };
                    value.push(unescaped);
                    self.pos += 2;
                }
                other => {
                    value.push(other);
                    self.pos += other.len_utf8();
                }
            }
        }
    }

    fn quoted_ident(&mut self) -> Result<Token, Diagnostic> {
        let start = self.pos;
        self.pos += 1;
        let mut value = String::new();
        loop {
            let rest = &self.src[self.pos..];
            let Some(ch) = rest.chars().next() else {
                return Err(
                    Diagnostic::error(E_UNTERMINATED, "unterminated quoted identifier")
                        .with_label(Span::new(start, start + 1), "this backtick is never closed"),
                );
            };
            if ch == '`' {
                if rest[1..].starts_with('`') {
                    value.push('`');
                    self.pos += 2;
                    continue;
                }
                self.pos += 1;
                return Ok(self.token(TokenKind::QuotedIdent(value), start));
            }
            value.push(ch);
            self.pos += ch.len_utf8();
        }
    }

    /// An index pattern after `FROM`: a quoted string, or raw characters up to whitespace, `,`,
    /// `|`, `"`, `=`, brackets, parentheses or `/` (notes §4). Returns `None` when there is none.
    pub fn index_pattern(&mut self) -> Result<Option<(String, Span)>, Diagnostic> {
        self.skip_trivia()?;
        let start = self.pos;
        if self.at(0) == Some(b'"') {
            let token = self.string()?;
            return Ok(match token.kind {
                TokenKind::String { value, .. } => Some((value, token.span)),
                _ => None,
            });
        }
        while let Some(b) = self.at(0) {
            if b.is_ascii_whitespace()
                || matches!(
                    b,
                    b',' | b'|' | b'"' | b'=' | b'[' | b']' | b'(' | b')' | b'/'
                )
            {
                break;
            }
            self.pos += self.src[self.pos..]
                .chars()
                .next()
                .map_or(1, char::len_utf8);
        }
        Ok((self.pos > start).then(|| {
            (
                self.src[start..self.pos].to_string(),
                Span::new(start, self.pos),
            )
        }))
    }

    /// A `KEEP`/`DROP` name pattern: identifier parts, `*`, `.` and backtick-quoted parts, with
    /// quoting removed (`` Esql.* ``, `` `a b`.c ``). Returns `None` when there is none.
    pub fn name_pattern(&mut self) -> Result<Option<(String, Span)>, Diagnostic> {
        self.skip_trivia()?;
        let start = self.pos;
        let mut pattern = String::new();
        while let Some(b) = self.at(0) {
            if b == b'`' {
                let token = self.quoted_ident()?;
                if let TokenKind::QuotedIdent(part) = token.kind {
                    pattern.push_str(&part);
                }
            } else if is_ident_body(b) || matches!(b, b'@' | b'*' | b'.') {
                pattern.push(b as char);
                self.pos += 1;
            } else {
                break;
            }
        }
        Ok((self.pos > start).then(|| (pattern, Span::new(start, self.pos))))
    }
}

fn unterminated_string(start: usize) -> Diagnostic {
    Diagnostic::error(E_UNTERMINATED_STRING, "unterminated string")
        .with_label(Span::new(start, start + 1), "this string is never closed")
        .with_help("close it with `\"` on the same line (`\"\"\"` for a triple-quoted string)")
}

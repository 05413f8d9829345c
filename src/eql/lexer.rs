//! The EQL lexer: query text to tokens with byte spans; comments and whitespace are skipped.

use super::token::{Token, TokenKind};
use super::{E_CHARACTER, E_ESCAPE, E_NUMBER, E_UNSUPPORTED, E_UNTERMINATED};
use crate::diagnostic::Diagnostic;
use crate::span::Span;

pub struct Lexer<'a> {
    src: &'a str,
    pos: usize,
    /// The previous token ended an identifier, so `.5` after it is a dot, not a number.
    after_name: bool,
}

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b == b'@'
}

fn is_ident_body(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

impl<'a> Lexer<'a> {
    pub fn new(src: &'a str) -> Lexer<'a> {
        Lexer {
            src,
            pos: 0,
            after_name: false,
        }
    }

    fn at(&self, offset: usize) -> Option<u8> {
        self.src.as_bytes().get(self.pos + offset).copied()
    }

    /// All tokens, ending with `Eof`.
    pub fn tokens(mut self) -> Result<Vec<Token>, Diagnostic> {
        let mut out = Vec::new();
        loop {
            let token = self.next_token()?;
            let end = token.kind == TokenKind::Eof;
            self.after_name = matches!(
                token.kind,
                TokenKind::Word { .. } | TokenKind::QuotedIdent(_)
            );
            out.push(token);
            if end {
                return Ok(out);
            }
        }
    }

    fn skip_trivia(&mut self) -> Result<(), Diagnostic> {
        loop {
            match (self.at(0), self.at(1)) {
                (Some(b' ' | b'\t' | b'\r' | b'\n'), _) => self.pos += 1,
                (Some(b'/'), Some(b'/')) => {
                    while !matches!(self.at(0), None | Some(b'\n')) {
                        self.pos += 1;
                    }
                }
                (Some(b'/'), Some(b'*')) => self.block_comment()?,
                _ => return Ok(()),
            }
        }
    }

    /// `/* … */`, nested as the grammar's `BRACKETED_COMMENT` allows.
    fn block_comment(&mut self) -> Result<(), Diagnostic> {
        let start = self.pos;
        let mut depth = 0usize;
        loop {
            match (self.at(0), self.at(1)) {
                (Some(b'/'), Some(b'*')) => {
                    depth += 1;
                    self.pos += 2;
                }
                (Some(b'*'), Some(b'/')) => {
                    depth -= 1;
                    self.pos += 2;
                    if depth == 0 {
                        return Ok(());
                    }
                }
                (Some(_), _) => self.pos += 1,
                (None, _) => {
                    return Err(Diagnostic::error(E_UNTERMINATED, "unterminated comment")
                        .with_label(Span::new(start, start + 2), "comment opened here"))
                }
            }
        }
    }

    fn token(&self, kind: TokenKind, start: usize) -> Token {
        Token {
            kind,
            span: Span::new(start, self.pos),
        }
    }

    fn next_token(&mut self) -> Result<Token, Diagnostic> {
        self.skip_trivia()?;
        let start = self.pos;
        let Some(b) = self.at(0) else {
            return Ok(self.token(TokenKind::Eof, start));
        };
        let two = |me: &mut Lexer, kind| {
            me.pos += 2;
            Ok(me.token(kind, start))
        };
        let one = |me: &mut Lexer, kind| {
            me.pos += 1;
            Ok(me.token(kind, start))
        };
        match (b, self.at(1)) {
            (b'=', Some(b'=')) => two(self, TokenKind::EqEq),
            (b'!', Some(b'=')) => two(self, TokenKind::NotEq),
            (b'!', Some(b'[')) => two(self, TokenKind::BangBracket),
            (b'<', Some(b'=')) => two(self, TokenKind::Le),
            (b'>', Some(b'=')) => two(self, TokenKind::Ge),
            (b'=', _) => one(self, TokenKind::Assign),
            (b'<', _) => one(self, TokenKind::Lt),
            (b'>', _) => one(self, TokenKind::Gt),
            (b':', _) => one(self, TokenKind::Colon),
            (b'|', _) => one(self, TokenKind::Pipe),
            (b',', _) => one(self, TokenKind::Comma),
            (b'(', _) => one(self, TokenKind::LParen),
            (b')', _) => one(self, TokenKind::RParen),
            (b'[', _) => one(self, TokenKind::LBracket),
            (b']', _) => one(self, TokenKind::RBracket),
            (b'+', _) => one(self, TokenKind::Plus),
            (b'-', _) => one(self, TokenKind::Minus),
            (b'*', _) => one(self, TokenKind::Star),
            (b'/', _) => one(self, TokenKind::Slash),
            (b'%', _) => one(self, TokenKind::Percent),
            (b'?', Some(b'"' | b'\'')) => Err(Diagnostic::error(
                E_UNSUPPORTED,
                "`?\"…\"` raw strings are not supported: use triple double quotes `\"\"\"…\"\"\"`",
            )
            .with_label(Span::new(start, start + 2), "raw string opened here")),
            (b'?', _) => one(self, TokenKind::Question),
            (b'.', Some(d)) if d.is_ascii_digit() && !self.after_name => self.number(),
            (b'.', _) => one(self, TokenKind::Dot),
            (b'"', _) => self.string(),
            (b'\'', _) => Err(Diagnostic::error(
                E_UNSUPPORTED,
                "single-quoted strings are not supported: use double quotes `\"`",
            )
            .with_label(Span::new(start, start + 1), "string opened here")),
            (b'`', _) => self.quoted_ident(),
            (d, _) if d.is_ascii_digit() => self.number(),
            (c, _) if is_ident_start(c) => {
                self.pos += 1;
                while self.at(0).is_some_and(is_ident_body) {
                    self.pos += 1;
                }
                // A `~` right after a word belongs to it (`like~`); its span covers the `~`.
                let tilde = self.at(0) == Some(b'~');
                if tilde {
                    self.pos += 1;
                }
                Ok(self.token(TokenKind::Word { tilde }, start))
            }
            _ => {
                let c = self.src[start..].chars().next().unwrap_or('?');
                Err(
                    Diagnostic::error(E_CHARACTER, format!("unexpected character `{c}`"))
                        .with_label(Span::new(start, start + c.len_utf8()), "not part of EQL"),
                )
            }
        }
    }

    fn digits(&mut self) {
        while self.at(0).is_some_and(|b| b.is_ascii_digit()) {
            self.pos += 1;
        }
    }

    fn number(&mut self) -> Result<Token, Diagnostic> {
        let start = self.pos;
        self.digits();
        let mut decimal = false;
        if self.at(0) == Some(b'.') {
            decimal = true;
            self.pos += 1;
            self.digits();
        }
        if matches!(self.at(0), Some(b'e' | b'E')) {
            let sign = usize::from(matches!(self.at(1), Some(b'+' | b'-')));
            if self.at(1 + sign).is_some_and(|b| b.is_ascii_digit()) {
                decimal = true;
                self.pos += 1 + sign;
                self.digits();
            }
        }
        let text = &self.src[start..self.pos];
        let span = Span::new(start, self.pos);
        let out_of_range = || {
            Diagnostic::error(E_NUMBER, format!("number `{text}` is out of range"))
                .with_label(span, "too large")
        };
        let kind = if decimal {
            let value: f64 = text.parse().map_err(|_| out_of_range())?;
            if !value.is_finite() {
                return Err(out_of_range());
            }
            TokenKind::Decimal(value)
        } else {
            TokenKind::Integer(text.parse().map_err(|_| out_of_range())?)
        };
        Ok(Token { kind, span })
    }

    /// `"…"` with escapes, or `"""…"""` taken as written.
    fn string(&mut self) -> Result<Token, Diagnostic> {
        let start = self.pos;
        if self.src[start..].starts_with("\"\"\"") {
            let body = start + 3;
            return match self.src[body..].find("\"\"\"") {
                Some(end) => {
                    // A run of more than three quotes closes at its last three.
                    let mut close = body + end;
                    while self.src.as_bytes().get(close + 3) == Some(&b'"') {
                        close += 1;
                    }
                    self.pos = close + 3;
                    let value = self.src[body..close].to_string();
                    Ok(self.token(TokenKind::String(value), start))
                }
                None => Err(unterminated_string(start, 3)),
            };
        }
        self.pos += 1;
        let mut value = String::new();
        loop {
            let rest = &self.src[self.pos..];
            let Some(c) = rest.chars().next() else {
                return Err(unterminated_string(start, 1));
            };
            match c {
                '"' => {
                    self.pos += 1;
                    return Ok(self.token(TokenKind::String(value), start));
                }
                '\n' | '\r' => return Err(unterminated_string(start, 1)),
                '\\' => value.push(self.escape()?),
                _ => {
                    value.push(c);
                    self.pos += c.len_utf8();
                }
            }
        }
    }

    /// One escape after `\`: `\t \b \n \r \f \" \' \\` or `\u{XXXX}` (2 to 8 hex digits).
    fn escape(&mut self) -> Result<char, Diagnostic> {
        let start = self.pos;
        let next = self.src[start + 1..].chars().next();
        let simple = match next {
            Some('t') => Some('\t'),
            Some('b') => Some('\u{8}'),
            Some('n') => Some('\n'),
            Some('r') => Some('\r'),
            Some('f') => Some('\u{c}'),
            Some('"') => Some('"'),
            Some('\'') => Some('\''),
            Some('\\') => Some('\\'),
            _ => None,
        };
        if let Some(c) = simple {
            self.pos += 2;
            return Ok(c);
        }
        let bad = |end: usize, what: &str| {
            Diagnostic::error(E_ESCAPE, format!("invalid escape sequence: {what}"))
                .with_label(Span::new(start, end), "here")
                .with_help("escapes are \\t \\b \\n \\r \\f \\\" \\' \\\\ and \\u{XXXX}")
        };
        if next == Some('u') && self.src[start + 2..].starts_with('{') {
            let digits_at = start + 3;
            let len = self.src[digits_at..]
                .bytes()
                .take_while(u8::is_ascii_hexdigit)
                .count();
            if self.src.as_bytes().get(digits_at + len) == Some(&b'}') && (2..=8).contains(&len) {
                let hex = &self.src[digits_at..digits_at + len];
                let end = digits_at + len + 1;
                let c = u32::from_str_radix(hex, 16)
                    .ok()
                    .and_then(char::from_u32)
                    .ok_or_else(|| bad(end, "not a Unicode scalar value"))?;
                self.pos = end;
                return Ok(c);
            }
            return Err(bad(digits_at + len, "\\u{…} needs 2 to 8 hex digits"));
        }
        let end = start + 1 + next.map_or(0, char::len_utf8);
        Err(bad(end, "unknown escape"))
    }

    fn quoted_ident(&mut self) -> Result<Token, Diagnostic> {
        let start = self.pos;
        self.pos += 1;
        let mut value = String::new();
        loop {
            let Some(c) = self.src[self.pos..].chars().next() else {
                return Err(
                    Diagnostic::error(E_UNTERMINATED, "unterminated quoted identifier")
                        .with_label(Span::new(start, start + 1), "opened here"),
                );
            };
            self.pos += c.len_utf8();
            if c == '`' {
                if self.at(0) == Some(b'`') {
                    value.push('`');
                    self.pos += 1;
                    continue;
                }
                return Ok(self.token(TokenKind::QuotedIdent(value), start));
            }
            value.push(c);
        }
    }
}

fn unterminated_string(start: usize, quotes: usize) -> Diagnostic {
    Diagnostic::error(super::E_STRING, "unterminated string")
        .with_label(Span::new(start, start + quotes), "string opened here")
}

//! The ES|QL parser: recursive descent over the lazy lexer, one error and no recovery.
//!
//! Vocabulary after rust-analyzer and ruff: `peek` looks at the next token, `bump` consumes it,
//! `eat_*` consumes it when it matches, `expect_*` consumes it or returns a diagnostic. Commands
//! live in `commands.rs`, expressions (precedence climbing, notes §3.2) in `expr.rs`.

mod commands;
mod expr;

use crate::diagnostic::Diagnostic;
use crate::span::Span;

use super::ast::{Name, Query};
use super::lexer::Lexer;
use super::token::{Token, TokenKind};

pub const E_EXPECTED: &str = "E200";
pub const E_UNKNOWN_COMMAND: &str = "E201";
pub const E_UNSUPPORTED_COMMAND: &str = "E202";
pub const E_LIKE_PATTERN: &str = "E205";
pub const E_TIME_UNIT: &str = "E206";
pub const E_TOO_DEEP: &str = "E207";
pub const E_NUMBER: &str = "E209";

/// How deeply expressions may nest (parentheses, `NOT`, unary signs, calls) plus how long a
/// chain of one binary operator may grow; beyond it the parser stops with a diagnostic instead
/// of overflowing the stack here or in the printer and evaluator, which recurse over the tree.
pub const MAX_DEPTH: usize = 200;

pub fn parse_query(text: &str) -> Result<Query, Diagnostic> {
    let mut parser = Parser::new(text);
    parser.query()
}

pub(crate) struct Parser<'a> {
    src: &'a str,
    lexer: Lexer<'a>,
    peeked: Option<Token>,
    /// End of the last consumed token, for spans that end there.
    last_end: usize,
    depth: usize,
}

impl<'a> Parser<'a> {
    fn new(src: &'a str) -> Parser<'a> {
        Parser {
            src,
            lexer: Lexer::new(src),
            peeked: None,
            last_end: 0,
            depth: 0,
        }
    }

    fn peek(&mut self) -> Result<&Token, Diagnostic> {
        if self.peeked.is_none() {
            self.peeked = Some(self.lexer.next_token()?);
        }
        Ok(self.peeked.as_ref().expect("just filled"))
    }

    fn peek_kind(&mut self) -> Result<&TokenKind, Diagnostic> {
        Ok(&self.peek()?.kind)
    }

    /// The token after the next one, without consuming either.
    fn peek_second(&mut self) -> Result<Token, Diagnostic> {
        self.peek()?;
        let saved = self.lexer.clone();
        let second = self.lexer.next_token();
        self.lexer = saved;
        second
    }

    fn bump(&mut self) -> Result<Token, Diagnostic> {
        self.peek()?;
        let token = self.peeked.take().expect("peeked above");
        self.last_end = token.span.end as usize;
        Ok(token)
    }

    /// The text of the next token when it is a word.
    fn peek_word(&mut self) -> Result<Option<&'a str>, Diagnostic> {
        let src = self.src;
        let token = self.peek()?;
        Ok(match token.kind {
            TokenKind::Word => Some(token.span.slice(src)),
            _ => None,
        })
    }

    fn at_word(&mut self, keyword: &str) -> Result<bool, Diagnostic> {
        Ok(self
            .peek_word()?
            .is_some_and(|w| w.eq_ignore_ascii_case(keyword)))
    }

    fn eat_word(&mut self, keyword: &str) -> Result<Option<Span>, Diagnostic> {
        if self.at_word(keyword)? {
            Ok(Some(self.bump()?.span))
        } else {
            Ok(None)
        }
    }

    fn eat(&mut self, kind: &TokenKind) -> Result<Option<Span>, Diagnostic> {
        if self.peek_kind()? == kind {
            Ok(Some(self.bump()?.span))
        } else {
            Ok(None)
        }
    }

    fn expect(&mut self, kind: &TokenKind) -> Result<Span, Diagnostic> {
        match self.eat(kind)? {
            Some(span) => Ok(span),
            None => Err(self.unexpected(kind.describe())?),
        }
    }

    fn expect_word(&mut self, keyword: &str) -> Result<Span, Diagnostic> {
        match self.eat_word(keyword)? {
            Some(span) => Ok(span),
            None => Err(self.unexpected(&format!("`{}`", keyword.to_ascii_uppercase()))?),
        }
    }

    /// "expected X, found Y" at the next token.
    fn unexpected(&mut self, expected: &str) -> Result<Diagnostic, Diagnostic> {
        let src = self.src;
        let token = self.peek()?.clone();
        let found = match &token.kind {
            TokenKind::Word => format!("`{}`", token.span.slice(src)),
            TokenKind::Eof => "the end of the query".to_string(),
            other => other.describe().to_string(),
        };
        Ok(
            Diagnostic::error(E_EXPECTED, format!("expected {expected}, found {found}"))
                .with_label(token.span, format!("expected {expected}")),
        )
    }

    /// Enters one level of nesting; pair with [`Parser::leave`].
    fn enter(&mut self, span: Span) -> Result<(), Diagnostic> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(too_deep(span));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    /// A (possibly dotted, possibly backtick-quoted) field name: `user.name`,
    /// `` source.`as`.organization.name ``. Returns `None` without consuming when there is none.
    fn name(&mut self) -> Result<Option<Name>, Diagnostic> {
        let src = self.src;
        let first = self.peek()?.clone();
        let mut name = match &first.kind {
            TokenKind::Word if !super::token::is_reserved(first.span.slice(src)) => {
                first.span.slice(src).to_string()
            }
            TokenKind::QuotedIdent(part) => part.clone(),
            _ => return Ok(None),
        };
        self.bump()?;
        let mut span = first.span;
        while self.peek_kind()? == &TokenKind::Dot {
            let second = self.peek_second()?;
            let part = match &second.kind {
                TokenKind::Word => second.span.slice(src).to_string(),
                TokenKind::QuotedIdent(part) => part.clone(),
                _ => break,
            };
            self.bump()?;
            self.bump()?;
            name.push('.');
            name.push_str(&part);
            span = span.to(second.span);
        }
        Ok(Some(Name { name, span }))
    }

    fn expect_name(&mut self, what: &str) -> Result<Name, Diagnostic> {
        match self.name()? {
            Some(name) => Ok(name),
            None => Err(self.unexpected(what)?),
        }
    }

    /// Span from `start` to the end of the last consumed token.
    fn span_from(&self, start: u32) -> Span {
        Span {
            start,
            end: self.last_end as u32,
        }
    }
}

pub(crate) fn too_deep(span: Span) -> Diagnostic {
    Diagnostic::error(
        E_TOO_DEEP,
        format!("expression nests too deeply (more than {MAX_DEPTH} levels)"),
    )
    .with_label(span, "the limit is reached here")
    .with_help("split the expression, or use IN (…) instead of long OR chains")
}

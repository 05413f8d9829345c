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

/// Parser results box their diagnostic: a slim `Err` keeps the recursive descent's stack
/// frames small, which is what bounds how deep a query may nest (see `MAX_DEPTH`).
pub(crate) type PResult<T> = Result<T, Box<Diagnostic>>;

pub const E_EXPECTED: &str = "E200";
pub const E_UNKNOWN_COMMAND: &str = "E201";
pub const E_UNSUPPORTED_COMMAND: &str = "E202";
pub const E_LIKE_PATTERN: &str = "E205";
pub const E_TIME_UNIT: &str = "E206";
pub const E_TOO_DEEP: &str = "E207";
pub const E_NUMBER: &str = "E209";
pub const E_LOOKUP_INDEX: &str = "E211";

/// How deeply expressions may nest: parentheses, `NOT`, unary signs, calls, lists. Each level
/// costs the recursive descent about 16 KiB of stack in a debug build, so 64 levels stay well
/// inside the 2 MiB of a test thread. Real rules nest a handful of levels.
pub const MAX_NESTING: usize = 64;

/// How tall an expression tree may grow: nesting plus the links of left-associative chains
/// (`a OR b OR c …`). Chains cost the parser no stack, but the printer, the evaluator and
/// `Drop` recurse over the tree, so its height is bounded too.
pub const MAX_DEPTH: usize = 256;

pub fn parse_query(text: &str) -> Result<Query, Diagnostic> {
    let mut parser = Parser::new(text);
    parser.query().map_err(|boxed| *boxed)
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

    fn peek(&mut self) -> PResult<&Token> {
        if self.peeked.is_none() {
            self.peeked = Some(self.lexer.next_token()?);
        }
        Ok(self.peeked.as_ref().expect("just filled"))
    }

    fn peek_kind(&mut self) -> PResult<&TokenKind> {
        Ok(&self.peek()?.kind)
    }

    /// The token after the next one, without consuming either.
    fn peek_second(&mut self) -> PResult<Token> {
        self.peek()?;
        let saved = self.lexer.clone();
        let second = self.lexer.next_token();
        self.lexer = saved;
        Ok(second?)
    }

    fn bump(&mut self) -> PResult<Token> {
        self.peek()?;
        let token = self.peeked.take().expect("peeked above");
        self.last_end = token.span.end as usize;
        Ok(token)
    }

    /// The text of the next token when it is a word.
    fn peek_word(&mut self) -> PResult<Option<&'a str>> {
        let src = self.src;
        let token = self.peek()?;
        Ok(match token.kind {
            TokenKind::Word => Some(token.span.slice(src)),
            _ => None,
        })
    }

    fn at_word(&mut self, keyword: &str) -> PResult<bool> {
        Ok(self
            .peek_word()?
            .is_some_and(|w| w.eq_ignore_ascii_case(keyword)))
    }

    fn eat_word(&mut self, keyword: &str) -> PResult<Option<Span>> {
        if self.at_word(keyword)? {
            Ok(Some(self.bump()?.span))
        } else {
            Ok(None)
        }
    }

    fn eat(&mut self, kind: &TokenKind) -> PResult<Option<Span>> {
        if self.peek_kind()? == kind {
            Ok(Some(self.bump()?.span))
        } else {
            Ok(None)
        }
    }

    fn expect(&mut self, kind: &TokenKind) -> PResult<Span> {
        match self.eat(kind)? {
            Some(span) => Ok(span),
            None => Err(self.unexpected(kind.describe())?),
        }
    }

    fn expect_word(&mut self, keyword: &str) -> PResult<Span> {
        match self.eat_word(keyword)? {
            Some(span) => Ok(span),
            None => Err(self.unexpected(&format!("`{}`", keyword.to_ascii_uppercase()))?),
        }
    }

    /// "expected X, found Y" at the next token.
    fn unexpected(&mut self, expected: &str) -> PResult<Box<Diagnostic>> {
        let src = self.src;
        let token = self.peek()?.clone();
        let found = match &token.kind {
            TokenKind::Word => format!("`{}`", token.span.slice(src)),
            TokenKind::Eof => "the end of the query".to_string(),
            other => other.describe().to_string(),
        };
        Ok(Box::new(
            Diagnostic::error(E_EXPECTED, format!("expected {expected}, found {found}"))
                .with_label(token.span, format!("expected {expected}")),
        ))
    }

    /// Enters one level of nesting; pair with [`Parser::leave`].
    fn enter(&mut self, span: Span) -> PResult<()> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(Box::new(too_deep(span, MAX_NESTING)));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    /// A (possibly dotted, possibly backtick-quoted) field name: `user.name`,
    /// `` source.`as`.organization.name ``. Returns `None` without consuming when there is none.
    fn name(&mut self) -> PResult<Option<Name>> {
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

    fn expect_name(&mut self, what: &str) -> PResult<Name> {
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

pub(crate) fn too_deep(span: Span, limit: usize) -> Diagnostic {
    Diagnostic::error(
        E_TOO_DEEP,
        format!("expression nests too deeply (more than {limit} levels)"),
    )
    .with_label(span, "the limit is reached here")
    .with_help("split the expression, or use IN (…) instead of long OR chains")
}

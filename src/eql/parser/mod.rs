//! The EQL parser: recursive descent over the lexer's tokens, building the syntax tree.
//!
//! `query` here owns the statement level (event query, `sequence`, `sample`, pipes); `expr`
//! owns conditions. Recursion is bounded by [`MAX_DEPTH`], counted over nesting and over the
//! links of operator chains, so printing and evaluating the tree stay within the stack.

mod expr;
mod query;

use super::ast::{Expr, Query};
use super::lexer::Lexer;
use super::token::{Token, TokenKind};
use super::{E_DEPTH, E_EXPECTED};
use crate::diagnostic::Diagnostic;
use crate::span::Span;

/// How deep a condition's tree may grow, counting every operator of a chain (`a and b and c`
/// is three levels) as well as parentheses, `not`, unary minus and calls.
pub const MAX_DEPTH: usize = 256;
/// How deeply the parser itself may recurse (parentheses, `not`, unary minus, calls, lists):
/// each level costs several stack frames, so this is tighter than [`MAX_DEPTH`].
pub const MAX_NESTING: usize = 64;
/// Most queries (after `runs` expansion) in one sequence or sample.
pub const MAX_STAGES: usize = 256;
/// Largest `with runs=N` (Elasticsearch refuses more than 100 repetitions).
pub const MAX_RUNS: u64 = 100;

pub(super) type PResult<T> = Result<T, Box<Diagnostic>>;

pub(super) struct Parser<'a> {
    src: &'a str,
    tokens: Vec<Token>,
    pos: usize,
    depth: usize,
    nesting: usize,
}

pub fn parse_query(src: &str) -> Result<Query, Diagnostic> {
    let tokens = Lexer::new(src).tokens()?;
    let mut parser = Parser {
        src,
        tokens,
        pos: 0,
        depth: 0,
        nesting: 0,
    };
    parser.query().map_err(|e| *e)
}

/// Parses a lone condition (tests and tools that work on one expression).
pub fn parse_expression(src: &str) -> Result<Expr, Diagnostic> {
    let tokens = Lexer::new(src).tokens()?;
    let mut parser = Parser {
        src,
        tokens,
        pos: 0,
        depth: 0,
        nesting: 0,
    };
    let e = parser.expr().map_err(|e| *e)?;
    parser.expect_eof().map_err(|e| *e)?;
    Ok(e)
}

pub(super) fn too_deep(span: Span) -> Diagnostic {
    Diagnostic::error(
        E_DEPTH,
        format!(
            "the condition nests too deeply (at most {MAX_NESTING} levels of parentheses, \
             `not` and calls, {MAX_DEPTH} levels in all)"
        ),
    )
    .with_label(span, "too deep")
}

impl Parser<'_> {
    fn peek(&self) -> &Token {
        &self.tokens[self.pos.min(self.tokens.len() - 1)]
    }

    fn peek_at(&self, ahead: usize) -> &Token {
        &self.tokens[(self.pos + ahead).min(self.tokens.len() - 1)]
    }

    fn bump(&mut self) -> Token {
        let t = self.peek().clone();
        if self.pos < self.tokens.len() - 1 {
            self.pos += 1;
        }
        t
    }

    /// The text of a word token without its `~`.
    fn word_text(&self, token: &Token) -> &str {
        let text = token.span.slice(self.src);
        text.strip_suffix('~').unwrap_or(text)
    }

    /// Whether the next token is the plain word `word` (no `~`).
    fn at_word(&self, word: &str) -> bool {
        self.at_word_ahead(0, word)
    }

    fn at_word_ahead(&self, ahead: usize, word: &str) -> bool {
        let t = self.peek_at(ahead);
        matches!(t.kind, TokenKind::Word { tilde: false }) && self.word_text(t) == word
    }

    fn eat_word(&mut self, word: &str) -> Option<Span> {
        if self.at_word(word) {
            Some(self.bump().span)
        } else {
            None
        }
    }

    fn eat(&mut self, kind: &TokenKind) -> Option<Span> {
        if &self.peek().kind == kind {
            Some(self.bump().span)
        } else {
            None
        }
    }

    fn expected(&self, what: &str) -> Box<Diagnostic> {
        let t = self.peek();
        let found = match &t.kind {
            TokenKind::Word { .. } => format!("`{}`", t.span.slice(self.src)),
            other => other.describe().to_string(),
        };
        Box::new(
            Diagnostic::error(E_EXPECTED, format!("expected {what}, found {found}"))
                .with_label(t.span, format!("expected {what}")),
        )
    }

    fn expect(&mut self, kind: &TokenKind) -> PResult<Span> {
        self.eat(kind).ok_or_else(|| self.expected(kind.describe()))
    }

    fn expect_word(&mut self, word: &str) -> PResult<Span> {
        self.eat_word(word)
            .ok_or_else(|| self.expected(&format!("`{word}`")))
    }

    fn expect_eof(&mut self) -> PResult<()> {
        if self.peek().kind == TokenKind::Eof {
            Ok(())
        } else {
            Err(self.expected("the end of the query"))
        }
    }

    /// The span from `start` to the end of the last consumed token.
    fn since(&self, start: Span) -> Span {
        let last = self.tokens[self.pos.saturating_sub(1)].span;
        start.to(last)
    }

    fn enter(&mut self, span: Span) -> PResult<()> {
        self.depth += 1;
        self.nesting += 1;
        if self.depth > MAX_DEPTH || self.nesting > MAX_NESTING {
            return Err(Box::new(too_deep(span)));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
        self.nesting -= 1;
    }
}

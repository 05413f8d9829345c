//! EQL tokens and the words the parser treats as keywords.

use crate::span::Span;

#[derive(Clone, Debug, PartialEq)]
pub enum TokenKind {
    /// An unquoted identifier or keyword; its text is the span's. `tilde` marks a `~` written
    /// right after it (`like~`, `startsWith~`).
    Word {
        tilde: bool,
    },
    /// A backtick-quoted identifier, unquoted (doubled backticks become one).
    QuotedIdent(String),
    Integer(u64),
    Decimal(f64),
    /// A string literal after escape processing (`"…"` or raw `"""…"""`).
    String(String),
    Pipe,
    Comma,
    Dot,
    LParen,
    RParen,
    LBracket,
    RBracket,
    /// `![`, the opening of a missing-event query.
    BangBracket,
    EqEq,
    NotEq,
    Lt,
    Le,
    Gt,
    Ge,
    Assign,
    Colon,
    Plus,
    Minus,
    Star,
    Slash,
    Percent,
    /// `?` before an optional field name.
    Question,
    Eof,
}

impl TokenKind {
    /// How a token is named in "expected …, found …" messages.
    pub fn describe(&self) -> &'static str {
        match self {
            TokenKind::Word { .. } => "a word",
            TokenKind::QuotedIdent(_) => "a quoted identifier",
            TokenKind::Integer(_) => "an integer",
            TokenKind::Decimal(_) => "a decimal number",
            TokenKind::String(_) => "a string",
            TokenKind::Pipe => "`|`",
            TokenKind::Comma => "`,`",
            TokenKind::Dot => "`.`",
            TokenKind::LParen => "`(`",
            TokenKind::RParen => "`)`",
            TokenKind::LBracket => "`[`",
            TokenKind::RBracket => "`]`",
            TokenKind::BangBracket => "`![`",
            TokenKind::EqEq => "`==`",
            TokenKind::NotEq => "`!=`",
            TokenKind::Lt => "`<`",
            TokenKind::Le => "`<=`",
            TokenKind::Gt => "`>`",
            TokenKind::Ge => "`>=`",
            TokenKind::Assign => "`=`",
            TokenKind::Colon => "`:`",
            TokenKind::Plus => "`+`",
            TokenKind::Minus => "`-`",
            TokenKind::Star => "`*`",
            TokenKind::Slash => "`/`",
            TokenKind::Percent => "`%`",
            TokenKind::Question => "`?`",
            TokenKind::Eof => "the end of the query",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Token {
    pub kind: TokenKind,
    pub span: Span,
}

/// Words Elasticsearch's EQL grammar reserves (lower case only: EQL keywords are case-sensitive).
/// A field or category with one of these names must be quoted.
pub const KEYWORDS: [&str; 19] = [
    "and", "any", "by", "false", "fork", "in", "join", "like", "maxspan", "not", "null", "of",
    "or", "regex", "sample", "sequence", "true", "until", "where",
];

/// `with` is a keyword too, kept apart so the list above stays the grammar's `KEYWORDS`.
pub fn is_keyword(word: &str) -> bool {
    word == "with" || KEYWORDS.contains(&word)
}

//! ES|QL tokens, the words the parser treats as keywords, and the time-span units.

use crate::span::Span;

#[derive(Clone, Debug, PartialEq)]
pub enum TokenKind {
    /// An unquoted identifier or keyword (`where`, `user`, `@timestamp`); its text is the span's.
    Word,
    /// A backtick-quoted identifier part, unquoted (doubled backticks become one).
    QuotedIdent(String),
    Integer(u64),
    Decimal(f64),
    /// A string literal after escape processing; `triple` for `"""…"""`.
    String {
        value: String,
        triple: bool,
    },
    Pipe,
    Comma,
    Dot,
    LParen,
    RParen,
    LBracket,
    RBracket,
    LBrace,
    RBrace,
    EqEq,
    NotEq,
    Lt,
    Le,
    Gt,
    Ge,
    EqTilde,
    Assign,
    Plus,
    Minus,
    Star,
    Slash,
    Percent,
    ColonColon,
    Colon,
    Question,
    Eof,
}

impl TokenKind {
    /// How a token is named in "expected …, found …" messages.
    pub fn describe(&self) -> &'static str {
        match self {
            TokenKind::Word => "a word",
            TokenKind::QuotedIdent(_) => "a quoted identifier",
            TokenKind::Integer(_) => "an integer",
            TokenKind::Decimal(_) => "a decimal number",
            TokenKind::String { .. } => "a string",
            TokenKind::Pipe => "`|`",
            TokenKind::Comma => "`,`",
            TokenKind::Dot => "`.`",
            TokenKind::LParen => "`(`",
            TokenKind::RParen => "`)`",
            TokenKind::LBracket => "`[`",
            TokenKind::RBracket => "`]`",
            TokenKind::LBrace => "`{`",
            TokenKind::RBrace => "`}`",
            TokenKind::EqEq => "`==`",
            TokenKind::NotEq => "`!=`",
            TokenKind::Lt => "`<`",
            TokenKind::Le => "`<=`",
            TokenKind::Gt => "`>`",
            TokenKind::Ge => "`>=`",
            TokenKind::EqTilde => "`=~`",
            TokenKind::Assign => "`=`",
            TokenKind::Plus => "`+`",
            TokenKind::Minus => "`-`",
            TokenKind::Star => "`*`",
            TokenKind::Slash => "`/`",
            TokenKind::Percent => "`%`",
            TokenKind::ColonColon => "`::`",
            TokenKind::Colon => "`:`",
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

/// Words the expression parser acts on where an operand or operator may stand, so they cannot
/// start an unquoted column name (`` `by` `` can).
pub const RESERVED_WORDS: &[&str] = &[
    "and", "or", "not", "in", "is", "like", "rlike", "null", "true", "false", "by", "where",
];

/// Every word with a meaning after an expression or inside a command. None of them is read as
/// a time-span unit after an integer (`SORT 5 DESC`), and the printer backtick-quotes name parts
/// spelled like one, so its output never depends on a word's context.
pub const KEYWORDS: &[&str] = &[
    "and", "or", "not", "in", "is", "like", "rlike", "null", "true", "false", "by", "where", "as",
    "asc", "desc", "nulls", "first", "last", "metadata", "on", "with",
];

pub fn is_reserved(word: &str) -> bool {
    RESERVED_WORDS.iter().any(|r| r.eq_ignore_ascii_case(word))
}

pub fn is_keyword(word: &str) -> bool {
    KEYWORDS.iter().any(|r| r.eq_ignore_ascii_case(word))
}

/// Time-span units accepted by Elasticsearch's `EsqlDataTypeConverter.parseTemporalAmount`
/// (notes §13). `m` is deliberately absent: Elasticsearch rejects it (see docs/esql-semantics.md).
pub const TIME_UNITS: &[&str] = &[
    "millisecond",
    "milliseconds",
    "ms",
    "second",
    "seconds",
    "sec",
    "s",
    "minute",
    "minutes",
    "min",
    "hour",
    "hours",
    "h",
    "day",
    "days",
    "d",
    "week",
    "weeks",
    "w",
    "month",
    "months",
    "mo",
    "quarter",
    "quarters",
    "q",
    "year",
    "years",
    "yr",
    "y",
];

pub fn is_time_unit(word: &str) -> bool {
    TIME_UNITS.iter().any(|u| u.eq_ignore_ascii_case(word))
}

/// True when `text` can be written as an unquoted identifier part (`user`, `_id`, `@timestamp`).
pub fn is_plain_identifier(text: &str) -> bool {
    let mut chars = text.chars();
    let ok_start = match chars.next() {
        Some(c) if c.is_ascii_alphabetic() => true,
        Some('_' | '@') => text.len() > 1,
        _ => false,
    };
    ok_start
        && text[1..]
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
}

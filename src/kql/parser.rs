//! A recursive-descent reading of Kibana's kuery grammar (`grammar.peggy` in `kbn-es-query`),
//! rule for rule, with the same ordered choices and backtracking. A failed parse reports the
//! furthest position any alternative reached and what would have been accepted there, as
//! peggy does.

use super::ast::{Literal, Node, NodeKind, Query, RangeOp, Value, ValueKind};
use super::lexer::{self, ScanError};
use super::{E_DEPTH, E_EXPECTED, E_TOO_LONG, E_UNTERMINATED, MAX_DEPTH, MAX_QUERY_BYTES};
use crate::diagnostic::Diagnostic;
use crate::span::Span;

/// Parse failure inside one alternative: try the next one (`Soft`) or stop (`Hard`).
enum Fail {
    Soft,
    Hard,
}

type Parsed<T> = Result<T, Fail>;

struct Parser<'a> {
    text: &'a str,
    depth: usize,
    /// Furthest offset a failed alternative reached and what it expected there.
    furthest: usize,
    expected: Vec<&'static str>,
    hard: Option<Diagnostic>,
}

pub fn parse_query(text: &str) -> Result<Query, Diagnostic> {
    if text.len() > MAX_QUERY_BYTES {
        return Err(Diagnostic::error(
            E_TOO_LONG,
            format!("the KQL query is longer than {MAX_QUERY_BYTES} bytes"),
        )
        .with_label(Span::new(0, 0), "query starts here"));
    }
    let mut parser = Parser {
        text,
        depth: 0,
        furthest: 0,
        expected: Vec::new(),
        hard: None,
    };
    let start = lexer::spaces(text, 0);
    let root = if start == text.len() {
        None
    } else {
        match parser.or_query(start) {
            Ok((node, end)) => {
                let end = end + lexer::spaces(text, end);
                if end != text.len() {
                    parser.expect(end, "`and`, `or` or the end of the query");
                    return Err(parser.error());
                }
                Some(node)
            }
            Err(_) => return Err(parser.error()),
        }
    };
    Ok(Query {
        root,
        span: Span::new(0, text.len()),
    })
}

impl<'a> Parser<'a> {
    fn expect(&mut self, at: usize, what: &'static str) {
        if at > self.furthest {
            self.furthest = at;
            self.expected.clear();
        }
        if at == self.furthest && !self.expected.contains(&what) {
            self.expected.push(what);
        }
    }

    fn error(&mut self) -> Diagnostic {
        if let Some(hard) = self.hard.take() {
            return hard;
        }
        let at = self.furthest;
        let found = match self.text[at..].chars().next() {
            None => "the end of the query".to_string(),
            Some(c) => format!("`{}`", c.escape_default()),
        };
        let width = self.text[at..].chars().next().map_or(0, char::len_utf8);
        let expected = match self.expected.as_slice() {
            [] => "more".to_string(),
            [one] => one.to_string(),
            [init @ .., last] => format!("{} or {last}", init.join(", ")),
        };
        Diagnostic::error(E_EXPECTED, format!("expected {expected}, found {found}"))
            .with_label(Span::new(at, at + width), format!("found {found}"))
    }

    fn hard(&mut self, diagnostic: Diagnostic) -> Fail {
        if self.hard.is_none() {
            self.hard = Some(diagnostic);
        }
        Fail::Hard
    }

    fn enter(&mut self, at: usize) -> Parsed<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            let diagnostic = Diagnostic::error(
                E_DEPTH,
                format!("the query nests more than {MAX_DEPTH} levels deep"),
            )
            .with_label(Span::new(at, at + 1), "too deep here");
            return Err(self.hard(diagnostic));
        }
        Ok(())
    }

    /// `OrQuery = AndQuery (Or AndQuery)*`.
    fn or_query(&mut self, at: usize) -> Parsed<(Node, usize)> {
        self.binary_query(at, "or")
    }

    fn binary_query(&mut self, at: usize, word: &'static str) -> Parsed<(Node, usize)> {
        let operand = |p: &mut Self, at| {
            if word == "or" {
                p.binary_query(at, "and")
            } else {
                p.not_query(at)
            }
        };
        let (first, mut end) = operand(self, at)?;
        let mut nodes = vec![first];
        while let Some(len) = lexer::binary_keyword(self.text, end, word) {
            match operand(self, end + len) {
                Ok((node, next)) => {
                    nodes.push(node);
                    end = next;
                }
                Err(Fail::Hard) => return Err(Fail::Hard),
                Err(Fail::Soft) => break,
            }
        }
        if nodes.len() == 1 {
            return Ok((nodes.pop().expect("one node"), end));
        }
        let span = Span::new(at, end);
        let kind = if word == "or" {
            NodeKind::Or(nodes)
        } else {
            NodeKind::And(nodes)
        };
        Ok((Node { kind, span }, end))
    }

    /// `NotQuery = Not SubQuery / SubQuery`.
    fn not_query(&mut self, at: usize) -> Parsed<(Node, usize)> {
        if let Some(len) = lexer::not_keyword(self.text, at) {
            match self.sub_query(at + len) {
                Ok((node, end)) => {
                    let span = Span::new(at, end);
                    return Ok((
                        Node {
                            kind: NodeKind::Not(Box::new(node)),
                            span,
                        },
                        end,
                    ));
                }
                Err(Fail::Hard) => return Err(Fail::Hard),
                Err(Fail::Soft) => {}
            }
        }
        self.sub_query(at)
    }

    /// `SubQuery = '(' Space* OrQuery Space* ')' / NestedQuery`.
    fn sub_query(&mut self, at: usize) -> Parsed<(Node, usize)> {
        if self.text[at..].starts_with('(') {
            self.enter(at)?;
            let inner = at + 1 + lexer::spaces(self.text, at + 1);
            let result = self.or_query(inner);
            self.depth -= 1;
            match result {
                Ok((mut node, end)) => {
                    let end = end + lexer::spaces(self.text, end);
                    if self.text[end..].starts_with(')') {
                        node.span = Span::new(at, end + 1);
                        return Ok((node, end + 1));
                    }
                    self.expect(end, "`)`");
                }
                Err(Fail::Hard) => return Err(Fail::Hard),
                Err(Fail::Soft) => {}
            }
        } else {
            self.expect(at, "`(`");
        }
        self.nested_query(at)
    }

    /// `NestedQuery = Field Space* ':' Space* '{' Space* OrQuery Space* '}' / Expression`.
    fn nested_query(&mut self, at: usize) -> Parsed<(Node, usize)> {
        if let Some((field, after)) = self.literal(at)? {
            let colon = after + lexer::spaces(self.text, after);
            if self.text[colon..].starts_with(':') {
                let brace = colon + 1 + lexer::spaces(self.text, colon + 1);
                if self.text[brace..].starts_with('{') {
                    self.enter(brace)?;
                    let inner = brace + 1 + lexer::spaces(self.text, brace + 1);
                    let result = self.or_query(inner);
                    self.depth -= 1;
                    match result {
                        Ok((node, end)) => {
                            let end = end + lexer::spaces(self.text, end);
                            if self.text[end..].starts_with('}') {
                                let span = Span::new(at, end + 1);
                                let kind = NodeKind::Nested {
                                    field,
                                    query: Box::new(node),
                                };
                                return Ok((Node { kind, span }, end + 1));
                            }
                            self.expect(end, "`}`");
                        }
                        Err(Fail::Hard) => return Err(Fail::Hard),
                        Err(Fail::Soft) => {}
                    }
                }
            }
        }
        self.expression(at)
    }

    /// `Expression = FieldRangeExpression / FieldValueExpression / ValueExpression`.
    fn expression(&mut self, at: usize) -> Parsed<(Node, usize)> {
        let Some((field, after)) = self.literal(at)? else {
            self.expect(at, "a field name or value");
            return Err(Fail::Soft);
        };
        let op_at = after + lexer::spaces(self.text, after);
        let rest = &self.text[op_at..];
        let op = [
            ("<=", RangeOp::Lte),
            (">=", RangeOp::Gte),
            ("<", RangeOp::Lt),
            (">", RangeOp::Gt),
        ]
        .into_iter()
        .find(|(symbol, _)| rest.starts_with(symbol));
        if let Some((symbol, op)) = op {
            let value_at = op_at + symbol.len();
            let value_at = value_at + lexer::spaces(self.text, value_at);
            if let Some((value, end)) = self.literal(value_at)? {
                let kind = NodeKind::Range { field, op, value };
                return Ok((
                    Node {
                        kind,
                        span: Span::new(at, end),
                    },
                    end,
                ));
            }
            self.expect(value_at, "a value");
        } else if rest.starts_with(':') {
            let value_at = op_at + 1 + lexer::spaces(self.text, op_at + 1);
            match self.list_of_values(value_at) {
                Ok((value, end)) => {
                    let kind = NodeKind::Match { field, value };
                    return Ok((
                        Node {
                            kind,
                            span: Span::new(at, end),
                        },
                        end,
                    ));
                }
                Err(Fail::Hard) => return Err(Fail::Hard),
                Err(Fail::Soft) => {}
            }
        } else {
            self.expect(op_at, "`:`, `<`, `<=`, `>` or `>=`");
        }
        // ValueExpression: a lone value.
        let span = field.span;
        Ok((
            Node {
                kind: NodeKind::FreeText(field),
                span,
            },
            after,
        ))
    }

    /// `ListOfValues = '(' Space* OrListOfValues Space* ')' / Value`.
    fn list_of_values(&mut self, at: usize) -> Parsed<(Value, usize)> {
        if self.text[at..].starts_with('(') {
            self.enter(at)?;
            let inner = at + 1 + lexer::spaces(self.text, at + 1);
            let result = self.value_list(inner, "or");
            self.depth -= 1;
            match result {
                Ok((mut value, end)) => {
                    let end = end + lexer::spaces(self.text, end);
                    if self.text[end..].starts_with(')') {
                        value.span = Span::new(at, end + 1);
                        return Ok((value, end + 1));
                    }
                    self.expect(end, "`)`");
                }
                Err(Fail::Hard) => return Err(Fail::Hard),
                Err(Fail::Soft) => {}
            }
        } else {
            self.expect(at, "`(`");
        }
        match self.literal(at)? {
            Some((literal, end)) => {
                let span = literal.span;
                Ok((
                    Value {
                        kind: ValueKind::Term(literal),
                        span,
                    },
                    end,
                ))
            }
            None => {
                self.expect(at, "a value");
                Err(Fail::Soft)
            }
        }
    }

    /// `OrListOfValues` and `AndListOfValues`.
    fn value_list(&mut self, at: usize, word: &'static str) -> Parsed<(Value, usize)> {
        let operand = |p: &mut Self, at| {
            if word == "or" {
                p.value_list(at, "and")
            } else {
                p.not_list(at)
            }
        };
        let (first, mut end) = operand(self, at)?;
        let mut items = vec![first];
        while let Some(len) = lexer::binary_keyword(self.text, end, word) {
            match operand(self, end + len) {
                Ok((item, next)) => {
                    items.push(item);
                    end = next;
                }
                Err(Fail::Hard) => return Err(Fail::Hard),
                Err(Fail::Soft) => break,
            }
        }
        if items.len() == 1 {
            return Ok((items.pop().expect("one item"), end));
        }
        let kind = if word == "or" {
            ValueKind::Or(items)
        } else {
            ValueKind::And(items)
        };
        Ok((
            Value {
                kind,
                span: Span::new(at, end),
            },
            end,
        ))
    }

    /// `NotListOfValues = Not ListOfValues / ListOfValues`.
    fn not_list(&mut self, at: usize) -> Parsed<(Value, usize)> {
        if let Some(len) = lexer::not_keyword(self.text, at) {
            match self.list_of_values(at + len) {
                Ok((value, end)) => {
                    let kind = ValueKind::Not(Box::new(value));
                    return Ok((
                        Value {
                            kind,
                            span: Span::new(at, end),
                        },
                        end,
                    ));
                }
                Err(Fail::Hard) => return Err(Fail::Hard),
                Err(Fail::Soft) => {}
            }
        }
        self.list_of_values(at)
    }

    /// `Literal = QuotedString / UnquotedLiteral`. An unterminated quote is a hard error.
    fn literal(&mut self, at: usize) -> Parsed<Option<(Literal, usize)>> {
        if self.text[at..].starts_with('"') {
            return match lexer::quoted(self.text, at) {
                Ok(found) => Ok(Some(found)),
                Err(ScanError::Unterminated(span)) => {
                    let diagnostic =
                        Diagnostic::error(E_UNTERMINATED, "unterminated quoted string")
                            .with_label(span, "this quote is never closed")
                            .with_help("close it with `\"`; write a quote inside as `\\\"`");
                    Err(self.hard(diagnostic))
                }
            };
        }
        Ok(lexer::unquoted(self.text, at))
    }
}

//! Expression parsing, one function per precedence level of notes §3.2, lowest first:
//! `OR` < `AND` < `NOT` < predicates (`IN`, `IS NULL`, `LIKE`, `RLIKE`, `:`) < comparisons
//! (not associative) < `+ -` < `* / %` < unary sign < `::` cast < primary.

use crate::diagnostic::Diagnostic;
use crate::esql::ast::*;
use crate::esql::token::{is_time_unit, TokenKind};
use crate::span::Span;

use super::{
    too_deep, PResult, Parser, E_EXPECTED, E_LIKE_PATTERN, E_NUMBER, E_TIME_UNIT, MAX_DEPTH,
};

impl Parser<'_> {
    /// A whole boolean expression (the body of `WHERE`, an `EVAL` value, a function argument).
    pub(super) fn expr(&mut self) -> PResult<Expr> {
        let start = self.peek()?.span;
        self.enter(start)?;
        let result = self.or();
        self.leave();
        result
    }

    /// Left-associative chain of one operator level. Each link counts against the depth limit
    /// because it deepens the tree as much as a nesting level does.
    fn chain(
        &mut self,
        operand: fn(&mut Self) -> PResult<Expr>,
        operator: fn(&mut Self) -> PResult<Option<BinaryKind>>,
    ) -> PResult<Expr> {
        let mut left = operand(self)?;
        let mut links = 0;
        while let Some(op) = operator(self)? {
            links += 1;
            if self.depth + links > MAX_DEPTH {
                return Err(Box::new(too_deep(left.span, MAX_DEPTH)));
            }
            let right = operand(self)?;
            let span = left.span.to(right.span);
            let (left_box, right_box) = (Box::new(left), Box::new(right));
            let kind = match op {
                BinaryKind::Or => ExprKind::Or(left_box, right_box),
                BinaryKind::And => ExprKind::And(left_box, right_box),
                BinaryKind::Arith(op) => ExprKind::Binary {
                    op,
                    left: left_box,
                    right: right_box,
                },
            };
            left = Expr { kind, span };
        }
        Ok(left)
    }

    fn or(&mut self) -> PResult<Expr> {
        self.chain(Self::and, |p| Ok(p.eat_word("or")?.map(|_| BinaryKind::Or)))
    }

    fn and(&mut self) -> PResult<Expr> {
        self.chain(Self::not, |p| {
            Ok(p.eat_word("and")?.map(|_| BinaryKind::And))
        })
    }

    fn not(&mut self) -> PResult<Expr> {
        if let Some(keyword) = self.eat_word("not")? {
            self.enter(keyword)?;
            let operand = self.not();
            self.leave();
            let operand = operand?;
            return Ok(Expr {
                span: keyword.to(operand.span),
                kind: ExprKind::Not(Box::new(operand)),
            });
        }
        self.predicate()
    }

    /// A value optionally followed by one predicate: `[NOT] IN (…)`, `IS [NOT] NULL`,
    /// `[NOT] LIKE …`, `[NOT] RLIKE …`, or the match operator `: query`.
    fn predicate(&mut self) -> PResult<Expr> {
        let value = self.comparison()?;
        let start = value.span;
        let negated = if self.at_word("not")? {
            let second = self.peek_second()?;
            let next = second.span.slice(self.src).to_ascii_lowercase();
            if second.kind == TokenKind::Word && matches!(next.as_str(), "in" | "like" | "rlike") {
                self.bump()?;
                true
            } else {
                return Ok(value);
            }
        } else {
            false
        };
        let kind = if self.eat_word("in")?.is_some() {
            self.expect(&TokenKind::LParen)?;
            let mut list = vec![self.list_item()?];
            while self.eat(&TokenKind::Comma)?.is_some() {
                list.push(self.list_item()?);
            }
            self.expect(&TokenKind::RParen)?;
            ExprKind::In {
                value: Box::new(value),
                list,
                negated,
            }
        } else if self.eat_word("like")?.is_some() {
            self.like(value, PatternKind::Like, negated)?
        } else if self.eat_word("rlike")?.is_some() {
            self.like(value, PatternKind::Rlike, negated)?
        } else if negated {
            return Err(self.unexpected("`IN`, `LIKE` or `RLIKE` after `NOT`")?);
        } else if self.eat_word("is")?.is_some() {
            let negated = self.eat_word("not")?.is_some();
            self.expect_word("null")?;
            ExprKind::IsNull {
                value: Box::new(value),
                negated,
            }
        } else if self.eat(&TokenKind::Colon)?.is_some() {
            let query = self.primary()?;
            ExprKind::Match {
                field: Box::new(value),
                query: Box::new(query),
            }
        } else {
            return Ok(value);
        };
        Ok(Expr {
            kind,
            span: self.span_from(start.start),
        })
    }

    fn list_item(&mut self) -> PResult<Expr> {
        let start = self.peek()?.span;
        self.enter(start)?;
        let item = self.comparison();
        self.leave();
        item
    }

    /// The right-hand side of `LIKE`/`RLIKE`: a string literal, a parenthesised list of string
    /// literals, or (Elasticsearch's `like_rlike_constant_expression`) one primary expression
    /// with optional casts, which the engine must fold to a constant string.
    fn like(&mut self, value: Expr, kind: PatternKind, negated: bool) -> PResult<ExprKind> {
        let patterns = match self.peek()?.kind {
            TokenKind::LParen => self.parenthesised_patterns()?,
            _ => single_pattern(self.cast()?),
        };
        if let (PatternKind::Like, LikePatterns::Literals(literals)) = (kind, &patterns) {
            for pattern in literals {
                check_like_pattern(pattern)?;
            }
        }
        Ok(ExprKind::Like {
            value: Box::new(value),
            patterns,
            kind,
            negated,
        })
    }

    /// `("a*", "b?")` (a list of literals), `("a*")` (one literal) or `(expr)` (an expression,
    /// possibly cast afterwards): which one shows only after the first item.
    fn parenthesised_patterns(&mut self) -> PResult<LikePatterns> {
        let open = self.bump()?.span;
        let first = self.expr()?;
        if matches!(self.peek_kind()?, TokenKind::Comma) {
            let ExprKind::Literal(Literal::String(value)) = first.kind else {
                return Err(Box::new(
                    Diagnostic::error(E_EXPECTED, "expected a pattern string in a pattern list")
                        .with_label(first.span, "not a string literal")
                        .with_help("a LIKE/RLIKE list takes string literals only; a constant expression pattern stands alone"),
                ));
            };
            let mut literals = vec![StringLiteral {
                value,
                span: first.span,
            }];
            while self.eat(&TokenKind::Comma)?.is_some() {
                literals.push(self.string_literal("a pattern string")?);
            }
            self.expect(&TokenKind::RParen)?;
            return Ok(LikePatterns::Literals(literals));
        }
        if self.eat(&TokenKind::RParen)?.is_none() {
            let error = self.unexpected("`,` or `)`")?;
            return Err(Box::new(error.with_label(open, "to close this")));
        }
        let cast_follows = matches!(self.peek_kind()?, TokenKind::ColonColon);
        if let (ExprKind::Literal(Literal::String(value)), false) = (&first.kind, cast_follows) {
            return Ok(LikePatterns::Literals(vec![StringLiteral {
                value: value.clone(),
                span: first.span,
            }]));
        }
        // The tree has no parenthesis node; the span widens to cover the parentheses.
        let inner = Expr {
            kind: first.kind,
            span: self.span_from(open.start),
        };
        Ok(single_pattern(self.casts(inner)?))
    }

    /// `a == b` and friends: at most one comparison (`a < b < c` is an error in ES|QL).
    fn comparison(&mut self) -> PResult<Expr> {
        let left = self.additive()?;
        let op = match self.peek_kind()? {
            TokenKind::EqEq => BinaryOp::Eq,
            TokenKind::NotEq => BinaryOp::Neq,
            TokenKind::Lt => BinaryOp::Lt,
            TokenKind::Le => BinaryOp::Lte,
            TokenKind::Gt => BinaryOp::Gt,
            TokenKind::Ge => BinaryOp::Gte,
            TokenKind::EqTilde => BinaryOp::EqIgnoreCase,
            _ => return Ok(left),
        };
        self.bump()?;
        let right = self.additive()?;
        if let Some(op) = comparison_token(self.peek_kind()?) {
            let at = self.peek()?.span;
            return Err(Box::new(
                Diagnostic::error(
                    E_EXPECTED,
                    format!("comparisons do not chain: unexpected `{op}`"),
                )
                .with_label(at, "a second comparison")
                .with_help("combine comparisons with AND: `a < b AND b < c`"),
            ));
        }
        Ok(Expr {
            span: left.span.to(right.span),
            kind: ExprKind::Binary {
                op,
                left: Box::new(left),
                right: Box::new(right),
            },
        })
    }

    fn additive(&mut self) -> PResult<Expr> {
        self.chain(Self::multiplicative, |p| {
            let op = match p.peek_kind()? {
                TokenKind::Plus => BinaryOp::Add,
                TokenKind::Minus => BinaryOp::Sub,
                _ => return Ok(None),
            };
            p.bump()?;
            Ok(Some(BinaryKind::Arith(op)))
        })
    }

    fn multiplicative(&mut self) -> PResult<Expr> {
        self.chain(Self::unary, |p| {
            let op = match p.peek_kind()? {
                TokenKind::Star => BinaryOp::Mul,
                TokenKind::Slash => BinaryOp::Div,
                TokenKind::Percent => BinaryOp::Mod,
                _ => return Ok(None),
            };
            p.bump()?;
            Ok(Some(BinaryKind::Arith(op)))
        })
    }

    fn unary(&mut self) -> PResult<Expr> {
        let op = match self.peek_kind()? {
            TokenKind::Minus => UnaryOp::Neg,
            TokenKind::Plus => UnaryOp::Plus,
            _ => return self.cast(),
        };
        let sign = self.bump()?.span;
        self.enter(sign)?;
        let operand = self.unary();
        self.leave();
        let operand = operand?;
        Ok(Expr {
            span: sign.to(operand.span),
            kind: ExprKind::Unary {
                op,
                operand: Box::new(operand),
            },
        })
    }

    /// `primary (:: type)*`: casts bind tighter than anything else.
    fn cast(&mut self) -> PResult<Expr> {
        let value = self.primary()?;
        self.casts(value)
    }

    /// The `(:: type)*` suffix of an already parsed primary.
    fn casts(&mut self, mut value: Expr) -> PResult<Expr> {
        let mut links = 0;
        while self.eat(&TokenKind::ColonColon)?.is_some() {
            links += 1;
            if self.depth + links > MAX_DEPTH {
                return Err(Box::new(too_deep(value.span, MAX_DEPTH)));
            }
            let Some(word) = self.peek_word()? else {
                return Err(self.unexpected("a type name")?);
            };
            let name = word.to_ascii_lowercase();
            let span = self.bump()?.span;
            value = Expr {
                span: value.span.to(span),
                kind: ExprKind::Cast {
                    value: Box::new(value),
                    target: Name { name, span },
                },
            };
        }
        Ok(value)
    }

    /// Literal, column, function call, array or parenthesised expression.
    pub(super) fn primary(&mut self) -> PResult<Expr> {
        let token = self.peek()?.clone();
        let literal = |kind, span| {
            Ok(Expr {
                kind: ExprKind::Literal(kind),
                span,
            })
        };
        match token.kind {
            TokenKind::Integer(value) => {
                self.bump()?;
                self.integer_or_time_span(value, token.span)
            }
            // Elasticsearch's `StringUtils.parseDouble` refuses a number beyond a double's range
            // ("Number [3e333] is too large") rather than read it as infinity, which no literal
            // could print back.
            TokenKind::Decimal(value) if !value.is_finite() => Err(Box::new(
                Diagnostic::error(
                    E_NUMBER,
                    format!("Number [{}] is too large", token.span.slice(self.src)),
                )
                .with_label(token.span, "beyond the range of a double"),
            )),
            TokenKind::Decimal(value) => {
                self.bump()?;
                literal(Literal::Decimal(value), token.span)
            }
            TokenKind::String { value, .. } => {
                self.bump()?;
                literal(Literal::String(value), token.span)
            }
            TokenKind::LParen => {
                self.bump()?;
                let inner = self.expr()?;
                if self.eat(&TokenKind::RParen)?.is_none() {
                    let error = self.unexpected("`)`")?;
                    return Err(Box::new(error.with_label(token.span, "to close this")));
                }
                // The tree has no parenthesis node; the span widens to cover the parentheses.
                Ok(Expr {
                    kind: inner.kind,
                    span: self.span_from(token.span.start),
                })
            }
            TokenKind::LBracket => self.array(token.span),
            TokenKind::Word => {
                let word = token.span.slice(self.src);
                let lower = word.to_ascii_lowercase();
                match lower.as_str() {
                    "null" => {
                        self.bump()?;
                        return literal(Literal::Null, token.span);
                    }
                    "true" | "false" => {
                        self.bump()?;
                        return literal(Literal::Boolean(lower == "true"), token.span);
                    }
                    _ => {}
                }
                if self.peek_second()?.kind == TokenKind::LParen {
                    return self.call(lower, token.span);
                }
                self.column()
            }
            TokenKind::QuotedIdent(_) => self.column(),
            _ => Err(self.unexpected("an expression")?),
        }
    }

    fn column(&mut self) -> PResult<Expr> {
        let name = self.expect_name("an expression")?;
        Ok(Expr {
            span: name.span,
            kind: ExprKind::Column(name),
        })
    }

    /// `5`, or a time span `5 minutes` / `1y` when a unit word follows.
    fn integer_or_time_span(&mut self, value: u64, span: Span) -> PResult<Expr> {
        let unit = match self.peek_word()? {
            Some(word) if !crate::esql::token::is_keyword(word) => word,
            _ => {
                return Ok(Expr {
                    kind: ExprKind::Literal(Literal::Integer(value)),
                    span,
                })
            }
        };
        let unit_span = self.bump()?.span;
        if !is_time_unit(unit) {
            let mut diagnostic = Diagnostic::error(
                E_TIME_UNIT,
                format!("unexpected temporal unit `{unit}`"),
            )
            .with_label(unit_span, "not a time-span unit")
            .with_note("units: ms, s/sec/second, min/minute, h/hour, d/day, w/week, mo/month, q/quarter, y/yr/year (and plurals)");
            if unit.eq_ignore_ascii_case("m") {
                diagnostic = diagnostic.with_help(
                    "Elasticsearch does not accept `m`: write `min` or `minute` (or `mo` for months)",
                );
            }
            return Err(Box::new(diagnostic));
        }
        Ok(Expr {
            kind: ExprKind::Literal(Literal::TimeSpan {
                value,
                unit: unit.to_ascii_lowercase(),
            }),
            span: span.to(unit_span),
        })
    }

    fn call(&mut self, name: String, name_span: Span) -> PResult<Expr> {
        self.bump()?;
        self.bump()?; // `(`
        self.enter(name_span)?;
        let result = self.call_arguments();
        self.leave();
        let (args, star) = result?;
        Ok(Expr {
            kind: ExprKind::Call(Call {
                name,
                args,
                star,
                span: self.span_from(name_span.start),
            }),
            span: self.span_from(name_span.start),
        })
    }

    fn call_arguments(&mut self) -> PResult<(Vec<Expr>, bool)> {
        if self.eat(&TokenKind::Star)?.is_some() {
            self.expect(&TokenKind::RParen)?;
            return Ok((Vec::new(), true));
        }
        let mut args = Vec::new();
        if self.eat(&TokenKind::RParen)?.is_none() {
            loop {
                if self.peek_kind()? == &TokenKind::LBrace {
                    args.push(self.map()?);
                } else {
                    args.push(self.expr()?);
                }
                if self.eat(&TokenKind::Comma)?.is_none() {
                    break;
                }
            }
            self.expect(&TokenKind::RParen)?;
        }
        Ok((args, false))
    }

    /// `{"key": constant, …}`, a function's options (Elasticsearch's `mapExpression`).
    fn map(&mut self) -> PResult<Expr> {
        let open = self.bump()?.span;
        self.enter(open)?;
        let result = self.map_entries();
        self.leave();
        Ok(Expr {
            kind: ExprKind::Map(result?),
            span: self.span_from(open.start),
        })
    }

    fn map_entries(&mut self) -> PResult<Vec<MapEntry>> {
        let mut entries = Vec::new();
        if self.eat(&TokenKind::RBrace)?.is_some() {
            return Ok(entries);
        }
        loop {
            let key = self.string_literal("a string key")?;
            self.expect(&TokenKind::Colon)?;
            let value = if self.peek_kind()? == &TokenKind::LBrace {
                self.map()?
            } else {
                let value = self.unary()?;
                if !is_constant(&value)
                    && !matches!(value.kind, ExprKind::Literal(Literal::Array(_)))
                {
                    return Err(Box::new(
                        Diagnostic::error(E_EXPECTED, "option values must be constants")
                            .with_label(value.span, "not a literal"),
                    ));
                }
                value
            };
            entries.push(MapEntry {
                span: key.span.to(value.span),
                key,
                value,
            });
            if self.eat(&TokenKind::Comma)?.is_none() {
                break;
            }
        }
        self.expect(&TokenKind::RBrace)?;
        Ok(entries)
    }

    /// `[1, -2]`, `["a", "b"]`, `[true]`: constants only, as in Elasticsearch.
    fn array(&mut self, open: Span) -> PResult<Expr> {
        self.bump()?;
        let mut items = Vec::new();
        loop {
            let item = self.unary()?;
            if !is_constant(&item) {
                return Err(Box::new(
                    Diagnostic::error(E_EXPECTED, "array elements must be constants")
                        .with_label(item.span, "not a literal"),
                ));
            }
            items.push(item);
            if self.eat(&TokenKind::Comma)?.is_none() {
                break;
            }
        }
        self.expect(&TokenKind::RBracket)?;
        Ok(Expr {
            kind: ExprKind::Literal(Literal::Array(items)),
            span: self.span_from(open.start),
        })
    }
}

fn comparison_token(kind: &TokenKind) -> Option<&'static str> {
    match kind {
        TokenKind::EqEq => Some("=="),
        TokenKind::NotEq => Some("!="),
        TokenKind::Lt => Some("<"),
        TokenKind::Le => Some("<="),
        TokenKind::Gt => Some(">"),
        TokenKind::Ge => Some(">="),
        TokenKind::EqTilde => Some("=~"),
        _ => None,
    }
}

pub(super) enum BinaryKind {
    Or,
    And,
    Arith(BinaryOp),
}

fn is_constant(expr: &Expr) -> bool {
    match &expr.kind {
        ExprKind::Literal(Literal::Array(_)) => false,
        ExprKind::Literal(_) => true,
        ExprKind::Unary { operand, .. } => matches!(
            operand.kind,
            ExprKind::Literal(Literal::Integer(_) | Literal::Decimal(_))
        ),
        _ => false,
    }
}

/// A pattern that is a lone string literal stays a literal (its text is checked and known to
/// every reader); anything else is an expression pattern.
fn single_pattern(pattern: Expr) -> LikePatterns {
    match pattern.kind {
        ExprKind::Literal(Literal::String(value)) => LikePatterns::Literals(vec![StringLiteral {
            value,
            span: pattern.span,
        }]),
        kind => LikePatterns::Expr(Box::new(Expr {
            kind,
            span: pattern.span,
        })),
    }
}

/// A `LIKE` pattern may escape only `*`, `?` and `\` (Elasticsearch's `WildcardPattern`); any
/// other escape, or a trailing backslash, is an error there, so it is one here.
fn check_like_pattern(pattern: &StringLiteral) -> PResult<()> {
    let mut chars = pattern.value.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            continue;
        }
        match chars.next() {
            Some('*' | '?' | '\\') => {}
            Some(other) => {
                return Err(Box::new(Diagnostic::error(
                    E_LIKE_PATTERN,
                    format!("invalid LIKE pattern: `\\{other}` is not an escape"),
                )
                .with_label(pattern.span, "in this pattern")
                .with_help("in LIKE, `\\` escapes only `*`, `?` and `\\`; write `\\\\` for a literal backslash")))
            }
            None => {
                return Err(Box::new(Diagnostic::error(
                    E_LIKE_PATTERN,
                    "invalid LIKE pattern: it ends with a lone `\\`",
                )
                .with_label(pattern.span, "in this pattern")
                .with_help("write `\\\\` for a literal backslash")))
            }
        }
    }
    Ok(())
}

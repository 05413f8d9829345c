//! Conditions: `or` < `and` < `not` < one comparison < `+ -` < `* / %` < unary minus <
//! a primary with its `in`/`:`/`like`/`regex` predicate, as in Elasticsearch's grammar.

use super::{too_deep, PResult, Parser, MAX_DEPTH};
use crate::diagnostic::Diagnostic;
use crate::eql::ast::*;
use crate::eql::token::{is_keyword, TokenKind};
use crate::eql::{E_ARITY, E_FUNCTION, E_PATTERN, E_TILDE, E_UNSUPPORTED};
use crate::span::Span;

impl Parser<'_> {
    pub(super) fn expr(&mut self) -> PResult<Expr> {
        let span = self.peek().span;
        self.enter(span)?;
        let e = self.or_expr();
        self.leave();
        e
    }

    /// Counts one more link of an operator chain against the depth limit; the links stay
    /// counted while the chain's later operands are parsed, and [`Parser::unlink`] drops them.
    fn link(&mut self, links: &mut usize, span: Span) -> PResult<()> {
        *links += 1;
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Box::new(too_deep(span)));
        }
        Ok(())
    }

    fn unlink<T>(&mut self, links: usize, result: PResult<T>) -> PResult<T> {
        self.depth -= links;
        result
    }

    fn or_expr(&mut self) -> PResult<Expr> {
        let mut links = 0;
        let result = self.or_expr_links(&mut links);
        self.unlink(links, result)
    }

    fn or_expr_links(&mut self, links: &mut usize) -> PResult<Expr> {
        let mut left = self.and_expr()?;
        while self.eat_word("or").is_some() {
            self.link(links, left.span)?;
            let right = self.and_expr()?;
            let span = left.span.to(right.span);
            left = Expr::new(ExprKind::Or(Box::new(left), Box::new(right)), span);
        }
        Ok(left)
    }

    fn and_expr(&mut self) -> PResult<Expr> {
        let mut links = 0;
        let result = self.and_expr_links(&mut links);
        self.unlink(links, result)
    }

    fn and_expr_links(&mut self, links: &mut usize) -> PResult<Expr> {
        let mut left = self.not_expr()?;
        while self.eat_word("and").is_some() {
            self.link(links, left.span)?;
            let right = self.not_expr()?;
            let span = left.span.to(right.span);
            left = Expr::new(ExprKind::And(Box::new(left), Box::new(right)), span);
        }
        Ok(left)
    }

    fn not_expr(&mut self) -> PResult<Expr> {
        if let Some(start) = self.eat_word("not") {
            self.enter(start)?;
            let inner = self.not_expr();
            self.leave();
            let inner = inner?;
            let span = start.to(inner.span);
            return Ok(Expr::new(ExprKind::Not(Box::new(inner)), span));
        }
        self.comparison()
    }

    fn comparison(&mut self) -> PResult<Expr> {
        let left = self.additive()?;
        let op = match self.peek().kind {
            TokenKind::EqEq => CompareOp::Eq,
            TokenKind::NotEq => CompareOp::NotEq,
            TokenKind::Lt => CompareOp::Lt,
            TokenKind::Le => CompareOp::Le,
            TokenKind::Gt => CompareOp::Gt,
            TokenKind::Ge => CompareOp::Ge,
            TokenKind::Assign => {
                return Err(Box::new(
                    Diagnostic::error(crate::eql::E_EXPECTED, "`=` is not a comparison in EQL")
                        .with_label(self.peek().span, "use `==`"),
                ))
            }
            _ => return Ok(left),
        };
        self.bump();
        let right = self.additive()?;
        let span = left.span.to(right.span);
        Ok(Expr::new(
            ExprKind::Compare(op, Box::new(left), Box::new(right)),
            span,
        ))
    }

    fn additive(&mut self) -> PResult<Expr> {
        let mut links = 0;
        let result = self.additive_links(&mut links);
        self.unlink(links, result)
    }

    fn additive_links(&mut self, links: &mut usize) -> PResult<Expr> {
        let mut left = self.multiplicative()?;
        loop {
            let op = match self.peek().kind {
                TokenKind::Plus => ArithOp::Add,
                TokenKind::Minus => ArithOp::Sub,
                _ => return Ok(left),
            };
            self.bump();
            self.link(links, left.span)?;
            let right = self.multiplicative()?;
            let span = left.span.to(right.span);
            left = Expr::new(ExprKind::Arith(op, Box::new(left), Box::new(right)), span);
        }
    }

    fn multiplicative(&mut self) -> PResult<Expr> {
        let mut links = 0;
        let result = self.multiplicative_links(&mut links);
        self.unlink(links, result)
    }

    fn multiplicative_links(&mut self, links: &mut usize) -> PResult<Expr> {
        let mut left = self.unary()?;
        loop {
            let op = match self.peek().kind {
                TokenKind::Star => ArithOp::Mul,
                TokenKind::Slash => ArithOp::Div,
                TokenKind::Percent => ArithOp::Mod,
                _ => return Ok(left),
            };
            self.bump();
            self.link(links, left.span)?;
            let right = self.unary()?;
            let span = left.span.to(right.span);
            left = Expr::new(ExprKind::Arith(op, Box::new(left), Box::new(right)), span);
        }
    }

    fn unary(&mut self) -> PResult<Expr> {
        let token = self.peek().clone();
        if matches!(token.kind, TokenKind::Minus | TokenKind::Plus) {
            self.bump();
            self.enter(token.span)?;
            let inner = self.unary();
            self.leave();
            let inner = inner?;
            if token.kind == TokenKind::Plus {
                return Ok(inner);
            }
            let span = token.span.to(inner.span);
            return Ok(Expr::new(ExprKind::Neg(Box::new(inner)), span));
        }
        let primary = self.primary()?;
        self.predicate(primary)
    }

    /// `in`, `not in`, `in~`, `:`, `like`, `like~`, `regex`, `regex~` after a primary.
    fn predicate(&mut self, value: Expr) -> PResult<Expr> {
        let negated = self.at_word("not") && {
            let next = self.peek_at(1);
            matches!(next.kind, TokenKind::Word { .. }) && self.word_text(next) == "in"
        };
        if negated {
            self.bump();
        }
        let token = self.peek().clone();
        let (word, tilde) = match &token.kind {
            TokenKind::Word { tilde } => (self.word_text(&token).to_string(), *tilde),
            TokenKind::Colon => (":".to_string(), false),
            _ => return Ok(value),
        };
        match word.as_str() {
            "in" => {
                self.bump();
                self.expect(&TokenKind::LParen)?;
                let mut list = vec![self.expr()?];
                while self.eat(&TokenKind::Comma).is_some() {
                    list.push(self.expr()?);
                }
                let close = self.expect(&TokenKind::RParen)?;
                let span = value.span.to(close);
                Ok(Expr::new(
                    ExprKind::In {
                        value: Box::new(value),
                        list,
                        negated,
                        insensitive: tilde,
                    },
                    span,
                ))
            }
            ":" | "like" | "regex" => {
                self.bump();
                let op = match word.as_str() {
                    ":" => MatchOp::Colon,
                    "like" => MatchOp::Like,
                    _ => MatchOp::Regex,
                };
                let (patterns, end) = self.patterns()?;
                let span = value.span.to(end);
                Ok(Expr::new(
                    ExprKind::Match {
                        value: Box::new(value),
                        op,
                        insensitive: tilde,
                        patterns,
                    },
                    span,
                ))
            }
            _ if tilde => Err(tilde_error(token.span, &word)),
            _ => Ok(value),
        }
    }

    /// One string constant or a parenthesised list of them.
    fn patterns(&mut self) -> PResult<(Vec<Pattern>, Span)> {
        if let Some(open) = self.eat(&TokenKind::LParen) {
            let mut out = vec![self.pattern()?];
            while self.eat(&TokenKind::Comma).is_some() {
                out.push(self.pattern()?);
            }
            let close = self.expect(&TokenKind::RParen)?;
            return Ok((out, open.to(close)));
        }
        let p = self.pattern()?;
        let span = p.span;
        Ok((vec![p], span))
    }

    fn pattern(&mut self) -> PResult<Pattern> {
        let token = self.peek().clone();
        match token.kind {
            TokenKind::String(text) => {
                self.bump();
                Ok(Pattern {
                    text,
                    span: token.span,
                })
            }
            _ => Err(Box::new(
                Diagnostic::error(
                    E_PATTERN,
                    "`:`, `like` and `regex` take string constants only",
                )
                .with_label(token.span, "expected a string"),
            )),
        }
    }

    fn primary(&mut self) -> PResult<Expr> {
        let token = self.peek().clone();
        let literal = |lit| Ok(Expr::new(ExprKind::Literal(lit), token.span));
        match &token.kind {
            TokenKind::Integer(n) => {
                self.bump();
                match i64::try_from(*n) {
                    Ok(v) => literal(Literal::Integer(v)),
                    Err(_) => Err(Box::new(
                        Diagnostic::error(
                            crate::eql::E_NUMBER,
                            format!("number `{n}` is out of range"),
                        )
                        .with_label(token.span, "larger than a long"),
                    )),
                }
            }
            TokenKind::Decimal(v) => {
                self.bump();
                literal(Literal::Decimal(*v))
            }
            TokenKind::String(s) => {
                self.bump();
                literal(Literal::String(s.clone()))
            }
            TokenKind::LParen => {
                self.bump();
                let inner = self.expr()?;
                let close = self.expect(&TokenKind::RParen)?;
                Ok(Expr::new(inner.kind, token.span.to(close)))
            }
            TokenKind::Question => {
                self.bump();
                let mut field = self.field()?;
                if let ExprKind::Field(f) = &mut field.kind {
                    f.optional = true;
                }
                field.span = token.span.to(field.span);
                Ok(field)
            }
            TokenKind::Word { tilde } => {
                let word = self.word_text(&token).to_string();
                if self.peek_at(1).kind == TokenKind::LParen {
                    return self.call(&word, *tilde, token.span);
                }
                if *tilde {
                    return Err(tilde_error(token.span, &word));
                }
                match word.as_str() {
                    "null" => {
                        self.bump();
                        literal(Literal::Null)
                    }
                    "true" | "false" => {
                        self.bump();
                        literal(Literal::Bool(word == "true"))
                    }
                    _ if self.at_word_ahead(1, "of") => Err(Box::new(
                        Diagnostic::error(
                            E_UNSUPPORTED,
                            format!("`{word} of [...]` is not supported by Elasticsearch's EQL"),
                        )
                        .with_label(token.span, "lineage queries are not supported"),
                    )),
                    _ => self.field(),
                }
            }
            TokenKind::QuotedIdent(_) => self.field(),
            _ => Err(self.expected("a value, field or function")),
        }
    }

    /// `a.b.c`, `` `a-b`.c ``; a keyword after a dot is a name (`event.any` reads as written).
    fn field(&mut self) -> PResult<Expr> {
        let first = self.peek().clone();
        let mut name = match &first.kind {
            TokenKind::Word { tilde: false } if !is_keyword(self.word_text(&first)) => {
                self.word_text(&first).to_string()
            }
            TokenKind::QuotedIdent(s) => s.clone(),
            _ => return Err(self.expected("a field name")),
        };
        self.bump();
        let mut span = first.span;
        loop {
            if self.peek().kind == TokenKind::Dot {
                self.bump();
                let part = self.peek().clone();
                let text = match &part.kind {
                    TokenKind::Word { tilde: false } => self.word_text(&part).to_string(),
                    TokenKind::QuotedIdent(s) => s.clone(),
                    _ => return Err(self.expected("a field name after `.`")),
                };
                name.push('.');
                name.push_str(&text);
                self.bump();
                span = span.to(part.span);
            } else if self.peek().kind == TokenKind::LBracket && self.peek().span.start == span.end
            {
                return Err(Box::new(
                    Diagnostic::error(E_UNSUPPORTED, "array indexes on fields are not supported")
                        .with_label(self.peek().span, "index here"),
                ));
            } else {
                break;
            }
        }
        Ok(Expr::new(
            ExprKind::Field(Field {
                name,
                optional: false,
            }),
            span,
        ))
    }

    fn call(&mut self, word: &str, tilde: bool, name_span: Span) -> PResult<Expr> {
        let function = Function::lookup(word).ok_or_else(|| {
            Box::new(
                Diagnostic::error(E_FUNCTION, format!("unknown function `{word}`"))
                    .with_label(name_span, "not an EQL function"),
            )
        })?;
        if tilde && !function.has_insensitive_form() {
            return Err(tilde_error(name_span, word));
        }
        self.bump();
        self.bump();
        let mut args = Vec::new();
        if self.peek().kind != TokenKind::RParen {
            args.push(self.expr()?);
            while self.eat(&TokenKind::Comma).is_some() {
                args.push(self.expr()?);
            }
        }
        let close = self.expect(&TokenKind::RParen)?;
        let span = name_span.to(close);
        let (least, most) = function.arity();
        if args.len() < least || args.len() > most {
            let wanted = match (least, most) {
                (1, 1) => "1 argument".to_string(),
                (a, b) if a == b => format!("{a} arguments"),
                (a, usize::MAX) => format!("at least {a} arguments"),
                (a, b) => format!("{a} to {b} arguments"),
            };
            return Err(Box::new(
                Diagnostic::error(
                    E_ARITY,
                    format!("`{}` takes {wanted}, found {}", function.name(), args.len()),
                )
                .with_label(span, "this call"),
            ));
        }
        Ok(Expr::new(
            ExprKind::Call(Call {
                function,
                insensitive: tilde,
                args,
                name_span,
            }),
            span,
        ))
    }
}

fn tilde_error(span: Span, word: &str) -> Box<Diagnostic> {
    Box::new(
        Diagnostic::error(E_TILDE, format!("`{word}~` has no case-insensitive form"))
            .with_label(span, "remove the `~`")
            .with_help("`~` applies to in, like, regex, between, endsWith, indexOf, startsWith and stringContains"),
    )
}

//! Compiling a syntax-tree expression against a schema into a typed [`CExpr`].

use crate::diagnostic::Diagnostic;
use crate::esql::ast::{self, ExprKind, LikePatterns, Literal, PatternKind, UnaryOp};
use crate::span::{LineIndex, Span};

use super::literal::{literal_cell, literal_type, negate_literal};
use super::{error, find, CExpr, Compiler, Kind, Site};
use crate::document::value::{Cell, Type, Value};
use crate::document::Column;
use crate::eval::disjunction::{combine_cidr_disjunctions, combine_equalities};
use crate::eval::fold::Constants;
use crate::eval::functions::{self, type_mismatch};
use crate::eval::pattern::Matcher;
use crate::eval::site_text::unparenthesised;

impl<'q> Compiler<'q> {
    pub fn new(text: &'q str) -> Compiler<'q> {
        Compiler {
            text,
            lines: LineIndex::new(text),
            sites: Vec::new(),
            constants: Constants::new(),
            computed: std::collections::BTreeSet::new(),
            lookups: crate::eval::plan::Lookups::default(),
            purged_joins: Vec::new(),
        }
    }

    pub fn location(&self, span: Span) -> String {
        let lc = self.lines.line_col(self.text, span.start as usize);
        format!("Line {}:{}", lc.line, lc.column)
    }

    pub fn site(&mut self, span: Span) -> u32 {
        let span = unparenthesised(span, self.text);
        self.sites.push(Site {
            location: self.location(span),
            text: span.slice(self.text).to_string(),
        });
        (self.sites.len() - 1) as u32
    }

    pub(super) fn make(&mut self, kind: Kind, ty: Type, span: Span) -> CExpr {
        let site = self.site(span);
        CExpr { kind, ty, site }
    }

    pub fn literal(&mut self, lit: &Literal, span: Span) -> Result<CExpr, Diagnostic> {
        let (cell, ty) = literal_cell(lit, span, self)?;
        Ok(self.make(Kind::Literal(cell), ty, span))
    }

    pub fn expr(&mut self, e: &ast::Expr, schema: &[Column]) -> Result<CExpr, Diagnostic> {
        let span = e.span;
        // `PropagateEquals` and `CombineBinaryComparisons` run before `CombineDisjunctions`.
        if matches!(e.kind, ExprKind::And(..) | ExprKind::Or(..)) {
            if let Some(combined) = crate::eval::combine::combine_comparisons(self, e, schema) {
                return self.expr(&combined, schema);
            }
        }
        match &e.kind {
            ExprKind::Literal(lit) => self.literal(lit, span),
            ExprKind::Column(name) => self.column(name, span, schema),
            ExprKind::Unary { op, operand } => self.unary(op, operand, span, schema),
            ExprKind::Binary { op, left, right } => {
                let mut l = self.expr(left, schema)?;
                let mut r = self.expr(right, schema)?;
                if op.is_comparison() {
                    use crate::eval::functions::implicit::cast_compared_literal;
                    cast_compared_literal(&mut l, r.ty, left.span)?;
                    cast_compared_literal(&mut r, l.ty, right.span)?;
                    self.comparison(*op, l, r, span)
                } else {
                    self.arithmetic(*op, l, r, span)
                }
            }
            ExprKind::Or(..) if combine_cidr_disjunctions(e, schema).is_some() => {
                let combined = combine_cidr_disjunctions(e, schema).expect("checked");
                self.expr(&combined, schema)
            }
            ExprKind::Or(a, b) if combine_equalities(e).is_some() => {
                // Elasticsearch verifies the query before its optimizer combines the
                // disjuncts, so an error names the original one; that compile is discarded.
                let sites = self.sites.len();
                self.boolean(a, schema)?;
                self.boolean(b, schema)?;
                self.sites.truncate(sites);
                let combined = combine_equalities(e).expect("checked");
                self.expr(&combined, schema)
            }
            ExprKind::And(a, b) | ExprKind::Or(a, b) => {
                let l = self.boolean(a, schema)?;
                let r = self.boolean(b, schema)?;
                let kind = if matches!(e.kind, ExprKind::And(..)) {
                    Kind::And(Box::new(l), Box::new(r))
                } else {
                    Kind::Or(Box::new(l), Box::new(r))
                };
                Ok(self.make(kind, Type::Boolean, span))
            }
            ExprKind::Not(a) => {
                let inner = self.boolean(a, schema)?;
                Ok(self.make(Kind::Not(Box::new(inner)), Type::Boolean, span))
            }
            ExprKind::In {
                value,
                list,
                negated,
            } => self.in_list(value, list, negated, span, schema),
            ExprKind::IsNull { value, negated } => {
                let v = self.expr(value, schema)?;
                Ok(self.make(Kind::IsNull(Box::new(v), *negated), Type::Boolean, span))
            }
            ExprKind::Like {
                value,
                patterns,
                kind,
                negated,
            } => self.like(value, patterns, kind, negated, span, schema),
            ExprKind::Cast { value, target } => {
                self.cast_to_named_type(value, target, span, schema)
            }
            ExprKind::Call(call) => functions::compile(self, call, span, schema),
            ExprKind::Map(entries) => self.options_map(entries, span),
            ExprKind::Match { field, query } => self.match_query(field, query, span, schema),
        }
    }

    /// A column reference: its index in the schema and its type.
    fn column(
        &mut self,
        name: &ast::Name,
        span: Span,
        schema: &[Column],
    ) -> Result<CExpr, Diagnostic> {
        let index = find(schema, &name.name)
            .ok_or_else(|| error("E301", name.span, format!("Unknown column [{}]", name.name)))?;
        Ok(self.make(Kind::Column(index), schema[index].ty, span))
    }

    /// `+x` and `-x` of a number, a date period or a time duration; `-` of a literal folds.
    fn unary(
        &mut self,
        op: &UnaryOp,
        operand: &ast::Expr,
        span: Span,
        schema: &[Column],
    ) -> Result<CExpr, Diagnostic> {
        let inner = self.expr(operand, schema)?;
        if !inner.ty.is_numeric()
            && !matches!(inner.ty, Type::Null | Type::DatePeriod | Type::TimeDuration)
        {
            return Err(error(
                "E302",
                span,
                format!(
                    "argument of [{}] must be numeric, found value of type [{}]",
                    span.slice(self.text),
                    inner.ty.name()
                ),
            ));
        }
        Ok(match op {
            UnaryOp::Plus => inner,
            UnaryOp::Neg => {
                // Fold negative literals so that `-2147483648` stays an integer.
                if let Kind::Literal(Cell::One(v)) = &inner.kind {
                    if let Some(n) = negate_literal(v) {
                        let ty = literal_type(&n);
                        return Ok(self.make(Kind::Literal(Cell::One(n)), ty, span));
                    }
                }
                let ty = inner.ty;
                self.make(Kind::Neg(Box::new(inner)), ty, span)
            }
        })
    }

    /// `value [NOT] IN (list)`: each item cast and unified with the value for comparison.
    fn in_list(
        &mut self,
        value: &ast::Expr,
        list: &[ast::Expr],
        negated: &bool,
        span: Span,
        schema: &[Column],
    ) -> Result<CExpr, Diagnostic> {
        let v = self.expr(value, schema)?;
        let mut items = Vec::new();
        for (i, item) in list.iter().enumerate() {
            let mut it = self.expr(item, schema)?;
            crate::eval::functions::implicit::cast_compared_literal(&mut it, v.ty, item.span)?;
            self.check_in_item(&v, &it, i, item.span, span)?;
            let (_, it) = self.unify_for_compare(v.clone(), it, span)?;
            items.push(it);
        }
        let v = match items.iter().find(|i| i.ty != Type::Null) {
            Some(i) => self.unify_for_compare(v, i.clone(), span)?.0,
            None => v,
        };
        let inner = self.make(Kind::In(Box::new(v), items), Type::Boolean, span);
        Ok(self.negate_if(inner, *negated, span))
    }

    /// `value [NOT] LIKE`/`RLIKE` patterns: a match-everything pattern is `IS NOT NULL`.
    fn like(
        &mut self,
        value: &ast::Expr,
        patterns: &LikePatterns,
        kind: &PatternKind,
        negated: &bool,
        span: Span,
        schema: &[Column],
    ) -> Result<CExpr, Diagnostic> {
        let v = self.expr(value, schema)?;
        if !matches!(v.ty, Type::Keyword | Type::Text | Type::Null) {
            let (text, ordinal) = (self.text, "first ");
            return Err(type_mismatch(
                text, span, ordinal, value.span, v.ty, "string",
            ));
        }
        // A literal's text is known; an expression pattern folds to its text here, as
        // Elasticsearch's optimizer folds it before planning (see `fold`).
        let texts: Vec<(String, Span)> = match patterns {
            LikePatterns::Literals(literals) => {
                literals.iter().map(|p| (p.value.clone(), p.span)).collect()
            }
            LikePatterns::Expr(pattern) => {
                vec![(self.constant_pattern(pattern, *kind, schema)?, pattern.span)]
            }
        };
        // The optimizer turns a match-everything pattern into `IS NOT NULL`, so even
        // `NOT x LIKE "*"` keeps rows where `x` is null.
        let match_all = match kind {
            PatternKind::Like => "*",
            PatternKind::Rlike => ".*",
        };
        if texts.iter().any(|(text, _)| text == match_all) {
            let inner = self.make(Kind::IsNull(Box::new(v), true), Type::Boolean, span);
            return Ok(self.negate_if(inner, *negated, span));
        }
        let mut matchers = Vec::new();
        for (text, pattern_span) in &texts {
            let m = match kind {
                PatternKind::Like => Matcher::like(text),
                PatternKind::Rlike => Matcher::rlike(text),
            }
            .map_err(|m| error("E305", *pattern_span, m))?;
            matchers.push(m);
        }
        let inner = self.make(Kind::Like(Box::new(v), matchers), Type::Boolean, span);
        Ok(self.negate_if(inner, *negated, span))
    }

    /// `value::type`: the conversion, folded when the value is constant.
    fn cast_to_named_type(
        &mut self,
        value: &ast::Expr,
        target: &ast::Name,
        span: Span,
        schema: &[Column],
    ) -> Result<CExpr, Diagnostic> {
        let v = self.expr(value, schema)?;
        let ty = Type::parse(&target.name).ok_or_else(|| {
            error(
                "E302",
                target.span,
                format!("Unknown data type [{}]", target.name),
            )
        })?;
        self.cast_folded(v, ty, span, schema)
    }

    /// A function's options map, as the constant `key=value;…` string the function reads.
    fn options_map(&mut self, entries: &[ast::MapEntry], span: Span) -> Result<CExpr, Diagnostic> {
        // Options maps only configure functions (`TO_IP(s, {"leading_zeros": "octal"})`);
        // they compile to a constant `key=value;…` string the function reads.
        let mut text = String::new();
        for entry in entries {
            let value = self.expr(&entry.value, &[])?;
            let value = match &value.kind {
                Kind::Literal(c) => c.to_display(),
                _ => String::new(),
            };
            text.push_str(&format!("{}={};", entry.key.value, value));
        }
        Ok(self.make(
            Kind::Literal(Cell::One(Value::str(&text))),
            Type::Keyword,
            span,
        ))
    }

    /// The `field:query` match operator, compiled as `MATCH(field, query)`.
    fn match_query(
        &mut self,
        field: &ast::Expr,
        query: &ast::Expr,
        span: Span,
        schema: &[Column],
    ) -> Result<CExpr, Diagnostic> {
        let text = span.slice(self.text).to_string();
        crate::eval::functions::fulltext::compile_match(
            self,
            field,
            query,
            Vec::new(),
            span,
            schema,
            "MATCH",
            &text,
        )
    }

    fn negate_if(&mut self, inner: CExpr, negated: bool, span: Span) -> CExpr {
        if negated {
            self.make(Kind::Not(Box::new(inner)), Type::Boolean, span)
        } else {
            inner
        }
    }

    pub fn boolean(&mut self, e: &ast::Expr, schema: &[Column]) -> Result<CExpr, Diagnostic> {
        let c = self.expr(e, schema)?;
        if !matches!(c.ty, Type::Boolean | Type::Null) {
            return Err(error(
                "E302",
                e.span,
                format!(
                    "Condition expression needs to be boolean, found [{}]",
                    c.ty.name().to_uppercase()
                ),
            ));
        }
        Ok(c)
    }
}

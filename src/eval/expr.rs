//! Typed expressions: compiling syntax-tree expressions against a schema, and evaluating them
//! on one row with three-valued logic and Elasticsearch's multivalue rules.

use std::borrow::Cow;
use std::cmp::Ordering;

use crate::diagnostic::Diagnostic;
use crate::esql::ast::{self, BinaryOp, ExprKind, LikePatterns, Literal, PatternKind, UnaryOp};
use crate::span::{LineIndex, Span};

pub use super::arith::arith;
use super::arith::negate;
use super::disjunction::{combine_cidr_disjunctions, combine_equalities};
use super::fold::Constants;
use super::functions::{self, type_mismatch, Func};
use super::pattern::Matcher;
use super::site_text::unparenthesised;
use super::warnings::{Warnings, MULTI_VALUE};
use crate::document::convert::{convert, convertible};
use crate::document::value::{Cell, Type, Value};
use crate::document::Column;

/// A compiled expression with its static type.
#[derive(Clone, Debug)]
pub struct CExpr {
    pub kind: Kind,
    pub ty: Type,
    /// The warning site this expression reports failures under.
    pub site: u32,
}

#[derive(Clone, Debug)]
pub enum Kind {
    Literal(Cell),
    Column(usize),
    Neg(Box<CExpr>),
    Arith(BinaryOp, Box<CExpr>, Box<CExpr>),
    Compare(BinaryOp, Box<CExpr>, Box<CExpr>),
    And(Box<CExpr>, Box<CExpr>),
    Or(Box<CExpr>, Box<CExpr>),
    Not(Box<CExpr>),
    In(Box<CExpr>, Vec<CExpr>),
    IsNull(Box<CExpr>, bool),
    Like(Box<CExpr>, Vec<Matcher>),
    Cast(Box<CExpr>, Type),
    Case(Vec<CExpr>),
    Call(Func, Vec<CExpr>),
}

/// Where warnings of one expression are reported: `Line L:C` and its source text.
#[derive(Clone, Debug)]
pub struct Site {
    pub location: String,
    pub text: String,
}

/// Compiles expressions of one query text; owns the warning sites.
pub struct Compiler<'q> {
    pub text: &'q str,
    lines: LineIndex,
    pub sites: Vec<Site>,
    /// Columns of the schema being compiled that `ROW`/`EVAL` bound to a constant, by name; the
    /// plan keeps it in step with its commands (see `fold`).
    pub constants: Constants,
    /// Columns a command computed (`ROW`, `EVAL`, `STATS`, `DISSECT`, `GROK`), by name: not
    /// fields of an index, which full-text functions require.
    pub computed: std::collections::BTreeSet<String>,
    /// The lookup indices `LOOKUP JOIN` may name.
    pub lookups: super::plan::Lookups,
    /// Spans of the `LOOKUP JOIN` commands whose key is the constant null: Elasticsearch's
    /// optimizer replaces them by nulls (`PruneLeftJoinOnNullMatchingField`), so no later rule
    /// sees a join there.
    pub purged_joins: Vec<Span>,
}

pub fn error(code: &'static str, span: Span, message: impl Into<String>) -> Diagnostic {
    let message = message.into();
    Diagnostic::error(code, message.clone()).with_label(span, "here")
}

/// Looks a column up by name.
pub fn find(schema: &[Column], name: &str) -> Option<usize> {
    schema.iter().rposition(|c| c.name == name)
}

impl<'q> Compiler<'q> {
    pub fn new(text: &'q str) -> Compiler<'q> {
        Compiler {
            text,
            lines: LineIndex::new(text),
            sites: Vec::new(),
            constants: Constants::new(),
            computed: std::collections::BTreeSet::new(),
            lookups: super::plan::Lookups::default(),
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

    fn make(&mut self, kind: Kind, ty: Type, span: Span) -> CExpr {
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
            if let Some(combined) = super::combine::combine_comparisons(self, e, schema) {
                return self.expr(&combined, schema);
            }
        }
        match &e.kind {
            ExprKind::Literal(lit) => self.literal(lit, span),
            ExprKind::Column(name) => {
                let index = find(schema, &name.name).ok_or_else(|| {
                    error("E301", name.span, format!("Unknown column [{}]", name.name))
                })?;
                Ok(self.make(Kind::Column(index), schema[index].ty, span))
            }
            ExprKind::Unary { op, operand } => {
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
            ExprKind::Binary { op, left, right } => {
                let mut l = self.expr(left, schema)?;
                let mut r = self.expr(right, schema)?;
                if op.is_comparison() {
                    use super::functions::implicit::cast_compared_literal;
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
            } => {
                let v = self.expr(value, schema)?;
                let mut items = Vec::new();
                for item in list {
                    let mut it = self.expr(item, schema)?;
                    super::functions::implicit::cast_compared_literal(&mut it, v.ty, item.span)?;
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
            ExprKind::IsNull { value, negated } => {
                let v = self.expr(value, schema)?;
                Ok(self.make(Kind::IsNull(Box::new(v), *negated), Type::Boolean, span))
            }
            ExprKind::Like {
                value,
                patterns,
                kind,
                negated,
            } => {
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
            ExprKind::Cast { value, target } => {
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
            ExprKind::Call(call) => functions::compile(self, call, span, schema),
            ExprKind::Map(entries) => {
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
            ExprKind::Match { field, query } => {
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
        }
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

    /// [`Compiler::cast`], first folding a string operand of a `date_period`/`time_duration`
    /// cast to its value: Elasticsearch casts only foldable strings (`concat("3 ", "hours")`,
    /// or a column `EVAL`/`ROW` bound to a constant, propagated by its optimizer).
    pub fn cast_folded(
        &mut self,
        v: CExpr,
        ty: Type,
        span: Span,
        schema: &[Column],
    ) -> Result<CExpr, Diagnostic> {
        let temporal = matches!(ty, Type::DatePeriod | Type::TimeDuration);
        if temporal && v.ty.is_string() && !matches!(v.kind, Kind::Literal(_)) {
            if let Some(super::fold::Constant::Value(cell)) = self.constants.fold(&v, schema) {
                let folded = CExpr {
                    kind: Kind::Literal(cell),
                    ty: v.ty,
                    site: v.site,
                };
                return self.cast(folded, ty, span);
            }
        }
        self.cast(v, ty, span)
    }

    pub fn cast(&mut self, v: CExpr, ty: Type, span: Span) -> Result<CExpr, Diagnostic> {
        if v.ty == ty || (ty == Type::Keyword && v.ty == Type::Text) {
            let mut v = v;
            v.ty = ty;
            return Ok(v);
        }
        if matches!(ty, Type::DatePeriod | Type::TimeDuration) {
            // `"1 day"::date_period`: constant strings only.
            if let Kind::Literal(Cell::One(Value::String(s))) = &v.kind {
                let cannot_parse =
                    || error("E302", span, format!("Cannot parse [{s}] to {}", ty.name()));
                let lit = parse_time_span(s).ok_or_else(cannot_parse)?;
                let (cell, lty) = literal_cell(&lit, span, self)?;
                if lty != ty {
                    return Err(cannot_parse());
                }
                return Ok(self.make(Kind::Literal(cell), ty, span));
            }
            // A null (typed or folded) stays null.
            if v.ty == Type::Null || matches!(v.kind, Kind::Literal(Cell::Null)) {
                return Ok(self.make(Kind::Literal(Cell::Null), ty, span));
            }
            let message = if v.ty.is_string() {
                format!(
                    "argument of [{}] must be a constant, received [{}]",
                    span.slice(self.text),
                    v.ty.name()
                )
            } else {
                format!("cannot cast to [{}]", ty.name())
            };
            return Err(error("E302", span, message));
        }
        if !convertible(v.ty, ty) {
            return Err(error(
                "E302",
                span,
                format!(
                    "argument of [{}] must be convertible to [{}], found value of type [{}]",
                    span.slice(self.text),
                    ty.name(),
                    v.ty.name()
                ),
            ));
        }
        Ok(self.make(Kind::Cast(Box::new(v), ty), ty, span))
    }

    /// Brings two operands to one comparable type: numbers promote, and a string compared with
    /// a date, IP or version is converted to that type.
    fn unify_for_compare(
        &mut self,
        l: CExpr,
        r: CExpr,
        span: Span,
    ) -> Result<(CExpr, CExpr), Diagnostic> {
        let special =
            |t: Type| matches!(t, Type::Datetime | Type::Ip | Type::Version | Type::Boolean);
        if l.ty.is_string() && special(r.ty) {
            let l = self.cast(l, r.ty, span)?;
            return Ok((l, r));
        }
        if r.ty.is_string() && special(l.ty) {
            let r = self.cast(r, l.ty, span)?;
            return Ok((l, r));
        }
        if Type::common(l.ty, r.ty).is_some() || (l.ty.is_numeric() && r.ty.is_numeric()) {
            return Ok((l, r));
        }
        Err(error(
            "E302",
            span,
            format!(
                "first argument of [{}] is [{}] so second argument must also be [{}] but was [{}]",
                span.slice(self.text),
                l.ty.name(),
                l.ty.name(),
                r.ty.name()
            ),
        ))
    }

    fn comparison(
        &mut self,
        op: BinaryOp,
        l: CExpr,
        r: CExpr,
        span: Span,
    ) -> Result<CExpr, Diagnostic> {
        super::comparable::check(self.text, &l, &r, span)?;
        let (l, r) = self.unify_for_compare(l, r, span)?;
        Ok(self.make(
            Kind::Compare(op, Box::new(l), Box::new(r)),
            Type::Boolean,
            span,
        ))
    }

    fn arithmetic(
        &mut self,
        op: BinaryOp,
        l: CExpr,
        r: CExpr,
        span: Span,
    ) -> Result<CExpr, Diagnostic> {
        let temporal = |t: Type| matches!(t, Type::DatePeriod | Type::TimeDuration);
        let add_sub = matches!(op, BinaryOp::Add | BinaryOp::Sub);
        // A string literal beside a date period or time duration is a date
        // (`"2024-01-01" + 1 day`), as Elasticsearch casts string literals to the type an
        // operator expects.
        let string_literal = |e: &CExpr| {
            e.ty.is_string() && matches!(e.kind, Kind::Literal(Cell::One(Value::String(_))))
        };
        let (l, r) = if add_sub && string_literal(&l) && temporal(r.ty) {
            (self.cast(l, Type::Datetime, span)?, r)
        } else if add_sub && string_literal(&r) && temporal(l.ty) {
            let r = self.cast(r, Type::Datetime, span)?;
            (l, r)
        } else {
            (l, r)
        };
        let ty = match (l.ty, r.ty) {
            (Type::Datetime, t) | (t, Type::Datetime)
                if temporal(t) && matches!(op, BinaryOp::Add | BinaryOp::Sub) =>
            {
                if op == BinaryOp::Sub && temporal(l.ty) {
                    None
                } else {
                    Some(Type::Datetime)
                }
            }
            (a, b) if temporal(a) && a == b && matches!(op, BinaryOp::Add | BinaryOp::Sub) => {
                Some(a)
            }
            (Type::Null, t) | (t, Type::Null) if t.is_numeric() || t == Type::Null => Some(t),
            (Type::Null, t) | (t, Type::Null) if temporal(t) && add_sub => Some(t),
            (Type::Null, Type::Datetime) | (Type::Datetime, Type::Null) => Some(Type::Datetime),
            (a, b) if a.is_numeric() && b.is_numeric() => Type::common(a, b),
            _ => None,
        };
        let ty = ty.ok_or_else(|| {
            error(
                "E302",
                span,
                format!(
                    "[{}] has arguments with incompatible types [{}] and [{}]",
                    span.slice(self.text),
                    l.ty.name(),
                    r.ty.name()
                ),
            )
        })?;
        Ok(self.make(Kind::Arith(op, Box::new(l), Box::new(r)), ty, span))
    }
}

fn negate_literal(v: &Value) -> Option<Value> {
    Some(match v {
        Value::Integer(x) => Value::Integer(x.checked_neg()?),
        Value::Long(x) if *x == 2_147_483_648 => Value::Integer(i32::MIN),
        Value::Long(x) => Value::Long(x.checked_neg()?),
        Value::UnsignedLong(x) if *x == 9_223_372_036_854_775_808 => Value::Long(i64::MIN),
        // Below `Long.MIN_VALUE` a whole number has no integral type: a double, as
        // Elasticsearch makes of integer literals too large for their type.
        Value::UnsignedLong(x) => Value::Double(-(*x as f64)),
        Value::Double(x) => Value::Double(-x),
        _ => return None,
    })
}

fn literal_type(v: &Value) -> Type {
    match v {
        Value::Boolean(_) => Type::Boolean,
        Value::Integer(_) => Type::Integer,
        Value::Long(_) => Type::Long,
        Value::UnsignedLong(_) => Type::UnsignedLong,
        Value::Double(_) => Type::Double,
        Value::String(_) => Type::Keyword,
        Value::Datetime(_) => Type::Datetime,
        Value::Ip(_) => Type::Ip,
        Value::Version(_) => Type::Version,
        Value::Period { .. } => Type::DatePeriod,
        Value::Duration(_) => Type::TimeDuration,
        Value::GeoPoint { .. } => Type::GeoPoint,
    }
}

fn integer_value(n: u64) -> Value {
    if let Ok(i) = i32::try_from(n) {
        Value::Integer(i)
    } else if let Ok(l) = i64::try_from(n) {
        Value::Long(l)
    } else {
        Value::UnsignedLong(n)
    }
}

/// `"1 day"` as a time-span literal.
fn parse_time_span(s: &str) -> Option<Literal> {
    let s = s.trim();
    let digits = s.find(|c: char| !c.is_ascii_digit())?;
    let value = s[..digits].parse().ok()?;
    Some(Literal::TimeSpan {
        value,
        unit: s[digits..].trim().to_ascii_lowercase(),
    })
}

/// The value of a time span: `Period` for calendar units, `Duration` for exact ones. `None` for
/// an unknown unit; `Some(Err(()))` for an amount outside the unit's range, which
/// Elasticsearch's parser reports as `Number [n] outside of [unit] range`: a Java `Period` holds
/// years, months and days as separate `int`s (weeks become days, quarters months, multiplied
/// exactly), and a duration here is milliseconds in a long.
pub fn time_span(value: u64, unit: &str) -> Option<Result<Value, ()>> {
    let exact = |per: i64| i64::try_from(value).ok().and_then(|v| v.checked_mul(per));
    // The Java `int` amount (`value × per`), then our representation of it (`× scale`).
    let int = |per: i64, scale: i64| {
        exact(per)
            .filter(|v| i32::try_from(*v).is_ok())
            .map(|v| v * scale)
    };
    let duration = |per| exact(per).map(Value::Duration).ok_or(());
    let days = |per| {
        int(per, 1)
            .map(|days| Value::Period { months: 0, days })
            .ok_or(())
    };
    let months = |per, scale| {
        int(per, scale)
            .map(|months| Value::Period { months, days: 0 })
            .ok_or(())
    };
    Some(match unit {
        "millisecond" | "milliseconds" | "ms" => duration(1),
        "second" | "seconds" | "sec" | "s" => duration(1000),
        "minute" | "minutes" | "min" => duration(60_000),
        "hour" | "hours" | "h" => duration(3_600_000),
        "day" | "days" | "d" => days(1),
        "week" | "weeks" | "w" => days(7),
        "month" | "months" | "mo" => months(1, 1),
        "quarter" | "quarters" | "q" => months(3, 1),
        "year" | "years" | "yr" | "y" => months(1, 12),
        _ => return None,
    })
}

fn literal_cell(lit: &Literal, span: Span, c: &mut Compiler) -> Result<(Cell, Type), Diagnostic> {
    Ok(match lit {
        Literal::Null => (Cell::Null, Type::Null),
        Literal::Boolean(b) => (Cell::One(Value::Boolean(*b)), Type::Boolean),
        Literal::Integer(n) => {
            let v = integer_value(*n);
            let ty = literal_type(&v);
            (Cell::One(v), ty)
        }
        Literal::Decimal(d) => (Cell::One(Value::Double(*d)), Type::Double),
        Literal::String(s) => (Cell::One(Value::str(s)), Type::Keyword),
        Literal::TimeSpan { value, unit } => {
            let v = time_span(*value, unit)
                .ok_or_else(|| error("E302", span, format!("Unexpected temporal unit: '{unit}'")))?
                .map_err(|()| {
                    error(
                        "E306",
                        span,
                        format!("Number [{value}] outside of [{unit}] range"),
                    )
                })?;
            let ty = literal_type(&v);
            (Cell::One(v), ty)
        }
        Literal::Array(items) => {
            let mut values = Vec::new();
            let mut ty = Type::Null;
            for item in items {
                let ce = c.expr(item, &[])?;
                let Kind::Literal(cell) = ce.kind else {
                    return Err(error("E302", item.span, "array elements must be literals"));
                };
                let whole_with_ul = |a: Type, b: Type| {
                    (a == Type::UnsignedLong && b.is_whole())
                        || (b == Type::UnsignedLong && a.is_whole())
                };
                ty = if whole_with_ul(ty, ce.ty) {
                    Some(Type::UnsignedLong)
                } else {
                    Type::common(ty, ce.ty)
                }
                .ok_or_else(|| error("E302", item.span, "array elements must all have one type"))?;
                values.extend(cell.into_values());
            }
            // Promote mixed integer/long/double elements to the common type.
            let values = values
                .into_iter()
                .map(|v| {
                    if literal_type(&v) == ty {
                        v
                    } else {
                        convert(&v, ty).unwrap_or(v)
                    }
                })
                .collect();
            (Cell::from_values(values), ty)
        }
    })
}

/// Evaluation context of one run: the query's `NOW()` and the warnings collected so far.
pub struct Ctx<'w> {
    pub now: i64,
    pub warnings: &'w mut Warnings,
}

impl Ctx<'_> {
    pub fn warn(&mut self, site: u32, detail: &str) {
        self.warnings.add(site, false, detail);
    }

    /// Ends the query with an error (the first one stays); evaluation returns null meanwhile.
    pub fn fail(&mut self, code: &'static str, message: String, help: Option<String>) -> Cell {
        if self.warnings.failure.is_none() {
            self.warnings.failure = Some(super::warnings::Failure {
                code,
                message,
                help,
            });
        }
        Cell::Null
    }

    pub fn failed(&self) -> bool {
        self.warnings.failure.is_some()
    }

    /// A result, or null with the failure's warning at `site`.
    pub fn or_warn(&mut self, site: u32, result: Result<Cell, String>) -> Cell {
        result.unwrap_or_else(|m| {
            self.warn(site, &m);
            Cell::Null
        })
    }
}

/// The most arguments a [`functions::plain_single_valued`] call is evaluated with in place.
const MAX_PLAIN_ARGS: usize = 3;
/// Fills the unused places of [`CExpr::call_single_valued`]'s argument array.
static NO_VALUE: Value = Value::Boolean(false);

/// The single value of each argument, or `None` after a null (silently) or a multivalue
/// (with the warning), checked left to right as Elasticsearch's evaluators do.
pub fn singles<'a>(cells: &'a [Cell], ctx: &mut Ctx, site: u32) -> Option<Vec<&'a Value>> {
    let mut out = Vec::with_capacity(cells.len());
    for cell in cells {
        match cell {
            Cell::Null => return None,
            Cell::One(v) => out.push(v),
            Cell::Many(_) => {
                ctx.warn(site, MULTI_VALUE);
                return None;
            }
        }
    }
    Some(out)
}

impl CExpr {
    pub fn eval(&self, row: &[Cell], ctx: &mut Ctx) -> Cell {
        match &self.kind {
            Kind::Literal(c) => c.clone(),
            Kind::Column(i) => row[*i].clone(),
            Kind::Neg(inner) => {
                let c = inner.eval(row, ctx);
                let Some(v) = single(&c, ctx, self.site) else {
                    return Cell::Null;
                };
                ctx.or_warn(self.site, negate(v).map(Cell::One))
            }
            Kind::Arith(op, l, r) => {
                let (a, b) = (l.eval_ref(row, ctx), r.eval_ref(row, ctx));
                let Some((x, y)) = two_singles(&a, &b, ctx, self.site) else {
                    return Cell::Null;
                };
                ctx.or_warn(self.site, arith(*op, x, y, self.ty).map(Cell::One))
            }
            Kind::Compare(op, l, r) => {
                let (a, b) = (l.eval_ref(row, ctx), r.eval_ref(row, ctx));
                let Some((x, y)) = two_singles(&a, &b, ctx, self.site) else {
                    return Cell::Null;
                };
                Cell::boolean(Some(compare_op(*op, x, y)))
            }
            // Both operands are always evaluated, as Elasticsearch's block evaluation does,
            // so each reports its warnings.
            Kind::And(l, r) => {
                // A full-text call is a Lucene query: a conjunction leads with it and advances
                // the other clauses (and their per-document warnings) only on its matches.
                let (first, second) = if r.leads_with_full_text() && !l.leads_with_full_text() {
                    (r, l)
                } else {
                    (l, r)
                };
                let a = self.truth(first, row, ctx);
                if a == Some(false) && first.leads_with_full_text() {
                    return Cell::boolean(Some(false));
                }
                let b = self.truth(second, row, ctx);
                Cell::boolean(match (a, b) {
                    (Some(false), _) | (_, Some(false)) => Some(false),
                    (Some(true), Some(true)) => Some(true),
                    _ => None,
                })
            }
            Kind::Or(l, r) => {
                let a = self.truth(l, row, ctx);
                let b = self.truth(r, row, ctx);
                Cell::boolean(match (a, b) {
                    (Some(true), _) | (_, Some(true)) => Some(true),
                    (Some(false), Some(false)) => Some(false),
                    _ => None,
                })
            }
            Kind::Not(inner) => Cell::boolean(self.truth(inner, row, ctx).map(|b| !b)),
            Kind::In(value, items) => {
                let v = value.eval_ref(row, ctx);
                let Some(v) = single(&v, ctx, self.site) else {
                    return Cell::Null;
                };
                let mut saw_null = false;
                for item in items {
                    match item.eval_ref(row, ctx).as_ref() {
                        Cell::Null => saw_null = true,
                        Cell::One(x) => {
                            if compare_op(BinaryOp::Eq, v, x) {
                                return Cell::boolean(Some(true));
                            }
                        }
                        Cell::Many(_) => {
                            ctx.warn(self.site, MULTI_VALUE);
                            saw_null = true;
                        }
                    }
                }
                Cell::boolean(if saw_null { None } else { Some(false) })
            }
            Kind::IsNull(value, negated) => {
                let is_null = value.eval_ref(row, ctx).is_null();
                Cell::boolean(Some(is_null != *negated))
            }
            Kind::Like(value, matchers) => {
                let v = value.eval_ref(row, ctx);
                let Some(v) = single(&v, ctx, self.site) else {
                    return Cell::Null;
                };
                let s = v.as_str().unwrap_or("");
                Cell::boolean(Some(matchers.iter().any(|m| m.matches(s))))
            }
            Kind::Cast(inner, ty) => {
                let c = inner.eval(row, ctx);
                convert_cell(c, *ty, ctx, self.site)
            }
            Kind::Case(args) => {
                let mut i = 0;
                while i + 1 < args.len() {
                    match args[i].eval(row, ctx) {
                        Cell::One(Value::Boolean(true)) => return args[i + 1].eval(row, ctx),
                        Cell::Many(_) => ctx.warnings.add(self.site, true, MULTI_VALUE),
                        _ => {}
                    }
                    i += 2;
                }
                if i < args.len() {
                    args[i].eval(row, ctx)
                } else {
                    Cell::Null
                }
            }
            Kind::Call(func, args)
                if args.len() <= MAX_PLAIN_ARGS && functions::plain_single_valued(func) =>
            {
                self.call_single_valued(func, args, row, ctx)
            }
            Kind::Call(func, args) => {
                let cells: Vec<Cell> = args.iter().map(|a| a.eval(row, ctx)).collect();
                functions::eval(func, cells, self, ctx)
            }
        }
    }

    /// A [`functions::plain_single_valued`] call, as [`functions::eval`] evaluates it (every
    /// argument evaluated, then [`singles`]' checks left to right, then the function), with
    /// column and literal arguments borrowed where they lie and no vector per row.
    fn call_single_valued(&self, func: &Func, args: &[CExpr], row: &[Cell], ctx: &mut Ctx) -> Cell {
        let mut cells: [Cow<Cell>; MAX_PLAIN_ARGS] = Default::default();
        for (cell, a) in cells.iter_mut().zip(args) {
            *cell = a.eval_ref(row, ctx);
        }
        let mut values: [&Value; MAX_PLAIN_ARGS] = [&NO_VALUE; MAX_PLAIN_ARGS];
        for (value, cell) in values.iter_mut().zip(&cells[..args.len()]) {
            match cell.as_ref() {
                Cell::Null => return Cell::Null,
                Cell::One(v) => *value = v,
                Cell::Many(_) => {
                    ctx.warn(self.site, MULTI_VALUE);
                    return Cell::Null;
                }
            }
        }
        functions::eval_single_valued(func, &values[..args.len()], self, ctx)
    }

    /// A column or literal operand borrowed where it lies, anything else evaluated: most
    /// operands of comparisons are columns and literals, and copying them costs reference
    /// counting on every row.
    fn eval_ref<'a>(&'a self, row: &'a [Cell], ctx: &mut Ctx) -> Cow<'a, Cell> {
        match &self.kind {
            Kind::Column(i) => Cow::Borrowed(&row[*i]),
            Kind::Literal(c) => Cow::Borrowed(c),
            _ => Cow::Owned(self.eval(row, ctx)),
        }
    }

    /// Truth value of a boolean operand; a multivalue is null with a warning.
    fn truth(&self, e: &CExpr, row: &[Cell], ctx: &mut Ctx) -> Option<bool> {
        match e.eval_ref(row, ctx).as_ref() {
            Cell::One(Value::Boolean(b)) => Some(*b),
            Cell::Many(_) => {
                ctx.warn(self.site, MULTI_VALUE);
                None
            }
            _ => None,
        }
    }

    /// Evaluates a condition: `Some(true)` keeps a row in `WHERE`.
    pub fn test(&self, row: &[Cell], ctx: &mut Ctx) -> Option<bool> {
        match self.eval(row, ctx) {
            Cell::One(Value::Boolean(b)) => Some(b),
            _ => None,
        }
    }

    /// Whether the expression needs no row (a constant).
    /// A full-text call, or a conjunction with one: what Lucene evaluates first.
    fn leads_with_full_text(&self) -> bool {
        match &self.kind {
            Kind::Call(functions::Func::FullText(_), _) => true,
            Kind::And(l, r) => l.leads_with_full_text() || r.leads_with_full_text(),
            _ => false,
        }
    }

    pub fn is_constant(&self) -> bool {
        !matches!(self.kind, Kind::Column(_)) && self.children().into_iter().all(CExpr::is_constant)
    }

    /// The direct operands, in evaluation order.
    pub fn children(&self) -> Vec<&CExpr> {
        match &self.kind {
            Kind::Literal(_) | Kind::Column(_) => Vec::new(),
            Kind::Neg(a)
            | Kind::Not(a)
            | Kind::Cast(a, _)
            | Kind::IsNull(a, _)
            | Kind::Like(a, _) => vec![a],
            Kind::Arith(_, a, b) | Kind::Compare(_, a, b) | Kind::And(a, b) | Kind::Or(a, b) => {
                vec![a, b]
            }
            Kind::In(a, xs) => std::iter::once(&**a).chain(xs).collect(),
            Kind::Case(xs) | Kind::Call(_, xs) => xs.iter().collect(),
        }
    }
}

/// [`singles`] of two operands, without gathering them.
fn two_singles<'a>(
    a: &'a Cell,
    b: &'a Cell,
    ctx: &mut Ctx,
    site: u32,
) -> Option<(&'a Value, &'a Value)> {
    let x = single(a, ctx, site)?;
    Some((x, single(b, ctx, site)?))
}

pub fn single<'a>(c: &'a Cell, ctx: &mut Ctx, site: u32) -> Option<&'a Value> {
    match c {
        Cell::Null => None,
        Cell::One(v) => Some(v),
        Cell::Many(_) => {
            ctx.warn(site, MULTI_VALUE);
            None
        }
    }
}

/// Converts every value of a cell; failed values are dropped with a warning each.
pub fn convert_cell(c: Cell, ty: Type, ctx: &mut Ctx, site: u32) -> Cell {
    let mut out = Vec::new();
    for v in c.into_values() {
        match convert(&v, ty) {
            Ok(x) => out.push(x),
            Err(m) => ctx.warn(site, &m),
        }
    }
    Cell::from_values(out)
}

pub fn compare_op(op: BinaryOp, a: &Value, b: &Value) -> bool {
    if op == BinaryOp::EqIgnoreCase {
        return match (a.as_str(), b.as_str()) {
            (Some(x), Some(y)) => x.to_lowercase() == y.to_lowercase(),
            _ => a.compare(b) == Ordering::Equal,
        };
    }
    // NaN compares unequal to everything, as in Java.
    if matches!(a, Value::Double(x) if x.is_nan()) || matches!(b, Value::Double(x) if x.is_nan()) {
        return op == BinaryOp::Neq;
    }
    let o = a.compare(b);
    match op {
        BinaryOp::Eq => o == Ordering::Equal,
        BinaryOp::Neq => o != Ordering::Equal,
        BinaryOp::Lt => o == Ordering::Less,
        BinaryOp::Lte => o != Ordering::Greater,
        BinaryOp::Gt => o == Ordering::Greater,
        BinaryOp::Gte => o != Ordering::Less,
        _ => false,
    }
}

//! Typing operators: casts, and bringing the operands of comparisons and arithmetic to one type.

use crate::diagnostic::Diagnostic;
use crate::esql::ast::BinaryOp;
use crate::span::Span;

use super::literal::{literal_cell, parse_time_span};
use super::{error, CExpr, Compiler, Kind};
use crate::document::convert::convertible;
use crate::document::value::{Cell, Type, Value};
use crate::document::Column;

impl Compiler<'_> {
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
            if let Some(crate::eval::fold::Constant::Value(cell)) = self.constants.fold(&v, schema)
            {
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
    pub(super) fn unify_for_compare(
        &mut self,
        l: CExpr,
        r: CExpr,
        span: Span,
    ) -> Result<(CExpr, CExpr), Diagnostic> {
        let special = Type::takes_string_literals;
        if l.ty.is_string() && special(r.ty) {
            let l = self.cast(l, r.ty, span)?;
            return Ok((l, r));
        }
        if r.ty.is_string() && special(l.ty) {
            let r = self.cast(r, l.ty, span)?;
            return Ok((l, r));
        }
        // A date and a nanosecond date compare as instants (`date_nanos_compare_to_millis`).
        if Type::common(l.ty, r.ty).is_some()
            || (l.ty.is_numeric() && r.ty.is_numeric())
            || (l.ty.is_date() && r.ty.is_date())
        {
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

    /// Elasticsearch's `In.resolveType`: once the string literals of the list are cast to
    /// the value's type (`ImplicitCasting.processIn`), every item must be of a type
    /// compatible with the value's (`DataType.areCompatible`: the same type, null, two
    /// strings, two signed numbers). A non-literal string beside a `datetime`, `ip`,
    /// `version` or `boolean` value is refused, as a date column beside a string value is:
    /// `2nd argument of [d IN ("2024-01-01", s)] must be [datetime], found value [s] type
    /// [keyword]` (items counted from 1, as `testMixedNonConvertibleTypesInIn` shows).
    pub(super) fn check_in_item(
        &self,
        value: &CExpr,
        item: &CExpr,
        index: usize,
        item_span: Span,
        span: Span,
    ) -> Result<(), Diagnostic> {
        let (l, r) = (value.ty, item.ty);
        let unsigned = |t: Type| t == Type::UnsignedLong;
        // A string literal beside a `boolean` keeps its conversion for evaluation (see
        // `cast_compared_literal`), but Elasticsearch has cast it already.
        let cast_literal =
            l == Type::Boolean && r.is_string() && matches!(item.kind, Kind::Literal(_));
        // A string literal *value* is cast to the items' type as the list's literals are to
        // the value's (date_nanos.csv-spec `"2023-10-23T13:55:01.543123456Z" IN (nanos)`).
        let literal_value =
            l.is_string() && matches!(value.kind, Kind::Literal(_)) && r.takes_string_literals();
        // A date and a nanosecond date compare as instants (`date_nanos_compare_to_millis`).
        let compatible = l == r
            || cast_literal
            || literal_value
            || (l.is_date() && r.is_date())
            || l == Type::Null
            || r == Type::Null
            || (l.is_string() && r.is_string())
            || (l.is_numeric() && r.is_numeric() && unsigned(l) == unsigned(r));
        if compatible {
            return Ok(());
        }
        Err(error(
            "E302",
            span,
            format!(
                "{} argument of [{}] must be [{}], found value [{}] type [{}]",
                ordinal(index + 1),
                span.slice(self.text),
                crate::eval::comparable::type_name(l),
                item_span.slice(self.text),
                crate::eval::comparable::type_name(r)
            ),
        ))
    }

    pub(super) fn comparison(
        &mut self,
        op: BinaryOp,
        l: CExpr,
        r: CExpr,
        span: Span,
    ) -> Result<CExpr, Diagnostic> {
        // `double_range` has equality evaluators (double_range.csv-spec `doubleRangeEquality`),
        // no ordering ones.
        let ranges = |t: Type| matches!(t, Type::DoubleRange | Type::Null);
        let range_equality = matches!(op, BinaryOp::Eq | BinaryOp::Neq)
            && ranges(l.ty)
            && ranges(r.ty)
            && (l.ty == Type::DoubleRange || r.ty == Type::DoubleRange);
        if !range_equality {
            crate::eval::comparable::check(self.text, &l, &r, span)?;
        }
        let (l, r) = self.unify_for_compare(l, r, span)?;
        Ok(self.make(
            Kind::Compare(op, Box::new(l), Box::new(r)),
            Type::Boolean,
            span,
        ))
    }

    pub(super) fn arithmetic(
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
            // `date_nanos_add_subtract`: the same date math, in nanoseconds.
            (Type::DateNanos, t) | (t, Type::DateNanos) if temporal(t) && add_sub => {
                if op == BinaryOp::Sub && temporal(l.ty) {
                    None
                } else {
                    Some(Type::DateNanos)
                }
            }
            (a, b) if temporal(a) && a == b && matches!(op, BinaryOp::Add | BinaryOp::Sub) => {
                Some(a)
            }
            (Type::Null, t) | (t, Type::Null) if t.is_numeric() || t == Type::Null => Some(t),
            (Type::Null, t) | (t, Type::Null) if temporal(t) && add_sub => Some(t),
            (Type::Null, Type::Datetime) | (Type::Datetime, Type::Null) => Some(Type::Datetime),
            (Type::Null, Type::DateNanos) | (Type::DateNanos, Type::Null) => Some(Type::DateNanos),
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

/// `1st`, `2nd`, `3rd`, `4th` … `11th`, `12th`, `13th`, `21st`: Elasticsearch's
/// `StringUtils.ordinal`, as its `In` messages show.
fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

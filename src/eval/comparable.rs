//! Which operand types a comparison (`==`, `!=`, `<`, `<=`, `>`, `>=`) accepts: Elasticsearch's
//! `EsqlBinaryComparison.checkCompatibility`, refused when the query is verified.

use crate::diagnostic::Diagnostic;
use crate::document::value::{Cell, Type, Value};
use crate::span::Span;

use super::expr::{error, CExpr, Kind};

/// `Ok` when `l` and `r` may be compared: both numeric, both strings, the same type, or either
/// `null`. An `unsigned_long` meets only another one (or `null`). Runs after the analyzer's
/// implicit casts (`cast_compared_literal`), so a string *literal* beside a date, IP or version
/// is already of that type; what is left is a column or an expression, which Elasticsearch
/// never converts row by row (`keyword_col > @timestamp` is an error, not a parse per row).
/// A string literal beside a `boolean` is also cast by Elasticsearch (`processBinaryOperator`);
/// rulegate converts that one when evaluating, with the same result.
pub(super) fn check(text: &str, l: &CExpr, r: &CExpr, span: Span) -> Result<(), Diagnostic> {
    let (a, b) = (l.ty, r.ty);
    let null = |t: Type| t == Type::Null;
    let ul = |t: Type| t == Type::UnsignedLong;
    let source = span.slice(text);
    if (ul(a) && !ul(b) && !null(b)) || (ul(b) && !ul(a) && !null(a)) {
        let message = if ul(a) {
            format!(
                "first argument of [{source}] is [unsigned_long] and second is [{}]. \
                 [unsigned_long] can only be operated on together with another [unsigned_long]",
                type_name(b)
            )
        } else {
            format!(
                "first argument of [{source}] is [{}] and second is [unsigned_long]. \
                 [unsigned_long] can only be operated on together with another [unsigned_long]",
                type_name(a)
            )
        };
        return Err(error("E302", span, message));
    }
    // No comparison evaluator takes a range (`EsqlBinaryComparison`'s evaluator maps have no
    // `date_range` entry): `RANGE_WITHIN` and `RANGE_INTERSECTS` relate ranges instead.
    if let Some((side, t)) = [("first", a), ("second", b)]
        .into_iter()
        .find(|(_, t)| matches!(t, Type::DateRange | Type::DoubleRange))
    {
        return Err(error(
            "E302",
            span,
            format!(
                "{side} argument of [{source}] is [{}], which comparisons do not accept",
                type_name(t)
            ),
        ));
    }
    let string_literal = |e: &CExpr| matches!(e.kind, Kind::Literal(Cell::One(Value::String(_))));
    let boolean_cast =
        (a == Type::Boolean && string_literal(r)) || (b == Type::Boolean && string_literal(l));
    if (a.is_numeric() && b.is_numeric())
        || (a.is_string() && b.is_string())
        || (a.is_date() && b.is_date())
        || a == b
        || null(a)
        || null(b)
        || boolean_cast
    {
        return Ok(());
    }
    let first = if a.is_numeric() {
        "numeric"
    } else {
        type_name(a)
    };
    Err(error(
        "E302",
        span,
        format!(
            "first argument of [{source}] is [{first}] so second argument must also be [{first}] but was [{}]",
            type_name(b)
        ),
    ))
}

/// `DataType.typeName()`: as [`Type::name`], but a date is `datetime`.
pub(crate) fn type_name(t: Type) -> &'static str {
    match t {
        Type::Datetime => "datetime",
        other => other.name(),
    }
}

//! Literals: their cells and types, negated literals and time-span literals.

use crate::diagnostic::Diagnostic;
use crate::esql::ast::Literal;
use crate::span::Span;

use super::{error, Compiler, Kind};
use crate::document::convert::convert;
use crate::document::value::{Cell, Type, Value};

pub(super) fn negate_literal(v: &Value) -> Option<Value> {
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

pub(super) fn literal_type(v: &Value) -> Type {
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
        Value::DateRange { .. } => Type::DateRange,
        Value::DoubleRange { .. } => Type::DoubleRange,
        Value::DateNanos(_) => Type::DateNanos,
    }
}

pub(super) fn integer_value(n: u64) -> Value {
    if let Ok(i) = i32::try_from(n) {
        Value::Integer(i)
    } else if let Ok(l) = i64::try_from(n) {
        Value::Long(l)
    } else {
        Value::UnsignedLong(n)
    }
}

/// `"1 day"` as a time-span literal.
pub(super) fn parse_time_span(s: &str) -> Option<Literal> {
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

pub(super) fn literal_cell(
    lit: &Literal,
    span: Span,
    c: &mut Compiler,
) -> Result<(Cell, Type), Diagnostic> {
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

//! Elasticsearch's `ImplicitCasting` of string literals passed to function parameters that take
//! no string (`ABS("10.0")`, `DATE_DIFF("day", "2023-01-01", d)`, `IP_PREFIX(ip, "24", 0)`).
//!
//! Elasticsearch derives, for each parameter of each scalar function, one target type from its
//! `@Param` types (`EsqlFunctionRegistry.getTargetType`): none when the parameter accepts a
//! string, else the first of its types in the priority order `datetime, date_period,
//! time_duration, double, long, integer, ip, version, …, boolean, unsigned_long`. A `keyword`
//! argument that is a literal (foldable and not itself a function call) is converted to that
//! type before type checking; one that does not convert is the analysis error `Cannot convert
//! string [c] to [DOUBLE], error [Cannot parse number [c]]` at the literal. Anything else
//! (a column, `CONCAT("1", "0")`, `null`) is left alone and type-checked as usual.

use crate::diagnostic::Diagnostic;
use crate::document::convert::convert;
use crate::document::value::{Cell, Type, Value};
use crate::eval::expr::{error, CExpr, Kind};
use crate::span::Span;

use Type::{Datetime as D, Double as F, Integer as I, Ip, Long as L};

/// The target type of each parameter (`None`: the parameter takes strings, or its cast is done
/// elsewhere: the interval of `DATE_TRUNC` and `BUCKET`'s arguments). Transcribed from the
/// `@Param` types of Elasticsearch's function classes (see docs/esql-semantics.md).
fn targets(name: &str) -> &'static [Option<Type>] {
    match name {
        "abs"
        | "ceil"
        | "floor"
        | "sqrt"
        | "log10"
        | "signum"
        | "cbrt"
        | "exp"
        | "acos"
        | "asin"
        | "atan"
        | "cos"
        | "cosh"
        | "sin"
        | "sinh"
        | "tan"
        | "tanh"
        | "to_degrees"
        | "to_radians"
        | "mv_sum"
        | "mv_avg"
        | "mv_median"
        | "mv_median_absolute_deviation" => &[Some(F)],
        "atan2"
        | "hypot"
        | "log"
        | "pow"
        | "mv_percentile"
        | "mv_pseries_weighted_sum"
        | "copy_sign" => &[Some(F), Some(F)],
        "round" | "scalb" => &[Some(F), Some(L)],
        "space" => &[Some(I)],
        "left" | "right" | "repeat" => &[None, Some(I)],
        "substring" | "mv_slice" => &[None, Some(I), Some(I)],
        "locate" => &[None, None, Some(I)],
        "ip_prefix" => &[Some(Ip), Some(I), Some(I)],
        "cidr_match" => &[Some(Ip), None],
        "date_diff" => &[None, Some(D), Some(D)],
        "date_extract" | "date_format" | "date_trunc" => &[None, Some(D)],
        "day_name" | "month_name" | "days_in_month" | "year" | "month" | "day" | "hour" => {
            &[Some(D)]
        }
        "date_unit_count" => &[None, None, Some(D)],
        "round_to" => &[Some(D), Some(D)],
        _ => &[],
    }
}

/// Converts the string-literal arguments of a call to `name` as Elasticsearch's analyzer does.
/// `spans[i]` is argument `i`'s source text, where a failure points.
pub(super) fn cast_string_literals(
    name: &str,
    args: &mut [CExpr],
    spans: &[Span],
) -> Result<(), Diagnostic> {
    let targets = targets(name);
    if targets.is_empty() {
        return Ok(());
    }
    // As in `processScalarOrGroupingFunction`, a variadic tail reuses the target last looked
    // up (only literal arguments look one up).
    let mut target = None;
    for (i, arg) in args.iter_mut().enumerate() {
        let is_keyword_literal = matches!(arg.kind, Kind::Literal(Cell::One(Value::String(_))));
        if !is_keyword_literal || arg.ty != Type::Keyword {
            continue;
        }
        if let Some(t) = targets.get(i) {
            target = *t;
        }
        let Some(ty) = target else {
            continue;
        };
        cast_one(arg, ty, spans.get(i).copied().unwrap_or_default())?;
    }
    Ok(())
}

/// `EsqlDataTypeConverter.convert` of a string, with the message of the exception it throws.
fn cast(text: &str, ty: Type) -> Result<Value, String> {
    match ty {
        // `stringToInt`/`stringToLong` report any failure (out of range included) as a parse
        // failure, and `StringUtils.parseDouble` refuses non-finite values.
        Type::Integer | Type::Long | Type::Double => match convert(&Value::str(text), ty) {
            Ok(Value::Double(d)) if !d.is_finite() => Err(format!("Cannot parse number [{text}]")),
            Ok(v) => Ok(v),
            Err(_) => Err(format!("Cannot parse number [{text}]")),
        },
        // The warning text carries the exception's class; the analysis error only its message.
        _ => convert(&Value::str(text), ty).map_err(|m| match m.split_once(": ") {
            Some((class, message)) if !class.contains(' ') => message.to_string(),
            _ => m,
        }),
    }
}

/// The name of Elasticsearch's `DataType` constant, which the error message prints.
fn enum_name(ty: Type) -> String {
    match ty {
        Type::Datetime => "DATETIME".to_string(),
        other => other.name().to_ascii_uppercase(),
    }
}

/// `processBinaryOperator` and `processIn`: a string literal compared with (or listed against)
/// a `datetime`, `ip` or `version` operand is converted to that type when the query compiles,
/// an unparsable one being the same error at the literal. (`boolean` operands keep the
/// evaluation-time conversion: Elasticsearch's `parseBooleanLenient` is not implemented.)
pub fn cast_compared_literal(
    literal: &mut CExpr,
    other: Type,
    span: Span,
) -> Result<(), Diagnostic> {
    if matches!(
        other,
        Type::Datetime | Type::DateNanos | Type::Ip | Type::Version
    ) {
        cast_one(literal, other, span)?;
    }
    Ok(())
}

/// Converts `arg` to `ty` if it is a `keyword` literal.
fn cast_one(arg: &mut CExpr, ty: Type, span: Span) -> Result<(), Diagnostic> {
    let Kind::Literal(Cell::One(Value::String(text))) = &arg.kind else {
        return Ok(());
    };
    if arg.ty != Type::Keyword {
        return Ok(());
    }
    let value = cast(text, ty).map_err(|detail| {
        error(
            "E302",
            span,
            format!(
                "Cannot convert string [{text}] to [{}], error [{detail}]",
                enum_name(ty)
            ),
        )
    })?;
    arg.kind = Kind::Literal(Cell::One(value));
    arg.ty = ty;
    Ok(())
}

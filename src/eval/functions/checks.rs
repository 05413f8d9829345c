//! Argument checks shared by the function compilers: arity, accepted types, a common type,
//! and the implicit cast of a time-span string.

use crate::diagnostic::Diagnostic;
use crate::span::Span;

use crate::document::value::{Cell, Type, Value};
use crate::eval::expr::{error, CExpr, Kind};

/// Elasticsearch's `isType` failure, pointing at the argument: `second argument of [LAST(v, s)]
/// must be [int or long], found value [s] type [keyword]` (`ordinal` is `""` or ends in a
/// space).
pub fn type_mismatch(
    text: &str,
    call: Span,
    ordinal: &str,
    arg: Span,
    found: Type,
    accepted: &str,
) -> Diagnostic {
    error(
        "E302",
        arg,
        format!(
            "{ordinal}argument of [{}] must be [{accepted}], found value [{}] type [{}]",
            call.slice(text),
            arg.slice(text),
            found.name()
        ),
    )
}

pub(crate) fn arity(
    name: &str,
    n: usize,
    min: usize,
    max: usize,
    span: Span,
) -> Result<(), Diagnostic> {
    if n < min || n > max {
        let expected = if min == max {
            format!("{min}")
        } else if max == usize::MAX {
            format!("at least {min}")
        } else {
            format!("{min} to {max}")
        };
        return Err(error(
            "E302",
            span,
            format!("function [{name}] expects {expected} arguments, got {n}"),
        ));
    }
    Ok(())
}

/// [`expect`] for each of the `n` arguments: the first that fails `ok` is the error.
pub(super) fn every_arg(
    n: usize,
    ok: impl Fn(usize) -> bool,
    span: Span,
    what: impl Fn(usize) -> String,
) -> Result<(), Diagnostic> {
    (0..n).try_for_each(|i| expect(ok(i), span, || what(i)))
}

pub(super) fn expect(
    ok: bool,
    span: Span,
    what: impl FnOnce() -> String,
) -> Result<(), Diagnostic> {
    if ok {
        Ok(())
    } else {
        Err(error("E302", span, what()))
    }
}

pub(super) fn string_ty(t: Type) -> bool {
    t.is_string() || t == Type::Null
}

/// A date of either resolution (`isDate`: `datetime` or `date_nanos`), or null.
pub(super) fn date_ty(t: Type) -> bool {
    t.is_date() || t == Type::Null
}

pub(super) fn numeric_ty(t: Type) -> bool {
    t.is_numeric() || t == Type::Null
}

/// `DATE_TRUNC("1 month", d)`: a string literal where a time span is expected is cast to one,
/// as Elasticsearch's `ImplicitCasting` does (`"1 month"`, `"2hours"`; the unit decides between
/// a period and a duration).
pub(super) fn implicit_time_span(args: &mut [CExpr], span: Span) -> Result<(), Diagnostic> {
    let Some(first) = args.first_mut() else {
        return Ok(());
    };
    let Kind::Literal(Cell::One(Value::String(text))) = &first.kind else {
        return Ok(());
    };
    let trimmed = text.trim();
    let digits = trimmed.len()
        - trimmed
            .trim_start_matches(|c: char| c.is_ascii_digit())
            .len();
    let (number, unit) = trimmed.split_at(digits);
    let value = number
        .parse::<u64>()
        .ok()
        .and_then(|n| crate::eval::expr::time_span(n, &unit.trim().to_ascii_lowercase()))
        .and_then(Result::ok)
        .ok_or_else(|| {
            error(
                "E302",
                span,
                format!("Cannot convert string [{text}] to [DATE_PERIOD or TIME_DURATION]"),
            )
        })?;
    first.ty = match value {
        Value::Period { .. } => Type::DatePeriod,
        _ => Type::TimeDuration,
    };
    first.kind = Kind::Literal(Cell::One(value));
    Ok(())
}

/// The one type all arguments share (numbers promote, `null` fits any).
pub(super) fn same_type(args: &[CExpr], span: Span, text: &str) -> Result<Type, Diagnostic> {
    args.iter()
        .try_fold(Type::Null, |acc, a| Type::common(acc, a.ty))
        .ok_or_else(|| {
            error(
                "E302",
                span,
                format!("all arguments of [{text}] must have the same type"),
            )
        })
}

/// `text` values pass through functions as `keyword`.
pub(super) fn keywordise(t: Type) -> Type {
    if t == Type::Text {
        Type::Keyword
    } else {
        t
    }
}

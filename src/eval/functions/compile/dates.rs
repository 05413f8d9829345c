//! Compiling the date functions.

use crate::diagnostic::Diagnostic;

use super::super::checks::{arity, date_ty, every_arg, expect, type_mismatch};
use super::super::date_unit_count::date_unit_count;
use super::super::{date_parts, Func};
use super::{type_error_text, Args, Found};
use crate::document::value::{Cell, Type, Value};
use crate::eval::expr::{CExpr, Kind};

/// `DATE_TRUNC`, `DATE_DIFF`, `DATE_FORMAT`, `DATE_PARSE`, `DATE_EXTRACT`, `NOW`.
pub(super) fn date_arithmetic(cx: &mut Args) -> Result<Option<Found>, Diagnostic> {
    let (call, span, text) = (cx.call, cx.span, &cx.text);
    let args = &mut cx.args;
    let name = call.name.as_str();
    let n = args.len();
    let t = |i: usize| args[i].ty;
    let type_error = |i: usize, want: &str| type_error_text(text, args, i, want);
    let (func, ty) = match name {
        "date_trunc" => {
            arity(name, n, 2, 2, span)?;
            expect(
                matches!(t(0), Type::DatePeriod | Type::TimeDuration),
                span,
                || type_error(0, "date_period or time_duration"),
            )?;
            expect(date_ty(t(1)), span, || {
                type_error(1, "date_nanos or datetime")
            })?;
            // `DateTrunc.dataType`: the date's own type, `datetime` for a null.
            let ty = if t(1) == Type::DateNanos {
                Type::DateNanos
            } else {
                Type::Datetime
            };
            (Func::DateTrunc, ty)
        }
        "date_diff" => {
            arity(name, n, 3, 3, span)?;
            every_arg(
                n,
                |i| i == 0 || date_ty(t(i)),
                span,
                |i| type_error(i, "datetime"),
            )?;
            (Func::DateDiff, Type::Integer)
        }
        "date_format" => {
            arity(name, n, 1, 2, span)?;
            expect(date_ty(t(n - 1)), span, || type_error(n - 1, "datetime"))?;
            (Func::DateFormat, Type::Keyword)
        }
        "date_parse" => {
            arity(name, n, 1, 2, span)?;
            (Func::DateParse, Type::Datetime)
        }
        "date_extract" => {
            arity(name, n, 2, 2, span)?;
            expect(date_ty(t(1)), span, || type_error(1, "datetime"))?;
            (Func::DateExtract, Type::Long)
        }
        "now" => {
            arity(name, n, 0, 0, span)?;
            (Func::Now, Type::Datetime)
        }
        _ => return Ok(None),
    };
    Ok(Some(Found::Call(func, ty)))
}

/// `DAY_NAME`, `MONTH_NAME`, `YEAR` to `HOUR`, `DATE_UNIT_COUNT`, `DAYS_IN_MONTH`.
pub(super) fn names_and_parts(cx: &mut Args) -> Result<Option<Found>, Diagnostic> {
    let (c, call, span, text) = (&mut *cx.c, cx.call, cx.span, &cx.text);
    let args = &mut cx.args;
    let name = call.name.as_str();
    let n = args.len();
    let t = |i: usize| args[i].ty;
    let type_error = |i: usize, want: &str| type_error_text(text, args, i, want);
    let (func, ty) = match name {
        "day_name" | "month_name" => {
            arity(name, n, 1, 1, span)?;
            expect(date_ty(t(0)), span, || type_error(0, "datetime"))?;
            let f = if name == "day_name" {
                Func::DayName
            } else {
                Func::MonthName
            };
            (f, Type::Keyword)
        }
        "year" | "month" | "day" | "hour" => {
            arity(name, n, 1, 1, span)?;
            if !date_ty(t(0)) {
                let arg = call.args[0].span;
                let want = "datetime or date_nanos";
                return Err(type_mismatch(c.text, span, "first ", arg, t(0), want));
            }
            let field = date_parts::chrono_field(name).unwrap_or("year");
            let site = c.site(span);
            let literal = CExpr {
                kind: Kind::Literal(Cell::One(Value::str(field))),
                ty: Type::Keyword,
                site,
            };
            args.insert(0, literal);
            (Func::DateExtract, Type::Long)
        }
        "date_unit_count" => {
            let args = std::mem::take(args);
            return date_unit_count(c, call, args, span).map(|e| Some(Found::Done(e)));
        }
        "days_in_month" => {
            arity(name, n, 1, 1, span)?;
            expect(date_ty(t(0)), span, || type_error(0, "datetime"))?;
            (Func::DaysInMonth, Type::Long)
        }
        _ => return Ok(None),
    };
    Ok(Some(Found::Call(func, ty)))
}
